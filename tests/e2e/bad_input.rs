//! Bad inputs: exit code 2, a precise `mailscrub: error: ...` on stderr naming the
//! member and an `offset`, and no (or an untouched) output file.

use std::ffi::OsStr;
use std::io::{Read, Write};

use crate::support::mail::{self, Member, tar_of};
use crate::support::*;

const PREVIOUS: &[u8] = b"previous content of out\n";

/// Which offset the error must report.
#[derive(Clone, Copy, Debug)]
enum Offset {
    /// Any number after the word `offset`.
    Any,
    /// A number in `lo..hi` (e.g. inside the bad header).
    Within(u64, u64),
}

struct Case {
    name: &'static str,
    input: Vec<u8>,
    extra: &'static [&'static str],
    /// Each group: at least one of its words must appear in lowercased stderr.
    words: Vec<Vec<String>>,
    offset: Offset,
}

fn any(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| w.to_string()).collect()
}

fn truncation() -> Vec<String> {
    any(&[
        "truncat",
        "unexpected end",
        "eof",
        "incomplete",
        "premature",
    ])
}

fn unrecognised() -> Vec<String> {
    any(&[
        "unrecognized",
        "unrecognised",
        "unknown",
        "not a",
        "unsupported",
        "format",
        "detect",
    ])
}

fn size_words() -> Vec<String> {
    any(&["max-message-size", "too large", "size", "limit", "exceed"])
}

fn mixed_tar() -> Vec<u8> {
    tar_of(&mail::mixed_fixture(), EndPadding::Record)
}

/// A zstd frame with a content checksum, so flipped literal bytes are detected.
fn zstd_with_checksum(data: &[u8]) -> Vec<u8> {
    let mut enc = zstd::stream::write::Encoder::new(Vec::new(), 3).expect("encoder");
    enc.include_checksum(true).expect("checksum flag");
    enc.write_all(data).expect("write");
    enc.finish().expect("finish")
}

fn decodes(data: &[u8]) -> bool {
    let mut sink = Vec::new();
    match sniff(data) {
        Compression::Gzip => flate2::read::MultiGzDecoder::new(data)
            .read_to_end(&mut sink)
            .is_ok(),
        Compression::Zstd => zstd::stream::read::Decoder::new(data)
            .and_then(|mut d| d.read_to_end(&mut sink))
            .is_ok(),
        Compression::None => true,
    }
}

/// A tar whose member `victim` starts at a known offset; returns (tar, header offset, path).
fn tar_with_victim(corrupt_checksum: bool) -> (Vec<u8>, usize, String) {
    let mut tw = TarWriter::new();
    tw.dir("alice/").dir("alice/cur/");
    tw.file(
        "alice/cur/1700000001.M1P1.host,S=10:2,S",
        &mail::message("a@example.com", "b@example.org", "one", "1\n"),
    );
    let at = tw.offset();
    let victim = "alice/cur/1700000002.M2P2.host,S=10:2,S".to_owned();
    tw.file(
        &victim,
        &mail::message("c@example.com", "b@example.org", "two", &"x".repeat(3000)),
    );
    tw.file(
        "alice/cur/1700000003.M3P3.host,S=10:2,S",
        &mail::message("d@example.com", "b@example.org", "three", "3\n"),
    );
    let mut tar = tw.finish(EndPadding::Record);
    if corrupt_checksum {
        tar[at + 148..at + 154].copy_from_slice(b"012345");
    }
    (tar, at, victim)
}

/// A tar whose second header has text in its size field (valid checksum);
/// returns (tar, header offset).
fn tar_with_text_size() -> (Vec<u8>, usize) {
    let (mut tar, at, _) = tar_with_victim(false);
    let h = &mut tar[at..at + 512];
    h[124..136].copy_from_slice(b"not-octal!!\0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    (tar, at)
}

fn big_message() -> Vec<u8> {
    mail::message(
        "erin@example.org",
        "alice@example.com",
        "big",
        &"0123456789abcdef\n".repeat(300),
    )
}

fn cases() -> Vec<Case> {
    let tar = mixed_tar();
    let gz = wrap(&tar, Wrap::Gzip);
    let zst = zstd_with_checksum(&tar);
    let (trunc_tar, victim_at, victim) = tar_with_victim(false);
    let (bad_sum, bad_at, bad_name) = tar_with_victim(true);
    let cut = victim_at + 512 + 1000; // inside the victim's data
    let mut maildir_big = mail::maildir_fixture();
    let big_path = format!(
        "bob/cur/{}",
        mail::maildir_name(99, big_message().len(), Some("S"))
    );
    maildir_big.push(Member::file(&big_path, big_message(), "maildir", 1));
    let small = mail::message("alice@example.com", "bob@example.org", "small", "hi\n");
    let mbox_big = mail::mbox(
        &[small.clone(), big_message(), small],
        mail::Quoting::Mboxrd,
        "\n",
    );
    let tar_mbox_big = tar_of(
        &[Member::file(
            "archive/big.mbox",
            mbox_big.clone(),
            "mbox",
            3,
        )],
        EndPadding::Record,
    );
    let corrupt_gz = corrupt_middle(&gz);
    let corrupt_zst = corrupt_middle(&zst);
    let (trunc_gz, trunc_zst) = (
        gz[..gz.len() * 6 / 10].to_vec(),
        zst[..zst.len() * 6 / 10].to_vec(),
    );
    for (name, bad) in [
        ("gz", &corrupt_gz),
        ("zst", &corrupt_zst),
        ("gz cut", &trunc_gz),
        ("zst cut", &trunc_zst),
    ] {
        assert!(
            !decodes(bad),
            "fixture {name}: the damage must be detectable by a decoder"
        );
    }
    vec![
        Case {
            name: "truncated gzip",
            input: trunc_gz,
            extra: &[],
            words: vec![any(&["gzip", "deflate"]), truncation()],
            offset: Offset::Any,
        },
        Case {
            name: "corrupt gzip",
            input: corrupt_gz,
            extra: &[],
            words: vec![any(&[
                "gzip", "deflate", "crc", "corrupt", "checksum", "invalid",
            ])],
            offset: Offset::Any,
        },
        Case {
            name: "truncated zstd",
            input: trunc_zst,
            extra: &[],
            words: vec![any(&["zstd", "zst", "frame"]), truncation()],
            offset: Offset::Any,
        },
        Case {
            name: "corrupt zstd",
            input: corrupt_zst,
            extra: &[],
            words: vec![any(&["zstd", "frame", "checksum", "corrupt"])],
            offset: Offset::Any,
        },
        Case {
            name: "truncated tar (mid-member data)",
            input: trunc_tar[..cut].to_vec(),
            extra: &[],
            words: vec![any(&[&victim]), truncation()],
            offset: Offset::Any,
        },
        Case {
            name: "tar header with bad checksum",
            input: bad_sum,
            extra: &[],
            words: vec![any(&["checksum"])],
            offset: Offset::Within(bad_at as u64, bad_at as u64 + 512),
        },
        Case {
            name: "tar header with text in its size field",
            input: tar_with_text_size().0,
            extra: &[],
            words: vec![any(&["size field is not a number"])],
            offset: Offset::Within(
                tar_with_text_size().1 as u64,
                tar_with_text_size().1 as u64 + 512,
            ),
        },
        Case {
            name: "empty input",
            input: Vec::new(),
            extra: &[],
            words: vec![any(&[
                "empty",
                "no data",
                "0 bytes",
                "unrecognized",
                "unrecognised",
                "unknown",
            ])],
            offset: Offset::Any,
        },
        Case {
            name: "random binary",
            input: XorShift::new(7).bytes(4096),
            extra: &[],
            words: vec![unrecognised()],
            offset: Offset::Any,
        },
        Case {
            name: "PNG file",
            input: mail::png_like(),
            extra: &[],
            words: vec![unrecognised()],
            offset: Offset::Any,
        },
        Case {
            name: "Maildir message over --max-message-size",
            input: wrap(&tar_of(&maildir_big, EndPadding::Record), Wrap::Zstd),
            extra: &["--max-message-size", "4096"],
            words: vec![any(&[&big_path]), size_words()],
            offset: Offset::Any,
        },
        Case {
            name: "mbox message in a tar over --max-message-size",
            input: tar_mbox_big,
            extra: &["--max-message-size", "4096"],
            words: vec![any(&["archive/big.mbox"]), size_words()],
            offset: Offset::Any,
        },
        Case {
            name: "bare mbox message over --max-message-size",
            input: mbox_big,
            extra: &["--max-message-size", "4096"],
            words: vec![size_words()],
            offset: Offset::Any,
        },
    ]
    .into_iter()
    .chain(std::iter::once(Case {
        name: "tar header with bad checksum names the member or its offset",
        input: tar_with_victim(true).0,
        extra: &[],
        words: vec![any(&[&bad_name, &format!("{bad_at}")])],
        offset: Offset::Any,
    }))
    .collect()
}

/// Everything wrong with one run of a bad-input case (empty = fine).
fn problems(case: &Case, w: &Work, run: &Run, existing: bool) -> Vec<String> {
    let mut p = Vec::new();
    let err = run.stderr.to_lowercase();
    if run.code != Some(2) {
        p.push(format!("exit code {:?}, want 2", run.code));
    }
    if !run.stderr.contains("mailscrub: error: ") {
        p.push("stderr lacks `mailscrub: error: `".into());
    }
    for group in &case.words {
        if !group.iter().any(|word| err.contains(&word.to_lowercase())) {
            p.push(format!("stderr mentions none of {group:?}"));
        }
    }
    match (case.offset, reported_offset(&run.stderr)) {
        (_, None) => p.push("stderr has no `offset <number>`".into()),
        (Offset::Within(lo, hi), Some(n)) if !(lo..hi).contains(&n) => {
            p.push(format!("offset {n} not in {lo}..{hi}"))
        }
        _ => {}
    }
    match (existing, w.read("out")) {
        (false, Some(_)) => p.push("output file exists after failure".into()),
        (true, Some(b)) if b != PREVIOUS => p.push("pre-existing output was modified".into()),
        (true, None) => p.push("pre-existing output was deleted".into()),
        _ => {}
    }
    let stray: Vec<String> = std::fs::read_dir(w.root())
        .expect("read scratch dir")
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| !["in", "out", "request.toml"].contains(&n.as_str()))
        .collect();
    if !stray.is_empty() {
        p.push(format!("temporary files left behind: {stray:?}"));
    }
    p
}

#[test]
fn bad_inputs_exit_2_with_located_error_and_no_output() {
    let mut failures = Vec::new();
    for case in cases() {
        for existing in [false, true] {
            let w = Work::new();
            if existing {
                w.write("out", PREVIOUS);
            }
            // `--force`: a bad input must leave an output it may replace.
            let extra = [case.extra, &["--force"]].concat();
            let run = w.scrub_empty(&case.input, if existing { &extra } else { case.extra });
            let p = problems(&case, &w, &run, existing);
            if !p.is_empty() {
                failures.push(format!(
                    "{} (output pre-existing: {existing}): {}\n    stderr: {}",
                    case.name,
                    p.join("; "),
                    run.stderr.trim()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failing case(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

fn scrub_args<'a>(subjects: &'a OsStr, input: &'a str) -> Vec<&'a OsStr> {
    [
        "scrub".as_ref(),
        "--subjects".as_ref(),
        subjects,
        input.as_ref(),
        "-o".as_ref(),
        "out".as_ref(),
    ]
    .to_vec()
}

#[test]
fn missing_input_file_exits_2_and_names_it() {
    let w = Work::new();
    let req = w.request(EMPTY_REQUEST);
    let run = w.run(&scrub_args(req.as_os_str(), "no-such-backup.tar.zst"), None);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("mailscrub: error: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("no-such-backup.tar.zst"),
        "input path not named: {}",
        run.stderr
    );
    assert!(
        w.read("out").is_none(),
        "output created for a missing input"
    );
}

#[test]
fn missing_subjects_file_exits_2_and_names_it() {
    let w = Work::new();
    w.write("in", &mixed_tar());
    let run = w.run(&scrub_args("no-such-request.toml".as_ref(), "in"), None);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("mailscrub: error: "), "{}", run.stderr);
    assert!(
        run.stderr.contains("no-such-request.toml"),
        "request path not named: {}",
        run.stderr
    );
    assert!(w.read("out").is_none(), "output created without a request");
}

#[test]
fn malformed_subjects_file_exits_2_and_names_it() {
    let w = Work::new();
    w.write("in", &mixed_tar());
    let req = w.request("[[subject]\nid = \n");
    let run = w.run(&scrub_args(req.as_os_str(), "in"), None);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("request.toml"),
        "request path not named: {}",
        run.stderr
    );
    assert!(
        w.read("out").is_none(),
        "output created with a malformed request"
    );
}

#[test]
fn bad_usage_exits_2() {
    let w = Work::new();
    w.write("in", &mixed_tar());
    let req = w.request(EMPTY_REQUEST);
    let r = req.to_str().expect("utf-8 temp path");
    let usages: [&[&str]; 5] = [
        &[],
        &["frobnicate"],
        &["scrub", "in", "-o", "out"],
        &[
            "scrub",
            "--subjects",
            r,
            "in",
            "-o",
            "out",
            "--compress",
            "lzma",
        ],
        &[
            "scrub",
            "--subjects",
            r,
            "in",
            "-o",
            "out",
            "--max-message-size",
            "lots",
        ],
    ];
    for args in usages {
        let run = w.run(args, None);
        assert_eq!(run.code, Some(2), "{args:?}: stderr: {}", run.stderr);
        assert!(
            w.read("out").is_none(),
            "{args:?}: output created on bad usage"
        );
    }
}

#[test]
fn bad_input_on_stdin_exits_2() {
    let w = Work::new();
    let req = w.request(EMPTY_REQUEST);
    let args = [
        "scrub".as_ref(),
        "--subjects".as_ref(),
        req.as_os_str(),
        "-".as_ref(),
        "-o".as_ref(),
        "out".as_ref(),
    ];
    let run = w.run(&args, Some(&mail::png_like()));
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(
        reported_offset(&run.stderr).is_some(),
        "no offset: {}",
        run.stderr
    );
    assert!(w.read("out").is_none(), "output created for bad stdin");
}
