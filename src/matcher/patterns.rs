//! The compiled identifiers of all subjects, and the search over normalised text.
//!
//! * names and terms: one Aho-Corasick automaton over their normalised forms,
//!   each candidate verified for word boundaries;
//! * addresses: every address-like token around an `@` is normalised and
//!   looked up in a hash map (plain addresses) and, if any subject has one, a
//!   map of blake3 digests;
//! * phones: a second automaton over digit strings, run on the digit
//!   projection of the text, each candidate verified to start and end a digit run.
//!
//! Cost per byte of text does not depend on the number of subjects.

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Anchored, Input, MatchKind, StartKind};

use super::anchors::{self, Anchors};
use super::contact;
use super::names::{self, Rule};
use super::wordchars::WordChars;
use super::{Form, IdKind};
use crate::request::{
    ErasureRequest, LOCAL_PUNCT, Matching, Subject, email_digest, normalize_email,
};
use crate::text::normalize::{is_word_char, normalize_identifier};

/// A match in a normalised text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextHit {
    /// Index into `ErasureRequest::subjects`.
    pub(crate) subject: usize,
    /// Which kind of identifier matched.
    pub(crate) kind: IdKind,
    /// Which form of it.
    pub(crate) form: Form,
    /// Byte range in the normalised text.
    pub(crate) range: Range<usize>,
}

/// What a match of a name or term pattern stands for, and how it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    subject: usize,
    kind: IdKind,
    form: Form,
    rule: Rule,
}

/// All identifiers of a request, compiled for search.
#[derive(Debug)]
pub(crate) struct Patterns {
    words: Option<AhoCorasick>,
    word_targets: Targets<Target>,
    /// The words a middle-name match must have before it ([`Rule::Middle`]).
    prefixes: Vec<String>,
    /// Length in bytes of the longest normalised name or term, with the
    /// context its rule looks at.
    pub(super) max_word_len: usize,
    /// Accents are folded in the text (`[matching] accents`).
    pub(super) fold: bool,
    /// With accents folded: the ASCII words of all names and terms (their
    /// runs of letters and digits), for the windowed search's folding
    /// candidates.
    pub(super) folded_words: Option<HashSet<String>>,
    /// When some name or term is not ASCII once normalised: which non-ASCII
    /// characters are candidates of the windowed search.
    pub(super) word_chars: Option<WordChars>,
    /// Encoded and spelt-out addresses are looked for (`[matching] address_forms`).
    pub(super) address_forms: bool,
    emails: HashMap<String, Vec<usize>>,
    /// The domains of `emails`.
    pub(super) email_domains: HashSet<String>,
    /// The same domains, for [`Patterns::starts_with_domain`].
    domain_prefixes: Option<AhoCorasick>,
    /// The first bytes of those domains, in both ASCII cases.
    domain_firsts: [bool; 256],
    /// True when every domain in `email_domains` is ASCII and accents are
    /// not folded.
    pub(super) ascii_domains: bool,
    /// True when every domain in `email_domains` is ASCII and accents are
    /// folded.
    pub(super) folded_ascii_domains: bool,
    email_hashes: HashMap<[u8; 32], Vec<usize>>,
    /// ASCII punctuation allowed in local parts (indexed by byte).
    pub(super) local_punct: [bool; 128],
    phones: Option<AhoCorasick>,
    phone_targets: Targets<(usize, Form)>,
    /// Digit count of the shortest phone number.
    pub(super) phone_min_digits: usize,
    /// Prefilter: the longest word of every name and term, ASCII case-insensitive.
    pub(super) anchors: Option<Anchors>,
    /// Every automaton the identifiers need was compiled.
    complete: bool,
}

impl Patterns {
    pub(crate) fn new(request: &ErasureRequest) -> Patterns {
        let Gathered {
            words,
            prefixes,
            prefix_ids: _,
            emails,
            email_hashes,
            phones,
            local_punct,
        } = Gathered::of(request);
        let fold = request.matching.accents;
        // Each automaton is built once the strings of the last are gone,
        // and only what the search needs is kept (the compact target
        // lists), to keep the peak memory of a large request down.
        let (phone_pats, phone_targets): (Vec<_>, Vec<_>) = sorted(phones).into_iter().unzip();
        let phone_min_digits = phone_pats.iter().map(String::len).min().unwrap_or(1);
        let phones = automaton(&phone_pats);
        let phones_complete = phones.is_some() != phone_pats.is_empty();
        let phone_targets = Targets::new(phone_targets);
        drop(phone_pats);
        let (word_pats, word_targets): (Vec<_>, Vec<_>) = sorted(words).into_iter().unzip();
        let max_word_len = word_pats
            .iter()
            .zip(&word_targets)
            .map(|(p, targets)| p.len() + context_len(targets, &prefixes))
            .max()
            .unwrap_or(0);
        let word_targets = Targets::new(word_targets);
        let all_ascii = word_pats.iter().all(|p| p.is_ascii());
        let folded_words = fold.then(|| {
            word_pats
                .iter()
                .flat_map(|p| p.split(|c: char| !c.is_alphanumeric()))
                .filter(|w| !w.is_empty() && w.is_ascii())
                .map(str::to_owned)
                .collect()
        });
        // Variants of one name share their anchor: each is searched once.
        let mut anchors: Vec<String> = word_pats
            .iter()
            .map(|p| longest_word(p).to_owned())
            .collect();
        anchors.sort_unstable();
        anchors.dedup();
        let anchor_refs: Vec<&str> = anchors.iter().map(String::as_str).collect();
        let word_chars = (!all_ascii).then(|| WordChars::new(&anchor_refs, fold));
        let words = automaton(&word_pats);
        let words_complete = words.is_some() != word_pats.is_empty();
        drop(word_pats);
        let (email_domains, domain_prefixes, domain_firsts) = domain_index(&emails);
        // An automaton is missing exactly when its pattern list is empty.
        let complete = words_complete && phones_complete;
        Patterns {
            words,
            word_targets,
            prefixes,
            max_word_len,
            fold,
            folded_words,
            word_chars,
            address_forms: request.matching.address_forms,
            domain_prefixes,
            domain_firsts,
            ascii_domains: !fold && email_domains.iter().all(|d| d.is_ascii()),
            folded_ascii_domains: fold && email_domains.iter().all(|d| d.is_ascii()),
            email_domains,
            emails,
            email_hashes,
            local_punct,
            phones,
            phone_targets,
            phone_min_digits,
            anchors: Anchors::new(&anchor_refs),
            complete,
        }
    }

    /// False if the automaton for names and terms or for phone numbers could
    /// not be compiled (never seen: it would take a request of gigabytes).
    /// Such patterns would miss those identifiers and must not be used.
    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    /// True when some subject has a hashed address.
    pub(super) fn has_email_hashes(&self) -> bool {
        !self.email_hashes.is_empty()
    }

    /// True if some subject's (plain) address domain is a prefix of `run`,
    /// ASCII case-insensitively.
    pub(super) fn starts_with_domain(&self, run: &[u8]) -> bool {
        if !run
            .first()
            .is_some_and(|&b| self.domain_firsts[usize::from(b)])
        {
            return false;
        }
        match &self.domain_prefixes {
            Some(ac) => ac.find(Input::new(run).anchored(Anchored::Yes)).is_some(),
            // Not compiled (never seen): every domain may be one.
            None => true,
        }
    }

    /// True when some subject has an address (plain or hashed).
    pub(super) fn has_emails(&self) -> bool {
        !self.emails.is_empty() || !self.email_hashes.is_empty()
    }

    /// True when some subject has a phone number.
    pub(super) fn has_phones(&self) -> bool {
        self.phones.is_some()
    }

    /// True when there is nothing to look for.
    pub(crate) fn is_empty(&self) -> bool {
        self.words.is_none()
            && self.phones.is_none()
            && self.emails.is_empty()
            && self.email_hashes.is_empty()
    }

    /// Appends every match in `text` (which must be normalised) to `out`.
    #[cfg(test)]
    pub(crate) fn find(&self, text: &str, out: &mut Vec<TextHit>) {
        self.find_words(text, out);
        self.find_emails(text, out);
        self.find_phones(text, out);
    }

    /// Prefilter over raw ASCII bytes: false only if no identifier can occur
    /// literally (ASCII case-insensitively, white space anywhere between words).
    pub(crate) fn may_match_ascii(&self, raw: &str) -> bool {
        if self
            .anchors
            .as_ref()
            .is_some_and(|a| a.is_match(raw.as_bytes()))
        {
            return true;
        }
        let mut hits = Vec::new();
        self.find_emails(raw, &mut hits);
        if !hits.is_empty() {
            return true;
        }
        self.find_phones(raw, &mut hits);
        !hits.is_empty()
    }

    pub(super) fn find_words(&self, text: &str, out: &mut Vec<TextHit>) {
        let Some(ac) = &self.words else { return };
        for m in ac.find_overlapping_iter(text) {
            let range = m.range();
            for t in self.word_targets.of(m.pattern().as_usize()) {
                let Some(range) =
                    names::check(text, range.clone(), t.rule, &self.prefixes, stands_alone)
                else {
                    continue;
                };
                if t.rule == Rule::Joined && self.in_own_address(text, &range, t.subject) {
                    continue;
                }
                out.push(TextHit {
                    subject: t.subject,
                    kind: t.kind,
                    form: t.form,
                    range,
                });
            }
        }
    }

    pub(super) fn find_emails(&self, text: &str, out: &mut Vec<TextHit>) {
        if self.emails.is_empty() && self.email_hashes.is_empty() {
            return;
        }
        for at in memchr::memchr_iter(b'@', text.as_bytes()) {
            let Some((token, key)) = self.address_key(text, at) else {
                continue;
            };
            self.push_address(&key, token, Form::Exact, out);
        }
        if self.address_forms {
            contact::find_encoded(self, text, out);
        }
    }

    /// Pushes a hit of `form` at `range` for every subject whose address
    /// (plain or hashed) is `key` (lowercase, `+tag` removed, accents folded).
    pub(super) fn push_address(
        &self,
        key: &str,
        range: Range<usize>,
        form: Form,
        out: &mut Vec<TextHit>,
    ) {
        let plain = self.emails.get(key).into_iter().flatten();
        let hashed = if self.email_hashes.is_empty() {
            None
        } else {
            self.email_hashes.get(&email_digest(key))
        };
        for &subject in plain.chain(hashed.into_iter().flatten()) {
            out.push(TextHit {
                subject,
                kind: IdKind::Email,
                form,
                range: range.clone(),
            });
        }
    }

    /// The address-like token around the `@` at byte `at` of `text`, and its
    /// key in the address maps (lowercase, `+tag` dropped, accents folded).
    fn address_key(&self, text: &str, at: usize) -> Option<(Range<usize>, String)> {
        let token = self.address_at(text, at)?;
        let local = text.get(token.start..at)?;
        let local = local.split_once('+').map_or(local, |(l, _)| l);
        let mut key = local.to_lowercase();
        key.push('@');
        key.push_str(&text.get(at + 1..token.end)?.to_lowercase());
        if !key.is_ascii() {
            // Addresses are compared with accents folded (`normalize_email`).
            key = normalize_identifier(&key, true);
        }
        Some((token, key))
    }

    /// True when the joined name at `r` of `text` is the local part of one of
    /// `subject`'s own (plain) addresses: that address is the hit.
    fn in_own_address(&self, text: &str, r: &Range<usize>, subject: usize) -> bool {
        let rest = text.get(r.end..).unwrap_or_default();
        let tag = rest.find('@').filter(|&i| {
            rest.get(..i)
                .is_some_and(|t| t.is_empty() || t.starts_with('+'))
        });
        tag.and_then(|i| self.address_key(text, r.end + i))
            .and_then(|(_, key)| self.emails.get(&key))
            .is_some_and(|subjects| subjects.contains(&subject))
    }

    /// The address-like token around the `@` at byte `at`: local part of
    /// alphanumerics and allowed punctuation (no leading dot), domain of
    /// alphanumerics, `-` and `.` (no trailing dot).
    fn address_at(&self, text: &str, at: usize) -> Option<Range<usize>> {
        let before = text.get(..at)?;
        let after = text.get(at + 1..)?;
        let mut start = at;
        for (i, c) in before.char_indices().rev() {
            let ok = if c.is_ascii() {
                c.is_ascii_alphanumeric() || self.local_punct[usize::from(c as u8)]
            } else {
                c.is_alphanumeric()
            };
            if !ok {
                break;
            }
            start = i;
        }
        while text.as_bytes().get(start) == Some(&b'.') {
            start += 1;
        }
        let mut end = at + 1;
        for (i, c) in after.char_indices() {
            if !(c.is_alphanumeric() || c == '-' || c == '.') {
                break;
            }
            end = at + 1 + i + c.len_utf8();
        }
        while end > at + 1 && text.as_bytes().get(end - 1) == Some(&b'.') {
            end -= 1;
        }
        (start < at && end > at + 1).then_some(start..end)
    }

    /// True if the ASCII digits of `stretch`, in order, hold a pattern of
    /// the phone automaton (every phone match is one, see [`Self::find_phones`]).
    pub(super) fn digits_may_hold_phone(&self, stretch: &[u8]) -> bool {
        let Some(ac) = &self.phones else {
            return false;
        };
        let digits: Vec<u8> = stretch.iter().copied().filter(u8::is_ascii_digit).collect();
        ac.is_match(digits.as_slice())
    }

    /// Phone matches. Only stretches of digits and separators with at least
    /// as many digits as the shortest phone number are projected: a match
    /// never crosses any other character.
    pub(super) fn find_phones(&self, text: &str, out: &mut Vec<TextHit>) {
        let Some(ac) = &self.phones else { return };
        let bytes = text.as_bytes();
        let mut proj = DigitProjection::default();
        let mut i = 0;
        while i < bytes.len() {
            let Some((stretch, digits)) = phone_stretch(bytes, i) else {
                break;
            };
            i = stretch.end + 1;
            if digits < self.phone_min_digits {
                continue;
            }
            proj.project(bytes, stretch);
            self.push_phone_hits(ac, &proj, bytes, out);
        }
    }

    /// Pushes the phone matches of `ac` in the projected stretch `proj` of
    /// `bytes` (a `+` just before a match is part of it).
    #[inline]
    fn push_phone_hits(
        &self,
        ac: &AhoCorasick,
        proj: &DigitProjection,
        bytes: &[u8],
        out: &mut Vec<TextHit>,
    ) {
        for m in ac.find_overlapping_iter(&proj.digits) {
            let Some(mut range) = proj.verified(m.range()) else {
                continue;
            };
            if range.start > 0 && bytes.get(range.start - 1) == Some(&b'+') {
                range.start -= 1;
            }
            for &(subject, form) in self.phone_targets.of(m.pattern().as_usize()) {
                out.push(TextHit {
                    subject,
                    kind: IdKind::Phone,
                    form,
                    range: range.clone(),
                });
            }
        }
    }
}

/// What each pattern of an automaton stands for, in one list: pattern
/// `i`'s entries are `items[starts[i]..starts[i + 1]]` (no vector and no
/// spare capacity per pattern, which for a request of 10,000 subjects is
/// most of its memory).
#[derive(Debug)]
struct Targets<T> {
    items: Vec<T>,
    starts: Vec<usize>,
}

impl<T> Targets<T> {
    fn new(lists: Vec<Vec<T>>) -> Targets<T> {
        let mut items = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        let mut starts = Vec::with_capacity(lists.len() + 1);
        for list in lists {
            starts.push(items.len());
            items.extend(list);
        }
        starts.push(items.len());
        Targets { items, starts }
    }

    /// The entries of pattern `i` (none for an unknown one).
    fn of(&self, i: usize) -> &[T] {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => self.items.get(a..b).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// The identifiers of a request gathered by kind, normalised, each with
/// its subjects: what [`Patterns::new`] compiles.
struct Gathered {
    words: HashMap<String, Vec<Target>>,
    /// The prefixes of [`Rule::Middle`] targets, each once.
    prefixes: Vec<String>,
    /// The index of each prefix in `prefixes`.
    prefix_ids: HashMap<String, usize>,
    emails: HashMap<String, Vec<usize>>,
    email_hashes: HashMap<[u8; 32], Vec<usize>>,
    phones: HashMap<String, Vec<(usize, Form)>>,
    /// ASCII punctuation allowed in local parts (indexed by byte).
    local_punct: [bool; 128],
}

impl Gathered {
    /// Gathers the identifiers of every subject of `request`.
    fn of(request: &ErasureRequest) -> Gathered {
        let mut gathered = Gathered {
            words: HashMap::new(),
            prefixes: Vec::new(),
            prefix_ids: HashMap::new(),
            emails: HashMap::new(),
            email_hashes: HashMap::new(),
            phones: HashMap::new(),
            local_punct: [false; 128],
        };
        for c in LOCAL_PUNCT.bytes() {
            gathered.local_punct[usize::from(c)] = true;
        }
        for (i, s) in request.subjects.iter().enumerate() {
            gathered.add_subject(i, s, &request.matching);
        }
        // '@' and white space never belong to a local part.
        gathered.local_punct[usize::from(b'@')] = false;
        gathered
    }

    /// Adds the identifiers of subject `i`; the punctuation of its
    /// addresses' local parts is allowed in local parts from then on.
    fn add_subject(&mut self, i: usize, s: &Subject, matching: &Matching) {
        for name in &s.names {
            for f in names::name_forms(name, matching) {
                let rule = match (f.rule, f.prefix) {
                    (Rule::Middle { .. }, Some(prefix)) => Rule::Middle {
                        prefix: self.prefix_index(prefix),
                    },
                    (rule, _) => rule,
                };
                self.add_word(f.pattern, i, IdKind::Name, f.form, rule);
            }
        }
        for term in &s.terms {
            let norm = normalize_identifier(term, matching.accents);
            self.add_word(norm, i, IdKind::Term, Form::Exact, Rule::Whole);
        }
        for e in &s.emails {
            let norm = normalize_email(e).unwrap_or_else(|_| normalize_identifier(e, true));
            let local = norm.rsplit_once('@').map_or("", |(l, _)| l);
            for b in local.bytes().filter(|b| b.is_ascii_punctuation()) {
                self.local_punct[usize::from(b)] = true;
            }
            push_unique(self.emails.entry(norm).or_default(), i);
        }
        for h in &s.email_hashes {
            push_unique(self.email_hashes.entry(*h).or_default(), i);
        }
        for p in &s.phones {
            for (digits, form) in contact::phone_forms(p) {
                if form == Form::Exact || matching.phone_forms {
                    push_unique(self.phones.entry(digits).or_default(), (i, form));
                }
            }
        }
    }
}

impl Gathered {
    /// Adds the name or term pattern `norm` of subject `i` (if it holds a
    /// word character).
    fn add_word(&mut self, norm: String, i: usize, kind: IdKind, form: Form, rule: Rule) {
        if norm.chars().any(is_word_char) {
            let target = Target {
                subject: i,
                kind,
                form,
                rule,
            };
            push_unique(self.words.entry(norm).or_default(), target);
        }
    }

    /// The index of `prefix` in the prefixes, added if new.
    fn prefix_index(&mut self, prefix: String) -> usize {
        let next = self.prefixes.len();
        let id = *self.prefix_ids.entry(prefix.clone()).or_insert(next);
        if id == next {
            self.prefixes.push(prefix);
        }
        id
    }
}

/// Normalised bytes the rules of `targets` look at beyond their pattern.
fn context_len(targets: &[Target], prefixes: &[String]) -> usize {
    targets
        .iter()
        .map(|t| match t.rule {
            Rule::Whole | Rule::Joined => 0,
            Rule::Middle { prefix } => {
                names::CONTEXT + prefixes.get(prefix).map_or(0, String::len) + 1
            }
            Rule::Inverted | Rule::Display => names::CONTEXT,
        })
        .max()
        .unwrap_or(0)
}

/// The domains of the addresses `emails`, with what finds them: an
/// anchored automaton over them and their first bytes in both ASCII cases.
fn domain_index(
    emails: &HashMap<String, Vec<usize>>,
) -> (HashSet<String>, Option<AhoCorasick>, [bool; 256]) {
    let email_domains: HashSet<String> = emails
        .keys()
        .filter_map(|e| e.rsplit_once('@'))
        .map(|(_, d)| d.to_owned())
        .collect();
    let mut domain_list: Vec<&str> = email_domains.iter().map(String::as_str).collect();
    domain_list.sort_unstable();
    let domain_prefixes = anchors::build(&domain_list, StartKind::Anchored);
    let mut domain_firsts = [false; 256];
    for b in domain_list.iter().filter_map(|d| d.bytes().next()) {
        domain_firsts[usize::from(b.to_ascii_lowercase())] = true;
        domain_firsts[usize::from(b.to_ascii_uppercase())] = true;
    }
    (email_domains, domain_prefixes, domain_firsts)
}

/// The next stretch of digits and phone separators in `bytes` that holds a
/// digit at or after `from` (separators before that digit taken back to
/// `from` at most): its range and its digit count.
#[inline]
fn phone_stretch(bytes: &[u8], from: usize) -> Option<(Range<usize>, usize)> {
    // Skip to the next digit, then take the whole stretch around it.
    let d = bytes
        .get(from..)
        .unwrap_or_default()
        .iter()
        .position(u8::is_ascii_digit)?;
    let mut start = from + d;
    while start > from
        && bytes
            .get(start - 1)
            .copied()
            .is_some_and(is_phone_separator)
    {
        start -= 1;
    }
    let mut end = from + d;
    let mut digits = 0;
    while let Some(&b) = bytes.get(end) {
        if b.is_ascii_digit() {
            digits += 1;
        } else if !is_phone_separator(b) {
            break;
        }
        end += 1;
    }
    Some((start..end, digits))
}

/// Characters a phone number may contain between its digits.
fn is_phone_separator(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b'-' | b'.' | b'(' | b')' | b'/' | b'+'
    )
}

fn push_unique<T: PartialEq>(v: &mut Vec<T>, x: T) {
    if !v.contains(&x) {
        v.push(x);
    }
}

fn sorted<V>(map: HashMap<String, V>) -> Vec<(String, V)> {
    let mut v: Vec<_> = map.into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn automaton<P: AsRef<[u8]>>(patterns: &[P]) -> Option<AhoCorasick> {
    if patterns.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .build(patterns)
        .ok()
}

fn longest_word(p: &str) -> &str {
    p.split(' ').max_by_key(|w| w.len()).unwrap_or(p)
}

/// Whole-word rule: if the match begins (ends) with a word character, the
/// character before (after) it must not be one. Scripts written without
/// spaces between words (Han, kana, Thai, Lao, Khmer, Myanmar) have no word
/// boundaries: a character of theirs never violates the rule.
fn stands_alone(text: &str, r: Range<usize>) -> bool {
    let (Some(before), Some(m), Some(after)) =
        (text.get(..r.start), text.get(r.clone()), text.get(r.end..))
    else {
        return false;
    };
    let first = m.chars().next();
    let last = m.chars().next_back();
    let prev = before.chars().next_back();
    let next = after.chars().next();
    let glued = |a: Option<char>, b: Option<char>| match (a, b) {
        (Some(a), Some(b)) => bounded_word_char(a) && bounded_word_char(b),
        _ => false,
    };
    let ok_start = !glued(first, prev);
    let ok_end = !glued(last, next);
    ok_start && ok_end
}

fn bounded_word_char(c: char) -> bool {
    is_word_char(c) && !is_spaceless_script(c)
}

fn is_spaceless_script(c: char) -> bool {
    matches!(c,
        '\u{0E00}'..='\u{0EFF}'        // Thai, Lao
        | '\u{1000}'..='\u{109F}'      // Myanmar
        | '\u{1780}'..='\u{17FF}'      // Khmer
        | '\u{3040}'..='\u{30FF}'      // Hiragana, Katakana
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'      // Han
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{F900}'..='\u{FAFF}'
        | '\u{FF66}'..='\u{FF9F}'      // half-width kana
        | '\u{20000}'..='\u{2FA1F}')
}

/// The ASCII digits of a stretch of text made of digits and phone
/// separators (white space, `- . ( ) / +`), separators removed.
#[derive(Default)]
struct DigitProjection {
    digits: Vec<u8>,
    /// Byte offset in the text of each entry of `digits`.
    pos: Vec<usize>,
}

impl DigitProjection {
    fn project(&mut self, text: &[u8], stretch: Range<usize>) {
        self.digits.clear();
        self.pos.clear();
        for (i, &b) in text
            .get(stretch.clone())
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if b.is_ascii_digit() {
                self.digits.push(b);
                self.pos.push(stretch.start + i);
            }
        }
    }

    /// The text range of a digit match if it neither starts nor ends inside a
    /// longer run of adjacent digits.
    fn verified(&self, r: Range<usize>) -> Option<Range<usize>> {
        let first = *self.pos.get(r.start)?;
        let last = *self.pos.get(r.end.checked_sub(1)?)?;
        let glued_before = r.start > 0
            && self.digits.get(r.start - 1).is_some_and(u8::is_ascii_digit)
            && self.pos.get(r.start - 1) == first.checked_sub(1).as_ref();
        let glued_after = self.digits.get(r.end).is_some_and(u8::is_ascii_digit)
            && self.pos.get(r.end) == Some(&(last + 1));
        if glued_before || glued_after {
            return None;
        }
        Some(first..last + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::Subject;
    use crate::text::normalize::Normalized;

    fn patterns() -> Patterns {
        let subject = Subject {
            id: "A".into(),
            emails: vec!["jane.doe@example.com".into(), "o'neil@example.ie".into()],
            names: vec!["Jane Doe".into(), "山田太郎".into()],
            phones: vec!["442079460018".into()],
            terms: vec!["CUST-88231".into()],
            ..Subject::default()
        };
        Patterns::new(&ErasureRequest {
            subjects: vec![subject],
            ..ErasureRequest::default()
        })
    }

    fn kinds(p: &Patterns, text: &str) -> Vec<IdKind> {
        let n = Normalized::of_str(text, false, true);
        let mut out = Vec::new();
        p.find(&n.text, &mut out);
        out.into_iter().map(|h| h.kind).collect()
    }

    #[test]
    fn match_rules() {
        use IdKind::*;
        let p = patterns();
        let cases: &[(&str, &[IdKind])] = &[
            ("mail jane.doe@example.com today", &[Email]),
            ("JANE.DOE@EXAMPLE.COM", &[Email]),
            ("<jane.doe+lists@example.com>", &[Email]),
            ("write to jane.doe@example.com.", &[Email]),
            ("mailto:jane.doe@example.com?subject=x", &[Email]),
            ("notjane.doe@example.com", &[]),
            ("jane.doe@example.community", &[]),
            ("jane.doe@example.com.evil.net", &[]),
            ("jane.doe@example.com-x.net", &[]),
            ("o'neil@example.ie", &[Email]),
            ("jo'neil@example.ie", &[]),
            ("Jane Doe", &[Name]),
            ("jane\n\t doe,", &[Name]),
            ("Jane Doeman", &[]),
            ("Janet Doe", &[]),
            ("MaryJane Doe", &[]),
            ("call +44 20 7946 0018 now", &[Phone]),
            ("(44) 20-7946.0018", &[Phone]),
            ("44/2079/460018", &[Phone]),
            ("1442079460018", &[]),
            ("4420794600189", &[]),
            ("44 2079 46001", &[]),
            ("ref 12 44 2079460018", &[Phone]),
            ("cust-88231", &[Term]),
            ("#CUST-88231!", &[Term]),
            ("XCUST-88231", &[]),
            ("CUST-882310", &[]),
            ("CUST-88231_old", &[]),
            ("山田太郎です", &[Name]),
            ("山田太郎", &[Name]),
        ];
        for (text, want) in cases {
            assert_eq!(kinds(&p, text), *want, "{text:?}");
        }
    }

    #[test]
    fn hashed_addresses_match_by_digest() {
        let p = Patterns::new(&ErasureRequest {
            subjects: vec![Subject {
                id: "H".into(),
                email_hashes: vec![email_digest("jane.doe@example.com")],
                ..Subject::default()
            }],
            ..ErasureRequest::default()
        });
        assert_eq!(kinds(&p, "x Jane.Doe+a@Example.com y"), [IdKind::Email]);
        assert!(kinds(&p, "john@example.com").is_empty());
    }

    #[test]
    fn prefilter_is_conservative() {
        let p = patterns();
        assert!(p.may_match_ascii("Dear JANE,"));
        assert!(p.may_match_ascii("x jane.doe+1@example.com"));
        assert!(p.may_match_ascii("tel +44 (20) 7946-0018"));
        assert!(p.may_match_ascii("id cust-88231"));
        assert!(!p.may_match_ascii("nothing to see here: john@example.com 12345"));
    }
}
