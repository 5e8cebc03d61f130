//! Transfer encodings written the way common mail clients write them:
//! base64 and quoted-printable bodies, RFC 2047 encoded words, mbox quoting.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `data` as base64 in lines of 76 characters, each ended by `eol`.
pub fn base64_lines(data: &[u8], eol: &[u8], out: &mut Vec<u8>) {
    out.reserve(data.len() / 57 * (76 + eol.len()) + 80);
    for line in data.chunks(57) {
        base64(line, out);
        out.extend_from_slice(eol);
    }
}

/// Appends `data` as one line of base64 (no line breaks).
pub fn base64(data: &[u8], out: &mut Vec<u8>) {
    for group in data.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = [18, 12, 6, 0].map(|shift| B64[(n >> shift) as usize & 63]);
        let keep = group.len() + 1;
        out.extend_from_slice(&chars[..keep]);
        out.extend(std::iter::repeat_n(b'=', 4 - keep));
    }
}

/// Appends `text` (lines separated by `\n`) as quoted-printable with soft
/// line breaks at 76 columns and `eol` as the line ending.
pub fn quoted_printable(text: &[u8], eol: &[u8], out: &mut Vec<u8>) {
    for line in text.split(|&b| b == b'\n') {
        let mut column = 0;
        for (i, &byte) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let plain = matches!(byte, b'!'..=b'<' | b'>'..=b'~') || (byte == b' ' && !last);
            let width = if plain { 1 } else { 3 };
            if column + width > 75 {
                out.push(b'=');
                out.extend_from_slice(eol);
                column = 0;
            }
            if plain {
                out.push(byte);
            } else {
                out.extend_from_slice(&[
                    b'=',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 15)],
                ]);
            }
            column += width;
        }
        out.extend_from_slice(eol);
    }
    out.truncate(out.len() - eol.len());
}

/// An RFC 2047 encoded word in the B (base64) encoding.
pub fn word_b(charset: &str, text: &[u8]) -> Vec<u8> {
    let mut out = format!("=?{charset}?B?").into_bytes();
    base64(text, &mut out);
    out.extend_from_slice(b"?=");
    out
}

/// An RFC 2047 encoded word in the Q encoding (spaces as `_`).
pub fn word_q(charset: &str, text: &[u8]) -> Vec<u8> {
    let mut out = format!("=?{charset}?Q?").into_bytes();
    for &byte in text {
        match byte {
            b' ' => out.push(b'_'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'+' => out.push(byte),
            _ => out.extend_from_slice(&[
                b'=',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 15)],
            ]),
        }
    }
    out.extend_from_slice(b"?=");
    out
}

/// Appends `message` to an mbox (mboxrd quoting): every line matching
/// `^>*From ` gains one `>`.
pub fn mbox_quote(message: &[u8], out: &mut Vec<u8>) {
    for line in message.split_inclusive(|&b| b == b'\n') {
        let unquoted = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        if line[unquoted..].starts_with(b"From ") {
            out.push(b'>');
        }
        out.extend_from_slice(line);
    }
}
