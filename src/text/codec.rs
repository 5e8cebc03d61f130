//! Transfer encodings written back (base64 in a body's layout,
//! quoted-printable) and charsets. The decoders are [`super::base64`] and
//! [`super::qp`].

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use encoding_rs::Encoding;

/// The line ending of a message: CRLF when its first line ends so.
pub(crate) fn detect_eol(bytes: &[u8]) -> &'static [u8] {
    match memchr::memchr(b'\n', bytes) {
        Some(i) if i > 0 && bytes.get(i - 1) == Some(&b'\r') => b"\r\n",
        _ => b"\n",
    }
}

/// How a base64 body was laid out, to write a new one the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Base64Layout {
    /// Characters per line (0: one line).
    pub(crate) line_len: usize,
    /// The line ending.
    pub(crate) eol: &'static [u8],
    /// How many line endings ended the body (an mbox message's body ends
    /// with the empty line before the next `From ` line: that one is kept
    /// too).
    pub(crate) trailing_eols: usize,
}

impl Base64Layout {
    /// Reads the layout of a base64 body; `eol` is the message's.
    pub(crate) fn of(body: &[u8], eol: &'static [u8]) -> Self {
        let trimmed = trim_trailing_eols(body);
        let line_len = match memchr::memchr(b'\n', trimmed) {
            Some(i) => trimmed
                .get(..i)
                .map_or(0, |l| l.strip_suffix(b"\r").unwrap_or(l).len()),
            None => 0,
        };
        let eol = if memchr::memchr(b'\n', body).is_some() {
            detect_eol(body)
        } else {
            eol
        };
        Base64Layout {
            line_len,
            eol,
            trailing_eols: memchr::memchr_iter(b'\n', &body[trimmed.len()..]).count(),
        }
    }

    /// Encodes `data` in this layout, a block at a time (a multiple of 3
    /// bytes, so the blocks' encodings join into the whole one), without a
    /// one-line copy of the whole encoding.
    pub(crate) fn encode(&self, data: &[u8]) -> Vec<u8> {
        const BLOCK: usize = 3 << 12;
        let line_len = if self.line_len == 0 {
            usize::MAX
        } else {
            self.line_len
        };
        let text_len = data.len().div_ceil(3) * 4;
        let breaks = text_len.checked_div(line_len).unwrap_or(0) + 1;
        let mut out = Vec::with_capacity(text_len + breaks * self.eol.len());
        let mut col = 0;
        let mut text = String::with_capacity(data.len().min(BLOCK).div_ceil(3) * 4);
        for block in data.chunks(BLOCK) {
            text.clear();
            STANDARD.encode_string(block, &mut text);
            let mut rest = text.as_bytes();
            while !rest.is_empty() {
                if col == line_len {
                    out.extend_from_slice(self.eol);
                    col = 0;
                }
                let (line, tail) = rest.split_at((line_len - col).min(rest.len()));
                out.extend_from_slice(line);
                col += line.len();
                rest = tail;
            }
        }
        for _ in 0..self.trailing_eols {
            out.extend_from_slice(self.eol);
        }
        out
    }
}

/// `bytes` without its trailing CR and LF bytes.
fn trim_trailing_eols(bytes: &[u8]) -> &[u8] {
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\n' && b != b'\r')
        .map_or(0, |i| i + 1);
    bytes.get(..end).unwrap_or(bytes)
}

/// Length of a line ending at the start of `bytes` (LF or CRLF).
fn eol_len(bytes: &[u8]) -> Option<usize> {
    if bytes.starts_with(b"\r\n") {
        Some(2)
    } else if bytes.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

/// True if the byte `b` (the first of `rest`), at column `col`, goes into
/// quoted-printable as itself: printable ASCII but `=`, white space only
/// before more text on the line, and no `F` that starts a line `From `.
fn qp_literal(b: u8, rest: &[u8], col: usize, at_line_end: bool) -> bool {
    match b {
        b'=' => false,
        b' ' | b'\t' => !at_line_end,
        b'F' if col == 0 && rest.starts_with(b"From ") => false,
        33..=126 => true,
        _ => false,
    }
}

/// Encodes `data` as quoted-printable with lines of at most 76 characters,
/// writing hard line breaks of the data as `eol`. A line that would start
/// with `From ` gets its `F` encoded.
pub(crate) fn qp_encode(data: &[u8], eol: &[u8]) -> Vec<u8> {
    const MAX: usize = 76;
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let mut col = 0;
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        let rest = data.get(i..).unwrap_or_default();
        if let Some(n) = eol_len(rest) {
            out.extend_from_slice(eol);
            col = 0;
            i += n;
            continue;
        }
        let next = data.get(i + 1).copied();
        let at_line_end = next.is_none() || matches!(next, Some(b'\r' | b'\n'));
        let literal = qp_literal(b, rest, col, at_line_end);
        let width = if literal { 1 } else { 3 };
        // Room for the token, plus a soft break `=` unless the line ends here.
        let need = if at_line_end { width } else { width + 1 };
        if col + need > MAX {
            out.push(b'=');
            out.extend_from_slice(eol);
            col = 0;
            continue;
        }
        if literal {
            out.push(b);
        } else {
            out.extend_from_slice(&hex_escape(b));
        }
        col += width;
        i += 1;
    }
    out
}

fn hex_escape(b: u8) -> [u8; 3] {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    [b'=', HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

/// Decodes bytes in a named charset for finding: mail-parser's decoders
/// (which include UTF-7 and the `full_encoding` set) first, then encoding_rs
/// labels, else lossy UTF-8.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    let label = charset.split('*').next().unwrap_or(charset).trim();
    if let Some(decode) = mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()) {
        return decode(bytes);
    }
    match Encoding::for_label(label.as_bytes()) {
        Some(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// How bytes in a declared charset are turned into text: as declared, or
/// in a reading a wrong label calls for (RFC 2047 words, RFC 2231 values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reading {
    /// In the charset the word or the value declares.
    Declared,
    /// As UTF-8 where another charset is declared (a label may be wrong).
    Utf8,
    /// As windows-1252 where the bytes are not ASCII and neither that
    /// charset nor UTF-8 holding valid UTF-8 is declared.
    Windows1252,
}

impl Reading {
    /// The readings besides the declared one, in the order they are tried.
    pub(crate) const OTHERS: [Reading; 2] = [Reading::Utf8, Reading::Windows1252];
}

/// `bytes` labelled `charset`, read as `reading` says, and whether the
/// text is a faithful reading of them (an unknown label, or bytes
/// malformed in it, are not).
pub(crate) fn read_as<'a>(
    charset: &[u8],
    bytes: &'a [u8],
    reading: Reading,
) -> (Cow<'a, str>, bool) {
    let encoding = encoding_of(charset);
    let utf8_label = encoding == Some(encoding_rs::UTF_8);
    let valid_utf8 = std::str::from_utf8(bytes).is_ok();
    match reading {
        Reading::Utf8 if !utf8_label => (String::from_utf8_lossy(bytes), valid_utf8),
        Reading::Windows1252
            if !(bytes.is_ascii()
                || (utf8_label && valid_utf8)
                || encoding == Some(encoding_rs::WINDOWS_1252)) =>
        {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, true)
        }
        _ => {
            let faithful = match Charset::lookup(charset) {
                known @ Charset::Known(_) => known.decode_strict(bytes).is_some(),
                Charset::DecodeOnly(_) => true,
                Charset::Unknown => false,
            };
            let text = decode_charset(&String::from_utf8_lossy(charset), bytes);
            (text.into(), faithful)
        }
    }
}

/// The encoding a charset label (an RFC 2231 `*language` left out) names
/// in encoding_rs, if any.
pub(crate) fn encoding_of(charset: &[u8]) -> Option<&'static encoding_rs::Encoding> {
    let label = charset.split(|&b| b == b'*').next().unwrap_or(charset);
    encoding_rs::Encoding::for_label(label.trim_ascii())
}

/// A charset as this crate can handle it.
#[derive(Clone, Copy)]
pub(crate) enum Charset {
    /// Decodes and encodes through encoding_rs.
    Known(&'static Encoding),
    /// Decodes (lossily) through mail-parser only; cannot be encoded.
    DecodeOnly(mail_parser::decoders::charsets::DecoderFnc),
    /// Not known at all: read as lossy UTF-8 for finding only.
    Unknown,
}

impl Charset {
    /// Looks a charset label up (`*language` suffixes of RFC 2231 are
    /// ignored).
    pub(crate) fn lookup(label: &[u8]) -> Charset {
        let label = label.split(|&b| b == b'*').next().unwrap_or_default();
        let label = label.trim_ascii();
        if label.is_empty() {
            return Charset::Known(encoding_rs::UTF_8);
        }
        match Encoding::for_label(label) {
            Some(enc) if enc != encoding_rs::REPLACEMENT => Charset::Known(enc),
            _ => match mail_parser::decoders::charsets::map::charset_decoder(label) {
                Some(f) => Charset::DecodeOnly(f),
                None => Charset::Unknown,
            },
        }
    }

    /// Decodes for finding: never fails, may be lossy.
    pub(crate) fn decode_lossy<'a>(&self, bytes: &'a [u8]) -> Cow<'a, str> {
        match self {
            Charset::Known(enc) => enc.decode_without_bom_handling(bytes).0,
            Charset::DecodeOnly(f) => Cow::Owned(f(bytes)),
            Charset::Unknown => String::from_utf8_lossy(bytes),
        }
    }

    /// Decodes exactly, or `None` when the bytes are malformed or the
    /// charset cannot be encoded back.
    pub(crate) fn decode_strict<'a>(&self, bytes: &'a [u8]) -> Option<Cow<'a, str>> {
        match self {
            Charset::Known(enc) if enc.output_encoding() == *enc => {
                enc.decode_without_bom_handling_and_without_replacement(bytes)
            }
            _ => None,
        }
    }

    /// Encodes exactly, or `None` when a character is not representable.
    /// UTF-8 text is returned as it is, without a copy.
    pub(crate) fn encode_strict(&self, text: String) -> Option<Vec<u8>> {
        let Charset::Known(enc) = self else {
            return None;
        };
        if *enc == encoding_rs::UTF_8 {
            return Some(text.into_bytes());
        }
        let text = text.as_str();
        if enc.output_encoding() != *enc {
            return None;
        }
        let mut encoder = enc.new_encoder();
        let cap = encoder.max_buffer_length_from_utf8_without_replacement(text.len())?;
        let mut out = Vec::with_capacity(cap);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(text, &mut out, true);
        (result == encoding_rs::EncoderResult::InputEmpty && read == text.len()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::base64::decode_lenient as base64_decode;
    use crate::text::qp::decode_lenient as qp_decode;

    #[test]
    fn qp_round_trip_and_soft_breaks() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a=3Db=\r\nc\r\n", b"a=bc\r\n"),
            (b"trail  \nx", b"trail\nx"),
            (b"bad =Zz and =\n", b"bad =Zz and "),
            (b"soft= \t\nnext", b"softnext"),
            (b"end=", b"end"),
        ];
        for (enc, dec) in cases {
            assert_eq!(qp_decode(enc), *dec, "{}", String::from_utf8_lossy(enc));
        }
        let data = "From here, a long line with caf\u{e9} and = signs and trailing space \n"
            .repeat(3)
            .into_bytes();
        for eol in [&b"\n"[..], b"\r\n"] {
            let enc = qp_encode(&data, eol);
            assert!(enc.split(|&b| b == b'\n').all(|l| l.len() <= 77));
            assert!(!enc.starts_with(b"From "));
            let want = String::from_utf8(data.clone())
                .unwrap()
                .replace('\n', if eol == b"\n" { "\n" } else { "\r\n" });
            assert_eq!(qp_decode(&enc), want.as_bytes());
        }
    }

    #[test]
    fn base64_is_lenient_and_keeps_layout() {
        assert_eq!(base64_decode(b"SmFu\r\nZQ==\r\n"), b"Jane");
        assert_eq!(base64_decode(b"SmF*uZQ"), b"Jane");
        assert_eq!(base64_decode(b"SmFuZQ=x"), b"Jane");
        assert_eq!(base64_decode(b"SmFuZQ==SmFuZQ=="), b"JaneJane");
        let layout = Base64Layout::of(b"QUJD\r\nREVG\r\n", b"\n");
        assert_eq!(layout.line_len, 4);
        assert_eq!(layout.eol, b"\r\n");
        assert_eq!(layout.encode(b"ABCDEFG"), b"QUJD\r\nREVG\r\nRw==\r\n");
        assert_eq!(
            Base64Layout::of(b"QUJD", b"\n").encode(b"ABCDEFG"),
            b"QUJDREVGRw=="
        );
    }

    #[test]
    fn large_base64_bodies_in_blocks() {
        let data: Vec<u8> = (0..300_001u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let text = STANDARD.encode(&data);
        // Lines of 76 with junk between: decoded across block boundaries.
        let mut body = Vec::new();
        for (i, line) in text.as_bytes().chunks(76).enumerate() {
            body.extend_from_slice(line);
            body.extend_from_slice(if i % 7 == 0 { b" *\r\n" } else { b"\r\n" });
        }
        assert_eq!(base64_decode(&body), data);
        // A piece whose length is one past a multiple of 4 loses its last
        // character, wherever the blocks fall.
        let mut odd = text.trim_end_matches('=').as_bytes().to_vec();
        while odd.len() % 4 != 1 {
            odd.push(b'A');
        }
        let mut want = base64_decode(&odd[..odd.len() - 1]);
        assert_eq!(base64_decode(&odd), want);
        want.extend_from_slice(b"Jane");
        odd.extend_from_slice(b"=SmFuZQ");
        assert_eq!(base64_decode(&odd), want);
        // Encoding: the same lines as one encoding cut into lines.
        for (line_len, trailing) in [(76, true), (72, false), (5, true), (0, true)] {
            let layout = Base64Layout {
                line_len,
                eol: b"\r\n",
                trailing_eols: usize::from(trailing),
            };
            let lines: Vec<&[u8]> = if line_len == 0 {
                vec![text.as_bytes()]
            } else {
                text.as_bytes().chunks(line_len).collect()
            };
            let mut want = lines.join(&b"\r\n"[..]);
            if trailing {
                want.extend_from_slice(b"\r\n");
            }
            assert_eq!(layout.encode(&data), want, "{line_len}");
        }
        let layout = Base64Layout::of(b"QUJD\n", b"\n");
        assert_eq!(layout.encode(b""), b"\n");
    }

    #[test]
    fn charsets() {
        let jis = Charset::lookup(b"ISO-2022-JP");
        let bytes = jis.encode_strict("山田".into()).unwrap();
        assert_eq!(jis.decode_strict(&bytes).unwrap(), "山田");
        let latin = Charset::lookup(b" iso-8859-1*en");
        assert_eq!(latin.encode_strict("\u{20ac}".into()), Some(vec![0x80]));
        assert_eq!(latin.encode_strict("山".into()), None);
        assert!(matches!(Charset::lookup(b"x-nonsense"), Charset::Unknown));
        assert!(Charset::lookup(b"utf-16le").decode_strict(b"a\0").is_none());
        assert!(matches!(Charset::lookup(b""), Charset::Known(e) if e == encoding_rs::UTF_8));
    }
}
