//! base64 decoding, the one decoder for bodies and RFC 2047 `B` words, in
//! two modes: `decode_lenient` for finding (decodes whatever it can, never
//! fails) and `decode_strict` for proofs (`None` on anything irregular).
//! Whenever the strict mode decodes, the lenient mode gives the same bytes.
//! Encoding in a body's layout is `super::codec::Base64Layout`.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};

/// The value of one base64 character, if it is one.
fn value(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Characters of the alphabet collected before they are decoded (a
/// multiple of 4, so that only the last block of a piece ends mid-quantum).
const DECODE_BLOCK: usize = 64 << 10;

/// Decodes base64 leniently: characters outside the alphabet (line breaks,
/// garbage) are skipped, padding is optional and ends a quantum (so
/// concatenated encodings decode one after the other), a final partial
/// quantum is decoded and a dangling sixth-bit group dropped. On what
/// Python's `base64.b64decode` (not validating) accepts, this gives Python's
/// bytes, followed by whatever comes after a completed padding (where
/// Python stops). The characters are decoded in blocks, not gathered into a
/// copy of the whole input first.
pub(crate) fn decode_lenient(bytes: &[u8]) -> Vec<u8> {
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::RequireNone)
            .with_decode_allow_trailing_bits(true),
    );
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3 + 3);
    let mut clean = Vec::with_capacity(DECODE_BLOCK.min(bytes.len()));
    // The engine cannot refuse what it is handed: only alphabet characters,
    // never one past a multiple of 4, padding not required.
    let decode = |clean: &mut Vec<u8>, out: &mut Vec<u8>| {
        let decoded = engine.decode_vec(&clean[..], out);
        debug_assert!(decoded.is_ok());
        clean.clear();
    };
    for piece in bytes.split(|&b| b == b'=') {
        for &b in piece {
            if value(b).is_some() {
                clean.push(b);
                if clean.len() == DECODE_BLOCK {
                    decode(&mut clean, &mut out);
                }
            }
        }
        if clean.len() % 4 == 1 {
            clean.pop();
        }
        decode(&mut clean, &mut out);
    }
    out
}

/// Decodes base64 strictly: only the alphabet and white space (line breaks
/// of a body, blanks around them), padding only at the end, a whole number
/// of groups; `None` otherwise.
pub(crate) fn decode_strict(body: &[u8]) -> Option<Vec<u8>> {
    decode_strict_blocks(body, JOIN_BLOCK).or_else(|| decode_strict_joined(body))
}

/// Characters joined before they are decoded: large enough that the
/// per-call cost vanishes, small next to a large attachment.
const JOIN_BLOCK: usize = 64 << 10;

/// [`decode_strict`] for the usual layout (no white space inside a line):
/// the lines are joined with plain copies into blocks of about `block`
/// characters, each decoded in one call. `None` for anything else, which
/// [`decode_strict_joined`] then judges.
fn decode_strict_blocks(body: &[u8], block: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 3);
    let mut joined = Vec::with_capacity(block.min(body.len()) + 4);
    // Padding ends the text: nothing may follow a decoded `=`.
    let mut padded = false;
    let mut decode_whole_groups = |joined: &mut Vec<u8>, out: &mut Vec<u8>| {
        let whole = joined.len() / 4 * 4;
        if whole == 0 {
            return Some(());
        }
        if padded {
            return None;
        }
        let groups = joined.get(..whole)?;
        base64_simd::STANDARD.decode_append(groups, out).ok()?;
        padded = groups.last() == Some(&b'=');
        joined.drain(..whole);
        Some(())
    };
    let mut start = 0;
    while start < body.len() {
        let end = memchr::memchr(b'\n', body.get(start..)?).map_or(body.len(), |i| start + i);
        joined.extend_from_slice(body.get(start..end)?.trim_ascii());
        start = end + 1;
        if joined.len() >= block {
            decode_whole_groups(&mut joined, &mut out)?;
        }
    }
    decode_whole_groups(&mut joined, &mut out)?;
    // Characters left over are less than a group.
    joined.is_empty().then_some(out)
}

/// [`decode_strict`] the thorough way: all white space removed, then decoded.
fn decode_strict_joined(body: &[u8]) -> Option<Vec<u8>> {
    let clean: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    STANDARD.decode(&clean).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lenient_skips_junk_and_joins_pieces() {
        assert_eq!(decode_lenient(b"SmFu\r\nZQ==\r\n"), b"Jane");
        assert_eq!(decode_lenient(b"SmF*uZQ"), b"Jane");
        assert_eq!(decode_lenient(b"SmFuZQ=x"), b"Jane");
        assert_eq!(decode_lenient(b"SmFuZQ==SmFuZQ=="), b"JaneJane");
        assert_eq!(decode_lenient(b"SmFu\r\nZQ"), b"Jane");
        assert_eq!(decode_lenient(b"SmF!uZQ=="), b"Jane");
        assert_eq!(decode_lenient(b"SmFuZQ"), b"Jane");
    }

    /// What Python 3's `base64.b64decode(s)` (not validating) gives.
    #[test]
    fn python_compatible() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"SmFuZQ==", b"Jane"),
            (b"SmF!uZQ==", b"Jane"),
            (b"SmFu\r\nZQ==", b"Jane"),
            (b"SmFu=ZQ==", b"Jane"),
        ];
        for (text, want) in cases {
            assert_eq!(
                decode_lenient(text),
                *want,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
        // Python stops at a completed padding (b"Jane"); the lenient mode
        // goes on, so Python's bytes are a prefix.
        assert!(decode_lenient(b"SmFuZQ==SmFuZQ==").starts_with(b"Jane"));
    }

    #[test]
    fn strict_refuses_the_irregular() {
        assert_eq!(decode_strict(b"SmFu\r\nZQ==\r\n").unwrap(), b"Jane");
        assert_eq!(decode_strict(b" SmFu \n ZQ== \n").unwrap(), b"Jane");
        for bad in [
            &b"SmFuZQ"[..],
            b"SmF*uZQ==",
            b"SmFuZQ==SmFu",
            b"S",
            b"SmFuZQ=",
        ] {
            assert_eq!(decode_strict(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(decode_strict(b"").unwrap(), b"");
    }

    proptest! {
        #[test]
        fn lenient_is_the_crate_on_valid_input(
            data in proptest::collection::vec(any::<u8>(), 0..300),
            line in 1usize..100,
        ) {
            let text = STANDARD.encode(&data);
            prop_assert_eq!(decode_lenient(text.as_bytes()), data.clone());
            let lines: Vec<&[u8]> = text.as_bytes().chunks(line).collect();
            let body = lines.join(&b"\r\n"[..]);
            prop_assert_eq!(decode_lenient(&body), data.clone());
            prop_assert_eq!(decode_strict(&body), Some(data.clone()));
            // Unpadded: lenient only.
            prop_assert_eq!(decode_lenient(text.trim_end_matches('=').as_bytes()), data);
        }

        #[test]
        fn any_input_decodes_and_strict_is_within_lenient(
            bytes in proptest::collection::vec(
                prop_oneof![
                    Just(b'='), Just(b'\n'), Just(b'\r'), Just(b' '), Just(b'A'),
                    Just(b'/'), b'a'..=b'z', any::<u8>(),
                ],
                0..200,
            ),
        ) {
            let lenient = decode_lenient(&bytes);
            if let Some(strict) = decode_strict(&bytes) {
                prop_assert_eq!(strict, lenient);
            }
        }

        #[test]
        fn simd_base64_is_as_strict_as_the_base64_crate(
            text in proptest::collection::vec(
                prop::sample::select(b"AQgw+/=Zz9 ".to_vec()),
                0..40,
            ),
        ) {
            let mut simd = Vec::new();
            let simd = base64_simd::STANDARD.decode_append(&text, &mut simd).ok().map(|()| simd);
            prop_assert_eq!(simd, STANDARD.decode(&text).ok());
        }

        #[test]
        fn base64_by_lines_agrees_with_joined(
            data in prop::collection::vec(any::<u8>(), 0..200),
            width in 1..80usize,
            block in 1..40usize,
            crlf: bool,
            noise in prop::collection::vec((0..400usize, prop::sample::select(b" \t=\n\rA!".to_vec())), 0..3),
        ) {
            let encoded = STANDARD.encode(&data);
            let mut body = Vec::new();
            for chunk in encoded.as_bytes().chunks(width) {
                body.extend_from_slice(chunk);
                body.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            // Line by line decodes every clean layout itself, whatever the
            // block size.
            prop_assert_eq!(decode_strict_blocks(&body, JOIN_BLOCK), Some(data.clone()));
            prop_assert_eq!(decode_strict_blocks(&body, block), Some(data));
            for (at, b) in noise {
                body.insert(at.min(body.len()), b);
            }
            let joined = decode_strict_joined(&body);
            for lines in [decode_strict_blocks(&body, JOIN_BLOCK), decode_strict_blocks(&body, block)]
                .into_iter()
                .flatten()
            {
                prop_assert_eq!(Some(lines), joined.clone());
            }
            prop_assert_eq!(decode_strict(&body), joined);
        }
    }
}
