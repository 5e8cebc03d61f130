//! Header blocks: a lenient splitter with exact byte spans, roles by field
//! name, and RFC 2047 encoded-word decoding.

use std::ops::Range;

use crate::request::Role;

/// One header field of a header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The field name as written (without the colon and trailing blanks).
    pub name: String,
    /// Whole field: first byte of the name up to and including the line break
    /// that ends its last line (if any).
    pub span: Range<usize>,
    /// The value: after the colon, up to the end of `span`.
    pub value: Range<usize>,
}

/// Splits a header block into fields. Offsets are relative to `block`.
///
/// The block ends at the first empty line, or at the first line that is
/// neither a field (`name:`) nor a continuation (starting with a blank).
/// Lines end at LF; a CR before it is part of the line break.
pub(crate) fn split_fields(block: &[u8]) -> Vec<Field> {
    let mut fields: Vec<Field> = Vec::new();
    let mut pos = 0;
    while pos < block.len() {
        let line_end = memchr::memchr(b'\n', &block[pos..]).map_or(block.len(), |i| pos + i + 1);
        let line = &block[pos..line_end];
        let content = trim_eol(line);
        if content.is_empty() {
            break;
        }
        if matches!(content[0], b' ' | b'\t') {
            match fields.last_mut() {
                Some(f) => {
                    f.span.end = line_end;
                    f.value.end = line_end;
                }
                None => break,
            }
        } else if let Some(colon) = field_name_end(content) {
            let name = String::from_utf8_lossy(content[..colon].trim_ascii_end()).into_owned();
            fields.push(Field {
                name,
                span: pos..line_end,
                value: pos + colon + 1..line_end,
            });
        } else {
            break;
        }
        pos = line_end;
    }
    fields
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Position of the colon if the line starts with a field name (printable
/// ASCII other than `:`; blanks allowed before the colon).
fn field_name_end(line: &[u8]) -> Option<usize> {
    let colon = memchr::memchr(b':', line)?;
    let name = line[..colon].trim_ascii_end();
    (!name.is_empty() && name.iter().all(|&b| (33..=126).contains(&b))).then_some(colon)
}

/// The role a top-level header field gives to addresses in it, by name.
/// `Received` is [`Role::Mention`] here; only its `for` clause is a recipient.
pub(crate) fn role_of(name: &str) -> Role {
    const SENDER: &[&str] = &[
        "from",
        "sender",
        "reply-to",
        "return-path",
        "resent-from",
        "resent-sender",
    ];
    const RECIPIENT: &[&str] = &[
        "to",
        "cc",
        "bcc",
        "delivered-to",
        "x-original-to",
        "envelope-to",
        "x-envelope-to",
        "resent-to",
        "resent-cc",
        "resent-bcc",
    ];
    let is = |list: &[&str]| list.iter().any(|n| n.eq_ignore_ascii_case(name));
    if is(SENDER) {
        Role::Sender
    } else if is(RECIPIENT) {
        Role::Recipient
    } else {
        Role::Mention
    }
}

/// True if the text just before byte `start` of a normalised text is the
/// word `for`, optionally followed by a space and/or `<` (the recipient
/// clause of a `Received` field).
pub(crate) fn after_for_keyword(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let before = before.strip_suffix('<').unwrap_or(before);
    let before = before.strip_suffix(' ').unwrap_or(before);
    let Some(rest) = before.strip_suffix("for") else {
        return false;
    };
    !rest
        .chars()
        .next_back()
        .is_some_and(crate::text::normalize::is_word_char)
}

/// Decodes a raw header value: RFC 2047 encoded words (B and Q, any charset
/// known to mail-parser or encoding_rs, adjacent words joined, also across
/// folded lines), other bytes as UTF-8 or, if invalid, windows-1252.
pub(crate) fn decode_value(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    // Bytes of consecutive encoded words with the same charset.
    let mut pending: Option<(String, Vec<u8>)> = None;
    let mut pos = 0;
    while let Some(rel) = memchr::memmem::find(&raw[pos..], b"=?") {
        let at = pos + rel;
        let Some(word) = parse_encoded_word(&raw[at..]) else {
            flush(&mut pending, &mut out);
            out.push_str(&decode_plain(&raw[pos..at + 2]));
            pos = at + 2;
            continue;
        };
        let gap = &raw[pos..at];
        let joins = pending.is_some() && gap.iter().all(u8::is_ascii_whitespace);
        if !joins {
            flush(&mut pending, &mut out);
            out.push_str(&decode_plain(gap));
        }
        match &mut pending {
            Some((cs, bytes)) if cs.eq_ignore_ascii_case(&word.charset) => {
                bytes.extend_from_slice(&word.bytes);
            }
            _ => {
                flush(&mut pending, &mut out);
                pending = Some((word.charset, word.bytes));
            }
        }
        pos = at + word.len;
    }
    flush(&mut pending, &mut out);
    out.push_str(&decode_plain(&raw[pos..]));
    out
}

fn flush(pending: &mut Option<(String, Vec<u8>)>, out: &mut String) {
    if let Some((cs, bytes)) = pending.take() {
        out.push_str(&decode_charset(&cs, &bytes));
    }
}

fn decode_plain(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(_) => {
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(bytes)
                .0
        }
    }
}

/// Decodes bytes in a named charset: mail-parser's decoders (which include
/// UTF-7 and the `full_encoding` set) first, then encoding_rs labels, else
/// lossy UTF-8.
pub(crate) fn decode_charset(charset: &str, bytes: &[u8]) -> String {
    let label = charset.split('*').next().unwrap_or(charset).trim();
    if let Some(decode) = mail_parser::decoders::charsets::map::charset_decoder(label.as_bytes()) {
        return decode(bytes);
    }
    match encoding_rs::Encoding::for_label(label.as_bytes()) {
        Some(enc) => enc.decode_without_bom_handling(bytes).0.into_owned(),
        None => String::from_utf8_lossy(bytes).into_owned(),
    }
}

struct EncodedWord {
    charset: String,
    bytes: Vec<u8>,
    /// Length of the whole `=?...?=` in the input.
    len: usize,
}

/// Parses `=?charset?B|Q?text?=` at the start of `s`.
fn parse_encoded_word(s: &[u8]) -> Option<EncodedWord> {
    let body = s.strip_prefix(b"=?")?;
    let q1 = memchr::memchr(b'?', body)?;
    let charset = &body[..q1];
    let enc = *body.get(q1 + 1)?;
    if body.get(q1 + 2) != Some(&b'?') || charset.is_empty() {
        return None;
    }
    let text_start = q1 + 3;
    let text_len = memchr::memmem::find(body.get(text_start..)?, b"?=")?;
    let text = &body[text_start..text_start + text_len];
    if charset.iter().chain(text).any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let bytes = match enc {
        b'B' | b'b' => base64_lenient(text),
        b'Q' | b'q' => q_decode(text),
        _ => return None,
    };
    Some(EncodedWord {
        charset: String::from_utf8_lossy(charset).into_owned(),
        bytes,
        len: 2 + text_start + text_len + 2,
    })
}

fn q_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = text.get(i + 1..i + 3).and_then(hex_byte);
                if let Some(b) = hex {
                    out.push(b);
                    i += 2;
                } else {
                    out.push(b'=');
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// Base64 that skips characters outside the alphabet and decodes a final
/// partial quantum.
pub(crate) fn base64_lenient(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut n = 0;
    for &c in text {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&acc.to_be_bytes()[1..]);
            acc = 0;
            n = 0;
        }
    }
    match n {
        2 => out.push((acc >> 4) as u8),
        3 => out.extend_from_slice(&((acc >> 2) as u16).to_be_bytes()),
        _ => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_fields_lf_and_crlf() {
        for eol in ["\n", "\r\n"] {
            let block = format!("From: a{eol}Subject: x{eol} y{eol}X-Y : z{eol}{eol}body: no{eol}")
                .into_bytes();
            let fields = split_fields(&block);
            let names: Vec<_> = fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["From", "Subject", "X-Y"]);
            let subj = &block[fields[1].span.clone()];
            assert_eq!(subj, format!("Subject: x{eol} y{eol}").as_bytes());
            assert_eq!(
                &block[fields[1].value.clone()],
                format!(" x{eol} y{eol}").as_bytes()
            );
        }
    }

    #[test]
    fn block_stops_at_non_field_line() {
        let block = b"From: a\nthis is body\nTo: b\n";
        let fields = split_fields(block);
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].span, 0..8);
        assert!(split_fields(b" leading continuation\n").is_empty());
    }

    #[test]
    fn roles_by_name() {
        assert_eq!(role_of("FROM"), Role::Sender);
        assert_eq!(role_of("Return-Path"), Role::Sender);
        assert_eq!(role_of("cc"), Role::Recipient);
        assert_eq!(role_of("X-Original-To"), Role::Recipient);
        assert_eq!(role_of("Subject"), Role::Mention);
        assert_eq!(role_of("Received"), Role::Mention);
    }

    #[test]
    fn for_keyword() {
        let t = "from x by y for <jane@x.org>; 1 jan";
        assert!(after_for_keyword(t, t.find("jane").unwrap_or(0)));
        let t = "from x by y for jane@x.org";
        assert!(after_for_keyword(t, t.find("jane").unwrap_or(0)));
        let t = "from jane@x.org by y";
        assert!(!after_for_keyword(t, t.find("jane").unwrap_or(0)));
        let t = "(before <jane@x.org>)";
        assert!(!after_for_keyword(t, t.find("jane").unwrap_or(0)));
    }

    #[test]
    fn decodes_encoded_words() {
        let cases: &[(&[u8], &str)] = &[
            (b"=?UTF-8?B?SmFuZSBEb2U=?=", "Jane Doe"),
            (b"=?utf-8?q?Jane_Doe?=", "Jane Doe"),
            (b"Re: =?ISO-8859-1?Q?Jos=E9?= Garc\xeda", "Re: José García"),
            (b"=?UTF-8?Q?Jane_D?=\r\n =?UTF-8?Q?oe?=", "Jane Doe"),
            (b"=?UTF-8?B?SmFu?= \n\t=?UTF-8?B?ZSBEb2U?=", "Jane Doe"),
            // A multi-byte character split across two B words.
            (b"=?UTF-8?B?Sm9z?= =?UTF-8?B?w6k=?=", "José"),
            (b"=?koi8-r?B?8NLJ18XU?=", "Привет"),
            (b"=?windows-1251?Q?=CF=F0=E8=E2=E5=F2?=", "Привет"),
            (b"=?iso-2022-jp?B?GyRCOzNFRBsoQg==?=", "山田"),
            (b"=?Shift_JIS?B?jlKTYw==?=", "山田"),
            (b"=?GB18030?B?1cXI/Q==?=", "张三"),
            (b"=?utf-8*en?Q?Jane?=", "Jane"),
            (b"a =?bogus?X?zz?= b", "a =?bogus?X?zz?= b"),
            (b"=?UTF-8?Q?Jane?= Doe", "Jane Doe"),
            (b"=?", "=?"),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_value(raw), *want, "{}", String::from_utf8_lossy(raw));
        }
    }

    #[test]
    fn base64_is_lenient() {
        assert_eq!(base64_lenient(b"SmFu\r\nZQ"), b"Jane");
        assert_eq!(base64_lenient(b"SmF!uZQ=="), b"Jane");
        assert_eq!(base64_lenient(b"SmFuZQ"), b"Jane");
    }
}
