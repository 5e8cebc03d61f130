//! Phone numbers and addresses as real mail writes them.
//!
//! * Phones: [`phone_forms`] turns a number of the request into the digit
//!   strings of every form it is written in (international, `00` and `011`
//!   prefixes, the trunk `(0)` inside, national), by the country rules of
//!   libphonenumber (the `phonenumber` crate). They go into the phone
//!   automaton, so the cost per byte stays that of one automaton.
//! * Addresses: [`find_encoded`] is a structural decoder over a normalised
//!   text. At every form of `@` (`%40`, `%2540`, `=40`, `&#64;`, `&#x40;`,
//!   `&commat;`, ` at `, `(at)`, `[at]`, `{at}`, `<at>`, ` @ `) it decodes
//!   the address token around it, whose dots may be written `%2e`, `=2e`,
//!   `&#46;`, `&period;`, ` dot `, `(dot)` …, and looks the decoded address
//!   up like a plain one (hashed addresses included). The token is taken
//!   whole, as a plain one is: `notjane.doe at example dot com` and
//!   `jane.doe at example dot community` are not `jane.doe@example.com`.
//!   The cost is a search for the `@` forms (a block scan that stops only
//!   where one may begin: `@ % = &`, and an `at` after white space or a
//!   bracket, not the `at` inside words) and a decoding around each (the
//!   domain first: one that is no subject's ends it), independent of the
//!   number of subjects.
//!
//! [`raw_candidates`] and [`substring_may_match`] give the windowed search
//! and the structural prefilter the same forms in raw bytes, by rules that
//! are supersets of the decoder's.

use super::Form;
use super::patterns::{Patterns, TextHit};
use crate::text::normalize::{FOLDS_INTO_ASCII, first_char, is_ascii_space, may_fold_into_ascii};
use std::ops::{ControlFlow, Range};

/// The most bytes the local part or the domain of an encoded or obfuscated
/// address may take (each character at most 8 bytes: `&commat;`, plus
/// white space): past this, a token cannot be a subject's address.
pub(crate) const MAX_FORM: usize = 4096;

/// Shortest national form of a phone number that is searched for: shorter
/// ones would match too many unrelated digit runs.
pub(crate) const MIN_NATIONAL_DIGITS: usize = 7;

/// International call prefixes searched for before a country code (`00`
/// in most of the world, `011` from North America).
const CALL_PREFIXES: [&str; 2] = ["00", "011"];

/// The digit strings under which the phone number `written` (as the
/// request spells it) is searched. Always its digits; when it is an
/// international number (`+` and a country code libphonenumber knows, or
/// `00` instead of the `+`), also the forms with the `00` and `011`
/// prefixes, with the country's trunk prefix in parentheses (`+44 (0)20 …`,
/// digits `440 20…`), and the national form (`020 …`) unless it has fewer
/// than [`MIN_NATIONAL_DIGITS`] digits.
pub(crate) fn phone_forms(written: &str) -> Vec<(String, Form)> {
    let digits: String = written.chars().filter(char::is_ascii_digit).collect();
    let mut forms = Vec::new();
    if !digits.is_empty() {
        forms.push((digits, Form::Exact));
    }
    let trimmed = written.trim();
    let international = match trimmed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None if trimmed.starts_with('+') => trimmed.to_owned(),
        None => return forms,
    };
    // The crate is not expected to panic on a validated request's number;
    // if it did, the number keeps its digit form only.
    let parsed = std::panic::catch_unwind(|| international_forms(&international));
    for form in parsed.ok().into_iter().flatten() {
        if forms.iter().all(|(f, _)| *f != form.0) {
            forms.push(form);
        }
    }
    forms
}

/// The forms of [`phone_forms`] for an international number, or nothing
/// when libphonenumber does not read it as one.
fn international_forms(number: &str) -> Vec<(String, Form)> {
    let Ok(parsed) = phonenumber::parse(None, number) else {
        return Vec::new();
    };
    let code = parsed.code().value().to_string();
    let national = parsed.national();
    let nsn = format!(
        "{}{}",
        "0".repeat(usize::from(national.zeros())),
        national.value()
    );
    let trunk = parsed
        .metadata(&phonenumber::metadata::DATABASE)
        .and_then(|m| m.national_prefix())
        .filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned);
    let mut forms = Vec::new();
    let mut intl = vec![(format!("{code}{nsn}"), Form::Exact)];
    // `+44 (0)20 …`: written where the trunk prefix is a zero (not, say,
    // the `1` of North America).
    if let Some(t) = trunk.as_ref().filter(|t| t.starts_with('0')) {
        intl.push((format!("{code}{t}{nsn}"), Form::TrunkPrefix));
    }
    for (body, form) in &intl {
        forms.push((body.clone(), *form));
        for prefix in CALL_PREFIXES {
            let form = if *form == Form::Exact {
                Form::CallPrefix
            } else {
                *form
            };
            forms.push((format!("{prefix}{body}"), form));
        }
    }
    let formatted = parsed
        .format()
        .mode(phonenumber::Mode::National)
        .to_string();
    let mut nationals = vec![formatted.chars().filter(char::is_ascii_digit).collect()];
    if let Some(t) = &trunk {
        nationals.push(format!("{t}{nsn}"));
    }
    for n in nationals {
        if n.len() >= MIN_NATIONAL_DIGITS && forms.iter().all(|(f, _)| *f != n) {
            forms.push((n, Form::National));
        }
    }
    forms
}

/// What an element of an address token stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    /// A character of a local part or domain (or any other character).
    Char(char),
    /// A dot.
    Dot,
    /// The `@`.
    At,
    /// A non-ASCII byte in raw bytes: may normalise to anything.
    Unknown,
}

/// One element of an address token: what it stands for, its length in
/// bytes and whether it was encoded or obfuscated.
#[derive(Debug, Clone, Copy)]
struct Elem {
    unit: Unit,
    len: usize,
    encoded: bool,
}

/// Normalised text (exact matching) or raw bytes (candidates, where a
/// non-ASCII byte is [`Unit::Unknown`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Text,
    Raw,
}

/// Calls `f` with the range of every form of `@` in `b` (with the white
/// space around a spelt-out one), the `@` itself included, until it breaks,
/// in the order of their positions. In raw bytes a spelt-out `at` may also
/// stand next to non-ASCII bytes.
///
/// The forms are `@`, `%40`, `%2540`, `=40`, `&#64;`/`&#x40;` (any
/// reference to `@`), `&commat;` (ASCII case-insensitive) and a spelt `at`
/// as [`word_around`] takes it. A block scan ([`scan_forms`]) stops only
/// at the bytes that may begin one: `@ % = &`, and an `a` followed by a
/// `t` after white space (or a non-ASCII byte in raw bytes) or an opening
/// bracket. English text is full of `at` inside words; those are passed
/// over without a stop.
fn at_forms(b: &[u8], mode: Mode, f: impl FnMut(Range<usize>) -> ControlFlow<()>) {
    let _ = match mode {
        Mode::Text => scan_forms::<false>(b, mode, f),
        Mode::Raw => scan_forms::<true>(b, mode, f),
    };
}

/// [`at_forms`] with `RAW` for [`Mode::Raw`]: whole blocks read in place,
/// the last one overlapping the one before; the first and the last byte,
/// and an input shorter than a block, one by one.
fn scan_forms<const RAW: bool>(
    b: &[u8],
    mode: Mode,
    mut f: impl FnMut(Range<usize>) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut visit = |s: usize| match form_at(b, s, mode) {
        Some(form) => f(form),
        None => ControlFlow::Continue(()),
    };
    let byte = |i: usize| b.get(i).copied().unwrap_or(0);
    let n = b.len();
    if n < BLOCK + 2 {
        for s in 0..n {
            if starts::<RAW>(byte(s.wrapping_sub(1)), byte(s), byte(s + 1)) {
                visit(s)?;
            }
        }
        return ControlFlow::Continue(());
    }
    if starts::<RAW>(0, byte(0), byte(1)) {
        visit(0)?;
    }
    let mut block = |base: usize, mut mask: u32| {
        while mask != 0 {
            visit(base + mask.trailing_zeros() as usize)?;
            mask &= mask - 1;
        }
        ControlFlow::Continue(())
    };
    let around = |base: usize| {
        b.get(base - 1..base + BLOCK + 1)
            .and_then(|w| <&[u8; BLOCK + 2]>::try_from(w).ok())
            .map_or(0, lane_mask::<RAW>)
    };
    // Whole blocks cover the bytes 1..n - 1, each with a byte on either side.
    let mut base = 1;
    while base + BLOCK < n {
        block(base, around(base))?;
        base += BLOCK;
    }
    if base < n - 1 {
        let last = n - 1 - BLOCK;
        let seen = base - last;
        block(last, around(last) >> seen << seen)?;
    }
    if starts::<RAW>(byte(n - 2), byte(n - 1), 0) {
        visit(n - 1)?;
    }
    ControlFlow::Continue(())
}

/// Bytes per step of [`scan_forms`].
const BLOCK: usize = 32;

/// True if the byte before a spelt `at` lets [`word_around`] take it:
/// white space, an opening bracket, or in raw bytes a non-ASCII byte.
#[inline(always)]
fn opens_word<const RAW: bool>(c: u8) -> bool {
    (c.wrapping_sub(b'\t') < 5)
        | (c == b' ')
        | (c == b'(')
        | (c == b'<')
        | ((c | 0x20) == b'{')
        | (RAW & (c >= 0x80))
}

/// True if the bytes `prev`, `c`, `next` around a position may begin a form
/// of `@` (see [`at_forms`]).
#[inline(always)]
fn starts<const RAW: bool>(prev: u8, c: u8, next: u8) -> bool {
    let rare = (c == b'@') | (c == b'%') | (c == b'=') | (c == b'&');
    let at = ((c | 0x20) == b'a') & ((next | 0x20) == b't') & opens_word::<RAW>(prev);
    rare | at
}

/// The bit mask of the positions of a block where a form of `@` may
/// begin, `around` holding the block with a byte on either side.
/// Written over fixed-size arrays so that it compiles to vector compares;
/// the lanes are gathered into bits only when one is set (rare in text).
#[inline(always)]
fn lane_mask<const RAW: bool>(around: &[u8; BLOCK + 2]) -> u32 {
    let mut lanes = [0u8; BLOCK];
    for (k, lane) in lanes.iter_mut().enumerate() {
        *lane = u8::from(starts::<RAW>(around[k], around[k + 1], around[k + 2]));
    }
    let words: [u64; BLOCK / 8] =
        std::array::from_fn(|w| u64::from_le_bytes(std::array::from_fn(|i| lanes[8 * w + i])));
    if words.iter().fold(0, |a, w| a | w) == 0 {
        return 0;
    }
    // Bytes of 0 or 1: the multiplication gathers byte i's bit at bit 56 + i.
    words.iter().enumerate().fold(0, |mask, (w, &x)| {
        mask | (((x.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32) << (8 * w))
    })
}

/// The form of `@` whose core begins at byte `s`, if one does.
fn form_at(b: &[u8], s: usize, mode: Mode) -> Option<Range<usize>> {
    let rest = b.get(s..).unwrap_or_default();
    match rest.first()? {
        b'@' => Some(word_around(b, s, s + 1, mode).unwrap_or(s..s + 1)),
        b'%' if rest.starts_with(b"%40") => Some(s..s + 3),
        b'%' if rest.starts_with(b"%2540") => Some(s..s + 5),
        b'=' if rest.starts_with(b"=40") => Some(s..s + 3),
        b'&' if rest.get(1) == Some(&b'#') => entity(b, s)
            .filter(|&(v, _)| v == b'@')
            .map(|(_, len)| s..s + len),
        b'&' if starts_with_ci(rest, b"&commat;") => Some(s..s + 8),
        b'a' | b'A' if rest.get(1).is_some_and(|t| t.eq_ignore_ascii_case(&b't')) => {
            word_around(b, s, s + 2, mode)
        }
        _ => None,
    }
}

/// The spelt-out form around the word at `s..e` (`at`, `dot`, `@`): in
/// brackets (`(at)`, `[at]`, `{at}`, `<at>`) with optional white space
/// around, or bare with white space on both sides.
fn word_around(b: &[u8], s: usize, e: usize, mode: Mode) -> Option<Range<usize>> {
    let spaceish = |i: usize| {
        b.get(i)
            .is_some_and(|&c| is_ascii_space(c) || (mode == Mode::Raw && !c.is_ascii()))
    };
    let open = s.checked_sub(1).and_then(|i| b.get(i)).copied();
    let close = b.get(e).copied();
    let bracketed = matches!(
        (open, close),
        (Some(b'('), Some(b')'))
            | (Some(b'['), Some(b']'))
            | (Some(b'{'), Some(b'}'))
            | (Some(b'<'), Some(b'>'))
    );
    let (mut start, mut end) = if bracketed {
        (s - 1, e + 1)
    } else if s > 0 && spaceish(s - 1) && spaceish(e) {
        (s, e)
    } else {
        return None;
    };
    while start > 0 && spaceish(start - 1) {
        start -= 1;
    }
    while spaceish(end) {
        end += 1;
    }
    Some(start..end)
}

/// The element of an address token starting at byte `i`, if one does.
fn elem_at(b: &[u8], i: usize, mode: Mode) -> Option<Elem> {
    let c = *b.get(i)?;
    let plain = |unit| Elem {
        unit,
        len: 1,
        encoded: false,
    };
    let decoded = |(v, len): (u8, usize)| Elem {
        unit: match v {
            b'@' => Unit::At,
            b'.' => Unit::Dot,
            v => Unit::Char(char::from(v)),
        },
        len,
        encoded: true,
    };
    if !c.is_ascii() {
        return match mode {
            Mode::Raw => Some(plain(Unit::Unknown)),
            Mode::Text => {
                let ch = first_char(b.get(i..b.len().min(i + 4))?)?;
                ch.is_alphanumeric().then_some(Elem {
                    unit: Unit::Char(ch),
                    len: ch.len_utf8(),
                    encoded: false,
                })
            }
        };
    }
    Some(match c {
        b'%' => percent(b, i).map_or(plain(Unit::Char('%')), decoded),
        b'=' => hex2(b, i + 1).map_or(plain(Unit::Char('=')), |v| decoded((v, 3))),
        b'&' => entity(b, i).map_or(plain(Unit::Char('&')), decoded),
        b'@' => plain(Unit::At),
        b'.' => plain(Unit::Dot),
        c if is_ascii_space(c) || matches!(c, b'(' | b'[' | b'{' | b'<') => {
            match spelt_word(b, i, mode) {
                Some(e) => e,
                None if is_ascii_space(c) => return None,
                None => plain(Unit::Char(char::from(c))),
            }
        }
        c => plain(Unit::Char(char::from(c))),
    })
}

/// A spelt-out `at`, `dot` or ` @ ` starting at byte `i` (white space or an
/// opening bracket), with the white space around it.
fn spelt_word(b: &[u8], i: usize, mode: Mode) -> Option<Elem> {
    let mut w = i;
    while b.get(w).copied().is_some_and(is_ascii_space) {
        w += 1;
    }
    let open = usize::from(b.get(w).is_some_and(|c| b"([{<".contains(c)));
    let word = w + open;
    let rest = b.get(word..).unwrap_or_default();
    let (unit, len) = if starts_with_ci(rest, b"dot") {
        (Unit::Dot, 3)
    } else if starts_with_ci(rest, b"at") {
        (Unit::At, 2)
    } else if open == 0 && rest.first() == Some(&b'@') {
        (Unit::At, 1)
    } else {
        return None;
    };
    let form = word_around(b, word, word + len, mode)?;
    // The form must begin where the element does.
    (form.start <= i && form.end > i).then_some(Elem {
        unit,
        len: form.end - i,
        encoded: true,
    })
}

fn starts_with_ci(b: &[u8], word: &[u8]) -> bool {
    b.get(..word.len())
        .is_some_and(|h| h.eq_ignore_ascii_case(word))
}

/// `%hh` (or `%25hh`, percent-encoded twice) at byte `i`: the value and
/// the length.
fn percent(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let v = hex2(b, i + 1)?;
    if v == b'%'
        && let Some(w) = hex2(b, i + 3)
    {
        return Some((w, 5));
    }
    Some((v, 3))
}

/// Two hex digits (either case) at byte `i`.
fn hex2(b: &[u8], i: usize) -> Option<u8> {
    let h = |c: u8| char::from(c).to_digit(16);
    let (hi, lo) = (h(*b.get(i)?)?, h(*b.get(i + 1)?)?);
    u8::try_from(hi * 16 + lo).ok()
}

/// An HTML character reference at byte `i` (`&#64;`, `&#x40;`, the `;`
/// optional as browsers read it, at most 7 digits; `&commat;`, `&period;`,
/// `&plus;`, `&lowbar;`, `&percnt;`) standing for an ASCII character: the
/// value and the length.
fn entity(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let rest = b.get(i..)?;
    if rest.get(1) == Some(&b'#') {
        let hex = rest.get(2).is_some_and(|c| c.eq_ignore_ascii_case(&b'x'));
        let from = if hex { 3 } else { 2 };
        let radix = if hex { 16 } else { 10 };
        let digits = rest
            .get(from..)?
            .iter()
            .take(8)
            .take_while(|c| char::from(**c).is_digit(radix))
            .count();
        if digits == 0 || digits > 7 {
            return None;
        }
        let text = std::str::from_utf8(rest.get(from..from + digits)?).ok()?;
        let v = u8::try_from(u32::from_str_radix(text, radix).ok()?).ok()?;
        let semi = usize::from(rest.get(from + digits) == Some(&b';'));
        return v.is_ascii().then_some((v, from + digits + semi));
    }
    const NAMED: [(&[u8], u8); 5] = [
        (b"&commat;", b'@'),
        (b"&period;", b'.'),
        (b"&plus;", b'+'),
        (b"&lowbar;", b'_'),
        (b"&percnt;", b'%'),
    ];
    NAMED
        .iter()
        .find(|(name, _)| starts_with_ci(rest, name))
        .map(|&(name, v)| (v, name.len()))
}

/// Which raw non-ASCII characters may carry a domain on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Carry {
    /// Any (some subject's domain is not ASCII).
    Any,
    /// Those that normalise to ASCII or to nothing ([`FOLDS_INTO_ASCII`]).
    Folding,
    /// Those, and with accents folded those that may fold into ASCII.
    FoldingAccents,
}

impl Carry {
    /// How `p`'s domains are carried on.
    fn of(p: &Patterns) -> Carry {
        if p.ascii_domains {
            Carry::Folding
        } else if p.folded_ascii_domains {
            Carry::FoldingAccents
        } else {
            Carry::Any
        }
    }
}

/// True if a character that may carry a domain on under `carry` (or a
/// continuation byte of one) is at byte `i`.
fn folds_at(b: &[u8], i: usize, carry: Carry) -> bool {
    (i.saturating_sub(3)..=i).any(|k| {
        first_char(b.get(k..b.len().min(k + 4)).unwrap_or_default()).is_some_and(|c| {
            let folds = match carry {
                Carry::Any => true,
                Carry::Folding => FOLDS_INTO_ASCII.contains(&c),
                Carry::FoldingAccents => FOLDS_INTO_ASCII.contains(&c) || may_fold_into_ascii(c),
            };
            folds && k + c.len_utf8() > i
        })
    })
}

/// Bytes that may belong to an element of a local part (any mode).
fn local_superset(p: &Patterns, c: u8) -> bool {
    !c.is_ascii()
        || c.is_ascii_alphanumeric()
        || p.local_punct[usize::from(c)]
        || b"&#;=()[]{}<>".contains(&c)
}

/// The bracketed spellings of a dot.
const BRACKET_DOTS: [&[u8]; 4] = [b"(dot)", b"[dot]", b"{dot}", b"<dot>"];

/// Where the local part before byte `end` can start at the earliest: back
/// over bytes of [`local_superset`] and the white space around spelt-out
/// dots between them (`jane dot doe`, `jane (dot) doe`); `None` past
/// [`MAX_FORM`] bytes.
fn local_floor(p: &Patterns, b: &[u8], end: usize) -> Option<usize> {
    let superset = |i: usize| b.get(i).is_some_and(|&c| local_superset(p, c));
    let space = |i: usize| b.get(i).copied().is_some_and(is_ascii_space);
    let mut i = end;
    loop {
        while i > 0 && superset(i - 1) {
            i -= 1;
        }
        if end - i > MAX_FORM {
            return None;
        }
        let mut j = i;
        while j > 0 && space(j - 1) {
            j -= 1;
        }
        if j == i || j == 0 || !superset(j - 1) {
            return Some(i);
        }
        let before = b.get(..j).unwrap_or_default();
        let after = b.get(i..).unwrap_or_default();
        let bracketed = BRACKET_DOTS
            .iter()
            .any(|d| ends_with_ci(before, d) || starts_with_ci(after, d));
        if bracketed {
            i = j;
            continue;
        }
        // A bare `dot` between white space, with a token byte before.
        let bare = ends_with_ci(before, b"dot") && j > 3 && space(j - 4);
        if !bare {
            return Some(i);
        }
        let mut k = j - 3;
        while k > 0 && space(k - 1) {
            k -= 1;
        }
        if k == 0 || !superset(k - 1) {
            return Some(i);
        }
        i = k;
    }
}

fn ends_with_ci(b: &[u8], word: &[u8]) -> bool {
    b.len() >= word.len()
        && b.get(b.len() - word.len()..)
            .is_some_and(|t| t.eq_ignore_ascii_case(word))
}

/// A decoded local part or domain: the text, where it starts and ends in
/// the source, and whether an element was encoded or a raw byte unknown.
#[derive(Debug, Default)]
struct Decoded {
    text: String,
    range: Range<usize>,
    encoded: bool,
    unknown: bool,
}

impl Decoded {
    /// Empties it for a token starting at byte `at` (the text's buffer is
    /// kept for the next token).
    fn reset(&mut self, at: usize) {
        self.text.clear();
        self.range = at..at;
        self.encoded = false;
        self.unknown = false;
    }
}

/// True if `u` may stand in a local part.
fn is_local(p: &Patterns, u: Unit) -> bool {
    match u {
        Unit::Char(c) if c.is_ascii() => {
            c.is_ascii_alphanumeric() || p.local_punct[usize::from(c as u8)]
        }
        Unit::Char(c) => c.is_alphanumeric(),
        Unit::Dot | Unit::Unknown => true,
        Unit::At => false,
    }
}

/// True if `u` may stand in a domain.
fn is_domain(u: Unit) -> bool {
    match u {
        Unit::Char(c) => c.is_alphanumeric() || c == '-',
        Unit::Dot | Unit::Unknown => true,
        Unit::At => false,
    }
}

/// The local part ending at byte `end` (where a form of `@` starts), into
/// `d`: the longest run of local elements (leading dots dropped), as a
/// plain local part is taken. False if there is none.
fn local_before(p: &Patterns, b: &[u8], end: usize, mode: Mode, d: &mut Decoded) -> bool {
    let Some(floor) = local_floor(p, b, end) else {
        return false;
    };
    d.reset(floor);
    let mut pos = floor;
    while pos < end {
        // Most bytes are plain letters and digits.
        if let Some(&c) = b.get(pos)
            && c.is_ascii_alphanumeric()
        {
            d.text.push(char::from(c.to_ascii_lowercase()));
            pos += 1;
            continue;
        }
        match elem_at(b, pos, mode) {
            Some(e) if pos + e.len <= end && is_local(p, e.unit) => {
                pos += e.len;
                if d.text.is_empty() && e.unit == Unit::Dot {
                    d.range.start = pos;
                    continue;
                }
                push_unit(d, e);
            }
            other => {
                let skip = other.map_or(1, |e| e.len).max(1);
                pos = (pos + skip).min(end);
                d.reset(pos);
            }
        }
    }
    d.range.end = end;
    !d.text.is_empty() || d.unknown
}

fn push_unit(d: &mut Decoded, e: Elem) {
    match e.unit {
        Unit::Char(c) if c.is_ascii() => d.text.push(c.to_ascii_lowercase()),
        Unit::Char(c) => d.text.extend(c.to_lowercase()),
        Unit::Dot => d.text.push('.'),
        Unit::Unknown => d.unknown = true,
        Unit::At => {}
    }
    d.encoded |= e.encoded;
}

/// The domain starting at byte `start` (where a form of `@` ends), into
/// `d`: the longest run of domain elements, trailing dots dropped (in
/// `range` too). Returns where the run ended, trailing dots included;
/// `None` past [`MAX_FORM`] bytes. A raw non-ASCII character ends the run
/// unless it may carry it on (`carry`).
fn domain_after(
    b: &[u8],
    start: usize,
    mode: Mode,
    carry: Carry,
    d: &mut Decoded,
) -> Option<usize> {
    d.reset(start);
    let mut pos = start;
    let mut kept = (0, false);
    let carries = |e: &Elem, pos: usize| e.unit != Unit::Unknown || folds_at(b, pos, carry);
    loop {
        // Most bytes are plain letters, digits and hyphens.
        if let Some(&c) = b.get(pos)
            && (c.is_ascii_alphanumeric() || c == b'-')
        {
            pos += 1;
            if pos - start > MAX_FORM {
                return None;
            }
            d.text.push(char::from(c.to_ascii_lowercase()));
            kept = (d.text.len(), d.encoded);
            d.range.end = pos;
            continue;
        }
        let Some(e) = elem_at(b, pos, mode).filter(|e| is_domain(e.unit) && carries(e, pos)) else {
            break;
        };
        pos += e.len;
        if pos - start > MAX_FORM {
            return None;
        }
        push_unit(d, e);
        if e.unit != Unit::Dot {
            kept = (d.text.len(), d.encoded);
            d.range.end = pos;
        }
    }
    // Trailing dots do not count, encoded or not.
    d.text.truncate(kept.0);
    d.encoded = kept.1;
    Some(pos)
}

/// Appends every address of `text` (normalised) written in an encoded or
/// obfuscated form: the decoded token must equal a subject's address (with
/// its `+tag` removed) or hash to one. Plain addresses are left to
/// [`Patterns::find_emails`]'s own rule.
///
/// The domain is decoded first: without hashed addresses, a domain that is
/// no subject's ends the work at that form (most `@`s of a mail).
pub(crate) fn find_encoded(p: &Patterns, text: &str, out: &mut Vec<TextHit>) {
    let b = text.as_bytes();
    let hashed = p.has_email_hashes();
    let mut key = String::new();
    let (mut local, mut domain) = (Decoded::default(), Decoded::default());
    at_forms(b, Mode::Text, |form| {
        let decoded = domain_after(b, form.end, Mode::Text, Carry::Any, &mut domain).is_some();
        // A hit's key is `local@domain`, and a subject's domain is that of
        // one of its (plain) addresses.
        if !decoded || domain.text.is_empty() || (!hashed && !is_subject_domain(p, &domain.text)) {
            return ControlFlow::Continue(());
        }
        let plain_at = form.len() == 1 && b.get(form.start) == Some(&b'@');
        if !local_before(p, b, form.start, Mode::Text, &mut local)
            || !(local.encoded || domain.encoded || !plain_at)
        {
            return ControlFlow::Continue(());
        }
        push_encoded(p, text, form, &local, &domain, &mut key, out);
        ControlFlow::Continue(())
    });
}

/// Pushes the hit of the encoded address `local` `@`-form `domain` of
/// `text` (`form` is the at-form's range): its key `local@domain` (the
/// `+tag` removed) built in `key`, spelt when the at-form or the address
/// spells words out, else encoded.
fn push_encoded(
    p: &Patterns,
    text: &str,
    form: Range<usize>,
    local: &Decoded,
    domain: &Decoded,
    key: &mut String,
    out: &mut Vec<TextHit>,
) {
    key.clear();
    key.push_str(local.text.split_once('+').map_or(&local.text, |(l, _)| l));
    key.push('@');
    key.push_str(&domain.text);
    let range = local.range.start..domain.range.end;
    let spelt = text.as_bytes().get(form).is_some_and(is_spelt_at)
        || text.get(range.clone()).is_some_and(|t| t.contains("dot"));
    let form = if spelt {
        Form::AddressSpelt
    } else {
        Form::AddressEncoded
    };
    p.push_address(key, range, form, out);
}

/// True if `domain` (decoded, lowercase) is the domain of a subject's
/// plain address. Most domains fail the cheap prefix test first.
fn is_subject_domain(p: &Patterns, domain: &str) -> bool {
    p.starts_with_domain(domain.as_bytes()) && p.email_domains.contains(domain)
}

/// True if a form of `@` (as [`at_forms`] gives it, with the white space
/// or brackets around a spelt-out one) is the word `at`.
fn is_spelt_at(form: &[u8]) -> bool {
    let bracket = |b: &u8| b.is_ascii_whitespace() || b"()[]{}<>".contains(b) || !b.is_ascii();
    let start = form.iter().position(|b| !bracket(b)).unwrap_or(form.len());
    let end = form
        .iter()
        .rposition(|b| !bracket(b))
        .map_or(start, |e| e + 1);
    form.get(start..end.max(start))
        .is_some_and(|core| core.eq_ignore_ascii_case(b"at"))
}

/// Calls `f` with the source range of every candidate for an encoded or
/// obfuscated address in raw bytes `src` (a superset of what
/// [`find_encoded`] finds in the normalised text: local part and domain
/// taken over any non-ASCII byte, whose normalised form is unknown), until
/// it breaks. Without hashed addresses, a candidate's decoded domain is a
/// subject's, or holds a non-ASCII byte.
pub(crate) fn raw_candidates(
    p: &Patterns,
    src: &[u8],
    mut f: impl FnMut(usize, usize) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let mut flow = ControlFlow::Continue(());
    let mut domain = Decoded::default();
    at_forms(src, Mode::Raw, |form| {
        let Some(scanned) = raw_domain(p, src, form.end, &mut domain) else {
            return ControlFlow::Continue(());
        };
        let plausible =
            p.has_email_hashes() || domain.unknown || is_subject_domain(p, &domain.text);
        if !plausible {
            return ControlFlow::Continue(());
        }
        let start = local_floor(p, src, form.start).unwrap_or(form.start.saturating_sub(MAX_FORM));
        flow = f(start, scanned.max(form.end));
        flow
    });
    flow
}

/// The domain after a form of `@` in raw bytes, into `d`, non-ASCII bytes
/// (which may be white space or vanish) skipped before it: where the run
/// ended, as [`domain_after`] returns it.
fn raw_domain(p: &Patterns, src: &[u8], mut from: usize, d: &mut Decoded) -> Option<usize> {
    let carry = Carry::of(p);
    let mut unknown = false;
    while src.get(from).is_some_and(|c| !c.is_ascii())
        && (carry == Carry::Any || folds_at(src, from, carry))
    {
        unknown = true;
        from += 1;
    }
    let scanned = domain_after(src, from, Mode::Raw, carry, d)?;
    d.unknown |= unknown;
    Some(scanned)
}

/// True if some substring of `src` may hold an encoded or obfuscated
/// address of a subject: a form of `@` whose decoded domain has a subject's
/// domain as a prefix (a substring may cut it short) or holds a non-ASCII
/// byte; with hashed addresses, any form of `@`.
pub(crate) fn substring_may_match(p: &Patterns, src: &[u8]) -> bool {
    if p.has_email_hashes() {
        let mut any = false;
        at_forms(src, Mode::Raw, |_| {
            any = true;
            ControlFlow::Break(())
        });
        return any;
    }
    let mut any = false;
    let mut domain = Decoded::default();
    at_forms(src, Mode::Raw, |form| {
        let hit = raw_domain(p, src, form.end, &mut domain)
            .is_none_or(|_| domain.unknown || p.starts_with_domain(domain.text.as_bytes()));
        any |= hit;
        if hit {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    any
}

/// The address-form search as it was before the block scan and the early
/// domain checks (an overlapping automaton walk and a decoding at every
/// form): the reference the property tests compare with.
#[cfg(test)]
mod reference {
    use std::ops::{ControlFlow, Range};
    use std::sync::LazyLock;

    use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

    use super::{
        Carry, Decoded, Elem, MAX_FORM, Mode, Patterns, TextHit, Unit, elem_at, entity, folds_at,
        is_domain, is_local, local_floor, word_around,
    };

    const AT_CORES: [&str; 7] = ["@", "%40", "%2540", "=40", "&#", "&commat;", "at"];

    static AT_FINDER: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
        AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(AT_CORES)
            .ok()
    });

    pub(super) fn at_forms(
        b: &[u8],
        mode: Mode,
        mut f: impl FnMut(Range<usize>) -> ControlFlow<()>,
    ) {
        let Some(ac) = &*AT_FINDER else {
            // Never seen: a fixed automaton of seven patterns.
            return;
        };
        for m in ac.find_overlapping_iter(b) {
            let (s, e) = (m.start(), m.end());
            let form = match AT_CORES.get(m.pattern().as_usize()).copied() {
                Some("@") => Some(word_around(b, s, e, mode).unwrap_or(s..e)),
                Some("&#") => entity(b, s)
                    .filter(|&(v, _)| v == b'@')
                    .map(|(_, len)| s..s + len),
                Some("at") => word_around(b, s, e, mode),
                Some(_) => Some(s..e),
                None => None,
            };
            if let Some(form) = form
                && f(form).is_break()
            {
                return;
            }
        }
    }

    fn local_before(p: &Patterns, b: &[u8], end: usize, mode: Mode) -> Option<Decoded> {
        let floor = local_floor(p, b, end)?;
        let mut d = Decoded {
            range: floor..floor,
            ..Decoded::default()
        };
        let mut pos = floor;
        while pos < end {
            match elem_at(b, pos, mode) {
                Some(e) if pos + e.len <= end && is_local(p, e.unit) => {
                    pos += e.len;
                    if d.text.is_empty() && e.unit == Unit::Dot {
                        d.range.start = pos;
                        continue;
                    }
                    push_unit(&mut d, e);
                }
                other => {
                    let skip = other.map_or(1, |e| e.len).max(1);
                    pos = (pos + skip).min(end);
                    d = Decoded {
                        range: pos..pos,
                        ..Decoded::default()
                    };
                }
            }
        }
        d.range.end = end;
        (!d.text.is_empty() || d.unknown).then_some(d)
    }

    fn push_unit(d: &mut Decoded, e: Elem) {
        match e.unit {
            Unit::Char(c) => d.text.extend(c.to_lowercase()),
            Unit::Dot => d.text.push('.'),
            Unit::Unknown => d.unknown = true,
            Unit::At => {}
        }
        d.encoded |= e.encoded;
    }

    fn domain_after(b: &[u8], start: usize, mode: Mode, carry: Carry) -> Option<(Decoded, usize)> {
        let mut d = Decoded {
            range: start..start,
            ..Decoded::default()
        };
        let mut pos = start;
        let mut kept = (0, false);
        let carries = |e: &Elem, pos: usize| e.unit != Unit::Unknown || folds_at(b, pos, carry);
        while let Some(e) = elem_at(b, pos, mode).filter(|e| is_domain(e.unit) && carries(e, pos)) {
            pos += e.len;
            if pos - start > MAX_FORM {
                return None;
            }
            push_unit(&mut d, e);
            if e.unit != Unit::Dot {
                kept = (d.text.len(), d.encoded);
                d.range.end = pos;
            }
        }
        // Trailing dots do not count, encoded or not.
        d.text.truncate(kept.0);
        d.encoded = kept.1;
        Some((d, pos))
    }

    pub(super) fn find_encoded(p: &Patterns, text: &str, out: &mut Vec<TextHit>) {
        let b = text.as_bytes();
        let mut key = String::new();
        at_forms(b, Mode::Text, |form| {
            let Some(local) = local_before(p, b, form.start, Mode::Text) else {
                return ControlFlow::Continue(());
            };
            let Some((domain, _)) = domain_after(b, form.end, Mode::Text, Carry::Any) else {
                return ControlFlow::Continue(());
            };
            let plain_at = form.len() == 1 && b.get(form.start) == Some(&b'@');
            let encoded = local.encoded || domain.encoded || !plain_at;
            if !encoded || domain.text.is_empty() {
                return ControlFlow::Continue(());
            }
            super::push_encoded(p, text, form, &local, &domain, &mut key, out);
            ControlFlow::Continue(())
        });
    }

    pub(super) fn raw_candidates(
        p: &Patterns,
        src: &[u8],
        mut f: impl FnMut(usize, usize) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut flow = ControlFlow::Continue(());
        at_forms(src, Mode::Raw, |form| {
            let Some((domain, scanned)) = raw_domain(p, src, form.end) else {
                return ControlFlow::Continue(());
            };
            let plausible = p.has_email_hashes()
                || domain.unknown
                || p.email_domains.contains(domain.text.as_str());
            if !plausible {
                return ControlFlow::Continue(());
            }
            let start =
                local_floor(p, src, form.start).unwrap_or(form.start.saturating_sub(MAX_FORM));
            flow = f(start, scanned.max(form.end));
            flow
        });
        flow
    }

    fn raw_domain(p: &Patterns, src: &[u8], mut from: usize) -> Option<(Decoded, usize)> {
        let carry = Carry::of(p);
        let mut unknown = false;
        while src.get(from).is_some_and(|c| !c.is_ascii())
            && (carry == Carry::Any || folds_at(src, from, carry))
        {
            unknown = true;
            from += 1;
        }
        let (mut d, scanned) = domain_after(src, from, Mode::Raw, carry)?;
        d.unknown |= unknown;
        Some((d, scanned))
    }

    pub(super) fn substring_may_match(p: &Patterns, src: &[u8]) -> bool {
        let mut any = false;
        at_forms(src, Mode::Raw, |form| {
            let hit = p.has_email_hashes()
                || raw_domain(p, src, form.end)
                    .is_none_or(|(d, _)| d.unknown || p.starts_with_domain(d.text.as_bytes()));
            any |= hit;
            if hit {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        any
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::matcher::IdKind;
    use crate::request::{ErasureRequest, Subject, email_digest};
    use crate::text::normalize::Normalized;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// The digit strings of [`phone_forms`].
    fn digits_of(written: &str) -> Vec<String> {
        phone_forms(written).into_iter().map(|(d, _)| d).collect()
    }

    #[test]
    fn phone_forms_follow_country_rules() {
        let forms = phone_forms("+44 20 7946 0018");
        for want in [
            ("442079460018", Form::Exact),
            ("00442079460018", Form::CallPrefix),
            ("011442079460018", Form::CallPrefix),
            ("4402079460018", Form::TrunkPrefix),
            ("004402079460018", Form::TrunkPrefix),
            ("02079460018", Form::National),
        ] {
            assert!(
                forms.contains(&(want.0.to_owned(), want.1)),
                "{want:?} in {forms:?}"
            );
        }
        let uk = digits_of("+44 20 7946 0018");
        assert_eq!(digits_of("0044 20 7946 0018"), {
            let mut v = vec!["00442079460018".to_owned()];
            v.extend(uk.iter().filter(|f| *f != "00442079460018").cloned());
            v
        });
        // North America: national form without the trunk `1`.
        let us = digits_of("+1 201-555-0123");
        assert!(us.contains(&"2015550123".to_owned()), "{us:?}");
        assert!(us.contains(&"01112015550123".to_owned()), "{us:?}");
        assert!(!us.contains(&"112015550123".to_owned()), "{us:?}");
        // Italy keeps its leading zero (no trunk prefix).
        let it = digits_of("+39 06 6982 1234");
        assert!(it.contains(&"0669821234".to_owned()), "{it:?}");
        assert!(!it.iter().any(|f| f.starts_with("3900")), "{it:?}");
        // A national form shorter than 7 digits is not searched for.
        let niue = digits_of("+683 4002");
        assert!(niue.iter().all(|f| f.len() >= 7), "{niue:?}");
        // Not international: digits only, as before.
        assert_eq!(digits_of("020 7946 0018"), ["02079460018"]);
    }

    fn patterns(hashed: bool) -> Patterns {
        let subject = Subject {
            id: "A".into(),
            emails: if hashed {
                Vec::new()
            } else {
                vec!["jane.doe@example.com".into()]
            },
            email_hashes: if hashed {
                vec![email_digest("jane.doe@example.com")]
            } else {
                Vec::new()
            },
            ..Subject::default()
        };
        Patterns::new(&ErasureRequest {
            subjects: vec![subject],
            ..ErasureRequest::default()
        })
    }

    fn found(p: &Patterns, text: &str) -> Vec<String> {
        let n = Normalized::of_str(text, false, true);
        let mut out = Vec::new();
        p.find(&n.text, &mut out);
        out.iter()
            .filter(|h| h.kind == IdKind::Email)
            .map(|h| n.text[h.range.clone()].to_owned())
            .collect()
    }

    const POSITIVE: &[(&str, &str)] = &[
        (
            "mailto:jane.doe%40example.com?x=1",
            "jane.doe%40example.com",
        ),
        ("u=jane.doe%2540example.com&", "jane.doe%2540example.com"),
        ("JANE%2EDOE%40EXAMPLE%2ECOM", "jane%2edoe%40example%2ecom"),
        ("to=jane.doe=40example.com ", "jane.doe=40example.com"),
        ("jane.doe&#64;example.com", "jane.doe&#64;example.com"),
        (
            "jane.doe&#x40;example&#46;com",
            "jane.doe&#x40;example&#46;com",
        ),
        (
            "jane.doe&commat;example&period;com",
            "jane.doe&commat;example&period;com",
        ),
        (
            "mail jane.doe at example dot com.",
            "jane.doe at example dot com",
        ),
        ("jane.doe(at)example.com", "jane.doe(at)example.com"),
        (
            "jane.doe [at] example [dot] com",
            "jane.doe [at] example [dot] com",
        ),
        ("jane.doe{at}example{dot}com", "jane.doe{at}example{dot}com"),
        ("Jane.Doe AT Example DOT Com", "jane.doe at example dot com"),
        (
            "jane dot doe at example dot com",
            "jane dot doe at example dot com",
        ),
        (
            "jane (dot) doe (at) example (dot) com",
            "jane (dot) doe (at) example (dot) com",
        ),
        ("jane.doe <at> example.com", "jane.doe <at> example.com"),
        ("jane.doe @ example.com", "jane.doe @ example.com"),
        (
            "jane.doe+news at example dot com",
            "jane.doe+news at example dot com",
        ),
        ("jane.doe@example dot com", "jane.doe@example dot com"),
    ];

    const DECOYS: &[&str] = &[
        "notjane.doe at example dot com",
        "jane.doe at example dot community",
        "jane.doe at example dot com dot evil dot net",
        "xjane.doe%40example.com",
        "jane.doe%40example.comx",
        "jane.doe at examplexcom",
        "jane.doe atexample dot com",
        "jane.doeat example dot com",
        "jane.doe%4example.com",
        "jane.doe&#65;example.com",
        "jane.doe (at example.com",
        "jane doe at example dot com",
        "meet jane.doe at example dotcom",
    ];

    /// The pieces the property tests build their inputs from: the forms of
    /// `@` and of a dot, words holding `at`, brackets, white space of every
    /// kind (non-ASCII included) and the parts of the subjects' addresses.
    const PIECES: &[&str] = &[
        "at", "AT", "aT", "At", "a", "t", "ta", "that", "data", "Atlanta", " at ", "(at)", "[at]",
        "{at}", "<at>", "(", ")", "[", "]", "{", "}", "<", ">", "%40", "%2540", "%25", "%4", "%",
        "=40", "=4", "=", "=2e", "=2E", "%2e", "&#64;", "&#x40;", "&#X40;", "&#064", "&#0064;",
        "&#", "&#46;", "&commat;", "&COMMAT;", "&period;", "&amp;", "@", " ", "  ", "\t", "\n",
        "\r\n", "\r", "\x0b", "\x0c", "\u{a0}", "\u{3000}", "\u{2003}", "é", "ë", "ä", "x", "jane",
        "doe", "Jane", "DOE", ".", "..", "dot", "DOT", "(dot)", "[dot]", " dot ", "example",
        "EXAMPLE", "exämple", "com", "de", "co", "uk", "-", "_", "+news", "zoë", "j_doe",
        "ex-ample", "mail ",
    ];

    /// Written forms of the subjects' addresses: a local part, a form of
    /// `@` and a domain, each in several spellings.
    fn address_piece() -> impl Strategy<Value = String> {
        let local = proptest::sample::select(
            &[
                "jane.doe",
                "Jane.Doe",
                "jane%2edoe",
                "jane dot doe",
                "jane (dot) doe",
                "j_doe+x",
                "zoë",
                "ZOË",
                "jane",
                "xjane.doe",
                "jane.doe+news",
                "jane&#46;doe",
            ][..],
        );
        let at = proptest::sample::select(
            &[
                "@",
                " @ ",
                "%40",
                "%2540",
                "=40",
                "&#64;",
                "&#x40;",
                "&#064",
                "&commat;",
                " at ",
                " AT ",
                "(at)",
                " [at] ",
                "{at}",
                "<at>",
                " <at>\u{a0}",
                "\u{3000}at\u{3000}",
                "\tat\r\n",
                "at",
                " (at ",
            ][..],
        );
        let domain = proptest::sample::select(
            &[
                "example.com",
                "EXAMPLE.COM",
                "example dot com",
                "example (dot) com",
                "example%2ecom",
                "example=2Ecom",
                "example&#46;com",
                "example&period;com",
                "ex-ample.co.uk",
                "exämple.de",
                "example.de",
                "example.community",
                "example.com.",
                "example dot com dot",
            ][..],
        );
        (local, at, domain).prop_map(|(l, a, d)| format!("{l}{a}{d}"))
    }

    /// Text made of [`PIECES`] and [`address_piece`]s.
    fn piece_text() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                6 => proptest::sample::select(PIECES).prop_map(str::to_owned),
                1 => address_piece(),
            ],
            0..48,
        )
        .prop_map(|v| v.concat())
    }

    /// Bytes made of [`PIECES`] and arbitrary bytes (raw mail).
    fn piece_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                6 => proptest::sample::select(PIECES).prop_map(|s| s.as_bytes().to_vec()),
                1 => address_piece().prop_map(String::into_bytes),
                1 => any::<u8>().prop_map(|b| vec![b]),
            ],
            0..48,
        )
        .prop_map(|v| v.concat())
    }

    /// Requests of every kind the address decoder tells apart: plain and
    /// hashed addresses, ASCII and non-ASCII domains, accents folded or not.
    static REQUESTS: LazyLock<Vec<Patterns>> = LazyLock::new(|| {
        let subject = |emails: &[&str], hashes: &[&str]| Subject {
            id: "A".into(),
            emails: emails.iter().map(|e| (*e).to_owned()).collect(),
            email_hashes: hashes.iter().map(|e| email_digest(e)).collect(),
            ..Subject::default()
        };
        let plain = ["jane.doe@example.com", "j_doe+x@ex-ample.co.uk"];
        let cases = [
            (subject(&plain, &[]), true),
            (subject(&plain, &[]), false),
            (subject(&[], &["jane.doe@example.com"]), true),
            (subject(&["zoë@exämple.de", "jane@example.de"], &[]), false),
            (subject(&["zoë@exämple.de"], &[]), true),
        ];
        cases
            .into_iter()
            .map(|(subject, accents)| {
                let mut request = ErasureRequest {
                    subjects: vec![subject],
                    ..ErasureRequest::default()
                };
                request.matching.accents = accents;
                Patterns::new(&request)
            })
            .collect()
    });

    /// What a search for forms of `@` calls with each.
    type FormVisit<'a> = dyn FnMut(Range<usize>) -> ControlFlow<()> + 'a;

    /// What a search for candidate windows calls with each.
    type WindowVisit<'a> = dyn FnMut(usize, usize) -> ControlFlow<()> + 'a;

    /// The forms `search` reports in `b`, stopping after `stop` of them.
    fn forms_of(
        search: fn(&[u8], Mode, &mut FormVisit<'_>),
        b: &[u8],
        mode: Mode,
        stop: usize,
    ) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        search(b, mode, &mut |r| {
            out.push(r);
            if out.len() >= stop {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        out
    }

    fn new_forms(b: &[u8], mode: Mode, f: &mut FormVisit<'_>) {
        at_forms(b, mode, f);
    }

    fn old_forms(b: &[u8], mode: Mode, f: &mut FormVisit<'_>) {
        reference::at_forms(b, mode, f);
    }

    /// The candidate windows of `raw_candidates`-like `search`.
    fn windows_of(
        search: fn(&Patterns, &[u8], &mut WindowVisit<'_>),
        p: &Patterns,
        b: &[u8],
    ) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        search(p, b, &mut |s, e| {
            out.push((s, e));
            ControlFlow::Continue(())
        });
        out
    }

    #[test]
    fn at_forms_at_every_position_and_length() {
        let filler = b"that data\xc2\xa0(x) a t ";
        for n in 0..=80 {
            for form in [
                "@",
                " at ",
                "(at)",
                "%40",
                "=40",
                "&#64;",
                "at",
                "\u{3000}At",
            ] {
                for pos in 0..=n {
                    let mut b: Vec<u8> = filler.iter().copied().cycle().take(n).collect();
                    b.truncate(pos);
                    b.extend_from_slice(form.as_bytes());
                    b.extend(filler.iter().copied().cycle().take(n - pos));
                    for mode in [Mode::Text, Mode::Raw] {
                        assert_eq!(
                            forms_of(new_forms, &b, mode, usize::MAX),
                            forms_of(old_forms, &b, mode, usize::MAX),
                            "{b:?} {mode:?}"
                        );
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2048))]

        #[test]
        fn at_forms_are_the_reference_ones(b in piece_bytes(), stop in 1usize..6) {
            for mode in [Mode::Text, Mode::Raw] {
                prop_assert_eq!(
                    forms_of(new_forms, &b, mode, usize::MAX),
                    forms_of(old_forms, &b, mode, usize::MAX),
                    "{:?}", mode
                );
                prop_assert_eq!(
                    forms_of(new_forms, &b, mode, stop),
                    forms_of(old_forms, &b, mode, stop),
                    "{:?}", mode
                );
            }
        }

        #[test]
        fn find_encoded_is_the_reference(text in piece_text()) {
            for (i, p) in REQUESTS.iter().enumerate() {
                let n = Normalized::of_str(&text, false, p.fold);
                let (mut new, mut old) = (Vec::new(), Vec::new());
                find_encoded(p, &n.text, &mut new);
                reference::find_encoded(p, &n.text, &mut old);
                prop_assert_eq!(new, old, "request {}", i);
            }
        }

        #[test]
        fn raw_rules_are_the_reference(b in piece_bytes()) {
            for (i, p) in REQUESTS.iter().enumerate() {
                prop_assert_eq!(
                    windows_of(|p, b, f| { let _ = raw_candidates(p, b, f); }, p, &b),
                    windows_of(|p, b, f| { let _ = reference::raw_candidates(p, b, f); }, p, &b),
                    "request {}", i
                );
                prop_assert_eq!(
                    substring_may_match(p, &b),
                    reference::substring_may_match(p, &b),
                    "request {}", i
                );
            }
        }
    }

    #[test]
    fn encoded_and_obfuscated_addresses() {
        for hashed in [false, true] {
            let p = patterns(hashed);
            for (text, want) in POSITIVE {
                assert_eq!(found(&p, text), [*want], "{text:?} hashed={hashed}");
            }
            for text in DECOYS {
                assert!(found(&p, text).is_empty(), "{text:?} hashed={hashed}");
            }
            // The plain form is found once, by the plain rule.
            assert_eq!(
                found(&p, "x jane.doe@example.com y"),
                ["jane.doe@example.com"]
            );
        }
    }

    #[test]
    fn spelt_forms_are_reported_as_spelt() {
        let p = patterns(false);
        let form_of = |text: &str| {
            let n = Normalized::of_str(text, false, true);
            let mut hits = Vec::new();
            find_encoded(&p, &n.text, &mut hits);
            hits.first().map(|h| h.form)
        };
        for text in [
            "mail jane.doe at example.com now",
            "mail jane.doe (at) example.com now",
            "mail jane.doe[AT]example.com now",
            "mail jane.doe@example dot com now",
        ] {
            assert_eq!(form_of(text), Some(Form::AddressSpelt), "{text:?}");
        }
        for text in [
            "mail jane.doe%40example.com now",
            "jane.doe&commat;example.com",
        ] {
            assert_eq!(form_of(text), Some(Form::AddressEncoded), "{text:?}");
        }
    }

    #[test]
    fn raw_rules_are_supersets() {
        let p = patterns(false);
        for (text, _) in POSITIVE {
            assert!(
                substring_may_match(&p, text.as_bytes()) || text.contains("@example.com"),
                "{text:?}"
            );
            let mut windows = Vec::new();
            let _ = raw_candidates(&p, text.as_bytes(), |s, e| {
                windows.push(s..e);
                ControlFlow::Continue(())
            });
            assert!(!windows.is_empty(), "{text:?}");
        }
        assert!(!substring_may_match(
            &p,
            b"meet me at home dot net or at work"
        ));
        assert!(substring_may_match(&p, b"x at example dot community"));
    }
}

#[cfg(test)]
mod cost {
    use crate::matcher::patterns::Patterns;
    use crate::request::{ErasureRequest, Subject};

    /// Build time with 10,000 subjects, each with an address and an
    /// international phone (run in release with `--ignored --nocapture`).
    #[test]
    #[ignore = "a measurement"]
    fn build_cost_of_10000_subjects() {
        let subjects = (0..10_000)
            .map(|i| Subject {
                id: format!("S{i}"),
                emails: vec![format!("person.{i}@example{}.com", i % 97)],
                phones: vec![format!("+4420{:08}", 70_000_000 + i)],
                ..Subject::default()
            })
            .collect();
        let request = ErasureRequest {
            subjects,
            ..ErasureRequest::default()
        };
        let t = std::time::Instant::now();
        let p = Patterns::new(&request);
        eprintln!(
            "10,000 subjects: {:?}, complete {}",
            t.elapsed(),
            p.is_complete()
        );
    }
}
