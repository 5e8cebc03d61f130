//! Deeply nested messages: the limit that keeps every scan bounded, and the
//! check that keeps mail-parser away from input it could not survive.
//!
//! mail-parser parses nesting without recursion, but the tree it returns is
//! recursive: dropping a message nested a few ten thousand times, or copying
//! (`into_owned`) one nested a few thousand times inside an encoded
//! `message/rfc822` part it decodes itself, overflows a 2 MiB thread stack.
//! Every level of such a tree needs a `message` type or a `multipart/digest`
//! (whose parts default to `message/rfc822`) in the buffer it is parsed from,
//! so [`parser_safe`] counts those words in the buffer and in every encoded
//! body mail-parser could decode (up to its three encoded levels) before it
//! is called. A message that fails the check is not handed to mail-parser:
//! the matcher treats it as too deep to scan (fail closed).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use crate::text::base64::decode_lenient as base64_lenient;
use crate::text::qp::decode_lenient as qp_lenient;

/// How deeply multiparts and enclosed messages may nest (the message itself
/// is level 0). A message nested deeper is not scanned further: the matcher
/// reports it as [`super::ParseStatus::TooDeep`] and the engine deletes it
/// instead of redacting it. The rewriter has the same limit.
pub(crate) const MAX_DEPTH: usize = 32;

/// More `message/…` or `…/digest` types than this in one buffer, and the
/// buffer is not handed to mail-parser. Measured: copying a tree nested
/// 1,000 times works on a 2 MiB stack, 3,000 overflow it.
const MAX_TYPE_WORDS: usize = 500;

/// An encoded body shorter than this cannot hold [`MAX_TYPE_WORDS`] levels
/// (each needs a header block of at least 29 bytes), so it is not decoded.
const SMALL_BODY: usize = 8 * 1024;

/// How many encoded levels mail-parser decodes by itself in one parse.
const PARSER_ENCODED_LEVELS: usize = 3;

/// The words looked for, ASCII case-insensitively.
static WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(["message", "digest", "base64", "quoted-printable"])
        .ok()
});

const MESSAGE: usize = 0;
const DIGEST: usize = 1;
const BASE64: usize = 2;
const QP: usize = 3;

/// True if mail-parser may parse `buf`: the messages nested in it, also
/// inside the encoded bodies mail-parser decodes itself, are few enough that
/// the tree it builds can be copied and dropped on a worker's stack.
pub(crate) fn parser_safe(buf: &[u8]) -> bool {
    let mut budget = buf.len().saturating_mul(2);
    check(buf, PARSER_ENCODED_LEVELS, &mut budget)
}

/// [`parser_safe`] for `buf` with `levels` encoded levels left; `budget`
/// is the number of bytes the check may still decode (a message whose
/// check would decode more than twice its size is refused).
fn check(buf: &[u8], levels: usize, budget: &mut usize) -> bool {
    let Some(words) = WORDS.as_ref() else {
        return false;
    };
    let Some(found) = type_words(words, buf) else {
        return false;
    };
    if found.types == 0 || !found.encoded || levels == 0 {
        return true;
    }
    let mut qp_done = false;
    for (start, cte) in encoded_bodies(words, buf, found.digest) {
        let rest = buf.get(start..).unwrap_or_default();
        let Some(body) = decode_body(rest, cte, &mut qp_done) else {
            continue;
        };
        let Some(left) = budget.checked_sub(body.len()) else {
            return false;
        };
        *budget = left;
        if !check(&body, levels - 1, budget) {
            return false;
        }
    }
    true
}

/// What the words of one buffer say.
struct TypeWords {
    /// How many `message` types and `digest` subtypes it names.
    types: usize,
    /// One of them is a digest.
    digest: bool,
    /// It names a transfer encoding mail-parser decodes.
    encoded: bool,
}

/// Counts the type words of `buf`; `None` as soon as there are more than
/// [`MAX_TYPE_WORDS`].
fn type_words(words: &AhoCorasick, buf: &[u8]) -> Option<TypeWords> {
    let mut found = TypeWords {
        types: 0,
        digest: false,
        encoded: false,
    };
    for m in words.find_iter(buf) {
        match m.pattern().as_usize() {
            MESSAGE if type_follows(buf.get(m.end()..).unwrap_or_default()) => found.types += 1,
            DIGEST if subtype_precedes(buf.get(..m.start()).unwrap_or_default()) => {
                found.types += 1;
                found.digest = true;
            }
            BASE64 | QP => found.encoded = true,
            _ => {}
        }
        if found.types > MAX_TYPE_WORDS {
            return None;
        }
    }
    Some(found)
}

/// The decoded text of the encoded body at the start of `rest`, as far as
/// mail-parser could decode it; `None` when it is too small to matter, or
/// (quoted-printable) an earlier decoding, `qp_done`, covered it.
fn decode_body(rest: &[u8], cte: Cte, qp_done: &mut bool) -> Option<Vec<u8>> {
    match cte {
        Cte::Base64 => {
            // mail-parser's decoder stops at the first `--` (the
            // boundary, or it gives up); the body cannot reach further.
            let end = memchr::memmem::find(rest, b"--").unwrap_or(rest.len());
            let encoded = rest.get(..end).unwrap_or_default();
            (encoded.len() >= SMALL_BODY).then(|| base64_lenient(encoded))
        }
        Cte::Qp => {
            // Decoded to the end of the buffer: a later body's decoded
            // text is contained in it, so one decoding covers them all.
            if *qp_done || rest.len() < SMALL_BODY {
                return None;
            }
            *qp_done = true;
            Some(qp_lenient(rest))
        }
    }
}

/// After the word `message`: does a `/` (or a comment before it) follow,
/// past white space and quotes, as in a Content-Type value?
fn type_follows(rest: &[u8]) -> bool {
    rest.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'"'))
        .is_some_and(|&b| b == b'/' || b == b'(')
}

/// Before the word `digest`: a `/` or the end of a comment, past white
/// space and quotes?
fn subtype_precedes(before: &[u8]) -> bool {
    before
        .iter()
        .rev()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'"'))
        .is_some_and(|&b| b == b'/' || b == b')')
}

/// A transfer encoding mail-parser decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cte {
    Base64,
    Qp,
}

/// Where every body starts that mail-parser could decode as an enclosed
/// message, with its encoding: after each empty line whose header lines
/// (since the previous empty line or `--` line) name base64 or
/// quoted-printable and a `message` type (any header lines, in a buffer
/// with a digest). A superset: mail-parser finds header blocks at the same
/// places or inside these lines.
fn encoded_bodies(words: &AhoCorasick, buf: &[u8], digest: bool) -> Vec<(usize, Cte)> {
    let mut out = Vec::new();
    let mut block_start = 0;
    let mut pos = 0;
    while pos < buf.len() {
        let end = memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |i| pos + i + 1);
        let line = &buf[pos..end];
        if line.starts_with(b"--") {
            block_start = end;
        } else if line.trim_ascii().is_empty() {
            if let Some(cte) = block_encoding(words, &buf[block_start..pos], digest) {
                out.push((end, cte));
            }
            block_start = end;
        }
        pos = end;
    }
    out
}

/// The encoding of the body after the header lines `block`, when they name
/// base64 or quoted-printable and a `message` type (in a buffer with a
/// `digest`, any header lines).
fn block_encoding(words: &AhoCorasick, block: &[u8], digest: bool) -> Option<Cte> {
    let mut typed = digest;
    let (mut base64, mut qp) = (false, false);
    for m in words.find_iter(block) {
        match m.pattern().as_usize() {
            MESSAGE => typed = true,
            BASE64 => base64 = true,
            QP => qp = true,
            _ => {}
        }
    }
    let cte = if base64 {
        Some(Cte::Base64)
    } else if qp {
        Some(Cte::Qp)
    } else {
        None
    };
    cte.filter(|_| typed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn nested(levels: usize) -> Vec<u8> {
        let mut m = b"Content-Type: message/rfc822\r\n\r\n".repeat(levels);
        m.extend_from_slice(b"From: a@b\r\n\r\nhi\r\n");
        m
    }

    #[test]
    fn counts_types_in_the_buffer() {
        assert!(parser_safe(&nested(MAX_TYPE_WORDS)));
        assert!(!parser_safe(&nested(MAX_TYPE_WORDS + 1)));
        let prose = b"this message is long; message (sent) / message\n".repeat(600);
        assert!(!parser_safe(&prose), "comments count");
        let words = b"the message, the digest, message-id\n".repeat(2000);
        assert!(parser_safe(&words));
    }

    #[test]
    fn looks_inside_encoded_messages() {
        let inner = nested(MAX_TYPE_WORDS + 1);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&inner);
        let mut m =
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
        m.extend_from_slice(b64.as_bytes());
        assert!(!parser_safe(&m));
        let mut qp =
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                .to_vec();
        qp.extend_from_slice(
            &inner
                .iter()
                .flat_map(|&b| format!("={b:02X}").into_bytes())
                .collect::<Vec<_>>(),
        );
        assert!(!parser_safe(&qp));
        let fine = nested(100);
        let b64 = base64::engine::general_purpose::STANDARD.encode(fine.repeat(3));
        let mut m =
            b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec();
        m.extend_from_slice(b64.as_bytes());
        assert!(parser_safe(&m));
    }
}
