//! The writing side: a sink that repacks the stream into a new backup.
//!
//! Untouched bytes are copied as read: raw tar headers, non-mail data,
//! padding, the end-of-archive blocks and whatever follows them. A mail
//! member is collected (in memory, spilling to a temporary file past
//! `SPOOL_IN_MEMORY`) until its end, because a tar header announces the
//! size of its data: if the size did not change, the original header and
//! padding are written back verbatim; otherwise the header is patched (and a
//! Maildir file name's `,S=`/`,W=` sizes follow).
//!
//! With a `ScrubPolicy`, every tar header is searched for identifiers: a
//! member whose path or link target holds one is renamed (every name field
//! rewritten), other header fields holding one are cleaned (user and group
//! names replaced by the numeric ids, pax records left out), and a header
//! that still holds one after that is not written at all. Non-zero padding
//! after a member's data is searched together with the end of the data and
//! written as zeros when it holds an identifier. A hard link follows its
//! target: renamed with it, left out with it.
//!
//! Header caches of mail software ([`MailboxFormat::Cache`]) go stale when a
//! message of their folder changes, and may hold identifiers. A cache can
//! come before the messages of its folder, so when one starts, the output is
//! held in a spool until the stream leaves the cache's folder; the cache is
//! then dropped if a message it indexes changed or the cache holds an
//! identifier, and the held bytes are written out.

use std::borrow::{Borrow, Cow};
use std::collections::{HashMap, HashSet};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

use tempfile::SpooledTempFile;

use crate::error::{Error, ErrorKind, Result};
use crate::input::events::Member;
use crate::input::tar::{BLOCK, EntryKind, HeaderEdit, RawEntry};
use crate::mailbox::{MailboxFormat, Message, mbox};
use crate::manifest::{
    CACHE_CHANGED_REASON, CACHE_IDENTIFIER_REASON, HEADER_CLEANED_REASON,
    HEADER_UNCLEANABLE_REASON, Hasher, LINK_TARGET_GONE_REASON, NAME_DOES_NOT_FIT_REASON,
    PADDING_CLEANED_REASON, TRAILER_CLEANED_REASON, TRAILER_MEMBER,
};
use crate::matcher::{Location, Matcher};
use crate::pipeline::{Outcome, Sink};
use crate::record::RawWatch;

/// Bytes of a rewritten member held in memory before it spills to disk.
pub(crate) const SPOOL_IN_MEMORY: usize = 4 << 20;

/// Bytes of a member's data kept to be searched with its padding, so that an
/// identifier that runs from the data into the padding is found.
pub(crate) const TAIL: usize = 1024;

/// Counts of what the repacker wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RepackStats {
    /// Members written.
    pub(crate) members: u64,
    /// Messages written (kept or replaced).
    pub(crate) messages: u64,
    /// Messages left out.
    pub(crate) deleted: u64,
    /// Messages replaced by rewritten bytes.
    pub(crate) replaced: u64,
    /// Members left out (one-message files whose message was deleted).
    pub(crate) dropped_members: u64,
}

/// A member left out of the output: a stale or identifying header cache, a
/// member whose tar header holds an identifier that cannot be removed, or a
/// hard link whose target was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DroppedMember {
    /// Its member path.
    pub(crate) path: Vec<u8>,
    /// Hash of its data as read (keyed like the manifest's message hashes).
    pub(crate) original_blake3: String,
    /// Length of its data.
    pub(crate) bytes: u64,
    /// Why it went.
    pub(crate) reason: &'static str,
}

/// A member whose path or link target held an identifier, written under a
/// new name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RenamedMember {
    /// The path as read.
    pub(crate) from_path: Vec<u8>,
    /// The link target as read (empty for non-links).
    pub(crate) from_link: Vec<u8>,
    /// The path as written.
    pub(crate) to_path: Vec<u8>,
    /// The link target as written.
    pub(crate) to_link: Vec<u8>,
}

impl RenamedMember {
    /// The bytes the manifest hashes for one side of a rename: the path, a
    /// NUL, the link target.
    pub(crate) fn name_bytes(path: &[u8], link: &[u8]) -> Vec<u8> {
        [path, b"\0", link].concat()
    }
}

/// A member written under its own name whose tar header fields (other than
/// its names) or padding held an identifier and were cleaned; or the bytes
/// after the end of the archive, written as zeros ([`TRAILER_MEMBER`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CleanedMember {
    /// Its member path.
    pub(crate) path: Vec<u8>,
    /// What was cleaned ([`HEADER_CLEANED_REASON`], [`PADDING_CLEANED_REASON`]
    /// or [`TRAILER_CLEANED_REASON`]).
    pub(crate) reason: &'static str,
    /// Hash of what was cleaned as read (the header region, the padding or
    /// the trailing bytes; keyed like the manifest's message hashes).
    pub(crate) original_blake3: String,
    /// Its length as read.
    pub(crate) original_bytes: u64,
    /// Hash of the same as written.
    pub(crate) sanitized_blake3: String,
    /// Its length as written.
    pub(crate) sanitized_bytes: u64,
}

/// What the writer did besides writing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RepackReport {
    /// Counts.
    pub(crate) stats: RepackStats,
    /// Members left out, in stream order.
    pub(crate) dropped: Vec<DroppedMember>,
    /// Members renamed, in stream order.
    pub(crate) renamed: Vec<RenamedMember>,
    /// Members whose header fields or padding were cleaned, in stream order.
    pub(crate) cleaned: Vec<CleanedMember>,
    /// Input paths of the hard links that name no earlier member of the
    /// input (dangling already there; written back as they are), in
    /// stream order.
    pub(crate) dangling_in_input: Vec<Vec<u8>>,
}

/// New names for a member whose path or link target holds an identifier.
#[derive(Debug, Clone, Default)]
struct NewNames {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
}

impl NewNames {
    fn any(&self) -> bool {
        self.path.is_some() || self.link.is_some()
    }
}

/// What became of an input member, for the hard links that name it.
#[derive(Debug, Clone)]
enum Fate {
    /// Left out of the output.
    Gone,
    /// Written under this path.
    Renamed(Vec<u8>),
}

/// The header a member is written with.
enum HeaderChoice {
    /// As read.
    Verbatim,
    /// Rebuilt.
    Rebuilt(Vec<u8>),
    /// None: the member is left out for this reason.
    Drop(&'static str),
}

/// Where a member's data goes until its end.
enum Body {
    /// Written straight out (non-mail members, bare mailboxes).
    Direct,
    /// Collected in a spool (an mbox member: its size is known at its end).
    Spool(SpooledTempFile),
    /// Held in memory (a one-message member: the message is in memory anyway).
    Held(Vec<u8>),
}

/// The member being collected.
struct Pending {
    member: Arc<Member>,
    body: Body,
    /// New names replacing identifiers (recorded as a rename).
    names: NewNames,
    /// The new link target of a hard link whose target was renamed.
    follow: Option<Vec<u8>>,
    /// The tar header holds an identifier somewhere.
    dirty: bool,
    /// Hash of the member's bytes as read, kept while the member may have to
    /// be dropped (its header may not be writable).
    original: Option<blake3::Hasher>,
    /// The member is left out, for this reason: nothing of it is written.
    dropped: Option<&'static str>,
    /// A direct member's header was rebuilt: its padding is written as zeros.
    rebuilt: bool,
    /// A message of the member was deleted or replaced.
    changed: bool,
    size: u64,
    /// Line feeds not preceded by a carriage return: the size with CRLF
    /// line ends (Maildir `,W=`) is `size + bare_lf`.
    bare_lf: u64,
    last_was_cr: bool,
    messages: u64,
    deleted: u64,
    /// The last [`TAIL`] bytes of the data as written.
    tail: Vec<u8>,
    /// Of an mbox: the chunk (preamble or message) last written, and
    /// whether messages were deleted since.
    last_chunk: Vec<u8>,
    after_deletion: bool,
}

impl Pending {
    /// A member about to be collected (or written directly), nothing of its
    /// data read yet.
    fn new(
        member: &Arc<Member>,
        body: Body,
        names: NewNames,
        follow: Option<Vec<u8>>,
        dirty: bool,
    ) -> Self {
        Pending {
            member: Arc::clone(member),
            body,
            names,
            follow,
            dirty,
            original: None,
            dropped: None,
            rebuilt: false,
            changed: false,
            size: 0,
            bare_lf: 0,
            last_was_cr: false,
            messages: 0,
            deleted: 0,
            tail: Vec::new(),
            last_chunk: Vec::new(),
            after_deletion: false,
        }
    }

    /// Counts line feeds not preceded by a carriage return.
    fn count_bare_lf(&mut self, bytes: &[u8]) {
        for at in memchr::memchr_iter(b'\n', bytes) {
            let prev_cr = match at {
                0 => self.last_was_cr,
                _ => bytes[at - 1] == b'\r',
            };
            if !prev_cr {
                self.bare_lf += 1;
            }
        }
        if let Some(&last) = bytes.last() {
            self.last_was_cr = last == b'\r';
        }
    }

    /// Notes data bytes written for the member.
    fn wrote(&mut self, bytes: &[u8]) {
        self.size += bytes.len() as u64;
        if self.member.format == MailboxFormat::Maildir {
            self.count_bare_lf(bytes);
        }
        keep_tail(&mut self.tail, bytes);
    }

    /// The link target the member is written with, if it changes.
    fn link(&self) -> Option<&[u8]> {
        self.follow.as_deref().or(self.names.link.as_deref())
    }
}

/// A cache member inside a hold.
struct HeldCache {
    path: Vec<u8>,
    folder: Vec<u8>,
    range: std::ops::Range<u64>,
    hasher: blake3::Hasher,
    bytes: u64,
    watch: RawWatch,
    holds_identifier: bool,
}

/// A hard link inside a hold whose target is a cache of that hold.
struct HeldLink {
    path: Vec<u8>,
    target: Vec<u8>,
    range: std::ops::Range<u64>,
}

/// Output held back until the caches in it can be judged.
struct Hold {
    spool: SpooledTempFile,
    written: u64,
    /// The folder whose subtree the hold covers, with a trailing `/`.
    scope: Vec<u8>,
    caches: Vec<HeldCache>,
    links: Vec<HeldLink>,
    /// Renames and cleanings recorded before the hold opened: those after
    /// belong to members in it, and go with a member that is left out.
    renamed_before: usize,
    cleaned_before: usize,
}

/// A part of a hold left out when it is released.
struct Cut {
    range: std::ops::Range<u64>,
    path: Vec<u8>,
    hasher: blake3::Hasher,
    bytes: u64,
    reason: &'static str,
}

/// How the writer treats names and header caches: identifiers in member
/// paths and link targets are replaced, stale or identifying caches are
/// dropped. Found by the request's matcher, hashed for the manifest like
/// messages.
pub(crate) struct ScrubPolicy<'a> {
    /// Finds identifiers in names and caches.
    pub(crate) matcher: &'a Matcher,
    /// Hashes what is dropped or renamed.
    pub(crate) hasher: &'a Hasher,
}

impl<'a> ScrubPolicy<'a> {
    /// The policy of a request's `matcher`: none when it looks for
    /// nothing (names and headers are then written as read).
    pub(crate) fn of(matcher: &'a Matcher, hasher: &'a Hasher) -> Option<Self> {
        (!matcher.is_empty()).then_some(ScrubPolicy { matcher, hasher })
    }

    fn holds(&self, bytes: &[u8]) -> bool {
        !bytes.is_empty() && !self.matcher.scan_bytes(bytes).is_empty()
    }
}

/// A [`Sink`] that writes the new backup to `out`.
pub(crate) struct Repacker<'a, W: Write> {
    out: W,
    spool_dir: Option<PathBuf>,
    pending: Option<Pending>,
    stats: RepackStats,
    policy: Option<ScrubPolicy<'a>>,
    hold: Option<Hold>,
    /// Folders (every ancestor of a member) in which a message changed.
    changed: HashSet<Vec<u8>>,
    /// Members in which a message changed.
    changed_members: HashSet<Vec<u8>>,
    /// Members left out or renamed, by [`link_key`] of their input path.
    fates: HashMap<Vec<u8>, Fate>,
    dropped: Vec<DroppedMember>,
    renamed: Vec<RenamedMember>,
    cleaned: Vec<CleanedMember>,
    /// 64-bit keys ([`link_key_hash`]) of the input paths of the members
    /// so far: what a hard link of the input may name.
    seen: HashSet<u64>,
    dangling_in_input: Vec<Vec<u8>>,
    /// The bytes after the end of the archive (at most
    /// [`crate::input::tar::MAX_TRAILER`]), held with a policy until the end:
    /// written as zeros if they hold an identifier.
    trailer: Vec<u8>,
    trailer_watch: RawWatch,
    /// The non-zero padding of the last member, held until the next header
    /// is read: an identifier may run from it into that header.
    padding: Option<HeldPadding>,
}

/// Padding (not all zeros, no identifier with its member's data alone)
/// waiting for the header after it.
struct HeldPadding {
    /// The member it ends.
    path: Vec<u8>,
    /// The last bytes of that member's data and the padding as read.
    tail: Vec<u8>,
    bytes: Vec<u8>,
    /// The member is a header cache whose held range ends after it.
    ends_cache: bool,
}

impl<'a, W: Write> Repacker<'a, W> {
    /// A repacker writing the decompressed output stream to `out`; spool
    /// files go to `spool_dir` (the system's temporary folder if `None`).
    /// With a policy, identifying names and header fields are replaced and
    /// stale or identifying header caches dropped.
    pub(crate) fn new(out: W, spool_dir: Option<PathBuf>, policy: Option<ScrubPolicy<'a>>) -> Self {
        Repacker {
            out,
            spool_dir,
            pending: None,
            stats: RepackStats::default(),
            policy,
            hold: None,
            changed: HashSet::new(),
            changed_members: HashSet::new(),
            fates: HashMap::new(),
            dropped: Vec::new(),
            renamed: Vec::new(),
            cleaned: Vec::new(),
            seen: HashSet::new(),
            dangling_in_input: Vec::new(),
            trailer: Vec::new(),
            trailer_watch: RawWatch::default(),
            padding: None,
        }
    }

    /// Ends the output: writes anything still held and hands back the
    /// writer and what was done.
    pub(crate) fn finish(mut self) -> Result<(W, RepackReport)> {
        let _ = self.flush_padding(None)?;
        self.release_hold()?;
        self.write_trailer()?;
        let report = RepackReport {
            stats: self.stats,
            dropped: self.dropped,
            renamed: self.renamed,
            cleaned: self.cleaned,
            dangling_in_input: self.dangling_in_input,
        };
        Ok((self.out, report))
    }

    /// Writes the held trailing bytes: as read, or as zeros (recorded) when
    /// they hold an identifier.
    fn write_trailer(&mut self) -> Result<()> {
        let trailer = std::mem::take(&mut self.trailer);
        if trailer.is_empty() || self.trailer_watch.take().is_empty() {
            return self.write(&trailer);
        }
        let zeros = vec![0u8; trailer.len()];
        self.record_cleaned(
            TRAILER_MEMBER.as_bytes(),
            TRAILER_CLEANED_REASON,
            &trailer,
            &zeros,
        );
        self.write(&zeros)
    }

    /// New names for a member whose path or link target holds an identifier.
    fn new_names(&self, member: &Member) -> NewNames {
        let (Some(policy), Some(entry)) = (&self.policy, &member.entry) else {
            return NewNames::default();
        };
        NewNames {
            path: redact_name(policy.matcher, &entry.path),
            link: redact_name(policy.matcher, &entry.link),
        }
    }

    /// The header for `entry` with `size` bytes of data, the new `path` and
    /// `link` (if any): as read when nothing changes; else rebuilt, with
    /// every field that holds an identifier cleaned when the header is
    /// `dirty`; `Drop` when that cannot be done.
    fn choose_header(
        &self,
        entry: &RawEntry,
        size: u64,
        path: Option<&[u8]>,
        link: Option<&[u8]>,
        dirty: bool,
    ) -> HeaderChoice {
        let renamed = path.is_some() || link.is_some();
        if !dirty && !renamed && size == entry.size {
            return HeaderChoice::Verbatim;
        }
        let does_not_fit = match renamed {
            true => NAME_DOES_NOT_FIT_REASON,
            false => HEADER_UNCLEANABLE_REASON,
        };
        let Some(policy) = &self.policy else {
            return entry
                .rebuild(&HeaderEdit::size(size))
                .map_or(HeaderChoice::Drop(does_not_fit), HeaderChoice::Rebuilt);
        };
        let holds = |bytes: &[u8]| policy.holds(bytes);
        let drop_record = |key: &[u8], value: &[u8]| holds(key) || holds(value);
        let edit = HeaderEdit {
            size,
            path: path.or_else(|| dirty.then_some(entry.path.as_slice())),
            link: link
                .or_else(|| (dirty && !entry.link.is_empty()).then_some(entry.link.as_slice())),
            erase_owner: dirty && entry.owner_names().into_iter().any(holds),
            drop_record: &drop_record,
        };
        match entry.rebuild(&edit) {
            None => HeaderChoice::Drop(does_not_fit),
            Some(header) if holds(&header) || holds(&header_view(&header, b"", b"")) => {
                HeaderChoice::Drop(HEADER_UNCLEANABLE_REASON)
            }
            Some(header) => HeaderChoice::Rebuilt(header),
        }
    }

    /// Records a member left out of the output.
    fn record_drop(
        &mut self,
        path: &[u8],
        hasher: blake3::Hasher,
        bytes: u64,
        reason: &'static str,
    ) {
        self.fates.insert(link_key(path), Fate::Gone);
        // A held cache left out already (its header) is not cut again when
        // the hold ends.
        if let Some(hold) = &mut self.hold
            && let Some(at) = hold.caches.iter().rposition(|c| c.path == path)
        {
            hold.caches.remove(at);
        }
        self.dropped.push(DroppedMember {
            path: path.to_vec(),
            original_blake3: hasher.finalize().to_hex().to_string(),
            bytes,
            reason,
        });
    }

    /// Records what a written member's names became: a rename when `names`
    /// replaced an identifier, the new path for hard links either way, and
    /// a cleaning when only other header fields held an identifier.
    fn record_written(
        &mut self,
        entry: &RawEntry,
        names: &NewNames,
        (path, link): (&[u8], &[u8]),
        header: &[u8],
        dirty: bool,
    ) {
        if path != entry.path.as_slice() {
            self.fates
                .insert(link_key(&entry.path), Fate::Renamed(path.to_vec()));
        }
        if names.any() {
            self.renamed.push(RenamedMember {
                from_path: entry.path.clone(),
                from_link: entry.link.clone(),
                to_path: match names.path {
                    Some(_) => path.to_vec(),
                    None => entry.path.clone(),
                },
                to_link: link.to_vec(),
            });
        } else if dirty {
            self.record_cleaned(&entry.path, HEADER_CLEANED_REASON, &entry.header, header);
        }
    }

    /// Records a cleaning: `before` as read became `after`.
    fn record_cleaned(&mut self, path: &[u8], reason: &'static str, before: &[u8], after: &[u8]) {
        let hash = |bytes: &[u8]| match &self.policy {
            Some(policy) => policy.hasher.message(bytes),
            None => blake3::hash(bytes).to_hex().to_string(),
        };
        let cleaned = CleanedMember {
            path: path.to_vec(),
            reason,
            original_blake3: hash(before),
            original_bytes: before.len() as u64,
            sanitized_blake3: hash(after),
            sanitized_bytes: after.len() as u64,
        };
        self.cleaned.push(cleaned);
    }

    /// The hash of a dropped member's bytes as read; an error when it was
    /// not kept (the member was not expected to be dropped).
    fn original_of(&self, original: Option<blake3::Hasher>) -> Result<blake3::Hasher> {
        original.ok_or_else(|| {
            Error::new(ErrorKind::Internal(
                "a rewritten tar header holds an identifier".into(),
            ))
        })
    }

    fn original_hasher(&self) -> blake3::Hasher {
        self.policy
            .as_ref()
            .map_or_else(blake3::Hasher::new, |p| p.hasher.incremental())
    }

    fn new_spool(&self) -> SpooledTempFile {
        match &self.spool_dir {
            Some(dir) => tempfile::spooled_tempfile_in(SPOOL_IN_MEMORY, dir),
            None => tempfile::spooled_tempfile(SPOOL_IN_MEMORY),
        }
    }

    /// Every output byte goes through here: to the hold while one is open.
    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match &mut self.hold {
            Some(hold) => {
                hold.spool.write_all(bytes).map_err(spool_error)?;
                hold.written += bytes.len() as u64;
                Ok(())
            }
            None => self
                .out
                .write_all(bytes)
                .map_err(|e| Error::new(ErrorKind::Write(e))),
        }
    }

    fn pending(&mut self) -> Result<&mut Pending> {
        self.pending
            .as_mut()
            .ok_or_else(|| Error::new(ErrorKind::Internal("data outside a member".into())))
    }

    /// Writes member bytes: to the spool for a tar mail member, else straight out.
    fn member_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let pending = self.pending()?;
        pending.wrote(bytes);
        if pending.dropped.is_some() {
            return Ok(());
        }
        let is_cache = pending.member.format == MailboxFormat::Cache;
        match &mut pending.body {
            Body::Spool(spool) => return spool.write_all(bytes).map_err(spool_error),
            Body::Held(held) => {
                held.extend_from_slice(bytes);
                return Ok(());
            }
            Body::Direct => {}
        }
        if is_cache {
            self.watch_cache(bytes);
        }
        self.write(bytes)
    }

    /// The bytes of a kept message, moved rather than copied where the
    /// member holds them in memory.
    fn keep_message(&mut self, bytes: Vec<u8>) -> Result<()> {
        let pending = self.pending()?;
        let empty_hold = matches!(&pending.body, Body::Held(held) if held.is_empty());
        if !empty_hold || pending.dropped.is_some() {
            return self.member_bytes(&bytes);
        }
        pending.wrote(&bytes);
        pending.body = Body::Held(bytes);
        Ok(())
    }

    /// Writes a kept or replaced mbox message, after the blank lines that
    /// keep it apart from the chunk before when messages between were
    /// deleted ([`mbox::separator`]); it becomes the chunk last written.
    fn write_mbox_message(&mut self, message: Message, outcome: &Outcome) -> Result<()> {
        let pending = self.pending()?;
        if std::mem::take(&mut pending.after_deletion) {
            let line = &message.bytes[..message.envelope_len.min(message.bytes.len())];
            let sep = mbox::separator(&pending.last_chunk, line);
            self.member_bytes(&sep)?;
        }
        let written = match outcome {
            Outcome::Replace(bytes) => bytes.clone(),
            _ => message.bytes,
        };
        self.member_bytes(&written)?;
        self.pending()?.last_chunk = written;
        Ok(())
    }

    /// Hashes and scans the data of the cache being written.
    fn watch_cache(&mut self, bytes: &[u8]) {
        let (Some(policy), Some(hold)) = (&self.policy, &mut self.hold) else {
            return;
        };
        if let Some(cache) = hold.caches.last_mut() {
            cache.hasher.update(bytes);
            cache.bytes += bytes.len() as u64;
            cache.watch.feed(policy.matcher, bytes);
        }
    }

    /// Writes the padding after a member whose data ends in `tail`: as read
    /// when it is zeros; as zeros (recorded) when it holds an identifier
    /// searched together with the tail; else (also when there is none, the
    /// data ending on a block boundary) held until the next header, which
    /// [`Self::flush_padding`] searches together with it.
    fn write_padding(
        &mut self,
        path: &[u8],
        tail: &[u8],
        padding: &[u8],
        ends_cache: bool,
    ) -> Result<()> {
        let zeros = padding.iter().all(|&b| b == 0);
        match &self.policy {
            Some(policy) if padding.is_empty() || !zeros => {
                if padding_holds_identifier(policy.matcher, tail, padding) {
                    self.write_zeroed_padding(path, padding)?;
                } else {
                    self.padding = Some(HeldPadding {
                        path: path.to_vec(),
                        tail: tail.to_vec(),
                        bytes: padding.to_vec(),
                        ends_cache,
                    });
                    return Ok(());
                }
            }
            _ => self.write(padding)?,
        }
        if ends_cache {
            self.end_cache_range();
        }
        Ok(())
    }

    /// Writes `padding` as zeros and records the cleaning.
    fn write_zeroed_padding(&mut self, path: &[u8], padding: &[u8]) -> Result<()> {
        let zeros = vec![0u8; padding.len()];
        self.record_cleaned(path, PADDING_CLEANED_REASON, padding, &zeros);
        self.write(&zeros)
    }

    /// Writes the held padding, if any, before `next` (the header that
    /// follows it, `None` at the end of the archive): as zeros (recorded)
    /// when an identifier runs from it into that header, else as read. True
    /// when there was no padding and an identifier runs from the data into
    /// that header: the next member must then be renamed.
    fn flush_padding(&mut self, next: Option<&RawEntry>) -> Result<bool> {
        let Some(held) = self.padding.take() else {
            return Ok(false);
        };
        let joined = match (&self.policy, next) {
            (Some(policy), Some(entry)) if entry.leading_zero_blocks == 0 => {
                padding_runs_into(policy.matcher, &held.tail, &held.bytes, &entry.header)
            }
            _ => false,
        };
        match joined && !held.bytes.is_empty() {
            true => self.write_zeroed_padding(&held.path, &held.bytes)?,
            false => self.write(&held.bytes)?,
        }
        if held.ends_cache {
            self.end_cache_range();
        }
        Ok(joined && held.bytes.is_empty())
    }

    /// Ends the held range of the header cache just written.
    fn end_cache_range(&mut self) {
        if let Some(hold) = &mut self.hold
            && let Some(cache) = hold.caches.last_mut()
        {
            cache.range.end = hold.written;
            cache.holds_identifier = !cache.watch.take().is_empty();
        }
    }

    /// Writes a collected tar mail member: header, data, padding.
    fn write_spooled(&mut self, pending: Pending, entry: &RawEntry, padding: &[u8]) -> Result<()> {
        let one_message_file = !matches!(pending.member.format, MailboxFormat::Mbox);
        if one_message_file && pending.messages == 0 && pending.deleted > 0 {
            self.fates.insert(link_key(&entry.path), Fate::Gone);
            self.stats.dropped_members += 1;
            return Ok(());
        }
        let size = pending.size;
        let (choice, written_path) = self.spooled_header(&pending, entry);
        let header = match choice {
            HeaderChoice::Verbatim => Cow::Borrowed(entry.header.as_slice()),
            HeaderChoice::Rebuilt(header) => Cow::Owned(header),
            HeaderChoice::Drop(reason) => {
                let original = self.original_of(pending.original)?;
                self.record_drop(&entry.path, original, entry.size, reason);
                // Its messages were counted as written; none of them is.
                self.stats.messages = self.stats.messages.saturating_sub(pending.messages);
                return Ok(());
            }
        };
        let written_link = pending.link().unwrap_or(&entry.link).to_vec();
        self.record_written(
            entry,
            &pending.names,
            (&written_path, &written_link),
            &header,
            pending.dirty,
        );
        let as_read = matches!(header, Cow::Borrowed(_)) && !pending.changed;
        self.write_zero_blocks(entry.leading_zero_blocks)?;
        self.write(&header)?;
        self.write_collected(pending.body, size)?;
        match as_read {
            true => self.write_padding(&entry.path, &pending.tail, padding, false)?,
            false => self.write(&vec![0u8; RawEntry::padding_for(size) as usize])?,
        }
        self.stats.members += 1;
        Ok(())
    }

    /// The header of a collected member and the path it is written under:
    /// a Maildir message whose size changed gets the new sizes in its name
    /// when its header can be rebuilt so, else the header chosen for its
    /// (new) name.
    fn spooled_header(&self, pending: &Pending, entry: &RawEntry) -> (HeaderChoice, Vec<u8>) {
        let (size, crlf_size) = (pending.size, pending.size + pending.bare_lf);
        let path = pending.names.path.as_deref().unwrap_or(&entry.path);
        let sized = match pending.member.format {
            MailboxFormat::Maildir if size != entry.size => {
                maildir_name_with_sizes(path, size, crlf_size)
            }
            _ => None,
        };
        let link = pending.link();
        let with_sizes = sized.and_then(|sized| {
            match self.choose_header(entry, size, Some(&sized), link, pending.dirty) {
                HeaderChoice::Rebuilt(header) => Some((HeaderChoice::Rebuilt(header), sized)),
                _ => None,
            }
        });
        with_sizes.unwrap_or_else(|| {
            let names = pending.names.path.as_deref();
            let choice = self.choose_header(entry, size, names, link, pending.dirty);
            (choice, path.to_vec())
        })
    }

    /// Writes the `size` bytes of a collected member's data.
    fn write_collected(&mut self, body: Body, size: u64) -> Result<()> {
        match body {
            Body::Spool(mut spool) => self.copy_range(&mut spool, 0..size),
            Body::Held(held) => self.write(&held),
            Body::Direct => Err(Error::new(ErrorKind::Internal(
                "a collected member without its data".into(),
            ))),
        }
    }

    /// What comes before a member starts: the padding before it flushed
    /// (true when an identifier runs from it into the member's header, whose
    /// name is then erased), the held output released once the member is
    /// outside the held folder, a header cache held, the member noted.
    fn enter_member(&mut self, member: &Member) -> Result<bool> {
        let joined = self.flush_padding(member.entry.as_ref())?;
        if let Some(hold) = &self.hold
            && !member.path.starts_with(&hold.scope)
        {
            self.release_hold()?;
        }
        if member.format == MailboxFormat::Cache && member.entry.is_some() {
            self.hold_for_cache(member);
        }
        if let Some(entry) = &member.entry {
            self.note_seen(entry);
        }
        Ok(joined)
    }

    /// Where a member's data goes: a spool for an mbox, memory for a
    /// one-message member, straight out otherwise (its header written now);
    /// with why a direct member is left out, and whether its header was
    /// rebuilt.
    fn start_body(
        &mut self,
        member: &Member,
        names: &NewNames,
        follow: Option<&[u8]>,
        dirty: bool,
    ) -> Result<(Body, Option<&'static str>, bool)> {
        Ok(match &member.entry {
            Some(_) if member.format == MailboxFormat::Mbox => {
                (Body::Spool(self.new_spool()), None, false)
            }
            Some(_) if member.format.is_mail() => (Body::Held(Vec::new()), None, false),
            Some(entry) => {
                let (dropped, rebuilt) = self.start_direct(entry, names, follow, dirty)?;
                (Body::Direct, dropped, rebuilt)
            }
            None => (Body::Direct, None, false),
        })
    }

    /// Ends a member written straight out: its padding as read, or zeros
    /// after a rebuilt header (ending a held cache's range).
    fn end_direct(&mut self, pending: &Pending, entry: &RawEntry, padding: &[u8]) -> Result<()> {
        self.stats.members += 1;
        let ends_cache = pending.member.format == MailboxFormat::Cache;
        if !pending.rebuilt {
            return self.write_padding(&entry.path, &pending.tail, padding, ends_cache);
        }
        self.write(&vec![0u8; padding.len()])?;
        if ends_cache {
            self.end_cache_range();
        }
        Ok(())
    }

    /// Notes a tar member of the input: its path for the hard links after
    /// it, and a hard link that names no earlier member (dangling already
    /// in the input).
    fn note_seen(&mut self, entry: &RawEntry) {
        if entry.kind() == EntryKind::Hardlink && !self.seen.contains(&link_key_hash(&entry.link)) {
            self.dangling_in_input.push(entry.path.clone());
        }
        self.seen.insert(link_key_hash(&entry.path));
    }

    /// The new path of the target of a hard link whose target was renamed.
    fn renamed_target(&self, member: &Member) -> Option<Vec<u8>> {
        match &member.entry {
            Some(entry) if entry.kind() == EntryKind::Hardlink => {
                match self.fates.get(&link_key(&entry.link)) {
                    Some(Fate::Renamed(path)) => Some(path.clone()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn write_zero_blocks(&mut self, blocks: u64) -> Result<()> {
        let zeros = [0u8; BLOCK];
        for _ in 0..blocks {
            self.write(&zeros)?;
        }
        Ok(())
    }

    /// Opens (or extends) a hold for a cache member about to be written.
    fn hold_for_cache(&mut self, member: &Member) {
        if self.policy.is_none() {
            return;
        }
        let folder = parent_folder(&member.path);
        let spool = self.new_spool();
        let (renamed_before, cleaned_before) = (self.renamed.len(), self.cleaned.len());
        let hold = self.hold.get_or_insert_with(|| Hold {
            spool,
            written: 0,
            scope: [folder.as_slice(), b"/"].concat(),
            caches: Vec::new(),
            links: Vec::new(),
            renamed_before,
            cleaned_before,
        });
        let start = hold.written;
        hold.caches.push(HeldCache {
            path: member.path.clone(),
            folder,
            range: start..start,
            hasher: match &self.policy {
                Some(policy) => policy.hasher.incremental(),
                None => blake3::Hasher::new(),
            },
            bytes: 0,
            watch: RawWatch::default(),
            holds_identifier: false,
        });
    }

    /// True when a cache indexes a member in which a message changed: a
    /// Thunderbird `X.msf` its mbox `X`, any other cache its whole folder.
    fn cache_is_stale(&self, cache: &HeldCache) -> bool {
        let path = &cache.path;
        let is_msf = path.len() > 4 && path[path.len() - 4..].eq_ignore_ascii_case(b".msf");
        match is_msf {
            true => self.changed_members.contains(&path[..path.len() - 4]),
            false => self.changed.contains(&cache.folder),
        }
    }

    /// Writes the held output, leaving out the caches that must go and the
    /// hard links to them.
    fn release_hold(&mut self) -> Result<()> {
        let Some(mut hold) = self.hold.take() else {
            return Ok(());
        };
        let mut pos = 0;
        for cut in self.cuts(&hold) {
            self.copy_range(&mut hold.spool, pos..cut.range.start)?;
            pos = cut.range.end;
            self.stats.members = self.stats.members.saturating_sub(1);
            // A member left out was neither renamed nor cleaned.
            if let Some(at) = self.renamed[hold.renamed_before..]
                .iter()
                .rposition(|r| r.from_path == cut.path)
            {
                self.renamed.remove(hold.renamed_before + at);
            }
            if let Some(at) = self.cleaned[hold.cleaned_before..]
                .iter()
                .rposition(|c| c.path == cut.path)
            {
                self.cleaned.remove(hold.cleaned_before + at);
            }
            self.record_drop(&cut.path, cut.hasher, cut.bytes, cut.reason);
        }
        self.copy_range(&mut hold.spool, pos..hold.written)
    }

    /// What of the held output is left out, in output order: the caches
    /// that are stale or hold an identifier, and the hard links to them.
    fn cuts(&self, hold: &Hold) -> Vec<Cut> {
        let mut cuts = Vec::new();
        let mut gone = HashSet::new();
        for cache in &hold.caches {
            let reason = if self.cache_is_stale(cache) {
                CACHE_CHANGED_REASON
            } else if cache.holds_identifier {
                CACHE_IDENTIFIER_REASON
            } else {
                continue;
            };
            gone.insert(link_key(&cache.path));
            cuts.push(Cut {
                range: cache.range.clone(),
                path: cache.path.clone(),
                hasher: cache.hasher.clone(),
                bytes: cache.bytes,
                reason,
            });
        }
        for link in &hold.links {
            if gone.contains(&link.target) {
                cuts.push(Cut {
                    range: link.range.clone(),
                    path: link.path.clone(),
                    hasher: self.original_hasher(),
                    bytes: 0,
                    reason: LINK_TARGET_GONE_REASON,
                });
            }
        }
        cuts.sort_by_key(|cut| cut.range.start);
        cuts
    }

    /// Copies a byte range of a spool to the output.
    fn copy_range(
        &mut self,
        spool: &mut SpooledTempFile,
        range: std::ops::Range<u64>,
    ) -> Result<()> {
        spool
            .seek(SeekFrom::Start(range.start))
            .map_err(spool_error)?;
        let mut reader = spool.take(range.end.saturating_sub(range.start));
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(spool_error)?;
            if n == 0 {
                return Ok(());
            }
            self.write(&buf[..n])?;
        }
    }

    /// Notes a member, and every folder above it, in which a message changed.
    fn mark_changed(&mut self, path: &[u8]) {
        self.changed_members.insert(path.to_vec());
        let mut folder = parent_folder(path);
        loop {
            if !self.changed.insert(folder.clone()) || folder.is_empty() {
                return;
            }
            folder = parent_folder(&folder);
        }
    }

    /// Starts a member written straight out: its header now (rebuilt when it
    /// changes), or nothing when it is left out. Returns why it is left out,
    /// and whether the header was rebuilt.
    fn start_direct(
        &mut self,
        entry: &RawEntry,
        names: &NewNames,
        follow: Option<&[u8]>,
        dirty: bool,
    ) -> Result<(Option<&'static str>, bool)> {
        if entry.kind() == EntryKind::Hardlink
            && let Some(Fate::Gone) = self.fates.get(&link_key(&entry.link))
        {
            return Ok((Some(LINK_TARGET_GONE_REASON), false));
        }
        let link = follow.or(names.link.as_deref());
        let header = match self.choose_header(entry, entry.size, names.path.as_deref(), link, dirty)
        {
            HeaderChoice::Verbatim => Cow::Borrowed(entry.header.as_slice()),
            HeaderChoice::Rebuilt(header) => Cow::Owned(header),
            HeaderChoice::Drop(reason) => return Ok((Some(reason), false)),
        };
        let rebuilt = matches!(header, Cow::Owned(_));
        let path = names.path.as_deref().unwrap_or(&entry.path).to_vec();
        let written_link = link.unwrap_or(&entry.link).to_vec();
        self.record_written(entry, names, (&path, &written_link), &header, dirty);
        self.write_direct_header(entry, &header)?;
        Ok((None, rebuilt))
    }

    /// Writes the header of a member written straight out; a hard link to
    /// a held header cache gets the range of its bytes in the held output,
    /// so that it leaves with the cache.
    fn write_direct_header(&mut self, entry: &RawEntry, header: &[u8]) -> Result<()> {
        if entry.kind() == EntryKind::Hardlink
            && let Some(hold) = &mut self.hold
        {
            let target = link_key(&entry.link);
            if hold.caches.iter().any(|c| link_key(&c.path) == target) {
                let start = hold.written;
                hold.links.push(HeldLink {
                    path: entry.path.clone(),
                    target,
                    range: start..start,
                });
            }
        }
        self.write_zero_blocks(entry.leading_zero_blocks)?;
        self.write(header)?;
        if let Some(hold) = &mut self.hold
            && let Some(link) = hold.links.last_mut()
            && link.path == entry.path
            && link.range.is_empty()
        {
            link.range.end = hold.written;
        }
        Ok(())
    }
}

/// Appends `bytes` to `tail` and keeps its last [`TAIL`] bytes: the end of
/// a member's data, searched again with its padding.
pub(crate) fn keep_tail(tail: &mut Vec<u8>, bytes: &[u8]) {
    let bytes = &bytes[bytes.len().saturating_sub(TAIL)..];
    tail.extend_from_slice(bytes);
    let excess = tail.len().saturating_sub(TAIL);
    tail.drain(..excess);
}

/// The key under which hard links find a member ([`crate::input::tar::link_name`]).
fn link_key(path: &[u8]) -> Vec<u8> {
    crate::input::tar::link_name(path).to_vec()
}

/// A 64-bit hash of [`link_key`], for the set of the members seen.
fn link_key_hash(path: &[u8]) -> u64 {
    let hash = blake3::hash(crate::input::tar::link_name(path));
    let mut key = [0u8; 8];
    key.copy_from_slice(&hash.as_bytes()[..8]);
    u64::from_le_bytes(key)
}

/// The folder part of a path (`a/b/c` -> `a/b`, `c` -> empty).
fn parent_folder(path: &[u8]) -> Vec<u8> {
    let path = path.strip_suffix(b"/").unwrap_or(path);
    path.iter()
        .rposition(|&b| b == b'/')
        .map_or_else(Vec::new, |i| path[..i].to_vec())
}

fn spool_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(io::Error::new(
        e.kind(),
        format!("spool file: {e}"),
    )))
}

impl<W: Write, P: Borrow<Outcome>> Sink<P> for Repacker<'_, W> {
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        let joined = self.enter_member(member)?;
        let mut names = self.new_names(member);
        if joined {
            names.path = Some(ERASED_NAME.to_vec());
        }
        let dirty = match (&self.policy, &member.entry) {
            (Some(policy), Some(entry)) => header_holds_identifier(policy.matcher, entry),
            _ => false,
        };
        let follow = self.renamed_target(member);
        let original = (names.any() || dirty).then(|| self.original_hasher());
        let (body, dropped, rebuilt) = self.start_body(member, &names, follow.as_deref(), dirty)?;
        self.pending = Some(Pending {
            original: original.or_else(|| dropped.map(|_| self.original_hasher())),
            dropped,
            rebuilt,
            ..Pending::new(member, body, names, follow, dirty)
        });
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        if let Some(pending) = &mut self.pending {
            if let Some(original) = &mut pending.original {
                original.update(bytes);
            }
            if pending.member.format == MailboxFormat::Mbox {
                pending.last_chunk.extend_from_slice(bytes);
            }
        }
        self.member_bytes(bytes)
    }

    fn message(&mut self, message: Message, processed: P) -> Result<()> {
        if let Some(original) = self.pending.as_mut().and_then(|p| p.original.as_mut()) {
            original.update(&message.bytes);
        }
        let outcome = processed.borrow();
        if *outcome != Outcome::Keep
            && let Some(pending) = &mut self.pending
        {
            pending.changed = true;
            let path = pending.member.path.clone();
            self.mark_changed(&path);
        }
        if *outcome == Outcome::Delete {
            self.stats.deleted += 1;
            let pending = self.pending()?;
            pending.deleted += 1;
            pending.after_deletion = true;
            return Ok(());
        }
        if self.pending()?.member.format == MailboxFormat::Mbox {
            self.write_mbox_message(message, outcome)?;
        } else {
            match outcome {
                Outcome::Replace(bytes) => self.member_bytes(bytes)?,
                _ => self.keep_message(message.bytes)?,
            }
        }
        if matches!(outcome, Outcome::Replace(_)) {
            self.stats.replaced += 1;
        }
        self.stats.messages += 1;
        self.pending()?.messages += 1;
        Ok(())
    }

    fn member_end(&mut self, padding: &[u8]) -> Result<()> {
        let pending = self
            .pending
            .take()
            .ok_or_else(|| Error::new(ErrorKind::Internal("member end without start".into())))?;
        let member = Arc::clone(&pending.member);
        let collected = !matches!(pending.body, Body::Direct);
        match (&member.entry, collected) {
            (Some(entry), _) if pending.dropped.is_some() => {
                let original = self.original_of(pending.original)?;
                let reason = pending.dropped.unwrap_or(HEADER_UNCLEANABLE_REASON);
                self.record_drop(&entry.path, original, entry.size, reason);
                Ok(())
            }
            (Some(entry), true) => self.write_spooled(pending, entry, padding),
            (Some(entry), false) => self.end_direct(&pending, entry, padding),
            (None, _) => {
                self.stats.members += 1;
                Ok(())
            }
        }
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        let _ = self.flush_padding(None)?;
        self.release_hold()?;
        self.write_zero_blocks(zero_blocks)
    }

    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        let Some(policy) = &self.policy else {
            return self.write(bytes);
        };
        self.trailer_watch.feed(policy.matcher, bytes);
        self.trailer.extend_from_slice(bytes);
        Ok(())
    }
}

/// Byte ranges of the fields of a tar header block (name, mode, uid, gid,
/// size, mtime, checksum, type flag, link name, magic, version, uname,
/// gname, device numbers, prefix, the rest).
const HEADER_FIELDS: [std::ops::Range<usize>; 16] = [
    0..100,
    100..108,
    108..116,
    116..124,
    124..136,
    136..148,
    148..156,
    156..157,
    157..257,
    257..263,
    263..265,
    265..297,
    297..329,
    329..337,
    337..345,
    345..512,
];

/// The header region of a tar entry as a reader sees its parts: each header
/// block field by field and each extension's data (pax records, GNU long
/// names), separated by NUL bytes so that adjacent fields (the ustar
/// version `00` before the uname) do not run into one word; then the path
/// and link target as read, which a ustar prefix splits.
pub(crate) fn header_view(header: &[u8], path: &[u8], link: &[u8]) -> Vec<u8> {
    const BLOCK: usize = 512;
    let mut view = Vec::with_capacity(header.len() + 64);
    let mut pos = 0;
    while let Some(block) = header.get(pos..pos + BLOCK) {
        for field in HEADER_FIELDS {
            view.extend_from_slice(&block[field]);
            view.push(0);
        }
        pos += BLOCK;
        if !matches!(block[156], b'x' | b'g' | b'X' | b'L' | b'K') {
            break;
        }
        let len = tar::Header::from_byte_slice(block)
            .entry_size()
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(0);
        let end = pos.saturating_add(len).min(header.len());
        view.extend_from_slice(&header[pos..end]);
        view.push(0);
        pos = end.next_multiple_of(BLOCK);
    }
    // Sparse extension blocks, or anything else after the main header.
    view.extend_from_slice(header.get(pos..).unwrap_or_default());
    view.push(0);
    view.extend_from_slice(path);
    view.push(0);
    view.extend_from_slice(link);
    view
}

/// True when a tar header region holds an identifier: its bytes as they
/// are, or field by field ([`header_view`]: the ustar version `00` glued
/// to a user name would hide an address from a search of the raw bytes).
pub(crate) fn header_holds_identifier(matcher: &Matcher, entry: &RawEntry) -> bool {
    !matcher.scan_bytes(&entry.header).is_empty()
        || !matcher
            .scan_bytes(&header_view(&entry.header, &entry.path, &entry.link))
            .is_empty()
}

/// True when the padding after a member's data holds (part of) an
/// identifier: non-zero padding searched together with the `tail` of the
/// data (its last [`TAIL`] bytes), a hit reaching into the padding. The
/// writer zeroes such padding; `verify` decides again with it.
pub(crate) fn padding_holds_identifier(matcher: &Matcher, tail: &[u8], padding: &[u8]) -> bool {
    if padding.iter().all(|&b| b == 0) {
        return false;
    }
    let window = [tail, padding].concat();
    matcher
        .scan_bytes(&window)
        .iter()
        .any(|hit| !matches!(&hit.location, Location::Raw { span } if span.end <= tail.len()))
}

/// True when an identifier runs from `padding` (after data ending in
/// `tail`) into the tar `header` that follows it: the three searched as one
/// stream, a hit that starts before the header and ends in it. Zeros in
/// between end every identifier; no padding at all (data ending on a block
/// boundary) does not.
pub(crate) fn padding_runs_into(
    matcher: &Matcher,
    tail: &[u8],
    padding: &[u8],
    header: &[u8],
) -> bool {
    if !padding.is_empty() && padding.iter().all(|&b| b == 0) {
        return false;
    }
    let before = tail.len() + padding.len();
    let head = &header[..header.len().min(BLOCK)];
    let window = [tail, padding, head].concat();
    matcher
        .scan_bytes(&window)
        .iter()
        .any(|hit| match &hit.location {
            Location::Raw { span } => span.start < before && span.end > before,
            _ => true,
        })
}

/// A name with every identifier in it replaced by `erased`; the whole name
/// becomes `erased` if a replacement cannot be located or leaves a trace.
/// `None` when the name holds no identifier.
fn redact_name(matcher: &Matcher, name: &[u8]) -> Option<Vec<u8>> {
    if name.is_empty() {
        return None;
    }
    let hits = matcher.scan_bytes(name);
    if hits.is_empty() {
        return None;
    }
    let mut spans: Vec<std::ops::Range<usize>> = hits
        .iter()
        .filter_map(|hit| match &hit.location {
            Location::Raw { span } => Some(span.clone()),
            _ => None,
        })
        .collect();
    spans.sort_by_key(|span| span.start);
    // Overlapping hits (a joined name inside an address) are one replacement.
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(spans.len());
    for span in spans {
        match merged.last_mut() {
            Some(last) if span.start < last.end => last.end = last.end.max(span.end),
            _ => merged.push(span),
        }
    }
    let mut out = Vec::with_capacity(name.len());
    let mut pos = 0;
    for span in merged {
        out.extend_from_slice(name.get(pos..span.start)?);
        out.extend_from_slice(ERASED_NAME);
        pos = span.end;
    }
    out.extend_from_slice(name.get(pos..)?);
    if out == name || !matcher.scan_bytes(&out).is_empty() {
        return Some(ERASED_NAME.to_vec());
    }
    Some(out)
}

/// What replaces an identifier in a member name: no space, no bracket.
const ERASED_NAME: &[u8] = b"erased";

/// A Maildir path with the values of `,S=` (size) and `,W=` (size with CRLF
/// line ends) in its file name replaced; `None` if it has neither.
pub(crate) fn maildir_name_with_sizes(path: &[u8], size: u64, crlf_size: u64) -> Option<Vec<u8>> {
    let name_start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let name = &path[name_start..];
    let base_end = name.iter().position(|&b| b == b':').unwrap_or(name.len());
    let mut out = path[..name_start].to_vec();
    let mut changed = false;
    let mut fields = name[..base_end].split(|&b| b == b',').peekable();
    while let Some(field) = fields.next() {
        let value = match field {
            [b'S', b'=', digits @ ..] if is_number(digits) => Some(size),
            [b'W', b'=', digits @ ..] if is_number(digits) => Some(crlf_size),
            _ => None,
        };
        match value {
            Some(value) => {
                out.extend_from_slice(&field[..2]);
                out.extend_from_slice(value.to_string().as_bytes());
                changed = true;
            }
            None => out.extend_from_slice(field),
        }
        if fields.peek().is_some() {
            out.push(b',');
        }
    }
    out.extend_from_slice(&name[base_end..]);
    changed.then_some(out)
}

fn is_number(digits: &[u8]) -> bool {
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// True when `output` may stand for `input` in a scrubbed archive: the same
/// path, or for a Maildir file the same path but for its size fields (or
/// both are the one member of a bare mailbox).
pub(crate) fn same_member_path(input: &Member, output: &Member) -> bool {
    // A bare mailbox's only member is named after its file: any name goes.
    (input.entry.is_none() && output.entry.is_none())
        || input.path == output.path
        || (input.format == MailboxFormat::Maildir
            && matches!(
                (
                    maildir_name_with_sizes(&input.path, 0, 0),
                    maildir_name_with_sizes(&output.path, 0, 0),
                ),
                (Some(a), Some(b)) if a == b
            ))
}

/// Checks that an output member's header and padding are what the writer
/// makes of the input member's: identical, or the input's header rebuilt
/// with the output's size and names, user and group names erased or not,
/// and the pax records the output lacks left out. The padding is as read or
/// zeros; after a rebuilt header, zeros.
pub(crate) fn check_rewritten_header(
    input: &Member,
    output: &Member,
    input_padding: &[u8],
    output_padding: &[u8],
) -> std::result::Result<(), HeaderMismatch> {
    let (Some(i), Some(o)) = (&input.entry, &output.entry) else {
        return match (&input.entry, &output.entry) {
            (None, None) => Ok(()),
            _ => Err(HeaderMismatch::Layout),
        };
    };
    if i.leading_zero_blocks != o.leading_zero_blocks {
        return Err(HeaderMismatch::ZeroBlocks);
    }
    let zeros = output_padding.len() as u64 == RawEntry::padding_for(o.size)
        && output_padding.iter().all(|&b| b == 0);
    if i.header == o.header {
        if input_padding != output_padding && !zeros {
            return Err(HeaderMismatch::Padding);
        }
        return Ok(());
    }
    if !rebuilds_to(i, o) {
        return Err(HeaderMismatch::Header);
    }
    if !zeros {
        return Err(HeaderMismatch::RebuiltPadding);
    }
    Ok(())
}

/// How an output member's header or padding is not what the writer makes
/// of the input member's ([`check_rewritten_header`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum HeaderMismatch {
    /// One is a tar member, the other a bare mailbox.
    #[error("one side is a tar member, the other a bare mailbox")]
    Layout,
    /// The zero blocks before the member differ.
    #[error("the zero blocks before the member differ")]
    ZeroBlocks,
    /// The header is the input's, the padding neither the input's nor zeros.
    #[error("the padding after the data differs")]
    Padding,
    /// No edit the writer makes turns the input's header into the output's.
    #[error("the tar header differs beyond its size, name and owner fields")]
    Header,
    /// The header was rebuilt, the padding is not zeros.
    #[error("the padding after the rewritten header is not zero")]
    RebuiltPadding,
}

/// Whether some edit the writer makes (the output's size; each name the
/// output's or, where the same, left alone; owner names erased or not; the
/// pax records `o` lacks left out) rebuilds the header of `i` into that of `o`.
fn rebuilds_to(i: &RawEntry, o: &RawEntry) -> bool {
    let kept: HashSet<(&[u8], &[u8])> = o.pax_records().into_iter().collect();
    let dropped = |key: &[u8], value: &[u8]| !kept.contains(&(key, value));
    let names = |old: &[u8], new: &[u8]| -> Vec<Option<Vec<u8>>> {
        match (old == new, old.is_empty()) {
            (false, _) => vec![Some(new.to_vec())],
            (true, true) => vec![None],
            (true, false) => vec![None, Some(new.to_vec())],
        }
    };
    names(&i.path, &o.path).into_iter().any(|path| {
        names(&i.link, &o.link).into_iter().any(|link| {
            [false, true].into_iter().any(|erase_owner| {
                let edit = HeaderEdit {
                    size: o.size,
                    path: path.as_deref(),
                    link: link.as_deref(),
                    erase_owner,
                    drop_record: &dropped,
                };
                i.rebuild(&edit).as_deref() == Some(o.header.as_slice())
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::{Engine, OnUnredactable};
    use crate::input::container::{Compression, Container, Layout, Opened};
    use crate::input::events::ReadOptions;
    use crate::pipeline::{PipelineOptions, run};
    use crate::request::ErasureRequest;

    fn tar_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data) in files {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o600);
            header.set_cksum();
            builder
                .append_data(&mut header, path, data.as_bytes())
                .unwrap();
        }
        builder.into_inner().unwrap()
    }

    fn paths(tar: &[u8]) -> Vec<String> {
        let mut archive = tar::Archive::new(tar);
        archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn caches_go_with_changes_in_their_folder_even_when_they_come_first() {
        let input = tar_of(&[
            ("alice/dovecot.index.cache", "cached headers of carol"),
            ("alice/.Work/dovecot.index.cache", "cached work"),
            (
                "alice/.Work/cur/2.h:2,S",
                "From: carol@example.org\n\nfine\n",
            ),
            (
                "alice/cur/1.h,S=44:2,S",
                "From: jane.doe@example.com\n\nbody\n",
            ),
            ("bob/Inbox.msf", "summary naming jane.doe@example.com"),
            ("bob/cur/3.h:2,S", "From: carol@example.org\n\nfine\n"),
            ("bob/dovecot.index", "clean"),
        ]);
        let request = ErasureRequest::from_toml_str(
            "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\n",
        )
        .unwrap();
        let hasher = Hasher::default();
        let engine = Engine::new(&request, hasher.clone(), OnUnredactable::Delete);
        let policy = ScrubPolicy {
            matcher: engine.matcher(),
            hasher: &hasher,
        };
        let mut repacker = Repacker::new(Vec::new(), None, Some(policy));
        let opened = Opened {
            container: Container {
                compression: Compression::None,
                layout: Layout::Tar,
            },
            reader: Box::new(std::io::Cursor::new(input)),
        };
        let read = ReadOptions {
            max_message_size: 1 << 20,
            input_name: b"in".to_vec(),
            allow_empty: false,
        };
        let sequential = PipelineOptions {
            threads: 1,
            ..PipelineOptions::default()
        };
        run(opened, &read, &engine, &mut repacker, &sequential).unwrap();
        let (out, report) = repacker.finish().unwrap();
        let (stats, dropped) = (report.stats, report.dropped);
        assert_eq!(
            paths(&out),
            [
                "alice/.Work/dovecot.index.cache",
                "alice/.Work/cur/2.h:2,S",
                "bob/cur/3.h:2,S",
                "bob/dovecot.index"
            ]
        );
        let reasons: Vec<(String, &str)> = dropped
            .iter()
            .map(|d| (String::from_utf8_lossy(&d.path).into_owned(), d.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                (
                    "alice/dovecot.index.cache".to_owned(),
                    "header cache of a folder in which a message changed"
                ),
                (
                    "bob/Inbox.msf".to_owned(),
                    "header cache holds an identifier"
                ),
            ]
        );
        assert_eq!(
            dropped[0].original_blake3,
            hasher.message(b"cached headers of carol")
        );
        assert_eq!(stats.members, 4);
    }

    #[test]
    fn identifiers_in_names_become_erased() {
        let request = ErasureRequest::from_toml_str(
            "[[subject]]\nid = \"R\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n",
        )
        .unwrap();
        let matcher = Matcher::new(&request);
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (
                b"users/jane.doe@example.com/cur/1:2,S",
                Some(b"users/erased/cur/1:2,S"),
            ),
            (
                b"exports/Jane Doe - notes.eml",
                Some(b"exports/erased - notes.eml"),
            ),
            (b"exports/Janet Doe - notes.eml", None),
            (b"", None),
        ];
        for (name, want) in cases {
            assert_eq!(
                redact_name(&matcher, name).as_deref(),
                *want,
                "{}",
                String::from_utf8_lossy(name)
            );
        }
    }

    #[test]
    fn hard_links_find_their_target_however_it_is_spelled() {
        assert_eq!(link_key(b"./a/b"), b"a/b");
        assert_eq!(link_key(b"/./a/b/"), b"a/b");
        assert_eq!(link_key(b"a/./b"), b"a/./b");
    }

    #[test]
    fn maildir_names_without_sizes_are_not_all_the_same_member() {
        let member = |path: &[u8]| Member {
            entry: Some(RawEntry {
                leading_zero_blocks: 0,
                header: Vec::new(),
                offset: 0,
                path: path.to_vec(),
                link: Vec::new(),
                type_flag: b'0',
                size: 0,
            }),
            path: path.to_vec(),
            kind: EntryKind::File,
            format: MailboxFormat::Maildir,
            size: Some(0),
        };
        let sized = |s: &str| member(format!("u/cur/1.M1.h,S={s}:2,S").as_bytes());
        assert!(same_member_path(&sized("10"), &sized("12")));
        assert!(!same_member_path(
            &member(b"jane/cur/1:2,S"),
            &member(b"erased/cur/1:2,S")
        ));
    }

    #[test]
    fn maildir_size_fields_are_replaced() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (
                b"u/cur/1700000000.M1P2.host,S=1234:2,S",
                Some(b"u/cur/1700000000.M1P2.host,S=99:2,S"),
            ),
            (
                b"u/.Sent/cur/1.M1.h,S=1234,W=1300:2,RS",
                Some(b"u/.Sent/cur/1.M1.h,S=99,W=104:2,RS"),
            ),
            (b"u/new/1700000000.M1P2.host", None),
            (b"u/cur/1.host:2,S=5", None),
        ];
        for (path, want) in cases {
            assert_eq!(
                maildir_name_with_sizes(path, 99, 104).as_deref(),
                *want,
                "{}",
                String::from_utf8_lossy(path)
            );
        }
    }
}
