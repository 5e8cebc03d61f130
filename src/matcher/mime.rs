//! The MIME tree, through mail-parser: parts, attachment names, nested messages.

use std::borrow::Cow;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;
use mail_parser::{Encoding, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::headers::split_fields;
use super::html::{decode_entities, strip_tags};
use super::nesting::{MAX_DEPTH, parser_safe};
use super::rawnet::{Clean, is_binary};
use super::{Decoding, Location, ParseStatus, Role, Scan};
use crate::extract::{self, Attachment, Piece};
use crate::text::base64::decode_lenient as base64_lenient;
use crate::text::codec::decode_charset;
use crate::text::qp::decode_lenient as qp_lenient;

/// Parses the message and scans every part except the top-level header
/// block (which the caller scans itself). mail-parser runs under
/// `catch_unwind`; a panic counts as a failed parse. A message nested
/// deeper than [`MAX_DEPTH`] levels, or too deeply for mail-parser (see
/// `nesting`), is [`ParseStatus::TooDeep`]: what lies below the limit is
/// not scanned.
pub(crate) fn scan_parsed(scan: &mut Scan<'_>) -> ParseStatus {
    let raw = scan.outer;
    if !parser_safe(raw) {
        return ParseStatus::TooDeep;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let msg = parser().parse(raw)?;
        let frame = Frame {
            buf: raw,
            in_outer: true,
        };
        walk(scan, &msg, frame, 0, &[], 0);
        Some(())
    }));
    match result {
        Ok(Some(())) if scan.too_deep => ParseStatus::TooDeep,
        Ok(Some(())) => ParseStatus::Parsed,
        _ if scan.too_deep => ParseStatus::TooDeep,
        _ => ParseStatus::Unparsed,
    }
}

fn parser() -> MessageParser {
    MessageParser::new().with_mime_headers()
}

/// True if the part is declared `message/rfc822` or `message/global`.
fn is_message_type(part: &MessagePart<'_>) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("message")
            && ct.subtype().is_some_and(|s| {
                s.eq_ignore_ascii_case("rfc822") || s.eq_ignore_ascii_case("global")
            })
    })
}

/// True if `a` and `b` are the same bytes in memory (not merely equal).
fn is_same(a: &[u8], b: &[u8]) -> bool {
    a.as_ptr() == b.as_ptr() && a.len() == b.len()
}

/// The buffer that part offsets refer to. mail-parser parses a 7bit/8bit
/// nested message in place (its offsets stay in the enclosing buffer) and
/// re-parses a base64/quoted-printable one from a decoded copy (offsets in
/// that copy, which is not part of the raw message). Every nested message
/// carries that buffer whole as its `raw_message`; inside an encoded level
/// it is a copy, so even a 7bit level there has a buffer of its own.
#[derive(Clone, Copy)]
struct Frame<'a> {
    /// The whole buffer the parts' offsets count in.
    buf: &'a [u8],
    /// True if `buf` is the raw message itself, so spans can be given.
    in_outer: bool,
}

fn child(path: &[usize], i: usize) -> Vec<usize> {
    let mut p = path.to_vec();
    p.push(i);
    p
}

fn walk<'a>(
    scan: &mut Scan<'_>,
    msg: &'a Message<'a>,
    frame: Frame<'a>,
    id: usize,
    path: &[usize],
    depth: usize,
) {
    let Some(part) = msg.parts.get(id) else {
        return;
    };
    scan.incomplete |= part.is_encoding_problem;
    if depth > MAX_DEPTH {
        scan.too_deep = true;
        return;
    }
    if !(depth == 0 && id == 0) {
        scan_part_headers(scan, part, frame, path);
    }
    scan_attachment_name(scan, part, path);
    let span = range(part.offset_body, part.offset_end).filter(|_| frame.in_outer);
    let location = Location::Part {
        path: path.to_vec(),
        span,
    };
    match &part.body {
        PartType::Message(nested) => walk_nested(scan, nested, path, depth),
        PartType::Multipart(ids) => walk_parts(scan, msg, frame, id, ids, path, depth),
        body => {
            note_leaf(scan, part, frame, span_of(part, frame));
            scan_leaf(scan, part, body, location, path, depth);
            if matches!(body, PartType::Text(_) | PartType::Html(_)) {
                scan_other_charsets(scan, part, frame, path);
            }
        }
    }
}

/// The body range of `part` in the outer buffer, if its frame is that buffer.
fn span_of(part: &MessagePart<'_>, frame: Frame<'_>) -> Option<std::ops::Range<usize>> {
    range(part.offset_body, part.offset_end).filter(|_| frame.in_outer)
}

/// The transfer encodings that every reader decodes alike.
const KNOWN_ENCODINGS: &[&str] = &["7bit", "8bit", "binary", "base64", "quoted-printable"];

/// Notes what the safety net needs about a leaf: a Content-Transfer-Encoding
/// nobody can decode over a non-empty body, or a base64 one over a body
/// that is mostly not base64, makes the message undecodable (it cannot be
/// proven free of identifiers); a base64 or quoted-printable
/// body mail-parser decoded without a problem, whose content holds nothing
/// that looks encoded, is clean (the safety net need not decode it again).
fn note_leaf(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    frame: Frame<'_>,
    span: Option<std::ops::Range<usize>>,
) {
    let body = range(part.offset_body, part.offset_end)
        .and_then(|r| frame.buf.get(r))
        .unwrap_or_default();
    // mail-parser's `encoding` is `None` where its decoding failed: the
    // declared one counts.
    let cte = part.content_transfer_encoding().map(str::trim);
    let unknown =
        cte.is_some_and(|cte| !KNOWN_ENCODINGS.iter().any(|k| cte.eq_ignore_ascii_case(k)));
    let base64 = cte.is_some_and(|cte| cte.eq_ignore_ascii_case("base64"));
    if (unknown && !body.trim_ascii().is_empty()) || (base64 && is_not_base64(body)) {
        scan.undecodable = true;
    }
    let encoded = matches!(part.encoding, Encoding::Base64 | Encoding::QuotedPrintable);
    if let Some(span) = span
        && encoded
        && !part.is_encoding_problem
        && !is_message_type(part)
    {
        scan.clean.push(Clean {
            body: span,
            binary: is_binary(part.contents()),
        });
    }
}

/// True if a body declared base64 is mostly something else (a quarter or
/// more of its bytes outside the alphabet, `=` and white space): no reading
/// of it can be trusted, so it cannot be proven free of identifiers.
fn is_not_base64(body: &[u8]) -> bool {
    let junk: usize = body
        .iter()
        .map(|&b| usize::from(BASE64_JUNK[usize::from(b)]))
        .sum();
    junk > 0 && junk * 4 >= body.len()
}

/// 1 for the bytes [`is_not_base64`] counts as junk: not in the alphabet,
/// not `=` and not ASCII white space (a table, as the bodies are large).
const BASE64_JUNK: [u8; 256] = {
    let mut table = [1u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=') || c.is_ascii_whitespace() {
            table[b] = 0;
        }
        b += 1;
    }
    table
};

/// True for the labels of UTF-8 (and of ASCII, a subset).
pub(super) fn is_utf8_label(cs: &str) -> bool {
    ["utf-8", "utf8", "us-ascii", "ascii"]
        .iter()
        .any(|l| cs.trim().eq_ignore_ascii_case(l))
}

/// True for the labels encoding_rs reads as windows-1252.
fn is_1252_label(cs: &str) -> bool {
    encoding_rs::Encoding::for_label(cs.trim().as_bytes()) == Some(encoding_rs::WINDOWS_1252)
}

/// A declared charset may be wrong: the transfer-decoded bytes of a text
/// part are also searched as UTF-8 (when another charset is declared) and
/// as windows-1252 (when they are not ASCII and not UTF-8 read as UTF-8),
/// where those readings differ from the declared one.
fn scan_other_charsets(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    frame: Frame<'_>,
    path: &[usize],
) {
    let declared = part
        .content_type()
        .and_then(|c| c.attribute("charset"))
        .unwrap_or("us-ascii");
    let text = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_ref(),
        _ => return,
    };
    let declared_utf8 = is_utf8_label(declared);
    if declared_utf8 && !text.contains('\u{FFFD}') {
        return;
    }
    let body = range(part.offset_body, part.offset_end)
        .and_then(|r| frame.buf.get(r))
        .unwrap_or_default();
    let bytes: Cow<'_, [u8]> = match part.encoding {
        Encoding::Base64 => Cow::Owned(base64_lenient(body)),
        Encoding::QuotedPrintable => Cow::Owned(qp_lenient(body)),
        Encoding::None => Cow::Borrowed(body),
    };
    let is_html = matches!(part.body, PartType::Html(_));
    let location = Location::Part {
        path: path.to_vec(),
        span: span_of(part, frame),
    };
    let mut search = |reading: &str| {
        if reading != text {
            scan.with_decoding(Decoding::OtherCharset, |scan| {
                if is_html {
                    scan_html(scan, reading, location.clone());
                } else {
                    scan.text(reading, Role::Mention, false, location.clone());
                }
            });
        }
    };
    let utf8 = std::str::from_utf8(&bytes).ok();
    if !declared_utf8 {
        search(&String::from_utf8_lossy(&bytes));
    }
    let read_as_declared = declared_utf8 && utf8.is_some();
    if !(bytes.is_ascii() || read_as_declared || is_1252_label(declared)) {
        search(
            &encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(&bytes)
                .0,
        );
    }
}

/// Scans the attachment name of `part`, if it has one.
fn scan_attachment_name(scan: &mut Scan<'_>, part: &MessagePart<'_>, path: &[usize]) {
    if let Some(name) = part.attachment_name() {
        let location = Location::AttachmentName {
            path: path.to_vec(),
        };
        scan.text(name, Role::Mention, false, location);
    }
}

/// Walks the parts `ids` of the multipart `id` of `msg` (only parts after
/// it: a part that refers back is skipped).
fn walk_parts<'a>(
    scan: &mut Scan<'_>,
    msg: &'a Message<'a>,
    frame: Frame<'a>,
    id: usize,
    ids: &[u32],
    path: &[usize],
    depth: usize,
) {
    for (i, &sub) in ids.iter().enumerate() {
        let Ok(sub) = usize::try_from(sub) else {
            continue;
        };
        if sub > id {
            walk(scan, msg, frame, sub, &child(path, i), depth + 1);
        }
    }
}

/// Scans the `body` of a leaf `part` at `location`: text, HTML or bytes (an
/// enclosed message given as bytes, at `path` and `depth`, is walked too).
fn scan_leaf(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    body: &PartType<'_>,
    location: Location,
    path: &[usize],
    depth: usize,
) {
    match body {
        PartType::Text(text) => {
            scan.text(text, Role::Mention, false, location.clone());
            scan_inside(scan, part, text.as_bytes(), location, path, depth);
        }
        PartType::Html(html) => scan_html(scan, html, location),
        PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
            scan_binary(scan, part, bytes, location, path, depth);
            if is_message_type(part) {
                walk_message_bytes(scan, bytes, path, depth);
            }
        }
        PartType::Message(_) | PartType::Multipart(_) => {}
    }
}

/// A part's byte range from mail-parser's offsets.
fn range(start: u32, end: u32) -> Option<std::ops::Range<usize>> {
    Some(usize::try_from(start).ok()?..usize::try_from(end).ok()?)
}

/// Scans the header fields of a part below the top level, read from the
/// buffer its offsets count in.
fn scan_part_headers(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    frame: Frame<'_>,
    path: &[usize],
) {
    let hdr = range(part.offset_header, part.offset_body).unwrap_or_default();
    let block = frame.buf.get(hdr.clone()).unwrap_or_default();
    for (index, f) in split_fields(block).into_iter().enumerate() {
        let value = block.get(f.value.clone()).unwrap_or_default();
        let span = frame
            .in_outer
            .then(|| hdr.start + f.span.start..hdr.start + f.span.end);
        let location = Location::Header {
            path: path.to_vec(),
            index,
            name: f.name,
            span,
        };
        scan.header_value(value, Role::Mention, false, &location);
    }
}

/// An enclosed message mail-parser gave as bytes (it decodes three encoded
/// levels of enclosed messages and gives the next one so): parsed and
/// walked too.
fn walk_message_bytes(scan: &mut Scan<'_>, bytes: &[u8], path: &[usize], depth: usize) {
    scan.incomplete = true;
    if depth + 1 > MAX_DEPTH || !parser_safe(bytes) {
        scan.too_deep = true;
    } else if let Some(nested) = parser().parse(bytes) {
        let frame = Frame {
            buf: bytes,
            in_outer: false,
        };
        walk(scan, &nested, frame, 0, &child(path, 0), depth + 1);
    }
}

/// An enclosed message mail-parser parsed. Its part offsets refer to the
/// whole buffer it was parsed from (`raw_message`, not the `raw_message()`
/// slice of its own span): the enclosing buffer for a 7bit level parsed in
/// place, a decoded copy for an encoded one, and a copy of that for a 7bit
/// level inside an encoded one (mail-parser copies the tree of an encoded
/// level, with the buffer of every level in it). mail-parser's tree of
/// enclosed messages can lose a level (its header block read as part of the
/// level above), so a message that encloses one is salvaged too.
fn walk_nested(scan: &mut Scan<'_>, nested: &Message<'_>, path: &[usize], depth: usize) {
    scan.incomplete = true;
    let inner: &[u8] = &nested.raw_message;
    let frame = Frame {
        buf: inner,
        in_outer: is_same(scan.outer, inner),
    };
    walk(scan, nested, frame, 0, &child(path, 0), depth + 1);
}

fn scan_html(scan: &mut Scan<'_>, html: &str, location: Location) {
    scan.text(
        &decode_entities(html),
        Role::Mention,
        false,
        location.clone(),
    );
    scan.text(&strip_tags(html), Role::Mention, false, location);
}

/// Any other leaf: decoded with its declared charset, a BOM, or as UTF-8;
/// HTML by subtype or file name is handled as HTML; and the texts inside it
/// (at `path` and `depth`, see [`scan_inside`]).
fn scan_binary(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    bytes: &[u8],
    location: Location,
    path: &[usize],
    depth: usize,
) {
    scan_inside(scan, part, bytes, location.clone(), path, depth);
    let ct = part.content_type();
    let charset = ct.and_then(|c| c.attribute("charset"));
    let subtype = ct.and_then(|c| c.subtype()).unwrap_or_default();
    let name = part
        .attachment_name()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_html = subtype.eq_ignore_ascii_case("html")
        || subtype.eq_ignore_ascii_case("xhtml+xml")
        || [".htm", ".html", ".xhtml"]
            .iter()
            .any(|e| name.ends_with(e));
    let bom = encoding_rs::Encoding::for_bom(bytes);
    if !is_html && charset.is_none() && bom.is_none() {
        // Read as UTF-8: searched in place, without a lossy copy.
        scan.text_bytes(bytes, Role::Mention, false, location);
        return;
    }
    let text = decode_leaf(bytes, charset, bom);
    if is_html {
        scan_html(scan, &text, location);
    } else {
        scan.text(&text, Role::Mention, false, location);
    }
}

/// The texts inside an attachment of `part` whose content is `bytes`
/// (office documents, archives, gzip, PDF, RTF, TNEF, vCard, iCalendar; see
/// `crate::extract`), searched at `location`; an enclosed message found
/// there (an `.eml` file, in an archive or not) is parsed and walked below
/// `path`. A `message/rfc822` part is walked by the caller already. The
/// extraction draws on the scan's budget; when it runs out (or archives
/// nest too deeply) the scan records it, and the message fails closed.
fn scan_inside(
    scan: &mut Scan<'_>,
    part: &MessagePart<'_>,
    bytes: &[u8],
    location: Location,
    path: &[usize],
    depth: usize,
) {
    let content_type = part.content_type().map_or_else(String::new, |c| {
        format!("{}/{}", c.ctype(), c.subtype().unwrap_or_default())
    });
    let att = Attachment {
        bytes,
        content_type: &content_type,
        name: part.attachment_name().unwrap_or_default(),
    };
    if is_message_type(part) || extract::sniff(&att).is_none() {
        return;
    }
    let mut budget = scan.budget;
    let mut messages: Vec<Vec<u8>> = Vec::new();
    let mut result = Ok(());
    scan.with_decoding(Decoding::Attachment, |scan| {
        result = extract::extract(&att, &mut budget, 0, &mut |piece| match piece {
            Piece::Text(text) => scan.text_bytes(text, Role::Mention, false, location.clone()),
            Piece::Message(message) => messages.push(message.to_vec()),
        });
    });
    scan.budget = budget;
    if let Err(exceeded) = result {
        scan.unextracted.get_or_insert(exceeded);
    }
    scan.with_decoding(Decoding::Attachment, |scan| {
        for message in messages {
            walk_message_bytes(scan, &message, path, depth);
        }
    });
}

/// The text of leaf bytes: decoded by their BOM, else their declared
/// `charset`, else as UTF-8 (lossily).
fn decode_leaf(
    bytes: &[u8],
    charset: Option<&str>,
    bom: Option<(&'static encoding_rs::Encoding, usize)>,
) -> String {
    match (charset, bom) {
        (_, Some((enc, bom))) => enc
            .decode_without_bom_handling(bytes.get(bom..).unwrap_or_default())
            .0
            .into_owned(),
        (Some(cs), None) => decode_charset(cs, bytes),
        (None, None) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Markers of content that mail-parser or the HTML step would decode into
/// something not literally present in the raw bytes.
static MARKERS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build([
            "=?",
            "*",
            "&",
            "base64",
            "quoted-printable",
            "text/html",
            ".htm",
            "charset",
            // Formats whose text only extraction reveals (`crate::extract`).
            "%PDF",
            "{\\rtf",
            "BEGIN:VCARD",
            "BEGIN:VCALENDAR",
        ])
        .ok()
});

/// Charsets under which ASCII bytes decode to the same ASCII text.
const ASCII_SAFE_CHARSETS: &[&str] = &[
    "us-ascii",
    "ascii",
    "utf-8",
    "utf8",
    "iso-8859-",
    "iso8859-",
    "iso_8859-",
    "latin1",
    "latin-1",
    "windows-125",
    "cp125",
    "koi8-r",
    "koi8-u",
];

/// True if ASCII `raw` may contain encoded text (RFC 2047 words, RFC 2231
/// parameters, base64 or quoted-printable parts, HTML, character references,
/// a charset that does not map ASCII to itself, a PDF, RTF, vCard or
/// iCalendar document whose escapes or folds extraction undoes).
pub(crate) fn may_hide_text(raw: &[u8]) -> bool {
    let Some(ac) = MARKERS.as_ref() else {
        return true;
    };
    ac.find_iter(raw).any(|m| {
        let rest = raw.get(m.end()..).unwrap_or_default();
        match m.pattern().as_usize() {
            1 => is_rfc2231_star(rest),
            2 => is_reference(rest),
            7 => !charset_is_ascii_safe(rest),
            _ => true,
        }
    })
}

/// The field name looked for by [`has_unknown_encoding`].
static CTE: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["content-transfer-encoding"])
        .ok()
});

/// True if `raw` has a Content-Transfer-Encoding (anywhere) whose value is
/// not one of the encodings every reader decodes alike.
pub(crate) fn has_unknown_encoding(raw: &[u8]) -> bool {
    let Some(ac) = CTE.as_ref() else {
        return true;
    };
    ac.find_iter(raw).any(|m| {
        let rest = raw.get(m.end()..).unwrap_or_default();
        let Some(rest) = rest.trim_ascii_start().strip_prefix(b":") else {
            return false;
        };
        let len = rest
            .iter()
            .position(|&b| matches!(b, b'\r' | b'\n' | b';' | b'('))
            .unwrap_or(rest.len());
        let value = rest.get(..len).unwrap_or_default().trim_ascii();
        !KNOWN_ENCODINGS
            .iter()
            .any(|k| value.eq_ignore_ascii_case(k.as_bytes()))
    })
}

/// After a `*`: `=`, `*=`, or digits then `=` / `*=` (`filename*0*=`).
fn is_rfc2231_star(rest: &[u8]) -> bool {
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &rest[digits..];
    let rest = rest.strip_prefix(b"*").unwrap_or(rest);
    rest.first() == Some(&b'=')
}

/// After a `&`: `#`, or a name followed by `;`.
fn is_reference(rest: &[u8]) -> bool {
    if rest.first() == Some(&b'#') {
        return true;
    }
    let name = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    name > 0 && rest.get(name) == Some(&b';')
}

/// After the word `charset`: false only for `= value` with an unsafe value.
pub(crate) fn charset_is_ascii_safe(rest: &[u8]) -> bool {
    let rest = rest.trim_ascii_start();
    let Some(rest) = rest.strip_prefix(b"=") else {
        return true;
    };
    let rest = rest.trim_ascii_start();
    let rest = rest.strip_prefix(b"\"").unwrap_or(rest);
    let len = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        .count();
    let value = String::from_utf8_lossy(&rest[..len]).to_ascii_lowercase();
    ASCII_SAFE_CHARSETS.iter().any(|safe| {
        if safe.ends_with(['-', '5']) {
            value.starts_with(safe)
        } else {
            value == *safe
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_base64_junk_table_is_the_rule() {
        for b in 0..=255u8 {
            let rule = !(b.is_ascii_alphanumeric()
                || matches!(b, b'+' | b'/' | b'=')
                || b.is_ascii_whitespace());
            assert_eq!(BASE64_JUNK[usize::from(b)] == 1, rule, "byte {b:#04x}");
        }
        assert!(!is_not_base64(b"SmFuZSBEb2U=\n"));
        assert!(is_not_base64(b"Jane Doe, see: {x}!"));
    }

    #[test]
    fn hidden_text_markers() {
        let hidden: &[&str] = &[
            "Subject: =?utf-8?q?x?=",
            "Content-Transfer-Encoding: BASE64",
            "Content-Transfer-Encoding: quoted-printable",
            "Content-Type: text/HTML",
            "filename=\"a.htm\"",
            "filename*=utf-8''x",
            "filename*0*=utf-8''x",
            "filename*1=x",
            "a &#64; b",
            "a &commat; b",
            "charset=\"iso-2022-jp\"",
            "charset = utf-16",
            "charset=x-unknown",
            "%PDF-1.4 <4a616e65>",
            "{\\rtf1 J\\'61ne}",
            "begin:vcard",
            "BEGIN:VCALENDAR",
        ];
        for h in hidden {
            assert!(may_hide_text(h.as_bytes()), "{h}");
        }
        let plain: &[&str] = &[
            "Subject: hello",
            "Content-Type: text/plain; charset=us-ascii",
            "Content-Type: text/plain; charset=\"UTF-8\"",
            "charset=iso-8859-15; charset=windows-1252; charset=koi8-r",
            "a & b, **bold**, x*y, q=1&r=2",
            "the charset is fine",
        ];
        for p in plain {
            assert!(!may_hide_text(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn same_buffer() {
        let outer = b"0123456789";
        assert!(is_same(outer, outer));
        assert!(!is_same(outer, &outer[3..7]));
        let copy = outer.to_vec();
        assert!(!is_same(outer, &copy));
    }
}
