//! What the commands print: a reader that goes away ends a report quietly
//! with success; no report names an identifier, whatever the member paths
//! hold, and none passes terminal control bytes through.

use std::process::{Command, Stdio};

use crate::support::cli::Work;
use crate::support::mail;
use crate::support::tarw::{EndPadding, TarWriter};

const REQUEST: &str = "[[subject]]\nid = \"R-1\"\nemails = [\"jane.doe@example.com\"]\n\
names = [\"Jane Doe\"]\n";

/// A tar whose paths hold the subject's address and name (and a terminal
/// escape), with messages from, to and about her, and enough members that
/// every report is longer than one line.
fn tar_with_identifying_paths() -> Vec<u8> {
    let mut tw = TarWriter::new();
    tw.dir("jane.doe@example.com/");
    for i in 0..40 {
        let from_her = mail::message("jane.doe@example.com", "bob@example.org", "hi", "Hello.\n");
        let about_her = mail::message(
            "bob@example.org",
            "carol@example.org",
            "news",
            "Jane Doe called.\n",
        );
        tw.file(&format!("jane.doe@example.com/cur/{i}.eml"), &from_her);
        tw.file(&format!("Jane Doe \x1b[31m/cur/{i}.eml"), &about_her);
    }
    tw.finish(EndPadding::TwoBlocks)
}

/// Runs `mailscrub args` in `w` with its standard output closed before it
/// writes anything (as `| head -0` would): the exit code and stderr.
fn with_closed_stdout(w: &Work, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("mailscrub"))
        .args(args)
        .current_dir(w.root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mailscrub starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("mailscrub ends");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `list`, `scan`, `verify` (text and JSON) and `hash-id` into a closed
/// pipe: exit 0, nothing on stderr.
#[test]
fn a_reader_that_goes_away_ends_every_report_quietly() {
    let w = Work::new();
    w.write("in", &tar_with_identifying_paths());
    w.request(REQUEST);
    w.scrub(&w.path("request.toml"), &[]).success("scrub");
    let runs: [&[&str]; 7] = [
        &["list", "in"],
        &["list", "--json", "in"],
        &["scan", "--subjects", "request.toml", "in"],
        &["scan", "--json", "--subjects", "request.toml", "in"],
        &["verify", "out"],
        &[
            "verify",
            "--json",
            "--subjects",
            "request.toml",
            "--input",
            "in",
            "out",
        ],
        &["hash-id", "--email", "jane.doe@example.com"],
    ];
    for args in runs {
        let (code, stderr) = with_closed_stdout(&w, args);
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
        assert_eq!(stderr, "", "{args:?}");
    }
}

/// `scrub --output -` into a closed pipe is no report: the backup is cut
/// short, so it fails (exit 2) and writes no manifest.
#[test]
fn a_backup_stream_cut_short_stays_an_error() {
    let w = Work::new();
    w.write("in", &tar_with_identifying_paths());
    w.request(REQUEST);
    let (code, stderr) = with_closed_stdout(
        &w,
        &[
            "scrub",
            "--subjects",
            "request.toml",
            "in",
            "-o",
            "-",
            "--manifest",
            "m.json",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");
    assert!(w.read("m.json").is_none(), "a manifest was written");
}

/// Everything `verify` prints, passing or failing, with and without a
/// request, about members whose input paths hold the address and the
/// name: neither appears, nor the escape byte.
#[test]
fn verify_names_no_identifier_of_a_member_path() {
    let w = Work::new();
    let input = tar_with_identifying_paths();
    w.write("in", &input);
    w.request(REQUEST);
    w.scrub(&w.path("request.toml"), &[]).success("scrub");
    // Another input: one more message in a member whose path identifies.
    let mut other = TarWriter::new();
    other.raw(&input[..input.len() - 1024]);
    let extra = mail::message("bob@example.org", "carol@example.org", "x", "Plain.\n");
    other.file("Jane Doe \x1b[31m/cur/extra.eml", &extra);
    w.write("other", &other.finish(EndPadding::TwoBlocks));
    let runs: [&[&str]; 6] = [
        &["verify", "--input", "in", "out"],
        &[
            "verify",
            "--subjects",
            "request.toml",
            "--input",
            "in",
            "out",
        ],
        &["verify", "--input", "other", "out"],
        &[
            "verify",
            "--subjects",
            "request.toml",
            "--input",
            "other",
            "out",
        ],
        &["verify", "--json", "--input", "other", "out"],
        &[
            "verify",
            "--subjects",
            "request.toml",
            "in",
            "--manifest",
            "out.manifest.json",
        ],
    ];
    let mut failed = 0;
    for args in runs {
        let run = w.run(args, None);
        failed += usize::from(run.code == Some(1));
        let all = [run.stdout.as_slice(), run.stderr.as_bytes()].concat();
        let text = String::from_utf8_lossy(&all).to_lowercase();
        for needle in ["jane.doe", "jane doe", "example.com", "\x1b"] {
            assert!(
                !text.contains(needle),
                "{args:?} prints {needle:?}:\n{text}"
            );
        }
    }
    assert!(failed >= 3, "the runs against other inputs must fail");
}
