//! Finding F3: the header of a message enclosed (7bit or encoded) inside an
//! enclosed message is searched at every level, in the dry run and the
//! scrub alike, and the scrub never keeps an identifier found there.

use serde_json::Value;

use crate::support::encode::{base64_lines, quoted_printable, word_b, word_q};
use crate::support::mail;
use crate::support::*;

const ADDRESS: &str = "jane.doe@example.com";
const REQUEST: &str =
    "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n";

/// How one level encloses the next.
#[derive(Clone, Copy, Debug)]
enum Wrap {
    Base64,
    Qp,
    SevenBit,
}

/// `msg` enclosed in a `message/rfc822` message under `wrap`.
fn enclose(msg: &[u8], wrap: Wrap) -> Vec<u8> {
    let (head, body) = match wrap {
        Wrap::Base64 => (
            "MIME-Version: 1.0\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n",
            base64_lines(msg, 76).into_bytes(),
        ),
        Wrap::Qp => (
            "MIME-Version: 1.0\nContent-Type: message/rfc822\n\
             Content-Transfer-Encoding: quoted-printable\n",
            quoted_printable(msg, &[]).into_bytes(),
        ),
        Wrap::SevenBit => ("Content-Type: message/rfc822\n", msg.to_vec()),
    };
    let mut out = format!("From: a@example.org\nSubject: l\n{head}\n").into_bytes();
    out.extend_from_slice(&body);
    out
}

/// The innermost message with `header` (one or more lines) in its header.
fn innermost(header: &str) -> Vec<u8> {
    format!("{header}\nSubject: level 2\n\nnothing\n").into_bytes()
}

/// The actions `scan --json` plans for the one message of `in`.
fn planned(w: &Work) -> Vec<String> {
    let run = w
        .run(
            &["scan", "--subjects", "request.toml", "in", "--json"],
            None,
        )
        .success("scan");
    run.stdout_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["type"] == "message")
        .map(|v| v["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Scans and scrubs `msg` as a single message; `forms` are the ways the
/// identifier is written in it, none of which may be left at any level.
fn check(label: &str, msg: &[u8], forms: &[&str]) {
    let all = mail::nesting_levels(msg);
    assert!(
        forms
            .iter()
            .any(|f| all.iter().any(|l| mail::find(l, f.as_bytes()).is_some())),
        "{label}: the fixture holds the identifier"
    );
    let w = Work::new();
    w.write("in", msg);
    let req = w.request(REQUEST);
    let actions = planned(&w);
    assert_eq!(actions.len(), 1, "{label}: the dry run flags the message");
    w.scrub(&req, &[]).success(label);
    let out = w.read("out").expect("output written");
    assert_ne!(out, msg, "{label}: the message is kept unchanged");
    for (i, level) in mail::nesting_levels(&out).iter().enumerate() {
        let text = String::from_utf8_lossy(level).to_lowercase();
        for form in forms {
            assert!(
                !text.contains(&form.to_lowercase()),
                "{label}: identifier left at level {i}"
            );
        }
    }
}

#[test]
fn headers_of_a_7bit_message_inside_an_encoded_one_are_searched() {
    let from = format!("From: {ADDRESS}");
    let to = format!("From: bob@example.org\nTo: {ADDRESS}");
    let cc = "From: bob@example.org\nCc: Jane Doe <x@example.net>";
    let b_word = word_b("utf-8", b"Jane Doe");
    let q_word = word_q("utf-8", ADDRESS.as_bytes());
    let subject_b = format!("From: bob@example.org\nX-Note: {b_word}");
    let subject_q = format!("From: bob@example.org\nX-Note: {q_word}");
    let names: &[&str] = &[ADDRESS, "Jane Doe", &b_word, &q_word];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "base64 > 7bit, From",
            enclose(&enclose(&innermost(&from), Wrap::SevenBit), Wrap::Base64),
        ),
        (
            "qp > 7bit, From",
            enclose(&enclose(&innermost(&from), Wrap::SevenBit), Wrap::Qp),
        ),
        (
            "base64 > 7bit, To",
            enclose(&enclose(&innermost(&to), Wrap::SevenBit), Wrap::Base64),
        ),
        (
            "base64 > 7bit, Cc name",
            enclose(&enclose(&innermost(cc), Wrap::SevenBit), Wrap::Base64),
        ),
        (
            "base64 > 7bit, B-encoded word",
            enclose(
                &enclose(&innermost(&subject_b), Wrap::SevenBit),
                Wrap::Base64,
            ),
        ),
        (
            "base64 > 7bit, Q-encoded word",
            enclose(
                &enclose(&innermost(&subject_q), Wrap::SevenBit),
                Wrap::Base64,
            ),
        ),
        (
            "base64 > 7bit > 7bit, From",
            enclose(
                &enclose(&enclose(&innermost(&from), Wrap::SevenBit), Wrap::SevenBit),
                Wrap::Base64,
            ),
        ),
        (
            "7bit > base64 > 7bit, From",
            enclose(
                &enclose(&enclose(&innermost(&from), Wrap::SevenBit), Wrap::Base64),
                Wrap::SevenBit,
            ),
        ),
    ];
    for (label, msg) in cases {
        check(label, &msg, names);
    }
}
