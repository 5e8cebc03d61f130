//! The erasure requests: the planted subject alone, and the planted subject
//! among 9,999 fictional ones.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::mail::{PLANTED_EMAIL, PLANTED_NAME, PLANTED_PHONE, PLANTED_TERM};
use super::rng::Rng;

/// One data subject of a request.
struct Subject {
    id: String,
    emails: Vec<String>,
    names: Vec<String>,
    phones: Vec<String>,
    terms: Vec<String>,
}

/// Writes `request-1.toml` and `request-10k.toml` into `dir`; returns their paths.
pub fn write(dir: &Path, seed: u64) -> io::Result<(PathBuf, PathBuf)> {
    let mut rng = Rng::new(seed ^ 0x0072_6571_7565_7374);
    let one = dir.join("request-1.toml");
    let many = dir.join("request-10k.toml");
    std::fs::write(&one, render(&[planted()]))?;
    let subjects: Vec<Subject> = std::iter::once(planted())
        .chain((1..10_000).map(|i| fictional(&mut rng, i)))
        .collect();
    std::fs::write(&many, render(&subjects))?;
    Ok((one, many))
}

/// The subject planted in the corpus.
fn planted() -> Subject {
    Subject {
        id: "REQ-2026-0042".into(),
        emails: vec![PLANTED_EMAIL.into()],
        names: vec![PLANTED_NAME.into()],
        phones: vec![PLANTED_PHONE.into()],
        terms: vec![PLANTED_TERM.into()],
    }
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "dra", "vos", "tel", "quin", "zar", "bel", "nor", "yth", "pa", "sul",
    "ith", "gar", "wen", "to", "brek", "ul",
];

/// A made-up word of 2 or 3 syllables, capitalised.
fn made_up(rng: &mut Rng) -> String {
    let word: String = (0..rng.range(2, 3)).map(|_| rng.pick(SYLLABLES)).collect();
    let mut chars = word.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

/// A fictional subject number `i`, with identifiers that do not occur in the corpus.
fn fictional(rng: &mut Rng, i: u64) -> Subject {
    let (first, last) = (made_up(rng), made_up(rng));
    let (first_lc, last_lc) = (first.to_lowercase(), last.to_lowercase());
    let locals = [
        format!("{first_lc}.{last_lc}.{i}"),
        format!("{}{last_lc}{i}", &first_lc[..1]),
    ];
    let domains = ["example.net", "mail.test", "corp.invalid"];
    let emails = locals[..rng.range(1, 2) as usize]
        .iter()
        .map(|local| format!("{local}@{}", rng.pick(&domains)))
        .collect();
    let phones = (0..rng.below(3)).map(|_| phone(rng)).collect();
    let terms = match rng.below(3) {
        0 => vec![format!("ACCT-{:06}", rng.below(1_000_000))],
        1 => vec![format!("CUST-{}{:04}", rng.range(1, 7), rng.below(10_000))],
        _ => Vec::new(),
    };
    Subject {
        id: format!("REQ-2025-{i:05}"),
        emails,
        names: vec![format!("{first} {last}")],
        phones,
        terms,
    }
}

/// A phone number in one of a few national formats.
fn phone(rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("+49 30 {:07}", rng.below(10_000_000)),
        1 => format!("+1 555 01{:02} {:04}", rng.below(100), rng.below(10_000)),
        _ => {
            let pairs: Vec<String> = (0..4).map(|_| format!("{:02}", rng.below(100))).collect();
            format!("+33 1 {}", pairs.join(" "))
        }
    }
}

/// The request as TOML.
fn render(subjects: &[Subject]) -> String {
    let mut out = String::from(
        "[policy]\nsender = \"delete\"\nrecipient = \"delete\"\nmention = \"redact\"\n",
    );
    for s in subjects {
        out.push_str("\n[[subject]]\n");
        let _ = writeln!(out, "id = {}", quoted(&s.id));
        for (key, values) in [
            ("emails", &s.emails),
            ("names", &s.names),
            ("phones", &s.phones),
            ("terms", &s.terms),
        ] {
            let list: Vec<String> = values.iter().map(|v| quoted(v)).collect();
            let _ = writeln!(out, "{key} = [{}]", list.join(", "));
        }
    }
    out
}

/// A TOML basic string.
fn quoted(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
