//! The inventory of a backup (`mailscrub list`): members, formats, counts.

use std::sync::Arc;

use serde::Serialize;

use crate::error::Result;
use crate::input::events::Member;
use crate::input::tar::EntryKind;
use crate::mailbox::{MailboxFormat, Message};
use crate::pipeline::Sink;

/// One member of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MemberSummary {
    /// The member path (lossy UTF-8).
    pub path: String,
    /// File, directory, link, ...
    pub kind: EntryKind,
    /// Its mailbox format.
    pub format: MailboxFormat,
    /// Messages in it.
    pub messages: u64,
    /// Bytes of data.
    pub bytes: u64,
}

/// Totals over the whole input.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Members (tar entries, or 1 for a bare mailbox).
    pub members: u64,
    /// Messages in all mail members.
    pub messages: u64,
    /// Bytes of member data.
    pub bytes: u64,
}

/// A [`Sink`] that summarises each member and hands it to a callback as
/// soon as the member ends, so that listing a huge archive streams.
pub(crate) struct Inventory<F> {
    on_member: F,
    current: Option<MemberSummary>,
    totals: Totals,
}

impl<F: FnMut(&MemberSummary) -> Result<()>> Inventory<F> {
    /// An inventory that calls `on_member` for every member.
    pub(crate) fn new(on_member: F) -> Self {
        Inventory {
            on_member,
            current: None,
            totals: Totals::default(),
        }
    }

    /// The totals so far.
    pub(crate) fn totals(&self) -> Totals {
        self.totals
    }

    fn add_bytes(&mut self, n: usize) {
        if let Some(current) = &mut self.current {
            current.bytes += n as u64;
        }
    }
}

impl<P, F: FnMut(&MemberSummary) -> Result<()>> Sink<P> for Inventory<F> {
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        self.current = Some(MemberSummary {
            path: member.display_path(),
            kind: member.kind,
            format: member.format,
            messages: 0,
            bytes: 0,
        });
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.add_bytes(bytes.len());
        Ok(())
    }

    fn message(&mut self, message: Message, _processed: P) -> Result<()> {
        self.add_bytes(message.bytes.len());
        if let Some(current) = &mut self.current {
            current.messages += 1;
        }
        Ok(())
    }

    fn member_end(&mut self, _padding: &[u8]) -> Result<()> {
        if let Some(summary) = self.current.take() {
            self.totals.members += 1;
            self.totals.messages += summary.messages;
            self.totals.bytes += summary.bytes;
            (self.on_member)(&summary)?;
        }
        Ok(())
    }
}
