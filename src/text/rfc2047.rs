//! RFC 2047 encoded words (`=?charset?B|Q?text?=`): the one parser and the
//! one value decoder the matcher, the structural prefilter and the rewriter
//! share. A value is read as `Piece`s: raw text (a line of it, without
//! its line break) and runs of adjacent encoded words (joined across white
//! space and folds, their bytes joined per charset before decoding, so a
//! character split between two words is whole again). The matcher takes
//! the text (`decode_value`, and `other_readings` for a charset label that
//! may be wrong); the rewriter keeps the pieces' ranges to map its edits
//! back. The reasons for each reading are in `docs/matching.md`.

use std::borrow::Cow;
use std::ops::Range;

use super::codec::{Reading, encoding_of, read_as};
use super::{base64, qp};

/// One encoded word of a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word<'a> {
    /// The whole `=?…?=` in the value.
    pub(crate) range: Range<usize>,
    /// The charset label as written (an RFC 2231 `*language` included).
    pub(crate) charset: &'a [u8],
    /// `B` or `Q`, upper case.
    pub(crate) letter: u8,
    /// The encoded text between the third `?` and the closing `?=`.
    pub(crate) text: &'a [u8],
}

impl Word<'_> {
    /// The word's bytes, decoded leniently: never fails.
    pub(crate) fn decode_lenient(&self) -> Vec<u8> {
        if self.letter == b'B' {
            base64::decode_lenient(self.text)
        } else {
            qp::decode_q_lenient(self.text)
        }
    }

    /// The word's bytes, decoded strictly: `None` unless the text is
    /// canonical base64 or `Q` text of printable ASCII with upper-case
    /// escapes.
    pub(crate) fn decode_strict(&self) -> Option<Vec<u8>> {
        if self.letter == b'B' {
            base64::decode_strict(self.text)
        } else {
            qp::decode_q_strict(self.text)
        }
    }
}

/// Parses the encoded word starting at `at` (which holds `=?`): a charset
/// of anything but `?` and white space, `B` or `Q` (either case), a text
/// without white space up to the first `?=` (so it may hold a `?`, as
/// Python's `email.header` reads it).
pub(crate) fn parse_word(value: &[u8], at: usize) -> Option<Word<'_>> {
    let body = value.get(at..)?.strip_prefix(b"=?")?;
    let q1 = memchr::memchr(b'?', body)?;
    let charset = body.get(..q1)?;
    let letter = body.get(q1 + 1)?.to_ascii_uppercase();
    if charset.is_empty() || !matches!(letter, b'B' | b'Q') || body.get(q1 + 2) != Some(&b'?') {
        return None;
    }
    let text_start = q1 + 3;
    let text_len = memchr::memmem::find(body.get(text_start..)?, b"?=")?;
    let text = body.get(text_start..text_start + text_len)?;
    if charset.iter().chain(text).any(u8::is_ascii_whitespace) {
        return None;
    }
    Some(Word {
        range: at..at + 2 + text_start + text_len + 2,
        charset,
        letter,
        text,
    })
}

/// All encoded words of a value, in order.
pub(crate) fn words(value: &[u8]) -> Vec<Word<'_>> {
    let mut words = Vec::new();
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(value.get(i..).unwrap_or_default(), b"=?") {
        let at = i + p;
        match parse_word(value, at) {
            Some(word) => {
                i = word.range.end;
                words.push(word);
            }
            None => i = at + 1,
        }
    }
    words
}

/// A run of adjacent encoded words, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    /// From the first word's `=?` to the last one's `?=`.
    pub(crate) src: Range<usize>,
    /// The first word's encoding (`B` or `Q`).
    pub(crate) letter: u8,
    /// The decoded text.
    pub(crate) text: String,
    /// False when the text is not a faithful reading of the bytes (an
    /// unknown charset, or bytes malformed in it).
    pub(crate) exact: bool,
}

/// A piece of a decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Raw bytes of the value (not empty): one line of it, without its
    /// line break (unfolding as RFC 5322 does).
    Raw(Range<usize>),
    /// A run of adjacent encoded words.
    Encoded(Run),
}

/// Reads a raw header value as pieces: encoded words decoded leniently
/// (their bytes read as `reading` says), a run of them joined when only
/// white space (also a fold) lies between them, that white space dropped;
/// line breaks left out.
pub(crate) fn pieces(value: &[u8], reading: Reading) -> Vec<Piece> {
    let words = words(value);
    let mut out = Vec::new();
    let mut pos = 0;
    let mut rest = words.as_slice();
    while let Some(first) = rest.first() {
        let n = 1 + rest
            .windows(2)
            .take_while(|pair| {
                value
                    .get(pair[0].range.end..pair[1].range.start)
                    .is_some_and(|gap| gap.iter().all(u8::is_ascii_whitespace))
            })
            .count();
        let (run, tail) = rest.split_at(n);
        rest = tail;
        push_lines(&mut out, value, pos..first.range.start);
        let end = run.last().map_or(first.range.end, |w| w.range.end);
        let (text, exact) = run_text(run, reading);
        out.push(Piece::Encoded(Run {
            src: first.range.start..end,
            letter: first.letter,
            text,
            exact,
        }));
        pos = end;
    }
    push_lines(&mut out, value, pos..value.len());
    out
}

/// The text of a run: the bytes of adjacent words in one charset (its label
/// compared without case) are joined, then decoded as `reading` says.
fn run_text(run: &[Word<'_>], reading: Reading) -> (String, bool) {
    let mut text = String::new();
    let mut exact = true;
    let mut rest = run;
    while let Some(first) = rest.first() {
        let n = rest
            .iter()
            .take_while(|w| w.charset.eq_ignore_ascii_case(first.charset))
            .count();
        let (group, tail) = rest.split_at(n);
        rest = tail;
        let bytes: Vec<u8> = group.iter().flat_map(|w| w.decode_lenient()).collect();
        let (read, faithful) = read_as(first.charset, &bytes, reading);
        exact &= faithful;
        text.push_str(&read);
    }
    (text, exact)
}

/// Pushes the lines of `value[range]` without their line breaks.
fn push_lines(out: &mut Vec<Piece>, value: &[u8], range: Range<usize>) {
    let mut pos = range.start;
    for line in value
        .get(range)
        .unwrap_or_default()
        .split_inclusive(|&b| b == b'\n')
    {
        let content = trim_eol(line).len();
        if content > 0 {
            out.push(Piece::Raw(pos..pos + content));
        }
        pos += line.len();
    }
}

/// A line without its final LF and the CR before it.
fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Decodes a raw header value to text, as the matcher reads it: the
/// [`pieces`], raw bytes as UTF-8 or, if a line is not, windows-1252.
pub(crate) fn decode_value(value: &[u8]) -> String {
    decode_value_read(value, Reading::Declared)
}

/// The other readings of a raw header value a scan searches besides
/// [`decode_value`]'s, because a declared charset may be wrong (as for
/// bodies): the encoded words' bytes as UTF-8, and as windows-1252, each
/// where it differs from the declared reading `declared` (the caller's
/// [`decode_value`] of `value`). Empty for a value without encoded words,
/// and for one whose readings all agree.
pub(crate) fn other_readings(value: &[u8], declared: &str) -> Vec<String> {
    if memchr::memmem::find(value, b"=?").is_none() || words(value).iter().all(read_alike) {
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for reading in Reading::OTHERS {
        let text = decode_value_read(value, reading);
        if text != declared && !out.contains(&text) {
            out.push(text);
        }
    }
    out
}

/// True if every reading of `word` is its declared one: UTF-8 bytes under
/// a UTF-8 label, or ASCII bytes under an ASCII-compatible one.
fn read_alike(word: &Word<'_>) -> bool {
    let bytes = word.decode_lenient();
    match encoding_of(word.charset) {
        Some(e) if e == encoding_rs::UTF_8 => std::str::from_utf8(&bytes).is_ok(),
        Some(e) => e.is_ascii_compatible() && bytes.is_ascii(),
        None => false,
    }
}

/// [`decode_value`], the encoded words read as `reading` says.
fn decode_value_read(value: &[u8], reading: Reading) -> String {
    let mut out = String::with_capacity(value.len());
    for piece in pieces(value, reading) {
        match piece {
            Piece::Raw(r) => out.push_str(&decode_plain(value.get(r).unwrap_or_default())),
            Piece::Encoded(run) => out.push_str(&run.text),
        }
    }
    out
}

/// Raw header bytes as text: UTF-8, else windows-1252.
fn decode_plain(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words() {
        let w = parse_word(b"x =?utf-8*en?q?a?b?= y", 2).unwrap();
        assert_eq!(
            (w.charset, w.letter, w.text),
            (&b"utf-8*en"[..], b'Q', &b"a?b"[..])
        );
        assert_eq!(w.range, 2..20);
        for bad in [
            &b"=?"[..],
            b"=??q?a?=",
            b"=?utf-8?x?a?=",
            b"=?utf-8?q?a b?=",
            b"=?utf 8?q?a?=",
            b"=?utf-8?qq?a?=",
            b"=?utf-8?q?a?",
        ] {
            assert_eq!(parse_word(bad, 0), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(words(b"=?=?utf-8?q?x?= =?bad").len(), 1);
    }

    #[test]
    fn strict_words() {
        let word = |s: &'static [u8]| parse_word(s, 0).unwrap();
        assert_eq!(
            word(b"=?utf-8?B?SmFuZQ==?=").decode_strict().unwrap(),
            b"Jane"
        );
        assert_eq!(
            word(b"=?utf-8?Q?Jane_D=C3=B6e?=").decode_strict().unwrap(),
            "Jane Döe".as_bytes()
        );
        for bad in [
            &b"=?utf-8?B?SmFuZQ?="[..],
            b"=?utf-8?b?SmF*uZQ==?=",
            b"=?utf-8?q?caf=c3=a9?=",
            b"=?utf-8?q?a=+Fb?=",
            b"=?utf-8?q?a?b?=",
            b"=?utf-8?q?=4?=",
        ] {
            let w = word(bad);
            assert_eq!(w.decode_strict(), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn decodes_values() {
        let cases: &[(&[u8], &str)] = &[
            (b"=?UTF-8?B?SmFuZSBEb2U=?=", "Jane Doe"),
            (b"=?utf-8?q?Jane_Doe?=", "Jane Doe"),
            (b"Re: =?ISO-8859-1?Q?Jos=E9?= Garc\xeda", "Re: José García"),
            (b"=?UTF-8?Q?Jane_D?=\r\n =?UTF-8?Q?oe?=", "Jane Doe"),
            (b" Jane\r\n Doe\r\n", " Jane Doe"),
            (b"=?utf-8?q?Jane_D?=\x0c=?utf-8?q?oe?=", "Jane Doe"),
            (b"=?utf-8?q?a=+Fb?=", "a=+Fb"),
            (b"=?utf-8?b?SmFuZQ==IERvZQ==?=", "Jane Doe"),
            (b"a =?bogus?X?zz?= b", "a =?bogus?X?zz?= b"),
            (b"=?", "=?"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_value(raw), *want, "{}", String::from_utf8_lossy(raw));
        }
    }

    /// What Python 3's `email.header.decode_header` gives (its pieces
    /// joined, each in its charset).
    #[test]
    fn python_compatible() {
        let cases: &[(&[u8], &str)] = &[
            (b"=?utf-8?q?a=+Fb?=", "a=+Fb"),
            (b"=?utf-8?q?caf=c3=a9?=", "café"),
            (b"=?utf-8?q?a=ZZb=?=", "a=ZZb="),
            (b"=?utf-8?q?Jane_Doe?=", "Jane Doe"),
            (b"=?utf-8?q?a?b?=", "a?b"),
            (b"=?utf-8?b?SmFuZQ==?=", "Jane"),
            (b"=?utf-8?b?SmFuZQ?=", "Jane"),
            (b"=?utf-8?q?Jane_D?=\r\n =?utf-8?q?oe?=", "Jane Doe"),
            (b"=?utf-8?q?Jane?= Doe", "Jane Doe"),
            (b"x =?utf-8?q?a?= =?iso-8859-1?q?=E9?= y", "x a\u{e9} y"),
            (b"=?x-unknown?q?Jane?=", "Jane"),
            (b"=?utf-8?q?=4?=", "=4"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_value(raw), *want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn other_readings_of_mislabelled_words() {
        // UTF-8 bytes of "Zoë" labelled ISO-8859-2: read as UTF-8 too.
        let v = b"Re: =?ISO-8859-2?B?Wm/Dqw==?= x";
        assert_eq!(decode_value(v), "Re: Zo\u{102}\u{164} x");
        assert_eq!(
            other_readings(v, &decode_value(v)),
            ["Re: Zo\u{eb} x", "Re: Zo\u{c3}\u{ab} x"]
        );
        // windows-1252 bytes labelled UTF-8: read as windows-1252 too.
        let v = b"=?utf-8?q?Zo=EB?=";
        assert_eq!(other_readings(v, &decode_value(v)), ["Zo\u{eb}"]);
        // Readings that agree with the declared one are left out.
        assert!(
            other_readings(
                b"=?utf-8?q?Zo=C3=AB?=",
                &decode_value(b"=?utf-8?q?Zo=C3=AB?=")
            )
            .is_empty()
        );
        assert!(
            other_readings(
                b"=?iso-8859-1?q?plain?=",
                &decode_value(b"=?iso-8859-1?q?plain?=")
            )
            .is_empty()
        );
        assert!(other_readings(b"Zo\xc3\xab raw", &decode_value(b"Zo\xc3\xab raw")).is_empty());
        // An exact reading stays exact only where it is faithful.
        let as_utf8 = pieces(b"=?koi8-r?B?/w==?=", Reading::Utf8);
        assert!(matches!(&as_utf8[0], Piece::Encoded(r) if !r.exact));
    }

    proptest::proptest! {
        /// The shortcut of [`other_readings`] (every word read alike) leaves
        /// out only readings equal to the declared one.
        #[test]
        fn the_read_alike_shortcut_drops_no_reading(
            words in proptest::collection::vec(
                (0usize..7, proptest::collection::vec(proptest::num::u8::ANY, 0..6), proptest::bool::ANY),
                1..4,
            ),
        ) {
            const LABELS: [&str; 7] =
                ["utf-8", "UTF8", "iso-8859-1", "ISO-8859-2", "koi8-r", "utf-16", "x-unknown"];
            let mut value = Vec::new();
            for (label, bytes, q) in &words {
                let text = if *q {
                    bytes.iter().map(|b| format!("={b:02X}")).collect::<String>()
                } else {
                    ::base64::Engine::encode(&::base64::engine::general_purpose::STANDARD, bytes)
                };
                let letter = if *q { 'Q' } else { 'B' };
                value.extend_from_slice(format!(" =?{}?{letter}?{text}?=", LABELS[*label]).as_bytes());
            }
            let declared = decode_value(&value);
            let mut slow: Vec<String> = Vec::new();
            for reading in Reading::OTHERS {
                let text = decode_value_read(&value, reading);
                if text != declared && !slow.contains(&text) {
                    slow.push(text);
                }
            }
            proptest::prop_assert_eq!(other_readings(&value, &declared), slow);
        }
    }

    #[test]
    fn runs_keep_their_ranges_and_exactness() {
        let v = b" =?UTF-8?B?SmFu?=\r\n =?utf-8?q?e_D=C3=B6e?= x =?x-unknown?B?QQ==?= =?bad";
        let p = pieces(v, Reading::Declared);
        assert_eq!(p.len(), 5);
        assert!(
            matches!(&p[1], Piece::Encoded(r) if r.src == (1..42) && r.text == "Jane D\u{f6}e" && r.exact && r.letter == b'B')
        );
        assert!(matches!(&p[3], Piece::Encoded(r) if r.text == "A" && !r.exact));
        assert_eq!(p[4], Piece::Raw(65..71));
        assert_eq!(&v[65..71], b" =?bad");
    }
}
