//! Issue 14, usability: an existing output is replaced only with `--force`,
//! `scrub --json`, the scrub's closing lines (with a `verify` command that
//! works as shown), the words of every command (plural forms,
//! "uncompressed", ranges in words, policy values), `-q` and the progress
//! stages.

use std::path::Path;

use crate::support::mail::{self, Member};
use crate::support::{EndPadding, Work};

/// The one subject every request here names.
const REQUEST: &str = "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\n";

/// The subject's message.
const FROM_JANE: &str =
    "From a@b Mon Jan  1 00:00:00 2024\nFrom: jane.doe@example.com\nSubject: x\n\nhi\n\n";

/// An mbox of two messages: one from the subject (deleted), one not.
fn mbox() -> Vec<u8> {
    let other = "From a@b Mon Jan  1 00:00:00 2024\nFrom: bob@example.org\nSubject: y\n\nhello\n\n";
    format!("{FROM_JANE}{other}").into_bytes()
}

/// A scratch directory with `in` (the mbox) and `request.toml`.
fn work() -> Work {
    let w = Work::new();
    w.write("in", &mbox());
    w.request(REQUEST);
    w
}

const PREVIOUS: &[u8] = b"a previous backup\n";

#[test]
fn an_existing_output_is_refused_without_force_before_the_input_is_read() {
    let w = work();
    // Not a backup: an error about it would show that the input was read.
    w.write("in", b"not a backup at all\n");
    w.write("out", PREVIOUS);
    let run = w.scrub(&w.path("request.toml"), &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("the output out exists") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert_eq!(w.read("out").as_deref(), Some(PREVIOUS));
    assert!(w.read("out.manifest.json").is_none());

    w.write("in", &mbox());
    let run = w.scrub(&w.path("request.toml"), &["--force"]);
    run.success("--force");
    let out = w.read("out").unwrap();
    assert!(out.starts_with(b"From a@b") && !out.windows(8).any(|x| x == b"jane.doe"));
    assert!(w.read("out.manifest.json").is_some());
}

#[test]
fn an_existing_manifest_is_refused_without_force() {
    let w = work();
    // The default manifest beside a new output.
    w.write("out.manifest.json", PREVIOUS);
    let run = w.scrub(&w.path("request.toml"), &[]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("the manifest out.manifest.json exists")
            && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert!(w.read("out").is_none(), "no output without its manifest");
    assert_eq!(w.read("out.manifest.json").as_deref(), Some(PREVIOUS));

    // `--manifest`, with the output a stream: refused all the same.
    w.write("m.json", PREVIOUS);
    let args = ["scrub", "--subjects", "request.toml", "in", "-o", "-"];
    let run = w.run(&[&args[..], &["--manifest", "m.json"]].concat(), None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("the manifest m.json exists"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
    assert_eq!(w.read("m.json").as_deref(), Some(PREVIOUS));
    let forced = [&args[..], &["--manifest", "m.json", "--force"]].concat();
    let run = w.run(&forced, None).success("--manifest --force");
    assert!(run.stdout.starts_with(b"From a@b"));
    assert_ne!(w.read("m.json").as_deref(), Some(PREVIOUS));
}

#[test]
fn streams_are_not_existing_files() {
    let w = work();
    if !Path::new("/dev/null").exists() {
        eprintln!("skipped: no /dev/null");
        return;
    }
    for _ in 0..2 {
        let args = [
            "scrub",
            "--subjects",
            "request.toml",
            "in",
            "-o",
            "/dev/null",
        ];
        let manifest = w.path("m.json");
        let _ = std::fs::remove_file(&manifest);
        w.run(&[&args[..], &["--manifest", "m.json"]].concat(), None)
            .success("-o /dev/null");
    }
}

/// `name` of the JSON value `v`, as an object.
fn field<'a>(v: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    v.get(name).unwrap_or_else(|| panic!("no `{name}` in {v}"))
}

#[test]
fn scrub_json_is_one_object_whose_counts_are_the_manifests() {
    let w = work();
    // A non-mail member holding an identifier gives a warning: a tar.
    let tar = mail::tar_of(
        &[
            Member::file("mail/inbox", mbox(), "mbox", 2),
            Member::file(
                "notes.txt",
                b"call jane.doe@example.com\n".to_vec(),
                "other",
                0,
            ),
        ],
        EndPadding::Record,
    );
    w.write("in", &tar);
    let run = w
        .scrub(&w.path("request.toml"), &["--json"])
        .success("--json");
    assert!(
        run.stderr.is_empty(),
        "no human summary with --json: {}",
        run.stderr
    );
    let text = run.stdout_text();
    assert_eq!(text.lines().count(), 1, "one line: {text}");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let manifest: serde_json::Value =
        serde_json::from_slice(&w.read("out.manifest.json").unwrap()).unwrap();
    assert_eq!(field(&summary, "totals"), field(&manifest, "totals"));
    assert_eq!(field(&summary, "input"), "in");
    assert_eq!(field(&summary, "output"), "out");
    assert_eq!(field(&summary, "manifest"), "out.manifest.json");
    let warnings = field(&summary, "warnings");
    let listed = field(&manifest, "warnings").as_array().unwrap();
    assert_eq!(listed.len(), 1, "{manifest}");
    assert_eq!(field(warnings, "count"), &serde_json::json!(listed.len()));
    assert_eq!(field(warnings, "list"), field(&manifest, "warnings"));
    assert_eq!(field(warnings, "omitted"), 0);
    for side in ["input", "output"] {
        let stream = field(&summary, &format!("{side}_stream"));
        let record = field(&manifest, side);
        for key in [
            "container",
            "compression",
            "bytes",
            "blake3",
            "members",
            "messages",
        ] {
            assert_eq!(field(stream, key), field(record, key), "{side}.{key}");
        }
    }
    assert!(field(&summary, "seconds").as_f64().unwrap() >= 0.0);
    assert!(!text.contains("jane.doe"), "{text}");

    let run = w.run(
        &[
            "scrub",
            "--subjects",
            "request.toml",
            "in",
            "-o",
            "-",
            "--manifest",
            "m.json",
            "--json",
        ],
        None,
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("--json") && run.stdout.is_empty());
    assert!(w.read("m.json").is_none());
}

#[test]
fn the_summary_names_the_output_and_a_verify_command_that_works() {
    let w = work();
    for output in ["out", "my backup's copy"] {
        let args = ["scrub", "--subjects", "request.toml", "in", "-o", output];
        let run = w.run(&args, None).success(output);
        let lines: Vec<&str> = run.stderr.lines().collect();
        assert_eq!(lines.len(), 3, "{}", run.stderr);
        assert_eq!(
            lines[0],
            "mailscrub: 2 messages read: 1 untouched, 1 deleted (0 after a failed redaction), 0 redacted; 0 warnings"
        );
        // Quotes are escaped as in every message naming a path.
        let shown = output.replace('\'', "\\'");
        assert_eq!(
            lines[1],
            format!(
                "mailscrub: wrote {shown} (mbox, uncompressed, 1 message) and its manifest {shown}.manifest.json"
            )
        );
        let command = lines[2]
            .strip_prefix("mailscrub: check it with: mailscrub verify ")
            .unwrap_or_else(|| panic!("{}", lines[2]));
        let binary = assert_cmd::cargo::cargo_bin("mailscrub");
        let status = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!("'{}' verify {command}", binary.display()))
            .current_dir(w.root())
            .output()
            .expect("sh");
        assert!(
            status.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&status.stdout)
        );
        let report = String::from_utf8_lossy(&status.stdout);
        assert!(report.contains("4 OK, 0 FAILED, 0 skipped"), "{report}");
    }
}

#[test]
fn counts_take_their_plural_and_compression_its_word() {
    let w = work();
    let list = w.run(&["list", "in"], None).success("list");
    let text = list.stdout_text();
    assert!(
        text.contains("1 member, mbox container, uncompressed"),
        "{text}"
    );
    w.write("one", FROM_JANE.as_bytes());
    let scan = w
        .run(&["scan", "--subjects", "request.toml", "one"], None)
        .success("scan");
    assert!(
        scan.stdout_text()
            .ends_with("1 message read: 1 to delete, 0 to redact, 0 untouched; 0 warnings\n"),
        "{}",
        scan.stdout_text()
    );
    w.run(
        &["scrub", "--subjects", "request.toml", "in", "-o", "out"],
        None,
    )
    .success("scrub");
    let verify = w
        .run(&["verify", "--input", "in", "out"], None)
        .success("verify");
    let report = verify.stdout_text();
    assert!(
        report.contains("blake3 matches; 1 member, 1 message;")
            && report.contains("1 message byte-identical")
            && report.contains("0 members dropped"),
        "{report}"
    );
}

#[test]
fn compression_levels_are_ranges_in_words() {
    let w = work();
    for (compress, level, words) in [
        (
            "zstd",
            "40",
            "compression level 40 is out of range for zstd output (levels 1 to 22)",
        ),
        (
            "gzip",
            "10",
            "compression level 10 is out of range for gzip output (levels 0 to 9)",
        ),
        (
            "none",
            "3",
            "compression level 3 is out of range for uncompressed output (level 0 only)",
        ),
    ] {
        let run = w.scrub(
            &w.path("request.toml"),
            &["--compress", compress, "--level", level],
        );
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains(words), "{}", run.stderr);
        assert!(!run.stderr.contains("..="), "{}", run.stderr);
        assert!(w.read("out").is_none());
    }
}

#[test]
fn a_policy_value_and_the_allowed_ones_are_shown() {
    let w = work();
    w.request("[policy]\nsender = \"shred\"\n");
    let run = w.run(&["scan", "--subjects", "request.toml", "in"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains(
            "line 2: key `sender`: unknown value \"shred\" (expected \"delete\" or \"redact\")"
        ),
        "{}",
        run.stderr
    );
    // A subject's name put there by mistake stays hidden.
    w.request("[policy]\nmention = \"Jane\"\n[[subject]]\nid = \"A\"\nnames = [\"Jane Doe\"]\n");
    let run = w.run(&["scan", "--subjects", "request.toml", "in"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("unknown value (expected") && !run.stderr.contains("Jane"),
        "{}",
        run.stderr
    );
}

#[test]
fn verify_names_a_missing_backup_first() {
    let w = work();
    let run = w.run(&["verify", "missing.tar.zst"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("cannot open missing.tar.zst:")
            && !run.stderr.contains("manifest.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn quiet_prints_nothing_but_errors() {
    let w = work();
    let scrub = w
        .run(
            &[
                "scrub",
                "-q",
                "--subjects",
                "request.toml",
                "in",
                "-o",
                "out",
            ],
            None,
        )
        .success("scrub -q");
    assert!(
        scrub.stdout.is_empty() && scrub.stderr.is_empty(),
        "{scrub:?}"
    );
    for args in [
        &["verify", "-q", "out"][..],
        &[
            "verify",
            "-q",
            "--subjects",
            "request.toml",
            "--input",
            "in",
            "out",
        ],
        &["scan", "-q", "--subjects", "request.toml", "in"],
        &["list", "-q", "in"],
    ] {
        let run = w.run(args, None).success(&args.join(" "));
        assert!(
            run.stdout.is_empty() && run.stderr.is_empty(),
            "{args:?}: {run:?}"
        );
    }
    // A failed check still says so by its exit code, with nothing printed.
    w.write("out.manifest.json", b"{}");
    let run = w.run(&["verify", "-q", "out"], None);
    assert_ne!(run.code, Some(0));
    assert!(run.stdout.is_empty(), "{run:?}");
}

#[test]
fn list_prints_no_header_before_an_error() {
    let w = work();
    w.write("junk", b"not a backup at all\n");
    let run = w.run(&["list", "junk"], None);
    assert_eq!(run.code, Some(2));
    assert!(run.stdout.is_empty(), "{}", run.stdout_text());
    assert!(run.stderr.contains("not a mail backup"), "{}", run.stderr);
}

#[test]
fn progress_shows_the_finishing_stage() {
    let w = work();
    let run = w
        .run(
            &[
                "scrub",
                "--progress",
                "--subjects",
                "request.toml",
                "in",
                "-o",
                "out",
            ],
            None,
        )
        .success("--progress");
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("mailscrub: finishing: "))
        .unwrap_or_else(|| panic!("no finishing line: {}", run.stderr));
    assert!(
        line.contains("MiB read (100%), 1 member, 2 messages"),
        "{line}"
    );
}

#[test]
fn verify_says_uncompressed_in_words() {
    let w = work();
    w.scrub(&w.path("request.toml"), &[]).success("scrub");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&w.read("out.manifest.json").unwrap()).unwrap();
    manifest["output"]["compression"] = "gzip".into();
    w.write("out.manifest.json", manifest.to_string().as_bytes());
    let run = w.run(&["verify", "out"], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let report = run.stdout_text();
    assert!(
        report.contains(
            "the output is not compressed, the manifest's output.compression is \"gzip\""
        ),
        "{report}"
    );
    assert!(!report.contains("with none"), "{report}");
}
