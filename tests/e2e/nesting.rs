//! Nested mail and memory per message (issue "integrity"): enclosed
//! messages under five and more transfer encodings are searched, nesting
//! deeper than the matcher's limit (32 levels) deletes the message with a
//! reason in the dry run and the scrub alike and never crashes the run, and
//! a huge message costs about twice its size in memory, not ten times.

use serde_json::Value;

use crate::support::encode::{base64_lines, quoted_printable};
use crate::support::erasure::read_manifest;
use crate::support::mail;
use crate::support::*;

const ADDRESS: &str = "jane.doe@example.com";
const REQUEST: &str =
    "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n";
const REASON: &str = "nesting deeper than 32 levels";

/// The innermost message: the subject's address in its body.
fn innermost() -> Vec<u8> {
    format!("From: bob@example.org\nSubject: inner\n\nHello {ADDRESS} here\n").into_bytes()
}

/// How one level encloses the next.
#[derive(Clone, Copy, Debug)]
enum Level {
    Base64,
    Qp,
    SevenBit,
}

/// `msg` enclosed in a `message/rfc822` part of a new message.
fn enclose(msg: &[u8], wrap: Level, level: usize) -> Vec<u8> {
    let (cte, body) = match wrap {
        Level::Base64 => ("base64", base64_lines(msg, 76).into_bytes()),
        Level::Qp => ("quoted-printable", quoted_printable(msg, &[]).into_bytes()),
        Level::SevenBit => ("7bit", msg.to_vec()),
    };
    let mut out = format!(
        "From: a{level}@example.org\nSubject: level {level}\nMIME-Version: 1.0\n\
         Content-Type: message/rfc822\nContent-Transfer-Encoding: {cte}\n\n"
    )
    .into_bytes();
    out.extend_from_slice(&body);
    out
}

fn nest(wraps: &[Level]) -> Vec<u8> {
    wraps
        .iter()
        .enumerate()
        .fold(innermost(), |m, (i, &w)| enclose(&m, w, i))
}

/// An mbox of `msgs`, each under a plain envelope line.
fn mbox(msgs: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(b"From sender@example.org Thu Jan  1 00:00:00 2026\n");
        out.extend_from_slice(m);
        if !m.ends_with(b"\n") {
            out.push(b'\n');
        }
        out.push(b'\n');
    }
    out
}

/// A message that always stays.
fn bystander() -> Vec<u8> {
    b"From: carol@example.org\nSubject: unrelated\n\nNothing to see.\n".to_vec()
}

/// The actions `scan --json` plans, in message order.
fn scanned_actions(w: &Work) -> Vec<String> {
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

/// The (action, reason) of each removal in a manifest.
type Removals = Vec<(String, Option<String>)>;

/// The (action, reason) of every removal in the manifest of `out`.
fn removals(w: &Work) -> Removals {
    let manifest = read_manifest(&w.path("out.manifest.json"));
    manifest["removals"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["action"].as_str().unwrap_or_default().to_owned(),
                        r["reason"].as_str().map(str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Only the inputs, the output and its manifest are left in the directory.
fn assert_no_stray_files(w: &Work, label: &str) {
    let mut names: Vec<String> = std::fs::read_dir(w.root())
        .expect("read scratch dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["in", "out", "out.manifest.json", "request.toml"],
        "{label}: files left behind"
    );
}

/// Scrubs an mbox of `msg` and a bystander; checks that the scrub and the
/// dry run agree and returns the output mbox and the removals.
fn scrub_pair(label: &str, msg: &[u8]) -> (Vec<u8>, Removals, Vec<String>) {
    let w = Work::new();
    w.write("in", &mbox(&[msg, &bystander()]));
    let req = w.request(REQUEST);
    let planned = scanned_actions(&w);
    w.scrub(&req, &[]).success(label);
    assert_no_stray_files(&w, label);
    let out = w.read("out").expect("output written");
    (out, removals(&w), planned)
}

#[test]
fn identifiers_under_five_encoded_levels_are_found() {
    use Level::*;
    let cases: [(&str, Vec<Level>); 4] = [
        ("five base64 levels", vec![Base64; 5]),
        ("six base64 levels", vec![Base64; 6]),
        (
            "base64 and quoted-printable mixed",
            vec![Base64, Qp, Base64, Qp, Base64, SevenBit, Base64],
        ),
        (
            "quoted-printable inside base64",
            vec![Qp, Qp, Base64, Qp, Base64],
        ),
    ];
    for (label, wraps) in cases {
        let msg = nest(&wraps);
        let levels = mail::nesting_levels(&msg);
        assert_eq!(levels.len(), wraps.len() + 1, "{label}: fixture decodes");
        assert!(
            mail::find(levels.last().expect("innermost"), ADDRESS.as_bytes()).is_some(),
            "{label}: fixture holds the address"
        );
        let (out, removed, planned) = scrub_pair(label, &msg);
        assert_eq!(planned.len(), 1, "{label}: the dry run flags the message");
        assert_eq!(
            removed.len(),
            1,
            "{label}: one message changed: {removed:?}"
        );
        for (i, level) in mail::nesting_levels(&out).iter().enumerate() {
            assert!(
                mail::find(level, ADDRESS.as_bytes()).is_none(),
                "{label}: address left at level {i}"
            );
        }
        assert!(
            mail::find(&out, b"Nothing to see.").is_some(),
            "{label}: the bystander stays"
        );
    }
}

/// `levels` enclosed 7bit messages around the innermost one.
fn plain_nesting(levels: usize, innermost: &[u8]) -> Vec<u8> {
    let mut msg = b"From: a@example.org\nContent-Type: message/rfc822\n\n".repeat(levels);
    msg.extend_from_slice(innermost);
    msg
}

/// `levels` nested multiparts around a base64 text part holding the address.
fn multipart_nesting(levels: usize) -> Vec<u8> {
    let mut msg = b"From: a@example.org\nSubject: =?utf-8?q?deep?=\n".to_vec();
    for i in 0..levels {
        msg.extend_from_slice(
            format!("Content-Type: multipart/mixed; boundary=\"b{i}\"\n\n--b{i}\n").as_bytes(),
        );
    }
    msg.extend_from_slice(b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n");
    msg.extend_from_slice(base64_lines(format!("Hi {ADDRESS}\n").as_bytes(), 76).as_bytes());
    for i in (0..levels).rev() {
        msg.extend_from_slice(format!("--b{i}--\n").as_bytes());
    }
    msg
}

/// 3,000 7bit levels inside one base64-encoded enclosed message: the
/// nesting mail-parser would decode and copy by itself.
fn hidden_nesting() -> Vec<u8> {
    let inner = plain_nesting(3000, &innermost());
    enclose(&inner, Level::Base64, 0)
}

#[test]
fn nesting_past_the_limit_deletes_the_message_with_a_reason() {
    let encoded_innermost = enclose(&innermost(), Level::Base64, 99);
    let cases: [(&str, Vec<u8>); 5] = [
        ("50,000 7bit levels", plain_nesting(50_000, &innermost())),
        (
            "50,000 7bit levels around a base64 one",
            plain_nesting(50_000, &encoded_innermost),
        ),
        ("50,000 nested multiparts", multipart_nesting(50_000)),
        ("40 nested multiparts", multipart_nesting(40)),
        ("deep nesting inside base64", hidden_nesting()),
    ];
    for (label, msg) in cases {
        let (out, removed, planned) = scrub_pair(label, &msg);
        assert_eq!(
            planned,
            ["delete"],
            "{label}: the dry run predicts the deletion"
        );
        assert_eq!(
            removed,
            [("delete".to_owned(), Some(REASON.to_owned()))],
            "{label}"
        );
        assert_eq!(
            out,
            mbox(&[&bystander()]),
            "{label}: only the bystander stays"
        );
    }
}

#[test]
fn nesting_up_to_the_limit_is_redacted() {
    for (levels, action) in [(32, "redact"), (33, "delete")] {
        let label = format!("{levels} levels");
        let msg = plain_nesting(levels, &innermost());
        let (out, removed, planned) = scrub_pair(&label, &msg);
        assert_eq!(planned, [action], "{label}");
        assert_eq!(removed.len(), 1, "{label}");
        assert_eq!(removed[0].0, action, "{label}");
        assert!(mail::find(&out, ADDRESS.as_bytes()).is_none(), "{label}");
    }
}

#[test]
fn an_empty_request_keeps_deep_messages_byte_identical() {
    let inputs = [
        plain_nesting(50_000, &innermost()),
        multipart_nesting(50_000),
        hidden_nesting(),
    ];
    for (i, msg) in inputs.iter().enumerate() {
        let input = mbox(&[msg, &bystander()]);
        let out = scrub_file(&format!("deep input {i}"), &input, &[]);
        assert_bytes_eq(&format!("deep input {i}"), &input, &out);
    }
}

/// Peak resident memory of `mailscrub args…` in `w`, in bytes, measured by
/// `/usr/bin/time -v`; `None` when that tool is not there.
fn peak_rss(w: &Work, args: &[&str]) -> Option<u64> {
    let time = std::path::Path::new("/usr/bin/time");
    if !time.exists() {
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("mailscrub");
    let out = std::process::Command::new(time)
        .arg("-v")
        .arg(bin)
        .args(args)
        .current_dir(w.root())
        .output()
        .expect("run /usr/bin/time");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "mailscrub failed: {stderr}");
    let kib: u64 = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))?
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// About `size` bytes of prose in which the longest word of the subject's
/// name occurs every few words: every window of the search merges, so the
/// text is searched whole.
fn dense_prose(size: usize) -> Vec<u8> {
    prose(size, b"lorem ipsum jane smith ")
}

/// `Jane Doe` and then about `size` bytes of prose that holds nothing of
/// the subject's.
fn prose(size: usize, filler: &[u8]) -> Vec<u8> {
    let mut text = b"Jane Doe ".to_vec();
    while text.len() < size {
        text.extend_from_slice(filler);
    }
    text
}

/// ASCII text without `=` as a quoted-printable body: soft line breaks
/// after every 75 characters.
fn soft_broken(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 37 + 1);
    for (i, line) in text.chunks(75).enumerate() {
        if i > 0 {
            out.extend_from_slice(b"=\n");
        }
        out.extend_from_slice(line);
    }
    out.push(b'\n');
    out
}

#[test]
fn a_huge_message_costs_about_twice_its_size() {
    const SIZE: usize = 64 << 20;
    if !std::path::Path::new("/usr/bin/time").exists() {
        eprintln!("skipping the memory test: /usr/bin/time is not installed");
        return;
    }
    let message = |head: &[u8], body: &[u8], tail: &[u8]| {
        let mut m = Vec::with_capacity(head.len() + body.len() + tail.len());
        m.extend_from_slice(head);
        m.extend_from_slice(body);
        m.extend_from_slice(tail);
        m
    };
    let dense = dense_prose(SIZE);
    let header_line = message(b"From: a@example.org\nSubject: ", &dense, b"\n\nhello\n");
    let base64_part = message(
        b"From: a@example.org\nMIME-Version: 1.0\n\
          Content-Type: multipart/mixed; boundary=\"BB\"\n\n--BB\n\
          Content-Type: text/plain\n\nhi\n--BB\n\
          Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n",
        base64_lines(&dense[..SIZE / 4 * 3], 76).as_bytes(),
        b"--BB--\n",
    );
    drop(dense);
    // The search is not what these measure: plain prose, one hit.
    let sparse = prose(
        SIZE,
        b"lorem ipsum dolor sit amet, consectetur adipiscing elit ",
    );
    let body = message(b"From: a@example.org\nSubject: hi\n\n", &sparse, b"\n");
    let qp_body = message(
        b"From: a@example.org\nSubject: hi\nMIME-Version: 1.0\n\
          Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n",
        &soft_broken(&sparse),
        b"",
    );
    drop(sparse);
    // A scrub runs the scan first, so its peak covers the scan's. The line
    // over 998 bytes cannot be written back: the message is deleted.
    let cases = [
        ("one header line", "scrub", header_line, Some("delete")),
        ("a base64 part", "scan", base64_part, None),
        ("a body", "scrub", body, Some("redact")),
        ("a quoted-printable body", "scrub", qp_body, Some("redact")),
    ];
    for (label, command, msg, action) in cases {
        let w = Work::new();
        w.write("in", &msg);
        w.request(REQUEST);
        let args: &[&str] = match command {
            "scan" => &["scan", "--subjects", "request.toml", "in"],
            _ => &["scrub", "--subjects", "request.toml", "in", "-o", "out"],
        };
        let Some(peak) = peak_rss(&w, args) else {
            eprintln!("skipping the memory test: no figure from /usr/bin/time");
            return;
        };
        let bound = msg.len() as u64 * 5 / 2 + (64 << 20);
        assert!(
            peak <= bound,
            "{label}: peak RSS {} MiB for a {} MiB message (bound {} MiB)",
            peak >> 20,
            msg.len() >> 20,
            bound >> 20
        );
        if let Some(action) = action {
            let got: Vec<String> = removals(&w).into_iter().map(|(a, _)| a).collect();
            assert_eq!(got, [action], "{label}");
        }
    }
}
