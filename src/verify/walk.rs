//! The walk of the output: read once through the pipeline (its messages
//! re-scanned with a request) into the [`Walker`], which looks at every
//! byte of it and, with the input, feeds the lockstep [`Accounting`].

use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use crate::decide::Engine;
use crate::error::{Error, ErrorKind, Result, counted};
use crate::input::container::{self, Container, Layout};
use crate::input::events::{Member, ReadOptions};
use crate::input::tar::{EntryKind, RawEntry};
use crate::mailbox::{MailboxFormat, Message};
use crate::manifest::{Manifest, StreamRecord};
use crate::matcher::{Matcher, MessageInput};
use crate::ops::Input;
use crate::output::{self, header_view};
use crate::pipeline::{self, Processor, Sink};
use crate::record::RawWatch;
use crate::record::digest::{Digest, SharedDigest};

use super::accounting::{Accounting, dangling_warnings, start_accounting};
use super::{
    CheckFailed, Checked, Namer, Run, VerifyOptions, holds_message, join_problems, link_key,
};

/// The raw output, shared so that what the reader left unread can be hashed
/// after a read error.
#[derive(Clone)]
struct SharedReader(Arc<Mutex<Box<dyn Read + Send>>>);

impl Read for SharedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .read(buf)
    }
}

/// What reading the output came to.
pub(super) enum Walked {
    /// It was read to its end.
    Read(Walk),
    /// It cannot be read: its digest (of every byte of it), and why.
    Damaged { digest: Digest, error: Error },
}

/// What the walk over the output found.
pub(super) struct Walk {
    digest: Digest,
    container: Container,
    bare_format: Option<MailboxFormat>,
    bare_bytes: u64,
    members: u64,
    messages: u64,
    messages_with_hits: u64,
    members_with_hits: u64,
    headers_with_hits: u64,
    first_hit: Option<String>,
    dangling_links: u64,
    first_dangling: Option<String>,
    pub(super) accounting: Option<Checked>,
}

impl Walk {
    pub(super) fn output_check(&self, manifest: &Manifest) -> Checked {
        let problems = self.output_problems(&manifest.output);
        if !problems.is_empty() {
            return Err(join_problems(problems));
        }
        Ok(format!(
            "blake3 matches; {}, {}; every hard link resolves",
            counted(self.members, "member", "members"),
            counted(self.messages, "message", "messages"),
        ))
    }

    /// Where the output differs from the manifest's record of it (`want`):
    /// hash and length, counts, compression, container; and hard links it
    /// cannot resolve.
    fn output_problems(&self, want: &StreamRecord) -> Vec<String> {
        let hash = self.digest.hash.to_hex().to_string();
        let mut problems = Vec::new();
        if hash != want.blake3 || self.digest.bytes != want.bytes {
            problems.push(format!(
                "blake3 of the output is {hash} ({} bytes), the manifest says {} ({} bytes)",
                self.digest.bytes, want.blake3, want.bytes
            ));
        }
        if self.members != want.members || self.messages != want.messages {
            problems.push(format!(
                "the output holds {} members and {} messages, the manifest says {} and {}",
                self.members, self.messages, want.members, want.messages
            ));
        }
        problems.extend(self.format_problems(want));
        if self.dangling_links > 0 {
            problems.push(format!(
                "{} hard links point to no earlier member of the output (GNU tar cannot \
                 extract them; first: '{}')",
                self.dangling_links,
                self.first_dangling.as_deref().unwrap_or("?")
            ));
        }
        problems
    }

    /// Where the output's compression and container differ from the
    /// manifest's record of it (`want`).
    fn format_problems(&self, want: &StreamRecord) -> Vec<String> {
        let mut problems = Vec::new();
        let compression = self.container.compression;
        if compression.to_string() != want.compression {
            problems.push(format!(
                "the output is {}, the manifest's output.compression is \"{}\"",
                compressed_in_words(compression),
                want.compression
            ));
        }
        if !self.container_matches(&want.container) {
            problems.push(format!(
                "the output is not of the container the manifest says ({})",
                want.container
            ));
        }
        problems
    }

    /// Whether the output is of the container the manifest names.
    fn container_matches(&self, want: &str) -> bool {
        match (self.container.layout, self.bare_format) {
            (Layout::Tar, _) => want == "tar",
            // An empty bare output (every message deleted) is of either kind.
            (Layout::Bare, _) if self.bare_bytes == 0 => want == "mbox" || want == "eml",
            (Layout::Bare, Some(format)) => want == format.name(),
            (Layout::Bare, None) => false,
        }
    }

    pub(super) fn subjects_check(&self) -> Checked {
        let hits = self.messages_with_hits + self.members_with_hits + self.headers_with_hits;
        if hits == 0 {
            return Ok(format!(
                "{}, every non-mail byte, tar header, padding and trailer re-scanned: \
                 no identifier found",
                counted(self.messages, "message", "messages")
            ));
        }
        Err(CheckFailed(format!(
            "identifiers found in {}, {} and {} (first: {})",
            counted(self.messages_with_hits, "message", "messages"),
            counted(
                self.members_with_hits,
                "non-mail member",
                "non-mail members"
            ),
            counted(
                self.headers_with_hits,
                "tar header or padding",
                "tar headers or paddings"
            ),
            self.first_hit.as_deref().unwrap_or("?")
        )))
    }
}

/// How a stream is compressed, in words: `not compressed`, `compressed
/// with gzip` (the manifest's `none` reads badly in a sentence).
pub(super) fn compressed_in_words(compression: container::Compression) -> String {
    match compression {
        container::Compression::None => "not compressed".to_owned(),
        other => format!("compressed with {}", other.describe()),
    }
}

/// Re-scans each output message (or does nothing without a request).
struct Rescan<'a> {
    matcher: Option<&'a Matcher>,
}

impl Processor for Rescan<'_> {
    type Output = bool;

    fn process(&self, _member: &Member, message: &Message) -> Result<bool> {
        Ok(self.matcher.is_some_and(|m| {
            !m.scan(&MessageInput {
                envelope: message.envelope(),
                raw: message.rfc822(),
            })
            .is_empty()
        }))
    }
}

/// Walks the output through the pipeline (re-scanning its messages with a
/// request) while, with an input, the accounting follows it in lockstep.
pub(super) fn walk(output: &Input, run: Run<'_>) -> Result<Walked> {
    let options = run.options;
    let file = OutputFile::open(output, options)?;
    let opened = match container::open_with(Box::new(file.reader()), true, options.max_window) {
        Ok(opened) => opened,
        Err(error) => return file.result(Err(error)),
    };
    let read = ReadOptions {
        allow_empty: true,
        ..output.read_options(options.max_message_size)
    };
    let walked = std::thread::scope(|scope| -> Result<std::result::Result<Walk, Error>> {
        let accounting = match &options.input {
            Some(input) => Some(start_accounting(scope, input, run)?),
            None => None,
        };
        lockstep(opened, &read, run, accounting, &file.digest)
    })?;
    file.result(walked)
}

/// Runs the output through the re-scan into the [`Walker`] (the accounting
/// and the input's digest beside it, with an input); the walk, or the error
/// that stopped the pipeline.
fn lockstep<'a>(
    opened: container::Opened,
    read: &ReadOptions,
    run: Run<'a>,
    accounting: Option<(Accounting<'a>, SharedDigest)>,
    out_digest: &SharedDigest,
) -> Result<std::result::Result<Walk, Error>> {
    let matcher = run.engine.map(Engine::matcher);
    let container = opened.container;
    let processor = Rescan { matcher };
    let (accounting, input_digest) = accounting.unzip();
    let mut sink = Walker::new(matcher, run.namer, run.manifest, accounting);
    if let Err(error) = pipeline::run(opened, read, &processor, &mut sink, &run.options.pipeline) {
        return Ok(Err(error));
    }
    sink.end_of_member("bytes after the end of the archive".into());
    let accounting = match (sink.accounting.take(), input_digest) {
        (Some(accounting), Some(digest)) => Some(accounting.finish(digest)?),
        _ => None,
    };
    Ok(Ok(sink.into_walk(
        out_digest.digest(),
        container,
        accounting,
    )))
}

/// The output file as the walk reads it: every byte hashed, those the
/// decoder leaves unread too.
struct OutputFile {
    digest: SharedDigest,
    raw: SharedReader,
}

impl OutputFile {
    /// Opens the output (counted for the progress report).
    fn open(output: &Input, options: &VerifyOptions<'_>) -> Result<Self> {
        let digest = SharedDigest::default();
        let raw = SharedReader(Arc::new(Mutex::new(
            output.open_counted(options.pipeline.progress.as_ref())?,
        )));
        Ok(OutputFile { digest, raw })
    }

    /// The file's bytes from where they were left, hashed as they are read.
    fn reader(&self) -> impl Read + Send + 'static {
        self.digest.reader(self.raw.clone())
    }

    /// What a walk gives once the rest of the file was hashed, so that the
    /// digest covers the whole file.
    fn result(&self, walked: std::result::Result<Walk, Error>) -> Result<Walked> {
        let drained = io::copy(&mut self.reader(), &mut io::sink())
            .map(|_| ())
            .map_err(|e| Error::new(ErrorKind::Read(e)));
        walk_result(walked, drained, self.digest.digest())
    }
}

/// What a walk of the output gives once the rest of the file was hashed
/// (`drained`; `digest` of the whole file): the output read through, or
/// damaged when it cannot be read, unless the file cannot even be hashed
/// (then the walk's error is the verify's).
fn walk_result(
    walked: std::result::Result<Walk, Error>,
    drained: Result<()>,
    digest: Digest,
) -> Result<Walked> {
    match walked {
        Ok(mut walk) => {
            drained?;
            walk.digest = digest;
            Ok(Walked::Read(walk))
        }
        Err(error) if drained.is_err() => Err(error),
        Err(error) => Ok(Walked::Damaged { digest, error }),
    }
}

/// The sink of the output walk.
struct Walker<'a> {
    matcher: Option<&'a Matcher>,
    namer: &'a Namer<'a>,
    members: u64,
    messages: u64,
    messages_with_hits: u64,
    members_with_hits: u64,
    headers_with_hits: u64,
    first_hit: Option<String>,
    member: Option<Arc<Member>>,
    /// Identifiers in non-mail bytes of the current member.
    watch: RawWatch,
    /// Keys ([`link_key`]) of the paths of the members so far.
    seen: HashSet<u64>,
    /// The members the manifest warns about as hard links dangling already
    /// in the input, by name, with how many such warnings are left.
    dangling_allowed: HashMap<&'a str, u64>,
    dangling_links: u64,
    first_dangling: Option<String>,
    /// The format of a bare output's one member, and its bytes.
    bare_format: Option<MailboxFormat>,
    bare_bytes: u64,
    accounting: Option<Accounting<'a>>,
    /// The last [`output::TAIL`] bytes of the current member's data.
    tail: Vec<u8>,
    /// The padding after the last member's data, searched again with the
    /// header that follows it.
    padding: Vec<u8>,
}

impl<'a> Walker<'a> {
    /// A walker of an output whose manifest is `manifest`, searching with
    /// `matcher` (if any) and accounting with `accounting` (if any).
    fn new(
        matcher: Option<&'a Matcher>,
        namer: &'a Namer<'a>,
        manifest: &'a Manifest,
        accounting: Option<Accounting<'a>>,
    ) -> Self {
        Walker {
            matcher,
            namer,
            members: 0,
            messages: 0,
            messages_with_hits: 0,
            members_with_hits: 0,
            headers_with_hits: 0,
            first_hit: None,
            member: None,
            watch: RawWatch::default(),
            seen: HashSet::new(),
            dangling_allowed: dangling_warnings(manifest).fold(HashMap::new(), |mut map, w| {
                *map.entry(w.member.as_str()).or_default() += 1;
                map
            }),
            dangling_links: 0,
            first_dangling: None,
            bare_format: None,
            bare_bytes: 0,
            accounting,
            tail: Vec::new(),
            padding: Vec::new(),
        }
    }

    /// What the walk saw, once the output is read through.
    fn into_walk(self, digest: Digest, container: Container, accounting: Option<Checked>) -> Walk {
        Walk {
            digest,
            container,
            bare_format: self.bare_format,
            bare_bytes: self.bare_bytes,
            members: self.members,
            messages: self.messages,
            messages_with_hits: self.messages_with_hits,
            members_with_hits: self.members_with_hits,
            headers_with_hits: self.headers_with_hits,
            first_hit: self.first_hit,
            dangling_links: self.dangling_links,
            first_dangling: self.first_dangling,
            accounting,
        }
    }

    /// True when the manifest warns about a hard link at `path` as dangling
    /// already in the input (each warning stands for one link).
    fn dangling_warned(&mut self, path: &[u8]) -> bool {
        for name in self.namer.recorded(path) {
            if let Some(left) = self.dangling_allowed.get_mut(name.as_str())
                && *left > 0
            {
                *left -= 1;
                return true;
            }
        }
        false
    }

    fn note_hit(&mut self, what: String) {
        self.first_hit.get_or_insert(what);
    }

    fn member_path(&self) -> String {
        self.member
            .as_ref()
            .map_or_else(String::new, |m| self.namer.show(&m.path))
    }

    /// Raw scan of non-message bytes, with an overlap across chunks.
    fn scan_raw(&mut self, bytes: &[u8]) {
        if let Some(matcher) = self.matcher {
            self.watch.feed(matcher, bytes);
        }
    }

    /// Counts a tar header that holds an identifier.
    fn scan_header(&mut self, view: &[u8]) {
        if let Some(matcher) = self.matcher
            && !matcher.scan_bytes(view).is_empty()
        {
            self.framing_hit("tar header");
        }
    }

    /// Counts an identifier in the framing (`what`) of the current member.
    fn framing_hit(&mut self, what: &str) {
        self.headers_with_hits += 1;
        let path = self.member_path();
        self.note_hit(format!("the {what} of member '{path}'"));
    }

    /// Keeps the last [`output::TAIL`] bytes of the member's data.
    fn keep_tail(&mut self, bytes: &[u8]) {
        output::keep_tail(&mut self.tail, bytes);
    }

    /// Counts the last member's padding if an identifier runs from it into
    /// `next`, the header after it.
    fn scan_padding_before(&mut self, next: &RawEntry) {
        let padding = std::mem::take(&mut self.padding);
        if let Some(matcher) = self.matcher
            && next.leading_zero_blocks == 0
            && output::padding_runs_into(matcher, &self.tail, &padding, &next.header)
        {
            self.framing_hit("padding after the data");
        }
    }

    /// Counts the member (or trailer) just ended if its non-message bytes
    /// held an identifier.
    fn end_of_member(&mut self, what: String) {
        if !self.watch.take().is_empty() {
            self.members_with_hits += 1;
            self.note_hit(what);
        }
    }
}

impl Sink<bool> for Walker<'_> {
    fn member_start(&mut self, member: &Arc<Member>) -> Result<()> {
        self.members += 1;
        if let Some(entry) = &member.entry {
            self.scan_padding_before(entry);
        }
        self.tail.clear();
        self.padding.clear();
        self.member = Some(Arc::clone(member));
        match &member.entry {
            Some(entry) => {
                let view = header_view(&entry.header, &entry.path, &entry.link);
                self.scan_header(&view);
                if entry.kind() == EntryKind::Hardlink
                    && !self.seen.contains(&link_key(&entry.link))
                    && !self.dangling_warned(&member.path)
                {
                    self.dangling_links += 1;
                    if self.first_dangling.is_none() {
                        self.first_dangling = Some(self.namer.show(&member.path));
                    }
                }
                self.seen.insert(link_key(&entry.path));
            }
            None => self.bare_format = Some(member.format),
        }
        if let Some(accounting) = &mut self.accounting {
            accounting.output_member_start(member);
        }
        Ok(())
    }

    fn data(&mut self, bytes: &[u8]) -> Result<()> {
        self.scan_raw(bytes);
        self.keep_tail(bytes);
        self.bare_bytes += bytes.len() as u64;
        if let Some(accounting) = &mut self.accounting {
            accounting.output_bytes(bytes);
        }
        Ok(())
    }

    fn message(&mut self, message: Message, hit: bool) -> Result<()> {
        let counts = self
            .member
            .as_ref()
            .is_none_or(|m| holds_message(m, &message));
        if counts {
            self.messages += 1;
        }
        if hit {
            self.messages_with_hits += 1;
            let path = self.member_path();
            self.note_hit(format!("member '{path}' message {}", message.index));
        }
        self.bare_bytes += message.bytes.len() as u64;
        self.keep_tail(&message.bytes);
        if let Some(accounting) = &mut self.accounting {
            accounting.output_bytes(&message.bytes);
        }
        Ok(())
    }

    fn member_end(&mut self, padding: &[u8]) -> Result<()> {
        if let Some(matcher) = self.matcher
            && output::padding_holds_identifier(matcher, &self.tail, padding)
        {
            self.framing_hit("padding after the data");
        } else {
            self.padding = padding.to_vec();
        }
        let path = self.member_path();
        self.end_of_member(format!("member '{path}', outside its messages"));
        if let Some(accounting) = &mut self.accounting {
            accounting.output_member_end(padding);
        }
        Ok(())
    }

    fn archive_end(&mut self, zero_blocks: u64) -> Result<()> {
        if let Some(accounting) = &mut self.accounting {
            accounting.output_archive_end(zero_blocks);
        }
        Ok(())
    }

    fn trailer(&mut self, bytes: &[u8]) -> Result<()> {
        self.scan_raw(bytes);
        if let Some(accounting) = &mut self.accounting {
            accounting.output_trailer(bytes);
        }
        Ok(())
    }
}
