//! MIME parameters (`Content-Type`, `Content-Disposition`): the one lenient
//! parser of a structured value, with byte ranges, that the rewriter and
//! the matcher's scan share, and the RFC 2231 sections (`name*0*=`,
//! `name*1=`, `name*=charset'lang'%XX`) joined into their bytes. The scan
//! searches those bytes in the readings a wrong charset label calls for
//! ([`other_readings`]); mail-parser reads the declared one.

use std::ops::Range;

use super::codec::{Charset, Reading, read_as};
use super::qp;

/// One `name=value` as written (a section of an RFC 2231 parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawParam {
    /// Offset of the `;` before it.
    pub(crate) sep: usize,
    /// From the first byte of the name to the last byte of the value.
    pub(crate) range: Range<usize>,
    /// The name, lowercase, with any `*N*` suffix.
    pub(crate) name: String,
    /// The value, unquoted and unfolded.
    pub(crate) value: Vec<u8>,
}

/// A parsed structured value: the main value and its raw parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Params {
    /// The main value (`text/plain`, `attachment`), lowercase.
    pub(crate) main: String,
    /// The parameters in source order.
    pub(crate) raw: Vec<RawParam>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Skips white space, folding and comments.
fn skip_cfws(v: &[u8], mut i: usize) -> usize {
    loop {
        while v.get(i).is_some_and(|&b| is_ws(b)) {
            i += 1;
        }
        if v.get(i) != Some(&b'(') {
            return i;
        }
        let mut depth = 0usize;
        while let Some(&b) = v.get(i) {
            i += 1;
            match b {
                b'\\' => i += 1,
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Parses a raw structured value leniently: the main value and every
/// `name=value` after a `;` (quoted strings unquoted, folds dropped,
/// comments skipped).
pub(crate) fn parse(v: &[u8]) -> Params {
    let mut i = skip_cfws(v, 0);
    let start = i;
    while v
        .get(i)
        .is_some_and(|&b| b != b';' && b != b'(' && !is_ws(b))
    {
        i += 1;
    }
    let main = String::from_utf8_lossy(v.get(start..i).unwrap_or_default()).to_ascii_lowercase();
    let mut raw = Vec::new();
    while let Some(&b) = v.get(i) {
        if b != b';' {
            i += 1;
            continue;
        }
        let (param, next) = parse_param(v, i);
        raw.extend(param);
        i = next;
    }
    Params { main, raw }
}

/// The parameter after the `;` at `sep`, if a name and `=` follow it, and
/// where reading goes on.
fn parse_param(v: &[u8], sep: usize) -> (Option<RawParam>, usize) {
    let mut i = skip_cfws(v, sep + 1);
    let name_start = i;
    while v
        .get(i)
        .is_some_and(|&b| b != b'=' && b != b';' && !is_ws(b))
    {
        i += 1;
    }
    let name = v.get(name_start..i).unwrap_or_default();
    let j = skip_cfws(v, i);
    if name.is_empty() || v.get(j) != Some(&b'=') {
        return (None, i.max(j));
    }
    let j = skip_cfws(v, j + 1);
    let (value, end) = parse_value(v, j);
    let param = RawParam {
        sep,
        range: name_start..end,
        name: String::from_utf8_lossy(name).to_ascii_lowercase(),
        value,
    };
    (Some(param), end.max(j))
}

/// A quoted string or a (lenient) token starting at `j`: its unquoted,
/// unfolded bytes and where it ends.
fn parse_value(v: &[u8], j: usize) -> (Vec<u8>, usize) {
    if v.get(j) == Some(&b'"') {
        return quoted_value(v, j);
    }
    let mut buf = Vec::new();
    let mut end = j;
    while v.get(end).is_some_and(|&b| b != b';') {
        end += 1;
    }
    while end > j && v.get(end - 1).is_some_and(|&b| is_ws(b)) {
        end -= 1;
    }
    buf.extend(
        v.get(j..end)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b != b'\r' && b != b'\n'),
    );
    (buf, end)
}

/// The quoted string starting at `j`: its unquoted, unfolded bytes and
/// where it ends (an unclosed one ends at the end of `v`).
fn quoted_value(v: &[u8], j: usize) -> (Vec<u8>, usize) {
    let mut buf = Vec::new();
    let mut k = j + 1;
    while let Some(&c) = v.get(k) {
        match c {
            b'\\' => {
                if let Some(&n) = v.get(k + 1) {
                    buf.push(n);
                }
                k += 2;
            }
            b'"' => return (buf, k + 1),
            b'\r' | b'\n' => k += 1,
            _ => {
                buf.push(c);
                k += 1;
            }
        }
    }
    (buf, v.len())
}

/// The parameters of `raw` grouped by name (the RFC 2231 `*N` and `*`
/// suffixes left out), in the order each name first appears: the name and
/// the indices of its sections into `raw`.
pub(crate) fn groups(raw: &[RawParam]) -> Vec<(String, Vec<usize>)> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let base = p.name.split('*').next().unwrap_or_default().to_owned();
        match groups.iter_mut().find(|(name, _)| *name == base) {
            Some((_, sections)) => sections.push(i),
            None => groups.push((base, vec![i])),
        }
    }
    groups
}

/// The RFC 2231 value of the sections `sections` of `raw`, if any of them
/// is one (its name has a `*`): the charset label the first extended
/// section names (`us-ascii` if none) and the bytes of all sections in
/// index order, extended ones percent-decoded leniently.
pub(crate) fn rfc2231_bytes<'a>(
    raw: &'a [RawParam],
    sections: &[usize],
) -> Option<(&'a [u8], Vec<u8>)> {
    let mut parts: Vec<(usize, bool, &[u8])> = sections
        .iter()
        .filter_map(|&i| raw.get(i))
        .filter_map(|p| {
            let (_, suffix) = p.name.split_once('*')?;
            let extended = suffix.is_empty() || suffix.ends_with('*');
            let index = suffix.trim_end_matches('*').parse().unwrap_or(0);
            Some((index, extended, p.value.as_slice()))
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    parts.sort_by_key(|(index, ..)| *index);
    let mut charset: &[u8] = b"us-ascii";
    let mut bytes = Vec::new();
    for (n, (_, extended, value)) in parts.iter().enumerate() {
        if !extended {
            bytes.extend_from_slice(value);
            continue;
        }
        let mut value: &[u8] = value;
        if n == 0 {
            let mut fields = value.splitn(3, |&b| b == b'\'');
            if let (Some(cs), Some(_), Some(rest)) = (fields.next(), fields.next(), fields.next()) {
                charset = cs;
                value = rest;
            }
        }
        bytes.extend(qp::decode_percent_lenient(value));
    }
    Some((charset, bytes))
}

/// The RFC 2231 value `bytes` in `charset` as the rewriter reads it: the
/// text, and false when it was decoded lossily.
pub(crate) fn rfc2231_text(charset: &[u8], bytes: &[u8]) -> (String, bool) {
    let charset = Charset::lookup(charset);
    match charset.decode_strict(bytes) {
        Some(text) => (text.into_owned(), true),
        None => (charset.decode_lossy(bytes).into_owned(), false),
    }
}

/// The readings of an RFC 2231 value other than [`rfc2231_text`]'s (a
/// charset label may be wrong): each with whether it is faithful, those
/// equal to the declared reading or to each other left out.
pub(crate) fn rfc2231_other_readings(charset: &[u8], bytes: &[u8]) -> Vec<(String, bool)> {
    let (declared, _) = rfc2231_text(charset, bytes);
    let mut out: Vec<(String, bool)> = Vec::new();
    for reading in Reading::OTHERS {
        let (text, faithful) = read_as(charset, bytes, reading);
        if text != declared && out.iter().all(|(t, _)| *t != text) {
            out.push((text.into_owned(), faithful));
        }
    }
    out
}

/// The other readings ([`rfc2231_other_readings`]) of every RFC 2231
/// parameter of the raw structured value `value`, for the scan. Empty
/// without an extended parameter (`*=`).
pub(crate) fn other_readings(value: &[u8]) -> Vec<String> {
    if memchr::memmem::find(value, b"*=").is_none() {
        return Vec::new();
    }
    let params = parse(value);
    let mut out = Vec::new();
    for (_, sections) in groups(&params.raw) {
        if let Some((charset, bytes)) = rfc2231_bytes(&params.raw, &sections) {
            out.extend(
                rfc2231_other_readings(charset, &bytes)
                    .into_iter()
                    .map(|(text, _)| text),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mislabelled_extended_value_has_its_other_readings() {
        // UTF-8 bytes labelled ISO-8859-1, in two sections.
        let v =
            b" attachment; filename*0*=iso-8859-1''Ren%C3%A9e;\r\n filename*1*=%20M%C3%BCller.pdf";
        assert_eq!(other_readings(v), ["Ren\u{e9}e M\u{fc}ller.pdf"]);
        // windows-1252 bytes labelled UTF-8.
        let v = b" attachment; filename*=utf-8''M%FCller.pdf";
        assert_eq!(other_readings(v), ["M\u{fc}ller.pdf"]);
        // Labels that are right, and plain values, have none.
        assert!(other_readings(b" attachment; filename*=utf-8''M%C3%BCller.pdf").is_empty());
        assert_eq!(
            other_readings(b" attachment; filename*=iso-8859-1''M%FCller.pdf"),
            ["M\u{fffd}ller.pdf"],
            "only the lossy UTF-8 reading differs"
        );
        assert!(other_readings(b" attachment; filename=\"a*=b.pdf\"").is_empty());
    }
}
