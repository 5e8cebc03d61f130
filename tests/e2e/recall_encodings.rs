//! Issue 12, section 1: broken encodings fail closed. Each family plants the
//! subject in a broken part (LF and CRLF), beside decoys broken the same way:
//! `scan --json` flags exactly the planted messages, `scrub` leaves no trace
//! that the tests' own lenient decoders or `mailparse` can find, and the
//! decoys come out byte-identical. A part no decoder can read (an unknown
//! transfer encoding) makes its message unredactable: deleted, with a reason.
//!
//! All people and addresses are fictional.

use std::collections::BTreeSet;

use crate::support::compress::gzip;
use crate::support::encode::base64;
use crate::support::erasure::{read_manifest, scan_json};
use crate::support::lenient::{all_texts, squeezed};
use crate::support::mail::crlf;
use crate::support::*;

const REQUEST: &str = "[[subject]]\nid = \"REQ-ENC-1\"\nemails = [\"jane.doe@example.com\"]\n\
                       names = [\"Jane Doe\", \"Renée Müller\"]\n";

/// What must never be left, squeezed and lower-cased as [`squeezed`] gives it.
const IDS: [&str; 3] = ["jane.doe@example.com", "jane doe", "renée müller"];

/// The planted payload and a decoy one: the same shape, near-miss identifiers.
fn payload(planted: bool) -> String {
    let (name, addr, other) = if planted {
        ("Jane Doe", "jane.doe@example.com", "Renée Müller")
    } else {
        ("Janet Doe", "jane.doe@example.org", "Renée Müllers")
    };
    let mut text = String::new();
    for i in 0..6 {
        text.push_str(&format!(
            "Line {i} of the quarterly figures, nothing personal here.\n"
        ));
    }
    text.push_str(&format!(
        "Please forward this to {name} <{addr}> and {other}.\n"
    ));
    text.push_str("Regards, the team\n");
    text
}

/// A multipart message: a text part, then a small PDF attachment whose part
/// header is `headers` (its name) and base64.
fn with_pdf(id: &str, headers: &str) -> Vec<u8> {
    let body = format!(
        "--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\n{headers}\
         Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b1--\n"
    );
    single(
        id,
        "Content-Type: multipart/mixed; boundary=\"b1\"\n",
        &body,
    )
}

/// The accented name of the payload: the subject's, or the decoy's near miss.
fn accented_name(payload: &str) -> &'static str {
    if payload.contains("Jane Doe") {
        "Renée Müller"
    } else {
        "Renée Müllers"
    }
}

/// Base64 of `data` wrapped at 76 characters.
fn b64_lines(data: &[u8]) -> Vec<String> {
    base64(data)
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).expect("ASCII"))
        .collect()
}

/// A single-part message with `headers` and `body` (LF line ends).
fn single(id: &str, headers: &str, body: &str) -> Vec<u8> {
    format!(
        "From: Sender <sender@example.net>\nTo: team@example.net\nSubject: figures\n\
         Message-ID: <{id}@test.invalid>\nMIME-Version: 1.0\n{headers}\n{body}"
    )
    .into_bytes()
}

const B64_TEXT: &str =
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n";
const QP_TEXT: &str =
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n";

/// Quoted-printable of `text`, every `@` and `ö`-like byte escaped with
/// `hex` (upper or lower case), the space inside each name as `=20`.
fn qp_with(text: &str, lower: bool) -> String {
    let mut out = String::new();
    for &b in text.as_bytes() {
        if b == b'@' || b == b'=' || !b.is_ascii() || b == b' ' && lower {
            if lower {
                out.push_str(&format!("={b:02x}"));
            } else {
                out.push_str(&format!("={b:02X}"));
            }
        } else {
            out.push(char::from(b));
        }
    }
    out
}

/// One family: a name and how it breaks a message around a payload.
type Build = fn(&str, &str) -> Vec<u8>;

fn families() -> Vec<(&'static str, Build)> {
    vec![
        ("b64-junk", |id, p| {
            let body: Vec<String> = b64_lines(p.as_bytes())
                .iter()
                .map(|l| {
                    let mut s = String::new();
                    for (i, c) in l.chars().enumerate() {
                        if i % 17 == 5 {
                            s.push(['!', '*', '%', '#'][i % 4]);
                        }
                        s.push(c);
                    }
                    s
                })
                .collect();
            single(id, B64_TEXT, &(body.join("\n") + "\n"))
        }),
        ("b64-nopad", |id, p| {
            let mut p = p.to_owned();
            while p.len() % 3 == 0 {
                p.push('x');
            }
            let body = b64_lines(p.as_bytes()).join("\n");
            assert!(body.ends_with('='));
            single(
                id,
                B64_TEXT,
                &(body.trim_end_matches('=').to_owned() + "\n"),
            )
        }),
        ("b64-midpad", |id, p| {
            let (a, b) = p.split_at(p.find("Please").unwrap() + 3);
            let a = format!("{a}xy");
            let body = [b64_lines(a.as_bytes()), b64_lines(b.as_bytes())]
                .concat()
                .join("\n");
            single(id, B64_TEXT, &(body + "===\n"))
        }),
        ("b64-truncated", |id, p| {
            let p = format!("{p}tail");
            let mut body = b64_lines(p.as_bytes()).join("\n");
            body.truncate(body.len() - 3);
            single(id, B64_TEXT, &(body + "\n"))
        }),
        ("b64-breaks", |id, p| {
            let flat = base64(p.as_bytes());
            let widths = [7usize, 13, 2, 29, 5, 1, 11];
            let mut body = String::new();
            let mut at = 0;
            for w in widths.iter().cycle() {
                if at >= flat.len() {
                    break;
                }
                let end = (at + w).min(flat.len());
                body.push_str(&flat[at..end]);
                body.push('\n');
                at = end;
            }
            single(id, B64_TEXT, &body)
        }),
        ("b64-shortline", |id, p| {
            let mut lines = b64_lines(p.as_bytes());
            lines[1].remove(30);
            single(id, B64_TEXT, &(lines.join("\n") + "\n"))
        }),
        ("qp-bad-escape", |id, p| {
            let body = format!("Totals =ZZ and =4 and =G1 stay.\n{}", qp_with(p, false));
            single(id, QP_TEXT, &body)
        }),
        ("qp-lowercase", |id, p| {
            single(id, QP_TEXT, &qp_with(p, true))
        }),
        ("qp-long-lines", |id, p| {
            // One line far past the 76 characters RFC 2045 allows.
            let q = qp_with(p, false).replace('\n', " ")
                + " and more words that run this line well past the limit of RFC 2045\n";
            assert!(q.lines().any(|l| l.len() > 76));
            single(id, QP_TEXT, &q)
        }),
        ("qp-trailing-ws", |id, p| {
            let q = qp_with(p, false);
            let q = q
                .replacen(" Doe", " =  \t\nDoe", 1)
                .replacen("@exa", "@exa= \nmple", 1);
            let q = q.replacen("mple", "", 1).replacen("Line 0", "Line 0   ", 1);
            single(id, QP_TEXT, &q)
        }),
        ("w-badpad", |id, p| {
            let name = if p.contains("Jane Doe") {
                "Jane Doe"
            } else {
                "Janet Doe"
            };
            let word = base64(name.as_bytes());
            let word = word.trim_end_matches('=');
            let headers = format!("Comments: =?utf-8?B?{word}?= and =?utf-8?B?{word}===?=\n");
            let text = p.replace(name, "someone");
            single(id, &headers, &text.replace("Renée Müller", "R. M."))
        }),
        ("w-unknown-charset", |id, p| {
            let name = if p.contains("Jane Doe") {
                "Jane_Doe"
            } else {
                "Janet_Doe"
            };
            single(
                id,
                &format!("Comments: =?x-no-such-charset?Q?{name}?=\n"),
                "No names here.\n",
            )
        }),
        ("w-unknown-charset-addr", |id, p| {
            let addr = if p.contains("example.com") {
                "jane.doe=40example.com"
            } else {
                "jane.doe=40example.org"
            };
            single(
                id,
                &format!("Comments: =?foo?Q?{addr}?=\n"),
                "No names here.\n",
            )
        }),
        // A charset label that is wrong: UTF-8 bytes labelled ISO-8859-1
        // (a charset the structural prefilter reads itself) and ISO-8859-2,
        // windows-1252 bytes labelled UTF-8, and a mislabelled attachment
        // name in a part header.
        ("w-utf8-as-latin1", |id, p| {
            let word = base64(accented_name(p).as_bytes());
            let headers = format!("Subject: =?ISO-8859-1?B?{word}?=\n");
            single(id, &headers, "No names here.\n")
        }),
        ("w-utf8-as-latin2-q", |id, p| {
            let word = qp_with(accented_name(p), false).replace(' ', "_");
            let headers = format!("Subject: Re: =?iso-8859-2?Q?{word}?= (call)\n");
            single(id, &headers, "No names here.\n")
        }),
        ("w-1252-as-utf8", |id, p| {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(accented_name(p));
            let word = base64(&bytes);
            single(
                id,
                &format!("Subject: =?utf-8?B?{word}?=\n"),
                "No names here.\n",
            )
        }),
        ("w-utf8-as-latin1-filename", |id, p| {
            let word = base64(format!("{}.pdf", accented_name(p)).as_bytes());
            with_pdf(
                id,
                &format!("Content-Type: application/pdf; name=\"=?ISO-8859-1?B?{word}?=\"\n"),
            )
        }),
        ("p-utf8-as-latin1-rfc2231", |id, p| {
            let name: String = accented_name(p)
                .bytes()
                .map(|b| format!("%{b:02X}"))
                .collect();
            with_pdf(
                id,
                &format!(
                    "Content-Type: application/pdf\n\
                     Content-Disposition: attachment; filename*=iso-8859-1''{name}.pdf\n"
                ),
            )
        }),
        ("w-badpad-addr", |id, p| {
            let addr = if p.contains("example.com") {
                "jane.doe@example.com"
            } else {
                "jane.doe@example.org"
            };
            let word = base64(addr.as_bytes()).trim_end_matches('=').to_owned() + "=";
            single(
                id,
                &format!("Comments: =?utf-8?B?{word}?=\n"),
                "No names here.\n",
            )
        }),
        ("w-junk-in-b", |id, p| {
            let name = if p.contains("Jane Doe") {
                "Jane Doe"
            } else {
                "Janet Doe"
            };
            let mut word = base64(name.as_bytes());
            word.insert(4, '!');
            word.insert(9, '.');
            single(
                id,
                &format!("Subject: =?utf-8?B?{word}?=\n"),
                "No names here.\n",
            )
        }),
        ("w-split-badpad", |id, p| {
            let name = if p.contains("Jane Doe") {
                "Jane Doe"
            } else {
                "Janet Doe"
            };
            let (a, b) = name.split_at(4);
            let w = |t: &str| base64(t.as_bytes()).trim_end_matches('=').to_owned();
            let headers = format!("Subject: =?utf-8?B?{}?=\n =?UTF-8?b?{}=?=\n", w(a), w(b));
            single(id, &headers, "No names here.\n")
        }),
        ("cs-utf8-as-1252", |id, p| {
            let headers = "Content-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: base64\n";
            single(id, headers, &(b64_lines(p.as_bytes()).join("\n") + "\n"))
        }),
        ("cs-1252-as-utf8", |id, p| {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(p);
            single(id, B64_TEXT, &(b64_lines(&bytes).join("\n") + "\n"))
        }),
        ("cs-utf8-as-utf16", |id, p| {
            let headers =
                "Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: base64\n";
            single(id, headers, &(b64_lines(p.as_bytes()).join("\n") + "\n"))
        }),
        ("cs-utf8-as-koi8r-qp", |id, p| {
            let headers = "Content-Type: text/plain; charset=koi8-r\n\
                           Content-Transfer-Encoding: quoted-printable\n";
            single(id, headers, &qp_with(p, false))
        }),
        ("cs-1252-as-ascii-8bit", |id, p| {
            let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(p);
            let mut m = single(id, "Content-Type: text/plain; charset=us-ascii\n", "");
            m.extend_from_slice(&bytes);
            m
        }),
        ("mp-noclose", |id, p| {
            let body = format!(
                "--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\n{B64_TEXT}\n{}\n",
                b64_lines(p.as_bytes()).join("\n")
            );
            single(
                id,
                "Content-Type: multipart/mixed; boundary=\"b1\"\n",
                &body,
            )
        }),
        ("mp-noclose-qp", |id, p| {
            let body = format!(
                "--b1\nContent-Type: text/plain\n\nSee attached.\n--b1\n{QP_TEXT}\n{}",
                qp_with(p, false).replacen("example", "exam=\nple", 1)
            );
            single(
                id,
                "Content-Type: multipart/mixed; boundary=\"b1\"\n",
                &body,
            )
        }),
        ("mp-nested-noclose", |id, p| {
            let body = format!(
                "--b1\nContent-Type: multipart/alternative; boundary=\"b2\"\n\n--b2\n\
                 Content-Type: text/plain\n\nSee attached.\n--b2\n{B64_TEXT}\n{}\n--b1--\n",
                b64_lines(p.as_bytes()).join("\n")
            );
            single(
                id,
                "Content-Type: multipart/mixed; boundary=\"b1\"\n",
                &body,
            )
        }),
        ("mp-undeclared", |id, p| {
            let body = format!(
                "--zz\nContent-Type: text/plain\n\nSee attached.\n--zz\n{B64_TEXT}\n{}\n--zz--\n",
                b64_lines(p.as_bytes()).join("\n")
            );
            single(id, "Content-Type: multipart/mixed\n", &body)
        }),
        ("mp-after-close", |id, p| {
            let body = format!(
                "--b1\nContent-Type: text/plain\n\nSee attached.\n--b1--\n--b1\n{B64_TEXT}\n{}\n--b1--\n",
                b64_lines(p.as_bytes()).join("\n")
            );
            single(
                id,
                "Content-Type: multipart/mixed; boundary=\"b1\"\n",
                &body,
            )
        }),
        ("plain-b64-blob", |id, p| {
            let body = format!(
                "Here is the blob:\n\n{}\n\nbye\n",
                b64_lines(p.as_bytes()).join("\n")
            );
            single(id, "Content-Type: text/plain\n", &body)
        }),
        ("plain-qp-looking", |id, p| {
            let addr = if p.contains("example.com") {
                "jane.doe=40example.com"
            } else {
                "jane.doe=40example.org"
            };
            single(
                id,
                "Content-Type: text/plain\n",
                &format!("Write to {addr} for jane's figures.\n"),
            )
        }),
        ("uuencode", |id, p| {
            let body = format!(
                "Attached:\n\nbegin 644 note.txt\n{}`\nend\n",
                uuencode(p.as_bytes())
            );
            single(id, "Content-Type: text/plain\n", &body)
        }),
    ]
}

/// Uuencode lines (45 bytes each) of `data`.
fn uuencode(data: &[u8]) -> String {
    let c = |v: u32| char::from(if v == 0 { b'`' } else { b' ' + v as u8 });
    let mut out = String::new();
    for line in data.chunks(45) {
        out.push(c(line.len() as u32));
        for g in line.chunks(3) {
            let b = [g[0], *g.get(1).unwrap_or(&0), *g.get(2).unwrap_or(&0)];
            let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                out.push(c((v >> (18 - 6 * i)) & 63));
            }
        }
        out.push('\n');
    }
    out
}

/// The messages of an mbox (each without its `From ` line), in order.
fn split_mbox(mbox: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut at_start = true;
    for line in mbox.split_inclusive(|&b| b == b'\n') {
        if at_start && line.starts_with(b"From ") {
            out.push(Vec::new());
        } else if let Some(m) = out.last_mut() {
            m.extend_from_slice(line);
        }
        at_start = line.trim_ascii().is_empty() || line.starts_with(b"From ");
    }
    out
}

fn message_id(msg: &[u8]) -> String {
    let text = String::from_utf8_lossy(msg);
    let at = text.find("Message-ID: <").expect("a Message-ID") + 13;
    text[at..at + text[at..].find('@').expect("an id")].to_owned()
}

/// Every identifier form (by its label) still readable in `msg`.
fn traces(msg: &[u8]) -> Vec<&'static str> {
    let texts = all_texts(msg);
    IDS.iter()
        .copied()
        .filter(|id| texts.iter().any(|t| whole_word(t, id)))
        .collect()
}

/// `id` in `text` with no letter or digit (or `.`) right before or after.
fn whole_word(text: &str, id: &str) -> bool {
    text.match_indices(id).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + id.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '.');
        !word(before) && !after.is_some_and(|c| c.is_alphanumeric())
    })
}

/// One message of a fixture: its id, whether the subject is planted, its bytes.
type Fixed = (String, bool, Vec<u8>);

/// Builds the mbox of every family (planted and decoy) with `eol`.
fn fixture(eol_crlf: bool) -> (Vec<u8>, Vec<Fixed>) {
    let mut mbox = Vec::new();
    let mut msgs = Vec::new();
    for (name, build) in families() {
        for planted in [true, false] {
            let id = format!("{name}-{}", if planted { "planted" } else { "decoy" });
            let mut msg = build(&id, &payload(planted));
            if eol_crlf {
                msg = crlf(&msg);
            }
            let eol: &[u8] = if eol_crlf { b"\r\n" } else { b"\n" };
            mbox.extend_from_slice(b"From sender@example.net Mon Jan  1 00:00:00 2024");
            mbox.extend_from_slice(eol);
            mbox.extend_from_slice(&msg);
            mbox.extend_from_slice(eol);
            msgs.push((id, planted, msg));
        }
    }
    (mbox, msgs)
}

#[test]
fn the_decoders_of_the_test_see_every_planted_message() {
    for crlf in [false, true] {
        let (_, msgs) = fixture(crlf);
        for (id, planted, msg) in &msgs {
            assert_eq!(!traces(msg).is_empty(), *planted, "{id} (crlf {crlf})");
        }
    }
}

#[test]
fn broken_encodings_are_found_and_leave_no_trace() {
    for crlf in [false, true] {
        let (mbox, msgs) = fixture(crlf);
        let w = Work::new();
        w.write("in", &mbox);
        w.request(REQUEST);
        let (_, report) = scan_json(&w, "request.toml", "in", &[]);
        let flagged: BTreeSet<u64> = report.flagged().into_iter().map(|(_, i)| i).collect();
        let planted: BTreeSet<u64> = (0u64..)
            .zip(&msgs)
            .filter(|(_, m)| m.1)
            .map(|(i, _)| i)
            .collect();
        let name = |i: &u64| msgs[*i as usize].0.clone();
        let mut failures: Vec<String> = Vec::new();
        for m in planted.difference(&flagged).map(name) {
            failures.push(format!("{m}: not flagged by scan"));
        }
        for m in flagged.difference(&planted).map(name) {
            failures.push(format!("{m}: a decoy flagged by scan"));
        }
        let req = w.path("request.toml");
        w.scrub(&req, &[]).success("scrub");
        let out = w.read("out").expect("output");
        let mut seen = BTreeSet::new();
        for o in &split_mbox(&out) {
            let id = message_id(o);
            let left = traces(o);
            if !left.is_empty() {
                failures.push(format!("{id}: scrub leaves {left:?}"));
            }
            let (_, planted, input) = msgs.iter().find(|m| m.0 == id).expect("known message");
            let trimmed = o
                .strip_suffix(if crlf { &b"\r\n"[..] } else { b"\n" })
                .unwrap_or(o);
            if !planted && input != trimmed {
                failures.push(format!("{id}: a decoy changed by scrub"));
            }
            seen.insert(id);
        }
        for (id, planted, _) in &msgs {
            if !planted && !seen.contains(id) {
                failures.push(format!("{id}: a decoy dropped by scrub"));
            }
        }
        assert!(failures.is_empty(), "crlf {crlf}:\n{}", failures.join("\n"));
    }
}

/// A message whose only part has a transfer encoding nobody can decode (or
/// is declared base64 over something else).
fn gzip64(id: &str, text: &str, cte: &str) -> Vec<u8> {
    let gz = b64_lines(&gzip(text.as_bytes(), 6)).join("\n");
    let body = if cte == "base64" {
        // Every other character outside the alphabet: no reading makes sense of it.
        gz.char_indices()
            .map(|(i, c)| if i % 2 == 0 && c != '\n' { '%' } else { c })
            .collect()
    } else {
        gz
    };
    single(
        id,
        &format!("Content-Type: text/plain\nContent-Transfer-Encoding: {cte}\n"),
        &(body + "\n"),
    )
}

#[test]
fn an_undecodable_part_deletes_its_message_with_a_reason() {
    for cte in ["x-gzip64", "X-Unknown", "base64"] {
        for crlf in [false, true] {
            let mut mbox = Vec::new();
            for (i, text) in [payload(true), payload(false)].iter().enumerate() {
                let mut msg = gzip64(&format!("gz{i}"), text, cte);
                let mut plain = single(&format!("plain{i}"), "", "Hello there.\n");
                if crlf {
                    msg = mail::crlf(&msg);
                    plain = mail::crlf(&plain);
                }
                for m in [msg, plain] {
                    mbox.extend_from_slice(b"From sender@example.net Mon Jan  1 00:00:00 2024\n");
                    mbox.extend_from_slice(&m);
                    mbox.extend_from_slice(b"\n");
                }
            }
            let w = Work::new();
            w.write("in", &mbox);
            w.request(REQUEST);
            let (_, report) = scan_json(&w, "request.toml", "in", &[]);
            let flagged: BTreeSet<u64> = report.flagged().into_iter().map(|(_, i)| i).collect();
            assert_eq!(flagged, BTreeSet::from([0, 2]), "{cte} crlf {crlf}");
            let req = w.path("request.toml");
            w.scrub(&req, &[]).success("scrub");
            let out = w.read("out").expect("output");
            let ids: Vec<String> = split_mbox(&out).iter().map(|m| message_id(m)).collect();
            assert_eq!(ids, ["plain0", "plain1"], "{cte} crlf {crlf}");
            let manifest = read_manifest(&w.path("out.manifest.json"));
            let text = manifest.to_string();
            assert!(
                text.contains("transfer encoding"),
                "{cte}: no reason in {text}"
            );
            assert!(!squeezed(text.as_bytes()).contains("jane"), "{text}");

            // An empty request passes everything through untouched.
            let empty = w.write("empty.toml", EMPTY_REQUEST.as_bytes());
            let args = [
                "scrub",
                "--subjects",
                empty.to_str().expect("UTF-8 path"),
                "in",
                "-o",
                "out2",
            ];
            w.run(&args, None).success("scrub, empty request");
            assert_bytes_eq("empty request", &mbox, &w.read("out2").expect("output"));
        }
    }
}

/// Fuzz finding F10: a message deleted because it cannot be searched whole,
/// with or without a hit, gives a manifest removal that `verify` accepts.
#[test]
fn an_unsearchable_deletion_verifies() {
    let w = Work::new();
    w.request("[[subject]]\nid = \"REQ-F10\"\nemails = [\"jane@example.org\"]\n");
    for (name, from) in [
        ("nohit.eml", "a@example.org"),
        ("hit.eml", "jane@example.org"),
    ] {
        let msg = format!("From: {from}\nSubject: x\nContent-Transfer-Encoding: base63\n\nhello\n");
        w.write(name, msg.as_bytes());
        let out = format!("{name}.out");
        w.run(
            &["scrub", "--subjects", "request.toml", name, "-o", &out],
            None,
        )
        .success(name);
        let args = [
            "verify",
            &out,
            "--input",
            name,
            "--subjects",
            "request.toml",
        ];
        w.run(&args, None).success(&format!("{name}: verify"));
    }
}
