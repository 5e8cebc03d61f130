//! Message and mailbox generators. All people, domains and numbers are fictional.

use super::tarw::{EndPadding, TarWriter};

/// Fixed envelope date used in every `From ` line.
pub const ENVELOPE_DATE: &str = "Tue Nov 14 22:13:20 2023";

/// A header-and-body message with LF line ends.
pub fn message(from: &str, to: &str, subject: &str, body: &str) -> Vec<u8> {
    message_with(from, to, subject, &[], body)
}

/// Like [`message`], with extra header lines (each without its line end).
pub fn message_with(from: &str, to: &str, subject: &str, extra: &[&str], body: &str) -> Vec<u8> {
    let mut m = format!(
        "Return-Path: <{addr}>\nFrom: {from}\nTo: {to}\nSubject: {subject}\n\
         Date: Tue, 14 Nov 2023 22:13:20 +0000\nMessage-ID: <{id:016x}@mail.example.com>\n",
        addr = bare_addr(from),
        id = fnv(subject.as_bytes()) ^ fnv(body.as_bytes()),
    );
    for h in extra {
        m.push_str(h);
        m.push('\n');
    }
    m.push_str("MIME-Version: 1.0\n\n");
    m.push_str(body);
    m.into_bytes()
}

/// `lf` with every LF turned into CRLF.
pub fn crlf(lf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lf.len() + lf.len() / 20);
    for &b in lf {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

/// The address inside `Name <addr>` (or the whole string).
pub fn bare_addr(from: &str) -> &str {
    match (from.find('<'), from.find('>')) {
        (Some(a), Some(b)) if a < b => &from[a + 1..b],
        _ => from,
    }
}

fn fnv(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x100_0000_01b3)
    })
}

/// The mbox quoting convention used when a message is appended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quoting {
    /// mboxo: `From ` at line start becomes `>From `; `>From ` is left alone (lossy).
    Mboxo,
    /// mboxrd: any `>*From ` at line start gains one more `>`.
    Mboxrd,
    /// No quoting at all (mboxcl2 relies on `Content-Length`; also "broken" writers).
    None,
}

/// The `From ` envelope line for `msg` (from its `Return-Path`, else `MAILER-DAEMON`), with `eol`.
pub fn envelope(msg: &[u8], eol: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(msg);
    let sender = text
        .lines()
        .find_map(|l| l.strip_prefix("Return-Path: <"))
        .and_then(|l| l.split('>').next())
        .unwrap_or("MAILER-DAEMON");
    format!("From {sender} {ENVELOPE_DATE}{eol}").into_bytes()
}

/// Quote the body lines of `msg` as `q` says (header lines never start with `From `).
pub fn quote(msg: &[u8], q: Quoting) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + 16);
    for line in msg.split_inclusive(|&b| b == b'\n') {
        let unq = line.iter().position(|&b| b != b'>').unwrap_or(line.len());
        let from_line = line[unq..].starts_with(b"From ");
        match q {
            Quoting::Mboxo if unq == 0 && from_line => out.push(b'>'),
            Quoting::Mboxrd if from_line => out.push(b'>'),
            _ => {}
        }
        out.extend_from_slice(line);
    }
    out
}

/// An mbox of `msgs`: envelope line, quoted message, one blank separator line.
/// `eol` is the line end of the envelope and separator (`"\n"` or `"\r\n"`).
pub fn mbox(msgs: &[Vec<u8>], q: Quoting, eol: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        out.extend_from_slice(&envelope(m, eol));
        out.extend_from_slice(&quote(m, q));
        if !m.ends_with(b"\n") {
            out.extend_from_slice(eol.as_bytes());
        }
        out.extend_from_slice(eol.as_bytes());
    }
    out
}

/// The mbox variants the fixtures cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MboxVariant {
    /// mboxo with a quoted `>From ` body line.
    Mboxo,
    /// mboxrd with `>From ` and `>>From ` quoting.
    Mboxrd,
    /// mboxrd with CRLF line ends throughout.
    Crlf,
    /// Last message has no final newline (and no separator line).
    NoFinalNewline,
    /// mboxcl2: `Content-Length` headers, an unquoted `From ` line inside a body.
    Cl2,
}

impl MboxVariant {
    /// Every variant.
    pub const ALL: [MboxVariant; 5] = [
        MboxVariant::Mboxo,
        MboxVariant::Mboxrd,
        MboxVariant::Crlf,
        MboxVariant::NoFinalNewline,
        MboxVariant::Cl2,
    ];

    /// A short name used in member paths and failure messages.
    pub fn name(self) -> &'static str {
        match self {
            MboxVariant::Mboxo => "mboxo",
            MboxVariant::Mboxrd => "mboxrd",
            MboxVariant::Crlf => "crlf",
            MboxVariant::NoFinalNewline => "no-final-newline",
            MboxVariant::Cl2 => "mboxcl2",
        }
    }

    /// The mbox bytes and the number of messages in them.
    pub fn build(self) -> (Vec<u8>, u64) {
        let msgs = mbox_messages();
        let n = msgs.len() as u64;
        let bytes = match self {
            MboxVariant::Mboxo => mbox(&msgs, Quoting::Mboxo, "\n"),
            MboxVariant::Mboxrd => mbox(&msgs, Quoting::Mboxrd, "\n"),
            MboxVariant::Crlf => {
                let m: Vec<Vec<u8>> = msgs.iter().map(|m| crlf(m)).collect();
                mbox(&m, Quoting::Mboxrd, "\r\n")
            }
            MboxVariant::NoFinalNewline => {
                let mut b = mbox(&msgs, Quoting::Mboxrd, "\n");
                b.truncate(b.len() - 2); // drop the separator and the body's final LF
                b
            }
            MboxVariant::Cl2 => mboxcl2(&msgs),
        };
        (bytes, n)
    }
}

/// Messages for mbox fixtures: bodies with `From `, `>From ` and `>>From ` lines.
pub fn mbox_messages() -> Vec<Vec<u8>> {
    vec![
        message(
            "Alice Example <alice@example.com>",
            "Bob Example <bob@example.org>",
            "Quarterly numbers",
            "Hi Bob,\n\nFrom what I can see the numbers are fine.\n>From the archive: all good.\n\nAlice\n",
        ),
        message(
            "Carol Example <carol@example.com>",
            "alice@example.com",
            "Re: Quarterly numbers",
            "> Hi Bob,\n>\n>>From the archive: all good.\n\nFrom me: agreed.\n",
        ),
        message("bob@example.org", "carol@example.com", "empty body", ""),
        message(
            "Dave Example <dave@example.org>",
            "alice@example.com",
            "Lunch",
            "Lunch at noon? Call 555-0142.\n",
        ),
    ]
}

/// mboxcl2: no quoting; each message gets a `Content-Length` header for its body.
pub fn mboxcl2(msgs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for m in msgs {
        let split = find(m, b"\n\n").map_or(m.len(), |p| p + 1);
        let (head, body) = m.split_at(split); // `body` starts with the blank line
        out.extend_from_slice(&envelope(m, "\n"));
        out.extend_from_slice(head);
        out.extend_from_slice(
            format!("Content-Length: {}\n", body.len().saturating_sub(1)).as_bytes(),
        );
        out.extend_from_slice(body);
        out.push(b'\n');
    }
    out
}

/// Position of `needle` in `hay`.
pub fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What a member is, apart from its data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Regular file.
    File,
    /// Directory.
    Dir,
    /// Symlink to the target.
    Symlink(String),
    /// Hard link to the target.
    Hardlink(String),
}

/// A tar member together with what `list` should say about it.
#[derive(Clone, Debug)]
pub struct Member {
    /// Path inside the archive.
    pub path: String,
    /// Member type.
    pub kind: Kind,
    /// File contents (empty for non-files).
    pub data: Vec<u8>,
    /// Expected mailbox format word (`maildir`, `mh`, `mbox`, `eml`, `other`);
    /// `None` where the contract does not pin it (directories, links, MH sequence files).
    pub format: Option<&'static str>,
    /// Expected message count.
    pub messages: u64,
}

impl Member {
    /// A regular file.
    pub fn file(path: &str, data: Vec<u8>, format: &'static str, messages: u64) -> Self {
        Self {
            path: path.into(),
            kind: Kind::File,
            data,
            format: Some(format),
            messages,
        }
    }

    /// A directory member.
    pub fn dir(path: &str) -> Self {
        Self {
            path: path.into(),
            kind: Kind::Dir,
            data: Vec::new(),
            format: None,
            messages: 0,
        }
    }

    /// A link member.
    pub fn link(path: &str, kind: Kind) -> Self {
        Self {
            path: path.into(),
            kind,
            data: Vec::new(),
            format: None,
            messages: 0,
        }
    }

    /// The `kind` word of `list --json`.
    pub fn kind_word(&self) -> &'static str {
        match self.kind {
            Kind::File => "file",
            Kind::Dir => "dir",
            Kind::Symlink(_) => "symlink",
            Kind::Hardlink(_) => "hardlink",
        }
    }
}

/// Write `members` into a ustar archive.
pub fn tar_of(members: &[Member], padding: EndPadding) -> Vec<u8> {
    let mut tw = TarWriter::new();
    for m in members {
        match &m.kind {
            Kind::File => tw.file(&m.path, &m.data),
            Kind::Dir => tw.dir(&m.path),
            Kind::Symlink(t) => tw.symlink(&m.path, t),
            Kind::Hardlink(t) => tw.hardlink(&m.path, t),
        };
    }
    tw.finish(padding)
}

/// A Maildir file name in `cur/` (`,S=<size>:2,<flags>`) or `new/` (no info part).
pub fn maildir_name(seq: u32, size: usize, flags: Option<&str>) -> String {
    let base = format!(
        "{}.M{seq}P{}.mailhost,S={size}",
        1_700_000_000 + seq,
        4000 + seq
    );
    match flags {
        Some(f) => format!("{base}:2,{f}"),
        None => base,
    }
}

/// Members of one Maildir++ mailbox at `root` (ending in `/`) holding `msgs`
/// spread over `cur/`, `new/` and a `.Sent` folder; `seq` numbers the file names.
pub fn maildir(root: &str, msgs: &[(Vec<u8>, &str)], seq: &mut u32) -> Vec<Member> {
    let mut out: Vec<Member> = [
        "",
        "cur/",
        "new/",
        "tmp/",
        ".Sent/",
        ".Sent/cur/",
        ".Sent/new/",
        ".Sent/tmp/",
    ]
    .iter()
    .map(|d| Member::dir(&format!("{root}{d}")))
    .collect();
    out.push(Member::file(
        &format!("{root}.Sent/maildirfolder"),
        Vec::new(),
        "other",
        0,
    ));
    for (data, folder) in msgs {
        *seq += 1;
        let flags = if folder.ends_with("new/") {
            None
        } else {
            Some("S")
        };
        let path = format!("{root}{folder}{}", maildir_name(*seq, data.len(), flags));
        // An empty file holds no message.
        let messages = u64::from(!data.is_empty());
        out.push(Member::file(&path, data.clone(), "maildir", messages));
    }
    out
}

/// Two users' Maildir++ trees (`alice/`, `bob/`), CRLF and LF messages, an empty message.
pub fn maildir_fixture() -> Vec<Member> {
    let mut seq = 0;
    let alice = [
        (
            message(
                "Bob Example <bob@example.org>",
                "alice@example.com",
                "Hello",
                "Hi Alice!\n",
            ),
            "cur/",
        ),
        (
            crlf(&message(
                "carol@example.com",
                "alice@example.com",
                "CRLF mail",
                "Line one\nFrom a CRLF body\n",
            )),
            "cur/",
        ),
        (
            message(
                "dave@example.org",
                "alice@example.com",
                "Unread",
                "Not read yet.\n",
            ),
            "new/",
        ),
        (
            message(
                "alice@example.com",
                "bob@example.org",
                "Sent item",
                "Sent from alice.\n",
            ),
            ".Sent/cur/",
        ),
        (Vec::new(), "cur/"),
    ];
    let bob = [
        (
            message(
                "alice@example.com",
                "bob@example.org",
                "Re: Hello",
                "No final newline",
            ),
            "cur/",
        ),
        (base64_message(), "cur/"),
        (
            message(
                "bob@example.org",
                "carol@example.com",
                "Sent by bob",
                "Thanks.\n",
            ),
            ".Sent/cur/",
        ),
    ];
    let mut m = maildir("alice/", &alice, &mut seq);
    m.extend(maildir("bob/", &bob, &mut seq));
    m
}

fn base64_message() -> Vec<u8> {
    message_with(
        "carol@example.com",
        "bob@example.org",
        "Attachment",
        &["Content-Type: multipart/mixed; boundary=\"b2\""],
        "--b2\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n\
         SGVsbG8gQm9iLApGcm9tIENhcm9sLgo=\n--b2--\n",
    )
}

/// One mbox member `archive/<variant>.mbox`.
pub fn mbox_fixture(v: MboxVariant) -> Vec<Member> {
    let (bytes, n) = v.build();
    vec![
        Member::dir("archive/"),
        Member::file(&format!("archive/{}.mbox", v.name()), bytes, "mbox", n),
    ]
}

/// A single `.eml` message with a multipart body.
pub fn eml() -> Vec<u8> {
    message_with(
        "Erin Example <erin@example.org>",
        "alice@example.com",
        "Report",
        &["Content-Type: multipart/mixed; boundary=\"b1\""],
        "--b1\nContent-Type: text/plain; charset=utf-8\n\nSee attached.\nFrom here on: data.\n\
         --b1\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n\
         AAECAwQFBgcICQoLDA0ODw==\n--b1--\n",
    )
}

/// Loose `.eml` files (LF and CRLF).
pub fn eml_fixture() -> Vec<Member> {
    vec![
        Member::dir("exports/"),
        Member::file("exports/report.eml", eml(), "eml", 1),
        Member::file("exports/report-crlf.eml", crlf(&eml()), "eml", 1),
    ]
}

/// An MH folder: numbered messages and `.mh_sequences`.
pub fn mh_fixture() -> Vec<Member> {
    let mut m = vec![Member::dir("Mail/"), Member::dir("Mail/inbox/")];
    for (i, who) in ["alice@example.com", "bob@example.org", "carol@example.com"]
        .iter()
        .enumerate()
    {
        let msg = message(
            who,
            "frank@example.org",
            &format!("MH message {}", i + 1),
            "Body.\n",
        );
        m.push(Member::file(&format!("Mail/inbox/{}", i + 1), msg, "mh", 1));
    }
    let mut seqs = Member::file(
        "Mail/inbox/.mh_sequences",
        b"unseen: 2-3\n".to_vec(),
        "other",
        0,
    );
    seqs.format = None; // `mh` or `other`: not pinned by the contract
    m.push(seqs);
    m
}

/// A PNG-like binary (valid signature, arbitrary chunk bytes).
pub fn png_like() -> Vec<u8> {
    let mut v = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0".to_vec();
    v.extend((0u8..=255).map(|b| b.wrapping_mul(37)));
    v.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
    v
}

/// Non-mail files: binary, text that mentions `From `, an empty file.
pub fn nonmail_fixture() -> Vec<Member> {
    vec![
        Member::dir("misc/"),
        Member::file("misc/logo.png", png_like(), "other", 0),
        Member::file(
            "misc/notes.txt",
            b"Shopping list\nFrom the shop: milk\n".to_vec(),
            "other",
            0,
        ),
        Member::file("misc/empty", Vec::new(), "other", 0),
    ]
}

/// Every format together, plus a symlink and a hard link.
pub fn mixed_fixture() -> Vec<Member> {
    let mut m = maildir_fixture();
    m.extend(mbox_fixture(MboxVariant::Mboxrd));
    m.extend(eml_fixture());
    m.extend(mh_fixture());
    m.extend(nonmail_fixture());
    m.push(Member::link(
        "misc/current.mbox",
        Kind::Symlink("../archive/mboxrd.mbox".into()),
    ));
    m.push(Member::link(
        "misc/report-again.eml",
        Kind::Hardlink("exports/report.eml".into()),
    ));
    m
}

/// Every level of a nesting of enclosed messages, each decoded by the
/// tests' own decoders: the raw message, then each `message/rfc822` body in
/// turn (base64, quoted-printable or as it is).
pub fn nesting_levels(msg: &[u8]) -> Vec<Vec<u8>> {
    let mut levels = vec![msg.to_vec()];
    loop {
        let cur = levels.last().expect("one level");
        let Some(split) = find(cur, b"\n\n") else {
            break;
        };
        let (head, body) = (&cur[..split], &cur[split + 2..]);
        let head = String::from_utf8_lossy(head).to_ascii_lowercase();
        if !head.contains("message/rfc822") {
            break;
        }
        let next = if head.contains("base64") {
            super::encode::base64_decode(body)
        } else if head.contains("quoted-printable") {
            super::encode::qp_decode(body)
        } else {
            body.to_vec()
        };
        levels.push(next);
    }
    levels
}
