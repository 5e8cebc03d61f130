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

use std::borrow::Cow;
use std::ops::Range;

use super::headers::{Field, split_fields};
use super::html::{decode_entities, strip_tags};
use super::mime::{charset_is_ascii_safe, is_utf8_label, may_hide_text};
use super::patterns::Patterns;
use super::text_segments;
use super::window::{SMALL, find_in_bytes, may_match_any_substring};
use super::{rawnet, salvage};
use crate::text::base64::decode_strict as decode_base64;
use crate::text::codec::decode_charset;
use crate::text::qp::{decode_percent_strict, decode_strict as decode_quoted_printable};
use crate::text::rfc2047::decode_value;
use crate::text::{params, rfc2047};

/// Multipart nesting this prefilter follows; deeper takes the full path.
const MAX_DEPTH: usize = 8;

/// True only if the full scan of `raw` (with `envelope`) surely has no hit.
pub(crate) fn proves_no_hit(
    p: &Patterns,
    envelope: Option<&[u8]>,
    raw: &rawnet::Classified<'_>,
) -> bool {
    prove(p, envelope, raw).is_some()
}

/// The proof behind [`proves_no_hit`]. Every step answers `Some(())` when it
/// holds and `None` when it cannot be shown; a range that does not fit the
/// bytes is such a case (never read as an empty text), so `?` carries it up.
fn prove(p: &Patterns, envelope: Option<&[u8]>, classified: &rawnet::Classified<'_>) -> Option<()> {
    let raw = classified.bytes();
    ensure(!p.has_email_hashes())?;
    if let Some(env) = envelope {
        let plain = std::str::from_utf8(env).is_ok_and(|s| s.is_ascii()) && !may_hide_text(env);
        ensure(plain && no_hits(p, env))?;
    }
    // The raw safety net, exactly as the full scan cuts it.
    for s in text_segments(raw) {
        ensure(no_hits(p, raw.get(s)?))?;
    }
    let body_start = body_start(raw)?;
    let fields = split_fields(raw);
    ensure(fields.last().map(|f| f.span.end) == Some(header_end(raw, body_start)?))?;
    values_ok(p, raw, &fields)?;
    names_ok(p, raw, &fields)?;
    let mut clean = Vec::new();
    leaf_or_multipart(p, raw, &fields, body_start..raw.len(), 0, &mut clean)?;
    raw_decodings_ok(p, classified, &clean)
}

/// A check as a step of the proof: `None` (not proven) unless `holds`.
fn ensure(holds: bool) -> Option<()> {
    holds.then_some(())
}

/// The field values of one header block (`fields` are offsets into `raw`):
/// a structural one plain (read as mail-parser reads it), none with a hit
/// once its RFC 2047 words are decoded.
fn values_ok(p: &Patterns, raw: &[u8], fields: &[Field]) -> Option<()> {
    for f in fields {
        let value = raw.get(f.value.clone())?;
        ensure(!is_structural(&f.name) || plain_structural(p, value))?;
        ensure(header_value_ok(p, value))?;
    }
    Some(())
}

/// A raw header value holds no hit in any reading the scan searches
/// ([`decode_value`], [`rfc2047::other_readings`] and
/// [`params::other_readings`]).
fn header_value_ok(p: &Patterns, value: &[u8]) -> bool {
    let declared = decode_value(value);
    no_hits(p, declared.as_bytes())
        && rfc2047::other_readings(value, &declared)
            .iter()
            .chain(&params::other_readings(value))
            .all(|reading| no_hits(p, reading.as_bytes()))
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

/// The safety net's decodings of `raw` hold no hit, read as the scan reads
/// them; `clean` are the bodies this proof decoded strictly and searched,
/// which need not be searched again.
fn raw_decodings_ok(
    p: &Patterns,
    raw: &rawnet::Classified<'_>,
    clean: &[rawnet::Clean],
) -> Option<()> {
    let mut none = true;
    rawnet::decode_all(raw, clean, |_, buf| none &= decoded_ok(p, buf)).ok()?;
    ensure(none)
}

/// One decoded buffer of the safety net holds no hit: as UTF-8, as
/// windows-1252 when it is not UTF-8, and in its lines with encoded words.
fn decoded_ok(p: &Patterns, buf: &[u8]) -> bool {
    no_hits(p, buf)
        && (!salvage::may_be_1252_text(buf)
            || no_hits(
                p,
                encoding_rs::WINDOWS_1252
                    .decode_without_bom_handling(buf)
                    .0
                    .as_bytes(),
            ))
        && buf
            .split(|&b| b == b'\n')
            .filter(|line| memchr::memmem::find(line, b"=?").is_some())
            .all(|line| header_value_ok(p, line))
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
    let words_ok = memchr::memmem::find_iter(value, b"=?").all(|at| quoted_clean_word(value, at));
    words_ok && memchr::memchr_iter(b'*', value).all(|i| star_ok(p, value, i))
}

/// True if the encoded word at `at` of `value` is a whole quoted parameter
/// value and clean (see [`clean_encoded_word`]).
fn quoted_clean_word(value: &[u8], at: usize) -> bool {
    if at == 0 || value.get(at - 1) != Some(&b'"') {
        return false;
    }
    let Some(rest) = value.get(at..) else {
        return false;
    };
    let Some(end) = memchr::memchr(b'"', rest) else {
        return false;
    };
    rest.get(..end).is_some_and(clean_encoded_word)
}

/// True if the `*` at `i` of `value` is no problem: before `=`, it starts
/// an RFC 2231 value in one piece whose decoded text has no candidate;
/// elsewhere, it does not mark a continuation (`*0=`, `*1*=`).
fn star_ok(p: &Patterns, value: &[u8], i: usize) -> bool {
    let Some(rest) = value.get(i + 1..) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(b"=") else {
        // `*` not starting a parameter value: only a continuation
        // (`*0=`, `*1*=`) is a problem.
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let Some(after) = rest.get(digits..) else {
            return false;
        };
        let after = after.strip_prefix(b"*").unwrap_or(after);
        return after.first() != Some(&b'=');
    };
    let len = rest
        .iter()
        .take_while(|&&b| b != b';' && !b.is_ascii_whitespace())
        .count();
    rest.get(..len).is_some_and(|v| rfc2231_value_ok(p, v))
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

/// The bytes of a clean encoded word (see [`clean_encoded_word`]): the
/// whole of `word`, decoded strictly.
fn decode_word(word: &[u8]) -> Option<Vec<u8>> {
    let w = rfc2047::parse_word(word, 0).filter(|w| w.range.end == word.len())?;
    if !simple_charset(w.charset) {
        return None;
    }
    let bytes = w.decode_strict()?;
    (!w.charset.eq_ignore_ascii_case(b"utf-8") || std::str::from_utf8(&bytes).is_ok())
        .then_some(bytes)
}

/// True if a structural value may name an HTML file or type: `htm` in it,
/// in an encoded word's text or in a decoded RFC 2231 value. Whatever cannot
/// be read counts as naming one (the HTML readings are then checked too).
fn mentions_htm(value: &[u8]) -> bool {
    if has_htm(value) {
        return true;
    }
    let words = memchr::memmem::find_iter(value, b"=?").any(|at| word_mentions_htm(value, at));
    let extended = memchr::memchr_iter(b'*', value).any(|i| extended_mentions_htm(value, i));
    words || extended
}

/// True if `b` holds `htm`, ASCII case-insensitively.
fn has_htm(b: &[u8]) -> bool {
    b.to_ascii_lowercase().windows(3).any(|w| w == b"htm")
}

/// True if the encoded word at `at` of `value` may name HTML: its text does,
/// or it does not decode.
fn word_mentions_htm(value: &[u8], at: usize) -> bool {
    let Some(rest) = value.get(at..) else {
        return true;
    };
    // An unquoted word runs to the end of the value; if that does not
    // decode, it counts as naming HTML.
    let end = memchr::memchr(b'"', rest).unwrap_or(rest.len());
    rest.get(..end)
        .and_then(decode_word)
        .is_none_or(|b| has_htm(&b))
}

/// True if the RFC 2231 value a `*` at `i` of `value` may start names HTML:
/// its decoded text does, or it does not decode.
fn extended_mentions_htm(value: &[u8], i: usize) -> bool {
    let Some(rest) = value.get(i + 1..) else {
        return true;
    };
    let Some(rest) = rest.strip_prefix(b"=") else {
        return false;
    };
    let len = rest
        .iter()
        .take_while(|&&b| b != b';' && !b.is_ascii_whitespace())
        .count();
    rest.get(..len)
        .and_then(|v| v.splitn(3, |&b| b == b'\'').nth(2))
        .and_then(decode_percent_strict)
        .is_none_or(|b| has_htm(&b))
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
    let Some(bytes) = decode_percent_strict(text) else {
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

/// Offset of the empty line itself; `None` if `body_start` does not follow
/// a line break in `block`.
fn header_end(block: &[u8], body_start: usize) -> Option<usize> {
    let head = block.get(..body_start)?;
    if head.ends_with(b"\r\n") {
        Some(body_start - 2)
    } else if head.ends_with(b"\n") {
        Some(body_start - 1)
    } else {
        None
    }
}

/// Attachment names come from the `filename` and `name` parameters of
/// Content-Disposition and Content-Type (mail-parser's `attachment_name`),
/// quoted strings unquoted and folds unfolded. Each of those fields lies as
/// it is in the raw segments; here it is checked with folds and quotes
/// removed. The other fields of the block never yield a name.
fn names_ok(p: &Patterns, raw: &[u8], fields: &[Field]) -> Option<()> {
    let names_attachments = |name: &str| {
        name.eq_ignore_ascii_case("content-type")
            || name.eq_ignore_ascii_case("content-disposition")
    };
    for f in fields.iter().filter(|f| names_attachments(&f.name)) {
        let joined = unfolded_unquoted(raw.get(f.span.clone())?);
        ensure(!may_match_any_substring(p, &joined))?;
    }
    Some(())
}

/// A field with its line breaks, the blanks that continue a folded line
/// and its quotes removed.
fn unfolded_unquoted(field: &[u8]) -> Vec<u8> {
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
    joined
}

/// The value of the first field named `name`, trimmed; `Some(None)` if
/// absent. `None` (not proven) if the field occurs twice or its value does
/// not lie in `block`.
fn field<'a>(block: &'a [u8], fields: &[Field], name: &str) -> Option<Option<&'a [u8]>> {
    let mut found = fields.iter().filter(|f| f.name.eq_ignore_ascii_case(name));
    let first = found.next();
    if found.next().is_some() {
        return None;
    }
    match first {
        Some(f) => Some(Some(block.get(f.value.clone())?.trim_ascii())),
        None => Some(None),
    }
}

/// A parameter of a structural value (`boundary`, `charset`): quoted or a
/// token; `Some(None)` if absent. `None` (not proven) if it occurs twice or
/// is malformed.
fn param<'a>(value: &'a [u8], name: &str) -> Option<Option<&'a [u8]>> {
    let lower = value.to_ascii_lowercase();
    let mut found = None;
    for at in memchr::memmem::find_iter(&lower, name.as_bytes()) {
        // At 0 it is the media type, not a parameter.
        let before = at.checked_sub(1).and_then(|i| lower.get(i));
        let quoted = value.get(..at)?.iter().filter(|&&b| b == b'"').count() % 2 == 1;
        if quoted || !before.is_some_and(|&b| b == b';' || b.is_ascii_whitespace()) {
            continue;
        }
        let rest = value.get(at + name.len()..)?.trim_ascii_start();
        let Some(rest) = rest.strip_prefix(b"=") else {
            continue;
        };
        if found.is_some() {
            return None;
        }
        let rest = rest.trim_ascii_start();
        let v = if let Some(q) = rest.strip_prefix(b"\"") {
            q.get(..memchr::memchr(b'"', q)?)?
        } else {
            let len = rest
                .iter()
                .take_while(|&&b| b.is_ascii_alphanumeric() || b"-_.+:/',".contains(&b))
                .count();
            rest.get(..len)?
        };
        if v.is_empty() || v.iter().any(|b| b.is_ascii_whitespace() || *b == b'"') {
            return None;
        }
        found = Some(v);
    }
    Some(found)
}

/// The part whose header fields are `fields` (offsets into `raw`) and whose
/// body is `body`: `Some` if proven to hold no hit.
fn leaf_or_multipart(
    p: &Patterns,
    raw: &[u8],
    fields: &[Field],
    body: Range<usize>,
    depth: usize,
    clean: &mut Vec<rawnet::Clean>,
) -> Option<()> {
    // RFC 2045's default type, as mail-parser reads a part without one.
    let ct = field(raw, fields, "content-type")?.unwrap_or(b"text/plain");
    let cte = field(raw, fields, "content-transfer-encoding")?;
    let (ctype, subtype) = media_type(ct)?;
    ensure(!ctype.eq_ignore_ascii_case(b"message") && !subtype.eq_ignore_ascii_case(b"digest"))?;
    let body_bytes = raw.get(body.clone())?;
    if ctype.eq_ignore_ascii_case(b"multipart") {
        ensure(depth < MAX_DEPTH && cte.is_none_or(is_identity_cte))?;
        let boundary = param(ct, "boundary").flatten()?;
        for part in split_multipart(body_bytes, boundary)? {
            part_ok(
                p,
                raw,
                body.start + part.start..body.start + part.end,
                depth,
                clean,
            )?;
        }
        return Some(());
    }
    let leaf = Leaf {
        ct,
        is_text: ctype.eq_ignore_ascii_case(b"text"),
        may_be_html: may_be_html(raw, fields, ct)?,
    };
    let decoded = decode_transfer(cte, body_bytes)?;
    // What extraction finds inside an attachment is not judged here.
    let disposition = field(raw, fields, "content-disposition")?.unwrap_or_default();
    ensure(!crate::extract::may_hold_format(
        &decoded,
        &[ct, disposition],
    ))?;
    // The full scan also reads non-ASCII text parts as UTF-8 and
    // windows-1252 (a declared charset may be wrong), unless they are
    // valid UTF-8 as declared.
    ensure(
        !leaf.is_text
            || decoded.is_ascii()
            || read_only_as_declared(leaf.ct, &decoded)
            || other_readings_ok(p, &decoded),
    )?;
    if cte.is_some_and(|c| !is_identity_cte(c)) {
        // Decoded strictly, so every lenient reading agrees: the safety
        // net's decodings need not search it again.
        clean.push(rawnet::Clean {
            body,
            binary: rawnet::is_binary(&decoded),
        });
    }
    leaf_ok(p, &leaf, decoded)
}

/// True if the full scan reads the decoded bytes of a text part only as
/// its charset says (see `mime::scan_other_charsets`): the charset is
/// UTF-8 or ASCII (or none, read as ASCII), the text is the bytes read as
/// UTF-8, and they are valid UTF-8 without U+FFFD.
fn read_only_as_declared(ct: &[u8], decoded: &[u8]) -> bool {
    let Some(charset) = leaf_charset(ct) else {
        return false;
    };
    is_utf8_label(charset.unwrap_or("us-ascii"))
        && reads_as_utf8(charset, true)
        && std::str::from_utf8(decoded).is_ok_and(|s| !s.contains('\u{FFFD}'))
}

/// Non-ASCII decoded bytes hold no hit read as UTF-8 or as windows-1252.
fn other_readings_ok(p: &Patterns, decoded: &[u8]) -> bool {
    no_hits(p, decoded)
        && no_hits(
            p,
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(decoded)
                .0
                .as_bytes(),
        )
}

/// The type and subtype of a Content-Type value: plain tokens around one
/// `/`, so mail-parser reads the same ones.
fn media_type(ct: &[u8]) -> Option<(&[u8], &[u8])> {
    let mime = ct.split(|&b| b == b';').next()?.trim_ascii();
    ensure(
        mime.iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"/-+._".contains(&b))
            && memchr::memchr_iter(b'/', mime).count() == 1,
    )?;
    let slash = memchr::memchr(b'/', mime)?;
    Some((mime.get(..slash)?, mime.get(slash + 1..)?))
}

/// One part of a multipart body: `part` is its header block and body in
/// `raw`, a nesting level below `depth`.
fn part_ok(
    p: &Patterns,
    raw: &[u8],
    part: Range<usize>,
    depth: usize,
    clean: &mut Vec<rawnet::Clean>,
) -> Option<()> {
    let block = raw.get(part.clone())?;
    let start = body_start(block)?;
    ensure(block.get(..start)?.is_ascii())?;
    let fields: Vec<Field> = split_fields(block)
        .into_iter()
        .map(|f| Field {
            name: f.name,
            span: f.span.start + part.start..f.span.end + part.start,
            value: f.value.start + part.start..f.value.end + part.start,
        })
        .collect();
    let end = part.start + header_end(block, start)?;
    // A part without fields: its block is the empty line alone.
    ensure(fields.last().map_or(part.start, |f| f.span.end) == end)?;
    values_ok(p, raw, &fields)?;
    names_ok(p, raw, &fields)?;
    leaf_or_multipart(
        p,
        raw,
        &fields,
        part.start + start..part.end,
        depth + 1,
        clean,
    )
}

/// What a leaf part's body is read as.
struct Leaf<'a> {
    /// Its Content-Type value.
    ct: &'a [u8],
    /// Of type `text/*`.
    is_text: bool,
    /// See [`may_be_html`].
    may_be_html: bool,
}

/// The HTML reading applies by subtype or by an `.htm` file name; any `htm`
/// in the part's content type or disposition, decoded, counts here.
fn may_be_html(raw: &[u8], fields: &[Field], ct: &[u8]) -> Option<bool> {
    Some(mentions_htm(ct) || field(raw, fields, "content-disposition")?.is_some_and(mentions_htm))
}

/// A leaf body as its Content-Transfer-Encoding gives it (borrowed when
/// that is the identity).
fn decode_transfer<'a>(cte: Option<&[u8]>, body: &'a [u8]) -> Option<Cow<'a, [u8]>> {
    Some(match cte {
        Some(c) if c.eq_ignore_ascii_case(b"base64") => decode_base64(body)?.into(),
        Some(c) if c.eq_ignore_ascii_case(b"quoted-printable") => {
            decode_quoted_printable(body)?.into()
        }
        Some(c) if !is_identity_cte(c) => return None,
        _ => body.into(),
    })
}

/// A leaf whose body, transfer-decoded, is `decoded`: each text the full
/// scan reads from it has no hit.
fn leaf_ok(p: &Patterns, leaf: &Leaf<'_>, decoded: Cow<'_, [u8]>) -> Option<()> {
    let charset = leaf_charset(leaf.ct)?;
    ensure(leaf.is_text || encoding_rs::Encoding::for_bom(&decoded).is_none())?;
    if charset.is_none() && !leaf.may_be_html {
        // Text without charset: lossy UTF-8, as the bytes are searched.
        return ensure(no_hits(p, &decoded));
    }
    let text = body_text(decoded, charset, leaf.is_text);
    ensure(no_hits(p, text.as_bytes()))?;
    if leaf.may_be_html {
        // One HTML reading at a time: each is about the size of the text.
        let entities = decode_entities(&text);
        ensure(no_hits(p, entities.as_bytes()))?;
        drop(entities);
        ensure(no_hits(p, strip_tags(&text).as_bytes()))?;
    }
    Some(())
}

/// The `charset` parameter of a leaf's Content-Type, `Some(None)` if
/// absent; `None` (not proven) unless it maps ASCII to itself.
fn leaf_charset(ct: &[u8]) -> Option<Option<&str>> {
    match param(ct, "charset")? {
        Some(cs) if !charset_is_ascii_safe(&[b"=", cs].concat()) => None,
        Some(cs) => std::str::from_utf8(cs).ok().map(Some),
        None => Some(None),
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
    if reads_as_utf8(charset, is_text) || decoded.is_ascii() {
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

/// True if the full scan reads a body in `charset` as UTF-8 (no decoder
/// of mail-parser's, or of encoding_rs for other parts, takes the label).
fn reads_as_utf8(charset: Option<&str>, is_text: bool) -> bool {
    let decoder = |cs: &str| mail_parser::decoders::charsets::map::charset_decoder(cs.as_bytes());
    match charset {
        None => true,
        Some(cs) if is_text => decoder(cs).is_none(),
        Some(cs) => {
            // `split` always yields a first piece: the fallback is never taken.
            let label = cs.split('*').next().unwrap_or(cs).trim();
            decoder(label).is_none()
                && encoding_rs::Encoding::for_label(label.as_bytes())
                    .is_none_or(|e| e == encoding_rs::UTF_8)
        }
    }
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
        let (close, next) = delimiter_tail(body, line_start + delimiter.len())?;
        if let Some(start) = open {
            parts.push(start..part_stop(body, start, line_start));
        } else if close {
            return None;
        }
        if close {
            closed = true;
            open = None;
            if !body.get(next..)?.iter().all(u8::is_ascii_whitespace) {
                return None;
            }
        } else {
            open = Some(next);
        }
    }
    (closed && !parts.is_empty()).then_some(parts)
}

/// The rest of a delimiter line from `end` (after `--boundary`): whether it
/// is the close delimiter, and where the next line starts; `None` when
/// anything but white space follows on the line.
fn delimiter_tail(body: &[u8], mut end: usize) -> Option<(bool, usize)> {
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
    Some((close, next))
}

/// Where the part that starts at `start` ends before the delimiter line at
/// `line_start`: the line break before the delimiter belongs to it.
fn part_stop(body: &[u8], start: usize, line_start: usize) -> usize {
    let mut stop = line_start;
    if stop > start && body.get(stop - 1) == Some(&b'\n') {
        stop -= 1;
        if stop > start && body.get(stop - 1) == Some(&b'\r') {
            stop -= 1;
        }
    }
    stop
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::rawnet::Classified;
    use crate::matcher::{Matcher, MessageInput, ParseStatus};
    use crate::request::{ErasureRequest, Subject};
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
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
            .is_some()
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
    fn what_the_safety_net_decodes_is_not_proven_away() {
        let m = matcher();
        let text = b"the quarterly figures, nothing personal; write to Jane Doe today.";
        let hidden: [(&str, &str, Vec<u8>); 4] = [
            // base64 in a 7bit text part, and a base64 body with a short line
            ("text/plain", "7bit", b64(text).into_bytes()),
            ("text/plain", "base64", {
                let mut body = b64(&[&text[..], &text[..]].concat()).into_bytes();
                body.remove(7);
                body
            }),
            // quoted-printable in a 7bit part
            ("text/plain", "7bit", b"write to Jane=20Doe today".to_vec()),
            // UTF-8 bytes under another charset label
            (
                "text/plain; charset=iso-8859-2",
                "8bit",
                "Zoë, Jane Doe".as_bytes().to_vec(),
            ),
        ];
        for (ct, cte, body) in &hidden {
            let raw = message(&[(ct, cte, body)]);
            assert!(
                !proves_no_hit(&m.patterns, None, &Classified::of(&raw)),
                "{ct} {cte}"
            );
            assert!(!scan(&m, &raw).is_empty(), "{ct} {cte}");
        }
        let clean = b"the quarterly figures, nothing personal here at all.";
        let raw = message(&[("text/plain", "7bit", b64(clean).as_bytes())]);
        assert!(proves_no_hit(&m.patterns, None, &Classified::of(&raw)));
    }

    /// `xÚx` in UTF-8 reads `xÃšx` in windows-1252 and ISO-8859-2 (`xĂšx`),
    /// both `xasx` with accents folded: a term only a misreading shows.
    #[test]
    fn valid_utf8_is_read_only_as_declared_as_the_scan_does() {
        let m = Matcher::new(&ErasureRequest {
            subjects: vec![Subject {
                id: "REQ-T".into(),
                terms: vec!["XASX".into()],
                ..Subject::default()
            }],
            ..ErasureRequest::default()
        });
        let body = "ref xÚx here\r\n".as_bytes();
        for ct in ["text/plain; charset=utf-8", "text/plain"] {
            let raw = message(&[(ct, "8bit", body)]);
            assert!(
                proves_no_hit(&m.patterns, None, &Classified::of(&raw)),
                "{ct}"
            );
            assert!(scan(&m, &raw).is_empty(), "{ct}");
        }
        // Declared in another charset, the reading as declared holds it.
        let raw = message(&[("text/plain; charset=iso-8859-2", "8bit", body)]);
        assert!(!proves_no_hit(&m.patterns, None, &Classified::of(&raw)));
        assert!(!scan(&m, &raw).is_empty());
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
                proves_no_hit(&m.patterns, None, &Classified::of(&raw)),
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
        assert!(proves_no_hit(p, None, &Classified::of(&ok)));
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
            assert!(
                !proves_no_hit(p, None, &Classified::of(v.as_bytes())),
                "{v}"
            );
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

    /// A field of `block` whose value (or whole span) runs `past` bytes
    /// beyond the block's end.
    fn overrunning(name: &str, block: &[u8], past: usize) -> Field {
        let start = block.len().saturating_sub(4);
        Field {
            name: name.into(),
            span: start..block.len() + past,
            value: start..block.len() + past,
        }
    }

    #[test]
    fn a_range_outside_the_message_cannot_be_proven() {
        let p = &matcher().patterns;
        let raw = b"Content-Type: text/plain\r\n\r\nJ<b>ane</b> Doe\r\n";
        let fields = split_fields(raw);
        let body = raw.len() - 16..raw.len();
        // Consistent ranges: proven (the tags hide nothing outside HTML).
        assert!(leaf_or_multipart(p, raw, &fields, body.clone(), 0, &mut Vec::new()).is_some());
        // A body past the end, or reversed, is not an empty body.
        for bad in [raw.len()..raw.len() + 10, body.end..body.start] {
            assert!(leaf_or_multipart(p, raw, &fields, bad, 0, &mut Vec::new()).is_none());
        }
        // A Content-Disposition value past the end (it may name `a.htm`)
        // is not an empty value.
        let mut with_disposition = fields.clone();
        with_disposition.push(overrunning("Content-Disposition", raw, 40));
        assert!(leaf_or_multipart(p, raw, &with_disposition, body, 0, &mut Vec::new()).is_none());
        assert!(field(raw, &with_disposition, "content-disposition").is_none());
        // An attachment-naming field past the end is not an empty name.
        let named = [overrunning("Content-Type", raw, 1)];
        assert!(names_ok(p, raw, &named).is_none());
    }

    #[test]
    fn a_header_block_without_its_empty_line_has_no_end() {
        assert_eq!(header_end(b"", 0), None);
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

    proptest! {}

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
            if proves_no_hit(&m.patterns, None, &Classified::of(&raw)) {
                let full = m.scan_unfiltered(&MessageInput { envelope: None, raw: &raw }, Classified::of(&raw));
                prop_assert!(full.is_empty(), "{}: {:?}", String::from_utf8_lossy(&raw), full.hits);
            }
        }
    }

    #[test]
    fn inconsistent_part_ranges_cannot_be_proven() {
        let p = &matcher().patterns;
        let raw = b"X-Note: hello\r\n\r\nbody\r\n";
        let fields = split_fields(raw);
        assert!(values_ok(p, raw, &fields).is_some());
        let past = [overrunning("Subject", raw, 3)];
        assert!(values_ok(p, raw, &past).is_none());
        assert!(part_ok(p, raw, 0..raw.len(), 0, &mut Vec::new()).is_some());
        assert!(part_ok(p, raw, 0..raw.len() + 1, 0, &mut Vec::new()).is_none());
        // Cut inside its header block, a part has no body to prove.
        assert!(part_ok(p, raw, 0..10, 0, &mut Vec::new()).is_none());
    }

    /// A top-level header field of a generated message.
    #[derive(Debug, Clone)]
    enum Header {
        Plain(Vec<usize>),
        B(Vec<usize>),
        Q(Vec<usize>),
        Latin1Q(Vec<usize>),
        FromWord(Vec<usize>),
        Folded(Vec<usize>, Vec<usize>),
    }

    /// A MIME part of a generated message.
    #[derive(Debug, Clone)]
    enum Node {
        Leaf {
            ct: usize,
            cte: usize,
            name: Option<(usize, Vec<usize>)>,
            body: Vec<usize>,
        },
        Multi {
            boundary: usize,
            parts: Vec<Node>,
        },
    }

    /// Boundaries, some a prefix of another.
    const BOUNDARIES: &[&str] = &["b1", "b", "=_b1", "b1x"];

    fn picks() -> impl Strategy<Value = Vec<usize>> {
        proptest::collection::vec(0..FRAGMENTS.len(), 0..8)
    }

    fn header() -> impl Strategy<Value = Header> {
        prop_oneof![
            picks().prop_map(Header::Plain),
            picks().prop_map(Header::B),
            picks().prop_map(Header::Q),
            picks().prop_map(Header::Latin1Q),
            picks().prop_map(Header::FromWord),
            (picks(), picks()).prop_map(|(a, b)| Header::Folded(a, b)),
        ]
    }

    fn node() -> impl Strategy<Value = Node> {
        let leaf = (
            0..TYPES.len(),
            0..ENCODINGS.len(),
            proptest::option::of((0..3usize, picks())),
            proptest::collection::vec(0..FRAGMENTS.len(), 0..16),
        )
            .prop_map(|(ct, cte, name, body)| Node::Leaf {
                ct,
                cte,
                name,
                body,
            });
        leaf.prop_recursive(3, 12, 3, |inner| {
            (0..BOUNDARIES.len(), proptest::collection::vec(inner, 1..4))
                .prop_map(|(boundary, parts)| Node::Multi { boundary, parts })
        })
    }

    fn text(picks: &[usize]) -> String {
        picks.iter().map(|&i| FRAGMENTS[i]).collect()
    }

    /// RFC 2047 Q text: `_` for a space, `=XX` for anything not alphanumeric.
    fn q_word(bytes: &[u8]) -> String {
        bytes
            .iter()
            .map(|&b| match b {
                b' ' => "_".to_owned(),
                b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
                b => format!("={b:02X}"),
            })
            .collect()
    }

    fn render_header(h: &Header, out: &mut String) {
        let line = match h {
            Header::Plain(t) => format!("Subject: {}", text(t)),
            Header::B(t) => format!("Subject: =?UTF-8?B?{}?=", STANDARD.encode(text(t))),
            Header::Q(t) => format!("Comments: =?utf-8?q?{}?= x", q_word(text(t).as_bytes())),
            Header::Latin1Q(t) => {
                let latin1 = encoding_rs::WINDOWS_1252.encode(&text(t)).0.into_owned();
                format!("Subject: =?ISO-8859-1?Q?{}?=", q_word(&latin1))
            }
            Header::FromWord(t) => format!(
                "Reply-To: =?UTF-8?B?{}?= <a@b.example>",
                STANDARD.encode(text(t))
            ),
            Header::Folded(a, b) => format!("X-Note: {}\r\n {}", text(a), text(b)),
        };
        out.push_str(&line);
        out.push_str("\r\n");
    }

    fn render_node(n: &Node, out: &mut Vec<u8>) {
        match n {
            Node::Leaf {
                ct,
                cte,
                name,
                body,
            } => {
                let mut head = format!(
                    "Content-Type: {}\r\nContent-Transfer-Encoding: {}\r\n",
                    TYPES[*ct], ENCODINGS[*cte]
                );
                if let Some((kind, picks)) = name {
                    let t = text(picks);
                    let param = match kind {
                        0 => format!("filename=\"{t}\""),
                        1 => format!("filename=\"=?UTF-8?B?{}?=\"", STANDARD.encode(&t)),
                        _ => format!(
                            "filename*=utf-8''{}",
                            q_word(t.as_bytes()).replace('=', "%")
                        ),
                    };
                    head.push_str(&format!("Content-Disposition: attachment; {param}\r\n"));
                }
                out.extend_from_slice(head.as_bytes());
                out.extend_from_slice(b"\r\n");
                let body = text(body);
                match ENCODINGS[*cte] {
                    "base64" => out.extend_from_slice(b64(body.as_bytes()).as_bytes()),
                    "quoted-printable" => out.extend_from_slice(qp(body.as_bytes()).as_bytes()),
                    _ => out.extend_from_slice(body.as_bytes()),
                }
            }
            Node::Multi { boundary, parts } => {
                let b = BOUNDARIES[*boundary];
                out.extend_from_slice(
                    format!("Content-Type: multipart/mixed; boundary=\"{b}\"\r\n\r\npreamble\r\n")
                        .as_bytes(),
                );
                for part in parts {
                    out.extend_from_slice(format!("--{b}\r\n").as_bytes());
                    render_node(part, out);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(format!("--{b}--\r\n").as_bytes());
            }
        }
    }

    /// The matcher of the generated-message properties, built once.
    static MATCHER: std::sync::LazyLock<Matcher> = std::sync::LazyLock::new(matcher);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// On generated messages (RFC 2047 words in the header, nested
        /// multiparts with boundaries that prefix each other, base64 and
        /// quoted-printable bodies, encoded attachment names, an envelope,
        /// cut at any point), a message proven clean has no hit in the
        /// full scan.
        #[test]
        fn a_proof_never_hides_a_hit(
            headers in proptest::collection::vec(header(), 0..4),
            root in node(),
            envelope in proptest::option::of(picks()),
            cut in proptest::option::of(any::<prop::sample::Index>()),
            lf in any::<bool>(),
        ) {
            let m = &*MATCHER;
            let mut head = String::from("From: a@b.example\r\nMIME-Version: 1.0\r\n");
            for h in &headers {
                render_header(h, &mut head);
            }
            let mut raw = head.into_bytes();
            render_node(&root, &mut raw);
            if lf {
                raw = String::from_utf8_lossy(&raw).replace("\r\n", "\n").into_bytes();
            }
            if let Some(cut) = cut {
                raw.truncate(cut.index(raw.len() + 1));
            }
            let envelope = envelope.map(|t| format!("{}@b.example Mon Jan  1 00:00:00 2024", text(&t)));
            let envelope = envelope.as_ref().map(String::as_bytes);
            if proves_no_hit(&m.patterns, envelope, &Classified::of(&raw)) {
                let full = m.scan_unfiltered(&MessageInput { envelope, raw: &raw }, Classified::of(&raw));
                prop_assert!(full.is_empty(), "{}: {:?}", String::from_utf8_lossy(&raw), full.hits);
            }
        }
    }
}
