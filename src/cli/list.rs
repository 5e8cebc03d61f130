//! `mailscrub list`: the inventory of a backup.

use std::io::Write;

use mailscrub::error::Error;
use mailscrub::input::container::Container;
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
}

pub fn run(args: ListArgs) -> Result<Exit, Error> {
    let input = Input::parse(&args.read.input);
    let mut report = Report::stdout();
    if !args.json {
        report.text(format_args!(
            "{:<8} {:>9} {:>14}  PATH",
            "FORMAT", "MESSAGES", "BYTES"
        ))?;
    }
    let mut bare_format = "bare";
    let (container, totals) = ops::list(&input, args.read.limits(), |member| {
        bare_format = member.format.name();
        if args.json {
            render_json(&mut report, member)
        } else {
            render_text(&mut report, member)
        }
    })?;
    let container_name = match container.layout {
        mailscrub::input::container::Layout::Tar => "tar",
        mailscrub::input::container::Layout::Bare => bare_format,
    };
    render_summary(&mut report, (container, container_name), &totals, args.json)?;
    report.finish()?;
    Ok(Exit::Success)
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
            "{:<8} {:>9} {:>14}  {} members, {} container, {} compression",
            "total",
            totals.messages,
            totals.bytes,
            totals.members,
            container_name,
            container.compression
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
