//! The committed sample backup `testdata/sample.tar.zst` and erasure request
//! `testdata/request.toml` are generated here. Run with `MAILSCRUB_REGENERATE=1`
//! to rewrite them; otherwise the test checks the committed bytes are current.
//!
//! The sample is built so that a scrub with the request shows all three outcomes:
//! messages from/to jane.doe (delete), messages that mention her name, phone or
//! customer number in a body or an encoded header (redact), and everything else
//! (untouched; including decoys such as Janet Doe <janet.doe@example.com>).

use std::path::PathBuf;

use crate::support::compress::zstd_frame;
use crate::support::mail::{self, Member, Quoting, message, message_with, tar_of};
use crate::support::*;

/// The erasure request committed as `testdata/request.toml`.
pub const REQUEST_TOML: &str = r#"[policy]
sender = "delete"
recipient = "delete"
mention = "redact"

[[subject]]
id = "REQ-2026-0042"
emails = ["jane.doe@example.com"]
names = ["Jane Doe"]
phones = ["+44 20 7946 0018"]
terms = ["CUST-88231"]
"#;

/// Identifiers from the request, as they read once decoded.
pub const IDENTIFIERS: [&str; 4] = [
    "jane.doe@example.com",
    "Jane Doe",
    "+44 20 7946 0018",
    "CUST-88231",
];

/// What the scrub should do to a sample message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// From or to the subject: removed.
    Delete,
    /// Mentions the subject: kept, identifiers rewritten.
    Redact,
    /// Unrelated (or a decoy): byte-identical.
    Keep,
}

/// One message of the sample: where it lives, the designed outcome, its bytes.
pub struct SampleMsg {
    /// Member path (for an mbox: the mbox path).
    pub member: String,
    /// Designed outcome.
    pub outcome: Outcome,
    /// Message bytes (without mbox envelope/quoting).
    pub bytes: Vec<u8>,
}

const JANE: &str = "Jane Doe <jane.doe@example.com>";
const ALICE: &str = "Alice Example <alice@example.com>";
const BOB: &str = "Bob Example <bob@example.org>";
const CAROL: &str = "Carol Example <carol@example.com>";
const JANET: &str = "Janet Doe <janet.doe@example.com>";

fn alice_msgs() -> Vec<(Vec<u8>, &'static str, Outcome)> {
    use Outcome::*;
    vec![
        (
            message(
                JANE,
                ALICE,
                "Contract renewal",
                "Hi Alice,\n\nthe renewal is attached.\n\nJane\n",
            ),
            "cur/",
            Delete,
        ),
        (
            message(
                BOB,
                ALICE,
                "Ticket follow-up",
                "I spoke with Jane Doe yesterday; she asked about ticket CUST-88231.\n",
            ),
            "cur/",
            Redact,
        ),
        (
            message_with(
                CAROL,
                ALICE,
                "Caf\u{e9} notes",
                &[
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: quoted-printable",
                ],
                "Caf=C3=A9 meeting notes: Jane=20Doe will call from +44 20 7946 =\n0018 tomorrow=\n.\n",
            ),
            "cur/",
            Redact,
        ),
        (
            message(
                JANET,
                ALICE,
                "Hello from Janet",
                "Janet Doe here. My ticket is CUST-88232, phone +44 20 7946 0019.\n",
            ),
            "cur/",
            Keep,
        ),
        (
            message(
                "Dave Example <dave@example.org>",
                ALICE,
                "Lunch Friday?",
                "Pizza or sushi?\n",
            ),
            "new/",
            Keep,
        ),
        (
            message(
                CAROL,
                ALICE,
                "Quarterly report",
                "Numbers attached; call 555-0199 with questions.\n",
            ),
            "cur/",
            Keep,
        ),
        (
            message(
                ALICE,
                JANE,
                "Re: Contract renewal",
                "Thanks Jane, signed copy attached.\n",
            ),
            ".Sent/cur/",
            Delete,
        ),
        (
            message(ALICE, BOB, "Weekend", "From Saturday I am away.\n"),
            ".Sent/cur/",
            Keep,
        ),
    ]
}

fn bob_msgs() -> Vec<(Vec<u8>, &'static str, Outcome)> {
    use Outcome::*;
    vec![
        (
            message_with(
                CAROL,
                BOB,
                "Phone message",
                &[
                    "Content-Type: text/plain; charset=utf-8",
                    "Content-Transfer-Encoding: base64",
                ],
                "SGkgQm9iLAoKSmFuZSBEb2UgcGhvbmVkIGFib3V0IGFjY291bnQgQ1VTVC04ODIzMSBhZ2Fpbi4K\n\
                 U2hlIGNhbiBiZSByZWFjaGVkIG9uICs0NCAyMCA3OTQ2IDAwMTggYWZ0ZXIgNXBtLgoKQ2Fyb2wK\n",
            ),
            "cur/",
            Redact,
        ),
        (
            message(
                ALICE,
                BOB,
                "=?UTF-8?B?Q2FsbCBub3RlczogSmFuZSBEb2Ug4oCUIGZvbGxvdy11cA==?=",
                "See subject. Nothing else to add.\n",
            ),
            "cur/",
            Redact,
        ),
        (
            message_with(
                CAROL,
                BOB,
                "Team offsite",
                &["Cc: jane.doe@example.com"],
                "Offsite agenda below.\n",
            ),
            "cur/",
            Delete,
        ),
        (
            message_with(
                CAROL,
                BOB,
                "Figures",
                &["Content-Type: multipart/mixed; boundary=\"sample-b\""],
                "--sample-b\nContent-Type: text/plain\n\nFigures attached.\n--sample-b\n\
                 Content-Type: application/octet-stream; name=\"figures.bin\"\n\
                 Content-Transfer-Encoding: base64\n\n\
                 AAMGCQwPEhUYGx4hJCcqLTAzNjk8P0JFSEtOUVRXWl1gY2ZpbG9ydXh7foGEh4qNkJOWmZyfoqWoq66xtLe6vcDDxsnMz9LV2Nve4eTn6u3w8/b5/P8=\n\
                 --sample-b--\n",
            ),
            "cur/",
            Keep,
        ),
        (
            message(
                "News <news@example.org>",
                BOB,
                "Monthly digest",
                "Ten things about Janet Doe's garden.\n",
            ),
            "new/",
            Keep,
        ),
        (
            message(BOB, CAROL, "Re: Figures", "Got them, thanks.\n"),
            ".Sent/cur/",
            Keep,
        ),
    ]
}

fn mbox_msgs() -> Vec<(Vec<u8>, Outcome)> {
    use Outcome::*;
    vec![
        (
            message(
                JANE,
                BOB,
                "Invoice question",
                "Hello Bob,\n\nFrom my side the invoice is fine.\n\nJane\n",
            ),
            Delete,
        ),
        (
            message(
                BOB,
                CAROL,
                "Callback",
                "Please call back on +44 20 7946 0018.\n>From the notes: urgent.\n",
            ),
            Redact,
        ),
        (
            message(
                CAROL,
                BOB,
                "Old notes",
                "From 2019 onwards we use the new tool.\n",
            ),
            Keep,
        ),
        (
            message(
                JANET,
                BOB,
                "Garden",
                "Janet Doe (janet.doe@example.com) says hello.\n",
            ),
            Keep,
        ),
        (
            message(
                ALICE,
                BOB,
                "Jane?",
                "Is Jane joining? Ask Doe & Partners too.\n",
            ),
            Keep,
        ),
        (
            message(
                "Dave Example <dave@example.org>",
                BOB,
                "Parking",
                "From Monday the car park is closed.\n",
            ),
            Keep,
        ),
    ]
}

fn eml_msgs() -> Vec<(&'static str, Vec<u8>, Outcome)> {
    vec![
        (
            "exports/meeting-2023-11-14.eml",
            message_with(
                ALICE,
                CAROL,
                "Meeting minutes",
                &["Content-Type: multipart/alternative; boundary=\"alt\""],
                "--alt\nContent-Type: text/plain; charset=us-ascii\n\nAction: close CUST-88231.\n\
                 --alt\nContent-Type: text/html; charset=us-ascii\n\n<p>Action: close <b>CUST-88231</b>.</p>\n--alt--\n",
            ),
            Outcome::Redact,
        ),
        (
            "exports/newsletter.eml",
            message(
                "news@example.org",
                ALICE,
                "Newsletter",
                "Nothing personal here.\n",
            ),
            Outcome::Keep,
        ),
    ]
}

/// The sample tar (uncompressed) and every message with its designed outcome.
pub fn sample() -> (Vec<u8>, Vec<SampleMsg>) {
    let mut members = Vec::new();
    let mut msgs = Vec::new();
    let mut seq = 0;
    for (user, list) in [("alice/", alice_msgs()), ("bob/", bob_msgs())] {
        let placed: Vec<(Vec<u8>, &str)> = list.iter().map(|(m, f, _)| (m.clone(), *f)).collect();
        let user_members = mail::maildir(user, &placed, &mut seq);
        let files = user_members.iter().filter(|m| m.format == Some("maildir"));
        for (m, (_, _, outcome)) in files.zip(&list) {
            msgs.push(SampleMsg {
                member: m.path.clone(),
                outcome: *outcome,
                bytes: m.data.clone(),
            });
        }
        members.extend(user_members);
    }
    let mbox: Vec<(Vec<u8>, Outcome)> = mbox_msgs();
    let bytes: Vec<Vec<u8>> = mbox.iter().map(|(m, _)| m.clone()).collect();
    members.push(Member::dir("archive/"));
    members.push(Member::file(
        "archive/2019.mbox",
        mail::mbox(&bytes, Quoting::Mboxrd, "\n"),
        "mbox",
        6,
    ));
    for (m, o) in mbox {
        msgs.push(SampleMsg {
            member: "archive/2019.mbox".into(),
            outcome: o,
            bytes: m,
        });
    }
    members.push(Member::dir("exports/"));
    for (path, m, o) in eml_msgs() {
        members.push(Member::file(path, m.clone(), "eml", 1));
        msgs.push(SampleMsg {
            member: path.into(),
            outcome: o,
            bytes: m,
        });
    }
    members.push(Member::dir("docs/"));
    members.push(Member::file("docs/logo.png", mail::png_like(), "other", 0));
    (tar_of(&members, EndPadding::Record), msgs)
}

/// `testdata/<name>` in the crate.
pub fn testdata_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(name)
}

/// The committed sample bytes: zstd level 3, single frame, single-threaded.
pub fn sample_tar_zst() -> Vec<u8> {
    zstd_frame(&sample().0, 3)
}

#[test]
fn sample_testdata_is_up_to_date() {
    let files = [
        ("sample.tar.zst", sample_tar_zst()),
        ("request.toml", REQUEST_TOML.as_bytes().to_vec()),
    ];
    let regenerate = std::env::var_os("MAILSCRUB_REGENERATE").is_some_and(|v| v == "1");
    for (name, bytes) in files {
        let path = testdata_path(name);
        if regenerate {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir testdata");
            std::fs::write(&path, &bytes).expect("write testdata");
            eprintln!("regenerated {}", path.display());
            continue;
        }
        let committed = std::fs::read(&path)
            .unwrap_or_else(|e| panic!("{}: {e}; run with MAILSCRUB_REGENERATE=1", path.display()));
        assert!(
            committed == bytes,
            "{name} is stale; run `MAILSCRUB_REGENERATE=1 cargo test --test e2e sample_testdata`"
        );
    }
}

#[test]
fn sample_is_small_and_holds_every_mailbox_kind() {
    let zst = sample_tar_zst();
    assert!(
        zst.len() < 64 * 1024,
        "sample.tar.zst is {} bytes",
        zst.len()
    );
    let listing = tar_listing(&sample().0);
    let p = paths(&listing);
    for want in [
        "alice/.Sent/cur/",
        "bob/new/",
        "archive/2019.mbox",
        "exports/newsletter.eml",
        "docs/logo.png",
    ] {
        assert!(p.contains(&want), "{want} missing from {p:?}");
    }
    assert!(
        p.iter()
            .any(|x| x.starts_with("alice/cur/") && x.contains(",S=") && x.ends_with(":2,S"))
    );
}

#[test]
fn sample_request_parses_with_one_subject() {
    let v: toml::Value = toml::from_str(REQUEST_TOML).expect("valid TOML");
    let subjects = v["subject"].as_array().expect("[[subject]]");
    assert_eq!(subjects.len(), 1);
    assert_eq!(subjects[0]["id"].as_str(), Some("REQ-2026-0042"));
    assert_eq!(v["policy"]["mention"].as_str(), Some("redact"));
}

/// Every header value (RFC 2047 decoded) and every decoded text part, via `mailparse`
/// (an implementation independent of the one under test).
pub fn decoded_text(msg: &[u8]) -> String {
    fn walk(p: &mailparse::ParsedMail, out: &mut String) {
        for h in &p.headers {
            out.push_str(&h.get_value());
            out.push('\n');
        }
        if p.ctype.mimetype.starts_with("text/") {
            out.push_str(&p.get_body().unwrap_or_default());
        }
        for s in &p.subparts {
            walk(s, out);
        }
    }
    let mut out = String::new();
    if let Ok(p) = mailparse::parse_mail(msg) {
        walk(&p, &mut out);
    }
    out
}

/// The identifiers found in `msg` once decoded.
pub fn identifiers_in(msg: &[u8]) -> Vec<&'static str> {
    let text = decoded_text(msg).to_lowercase();
    IDENTIFIERS
        .into_iter()
        .filter(|id| text.contains(&id.to_lowercase()))
        .collect()
}

#[test]
fn sample_design_has_all_three_outcomes_and_decoys() {
    let (_, msgs) = sample();
    let count = |o| msgs.iter().filter(|m| m.outcome == o).count();
    assert!(
        count(Outcome::Delete) >= 4 && count(Outcome::Redact) >= 5,
        "too few delete/redact"
    );
    assert!(
        count(Outcome::Keep) * 2 > msgs.len(),
        "most messages should be untouched"
    );
    for m in &msgs {
        let found = identifiers_in(&m.bytes);
        let label = format!(
            "{} ({:?}): {:?}",
            m.member,
            m.outcome,
            String::from_utf8_lossy(&m.bytes[..80])
        );
        match m.outcome {
            Outcome::Keep => assert!(found.is_empty(), "{label} mentions {found:?}"),
            _ => assert!(!found.is_empty(), "{label} mentions no identifier"),
        }
    }
    // Encoded mentions are invisible to a raw byte search: a matcher must decode.
    let encoded = msgs.iter().filter(|m| m.outcome == Outcome::Redact);
    let hidden = encoded
        .filter(|m| mail::find(&m.bytes, b"Jane Doe").is_none())
        .count();
    assert!(
        hidden >= 3,
        "QP, base64 and RFC 2047 mentions hide the raw name ({hidden})"
    );
}

#[test]
fn sample_roundtrips_with_empty_request() {
    assert_roundtrip("testdata/sample.tar.zst", &sample_tar_zst(), true);
}

/// The Message-ID line of `msg`.
fn message_id(msg: &[u8]) -> Vec<u8> {
    let at = mail::find(msg, b"Message-ID: ").expect("Message-ID");
    let end = msg[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(msg.len(), |e| at + e);
    msg[at..end].to_vec()
}

#[test]
fn sample_scrub_deletes_redacts_and_keeps_as_designed() {
    let w = Work::new();
    w.write("in", &sample_tar_zst());
    let req = w.request(REQUEST_TOML);
    w.scrub(&req, &[]).success("scrub sample");
    let (kind, tar) = unwrap_all(&w.read("out").expect("output"));
    assert_eq!(kind, Compression::Zstd);
    let mut archive = tar::Archive::new(tar.as_slice());
    let mut members: Vec<(String, Vec<u8>)> = Vec::new();
    for e in archive.entries().expect("entries") {
        let mut e = e.expect("entry");
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut e, &mut data).expect("data");
        members.push((String::from_utf8_lossy(&e.path_bytes()).into_owned(), data));
    }
    let (_, msgs) = sample();
    for m in &msgs {
        let id = message_id(&m.bytes);
        let holders: Vec<&(String, Vec<u8>)> = members
            .iter()
            .filter(|(_, d)| mail::find(d, &id).is_some())
            .collect();
        match m.outcome {
            Outcome::Delete => assert!(
                holders.is_empty(),
                "{}: deleted message still present",
                m.member
            ),
            Outcome::Keep => {
                // An mbox stores its messages mboxrd-quoted.
                let stored = if m.member.ends_with(".mbox") {
                    mail::quote(&m.bytes, mail::Quoting::Mboxrd)
                } else {
                    m.bytes.clone()
                };
                assert!(
                    members
                        .iter()
                        .any(|(_, d)| mail::find(d, &stored).is_some()),
                    "{}: untouched message not byte-identical",
                    m.member
                );
            }
            Outcome::Redact => {
                assert_eq!(
                    holders.len(),
                    1,
                    "{}: redacted message must survive exactly once",
                    m.member
                );
            }
        }
    }
    for (path, data) in &members {
        let raw = String::from_utf8_lossy(data).to_lowercase();
        for id in IDENTIFIERS {
            assert!(
                !raw.contains(&id.to_lowercase()),
                "{path}: raw bytes still contain {id}"
            );
        }
        if path.ends_with(".eml") || path.contains("/cur/") || path.contains("/new/") {
            assert!(
                identifiers_in(data).is_empty(),
                "{path}: decoded text still contains {:?}",
                identifiers_in(data)
            );
        }
    }
}
