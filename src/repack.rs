//! The writing side: a sink that repacks the stream into a new backup.
//!
//! Untouched bytes are copied as read: raw tar headers, non-mail data,
//! padding, the end-of-archive blocks and whatever follows them. A mail
//! member is collected (in memory, spilling to a temporary file past
//! [`SPOOL_IN_MEMORY`]) until its end, because a tar header announces the
//! size of its data: if the size did not change, the original header and
//! padding are written back verbatim; otherwise the header is patched (and a
//! Maildir file name's `,S=`/`,W=` sizes follow).
//!
//! Header caches of mail software ([`MailboxFormat::Cache`]) go stale when a
//! message of their folder changes, and may hold identifiers. A cache can
//! come before the messages of its folder, so when one starts, the output is
//! held in a spool until the stream leaves the cache's folder; the cache is
//! then dropped if a message in that folder changed or the cache holds an
//! identifier, and the held bytes are written out.

use std::borrow::Borrow;
use std::collections::HashSet;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Arc;

use tempfile::SpooledTempFile;

use crate::archive::{BLOCK, RawEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::evidence::RawWatch;
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::Hasher;
use crate::matcher::Matcher;
use crate::pipeline::{Outcome, Sink};
use crate::source::Member;

/// Bytes of a rewritten member held in memory before it spills to disk.
pub const SPOOL_IN_MEMORY: usize = 8 << 20;

/// Counts of what the repacker wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RepackStats {
    /// Members written.
    pub members: u64,
    /// Messages written (kept or replaced).
    pub messages: u64,
    /// Messages left out.
    pub deleted: u64,
    /// Messages replaced by rewritten bytes.
    pub replaced: u64,
    /// Members left out (one-message files whose message was deleted).
    pub dropped_members: u64,
}

/// A header cache that was left out of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedCache {
    /// Its member path.
    pub path: Vec<u8>,
    /// Hash of its data (keyed like the manifest's message hashes).
    pub original_blake3: String,
    /// Length of its data.
    pub bytes: u64,
    /// Why it went.
    pub reason: &'static str,
}

/// The member being collected.
struct Pending {
    member: Arc<Member>,
    spool: Option<SpooledTempFile>,
    size: u64,
    /// Line feeds not preceded by a carriage return: the size with CRLF
    /// line ends (Maildir `,W=`) is `size + bare_lf`.
    bare_lf: u64,
    last_was_cr: bool,
    messages: u64,
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

/// Output held back until the caches in it can be judged.
struct Hold {
    spool: SpooledTempFile,
    written: u64,
    /// The folder whose subtree the hold covers, with a trailing `/`.
    scope: Vec<u8>,
    caches: Vec<HeldCache>,
}

/// How header caches are judged: by the request's matcher, hashed for the
/// manifest like messages.
pub struct CachePolicy<'a> {
    /// Finds identifiers in a cache's bytes.
    pub matcher: &'a Matcher,
    /// Hashes dropped caches.
    pub hasher: &'a Hasher,
}

/// A [`Sink`] that writes the new backup to `out`.
pub struct Repacker<'a, W: Write> {
    out: W,
    spool_dir: Option<PathBuf>,
    pending: Option<Pending>,
    stats: RepackStats,
    caches: Option<CachePolicy<'a>>,
    hold: Option<Hold>,
    /// Folders (every ancestor of a member) in which a message changed.
    changed: HashSet<Vec<u8>>,
    dropped: Vec<DroppedCache>,
}

impl<'a, W: Write> Repacker<'a, W> {
    /// A repacker writing the decompressed output stream to `out`; spool
    /// files go to `spool_dir` (the system's temporary folder if `None`).
    /// With a cache policy, stale or identifying header caches are dropped.
    pub fn new(out: W, spool_dir: Option<PathBuf>, caches: Option<CachePolicy<'a>>) -> Self {
        Repacker {
            out,
            spool_dir,
            pending: None,
            stats: RepackStats::default(),
            caches,
            hold: None,
            changed: HashSet::new(),
            dropped: Vec::new(),
        }
    }

    /// What was written so far.
    pub fn stats(&self) -> RepackStats {
        self.stats
    }

    /// Ends the output: writes anything still held and hands back the
    /// writer, the counts and the caches left out (in stream order).
    pub fn finish(mut self) -> Result<(W, RepackStats, Vec<DroppedCache>)> {
        self.release_hold()?;
        Ok((self.out, self.stats, self.dropped))
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
        pending.size += bytes.len() as u64;
        let mut prev_cr = pending.last_was_cr;
        for &b in bytes {
            if b == b'\n' && !prev_cr {
                pending.bare_lf += 1;
            }
            prev_cr = b == b'\r';
        }
        pending.last_was_cr = prev_cr;
        let is_cache = pending.member.format == MailboxFormat::Cache;
        if let Some(spool) = &mut pending.spool {
            return spool.write_all(bytes).map_err(spool_error);
        }
        if is_cache {
            self.watch_cache(bytes);
        }
        self.write(bytes)
    }

    /// Hashes and scans the data of the cache being written.
    fn watch_cache(&mut self, bytes: &[u8]) {
        let (Some(policy), Some(hold)) = (&self.caches, &mut self.hold) else {
            return;
        };
        if let Some(cache) = hold.caches.last_mut() {
            cache.hasher.update(bytes);
            cache.bytes += bytes.len() as u64;
            cache.watch.feed(policy.matcher, bytes);
        }
    }

    /// Writes a collected tar mail member: header, data, padding.
    fn write_spooled(&mut self, pending: Pending, entry: &RawEntry, padding: &[u8]) -> Result<()> {
        let Pending {
            member,
            spool,
            size,
            bare_lf,
            messages,
            ..
        } = pending;
        let mut spool = spool
            .ok_or_else(|| Error::new(ErrorKind::Internal("mail member without spool".into())))?;
        let one_message_file = !matches!(member.format, MailboxFormat::Mbox);
        if one_message_file && messages == 0 {
            self.stats.dropped_members += 1;
            return Ok(());
        }
        self.write_zero_blocks(entry.leading_zero_blocks)?;
        if size == entry.size {
            self.write(&entry.header)?;
        } else {
            let header = rewritten_header(&member, entry, size, size + bare_lf);
            self.write(&header)?;
        }
        self.copy_range(&mut spool, 0..size)?;
        if size == entry.size {
            self.write(padding)?;
        } else {
            self.write(&vec![0u8; RawEntry::padding_for(size) as usize])?;
        }
        self.stats.members += 1;
        Ok(())
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
        if self.caches.is_none() {
            return;
        }
        let folder = parent_folder(&member.path);
        let spool = self.new_spool();
        let hold = self.hold.get_or_insert_with(|| Hold {
            spool,
            written: 0,
            scope: [folder.as_slice(), b"/"].concat(),
            caches: Vec::new(),
        });
        let start = hold.written;
        hold.caches.push(HeldCache {
            path: member.path.clone(),
            folder,
            range: start..start,
            hasher: match &self.caches {
                Some(policy) => policy.hasher.incremental(),
                None => blake3::Hasher::new(),
            },
            bytes: 0,
            watch: RawWatch::default(),
            holds_identifier: false,
        });
    }

    /// Writes the held output, leaving out the caches that must go.
    fn release_hold(&mut self) -> Result<()> {
        let Some(mut hold) = self.hold.take() else {
            return Ok(());
        };
        let mut pos = 0;
        for cache in &hold.caches {
            let reason = if self.changed.contains(&cache.folder) {
                "header cache of a folder in which a message changed"
            } else if cache.holds_identifier {
                "header cache holds an identifier"
            } else {
                continue;
            };
            self.copy_range(&mut hold.spool, pos..cache.range.start)?;
            pos = cache.range.end;
            self.stats.members = self.stats.members.saturating_sub(1);
            self.dropped.push(DroppedCache {
                path: cache.path.clone(),
                original_blake3: cache.hasher.finalize().to_hex().to_string(),
                bytes: cache.bytes,
                reason,
            });
        }
        self.copy_range(&mut hold.spool, pos..hold.written)
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

    /// Notes every folder above a member in which a message changed.
    fn mark_changed(&mut self, path: &[u8]) {
        let mut folder = parent_folder(path);
        loop {
            if !self.changed.insert(folder.clone()) || folder.is_empty() {
                return;
            }
            folder = parent_folder(&folder);
        }
    }
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
        if let Some(hold) = &self.hold
            && !member.path.starts_with(&hold.scope)
        {
            self.release_hold()?;
        }
        if member.format == MailboxFormat::Cache && member.entry.is_some() {
            self.hold_for_cache(member);
        }
        let spool = match &member.entry {
            Some(_) if member.format.is_mail() => Some(self.new_spool()),
            Some(entry) => {
                self.write_zero_blocks(entry.leading_zero_blocks)?;
                self.write(&entry.header)?;
                None
            }
            None => None,
        };
        self.pending = Some(Pending {
            member: Arc::clone(member),
            spool,
            size: 0,
            bare_lf: 0,
            last_was_cr: false,
            messages: 0,
        });
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.member_bytes(bytes)
    }

    fn message(&mut self, message: Message, processed: P) -> Result<()> {
        let outcome = processed.borrow();
        if *outcome != Outcome::Keep
            && let Some(pending) = &self.pending
        {
            let path = pending.member.path.clone();
            self.mark_changed(&path);
        }
        match outcome {
            Outcome::Keep => self.member_bytes(&message.bytes)?,
            Outcome::Delete => {
                self.stats.deleted += 1;
                return Ok(());
            }
            Outcome::Replace(bytes) => {
                self.member_bytes(bytes)?;
                self.stats.replaced += 1;
            }
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
        match (&member.entry, pending.spool.is_some()) {
            (Some(entry), true) => self.write_spooled(pending, entry, padding),
            (Some(_), false) => {
                self.stats.members += 1;
                self.write(padding)?;
                if member.format == MailboxFormat::Cache
                    && let Some(hold) = &mut self.hold
                    && let Some(cache) = hold.caches.last_mut()
                {
                    cache.range.end = hold.written;
                    cache.holds_identifier = !cache.watch.take().is_empty();
                }
                Ok(())
            }
            (None, _) => {
                self.stats.members += 1;
                Ok(())
            }
        }
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        self.release_hold()?;
        self.write_zero_blocks(zero_blocks)
    }

    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        self.write(bytes)
    }
}

/// The header of a mail member whose data became `size` bytes (`crlf_size`
/// with CRLF line ends): sizes patched and, for a Maildir file, the `,S=`
/// and `,W=` fields of its name updated (kept as they were if the new name
/// does not fit the header).
pub fn rewritten_header(member: &Member, entry: &RawEntry, size: u64, crlf_size: u64) -> Vec<u8> {
    let new_path = match member.format {
        MailboxFormat::Maildir => maildir_name_with_sizes(&entry.path, size, crlf_size),
        _ => None,
    };
    new_path
        .and_then(|path| entry.header_with(size, Some(&path)))
        .or_else(|| entry.header_with(size, None))
        .unwrap_or_else(|| entry.header.clone())
}

/// A Maildir path with the values of `,S=` (size) and `,W=` (size with CRLF
/// line ends) in its file name replaced; `None` if it has neither.
pub fn maildir_name_with_sizes(path: &[u8], size: u64, crlf_size: u64) -> Option<Vec<u8>> {
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
pub fn same_member_path(input: &Member, output: &Member) -> bool {
    // A bare mailbox's only member is named after its file: any name goes.
    (input.entry.is_none() && output.entry.is_none())
        || input.path == output.path
        || (input.format == MailboxFormat::Maildir
            && maildir_name_with_sizes(&input.path, 0, 0)
                == maildir_name_with_sizes(&output.path, 0, 0))
}

/// Checks that an output member's header and padding are what the writer
/// makes of the input member's: identical when the size is unchanged,
/// otherwise the input's header with sizes (and Maildir size fields) patched
/// and zero padding.
pub fn check_rewritten_header(
    input: &Member,
    output: &Member,
    input_padding: &[u8],
    output_padding: &[u8],
) -> Result<(), String> {
    let (Some(i), Some(o)) = (&input.entry, &output.entry) else {
        return match (&input.entry, &output.entry) {
            (None, None) => Ok(()),
            _ => Err("one side is a tar member, the other a bare mailbox".into()),
        };
    };
    if i.leading_zero_blocks != o.leading_zero_blocks {
        return Err("the zero blocks before the member differ".into());
    }
    if i.size == o.size {
        if i.header != o.header {
            return Err("the tar header differs although the size did not change".into());
        }
        if input_padding != output_padding {
            return Err("the padding after the data differs".into());
        }
        return Ok(());
    }
    let path = (o.path != i.path).then_some(o.path.as_slice());
    let expected = i.header_with(o.size, path);
    if expected.as_deref() != Some(o.header.as_slice()) {
        return Err("the tar header differs beyond its size fields".into());
    }
    if output_padding.len() as u64 != RawEntry::padding_for(o.size)
        || output_padding.iter().any(|&b| b != 0)
    {
        return Err("the padding after the rewritten data is not zero".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::{Compression, Container, Layout, Opened};
    use crate::engine::{Engine, Mode, OnUnredactable};
    use crate::pipeline::{PipelineOptions, run};
    use crate::request::ErasureRequest;
    use crate::source::ReadOptions;

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
        let mode = Mode::Scrub {
            on_unredactable: OnUnredactable::Delete,
        };
        let engine = Engine::new(&request, hasher.clone(), mode);
        let policy = CachePolicy {
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
        let (out, stats, dropped) = repacker.finish().unwrap();
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
