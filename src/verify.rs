//! `mailscrub verify`: checks a scrubbed backup against its manifest.
//!
//! The output is read once through the pipeline (re-scanned in parallel when
//! a request is given). With the input too, a reader thread walks it in
//! lockstep and every byte of the output is accounted for: each input
//! message is in the output byte-identical, or listed as deleted, or listed
//! as redacted with the right hashes and length; nothing else differs. What
//! the checks do and do not prove is in `docs/manifest.md`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::sync::mpsc;

use serde::Serialize;

use crate::container;
use crate::digest::SharedDigest;
use crate::error::{Error, ErrorKind, Result};
use crate::evidence::RawWatch;
use crate::job::Input;
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::{Action, Hasher, Manifest, ManifestError, ManifestKey, Removal};
use crate::matcher::{Matcher, MessageInput};
use crate::pipeline::{self, PipelineOptions, Processor, Sink};
use crate::repack::{self, RenamedMember};
use crate::request::ErasureRequest;
use crate::source::{Event, Member, ReadOptions, read_events};

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
    fn new(name: &'static str, result: std::result::Result<String, String>) -> Self {
        match result {
            Ok(detail) => Check {
                name,
                status: Status::Ok,
                detail,
            },
            Err(detail) => Check {
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
    /// Re-scan the output for these subjects.
    pub request: Option<&'a ErasureRequest>,
    /// Account for every input message.
    pub input: Option<Input>,
    /// Largest message accepted.
    pub max_message_size: u64,
    /// Threads for the output scan.
    pub pipeline: PipelineOptions,
}

/// Runs the checks. Unreadable files are errors; failed checks are not.
pub fn verify(output: &Input, options: &VerifyOptions<'_>) -> Result<VerifyReport> {
    let manifest = match Manifest::read(options.manifest) {
        Ok(manifest) => manifest,
        Err(ManifestError::Io { path, source }) => {
            return Err(Error::new(ErrorKind::Open { path, source }));
        }
        Err(e) => {
            let skipped = "the manifest is not valid";
            return Ok(VerifyReport {
                checks: vec![
                    Check::new("manifest", Err(e.to_string())),
                    Check::skipped("output", skipped),
                    Check::skipped("subjects", skipped),
                    Check::skipped("accounting", skipped),
                ],
            });
        }
    };
    let hasher = Hasher::new(options.key.clone());
    let mut checks = vec![Check::new("manifest", check_manifest(&manifest, &hasher))];
    let walk = walk(output, &manifest, &hasher, options)?;
    checks.push(Check::new("output", walk.output_check(&manifest)));
    checks.push(match options.request {
        Some(_) => Check::new("subjects", walk.subjects_check()),
        None => Check::skipped("subjects", "no --subjects given"),
    });
    checks.push(match walk.accounting {
        Some(result) => Check::new("accounting", result),
        None => Check::skipped("accounting", "no --input given"),
    });
    Ok(VerifyReport { checks })
}

fn check_manifest(manifest: &Manifest, hasher: &Hasher) -> std::result::Result<String, String> {
    match (hasher.is_keyed(), manifest.keyed) {
        (true, true) => manifest
            .check_mac(hasher)
            .map(|()| format!("{}, MAC valid", manifest.format)),
        (true, false) => Err("a key was given but the manifest is not keyed (no MAC)".into()),
        (false, true) => Ok(format!(
            "{}, keyed: MAC not checked without --manifest-key",
            manifest.format
        )),
        (false, false) => Ok(format!("{}, not keyed", manifest.format)),
    }
}

/// What the walk over the output found.
struct Walk {
    digest: crate::digest::Digest,
    members: u64,
    messages: u64,
    messages_with_hits: u64,
    members_with_hits: u64,
    first_hit: Option<String>,
    accounting: Option<std::result::Result<String, String>>,
}

impl Walk {
    fn output_check(&self, manifest: &Manifest) -> std::result::Result<String, String> {
        let want = &manifest.output;
        let hash = self.digest.hash.to_hex().to_string();
        if hash != want.blake3 || self.digest.bytes != want.bytes {
            return Err(format!(
                "blake3 of the output is {hash} ({} bytes), the manifest says {} ({} bytes)",
                self.digest.bytes, want.blake3, want.bytes
            ));
        }
        if self.members != want.members || self.messages != want.messages {
            return Err(format!(
                "the output holds {} members and {} messages, the manifest says {} and {}",
                self.members, self.messages, want.members, want.messages
            ));
        }
        Ok(format!(
            "blake3 matches; {} members, {} messages",
            self.members, self.messages
        ))
    }

    fn subjects_check(&self) -> std::result::Result<String, String> {
        if self.messages_with_hits + self.members_with_hits == 0 {
            return Ok(format!(
                "{} messages and every non-mail member re-scanned: no identifier found",
                self.messages
            ));
        }
        Err(format!(
            "identifiers found in {} messages and {} non-mail members (first: {})",
            self.messages_with_hits,
            self.members_with_hits,
            self.first_hit.as_deref().unwrap_or("?")
        ))
    }
}

/// Re-scans each output message (or does nothing without a request).
struct Rescan<'a> {
    matcher: Option<&'a Matcher>,
}

impl Processor for Rescan<'_> {
    type Output = bool;

    fn process(&self, _member: &Member, message: &Message) -> bool {
        self.matcher.is_some_and(|m| {
            !m.scan(&MessageInput {
                envelope: message.envelope(),
                raw: message.rfc822(),
            })
            .is_empty()
        })
    }
}

fn walk(
    output: &Input,
    manifest: &Manifest,
    hasher: &Hasher,
    options: &VerifyOptions<'_>,
) -> Result<Walk> {
    let matcher = options.request.map(Matcher::new);
    if let Some(m) = &matcher {
        crate::job::refuse_incomplete(m)?;
    }
    let out_digest = SharedDigest::default();
    let raw = output.open_counted(options.pipeline.progress.as_ref())?;
    let opened = container::open_with(
        Box::new(out_digest.reader(raw)),
        true,
        container::DEFAULT_MAX_WINDOW,
    )?;
    let read = ReadOptions {
        allow_empty: true,
        ..output.read_options(options.max_message_size)
    };
    let processor = Rescan {
        matcher: matcher.as_ref(),
    };
    std::thread::scope(|scope| {
        let (accounting, input_digest) = match &options.input {
            Some(input) => {
                let (sender, receiver) = mpsc::sync_channel(256);
                let digest = SharedDigest::default();
                let opened_in = container::open(
                    Box::new(digest.reader(input.open()?)),
                    container::DEFAULT_MAX_WINDOW,
                )?;
                let read_in = input.read_options(options.max_message_size);
                scope.spawn(move || {
                    let result = read_events(opened_in, &read_in, &mut |event| {
                        sender
                            .send(Ok(event))
                            .map_err(|_| Error::new(ErrorKind::Internal("verifier stopped".into())))
                    });
                    if let Err(e) = result {
                        let _ = sender.send(Err(e));
                    }
                });
                (
                    Some(Accounting::new(receiver, manifest, hasher)),
                    Some(digest),
                )
            }
            None => (None, None),
        };
        let mut sink = Walker {
            matcher: matcher.as_ref(),
            members: 0,
            messages: 0,
            messages_with_hits: 0,
            members_with_hits: 0,
            first_hit: None,
            member: None,
            watch: RawWatch::default(),
            accounting,
        };
        pipeline::run(opened, &read, &processor, &mut sink, &options.pipeline)?;
        sink.end_of_member("bytes after the end of the archive".into());
        let accounting = match (sink.accounting.take(), input_digest) {
            (Some(accounting), Some(digest)) => Some(accounting.finish(manifest, digest)?),
            _ => None,
        };
        Ok(Walk {
            digest: out_digest.digest(),
            members: sink.members,
            messages: sink.messages,
            messages_with_hits: sink.messages_with_hits,
            members_with_hits: sink.members_with_hits,
            first_hit: sink.first_hit,
            accounting,
        })
    })
    .map_err(|e: Error| match &matcher {
        // Errors name members as reports do: never a path holding an identifier.
        Some(m) => e.redact_member(|path| crate::evidence::report_path(m, hasher, path)),
        None => e,
    })
}

/// The sink of the output walk.
struct Walker<'a> {
    matcher: Option<&'a Matcher>,
    members: u64,
    messages: u64,
    messages_with_hits: u64,
    members_with_hits: u64,
    first_hit: Option<String>,
    member: Option<Arc<Member>>,
    /// Identifiers in non-mail bytes of the current member.
    watch: RawWatch,
    accounting: Option<Accounting<'a>>,
}

impl Walker<'_> {
    fn note_hit(&mut self, what: String) {
        self.first_hit.get_or_insert(what);
    }

    fn member_path(&self) -> String {
        self.member
            .as_ref()
            .map_or_else(String::new, |m| m.display_path())
    }

    /// Raw scan of non-message bytes, with an overlap across chunks.
    fn scan_raw(&mut self, bytes: &[u8]) {
        if let Some(matcher) = self.matcher {
            self.watch.feed(matcher, bytes);
        }
    }

    /// Counts the member (or trailer) just ended if its non-message bytes
    /// held an identifier.
    fn end_of_member(&mut self, what: String) {
        if !self.watch.take().is_empty() {
            self.members_with_hits += 1;
            self.note_hit(what);
        }
    }
}

impl Sink<bool> for Walker<'_> {
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        self.members += 1;
        self.member = Some(Arc::clone(member));
        if let Some(accounting) = &mut self.accounting {
            accounting.output_member_start(member);
        }
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.scan_raw(bytes);
        if let Some(accounting) = &mut self.accounting {
            accounting.output_bytes(bytes);
        }
        Ok(())
    }

    fn message(&mut self, message: Message, hit: bool) -> Result<()> {
        self.messages += 1;
        if hit {
            self.messages_with_hits += 1;
            let path = self.member_path();
            self.note_hit(format!("member '{path}' message {}", message.index));
        }
        if let Some(accounting) = &mut self.accounting {
            accounting.output_bytes(&message.bytes);
        }
        Ok(())
    }

    fn member_end(&mut self, padding: &[u8]) -> Result<()> {
        let path = self.member_path();
        self.end_of_member(format!("member '{path}', outside its messages"));
        if let Some(accounting) = &mut self.accounting {
            accounting.output_member_end(padding);
        }
        Ok(())
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        if let Some(accounting) = &mut self.accounting {
            accounting.output_archive_end(zero_blocks);
        }
        Ok(())
    }

    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        self.scan_raw(bytes);
        if let Some(accounting) = &mut self.accounting {
            accounting.output_trailer(bytes);
        }
        Ok(())
    }
}

/// Bytes the output must hold next.
enum Expected {
    /// These exact bytes (an unchanged message, non-mail data, trailer).
    Exact {
        bytes: Vec<u8>,
        pos: usize,
        message: Option<usize>,
    },
    /// `remaining` bytes whose hash must be `want` (a redacted message).
    Hashed {
        remaining: u64,
        hasher: Box<blake3::Hasher>,
        want: String,
        message: usize,
    },
}

/// The input member being matched against the output.
struct InMember {
    member: Arc<Member>,
    out: Arc<Member>,
    ended: bool,
    padding: Vec<u8>,
}

/// Counts of the accounting, for the report.
#[derive(Default)]
struct Tally {
    identical: u64,
    deleted: u64,
    redacted: u64,
    dropped_members: u64,
}

/// The lockstep comparison of input and output.
struct Accounting<'a> {
    input: mpsc::Receiver<Result<Event>>,
    input_error: Option<Error>,
    removals: HashMap<(&'a str, u64), Vec<usize>>,
    /// Some removal names its member by a hash (the path held an identifier).
    hashed_members: bool,
    manifest: &'a Manifest,
    used: Vec<bool>,
    hasher: &'a Hasher,
    expected: VecDeque<Expected>,
    current: Option<InMember>,
    failure: Option<String>,
    tally: Tally,
}

impl<'a> Accounting<'a> {
    fn new(
        input: mpsc::Receiver<Result<Event>>,
        manifest: &'a Manifest,
        hasher: &'a Hasher,
    ) -> Self {
        let mut removals: HashMap<(&str, u64), Vec<usize>> = HashMap::new();
        for (i, removal) in manifest.removals.iter().enumerate() {
            removals
                .entry((removal.member.as_str(), removal.index))
                .or_default()
                .push(i);
        }
        let failure = (manifest.keyed && !hasher.is_keyed())
            .then(|| "the manifest's hashes are keyed: --manifest-key is needed".to_owned());
        let hashed_members = manifest
            .removals
            .iter()
            .any(|r| r.member.starts_with("blake3:"));
        Accounting {
            input,
            input_error: None,
            removals,
            hashed_members,
            manifest,
            used: vec![false; manifest.removals.len()],
            hasher,
            expected: VecDeque::new(),
            current: None,
            failure,
            tally: Tally::default(),
        }
    }

    fn fail(&mut self, why: String) {
        self.failure.get_or_insert(why);
    }

    fn next_input(&mut self) -> Option<Event> {
        match self.input.recv() {
            Ok(Ok(event)) => Some(event),
            Ok(Err(e)) => {
                self.fail(format!("the input cannot be read: {e}"));
                self.input_error = Some(e);
                None
            }
            Err(_) => None,
        }
    }

    /// The manifest's removals for a message: under the member's path, or
    /// under `blake3:<hash>` when the path itself held an identifier.
    fn removal_ids(&self, member: &Member, index: u64) -> Option<Vec<usize>> {
        let path = member.display_path();
        if let Some(ids) = self.removals.get(&(path.as_str(), index)) {
            return Some(ids.clone());
        }
        if !self.hashed_members {
            return None;
        }
        let hashed = format!("blake3:{}", self.hasher.message(&member.path));
        self.removals.get(&(hashed.as_str(), index)).cloned()
    }

    /// The removal of `action` recorded for a message, marked as used.
    fn removal(&mut self, member: &Member, index: usize, action: Action) -> Option<&'a Removal> {
        let manifest = self.manifest;
        let ids = self.removal_ids(member, index as u64)?;
        let found = ids
            .iter()
            .copied()
            .find(|&i| manifest.removals[i].action == action)?;
        for &i in &ids {
            self.used[i] = true;
        }
        Some(&manifest.removals[found])
    }

    fn has_removal(&self, member: &Member, index: u64, action: Action) -> bool {
        let path = member.display_path();
        self.removals
            .get(&(path.as_str(), index))
            .is_some_and(|ids| {
                ids.iter()
                    .any(|&i| self.manifest.removals[i].action == action)
            })
    }

    /// True when the manifest records that `input` was renamed to `output`:
    /// the hashes of both names (path and link target) match its entry.
    fn renamed_as(&mut self, input: &Member, output: &Member) -> bool {
        let (Some(i), Some(o)) = (&input.entry, &output.entry) else {
            return false;
        };
        let Some(rename) = self.removal(input, 0, Action::Rename) else {
            return false;
        };
        let from = self
            .hasher
            .message(&RenamedMember::name_bytes(&i.path, &i.link));
        let to = self
            .hasher
            .message(&RenamedMember::name_bytes(&o.path, &o.link));
        from == rename.original_blake3 && Some(to) == rename.sanitized_blake3
    }

    /// True for an input member the output must not hold (the one member
    /// of a bare mailbox always stays, if empty).
    fn is_absent(&self, member: &Member) -> bool {
        member.entry.is_some() && self.has_removal(member, 0, Action::Drop)
            || (member.entry.is_some()
                && member.format.is_mail()
                && member.format != MailboxFormat::Mbox
                && self.has_removal(member, 0, Action::Delete))
    }

    /// Reads an absent input member to its end, checking its hashes.
    fn skip_absent(&mut self, member: &Arc<Member>) {
        let dropped = self.removal(member, 0, Action::Drop);
        let mut whole = self.hasher.incremental();
        let mut bytes = 0u64;
        while let Some(event) = self.next_input() {
            match event {
                Event::Data(data) => {
                    whole.update(&data);
                    bytes += data.len() as u64;
                }
                Event::Message(message) => {
                    whole.update(&message.bytes);
                    bytes += message.bytes.len() as u64;
                    if dropped.is_none() {
                        self.expect_message(member, message);
                    }
                }
                Event::MemberEnd { .. } => break,
                _ => {
                    self.fail("the input stream is out of step".into());
                    return;
                }
            }
        }
        if let Some(removal) = dropped
            && (whole.finalize().to_hex().as_str() != removal.original_blake3
                || bytes != removal.original_bytes)
        {
            self.fail(format!(
                "member '{}': dropped, but its original_blake3 does not match the input",
                member.display_path()
            ));
        }
        self.tally.dropped_members += 1;
    }

    /// Queues what the output must hold for one input message.
    fn expect_message(&mut self, member: &Member, message: Message) {
        let index = message.index;
        let original = || self.hasher.message(&message.bytes);
        if let Some(removal) = self.removal(member, index, Action::Delete) {
            if original() != removal.original_blake3 {
                self.fail(format!(
                    "member '{}' message {index}: listed as deleted, but original_blake3 does not match the input",
                    member.display_path()
                ));
            }
            self.tally.deleted += 1;
            return;
        }
        if let Some(removal) = self.removal(member, index, Action::Redact) {
            if original() != removal.original_blake3 {
                self.fail(format!(
                    "member '{}' message {index}: listed as redacted, but original_blake3 does not match the input",
                    member.display_path()
                ));
            }
            match (&removal.sanitized_blake3, removal.sanitized_bytes) {
                (Some(want), Some(len)) => self.expected.push_back(Expected::Hashed {
                    remaining: len,
                    hasher: Box::new(self.hasher.incremental()),
                    want: want.clone(),
                    message: index,
                }),
                _ => self.fail(format!(
                    "member '{}' message {index}: redaction without sanitized_blake3 and sanitized_bytes",
                    member.display_path()
                )),
            }
            self.tally.redacted += 1;
            return;
        }
        self.tally.identical += 1;
        self.expected.push_back(Expected::Exact {
            bytes: message.bytes,
            pos: 0,
            message: Some(index),
        });
    }

    /// Pulls the next event of the current input member; false at its end.
    fn pull_member_event(&mut self) -> bool {
        let Some(current) = &self.current else {
            return false;
        };
        if current.ended {
            return false;
        }
        let member = Arc::clone(&current.member);
        match self.next_input() {
            Some(Event::Data(bytes)) => self.expected.push_back(Expected::Exact {
                bytes,
                pos: 0,
                message: None,
            }),
            Some(Event::Message(message)) => self.expect_message(&member, message),
            Some(Event::MemberEnd { padding }) => {
                if let Some(current) = &mut self.current {
                    current.ended = true;
                    current.padding = padding;
                }
            }
            _ => {
                self.fail("the input ends inside a member".into());
                return false;
            }
        }
        true
    }

    fn output_member_start(&mut self, out: &Arc<Member>) {
        if self.failure.is_some() {
            return;
        }
        loop {
            match self.next_input() {
                Some(Event::MemberStart(member)) if self.is_absent(&member) => {
                    self.skip_absent(&member);
                }
                Some(Event::MemberStart(member)) => {
                    let expected_path = member.display_path();
                    if !repack::same_member_path(&member, out) && !self.renamed_as(&member, out) {
                        self.fail(format!(
                            "output member '{}' where the input has '{expected_path}'",
                            out.display_path()
                        ));
                    }
                    self.current = Some(InMember {
                        member,
                        out: Arc::clone(out),
                        ended: false,
                        padding: Vec::new(),
                    });
                    return;
                }
                Some(_) => {
                    self.fail("the input stream is out of step".into());
                    return;
                }
                None => {
                    self.fail(format!(
                        "output member '{}' has no counterpart in the input",
                        out.display_path()
                    ));
                    return;
                }
            }
        }
    }

    fn where_(&self, message: Option<usize>) -> String {
        let member = self.current.as_ref().map_or_else(
            || "after the archive".to_owned(),
            |c| format!("member '{}'", c.member.display_path()),
        );
        match message {
            Some(index) => format!("{member} message {index}"),
            None => member,
        }
    }

    /// Compares output bytes with what the input says they must be.
    fn output_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() && self.failure.is_none() {
            if self.expected.is_empty() && !self.pull_member_event() {
                let at = self.where_(None);
                self.fail(format!(
                    "{at}: the output holds bytes the input does not account for"
                ));
                return;
            }
            let Some(front) = self.expected.front_mut() else {
                continue;
            };
            let (n, done, mismatch) = match front {
                Expected::Exact {
                    bytes: want,
                    pos,
                    message,
                } => {
                    let n = (want.len() - *pos).min(bytes.len());
                    let same = want[*pos..*pos + n] == bytes[..n];
                    *pos += n;
                    (n, *pos == want.len(), (!same).then_some(*message))
                }
                Expected::Hashed {
                    remaining,
                    hasher,
                    want,
                    message,
                } => {
                    let n = (*remaining).min(bytes.len() as u64) as usize;
                    hasher.update(&bytes[..n]);
                    *remaining -= n as u64;
                    let done = *remaining == 0;
                    let bad = done && hasher.finalize().to_hex().as_str() != want.as_str();
                    (n, done, bad.then_some(Some(*message)))
                }
            };
            if let Some(message) = mismatch {
                let at = self.where_(message);
                self.fail(format!(
                    "{at}: the output differs from the input and the manifest"
                ));
                return;
            }
            if done {
                self.expected.pop_front();
            }
            bytes = &bytes[n..];
        }
    }

    fn output_member_end(&mut self, padding: &[u8]) {
        if self.failure.is_some() {
            return;
        }
        while self.pull_member_event() {}
        if let Some(front) = self.expected.front() {
            let message = match front {
                Expected::Exact { message, .. } => *message,
                Expected::Hashed { message, .. } => Some(*message),
            };
            let at = self.where_(message);
            self.fail(format!("{at}: missing from the output"));
            return;
        }
        let Some(current) = self.current.take() else {
            return;
        };
        if let Err(why) =
            repack::check_rewritten_header(&current.member, &current.out, &current.padding, padding)
        {
            self.fail(format!("member '{}': {why}", current.member.display_path()));
        }
    }

    fn output_archive_end(&mut self, zero_blocks: u64) {
        if self.failure.is_some() {
            return;
        }
        loop {
            match self.next_input() {
                Some(Event::MemberStart(member)) if self.is_absent(&member) => {
                    self.skip_absent(&member);
                }
                Some(Event::ArchiveEnd { zero_blocks: want }) if want == zero_blocks => return,
                _ => {
                    self.fail("the end of the output archive does not match the input".into());
                    return;
                }
            }
        }
    }

    fn output_trailer(&mut self, bytes: &[u8]) {
        if self.failure.is_some() {
            return;
        }
        if self.expected.is_empty() {
            match self.next_input() {
                Some(Event::Trailer(want)) => self.expected.push_back(Expected::Exact {
                    bytes: want,
                    pos: 0,
                    message: None,
                }),
                _ => {
                    self.fail("the output has trailing bytes the input does not have".into());
                    return;
                }
            }
        }
        self.output_bytes(bytes);
    }

    /// Drains the input and sums up.
    fn finish(
        mut self,
        manifest: &Manifest,
        input_digest: SharedDigest,
    ) -> Result<std::result::Result<String, String>> {
        while self.failure.is_none() {
            match self.next_input() {
                Some(Event::MemberStart(member)) if self.is_absent(&member) => {
                    self.skip_absent(&member);
                }
                Some(_) => self.fail("the input holds more than the output accounts for".into()),
                None => break,
            }
        }
        // Drain so the reader thread ends.
        while self.input.recv().is_ok() {}
        if let Some(e) = self.input_error.take() {
            return Err(e);
        }
        let digest = input_digest.digest();
        if self.failure.is_none()
            && (digest.hash.to_hex().as_str() != manifest.input.blake3
                || digest.bytes != manifest.input.bytes)
        {
            self.fail("blake3 of the input does not match the manifest".into());
        }
        if self.failure.is_none()
            && let Some(i) = self.used.iter().position(|used| !used)
        {
            let removal = &manifest.removals[i];
            self.fail(format!(
                "the manifest lists a removal that matches no input message (member '{}' index {})",
                removal.member, removal.index
            ));
        }
        Ok(match self.failure {
            Some(why) => Err(why),
            None => Ok(format!(
                "input blake3 matches; {} messages byte-identical, {} deleted, {} redacted, {} members dropped",
                self.tally.identical,
                self.tally.deleted,
                self.tally.redacted,
                self.tally.dropped_members
            )),
        })
    }
}
