//! The MIME walk: entities, multiparts, enclosed messages and leaf parts.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use super::header::{self, Block};
use super::mapped::{self, Edit};
use super::{DroppedAttachment, Finder, MAX_DEPTH, RewriteError, RewriteOptions, html, params};
use crate::extract;
use crate::text::base64::decode_lenient as base64_lenient;
use crate::text::codec::{self, Base64Layout, Charset};
use crate::text::qp::decode_lenient as qp_lenient;

/// The media type of a part without a Content-Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DefaultType {
    /// `text/plain` (everywhere but in a digest).
    Text,
    /// `message/rfc822` (parts of a `multipart/digest`).
    Message,
}

/// A Content-Transfer-Encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cte {
    /// 7bit, 8bit, binary or none.
    Identity,
    Base64,
    Qp,
    /// Anything else (x-uuencode, garbage).
    Unknown,
}

/// What to do with a part's body.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Multipart(Vec<u8>),
    Message,
    Text { html: bool },
    Binary,
}

/// What the headers of a part say about its body.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PartInfo {
    kind: Kind,
    mime: String,
    charset: Option<Vec<u8>>,
    cte: Cte,
    digest: bool,
    /// The attachment's file name, if it has one.
    filename: Option<String>,
}

/// File name extensions of attachments redacted as text.
const TEXT_EXTENSIONS: &[&str] = &["csv", "json", "xml", "vcf", "ics", "txt"];

/// Non-`text/*` media types redacted as text.
const TEXT_TYPES: &[&str] = &[
    "application/json",
    "application/xml",
    "application/csv",
    "application/x-csv",
    "application/vcard",
    "application/ics",
    "application/x-vcard",
];

/// What the header `block` of the entity `bytes` says about its body;
/// `default` is the media type when there is no Content-Type.
fn part_info(bytes: &[u8], block: &Block, default: DefaultType) -> PartInfo {
    let content_type =
        params::parse(field_value(bytes, block, b"content-type").unwrap_or_default());
    let ct_params = params::join(&content_type.raw);
    let disposition =
        params::parse(field_value(bytes, block, b"content-disposition").unwrap_or_default());
    let cd_params = params::join(&disposition.raw);
    let mime = if content_type.main.contains('/') {
        content_type.main.clone()
    } else if default == DefaultType::Message {
        "message/rfc822".to_owned()
    } else {
        "text/plain".to_owned()
    };
    let cte = cte_of(field_value(bytes, block, b"content-transfer-encoding"));
    let filename = param(&cd_params, "filename").or_else(|| param(&ct_params, "name"));
    let boundary = param(&ct_params, "boundary").filter(|b| !b.is_empty());
    let kind = kind_of(&mime, boundary, has_text_extension(filename.as_deref()));
    PartInfo {
        kind,
        digest: mime == "multipart/digest",
        mime,
        charset: param(&ct_params, "charset").map(String::into_bytes),
        cte,
        filename,
    }
}

/// The raw value of the first field of `block` named `name` (any case).
fn field_value<'a>(bytes: &'a [u8], block: &Block, name: &[u8]) -> Option<&'a [u8]> {
    block.fields.iter().find_map(|f| {
        let n = bytes.get(f.name.clone())?;
        n.eq_ignore_ascii_case(name)
            .then(|| bytes.get(f.value.clone()).unwrap_or_default())
    })
}

/// The value of the parameter `name` among `ps`.
fn param(ps: &[params::Param], name: &str) -> Option<String> {
    ps.iter().find(|p| p.name == name).map(|p| p.value.clone())
}

/// The transfer encoding a Content-Transfer-Encoding `value` names.
fn cte_of(value: Option<&[u8]>) -> Cte {
    match value
        .map(|v| {
            String::from_utf8_lossy(&header::unfold(v))
                .trim()
                .to_ascii_lowercase()
        })
        .as_deref()
    {
        None | Some("" | "7bit" | "8bit" | "binary") => Cte::Identity,
        Some("base64") => Cte::Base64,
        Some("quoted-printable") => Cte::Qp,
        Some(_) => Cte::Unknown,
    }
}

/// True when the file name `filename` has an extension of
/// [`TEXT_EXTENSIONS`].
fn has_text_extension(filename: Option<&str>) -> bool {
    filename.is_some_and(|name| {
        name.rsplit_once('.').is_some_and(|(_, ext)| {
            TEXT_EXTENSIONS.contains(&ext.trim().to_ascii_lowercase().as_str())
        })
    })
}

/// What to do with the body of a part of type `mime`: a multipart needs a
/// `boundary`, and a file name with a text extension makes any type text.
fn kind_of(mime: &str, boundary: Option<String>, extension_is_text: bool) -> Kind {
    match (mime, boundary) {
        (m, Some(b)) if m.starts_with("multipart/") => Kind::Multipart(b.into_bytes()),
        ("message/rfc822" | "message/global", _) => Kind::Message,
        (m, _) if m.starts_with("multipart/") => Kind::Text { html: false },
        (m, _)
            if m.starts_with("text/")
                || m.starts_with("message/")
                || m.ends_with("+json")
                || m.ends_with("+xml")
                || TEXT_TYPES.contains(&m)
                || extension_is_text =>
        {
            Kind::Text {
                html: m == "text/html",
            }
        }
        _ => Kind::Binary,
    }
}

impl PartInfo {
    /// The media type of this multipart's parts without a Content-Type.
    fn child_default(&self) -> DefaultType {
        if self.digest {
            DefaultType::Message
        } else {
            DefaultType::Text
        }
    }
}

/// Walks one message, collecting the attachments it drops.
pub(crate) struct Walker<'a> {
    finder: &'a dyn Finder,
    options: &'a RewriteOptions,
    eol: &'static [u8],
    dropped: Vec<super::DroppedAttachment>,
}

impl<'a> Walker<'a> {
    /// A walker for a message whose line ending is `eol`.
    pub(crate) fn new(
        finder: &'a dyn Finder,
        options: &'a RewriteOptions,
        eol: &'static [u8],
    ) -> Self {
        Walker {
            finder,
            options,
            eol,
            dropped: Vec::new(),
        }
    }

    /// The attachments dropped so far.
    pub(crate) fn into_dropped(self) -> Vec<DroppedAttachment> {
        self.dropped
    }

    /// Redacts an entity (header block and body). `Some` when it changed.
    pub(crate) fn entity(
        &mut self,
        bytes: &[u8],
        path: &[usize],
        depth: usize,
        default: DefaultType,
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        if depth > MAX_DEPTH {
            return Err(RewriteError::TooDeep {
                part: path.to_vec(),
            });
        }
        let block = header::parse_block(bytes);
        let info = part_info(bytes, &block, default);
        let edits = self.field_edits(bytes, &block, path)?;
        let body = bytes.get(block.body_start..).unwrap_or_default();
        let new_body = self.body(body, &info, path, depth)?;
        if let Some(mut new_body) = new_body {
            // The header block goes in front of the new body in place: a
            // large body is not copied once more.
            let head = bytes.get(..block.body_start).unwrap_or_default();
            let head = mapped::apply(head, edits).ok_or_else(|| structure(path))?;
            new_body.reserve_exact(head.len());
            new_body.splice(0..0, head);
            return Ok(Some(new_body));
        }
        if edits.is_empty() {
            return Ok(None);
        }
        mapped::apply(bytes, edits)
            .map(Some)
            .ok_or_else(|| structure(path))
    }

    /// The edits that redact the fields of the header `block` of `bytes`.
    fn field_edits(
        &self,
        bytes: &[u8],
        block: &Block,
        path: &[usize],
    ) -> Result<Vec<Edit>, RewriteError> {
        let mut edits: Vec<Edit> = Vec::new();
        for field in &block.fields {
            if let Some(new) = header::redact_field(bytes, field, self.finder, self.eol, path)? {
                edits.push((field.range.clone(), new));
            }
        }
        Ok(edits)
    }

    /// Redacts the body of an entity as its `info` says. `Some` when it
    /// changed; a binary root is refused when binary parts are stubbed.
    fn body(
        &mut self,
        body: &[u8],
        info: &PartInfo,
        path: &[usize],
        depth: usize,
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        match &info.kind {
            Kind::Multipart(boundary) => self.multipart(body, boundary, info, path, depth),
            Kind::Message => self.message(body, info, path, depth),
            Kind::Text { html } => self.text(body, info, *html, path),
            Kind::Binary if self.options.stub_binary_attachments => Err(RewriteError::BinaryRoot {
                part: path.to_vec(),
            }),
            Kind::Binary => Ok(None),
        }
    }

    /// Redacts the preamble, the parts and the epilogue of a multipart body.
    fn multipart(
        &mut self,
        body: &[u8],
        boundary: &[u8],
        info: &PartInfo,
        path: &[usize],
        depth: usize,
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        let plain = PartInfo {
            kind: Kind::Text { html: false },
            cte: Cte::Identity,
            ..info.clone()
        };
        let Some(layout) = split_multipart(body, boundary) else {
            return self.text(body, &plain, false, path);
        };
        let default = info.child_default();
        let mut edits = Vec::new();
        for range in [Some(layout.preamble), layout.epilogue]
            .into_iter()
            .flatten()
        {
            let bytes = body.get(range.clone()).unwrap_or_default();
            if let Some(new) = self.text(bytes, &plain, false, path)? {
                edits.push((range, new));
            }
        }
        self.push_part_edits(body, layout.parts, default, path, depth, &mut edits)?;
        if edits.is_empty() {
            return Ok(None);
        }
        mapped::apply(body, edits)
            .map(Some)
            .ok_or_else(|| structure(path))
    }

    /// Pushes to `edits` the redactions of the `parts` of the multipart
    /// `body` at `path` and `depth`; `default` is their media type when they
    /// have no Content-Type.
    fn push_part_edits(
        &mut self,
        body: &[u8],
        parts: Vec<Range<usize>>,
        default: DefaultType,
        path: &[usize],
        depth: usize,
        edits: &mut Vec<Edit>,
    ) -> Result<(), RewriteError> {
        for (i, range) in parts.into_iter().enumerate() {
            let child = body.get(range.clone()).unwrap_or_default();
            let mut child_path = path.to_vec();
            child_path.push(i);
            if let Some(new) = self.part(child, child_path, depth, default)? {
                edits.push((range, new));
            }
        }
        Ok(())
    }

    /// Redacts one part `child` of a multipart at `depth`: a binary part is
    /// replaced by a stub when binary parts are stubbed, any other part is
    /// redacted as an entity; a text-like part whose inside (RTF escapes,
    /// vCard folds …, see `crate::extract`) still holds an identifier after
    /// that is stubbed too. `Some` when it changed.
    fn part(
        &mut self,
        child: &[u8],
        child_path: Vec<usize>,
        depth: usize,
        default: DefaultType,
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        let child_info = part_info(child, &header::parse_block(child), default);
        if child_info.kind == Kind::Binary && self.options.stub_binary_attachments {
            return Ok(Some(self.stub(child, &child_info, child_path)));
        }
        let redacted = self.entity(child, &child_path, depth + 1, default)?;
        if matches!(child_info.kind, Kind::Text { .. })
            && self.options.stub_binary_attachments
            && self.hides_hit(redacted.as_deref().unwrap_or(child), &child_info)
        {
            return Ok(Some(self.stub(child, &child_info, child_path)));
        }
        Ok(redacted)
    }

    /// True if the texts extracted from the leaf `entity` (described by
    /// `info`) hold a hit, or cannot all be extracted.
    fn hides_hit(&self, entity: &[u8], info: &PartInfo) -> bool {
        let block = header::parse_block(entity);
        let body = entity.get(block.body_start..).unwrap_or_default();
        let Some(decoded) = transfer_decode(body, info.cte) else {
            return false;
        };
        let att = extract::Attachment {
            bytes: &decoded,
            content_type: &info.mime,
            name: info.filename.as_deref().unwrap_or_default(),
        };
        if extract::sniff(&att).is_none() {
            return false;
        }
        let mut budget = extract::Budget::new(crate::matcher::DEFAULT_EXPAND_LIMIT);
        let mut found = false;
        let complete = extract::extract(&att, &mut budget, 0, &mut |piece| {
            let (extract::Piece::Text(t) | extract::Piece::Message(t)) = piece;
            found = found || !self.finder.find(&String::from_utf8_lossy(t)).is_empty();
        });
        found || complete.is_err()
    }

    /// Redacts an enclosed message, decoding and re-encoding its transfer
    /// encoding.
    fn message(
        &mut self,
        body: &[u8],
        info: &PartInfo,
        path: &[usize],
        depth: usize,
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        let decoded = match transfer_decode(body, info.cte) {
            Some(d) => d,
            None => return self.text(body, info, false, path),
        };
        let outer_eol = std::mem::replace(&mut self.eol, codec::detect_eol(&decoded));
        let inner = self.entity(&decoded, path, depth + 1, DefaultType::Text);
        self.eol = outer_eol;
        let Some(new) = inner? else {
            return Ok(None);
        };
        drop(decoded);
        self.transfer_encode(body, info.cte, new, path).map(Some)
    }

    /// Redacts a text-like leaf body.
    fn text(
        &mut self,
        body: &[u8],
        info: &PartInfo,
        html: bool,
        path: &[usize],
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        let Some(decoded) = transfer_decode(body, info.cte) else {
            return self.refuse_if_found(body, path);
        };
        let (charset, strict) = read_charset(info.charset.as_deref(), &decoded);
        let new_text = {
            let text = match &strict {
                Some(t) => Cow::Borrowed(t.as_ref()),
                None => charset.decode_lossy(&decoded),
            };
            self.redact_content(&text, html, path)?
        };
        let Some(new_text) = new_text else {
            return Ok(None);
        };
        if strict.is_none() {
            return Err(unreadable(&charset, path));
        }
        // The old content goes before the new one is encoded: a large part
        // is held twice at most, not four times.
        drop(strict);
        drop(decoded);
        self.encode_back(body, info.cte, &charset, new_text, path)
            .map(Some)
    }

    /// A body whose transfer encoding cannot be undone: refused when its
    /// raw bytes hold a hit, else left as it is.
    fn refuse_if_found(
        &self,
        body: &[u8],
        path: &[usize],
    ) -> Result<Option<Vec<u8>>, RewriteError> {
        let found = !self.finder.find(&String::from_utf8_lossy(body)).is_empty();
        if found {
            Err(RewriteError::Undecodable {
                part: path.to_vec(),
            })
        } else {
            Ok(None)
        }
    }

    /// The redacted text `new_text` of `body` encoded back: in its
    /// `charset`, then in its transfer encoding `cte`.
    fn encode_back(
        &self,
        body: &[u8],
        cte: Cte,
        charset: &Charset,
        new_text: String,
        path: &[usize],
    ) -> Result<Vec<u8>, RewriteError> {
        let new_bytes =
            charset
                .encode_strict(new_text)
                .ok_or_else(|| RewriteError::Unencodable {
                    part: path.to_vec(),
                })?;
        self.transfer_encode(body, cte, new_bytes, path)
    }

    /// Applies the original transfer encoding of `body` to new content.
    /// An identity-encoded body is its own content, against which mbox
    /// quoting tells new `From ` lines from old ones.
    fn transfer_encode(
        &self,
        body: &[u8],
        cte: Cte,
        new: Vec<u8>,
        path: &[usize],
    ) -> Result<Vec<u8>, RewriteError> {
        let eol = if memchr::memchr(b'\n', body).is_some() {
            codec::detect_eol(body)
        } else {
            self.eol
        };
        match cte {
            Cte::Identity if self.options.mbox_quoting => Ok(requote(body, new)),
            Cte::Identity => Ok(new),
            Cte::Base64 => Ok(Base64Layout::of(body, eol).encode(&new)),
            Cte::Qp => Ok(codec::qp_encode(&new, eol)),
            Cte::Unknown => Err(RewriteError::UnknownTransferEncoding {
                part: path.to_vec(),
            }),
        }
    }

    /// Redacts decoded text, as HTML (visible text and attribute values) or
    /// as plain text. `None` when there is no hit.
    fn redact_content(
        &self,
        text: &str,
        is_html: bool,
        path: &[usize],
    ) -> Result<Option<String>, RewriteError> {
        if !is_html {
            return mapped::redact_plain(self.finder, text).map_err(|_| structure(path));
        }
        let mut edits = Vec::new();
        for view in html::views(text) {
            let hits = mapped::find(self.finder, &view);
            edits.extend(mapped::edits(
                &view,
                &hits,
                &mapped::plain_marker,
                &|_, t| t.as_bytes().to_vec(),
            ));
        }
        if edits.is_empty() {
            return Ok(None);
        }
        let bytes = mapped::apply(text.as_bytes(), edits).ok_or_else(|| structure(path))?;
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| structure(path))
    }

    /// The stub that replaces a binary part, and its record.
    fn stub(&mut self, part: &[u8], info: &PartInfo, part_path: Vec<usize>) -> Vec<u8> {
        self.dropped.push(DroppedAttachment {
            part_path,
            content_type: self.safe_mime(&info.mime),
            original: part.to_vec(),
        });
        let sentence = self.stub_sentence();
        let eol = self.eol;
        let mut out = Vec::new();
        for line in [
            &b"Content-Type: text/plain; charset=us-ascii"[..],
            b"Content-Transfer-Encoding: 7bit",
            b"Content-Disposition: inline",
            b"",
        ] {
            out.extend_from_slice(line);
            out.extend_from_slice(eol);
        }
        out.extend_from_slice(&wrap(&sentence, 76, eol));
        out
    }

    /// The sentence of a stub: the attachment was removed under the
    /// erasure requests (their ids, other characters than a few safe ones
    /// written as `_`).
    fn stub_sentence(&self) -> String {
        let ids: Vec<String> = self
            .options
            .request_ids
            .iter()
            .map(|id| {
                id.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || "._:/#-".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect()
            })
            .collect();
        match ids.len() {
            0 => "This attachment was removed under an erasure request.".to_owned(),
            1 => format!(
                "This attachment was removed under erasure request {}.",
                ids.join("")
            ),
            _ => format!(
                "This attachment was removed under erasure requests {}.",
                ids.join(", ")
            ),
        }
    }

    /// The MIME type for a report: only a plain `type/subtype` that holds no
    /// identifier, else `application/octet-stream`.
    fn safe_mime(&self, mime: &str) -> String {
        let plain = mime.len() <= 100
            && mime.contains('/')
            && mime
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"/.+-_".contains(&b));
        if plain && self.finder.find(mime).is_empty() {
            mime.to_owned()
        } else {
            "application/octet-stream".to_owned()
        }
    }
}

/// The charset of decoded text whose Content-Type declares `declared`,
/// and the text when it reads without error in that charset.
fn read_charset<'a>(declared: Option<&[u8]>, decoded: &'a [u8]) -> (Charset, Option<Cow<'a, str>>) {
    let mut charset = Charset::lookup(declared.unwrap_or(b"utf-8"));
    let mut strict = charset.decode_strict(decoded);
    if strict.is_none() && declared.is_none() {
        // Undeclared 8-bit text that is not UTF-8: old mail is mostly
        // Latin-1/windows-1252, which decodes (and encodes back) any byte.
        charset = Charset::Known(encoding_rs::WINDOWS_1252);
        strict = charset.decode_strict(decoded);
    }
    (charset, strict)
}

/// Why text that does not read in its `charset` cannot be redacted: it is
/// malformed, or the charset is unknown.
fn unreadable(charset: &Charset, path: &[usize]) -> RewriteError {
    match charset {
        Charset::Known(_) => RewriteError::Undecodable {
            part: path.to_vec(),
        },
        _ => RewriteError::UnknownCharset {
            part: path.to_vec(),
        },
    }
}

/// The error of a part whose new bytes cannot be put together.
fn structure(path: &[usize]) -> RewriteError {
    RewriteError::Structure {
        part: path.to_vec(),
    }
}

/// Undoes a transfer encoding (an unknown one is read as is).
fn transfer_decode(body: &[u8], cte: Cte) -> Option<Cow<'_, [u8]>> {
    match cte {
        Cte::Identity | Cte::Unknown => Some(Cow::Borrowed(body)),
        Cte::Base64 => Some(Cow::Owned(base64_lenient(body))),
        Cte::Qp => Some(Cow::Owned(qp_lenient(body))),
    }
}

/// Greedy word wrap of ASCII text.
fn wrap(text: &str, width: usize, eol: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut col = 0;
    for word in text.split(' ') {
        if col > 0 && col + 1 + word.len() > width {
            out.extend_from_slice(eol);
            col = 0;
        } else if col > 0 {
            out.push(b' ');
            col += 1;
        }
        out.extend_from_slice(word.as_bytes());
        col += word.len();
    }
    out
}

/// Quotes, as `>From `, every line of `new` that starts with `From ` and
/// was not already such a line in `old` (mbox bodies). `new` is returned
/// as it is when no line needs it.
fn requote(old: &[u8], new: Vec<u8>) -> Vec<u8> {
    let quote = new_from_lines(old, &new);
    if quote.is_empty() {
        return new;
    }
    let mut out = Vec::with_capacity(new.len() + quote.len());
    let mut pos = 0;
    for at in quote {
        out.extend_from_slice(new.get(pos..at).unwrap_or_default());
        out.push(b'>');
        pos = at;
    }
    out.extend_from_slice(new.get(pos..).unwrap_or_default());
    out
}

/// The starts of the lines of `new` that begin with `From ` and are not
/// such lines of `old` (each line of `old` answers for one of `new`).
fn new_from_lines(old: &[u8], new: &[u8]) -> Vec<usize> {
    let mut existing: HashMap<&[u8], usize> = HashMap::new();
    for line in from_lines(old) {
        *existing
            .entry(old.get(line).unwrap_or_default())
            .or_default() += 1;
    }
    from_lines(new)
        .into_iter()
        .filter(
            |line| match existing.get_mut(new.get(line.clone()).unwrap_or_default()) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            },
        )
        .map(|line| line.start)
        .collect()
}

/// The ranges of the lines of `text` that start with `From ` (line
/// endings excluded).
fn from_lines(text: &[u8]) -> Vec<Range<usize>> {
    let mut lines = Vec::new();
    let mut start = 0;
    while start <= text.len() {
        let end = memchr::memchr(b'\n', text.get(start..).unwrap_or_default())
            .map_or(text.len(), |i| start + i);
        if text
            .get(start..end)
            .is_some_and(|l| l.starts_with(b"From "))
        {
            lines.push(start..end);
        }
        start = end + 1;
    }
    lines
}

/// Where the pieces of a multipart body are.
#[derive(Debug, Clone, PartialEq, Eq)]
struct MultipartLayout {
    preamble: Range<usize>,
    parts: Vec<Range<usize>>,
    epilogue: Option<Range<usize>>,
}

/// Finds the delimiter lines of a multipart body. A part runs from after
/// its delimiter line to before the line ending that precedes the next
/// one; a missing close delimiter ends the last part at the end of the
/// body. `None` when there is no delimiter at all.
fn split_multipart(body: &[u8], boundary: &[u8]) -> Option<MultipartLayout> {
    let delims = delimiters(body, boundary);
    let first = delims.first()?;
    let preamble = 0..content_end(body, first.0);
    let mut parts = Vec::new();
    for pair in delims.windows(2) {
        if let [(_, start, false), (next, ..)] = pair {
            parts.push(*start..content_end(body, *next).max(*start));
        }
    }
    let epilogue = match delims.last() {
        Some(&(_, end, true)) => Some(end..body.len()),
        Some(&(_, start, false)) => {
            parts.push(start..body.len());
            None
        }
        None => None,
    };
    Some(MultipartLayout {
        preamble,
        parts,
        epilogue,
    })
}

/// The delimiter lines of `boundary` in `body`, up to the close delimiter:
/// (line start, offset after the line, is the close delimiter).
fn delimiters(body: &[u8], boundary: &[u8]) -> Vec<(usize, usize, bool)> {
    let mut delims: Vec<(usize, usize, bool)> = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let rest = body.get(pos..).unwrap_or_default();
        let line_len = memchr::memchr(b'\n', rest).map_or(rest.len(), |i| i + 1);
        let line = crate::mailbox::trim_eol(rest.get(..line_len).unwrap_or_default());
        if let Some(after) = line
            .strip_prefix(b"--")
            .and_then(|l| l.strip_prefix(boundary))
        {
            let close = after.starts_with(b"--");
            let tail = if close {
                after.get(2..).unwrap_or_default()
            } else {
                after
            };
            if tail.iter().all(|&b| b == b' ' || b == b'\t') {
                delims.push((pos, pos + line_len, close));
                if close {
                    break;
                }
            }
        }
        pos += line_len;
    }
    delims
}

/// Where the content before offset `p` of `body` ends: before the line
/// ending that precedes `p`, if there is one.
fn content_end(body: &[u8], p: usize) -> usize {
    if p >= 2 && body.get(p - 2..p) == Some(b"\r\n") {
        p - 2
    } else if p >= 1 && body.get(p - 1) == Some(&b'\n') {
        p - 1
    } else {
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_multiparts_tolerantly() {
        let body = b"pre\r\n--b\r\nA\r\n--b \r\nB\r\n--bx\r\n--b--\r\nepi";
        let l = split_multipart(body, b"b").unwrap();
        let texts: Vec<&[u8]> = l.parts.iter().map(|r| &body[r.clone()]).collect();
        assert_eq!(&body[l.preamble.clone()], b"pre");
        assert_eq!(texts, [&b"A"[..], b"B\r\n--bx"]);
        assert_eq!(&body[l.epilogue.unwrap()], b"epi");
        let l = split_multipart(b"--b\nA\n--b\nB\n", b"b").unwrap();
        assert_eq!(l.parts, [4..5, 10..12]);
        assert_eq!(l.epilogue, None);
        assert_eq!(l.preamble, 0..0);
        assert!(split_multipart(b"no delimiter", b"b").is_none());
        let l = split_multipart(b"--b\n--b\n--b--", b"b").unwrap();
        assert_eq!(l.parts, [4..4, 8..8]);
    }

    #[test]
    fn requotes_only_new_from_lines() {
        let old = b"From a\n>From b\nx";
        let new = b"From a\n>From b\nFrom c\nFrom a".to_vec();
        assert_eq!(requote(old, new), b"From a\n>From b\n>From c\n>From a");
        let new = b"From a\nx\nFrom a".to_vec();
        assert_eq!(requote(b"From a\nFrom a\n", new.clone()), new);
        let at = new.as_ptr();
        let same = requote(b"From a\nFrom a", new);
        assert_eq!(same.as_ptr(), at, "not copied");
        assert_eq!(requote(b"", b"From \n".to_vec()), b">From \n");
    }

    #[test]
    fn classifies_parts() {
        let cases: &[(&[u8], Kind)] = &[
            (b"Subject: x\n\n", Kind::Text { html: false }),
            (b"Content-Type: text/html\n\n", Kind::Text { html: true }),
            (b"Content-Type: multipart/mixed; boundary=x\n\n", Kind::Multipart(b"x".to_vec())),
            (b"Content-Type: multipart/mixed\n\n", Kind::Text { html: false }),
            (b"Content-Type: message/rfc822\n\n", Kind::Message),
            (b"Content-Type: image/png\n\n", Kind::Binary),
            (
                b"Content-Type: application/octet-stream\nContent-Disposition: attachment;\n filename=\"list.CSV\"\n\n",
                Kind::Text { html: false },
            ),
            (b"Content-Type: application/ld+json\n\n", Kind::Text { html: false }),
        ];
        for (bytes, want) in cases {
            let info = part_info(bytes, &header::parse_block(bytes), DefaultType::Text);
            assert_eq!(&info.kind, want, "{}", String::from_utf8_lossy(bytes));
        }
        let b = b"\n";
        let info = part_info(b, &header::parse_block(b), DefaultType::Message);
        assert_eq!(info.kind, Kind::Message);
    }
}
