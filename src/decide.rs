//! The decisions: what happens to each message, and why.
//!
//! The [`Engine`] is the pipeline's [`Processor`]: for each message it runs
//! the matcher, turns the strongest role found into an action through the
//! request's policy, and (when scrubbing) carries the action out. The
//! [`Verdict`] it returns holds everything the writer, the reports and the
//! manifest need, and nothing that identifies a subject: subject indices,
//! roles, hashes and lengths.

use std::borrow::Borrow;
use std::panic::AssertUnwindSafe;

use crate::input::events::Member;
use crate::mailbox::mbox::{adjust_content_length, has_counted_body};
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::Hasher;
use crate::matcher::{Location, MAX_DEPTH, Matcher, MessageInput, ParseStatus, Role};
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

/// How the engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Decide only (the dry run): no message is rewritten.
    Scan,
    /// Decide and act.
    Scrub {
        /// What a failed redaction turns into.
        on_unredactable: OnUnredactable,
    },
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
    /// Set when the run must stop here (`--on-unredactable error`).
    pub error: Option<String>,
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
            planned: None,
            original: None,
            sanitized: None,
            reason: None,
            message_id: None,
            parse,
            dropped_attachments: Vec::new(),
            error: None,
        }
    }

    /// True when a subject was found.
    pub fn is_affected(&self) -> bool {
        self.planned.is_some()
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
    mode: Mode,
}

impl<'a> Engine<'a> {
    /// Compiles the request's identifiers; message hashes use `hasher`.
    pub fn new(request: &'a ErasureRequest, hasher: Hasher, mode: Mode) -> Self {
        Engine {
            request,
            matcher: Matcher::new(request),
            hasher,
            mode,
        }
    }

    /// The compiled matcher, for scanning non-mail data.
    pub fn matcher(&self) -> &Matcher {
        &self.matcher
    }

    /// The request being applied.
    pub fn request(&self) -> &ErasureRequest {
        self.request
    }

    /// The hashing mode of the run.
    pub fn hasher(&self) -> &Hasher {
        &self.hasher
    }

    /// Decides one message of `member`, and carries the decision out when
    /// scrubbing.
    pub fn decide(&self, member: &Member, message: &Message) -> Verdict {
        let input = MessageInput {
            envelope: message.envelope(),
            raw: message.rfc822(),
        };
        let findings = self.matcher.scan(&input);
        // A message the matcher could not see whole may hold an identifier
        // anywhere: it is deleted, in the dry run as in the scrub.
        let too_deep = findings.parse == ParseStatus::TooDeep;
        let planned = match findings.strongest_role() {
            _ if too_deep => Action::Delete,
            Some(role) => self.request.policy.action_for(role),
            None => return Verdict::untouched(findings.parse),
        };
        let mut verdict = Verdict {
            outcome: Outcome::Keep,
            subjects: findings.subjects(),
            roles: findings.roles(),
            planned: Some(planned),
            original: Some((
                self.hasher.message(&message.bytes),
                message.bytes.len() as u64,
            )),
            sanitized: None,
            reason: too_deep.then(|| format!("nesting deeper than {MAX_DEPTH} levels")),
            message_id: message_id(message.rfc822()).map(|id| self.hasher.message(id)),
            parse: findings.parse,
            dropped_attachments: Vec::new(),
            error: None,
        };
        let Mode::Scrub { on_unredactable } = self.mode else {
            return verdict;
        };
        verdict.outcome = Outcome::Delete;
        if planned == Action::Redact {
            match self.redact(member, message, &verdict.subjects) {
                Ok((bytes, dropped)) => {
                    verdict.sanitized = Some((self.hasher.message(&bytes), bytes.len() as u64));
                    verdict.outcome = Outcome::Replace(bytes);
                    verdict.dropped_attachments = dropped;
                }
                Err(reason) => {
                    if on_unredactable == OnUnredactable::Error {
                        verdict.error = Some(reason.clone());
                    }
                    verdict.reason = Some(reason);
                }
            }
        }
        verdict
    }

    /// Redacts a message and proves the result clean: the same matcher and
    /// an independent scan of the raw bytes must find nothing in it. `Err`
    /// says why the message must be deleted instead (never an identifier).
    fn redact(
        &self,
        member: &Member,
        message: &Message,
        subjects: &[usize],
    ) -> Result<(Vec<u8>, Vec<AttachmentRecord>), String> {
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
        let envelope = &message.bytes[..message.envelope_len];
        let redacted = std::panic::catch_unwind(AssertUnwindSafe(|| {
            rewrite::redact(
                message.rfc822(),
                (!envelope.is_empty()).then_some(envelope),
                &self.matcher,
                &options,
            )
        }))
        .map_err(|_| "the rewriter failed unexpectedly".to_owned())?
        .map_err(|e| e.to_string())?;
        let new_envelope = redacted.envelope.as_deref().unwrap_or(envelope);
        let rfc822 = match member.format {
            MailboxFormat::Mbox => adjust_content_length(message.rfc822(), redacted.bytes),
            _ => redacted.bytes,
        };
        let rescan = self.matcher.scan(&MessageInput {
            envelope: (!new_envelope.is_empty()).then(|| crate::mailbox::trim_eol(new_envelope)),
            raw: &rfc822,
        });
        if rescan.parse == ParseStatus::TooDeep {
            return Err(format!("nesting deeper than {MAX_DEPTH} levels"));
        }
        if let Some(hit) = rescan.hits.first() {
            return Err(format!(
                "an identifier is left after redaction ({})",
                describe(&hit.location, &self.matcher)
            ));
        }
        // The envelope goes in front of the message in place: a second
        // copy of a large message would double its share of the memory.
        let mut bytes = rfc822;
        bytes.reserve_exact(new_envelope.len());
        bytes.splice(0..0, new_envelope.iter().copied());
        if !self.matcher.scan_bytes(&bytes).is_empty() {
            return Err("the raw bytes still hold an identifier after redaction".into());
        }
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

    fn process(&self, member: &Member, message: &Message) -> Verdict {
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
    fn roles_map_to_policy_actions() {
        let request = request();
        let engine = Engine::new(&request, Hasher::default(), Mode::Scan);
        let sender = engine.decide(
            &member(),
            &message("From: Jane Doe <jane.doe@example.com>\nMessage-ID: <a@b>\n\nhi\n"),
        );
        assert_eq!(sender.planned, Some(Action::Delete));
        assert_eq!(sender.roles, [Role::Sender]);
        assert_eq!(sender.subjects, [0]);
        assert_eq!(sender.outcome, Outcome::Keep, "a scan never acts");
        assert_eq!(
            sender.message_id.as_deref(),
            Some(blake3::hash(b"<a@b>").to_hex().as_str())
        );
        let mention = engine.decide(
            &member(),
            &message("From: bob@example.org\n\nI met Jane Doe.\n"),
        );
        assert_eq!(mention.planned, Some(Action::Redact));
        let nobody = engine.decide(
            &member(),
            &message("From: bob@example.org\n\nI met Janet Doe.\n"),
        );
        assert!(!nobody.is_affected());
        assert_eq!(nobody.original, None);
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
