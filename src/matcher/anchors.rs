//! The search for anchors (the longest word of every name and term) in raw
//! bytes, ASCII case-insensitively, at a speed that does not depend on how
//! many subjects a request holds.
//!
//! For a few anchors, one Aho-Corasick automaton is fastest: its prefilter
//! (memchr on rare bytes, SIMD over a few patterns) skips most of the text.
//! Over thousands of patterns it has no prefilter and walks every byte
//! through its state table (about 170 MB/s with 10,000 subjects on our
//! 2-core machine, against about 700 MB/s here; see `docs/benchmarks.md`).
//! Then a bitmap of the hashed first four bytes of every anchor
//! (ASCII-lowercased) rules out almost every position with a few arithmetic
//! operations, eight bytes read at a time; only the positions it lets
//! through are tried with an anchored automaton. Anchors shorter than four
//! bytes have an ordinary automaton of their own.

use std::ops::ControlFlow;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

/// Bytes hashed per position.
const GRAM: usize = 4;
/// Positions tested per eight-byte load.
const PER_LOAD: usize = 8 - GRAM + 1;
/// Up to this many anchors, one automaton with its own prefilter is faster.
const FEW: usize = 64;

/// The anchors of a request, compiled for search.
#[derive(Debug)]
pub(crate) enum Anchors {
    /// Few anchors: one automaton.
    Few(AhoCorasick),
    /// Many anchors: the bitmap first.
    Many(Grams),
    /// The automata could not be compiled (never seen): every text counts
    /// as holding an anchor, so that nothing is missed.
    Unbuilt,
}

/// The bitmap search over many anchors.
#[derive(Debug)]
pub(crate) struct Grams {
    /// One bit per hash value of a four-byte anchor prefix.
    bits: Vec<u64>,
    /// Right shift that turns a 32-bit product into a bit index.
    shift: u32,
    /// Anchors of at least [`GRAM`] bytes, tried anchored where the bitmap says so.
    long: Option<AhoCorasick>,
    /// Length of the longest anchor in `long`.
    long_max: usize,
    /// Anchors shorter than [`GRAM`] bytes, searched the ordinary way.
    short: Option<AhoCorasick>,
}

impl Anchors {
    /// Compiles `anchors`; `None` when there are none.
    pub(crate) fn new(anchors: &[&str]) -> Option<Anchors> {
        if anchors.is_empty() {
            return None;
        }
        let built = if anchors.len() <= FEW {
            build(anchors, StartKind::Unanchored).map(Anchors::Few)
        } else {
            Grams::new(anchors).map(Anchors::Many)
        };
        Some(built.unwrap_or(Anchors::Unbuilt))
    }

    /// True if some anchor occurs in `src`.
    pub(crate) fn is_match(&self, src: &[u8]) -> bool {
        self.for_each(src, |_, _| ControlFlow::Break(())).is_break()
    }

    /// Calls `f` with the start and end of anchor occurrences in `src` until
    /// it breaks. An occurrence not reported overlaps a reported one (so it
    /// lies within one anchor length of it).
    pub(crate) fn for_each(
        &self,
        src: &[u8],
        mut f: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        match self {
            Anchors::Few(ac) => {
                for m in ac.find_iter(src) {
                    f(m.start(), m.end())?;
                }
                ControlFlow::Continue(())
            }
            Anchors::Many(grams) => grams.for_each(src, f),
            // One occurrence over the whole text: its window is all of it.
            Anchors::Unbuilt => f(0, src.len()),
        }
    }
}

impl Grams {
    /// Compiles `anchors`; `None` if an automaton could not be built.
    fn new(anchors: &[&str]) -> Option<Grams> {
        let (long, short): (Vec<&str>, Vec<&str>) = anchors.iter().partition(|a| a.len() >= GRAM);
        let (bits, shift) = bitmap(&long);
        // An automaton that should exist but could not be built fails the whole.
        Some(Grams {
            bits,
            shift,
            long_max: long.iter().map(|a| a.len()).max().unwrap_or(0),
            long: compiled(&long, StartKind::Anchored)?,
            short: compiled(&short, StartKind::Unanchored)?,
        })
    }

    /// [`Anchors::for_each`]: occurrences of anchors of four bytes or more
    /// in text order, then those of the shorter ones.
    fn for_each(
        &self,
        src: &[u8],
        mut f: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if let Some(ac) = &self.long {
            self.for_each_long(ac, src, &mut f)?;
        }
        if let Some(ac) = &self.short {
            for m in ac.find_iter(src) {
                f(m.start(), m.end())?;
            }
        }
        ControlFlow::Continue(())
    }

    /// The occurrences of the anchors of four bytes or more (`ac`, anchored)
    /// in text order: every position the bitmap lets through is tried,
    /// eight bytes read at a time, then the last few one by one.
    #[inline]
    fn for_each_long(
        &self,
        ac: &AhoCorasick,
        src: &[u8],
        f: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut tries = Tries {
            ac,
            src,
            long_max: self.long_max,
            next: 0,
        };
        let mut i = 0;
        while let Some(chunk) = src.get(i..i + 8) {
            let mut le = [0; 8];
            le.copy_from_slice(chunk);
            let word = lower(u64::from_le_bytes(le));
            for k in 0..PER_LOAD {
                if self.may_start(word >> (8 * k)) {
                    tries.at(i + k, f)?;
                }
            }
            i += PER_LOAD;
        }
        while let Some(chunk) = src.get(i..i + GRAM) {
            let mut le = [0; 8];
            le[..GRAM].copy_from_slice(chunk);
            if self.may_start(lower(u64::from_le_bytes(le))) {
                tries.at(i, f)?;
            }
            i += 1;
        }
        ControlFlow::Continue(())
    }

    /// Whether an anchor may start with the (lowercased) low four bytes of `word`.
    fn may_start(&self, word: u64) -> bool {
        let slot = slot(word, self.shift);
        self.bits
            .get(slot >> 6)
            .is_some_and(|w| w >> (slot & 63) & 1 == 1)
    }
}

/// The anchored tries of one search of [`Grams::for_each_long`].
struct Tries<'a> {
    /// The automaton of the long anchors.
    ac: &'a AhoCorasick,
    /// The text searched.
    src: &'a [u8],
    /// Length of the longest anchor in `ac`.
    long_max: usize,
    /// Positions before this lie inside the last occurrence reported.
    next: usize,
}

impl Tries<'_> {
    /// Tries the anchors at `p`, reporting an occurrence to `f`.
    #[inline]
    fn at(
        &mut self,
        p: usize,
        f: &mut dyn FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if p < self.next {
            return ControlFlow::Continue(());
        }
        let end = self.src.len().min(p + self.long_max);
        let input = Input::new(self.src).range(p..end).anchored(Anchored::Yes);
        match self.ac.find(input) {
            Some(m) => {
                self.next = m.end();
                f(m.start(), m.end())
            }
            None => ControlFlow::Continue(()),
        }
    }
}

/// The bitmap of the hashed first four bytes (lowercased) of the anchors
/// `long`, and the shift that turns a hash into a bit index. About 64 bits
/// per anchor keeps false positives near 1.5%; the bitmap stays between
/// 512 bytes and 512 KiB.
fn bitmap(long: &[&str]) -> (Vec<u64>, u32) {
    let log = (long.len().max(1) * 64)
        .next_power_of_two()
        .trailing_zeros()
        .clamp(12, 22);
    let shift = 32 - log;
    let mut bits = vec![0u64; 1 << (log - 6)];
    for a in long {
        let [b0, b1, b2, b3, ..] = *a.as_bytes() else {
            continue;
        };
        let slot = slot(
            lower(u64::from(u32::from_le_bytes([b0, b1, b2, b3]))),
            shift,
        );
        if let Some(word) = bits.get_mut(slot >> 6) {
            *word |= 1 << (slot & 63);
        }
    }
    (bits, shift)
}

/// The automaton over `list` (`Some(None)` when it is empty); `None` when
/// it could not be built.
fn compiled(list: &[&str], start: StartKind) -> Option<Option<AhoCorasick>> {
    if list.is_empty() {
        Some(None)
    } else {
        build(list, start).map(Some)
    }
}

/// The bitmap index of the low four bytes of `word`.
fn slot(word: u64, shift: u32) -> usize {
    // Truncation intended: the hash is of the low four bytes.
    let gram = word as u32;
    (gram.wrapping_mul(0x9E37_79B1) >> shift) as usize
}

/// `word` with every ASCII upper-case letter byte made lower case, other
/// bytes unchanged (eight bytes at once).
fn lower(word: u64) -> u64 {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let low7 = word & !HIGH;
    // Per byte, bit 7 of `low7 + 0x3f` is set when the byte is `>= b'A'`,
    // and of `low7 + 0x25` when it is `> b'Z'`; no carry crosses a byte.
    let at_least_a = low7.wrapping_add(0x3f3f_3f3f_3f3f_3f3f);
    let above_z = low7.wrapping_add(0x2525_2525_2525_2525);
    let upper = at_least_a & !above_z & !word & HIGH;
    word | (upper >> 2)
}

/// An ASCII case-insensitive automaton (standard semantics) over
/// `patterns`; `None` when there are none or it could not be built.
pub(super) fn build(patterns: &[&str], start: StartKind) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .ascii_case_insensitive(true)
        .start_kind(start)
        .build(patterns)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every ASCII case-insensitive occurrence, by brute force.
    fn occurrences(anchors: &[&str], src: &[u8]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        for a in anchors {
            let a = a.as_bytes();
            for s in 0..src.len() {
                if src
                    .get(s..s + a.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(a))
                {
                    v.push((s, s + a.len()));
                }
            }
        }
        v
    }

    fn reported(anchors: &Anchors, src: &[u8]) -> Vec<(usize, usize)> {
        let mut v = Vec::new();
        let _ = anchors.for_each(src, |s, e| {
            v.push((s, e));
            ControlFlow::Continue(())
        });
        v
    }

    #[test]
    fn lower_changes_only_ascii_capitals() {
        for b in 0..=255u8 {
            let word = lower(u64::from_le_bytes([b; 8]));
            assert_eq!(word.to_le_bytes(), [b.to_ascii_lowercase(); 8], "{b:#x}");
        }
    }

    /// Both strategies over the same anchors.
    fn both(anchors: &[&str]) -> [Anchors; 2] {
        [
            Anchors::Few(build(anchors, StartKind::Unanchored).expect("automaton")),
            Anchors::Many(Grams::new(anchors).expect("grams")),
        ]
    }

    #[test]
    fn finds_long_short_and_tail_occurrences() {
        for a in both(&["jane", "cust-88231", "li"]) {
            let src = b"xx JANE yy Cust-88231 zz LI";
            assert_eq!(reported(&a, src), [(3, 7), (11, 21), (25, 27)]);
            assert!(a.is_match(b"jAnE"));
            assert!(!a.is_match(b"jan e"));
        }
        assert!(Anchors::new(&[]).is_none());
    }

    #[test]
    fn an_unbuilt_search_covers_the_whole_text() {
        let src = b"no anchor here";
        assert_eq!(reported(&Anchors::Unbuilt, src), [(0, src.len())]);
        assert!(Anchors::Unbuilt.is_match(src));
    }

    #[test]
    fn many_anchors_take_the_bitmap() {
        let names: Vec<String> = (0..=FEW).map(|i| format!("name{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let a = Anchors::new(&names).expect("anchors");
        assert!(matches!(a, Anchors::Many(_)));
        // `name6` ends first inside `NAME64`: the occurrence reported covers both.
        assert_eq!(reported(&a, b"a NAME64 b name7"), [(2, 7), (11, 16)]);
        assert!(matches!(Anchors::new(&names[..FEW]), Some(Anchors::Few(_))));
    }

    proptest! {
        #[test]
        fn every_occurrence_overlaps_a_reported_one(
            anchors in prop::collection::vec("[a-cA-C-]{1,7}", 1..6),
            src in prop::collection::vec(prop::sample::select(b"abcABC- \xc3".to_vec()), 0..80),
        ) {
            let anchors: Vec<String> = anchors.iter().map(|a| a.to_ascii_lowercase()).collect();
            let anchors: Vec<&str> = anchors.iter().map(String::as_str).collect();
            let truth = occurrences(&anchors, &src);
            for compiled in both(&anchors) {
                let got = reported(&compiled, &src);
                for r in &got {
                    prop_assert!(truth.contains(r), "{r:?} is no occurrence");
                }
                for &(s, e) in &truth {
                    prop_assert!(
                        got.iter().any(|&(gs, ge)| gs < e && s < ge),
                        "{s}..{e} overlaps no reported occurrence"
                    );
                }
                prop_assert_eq!(compiled.is_match(&src), !truth.is_empty());
            }
        }
    }
}
