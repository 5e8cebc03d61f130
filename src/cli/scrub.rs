//! `mailscrub scrub`: write a sanitized copy of a backup, and its manifest.

use std::path::PathBuf;

use mailscrub::decide::OnUnredactable;
use mailscrub::error::Error;
use mailscrub::input::container::Compression;
use mailscrub::ops::{self, Input, Output, ScrubOptions, ScrubSummary};

use super::progress::{ProgressArgs, Reporter};
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
    /// stream.
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// Where the manifest goes (default: OUTPUT.manifest.json; required when
    /// OUTPUT is `-`); renamed into place after OUTPUT, in one transaction
    /// with it. See docs/manifest.md.
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
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
    let request = ops::load_request(&args.subjects)?;
    let key = super::load_key(args.manifest_key.as_deref())?;
    let input = Input::parse(&args.read.input);
    let reporter = Reporter::start(&args.progress, input.size());
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
        manifest: args.manifest,
        key,
        key_file: args.manifest_key,
        strict: args.strict,
        on_unredactable: args.on_unredactable.into(),
    };
    let output = Output::parse(&args.output);
    let summary = ops::scrub(&input, &output, &request, &options);
    reporter.finish();
    let summary = summary?;
    if !args.progress.quiet {
        print_summary(&summary);
    }
    Ok(Exit::Success)
}

/// The scrub's one line on standard error: its account, where the
/// manifest went.
fn print_summary(summary: &ScrubSummary) {
    let totals = &summary.totals;
    eprintln!(
        "mailscrub: {} messages read: {} untouched, {} deleted ({} after a failed redaction), {} redacted; {} warnings; manifest {}",
        totals.messages_read,
        totals.untouched,
        totals.deleted,
        totals.fail_closed,
        totals.redacted,
        totals.warnings,
        summary.manifest_path.display()
    );
}
