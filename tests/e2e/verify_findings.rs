//! Fuzzer findings: `verify` must pass what `scrub` itself wrote. A verify
//! that fails a correct output is a broken CI gate.

use crate::support::cli::Work;
use crate::support::erasure::{VerifyText, verify_text};
use crate::support::tarw::{EndPadding, TarWriter};

const REQUEST: &str =
    "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n";

/// `input` scrubbed (`--strict`) and the result verified with the request
/// and the input.
fn scrub_and_verify(w: &Work, input: &[u8]) -> VerifyText {
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
