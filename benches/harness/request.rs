//! The erasure requests: each planted subject alone, and both planted
//! subjects among 9,998 fictional ones (30% of them with non-ASCII names).

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

use super::intl;
use super::mail::{PLANTED_EMAIL, PLANTED_ID, PLANTED_NAME, PLANTED_PHONE, PLANTED_TERM};
use super::rng::Rng;

/// One data subject of a request.
struct Subject {
    id: String,
    emails: Vec<String>,
    names: Vec<String>,
    phones: Vec<String>,
    terms: Vec<String>,
}

/// The request sets, by name: `1` (the ASCII subject), `1-intl` (the
/// international subject), `10k` (both and 9,998 fictional subjects).
pub const NAMES: [&str; 3] = ["1", "1-intl", "10k"];

/// Writes `request-<name>.toml` for each of [`NAMES`] into `dir`; returns
/// their paths in that order.
pub fn write(dir: &Path, seed: u64) -> io::Result<Vec<PathBuf>> {
    let mut rng = Rng::new(seed ^ 0x0072_6571_7565_7374);
    let path = |name: &str| dir.join(format!("request-{name}.toml"));
    std::fs::write(path(NAMES[0]), render(&[planted()], false))?;
    std::fs::write(path(NAMES[1]), render(&[planted_intl()], true))?;
    let subjects: Vec<Subject> = [planted(), planted_intl()]
        .into_iter()
        .chain((1..9_999).map(|i| fictional(&mut rng, i)))
        .collect();
    std::fs::write(path(NAMES[2]), render(&subjects, true))?;
    Ok(NAMES.iter().map(|name| path(name)).collect())
}

/// The international subject planted in the corpus.
fn planted_intl() -> Subject {
    Subject {
        id: intl::ID.into(),
        emails: vec![intl::EMAIL.into()],
        names: vec![intl::NAME.into(), intl::NAME_CJK.into()],
        phones: vec![intl::PHONE.into()],
        terms: vec![intl::TERM.into()],
    }
}

/// The ASCII subject planted in the corpus.
fn planted() -> Subject {
    Subject {
        id: PLANTED_ID.into(),
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

/// Syllables of non-ASCII made-up names (native, ASCII spelling): accented
/// Latin, Greek, Cyrillic.
const SCRIPTS: [&[(&str, &str)]; 3] = [
    &[
        ("kä", "kae"),
        ("lø", "lo"),
        ("mí", "mi"),
        ("rén", "ren"),
        ("drå", "dra"),
        ("vös", "vos"),
        ("tél", "tel"),
        ("quín", "quin"),
        ("zár", "zar"),
        ("bél", "bel"),
        ("nør", "nor"),
        ("ýth", "yth"),
        ("pá", "pa"),
        ("šul", "sul"),
        ("íth", "ith"),
        ("gär", "gar"),
        ("wén", "wen"),
        ("čo", "co"),
        ("brék", "brek"),
        ("úl", "ul"),
    ],
    &[
        ("κα", "ka"),
        ("λο", "lo"),
        ("μί", "mi"),
        ("ρεν", "ren"),
        ("δρα", "dra"),
        ("βοσ", "vos"),
        ("τελ", "tel"),
        ("κιν", "kin"),
        ("ζαρ", "zar"),
        ("μπελ", "bel"),
        ("νορ", "nor"),
        ("θυ", "thy"),
        ("πα", "pa"),
        ("σουλ", "sul"),
        ("ίθ", "ith"),
        ("γκαρ", "gar"),
        ("βεν", "ven"),
        ("τό", "to"),
        ("μπρεκ", "brek"),
        ("ούλ", "ul"),
    ],
    &[
        ("ка", "ka"),
        ("ло", "lo"),
        ("ми", "mi"),
        ("рен", "ren"),
        ("дра", "dra"),
        ("вос", "vos"),
        ("тель", "tel"),
        ("квин", "kvin"),
        ("зар", "zar"),
        ("бел", "bel"),
        ("нор", "nor"),
        ("ит", "it"),
        ("па", "pa"),
        ("сул", "sul"),
        ("иф", "if"),
        ("гар", "gar"),
        ("вен", "ven"),
        ("то", "to"),
        ("брек", "brek"),
        ("ул", "ul"),
    ],
];

/// Han characters of made-up CJK names, none of which the corpus uses.
const CJK_FAMILY: &[&str] = &["橘", "榊", "柊", "楓", "椿", "萩", "菖", "蕗", "楠", "槙"];
const CJK_GIVEN: &[&str] = &[
    "凛", "颯", "蓮", "葵", "湊", "陽", "翠", "碧", "琥", "珀", "朔", "雫",
];

/// A made-up word of 2 or 3 syllables of `script`, capitalised, and its
/// ASCII spelling (lower case).
fn made_up_in(rng: &mut Rng, script: &[(&str, &str)]) -> (String, String) {
    let (mut word, mut ascii) = (String::new(), String::new());
    for _ in 0..rng.range(2, 3) {
        let (native, plain) = script[rng.index(script.len())];
        word.push_str(native);
        ascii.push_str(plain);
    }
    if word.ends_with('σ') {
        word.pop();
        word.push('ς');
    }
    let mut chars = word.chars();
    let word = chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect());
    (word, ascii)
}

/// A fictional name: 70% made-up ASCII, 12% accented Latin, 6% each Greek,
/// Cyrillic and CJK; with the ASCII spellings of its two words (lower case).
fn fictional_name(rng: &mut Rng) -> (String, String, String) {
    let roll = rng.below(100);
    if roll >= 94 {
        let family = rng.pick(CJK_FAMILY);
        let given: String = (0..rng.range(1, 2)).map(|_| rng.pick(CJK_GIVEN)).collect();
        return (format!("{family}{given}"), "jp".into(), "cjk".into());
    }
    if roll < 70 {
        let (first, last) = (made_up(rng), made_up(rng));
        let (first_lc, last_lc) = (first.to_lowercase(), last.to_lowercase());
        return (format!("{first} {last}"), first_lc, last_lc);
    }
    let script = SCRIPTS[match roll {
        70..=81 => 0,
        82..=87 => 1,
        _ => 2,
    }];
    let ((first, first_lc), (last, last_lc)) = (made_up_in(rng, script), made_up_in(rng, script));
    (format!("{first} {last}"), first_lc, last_lc)
}

/// A fictional subject number `i`, with identifiers that do not occur in the corpus.
fn fictional(rng: &mut Rng, i: u64) -> Subject {
    let (name, first_lc, last_lc) = fictional_name(rng);
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
        names: vec![name],
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

/// The request as TOML; with `matching`, an explicit `[matching]` table
/// with every variant family on (the default).
fn render(subjects: &[Subject], matching: bool) -> String {
    let mut out = String::from(
        "[policy]\nsender = \"delete\"\nrecipient = \"delete\"\nmention = \"redact\"\n",
    );
    if matching {
        out.push_str("\n[matching]\n");
        for key in [
            "inverted",
            "middle_names",
            "accents",
            "transliteration",
            "joined",
            "phone_forms",
            "address_forms",
        ] {
            let _ = writeln!(out, "{key} = true");
        }
    }
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
