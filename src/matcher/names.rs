//! The variant forms of a personal name, and the rules that check them in a
//! normalised text (`docs/matching.md`, "Names as people and systems write
//! them").
//!
//! A name of two or more words also gets, by the request's `[matching]`:
//!
//! * inverted with a comma (`doe, jane`, `doe,jane`), and without one as the
//!   whole display name of an address (`"Doe Jane" <…>`, as Exchange writes);
//!   up to two initials after an inverted form belong to the match
//!   (`Doe, Jane Q.`);
//! * middle names and initials (`jane q. doe`, `jane quincy doe`): the words
//!   after the first (and, for three words or more, the last word) are a
//!   pattern of their own, and a match counts when one or two middle words
//!   and then the rest of the name stand before it;
//! * joined with `_` (`jane_doe`: user names, folder names such as
//!   `Jane_Doe_June2001`), where only letters and digits end the match (a
//!   dotted `jane.doe` is left to the addresses: it is how other people's
//!   addresses are written too);
//! * transliterations (`müller` → `mueller`, `søren` → `soeren`, `åse` →
//!   `aase`, and for a surname written with `ae`/`oe`/`ue` the single vowel,
//!   which accent folding then matches to `ä`/`ö`/`ü`).
//!
//! Lotus Notes and X.400 forms (`Jane Doe/HOU/ECT@ECT`, `CN=Jane Doe/O=…`)
//! need no variant: `/` and `=` end a word.

use std::ops::Range;

use super::Form;
use crate::request::Matching;
use crate::text::normalize::{is_word_char, normalize_identifier};

/// Most middle words or initials between a first name and the rest.
const MAX_MIDDLE: usize = 2;

/// Longest middle word, in normalised bytes.
const MAX_MIDDLE_BYTES: usize = 24;

/// Most initials taken after an inverted form.
const MAX_INITIALS: usize = 2;

/// Normalised bytes a rule may look at beyond its pattern, besides the
/// words of a middle-name prefix.
pub(super) const CONTEXT: usize = MAX_MIDDLE * (MAX_MIDDLE_BYTES + 1) + MAX_INITIALS * 3 + 2;

/// Most transliterated spellings of one name.
const MAX_SPELLINGS: usize = 8;

/// Words that never stand between a first name and a surname: `Jane and
/// Doe`, `Jane told Doe` are not one person.
const NOT_MIDDLE: &[&str] = &[
    "and", "or", "und", "oder", "et", "ou", "y", "to", "from", "with", "for", "of", "the", "an",
    "is", "was", "are", "said", "says", "told", "tells", "met", "asked", "called", "cc", "by",
    "at", "in", "on", "per", "via", "vs", "re", "fw", "fwd", "dear", "hi", "hello", "thanks",
    "regards", "not", "but", "also", "has", "had", "will", "would", "can", "could", "should",
    "that", "this", "who", "when", "if", "as", "so", "than", "then", "mit", "zu",
];

/// How a pattern is checked where the automaton found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rule {
    /// The whole-word rule only.
    Whole,
    /// An inverted name: the whole-word rule; initials after it are taken.
    Inverted,
    /// An inverted name without a comma: also the whole display name of an
    /// address (nothing but a quote, `,`, `:` or `;` before it, a quote, `<`,
    /// `,`, `;` or the end after it).
    Display,
    /// A name joined by `_`: only a letter or digit next to it breaks it
    /// (`_` does not).
    Joined,
    /// The rest of a name after a middle word: one or two middle words and
    /// then prefix `prefix` (an index into [`Patterns`]' prefixes) must
    /// stand before it.
    ///
    /// [`Patterns`]: super::patterns::Patterns
    Middle {
        /// Index of the prefix.
        prefix: usize,
    },
}

/// One pattern a name yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct NameForm {
    /// The normalised pattern.
    pub(super) pattern: String,
    /// Which family it belongs to.
    pub(super) form: Form,
    /// How a match is checked.
    pub(super) rule: Rule,
    /// The normalised words a [`Rule::Middle`] match must have before it.
    pub(super) prefix: Option<String>,
}

/// Every pattern of the name `name` under `matching`, its own spelling first.
pub(super) fn name_forms(name: &str, matching: &Matching) -> Vec<NameForm> {
    let fold = matching.accents;
    let mut spellings = vec![(normalize_identifier(name, fold), Form::Exact)];
    if matching.transliteration {
        for t in transliterations(name) {
            let t = normalize_identifier(&t, fold);
            if spellings.iter().all(|(s, _)| *s != t) {
                spellings.push((t, Form::Transliterated));
            }
        }
    }
    let mut out = Vec::new();
    for (spelling, form) in spellings {
        let words: Vec<&str> = spelling.split(' ').collect();
        let plain = words.len() >= 2 && words.iter().all(|w| is_name_word(w));
        out.push(NameForm {
            pattern: spelling.clone(),
            form,
            rule: Rule::Whole,
            prefix: None,
        });
        if plain && matching.inverted {
            out.extend(inverted(&words));
        }
        if plain && matching.middle_names {
            out.extend(middle(&words));
        }
        if plain && matching.joined {
            out.push(NameForm {
                pattern: words.join("_"),
                form: Form::Joined,
                rule: Rule::Joined,
                prefix: None,
            });
        }
    }
    out
}

/// A word of a name variants can be made of: letters, digits, `'`, `-`, `.`.
fn is_name_word(w: &str) -> bool {
    w.chars().any(char::is_alphanumeric)
        && w.chars()
            .all(|c| is_word_char(c) || matches!(c, '\'' | '-' | '.'))
}

/// The inverted forms of a name of `words`: the last word first.
fn inverted(words: &[&str]) -> Vec<NameForm> {
    let Some((last, rest)) = words.split_last() else {
        return Vec::new();
    };
    let rest = rest.join(" ");
    let form = |pattern: String, form, rule| NameForm {
        pattern,
        form,
        rule,
        prefix: None,
    };
    let mut out = vec![
        form(format!("{last}, {rest}"), Form::Inverted, Rule::Inverted),
        form(format!("{last},{rest}"), Form::Inverted, Rule::Inverted),
    ];
    if words.len() == 2 {
        out.push(form(
            format!("{last} {rest}"),
            Form::InvertedDisplay,
            Rule::Display,
        ));
    }
    out
}

/// The middle-name forms of a name of `words`: middle words after the first
/// word and, with three words or more, before the last.
fn middle(words: &[&str]) -> Vec<NameForm> {
    let mut splits = vec![1];
    if words.len() > 2 {
        splits.push(words.len() - 1);
    }
    splits
        .into_iter()
        .map(|k| NameForm {
            pattern: words[k..].join(" "),
            form: Form::MiddleNames,
            // The index is given when the patterns are gathered.
            rule: Rule::Middle { prefix: 0 },
            prefix: Some(words[..k].join(" ")),
        })
        .collect()
}

/// The transliterated spellings of `name`: `ä ö ü ø å` written out
/// (`ae oe ue oe aa`) and, for an ASCII surname with `ae`, `oe` or `ue`
/// inside it, those written as the single vowel (which accent folding
/// matches to `ä ö ü`).
fn transliterations(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if name.chars().any(|c| spelled(c).is_some()) {
        out.push(
            name.chars()
                .map(|c| spelled(c).map_or_else(|| c.to_string(), str::to_owned))
                .collect(),
        );
    }
    if name.is_ascii()
        && let Some(start) = name.trim_end().rfind(' ').map(|i| i + 1)
    {
        let surname = &name[start..];
        let lower = surname.to_ascii_lowercase();
        let pairs: Vec<usize> = (1..lower.len().saturating_sub(2))
            .filter(|&i| matches!(&lower[i..i + 2], "ae" | "oe" | "ue"))
            .take(3)
            .collect();
        for mask in 1..(1u32 << pairs.len()) {
            let mut s = String::with_capacity(name.len());
            s.push_str(&name[..start]);
            let mut i = 0;
            while i < surname.len() {
                let k = pairs.iter().position(|&p| p == i);
                s.push_str(&surname[i..i + 1]);
                i += if k.is_some_and(|k| mask & (1 << k) != 0) {
                    2
                } else {
                    1
                };
            }
            out.push(s);
        }
    }
    out.truncate(MAX_SPELLINGS);
    out
}

/// How a letter is written without its umlaut or ring.
fn spelled(c: char) -> Option<&'static str> {
    Some(match c {
        'ä' => "ae",
        'ö' | 'ø' => "oe",
        'ü' => "ue",
        'å' => "aa",
        'Ä' => "Ae",
        'Ö' | 'Ø' => "Oe",
        'Ü' => "Ue",
        'Å' => "Aa",
        _ => return None,
    })
}

/// The match of a pattern found at `r` of the normalised `text`, checked by
/// `rule`, as the range it covers; `None` if it does not count.
/// `stands_alone` is the whole-word rule, `prefixes` those of
/// [`Rule::Middle`].
pub(super) fn check(
    text: &str,
    r: Range<usize>,
    rule: Rule,
    prefixes: &[String],
    stands_alone: fn(&str, Range<usize>) -> bool,
) -> Option<Range<usize>> {
    match rule {
        Rule::Joined => {
            let alnum = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
            let before = text.get(..r.start)?.chars().next_back();
            let after = text.get(r.end..)?.chars().next();
            (!alnum(before) && !alnum(after)).then_some(r)
        }
        _ if !stands_alone(text, r.clone()) => None,
        Rule::Whole => Some(r),
        Rule::Inverted => Some(r.start..after_initials(text, r.end)),
        Rule::Display => {
            let end = after_initials(text, r.end);
            display_context(text, r.start, end).then_some(r.start..end)
        }
        Rule::Middle { prefix } => {
            let prefix = prefixes.get(prefix)?;
            let start = middle_start(text, r.start, prefix)?;
            stands_alone(text, start..r.end).then_some(start..r.end)
        }
    }
}

/// The end of up to [`MAX_INITIALS`] initials (`q`, `q.`) after `end`.
fn after_initials(text: &str, mut end: usize) -> usize {
    for _ in 0..MAX_INITIALS {
        let Some(rest) = text.get(end..).and_then(|r| r.strip_prefix(' ')) else {
            break;
        };
        let mut chars = rest.char_indices();
        let Some((_, c)) = chars.next().filter(|(_, c)| c.is_alphabetic()) else {
            break;
        };
        let mut len = c.len_utf8();
        if rest[len..].starts_with('.') {
            len += 1;
        }
        if rest[len..].chars().next().is_some_and(is_word_char) {
            break;
        }
        end += 1 + len;
    }
    end
}

/// True if `text[start..end]` is the whole display name of an address.
fn display_context(text: &str, start: usize, end: usize) -> bool {
    let before = text.get(..start).unwrap_or_default();
    let after = text.get(end..).unwrap_or_default();
    let prev = before
        .strip_suffix(' ')
        .unwrap_or(before)
        .chars()
        .next_back();
    let next = after.strip_prefix(' ').unwrap_or(after).chars().next();
    matches!(prev, None | Some('"' | '\'' | ',' | ':' | ';'))
        && matches!(next, None | Some('"' | '\'' | '<' | ',' | ';'))
}

/// Where a middle-name match starts: one or two middle words, each after a
/// space, then `prefix`, before byte `start` of `text`.
fn middle_start(text: &str, start: usize, prefix: &str) -> Option<usize> {
    let mut pos = start;
    for count in 0..=MAX_MIDDLE {
        let before = text.get(..pos)?.strip_suffix(' ')?;
        if count > 0 && before.ends_with(prefix) {
            return Some(before.len() - prefix.len());
        }
        if count == MAX_MIDDLE {
            break;
        }
        let word_start = before.rfind(' ').map_or(0, |i| i + 1);
        if !is_middle_word(before.get(word_start..)?) {
            return None;
        }
        pos = word_start;
    }
    None
}

/// A middle name or initial: letters (with `-`, `'`, `.`), not a word that
/// joins two people (one written with a final dot is an initial: `Y.`).
fn is_middle_word(w: &str) -> bool {
    let letters = w.trim_end_matches('.');
    !letters.is_empty()
        && w.len() <= MAX_MIDDLE_BYTES
        && letters.chars().any(char::is_alphabetic)
        && letters
            .chars()
            .all(|c| c.is_alphabetic() || matches!(c, '-' | '\'' | '.'))
        && (w.ends_with('.') || !NOT_MIDDLE.contains(&letters))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(name: &str) -> Vec<(String, Form)> {
        name_forms(name, &Matching::default())
            .into_iter()
            .map(|f| (f.pattern, f.form))
            .collect()
    }

    #[test]
    fn forms_of_a_two_word_name() {
        let p = patterns("Jane Doe");
        let want = [
            ("jane doe", Form::Exact),
            ("doe, jane", Form::Inverted),
            ("doe,jane", Form::Inverted),
            ("doe jane", Form::InvertedDisplay),
            ("doe", Form::MiddleNames),
            ("jane_doe", Form::Joined),
        ];
        assert_eq!(p, want.map(|(s, f)| (s.to_owned(), f)).to_vec(), "{p:?}");
    }

    #[test]
    fn transliterations_both_ways() {
        let p = patterns("Zoë Müller");
        assert!(p.contains(&("zoe muller".into(), Form::Exact)), "{p:?}");
        assert!(
            p.contains(&("zoe mueller".into(), Form::Transliterated)),
            "{p:?}"
        );
        let p = patterns("Karl Mueller");
        assert!(
            p.contains(&("karl muller".into(), Form::Transliterated)),
            "{p:?}"
        );
        let p = patterns("Søren Åberg");
        assert!(
            p.contains(&("soeren aaberg".into(), Form::Transliterated)),
            "{p:?}"
        );
        // A pair at the start or the end of the surname stays.
        assert!(transliterations("Zoe Aebi").is_empty());
        assert!(transliterations("Jane Doe").is_empty());
    }

    #[test]
    fn families_can_be_turned_off() {
        let m = Matching {
            inverted: false,
            middle_names: false,
            transliteration: false,
            joined: false,
            ..Matching::default()
        };
        let p = name_forms("Zoë Müller", &m);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].pattern, "zoe muller");
        let m = Matching {
            accents: false,
            ..m
        };
        assert_eq!(name_forms("Zoë Müller", &m)[0].pattern, "zoë müller");
        // One word, or a name with other punctuation: no variants.
        assert_eq!(patterns("Madonna").len(), 1);
        assert_eq!(patterns("Doe, Jane").len(), 1);
    }

    fn whole(text: &str, r: Range<usize>) -> bool {
        let ok = |c: Option<char>| !c.is_some_and(is_word_char);
        ok(text[..r.start].chars().next_back()) && ok(text[r.end..].chars().next())
    }

    fn found(text: &str, pattern: &str, rule: Rule, prefixes: &[String]) -> Option<String> {
        let at = text.find(pattern)?;
        check(text, at..at + pattern.len(), rule, prefixes, whole).map(|r| text[r].to_owned())
    }

    #[test]
    fn middle_names_and_initials() {
        let prefixes = vec!["jane".to_owned()];
        let m = Rule::Middle { prefix: 0 };
        let cases = [
            ("x jane q. doe y", Some("jane q. doe")),
            ("jane quincy doe", Some("jane quincy doe")),
            ("jane q r doe", Some("jane q r doe")),
            ("jane mary-ann doe,", Some("jane mary-ann doe")),
            ("jane doe", None),
            ("jane and doe", None),
            ("jane told doe", None),
            ("janet q. doe", None),
            ("jane a b c doe", None),
            ("jane 42 doe", None),
            ("jane y. doe", Some("jane y. doe")),
            ("jane y doe", None),
        ];
        for (text, want) in cases {
            assert_eq!(
                found(text, "doe", m, &prefixes).as_deref(),
                want,
                "{text:?}"
            );
        }
    }

    #[test]
    fn joined_names_end_at_letters_and_digits() {
        let j = |t: &str| found(t, "jane_doe", Rule::Joined, &[]);
        assert_eq!(j("\\jane_doe_june2001\\").as_deref(), Some("jane_doe"));
        assert_eq!(j("jane_doe@corp").as_deref(), Some("jane_doe"));
        assert_eq!(j("x_jane_doe").as_deref(), Some("jane_doe"));
        assert_eq!(j("mjane_doe"), None);
        assert_eq!(j("jane_doe2"), None);
        assert_eq!(j("jane_doeman"), None);
    }

    #[test]
    fn inverted_takes_initials_and_display_needs_an_address() {
        let inv = |t: &str| found(t, "doe, jane", Rule::Inverted, &[]);
        assert_eq!(inv("cc: doe, jane q. and").as_deref(), Some("doe, jane q."));
        assert_eq!(inv("doe, jane k").as_deref(), Some("doe, jane k"));
        assert_eq!(inv("doe, jane kay").as_deref(), Some("doe, jane"));
        let disp = |t: &str| found(t, "doe jane", Rule::Display, &[]);
        assert_eq!(disp("to: \"doe jane\" <j@x>").as_deref(), Some("doe jane"));
        assert_eq!(disp("doe jane <j@x>, a <b@c>").as_deref(), Some("doe jane"));
        assert_eq!(disp("x, doe jane q <j@x>").as_deref(), Some("doe jane q"));
        assert_eq!(disp("doe jane").as_deref(), Some("doe jane"));
        assert_eq!(disp("met doe jane today"), None);
        assert_eq!(disp("the doe jane said"), None);
    }
}
