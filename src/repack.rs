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
    /// Line feeds not preceded by a carriage return: the size with CRLF
    /// line ends (Maildir `,W=`) is `size + bare_lf`.
    bare_lf: u64,
    last_was_cr: bool,
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
        let mut prev_cr = pending.last_was_cr;
        for &b in bytes {
            if b == b'\n' && !prev_cr {
                pending.bare_lf += 1;
            }
            prev_cr = b == b'\r';
        }
        pending.last_was_cr = prev_cr;
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
/// path, or for a Maildir file the same path but for its size fields.
pub fn same_member_path(input: &Member, output: &Member) -> bool {
    input.path == output.path
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
