//! Header blocks: a lenient splitter with exact byte spans and roles by
//! field name. Values are decoded by [`crate::text::rfc2047`].

use std::ops::Range;

use crate::request::Role;

/// One header field of a header block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field {
    /// The field name as written (without the colon and trailing blanks).
    pub(crate) name: String,
    /// Whole field: first byte of the name up to and including the line break
    /// that ends its last line (if any).
    pub(crate) span: Range<usize>,
    /// The value: after the colon, up to the end of `span`.
    pub(crate) value: Range<usize>,
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
        if !push_line(&mut fields, content, pos..line_end) {
            break;
        }
        pos = line_end;
    }
    fields
}

/// Adds the header line at `line` (`content`: its bytes without the line
/// ending, not empty) to `fields`: a continuation extends the last field, a
/// field line starts one. False when the line is neither (or a
/// continuation comes first): the block ends there.
fn push_line(fields: &mut Vec<Field>, content: &[u8], line: Range<usize>) -> bool {
    if matches!(content[0], b' ' | b'\t') {
        let Some(f) = fields.last_mut() else {
            return false;
        };
        f.span.end = line.end;
        f.value.end = line.end;
    } else if let Some(colon) = field_name_end(content) {
        let name = String::from_utf8_lossy(content[..colon].trim_ascii_end()).into_owned();
        fields.push(Field {
            name,
            span: line.clone(),
            value: line.start + colon + 1..line.end,
        });
    } else {
        return false;
    }
    true
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::rfc2047::decode_value;

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

    /// One reading with the rewriter: `=+F` is no escape, B words go on
    /// after padding, a `?` may stand in a word's text.
    #[test]
    fn odd_words_read_as_the_rewriter_reads_them() {
        assert_eq!(decode_value(b"=?utf-8?q?a=+Fb?="), "a=+Fb");
        assert_eq!(decode_value(b"=?utf-8?b?SmFuZQ==IERvZQ==?="), "Jane Doe");
        assert_eq!(decode_value(b" Jane\r\n Doe\r\n"), " Jane Doe");
    }

    #[test]
    fn base64_is_lenient() {
        use crate::text::base64::decode_lenient as base64_lenient;
        assert_eq!(base64_lenient(b"SmFu\r\nZQ"), b"Jane");
        assert_eq!(base64_lenient(b"SmF!uZQ=="), b"Jane");
        assert_eq!(base64_lenient(b"SmFuZQ"), b"Jane");
    }
}
