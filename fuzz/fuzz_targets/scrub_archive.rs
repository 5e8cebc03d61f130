//! The whole scrub, as `mailscrub scrub --strict` runs it, on any input:
//! it fails (with both outputs absent, no temporary file left, and an error
//! message without an identifier) or it writes an output that holds no
//! identifier in any byte (the matcher's raw scan of the whole decompressed
//! stream: headers, padding, names, trailer), a manifest without one, and
//! the pair passes `verify` with the request and the input.
//!
//! The first byte chooses how the rest becomes the input: bits 0-1 the
//! layout (as it is; a tar with every header checksum made right, so that
//! mutated header fields are read; a bare mbox; a bare message), bits 2-3
//! the compression (none, gzip, zstd), bit 4 the policy (the defaults, or
//! every role redacted).
#![no_main]

mod common;

use std::fs;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mailscrub::input::container::{self, Compression, Encoder, OutputCompression};
use mailscrub::mailbox;
use mailscrub::matcher::Matcher;
use mailscrub::ops::{self, Input, LoadedRequest, Output, ScrubOptions};
use mailscrub::pipeline::PipelineOptions;
use mailscrub::request::ErasureRequest;
use mailscrub::verify::{self, VerifyOptions};

/// A folder of this process in memory (`/dev/shm` when there is one).
fn workdir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let base = Path::new("/dev/shm");
        let base = if base.is_dir() {
            base.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!("mailscrub-fuzz-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("a work folder");
        dir
    })
}

fn loaded(request: &ErasureRequest) -> LoadedRequest {
    LoadedRequest {
        request: request.clone(),
        blake3: "0".repeat(64),
        path: None,
    }
}

fn requests() -> &'static [(LoadedRequest, Matcher); 2] {
    static REQS: OnceLock<[(LoadedRequest, Matcher); 2]> = OnceLock::new();
    REQS.get_or_init(|| {
        [common::request(), common::request_redact_all()].map(|r| (loaded(r), Matcher::new(r)))
    })
}

fn sequential() -> PipelineOptions {
    PipelineOptions {
        threads: 1,
        ..PipelineOptions::default()
    }
}

/// The input the first byte asks for, before and after its compression.
fn shape(mode: u8, rest: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let input = match mode & 3 {
        0 => rest.to_vec(),
        1 => {
            let mut tar = rest.to_vec();
            common::fix_checksums(&mut tar);
            tar
        }
        2 if !mailbox::looks_like_mbox(rest) => {
            [&b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n"[..], rest].concat()
        }
        3 if !mailbox::looks_like_message(rest) => {
            [&b"From: a@example.org\nSubject: x\n"[..], rest].concat()
        }
        _ => rest.to_vec(),
    };
    let compression = match (mode >> 2) & 3 {
        1 => Compression::Gzip,
        2 => Compression::Zstd,
        _ => return (input.clone(), input),
    };
    let mut encoder = Encoder::new(
        Vec::new(),
        OutputCompression {
            compression,
            level: 1,
        },
    )
    .expect("an encoder");
    encoder.write_all(&input).expect("compression in memory");
    let compressed = encoder.finish().expect("compression in memory");
    (input, compressed)
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("the work folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (request, matcher) = &requests()[usize::from(mode >> 4 & 1)];
    let dir = workdir();
    let (input, output) = (dir.join("in"), dir.join("out"));
    let manifest = dir.join("out.manifest.json");
    for file in [&output, &manifest] {
        let _ = fs::remove_file(file);
    }
    let (_, written_input) = shape(mode, rest);
    fs::write(&input, written_input).expect("the input file");
    let options = ScrubOptions {
        pipeline: sequential(),
        strict: true,
        ..ScrubOptions::default()
    };
    let result = ops::scrub(
        &Input::Path(input.clone()),
        &Output::Path(output.clone()),
        request,
        &options,
    );
    if let Err(err) = result {
        assert_eq!(names(dir), ["in"], "a failed scrub left files: {err}");
        let message = format!("{err}");
        assert!(
            matcher.scan_bytes(message.as_bytes()).is_empty(),
            "the error message holds an identifier: {message}"
        );
        return;
    }
    assert_eq!(names(dir), ["in", "out", "out.manifest.json"]);
    let written = fs::read(&output).expect("the output");
    let opened = container::open_with(Box::new(Cursor::new(written)), true, u64::MAX)
        .expect("the output decompresses");
    let mut plain = Vec::new();
    opened
        .reader
        .take(64 << 20)
        .read_to_end(&mut plain)
        .expect("the output decompresses");
    let hits = matcher.scan_bytes(&plain);
    assert!(hits.is_empty(), "the output holds an identifier: {hits:?}");
    let manifest_bytes = fs::read(&manifest).expect("the manifest");
    let hits = matcher.scan_bytes(&manifest_bytes);
    assert!(
        hits.is_empty(),
        "the manifest holds an identifier: {hits:?}"
    );
    let report = verify::verify(
        &Input::Path(output.clone()),
        &VerifyOptions {
            manifest: &manifest,
            key: None,
            request: Some(request),
            input: Some(Input::Path(input.clone())),
            max_message_size: ops::DEFAULT_MAX_MESSAGE_SIZE,
            max_window: ops::DEFAULT_MAX_WINDOW,
            pipeline: sequential(),
        },
    )
    .expect("verify reads what scrub wrote");
    assert!(report.passed(), "verify failed: {:?}", report.checks);
});
