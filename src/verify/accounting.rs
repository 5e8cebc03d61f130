//! The lockstep accounting of `verify --input`: the input read on a thread
//! of its own (with a request, its listed messages decided again), every
//! byte of the output matched against what the input and the manifest make
//! of it, every removal of the manifest against the input.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, mpsc};

use crate::decide::{Engine, Verdict};
use crate::error::{Error, ErrorKind, Result, counted};
use crate::input::container::{self, Container, Layout};
use crate::input::events::{Event, Member, ReadOptions, read_events};
use crate::input::tar::{BLOCK, EntryKind, HeaderEdit, RawEntry};
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::{
    ATTACHMENT_REASON, Action, CACHE_CHANGED_REASON, CACHE_IDENTIFIER_REASON,
    DANGLING_LINK_WARNING, HEADER_CLEANED_REASON, HEADER_UNCLEANABLE_REASON, Hasher,
    LINK_TARGET_GONE_REASON, Manifest, NAME_DOES_NOT_FIT_REASON, PADDING_CLEANED_REASON, Removal,
    TRAILER_CLEANED_REASON, TRAILER_MEMBER, Warning,
};
use crate::matcher::Matcher;
use crate::ops::Input;
use crate::output::{self, RenamedMember};
use crate::pipeline::Outcome;
use crate::record::digest::{Digest, SharedDigest};
use crate::record::{RawWatch, report_path, role_name, subject_ids};

use super::{Checked, Namer, Run, holds_message, join_problems, link_key, safe_error};

/// What the input's reader thread sends.
pub(super) enum Incoming {
    /// One event of the input, with what the thread found about it.
    Event {
        /// The event.
        event: Event,
        /// For a message the manifest lists as deleted or redacted: the
        /// engine's decision on it (with a request).
        verdict: Option<Box<Verdict>>,
        /// At a member's end: the subjects found in its non-message bytes
        /// (with a request).
        found: Vec<usize>,
    },
    /// The input ended; the subjects found in its trailing bytes.
    End { trailer: Vec<usize> },
    /// The input cannot be read.
    Failed(Error),
}

/// Opens the input and starts the thread that reads it for the lockstep
/// accounting: the [`Accounting`] fed by it, and the input's digest.
pub(super) fn start_accounting<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    input: &Input,
    run: Run<'env>,
) -> Result<(Accounting<'env>, SharedDigest)> {
    let (manifest, hasher, engine) = (run.manifest, run.hasher, run.engine);
    let (sender, receiver) = mpsc::sync_channel(256);
    let digest = SharedDigest::default();
    let opened = container::open(
        Box::new(digest.reader(input.open()?)),
        run.options.max_window,
    )?;
    let in_container = opened.container;
    let read = input.read_options(run.options.max_message_size);
    let listed = listed_messages(manifest);
    scope.spawn(move || {
        read_input(opened, &read, engine, hasher, &listed, &sender);
    });
    let accounting = Accounting::new(receiver, run, in_container);
    Ok((accounting, digest))
}

/// The manifest's warnings about hard links dangling already in the input.
pub(super) fn dangling_warnings(manifest: &Manifest) -> impl Iterator<Item = &Warning> {
    manifest
        .warnings
        .iter()
        .filter(|w| w.kind == DANGLING_LINK_WARNING)
}

/// The messages the manifest lists as deleted or redacted: member as
/// recorded -> message indices.
fn listed_messages(manifest: &Manifest) -> HashMap<&str, HashSet<u64>> {
    let mut listed: HashMap<&str, HashSet<u64>> = HashMap::new();
    for r in &manifest.removals {
        if matches!(r.action, Action::Delete | Action::Redact) {
            listed.entry(r.member.as_str()).or_default().insert(r.index);
        }
    }
    listed
}

/// The input's reader thread: sends every event, and with a request the
/// engine's decision on each listed message and what the non-message bytes
/// of each member hold (as the scrub's recorder saw them).
fn read_input(
    opened: container::Opened,
    read: &ReadOptions,
    engine: Option<&Engine<'_>>,
    hasher: &Hasher,
    listed: &HashMap<&str, HashSet<u64>>,
    sender: &mpsc::SyncSender<Incoming>,
) {
    let mut watch = RawWatch::default();
    let mut seen = InputSeen {
        hasher,
        listed,
        watch: &mut watch,
        member: None,
    };
    let result = read_events(opened, read, &mut |event| {
        let (verdict, found) = match engine {
            Some(engine) => seen.observe(engine, &event)?,
            None => (None, Vec::new()),
        };
        sender
            .send(Incoming::Event {
                event,
                verdict,
                found,
            })
            .map_err(|_| Error::new(ErrorKind::Internal("verifier stopped".into())))
    });
    let last = match result {
        Ok(()) => Incoming::End {
            trailer: watch.take(),
        },
        Err(e) => Incoming::Failed(e),
    };
    let _ = sender.send(last);
}

/// What the scrub's recorder saw of the input, rebuilt by its reader thread
/// (with a request): the engine's decision on each listed message, the
/// subjects in the non-message bytes of each member.
struct InputSeen<'a> {
    hasher: &'a Hasher,
    listed: &'a HashMap<&'a str, HashSet<u64>>,
    watch: &'a mut RawWatch,
    /// The member being read, and its name as the manifest records it.
    member: Option<(Arc<Member>, String)>,
}

impl InputSeen<'_> {
    /// Takes in one event: the verdict on a listed message, the subjects
    /// found outside the messages of a member at its end.
    fn observe(
        &mut self,
        engine: &Engine<'_>,
        event: &Event,
    ) -> Result<(Option<Box<Verdict>>, Vec<usize>)> {
        let mut verdict = None;
        let mut found = Vec::new();
        match event {
            Event::MemberStart(m) => {
                self.watch.take();
                let name = report_path(engine.matcher(), self.hasher, &m.path);
                self.member = Some((Arc::clone(m), name));
            }
            Event::Data(bytes) | Event::Trailer(bytes) => self.watch.feed(engine.matcher(), bytes),
            Event::Message(message) => {
                if let Some((m, name)) = &self.member
                    && self
                        .listed
                        .get(name.as_str())
                        .is_some_and(|l| l.contains(&(message.index as u64)))
                {
                    verdict = Some(Box::new(engine.decide(m, message)?));
                }
            }
            Event::MemberEnd { .. } => found = self.watch.take(),
            Event::ArchiveEnd { .. } => {}
        }
        Ok((verdict, found))
    }
}

/// The removals of the manifest by the item they remove: member (as
/// recorded) and message index.
fn removals_by_item(manifest: &Manifest) -> HashMap<(&str, u64), Vec<usize>> {
    let mut removals: HashMap<(&str, u64), Vec<usize>> = HashMap::new();
    for (i, removal) in manifest.removals.iter().enumerate() {
        removals
            .entry((removal.member.as_str(), removal.index))
            .or_default()
            .push(i);
    }
    removals
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

impl Expected {
    /// These exact `bytes`, none of them matched yet (of `message`, if any).
    fn exact(bytes: Vec<u8>, message: Option<usize>) -> Self {
        Expected::Exact {
            bytes,
            pos: 0,
            message,
        }
    }

    /// Compares the start of `bytes` with what is expected (a redacted
    /// message's bytes also go to `partial`, in an mbox): how many bytes it
    /// took, whether it is complete, and on a mismatch `Some` of the
    /// message it belongs to (if any).
    fn compare(
        &mut self,
        bytes: &[u8],
        partial: Option<&mut Vec<u8>>,
    ) -> (usize, bool, Option<Option<usize>>) {
        match self {
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
                if let Some(partial) = partial {
                    partial.extend_from_slice(&bytes[..n]);
                }
                *remaining -= n as u64;
                let done = *remaining == 0;
                let bad = done && hasher.finalize().to_hex().as_str() != want.as_str();
                (n, done, bad.then_some(Some(*message)))
            }
        }
    }
}

/// The input member being matched against the output.
struct InMember {
    member: Arc<Member>,
    /// The names the manifest may record it under ([`Namer::recorded`]).
    names: Vec<String>,
    out: Arc<Member>,
    ended: bool,
    padding: Vec<u8>,
    /// The manifest lists it as renamed.
    renamed: bool,
    /// [`Accounting::changed`]'s length when it started: longer at its end
    /// when a message of it was deleted or redacted.
    changed_before: usize,
    /// The last [`output::TAIL`] bytes of its data as read.
    tail: Vec<u8>,
}

impl InMember {
    /// Notes data bytes of the member as read.
    fn read(&mut self, bytes: &[u8]) {
        output::keep_tail(&mut self.tail, bytes);
    }
}

/// Counts of the accounting, for the report and the totals.
#[derive(Default)]
struct Tally {
    members: u64,
    messages: u64,
    untouched: u64,
    deleted: u64,
    redacted: u64,
    fail_closed: u64,
    dropped: u64,
    renamed: u64,
    cleaned: u64,
    attachments: u64,
}

/// The lockstep comparison of input and output.
pub(super) struct Accounting<'a> {
    input: mpsc::Receiver<Incoming>,
    input_error: Option<Error>,
    input_done: bool,
    /// Subjects found in the input's trailing bytes.
    trailer_found: Vec<usize>,
    manifest: &'a Manifest,
    hasher: &'a Hasher,
    engine: Option<&'a Engine<'a>>,
    namer: &'a Namer<'a>,
    /// Removals by member (as recorded) and index.
    removals: HashMap<(&'a str, u64), Vec<usize>>,
    used: Vec<bool>,
    /// Indices of the removals, in the order the input accounts for them:
    /// of messages; of dropped members (with: is it a header cache); of
    /// renamed members.
    taken_messages: Vec<usize>,
    taken_drops: Vec<(usize, bool)>,
    taken_renames: Vec<usize>,
    taken_cleans: Vec<usize>,
    /// The input member last matched and its output padding, whose
    /// cleaning is checked once the input's next header is known (an
    /// identifier may run from the padding into it).
    due_cleaning: Option<(InMember, Vec<u8>)>,
    /// The end of the input member matched before the current one: the last
    /// bytes of its data and its padding (an identifier that runs from them
    /// into the next header gets that member renamed).
    prev_end: Option<(Vec<u8>, Vec<u8>)>,
    /// Of an mbox member: the chunk of the output last matched in full (for
    /// [`mbox::separator`]), what of a redacted message was matched so far,
    /// and whether messages were deleted since.
    mbox_last: Vec<u8>,
    mbox_partial: Vec<u8>,
    mbox_after_deletion: bool,
    /// Zero bytes the output's end-of-archive marker has beyond the
    /// input's: the start of trailing bytes written as zeros.
    extra_zeros: u64,
    /// The trailing bytes of the output and of the input (each at most
    /// [`crate::input::tar::MAX_TRAILER`], as the reader bounds them).
    out_trailer: Vec<u8>,
    in_trailer: Vec<u8>,
    expected: VecDeque<Expected>,
    current: Option<InMember>,
    /// The first failure that stops the lockstep walk.
    failure: Option<String>,
    /// Fields that differ from what the input gives.
    problems: Vec<String>,
    tally: Tally,
    /// The warnings the input gives (with a request).
    warnings: Vec<Warning>,
    /// Keys ([`link_key`]) of the input paths of the members so far.
    input_seen: HashSet<u64>,
    /// The names ([`Namer::recorded`]) of the input's hard links that name
    /// no earlier member of the input, in input order.
    dangling_in_input: Vec<Vec<String>>,
    /// Paths of the members in which a message was deleted or redacted.
    changed: Vec<Vec<u8>>,
    /// Header caches dropped because their folder changed: removal, folder.
    cache_changed: Vec<(usize, Vec<u8>)>,
    container: Container,
    bare_format: Option<MailboxFormat>,
}

impl<'a> Accounting<'a> {
    /// The accounting of `run` fed by `input` (the events of an input of
    /// `container`); it fails from the start when the manifest's hashes are
    /// keyed and no key was given.
    fn new(input: mpsc::Receiver<Incoming>, run: Run<'a>, container: Container) -> Self {
        let (manifest, hasher) = (run.manifest, run.hasher);
        let removals = removals_by_item(manifest);
        let failure = (manifest.keyed && !hasher.is_keyed())
            .then(|| "the manifest's hashes are keyed: --manifest-key is needed".to_owned());
        Accounting {
            input,
            input_error: None,
            input_done: false,
            trailer_found: Vec::new(),
            manifest,
            hasher,
            engine: run.engine,
            namer: run.namer,
            removals,
            used: vec![false; manifest.removals.len()],
            taken_messages: Vec::new(),
            taken_drops: Vec::new(),
            taken_renames: Vec::new(),
            taken_cleans: Vec::new(),
            due_cleaning: None,
            prev_end: None,
            mbox_last: Vec::new(),
            mbox_partial: Vec::new(),
            mbox_after_deletion: false,
            extra_zeros: 0,
            out_trailer: Vec::new(),
            in_trailer: Vec::new(),
            expected: VecDeque::new(),
            current: None,
            failure,
            problems: Vec::new(),
            tally: Tally::default(),
            warnings: Vec::new(),
            input_seen: HashSet::new(),
            dangling_in_input: Vec::new(),
            changed: Vec::new(),
            cache_changed: Vec::new(),
            container,
            bare_format: None,
        }
    }

    fn fail(&mut self, why: String) {
        self.failure.get_or_insert(why);
    }

    fn note(&mut self, why: String) {
        self.problems.push(why);
    }

    fn next_input(&mut self) -> Option<(Event, Option<Box<Verdict>>, Vec<usize>)> {
        if self.input_done {
            return None;
        }
        match self.input.recv() {
            Ok(Incoming::Event {
                event,
                verdict,
                found,
            }) => {
                self.input_arrives(&event);
                Some((event, verdict, found))
            }
            Ok(Incoming::End { trailer }) => {
                self.input_done = true;
                self.trailer_found = trailer;
                None
            }
            Ok(Incoming::Failed(e)) => {
                self.input_done = true;
                self.fail(format!("the input cannot be read: {}", safe_error(&e)));
                self.input_error = Some(e);
                None
            }
            Err(_) => {
                self.input_done = true;
                None
            }
        }
    }

    /// Takes note of an input event before it is handled: once the next
    /// header is known, the cleaning due is settled; a member is counted.
    fn input_arrives(&mut self, event: &Event) {
        let next = match event {
            Event::MemberStart(member) => Some(member),
            _ => None,
        };
        self.settle_cleaning(next.and_then(|m| m.entry.as_ref()));
        if let Some(member) = next {
            self.count_input_member(member);
        }
    }

    /// Counts an input member as it starts: the format of a bare mailbox,
    /// the hard links that name no earlier member.
    fn count_input_member(&mut self, member: &Member) {
        self.tally.members += 1;
        match &member.entry {
            None => self.bare_format = Some(member.format),
            Some(entry) => {
                if entry.kind() == EntryKind::Hardlink
                    && !self.input_seen.contains(&link_key(&entry.link))
                {
                    self.dangling_in_input
                        .push(self.namer.recorded(&member.path));
                }
                self.input_seen.insert(link_key(&entry.path));
            }
        }
    }

    /// The removals of one input item of `names` at `index` whose action
    /// passes `pred`, now marked as used: the first unused one in manifest
    /// order and the `drop-attachment` entries right after it. An archive
    /// may hold two members with one path (an appended copy), each with its
    /// own entries, so a removal is identified by its position in input
    /// order: later entries of the same member and index are left to the
    /// later members (one left over at the end matches nothing).
    fn take(&mut self, names: &[String], index: u64, pred: impl Fn(Action) -> bool) -> Vec<usize> {
        let mut candidates = Vec::new();
        for name in names {
            for &i in self
                .removals
                .get(&(name.as_str(), index))
                .map_or(&[][..], Vec::as_slice)
            {
                if !self.used[i] && pred(self.manifest.removals[i].action) {
                    candidates.push(i);
                }
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut taken = Vec::new();
        for (n, &i) in candidates.iter().enumerate() {
            let attachment = self.manifest.removals[i].action == Action::DropAttachment;
            if n > 0 && !attachment {
                break;
            }
            taken.push(i);
        }
        for &i in &taken {
            self.used[i] = true;
        }
        taken
    }

    fn has(&self, names: &[String], index: u64, action: Action) -> bool {
        names.iter().any(|name| {
            self.removals
                .get(&(name.as_str(), index))
                .is_some_and(|ids| {
                    ids.iter()
                        .any(|&i| !self.used[i] && self.manifest.removals[i].action == action)
                })
        })
    }

    /// True for an input member the output must not hold (the one member
    /// of a bare mailbox always stays, if empty). A member whose header the
    /// output member `out` holds as read is present: when two members share a
    /// path, a drop or deletion listed for it is the other one's.
    fn is_absent(&self, member: &Member, names: &[String], out: Option<&Member>) -> bool {
        let written_as_read = match (&member.entry, out.and_then(|o| o.entry.as_ref())) {
            (Some(i), Some(o)) => i.header == o.header,
            _ => false,
        };
        member.entry.is_some()
            && !written_as_read
            && (self.has(names, 0, Action::Drop)
                || (member.format.is_mail()
                    && member.format != MailboxFormat::Mbox
                    && self.has(names, 0, Action::Delete)))
    }

    /// The ids of subjects given by index.
    fn ids(&self, subjects: &[usize]) -> Vec<String> {
        self.engine.map_or_else(Vec::new, |engine| {
            subject_ids(engine.request(), subjects)
                .into_iter()
                .map(str::to_owned)
                .collect()
        })
    }

    /// Whether any byte of the member's tar header region holds an
    /// identifier (with a request).
    fn header_holds_identifier(&self, member: &Member) -> Option<bool> {
        let matcher = self.engine?.matcher();
        Some(
            member
                .entry
                .as_ref()
                .is_some_and(|e| output::header_holds_identifier(matcher, e)),
        )
    }

    /// True when a member's path or link target holds an identifier, or one
    /// runs into its header from the data of the member before, which ends
    /// on a block boundary (with a request; `None` without).
    fn name_holds_identifier(&self, member: &Member) -> Option<bool> {
        let matcher = self.engine?.matcher();
        let link = member.entry.as_ref().map_or(&[][..], |e| e.link.as_slice());
        let joined = match (&self.prev_end, &member.entry) {
            (Some((tail, padding)), Some(entry)) => {
                padding.is_empty()
                    && entry.leading_zero_blocks == 0
                    && output::padding_runs_into(matcher, tail, padding, &entry.header)
            }
            _ => false,
        };
        Some(
            joined
                || !matcher.scan_bytes(&member.path).is_empty()
                || !matcher.scan_bytes(link).is_empty(),
        )
    }

    /// Notes the end of an input member: the warning the scrub raised for
    /// identifiers in its non-message bytes.
    fn input_member_end(&mut self, names: &[String], format: MailboxFormat, found: &[usize]) {
        if self.engine.is_none() || found.is_empty() {
            return;
        }
        let kind = match format {
            // A scrub drops such a cache instead.
            MailboxFormat::Cache => return,
            format if format.is_mail() => "mailbox-bytes-outside-messages-hold-identifier",
            _ => "non-mail-member-holds-identifier",
        };
        self.warnings.push(Warning {
            member: names[0].clone(),
            kind: kind.to_owned(),
            subjects: self.ids(found),
        });
    }

    /// Reads an absent input member to its end, checking its removals.
    fn skip_absent(&mut self, member: &Arc<Member>, names: &[String]) {
        let at = format!("member '{}'", self.namer.show(&member.path));
        let dropped = self.take_drop(&at, member, names);
        let Some((digest, bytes, found)) = self.read_absent(&at, member, names, dropped) else {
            return;
        };
        self.input_member_end(names, member.format, &found);
        let Some(i) = dropped else {
            return;
        };
        let removal = &self.manifest.removals[i];
        if digest.to_hex().as_str() != removal.original_blake3 {
            self.note(format!(
                "{at}: dropped, but its original_blake3 does not match the input"
            ));
        }
        if bytes != removal.original_bytes {
            self.note(format!(
                "{at}: dropped, but its original_bytes does not match the input"
            ));
        }
        self.check_drop_reason(&at, member, i, &found);
    }

    /// The `drop` entry of an absent member, now taken (noted if listed
    /// more than once, counted).
    fn take_drop(&mut self, at: &str, member: &Member, names: &[String]) -> Option<usize> {
        let drops = self.take(names, 0, |a| a == Action::Drop);
        if drops.len() > 1 {
            self.note(format!("{at}: listed as dropped more than once"));
        }
        let dropped = drops.first().copied();
        if let Some(i) = dropped {
            self.taken_drops
                .push((i, member.format == MailboxFormat::Cache));
            self.tally.dropped += 1;
        }
        dropped
    }

    /// Reads the rest of an absent member, accounting for its messages (one
    /// kept fails unless the member was `dropped`); returns the hash and
    /// length of its bytes and the subjects found outside its messages, or
    /// `None` when the input is out of step.
    fn read_absent(
        &mut self,
        at: &str,
        member: &Member,
        names: &[String],
        dropped: Option<usize>,
    ) -> Option<(blake3::Hash, u64, Vec<usize>)> {
        let mut whole = self.hasher.incremental();
        let mut bytes = 0u64;
        loop {
            match self.next_input() {
                Some((Event::Data(data), _, _)) => {
                    whole.update(&data);
                    bytes += data.len() as u64;
                }
                Some((Event::Message(message), verdict, _)) => {
                    whole.update(&message.bytes);
                    bytes += message.bytes.len() as u64;
                    let index = message.index;
                    let kept = self.account_message(member, names, message, verdict);
                    if kept.is_some() && dropped.is_none() {
                        self.fail(format!("{at} message {index}: missing from the output"));
                    }
                }
                Some((Event::MemberEnd { .. }, _, found)) => {
                    return Some((whole.finalize(), bytes, found));
                }
                _ => {
                    self.fail("the input stream is out of step".into());
                    return None;
                }
            }
        }
    }

    /// Checks that the reason of drop `i` applies to the absent member
    /// (`found`: the subjects found outside its messages).
    fn check_drop_reason(&mut self, at: &str, member: &Member, i: usize, found: &[usize]) {
        let removal = &self.manifest.removals[i];
        let holds = self.name_holds_identifier(member);
        let is_cache = member.format == MailboxFormat::Cache;
        match removal.reason.as_deref() {
            Some(NAME_DOES_NOT_FIT_REASON) if holds == Some(false) => self.note(format!(
                "{at}: dropped because its name holds an identifier, but it holds none"
            )),
            Some(NAME_DOES_NOT_FIT_REASON) => {}
            Some(CACHE_IDENTIFIER_REASON) if is_cache => {
                if self.engine.is_some() && found.is_empty() {
                    self.note(format!(
                        "{at}: dropped because the cache holds an identifier, but it holds none"
                    ));
                }
            }
            Some(CACHE_CHANGED_REASON) if is_cache => {
                self.cache_changed.push((i, parent_folder(&member.path)));
            }
            Some(HEADER_UNCLEANABLE_REASON)
                if self.header_holds_identifier(member) == Some(false) =>
            {
                self.note(format!(
                    "{at}: dropped because its tar header holds an identifier, but it holds none"
                ))
            }
            Some(HEADER_UNCLEANABLE_REASON) => {}
            Some(LINK_TARGET_GONE_REASON) if member.kind == EntryKind::Hardlink => {}
            _ => self.note(format!(
                "{at}: dropped for a reason that does not apply to it"
            )),
        }
    }

    /// Accounts for one input message: its removals, checked against the
    /// input (and the engine's decision, with a request); what the output
    /// must hold for it.
    fn account_message(
        &mut self,
        member: &Member,
        names: &[String],
        message: Message,
        verdict: Option<Box<Verdict>>,
    ) -> Option<Expected> {
        if !holds_message(member, &message) {
            return None;
        }
        self.tally.messages += 1;
        let index = message.index;
        let at = format!("member '{}' message {index}", self.namer.show(&member.path));
        let (primary, attachments) = self.take_message_removals(&at, names, index as u64);
        let Some(&first) = primary.first() else {
            return Some(self.untouched(&at, message, &attachments));
        };
        let removal = &self.manifest.removals[first];
        self.check_original(&at, removal, &message.bytes);
        if let Some(verdict) = &verdict {
            self.compare_verdict(&at, removal, &attachments, verdict);
        }
        self.changed.push(member.path.clone());
        self.expect_removed(&at, removal, index)
    }

    /// Checks the hash and length of a message's deletion or redaction
    /// against the message as read.
    fn check_original(&mut self, at: &str, removal: &Removal, bytes: &[u8]) {
        let action = removal.action.name();
        if self.hasher.message(bytes) != removal.original_blake3 {
            self.note(format!(
                "{at}: listed as {action}, but original_blake3 does not match the input"
            ));
        }
        if bytes.len() as u64 != removal.original_bytes {
            self.note(format!(
                "{at}: listed as {action}, but original_bytes does not match the input"
            ));
        }
    }

    /// The entries of message `index` of `names`, now taken: the deletion or
    /// redaction (noted if listed more than once) and its dropped
    /// attachments (counted).
    fn take_message_removals(
        &mut self,
        at: &str,
        names: &[String],
        index: u64,
    ) -> (Vec<usize>, Vec<usize>) {
        let taken = self.take(names, index, Action::is_per_message);
        self.taken_messages.extend(&taken);
        let manifest = self.manifest;
        let (primary, attachments): (Vec<usize>, Vec<usize>) = taken
            .into_iter()
            .partition(|&i| manifest.removals[i].action != Action::DropAttachment);
        self.tally.attachments += attachments.len() as u64;
        if primary.len() > 1 {
            self.note(format!("{at}: listed more than once"));
        }
        (primary, attachments)
    }

    /// A message no entry removes: the output holds it as read (dropped
    /// attachments listed for it are noted).
    fn untouched(&mut self, at: &str, message: Message, attachments: &[usize]) -> Expected {
        if !attachments.is_empty() {
            self.note(format!(
                "{at}: attachments listed as dropped, but the message is not listed as redacted"
            ));
        }
        self.tally.untouched += 1;
        Expected::exact(message.bytes, Some(message.index))
    }

    /// What the output holds for message `index` that `removal` deletes
    /// (nothing) or redacts (bytes of the sanitized hash and length).
    fn expect_removed(&mut self, at: &str, removal: &Removal, index: usize) -> Option<Expected> {
        match removal.action {
            Action::Redact => {
                self.tally.redacted += 1;
                match (&removal.sanitized_blake3, removal.sanitized_bytes) {
                    (Some(want), Some(len)) => Some(Expected::Hashed {
                        remaining: len,
                        hasher: Box::new(self.hasher.incremental()),
                        want: want.clone(),
                        message: index,
                    }),
                    _ => {
                        self.fail(format!(
                            "{at}: redaction without sanitized_blake3 and sanitized_bytes"
                        ));
                        None
                    }
                }
            }
            _ => {
                self.tally.deleted += 1;
                if removal.reason.is_some() {
                    self.tally.fail_closed += 1;
                }
                None
            }
        }
    }

    /// Compares a message's removals with the engine's decision on it.
    fn compare_verdict(
        &mut self,
        at: &str,
        removal: &Removal,
        attachments: &[usize],
        verdict: &Verdict,
    ) {
        let want = match verdict.outcome {
            Outcome::Keep => {
                self.note(format!(
                    "{at}: listed as {}, but the request finds no subject in it",
                    removal.action.name()
                ));
                return;
            }
            Outcome::Delete => Action::Delete,
            Outcome::Replace(_) => Action::Redact,
        };
        if removal.action != want {
            self.note(format!(
                "{at}: listed as {}, but the request makes it {}",
                removal.action.name(),
                want.name()
            ));
        }
        let subjects = self.ids(&verdict.subjects);
        self.compare_fields(at, removal, &subjects, verdict);
        self.compare_attachments(at, attachments, &subjects, verdict);
    }

    /// Compares the subjects, roles, reason and sanitized fields of a
    /// message's removal with the engine's decision (`subjects`: its ids).
    fn compare_fields(
        &mut self,
        at: &str,
        removal: &Removal,
        subjects: &[String],
        verdict: &Verdict,
    ) {
        if removal.subjects != subjects {
            self.note(format!(
                "{at}: its subjects are not those the request finds"
            ));
        }
        let roles: Vec<&str> = verdict.roles.iter().map(|r| role_name(*r)).collect();
        if removal.roles != roles {
            self.note(format!("{at}: its roles are not those the request finds"));
        }
        if removal.reason != verdict.reason {
            self.note(format!(
                "{at}: its reason is not the one the redaction gives"
            ));
        }
        let sanitized = (removal.sanitized_blake3.clone(), removal.sanitized_bytes);
        let want_sanitized = verdict
            .sanitized
            .clone()
            .map_or((None, None), |(h, n)| (Some(h), Some(n)));
        if sanitized != want_sanitized {
            self.note(format!(
                "{at}: sanitized_blake3 or sanitized_bytes is not what the redaction gives"
            ));
        }
    }

    /// Compares a message's `drop-attachment` entries with the attachments
    /// the redaction drops, one by one.
    fn compare_attachments(
        &mut self,
        at: &str,
        attachments: &[usize],
        subjects: &[String],
        verdict: &Verdict,
    ) {
        let dropped = &verdict.dropped_attachments;
        if attachments.len() != dropped.len() {
            self.note(format!(
                "{at}: {} attachments listed as dropped, the redaction drops {}",
                attachments.len(),
                dropped.len()
            ));
            return;
        }
        for (&i, want) in attachments.iter().zip(dropped) {
            let r = &self.manifest.removals[i];
            let same = r.part.as_deref() == Some(want.part.as_str())
                && r.original_blake3 == want.original_blake3
                && r.original_bytes == want.original_bytes
                && r.subjects == subjects
                && r.roles.is_empty()
                && r.reason.as_deref() == Some(ATTACHMENT_REASON);
            if !same {
                self.note(format!(
                    "{at}: removals[{i}] (drop-attachment) is not the attachment the redaction drops"
                ));
            }
        }
    }

    /// Checks that an output member stands for `member` under its names:
    /// the same, or renamed as the manifest records.
    /// True when it is listed as renamed.
    fn check_names(&mut self, member: &Member, names: &[String], out: &Member) -> bool {
        let renames = self.take(names, 0, |a| a == Action::Rename);
        self.taken_renames.extend(&renames);
        self.tally.renamed += renames.len() as u64;
        let link = |m: &Member| m.entry.as_ref().map(|e| e.link.clone());
        let same = output::same_member_path(member, out) && link(member) == link(out);
        let at = format!("member '{}'", self.namer.show(&member.path));
        let Some(&first) = renames.first() else {
            if !same {
                self.fail(format!(
                    "output member '{}' where the input has '{}'",
                    self.namer.show(&out.path),
                    self.namer.show(&member.path)
                ));
            }
            return false;
        };
        if renames.len() > 1 {
            self.note(format!("{at}: listed as renamed more than once"));
        }
        let (Some(i), Some(o)) = (&member.entry, &out.entry) else {
            self.note(format!("{at}: listed as renamed, but it is no tar member"));
            return true;
        };
        self.check_rename_hashes(&at, &self.manifest.removals[first], i, o);
        if self.name_holds_identifier(member) == Some(false) {
            self.note(format!(
                "{at}: listed as renamed, but its names hold no identifier"
            ));
        }
        true
    }

    /// Checks the hashes and lengths of a `rename` removal: of the names
    /// (path and link target) of `i` as read and `o` as written.
    fn check_rename_hashes(&mut self, at: &str, removal: &Removal, i: &RawEntry, o: &RawEntry) {
        let from = RenamedMember::name_bytes(&i.path, &i.link);
        let to = RenamedMember::name_bytes(&o.path, &o.link);
        if self.hasher.message(&from) != removal.original_blake3
            || from.len() as u64 != removal.original_bytes
        {
            self.note(format!(
                "{at}: listed as renamed, but original_blake3 or original_bytes is not of its names in the input"
            ));
        }
        if removal.sanitized_blake3.as_deref() != Some(self.hasher.message(&to).as_str())
            || removal.sanitized_bytes != Some(to.len() as u64)
        {
            self.note(format!(
                "{at}: listed as renamed, but sanitized_blake3 or sanitized_bytes is not of its names in the output"
            ));
        }
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
        let names = current.names.clone();
        match self.next_input() {
            Some((Event::Data(bytes), _, _)) => {
                self.current_read(&bytes);
                self.expected.push_back(Expected::exact(bytes, None))
            }
            Some((Event::Message(message), verdict, _)) => {
                self.current_read(&message.bytes);
                self.expect_message(&member, &names, message, verdict);
            }
            Some((Event::MemberEnd { padding }, _, found)) => {
                self.input_member_end(&names, member.format, &found);
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

    /// Notes data bytes of the current input member as read.
    fn current_read(&mut self, bytes: &[u8]) {
        if let Some(current) = &mut self.current {
            current.read(bytes);
        }
    }

    /// Accounts for a message of the current input member and queues what
    /// the output holds for it: in an mbox, after messages were deleted,
    /// the separator line a scrub writes before the next one kept.
    fn expect_message(
        &mut self,
        member: &Member,
        names: &[String],
        message: Message,
        verdict: Option<Box<Verdict>>,
    ) {
        let mbox = member.format == MailboxFormat::Mbox && holds_message(member, &message);
        // The envelope line is needed only for a junction after deletions.
        let line = (mbox && self.mbox_after_deletion)
            .then(|| message.bytes[..message.envelope_len.min(message.bytes.len())].to_vec());
        match self.account_message(member, names, message, verdict) {
            Some(expected) => {
                if let Some(line) = line {
                    self.mbox_after_deletion = false;
                    let separator = crate::mailbox::mbox::separator(&self.mbox_last, &line);
                    self.expected.push_back(Expected::exact(separator, None));
                }
                self.expected.push_back(expected);
            }
            None => self.mbox_after_deletion |= mbox,
        }
    }

    /// An output member starts: the input members absent from the output
    /// are read past (their removals checked) up to the one it stands for.
    pub(super) fn output_member_start(&mut self, out: &Arc<Member>) {
        if self.failure.is_some() {
            return;
        }
        loop {
            match self.next_input() {
                Some((Event::MemberStart(member), _, _)) => {
                    let names = self.namer.recorded(&member.path);
                    if self.is_absent(&member, &names, Some(out)) {
                        self.skip_absent(&member, &names);
                        if self.failure.is_some() {
                            return;
                        }
                        continue;
                    }
                    self.start_member(member, names, out);
                    return;
                }
                Some(_) => {
                    self.fail("the input stream is out of step".into());
                    return;
                }
                None => {
                    self.fail(format!(
                        "output member '{}' has no counterpart in the input",
                        self.namer.show(&out.path)
                    ));
                    return;
                }
            }
        }
    }

    /// Makes input `member` (under `names`) the one matched against output
    /// member `out`, once its names are checked.
    fn start_member(&mut self, member: Arc<Member>, names: Vec<String>, out: &Arc<Member>) {
        let renamed = self.check_names(&member, &names, out);
        self.mbox_last.clear();
        self.mbox_after_deletion = false;
        self.current = Some(InMember {
            member,
            names,
            out: Arc::clone(out),
            ended: false,
            padding: Vec::new(),
            renamed,
            changed_before: self.changed.len(),
            tail: Vec::new(),
        });
    }

    fn where_(&self, message: Option<usize>) -> String {
        let member = self.current.as_ref().map_or_else(
            || "after the archive".to_owned(),
            |c| format!("member '{}'", self.namer.show(&c.member.path)),
        );
        match message {
            Some(index) => format!("{member} message {index}"),
            None => member,
        }
    }

    /// Compares output bytes with what the input says they must be.
    /// Keeps what an expectation matched in full, of an mbox member, as the
    /// chunk last written (a separator belongs to the chunk before it).
    fn matched(&mut self, expected: Expected, mbox: bool) {
        if !mbox {
            return;
        }
        let bytes = match expected {
            Expected::Exact { bytes, .. } => bytes,
            Expected::Hashed { .. } => std::mem::take(&mut self.mbox_partial),
        };
        match bytes.starts_with(b"From ") {
            true => self.mbox_last = bytes,
            false => self.mbox_last.extend_from_slice(&bytes),
        }
    }

    pub(super) fn output_bytes(&mut self, mut bytes: &[u8]) {
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
            let mbox = self
                .current
                .as_ref()
                .is_some_and(|c| c.member.format == MailboxFormat::Mbox);
            let partial = mbox.then_some(&mut self.mbox_partial);
            let (n, done, mismatch) = front.compare(bytes, partial);
            if let Some(message) = mismatch {
                let at = self.where_(message);
                self.fail(format!(
                    "{at}: the output differs from the input and the manifest"
                ));
                return;
            }
            if done && let Some(front) = self.expected.pop_front() {
                self.matched(front, mbox);
            }
            bytes = &bytes[n..];
        }
    }

    pub(super) fn output_member_end(&mut self, padding: &[u8]) {
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
            output::check_rewritten_header(&current.member, &current.out, &current.padding, padding)
        {
            let at = format!("member '{}'", self.namer.show(&current.member.path));
            self.fail(format!("{at}: {why}"));
            return;
        }
        self.due_cleaning = Some((current, padding.to_vec()));
    }

    /// Checks the cleaning of the member last matched, if still due, now
    /// that the input header after it (`None`: none) is known.
    fn settle_cleaning(&mut self, next: Option<&RawEntry>) {
        self.prev_end = None;
        if let Some((current, padding)) = self.due_cleaning.take() {
            self.check_cleaned(&current, &padding, next);
            self.prev_end = Some((current.tail, current.padding));
        }
    }

    /// What the writer cleaned of a member written under its own name, as
    /// the output shows it: its header fields (the header differs beyond
    /// what its size and a Maildir name's sizes make) or its padding (the
    /// header is the input's, the padding is not, and no message changed).
    /// With a request, what the input's header and padding hold decides it.
    fn expected_cleaning(
        &self,
        current: &InMember,
        out_padding: &[u8],
        next: Option<&RawEntry>,
    ) -> Option<&'static str> {
        let (Some(i), Some(o)) = (&current.member.entry, &current.out.entry) else {
            return None;
        };
        let changed = self.changed.len() > current.changed_before;
        if current.renamed {
            return None;
        }
        if let Some(engine) = self.engine {
            return identifier_cleaning(engine.matcher(), current, changed, next);
        }
        if i.header != o.header {
            let edit = HeaderEdit {
                path: (i.path != o.path).then_some(o.path.as_slice()),
                ..HeaderEdit::size(o.size)
            };
            let plain = i.rebuild(&edit).as_deref() == Some(o.header.as_slice());
            return (!plain).then_some(HEADER_CLEANED_REASON);
        }
        (current.padding != out_padding && !changed).then_some(PADDING_CLEANED_REASON)
    }

    /// Checks the `clean` removal of a member written under its own name
    /// against what its header and padding became.
    fn check_cleaned(&mut self, current: &InMember, out_padding: &[u8], next: Option<&RawEntry>) {
        let at = format!("member '{}'", self.namer.show(&current.member.path));
        let first = self.take_clean(&at, &current.names);
        let expected = self.expected_cleaning(current, out_padding, next);
        let Some(first) = first else {
            self.note_unlisted_cleaning(&at, expected);
            return;
        };
        let (Some(i), Some(o)) = (&current.member.entry, &current.out.entry) else {
            self.note(format!("{at}: listed as cleaned, but it is no tar member"));
            return;
        };
        let removal = &self.manifest.removals[first];
        let reason = removal.reason.as_deref();
        let (before, after): (&[u8], &[u8]) = match reason {
            Some(HEADER_CLEANED_REASON) => (&i.header, &o.header),
            Some(PADDING_CLEANED_REASON) => (&current.padding, out_padding),
            _ => {
                self.note(format!(
                    "{at}: listed as cleaned for a reason that does not apply to it"
                ));
                return;
            }
        };
        self.check_cleaned_hashes(&at, removal, before, after);
        let what = match reason {
            Some(HEADER_CLEANED_REASON) => "its tar header fields",
            _ => "its padding",
        };
        if let Some(why) = self.cleaning_doubt(current, out_padding, reason, expected) {
            self.note(format!("{at}: listed as {what} cleaned, but {why}"));
        }
    }

    /// Notes a cleaning the member must have had (`expected`) that is not
    /// listed.
    fn note_unlisted_cleaning(&mut self, at: &str, expected: Option<&str>) {
        match expected {
            Some(HEADER_CLEANED_REASON) => self.note(format!(
                "{at}: its tar header fields were cleaned, but it is not listed as cleaned"
            )),
            Some(_) => self.note(format!(
                "{at}: its padding was cleaned, but it is not listed as cleaned"
            )),
            None => {}
        }
    }

    /// Why a cleaning listed for `reason` cannot be (`expected`: the one
    /// [`Self::expected_cleaning`] gives), if it cannot.
    fn cleaning_doubt(
        &self,
        current: &InMember,
        out_padding: &[u8],
        reason: Option<&str>,
        expected: Option<&str>,
    ) -> Option<&'static str> {
        let (Some(i), Some(o)) = (&current.member.entry, &current.out.entry) else {
            return None;
        };
        // Without a request, a header that differs at all may have been
        // cleaned (a cleaning can look like a change of size alone).
        let shown = match reason {
            Some(HEADER_CLEANED_REASON) => i.header != o.header,
            _ => i.header == o.header && current.padding != out_padding,
        };
        match self.engine {
            Some(_) if expected != reason => Some("the request finds no identifier there"),
            _ if current.renamed => Some("it is listed as renamed"),
            _ if !shown => Some("the output holds them as the input does"),
            _ => None,
        }
    }

    /// The `clean` entry of a member of `names`, now taken (counted; noted
    /// if listed more than once).
    fn take_clean(&mut self, at: &str, names: &[String]) -> Option<usize> {
        let cleans = self.take(names, 0, |a| a == Action::Clean);
        self.taken_cleans.extend(&cleans);
        self.tally.cleaned += cleans.len() as u64;
        if cleans.len() > 1 {
            self.note(format!("{at}: listed as cleaned more than once"));
        }
        cleans.first().copied()
    }

    /// Checks the hashes and lengths of a `clean` removal: of `before` as
    /// read and `after` as written.
    fn check_cleaned_hashes(&mut self, at: &str, removal: &Removal, before: &[u8], after: &[u8]) {
        if self.hasher.message(before) != removal.original_blake3
            || before.len() as u64 != removal.original_bytes
        {
            self.note(format!(
                "{at}: listed as cleaned, but original_blake3 or original_bytes is not of what the input holds"
            ));
        }
        if removal.sanitized_blake3.as_deref() != Some(self.hasher.message(after).as_str())
            || removal.sanitized_bytes != Some(after.len() as u64)
        {
            self.note(format!(
                "{at}: listed as cleaned, but sanitized_blake3 or sanitized_bytes is not of what the output holds"
            ));
        }
    }

    /// Skips the absent members before an event that is not a member start.
    fn next_present(&mut self) -> Option<(Event, Option<Box<Verdict>>, Vec<usize>)> {
        loop {
            let next = self.next_input()?;
            if let (Event::MemberStart(member), _, _) = &next {
                let member = Arc::clone(member);
                let names = self.namer.recorded(&member.path);
                if self.is_absent(&member, &names, None) {
                    self.skip_absent(&member, &names);
                    if self.failure.is_some() {
                        return None;
                    }
                    continue;
                }
            }
            return Some(next);
        }
    }

    pub(super) fn output_archive_end(&mut self, zero_blocks: u64) {
        if self.failure.is_some() {
            return;
        }
        match self.next_present() {
            // More zero blocks: trailing bytes written as zeros may begin
            // with whole blocks, which the reader takes for the marker.
            Some((Event::ArchiveEnd { zero_blocks: want }, _, _)) if want <= zero_blocks => {
                self.extra_zeros = (zero_blocks - want) * BLOCK as u64;
            }
            _ => self.fail("the end of the output archive does not match the input".into()),
        }
    }

    pub(super) fn output_trailer(&mut self, bytes: &[u8]) {
        self.out_trailer.extend_from_slice(bytes);
    }

    /// Reads the input's trailing bytes, up to its end.
    fn read_input_trailer(&mut self) {
        loop {
            match self.next_present() {
                Some((Event::Trailer(bytes), _, _)) => self.in_trailer.extend_from_slice(&bytes),
                Some((event, _, _)) => {
                    let what = match event {
                        Event::MemberStart(_) => "a member",
                        _ => "more",
                    };
                    self.fail(format!(
                        "the input holds {what} the output does not account for"
                    ));
                    return;
                }
                None => return,
            }
        }
    }

    /// The output's bytes after its last member's end (beyond the input's
    /// end-of-archive marker) against the input's: the same bytes, or, as
    /// a `clean` removal lists, as many zeros.
    fn check_trailer(&mut self) {
        let mut out = vec![0u8; self.extra_zeros as usize];
        out.append(&mut self.out_trailer);
        let input = std::mem::take(&mut self.in_trailer);
        let names = [TRAILER_MEMBER.to_owned()];
        let cleans = self.take(&names, 0, |a| a == Action::Clean);
        self.taken_cleans.extend(&cleans);
        self.tally.cleaned += cleans.len() as u64;
        let holds = self.engine.map(|_| !self.trailer_found.is_empty());
        let at = "the bytes after the end of the archive";
        let Some(&first) = cleans.first() else {
            if out != input {
                self.fail(format!("{at} differ from the input's"));
            } else if holds == Some(true) {
                self.note(format!(
                    "{at} hold an identifier, but they are not listed as cleaned"
                ));
            }
            return;
        };
        if cleans.len() > 1 {
            self.note(format!("{at} are listed as cleaned more than once"));
        }
        self.check_trailer_clean(&self.manifest.removals[first], &input, &out, holds);
    }

    /// Checks the `clean` removal of the trailing bytes: the output holds
    /// the `input`'s as zeros (`out`), for the trailer's reason, with their
    /// hashes; with a request (`holds`), they held an identifier.
    fn check_trailer_clean(
        &mut self,
        removal: &Removal,
        input: &[u8],
        out: &[u8],
        holds: Option<bool>,
    ) {
        let at = "the bytes after the end of the archive";
        if input.is_empty() || out.len() != input.len() || out.iter().any(|&b| b != 0) {
            self.fail(format!(
                "{at} are listed as cleaned, but the output does not hold the input's as zeros"
            ));
            return;
        }
        if removal.reason.as_deref() != Some(TRAILER_CLEANED_REASON) {
            self.note(format!(
                "{at} are listed as cleaned for a reason that does not apply to them"
            ));
        }
        self.check_cleaned_hashes(at, removal, input, out);
        if holds == Some(false) {
            self.note(format!(
                "{at} are listed as cleaned, but the request finds no identifier there"
            ));
        }
    }

    /// Drains the input and sums up.
    pub(super) fn finish(mut self, input_digest: SharedDigest) -> Result<Checked> {
        self.settle_cleaning(None);
        if self.failure.is_none() {
            self.read_input_trailer();
        }
        // Drain so the reader thread ends.
        while self.next_input().is_some() {}
        if let Some(e) = self.input_error.take() {
            return Err(e);
        }
        if self.failure.is_none() {
            self.check_trailer();
        }
        if let Some(why) = self.failure.take() {
            let mut problems = vec![why];
            problems.append(&mut self.problems);
            return Ok(Err(join_problems(problems)));
        }
        self.check_records(&input_digest.digest());
        self.check_removals();
        self.check_warnings();
        if !self.problems.is_empty() {
            return Ok(Err(join_problems(std::mem::take(&mut self.problems))));
        }
        Ok(Ok(self.summary()))
    }

    /// The manifest's warnings against those the input gives: with a
    /// request, those about the bytes of members; always, those about hard
    /// links dangling in the input.
    fn check_warnings(&mut self) {
        let listed: Vec<&Warning> = self
            .manifest
            .warnings
            .iter()
            .filter(|w| w.kind != DANGLING_LINK_WARNING)
            .collect();
        if self.engine.is_some() && !self.warnings.iter().eq(listed.iter().copied()) {
            self.note(format!(
                "the warnings are not those the input gives ({} given, {} listed)",
                self.warnings.len(),
                listed.len()
            ));
        }
        let dangling: Vec<&Warning> = dangling_warnings(self.manifest).collect();
        let same = dangling.len() == self.dangling_in_input.len()
            && dangling
                .iter()
                .zip(&self.dangling_in_input)
                .all(|(w, names)| names.contains(&w.member) && w.subjects.is_empty());
        if !same {
            self.note(format!(
                "the warnings about hard links dangling in the input are not those the input \
                 gives ({} given, {} listed)",
                self.dangling_in_input.len(),
                dangling.len()
            ));
        }
    }

    /// The detail of a passed accounting: what the input gave, and what
    /// was checked.
    fn summary(&self) -> String {
        let t = &self.tally;
        let scope = if self.engine.is_some() {
            "every removal decided again from the request, the warnings and totals recomputed"
        } else {
            "subjects, roles, reasons and attachments of the removals, and the warnings, not \
             checked without --subjects"
        };
        format!(
            "input blake3 matches; {} byte-identical, {} deleted, {} redacted, {} dropped, \
             {} renamed, {} cleaned; {scope}",
            counted(t.untouched, "message", "messages"),
            t.deleted,
            t.redacted,
            counted(t.dropped, "member", "members"),
            t.renamed,
            t.cleaned
        )
    }

    /// The input record and the totals against the walk.
    fn check_records(&mut self, digest: &Digest) {
        let input = &self.manifest.input;
        if digest.hash.to_hex().as_str() != input.blake3 {
            self.note("blake3 of the input does not match the manifest's input.blake3".into());
        }
        for (field, stated, found) in self.record_counts(digest) {
            if stated != found {
                self.note(format!("{field} is {stated}, the input gives {found}"));
            }
        }
        let container = match (self.container.layout, self.bare_format) {
            (Layout::Tar, _) => "tar",
            (Layout::Bare, Some(format)) => format.name(),
            (Layout::Bare, None) => "bare",
        };
        if input.container != container {
            self.note(format!(
                "input.container is {}, the input is {container}",
                input.container
            ));
        }
        let compression = self.container.compression;
        if input.compression != compression.to_string() {
            self.note(format!(
                "input.compression is \"{}\", the input is {}",
                input.compression,
                super::walk::compressed_in_words(compression)
            ));
        }
    }

    /// Each count of the input record and the totals (field, as stated)
    /// beside the count the walk gives; the warnings only with a request.
    fn record_counts(&self, digest: &Digest) -> Vec<(&'static str, u64, u64)> {
        let input = &self.manifest.input;
        let t = &self.manifest.totals;
        let mut counts = vec![
            ("input.bytes", input.bytes, digest.bytes),
            ("input.members", input.members, self.tally.members),
            ("input.messages", input.messages, self.tally.messages),
            ("totals.messages_read", t.messages_read, self.tally.messages),
            ("totals.untouched", t.untouched, self.tally.untouched),
            ("totals.deleted", t.deleted, self.tally.deleted),
            ("totals.redacted", t.redacted, self.tally.redacted),
            ("totals.fail_closed", t.fail_closed, self.tally.fail_closed),
            (
                "totals.sidecars_dropped",
                t.sidecars_dropped,
                self.tally.dropped,
            ),
            ("totals.renamed", t.renamed, self.tally.renamed),
            ("totals.cleaned", t.cleaned, self.tally.cleaned),
            (
                "totals.attachments_dropped",
                t.attachments_dropped,
                self.tally.attachments,
            ),
        ];
        if self.engine.is_some() {
            let warnings = self.warnings.len() + self.dangling_in_input.len();
            counts.push(("totals.warnings", t.warnings, warnings as u64));
        }
        counts
    }

    /// Every removal matched the input, in the order a scrub writes them;
    /// every header cache dropped for a change in its folder had one.
    fn check_removals(&mut self) {
        if let Some(i) = self.used.iter().position(|used| !used) {
            self.note(format!(
                "removals[{i}] ({}) matches nothing in the input",
                self.manifest.removals[i].action.name()
            ));
        }
        self.check_removal_order();
        self.check_cache_changes();
    }

    /// The removals of each group were taken in the order they are listed:
    /// a scrub writes them in input order.
    fn check_removal_order(&mut self) {
        let increasing = |v: &[usize]| v.windows(2).all(|w| w[0] < w[1]);
        let caches: Vec<usize> = self
            .taken_drops
            .iter()
            .filter(|(_, cache)| *cache)
            .map(|(i, _)| *i)
            .collect();
        let others: Vec<usize> = self
            .taken_drops
            .iter()
            .filter(|(_, cache)| !*cache)
            .map(|(i, _)| *i)
            .collect();
        for (group, order) in [
            ("messages", &self.taken_messages),
            ("header caches", &caches),
            ("other dropped members", &others),
            ("renamed members", &self.taken_renames),
            ("cleaned members", &self.taken_cleans),
        ] {
            if !increasing(order) {
                self.problems
                    .push(format!("the removals of {group} are not in input order"));
            }
        }
    }

    /// Every header cache dropped for a change in its folder had one: a
    /// message deleted or redacted in that folder.
    fn check_cache_changes(&mut self) {
        for (i, folder) in std::mem::take(&mut self.cache_changed) {
            let prefix = [folder.as_slice(), b"/"].concat();
            if !self
                .changed
                .iter()
                .any(|path| folder.is_empty() || path.starts_with(&prefix))
            {
                self.note(format!(
                    "removals[{i}] (drop): no message changed in the folder of the header cache"
                ));
            }
        }
    }
}

/// With a request, the cleaning a member written under its own name must
/// have had (`changed`: a message of it was deleted or redacted): of its
/// header when that holds an identifier, else of its padding when that holds
/// one or runs into the `next` header, unless the header or a message changed.
fn identifier_cleaning(
    matcher: &Matcher,
    current: &InMember,
    changed: bool,
    next: Option<&RawEntry>,
) -> Option<&'static str> {
    let (Some(i), Some(o)) = (&current.member.entry, &current.out.entry) else {
        return None;
    };
    if output::header_holds_identifier(matcher, i) {
        return Some(HEADER_CLEANED_REASON);
    }
    let runs_into_next = next.is_some_and(|n| {
        !current.padding.is_empty()
            && n.leading_zero_blocks == 0
            && output::padding_runs_into(matcher, &current.tail, &current.padding, &n.header)
    });
    let holds = i.header == o.header
        && !changed
        && (runs_into_next
            || output::padding_holds_identifier(matcher, &current.tail, &current.padding));
    holds.then_some(PADDING_CLEANED_REASON)
}

/// The folder part of a path (`a/b/c` -> `a/b`, `c` -> empty).
fn parent_folder(path: &[u8]) -> Vec<u8> {
    let path = path.strip_suffix(b"/").unwrap_or(path);
    path.iter()
        .rposition(|&b| b == b'/')
        .map_or_else(Vec::new, |i| path[..i].to_vec())
}
