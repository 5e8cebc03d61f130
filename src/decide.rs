//! The decisions: what happens to each message, and why.
//!
//! The [`Engine`] is the pipeline's [`Processor`]: for each message it runs
//! the matcher, turns the strongest role found into an action through the
//! request's policy, and carries the action out: a redaction is made and
//! re-scanned, and becomes a deletion when it fails closed. The [`Verdict`]
//! it returns is the plan for the message, the same whoever asks: `scrub`
//! writes it, `scan` (the dry run) reports it through a sink that writes
//! nothing, so the dry run predicts the scrub exactly. It holds everything
//! the writer, the reports and the manifest need, and nothing that
//! identifies a subject: subject indices, roles, hashes and lengths. A
//! condition that must stop the run (`--on-unredactable error`) is an
//! [`Error`], not part of the plan.

use std::borrow::Borrow;
use std::panic::AssertUnwindSafe;

use crate::error::{Error, ErrorKind, Result};
use crate::input::events::Member;
use crate::mailbox::mbox::{adjust_content_length, has_counted_body};
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::Hasher;
use crate::matcher::{
    Evidence, Findings, Location, MAX_DEPTH, Matcher, MessageInput, ParseStatus, Role,
};
use crate::pipeline::{Outcome, Processor};
use crate::request::{Action, BinaryAttachments, ErasureRequest};
use crate::rewrite::{self, RewriteOptions};

/// What to do when a message to redact cannot be redacted safely.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnUnredactable {
    /// Delete the message instead, and record why (fail closed).
    #[default]
    Delete,
    /// Stop the run with an error.
    Error,
}

/// The decision for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What the writer does.
    pub outcome: Outcome,
    /// Indices of the subjects found (into the request), sorted.
    pub subjects: Vec<usize>,
    /// Roles found, weakest first.
    pub roles: Vec<Role>,
    /// How the subjects were found (kind, form, place of each hit), sorted.
    pub evidence: Vec<Evidence>,
    /// The action the policy asks for; `None` when nobody was found.
    pub planned: Option<Action>,
    /// Hash and length of the original message, for affected messages.
    pub original: Option<(String, u64)>,
    /// Hash and length of the rewritten message, for redactions.
    pub sanitized: Option<(String, u64)>,
    /// Why the outcome differs from the plan (fail closed).
    pub reason: Option<String>,
    /// Hash of the Message-ID field value, for reports.
    pub message_id: Option<String>,
    /// How the matcher examined the message.
    pub parse: ParseStatus,
    /// Binary attachments replaced by stubs in a redaction.
    pub dropped_attachments: Vec<AttachmentRecord>,
}

/// A binary attachment that a redaction replaced by a stub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentRecord {
    /// MIME part path, one-based, e.g. `2` or `1.3`.
    pub part: String,
    /// Hash of the part's original bytes (in the manifest's hashing mode).
    pub original_blake3: String,
    /// Length of the part's original bytes.
    pub original_bytes: u64,
}

impl Verdict {
    fn untouched(parse: ParseStatus) -> Self {
        Verdict {
            outcome: Outcome::Keep,
            subjects: Vec::new(),
            roles: Vec::new(),
            evidence: Vec::new(),
            planned: None,
            original: None,
            sanitized: None,
            reason: None,
            message_id: None,
            parse,
            dropped_attachments: Vec::new(),
        }
    }

    /// True when a subject was found.
    pub(crate) fn is_affected(&self) -> bool {
        self.planned.is_some()
    }

    /// What the writer does with an affected message, as the manifest's
    /// removal says it: `Delete` (the policy's deletion, or a redaction
    /// that failed closed) or `Redact`; `None` for a message kept as it is.
    pub fn action(&self) -> Option<Action> {
        match self.outcome {
            Outcome::Keep => None,
            Outcome::Delete => Some(Action::Delete),
            Outcome::Replace(_) => Some(Action::Redact),
        }
    }
}

impl Borrow<Outcome> for Verdict {
    fn borrow(&self) -> &Outcome {
        &self.outcome
    }
}

/// The per-message decision maker.
pub struct Engine<'a> {
    request: &'a ErasureRequest,
    matcher: Matcher,
    hasher: Hasher,
    on_unredactable: OnUnredactable,
}

impl<'a> Engine<'a> {
    /// Compiles the request's identifiers; message hashes use `hasher`;
    /// `on_unredactable` says what a failed redaction turns into.
    pub fn new(
        request: &'a ErasureRequest,
        hasher: Hasher,
        on_unredactable: OnUnredactable,
    ) -> Self {
        Engine {
            request,
            matcher: Matcher::new(request),
            hasher,
            on_unredactable,
        }
    }

    /// Bounds what extracting one message's attachments may produce
    /// (`--max-message-size`, see [`Matcher::with_expand_limit`]).
    pub fn with_expand_limit(mut self, limit: u64) -> Self {
        self.matcher = self.matcher.with_expand_limit(limit);
        self
    }

    /// The compiled matcher, for scanning non-mail data.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The request being applied.
    pub(crate) fn request(&self) -> &ErasureRequest {
        self.request
    }

    /// Decides one message of `member` and carries the decision out: the
    /// plan, redacted bytes and fail-closed re-scan included. `Err`
    /// ([`ErrorKind::Unredactable`]) when a redaction fails and
    /// `--on-unredactable error` asks the run to stop; the pipeline adds the
    /// message's position.
    pub(crate) fn decide(&self, member: &Member, message: &Message) -> Result<Verdict> {
        let input = MessageInput {
            envelope: message.envelope(),
            raw: message.rfc822(),
        };
        let findings = self.matcher.scan(&input);
        // A message the matcher could not see whole may hold an identifier
        // anywhere: it is deleted, in the dry run as in the scrub.
        let unsearchable = unsearchable(findings.parse).is_some();
        let planned = match findings.strongest_role() {
            _ if unsearchable => Action::Delete,
            Some(role) => self.request.policy.action_for(role),
            None => return Ok(Verdict::untouched(findings.parse)),
        };
        let mut verdict = self.deletion(message, &findings, planned);
        if planned == Action::Redact {
            match self.redact(member, message, &verdict.subjects) {
                Ok((bytes, dropped)) => {
                    verdict.sanitized = Some((self.hasher.message(&bytes), bytes.len() as u64));
                    verdict.outcome = Outcome::Replace(bytes);
                    verdict.dropped_attachments = dropped;
                }
                Err(failed) if self.on_unredactable == OnUnredactable::Error => {
                    return Err(Error::new(ErrorKind::Unredactable(failed.to_string())));
                }
                Err(failed) => verdict.reason = Some(failed.to_string()),
            }
        }
        Ok(verdict)
    }

    /// The verdict for an affected message before any redaction: deleted,
    /// with what was found and the hashes of the original.
    fn deletion(&self, message: &Message, findings: &Findings, planned: Action) -> Verdict {
        Verdict {
            outcome: Outcome::Delete,
            subjects: findings.subjects(),
            roles: findings.roles(),
            evidence: findings.evidence(),
            planned: Some(planned),
            original: Some((
                self.hasher.message(&message.bytes),
                message.bytes.len() as u64,
            )),
            sanitized: None,
            reason: unsearchable(findings.parse).map(|f| f.to_string()),
            message_id: message_id(message.rfc822()).map(|id| self.hasher.message(id)),
            parse: findings.parse,
            dropped_attachments: Vec::new(),
        }
    }

    /// Redacts a message and proves the result clean: the same matcher and
    /// an independent scan of the raw bytes must find nothing in it. `Err`
    /// says why the message must be deleted instead (never an identifier).
    fn redact(
        &self,
        member: &Member,
        message: &Message,
        subjects: &[usize],
    ) -> std::result::Result<(Vec<u8>, Vec<AttachmentRecord>), FailClosed> {
        let envelope = &message.bytes[..message.envelope_len];
        let redacted = self.rewrite(member, message, envelope, subjects)?;
        let new_envelope = redacted.envelope.as_deref().unwrap_or(envelope);
        let rfc822 = match member.format {
            MailboxFormat::Mbox => adjust_content_length(message.rfc822(), redacted.bytes),
            _ => redacted.bytes,
        };
        let bytes = self.prove_clean(new_envelope, rfc822)?;
        let dropped = redacted
            .dropped_attachments
            .iter()
            .map(|a| AttachmentRecord {
                part: part_name(&a.part_path),
                original_blake3: self.hasher.message(&a.original),
                original_bytes: a.original.len() as u64,
            })
            .collect();
        Ok((bytes, dropped))
    }

    /// The rewriter's redaction of the message (without its envelope line,
    /// `envelope`), a panic of the rewriter caught as a failure.
    fn rewrite(
        &self,
        member: &Member,
        message: &Message,
        envelope: &[u8],
        subjects: &[usize],
    ) -> std::result::Result<rewrite::Redacted, FailClosed> {
        let options = RewriteOptions {
            stub_binary_attachments: self.request.policy.binary_attachments
                == BinaryAttachments::Stub,
            request_ids: subjects
                .iter()
                .filter_map(|&i| self.request.subjects.get(i).map(|s| s.id.clone()))
                .collect(),
            mbox_quoting: member.format == MailboxFormat::Mbox
                && !has_counted_body(message.rfc822()),
        };
        std::panic::catch_unwind(AssertUnwindSafe(|| {
            rewrite::redact(
                message.rfc822(),
                (!envelope.is_empty()).then_some(envelope),
                &self.matcher,
                &options,
            )
        }))
        .map_err(|_| FailClosed::RewriterFailed)?
        .map_err(FailClosed::Rewrite)
    }

    /// The redacted message, its envelope line put back in front, once the
    /// matcher and the raw scan find nothing in it.
    fn prove_clean(
        &self,
        envelope: &[u8],
        rfc822: Vec<u8>,
    ) -> std::result::Result<Vec<u8>, FailClosed> {
        let rescan = self.matcher.scan(&MessageInput {
            envelope: (!envelope.is_empty()).then(|| crate::mailbox::trim_eol(envelope)),
            raw: &rfc822,
        });
        if let Some(failed) = unsearchable(rescan.parse) {
            return Err(failed);
        }
        if let Some(hit) = rescan.hits.first() {
            return Err(FailClosed::Left(describe(&hit.location, &self.matcher)));
        }
        // The envelope goes in front of the message in place: a second
        // copy of a large message would double its share of the memory.
        let mut bytes = rfc822;
        bytes.reserve_exact(envelope.len());
        bytes.splice(0..0, envelope.iter().copied());
        if !self.matcher.scan_bytes(&bytes).is_empty() {
            return Err(FailClosed::RawLeft);
        }
        Ok(bytes)
    }
}

/// The manifest's reason for a message with a part that cannot be decoded.
const UNDECODABLE: &str = "a part cannot be decoded with confidence (unknown transfer encoding, \
                           or more encoded text than the decoding budget)";

/// Why a planned redaction becomes a deletion (fail closed): the reason the
/// manifest records, which never holds an identifier.
#[derive(Debug, thiserror::Error)]
enum FailClosed {
    /// The rewriter panicked.
    #[error("the rewriter failed unexpectedly")]
    RewriterFailed,
    /// The rewriter could not redact safely.
    #[error("{0}")]
    Rewrite(rewrite::RewriteError),
    /// The redacted message nests too deeply to be searched whole.
    #[error("nesting deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// An attachment expands past `--max-message-size` when decompressed.
    #[error("an attachment expands past the size limit (--max-message-size) when decompressed")]
    AttachmentTooLarge,
    /// Archives inside an attachment nest too deeply.
    #[error(
        "archives or compressed streams in an attachment nest deeper than {} levels",
        crate::extract::MAX_DEPTH
    )]
    AttachmentTooDeep,
    /// A reader of an attachment's format failed.
    #[error("an attachment could not be read (its reader failed unexpectedly)")]
    AttachmentUnreadable,
    /// A part of the redacted message cannot be decoded with confidence.
    #[error("{UNDECODABLE}")]
    Undecodable,
    /// The matcher still finds an identifier, at this place.
    #[error("an identifier is left after redaction ({0})")]
    Left(String),
    /// The raw scan still finds one.
    #[error("the raw bytes still hold an identifier after redaction")]
    RawLeft,
}

/// Why a message the matcher could not search whole must be deleted, for
/// the parse statuses that say so.
fn unsearchable(parse: ParseStatus) -> Option<FailClosed> {
    match parse {
        ParseStatus::TooDeep => Some(FailClosed::TooDeep),
        ParseStatus::AttachmentTooLarge => Some(FailClosed::AttachmentTooLarge),
        ParseStatus::AttachmentTooDeep => Some(FailClosed::AttachmentTooDeep),
        ParseStatus::AttachmentUnreadable => Some(FailClosed::AttachmentUnreadable),
        ParseStatus::Undecodable => Some(FailClosed::Undecodable),
        ParseStatus::Skipped | ParseStatus::Parsed | ParseStatus::Unparsed => None,
    }
}

/// A location named without its content: where a hit is, never what.
/// Where a hit sits, for a reason in the manifest: a header by its name
/// unless the name itself holds an identifier, then by its position.
fn describe(location: &Location, matcher: &Matcher) -> String {
    match location {
        Location::Envelope => "the envelope line".into(),
        Location::Header {
            path, index, name, ..
        } => {
            let field = if matcher.scan_bytes(name.as_bytes()).is_empty() {
                format!("header {name}")
            } else {
                format!("header field {}", index + 1)
            };
            match path.is_empty() {
                true => field,
                false => format!("{field} of part {}", part_name(path)),
            }
        }
        Location::Part { path, .. } => format!("part {}", part_name(path)),
        Location::AttachmentName { path } => format!("the file name of part {}", part_name(path)),
        Location::Raw { span } => format!("raw bytes at offset {}", span.start),
    }
}

/// A MIME part path, one-based (`1.2`), or `root`.
fn part_name(path: &[usize]) -> String {
    if path.is_empty() {
        return "root".into();
    }
    path.iter()
        .map(|i| (i + 1).to_string())
        .collect::<Vec<_>>()
        .join(".")
}

impl Processor for Engine<'_> {
    type Output = Verdict;

    fn process(&self, member: &Member, message: &Message) -> Result<Verdict> {
        self.decide(member, message)
    }
}

/// The value of the first top-level `Message-ID` field, trimmed, as bytes:
/// the first line of it (a value folded onto the next line is not unfolded,
/// so it is cut at the fold).
fn message_id(raw: &[u8]) -> Option<&[u8]> {
    for line in raw.split(|&b| b == b'\n') {
        let line = crate::mailbox::trim_eol(line);
        if line.is_empty() {
            return None;
        }
        let Some(name) = crate::mailbox::field_name(line) else {
            continue;
        };
        if name.eq_ignore_ascii_case(b"message-id") {
            let colon = line.iter().position(|&b| b == b':')?;
            let value = line[colon + 1..].trim_ascii();
            return (!value.is_empty()).then_some(value);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::manifest::UNSEARCHABLE_REASONS;

    #[test]
    fn unsearchable_reasons_are_the_manifests() {
        use ParseStatus::*;
        let statuses = [
            TooDeep,
            Undecodable,
            AttachmentTooLarge,
            AttachmentTooDeep,
            AttachmentUnreadable,
        ];
        for status in statuses {
            let reason = unsearchable(status).map(|f| f.to_string());
            assert!(
                reason
                    .as_deref()
                    .is_some_and(|r| UNSEARCHABLE_REASONS.contains(&r)),
                "{status:?}: {reason:?}"
            );
        }
        assert!(unsearchable(Parsed).is_none());
    }

    use super::*;

    fn request() -> ErasureRequest {
        ErasureRequest::from_toml_str(
            "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n",
        )
        .unwrap()
    }

    fn message(text: &str) -> Message {
        Message::single(text.as_bytes().to_vec())
    }

    fn member() -> Member {
        Member {
            entry: None,
            path: b"m.eml".to_vec(),
            kind: crate::input::tar::EntryKind::File,
            format: MailboxFormat::Eml,
            size: None,
        }
    }

    #[test]
    fn a_header_name_holding_an_identifier_is_described_by_its_position() {
        let request = request();
        let matcher = Matcher::new(&request);
        let header = |name: &str| Location::Header {
            path: vec![1],
            index: 4,
            name: name.into(),
            span: None,
        };
        assert_eq!(describe(&header("From"), &matcher), "header From of part 2");
        let named = describe(&header("jane.doe@example.com"), &matcher);
        assert_eq!(named, "header field 5 of part 2");
    }

    #[test]
    fn roles_map_to_policy_actions_carried_out() {
        let request = request();
        let engine = Engine::new(&request, Hasher::default(), OnUnredactable::Delete);
        let decide = |text: &str| engine.decide(&member(), &message(text)).unwrap();
        let sender = decide("From: Jane Doe <jane.doe@example.com>\nMessage-ID: <a@b>\n\nhi\n");
        assert_eq!(sender.planned, Some(Action::Delete));
        assert_eq!(sender.roles, [Role::Sender]);
        assert_eq!(sender.subjects, [0]);
        assert_eq!(sender.outcome, Outcome::Delete);
        assert_eq!(sender.action(), Some(Action::Delete));
        assert_eq!(
            sender.message_id.as_deref(),
            Some(blake3::hash(b"<a@b>").to_hex().as_str())
        );
        let mention = decide("From: bob@example.org\n\nI met Jane Doe.\n");
        assert_eq!(mention.planned, Some(Action::Redact));
        assert_eq!(mention.action(), Some(Action::Redact));
        assert!(
            matches!(&mention.outcome, Outcome::Replace(b) if !b.windows(8).any(|w| w == b"Jane Doe")),
            "{:?}",
            mention.outcome
        );
        assert!(mention.sanitized.is_some() && mention.reason.is_none());
        let nobody = decide("From: bob@example.org\n\nI met Janet Doe.\n");
        assert!(!nobody.is_affected());
        assert_eq!((nobody.action(), nobody.original), (None, None));
    }

    /// A mention in a charset the rewriter cannot decode: no safe redaction.
    const UNREDACTABLE: &str = "From: bob@example.org\nContent-Type: text/plain; charset=x-unknown\n\
                                Content-Transfer-Encoding: 8bit\n\nJane Doe sent this.\n";

    #[test]
    fn a_failed_redaction_is_a_deletion_with_its_reason_in_the_plan() {
        let request = request();
        let engine = Engine::new(&request, Hasher::default(), OnUnredactable::Delete);
        let verdict = engine.decide(&member(), &message(UNREDACTABLE)).unwrap();
        assert_eq!(verdict.planned, Some(Action::Redact));
        assert_eq!(verdict.outcome, Outcome::Delete);
        assert_eq!(verdict.action(), Some(Action::Delete));
        let reason = verdict.reason.expect("a reason");
        assert!(!reason.contains("Jane"), "{reason}");
    }

    #[test]
    fn a_failed_redaction_is_an_error_with_on_unredactable_error() {
        let request = request();
        let engine = Engine::new(&request, Hasher::default(), OnUnredactable::Error);
        let err = engine
            .decide(&member(), &message(UNREDACTABLE))
            .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Unredactable(_)), "{err}");
        assert!(!err.to_string().contains("Jane"), "{err}");
        let fine = engine.decide(
            &member(),
            &message("From: bob@example.org\n\nI met Jane Doe.\n"),
        );
        assert!(matches!(fine.unwrap().outcome, Outcome::Replace(_)));
    }

    #[test]
    fn message_id_is_found_only_in_the_header_block() {
        assert_eq!(
            message_id(b"Subject: x\r\nMessage-Id:  <x@y> \r\n\r\n"),
            Some(&b"<x@y>"[..])
        );
        assert_eq!(message_id(b"Subject: x\n\nMessage-ID: <x@y>\n"), None);
    }
}
