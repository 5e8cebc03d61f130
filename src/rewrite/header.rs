//! Header blocks: fields with their byte ranges, RFC 2047 decoding with a
//! map back to the raw bytes, and the redaction of one field.

use std::borrow::Cow;
use std::ops::Range;

use super::mapped::{self, Cover, Hit, Mapped, Seg, SegKind};
use super::{EMAIL_MARKER, Finder, RewriteError, TEXT_MARKER, params};
use crate::mailbox::field_name;
use crate::text::codec::Reading;
use crate::text::rfc2047::{self, Piece};

/// The longest line RFC 5322 allows, without its line ending.
const MAX_LINE: usize = 998;
/// The line length this module aims at when it writes new folded text.
const FOLD_AT: usize = 78;

/// One header field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The whole field, continuation lines and final line ending included.
    pub(crate) range: Range<usize>,
    /// The field name (empty for continuation lines with no field).
    pub(crate) name: Range<usize>,
    /// The value: after the colon, up to the final line ending.
    pub(crate) value: Range<usize>,
}

/// A parsed header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Block {
    /// The fields in order.
    pub(crate) fields: Vec<Field>,
    /// Where the body starts (after the blank line, if there is one).
    pub(crate) body_start: usize,
}

/// Splits the header block off an entity. The block ends at the first
/// blank line, at the first line that is neither a field nor a
/// continuation (no separator: the body starts there), or at the end.
pub(crate) fn parse_block(bytes: &[u8]) -> Block {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = bytes.get(pos..).unwrap_or_default();
        let line_len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = rest.get(..line_len).unwrap_or_default();
        let content = crate::mailbox::trim_eol(line);
        if content.is_empty() && line_len > 0 && line.ends_with(b"\n") {
            return Block {
                fields,
                body_start: pos + line_len,
            };
        }
        let end = pos + line_len;
        if !push_line(&mut fields, content, pos..end) {
            return Block {
                fields,
                body_start: pos,
            };
        }
        pos = end;
    }
    Block {
        fields,
        body_start: bytes.len(),
    }
}

/// Adds the header line at `line` (`content`: its bytes without the line
/// ending) to `fields`: a continuation extends the last field (or starts
/// one with no name), a field line starts a field. False when the line is
/// neither: the body starts there.
fn push_line(fields: &mut Vec<Field>, content: &[u8], line: Range<usize>) -> bool {
    let (pos, end) = (line.start, line.end);
    let value_end = pos + content.len();
    let continuation = matches!(content.first(), Some(b' ' | b'\t'));
    if continuation && let Some(last) = fields.last_mut() {
        last.range.end = end;
        last.value.end = value_end;
    } else if let Some(name) = field_name(content) {
        let colon = memchr::memchr(b':', content).unwrap_or(name.len());
        fields.push(Field {
            range: pos..end,
            name: pos..pos + name.len(),
            value: pos + colon + 1..value_end,
        });
    } else if continuation {
        fields.push(Field {
            range: pos..end,
            name: pos..pos,
            value: pos..value_end,
        });
    } else {
        return false;
    }
    true
}

/// Unfolds a raw value (line breaks removed, as in RFC 5322 unfolding).
pub(crate) fn unfold(value: &[u8]) -> Vec<u8> {
    value
        .iter()
        .copied()
        .filter(|&b| b != b'\r' && b != b'\n')
        .collect()
}

/// A header value decoded to text, with the encoded-word runs whose text
/// is not exact (unknown charset, malformed bytes).
pub(crate) struct DecodedValue {
    /// The text and its map to the raw value.
    pub(crate) mapped: Mapped,
    /// Indices of encoded-run segments that would not survive re-encoding.
    pub(crate) inexact: Vec<usize>,
}

/// Decodes a raw header value ([`rfc2047::pieces`], the matcher's reading):
/// folding line breaks are dropped, encoded words decoded, and adjacent
/// encoded words joined without the white space between them; each piece
/// keeps its range in the value.
pub(crate) fn decode_value(value: &[u8]) -> DecodedValue {
    decode_value_read(value, Reading::Declared)
}

/// [`decode_value`], the encoded words read as `reading` says.
fn decode_value_read(value: &[u8], reading: Reading) -> DecodedValue {
    let mut mapped = Mapped::default();
    let mut inexact = Vec::new();
    for piece in rfc2047::pieces(value, reading) {
        match piece {
            Piece::Raw(r) => {
                let start = r.start;
                mapped.push_raw(value.get(r).unwrap_or_default(), start);
            }
            Piece::Encoded(run) => {
                let before = mapped.segs.len();
                mapped.push(&run.text, run.src, SegKind::Encoded(run.letter));
                if !run.exact && mapped.segs.len() > before {
                    inexact.push(before);
                }
            }
        }
    }
    DecodedValue { mapped, inexact }
}

/// How a field's syntax constrains the markers written into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldKind {
    /// Address lists: text outside quoted strings must be a quoted string.
    Address,
    /// Message identifiers: a name marker must be an atom.
    MsgId,
    /// MIME parameter fields: like addresses, quoted outside quotes.
    Mime,
    /// Free text.
    Text,
}

/// The address-list fields (besides the `resent-` ones).
const ADDRESS_FIELDS: &[&str] = &[
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "sender",
    "return-path",
    "delivered-to",
    "x-original-to",
    "envelope-to",
    "x-envelope-to",
    "errors-to",
    "mail-followup-to",
    "mail-reply-to",
    "disposition-notification-to",
    "return-receipt-to",
];

/// The message-identifier fields.
const MSGID_FIELDS: &[&str] = &[
    "message-id",
    "in-reply-to",
    "references",
    "content-id",
    "resent-message-id",
];

/// The kind of the field named `name` (any case).
fn field_kind(name: &[u8]) -> FieldKind {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    if MSGID_FIELDS.contains(&name.as_str()) {
        FieldKind::MsgId
    } else if ADDRESS_FIELDS.contains(&name.as_str())
        || (name.starts_with("resent-") && name != "resent-date")
    {
        FieldKind::Address
    } else if name == "content-type" || name == "content-disposition" {
        FieldKind::Mime
    } else {
        FieldKind::Text
    }
}

/// Whether positions of a structured value lie inside a quoted string or a
/// comment. Asked in increasing order (the hits of one field), it reads on
/// from the last position instead of from the start each time.
#[derive(Default)]
struct Quoting {
    /// The position read up to, and the state there.
    state: std::cell::Cell<(usize, QuoteState)>,
}

/// The reading state at one position of a structured value.
#[derive(Debug, Clone, Copy, Default)]
struct QuoteState {
    quoted: bool,
    comment: usize,
    escaped: bool,
}

impl Quoting {
    /// True when `pos` of `value` lies inside a quoted string or a comment.
    fn quoted_at(&self, value: &[u8], pos: usize) -> bool {
        let pos = pos.min(value.len());
        let (mut at, mut st) = self.state.get();
        if pos < at {
            (at, st) = (0, QuoteState::default());
        }
        for &b in value.get(at..pos).unwrap_or_default() {
            if st.escaped {
                st.escaped = false;
                continue;
            }
            match b {
                b'\\' if st.quoted || st.comment > 0 => st.escaped = true,
                b'"' if st.comment == 0 => st.quoted = !st.quoted,
                b'(' if !st.quoted => st.comment += 1,
                b')' if !st.quoted => st.comment = st.comment.saturating_sub(1),
                _ => {}
            }
        }
        self.state.set((pos, st));
        st.quoted || st.comment > 0
    }
}

/// Redacts one field of the header block `bytes`. Returns the new bytes of
/// the whole field (final line ending included) when it changed.
pub(crate) fn redact_field(
    bytes: &[u8],
    field: &Field,
    finder: &dyn Finder,
    eol: &[u8],
    path: &[usize],
) -> Result<Option<Vec<u8>>, RewriteError> {
    let name = bytes.get(field.name.clone()).unwrap_or_default();
    let original = bytes.get(field.value.clone()).unwrap_or_default();
    let kind = field_kind(name);
    let value = with_params_redacted(kind, original, finder, path)?;
    let (decoded, hits) = reading_with_hits(&value, finder);
    if hits.is_empty() && matches!(value, Cow::Borrowed(_)) {
        return Ok(None);
    }
    let quoting = Quoting::default();
    let marker = |hit: &Hit, seg: &Seg, pos: usize| -> &'static str {
        marker_of(kind, &quoting, &value, hit, seg, pos)
    };
    let covers = mapped::covers(&decoded.mapped, &hits, &marker);
    if covers.iter().any(|c| decoded.inexact.contains(&c.seg)) {
        return Err(RewriteError::UnknownCharset {
            part: path.to_vec(),
        });
    }
    let out = rebuild(bytes, field, &value, decoded, covers, eol).ok_or_else(|| {
        RewriteError::Structure {
            part: path.to_vec(),
        }
    })?;
    let old = bytes.get(field.range.clone()).unwrap_or_default();
    Ok((out != old).then_some(out))
}

/// The decoded `value` and the hits in it: in the declared reading of its
/// encoded words, else in the first other reading that has hits (a
/// mislabelled word; its run is then written again in UTF-8), else the
/// declared reading without hits.
fn reading_with_hits(value: &[u8], finder: &dyn Finder) -> (DecodedValue, Vec<Hit>) {
    let declared = decode_value(value);
    let hits = mapped::find(finder, &declared.mapped);
    if !hits.is_empty() || memchr::memmem::find(value, b"=?").is_none() {
        return (declared, hits);
    }
    Reading::OTHERS
        .into_iter()
        .map(|reading| {
            let decoded = decode_value_read(value, reading);
            let hits = mapped::find(finder, &decoded.mapped);
            (decoded, hits)
        })
        .find(|(_, hits)| !hits.is_empty())
        .unwrap_or((declared, hits))
}

/// The raw value of a field of `kind` with its MIME parameters redacted
/// (for a MIME parameter field; any other is borrowed as it is).
fn with_params_redacted<'a>(
    kind: FieldKind,
    original: &'a [u8],
    finder: &dyn Finder,
    path: &[usize],
) -> Result<Cow<'a, [u8]>, RewriteError> {
    if kind == FieldKind::Mime
        && let Some(new) = params::redact_params(original, finder, path)?
    {
        return Ok(Cow::Owned(new));
    }
    Ok(Cow::Borrowed(original))
}

/// The marker that replaces `hit` at `pos` of `value` (in segment `seg`)
/// in a field of `kind`: one the field's syntax accepts there.
fn marker_of(
    kind: FieldKind,
    quoting: &Quoting,
    value: &[u8],
    hit: &Hit,
    seg: &Seg,
    pos: usize,
) -> &'static str {
    if hit.email {
        return EMAIL_MARKER;
    }
    match (seg.kind, kind) {
        (SegKind::Encoded(_), _) => TEXT_MARKER,
        (_, FieldKind::MsgId) => "erased",
        (_, FieldKind::Address | FieldKind::Mime) if !quoting.quoted_at(value, pos) => {
            "\"[erased]\""
        }
        _ => TEXT_MARKER,
    }
}

/// The field `field` of `bytes` written anew with its (possibly already
/// changed) `value` rewritten as `covers` plan it; `None` when a line would
/// be too long. Before any new text is built, a field whose kept bytes
/// alone make a line too long is refused without copies of it (a huge
/// line).
fn rebuild(
    bytes: &[u8],
    field: &Field,
    value: &[u8],
    decoded: DecodedValue,
    covers: Vec<Cover>,
    eol: &[u8],
) -> Option<Vec<u8>> {
    let head = bytes
        .get(field.range.start..field.value.start)
        .unwrap_or_default();
    let tail = bytes
        .get(field.value.end..field.range.end)
        .unwrap_or_default();
    if surely_too_long(head, value, tail, &decoded.mapped, &covers) {
        return None;
    }
    render(head, value, tail, decoded, covers, eol)
}

/// Builds the field `head` + `value` + `tail` rewritten as `covers` plan
/// it: changed encoded-word runs written again at their column, blank
/// continuation lines dropped. `None` when the edits cannot be placed or a
/// line would exceed [`MAX_LINE`].
fn render(
    head: &[u8],
    value: &[u8],
    tail: &[u8],
    decoded: DecodedValue,
    covers: Vec<Cover>,
    eol: &[u8],
) -> Option<Vec<u8>> {
    let breaks = line_breaks_if_refolded(value, &decoded.mapped, &covers);
    let encode = |seg: &Seg, text: &str| -> Vec<u8> {
        let col = match breaks.partition_point(|&nl| nl < seg.src.start) {
            0 => head.len() + seg.src.start,
            i => seg.src.start - breaks.get(i - 1).map_or(0, |nl| nl + 1),
        };
        let SegKind::Encoded(letter) = seg.kind else {
            return text.as_bytes().to_vec();
        };
        encode_words(text, letter, col, eol)
    };
    let edits = mapped::edits_of(&decoded.mapped, &covers, &encode);
    drop(covers);
    drop(decoded);
    // The field is built around the new value in place.
    let mut out = mapped::apply(value, edits)?;
    out.reserve_exact(head.len() + tail.len());
    out.splice(0..0, head.iter().copied());
    out.extend_from_slice(tail);
    let out = drop_blank_continuations(out);
    (!out.split(|&b| b == b'\n').any(|l| l.len() > MAX_LINE + 1)).then_some(out)
}

/// Where the value's lines break, for the column of a run written again:
/// empty when `covers` change no encoded-word run.
fn line_breaks_if_refolded(value: &[u8], mapped: &Mapped, covers: &[Cover]) -> Vec<usize> {
    let refolds = covers.iter().any(|c| {
        mapped
            .segs
            .get(c.seg)
            .is_some_and(|s| matches!(s.kind, SegKind::Encoded(_)))
    });
    if refolds {
        memchr::memchr_iter(b'\n', value).collect()
    } else {
        Vec::new()
    }
}

/// True when the field `head` + `value` + `tail`, rewritten as `covers`
/// plan it, will surely hold a line over [`MAX_LINE`] that is not blank
/// (and so not dropped): the bytes a rewrite keeps on one line add up to
/// more. Kept are the bytes outside changed segments with their line
/// breaks, and the uncovered bytes and markers of changed raw segments; a
/// changed encoded-word run is refolded, so it counts as a line break (if it
/// joins two lines, the line is only longer).
fn surely_too_long(
    head: &[u8],
    value: &[u8],
    tail: &[u8],
    mapped: &Mapped,
    covers: &[Cover],
) -> bool {
    let mut line = Line::default();
    if line.add_kept(head) {
        return true;
    }
    let mut pos = 0;
    let mut rest = covers;
    while let Some(first) = rest.first() {
        let n = rest.iter().take_while(|c| c.seg == first.seg).count();
        let (group, tail_covers) = rest.split_at(n);
        rest = tail_covers;
        let Some(seg) = mapped.segs.get(first.seg) else {
            continue;
        };
        if seg.src.start < pos {
            // Overlapping edits: refused later, when they are applied.
            return false;
        }
        if line.add_kept(value.get(pos..seg.src.start).unwrap_or_default()) {
            return true;
        }
        pos = seg.src.end;
        if line.add_changed(value, seg, group) {
            return true;
        }
    }
    line.add_kept(value.get(pos..).unwrap_or_default()) || line.add_kept(tail)
}

/// The line being measured by [`surely_too_long`]: kept bytes so far, and
/// whether one of them is neither white space nor a carriage return.
#[derive(Default)]
struct Line {
    len: usize,
    solid: bool,
}

impl Line {
    /// Adds bytes without a line break; true when the line is too long.
    fn add(&mut self, bytes: &[u8]) -> bool {
        self.len += bytes.len();
        self.solid = self.solid || bytes.iter().any(|b| !b" \t\r".contains(b));
        self.solid && self.len > MAX_LINE + 1
    }

    /// Adds kept bytes that may hold line breaks.
    fn add_kept(&mut self, bytes: &[u8]) -> bool {
        let mut rest = bytes;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            if self.add(rest.get(..nl).unwrap_or_default()) {
                return true;
            }
            *self = Line::default();
            rest = rest.get(nl + 1..).unwrap_or_default();
        }
        self.add(rest)
    }

    /// Adds what a changed segment of `value` keeps: a refolded
    /// encoded-word run counts as a line break, a virtual segment keeps
    /// nothing, a raw one its markers and uncovered bytes.
    fn add_changed(&mut self, value: &[u8], seg: &Seg, group: &[Cover]) -> bool {
        match seg.kind {
            SegKind::Encoded(_) => {
                *self = Line::default();
                false
            }
            SegKind::Virtual => false,
            SegKind::Atomic | SegKind::Linear => self.add_changed_raw(value, seg, group),
        }
    }

    /// Adds what a changed raw (atomic or linear) segment of `value` keeps
    /// once its `group` of covers is applied: the markers, and for a linear
    /// one the bytes between the covers too.
    fn add_changed_raw(&mut self, value: &[u8], seg: &Seg, group: &[Cover]) -> bool {
        let mut at = seg.src.start;
        for cover in group {
            if seg.kind == SegKind::Linear {
                let start = seg.src.start + (cover.range.start - seg.text.start);
                if self.add(value.get(at..start).unwrap_or_default()) {
                    return true;
                }
                at = seg.src.start + (cover.range.end - seg.text.start);
            }
            if self.add(cover.marker.unwrap_or_default().as_bytes()) {
                return true;
            }
        }
        seg.kind == SegKind::Linear && self.add(value.get(at..seg.src.end).unwrap_or_default())
    }
}

/// Removes continuation lines that a redaction left empty or blank; the
/// field is returned as it is when there are none.
fn drop_blank_continuations(field: Vec<u8>) -> Vec<u8> {
    // An empty line would end the header block; a blank one is invalid.
    let blank = |line: &[u8]| {
        crate::mailbox::trim_eol(line)
            .iter()
            .all(|&b| b == b' ' || b == b'\t')
    };
    if !field.split_inclusive(|&b| b == b'\n').skip(1).any(blank) {
        return field;
    }
    let mut out = Vec::with_capacity(field.len());
    for (i, line) in field.split_inclusive(|&b| b == b'\n').enumerate() {
        if i > 0 && blank(line) {
            continue;
        }
        out.extend_from_slice(line);
    }
    out
}

/// Encodes `text` as UTF-8 encoded words (`letter` B or Q), folded so that
/// each line stays within 78 characters; `col` is the column where the
/// first word starts.
pub(crate) fn encode_words(text: &str, letter: u8, col: usize, eol: &[u8]) -> Vec<u8> {
    const OVERHEAD: usize = 12; // "=?UTF-8?B?" and "?="
    let mut out = Vec::new();
    if text.is_empty() {
        return out;
    }
    let mut room = FOLD_AT.saturating_sub(col).min(75);
    if room < OVERHEAD + 8 {
        out.extend_from_slice(eol);
        out.push(b' ');
        room = 75;
    }
    let mut start = 0;
    let mut end = 0;
    for (i, ch) in text.char_indices() {
        let next = i + ch.len_utf8();
        let candidate = text.get(start..next).unwrap_or_default().as_bytes();
        if end > start && OVERHEAD + encoded_width(candidate, letter) > room {
            push_word(&mut out, text.get(start..end).unwrap_or_default(), letter);
            out.extend_from_slice(eol);
            out.push(b' ');
            room = 75;
            start = end;
        }
        end = next;
    }
    push_word(&mut out, text.get(start..).unwrap_or_default(), letter);
    out
}

/// The length of `bytes` encoded in one word's text (`letter` B or Q).
fn encoded_width(bytes: &[u8], letter: u8) -> usize {
    if letter == b'B' {
        bytes.len().div_ceil(3) * 4
    } else {
        bytes
            .iter()
            .map(|&b| if q_literal(b) { 1 } else { 3 })
            .sum()
    }
}

/// True for bytes a Q encoded word in a phrase may carry as themselves.
fn q_literal(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!*+-/".contains(&b) || b == b' '
}

fn push_word(out: &mut Vec<u8>, text: &str, letter: u8) {
    use base64::Engine as _;
    if letter == b'B' {
        out.extend_from_slice(b"=?UTF-8?B?");
        out.extend_from_slice(
            base64::engine::general_purpose::STANDARD
                .encode(text)
                .as_bytes(),
        );
    } else {
        out.extend_from_slice(b"=?UTF-8?Q?");
        for &b in text.as_bytes() {
            match b {
                b' ' => out.push(b'_'),
                b if q_literal(b) => out.push(b),
                b => out.extend_from_slice(format!("={b:02X}").as_bytes()),
            }
        }
    }
    out.extend_from_slice(b"?=");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_blocks_with_and_without_separator() {
        let cases: &[(&[u8], usize, usize)] = &[
            (b"A: 1\n  more\nB: 2\n\nbody", 2, 18),
            (b"A: 1\r\nB: 2\r\n\r\nbody", 2, 14),
            (b"A: 1\nnot a field\nbody", 1, 5),
            (b"A: 1", 1, 4),
            (b" leading\nA: 1\n\n", 2, 15),
            (b"\nbody", 0, 1),
            (b"", 0, 0),
        ];
        for (input, n, body) in cases {
            let block = parse_block(input);
            assert_eq!(
                (block.fields.len(), block.body_start),
                (*n, *body),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let block = parse_block(b"Subject: a\r\n b\r\n\r\n");
        assert_eq!(block.fields[0].value, 8..14);
    }

    #[test]
    fn decodes_words_across_folds_and_joins_them() {
        let v = b" =?UTF-8?B?SmFu?=\r\n =?utf-8?q?e_D=C3=B6e?= x =?x-unknown?B?QQ==?= =?bad";
        let d = decode_value(v);
        assert_eq!(d.mapped.text, " Jane D\u{f6}e x A =?bad");
        assert_eq!(d.inexact.len(), 1);
        let split = b"=?UTF-8?B?w6k=?= =?UTF-8?B?w6k=?=";
        assert_eq!(decode_value(split).mapped.text, "\u{e9}\u{e9}");
        // A two-byte character split over two words.
        let halves = b"=?UTF-8?Q?=C3?= =?UTF-8?Q?=A9?=";
        assert_eq!(decode_value(halves).mapped.text, "\u{e9}");
    }

    /// One reading with the matcher: a `?` may stand in a word's text, 8-bit
    /// bytes too, and a form feed between words joins them.
    #[test]
    fn odd_words_read_as_the_matcher_reads_them() {
        assert_eq!(
            decode_value(b"=?utf-8?q?Jane?Doe?=").mapped.text,
            "Jane?Doe"
        );
        assert_eq!(
            decode_value(b"=?utf-8?q?Jos\xc3\xa9?=").mapped.text,
            "Jos\u{e9}"
        );
        let ff = b"=?utf-8?q?Jane_D?=\x0c=?utf-8?q?oe?=";
        assert_eq!(decode_value(ff).mapped.text, "Jane Doe");
    }

    proptest::proptest! {
        /// The matcher's text of a value and the rewriter's mapped text are
        /// the same (for values whose raw bytes are UTF-8: raw 8-bit bytes
        /// are windows-1252 to the matcher, U+FFFD to the rewriter).
        #[test]
        fn matcher_and_rewriter_read_a_value_alike(
            parts in proptest::collection::vec(
                (0usize..9, "[a-zA-Z0-9 =?_.é]{0,12}", proptest::bool::ANY),
                0..8,
            ),
        ) {
            use base64::Engine as _;
            let mut value = Vec::new();
            for (kind, text, upper) in &parts {
                let q: String = text
                    .bytes()
                    .map(|b| match b {
                        b' ' => "_".to_owned(),
                        b if b.is_ascii_alphanumeric() => char::from(b).to_string(),
                        b if *upper => format!("={b:02X}"),
                        b => format!("={b:02x}"),
                    })
                    .collect();
                let b64 = base64::engine::general_purpose::STANDARD.encode(text);
                let piece = match kind {
                    0 => text.clone(),
                    1 => " ".to_owned(),
                    2 => "\r\n ".to_owned(),
                    3 => format!("=?UTF-8?Q?{q}?="),
                    4 => format!("=?utf-8?b?{}?=", b64.trim_end_matches('=')),
                    5 => format!("=?iso-8859-1?B?{b64}?="),
                    6 => format!("=?x-unknown?q?{q}?="),
                    7 => format!("=?utf-8?q?{text}"),
                    _ => format!("=?utf-8?q?{}=+F?=", text.replace(' ', "")),
                };
                value.extend_from_slice(piece.as_bytes());
            }
            let matcher = crate::text::rfc2047::decode_value(&value);
            proptest::prop_assert_eq!(matcher, decode_value(&value).mapped.text);
        }
    }

    #[test]
    fn encodes_folded_words_within_limits() {
        let text = "Grüße an Jürgen, ".repeat(10);
        for letter in [b'B', b'Q'] {
            let out = encode_words(&text, letter, 9, b"\r\n");
            let d = decode_value(&out);
            assert_eq!(d.mapped.text, text);
            let mut lines = out.split(|&b| b == b'\n');
            assert!(lines.next().unwrap().len() + 9 <= 79);
            assert!(lines.all(|l| l.len() <= 79));
        }
        assert!(encode_words("x", b'B', 70, b"\n").starts_with(b"\n =?UTF-8?B?"));
    }

    #[test]
    fn hit_across_an_encoded_word_and_raw_text() {
        let mut f = super::super::tests::ListFinder::standard();
        f.0.push(("jdoe".to_owned(), super::super::IdKind::Term));
        for (input, want) in [
            (
                &b"From: =?UTF-8?Q?Jane?= Doe <x@example.org>\n"[..],
                &b"From: =?UTF-8?Q?=5Berased=5D?= <x@example.org>\n"[..],
            ),
            (
                b"Message-ID: <JDoe.1@example.org>\n",
                b"Message-ID: <erased.1@example.org>\n",
            ),
            (
                b"Content-Type: text/plain; name=jdoe.txt\n",
                b"Content-Type: text/plain; name=\"[erased].txt\"\n",
            ),
        ] {
            let block = parse_block(input);
            let got = redact_field(input, &block.fields[0], &f, b"\n", &[]).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&got.unwrap()),
                String::from_utf8_lossy(want)
            );
        }
    }

    /// A word whose label is wrong (UTF-8 bytes labelled ISO-8859-2, or
    /// windows-1252 bytes labelled UTF-8) is redacted in the reading that
    /// holds the hit and written again in UTF-8; the rest stays as it was.
    #[test]
    fn a_mislabelled_word_is_redacted_in_the_reading_with_the_hit() {
        let f = super::super::tests::ListFinder::standard();
        for (input, want) in [
            (
                "Subject: =?ISO-8859-2?B?SsO8cmdlbiBNw7xsbGVyIOKAkyBjYWxs?= today\n",
                "Subject: =?UTF-8?B?W2VyYXNlZF0g4oCTIGNhbGw=?= today\n",
            ),
            (
                "Subject: Re: =?utf-8?Q?J=FCrgen_M=FCller?=\n",
                "Subject: Re: =?UTF-8?Q?=5Berased=5D?=\n",
            ),
        ] {
            let block = parse_block(input.as_bytes());
            let got = redact_field(input.as_bytes(), &block.fields[0], &f, b"\n", &[]).unwrap();
            assert_eq!(String::from_utf8_lossy(&got.unwrap()), want);
        }
        let clean = "Subject: =?ISO-8859-2?B?SsO8cmdlbiBNw7xsbGVycw==?=\n";
        let block = parse_block(clean.as_bytes());
        let got = redact_field(clean.as_bytes(), &block.fields[0], &f, b"\n", &[]).unwrap();
        assert_eq!(got, None, "a near miss in every reading stays untouched");
    }

    /// The early refusal of a field is sound: whenever it says a line will
    /// be too long, building the field finds one too. Fields are put
    /// together from pieces (hits across folds and white space, encoded
    /// words, long runs of text and of blanks, bad bytes), with a small
    /// pseudo-random generator.
    #[test]
    fn a_field_refused_early_could_not_be_written() {
        let long_x = "x".repeat(700);
        let long_blank = " ".repeat(1200);
        let pieces: Vec<&[u8]> = vec![
            b"Jane",
            b"Doe",
            b" ",
            b"\r\n ",
            b"\n\t",
            long_x.as_bytes(),
            long_blank.as_bytes(),
            b"=?UTF-8?Q?Jane_Doe?=",
            b"=?UTF-8?B?SmFuZSBEb2U=?=",
            b"=?UTF-8?Q?J=C3=BCrgen?=",
            b"jane.doe@example.com",
            b"\"",
            b"\xff",
            b"a",
        ];
        let f = super::super::tests::ListFinder::standard();
        let mut seed = 0x2545_f491_u64;
        let (mut refused, mut built) = (0, 0);
        for _ in 0..4000 {
            let mut field = b"Subject:".to_vec();
            for _ in 0..(seed % 9) + 1 {
                seed = seed
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                field.extend_from_slice(pieces[(seed >> 33) as usize % pieces.len()]);
            }
            field.extend_from_slice(b"\r\n");
            let block = parse_block(&field);
            let Some(fd) = block.fields.first() else {
                continue;
            };
            let (head, value, tail) = (
                &field[fd.range.start..fd.value.start],
                &field[fd.value.clone()],
                &field[fd.value.end..fd.range.end],
            );
            let decoded = decode_value(value);
            let hits = mapped::find(&f, &decoded.mapped);
            let covers = mapped::covers(&decoded.mapped, &hits, &mapped::plain_marker);
            let early = surely_too_long(head, value, tail, &decoded.mapped, &covers);
            let out = render(head, value, tail, decoded, covers, b"\r\n");
            if early {
                refused += 1;
                assert!(out.is_none(), "{}", String::from_utf8_lossy(&field));
            } else if out.is_some() {
                built += 1;
            }
        }
        assert!(
            refused > 100 && built > 100,
            "{refused} refused, {built} built"
        );
    }

    #[test]
    fn a_huge_line_with_a_hit_is_refused_and_one_without_kept() {
        let f = super::super::tests::ListFinder::standard();
        let mut raw = b"Subject: Jane Doe ".to_vec();
        raw.extend(std::iter::repeat_n(b'x', 5000));
        raw.extend_from_slice(b"\r\n");
        let block = parse_block(&raw);
        assert!(matches!(
            redact_field(&raw, &block.fields[0], &f, b"\r\n", &[]),
            Err(RewriteError::Structure { .. })
        ));
        // Encoded words on one long line are written again folded.
        let mut raw = b"Subject:".to_vec();
        for _ in 0..100 {
            raw.extend_from_slice(b" =?UTF-8?Q?Jane_Doe_?=");
        }
        raw.extend_from_slice(b"\r\n");
        let block = parse_block(&raw);
        let out = redact_field(&raw, &block.fields[0], &f, b"\r\n", &[])
            .unwrap()
            .unwrap();
        assert!(out.split(|&b| b == b'\n').all(|l| l.len() <= 80));
        // A long line without a hit stays as it is.
        let mut raw = b"Subject: ".to_vec();
        raw.extend(std::iter::repeat_n(b'x', 5000));
        raw.extend_from_slice(b"\r\n");
        let block = parse_block(&raw);
        assert_eq!(
            redact_field(&raw, &block.fields[0], &f, b"\r\n", &[]),
            Ok(None)
        );
    }

    #[test]
    fn quoting_context() {
        let v = br#" "Jane (x" (a "b) Doe <j@x>"#;
        let q = Quoting::default();
        assert!(q.quoted_at(v, 3));
        assert!(q.quoted_at(v, 14));
        assert!(!q.quoted_at(v, 19));
        // Asked out of order, it reads again from the start.
        assert!(q.quoted_at(v, 3));
        assert!(!q.quoted_at(v, 40));
    }
}
