//! `mailscrub list`: the inventory of a backup.

use std::io::Write;

use mailscrub::error::{Error, counted};
use mailscrub::input::container::{Compression, Container};
use mailscrub::ops::{self, Input};
use mailscrub::record::inventory::{MemberSummary, Totals};

use super::report::{Report, path};
use super::{Exit, ReadArgs};

/// Arguments of `list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    read: ReadArgs,
    /// Print JSON Lines: one object per member, then a summary (see docs/list.md).
    #[arg(long)]
    json: bool,
    /// Quiet: print nothing but errors; exit 0 says the whole backup reads.
    #[arg(long, short, conflicts_with = "json")]
    quiet: bool,
}

pub fn run(args: ListArgs) -> Result<Exit, Error> {
    let input = Input::parse(&args.read.input);
    let mut report = if args.quiet {
        Report::quiet()
    } else {
        Report::stdout()
    };
    // The header waits for the first member (or the summary): a backup
    // that cannot be read gets its error alone.
    let mut header = !args.json;
    let mut bare_format = "bare";
    let (container, totals) = ops::list(&input, args.read.limits(), |member| {
        bare_format = member.format.name();
        if args.json {
            render_json(&mut report, member)
        } else {
            render_header(&mut report, &mut header)?;
            render_text(&mut report, member)
        }
    })?;
    render_header(&mut report, &mut header)?;
    let container_name = match container.layout {
        mailscrub::input::container::Layout::Tar => "tar",
        mailscrub::input::container::Layout::Bare => bare_format,
    };
    render_summary(&mut report, (container, container_name), &totals, args.json)?;
    report.finish()?;
    Ok(Exit::Success)
}

/// The column heads of the text inventory, written once (`pending` is
/// cleared).
fn render_header(report: &mut Report<impl Write>, pending: &mut bool) -> Result<(), Error> {
    if !std::mem::take(pending) {
        return Ok(());
    }
    report.text(format_args!(
        "{:<8} {:>9} {:>14}  PATH",
        "FORMAT", "MESSAGES", "BYTES"
    ))
}

/// The last line of the inventory: the counts, the container (with its
/// name) and its compression.
fn render_summary(
    report: &mut Report<impl Write>,
    (container, container_name): (Container, &str),
    totals: &Totals,
    json: bool,
) -> Result<(), Error> {
    if json {
        report.json(&serde_json::json!({
            "type": "summary",
            "container": container_name,
            "compression": container.compression,
            "members": totals.members,
            "messages": totals.messages,
            "bytes": totals.bytes,
        }))
    } else {
        report.text(format_args!(
            "{:<8} {:>9} {:>14}  {}, {} container, {}",
            "total",
            totals.messages,
            totals.bytes,
            counted(totals.members, "member", "members"),
            container_name,
            match container.compression {
                Compression::None => "uncompressed".to_owned(),
                other => format!("{} compression", other.describe()),
            }
        ))
    }
}

fn render_text(report: &mut Report<impl Write>, member: &MemberSummary) -> Result<(), Error> {
    let format = if member.format != mailscrub::mailbox::MailboxFormat::Other {
        member.format.name()
    } else {
        match member.kind {
            mailscrub::input::tar::EntryKind::File => "other",
            mailscrub::input::tar::EntryKind::Dir => "dir",
            mailscrub::input::tar::EntryKind::Symlink => "symlink",
            mailscrub::input::tar::EntryKind::Hardlink => "hardlink",
            mailscrub::input::tar::EntryKind::Other => "special",
        }
    };
    report.text(format_args!(
        "{format:<8} {:>9} {:>14}  {}",
        member.messages,
        member.bytes,
        path(&member.path)
    ))
}

fn render_json(report: &mut Report<impl Write>, member: &MemberSummary) -> Result<(), Error> {
    report.json(&serde_json::json!({
        "type": "member",
        "path": member.path,
        "kind": member.kind,
        "format": member.format,
        "messages": member.messages,
        "bytes": member.bytes,
    }))
}
