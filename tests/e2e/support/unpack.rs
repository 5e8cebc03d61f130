//! Reading outputs back independently of the code under test: tar members
//! (the `tar` crate), mbox messages (split on the fixtures' envelope lines),
//! and every decoded text of a message (`mailparse`, recursively into
//! `message/rfc822` parts, with this crate's own HTML and percent decoders).

use super::encode::{html_text, percent_decode};
use super::mail::ENVELOPE_DATE;

/// One tar member: path, type flag, data.
pub type TarMember = (String, u8, Vec<u8>);

/// The members of a tar (decompressed), read with the `tar` crate.
pub fn tar_members(tar: &[u8]) -> Vec<TarMember> {
    let mut ar = tar::Archive::new(tar);
    let mut out = Vec::new();
    for e in ar.entries().expect("entries") {
        let mut e = e.expect("entry");
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).expect("data");
        let kind = e.header().entry_type().as_byte();
        out.push((
            String::from_utf8_lossy(&e.path_bytes()).into_owned(),
            kind,
            data,
        ));
    }
    out
}

/// One message of an mbox as written by the fixtures.
#[derive(Debug, Clone)]
pub struct MboxMessage {
    /// Its index in the mbox.
    pub index: usize,
    /// The envelope line with its line end.
    pub envelope: Vec<u8>,
    /// Envelope line through the byte before the next envelope line.
    pub chunk: Vec<u8>,
    /// The message after the envelope line, still quoted, separator included.
    pub stored: Vec<u8>,
}

impl MboxMessage {
    /// The line end of the envelope line.
    pub fn eol(&self) -> &'static [u8] {
        if self.envelope.ends_with(b"\r\n") {
            b"\r\n"
        } else {
            b"\n"
        }
    }

    /// The stored message without the separator blank line (when present).
    pub fn without_separator(&self) -> &[u8] {
        let eol = self.eol();
        let s = &self.stored[..];
        if s.ends_with(&[eol, eol].concat()) {
            &s[..s.len() - eol.len()]
        } else {
            s
        }
    }

    /// The message with mboxrd quoting undone (one `>` less before `>*From `).
    pub fn unquoted_rd(&self) -> Vec<u8> {
        unquote_mboxrd(self.without_separator())
    }
}

/// Is `line` an envelope line of the fixtures: `From <token> <ENVELOPE_DATE>`?
pub fn is_envelope_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"From ") else {
        return false;
    };
    let rest = rest.strip_suffix(b"\n").unwrap_or(rest);
    let rest = rest.strip_suffix(b"\r").unwrap_or(rest);
    match rest.iter().position(|&b| b == b' ') {
        Some(sp) => sp > 0 && &rest[sp + 1..] == ENVELOPE_DATE.as_bytes(),
        None => false,
    }
}

/// Split an mbox at its envelope lines (the fixtures always write
/// [`ENVELOPE_DATE`], so body lines starting with `From ` never split it).
pub fn split_mbox(mbox: &[u8]) -> Vec<MboxMessage> {
    let mut starts = Vec::new();
    let mut pos = 0;
    for line in mbox.split_inclusive(|&b| b == b'\n') {
        if is_envelope_line(line) {
            starts.push(pos);
        }
        pos += line.len();
    }
    assert!(
        starts.first().is_none_or(|&s| s == 0),
        "bytes before the first envelope line"
    );
    starts
        .iter()
        .enumerate()
        .map(|(index, &s)| {
            let end = starts.get(index + 1).copied().unwrap_or(mbox.len());
            let chunk = &mbox[s..end];
            let env_len = chunk.iter().position(|&b| b == b'\n').map_or(0, |p| p + 1);
            MboxMessage {
                index,
                envelope: chunk[..env_len].to_vec(),
                chunk: chunk.to_vec(),
                stored: chunk[env_len..].to_vec(),
            }
        })
        .collect()
}

/// mboxrd unquoting: a line `>` `>*From ` loses one `>`.
pub fn unquote_mboxrd(stored: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(stored.len());
    for line in stored.split_inclusive(|&b| b == b'\n') {
        let gt = line.iter().take_while(|&&b| b == b'>').count();
        if gt > 0 && line[gt..].starts_with(b"From ") {
            out.extend_from_slice(&line[1..]);
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Lines of `stored` that start with `From ` (an mboxrd message must have none).
pub fn unquoted_from_lines(stored: &[u8]) -> usize {
    stored
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| l.starts_with(b"From "))
        .count()
}

/// The header block and the body of a message, split at the first empty line
/// (the empty line belongs to neither).
pub fn split_header_body(msg: &[u8]) -> (&[u8], &[u8]) {
    let mut pos = 0;
    for line in msg.split_inclusive(|&b| b == b'\n') {
        if line == b"\n" || line == b"\r\n" {
            return (&msg[..pos], &msg[pos + line.len()..]);
        }
        pos += line.len();
    }
    (msg, &[])
}

/// The value of the first header field `name` (raw, unfolded, trimmed).
pub fn header_value(msg: &[u8], name: &str) -> Option<String> {
    let (head, _) = split_header_body(msg);
    let parsed = mailparse::parse_headers(head).ok()?.0;
    parsed
        .iter()
        .find(|h| h.get_key().eq_ignore_ascii_case(name))
        .map(|h| h.get_value().trim().to_owned())
}

/// Body length of a message announced by `Content-Length`: the bytes after
/// the blank line ending the header block, up to the separator blank line.
pub fn actual_content_length(stored_without_separator: &[u8]) -> usize {
    split_header_body(stored_without_separator).1.len()
}

/// `,S=` and `,W=` values of a Maildir file name.
pub fn maildir_sizes(path: &str) -> (Option<u64>, Option<u64>) {
    let name = path.rsplit('/').next().unwrap_or(path);
    let base = name.split(":2,").next().unwrap_or(name);
    let field = |key: &str| {
        base.split(',')
            .skip(1)
            .find_map(|f| f.strip_prefix(key))
            .and_then(|v| v.parse().ok())
    };
    (field("S="), field("W="))
}

/// A message's size with CRLF line ends (Maildir `,W=`).
pub fn crlf_size(data: &[u8]) -> u64 {
    let bare_lf = data
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' && (i == 0 || data[i - 1] != b'\r'))
        .count();
    (data.len() + bare_lf) as u64
}

/// One decoded text of a message, with where it came from.
#[derive(Debug, Clone)]
pub struct Text {
    /// `header Subject @ 1.2`, `body @ 2`, `filename @ 2` ...
    pub place: String,
    /// The decoded text.
    pub text: String,
}

/// Every text of `msg` a reader can see, decoded independently: each header
/// (RFC 2047 decoded, and its parameters percent-decoded), each leaf body
/// (transfer- and charset-decoded; HTML also as visible text), attachment
/// file names (RFC 2231 decoded), recursively into `message/rfc822` parts.
pub fn decoded_texts(msg: &[u8]) -> Result<Vec<Text>, String> {
    let mut out = Vec::new();
    let parsed = mailparse::parse_mail(msg).map_err(|e| format!("mailparse: {e}"))?;
    walk(&parsed, "root", 0, &mut out)?;
    Ok(out)
}

fn walk(
    part: &mailparse::ParsedMail<'_>,
    path: &str,
    depth: usize,
    out: &mut Vec<Text>,
) -> Result<(), String> {
    if depth > 40 {
        return Err(format!("{path}: nested too deep"));
    }
    for h in &part.headers {
        let key = h.get_key();
        let value = h.get_value();
        let raw = String::from_utf8_lossy(h.get_value_raw()).into_owned();
        out.push(Text {
            place: format!("header {key} @ {path}"),
            text: value.clone(),
        });
        if raw.contains('%') {
            out.push(Text {
                place: format!("header {key} percent-decoded @ {path}"),
                text: String::from_utf8_lossy(&percent_decode(raw.as_bytes())).into_owned(),
            });
        }
    }
    let disposition = part.get_content_disposition();
    for (k, v) in disposition.params.iter().chain(part.ctype.params.iter()) {
        out.push(Text {
            place: format!("parameter {k} @ {path}"),
            text: v.clone(),
        });
    }
    let mime = part.ctype.mimetype.to_ascii_lowercase();
    if mime.starts_with("multipart/") {
        for (i, sub) in part.subparts.iter().enumerate() {
            walk(sub, &child(path, i), depth + 1, out)?;
        }
        return Ok(());
    }
    let raw = part
        .get_body_raw()
        .map_err(|e| format!("{path}: body: {e}"))?;
    if mime == "message/rfc822" || mime == "message/global" {
        let inner = mailparse::parse_mail(&raw).map_err(|e| format!("{path}: inner: {e}"))?;
        return walk(&inner, &format!("{path}/rfc822"), depth + 1, out);
    }
    let body = part.get_body().map_err(|e| format!("{path}: body: {e}"))?;
    if mime.contains("html") {
        out.push(Text {
            place: format!("html text @ {path}"),
            text: html_text(&body),
        });
    }
    out.push(Text {
        place: format!("body @ {path}"),
        text: body,
    });
    // Also as UTF-8 regardless of the label (a wrong label must not hide text).
    out.push(Text {
        place: format!("body as utf-8 @ {path}"),
        text: String::from_utf8_lossy(&raw).into_owned(),
    });
    Ok(())
}

fn child(path: &str, i: usize) -> String {
    if path == "root" {
        format!("{}", i + 1)
    } else {
        format!("{path}.{}", i + 1)
    }
}

#[test]
fn fixture_split_mbox_ignores_body_from_lines() {
    let mbox = format!(
        "From a@b {ENVELOPE_DATE}\nSubject: 1\n\nFrom here on\n>From x\n\nFrom c@d {ENVELOPE_DATE}\nSubject: 2\n\ny\n"
    );
    let msgs = split_mbox(mbox.as_bytes());
    assert_eq!(msgs.len(), 2);
    assert_eq!(
        msgs[0].unquoted_rd(),
        b"Subject: 1\n\nFrom here on\nFrom x\n"
    );
    assert_eq!(msgs[1].without_separator(), b"Subject: 2\n\ny\n");
    assert_eq!(
        maildir_sizes("a/cur/1.M1.h,S=12,W=14:2,S"),
        (Some(12), Some(14))
    );
    assert_eq!(crlf_size(b"a\nb\r\n"), 6);
}
