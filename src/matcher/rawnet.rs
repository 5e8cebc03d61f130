//! The raw-byte safety net's own decodings, independent of any MIME parse:
//! every run of lines that looks like base64, every stretch that looks like
//! quoted-printable (`=XX` escapes in either case, `=` soft breaks) and
//! every uuencoded block (`begin NNN name` … `end`) is decoded leniently and
//! searched, and so is what that decodes to, level by level. A base64 run is
//! read twice when its lines do not keep the 4-character alignment (a line
//! with a character dropped or added, junk, a stray `=`): joined, as any
//! decoder reads it, and line by line, which recovers every later line.
//! Bounded: at most [`MAX_DEPTH`] levels and [`BUDGET_FACTOR`] times the
//! message's size decoded; past either the message cannot be searched
//! whole (fail closed). Depth first: only the decoded buffers on one path
//! down exist at once.

use std::cell::OnceCell;
use std::ops::Range;

use super::Decoding;
use super::nesting::MAX_DEPTH;
use crate::text::base64::decode_lenient as base64_lenient;
use crate::text::qp::{decode_lenient as qp_lenient, decode_strict as qp_strict};

/// Bytes the decodings may produce, as a multiple of the message's size.
/// Each level of base64 is 3/4 of the one above, so a message of encoded
/// levels decodes to at most 3 times its size once (6 when every run is
/// read twice); quoted-printable adds at most its own size.
pub(crate) const BUDGET_FACTOR: usize = 8;

/// Bytes the decodings may always produce, however small the message.
pub(crate) const MIN_BUDGET: usize = 1 << 16;

/// A run needs this many base64 characters to be decoded.
const MIN_RUN: usize = 16;

/// A run needs one line at least this long, or [`MIN_SHORT_LINES`] lines.
const MIN_LONGEST_LINE: usize = 12;

/// A run of short lines (base64 broken anywhere) needs this many of them.
const MIN_SHORT_LINES: usize = 3;

/// Bytes of a line [`base64_like`] counts before it may reject the line.
const BLOCK: usize = 32;

/// A body the MIME walk (or the structural prefilter) decoded without a
/// problem and searched: the safety net need not search it again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Clean {
    /// The encoded body, a range of the message.
    pub(crate) body: Range<usize>,
    /// Its decoded content is binary (see [`is_binary`]): not decoded
    /// again to look for encoded text inside.
    pub(crate) binary: bool,
}

/// True if `content` looks binary: a control byte other than tab, line
/// breaks and form feed in its first 64 KiB. Text inside binary data is
/// not decoded by the safety net (the walk searched the bytes as text).
pub(crate) fn is_binary(content: &[u8]) -> bool {
    content
        .get(..content.len().min(1 << 16))
        .unwrap_or_default()
        .iter()
        .any(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

/// The limits were reached: the message cannot be searched whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct OverBudget;

/// Decodes every encoded-looking run of `raw` (its classification shared,
/// see [`Classified`]) and of what they decode to, calling `visit`
/// on each decoded buffer to search. Base64 runs whose exact bytes are one
/// of the `clean` bodies (decoded and searched by the MIME walk, and
/// canonical, so every decoder reads them alike) and quoted-printable
/// stretches inside a `clean` body that decode strictly are not searched
/// again, only decoded further (not even that when the content is binary).
pub(crate) fn decode_all(
    raw: &Classified<'_>,
    clean: &[Clean],
    mut visit: impl FnMut(Decoding, &[u8]),
) -> Result<(), OverBudget> {
    let mut budget = raw.buf.len().saturating_mul(BUDGET_FACTOR).max(MIN_BUDGET);
    descend(raw, clean, 1, &mut budget, &mut visit)
}

/// A buffer the safety net reads, with its classification ([`Runs`])
/// made when first asked for and kept: the literal prefilter, the
/// structural one and the scan share one per message, and a message none
/// of them asks about (non-ASCII, its only text between binary bodies the
/// walk skips) is not classified whole. Ranges only, no copies.
#[derive(Debug)]
pub(crate) struct Classified<'a> {
    buf: &'a [u8],
    whole: OnceCell<Runs>,
}

impl<'a> Classified<'a> {
    /// `buf`, not classified yet.
    pub(crate) fn of(buf: &'a [u8]) -> Classified<'a> {
        Classified {
            buf,
            whole: OnceCell::new(),
        }
    }

    /// The buffer.
    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.buf
    }

    /// True if anything in the buffer looks encoded: [`decode_all`] would
    /// decode something (the literal prefilter must not skip the message).
    pub(crate) fn looks_encoded(&self) -> bool {
        !self.whole().is_empty()
    }

    /// The classification of the whole buffer, made on the first call.
    fn whole(&self) -> &Runs {
        self.whole.get_or_init(|| Runs::of(self.buf))
    }
}

/// What [`decode_all`] would decode in one buffer: its base64 runs,
/// quoted-printable stretches and uuencoded blocks (byte ranges of the
/// buffer, each list in order), found in one pass over its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Runs {
    base64: Vec<Range<usize>>,
    qp: Vec<Range<usize>>,
    uu: Vec<Range<usize>>,
}

impl Runs {
    /// Classifies the lines of `buf` in one pass: the line breaks are found
    /// with `memchr`, and the `=` bytes with one `memchr` per line that has
    /// one (to the next `=`, however far); a line is read further only as
    /// far as it may still be base64, quoted-printable or a uuencode
    /// delimiter.
    fn of(buf: &[u8]) -> Runs {
        let mut out = Runs {
            base64: Vec::new(),
            qp: Vec::new(),
            uu: Vec::new(),
        };
        let mut run = Base64Run::default();
        // The previous line was quoted-printable: its stretch takes this one.
        let mut qp_open = false;
        let mut uu_start = None;
        let mut line = |pos: usize, end: usize, has_eq: bool| {
            let text = buf.get(pos..end).unwrap_or_default().trim_ascii_end();
            run.line(pos, text.trim_ascii_start(), &mut out.base64);
            if qp_open && let Some(last) = out.qp.last_mut() {
                last.end = last.end.max(end);
            }
            qp_open = has_eq && is_qp_line(text);
            if qp_open {
                match out.qp.last_mut() {
                    Some(last) if last.end >= pos => last.end = last.end.max(end),
                    _ => out.qp.push(pos..end),
                }
            }
            match uu_start {
                None if is_uu_begin(text) => uu_start = Some(end),
                Some(s) if text == b"end" => {
                    out.uu.push(s..pos);
                    uu_start = None;
                }
                _ => {}
            }
        };
        // The first `=` at or after `from` (the buffer's length if none).
        let eq_from = |from: usize| {
            buf.get(from..)
                .and_then(|rest| memchr::memchr(b'=', rest))
                .map_or(buf.len(), |i| from + i)
        };
        let mut pos = 0;
        let mut next_eq = eq_from(0);
        for i in memchr::memchr_iter(b'\n', buf) {
            let end = i + 1;
            let has_eq = next_eq < end;
            if has_eq {
                next_eq = eq_from(end);
            }
            line(pos, end, has_eq);
            pos = end;
        }
        if pos < buf.len() {
            line(pos, buf.len(), next_eq < buf.len());
        }
        run.close(buf.len(), &mut out.base64);
        if let Some(s) = uu_start {
            out.uu.push(s..buf.len());
        }
        out
    }

    /// True if nothing in the buffer looks encoded.
    fn is_empty(&self) -> bool {
        self.base64.is_empty() && self.qp.is_empty() && self.uu.is_empty()
    }
}

/// The base64 run being read line by line: where it starts, and its
/// alphabet characters, longest line and lines so far.
#[derive(Default)]
struct Base64Run {
    start: Option<usize>,
    chars: usize,
    longest: usize,
    lines: usize,
}

impl Base64Run {
    /// Takes the line at `pos` (trimmed): it continues the run or ends it.
    fn line(&mut self, pos: usize, text: &[u8], runs: &mut Vec<Range<usize>>) {
        if let Some(alphabet) = base64_like(text) {
            self.start.get_or_insert(pos);
            self.chars += alphabet;
            self.longest = self.longest.max(text.len());
            self.lines += 1;
        } else {
            self.close(pos, runs);
        }
    }

    /// Ends the run at `end`: kept if it has enough base64 in it.
    fn close(&mut self, end: usize, runs: &mut Vec<Range<usize>>) {
        if let Some(s) = self.start.take()
            && self.chars >= MIN_RUN
            && (self.longest >= MIN_LONGEST_LINE || self.lines >= MIN_SHORT_LINES)
        {
            runs.push(s..end);
        }
        *self = Base64Run::default();
    }
}

/// The decodings of the buffer `found` (at `level`), one at a time: each is visited and descended into before the next is made, so
/// only the buffers on one path down exist at once (memory: the message's
/// size, not the budget). The recursion stops at [`MAX_DEPTH`] levels.
fn descend(
    found: &Classified<'_>,
    clean: &[Clean],
    level: usize,
    budget: &mut usize,
    visit: &mut dyn FnMut(Decoding, &[u8]),
) -> Result<(), OverBudget> {
    let buf = found.buf;
    // A decoding is searched (`visit`) unless the MIME walk searched the same
    // bytes already (`seen`); either way what it holds is decoded further.
    let mut each = |decoded: Vec<u8>, seen: bool, how: Decoding| {
        if decoded.is_empty() {
            return Ok(());
        }
        if level > MAX_DEPTH {
            return Err(OverBudget);
        }
        *budget = budget.checked_sub(decoded.len()).ok_or(OverBudget)?;
        if !seen {
            visit(how, &decoded);
        }
        descend(&Classified::of(&decoded), &[], level + 1, budget, visit)
    };
    for segment in outside_binary_bodies(buf, clean) {
        let Some(part) = buf.get(segment.clone()) else {
            continue;
        };
        // The whole buffer's classification is shared; a part between
        // skipped bodies is classified on its own, as its own lines.
        let own;
        let lines = if segment == (0..buf.len()) {
            found.whole()
        } else {
            own = Runs::of(part);
            &own
        };
        let at = |r: &Range<usize>| r.start + segment.start..r.end + segment.start;
        for run in lines.base64.iter().map(at) {
            let bytes = buf.get(run.clone()).unwrap_or_default();
            let aligned = is_aligned(bytes);
            let seen = clean
                .iter()
                .find(|c| aligned && is_whole_body(buf, &c.body, &run));
            match seen {
                Some(c) if c.binary => {}
                Some(_) => each(base64_joined(bytes), true, Decoding::RawBase64)?,
                None => each(base64_joined(bytes), false, Decoding::RawBase64)?,
            }
            if !aligned {
                each(base64_by_lines(bytes), false, Decoding::RawBase64Lines)?;
            }
        }
        for stretch in lines.qp.iter().map(at) {
            let bytes = buf.get(stretch.clone()).unwrap_or_default();
            let inside = clean
                .iter()
                .find(|c| c.body.start <= stretch.start && stretch.end <= c.body.end);
            // Decoded strictly only inside a clean body (else unused).
            match inside.and_then(|c| Some((c, qp_strict(bytes)?))) {
                Some((c, _)) if c.binary => {}
                Some((_, strict)) => each(strict, true, Decoding::RawQuotedPrintable)?,
                None => each(quoted_printable(bytes), false, Decoding::RawQuotedPrintable)?,
            }
        }
        for block in lines.uu.iter().map(at) {
            each(
                uudecode(buf.get(block).unwrap_or_default()),
                false,
                Decoding::Uuencode,
            )?;
        }
    }
    Ok(())
}

/// The ranges of `buf` outside the binary `clean` bodies whose lines are
/// regular base64: those were decoded and searched by the walk, and hold
/// nothing else the safety net would decode, so their lines are not even
/// looked at.
fn outside_binary_bodies(buf: &[u8], clean: &[Clean]) -> Vec<Range<usize>> {
    let mut skipped: Vec<&Range<usize>> = clean
        .iter()
        .filter(|c| c.binary && buf.get(c.body.clone()).is_some_and(is_aligned))
        .map(|c| &c.body)
        .collect();
    skipped.sort_by_key(|r| r.start);
    let mut out = Vec::new();
    let mut pos = 0;
    for r in skipped {
        if r.start >= pos {
            out.push(pos..r.start);
            pos = r.end;
        }
    }
    out.push(pos..buf.len());
    out
}

/// True if `run` is the whole of the body `body` (up to white space).
fn is_whole_body(buf: &[u8], body: &Range<usize>, run: &Range<usize>) -> bool {
    let Some(bytes) = buf.get(body.clone()) else {
        return false;
    };
    let lead = bytes.len() - bytes.trim_ascii_start().len();
    let trail = bytes.len() - bytes.trim_ascii_end().len();
    let run_bytes = buf.get(run.clone()).unwrap_or_default();
    body.start + lead == run.start
        && run
            .end
            .saturating_sub(run_bytes.len() - run_bytes.trim_ascii_end().len())
            == body.end - trail
}

/// What a line is made of: bytes of the base64 alphabet, `=` bytes, and
/// whether it has a blank or a non-ASCII byte. One pass without branches,
/// so that long lines are counted with vector instructions.
fn line_counts(line: &[u8]) -> (usize, usize, bool) {
    let (mut alphabet, mut padding, mut other) = (0usize, 0usize, false);
    for &b in line {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        alphabet += usize::from(letter | digit | (b == b'+') | (b == b'/'));
        padding += usize::from(b == b'=');
        other |= (b == b' ') | (b == b'\t') | (b >= 0x80);
    }
    (alphabet, padding, other)
}

/// [`line_counts`] of a block of [`BLOCK`] bytes, with byte-wide counters:
/// a few vector instructions.
fn block_counts(block: &[u8; BLOCK]) -> (usize, usize, bool) {
    let (mut alphabet, mut padding, mut other) = (0u8, 0u8, false);
    for &b in block {
        let letter = (b | 0x20).wrapping_sub(b'a') < 26;
        let digit = b.wrapping_sub(b'0') < 10;
        alphabet += u8::from(letter | digit | (b == b'+') | (b == b'/'));
        padding += u8::from(b == b'=');
        other |= (b == b' ') | (b == b'\t') | (b >= 0x80);
    }
    (usize::from(alphabet), usize::from(padding), other)
}

/// The base64 alphabet bytes of a line that may be part of a base64 run
/// (ASCII, no blank inside, at least three quarters of it the alphabet or
/// `=`, not starting with `--`), or `None`. Counted in blocks of
/// [`BLOCK`] bytes: prose is rejected in its first block (a blank, or too
/// much outside the alphabet).
fn base64_like(line: &[u8]) -> Option<usize> {
    if line.is_empty() || line.starts_with(b"--") {
        // A MIME delimiter (base64 has no `-`): never part of a run.
        return None;
    }
    // At most a quarter of the line may be outside the alphabet and `=`.
    let mut outside_left = line.len() / 4;
    let mut alphabet = 0;
    let mut take = |len: usize, (letters, padding, other): (usize, usize, bool)| {
        let outside = len - letters - padding;
        if other || outside > outside_left {
            return None;
        }
        outside_left -= outside;
        alphabet += letters;
        Some(())
    };
    let (blocks, rest) = line.as_chunks::<BLOCK>();
    for block in blocks {
        take(BLOCK, block_counts(block))?;
    }
    take(rest.len(), line_counts(rest))?;
    Some(alphabet)
}

/// True if the whole line is the base64 alphabet.
fn is_all_alphabet(line: &[u8]) -> bool {
    line_counts(line).0 == line.len()
}

/// True if every line of the run but the last is a whole number of
/// 4-character groups of the alphabet, and `=` stands only at the end of
/// the last: the joined and the line-by-line readings are then the same.
fn is_aligned(run: &[u8]) -> bool {
    let mut last: Option<&[u8]> = None;
    for line in run.split(|&b| b == b'\n') {
        let line = line.trim_ascii();
        if line.is_empty() {
            continue;
        }
        if let Some(before) = last
            && !(before.len().is_multiple_of(4) && is_all_alphabet(before))
        {
            return false;
        }
        last = Some(line);
    }
    let Some(last) = last else {
        return true;
    };
    let padding = last.iter().rev().take_while(|&&b| b == b'=').count();
    padding <= 2 && last.len().is_multiple_of(4) && is_all_alphabet(&last[..last.len() - padding])
}

/// A base64 run decoded as one stream (junk skipped, see
/// `text::base64::decode_lenient`).
pub(crate) fn base64_joined(run: &[u8]) -> Vec<u8> {
    base64_lenient(run)
}

/// A base64 run decoded line by line and joined: a line that lost or
/// gained a character garbles only itself.
pub(crate) fn base64_by_lines(run: &[u8]) -> Vec<u8> {
    run.split(|&b| b == b'\n')
        .flat_map(base64_lenient)
        .collect()
}

/// True if the line is printable ASCII (quoted-printable is; binary data
/// that happens to hold `=` and two hex digits is not) and holds an `=XX`
/// escape (hex in either case) or ends, before trailing blanks, with a soft
/// break `=`. The printable test reads the whole line without branches.
fn is_qp_line(line: &[u8]) -> bool {
    let printable = line.iter().fold(true, |ok, &b| {
        ok & ((b' '..=b'~').contains(&b) | (b == b'\t'))
    });
    if !printable {
        return false;
    }
    let trimmed = line.trim_ascii_end();
    if trimmed.ends_with(b"=") && !trimmed.ends_with(b"==") {
        return true;
    }
    memchr::memchr_iter(b'=', line).any(|i| {
        line.get(i + 1..i + 3)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
    })
}

/// A quoted-printable stretch decoded leniently.
pub(crate) fn quoted_printable(stretch: &[u8]) -> Vec<u8> {
    qp_lenient(stretch)
}

/// `begin` then an octal mode then a name.
fn is_uu_begin(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"begin ") else {
        return false;
    };
    let mode = rest
        .iter()
        .take_while(|b| (b'0'..=b'7').contains(b))
        .count();
    (3..=4).contains(&mode) && rest.get(mode) == Some(&b' ')
}

/// Uuencoded lines decoded: each line's first character gives its length,
/// every four characters after it three bytes.
pub(crate) fn uudecode(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len() / 4 * 3);
    for line in block.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Some((&len, rest)) = line.split_first() else {
            continue;
        };
        let value = |b: u8| u32::from(b.wrapping_sub(b' ') & 63);
        let n = usize::from(len.wrapping_sub(b' ') & 63);
        let start = out.len();
        for group in rest.chunks(4) {
            let v = (0..4).fold(0, |acc, i| {
                (acc << 6) | group.get(i).map_or(0, |&b| value(b))
            });
            out.extend_from_slice(&[(v >> 16) as u8, (v >> 8) as u8, v as u8]);
        }
        out.truncate(start + n.min(out.len() - start));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use proptest::prelude::*;

    /// The classification as it was before [`Classified`]: three passes,
    /// every line counted whole. The reference of the property tests.
    mod reference {
        use super::super::{MIN_LONGEST_LINE, MIN_RUN, MIN_SHORT_LINES, is_uu_begin, line_counts};
        use std::ops::Range;

        /// True if the line is printable ASCII (quoted-printable is; binary data
        /// that happens to hold `=` and two hex digits is not) and holds an `=XX`
        /// escape (hex in either case) or ends, before trailing blanks, with a soft
        /// break `=`.
        fn is_qp_line(line: &[u8]) -> bool {
            if memchr::memchr(b'=', line).is_none()
                || !line
                    .iter()
                    .all(|&b| (b' '..=b'~').contains(&b) || b == b'\t')
            {
                return false;
            }
            let trimmed = line.trim_ascii_end();
            if trimmed.ends_with(b"=") && !trimmed.ends_with(b"==") {
                return true;
            }
            memchr::memchr_iter(b'=', line).any(|i| {
                line.get(i + 1..i + 3)
                    .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
            })
        }

        /// The base64 alphabet bytes of a line that may be part of a base64 run
        /// (ASCII, no blank inside, at least three quarters of it the alphabet or
        /// `=`, not starting with `--`), or `None`.
        fn base64_like(line: &[u8]) -> Option<usize> {
            if line.starts_with(b"--") {
                // A MIME delimiter (base64 has no `-`): never part of a run.
                return None;
            }
            let (alphabet, padding, other) = line_counts(line);
            (!line.is_empty() && !other && (alphabet + padding) * 4 >= line.len() * 3)
                .then_some(alphabet)
        }

        /// The line starting at `pos` of `buf`: its end (after the line break) and
        /// its text without trailing white space.
        fn line_at(buf: &[u8], pos: usize) -> (usize, &[u8]) {
            let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i + 1);
            (end, buf[pos..end].trim_ascii_end())
        }

        /// The runs of base64-like lines of `buf` with enough base64 in them, as
        /// byte ranges (whole lines, line breaks included).
        pub(super) fn base64_runs(buf: &[u8]) -> Vec<Range<usize>> {
            let mut runs = Vec::new();
            let mut pos = 0;
            let mut start = None;
            let (mut chars, mut longest, mut lines) = (0, 0, 0);
            let mut close = |start: &mut Option<usize>, end: usize, counts: [&mut usize; 3]| {
                let [chars, longest, lines] = counts;
                if let Some(s) = start.take()
                    && *chars >= MIN_RUN
                    && (*longest >= MIN_LONGEST_LINE || *lines >= MIN_SHORT_LINES)
                {
                    runs.push(s..end);
                }
                (*chars, *longest, *lines) = (0, 0, 0);
            };
            while pos < buf.len() {
                let (end, line) = line_at(buf, pos);
                let line = line.trim_ascii_start();
                if let Some(alphabet) = base64_like(line) {
                    start.get_or_insert(pos);
                    chars += alphabet;
                    longest = longest.max(line.len());
                    lines += 1;
                } else {
                    close(&mut start, pos, [&mut chars, &mut longest, &mut lines]);
                }
                pos = end;
            }
            close(
                &mut start,
                buf.len(),
                [&mut chars, &mut longest, &mut lines],
            );
            runs
        }

        /// The stretches of `buf` that look quoted-printable: runs of lines with an
        /// escape or a soft break, each with the line after it (the one a soft
        /// break joins).
        pub(super) fn qp_stretches(buf: &[u8]) -> Vec<Range<usize>> {
            let mut out: Vec<Range<usize>> = Vec::new();
            let mut pos = 0;
            while pos < buf.len() {
                let (end, line) = line_at(buf, pos);
                if is_qp_line(line) {
                    let next = if end < buf.len() {
                        line_at(buf, end).0
                    } else {
                        end
                    };
                    match out.last_mut() {
                        Some(last) if last.end >= pos => last.end = last.end.max(next),
                        _ => out.push(pos..next),
                    }
                }
                pos = end;
            }
            out
        }

        /// The uuencoded blocks of `buf`: the lines after a `begin NNN name` line,
        /// up to an `end` line or the end of `buf`.
        pub(super) fn uu_blocks(buf: &[u8]) -> Vec<Range<usize>> {
            let mut out = Vec::new();
            let mut pos = 0;
            let mut start = None;
            while pos < buf.len() {
                let (end, line) = line_at(buf, pos);
                match start {
                    None if is_uu_begin(line) => start = Some(end),
                    Some(s) if line == b"end" => {
                        out.push(s..pos);
                        start = None;
                    }
                    _ => {}
                }
                pos = end;
            }
            if let Some(s) = start {
                out.push(s..buf.len());
            }
            out
        }
    }

    fn b64(data: &[u8], width: usize) -> Vec<u8> {
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        let mut out = Vec::new();
        for chunk in text.as_bytes().chunks(width) {
            out.extend_from_slice(chunk);
            out.extend_from_slice(b"\r\n");
        }
        out
    }

    fn all(raw: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        decode_all(&Classified::of(raw), &[], |_, b| out.push(b.to_vec())).expect("within budget");
        out
    }

    fn found(raw: &[u8], needle: &[u8]) -> bool {
        all(raw)
            .iter()
            .any(|b| memchr::memmem::find(b, needle).is_some())
    }

    const TEXT: &[u8] = b"line one of many, line two of many, line three of many; \
        then Jane Doe <jane.doe@example.com> and the rest of the text to the end.";

    #[test]
    fn base64_anywhere_is_decoded() {
        let body = [
            b"Some prose first.\r\n\r\n".to_vec(),
            b64(TEXT, 76),
            b"bye\r\n".to_vec(),
        ]
        .concat();
        assert!(found(&body, b"jane.doe@example.com"));
        assert_eq!(Runs::of(&body).base64.len(), 1);
    }

    #[test]
    fn a_short_line_is_recovered_line_by_line() {
        let mut body = b64(TEXT, 76);
        body.remove(10);
        assert!(!is_aligned(&body));
        assert!(memchr::memmem::find(&base64_joined(&body), b"jane.doe").is_none());
        assert!(memchr::memmem::find(&base64_by_lines(&body), b"jane.doe").is_some());
        assert!(found(&body, b"jane.doe@example.com"));
    }

    #[test]
    fn breaks_anywhere_and_junk_are_joined() {
        let mut body = b64(TEXT, 7);
        body.insert(3, b'!');
        assert!(found(&body, b"jane.doe@example.com"));
    }

    #[test]
    fn quoted_printable_stretches_are_decoded() {
        let body = b"hello\r\nwrite to jane.doe=40example.com or Jane =\t\r\nDoe\r\nbye\r\n";
        assert_eq!(Runs::of(body).qp.len(), 1);
        assert!(found(body, b"jane.doe@example.com"));
        assert!(found(body, b"Jane Doe"));
        assert!(found(b"=4aane Doe", b"Jane Doe"));
    }

    #[test]
    fn uuencode_is_decoded() {
        let body = b"begin 644 a.txt\n(2F%N92!$;V4`\n`\nend\n";
        assert_eq!(all(body), [b"Jane Doe".to_vec()]);
    }

    #[test]
    fn levels_are_decoded_within_the_limits() {
        let mut m = TEXT.to_vec();
        for _ in 0..3 {
            m = b64(&m, 76);
        }
        assert!(found(&m, b"jane.doe@example.com"));
        let mut deep = TEXT.to_vec();
        for _ in 0..MAX_DEPTH + 2 {
            deep = b64(&deep, 76);
        }
        assert_eq!(
            decode_all(&Classified::of(&deep), &[], |_, _| {}),
            Err(OverBudget)
        );
    }

    #[test]
    fn clean_bodies_are_not_searched_again() {
        let body = b64(TEXT, 76);
        let mut n = 0;
        let clean = |body: &[u8], binary| Clean {
            body: 0..body.len(),
            binary,
        };
        decode_all(&Classified::of(&body), &[clean(&body, false)], |_, _| {
            n += 1
        })
        .expect("within budget");
        assert_eq!(n, 0);
        let mut broken = body.clone();
        broken.remove(5);
        decode_all(&Classified::of(&broken), &[clean(&broken, true)], |_, _| {
            n += 1
        })
        .expect("within budget");
        assert!(n > 0);
    }

    #[test]
    fn binary_data_is_not_read_as_encoded() {
        let binary: Vec<u8> = (0..200_000u32)
            .map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0))
            .collect();
        assert!(!Classified::of(&binary).looks_encoded());
        let mut sizes = Vec::new();
        decode_all(&Classified::of(&b64(&binary, 76)), &[], |_, b| {
            sizes.push(b.len())
        })
        .expect("within budget");
        // The body, then only what its padded last line reads as (a soft
        // break in quoted-printable): the binary is not decoded further.
        assert_eq!(sizes.first(), Some(&binary.len()));
        assert!(sizes[1..].iter().sum::<usize>() < 200, "{sizes:?}");
    }

    #[test]
    fn prose_is_not_base64() {
        let prose = b"Hello Jane,\r\nthe figures are attached.\r\nRegards\r\n";
        assert!(!Classified::of(prose).looks_encoded());
    }

    /// Lines of every kind the classification tells apart, and near misses.
    const LINES: &[&[u8]] = &[
        b"Hello Jane, the figures are attached.",
        b"Regards",
        b"http://www.example.com/a/b/c/d/e/f.html",
        b"",
        b"   ",
        b"\t",
        b"\x0c",
        b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=",
        b"QUJD==",
        b"QUI=",
        b"QUJDREVGR0hJSktM",
        b"   QUJDREVGR0hJSktMTU5PUFFSU1RV",
        b"QUJD REVGR0hJSktMTU5PUFFSU1RV",
        b"QUJDREVGR0hJ\rSktMTU5PUFFSU1RV",
        b"QUJDREVGR0hJSktM\xc3\xa9TU5PUFFSU1RV",
        b"QUJD!!REVGR0hJSktMTU5PUFFSU1RVVldYWVo",
        b"QUJD!!!!!!!!!!!!REVGR0hJSktMTU5PUFFSU1RVVldYWVo",
        b"write to jane.doe=40example.com",
        b"a soft break =",
        b"a soft break =\t",
        b"=3D=3d=20",
        b"padding only ==",
        b"=4aane Doe",
        b"=zz not an escape",
        b"= 20",
        b"=",
        b"=\x01=41",
        b"caf=C3=A9 Z=C3=B6e",
        b"begin 644 a.txt",
        b"begin 0644 name with blanks",
        b"begin 64 short.txt",
        b"begin 644",
        b"begin 6448 x",
        b"end",
        b" end",
        b"end ",
        b"(2F%N92!$;V4`",
        b"`",
        b"--boundary",
        b"--boundary--",
        b"--QUJDREVGR0hJSktMTU5PUFFSU1RV",
        b"Content-Transfer-Encoding: base64",
        b"Zo\xc3\xab M\xc3\xbcller",
        b"\xff\xfe\x00\x01",
    ];

    /// Line breaks, and none (two pieces then make one line).
    const BREAKS: &[&[u8]] = &[b"\n", b"\r\n", b"", b" \n", b"\t\r\n", b"\r", b"\n\n"];

    /// Base64 of `data` in lines of `width`, with LF or CRLF, optionally
    /// broken: a character dropped, or junk or `=` put in.
    fn base64_piece() -> impl Strategy<Value = Vec<u8>> {
        (
            proptest::collection::vec(any::<u8>(), 0..120),
            1usize..90,
            any::<bool>(),
            any::<proptest::sample::Index>(),
            0..5u8,
        )
            .prop_map(|(data, width, lf, at, how)| {
                let mut v = b64(&data, width);
                if lf {
                    v.retain(|&b| b != b'\r');
                }
                if !v.is_empty() {
                    let i = at.index(v.len());
                    match how {
                        0 => {
                            v.remove(i);
                        }
                        1 => v.insert(i, b'!'),
                        2 => v.insert(i, b'='),
                        _ => {}
                    }
                }
                v
            })
    }

    fn piece() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            6 => (
                proptest::sample::select(LINES),
                proptest::sample::select(BREAKS),
            )
                .prop_map(|(line, end)| [line, end].concat()),
            2 => base64_piece(),
            1 => proptest::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    Just(b'='),
                    Just(b'\n'),
                    Just(b'A'),
                    Just(b' '),
                    Just(b'-'),
                ],
                0..40,
            ),
        ]
    }

    fn assert_same(buf: &[u8]) -> Result<(), TestCaseError> {
        let new = Runs::of(buf);
        prop_assert_eq!(&new.base64, &reference::base64_runs(buf));
        prop_assert_eq!(&new.qp, &reference::qp_stretches(buf));
        prop_assert_eq!(&new.uu, &reference::uu_blocks(buf));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]
        #[test]
        fn one_pass_is_the_three_passes(
            pieces in proptest::collection::vec(piece(), 0..24),
            cut in any::<(proptest::sample::Index, proptest::sample::Index)>(),
        ) {
            let buf = pieces.concat();
            assert_same(&buf)?;
            // The parts between skipped bodies are classified on their own.
            let (a, b) = (cut.0.index(buf.len() + 1), cut.1.index(buf.len() + 1));
            assert_same(&buf[a.min(b)..a.max(b)])?;
        }
    }

    proptest! {
        #[test]
        fn one_pass_is_the_three_passes_on_any_bytes(
            buf in proptest::collection::vec(
                prop_oneof![any::<u8>(), Just(b'='), Just(b'\n'), Just(b'A'), Just(b' ')],
                0..400,
            ),
        ) {
            assert_same(&buf)?;
        }
    }
}
