//! `mailscrub scan`: the dry run. Reads everything, writes nothing, reports
//! what `scrub` would do (docs/scan.md).

use std::io::Write;
use std::path::PathBuf;

use mailscrub::error::{Error, counted};
use mailscrub::manifest::{Removal, Warning};
use mailscrub::ops::{self, Input, ScanSummary};
use mailscrub::record::{Affected, role_name};
use mailscrub::request::Action;

use super::progress::{ProgressArgs, Reporter};
use super::report::{Report, path};
use super::scrub::UnredactableArg;
use super::{Exit, ReadArgs, pipeline_options};

/// Arguments of `scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// The erasure request (TOML, see docs/request.md).
    #[arg(long, value_name = "FILE")]
    subjects: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Print JSON Lines: one object per affected message, then a summary.
    #[arg(long)]
    json: bool,
    /// As for `scrub`: a message that cannot be redacted safely is reported
    /// as a deletion with its reason (`delete`), or stops the scan with an
    /// `error` (exit 2) at the message where the scrub would stop.
    #[arg(long, value_enum, default_value = "delete")]
    on_unredactable: UnredactableArg,
    /// Worker threads; 1 runs single-threaded. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
    #[command(flatten)]
    progress: ProgressArgs,
}

fn action_name(action: Option<Action>) -> &'static str {
    match action {
        Some(Action::Delete) => "delete",
        Some(Action::Redact) => "redact",
        None => "keep",
    }
}

pub fn run(args: ScanArgs) -> Result<Exit, Error> {
    let request = ops::load_request(&args.subjects)?;
    let input = Input::parse(&args.read.input);
    let reporter = Reporter::start(&args.progress, input.size(), false);
    let mut report = if args.progress.quiet {
        Report::quiet()
    } else {
        Report::stdout()
    };
    let json = args.json;
    let summary = ops::scan(
        &input,
        &request,
        args.read.limits(),
        args.on_unredactable.into(),
        &pipeline_options(args.threads, &reporter),
        |affected| render(&mut report, affected, json),
    );
    reporter.finish();
    let summary = summary?;
    for removal in &summary.members {
        render_member(&mut report, removal, json)?;
    }
    for warning in &summary.warnings {
        render_warning(&mut report, warning, json)?;
    }
    render_summary(&mut report, &summary, json)?;
    report.finish()?;
    Ok(Exit::Success)
}

/// A member the scrub will drop, rename or clean, as its manifest entry
/// says (the action and the reason; never a name).
fn render_member(
    report: &mut Report<impl Write>,
    removal: &Removal,
    json: bool,
) -> Result<(), Error> {
    if json {
        report.json(&serde_json::json!({
            "type": "member",
            "member": removal.member,
            "action": removal.action.name(),
            "reason": removal.reason,
        }))
    } else {
        report.text(format_args!(
            "{:<7} {}",
            removal.action.name(),
            path(&removal.member)
        ))?;
        match &removal.reason {
            Some(reason) => report.text(format_args!("        reason: {reason}")),
            None => Ok(()),
        }
    }
}

/// One warning of the scan: a member whose bytes outside messages hold an
/// identifier, or a hard link without its target.
fn render_warning(
    report: &mut Report<impl Write>,
    warning: &Warning,
    json: bool,
) -> Result<(), Error> {
    if json {
        report.json(&serde_json::json!({
            "type": "warning",
            "member": warning.member,
            "kind": warning.kind,
            "subjects": warning.subjects,
        }))
    } else {
        report.text(format_args!(
            "warning  {}  {}  subjects={}",
            path(&warning.member),
            warning.kind,
            warning.subjects.join(",")
        ))
    }
}

/// The last line of the scan: what a scrub would do with the messages.
fn render_summary(
    report: &mut Report<impl Write>,
    summary: &ScanSummary,
    json: bool,
) -> Result<(), Error> {
    let t = &summary.totals;
    if json {
        report.json(&serde_json::json!({
            "type": "summary",
            "container": summary.container_name,
            "compression": summary.container.compression,
            "members": summary.counts.members,
            "messages": t.messages_read,
            "delete": t.deleted,
            "redact": t.redacted,
            "untouched": t.untouched,
            "fail_closed": t.fail_closed,
            "dropped": t.sidecars_dropped,
            "renamed": t.renamed,
            "cleaned": t.cleaned,
            "warnings": t.warnings,
        }))
    } else {
        report.text(format_args!(
            "{} read: {} to delete, {} to redact, {} untouched; {}",
            counted(t.messages_read, "message", "messages"),
            t.deleted,
            t.redacted,
            t.untouched,
            counted(t.warnings, "warning", "warnings"),
        ))
    }
}

/// One affected message of the scan: what a scrub would do with it.
fn render(
    report: &mut Report<impl Write>,
    affected: &Affected<'_>,
    json: bool,
) -> Result<(), Error> {
    let roles: Vec<&str> = affected
        .verdict
        .roles
        .iter()
        .map(|r| role_name(*r))
        .collect();
    if json {
        render_json(report, affected, &roles)
    } else {
        render_text(report, affected, &roles)
    }
}

/// [`render`] as a JSON line.
fn render_json(
    report: &mut Report<impl Write>,
    affected: &Affected<'_>,
    roles: &[&str],
) -> Result<(), Error> {
    let verdict = affected.verdict;
    let found_by: Vec<serde_json::Value> = verdict
        .evidence
        .iter()
        .map(|e| {
            serde_json::json!({
                "kind": e.kind.name(),
                "form": e.form.name(),
                "place": e.place.name(),
                "decoding": e.decoding.name(),
            })
        })
        .collect();
    report.json(&serde_json::json!({
        "type": "message",
        "member": affected.member,
        "index": affected.index,
        "message_id_blake3": verdict.message_id,
        "subjects": affected.subject_ids,
        "roles": roles,
        "found_by": found_by,
        "action": action_name(verdict.action()),
        "reason": verdict.reason,
    }))
}

/// [`render`] as text: the message's line, then its reason (if any).
fn render_text(
    report: &mut Report<impl Write>,
    affected: &Affected<'_>,
    roles: &[&str],
) -> Result<(), Error> {
    let verdict = affected.verdict;
    let found: Vec<String> = verdict
        .evidence
        .iter()
        .map(|e| {
            let (kind, form, place) = (e.kind.name(), e.form.name(), e.place.name());
            format!("{kind}/{form}@{place}:{}", e.decoding.name())
        })
        .collect();
    report.text(format_args!(
        "{:<7} {} #{}  subjects={} roles={} found={} message-id={}",
        action_name(verdict.action()),
        path(affected.member),
        affected.index,
        affected.subject_ids.join(","),
        roles.join(","),
        found.join(","),
        verdict
            .message_id
            .as_deref()
            .map_or("-", |h| &h[..16.min(h.len())]),
    ))?;
    match &verdict.reason {
        Some(reason) => report.text(format_args!("        reason: {reason}")),
        None => Ok(()),
    }
}
