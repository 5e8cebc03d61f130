//! `mailscrub scrub`: write a sanitized copy of a backup, and its manifest.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use mailscrub::decide::OnUnredactable;
use mailscrub::error::{Error, ErrorKind, counted};
use mailscrub::input::container::Compression;
use mailscrub::ops::{self, Input, Output, ScrubOptions, ScrubSummary, StreamSummary};

use super::progress::{ProgressArgs, Reporter};
use super::report::Report;
use super::{Exit, ReadArgs, pipeline_options};

/// Arguments of `scrub`.
#[derive(Debug, clap::Args)]
pub struct ScrubArgs {
    /// The erasure request (TOML, see docs/request.md). Checked before any
    /// input is read.
    #[arg(long, value_name = "FILE")]
    subjects: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Where the new backup goes; `-` writes standard output. A file appears
    /// only when the run succeeded, together with its manifest (both written
    /// to temporary files, then renamed); a symbolic link is followed and its
    /// destination replaced; a FIFO or a character device is written as a
    /// stream. A file that exists is refused unless `--force` is given.
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// Where the manifest goes (default: OUTPUT.manifest.json; required when
    /// OUTPUT is `-`); renamed into place after OUTPUT, in one transaction
    /// with it. A file that exists is refused unless `--force` is given.
    /// See docs/manifest.md.
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// Replace OUTPUT and the manifest when they exist (atomically, when the
    /// run succeeded). Without it an existing file is refused (exit 2)
    /// before any input is read. The check is made at the start: a file
    /// that appears at either path during the run is replaced all the same.
    #[arg(long)]
    force: bool,
    /// Print one JSON object on standard output at the end, instead of the
    /// summary on standard error (docs/scrub-json.md). Refused with
    /// `--output -`, whose backup takes standard output.
    #[arg(long)]
    json: bool,
    /// Key the manifest's message hashes and seal it with a MAC (32 bytes,
    /// raw or as 64 hex digits).
    #[arg(long, value_name = "FILE")]
    manifest_key: Option<PathBuf>,
    /// Output compression; default: the same as the input's.
    #[arg(long, value_enum)]
    compress: Option<CompressArg>,
    /// Compression level (zstd 1-22, default 3; gzip 0-9, default 6).
    #[arg(long)]
    level: Option<i32>,
    /// What happens to a message that cannot be redacted safely: `delete` it
    /// (recorded in the manifest) or stop with an `error`.
    #[arg(long, value_enum, default_value = "delete")]
    on_unredactable: UnredactableArg,
    /// Fail when a non-mail member holds an identifier (default: a warning).
    #[arg(long)]
    strict: bool,
    /// Worker threads; 1 runs single-threaded. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    progress: ProgressArgs,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CompressArg {
    None,
    Gzip,
    Zstd,
}

/// `--on-unredactable` of `scrub` and `scan`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub(super) enum UnredactableArg {
    Delete,
    Error,
}

impl From<UnredactableArg> for OnUnredactable {
    fn from(arg: UnredactableArg) -> Self {
        match arg {
            UnredactableArg::Delete => OnUnredactable::Delete,
            UnredactableArg::Error => OnUnredactable::Error,
        }
    }
}

pub fn run(args: ScrubArgs) -> Result<Exit, Error> {
    let started = Instant::now();
    if args.json && args.output == Path::new("-") {
        return Err(Error::new(ErrorKind::Usage(
            "--json writes to standard output, which --output - takes for the backup; \
             write the backup to a file"
                .into(),
        )));
    }
    let request = ops::load_request(&args.subjects)?;
    let key = super::load_key(args.manifest_key.as_deref())?;
    let input = Input::parse(&args.read.input);
    let reporter = Reporter::start(&args.progress, input.size(), true);
    let options = ScrubOptions {
        compress: args.compress.map(|c| match c {
            CompressArg::None => Compression::None,
            CompressArg::Gzip => Compression::Gzip,
            CompressArg::Zstd => Compression::Zstd,
        }),
        level: args.level,
        max_message_size: args.read.max_message_size,
        max_window: args.read.decode.max_window,
        pipeline: pipeline_options(args.threads, &reporter),
        manifest: args.manifest.clone(),
        key,
        key_file: args.manifest_key.clone(),
        strict: args.strict,
        on_unredactable: args.on_unredactable.into(),
        force: args.force,
    };
    let output = Output::parse(&args.output);
    let summary = ops::scrub(&input, &output, &request, &options);
    reporter.finish();
    let summary = summary?;
    if args.json {
        let seconds = started.elapsed().as_secs_f64();
        let mut report = Report::stdout();
        report.json(&json_summary(&args, &summary, seconds))?;
        report.finish()?;
    } else if !args.progress.quiet {
        print_summary(&args, &summary);
    }
    Ok(Exit::Success)
}

/// The `--json` object (docs/scrub-json.md): where everything went, the
/// manifest's totals and warnings, both streams, the seconds elapsed.
fn json_summary(args: &ScrubArgs, summary: &ScrubSummary, seconds: f64) -> serde_json::Value {
    let stream = |s: &StreamSummary| {
        serde_json::json!({
            "container": s.container,
            "compression": s.compression,
            "bytes": s.bytes,
            "blake3": s.blake3,
            "members": s.members,
            "messages": s.messages,
        })
    };
    let listed = summary.warnings.len() as u64;
    serde_json::json!({
        "type": "summary",
        "input": args.read.input.to_string_lossy(),
        "output": args.output.to_string_lossy(),
        "manifest": summary.manifest_path.to_string_lossy(),
        "totals": summary.totals,
        "warnings": {
            "count": summary.totals.warnings,
            "list": summary.warnings,
            "omitted": summary.totals.warnings.saturating_sub(listed),
        },
        "input_stream": stream(&summary.input),
        "output_stream": stream(&summary.output),
        "seconds": (seconds * 1000.0).round() / 1000.0,
    })
}

/// The scrub's closing lines on standard error: its account, where the
/// backup and the manifest went, and the `verify` command that checks them.
fn print_summary(args: &ScrubArgs, summary: &ScrubSummary) {
    let totals = &summary.totals;
    eprintln!(
        "mailscrub: {} read: {} untouched, {} deleted ({} after a failed redaction), {} redacted; {}",
        counted(totals.messages_read, "message", "messages"),
        totals.untouched,
        totals.deleted,
        totals.fail_closed,
        totals.redacted,
        counted(totals.warnings, "warning", "warnings"),
    );
    let out = &summary.output;
    let backup = if args.output == Path::new("-") {
        "standard output".to_owned()
    } else {
        escape_for_terminal_path(&args.output)
    };
    eprintln!(
        "mailscrub: wrote {backup} ({}, {}, {}) and its manifest {}",
        out.container,
        out.compression.describe(),
        counted(out.messages, "message", "messages"),
        escape_for_terminal_path(&summary.manifest_path),
    );
    eprintln!(
        "mailscrub: check it with: {}",
        verify_command(args, summary)
    );
}

/// A path as a message line shows it (control characters escaped).
fn escape_for_terminal_path(path: &Path) -> String {
    mailscrub::error::escape_for_terminal(&path.to_string_lossy())
}

/// The `mailscrub verify` command line that checks this scrub's output
/// against its manifest, the request and the input (when it was a file),
/// each path quoted for a POSIX shell when it needs it. With `--output -`
/// the backup is whatever file the stream was saved to: `FILE`.
fn verify_command(args: &ScrubArgs, summary: &ScrubSummary) -> String {
    let mut words = vec!["mailscrub".to_owned(), "verify".to_owned()];
    let mut option = |name: &str, path: &Path| {
        words.push(name.to_owned());
        words.push(shell_word(path.as_os_str()));
    };
    option("--subjects", &args.subjects);
    if args.read.input != Path::new("-") {
        option("--input", &args.read.input);
    }
    let stdout = args.output == Path::new("-");
    if stdout || args.manifest.is_some() {
        option("--manifest", &summary.manifest_path);
    }
    if let Some(key) = &args.manifest_key {
        option("--manifest-key", key);
    }
    words.push(if stdout {
        "FILE".to_owned()
    } else {
        shell_word(args.output.as_os_str())
    });
    words.join(" ")
}

/// `text` as one word of a POSIX shell command: as it is when it only
/// holds characters no shell treats specially, else in single quotes, or
/// as `$'...'` with `\xHH` escapes when it holds control characters or
/// bytes that are not UTF-8 (so that the line shown can be pasted as it
/// is and never drives the terminal). A relative path that starts with
/// `-` gets `./` in front, so that it is not read as an option.
fn shell_word(text: &OsStr) -> String {
    let bytes = text.as_bytes();
    let mut prefix = "";
    if bytes.first() == Some(&b'-') {
        prefix = "./";
    }
    let plain = |b: &u8| b.is_ascii_alphanumeric() || b"_./+-=:,@%".contains(b);
    if !bytes.is_empty() && bytes.iter().all(plain) {
        return format!("{prefix}{}", text.to_string_lossy());
    }
    match std::str::from_utf8(bytes) {
        Ok(utf8) if !utf8.chars().any(char::is_control) => {
            format!("'{prefix}{}'", utf8.replace('\'', "'\\''"))
        }
        _ => {
            let mut word = format!("$'{prefix}");
            for &b in bytes {
                match b {
                    b'\\' | b'\'' => {
                        word.push('\\');
                        word.push(char::from(b));
                    }
                    0x20..=0x7e => word.push(char::from(b)),
                    _ => word.push_str(&format!("\\x{b:02x}")),
                }
            }
            word.push('\'');
            word
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        let word = |s: &str| shell_word(OsStr::new(s));
        assert_eq!(word("out/backup.tar.zst"), "out/backup.tar.zst");
        assert_eq!(word("my backup.tar"), "'my backup.tar'");
        assert_eq!(word("it's.tar"), "'it'\\''s.tar'");
        assert_eq!(word("-x.tar"), "./-x.tar");
        assert_eq!(word("a\u{1b}b"), "$'a\\x1bb'");
        assert_eq!(word(""), "''");
        let raw = OsStr::from_bytes(b"a\xffb'");
        assert_eq!(shell_word(raw), "$'a\\xffb\\''");
    }
}
