//! Text normalisation shared by the request parser and the matcher.
//!
//! Identifiers and scanned text go through the same function, so a match on
//! the normalised forms is a match under the documented rules:
//!
//! * Unicode NFC, applied per segment (a character below U+0300 or a CJK-range
//!   starter begins a segment; combining marks join the segment before them);
//! * per-character lowercase (`char::to_lowercase`), plus `ς` → `σ` and the
//!   typographic apostrophes `‘ ’ ʼ` → `'`;
//! * every run of white space (Unicode `White_Space`, plus U+200B, U+2060,
//!   U+FEFF) becomes one ASCII space;
//! * soft hyphen, ZWNJ and ZWJ are dropped;
//! * invalid UTF-8 sequences (byte input only) become U+FFFD;
//! * with accent folding (the default of a request, `[matching] accents`):
//!   a Latin, Greek or Cyrillic letter loses its combining marks (canonical
//!   decomposition), and the letters without a decomposition are spelled out
//!   (`ß` → `ss`, `ø` → `o`, `ł` → `l`, `æ` → `ae`, `œ` → `oe`, `þ` → `th`,
//!   ligatures, the Greek symbol variants of full case folding).
//!
//! On request, an offset map records for every output byte the source byte
//! offset of the segment it came from, so a match can be located in the source.

use std::ops::Range;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{canonical_combining_class, is_combining_mark};

/// A normalised text and, optionally, its map back to source offsets.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    /// The normalised text.
    pub(crate) text: String,
    /// `map[i]` = source offset of the segment that produced output byte `i`;
    /// empty when no map was requested.
    map: Vec<usize>,
    /// Length of the source.
    src_len: usize,
}

impl Normalized {
    /// Normalises UTF-8 text.
    pub(crate) fn of_str(src: &str, with_map: bool, fold: bool) -> Normalized {
        Normalized::of_bytes(src.as_bytes(), with_map, fold)
    }

    /// Normalises bytes read as UTF-8; each invalid sequence becomes U+FFFD.
    /// With `fold`, accents are folded too (see the module documentation).
    pub(crate) fn of_bytes(src: &[u8], with_map: bool, fold: bool) -> Normalized {
        let mut n = Builder {
            text: Vec::with_capacity(src.len()),
            map: Vec::with_capacity(if with_map { src.len() } else { 0 }),
            with_map,
            fold,
            last_space: false,
        };
        // `from_utf8` validates fast; its error gives the same invalid
        // sequences (maximal subparts) as `utf8_chunks`.
        let mut base = 0;
        while base < src.len() {
            let (valid, invalid) = valid_prefix(src.get(base..).unwrap_or_default());
            n.push_valid(valid, base);
            base += valid.len();
            if invalid > 0 {
                n.push_char('\u{FFFD}', base);
                base += invalid;
            }
        }
        let text = String::from_utf8(n.text)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Normalized {
            text,
            map: n.map,
            src_len: src.len(),
        }
    }

    /// Maps a byte range of [`Normalized::text`] back to a source byte range.
    /// Returns `None` when no map was built or the range is out of bounds.
    pub(crate) fn source_range(&self, r: Range<usize>) -> Option<Range<usize>> {
        if self.map.len() != self.text.len() || r.start >= r.end || r.end > self.map.len() {
            return None;
        }
        let start = *self.map.get(r.start)?;
        let last = *self.map.get(r.end - 1)?;
        let end = self.map[r.end..]
            .iter()
            .copied()
            .find(|&o| o > last)
            .unwrap_or(self.src_len);
        Some(start..end.max(start))
    }
}

struct Builder {
    /// Normalised text (always valid UTF-8).
    text: Vec<u8>,
    map: Vec<usize>,
    with_map: bool,
    fold: bool,
    last_space: bool,
}

/// The valid UTF-8 text at the start of `rest`, and the length of the
/// invalid sequence after it (0 at the end).
#[inline]
fn valid_prefix(rest: &[u8]) -> (&str, usize) {
    match std::str::from_utf8(rest) {
        Ok(s) => (s, 0),
        Err(e) => {
            let (v, bad) = rest.split_at(e.valid_up_to());
            let valid = std::str::from_utf8(v).unwrap_or_default();
            (valid, e.error_len().unwrap_or(bad.len()))
        }
    }
}

/// Where the ASCII fast run of `bytes` from `i` ends: an ASCII byte
/// followed by an ASCII byte (or the end) is a segment of its own; the last
/// one before a non-ASCII character may take combining marks and goes the
/// slow way.
#[inline]
fn fast_run_end(bytes: &[u8], i: usize) -> usize {
    let ascii = bytes
        .get(i..)
        .unwrap_or_default()
        .iter()
        .position(|&b| b >= 0x80)
        .map_or(bytes.len(), |p| i + p);
    if ascii < bytes.len() {
        ascii.saturating_sub(1).max(i)
    } else {
        ascii
    }
}

impl Builder {
    /// Pushes the valid UTF-8 text `s`, which starts at source offset `base`.
    fn push_valid(&mut self, s: &str, base: usize) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let fast_end = fast_run_end(bytes, i);
            self.push_ascii_run(bytes.get(i..fast_end).unwrap_or_default(), base + i);
            i = fast_end;
            if i >= bytes.len() {
                break;
            }
            let end = segment_end(s, i);
            self.push_segment(&s[i..end], base + i);
            i = end;
        }
    }

    /// Pushes one segment (a character with its combining marks) from
    /// source offset `at`, composed (NFC) unless it is a lone character
    /// below the combining marks.
    #[inline]
    fn push_segment(&mut self, seg: &str, at: usize) {
        let mut chars = seg.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if c < '\u{300}' && !(self.fold && has_foldable_marks(c)) => {
                self.push_char(c, at);
            }
            _ if self.fold => {
                self.push_folded_segment(seg, at);
            }
            _ => {
                for c in seg.chars().nfc() {
                    self.push_char(c, at);
                }
            }
        }
    }

    /// A segment with accents folded: decomposed, the combining marks of a
    /// Latin, Greek or Cyrillic letter dropped, composed again (a segment
    /// may hold several letters, and other scripts keep their NFC form).
    fn push_folded_segment(&mut self, seg: &str, at: usize) {
        for c in fold_marks(seg).chars().nfc() {
            self.push_char(c, at);
        }
    }

    /// ASCII bytes, each its own segment: lowercase, white space collapsed.
    fn push_ascii_run(&mut self, run: &[u8], src: usize) {
        if self.with_map {
            for (k, &b) in run.iter().enumerate() {
                if is_ascii_space(b) {
                    if !self.last_space {
                        self.last_space = true;
                        self.text.push(b' ');
                        self.map.push(src + k);
                    }
                } else {
                    self.last_space = false;
                    self.text.push(b.to_ascii_lowercase());
                    self.map.push(src + k);
                }
            }
        } else {
            for &b in run {
                if is_ascii_space(b) {
                    if !self.last_space {
                        self.last_space = true;
                        self.text.push(b' ');
                    }
                } else {
                    self.last_space = false;
                    self.text.push(b.to_ascii_lowercase());
                }
            }
        }
    }

    fn push_space(&mut self, src: usize) {
        if !self.last_space {
            self.last_space = true;
            self.text.push(b' ');
            if self.with_map {
                self.map.push(src);
            }
        }
    }

    fn push_char(&mut self, c: char, src: usize) {
        if is_space(c) {
            self.push_space(src);
            return;
        }
        if is_ignorable(c) {
            return;
        }
        self.last_space = false;
        for lc in c.to_lowercase() {
            let lc = fold_extra(lc);
            match spelled_out(lc).filter(|_| self.fold) {
                Some(letters) => {
                    self.text.extend_from_slice(letters.as_bytes());
                    if self.with_map {
                        self.map.extend(std::iter::repeat_n(src, letters.len()));
                    }
                }
                // Lowercasing `İ` gives `i` and a combining dot: folded away.
                None if self.fold && is_combining_mark(lc) && c != lc => {}
                None => {
                    let mut buf = [0; 4];
                    self.text
                        .extend_from_slice(lc.encode_utf8(&mut buf).as_bytes());
                    if self.with_map {
                        self.map.extend(std::iter::repeat_n(src, lc.len_utf8()));
                    }
                }
            }
        }
    }
}

/// End (exclusive) of the NFC segment starting at byte `start` of `s`.
fn segment_end(s: &str, start: usize) -> usize {
    let mut iter = s[start..].char_indices();
    iter.next();
    for (off, c) in iter {
        if starts_segment(c) {
            return start + off;
        }
    }
    s.len()
}

/// True when `c` can never combine with the character before it under NFC.
pub(crate) fn starts_segment(c: char) -> bool {
    c < '\u{300}' || (('\u{3040}'..'\u{11000}').contains(&c) && canonical_combining_class(c) == 0)
}

/// ASCII white space (space, tab, LF, VT, FF, CR).
pub(crate) fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// White space for matching purposes.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Every non-ASCII character whose normalised form (on its own) is empty or
/// holds an ASCII byte: white space, dropped characters, and the few that
/// fold to ASCII (`K` Kelvin sign, `İ`, typographic apostrophes, Greek
/// question mark and varia). Any other non-ASCII character only ever yields
/// non-ASCII output (NFC composition never yields ASCII), so it cannot be
/// part of a match of an ASCII identifier. Checked by a test over all
/// characters.
pub(crate) const FOLDS_INTO_ASCII: &[char] = &[
    '\u{85}', '\u{A0}', '\u{AD}', '\u{130}', '\u{2BC}', '\u{37E}', '\u{1680}', '\u{1FEF}',
    '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}',
    '\u{2008}', '\u{2009}', '\u{200A}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2018}', '\u{2019}',
    '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{2060}', '\u{212A}', '\u{3000}', '\u{FEFF}',
];

/// True for every character whose normalised form with accents folded (on
/// its own, or as a mark after a letter) may hold an ASCII byte, besides
/// those of [`FOLDS_INTO_ASCII`]: Latin letters with marks, combining marks,
/// the letters spelled out, ligatures. Checked by a test over all characters.
pub(crate) fn may_fold_into_ascii(c: char) -> bool {
    matches!(c, '\u{C0}'..='\u{24F}' | '\u{1E00}'..='\u{1EFF}' | '\u{FB00}'..='\u{FB06}' | '\u{212B}')
        || is_combining_mark(c)
}

/// The characters of [`FOLDS_INTO_ASCII`] whose normalised form is one space
/// or nothing: in a phone number they stand where a separator may. Checked
/// by a test over all characters.
pub(crate) const BLANK_OR_GONE: &[char] = &[
    '\u{85}', '\u{A0}', '\u{AD}', '\u{1680}', '\u{2000}', '\u{2001}', '\u{2002}', '\u{2003}',
    '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}', '\u{200A}', '\u{200B}',
    '\u{200C}', '\u{200D}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{2060}', '\u{3000}',
    '\u{FEFF}',
];

/// Characters that are dropped: soft hyphen, zero-width (non-)joiner.
pub(crate) fn is_ignorable(c: char) -> bool {
    matches!(c, '\u{AD}' | '\u{200C}' | '\u{200D}')
}

/// Foldings beyond `to_lowercase`.
fn fold_extra(c: char) -> char {
    match c {
        'ς' => 'σ',
        '\u{2018}' | '\u{2019}' | '\u{2BC}' => '\'',
        _ => c,
    }
}

/// `seg` decomposed, without the combining marks of the letters of
/// [`has_foldable_marks`].
fn fold_marks(seg: &str) -> String {
    let mut kept = String::with_capacity(seg.len());
    let mut foldable = false;
    for c in seg.chars().nfd() {
        if is_combining_mark(c) {
            if !foldable {
                kept.push(c);
            }
            continue;
        }
        foldable = has_foldable_marks(c);
        kept.push(c);
    }
    kept
}

/// True for the letters whose combining marks accent folding drops: Latin,
/// Greek and Cyrillic (not kana, whose voicing marks change the sound).
fn has_foldable_marks(c: char) -> bool {
    c.is_alphabetic() && (c < '\u{530}' || ('\u{1E00}'..='\u{1FFF}').contains(&c))
}

/// The spelling under accent folding of a lowercase letter that has no
/// canonical decomposition, and of the characters full case folding maps
/// beyond `to_lowercase`.
fn spelled_out(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'ø' => "o",
        'ł' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'æ' => "ae",
        'œ' => "oe",
        'ı' => "i",
        'ħ' => "h",
        'ŧ' => "t",
        'ŀ' => "l",
        'ĳ' => "ij",
        'ſ' => "s",
        'ƒ' => "f",
        'ŉ' => "'n",
        'ﬀ' => "ff",
        'ﬁ' => "fi",
        'ﬂ' => "fl",
        'ﬃ' => "ffi",
        'ﬄ' => "ffl",
        'ﬅ' | 'ﬆ' => "st",
        'µ' => "μ",
        'ϐ' => "β",
        'ϑ' => "θ",
        'ϕ' => "φ",
        'ϖ' => "π",
        'ϰ' => "κ",
        'ϱ' => "ρ",
        'ϵ' => "ε",
        _ => return None,
    })
}

/// The first character of `bytes` if they start with a valid UTF-8 sequence.
pub(crate) fn first_char(bytes: &[u8]) -> Option<char> {
    // At most four bytes are looked at: a character is never longer.
    let bytes = bytes.get(..bytes.len().min(4))?;
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(bytes.get(..e.valid_up_to())?).ok()?,
    };
    valid.chars().next()
}

/// A character that belongs to a word: alphanumeric, `_`, or a combining mark.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || unicode_normalization::char::is_combining_mark(c)
}

/// Normalises an identifier (name, term, address): the text rules above, with
/// leading and trailing white space removed.
pub(crate) fn normalize_identifier(s: &str, fold: bool) -> String {
    Normalized::of_str(s, false, fold)
        .text
        .trim_matches(' ')
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_space_and_composition() {
        let cases: &[(&str, &str)] = &[
            ("Jane Doe", "jane doe"),
            ("Jane\r\n  Doe", "jane doe"),
            ("Jane\u{A0}Doe", "jane doe"),
            ("Jane\u{202F}\u{2009}Doe", "jane doe"),
            ("Jane\u{200B}Doe", "jane doe"),
            ("Jose\u{301} Garci\u{301}a", "josé garcía"),
            ("JOSÉ", "josé"),
            ("ΟΔΥΣΣΕΑΣ", "οδυσσεασ"),
            ("οδυσσεας", "οδυσσεασ"),
            ("O\u{2019}Brien", "o'brien"),
            ("Ma\u{AD}ria", "maria"),
            ("山田\u{3000}太郎", "山田 太郎"),
        ];
        for (input, want) in cases {
            assert_eq!(
                Normalized::of_str(input, false, false).text,
                *want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement() {
        let n = Normalized::of_bytes(b"a\xffB", true, false);
        assert_eq!(n.text, "a\u{FFFD}b");
        assert_eq!(n.source_range(0..1), Some(0..1));
        assert_eq!(n.source_range(4..5), Some(2..3));
    }

    #[test]
    fn map_points_back_to_source() {
        let src = "Hi  Jane\r\n Doe!";
        let n = Normalized::of_str(src, true, false);
        assert_eq!(n.text, "hi jane doe!");
        let at = n.text.find("jane doe").unwrap_or(usize::MAX);
        let r = n.source_range(at..at + 8);
        assert_eq!(r, Some(4..14));
        assert_eq!(&src[4..14], "Jane\r\n Doe");
    }

    #[test]
    fn map_over_composed_segment() {
        let src = "x Jose\u{301}!";
        let n = Normalized::of_str(src, true, false);
        assert_eq!(n.text, "x josé!");
        let at = n.text.find("josé").unwrap_or(usize::MAX);
        assert_eq!(n.source_range(at..at + "josé".len()), Some(2..8));
    }

    /// The straightforward form of [`Normalized::of_bytes`]: per character,
    /// through `utf8_chunks`, with a `String`.
    fn reference(src: &[u8], fold: bool) -> (String, Vec<usize>) {
        let mut text = String::new();
        let mut map = Vec::new();
        let mut last_space = false;
        let mut push = |c: char, at: usize, text: &mut String| {
            if is_space(c) {
                if !last_space {
                    last_space = true;
                    text.push(' ');
                    map.push(at);
                }
            } else if !is_ignorable(c) {
                last_space = false;
                for lc in c.to_lowercase() {
                    let lc = fold_extra(lc);
                    let out = match spelled_out(lc) {
                        Some(s) if fold => s.to_owned(),
                        _ if fold && is_combining_mark(lc) && c != lc => String::new(),
                        _ => lc.to_string(),
                    };
                    text.push_str(&out);
                    map.extend(std::iter::repeat_n(at, out.len()));
                }
            }
        };
        // Accent folding: the segment decomposed, the marks of a Latin,
        // Greek or Cyrillic letter dropped.
        let segment = |seg: &str| -> Vec<char> {
            if fold {
                fold_marks(seg).chars().nfc().collect()
            } else {
                seg.chars().nfc().collect()
            }
        };
        let mut base = 0;
        for chunk in src.utf8_chunks() {
            let s = chunk.valid();
            let mut i = 0;
            while i < s.len() {
                let end = segment_end(s, i);
                for c in segment(&s[i..end]) {
                    push(c, base + i, &mut text);
                }
                i = end;
            }
            base += s.len();
            if !chunk.invalid().is_empty() {
                push('\u{FFFD}', base, &mut text);
                base += chunk.invalid().len();
            }
        }
        (text, map)
    }

    mod same_as_reference {
        use super::*;
        use proptest::prelude::*;

        const PIECES: &[&[u8]] = &[
            b"a",
            b"B",
            b"z",
            b" ",
            b"  ",
            b"\t",
            b"\r\n",
            b"\x0b",
            b"@",
            b"1",
            b"-",
            "e\u{301}".as_bytes(),
            "\u{301}".as_bytes(),
            "\u{323}".as_bytes(),
            "é".as_bytes(),
            "\u{A0}".as_bytes(),
            "\u{AD}".as_bytes(),
            "\u{200D}".as_bytes(),
            "\u{212A}".as_bytes(),
            "\u{130}".as_bytes(),
            "ς".as_bytes(),
            "’".as_bytes(),
            "山".as_bytes(),
            "\u{3099}".as_bytes(),
            "か".as_bytes(),
            "\u{FEFF}".as_bytes(),
            "ß".as_bytes(),
            "Ø".as_bytes(),
            "ﬁ".as_bytes(),
            "ë".as_bytes(),
            "o\u{308}".as_bytes(),
            "한".as_bytes(),
            "й".as_bytes(),
            b"\xff",
            b"\xc3",
            b"\xe2\x80",
            b"\xf0\x9f\x98",
            b"\x80",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2000))]
            #[test]
            fn text_and_map(picks in proptest::collection::vec(0..PIECES.len(), 0..30)) {
                let src: Vec<u8> = picks.iter().flat_map(|&i| PIECES[i].iter().copied()).collect();
                for fold in [false, true] {
                    let n = Normalized::of_bytes(&src, true, fold);
                    let (text, map) = reference(&src, fold);
                    prop_assert_eq!(&n.text, &text);
                    prop_assert_eq!(&n.map, &map);
                    prop_assert_eq!(Normalized::of_bytes(&src, false, fold).text, text);
                }
            }
        }
    }

    #[test]
    fn folds_into_ascii_is_complete() {
        for c in ('\u{80}'..=char::MAX).filter(|c| !c.is_ascii()) {
            let n = Normalized::of_str(c.encode_utf8(&mut [0; 4]), false, false).text;
            let yields_ascii = n.is_empty() || n.bytes().any(|b| b.is_ascii());
            assert_eq!(
                FOLDS_INTO_ASCII.contains(&c),
                yields_ascii,
                "U+{:04X}",
                u32::from(c)
            );
            // No other character yields an `@` or a digit.
            assert!(!n.bytes().any(|b| b == b'@' || b.is_ascii_digit()) || c.is_ascii());
            assert_eq!(
                BLANK_OR_GONE.contains(&c),
                n.is_empty() || n == " ",
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn identifier_is_trimmed() {
        assert_eq!(normalize_identifier("  Jane \t Doe \n", false), "jane doe");
    }

    #[test]
    fn accents_fold() {
        let cases: &[(&str, &str)] = &[
            ("Zoë Müller", "zoe muller"),
            ("Zoe\u{308} Mu\u{308}ller", "zoe muller"),
            ("STRAßE", "strasse"),
            ("Straẞe", "strasse"),
            ("Søren Kjærgård", "soren kjaergard"),
            ("Łukasz Żółć", "lukasz zolc"),
            ("Þóra Ðórsdóttir", "thora dorsdottir"),
            ("Œuvre", "oeuvre"),
            ("İstanbul", "istanbul"),
            ("ﬁnn", "finn"),
            ("José García", "jose garcia"),
            ("Ἀθῆναι", "αθηναι"),
            ("Ёлка", "елка"),
            ("Звонила Джейн Доу", "звонила джеин доу"),
            ("x Zoë", "x zoe"),
            ("नमस्ते Zoë", "नमस्ते zoe"),
            // Kana keep their voicing marks; Han and Hangul are untouched.
            ("ガ", "ガ"),
            ("佐藤健二", "佐藤健二"),
            ("한국", "한국"),
        ];
        for (input, want) in cases {
            assert_eq!(
                Normalized::of_str(input, false, true).text,
                *want,
                "{input:?}"
            );
        }
        assert_eq!(Normalized::of_str("Zoë", false, false).text, "zoë");
    }

    #[test]
    fn may_fold_into_ascii_is_complete() {
        let mut missing = Vec::new();
        for c in ('\u{80}'..=char::MAX).filter(|c| !c.is_ascii()) {
            let n = Normalized::of_str(c.encode_utf8(&mut [0; 4]), false, true).text;
            let yields_ascii = n.is_empty() || n.bytes().any(|b| b.is_ascii());
            if yields_ascii && !FOLDS_INTO_ASCII.contains(&c) && !may_fold_into_ascii(c) {
                missing.push(format!("U+{:04X}", u32::from(c)));
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }

    #[test]
    fn folding_never_yields_a_digit_or_an_at_sign() {
        for c in ('\u{80}'..=char::MAX).filter(|c| !c.is_ascii()) {
            let n = Normalized::of_str(c.encode_utf8(&mut [0; 4]), false, true).text;
            assert!(
                !n.bytes().any(|b| b == b'@' || b.is_ascii_digit()),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }
}
