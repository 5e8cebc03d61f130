//! The text of a PDF: every string object (literal and hex, UTF-16BE with a
//! byte-order mark), and the strings shown in every stream once its filters
//! are undone (Flate, LZW, ASCIIHex, ASCII85, run length; through lopdf,
//! bounded by the budget), a `TJ` array's pieces joined. A file lopdf cannot
//! load strictly is read by a lenient scan of its own: strings in the raw
//! bytes, and every `stream … endstream` hex-decoded where its dictionary
//! says `ASCIIHexDecode` and inflated where it is zlib data. Glyph codes of
//! fonts without a standard encoding (CID fonts without a ToUnicode map) are
//! not mapped to text.

use std::panic::{AssertUnwindSafe, catch_unwind};

use lopdf::{DecompressError, Document, LoadOptions, Object};

use super::{Budget, Exceeded, Piece, inflate};

/// Arrays and dictionaries nest at most this deep for the walk.
const MAX_NESTING: usize = 64;

/// Gives the strings of the PDF `bytes` to `sink`.
pub(super) fn extract(
    bytes: &[u8],
    budget: &mut Budget,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    // lopdf decodes object streams while loading, each within this bound:
    // together they stay within the budget.
    let object_streams = memchr::memmem::find_iter(bytes, b"/ObjStm").count().max(1) as u64;
    let per_stream = usize::try_from(budget.left() / object_streams).unwrap_or(usize::MAX);
    // Strict: lopdf's repair of a damaged file scans it for objects, slow on
    // large damaged files; such a file takes the lenient path below.
    let options = LoadOptions {
        max_decompressed_size: Some(per_stream),
        strict: true,
        ..LoadOptions::default()
    };
    let loaded = catch_unwind(AssertUnwindSafe(|| {
        Document::load_mem_with_options(bytes, options)
    }));
    match loaded {
        Ok(Ok(doc)) => {
            let mut strings = Vec::new();
            for object in doc.objects.values() {
                visit(object, budget, sink, &mut strings, 0)?;
            }
            sink(Piece::Text(&strings));
            Ok(())
        }
        Ok(Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }))) => {
            Err(Exceeded::Size)
        }
        _ => lenient(bytes, budget, sink),
    }
}

/// One object: its strings to `strings`, a stream's shown text to `sink`.
fn visit(
    object: &Object,
    budget: &mut Budget,
    sink: &mut dyn FnMut(Piece<'_>),
    strings: &mut Vec<u8>,
    depth: usize,
) -> Result<(), Exceeded> {
    if depth > MAX_NESTING {
        return Ok(());
    }
    match object {
        Object::String(s, _) => {
            strings.extend_from_slice(decode_string(s).as_bytes());
            strings.push(b'\n');
        }
        Object::Array(items) => {
            for item in items {
                visit(item, budget, sink, strings, depth + 1)?;
            }
        }
        Object::Dictionary(dict) => {
            for (_, value) in dict.iter() {
                visit(value, budget, sink, strings, depth + 1)?;
            }
        }
        Object::Stream(stream) => {
            for (_, value) in stream.dict.iter() {
                visit(value, budget, sink, strings, depth + 1)?;
            }
            let limit = usize::try_from(budget.left()).unwrap_or(usize::MAX);
            match stream.decompressed_content_with_limit(limit) {
                Ok(data) => {
                    budget.charge(data.len() as u64)?;
                    sink(Piece::Text(shown_text(&data).as_bytes()));
                }
                Err(lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. })) => {
                    return Err(Exceeded::Size);
                }
                Err(_) => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// The lenient reading of a PDF lopdf refused.
fn lenient(
    bytes: &[u8],
    budget: &mut Budget,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    sink(Piece::Text(shown_text(bytes).as_bytes()));
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(bytes.get(from..).unwrap_or_default(), b"stream") {
        let mut start = from + at + 6;
        from = start;
        if bytes.get(start) == Some(&b'\r') {
            start += 1;
        }
        if bytes.get(start) != Some(&b'\n') {
            continue;
        }
        start += 1;
        let rest = bytes.get(start..).unwrap_or_default();
        let end = memchr::memmem::find(rest, b"endstream").unwrap_or(rest.len());
        let raw = rest.get(..end).unwrap_or_default();
        // The dictionary: up to 300 bytes before, but not into the stream
        // before (whose filters are not this one's).
        let before = bytes
            .get(start.saturating_sub(300)..start)
            .unwrap_or_default();
        let dict = memchr::memmem::rfind(before, b"endstream")
            .and_then(|at| before.get(at + 9..))
            .unwrap_or(before);
        let names = |n: &[&[u8]]| n.iter().any(|n| memchr::memmem::find(dict, n).is_some());
        let data = if names(&[b"/ASCIIHexDecode", b"/AHx"]) {
            let end = memchr::memchr(b'>', raw).unwrap_or(raw.len());
            let hex = unhex(raw.get(..end).unwrap_or_default());
            budget.charge(hex.len() as u64)?;
            sink(Piece::Text(shown_text(&hex).as_bytes()));
            std::borrow::Cow::Owned(hex)
        } else {
            std::borrow::Cow::Borrowed(raw)
        };
        let decoder = flate2::read::ZlibDecoder::new(&data[..]);
        if let Some(inflated) = inflate::read_bounded(decoder, budget)? {
            sink(Piece::Text(shown_text(&inflated).as_bytes()));
        }
        // Past the `endstream`, whose tail is not the next `stream`.
        from = (start + end + b"endstream".len()).min(bytes.len());
    }
    Ok(())
}

/// A PDF string's bytes as text: UTF-16BE after a byte-order mark, else
/// PDFDocEncoding (read as windows-1252, which agrees on the printable
/// range).
fn decode_string(s: &[u8]) -> String {
    match s.strip_prefix(b"\xfe\xff") {
        Some(be) => {
            let units: Vec<u16> = be
                .chunks_exact(2)
                .map(|p| u16::from_be_bytes([p[0], p[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        None => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(s)
            .0
            .into_owned(),
    }
}

/// The strings in a content stream (or any PDF bytes), in order: one shown
/// outside an array is followed by a space; the pieces of an array (`TJ`)
/// are joined, with a space for a kerning step wider than a tenth of an em.
pub(super) fn shown_text(data: &[u8]) -> String {
    let mut out = String::new();
    let mut in_array = false;
    let mut i = 0;
    while let Some(&b) = data.get(i) {
        match b {
            b'(' => {
                let (s, len) = literal(data.get(i..).unwrap_or_default());
                push_text(&mut out, &s);
                if !in_array {
                    out.push(' ');
                }
                i += len;
            }
            b'<' if data.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let rest = data.get(i + 1..).unwrap_or_default();
                let end = memchr::memchr(b'>', rest).unwrap_or(rest.len());
                let hex = rest.get(..end).unwrap_or_default();
                if hex
                    .iter()
                    .all(|c| c.is_ascii_hexdigit() || c.is_ascii_whitespace())
                {
                    push_text(&mut out, &unhex(hex));
                    if !in_array {
                        out.push(' ');
                    }
                }
                i += end + 2;
            }
            b'[' => {
                in_array = true;
                i += 1;
            }
            b']' => {
                in_array = false;
                out.push(' ');
                i += 1;
            }
            b'%' => {
                let rest = data.get(i..).unwrap_or_default();
                i += memchr::memchr2(b'\n', b'\r', rest).unwrap_or(rest.len());
            }
            b'-' if in_array => {
                let rest = data.get(i + 1..).unwrap_or_default();
                let digits = rest
                    .iter()
                    .take_while(|c| c.is_ascii_digit() || **c == b'.')
                    .count();
                let n: f64 = std::str::from_utf8(rest.get(..digits).unwrap_or_default())
                    .ok()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0.0);
                if n > 100.0 {
                    out.push(' ');
                }
                i += 1 + digits;
            }
            _ => i += 1,
        }
    }
    out
}

/// Adds the text of the string `s` to `out` if it reads as text: glyph
/// codes of fonts without a standard encoding, and the random bytes a
/// damaged file's compressed data shows as strings, would only cost time.
fn push_text(out: &mut String, s: &[u8]) {
    let text = decode_string(s);
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        .count();
    let high = text.chars().filter(|c| !c.is_ascii()).count();
    if controls == 0 && high * 2 <= text.chars().count() {
        out.push_str(&text);
    }
}

/// The literal string at the start of `s` (at its `(`): its bytes, escapes
/// undone, and its length.
fn literal(s: &[u8]) -> (Vec<u8>, usize) {
    let mut out = Vec::new();
    let mut level = 0usize;
    let mut i = 0;
    while let Some(&b) = s.get(i) {
        i += 1;
        match b {
            b'(' => {
                if level > 0 {
                    out.push(b);
                }
                level += 1;
            }
            b')' => {
                level = level.saturating_sub(1);
                if level == 0 {
                    break;
                }
                out.push(b);
            }
            b'\\' => {
                let Some(&e) = s.get(i) else { break };
                i += 1;
                match e {
                    b'n' => out.push(b'\n'),
                    b'r' => out.push(b'\r'),
                    b't' => out.push(b'\t'),
                    b'b' => out.push(8),
                    b'f' => out.push(12),
                    b'\r' => {
                        if s.get(i) == Some(&b'\n') {
                            i += 1;
                        }
                    }
                    b'\n' => {}
                    b'0'..=b'7' => {
                        let mut v = u32::from(e - b'0');
                        for _ in 0..2 {
                            match s.get(i) {
                                Some(&d @ b'0'..=b'7') => {
                                    v = v * 8 + u32::from(d - b'0');
                                    i += 1;
                                }
                                _ => break,
                            }
                        }
                        out.push((v & 0xff) as u8);
                    }
                    other => out.push(other),
                }
            }
            _ => out.push(b),
        }
    }
    (out, i)
}

/// Hex digits (white space ignored, an odd last digit padded with 0) as bytes.
fn unhex(hex: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = hex
        .iter()
        .filter_map(|c| (*c as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|p| (p[0] << 4) | p.get(1).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_strings() {
        let t = shown_text(b"BT /F1 12 Tf [(Ja) -20 (ne) -300 (Doe)] TJ (J\\141ne\\040Roe) Tj <4A616E65 20446F65> Tj <</A 1>> % (x)\n ET");
        assert_eq!(t, "Jane Doe Jane Roe Jane Doe ");
        assert_eq!(decode_string(b"\xfe\xff\x00J\x00o"), "Jo");
        assert_eq!(
            shown_text(b"(\\001\\002) Tj <FFFE00> Tj (Zo\\353) Tj"),
            "  Zo\u{eb} "
        );
        assert_eq!(literal(b"(a(b)c\\)d) rest").0, b"a(b)c)d");
        assert_eq!(unhex(b"4a6"), b"J`");
    }

    #[test]
    fn lenient_reads_streams_of_a_broken_file() {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(b"BT (Jane Doe) Tj ET").unwrap();
        let mut pdf = b"%PDF-1.4\nbroken 1 0 obj <</Length 99>>\nstream\n".to_vec();
        pdf.extend(z.finish().unwrap());
        pdf.extend_from_slice(b"\nendstream\n");
        let mut out = String::new();
        let mut budget = Budget::new(1 << 20);
        extract(&pdf, &mut budget, &mut |p| {
            if let Piece::Text(t) = p {
                out.push_str(&String::from_utf8_lossy(t));
            }
        })
        .unwrap();
        assert!(out.contains("Jane Doe"), "{out}");
    }

    /// `lenient` on `pdf`, the texts joined.
    fn lenient_text(pdf: &[u8]) -> String {
        let mut out = String::new();
        let mut budget = Budget::new(1 << 20);
        lenient(pdf, &mut budget, &mut |p| {
            if let Piece::Text(t) = p {
                out.push_str(&String::from_utf8_lossy(t));
            }
        })
        .unwrap();
        out
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(data).unwrap();
        z.finish().unwrap()
    }

    #[test]
    fn lenient_reads_every_stream() {
        // The `stream` at the end of `endstream` is not a stream: it would
        // swallow the next one.
        let mut pdf = b"%PDF-1.4\n1 0 obj\n<< >>\nstream\n".to_vec();
        pdf.extend(zlib(b"BT (page one) Tj ET"));
        pdf.extend_from_slice(b"\nendstream\nendobj\n2 0 obj\n<< >>\nstream\n");
        pdf.extend(zlib(b"BT (Jane Doe) Tj ET"));
        pdf.extend_from_slice(b"\nendstream\nendobj\n3 0 obj\n<< >>\nstream\n");
        pdf.extend(zlib(b"BT (CUST-88231) Tj ET"));
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        let out = lenient_text(&pdf);
        assert!(out.contains("page one"), "{out}");
        assert!(out.contains("Jane Doe"), "{out}");
        assert!(out.contains("CUST-88231"), "{out}");
    }

    #[test]
    fn lenient_reads_a_stream_after_a_hex_one_as_its_own() {
        // A Flate stream less than 300 bytes after an ASCIIHex stream: the
        // hex stream's dictionary is not the Flate stream's.
        let mut pdf = b"%PDF-1.7\n1 0 obj\n<< /Filter /ASCIIHexDecode >>\nstream\n4a>\nendstream\nendobj\n2 0 obj\n<< /Filter /FlateDecode >>\nstream\n".to_vec();
        pdf.extend(zlib(b"BT (Jane Doe) Tj ET"));
        pdf.extend_from_slice(b"\nendstream\nendobj\n");
        let out = lenient_text(&pdf);
        assert!(out.contains("Jane Doe"), "{out}");
    }
}
