//! The tests' own lenient decoders (base64, quoted-printable, uuencode) and a
//! walk of a whole message with `mailparse` that returns every text a reader
//! could get from it: "no trace left" checks look at all of them, never at
//! the code under test.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn b64_value(b: u8) -> Option<u32> {
    B64.iter().position(|&c| c == b).map(|i| i as u32)
}

/// Base64 of `text` with every byte outside the alphabet (padding included)
/// ignored, a final partial group decoded as far as it goes.
pub fn base64_ignoring_junk(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in text.iter().filter_map(|&b| b64_value(b)) {
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Each line of `text` decoded on its own ([`base64_ignoring_junk`]) and
/// the results joined: what survives a line with a character dropped.
pub fn base64_by_lines(text: &[u8]) -> Vec<u8> {
    text.split(|&b| b == b'\n')
        .flat_map(base64_ignoring_junk)
        .collect()
}

/// Each run of lines without white space inside (a base64 body wherever
/// it stands), decoded with [`base64_ignoring_junk`] and joined.
pub fn base64_runs(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut run: Vec<u8> = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if !line.is_empty() && !line.iter().any(|b| b.is_ascii_whitespace()) {
            run.extend_from_slice(line);
        } else {
            out.extend(base64_ignoring_junk(&run));
            run.clear();
        }
    }
    out.extend(base64_ignoring_junk(&run));
    out
}

/// The byte the two hex digits (either case) after `text[i]` spell, if they do.
fn hex_byte_after(text: &[u8], i: usize) -> Option<u8> {
    let hex = |j: usize| text.get(j).and_then(|&b| (b as char).to_digit(16));
    Some((hex(i + 1)? * 16 + hex(i + 2)?) as u8)
}

/// Quoted-printable, leniently: `=XX` in either case decoded, `=` then
/// optional blanks then a line break is a soft break, anything else kept.
pub fn qp(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'=' {
            let mut j = i + 1;
            while j < text.len() && (text[j] == b' ' || text[j] == b'\t') {
                j += 1;
            }
            if text.get(j) == Some(&b'\n')
                || (text.get(j) == Some(&b'\r') && text.get(j + 1) == Some(&b'\n'))
            {
                i = j + if text[j] == b'\r' { 2 } else { 1 };
                continue;
            }
            if let Some(b) = hex_byte_after(text, i) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// Percent-encoding (RFC 2231 values, URLs), leniently: `%XX` in either
/// case decoded, anything else kept.
pub fn percent(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'%'
            && let Some(b) = hex_byte_after(text, i)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

/// Every RFC 2047 encoded word (`=?charset?B|Q?text?=`, any charset label)
/// of `text`, decoded leniently, joined.
pub fn encoded_words(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(at) = text[i..].windows(2).position(|w| w == b"=?") {
        let start = i + at + 2;
        let parts: Vec<&[u8]> = text[start..].splitn(3, |&b| b == b'?').collect();
        let [_, kind, rest] = parts[..] else {
            break;
        };
        let Some(end) = rest.windows(2).position(|w| w == b"?=") else {
            break;
        };
        let word = &rest[..end];
        match kind {
            b"B" | b"b" => out.extend(base64_ignoring_junk(word)),
            b"Q" | b"q" => {
                let spaced: Vec<u8> = word
                    .iter()
                    .map(|&b| if b == b'_' { b' ' } else { b })
                    .collect();
                out.extend(qp(&spaced));
            }
            _ => {}
        }
        i = start;
    }
    out
}

/// Every uuencoded block (`begin NNN name` ... `end`) in `text`, decoded.
pub fn uudecode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.starts_with(b"begin ") {
            inside = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line == b"end" {
            inside = false;
            continue;
        }
        let Some((&len, rest)) = line.split_first() else {
            continue;
        };
        let n = usize::from(len.wrapping_sub(b' ') & 63);
        let vals: Vec<u32> = rest
            .iter()
            .map(|&b| u32::from(b.wrapping_sub(b' ') & 63))
            .collect();
        let mut bytes = Vec::new();
        for g in vals.chunks(4) {
            let v = g
                .iter()
                .chain(std::iter::repeat(&0))
                .take(4)
                .fold(0, |a, &x| (a << 6) | x);
            bytes.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
        bytes.truncate(n);
        out.extend(bytes);
    }
    out
}

/// A text with every run of white space made one space, lower-cased, for
/// "contains" checks of names whose words a decoder may split by a break.
pub fn squeezed(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Everything readable in `message`: the raw bytes, every header value as
/// `mailparse` decodes it, every part body (raw, transfer-decoded, and read
/// as the declared charset, as UTF-8 and as windows-1252), and each of these
/// decoded again by the lenient decoders above (percent-decoding too, where
/// there is a `%`), three rounds deep.
pub fn all_texts(message: &[u8]) -> Vec<String> {
    let mut bufs: Vec<Vec<u8>> = vec![message.to_vec()];
    if let Ok(parsed) = mailparse::parse_mail(message) {
        walk(&parsed, &mut bufs);
    }
    let mut round = bufs.clone();
    for _ in 0..3 {
        let mut next = Vec::new();
        for b in &round {
            next.push(base64_ignoring_junk(b));
            next.push(base64_by_lines(b));
            next.push(base64_runs(b));
            next.push(qp(b));
            if b.contains(&b'%') {
                next.push(percent(b));
            }
            next.push(uudecode(b));
            next.push(encoded_words(b));
        }
        next.retain(|b| !b.is_empty());
        bufs.extend(next.iter().cloned());
        round = next;
    }
    let mut texts = Vec::new();
    for b in &bufs {
        texts.push(squeezed(b));
        let (cp1252, _, _) = encoding_rs::WINDOWS_1252.decode(b);
        texts.push(squeezed(cp1252.as_bytes()));
    }
    texts
}

fn walk(part: &mailparse::ParsedMail<'_>, out: &mut Vec<Vec<u8>>) {
    for h in &part.headers {
        out.push(h.get_value().into_bytes());
    }
    if let Ok(raw) = part.get_body_raw() {
        out.push(raw);
    }
    if let Ok(text) = part.get_body() {
        out.push(text.into_bytes());
    }
    for sub in &part.subparts {
        walk(sub, out);
    }
}
