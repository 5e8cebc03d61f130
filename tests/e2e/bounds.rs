//! Bounds on what an input or a request may cost: a zstd frame that declares
//! a huge window is refused before the decoder allocates it, a request with
//! over-long identifiers, too many subjects or too many bytes is refused
//! fast and without echoing its values, and no error message names an
//! identifier of the request (member paths and TOML keys included).

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::mail::{self, Member, tar_of};
use crate::support::*;

/// One run of the binary with its peak memory, when `/usr/bin/time` can tell.
struct Measured {
    code: Option<i32>,
    stderr: String,
    /// Peak resident set size in KiB (`None` without GNU time).
    max_rss_kib: Option<u64>,
    elapsed: Duration,
}

const GNU_TIME: &str = "/usr/bin/time";

/// True when GNU time (`-v`, "Maximum resident set size") is available.
fn gnu_time() -> bool {
    Command::new(GNU_TIME)
        .args(["-v", "true"])
        .stdout(Stdio::null())
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stderr).contains("Maximum resident set size"))
}

/// Runs `mailscrub args` in `dir`, killed after `timeout` (then `code` is
/// `None`), measuring its peak memory with GNU time when present.
fn run_measured<S: AsRef<OsStr>>(dir: &Path, args: &[S], timeout: Duration) -> Measured {
    let bin = env!("CARGO_BIN_EXE_mailscrub");
    let timed = gnu_time();
    let mut cmd = if timed {
        let mut c = Command::new(GNU_TIME);
        c.arg("-v").arg(bin);
        c
    } else {
        eprintln!("bounds: {GNU_TIME} -v is not available, peak memory not measured");
        Command::new(bin)
    };
    let mut child = cmd
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mailscrub");
    let mut pipe = child.stderr.take().expect("stderr pipe");
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = pipe.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let all = reader.join().expect("stderr reader");
    // GNU time appends its report after the command's own stderr.
    let (stderr, report) = match all.find("\tCommand being timed:") {
        Some(at) if timed => (all[..at].to_owned(), &all[at..]),
        _ => (all.clone(), ""),
    };
    let max_rss_kib = report
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|n| n.trim().parse().ok());
    // GNU time exits with the command's status, or 128 + signal.
    let code = status.and_then(|s| s.code()).filter(|&c| c < 128);
    Measured {
        code,
        stderr,
        max_rss_kib,
        elapsed,
    }
}

// ---------------------------------------------------------------------------
// zstd windows
// ---------------------------------------------------------------------------

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A zstd block header: last flag, type (0 raw, 1 RLE), size.
fn block(out: &mut Vec<u8>, last: bool, kind: u32, size: u32, payload: &[u8]) {
    let v = (size << 3) | (kind << 1) | u32::from(last);
    out.extend_from_slice(&v.to_le_bytes()[..3]);
    out.extend_from_slice(payload);
}

/// A frame header with a Window_Descriptor (no content size, no checksum).
fn frame_header(exponent: u8, mantissa: u8) -> Vec<u8> {
    let mut out = ZSTD_MAGIC.to_vec();
    out.push(0x00);
    out.push((exponent << 3) | mantissa);
    out
}

/// A hand-written zstd frame (window `10 + exponent`, plus `mantissa`
/// eighths) holding a tar with one member of `size` bytes of `a` in
/// 128 KiB RLE blocks: a few bytes per block, so a tiny file makes a
/// decoder with a window that large touch `size` bytes of memory.
fn windowed_tar(exponent: u8, mantissa: u8, size: u64) -> Vec<u8> {
    let mut tw = TarWriter::new();
    tw.file("big.bin", b"");
    let mut header = tw.finish(EndPadding::TwoBlocks)[..512].to_vec();
    header[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    header[148..156].copy_from_slice(b"        ");
    let sum: u32 = header.iter().map(|&b| u32::from(b)).sum();
    header[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut out = frame_header(exponent, mantissa);
    block(&mut out, false, 0, 512, &header);
    const RLE: u64 = 128 << 10;
    let mut left = size;
    while left > 0 {
        let n = left.min(RLE);
        block(&mut out, false, 1, n as u32, b"a");
        left -= n;
    }
    let pad = (512 - size % 512) % 512 + 1024;
    block(&mut out, true, 0, pad as u32, &vec![0; pad as usize]);
    out
}

/// A manifest that describes `file` as the output of a scrub (a small valid
/// backup's manifest with the output's hash and length replaced), so that
/// `verify` over a damaged `file` reports bad input (exit 2), not an output
/// that does not match its manifest (exit 1).
fn manifest_describing(w: &Work, request: &Path, file: &str) -> String {
    w.write(
        "small.tar",
        &tar_of(&mail::maildir_fixture(), EndPadding::Record),
    );
    // `--force`: called once per file to describe, onto one output.
    let args: [&OsStr; 7] = [
        "scrub".as_ref(),
        "--subjects".as_ref(),
        request.as_os_str(),
        "small.tar".as_ref(),
        "-o".as_ref(),
        "small.out.tar".as_ref(),
        "--force".as_ref(),
    ];
    w.run(&args, None).success("scrub the small backup");
    let text = w
        .read("small.out.tar.manifest.json")
        .expect("the small backup's manifest");
    let mut manifest: serde_json::Value = serde_json::from_slice(&text).expect("manifest JSON");
    let bytes = w.read(file).expect("the file to describe");
    manifest["output"]["blake3"] = blake3::hash(&bytes).to_hex().to_string().into();
    manifest["output"]["bytes"] = bytes.len().into();
    let name = format!("{file}.manifest.json");
    w.write(&name, &serde_json::to_vec_pretty(&manifest).expect("JSON"));
    name
}

/// `scan`, `scrub` and `verify` argument lists over `input` with `request`.
fn three_commands(request: &str, input: &str, manifest: &str) -> Vec<(&'static str, Vec<String>)> {
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    vec![
        ("scan", s(&["scan", "--subjects", request, input])),
        (
            "scrub",
            s(&["scrub", "--subjects", request, input, "-o", "out"]),
        ),
        (
            "verify",
            s(&[
                "verify",
                input,
                "--manifest",
                manifest,
                "--subjects",
                request,
            ]),
        ),
    ]
}

#[test]
fn zstd_window_above_the_limit_is_refused_before_the_decoder_allocates_it() {
    // 2 GiB window, 512 MiB of content in a 17 KB file: a decoder that
    // accepts the window holds more than 512 MiB.
    let w = Work::new();
    w.write("in.tar.zst", &windowed_tar(21, 0, 512 << 20));
    let req = w.request(EMPTY_REQUEST);
    let manifest = manifest_describing(&w, &req, "in.tar.zst");
    for (name, args) in three_commands("request.toml", "in.tar.zst", &manifest) {
        let run = run_measured(w.root(), &args, Duration::from_secs(120));
        let err = &run.stderr;
        assert_eq!(run.code, Some(2), "{name}: {err}");
        for word in ["zstd", "window", "2147483648", "134217728", "--max-window"] {
            assert!(err.contains(word), "{name}: no `{word}` in: {err}");
        }
        assert!(reported_offset(err).is_some(), "{name}: no offset: {err}");
        assert!(w.read("out").is_none(), "{name}: output written");
        if let Some(kib) = run.max_rss_kib {
            assert!(
                kib < 64 << 10,
                "{name}: peak memory {kib} KiB for a refused frame"
            );
        }
        assert!(
            run.elapsed < Duration::from_secs(30),
            "{name}: took {:?}",
            run.elapsed
        );
    }
}

#[test]
fn zstd_window_at_the_limit_is_accepted_and_just_above_refused() {
    let w = Work::new();
    w.request(EMPTY_REQUEST);
    // 128 MiB exactly (window log 27), then 128 MiB + 1/8.
    for (mantissa, ok) in [(0u8, true), (1, false)] {
        w.write("in.tar.zst", &windowed_tar(17, mantissa, 4 << 20));
        let args = ["scan", "--subjects", "request.toml", "in.tar.zst"];
        let run = run_measured(w.root(), &args, Duration::from_secs(120));
        if ok {
            assert_eq!(run.code, Some(0), "at the limit: {}", run.stderr);
        } else {
            assert_eq!(run.code, Some(2), "above the limit: {}", run.stderr);
            assert!(run.stderr.contains("150994944"), "{}", run.stderr);
        }
    }
}

#[test]
fn zstd_single_segment_frame_uses_its_content_size_as_window() {
    // Single_Segment_flag with an 8-byte Frame_Content_Size of 3 GiB.
    let mut frame = ZSTD_MAGIC.to_vec();
    frame.push(0b1110_0000);
    frame.extend_from_slice(&(3u64 << 30).to_le_bytes());
    block(&mut frame, true, 1, 128 << 10, b"a");
    let w = Work::new();
    w.write("in.zst", &frame);
    w.request(EMPTY_REQUEST);
    let run = run_measured(
        w.root(),
        &["scan", "--subjects", "request.toml", "in.zst"],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("3221225472"), "{}", run.stderr);
    assert!(run.stderr.contains("--max-window"), "{}", run.stderr);
}

#[test]
fn zstd_skippable_and_concatenated_frames_are_still_read() {
    let tar = tar_of(&mail::maildir_fixture(), EndPadding::Record);
    let (a, b) = tar.split_at(tar.len() / 3);
    let skippable = |magic_low: u8, n: u32| {
        let mut f = vec![0x50 | magic_low, 0x2a, 0x4d, 0x18];
        f.extend_from_slice(&n.to_le_bytes());
        f.extend(std::iter::repeat_n(0xa5, n as usize));
        f
    };
    let mut input = skippable(0, 16);
    input.extend(compress::zstd_frame(a, 3));
    input.extend(skippable(0xf, 0));
    input.extend(compress::zstd_frame(b, 19));
    input.extend(skippable(7, 300));
    let out = scrub_file("skippable frames", &input, &[]);
    assert_bytes_eq("skippable frames", &tar, &unwrap_all(&out).1);
}

// ---------------------------------------------------------------------------
// Request bounds
// ---------------------------------------------------------------------------

/// A request with one subject `R-1` holding `key = [value]`.
fn one_subject(key: &str, value: &str) -> String {
    format!("[[subject]]\nid = \"R-1\"\n{key} = [\"{value}\"]\n")
}

#[test]
fn overlong_identifiers_are_refused_fast_naming_line_and_key_without_the_value() {
    let cases: Vec<(&str, String)> = vec![
        (
            "emails",
            format!("jane{}@example.com", "q".repeat(251 - "@example.com".len())),
        ),
        ("names", "Janeq Doeq ".repeat(24).trim().to_owned()),
        ("phones", "44 20 7946 0018 ".repeat(3).trim().to_owned()),
        ("terms", "janeqdoeq".repeat(12_000)),
    ];
    let w = Work::new();
    for (key, value) in &cases {
        w.request(&one_subject(key, value));
        let run = run_measured(
            w.root(),
            &["scan", "--subjects", "request.toml", "-"],
            Duration::from_secs(30),
        );
        let err = &run.stderr;
        assert_eq!(run.code, Some(2), "{key} ({} bytes): {err}", value.len());
        for word in ["request.toml", "line 3", &format!("{key}[0]"), "limit"] {
            assert!(err.contains(word), "{key}: no `{word}` in: {err}");
        }
        for leak in ["janeq", "jane", "7946", "Janeq Doeq"] {
            assert!(!err.contains(leak), "{key}: stderr echoes the value: {err}");
        }
    }
    // The subject id is shown in reports, but not without bound either.
    w.request(&format!(
        "[[subject]]\nid = \"{}\"\nterms = [\"t1\"]\n",
        "R".repeat(200)
    ));
    let run = run_measured(
        w.root(),
        &["scan", "--subjects", "request.toml", "-"],
        Duration::from_secs(30),
    );
    assert_eq!(run.code, Some(2), "long id: {}", run.stderr);
    assert!(run.stderr.contains("line 2"), "{}", run.stderr);
}

#[test]
fn identifiers_at_the_limit_load_and_scan_within_seconds() {
    // 100 subjects with the longest identifiers of each kind, in the shapes
    // that are slowest to compile (one repeated letter), over a 2 MB mbox.
    let mut toml = String::new();
    for i in 0..100 {
        let tag = format!("{i:03}");
        toml.push_str(&format!(
            "[[subject]]\nid = \"R-{i}\"\nemails = [\"{tag}{}@example.com\"]\nnames = [\"{tag}{}\"]\nterms = [\"{tag}{}\"]\nphones = [\"{tag}{}\"]\n",
            "x".repeat(254 - 3 - "@example.com".len()),
            "x".repeat(256 - 3),
            "y".repeat(256 - 3),
            "5".repeat(29),
        ));
    }
    let w = Work::new();
    w.request(&toml);
    let body = "x".repeat(70) + "\n";
    let msg = mail::message("a@example.org", "b@example.org", "hi", &body.repeat(200));
    let messages = vec![msg; 2 << 20 >> 14];
    w.write(
        "in.mbox",
        &mail::mbox(&messages, mail::Quoting::Mboxrd, "\n"),
    );
    let run = run_measured(
        w.root(),
        &["scan", "--subjects", "request.toml", "in.mbox"],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // Debug build; release is about ten times faster.
    assert!(
        run.elapsed < Duration::from_secs(60),
        "took {:?}",
        run.elapsed
    );
}

#[test]
fn huge_request_file_is_refused_before_it_is_read() {
    let w = Work::new();
    // 300 MB, sparse: the size alone must refuse it.
    let file = std::fs::File::create(w.path("request.toml")).expect("create");
    file.set_len(300 << 20).expect("set_len");
    drop(file);
    w.write("in", &tar_of(&mail::maildir_fixture(), EndPadding::Record));
    let run = run_measured(
        w.root(),
        &["scan", "--subjects", "request.toml", "in"],
        Duration::from_secs(60),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("request.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("limit"), "{}", run.stderr);
    if let Some(kib) = run.max_rss_kib {
        assert!(kib < 64 << 10, "peak memory {kib} KiB");
    }
}

#[test]
fn too_many_subjects_are_refused() {
    let mut toml = String::with_capacity(5 << 20);
    for i in 0..=100_000 {
        toml.push_str(&format!("[[subject]]\nid = \"R{i}\"\nterms = [\"T{i}\"]\n"));
    }
    let w = Work::new();
    w.request(&toml);
    let run = run_measured(
        w.root(),
        &["scan", "--subjects", "request.toml", "-"],
        Duration::from_secs(120),
    );
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("100000 subjects"), "{}", run.stderr);
    // The first subject past the limit.
    assert!(run.stderr.contains("line 300001"), "{}", run.stderr);
}

// ---------------------------------------------------------------------------
// Error messages without identifiers
// ---------------------------------------------------------------------------

/// The request every case below is run with.
const JANE: &str =
    "[[subject]]\nid = \"R-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n";

/// Every form of Jane's identifiers an error message could hold (lowercased
/// stderr is searched): address, local part, name.
fn leaks(stderr: &str) -> Vec<&'static str> {
    let lower = stderr.to_lowercase();
    ["jane.doe@example.com", "jane.doe", "jane doe", "jane"]
        .into_iter()
        .filter(|form| lower.contains(form))
        .collect()
}

/// A tar whose member header at the returned offset has a size field
/// holding text, with a valid checksum.
fn tar_with_text_size(path: &str) -> Vec<u8> {
    let mut tw = TarWriter::new();
    tw.file(
        "Jane Doe/cur/1",
        &mail::message("a@example.org", "b@example.org", "one", "1\n"),
    );
    let at = tw.offset();
    tw.file(
        path,
        &mail::message("a@example.org", "b@example.org", "two", "2\n"),
    );
    let mut tar = tw.finish(EndPadding::Record);
    let h = &mut tar[at..at + 512];
    h[124..136].copy_from_slice(b"jane.doe@ex\0");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    tar
}

/// Bad inputs whose member paths hold Jane's identifiers: (name, file name, bytes, extra args).
fn bad_inputs() -> Vec<(&'static str, &'static str, Vec<u8>, Vec<&'static str>)> {
    let jane_dir = "jane.doe@example.com/cur/";
    let one = mail::message("a@example.org", "b@example.org", "one", "1\n");
    let big = mail::message("a@example.org", "b@example.org", "big", &"y".repeat(9000));
    let (_, truncated) = jane_tar_and_truncated();
    let mut tw = TarWriter::new();
    tw.file(&format!("{jane_dir}1"), &one);
    let at = tw.offset();
    tw.file(&format!("{jane_dir}2"), &one);
    let mut bad_sum = tw.finish(EndPadding::Record);
    bad_sum[at + 148..at + 154].copy_from_slice(b"012345");
    let maildir = vec![
        Member::file(&format!("{jane_dir}1"), one.clone(), "maildir", 1),
        Member::file(&format!("{jane_dir}2"), big.clone(), "maildir", 1),
    ];
    let too_large = tar_of(&maildir, EndPadding::Record);
    let mbox = mail::mbox(&[one, big], mail::Quoting::Mboxrd, "\n");
    vec![
        ("truncated tar", "in.tar", truncated.clone(), vec![]),
        (
            "truncated tar.gz",
            "in.tar.gz",
            wrap(&truncated, Wrap::Gzip),
            vec![],
        ),
        ("bad header checksum", "in.tar", bad_sum, vec![]),
        (
            "size field with text",
            "in.tar",
            tar_with_text_size("Jane Doe/cur/2"),
            vec![],
        ),
        (
            "message over the limit",
            "in.tar.zst",
            wrap(&too_large, Wrap::Zstd),
            vec!["--max-message-size", "4096"],
        ),
        (
            "bare mbox named after the subject",
            "jane.doe@example.com.mbox",
            mbox,
            vec!["--max-message-size", "4096"],
        ),
    ]
}

#[test]
fn input_errors_never_name_a_member_path_that_holds_an_identifier() {
    let w = Work::new();
    let req = w.request(JANE);
    let mut failures = Vec::new();
    for (name, file, bytes, extra) in bad_inputs() {
        w.write(file, &bytes);
        let manifest = manifest_describing(&w, &req, file);
        let runs = three_commands("request.toml", file, &manifest);
        for (command, mut args) in runs {
            args.extend(extra.iter().map(|a| a.to_string()));
            let run = w.run(&args, None);
            if run.code != Some(2) {
                failures.push(format!(
                    "{name}, {command}: exit {:?}: {}",
                    run.code, run.stderr
                ));
            }
            if !run.stderr.contains("offset") {
                failures.push(format!("{name}, {command}: no position: {}", run.stderr));
            }
            let leaked = leaks(&run.stderr);
            if !leaked.is_empty() {
                failures.push(format!(
                    "{name}, {command}: {leaked:?} in: {}",
                    run.stderr.trim()
                ));
            }
        }
        // Against a manifest of another backup, the damaged file is an
        // output that does not match (exit 1): the report names no member
        // path holding the address either.
        let run = w.run(
            &argv(&[
                "verify",
                file,
                "--manifest",
                "small.out.tar.manifest.json",
                "--subjects",
                "request.toml",
            ]),
            None,
        );
        let printed = format!("{}{}", run.stdout_text(), run.stderr);
        if run.code != Some(1) || !leaks(&printed).is_empty() {
            failures.push(format!(
                "{name}, verify against another manifest: exit {:?}: {}",
                run.code,
                printed.trim()
            ));
        }
        std::fs::remove_file(w.path(file)).expect("remove input");
    }
    // verify --input: the output and manifest of the whole backup, the
    // input cut short inside a member whose path holds the address.
    let (good, bad) = jane_tar_and_truncated();
    w.write("good.tar", &good);
    w.write("bad.tar", &bad);
    w.run(
        &argv(&[
            "scrub",
            "--subjects",
            "request.toml",
            "good.tar",
            "-o",
            "good.out.tar",
        ]),
        None,
    )
    .success("scrub the whole backup");
    let run = w.run(
        &argv(&[
            "verify",
            "good.out.tar",
            "--subjects",
            "request.toml",
            "--input",
            "bad.tar",
        ]),
        None,
    );
    if run.code != Some(2) || !leaks(&run.stderr).is_empty() || !run.stderr.contains("offset") {
        failures.push(format!(
            "verify --input: exit {:?}: {}",
            run.code,
            run.stderr.trim()
        ));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A tar of two messages under `jane.doe@example.com/cur/`, and the same
/// cut inside the second one's data.
fn jane_tar_and_truncated() -> (Vec<u8>, Vec<u8>) {
    let one = mail::message("a@example.org", "b@example.org", "one", "1\n");
    let big = mail::message("a@example.org", "b@example.org", "big", &"y".repeat(9000));
    let mut tw = TarWriter::new();
    tw.file("jane.doe@example.com/cur/1", &one);
    tw.file("jane.doe@example.com/cur/2", &big);
    let tar = tw.finish(EndPadding::Record);
    let cut = tar[..512 * 3 + 4000].to_vec();
    (tar, cut)
}

#[test]
fn list_without_a_request_names_member_paths() {
    let w = Work::new();
    let (_, file, bytes, _) = bad_inputs().remove(0);
    w.write(file, &bytes);
    let run = w.run(&["list", file], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr.contains("jane.doe@example.com/cur/2"),
        "{}",
        run.stderr
    );
}

fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|a| a.to_string()).collect()
}

#[test]
fn request_errors_never_echo_a_key_or_a_value() {
    let sub = "[[subject]]\nid = \"R-1\"\n";
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "unknown key that is an address",
            format!("{sub}\"jane.doe@example.com\" = [\"x\"]\n"),
            "line 3",
        ),
        (
            "unknown bare key",
            format!("{sub}jane = [\"x\"]\n"),
            "line 3",
        ),
        (
            "unknown dotted key",
            format!("{sub}jane.doe = \"x\"\n"),
            "line 3",
        ),
        (
            "unknown table",
            "[\"jane.doe@example.com\"]\nx = 1\n".to_owned(),
            "line 1",
        ),
        (
            "unknown key in the policy",
            "[policy]\n\"Jane Doe\" = \"delete\"\n".to_owned(),
            "line 2",
        ),
        (
            "unknown key in an inline subject",
            "subject = [{ id = \"R-1\", \"jane.doe@example.com\" = [\"x\"] }]\n".to_owned(),
            "line 1",
        ),
        (
            "duplicate key",
            format!("{sub}\"jane.doe@example.com\" = 1\n\"jane.doe@example.com\" = 2\n"),
            "line 4",
        ),
        (
            "unknown variant",
            "[policy]\nsender = \"jane.doe@example.com\"\n".to_owned(),
            "line 2",
        ),
        (
            "string instead of a list",
            format!("{sub}emails = \"jane.doe@example.com\"\n"),
            "line 3",
        ),
        (
            "table instead of a list",
            format!("{sub}names = {{ \"Jane Doe\" = 1 }}\n"),
            "line 3",
        ),
        (
            "not an address",
            format!("{sub}emails = [\"Jane Doe <jane.doe@example.com>\"]\n"),
            "line 3",
        ),
        (
            "unclosed list",
            format!("{sub}emails = [\"jane.doe@example.com\"\n"),
            "line",
        ),
        (
            "unclosed string",
            format!("{sub}names = [\"Jane Doe]\n"),
            "line",
        ),
        (
            "bare word value",
            format!("{sub}names = [Jane_Doe]\n"),
            "line 3",
        ),
        (
            "over-long name",
            format!("{sub}names = [\"{}\"]\n", "Jane Doe ".repeat(40)),
            "line 3",
        ),
    ];
    let w = Work::new();
    w.write(
        "in.tar",
        &tar_of(&mail::maildir_fixture(), EndPadding::Record),
    );
    let mut failures = Vec::new();
    for (name, toml, line) in &cases {
        w.request(toml);
        for (command, args) in three_commands("request.toml", "in.tar", "in.tar.manifest.json") {
            let run = w.run(&args, None);
            if run.code != Some(2) {
                failures.push(format!(
                    "{name}, {command}: exit {:?}: {}",
                    run.code, run.stderr
                ));
            }
            for word in ["request.toml", line] {
                if !run.stderr.contains(word) {
                    failures.push(format!("{name}, {command}: no `{word}`: {}", run.stderr));
                }
            }
            let leaked = leaks(&run.stderr);
            if !leaked.is_empty() {
                failures.push(format!(
                    "{name}, {command}: {leaked:?} in: {}",
                    run.stderr.trim()
                ));
            }
        }
    }
    // Not UTF-8: refused without echoing the bytes around the bad one.
    w.write(
        "request.toml",
        b"[[subject]]\nid = \"R-1\"\nnames = [\"Jane Doe\xff\"]\n",
    );
    let run = w.run(&["scan", "--subjects", "request.toml", "in.tar"], None);
    if run.code != Some(2) || !leaks(&run.stderr).is_empty() {
        failures.push(format!("not UTF-8: exit {:?}: {}", run.code, run.stderr));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
