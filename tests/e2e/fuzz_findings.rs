//! Findings of the fuzz targets (`fuzz/README.md`, F1-F7), reduced to the
//! smallest input each (F2 (a), F3 and F4 are tested in `verify_findings`
//! and `nested_headers`).

use crate::support::cli::Work;
use crate::support::encode;
use crate::support::erasure::verify_text;
use crate::support::tarw::{EndPadding, TarWriter};
use crate::verify_findings::scrub_and_verify;

/// The request of F6: an address, a name and a phone number.
const REQUEST: &str = "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\n\
names = [\"Jane Doe\"]\nphones = [\"+44 20 7946 0018\"]\n";

/// F1: the ustar version `00` runs into a uname that is the address
/// (`00jane.doe@example.com` is no address by the matcher's rule), so the
/// header is kept byte for byte with the address in it.
#[test]
fn a_uname_after_the_ustar_version_is_erased() {
    let w = Work::new();
    let mut uname = [0u8; 32];
    uname[..20].copy_from_slice(b"jane.doe@example.com");
    let tar = TarWriter::new()
        .file_with_header_bytes("notes.txt", b"plain\n", 265, &uname)
        .finish(EndPadding::TwoBlocks);
    let report = scrub_and_verify(&w, &tar);
    let out = w.read("out").expect("the output");
    assert!(
        !out.windows(20).any(|win| win == b"jane.doe@example.com"),
        "the output still holds the address"
    );
    assert_eq!(report.run.code, Some(0), "{}", report.dump());
}

/// F2 too: of two members with one path, one is dropped for its header;
/// verify held the drop against the first one even when that one was kept.
/// A member the output holds with its header as read is present, in
/// either order.
#[test]
fn a_drop_among_members_with_one_path_verifies() {
    for dropped_first in [false, true] {
        let w = Work::new();
        let mut tw = TarWriter::new();
        if dropped_first {
            tw.file_with_header_bytes("x", b"", 501, b"Jane Doe")
                .file("x", b"");
        } else {
            tw.file("x", b"")
                .file_with_header_bytes("x", b"", 501, b"Jane Doe");
        }
        let tar = tw.finish(EndPadding::TwoBlocks);
        let report = scrub_and_verify(&w, &tar);
        assert_eq!(
            report.run.code,
            Some(0),
            "{dropped_first}: {}",
            report.dump()
        );
    }
}

/// F5: a header cache whose tar header holds an identifier that cannot be
/// removed, in a folder where a message changed, is left out once but
/// recorded twice: two removals, `sidecars_dropped` 2, and one member too
/// few in the manifest's output record.
#[test]
fn a_cache_dropped_for_two_reasons_is_recorded_once() {
    let w = Work::new();
    let tar = TarWriter::new()
        .file_with_header_bytes(
            "Mail/Inbox.msf",
            b"// <!-- <mdb:mork:z v=\"1.4\"/> -->\n",
            501,
            b"Jane Doe",
        )
        .file(
            "Mail/Inbox",
            b"From jane.doe@example.com Mon Jan  1 00:00:00 2024\n\
              From: jane.doe@example.com\nSubject: x\n\nbody\n",
        )
        .finish(EndPadding::TwoBlocks);
    let report = scrub_and_verify(&w, &tar);
    assert_eq!(report.run.code, Some(0), "{}", report.dump());
}

/// F6: a phone number that runs from a member's padding (not all zeros)
/// into the next header's name: each was scanned apart, neither holds it,
/// and the output held it whole. Now the padding is held until the next
/// header and searched with it; `verify --subjects` finds it in the input.
#[test]
fn an_identifier_across_padding_and_the_next_header_is_erased() {
    let w = Work::new();
    let mut padding = vec![0u8; 512 - 6 - 9];
    padding.extend_from_slice(b"\ncall +44");
    let tar = TarWriter::new()
        .file_with_padding("notes.txt", b"plain\n", &padding)
        .dir(" 20 7946 0018 here/")
        .finish(EndPadding::TwoBlocks);
    w.write("in", &tar);
    let request = w.request(REQUEST);
    w.scrub(&request, &["--strict"]).success("scrub");
    let out = w.read("out").expect("the output");
    assert!(
        !out.windows(16).any(|win| win == b"+44 20 7946 0018"),
        "the output still holds the phone number"
    );
    let report = verify_text(&w, &["--subjects", "request.toml", "--input", "in", "out"]);
    assert_eq!(report.run.code, Some(0), "{}", report.dump());
    w.write("out", &tar);
    let report = verify_text(&w, &["--subjects", "request.toml", "out"]);
    let subjects = report.check("subjects");
    assert_eq!(subjects.status, "FAILED", "{}", report.dump());
    assert!(
        subjects.detail.contains("padding after the data"),
        "{}",
        report.dump()
    );
}

/// F6 too, without padding: data that ends on a block boundary with
/// `jane.doe@exa`, then a directory `mple.com/`. Zeroing nothing cannot part
/// them, so the directory is renamed `erased` (recorded), and `verify`
/// accepts the rename.
#[test]
fn an_identifier_across_block_aligned_data_and_the_next_header_is_erased() {
    let w = Work::new();
    let mut data = vec![b'x'; 512 - 13];
    data.extend_from_slice(b" jane.doe@exa");
    let tar = TarWriter::new()
        .file("notes.txt", &data)
        .dir("mple.com/")
        .finish(EndPadding::TwoBlocks);
    let report = scrub_and_verify(&w, &tar);
    let out = w.read("out").expect("the output");
    assert!(
        !out.windows(8).any(|win| win == b"mple.com"),
        "the output still holds the rest of the address"
    );
    assert_eq!(report.run.code, Some(0), "{}", report.dump());
}

/// F7: deleting a message joined the two around it. The first has no
/// header fields (its blank line ends its header block) and the last has a
/// `From ` line without a full date: in the input it follows the deleted
/// message's closing blank line, in the output the blank line that ends the
/// first one's header block, so it no longer started a message. Now the
/// writer puts a blank line (two after a message without a blank line at
/// all) between them, and `verify --input` expects it; in a bare mbox and
/// in one inside a tar.
#[test]
fn a_deletion_keeps_the_next_message_apart() {
    let deleted =
        "From jane.doe@example.com Mon Jan  1 00:00:00 2024\nFrom: jane.doe@example.com\n\nx\n\n";
    let last = "From bob@example.org\nSubject: b\n\ny\n";
    for (first, sep) in [
        ("From a@example.org\n\n", "\n"),
        ("From a@example.org\nSubject: a\n", "\n\n"),
        ("From a@example.org\nSubject: a\n\nbody\n\n", ""),
    ] {
        let mbox = format!("{first}{deleted}{last}");
        let w = Work::new();
        let report = scrub_and_verify(&w, mbox.as_bytes());
        assert_eq!(report.run.code, Some(0), "{first:?}: {}", report.dump());
        let out = w.read("out").expect("the output");
        assert_eq!(String::from_utf8_lossy(&out), format!("{first}{sep}{last}"));
        let w = Work::new();
        let tar = TarWriter::new()
            .file("u/mbox", mbox.as_bytes())
            .finish(EndPadding::TwoBlocks);
        let report = scrub_and_verify(&w, &tar);
        assert_eq!(report.run.code, Some(0), "{first:?}: {}", report.dump());
        let out = w.read("out").expect("the output");
        let want = format!("{first}{sep}{last}");
        assert!(
            out.windows(want.len()).any(|win| win == want.as_bytes()),
            "{first:?}: the tar's mbox is not {want:?}"
        );
    }
}

/// A message of `levels` enclosed messages (7bit `message/rfc822`, the
/// first `base64_from` of them plain, the rest base64-encoded) inside a
/// multipart, the address in an encoded word of level `at`'s subject.
fn enclosed_levels(levels: usize, base64_from: usize, at: usize) -> Vec<u8> {
    let header = |level: usize| {
        let subject = match level == at {
            true => format!(
                " {}",
                encode::word_b("utf-8", b" about jane.doe@example.com here")
            ),
            false => String::new(),
        };
        format!(
            "From: someone@example.org\r\nTo: other@example.org\r\nSubject: level {level}{subject}\r\n"
        )
    };
    let mut entity =
        format!("{}Content-Type: text/plain\r\n\r\nend\r\n", header(levels)).into_bytes();
    for level in (1..levels).rev() {
        let mut outer = header(level).into_bytes();
        if level >= base64_from {
            outer.extend_from_slice(
                b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n",
            );
            outer.extend_from_slice(
                encode::base64_lines(&entity, 76)
                    .replace('\n', "\r\n")
                    .as_bytes(),
            );
        } else {
            outer.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
            outer.extend_from_slice(&entity);
        }
        entity = outer;
    }
    let mut message = header(0).into_bytes();
    message.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b0_\"\r\n\r\n\
          --=_b0_\r\nContent-Type: text/plain\r\n\r\nnothing\r\n\r\n--=_b0_\r\n",
    );
    message.extend_from_slice(&entity);
    message.extend_from_slice(b"\r\n--=_b0_--\r\n");
    message
}

/// F8: mail-parser loses the header block of one level of enclosed
/// messages inside a multipart (here level 3 of 5, and level 18 of 32 with
/// the twelve innermost levels base64-encoded): an address in an encoded
/// word there was never searched and the message was kept. Now a message
/// that encloses one is salvaged too (every line's encoded words, every
/// encoded body decoded level by level): it is redacted, and the output
/// verifies.
#[test]
fn a_header_mail_parser_loses_is_still_searched() {
    for (levels, base64_from, at) in [(5, 99, 3), (32, 21, 18)] {
        let w = Work::new();
        let message = enclosed_levels(levels, base64_from, at);
        let report = scrub_and_verify(&w, &message);
        assert_eq!(report.run.code, Some(0), "{levels}/{at}: {}", report.dump());
        let manifest =
            String::from_utf8(w.read("out.manifest.json").expect("manifest")).expect("utf-8");
        assert!(
            manifest.contains("\"redacted\": 1"),
            "{levels}/{at}: the message was not redacted:\n{manifest}"
        );
    }
}
