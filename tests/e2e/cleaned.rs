//! Cleaned tar headers, padding and trailing bytes are accounted for: a
//! scrub lists each as a `clean` removal (and counts `totals.cleaned`), the
//! bytes after the end of the archive that hold an identifier come out as
//! zeros, `verify --subjects --input` passes on the output and fails when a
//! `clean` removal or the total is edited.

use serde_json::Value;

use crate::planted;
use crate::support::erasure::{argv, leaked_forms, read_manifest, verify_text, write_manifest};
use crate::support::*;

/// The trailing bytes: longer than a block, so that their first 512 bytes
/// as zeros read back as one more block of the end-of-archive marker.
fn trailer() -> Vec<u8> {
    let mut bytes = b"Exported by jane.doe@example.com on request.\n".to_vec();
    bytes.resize(700, b'#');
    bytes
}

/// A tar with the address as a member's user name, in another's padding,
/// a clean member and the address in the trailing bytes (gzip-compressed).
fn input() -> Vec<u8> {
    let mut tw = TarWriter::new();
    tw.dir("u/")
        .file_with_header_bytes("u/owner.txt", b"Owned.\n", 265, planted::EMAIL.as_bytes())
        .file_with_padding("u/padded.txt", b"Padded.\n", b"\nJane Doe\n")
        .file("u/fine.txt", b"Fine.\n");
    let mut tar = tw.finish(EndPadding::TwoBlocks);
    tar.extend_from_slice(&trailer());
    wrap(&tar, Wrap::Gzip)
}

/// `in.tar.gz` scrubbed to `out.tar.gz`; the manifest.
fn scrubbed() -> (Work, Value) {
    let w = Work::new();
    w.write("in.tar.gz", &input());
    w.request(&planted::request_toml());
    w.run(
        &argv(&[
            "scrub",
            "--subjects",
            "request.toml",
            "in.tar.gz",
            "-o",
            "out.tar.gz",
        ]),
        None,
    )
    .success("scrub");
    let manifest = read_manifest(&w.path("out.tar.gz.manifest.json"));
    (w, manifest)
}

/// `verify out.tar.gz --subjects request.toml --input in.tar.gz`: exit code
/// and the accounting and manifest checks' lines, for messages.
fn verify(w: &Work) -> (Option<i32>, String) {
    let v = verify_text(
        w,
        &[
            "out.tar.gz",
            "--subjects",
            "request.toml",
            "--input",
            "in.tar.gz",
        ],
    );
    (v.run.code, v.dump())
}

/// The `clean` removals as (member, reason).
fn cleans(manifest: &Value) -> Vec<(String, String)> {
    manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| r["action"] == "clean")
        .map(|r| {
            (
                r["member"].as_str().unwrap_or("?").to_owned(),
                r["reason"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn cleaned_headers_padding_and_trailer_are_clean_removals() {
    let (w, manifest) = scrubbed();
    assert_eq!(
        cleans(&manifest),
        [
            (
                "u/owner.txt".to_owned(),
                "tar header fields held an identifier".to_owned()
            ),
            (
                "u/padded.txt".to_owned(),
                "tar padding held an identifier".to_owned()
            ),
            (
                "(after the end of the archive)".to_owned(),
                "bytes after the end of the archive held an identifier".to_owned()
            ),
        ],
        "{manifest:#}"
    );
    assert_eq!(manifest["totals"]["cleaned"], 3, "{}", manifest["totals"]);
    assert_eq!(manifest["warnings"], serde_json::json!([]), "warnings");
    let trailer_removal = manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .find(|r| r["reason"] == "bytes after the end of the archive held an identifier")
        .expect("trailer removal");
    assert_eq!(trailer_removal["original_bytes"], 700);
    assert_eq!(trailer_removal["sanitized_bytes"], 700);
    let (code, dump) = verify(&w);
    assert_eq!(code, Some(0), "{dump}");
}

#[test]
fn trailing_bytes_holding_an_identifier_come_out_as_zeros() {
    let (w, _) = scrubbed();
    let (_, out) = unwrap_all(&w.read("out.tar.gz").expect("output"));
    let (_, input) = unwrap_all(&input());
    let forms: Vec<(String, String)> = planted::identifier_forms();
    let leaks = leaked_forms(&out, &forms);
    assert!(leaks.is_empty(), "the output holds {leaks:?}");
    assert!(
        !out.windows(planted::EMAIL.len())
            .any(|b| b.eq_ignore_ascii_case(planted::EMAIL.as_bytes())),
        "the address is in the output"
    );
    assert_eq!(out.len(), input.len(), "the layout changed");
    let n = trailer().len();
    assert!(
        out[out.len() - n..].iter().all(|&b| b == 0),
        "the trailing bytes are not zeros"
    );
    // Nothing but the trailer, the user name and the padding changed.
    assert_eq!(&out[..512], &input[..512], "the first member changed");
}

#[test]
fn a_clean_trailer_stays_byte_identical() {
    let mut tw = TarWriter::new();
    tw.file("a.txt", b"A.\n");
    let mut tar = tw.finish(EndPadding::TwoBlocks);
    tar.extend_from_slice(b"nothing personal here, just trailing junk\n");
    let w = Work::new();
    w.write("in.tar", &tar);
    w.request(&planted::request_toml());
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
    assert_eq!(w.read("out.tar").expect("output"), tar);
    let manifest = read_manifest(&w.path("out.tar.manifest.json"));
    assert_eq!(manifest["totals"]["cleaned"], 0);
}

/// The index of the `clean` removal whose reason contains `reason`.
fn at(m: &Value, reason: &str) -> usize {
    m["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .position(|r| {
            r["action"] == "clean" && r["reason"].as_str().is_some_and(|s| s.contains(reason))
        })
        .unwrap_or_else(|| panic!("no clean removal for {reason}"))
}

/// Takes the `clean` removal for `reason` out of the manifest, and its
/// count out of the total.
fn remove_clean(m: &mut Value, reason: &str) {
    let i = at(m, reason);
    m["removals"].as_array_mut().expect("removals").remove(i);
    add(&mut m["totals"]["cleaned"], -1);
}

fn add(v: &mut Value, n: i64) {
    *v = (v.as_i64().expect("number") + n).into();
}

#[test]
fn editing_a_clean_removal_or_the_total_fails_verify() {
    type Edit = fn(&mut Value);
    let rows: Vec<(&str, Edit, &str)> = vec![
        (
            "the header clean removed",
            |m| remove_clean(m, "header"),
            "not listed as cleaned",
        ),
        (
            "the padding clean removed",
            |m| remove_clean(m, "padding"),
            "not listed as cleaned",
        ),
        (
            "the trailer clean removed",
            |m| remove_clean(m, "after the end"),
            "differ from the input",
        ),
        (
            "header reason given to the padding",
            |m| {
                let i = at(m, "padding");
                m["removals"][i]["reason"] = "tar header fields held an identifier".into();
            },
            "padded.txt",
        ),
        (
            "original_blake3 of the header clean",
            |m| {
                let i = at(m, "header");
                m["removals"][i]["original_blake3"] = "0".repeat(64).into();
            },
            "original_blake3",
        ),
        (
            "sanitized_blake3 of the trailer clean",
            |m| {
                let i = at(m, "after the end");
                m["removals"][i]["sanitized_blake3"] = "0".repeat(64).into();
            },
            "sanitized_blake3",
        ),
        (
            "a clean moved to a clean member",
            |m| {
                let i = at(m, "padding");
                m["removals"][i]["member"] = "u/fine.txt".into();
            },
            "fine.txt",
        ),
        (
            "totals.cleaned",
            |m| add(&mut m["totals"]["cleaned"], 1),
            "totals.cleaned",
        ),
        (
            "totals.cleaned removed",
            |m| {
                m["totals"]
                    .as_object_mut()
                    .expect("totals")
                    .remove("cleaned");
            },
            "cleaned",
        ),
    ];
    let (w, original) = scrubbed();
    let path = w.path("out.tar.gz.manifest.json");
    let mut failures = Vec::new();
    for (name, edit, word) in rows {
        let mut m = original.clone();
        edit(&mut m);
        write_manifest(&path, &m);
        let (code, dump) = verify(&w);
        if code != Some(1) || !dump.contains(word) {
            failures.push(format!("{name}: want exit 1 naming '{word}'\n{dump}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
