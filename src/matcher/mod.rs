//! Find every trace of the request's subjects in one message.
//!
//! A [`Matcher`] is built once per request and reused (it is `Send + Sync`).
//! [`Matcher::scan`] looks at the mbox envelope line, every header (encoded
//! words decoded), every MIME part after transfer and charset decoding (HTML
//! also with references decoded and tags removed), attachment names and
//! nested messages, and always also at the raw bytes. The rules are in
//! `docs/matching.md`.
//!
//! ```
//! use mailscrub::matcher::{Matcher, MessageInput, Role};
//! use mailscrub::request::ErasureRequest;
//!
//! let request = ErasureRequest::from_toml_str(
//!     "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\n",
//! )?;
//! let matcher = Matcher::new(&request);
//! let raw = b"From: Jane <Jane.Doe+news@example.com>\r\nSubject: hi\r\n\r\nHello\r\n";
//! let findings = matcher.scan(&MessageInput { envelope: None, raw });
//! assert_eq!(findings.subjects(), [0]);
//! assert_eq!(findings.strongest_role(), Some(Role::Sender));
//! # Ok::<(), mailscrub::request::RequestError>(())
//! ```

mod anchors;
mod contact;
mod headers;
mod html;
mod mime;
mod names;
mod nesting;
mod patterns;
mod prefilter;
mod rawnet;
mod salvage;
#[cfg(test)]
mod tests;
mod window;
mod wordchars;

use std::collections::HashSet;
use std::ops::Range;

use serde::Serialize;

use crate::request::ErasureRequest;
pub use crate::request::Role;
pub(crate) use nesting::MAX_DEPTH;
use patterns::Patterns;

/// The subject identifiers compiled for search.
#[derive(Debug)]
pub struct Matcher {
    patterns: Patterns,
    /// The bytes the extraction of one message's attachments may produce.
    expand_limit: u64,
}

/// The default of [`Matcher::with_expand_limit`]: the default
/// `--max-message-size`, 256 MiB.
pub const DEFAULT_EXPAND_LIMIT: u64 = 256 << 20;

/// One message to scan.
#[derive(Debug, Clone, Copy)]
pub struct MessageInput<'a> {
    /// The mbox `From ` line without its line ending, if the message came from an mbox.
    pub envelope: Option<&'a [u8]>,
    /// The RFC 5322 message (may contain mbox `>From ` quoting).
    pub raw: &'a [u8],
}

/// Which identifier of a subject matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdKind {
    /// An email address (plain or hashed).
    Email,
    /// A personal name.
    Name,
    /// A phone number.
    Phone,
    /// Any other literal identifier.
    Term,
}

impl IdKind {
    /// The kind's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            IdKind::Email => "email",
            IdKind::Name => "name",
            IdKind::Phone => "phone",
            IdKind::Term => "term",
        }
    }
}

/// Which form of an identifier matched: the request's own spelling or one
/// of the variant families of `docs/matching.md` (each can be turned off in
/// the request's `[matching]` table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// As the request spells it (case, white space and, by default, accents
    /// aside).
    Exact,
    /// A name inverted with a comma: `Doe, Jane`.
    Inverted,
    /// A name inverted without a comma as a whole display name: `Doe Jane <…>`.
    InvertedDisplay,
    /// A name with middle names or initials: `Jane Q. Doe`.
    MiddleNames,
    /// A name transliterated: `Mueller` for `Müller`, and the reverse.
    Transliterated,
    /// A name joined into a user or folder name: `jane_doe`, `Jane_Doe_2001`.
    Joined,
    /// A phone number in its national form: `020 7946 0018`.
    National,
    /// A phone number after an international call prefix: `0044 20 …`, `01144 …`.
    CallPrefix,
    /// A phone number with its trunk prefix kept: `+44 (0)20 …`.
    TrunkPrefix,
    /// An address percent-, HTML- or quoted-printable-encoded: `jane.doe%40example.com`.
    AddressEncoded,
    /// An address spelt out: `jane.doe at example dot com`, `(at)`, `[dot]`.
    AddressSpelt,
}

impl Form {
    /// The family's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Form::Exact => "exact",
            Form::Inverted => "inverted",
            Form::InvertedDisplay => "inverted-display",
            Form::MiddleNames => "middle-names",
            Form::Transliterated => "transliterated",
            Form::Joined => "joined",
            Form::National => "national",
            Form::CallPrefix => "call-prefix",
            Form::TrunkPrefix => "trunk-prefix",
            Form::AddressEncoded => "encoded",
            Form::AddressSpelt => "spelt",
        }
    }
}

/// Where in the message a hit was found.
///
/// A *path* is a MIME part path: `[]` is the message itself, `[i]` the
/// `i`-th child of a multipart root, and so on; the message inside a
/// `message/rfc822` part at path `p` has the path `p + [0]`.
/// Spans are byte ranges in [`MessageInput::raw`]; they are `None` when the
/// text only exists after decoding (inside a base64 or quoted-printable
/// encoded nested message).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "at")]
pub enum Location {
    /// The mbox `From ` envelope line.
    Envelope,
    /// A header field (after RFC 2047 decoding).
    Header {
        /// Part whose header block holds the field.
        path: Vec<usize>,
        /// Index of the field in its header block (0-based).
        index: usize,
        /// The field name as written, e.g. `From`; never the value.
        name: String,
        /// The whole field, name to line break inclusive.
        span: Option<Range<usize>>,
    },
    /// The decoded content of a leaf part (text, HTML, or attachment).
    Part {
        /// The part.
        path: Vec<usize>,
        /// The part's raw (still transfer-encoded) body.
        span: Option<Range<usize>>,
    },
    /// The file name of an attachment (`filename`, `filename*`, `name`).
    AttachmentName {
        /// The part.
        path: Vec<usize>,
    },
    /// The raw bytes, as found by the safety-net scan or [`Matcher::scan_bytes`].
    Raw {
        /// The matched bytes.
        span: Range<usize>,
    },
}

/// One trace of one subject.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Hit {
    /// Index into [`ErasureRequest::subjects`].
    pub subject: usize,
    /// What matched.
    pub kind: IdKind,
    /// Which form of it matched.
    pub form: Form,
    /// Which decoding exposed it.
    pub decoding: Decoding,
    /// The role this trace gives the subject.
    pub role: Role,
    /// Where it is.
    pub location: Location,
}

/// Lines this long made only of the base64 alphabet are opaque data (the
/// body of a base64 part): prose always has a space or punctuation sooner.
const OPAQUE_LINE: usize = 60;

/// A byte of an opaque line: the base64 alphabet and `=`. Written without
/// branches so that a whole line is checked with vector instructions.
fn is_base64_byte(b: u8) -> bool {
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'+') | (b == b'/') | (b == b'=')
}

/// True if `line` (without its line break) is opaque base64 data.
fn is_opaque_line(line: &[u8]) -> bool {
    if line.len() < OPAQUE_LINE {
        return false;
    }
    let block_ok = |block: &[u8]| block.iter().fold(true, |ok, &b| ok & is_base64_byte(b));
    // Whole blocks, then the last 32 bytes (overlapping) for the rest: a
    // line this long has them.
    line.chunks_exact(32).all(block_ok)
        && line
            .get(line.len().saturating_sub(32)..)
            .is_some_and(block_ok)
}

/// The parts of a raw message worth a literal scan: everything but runs of
/// opaque base64 lines, whose decoded content is scanned on its own. No
/// literal identifier with a space, `@`, `.`, `-` or a phone separator can
/// stand inside such a line.
fn text_segments(raw: &[u8]) -> Vec<Range<usize>> {
    let mut segments: Vec<Range<usize>> = Vec::new();
    let mut start = 0;
    let mut pos = 0;
    while pos < raw.len() {
        let end = memchr::memchr(b'\n', &raw[pos..]).map_or(raw.len(), |i| pos + i + 1);
        if is_opaque_line(raw[pos..end].trim_ascii_end()) {
            if start < pos {
                segments.push(start..pos);
            }
            start = end;
        }
        pos = end;
    }
    if start < raw.len() || segments.is_empty() {
        segments.push(start..raw.len());
    }
    segments
}

/// One identifier occurrence in a decoded text ([`Matcher::find_in_text`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextMatch {
    /// Byte range in the text given.
    pub(crate) range: Range<usize>,
    /// Index into [`ErasureRequest::subjects`].
    pub(crate) subject: usize,
    /// What matched.
    pub(crate) kind: IdKind,
}

/// How one trace was found, for reports: the kind, the form and the place
/// of a hit, never its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    /// What matched.
    pub kind: IdKind,
    /// Which form of it.
    pub form: Form,
    /// Which view of the message found it.
    pub place: Place,
    /// Which decoding exposed it.
    pub decoding: Decoding,
}

/// Which decoding exposed a hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decoding {
    /// The message as parsed (mail-parser's tree, encoded words, the
    /// declared transfer encodings and charsets), or the mbox envelope line.
    Mime,
    /// The raw bytes, literally.
    Literal,
    /// The salvage scan of a tree mail-parser did not give whole.
    Salvage,
    /// A run of base64 in the raw bytes, decoded on its own.
    RawBase64,
    /// The same run decoded line by line (its alignment is broken).
    RawBase64Lines,
    /// A stretch of quoted-printable in the raw bytes, decoded on its own.
    RawQuotedPrintable,
    /// A uuencoded block.
    Uuencode,
    /// A text part read in another charset than the declared one.
    OtherCharset,
    /// The text inside an attachment (a document, archive or calendar).
    Attachment,
}

impl Decoding {
    /// The decoding's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Decoding::Mime => "mime",
            Decoding::Literal => "literal",
            Decoding::Salvage => "salvage",
            Decoding::RawBase64 => "raw-base64",
            Decoding::RawBase64Lines => "raw-base64-lines",
            Decoding::RawQuotedPrintable => "raw-quoted-printable",
            Decoding::Uuencode => "uuencode",
            Decoding::OtherCharset => "other-charset",
            Decoding::Attachment => "attachment",
        }
    }
}

/// The view of a message a hit was found in (the kind of [`Location`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Place {
    /// The mbox `From ` line.
    Envelope,
    /// A header field, decoded.
    Header,
    /// A part's decoded content.
    Part,
    /// An attachment's file name.
    AttachmentName,
    /// The raw bytes (the safety net).
    Raw,
}

impl Place {
    /// The place's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Place::Envelope => "envelope",
            Place::Header => "header",
            Place::Part => "part",
            Place::AttachmentName => "attachment-name",
            Place::Raw => "raw",
        }
    }
}

impl Location {
    /// The view this location belongs to.
    pub fn place(&self) -> Place {
        match self {
            Location::Envelope => Place::Envelope,
            Location::Header { .. } => Place::Header,
            Location::Part { .. } => Place::Part,
            Location::AttachmentName { .. } => Place::AttachmentName,
            Location::Raw { .. } => Place::Raw,
        }
    }
}

/// How the message was examined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParseStatus {
    /// Not parsed: the request is empty, or the raw prefilter proved that no
    /// identifier can occur.
    Skipped,
    /// Parsed; every part was scanned.
    Parsed,
    /// mail-parser gave up (or panicked): only the envelope, the top-level
    /// headers and the raw bytes were scanned.
    Unparsed,
    /// Multiparts or enclosed messages nest deeper than `MAX_DEPTH` levels
    /// (or too deeply for mail-parser to be called): the parts below the
    /// limit were not scanned, so the message cannot be proven clean. The
    /// engine deletes it (fail closed).
    TooDeep,
    /// An attachment expands (decompressed, or copied out of archives) past
    /// the limit of [`Matcher::with_expand_limit`] for the message: a
    /// decompression bomb, or more than can be searched. The engine deletes
    /// the message (fail closed).
    AttachmentTooLarge,
    /// Archives or compressed streams inside an attachment nest deeper than
    /// 8 levels. The engine deletes the message (fail closed).
    AttachmentTooDeep,
    /// A reader of an attachment's format failed unexpectedly, so its
    /// content was not searched whole. The engine deletes the message (fail
    /// closed).
    AttachmentUnreadable,
    /// A part cannot be decoded with confidence (an unknown
    /// Content-Transfer-Encoding, or more encoded text than the safety
    /// net's decoding budget), so the message cannot be proven clean. The
    /// engine deletes it (fail closed).
    Undecodable,
}

/// Everything found in one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Findings {
    /// The hits, in scan order, without duplicates.
    pub hits: Vec<Hit>,
    /// How the message was examined.
    pub parse: ParseStatus,
}

impl Findings {
    fn skipped() -> Findings {
        Findings {
            hits: Vec::new(),
            parse: ParseStatus::Skipped,
        }
    }

    /// True when no subject was found.
    pub fn is_empty(&self) -> bool {
        self.hits.is_empty()
    }

    /// Indices of the subjects found, sorted, without duplicates.
    pub fn subjects(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.hits.iter().map(|h| h.subject).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The roles found, sorted (weakest first), without duplicates.
    pub(crate) fn roles(&self) -> Vec<Role> {
        let mut v: Vec<Role> = self.hits.iter().map(|h| h.role).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The strongest role found, if any.
    pub fn strongest_role(&self) -> Option<Role> {
        self.hits.iter().map(|h| h.role).max()
    }

    /// How the hits were found (kind, form, place), sorted, without duplicates.
    pub fn evidence(&self) -> Vec<Evidence> {
        let mut v: Vec<Evidence> = self
            .hits
            .iter()
            .map(|h| Evidence {
                kind: h.kind,
                form: h.form,
                place: h.location.place(),
                decoding: h.decoding,
            })
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl Matcher {
    /// Compiles every identifier of every subject.
    pub fn new(request: &ErasureRequest) -> Matcher {
        Matcher {
            patterns: Patterns::new(request),
            expand_limit: DEFAULT_EXPAND_LIMIT,
        }
    }

    /// Bounds what the extraction of one message's attachments (archives,
    /// compressed streams) may produce, in bytes (`--max-message-size`);
    /// past it the message is [`ParseStatus::AttachmentTooLarge`].
    pub fn with_expand_limit(mut self, limit: u64) -> Matcher {
        self.expand_limit = limit;
        self
    }

    /// False if the request could not be compiled for search (never seen:
    /// it would take a request of gigabytes); such a matcher would miss
    /// identifiers, so the operations refuse to run with it.
    pub(crate) fn is_complete(&self) -> bool {
        self.patterns.is_complete()
    }

    /// True when there is nothing to look for; [`Matcher::scan`] then
    /// returns no hits without looking at the message.
    pub(crate) fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Finds every trace of every subject in one message.
    pub fn scan(&self, msg: &MessageInput<'_>) -> Findings {
        if self.is_empty() {
            return Findings::skipped();
        }
        // The safety net's classification of the raw bytes, made at most
        // once and shared by both prefilters and the scan.
        let raw = rawnet::Classified::of(msg.raw);
        if !self.may_match(msg, &raw)
            || prefilter::proves_no_hit(&self.patterns, msg.envelope, &raw)
        {
            return Findings::skipped();
        }
        self.scan_unfiltered(msg, raw)
    }

    /// [`Matcher::scan`] without the prefilter; `raw` is `msg.raw` classified.
    fn scan_unfiltered(&self, msg: &MessageInput<'_>, raw: rawnet::Classified<'_>) -> Findings {
        let mut scan = Scan::new(self, msg.raw);
        if let Some(env) = msg.envelope {
            let text = String::from_utf8_lossy(env);
            scan.text(&text, Role::Sender, false, Location::Envelope);
        }
        let fields = headers::split_fields(msg.raw);
        scan.top_headers(&fields);
        let mut parse = mime::scan_parsed(&mut scan);
        if parse == ParseStatus::Unparsed || scan.incomplete {
            scan.with_decoding(Decoding::Salvage, |scan| {
                salvage::scan_encoded_bodies(scan, msg.raw);
            });
            if scan.too_deep {
                parse = ParseStatus::TooDeep;
            }
        }
        parse = match scan.unextracted {
            _ if parse == ParseStatus::TooDeep => parse,
            Some(crate::extract::Exceeded::Size) => ParseStatus::AttachmentTooLarge,
            Some(crate::extract::Exceeded::Depth) => ParseStatus::AttachmentTooDeep,
            Some(crate::extract::Exceeded::Failed) => ParseStatus::AttachmentUnreadable,
            None => parse,
        };
        scan.raw(&fields, &raw);
        if scan.undecodable && matches!(parse, ParseStatus::Parsed | ParseStatus::Unparsed) {
            parse = ParseStatus::Undecodable;
        }
        Findings {
            hits: scan.hits,
            parse,
        }
    }

    /// Every identifier occurrence in already decoded `text` (a header value
    /// after RFC 2047, a body after its transfer encoding and charset), as
    /// byte ranges of `text`: what a rewrite needs to replace.
    pub(crate) fn find_in_text(&self, text: &str) -> Vec<TextMatch> {
        if self.is_empty() {
            return Vec::new();
        }
        // The windowed search: the same hits as normalising the whole text,
        // without a normalised copy and offset map of all of it.
        window::find_in_bytes(&self.patterns, text.as_bytes(), true)
            .hits
            .into_iter()
            .filter_map(|h| {
                Some(TextMatch {
                    range: h.span?,
                    subject: h.subject,
                    kind: h.kind,
                })
            })
            .collect()
    }

    /// Scans arbitrary bytes (for instance a non-mail file in an archive) as
    /// text, read as UTF-8 with invalid sequences replaced. Every hit has
    /// role [`Role::Mention`] and a [`Location::Raw`] span.
    pub fn scan_bytes(&self, bytes: &[u8]) -> Vec<Hit> {
        if self.is_empty() {
            return Vec::new();
        }
        if let Ok(ascii) = std::str::from_utf8(bytes)
            && ascii.is_ascii()
            && !self.patterns.may_match_ascii(ascii)
        {
            return Vec::new();
        }
        let mut scan = Scan::new(self, bytes);
        scan.raw(&[], &rawnet::Classified::of(bytes));
        scan.hits
    }

    /// The prefilter: false only if the message is plain ASCII without any
    /// encoding that could hide an identifier (no transfer encoding but the
    /// identity ones, nothing the safety net would decode), and no
    /// identifier occurs in it literally. `raw` is `msg.raw` classified.
    fn may_match(&self, msg: &MessageInput<'_>, raw: &rawnet::Classified<'_>) -> bool {
        let envelope = msg.envelope.unwrap_or_default();
        let parts = [(envelope, None), (msg.raw, Some(raw))];
        parts
            .iter()
            .any(|&(bytes, classified)| match std::str::from_utf8(bytes) {
                Ok(s)
                    if s.is_ascii()
                        && !mime::may_hide_text(bytes)
                        && !mime::has_unknown_encoding(bytes)
                        && !classified.map_or_else(
                            || rawnet::Classified::of(bytes).looks_encoded(),
                            rawnet::Classified::looks_encoded,
                        ) =>
                {
                    self.patterns.may_match_ascii(s)
                }
                _ => true,
            })
    }
}

/// The state of one scan: where the outer buffer is, and the hits so far.
pub(crate) struct Scan<'m> {
    matcher: &'m Matcher,
    outer: &'m [u8],
    hits: Vec<Hit>,
    seen: HashSet<Hit>,
    /// Set when the MIME walk stopped at [`MAX_DEPTH`].
    too_deep: bool,
    /// Set when mail-parser's tree may be incomplete (an encoding problem,
    /// an enclosed message, parsed or not): the salvage scan runs.
    incomplete: bool,
    /// What the extraction of attachments may still produce.
    budget: crate::extract::Budget,
    /// Set when an extraction stopped at a bound: the attachment was not
    /// searched whole.
    unextracted: Option<crate::extract::Exceeded>,
    /// The decoding whose text is being searched (tags the hits).
    decoding: Decoding,
    /// Set when a part cannot be decoded with confidence (see
    /// [`ParseStatus::Undecodable`]).
    undecodable: bool,
    /// Base64 and quoted-printable bodies (ranges of the outer buffer)
    /// mail-parser decoded without a problem: the safety net's decodings
    /// need not read them again when they are regular.
    clean: Vec<rawnet::Clean>,
}

impl<'m> Scan<'m> {
    fn new(matcher: &'m Matcher, outer: &'m [u8]) -> Scan<'m> {
        Scan {
            matcher,
            outer,
            hits: Vec::new(),
            seen: HashSet::new(),
            too_deep: false,
            incomplete: false,
            budget: crate::extract::Budget::new(matcher.expand_limit),
            unextracted: None,
            decoding: Decoding::Mime,
            undecodable: false,
            clean: Vec::new(),
        }
    }

    /// Runs `f` with the hits it finds tagged `decoding`.
    pub(crate) fn with_decoding(&mut self, decoding: Decoding, f: impl FnOnce(&mut Self)) {
        let outer = std::mem::replace(&mut self.decoding, decoding);
        f(self);
        self.decoding = outer;
    }

    fn push(&mut self, hit: Hit) {
        if self.seen.insert(hit.clone()) {
            self.hits.push(hit);
        }
    }

    /// Scans a decoded text. With `received`, an address right after the
    /// keyword `for` is a recipient.
    pub(crate) fn text(&mut self, text: &str, role: Role, received: bool, location: Location) {
        self.text_bytes(text.as_bytes(), role, received, location);
    }

    /// Scans a raw header value: decoded as [`decode_value`] reads it, then
    /// in the other readings of its encoded words and of its RFC 2231
    /// parameter values (a declared charset may be wrong), whose hits are
    /// tagged [`Decoding::OtherCharset`].
    ///
    /// [`decode_value`]: crate::text::rfc2047::decode_value
    pub(crate) fn header_value(
        &mut self,
        raw: &[u8],
        role: Role,
        received: bool,
        location: &Location,
    ) {
        let value = crate::text::rfc2047::decode_value(raw);
        self.text(&value, role, received, location.clone());
        let mut readings = crate::text::rfc2047::other_readings(raw, &value);
        readings.extend(crate::text::params::other_readings(raw));
        for reading in readings {
            self.with_decoding(Decoding::OtherCharset, |scan| {
                scan.text(&reading, role, received, location.clone());
            });
        }
    }

    /// Scans bytes as text (UTF-8, each invalid sequence read as U+FFFD),
    /// like [`Scan::text`] on `String::from_utf8_lossy(bytes)`.
    pub(crate) fn text_bytes(
        &mut self,
        bytes: &[u8],
        role: Role,
        received: bool,
        location: Location,
    ) {
        let found = window::find_in_bytes(&self.matcher.patterns, bytes, false);
        for h in &found.hits {
            let role = if received && h.after_for {
                Role::Recipient
            } else {
                role
            };
            self.push(Hit {
                subject: h.subject,
                kind: h.kind,
                form: h.form,
                decoding: self.decoding,
                role,
                location: location.clone(),
            });
        }
    }

    /// Scans the top-level header fields, with roles by field name.
    fn top_headers(&mut self, fields: &[headers::Field]) {
        let outer = self.outer;
        for (index, f) in fields.iter().enumerate() {
            let value = outer.get(f.value.clone()).unwrap_or_default();
            let received = f.name.eq_ignore_ascii_case("received");
            let location = Location::Header {
                path: Vec::new(),
                index,
                name: f.name.clone(),
                span: Some(f.span.clone()),
            };
            self.header_value(value, headers::role_of(&f.name), received, &location);
        }
    }

    /// The safety net: scans the raw bytes, and what every run in them that
    /// looks encoded decodes to (see `rawnet`). Hits inside a top-level
    /// header field get that field's role. `classified` is the outer buffer
    /// classified by `rawnet`.
    fn raw(&mut self, fields: &[headers::Field], classified: &rawnet::Classified<'_>) {
        for segment in text_segments(self.outer) {
            self.raw_segment(fields, segment);
        }
        self.raw_decodings(classified);
    }

    /// The safety net's decodings of the raw bytes, searched; past their
    /// limits the message is undecodable (fail closed).
    fn raw_decodings(&mut self, classified: &rawnet::Classified<'_>) {
        debug_assert!(std::ptr::eq(classified.bytes(), self.outer));
        let clean = std::mem::take(&mut self.clean);
        let within = rawnet::decode_all(classified, &clean, |decoding, buf| {
            self.with_decoding(decoding, |scan| salvage::scan_decoded(scan, buf));
        });
        if within.is_err() {
            self.undecodable = true;
        }
    }

    /// The raw scan of one segment of the message.
    fn raw_segment(&mut self, fields: &[headers::Field], segment: Range<usize>) {
        let bytes = self.outer.get(segment.clone()).unwrap_or_default();
        let found = window::find_in_bytes(&self.matcher.patterns, bytes, true);
        for h in found.hits {
            let Some(span) = h.span else {
                continue;
            };
            let span = span.start + segment.start..span.end + segment.start;
            let field = fields
                .iter()
                .find(|f| f.span.start <= span.start && span.start < f.span.end);
            let role = match field {
                Some(f) if f.name.eq_ignore_ascii_case("received") && h.after_for => {
                    Role::Recipient
                }
                Some(f) => headers::role_of(&f.name),
                None => Role::Mention,
            };
            self.push(Hit {
                subject: h.subject,
                kind: h.kind,
                form: h.form,
                decoding: Decoding::Literal,
                role,
                location: Location::Raw { span },
            });
        }
    }
}
