//! Byte-preserving redaction of one message ("MIME surgery").
//!
//! [`redact`] walks a message's header block and MIME tree itself, decodes
//! every header field (RFC 2047) and every text-like part (transfer encoding,
//! charset, HTML) into Unicode text with a map back to the source bytes, asks
//! a [`Finder`] where the identifiers are, and rewrites only those byte
//! ranges. Everything else stays byte-identical. When a hit cannot be located
//! or written back safely, it returns a [`RewriteError`] and the caller is
//! expected to delete the message instead (fail closed). The rules are in
//! `docs/rewriting.md`.

mod envelope;
mod header;
mod html;
mod mapped;
mod mime;
mod params;

#[cfg(test)]
mod tests;

use std::ops::Range;

pub(crate) use envelope::redact_envelope;

/// The marker that replaces an e-mail address of a subject.
pub(crate) const EMAIL_MARKER: &str = "erased@erased.invalid";
/// The marker that replaces a name or any other mention of a subject.
pub(crate) const TEXT_MARKER: &str = "[erased]";
/// How deeply multiparts and enclosed messages may nest: the matcher's
/// limit, so that a message the matcher could scan whole is never too deep
/// for the rewriter.
pub(crate) const MAX_DEPTH: usize = crate::matcher::MAX_DEPTH;

/// Finds identifiers in decoded text: the request's [`crate::matcher::Matcher`]
/// does (below); tests use fixed lists.
pub trait Finder: Sync {
    /// Every identifier occurrence in `text` (already decoded to Unicode,
    /// HTML already turned to text where the caller does that), as byte
    /// ranges into `text`, with the index of the subject it belongs to and
    /// its kind.
    fn find(&self, text: &str) -> Vec<Found>;
}

/// One identifier occurrence reported by a [`Finder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Byte range into the text given to [`Finder::find`].
    pub range: Range<usize>,
    /// Index of the subject the identifier belongs to.
    pub subject: usize,
    /// What kind of identifier it is.
    pub kind: IdKind,
}

pub use crate::matcher::IdKind;

impl Finder for crate::matcher::Matcher {
    fn find(&self, text: &str) -> Vec<Found> {
        self.find_in_text(text)
            .into_iter()
            .map(|m| Found {
                range: m.range,
                subject: m.subject,
                kind: m.kind,
            })
            .collect()
    }
}

/// Options of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteOptions {
    /// Replace every binary (non text-like) leaf part by a short text stub
    /// naming the request ids. Default: true.
    pub stub_binary_attachments: bool,
    /// Erasure request ids named in attachment stubs (printable ASCII; other
    /// characters are written as `_`). Default: none.
    pub request_ids: Vec<String>,
    /// The message lives in an mbox: a rewritten body line that would start
    /// with `From ` is written as `>From `. Default: false.
    pub mbox_quoting: bool,
}

impl Default for RewriteOptions {
    fn default() -> Self {
        RewriteOptions {
            stub_binary_attachments: true,
            request_ids: Vec::new(),
            mbox_quoting: false,
        }
    }
}

/// The result of [`redact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The full rewritten message (the RFC 5322 part, without envelope).
    pub bytes: Vec<u8>,
    /// The rewritten envelope line, if it changed (same line ending as given).
    pub envelope: Option<Vec<u8>>,
    /// Binary attachments replaced by a stub, in message order.
    pub dropped_attachments: Vec<DroppedAttachment>,
    /// True when anything (message or envelope) changed.
    pub changed: bool,
}

/// A binary attachment that was replaced by a stub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DroppedAttachment {
    /// Zero-based part indices from the root; an enclosed message shares
    /// the path of its `message/rfc822` part.
    pub part_path: Vec<usize>,
    /// The MIME type only (`application/pdf`), never a file name.
    pub content_type: String,
    /// The original part bytes (its header block and body, as they stood
    /// between the boundary lines), for the caller to hash.
    pub original: Vec<u8>,
}

/// Why a message cannot be redacted safely. The caller should delete the
/// message instead. Messages never carry identifier text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RewriteError {
    /// A part with a hit declares a charset this crate cannot encode to.
    #[error("part {}: hit in a part whose charset is unknown", path_name(.part))]
    UnknownCharset {
        /// The part.
        part: Vec<usize>,
    },
    /// The redacted text cannot be represented in the part's charset.
    #[error("part {}: redacted text is not representable in the part's charset", path_name(.part))]
    Unencodable {
        /// The part.
        part: Vec<usize>,
    },
    /// A part holds a hit but is not cleanly decodable in its charset.
    #[error("part {}: hit in a part that is not cleanly decodable", path_name(.part))]
    Undecodable {
        /// The part.
        part: Vec<usize>,
    },
    /// A part with a hit uses an unknown Content-Transfer-Encoding.
    #[error("part {}: hit in a part with an unknown transfer encoding", path_name(.part))]
    UnknownTransferEncoding {
        /// The part.
        part: Vec<usize>,
    },
    /// Multiparts or enclosed messages nest deeper than `MAX_DEPTH`.
    #[error("part {}: nesting deeper than {MAX_DEPTH} levels", path_name(.part))]
    TooDeep {
        /// The part where the limit was reached.
        part: Vec<usize>,
    },
    /// A hit lies where it cannot be rewritten without breaking the message
    /// structure (a multipart boundary, a line that would exceed 998 bytes).
    #[error("part {}: hit cannot be rewritten without breaking the structure", path_name(.part))]
    Structure {
        /// The part.
        part: Vec<usize>,
    },
    /// A top-level (non-multipart) binary body cannot be replaced by a stub.
    #[error("part {}: binary body that is not inside a multipart", path_name(.part))]
    BinaryRoot {
        /// The part.
        part: Vec<usize>,
    },
}

/// `root` or the dotted one-based part number (`1.2`), as IMAP writes it.
fn path_name(path: &[usize]) -> String {
    if path.is_empty() {
        return "root".to_owned();
    }
    let parts: Vec<String> = path.iter().map(|i| (i + 1).to_string()).collect();
    parts.join(".")
}

/// Redacts every identifier `finder` reports in the message `raw` (the
/// bytes after any mbox envelope line) and in its `envelope` line.
///
/// Only the byte ranges that hold identifiers change (plus, for a part with
/// a hit, its transfer encoding, which is applied again); binary leaf parts
/// are replaced by stubs when [`RewriteOptions::stub_binary_attachments`] is
/// set. An error means the message cannot be redacted safely.
///
/// ```
/// use mailscrub::rewrite::{redact, Finder, Found, IdKind, RewriteOptions};
///
/// struct Jane;
/// impl Finder for Jane {
///     fn find(&self, text: &str) -> Vec<Found> {
///         text.match_indices("jane@example.com")
///             .map(|(i, s)| Found { range: i..i + s.len(), subject: 0, kind: IdKind::Email })
///             .collect()
///     }
/// }
///
/// let raw = b"From: <jane@example.com>\r\nSubject: hi\r\n\r\nBye, jane@example.com\r\n";
/// let out = redact(raw, None, &Jane, &RewriteOptions::default()).unwrap();
/// assert_eq!(
///     out.bytes,
///     b"From: <erased@erased.invalid>\r\nSubject: hi\r\n\r\nBye, erased@erased.invalid\r\n"
/// );
/// ```
pub fn redact(
    raw: &[u8],
    envelope: Option<&[u8]>,
    finder: &dyn Finder,
    options: &RewriteOptions,
) -> Result<Redacted, RewriteError> {
    let mut walker = mime::Walker::new(finder, options, crate::text::codec::detect_eol(raw));
    let body = walker.entity(raw, &[], 0, mime::DefaultType::Text)?;
    let envelope = match envelope {
        Some(line) => redact_envelope(line, finder),
        None => None,
    };
    let changed = body.is_some() || envelope.is_some();
    Ok(Redacted {
        bytes: body.unwrap_or_else(|| raw.to_vec()),
        envelope,
        dropped_attachments: walker.into_dropped(),
        changed,
    })
}
