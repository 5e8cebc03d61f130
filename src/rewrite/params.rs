//! MIME parameters (`Content-Type`, `Content-Disposition`) as the rewriter
//! reads them: the sections of `text::params` joined and decoded (RFC 2231
//! charsets, RFC 2047 words in plain values), and the rewriting of a
//! parameter that holds a hit.

use super::{Finder, RewriteError, header, mapped};
pub(crate) use crate::text::params::parse;
use crate::text::params::{self as text_params, Params, RawParam};

/// A logical parameter: its sections joined and decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Param {
    /// The name without RFC 2231 suffixes, lowercase.
    pub(crate) name: String,
    /// The decoded value.
    pub(crate) value: String,
    /// False when the value was decoded lossily.
    pub(crate) exact: bool,
    /// The other readings of an RFC 2231 value (a charset label may be
    /// wrong), each with whether it is faithful.
    pub(crate) others: Vec<(String, bool)>,
    /// Indices into [`Params::raw`] of every section.
    pub(crate) sections: Vec<usize>,
}

/// Joins the sections of every parameter and decodes the values.
pub(crate) fn join(raw: &[RawParam]) -> Vec<Param> {
    text_params::groups(raw)
        .into_iter()
        .map(|(name, sections)| {
            let (value, exact, others) = match text_params::rfc2231_bytes(raw, &sections) {
                Some((charset, bytes)) => {
                    let (value, exact) = text_params::rfc2231_text(charset, &bytes);
                    let others = text_params::rfc2231_other_readings(charset, &bytes);
                    (value, exact, others)
                }
                None => {
                    let value = sections
                        .first()
                        .and_then(|&i| raw.get(i))
                        .map_or(&[][..], |p| p.value.as_slice());
                    let decoded = header::decode_value(value);
                    (decoded.mapped.text, decoded.inexact.is_empty(), Vec::new())
                }
            };
            Param {
                name,
                value,
                exact,
                others,
                sections,
            }
        })
        .collect()
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

/// The value of `param` redacted, `None` when it holds no hit: the first
/// of its readings (the declared one, then the others) with a hit is
/// redacted and written again in UTF-8. A hit in a boundary, or in a
/// reading decoded lossily, is an error.
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
    let readings = std::iter::once((&param.value, param.exact))
        .chain(param.others.iter().map(|(text, exact)| (text, *exact)));
    for (text, exact) in readings {
        let new = mapped::redact_plain(finder, text).map_err(|_| RewriteError::Structure {
            part: path.to_vec(),
        })?;
        if new.is_some() {
            return if exact {
                Ok(new)
            } else {
                Err(RewriteError::UnknownCharset {
                    part: path.to_vec(),
                })
            };
        }
    }
    Ok(None)
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
    fn a_mislabelled_extended_value_is_redacted_in_the_reading_with_the_hit() {
        let f = super::super::tests::ListFinder::standard();
        let v =
            b" attachment; filename*0*=iso-8859-1''J%C3%BCrgen;\r\n filename*1*=%20M%C3%BCller.pdf";
        let new = redact_params(v, &f, &[]).unwrap().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&new),
            " attachment; filename=\"[erased].pdf\""
        );
        let near = b" attachment; filename*=iso-8859-1''J%C3%BCrgen%20M%C3%BCllers.pdf";
        assert_eq!(redact_params(near, &f, &[]).unwrap(), None);
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
