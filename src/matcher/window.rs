//! The search over a large text without normalising all of it.
//!
//! [`find_in_bytes`] gives the same hits as normalising the whole text and
//! running [`Patterns`] over it, in the same order. It first looks for
//! *candidates* in the raw bytes, then normalises only windows around them.
//!
//! Every match has a candidate in its source span:
//!
//! * a name or term whose anchor (its longest word) is ASCII and whose
//!   anchor's source span is pure ASCII contains the anchor literally, ASCII
//!   case-insensitively; otherwise that span holds a non-ASCII character
//!   that yields ASCII or nothing when normalised ([`FOLDS_INTO_ASCII`]), or
//!   under accent folding one that may fold into ASCII; a name or term whose
//!   anchor is not ASCII has a source character related to the anchor's key
//!   (see `wordchars`);
//! * an address contains an `@`, which no other character normalises to;
//! * a phone number lies in a stretch of digits and separators (ASCII ones,
//!   and the characters that normalise to a space or to nothing) with at
//!   least as many ASCII digits as the shortest phone number; no other
//!   character normalises to a digit or a separator.
//!
//! A window reaches from a candidate far enough that a match containing it,
//! and the context the rules look at (one character before and after, the
//! whole address token, the whole digit stretch, the `for` before an address
//! in `Received`), lies inside with [`MARGIN`] normalised bytes to spare:
//! each ASCII byte other than white space, and each non-ASCII character
//! other than white space, dropped characters and combining marks, yields at
//! least one normalised byte. A window is cut only between two ASCII bytes,
//! the first not white space, or between two whole characters, the second
//! starting a normalisation segment and the first neither white space nor
//! dropped. There the normaliser is in the same state as at the start of a
//! text, so the normalised window is exactly a substring of the normalised
//! whole text. Overlapping windows are merged. A hit within [`EDGE`] bytes of
//! a cut is an artefact of the cut (it lacks its context) and is dropped; a
//! real hit is always at least [`MARGIN`] bytes from a cut.
//!
//! When the candidates are dense, the whole text is normalised instead, in
//! chunks of about 1 MiB (see [`chunks`]), so that a huge text never has
//! its normalised copy and offset map in memory at once.

use std::collections::HashSet;
use std::ops::{ControlFlow, Range};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, packed};

use memchr::memchr_iter;

use super::contact;
use super::headers::after_for_keyword;
use super::patterns::{Patterns, TextHit};
use super::wordchars::{Class, WordChars};
use super::{Form, IdKind};
use crate::text::normalize::{
    BLANK_OR_GONE, FOLDS_INTO_ASCII, Normalized, first_char, is_ascii_space, is_ignorable,
    is_space, may_fold_into_ascii, starts_segment,
};

/// Texts shorter than this are normalised whole.
pub(crate) const SMALL: usize = 4096;
/// Normalised bytes kept between a candidate's match (with its context) and a cut.
const MARGIN: usize = 16;
/// Hits closer than this to a cut are artefacts of the cut.
const EDGE: usize = 12;
/// Above one candidate per this many bytes, the whole text is normalised.
const DENSE: usize = 64;

/// One hit of a windowed search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WinHit {
    /// Index into `ErasureRequest::subjects`.
    pub(crate) subject: usize,
    /// Which kind of identifier matched.
    pub(crate) kind: IdKind,
    /// Which form of it.
    pub(crate) form: Form,
    /// The matched bytes of the source (only from a search with a map).
    pub(crate) span: Option<Range<usize>>,
    /// An address right after the keyword `for` (a `Received` recipient).
    pub(crate) after_for: bool,
}

/// Hits of a windowed search: names and terms first, then addresses, then
/// phones, each in text order, as [`Patterns::find`] gives them.
#[derive(Debug, Default)]
pub struct Found {
    /// The hits.
    pub hits: Vec<WinHit>,
}

/// When to normalise the whole text instead of windows.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Texts shorter than this are normalised whole.
    small: usize,
    /// Above one candidate per this many bytes, the whole text is normalised.
    dense: usize,
    /// Largest share of the text (in percent) windows may cover.
    cover: usize,
    /// A text normalised whole is normalised in chunks of about this size,
    /// so that its normalised copy and offset map (eight bytes per byte)
    /// never exist for all of it at once.
    chunk: usize,
}

const LIMITS: Limits = Limits {
    small: SMALL,
    dense: DENSE,
    cover: 50,
    chunk: 1 << 20,
};

/// Every match in `src` (read as UTF-8, invalid sequences as U+FFFD), as
/// if the whole of it had been normalised; with source spans if `with_map`.
pub(crate) fn find_in_bytes(p: &Patterns, src: &[u8], with_map: bool) -> Found {
    find_with(p, src, with_map, LIMITS)
}

/// The hits of one bucket (names, addresses, phones) so far.
type Buckets = [Vec<WinHit>; 3];

fn find_with(p: &Patterns, src: &[u8], with_map: bool, limits: Limits) -> Found {
    let windows = if src.len() < limits.small {
        None
    } else {
        candidate_windows(p, src, limits)
    };
    let mut buckets: Buckets = Default::default();
    match windows {
        Some(windows) => {
            for w in windows {
                search_piece(p, src, w, None, with_map, &mut buckets);
            }
        }
        None if src.len() <= limits.chunk => {
            search_piece(p, src, 0..src.len(), None, with_map, &mut buckets);
        }
        None => {
            for (own, piece) in chunks(p, src, limits.chunk) {
                search_piece(p, src, piece, Some(own), true, &mut buckets);
            }
            if !with_map {
                buckets.iter_mut().flatten().for_each(|h| h.span = None);
            }
        }
    }
    Found {
        hits: buckets.into_iter().flatten().collect(),
    }
}

/// Normalises `src[w]` and adds its hits to `buckets`; hits closer than
/// [`EDGE`] to a cut are dropped, and with `own`, those whose source span
/// starts outside `own`.
fn search_piece(
    p: &Patterns,
    src: &[u8],
    w: Range<usize>,
    own: Option<Range<usize>>,
    with_map: bool,
    buckets: &mut Buckets,
) {
    let norm = Normalized::of_bytes(src.get(w.clone()).unwrap_or_default(), with_map, p.fold);
    let text = norm.text.as_str();
    let piece = Piece {
        norm: &norm,
        offset: w.start,
        kept: kept_range(&w, src.len(), text.len()),
        own,
    };
    let mut buf = Vec::new();
    for (bucket, find) in buckets.iter_mut().zip(FINDERS) {
        buf.clear();
        find(p, text, &mut buf);
        for h in buf.drain(..) {
            if let Some(hit) = piece.win_hit(h) {
                bucket.push(hit);
            }
        }
    }
}

/// The searches of a piece, one per bucket.
const FINDERS: [fn(&Patterns, &str, &mut Vec<TextHit>); 3] = [
    Patterns::find_words,
    Patterns::find_emails,
    Patterns::find_phones,
];

/// Where hits of the window `w` of a source of `src_len` bytes may lie in
/// its normalised text of `text_len` bytes: [`EDGE`] away from each cut.
#[inline]
fn kept_range(w: &Range<usize>, src_len: usize, text_len: usize) -> Range<usize> {
    let lo = if w.start > 0 { EDGE } else { 0 };
    let hi = if w.end < src_len {
        text_len.saturating_sub(EDGE)
    } else {
        text_len
    };
    lo..hi
}

/// One normalised piece of a windowed search.
struct Piece<'a> {
    /// The piece, normalised.
    norm: &'a Normalized,
    /// Where the piece starts in the source.
    offset: usize,
    /// Where hits may lie in the normalised text (away from cuts).
    kept: Range<usize>,
    /// The source range whose hits the piece reports, if not all.
    own: Option<Range<usize>>,
}

impl Piece<'_> {
    /// The hit `h` of the normalised piece as a hit of the search; `None`
    /// when it is too close to a cut or starts outside the piece's own
    /// range.
    #[inline]
    fn win_hit(&self, h: TextHit) -> Option<WinHit> {
        if h.range.start < self.kept.start || h.range.end > self.kept.end {
            return None;
        }
        let span = self
            .norm
            .source_range(h.range.clone())
            .map(|s| s.start + self.offset..s.end + self.offset);
        if let Some(own) = &self.own
            && !span.as_ref().is_some_and(|s| own.contains(&s.start))
        {
            return None;
        }
        let text = self.norm.text.as_str();
        let after_for = h.kind == IdKind::Email && after_for_keyword(text, h.range.start);
        Some(WinHit {
            subject: h.subject,
            kind: h.kind,
            form: h.form,
            span,
            after_for,
        })
    }
}

/// Splits `src` into chunks of about `size` bytes for a search of the whole
/// text: `(own, piece)` pairs, where the `own` ranges partition `src` and
/// each `piece` holds its `own` range and reaches [`MARGIN`] ASCII non-space
/// bytes to the left and a name's length plus that to the right, out to the
/// nearest cuts. An `own` range ends where no address token and no stretch
/// of phone characters can go on (so those matches lie in one `own` range
/// with their context); a name that goes on lies in the piece's reach. A
/// match found in a piece counts if its span starts in the piece's `own`
/// range: each match is then found exactly once.
fn chunks(p: &Patterns, src: &[u8], size: usize) -> Vec<(Range<usize>, Range<usize>)> {
    // An encoded or obfuscated address may reach over a hard cut.
    let contact_reach = if p.has_emails() {
        2 * contact::MAX_FORM
    } else {
        0
    };
    let reach = p.max_word_len.max(contact_reach) + MARGIN;
    let mut out = Vec::new();
    let mut start = 0;
    while start < src.len() {
        let mut end = start.saturating_add(size.max(1)).min(src.len());
        while end < src.len() && !is_hard_cut(p, src, end) {
            end += 1;
        }
        let piece = extend_left(src, start, MARGIN)..extend_right(src, end, reach);
        out.push((start..end, piece));
        start = end;
    }
    out
}

/// True if `src` may be cut before byte `i` (see [`is_cut`]) and no address
/// token or phone stretch can span the cut: one of the two bytes around it
/// is neither a token byte nor a phone byte.
fn is_hard_cut(p: &Patterns, src: &[u8], i: usize) -> bool {
    let token = |b: u8| {
        !b.is_ascii()
            || b.is_ascii_alphanumeric()
            || matches!(b, b'@' | b'-' | b'.')
            || p.local_punct[usize::from(b)]
    };
    let phone = |b: u8| !b.is_ascii() || is_phone_byte(b);
    let (Some(&before), Some(&at)) = (src.get(i.wrapping_sub(1)), src.get(i)) else {
        return true;
    };
    is_cut(src, i) && !(token(before) && token(at)) && !(phone(before) && phone(at))
}

/// The merged windows around all candidates, or `None` when they are dense.
fn candidate_windows(p: &Patterns, src: &[u8], limits: Limits) -> Option<Vec<Range<usize>>> {
    let mut windows = Windows {
        ranges: Vec::new(),
        limit: src.len() / limits.dense.max(1) + 1,
    };
    if windows.add_candidates(p, src).is_break() {
        return None;
    }
    let merged = merge(windows.ranges);
    let total: usize = merged.iter().map(|r| r.len()).sum();
    (total.saturating_mul(100) <= src.len().saturating_mul(limits.cover)).then_some(merged)
}

/// The windows around the candidates found so far, up to a limit.
struct Windows {
    /// The windows, in the order their candidates were found.
    ranges: Vec<Range<usize>>,
    /// More windows than this, and the candidates are dense.
    limit: usize,
}

impl Windows {
    /// Adds a window; breaks once the candidates are dense.
    #[inline]
    fn push(&mut self, r: Range<usize>) -> ControlFlow<()> {
        self.ranges.push(r);
        if self.ranges.len() > self.limit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    }

    /// Adds the windows around every candidate of `src`: anchors, `@`s that
    /// may be addresses, phone stretches and non-ASCII word candidates.
    /// Breaks once the candidates are dense.
    fn add_candidates(&mut self, p: &Patterns, src: &[u8]) -> ControlFlow<()> {
        let word_reach = p.max_word_len + MARGIN;
        if let Some(anchors) = &p.anchors {
            // An occurrence left out overlaps a reported one, so it is at most
            // one anchor length away.
            anchors.for_each(src, |start, end| {
                self.push(around(src, start, end, word_reach + p.max_word_len))
            })?;
        }
        if p.has_emails() {
            for at in memchr_iter(b'@', src) {
                if may_be_address(p, src, at) {
                    self.push(email_window(p, src, at))?;
                }
            }
            if p.address_forms {
                contact::raw_candidates(p, src, |start, end| {
                    self.push(around(src, start, end, MARGIN))
                })?;
            }
        }
        if p.has_phones() {
            phone_stretches(src, p.phone_min_digits.max(1), |start, end| {
                if may_hold_phone(p, src, start, end) {
                    self.ranges.push(around(src, start, end, MARGIN));
                }
            });
            if self.ranges.len() > self.limit {
                return ControlFlow::Break(());
            }
        }
        if p.anchors.is_some() && !src.is_ascii() {
            non_ascii_word_candidates(p, src, true, |i| {
                self.push(around(src, i, i + 1, word_reach))
            })?;
        }
        ControlFlow::Continue(())
    }
}

/// The windows `w` sorted and merged where they overlap or touch.
fn merge(mut w: Vec<Range<usize>>) -> Vec<Range<usize>> {
    w.sort_unstable_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(w.len());
    for r in w {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// True if `src` holds a candidate for some match, by a rule that also
/// holds for every substring of `src`: false means that no substring of
/// `src` (read as UTF-8, invalid sequences as U+FFFD) has a match.
///
/// The candidates are those of [`candidate_windows`], except that every `@`
/// counts unless the plain-ASCII domain run after it has no subject domain
/// as a prefix (a substring may cut the run) and is not followed by a
/// character that normalises to ASCII or to nothing (by any non-ASCII byte
/// when some subject domain is not ASCII); with hashed addresses every `@`
/// counts.
pub(crate) fn may_match_any_substring(p: &Patterns, src: &[u8]) -> bool {
    if p.anchors.as_ref().is_some_and(|a| a.is_match(src)) {
        return true;
    }
    if p.has_emails()
        && (memchr_iter(b'@', src).any(|at| substring_may_be_address(p, src, at))
            || (p.address_forms && contact::substring_may_match(p, src)))
    {
        return true;
    }
    if p.has_phones() {
        let mut any = false;
        phone_stretches(src, p.phone_min_digits.max(1), |start, end| {
            any |= may_hold_phone(p, src, start, end);
        });
        if any {
            return true;
        }
    }
    // Every substring: a cut word is not a whole word, so no word test here.
    p.anchors.is_some()
        && !src.is_ascii()
        && non_ascii_word_candidates(p, src, false, |_| ControlFlow::Break(())).is_break()
}

/// The `@` rule of [`may_match_any_substring`] for the `@` at byte `at`.
fn substring_may_be_address(p: &Patterns, src: &[u8], at: usize) -> bool {
    if p.has_email_hashes() {
        return true;
    }
    let after = src.get(at + 1..).unwrap_or_default();
    let len = ascii_domain_len(after);
    let rest = after.get(len..).unwrap_or_default();
    let carried_on = if p.ascii_domains {
        starts_with_folding(rest)
    } else if p.folded_ascii_domains {
        starts_with_folding(rest) || first_char(rest).is_some_and(may_fold_into_ascii)
    } else {
        rest.first().is_some_and(|b| !b.is_ascii())
    };
    carried_on || p.starts_with_domain(after.get(..len).unwrap_or_default())
}

/// Calls `f` at every byte where a non-ASCII word candidate starts, until it
/// breaks: with ASCII names and terms and accents not folded, a character of
/// [`FOLDS_INTO_ASCII`]; with accents folded and names and terms ASCII once
/// folded, those and every character that may fold into ASCII
/// ([`may_fold_into_ascii`]), the latter (when `words`) only where the word
/// around it, folded, is a word of some name or term; when some name or
/// term is not ASCII, the characters its table calls candidates (see
/// `wordchars`), with the same word check for the folding letters.
fn non_ascii_word_candidates(
    p: &Patterns,
    src: &[u8],
    words: bool,
    mut f: impl FnMut(usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let folded = p.folded_words.as_ref().filter(|_| words);
    if let Some(table) = &p.word_chars {
        return table_candidates(src, table, FoldingWords::new(folded), f);
    }
    if p.folded_words.is_some() {
        return folding_candidates(src, FoldingWords::new(folded), f);
    }
    // Names and terms all ASCII, accents not folded. UTF-8 is
    // self-synchronising and no encoding is a prefix of another: the
    // occurrences of the encodings are exactly the characters.
    match &*FOLD_FINDER {
        FoldFinder::Packed(searcher) => {
            for m in searcher.find_iter(src) {
                f(m.start())?;
            }
        }
        FoldFinder::Automaton(ac) => {
            for m in ac.find_iter(src) {
                f(m.start())?;
            }
        }
        FoldFinder::EveryNonAscii => {
            for (i, &b) in src.iter().enumerate() {
                if !b.is_ascii() {
                    f(i)?;
                }
            }
        }
    }
    ControlFlow::Continue(())
}

/// The non-ASCII candidates under accent folding (see
/// [`non_ascii_word_candidates`]): a character that may fold into ASCII is
/// one where the folded word around it is one of `words` (when given). A
/// name or term matches whole words only, so a match that holds the
/// character holds that word whole, and the word is one of its words.
/// Each word is normalised once; a word that folds into plain ASCII letters
/// and digits gives one candidate (a match holding any of its characters
/// holds it whole, so the window of its first candidate covers the match).
fn folding_candidates(
    src: &[u8],
    words: FoldingWords<'_>,
    f: impl FnMut(usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    classified_candidates(src, words, f, |src, i| {
        // Only these lead bytes start a character of FOLDS_INTO_ASCII or a
        // letter that may fold into ASCII; a combining mark matters only
        // right after an ASCII letter or digit (after a foldable letter,
        // that letter's window holds it). Most bytes of binary data that
        // are not ASCII stop here.
        let lead = src.get(i).copied().unwrap_or(0);
        let after_alnum = i > 0 && src.get(i - 1).is_some_and(u8::is_ascii_alphanumeric);
        let lead_ok = matches!(lead, 0xC2..=0xCA | 0xCD | 0xE1..=0xE3 | 0xEF);
        let Some(c) = (lead >= 0xC2 && (lead_ok || after_alnum))
            .then(|| first_char(src.get(i..).unwrap_or_default()))
            .flatten()
        else {
            return (1, Class::No);
        };
        let class = if FOLDS_INTO_ASCII.contains(&c) {
            Class::Yes
        } else if may_fold_into_ascii(c) {
            Class::Folding
        } else {
            Class::No
        };
        (c.len_utf8(), class)
    })
}

/// The candidates of a request whose names and terms are not all ASCII
/// (see `wordchars`): every non-ASCII character the table calls one (an
/// invalid sequence as U+FFFD), the folding letters where the word around
/// them may be a word of a name or term.
fn table_candidates(
    src: &[u8],
    table: &WordChars,
    words: FoldingWords<'_>,
    f: impl FnMut(usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    classified_candidates(src, words, f, |src, i| {
        first_char(src.get(i..).unwrap_or_default()).map_or((1, table.class('\u{FFFD}')), |c| {
            (c.len_utf8(), table.class(c))
        })
    })
}

/// Calls `f` at every non-ASCII position of `src` that `classify` (which
/// gives the length of what starts there and its [`Class`]) and the word
/// check of `words` make a candidate, until it breaks.
fn classified_candidates(
    src: &[u8],
    mut words: FoldingWords<'_>,
    mut f: impl FnMut(usize) -> ControlFlow<()>,
    classify: impl Fn(&[u8], usize) -> (usize, Class),
) -> ControlFlow<()> {
    let mut i = 0;
    while i < src.len() {
        let Some(skip) = src
            .get(i..)
            .and_then(|r| r.iter().position(|b| !b.is_ascii()))
        else {
            break;
        };
        i += skip;
        let (len, class) = classify(src, i);
        i = words.visit(src, i, len, class, &mut f)?;
    }
    ControlFlow::Continue(())
}

/// The word check of [`Class::Folding`] candidates, each word normalised once.
struct FoldingWords<'a> {
    /// The words of the names and terms, or `None` for no check (every
    /// folding letter is a candidate).
    words: Option<&'a HashSet<String>>,
    /// The last word checked.
    known: Option<FoldedWord>,
}

impl<'a> FoldingWords<'a> {
    fn new(words: Option<&'a HashSet<String>>) -> FoldingWords<'a> {
        FoldingWords { words, known: None }
    }

    /// Reports the character of `len` bytes at byte `i` of `src` to `f` if
    /// it is a candidate of class `class`, and says where to go on: after
    /// it, or after its whole word when the word folds into plain ASCII and
    /// this was its first candidate (its window covers any match holding
    /// the word).
    #[inline]
    fn visit(
        &mut self,
        src: &[u8],
        i: usize,
        len: usize,
        class: Class,
        f: &mut impl FnMut(usize) -> ControlFlow<()>,
    ) -> ControlFlow<(), usize> {
        match (class, self.words) {
            (Class::No, _) => {}
            (Class::Yes, _) | (Class::Folding, None) => f(i)?,
            (Class::Folding, Some(words)) => {
                if self.known.as_ref().is_none_or(|k| !k.range.contains(&i)) {
                    self.known = Some(FoldedWord::at(src, i, words));
                }
                if let Some(k) = self.known.as_ref().filter(|k| k.holds) {
                    f(i)?;
                    if k.plain {
                        return ControlFlow::Continue(k.range.end.max(i + len));
                    }
                }
            }
        }
        ControlFlow::Continue(i + len)
    }
}

/// Longest word looked at around a folding candidate, in bytes each way:
/// a longer one is a candidate whatever it is.
const MAX_WORD_REACH: usize = 64;

/// The word around a folding candidate, checked once for all its characters.
struct FoldedWord {
    /// Its bytes (letters, digits, combining marks and the characters
    /// normalisation drops), or as much as was looked at of a longer one.
    range: Range<usize>,
    /// Normalised with accents folded, it holds one of the words between
    /// its non-alphanumeric characters (always, for a longer one).
    holds: bool,
    /// It is whole and folds into ASCII letters and digits only.
    plain: bool,
}

impl FoldedWord {
    /// The word around byte `i` of `src`, checked against `words`.
    fn at(src: &[u8], i: usize, words: &HashSet<String>) -> FoldedWord {
        let (mut start, mut end) = (i, i);
        while start > 0 && i - start <= MAX_WORD_REACH {
            let Some(prev) = char_before(src, start) else {
                break;
            };
            if !is_word_piece(prev) {
                break;
            }
            start -= prev.len_utf8();
        }
        while end - i <= MAX_WORD_REACH {
            let Some(next) = first_char(src.get(end..).unwrap_or_default()) else {
                break;
            };
            if !is_word_piece(next) {
                break;
            }
            end += next.len_utf8();
        }
        let range = start..end.max(i + 1);
        if i - start > MAX_WORD_REACH || end - i > MAX_WORD_REACH {
            return FoldedWord {
                range,
                holds: true,
                plain: false,
            };
        }
        let word = Normalized::of_bytes(src.get(start..end).unwrap_or_default(), false, true).text;
        FoldedWord {
            range,
            holds: word
                .split(|c: char| !c.is_alphanumeric())
                .any(|w| !w.is_empty() && words.contains(w)),
            plain: word.bytes().all(|b| b.is_ascii_alphanumeric()),
        }
    }
}

/// A character that may be part of a word: alphanumeric, a combining mark,
/// or one that normalisation drops inside a word.
fn is_word_piece(c: char) -> bool {
    c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(c, '\u{AD}' | '\u{200C}' | '\u{200D}')
}

/// The character that ends just before byte `end` of `src`, if valid UTF-8.
fn char_before(src: &[u8], end: usize) -> Option<char> {
    (1..=4.min(end)).find_map(|len| {
        let bytes = src.get(end - len..end)?;
        std::str::from_utf8(bytes).ok()?.chars().next()
    })
}

/// A search for the UTF-8 encodings of [`FOLDS_INTO_ASCII`].
enum FoldFinder {
    /// SIMD (Teddy), on CPUs that have the instructions for it: over ten
    /// times faster than a byte loop on binary attachments.
    Packed(packed::Searcher),
    /// Anywhere else.
    Automaton(AhoCorasick),
    /// Neither could be built (never seen): every non-ASCII byte counts.
    EveryNonAscii,
}

static FOLD_FINDER: LazyLock<FoldFinder> = LazyLock::new(|| {
    let encodings: Vec<String> = FOLDS_INTO_ASCII.iter().map(char::to_string).collect();
    match packed::Config::new().builder().extend(&encodings).build() {
        Some(searcher) => FoldFinder::Packed(searcher),
        None => {
            AhoCorasick::new(&encodings).map_or(FoldFinder::EveryNonAscii, FoldFinder::Automaton)
        }
    }
});

/// Calls `f` with every stretch of digits and phone separators (ASCII ones,
/// and the characters of [`BLANK_OR_GONE`]) holding at least `min` ASCII
/// digits. Such a stretch is at least `min` bytes long, so the search looks
/// `min - 1` bytes ahead and skips ahead when that byte is in no stretch.
fn phone_stretches(src: &[u8], min: usize, mut f: impl FnMut(usize, usize)) {
    // Invariant: `i == 0` or byte `i - 1` is in no stretch.
    let mut i = 0;
    while let Some(&probe) = src.get(i + min - 1) {
        let at = i + min - 1;
        let covering = if probe.is_ascii() {
            is_phone_byte(probe).then_some(at)
        } else {
            element_start(src, at)
        };
        let Some(covering) = covering.filter(|&s| s >= i) else {
            i = at + 1;
            continue;
        };
        let start = stretch_start(src, i, covering);
        let (end, digits) = stretch_end(src, start);
        if digits >= min {
            f(start, end);
        }
        i = end + 1;
    }
}

/// False only if the phone stretch `src[start..end]` surely holds no phone
/// match, in the text and in every substring of it: the stretch is plain
/// ASCII between two printable ASCII characters that are no phone bytes
/// (or the ends of `src`), so normalising leaves its digits alone and
/// cannot join it to a neighbour (only white space and the characters of
/// [`BLANK_OR_GONE`] become separators), and its digits hold no pattern of
/// the phone automaton. Any other stretch may hold one.
#[inline]
fn may_hold_phone(p: &Patterns, src: &[u8], start: usize, end: usize) -> bool {
    let closed = |b: Option<&u8>| b.is_none_or(|&b| b.is_ascii_graphic() && !is_phone_byte(b));
    let before = start.checked_sub(1).and_then(|i| src.get(i));
    match src.get(start..end) {
        Some(stretch) if stretch.is_ascii() && closed(before) && closed(src.get(end)) => {
            p.digits_may_hold_phone(stretch)
        }
        _ => true,
    }
}

/// Where the stretch holding the element at `start` starts, looking back
/// no further than `floor`.
#[inline]
fn stretch_start(src: &[u8], floor: usize, mut start: usize) -> usize {
    while start > floor {
        let Some(&before) = src.get(start - 1) else {
            break;
        };
        let step = if before.is_ascii() {
            usize::from(is_phone_byte(before))
        } else {
            [2, 3]
                .into_iter()
                .find(|&n| start >= floor + n && blank_len_at(src, start - n) == n)
                .unwrap_or(0)
        };
        if step == 0 {
            break;
        }
        start -= step;
    }
    start
}

/// Where the stretch starting at `start` ends, and its count of ASCII
/// digits.
#[inline]
fn stretch_end(src: &[u8], start: usize) -> (usize, usize) {
    let mut end = start;
    let mut digits = 0;
    loop {
        let n = element_len_at(src, end);
        if n == 0 {
            break;
        }
        digits += usize::from(src.get(end).is_some_and(u8::is_ascii_digit));
        end += n;
    }
    (end, digits)
}

/// An ASCII byte that may stand in a phone number: a digit or a separator.
fn is_phone_byte(b: u8) -> bool {
    b.is_ascii_digit() || is_phone_separator(b)
}

/// Length of the stretch element starting at byte `i`: 1 for a digit or an
/// ASCII separator, the encoded length of a [`BLANK_OR_GONE`] character, 0
/// when none starts there.
fn element_len_at(src: &[u8], i: usize) -> usize {
    match src.get(i) {
        Some(&b) if b.is_ascii() => usize::from(is_phone_byte(b)),
        Some(_) => blank_len_at(src, i),
        None => 0,
    }
}

/// Where the stretch element holding byte `j` starts, if one does: a
/// [`BLANK_OR_GONE`] character is decoded as such wherever it occurs, since
/// its lead byte cannot continue another sequence.
fn element_start(src: &[u8], j: usize) -> Option<usize> {
    if element_len_at(src, j) > 0 {
        return Some(j);
    }
    (1..=2)
        .filter_map(|back| j.checked_sub(back))
        .find(|&k| blank_len_at(src, k) > j - k)
}

/// Encoded length of the [`BLANK_OR_GONE`] character starting at byte `i`,
/// or 0.
fn blank_len_at(src: &[u8], i: usize) -> usize {
    // The lead bytes of every character in the list.
    if !src
        .get(i)
        .is_some_and(|b| matches!(b, 0xC2 | 0xE1 | 0xE2 | 0xE3 | 0xEF))
    {
        return 0;
    }
    first_char(src.get(i..src.len().min(i + 4)).unwrap_or_default())
        .filter(|c| BLANK_OR_GONE.contains(c))
        .map_or(0, char::len_utf8)
}

/// True if `bytes` start with a character of [`FOLDS_INTO_ASCII`]; most
/// bytes are ruled out by the first alone (a test checks the lead bytes).
fn starts_with_folding(bytes: &[u8]) -> bool {
    bytes
        .first()
        .is_some_and(|b| matches!(b, 0xC2 | 0xC4 | 0xCA | 0xCD | 0xE1 | 0xE2 | 0xE3 | 0xEF))
        && first_char(bytes.get(..bytes.len().min(4)).unwrap_or_default())
            .is_some_and(|c| FOLDS_INTO_ASCII.contains(&c))
}

/// Separators a phone number may have between digits, in raw text (vertical
/// tab and form feed normalise to a space).
fn is_phone_separator(b: u8) -> bool {
    is_ascii_space(b) || matches!(b, b'-' | b'.' | b'(' | b')' | b'/' | b'+')
}

/// The window around `start..end` reaching `reach` ASCII non-space bytes to
/// each side, then out to the nearest cuts.
fn around(src: &[u8], start: usize, end: usize, reach: usize) -> Range<usize> {
    extend_left(src, start, reach)..extend_right(src, end, reach)
}

/// True if the text may be cut before byte `p`: between two ASCII bytes,
/// the first not white space, or between two whole characters where the
/// second starts a normalisation segment and the first is neither white
/// space nor dropped. There the normaliser is in the same state as at the
/// start of a text.
fn is_cut(src: &[u8], p: usize) -> bool {
    if p == 0 || p >= src.len() {
        return true;
    }
    let (Some(&before), Some(&at)) = (src.get(p - 1), src.get(p)) else {
        return true;
    };
    if before.is_ascii() && at.is_ascii() {
        return !is_ascii_space(before);
    }
    // A continuation byte is inside a character (or an invalid sequence).
    if (0x80..0xC0).contains(&at) {
        return false;
    }
    let Some(next) = first_char(src.get(p..).unwrap_or_default()) else {
        return false;
    };
    starts_segment(next) && char_before(src, p).is_some_and(|c| !is_space(c) && !is_ignorable(c))
}

/// True if the character `c` yields at least one normalised byte wherever
/// it stands: not white space, not dropped, not a combining mark (which
/// accent folding may drop). Several such characters may compose into one,
/// but never into fewer bytes than characters.
fn yields_a_byte(c: char) -> bool {
    !is_space(c)
        && !is_ignorable(c)
        && !unicode_normalization::char::is_combining_mark(c)
        && unicode_normalization::char::canonical_combining_class(c) == 0
}

/// How many normalised bytes byte `i` of `src` surely yields, counted at
/// the lead byte of a character: 1 for an ASCII byte other than white
/// space and for a whole character of [`yields_a_byte`], else 0.
#[inline]
fn sure_bytes_at(src: &[u8], i: usize) -> usize {
    match src.get(i) {
        Some(&b) if b.is_ascii() => usize::from(!is_ascii_space(b)),
        Some(&b) if b >= 0xC0 => {
            usize::from(first_char(src.get(i..).unwrap_or_default()).is_some_and(yields_a_byte))
        }
        _ => 0,
    }
}

fn extend_left(src: &[u8], mut p: usize, reach: usize) -> usize {
    let mut seen = 0;
    while p > 0 && seen < reach {
        p -= 1;
        seen += sure_bytes_at(src, p);
    }
    while !is_cut(src, p) {
        p -= 1;
    }
    p
}

fn extend_right(src: &[u8], mut q: usize, reach: usize) -> usize {
    let mut seen = 0;
    while q < src.len() && seen < reach {
        seen += sure_bytes_at(src, q);
        q += 1;
    }
    while !is_cut(src, q) {
        q += 1;
    }
    q
}

/// Length of the plain-ASCII domain characters (letters, digits, `-`, `.`)
/// at the start of `after`.
fn ascii_domain_len(after: &[u8]) -> usize {
    after
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'.'))
        .unwrap_or(after.len())
}

/// False if the `@` at byte `at` surely has no subject's address around it:
/// without hashed addresses, when the domain after it is plain ASCII that
/// surely ends (see below) and is no subject's domain.
fn may_be_address(p: &Patterns, src: &[u8], at: usize) -> bool {
    if p.has_email_hashes() {
        return true;
    }
    let after = src.get(at + 1..).unwrap_or_default();
    let len = ascii_domain_len(after);
    let rest = after.get(len..).unwrap_or_default();
    if domain_may_go_on(p, rest) {
        return true;
    }
    let domain = after.get(..len).unwrap_or_default();
    let mut end = domain.len();
    while end > 0 && domain.get(end - 1) == Some(&b'.') {
        end -= 1;
    }
    let domain = domain.get(..end).unwrap_or_default();
    // A subject's domain is a prefix of itself: most `@`s stop here.
    if !p.starts_with_domain(domain) {
        return false;
    }
    let lower = domain.to_ascii_lowercase();
    std::str::from_utf8(&lower).is_ok_and(|d| p.email_domains.contains(d))
}

/// True if a domain may go on past its plain-ASCII run, `rest` being the
/// bytes after that run.
#[inline]
fn domain_may_go_on(p: &Patterns, rest: &[u8]) -> bool {
    if p.ascii_domains {
        // Only a character that normalises to ASCII or to nothing can carry
        // the domain on past the ASCII run; any other character either
        // ends the token or makes its domain non-ASCII.
        return starts_with_folding(rest);
    }
    if p.folded_ascii_domains {
        // With accents folded, also one that may fold into ASCII.
        return starts_with_folding(rest) || first_char(rest).is_some_and(may_fold_into_ascii);
    }
    // The domain surely ends at an invalid UTF-8 sequence (U+FFFD), or
    // at an ASCII byte that is not followed by a (maybe combining)
    // character.
    let invalid_at = |r: &[u8]| {
        std::str::from_utf8(r.get(..r.len().min(4)).unwrap_or_default())
            .is_err_and(|e| e.valid_up_to() == 0)
    };
    match rest.first() {
        Some(&b) if !b.is_ascii() && !invalid_at(rest) => true,
        Some(&b) => {
            b.is_ascii()
                && rest.get(1).is_some_and(|b| !b.is_ascii())
                && !invalid_at(rest.get(1..).unwrap_or_default())
        }
        None => false,
    }
}

/// The window around the address token at `@` byte `at`: the token can only
/// extend over local-part (domain) characters and non-ASCII bytes; it surely
/// ends at an ASCII byte outside those that is not followed by a non-ASCII
/// byte (which could combine with it).
fn email_window(p: &Patterns, src: &[u8], at: usize) -> Range<usize> {
    let local = |b: u8| !b.is_ascii() || b.is_ascii_alphanumeric() || p.local_punct[usize::from(b)];
    let domain = |b: u8| !b.is_ascii() || b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    let ends = |i: usize| src.get(i + 1).is_none_or(u8::is_ascii);
    let mut start = at;
    while start > 0 {
        let b = src.get(start - 1).copied().unwrap_or(0);
        if !local(b) && ends(start - 1) {
            break;
        }
        start -= 1;
    }
    let mut end = at + 1;
    while let Some(&b) = src.get(end) {
        if !domain(b) && ends(end) {
            break;
        }
        end += 1;
    }
    around(src, start, end, MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::IdKind;
    use crate::matcher::headers::after_for_keyword;
    use crate::request::{ErasureRequest, Matching, Subject, email_digest};
    use proptest::prelude::*;

    /// Always windows, however small or dense.
    const EVERYWHERE: Limits = Limits {
        small: 0,
        dense: 1,
        cover: 100,
        chunk: 1 << 20,
    };

    fn request(ascii: bool, hashed: bool) -> ErasureRequest {
        let mut names = vec![
            "Jane Doe".to_owned(),
            "Kate O'Neil".to_owned(),
            "Karl Mueller".to_owned(),
        ];
        if !ascii {
            names.extend([
                "José García".to_owned(),
                "山田太郎".to_owned(),
                "Zoë Müller".to_owned(),
                "Σοφία Παπαδοπούλου".to_owned(),
                "한지민".to_owned(),
                "佐藤健二".to_owned(),
                "ギン".to_owned(),
            ]);
        }
        ErasureRequest {
            subjects: vec![
                Subject {
                    id: "A".into(),
                    emails: vec!["jane.doe@example.com".into()],
                    email_hashes: if hashed {
                        vec![email_digest("jo@x.li")]
                    } else {
                        Vec::new()
                    },
                    names,
                    phones: vec!["+44 20 7946 0018".into(), "7946 0018 99".into()],
                    terms: vec!["CUST-88231".into(), "x".into()],
                },
                Subject {
                    id: "B".into(),
                    names: vec!["Doe".into()],
                    emails: vec!["sam.k@mail.test".into()],
                    ..Subject::default()
                },
            ],
            ..ErasureRequest::default()
        }
    }

    /// [`request`] with accents not folded.
    fn unfolded(ascii: bool) -> ErasureRequest {
        ErasureRequest {
            matching: Matching {
                accents: false,
                ..Matching::default()
            },
            ..request(ascii, false)
        }
    }

    /// Addresses only (no word candidate covers them), with `idn` one with a
    /// non-ASCII domain among them (and accents folded).
    fn emails_only(idn: bool) -> ErasureRequest {
        let mut emails = vec![
            "jane.doe@example.com".to_owned(),
            "sam.k@mail.test".to_owned(),
        ];
        if idn {
            emails.push("jo@b\u{fc}cher.test".to_owned());
        }
        // Without accent folding, only the characters of FOLDS_INTO_ASCII
        // carry a plain-ASCII domain on.
        ErasureRequest {
            subjects: vec![Subject {
                id: "E".into(),
                emails,
                ..Subject::default()
            }],
            matching: Matching {
                accents: idn,
                ..Matching::default()
            },
            ..ErasureRequest::default()
        }
    }

    /// Phone numbers only: no word candidate covers a phone's separators.
    fn phones_only() -> ErasureRequest {
        ErasureRequest {
            subjects: vec![Subject {
                id: "P".into(),
                phones: vec!["+44 20 7946 0018".into(), "7946 0018 99".into()],
                ..Subject::default()
            }],
            ..ErasureRequest::default()
        }
    }

    /// (subject, kind, form, source span, recipient clause) of every hit, in order.
    type Seen = Vec<(usize, IdKind, Form, Option<Range<usize>>, bool)>;

    fn whole(p: &Patterns, src: &[u8]) -> Seen {
        let norm = Normalized::of_bytes(src, true, p.fold);
        let mut hits = Vec::new();
        p.find(&norm.text, &mut hits);
        hits.into_iter()
            .map(|h| {
                let clause =
                    h.kind == IdKind::Email && after_for_keyword(&norm.text, h.range.start);
                (
                    h.subject,
                    h.kind,
                    h.form,
                    norm.source_range(h.range),
                    clause,
                )
            })
            .collect()
    }

    fn windowed(p: &Patterns, src: &[u8], limits: Limits) -> Seen {
        find_with(p, src, true, limits)
            .hits
            .into_iter()
            .map(|h| (h.subject, h.kind, h.form, h.span, h.after_for))
            .collect()
    }

    /// Always the whole text, in chunks of a few bytes.
    const CHUNKED: Limits = Limits {
        small: 0,
        dense: 1,
        cover: 0,
        chunk: 7,
    };

    /// The hits of the chunked search, sorted: a name that overlaps another
    /// across a chunk's end may come in another order.
    fn chunked(p: &Patterns, src: &[u8]) -> Seen {
        sorted(windowed(p, src, CHUNKED))
    }

    fn sorted(mut seen: Seen) -> Seen {
        seen.sort_by_key(|(s, k, f, span, c)| {
            (*s, *k, *f, span.as_ref().map(|r| (r.start, r.end)), *c)
        });
        seen
    }

    /// Pieces of text by rule family: names and terms, addresses, phones,
    /// encoded and obfuscated addresses.
    const PIECES: [&[&str]; 5] = [
        &[
            "Jane Doe",
            "JANE",
            "jane",
            " doe",
            "Doe",
            "Doeman",
            " ",
            "   ",
            "\r\n\t",
            "\u{A0}",
            "\u{AD}",
            "\u{200B}",
            "\u{301}",
            "é",
            "\u{212A}ate",
            "Kate",
            " O’Neil",
            "O'Neil",
            "\u{130}",
            "x",
            "_",
            "CUST-88231",
            "cust-",
            "88231",
            "José",
            "Jose\u{301}",
            " García",
            "GARCÍA",
            "山田太郎",
            "山田",
            "です",
            "Ja",
            "ne",
            "\u{212A}",
            "D\u{200D}oe",
            "\u{3000}",
            "\u{85}",
            "\x0b",
            "\u{FFFD}",
            "\u{2019}",
            "O",
            "Neil",
            "Doe, Jane",
            "DOE,",
            ",",
            "\"",
            "<",
            " Q.",
            " q ",
            "Quincy",
            " and ",
            "Zoë",
            "Zoe",
            " Müller",
            "Mu\u{308}ller",
            "MUELLER",
            " Muller",
            "Karl",
            "ß",
            "ø",
            "Σοφία",
            "ΣΟΦΊΑ",
            "Σοφι\u{301}α",
            " Παπαδοπούλου",
            " ΠΑΠΑΔΟΠΟΎΛΟΥ",
            " Παπαδοπου\u{301}λου",
            "Παπαδοπουλου",
            "υ",
            "ύ",
            "Υ",
            "καλημέρα ",
            "привет ",
            "佐藤",
            "健二",
            "藤",
            "佐藤健二",
            "、",
            "한지민",
            "한",
            "지민",
            "\u{1112}\u{1161}\u{11AB}",
            "하",
            "\u{11AB}",
            "ギン",
            "キ\u{3099}ン",
            "キ",
            "\u{3099}",
            "ン",
        ],
        &[
            "@",
            "jane.doe",
            "@example.com",
            "@EXAMPLE.COM",
            ".evil",
            "+tag",
            "jo@x.l",
            "\u{130}",
            "for <",
            "for ",
            "Received: ",
            "x",
            ".",
            "-",
            "\u{301}",
            "é",
            "\u{AD}",
            " ",
            "\r\n",
            "jane",
            ".doe",
            "example",
            ".com",
            "<",
            ">",
            "%",
            "=",
            "EXAMPLE",
            "\u{130}",
            ".",
            "..",
            "\u{212A}",
            "@x",
            ".li",
            "jo",
            "sam.k",
            "@mail.test",
            "@MAIL.TEST",
            "Sam",
            "\u{212A}@mail.test",
            "sam.\u{212A}",
            "@mail",
            ".test",
            "@mail.tes",
            "t",
            "\u{bb}",
            "\u{A0}",
            "\u{200D}",
            "\u{fc}",
            "@b\u{fc}cher",
        ],
        &[
            "+44",
            " 20 ",
            "7946",
            "0018",
            "99",
            "(20)",
            "/",
            "1",
            "-",
            ".",
            " ",
            "\r\n",
            "+",
            "\u{AD}",
            "\u{A0}",
            "\u{301}",
            "\u{2009}",
            "\u{FEFF}",
            "\u{85}",
            "\u{e9}",
            "x",
            "44",
            "20",
            "\x0c",
            "0123456789",
            "0044",
            "011",
            "(0)",
            "020",
            "\u{2010}",
            "\x0b",
            ":",
            "_",
            "a",
            "\u{FF10}",
            "\u{660}",
            "\u{338}",
        ],
        &[
            "jane",
            ".doe",
            "jane.doe",
            "not",
            "%40",
            "%2540",
            "%2E",
            "=40",
            "=2e",
            "&#64;",
            "&#x40;",
            "&#46",
            "&commat;",
            "&period;",
            " at ",
            " AT ",
            "at",
            "(at)",
            "[at]",
            "{at}",
            "<at>",
            " @ ",
            "@",
            " dot ",
            "dot",
            "(dot)",
            " [dot] ",
            ".",
            "example",
            "EXAMPLE",
            "com",
            "munity",
            "mail",
            "test",
            "sam",
            ".k",
            "jo",
            "x",
            "li",
            " ",
            "\r\n",
            "\u{A0}",
            "\u{AD}",
            "\u{301}",
            "\u{fc}",
            "b\u{fc}cher",
            "+tag",
            "%",
            "&",
            ";",
            "=",
            "(",
            ")",
        ],
        &[
            "ΣΟΦΊΑ ΠΑΠΑΔΟΠΟΎΛΟΥ",
            "Σοφια Παπαδοπου\u{301}λου",
            "σοφία παπαδοπούλου",
            "Σοφία",
            " Παπαδοπούλου",
            "ΠΑΠΑΔΟΠΟΥΛΟΥ, Σοφία",
            "υ",
            "καλημέρα ",
            "привет ",
            "\u{1112}\u{1161}\u{11AB}지민",
            "하\u{11AB}지민",
            "한지민",
            "지민",
            "キ\u{3099}ン",
            "ギン",
            "ｷﾞﾝ",
            "佐藤健二",
            "佐藤 健二",
            "東京の",
            "、",
            "。",
            " ",
            "\u{3000}",
            "\r\n",
            "Zoe\u{308} Mu\u{308}ller",
            "MÜLLER, ZOË",
            "Jose\u{301} García",
            "é",
            "\u{301}",
            "\u{FFFD}",
        ],
    ];

    /// Text without any candidate.
    const FILLER: &str = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed eiusmod ";

    static PATTERNS: std::sync::LazyLock<[Patterns; 9]> = std::sync::LazyLock::new(|| {
        [
            Patterns::new(&unfolded(true)),
            Patterns::new(&unfolded(false)),
            Patterns::new(&request(true, false)),
            Patterns::new(&request(false, false)),
            Patterns::new(&request(true, true)),
            Patterns::new(&request(false, true)),
            Patterns::new(&phones_only()),
            Patterns::new(&emails_only(false)),
            Patterns::new(&emails_only(true)),
        ]
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn same_hits_as_whole_text(
            family in 0..5usize,
            picks in proptest::collection::vec(0..1000usize, 0..100),
            fillers in 1..40usize,
            which in 0..9usize,
        ) {
            let pieces = PIECES[family];
            let mut src = Vec::new();
            for &i in &picks {
                let i = i % (pieces.len() + 2 + fillers);
                match pieces.get(i) {
                    Some(piece) => src.extend_from_slice(piece.as_bytes()),
                    None if i == pieces.len() => src.push(0xff),
                    None if i == pieces.len() + 1 => src.extend_from_slice(&[0xe2, 0x80]),
                    None => src.extend_from_slice(FILLER.as_bytes().get(..i * 2).unwrap_or_default()),
                }
            }
            let p = &PATTERNS[which];
            let want = whole(p, &src);
            prop_assert_eq!(&windowed(p, &src, EVERYWHERE), &want, "{:?}", String::from_utf8_lossy(&src));
            prop_assert_eq!(&windowed(p, &src, LIMITS), &want);
            prop_assert_eq!(chunked(p, &src), sorted(want));
        }
    }

    /// [`may_hold_phone`]'s premise: a printable ASCII character that is no
    /// phone byte stays one when normalised (folded or not), so it ends a
    /// stretch in the normalised text as it does in the raw one.
    #[test]
    fn printable_ascii_outside_phones_is_kept_by_normalising() {
        for c in (0x21..0x7f_u8).filter(|&c| !is_phone_byte(c)) {
            for fold in [false, true] {
                let src = [b'1', c, b'2'];
                let n = Normalized::of_bytes(&src, false, fold).text;
                assert_eq!(n.len(), 3, "{:?}", char::from(c));
                assert!(!is_phone_byte(n.as_bytes()[1]), "{:?}", char::from(c));
            }
        }
    }

    #[test]
    fn folding_characters_are_recognised_by_their_encodings() {
        for c in ('\u{80}'..=char::MAX).filter(|c| !c.is_ascii()) {
            let mut buf = [0; 4];
            let encoded = c.encode_utf8(&mut buf).as_bytes();
            assert_eq!(
                starts_with_folding(encoded),
                FOLDS_INTO_ASCII.contains(&c),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    proptest! {
        #[test]
        fn fold_finders_find_exactly_the_folding_characters(
            pieces in proptest::collection::vec(
                prop_oneof![
                    prop::sample::select(FOLDS_INTO_ASCII.to_vec()).prop_map(|c| c.to_string().into_bytes()),
                    prop::sample::select(FOLDS_INTO_ASCII.to_vec())
                        .prop_map(|c| c.to_string().into_bytes()[..c.len_utf8() - 1].to_vec()),
                    proptest::collection::vec(any::<u8>(), 0..8),
                ],
                0..40,
            ),
        ) {
            let src: Vec<u8> = pieces.concat();
            let truth: Vec<usize> = (0..src.len())
                .filter(|&i| {
                    first_char(&src[i..src.len().min(i + 4)])
                        .is_some_and(|c| FOLDS_INTO_ASCII.contains(&c))
                })
                .collect();
            let encodings: Vec<String> = FOLDS_INTO_ASCII.iter().map(char::to_string).collect();
            let ac = AhoCorasick::new(&encodings).expect("automaton");
            let by_automaton: Vec<usize> = ac.find_iter(&src).map(|m| m.start()).collect();
            prop_assert_eq!(&by_automaton, &truth);
            if let FoldFinder::Packed(searcher) = &*FOLD_FINDER {
                let packed: Vec<usize> = searcher.find_iter(&src).map(|m| m.start()).collect();
                prop_assert_eq!(&packed, &truth);
            }
        }
    }

    #[test]
    fn any_substring_test_sees_domains_cut_short() {
        let p = &PATTERNS[2];
        // A substring ending after `test` is an address of subject B.
        assert!(!whole(p, b"sam.k@MAIL.TEST").is_empty());
        assert!(may_match_any_substring(p, b"to sam.k@MAIL.TESTING now"));
        assert!(!may_match_any_substring(p, b"to sam.k@mail.tes now"));
        assert!(!may_match_any_substring(p, b"to sam.k@other.test now"));
        // Addresses only: a soft hyphen carries the domain on, `ü` does not
        // (unless a subject's domain is not ASCII).
        let [ascii, idn] = [&PATTERNS[7], &PATTERNS[8]];
        let soft = "to jane.doe@example\u{AD}.com now";
        assert!(!whole(ascii, soft.as_bytes()).is_empty());
        assert!(may_match_any_substring(ascii, soft.as_bytes()));
        let umlaut = "to sam.k@mail.tes\u{fc}t now";
        assert!(!may_match_any_substring(ascii, umlaut.as_bytes()));
        assert!(may_match_any_substring(idn, umlaut.as_bytes()));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn no_candidate_means_no_hit_in_any_substring(
            family in 0..5usize,
            picks in proptest::collection::vec(0..1000usize, 0..30),
            cuts in proptest::collection::vec((0..1000usize, 0..1000usize), 20),
            which in 0..9usize,
        ) {
            let pieces = PIECES[family];
            let src: Vec<u8> = picks
                .iter()
                .flat_map(|&i| pieces[i % pieces.len()].bytes())
                .collect();
            let p = &PATTERNS[which];
            if !may_match_any_substring(p, &src) {
                for (a, b) in cuts {
                    let (a, b) = (a % (src.len() + 1), b % (src.len() + 1));
                    let sub = &src[a.min(b)..a.max(b)];
                    prop_assert!(whole(p, sub).is_empty(), "{:?}", String::from_utf8_lossy(sub));
                }
            }
        }
    }

    #[test]
    fn tricky_snippets_between_filler() {
        let snippets = [
            "write to sam.k@mail.test.",
            "write to sam.k@MAIL.test..\r\n",
            "sam.k@mail.test\u{AD} x",
            "sam.k@mail.tes\u{AD}t x",
            "sam.k@mail.test\u{301} x",
            "sam.k@mail.test\u{FFFD} x",
            "sam.k@mail.test.\u{AD} x",
            "sam.k@\u{AD}mail.test x",
            "jane.doe@example\u{AD}.com x",
            "jane.doe@example.co\u{200D}m x",
            "jane.doe@example.com\u{bb} x",
            "jane.doe@example.com\u{fc} x",
            "jo@b\u{fc}cher.test x",
            "jo@B\u{fc}cher.test\u{bb} x",
            "\u{212A}@mail.test",
            "Received: from a by b\r\n\tfor <sam.k@mail.test>;",
            "for sam.k@mail.test",
            "xfor sam.k@mail.test",
            "ja\u{AD}ne doe",
            "Jane\u{A0}\u{A0} Doe",
            "\u{212A}ate O\u{2019}Neil",
            "Kate O\u{2019}Neilx",
            "Jane Doe\u{301}",
            "+44 (20) 7946-0018",
            "+44 (20) 7946-0018 99",
            "44\u{AD}2079460018",
            "+44\u{2009}20 7946\u{202F}0018",
            "+44 20 7946 0018\u{FEFF}5",
            "+44 20 7946 0018\u{e9}5",
            "4420794600189",
            "cust-88231",
            "0044 (0)20 7946 0018",
            "020 7946 0018",
            "+44 20 7946\x0c0018",
            "+44 20\x0b7946 0018",
            "+44 20 7946\u{2010}0018",
            "+44 20 7946\u{338}0018",
            "+44 20 7946-\u{301}0018",
            "+44 20 7946 \u{301}0018",
            "+44 20 7946 0018 \u{301}99",
            "+44 20 7946\u{AD}0018:",
            "tel:+44 20 7946 0018;x",
            "x+44 20 7946 0018y",
            "mailto:jane.doe%40example.com?subject=x",
            "u=sam.k%2540mail.test&x",
            "jane.doe&#64;example&#46;com",
            "jane.doe=40example.com",
            "jane dot doe at example dot com",
            "jane.doe\u{A0}AT\u{A0}example\u{A0}DOT\u{A0}com",
            "jane.doe (at) example (dot) com",
            "sam.k [at] mail [dot] test",
            "notjane.doe at example dot com",
            "sam.k at mail dot testing",
            "jo at x dot li",
            "jo(at)x.l\u{AD}i",
        ];
        for (i, snippet) in snippets.iter().enumerate() {
            for which in 0..PATTERNS.len() {
                let p = &PATTERNS[which];
                let cut = FILLER.len() - i;
                let src = format!("{}{snippet}{}", &FILLER[..cut], &FILLER[i..]);
                let want = whole(p, src.as_bytes());
                assert_eq!(windowed(p, src.as_bytes(), EVERYWHERE), want, "{snippet:?}");
                let big = format!("{}{src}{}", FILLER.repeat(80), FILLER.repeat(80));
                let want = whole(p, big.as_bytes());
                assert_eq!(windowed(p, big.as_bytes(), LIMITS), want, "{snippet:?}");
            }
        }
    }

    #[test]
    fn encoded_forms_are_found_in_large_texts() {
        let p = &PATTERNS[0];
        for snippet in [
            "mailto:jane.doe%40example.com?subject=x",
            "jane.doe&#64;example&#46;com",
            "jane dot doe at example dot com",
            "jane.doe\u{A0}AT\u{A0}example\u{A0}DOT\u{A0}com",
            "0044 (0)20 7946 0018",
            "020 7946 0018",
        ] {
            let big = format!("{}{snippet} {}", FILLER.repeat(80), FILLER.repeat(80));
            let hits = windowed(p, big.as_bytes(), LIMITS);
            let kinds = [IdKind::Email, IdKind::Phone];
            assert!(hits.iter().any(|h| kinds.contains(&h.1)), "{snippet:?}");
            assert_eq!(hits, whole(p, big.as_bytes()), "{snippet:?}");
        }
    }

    #[test]
    fn invalid_utf8_around_addresses() {
        let snippets: [&[u8]; 5] = [
            b"sam.k@mail.test\xff x",
            b"sam.k@mail.test.\xe2\x80 x",
            b"sam.k@\xffmail.test x",
            b"\xffsam.k@mail.test\xc3",
            b"sam.k@mail.test\xc3\xa9 x",
        ];
        for snippet in snippets {
            for p in PATTERNS.iter() {
                let src = [FILLER.as_bytes(), snippet, FILLER.as_bytes()].concat();
                assert_eq!(windowed(p, &src, EVERYWHERE), whole(p, &src), "{snippet:?}");
            }
        }
    }

    #[test]
    fn windows_are_sparse_on_base64() {
        let p = &PATTERNS[2];
        let line = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
        let mut src = line.repeat(1000);
        src.push_str("hello Jane\r\n Doe, see you\r\n");
        src.push_str(&line.repeat(1000));
        let w = candidate_windows(p, src.as_bytes(), LIMITS).unwrap_or_default();
        let covered: usize = w.iter().map(|r| r.len()).sum();
        assert!(covered < 1000, "{covered}");
        assert_eq!(
            windowed(p, src.as_bytes(), LIMITS),
            whole(p, src.as_bytes())
        );
        assert_eq!(whole(p, src.as_bytes()).len(), 2);
    }

    /// Text without ASCII between its words (Japanese, Greek read as one
    /// normalisation segment per word) is cut between characters: a
    /// candidate's window stays small, and a non-ASCII name's key is the
    /// only candidate its text gives.
    #[test]
    fn windows_are_small_in_text_without_ascii() {
        let p = &PATTERNS[3];
        for filler in [
            "東京の会議資料を確認します。",
            "καλημέρα σας, ευχαριστώ πολύ· ",
        ] {
            let mut src = filler.repeat(300);
            src.push_str("佐藤健二様");
            src.push_str(&filler.repeat(300));
            let w = candidate_windows(p, src.as_bytes(), LIMITS).unwrap_or_default();
            let covered: usize = w.iter().map(|r| r.len()).sum();
            assert!(
                0 < covered && covered < 2000,
                "{covered} of {} in {w:?}",
                src.len()
            );
            assert_eq!(
                windowed(p, src.as_bytes(), LIMITS),
                whole(p, src.as_bytes())
            );
            assert_eq!(whole(p, src.as_bytes()).len(), 1);
        }
    }
}
