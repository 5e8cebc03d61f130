//! The attachment extractor on any bytes: byte 0 picks the part's content
//! type and file name (the labels the extractor falls back on, and the name
//! a gzip member inherits), the rest is the attachment after transfer
//! decoding, its format told by content (zip/OOXML/ODF, gzip, PDF, RTF,
//! TNEF) or by the labels (vCard, iCalendar, an enclosed message). The
//! extraction runs with a budget of [`BUDGET`] bytes and must return; every
//! text it gives is then scanned by `Matcher::scan_bytes`, which runs the
//! raw safety net (base64, quoted-printable and uuencode runs) and the
//! search for encoded and spelt addresses on it.
//!
//! A panic in the crate's own code is a finding even where the extractor's
//! guard catches it (the attachment would count as unreadable, the message
//! unsearchable); a panic inside a dependency (the zip reader, lopdf and
//! what they use), caught by that guard, is the parser refusing the input
//! and not one. A panic that escapes the extractor is always one.
#![no_main]

mod common;

use std::sync::{Once, OnceLock};

use libfuzzer_sys::fuzz_target;
use mailscrub::matcher::Matcher;

/// What the extraction of one attachment may produce (the matcher's
/// default `--max-message-size` is larger; this keeps runs quick).
const BUDGET: u64 = 16 << 20;

/// The content type and file name byte 0 chooses (modulo their number).
const LABELS: &[(&str, &str)] = &[
    ("", ""),
    ("application/octet-stream", "attachment.bin"),
    ("application/zip", "archive.zip"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "report.docx",
    ),
    ("application/vnd.oasis.opendocument.text", "notes.odt"),
    ("application/gzip", "notes.txt.gz"),
    ("application/pdf", "scan.pdf"),
    ("application/rtf", "letter.rtf"),
    ("application/ms-tnef", "winmail.dat"),
    ("text/vcard", "contact.vcf"),
    ("text/calendar", "invite.ics"),
    ("message/rfc822", "forwarded.eml"),
];

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| Matcher::new(common::request()))
}

/// Lets the panics raised inside dependencies pass silently (the
/// extractor's guard catches them; one that escapes still ends the run, by
/// libFuzzer's own check); any other panic goes to libFuzzer's hook, which
/// aborts.
fn install_panic_filter() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let file = info.location().map(|l| l.file()).unwrap_or_default();
            if !file.contains("/registry/src/") {
                fuzzer_hook(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    install_panic_filter();
    let Some((&label, bytes)) = data.split_first() else {
        return;
    };
    let (content_type, name) = LABELS[usize::from(label) % LABELS.len()];
    let matcher = matcher();
    mailscrub::extract::extract_attachment(bytes, content_type, name, BUDGET, &mut |piece, _| {
        assert!(matcher.scan_bytes(piece).iter().all(|hit| hit.subject == 0));
    });
});
