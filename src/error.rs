//! The error type of the archive pipeline: what went wrong, and where.
//!
//! Every error that comes from reading a backup carries the position where it
//! happened: the archive member (if any), the message index inside it (if any)
//! and the byte offset in the decompressed stream. Users of a multi-terabyte
//! tape need to know exactly where the damage is.

use std::fmt;
use std::io;

/// Where in the input an error happened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Path of the archive member, as stored in the archive, until
    /// `Error::redact_member` replaces it with its report form (shown as
    /// lossy UTF-8, control characters escaped).
    pub member: Option<Vec<u8>>,
    /// Index of the message inside the member (0 for one-message files).
    pub message: Option<usize>,
    /// Byte offset in the decompressed input stream.
    pub offset: Option<u64>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if let Some(member) = &self.member {
            let member = String::from_utf8_lossy(member);
            write!(f, "member '{}'", escape_for_terminal(&member))?;
            sep = ", ";
        }
        if let Some(index) = self.message {
            write!(f, "{sep}message {index}")?;
            sep = ", ";
        }
        if let Some(offset) = self.offset {
            write!(f, "{sep}offset {offset}")?;
        }
        Ok(())
    }
}

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input holds no bytes at all.
    #[error("empty input")]
    EmptyInput,
    /// The input is neither a tar archive, an mbox nor a single message.
    #[error("not a mail backup: no tar header, mbox 'From ' line or message header found")]
    NotABackup,
    /// The compressed stream is corrupt or ends early.
    #[error("corrupt or truncated {codec} stream: {source}")]
    Decompress {
        /// `gzip` or `zstd`.
        codec: &'static str,
        /// The decoder's own error.
        source: io::Error,
    },
    /// The tar stream ends in the middle of a header or of a member's data.
    #[error("truncated tar archive: {0}")]
    TruncatedTar(&'static str),
    /// A tar header block fails its checksum.
    #[error("tar header checksum mismatch (stored {stored}, computed {computed})")]
    BadChecksum {
        /// The checksum the header claims.
        stored: u32,
        /// The checksum of the header bytes.
        computed: u32,
    },
    /// More bytes follow the tar end-of-archive marker than are accepted.
    #[error("more than {limit} bytes after the tar end-of-archive marker")]
    TrailingBytes {
        /// The most bytes accepted.
        limit: u64,
    },
    /// A tar header field cannot be parsed. The text names the field, never
    /// its content (a header may hold an identifier).
    #[error("bad tar header: {0}")]
    BadHeader(String),
    /// A zstd frame declares a window larger than the decoder may allocate.
    #[error(
        "zstd frame at byte {frame_offset} of the compressed input needs a window of {window} bytes, \
         more than the limit of {limit} bytes (--max-window)"
    )]
    WindowTooLarge {
        /// The window the frame declares (its content size for a
        /// single-segment frame).
        window: u64,
        /// The configured limit.
        limit: u64,
        /// Offset of the frame's first byte in the compressed input.
        frame_offset: u64,
    },
    /// A message is larger than `--max-message-size`.
    #[error(
        "message of at least {size} bytes exceeds the limit of {limit} bytes (--max-message-size)"
    )]
    MessageTooLarge {
        /// Bytes seen so far (at least this large).
        size: u64,
        /// The configured limit.
        limit: u64,
    },
    /// The input file cannot be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The path as given.
        path: std::path::PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The erasure request is invalid (the message names the file and line).
    #[error("invalid erasure request: {0}")]
    Request(String),
    /// The options given do not make sense together.
    #[error("{0}")]
    Usage(String),
    /// Reading the input failed.
    #[error("cannot read input: {0}")]
    Read(#[source] io::Error),
    /// Writing the output (or a spool file) failed.
    #[error("cannot write output: {0}")]
    Write(#[source] io::Error),
    /// `--strict` found an identifier the run cannot remove.
    #[error("{0}")]
    Strict(String),
    /// A message to redact could not be redacted safely
    /// (`--on-unredactable error`).
    #[error("cannot redact safely: {0}")]
    Unredactable(String),
    /// A worker thread failed unexpectedly.
    #[error("internal error: {0}")]
    Internal(String),
    /// The run was cancelled (`pipeline::Cancel`, e.g. on a signal).
    #[error("cancelled")]
    Cancelled,
}

/// An error of the pipeline, with the position where it happened.
#[derive(Debug)]
pub struct Error {
    kind: Box<ErrorKind>,
    position: Position,
}

impl Error {
    /// An error with no known position.
    pub fn new(kind: ErrorKind) -> Self {
        Error {
            kind: Box::new(kind),
            position: Position::default(),
        }
    }

    /// An error at a byte offset of the decompressed stream.
    pub(crate) fn at(kind: ErrorKind, offset: u64) -> Self {
        Error::new(kind).with_offset(offset)
    }

    /// Sets the byte offset unless one is already known.
    pub(crate) fn with_offset(mut self, offset: u64) -> Self {
        self.position.offset.get_or_insert(offset);
        self
    }

    /// Sets the member path unless one is already known.
    pub(crate) fn with_member(mut self, member: &[u8]) -> Self {
        if self.position.member.is_none() {
            self.position.member = Some(member.to_vec());
        }
        self
    }

    /// Replaces the member path by `render(path)`. The operations that hold
    /// a request apply it to every error they return, with the rendering
    /// reports use (`record::report_path`), so that no error message shows
    /// a member path holding an identifier being erased.
    pub(crate) fn redact_member(mut self, render: impl Fn(&[u8]) -> String) -> Self {
        if let Some(member) = self.position.member.take() {
            self.position.member = Some(render(&member).into_bytes());
        }
        self
    }

    /// Sets the message index unless one is already known.
    pub(crate) fn with_message(mut self, index: usize) -> Self {
        self.position.message.get_or_insert(index);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where it went wrong.
    pub(crate) fn position(&self) -> &Position {
        &self.position
    }

    /// Wraps the error in an [`std::io::Error`], for code behind a [`std::io::Read`];
    /// [`io_to_error`] unwraps it again.
    pub(crate) fn into_io(self) -> io::Error {
        io::Error::other(self)
    }

    /// True when writing failed because the reader of the output went away.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(&*self.kind, ErrorKind::Write(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.position == Position::default() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.position, self.kind)
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.kind.source()
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error::new(kind)
    }
}

/// Result alias of the pipeline.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A count with its noun in the right number, for messages and reports:
/// `1 member`, `2 members`, `0 members`.
pub fn counted(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Escapes control characters so that untrusted names (member paths) cannot
/// drive the terminal.
pub fn escape_for_terminal(text: &str) -> String {
    text.chars()
        .flat_map(char::escape_debug)
        .collect::<String>()
}

// ---------------------------------------------------------------------------
// The io <-> Error plumbing: errors that cross a `std::io::Read` (the
// decoders, the tar reader, the mbox splitter) travel as `io::Error`s with
// one of these inside, and come back out as the kind they were.

/// An I/O error of the raw input (as opposed to one of a decoder), tagged so
/// that the tar layer can tell the two apart.
#[derive(Debug)]
pub(crate) struct SourceError(pub(crate) io::Error);

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SourceError {}

/// The error a decoding reader returns; `into_error_kind` recovers it.
#[derive(Debug)]
pub(crate) struct DecodeError {
    pub(crate) codec: &'static str,
    pub(crate) source: io::Error,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt or truncated {} stream: {}",
            self.codec, self.source
        )
    }
}

impl std::error::Error for DecodeError {}

/// A refusal of the input (a zstd window too large) carried through the decoder as an I/O error and turned
/// back into its kind by [`read_error_kind`].
#[derive(Debug)]
pub(crate) struct Refused(pub(crate) ErrorKind);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Refused {}

/// True for an error of the raw input or a refusal of the [`WindowGuard`]:
/// neither is the decoder's.
pub(crate) fn is_source_error(e: &io::Error) -> bool {
    e.get_ref()
        .is_some_and(|inner| inner.is::<SourceError>() || inner.is::<Refused>())
}

/// Turns an I/O error met while reading the decompressed stream into the
/// pipeline's error kind: a decoder failure, or a failure of the input.
pub(crate) fn read_error_kind(e: io::Error) -> ErrorKind {
    if e.get_ref().is_some_and(|inner| inner.is::<Refused>()) {
        let kind = e.kind();
        return match e.into_inner().map(|inner| inner.downcast::<Refused>()) {
            Some(Ok(refused)) => refused.0,
            _ => ErrorKind::Read(io::Error::from(kind)),
        };
    }
    if !e.get_ref().is_some_and(|inner| inner.is::<DecodeError>()) {
        return ErrorKind::Read(e);
    }
    let kind = e.kind();
    match e.into_inner().map(|inner| inner.downcast::<DecodeError>()) {
        Some(Ok(decode)) => ErrorKind::Decompress {
            codec: decode.codec,
            source: decode.source,
        },
        _ => ErrorKind::Read(io::Error::from(kind)),
    }
}

/// Turns an I/O error from a reader of the pipeline back into a pipeline
/// error: one that a reader wrapped with [`Error::into_io`] keeps its kind
/// and position.
pub(crate) fn io_to_error(e: io::Error) -> Error {
    if !e.get_ref().is_some_and(|inner| inner.is::<Error>()) {
        return Error::new(read_error_kind(e));
    }
    let kind = e.kind();
    match e.into_inner().map(|inner| inner.downcast::<Error>()) {
        Some(Ok(error)) => *error,
        _ => Error::new(ErrorKind::Read(io::Error::from(kind))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_take_the_singular_for_one_only() {
        assert_eq!(counted(1, "member", "members"), "1 member");
        assert_eq!(counted(0, "member", "members"), "0 members");
        assert_eq!(counted(2, "entry", "entries"), "2 entries");
    }

    #[test]
    fn display_names_member_message_and_offset() {
        let err = Error::at(ErrorKind::TruncatedTar("member data ends early"), 1536)
            .with_member(b"alice/cur/1")
            .with_message(3);
        assert_eq!(
            err.to_string(),
            "member 'alice/cur/1', message 3, offset 1536: truncated tar archive: member data ends early"
        );
    }

    #[test]
    fn redact_member_renders_the_raw_path() {
        let err = Error::at(ErrorKind::TruncatedTar("member data ends early"), 9)
            .with_member(b"jane@example.com/cur/\xff1")
            .redact_member(|path| format!("blake3:{}", path.len()));
        assert_eq!(err.position().member.as_deref(), Some(&b"blake3:23"[..]));
        assert!(!err.to_string().contains("jane"), "{err}");
        let plain = Error::new(ErrorKind::EmptyInput).redact_member(|_| unreachable!());
        assert_eq!(plain.position().member, None);
    }

    #[test]
    fn member_path_is_shown_lossily() {
        let err = Error::at(ErrorKind::EmptyInput, 0).with_member(b"a\xffb");
        assert_eq!(
            err.to_string(),
            "member 'a\u{fffd}b', offset 0: empty input"
        );
    }

    #[test]
    fn first_position_wins() {
        let err = Error::at(ErrorKind::EmptyInput, 5).with_offset(9);
        assert_eq!(err.position().offset, Some(5));
    }

    #[test]
    fn terminal_escape_neutralises_control_characters() {
        assert_eq!(escape_for_terminal("a\x1b[2Jb\n"), "a\\u{1b}[2Jb\\n");
    }
}
