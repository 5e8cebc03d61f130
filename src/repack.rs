//! The writing side: a sink that repacks the stream into a new backup.
//!
//! Untouched bytes are copied as read: raw tar headers, non-mail data,
//! padding, the end-of-archive blocks and whatever follows them. A mail
//! member is collected (in memory, spilling to a temporary file past
//! [`SPOOL_IN_MEMORY`]) until its end, because a tar header announces the
//! size of its data: if the size did not change, the original header and
//! padding are written back verbatim; otherwise the header is patched.

use std::borrow::Borrow;
use std::io::{self, Read, Seek, Write};
use std::path::PathBuf;
use std::sync::Arc;

use tempfile::SpooledTempFile;

use crate::archive::{BLOCK, RawEntry};
use crate::error::{Error, ErrorKind, Result};
use crate::mailbox::{MailboxFormat, Message};
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

/// The member being collected.
struct Pending {
    member: Arc<Member>,
    spool: Option<SpooledTempFile>,
    size: u64,
    messages: u64,
}

/// A [`Sink`] that writes the new backup to `out`.
pub struct Repacker<W: Write> {
    out: W,
    spool_dir: Option<PathBuf>,
    pending: Option<Pending>,
    stats: RepackStats,
}

impl<W: Write> Repacker<W> {
    /// A repacker writing the decompressed output stream to `out`; spool
    /// files go to `spool_dir` (the system's temporary folder if `None`).
    pub fn new(out: W, spool_dir: Option<PathBuf>) -> Self {
        Repacker {
            out,
            spool_dir,
            pending: None,
            stats: RepackStats::default(),
        }
    }

    /// What was written so far.
    pub fn stats(&self) -> RepackStats {
        self.stats
    }

    /// Hands back the writer once the stream is complete.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn write(&mut self, bytes: &[u8]) -> Result<()> {
        write_out(&mut self.out, bytes)
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
        match &mut pending.spool {
            Some(spool) => spool.write_all(bytes).map_err(spool_error),
            None => self.write(bytes),
        }
    }

    /// Writes a collected tar mail member: header, data, padding.
    fn write_spooled(&mut self, pending: Pending, entry: &RawEntry, padding: &[u8]) -> Result<()> {
        let Pending {
            member,
            spool,
            size,
            messages,
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
            let header = entry.header_with_size(size);
            self.write(&header)?;
        }
        spool.rewind().map_err(spool_error)?;
        io::copy(&mut (&mut spool).take(size), &mut WriteOut(&mut self.out)).map_err(|e| {
            if e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
                crate::container::io_to_error(e)
            } else {
                spool_error(e)
            }
        })?;
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
}

fn write_out(out: &mut impl Write, bytes: &[u8]) -> Result<()> {
    out.write_all(bytes)
        .map_err(|e| Error::new(ErrorKind::Write(e)))
}

fn spool_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(io::Error::new(
        e.kind(),
        format!("spool file: {e}"),
    )))
}

/// Adapts the output to `io::copy`, tagging its errors as output errors.
struct WriteOut<'a, W>(&'a mut W);

impl<W: Write> Write for WriteOut<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .write(buf)
            .map_err(|e| Error::new(ErrorKind::Write(e)).into_io())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl<W: Write, P: Borrow<Outcome>> Sink<P> for Repacker<W> {
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        let spool = match &member.entry {
            Some(_) if member.format.is_mail() => Some(match &self.spool_dir {
                Some(dir) => tempfile::spooled_tempfile_in(SPOOL_IN_MEMORY, dir),
                None => tempfile::spooled_tempfile(SPOOL_IN_MEMORY),
            }),
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
            messages: 0,
        });
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.member_bytes(bytes)
    }

    fn message(&mut self, message: Message, processed: P) -> Result<()> {
        match processed.borrow() {
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
                self.write(padding)
            }
            (None, _) => {
                self.stats.members += 1;
                Ok(())
            }
        }
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        self.write_zero_blocks(zero_blocks)
    }

    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        self.write(bytes)
    }
}
