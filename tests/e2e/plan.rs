//! The dry run is the scrub's plan (architecture issue, "the dry run is a
//! plan, not a flag"): `scan` decides every message exactly as `scrub` does,
//! the redaction and its fail-closed re-scan included, so its report says
//! what the scrub's manifest will say, message by message, and its totals
//! are the scrub's. With `--on-unredactable error` both stop at the same
//! message with exit 2, write nothing and name no identifier.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::planted;
use crate::support::encode::base64_lines;
use crate::support::erasure::{argv, leaked_words, read_manifest, scan_json};
use crate::support::mail::{Quoting, mbox};
use crate::support::*;

/// A mention in a charset nobody knows: the rewriter cannot redact it, so
/// the scrub deletes it (fail closed).
fn unknown_charset(id: &str) -> Vec<u8> {
    let mut body = b"Jane Doe sent this: \xe9\xe8\xfe sentinel-u.\n".to_vec();
    body.extend_from_slice(b"More.\n");
    planted::part(id, "text/plain; charset=x-unknown", "8bit", &body)
}

/// A mention in UTF-16: not redactable either.
fn utf16(id: &str) -> Vec<u8> {
    let text: Vec<u8> = "Jane Doe sent this, sentinel-16.\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    planted::part(
        id,
        "text/plain; charset=utf-16le",
        "base64",
        base64_lines(&text, 76).as_bytes(),
    )
}

/// A message from the subject: deleted by the default policy.
fn from_subject(id: &str) -> Vec<u8> {
    let from = format!("Jane Doe <{}>", planted::EMAIL);
    planted::msg(id, &[("From", from.as_str())], &[], b"Hello.\n")
}

/// A plain mention: redacted.
fn mention(id: &str) -> Vec<u8> {
    planted::text(id, "I met Jane Doe yesterday.\n")
}

/// Nothing of the subject: untouched.
fn neutral(id: &str) -> Vec<u8> {
    planted::text(id, "Nothing here.\n")
}

/// Every kind of outcome, in one-message members and in an mbox, with the
/// first failed redaction at `mail/archive.mbox` message 2 (after a
/// redaction and before a deletion and another failure).
fn corpus() -> Vec<u8> {
    let archive = mbox(
        &[
            neutral("a-neutral"),
            mention("a-mention"),
            unknown_charset("a-unknown"),
            from_subject("a-sender"),
            utf16("a-utf16"),
            mention("a-mention-2"),
        ],
        Quoting::Mboxrd,
        "\n",
    );
    let mut tw = TarWriter::new();
    tw.dir("mail/")
        .file("mail/neutral.eml", &neutral("neutral"))
        .file("mail/sender.eml", &from_subject("sender"))
        .file("mail/mention.eml", &mention("mention"))
        .file("mail/archive.mbox", &archive)
        .file("mail/unknown.eml", &unknown_charset("unknown"))
        .file("mail/utf16.eml", &utf16("utf16"));
    tw.finish(EndPadding::Record)
}

/// `(member, index)` -> `(action, reason)` of the scan's message records.
fn scan_plan(messages: &[Value]) -> BTreeMap<(String, u64), (Value, Value)> {
    messages
        .iter()
        .map(|m| {
            let key = (
                m["member"].as_str().expect("member").to_owned(),
                m["index"].as_u64().expect("index"),
            );
            (key, (m["action"].clone(), m["reason"].clone()))
        })
        .collect()
}

/// The same of the manifest's message removals (`delete`, `redact`).
fn manifest_plan(manifest: &Value) -> BTreeMap<(String, u64), (Value, Value)> {
    manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| r["action"] == "delete" || r["action"] == "redact")
        .map(|r| {
            let key = (
                r["member"].as_str().expect("member").to_owned(),
                r["index"].as_u64().expect("index"),
            );
            (key, (r["action"].clone(), r["reason"].clone()))
        })
        .collect()
}

#[test]
fn scan_predicts_every_outcome_of_the_scrub_failed_redactions_included() {
    let w = Work::new();
    w.write("in.tar", &corpus());
    w.request(&planted::request_toml());
    for threads in ["1", "4"] {
        let (_, scan) = scan_json(&w, "request.toml", "in.tar", &["--threads", threads]);
        let out = format!("out-{threads}.tar");
        w.run(
            &argv(&[
                "scrub",
                "--subjects",
                "request.toml",
                "in.tar",
                "-o",
                &out,
                "--threads",
                threads,
            ]),
            None,
        )
        .success("scrub");
        let manifest = read_manifest(&w.path(&format!("{out}.manifest.json")));
        let planned = scan_plan(&scan.messages);
        let done = manifest_plan(&manifest);
        assert_eq!(
            planned, done,
            "threads {threads}: scan vs manifest, message by message"
        );
        let failed = done
            .values()
            .filter(|(_, reason)| !reason.is_null())
            .count();
        assert_eq!(failed, 4, "threads {threads}: failed redactions: {done:#?}");
        let key = |member: &str, index| (member.to_owned(), index);
        let reason = &planned[&key("mail/archive.mbox", 2)].1;
        assert!(
            reason.as_str().is_some_and(|r| !r.is_empty()),
            "no reason for a failed redaction: {reason}"
        );
        assert_eq!(
            planned[&key("mail/archive.mbox", 1)],
            ("redact".into(), Value::Null)
        );
        assert_eq!(
            planned[&key("mail/sender.eml", 0)],
            ("delete".into(), Value::Null)
        );

        let (s, t) = (&scan.summary, &manifest["totals"]);
        eprintln!(
            "threads {threads}: scan delete={} redact={} untouched={} fail_closed={}; \
             scrub deleted={} redacted={} untouched={} fail_closed={}",
            s["delete"],
            s["redact"],
            s["untouched"],
            s["fail_closed"],
            t["deleted"],
            t["redacted"],
            t["untouched"],
            t["fail_closed"]
        );
        assert_eq!(s["messages"], t["messages_read"], "{s} vs {t}");
        assert_eq!(s["delete"], t["deleted"], "{s} vs {t}");
        assert_eq!(s["redact"], t["redacted"], "{s} vs {t}");
        assert_eq!(s["untouched"], t["untouched"], "{s} vs {t}");
        assert_eq!(s["fail_closed"], t["fail_closed"], "{s} vs {t}");
        assert_eq!(
            (t["deleted"].as_u64(), t["fail_closed"].as_u64()),
            (Some(6), Some(4)),
            "{t}"
        );
    }
}

/// Every file in the scratch directory.
fn files(w: &Work) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(w.root())
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn on_unredactable_error_stops_scan_and_scrub_at_the_same_message() {
    // The second corpus names the failing member by a path that holds an
    // identifier: the error shows its hash.
    let hidden = {
        let mut tw = TarWriter::new();
        tw.dir("mail/")
            .file("mail/mention.eml", &mention("mention"))
            .file("mail/Jane Doe/unknown.eml", &unknown_charset("unknown"))
            .file("mail/utf16.eml", &utf16("utf16"));
        tw.finish(EndPadding::Record)
    };
    for (corpus, position) in [
        (corpus(), "member 'mail/archive.mbox', message 2: "),
        (hidden, "member 'blake3:"),
    ] {
        let w = Work::new();
        w.write("in.tar", &corpus);
        w.request(&planted::request_toml());
        let before = files(&w);
        let mut stderrs = Vec::new();
        for threads in ["1", "4"] {
            let common = [
                "--subjects",
                "request.toml",
                "in.tar",
                "--on-unredactable",
                "error",
                "--threads",
                threads,
            ];
            let scan = w.run(&[&["scan", "--json"][..], &common[..]].concat(), None);
            let scrub = w.run(
                &[&["scrub", "-o", "out.tar"][..], &common[..]].concat(),
                None,
            );
            for (what, run) in [("scan", &scan), ("scrub", &scrub)] {
                assert_eq!(run.code, Some(2), "{what}: stderr: {}", run.stderr);
                assert!(
                    run.stderr.contains(position) && run.stderr.contains("cannot redact safely"),
                    "{what}: the error does not name {position:?}: {}",
                    run.stderr
                );
                let leaks = leaked_words(run.stderr.as_bytes(), &planted::identifier_forms());
                assert!(
                    leaks.is_empty(),
                    "{what}: the error shows {leaks:?}: {}",
                    run.stderr
                );
            }
            assert_eq!(
                scan.stderr, scrub.stderr,
                "threads {threads}: scan and scrub stop alike"
            );
            assert_eq!(files(&w), before, "threads {threads}: a file was written");
            stderrs.push(scan.stderr);
        }
        assert_eq!(
            stderrs[0], stderrs[1],
            "the position depends on the thread count"
        );
    }
}

/// Members the scrub's writer drops, renames and cleans, and the warnings
/// only it could know (a hard link without its target): a header cache in
/// a folder where a message is deleted, a path holding the address, padding
/// holding the name, bytes after the end of the archive holding the address,
/// a dangling hard link and a non-mail member naming the subject.
fn member_corpus() -> Vec<u8> {
    let mut tw = TarWriter::new();
    tw.dir("u/")
        .file("u/cur/1.eml", &from_subject("m-sender"))
        .file("u/dovecot.index.cache", b"cached\n")
        .file("users/jane.doe@example.com/notes.txt", b"Notes.\n")
        .file_with_padding("docs/padded.txt", b"Padded.\n", b"\nJane Doe\n")
        .file("docs/contacts.csv", b"name,phone\nJane Doe,1\n")
        .hardlink("docs/link", "docs/missing.txt");
    let mut tar = tw.finish(EndPadding::TwoBlocks);
    tar.extend_from_slice(b"trailing jane.doe@example.com\n");
    tar
}

/// `scan --json` lists the members the scrub's manifest drops, renames and
/// cleans (member, action, reason, in the manifest's order) and every
/// warning the manifest will hold, the dangling hard link included; the
/// summary's counts are the manifest's totals. Before, scan reported the
/// cache and the trailing bytes as warnings and knew nothing of renames,
/// cleanings and dangling links.
#[test]
fn scan_predicts_the_members_the_scrub_drops_renames_and_cleans() {
    let w = Work::new();
    w.write("in.tar", &member_corpus());
    w.request(&planted::request_toml());
    let (_, scan) = scan_json(&w, "request.toml", "in.tar", &[]);
    w.run(
        &argv(&[
            "scrub",
            "--subjects",
            "request.toml",
            "in.tar",
            "-o",
            "out.tar",
        ]),
        None,
    )
    .success("scrub");
    let manifest = read_manifest(&w.path("out.tar.manifest.json"));
    let per_member: Vec<(Value, Value, Value)> = manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| ["drop", "rename", "clean"].contains(&r["action"].as_str().unwrap_or("")))
        .map(|r| {
            (
                r["member"].clone(),
                r["action"].clone(),
                r["reason"].clone(),
            )
        })
        .collect();
    let predicted: Vec<(Value, Value, Value)> = scan
        .members
        .iter()
        .map(|m| {
            (
                m["member"].clone(),
                m["action"].clone(),
                m["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(predicted, per_member);
    let actions: Vec<&str> = per_member.iter().filter_map(|m| m.1.as_str()).collect();
    for action in ["drop", "rename", "clean"] {
        assert!(
            actions.contains(&action),
            "the corpus gives no {action}: {actions:?}"
        );
    }
    let warning = |w: &Value| {
        (
            w["member"].clone(),
            w["kind"].clone(),
            w["subjects"].clone(),
        )
    };
    let predicted: Vec<_> = scan.warnings.iter().map(warning).collect();
    let recorded: Vec<_> = manifest["warnings"]
        .as_array()
        .expect("warnings")
        .iter()
        .map(warning)
        .collect();
    assert_eq!(predicted, recorded);
    assert!(
        recorded
            .iter()
            .any(|w| w.1 == "dangling-hard-link-in-input"),
        "{recorded:?}"
    );
    let totals = &manifest["totals"];
    for (mine, theirs) in [
        ("dropped", "sidecars_dropped"),
        ("renamed", "renamed"),
        ("cleaned", "cleaned"),
        ("warnings", "warnings"),
        ("delete", "deleted"),
        ("redact", "redacted"),
    ] {
        assert_eq!(
            scan.summary[mine], totals[theirs],
            "{mine} vs totals.{theirs}"
        );
    }
}
