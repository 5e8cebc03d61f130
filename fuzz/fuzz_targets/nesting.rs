//! Deeply nested messages: the input builds a message of up to 100 levels
//! (each an enclosed message in base64, quoted-printable or 7bit, or a
//! multipart holding the next level as a `message/rfc822` part, a plain
//! part or a base64 `message/rfc822` part) and chooses where an identifier
//! sits (a header in plain or RFC 2047 form, an address field, a text part,
//! an attachment's file name or content) and in which form. The engine must
//! delete the message or give back one in which the matcher's full scan
//! finds nothing; a message holding a planted identifier is never kept, and
//! one too deep to search is always deleted. With `MAILSCRUB_FUZZ_DUMP=FILE`
//! the message built is written to FILE (to look at a finding).
#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mailscrub::decide::{Engine, OnUnredactable};
use mailscrub::input::events::Member;
use mailscrub::input::tar::EntryKind;
use mailscrub::mailbox::{MailboxFormat, Message};
use mailscrub::manifest::Hasher;
use mailscrub::matcher::{MessageInput, ParseStatus};
use mailscrub::pipeline::{Outcome, Processor};

/// Deepest nesting built.
const MAX_LEVELS: u8 = 100;

/// Largest entity wrapped in a transfer encoding (larger ones are enclosed
/// as 7bit), so that a hundred levels stay small.
const MAX_ENCODED: usize = 16 << 10;

fn engines() -> &'static [Engine<'static>; 2] {
    static ENGINES: OnceLock<[Engine<'static>; 2]> = OnceLock::new();
    ENGINES.get_or_init(|| {
        [common::request(), common::request_redact_all()]
            .map(|r| Engine::new(r, Hasher::default(), OnUnredactable::Delete))
    })
}

/// The input, read a byte at a time (zeros once it runs out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn next(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
}

/// Where the identifier goes, at its level.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Nowhere,
    Subject,
    EncodedSubject,
    From,
    To,
    Text,
    FileName,
    Attachment,
}

impl Place {
    fn of(b: u8) -> Place {
        match b % 8 {
            0 => Place::Nowhere,
            1 => Place::Subject,
            2 => Place::EncodedSubject,
            3 => Place::From,
            4 => Place::To,
            5 => Place::Text,
            6 => Place::FileName,
            _ => Place::Attachment,
        }
    }

    /// Needs a sibling part beside the next level (a multipart).
    fn needs_part(self) -> bool {
        matches!(self, Place::Text | Place::FileName | Place::Attachment)
    }
}

/// One form of one identifier of the request, by `b`.
fn identifier(b: u8) -> &'static str {
    const FORMS: [&str; 12] = [
        "jane.doe@example.com",
        "JANE.DOE@Example.COM",
        "jane.doe+news@example.com",
        "Jane Doe",
        "JANE DOE",
        "Jane \t Doe",
        "+44 20 7946 0018",
        "+44-20-7946-0018",
        "(+44) 20 7946.0018",
        "CUST-88231",
        "cust-88231",
        "Cust-88231",
    ];
    FORMS[usize::from(b) % FORMS.len()]
}

/// How one level holds the next.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Wrap {
    Base64,
    QuotedPrintable,
    SevenBit,
    MultipartMessage,
    MultipartPart,
    MultipartBase64,
}

impl Wrap {
    fn of(b: u8) -> Wrap {
        match b % 6 {
            0 => Wrap::Base64,
            1 => Wrap::QuotedPrintable,
            2 => Wrap::SevenBit,
            3 => Wrap::MultipartMessage,
            4 => Wrap::MultipartPart,
            _ => Wrap::MultipartBase64,
        }
    }
}

/// Text from the input: lowercase letters, spaces and line breaks only, so
/// that it never closes a multipart nor reads as an encoding.
fn noise(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    for &b in bytes.iter().take(4096) {
        match b % 32 {
            26..=29 => out.push(b' '),
            30 | 31 => out.extend_from_slice(b"\r\n"),
            n => out.push(b'a' + n),
        }
    }
    out
}

/// A base64 word with no line breaks.
fn b64_word(text: &str) -> String {
    let encoded = common::base64(text.as_bytes());
    String::from_utf8_lossy(&encoded).replace("\r\n", "")
}

/// The header lines of one level, with the identifier where `place` says.
fn headers(level: usize, place: Place, id: &str) -> String {
    let mut h = String::new();
    let is_email = id.contains('@');
    h += &match place {
        Place::From if is_email => format!("From: Someone <{id}>\r\n"),
        Place::From => format!("From: \"{id}\" <someone@example.org>\r\n"),
        _ => "From: someone@example.org\r\n".to_owned(),
    };
    h += &match place {
        Place::To if is_email => format!("To: {id}\r\n"),
        Place::To => format!("To: {id} <other@example.org>\r\n"),
        _ => "To: other@example.org\r\n".to_owned(),
    };
    h += &match place {
        Place::Subject => format!("Subject: level {level} about {id} here\r\n"),
        Place::EncodedSubject => format!(
            "Subject: level {level} =?utf-8?B?{}?=\r\n",
            b64_word(&format!(" about {id} here"))
        ),
        _ => format!("Subject: level {level}\r\n"),
    };
    h
}

/// The sibling part that holds the identifier for `place`.
fn sibling(place: Place, id: &str) -> String {
    match place {
        Place::Text => format!("Content-Type: text/plain; charset=utf-8\r\n\r\nsee {id} here\r\n"),
        Place::FileName => format!(
            "Content-Type: text/plain\r\nContent-Disposition: attachment; \
             filename=\"about {id} here.txt\"\r\n\r\nnothing\r\n"
        ),
        Place::Attachment => format!(
            "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; \
             filename=\"data.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
            String::from_utf8_lossy(&common::base64(format!("see {id} here").as_bytes()))
        ),
        _ => "Content-Type: text/plain\r\n\r\nnothing here\r\n".to_owned(),
    }
}

/// A message built from the input.
struct Built {
    bytes: Vec<u8>,
    /// An identifier was planted.
    planted: bool,
    /// Levels below the outermost message.
    depth: usize,
}

/// Builds the message.
fn build(input: &[u8]) -> Built {
    let mut bytes = Bytes(input);
    let depth = usize::from(bytes.next() % (MAX_LEVELS + 1));
    let plant_level = usize::from(bytes.next()) % (depth + 1);
    let place = Place::of(bytes.next());
    let id = identifier(bytes.next());
    let wraps: Vec<Wrap> = (0..depth).map(|_| Wrap::of(bytes.next())).collect();
    let text = noise(bytes.0);
    let place_at = |level: usize| {
        if level == plant_level {
            place
        } else {
            Place::Nowhere
        }
    };
    // The innermost level: a text part, with the identifier in its text
    // for a place that needs a part.
    let leaf_place = place_at(depth);
    let mut entity = headers(depth, leaf_place, id).into_bytes();
    match leaf_place {
        Place::FileName => entity.extend_from_slice(
            format!("Content-Disposition: inline; filename=\"about {id} here.txt\"\r\n").as_bytes(),
        ),
        Place::Attachment => {
            entity.extend_from_slice(b"Content-Type: application/octet-stream\r\n")
        }
        _ => entity.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\r\n"),
    }
    entity.extend_from_slice(b"\r\n");
    entity.extend_from_slice(&text);
    if leaf_place.needs_part() {
        entity.extend_from_slice(format!("\r\nsee {id} here\r\n").as_bytes());
    }
    let mut used = vec![Wrap::SevenBit; depth];
    for level in (0..depth).rev() {
        let here = place_at(level);
        let mut wrap = wraps[level];
        if here.needs_part()
            && matches!(wrap, Wrap::Base64 | Wrap::QuotedPrintable | Wrap::SevenBit)
        {
            wrap = Wrap::MultipartMessage;
        }
        if entity.len() > MAX_ENCODED {
            wrap = match wrap {
                Wrap::Base64 | Wrap::QuotedPrintable => Wrap::SevenBit,
                Wrap::MultipartBase64 => Wrap::MultipartMessage,
                other => other,
            };
        }
        used[level] = wrap;
        let mut outer = headers(level, here, id).into_bytes();
        if level == 0 {
            outer.extend_from_slice(b"MIME-Version: 1.0\r\n");
        }
        let boundary = format!("=_b{level}_");
        let part_open = format!("--{boundary}\r\n{}\r\n--{boundary}\r\n", sibling(here, id));
        let close = format!("\r\n--{boundary}--\r\n");
        let multipart = format!("Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n");
        match wrap {
            Wrap::Base64 => {
                outer.extend_from_slice(
                    b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                );
                outer.extend_from_slice(&common::base64(&entity));
            }
            Wrap::QuotedPrintable => {
                outer.extend_from_slice(
                    b"Content-Type: message/rfc822\r\n\
                      Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                );
                outer.extend_from_slice(&common::quoted_printable(&entity));
            }
            Wrap::SevenBit => {
                outer.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
                outer.extend_from_slice(&entity);
            }
            Wrap::MultipartMessage => {
                outer.extend_from_slice(multipart.as_bytes());
                outer.extend_from_slice(part_open.as_bytes());
                outer.extend_from_slice(b"Content-Type: message/rfc822\r\n\r\n");
                outer.extend_from_slice(&entity);
                outer.extend_from_slice(close.as_bytes());
            }
            Wrap::MultipartPart => {
                outer.extend_from_slice(multipart.as_bytes());
                outer.extend_from_slice(part_open.as_bytes());
                outer.extend_from_slice(&entity);
                outer.extend_from_slice(close.as_bytes());
            }
            Wrap::MultipartBase64 => {
                outer.extend_from_slice(multipart.as_bytes());
                outer.extend_from_slice(part_open.as_bytes());
                outer.extend_from_slice(
                    b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n",
                );
                outer.extend_from_slice(&common::base64(&entity));
                outer.extend_from_slice(close.as_bytes());
            }
        }
        entity = outer;
    }
    Built {
        bytes: entity,
        planted: place != Place::Nowhere,
        depth,
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&policy, rest)) = data.split_first() else {
        return;
    };
    let engine = &engines()[usize::from(policy & 1)];
    let Built {
        bytes,
        planted,
        depth,
    } = build(rest);
    if let Some(path) = std::env::var_os("MAILSCRUB_FUZZ_DUMP") {
        std::fs::write(path, &bytes).expect("the dump file");
    }
    let member = Member {
        entry: None,
        path: b"nested.eml".to_vec(),
        kind: EntryKind::File,
        format: MailboxFormat::Eml,
        size: Some(bytes.len() as u64),
    };
    let message = Message::single(bytes);
    let verdict = engine
        .process(&member, &message)
        .expect("a failed redaction is a deletion with --on-unredactable delete");
    if verdict.parse == ParseStatus::TooDeep {
        assert_eq!(
            verdict.outcome,
            Outcome::Delete,
            "a message too deep was not deleted"
        );
    }
    let left = match &verdict.outcome {
        Outcome::Delete => return,
        Outcome::Keep => {
            assert!(
                !planted,
                "an identifier planted in {depth} levels was missed"
            );
            &message.bytes
        }
        Outcome::Replace(bytes) => bytes,
    };
    let findings = engine.matcher().scan(&MessageInput {
        envelope: None,
        raw: left,
    });
    assert!(
        findings.is_empty() && findings.parse != ParseStatus::TooDeep,
        "the message written back ({depth} levels) holds {:?} ({:?})",
        findings.hits,
        findings.parse
    );
    assert!(engine.matcher().scan_bytes(left).is_empty());
});
