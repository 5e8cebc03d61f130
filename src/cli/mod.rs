//! Command-line definitions (clap), turned into library calls and rendered.
//! Only this module knows about clap, terminals and exit codes.

mod docs;
mod hash_id;
mod help;
mod list;
mod progress;
mod report;
mod scan;
mod scrub;
pub mod signals;
mod verify;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::OnceLock;

use clap::{Parser, Subcommand};

use mailscrub::ops::{Cancel, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_MAX_WINDOW, Limits};

/// Sanitize mail-archive backups for erasure requests (GDPR Art. 17).
#[derive(Debug, Parser)]
#[command(name = "mailscrub", version, about, long_about = None, after_help = help::MAILSCRUB)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Print the inventory of a backup: members, mailbox formats, messages, bytes.
    #[command(after_help = help::LIST)]
    List(list::ListArgs),
    /// The dry run: report what `scrub` would delete and redact, write nothing.
    #[command(after_help = help::SCAN, after_long_help = help::SCAN_LONG)]
    Scan(scan::ScanArgs),
    /// Write a sanitized copy of a backup, in the same container format, and its manifest.
    #[command(after_help = help::SCRUB)]
    Scrub(scrub::ScrubArgs),
    /// Check a scrubbed backup against its manifest (exit 1 when a check fails).
    #[command(after_help = help::VERIFY)]
    Verify(verify::VerifyArgs),
    /// Print the hashed form of an email address, for `email_blake3` in a request.
    #[command(after_help = help::HASH_ID)]
    HashId(hash_id::HashIdArgs),
    /// Write the man pages, one per command, into a directory.
    #[command(after_help = help::MAN)]
    Man(docs::ManArgs),
    /// Print the completion script for a shell (bash, zsh, fish, powershell, elvish).
    #[command(after_help = help::COMPLETIONS)]
    Completions(docs::CompletionsArgs),
}

/// The process exit codes: 0 success, 1 a verification failed, 2 bad usage
/// or unreadable input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well.
    Success,
    /// `verify`: a check failed.
    VerifyFailed,
    /// Bad usage, unreadable or invalid input, or any other error.
    Error,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        match exit {
            Exit::Success => ExitCode::SUCCESS,
            Exit::VerifyFailed => ExitCode::from(1),
            Exit::Error => ExitCode::from(2),
        }
    }
}

/// The process's one [`Cancel`] handle: the signal thread cancels it
/// (`signals`), every run is given it.
pub fn cancel() -> &'static Cancel {
    static CANCEL: OnceLock<Cancel> = OnceLock::new();
    CANCEL.get_or_init(Cancel::default)
}

/// Pipeline settings from `--threads` (default: all cores), the progress
/// counters of a reporter and the process's [`cancel`] handle.
fn pipeline_options(
    threads: Option<usize>,
    reporter: &progress::Reporter,
) -> mailscrub::pipeline::PipelineOptions {
    let mut options = mailscrub::pipeline::PipelineOptions::default();
    if let Some(threads) = threads {
        options.threads = threads.max(1);
    }
    options.progress = reporter.progress();
    options.cancel = cancel().clone();
    options
}

/// Options shared by the commands that read a backup.
#[derive(Debug, clap::Args)]
struct ReadArgs {
    /// The backup: .tar, .tar.gz, .tar.zst, an mbox (optionally .gz/.zst) or
    /// one message; `-` reads standard input. The format is detected from the
    /// content, not the name.
    input: PathBuf,
    /// Largest message accepted, in bytes (suffixes K, M, G for KiB, MiB,
    /// GiB). A larger message is an error that names it.
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_MESSAGE_SIZE, value_parser = parse_size)]
    max_message_size: u64,
    #[command(flatten)]
    decode: DecodeArgs,
}

impl ReadArgs {
    /// The limits these options set.
    fn limits(&self) -> Limits {
        Limits {
            max_message_size: self.max_message_size,
            max_window: self.decode.max_window,
        }
    }
}

/// Options of the decoders, shared by every command that reads a backup.
#[derive(Debug, clap::Args)]
pub(crate) struct DecodeArgs {
    /// Largest zstd window accepted in a compressed backup, in bytes
    /// (suffixes K, M, G): a frame that needs more memory to decode is an
    /// error. Default 128M, the limit of the zstd command.
    #[arg(long, value_name = "SIZE", default_value_t = DEFAULT_MAX_WINDOW, value_parser = parse_size)]
    pub max_window: u64,
}

/// Reads the `--manifest-key` file, if one was given.
fn load_key(
    path: Option<&std::path::Path>,
) -> Result<Option<mailscrub::manifest::ManifestKey>, mailscrub::Error> {
    path.map(mailscrub::manifest::ManifestKey::from_file)
        .transpose()
        .map_err(|e| mailscrub::Error::new(mailscrub::ErrorKind::Usage(e.to_string())))
}

/// Parses a byte count with an optional binary suffix (K, M, G, T).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => {
            let shift = match c.to_ascii_uppercase() {
                'K' => 10,
                'M' => 20,
                'G' => 30,
                'T' => 40,
                _ => return Err(format!("unknown size suffix '{c}' (use K, M, G or T)")),
            };
            (&text[..i], shift)
        }
        _ => (text, 0),
    };
    let value: u64 = digits
        .trim()
        .parse()
        .map_err(|_| format!("'{text}' is not a size in bytes"))?;
    value
        .checked_shl(shift)
        .filter(|v| v >> shift == value && *v > 0)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// Runs the parsed command. A report whose reader went away (`scan | head
/// -1`) ends quietly with success: the reader has what it asked for. The
/// backup stream of `scrub --output -` is no report: a reader that goes away
/// there leaves a backup cut short, which stays an error.
pub fn run(cli: Cli) -> Result<Exit, mailscrub::Error> {
    let result = match cli.command {
        Command::List(args) => list::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Scrub(args) => return scrub::run(args),
        Command::Verify(args) => verify::run(args),
        Command::HashId(args) => hash_id::run(args),
        Command::Man(args) => docs::man(args),
        Command::Completions(args) => docs::completions(args),
    };
    match result {
        Err(e) if e.is_broken_pipe() => Ok(Exit::Success),
        result => result,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse_with_binary_suffixes() {
        assert_eq!(parse_size("4096"), Ok(4096));
        assert_eq!(parse_size("256M"), Ok(256 << 20));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12X").is_err());
        assert!(parse_size("99999999999T").is_err());
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
