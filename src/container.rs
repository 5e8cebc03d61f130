//! The outer container: compression detected by magic bytes, decoders and encoders.
//!
//! A backup is one byte stream, possibly compressed with gzip (one or many
//! members) or zstd (one or many frames, skippable frames too). This module
//! sniffs the compression from the first bytes, never from the file name, and
//! tells whether the decompressed stream is a tar archive or a bare mailbox.
//! On the way out it re-applies the same kind of compression with fixed
//! parameters, so the same input always gives the same output bytes.

use std::fmt;
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};

use serde::Serialize;

use crate::error::{Error, ErrorKind, Result};

/// Size of the buffers between the stages of the reader.
const BUF_SIZE: usize = 256 * 1024;

/// Compression of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    /// Not compressed.
    None,
    /// gzip (RFC 1952), possibly several concatenated members.
    Gzip,
    /// Zstandard, possibly several frames.
    Zstd,
}

impl Compression {
    /// The level used when the user names none: zstd 3 and gzip 6, the
    /// defaults of the reference tools.
    pub fn default_level(self) -> i32 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 6,
            Compression::Zstd => 3,
        }
    }

    /// The levels the codec accepts.
    pub fn level_range(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Compression::None => 0..=0,
            Compression::Gzip => 0..=9,
            Compression::Zstd => 1..=22,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the decompressed stream holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// A tar archive of members.
    Tar,
    /// A bare mailbox (an mbox or a single message), one implicit member.
    Bare,
}

/// The detected container of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Container {
    /// The outer compression.
    pub compression: Compression,
    /// Tar archive or bare mailbox.
    pub layout: Layout,
}

/// An opened input: its container and the decompressed byte stream.
pub struct Opened {
    /// What was detected.
    pub container: Container,
    /// The decompressed stream, starting at its first byte.
    pub reader: Box<dyn BufRead + Send>,
}

/// An I/O error of the raw input (as opposed to one of a decoder), tagged so
/// that the tar layer can tell the two apart.
#[derive(Debug)]
struct SourceError(io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

/// Tags every read error of the raw input as a [`SourceError`].
struct TagSourceErrors<R>(R);

impl<R: Read> Read for TagSourceErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), SourceError(e)))
    }
}

/// Maps the errors of a decoder to [`ErrorKind::Decompress`] (or to
/// [`ErrorKind::Read`] when the raw input itself failed).
struct TagDecodeErrors<R> {
    inner: R,
    codec: &'static str,
}

/// The error a decoding reader returns; `into_error_kind` recovers it.
#[derive(Debug)]
struct DecodeError {
    codec: &'static str,
    source: io::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt or truncated {} stream: {}",
            self.codec, self.source
        )
    }
}

impl std::error::Error for DecodeError {}

impl<R: Read> Read for TagDecodeErrors<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if is_source_error(&e) {
                e
            } else {
                let kind = e.kind();
                io::Error::new(
                    kind,
                    DecodeError {
                        codec: self.codec,
                        source: e,
                    },
                )
            }
        })
    }
}

fn is_source_error(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<SourceError>())
}

/// Turns an I/O error met while reading the decompressed stream into the
/// pipeline's error kind: a decoder failure, or a failure of the input.
pub fn read_error_kind(e: io::Error) -> ErrorKind {
    if !e.get_ref().is_some_and(|inner| inner.is::<DecodeError>()) {
        return ErrorKind::Read(e);
    }
    let kind = e.kind();
    match e.into_inner().map(|inner| inner.downcast::<DecodeError>()) {
        Some(Ok(decode)) => ErrorKind::Decompress {
            codec: decode.codec,
            source: decode.source,
        },
        _ => ErrorKind::Read(io::Error::from(kind)),
    }
}

/// Turns an I/O error from a reader of the pipeline back into a pipeline
/// error: one that a reader wrapped with [`Error::into_io`] keeps its kind
/// and position.
pub fn io_to_error(e: io::Error) -> Error {
    if !e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return Error::new(read_error_kind(e));
    }
    let kind = e.kind();
    match e.into_inner().map(|inner| inner.downcast::<Error>()) {
        Some(Ok(error)) => *error,
        _ => Error::new(ErrorKind::Read(io::Error::from(kind))),
    }
}

/// Reads up to `n` bytes (fewer only at end of stream).
fn peek_n(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Detects the compression from the first bytes of a stream.
pub fn sniff_compression(head: &[u8]) -> Compression {
    const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
    if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&ZSTD_MAGIC) || is_zstd_skippable(head) {
        Compression::Zstd
    } else {
        Compression::None
    }
}

/// Skippable frames have the magic 0x184D2A50..=0x184D2A5F (little endian).
fn is_zstd_skippable(head: &[u8]) -> bool {
    head.len() >= 4 && head[0] & 0xf0 == 0x50 && head[1..4] == [0x2a, 0x4d, 0x18]
}

/// True when a 512-byte block is a plausible tar header: ustar magic, or an
/// all-zero end-of-archive block, or a valid checksum (pre-POSIX tar).
pub fn looks_like_tar(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    let block = &block[..512];
    block[257..262] == *b"ustar"
        || block.iter().all(|&b| b == 0)
        || crate::archive::checksum_matches(block)
}

/// Opens an input stream: detects compression and layout and returns the
/// decompressed stream, with nothing consumed from the caller's point of
/// view. An empty stream is an error.
pub fn open(input: Box<dyn Read + Send>) -> Result<Opened> {
    open_with(input, false)
}

/// [`open`], where `allow_empty` makes an empty stream (or one that
/// decompresses to nothing) an empty bare mailbox: what a scrub writes when
/// it deletes every message of a bare mailbox.
pub fn open_with(input: Box<dyn Read + Send>, allow_empty: bool) -> Result<Opened> {
    let empty = || Opened {
        container: Container {
            compression: Compression::None,
            layout: Layout::Bare,
        },
        reader: Box::new(Cursor::new(Vec::new())),
    };
    let mut raw = TagSourceErrors(input);
    let head = peek_n(&mut raw, 4).map_err(|e| Error::at(read_error_kind(e), 0))?;
    if head.is_empty() {
        return match allow_empty {
            true => Ok(empty()),
            false => Err(Error::at(ErrorKind::EmptyInput, 0)),
        };
    }
    let compression = sniff_compression(&head);
    let raw = BufReader::with_capacity(BUF_SIZE, Cursor::new(head).chain(raw));
    let mut decoded: Box<dyn Read + Send> = match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(TagDecodeErrors {
            inner: flate2::bufread::MultiGzDecoder::new(raw),
            codec: "gzip",
        }),
        Compression::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(raw).map_err(|e| {
                Error::at(
                    ErrorKind::Decompress {
                        codec: "zstd",
                        source: e,
                    },
                    0,
                )
            })?;
            decoder.window_log_max(31).map_err(|e| {
                Error::at(
                    ErrorKind::Decompress {
                        codec: "zstd",
                        source: e,
                    },
                    0,
                )
            })?;
            Box::new(TagDecodeErrors {
                inner: decoder,
                codec: "zstd",
            })
        }
    };
    let first_block = peek_n(&mut decoded, 512).map_err(|e| Error::at(read_error_kind(e), 0))?;
    if first_block.is_empty() {
        return match allow_empty {
            true => Ok(Opened {
                container: Container {
                    compression,
                    layout: Layout::Bare,
                },
                ..empty()
            }),
            false => Err(Error::at(ErrorKind::EmptyInput, 0)),
        };
    }
    let layout = if looks_like_tar(&first_block) {
        Layout::Tar
    } else {
        Layout::Bare
    };
    let reader = BufReader::with_capacity(BUF_SIZE, Cursor::new(first_block).chain(decoded));
    Ok(Opened {
        container: Container {
            compression,
            layout,
        },
        reader: Box::new(reader),
    })
}

/// How the output is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputCompression {
    /// The codec.
    pub compression: Compression,
    /// The level, within [`Compression::level_range`].
    pub level: i32,
}

impl OutputCompression {
    /// The codec at its default level.
    pub fn with_default_level(compression: Compression) -> Self {
        OutputCompression {
            compression,
            level: compression.default_level(),
        }
    }
}

/// A compressing writer with an explicit, checked `finish`.
pub enum Encoder<W: Write> {
    /// No compression.
    Plain(W),
    /// gzip, one member, no file name, mtime 0: deterministic.
    Gzip(flate2::write::GzEncoder<W>),
    /// zstd with a content checksum, in the library's multi-threaded mode
    /// whatever the worker count, whose output does not depend on the number
    /// of workers: deterministic across machines.
    Zstd(zstd::stream::write::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    /// Wraps `writer` in the requested compression.
    pub fn new(writer: W, output: OutputCompression) -> io::Result<Self> {
        Ok(match output.compression {
            Compression::None => Encoder::Plain(writer),
            Compression::Gzip => Encoder::Gzip(flate2::write::GzEncoder::new(
                writer,
                flate2::Compression::new(output.level.clamp(0, 9) as u32),
            )),
            Compression::Zstd => {
                let mut encoder = zstd::stream::write::Encoder::new(writer, output.level)?;
                encoder.include_checksum(true)?;
                encoder.multithread(zstd_workers())?;
                encoder.set_parameter(zstd::stream::raw::CParameter::JobSize(ZSTD_JOB_SIZE))?;
                Encoder::Zstd(encoder)
            }
        })
    }

    /// Flushes the compressor's trailer and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

/// Bytes per zstd job. The library's default (four times the window,
/// 8 MiB at level 3) keeps about 60 MiB in flight with two workers; 1 MiB
/// jobs keep it near 10 MiB, for 0.1% more output on the benchmark corpus.
/// A fixed job size also keeps the output independent of the worker count.
const ZSTD_JOB_SIZE: u32 = 1 << 20;

/// Worker threads for zstd: the cores of the machine (at least one, so that
/// the multi-threaded format is always used).
fn zstd_workers() -> u32 {
    std::thread::available_parallelism().map_or(1, |n| n.get() as u32)
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(buf),
            Encoder::Gzip(e) => e.write(buf),
            Encoder::Zstd(e) => e.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.write_all(buf),
            Encoder::Gzip(e) => e.write_all(buf),
            Encoder::Zstd(e) => e.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compress(data: &[u8], compression: Compression) -> Vec<u8> {
        let mut enc = Encoder::new(
            Vec::new(),
            OutputCompression::with_default_level(compression),
        )
        .unwrap();
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(opened: Opened) -> Vec<u8> {
        let mut out = Vec::new();
        let mut reader = opened.reader;
        reader.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn sniffs_and_decodes_each_codec() {
        let data = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n".repeat(50);
        for compression in [Compression::None, Compression::Gzip, Compression::Zstd] {
            let opened = open(Box::new(Cursor::new(compress(&data, compression)))).unwrap();
            assert_eq!(opened.container.compression, compression);
            assert_eq!(opened.container.layout, Layout::Bare);
            assert_eq!(read_all(opened), data);
        }
    }

    #[test]
    fn concatenated_members_and_frames_are_read_whole() {
        for compression in [Compression::Gzip, Compression::Zstd] {
            let mut joined = compress(b"first half, ", compression);
            joined.extend(compress(b"second half", compression));
            let opened = open(Box::new(Cursor::new(joined))).unwrap();
            assert_eq!(read_all(opened), b"first half, second half");
        }
    }

    #[test]
    fn zero_block_is_a_tar() {
        let opened = open(Box::new(Cursor::new(vec![0u8; 1024]))).unwrap();
        assert_eq!(opened.container.layout, Layout::Tar);
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = open(Box::new(Cursor::new(Vec::new()))).err().unwrap();
        assert!(matches!(err.kind(), ErrorKind::EmptyInput));
        let err = open(Box::new(Cursor::new(compress(b"", Compression::Zstd))))
            .err()
            .unwrap();
        assert!(matches!(err.kind(), ErrorKind::EmptyInput));
    }

    #[test]
    fn truncated_gzip_is_a_decompress_error() {
        let data = compress(&b"x".repeat(10_000), Compression::Gzip);
        let cut = data[..data.len() - 6].to_vec();
        let opened = open(Box::new(Cursor::new(cut))).unwrap();
        let mut reader = opened.reader;
        let err = reader.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(matches!(
            read_error_kind(err),
            ErrorKind::Decompress { codec: "gzip", .. }
        ));
    }

    #[test]
    fn zstd_output_is_deterministic() {
        let data = b"The same bytes in, the same bytes out. ".repeat(10_000);
        assert_eq!(
            compress(&data, Compression::Zstd),
            compress(&data, Compression::Zstd)
        );
    }
}
