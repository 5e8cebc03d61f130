//! `mailscrub verify`: checks a scrubbed backup against its manifest.
//!
//! The output is read once through the pipeline (re-scanned in parallel when
//! a request is given: every message, every non-mail byte, every tar header
//! byte, padding and trailer). With the input too, a reader thread walks it
//! in lockstep and every byte of the output is accounted for: each input
//! message is in the output byte-identical, or listed as deleted, or listed
//! as redacted with the right hashes and length; nothing else differs. With
//! both, the messages the manifest lists are decided again by the engine, so
//! that every field of every removal, the warnings and the totals are
//! compared with what the run must have written. What the checks do and do
//! not prove is in `docs/manifest.md`.
//!
//! This module holds the report and the checks of the manifest (on its
//! own and against the request); `walk` reads the output (and starts the
//! input's reader), `accounting` matches the two in lockstep.

use std::collections::HashSet;

use serde::Serialize;

use crate::decide::{Engine, OnUnredactable};
use crate::error::{Error, ErrorKind, Result, escape_for_terminal};
use crate::input::events::Member;
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::{Hasher, Manifest, ManifestError, ManifestKey, PolicyRecord, StreamRecord};
use crate::matcher::Matcher;
use crate::ops::{Input, LoadedRequest};
use crate::pipeline::PipelineOptions;
use crate::record::digest::Digest;
use crate::record::report_path;
use crate::request::{self, BinaryAttachments};

mod accounting;
mod walk;

use walk::{Walk, Walked, walk};

/// What one check found: `Ok`, what a pass says; `Err`, why it failed.
pub(crate) type Checked = std::result::Result<String, CheckFailed>;

/// Why a check failed, as `verify` prints it after `FAILED` (never an
/// identifier).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct CheckFailed(pub(crate) String);

/// Most field mismatches one check reports (the first ones found).
const MAX_PROBLEMS: usize = 8;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The check passed.
    Ok,
    /// The check failed; the detail says why.
    Failed,
    /// The check was not run (its option was not given, or an earlier check failed).
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// `manifest`, `output`, `subjects` or `accounting`.
    pub name: &'static str,
    /// Passed, failed or skipped.
    pub status: Status,
    /// What was checked, or why it failed. Never an identifier.
    pub detail: String,
}

impl Check {
    fn new(name: &'static str, result: Checked) -> Self {
        match result {
            Ok(detail) => Check {
                name,
                status: Status::Ok,
                detail,
            },
            Err(CheckFailed(detail)) => Check {
                name,
                status: Status::Failed,
                detail,
            },
        }
    }

    fn skipped(name: &'static str, detail: &str) -> Self {
        Check {
            name,
            status: Status::Skipped,
            detail: detail.to_owned(),
        }
    }
}

/// The checks of one verification, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Each check with its status.
    pub checks: Vec<Check>,
}

impl VerifyReport {
    /// True when no check failed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.status != Status::Failed)
    }
}

/// What to verify against.
pub struct VerifyOptions<'a> {
    /// The manifest written by `scrub`.
    pub manifest: &'a std::path::Path,
    /// The key the manifest was written with, if any.
    pub key: Option<ManifestKey>,
    /// Re-scan the output for the subjects of this request, and hold the
    /// manifest's request record and removals against it.
    pub request: Option<&'a LoadedRequest>,
    /// Account for every input message.
    pub input: Option<Input>,
    /// Largest message accepted.
    pub max_message_size: u64,
    /// Largest zstd window accepted, in the output and the input.
    pub max_window: u64,
    /// Threads for the output scan.
    pub pipeline: PipelineOptions,
}

/// What the walks of one verify share: the manifest, the hasher of its
/// hashes, the engine (with a request), the namer, the options.
#[derive(Clone, Copy)]
struct Run<'a> {
    manifest: &'a Manifest,
    hasher: &'a Hasher,
    engine: Option<&'a Engine<'a>>,
    namer: &'a Namer<'a>,
    options: &'a VerifyOptions<'a>,
}

/// Runs the checks. Unreadable files are errors; failed checks are not (an
/// output that cannot be read and does not match the manifest's hash fails
/// the `output` check).
pub fn verify(output: &Input, options: &VerifyOptions<'_>) -> Result<VerifyReport> {
    let manifest = match Manifest::read(options.manifest) {
        Ok(manifest) => manifest,
        Err(ManifestError::Io { path, source }) => {
            return Err(Error::new(ErrorKind::Open { path, source }));
        }
        Err(e) => return Ok(invalid_manifest_report(&e)),
    };
    let hasher = Hasher::new(options.key.clone());
    let engine = request_engine(options.request, &hasher, options.max_message_size)?;
    let matcher = engine.as_ref().map(Engine::matcher);
    let namer = Namer::new(matcher, &hasher, &manifest);
    let mut checks = vec![Check::new(
        "manifest",
        check_manifest(&manifest, &hasher, options.request, matcher),
    )];
    // Errors name members as reports do: never a path holding an identifier.
    let redact = |e: Error| match matcher {
        Some(m) => e.redact_member(|path| crate::record::report_path(m, &hasher, path)),
        None => e,
    };
    let run = Run {
        manifest: &manifest,
        hasher: &hasher,
        engine: engine.as_ref(),
        namer: &namer,
        options,
    };
    let walked = walk(output, run).map_err(redact)?;
    checks.extend(walk_checks(walked, &manifest, options).map_err(redact)?);
    Ok(VerifyReport { checks })
}

/// The checks after the manifest's, of the output read through or of a
/// damaged one; a damaged output that the manifest describes (its very
/// hash and length) is bad input: the walk's error.
fn walk_checks(
    walked: Walked,
    manifest: &Manifest,
    options: &VerifyOptions<'_>,
) -> Result<[Check; 3]> {
    match walked {
        Walked::Read(walk) => Ok(read_checks(walk, manifest, options)),
        Walked::Damaged { digest, error } => {
            let want = &manifest.output;
            if digest.hash.to_hex().as_str() == want.blake3 && digest.bytes == want.bytes {
                // The manifest describes this very file: it is bad input.
                return Err(error);
            }
            Ok(damaged_checks(&digest, &error, want))
        }
    }
}

/// With a request, the engine that decides the messages again as a scrub
/// does (refused when the request cannot be matched completely).
fn request_engine<'r>(
    request: Option<&'r LoadedRequest>,
    hasher: &Hasher,
    max_message_size: u64,
) -> Result<Option<Engine<'r>>> {
    let engine = request.map(|r| {
        Engine::new(&r.request, hasher.clone(), OnUnredactable::Delete)
            .with_expand_limit(max_message_size)
    });
    if let Some(engine) = &engine {
        crate::ops::refuse_incomplete(engine.matcher())?;
    }
    Ok(engine)
}

/// The report when the manifest cannot be parsed: its check fails, the
/// others are skipped.
fn invalid_manifest_report(error: &ManifestError) -> VerifyReport {
    let skipped = "the manifest is not valid";
    VerifyReport {
        checks: vec![
            Check::new("manifest", Err(CheckFailed(error.to_string()))),
            Check::skipped("output", skipped),
            Check::skipped("subjects", skipped),
            Check::skipped("accounting", skipped),
        ],
    }
}

/// The checks after the manifest's, once the output was read through:
/// `subjects` skipped without a request, `accounting` without an input.
fn read_checks(walk: Walk, manifest: &Manifest, options: &VerifyOptions<'_>) -> [Check; 3] {
    let output = Check::new("output", walk.output_check(manifest));
    let subjects = match options.request {
        Some(_) => Check::new("subjects", walk.subjects_check()),
        None => Check::skipped(
            "subjects",
            "no --subjects given: the output was not re-scanned; the request record \
             and the subjects, roles, reasons and attachments of the removals, and \
             the warnings, were not checked",
        ),
    };
    let accounting = match walk.accounting {
        Some(result) => Check::new("accounting", result),
        None => Check::skipped(
            "accounting",
            "no --input given: the input record, the hashes and order of the \
             removals and the totals were not checked against the input",
        ),
    };
    [output, subjects, accounting]
}

/// The checks after the manifest's when the output cannot be read and is
/// not the file the manifest describes (`want`, its digest): `output`
/// fails, the others are skipped.
fn damaged_checks(digest: &Digest, error: &Error, want: &StreamRecord) -> [Check; 3] {
    let output = Check::new(
        "output",
        Err(CheckFailed(format!(
            "the output does not match the manifest: blake3 of the output is {} ({} \
             bytes), the manifest says {} ({} bytes); it cannot be read ({})",
            digest.hash.to_hex(),
            digest.bytes,
            want.blake3,
            want.bytes,
            safe_error(error)
        ))),
    );
    let skipped = "the output cannot be read";
    [
        output,
        Check::skipped("subjects", skipped),
        Check::skipped("accounting", skipped),
    ]
}

/// An error without its member path (which may hold an identifier; the
/// tar crate's header errors name the path too).
fn safe_error(error: &Error) -> String {
    let kind = match error.kind() {
        ErrorKind::BadHeader(_) => "bad tar header".to_owned(),
        kind => kind.to_string(),
    };
    match error.position().offset {
        Some(offset) => format!("{kind} at offset {offset}"),
        None => kind,
    }
}

/// The first problems, joined; how many more there are.
fn join_problems(mut problems: Vec<String>) -> CheckFailed {
    let more = problems.len().saturating_sub(MAX_PROBLEMS);
    problems.truncate(MAX_PROBLEMS);
    let mut text = problems.join("; ");
    if more > 0 {
        text.push_str(&format!("; and {more} more"));
    }
    CheckFailed(text)
}

/// The `manifest` check: its MAC (with a key), its consistency on its own,
/// its request record against the request given, and that it holds no
/// identifier of a subject.
fn check_manifest(
    manifest: &Manifest,
    hasher: &Hasher,
    request: Option<&LoadedRequest>,
    matcher: Option<&Matcher>,
) -> Checked {
    let mut problems = Vec::new();
    let mac = mac_status(manifest, hasher, &mut problems);
    problems.extend(manifest.consistency_problems());
    let request_note = match request {
        Some(loaded) => {
            problems.extend(request_problems(manifest, loaded));
            "the request record is the request given"
        }
        None => "the request record not checked without --subjects",
    };
    if let Some(matcher) = matcher
        && !matcher.scan_bytes(&manifest.canonical_bytes()).is_empty()
    {
        problems.push("the manifest holds an identifier of a subject".into());
    }
    if problems.is_empty() {
        Ok(format!(
            "{}, {mac}; fields, removals and totals consistent; {request_note}",
            manifest.format
        ))
    } else {
        Err(join_problems(problems))
    }
}

/// What the check says of the MAC: checked with a key (a bad one, or a key
/// for a manifest without a MAC, goes to `problems`), else not checked.
fn mac_status(manifest: &Manifest, hasher: &Hasher, problems: &mut Vec<String>) -> &'static str {
    match (hasher.is_keyed(), manifest.keyed) {
        (true, true) => match manifest.check_mac(hasher) {
            Ok(()) => "MAC valid",
            Err(e) => {
                problems.push(e.to_string());
                "MAC invalid"
            }
        },
        (true, false) => {
            problems.push("a key was given but the manifest is not keyed (no MAC)".into());
            "not keyed"
        }
        (false, true) => "keyed: MAC not checked without --manifest-key",
        (false, false) => "not keyed",
    }
}

/// Where the manifest's request record differs from the request given.
fn request_problems(manifest: &Manifest, loaded: &LoadedRequest) -> Vec<String> {
    let record = &manifest.request;
    let request = &loaded.request;
    let mut problems = Vec::new();
    if record.blake3 != loaded.blake3 {
        problems.push("request.blake3 is not the blake3 of the request file given".into());
    }
    let ids: Vec<&str> = request.subjects.iter().map(|s| s.id.as_str()).collect();
    if record.subjects != ids {
        problems.push("request.subjects are not the subject ids of the request given".into());
    }
    problems.extend(policy_problems(&record.policy, &request.policy));
    problems
}

/// The fields of the manifest's policy record (`stated`) that are not the
/// policy of the request given.
fn policy_problems(stated: &PolicyRecord, policy: &request::Policy) -> Vec<String> {
    let action = |a: request::Action| match a {
        request::Action::Delete => "delete",
        request::Action::Redact => "redact",
    };
    let attachments = match policy.binary_attachments {
        BinaryAttachments::Stub => "stub",
        BinaryAttachments::Keep => "keep",
    };
    [
        ("sender", &stated.sender, action(policy.sender)),
        ("recipient", &stated.recipient, action(policy.recipient)),
        ("mention", &stated.mention, action(policy.mention)),
        (
            "binary_attachments",
            &stated.binary_attachments,
            attachments,
        ),
    ]
    .into_iter()
    .filter(|(_, stated, given)| stated != given)
    .map(|(field, ..)| format!("request.policy.{field} is not the policy of the request given"))
    .collect()
}

/// Names members the way the manifest does, so that what verify prints
/// never holds an identifier: with a request, [`report_path`]; without one,
/// the `blake3:` form where the manifest uses it, else the path.
struct Namer<'a> {
    matcher: Option<&'a Matcher>,
    hasher: &'a Hasher,
    hashed: HashSet<&'a str>,
}

impl<'a> Namer<'a> {
    fn new(matcher: Option<&'a Matcher>, hasher: &'a Hasher, manifest: &'a Manifest) -> Self {
        let hashed = manifest
            .removals
            .iter()
            .map(|r| r.member.as_str())
            .chain(manifest.warnings.iter().map(|w| w.member.as_str()))
            .filter(|m| m.starts_with("blake3:"))
            .collect();
        Namer {
            matcher,
            hasher,
            hashed,
        }
    }

    /// The names under which the manifest may record `path`, the one to
    /// show first.
    fn recorded(&self, path: &[u8]) -> Vec<String> {
        if let Some(matcher) = self.matcher {
            return vec![report_path(matcher, self.hasher, path)];
        }
        let plain = String::from_utf8_lossy(path).into_owned();
        if self.hashed.is_empty() {
            return vec![plain];
        }
        let hashed = format!("blake3:{}", self.hasher.message(path));
        if self.hashed.contains(hashed.as_str()) {
            vec![hashed, plain]
        } else {
            vec![plain]
        }
    }

    /// `path` as verify prints it.
    fn show(&self, path: &[u8]) -> String {
        escape_for_terminal(&self.recorded(path)[0])
    }
}

/// True unless `message` is the empty content of a 0-byte one-message
/// member: such a member holds no message (as an mbox emptied by a scrub).
fn holds_message(member: &Member, message: &Message) -> bool {
    !message.bytes.is_empty() || member.format == MailboxFormat::Mbox
}

/// A 64-bit key of a member path as a hard link names it
/// ([`crate::input::tar::link_name`]).
fn link_key(path: &[u8]) -> u64 {
    let hash = blake3::hash(crate::input::tar::link_name(path));
    let mut key = [0u8; 8];
    key.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::tar::EntryKind;
    use crate::output::header_view;

    #[test]
    fn header_view_keeps_fields_apart() {
        let mut header = tar::Header::new_ustar();
        header.set_path("docs/readme.txt").unwrap();
        header.set_username("jane").unwrap();
        header.set_cksum();
        let view = header_view(header.as_bytes(), b"docs/readme.txt", b"");
        let window = b"00\0jane";
        assert!(view.windows(window.len()).any(|w| w == window));
        assert!(view.ends_with(b"docs/readme.txt\0"));
    }

    #[test]
    fn header_view_covers_extension_data() {
        let record = b"30 comment=a note for nobody\n";
        let mut ext = tar::Header::new_ustar();
        ext.set_path("PaxHeaders.0/readme.txt").unwrap();
        ext.set_entry_type(tar::EntryType::XHeader);
        ext.set_size(record.len() as u64);
        ext.set_cksum();
        let mut region = ext.as_bytes().to_vec();
        region.extend_from_slice(record);
        region.resize(1024, 0);
        region.extend_from_slice(tar::Header::new_ustar().as_bytes());
        let view = header_view(&region, b"readme.txt", b"");
        assert!(view.windows(record.len()).any(|w| w == record));
        assert!(
            view.windows(b"PaxHeaders.0".len())
                .any(|w| w == b"PaxHeaders.0")
        );
    }

    #[test]
    fn link_keys_ignore_leading_dot_slash_and_trailing_slash() {
        assert_eq!(link_key(b"./a/b"), link_key(b"a/b"));
        assert_eq!(link_key(b"/a/b/"), link_key(b"a/b"));
        assert_ne!(link_key(b"a/b"), link_key(b"a/c"));
    }

    #[test]
    fn a_zero_byte_one_message_member_holds_no_message() {
        let member = |format| Member {
            entry: None,
            path: b"x".to_vec(),
            kind: EntryKind::File,
            format,
            size: None,
        };
        let empty = Message::single(Vec::new());
        assert!(!holds_message(&member(MailboxFormat::Maildir), &empty));
        assert!(!holds_message(&member(MailboxFormat::Eml), &empty));
        assert!(holds_message(
            &member(MailboxFormat::Eml),
            &Message::single(b"x".to_vec())
        ));
    }
}
