//! `scrub` then `verify`: every output of this module verifies (exit 0, four
//! OK checks); each kind of tampering is caught by the right check; the
//! manifest holds no identifier in any form; `hash-id` normalises.
//!
//! Redaction is being integrated: a message planned for `redact` is either
//! rewritten (`action: redact` with sanitized hashes) or deleted fail-closed
//! (`action: delete` with a `reason`). Every assertion here holds either way.

use std::path::Path;

use serde_json::Value;

use crate::planted;
use crate::support::encode::{base64, quoted_printable, word_b, word_q};
use crate::support::erasure::{
    VerifyText, argv, leaked_forms, leaked_words, read_manifest, strings, verify_text,
    write_manifest,
};
use crate::support::mail::{self, Quoting};
use crate::support::unpack::tar_members;
use crate::support::*;
use crate::testdata::{self, Outcome, REQUEST_TOML};

/// Hex key used with `--manifest-key` (32 bytes).
const KEY_HEX: &str = "6d61696c736372756220746573742d6b65792030313233343536373839616263";
/// Another valid key.
const OTHER_KEY_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

/// A scratch directory holding `input`, `request.toml` and the key files.
fn work_with(input_name: &str, input: &[u8], request: &str) -> Work {
    let w = Work::new();
    w.write(input_name, input);
    w.request(request);
    w.write("key.hex", format!("{KEY_HEX}\n").as_bytes());
    w.write("other.key", format!("{OTHER_KEY_HEX}\n").as_bytes());
    w
}

/// `scrub --subjects request.toml input -o output [--manifest-key key.hex]`; must succeed.
fn scrub(w: &Work, input: &str, output: &str, keyed: bool) {
    let mut args = argv(&["scrub", "--subjects", "request.toml", input, "-o", output]);
    if keyed {
        args.extend(argv(&["--manifest-key", "key.hex"]));
    }
    w.run(&args, None)
        .success(&format!("scrub {input} -> {output}"));
    assert!(w.read(output).is_some(), "no output {output}");
}

/// `verify output --subjects request.toml --input input [--manifest-key key] extra...`.
fn verify_full(
    w: &Work,
    output: &str,
    input: &str,
    key: Option<&str>,
    extra: &[&str],
) -> VerifyText {
    let mut args = vec![output, "--subjects", "request.toml", "--input", input];
    if let Some(key) = key {
        args.extend(["--manifest-key", key]);
    }
    args.extend(extra);
    verify_text(w, &args)
}

/// Assert a clean pass: exit 0, four OK lines, the summary line.
fn assert_passes(label: &str, v: &VerifyText) {
    let ok = v.checks.iter().filter(|c| c.status == "OK").count();
    assert!(
        v.run.code == Some(0) && ok == 4 && v.summary == "4 OK, 0 FAILED, 0 skipped",
        "{label}: verify does not pass\n{}",
        v.dump()
    );
    let names: Vec<&str> = v.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        ["manifest", "output", "subjects", "accounting"],
        "{label}"
    );
}

/// Assert exit 1 and that check `name` FAILED with a detail containing every word of `words`.
fn assert_fails(label: &str, v: &VerifyText, name: &str, words: &[&str]) {
    assert_eq!(v.run.code, Some(1), "{label}: want exit 1\n{}", v.dump());
    let c = v.check(name);
    assert_eq!(
        c.status,
        "FAILED",
        "{label}: {name} should fail\n{}",
        v.dump()
    );
    for word in words {
        assert!(
            c.detail.contains(word),
            "{label}: {name} detail lacks {word:?}\n{}",
            v.dump()
        );
    }
    let failed = v.checks.iter().filter(|c| c.status == "FAILED").count();
    assert!(
        v.summary.contains(&format!("{failed} FAILED")),
        "{label}: summary {:?}",
        v.summary
    );
}

/// Messages of the sample's mbox member, in order.
fn sample_mbox_messages() -> Vec<testdata::SampleMsg> {
    testdata::sample()
        .1
        .into_iter()
        .filter(|m| m.member == "archive/2019.mbox")
        .collect()
}

/// A bare mbox: one message from the subject, one mentioning her, two unrelated.
fn bare_mbox() -> Vec<u8> {
    let msgs = vec![
        mail::message(
            "Jane Doe <jane.doe@example.com>",
            "bob@example.org",
            "Hi",
            "Hello Bob.\n",
        ),
        mail::message(
            "bob@example.org",
            "carol@example.com",
            "Call",
            "Jane Doe phoned about CUST-88231.\n",
        ),
        mail::message(
            "carol@example.com",
            "bob@example.org",
            "Lunch",
            "From noon on I am out.\n",
        ),
        mail::message(
            "Janet Doe <janet.doe@example.com>",
            "bob@example.org",
            "Garden",
            "Roses.\n",
        ),
    ];
    mail::mbox(&msgs, Quoting::Mboxrd, "\n")
}

/// A single message that only mentions the subject.
fn mention_eml() -> Vec<u8> {
    mail::message(
        "Bob Example <bob@example.org>",
        "carol@example.com",
        "Notes",
        "I spoke with Jane Doe; ticket CUST-88231.\n",
    )
}

/// A tar of `members` written with the fixture writer (same metadata as the sample).
fn rebuild_tar(members: &[(String, u8, Vec<u8>)]) -> Vec<u8> {
    let mut tw = TarWriter::new();
    for (path, kind, data) in members {
        if *kind == b'5' {
            tw.dir(path);
        } else {
            tw.file(path, data);
        }
    }
    tw.finish(EndPadding::Record)
}

/// Check what a scrub of the sample did, from the output and the manifest:
/// kept messages byte-identical, deleted ones absent, mention-only ones
/// redacted (no identifier left) or deleted with a reason; no identifier anywhere.
fn assert_sample_scrubbed(label: &str, output: &[u8], manifest: &Value) {
    let (_, tar) = unwrap_all(output);
    for m in testdata::sample().1 {
        // Inside an mbox, a message is stored mboxrd-quoted.
        let stored = if m.member.ends_with(".mbox") {
            mail::quote(&m.bytes, Quoting::Mboxrd)
        } else {
            m.bytes.clone()
        };
        let present = mail::find(&tar, &stored).is_some();
        match m.outcome {
            Outcome::Keep => assert!(present, "{label}: {}: untouched message changed", m.member),
            Outcome::Delete | Outcome::Redact => {
                assert!(
                    !present,
                    "{label}: {}: affected message left as is",
                    m.member
                )
            }
        }
    }
    let raw = String::from_utf8_lossy(&tar).to_lowercase();
    for id in testdata::IDENTIFIERS {
        assert!(
            !raw.contains(&id.to_lowercase()),
            "{label}: output holds an identifier"
        );
    }
    for (path, _, data) in tar_members(&tar) {
        assert!(
            testdata::identifiers_in(&data).is_empty(),
            "{label}: {path}: an identifier is left once decoded"
        );
    }
    assert_removals_consistent(label, manifest);
}

/// Mention-only removals are redactions with sanitized hashes, or fail-closed
/// deletions with a reason; sender/recipient removals are deletions.
fn assert_removals_consistent(label: &str, manifest: &Value) {
    for r in manifest["removals"].as_array().expect("removals") {
        let roles = strings(r, "roles");
        let action = r["action"].as_str().expect("action");
        if roles == ["mention"] {
            match action {
                // once redaction lands: a rewritten message with its hashes
                "redact" => assert!(
                    r["sanitized_blake3"].is_string() && r["sanitized_bytes"].is_u64(),
                    "{label}: redaction without sanitized hashes: {r}"
                ),
                // until then (or when unsafe): deleted, fail closed, with a reason
                "delete" => assert!(
                    r["reason"].as_str().is_some_and(|s| !s.is_empty()),
                    "{label}: mention-only message deleted without a reason: {r}"
                ),
                other => panic!("{label}: unexpected action {other}: {r}"),
            }
        } else if action == "delete" || action == "redact" {
            assert_eq!(
                action, "delete",
                "{label}: sender/recipient not deleted: {r}"
            );
        }
    }
}

// ---------------------------------------------------------------- round trips

#[test]
fn verify_accepts_every_scrubbed_tar_with_and_without_key() {
    let (tar, _) = testdata::sample();
    for (wrapper, ext) in [
        (Wrap::None, "tar"),
        (Wrap::Gzip, "tar.gz"),
        (Wrap::Zstd, "tar.zst"),
    ] {
        for keyed in [false, true] {
            let label = format!("{ext} keyed={keyed}");
            let input = format!("in.{ext}");
            let output = format!("out.{ext}");
            let w = work_with(&input, &wrap(&tar, wrapper), REQUEST_TOML);
            scrub(&w, &input, &output, keyed);
            let key = keyed.then_some("key.hex");
            assert_passes(&label, &verify_full(&w, &output, &input, key, &[]));
            let manifest = read_manifest(&w.path(&format!("{output}.manifest.json")));
            assert_eq!(manifest["keyed"], keyed, "{label}");
            assert_sample_scrubbed(&label, &w.read(&output).expect("output"), &manifest);
            assert_eq!(
                sniff(&w.read(&output).expect("output")),
                wrapper.kind(),
                "{label}"
            );

            let mut args = vec![
                output.as_str(),
                "--subjects",
                "request.toml",
                "--input",
                &input,
                "--json",
            ];
            if let Some(k) = key {
                args.extend(["--manifest-key", k]);
            }
            let mut full = argv(&["verify"]);
            full.extend(argv(&args));
            let run = w.run(&full, None);
            assert_eq!(run.code, Some(0), "{label} --json: {}", run.stderr);
            let lines: Vec<Value> = run
                .stdout_text()
                .lines()
                .map(|l| serde_json::from_str(l).expect("JSON line"))
                .collect();
            let (summary, checks) = lines.split_last().expect("lines");
            assert_eq!(summary["type"], "summary");
            assert_eq!(summary["passed"], true, "{label}: {summary}");
            assert_eq!(
                (summary["ok"].as_u64(), summary["failed"].as_u64()),
                (Some(4), Some(0))
            );
            assert!(
                checks
                    .iter()
                    .all(|c| c["type"] == "check" && c["status"] == "ok"),
                "{label}: {checks:?}"
            );
        }
    }
}

#[test]
fn verify_accepts_scrubbed_bare_mbox_and_eml_with_and_without_key() {
    let cases: [(&str, &str, Vec<u8>); 3] = [
        ("mbox", "mbox", bare_mbox()),
        ("mbox.zst", "mbox.zst", wrap(&bare_mbox(), Wrap::Zstd)),
        ("eml", "eml", mention_eml()),
    ];
    let mut failures = Vec::new();
    for (name, ext, bytes) in &cases {
        for keyed in [false, true] {
            let label = format!("bare {name} keyed={keyed}");
            let input = format!("in.{ext}");
            let output = format!("out.{ext}");
            let w = work_with(&input, bytes, REQUEST_TOML);
            scrub(&w, &input, &output, keyed);
            let out = unwrap_all(&w.read(&output).expect("output")).1;
            let raw = String::from_utf8_lossy(&out).to_lowercase();
            for id in testdata::IDENTIFIERS {
                assert!(
                    !raw.contains(&id.to_lowercase()),
                    "{label}: output holds an identifier"
                );
            }
            if *name != "eml" {
                // The unrelated messages survive byte-identical.
                assert!(
                    mail::find(&out, b"From noon on I am out.").is_some(),
                    "{label}"
                );
                assert!(
                    mail::find(&out, b"Janet Doe <janet.doe@example.com>").is_some(),
                    "{label}"
                );
            }
            let manifest = read_manifest(&w.path(&format!("{output}.manifest.json")));
            assert_removals_consistent(&label, &manifest);
            let v = verify_full(&w, &output, &input, keyed.then_some("key.hex"), &[]);
            if v.run.code != Some(0) || v.summary != "4 OK, 0 FAILED, 0 skipped" {
                failures.push(format!("{label}:\n{}", v.dump()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "verify rejects clean scrubs:\n{}",
        failures.join("\n")
    );
}

#[test]
fn verify_accepts_bare_mbox_when_input_and_output_share_a_file_name() {
    // Same file name in two directories: isolates the member-name question
    // from the rest of the accounting.
    let w = work_with("in.mbox", &bare_mbox(), REQUEST_TOML);
    std::fs::create_dir(w.path("a")).expect("mkdir");
    std::fs::create_dir(w.path("b")).expect("mkdir");
    std::fs::write(w.path("a/box.mbox"), bare_mbox()).expect("write");
    scrub(&w, "a/box.mbox", "b/box.mbox", false);
    assert_passes(
        "same name",
        &verify_full(&w, "b/box.mbox", "a/box.mbox", None, &[]),
    );
}

// ---------------------------------------------------------------- tampering

/// The sample as a plain tar, scrubbed (optionally keyed) to `out.tar`; the
/// untampered output verifies.
fn scrubbed_sample(keyed: bool) -> Work {
    let w = work_with("in.tar", &testdata::sample().0, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", keyed);
    let key = keyed.then_some("key.hex");
    assert_passes(
        "untampered",
        &verify_full(&w, "out.tar", "in.tar", key, &[]),
    );
    w
}

/// The path of the sample's member holding `needle`.
fn member_with(needle: &[u8]) -> String {
    tar_members(&testdata::sample().0)
        .into_iter()
        .find(|(_, _, d)| mail::find(d, needle).is_some())
        .map(|(p, _, _)| p)
        .expect("sample member")
}

#[test]
fn verify_rejects_a_flipped_byte_in_a_plain_tar() {
    let w = scrubbed_sample(false);
    let mut out = w.read("out.tar").expect("output");
    let at = mail::find(&out, b"Pizza or sushi?").expect("untouched message");
    out[at] ^= 0x20; // 'P' -> 'p'
    w.write("out.tar", &out);
    let member = member_with(b"Pizza or sushi?");
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_fails("flipped byte", &v, "output", &["blake3"]);
    assert_fails("flipped byte", &v, "accounting", &[&member, "differs"]);
    assert_eq!(v.check("subjects").status, "OK", "{}", v.dump());
    // Without --input, the output check alone catches it.
    let v = verify_text(&w, &["out.tar"]);
    assert_fails("flipped byte, manifest only", &v, "output", &["blake3"]);
    assert_eq!(v.check("accounting").status, "SKIPPED");
}

#[test]
fn verify_rejects_a_flipped_byte_inside_a_recompressed_output() {
    for (wrapper, ext) in [(Wrap::Zstd, "tar.zst"), (Wrap::Gzip, "tar.gz")] {
        let input = format!("in.{ext}");
        let output = format!("out.{ext}");
        let w = work_with(&input, &wrap(&testdata::sample().0, wrapper), REQUEST_TOML);
        scrub(&w, &input, &output, false);
        let (_, mut tar) = unwrap_all(&w.read(&output).expect("output"));
        let at = mail::find(&tar, b"Pizza or sushi?").expect("untouched message");
        tar[at + 6] ^= 0x01;
        w.write(&output, &wrap(&tar, wrapper));
        let v = verify_full(&w, &output, &input, None, &[]);
        assert_fails(ext, &v, "output", &["blake3"]);
        assert_fails(ext, &v, "accounting", &["differs"]);
    }
}

#[test]
fn verify_rejects_a_deleted_message_restored_into_the_output() {
    let w = scrubbed_sample(false);
    let input = tar_members(&testdata::sample().0);
    let output = tar_members(&w.read("out.tar").expect("output"));
    // The first message deleted because the subject sent it.
    let restored = member_with(b"the renewal is attached");
    assert!(
        !output.iter().any(|(p, _, _)| *p == restored),
        "the sender's message was not deleted"
    );
    let rebuilt: Vec<(String, u8, Vec<u8>)> = input
        .iter()
        .filter_map(|(p, k, d)| {
            if *p == restored {
                Some((p.clone(), *k, d.clone()))
            } else {
                output.iter().find(|(q, _, _)| q == p).cloned()
            }
        })
        .collect();
    w.write("out.tar", &rebuild_tar(&rebuilt));
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_fails("restored", &v, "output", &["blake3"]);
    assert_fails("restored", &v, "subjects", &["identifiers found"]);
    assert_fails("restored", &v, "accounting", &[&restored]);
}

#[test]
fn verify_rejects_an_affected_message_swapped_back_to_its_original_bytes() {
    let w = scrubbed_sample(false);
    let msgs = sample_mbox_messages();
    assert_eq!(
        msgs[1].outcome,
        Outcome::Redact,
        "mbox message 1 mentions the subject"
    );
    // The output mbox with message 1 back as it was (message 0 stays deleted):
    // whether message 1 was redacted or deleted fail-closed, the output now
    // holds its original bytes.
    let bytes: Vec<Vec<u8>> = msgs[1..].iter().map(|m| m.bytes.clone()).collect();
    let swapped = mail::mbox(&bytes, Quoting::Mboxrd, "\n");
    let mut members = tar_members(&w.read("out.tar").expect("output"));
    let mbox = members
        .iter_mut()
        .find(|(p, _, _)| p == "archive/2019.mbox")
        .expect("mbox member");
    assert_ne!(
        mbox.2, swapped,
        "fixture: the output mbox already holds message 1"
    );
    mbox.2 = swapped;
    w.write("out.tar", &rebuild_tar(&members));
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_fails(
        "swapped back",
        &v,
        "subjects",
        &["identifiers found", "archive/2019.mbox"],
    );
    assert_fails("swapped back", &v, "accounting", &["archive/2019.mbox"]);
}

/// The index into `removals` of the entry for `member` / `index`.
fn removal_at(m: &Value, member: &str, index: u64) -> usize {
    m["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .position(|r| r["member"] == member && r["index"] == index)
        .expect("removal entry")
}

/// Edit the manifest of `out.tar` with `edit`; verify unkeyed and keyed.
/// The accounting names what differs either way (the manifest check may
/// also find the totals inconsistent); with the key the MAC fails too.
fn tampered_manifest(label: &str, edit: impl Fn(&mut Value), words: &[&str]) {
    for keyed in [false, true] {
        let w = scrubbed_sample(keyed);
        let path = w.path("out.tar.manifest.json");
        let mut m = read_manifest(&path);
        edit(&mut m);
        write_manifest(&path, &m);
        let key = keyed.then_some("key.hex");
        let v = verify_full(&w, "out.tar", "in.tar", key, &[]);
        if keyed {
            assert_fails(&format!("{label}, keyed"), &v, "manifest", &["MAC"]);
        }
        assert_fails(label, &v, "accounting", words);
    }
}

#[test]
fn verify_rejects_a_manifest_with_a_removal_entry_removed() {
    tampered_manifest(
        "entry removed",
        |m| {
            let i = removal_at(m, "archive/2019.mbox", 0);
            m["removals"].as_array_mut().expect("removals").remove(i);
        },
        &["archive/2019.mbox"],
    );
    let sender = member_with(b"the renewal is attached");
    tampered_manifest(
        "maildir entry removed",
        |m| {
            let i = removal_at(m, &sender, 0);
            m["removals"].as_array_mut().expect("removals").remove(i);
        },
        &[&sender],
    );
}

#[test]
fn verify_rejects_a_manifest_with_an_edited_index() {
    tampered_manifest(
        "index edited",
        |m| {
            let i = removal_at(m, "archive/2019.mbox", 0);
            m["removals"][i]["index"] = 3.into();
        },
        &["archive/2019.mbox"],
    );
}

#[test]
fn verify_rejects_a_manifest_with_an_edited_original_hash() {
    tampered_manifest(
        "original_blake3 edited",
        |m| {
            let i = removal_at(m, "archive/2019.mbox", 0);
            let h = m["removals"][i]["original_blake3"].as_str().expect("hash");
            let flipped = if h.starts_with('0') { "1" } else { "0" };
            m["removals"][i]["original_blake3"] = format!("{flipped}{}", &h[1..]).into();
        },
        &["original_blake3"],
    );
}

#[test]
fn verify_rejects_a_wrong_or_missing_key() {
    let w = scrubbed_sample(true);
    let v = verify_full(&w, "out.tar", "in.tar", Some("other.key"), &[]);
    assert_fails("wrong key", &v, "manifest", &["MAC"]);
    let v = verify_text(&w, &["out.tar", "--manifest-key", "other.key"]);
    assert_fails("wrong key, manifest only", &v, "manifest", &["MAC"]);
    // A keyed manifest checked without the key: its hashes cannot be accounted for.
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_fails("no key", &v, "accounting", &["key"]);
    // A key for an unkeyed manifest.
    let w = scrubbed_sample(false);
    let v = verify_full(&w, "out.tar", "in.tar", Some("key.hex"), &[]);
    assert_fails("key for unkeyed manifest", &v, "manifest", &["key"]);
}

#[test]
fn verify_rejects_an_unknown_manifest_format() {
    let w = scrubbed_sample(false);
    let path = w.path("out.tar.manifest.json");
    let mut m = read_manifest(&path);
    m["format"] = "mailscrub.manifest.v2".into();
    write_manifest(&path, &m);
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_fails("format v2", &v, "manifest", &["mailscrub.manifest.v2"]);
    for name in ["output", "subjects", "accounting"] {
        assert_eq!(v.check(name).status, "SKIPPED", "{}", v.dump());
    }
    assert_eq!(v.summary, "0 OK, 1 FAILED, 3 skipped");
}

#[test]
fn verify_missing_manifest_exits_2() {
    let w = scrubbed_sample(false);
    std::fs::remove_file(w.path("out.tar.manifest.json")).expect("rm");
    let v = verify_full(&w, "out.tar", "in.tar", None, &[]);
    assert_eq!(v.run.code, Some(2), "{}", v.dump());
    assert!(
        v.run.stderr.contains("out.tar.manifest.json"),
        "{}",
        v.dump()
    );
    let v = verify_text(&w, &["out.tar", "--manifest", "elsewhere.json"]);
    assert_eq!(v.run.code, Some(2), "{}", v.dump());
    assert!(v.run.stderr.contains("elsewhere.json"), "{}", v.dump());
}

// ---------------------------------------------------------------- no identifiers in the manifest

/// Every encoded form of `id` that could end up in a file: base64 at the three
/// alignments, RFC 2047 B and Q words, quoted-printable, percent-encoding.
fn encoded_forms(form: &str, id: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for k in 0..3 {
        let padded = [vec![b'x'; k], id.as_bytes().to_vec()].concat();
        let b = base64(&padded);
        let start = k.div_ceil(3) * 4;
        let end = padded.len() / 3 * 4;
        if end > start + 4 {
            out.push((format!("{form} base64 +{k}"), b[start..end].to_owned()));
        }
    }
    for cs in ["UTF-8", "ISO-8859-1"] {
        let bytes = if cs == "UTF-8" {
            id.as_bytes().to_vec()
        } else {
            match encoding_rs::WINDOWS_1252.encode(id) {
                (b, _, false) => b.into_owned(),
                _ => continue,
            }
        };
        let b = word_b(cs, &bytes);
        let q = word_q(cs, &bytes);
        out.push((
            format!("{form} 2047 B {cs}"),
            b[cs.len() + 5..b.len() - 2].to_owned(),
        ));
        out.push((
            format!("{form} 2047 Q {cs}"),
            q[cs.len() + 5..q.len() - 2].to_owned(),
        ));
        let qp = quoted_printable(&bytes, &[]);
        out.push((format!("{form} QP {cs}"), qp));
    }
    out.push((
        format!("{form} percent"),
        crate::support::encode::percent(id.as_bytes()),
    ));
    out.push((format!("{form} @ as =40"), id.replace('@', "=40")));
    out.push((format!("{form} @ as &#64;"), id.replace('@', "&#64;")));
    out
}

fn all_forms() -> Vec<(String, String)> {
    let mut forms = planted::identifier_forms();
    let mut ids = vec![
        ("email".to_owned(), planted::EMAIL.to_owned()),
        ("phone".to_owned(), planted::PHONE.to_owned()),
        ("term".to_owned(), planted::TERM.to_owned()),
        (
            "phone +digits".to_owned(),
            format!("+{}", planted::PHONE_DIGITS),
        ),
        ("email local part".to_owned(), "jane.doe@".to_owned()),
    ];
    for (i, n) in planted::NAMES.iter().enumerate() {
        ids.push((format!("names[{i}]"), (*n).to_owned()));
    }
    for (form, id) in &ids {
        forms.extend(encoded_forms(form, id));
        forms.extend(encoded_forms(&format!("{form} lower"), &id.to_lowercase()));
        forms.extend(encoded_forms(&format!("{form} upper"), &id.to_uppercase()));
    }
    forms
}

#[test]
fn verify_manifest_holds_no_identifier_in_any_form() {
    let c = planted::corpus();
    let forms = all_forms();
    assert!(forms.len() > 200, "{} forms", forms.len());
    for keyed in [false, true] {
        let label = format!("keyed={keyed}");
        let w = work_with(
            "in.tar.zst",
            &wrap(&c.tar, Wrap::Zstd),
            &planted::request_toml(),
        );
        scrub(&w, "in.tar.zst", "out.tar.zst", keyed);
        let bytes = w.read("out.tar.zst.manifest.json").expect("manifest");
        let leaks = leaked_forms(&bytes, &forms);
        assert!(leaks.is_empty(), "{label}: the manifest holds {leaks:?}");
        let m: Value = serde_json::from_slice(&bytes).expect("JSON");
        // Every planted message is accounted for; a path holding an identifier is hashed.
        let removals: Vec<&Value> = m["removals"]
            .as_array()
            .expect("removals")
            .iter()
            .filter(|r| r["action"] == "delete" || r["action"] == "redact")
            .collect();
        assert_eq!(removals.len(), c.planted(None).len(), "{label}");
        if !keyed {
            let named: Vec<&str> = c
                .messages
                .iter()
                .filter(|p| p.member.starts_with("blake3:"))
                .map(|p| p.member.as_str())
                .collect();
            assert_eq!(named.len(), 2);
            for n in named {
                assert!(
                    removals.iter().any(|r| r["member"] == n),
                    "{label}: {n} not in the manifest"
                );
            }
        }
        assert_removals_consistent(&label, &m);
        // The output: untouched messages byte-identical, no identifier in clear.
        let (_, out) = unwrap_all(&w.read("out.tar.zst").expect("output"));
        for msg in c.messages.iter().filter(|m| m.planted.is_none()) {
            let stored = if msg.member.ends_with(".mbox") {
                mail::quote(&msg.bytes, Quoting::Mboxrd)
            } else {
                msg.bytes.clone()
            };
            assert!(
                mail::find(&out, &stored).is_some(),
                "{label}: {}: untouched message changed",
                msg.label
            );
        }
        for (path, _, data) in tar_members(&out) {
            if path.starts_with("docs/") {
                continue; // the non-mail member with an identifier is only warned about
            }
            // Whole words only: the decoys (`jane.doe@example.community`,
            // `4420794600189`, ...) contain the identifiers as substrings.
            let leaks = leaked_words(&data, &planted::identifier_forms());
            assert!(leaks.is_empty(), "{label}: {path}: output holds {leaks:?}");
        }
        // And the tool agrees.
        assert_eq!(m["warnings"].as_array().map(Vec::len), Some(1), "{label}");
        let key = keyed.then_some("key.hex");
        let v = verify_full(&w, "out.tar.zst", "in.tar.zst", key, &[]);
        assert_eq!(v.check("manifest").status, "OK", "{label}: {}", v.dump());
        assert_eq!(v.check("output").status, "OK", "{label}: {}", v.dump());
        assert_eq!(v.check("accounting").status, "OK", "{label}: {}", v.dump());
        // The warned non-mail member still holds the address, so `subjects` fails
        // and names the member, not the identifier.
        let s = v.check("subjects");
        assert_eq!(s.status, "FAILED", "{label}: {}", v.dump());
        assert!(
            s.detail.contains("docs/contacts.csv"),
            "{label}: {}",
            v.dump()
        );
        let leaks = leaked_forms(&v.run.stdout, &planted::identifier_forms());
        assert!(leaks.is_empty(), "{label}: verify shows {leaks:?}");
    }
}

// ---------------------------------------------------------------- hash-id

#[test]
fn hash_id_normalises_case_and_plus_tag() {
    let w = Work::new();
    let hash = |addr: &str| {
        w.run(&argv(&["hash-id", "--email", addr]), None)
            .success("hash-id")
            .stdout_text()
    };
    let plain = hash("jane.doe@example.com");
    assert_eq!(plain.trim().len(), 64);
    assert!(plain.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    assert!(!plain.contains("jane"));
    assert_eq!(hash("Jane.Doe+news@Example.com"), plain);
    assert_eq!(hash("  JANE.DOE@EXAMPLE.COM "), plain);
    assert_ne!(hash("janet.doe@example.com"), plain);
    let bad = w.run(&argv(&["hash-id", "--email", "jane.doe.example.com"]), None);
    assert_eq!(bad.code, Some(2), "{}", bad.stderr);
    assert!(
        !bad.stderr.contains("jane.doe"),
        "hash-id error shows the value"
    );
}

/// Sanity: the keyed fixtures really are 32-byte keys.
#[test]
fn verify_fixture_keys_are_32_bytes() {
    for k in [KEY_HEX, OTHER_KEY_HEX] {
        assert_eq!(k.len(), 64);
    }
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata")
            .is_dir()
    );
}

// ---------------------------------------------------------------- integrity of the output

/// The manifest of `output` (in `w`) made to describe `bytes` instead: the
/// output's blake3 and length (unkeyed manifests only).
fn describe_output(w: &Work, output: &str, bytes: &[u8]) {
    let path = w.path(&format!("{output}.manifest.json"));
    let mut m = read_manifest(&path);
    m["output"]["blake3"] = blake3::hash(bytes).to_hex().to_string().into();
    m["output"]["bytes"] = (bytes.len() as u64).into();
    write_manifest(&path, &m);
    w.write(output, bytes);
}

/// `verify` never prints an identifier of the sample's subject.
fn assert_no_identifier_shown(label: &str, v: &VerifyText) {
    let shown = String::from_utf8_lossy(&v.run.stdout).to_lowercase() + &v.run.stderr;
    for id in testdata::IDENTIFIERS {
        assert!(
            !shown.contains(&id.to_lowercase()),
            "{label}: verify shows an identifier\n{}",
            v.dump()
        );
    }
    assert!(!shown.contains("jane.doe"), "{label}: {}", v.dump());
}

#[test]
fn verify_a_truncated_or_appended_output_fails_the_output_check() {
    for (wrapper, ext) in [
        (Wrap::None, "tar"),
        (Wrap::Gzip, "tar.gz"),
        (Wrap::Zstd, "tar.zst"),
    ] {
        let input = format!("in.{ext}");
        let output = format!("out.{ext}");
        let w = work_with(&input, &wrap(&testdata::sample().0, wrapper), REQUEST_TOML);
        scrub(&w, &input, &output, false);
        let good = w.read(&output).expect("output");
        let damaged = [
            ("truncated", good[..good.len() / 2].to_vec()),
            ("cut by one byte", good[..good.len() - 1].to_vec()),
            ("appended", [good.as_slice(), b"garbage\n"].concat()),
            ("empty", Vec::new()),
        ];
        for (what, bytes) in damaged {
            let label = format!("{ext} {what}");
            w.write(&output, &bytes);
            for v in [
                verify_full(&w, &output, &input, None, &[]),
                verify_text(&w, &[&output]),
            ] {
                assert_fails(&label, &v, "output", &["blake3"]);
                assert_no_identifier_shown(&label, &v);
            }
        }
    }
}

#[test]
fn verify_an_unreadable_header_fails_without_showing_its_path() {
    let w = work_with("in.tar", &testdata::sample().0, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", false);
    let mut tw = TarWriter::new();
    tw.file("users/jane.doe@example.com/notes.txt", b"notes\n");
    let mut bad = tw.finish(EndPadding::Record);
    bad[124..136].copy_from_slice(b"zzzzzzzzzzz\0");
    let mut header = tar::Header::new_old();
    header.as_mut_bytes().copy_from_slice(&bad[..512]);
    header.set_cksum();
    bad[..512].copy_from_slice(header.as_bytes());
    w.write("out.tar", &bad);
    let v = verify_text(&w, &["out.tar", "--subjects", "request.toml"]);
    assert_fails(
        "bad size field",
        &v,
        "output",
        &["does not match", "bad tar header"],
    );
    assert_no_identifier_shown("bad size field", &v);
}

/// A tar of `members` as `(path, data)`: directories end in `/`, a data of
/// `@target` makes a symbolic link.
fn tar_with(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut tw = TarWriter::new();
    for (path, data) in members {
        if path.ends_with('/') {
            tw.dir(path);
        } else if let Some(target) = data.strip_prefix(b"@") {
            tw.symlink(path, std::str::from_utf8(target).expect("link target"));
        } else {
            tw.file(path, data);
        }
    }
    tw.finish(EndPadding::Record)
}

#[test]
fn verify_accounts_for_renamed_members_and_link_targets() {
    let kept = mail::message(
        "Bob Example <bob@example.org>",
        "carol@example.com",
        "Garden",
        "Roses.\n",
    );
    let mention = mail::message(
        "Bob Example <bob@example.org>",
        "carol@example.com",
        "Call",
        "Jane Doe phoned.\n",
    );
    let from_jane = mail::message(
        "Jane Doe <jane.doe@example.com>",
        "bob@example.org",
        "Hi",
        "Hello.\n",
    );
    let sized = format!(
        "users/jane.doe@example.com/cur/1700000003.M3P1.host,S={}:2,S",
        mention.len()
    );
    let tar = tar_with(&[
        ("users/", b""),
        ("users/jane.doe@example.com/", b""),
        ("users/jane.doe@example.com/cur/", b""),
        (
            "users/jane.doe@example.com/cur/1700000001.M1P1.host:2,S",
            &kept,
        ),
        (
            "users/jane.doe@example.com/cur/1700000002.M2P1.host:2,S",
            &from_jane,
        ),
        (&sized, &mention),
        ("example.com/", b""),
        ("example.com/jane.doe/", b""),
        ("example.com/jane.doe/cur/", b""),
        ("example.com/jane.doe/cur/123.eml", &kept),
        ("links/inbox", b"@../users/jane.doe@example.com/cur"),
    ]);
    for keyed in [false, true] {
        let label = format!("renames keyed={keyed}");
        let w = work_with("in.tar", &tar, REQUEST_TOML);
        scrub(&w, "in.tar", "out.tar", keyed);
        let m = read_manifest(&w.path("out.tar.manifest.json"));
        let renames = m["removals"]
            .as_array()
            .expect("removals")
            .iter()
            .filter(|r| r["action"] == "rename")
            .count();
        assert_eq!(renames, 5, "{label}: {m}");
        let key = keyed.then_some("key.hex");
        let v = verify_full(&w, "out.tar", "in.tar", key, &[]);
        assert_passes(&label, &v);
        assert_no_identifier_shown(&label, &v);
        let mut args = vec!["out.tar", "--input", "in.tar"];
        if let Some(key) = key {
            args.extend(["--manifest-key", key]);
        }
        let v = verify_text(&w, &args);
        assert_eq!(
            v.run.code,
            Some(0),
            "{label} without --subjects\n{}",
            v.dump()
        );
        assert_eq!(v.check("accounting").status, "OK", "{label}\n{}", v.dump());
        assert_no_identifier_shown(&label, &v);
    }
}

#[test]
fn verify_counts_no_message_in_a_zero_byte_member() {
    // An mbox whose only message goes becomes a 0-byte member; named .eml,
    // it reads back as a one-message file, which holds no message.
    let from_jane = mail::message(
        "Jane Doe <jane.doe@example.com>",
        "bob@example.org",
        "Hi",
        "Hello.\n",
    );
    let keep = mail::message("bob@example.org", "carol@example.com", "Lunch", "Noon.\n");
    let tar = tar_with(&[
        ("export/", b""),
        (
            "export/box.eml",
            &mail::mbox(&[from_jane], Quoting::Mboxrd, "\n"),
        ),
        ("export/keep.eml", &keep),
    ]);
    let w = work_with("in.tar", &tar, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", false);
    assert_passes(
        "emptied mbox",
        &verify_full(&w, "out.tar", "in.tar", None, &[]),
    );
    let v = verify_text(&w, &["out.tar"]);
    assert_eq!(v.check("output").status, "OK", "{}", v.dump());

    // A 0-byte Maildir file holds no message either: the accounting does
    // not miss one. (The manifest is made to count as verify does.)
    let tar = tar_with(&[
        ("Maildir/", b""),
        ("Maildir/cur/", b""),
        ("Maildir/cur/1700000000.M0P1.host:2,S", b""),
        ("Maildir/cur/1700000001.M1P1.host:2,S", &keep),
    ]);
    let w = work_with("in.tar", &tar, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", false);
    let path = w.path("out.tar.manifest.json");
    let mut m = read_manifest(&path);
    let empty_counted = m["input"]["messages"] == 2;
    if empty_counted {
        for (section, field) in [
            ("input", "messages"),
            ("output", "messages"),
            ("totals", "messages_read"),
            ("totals", "untouched"),
        ] {
            let value = &mut m[section][field];
            *value = (value.as_u64().expect("count") - 1).into();
        }
        write_manifest(&path, &m);
    }
    assert_passes(
        "0-byte maildir file",
        &verify_full(&w, "out.tar", "in.tar", None, &[]),
    );
}

/// A ustar header with fixed metadata whose uname and gname are given.
fn owned_header(path: &str, size: u64, uname: &str, gname: &str) -> tar::Header {
    let mut h = tarw::header(
        tarw::Flavor::Ustar,
        path.as_bytes(),
        tar::EntryType::Regular,
        size,
        b"",
    );
    h.set_username(uname).expect("uname fits");
    h.set_groupname(gname).expect("gname fits");
    h.set_cksum();
    h
}

#[test]
fn verify_subjects_scans_every_header_byte_padding_and_trailer() {
    let readme = b"Read me.\n".as_slice();
    let msg = mail::message("bob@example.org", "carol@example.com", "Lunch", "Noon.\n");
    let id = "jane.doe@example.com";
    let long = format!("archive/{id}/{}.txt", "x".repeat(90));
    let block = |h: &tar::Header, data: &[u8], padding: &[u8]| {
        let mut out = h.as_bytes().to_vec();
        out.extend_from_slice(data);
        let mut pad = vec![0u8; (512 - data.len() % 512) % 512];
        pad[..padding.len()].copy_from_slice(padding);
        out.extend(pad);
        out
    };
    let rest = |tw: &mut TarWriter| {
        tw.file("Maildir/cur/1700000001.M1P1.host:2,S", &msg);
        tw.symlink("docs/link", "readme.txt");
    };
    let build = |first: &dyn Fn(&mut TarWriter)| {
        let mut tw = TarWriter::new();
        first(&mut tw);
        rest(&mut tw);
        tw.finish(EndPadding::Record)
    };
    let clean = build(&|tw| {
        tw.file("docs/readme.txt", readme);
    });
    let pax_header = |name: &str, records: &[(&str, &[u8])]| {
        let body: Vec<u8> = records
            .iter()
            .flat_map(|(k, v)| tarw::pax_record(k, v))
            .collect();
        let h = tarw::header(
            tarw::Flavor::Ustar,
            name.as_bytes(),
            tar::EntryType::XHeader,
            body.len() as u64,
            b"",
        );
        block(&h, &body, b"")
    };
    let variants: Vec<(&str, Vec<u8>)> = vec![
        (
            "pax record",
            build(&|tw| {
                tw.pax_file("docs/readme.txt", readme, &[("comment", id.as_bytes())]);
            }),
        ),
        (
            "pax header name",
            build(&|tw| {
                tw.raw(&pax_header(
                    &format!("PaxHeaders.0/{id}"),
                    &[("mtime", b"1700000000")],
                ));
                tw.file("docs/readme.txt", readme);
            }),
        ),
        (
            "uname",
            build(&|tw| {
                tw.raw(&block(
                    &owned_header("docs/readme.txt", readme.len() as u64, id, "mail"),
                    readme,
                    b"",
                ));
            }),
        ),
        (
            "gname",
            build(&|tw| {
                tw.raw(&block(
                    &owned_header("docs/readme.txt", readme.len() as u64, "mail", id),
                    readme,
                    b"",
                ));
            }),
        ),
        (
            "padding",
            build(&|tw| {
                tw.raw(&block(
                    &owned_header("docs/readme.txt", readme.len() as u64, "mail", "mail"),
                    readme,
                    id.as_bytes(),
                ));
            }),
        ),
        (
            "ustar prefix",
            build(&|tw| {
                tw.ustar_prefixed_file(&long, readme);
            }),
        ),
        (
            "GNU long name",
            build(&|tw| {
                tw.gnu_long_name_file(&long, readme);
            }),
        ),
        ("link name", {
            let mut tw = TarWriter::new();
            tw.file("docs/readme.txt", readme);
            tw.file("Maildir/cur/1700000001.M1P1.host:2,S", &msg);
            tw.symlink("docs/link", id);
            tw.finish(EndPadding::Record)
        }),
        ("GNU long link", {
            let mut tw = TarWriter::new();
            tw.file("docs/readme.txt", readme);
            tw.file("Maildir/cur/1700000001.M1P1.host:2,S", &msg);
            tw.gnu_long_link_symlink("docs/link", &long);
            tw.finish(EndPadding::Record)
        }),
        ("trailer", [clean.as_slice(), id.as_bytes(), b"\n"].concat()),
    ];
    let w = work_with("in.tar", &clean, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", false);
    let v = verify_text(&w, &["out.tar", "--subjects", "request.toml"]);
    assert_eq!(v.run.code, Some(0), "clean\n{}", v.dump());
    for (what, bytes) in variants {
        describe_output(&w, "out.tar", &bytes);
        let v = verify_text(&w, &["out.tar", "--subjects", "request.toml"]);
        assert_eq!(v.check("output").status, "OK", "{what}\n{}", v.dump());
        assert_fails(what, &v, "subjects", &["identifiers found"]);
        assert_no_identifier_shown(what, &v);
    }
}

#[test]
fn verify_rejects_a_hard_link_to_no_earlier_member() {
    let readme = b"Read me.\n".as_slice();
    let build = |links: &[(&str, &str)], before: bool| {
        let mut tw = TarWriter::new();
        tw.dir("docs/");
        if !before {
            tw.file("docs/readme.txt", readme);
        }
        for (path, target) in links {
            tw.hardlink(path, target);
        }
        if before {
            tw.file("docs/readme.txt", readme);
        }
        tw.finish(EndPadding::Record)
    };
    let good = build(
        &[
            ("docs/copy.txt", "docs/readme.txt"),
            ("docs/again.txt", "./docs/readme.txt"),
        ],
        false,
    );
    let w = work_with("in.tar", &good, REQUEST_TOML);
    scrub(&w, "in.tar", "out.tar", false);
    assert_passes(
        "good links",
        &verify_full(&w, "out.tar", "in.tar", None, &[]),
    );
    let cases = [
        (
            "to a missing member",
            build(
                &[
                    ("docs/copy.txt", "docs/missing.txt"),
                    ("docs/again.txt", "docs/readme.txt"),
                ],
                false,
            ),
            "docs/copy.txt",
        ),
        (
            "before its target",
            build(
                &[
                    ("docs/copy.txt", "docs/readme.txt"),
                    ("docs/again.txt", "docs/readme.txt"),
                ],
                true,
            ),
            "docs/copy.txt",
        ),
        (
            "named after the subject",
            build(
                &[
                    ("docs/jane.doe@example.com/copy.txt", "docs/gone.txt"),
                    ("docs/again.txt", "docs/readme.txt"),
                ],
                false,
            ),
            "blake3:",
        ),
    ];
    for (what, bytes, shown) in cases {
        describe_output(&w, "out.tar", &bytes);
        let v = verify_text(&w, &["out.tar", "--subjects", "request.toml"]);
        assert_fails(what, &v, "output", &["hard link", shown]);
        assert_no_identifier_shown(what, &v);
    }
}
