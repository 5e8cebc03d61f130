//! A table-driven check of one family of identifier forms, end to end:
//! every case is one message (a header line or a body line planted in a
//! plain message), in an mbox with LF and again with CRLF line ends.
//! `scan --json` must flag exactly the positive cases; after `scrub`, no
//! positive form may be left in any output message, as decoded by
//! `mailparse` (headers and every part) or in its raw bytes; every decoy
//! message is byte-identical in the output; `verify --subjects --input`
//! passes.

use std::collections::BTreeSet;

use super::cli::Work;
use super::erasure::scan_json;
use super::mail::{self, Quoting, crlf};
use super::unpack::{decoded_texts, split_mbox};

/// One planted line: a header field (`Name: value`) or a body line.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    /// A header field, without its line end; a `To:` or `From:` field
    /// replaces the message's own.
    Header(&'a str),
    /// A line of the body.
    Body(&'a str),
}

/// A family: its request, the positive cases with the form that must not
/// survive the scrub, and the decoys.
pub struct Family<'a> {
    /// Label in failure messages.
    pub name: &'a str,
    /// The request TOML.
    pub request: &'a str,
    /// Positive cases: the planted line and the form (compared
    /// case-insensitively, white space collapsed) that must be gone.
    pub positives: &'a [(Line<'a>, &'a str)],
    /// Decoys: planted lines that must not be flagged.
    pub decoys: &'a [Line<'a>],
}

const FROM: &str = "Sam Roe <sam.roe@corp.example>";
const TO: &str = "Ann Poe <ann.poe@corp.example>";

/// The message of case `i` of `family` with `line` planted.
fn message(family: &str, i: usize, line: Line<'_>) -> Vec<u8> {
    let subject = format!("case {family} {i}");
    let body = "Hello,\n\nplease see below.\n";
    match line {
        Line::Header(h) => {
            let (name, value) = h.split_once(':').unwrap_or((h, ""));
            let value = value.trim_start();
            if name.eq_ignore_ascii_case("to") {
                mail::message(FROM, value, &subject, body)
            } else if name.eq_ignore_ascii_case("from") {
                mail::message(value, TO, &subject, body)
            } else {
                mail::message_with(FROM, TO, &subject, &[h], body)
            }
        }
        Line::Body(b) => mail::message(FROM, TO, &subject, &format!("{body}\n{b}\n\nBest,\nSam\n")),
    }
}

/// Lowercase with every run of white space one space.
fn collapsed(s: &str) -> String {
    s.to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `family` with LF and with CRLF line ends.
pub fn check(family: &Family<'_>) {
    for eol in ["\n", "\r\n"] {
        check_eol(family, eol);
    }
}

fn check_eol(family: &Family<'_>, eol: &str) {
    let label = format!(
        "{} ({})",
        family.name,
        if eol == "\n" { "LF" } else { "CRLF" }
    );
    let lines: Vec<Line<'_>> = family
        .positives
        .iter()
        .map(|(l, _)| *l)
        .chain(family.decoys.iter().copied())
        .collect();
    let msgs: Vec<Vec<u8>> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let m = message(family.name, i, *l);
            if eol == "\n" { m } else { crlf(&m) }
        })
        .collect();
    let w = Work::new();
    w.write("in.mbox", &mail::mbox(&msgs, Quoting::Mboxrd, eol));
    w.request(family.request);
    let (_, report) = scan_json(&w, "request.toml", "in.mbox", &[]);
    let flagged: BTreeSet<u64> = report
        .messages
        .iter()
        .map(|m| m["index"].as_u64().unwrap_or(u64::MAX))
        .collect();
    let want: BTreeSet<u64> = (0..family.positives.len() as u64).collect();
    assert_eq!(flagged, want, "{label}: flagged messages (positives first)");
    w.run(
        &[
            "scrub",
            "--subjects",
            "request.toml",
            "in.mbox",
            "-o",
            "out.mbox",
        ],
        None,
    )
    .success(&label);
    let out = w.read("out.mbox").unwrap_or_default();
    for m in split_mbox(&out) {
        let msg = m.unquoted_rd();
        let texts = decoded_texts(&msg).unwrap_or_else(|e| panic!("{label}: {e}"));
        let case = format!("case {} ", family.name);
        let Some(i) = texts
            .iter()
            .find_map(|t| t.text.strip_prefix(&case)?.trim().parse::<usize>().ok())
        else {
            panic!("{label}: an output message without its case subject");
        };
        match family.positives.get(i) {
            Some((_, form)) => {
                let form = collapsed(form);
                let raw = String::from_utf8_lossy(&msg).into_owned();
                let places = texts.iter().map(|t| (t.place.as_str(), &t.text));
                for (place, hay) in places.chain([("raw", &raw)]) {
                    assert!(
                        !collapsed(hay).contains(&form),
                        "{label}: case {i} keeps its form ({place})"
                    );
                }
            }
            None => assert_eq!(msg, msgs[i], "{label}: decoy {i} changed"),
        }
    }
    w.run(
        &[
            "verify",
            "out.mbox",
            "--input",
            "in.mbox",
            "--subjects",
            "request.toml",
        ],
        None,
    )
    .success(&format!("{label}: verify"));
}
