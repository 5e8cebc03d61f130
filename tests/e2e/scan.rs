//! `scan`: the dry run. Text and JSON reports agree, nothing is written, bad
//! requests are refused before the input is touched, and a request with
//! 10,000 subjects still finds exactly the planted messages.

use std::collections::BTreeSet;
use std::path::Path;

use crate::planted::{self, SUBJECT_ID, assert_flagged_exactly, corpus, identifier_forms};
use crate::support::erasure::{argv, leaked_forms, scan_json, strings};
use crate::support::*;

/// One affected message as both reports show it: (action, member, index,
/// subjects, roles, how found, first 16 hex digits of the Message-ID hash).
type Row = (String, String, u64, String, String, String, String);

/// Parse a text `scan` report: message rows, warning lines, and the summary line.
fn parse_text(stdout: &str) -> (BTreeSet<Row>, Vec<String>, String) {
    let mut rows = BTreeSet::new();
    let mut warnings = Vec::new();
    let mut summary = String::new();
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("warning  ") {
            warnings.push(rest.to_owned());
            continue;
        }
        let Some((head, tail)) = line.split_once("  subjects=") else {
            summary = line.to_owned();
            continue;
        };
        let (action, member_index) = head.split_once(' ').expect("action column");
        let (member, index) = member_index
            .trim_start()
            .rsplit_once(" #")
            .expect("member #index");
        let (subjects, tail) = tail.split_once(" roles=").expect("roles");
        let (roles, tail) = tail.split_once(" found=").expect("found");
        let (found, id) = tail.split_once(" message-id=").expect("message-id");
        rows.insert((
            action.to_owned(),
            member.to_owned(),
            index.parse().expect("index"),
            subjects.to_owned(),
            roles.to_owned(),
            found.to_owned(),
            id.to_owned(),
        ));
    }
    (rows, warnings, summary)
}

#[test]
fn scan_text_and_json_reports_agree() {
    let c = corpus();
    let w = Work::new();
    w.write("backup.tar.gz", &wrap(&c.tar, Wrap::Gzip));
    w.request(&planted::request_toml());
    let (_, json) = scan_json(&w, "request.toml", "backup.tar.gz", &[]);
    let text = w
        .run(
            &argv(&["scan", "--subjects", "request.toml", "backup.tar.gz"]),
            None,
        )
        .success("scan (text)")
        .stdout_text();
    let (rows, warnings, summary) = parse_text(&text);

    let json_rows: BTreeSet<Row> = json
        .messages
        .iter()
        .map(|m| {
            let id = m["message_id_blake3"]
                .as_str()
                .map_or("-".to_owned(), |h| h[..16].to_owned());
            let found: Vec<String> = m["found_by"]
                .as_array()
                .expect("found_by")
                .iter()
                .map(|f| {
                    let (kind, form, place) = (&f["kind"], &f["form"], &f["place"]);
                    format!("{kind}/{form}@{place}:{}", f["decoding"]).replace('"', "")
                })
                .collect();
            (
                m["action"].as_str().expect("action").to_owned(),
                m["member"].as_str().expect("member").to_owned(),
                m["index"].as_u64().expect("index"),
                strings(m, "subjects").join(","),
                strings(m, "roles").join(","),
                found.join(","),
                id,
            )
        })
        .collect();
    assert_eq!(rows.len(), json.messages.len(), "text rows vs JSON records");
    let only_text: Vec<_> = rows.difference(&json_rows).collect();
    let only_json: Vec<_> = json_rows.difference(&rows).collect();
    assert!(
        only_text.is_empty() && only_json.is_empty(),
        "text and JSON differ:\n  only in text: {only_text:#?}\n  only in JSON: {only_json:#?}"
    );
    assert_eq!(rows.len(), c.planted(None).len());

    let s = &json.summary;
    let counted = |n: &serde_json::Value, one: &str| match n.as_u64() {
        Some(1) => format!("1 {one}"),
        _ => format!("{n} {one}s"),
    };
    let want = format!(
        "{} read: {} to delete, {} to redact, {} untouched; {}",
        counted(&s["messages"], "message"),
        s["delete"],
        s["redact"],
        s["untouched"],
        counted(&s["warnings"], "warning"),
    );
    assert_eq!(summary, want, "text summary vs JSON summary {s}");
    assert_eq!(s["compression"], "gzip");
    assert_eq!(
        warnings.len(),
        json.warnings.len(),
        "warnings: {warnings:?}"
    );
    for (t, j) in warnings.iter().zip(&json.warnings) {
        let member = j["member"].as_str().expect("member");
        assert!(
            t.starts_with(member) && t.ends_with(&format!("subjects={SUBJECT_ID}")),
            "text warning {t:?} vs JSON {j}"
        );
    }
    let leaks = leaked_forms(text.as_bytes(), &identifier_forms());
    assert!(leaks.is_empty(), "text scan shows identifiers: {leaks:?}");
}

/// Every file under `dir` with its length and modification time.
fn snapshot(dir: &Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir") {
            let e = e.expect("entry");
            let meta = e.metadata().expect("metadata");
            if meta.is_dir() {
                stack.push(e.path());
            }
            out.push((
                e.path().display().to_string(),
                meta.len(),
                meta.modified().expect("mtime"),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn scan_writes_no_files() {
    let c = corpus();
    let w = Work::new();
    w.write("backup.tar.zst", &wrap(&c.tar, Wrap::Zstd));
    w.write(
        "backup.mbox",
        &c.members
            .iter()
            .find(|m| m.path == "mail/planted.mbox")
            .expect("mbox")
            .data,
    );
    w.request(&planted::request_toml());
    let before = snapshot(w.root());
    for input in ["backup.tar.zst", "backup.mbox"] {
        for json in [false, true] {
            let mut args = argv(&["scan", "--subjects", "request.toml", input]);
            if json {
                args.push("--json".into());
            }
            let run = w.run(&args, None).success("scan");
            assert!(!run.stdout.is_empty());
        }
    }
    // Standard input too.
    let tar = wrap(&c.tar, Wrap::Zstd);
    w.run(
        &argv(&["scan", "--subjects", "request.toml", "-"]),
        Some(&tar),
    )
    .success("scan -");
    assert_eq!(before, snapshot(w.root()), "scan changed the directory");
}

/// A bad request: its TOML (LF), the line the error must name, a word of the error,
/// and the identifier values in it that the error must not show.
struct BadRequest {
    name: &'static str,
    toml: &'static str,
    line: usize,
    word: &'static str,
    secrets: &'static [&'static str],
}

fn bad_requests() -> Vec<BadRequest> {
    let b = |name, toml, line, word, secrets| BadRequest {
        name,
        toml,
        line,
        word,
        secrets,
    };
    vec![
        b(
            "unknown subject key",
            "[[subject]]\nid = \"REQ-1\"\nnames = [\"Jane Doe\"]\nnmes = [\"Jane Doe\"]\n",
            4,
            "unknown key in [[subject]]",
            &["Jane Doe", "nmes"],
        ),
        b(
            "unknown top-level table",
            "[polcy]\nsender = \"delete\"\n\n[[subject]]\nid = \"REQ-1\"\nterms = [\"CUST-88231\"]\n",
            1,
            "unknown key at the top level",
            &["CUST-88231", "polcy"],
        ),
        b(
            // A policy value is no personal data: shown with the allowed ones.
            "unknown policy value",
            "[policy]\nsender = \"shred\"\n",
            2,
            "unknown value \"shred\" (expected \"delete\" or \"redact\")",
            &[],
        ),
        b(
            "empty id",
            "[[subject]]\nid = \"   \"\nemails = [\"jane.doe@example.com\"]\n",
            2,
            "empty id",
            &["jane.doe@example.com"],
        ),
        b(
            "duplicate id",
            "[[subject]]\nid = \"REQ-1\"\nnames = [\"Jane Doe\"]\n\n[[subject]]\nid = \"REQ-1\"\nterms = [\"CUST-88231\"]\n",
            6,
            "duplicate",
            &["Jane Doe", "CUST-88231"],
        ),
        b(
            "subject without identifier",
            "[[subject]]\nid = \"REQ-1\"\nphones = [\"+44 20 7946 0018\"]\n\n[[subject]]\nid = \"REQ-2\"\nnames = []\n",
            5,
            "no identifier",
            &["+44 20 7946 0018", "442079460018"],
        ),
        b(
            "invalid address",
            "[[subject]]\nid = \"REQ-1\"\nnames = [\"Jane Doe\"]\nemails = [\"jane.doe.example.com\"]\n",
            4,
            "emails[0]",
            &["jane.doe.example.com", "Jane Doe"],
        ),
        b(
            "address with trailing dot",
            "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com.\"]\n",
            3,
            "emails[0]",
            &["jane.doe@example.com"],
        ),
        b(
            "address of the wrong type",
            "[[subject]]\nid = \"REQ-1\"\nemails = \"jane.doe@example.com\"\n",
            3,
            "wrong type",
            &["jane.doe@example.com"],
        ),
        b(
            "empty name",
            "[[subject]]\nid = \"REQ-1\"\nterms = [\"CUST-88231\"]\nnames = [\"Jane Doe\", \" \"]\n",
            4,
            "names[1]",
            &["CUST-88231", "Jane Doe"],
        ),
        b(
            "bad hex: too short",
            "[[subject]]\nid = \"REQ-1\"\nemail_blake3 = [\"85b209fdc23e\"]\n",
            3,
            "email_blake3[0]",
            &["85b209fdc23e"],
        ),
        b(
            "bad hex: not hex",
            "[[subject]]\nid = \"REQ-1\"\nemail_blake3 = [\"zz5b209fdc23e709f0b1c1b9ce52e4e539c45807e660b38b154028d3987b4cacc\"]\n",
            3,
            "email_blake3[0]",
            &["zz5b209fdc23e7"],
        ),
        b(
            "phone with letters",
            "[[subject]]\nid = \"REQ-1\"\nphones = [\"+44 20 7946 0018 ext 5\"]\n",
            3,
            "phones[0]",
            &["7946 0018", "442079460018"],
        ),
        b(
            "phone too short",
            "[[subject]]\nid = \"REQ-1\"\nphones = [\"46 00\"]\n",
            3,
            "phones[0]",
            &["46 00"],
        ),
    ]
}

#[test]
fn scan_bad_requests_exit_2_before_reading_input() {
    let w = Work::new();
    w.write("garbage.bin", b"\x00\x01 this is not an archive \xff");
    let mut problems = Vec::new();
    for case in bad_requests() {
        for eol in ["\n", "\r\n"] {
            let toml = case.toml.replace('\n', eol);
            w.write("bad-request.toml", toml.as_bytes());
            let runs = [
                (
                    "scan missing",
                    argv(&["scan", "--subjects", "bad-request.toml", "missing.tar"]),
                ),
                (
                    "scan garbage",
                    argv(&["scan", "--subjects", "bad-request.toml", "garbage.bin"]),
                ),
                (
                    "scan json garbage",
                    argv(&[
                        "scan",
                        "--json",
                        "--subjects",
                        "bad-request.toml",
                        "garbage.bin",
                    ]),
                ),
                (
                    "scrub missing",
                    argv(&[
                        "scrub",
                        "--subjects",
                        "bad-request.toml",
                        "missing.tar",
                        "-o",
                        "out.tar",
                    ]),
                ),
                (
                    "scrub garbage",
                    argv(&[
                        "scrub",
                        "--subjects",
                        "bad-request.toml",
                        "garbage.bin",
                        "-o",
                        "out.tar",
                    ]),
                ),
                (
                    "verify missing",
                    argv(&[
                        "verify",
                        "missing.tar",
                        "--subjects",
                        "bad-request.toml",
                        "--input",
                        "garbage.bin",
                    ]),
                ),
            ];
            for (what, args) in runs {
                let run = w.run(&args, None);
                let label = format!("{} ({}) / {what}", case.name, eol.escape_debug());
                let err = &run.stderr;
                let line = format!("line {}", case.line);
                if run.code != Some(2) {
                    problems.push(format!("{label}: exit {:?}, want 2", run.code));
                }
                if !err.contains("bad-request.toml") {
                    problems.push(format!(
                        "{label}: error does not name the request file: {err}"
                    ));
                }
                if !err.contains(&format!("{line}:")) {
                    problems.push(format!("{label}: error does not name {line}: {err}"));
                }
                if !err.contains(case.word) {
                    problems.push(format!("{label}: error lacks {:?}: {err}", case.word));
                }
                if err.contains("missing.tar") || err.contains("garbage.bin") {
                    problems.push(format!("{label}: the error is about the input: {err}"));
                }
                if !run.stdout.is_empty() {
                    problems.push(format!("{label}: wrote to stdout"));
                }
                if w.read("out.tar").is_some() || w.read("out.tar.manifest.json").is_some() {
                    problems.push(format!("{label}: an output file was written"));
                }
                let lower = err.to_lowercase();
                for s in case.secrets {
                    if lower.contains(&s.to_lowercase()) {
                        // Do not repeat the value: name the case only.
                        problems.push(format!("{label}: the error shows an identifier value"));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn scan_valid_request_with_missing_input_names_the_input() {
    let w = Work::new();
    w.request(&planted::request_toml());
    let run = w.run(
        &argv(&["scan", "--subjects", "request.toml", "missing.tar"]),
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("missing.tar"), "{}", run.stderr);
}

/// Lower-case letters for `n` (bijective base 26), for generated names.
fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
        n -= 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// A request with `n` generated subjects (fictional, in no fixture) and the
/// planted subject in the middle.
fn big_request(n: usize) -> String {
    let planted = planted::request_toml();
    let mut t = String::with_capacity(n * 200);
    for i in 0..n {
        if i == n / 2 {
            t.push_str(&planted);
            t.push('\n');
            continue;
        }
        let a = letters(i + 17_576);
        let b = letters(i * 7 + 913);
        t.push_str(&format!(
            "[[subject]]\nid = \"REQ-G-{i:05}\"\nemails = [\"zq{a}.{b}@people.example.org\"]\n\
             names = [\"Zq{a} Vx{b}\"]\nphones = [\"+1 999 {i:06}\"]\nterms = [\"ZT-{i:05}-{a}\"]\n\n"
        ));
    }
    t
}

/// Two messages for generated subjects: from subject 3's address, and with
/// subject 9999's phone (the last subject: the automaton must hold them all).
fn generated_subject_mbox() -> Vec<u8> {
    use crate::support::mail::{Quoting, mbox, message};
    let a = letters(3 + 17_576);
    let b = letters(3 * 7 + 913);
    let from = format!("zq{a}.{b}@people.example.org");
    let m1 = message(&from, "bob@example.org", "hello", "Hi.\n");
    let m2 = message(
        "bob@example.org",
        "carol@example.org",
        "call",
        "Call +1 999 009999 please.\n",
    );
    let m3 = message(
        "bob@example.org",
        "carol@example.org",
        "x",
        "Zqa Vxb is no subject.\n",
    );
    mbox(&[m1, m2, m3], Quoting::Mboxrd, "\n")
}

/// One scan with a 10,000-subject request (the request is what is slow to
/// load, so the planted corpus and the generated subjects share the run).
#[test]
fn scan_with_10000_subjects_finds_exactly_the_planted_set() {
    let c = corpus();
    let mut members = c.members.clone();
    members.push(crate::support::mail::Member::file(
        "mail/generated.mbox",
        generated_subject_mbox(),
        "mbox",
        3,
    ));
    let w = Work::new();
    w.write(
        "backup.tar.zst",
        &wrap(
            &crate::support::mail::tar_of(&members, EndPadding::Record),
            Wrap::Zstd,
        ),
    );
    w.request(&big_request(10_000));
    let (run, report) = scan_json(&w, "request.toml", "backup.tar.zst", &[]);
    let mut want = c.planted(None);
    want.insert(("mail/generated.mbox".into(), 0));
    want.insert(("mail/generated.mbox".into(), 1));
    assert_flagged_exactly("10,000 subjects", &c, &report, &want);
    let mut wrong = Vec::new();
    for m in &report.messages {
        let subjects = strings(m, "subjects");
        let expected = match (m["member"].as_str(), m["index"].as_u64()) {
            (Some("mail/generated.mbox"), Some(0)) => "REQ-G-00003",
            (Some("mail/generated.mbox"), Some(1)) => "REQ-G-09999",
            _ => SUBJECT_ID,
        };
        if subjects != [expected] {
            wrong.push(format!(
                "{} #{}: {subjects:?}, want {expected}",
                m["member"], m["index"]
            ));
        }
    }
    assert!(wrong.is_empty(), "wrong subjects reported: {wrong:#?}");
    let leaks = leaked_forms(&run.stdout, &identifier_forms());
    assert!(leaks.is_empty(), "scan stdout shows identifiers: {leaks:?}");
}

#[test]
fn scan_says_why_a_message_is_deleted_against_the_policy() {
    // Nested deeper than the matcher looks: deleted although the policy
    // redacts, and the dry run says so as the manifest will.
    let mut msg = b"From: jane.doe@example.com\nSubject: inner\n\nhi\n".to_vec();
    for level in 0..40 {
        let mut outer = format!(
            "From: a@example.org\nSubject: level {level}\nContent-Type: message/rfc822\n\n"
        )
        .into_bytes();
        outer.extend_from_slice(&msg);
        msg = outer;
    }
    let w = Work::new();
    w.write("in.eml", &msg);
    w.write(
        "request.toml",
        b"[[subject]]\nid = \"S-1\"\nemails = [\"jane.doe@example.com\"]\n\
          [policy]\nsender = \"redact\"\nrecipient = \"redact\"\nmention = \"redact\"\n",
    );
    let json = w
        .run(
            &["scan", "--subjects", "request.toml", "in.eml", "--json"],
            None,
        )
        .success("scan --json");
    let line: serde_json::Value = json
        .stdout_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["type"] == "message")
        .expect("the message is affected");
    assert_eq!(line["action"], "delete");
    assert_eq!(line["reason"], "nesting deeper than 32 levels");
    let text = w
        .run(&["scan", "--subjects", "request.toml", "in.eml"], None)
        .success("scan");
    assert!(
        text.stdout_text()
            .contains("        reason: nesting deeper than 32 levels\n"),
        "{}",
        text.stdout_text()
    );
}
