//! The acceptance test of the matching issue: a generated backup (Maildir, mbox
//! and loose `.eml` in a tar.zst) in which one subject's identifiers are planted
//! in every encoding and location we know of, each case in LF and in CRLF, with
//! decoy-only messages beside them. `scan --json` must flag exactly the planted
//! messages, with the expected role and action, and must not print any identifier.
//!
//! All people, addresses and numbers are fictional.

use std::collections::{BTreeMap, BTreeSet};

use crate::support::encode::{base64_lines, charset, percent, quoted_printable, word_b, word_q};
use crate::support::erasure::{ScanReport, argv, leaked_forms, scan_json, strings};
use crate::support::mail::{self, Member, Quoting, crlf};
use crate::support::*;

/// The subject id of the planted request.
pub const SUBJECT_ID: &str = "REQ-PLANT-7";

/// The planted subject's address.
pub const EMAIL: &str = "jane.doe@example.com";
/// The planted subject's names: the main one, then aliases in other scripts.
pub const NAMES: [&str; 5] = [
    "Jane Doe",
    "Renée Müller",
    "Jana Šimková",
    "Джейн Доу",
    "山田花子",
];
/// The planted subject's phone number.
pub const PHONE: &str = "+44 20 7946 0018";
/// The phone's digits.
pub const PHONE_DIGITS: &str = "442079460018";
/// The planted subject's customer number.
pub const TERM: &str = "CUST-88231";

/// The request naming the planted subject in clear.
pub fn request_toml() -> String {
    let names: Vec<String> = NAMES.iter().map(|n| format!("\"{n}\"")).collect();
    format!(
        "[[subject]]\nid = \"{SUBJECT_ID}\"\nemails = [\"{EMAIL}\"]\nnames = [{}]\n\
         phones = [\"{PHONE}\"]\nterms = [\"{TERM}\"]\n",
        names.join(", ")
    )
}

/// Every form of the identifiers that a report must never show: plain,
/// lower and upper case, the phone's digits, each labelled by its form.
pub fn identifier_forms() -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = vec![
        ("email".into(), EMAIL.into()),
        ("phone".into(), PHONE.into()),
        ("phone digits".into(), PHONE_DIGITS.into()),
        ("term".into(), TERM.into()),
    ];
    for (i, n) in NAMES.iter().enumerate() {
        ids.push((format!("names[{i}]"), (*n).into()));
    }
    let mut out = Vec::new();
    for (form, v) in ids {
        out.push((format!("{form} upper"), v.to_uppercase()));
        out.push((format!("{form} lower"), v.to_lowercase()));
        out.push((form, v));
    }
    out
}

/// Which identifier a case plants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id {
    /// The address.
    Email,
    /// A name.
    Name,
    /// The phone number.
    Phone,
    /// The customer number.
    Term,
}

/// The role a case should be reported with (its strongest role).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// From, Reply-To, Return-Path, envelope.
    Sender,
    /// To, Cc, Bcc, Delivered-To, Received ... for.
    Recipient,
    /// Anywhere else.
    Mention,
}

impl Role {
    /// The word of `scan --json`.
    pub fn word(self) -> &'static str {
        match self {
            Role::Sender => "sender",
            Role::Recipient => "recipient",
            Role::Mention => "mention",
        }
    }

    /// The action of the default policy.
    pub fn action(self) -> &'static str {
        match self {
            Role::Mention => "redact",
            _ => "delete",
        }
    }
}

/// Where a case is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Rotate over Maildir, mbox and eml.
    Any,
    /// In an mbox, with the given envelope sender.
    Envelope(&'static str),
    /// A loose `.eml` whose path holds an identifier.
    NamedEml,
}

/// What was planted in a message (`None` for a decoy).
type Planted = Option<(Id, Role)>;

/// An mbox message in the making: envelope sender, bytes, label, what was planted.
type MboxEntry = (&'static str, Vec<u8>, String, Planted);

/// One planted or decoy message (LF line ends).
pub struct Case {
    /// Unique label, for failure messages.
    pub label: &'static str,
    /// `None` for a decoy: nothing of the subject is in it.
    pub planted: Option<(Id, Role)>,
    /// Where the corpus stores it.
    pub place: Place,
    /// The message with LF line ends.
    pub lf: Vec<u8>,
}

/// One message of the corpus with what `scan` must say about it.
#[derive(Clone, Debug)]
pub struct Placed {
    /// Case label and line-end variant, for failure messages.
    pub label: String,
    /// Member as reported (the path, or `blake3:<hex>` for a path holding an identifier).
    pub member: String,
    /// Message index in the member.
    pub index: u64,
    /// `Some` for a planted message.
    pub planted: Option<(Id, Role)>,
    /// The message bytes as stored (without mbox envelope and quoting).
    pub bytes: Vec<u8>,
}

/// The generated corpus.
pub struct Corpus {
    /// The uncompressed tar.
    pub tar: Vec<u8>,
    /// Every message, planted or not.
    pub messages: Vec<Placed>,
    /// Members of the tar, for rebuilding variants.
    pub members: Vec<Member>,
    /// Non-mail members holding an identifier (a warning each).
    pub warned_members: Vec<String>,
}

impl Corpus {
    /// `(member, index)` of the planted messages, optionally only those of `kind`.
    pub fn planted(&self, kind: Option<Id>) -> BTreeSet<(String, u64)> {
        self.messages
            .iter()
            .filter(|m| {
                m.planted
                    .is_some_and(|(k, _)| kind.is_none_or(|want| want == k))
            })
            .map(|m| (m.member.clone(), m.index))
            .collect()
    }

    /// Labels of `keys`, for failure messages.
    pub fn labels(&self, keys: &BTreeSet<(String, u64)>) -> Vec<String> {
        keys.iter()
            .map(|(member, index)| {
                self.messages
                    .iter()
                    .find(|m| &m.member == member && m.index == *index)
                    .map_or_else(|| format!("{member}#{index}"), |m| m.label.clone())
            })
            .collect()
    }
}

/// A message with neutral defaults; `over` replaces a default field's value,
/// `extra` header lines follow (each may hold folded lines), then the body.
pub fn msg(id: &str, over: &[(&str, &str)], extra: &[&str], body: &[u8]) -> Vec<u8> {
    let subject = format!("Status {id}");
    let message_id = format!("<{id}@mail.example.net>");
    let defaults = [
        ("Return-Path", "<bob@example.org>"),
        ("From", "Bob Example <bob@example.org>"),
        ("To", "Carol Example <carol@example.org>"),
        ("Subject", subject.as_str()),
        ("Date", "Tue, 14 Nov 2023 22:13:20 +0000"),
        ("Message-ID", message_id.as_str()),
    ];
    let mut m = Vec::new();
    for (name, value) in defaults {
        let value = over
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(value, |(_, v)| *v);
        m.extend_from_slice(format!("{name}: {value}\n").as_bytes());
    }
    for h in extra {
        m.extend_from_slice(h.as_bytes());
        m.push(b'\n');
    }
    m.extend_from_slice(b"MIME-Version: 1.0\n\n");
    m.extend_from_slice(body);
    m
}

/// A plain message with `body` only.
pub fn text(id: &str, body: &str) -> Vec<u8> {
    msg(id, &[], &[], body.as_bytes())
}

/// A single-part message with a content type and transfer encoding.
pub fn part(id: &str, ctype: &str, cte: &str, body: &[u8]) -> Vec<u8> {
    let ct = format!("Content-Type: {ctype}");
    let te = format!("Content-Transfer-Encoding: {cte}");
    msg(id, &[], &[&ct, &te], body)
}

/// A multipart/mixed message: a neutral text part, then `attachment` (its part
/// header lines and body).
pub fn with_attachment(id: &str, headers: &[&str], body: &str) -> Vec<u8> {
    let mut b = String::from(
        "--mix-b\nContent-Type: text/plain; charset=us-ascii\n\nSee the attachment.\n--mix-b\n",
    );
    for h in headers {
        b.push_str(h);
        b.push('\n');
    }
    b.push('\n');
    b.push_str(body);
    b.push_str("--mix-b--\n");
    msg(
        id,
        &[],
        &["Content-Type: multipart/mixed; boundary=\"mix-b\""],
        b.as_bytes(),
    )
}

/// Every planted case: one subject identifier in one encoding and location.
pub fn planted_cases() -> Vec<Case> {
    use Id::*;
    use Role::*;
    let case = |label, id: Id, role: Role, lf: Vec<u8>| Case {
        label,
        planted: Some((id, role)),
        place: Place::Any,
        lf,
    };
    let qp_email_body = format!("Write to {EMAIL} today.\n");
    let qp_break = qp_email_body.find("jane.do").expect("address") + "jane.do".len();
    let qp_name_body = "Ask Jane Doe about it.\n";
    let qp_name_break = qp_name_body.find("Jane").expect("name") + 2;
    let forwarded_inner = format!(
        "From: {EMAIL}\nTo: Bob Example <bob@example.org>\nSubject: Original\n\nThe original text.\n"
    );
    let pdf_like: Vec<u8> = (0u8..=200).map(|b| b.wrapping_mul(29)).collect();
    let mut v = vec![
        // ---- the address, in every header role ----
        case("from", Email, Sender, msg("p-from", &[("From", EMAIL)], &[], b"Hi.\n")),
        case(
            "to",
            Email,
            Recipient,
            msg("p-to", &[("To", "J. D. <jane.doe@example.com>")], &[], b"Hi.\n"),
        ),
        case(
            "cc",
            Email,
            Recipient,
            msg(
                "p-cc",
                &[],
                &["Cc: Carol Example <carol@example.org>,\n jane.doe@example.com"],
                b"Hi.\n",
            ),
        ),
        case(
            "bcc",
            Email,
            Recipient,
            msg("p-bcc", &[], &["Bcc: jane.doe@example.com"], b"Hi.\n"),
        ),
        case(
            "reply-to",
            Email,
            Sender,
            msg("p-reply-to", &[], &["Reply-To: <Jane.Doe@Example.COM>"], b"Hi.\n"),
        ),
        case(
            "return-path",
            Email,
            Sender,
            msg("p-return-path", &[("Return-Path", "<jane.doe@example.com>")], &[], b"Hi.\n"),
        ),
        case(
            "delivered-to",
            Email,
            Recipient,
            msg("p-delivered-to", &[], &["Delivered-To: jane.doe@example.com"], b"Hi.\n"),
        ),
        case(
            "received-for",
            Email,
            Recipient,
            msg(
                "p-received",
                &[],
                &["Received: from mx.example.net (mx.example.net [192.0.2.7])\n\tby mail.example.org with ESMTP id 4XyzAb\n\tfor <jane.doe@example.com>; Tue, 14 Nov 2023 22:13:20 +0000"],
                b"Hi.\n",
            ),
        ),
        case(
            "plus-tag",
            Email,
            Recipient,
            msg("p-plus-tag", &[("To", "jane.doe+newsletter@example.com")], &[], b"Hi.\n"),
        ),
        // ---- the address in bodies and attachments ----
        case(
            "base64-body",
            Email,
            Mention,
            part(
                "p-b64-email",
                "text/plain; charset=utf-8",
                "base64",
                base64_lines(format!("Please write to {EMAIL} about it.\n").as_bytes(), 76)
                    .as_bytes(),
            ),
        ),
        case(
            "qp-soft-break-in-address",
            Email,
            Mention,
            part(
                "p-qp-email",
                "text/plain; charset=utf-8",
                "quoted-printable",
                quoted_printable(qp_email_body.as_bytes(), &[qp_break]).as_bytes(),
            ),
        ),
        case(
            "mixed-case-plus-tag-in-body",
            Email,
            Mention,
            text("p-body-tag", "Reply to <Jane.Doe+News@EXAMPLE.com>.\n"),
        ),
        case(
            "html-at-reference",
            Email,
            Mention,
            part(
                "p-html-at",
                "text/html; charset=us-ascii",
                "7bit",
                b"<p>Mail <a href=\"#\">jane.doe&#64;example.com</a> please.</p>\n",
            ),
        ),
        case(
            "csv-attachment",
            Email,
            Mention,
            with_attachment(
                "p-csv",
                &["Content-Type: text/csv; name=\"contacts.csv\"", "Content-Disposition: attachment; filename=\"contacts.csv\""],
                "name,email\nJ. D.,jane.doe@example.com\n",
            ),
        ),
        case(
            "json-attachment-base64",
            Email,
            Mention,
            with_attachment(
                "p-json",
                &["Content-Type: application/json; name=\"c.json\"", "Content-Transfer-Encoding: base64"],
                &base64_lines(br#"{"contact": {"mail": "jane.doe@example.com"}}"#, 76),
            ),
        ),
        case(
            "vcard-attachment",
            Email,
            Mention,
            with_attachment(
                "p-vcard",
                &["Content-Type: text/vcard; charset=utf-8; name=\"contact.vcf\""],
                "BEGIN:VCARD\nVERSION:3.0\nFN:J. D.\nEMAIL;TYPE=work:jane.doe@example.com\nEND:VCARD\n",
            ),
        ),
        case(
            "ics-attachment-qp",
            Email,
            Mention,
            with_attachment(
                "p-ics",
                &["Content-Type: text/calendar; charset=utf-8; method=REQUEST", "Content-Transfer-Encoding: quoted-printable"],
                &quoted_printable(
                    b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Review\nATTENDEE;CN=Guest:mailto:jane.doe@example.com\nEND:VEVENT\nEND:VCALENDAR\n",
                    &[],
                ),
            ),
        ),
        case(
            "forwarded-rfc822-7bit",
            Email,
            Mention,
            with_attachment(
                "p-fwd-7bit",
                &["Content-Type: message/rfc822", "Content-Disposition: inline"],
                &forwarded_inner,
            ),
        ),
        case(
            "forwarded-rfc822-base64",
            Email,
            Mention,
            with_attachment(
                "p-fwd-b64",
                &["Content-Type: message/rfc822", "Content-Transfer-Encoding: base64"],
                &base64_lines(forwarded_inner.as_bytes(), 76),
            ),
        ),
        // ---- names: encoded headers, charsets, HTML, white space ----
        case(
            "subject-2047-b-latin1-split",
            Name,
            Mention,
            msg(
                "p-subj-b",
                &[(
                    "Subject",
                    &format!(
                        "{}\n {}",
                        word_b("ISO-8859-1", &charset("iso-8859-1", "Café avec Jane D")),
                        word_b("ISO-8859-1", &charset("iso-8859-1", "oe demain"))
                    ),
                )],
                &[],
                b"Hi.\n",
            ),
        ),
        case(
            "subject-2047-q-utf8-split",
            Name,
            Mention,
            msg(
                "p-subj-q",
                &[(
                    "Subject",
                    &format!(
                        "{}\n {}",
                        word_q("UTF-8", "Réunion avec Ja".as_bytes()),
                        word_q("UTF-8", "ne Doe".as_bytes())
                    ),
                )],
                &[],
                b"Hi.\n",
            ),
        ),
        case(
            "subject-folded",
            Name,
            Mention,
            msg("p-subj-fold", &[("Subject", "Notes from the call with Jane\n Doe")], &[], b"Hi.\n"),
        ),
        case(
            "body-8bit-iso-8859-1",
            Name,
            Mention,
            part(
                "p-latin1",
                "text/plain; charset=iso-8859-1",
                "8bit",
                &charset("iso-8859-1", "Réunion : Renée Müller viendra.\n"),
            ),
        ),
        case(
            "body-8bit-windows-1252",
            Name,
            Mention,
            part(
                "p-cp1252",
                "text/plain; charset=windows-1252",
                "8bit",
                &charset("windows-1252", "Anruf von Jana Šimková \u{2013} bitte zurückrufen.\n"),
            ),
        ),
        case(
            "body-8bit-koi8-r",
            Name,
            Mention,
            part(
                "p-koi8",
                "text/plain; charset=koi8-r",
                "8bit",
                &charset("koi8-r", "Звонила Джейн Доу, перезвоните.\n"),
            ),
        ),
        case(
            "body-iso-2022-jp",
            Name,
            Mention,
            part(
                "p-2022jp",
                "text/plain; charset=iso-2022-jp",
                "7bit",
                &charset("iso-2022-jp", "山田花子さんから電話がありました。\n"),
            ),
        ),
        case(
            "body-8bit-shift-jis",
            Name,
            Mention,
            part(
                "p-sjis",
                "text/plain; charset=shift_jis",
                "8bit",
                &charset("shift_jis", "山田花子様へのお知らせ\n"),
            ),
        ),
        case(
            "body-utf8-nbsp",
            Name,
            Mention,
            part(
                "p-nbsp",
                "text/plain; charset=utf-8",
                "8bit",
                "Met Jane\u{a0}Doe today.\n".as_bytes(),
            ),
        ),
        case(
            "qp-soft-break-in-name",
            Name,
            Mention,
            part(
                "p-qp-name",
                "text/plain; charset=utf-8",
                "quoted-printable",
                quoted_printable(qp_name_body.as_bytes(), &[qp_name_break]).as_bytes(),
            ),
        ),
        case(
            "html-tags-between-words",
            Name,
            Mention,
            part(
                "p-html-b",
                "text/html; charset=utf-8",
                "7bit",
                b"<p>Call from Jane <b>Doe</b> at noon.</p>\n",
            ),
        ),
        case(
            "html-tag-inside-word",
            Name,
            Mention,
            part(
                "p-html-span",
                "text/html; charset=utf-8",
                "7bit",
                b"<p>J<span>ane</span> Doe called.</p>\n",
            ),
        ),
        case(
            "html-nbsp-reference",
            Name,
            Mention,
            part(
                "p-html-nbsp",
                "text/html; charset=utf-8",
                "quoted-printable",
                b"<p>Jane&nbsp;Doe called.</p>\n",
            ),
        ),
        case(
            "rfc2231-attachment-filename",
            Name,
            Mention,
            with_attachment(
                "p-2231",
                &[
                    "Content-Type: application/pdf",
                    &format!(
                        "Content-Disposition: attachment;\n filename*=UTF-8''{}",
                        percent("Jane Doe CV.pdf".as_bytes())
                    ),
                    "Content-Transfer-Encoding: base64",
                ],
                &base64_lines(&pdf_like, 76),
            ),
        ),
        // ---- the phone, with different separators ----
        case("phone-spaces", Phone, Mention, text("p-ph-sp", "Call +44 20 7946 0018 now.\n")),
        case("phone-dashes", Phone, Mention, text("p-ph-dash", "Call +44-20-7946-0018 now.\n")),
        case("phone-dots", Phone, Mention, text("p-ph-dot", "Call +44.20.7946.0018 now.\n")),
        case(
            "phone-parens-slash",
            Phone,
            Mention,
            text("p-ph-par", "Call (+44) 20 7946/0018 now.\n"),
        ),
        case("phone-bare-digits", Phone, Mention, text("p-ph-bare", "Tel:442079460018\n")),
        case(
            "phone-across-line-break",
            Phone,
            Mention,
            text("p-ph-wrap", "Call +44 20 7946\n0018 after five.\n"),
        ),
        case(
            "phone-in-header",
            Phone,
            Mention,
            msg("p-ph-hdr", &[], &["X-Caller: +44 20 7946 0018"], b"Voicemail.\n"),
        ),
        // ---- the customer number ----
        case("term-body", Term, Mention, text("p-term", "Ticket CUST-88231 closed.\n")),
        case("term-lowercase", Term, Mention, text("p-term-lc", "ticket cust-88231 closed.\n")),
        case(
            "term-subject",
            Term,
            Mention,
            msg("p-term-subj", &[("Subject", "Re: CUST-88231")], &[], b"Done.\n"),
        ),
        case(
            "term-base64-body",
            Term,
            Mention,
            part(
                "p-term-b64",
                "text/plain; charset=utf-8",
                "base64",
                base64_lines(b"Account CUST-88231 is closed.\n", 76).as_bytes(),
            ),
        ),
    ];
    v.push(Case {
        label: "mbox-envelope",
        planted: Some((Email, Sender)),
        place: Place::Envelope(EMAIL),
        lf: text("p-envelope", "Only the envelope knows.\n"),
    });
    v.push(Case {
        label: "identifier-in-member-path",
        planted: Some((Term, Mention)),
        place: Place::NamedEml,
        lf: text("p-named", "Case file CUST-88231.\n"),
    });
    v
}

/// Messages that hold only look-alikes of the identifiers (and neutral mail).
pub fn decoy_cases() -> Vec<Case> {
    let decoy = |label, lf: Vec<u8>| Case {
        label,
        planted: None,
        place: Place::Any,
        lf,
    };
    vec![
        decoy(
            "decoy-janet-from",
            msg(
                "d-janet",
                &[("From", "Janet Doe <janet.doe@example.com>")],
                &[],
                b"Hello.\n",
            ),
        ),
        decoy(
            "decoy-notjane-to",
            msg(
                "d-notjane",
                &[("To", "notjane.doe@example.com")],
                &[],
                b"Hello.\n",
            ),
        ),
        decoy(
            "decoy-community-cc",
            msg(
                "d-community",
                &[],
                &["Cc: jane.doe@example.community"],
                b"Hello.\n",
            ),
        ),
        decoy(
            "decoy-evil-domain",
            text(
                "d-evil",
                "Phishing sample from jane.doe@example.com.evil.net today.\n",
            ),
        ),
        decoy(
            "decoy-names",
            text(
                "d-names",
                "Janet Doe and Jane Doeman met; MaryJane Doe too.\n",
            ),
        ),
        decoy(
            "decoy-digit-runs",
            text(
                "d-digits",
                "Orders 4420794600189 and 1442079460018 shipped.\n",
            ),
        ),
        decoy(
            "decoy-longer-term",
            text("d-term", "Ticket CUST-882310 opened.\n"),
        ),
        decoy(
            "decoy-base64",
            part(
                "d-b64",
                "text/plain; charset=utf-8",
                "base64",
                base64_lines(b"Janet Doe <janet.doe@example.com>, CUST-882310\n", 76).as_bytes(),
            ),
        ),
        decoy(
            "decoy-html",
            part(
                "d-html",
                "text/html; charset=utf-8",
                "7bit",
                b"<p>Janet&nbsp;Doe, notjane.doe&#64;example.com</p>\n",
            ),
        ),
        decoy(
            "decoy-received-for",
            msg(
                "d-received",
                &[],
                &[
                    "Received: from mx.example.net\n\tby mail.example.org\n\tfor <janet.doe@example.com>; Tue, 14 Nov 2023 22:13:20 +0000",
                ],
                b"Hello.\n",
            ),
        ),
        decoy(
            "decoy-shift-jis-other-name",
            part(
                "d-sjis",
                "text/plain; charset=shift_jis",
                "8bit",
                &charset("shift_jis", "山田太郎様へのお知らせ\n"),
            ),
        ),
        decoy(
            "decoy-subject-2047",
            msg(
                "d-subj",
                &[(
                    "Subject",
                    &word_b("UTF-8", "Janet Doe: CUST-882310".as_bytes()),
                )],
                &[],
                b"Hello.\n",
            ),
        ),
        decoy("neutral-1", text("n-1", "From the minutes: nothing new.\n")),
        decoy("neutral-2", text("n-2", "Lunch at noon?\n")),
    ]
}

/// An mbox from `(envelope sender, message)` pairs, mboxrd-quoted, with `eol`.
pub fn mbox_of(msgs: &[(&str, Vec<u8>)], eol: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (sender, m) in msgs {
        out.extend_from_slice(format!("From {sender} {}{eol}", mail::ENVELOPE_DATE).as_bytes());
        out.extend_from_slice(&mail::quote(m, Quoting::Mboxrd));
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

/// The name under which reports show a member whose path holds an identifier.
pub fn hashed_path(path: &str) -> String {
    format!("blake3:{}", blake3::hash(path.as_bytes()).to_hex())
}

/// Build the corpus: every planted and decoy case in LF and CRLF, spread over
/// a Maildir, two mboxes (LF, CRLF) and loose `.eml` files, plus non-mail files.
pub fn corpus() -> Corpus {
    let mut cases = planted_cases();
    cases.extend(decoy_cases());
    let mut maildir_msgs: Vec<(Vec<u8>, &str, String, Planted)> = Vec::new();
    let mut mboxes: [Vec<MboxEntry>; 2] = [vec![], vec![]];
    let mut emls: Vec<Member> = Vec::new();
    let mut messages = Vec::new();
    let mut slot = 0usize;
    for case in &cases {
        for (v, eol) in ["lf", "crlf"].iter().enumerate() {
            let bytes = if v == 0 {
                case.lf.clone()
            } else {
                crlf(&case.lf)
            };
            let label = format!("{} ({eol})", case.label);
            match case.place {
                Place::Envelope(sender) => mboxes[v].push((sender, bytes, label, case.planted)),
                Place::NamedEml => {
                    let path = format!("exports/Jane Doe - {TERM} ({eol}).eml");
                    messages.push(Placed {
                        label,
                        member: hashed_path(&path),
                        index: 0,
                        planted: case.planted,
                        bytes: bytes.clone(),
                    });
                    emls.push(Member::file(&path, bytes, "eml", 1));
                }
                Place::Any => {
                    slot += 1;
                    match slot % 3 {
                        0 => maildir_msgs.push((bytes, "cur/", label, case.planted)),
                        1 => mboxes[v].push(("bob@example.org", bytes, label, case.planted)),
                        _ => {
                            let path = format!("exports/msg-{slot:03}.eml");
                            messages.push(Placed {
                                label,
                                member: path.clone(),
                                index: 0,
                                planted: case.planted,
                                bytes: bytes.clone(),
                            });
                            emls.push(Member::file(&path, bytes, "eml", 1));
                        }
                    }
                }
            }
        }
    }
    let mut members = Vec::new();
    let mut seq = 0;
    let placed: Vec<(Vec<u8>, &str)> = maildir_msgs
        .iter()
        .map(|(b, f, _, _)| (b.clone(), *f))
        .collect();
    let md = mail::maildir("home/bob/Maildir/", &placed, &mut seq);
    let files = md.iter().filter(|m| m.format == Some("maildir"));
    for (m, (bytes, _, label, planted)) in files.zip(&maildir_msgs) {
        messages.push(Placed {
            label: label.clone(),
            member: m.path.clone(),
            index: 0,
            planted: *planted,
            bytes: bytes.clone(),
        });
    }
    members.extend(md);
    members.push(Member::dir("mail/"));
    for (v, (name, eol)) in [
        ("mail/planted.mbox", "\n"),
        ("mail/planted-crlf.mbox", "\r\n"),
    ]
    .into_iter()
    .enumerate()
    {
        let list: Vec<(&str, Vec<u8>)> = mboxes[v]
            .iter()
            .map(|(s, b, _, _)| (*s, b.clone()))
            .collect();
        for (i, (_, bytes, label, planted)) in mboxes[v].iter().enumerate() {
            messages.push(Placed {
                label: label.clone(),
                member: name.into(),
                index: i as u64,
                planted: *planted,
                bytes: bytes.clone(),
            });
        }
        members.push(Member::file(
            name,
            mbox_of(&list, eol),
            "mbox",
            list.len() as u64,
        ));
    }
    members.push(Member::dir("exports/"));
    members.extend(emls);
    members.push(Member::dir("docs/"));
    members.push(Member::file(
        "docs/readme.txt",
        b"Decoys only: Janet Doe <janet.doe@example.com>, CUST-882310, 4420794600189.\n".to_vec(),
        "other",
        0,
    ));
    members.push(Member::file(
        "docs/contacts.csv",
        format!("name,mail\nJ. D.,{EMAIL}\n").into_bytes(),
        "other",
        0,
    ));
    members.push(Member::file("docs/logo.png", mail::png_like(), "other", 0));
    Corpus {
        tar: mail::tar_of(&members, EndPadding::Record),
        messages,
        members,
        warned_members: vec!["docs/contacts.csv".into()],
    }
}

/// Assert the flagged set equals `want`, listing what was missed and what was extra.
pub fn assert_flagged_exactly(
    label: &str,
    corpus: &Corpus,
    report: &ScanReport,
    want: &BTreeSet<(String, u64)>,
) {
    let got = report.flagged();
    assert_eq!(
        got.len(),
        report.messages.len(),
        "{label}: a message is reported twice"
    );
    let missed: BTreeSet<_> = want.difference(&got).cloned().collect();
    let extra: BTreeSet<_> = got.difference(want).cloned().collect();
    assert!(
        missed.is_empty() && extra.is_empty(),
        "{label}: {} of {} expected messages flagged;\n  missed: {:#?}\n  flagged but not planted: {:#?}",
        want.len() - missed.len(),
        want.len(),
        corpus.labels(&missed),
        corpus.labels(&extra),
    );
}

fn setup(corpus: &Corpus) -> Work {
    let w = Work::new();
    w.write("backup.tar.zst", &wrap(&corpus.tar, Wrap::Zstd));
    w
}

#[test]
fn planted_corpus_is_well_formed() {
    let c = corpus();
    let planted = c.planted(None);
    let decoys = c.messages.iter().filter(|m| m.planted.is_none()).count();
    assert!(planted.len() >= 80, "{} planted", planted.len());
    assert!(decoys >= 20, "{decoys} decoys");
    // Every message key is unique, and the independent parser reads each one.
    let keys: BTreeSet<_> = c.messages.iter().map(|m| (&m.member, m.index)).collect();
    assert_eq!(keys.len(), c.messages.len());
    for m in &c.messages {
        assert!(
            mailparse::parse_mail(&m.bytes).is_ok(),
            "{}: mailparse rejects the fixture",
            m.label
        );
    }
    // Encoded cases really hide the identifier from a byte search.
    let hidden = c
        .messages
        .iter()
        .filter(|m| m.planted.is_some())
        .filter(|m| leaked_forms(&m.bytes, &identifier_forms()).is_empty())
        .count();
    assert!(
        hidden >= 20,
        "only {hidden} planted messages hide every identifier"
    );
}

#[test]
fn planted_scan_flags_exactly_the_planted_messages() {
    let c = corpus();
    let w = setup(&c);
    w.request(&request_toml());
    let (run, report) = scan_json(&w, "request.toml", "backup.tar.zst", &[]);
    assert_flagged_exactly("clear request", &c, &report, &c.planted(None));

    // Role and action: the strongest role is the planted one; mention-only
    // messages are mention-only.
    let mut wrong = Vec::new();
    for m in c.messages.iter().filter(|m| m.planted.is_some()) {
        let (_, role) = m.planted.expect("planted");
        let Some(rec) = report.get(&m.member, m.index) else {
            continue; // reported above
        };
        let roles = strings(rec, "roles");
        let subjects = strings(rec, "subjects");
        let strongest = roles.last().map(String::as_str);
        let ok = strongest == Some(role.word())
            && rec["action"] == role.action()
            && subjects == [SUBJECT_ID]
            && (role != Role::Mention || roles == ["mention"]);
        if !ok {
            wrong.push(format!(
                "{}: want role {} action {}, got roles {roles:?} action {} subjects {subjects:?}",
                m.label,
                role.word(),
                role.action(),
                rec["action"]
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong role/action:\n{}", wrong.join("\n"));

    // A few exact records.
    for (label, roles) in [
        ("from (lf)", vec!["sender"]),
        ("to (crlf)", vec!["recipient"]),
        ("body-8bit-koi8-r (lf)", vec!["mention"]),
        ("mbox-envelope (crlf)", vec!["sender"]),
    ] {
        let m = c
            .messages
            .iter()
            .find(|m| m.label == label)
            .expect("case exists");
        let rec = report.get(&m.member, m.index).expect("flagged");
        assert_eq!(strings(rec, "roles"), roles, "{label}");
    }

    // Totals and the warning for the non-mail member.
    let planted = c.planted(None).len() as u64;
    let deletes = c
        .messages
        .iter()
        .filter(|m| m.planted.is_some_and(|(_, r)| r != Role::Mention))
        .count() as u64;
    let s = &report.summary;
    assert_eq!(s["container"], "tar", "{s}");
    assert_eq!(s["compression"], "zstd", "{s}");
    assert_eq!(s["messages"], c.messages.len() as u64, "{s}");
    assert_eq!(s["delete"], deletes, "{s}");
    assert_eq!(s["redact"], planted - deletes, "{s}");
    assert_eq!(s["untouched"], c.messages.len() as u64 - planted, "{s}");
    assert_eq!(s["warnings"], c.warned_members.len() as u64, "{s}");
    let warned: Vec<&str> = report
        .warnings
        .iter()
        .map(|w| w["member"].as_str().expect("member"))
        .collect();
    assert_eq!(warned, c.warned_members, "warnings: {:?}", report.warnings);
    for wr in &report.warnings {
        assert_eq!(strings(wr, "subjects"), [SUBJECT_ID]);
    }

    // Nothing printed identifies the subject.
    let leaks = leaked_forms(&run.stdout, &identifier_forms());
    assert!(leaks.is_empty(), "scan stdout shows identifiers: {leaks:?}");
    let leaks = leaked_forms(run.stderr.as_bytes(), &identifier_forms());
    assert!(leaks.is_empty(), "scan stderr shows identifiers: {leaks:?}");
}

#[test]
fn planted_hashed_only_request_finds_every_address_case() {
    let c = corpus();
    let w = setup(&c);
    let hash = w
        .run(&argv(&["hash-id", "--email", EMAIL]), None)
        .success("hash-id")
        .stdout_text();
    let hash = hash.trim();
    assert_eq!(hash.len(), 64, "hash-id prints 64 hex digits");
    w.request(&format!(
        "[[subject]]\nid = \"{SUBJECT_ID}\"\nemail_blake3 = [\"{hash}\"]\n"
    ));
    let (run, report) = scan_json(&w, "request.toml", "backup.tar.zst", &[]);
    assert_flagged_exactly("hashed request", &c, &report, &c.planted(Some(Id::Email)));
    let roles: BTreeMap<String, String> = c
        .messages
        .iter()
        .filter_map(|m| {
            let rec = report.get(&m.member, m.index)?;
            Some((m.label.clone(), strings(rec, "roles").join(",")))
        })
        .collect();
    assert_eq!(roles.get("from (crlf)").map(String::as_str), Some("sender"));
    assert_eq!(
        roles
            .get("received-for (lf)")
            .map(String::as_str)
            .and_then(|r| r.rsplit(',').next()),
        Some("recipient")
    );
    let leaks = leaked_forms(&run.stdout, &identifier_forms());
    assert!(leaks.is_empty(), "scan stdout shows identifiers: {leaks:?}");
}

#[test]
fn planted_scan_is_the_same_single_threaded() {
    let c = corpus();
    let w = setup(&c);
    w.request(&request_toml());
    let (many, _) = scan_json(&w, "request.toml", "backup.tar.zst", &["--threads", "2"]);
    let (one, _) = scan_json(&w, "request.toml", "backup.tar.zst", &["--threads", "1"]);
    assert_bytes_eq("scan --threads 1 vs 2", &many.stdout, &one.stdout);
}
