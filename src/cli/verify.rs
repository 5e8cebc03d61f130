//! `mailscrub verify`: check a scrubbed backup against its manifest.
//! One line per check (OK, FAILED with the reason, or SKIPPED), then a
//! summary; exit 0 when every check passed, 1 when one failed.

use std::io::Write;
use std::path::PathBuf;

use mailscrub::error::{Error, ErrorKind};
use mailscrub::ops::{self, Input, Output};
use mailscrub::verify::{self, Check, Status, VerifyOptions, VerifyReport};

use super::progress::{ProgressArgs, Reporter};
use super::report::Report;
use super::{Exit, pipeline_options};

/// Arguments of `verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The scrubbed backup; `-` reads standard input.
    output: PathBuf,
    /// The manifest `scrub` wrote (default: OUTPUT.manifest.json).
    #[arg(long, value_name = "PATH")]
    manifest: Option<PathBuf>,
    /// Re-scan the output for the identifiers of this request.
    #[arg(long, value_name = "FILE")]
    subjects: Option<PathBuf>,
    /// The original backup: account for every one of its messages.
    #[arg(long, value_name = "INPUT")]
    input: Option<PathBuf>,
    /// The key the manifest was written with: checks its MAC.
    #[arg(long, value_name = "FILE")]
    manifest_key: Option<PathBuf>,
    /// Print JSON Lines: one object per check, then a summary.
    #[arg(long)]
    json: bool,
    /// Largest message accepted, in bytes (suffixes K, M, G).
    #[arg(long, value_name = "SIZE", default_value_t = ops::DEFAULT_MAX_MESSAGE_SIZE, value_parser = super::parse_size)]
    max_message_size: u64,
    #[command(flatten)]
    decode: super::DecodeArgs,
    /// Worker threads; 1 runs single-threaded. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    progress: ProgressArgs,
}

pub fn run(args: VerifyArgs) -> Result<Exit, Error> {
    let request = args
        .subjects
        .as_deref()
        .map(ops::load_request)
        .transpose()?;
    let key = super::load_key(args.manifest_key.as_deref())?;
    refuse_missing_backup(&args.output)?;
    let manifest = ops::manifest_path(&Output::parse(&args.output), args.manifest.as_deref())?;
    let reporter = Reporter::start(&args.progress, Input::parse(&args.output).size(), false);
    let options = VerifyOptions {
        manifest: &manifest,
        key,
        request: request.as_ref(),
        input: args.input.as_deref().map(Input::parse),
        max_message_size: args.max_message_size,
        max_window: args.decode.max_window,
        pipeline: pipeline_options(args.threads, &reporter),
    };
    let report = verify::verify(&Input::parse(&args.output), &options);
    reporter.finish();
    let report = report?;
    // Unbuffered: each check reaches the reader as it is written.
    let mut out: Report<Box<dyn Write>> = if args.progress.quiet {
        Report::quiet()
    } else {
        Report::new(Box::new(std::io::stdout().lock()))
    };
    for check in &report.checks {
        render_check(&mut out, check, args.json)?;
    }
    render_summary(&mut out, &report, args.json)?;
    out.finish()?;
    Ok(if report.passed() {
        Exit::Success
    } else {
        Exit::VerifyFailed
    })
}

/// Fails on a backup that cannot be opened, naming it: the manifest's
/// path is derived from it, and a missing backup is the first thing to
/// say (not that its manifest is missing too).
fn refuse_missing_backup(output: &std::path::Path) -> Result<(), Error> {
    if output == std::path::Path::new("-") {
        return Ok(());
    }
    std::fs::metadata(output).map(drop).map_err(|source| {
        Error::new(ErrorKind::Open {
            path: output.to_path_buf(),
            source,
        })
    })
}

/// One line of the report: a check, its status and its detail.
fn render_check(out: &mut Report<impl Write>, check: &Check, json: bool) -> Result<(), Error> {
    if json {
        out.json(&serde_json::json!({
            "type": "check",
            "check": check.name,
            "status": check.status,
            "detail": check.detail,
        }))
    } else {
        let status = match check.status {
            Status::Ok => "OK",
            Status::Failed => "FAILED",
            Status::Skipped => "SKIPPED",
        };
        out.text(format_args!("{status:<8}{}: {}", check.name, check.detail))
    }
}

/// The last line of the report: how many checks passed, failed, were skipped.
fn render_summary(
    out: &mut Report<impl Write>,
    report: &VerifyReport,
    json: bool,
) -> Result<(), Error> {
    let count = |status| report.checks.iter().filter(|c| c.status == status).count();
    let (ok, failed, skipped) = (
        count(Status::Ok),
        count(Status::Failed),
        count(Status::Skipped),
    );
    if json {
        out.json(&serde_json::json!({
            "type": "summary",
            "passed": report.passed(),
            "ok": ok,
            "failed": failed,
            "skipped": skipped,
        }))
    } else {
        out.text(format_args!("{ok} OK, {failed} FAILED, {skipped} skipped"))
    }
}
