//! The corpus: users' Maildirs, mbox archives, exported `.eml` files and a
//! few non-mail files, streamed into a deterministic tar.zst.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::date;
use super::encode;
use super::intl;
use super::mail::{self, Generated, MailGen};
use super::rng::Rng;
use super::text::{self, Person};
use super::textmail::TextGen;

/// The modification time of every tar entry (2024-01-01T00:00:00Z).
const MTIME: u64 = 1_704_067_200;
/// The zstd level of the corpus.
const LEVEL: i32 = 3;

/// The kind of mail a corpus holds.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Messages of 1 KB to several MB, a fifth with large base64 attachments.
    Attachments,
    /// Enron-like: 0.5-20 KB, mostly plain text, 10% other charsets.
    Text,
    /// Both, half of the bytes each, interleaved.
    Mixed,
}

impl Profile {
    /// The name used in file names, run names and the report.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Attachments => "attachments",
            Profile::Text => "text",
            Profile::Mixed => "mixed",
        }
    }
}

/// What to generate.
#[derive(Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct Spec {
    /// The kind of mail.
    pub profile: Profile,
    /// Target uncompressed (tar) size in bytes.
    pub size: u64,
    /// PRNG seed.
    pub seed: u64,
    /// Upper bound on one message's size in bytes.
    pub max_message: u64,
}

/// Facts about a generated corpus, saved beside it.
#[derive(Clone, Serialize, Deserialize)]
pub struct Info {
    /// What was asked for.
    pub spec: Spec,
    /// Size of the uncompressed tar stream.
    pub tar_bytes: u64,
    /// Size of the .tar.zst file.
    pub compressed_bytes: u64,
    /// Tar members (files and directories).
    pub members: u64,
    /// Messages, counting each mbox message.
    pub messages: u64,
    /// Messages in which a planted subject appears.
    pub affected: u64,
    /// Messages in which each planted subject appears, by request id.
    pub affected_per_subject: BTreeMap<String, u64>,
    /// The largest message in bytes.
    pub largest_message: u64,
}

/// Where the corpus of `spec` and its facts live under `dir`.
pub fn paths(dir: &Path, spec: &Spec) -> (PathBuf, PathBuf) {
    let stem = format!(
        "corpus-{}-{}-s{}",
        spec.profile.name(),
        super::args::size_label(spec.size),
        spec.seed
    );
    (
        dir.join(format!("{stem}.tar.zst")),
        dir.join(format!("{stem}.json")),
    )
}

/// The facts of an existing, complete corpus for `spec`, if there is one.
pub fn existing(dir: &Path, spec: &Spec) -> Option<Info> {
    let (corpus, meta) = paths(dir, spec);
    let info: Info = serde_json::from_slice(&std::fs::read(meta).ok()?).ok()?;
    let complete = std::fs::metadata(corpus).ok()?.len() == info.compressed_bytes;
    (complete && info.spec == *spec).then_some(info)
}

/// Generates the corpus for `spec` under `dir` and saves its facts.
pub fn generate(dir: &Path, spec: &Spec) -> io::Result<Info> {
    let (corpus, meta) = paths(dir, spec);
    let partial = corpus.with_extension("zst.partial");
    let mut encoder = zstd::Encoder::new(BufWriter::new(File::create(&partial)?), LEVEL)?;
    encoder.multithread(2)?;
    let mut writer = Writer::new(
        Counting {
            inner: encoder,
            bytes: 0,
        },
        dir,
        spec,
    );
    writer.run()?;
    let (counting, mut info) = writer.finish()?;
    info.tar_bytes = counting.bytes;
    counting
        .inner
        .finish()?
        .into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .sync_all()?;
    std::fs::rename(&partial, &corpus)?;
    info.compressed_bytes = std::fs::metadata(&corpus)?.len();
    std::fs::write(meta, serde_json::to_vec_pretty(&info)?)?;
    Ok(info)
}

/// Counts the bytes written through it.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// An mbox being assembled in a spool file (a tar header needs its size).
struct Mbox {
    year: u32,
    /// Messages still to add before it is closed.
    left: u64,
    /// Bytes spooled so far.
    bytes: u64,
    spool: BufWriter<File>,
}

/// The message generator of a profile.
enum Source {
    Attachments(MailGen),
    Text(TextGen),
    /// Both, the next message from the one that has written fewer bytes.
    Mixed(MailGen, TextGen, [u64; 2]),
}

impl Source {
    fn message(
        &mut self,
        owner: &Person,
        sent: bool,
        time: u64,
        eol: &[u8],
        out: &mut Vec<u8>,
    ) -> Generated {
        match self {
            Source::Attachments(mail) => mail.message(owner, sent, time, eol, out),
            Source::Text(mail) => mail.message(owner, sent, time, eol, out),
            Source::Mixed(attachments, text, bytes) => {
                let start = out.len();
                let (generated, side) = if bytes[0] < bytes[1] {
                    (attachments.message(owner, sent, time, eol, out), 0)
                } else {
                    (text.message(owner, sent, time, eol, out), 1)
                };
                bytes[side] += (out.len() - start) as u64;
                generated
            }
        }
    }
}

/// Writes users one after another until the tar reaches the target size.
struct Writer<W: Write> {
    tar: tar::Builder<Counting<W>>,
    rng: Rng,
    mail: Source,
    spool_dir: PathBuf,
    info: Info,
    buf: Vec<u8>,
    framed: Vec<u8>,
}

impl<W: Write> Writer<W> {
    fn new(out: Counting<W>, dir: &Path, spec: &Spec) -> Self {
        let mut rng = Rng::new(spec.seed);
        let attachments = |rng: &mut Rng| {
            let intl = Rng::new(spec.seed ^ 0x696e_746c);
            MailGen::new(rng.fork(1), intl, spec.max_message)
        };
        let mail = match spec.profile {
            Profile::Attachments => Source::Attachments(attachments(&mut rng)),
            Profile::Text => Source::Text(TextGen::new(rng.fork(2))),
            Profile::Mixed => {
                let attachments = attachments(&mut rng);
                Source::Mixed(attachments, TextGen::new(rng.fork(2)), [0; 2])
            }
        };
        let info = Info {
            spec: *spec,
            tar_bytes: 0,
            compressed_bytes: 0,
            members: 0,
            messages: 0,
            affected: 0,
            affected_per_subject: BTreeMap::new(),
            largest_message: 0,
        };
        let tar = tar::Builder::new(out);
        Writer {
            tar,
            rng,
            mail,
            spool_dir: dir.to_owned(),
            info,
            buf: Vec::new(),
            framed: Vec::new(),
        }
    }

    /// The tar bytes written so far.
    fn written(&self) -> u64 {
        self.tar.get_ref().bytes
    }

    fn run(&mut self) -> io::Result<()> {
        self.file(
            "README.txt",
            b"Mail backup of corp.example, nightly full dump.\n",
        )?;
        let users = (self.info.spec.size / (40 << 20)).clamp(3, 500);
        let budget = self.info.spec.size / users;
        let mut index = 0;
        while self.written() < self.info.spec.size {
            self.user(index, budget)?;
            index += 1;
        }
        Ok(())
    }

    fn finish(self) -> io::Result<(Counting<W>, Info)> {
        Ok((self.tar.into_inner()?, self.info))
    }

    /// One user's mail: Maildir inbox and Sent, yearly mboxes, exported .eml files.
    fn user(&mut self, index: u64, budget: u64) -> io::Result<()> {
        let person = text::person(&mut self.rng);
        let login = format!(
            "{}{index}",
            person.email.split('@').next().unwrap_or("user")
        );
        let owner = Person {
            name: person.name,
            email: format!("{login}@corp.example"),
        };
        for dir in [
            "",
            "/cur",
            "/new",
            "/tmp",
            "/.Sent",
            "/.Sent/cur",
            "/.Sent/new",
            "/.Sent/tmp",
            "/archive",
            "/export",
        ] {
            self.dir(&format!("{login}{dir}"))?;
        }
        self.file(&format!("{login}/.Sent/maildirfolder"), b"")?;
        self.file(&format!("{login}/subscriptions"), b"Sent\nArchive\n")?;
        let end = (self.written() + budget).min(self.info.spec.size);
        let mut mbox: Option<Mbox> = None;
        let mut year = 2015 + self.rng.below(4) as u32;
        let mut seq = 0;
        while self.written() + mbox.as_ref().map_or(0, |m| m.bytes) < end {
            seq += 1;
            match self.rng.below(100) {
                0..=54 => self.maildir(&login, &owner, "cur", seq)?,
                55..=69 => self.maildir(&login, &owner, ".Sent/cur", seq)?,
                70..=89 => {
                    let current = match mbox.take() {
                        Some(current) => current,
                        None => self.open_mbox(&mut year)?,
                    };
                    mbox = self.mbox_message(&login, &owner, current)?;
                }
                _ => self.eml(&login, &owner, seq)?,
            }
        }
        if let Some(current) = mbox {
            self.close_mbox(&login, current)?;
        }
        let uidlist = format!("3 V{} N{seq} G{:032x}\n", MTIME, self.rng.next_u64());
        self.file(&format!("{login}/dovecot-uidlist"), uidlist.as_bytes())?;
        let mut index = vec![0; self.rng.range(2 << 10, 64 << 10) as usize];
        self.rng.fill(&mut index);
        self.file(&format!("{login}/dovecot.index.cache"), &index)
    }

    /// Generates one message into `self.buf`, recording its statistics.
    fn message(&mut self, owner: &Person, sent: bool, time: u64, eol: &[u8]) -> String {
        self.buf.clear();
        let generated = self.mail.message(owner, sent, time, eol, &mut self.buf);
        self.info.messages += 1;
        self.info.affected += u64::from(generated.planted.contains(&true));
        for (id, planted) in [mail::PLANTED_ID, intl::ID]
            .into_iter()
            .zip(generated.planted)
        {
            if planted {
                *self
                    .info
                    .affected_per_subject
                    .entry(id.to_owned())
                    .or_default() += 1;
            }
        }
        self.info.largest_message = self.info.largest_message.max(self.buf.len() as u64);
        generated.sender
    }

    /// A random time between 2016 and the end of 2025.
    fn any_time(&mut self) -> u64 {
        self.rng
            .range(date::year_start(2016), date::year_start(2026) - 1)
    }

    /// One Maildir message file in `folder` (`cur` or `.Sent/cur`).
    fn maildir(&mut self, login: &str, owner: &Person, folder: &str, seq: u64) -> io::Result<()> {
        let time = self.any_time();
        let sent = folder.starts_with(".Sent");
        self.message(owner, sent, time, b"\n");
        let flags = if sent {
            "S"
        } else {
            self.rng.pick(&["S", "S", "S", "RS", "FS", ""])
        };
        let name = format!(
            "{login}/{folder}/{time}.M{}P{}Q{seq}.mx1.corp.example,S={}:2,{flags}",
            self.rng.below(1_000_000),
            self.rng.range(1000, 99_999),
            self.buf.len()
        );
        let data = std::mem::take(&mut self.buf);
        let result = self.file(&name, &data);
        self.buf = data;
        result
    }

    /// One exported `.eml` file, with CRLF line endings.
    fn eml(&mut self, login: &str, owner: &Person, seq: u64) -> io::Result<()> {
        let time = self.any_time();
        self.message(owner, false, time, b"\r\n");
        let data = std::mem::take(&mut self.buf);
        let result = self.file(&format!("{login}/export/message-{seq:05}.eml"), &data);
        self.buf = data;
        result
    }

    /// Starts the mbox of the next year.
    fn open_mbox(&mut self, year: &mut u32) -> io::Result<Mbox> {
        let spool = BufWriter::new(tempfile::tempfile_in(&self.spool_dir)?);
        let mbox = Mbox {
            year: *year,
            left: self.rng.range(20, 400),
            bytes: 0,
            spool,
        };
        *year += 1;
        Ok(mbox)
    }

    /// Appends a message to `mbox`; returns it unless it is full (then closed).
    fn mbox_message(
        &mut self,
        login: &str,
        owner: &Person,
        mut mbox: Mbox,
    ) -> io::Result<Option<Mbox>> {
        let start = date::year_start(mbox.year);
        let time = self.rng.range(start, date::year_start(mbox.year + 1) - 1);
        let sent = self.rng.percent(20);
        let sender = self.message(owner, sent, time, b"\n");
        self.framed.clear();
        self.framed
            .extend_from_slice(format!("From {sender} {}\n", date::asctime(time)).as_bytes());
        encode::mbox_quote(&self.buf, &mut self.framed);
        self.framed.push(b'\n');
        mbox.spool.write_all(&self.framed)?;
        mbox.bytes += self.framed.len() as u64;
        mbox.left -= 1;
        if mbox.left > 0 {
            return Ok(Some(mbox));
        }
        self.close_mbox(login, mbox)?;
        Ok(None)
    }

    /// Copies a finished mbox from its spool into the tar.
    fn close_mbox(&mut self, login: &str, mbox: Mbox) -> io::Result<()> {
        let mut file = mbox
            .spool
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        let len = file.stream_position()?;
        file.rewind()?;
        let mut header = header(tar::EntryType::Regular, len, 0o600);
        let path = format!("{login}/archive/{}.mbox", mbox.year);
        self.tar.append_data(&mut header, path, file.take(len))?;
        self.info.members += 1;
        Ok(())
    }

    fn file(&mut self, path: &str, data: &[u8]) -> io::Result<()> {
        let mut header = header(tar::EntryType::Regular, data.len() as u64, 0o600);
        self.tar.append_data(&mut header, path, data)?;
        self.info.members += 1;
        Ok(())
    }

    fn dir(&mut self, path: &str) -> io::Result<()> {
        let mut header = header(tar::EntryType::Directory, 0, 0o700);
        self.tar
            .append_data(&mut header, format!("{path}/"), io::empty())?;
        self.info.members += 1;
        Ok(())
    }
}

/// A GNU tar header with fixed owner and modification time.
fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(kind);
    header.set_size(size);
    header.set_mode(mode);
    header.set_mtime(MTIME);
    header.set_uid(5000);
    header.set_gid(5000);
    header
}
