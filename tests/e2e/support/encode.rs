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

/// Base64 decoding, lenient like a mail reader: characters outside the
/// alphabet (line breaks, junk) are skipped, `=` ends the data.
pub fn base64_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in text {
        if c == b'=' {
            break;
        }
        let Some(v) = B64.iter().position(|&b| b == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable decoding: `=XX` escapes, soft line breaks (`=` before LF
/// or CRLF) removed; anything malformed is kept literally.
pub fn qp_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &text[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3;
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(v) = rest
            .get(..2)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// RFC 3986 percent-decoding (`%XX`; anything else is kept).
pub fn percent_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (text[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// `bytes` decoded from the named charset with `encoding_rs` (replacement
/// characters for malformed input); `None` for an unknown label.
pub fn decode_charset(label: &str, bytes: &[u8]) -> Option<String> {
    let enc = encoding_rs::Encoding::for_label(label.trim().as_bytes())?;
    Some(enc.decode_without_bom_handling(bytes).0.into_owned())
}

/// The visible text of HTML, simply: tags removed (block tags `p br div td
/// tr li` become a line break, others nothing), then character references
/// decoded (numeric, and `amp lt gt quot apos nbsp commat`).
pub fn html_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        text.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = &rest[lt..];
            break;
        };
        let tag = rest[lt + 1..lt + gt]
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if ["p", "br", "div", "td", "tr", "li"].contains(&tag.as_str()) {
            text.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    text.push_str(rest);
    html_unescape(&text)
}

/// Character references decoded (numeric, and a few named ones); unknown
/// references are kept as they are.
pub fn html_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let ch = if let Some(num) = name.strip_prefix('#') {
                let v = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(v)?
            } else {
                match name {
                    "amp" => '&',
                    "lt" => '<',
                    "gt" => '>',
                    "quot" => '"',
                    "apos" => '\'',
                    "nbsp" => '\u{a0}',
                    "commat" => '@',
                    _ => return None,
                }
            };
            Some((ch, e + 1))
        });
        match decoded {
            Some((ch, len)) => {
                out.push(ch);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
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

#[test]
fn fixture_decoders_invert_the_encoders() {
    for data in [&b""[..], b"f", b"fo", b"foo", b"any carnal pleasure."] {
        assert_eq!(base64_decode(base64_lines(data, 4).as_bytes()), data);
    }
    let text = "Write to jane.doe@example.com = caf\u{e9}\n".as_bytes();
    assert_eq!(qp_decode(quoted_printable(text, &[12]).as_bytes()), text);
    assert_eq!(qp_decode(b"a=\r\nb=3D=zz"), b"ab==zz");
    assert_eq!(
        percent_decode(percent("Jane Doe.pdf".as_bytes()).as_bytes()),
        b"Jane Doe.pdf"
    );
    assert_eq!(
        html_text("<p>J<span>ane</span>&nbsp;Doe &#64; &#x40;&amp;x &bogus;</p>"),
        "\nJane\u{a0}Doe @ @&x &bogus;\n"
    );
}
