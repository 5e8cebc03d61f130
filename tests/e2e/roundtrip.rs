//! `scrub` with an empty request is the identity on the (decompressed) stream,
//! for every container x mailbox format, via files and via stdin/stdout.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::support::mail::{self, MboxVariant, tar_of};
use crate::support::tarw::header_zoo;
use crate::support::*;

/// Uncompressed tar fixtures, one per mailbox format, plus the header zoo.
pub fn tar_formats() -> Vec<(String, Vec<u8>)> {
    let mut v = vec![
        (
            "maildir".to_owned(),
            tar_of(&mail::maildir_fixture(), EndPadding::Record),
        ),
        (
            "eml".to_owned(),
            tar_of(&mail::eml_fixture(), EndPadding::TwoBlocks),
        ),
        (
            "mh".to_owned(),
            tar_of(&mail::mh_fixture(), EndPadding::Record),
        ),
        (
            "non-mail".to_owned(),
            tar_of(&mail::nonmail_fixture(), EndPadding::TwoBlocks),
        ),
        (
            "mixed".to_owned(),
            tar_of(&mail::mixed_fixture(), EndPadding::Record),
        ),
        (
            "header-zoo-1024".to_owned(),
            header_zoo(EndPadding::TwoBlocks).0,
        ),
        (
            "header-zoo-10240".to_owned(),
            header_zoo(EndPadding::Record).0,
        ),
    ];
    for m in MboxVariant::ALL {
        v.push((
            format!("mbox-{}", m.name()),
            tar_of(&mail::mbox_fixture(m), EndPadding::Record),
        ));
    }
    v
}

/// Bare (non-tar) fixtures: each mbox variant and single messages.
pub fn bare_formats() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = MboxVariant::ALL
        .iter()
        .map(|m| (format!("bare-{}", m.name()), m.build().0))
        .collect();
    v.push(("bare-eml".to_owned(), mail::eml()));
    v.push(("bare-eml-crlf".to_owned(), mail::crlf(&mail::eml())));
    v
}

/// Round-trip every fixture wrapped as `w`; report all failing cases at once.
fn roundtrip_all(fixtures: &[(String, Vec<u8>)], w: Wrap, tar: bool) {
    let failed: Vec<&str> = fixtures
        .iter()
        .filter(|(name, raw)| {
            let label = format!("{name} as {w:?}");
            catch_unwind(AssertUnwindSafe(|| {
                assert_roundtrip(&label, &wrap(raw, w), tar)
            }))
            .is_err()
        })
        .map(|(name, _)| name.as_str())
        .collect();
    assert!(
        failed.is_empty(),
        "{w:?}: round trip failed for {failed:?} (details above)"
    );
}

#[test]
fn empty_request_roundtrips_plain_tar_every_format() {
    roundtrip_all(&tar_formats(), Wrap::None, true);
}

#[test]
fn empty_request_roundtrips_tar_gz_every_format() {
    roundtrip_all(&tar_formats(), Wrap::Gzip, true);
}

#[test]
fn empty_request_roundtrips_tar_gz_multi_member_every_format() {
    roundtrip_all(&tar_formats(), Wrap::GzipMulti, true);
}

#[test]
fn empty_request_roundtrips_tar_zst_every_format() {
    roundtrip_all(&tar_formats(), Wrap::Zstd, true);
}

#[test]
fn empty_request_roundtrips_tar_zst_multi_frame_every_format() {
    roundtrip_all(&tar_formats(), Wrap::ZstdMulti, true);
}

#[test]
fn empty_request_roundtrips_bare_mbox_and_eml() {
    roundtrip_all(&bare_formats(), Wrap::None, false);
}

#[test]
fn empty_request_roundtrips_bare_gz() {
    roundtrip_all(&bare_formats(), Wrap::Gzip, false);
    roundtrip_all(&bare_formats(), Wrap::GzipMulti, false);
}

#[test]
fn empty_request_roundtrips_bare_zst() {
    roundtrip_all(&bare_formats(), Wrap::Zstd, false);
    roundtrip_all(&bare_formats(), Wrap::ZstdMulti, false);
}

#[test]
fn end_of_archive_padding_is_kept_1024_and_10240() {
    for padding in [EndPadding::TwoBlocks, EndPadding::Record] {
        let tar = tar_of(&mail::maildir_fixture(), padding);
        let out = scrub_file(&format!("{padding:?}"), &tar, &[]);
        assert_eq!(
            out.len(),
            tar.len(),
            "{padding:?}: output length (padding after the end marker)"
        );
        assert!(
            out[out.len() - 1024..].iter().all(|&b| b == 0),
            "{padding:?}: tail is not zero"
        );
        assert_bytes_eq(&format!("{padding:?}"), &tar, &out);
    }
}

#[test]
fn stdin_to_stdout_equals_file_to_file() {
    let tar = tar_of(&mail::mixed_fixture(), EndPadding::Record);
    let cases = [
        ("tar", wrap(&tar, Wrap::None)),
        ("tar.gz", wrap(&tar, Wrap::Gzip)),
        ("tar.zst", wrap(&tar, Wrap::ZstdMulti)),
        ("mbox", MboxVariant::Crlf.build().0),
        ("eml", mail::eml()),
    ];
    for (label, input) in cases {
        let via_files = scrub_file(label, &input, &[]);
        let via_pipes = scrub_stdio(label, &input, &[]);
        assert_bytes_eq(&format!("{label}: stdout vs file"), &via_files, &via_pipes);
    }
}

#[test]
fn same_input_twice_gives_identical_output_bytes() {
    let tar = tar_of(&mail::mixed_fixture(), EndPadding::Record);
    for w in Wrap::ALL {
        let input = wrap(&tar, w);
        let label = format!("{w:?}");
        let first = scrub_file(&label, &input, &[]);
        let second = scrub_file(&label, &input, &[]);
        assert_bytes_eq(&format!("{label}: run 1 vs run 2"), &first, &second);
    }
}

#[test]
fn compress_flag_changes_container_but_not_stream() {
    let tar = tar_of(&mail::mixed_fixture(), EndPadding::Record);
    let mbox = MboxVariant::Mboxrd.build().0;
    for (label, raw, is_tar) in [("tar", &tar, true), ("mbox", &mbox, false)] {
        for from in [Wrap::None, Wrap::Gzip, Wrap::Zstd] {
            for to in Compression::ALL {
                let l = format!("{label} {from:?} --compress {}", to.name());
                let out = scrub_file(&l, &wrap(raw, from), &["--compress", to.name()]);
                let (kind, stream) = unwrap_all(&out);
                assert_eq!(kind, to, "{l}: output compression");
                if is_tar {
                    assert_tar_eq(&l, raw, &stream);
                } else {
                    assert_bytes_eq(&l, raw, &stream);
                }
            }
        }
    }
}

#[test]
fn level_flag_is_accepted_and_keeps_stream() {
    let tar = tar_of(&mail::maildir_fixture(), EndPadding::Record);
    for (compress, level) in [("gzip", "1"), ("gzip", "9"), ("zstd", "1"), ("zstd", "19")] {
        let l = format!("--compress {compress} --level {level}");
        let out = scrub_file(&l, &tar, &["--compress", compress, "--level", level]);
        let (kind, stream) = unwrap_all(&out);
        assert_eq!(kind.name(), compress, "{l}");
        assert_tar_eq(&l, &tar, &stream);
    }
}

#[test]
fn level_without_compress_keeps_input_compression() {
    let tar = tar_of(&mail::maildir_fixture(), EndPadding::Record);
    let out = scrub_file("zst --level 1", &wrap(&tar, Wrap::Zstd), &["--level", "1"]);
    assert_same_content("zst --level 1", &wrap(&tar, Wrap::Zstd), &out, true);
}

#[test]
fn request_files_without_subjects_all_mean_no_change() {
    let tar = wrap(
        &tar_of(&mail::mixed_fixture(), EndPadding::Record),
        Wrap::Gzip,
    );
    let requests = [
        ("empty file", ""),
        ("policy only", "[policy]\n"),
        (
            "full policy",
            "[policy]\nsender = \"delete\"\nrecipient = \"delete\"\nmention = \"redact\"\n",
        ),
    ];
    for (label, toml) in requests {
        let w = Work::new();
        w.write("in", &tar);
        let req = w.request(toml);
        w.scrub(&req, &[]).success(label);
        assert_same_content(label, &tar, &w.read("out").expect("output written"), true);
    }
}

#[test]
fn successful_scrub_replaces_existing_output_file() {
    let w = Work::new();
    w.write("out", b"stale content from an earlier run\n");
    let tar = tar_of(&mail::maildir_fixture(), EndPadding::Record);
    w.scrub_empty(&tar, &["--force"]).success("existing output");
    assert_bytes_eq("existing output", &tar, &w.read("out").expect("output"));
}

#[test]
fn manifest_flag_writes_manifest_and_keeps_output() {
    let w = Work::new();
    let tar = wrap(
        &tar_of(&mail::mixed_fixture(), EndPadding::Record),
        Wrap::Zstd,
    );
    w.scrub_empty(&tar, &["--manifest", "manifest.out"])
        .success("--manifest");
    let manifest = w.read("manifest.out").expect("manifest file written");
    assert!(!manifest.is_empty(), "manifest is empty");
    assert_same_content("--manifest", &tar, &w.read("out").expect("output"), true);
}

#[test]
fn container_is_detected_by_content_not_file_name() {
    // A tar.zst named like an mbox, an mbox named like a tar.gz.
    let tarzst = wrap(
        &tar_of(&mail::maildir_fixture(), EndPadding::Record),
        Wrap::Zstd,
    );
    let mbox = MboxVariant::Mboxo.build().0;
    for (name, input, tar) in [
        ("mail.mbox", &tarzst, true),
        ("backup.tar.gz", &mbox, false),
    ] {
        let w = Work::new();
        w.write(name, input);
        let req = w.request(EMPTY_REQUEST);
        let args = [
            "scrub".as_ref(),
            "--subjects".as_ref(),
            req.as_os_str(),
            name.as_ref(),
            "-o".as_ref(),
            "out.bin".as_ref(),
        ];
        w.run(&args, None).success(name);
        assert_same_content(name, input, &w.read("out.bin").expect("output"), tar);
    }
}

/// Regression inputs found by the property test and the corpus run: real mail
/// that a strict header check rejects as "not a mail backup".
fn odd_but_valid_bare_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let empty_first = mail::mbox(&[Vec::new()], mail::Quoting::Mboxrd, "\n");
    let obs_mbox = b"From a@example.com  Fri Dec  7 11:07:41 2001\nReceived: from x.example.org\n    (folded) by y.example.org\nFrom  :<t@example.com>\nSubject: hi\n\nbody\n";
    let obs_eml = "From  : John Doe <jdoe@example.org>\nTo    : Mary Smith <mary@example.net>\n\
                   Subject     : Saying Hello\nDate  : Fri, 21 Nov 1997 09:55:06 -0600\n\nHi\n";
    vec![
        ("mbox whose only message is empty", empty_first),
        (
            "mbox with obsolete `Name  :` header syntax",
            obs_mbox.to_vec(),
        ),
        (
            "eml with obsolete `Name  :` header syntax (RFC 5322 A.6.3)",
            mail::crlf(obs_eml.as_bytes()),
        ),
    ]
}

#[test]
fn bare_mail_with_empty_message_or_obsolete_header_syntax_roundtrips() {
    let failed: Vec<&str> = odd_but_valid_bare_inputs()
        .into_iter()
        .filter(|(label, input)| {
            catch_unwind(AssertUnwindSafe(|| assert_roundtrip(label, input, false))).is_err()
        })
        .map(|(label, _)| label)
        .collect();
    assert!(
        failed.is_empty(),
        "rejected or changed: {failed:?} (details above)"
    );
}
