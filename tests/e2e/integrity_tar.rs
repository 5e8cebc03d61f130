//! The tar layer of a scrub keeps no identifier in any header byte or
//! padding, keeps hard links extractable, drops exactly the stale
//! Thunderbird summaries, ends on endless zeros, and counts empty members as
//! holding no message (issue "Integrity", tar side).
//!
//! Archives are made by GNU tar itself where the issue is about what GNU tar
//! writes (`--format=gnu`, `--format=posix`, hard links) and extracted with
//! it again; hand-made ones (`support::tarw`) where no tar writes such bytes.

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::planted;
use crate::support::erasure::{argv, leaked_forms, read_manifest, verify_text};
use crate::support::mail;
use crate::support::unpack::tar_members;
use crate::support::*;

const TAR: &str = "/usr/bin/tar";

/// True when GNU tar is installed; otherwise says on stderr that the test skips.
fn have_gnu_tar(test: &str) -> bool {
    let found = Command::new(TAR)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("GNU tar"));
    if !found {
        eprintln!("{test}: skipped, GNU tar is not installed at {TAR}");
    }
    found
}

/// Runs GNU tar in `dir`; panics unless it exits 0.
fn gnu_tar(dir: &Path, args: &[&str]) {
    let out = Command::new(TAR)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run tar");
    assert!(
        out.status.success(),
        "tar {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes `bytes` to `dir/path`, creating its folders.
fn put(dir: &Path, path: &str, bytes: &[u8]) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write");
}

/// Every form of the planted identifiers, plus the address URL-encoded.
fn forms() -> Vec<(String, String)> {
    let mut forms = planted::identifier_forms();
    forms.push(("email %40".into(), "jane.doe%40example.com".into()));
    forms
}

/// Scrubs `input` to `output` in `w` (request already written) and returns
/// the manifest.
fn scrub(w: &Work, input: &str, output: &str) -> Value {
    w.run(
        &argv(&["scrub", "--subjects", "request.toml", input, "-o", output]),
        None,
    )
    .success(&format!("scrub {input}"));
    read_manifest(&w.path(&format!("{output}.manifest.json")))
}

/// Runs `verify` with the input and the request; the failure report if any.
fn verify_fails(w: &Work, input: &str, output: &str) -> Option<String> {
    let v = verify_text(w, &[output, "--subjects", "request.toml", "--input", input]);
    (v.run.code != Some(0) || v.summary != "4 OK, 0 FAILED, 0 skipped").then(|| v.dump())
}

/// The manifest's `drop` removals as (member, reason).
fn drops(manifest: &Value) -> BTreeSet<(String, String)> {
    manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| r["action"] == "drop")
        .map(|r| {
            (
                r["member"].as_str().unwrap_or("?").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// A fresh folder `name` inside `w` for GNU tar to extract into.
fn extract(w: &Work, archive: &str, name: &str) -> std::path::PathBuf {
    let dir = w.path(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    gnu_tar(
        w.root(),
        &[
            "-xf",
            archive,
            "-C",
            name,
            "--no-same-owner",
            "--no-same-permissions",
        ],
    );
    dir
}

// --------------------------------------------------------------- item 1

/// The long Maildir file name of [`virtual_layout`].
fn long_name() -> String {
    format!(
        "1700000000.M123456P7890.mailhost.backup-cluster-03.example.org.{}:2,S",
        "x".repeat(60)
    )
}

/// A Dovecot/Postfix virtual layout (`domain/user@domain/Maildir/...`) in
/// `tree`: a kept message under a name too long for a ustar header, a
/// message from the subject elsewhere, symbolic links (one with a long
/// target) and a top-level file. Returns the kept message.
fn virtual_layout(tree: &Path) -> Vec<u8> {
    let user = "example.com/jane.doe@example.com";
    let long = long_name();
    let kept = planted::text("i1-kept", "Plain news for Carol.\n");
    let from_jane = planted::msg("i1-del", &[("From", planted::EMAIL)], &[], b"Hi.\n");
    put(tree, &format!("{user}/Maildir/cur/{long}"), &kept);
    put(
        tree,
        "example.com/bob/Maildir/cur/1700000001.M1P1.h:2,S",
        &from_jane,
    );
    put(tree, "notes.txt", b"Nothing to see.\n");
    std::os::unix::fs::symlink(
        format!("Maildir/cur/{long}"),
        tree.join(format!("{user}/latest")),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        format!("../../{user}/Maildir/cur/{long}"),
        tree.join(format!("{user}/far")),
    )
    .expect("symlink");
    kept
}

/// Checks a scrub of the [`virtual_layout`] made by `tool`: no identifier in
/// any byte, the output extracts with GNU tar to the renamed tree, the owner
/// is the numeric id, and `verify` passes.
fn check_virtual_layout(w: &Work, tool: &str, kept: &[u8]) {
    let input = w.read("in.tar").expect("input");
    assert!(
        !leaked_forms(&input, &forms()).is_empty(),
        "{tool}: the fixture holds no identifier"
    );
    let manifest = scrub(w, "in.tar", "out.tar");
    let out = w.read("out.tar").expect("output");
    let leaks = leaked_forms(&out, &forms());
    assert!(leaks.is_empty(), "{tool}: the output holds {leaks:?}");
    let x = extract(w, "out.tar", "x");
    let long = long_name();
    assert_eq!(
        std::fs::read(x.join(format!("example.com/erased/Maildir/cur/{long}")))
            .ok()
            .as_deref(),
        Some(kept),
        "{tool}: the kept message is not under its new name"
    );
    assert_eq!(
        std::fs::read_link(x.join("example.com/erased/latest")).expect("symlink"),
        Path::new(&format!("Maildir/cur/{long}")),
        "{tool}: symlink target"
    );
    assert_eq!(
        std::fs::read_link(x.join("example.com/erased/far")).expect("symlink"),
        Path::new(&format!("../../example.com/erased/Maildir/cur/{long}")),
        "{tool}: long symlink target"
    );
    assert_eq!(
        std::fs::read(x.join("notes.txt")).expect("notes"),
        b"Nothing to see.\n"
    );
    let listing = tar_listing(&out);
    let notes = listing
        .iter()
        .find(|l| l.path == "notes.txt")
        .expect("notes");
    assert_eq!(&notes.header[265..269], b"1000", "{tool}: uname");
    assert_eq!(
        manifest["totals"]["deleted"], 1,
        "{tool}: {}",
        manifest["totals"]
    );
    if let Some(why) = verify_fails(w, "in.tar", "out.tar") {
        panic!("{tool}: verify fails:\n{why}");
    }
}

/// The virtual layout packed by GNU tar (`--format=gnu` and `posix`) with
/// the subject as owner and group and in pax comments: every name field,
/// the pax header names, the GNU long name and link, the owner names and
/// the comments lose the identifier; a clean member appended by another run
/// stays byte-identical.
#[test]
fn gnu_tar_headers_keep_no_identifier() {
    if !have_gnu_tar("gnu_tar_headers_keep_no_identifier") {
        return;
    }
    for format in ["gnu", "posix"] {
        let w = Work::new();
        w.request(&planted::request_toml());
        let tree = w.path("tree");
        let kept = virtual_layout(&tree);
        let owner = format!("--owner={}:1000", planted::EMAIL);
        let group = format!("--group={}:1000", planted::EMAIL);
        let fmt = format!("--format={format}");
        let mut args = vec![
            "-cf",
            "../in.tar",
            &fmt,
            "--sort=name",
            "--mtime=@1700000000",
            &owner,
            &group,
        ];
        if format == "posix" {
            args.push("--pax-option=comment:=jane.doe@example.com,note=Jane Doe");
        }
        args.extend(["example.com", "notes.txt"]);
        gnu_tar(&tree, &args);
        put(&tree, "clean.txt", b"Clean.\n");
        gnu_tar(
            &tree,
            &[
                "-rf",
                "../in.tar",
                &fmt,
                "--owner=mail:8",
                "--group=mail:8",
                "clean.txt",
            ],
        );
        check_virtual_layout(&w, &format!("GNU tar {format}"), &kept);
        let clean = |tar: &[u8]| {
            tar_listing(tar)
                .into_iter()
                .find(|l| l.path == "clean.txt")
                .expect("clean.txt")
        };
        assert_eq!(
            clean(&w.read("in.tar").expect("input")),
            clean(&w.read("out.tar").expect("output")),
            "{format}: clean member changed"
        );
    }
}

/// The same with bsdtar (libarchive), which writes the owner names into its
/// pax extension blocks too and the cut link target into its long-link block.
#[test]
fn bsdtar_headers_keep_no_identifier() {
    if !have_gnu_tar("bsdtar_headers_keep_no_identifier") {
        return;
    }
    if Command::new("bsdtar").arg("--version").output().is_err() {
        eprintln!("bsdtar_headers_keep_no_identifier: skipped, bsdtar is not installed");
        return;
    }
    for format in ["pax", "gnutar"] {
        let w = Work::new();
        w.request(&planted::request_toml());
        let tree = w.path("tree");
        let kept = virtual_layout(&tree);
        let status = Command::new("bsdtar")
            .current_dir(&tree)
            .args([
                &format!("--format={format}"),
                "--uname",
                planted::EMAIL,
                "--gname",
                planted::EMAIL,
                "--uid",
                "1000",
                "--gid",
                "1000",
                "-cf",
                "../in.tar",
                "example.com",
                "notes.txt",
            ])
            .status()
            .expect("run bsdtar");
        assert!(status.success(), "bsdtar --format={format} failed");
        check_virtual_layout(&w, &format!("bsdtar {format}"), &kept);
    }
}

/// Header bytes outside the fields that can be cleaned are not passed on:
/// a pax xattr record with the address is left out (the member stays), an
/// address in the unused tail of a ustar header block drops the member.
#[test]
fn header_bytes_that_cannot_be_cleaned_drop_the_member() {
    let mut tw = TarWriter::new();
    tw.pax_file(
        "docs/report.txt",
        b"Quarterly report.\n",
        &[
            ("path", b"docs/report.txt"),
            ("SCHILY.xattr.user.owner", planted::EMAIL.as_bytes()),
            ("mtime", b"1700000000.5"),
        ],
    );
    tw.file_with_header_bytes("docs/odd.txt", b"Odd.\n", 500, planted::TERM.as_bytes());
    tw.file_with_header_bytes(
        "docs/odd.eml",
        &planted::text("i1-odd", "Odd.\n"),
        500,
        planted::TERM.as_bytes(),
    );
    tw.file("docs/fine.txt", b"Fine.\n");
    tw.file("docs/fine.eml", &planted::text("i1-fine", "Fine.\n"));
    let input = tw.finish(EndPadding::Record);
    let w = Work::new();
    w.write("in.tar", &input);
    w.request(&planted::request_toml());
    let manifest = scrub(&w, "in.tar", "out.tar");
    let out = w.read("out.tar").expect("output");
    let leaks = leaked_forms(&out, &forms());
    assert!(leaks.is_empty(), "the output holds {leaks:?}");
    let listing = tar_listing(&out);
    assert_eq!(
        paths(&listing),
        ["docs/report.txt", "docs/fine.txt", "docs/fine.eml"],
        "members"
    );
    assert_eq!(manifest["output"]["messages"], 1, "{}", manifest["output"]);
    assert_eq!(
        listing[0].pax,
        ["path=docs/report.txt", "mtime=1700000000.5"]
    );
    let reasons: Vec<String> = drops(&manifest)
        .into_iter()
        .map(|(member, reason)| format!("{member}: {reason}"))
        .collect();
    assert_eq!(
        reasons,
        [
            "docs/odd.eml: tar header holds an identifier that cannot be removed",
            "docs/odd.txt: tar header holds an identifier that cannot be removed"
        ]
    );
    if let Some(why) = verify_fails(&w, "in.tar", "out.tar") {
        panic!("verify fails:\n{why}");
    }
}

// --------------------------------------------------------------- item 2

/// Bytes hidden in the padding after a member's data (and behind a pax
/// `size` that is too small) never reach the output unsearched; an address
/// that runs from the data into the padding is found too.
#[test]
fn identifiers_in_tar_padding_become_zeros() {
    let kept = planted::text("i2-kept", "Nothing here.\n");
    let name = mail::maildir_name(1, kept.len(), Some("S"));
    let mut tw = TarWriter::new();
    tw.dir("u/")
        .file_with_padding("u/notes.txt", b"write to jane.doe@exa", b"mple.com soon")
        .file_with_padding(&format!("u/cur/{name}"), &kept, b"\nJane Doe\n");
    let hidden = [b"Hello.\n".as_slice(), b"Cc: jane.doe@example.com\n"].concat();
    tw.pax_file("u/short.txt", &hidden, &[("size", b"7")]);
    tw.file_with_padding("u/zeros.txt", b"Clean.\n", &[0u8; 32]);
    let input = tw.finish(EndPadding::Record);
    let w = Work::new();
    w.write("in.tar", &input);
    w.request(&planted::request_toml());
    scrub(&w, "in.tar", "out.tar");
    let out = w.read("out.tar").expect("output");
    let leaks = leaked_forms(&out, &forms());
    assert!(leaks.is_empty(), "the output holds {leaks:?}");
    assert!(
        !out.windows(8).any(|b| b == b"mple.com"),
        "the padding half of the address is left"
    );
    let members: Vec<(String, Vec<u8>)> = tar_members(&out)
        .into_iter()
        .map(|(path, _, data)| (path, data))
        .collect();
    let want: Vec<(String, Vec<u8>)> = vec![
        ("u/".into(), Vec::new()),
        ("u/notes.txt".into(), b"write to jane.doe@exa".to_vec()),
        (format!("u/cur/{name}"), kept.clone()),
        ("u/short.txt".into(), b"Hello.\n".to_vec()),
        ("u/zeros.txt".into(), b"Clean.\n".to_vec()),
    ];
    assert_eq!(members, want);
    assert_eq!(out.len(), input.len(), "the layout of the blocks changed");
    if let Some(why) = verify_fails(&w, "in.tar", "out.tar") {
        panic!("verify fails:\n{why}");
    }
}

// --------------------------------------------------------------- item 3

/// Hard links made by GNU tar follow their target: removed with a deleted
/// message or a dropped header cache, renamed with a renamed file or a
/// Maildir file whose size changed; GNU tar extracts the output.
#[test]
fn hard_links_follow_their_targets() {
    if !have_gnu_tar("hard_links_follow_their_targets") {
        return;
    }
    let w = Work::new();
    w.request(&planted::request_toml());
    let tree = w.path("tree");
    let from_jane = planted::msg("i3-del", &[("From", planted::EMAIL)], &[], b"Hi.\n");
    let mention = planted::text("i3-red", "Write to jane.doe@example.com about it.\n");
    let deleted = format!(
        "Maildir/cur/{}",
        mail::maildir_name(1, from_jane.len(), Some("S"))
    );
    let redacted = format!(
        "Maildir/cur/{}",
        mail::maildir_name(2, mention.len(), Some("S"))
    );
    put(&tree, &deleted, &from_jane);
    put(&tree, &redacted, &mention);
    put(&tree, "Maildir/dovecot.index.cache", b"cached subjects\n");
    put(&tree, "users/jane.doe@example.com/notes.txt", b"Notes.\n");
    std::fs::create_dir_all(tree.join("keep")).expect("mkdir");
    for (target, link) in [
        (deleted.as_str(), "keep/copy-of-deleted"),
        (redacted.as_str(), "keep/copy-of-redacted"),
        (
            "users/jane.doe@example.com/notes.txt",
            "keep/copy-of-renamed",
        ),
        ("Maildir/dovecot.index.cache", "keep/copy-of-cache"),
        ("Maildir/dovecot.index.cache", "Maildir/zz-copy-of-cache"),
    ] {
        std::fs::hard_link(tree.join(target), tree.join(link)).expect("ln");
    }
    gnu_tar(
        &tree,
        &[
            "-cf",
            "../in.tar",
            "--sort=name",
            "Maildir",
            "users",
            "keep",
        ],
    );
    let input = w.read("in.tar").expect("input");
    let links = tar_listing(&input)
        .iter()
        .filter(|l| l.kind == b'1')
        .count();
    assert_eq!(links, 5, "GNU tar stored the copies as hard links");
    let manifest = scrub(&w, "in.tar", "out.tar");
    let x = extract(&w, "out.tar", "x");
    match Command::new("bsdtar").arg("--version").output() {
        Ok(_) => {
            std::fs::create_dir_all(w.path("bsd")).expect("mkdir");
            let out = Command::new("bsdtar")
                .current_dir(w.root())
                .args(["-xf", "out.tar", "-C", "bsd"])
                .output()
                .expect("run bsdtar");
            assert!(
                out.status.success(),
                "bsdtar cannot extract the output: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Err(_) => eprintln!("hard_links_follow_their_targets: bsdtar not installed, not tried"),
    }
    for gone in [
        "keep/copy-of-deleted",
        "keep/copy-of-cache",
        "Maildir/zz-copy-of-cache",
        "Maildir/dovecot.index.cache",
    ] {
        assert!(!x.join(gone).exists(), "{gone} is still there");
    }
    let inode = |p: &str| std::fs::metadata(x.join(p)).map(|m| m.ino()).ok();
    assert_eq!(
        inode("keep/copy-of-renamed"),
        inode("users/erased/notes.txt"),
        "the link to the renamed file"
    );
    let out = w.read("out.tar").expect("output");
    let redacted_now = tar_members(&out)
        .into_iter()
        .find(|(p, kind, _)| p.starts_with("Maildir/cur/1700000002.") && *kind == b'0')
        .map(|(p, _, _)| p)
        .expect("the redacted message");
    assert_ne!(redacted_now, redacted, "the redaction changed the size");
    assert!(inode(&redacted_now).is_some());
    assert_eq!(
        inode("keep/copy-of-redacted"),
        inode(&redacted_now),
        "the link to the redacted message"
    );
    let dropped: BTreeSet<(String, String)> = drops(&manifest)
        .into_iter()
        .filter(|(m, _)| m != "Maildir/dovecot.index.cache")
        .collect();
    let reason = "hard link to a member that was left out".to_owned();
    assert_eq!(
        dropped,
        [
            ("Maildir/zz-copy-of-cache".to_owned(), reason.clone()),
            ("keep/copy-of-cache".to_owned(), reason.clone()),
            ("keep/copy-of-deleted".to_owned(), reason),
        ]
        .into_iter()
        .collect()
    );
}

// --------------------------------------------------------------- item 4

/// A Thunderbird `X.msf` indexes the mbox `X` only: it goes when `X`
/// changes, not when a mailbox in `X.sbd/` below it changes.
#[test]
fn thunderbird_summaries_go_only_with_their_own_mailbox() {
    let mbox = |id: &str, from: &str| {
        planted::mbox_of(
            &[(from, planted::msg(id, &[("From", from)], &[], b"Hi.\n"))],
            "\n",
        )
    };
    let dir = "tb/Mail/Local Folders/";
    let summary = |name: &str| format!("// <!-- <mdb:mork:z v=\"1.4\"/> {name} -->\n").into_bytes();
    let mut tw = TarWriter::new();
    tw.dir("tb/")
        .dir("tb/Mail/")
        .dir(dir)
        .file(&format!("{dir}Archive.msf"), &summary("archive"))
        .file(&format!("{dir}Archive"), &mbox("i4-a", "bob@example.org"))
        .dir(&format!("{dir}Archive.sbd/"))
        .file(&format!("{dir}Archive.sbd/Old.msf"), &summary("old"))
        .file(
            &format!("{dir}Archive.sbd/Old"),
            &mbox("i4-o", planted::EMAIL),
        )
        .file(&format!("{dir}Inbox.msf"), &summary("inbox"))
        .file(&format!("{dir}Inbox"), &mbox("i4-i", planted::EMAIL))
        .file(&format!("{dir}Sent.msf"), &summary("sent"))
        .file(&format!("{dir}Sent"), &mbox("i4-s", "carol@example.org"));
    let input = tw.finish(EndPadding::Record);
    let w = Work::new();
    w.write("in.tar", &input);
    w.request(&planted::request_toml());
    let manifest = scrub(&w, "in.tar", "out.tar");
    let dropped: BTreeSet<String> = drops(&manifest).into_iter().map(|(m, _)| m).collect();
    assert_eq!(
        dropped,
        [
            format!("{dir}Archive.sbd/Old.msf"),
            format!("{dir}Inbox.msf")
        ]
        .into_iter()
        .collect()
    );
    let out = w.read("out.tar").expect("output");
    let kept: Vec<String> = tar_members(&out)
        .into_iter()
        .map(|(p, _, _)| p)
        .filter(|p| p.ends_with(".msf"))
        .collect();
    assert_eq!(
        kept,
        [format!("{dir}Archive.msf"), format!("{dir}Sent.msf")]
    );
    if let Some(why) = verify_fails(&w, "in.tar", "out.tar") {
        panic!("verify fails:\n{why}");
    }
}

// --------------------------------------------------------------- item 5

/// Zeros after the end-of-archive marker are read up to a bound, then are
/// trailing bytes, which are bounded too: 64 MiB of zeros on standard input
/// end in exit 2 naming the offset, quickly, with no output.
#[test]
fn endless_zeros_after_the_archive_end_in_an_error() {
    let mut tw = TarWriter::new();
    tw.file("a.txt", b"A.\n");
    let archive = tw.finish(EndPadding::TwoBlocks);
    let mut input = archive.clone();
    input.resize(input.len() + (64 << 20), 0);
    let w = Work::new();
    w.request(&planted::request_toml());
    let started = Instant::now();
    let run = w.run(
        &argv(&["scrub", "--subjects", "request.toml", "-", "-o", "out.tar"]),
        Some(&input),
    );
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        run.stderr.contains("after the tar end-of-archive marker"),
        "{}",
        run.stderr
    );
    assert_eq!(
        reported_offset(&run.stderr),
        Some(archive.len() as u64 - 1024 + (1 << 20)),
        "{}",
        run.stderr
    );
    assert!(w.read("out.tar").is_none(), "an output exists");
}

/// Up to 1 MiB of zeros after the marker is the marker; up to 1 MiB more
/// are trailing bytes: both come back byte for byte.
#[test]
fn long_zero_padding_still_round_trips() {
    let mut tw = TarWriter::new();
    tw.file("a.txt", b"A.\n");
    let mut input = tw.finish(EndPadding::Record);
    input.resize(input.len() + (3 << 19) + 100, 0);
    input.extend_from_slice(b"junk after the zeros");
    assert_roundtrip("1.5 MiB of zeros", &input, true);
    let mut gz = TarWriter::new();
    gz.file("b.txt", b"B.\n");
    assert_roundtrip(
        "gzip, 10240-byte records",
        &wrap(&gz.finish(EndPadding::Record), Wrap::Gzip),
        true,
    );
}

// --------------------------------------------------------------- item 6

/// An empty member holds no message, whatever its format: `list` and the
/// scrub's manifest count 0 for an empty Maildir file, an empty `.eml` and
/// an mbox the scrub emptied, and the empty members stay.
#[test]
fn empty_members_hold_no_message() {
    let from_jane = planted::msg("i6-del", &[("From", planted::EMAIL)], &[], b"Hi.\n");
    let mut tw = TarWriter::new();
    tw.dir("u/")
        .file("u/cur/1700000000.M1P1.h,S=0:2,S", b"")
        .file("u/empty.eml", b"")
        .file(
            "u/inbox.mbox",
            &planted::mbox_of(&[(planted::EMAIL, from_jane)], "\n"),
        )
        .file(
            "u/cur/1700000001.M2P2.h:2,S",
            &planted::text("i6-k", "Kept.\n"),
        );
    let input = tw.finish(EndPadding::Record);
    let w = Work::new();
    w.write("in.tar", &input);
    w.request(&planted::request_toml());
    let list = |name: &str| {
        let run = w.run(&["list", name, "--json"], None).success("list");
        let summary: Value =
            serde_json::from_str(run.stdout_text().lines().last().expect("summary line"))
                .expect("JSON");
        summary["messages"].clone()
    };
    assert_eq!(list("in.tar"), 2, "list of the input");
    let manifest = scrub(&w, "in.tar", "out.tar");
    assert_eq!(manifest["input"]["messages"], 2, "{}", manifest["input"]);
    assert_eq!(manifest["output"]["messages"], 1, "{}", manifest["output"]);
    assert_eq!(manifest["output"]["members"], 5, "{}", manifest["output"]);
    assert_eq!(list("out.tar"), 1, "list of the output");
    let out = w.read("out.tar").expect("output");
    let empty: Vec<String> = tar_members(&out)
        .into_iter()
        .filter(|(p, kind, data)| *kind == b'0' && data.is_empty() && !p.ends_with('/'))
        .map(|(p, _, _)| p)
        .collect();
    assert_eq!(
        empty,
        [
            "u/cur/1700000000.M1P1.h,S=0:2,S",
            "u/empty.eml",
            "u/inbox.mbox"
        ]
    );
}
