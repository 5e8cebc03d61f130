//! End-to-end tests of [`super::redact`], judged by an independent MIME
//! decoder (`mailparse`).

use super::*;

/// A test finder: case-insensitive literal search over a list of strings;
/// a space in a needle matches any run of white space (NBSP included);
/// whole words where the needle starts or ends with an ASCII alphanumeric.
pub(crate) struct ListFinder(pub Vec<(String, IdKind)>);

impl ListFinder {
    /// Jane Doe and her address.
    pub(crate) fn standard() -> Self {
        ListFinder(vec![
            ("jane.doe@example.com".to_owned(), IdKind::Email),
            ("Jane Doe".to_owned(), IdKind::Name),
            ("山田太郎".to_owned(), IdKind::Name),
            ("Jürgen Müller".to_owned(), IdKind::Name),
        ])
    }

    /// The end of a match of `needle` at `start`, if any.
    fn match_at(text: &str, start: usize, needle: &str) -> Option<usize> {
        let mut t = text.get(start..)?.char_indices().peekable();
        for n in needle.chars() {
            if n == ' ' {
                let mut seen = false;
                while let Some(&(_, c)) = t.peek() {
                    if !c.is_whitespace() {
                        break;
                    }
                    seen = true;
                    t.next();
                }
                if !seen {
                    return None;
                }
                continue;
            }
            let (_, c) = t.next()?;
            if !c.to_lowercase().eq(n.to_lowercase()) {
                return None;
            }
        }
        Some(start + t.peek().map_or(text.len() - start, |&(i, _)| i))
    }
}

impl Finder for ListFinder {
    fn find(&self, text: &str) -> Vec<Found> {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        let mut out = Vec::new();
        for (subject, (needle, kind)) in self.0.iter().enumerate() {
            let check_start = needle.starts_with(|c: char| c.is_ascii_alphanumeric());
            let check_end = needle.ends_with(|c: char| c.is_ascii_alphanumeric());
            for (start, _) in text.char_indices() {
                let Some(end) = Self::match_at(text, start, needle) else {
                    continue;
                };
                let before = text.get(..start).and_then(|s| s.chars().next_back());
                let after = text.get(end..).and_then(|s| s.chars().next());
                if (check_start && word(before)) || (check_end && word(after)) {
                    continue;
                }
                out.push(Found {
                    range: start..end,
                    subject,
                    kind: *kind,
                });
            }
        }
        out
    }
}

use base64::Engine as _;

/// Text that must never survive (checked on every decoded header, parameter
/// and text body).
const NEEDLES: &[&str] = &["jane", "doe", "山田", "müller", "jürgen"];

fn crlf(lf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lf.len() + lf.len() / 20);
    for &b in lf {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The LF and CRLF forms of a fixture written with LF.
fn forms(lf: &[u8]) -> [(bool, Vec<u8>); 2] {
    [(false, lf.to_vec()), (true, crlf(lf))]
}

fn eol_form(crlf_form: bool, lf: &[u8]) -> Vec<u8> {
    if crlf_form { crlf(lf) } else { lf.to_vec() }
}

fn b64_lines(data: &[u8], width: usize) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    let lines: Vec<&str> = text
        .as_bytes()
        .chunks(width)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    lines.join("\n")
}

/// Every decoded header value, parameter and leaf body, by mailparse.
fn oracle(bytes: &[u8]) -> Vec<String> {
    let mail = mailparse::parse_mail(bytes).expect("mailparse parses the result");
    let mut out = Vec::new();
    collect(&mail, &mut out);
    out
}

fn collect(m: &mailparse::ParsedMail, out: &mut Vec<String>) {
    out.extend(m.headers.iter().map(|h| h.get_value()));
    out.extend(m.ctype.params.values().cloned());
    out.extend(m.get_content_disposition().params.values().cloned());
    if m.ctype.mimetype == "message/rfc822" {
        let raw = m.get_body_raw().unwrap();
        collect(&mailparse::parse_mail(&raw).unwrap(), out);
    } else if m.subparts.is_empty() {
        match m.get_body() {
            Ok(text) => out.push(text),
            Err(_) => out.push(String::from_utf8_lossy(&m.get_body_raw().unwrap()).into_owned()),
        }
    }
    for part in &m.subparts {
        collect(part, out);
    }
}

fn message_id(bytes: &[u8]) -> Option<String> {
    use mailparse::MailHeaderMap;
    let (headers, _) = mailparse::parse_headers(bytes).ok()?;
    headers.get_first_value("Message-ID")
}

/// Checks the result as [`check`] does, without the region check (for
/// golden cases, whose whole output is compared).
fn check_decoded(name: &str, input: &[u8], out: &[u8], survive: &[&str]) {
    let whole = [input.to_vec()];
    check(name, input, out, &whole, survive);
}

/// Checks the result: no needle in any decoded text nor in the raw bytes,
/// all `survive` texts present, the Message-ID kept, and every byte
/// outside the `regions` of the input (in order) unchanged.
fn check(name: &str, input: &[u8], out: &[u8], regions: &[Vec<u8>], survive: &[&str]) {
    let texts = oracle(out);
    let all = texts.join("\n");
    let lower = all.to_lowercase();
    for needle in NEEDLES {
        assert!(
            !lower.contains(needle),
            "{name}: {needle} survives in\n{all}"
        );
    }
    let raw = String::from_utf8_lossy(out).to_ascii_lowercase();
    assert!(!raw.contains("jane"), "{name}: raw bytes hold it:\n{raw}");
    for s in survive {
        assert!(all.contains(s), "{name}: lost {s:?} in\n{all}");
    }
    assert_eq!(message_id(out), message_id(input), "{name}: Message-ID");
    assert_changes_within(name, input, out, regions);
}

/// Every byte of `input` outside `regions` (found in order) appears, in
/// order and unchanged, in `out`: the gaps between regions are copied.
fn assert_changes_within(name: &str, input: &[u8], out: &[u8], regions: &[Vec<u8>]) {
    let mut gaps = Vec::new();
    let mut pos = 0;
    for region in regions {
        let at = memchr::memmem::find(&input[pos..], region)
            .unwrap_or_else(|| panic!("{name}: region not in input"))
            + pos;
        gaps.push(&input[pos..at]);
        pos = at + region.len();
    }
    gaps.push(&input[pos..]);
    let first = gaps.first().unwrap();
    let last = gaps.last().unwrap();
    assert!(
        out.starts_with(first),
        "{name}: changed before the first region"
    );
    assert!(out.ends_with(last), "{name}: changed after the last region");
    let mut at = first.len();
    for gap in &gaps[1..gaps.len() - 1] {
        let found = memchr::memmem::find(&out[at..], gap)
            .unwrap_or_else(|| panic!("{name}: gap {:?} changed", String::from_utf8_lossy(gap)));
        at += found + gap.len();
    }
}

/// One end-to-end case, written with LF; run in LF and CRLF form.
struct Case {
    name: &'static str,
    input: Vec<u8>,
    /// Input substrings that hold every change, in order.
    regions: Vec<Vec<u8>>,
    /// Decoded texts that must survive.
    survive: Vec<&'static str>,
    /// The exact expected output, when the case is golden.
    golden: Option<Vec<u8>>,
}

fn case(name: &'static str, input: impl Into<Vec<u8>>) -> Case {
    Case {
        name,
        input: input.into(),
        regions: Vec::new(),
        survive: Vec::new(),
        golden: None,
    }
}

impl Case {
    fn regions(mut self, regions: &[&str]) -> Self {
        self.regions = regions.iter().map(|r| r.as_bytes().to_vec()).collect();
        self
    }
    fn byte_regions(mut self, regions: Vec<Vec<u8>>) -> Self {
        self.regions = regions;
        self
    }
    fn survive(mut self, texts: &[&'static str]) -> Self {
        self.survive = texts.to_vec();
        self
    }
    fn golden(mut self, out: impl Into<Vec<u8>>) -> Self {
        self.golden = Some(out.into());
        self
    }
}

fn run_cases(cases: Vec<Case>) {
    assert!(!cases.is_empty());
    let finder = ListFinder::standard();
    for c in &cases {
        for (is_crlf, input) in forms(&c.input) {
            let name = format!("{} ({})", c.name, if is_crlf { "CRLF" } else { "LF" });
            let got = redact(&input, None, &finder, &RewriteOptions::default())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(got.changed, "{name}: unchanged");
            if let Some(golden) = &c.golden {
                assert_eq!(
                    String::from_utf8_lossy(&got.bytes),
                    String::from_utf8_lossy(&eol_form(is_crlf, golden)),
                    "{name}"
                );
            }
            let regions: Vec<Vec<u8>> = c.regions.iter().map(|r| eol_form(is_crlf, r)).collect();
            let survive: Vec<String> = c
                .survive
                .iter()
                .map(|s| String::from_utf8(eol_form(is_crlf, s.as_bytes())).unwrap())
                .collect();
            let survive: Vec<&str> = survive.iter().map(String::as_str).collect();
            if !c.regions.is_empty() || c.golden.is_none() {
                check(&name, &input, &got.bytes, &regions, &survive);
            } else {
                check_decoded(&name, &input, &got.bytes, &survive);
            }
            let again = redact(&got.bytes, None, &finder, &RewriteOptions::default()).unwrap();
            assert!(
                !again.changed,
                "{name}: a second pass still finds something"
            );
        }
    }
}

const HEAD: &str =
    "Message-ID: <m1@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n";

#[test]
fn message_without_hits_is_byte_identical() {
    let input = format!(
        "From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: =?UTF-8?B?R3LDvMOfZQ==?=\n{HEAD}\
         Content-Type: multipart/alternative; boundary=\"b1\"\n\npreamble\n--b1\nContent-Type: text/plain\n\
         Content-Transfer-Encoding: quoted-printable\n\nhello=\n there=3D\n--b1\nContent-Type: text/html\n\n\
         <p>hi &amp; bye</p>\n--b1--\nepilogue\n"
    );
    for (_, input) in forms(input.as_bytes()) {
        let got = redact(
            &input,
            None,
            &ListFinder::standard(),
            &RewriteOptions::default(),
        )
        .unwrap();
        assert!(!got.changed);
        assert_eq!(got.bytes, input);
        assert_eq!(got.envelope, None);
        assert!(got.dropped_attachments.is_empty());
    }
}

#[test]
fn plain_headers() {
    let input = format!(
        "Return-Path: <jane.doe@example.com>\nReceived: from mx.example.org by mx.example.net\n\
         \tfor <Jane.Doe@Example.com>; Mon, 1 Jan 2024 00:00:00 +0000\n\
         From: Jane Doe <jane.doe@example.com>\nTo: \"Jane  Doe\" <jane.doe@example.com>, Bob <bob@example.org>\n\
         Subject: Re: notes for Jane\n Doe\n{HEAD}\nBody mentions nobody.\n"
    );
    let golden = format!(
        "Return-Path: <erased@erased.invalid>\nReceived: from mx.example.org by mx.example.net\n\
         \tfor <erased@erased.invalid>; Mon, 1 Jan 2024 00:00:00 +0000\n\
         From: \"[erased]\" <erased@erased.invalid>\nTo: \"[erased]\" <erased@erased.invalid>, Bob <bob@example.org>\n\
         Subject: Re: notes for [erased]\n{HEAD}\nBody mentions nobody.\n"
    );
    run_cases(vec![
        case("plain headers", input)
            .golden(golden)
            .survive(&["Bob <bob@example.org>", "Re: notes for [erased]"]),
    ]);
}

#[test]
fn rfc2047_words_split_over_folded_lines() {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let subject_b = format!(
        "Subject: =?UTF-8?B?{}?=\n =?UTF-8?B?{}?=\n",
        b64("Grüße an Jan"),
        b64("e Doe, wie geht's?")
    );
    let subject_q = "Subject: =?utf-8?q?Hi_Ja?=\n =?utf-8?q?ne_Doe!?= (see =?utf-8?q?below?=)\n";
    let from = "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.org>\n";
    let input_b = format!("{from}To: bob@example.org\n{subject_b}{HEAD}\nok\n");
    let input_q = format!("To: bob@example.org\n{subject_q}{HEAD}\nok\n");
    run_cases(vec![
        case("rfc2047 B", input_b.clone())
            .regions(&[from, &subject_b])
            .survive(&[
                "Grüße an [erased], wie geht's?",
                "[erased] <jm@example.org>",
            ]),
        case("rfc2047 Q", input_q.clone())
            .regions(&[subject_q])
            .survive(&["Hi [erased]! (see below)"]),
    ]);
    // New folded lines stay within 78 characters.
    let got = redact(
        input_b.as_bytes(),
        None,
        &ListFinder::standard(),
        &RewriteOptions::default(),
    )
    .unwrap();
    assert!(got.bytes.split(|&b| b == b'\n').all(|l| l.len() <= 78));
}

#[test]
fn transfer_encoded_bodies() {
    let qp = format!(
        "From: a@example.org\n{HEAD}Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: quoted-printable\n\n\
         Bitte schreiben Sie an jane.do=\ne@example.com oder rufen Sie Jane=20Doe an. Gr=C3=BC=C3=9Fe\n\
         =46rom here on, a line that is long enough to need a soft line break after rewriting=\n, surely.\n"
    );
    let text = "Dear team,\nplease note that Jane Doe has left. Forward her mail to the office.\n"
        .repeat(4);
    let b64 = format!(
        "From: a@example.org\n{HEAD}Content-Type: text/plain; charset=utf-8\n\
         Content-Transfer-Encoding: base64\n\n{}\n",
        b64_lines(text.as_bytes(), 60)
    );
    run_cases(vec![
        case("qp soft break inside identifier", qp.clone())
            .regions(&[&qp[qp.find("Bitte").unwrap()..]])
            .survive(&[
                "Bitte schreiben Sie an erased@erased.invalid oder rufen Sie [erased] an. Grüße",
            ]),
        case("base64 body", b64.clone())
            .regions(&[&b64_lines(text.as_bytes(), 60)])
            .survive(&["please note that [erased] has left. Forward her mail"]),
    ]);
    for (_, input) in forms(b64.as_bytes()) {
        let got = redact(
            &input,
            None,
            &ListFinder::standard(),
            &RewriteOptions::default(),
        )
        .unwrap();
        let body = &got.bytes[memchr::memmem::find(&got.bytes, b"base64").unwrap()..];
        let lines: Vec<&[u8]> = body.split(|&b| b == b'\n').skip(2).collect();
        let full = &lines[..lines.len() - 3];
        assert!(full.iter().all(|l| crate::mailbox::trim_eol(l).len() == 60));
    }
    for (_, input) in forms(qp.as_bytes()) {
        let got = redact(
            &input,
            None,
            &ListFinder::standard(),
            &RewriteOptions::default(),
        )
        .unwrap();
        assert!(got.bytes.split(|&b| b == b'\n').all(|l| l.len() <= 77));
        assert!(!got.bytes.windows(6).any(|w| w == b"\nFrom "));
    }
}

/// A single-part message whose body is `body` in `charset` (8bit).
fn charset_message(charset: &str, body: &[u8]) -> Vec<u8> {
    let mut m = format!(
        "From: a@example.org\n{HEAD}Content-Type: text/plain; charset={charset}\n\
         Content-Transfer-Encoding: 8bit\n\n"
    )
    .into_bytes();
    m.extend_from_slice(body);
    m
}

#[test]
fn legacy_charset_bodies() {
    let encode = |label: &str, text: &str| {
        let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
        let (bytes, _, bad) = enc.encode(text);
        assert!(!bad);
        bytes.into_owned()
    };
    let jp = "山田太郎様\nお世話になっております。\n";
    let latin = "Grüße an Jürgen Müller aus Köln\n";
    let cp1252 = "„Jane Doe“ – 5 €\n";
    let mut cases = Vec::new();
    for (name, label, text, survive) in [
        (
            "iso-2022-jp",
            "ISO-2022-JP",
            jp,
            "[erased]様\nお世話になっております。",
        ),
        (
            "shift_jis",
            "Shift_JIS",
            jp,
            "[erased]様\nお世話になっております。",
        ),
        (
            "iso-8859-1",
            "ISO-8859-1",
            latin,
            "Grüße an [erased] aus Köln",
        ),
        ("windows-1252", "windows-1252", cp1252, "„[erased]“ – 5 €"),
    ] {
        let body = encode(label, text);
        cases.push(
            case(name, charset_message(label, &body))
                .byte_regions(vec![body])
                .survive(&[survive]),
        );
    }
    let latin_bytes = encode("ISO-8859-1", latin);
    let mut undeclared = format!("From: a@example.org\n{HEAD}\n").into_bytes();
    undeclared.extend_from_slice(&latin_bytes);
    cases.push(
        case("undeclared 8-bit latin-1", undeclared)
            .byte_regions(vec![latin_bytes])
            .survive(&["Grüße an [erased] aus Köln"]),
    );
    run_cases(cases);
}

#[test]
fn html_with_entities_and_tags() {
    let html = "<html><body><p>Hello Jane <b>Doe</b>,</p>\n\
                <p>write to jane.doe&#64;example&#x2E;com or <a href=\"mailto:jane.doe@example.com\" \
                title=\"Jane&nbsp;Doe\">me</a>.</p>\n<!-- by Jane Doe -->\
                <p>Jane&nbsp;Doe &amp; friends</p></body></html>\n";
    let want = "<html><body><p>Hello [erased]<b></b>,</p>\n\
                <p>write to erased@erased.invalid or <a href=\"mailto:erased@erased.invalid\" \
                title=\"[erased]\">me</a>.</p>\n<!-- by [erased] -->\
                <p>[erased] &amp; friends</p></body></html>\n";
    let head = format!("From: a@example.org\n{HEAD}Content-Type: text/html; charset=utf-8\n\n");
    run_cases(vec![
        case("html", format!("{head}{html}"))
            .golden(format!("{head}{want}"))
            .survive(&["&amp; friends"]),
    ]);
}

/// A two-part message: a text part and `part` (written with LF).
fn with_attachment(part: &str) -> String {
    format!(
        "From: a@example.org\n{HEAD}Content-Type: multipart/mixed; boundary=\"XyZ\"\n\n\
         This is a MIME message.\n--XyZ\nContent-Type: text/plain; charset=us-ascii\n\n\
         See the attachment.\n--XyZ\n{part}\n--XyZ--\n"
    )
}

#[test]
fn attachments_text_filename_and_forwarded() {
    let csv = b"name,email\nJane Doe,jane.doe@example.com\nBob,bob@example.org\n";
    let csv_b64 = b64_lines(csv, 76);
    let csv_part = format!(
        "Content-Type: application/octet-stream; name=\"list.csv\"\n\
         Content-Disposition: attachment; filename=\"list.csv\"\nContent-Transfer-Encoding: base64\n\n{csv_b64}"
    );
    let named = "Content-Type: text/plain; charset=utf-8;\n name*0*=UTF-8''Jane%20;\n name*1=\"Doe notes.txt\"\n\
                 Content-Disposition: attachment;\n filename*0*=UTF-8''Jane%20;\n filename*1=\"Doe notes.txt\"\n\n\
                 Meeting notes.";
    let named_want = "Content-Type: text/plain; charset=utf-8;\n name=\"[erased] notes.txt\"\n\
                      Content-Disposition: attachment;\n filename=\"[erased] notes.txt\"\n\n\
                      Meeting notes.";
    let inner = "From: Jane Doe <jane.doe@example.com>\nSubject: inner\nMessage-ID: <inner@example.org>\n\n\
         Hi, this is Jane Doe speaking.\n"
        .to_owned();
    let fwd_plain = format!("Content-Type: message/rfc822\n\n{inner}");
    let inner_b64 = b64_lines(inner.as_bytes(), 76);
    let fwd_b64 =
        format!("Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n{inner_b64}");
    run_cases(vec![
        case("csv attachment", with_attachment(&csv_part))
            .regions(&[&csv_b64])
            .survive(&[
                "[erased],erased@erased.invalid",
                "Bob,bob@example.org",
                "See the attachment.",
            ]),
        case("rfc2231 filename", with_attachment(named))
            .golden(with_attachment(named_want))
            .survive(&["[erased] notes.txt", "Meeting notes."]),
        case("forwarded message", with_attachment(&fwd_plain))
            .regions(&[
                "From: Jane Doe <jane.doe@example.com>",
                "Hi, this is Jane Doe speaking.",
            ])
            .survive(&[
                "Hi, this is [erased] speaking.",
                "inner",
                "See the attachment.",
            ]),
        case("forwarded message in base64", with_attachment(&fwd_b64))
            .regions(&[&inner_b64])
            .survive(&["Hi, this is [erased] speaking.", "<inner@example.org>"]),
    ]);
}

#[test]
fn binary_attachments_are_stubbed_or_kept() {
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR Jane Doe";
    let part = format!(
        "Content-Type: image/png; name=\"photo.png\"\nContent-Disposition: attachment; filename=\"photo.png\"\n\
         Content-Transfer-Encoding: base64\n\n{}",
        b64_lines(png, 76)
    );
    let input = with_attachment(&part);
    let finder = ListFinder::standard();
    for (is_crlf, input) in forms(input.as_bytes()) {
        let options = RewriteOptions {
            request_ids: vec!["REQ-42".to_owned()],
            ..RewriteOptions::default()
        };
        let got = redact(&input, None, &finder, &options).unwrap();
        assert!(got.changed);
        let stub = "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\
                    Content-Disposition: inline\n\nThis attachment was removed under erasure request REQ-42.";
        let want = with_attachment(stub);
        assert_eq!(got.bytes, eol_form(is_crlf, want.as_bytes()));
        let part_bytes = eol_form(is_crlf, part.as_bytes());
        assert_eq!(
            got.dropped_attachments,
            [DroppedAttachment {
                part_path: vec![1],
                content_type: "image/png".to_owned(),
                original: part_bytes.clone(),
            }]
        );
        check(
            "stubbed",
            &input,
            &got.bytes,
            &[part_bytes],
            &["removed under erasure request REQ-42"],
        );
        let keep = RewriteOptions {
            stub_binary_attachments: false,
            ..RewriteOptions::default()
        };
        let got = redact(&input, None, &finder, &keep).unwrap();
        assert!(!got.changed);
        assert_eq!(got.bytes, input);
    }
}

#[test]
fn envelope_line_is_redacted_with_the_message() {
    let finder = ListFinder::standard();
    for (is_crlf, input) in
        forms(format!("From: Jane Doe <x@example.org>\n{HEAD}\nhi\n").as_bytes())
    {
        let env = eol_form(
            is_crlf,
            b"From jane.doe@example.com Mon Jan  1 00:00:00 2024\n",
        );
        let got = redact(&input, Some(&env), &finder, &RewriteOptions::default()).unwrap();
        assert_eq!(
            got.envelope.unwrap(),
            eol_form(
                is_crlf,
                b"From erased@erased.invalid Mon Jan  1 00:00:00 2024\n"
            )
        );
        assert!(got.bytes.starts_with(b"From: \"[erased]\" <x@example.org>"));
        let env = b"From MAILER-DAEMON Mon Jan  1 00:00:00 2024";
        let got = redact(
            b"Subject: x\n\nhi\n",
            Some(env),
            &finder,
            &RewriteOptions::default(),
        )
        .unwrap();
        assert!(!got.changed);
    }
}

#[test]
fn mbox_quoting_of_rewritten_lines() {
    let input = format!(
        "From: a@example.org\n{HEAD}\n>From the archive\nFrom Jane Doe, unquoted\nFrom Bob, untouched\n"
    );
    let options = RewriteOptions {
        mbox_quoting: true,
        ..RewriteOptions::default()
    };
    for (is_crlf, input) in forms(input.as_bytes()) {
        let got = redact(&input, None, &ListFinder::standard(), &options).unwrap();
        let want = format!(
            "From: a@example.org\n{HEAD}\n>From the archive\n>From [erased], unquoted\nFrom Bob, untouched\n"
        );
        assert_eq!(got.bytes, eol_form(is_crlf, want.as_bytes()));
    }
}

#[test]
fn unsafe_messages_are_errors_without_identifiers() {
    let finder = ListFinder::standard();
    let unknown = charset_message("x-klingon", b"Jane Doe\n");
    let utf16 = charset_message(
        "utf-16le",
        &"Jane Doe\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect::<Vec<u8>>(),
    );
    let bad_utf8 = charset_message("utf-8", b"Jane Doe \xff\n");
    let mut deep = format!("From: a@example.org\n{HEAD}");
    for i in 0..40 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n"
        ));
    }
    deep.push_str("\nJane Doe\n");
    let root_binary =
        format!("From: a@example.org\n{HEAD}Content-Type: application/pdf\n\n%PDF-1.4\n");
    let boundary = format!(
        "From: a@example.org\n{HEAD}Content-Type: multipart/mixed; boundary=\"Jane Doe\"\n\n--Jane Doe\n\nx\n--Jane Doe--\n"
    );
    let cases: Vec<(&str, Vec<u8>, RewriteError)> = vec![
        (
            "unknown charset",
            unknown,
            RewriteError::UnknownCharset { part: vec![] },
        ),
        ("utf-16", utf16, RewriteError::Undecodable { part: vec![] }),
        (
            "bad utf-8",
            bad_utf8,
            RewriteError::Undecodable { part: vec![] },
        ),
        (
            "too deep",
            deep.into_bytes(),
            RewriteError::TooDeep {
                part: vec![0; MAX_DEPTH + 1],
            },
        ),
        (
            "binary root",
            root_binary.into_bytes(),
            RewriteError::BinaryRoot { part: vec![] },
        ),
        (
            "boundary",
            boundary.into_bytes(),
            RewriteError::Structure { part: vec![] },
        ),
    ];
    for (name, input, want) in cases {
        for (_, input) in forms(&input) {
            let err = redact(&input, None, &finder, &RewriteOptions::default()).unwrap_err();
            assert_eq!(err, want, "{name}");
            let text = err.to_string().to_lowercase();
            assert!(NEEDLES.iter().all(|n| !text.contains(n)), "{name}: {text}");
        }
    }
}

#[test]
fn malformed_input_never_panics() {
    let finder = ListFinder::standard();
    let seeds: Vec<Vec<u8>> = vec![
        with_attachment("Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSmFuZSBEb2U=!!*").into_bytes(),
        b"Subject: Jane Doe\rTo: x\r\rbody Jane Doe\r".to_vec(),
        b"Subject: =?utf-8?B?SmFuZSBEb2U?=\nNo separator Jane Doe".to_vec(),
        b"Subject: \xe9 Jane Doe \xff\n\n\xff Jane Doe".to_vec(),
        b"Content-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: message/rfc822\n\nFrom: Jane Doe\n".to_vec(),
        b"Content-Type: text/html\n\n<a href='mailto:jane.doe@example.com".to_vec(),
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for seed in &seeds {
        for (_, seed) in forms(seed) {
            let _ = redact(
                &seed,
                Some(b"From jane.doe@example.com x"),
                &finder,
                &RewriteOptions::default(),
            );
            for _ in 0..300 {
                let mut m = seed.clone();
                let pos = (next() as usize) % m.len();
                match next() % 3 {
                    0 => m[pos] = next() as u8,
                    1 => m.truncate(pos),
                    _ => m.insert(pos, b"\n=?-;\"<&"[(next() % 8) as usize]),
                }
                let _ = redact(&m, None, &finder, &RewriteOptions::default());
            }
        }
    }
}
