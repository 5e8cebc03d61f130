//! Recall, phones and addresses as they appear (issue 12, section 3): a
//! request with an international number and a plain address finds the
//! national, `00`/`011` and `(0)` forms of the number, and the address
//! percent-, HTML- and QP-encoded inside URLs and spelt out in text
//! (`at`/`dot`). Table-driven, each case in LF and CRLF, decoys beside: `scan
//! --json` flags exactly the planted messages, `scrub` leaves no trace that
//! `mailparse` (plus the tests' own percent and HTML decoders) can find, and
//! untouched messages are byte-identical.
//!
//! All people, addresses and numbers are fictional.

use std::collections::BTreeSet;

use crate::support::encode::{html_unescape, percent_decode};
use crate::support::erasure::scan_json;
use crate::support::mail::crlf;
use crate::support::*;
use crate::testdata::decoded_text;

const REQUEST: &str = "[[subject]]\nid = \"REQ-CON-1\"\nemails = [\"jane.doe@example.com\"]\n\
                       phones = [\"+44 20 7946 0018\"]\n";

/// A family of forms: what is planted and what must stay.
struct Family {
    name: &'static str,
    /// Texts that hold the subject's identifier in some form.
    positive: &'static [&'static str],
    /// Texts that look alike but hold none.
    decoys: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        name: "national phone",
        positive: &[
            "call 020 7946 0018 today",
            "tel. (020) 7946-0018",
            "020-7946-0018",
            "office:02079460018.",
            "020.7946.0018 (desk)",
        ],
        decoys: &[
            "call 020 7946 0019 today",
            "ref 0020 7946 0018",
            "020 7946 00189",
            "+33 20 7946 0018",
            "1020 7946 0018",
        ],
    },
    Family {
        name: "00/011 prefixes",
        positive: &[
            "call 0044 20 7946 0018",
            "0044 (20) 7946-0018",
            "from the US: 011 44 20 7946 0018",
            "01144-20-7946-0018",
            "00442079460018",
        ],
        decoys: &[
            "call 0044 20 7946 0019",
            "10044 20 7946 0018",
            "0044 20 7946 00181",
            "0033 20 7946 0018",
            "0114 4207 9460 0",
        ],
    },
    Family {
        name: "(0) inside",
        positive: &[
            "+44 (0)20 7946 0018",
            "+44 (0) 20 7946 0018",
            "0044 (0)20 7946 0018",
            "+44(0)2079460018",
            "44 (0)20-7946-0018",
        ],
        decoys: &[
            "+44 (0)20 7946 0019",
            "+44 (1)20 7946 0018",
            "+44 (0)20 7946 00189",
            "+44 (0)21 7946 0018",
            "+44 (0)20 7946 001",
        ],
    },
    Family {
        name: "percent-encoded address",
        positive: &[
            "mailto:jane.doe%40example.com?subject=Hi",
            "https://t.example.net/c?u=jane.doe%2540example.com&x=1",
            "JANE%2EDOE%40EXAMPLE%2ECOM",
            "https://t.example.net/c?e=jane.doe%40example%2Ecom",
            "<https://x.example.net/u?r=jane.doe%40Example.com>",
        ],
        decoys: &[
            "mailto:notjane.doe%40example.com",
            "mailto:jane.doe%40example.community",
            "u=jane.doe%4example.com",
            "u=jane.doe%41example.com",
            "mailto:jane.doe%40example.co",
        ],
    },
    Family {
        name: "HTML and QP in URLs",
        positive: &[
            "href=mailto:jane.doe&#64;example.com",
            "https://x.example.net/?to=jane.doe&#x40;example&#x2e;com",
            "see jane.doe&commat;example&period;com",
            "https://x.example.net/?e=jane.doe=40example.com&z",
            "jane.doe&#064;example.com",
        ],
        decoys: &[
            "href=mailto:notjane.doe&#64;example.com",
            "jane.doe&#65;example.com",
            "jane.doe&commat;example&period;community",
            "e=jane.doe=41example.com",
            "jane.doe=40example.comx",
        ],
    },
    Family {
        name: "obfuscations",
        positive: &[
            "write to jane.doe at example dot com please",
            "jane.doe(at)example.com",
            "jane.doe [at] example [dot] com",
            "JANE DOT DOE AT EXAMPLE DOT COM",
            "jane.doe{at}example{dot}com",
            "jane.doe <at> example.com",
        ],
        decoys: &[
            "notjane.doe at example dot com",
            "jane.doe at example dot community",
            "jane.doe at example dot com dot evil dot net",
            "jane.doeat example dot com",
            "meet jane at example dot com",
            "jane.doe at examples dot com",
        ],
    },
];

/// One message of the mbox, as LF text, with a body line `text`.
fn message(n: usize, text: &str) -> String {
    format!(
        "From sender@other.test Thu Jan  1 00:00:00 2026\n\
         From: Sam Roe <sender@other.test>\n\
         To: Kim Poe <kim@other.test>\n\
         Subject: note {n}\n\
         Message-ID: <{n}@other.test>\n\
         \n\
         Hello,\n\
         {text}\n\
         Regards\n\
         \n"
    )
}

/// The messages of an mbox, split at its `From ` lines.
fn split_mbox(bytes: &[u8]) -> Vec<&[u8]> {
    let mut starts: Vec<usize> = (0..bytes.len())
        .filter(|&i| (i == 0 || bytes[i - 1] == b'\n') && bytes[i..].starts_with(b"From "))
        .collect();
    starts.push(bytes.len());
    starts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

/// Traces of the subject in `msg`: its decoded text (by `mailparse`), that
/// text percent- and HTML-decoded, and the raw bytes.
fn traces(msg: &[u8]) -> Vec<String> {
    let decoded = decoded_text(msg);
    let raw = String::from_utf8_lossy(msg).into_owned();
    let mut found = Vec::new();
    for text in [
        decoded.clone(),
        String::from_utf8_lossy(&percent_decode(decoded.as_bytes())).into_owned(),
        html_unescape(&decoded),
        raw,
    ] {
        let lower = text.to_lowercase();
        for word in ["jane", "7946", "%40example", "example dot"] {
            if lower.contains(word) {
                found.push(format!("{word:?} in {text:?}"));
            }
        }
        let digits: String = lower.chars().filter(char::is_ascii_digit).collect();
        if digits.contains("79460018") {
            found.push(format!("the phone's digits in {text:?}"));
        }
    }
    found
}

#[test]
fn contact_forms_are_found_and_scrubbed_without_trace() {
    for family in FAMILIES {
        for line_end in ["LF", "CRLF"] {
            let label = format!("{} ({line_end})", family.name);
            let cases: Vec<(&str, bool)> = family
                .positive
                .iter()
                .map(|t| (*t, true))
                .chain(family.decoys.iter().map(|t| (*t, false)))
                .collect();
            let mut mbox = Vec::new();
            let mut bytes_of = Vec::new();
            for (n, (text, _)) in cases.iter().enumerate() {
                let lf = message(n, text);
                let m = if line_end == "LF" {
                    lf.into_bytes()
                } else {
                    crlf(lf.as_bytes())
                };
                mbox.extend_from_slice(&m);
                bytes_of.push(m);
            }
            let w = Work::new();
            w.write("in", &mbox);
            w.request(REQUEST);
            let (_, report) = scan_json(&w, "request.toml", "in", &[]);
            let flagged: BTreeSet<u64> = report.flagged().into_iter().map(|(_, i)| i).collect();
            let planted: BTreeSet<u64> = (0..cases.len() as u64)
                .filter(|&i| cases[i as usize].1)
                .collect();
            let names = |set: &BTreeSet<u64>| -> Vec<&str> {
                set.iter().map(|&i| cases[i as usize].0).collect()
            };
            assert_eq!(
                names(&flagged),
                names(&planted),
                "{label}: flagged vs planted"
            );
            w.scrub(&w.path("request.toml"), &[]).success(&label);
            let out = w.read("out").expect("output");
            let msgs = split_mbox(&out);
            assert_eq!(msgs.len(), cases.len(), "{label}: messages in the output");
            for (n, ((text, planted), got)) in cases.iter().zip(&msgs).enumerate() {
                if *planted {
                    let left = traces(got);
                    assert!(left.is_empty(), "{label}: {text:?} left {left:?}");
                    assert!(
                        mailparse::parse_mail(got).is_ok(),
                        "{label}: {text:?} output does not parse"
                    );
                } else {
                    assert_bytes_eq(&format!("{label}: decoy {n} {text:?}"), &bytes_of[n], got);
                }
            }
        }
    }
}

#[test]
fn phone_and_address_forms_turn_off_in_the_matching_table() {
    use crate::support::family::{Family, Line::Body, check};
    check(&Family {
        name: "contact-off",
        request: "[matching]\nphone_forms = false\naddress_forms = false\n\n\
                  [[subject]]\nid = \"REQ-CON-2\"\nemails = [\"jane.doe@example.com\"]\n\
                  phones = [\"+44 20 7946 0018\"]\n",
        positives: &[
            (Body("call +44 20 7946 0018"), "7946 0018"),
            (Body("call 44 20 7946 0018"), "7946 0018"),
            (Body("mail jane.doe@example.com"), "jane.doe@example.com"),
            (Body("<JANE.DOE@EXAMPLE.COM>"), "jane.doe@example.com"),
            (Body("jane.doe+x@example.com"), "jane.doe+x@example.com"),
        ],
        decoys: &[
            Body("call 020 7946 0018"),
            Body("call 0044 20 7946 0018"),
            Body("+44 (0)20 7946 0018"),
            Body("mailto:jane.doe%40example.com"),
            Body("jane.doe at example dot com"),
        ],
    });
}
