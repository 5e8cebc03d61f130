//! Message-level tests: every place to look, each with a decoy, in LF and CRLF.

use std::collections::BTreeSet;

use super::*;
use crate::request::{Subject, email_digest};
use IdKind::{Email, Name, Phone, Term};
use Role::{Mention, Recipient, Sender};

/// Subject 0: plain identifiers. Subject 1: a hashed address and non-Latin names.
fn request() -> ErasureRequest {
    ErasureRequest {
        subjects: vec![
            Subject {
                id: "REQ-A".into(),
                emails: vec!["jane.doe@example.com".into()],
                names: vec!["Jane Doe".into()],
                phones: vec!["442079460018".into()],
                terms: vec!["CUST-88231".into()],
                ..Subject::default()
            },
            Subject {
                id: "REQ-B".into(),
                email_hashes: vec![email_digest("john.roe@example.org")],
                names: vec![
                    "José García".into(),
                    "Иван Петров".into(),
                    "山田太郎".into(),
                    "张三丰".into(),
                ],
                ..Subject::default()
            },
        ],
        ..ErasureRequest::default()
    }
}

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    // Wrap at 76 columns like a mailer.
    let lines: Vec<&str> = out
        .as_bytes()
        .chunks(76)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    lines.join("\n")
}

fn enc(charset: &str, text: &str) -> Vec<u8> {
    let e = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap_or(encoding_rs::UTF_8);
    e.encode(text).0.into_owned()
}

/// A simple message: extra headers, then a body.
fn simple(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!("Message-ID: <1@x>\n{headers}\n\n").into_bytes();
    m.extend_from_slice(body);
    m
}

/// A one-part message with the given content type and transfer encoding.
fn part_msg(ctype: &str, cte: &str, body: &[u8]) -> Vec<u8> {
    simple(
        &format!(
            "From: a@x.org\nMIME-Version: 1.0\nContent-Type: {ctype}\nContent-Transfer-Encoding: {cte}"
        ),
        body,
    )
}

/// A multipart/mixed message with a text part and one attachment.
fn with_attachment(headers: &str, body: &[u8]) -> Vec<u8> {
    let mut m = b"From: a@x.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\n".to_vec();
    m.extend_from_slice(headers.as_bytes());
    m.extend_from_slice(b"\n\n");
    m.extend_from_slice(body);
    m.extend_from_slice(b"\n--b1--\n");
    m
}

fn nested(inner: &str, cte: &str) -> Vec<u8> {
    let body = if cte == "base64" {
        b64(inner.as_bytes())
    } else {
        inner.to_owned()
    };
    format!(
        "From: a@x.org\nSubject: Fwd\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain\n\nForwarding.\n--b1\nContent-Type: message/rfc822\nContent-Transfer-Encoding: {cte}\n\n{body}\n--b1--\n"
    )
    .into_bytes()
}

struct Case {
    name: &'static str,
    envelope: Option<&'static str>,
    raw: Vec<u8>,
    /// Expected (subject, kind, role) of the parsed (non-raw) hits; empty for a decoy.
    want: Vec<(usize, IdKind, Role)>,
    /// Only the raw safety net can see it: compare all hits instead.
    raw_only: bool,
}

fn case(name: &'static str, raw: Vec<u8>, want: &[(usize, IdKind, Role)]) -> Case {
    Case {
        name,
        envelope: None,
        raw,
        want: want.to_vec(),
        raw_only: false,
    }
}

fn cases() -> Vec<Case> {
    let jane = "Jane Doe <jane.doe@example.com>";
    let mut v = vec![
        // Sender headers.
        case("from", simple(&format!("From: {jane}"), b"hi"), &[(0, Email, Sender), (0, Name, Sender)]),
        case("from decoy", simple("From: Janet Doe <notjane.doe@example.com>", b"hi"), &[]),
        case("sender", simple("Sender: jane.doe@example.com", b"hi"), &[(0, Email, Sender)]),
        case("reply-to", simple("Reply-To: <JANE.DOE+list@EXAMPLE.COM>", b"hi"), &[(0, Email, Sender)]),
        case("return-path", simple("Return-Path: <jane.doe@example.com>", b"hi"), &[(0, Email, Sender)]),
        case("return-path decoy", simple("Return-Path: <jane.doe@example.com.evil.net>", b"hi"), &[]),
        // Recipient headers.
        case("to", simple(&format!("To: x@y.z, {jane}"), b"hi"), &[(0, Email, Recipient), (0, Name, Recipient)]),
        case("cc folded", simple("Cc: a@b.c,\n Jane\n  Doe <jane.doe@example.com>", b"hi"), &[(0, Email, Recipient), (0, Name, Recipient)]),
        case("bcc", simple("Bcc: jane.doe@example.com", b"hi"), &[(0, Email, Recipient)]),
        case("delivered-to", simple("Delivered-To: jane.doe@example.com", b"hi"), &[(0, Email, Recipient)]),
        case("x-original-to", simple("X-Original-To: jane.doe@example.com", b"hi"), &[(0, Email, Recipient)]),
        case("envelope-to", simple("Envelope-To: jane.doe@example.com", b"hi"), &[(0, Email, Recipient)]),
        case("to decoy", simple("To: jane.doe@example.community, Jane Doeman", b"hi"), &[]),
        case("received for", simple("Received: from mx1 by mx2 with ESMTP id 7\n\tfor <jane.doe@example.com>; Thu, 1 Jan 2026", b"hi"), &[(0, Email, Recipient)]),
        case("received other clause", simple("Received: from jane.doe@example.com by mx2; Thu, 1 Jan 2026", b"hi"), &[(0, Email, Mention)]),
        case("received decoy", simple("Received: from mx1 by mx2\n\tfor <jane.doe@example.community>; Thu, 1 Jan 2026", b"hi"), &[]),
        // Hashed address.
        case("hashed cc", simple("Cc: John Roe <John.Roe+x@Example.ORG>", b"hi"), &[(1, Email, Recipient)]),
        case("hashed decoy", simple("Cc: john.roe@example.org.uk", b"hi"), &[]),
        // Other headers, encoded words.
        case("subject plain", simple("Subject: about CUST-88231", b"hi"), &[(0, Term, Mention)]),
        case("subject B", simple(&format!("Subject: =?UTF-8?B?{}?=", b64("Re: Jane Doe".as_bytes())), b"hi"), &[(0, Name, Mention)]),
        case("subject Q split", simple("Subject: =?UTF-8?Q?Hello_Jane_D?=\n =?UTF-8?Q?oe?=", b"hi"), &[(0, Name, Mention)]),
        case("subject latin1 Q", simple("Subject: =?ISO-8859-1?Q?Jos=E9_Garc=EDa?=", b"hi"), &[(1, Name, Mention)]),
        case("subject koi8 B", simple(&format!("Subject: =?KOI8-R?B?{}?=", b64(&enc("koi8-r", "Иван Петров"))), b"hi"), &[(1, Name, Mention)]),
        case("subject iso-2022-jp", simple(&format!("Subject: =?ISO-2022-JP?B?{}?=", b64(&enc("iso-2022-jp", "山田太郎様"))), b"hi"), &[(1, Name, Mention)]),
        case("subject decoy", simple("Subject: =?UTF-8?Q?Jane_Doeman?= CUST-882310", b"hi"), &[]),
        case("x-header", simple("X-Customer: cust-88231", b"hi"), &[(0, Term, Mention)]),
        // Bodies.
        case("7bit body", simple("Subject: x", b"Call +44 (20) 7946-0018 or mail\njane.doe@example.com."), &[(0, Phone, Mention), (0, Email, Mention)]),
        case("7bit body decoy", simple("Subject: x", b"Call +44 20 7946 00189, Janet Doe, notjane.doe@example.com"), &[]),
        case("base64 body", part_msg("text/plain; charset=utf-8", "base64", b64("Dear Jane\u{a0}Doe,".as_bytes()).as_bytes()), &[(0, Name, Mention)]),
        case("base64 decoy", part_msg("text/plain; charset=utf-8", "base64", b64(b"Dear Jane Doeman,").as_bytes()), &[]),
        case("qp soft break", part_msg("text/plain", "quoted-printable", b"mail jane.do=\ne@example.com now"), &[(0, Email, Mention)]),
        case("qp decoy", part_msg("text/plain", "quoted-printable", b"mail notjane.do=\ne@example.com now"), &[]),
        case("qp latin1", part_msg("text/plain; charset=iso-8859-1", "quoted-printable", b"Hola Jos=E9 Garc=\n=EDa"), &[(1, Name, Mention)]),
        case("8bit windows-1251", part_msg("text/plain; charset=windows-1251", "8bit", &enc("windows-1251", "Привет, Иван  Петров!")), &[(1, Name, Mention)]),
        case("8bit windows-1251 decoy", part_msg("text/plain; charset=windows-1251", "8bit", &enc("windows-1251", "Привет, Иван Петровский!")), &[]),
        case("shift_jis", part_msg("text/plain; charset=Shift_JIS", "8bit", &enc("shift_jis", "山田太郎さん")), &[(1, Name, Mention)]),
        case("iso-2022-jp 7bit", part_msg("text/plain; charset=ISO-2022-JP", "7bit", &enc("iso-2022-jp", "山田太郎さん")), &[(1, Name, Mention)]),
        case("gb18030 base64", part_msg("text/plain; charset=GB18030", "base64", b64(&enc("gb18030", "你好张三丰")).as_bytes()), &[(1, Name, Mention)]),
        case("binary cte", part_msg("text/plain; charset=utf-8", "binary", "José García".as_bytes()), &[(1, Name, Mention)]),
        // HTML.
        case("html entities", part_msg("text/html", "7bit", b"<p>Write to jane.doe&#64;example.com or Jane&nbsp;Doe</p>"), &[(0, Email, Mention), (0, Name, Mention)]),
        case("html tags", part_msg("text/html", "quoted-printable", b"<p>Jane <b>Doe</b> &amp; <a href=3D\"mailto:jane.doe&#x40;example.com\">x</a></p>"), &[(0, Name, Mention), (0, Email, Mention)]),
        case("html named", part_msg("text/html; charset=utf-8", "7bit", b"Jos&eacute; Garc&iacute;a"), &[(1, Name, Mention)]),
        case("html decoy", part_msg("text/html", "7bit", b"<p>Jane <b>Doeman</b> jane.doe&#64;example.community</p>"), &[]),
        // Attachments.
        case("csv attachment", with_attachment("Content-Type: text/csv; name=\"c.csv\"\nContent-Transfer-Encoding: base64", b64(b"id,cust\n1,CUST-88231\n").as_bytes()), &[(0, Term, Mention)]),
        case("json attachment", with_attachment("Content-Type: application/json\nContent-Disposition: attachment; filename=\"d.json\"\nContent-Transfer-Encoding: base64", b64(br#"{"tel":"+44 20 7946 0018"}"#).as_bytes()), &[(0, Phone, Mention)]),
        case("vcard attachment", with_attachment("Content-Type: text/vcard; charset=utf-8\nContent-Transfer-Encoding: quoted-printable", b"BEGIN:VCARD\nFN:Jos=C3=A9 Garc=C3=ADa\nEND:VCARD"), &[(1, Name, Mention)]),
        case("ics attachment", with_attachment("Content-Type: application/octet-stream; name=\"invite.ics\"\nContent-Transfer-Encoding: base64", b64(b"ATTENDEE;CN=X:mailto:jane.doe@example.com\n").as_bytes()), &[(0, Email, Mention)]),
        case("utf-16 csv attachment", with_attachment("Content-Type: application/octet-stream; name=\"x.csv\"\nContent-Transfer-Encoding: base64", b64(&[&[0xFF, 0xFE][..], &"CUST-88231".encode_utf16().flat_map(u16::to_le_bytes).collect::<Vec<_>>()].concat()).as_bytes()), &[(0, Term, Mention)]),
        case("html attachment by name", with_attachment("Content-Type: application/octet-stream; name=\"page.htm\"\nContent-Transfer-Encoding: base64", b64(b"<i>Jane</i> <i>Doe</i>").as_bytes()), &[(0, Name, Mention)]),
        case("attachment decoy", with_attachment("Content-Type: text/csv; name=\"c.csv\"\nContent-Transfer-Encoding: base64", b64(b"id,cust\n1,CUST-882319\n").as_bytes()), &[]),
        case("filename rfc2231", with_attachment("Content-Type: application/pdf\nContent-Disposition: attachment;\n filename*=utf-8''Jane%20Doe%20CV.pdf\nContent-Transfer-Encoding: base64", b"JVBERi0xLjQK"), &[(0, Name, Mention)]),
        case("filename rfc2047", with_attachment(&format!("Content-Type: application/pdf; name=\"=?UTF-8?B?{}?=\"\nContent-Transfer-Encoding: base64", b64("José García.pdf".as_bytes())), b"JVBERi0xLjQK"), &[(1, Name, Mention)]),
        case("filename decoy", with_attachment("Content-Type: application/pdf\nContent-Disposition: attachment;\n filename*=utf-8''Janet%20Doe%20CV.pdf\nContent-Transfer-Encoding: base64", b"JVBERi0xLjQK"), &[]),
        // Nested messages: all mentions, even their From and To.
        case("nested 7bit", nested(&format!("From: {jane}\nTo: john.roe@example.org\nSubject: hi\n\nbody CUST-88231\n"), "7bit"), &[(0, Email, Mention), (0, Name, Mention), (1, Email, Mention), (0, Term, Mention)]),
        case("nested base64", nested(&format!("From: {jane}\nSubject: hi\n\nbody\n"), "base64"), &[(0, Email, Mention), (0, Name, Mention)]),
        case("nested decoy", nested("From: Janet Doe <jane.doe@example.community>\nSubject: hi\n\nbody\n", "7bit"), &[]),
        // Malformed messages.
        Case {
            raw_only: true,
            ..case("no separator", b"From: a@x.org\nSubject: hi\nJane Doe wrote this".to_vec(), &[(0, Name, Mention)])
        },
        case("8-bit header", simple("Subject: Jos\u{e9} Garc\u{ed}a", b"hi").into_iter().collect::<Vec<u8>>(), &[(1, Name, Mention)]),
        case("latin1 header", [&b"Subject: Jos\xe9 Garc\xeda\n\nhi"[..]].concat(), &[(1, Name, Mention)]),
        case("bare CR", b"From: Jane Doe <jane.doe@example.com>\rSubject: x\r\rhi".to_vec(), &[(0, Email, Sender), (0, Name, Sender)]),
        case("broken boundary", b"From: a@x.org\nContent-Type: multipart/mixed; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nJane Doe\n--z".to_vec(), &[(0, Name, Mention)]),
        case("empty message", Vec::new(), &[]),
    ];
    v.push(Case {
        name: "envelope",
        envelope: Some("From jane.doe@example.com Thu Nov 22 10:00:00 2026"),
        raw: simple("Subject: x", b"hi"),
        want: vec![(0, Email, Sender)],
        raw_only: false,
    });
    v.push(Case {
        name: "envelope decoy",
        envelope: Some("From jane.doe@example.com.evil.net Thu Nov 22 10:00:00 2026"),
        raw: simple("Subject: x", b"hi"),
        want: vec![],
        raw_only: false,
    });
    v
}

fn crlf(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() + raw.len() / 20);
    for &b in raw {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

fn parsed_triples(f: &Findings) -> BTreeSet<(usize, IdKind, Role)> {
    f.hits
        .iter()
        .filter(|h| !matches!(h.location, Location::Raw { .. }))
        .map(|h| (h.subject, h.kind, h.role))
        .collect()
}

#[test]
fn every_place_lf_and_crlf() {
    let m = Matcher::new(&request());
    let cases = cases();
    assert!(cases.len() > 50);
    let mut failures = Vec::new();
    for c in &cases {
        for (eol, raw) in [("LF", c.raw.clone()), ("CRLF", crlf(&c.raw))] {
            let input = MessageInput {
                envelope: c.envelope.map(str::as_bytes),
                raw: &raw,
            };
            let f = m.scan(&input);
            let want: BTreeSet<_> = c.want.iter().copied().collect();
            let ok = if want.is_empty() {
                // A decoy: nothing at all, not even in the raw scan.
                f.is_empty()
            } else if c.raw_only {
                f.hits
                    .iter()
                    .map(|h| (h.subject, h.kind, h.role))
                    .collect::<BTreeSet<_>>()
                    == want
            } else {
                parsed_triples(&f) == want
            };
            if !ok {
                failures.push(format!(
                    "{} ({eol}): want {want:?}, got {:?}",
                    c.name, f.hits
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn invalid_base64_is_caught_by_raw_scan() {
    let m = Matcher::new(&request());
    let raw = part_msg("text/plain", "base64", b"!!!! jane.doe@example.com ????");
    let f = m.scan(&MessageInput {
        envelope: None,
        raw: &raw,
    });
    let raw_hits: Vec<_> = f
        .hits
        .iter()
        .filter_map(|h| match &h.location {
            Location::Raw { span } => Some(span.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(raw_hits.len(), 1, "{:?}", f.hits);
    assert_eq!(&raw[raw_hits[0].clone()], b"jane.doe@example.com");
}

#[test]
fn boundary_mid_line_truncation_is_caught_by_raw_scan() {
    // mail-parser 0.11 drops the text after a boundary string found mid-line.
    let m = Matcher::new(&request());
    for raw in [
        b"From: a@x.org\nContent-Type: multipart/mixed; boundary=b1\n\n--b1\nContent-Type: text/plain\n\nsee x--b1 and then Jane Doe\n--b1--\n".to_vec(),
    ] {
        for raw in [raw.clone(), crlf(&raw)] {
            let f = m.scan(&MessageInput { envelope: None, raw: &raw });
            let spans: Vec<_> = f
                .hits
                .iter()
                .filter_map(|h| match &h.location {
                    Location::Raw { span } => raw.get(span.clone()),
                    _ => None,
                })
                .collect();
            assert_eq!(spans, [b"Jane Doe"], "{:?}", f.hits);
        }
    }
}

#[test]
fn locations_carry_exact_spans() {
    let m = Matcher::new(&request());
    let raw = crlf(&with_attachment(
        "Content-Type: text/csv; name=\"Jane Doe.csv\"\nContent-Transfer-Encoding: base64",
        b64(b"CUST-88231").as_bytes(),
    ));
    let raw = [&b"To: jane.doe@example.com\r\n"[..], &raw].concat();
    let f = m.scan(&MessageInput {
        envelope: None,
        raw: &raw,
    });
    assert_eq!(f.parse, ParseStatus::Parsed);
    let mut seen = 0;
    for h in &f.hits {
        match &h.location {
            Location::Header {
                path,
                index: 0,
                name,
                span: Some(span),
            } if path.is_empty() => {
                assert_eq!(name, "To");
                assert_eq!(&raw[span.clone()], b"To: jane.doe@example.com\r\n");
                seen |= 1;
            }
            Location::Header {
                path,
                name,
                span: Some(span),
                ..
            } if path == &[1] => {
                assert_eq!(name, "Content-Type");
                assert!(raw[span.clone()].starts_with(b"Content-Type: text/csv"));
                seen |= 2;
            }
            Location::AttachmentName { path } => {
                assert_eq!(path, &[1]);
                seen |= 4;
            }
            Location::Part {
                path,
                span: Some(span),
            } => {
                assert_eq!(path, &[1]);
                assert_eq!(&raw[span.clone()], b64(b"CUST-88231").as_bytes());
                seen |= 8;
            }
            Location::Raw { span } => {
                let s = &raw[span.clone()];
                assert!(s == b"jane.doe@example.com" || s == b"Jane Doe", "{s:?}");
                seen |= 16;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(seen, 31, "{:?}", f.hits);
}

#[test]
fn nested_paths_and_spans() {
    let m = Matcher::new(&request());
    for (cte, in_outer) in [("7bit", true), ("base64", false)] {
        let raw = nested("From: Jane Doe <x@y.z>\nSubject: s\n\nbody\n", cte);
        let f = m.scan(&MessageInput {
            envelope: None,
            raw: &raw,
        });
        let header = f.hits.iter().find_map(|h| match &h.location {
            Location::Header {
                path, name, span, ..
            } => Some((path.clone(), name.clone(), span.clone())),
            _ => None,
        });
        let (path, name, span) = header.unwrap_or_default();
        assert_eq!(path, [1, 0], "{cte}");
        assert_eq!(name, "From");
        assert_eq!(span.is_some(), in_outer, "{cte}");
        if let Some(span) = span {
            assert_eq!(&raw[span], b"From: Jane Doe <x@y.z>\n");
        }
        assert_eq!(f.strongest_role(), Some(Mention));
    }
}

#[test]
fn findings_summaries() {
    let m = Matcher::new(&request());
    let raw = simple(
        "From: jane.doe@example.com\nCc: john.roe@example.org\nSubject: Jane Doe",
        b"",
    );
    let f = m.scan(&MessageInput {
        envelope: None,
        raw: &raw,
    });
    assert_eq!(f.subjects(), [0, 1]);
    assert_eq!(f.roles(), [Mention, Recipient, Sender]);
    assert_eq!(f.strongest_role(), Some(Sender));
    let json = serde_json::to_string(&f.hits[0]).unwrap_or_default();
    assert!(json.contains("\"role\":\"sender\""), "{json}");
    assert!(!json.contains("jane.doe"), "{json}");
}

#[test]
fn empty_request_and_prefilter_skip_parsing() {
    let raw = simple(
        &format!("From: {}", "Jane Doe <jane.doe@example.com>"),
        b"hi",
    );
    let empty = Matcher::new(&ErasureRequest::default());
    assert!(empty.is_empty());
    let f = empty.scan(&MessageInput {
        envelope: None,
        raw: &raw,
    });
    assert_eq!((f.is_empty(), f.parse), (true, ParseStatus::Skipped));
    assert!(empty.scan_bytes(&raw).is_empty());

    let m = Matcher::new(&request());
    assert!(!m.is_empty());
    let plain = simple(
        "From: someone@example.net\nSubject: lunch",
        b"See you at 12:30.\n",
    );
    let f = m.scan(&MessageInput {
        envelope: None,
        raw: &plain,
    });
    assert_eq!(f.parse, ParseStatus::Skipped);
    let encoded = part_msg("text/plain", "base64", b64(b"lunch").as_bytes());
    let f = m.scan(&MessageInput {
        envelope: None,
        raw: &encoded,
    });
    assert_eq!((f.is_empty(), f.parse), (true, ParseStatus::Parsed));
}

#[test]
fn scan_bytes_reports_raw_spans() {
    let m = Matcher::new(&request());
    let data = "notes: José García,\ncall +44 20 7946 0018\n\u{FFFD}".as_bytes();
    let hits = m.scan_bytes(data);
    let found: Vec<_> = hits
        .iter()
        .map(|h| match &h.location {
            Location::Raw { span } => (
                h.kind,
                h.role,
                String::from_utf8_lossy(&data[span.clone()]).into_owned(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        found,
        [
            (Name, Mention, "José García".to_owned()),
            (Phone, Mention, "+44 20 7946 0018".to_owned())
        ]
    );
    assert!(m.scan_bytes(b"plain ascii, nothing here").is_empty());
    assert!(m.scan_bytes(&[0xff, 0xfe, 0x00, 0x41]).is_empty());
}

#[test]
fn ten_thousand_subjects() {
    let subjects = (0..10_000)
        .map(|i| Subject {
            id: format!("REQ-{i}"),
            emails: vec![format!("user{i}@example.com")],
            names: vec![format!("Given{i} Family{i}")],
            phones: vec![format!("4420700{i:05}")],
            terms: vec![format!("CUST-{i}")],
            ..Subject::default()
        })
        .collect();
    let req = ErasureRequest {
        subjects,
        ..ErasureRequest::default()
    };
    let m = Matcher::new(&req);
    let raw = simple(
        "From: user1234@example.com\nTo: user12345@example.com, user77@example.community",
        b"Hello Given9999\n Family9999, not Given5 Family55. Phone +44 20 700 00042.\nCUST-500 and CUST-50000 and XCUST-501.\n",
    );
    for raw in [raw.clone(), crlf(&raw)] {
        let f = m.scan(&MessageInput {
            envelope: None,
            raw: &raw,
        });
        assert_eq!(f.subjects(), [42, 500, 1234, 9999], "{:?}", f.hits);
        let sender: Vec<_> = f
            .hits
            .iter()
            .filter(|h| h.role == Sender)
            .map(|h| h.subject)
            .collect();
        assert!(sender.iter().all(|&s| s == 1234) && !sender.is_empty());
    }
}

#[test]
fn never_panics_on_odd_input() {
    let m = Matcher::new(&request());
    let mut inputs: Vec<Vec<u8>> = vec![
        b"\xff\xfe\x00".to_vec(),
        b"=?".to_vec(),
        b"Subject: =?utf-8?B?".to_vec(),
        b"Subject: =?utf-8?Q?=?=".to_vec(),
        b"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n".to_vec(),
        b"Content-Type: message/rfc822\n\nContent-Type: message/rfc822\n\n".to_vec(),
        b"&#xFFFFFFFF; &# &#x; <!-- <".to_vec(),
        vec![b'@'; 1000],
        vec![b'\n'; 1000],
    ];
    // Deeply nested multiparts.
    let mut deep = String::new();
    for i in 0..200 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\n"
        ));
    }
    inputs.push(deep.into_bytes());
    for raw in &inputs {
        let _ = m.scan(&MessageInput {
            envelope: Some(raw),
            raw,
        });
        let _ = m.scan_bytes(raw);
    }
}

mod prefilter_soundness {
    use super::*;
    use proptest::prelude::*;

    /// ASCII fragments: identifiers, near misses, markup and line structure.
    const FRAGMENTS: &[&str] = &[
        "Jane",
        "Doe",
        "jane",
        "DOE",
        "Jane Doe",
        "Janet",
        " ",
        "  ",
        "\t",
        "\n",
        "\r\n",
        "\n ",
        "jane.doe",
        "@",
        "example.com",
        ".",
        "+tag",
        "not",
        "+44",
        " 20 ",
        "7946",
        "0018",
        "-",
        "(20)",
        "CUST-88231",
        "cust",
        "-88231",
        "From: ",
        "To: ",
        "Cc: ",
        "Subject: ",
        "Received: ",
        "for <",
        ">",
        "\n\n",
        "<b>",
        "</b>",
        "<",
        "&",
        "&amp;",
        "&#64;",
        "=?",
        "?=",
        "=",
        "=\n",
        "Content-Type: text/plain\n",
        "Content-Type: text/html\n",
        "Content-Transfer-Encoding: quoted-printable\n",
        "Content-Transfer-Encoding: base64\n",
        "charset=utf-7",
        "charset=us-ascii",
        "filename*=",
        "*",
        "--b1\n",
        "boundary=b1",
        "john.roe",
        "example.org",
        "SmFuZSBEb2U=",
    ];

    static MATCHER: std::sync::LazyLock<Matcher> =
        std::sync::LazyLock::new(|| Matcher::new(&request()));

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// When the prefilter skips a message, the full scan finds nothing in it.
        #[test]
        fn skipped_means_nothing_to_find(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..40)) {
            let raw: String = picks.iter().map(|&i| FRAGMENTS[i]).collect();
            let m = &*MATCHER;
            let input = MessageInput { envelope: None, raw: raw.as_bytes() };
            let f = m.scan(&input);
            if f.parse == ParseStatus::Skipped {
                let full = m.scan_unfiltered(&input, rawnet::Classified::of(input.raw));
                prop_assert!(full.is_empty(), "{raw:?}: {:?}", full.hits);
            }
        }
    }
}

#[test]
fn find_in_text_gives_ranges_of_the_original_text() {
    let request = crate::request::ErasureRequest::from_toml_str(
        "[[subject]]\nid = \"R\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\nphones = [\"+44 20 7946 0018\"]\n",
    )
    .unwrap();
    let matcher = Matcher::new(&request);
    let text = "Hi JANE\u{a0}\n Doe, write to Jane.Doe+x@Example.com or call +44 (20) 7946-0018? Janet Doe no.";
    let found: Vec<(&str, IdKind)> = matcher
        .find_in_text(text)
        .into_iter()
        .map(|m| (&text[m.range], m.kind))
        .collect();
    assert!(
        found.contains(&("JANE\u{a0}\n Doe", IdKind::Name)),
        "{found:?}"
    );
    assert!(
        found.contains(&("Jane.Doe+x@Example.com", IdKind::Email)),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|(s, k)| *k == IdKind::Phone && s.contains("7946-0018")),
        "{found:?}"
    );
    assert!(!found.iter().any(|(s, _)| s.contains("Janet")));
}

#[test]
fn raw_scan_skips_only_opaque_base64_runs() {
    let b64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\n";
    let raw = format!("Subject: x\n\nJane Doe wrote:\n{b64}{b64}short line\n{b64}");
    let segments = super::text_segments(raw.as_bytes());
    let kept: Vec<&str> = segments.iter().map(|r| &raw[r.clone()]).collect();
    assert_eq!(kept, ["Subject: x\n\nJane Doe wrote:\n", "short line\n"]);
    assert_eq!(super::text_segments(b"no newline at all"), vec![0..17]);
    assert_eq!(super::text_segments(b""), vec![0..0]);
}

#[test]
fn opaque_lines_are_the_base64_alphabet_only() {
    for b in 0..=255u8 {
        let want = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
        assert_eq!(super::is_base64_byte(b), want, "{b:#x}");
    }
    let line = [b'Q'; 100];
    for len in [59, 60, 63, 64, 65, 100] {
        assert_eq!(super::is_opaque_line(&line[..len]), len >= 60, "{len}");
        for at in [0, len / 2, len - 1] {
            let mut bad = line[..len].to_vec();
            bad[at] = b'-';
            assert!(!super::is_opaque_line(&bad), "{len} {at}");
        }
    }
}

#[test]
fn a_request_compiles_whole() {
    assert!(Matcher::new(&request()).is_complete());
    assert!(Matcher::new(&ErasureRequest::default()).is_complete());
}

/// `msg` as the body of a `message/rfc822` message under `cte`.
fn enclosed(msg: &str, cte: &str) -> String {
    let body = match cte {
        "base64" => b64(msg.as_bytes()),
        // Every byte escaped: nothing of the text is left literally.
        "quoted-printable" => msg
            .bytes()
            .map(|b| format!("={b:02X}"))
            .collect::<Vec<_>>()
            .chunks(25)
            .map(|c| c.concat())
            .collect::<Vec<_>>()
            .join("=\n"),
        _ => msg.to_owned(),
    };
    format!(
        "From: a@x.org\nContent-Type: message/rfc822\nContent-Transfer-Encoding: {cte}\n\n{body}\n"
    )
}

/// Finding F3: the header block of every enclosed message is searched,
/// whichever mix of encoded and 7bit levels encloses it; a span is given
/// exactly when the field lies in the raw message as it is.
#[test]
fn headers_of_every_nested_level_are_searched() {
    let inner =
        "From: bob@x.org\nCc: jane.doe@example.com\nSubject: =?utf-8?q?Jane_Doe?=\n\nnothing\n";
    let cases: [(&[&str], bool); 6] = [
        (&["7bit", "base64"], false),
        (&["7bit", "quoted-printable"], false),
        (&["7bit", "7bit", "base64"], false),
        (&["7bit", "base64", "7bit"], false),
        (&["base64", "7bit", "7bit"], false),
        (&["7bit", "7bit", "7bit"], true),
    ];
    let m = Matcher::new(&request());
    for (wraps, spans) in cases {
        let raw = wraps
            .iter()
            .fold(inner.to_owned(), |msg, cte| enclosed(&msg, cte));
        let f = m.scan(&MessageInput {
            envelope: None,
            raw: raw.as_bytes(),
        });
        assert_eq!(f.parse, ParseStatus::Parsed, "{wraps:?}");
        let path = vec![0; wraps.len()];
        let fields: BTreeSet<(String, IdKind, bool)> = f
            .hits
            .iter()
            .filter_map(|h| match &h.location {
                Location::Header {
                    path: p,
                    name,
                    span,
                    ..
                } if *p == path => Some((name.clone(), h.kind, span.is_some())),
                _ => None,
            })
            .collect();
        let want: BTreeSet<_> = [
            ("Cc".to_owned(), Email, spans),
            ("Subject".to_owned(), Name, spans),
        ]
        .into_iter()
        .collect();
        assert_eq!(fields, want, "{wraps:?}: {:?}", f.hits);
    }
}

#[test]
fn a_cyrillic_name_with_a_breve_is_found_in_koi8_r() {
    let m = Matcher::new(&ErasureRequest {
        subjects: vec![Subject {
            id: "K".into(),
            names: vec!["Джейн Доу".into()],
            ..Subject::default()
        }],
        ..ErasureRequest::default()
    });
    let (body, _, _) = encoding_rs::KOI8_R.encode("Звонила Джейн Доу, перезвоните.\n");
    let mut raw = b"From: a@b.example\nSubject: x\nMIME-Version: 1.0\n\
        Content-Type: text/plain; charset=koi8-r\nContent-Transfer-Encoding: 8bit\n\n"
        .to_vec();
    raw.extend_from_slice(&body);
    let input = MessageInput {
        envelope: None,
        raw: &raw,
    };
    assert_eq!(
        m.scan_unfiltered(&input, rawnet::Classified::of(input.raw))
            .subjects(),
        [0],
        "unfiltered"
    );
    assert_eq!(m.scan(&input).subjects(), [0]);
}

#[test]
fn evidence_names_the_form_and_the_decoding() {
    let m = Matcher::new(&request());
    let blob = b64(b"Notes from Doe, Jane about the plan, and more words here.");
    let raw = format!("From: a@b.example\nSubject: x\nMIME-Version: 1.0\n\nsee below\n\n{blob}\n");
    let findings = m.scan(&MessageInput {
        envelope: None,
        raw: raw.as_bytes(),
    });
    let ev = findings.evidence();
    assert!(
        ev.contains(&Evidence {
            kind: Name,
            form: Form::Inverted,
            place: Place::Part,
            decoding: Decoding::RawBase64,
        }),
        "{ev:?}"
    );
    assert!(
        ev.iter()
            .all(|e| e.kind == Name && e.form == Form::Inverted),
        "{ev:?}"
    );
}
