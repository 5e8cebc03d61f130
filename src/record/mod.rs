//! The record of a run: what was affected, and why.
//!
//! `Recorder` wraps the sink that writes (the scan's writes to nowhere)
//! and turns each [`Verdict`] into the manifest's removals, warnings and
//! totals, handing every affected message to a callback as it goes (the
//! `scan` report streams from there). Nothing recorded identifies a subject:
//! subjects appear as their ids, messages as hashes, and a member path that
//! itself holds an identifier is replaced by its hash.

pub mod digest;
pub mod inventory;

use std::sync::Arc;

use crate::decide::Verdict;
use crate::error::{Error, ErrorKind, Result};
use crate::input::events::Member;
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::{Hasher, Removal, Totals, Warning};
use crate::matcher::{Hit, Matcher};
use crate::pipeline::{Outcome, Sink};
use crate::request::{self, ErasureRequest};

/// Bytes kept from the end of one chunk of non-mail data and scanned again
/// with the next, so that an identifier split across chunks is still found.
const OVERLAP: usize = 1024;

/// Scans a stream of non-mail chunks for identifiers.
#[derive(Default)]
pub(crate) struct RawWatch {
    tail: Vec<u8>,
    subjects: Vec<usize>,
}

impl RawWatch {
    /// Scans the next chunk.
    pub(crate) fn feed(&mut self, matcher: &Matcher, bytes: &[u8]) {
        let mut window = std::mem::take(&mut self.tail);
        window.extend_from_slice(bytes);
        self.subjects
            .extend(matcher.scan_bytes(&window).iter().map(|h: &Hit| h.subject));
        let keep = window.len().min(OVERLAP);
        self.tail = window.split_off(window.len() - keep);
    }

    /// The subjects found since the last call, sorted; resets the watch.
    pub(crate) fn take(&mut self) -> Vec<usize> {
        self.tail.clear();
        let mut subjects = std::mem::take(&mut self.subjects);
        subjects.sort_unstable();
        subjects.dedup();
        subjects
    }
}

/// One affected message, as reports show it.
#[derive(Debug)]
pub struct Affected<'a> {
    /// The member path (or its hash, when the path holds an identifier).
    pub member: &'a str,
    /// The message index in the member.
    pub index: usize,
    /// The decision.
    pub verdict: &'a Verdict,
    /// The subject ids found.
    pub subject_ids: Vec<&'a str>,
}

/// Settings of a [`Recorder`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RecordOptions {
    /// Make a non-mail member holding an identifier an error.
    pub(crate) strict: bool,
}

/// Counts of a run, beyond the manifest's totals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Members read.
    pub members: u64,
    /// Messages read.
    pub messages: u64,
    /// The format of a bare mailbox input (its only member).
    pub bare_format: Option<crate::mailbox::MailboxFormat>,
}

/// Where a [`Recorder`] puts the manifest's entries as it makes them, so
/// that a run with many removals need not hold them all.
pub(crate) trait Journal {
    /// One affected item, in input order.
    fn removal(&mut self, removal: Removal) -> Result<()>;
    /// An identifier the run could not remove.
    fn warning(&mut self, warning: Warning) -> Result<()>;
}

/// What a [`Recorder`] gathered over a run.
pub(crate) struct Record<S, J> {
    /// The sink it forwarded to.
    pub(crate) inner: S,
    /// Where the removals and warnings went.
    pub(crate) journal: J,
    /// Counts of actions.
    pub(crate) totals: Totals,
    /// Members and messages read.
    pub(crate) counts: Counts,
}

/// Records verdicts, then forwards them to the inner sink.
pub(crate) struct Recorder<'a, S, F, J> {
    inner: S,
    request: &'a ErasureRequest,
    matcher: &'a Matcher,
    hasher: &'a Hasher,
    on_affected: F,
    options: RecordOptions,
    journal: J,
    totals: Totals,
    counts: Counts,
    member: Option<(Arc<Member>, String)>,
    watch: RawWatch,
}

impl<'a, S, F, J> Recorder<'a, S, F, J>
where
    S: Sink<Verdict>,
    F: FnMut(&Affected<'_>) -> Result<()>,
    J: Journal,
{
    /// A recorder in front of `inner`, recording into `journal`.
    pub(crate) fn new(
        inner: S,
        request: &'a ErasureRequest,
        matcher: &'a Matcher,
        hasher: &'a Hasher,
        options: RecordOptions,
        on_affected: F,
        journal: J,
    ) -> Self {
        Recorder {
            inner,
            request,
            matcher,
            hasher,
            on_affected,
            options,
            journal,
            totals: Totals::default(),
            counts: Counts::default(),
            member: None,
            watch: RawWatch::default(),
        }
    }

    /// Ends the record: the inner sink and everything recorded.
    pub(crate) fn finish(self) -> Result<Record<S, J>> {
        Ok(Record {
            inner: self.inner,
            journal: self.journal,
            totals: self.totals,
            counts: self.counts,
        })
    }

    /// Records a warning, or fails with `--strict`.
    fn warn(&mut self, member: String, kind: &str, subjects: &[usize]) -> Result<()> {
        if self.options.strict {
            return Err(Error::new(ErrorKind::Strict(format!(
                "'{member}' holds an identifier of {} outside any message ({kind})",
                self.ids(subjects).join(", ")
            ))));
        }
        self.totals.warnings += 1;
        let subjects = self.ids(subjects);
        self.journal.warning(Warning {
            member,
            kind: kind.to_owned(),
            subjects,
        })
    }

    fn ids(&self, subjects: &[usize]) -> Vec<String> {
        subject_ids(self.request, subjects)
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    fn member_name(&self) -> &str {
        self.member.as_ref().map_or("", |(_, name)| name.as_str())
    }

    /// Writes the entries of an affected message to the journal: its
    /// deletion or redaction, then the attachments the redaction dropped.
    fn record(&mut self, message: &Message, verdict: &Verdict) -> Result<()> {
        let redacted = match verdict.outcome {
            Outcome::Keep => return Ok(()),
            Outcome::Delete => false,
            Outcome::Replace(_) => true,
        };
        self.journal
            .removal(self.message_removal(message, verdict, redacted))?;
        let index = message.index as u64;
        for attachment in &verdict.dropped_attachments {
            self.totals.attachments_dropped += 1;
            self.journal.removal(Removal::attachment_dropped(
                self.member_name().to_owned(),
                index,
                self.ids(&verdict.subjects),
                attachment.part.clone(),
                (
                    attachment.original_blake3.clone(),
                    attachment.original_bytes,
                ),
            ))?;
        }
        Ok(())
    }

    /// The `delete` or `redact` entry of an affected message.
    fn message_removal(&self, message: &Message, verdict: &Verdict, redacted: bool) -> Removal {
        let member = self.member_name().to_owned();
        let index = message.index as u64;
        let subjects = self.ids(&verdict.subjects);
        let roles = verdict
            .roles
            .iter()
            .map(|r| role_name(*r).to_owned())
            .collect();
        let original = verdict.original.clone().unwrap_or_default();
        if redacted {
            // The engine hashes every replacement it makes.
            let sanitized = verdict.sanitized.clone().unwrap_or_default();
            Removal::redacted(member, index, subjects, roles, original, sanitized)
        } else {
            let reason = verdict.reason.clone();
            Removal::deleted(member, index, subjects, roles, original, reason)
        }
    }
}

/// The ids of subjects given by index.
pub(crate) fn subject_ids<'r>(request: &'r ErasureRequest, subjects: &[usize]) -> Vec<&'r str> {
    subjects
        .iter()
        .filter_map(|&i| request.subjects.get(i).map(|s| s.id.as_str()))
        .collect()
}

/// The lowercase name of a role.
pub fn role_name(role: request::Role) -> &'static str {
    match role {
        request::Role::Sender => "sender",
        request::Role::Recipient => "recipient",
        request::Role::Mention => "mention",
    }
}

/// The name under which reports and the manifest show a member: its path,
/// or `blake3:<hash>` when the path itself holds an identifier.
pub(crate) fn report_path(matcher: &Matcher, hasher: &Hasher, path: &[u8]) -> String {
    if matcher.scan_bytes(path).is_empty() {
        String::from_utf8_lossy(path).into_owned()
    } else {
        format!("blake3:{}", hasher.message(path))
    }
}

impl<S, F, J> Sink<Verdict> for Recorder<'_, S, F, J>
where
    S: Sink<Verdict>,
    F: FnMut(&Affected<'_>) -> Result<()>,
    J: Journal,
{
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        self.counts.members += 1;
        if member.entry.is_none() {
            self.counts.bare_format = Some(member.format);
        }
        let name = report_path(self.matcher, self.hasher, &member.path);
        self.member = Some((Arc::clone(member), name));
        self.watch.take();
        self.inner.member_start(member)
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        if !self.matcher.is_empty() {
            self.watch.feed(self.matcher, bytes);
        }
        self.inner.data(bytes)
    }

    fn message(&mut self, message: Message, verdict: Verdict) -> Result<()> {
        self.counts.messages += 1;
        self.totals.messages_read += 1;
        // Counted from a reference: a clone of a replacement would copy a
        // whole rewritten message.
        match &verdict.outcome {
            Outcome::Keep => self.totals.untouched += 1,
            Outcome::Delete => self.totals.deleted += 1,
            Outcome::Replace(_) => self.totals.redacted += 1,
        }
        if verdict.reason.is_some() && verdict.outcome == Outcome::Delete {
            self.totals.fail_closed += 1;
        }
        if verdict.is_affected() {
            let member = self.member.as_ref().map_or("", |(_, name)| name.as_str());
            (self.on_affected)(&Affected {
                member,
                index: message.index,
                verdict: &verdict,
                subject_ids: subject_ids(self.request, &verdict.subjects),
            })?;
            self.record(&message, &verdict)?;
        }
        self.inner.message(message, verdict)
    }

    fn member_end(&mut self, padding: &[u8]) -> Result<()> {
        let found = self.watch.take();
        if let Some((member, name)) = self.member.take()
            && !found.is_empty()
        {
            let kind = match member.format {
                // The writer drops such a cache (and records it).
                MailboxFormat::Cache => None,
                format if format.is_mail() => {
                    Some("mailbox-bytes-outside-messages-hold-identifier")
                }
                _ => Some("non-mail-member-holds-identifier"),
            };
            if let Some(kind) = kind {
                self.warn(name, kind, &found)?;
            }
        }
        self.inner.member_end(padding)
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        self.inner.archive_end(zero_blocks)
    }

    /// Bytes after the end of the archive: the writer cleans (and records)
    /// any that hold an identifier.
    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        self.inner.trailer(bytes)
    }
}
