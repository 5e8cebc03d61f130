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
//! * invalid UTF-8 sequences (byte input only) become U+FFFD.
//!
//! On request, an offset map records for every output byte the source byte
//! offset of the segment it came from, so a match can be located in the source.

use std::ops::Range;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::canonical_combining_class;

/// A normalised text and, optionally, its map back to source offsets.
#[derive(Debug, Default)]
pub(crate) struct Normalized {
    /// The normalised text.
    pub text: String,
    /// `map[i]` = source offset of the segment that produced output byte `i`;
    /// empty when no map was requested.
    map: Vec<usize>,
    /// Length of the source.
    src_len: usize,
}

impl Normalized {
    /// Normalises UTF-8 text.
    pub fn of_str(src: &str, with_map: bool) -> Normalized {
        Normalized::of_bytes(src.as_bytes(), with_map)
    }

    /// Normalises bytes read as UTF-8; each invalid sequence becomes U+FFFD.
    pub fn of_bytes(src: &[u8], with_map: bool) -> Normalized {
        let mut n = Builder {
            out: Normalized {
                text: String::with_capacity(src.len()),
                map: Vec::with_capacity(if with_map { src.len() } else { 0 }),
                src_len: src.len(),
            },
            with_map,
            last_space: false,
        };
        let mut base = 0;
        for chunk in src.utf8_chunks() {
            n.push_valid(chunk.valid(), base);
            base += chunk.valid().len();
            if !chunk.invalid().is_empty() {
                n.push_char('\u{FFFD}', base);
                base += chunk.invalid().len();
            }
        }
        n.out
    }

    /// Maps a byte range of [`Normalized::text`] back to a source byte range.
    /// Returns `None` when no map was built or the range is out of bounds.
    pub fn source_range(&self, r: Range<usize>) -> Option<Range<usize>> {
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
    out: Normalized,
    with_map: bool,
    last_space: bool,
}

impl Builder {
    fn push_valid(&mut self, s: &str, base: usize) {
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b < 0x80 && bytes.get(i + 1).is_none_or(|&n| n < 0x80) {
                self.push_ascii(b, base + i);
                i += 1;
                continue;
            }
            let end = segment_end(s, i);
            let seg = &s[i..end];
            let mut chars = seg.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c < '\u{300}' => self.push_char(c, base + i),
                _ => {
                    for c in seg.chars().nfc() {
                        self.push_char(c, base + i);
                    }
                }
            }
            i = end;
        }
    }

    fn push_ascii(&mut self, b: u8, src: usize) {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            self.push_space(src);
        } else {
            self.last_space = false;
            self.out.text.push(char::from(b.to_ascii_lowercase()));
            if self.with_map {
                self.out.map.push(src);
            }
        }
    }

    fn push_space(&mut self, src: usize) {
        if !self.last_space {
            self.last_space = true;
            self.out.text.push(' ');
            if self.with_map {
                self.out.map.push(src);
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
            self.out.text.push(lc);
            if self.with_map {
                self.out.map.extend(std::iter::repeat_n(src, lc.len_utf8()));
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
fn starts_segment(c: char) -> bool {
    c < '\u{300}' || (('\u{3040}'..'\u{11000}').contains(&c) && canonical_combining_class(c) == 0)
}

/// White space for matching purposes.
pub(crate) fn is_space(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Characters that are dropped: soft hyphen, zero-width (non-)joiner.
fn is_ignorable(c: char) -> bool {
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

/// A character that belongs to a word: alphanumeric, `_`, or a combining mark.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || unicode_normalization::char::is_combining_mark(c)
}

/// Normalises an identifier (name, term, address): the text rules above, with
/// leading and trailing white space removed.
pub(crate) fn normalize_identifier(s: &str) -> String {
    Normalized::of_str(s, false)
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
            assert_eq!(Normalized::of_str(input, false).text, *want, "{input:?}");
        }
    }

    #[test]
    fn invalid_utf8_becomes_replacement() {
        let n = Normalized::of_bytes(b"a\xffB", true);
        assert_eq!(n.text, "a\u{FFFD}b");
        assert_eq!(n.source_range(0..1), Some(0..1));
        assert_eq!(n.source_range(4..5), Some(2..3));
    }

    #[test]
    fn map_points_back_to_source() {
        let src = "Hi  Jane\r\n Doe!";
        let n = Normalized::of_str(src, true);
        assert_eq!(n.text, "hi jane doe!");
        let at = n.text.find("jane doe").unwrap_or(usize::MAX);
        let r = n.source_range(at..at + 8);
        assert_eq!(r, Some(4..14));
        assert_eq!(&src[4..14], "Jane\r\n Doe");
    }

    #[test]
    fn map_over_composed_segment() {
        let src = "x Jose\u{301}!";
        let n = Normalized::of_str(src, true);
        assert_eq!(n.text, "x josé!");
        let at = n.text.find("josé").unwrap_or(usize::MAX);
        assert_eq!(n.source_range(at..at + "josé".len()), Some(2..8));
    }

    #[test]
    fn identifier_is_trimmed() {
        assert_eq!(normalize_identifier("  Jane \t Doe \n"), "jane doe");
    }
}
