//! Transfer and header encodings for fixtures, written here so that fixtures do
//! not depend on the encoders of the code under test: base64, quoted-printable,
//! RFC 2047 encoded words, RFC 2231 percent-encoding.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding, on one line.
pub fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 wrapped at `width` characters, each line ended by `\n`.
pub fn base64_lines(data: &[u8], width: usize) -> String {
    let flat = base64(data);
    let mut out = String::new();
    for line in flat.as_bytes().chunks(width) {
        out.push_str(std::str::from_utf8(line).expect("ASCII"));
        out.push('\n');
    }
    out
}

/// Quoted-printable of `data` (line ends kept as hard breaks), with a soft line
/// break (`=\n`) inserted after every byte offset in `soft_breaks` (offsets into
/// `data`), and after 70 output characters otherwise.
pub fn quoted_printable(data: &[u8], soft_breaks: &[usize]) -> String {
    let mut out = String::new();
    let mut col = 0;
    for (i, &b) in data.iter().enumerate() {
        if b == b'\n' {
            out.push('\n');
            col = 0;
        } else {
            let piece = if (b == b' ' || b == b'\t') && data.get(i + 1).is_none_or(|&n| n == b'\n')
            {
                format!("={b:02X}")
            } else if (33..=126).contains(&b) && b != b'=' || b == b' ' || b == b'\t' {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            };
            if col + piece.len() > 72 {
                out.push_str("=\n");
                col = 0;
            }
            col += piece.len();
            out.push_str(&piece);
        }
        if soft_breaks.contains(&(i + 1)) {
            out.push_str("=\n");
            col = 0;
        }
    }
    out
}

/// One RFC 2047 `B` encoded word: `=?charset?B?...?=`.
pub fn word_b(charset: &str, bytes: &[u8]) -> String {
    format!("=?{charset}?B?{}?=", base64(bytes))
}

/// One RFC 2047 `Q` encoded word: `=?charset?Q?...?=` (space as `_`).
pub fn word_q(charset: &str, bytes: &[u8]) -> String {
    let mut s = format!("=?{charset}?Q?");
    for &b in bytes {
        match b {
            b' ' => s.push('_'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'!' | b'*' | b'+' | b'/' => {
                s.push(char::from(b))
            }
            _ => s.push_str(&format!("={b:02X}")),
        }
    }
    s.push_str("?=");
    s
}

/// RFC 2231 / RFC 3986 percent-encoding of `bytes` (attribute-char kept).
pub fn percent(bytes: &[u8]) -> String {
    let mut s = String::new();
    for &b in bytes {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// `text` encoded in the named charset with `encoding_rs` (panics on unmappable text).
pub fn charset(label: &str, text: &str) -> Vec<u8> {
    let enc = encoding_rs::Encoding::for_label(label.as_bytes())
        .unwrap_or_else(|| panic!("unknown charset {label}"));
    let (bytes, used, unmappable) = enc.encode(text);
    assert!(
        !unmappable && used == enc,
        "{label} cannot encode the fixture text"
    );
    bytes.into_owned()
}

#[test]
fn fixture_encoders_match_known_vectors() {
    assert_eq!(base64(b""), "");
    assert_eq!(base64(b"f"), "Zg==");
    assert_eq!(base64(b"fo"), "Zm8=");
    assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    assert_eq!(word_q("UTF-8", "é x".as_bytes()), "=?UTF-8?Q?=C3=A9_x?=");
    assert_eq!(quoted_printable(b"ab=c", &[1]), "a=\nb=3Dc");
    assert_eq!(percent("Jane Doe.pdf".as_bytes()), "Jane%20Doe.pdf");
    assert_eq!(charset("iso-8859-1", "é"), [0xe9]);
}
