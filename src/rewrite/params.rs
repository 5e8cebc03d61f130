//! MIME parameters (`Content-Type`, `Content-Disposition`): parsing with
//! byte ranges, RFC 2231 continuations and charsets, RFC 2047 words in
//! values, and the rewriting of a parameter that holds a hit.

use std::ops::Range;

use super::{Finder, RewriteError, header, mapped};
use crate::text::codec::Charset;
use crate::text::qp;

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

/// A logical parameter: its sections joined and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    /// The name without RFC 2231 suffixes, lowercase.
    pub(crate) name: String,
    /// The decoded value.
    pub(crate) value: String,
    /// False when the value was decoded lossily.
    pub(crate) exact: bool,
    /// Indices into [`Params::raw`] of every section.
    pub(crate) sections: Vec<usize>,
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

/// Parses a raw structured value leniently.
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

/// Joins the sections of every parameter and decodes the values.
pub(crate) fn join(raw: &[RawParam]) -> Vec<Param> {
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for (i, p) in raw.iter().enumerate() {
        let base = p.name.split('*').next().unwrap_or_default().to_owned();
        match groups.iter_mut().find(|(name, _)| *name == base) {
            Some((_, sections)) => sections.push(i),
            None => groups.push((base, vec![i])),
        }
    }
    groups
        .into_iter()
        .map(|(name, sections)| {
            let (value, exact) = decode_group(raw, &sections);
            Param {
                name,
                value,
                exact,
                sections,
            }
        })
        .collect()
}

/// Decodes one parameter from its sections (RFC 2231 if any section name
/// has a `*`, else a plain value that may hold RFC 2047 words).
fn decode_group(raw: &[RawParam], sections: &[usize]) -> (String, bool) {
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
        let value = sections
            .first()
            .and_then(|&i| raw.get(i))
            .map_or(&[][..], |p| p.value.as_slice());
        let decoded = header::decode_value(value);
        return (decoded.mapped.text, decoded.inexact.is_empty());
    }
    parts.sort_by_key(|(index, ..)| *index);
    decode_rfc2231(&parts)
}

/// Decodes the RFC 2231 sections `parts` (index, extended, raw value) in
/// order: the first extended one may name the charset; the text, and
/// false when it was decoded lossily.
fn decode_rfc2231(parts: &[(usize, bool, &[u8])]) -> (String, bool) {
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
    let charset = Charset::lookup(charset);
    match charset.decode_strict(&bytes) {
        Some(text) => (text.into_owned(), true),
        None => (charset.decode_lossy(&bytes).into_owned(), false),
    }
}

/// Writes a parameter: a quoted string when the value is printable ASCII,
/// else an RFC 2231 UTF-8 extended value.
fn format_param(name: &[u8], value: &str) -> Vec<u8> {
    let mut out = name.to_vec();
    if value.bytes().all(|b| (32..=126).contains(&b)) {
        out.extend_from_slice(b"=\"");
        for b in value.bytes() {
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(b"*=UTF-8''");
        for b in value.bytes() {
            if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
                out.push(b);
            } else {
                out.extend_from_slice(format!("%{b:02X}").as_bytes());
            }
        }
    }
    out
}

/// Rewrites the parameters of a raw structured value that hold a hit (all
/// sections of the parameter become one). A hit in a multipart boundary is
/// an error: changing it would break the structure.
pub(crate) fn redact_params(
    value: &[u8],
    finder: &dyn Finder,
    path: &[usize],
) -> Result<Option<Vec<u8>>, RewriteError> {
    let params = parse(value);
    let mut edits = Vec::new();
    for param in join(&params.raw) {
        let Some(new) = redacted_value(&param, finder, path)? else {
            continue;
        };
        push_param_edits(value, &params, &param, &new, &mut edits);
    }
    if edits.is_empty() {
        return Ok(None);
    }
    mapped::apply(value, edits)
        .map(Some)
        .ok_or_else(|| RewriteError::Structure {
            part: path.to_vec(),
        })
}

/// The value of `param` redacted, `None` when it holds no hit. A hit in a
/// boundary, or in a value decoded lossily, is an error.
fn redacted_value(
    param: &Param,
    finder: &dyn Finder,
    path: &[usize],
) -> Result<Option<String>, RewriteError> {
    if param.name == "boundary" {
        if !finder.find(&param.value).is_empty() {
            return Err(RewriteError::Structure {
                part: path.to_vec(),
            });
        }
        return Ok(None);
    }
    let new = mapped::redact_plain(finder, &param.value).map_err(|_| RewriteError::Structure {
        part: path.to_vec(),
    })?;
    if new.is_some() && !param.exact {
        return Err(RewriteError::UnknownCharset {
            part: path.to_vec(),
        });
    }
    Ok(new)
}

/// Pushes to `edits` what writes `param` of the raw `value` anew as `new`:
/// its first section (in the value) replaced, the others removed with the
/// `;` before them.
fn push_param_edits(
    value: &[u8],
    params: &Params,
    param: &Param,
    new: &str,
    edits: &mut Vec<mapped::Edit>,
) {
    let mut sections: Vec<&RawParam> = param
        .sections
        .iter()
        .filter_map(|&i| params.raw.get(i))
        .collect();
    sections.sort_by_key(|p| p.range.start);
    let Some((first, others)) = sections.split_first() else {
        return;
    };
    let name_start = first.range.start;
    let name = value
        .get(name_start..name_start + param.name.len())
        .unwrap_or(param.name.as_bytes());
    edits.push((first.range.clone(), format_param(name, new)));
    edits.extend(others.iter().map(|p| (p.sep..p.range.end, Vec::new())));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(v: &[u8], name: &str) -> Option<String> {
        let p = parse(v);
        join(&p.raw)
            .into_iter()
            .find(|x| x.name == name)
            .map(|x| x.value)
    }

    #[test]
    fn parses_plain_quoted_continued_and_encoded_values() {
        let v =
            b" text/plain (c;x) ; charset=\"UTF-8\";\r\n\tname=\"a \\\"b\\\".txt\"; format=flowed";
        assert_eq!(parse(v).main, "text/plain");
        assert_eq!(get(v, "charset").as_deref(), Some("UTF-8"));
        assert_eq!(get(v, "name").as_deref(), Some("a \"b\".txt"));
        assert_eq!(get(v, "format").as_deref(), Some("flowed"));
        let v = b" attachment;\r\n filename*0*=UTF-8''J%C3%BCr;\r\n filename*1=\"gen.pdf\"";
        assert_eq!(get(v, "filename").as_deref(), Some("J\u{fc}rgen.pdf"));
        let v = b" attachment; filename*=iso-8859-1'en'M%FCller.txt";
        assert_eq!(get(v, "filename").as_deref(), Some("M\u{fc}ller.txt"));
        let v = b" attachment; filename=\"=?UTF-8?Q?M=C3=BCller?=.txt\"";
        assert_eq!(get(v, "filename").as_deref(), Some("M\u{fc}ller.txt"));
        let v = b" attachment; filename=plain name.txt ; size=3";
        assert_eq!(get(v, "filename").as_deref(), Some("plain name.txt"));
    }

    #[test]
    fn formats_values() {
        assert_eq!(format_param(b"name", "a\"b"), b"name=\"a\\\"b\"");
        assert_eq!(
            format_param(b"name", "\u{fc} x"),
            b"name*=UTF-8''%C3%BC%20x"
        );
    }
}
