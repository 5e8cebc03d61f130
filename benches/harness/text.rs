//! Words, people and charsets for the synthetic messages.

use super::rng::Rng;

/// A Content-Transfer-Encoding.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Cte {
    /// `7bit`: ASCII only.
    SevenBit,
    /// `8bit`: raw bytes of the charset.
    EightBit,
    /// `quoted-printable`.
    QuotedPrintable,
    /// `base64`.
    Base64,
}

impl Cte {
    /// The header value.
    pub fn name(self) -> &'static str {
        match self {
            Cte::SevenBit => "7bit",
            Cte::EightBit => "8bit",
            Cte::QuotedPrintable => "quoted-printable",
            Cte::Base64 => "base64",
        }
    }
}

/// A charset with words in its own encoding and the encodings clients use for it.
pub struct Charset {
    /// The MIME name.
    pub name: &'static str,
    /// Non-ASCII words, already encoded in this charset.
    words: &'static [&'static [u8]],
    /// The transfer encodings seen with this charset.
    encodings: &'static [Cte],
}

/// Charsets with their weights (out of 100).
const CHARSETS: [(u64, Charset); 5] = [
    (
        25,
        Charset {
            name: "us-ascii",
            words: &[],
            encodings: &[Cte::SevenBit],
        },
    ),
    (
        45,
        Charset {
            name: "utf-8",
            words: &[
                "Grüße".as_bytes(),
                "café".as_bytes(),
                "Zürich".as_bytes(),
                "naïve".as_bytes(),
                "日本語".as_bytes(),
                "привет".as_bytes(),
                "Ελλάδα".as_bytes(),
                "€250".as_bytes(),
                "señor".as_bytes(),
                "déjà".as_bytes(),
            ],
            encodings: &[
                Cte::EightBit,
                Cte::EightBit,
                Cte::QuotedPrintable,
                Cte::Base64,
            ],
        },
    ),
    (
        15,
        Charset {
            name: "iso-8859-1",
            words: &[
                b"Gr\xfc\xdfe",
                b"caf\xe9",
                b"Z\xfcrich",
                b"se\xf1or",
                b"\xa3100",
                b"na\xefve",
                b"Stra\xdfe",
            ],
            encodings: &[Cte::QuotedPrintable, Cte::QuotedPrintable, Cte::EightBit],
        },
    ),
    (
        10,
        Charset {
            name: "windows-1252",
            words: &[
                b"\x93quoted\x94",
                b"\x80 42",
                b"it\x92s",
                b"caf\xe9",
                b"\x96",
                b"\x85",
            ],
            encodings: &[Cte::QuotedPrintable, Cte::EightBit],
        },
    ),
    (
        5,
        Charset {
            name: "koi8-r",
            words: &[
                b"\xd0\xd2\xc9\xd7\xc5\xd4",
                b"\xd3\xd0\xc1\xd3\xc9\xc2\xcf",
                b"\xc4\xcf\xcb\xd5\xcd\xc5\xce\xd4\xd9",
                b"\xd7\xd3\xd4\xd2\xc5\xde\xc1",
            ],
            encodings: &[Cte::EightBit, Cte::Base64],
        },
    ),
];

/// The UTF-8 charset (for parts whose charset a plant dictates).
pub fn utf8() -> &'static Charset {
    &CHARSETS[1].1
}

/// The ISO-8859-1 charset.
pub fn latin1() -> &'static Charset {
    &CHARSETS[2].1
}

/// A charset drawn by weight, with one of its usual transfer encodings.
pub fn pick_charset(rng: &mut Rng) -> (&'static Charset, Cte) {
    let mut roll = rng.below(100);
    let charset = CHARSETS
        .iter()
        .find(|(weight, _)| {
            let hit = roll < *weight;
            roll = roll.saturating_sub(*weight);
            hit
        })
        .map_or(&CHARSETS[0].1, |(_, charset)| charset);
    let cte = charset.encodings[rng.index(charset.encodings.len())];
    (charset, cte)
}

const WORDS: &[&str] = &[
    "the",
    "meeting",
    "report",
    "please",
    "attached",
    "find",
    "regarding",
    "invoice",
    "schedule",
    "we",
    "will",
    "need",
    "to",
    "review",
    "before",
    "Friday",
    "thanks",
    "for",
    "your",
    "help",
    "project",
    "budget",
    "quarter",
    "update",
    "as",
    "discussed",
    "call",
    "tomorrow",
    "morning",
    "team",
    "draft",
    "contract",
    "client",
    "feedback",
    "minutes",
    "agenda",
    "deadline",
    "next",
    "week",
    "and",
    "of",
    "in",
    "on",
    "is",
    "it",
    "that",
    "this",
    "with",
    "from",
    "about",
    "shipment",
    "delivery",
    "order",
    "account",
    "server",
    "backup",
    "migration",
    "holiday",
    "office",
    "plan",
    "could",
    "you",
    "send",
    "me",
    "the",
    "latest",
    "version",
    "numbers",
    "look",
    "good",
    "but",
    "there",
    "are",
    "still",
    "some",
    "open",
    "questions",
    "around",
    "pricing",
    "and",
    "support",
    "I",
    "think",
    "should",
    "move",
    "ahead",
    "once",
    "legal",
    "signs",
    "off",
    "best",
    "regards",
];

/// Appends about `len` bytes of prose in `charset`: lines of at most 72
/// columns ended by `\n`, blank lines between paragraphs, now and then a line
/// that starts with `From ` (which mbox must quote) or a quoted reply.
pub fn prose(rng: &mut Rng, charset: &Charset, len: usize, out: &mut Vec<u8>) {
    let end = out.len() + len;
    let mut line_start = out.len();
    while out.len() < end {
        if out.len() == line_start {
            start_line(rng, out);
        }
        let word: &[u8] = if !charset.words.is_empty() && rng.below(12) == 0 {
            charset.words[rng.index(charset.words.len())]
        } else {
            WORDS[rng.index(WORDS.len())].as_bytes()
        };
        if out.len() - line_start + word.len() > 72 {
            out.push(b'\n');
            if rng.below(6) == 0 {
                out.push(b'\n');
            }
            line_start = out.len();
            continue;
        }
        if out.len() > line_start && !out.ends_with(b" ") {
            out.push(b' ');
        }
        out.extend_from_slice(word);
    }
    out.push(b'\n');
}

/// Starts a line: usually nothing, sometimes a reply quote or a `From ` word.
fn start_line(rng: &mut Rng, out: &mut Vec<u8>) {
    match rng.below(200) {
        0 => out.extend_from_slice(b"From "),
        1..=8 => out.extend_from_slice(b"> "),
        _ => {}
    }
}

/// A person: display name (UTF-8) and address.
pub struct Person {
    /// Display name.
    pub name: String,
    /// Mail address.
    pub email: String,
}

const FIRST: &[(&str, &str)] = &[
    ("Alice", "alice"),
    ("Bob", "bob"),
    ("Carol", "carol"),
    ("David", "david"),
    ("Erik", "erik"),
    ("Fatima", "fatima"),
    ("Günter", "guenter"),
    ("Hiroshi", "hiroshi"),
    ("Ingrid", "ingrid"),
    ("José", "jose"),
    ("Katarzyna", "katarzyna"),
    ("Liam", "liam"),
    ("Mei", "mei"),
    ("Noah", "noah"),
    ("Olga", "olga"),
    ("Priya", "priya"),
    ("Søren", "soren"),
    ("Tomás", "tomas"),
    ("Zoë", "zoe"),
    ("Victor", "victor"),
];

const LAST: &[(&str, &str)] = &[
    ("Smith", "smith"),
    ("Müller", "mueller"),
    ("García", "garcia"),
    ("Nguyen", "nguyen"),
    ("Kowalski", "kowalski"),
    ("Johansson", "johansson"),
    ("Rossi", "rossi"),
    ("Dubois", "dubois"),
    ("Tanaka", "tanaka"),
    ("Okafor", "okafor"),
    ("Petrov", "petrov"),
    ("Novák", "novak"),
    ("Schmidt", "schmidt"),
    ("Jensen", "jensen"),
    ("Silva", "silva"),
    ("Brown", "brown"),
    ("Fischer", "fischer"),
];

const DOMAINS: &[&str] = &[
    "example.org",
    "mail.example.net",
    "corp.example",
    "example.co.uk",
    "post.example.de",
    "example.fr",
];

/// A random correspondent.
pub fn person(rng: &mut Rng) -> Person {
    let (first, first_ascii) = FIRST[rng.index(FIRST.len())];
    let (last, last_ascii) = LAST[rng.index(LAST.len())];
    let domain = DOMAINS[rng.index(DOMAINS.len())];
    let local = match rng.below(3) {
        0 => format!("{}{last_ascii}", &first_ascii[..1]),
        _ => format!("{first_ascii}.{last_ascii}"),
    };
    Person {
        name: format!("{first} {last}"),
        email: format!("{local}@{domain}"),
    }
}

const SUBJECTS: &[&str] = &[
    "Quarterly report",
    "Meeting notes",
    "Invoice for March",
    "Re: budget",
    "Holiday plans",
    "Server migration",
    "Contract draft v3",
    "Lunch on Friday?",
    "Grüße aus Zürich",
    "Réunion de lundi",
    "Встреча в пятницу",
    "会議の議事録",
    "Delivery delayed",
    "Your order",
];

/// A random subject line (UTF-8), sometimes a reply or forward.
pub fn subject(rng: &mut Rng) -> String {
    let prefix = match rng.below(5) {
        0 => "Re: ",
        1 => "Fwd: ",
        _ => "",
    };
    format!("{prefix}{}", SUBJECTS[rng.index(SUBJECTS.len())])
}

/// `text` in ISO-8859-1, when every character fits.
pub fn to_latin1(text: &str) -> Option<Vec<u8>> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}
