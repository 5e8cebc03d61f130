//! The safety net under mail-parser's MIME tree. mail-parser may not give a
//! message whole: it gives up, a part has an encoding problem, an enclosed
//! message does not parse, or (with enclosed messages inside a multipart)
//! the header block of one level is read as part of the level above and
//! never given as a header. What it lost may still hold an identifier, so
//! for such messages (any that encloses a message) the encoded words of
//! every line are decoded and searched, and every body the message
//! transfer-encodes is decoded here, leniently and level by level, and
//! searched the same way.
//! A nesting deeper than [`MAX_DEPTH`] encoded levels, or one whose decoding
//! would take more than [`BUDGET_FACTOR`] times the message's size, cannot
//! be searched: the scan reports it too deep (fail closed).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::nesting::MAX_DEPTH;
use super::{Location, Role, Scan};
use crate::text::base64::decode_lenient as base64_lenient;
use crate::text::qp::decode_lenient as qp_lenient;

/// Bytes the decoding may produce, as a multiple of the message's size.
const BUDGET_FACTOR: usize = 4;

/// Bytes the decoding may always produce, however small the message.
const MIN_BUDGET: usize = 1 << 16;

/// The transfer encodings looked for in header blocks, case-insensitively.
static ENCODINGS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["base64", "quoted-printable"])
        .ok()
});

/// Decodes every transfer-encoded body of `raw` (and of what they decode
/// to) and scans the results; see the module documentation.
pub(crate) fn scan_encoded_bodies(scan: &mut Scan<'_>, raw: &[u8]) {
    let mut budget = raw.len().saturating_mul(BUDGET_FACTOR).max(MIN_BUDGET);
    scan_encoded_words(scan, raw);
    let mut work: Vec<(Vec<u8>, usize)> = Vec::new();
    if !decode_into(raw, 1, &mut work, &mut budget) {
        scan.too_deep = true;
        return;
    }
    while let Some((buf, level)) = work.pop() {
        scan_decoded(scan, &buf);
        if !decode_into(&buf, level + 1, &mut work, &mut budget) {
            scan.too_deep = true;
            return;
        }
    }
}

/// Pushes the decoded bodies of `buf` (at `level`) onto `work`; false when
/// there are some and `level` is past [`MAX_DEPTH`] or the budget is spent.
fn decode_into(
    buf: &[u8],
    level: usize,
    work: &mut Vec<(Vec<u8>, usize)>,
    budget: &mut usize,
) -> bool {
    for body in decoded_bodies(buf) {
        if body.is_empty() {
            continue;
        }
        if level > MAX_DEPTH {
            return false;
        }
        let Some(left) = budget.checked_sub(body.len()) else {
            return false;
        };
        *budget = left;
        work.push((body, level));
    }
    true
}

/// Where a salvaged hit is: in the message, no part or span known.
fn salvaged() -> Location {
    Location::Part {
        path: Vec::new(),
        span: None,
    }
}

/// Searches one decoded body: as text (UTF-8; when it may be windows-1252
/// text, also so), and with its encoded words decoded.
pub(crate) fn scan_decoded(scan: &mut Scan<'_>, buf: &[u8]) {
    scan.text_bytes(buf, Role::Mention, false, salvaged());
    if may_be_1252_text(buf) {
        let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(buf);
        scan.text(&text, Role::Mention, false, salvaged());
    }
    scan_encoded_words(scan, buf);
}

/// True if `buf` is not UTF-8 but may be text in windows-1252: no control
/// byte but tab, line breaks and form feed (binary data has them).
pub(crate) fn may_be_1252_text(buf: &[u8]) -> bool {
    !buf.iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
        && std::str::from_utf8(buf).is_err()
}

/// Searches each line of `buf` that holds an encoded word (`=?`) with its
/// encoded words decoded.
fn scan_encoded_words(scan: &mut Scan<'_>, buf: &[u8]) {
    for line in buf.split(|&b| b == b'\n') {
        if memchr::memmem::find(line, b"=?").is_some() {
            scan.header_value(line, Role::Mention, false, &salvaged());
        }
    }
}

/// The bodies of `buf` whose header block (the lines since the previous
/// empty line or `--` line) names base64 or quoted-printable, decoded: a
/// base64 body up to its first line that is not base64, the first
/// quoted-printable one to the end of `buf` (its decoded text holds every
/// later body's, which are not decoded apart).
fn decoded_bodies(buf: &[u8]) -> Vec<Vec<u8>> {
    let Some(encodings) = ENCODINGS.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut qp_done = false;
    let mut block_start = 0;
    let mut pos = 0;
    while pos < buf.len() {
        let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i + 1);
        let line = &buf[pos..end];
        if line.starts_with(b"--") {
            block_start = end;
        } else if line.trim_ascii().is_empty() {
            let block = &buf[block_start..pos];
            let found = encodings.find(block).map(|m| m.pattern().as_usize());
            out.extend(decode_after(found, &mut qp_done, &buf[end..]));
            block_start = end;
        }
        pos = end;
    }
    out
}

/// The body `rest` after a header block that names the encoding `found`
/// (pattern 0 base64, any other quoted-printable), decoded; `qp_done` once
/// a quoted-printable body was decoded. A base64 body after a
/// quoted-printable one is in the latter's decoded text (base64 decodes as
/// itself in QP), so nothing more is decoded then.
fn decode_after(found: Option<usize>, qp_done: &mut bool, rest: &[u8]) -> Option<Vec<u8>> {
    match found {
        _ if *qp_done => None,
        Some(0) => Some(base64_run(rest)),
        Some(_) => {
            *qp_done = true;
            Some(qp_lenient(rest))
        }
        None => None,
    }
}

/// The base64 lines at the start of `body`, decoded (empty if they do not
/// decode).
fn base64_run(body: &[u8]) -> Vec<u8> {
    let mut end = 0;
    for line in body.split_inclusive(|&b| b == b'\n') {
        let text = line.trim_ascii();
        let is_base64 = !text.is_empty()
            && text
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !is_base64 {
            break;
        }
        end += line.len();
    }
    base64_lenient(&body[..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn b64(bytes: &[u8]) -> Vec<u8> {
        let text = base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(76) {
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn wrapped(inner: &[u8], cte: &str) -> Vec<u8> {
        let mut m =
            format!("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: {cte}\r\n\r\n")
                .into_bytes();
        match cte {
            "base64" => m.extend_from_slice(&b64(inner)),
            _ => m.extend(inner.iter().flat_map(|&b| format!("={b:02X}").into_bytes())),
        }
        m.extend_from_slice(b"\r\n--b--\r\n");
        m
    }

    #[test]
    fn bodies_are_decoded_level_by_level() {
        let inner = b"Subject: =?utf-8?B?SmFuZSBEb2U=?=\r\n\r\nhi\r\n".to_vec();
        let two = wrapped(&wrapped(&inner, "quoted-printable"), "base64");
        let first = decoded_bodies(&two);
        assert_eq!(first.len(), 1);
        let second = decoded_bodies(&first[0]);
        assert!(
            second[0].starts_with(&inner),
            "{:?}",
            String::from_utf8_lossy(&second[0])
        );
    }

    #[test]
    fn a_base64_body_ends_at_its_first_other_line() {
        let body = [b64(b"hello"), b"\r\n--b--\r\ntrailing\r\n".to_vec()].concat();
        assert_eq!(base64_run(&body), b"hello");
    }

    #[test]
    fn too_many_levels_spend_the_budget_or_the_depth() {
        let mut m = b"x\r\n".to_vec();
        for _ in 0..MAX_DEPTH + 2 {
            m = wrapped(&m, "base64");
        }
        let mut work = Vec::new();
        let mut budget = usize::MAX;
        let mut level = 1;
        let mut buf = m;
        let mut ok = true;
        while ok {
            work.clear();
            ok = decode_into(&buf, level, &mut work, &mut budget);
            match work.pop() {
                Some((next, _)) if ok => buf = next,
                _ => break,
            }
            level += 1;
        }
        assert!(!ok, "a nesting past the depth limit must be refused");
    }
}
