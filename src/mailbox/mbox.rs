//! A streaming, byte-exact mbox splitter.
//!
//! Every mbox dialect in the wild (mboxo, mboxrd, mboxcl2, Thunderbird's
//! unquoted files) starts a message with a line beginning `From `. Bodies may
//! hold such lines too, quoted (`>From `) or not, so a `From ` line starts a
//! message only when it opens the file, follows a blank line (other than the
//! one ending the header block), or carries a full envelope date. A valid
//! `Content-Length` header (mboxcl2) is trusted over the body's content.
//!
//! Each message is returned with its exact bytes, from its `From ` line up to
//! the byte before the next one (a separating blank line stays with the
//! message before it). Bytes before the first `From ` line come back as a
//! preamble. Concatenating the chunks gives back the input, byte for byte.
//! Memory is bounded by the largest message.

use std::io::{self, Read};

use super::{Message, field_name, trim_eol};
use crate::error::io_to_error;
use crate::error::{Error, ErrorKind, Result};
use crate::readers::read_some;

/// Bytes read from the member at a time.
const READ_SIZE: usize = 64 * 1024;

/// A chunk of an mbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chunk {
    /// Bytes before the first message (a byte order mark, blank lines).
    Preamble(Vec<u8>),
    /// One message, envelope line included.
    Message(Message),
}

impl Chunk {
    /// The exact bytes of the chunk.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Preamble(bytes) => bytes,
            Chunk::Message(message) => &message.bytes,
        }
    }
}

/// Splits an mbox stream into chunks.
pub struct Splitter<R> {
    src: LineSource<R>,
    limit: u64,
    /// Offset of the member's first byte in the whole stream, for errors.
    base: u64,
    offset: u64,
    index: usize,
    started: bool,
}

impl<R: Read> Splitter<R> {
    /// A splitter over an mbox's bytes; a message over `limit` bytes is an
    /// error. `base` is the offset of the mbox in the whole stream, so that
    /// errors name a position in the input.
    pub fn new(reader: R, limit: u64, base: u64) -> Self {
        Splitter {
            src: LineSource::new(reader),
            limit,
            base,
            offset: 0,
            index: 0,
            started: false,
        }
    }

    /// The next chunk, or `None` at the end of the mbox.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        let start = self.offset;
        let chunk = self
            .split_next()
            .map_err(|e| e.with_offset(self.base + start))?;
        if let Some(chunk) = &chunk {
            self.offset += chunk.bytes().len() as u64;
        }
        Ok(chunk)
    }

    fn split_next(&mut self) -> Result<Option<Chunk>> {
        let mut buf = Vec::new();
        if !self.started {
            self.started = true;
            self.read_preamble(&mut buf)?;
            if !buf.is_empty() {
                return Ok(Some(Chunk::Preamble(buf)));
            }
        }
        if self.read_line(&mut buf)? == 0 {
            return Ok(None);
        }
        let envelope_len = buf.len();
        self.read_message_rest(&mut buf, envelope_len)?;
        let message = Message {
            index: self.index,
            offset: self.offset,
            bytes: buf,
            envelope_len,
        };
        self.index += 1;
        Ok(Some(Chunk::Message(message)))
    }

    /// Reads the lines before the first `From ` line into `buf`.
    fn read_preamble(&mut self, buf: &mut Vec<u8>) -> Result<()> {
        let mut prev_blank = true;
        loop {
            let start = buf.len();
            if self.read_line(buf)? == 0 {
                return Ok(());
            }
            let line = &buf[start..];
            let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            if line.starts_with(b"From ") && (prev_blank || is_full_envelope(line)) {
                let bom = buf.len() - start - line.len();
                let line = buf.split_off(start + bom);
                self.src.unread(line);
                return Ok(());
            }
            prev_blank = is_blank(line);
        }
    }

    /// Reads the rest of a message whose envelope line is in `buf`.
    fn read_message_rest(&mut self, buf: &mut Vec<u8>, envelope_len: usize) -> Result<()> {
        let mut in_headers = true;
        let mut prev_blank = false;
        let mut blank_ends_headers = false;
        loop {
            let start = buf.len();
            if self.read_line(buf)? == 0 {
                return Ok(());
            }
            let line = &buf[start..];
            if line.starts_with(b"From ")
                && ((prev_blank && !blank_ends_headers) || is_full_envelope(line))
            {
                let line = buf.split_off(start);
                self.src.unread(line);
                return Ok(());
            }
            let blank = is_blank(line);
            blank_ends_headers = blank && in_headers;
            if blank_ends_headers {
                in_headers = false;
                if let Some(len) = content_length(&buf[envelope_len..start])
                    && self.read_counted_body(buf, len)?
                {
                    return Ok(());
                }
            }
            prev_blank = blank;
        }
    }

    /// Reads a body of `len` bytes announced by `Content-Length`. Returns
    /// true when the length is right (the body is followed by the end of the
    /// mbox or a `From ` line, after at most one blank line); otherwise the
    /// body is put back to be split line by line.
    fn read_counted_body(&mut self, buf: &mut Vec<u8>, len: u64) -> Result<bool> {
        let body_start = buf.len();
        if len > self.limit {
            return Ok(false);
        }
        let got = self
            .src
            .read_exact_into(buf, len as usize)
            .map_err(io_to_error)?;
        self.check_limit(buf)?;
        let next = self.src.peek(7).map_err(io_to_error)?;
        let fits = got == len as usize
            && (next.is_empty()
                || next.starts_with(b"From ")
                || next.starts_with(b"\nFrom ")
                || next.starts_with(b"\r\nFrom ")
                || next == b"\n"
                || next == b"\r\n");
        if !fits {
            let body = buf.split_off(body_start);
            self.src.unread(body);
            return Ok(false);
        }
        if matches!(next.first(), Some(b'\n' | b'\r')) {
            self.read_line(buf)?;
        }
        Ok(true)
    }

    /// Appends one line (or the rest of the stream) to `buf`; 0 at the end.
    fn read_line(&mut self, buf: &mut Vec<u8>) -> Result<usize> {
        let room = (self.limit as usize)
            .saturating_add(1)
            .saturating_sub(buf.len());
        let n = self.src.read_line(buf, room.max(1)).map_err(io_to_error)?;
        self.check_limit(buf)?;
        Ok(n)
    }

    fn check_limit(&self, buf: &[u8]) -> Result<()> {
        if buf.len() as u64 > self.limit {
            return Err(Error::new(ErrorKind::MessageTooLarge {
                size: buf.len() as u64,
                limit: self.limit,
            })
            .with_message(self.index));
        }
        Ok(())
    }
}

fn is_blank(line: &[u8]) -> bool {
    trim_eol(line).is_empty() && !line.is_empty()
}

/// True for a `From ` line that carries a sender and an asctime-like date
/// (a `hh:mm` time and a four-digit year), as MTAs write them.
pub(crate) fn is_full_envelope(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let mut words = trim_eol(rest)
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty());
    if words.next().is_none() {
        return false;
    }
    let (mut time, mut year) = (false, false);
    for word in words {
        time |= is_time(word);
        year |= word.len() == 4
            && word.iter().all(u8::is_ascii_digit)
            && (word.starts_with(b"19") || word.starts_with(b"20"));
    }
    time && year
}

fn is_time(word: &[u8]) -> bool {
    let mut parts = word.split(|&b| b == b':');
    let hour = parts.next().unwrap_or_default();
    let minute = parts.next().unwrap_or_default();
    (1..=2).contains(&hour.len())
        && minute.len() == 2
        && hour.iter().chain(minute).all(u8::is_ascii_digit)
}

/// The value of a `Content-Length` header in a header block, if valid.
fn content_length(headers: &[u8]) -> Option<u64> {
    content_length_field(headers).map(|(_, value)| value)
}

/// The byte range of the digits of a `Content-Length` field in a header
/// block, and their value.
fn content_length_field(headers: &[u8]) -> Option<(std::ops::Range<usize>, u64)> {
    let mut start = 0;
    for line in headers.split_inclusive(|&b| b == b'\n') {
        let line_start = start;
        start += line.len();
        let Some(name) = field_name(line) else {
            continue;
        };
        if !name.eq_ignore_ascii_case(b"content-length") {
            continue;
        }
        let colon = line.iter().position(|&b| b == b':')?;
        let value = trim_eol(&line[colon + 1..]);
        let lead = value.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let digits = value[lead..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        let rest = &value[lead + digits..];
        if digits == 0 || !rest.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let number = std::str::from_utf8(&value[lead..lead + digits])
            .ok()?
            .parse()
            .ok()?;
        let at = line_start + colon + 1 + lead;
        return Some((at..at + digits, number));
    }
    None
}

/// Where the body of a message starts: after the first blank line (the
/// whole message when there is none).
fn body_start(message: &[u8]) -> usize {
    let mut start = 0;
    for line in message.split_inclusive(|&b| b == b'\n') {
        start += line.len();
        if trim_eol(line).is_empty() {
            return start;
        }
    }
    message.len()
}

/// The `Content-Length` of a message (without its envelope line) when it
/// counts the body up to the separating blank line: what mboxcl2 writers
/// do, and what the splitter trusts.
fn counted_length(message: &[u8]) -> Option<(std::ops::Range<usize>, u64, u64)> {
    let start = body_start(message);
    let body = (message.len() - start) as u64;
    let (digits, value) = content_length_field(&message[..start])?;
    (value <= body && body - value <= 2).then(|| (digits, value, body - value))
}

/// True when the message's body is delimited by a valid `Content-Length`
/// (mboxcl2): its `From ` lines need no quoting.
pub(crate) fn has_counted_body(message: &[u8]) -> bool {
    counted_length(message).is_some()
}

/// Keeps an mboxcl2 `Content-Length` right after a message was rewritten:
/// a value that counted the original body (up to the separating blank line)
/// is moved by the change in body length. Messages without the header, or
/// whose value was wrong to begin with (and so was not trusted when
/// splitting), are returned as they are. Both arguments are messages
/// without their envelope line.
pub(crate) fn adjust_content_length(original: &[u8], rewritten: Vec<u8>) -> Vec<u8> {
    let Some((_, _, separator)) = counted_length(original) else {
        return rewritten;
    };
    let new_start = body_start(&rewritten);
    let new_body = (rewritten.len() - new_start) as u64;
    let Some((digits, _)) = content_length_field(&rewritten[..new_start]) else {
        return rewritten;
    };
    let new_value = new_body.saturating_sub(separator);
    let mut out = Vec::with_capacity(rewritten.len() + 4);
    out.extend_from_slice(&rewritten[..digits.start]);
    out.extend_from_slice(new_value.to_string().as_bytes());
    out.extend_from_slice(&rewritten[digits.end..]);
    out
}

/// The blank lines to write between `before` (the chunk last written of an
/// mbox: its preamble or a message) and a message whose envelope line is
/// `line`, so that the splitter starts a message at `line` again: none when
/// it does so already, else one or two (with `line`'s line ending). A
/// deletion needs them when the message before ends in the blank line of its
/// header block and `line` carries no full date: the deleted message's
/// closing blank line was what separated them.
pub(crate) fn separator(before: &[u8], line: &[u8]) -> Vec<u8> {
    if before.is_empty() {
        return Vec::new();
    }
    let eol: &[u8] = match line.ends_with(b"\r\n") {
        true => b"\r\n",
        false => b"\n",
    };
    let mut sep = Vec::new();
    while sep.len() < 2 * eol.len() && !starts_apart(before, &sep, line) {
        sep.extend_from_slice(eol);
    }
    sep
}

/// True when splitting `before`, `sep` and `line` starts a message at `line`.
fn starts_apart(before: &[u8], sep: &[u8], line: &[u8]) -> bool {
    let joined = [before, sep, line].concat();
    let mut splitter = Splitter::new(joined.as_slice(), joined.len() as u64 + 1, 0);
    let mut last = None;
    while let Ok(Some(chunk)) = splitter.next_chunk() {
        last = Some(chunk);
    }
    matches!(last, Some(Chunk::Message(m)) if m.bytes == line)
}

/// A buffered reader with look-ahead and push-back, reading lines with a
/// length bound so that a file without line breaks cannot exhaust memory.
struct LineSource<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> LineSource<R> {
    fn new(inner: R) -> Self {
        LineSource {
            inner,
            buf: Vec::new(),
            pos: 0,
            eof: false,
        }
    }

    fn available(&self) -> &[u8] {
        &self.buf[self.pos..]
    }

    /// Reads more bytes; false at the end of the stream.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let len = self.buf.len();
        self.buf.resize(len + READ_SIZE, 0);
        let n = match read_some(&mut self.inner, &mut self.buf[len..]) {
            Ok(n) => n,
            Err(e) => {
                self.buf.truncate(len);
                return Err(e);
            }
        };
        self.buf.truncate(len + n);
        self.eof = n == 0;
        Ok(n > 0)
    }

    fn take_into(&mut self, out: &mut Vec<u8>, n: usize) -> usize {
        out.extend_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        n
    }

    /// Appends up to and including the next LF, at most `max` bytes.
    fn read_line(&mut self, out: &mut Vec<u8>, max: usize) -> io::Result<usize> {
        let mut searched = 0;
        loop {
            let avail = self.available();
            if let Some(i) = memchr::memchr(b'\n', &avail[searched..]) {
                let n = (searched + i + 1).min(max);
                return Ok(self.take_into(out, n));
            }
            searched = avail.len();
            if avail.len() >= max || !self.fill()? {
                let n = self.available().len().min(max);
                return Ok(self.take_into(out, n));
            }
        }
    }

    /// Appends exactly `n` bytes, or fewer at the end of the stream.
    fn read_exact_into(&mut self, out: &mut Vec<u8>, n: usize) -> io::Result<usize> {
        while self.available().len() < n && self.fill()? {}
        let n = n.min(self.available().len());
        Ok(self.take_into(out, n))
    }

    /// The next `n` bytes (fewer at the end), without consuming them.
    fn peek(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.available().len() < n && self.fill()? {}
        let avail = self.available();
        Ok(avail[..n.min(avail.len())].to_vec())
    }

    /// Puts bytes back in front of the stream.
    fn unread(&mut self, mut bytes: Vec<u8>) {
        bytes.extend_from_slice(self.available());
        self.buf = bytes;
        self.pos = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn split(input: &[u8]) -> Vec<Chunk> {
        split_with(input, 1 << 20)
    }

    fn split_with(input: &[u8], limit: u64) -> Vec<Chunk> {
        let mut s = Splitter::new(OneByteReader(Cursor::new(input.to_vec())), limit, 0);
        let mut chunks = Vec::new();
        while let Some(chunk) = s.next_chunk().unwrap() {
            chunks.push(chunk);
        }
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.bytes().to_vec()).collect();
        assert_eq!(joined, input, "chunks must join back to the input");
        chunks
    }

    /// Returns one byte per read, to catch code that assumes full reads.
    struct OneByteReader(Cursor<Vec<u8>>);

    impl Read for OneByteReader {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(1);
            self.0.read(&mut buf[..n])
        }
    }

    fn messages(chunks: &[Chunk]) -> Vec<String> {
        chunks
            .iter()
            .filter_map(|c| match c {
                Chunk::Message(m) => Some(String::from_utf8_lossy(&m.bytes).into_owned()),
                Chunk::Preamble(_) => None,
            })
            .collect()
    }

    #[test]
    fn separators_keep_messages_apart_after_a_deletion() {
        let dated = b"From b@example.org Mon Jan  1 00:00:00 2024\n";
        let bare = b"From b@example.org\n";
        for (before, line, want) in [
            (&b""[..], &bare[..], &b""[..]),
            (b"From a@example.org\nSubject: a\n\nbody\n\n", bare, b""),
            (b"From a@example.org\n\n", bare, b"\n"),
            (b"From a@example.org\nSubject: a\n", bare, b"\n\n"),
            (b"From a@example.org\n\n", dated, b""),
            (b"From a@example.org\r\n\r\n", b"From b\r\n", b"\r\n"),
        ] {
            let sep = separator(before, line);
            assert_eq!(sep, want, "{:?}", String::from_utf8_lossy(before));
            let joined = [before, &sep, line].concat();
            let got = split(&joined);
            assert_eq!(got.last().map(Chunk::bytes), Some(line), "{got:?}");
        }
    }

    #[test]
    fn splits_mboxo_with_quoted_from_lf_and_crlf() {
        for eol in ["\n", "\r\n"] {
            let m1 =
                "From a@example.com Mon Jan  1 00:00:00 2024\nSubject: 1\n\n>From here\nbody\n\n"
                    .replace('\n', eol);
            let m2 = "From b@example.com Tue Jan  2 00:00:00 2024\nSubject: 2\n\nlast"
                .replace('\n', eol);
            let chunks = split(format!("{m1}{m2}").as_bytes());
            assert_eq!(messages(&chunks), [m1, m2]);
        }
    }

    #[test]
    fn bare_from_lines_need_a_blank_line_or_a_date() {
        let input = b"From \nFrom: a@example.com\n\nEarlier versions:\nFrom \nsplit here?\n\nFrom \nFrom: b\n\nsecond\n";
        let chunks = split(input);
        let got = messages(&chunks);
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("split here?"));
        assert!(got[1].ends_with("second\n"));
    }

    #[test]
    fn dated_envelope_splits_without_blank_line() {
        let input = b"From a Mon Jan  1 00:00:00 2024\nSubject: 1\n\nx\nFrom b Mon Jan  1 00:00:01 2024\nSubject: 2\n\ny\n";
        assert_eq!(messages(&split(input)).len(), 2);
    }

    #[test]
    fn body_starting_with_from_after_headers_is_not_a_separator() {
        let input = b"From a Mon\nSubject: 1\n\nFrom me to you\n\nFrom b Mon\nSubject: 2\n\ny\n";
        let got = messages(&split(input));
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("From me to you"));
    }

    #[test]
    fn content_length_is_trusted_when_it_fits() {
        let body = "line\n\nFrom inside the body\nmore\n";
        let input = format!(
            "From a Mon\nContent-Length: {}\n\n{body}\nFrom b Mon\nSubject: 2\n\ny\n",
            body.len()
        );
        let got = messages(&split(input.as_bytes()));
        assert_eq!(got.len(), 2);
        assert!(got[0].contains("From inside the body"));
        assert!(got[0].ends_with("more\n\n"));
    }

    #[test]
    fn wrong_content_length_falls_back_to_lines() {
        let input = b"From a Mon\nContent-Length: 3\n\nfirst body\n\nFrom b Mon\nSubject: 2\n\ny\n";
        let got = messages(&split(input));
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("first body\n\n"));
        let input = b"From a Mon\nContent-Length: 999\n\nshort\n\nFrom b Mon\nSubject: 2\n\ny";
        assert_eq!(messages(&split(input)).len(), 2);
    }

    #[test]
    fn preamble_and_missing_final_newline_round_trip() {
        let input = b"\xEF\xBB\xBF\nFrom a Mon\nSubject: 1\n\nno newline";
        let chunks = split(input);
        assert_eq!(chunks.len(), 2);
        assert!(matches!(&chunks[0], Chunk::Preamble(p) if p == b"\xEF\xBB\xBF\n"));
        assert!(split(b"").is_empty());
        assert_eq!(split(b"x").len(), 1);
    }

    #[test]
    fn message_indices_and_offsets() {
        let input = b"From a Mon\n\nx\n\nFrom b Mon\n\ny\n";
        let chunks = split(input);
        let Chunk::Message(second) = &chunks[1] else {
            panic!("expected a message")
        };
        assert_eq!((second.index, second.offset), (1, 15));
        assert_eq!(second.envelope(), Some(&b"From b Mon"[..]));
    }

    #[test]
    fn oversized_message_is_an_error_naming_it() {
        let input = b"From a Mon\nSubject: 1\n\nsmall\n\nFrom b Mon\n\n".to_vec();
        let mut big = input.clone();
        big.extend(vec![b'x'; 100]);
        let mut s = Splitter::new(Cursor::new(big), 64, 1000);
        assert!(s.next_chunk().unwrap().is_some());
        let err = s.next_chunk().unwrap_err();
        assert!(matches!(
            err.kind(),
            ErrorKind::MessageTooLarge { limit: 64, .. }
        ));
        assert_eq!(err.position().message, Some(1));
        assert_eq!(err.position().offset, Some(1000 + input.len() as u64 - 12));
    }

    #[test]
    fn content_length_follows_a_rewritten_body() {
        for eol in ["\n", "\r\n"] {
            let msg = |body: &str| {
                format!(
                    "Subject: x{eol}Content-Length:  {}{eol}{eol}{body}{eol}",
                    body.len()
                )
                .into_bytes()
            };
            let original = msg("call Jane Doe now");
            // Same length: nothing to do.
            let same = msg("call [erased] now");
            assert_eq!(adjust_content_length(&original, same.clone()), same);
            let longer = String::from_utf8(original.clone())
                .unwrap()
                .replace("Jane Doe", "[erased]-----");
            let fixed = adjust_content_length(&original, longer.clone().into_bytes());
            let fixed = String::from_utf8(fixed).unwrap();
            assert!(fixed.contains("Content-Length:  22"), "{fixed:?}");
            // A wrong value (not trusted when splitting) is left alone.
            let bogus = String::from_utf8(original.clone())
                .unwrap()
                .replace("Content-Length:  17", "Content-Length:  9999");
            let out = adjust_content_length(bogus.as_bytes(), bogus.clone().into_bytes());
            assert_eq!(out, bogus.into_bytes());
        }
    }

    #[test]
    fn full_envelope_detection() {
        assert!(is_full_envelope(
            b"From MAILER-DAEMON Mon Apr 18 14:23:23 2022\n"
        ));
        assert!(is_full_envelope(b"From x@y Wed Feb  9 22:02 MET 2000\r\n"));
        assert!(!is_full_envelope(b"From - \n"));
        assert!(!is_full_envelope(b"From me to you at 10:30 or so\n"));
    }
}
