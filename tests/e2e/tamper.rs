//! The tamper table: a generated backup is scrubbed (deletions, redactions
//! with a dropped attachment, a dropped header cache, renamed members, a
//! cleaned user name, padding and trailer, a warning), then each row edits one thing of the manifest and
//! `verify --subjects --input` must name what differs, unkeyed and keyed
//! (`--manifest-key`). The few fields nothing can recompute (`created`,
//! `tool.version`) are rows that pass; with the key the MAC catches them too.
//! docs/manifest.md says, field by field, which check covers it.

use serde_json::Value;

use crate::support::erasure::{VerifyText, argv, read_manifest, verify_text, write_manifest};
use crate::support::mail::{self, Quoting, message, message_with};
use crate::support::*;

/// The request: the sample's subject, and a second one found nowhere.
const REQUEST: &str = r#"[policy]
sender = "delete"
recipient = "delete"
mention = "redact"

[[subject]]
id = "REQ-2026-0042"
emails = ["jane.doe@example.com"]
names = ["Jane Doe"]
phones = ["+44 20 7946 0018"]
terms = ["CUST-88231"]

[[subject]]
id = "REQ-2026-0043"
emails = ["nobody@example.net"]
"#;

const KEY_HEX: &str = "6d61696c736372756220746573742d6b65792030313233343536373839616263";

const JANE: &str = "Jane Doe <jane.doe@example.com>";
const ALICE: &str = "Alice Example <alice@example.com>";
const BOB: &str = "Bob Example <bob@example.org>";
const CAROL: &str = "Carol Example <carol@example.com>";

/// The backup: a Maildir with a header cache, a message from the subject,
/// one mentioning her with a binary attachment and an unrelated one; an
/// mbox with a message to her, an unrelated one and a mention; a Maildir
/// folder named after her address (renamed); a CSV holding her address (a
/// warning); a file owned by her address (header cleaned), one with her
/// name in its padding (padding cleaned); her address in the bytes after
/// the end of the archive (zeroed).
pub fn backup() -> Vec<u8> {
    let attachment = message_with(
        CAROL,
        ALICE,
        "Figures",
        &["Content-Type: multipart/mixed; boundary=\"tamper-b\""],
        "--tamper-b\nContent-Type: text/plain\n\nJane Doe sent the figures.\n--tamper-b\n\
         Content-Type: application/octet-stream; name=\"figures.bin\"\n\
         Content-Transfer-Encoding: base64\n\n\
         AAMGCQwPEhUYGx4hJCcqLTAzNjk8P0JFSEtOUVRXWl1gY2ZpbG9ydXh7foGEh4qNkJOWmZyfoqWoq66xtLe6vcDDxsnMz9LV2Nve4eTn6u3w8/b5/P8=\n\
         --tamper-b--\n",
    );
    let mbox = mail::mbox(
        &[
            message(BOB, JANE, "Invoice", "Please find the invoice.\n"),
            message(CAROL, BOB, "Lunch", "From noon on I am out.\n"),
            message(BOB, CAROL, "Call", "Jane Doe phoned about CUST-88231.\n"),
        ],
        Quoting::Mboxrd,
        "\n",
    );
    let mut tw = TarWriter::new();
    tw.dirs(&["home/", "home/alice/", "home/alice/Maildir/"]);
    tw.file(
        "home/alice/Maildir/dovecot.index.cache",
        b"cached headers of the folder\n",
    );
    tw.dir("home/alice/Maildir/cur/");
    tw.file(
        "home/alice/Maildir/cur/1700000001.M1P1.host:2,S",
        &message(JANE, ALICE, "Contract", "The renewal is attached.\n"),
    );
    tw.file(
        "home/alice/Maildir/cur/1700000002.M2P1.host:2,S",
        &attachment,
    );
    tw.file(
        "home/alice/Maildir/cur/1700000003.M3P1.host:2,S",
        &message(BOB, ALICE, "Pizza", "Pizza or sushi?\n"),
    );
    tw.dir("archive/");
    tw.file("archive/2019.mbox", &mbox);
    tw.dirs(&[
        "users/",
        "users/jane.doe@example.com/",
        "users/jane.doe@example.com/cur/",
    ]);
    tw.file(
        "users/jane.doe@example.com/cur/1700000004.M4P1.host:2,S",
        &message(CAROL, BOB, "Garden", "Roses.\n"),
    );
    tw.dir("docs/");
    tw.file(
        "docs/contacts.csv",
        b"name,email\nJane Doe,jane.doe@example.com\n",
    );
    tw.file_with_header_bytes("docs/owned.txt", b"Owned.\n", 265, b"jane.doe@example.com");
    tw.file_with_padding("docs/padded.txt", b"Padded.\n", b"\nJane Doe\n");
    let mut tar = tw.finish(EndPadding::Record);
    tar.extend_from_slice(b"exported for jane.doe@example.com\n");
    tar
}

/// `in.tar` scrubbed to `out.tar` with the request (and the key).
fn scrubbed(keyed: bool) -> Work {
    let w = Work::new();
    w.write("in.tar", &backup());
    w.request(REQUEST);
    w.write("key.hex", format!("{KEY_HEX}\n").as_bytes());
    let mut args = argv(&[
        "scrub",
        "--subjects",
        "request.toml",
        "in.tar",
        "-o",
        "out.tar",
    ]);
    if keyed {
        args.extend(argv(&["--manifest-key", "key.hex"]));
    }
    w.run(&args, None).success("scrub");
    w
}

/// `verify out.tar --subjects request.toml --input in.tar [--manifest-key key.hex]`.
fn verify(w: &Work, keyed: bool) -> VerifyText {
    let mut args = vec!["out.tar", "--subjects", "request.toml", "--input", "in.tar"];
    if keyed {
        args.extend(["--manifest-key", "key.hex"]);
    }
    verify_text(w, &args)
}

/// What a row expects of `verify`.
#[derive(Clone, Copy)]
enum Expect {
    /// Nothing can tell: as the untampered manifest (with the key, the MAC fails).
    Pass,
    /// This check fails and its detail holds every one of these words.
    Fail(&'static str, &'static [&'static str]),
}

/// One edit of the manifest.
struct Row {
    name: &'static str,
    edit: fn(&mut Value),
    expect: Expect,
}

/// The index of the removal of `action` whose member contains `member`.
fn at(m: &Value, action: &str, member: &str) -> usize {
    m["removals"]
        .as_array()
        .expect("removals")
        .iter()
        .position(|r| {
            r["action"] == action && r["member"].as_str().is_some_and(|s| s.contains(member))
        })
        .unwrap_or_else(|| panic!("no {action} removal of {member}"))
}

fn removals(m: &mut Value) -> &mut Vec<Value> {
    m["removals"].as_array_mut().expect("removals")
}

/// `hash` with its first hex digit changed.
fn flip(v: &mut Value) {
    let h = v.as_str().expect("hash").to_owned();
    let first = if h.starts_with('0') { "1" } else { "0" };
    *v = format!("{first}{}", &h[1..]).into();
}

fn add(v: &mut Value, n: i64) {
    *v = (v.as_i64().expect("number") + n).into();
}

const MAILDIR_1: &str = "cur/1700000001";
const MAILDIR_2: &str = "cur/1700000002";
const MAILDIR_3: &str = "home/alice/Maildir/cur/1700000003.M3P1.host:2,S";
const MBOX: &str = "archive/2019.mbox";
const CACHE: &str = "dovecot.index.cache";
const HASHED: &str = "blake3:";
const OWNED: &str = "docs/owned.txt";
const PADDED: &str = "docs/padded.txt";
const TRAILER: &str = "(after the end of the archive)";

fn rows() -> Vec<Row> {
    use Expect::{Fail, Pass};
    vec![
        // ---- format, tool, created, keyed, mac
        Row {
            name: "format v2",
            edit: |m| m["format"] = "mailscrub.manifest.v2".into(),
            expect: Fail("manifest", &["mailscrub.manifest.v2"]),
        },
        Row {
            name: "unknown field",
            edit: |m| m["extra"] = 1.into(),
            expect: Fail("manifest", &["unknown field"]),
        },
        Row {
            name: "tool.name",
            edit: |m| m["tool"]["name"] = "othertool".into(),
            expect: Fail("manifest", &["tool.name"]),
        },
        Row {
            name: "tool.version",
            edit: |m| m["tool"]["version"] = "99.0.0".into(),
            expect: Pass,
        },
        Row {
            name: "created, another time",
            edit: |m| m["created"] = "2031-02-03T04:05:06Z".into(),
            expect: Pass,
        },
        Row {
            name: "created, not a time",
            edit: |m| m["created"] = "yesterday".into(),
            expect: Fail("manifest", &["created"]),
        },
        Row {
            name: "keyed flipped",
            edit: |m| m["keyed"] = (!m["keyed"].as_bool().expect("keyed")).into(),
            expect: Fail("manifest", &["keyed"]),
        },
        Row {
            name: "mac added or replaced",
            edit: |m| m["mac"] = "0".repeat(64).into(),
            expect: Fail("manifest", &["MAC"]),
        },
        // ---- request
        Row {
            name: "request.blake3",
            edit: |m| flip(&mut m["request"]["blake3"]),
            expect: Fail("manifest", &["request.blake3"]),
        },
        Row {
            name: "request.subjects, one more",
            edit: |m| {
                m["request"]["subjects"]
                    .as_array_mut()
                    .expect("subjects")
                    .push("REQ-X".into())
            },
            expect: Fail("manifest", &["request.subjects"]),
        },
        Row {
            name: "request.subjects, one renamed",
            edit: |m| m["request"]["subjects"][1] = "REQ-OTHER".into(),
            expect: Fail("manifest", &["request.subjects"]),
        },
        Row {
            name: "request.policy.mention",
            edit: |m| m["request"]["policy"]["mention"] = "delete".into(),
            expect: Fail("manifest", &["request.policy.mention"]),
        },
        Row {
            name: "request.policy.sender",
            edit: |m| m["request"]["policy"]["sender"] = "redact".into(),
            expect: Fail("manifest", &["request.policy.sender"]),
        },
        Row {
            name: "request.policy.binary_attachments",
            edit: |m| m["request"]["policy"]["binary_attachments"] = "keep".into(),
            expect: Fail("manifest", &["request.policy.binary_attachments"]),
        },
        // ---- input
        Row {
            name: "input.blake3",
            edit: |m| flip(&mut m["input"]["blake3"]),
            expect: Fail("accounting", &["input.blake3"]),
        },
        Row {
            name: "input.bytes",
            edit: |m| add(&mut m["input"]["bytes"], 1),
            expect: Fail("accounting", &["input.bytes"]),
        },
        Row {
            name: "input.container",
            edit: |m| m["input"]["container"] = "mbox".into(),
            expect: Fail("accounting", &["input.container"]),
        },
        Row {
            name: "input.compression",
            edit: |m| m["input"]["compression"] = "gzip".into(),
            expect: Fail("accounting", &["input.compression"]),
        },
        Row {
            name: "input.members",
            edit: |m| add(&mut m["input"]["members"], 1),
            expect: Fail("accounting", &["input.members"]),
        },
        Row {
            name: "input.messages",
            edit: |m| add(&mut m["input"]["messages"], 1),
            expect: Fail("accounting", &["input.messages"]),
        },
        // ---- output
        Row {
            name: "output.blake3",
            edit: |m| flip(&mut m["output"]["blake3"]),
            expect: Fail("output", &["blake3 of the output"]),
        },
        Row {
            name: "output.bytes",
            edit: |m| add(&mut m["output"]["bytes"], 1),
            expect: Fail("output", &["blake3 of the output"]),
        },
        Row {
            name: "output.container",
            edit: |m| m["output"]["container"] = "eml".into(),
            expect: Fail("output", &["container"]),
        },
        Row {
            name: "output.compression",
            edit: |m| m["output"]["compression"] = "zstd".into(),
            expect: Fail("output", &["compressed"]),
        },
        Row {
            name: "output.members",
            edit: |m| add(&mut m["output"]["members"], 1),
            expect: Fail("output", &["members"]),
        },
        Row {
            name: "output.messages",
            edit: |m| add(&mut m["output"]["messages"], -1),
            expect: Fail("output", &["messages"]),
        },
        // ---- removals: entries removed, added, duplicated, reordered
        Row {
            name: "a delete removed",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                removals(m).remove(i);
                add(&mut m["totals"]["deleted"], -1);
                add(&mut m["totals"]["untouched"], 1);
            },
            expect: Fail("accounting", &["1700000001"]),
        },
        Row {
            name: "a redact removed",
            edit: |m| {
                let i = at(m, "redact", MBOX);
                removals(m).remove(i);
                add(&mut m["totals"]["redacted"], -1);
                add(&mut m["totals"]["untouched"], 1);
            },
            expect: Fail("accounting", &[MBOX, "differs"]),
        },
        Row {
            name: "a drop-attachment removed",
            edit: |m| {
                let i = at(m, "drop-attachment", MAILDIR_2);
                removals(m).remove(i);
                add(&mut m["totals"]["attachments_dropped"], -1);
            },
            expect: Fail("accounting", &["attachments"]),
        },
        Row {
            name: "the drop removed",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                removals(m).remove(i);
                add(&mut m["totals"]["sidecars_dropped"], -1);
            },
            expect: Fail("accounting", &[CACHE]),
        },
        Row {
            name: "a rename removed",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                removals(m).remove(i);
                add(&mut m["totals"]["renamed"], -1);
            },
            expect: Fail("accounting", &["where the input has"]),
        },
        Row {
            name: "a delete added for a kept message",
            edit: |m| {
                let mut r = m["removals"][at(m, "delete", MAILDIR_1)].clone();
                r["member"] = MAILDIR_3.into();
                removals(m).insert(1, r);
                add(&mut m["totals"]["deleted"], 1);
                add(&mut m["totals"]["untouched"], -1);
            },
            expect: Fail("accounting", &["1700000003"]),
        },
        Row {
            name: "a delete duplicated",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                let r = m["removals"][i].clone();
                removals(m).insert(i + 1, r);
                add(&mut m["totals"]["deleted"], 1);
            },
            expect: Fail("accounting", &["matches nothing in the input"]),
        },
        Row {
            name: "a rename duplicated",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                let r = m["removals"][i].clone();
                removals(m).insert(i + 1, r);
                add(&mut m["totals"]["renamed"], 1);
            },
            expect: Fail("accounting", &["matches nothing in the input"]),
        },
        Row {
            name: "messages of two members swapped",
            edit: |m| {
                let i = at(m, "delete", MBOX);
                let r = removals(m).remove(i);
                removals(m).insert(0, r);
            },
            expect: Fail("accounting", &["messages are not in input order"]),
        },
        Row {
            name: "renames reversed",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                removals(m)[i..].reverse();
            },
            expect: Fail("accounting", &["renamed members are not in input order"]),
        },
        Row {
            name: "a rename before the drop",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                removals(m).swap(i, i + 1);
            },
            expect: Fail("manifest", &["out of order"]),
        },
        Row {
            name: "drop-attachment before its redact",
            edit: |m| {
                let i = at(m, "redact", MAILDIR_2);
                removals(m).swap(i, i + 1);
            },
            expect: Fail("manifest", &["does not follow the redaction"]),
        },
        // ---- removals: actions
        Row {
            name: "delete -> drop",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["action"] = "drop".into();
            },
            expect: Fail("manifest", &["(drop)"]),
        },
        Row {
            name: "delete -> redact",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["action"] = "redact".into();
            },
            expect: Fail("manifest", &["(redact)"]),
        },
        Row {
            name: "redact -> delete",
            edit: |m| {
                let i = at(m, "redact", MBOX);
                m["removals"][i]["action"] = "delete".into();
            },
            expect: Fail("manifest", &["(delete)"]),
        },
        Row {
            name: "rename -> drop",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                m["removals"][i]["action"] = "drop".into();
            },
            expect: Fail("manifest", &["(drop)"]),
        },
        // ---- removals: fields
        Row {
            name: "index",
            edit: |m| {
                let i = at(m, "delete", MBOX);
                m["removals"][i]["index"] = 1.into();
            },
            expect: Fail("accounting", &[MBOX]),
        },
        Row {
            name: "member",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["member"] = MAILDIR_3.into();
            },
            expect: Fail("accounting", &["1700000001"]),
        },
        Row {
            name: "member, the identifying path",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                m["removals"][i]["member"] = "users/jane.doe@example.com/".into();
            },
            expect: Fail("manifest", &["holds an identifier"]),
        },
        Row {
            name: "original_blake3 of a delete",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                flip(&mut m["removals"][i]["original_blake3"]);
            },
            expect: Fail("accounting", &["original_blake3"]),
        },
        Row {
            name: "original_blake3 not hex",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["original_blake3"] = "xyz".into();
            },
            expect: Fail("manifest", &["64 hex digits"]),
        },
        Row {
            name: "original_bytes of a delete",
            edit: |m| {
                let i = at(m, "delete", MBOX);
                add(&mut m["removals"][i]["original_bytes"], 1);
            },
            expect: Fail("accounting", &["original_bytes"]),
        },
        Row {
            name: "original_bytes of a redact",
            edit: |m| {
                let i = at(m, "redact", MAILDIR_2);
                add(&mut m["removals"][i]["original_bytes"], -1);
            },
            expect: Fail("accounting", &["original_bytes"]),
        },
        Row {
            name: "subjects of a delete",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["subjects"] = serde_json::json!(["REQ-2026-0043"]);
            },
            expect: Fail("accounting", &["subjects are not those the request finds"]),
        },
        Row {
            name: "subjects of a delete, one more",
            edit: |m| {
                let i = at(m, "delete", MBOX);
                m["removals"][i]["subjects"] =
                    serde_json::json!(["REQ-2026-0042", "REQ-2026-0043"]);
            },
            expect: Fail("accounting", &["subjects are not those the request finds"]),
        },
        Row {
            name: "subjects, not of the request",
            edit: |m| {
                let i = at(m, "redact", MBOX);
                m["removals"][i]["subjects"] = serde_json::json!(["REQ-9"]);
            },
            expect: Fail("manifest", &["subjects are not ids"]),
        },
        Row {
            name: "roles of a delete",
            edit: |m| {
                let i = at(m, "delete", MBOX);
                m["removals"][i]["roles"] = serde_json::json!(["sender"]);
            },
            expect: Fail("accounting", &["roles are not those the request finds"]),
        },
        Row {
            name: "roles of a delete, one more",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["roles"] = serde_json::json!(["recipient", "sender"]);
            },
            expect: Fail("accounting", &["roles are not those the request finds"]),
        },
        Row {
            name: "roles, unknown",
            edit: |m| {
                let i = at(m, "redact", MBOX);
                m["removals"][i]["roles"] = serde_json::json!(["bystander"]);
            },
            expect: Fail("manifest", &["roles"]),
        },
        Row {
            name: "sanitized_blake3",
            edit: |m| {
                let i = at(m, "redact", MBOX);
                flip(&mut m["removals"][i]["sanitized_blake3"]);
            },
            expect: Fail("accounting", &[MBOX, "sanitized"]),
        },
        Row {
            name: "sanitized_bytes",
            edit: |m| {
                let i = at(m, "redact", MAILDIR_2);
                add(&mut m["removals"][i]["sanitized_bytes"], 1);
            },
            expect: Fail("accounting", &["sanitized"]),
        },
        Row {
            name: "sanitized fields on a delete",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["sanitized_bytes"] = 5.into();
            },
            expect: Fail("manifest", &["sanitized"]),
        },
        Row {
            name: "a reason on a delete",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["reason"] = "redaction failed".into();
                add(&mut m["totals"]["fail_closed"], 1);
            },
            expect: Fail("manifest", &["reason"]),
        },
        Row {
            name: "a part on a delete",
            edit: |m| {
                let i = at(m, "delete", MAILDIR_1);
                m["removals"][i]["part"] = "1".into();
            },
            expect: Fail("manifest", &["part"]),
        },
        Row {
            name: "part of a drop-attachment",
            edit: |m| {
                let i = at(m, "drop-attachment", MAILDIR_2);
                m["removals"][i]["part"] = "3".into();
            },
            expect: Fail("accounting", &["drop-attachment"]),
        },
        Row {
            name: "original_blake3 of a drop-attachment",
            edit: |m| {
                let i = at(m, "drop-attachment", MAILDIR_2);
                flip(&mut m["removals"][i]["original_blake3"]);
            },
            expect: Fail("accounting", &["drop-attachment"]),
        },
        Row {
            name: "original_bytes of the drop",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                add(&mut m["removals"][i]["original_bytes"], 1);
            },
            expect: Fail("accounting", &[CACHE, "original_bytes"]),
        },
        Row {
            name: "reason of the drop: holds an identifier",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                m["removals"][i]["reason"] = "header cache holds an identifier".into();
            },
            expect: Fail("accounting", &[CACHE, "holds none"]),
        },
        Row {
            name: "reason of the drop: name does not fit",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                m["removals"][i]["reason"] =
                    "member name holds an identifier and the new name does not fit its tar header"
                        .into();
            },
            expect: Fail("accounting", &[CACHE, "holds none"]),
        },
        Row {
            name: "reason of the drop: unknown",
            edit: |m| {
                let i = at(m, "drop", CACHE);
                m["removals"][i]["reason"] = "stale".into();
            },
            expect: Fail("manifest", &["reason"]),
        },
        Row {
            name: "reason of a rename removed",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                m["removals"][i]
                    .as_object_mut()
                    .expect("removal")
                    .remove("reason");
            },
            expect: Fail("manifest", &["reason"]),
        },
        Row {
            name: "original_blake3 of a rename",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                flip(&mut m["removals"][i]["original_blake3"]);
            },
            expect: Fail("accounting", &["original_blake3"]),
        },
        Row {
            name: "sanitized_bytes of a rename",
            edit: |m| {
                let i = at(m, "rename", HASHED);
                add(&mut m["removals"][i]["sanitized_bytes"], 1);
            },
            expect: Fail("accounting", &["sanitized_bytes"]),
        },
        // ---- clean removals
        Row {
            name: "a header clean removed",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                removals(m).remove(i);
                add(&mut m["totals"]["cleaned"], -1);
            },
            expect: Fail("accounting", &[OWNED, "not listed as cleaned"]),
        },
        Row {
            name: "a padding clean removed",
            edit: |m| {
                let i = at(m, "clean", PADDED);
                removals(m).remove(i);
                add(&mut m["totals"]["cleaned"], -1);
            },
            expect: Fail("accounting", &[PADDED, "not listed as cleaned"]),
        },
        Row {
            name: "the trailer clean removed",
            edit: |m| {
                let i = at(m, "clean", TRAILER);
                removals(m).remove(i);
                add(&mut m["totals"]["cleaned"], -1);
            },
            expect: Fail("accounting", &["after the end of the archive differ"]),
        },
        Row {
            name: "a clean duplicated",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                let r = m["removals"][i].clone();
                removals(m).insert(i + 1, r);
                add(&mut m["totals"]["cleaned"], 1);
            },
            expect: Fail("accounting", &["matches nothing in the input"]),
        },
        Row {
            name: "cleans reversed",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                removals(m)[i..].reverse();
            },
            expect: Fail("accounting", &["cleaned members are not in input order"]),
        },
        Row {
            name: "a clean before a rename",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                removals(m).swap(i - 1, i);
            },
            expect: Fail("manifest", &["out of order"]),
        },
        Row {
            name: "a clean moved to a clean member",
            edit: |m| {
                let i = at(m, "clean", PADDED);
                m["removals"][i]["member"] = "docs/contacts.csv".into();
            },
            expect: Fail("accounting", &[PADDED, "contacts.csv"]),
        },
        Row {
            name: "reason of a clean: the padding's for the header",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                m["removals"][i]["reason"] = "tar padding held an identifier".into();
            },
            expect: Fail("accounting", &[OWNED]),
        },
        Row {
            name: "reason of the trailer clean: a member's",
            edit: |m| {
                let i = at(m, "clean", TRAILER);
                m["removals"][i]["reason"] = "tar padding held an identifier".into();
            },
            expect: Fail("manifest", &["reason of the trailing bytes"]),
        },
        Row {
            name: "original_blake3 of a header clean",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                flip(&mut m["removals"][i]["original_blake3"]);
            },
            expect: Fail("accounting", &[OWNED, "original_blake3"]),
        },
        Row {
            name: "sanitized_blake3 of a padding clean",
            edit: |m| {
                let i = at(m, "clean", PADDED);
                flip(&mut m["removals"][i]["sanitized_blake3"]);
            },
            expect: Fail("accounting", &[PADDED, "sanitized_blake3"]),
        },
        Row {
            name: "original_bytes of the trailer clean",
            edit: |m| {
                let i = at(m, "clean", TRAILER);
                add(&mut m["removals"][i]["original_bytes"], 1);
                add(&mut m["removals"][i]["sanitized_bytes"], 1);
            },
            expect: Fail("accounting", &["original_bytes"]),
        },
        Row {
            name: "a clean given subjects",
            edit: |m| {
                let i = at(m, "clean", OWNED);
                m["removals"][i]["subjects"] = serde_json::json!(["REQ-2026-0042"]);
            },
            expect: Fail("manifest", &["lists subjects or roles"]),
        },
        // ---- warnings
        Row {
            name: "the warning removed",
            edit: |m| {
                m["warnings"].as_array_mut().expect("warnings").clear();
                add(&mut m["totals"]["warnings"], -1);
            },
            expect: Fail("accounting", &["warnings"]),
        },
        Row {
            name: "a warning added",
            edit: |m| {
                let mut w = m["warnings"][0].clone();
                w["member"] = "docs/other.csv".into();
                m["warnings"].as_array_mut().expect("warnings").push(w);
                add(&mut m["totals"]["warnings"], 1);
            },
            expect: Fail("accounting", &["warnings"]),
        },
        Row {
            name: "warning kind",
            edit: |m| {
                m["warnings"][0]["kind"] = "mailbox-bytes-outside-messages-hold-identifier".into()
            },
            expect: Fail("accounting", &["warnings"]),
        },
        Row {
            name: "warning kind, unknown",
            edit: |m| m["warnings"][0]["kind"] = "nothing-to-see".into(),
            expect: Fail("manifest", &["warnings[0]"]),
        },
        Row {
            name: "warning subjects",
            edit: |m| m["warnings"][0]["subjects"] = serde_json::json!(["REQ-2026-0043"]),
            expect: Fail("accounting", &["warnings"]),
        },
        Row {
            name: "a dangling-link warning added for a member that is no link",
            edit: |m| {
                let w = serde_json::json!({
                    "member": "docs/contacts.csv",
                    "kind": "dangling-hard-link-in-input",
                    "subjects": [],
                });
                m["warnings"].as_array_mut().expect("warnings").push(w);
                add(&mut m["totals"]["warnings"], 1);
            },
            expect: Fail("accounting", &["dangling in the input"]),
        },
        Row {
            name: "warning member",
            edit: |m| m["warnings"][0]["member"] = "docs/elsewhere.csv".into(),
            expect: Fail("accounting", &["warnings"]),
        },
        // ---- totals
        Row {
            name: "totals.messages_read",
            edit: |m| add(&mut m["totals"]["messages_read"], 1),
            expect: Fail("manifest", &["totals.messages_read"]),
        },
        Row {
            name: "totals.untouched",
            edit: |m| add(&mut m["totals"]["untouched"], 1),
            expect: Fail("manifest", &["totals.messages_read"]),
        },
        Row {
            name: "totals.untouched and messages_read",
            edit: |m| {
                add(&mut m["totals"]["untouched"], 1);
                add(&mut m["totals"]["messages_read"], 1);
                add(&mut m["input"]["messages"], 1);
            },
            expect: Fail("accounting", &["totals.untouched"]),
        },
        Row {
            name: "totals.deleted",
            edit: |m| add(&mut m["totals"]["deleted"], 1),
            expect: Fail("manifest", &["totals.deleted"]),
        },
        Row {
            name: "totals.redacted",
            edit: |m| add(&mut m["totals"]["redacted"], -1),
            expect: Fail("manifest", &["totals.redacted"]),
        },
        Row {
            name: "totals.fail_closed",
            edit: |m| add(&mut m["totals"]["fail_closed"], 1),
            expect: Fail("manifest", &["totals.fail_closed"]),
        },
        Row {
            name: "totals.sidecars_dropped",
            edit: |m| add(&mut m["totals"]["sidecars_dropped"], 1),
            expect: Fail("manifest", &["totals.sidecars_dropped"]),
        },
        Row {
            name: "totals.renamed",
            edit: |m| add(&mut m["totals"]["renamed"], -1),
            expect: Fail("manifest", &["totals.renamed"]),
        },
        Row {
            name: "totals.cleaned",
            edit: |m| add(&mut m["totals"]["cleaned"], 1),
            expect: Fail("manifest", &["totals.cleaned"]),
        },
        Row {
            name: "totals.attachments_dropped",
            edit: |m| add(&mut m["totals"]["attachments_dropped"], 1),
            expect: Fail("manifest", &["totals.attachments_dropped"]),
        },
        Row {
            name: "totals.warnings",
            edit: |m| add(&mut m["totals"]["warnings"], 1),
            expect: Fail("manifest", &["totals.warnings"]),
        },
    ]
}

/// The untampered output verifies but for the warned member: its
/// identifier is still in the output, so `subjects` fails naming it.
fn assert_baseline(label: &str, v: &VerifyText) {
    for name in ["manifest", "output", "accounting"] {
        assert_eq!(v.check(name).status, "OK", "{label}: {}", v.dump());
    }
    let s = v.check("subjects");
    assert!(
        s.status == "FAILED" && s.detail.contains("docs/contacts.csv"),
        "{label}: {}",
        v.dump()
    );
}

#[test]
fn tamper_every_edit_of_the_manifest_is_named() {
    let table = rows();
    assert!(table.len() >= 48, "{} rows", table.len());
    let mut failures = Vec::new();
    for keyed in [false, true] {
        let w = scrubbed(keyed);
        let path = w.path("out.tar.manifest.json");
        let original = read_manifest(&path);
        assert_baseline(&format!("untampered, keyed={keyed}"), &verify(&w, keyed));
        for row in &table {
            let label = format!("{} (keyed={keyed})", row.name);
            let mut m = original.clone();
            (row.edit)(&mut m);
            assert_ne!(m, original, "{label}: the edit changes nothing");
            write_manifest(&path, &m);
            let v = verify(&w, keyed);
            let problem = match row.expect {
                Expect::Pass if keyed => {
                    let c = v.check("manifest");
                    (c.status != "FAILED" || !c.detail.contains("MAC"))
                        .then(|| "the MAC does not fail".to_owned())
                }
                Expect::Pass => ["manifest", "output", "accounting"]
                    .iter()
                    .find(|name| v.check(name).status != "OK")
                    .map(|name| format!("{name} does not pass")),
                Expect::Fail(check, words) => {
                    let c = v.check(check);
                    let missing: Vec<&&str> =
                        words.iter().filter(|w| !c.detail.contains(**w)).collect();
                    let mac = v.check("manifest");
                    if v.run.code != Some(1) || c.status != "FAILED" {
                        Some(format!("{check} does not fail"))
                    } else if !missing.is_empty() {
                        Some(format!("{check} does not name {missing:?}"))
                    } else if keyed
                        && check != "manifest"
                        && !(mac.status == "FAILED" && mac.detail.contains("MAC"))
                    {
                        Some("the MAC does not fail".to_owned())
                    } else {
                        None
                    }
                }
            };
            if let Some(problem) = problem {
                failures.push(format!("{label}: {problem}\n{}", v.dump()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} edits are not caught as expected:\n\n{}",
        failures.len(),
        2 * table.len(),
        failures.join("\n")
    );
}
