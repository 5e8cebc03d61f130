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

use crate::error::{
    DecodeError, Error, ErrorKind, Refused, Result, SourceError, is_source_error, read_error_kind,
};

/// Size of the buffers between the stages of the reader.
const BUF_SIZE: usize = 256 * 1024;

/// Default of the largest zstd window a decoder may allocate: 128 MiB, the
/// limit of the `zstd` command itself (window log 27). Frames made with
/// `zstd --long=31` or `--ultra` levels need more; a frame may declare up to
/// 2 GiB (or, as a single segment, its content size), and a decoder holds the
/// whole window in memory.
pub(crate) const DEFAULT_MAX_WINDOW: u64 = 128 << 20;

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
    pub(crate) fn default_level(self) -> i32 {
        match self {
            Compression::None => 0,
            Compression::Gzip => 6,
            Compression::Zstd => 3,
        }
    }

    /// The levels the codec accepts.
    pub(crate) fn level_range(self) -> std::ops::RangeInclusive<i32> {
        match self {
            Compression::None => 0..=0,
            Compression::Gzip => 0..=9,
            Compression::Zstd => 1..=22,
        }
    }

    /// The compression as messages name it: `uncompressed`, `gzip`, `zstd`
    /// (the `none` of the manifest and of `--compress` reads badly in a
    /// sentence).
    pub fn describe(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }

    /// [`Compression::level_range`] in words, for messages: `levels 1 to
    /// 22`, `level 0 only`.
    pub(crate) fn levels_in_words(self) -> String {
        let range = self.level_range();
        if range.start() == range.end() {
            format!("level {} only", range.start())
        } else {
            format!("levels {} to {}", range.start(), range.end())
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

/// Reads up to `n` bytes (fewer only at end of stream).
fn peek_n(reader: &mut dyn Read, n: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    reader.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Detects the compression from the first bytes of a stream.
pub(crate) fn sniff_compression(head: &[u8]) -> Compression {
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
pub(crate) fn looks_like_tar(block: &[u8]) -> bool {
    if block.len() < 512 {
        return false;
    }
    let block = &block[..512];
    block[257..262] == *b"ustar"
        || block.iter().all(|&b| b == 0)
        || super::block::checksum_matches(block)
}

/// Opens an input stream: detects compression and layout and returns the
/// decompressed stream, with nothing consumed from the caller's point of
/// view. An empty stream is an error. A zstd frame whose window exceeds
/// `max_window` bytes ([`DEFAULT_MAX_WINDOW`] unless the user chose another)
/// is refused with [`ErrorKind::WindowTooLarge`] before the decoder
/// allocates anything for it.
pub(crate) fn open(input: Box<dyn Read + Send>, max_window: u64) -> Result<Opened> {
    open_with(input, false, max_window)
}

/// `open`, where `allow_empty` makes an empty stream (or one that
/// decompresses to nothing) an empty bare mailbox: what a scrub writes when
/// it deletes every message of a bare mailbox.
pub fn open_with(
    input: Box<dyn Read + Send>,
    allow_empty: bool,
    max_window: u64,
) -> Result<Opened> {
    let mut raw = TagSourceErrors(input);
    let head = peek_n(&mut raw, 4).map_err(|e| Error::at(read_error_kind(e), 0))?;
    if head.is_empty() {
        return empty_input(Compression::None, allow_empty);
    }
    let compression = sniff_compression(&head);
    let raw = BufReader::with_capacity(BUF_SIZE, Cursor::new(head).chain(raw));
    let mut decoded = decoder(compression, raw, max_window)?;
    let first_block = peek_n(&mut decoded, 512).map_err(|e| Error::at(read_error_kind(e), 0))?;
    if first_block.is_empty() {
        return empty_input(compression, allow_empty);
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

/// An input that is empty (or decompresses to nothing): an empty bare
/// mailbox when `allow_empty`, else an error.
fn empty_input(compression: Compression, allow_empty: bool) -> Result<Opened> {
    if !allow_empty {
        return Err(Error::at(ErrorKind::EmptyInput, 0));
    }
    Ok(Opened {
        container: Container {
            compression,
            layout: Layout::Bare,
        },
        reader: Box::new(Cursor::new(Vec::new())),
    })
}

/// The decompressed stream of `raw` for its sniffed `compression`, read
/// errors of the decoder tagged with its codec.
fn decoder(
    compression: Compression,
    raw: impl BufRead + Send + 'static,
    max_window: u64,
) -> Result<Box<dyn Read + Send>> {
    Ok(match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(TagDecodeErrors {
            inner: flate2::bufread::MultiGzDecoder::new(raw),
            codec: "gzip",
        }),
        Compression::Zstd => Box::new(TagDecodeErrors {
            inner: zstd_decoder(raw, max_window)?,
            codec: "zstd",
        }),
    })
}

/// The zstd decoder of `raw`, behind the guard that refuses a frame whose
/// window exceeds `max_window` before the decoder allocates it.
fn zstd_decoder<R: BufRead>(
    raw: R,
    max_window: u64,
) -> Result<zstd::stream::read::Decoder<'static, BufReader<WindowGuard<R>>>> {
    let failed = |source| {
        Error::at(
            ErrorKind::Decompress {
                codec: "zstd",
                source,
            },
            0,
        )
    };
    let guarded = BufReader::with_capacity(BUF_SIZE, WindowGuard::new(raw, max_window));
    let mut decoder = zstd::stream::read::Decoder::with_buffer(guarded).map_err(failed)?;
    // The guard checks every frame; the decoder's own limit (the
    // next power of two) backs it up.
    decoder
        .window_log_max(window_log_for(max_window))
        .map_err(failed)?;
    Ok(decoder)
}

/// The decoder's `window_log_max` for a limit in bytes: the smallest power
/// of two not below it, within what zstd accepts (2^10 to 2^31).
fn window_log_for(max_window: u64) -> u32 {
    let log = 64 - max_window.saturating_sub(1).leading_zeros();
    log.clamp(10, 31)
}

/// Why the [`WindowGuard`] stopped a stream.
#[derive(Debug, Clone, Copy)]
enum Refusal {
    /// A frame's window is above the limit.
    Window {
        window: u64,
        limit: u64,
        frame_offset: u64,
    },
    /// The stream is not a sequence of zstd frames.
    Corrupt { what: &'static str, at: u64 },
}

impl Refusal {
    fn kind(self) -> ErrorKind {
        match self {
            Refusal::Window {
                window,
                limit,
                frame_offset,
            } => ErrorKind::WindowTooLarge {
                window,
                limit,
                frame_offset,
            },
            Refusal::Corrupt { what, at } => ErrorKind::Decompress {
                codec: "zstd",
                source: io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("{what} at byte {at} of the compressed input"),
                ),
            },
        }
    }
}

/// Magic number of a zstd frame (RFC 8878), little endian.
const ZSTD_FRAME_MAGIC: u32 = 0xFD2F_B528;

/// What the [`WindowGuard`] is collecting.
#[derive(Debug, Clone, Copy)]
enum Field {
    /// The 4-byte magic number of the next frame.
    Magic,
    /// The 4-byte Frame_Size of a skippable frame.
    SkippableSize,
    /// The Frame_Header_Descriptor.
    Descriptor,
    /// The rest of the frame header (window descriptor, dictionary id,
    /// content size), after the descriptor `0`.
    Header(u8),
    /// A 3-byte block header; `checksum` is the frame's Content_Checksum_flag.
    Block { checksum: bool },
}

/// Walks the frame structure of a zstd stream on its way to the decoder
/// (headers, block headers and sizes; block contents are not decoded) and
/// refuses a frame whose window exceeds the limit before the decoder sees
/// its header, so nothing is allocated for it. Skippable frames are passed
/// over; anything that is not a frame is refused too, as the decoder's
/// limit does not apply to every legacy format it knows.
struct WindowGuard<R> {
    inner: R,
    limit: u64,
    /// Compressed bytes seen so far.
    offset: u64,
    /// Where the frame being read starts.
    frame_start: u64,
    /// The field being collected, then `need` bytes of it.
    field: Field,
    need: usize,
    buf: [u8; 16],
    have: usize,
    /// Bytes to pass over before the next field.
    skip: u64,
    /// A refusal, returned by every read once met.
    refused: Option<Refusal>,
}

impl<R: Read> WindowGuard<R> {
    fn new(inner: R, limit: u64) -> Self {
        WindowGuard {
            inner,
            limit,
            offset: 0,
            frame_start: 0,
            field: Field::Magic,
            need: 4,
            buf: [0; 16],
            have: 0,
            skip: 0,
            refused: None,
        }
    }

    fn expect(&mut self, field: Field, need: usize) {
        self.field = field;
        self.need = need;
        self.have = 0;
    }

    /// The next frame starts after `skip` more bytes.
    fn next_frame(&mut self, skip: u64) {
        self.skip = skip;
        self.frame_start = self.offset + skip;
        self.expect(Field::Magic, 4);
    }

    fn corrupt(&self, what: &'static str) -> Refusal {
        Refusal::Corrupt {
            what,
            at: self.frame_start,
        }
    }

    /// Follows the frame structure through `bytes`.
    fn walk(&mut self, mut bytes: &[u8]) -> std::result::Result<(), Refusal> {
        while !bytes.is_empty() {
            if self.skip > 0 {
                let n = usize::try_from(self.skip).map_or(bytes.len(), |s| s.min(bytes.len()));
                self.skip -= n as u64;
                self.offset += n as u64;
                bytes = &bytes[n..];
                continue;
            }
            let n = (self.need - self.have).min(bytes.len());
            self.buf[self.have..self.have + n].copy_from_slice(&bytes[..n]);
            self.have += n;
            self.offset += n as u64;
            bytes = &bytes[n..];
            if self.have == self.need {
                self.field_done()?;
            }
        }
        Ok(())
    }

    /// Acts on a complete field.
    fn field_done(&mut self) -> std::result::Result<(), Refusal> {
        let buf = self.buf;
        let field = &buf[..self.need];
        match self.field {
            Field::Magic => self.magic_done(little_endian(field) as u32)?,
            Field::SkippableSize => self.next_frame(little_endian(field)),
            Field::Descriptor => {
                let descriptor = field[0];
                let single_segment = descriptor & 0x20 != 0;
                let window = usize::from(!single_segment);
                let dictionary = [0, 1, 2, 4][usize::from(descriptor & 3)];
                self.expect(
                    Field::Header(descriptor),
                    window + dictionary + content_size_len(descriptor),
                );
            }
            Field::Header(descriptor) => self.header_done(descriptor, field)?,
            Field::Block { checksum } => self.block_done(checksum, little_endian(field))?,
        }
        Ok(())
    }

    /// A frame's magic number: a zstd frame or a skippable one, else no
    /// frame at all.
    fn magic_done(&mut self, magic: u32) -> std::result::Result<(), Refusal> {
        if magic == ZSTD_FRAME_MAGIC {
            self.expect(Field::Descriptor, 1);
        } else if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
            self.expect(Field::SkippableSize, 4);
        } else {
            return Err(self.corrupt("no zstd frame"));
        }
        Ok(())
    }

    /// The rest of a frame header (window descriptor, dictionary id,
    /// content size) after `descriptor`: the window it asks for is refused
    /// above the limit.
    fn header_done(&mut self, descriptor: u8, field: &[u8]) -> std::result::Result<(), Refusal> {
        let window = if descriptor & 0x20 != 0 {
            let size = &field[field.len() - content_size_len(descriptor)..];
            little_endian(size) + if size.len() == 2 { 256 } else { 0 }
        } else {
            let exponent = u32::from(field[0] >> 3);
            let base = 1u64 << (10 + exponent);
            base + base / 8 * u64::from(field[0] & 7)
        };
        if window > self.limit {
            return Err(Refusal::Window {
                window,
                limit: self.limit,
                frame_offset: self.frame_start,
            });
        }
        let checksum = descriptor & 0x04 != 0;
        self.expect(Field::Block { checksum }, 3);
        Ok(())
    }

    /// A block header: its body is passed over, then the next block, or
    /// after the last one the frame's checksum and the next frame.
    fn block_done(&mut self, checksum: bool, header: u64) -> std::result::Result<(), Refusal> {
        let last = header & 1 != 0;
        let size = header >> 3;
        let body = match (header >> 1) & 3 {
            0 | 2 => size,
            1 => 1,
            _ => return Err(self.corrupt("reserved block type in the zstd frame")),
        };
        if last {
            self.next_frame(body + if checksum { 4 } else { 0 });
        } else {
            self.skip = body;
            self.expect(Field::Block { checksum }, 3);
        }
        Ok(())
    }
}

/// The little-endian number in `bytes` (at most 8 of them).
fn little_endian(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// Bytes of the Frame_Content_Size field a frame header descriptor announces.
fn content_size_len(descriptor: u8) -> usize {
    match descriptor >> 6 {
        0 => usize::from(descriptor & 0x20 != 0),
        1 => 2,
        2 => 4,
        _ => 8,
    }
}

impl<R: Read> Read for WindowGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let refused = |r: Refusal| io::Error::new(io::ErrorKind::InvalidData, Refused(r.kind()));
        if let Some(refusal) = self.refused {
            return Err(refused(refusal));
        }
        let start = self.offset;
        let n = self.inner.read(buf)?;
        if let Err(refusal) = self.walk(&buf[..n]) {
            self.refused = Some(refusal);
            // The frames before the refused one still reach the decoder.
            let before = self.frame_start.saturating_sub(start);
            if before > 0 {
                return Ok(usize::try_from(before).map_or(n, |b| b.min(n)));
            }
            return Err(refused(refusal));
        }
        Ok(n)
    }
}

/// How the output is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputCompression {
    /// The codec.
    pub compression: Compression,
    /// The level, within `Compression::level_range`.
    pub level: i32,
}

impl OutputCompression {
    #[cfg(test)]
    /// The codec at its default level.
    pub(crate) fn with_default_level(compression: Compression) -> Self {
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
            let opened = open(
                Box::new(Cursor::new(compress(&data, compression))),
                DEFAULT_MAX_WINDOW,
            )
            .unwrap();
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
            let opened = open(Box::new(Cursor::new(joined)), DEFAULT_MAX_WINDOW).unwrap();
            assert_eq!(read_all(opened), b"first half, second half");
        }
    }

    #[test]
    fn zero_block_is_a_tar() {
        let opened = open(Box::new(Cursor::new(vec![0u8; 1024])), DEFAULT_MAX_WINDOW).unwrap();
        assert_eq!(opened.container.layout, Layout::Tar);
    }

    #[test]
    fn empty_input_is_an_error() {
        let err = open(Box::new(Cursor::new(Vec::new())), DEFAULT_MAX_WINDOW)
            .err()
            .unwrap();
        assert!(matches!(err.kind(), ErrorKind::EmptyInput));
        let err = open(
            Box::new(Cursor::new(compress(b"", Compression::Zstd))),
            DEFAULT_MAX_WINDOW,
        )
        .err()
        .unwrap();
        assert!(matches!(err.kind(), ErrorKind::EmptyInput));
    }

    #[test]
    fn truncated_gzip_is_a_decompress_error() {
        let data = compress(&b"x".repeat(10_000), Compression::Gzip);
        let cut = data[..data.len() - 6].to_vec();
        let opened = open(Box::new(Cursor::new(cut)), DEFAULT_MAX_WINDOW).unwrap();
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

    /// A frame header with a Window_Descriptor, then one raw last block.
    fn windowed_frame(exponent: u8, mantissa: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0x00, (exponent << 3) | mantissa];
        let header = ((content.len() as u32) << 3) | 1;
        out.extend_from_slice(&header.to_le_bytes()[..3]);
        out.extend_from_slice(content);
        out
    }

    fn skippable(size: u32) -> Vec<u8> {
        let mut out = vec![0x5e, 0x2a, 0x4d, 0x18];
        out.extend_from_slice(&size.to_le_bytes());
        out.resize(8 + size as usize, 0xa5);
        out
    }

    /// The first error of opening and reading `bytes` whole.
    fn first_error(bytes: Vec<u8>, max_window: u64) -> Error {
        match open(Box::new(Cursor::new(bytes)), max_window) {
            Ok(opened) => {
                let mut reader = opened.reader;
                let e = reader.read_to_end(&mut Vec::new()).unwrap_err();
                Error::new(read_error_kind(e))
            }
            Err(err) => err,
        }
    }

    fn read_whole(bytes: Vec<u8>, max_window: u64) -> Vec<u8> {
        read_all(open(Box::new(Cursor::new(bytes)), max_window).unwrap())
    }

    #[test]
    fn window_above_the_limit_is_refused_with_its_size_and_offset() {
        let mail = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n";
        // 2 GiB, then 128 MiB + 1/8.
        for (exponent, mantissa, window) in [(21, 0, 1u64 << 31), (17, 1, 144 << 20)] {
            let err = first_error(windowed_frame(exponent, mantissa, mail), DEFAULT_MAX_WINDOW);
            match err.kind() {
                ErrorKind::WindowTooLarge {
                    window: w,
                    limit,
                    frame_offset: 0,
                } => assert_eq!((*w, *limit), (window, DEFAULT_MAX_WINDOW)),
                other => panic!("{other}"),
            }
            assert!(err.to_string().contains("--max-window"), "{err}");
        }
        // A later frame: its offset is reported, the first frame's bytes came through.
        let mut two = compress(&mail.repeat(20), Compression::Zstd);
        let second = two.len() as u64;
        two.extend(windowed_frame(21, 0, mail));
        let mut reader = open(Box::new(Cursor::new(two)), DEFAULT_MAX_WINDOW)
            .unwrap()
            .reader;
        let mut got = Vec::new();
        let err = read_error_kind(reader.read_to_end(&mut got).unwrap_err());
        assert!(
            matches!(err, ErrorKind::WindowTooLarge { frame_offset, .. } if frame_offset == second),
            "{err}"
        );
    }

    #[test]
    fn window_at_the_limit_and_a_raised_limit_are_accepted() {
        let mail = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n".to_vec();
        assert_eq!(
            read_whole(windowed_frame(17, 0, &mail), DEFAULT_MAX_WINDOW),
            mail
        );
        assert_eq!(read_whole(windowed_frame(21, 0, &mail), 1 << 31), mail);
    }

    #[test]
    fn single_segment_window_is_the_content_size() {
        let mail = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n";
        // Single segment, 8-byte content size of 3 GiB; then 2-byte field (+256).
        let mut big = vec![0x28, 0xb5, 0x2f, 0xfd, 0b1110_0000];
        big.extend_from_slice(&(3u64 << 30).to_le_bytes());
        big.extend_from_slice(&(((mail.len() as u32) << 3) | 1).to_le_bytes()[..3]);
        big.extend_from_slice(mail);
        let err = first_error(big, DEFAULT_MAX_WINDOW);
        assert!(
            matches!(err.kind(), ErrorKind::WindowTooLarge { window, .. } if *window == 3 << 30),
            "{err}"
        );
        let err = first_error(big_two_byte(mail), 300);
        assert!(
            matches!(err.kind(), ErrorKind::WindowTooLarge { window, .. } if *window == 256 + 100),
            "{err}"
        );
    }

    /// A single-segment frame whose 2-byte content size field says 100 (+256).
    fn big_two_byte(mail: &[u8]) -> Vec<u8> {
        let mut out = vec![0x28, 0xb5, 0x2f, 0xfd, 0b0110_0000, 100, 0];
        out.extend_from_slice(&(((mail.len() as u32) << 3) | 1).to_le_bytes()[..3]);
        out.extend_from_slice(mail);
        out
    }

    #[test]
    fn skippable_frames_checksums_and_levels_pass_the_guard() {
        let data = b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n\nbody\n".repeat(5000);
        let mut joined = skippable(0);
        let mut want = Vec::new();
        for (i, level) in [1, 3, 19].into_iter().enumerate() {
            let part = &data[i * 1000..];
            let mut enc = zstd::stream::write::Encoder::new(Vec::new(), level).unwrap();
            enc.include_checksum(i % 2 == 0).unwrap();
            enc.include_contentsize(i == 1).unwrap();
            enc.write_all(part).unwrap();
            joined.extend(enc.finish().unwrap());
            joined.extend(skippable(37));
            want.extend_from_slice(part);
        }
        joined.extend(compress(b"", Compression::Zstd));
        assert_eq!(read_whole(joined, DEFAULT_MAX_WINDOW), want);
    }

    #[test]
    fn bytes_after_the_last_frame_are_a_decompress_error() {
        let mut data = compress(
            b"From a@b Mon Jan  1 00:00:00 2024\n\nx\n",
            Compression::Zstd,
        );
        data.extend_from_slice(b"trailing garbage");
        let err = first_error(data, DEFAULT_MAX_WINDOW);
        assert!(
            matches!(err.kind(), ErrorKind::Decompress { codec: "zstd", .. }),
            "{err}"
        );
    }

    #[test]
    fn window_log_for_rounds_up_within_zstd_bounds() {
        assert_eq!(window_log_for(DEFAULT_MAX_WINDOW), 27);
        assert_eq!(window_log_for(DEFAULT_MAX_WINDOW + 1), 28);
        assert_eq!(window_log_for(1), 10);
        assert_eq!(window_log_for(u64::MAX), 31);
    }
}
