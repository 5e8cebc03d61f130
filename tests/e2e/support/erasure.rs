//! Helpers for runs with a real erasure request: `scan --json` records,
//! `verify` reports, manifests, and identifier-leak checks.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use super::cli::{Run, Work};

/// `args` as owned strings (paths are given relative to the scratch directory).
pub fn argv(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// The JSON Lines of `scan --json`, split by type; the summary must come last.
#[derive(Debug)]
pub struct ScanReport {
    /// `{"type":"message",...}` records, in output order.
    pub messages: Vec<Value>,
    /// `{"type":"member",...}` records: members the scrub drops, renames
    /// or cleans.
    pub members: Vec<Value>,
    /// `{"type":"warning",...}` records.
    pub warnings: Vec<Value>,
    /// The final `{"type":"summary",...}` record.
    pub summary: Value,
}

impl ScanReport {
    /// Parse `stdout` of `scan --json`.
    pub fn parse(label: &str, stdout: &str) -> Self {
        let mut messages = Vec::new();
        let mut members = Vec::new();
        let mut warnings = Vec::new();
        let mut summary = None;
        for line in stdout.lines() {
            assert!(
                summary.is_none(),
                "{label}: a line follows the summary: {line}"
            );
            let v: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{label}: not JSON ({e}): {line}"));
            match v["type"].as_str() {
                Some("message") => messages.push(v),
                Some("member") => members.push(v),
                Some("warning") => warnings.push(v),
                Some("summary") => summary = Some(v),
                other => panic!("{label}: unknown record type {other:?}"),
            }
        }
        Self {
            messages,
            members,
            warnings,
            summary: summary.unwrap_or_else(|| panic!("{label}: no summary line")),
        }
    }

    /// `(member, index)` of every message record.
    pub fn flagged(&self) -> BTreeSet<(String, u64)> {
        self.messages.iter().map(key_of).collect()
    }

    /// The message record of `(member, index)`.
    pub fn get(&self, member: &str, index: u64) -> Option<&Value> {
        self.messages
            .iter()
            .find(|m| m["member"] == member && m["index"] == index)
    }
}

/// `(member, index)` of one record.
pub fn key_of(v: &Value) -> (String, u64) {
    (
        v["member"].as_str().expect("member is a string").to_owned(),
        v["index"].as_u64().expect("index is a number"),
    )
}

/// The strings of a JSON array field.
pub fn strings(v: &Value, field: &str) -> Vec<String> {
    v[field]
        .as_array()
        .unwrap_or_else(|| panic!("{field} is not an array: {v}"))
        .iter()
        .map(|s| s.as_str().expect("string").to_owned())
        .collect()
}

/// Run `scan --subjects request --json input [extra]` in `w`; must succeed.
pub fn scan_json(w: &Work, request: &str, input: &str, extra: &[&str]) -> (Run, ScanReport) {
    let mut args = argv(&["scan", "--subjects", request, input, "--json"]);
    args.extend(argv(extra));
    let run = w.run(&args, None).success("scan --json");
    let report = ScanReport::parse("scan --json", &run.stdout_text());
    (run, report)
}

/// One line of a text `verify` report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckLine {
    /// `OK`, `FAILED` or `SKIPPED`.
    pub status: String,
    /// `manifest`, `output`, `subjects` or `accounting`.
    pub name: String,
    /// The rest of the line.
    pub detail: String,
}

/// A text `verify` run: its checks and summary counts.
#[derive(Debug)]
pub struct VerifyText {
    /// The run.
    pub run: Run,
    /// One entry per check line.
    pub checks: Vec<CheckLine>,
    /// The last line, `N OK, N FAILED, N skipped`.
    pub summary: String,
}

impl VerifyText {
    /// The check called `name`.
    pub fn check(&self, name: &str) -> &CheckLine {
        self.checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {:#?}", self.checks))
    }

    /// Everything, for failure messages.
    pub fn dump(&self) -> String {
        format!(
            "exit {:?}\nstdout:\n{}\nstderr:\n{}",
            self.run.code,
            String::from_utf8_lossy(&self.run.stdout),
            self.run.stderr
        )
    }
}

/// Run `verify args...` in `w` and parse the text report (may be empty on exit 2).
pub fn verify_text(w: &Work, args: &[&str]) -> VerifyText {
    let mut full = argv(&["verify"]);
    full.extend(argv(args));
    let run = w.run(&full, None);
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    let mut checks = Vec::new();
    let mut summary = String::new();
    for line in text.lines() {
        let (status, rest) = line.split_at(line.len().min(8));
        let status = status.trim();
        match (status, rest.split_once(": ")) {
            ("OK" | "FAILED" | "SKIPPED", Some((name, detail))) => checks.push(CheckLine {
                status: status.to_owned(),
                name: name.to_owned(),
                detail: detail.to_owned(),
            }),
            _ => summary = line.to_owned(),
        }
    }
    VerifyText {
        run,
        checks,
        summary,
    }
}

/// Read and parse a manifest.
pub fn read_manifest(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).expect("manifest is JSON")
}

/// Write a manifest value back (pretty JSON).
pub fn write_manifest(path: &Path, v: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(v).expect("JSON")).expect("write manifest");
}

/// Every `needle` (case-insensitive) found in `hay`; for "must be absent"
/// assertions: the returned list names the *form*, never the matching bytes.
pub fn leaked_forms(hay: &[u8], needles: &[(String, String)]) -> Vec<String> {
    let hay = String::from_utf8_lossy(hay).to_lowercase();
    needles
        .iter()
        .filter(|(_, n)| !n.is_empty() && hay.contains(&n.to_lowercase()))
        .map(|(form, _)| form.clone())
        .collect()
}

/// Like [`leaked_forms`], but a hit counts only as a whole word: not preceded
/// by a letter, digit or one of `._%+-`, not followed by a letter or digit, nor
/// by `.` or `-` and a letter or digit. Decoys such as `notjane.doe@...`,
/// `...@example.community` or a longer digit run are then not hits.
pub fn leaked_words(hay: &[u8], needles: &[(String, String)]) -> Vec<String> {
    let hay: Vec<char> = String::from_utf8_lossy(hay)
        .to_lowercase()
        .chars()
        .collect();
    let word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric());
    needles
        .iter()
        .filter(|(_, n)| {
            let n: Vec<char> = n.to_lowercase().chars().collect();
            !n.is_empty()
                && (0..hay.len().saturating_sub(n.len() - 1)).any(|i| {
                    if hay[i..i + n.len()] != n[..] {
                        return false;
                    }
                    let before = i.checked_sub(1).map(|j| &hay[j]);
                    let after = hay.get(i + n.len());
                    let bad_before = word(before) || before.is_some_and(|c| "._%+-".contains(*c));
                    let bad_after = word(after)
                        || (after.is_some_and(|c| *c == '.' || *c == '-')
                            && word(hay.get(i + n.len() + 1)));
                    let starts_word = n[0].is_alphanumeric();
                    let ends_word = n[n.len() - 1].is_alphanumeric();
                    (!bad_before || !starts_word) && (!bad_after || !ends_word)
                })
        })
        .map(|(form, _)| form.clone())
        .collect()
}

/// An encoded form of an identifier to look for in raw bytes.
#[derive(Debug, Clone)]
pub struct EncodedForm {
    /// What it is, e.g. `names[1] base64@2` (never the identifier itself).
    pub form: String,
    /// The bytes to look for.
    pub bytes: Vec<u8>,
    /// Compare ASCII letters without case (false for base64, which is case-sensitive).
    pub ascii_ci: bool,
}

/// The base64 characters that encode `id` whatever surrounds it, for each of
/// the three alignments it can have in a base64 stream.
pub fn base64_cores(id: &[u8]) -> Vec<String> {
    (0..3usize)
        .filter_map(|k| {
            let mut data = vec![0u8; k];
            data.extend_from_slice(id);
            let enc = super::encode::base64(&data);
            let first = (8 * k).div_ceil(6);
            let end = (8 * (k + id.len())) / 6;
            (end > first + 4).then(|| enc[first..end].to_owned())
        })
        .collect()
}

/// The encoded forms of `ids` (label, plain text) a mail can hold: UTF-8 in
/// base64 (every alignment), quoted-printable and RFC 2047 `Q` (upper- and
/// lower-case hex), percent-encoding, HTML references for `@` and spaces,
/// UTF-16 (LE and BE), and the text in each of `charsets` that can encode it.
pub fn encoded_forms(ids: &[(String, String)], charsets: &[&str]) -> Vec<EncodedForm> {
    use super::encode::{percent, quoted_printable};
    let mut out = Vec::new();
    let mut push = |form: String, bytes: Vec<u8>, ascii_ci: bool| {
        if !bytes.is_empty() && !out.iter().any(|f: &EncodedForm| f.bytes == bytes) {
            out.push(EncodedForm {
                form,
                bytes,
                ascii_ci,
            });
        }
    };
    for (label, id) in ids {
        let utf8 = id.as_bytes();
        push(label.clone(), utf8.to_vec(), true);
        for (k, core) in base64_cores(utf8).into_iter().enumerate() {
            push(format!("{label} base64@{k}"), core.into_bytes(), false);
        }
        let qp = quoted_printable(utf8, &[]);
        push(format!("{label} qp"), qp.clone().into_bytes(), true);
        let q = qp.replace(' ', "_");
        push(format!("{label} 2047-q"), q.into_bytes(), true);
        push(
            format!("{label} qp =20"),
            qp.replace(' ', "=20").into_bytes(),
            true,
        );
        push(format!("{label} percent"), percent(utf8).into_bytes(), true);
        push(
            format!("{label} html"),
            id.replace('@', "&#64;").replace(' ', "&nbsp;").into_bytes(),
            true,
        );
        push(
            format!("{label} html commat"),
            id.replace('@', "&commat;").into_bytes(),
            true,
        );
        let le: Vec<u8> = id.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = id.encode_utf16().flat_map(u16::to_be_bytes).collect();
        push(format!("{label} utf-16le"), le, false);
        push(format!("{label} utf-16be"), be, false);
        for cs in charsets {
            let enc = encoding_rs::Encoding::for_label(cs.as_bytes()).expect("known charset");
            let (bytes, _, unmappable) = enc.encode(id);
            if !unmappable && bytes.as_ref() != utf8 {
                let bytes = bytes.into_owned();
                for (k, core) in base64_cores(&bytes).into_iter().enumerate() {
                    push(format!("{label} {cs} base64@{k}"), core.into_bytes(), false);
                }
                push(
                    format!("{label} {cs} qp"),
                    quoted_printable(&bytes, &[]).into_bytes(),
                    true,
                );
                push(format!("{label} {cs}"), bytes, false);
            }
        }
    }
    out
}

/// The forms in `forms` found in `hay` (byte search); names the forms only.
pub fn leaked_bytes(hay: &[u8], forms: &[EncodedForm]) -> Vec<String> {
    let lower = hay.to_ascii_lowercase();
    forms
        .iter()
        .filter(|f| {
            let (h, n) = if f.ascii_ci {
                (&lower[..], f.bytes.to_ascii_lowercase())
            } else {
                (hay, f.bytes.clone())
            };
            h.windows(n.len()).any(|w| w == n)
        })
        .map(|f| f.form.clone())
        .collect()
}

/// `text` as the checks compare it: lowercase, every run of white space
/// (Unicode, NBSP included) one space, soft hyphens and zero-width
/// characters removed.
pub fn normalize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if matches!(
            c,
            '\u{ad}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}'
        ) {
            continue;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space && !out.is_empty() {
            out.push(' ');
        }
        space = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// `text` with the `+tag` of every `local+tag@domain` removed (a tagged
/// address is the subject's address).
pub fn strip_plus_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(plus) = rest.find('+') {
        out.push_str(&rest[..plus]);
        let after = &rest[plus + 1..];
        let tag = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c)))
            .unwrap_or(after.len());
        if after[tag..].starts_with('@') {
            rest = &after[tag..];
        } else {
            out.push('+');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// Identifiers left in decoded `text`: [`leaked_words`] on the normalised
/// text, plus a phone check on the digit projection (`space - . ( ) / +` and
/// line breaks removed, not inside a longer digit run) for each of `digits`.
pub fn leaked_in_text(
    text: &str,
    needles: &[(String, String)],
    digits: &[(String, String)],
) -> Vec<String> {
    let norm = strip_plus_tags(&normalize_text(text));
    let mut out = leaked_words(norm.as_bytes(), needles);
    // Scripts written without spaces: a name inside a word still counts.
    let cjk = |c: char| ('\u{3040}'..='\u{9fff}').contains(&c);
    for (form, n) in needles {
        if n.chars().any(cjk) && norm.contains(&normalize_text(n)) && !out.contains(form) {
            out.push(form.clone());
        }
    }
    let projection: String = text
        .chars()
        .filter(|c| !(c.is_whitespace() || "-.()/+".contains(*c)))
        .collect();
    for (form, d) in digits {
        let hit = projection.match_indices(d.as_str()).any(|(i, _)| {
            let before = projection[..i].chars().next_back();
            let after = projection[i + d.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_digit())
                && !after.is_some_and(|c| c.is_ascii_digit())
        });
        if hit {
            out.push(format!("{form} (digits)"));
        }
    }
    out
}

#[test]
fn fixture_leaked_words_ignores_decoys() {
    let n = vec![
        ("email".to_owned(), "jane.doe@example.com".to_owned()),
        ("digits".to_owned(), "442079460018".to_owned()),
    ];
    assert!(
        leaked_words(
            b"x jane.doe@example.community notjane.doe@example.com 4420794600189",
            &n
        )
        .is_empty()
    );
    assert_eq!(leaked_words(b"<Jane.Doe@Example.com>.", &n), ["email"]);
    assert_eq!(leaked_words(b"tel 442079460018\n", &n), ["digits"]);
}

#[test]
fn fixture_encoded_forms_find_encoded_identifiers() {
    use super::encode::{base64_lines, quoted_printable};
    let ids = vec![("name".to_owned(), "Renée Müller".to_owned())];
    let forms = encoded_forms(&ids, &["iso-8859-1"]);
    for prefix in ["", "a", "ab"] {
        let text = format!("{prefix}Hello Renée Müller!");
        let b64 = base64_lines(text.as_bytes(), 76);
        assert!(
            !leaked_bytes(b64.as_bytes(), &forms).is_empty(),
            "{prefix:?}"
        );
    }
    let latin1 = super::encode::charset("iso-8859-1", "x Renée Müller y");
    assert_eq!(leaked_bytes(&latin1, &forms), ["name iso-8859-1"]);
    let qp = quoted_printable("x Renée Müller".as_bytes(), &[]);
    assert!(!leaked_bytes(qp.as_bytes(), &forms).is_empty());
    assert!(leaked_bytes(b"nothing here", &forms).is_empty());
    assert_eq!(strip_plus_tags("<a+b.c@x> +44 c+@d"), "<a@x> +44 c@d");
    let digits = vec![("phone".to_owned(), "442079460018".to_owned())];
    assert_eq!(
        leaked_in_text("Call (+44) 20\n7946-0018.", &[], &digits),
        ["phone (digits)"]
    );
    assert!(leaked_in_text("Orders 4420794600189 and 1442079460018", &[], &digits).is_empty());
    let n = vec![("name".to_owned(), "jane doe".to_owned())];
    assert_eq!(leaked_in_text("Met Jane\u{a0}\n Doe", &n, &[]), ["name"]);
    let n = vec![("cjk".to_owned(), "山田花子".to_owned())];
    assert_eq!(leaked_in_text("山田花子さんから", &n, &[]), ["cjk"]);
}
