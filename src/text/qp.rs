//! Quoted-printable, the one decoder for bodies (RFC 2045), RFC 2047 `Q`
//! words and the `%XX` escapes of RFC 2231 values, in two modes: lenient
//! for finding (an escape that is not one stays as it is written, as in
//! Python's `quopri` and `email.header`) and strict for proofs (`None` on
//! anything irregular). Whenever the strict mode decodes, the lenient mode
//! gives the same bytes. Encoding is `super::codec::qp_encode`.

/// The value of one hex digit, either case.
fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

/// The value of one upper-case hex digit (the only form RFC 2045 allows).
fn upper_hex_value(b: u8) -> Option<u8> {
    hex_value(b).filter(|_| !b.is_ascii_lowercase())
}

/// Replaces `<esc>XX` (two hex digits, either case) by the byte; an `esc`
/// not followed by two hex digits (`=+F`, `=Z9`, a final `=`) is kept as it
/// is. `_` becomes a space when `underscore` (RFC 2047 `Q`).
fn unescape_lenient(text: &[u8], esc: u8, underscore: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        let hex = |j: usize| text.get(j).copied().and_then(hex_value);
        match (hex(i + 1), hex(i + 2)) {
            (Some(h), Some(l)) if b == esc => {
                out.push(h << 4 | l);
                i += 3;
            }
            _ => {
                out.push(if underscore && b == b'_' { b' ' } else { b });
                i += 1;
            }
        }
    }
    out
}

/// [`unescape_lenient`], strictly: `None` unless every `esc` starts two
/// upper-case hex digits.
fn unescape_strict(text: &[u8], esc: u8, underscore: bool) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while let Some(&b) = text.get(i) {
        if b == esc {
            let hex = |j: usize| text.get(j).copied().and_then(upper_hex_value);
            out.push(hex(i + 1)? << 4 | hex(i + 2)?);
            i += 3;
        } else {
            out.push(if underscore && b == b'_' { b' ' } else { b });
            i += 1;
        }
    }
    Some(out)
}

/// Decodes the text of a `Q` encoded word leniently: `_` is a space,
/// `=XX` (either case) a byte, any other `=` itself (Python's
/// `email.header.decode_header`).
pub(crate) fn decode_q_lenient(text: &[u8]) -> Vec<u8> {
    unescape_lenient(text, b'=', true)
}

/// Decodes the text of a `Q` encoded word strictly: printable ASCII other
/// than `?`, every `=` before two upper-case hex digits.
pub(crate) fn decode_q_strict(text: &[u8]) -> Option<Vec<u8>> {
    if !text.iter().all(|&b| b.is_ascii_graphic() && b != b'?') {
        return None;
    }
    unescape_strict(text, b'=', true)
}

/// Decodes the `%XX` escapes of an RFC 2231 value leniently (a `%` before
/// anything but two hex digits is kept).
pub(crate) fn decode_percent_lenient(text: &[u8]) -> Vec<u8> {
    unescape_lenient(text, b'%', false)
}

/// Decodes the `%XX` escapes of an RFC 2231 value strictly (upper-case
/// hex only).
pub(crate) fn decode_percent_strict(text: &[u8]) -> Option<Vec<u8>> {
    unescape_strict(text, b'%', false)
}

/// Decodes a quoted-printable body leniently: soft line breaks (also with
/// white space after the `=`) are removed, `=XX` decoded (either case), a
/// stray `=` kept, a final `=` dropped, white space at the end of a line
/// dropped; hard line breaks kept as they are. This is Python's
/// `quopri.decodestring`.
pub(crate) fn decode_lenient(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    // Start in `out` of the trailing literal white space of the line.
    let mut ws_start: Option<usize> = None;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'=' => {
                let Some(next) = lenient_escape(bytes, i, &mut out) else {
                    break;
                };
                i = next;
                ws_start = None;
            }
            b'\r' | b'\n' if eol_len(bytes.get(i..).unwrap_or_default()).is_some() => {
                let n = eol_len(bytes.get(i..).unwrap_or_default()).unwrap_or(1);
                end_line(
                    &mut out,
                    &mut ws_start,
                    bytes.get(i..i + n).unwrap_or_default(),
                );
                i += n;
            }
            _ => {
                push_literal(&mut out, &mut ws_start, b);
                i += 1;
            }
        }
    }
    out
}

/// Reads the `=` at `i` of a body leniently into `out`: a soft line break
/// (skipped), an escape (its byte) or a stray `=` (kept). The offset after
/// it; `None` when nothing but white space follows (the end of the body).
#[inline]
fn lenient_escape(bytes: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
    let rest = bytes.get(i + 1..).unwrap_or_default();
    let ws = rest
        .iter()
        .take_while(|&&c| c == b' ' || c == b'\t')
        .count();
    let after = rest.get(ws..).unwrap_or_default();
    if let Some(eol) = eol_len(after) {
        return Some(i + 1 + ws + eol);
    }
    if after.is_empty() {
        return None;
    }
    match (
        rest.first().copied().and_then(hex_value),
        rest.get(1).copied().and_then(hex_value),
    ) {
        (Some(h), Some(l)) => {
            out.push(h << 4 | l);
            Some(i + 3)
        }
        _ => {
            out.push(b'=');
            Some(i + 1)
        }
    }
}

/// Ends a decoded line with the line break `eol`: the literal white space
/// before it (from `ws_start` on) is dropped.
#[inline]
fn end_line(out: &mut Vec<u8>, ws_start: &mut Option<usize>, eol: &[u8]) {
    if let Some(start) = ws_start.take() {
        out.truncate(start);
    }
    out.extend_from_slice(eol);
}

/// Adds a literal byte to a decoded line; where a run of white space
/// starts is kept in `ws_start` until another byte follows it.
#[inline]
fn push_literal(out: &mut Vec<u8>, ws_start: &mut Option<usize>, b: u8) {
    if b == b' ' || b == b'\t' {
        ws_start.get_or_insert(out.len());
    } else {
        *ws_start = None;
    }
    out.push(b);
}

/// Decodes a quoted-printable body strictly: `=` only before two
/// upper-case hex digits or a line break (LF or CRLF), no CR outside a
/// CRLF; `None` otherwise. Line breaks are kept, white space at the end of
/// a line dropped (as mail-parser and [`decode_lenient`] do).
pub(crate) fn decode_strict(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    let mut ws_start: Option<usize> = None;
    while let Some(&b) = body.get(i) {
        match b {
            b'=' => {
                i = strict_escape(body, i, &mut out)?;
                ws_start = None;
            }
            b'\r' | b'\n' => {
                let n = eol_len(body.get(i..)?)?;
                end_line(&mut out, &mut ws_start, body.get(i..i + n)?);
                i += n;
            }
            _ => {
                push_literal(&mut out, &mut ws_start, b);
                i += 1;
            }
        }
    }
    Some(out)
}

/// Reads the `=` at `i` of a body strictly into `out`: a soft line break
/// (skipped) or an escape with upper-case hex digits (its byte). The offset
/// after it; `None` for anything else.
#[inline]
fn strict_escape(body: &[u8], i: usize, out: &mut Vec<u8>) -> Option<usize> {
    match (body.get(i + 1), body.get(i + 2)) {
        (Some(b'\n'), _) => Some(i + 2),
        (Some(b'\r'), Some(b'\n')) => Some(i + 3),
        (Some(&h), Some(&l)) => {
            out.push(upper_hex_value(h)? << 4 | upper_hex_value(l)?);
            Some(i + 3)
        }
        _ => None,
    }
}

/// Length of a line ending at the start of `bytes` (LF or CRLF).
fn eol_len(bytes: &[u8]) -> Option<usize> {
    if bytes.starts_with(b"\r\n") {
        Some(2)
    } else if bytes.starts_with(b"\n") {
        Some(1)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A small quoted-printable encoder: `=XX` for everything but printable
    /// ASCII other than `=`, soft breaks every `width` characters, hard
    /// breaks for LF and CRLF, a blank before a line break encoded.
    fn encode_qp(data: &[u8], width: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut col = 0;
        let mut i = 0;
        while let Some(&b) = data.get(i) {
            if let Some(n) = eol_len(&data[i..]) {
                out.extend_from_slice(&data[i..i + n]);
                col = 0;
                i += n;
                continue;
            }
            let at_eol = data.get(i + 1).is_none_or(|&c| c == b'\r' || c == b'\n');
            let literal = match b {
                b' ' | b'\t' => !at_eol,
                b'=' => false,
                33..=126 => true,
                _ => false,
            };
            if col >= width {
                out.extend_from_slice(b"=\r\n");
                col = 0;
            }
            if literal {
                out.push(b);
                col += 1;
            } else {
                out.extend_from_slice(format!("={b:02X}").as_bytes());
                col += 3;
            }
            i += 1;
        }
        out
    }

    /// A small `Q` encoder: `_` for a space, `=XX` for all but letters and
    /// digits.
    fn encode_q(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for &b in data {
            match b {
                b' ' => out.push(b'_'),
                b if b.is_ascii_alphanumeric() => out.push(b),
                b => out.extend_from_slice(format!("={b:02X}").as_bytes()),
            }
        }
        out
    }

    #[test]
    fn body_soft_breaks_and_stray_escapes() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a=3Db=\r\nc\r\n", b"a=bc\r\n"),
            (b"trail  \nx", b"trail\nx"),
            (b"bad =Zz and =\n", b"bad =Zz and "),
            (b"soft= \t\nnext", b"softnext"),
            (b"end=", b"end"),
            (b"a=+Fb", b"a=+Fb"),
        ];
        for (enc, dec) in cases {
            assert_eq!(
                decode_lenient(enc),
                *dec,
                "{}",
                String::from_utf8_lossy(enc)
            );
        }
        for bad in [
            &b"a=+Fb"[..],
            b"caf=c3=a9",
            b"end=",
            b"soft= \nnext",
            b"lone\rcr",
        ] {
            assert_eq!(decode_strict(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            decode_strict(b"a=3Db=\r\nc  \r\nd=\ne").unwrap(),
            b"a=bc\r\nde"
        );
    }

    /// What Python 3's `quopri.decodestring(s, header=True)` and the `Q`
    /// decoding of `email.header.decode_header` give.
    #[test]
    fn q_is_python_compatible() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"a=+Fb", b"a=+Fb"),
            (b"caf=c3=a9", b"caf\xc3\xa9"),
            (b"Jane_Doe", b"Jane Doe"),
            (b"=4", b"=4"),
            (b"a=3d=3Db", b"a==b"),
            // decode_header keeps a final `=` (quopri drops it).
            (b"a=ZZb=", b"a=ZZb="),
            (b"a?b", b"a?b"),
        ];
        for (text, want) in cases {
            assert_eq!(
                decode_q_lenient(text),
                *want,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        assert_eq!(
            decode_q_strict(b"Jos=C3=A9_x").unwrap(),
            "José x".as_bytes()
        );
        for bad in [&b"a=+Fb"[..], b"caf=c3", b"=4", b"a?b", b"a b", b"\xe9"] {
            assert_eq!(
                decode_q_strict(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(decode_percent_lenient(b"a%2fb%zz%4_"), b"a/b%zz%4_");
        assert_eq!(decode_percent_strict(b"a%2Fb_").unwrap(), b"a/b_");
        assert_eq!(decode_percent_strict(b"a%2fb"), None);
    }

    proptest! {
        #[test]
        fn qp_round_trips(
            data in proptest::collection::vec(
                prop_oneof![Just(b' '), Just(b'\n'), Just(b'='), Just(b'\r'), any::<u8>()],
                0..300,
            ),
            width in 1usize..80,
        ) {
            let enc = encode_qp(&data, width);
            // A blank before a line break is written `=20`, so all survives;
            // a lone CR is written `=0D`.
            prop_assert_eq!(decode_lenient(&enc), data.clone());
            prop_assert_eq!(decode_strict(&enc), Some(data));
        }

        #[test]
        fn q_round_trips(data in proptest::collection::vec(any::<u8>(), 0..200)) {
            let enc = encode_q(&data);
            prop_assert_eq!(decode_q_lenient(&enc), data.clone());
            prop_assert_eq!(decode_q_strict(&enc), Some(data));
        }

        #[test]
        fn strict_is_within_lenient(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'='), Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'_'),
                    Just(b'A'), Just(b'f'), Just(b'%'), b'0'..=b'9', any::<u8>(),
                ],
                0..200,
            ),
        ) {
            if let Some(strict) = decode_strict(&bytes) {
                prop_assert_eq!(strict, decode_lenient(&bytes));
            }
            if let Some(strict) = decode_q_strict(&bytes) {
                prop_assert_eq!(strict, decode_q_lenient(&bytes));
            }
            if let Some(strict) = decode_percent_strict(&bytes) {
                prop_assert_eq!(strict, decode_percent_lenient(&bytes));
            }
        }
    }
}
