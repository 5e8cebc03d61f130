//! The reading side of the pipeline: one decompressed stream in, a sequence
//! of `Event`s out.
//!
//! Members that hold mail are cut into messages; everything else streams
//! through as raw chunks. Nothing is held whole: a pass-through member goes
//! by in chunks of `CHUNK` bytes, a mail member one message at a time.

use std::io::{Cursor, Read};
use std::sync::Arc;

use crate::error::io_to_error;
use crate::error::{Error, ErrorKind, Result};
use crate::input::container::{Layout, Opened};
use crate::input::tar::{EntryData, EntryKind, Item, RawEntry, TarReader};
use crate::mailbox::mbox::{Chunk, Splitter};
use crate::mailbox::{self, MailboxFormat, Message};
use crate::readers::read_full;

/// Size of the chunks in which pass-through data travels.
pub(crate) const CHUNK: usize = 256 * 1024;

/// Most bytes reserved at a time for a one-message member, whatever its tar
/// header announces, until that much has arrived; past it a message buffer
/// grows by an eighth of what it holds.
const PREALLOCATE: usize = 16 << 20;

/// The first reservation for a one-message member of unknown size.
const FIRST_STEP: usize = 64 << 10;

/// One member of the input: a tar entry, or the whole of a bare mailbox.
#[derive(Debug)]
pub struct Member {
    /// The tar entry with its raw header bytes; `None` for a bare mailbox.
    pub entry: Option<RawEntry>,
    /// The member path (for a bare mailbox, the input's name).
    pub path: Vec<u8>,
    /// File, directory, link, ...
    pub kind: EntryKind,
    /// Its mailbox format ([`MailboxFormat::Other`] for non-mail).
    pub format: MailboxFormat,
    /// Bytes of data, if known up front (always for tar entries).
    pub size: Option<u64>,
}

impl Member {
    /// The member path for display (lossy UTF-8).
    pub(crate) fn display_path(&self) -> String {
        String::from_utf8_lossy(&self.path).into_owned()
    }
}

/// What the reader produces, in stream order.
#[derive(Debug)]
pub(crate) enum Event {
    /// A member begins.
    MemberStart(Arc<Member>),
    /// Bytes of the current member that are not a message: the data of a
    /// non-mail member, or an mbox preamble.
    Data(Vec<u8>),
    /// A message of the current member.
    Message(Message),
    /// The current member ends; `padding` is the tar padding as read.
    MemberEnd {
        /// Bytes after the data up to the next block boundary.
        padding: Vec<u8>,
    },
    /// The tar end-of-archive marker: this many zero blocks.
    ArchiveEnd {
        /// Zero blocks from the marker on.
        zero_blocks: u64,
    },
    /// Bytes after the end-of-archive zero blocks.
    Trailer(Vec<u8>),
}

impl Event {
    /// Bytes of payload the event carries, for batching by size.
    pub(crate) fn weight(&self) -> usize {
        match self {
            Event::Data(bytes) | Event::Trailer(bytes) => bytes.len(),
            Event::Message(message) => message.bytes.len(),
            Event::MemberEnd { padding } => padding.len(),
            Event::MemberStart(member) => member.entry.as_ref().map_or(0, |e| e.header.len()),
            Event::ArchiveEnd { .. } => 0,
        }
    }
}

/// Settings of the reader.
#[derive(Debug, Clone)]
pub(crate) struct ReadOptions {
    /// Largest message accepted; a larger one is an error that names it.
    pub(crate) max_message_size: u64,
    /// The name a bare mailbox gets as its member path.
    pub(crate) input_name: Vec<u8>,
    /// An empty bare input is an empty mailbox rather than an error (for
    /// reading back a scrub's output).
    pub(crate) allow_empty: bool,
}

/// Reads the whole input and pushes its events to `emit`, in order.
pub(crate) fn read_events(
    opened: Opened,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    match opened.container.layout {
        Layout::Tar => read_tar(TarReader::new(opened.reader), options, emit),
        Layout::Bare => read_bare(opened.reader, options, emit),
    }
}

fn read_tar<R: std::io::BufRead>(
    mut tar: TarReader<R>,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    loop {
        match tar.next_item()? {
            Item::Entry(entry) => read_entry(&mut tar, entry, options, emit)?,
            Item::End { zero_blocks } => {
                emit(Event::ArchiveEnd { zero_blocks })?;
                let mut buf = vec![0u8; CHUNK];
                loop {
                    let n = tar.read_trailer(&mut buf)?;
                    if n == 0 {
                        return Ok(());
                    }
                    emit(Event::Trailer(buf[..n].to_vec()))?;
                }
            }
        }
    }
}

fn read_entry<R: std::io::BufRead>(
    tar: &mut TarReader<R>,
    entry: RawEntry,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    let kind = entry.kind();
    let mut head = Vec::new();
    let format = if kind == EntryKind::File {
        EntryData(tar)
            .take(mailbox::SNIFF_LEN as u64)
            .read_to_end(&mut head)
            .map_err(io_to_error)?;
        mailbox::classify_member(&entry.path, &head)
    } else {
        MailboxFormat::Other
    };
    let data_offset = entry.data_offset();
    let member = Arc::new(Member {
        path: entry.path.clone(),
        kind,
        format,
        size: Some(entry.size),
        entry: Some(entry),
    });
    emit(Event::MemberStart(Arc::clone(&member)))?;
    let data = Cursor::new(head).chain(EntryData(tar));
    read_member_data(data, &member, data_offset, options, emit)
        .map_err(|e| e.with_member(&member.path))?;
    let padding = tar.read_padding()?;
    emit(Event::MemberEnd { padding })
}

fn read_bare(
    mut reader: Box<dyn std::io::BufRead + Send>,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    let head = reader.fill_buf().map_err(io_to_error)?;
    let head = &head[..head.len().min(mailbox::SNIFF_LEN)];
    let format = match mailbox::classify_bare(head) {
        Some(format) => format,
        None if head.is_empty() && options.allow_empty => MailboxFormat::Mbox,
        None => return Err(Error::at(ErrorKind::NotABackup, 0)),
    };
    let member = Arc::new(Member {
        entry: None,
        path: options.input_name.clone(),
        kind: EntryKind::File,
        format,
        size: None,
    });
    emit(Event::MemberStart(Arc::clone(&member)))?;
    read_member_data(reader, &member, 0, options, emit)?;
    emit(Event::MemberEnd {
        padding: Vec::new(),
    })
}

/// Emits a member's data: messages for mail, raw chunks otherwise.
fn read_member_data(
    data: impl Read,
    member: &Member,
    data_offset: u64,
    options: &ReadOptions,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    match member.format {
        MailboxFormat::Cache | MailboxFormat::Other => read_chunks(data, emit),
        MailboxFormat::Mbox => {
            let mut splitter = Splitter::new(data, options.max_message_size, data_offset);
            while let Some(chunk) = splitter.next_chunk()? {
                emit(match chunk {
                    Chunk::Preamble(bytes) => Event::Data(bytes),
                    Chunk::Message(message) => Event::Message(message),
                })?;
            }
            Ok(())
        }
        MailboxFormat::Maildir | MailboxFormat::Mh | MailboxFormat::Eml => {
            read_one_message(data, member, data_offset, options.max_message_size, emit)
        }
    }
}

/// A member that holds no mail, as chunks of at most [`CHUNK`] bytes.
fn read_chunks(mut data: impl Read, emit: &mut dyn FnMut(Event) -> Result<()>) -> Result<()> {
    // Chunks are allocated at the size read: a batch is cut by the bytes it
    // carries, so it must not hold more than it counts.
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = read_full(&mut data, &mut buf).map_err(|p| io_to_error(p.error))?;
        if n == 0 {
            return Ok(());
        }
        emit(Event::Data(buf[..n].to_vec()))?;
    }
}

/// A one-message member (Maildir, MH, `.eml`): its message, unless it is
/// empty; larger than `limit` bytes is an error.
fn read_one_message(
    data: impl Read,
    member: &Member,
    data_offset: u64,
    limit: u64,
    emit: &mut dyn FnMut(Event) -> Result<()>,
) -> Result<()> {
    let announced = member.size.map(|size| size.min(limit.saturating_add(1)));
    let bytes = read_message(&mut data.take(limit.saturating_add(1)), announced)?;
    if bytes.len() as u64 > limit {
        return Err(Error::at(
            ErrorKind::MessageTooLarge {
                size: member.size.unwrap_or(bytes.len() as u64),
                limit,
            },
            data_offset,
        )
        .with_message(0));
    }
    // An empty file holds no message (as an empty mbox holds none).
    if bytes.is_empty() {
        return Ok(());
    }
    emit(Event::Message(Message::single(bytes)))
}

/// Reads a one-message member whole. The buffer grows in steps that
/// arrive filled: up to exactly the `announced` size (a tar header's), at
/// most [`PREALLOCATE`] bytes ahead of what has arrived (a damaged header may
/// announce anything), then by an eighth of what it holds. `read_to_end`
/// alone would double the buffer and zero the part it reads into, so a
/// 100 MB message would hold about 134 MB.
fn read_message(data: &mut impl Read, announced: Option<u64>) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    let mut announced = announced.and_then(|size| usize::try_from(size).ok());
    loop {
        let have = bytes.len();
        let grow = if have < PREALLOCATE {
            have.max(FIRST_STEP)
        } else {
            have / 8
        };
        let step = match announced {
            Some(size) if size > have => (size - have).min(grow),
            Some(_) => {
                // All that was announced is here: only the end may follow.
                let mut probe = [0u8; 512];
                let n = read_full(data, &mut probe).map_err(|p| io_to_error(p.error))?;
                if n == 0 {
                    return Ok(bytes);
                }
                bytes.extend_from_slice(&probe[..n]);
                announced = None;
                continue;
            }
            None => grow,
        };
        bytes.reserve_exact(step);
        let n = data
            .take(step as u64)
            .read_to_end(&mut bytes)
            .map_err(io_to_error)?;
        if n < step {
            bytes.shrink_to_fit();
            return Ok(bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that hands out at most `chunk` bytes per call.
    struct Trickle<'a> {
        data: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.chunk).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_message_buffer_is_the_size_of_the_message() {
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        for chunk in [1 << 20, 8191] {
            let read = |announced: Option<u64>, len: usize| {
                let mut r = Trickle {
                    data: &data[..len],
                    chunk,
                };
                read_message(&mut r, announced).unwrap()
            };
            // Announced and true: exactly that much is reserved.
            let got = read(Some(data.len() as u64), data.len());
            assert_eq!(got, data);
            assert_eq!(got.capacity(), data.len());
            // Announced too little or too much: still every byte, and no
            // more room than the bytes need.
            for (announced, len) in [(1000, data.len()), (5_000_000, 1_234_567), (0, 10)] {
                let got = read(Some(announced), len);
                assert_eq!(got, &data[..len]);
                assert_eq!(got.capacity(), len);
            }
            let got = read(None, data.len());
            assert_eq!(got, data);
            assert_eq!(got.capacity(), data.len());
            assert!(read(None, 0).is_empty());
        }
    }
}
