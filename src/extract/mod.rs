//! The texts inside an attachment: office documents, archives, PDF, RTF,
//! Outlook TNEF, vCard and iCalendar, enclosed messages.
//!
//! `extract` takes an attachment's decoded bytes, its content type and its
//! file name, and gives every text worth searching to a sink, as UTF-8 bytes
//! (invalid sequences are the searcher's to replace). It knows nothing of
//! the matcher or of mailboxes: an enclosed message is handed back as a
//! `Piece::Message` for the caller to parse.
//!
//! The format is told by content first (zip, gzip, PDF, RTF and TNEF
//! magic), by name or type second (`.eml`, vCard, iCalendar). Everything is
//! bounded: all bytes produced for one message (decompressed, or copied out
//! of an archive) count against one `Budget`, and containers nest at most
//! `MAX_DEPTH` levels; past either the extraction stops with `Exceeded`
//! and the caller must treat the message as unsearchable (fail closed).

mod directory;
mod inflate;
mod pdf;
mod rtf;
mod tnef;
mod xml;
mod zip;

/// How deeply containers (archives in archives, attachments in TNEF) nest.
pub(crate) const MAX_DEPTH: usize = 8;

/// What an extraction hands to its sink.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    /// Text to search (UTF-8, possibly with invalid sequences).
    Text(&'a [u8]),
    /// An enclosed RFC 5322 message, to parse and search as a message.
    Message(&'a [u8]),
}

/// Why an extraction stopped before the end (the message cannot be proven
/// clean).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    /// The bytes produced passed the budget (a decompression bomb).
    Size,
    /// Containers nest deeper than [`MAX_DEPTH`].
    Depth,
    /// A reader failed unexpectedly (a panic in a parser, caught).
    Failed,
}

/// The bytes one message's extractions may still produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    /// A budget of `limit` bytes (`--max-message-size`).
    pub(crate) fn new(limit: u64) -> Budget {
        Budget { left: limit }
    }

    /// The bytes still allowed.
    pub(crate) fn left(&self) -> u64 {
        self.left
    }

    /// Counts `n` bytes produced; `Err` once they pass the budget.
    pub(crate) fn charge(&mut self, n: u64) -> Result<(), Exceeded> {
        self.left = self.left.checked_sub(n).ok_or(Exceeded::Size)?;
        Ok(())
    }
}

/// An attachment to look inside.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attachment<'a> {
    /// Its bytes after transfer decoding.
    pub(crate) bytes: &'a [u8],
    /// Its media type, `type/subtype` (any case), or empty.
    pub(crate) content_type: &'a str,
    /// Its file name, or empty.
    pub(crate) name: &'a str,
}

/// A format this module can look inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// Zip archives, OOXML and ODF documents.
    Zip,
    /// gzip (every member).
    Gzip,
    /// PDF.
    Pdf,
    /// RTF.
    Rtf,
    /// Outlook TNEF (`winmail.dat`).
    Tnef,
    /// vCard or iCalendar.
    Directory,
    /// An RFC 5322 message.
    Message,
}

/// The TNEF signature, little-endian `0x223E9F78`.
const TNEF_MAGIC: &[u8] = &[0x78, 0x9f, 0x3e, 0x22];

/// The format of `att`: by content, else by name or type; `None` if it is
/// none this module opens.
pub(crate) fn sniff(att: &Attachment<'_>) -> Option<Format> {
    sniff_content(att.bytes).or_else(|| sniff_label(att.content_type, att.name))
}

/// The format told by the first bytes.
fn sniff_content(b: &[u8]) -> Option<Format> {
    if b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    if b.starts_with(b"\x1f\x8b") {
        return Some(Format::Gzip);
    }
    if b.starts_with(TNEF_MAGIC) {
        return Some(Format::Tnef);
    }
    let head = b.get(..1024).unwrap_or(b);
    if memchr::memmem::find(head, b"%PDF-").is_some() {
        return Some(Format::Pdf);
    }
    let text = head
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(head)
        .trim_ascii_start();
    if text.starts_with(b"{\\rtf") {
        return Some(Format::Rtf);
    }
    let upper = text.get(..15).unwrap_or(text).to_ascii_uppercase();
    if upper.starts_with(b"BEGIN:VCARD") || upper.starts_with(b"BEGIN:VCALENDAR") {
        return Some(Format::Directory);
    }
    None
}

/// The format told by a media type or a file name.
fn sniff_label(content_type: &str, name: &str) -> Option<Format> {
    let ct = content_type.trim().to_ascii_lowercase();
    let name = name.trim().to_ascii_lowercase();
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or_default();
    if matches!(ct.as_str(), "message/rfc822" | "message/global") || ext == "eml" {
        return Some(Format::Message);
    }
    let directory_types = [
        "text/vcard",
        "text/x-vcard",
        "text/directory",
        "application/vcard",
        "application/x-vcard",
        "text/calendar",
        "application/ics",
    ];
    if directory_types.contains(&ct.as_str()) || matches!(ext, "vcf" | "vcard" | "ics" | "ifb") {
        return Some(Format::Directory);
    }
    None
}

/// True if a decoded body may be a format whose text only extraction
/// reveals, by its content or by a word of its part's Content-Type or
/// Content-Disposition value `labels` (a superset of [`sniff`], for the
/// prefilters: such a part is never proven free of identifiers).
pub(crate) fn may_hold_format(body: &[u8], labels: &[&[u8]]) -> bool {
    const WORDS: &[&str] = &[
        ".eml",
        ".vcf",
        ".vcard",
        ".ics",
        ".ifb",
        "vcard",
        "calendar",
        "directory",
        "application/ics",
        "rfc822",
        "message/global",
    ];
    sniff_content(body).is_some()
        || labels.iter().any(|l| {
            let l = l.to_ascii_lowercase();
            WORDS
                .iter()
                .any(|w| memchr::memmem::find(&l, w.as_bytes()).is_some())
        })
}

/// Gives every text inside `att` to `sink`, at container level `depth`
/// (0 for a MIME part). The attachment's own bytes are not given: the
/// caller searches them already. `Err` when the budget or the depth runs
/// out; what was given before stays valid.
pub(crate) fn extract(
    att: &Attachment<'_>,
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    if depth > 0 {
        return open(att, budget, depth, sink);
    }
    // The parsers (zip, lopdf) run on hostile bytes: a panic is caught and
    // counts as an attachment that could not be read whole.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        open(att, budget, depth, sink)
    }))
    .unwrap_or(Err(Exceeded::Failed))
}

/// The texts inside one attachment, for the fuzz target
/// `extract_attachment`, which needs this module's parsers without a
/// message around them (the rest of the module stays the crate's own).
/// `bytes` are the attachment after transfer decoding, `content_type` and
/// `name` its labels (empty if none); at most `limit` bytes are produced.
/// `sink` gets every text with `false`, every enclosed message with `true`.
/// False when the extraction stopped at a bound or a parser failed (the
/// matcher then treats the message as unsearchable).
pub fn extract_attachment(
    bytes: &[u8],
    content_type: &str,
    name: &str,
    limit: u64,
    sink: &mut dyn FnMut(&[u8], bool),
) -> bool {
    let att = Attachment {
        bytes,
        content_type,
        name,
    };
    let mut budget = Budget::new(limit);
    extract(&att, &mut budget, 0, &mut |piece| match piece {
        Piece::Text(t) => sink(t, false),
        Piece::Message(m) => sink(m, true),
    })
    .is_ok()
}

/// [`extract`] without the panic guard.
fn open(
    att: &Attachment<'_>,
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    let Some(format) = sniff(att) else {
        return Ok(());
    };
    if depth >= MAX_DEPTH {
        return Err(Exceeded::Depth);
    }
    match format {
        Format::Zip => zip::extract(att.bytes, budget, depth, sink),
        Format::Gzip => gunzip(att, budget, depth, sink),
        Format::Pdf => pdf::extract(att.bytes, budget, sink),
        Format::Rtf => {
            sink(Piece::Text(rtf::text(att.bytes).as_bytes()));
            Ok(())
        }
        Format::Tnef => tnef::extract(att.bytes, budget, depth, sink),
        Format::Directory => {
            sink(Piece::Text(directory::text(att.bytes).as_bytes()));
            Ok(())
        }
        Format::Message => {
            sink(Piece::Message(att.bytes));
            Ok(())
        }
    }
}

/// A member of a container (an archive entry, a decompressed stream, a TNEF
/// attachment): opened when it is a format of its own, else searched as
/// text.
fn member(
    att: &Attachment<'_>,
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    if sniff(att).is_some() {
        extract(att, budget, depth + 1, sink)
    } else {
        sink(Piece::Text(att.bytes));
        Ok(())
    }
}

/// A gzip stream: every member decompressed, then read as a member.
fn gunzip(
    att: &Attachment<'_>,
    budget: &mut Budget,
    depth: usize,
    sink: &mut dyn FnMut(Piece<'_>),
) -> Result<(), Exceeded> {
    let decoder = flate2::read::MultiGzDecoder::new(att.bytes);
    let Some(data) = inflate::read_bounded(decoder, budget)? else {
        return Ok(());
    };
    let lower = att.name.to_ascii_lowercase();
    let inner = if lower.ends_with(".gz") {
        att.name.get(..att.name.len() - 3).unwrap_or_default()
    } else {
        ""
    };
    let inner = Attachment {
        bytes: &data,
        content_type: "",
        name: inner,
    };
    member(&inner, budget, depth, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(att: &Attachment<'_>, limit: u64) -> (Vec<String>, Result<(), Exceeded>) {
        let mut out = Vec::new();
        let mut budget = Budget::new(limit);
        let r = extract(att, &mut budget, 0, &mut |p| match p {
            Piece::Text(t) => out.push(String::from_utf8_lossy(t).into_owned()),
            Piece::Message(m) => out.push(format!("MSG:{}", String::from_utf8_lossy(m))),
        });
        (out, r)
    }

    fn att<'a>(bytes: &'a [u8], ct: &'a str, name: &'a str) -> Attachment<'a> {
        Attachment {
            bytes,
            content_type: ct,
            name,
        }
    }

    #[test]
    fn sniffs_by_content_then_label() {
        assert_eq!(sniff(&att(b"PK\x03\x04xx", "", "a.txt")), Some(Format::Zip));
        assert_eq!(sniff(&att(b"\x1f\x8bxx", "", "")), Some(Format::Gzip));
        assert_eq!(sniff(&att(b"%PDF-1.4\n", "", "")), Some(Format::Pdf));
        assert_eq!(sniff(&att(b"  {\\rtf1 x}", "", "")), Some(Format::Rtf));
        assert_eq!(sniff(&att(TNEF_MAGIC, "", "")), Some(Format::Tnef));
        assert_eq!(
            sniff(&att(b"begin:vcard\r\n", "", "")),
            Some(Format::Directory)
        );
        assert_eq!(
            sniff(&att(b"x", "application/octet-stream", "Fwd.EML")),
            Some(Format::Message)
        );
        assert_eq!(
            sniff(&att(b"x", "text/calendar", "")),
            Some(Format::Directory)
        );
        assert_eq!(sniff(&att(b"hello", "text/plain", "a.txt")), None);
    }

    #[test]
    fn gzip_is_bounded_and_opened() {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(b"call Jane Doe").unwrap();
        let gz = enc.finish().unwrap();
        let (t, r) = texts(&att(&gz, "", "notes.txt.gz"), 1000);
        assert_eq!(r, Ok(()));
        assert_eq!(t, ["call Jane Doe"]);
        let (_, r) = texts(&att(&gz, "", ""), 5);
        assert_eq!(r, Err(Exceeded::Size));
    }

    #[test]
    fn nesting_is_bounded() {
        use std::io::Write;
        let mut data = b"Jane Doe".to_vec();
        for _ in 0..MAX_DEPTH + 1 {
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            enc.write_all(&data).unwrap();
            data = enc.finish().unwrap();
        }
        let (_, r) = texts(&att(&data, "", ""), 1 << 20);
        assert_eq!(r, Err(Exceeded::Depth));
    }
}
