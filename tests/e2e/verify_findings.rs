//! Fuzzer findings: `verify` must pass what `scrub` itself wrote. A verify
//! that fails a correct output is a broken CI gate.

use crate::support::cli::Work;
use crate::support::erasure::{VerifyText, read_manifest, verify_text, write_manifest};
use crate::support::tarw::{EndPadding, TarWriter};

const REQUEST: &str =
    "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n";

/// `input` scrubbed (`--strict`) and the result verified with the request
/// and the input.
pub(crate) fn scrub_and_verify(w: &Work, input: &[u8]) -> VerifyText {
    w.write("in", input);
    let request = w.request(REQUEST);
    w.scrub(&request, &["--strict"]).success("scrub");
    verify_text(w, &["--subjects", "request.toml", "--input", "in", "out"])
}

/// F2: two members with one path (an appended copy, as `tar -r` writes),
/// both deleted, are two removals, not one listed twice.
#[test]
fn two_members_with_one_path_both_deleted_verify() {
    let w = Work::new();
    let message = b"From: jane.doe@example.com\nSubject: hi\n\nbody\n";
    let tar = TarWriter::new()
        .file("Maildir/cur/1", message)
        .file("Maildir/cur/1", message)
        .finish(EndPadding::TwoBlocks);
    let v = scrub_and_verify(&w, &tar);
    assert_eq!(v.run.code, Some(0), "{}", v.dump());
}

/// F2, several messages: two copies of one mbox, each with two deleted
/// messages, list the indices 0, 1, 0, 1.
#[test]
fn two_copies_of_one_mbox_verify() {
    let w = Work::new();
    let mbox = b"From a@b Thu Jan  1 00:00:00 2026\nFrom: jane.doe@example.com\n\none\n\n\
From a@b Thu Jan  1 00:00:00 2026\nTo: Jane Doe <jane.doe@example.com>\n\ntwo\n";
    let tar = TarWriter::new()
        .file("archive.mbox", mbox)
        .file("archive.mbox", mbox)
        .finish(EndPadding::TwoBlocks);
    let v = scrub_and_verify(&w, &tar);
    assert_eq!(v.run.code, Some(0), "{}", v.dump());
}

/// F4: a hard link already dangling in the input is written back as it is,
/// recorded as a warning, and verify accepts it.
#[test]
fn a_hard_link_dangling_in_the_input_verifies() {
    let w = Work::new();
    let tar = TarWriter::new()
        .hardlink("notes/link", "notes/missing")
        .finish(EndPadding::TwoBlocks);
    let v = scrub_and_verify(&w, &tar);
    assert_eq!(v.run.code, Some(0), "{}", v.dump());
    let manifest = String::from_utf8(w.read("out.manifest.json").unwrap()).unwrap();
    assert!(
        manifest.contains("dangling-hard-link-in-input"),
        "{manifest}"
    );
    // Without the input, the warning is what lets the link pass.
    let v = verify_text(&w, &["--subjects", "request.toml", "out"]);
    assert_eq!(v.run.code, Some(0), "{}", v.dump());
}

/// A hard link the scrub left dangling (its target deleted) is still a
/// failure: the scrub drops it, and an output that kept it fails.
#[test]
fn a_hard_link_whose_target_was_deleted_is_dropped() {
    let w = Work::new();
    let message = b"From: jane.doe@example.com\nSubject: hi\n\nbody\n";
    let tar = TarWriter::new()
        .file("Maildir/cur/1", message)
        .hardlink("Maildir/cur/2", "Maildir/cur/1")
        .finish(EndPadding::TwoBlocks);
    let v = scrub_and_verify(&w, &tar);
    assert_eq!(v.run.code, Some(0), "{}", v.dump());
    let manifest = String::from_utf8(w.read("out.manifest.json").unwrap()).unwrap();
    assert!(
        !manifest.contains("dangling-hard-link-in-input"),
        "{manifest}"
    );
}

/// The warning is what lets a dangling link of the output pass: without it
/// verify fails the output, and with `--input` the accounting too.
#[test]
fn a_dangling_link_without_its_warning_fails() {
    let w = Work::new();
    let tar = TarWriter::new()
        .hardlink("notes/link", "notes/missing")
        .finish(EndPadding::TwoBlocks);
    scrub_and_verify(&w, &tar);
    let path = w.path("out.manifest.json");
    let mut manifest = read_manifest(&path);
    assert_eq!(
        manifest["warnings"][0]["kind"], "dangling-hard-link-in-input",
        "{manifest}"
    );
    manifest["warnings"].as_array_mut().unwrap().clear();
    manifest["totals"]["warnings"] = 0.into();
    write_manifest(&path, &manifest);
    let v = verify_text(&w, &["--subjects", "request.toml", "out"]);
    assert_eq!(v.run.code, Some(1), "{}", v.dump());
    assert_eq!(v.check("output").status, "FAILED", "{}", v.dump());
    let v = verify_text(&w, &["--subjects", "request.toml", "--input", "in", "out"]);
    assert_eq!(v.check("accounting").status, "FAILED", "{}", v.dump());
    assert!(
        v.check("accounting")
            .detail
            .contains("dangling in the input"),
        "{}",
        v.dump()
    );
}
