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
    /// `{"type":"warning",...}` records.
    pub warnings: Vec<Value>,
    /// The final `{"type":"summary",...}` record.
    pub summary: Value,
}

impl ScanReport {
    /// Parse `stdout` of `scan --json`.
    pub fn parse(label: &str, stdout: &str) -> Self {
        let mut messages = Vec::new();
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
                Some("warning") => warnings.push(v),
                Some("summary") => summary = Some(v),
                other => panic!("{label}: unknown record type {other:?}"),
            }
        }
        Self {
            messages,
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
