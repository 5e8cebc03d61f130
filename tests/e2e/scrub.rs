//! `scrub` deletes and redacts (issue "Delete and redact").
//!
//! The acceptance test scrubs the planted corpus (every planted and decoy case
//! of `planted.rs`, LF and CRLF, plus cases of this module) laid out over
//! every mailbox format (Maildir with a Maildir++ folder and `,W=` names, MH,
//! mboxrd LF and CRLF, mboxcl2 with `Content-Length`, loose `.eml`) in every
//! container (tar, tar.gz, tar.zst, bare mbox, mbox.zst, single eml), once
//! with a policy that redacts every role and once with the default policy,
//! and checks each output with independent decoders (`mailparse`,
//! `support::encode`, `support::unpack`): no identifier in any form, untouched
//! messages byte-identical, redacted ones parseable with their Message-ID and
//! sentinel text, fail-closed deletions few and named, sizes in Maildir names
//! and `Content-Length` right, `verify` passing.
//!
//! Then golden checks of each encoding's surgery, attachments, fail closed,
//! header caches and determinism.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::planted::{self, Case, Id, Place, Role};
use crate::support::encode::{base64_lines, charset, qp_decode, quoted_printable, word_b, word_q};
use crate::support::erasure::{
    EncodedForm, argv, encoded_forms, leaked_bytes, leaked_in_text, leaked_words, normalize_text,
    read_manifest, strings, strip_plus_tags, verify_text,
};
use crate::support::mail::{self, Member, crlf};
use crate::support::unpack::{
    self, MboxMessage, crlf_size, decoded_texts, header_value, maildir_sizes, split_header_body,
    split_mbox, tar_members, unquoted_from_lines,
};
use crate::support::*;

/// A policy that redacts every role.
const REDACT_ALL: &str =
    "[policy]\nsender = \"redact\"\nrecipient = \"redact\"\nmention = \"redact\"\n";
/// The default policy (sender and recipient delete, mention redacts).
const DEFAULT_POLICY: &str = "";

/// The planted request under `policy`.
fn request(policy: &str) -> String {
    format!("{policy}{}", planted::request_toml())
}

/// Charsets in which the corpus plants identifiers (for the raw byte check).
const CHARSETS: [&str; 7] = [
    "iso-8859-1",
    "windows-1252",
    "iso-8859-2",
    "koi8-r",
    "shift_jis",
    "euc-jp",
    "iso-2022-jp",
];

/// The phone's digit string, for the digit-projection check.
fn phone_digits() -> Vec<(String, String)> {
    vec![("phone digits".into(), planted::PHONE_DIGITS.into())]
}

/// Every encoded form of every identifier (and its case variants).
fn all_encoded_forms() -> Vec<EncodedForm> {
    encoded_forms(&planted::identifier_forms(), &CHARSETS)
}

/// A non-identifying text that a redaction of the case must keep (in the
/// same part or header block as the identifier).
fn sentinel(label: &str) -> &'static str {
    match label {
        "from" => "Status p-from",
        "to" => "Status p-to",
        "cc" => "Carol Example",
        "bcc" => "Status p-bcc",
        "reply-to" => "Status p-reply-to",
        "return-path" => "Status p-return-path",
        "delivered-to" => "Status p-delivered-to",
        "received-for" => "ESMTP id 4XyzAb",
        "plus-tag" => "Status p-plus-tag",
        "base64-body" => "about it.",
        "qp-soft-break-in-address" => "today.",
        "mixed-case-plus-tag-in-body" => "Reply to",
        "html-at-reference" => "please.",
        "csv-attachment" => "name,email",
        "json-attachment-base64" => "\"contact\"",
        "vcard-attachment" => "EMAIL;TYPE=work:",
        "ics-attachment-qp" => "ATTENDEE;CN=Guest:mailto:",
        "forwarded-rfc822-7bit" | "forwarded-rfc822-base64" => "The original text.",
        "subject-2047-b-latin1-split" => "Café avec",
        "subject-2047-q-utf8-split" => "Réunion avec",
        "subject-folded" => "Notes from the call with",
        "body-8bit-iso-8859-1" => "viendra.",
        "body-8bit-windows-1252" => "zurückrufen.",
        "body-8bit-koi8-r" => "перезвоните.",
        "body-iso-2022-jp" => "から電話がありました",
        "body-8bit-shift-jis" => "様へのお知らせ",
        "body-utf8-nbsp" => "today.",
        "qp-soft-break-in-name" => "about it.",
        "html-tags-between-words" => "at noon.",
        "html-tag-inside-word" | "html-nbsp-reference" => "called.",
        "rfc2231-attachment-filename" => "See the attachment.",
        "phone-spaces" | "phone-dashes" | "phone-dots" | "phone-parens-slash" => "now.",
        "phone-bare-digits" => "Tel:",
        "phone-across-line-break" => "after five.",
        "phone-in-header" => "Voicemail.",
        "term-body" | "term-lowercase" => "closed.",
        "term-subject" => "Done.",
        "term-base64-body" => "is closed.",
        "mbox-envelope" => "Only the envelope knows.",
        "identifier-in-member-path" => "Case file",
        "mboxrd-from-lines" => "sentinel-1",
        "cl2-from-lines" => "sentinel-2",
        "binary-attachment" => "sentinel-3",
        other => panic!("no sentinel for case {other}: add one"),
    }
}

/// `path` with every identifier form replaced by `erased`, case-insensitively.
fn erase_identifiers(path: &str, ids: &[(String, String)]) -> String {
    let mut out = path.to_owned();
    for (_, id) in ids {
        let lower = out.to_lowercase();
        if let Some(at) = lower.find(&id.to_lowercase())
            && lower.len() == out.len()
        {
            out.replace_range(at..at + id.len(), "erased");
        }
    }
    out
}

/// Cases of this module: `From ` lines around a redaction (mboxrd and
/// mboxcl2), and a binary attachment of a redacted message.
fn scrub_cases() -> Vec<Case> {
    let case = |label, lf| Case {
        label,
        planted: Some((Id::Name, Role::Mention)),
        place: Place::Any,
        lf,
    };
    vec![
        case(
            "mboxrd-from-lines",
            planted::text(
                "s-from-lines",
                "From the start, sentinel-1.\n>From quoted once\n>>From quoted twice\n\
                 Jane Doe wrote this.\nFrom the end.\n",
            ),
        ),
        case(
            "cl2-from-lines",
            planted::text(
                "s-cl2",
                "Jane Doe wrote, sentinel-2.\n\nFrom the middle, unquoted.\n>From quoted.\n",
            ),
        ),
        case(
            "binary-attachment",
            attachment_message("s-bin", "sentinel-3"),
        ),
    ]
}

/// A message whose text part mentions the subject, with a PNG attachment.
fn attachment_message(id: &str, sentinel: &str) -> Vec<u8> {
    let body = format!(
        "--mix-b\nContent-Type: text/plain; charset=us-ascii\n\nJane Doe sent the logo, {sentinel}.\n\
         --mix-b\nContent-Type: image/png; name=\"logo.png\"\nContent-Disposition: attachment; filename=\"logo.png\"\n\
         Content-Transfer-Encoding: base64\n\n{}--mix-b\nContent-Type: text/plain; charset=us-ascii\n\nBye.\n--mix-b--\n",
        base64_lines(&mail::png_like(), 76)
    );
    planted::msg(
        id,
        &[],
        &["Content-Type: multipart/mixed; boundary=\"mix-b\""],
        body.as_bytes(),
    )
}

/// Where a message of the layout went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    MaildirCur,
    MaildirSent,
    MaildirNew,
    Mh,
    Mbox,
    Cl2,
    Eml,
}

/// What a case is, for the checks.
#[derive(Clone, Debug)]
struct Known {
    label: String,
    planted: Option<(Id, Role)>,
}

/// The acceptance layout: a tar of every mailbox format, and its pieces.
struct Layout {
    tar: Vec<u8>,
    /// The LF and the CRLF mboxrd members (also scrubbed as bare mboxes).
    mbox_lf: Vec<u8>,
    mbox_crlf: Vec<u8>,
    /// Cases by (member path, Message-ID).
    known: BTreeMap<(String, String), Known>,
    /// The (label, bytes) of loose `.eml` messages.
    emls: Vec<(String, Vec<u8>)>,
}

const MAILDIR: &str = "home/bob/Maildir/";
const MBOX_LF: &str = "mail/planted.mbox";
const MBOX_CRLF: &str = "mail/planted-crlf.mbox";
const MBOX_CL2: &str = "mail/cl2.mbox";

fn message_id(bytes: &[u8]) -> String {
    header_value(bytes, "Message-ID").unwrap_or_else(|| {
        panic!(
            "no Message-ID in {:?}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        )
    })
}

/// A Maildir message in the making: bytes, folder, label, what was planted.
type MaildirEntry = (Vec<u8>, &'static str, String, Option<(Id, Role)>);

/// A bare input: file name, holder, plain bytes, stored bytes, where its cases are known.
type BareInput = (String, Holder, Vec<u8>, Vec<u8>, String);

fn layout() -> Layout {
    let mut cases = planted::planted_cases();
    cases.extend(scrub_cases());
    cases.extend(planted::decoy_cases());
    let mut maildir_msgs: Vec<MaildirEntry> = Vec::new();
    let mut mboxes: [Vec<(&str, Vec<u8>)>; 2] = [vec![], vec![]];
    let mut cl2: Vec<Vec<u8>> = Vec::new();
    let mut mh: Vec<Member> = vec![Member::dir("Mail/"), Member::dir("Mail/inbox/")];
    let mut emls: Vec<Member> = vec![Member::dir("exports/")];
    let mut loose = Vec::new();
    let mut known = BTreeMap::new();
    let mut slot = 0usize;
    for case in &cases {
        for (v, eol) in ["lf", "crlf"].into_iter().enumerate() {
            let bytes = if v == 0 {
                case.lf.clone()
            } else {
                crlf(&case.lf)
            };
            let label = format!("{} ({eol})", case.label);
            let k = Known {
                label: label.clone(),
                planted: case.planted,
            };
            let id = message_id(&bytes);
            let mut place = |path: &str| {
                let old = known.insert((path.to_owned(), id.clone()), k.clone());
                assert!(old.is_none(), "{label}: Message-ID twice in {path}");
            };
            let target = match (case.place, case.label) {
                (Place::Envelope(sender), _) => {
                    place([MBOX_LF, MBOX_CRLF][v]);
                    mboxes[v].push((sender, bytes));
                    continue;
                }
                (Place::NamedEml, _) => {
                    let path = format!("exports/Jane Doe - {} ({eol}).eml", planted::TERM);
                    place(&path);
                    emls.push(Member::file(&path, bytes, "eml", 1));
                    continue;
                }
                (_, "mboxrd-from-lines") => Slot::Mbox,
                (_, "cl2-from-lines") if v == 0 => Slot::Cl2,
                (_, "cl2-from-lines") => Slot::Mbox,
                _ => {
                    slot += 1;
                    match slot % 7 {
                        0 => Slot::MaildirCur,
                        1 => Slot::Mbox,
                        2 => Slot::Eml,
                        3 => Slot::Mh,
                        4 if v == 0 => Slot::Cl2,
                        4 => Slot::MaildirSent,
                        5 => Slot::MaildirNew,
                        _ => Slot::MaildirSent,
                    }
                }
            };
            match target {
                Slot::MaildirCur | Slot::MaildirSent | Slot::MaildirNew => {
                    let folder = match target {
                        Slot::MaildirCur => "cur/",
                        Slot::MaildirNew => "new/",
                        _ => ".Sent/cur/",
                    };
                    maildir_msgs.push((bytes, folder, label, case.planted));
                }
                Slot::Mbox => {
                    place([MBOX_LF, MBOX_CRLF][v]);
                    mboxes[v].push(("bob@example.org", bytes));
                }
                Slot::Cl2 => {
                    place(MBOX_CL2);
                    cl2.push(bytes);
                }
                Slot::Mh => {
                    let path = format!("Mail/inbox/{}", mh.len() - 1);
                    place(&path);
                    mh.push(Member::file(&path, bytes, "mh", 1));
                }
                Slot::Eml => {
                    let path = format!("exports/msg-{slot:03}.eml");
                    place(&path);
                    loose.push((label.clone(), bytes.clone()));
                    emls.push(Member::file(&path, bytes, "eml", 1));
                }
            }
        }
    }
    // The Maildir: `.Sent` names carry `,W=` as well.
    let mut seq = 0;
    let placed: Vec<(Vec<u8>, &str)> = maildir_msgs
        .iter()
        .map(|(b, f, _, _)| (b.clone(), *f))
        .collect();
    let mut md = mail::maildir(MAILDIR, &placed, &mut seq);
    let mut files = md.iter_mut().filter(|m| m.format == Some("maildir"));
    for (bytes, folder, label, planted) in &maildir_msgs {
        let m = files.next().expect("one member per message");
        if *folder == ".Sent/cur/" {
            let s = format!(",S={}:2,", bytes.len());
            let w = format!(",S={},W={}:2,", bytes.len(), crlf_size(bytes));
            m.path = m.path.replace(&s, &w);
        }
        known.insert(
            (m.path.clone(), message_id(bytes)),
            Known {
                label: label.clone(),
                planted: *planted,
            },
        );
    }
    let mbox_lf = planted::mbox_of(&mboxes[0], "\n");
    let mbox_crlf = planted::mbox_of(&mboxes[1], "\r\n");
    let mut members = md;
    members.extend(mh);
    members.push(Member::file(
        "Mail/inbox/.mh_sequences",
        b"unseen: 1-3\n".to_vec(),
        "other",
        0,
    ));
    members.push(Member::dir("mail/"));
    let n_lf = mboxes[0].len() as u64;
    let n_crlf = mboxes[1].len() as u64;
    members.push(Member::file(MBOX_LF, mbox_lf.clone(), "mbox", n_lf));
    members.push(Member::file(MBOX_CRLF, mbox_crlf.clone(), "mbox", n_crlf));
    let n_cl2 = cl2.len() as u64;
    members.push(Member::file(MBOX_CL2, mail::mboxcl2(&cl2), "mbox", n_cl2));
    members.extend(emls);
    members.push(Member::dir("docs/"));
    members.push(Member::file(
        "docs/readme.txt",
        b"Decoys only: Janet Doe <janet.doe@example.com>, CUST-882310.\n".to_vec(),
        "other",
        0,
    ));
    members.push(Member::file("docs/logo.png", mail::png_like(), "other", 0));
    Layout {
        tar: mail::tar_of(&members, EndPadding::Record),
        mbox_lf,
        mbox_crlf,
        known,
        emls: loose,
    }
}

/// How a member holds messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Holder {
    Maildir,
    Mboxrd,
    Mboxcl2,
    Single,
}

fn holder(path: &str) -> Option<Holder> {
    if path.ends_with(".mbox") {
        Some(if path.ends_with("cl2.mbox") {
            Holder::Mboxcl2
        } else {
            Holder::Mboxrd
        })
    } else if path.contains("/cur/") || path.contains("/new/") {
        Some(Holder::Maildir)
    } else if path.ends_with(".eml")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    {
        Some(Holder::Single)
    } else {
        None
    }
}

/// One message found in an input or output.
#[derive(Clone, Debug)]
struct Found {
    path: String,
    index: usize,
    holder: Holder,
    /// The message (mboxrd quoting undone, envelope and separator removed).
    message: Vec<u8>,
    /// Exactly as stored (an mbox chunk from its envelope line on, or the file).
    stored: Vec<u8>,
    mbox: Option<MboxMessage>,
}

/// Every message of the (decompressed) members, with structural problems
/// (sizes in Maildir names, `Content-Length`, mbox quoting) in `problems`.
fn messages_of(members: &[(String, Holder, Vec<u8>)], problems: &mut Vec<String>) -> Vec<Found> {
    let mut out = Vec::new();
    for (path, holder, data) in members {
        match holder {
            Holder::Mboxrd | Holder::Mboxcl2 => {
                for m in split_mbox(data) {
                    let message = if *holder == Holder::Mboxcl2 {
                        m.without_separator().to_vec()
                    } else {
                        let unquoted = unquoted_from_lines(m.without_separator());
                        if unquoted > 0 {
                            problems.push(format!(
                                "{path}#{}: {unquoted} unquoted `From ` line(s) in an mboxrd message",
                                m.index
                            ));
                        }
                        m.unquoted_rd()
                    };
                    if let Some(cl) = header_value(&message, "Content-Length") {
                        let actual = unpack::actual_content_length(&message);
                        if cl.parse::<usize>().ok() != Some(actual) {
                            problems.push(format!(
                                "{path}#{}: Content-Length {cl} but the body has {actual} bytes",
                                m.index
                            ));
                        }
                    }
                    out.push(Found {
                        path: path.clone(),
                        index: m.index,
                        holder: *holder,
                        message,
                        stored: m.chunk.clone(),
                        mbox: Some(m),
                    });
                }
            }
            Holder::Maildir | Holder::Single => {
                if *holder == Holder::Maildir {
                    let (s, w) = maildir_sizes(path);
                    if s.is_some_and(|s| s != data.len() as u64) {
                        problems.push(format!("{path}: ,S= but {} bytes", data.len()));
                    }
                    if w.is_some_and(|w| w != crlf_size(data)) {
                        problems.push(format!("{path}: ,W= but {} CRLF bytes", crlf_size(data)));
                    }
                }
                out.push(Found {
                    path: path.clone(),
                    index: 0,
                    holder: *holder,
                    message: data.clone(),
                    stored: data.clone(),
                    mbox: None,
                });
            }
        }
    }
    out
}

/// Mail members of a tar, with their holders.
fn tar_mail(tar: &[u8]) -> Vec<(String, Holder, Vec<u8>)> {
    tar_members(tar)
        .into_iter()
        .filter(|(_, kind, _)| *kind == b'0')
        .filter_map(|(p, _, d)| holder(&p).map(|h| (p, h, d)))
        .collect()
}

/// One scrub to check.
struct Run<'a> {
    label: String,
    /// Input and output mail members (for a bare input: one member, path "").
    input: Vec<(String, Holder, Vec<u8>)>,
    output: Vec<(String, Holder, Vec<u8>)>,
    /// The decompressed output, whole.
    output_raw: Vec<u8>,
    manifest: Value,
    known: &'a BTreeMap<(String, String), Known>,
    redact_all: bool,
}

/// What one checked run found.
#[derive(Default)]
struct Outcome {
    problems: Vec<String>,
    fail_closed: Vec<String>,
    redacted: usize,
    deleted: usize,
    untouched: usize,
}

/// The manifest's removals by (member, index).
fn removals(manifest: &Value) -> BTreeMap<(String, u64), Vec<Value>> {
    let mut out: BTreeMap<(String, u64), Vec<Value>> = BTreeMap::new();
    for r in manifest["removals"].as_array().expect("removals") {
        let key = (
            r["member"].as_str().expect("member").to_owned(),
            r["index"].as_u64().expect("index"),
        );
        out.entry(key).or_default().push(r.clone());
    }
    out
}

/// The member name a manifest uses for `path` (hashed when it holds an identifier).
fn reported(path: &str, bare_name: &str) -> String {
    if path.is_empty() {
        return bare_name.to_owned();
    }
    let leaks = leaked_words(path.as_bytes(), &planted::identifier_forms());
    if leaks.is_empty() {
        path.to_owned()
    } else {
        planted::hashed_path(path)
    }
}

fn check_run(run: &Run<'_>, bare_name: &str) -> Outcome {
    let mut o = Outcome::default();
    let forms = all_encoded_forms();
    let ids = planted::identifier_forms();
    let digits = phone_digits();
    let inputs = messages_of(&run.input, &mut o.problems);
    o.problems.retain(|_| false); // input structure is the fixture's business
    let outputs = messages_of(&run.output, &mut o.problems);
    let removals = removals(&run.manifest);
    let mut out_by_key: BTreeMap<(String, String), &Found> = BTreeMap::new();
    for f in &outputs {
        let id = header_value(&f.message, "Message-ID").unwrap_or_default();
        if out_by_key.insert((f.path.clone(), id.clone()), f).is_some() {
            o.problems
                .push(format!("{}: Message-ID {id} twice in the output", f.path));
        }
    }
    // Member paths, then the whole output: no identifier as a word, in any case.
    for (path, _, _) in &run.output {
        let leaks = leaked_words(path.as_bytes(), &ids);
        if !leaks.is_empty() {
            o.problems.push(format!(
                "member path {} holds identifiers {leaks:?}",
                planted::hashed_path(path)
            ));
        }
    }
    let raw = strip_plus_tags(&String::from_utf8_lossy(&run.output_raw));
    let leaks = leaked_words(raw.as_bytes(), &ids);
    if !leaks.is_empty() {
        o.problems
            .push(format!("the raw output holds identifiers: {leaks:?}"));
    }
    let mut seen = BTreeSet::new();
    for input in &inputs {
        let id = message_id(&input.message);
        let key = (input.path.clone(), id.clone());
        let k = run.known.get(&key).cloned().unwrap_or_else(|| Known {
            label: format!("{}#{}", input.path, input.index),
            planted: None,
        });
        let label = &k.label;
        let out = out_by_key.get(&key).copied();
        // A renamed Maildir file (new ,S=) keeps its base name.
        let out = out.or_else(|| {
            (input.holder == Holder::Maildir).then_some(())?;
            let base = input.path.split(",S=").next()?;
            outputs
                .iter()
                .find(|f| f.path.starts_with(base) && message_id(&f.message) == id)
        });
        // A member whose path held an identifier is written under the path
        // with each identifier replaced by `erased` (docs/manifest.md).
        let out = out.or_else(|| {
            let renamed = erase_identifiers(&input.path, &ids);
            (renamed != input.path).then_some(())?;
            outputs
                .iter()
                .find(|f| f.path == renamed && message_id(&f.message) == id)
        });
        if let Some(f) = out {
            seen.insert((f.path.clone(), id.clone()));
        }
        let rkey = (reported(&input.path, bare_name), input.index as u64);
        let recs = removals.get(&rkey).cloned().unwrap_or_default();
        let main = recs
            .iter()
            .find(|r| r["action"] == "delete" || r["action"] == "redact");
        let planned_redact = k
            .planted
            .map(|(_, role)| run.redact_all || role == Role::Mention);
        match (planned_redact, main) {
            (None, None) => {
                o.untouched += 1;
                match out {
                    None => o
                        .problems
                        .push(format!("{label}: untouched message missing")),
                    Some(f) => {
                        let same = match (&f.mbox, &input.mbox) {
                            (Some(a), Some(b)) => {
                                a.envelope == b.envelope
                                    && a.without_separator() == b.without_separator()
                            }
                            _ => f.stored == input.stored,
                        };
                        if !same {
                            o.problems
                                .push(format!("{label}: untouched message not byte-identical"));
                        }
                    }
                }
            }
            (None, Some(r)) => o
                .problems
                .push(format!("{label}: decoy acted on: {}", r["action"])),
            (Some(_), None) => o
                .problems
                .push(format!("{label}: planted message not in the manifest")),
            (Some(redact), Some(r)) => {
                let action = r["action"].as_str().unwrap_or_default();
                let reason = r["reason"].as_str();
                match (redact, action, reason) {
                    (_, "delete", Some(reason)) if redact => {
                        o.fail_closed.push(format!("{label}: {reason}"));
                        if out.is_some() {
                            o.problems
                                .push(format!("{label}: deleted (fail closed) but still present"));
                        }
                    }
                    (false, "delete", None) => {
                        o.deleted += 1;
                        if out.is_some() {
                            o.problems
                                .push(format!("{label}: deleted but still present"));
                        }
                    }
                    (true, "redact", None) => {
                        o.redacted += 1;
                        match out {
                            None => o
                                .problems
                                .push(format!("{label}: redacted but missing from the output")),
                            Some(f) => {
                                check_redacted(label, input, f, &forms, &ids, &digits, &mut o)
                            }
                        }
                    }
                    _ => o.problems.push(format!(
                        "{label}: planned {} but manifest says {action} (reason {reason:?})",
                        if redact { "redact" } else { "delete" }
                    )),
                }
            }
        }
        // Every message in the output: no identifier once decoded.
        if let Some(f) = out {
            match decoded_texts(&f.message) {
                Ok(texts) => {
                    for t in texts {
                        let leaks = leaked_in_text(&t.text, &ids, &digits);
                        if !leaks.is_empty() {
                            o.problems
                                .push(format!("{label}: {} holds {leaks:?}", t.place));
                        }
                    }
                }
                Err(e) => o.problems.push(format!("{label}: does not parse: {e}")),
            }
            if let Some(m) = &f.mbox {
                let leaks = leaked_words(&m.envelope, &ids);
                if !leaks.is_empty() {
                    o.problems
                        .push(format!("{label}: envelope line holds {leaks:?}"));
                }
            }
        }
    }
    for f in &outputs {
        let id = message_id(&f.message);
        if !seen.contains(&(f.path.clone(), id.clone())) {
            o.problems.push(format!(
                "{}#{}: output message {id} not from the input",
                f.path, f.index
            ));
        }
    }
    o
}

fn check_redacted(
    label: &str,
    input: &Found,
    out: &Found,
    forms: &[EncodedForm],
    ids: &[(String, String)],
    digits: &[(String, String)],
    o: &mut Outcome,
) {
    let _ = (ids, digits);
    if out.stored == input.stored {
        o.problems.push(format!("{label}: redacted but unchanged"));
    }
    let leaks = leaked_bytes(&out.stored, forms);
    if !leaks.is_empty() {
        o.problems.push(format!(
            "{label}: raw bytes hold encoded identifiers {leaks:?}"
        ));
    }
    if header_value(&out.message, "Message-ID") != header_value(&input.message, "Message-ID") {
        o.problems.push(format!("{label}: Message-ID changed"));
    }
    let base = label.rsplit_once(" (").map_or(label, |(b, _)| b);
    let want = normalize_text(sentinel(base));
    match decoded_texts(&out.message) {
        Ok(texts) => {
            if !texts
                .iter()
                .any(|t| normalize_text(&t.text).contains(&want))
            {
                o.problems
                    .push(format!("{label}: sentinel {want:?} lost in the redaction"));
            }
        }
        Err(e) => o
            .problems
            .push(format!("{label}: redacted message does not parse: {e}")),
    }
}

/// Scrub `input` (in `w`) to `output` with `request.toml` (must succeed),
/// then verify it: the manifest, and the verify failure if any.
fn scrub_and_verify(
    w: &Work,
    input: &str,
    output: &str,
    extra: &[&str],
) -> (Value, Option<String>) {
    let mut args = argv(&["scrub", "--subjects", "request.toml", input, "-o", output]);
    args.extend(argv(extra));
    w.run(&args, None)
        .success(&format!("scrub {input} -> {output}"));
    let v = verify_text(w, &[output, "--subjects", "request.toml", "--input", input]);
    let failed = (v.run.code != Some(0) || v.summary != "4 OK, 0 FAILED, 0 skipped")
        .then(|| format!("verify {output} does not pass\n{}", v.dump()));
    let manifest = read_manifest(&w.path(&format!("{output}.manifest.json")));
    (manifest, failed)
}

fn report(label: &str, o: &Outcome) -> String {
    format!(
        "{label}: {} redacted, {} deleted, {} untouched, {} fail-closed\n  fail-closed:\n    {}\n  problems:\n    {}",
        o.redacted,
        o.deleted,
        o.untouched,
        o.fail_closed.len(),
        o.fail_closed.join("\n    "),
        o.problems.join("\n    ")
    )
}

/// At most this many fail-closed deletions per run are tolerated (each named).
const MAX_FAIL_CLOSED: usize = 4;

#[test]
fn scrub_acceptance_every_container_format_encoding_and_policy() {
    let l = layout();
    let mut failures = Vec::new();
    let mut summaries = Vec::new();
    for (policy_name, policy, redact_all) in [
        ("redact-all", REDACT_ALL, true),
        ("default", DEFAULT_POLICY, false),
    ] {
        let w = Work::new();
        w.request(&request(policy));
        let inputs: Vec<(&str, Vec<u8>)> = vec![
            ("backup.tar", l.tar.clone()),
            ("backup.tar.gz", wrap(&l.tar, Wrap::Gzip)),
            ("backup.tar.zst", wrap(&l.tar, Wrap::Zstd)),
        ];
        for (name, bytes) in &inputs {
            w.write(name, bytes);
            let out = format!("out-{name}");
            let (manifest, verify_failed) = scrub_and_verify(&w, name, &out, &[]);
            failures.extend(verify_failed);
            let (kind, raw) = unwrap_all(&w.read(&out).expect("output"));
            assert_eq!(kind, unwrap_all(bytes).0, "{name}: compression kept");
            let run = Run {
                label: format!("{policy_name} {name}"),
                input: tar_mail(&l.tar),
                output: tar_mail(&raw),
                output_raw: raw,
                manifest,
                known: &l.known,
                redact_all,
            };
            let o = check_run(&run, "");
            summaries.push(report(&run.label, &o));
            if !o.problems.is_empty() || o.fail_closed.len() > MAX_FAIL_CLOSED {
                failures.push(report(&run.label, &o));
            }
        }
        // Bare mailboxes and single messages.
        let mut bare: Vec<BareInput> = vec![
            (
                "planted.mbox".into(),
                Holder::Mboxrd,
                l.mbox_lf.clone(),
                l.mbox_lf.clone(),
                MBOX_LF.into(),
            ),
            (
                "planted-crlf.mbox.zst".into(),
                Holder::Mboxrd,
                l.mbox_crlf.clone(),
                wrap(&l.mbox_crlf, Wrap::Zstd),
                MBOX_CRLF.into(),
            ),
        ];
        for (i, (label, bytes)) in l.emls.iter().enumerate().step_by(3) {
            bare.push((
                format!("single-{i}.eml"),
                Holder::Single,
                bytes.clone(),
                bytes.clone(),
                format!("eml:{label}"),
            ));
        }
        for (name, holder, plain, stored, known_path) in bare {
            w.write(&name, &stored);
            let out = format!("out-{name}");
            let (manifest, verify_failed) = scrub_and_verify(&w, &name, &out, &[]);
            failures.extend(verify_failed);
            let out_bytes = w.read(&out).expect("output");
            let (kind, raw) = unwrap_all(&out_bytes);
            assert_eq!(kind, unwrap_all(&stored).0, "{name}: compression kept");
            // Known cases of this input, re-keyed to the bare member "".
            let known: BTreeMap<(String, String), Known> =
                if let Some(label) = known_path.strip_prefix("eml:") {
                    let k = l
                        .known
                        .values()
                        .find(|k| k.label == label)
                        .expect("known eml")
                        .clone();
                    [((String::new(), message_id(&plain)), k)].into()
                } else {
                    l.known
                        .iter()
                        .filter(|((p, _), _)| *p == known_path)
                        .map(|((_, id), k)| ((String::new(), id.clone()), k.clone()))
                        .collect()
                };
            let bare_name = manifest["removals"]
                .as_array()
                .and_then(|r| r.first())
                .and_then(|r| r["member"].as_str())
                .unwrap_or("")
                .to_owned();
            let output = if raw.is_empty() && holder == Holder::Single {
                vec![]
            } else {
                vec![(String::new(), holder, raw.clone())]
            };
            let run = Run {
                label: format!("{policy_name} {name}"),
                input: vec![(String::new(), holder, plain)],
                output,
                output_raw: raw,
                manifest,
                known: &known,
                redact_all,
            };
            let o = check_run(&run, &bare_name);
            summaries.push(report(&run.label, &o));
            if !o.problems.is_empty() || o.fail_closed.len() > MAX_FAIL_CLOSED {
                failures.push(report(&run.label, &o));
            }
        }
    }
    if std::env::var_os("MAILSCRUB_SHOW").is_some() {
        eprintln!("{}", summaries.join("\n"));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The checker itself: in the unscrubbed layout, it finds the identifier of
/// every planted message (decoded, or in the raw bytes in an encoded form).
#[test]
fn scrub_checker_sees_every_planted_identifier() {
    let l = layout();
    let forms = all_encoded_forms();
    let ids = planted::identifier_forms();
    let digits = phone_digits();
    let mut problems = Vec::new();
    let found = messages_of(&tar_mail(&l.tar), &mut problems);
    assert!(problems.is_empty(), "fixture structure: {problems:#?}");
    let mut blind = Vec::new();
    let mut planted_count = 0;
    for f in &found {
        let Some(k) = l.known.get(&(f.path.clone(), message_id(&f.message))) else {
            panic!("{}#{}: not placed", f.path, f.index);
        };
        if k.planted.is_none() {
            continue;
        }
        planted_count += 1;
        let decoded = decoded_texts(&f.message)
            .expect("fixture parses")
            .iter()
            .any(|t| !leaked_in_text(&t.text, &ids, &digits).is_empty());
        let raw = !leaked_bytes(&f.stored, &forms).is_empty();
        let path = !leaked_words(f.path.as_bytes(), &ids).is_empty();
        if !(decoded || path || k.label.starts_with("mbox-envelope")) {
            blind.push(format!("{} (raw form seen: {raw})", k.label));
        }
    }
    assert!(
        planted_count >= 90,
        "{planted_count} planted messages placed"
    );
    assert!(blind.is_empty(), "the checker misses: {blind:#?}");
    // Every format is used.
    let holders: BTreeSet<String> = found.iter().map(|f| format!("{:?}", f.holder)).collect();
    assert_eq!(holders.len(), 4, "{holders:?}");
    for dir in ["/cur/", "/new/", "/.Sent/cur/", "Mail/inbox/", MBOX_CL2] {
        assert!(
            found.iter().any(|f| f.path.contains(dir)),
            "nothing in {dir}"
        );
    }
}

#[test]
fn scrub_checker_catches_wrong_sizes_and_quoting() {
    let m = b"Subject: x\nMessage-ID: <a@b>\n\nFrom here\n".to_vec();
    let good = mail::mboxcl2(std::slice::from_ref(&m));
    let bad = String::from_utf8(good.clone())
        .expect("ASCII")
        .replace("Content-Length: 10", "Content-Length: 11");
    let rd = mail::mbox(std::slice::from_ref(&m), mail::Quoting::None, "\n");
    let mut problems = Vec::new();
    messages_of(
        &[
            ("a/cl2.mbox".into(), Holder::Mboxcl2, good),
            (
                "a/u/cur/1.M1.h,S=40,W=44:2,S".into(),
                Holder::Maildir,
                m.clone(),
            ),
        ],
        &mut problems,
    );
    assert!(problems.is_empty(), "{problems:?}");
    messages_of(
        &[
            ("b/cl2.mbox".into(), Holder::Mboxcl2, bad.into_bytes()),
            ("b/rd.mbox".into(), Holder::Mboxrd, rd),
            ("b/u/cur/1.M1.h,S=41,W=43:2,S".into(), Holder::Maildir, m),
        ],
        &mut problems,
    );
    assert_eq!(problems.len(), 4, "{problems:#?}");
}

// ------------------------------------------------------------- golden checks

/// One golden case: a message, and what its changed piece must become.
struct Golden {
    label: &'static str,
    /// The message (LF).
    input: Vec<u8>,
    /// The whole expected output (LF), when it is known byte for byte.
    exact: Option<Vec<u8>>,
    /// The expected decoded Subject, for header cases.
    subject: Option<&'static str>,
    /// The expected decoded body text, for body cases.
    body_text: Option<String>,
}

fn golden_cases() -> Vec<Golden> {
    let ct = |t: &str, cte: &str| {
        [
            format!("Content-Type: {t}"),
            format!("Content-Transfer-Encoding: {cte}"),
        ]
    };
    let with = |id: &str, h: &[String], body: &[u8]| {
        let h: Vec<&str> = h.iter().map(String::as_str).collect();
        planted::msg(id, &[], &h, body)
    };
    let b64_in = "Please write to jane.doe@example.com about it. The rest of this line is neutral filler, sentinel-b64.\nSecond line.\n";
    let b64_out = b64_in.replace(planted::EMAIL, "erased@erased.invalid");
    let h = ct("text/plain; charset=utf-8", "base64");
    let qp_in = "Write to jane.doe@example.com today, sentinel-qp. Caf\u{e9}.\n";
    let qp_break = qp_in.find("jane.do").expect("address") + "jane.do".len();
    let qp_out = qp_in.replace(planted::EMAIL, "erased@erased.invalid");
    let jp_in = "山田花子さんから電話がありました。sentinel-jp\n";
    let jp_out = jp_in.replace("山田花子", "[erased]");
    let html_in = "<p>Mail <a href=\"#\">jane.doe&#64;example.com</a> or Jane&nbsp;Doe, &amp; sentinel-h.</p>\n";
    let html_out =
        "<p>Mail <a href=\"#\">erased@erased.invalid</a> or [erased], &amp; sentinel-h.</p>\n";
    let subject_b = word_b("UTF-8", "Réunion avec Jane Doe demain".as_bytes());
    let subject_q = word_q("UTF-8", "Réunion avec Jane Doe demain".as_bytes());
    vec![
        Golden {
            label: "base64 body",
            input: with("g-b64", &h, base64_lines(b64_in.as_bytes(), 76).as_bytes()),
            exact: Some(with(
                "g-b64",
                &h,
                base64_lines(b64_out.as_bytes(), 76).as_bytes(),
            )),
            subject: None,
            body_text: Some(b64_out),
        },
        Golden {
            label: "qp body, soft break inside the address",
            input: with(
                "g-qp",
                &ct("text/plain; charset=utf-8", "quoted-printable"),
                quoted_printable(qp_in.as_bytes(), &[qp_break]).as_bytes(),
            ),
            exact: None,
            subject: None,
            body_text: Some(qp_out),
        },
        Golden {
            label: "RFC 2047 B subject",
            input: planted::msg("g-subj-b", &[("Subject", &subject_b)], &[], b"Hi.\n"),
            exact: None,
            subject: Some("Réunion avec [erased] demain"),
            body_text: None,
        },
        Golden {
            label: "RFC 2047 Q subject",
            input: planted::msg("g-subj-q", &[("Subject", &subject_q)], &[], b"Hi.\n"),
            exact: None,
            subject: Some("Réunion avec [erased] demain"),
            body_text: None,
        },
        Golden {
            label: "ISO-2022-JP body",
            input: with(
                "g-jp",
                &ct("text/plain; charset=iso-2022-jp", "7bit"),
                &charset("iso-2022-jp", jp_in),
            ),
            exact: Some(with(
                "g-jp",
                &ct("text/plain; charset=iso-2022-jp", "7bit"),
                &charset("iso-2022-jp", &jp_out),
            )),
            subject: None,
            body_text: Some(jp_out),
        },
        Golden {
            label: "HTML with references",
            input: with(
                "g-html",
                &ct("text/html; charset=utf-8", "7bit"),
                html_in.as_bytes(),
            ),
            exact: Some(with(
                "g-html",
                &ct("text/html; charset=utf-8", "7bit"),
                html_out.as_bytes(),
            )),
            subject: None,
            body_text: Some(html_out.to_owned()),
        },
    ]
}

/// The header fields of a header block, each with its continuation lines.
fn fields(head: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for line in head.split_inclusive(|&b| b == b'\n') {
        match out.last_mut() {
            Some(f) if line.starts_with(b" ") || line.starts_with(b"\t") => {
                f.extend_from_slice(line)
            }
            _ => out.push(line.to_vec()),
        }
    }
    out
}

#[test]
fn scrub_golden_redaction_of_each_encoding_lf_and_crlf() {
    let cases = golden_cases();
    let mut tw = TarWriter::new();
    let mut inputs = Vec::new();
    for (i, g) in cases.iter().enumerate() {
        for (eol, conv) in [("lf", false), ("crlf", true)] {
            let bytes = if conv {
                crlf(&g.input)
            } else {
                g.input.clone()
            };
            let path = format!("golden/{i:02}-{eol}.eml");
            tw.file(&path, &bytes);
            inputs.push((path, g, conv, bytes));
        }
    }
    let w = Work::new();
    w.write("in.tar", &tw.finish(EndPadding::Record));
    w.request(&request(DEFAULT_POLICY));
    let (manifest, verify_failed) = scrub_and_verify(&w, "in.tar", "out.tar", &[]);
    let out: BTreeMap<String, Vec<u8>> = tar_members(&w.read("out.tar").expect("output"))
        .into_iter()
        .map(|(p, _, d)| (p, d))
        .collect();
    let mut problems: Vec<String> = verify_failed.into_iter().collect();
    for (path, g, conv, input) in &inputs {
        let label = format!("{} ({})", g.label, if *conv { "crlf" } else { "lf" });
        let Some(got) = out.get(path) else {
            let reason = manifest["removals"]
                .as_array()
                .and_then(|r| r.iter().find(|r| r["member"] == path.as_str()))
                .map(|r| r["reason"].to_string());
            problems.push(format!("{label}: not in the output (reason {reason:?})"));
            continue;
        };
        if let Some(exact) = &g.exact {
            let exact = if *conv { crlf(exact) } else { exact.clone() };
            if *got != exact {
                let at = got
                    .iter()
                    .zip(&exact)
                    .position(|(a, b)| a != b)
                    .unwrap_or(0);
                problems.push(format!(
                    "{label}: output differs from the expected bytes at {at}:\n  want {:?}\n  got  {:?}",
                    String::from_utf8_lossy(&exact[at.saturating_sub(20)..]),
                    String::from_utf8_lossy(&got[at.saturating_sub(20)..])
                ));
            }
        }
        let (ih, ib) = split_header_body(input);
        let (oh, ob) = split_header_body(got);
        if let Some(want) = g.body_text.as_ref() {
            // Headers untouched; the body decodes to the input text with the marker.
            if ih != oh {
                problems.push(format!("{label}: header block changed"));
            }
            let parsed = mailparse::parse_mail(got).expect("output parses");
            let raw = parsed.get_body_raw().expect("body");
            let text = match header_value(got, "Content-Transfer-Encoding").as_deref() {
                Some("quoted-printable") => String::from_utf8(qp_decode(ob)).expect("UTF-8"),
                _ => parsed.get_body().expect("decoded body"),
            };
            let cte = header_value(got, "Content-Transfer-Encoding").unwrap_or_default();
            // Line ends inside base64 data are the encoded text's own.
            let want = if *conv && cte != "base64" {
                want.replace('\n', "\r\n")
            } else {
                want.clone()
            };
            if text != want {
                problems.push(format!(
                    "{label}: decoded body {text:?}, want {want:?} (raw {} bytes)",
                    raw.len()
                ));
            }
            let eol = if *conv { "\r\n" } else { "\n" };
            for line in ob.split_inclusive(|&b| b == b'\n') {
                let encoded = cte == "base64" || cte == "quoted-printable";
                if (encoded && line.len() > 76 + eol.len()) || (*conv && !line.ends_with(b"\r\n")) {
                    problems.push(format!(
                        "{label}: body line {:?} too long or wrong line end",
                        String::from_utf8_lossy(line)
                    ));
                }
            }
        }
        if let Some(want) = g.subject {
            if ib != ob {
                problems.push(format!("{label}: body changed"));
            }
            let (fi, fo) = (fields(ih), fields(oh));
            let other = |f: &Vec<Vec<u8>>| -> Vec<Vec<u8>> {
                f.iter()
                    .filter(|l| !l.starts_with(b"Subject:"))
                    .cloned()
                    .collect()
            };
            if other(&fi) != other(&fo) || fi.len() != fo.len() {
                problems.push(format!("{label}: fields other than Subject changed"));
            }
            let subject = header_value(got, "Subject").unwrap_or_default();
            if subject != want {
                problems.push(format!(
                    "{label}: Subject decodes to {subject:?}, want {want:?}"
                ));
            }
            let field = fo
                .iter()
                .find(|l| l.starts_with(b"Subject:"))
                .cloned()
                .unwrap_or_default();
            let field = String::from_utf8_lossy(&field).into_owned();
            let letter = if g.label.contains(" B ") {
                "?B?"
            } else {
                "?Q?"
            };
            if !field.to_ascii_uppercase().contains(letter) || field.lines().any(|l| l.len() > 78) {
                problems.push(format!(
                    "{label}: Subject field {field:?} not {letter} words of at most 78 characters"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// --------------------------------------------------------------- attachments

/// The bytes of part `n` (1-based) of a multipart with boundary `mix-b`:
/// after its delimiter line, up to the line break before the next one.
fn part_bytes(msg: &[u8], n: usize) -> Vec<u8> {
    let text = String::from_utf8_lossy(msg);
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let delim = format!("{eol}--mix-b{eol}");
    let pieces: Vec<&str> = text.split(&delim).collect();
    let piece = pieces.get(n).copied().unwrap_or_default();
    let end = piece.find(&format!("{eol}--mix-b")).unwrap_or(piece.len());
    piece.as_bytes()[..end].to_vec()
}

#[test]
fn scrub_binary_attachment_is_stubbed_or_kept() {
    for (policy, keep) in [
        ("", false),
        ("[policy]\nbinary_attachments = \"keep\"\n", true),
    ] {
        for conv in [false, true] {
            let lf = attachment_message("a-bin", "sentinel-a");
            let input = if conv { crlf(&lf) } else { lf };
            let label = format!("keep={keep} crlf={conv}");
            let w = Work::new();
            w.write("in.eml", &input);
            w.request(&request(policy));
            let (manifest, failed) = scrub_and_verify(&w, "in.eml", "out.eml", &[]);
            assert!(failed.is_none(), "{label}: {failed:?}");
            let out = w.read("out.eml").expect("output");
            let recs = manifest["removals"].as_array().expect("removals").clone();
            let drops: Vec<&Value> = recs
                .iter()
                .filter(|r| r["action"] == "drop-attachment")
                .collect();
            assert!(
                recs.iter().any(|r| r["action"] == "redact"),
                "{label}: {recs:?}"
            );
            let texts = decoded_texts(&out).expect("output parses");
            assert!(
                texts.iter().any(|t| t.text.contains("sentinel-a")),
                "{label}"
            );
            assert_eq!(
                part_bytes(&out, 3),
                part_bytes(&input, 3),
                "{label}: part 3"
            );
            if keep {
                assert!(drops.is_empty(), "{label}: {drops:?}");
                assert_eq!(
                    part_bytes(&out, 2),
                    part_bytes(&input, 2),
                    "{label}: attachment kept"
                );
            } else {
                assert_eq!(drops.len(), 1, "{label}: {recs:?}");
                assert_eq!(drops[0]["part"], "2", "{label}");
                let original = part_bytes(&input, 2);
                assert_eq!(drops[0]["original_bytes"], original.len() as u64, "{label}");
                assert_eq!(
                    drops[0]["original_blake3"],
                    blake3::hash(&original).to_hex().as_str(),
                    "{label}"
                );
                let stub = "Content-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 7bit\n\
                            Content-Disposition: inline\n\nThis attachment was removed under erasure request REQ-PLANT-7.";
                let stub = if conv {
                    stub.replace('\n', "\r\n")
                } else {
                    stub.to_owned()
                };
                let got = String::from_utf8_lossy(&part_bytes(&out, 2)).into_owned();
                assert_eq!(got.trim_end(), stub, "{label}: stub");
                assert_eq!(manifest["totals"]["attachments_dropped"], 1, "{label}");
            }
        }
    }
}

// --------------------------------------------------------------- fail closed

fn unredactable_tar() -> Vec<u8> {
    let unknown = {
        let mut body = b"Jane Doe sent this: \xe9\xe8\xfe sentinel-u.\n".to_vec();
        body.extend_from_slice(b"More.\n");
        planted::part("f-unknown", "text/plain; charset=x-unknown", "8bit", &body)
    };
    let utf16: Vec<u8> = "Jane Doe sent this, sentinel-16.\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let utf16 = planted::part(
        "f-utf16",
        "text/plain; charset=utf-16le",
        "base64",
        base64_lines(&utf16, 76).as_bytes(),
    );
    let neutral = planted::text("f-neutral", "Nothing here.\n");
    let mut tw = TarWriter::new();
    tw.dir("mail/")
        .file("mail/neutral.eml", &neutral)
        .file("mail/unknown.eml", &unknown)
        .file("mail/utf16.eml", &utf16);
    tw.finish(EndPadding::Record)
}

#[test]
fn scrub_fails_closed_on_unredactable_messages() {
    let w = Work::new();
    w.write("in.tar", &unredactable_tar());
    w.request(&request(DEFAULT_POLICY));
    let (manifest, failed) = scrub_and_verify(&w, "in.tar", "out.tar", &[]);
    assert!(failed.is_none(), "{failed:?}");
    let out = tar_members(&w.read("out.tar").expect("output"));
    let paths: Vec<&str> = out.iter().map(|(p, _, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["mail/", "mail/neutral.eml"],
        "unredactable messages leave"
    );
    for member in ["mail/unknown.eml", "mail/utf16.eml"] {
        let r = manifest["removals"]
            .as_array()
            .and_then(|r| r.iter().find(|r| r["member"] == member))
            .unwrap_or_else(|| panic!("{member}: no removal in {manifest}"));
        assert_eq!(r["action"], "delete", "{member}: {r}");
        assert_eq!(strings(r, "roles"), ["mention"], "{member}: {r}");
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(!reason.is_empty(), "{member}: no reason: {r}");
        let leaks = leaked_words(reason.as_bytes(), &planted::identifier_forms());
        assert!(leaks.is_empty(), "{member}: reason shows {leaks:?}");
    }
    assert_eq!(
        manifest["totals"]["fail_closed"], 2,
        "{}",
        manifest["totals"]
    );

    // --on-unredactable error: exit 2, the member named, no identifier, no output.
    let run = w.run(
        &argv(&[
            "scrub",
            "--subjects",
            "request.toml",
            "in.tar",
            "-o",
            "err.tar",
            "--on-unredactable",
            "error",
        ]),
        None,
    );
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(
        run.stderr.contains("mail/unknown.eml") || run.stderr.contains("mail/utf16.eml"),
        "error does not name the member: {}",
        run.stderr
    );
    assert!(
        run.stderr.to_lowercase().contains("message"),
        "error does not name the message: {}",
        run.stderr
    );
    let leaks = leaked_words(run.stderr.as_bytes(), &planted::identifier_forms());
    assert!(leaks.is_empty(), "error shows {leaks:?}: {}", run.stderr);
    assert!(
        w.read("err.tar").is_none(),
        "an output file exists after the error"
    );
    assert!(
        w.read("err.tar.manifest.json").is_none(),
        "a manifest exists after the error"
    );
}

// ------------------------------------------------------------- header caches

#[test]
fn scrub_drops_stale_header_caches_and_keeps_untouched_ones() {
    let from_jane = planted::msg("c-jane", &[("From", planted::EMAIL)], &[], b"Hi.\n");
    let neutral = |id: &str| planted::text(id, "Nothing here.\n");
    let cache = |who: &str| format!("DOVECOT cache for {who}: subjects, sizes\n").into_bytes();
    let (a1, a2, s1, c1) = (from_jane, neutral("c-a2"), neutral("c-s1"), neutral("c-c1"));
    let name = |seq, m: &[u8]| mail::maildir_name(seq, m.len(), Some("S"));
    let mut tw = TarWriter::new();
    tw.dir("home/")
        .dir("home/alice/")
        .dir("home/alice/Maildir/")
        .file("home/alice/Maildir/dovecot.index.cache", &cache("alice"))
        .file("home/alice/Maildir/dovecot.index", &cache("alice index"))
        .dir("home/alice/Maildir/cur/")
        .file(&format!("home/alice/Maildir/cur/{}", name(1, &a1)), &a1)
        .file(&format!("home/alice/Maildir/cur/{}", name(2, &a2)), &a2)
        .dir("home/alice/Maildir/.Sent/")
        .file(
            "home/alice/Maildir/.Sent/dovecot.index.cache",
            &cache("sent"),
        )
        .dir("home/alice/Maildir/.Sent/cur/")
        .file(
            &format!("home/alice/Maildir/.Sent/cur/{}", name(3, &s1)),
            &s1,
        )
        .dir("home/carol/")
        .dir("home/carol/Maildir/")
        .file("home/carol/Maildir/dovecot.index.cache", &cache("carol"))
        .dir("home/carol/Maildir/cur/")
        .file(&format!("home/carol/Maildir/cur/{}", name(4, &c1)), &c1);
    let input = tw.finish(EndPadding::Record);
    let w = Work::new();
    w.write("in.tar", &input);
    w.request(&request(DEFAULT_POLICY));
    let (manifest, failed) = scrub_and_verify(&w, "in.tar", "out.tar", &[]);
    assert!(failed.is_none(), "{failed:?}");
    let before: BTreeMap<String, Vec<u8>> = tar_members(&input)
        .into_iter()
        .map(|(p, _, d)| (p, d))
        .collect();
    let after: BTreeMap<String, Vec<u8>> = tar_members(&w.read("out.tar").expect("output"))
        .into_iter()
        .map(|(p, _, d)| (p, d))
        .collect();
    let dropped: BTreeSet<&str> = manifest["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .filter(|r| r["action"] == "drop")
        .map(|r| {
            assert!(
                r["reason"].as_str().is_some_and(|s| !s.is_empty()),
                "drop without reason: {r}"
            );
            r["member"].as_str().expect("member")
        })
        .collect();
    let stale = [
        "home/alice/Maildir/dovecot.index.cache",
        "home/alice/Maildir/dovecot.index",
    ];
    assert_eq!(
        dropped,
        stale.into_iter().collect(),
        "{}",
        manifest["removals"]
    );
    for p in stale {
        assert!(!after.contains_key(p), "{p} kept");
    }
    for p in [
        "home/alice/Maildir/.Sent/dovecot.index.cache",
        "home/carol/Maildir/dovecot.index.cache",
    ] {
        assert_eq!(
            after.get(p),
            before.get(p),
            "{p}: an untouched folder's cache changed"
        );
    }
    assert_eq!(
        manifest["totals"]["sidecars_dropped"], 2,
        "{}",
        manifest["totals"]
    );
    assert_eq!(
        after.len(),
        before.len() - 3,
        "two caches and one message left"
    );
}

// --------------------------------------------------------------- determinism

#[test]
fn scrub_is_deterministic_across_thread_counts() {
    let l = layout();
    let w = Work::new();
    w.write("in.tar.zst", &wrap(&l.tar, Wrap::Zstd));
    w.request(&request(REDACT_ALL));
    let env = [("SOURCE_DATE_EPOCH", "1700000000")];
    let mut outs = Vec::new();
    for threads in ["1", "2"] {
        let out = format!("out-{threads}.tar.zst");
        w.run_env(
            &argv(&[
                "scrub",
                "--subjects",
                "request.toml",
                "in.tar.zst",
                "-o",
                &out,
                "--threads",
                threads,
            ]),
            &env,
        )
        .success(&format!("scrub --threads {threads}"));
        outs.push((
            w.read(&out).expect("output"),
            w.read(&format!("{out}.manifest.json")).expect("manifest"),
        ));
    }
    assert_bytes_eq("output, --threads 1 vs 2", &outs[0].0, &outs[1].0);
    assert_bytes_eq("manifest, --threads 1 vs 2", &outs[0].1, &outs[1].1);
    let m: Value = serde_json::from_slice(&outs[0].1).expect("manifest JSON");
    assert_eq!(m["created"], "2023-11-14T22:13:20Z");
    assert!(
        m["totals"]["redacted"].as_u64() > Some(50),
        "{}",
        m["totals"]
    );
}

// ------------------------------------------------- focused reproducers

/// A one-message `.eml` whose message is deleted: `scrub` writes an empty
/// output and a manifest saying so; `verify` must accept that output.
#[test]
fn scrub_then_verify_an_eml_whose_only_message_was_deleted() {
    let w = Work::new();
    w.write(
        "in.eml",
        &planted::msg("r-del", &[("From", planted::EMAIL)], &[], b"Hi.\n"),
    );
    w.request(&request(DEFAULT_POLICY));
    let (manifest, failed) = scrub_and_verify(&w, "in.eml", "out.eml", &[]);
    assert_eq!(manifest["totals"]["deleted"], 1, "{}", manifest["totals"]);
    assert!(failed.is_none(), "{}", failed.unwrap_or_default());
}

/// A tar member whose path holds an identifier (the manifest reports it as
/// `blake3:...` for that reason) must not reach the output under that path.
#[test]
fn scrub_leaves_no_identifier_in_member_paths() {
    let mut tw = TarWriter::new();
    tw.dir("exports/").file(
        "exports/Jane Doe - notes.eml",
        &planted::text("r-path", "Case file, sentinel-p.\n"),
    );
    let w = Work::new();
    w.write("in.tar", &tw.finish(EndPadding::Record));
    w.request(&request(DEFAULT_POLICY));
    let (_, failed) = scrub_and_verify(&w, "in.tar", "out.tar", &[]);
    assert!(failed.is_none(), "{}", failed.unwrap_or_default());
    let out = w.read("out.tar").expect("output");
    let paths: Vec<String> = tar_members(&out).into_iter().map(|(p, _, _)| p).collect();
    let leaks = leaked_words(paths.join("\n").as_bytes(), &planted::identifier_forms());
    assert!(
        leaks.is_empty(),
        "member paths of the output hold {leaks:?} (and verify --subjects passed)"
    );
}
