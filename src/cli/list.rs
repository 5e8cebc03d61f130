//! `mailscrub list`: the inventory of a backup.

use std::io::Write;

use mailscrub::error::{Error, ErrorKind, escape_for_terminal};
use mailscrub::ops::{self, Input};
use mailscrub::record::inventory::MemberSummary;

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
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let emit_err = |e: std::io::Error| Error::new(ErrorKind::Write(e));
    if !args.json {
        writeln!(
            out,
            "{:<8} {:>9} {:>14}  PATH",
            "FORMAT", "MESSAGES", "BYTES"
        )
        .map_err(emit_err)?;
    }
    let mut bare_format = "bare";
    let (container, totals) = ops::list(&input, args.read.limits(), |member| {
        bare_format = member.format.name();
        if args.json {
            render_json(&mut out, member)
        } else {
            render_text(&mut out, member)
        }
        .map_err(emit_err)
    })?;
    let container_name = match container.layout {
        mailscrub::input::container::Layout::Tar => "tar",
        mailscrub::input::container::Layout::Bare => bare_format,
    };
    if args.json {
        let summary = serde_json::json!({
            "type": "summary",
            "container": container_name,
            "compression": container.compression,
            "members": totals.members,
            "messages": totals.messages,
            "bytes": totals.bytes,
        });
        writeln!(out, "{summary}").map_err(emit_err)?;
    } else {
        writeln!(
            out,
            "{:<8} {:>9} {:>14}  {} members, {} container, {} compression",
            "total",
            totals.messages,
            totals.bytes,
            totals.members,
            container_name,
            container.compression
        )
        .map_err(emit_err)?;
    }
    out.flush().map_err(emit_err)?;
    Ok(Exit::Success)
}

fn render_text(out: &mut impl Write, member: &MemberSummary) -> std::io::Result<()> {
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
    writeln!(
        out,
        "{format:<8} {:>9} {:>14}  {}",
        member.messages,
        member.bytes,
        escape_for_terminal(&member.path)
    )
}

fn render_json(out: &mut impl Write, member: &MemberSummary) -> std::io::Result<()> {
    let line = serde_json::json!({
        "type": "member",
        "path": member.path,
        "kind": member.kind,
        "format": member.format,
        "messages": member.messages,
        "bytes": member.bytes,
    });
    writeln!(out, "{line}")
}
