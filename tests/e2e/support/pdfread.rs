//! A minimal, independent PDF text reader for the tests (not the code under
//! test): every `stream … endstream` inflated (zlib) or hex-decoded where
//! its dictionary asks, and the literal and hex strings of the file and of
//! every stream, a `TJ` array's pieces joined.

use std::io::Read;

/// Largest stream the reader inflates.
const MAX_STREAM: u64 = 64 << 20;

/// True if `b` holds a PDF header near its start.
pub fn is_pdf(b: &[u8]) -> bool {
    b.get(..1024.min(b.len()))
        .is_some_and(|h| h.windows(5).any(|w| w == b"%PDF-"))
}

/// Every text of the PDF `b`: its strings, and the strings of each stream.
pub fn texts(b: &[u8]) -> Vec<String> {
    let mut out = vec![strings(b)];
    let mut at = 0;
    while let Some(p) = find(b, b"stream", at) {
        let dict_start = p.saturating_sub(300);
        let dict = &b[dict_start..p];
        let mut start = p + 6;
        if b.get(start) == Some(&b'\r') {
            start += 1;
        }
        if b.get(start) == Some(&b'\n') {
            start += 1;
        }
        let end = find(b, b"endstream", start).unwrap_or(b.len());
        let raw = &b[start..end];
        let has = |f: &[u8]| dict.windows(f.len()).any(|w| w == f);
        let mut data = raw.to_vec();
        if has(b"/ASCIIHexDecode") || has(b"/AHx") {
            data = hex(&data);
        }
        if has(b"/FlateDecode") || has(b"/Fl") {
            let mut z = Vec::new();
            let _ = flate2::read::ZlibDecoder::new(&data[..])
                .take(MAX_STREAM)
                .read_to_end(&mut z);
            data = z;
        }
        out.push(strings(&data));
        at = end.max(p + 6);
    }
    out
}

fn find(b: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    b.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

/// Hex digits (others ignored, `>` ends) as bytes.
fn hex(b: &[u8]) -> Vec<u8> {
    let digits: Vec<u8> = b
        .iter()
        .take_while(|&&c| c != b'>')
        .filter_map(|&c| (c as char).to_digit(16).map(|d| d as u8))
        .collect();
    digits
        .chunks(2)
        .map(|p| p[0] * 16 + p.get(1).copied().unwrap_or(0))
        .collect()
}

/// A string's bytes as text: UTF-16BE after FE FF, else Latin-1.
fn text_of(s: &[u8]) -> String {
    if let Some(be) = s.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = be
            .chunks(2)
            .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    s.iter().map(|&c| c as char).collect()
}

/// The literal and hex strings of `b`, each followed by a space unless it
/// is inside an array.
fn strings(b: &[u8]) -> String {
    let mut out = String::new();
    let mut array = false;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'(' => {
                let mut depth = 0;
                let mut s = Vec::new();
                while i < b.len() {
                    let c = b[i];
                    i += 1;
                    match c {
                        b'\\' if i < b.len() => {
                            let e = b[i];
                            i += 1;
                            if e.is_ascii_digit() {
                                let mut v = (e - b'0') as u32;
                                let mut n = 1;
                                while n < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                                    v = v * 8 + (b[i] - b'0') as u32;
                                    i += 1;
                                    n += 1;
                                }
                                s.push(v as u8);
                            } else {
                                s.push(match e {
                                    b'n' => b'\n',
                                    b'r' => b'\r',
                                    b't' => b'\t',
                                    other => other,
                                });
                            }
                        }
                        b'(' => {
                            if depth > 0 {
                                s.push(c);
                            }
                            depth += 1;
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            s.push(c);
                        }
                        _ => s.push(c),
                    }
                }
                out.push_str(&text_of(&s));
                if !array {
                    out.push(' ');
                }
            }
            b'<' if b.get(i + 1) == Some(&b'<') => i += 2,
            b'<' => {
                let end = find(b, b">", i).unwrap_or(b.len());
                out.push_str(&text_of(&hex(&b[i + 1..end])));
                if !array {
                    out.push(' ');
                }
                i = end + 1;
            }
            b'[' => {
                array = true;
                i += 1;
            }
            b']' => {
                array = false;
                out.push(' ');
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}
