//! Decoded text with a map back to its source, and the planning of the
//! replacements that the hits in it call for.
//!
//! A [`Mapped`] text is a sequence of segments, each a piece of the decoded
//! text tied to a byte range of the source. Source bytes that belong to no
//! segment (tags, folding line breaks) are never touched. A hit covering
//! several segments puts its marker in the first one it covers and empties
//! the covered text of the others.

use std::ops::Range;

use super::{EMAIL_MARKER, Found, IdKind};

/// How a segment's text relates to its source bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SegKind {
    /// The text is the source bytes, one for one (valid UTF-8).
    Linear,
    /// The text stands for its whole source range (a character reference,
    /// an undecodable byte): any overlap replaces all of it.
    Atomic,
    /// Text with no source bytes (a line break that a tag implies).
    Virtual,
    /// A run of RFC 2047 encoded words; the byte is the encoding letter.
    Encoded(u8),
}

/// One piece of decoded text and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Seg {
    /// Byte range in [`Mapped::text`].
    pub(crate) text: Range<usize>,
    /// Byte range in the source.
    pub(crate) src: Range<usize>,
    /// How the text maps to the source.
    pub(crate) kind: SegKind,
}

/// Decoded text with segments mapping it to its source.
#[derive(Debug, Default)]
pub(crate) struct Mapped {
    /// The decoded text given to the finder.
    pub(crate) text: String,
    /// Segments in text order (and source order).
    pub(crate) segs: Vec<Seg>,
}

impl Mapped {
    /// Appends a segment; empty text is ignored.
    pub(crate) fn push(&mut self, text: &str, src: Range<usize>, kind: SegKind) {
        if text.is_empty() {
            return;
        }
        let start = self.text.len();
        self.text.push_str(text);
        self.segs.push(Seg {
            text: start..self.text.len(),
            src,
            kind,
        });
    }

    /// Appends raw source bytes starting at `base`: valid UTF-8 runs become
    /// linear segments, each invalid sequence an atomic U+FFFD.
    pub(crate) fn push_raw(&mut self, bytes: &[u8], base: usize) {
        let mut pos = base;
        for chunk in bytes.utf8_chunks() {
            let valid = chunk.valid();
            self.push(valid, pos..pos + valid.len(), SegKind::Linear);
            pos += valid.len();
            let bad = chunk.invalid().len();
            if bad > 0 {
                self.push("\u{FFFD}", pos..pos + bad, SegKind::Atomic);
                pos += bad;
            }
        }
    }
}

/// A merged hit: a char-aligned range of the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Byte range in the text.
    pub range: Range<usize>,
    /// True when any merged occurrence is an e-mail address.
    pub email: bool,
}

/// Aligns finder results to char boundaries (widening them), drops empty
/// ones, and merges overlapping ones.
pub(crate) fn merge_hits(text: &str, found: Vec<Found>) -> Vec<Hit> {
    let hits: Vec<Hit> = found
        .into_iter()
        .filter_map(|f| {
            let mut start = f.range.start.min(text.len());
            let mut end = f.range.end.min(text.len());
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            while !text.is_char_boundary(end) {
                end += 1;
            }
            (start < end).then_some(Hit {
                range: start..end,
                email: f.kind == IdKind::Email,
            })
        })
        .collect();
    merge(hits)
}

/// Sorts hits and merges overlapping ones (an e-mail hit wins).
pub(crate) fn merge(mut hits: Vec<Hit>) -> Vec<Hit> {
    hits.sort_by_key(|h| h.range.start);
    let mut merged: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        match merged.last_mut() {
            Some(last) if hit.range.start < last.range.end => {
                last.range.end = last.range.end.max(hit.range.end);
                last.email |= hit.email;
            }
            _ => merged.push(hit),
        }
    }
    merged
}

/// Runs the finder on a mapped text and merges its hits.
pub(crate) fn find(finder: &dyn super::Finder, mapped: &Mapped) -> Vec<Hit> {
    if mapped.text.is_empty() {
        return Vec::new();
    }
    merge_hits(&mapped.text, finder.find(&mapped.text))
}

/// Picks the marker for a hit whose marker goes into `seg` at source
/// offset `src_pos`.
pub(crate) type MarkerFn<'a> = dyn Fn(&Hit, &Seg, usize) -> &'static str + 'a;

/// The default marker choice: [`EMAIL_MARKER`] for e-mail hits, else
/// [`super::TEXT_MARKER`].
pub(crate) fn plain_marker(hit: &Hit, _: &Seg, _: usize) -> &'static str {
    hit.plain_marker()
}

impl Hit {
    /// [`EMAIL_MARKER`] for an e-mail hit, else [`super::TEXT_MARKER`].
    fn plain_marker(&self) -> &'static str {
        if self.email {
            EMAIL_MARKER
        } else {
            super::TEXT_MARKER
        }
    }
}

/// One covered piece of a segment: text range, and the marker to put there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cover {
    /// Index into [`Mapped::segs`].
    pub(crate) seg: usize,
    /// The covered byte range of [`Mapped::text`], inside the segment's.
    pub(crate) range: Range<usize>,
    /// The marker written at the start of the range, if any.
    pub(crate) marker: Option<&'static str>,
}

/// The pieces of segments that `hits` (sorted, disjoint) cover, in segment
/// order, each hit's marker in its first non-virtual segment: the plan of
/// the changes, before any text is rendered. A hit that covers only virtual
/// segments changes nothing.
pub(crate) fn covers(mapped: &Mapped, hits: &[Hit], marker: &MarkerFn<'_>) -> Vec<Cover> {
    let mut covers: Vec<Cover> = Vec::new();
    for hit in hits {
        let first = mapped
            .segs
            .partition_point(|s| s.text.end <= hit.range.start);
        let mut placed = false;
        for (i, seg) in mapped.segs.iter().enumerate().skip(first) {
            if seg.text.start >= hit.range.end {
                break;
            }
            let range = seg.text.start.max(hit.range.start)..seg.text.end.min(hit.range.end);
            let mut this_marker = None;
            if !placed && seg.kind != SegKind::Virtual {
                placed = true;
                let src_pos = match seg.kind {
                    SegKind::Linear => seg.src.start + (range.start - seg.text.start),
                    _ => seg.src.start,
                };
                this_marker = Some(marker(hit, seg, src_pos));
            }
            covers.push(Cover {
                seg: i,
                range,
                marker: this_marker,
            });
        }
    }
    covers
}

/// The new text of an atomic segment or an encoded-word run that `covers`
/// (all of that segment) touch.
fn change_segment(mapped: &Mapped, seg: &Seg, covers: &[Cover]) -> Option<String> {
    let mut text = String::new();
    match seg.kind {
        SegKind::Virtual => return None,
        SegKind::Atomic => covers
            .iter()
            .filter_map(|c| c.marker)
            .for_each(|m| text.push_str(m)),
        SegKind::Linear | SegKind::Encoded(_) => {
            let mut pos = seg.text.start;
            for cover in covers {
                text.push_str(mapped.text.get(pos..cover.range.start)?);
                text.push_str(cover.marker.unwrap_or(""));
                pos = cover.range.end;
            }
            text.push_str(mapped.text.get(pos..seg.text.end)?);
        }
    }
    Some(text)
}

/// A replacement of a source byte range.
pub(crate) type Edit = (Range<usize>, Vec<u8>);

/// New bytes of one edit from which [`apply`] builds the result in place,
/// when they are also at least half of it.
const REUSE_AT: usize = 64 << 10;

/// Applies edits to `src`. Edits are sorted here; an edit that overlaps an
/// earlier one or lies outside `src` is an error (`None`). When one edit's
/// new bytes make up most of the result (a rewritten part of a multipart),
/// the result is built around them in place rather than copied once more.
pub(crate) fn apply(src: &[u8], mut edits: Vec<Edit>) -> Option<Vec<u8>> {
    edits.sort_by_key(|(r, _)| r.start);
    let mut pos = 0;
    let mut len = src.len();
    for (range, bytes) in &edits {
        if range.start < pos || range.end < range.start || range.end > src.len() {
            return None;
        }
        pos = range.end;
        len = len - range.len() + bytes.len();
    }
    let largest = edits
        .iter()
        .enumerate()
        .max_by_key(|(_, (_, bytes))| bytes.len())
        .map(|(i, (_, bytes))| (i, bytes.len()));
    let Some((big, big_len)) = largest.filter(|&(_, n)| n >= REUSE_AT && n >= len / 2) else {
        let mut out = Vec::with_capacity(len);
        write_edits(src, 0..src.len(), edits, &mut out)?;
        return Some(out);
    };
    let mut after = edits.split_off(big);
    let (range, mut out) = after.remove(0);
    let mut before = Vec::with_capacity(len - big_len);
    write_edits(src, 0..range.start, edits, &mut before)?;
    out.reserve_exact(len - big_len);
    out.splice(0..0, before);
    write_edits(src, range.end..src.len(), after, &mut out)?;
    Some(out)
}

/// Appends the bytes of `src` in `span` to `out`, with `edits` (sorted,
/// disjoint, inside `span`) applied.
fn write_edits(src: &[u8], span: Range<usize>, edits: Vec<Edit>, out: &mut Vec<u8>) -> Option<()> {
    let mut pos = span.start;
    for (range, bytes) in edits {
        out.extend_from_slice(src.get(pos..range.start)?);
        out.extend_from_slice(&bytes);
        pos = range.end;
    }
    out.extend_from_slice(src.get(pos..span.end)?);
    Some(())
}

/// Plans and renders the changes of a mapped text: in a linear segment
/// each covered range becomes its marker (or nothing), an atomic segment
/// its markers, and an encoded-word run its new text written through
/// `encode`. Returns the edits into the source; a large segment with a hit
/// is not copied.
pub(crate) fn edits(
    mapped: &Mapped,
    hits: &[Hit],
    marker: &MarkerFn<'_>,
    encode: &dyn Fn(&Seg, &str) -> Vec<u8>,
) -> Vec<Edit> {
    edits_of(mapped, &covers(mapped, hits, marker), encode)
}

/// Pushes to `edits` the markers of the `group` of covers of a linear
/// segment, each over its own source bytes (the text is the source, byte
/// for byte).
fn push_linear_edits(seg: &Seg, group: &[Cover], edits: &mut Vec<Edit>) {
    let src = |at: usize| seg.src.start + (at - seg.text.start);
    for cover in group {
        let marker = cover.marker.unwrap_or_default();
        edits.push((
            src(cover.range.start)..src(cover.range.end),
            marker.as_bytes().to_vec(),
        ));
    }
}

/// [`edits`] from covers already planned.
pub(crate) fn edits_of(
    mapped: &Mapped,
    covers: &[Cover],
    encode: &dyn Fn(&Seg, &str) -> Vec<u8>,
) -> Vec<Edit> {
    let mut edits = Vec::new();
    let mut rest = covers;
    while let Some(head) = rest.first() {
        let n = rest.iter().take_while(|c| c.seg == head.seg).count();
        let (group, tail) = rest.split_at(n);
        rest = tail;
        let Some(seg) = mapped.segs.get(head.seg) else {
            continue;
        };
        match seg.kind {
            SegKind::Virtual => {}
            SegKind::Linear => push_linear_edits(seg, group, &mut edits),
            SegKind::Atomic | SegKind::Encoded(_) => {
                if let Some(text) = change_segment(mapped, seg, group) {
                    let bytes = match seg.kind {
                        SegKind::Encoded(_) => encode(seg, &text),
                        _ => text.into_bytes(),
                    };
                    edits.push((seg.src.clone(), bytes));
                }
            }
        }
    }
    edits
}

/// A planned rewrite whose edits could not be applied (overlapping or out
/// of range): the caller reports it as a structural error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unlocatable;

/// Redacts a plain text: every hit becomes its marker. Returns `None` when
/// there is no hit. The text is one linear segment, so the new text is
/// written in one pass, without a mapped copy of the old one.
pub(crate) fn redact_plain(
    finder: &dyn super::Finder,
    text: &str,
) -> Result<Option<String>, Unlocatable> {
    if text.is_empty() {
        return Ok(None);
    }
    let hits = merge_hits(text, finder.find(text));
    if hits.is_empty() {
        return Ok(None);
    }
    let len = hits.iter().fold(text.len(), |len, hit| {
        len - hit.range.len() + hit.plain_marker().len()
    });
    let mut out = String::with_capacity(len);
    let mut pos = 0;
    for hit in &hits {
        out.push_str(text.get(pos..hit.range.start).ok_or(Unlocatable)?);
        out.push_str(hit.plain_marker());
        pos = hit.range.end;
    }
    out.push_str(text.get(pos..).ok_or(Unlocatable)?);
    Ok(Some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(range: Range<usize>, kind: IdKind) -> Found {
        Found {
            range,
            subject: 0,
            kind,
        }
    }

    #[test]
    fn merges_and_aligns_hits() {
        let text = "aé jane@x.y";
        let hits = merge_hits(
            text,
            vec![
                found(4..8, IdKind::Name),
                found(5..13, IdKind::Email),
                found(2..3, IdKind::Term),
                found(40..50, IdKind::Term),
            ],
        );
        assert_eq!(
            hits,
            vec![
                Hit {
                    range: 1..3,
                    email: false
                },
                Hit {
                    range: 4..12,
                    email: true
                }
            ]
        );
    }

    #[test]
    fn hit_across_segments_marks_first_and_empties_rest() {
        // Source "Jane<b>Doe</b> x", text "JaneDoe x".
        let src = "Jane<b>Doe</b> x";
        let mut m = Mapped::default();
        m.push("Jane", 0..4, SegKind::Linear);
        m.push("\n", 4..4, SegKind::Virtual);
        m.push("Doe", 7..10, SegKind::Linear);
        m.push(" x", 14..16, SegKind::Linear);
        let hits = [Hit {
            range: 0..8,
            email: false,
        }];
        let e = edits(&m, &hits, &plain_marker, &|_, t| t.as_bytes().to_vec());
        assert_eq!(apply(src.as_bytes(), e).unwrap(), b"[erased]<b></b> x");
    }

    #[test]
    fn a_large_edit_becomes_the_result_in_place() {
        let src: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let big = vec![b'#'; 150_000];
        let edits = || {
            vec![
                (150_000..150_010, b"tail".to_vec()),
                (10..20, b"X".to_vec()),
                (100..120_000, big.clone()),
                (199_990..200_000, Vec::new()),
            ]
        };
        let mut want = src[..10].to_vec();
        want.extend_from_slice(b"X");
        want.extend_from_slice(&src[20..100]);
        want.extend_from_slice(&big);
        want.extend_from_slice(&src[120_000..150_000]);
        want.extend_from_slice(b"tail");
        want.extend_from_slice(&src[150_010..199_990]);
        assert_eq!(apply(&src, edits()).unwrap(), want);
        // The same edits, each small: the plain path gives the same bytes.
        let mut small = edits();
        small[2].1.truncate(10);
        let mut want_small = want.clone();
        want_small.drain(91 + 10..91 + 150_000);
        assert_eq!(apply(&src, small).unwrap(), want_small);
        let reversed = Range { start: 5, end: 3 };
        assert_eq!(apply(&src, vec![(reversed, Vec::new())]), None);
        assert_eq!(
            apply(&src, vec![(0..5, big.clone()), (4..6, Vec::new())]),
            None
        );
    }

    #[test]
    fn plain_text_is_redacted_in_one_pass() {
        let f = super::super::tests::ListFinder::standard();
        let text = "Hi Jane  Doe, write to jane.doe@example.com or Jane\nDoe.";
        assert_eq!(
            redact_plain(&f, text).unwrap().unwrap(),
            "Hi [erased], write to erased@erased.invalid or [erased]."
        );
        assert_eq!(redact_plain(&f, "nobody here"), Ok(None));
        assert_eq!(redact_plain(&f, ""), Ok(None));
    }

    #[test]
    fn overlapping_edits_are_refused() {
        assert_eq!(apply(b"abc", vec![(0..2, vec![]), (1..3, vec![])]), None);
        assert_eq!(apply(b"abc", vec![(2..9, vec![])]), None);
        assert_eq!(apply(b"abc", vec![(1..2, b"X".to_vec())]).unwrap(), b"aXc");
    }
}
