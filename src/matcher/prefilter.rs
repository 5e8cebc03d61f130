//! The structural prefilter: proves "no identifier anywhere" for messages the
//! literal prefilter cannot judge (base64 and quoted-printable parts, 8-bit
//! text, RFC 2047 words in top-level fields), without mail-parser.
//!
//! It walks the MIME tree itself, but only when the structure leaves
//! mail-parser no other reading: every boundary string occurs only in its
//! delimiter lines, every part has a header block ended by an empty line, no
//! nested message, no RFC 2231 parameter or encoded word outside the
//! top-level fields, no backslash or comment in a header block, base64 and
//! quoted-printable bodies strictly valid, charsets ASCII-compatible. Anything
//! else returns `false` (not proven) and the message takes the full path.
//!
//! Each text the full scan would look at is then either computed here the
//! same way (top-level field values by [`decode_value`], part header values,
//! decoded bodies: charset decoding through the same decoders, HTML with
//! references decoded and tags stripped), or is a substring of a text
//! checked here (the raw segments, header blocks with and without folds and
//! quotes for attachment names). Texts are checked with
//! [`may_match_any_substring`], whose candidates hold for every substring,
//! so small differences in where mail-parser starts or ends a part cannot
//! hide a match.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::headers::{Field, decode_charset, decode_value, split_fields};
use super::html::{decode_entities, strip_tags};
use super::mime::{charset_is_ascii_safe, may_hide_text};
use super::patterns::Patterns;
use super::text_segments;
use super::window::{SMALL, find_in_bytes, may_match_any_substring};

/// Multipart nesting this prefilter follows; deeper takes the full path.
const MAX_DEPTH: usize = 8;

/// True only if the full scan of `raw` (with `envelope`) surely has no hit.
pub(crate) fn proves_no_hit(p: &Patterns, envelope: Option<&[u8]>, raw: &[u8]) -> bool {
    if p.has_email_hashes() {
        return false;
    }
    if let Some(env) = envelope {
        let plain = std::str::from_utf8(env).is_ok_and(|s| s.is_ascii()) && !may_hide_text(env);
        if !plain || !no_hits(p, env) {
            return false;
        }
    }
    // The raw safety net, exactly as the full scan cuts it.
    if text_segments(raw)
        .into_iter()
        .any(|s| !no_hits(p, raw.get(s).unwrap_or_default()))
    {
        return false;
    }
    let Some(body_start) = body_start(raw) else {
        return false;
    };
    let fields = split_fields(raw);
    if fields.last().map(|f| f.span.end) != Some(header_end(raw, body_start)) {
        return false;
    }
    for f in &fields {
        let value = raw.get(f.value.clone()).unwrap_or_default();
        if is_structural(&f.name) && !plain_structural(p, value) {
            return false;
        }
        if !no_hits(p, decode_value(value).as_bytes()) {
            return false;
        }
    }
    if !names_ok(p, raw, &fields) {
        return false;
    }
    leaf_or_multipart(p, raw, &fields, body_start..raw.len(), 0)
}

/// True if the full scan of exactly this text (as [`super::Scan::text_bytes`]
/// reads it) has no hit: no candidate at all, or no hit in the windowed search.
/// A large text goes straight to the windowed search, whose candidate pass
/// costs what [`may_match_any_substring`] costs; a small one would be
/// normalised whole, so the cheap test comes first.
fn no_hits(p: &Patterns, text: &[u8]) -> bool {
    if text.len() < SMALL && !may_match_any_substring(p, text) {
        return true;
    }
    find_in_bytes(p, text, false).hits.is_empty()
}

/// Fields whose parameters mail-parser reads (attachment names, charset,
/// boundary, transfer encoding).
fn is_structural(name: &str) -> bool {
    [
        "content-type",
        "content-disposition",
        "content-transfer-encoding",
    ]
    .iter()
    .any(|n| n.eq_ignore_ascii_case(name))
}

/// A structural field value this prefilter reads the same way as mail-parser:
/// ASCII, no comment, no backslash; an encoded word only as a whole quoted
/// parameter value, well formed, in a charset every decoder reads alike; an
/// RFC 2231 parameter only in one piece (`name*=utf-8''…`), checked decoded.
fn plain_structural(p: &Patterns, value: &[u8]) -> bool {
    if !value.is_ascii() || value.iter().any(|&b| matches!(b, b'(' | b'\\')) {
        return false;
    }
    for at in memchr::memmem::find_iter(value, b"=?") {
        if at == 0 || value.get(at - 1) != Some(&b'"') {
            return false;
        }
        let rest = value.get(at..).unwrap_or_default();
        let Some(end) = memchr::memchr(b'"', rest) else {
            return false;
        };
        if !clean_encoded_word(rest.get(..end).unwrap_or_default()) {
            return false;
        }
    }
    memchr::memchr_iter(b'*', value).all(|i| {
        let rest = value.get(i + 1..).unwrap_or_default();
        let Some(rest) = rest.strip_prefix(b"=") else {
            // `*` not starting a parameter value: only a continuation
            // (`*0=`, `*1*=`) is a problem.
            let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
            let after = rest.get(digits..).unwrap_or_default();
            let after = after.strip_prefix(b"*").unwrap_or(after);
            return after.first() != Some(&b'=');
        };
        let len = rest
            .iter()
            .take_while(|&&b| b != b';' && !b.is_ascii_whitespace())
            .count();
        rfc2231_value_ok(p, rest.get(..len).unwrap_or_default())
    })
}

/// Charsets whose encoded words and RFC 2231 values every decoder reads alike
/// (UTF-8 only when the bytes are valid UTF-8).
fn simple_charset(cs: &[u8]) -> bool {
    [
        "utf-8",
        "us-ascii",
        "iso-8859-1",
        "iso-8859-15",
        "windows-1252",
    ]
    .iter()
    .any(|c| cs.eq_ignore_ascii_case(c.as_bytes()))
}

/// `=?charset?Q|B?text?=`: a simple charset, Q text of printable ASCII with
/// `=XX` escapes (upper-case hex), or strictly valid B text.
fn clean_encoded_word(word: &[u8]) -> bool {
    decode_word(word).is_some()
}

/// The bytes of a clean encoded word (see [`clean_encoded_word`]).
fn decode_word(word: &[u8]) -> Option<Vec<u8>> {
    let inner = word.strip_prefix(b"=?")?.strip_suffix(b"?=")?;
    let mut it = inner.split(|&b| b == b'?');
    let (Some(cs), Some(enc), Some(text), None) = (it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    if !simple_charset(cs) {
        return None;
    }
    let bytes = if enc.eq_ignore_ascii_case(b"b") {
        STANDARD.decode(text).ok()?
    } else if enc.eq_ignore_ascii_case(b"q") && text.iter().all(u8::is_ascii_graphic) {
        decode_escapes(text, b'=')?
    } else {
        return None;
    };
    (!cs.eq_ignore_ascii_case(b"utf-8") || std::str::from_utf8(&bytes).is_ok()).then_some(bytes)
}

/// True if a structural value may name an HTML file or type: `htm` in it,
/// in an encoded word's text or in a decoded RFC 2231 value.
fn mentions_htm(value: &[u8]) -> bool {
    let has = |b: &[u8]| b.to_ascii_lowercase().windows(3).any(|w| w == b"htm");
    if has(value) {
        return true;
    }
    let words = memchr::memmem::find_iter(value, b"=?").any(|at| {
        let rest = value.get(at..).unwrap_or_default();
        let end = memchr::memchr(b'"', rest).unwrap_or(rest.len());
        decode_word(rest.get(..end).unwrap_or_default()).is_none_or(|b| has(&b))
    });
    let extended = memchr::memchr_iter(b'*', value).any(|i| {
        let Some(rest) = value.get(i + 1..).and_then(|r| r.strip_prefix(b"=")) else {
            return false;
        };
        let len = rest
            .iter()
            .take_while(|&&b| b != b';' && !b.is_ascii_whitespace())
            .count();
        let text = rest
            .get(..len)
            .unwrap_or_default()
            .splitn(3, |&b| b == b'\'')
            .nth(2);
        text.and_then(|t| decode_escapes(t, b'%'))
            .is_none_or(|b| has(&b))
    });
    words || extended
}

/// Replaces `<esc>XX` (upper-case hex) by the byte; `None` on a bad escape.
fn decode_escapes(text: &[u8], esc: u8) -> Option<Vec<u8>> {
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b == esc {
            out.push(hex(*text.get(i + 1)?)? << 4 | hex(*text.get(i + 2)?)?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

/// An RFC 2231 value `charset'lang'text` in UTF-8 or US-ASCII: its decoded
/// text (what mail-parser gives as the name) has no candidate.
fn rfc2231_value_ok(p: &Patterns, v: &[u8]) -> bool {
    let mut it = v.splitn(3, |&b| b == b'\'');
    let (Some(cs), Some(_lang), Some(text)) = (it.next(), it.next(), it.next()) else {
        return false;
    };
    let utf8 = cs.eq_ignore_ascii_case(b"utf-8");
    if !(utf8 || cs.eq_ignore_ascii_case(b"us-ascii")) {
        return false;
    }
    if !text
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"%!#$&+-.^_`|~".contains(&b))
    {
        return false;
    }
    let Some(bytes) = decode_escapes(text, b'%') else {
        return false;
    };
    let valid = if utf8 {
        std::str::from_utf8(&bytes).is_ok()
    } else {
        bytes.is_ascii()
    };
    valid && !may_match_any_substring(p, &bytes)
}

/// Offset after the empty line that ends the header block starting at 0.
fn body_start(block: &[u8]) -> Option<usize> {
    let mut pos = 0;
    while pos < block.len() {
        let end = memchr::memchr(b'\n', block.get(pos..)?).map(|i| pos + i + 1)?;
        let line = block.get(pos..end)?;
        if line == b"\n" || line == b"\r\n" {
            return Some(end);
        }
        if line.trim_ascii().is_empty() {
            // A blank line of spaces: readers may disagree where the block ends.
            return None;
        }
        pos = end;
    }
    None
}

/// Offset of the empty line itself.
fn header_end(block: &[u8], body_start: usize) -> usize {
    if block
        .get(..body_start)
        .is_some_and(|b| b.ends_with(b"\r\n"))
    {
        body_start - 2
    } else {
        body_start - 1
    }
}

/// Attachment names come from the `filename` and `name` parameters of
/// Content-Disposition and Content-Type (mail-parser's `attachment_name`),
/// quoted strings unquoted and folds unfolded. Each of those fields lies as
/// it is in the raw segments; here it is checked with folds and quotes
/// removed. The other fields of the block never yield a name.
fn names_ok(p: &Patterns, raw: &[u8], fields: &[Field]) -> bool {
    let names_attachments = |name: &str| {
        name.eq_ignore_ascii_case("content-type")
            || name.eq_ignore_ascii_case("content-disposition")
    };
    fields
        .iter()
        .filter(|f| names_attachments(&f.name))
        .all(|f| {
            let field = raw.get(f.span.clone()).unwrap_or_default();
            let mut joined = Vec::with_capacity(field.len());
            let mut i = 0;
            while let Some(&b) = field.get(i) {
                match b {
                    b'\r' | b'\n' | b'"' => {}
                    b' ' | b'\t' if i > 0 && field.get(i - 1) == Some(&b'\n') => {
                        while field.get(i + 1).is_some_and(|&c| c == b' ' || c == b'\t') {
                            i += 1;
                        }
                    }
                    _ => joined.push(b),
                }
                i += 1;
            }
            !may_match_any_substring(p, &joined)
        })
}

/// The value of the first field named `name`, lowercased and trimmed; `None`
/// inside if absent. `Err` if the field occurs twice.
fn field<'a>(block: &'a [u8], fields: &[Field], name: &str) -> Result<Option<&'a [u8]>, ()> {
    let mut found = fields.iter().filter(|f| f.name.eq_ignore_ascii_case(name));
    let first = found.next();
    if found.next().is_some() {
        return Err(());
    }
    Ok(first.map(|f| block.get(f.value.clone()).unwrap_or_default().trim_ascii()))
}

/// A parameter of a structural value (`boundary`, `charset`): quoted or a
/// token. `Err` if it occurs twice or is malformed.
fn param<'a>(value: &'a [u8], name: &str) -> Result<Option<&'a [u8]>, ()> {
    let lower = value.to_ascii_lowercase();
    let mut found = None;
    for at in memchr::memmem::find_iter(&lower, name.as_bytes()) {
        let before = at.checked_sub(1).and_then(|i| lower.get(i));
        let quoted = value
            .get(..at)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'"')
            .count()
            % 2
            == 1;
        if quoted || !before.is_some_and(|&b| b == b';' || b.is_ascii_whitespace()) {
            continue;
        }
        let rest = value
            .get(at + name.len()..)
            .unwrap_or_default()
            .trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        if found.is_some() {
            return Err(());
        }
        let rest = rest.trim_ascii_start();
        let v = if let Some(q) = rest.strip_prefix(b"\"") {
            let end = memchr::memchr(b'"', q).ok_or(())?;
            q.get(..end).unwrap_or_default()
        } else {
            let len = rest
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b"-_.+:/',".contains(&b))
                .count();
            rest.get(..len).unwrap_or_default()
        };
        if v.is_empty() || v.iter().any(|b| b.is_ascii_whitespace() || *b == b'"') {
            return Err(());
        }
        found = Some(v);
    }
    Ok(found)
}

/// The part whose header fields are `fields` and whose body is `body`.
fn leaf_or_multipart(
    p: &Patterns,
    raw: &[u8],
    fields_block: &[Field],
    body: std::ops::Range<usize>,
    depth: usize,
) -> bool {
    // `fields_block` spans are offsets into `raw` (top level) or into the
    // part's header block; callers pass fields already rebased to `raw`.
    let Ok(ct) = field(raw, fields_block, "content-type") else {
        return false;
    };
    let Ok(cte) = field(raw, fields_block, "content-transfer-encoding") else {
        return false;
    };
    let ct = ct.unwrap_or(b"text/plain");
    let ct_lower = ct.to_ascii_lowercase();
    let mime = ct_lower
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    // Type and subtype plain tokens, so mail-parser reads the same ones.
    if !mime
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"/-+._".contains(&b))
        || memchr::memchr_iter(b'/', mime).count() != 1
    {
        return false;
    }
    let (ctype, subtype) = match memchr::memchr(b'/', mime) {
        Some(i) => (
            mime.get(..i).unwrap_or_default(),
            mime.get(i + 1..).unwrap_or_default(),
        ),
        None => return false,
    };
    if ctype == b"message" || subtype == b"digest" {
        return false;
    }
    let body_bytes = raw.get(body.clone()).unwrap_or_default();
    if ctype == b"multipart" {
        if depth >= MAX_DEPTH || cte.is_some_and(|c| !is_identity_cte(c)) {
            return false;
        }
        let Ok(Some(boundary)) = param(ct, "boundary") else {
            return false;
        };
        let Some(parts) = split_multipart(body_bytes, boundary) else {
            return false;
        };
        return parts.into_iter().all(|part| {
            let part = body.start + part.start..body.start + part.end;
            let block = raw.get(part.clone()).unwrap_or_default();
            let Some(start) = body_start(block) else {
                return false;
            };
            if !block.get(..start).is_some_and(<[u8]>::is_ascii) {
                return false;
            }
            let fields: Vec<Field> = split_fields(block)
                .into_iter()
                .map(|f| Field {
                    name: f.name,
                    span: f.span.start + part.start..f.span.end + part.start,
                    value: f.value.start + part.start..f.value.end + part.start,
                })
                .collect();
            let end = part.start + header_end(block, start);
            if fields.last().map_or(part.start, |f| f.span.end) != end {
                return false;
            }
            for f in &fields {
                let value = raw.get(f.value.clone()).unwrap_or_default();
                if (is_structural(&f.name) && !plain_structural(p, value))
                    || !no_hits(p, decode_value(value).as_bytes())
                {
                    return false;
                }
            }
            names_ok(p, raw, &fields)
                && leaf_or_multipart(p, raw, &fields, part.start + start..part.end, depth + 1)
        });
    }
    let decoded: std::borrow::Cow<'_, [u8]> = match cte {
        Some(c) if c.eq_ignore_ascii_case(b"base64") => match decode_base64(body_bytes) {
            Some(d) => d.into(),
            None => return false,
        },
        Some(c) if c.eq_ignore_ascii_case(b"quoted-printable") => {
            match decode_quoted_printable(body_bytes) {
                Some(d) => d.into(),
                None => return false,
            }
        }
        Some(c) if !is_identity_cte(c) => return false,
        _ => body_bytes.into(),
    };
    let Ok(charset) = param(ct, "charset") else {
        return false;
    };
    let charset = match charset {
        Some(cs) if !charset_is_ascii_safe(&[b"=", cs].concat()) => return false,
        Some(cs) => match std::str::from_utf8(cs) {
            Ok(cs) => Some(cs),
            Err(_) => return false,
        },
        None => None,
    };
    let is_text = ctype == b"text";
    if !is_text && encoding_rs::Encoding::for_bom(&decoded).is_some() {
        return false;
    }
    // The HTML reading applies by subtype or by an `.htm` file name; any
    // `htm` in the part's content type or disposition, decoded, counts here.
    let may_be_html = mentions_htm(ct)
        || field(raw, fields_block, "content-disposition")
            .map_or(true, |d| d.is_some_and(mentions_htm));
    if charset.is_none() && !may_be_html {
        // Text without charset: lossy UTF-8, as the bytes are searched.
        return no_hits(p, &decoded);
    }
    let text = body_text(decoded, charset, is_text);
    if !no_hits(p, text.as_bytes()) {
        return false;
    }
    // One HTML reading at a time: each is about the size of the text.
    !may_be_html || {
        let entities = decode_entities(&text);
        no_hits(p, entities.as_bytes()) && {
            drop(entities);
            no_hits(p, strip_tags(&text).as_bytes())
        }
    }
}

/// The text the full scan reads from a decoded body in `charset` (which
/// maps ASCII to itself). When every decoder in play would return the
/// bytes unchanged (ASCII, or valid UTF-8 read as UTF-8), they become the
/// text without a copy, so a large body is not held twice.
fn body_text<'a>(
    decoded: std::borrow::Cow<'a, [u8]>,
    charset: Option<&str>,
    is_text: bool,
) -> std::borrow::Cow<'a, str> {
    use std::borrow::Cow;
    let decoder = |cs: &str| mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes());
    let read_as_utf8 = match charset {
        None => true,
        Some(cs) if is_text => decoder(cs).is_none(),
        Some(cs) => {
            let label = cs.split('*').next().unwrap_or(cs).trim();
            decoder(label).is_none()
                && encoding_rs::Encoding::for_label(label.as_bytes())
                    .is_none_or(|e| e == encoding_rs::UTF_8)
        }
    };
    if read_as_utf8 || decoded.is_ascii() {
        match decoded {
            Cow::Borrowed(bytes) => {
                if let Ok(text) = std::str::from_utf8(bytes) {
                    return Cow::Borrowed(text);
                }
                return Cow::Owned(decode_body(bytes, charset, is_text));
            }
            Cow::Owned(bytes) => {
                return match String::from_utf8(bytes) {
                    Ok(text) => Cow::Owned(text),
                    Err(e) => Cow::Owned(decode_body(e.as_bytes(), charset, is_text)),
                };
            }
        }
    }
    Cow::Owned(decode_body(&decoded, charset, is_text))
}

/// A decoded body read as the full scan reads it: through mail-parser's
/// decoder for a text part's charset, through [`decode_charset`] for other
/// parts, as lossy UTF-8 without a charset.
fn decode_body(decoded: &[u8], charset: Option<&str>, is_text: bool) -> String {
    match charset {
        Some(cs) if is_text => {
            match mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes()) {
                Some(decode) => decode(decoded),
                None => String::from_utf8_lossy(decoded).into_owned(),
            }
        }
        Some(cs) => decode_charset(cs, decoded),
        None => String::from_utf8_lossy(decoded).into_owned(),
    }
}

fn is_identity_cte(c: &[u8]) -> bool {
    ["7bit", "8bit", "binary"]
        .iter()
        .any(|e| c.eq_ignore_ascii_case(e.as_bytes()))
}

/// The parts of a multipart body (header block and body each), if its
/// delimiter lines are the only places `--boundary` occurs (mail-parser
/// also ends a part at one in mid-line), it has a close
/// delimiter, and nothing but white space follows that.
fn split_multipart(body: &[u8], boundary: &[u8]) -> Option<Vec<std::ops::Range<usize>>> {
    let mut parts = Vec::new();
    let mut open: Option<usize> = None;
    let mut closed = false;
    let delimiter = [b"--", boundary].concat();
    for line_start in memchr::memmem::find_iter(body, &delimiter) {
        if closed || (line_start > 0 && body.get(line_start - 1) != Some(&b'\n')) {
            return None;
        }
        let mut end = line_start + delimiter.len();
        let close = body.get(end..end + 2) == Some(b"--");
        if close {
            end += 2;
        }
        while body.get(end).is_some_and(|&b| b == b' ' || b == b'\t') {
            end += 1;
        }
        let next = match body.get(end) {
            Some(b'\n') => end + 1,
            Some(b'\r') if body.get(end + 1) == Some(&b'\n') => end + 2,
            None => end,
            Some(_) => return None,
        };
        if let Some(start) = open {
            // The line break before the delimiter belongs to it.
            let mut stop = line_start;
            if stop > start && body.get(stop - 1) == Some(&b'\n') {
                stop -= 1;
                if stop > start && body.get(stop - 1) == Some(&b'\r') {
                    stop -= 1;
                }
            }
            parts.push(start..stop);
        } else if close {
            return None;
        }
        if close {
            closed = true;
            open = None;
            if !body
                .get(next..)
                .unwrap_or_default()
                .iter()
                .all(u8::is_ascii_whitespace)
            {
                return None;
            }
        } else {
            open = Some(next);
        }
    }
    (closed && !parts.is_empty()).then_some(parts)
}

/// Strict base64: only the alphabet and white space, padding only at the
/// end, a whole number of groups.
fn decode_base64(body: &[u8]) -> Option<Vec<u8>> {
    decode_base64_blocks(body, JOIN_BLOCK).or_else(|| decode_base64_joined(body))
}

/// Characters joined before they are decoded: large enough that the
/// per-call cost vanishes, small next to a large attachment.
const JOIN_BLOCK: usize = 64 << 10;

/// [`decode_base64`] for the usual layout (no white space inside a line):
/// the lines are joined with plain copies into blocks of about `block`
/// characters, each decoded in one call. `None` for anything else, which
/// [`decode_base64_joined`] then judges.
fn decode_base64_blocks(body: &[u8], block: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 3);
    let mut joined = Vec::with_capacity(block.min(body.len()) + 4);
    // Padding ends the text: nothing may follow a decoded `=`.
    let mut padded = false;
    let mut decode_whole_groups = |joined: &mut Vec<u8>, out: &mut Vec<u8>| {
        let whole = joined.len() / 4 * 4;
        if whole == 0 {
            return Some(());
        }
        if padded {
            return None;
        }
        let groups = joined.get(..whole)?;
        base64_simd::STANDARD.decode_append(groups, out).ok()?;
        padded = groups.last() == Some(&b'=');
        joined.drain(..whole);
        Some(())
    };
    let mut start = 0;
    while start < body.len() {
        let end = memchr::memchr(b'\n', body.get(start..)?).map_or(body.len(), |i| start + i);
        joined.extend_from_slice(body.get(start..end)?.trim_ascii());
        start = end + 1;
        if joined.len() >= block {
            decode_whole_groups(&mut joined, &mut out)?;
        }
    }
    decode_whole_groups(&mut joined, &mut out)?;
    // Characters left over are less than a group.
    joined.is_empty().then_some(out)
}

/// [`decode_base64`] the thorough way: all white space removed, then decoded.
fn decode_base64_joined(body: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(&clean).ok()
}

/// Strict quoted-printable: `=` only before two upper-case hex digits or a
/// line break; CR bytes dropped (as mail-parser does).
fn decode_quoted_printable(body: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    };
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while let Some(&b) = body.get(i) {
        match b {
            b'=' => match (body.get(i + 1), body.get(i + 2)) {
                (Some(b'\n'), _) => i += 2,
                (Some(b'\r'), Some(b'\n')) => i += 3,
                (Some(&h), Some(&l)) => {
                    out.push(hex(h)? << 4 | hex(l)?);
                    i += 3;
                }
                _ => return None,
            },
            b'\r' => i += 1,
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::{Matcher, MessageInput, ParseStatus};
    use crate::request::{ErasureRequest, Subject};
    use proptest::prelude::*;

    fn matcher() -> Matcher {
        Matcher::new(&ErasureRequest {
            subjects: vec![Subject {
                id: "REQ-A".into(),
                emails: vec!["jane.doe@example.com".into()],
                names: vec!["Jane Doe".into()],
                phones: vec!["+44 20 7946 0018".into()],
                terms: vec!["CUST-88231".into()],
                ..Subject::default()
            }],
            ..ErasureRequest::default()
        })
    }

    fn b64(data: &[u8]) -> String {
        let s = STANDARD.encode(data);
        let lines: Vec<&str> = s
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap_or_default())
            .collect();
        lines.join("\r\n")
    }

    fn qp(data: &[u8]) -> String {
        let mut out = String::new();
        for (i, &b) in data.iter().enumerate() {
            if i > 0 && i % 30 == 0 {
                out.push_str("=\r\n");
            }
            if b.is_ascii_alphanumeric() || b == b' ' {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("={b:02X}"));
            }
        }
        out
    }

    fn message(parts: &[(&str, &str, &[u8])]) -> Vec<u8> {
        let mut m = String::from(
            "From: =?UTF-8?B?T2xnYSBHYXJjw61h?= <olga@example.fr>\r\n\
             To: Bob <bob@corp.example>\r\nSubject: report\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n",
        );
        let mut out = Vec::new();
        for (ct, cte, body) in parts {
            out.extend_from_slice(std::mem::take(&mut m).as_bytes());
            m.push_str(&format!(
                "--b1\r\nContent-Type: {ct}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n"
            ));
            let mut bytes = std::mem::take(&mut m).into_bytes();
            match *cte {
                "base64" => bytes.extend_from_slice(b64(body).as_bytes()),
                "quoted-printable" => bytes.extend_from_slice(qp(body).as_bytes()),
                _ => bytes.extend_from_slice(body),
            }
            bytes.extend_from_slice(b"\r\n");
            out.extend_from_slice(&bytes);
        }
        out.extend_from_slice(b"--b1--\r\n");
        out
    }

    fn scan(m: &Matcher, raw: &[u8]) -> crate::matcher::Findings {
        m.scan(&MessageInput {
            envelope: None,
            raw,
        })
    }

    /// Binary filler: every byte value, so some look like non-ASCII text.
    fn filler() -> Vec<u8> {
        (0..20_000u32)
            .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
            .collect()
    }

    #[test]
    fn names_are_checked_unfolded_and_unquoted_in_the_fields_that_carry_them() {
        let m = matcher();
        let names_ok_in = |block: &str| {
            names_ok(
                &m.patterns,
                block.as_bytes(),
                &split_fields(block.as_bytes()),
            )
        };
        for field in [
            "Content-Type: text/plain; name=\"CUST-882\r\n 31.csv\"",
            "content-disposition: attachment; filename=\"CUST\"-88231.csv",
            "Content-Disposition: attachment;\r\n\tfilename=\"Jane\"\"Doe.pdf\"",
        ] {
            let block = format!("From: a@b.example\r\n{field}\r\n\r\n");
            assert!(!names_ok_in(&block), "{field:?}");
        }
        // Other fields never name an attachment; the raw scan covers them.
        assert!(names_ok_in(
            "X-Note: CUST-882\r\n 31\r\nContent-Type: text/plain; name=a.csv\r\n\r\n"
        ));
    }

    #[test]
    fn base64_attachment_without_identifier_is_skipped() {
        let m = matcher();
        let filler = filler();
        let parts: [(&str, &str, &[u8]); 3] = [
            (
                "text/plain; charset=\"utf-8\"",
                "8bit",
                "Grüße, café\r\n".as_bytes(),
            ),
            (
                "application/pdf; name=\"=?UTF-8?Q?pr=C3=A9sentation.pdf?=\"",
                "base64",
                &filler,
            ),
            (
                "text/plain; charset=\"iso-8859-1\"",
                "quoted-printable",
                b"caf\xe9 ok",
            ),
        ];
        let raw = message(&parts);
        for part in parts {
            let raw = message(&[part]);
            assert!(
                proves_no_hit(&m.patterns, None, &raw),
                "{}",
                String::from_utf8_lossy(&raw)
            );
        }
        let f = scan(&m, &raw);
        assert_eq!(f.parse, ParseStatus::Skipped, "{:?}", f.hits);
    }

    #[test]
    fn identifiers_hidden_in_encoded_parts_are_found() {
        let m = matcher();
        let mut hidden = filler();
        hidden.splice(5000..5000, b"call Jane Doe".iter().copied());
        let cases: Vec<Vec<u8>> = vec![
            message(&[("application/octet-stream", "base64", &hidden)]),
            message(&[(
                "text/plain; charset=utf-8",
                "base64",
                b"mail jane.doe@example.com",
            )]),
            message(&[("text/plain", "quoted-printable", b"ref CUST-88231.")]),
            message(&[("text/html", "quoted-printable", b"J<span>ane</span> Doe")]),
            message(&[("text/html", "base64", b"jane.doe&#64;example.com")]),
            message(&[("text/plain; charset=iso-8859-1", "8bit", b"Jane\xa0Doe")]),
            message(&[(
                "application/pdf; name=\"=?UTF-8?B?SmFuZSBEb2UucGRm?=\"",
                "base64",
                &filler(),
            )]),
            message(&[(
                "application/pdf;\r\n name*=utf-8''Jane%20Doe.pdf",
                "base64",
                &filler(),
            )]),
            message(&[("image/png", "base64", b"+44 20 7946 0018")]),
            // `a.htm`, B-encoded: read as HTML.
            message(&[(
                "application/octet-stream; name=\"=?UTF-8?B?YS5odG0=?=\"",
                "base64",
                b"J<b>ane</b> Doe",
            )]),
        ];
        for raw in cases {
            let f = scan(&m, &raw);
            assert!(!f.is_empty(), "{}", String::from_utf8_lossy(&raw));
            assert_ne!(f.parse, ParseStatus::Skipped);
        }
    }

    #[test]
    fn unusual_structure_takes_the_full_path() {
        let p = &matcher().patterns;
        let ok = message(&[("application/pdf", "base64", b"plain data")]);
        assert!(proves_no_hit(p, None, &ok));
        let s = String::from_utf8_lossy(&ok).into_owned();
        let variants = [
            s.replace("application/pdf", "message/rfc822"),
            s.replace("application/pdf", "text/plain; charset=utf-16"),
            s.replace("boundary=\"b1\"", "boundary=\"b1\" (c)"),
            s.replace("preamble", "pre--b1amble"),
            s.replace("--b1--\r\n", ""),
            s.replace("cGxhaW4gZGF0YQ==", "cGxhaW4gZGF0YQ"),
            s.replace("application/pdf", "application/pdf; name*0*=utf-8''x"),
            s.replace("boundary=\"b1\"", "name=\"x; boundary=b1\""),
            s.replace("multipart/mixed", "multipart /mixed"),
        ];
        for v in variants {
            assert!(!proves_no_hit(p, None, v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn a_body_read_unchanged_is_not_copied() {
        use std::borrow::Cow;
        let ascii: Vec<u8> = (0..128u8).collect();
        let mut labels: Vec<String> = ["us-ascii", "ascii", "utf-8", "utf8", "latin1", "latin-1"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        for n in 1..=16 {
            labels.extend([
                format!("iso-8859-{n}"),
                format!("iso8859-{n}"),
                format!("iso_8859-{n}"),
            ]);
        }
        for n in 0..=8 {
            labels.extend([format!("windows-125{n}"), format!("cp125{n}")]);
        }
        labels.extend(["koi8-r".to_owned(), "koi8-u".to_owned()]);
        for label in &labels {
            assert!(
                charset_is_ascii_safe(format!("={label}").as_bytes()),
                "{label}"
            );
            for is_text in [true, false] {
                // Every decoder the shortcut stands for reads ASCII as itself.
                let slow = decode_body(&ascii, Some(label), is_text);
                assert_eq!(slow.as_bytes(), ascii, "{label}");
                let owned = ascii.clone();
                let at = owned.as_ptr();
                let text = body_text(Cow::Owned(owned), Some(label), is_text);
                assert_eq!(text.as_ptr(), at, "{label}: copied");
                assert!(matches!(
                    body_text(Cow::Borrowed(&ascii), Some(label), is_text),
                    Cow::Borrowed(_)
                ));
            }
        }
        // Valid UTF-8 read as UTF-8 is kept; in a single-byte charset, or
        // malformed, it is decoded as before.
        let utf8 = "Jürgen Doe".as_bytes();
        for (charset, is_text) in [(None, true), (Some("utf-8"), true), (Some("utf-8"), false)] {
            let text = body_text(Cow::Borrowed(utf8), charset, is_text);
            assert!(matches!(text, Cow::Borrowed("Jürgen Doe")));
        }
        for (bytes, charset) in [
            (utf8, Some("iso-8859-1")),
            (&b"J\xfcrgen"[..], Some("utf-8")),
            (b"J\xfcrgen", None),
        ] {
            for is_text in [true, false] {
                let text = body_text(Cow::Owned(bytes.to_vec()), charset, is_text);
                assert_eq!(text, decode_body(bytes, charset, is_text));
            }
        }
    }

    const FRAGMENTS: &[&str] = &[
        "Jane",
        "Doe",
        "jane",
        " ",
        "\r\n",
        "\u{a0}",
        "é",
        "jane.doe",
        "@",
        "example.com",
        "example.community",
        ".",
        "+44",
        " 20 ",
        "7946",
        "0018",
        "-",
        "CUST-88231",
        "cust",
        "<b>",
        "</b>",
        "<",
        "&",
        "&#64;",
        "&nbsp;",
        "=",
        "=?",
        "?=",
        "x",
    ];
    const TYPES: &[&str] = &[
        "text/plain; charset=\"utf-8\"",
        "text/plain; charset=\"iso-8859-1\"",
        "text/plain",
        "text/html; charset=utf-8",
        "application/octet-stream",
        "image/png; name=\"a.htm\"",
        "application/pdf; name=\"=?UTF-8?Q?pr=C3=A9sentation.pdf?=\"",
    ];
    const ENCODINGS: &[&str] = &["base64", "quoted-printable", "8bit"];

    proptest! {
        #[test]
        fn simd_base64_is_as_strict_as_the_base64_crate(
            text in proptest::collection::vec(
                prop::sample::select(b"AQgw+/=Zz9 ".to_vec()),
                0..40,
            ),
        ) {
            let mut simd = Vec::new();
            let simd = base64_simd::STANDARD.decode_append(&text, &mut simd).ok().map(|()| simd);
            prop_assert_eq!(simd, STANDARD.decode(&text).ok());
        }

        #[test]
        fn base64_by_lines_agrees_with_joined(
            data in prop::collection::vec(any::<u8>(), 0..200),
            width in 1..80usize,
            block in 1..40usize,
            crlf: bool,
            noise in prop::collection::vec((0..400usize, prop::sample::select(b" \t=\n\rA!".to_vec())), 0..3),
        ) {
            let encoded = STANDARD.encode(&data);
            let mut body = Vec::new();
            for chunk in encoded.as_bytes().chunks(width) {
                body.extend_from_slice(chunk);
                body.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            // Line by line decodes every clean layout itself, whatever the
            // block size.
            prop_assert_eq!(decode_base64_blocks(&body, JOIN_BLOCK), Some(data.clone()));
            prop_assert_eq!(decode_base64_blocks(&body, block), Some(data));
            for (at, b) in noise {
                body.insert(at.min(body.len()), b);
            }
            let joined = decode_base64_joined(&body);
            for lines in [decode_base64_blocks(&body, JOIN_BLOCK), decode_base64_blocks(&body, block)]
                .into_iter()
                .flatten()
            {
                prop_assert_eq!(Some(lines), joined.clone());
            }
            prop_assert_eq!(decode_base64(&body), joined);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// When the structural prefilter proves a message clean, the full
        /// scan finds nothing in it.
        #[test]
        fn proven_means_nothing_to_find(
            parts in proptest::collection::vec(
                (0..TYPES.len(), 0..ENCODINGS.len(),
                 proptest::collection::vec(0..FRAGMENTS.len(), 0..12)),
                1..4,
            ),
            latin1 in any::<bool>(),
        ) {
            let m = matcher();
            let bodies: Vec<Vec<u8>> = parts
                .iter()
                .map(|(t, _, picks)| {
                    let s: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
                    if latin1 && TYPES[*t].contains("8859") {
                        encoding_rs::WINDOWS_1252.encode(&s).0.into_owned()
                    } else {
                        s.into_bytes()
                    }
                })
                .collect();
            let spec: Vec<(&str, &str, &[u8])> = parts
                .iter()
                .zip(&bodies)
                .map(|((t, e, _), b)| (TYPES[*t], ENCODINGS[*e], b.as_slice()))
                .collect();
            let raw = message(&spec);
            if proves_no_hit(&m.patterns, None, &raw) {
                let full = m.scan_unfiltered(&MessageInput { envelope: None, raw: &raw });
                prop_assert!(full.is_empty(), "{}: {:?}", String::from_utf8_lossy(&raw), full.hits);
            }
        }
    }
}
