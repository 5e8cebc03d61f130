//! Mailbox formats: which members hold mail, and how to cut them into messages.
//!
//! A member is classified by where it sits (Maildir `cur/`, `new/`, `tmp/`)
//! and by what it starts with (an mbox `From ` line, a message header). An
//! mbox is split into messages byte-exactly by [`mbox::Splitter`]; every
//! other mail member is one message. The bytes of a member are always the
//! concatenation of its chunks, so joining them back is a plain copy.

pub mod mbox;

use serde::Serialize;

/// The mailbox format of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MailboxFormat {
    /// A message file in a Maildir `cur/`, `new/` or `tmp/` folder.
    Maildir,
    /// A numbered message file of an MH folder.
    Mh,
    /// An mbox file: messages each introduced by a `From ` line.
    Mbox,
    /// A single message file (`.eml` or any other message-looking file).
    Eml,
    /// A cache of message headers kept by mail software (Dovecot indexes,
    /// Thunderbird `.msf` summaries, mutt/neomutt header caches): rebuilt by
    /// that software, dropped when its folder changes.
    Cache,
    /// Not mail: passed through untouched.
    Other,
}

impl MailboxFormat {
    /// True for formats that hold messages.
    pub(crate) fn is_mail(self) -> bool {
        !matches!(self, MailboxFormat::Cache | MailboxFormat::Other)
    }

    /// The lowercase name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            MailboxFormat::Maildir => "maildir",
            MailboxFormat::Mh => "mh",
            MailboxFormat::Mbox => "mbox",
            MailboxFormat::Eml => "eml",
            MailboxFormat::Cache => "cache",
            MailboxFormat::Other => "other",
        }
    }
}

/// How many leading bytes of a member [`classify_member`] wants to see.
pub(crate) const SNIFF_LEN: usize = 4096;

/// Header field names of which at least one must appear for a file to count
/// as a message.
const MESSAGE_FIELDS: &[&[u8]] = &[
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"received",
    b"return-path",
    b"delivered-to",
    b"mime-version",
    b"sender",
    b"reply-to",
    b"content-type",
    b"x-original-to",
];

/// Classifies a tar member from its path and first bytes (up to [`SNIFF_LEN`]).
pub(crate) fn classify_member(path: &[u8], head: &[u8]) -> MailboxFormat {
    let path = path.strip_suffix(b"/").unwrap_or(path);
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (&b""[..], path),
    };
    let parent = dir.rsplit(|&b| b == b'/').next().unwrap_or(b"");
    if matches!(parent, b"cur" | b"new" | b"tmp") {
        return MailboxFormat::Maildir;
    }
    if is_cache(dir, name) {
        return MailboxFormat::Cache;
    }
    if looks_like_mbox(head) {
        return MailboxFormat::Mbox;
    }
    let is_eml_name = name.len() > 4 && name[name.len() - 4..].eq_ignore_ascii_case(b".eml");
    if is_eml_name || looks_like_message(head) {
        if !name.is_empty() && name.iter().all(u8::is_ascii_digit) {
            MailboxFormat::Mh
        } else {
            MailboxFormat::Eml
        }
    } else {
        MailboxFormat::Other
    }
}

/// Header caches of mail software, by name: Dovecot `dovecot.index*` and
/// `dovecot.list.index*`, Thunderbird `*.msf`, mutt/neomutt `*.hcache` and
/// anything inside a `header_cache`/`headercache`/`hcache` folder.
fn is_cache(dir: &[u8], name: &[u8]) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with(b"dovecot.index")
        || lower.starts_with(b"dovecot.list.index")
        || (lower.ends_with(b".msf") && lower.len() > 4)
        || lower.ends_with(b".hcache")
        || dir.split(|&b| b == b'/').any(|part| {
            let part = part.to_ascii_lowercase();
            matches!(
                part.as_slice(),
                b"header_cache" | b"headercache" | b"hcache"
            )
        })
}

/// Classifies a bare (non-tar) input: an mbox, a single message, or neither.
pub(crate) fn classify_bare(head: &[u8]) -> Option<MailboxFormat> {
    if looks_like_mbox(head) {
        Some(MailboxFormat::Mbox)
    } else if looks_like_message(head) {
        Some(MailboxFormat::Eml)
    } else {
        None
    }
}

/// True when the bytes start (after an optional UTF-8 byte order mark) with
/// an mbox `From ` line. Deliberately lenient: a text file that happens to
/// start with `From ` is scanned as mail rather than passed through unscanned.
pub fn looks_like_mbox(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    envelope_len(head) > 0
}

/// True when the bytes start with an RFC 5322 header block holding at least
/// one common message field before any line that is not a header field.
pub fn looks_like_message(head: &[u8]) -> bool {
    let mut seen_field = false;
    let mut known = false;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if matches!(line[0], b' ' | b'\t') && seen_field {
            continue;
        }
        let Some(name) = field_name(line) else {
            // A malformed line after real mail fields still leaves a message:
            // better scanned as mail than passed through unscanned.
            return known;
        };
        seen_field = true;
        known |= MESSAGE_FIELDS.iter().any(|f| name.eq_ignore_ascii_case(f));
    }
    known
}

/// The name of a header field line (`Name: value`), if the line is one.
pub(crate) fn field_name(line: &[u8]) -> Option<&[u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let name = &line[..colon];
    let end = name
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(0, |i| i + 1);
    let trimmed = &name[..end];
    (!trimmed.is_empty() && trimmed.iter().all(|&b| (33..=126).contains(&b))).then_some(trimmed)
}

/// The length of a leading `From ` envelope line (with its line ending) of a
/// single-message file, 0 if there is none. `From  : x` (obsolete header
/// syntax, white space before the colon) is a header, not an envelope.
pub(crate) fn envelope_len(message: &[u8]) -> usize {
    let Some(rest) = message.strip_prefix(b"From ") else {
        return 0;
    };
    if rest.iter().find(|&&b| b != b' ' && b != b'\t') == Some(&b':') {
        return 0;
    }
    memchr::memchr(b'\n', message).map_or(message.len(), |i| i + 1)
}

/// One message of a mail member, with its exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Index of the message in its member.
    pub index: usize,
    /// Offset of the first byte in the member's data.
    pub offset: u64,
    /// The bytes, envelope line included.
    pub bytes: Vec<u8>,
    /// Length of the leading `From ` envelope line with its line ending
    /// (0 when there is none).
    pub envelope_len: usize,
}

impl Message {
    /// A one-message file; a leading `From ` line is its envelope.
    pub fn single(bytes: Vec<u8>) -> Self {
        Message {
            index: 0,
            offset: 0,
            envelope_len: envelope_len(&bytes),
            bytes,
        }
    }

    /// The envelope line without its line ending, if any.
    pub(crate) fn envelope(&self) -> Option<&[u8]> {
        (self.envelope_len > 0).then(|| trim_eol(&self.bytes[..self.envelope_len]))
    }

    /// The RFC 5322 message after the envelope line.
    pub(crate) fn rfc822(&self) -> &[u8] {
        &self.bytes[self.envelope_len..]
    }
}

/// Strips one trailing LF or CRLF.
pub(crate) fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_place_and_content() {
        let msg = b"Return-Path: <a@example.com>\nSubject: x\n\nbody\n";
        let cases: &[(&[u8], &[u8], MailboxFormat)] = &[
            (
                b"alice/cur/1700000000.M1P2.host,S=42:2,S",
                b"",
                MailboxFormat::Maildir,
            ),
            (
                b"alice/.Sent/new/1700000000.M1P2.host",
                b"garbage",
                MailboxFormat::Maildir,
            ),
            (
                b"alice/.Sent/dovecot-uidlist",
                b"3 V1 N2\n",
                MailboxFormat::Other,
            ),
            (
                b"archive/2019.mbox",
                b"From a@b Mon Jan  1 00:00:00 2024\nSubject: x\n",
                MailboxFormat::Mbox,
            ),
            (
                b"archive/bom",
                b"\xEF\xBB\xBFFrom a@b\nFrom: a@b\n",
                MailboxFormat::Mbox,
            ),
            (
                b"archive/bare-from",
                b"From \nFrom: a@b\n",
                MailboxFormat::Mbox,
            ),
            (b"Mail/inbox/12", msg, MailboxFormat::Mh),
            (
                b"Mail/inbox/.mh_sequences",
                b"unseen: 1-3\n",
                MailboxFormat::Other,
            ),
            (b"loose/hello.EML", b"", MailboxFormat::Eml),
            (b"loose/forwarded.txt", msg, MailboxFormat::Eml),
            (
                b"etc/app.conf",
                b"name: value\nport: 80\n",
                MailboxFormat::Other,
            ),
            (b"image.png", b"\x89PNG\r\n\x1a\n", MailboxFormat::Other),
            (
                b"alice/dovecot.index.cache",
                b"\x01\x02",
                MailboxFormat::Cache,
            ),
            (b"alice/.Sent/dovecot.index", b"", MailboxFormat::Cache),
            (
                b"tb/Local Folders/Inbox.msf",
                b"// <!-- <mdb:mork",
                MailboxFormat::Cache,
            ),
            (
                b"home/.cache/mutt/header_cache/5f2a",
                b"",
                MailboxFormat::Cache,
            ),
            (
                b"home/.cache/neomutt/imap.hcache",
                b"",
                MailboxFormat::Cache,
            ),
            (
                b"notes.txt",
                b"From the desk of nobody\nThanks.\n",
                MailboxFormat::Mbox,
            ),
            (
                b"obsolete.txt",
                b"From  : John <j@example.com>\nTo    : Mary\n",
                MailboxFormat::Eml,
            ),
        ];
        for (path, head, want) in cases {
            assert_eq!(
                classify_member(path, head),
                *want,
                "{}",
                String::from_utf8_lossy(path)
            );
        }
    }

    #[test]
    fn message_sniffing_handles_crlf_folding_and_cut_windows() {
        assert!(looks_like_message(
            b"X-A: 1\r\n continued\r\nSubject: s\r\n\r\n"
        ));
        assert!(looks_like_message(b"Subject: s\nX-Long: aaaa"));
        assert!(!looks_like_message(b"X-Only: custom\n\nbody"));
        assert!(looks_like_message(b"Subject: s\n__\n  <continued>\n"));
        assert!(!looks_like_message(b"not a header line\nSubject: s\n"));
        assert!(!looks_like_message(b""));
    }

    #[test]
    fn single_message_envelope() {
        let m = Message::single(b"From a@b Mon\r\nSubject: x\r\n\r\nbody".to_vec());
        assert_eq!(m.envelope(), Some(&b"From a@b Mon"[..]));
        assert_eq!(m.rfc822(), b"Subject: x\r\n\r\nbody");
        let m = Message::single(b"From: a@b\n\n".to_vec());
        assert_eq!(m.envelope(), None);
    }
}
