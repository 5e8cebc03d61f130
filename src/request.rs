//! The erasure request: who must be erased, and what happens by role.
//!
//! A request is a TOML file (format: `docs/request.md`). [`ErasureRequest::from_toml_str`]
//! validates everything up front and reports the first problem with its
//! 1-based line number. Error messages name subject ids and key names only,
//! never the identifier values themselves.

use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::text::normalize::normalize_identifier;

/// Context string for hashed addresses: `email_blake3` holds
/// `blake3::derive_key(EMAIL_HASH_CONTEXT, normalize_email(addr))` in hex.
pub(crate) const EMAIL_HASH_CONTEXT: &str = "mailscrub 2026-11-22 erasure-request email v1";

/// Minimum number of digits in a phone number.
pub(crate) const MIN_PHONE_DIGITS: usize = 5;

/// Largest request file, in bytes: checked before the file is read. A
/// request of [`MAX_SUBJECTS`] subjects with a typical address, name, phone
/// number and term each is about 15 MB. Compiled for search, a request takes
/// about 30 times its size in memory (90 times for long terms and names).
pub(crate) const MAX_REQUEST_BYTES: u64 = 16 << 20;

/// Most subjects in one request (ten times the 10,000 of the benchmarks).
pub(crate) const MAX_SUBJECTS: usize = 100_000;

/// Longest subject id, in bytes (ids are shown in reports and the manifest).
pub(crate) const MAX_ID_BYTES: usize = 128;

/// Longest address, in bytes as written (trimmed): RFC 5321 allows 254.
pub(crate) const MAX_EMAIL_BYTES: usize = 254;

/// Longest name, in bytes as written (trimmed).
pub(crate) const MAX_NAME_BYTES: usize = 256;

/// Longest term, in bytes as written (trimmed).
pub(crate) const MAX_TERM_BYTES: usize = 256;

/// Most digits in a phone number (E.164 has at most 15, extensions aside).
pub(crate) const MAX_PHONE_DIGITS: usize = 32;

/// Longest phone number, in bytes as written (trimmed), separators included.
pub(crate) const MAX_PHONE_BYTES: usize = 64;

/// An error in an erasure request.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// The request file could not be read.
    #[error("cannot read erasure request {}: {source}", path.display())]
    Io {
        /// The path that was read.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The TOML is malformed or does not fit the schema (unknown key, wrong type).
    #[error("line {line}: {message}")]
    Syntax {
        /// 1-based line of the offending item (0 if unknown).
        line: usize,
        /// What is wrong; never contains identifier values.
        message: String,
    },
    /// A value is well-formed TOML but not acceptable.
    #[error("line {line}: {message}")]
    Invalid {
        /// 1-based line of the offending item.
        line: usize,
        /// What is wrong; never contains identifier values.
        message: String,
    },
    /// The request is larger than `MAX_REQUEST_BYTES`.
    #[error("the request is larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit, `MAX_REQUEST_BYTES`.
        limit: u64,
    },
    /// An argument to [`hash_email`] or `normalize_email` is not an address.
    #[error("not a valid email address")]
    NotAnAddress,
}

/// What to do with a message, by the role a subject plays in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Replace each trace of the subject, keep the message.
    Redact,
    /// Remove the whole message. Stronger than [`Action::Redact`].
    Delete,
}

/// What to do with binary attachments of a redacted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BinaryAttachments {
    /// Replace with a short text stub (default).
    #[default]
    Stub,
    /// Keep unchanged.
    Keep,
}

/// The role a subject plays in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Named anywhere else (subject line, body, attachments, nested messages).
    Mention,
    /// In a recipient header (To, Cc, Bcc, Delivered-To, ...).
    Recipient,
    /// In a sender header (From, Sender, Reply-To, Return-Path) or the envelope.
    /// The strongest role.
    Sender,
}

/// The policy: an [`Action`] per [`Role`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// Action when the subject is a sender (default: delete).
    pub sender: Action,
    /// Action when the subject is a recipient (default: delete).
    pub recipient: Action,
    /// Action when the subject is only mentioned (default: redact).
    pub mention: Action,
    /// Binary attachments of redacted messages (default: stub).
    pub binary_attachments: BinaryAttachments,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            sender: Action::Delete,
            recipient: Action::Delete,
            mention: Action::Redact,
            binary_attachments: BinaryAttachments::Stub,
        }
    }
}

impl Policy {
    /// The action for a role.
    pub(crate) fn action_for(&self, role: Role) -> Action {
        match role {
            Role::Sender => self.sender,
            Role::Recipient => self.recipient,
            Role::Mention => self.mention,
        }
    }
}

/// Which variant forms of the identifiers are looked for besides the request's
/// own spelling (`[matching]` in a request; `docs/matching.md` has the table).
/// Every family is on by default; turning one off narrows the search, for
/// instance for a name that is also a common word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Matching {
    /// `Doe, Jane` and, as a header's whole display name, `Doe Jane`.
    pub inverted: bool,
    /// `Jane Q. Doe`, `Jane Quincy Doe`: up to two middle names or initials.
    pub middle_names: bool,
    /// Accents, ligatures and special letters ignored in names, terms and the
    /// text (`Zoë Müller` = `Zoe Muller`, `ß` = `ss`, `ø` = `o`).
    pub accents: bool,
    /// `Müller` = `Mueller`, `Søren` = `Soeren`, `Åse` = `Aase`, and the
    /// reverse for a surname written with `ae`, `oe`, `ue`.
    pub transliteration: bool,
    /// `jane_doe`, `Jane_Doe_June2001`: a name joined into a user or folder name.
    pub joined: bool,
    /// A phone number's national form and international prefixes.
    pub phone_forms: bool,
    /// An address percent-, HTML- or QP-encoded, or written `at`/`dot`.
    pub address_forms: bool,
}

impl Default for Matching {
    fn default() -> Self {
        Matching {
            inverted: true,
            middle_names: true,
            accents: true,
            transliteration: true,
            joined: true,
            phone_forms: true,
            address_forms: true,
        }
    }
}

/// One data subject (a person), with every identifier to look for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subject {
    /// Ticket id; the only thing about a subject that reports may show.
    pub id: String,
    /// Addresses, normalised with `normalize_email`.
    pub emails: Vec<String>,
    /// Addresses given only as [`hash_email`] digests.
    pub email_hashes: Vec<[u8; 32]>,
    /// Names, trimmed, inner white space collapsed to one space.
    pub names: Vec<String>,
    /// Phone numbers, digits only, after a `+` when written with one (an
    /// international number, searched for in its other forms too).
    pub phones: Vec<String>,
    /// Other literal identifiers, trimmed.
    pub terms: Vec<String>,
}

/// A validated erasure request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErasureRequest {
    /// What to do by role.
    pub policy: Policy,
    /// Which variant forms are looked for.
    pub matching: Matching,
    /// The subjects, in file order; a hit of the matcher names its subject by
    /// its index here.
    pub subjects: Vec<Subject>,
}

impl ErasureRequest {
    /// Parses and validates a request from TOML text.
    pub fn from_toml_str(text: &str) -> Result<ErasureRequest, RequestError> {
        if text.len() as u64 > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge {
                limit: MAX_REQUEST_BYTES,
            });
        }
        let raw: RawRequest = toml::from_str(text).map_err(|e| syntax_error(text, &e))?;
        if let Some(first) = raw.subject.get(MAX_SUBJECTS) {
            return Err(RequestError::Invalid {
                line: line_of(text, first.span().start),
                message: format!("more than {MAX_SUBJECTS} subjects (the limit of one request)"),
            });
        }
        let mut subjects = Vec::with_capacity(raw.subject.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for s in raw.subject {
            let subject = validate_subject(text, s, &mut seen)?;
            subjects.push(subject);
        }
        Ok(ErasureRequest {
            policy: raw.policy,
            matching: raw.matching,
            subjects,
        })
    }
}

/// Reads a request file whole, refusing one larger than
/// [`MAX_REQUEST_BYTES`] before reading it (and, should it grow meanwhile,
/// without reading more than the limit).
pub(crate) fn read_request_file(path: &Path) -> Result<Vec<u8>, RequestError> {
    use std::io::Read;
    let io = |source| RequestError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let too_large = RequestError::TooLarge {
        limit: MAX_REQUEST_BYTES,
    };
    if file.metadata().map_err(io)?.len() > MAX_REQUEST_BYTES {
        return Err(too_large);
    }
    let mut bytes = Vec::new();
    file.take(MAX_REQUEST_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_REQUEST_BYTES {
        return Err(too_large);
    }
    Ok(bytes)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    #[serde(default)]
    policy: Policy,
    #[serde(default)]
    matching: Matching,
    #[serde(default)]
    subject: Vec<Spanned<RawSubject>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSubject {
    id: Spanned<String>,
    #[serde(default)]
    emails: Vec<Spanned<String>>,
    #[serde(default)]
    names: Vec<Spanned<String>>,
    #[serde(default)]
    phones: Vec<Spanned<String>>,
    #[serde(default)]
    terms: Vec<Spanned<String>>,
    #[serde(default)]
    email_blake3: Vec<Spanned<String>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    1 + text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
}

/// The key of the `key = value` line holding byte `offset`, when it is one
/// of the request's keys (keys are never identifier values).
fn key_at(text: &str, offset: usize) -> Option<&'static str> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(start..)?.lines().next()?;
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    keys().find(|known| *known == key)
}

/// The keys of the top level, of `[policy]` and of a `[[subject]]`.
const TOP_KEYS: &[&str] = &["policy", "matching", "subject"];
const POLICY_KEYS: &[&str] = &["sender", "recipient", "mention", "binary_attachments"];
const MATCHING_KEYS: &[&str] = &[
    "inverted",
    "middle_names",
    "accents",
    "transliteration",
    "joined",
    "phone_forms",
    "address_forms",
];
const SUBJECT_KEYS: &[&str] = &["id", "emails", "names", "phones", "terms", "email_blake3"];

/// The keys of a request (tables and fields), which messages may name.
fn keys() -> impl Iterator<Item = &'static str> {
    [TOP_KEYS, POLICY_KEYS, MATCHING_KEYS, SUBJECT_KEYS]
        .into_iter()
        .flatten()
        .copied()
}

/// A TOML or schema error in our own words. The toml crate's messages quote
/// the offending key or value, and in a request either may be an identifier
/// (an unknown key may be the very address to erase): only schema words,
/// the line and the kind of problem are kept.
fn syntax_error(text: &str, e: &toml::de::Error) -> RequestError {
    let start = e.span().map(|span| span.start);
    let key = start.and_then(|at| key_at(text, at));
    let of_key = |what: String| match key {
        Some(key) => format!("key `{key}`: {what}"),
        None => what,
    };
    let msg = e.message();
    let message = if let Some(rest) = msg.strip_prefix("unknown field `") {
        let (unknown, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let (table, keys) = if expected.contains("`id`") {
            ("in [[subject]]", SUBJECT_KEYS)
        } else if expected.contains("`sender`") {
            ("in [policy]", POLICY_KEYS)
        } else if expected.contains("`inverted`") {
            ("in [matching]", MATCHING_KEYS)
        } else {
            ("at the top level", TOP_KEYS)
        };
        let hint = match keys.iter().find(|k| near(unknown, k)) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!("the keys are {}", keys.join(", ")),
        };
        format!("unknown key {table} ({hint})")
    } else if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let value = rest.split_once('`').map(|(value, _)| value);
        match value.filter(|value| shown_policy_value(text, key, value)) {
            Some(value) => of_key(format!("unknown value \"{value}\"{}", expected_for(key))),
            None => of_key(format!("unknown value{}", expected_for(key))),
        }
    } else if msg.starts_with("invalid type: ") {
        of_key(format!("wrong type{}", expected_for(key)))
    } else if msg.starts_with("invalid value: ") {
        of_key(format!("invalid value{}", expected_for(key)))
    } else if msg.starts_with("invalid length ") {
        of_key("wrong number of values".to_owned())
    } else if let Some(rest) = msg.strip_prefix("missing field `") {
        match keys().find(|k| rest.starts_with(&format!("{k}`"))) {
            Some(k) => format!("missing key `{k}`"),
            None => "missing key".to_owned(),
        }
    } else if msg.starts_with("duplicate") {
        of_key("duplicate key".to_owned())
    } else {
        sanitize_toml_message(msg)
    };
    RequestError::Syntax {
        line: start.map_or(0, |at| line_of(text, at)),
        message,
    }
}

/// Whether a value refused for `key` may be quoted in the message: a policy
/// value (`sender`, `recipient`, `mention`, `binary_attachments`) is a word
/// such as `shred`, not personal data, so it is shown when it looks like
/// one (at most 24 ASCII letters, digits, `-` and `_`) and appears nowhere
/// else in the request (so that a name or term of a subject, put there by
/// mistake, stays hidden as every other value does).
fn shown_policy_value(text: &str, key: Option<&str>, value: &str) -> bool {
    let policy = matches!(
        key,
        Some("sender" | "recipient" | "mention" | "binary_attachments")
    );
    let word = !value.is_empty()
        && value.len() <= 24
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    policy
        && word
        && text
            .to_ascii_lowercase()
            .matches(&value.to_ascii_lowercase())
            .count()
            == 1
}

/// What a key takes, for a message about a bad value (empty if unknown).
fn expected_for(key: Option<&str>) -> &'static str {
    match key {
        Some("sender" | "recipient" | "mention") => " (expected \"delete\" or \"redact\")",
        Some("binary_attachments") => " (expected \"stub\" or \"keep\")",
        Some("id") => " (expected a string)",
        Some("emails" | "names" | "phones" | "terms" | "email_blake3") => {
            " (expected a list of strings)"
        }
        Some(
            "inverted" | "middle_names" | "accents" | "transliteration" | "joined" | "phone_forms"
            | "address_forms",
        ) => " (expected true or false)",
        Some("policy" | "matching") => " (expected a table)",
        Some("subject") => " (expected [[subject]] tables)",
        _ => "",
    }
}

/// True when `typo` is within two edits of `key` (a likely misspelling).
fn near(typo: &str, key: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (typo.chars().collect(), key.chars().collect());
    if a.len().abs_diff(b.len()) > 2 || a.len() > 2 * b.len() {
        return false;
    }
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()] <= 2
}

/// Keeps the grammar words of a TOML parse error and blanks out anything
/// quoted that could be a value or a key (either may be an identifier).
fn sanitize_toml_message(msg: &str) -> String {
    const VALUES: &[&str] = &["delete", "redact", "stub", "keep"];
    let mut out = String::with_capacity(msg.len());
    let mut rest = msg;
    while let Some(open) = rest.find(['`', '"']) {
        let quote = rest[open..].chars().next().unwrap_or('`');
        out.push_str(&rest[..=open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find(quote) else {
            out.push('…');
            return out;
        };
        let inner = &after[..close];
        // A single character (an escape letter the grammar expects) cannot
        // be an identifier.
        let harmless = keys().any(|k| k == inner)
            || VALUES.contains(&inner)
            || inner.chars().count() <= 1
            || !inner.chars().any(char::is_alphanumeric);
        out.push_str(if harmless { inner } else { "…" });
        out.push(quote);
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    // One line: toml's messages may go on with lists of expected tokens.
    out.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The subject being validated, for its error messages.
struct Ctx<'a> {
    text: &'a str,
    id: String,
}

impl Ctx<'_> {
    fn err(&self, span: Range<usize>, what: String) -> RequestError {
        RequestError::Invalid {
            line: line_of(self.text, span.start),
            message: format!("subject '{}': {what}", self.id),
        }
    }

    /// The error of `list[i]` longer than `limit` `unit`.
    fn too_long(
        &self,
        list: &str,
        i: usize,
        span: Range<usize>,
        limit: usize,
        unit: &str,
    ) -> RequestError {
        self.err(
            span,
            format!("{list}[{i}] is longer than the limit of {limit} {unit}"),
        )
    }
}

fn validate_subject(
    text: &str,
    raw: Spanned<RawSubject>,
    seen: &mut HashMap<String, usize>,
) -> Result<Subject, RequestError> {
    let span = raw.span();
    let raw = raw.into_inner();
    let ctx = Ctx {
        text,
        id: validate_id(text, &raw.id, seen)?,
    };
    // Lengths are checked before anything else looks at a value: bounded
    // identifiers keep compiling the request and searching for it linear.
    let mut s = Subject {
        id: ctx.id.clone(),
        emails: validate_emails(&ctx, &raw.emails)?,
        email_hashes: validate_hashes(&ctx, &raw.email_blake3)?,
        names: validate_words(&ctx, "names", &raw.names, MAX_NAME_BYTES, collapse_space)?,
        phones: validate_phones(&ctx, &raw.phones)?,
        terms: validate_words(&ctx, "terms", &raw.terms, MAX_TERM_BYTES, |t| {
            t.trim().to_owned()
        })?,
    };
    if s.emails.is_empty()
        && s.email_hashes.is_empty()
        && s.names.is_empty()
        && s.phones.is_empty()
        && s.terms.is_empty()
    {
        return Err(ctx.err(span, "has no identifier".into()));
    }
    dedup(&mut s.emails);
    dedup(&mut s.email_hashes);
    dedup(&mut s.names);
    dedup(&mut s.phones);
    dedup(&mut s.terms);
    Ok(s)
}

/// The subject's id, trimmed: not empty, within [`MAX_ID_BYTES`], without
/// control characters, and not seen before (`seen`: id -> its offset).
fn validate_id(
    text: &str,
    raw: &Spanned<String>,
    seen: &mut HashMap<String, usize>,
) -> Result<String, RequestError> {
    // Lines are counted only when an error needs one: counting for every
    // subject made loading a 10,000-subject request quadratic.
    let offset = raw.span().start;
    let invalid = |message: String| RequestError::Invalid {
        line: line_of(text, offset),
        message,
    };
    let id = raw.get_ref().trim().to_owned();
    if id.is_empty() {
        return Err(invalid("subject has an empty id".into()));
    }
    if id.len() > MAX_ID_BYTES {
        return Err(invalid(format!(
            "subject id is longer than the limit of {MAX_ID_BYTES} bytes"
        )));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid("subject id contains control characters".into()));
    }
    if let Some(first) = seen.insert(id.clone(), offset) {
        let first = line_of(text, first);
        return Err(invalid(format!(
            "duplicate subject id '{id}' (first at line {first})"
        )));
    }
    Ok(id)
}

/// The `emails`, normalised.
fn validate_emails(ctx: &Ctx<'_>, raw: &[Spanned<String>]) -> Result<Vec<String>, RequestError> {
    raw.iter()
        .enumerate()
        .map(|(i, e)| {
            if e.get_ref().trim().len() > MAX_EMAIL_BYTES {
                return Err(ctx.too_long("emails", i, e.span(), MAX_EMAIL_BYTES, "bytes"));
            }
            normalize_email(e.get_ref())
                .map_err(|_| ctx.err(e.span(), format!("emails[{i}] is not a valid address")))
        })
        .collect()
}

/// The `email_blake3` hashes.
fn validate_hashes(ctx: &Ctx<'_>, raw: &[Spanned<String>]) -> Result<Vec<[u8; 32]>, RequestError> {
    raw.iter()
        .enumerate()
        .map(|(i, h)| {
            parse_hex32(h.get_ref())
                .ok_or_else(|| ctx.err(h.span(), format!("email_blake3[{i}] is not 64 hex digits")))
        })
        .collect()
}

/// The `names` or `terms` (`list`), each within `limit` bytes and made by
/// `clean`, which must leave a word.
fn validate_words(
    ctx: &Ctx<'_>,
    list: &str,
    raw: &[Spanned<String>],
    limit: usize,
    clean: impl Fn(&str) -> String,
) -> Result<Vec<String>, RequestError> {
    raw.iter()
        .enumerate()
        .map(|(i, w)| {
            if w.get_ref().trim().len() > limit {
                return Err(ctx.too_long(list, i, w.span(), limit, "bytes"));
            }
            let word = clean(w.get_ref());
            match has_word(&word) {
                true => Ok(word),
                false => Err(ctx.err(w.span(), format!("{list}[{i}] is empty"))),
            }
        })
        .collect()
}

/// The `phones`, as their digits (after a `+` if written with one).
fn validate_phones(ctx: &Ctx<'_>, raw: &[Spanned<String>]) -> Result<Vec<String>, RequestError> {
    raw.iter()
        .enumerate()
        .map(|(i, p)| {
            if p.get_ref().trim().len() > MAX_PHONE_BYTES {
                return Err(ctx.too_long("phones", i, p.span(), MAX_PHONE_BYTES, "bytes"));
            }
            let digits = phone_digits(p.get_ref()).ok_or_else(|| {
                ctx.err(
                    p.span(),
                    format!("phones[{i}] is not a phone number (digits, spaces, + - . ( ) / only)"),
                )
            })?;
            if digits.len() < MIN_PHONE_DIGITS {
                return Err(ctx.err(
                    p.span(),
                    format!("phones[{i}] has fewer than {MIN_PHONE_DIGITS} digits"),
                ));
            }
            if digits.len() > MAX_PHONE_DIGITS {
                return Err(ctx.too_long("phones", i, p.span(), MAX_PHONE_DIGITS, "digits"));
            }
            // The `+` says the number is international (its other forms).
            if p.get_ref().trim().starts_with('+') {
                return Ok(format!("+{digits}"));
            }
            Ok(digits)
        })
        .collect()
}

fn dedup<T: Clone + Eq + std::hash::Hash>(v: &mut Vec<T>) {
    let mut seen = HashSet::new();
    v.retain(|x| seen.insert(x.clone()));
}

fn has_word(s: &str) -> bool {
    s.chars().any(char::is_alphanumeric)
}

fn collapse_space(s: &str) -> String {
    s.split(crate::text::normalize::is_space)
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim().as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        let hi = char::from(pair[0]).to_digit(16)?;
        let lo = char::from(pair[1]).to_digit(16)?;
        *o = u8::try_from(hi * 16 + lo).ok()?;
    }
    Some(out)
}

/// Digits of a phone number, or `None` if it holds other characters.
fn phone_digits(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s.strip_prefix('+').unwrap_or(s);
    let mut digits = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' => {}
            _ => return None,
        }
    }
    Some(digits)
}

/// ASCII characters always allowed in the local part of an address when
/// matching (besides alphanumerics). Other RFC 5322 `atext` characters are
/// allowed only if some subject's address uses them.
pub(crate) const LOCAL_PUNCT: &str = "._%+-";

/// Every ASCII character RFC 5322 allows unquoted in a local part, besides alphanumerics.
const ATEXT_PUNCT: &str = "!#$%&'*+-/=?^_`{|}~.";

/// Normalises an email address: trims, applies NFC, lowercase (ASCII and
/// Unicode) and accent folding (see `docs/matching.md`: an address is
/// compared with accents folded whatever the request's `[matching]`, so that
/// its hash does not depend on it), and drops a `+tag` from the local part.
///
/// Fails on anything that is not a plain `local@domain` address: quoted local
/// parts, comments, IP literals and trailing dots are not accepted.
pub(crate) fn normalize_email(addr: &str) -> Result<String, RequestError> {
    let a = normalize_identifier(addr, true);
    let (local, domain) = a.split_once('@').ok_or(RequestError::NotAnAddress)?;
    let local = local.split_once('+').map_or(local, |(l, _)| l);
    let local_ok = !local.is_empty()
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || ATEXT_PUNCT.contains(c));
    let domain_ok = !domain.is_empty()
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    if !local_ok || !domain_ok {
        return Err(RequestError::NotAnAddress);
    }
    Ok(format!("{local}@{domain}"))
}

/// The `email_blake3` hex digest of an address (normalised first).
pub fn hash_email(addr: &str) -> Result<String, RequestError> {
    let n = normalize_email(addr)?;
    Ok(hex(&email_digest(&n)))
}

/// The digest of an already normalised address.
pub(crate) fn email_digest(normalized: &str) -> [u8; 32] {
    blake3::derive_key(EMAIL_HASH_CONTEXT, normalized.as_bytes())
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
[policy]
sender = "redact"
recipient = "delete"
mention = "redact"
binary_attachments = "keep"

[[subject]]
id = "REQ-1"
emails = ["  Jane.Doe+news@Example.COM "]
names = ["Jane   Doe"]
phones = ["+44 20 7946 0018"]
terms = ["CUST-88231"]

[[subject]]
id = "REQ-2"
email_blake3 = ["HASH"]
"#;

    fn full() -> String {
        let hash = hash_email("john@example.org").unwrap_or_default();
        FULL.replace("HASH", &hash.to_uppercase())
    }

    #[test]
    fn parses_full_request() {
        let r = ErasureRequest::from_toml_str(&full()).expect("valid request");
        assert_eq!(r.policy.sender, Action::Redact);
        assert_eq!(r.policy.binary_attachments, BinaryAttachments::Keep);
        assert_eq!(r.subjects.len(), 2);
        let s = &r.subjects[0];
        assert_eq!(s.id, "REQ-1");
        assert_eq!(s.emails, ["jane.doe@example.com"]);
        assert_eq!(s.names, ["Jane Doe"]);
        assert_eq!(s.phones, ["+442079460018"]);
        assert_eq!(s.terms, ["CUST-88231"]);
        assert_eq!(
            r.subjects[1].email_hashes,
            [email_digest("john@example.org")]
        );
    }

    #[test]
    fn empty_request_is_valid_with_defaults() {
        for text in ["", "\n# nothing\n", "[policy]\n"] {
            let r = ErasureRequest::from_toml_str(text).expect("empty request");
            assert!(r.subjects.is_empty());
            assert_eq!(r.policy, Policy::default());
        }
        assert!(ErasureRequest::default().subjects.is_empty());
    }

    #[test]
    fn policy_defaults_and_action_for() {
        let p = Policy::default();
        assert_eq!(p.action_for(Role::Sender), Action::Delete);
        assert_eq!(p.action_for(Role::Recipient), Action::Delete);
        assert_eq!(p.action_for(Role::Mention), Action::Redact);
        assert!(Action::Delete > Action::Redact);
        assert!(Role::Sender > Role::Recipient && Role::Recipient > Role::Mention);
    }

    /// (request text, expected line, a fragment the message must contain)
    const BAD: &[(&str, usize, &str)] = &[
        (
            "[policy]\nsender = \"shred\"\n",
            2,
            "key `sender`: unknown value \"shred\" (expected \"delete\" or \"redact\")",
        ),
        (
            "[policy]\nmention = \"Jane\"\n[[subject]]\nid = \"A\"\nnames = [\"Jane Doe\"]\n",
            2,
            "key `mention`: unknown value (expected \"delete\" or \"redact\")",
        ),
        (
            "[policy]\nbinary_attachments = \"drop\"\n",
            2,
            "key `binary_attachments`: unknown value \"drop\" (expected \"stub\" or \"keep\")",
        ),
        (
            "[policy]\ncolour = \"red\"\n",
            2,
            "unknown key in [policy] (the keys are sender, recipient, mention, binary_attachments)",
        ),
        (
            "[polcy]\n",
            1,
            "unknown key at the top level (did you mean `policy`?)",
        ),
        (
            "[[subject]]\nid = \"A\"\nnames = [\"X\"]\nnmes = [\"Y\"]\n",
            4,
            "unknown key in [[subject]] (did you mean `names`?)",
        ),
        ("[[subject]]\nnames = [\"X\"]\n", 1, "missing key `id`"),
        ("[[subject]]\nid = \"  \"\nnames = [\"X\"]\n", 2, "empty id"),
        (
            "[[subject]]\nid = \"A\"\nnames = [\"X\"]\n[[subject]]\nid = \"A\"\nterms = [\"T1\"]\n",
            5,
            "duplicate subject id 'A' (first at line 2)",
        ),
        (
            "[[subject]]\nid = \"A\"\n",
            1,
            "subject 'A': has no identifier",
        ),
        (
            "[[subject]]\nid = \"A\"\nemails = [\"ok@example.com\",\n  \"secret-not-an-address\"]\n",
            4,
            "subject 'A': emails[1] is not a valid address",
        ),
        (
            "[[subject]]\nid = \"A\"\nemails = [\"secret@bad..domain\"]\n",
            3,
            "emails[0]",
        ),
        (
            "[[subject]]\nid = \"A\"\nemail_blake3 = [\"zz-secret\"]\n",
            3,
            "email_blake3[0] is not 64 hex digits",
        ),
        (
            "[[subject]]\nid = \"A\"\nnames = [\" \\t \"]\n",
            3,
            "names[0] is empty",
        ),
        (
            "[[subject]]\nid = \"A\"\nterms = [\"\"]\n",
            3,
            "terms[0] is empty",
        ),
        (
            "[[subject]]\nid = \"A\"\nphones = [\"+44 12\"]\n",
            3,
            "phones[0] has fewer than 5 digits",
        ),
        (
            "[[subject]]\nid = \"A\"\nphones = [\"call 5550123\"]\n",
            3,
            "phones[0] is not a phone number",
        ),
        (
            "[[subject]]\nid = \"A\"\nemails = \"secret@example.com\"\n",
            3,
            "key `emails`: wrong type (expected a list of strings)",
        ),
        (
            "[[subject]]\nid = \"A\"\nphones = [4420794600]\n",
            3,
            "key `phones`: wrong type",
        ),
        (
            "[[subject]]\nid = \"A\"\n\"secret@example.com\" = 1\n\"secret@example.com\" = 2\n",
            4,
            "duplicate key",
        ),
        (
            "[[subject]]\nid = \"A\"\nsecret = [\"x\"]\n",
            3,
            "unknown key in [[subject]] (the keys are id, emails",
        ),
        (
            "subject = [{ id = \"A\", \"secret@example.com\" = 1 }]\n",
            1,
            "unknown key in [[subject]]",
        ),
        (
            "[\"secret@example.com\"]\n",
            1,
            "unknown key at the top level",
        ),
        ("[[subject]\nid = \"A\"\n", 1, ""),
    ];

    #[test]
    fn bad_values_and_types_name_their_key() {
        for (toml, key) in [
            ("[policy]\nsender = \"dlete\"\n", "`sender`"),
            (
                "[[subject]]\nid = \"R\"\nemails = \"jane@example.com\"\n",
                "`emails`",
            ),
        ] {
            let err = ErasureRequest::from_toml_str(toml).unwrap_err().to_string();
            assert!(err.contains(key), "{err}");
            assert!(!err.contains("jane@"), "{err}");
        }
        // A policy value is no personal data: it is shown, so that the
        // writer of the request sees the typo.
        let err = ErasureRequest::from_toml_str("[policy]\nsender = \"dlete\"\n").unwrap_err();
        assert!(err.to_string().contains("unknown value \"dlete\""), "{err}");
    }

    #[test]
    fn rejects_bad_requests_with_line_and_without_values() {
        for (text, line, fragment) in BAD {
            for crlf in [false, true] {
                let text = if crlf {
                    text.replace('\n', "\r\n")
                } else {
                    text.to_string()
                };
                let err = ErasureRequest::from_toml_str(&text).expect_err(&text);
                let msg = err.to_string();
                let got_line = match err {
                    RequestError::Syntax { line, .. } | RequestError::Invalid { line, .. } => line,
                    _ => 0,
                };
                assert_eq!(got_line, *line, "{text:?}: {msg}");
                assert!(msg.contains(fragment), "{text:?}: {msg}");
                assert!(msg.starts_with(&format!("line {line}: ")), "{msg}");
                for secret in [
                    "secret",
                    "4420794600",
                    "5550123",
                    "+44 12",
                    "colour",
                    "polcy",
                    "nmes",
                ] {
                    assert!(!msg.contains(secret), "{text:?} leaks: {msg}");
                }
            }
        }
    }

    #[test]
    fn identifiers_up_to_their_limit_are_accepted_and_longer_refused() {
        let at = |n: usize, tail: &str| format!("{}{tail}", "a".repeat(n - tail.len()));
        let phone_digits = "5".repeat(MAX_PHONE_DIGITS);
        let long_phone = format!("+{}1", "1 - ".repeat(MAX_PHONE_BYTES / 4));
        // (key, value at the limit, value over it, fragment of the error)
        let cases = [
            (
                "emails",
                at(MAX_EMAIL_BYTES, "@example.com"),
                at(MAX_EMAIL_BYTES + 1, "@example.com"),
                "emails[0] is longer than the limit of 254 bytes",
            ),
            (
                "names",
                at(MAX_NAME_BYTES, " Doe"),
                at(MAX_NAME_BYTES + 1, " Doe"),
                "names[0] is longer than the limit of 256 bytes",
            ),
            (
                "terms",
                at(MAX_TERM_BYTES, ""),
                at(MAX_TERM_BYTES + 1, ""),
                "terms[0] is longer than the limit of 256 bytes",
            ),
            (
                "phones",
                phone_digits.clone(),
                format!("{phone_digits}5"),
                "phones[0] is longer than the limit of 32 digits",
            ),
            (
                "phones",
                "+1 555 0100".into(),
                long_phone,
                "phones[0] is longer than the limit of 64 bytes",
            ),
        ];
        for (key, ok, bad, fragment) in cases {
            let toml = |v: &str| format!("[[subject]]\nid = \"R\"\n{key} = [\"{v}\"]\n");
            ErasureRequest::from_toml_str(&toml(&ok)).expect(key);
            let err = ErasureRequest::from_toml_str(&toml(&bad))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("line 3: subject 'R': "), "{err}");
            assert!(err.contains(fragment), "{err}");
            assert!(!err.contains("aaaa") && !err.contains("5555"), "{err}");
        }
        let id = |n: usize| {
            format!(
                "[[subject]]\nid = \"{}\"\nterms = [\"t1\"]\n",
                "R".repeat(n)
            )
        };
        ErasureRequest::from_toml_str(&id(MAX_ID_BYTES)).expect("id at the limit");
        let err = ErasureRequest::from_toml_str(&id(MAX_ID_BYTES + 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: subject id is longer than the limit of 128 bytes"
        );
    }

    #[test]
    fn subjects_beyond_the_limit_are_refused_at_the_first_extra_one() {
        let mut text = String::new();
        for i in 0..=MAX_SUBJECTS {
            text.push_str(&format!("[[subject]]\nid = \"R{i}\"\nterms = [\"t{i}\"]\n"));
        }
        let err = ErasureRequest::from_toml_str(&text)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            format!(
                "line {}: more than 100000 subjects (the limit of one request)",
                3 * MAX_SUBJECTS + 1
            )
        );
    }

    #[test]
    fn a_request_larger_than_the_limit_is_refused_before_it_is_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("r.toml");
        let file = std::fs::File::create(&path).expect("create");
        file.set_len(MAX_REQUEST_BYTES + 1).expect("sparse file");
        let err = read_request_file(&path).unwrap_err();
        assert!(matches!(err, RequestError::TooLarge { .. }), "{err}");
        file.set_len(MAX_REQUEST_BYTES).expect("sparse file");
        assert_eq!(
            read_request_file(&path).expect("at the limit").len() as u64,
            MAX_REQUEST_BYTES
        );
        let text = " ".repeat(MAX_REQUEST_BYTES as usize + 1);
        let err = ErasureRequest::from_toml_str(&text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the request is larger than the limit of 16777216 bytes"
        );
    }

    #[test]
    fn near_finds_misspellings_only() {
        assert!(near("nmes", "names") && near("email", "emails") && near("polcy", "policy"));
        assert!(!near("jane.doe@example.com", "emails") && !near("colour", "sender"));
    }

    #[test]
    fn normalizes_emails() {
        let ok: &[(&str, &str)] = &[
            ("Jane.Doe@Example.COM", "jane.doe@example.com"),
            (" jane.doe+news@example.com\n", "jane.doe@example.com"),
            ("JÖRG@BEISPIEL.DE", "jorg@beispiel.de"),
            ("o'brien@example.ie", "o'brien@example.ie"),
            ("root@localhost", "root@localhost"),
        ];
        for (input, want) in ok {
            assert_eq!(
                normalize_email(input).ok().as_deref(),
                Some(*want),
                "{input}"
            );
        }
        for bad in [
            "",
            "jane",
            "@example.com",
            "jane@",
            "+tag@example.com",
            "jane doe@example.com",
            "jane@exa mple.com",
            "jane@example.com.",
            ".jane@example.com",
            "jane@@example.com",
            "\"jane\"@example.com",
            "jane@[127.0.0.1]",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hash_email_is_stable_and_normalised() {
        let a = hash_email("Jane.Doe+x@Example.com").expect("valid");
        let b = hash_email("jane.doe@example.com").expect("valid");
        assert_eq!(a, b);
        assert_eq!(a.len(), 64);
        let expected = blake3::derive_key(EMAIL_HASH_CONTEXT, b"jane.doe@example.com");
        assert_eq!(a, hex(&expected));
        assert!(hash_email("nope").is_err());
    }

    #[test]
    fn enums_serialize_lowercase() {
        let p = serde_json::to_string(&Policy::default()).unwrap_or_default();
        assert_eq!(
            p,
            r#"{"sender":"delete","recipient":"delete","mention":"redact","binary_attachments":"stub"}"#
        );
        assert_eq!(
            serde_json::to_string(&Role::Recipient).unwrap_or_default(),
            "\"recipient\""
        );
    }
}
