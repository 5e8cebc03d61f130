//! Which non-ASCII characters may stand in a match of a name or term, for
//! a request whose names and terms are not all ASCII once normalised.
//!
//! The windowed search needs a candidate in every match's source span. A
//! pattern whose anchor (longest word) is ASCII has one by the ASCII rules
//! (the anchor literally, or a character that yields ASCII or nothing). A
//! pattern whose anchor is not ASCII holds, once normalised, the anchor's
//! *key*: its rarest non-ASCII character, roughly (kana and the most common
//! Greek and Cyrillic letters last, then the highest code point). That character comes out of a segment of the
//! source (a character with its combining marks) that holds a non-ASCII
//! character `c` with one of these in its decomposition or its normalised
//! form: the key, a character of the key's canonical decomposition (a mark
//! that composed into it, a base it was composed from), or one whose
//! lowercase is either. Every such `c` is a candidate.
//!
//! A table of two bits per character up to U+3FFFF says which characters
//! are candidates, built once per request (only when it needs one); any
//! character above counts as a candidate.

use std::collections::HashSet;

use unicode_normalization::UnicodeNormalization;

use crate::text::normalize::{FOLDS_INTO_ASCII, Normalized, is_space, may_fold_into_ascii};

/// Characters from here on are not in the table: all are candidates.
const LIMIT: u32 = 0x4_0000;

/// The most frequent letters of Greek and Russian text, most frequent first.
const COMMON: &str = "αοιετσνηυρπκμλδγχоеаинтсрвлкмдпуяы";

/// How rare `c` is in text, roughly: kana and the common letters of
/// [`COMMON`] lowest (the more common, the lower), anything else highest.
fn rarity(c: char) -> usize {
    if ('\u{3040}'..='\u{30FF}').contains(&c) {
        return 0;
    }
    COMMON
        .chars()
        .position(|k| k == c)
        .map_or(usize::MAX, |i| i + 1)
}

/// True if `c` is its own decomposition and its own normalised form: a
/// character from U+3000 on (above every character normalisation spells
/// out or folds specially, but for the ligatures at U+FB00) that is not
/// white space, has no canonical decomposition and no lowercase mapping.
/// Most of the table is such characters; they need not be normalised.
fn is_plain(c: char) -> bool {
    let mut own = true;
    unicode_normalization::char::decompose_canonical(c, |d| own &= d == c);
    (('\u{3000}'..'\u{F900}').contains(&c) || c >= '\u{10000}')
        && own
        && !is_space(c)
        && c.to_lowercase().eq([c])
}

/// What a non-ASCII character is to the windowed search of names and terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// No match of a name or term can hold it without another candidate.
    No,
    /// A candidate.
    Yes,
    /// A candidate if the word around it, folded, is a word of a name or
    /// term (a letter that may fold into ASCII, under accent folding).
    Folding,
}

/// The classes of all characters below [`LIMIT`], two bits each.
#[derive(Debug)]
pub(crate) struct WordChars {
    bits: Vec<u64>,
}

impl WordChars {
    /// The table for the normalised `anchors`, accents folded or not.
    pub(crate) fn new(anchors: &[&str], fold: bool) -> WordChars {
        let mut related: HashSet<char> = HashSet::new();
        for anchor in anchors {
            let Some(key) = anchor
                .chars()
                .filter(|c| !c.is_ascii())
                .max_by_key(|&c| (rarity(c), c))
            else {
                continue;
            };
            related.insert(key);
            related.extend(key.to_string().nfd());
            for upper in key.to_uppercase() {
                related.insert(upper);
                related.extend(upper.to_string().nfd());
            }
        }
        let related_to =
            |y: char| related.contains(&y) || y.to_lowercase().any(|l| related.contains(&l));
        let mut bits = vec![0u64; (LIMIT as usize) / 32];
        let mut buf = String::new();
        for c in (0x80..LIMIT).filter_map(char::from_u32) {
            let candidate = !related.is_empty()
                && if is_plain(c) {
                    related_to(c)
                } else {
                    buf.clear();
                    buf.push(c);
                    buf.nfd().any(related_to)
                        || Normalized::of_str(&buf, false, fold)
                            .text
                            .chars()
                            .any(related_to)
                };
            let class = if candidate || FOLDS_INTO_ASCII.contains(&c) {
                Class::Yes
            } else if fold && may_fold_into_ascii(c) {
                Class::Folding
            } else {
                Class::No
            };
            let code = match class {
                Class::No => 0,
                Class::Yes => 1,
                Class::Folding => 2,
            };
            let i = c as usize;
            if let Some(word) = bits.get_mut(i / 32) {
                *word |= code << (2 * (i % 32));
            }
        }
        WordChars { bits }
    }

    /// The class of the non-ASCII character `c`.
    #[inline]
    pub(crate) fn class(&self, c: char) -> Class {
        let i = c as usize;
        match self.bits.get(i / 32).map(|w| (w >> (2 * (i % 32))) & 3) {
            Some(0) => Class::No,
            Some(2) => Class::Folding,
            _ => Class::Yes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_their_forms_and_folding_letters_are_candidates() {
        let t = WordChars::new(&["佐藤健二", "παπαδοπουλου", "한국", "doe"], true);
        // The keys: 藤 (highest of the name), δ (the rarest letter), 한.
        assert_eq!(t.class('藤'), Class::Yes);
        assert_eq!(t.class('佐'), Class::No);
        assert_eq!(t.class('δ'), Class::Yes);
        assert_eq!(t.class('Δ'), Class::Yes);
        assert_eq!(t.class('υ'), Class::No);
        assert_eq!(t.class('π'), Class::No);
        let kana = WordChars::new(&["ぎん"], true);
        // The kana key: ん, the highest; ぎ decomposes into き and a mark.
        assert_eq!(kana.class('ん'), Class::Yes);
        assert_eq!(kana.class('ぎ'), Class::No);
        // A jamo that composes into the key, the key itself.
        assert_eq!(t.class('\u{11AB}'), Class::Yes);
        assert_eq!(t.class('한'), Class::Yes);
        // ASCII rules: white space and the like, letters that fold.
        assert_eq!(t.class('\u{A0}'), Class::Yes);
        assert_eq!(t.class('é'), Class::Folding);
        assert_eq!(t.class('\u{10FFFF}'), Class::Yes);
        let unfolded = WordChars::new(&["josé"], false);
        assert_eq!(unfolded.class('é'), Class::Yes);
        assert_eq!(unfolded.class('\u{301}'), Class::Yes);
        assert_eq!(unfolded.class('ü'), Class::No);
    }

    #[test]
    fn plain_characters_normalise_to_themselves() {
        for c in (0x3000..LIMIT)
            .filter_map(char::from_u32)
            .filter(|&c| is_plain(c))
        {
            for fold in [false, true] {
                let norm = Normalized::of_str(&c.to_string(), false, fold).text;
                assert_eq!(norm, c.to_string(), "U+{:04X}", u32::from(c));
            }
        }
    }
}
