//! The operations behind the commands: where bytes come from and go to.
//!
//! The input is opened read-only and never written; an output that names a
//! file the run reads, or the other output, is refused before any input is
//! read. A scrub's output and manifest are one transaction (`txn`): both
//! are written to temporary files beside their targets and renamed into
//! place only after the whole pipeline succeeded and both reached the disk
//! (the output read back first); on any error, or a [`Cancel`], neither
//! target changes and every temporary file is removed.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, Write};
use std::os::fd::AsFd;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::decide::{Engine, OnUnredactable};
use crate::error::{Error, ErrorKind, Result};
use crate::fsio::{Identity, Target, Transaction};
use crate::input::container::{self, Compression, Container, Encoder, Layout, OutputCompression};
use crate::input::events::ReadOptions;
use crate::mailbox::MailboxFormat;
use crate::manifest::{
    self, Hasher, ManifestKey, ManifestWriter, PolicyRecord, Removal, RequestRecord, StreamRecord,
    Warning, now_rfc3339,
};
use crate::matcher::Matcher;
use crate::output::{RenamedMember, RepackReport, Repacker, ScrubPolicy};
pub use crate::pipeline::Cancel;
use crate::pipeline::{self, KeepAll, PipelineOptions, Progress, Stage};
use crate::record::digest::{Digest, HashingWriter, SharedDigest};
use crate::record::inventory::{Inventory, MemberSummary, Totals};
use crate::record::{Affected, Counts, Journal, Record, RecordOptions, Recorder, report_path};
use crate::request::{Action, BinaryAttachments, ErasureRequest};

/// Default of `--max-message-size`: 256 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 256 << 20;

/// Default of `--max-window`: 128 MiB, the limit of the `zstd` command.
pub const DEFAULT_MAX_WINDOW: u64 = container::DEFAULT_MAX_WINDOW;

/// Limits on what a run accepts from its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest message accepted. Default [`DEFAULT_MAX_MESSAGE_SIZE`].
    pub max_message_size: u64,
    /// Largest zstd window accepted. Default [`DEFAULT_MAX_WINDOW`].
    pub max_window: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_window: DEFAULT_MAX_WINDOW,
        }
    }
}

/// Where the input comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file, opened read-only.
    Path(PathBuf),
}

impl Input {
    /// `-` is standard input, anything else a path.
    pub fn parse(arg: &Path) -> Self {
        if arg == Path::new("-") {
            Input::Stdin
        } else {
            Input::Path(arg.to_path_buf())
        }
    }

    /// Opens the input, counting its bytes into `progress` if given.
    pub(crate) fn open_counted(
        &self,
        progress: Option<&Arc<Progress>>,
    ) -> Result<Box<dyn Read + Send>> {
        let raw = self.open()?;
        Ok(match progress {
            Some(progress) => Box::new(progress.reader(raw)),
            None => raw,
        })
    }

    /// The size of an input file, if known (for a progress display).
    pub fn size(&self) -> Option<u64> {
        match self {
            Input::Path(path) => std::fs::metadata(path).ok().map(|m| m.len()),
            Input::Stdin => None,
        }
    }

    pub(crate) fn open(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Input::Stdin => Ok(Box::new(io::stdin())),
            Input::Path(path) => {
                let file = File::open(path).map_err(|source| {
                    Error::new(ErrorKind::Open {
                        path: path.clone(),
                        source,
                    })
                })?;
                if file.metadata().is_ok_and(|m| m.is_dir()) {
                    return Err(Error::new(ErrorKind::Open {
                        path: path.clone(),
                        source: io::Error::other("is a directory (pack it with tar first)"),
                    }));
                }
                Ok(Box::new(file))
            }
        }
    }

    /// The member name a bare mailbox input gets: its file name, or `-`.
    fn name(&self) -> Vec<u8> {
        match self {
            Input::Stdin => b"-".to_vec(),
            Input::Path(path) => path.file_name().map_or_else(
                || b"-".to_vec(),
                |n| n.to_string_lossy().as_bytes().to_vec(),
            ),
        }
    }

    pub(crate) fn read_options(&self, max_message_size: u64) -> ReadOptions {
        ReadOptions {
            max_message_size,
            input_name: self.name(),
            allow_empty: false,
        }
    }
}

/// Where the output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    Path(PathBuf),
}

impl Output {
    /// `-` is standard output, anything else a path.
    pub fn parse(arg: &Path) -> Self {
        if arg == Path::new("-") {
            Output::Stdout
        } else {
            Output::Path(arg.to_path_buf())
        }
    }
}

/// An erasure request with the blake3 of the file it came from.
#[derive(Debug, Clone)]
pub struct LoadedRequest {
    /// The parsed request.
    pub request: ErasureRequest,
    /// blake3 of the request file's bytes, as hex.
    pub blake3: String,
    /// The file it was read from, if any: no output may name it.
    pub path: Option<PathBuf>,
}

/// Reads and validates an erasure request file. Fails before any input is
/// read, naming the file and the line of the first problem; a file larger
/// than `request::MAX_REQUEST_BYTES` is refused before it is read.
pub fn load_request(path: &Path) -> Result<LoadedRequest> {
    let invalid =
        |what: String| Error::new(ErrorKind::Request(format!("{}: {what}", path.display())));
    let bytes = crate::request::read_request_file(path).map_err(|e| match e {
        crate::request::RequestError::Io { path, source } => {
            Error::new(ErrorKind::Open { path, source })
        }
        other => invalid(other.to_string()),
    })?;
    let blake3 = blake3::hash(&bytes).to_hex().to_string();
    let text =
        String::from_utf8(bytes).map_err(|_| invalid("the request is not UTF-8 text".into()))?;
    let request = ErasureRequest::from_toml_str(&text).map_err(|e| invalid(e.to_string()))?;
    Ok(LoadedRequest {
        request,
        blake3,
        path: Some(path.to_path_buf()),
    })
}

/// Settings of `scrub`.
#[derive(Debug, Clone)]
pub struct ScrubOptions {
    /// Output compression; `None` keeps the input's.
    pub compress: Option<Compression>,
    /// Compression level; `None` is the codec's default (zstd 3, gzip 6).
    pub level: Option<i32>,
    /// Largest message accepted. Default [`DEFAULT_MAX_MESSAGE_SIZE`].
    pub max_message_size: u64,
    /// Largest zstd window accepted in the input. Default [`DEFAULT_MAX_WINDOW`].
    pub max_window: u64,
    /// Threads, queues and the [`Cancel`] handle that stops the run.
    pub pipeline: PipelineOptions,
    /// Where the manifest goes; `None` is `OUTPUT.manifest.json` (required
    /// when the output is standard output).
    pub manifest: Option<PathBuf>,
    /// Keys the manifest's message hashes and MAC.
    pub key: Option<ManifestKey>,
    /// The file the key was read from: no output may name it.
    pub key_file: Option<PathBuf>,
    /// An identifier in a non-mail member is an error, not a warning.
    pub strict: bool,
    /// What a message that cannot be redacted safely turns into.
    pub on_unredactable: OnUnredactable,
    /// Replace an output or manifest file that exists. Without it such a
    /// file is refused before any input is read. The check comes first and
    /// the rename at the end: a file created at that path while the run
    /// goes on is replaced all the same (the rename is atomic, so the path
    /// holds that file or the new one, never a mix). Streams (standard
    /// output, FIFOs, character devices) are written, never refused.
    pub force: bool,
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            compress: None,
            level: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_window: DEFAULT_MAX_WINDOW,
            pipeline: PipelineOptions::default(),
            manifest: None,
            key: None,
            key_file: None,
            strict: false,
            on_unredactable: OnUnredactable::Delete,
            force: false,
        }
    }
}

/// What `scrub` did.
#[derive(Debug, Clone)]
pub struct ScrubSummary {
    /// Where the manifest was written (as given).
    pub manifest_path: PathBuf,
    /// The run's account, as in the manifest.
    pub totals: crate::manifest::Totals,
    /// The input as the manifest records it.
    pub input: StreamSummary,
    /// The new backup as the manifest records it.
    pub output: StreamSummary,
    /// The manifest's warnings, the first [`MAX_SUMMARY_WARNINGS`] of them
    /// (`totals.warnings` counts them all): a summary stays small whatever
    /// the backup holds.
    pub warnings: Vec<Warning>,
}

/// Warnings a [`ScrubSummary`] holds at most.
pub const MAX_SUMMARY_WARNINGS: usize = 1000;

/// One side of a scrub (the input or the output), as its manifest record
/// says: no name, only its format, size and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamSummary {
    /// `tar`, `mbox` or `eml`.
    pub container: String,
    /// Its compression.
    pub compression: Compression,
    /// Its length in bytes (compressed).
    pub bytes: u64,
    /// Its blake3, as hex.
    pub blake3: String,
    /// Archive members (1 for a bare mailbox).
    pub members: u64,
    /// Messages.
    pub messages: u64,
}

impl StreamSummary {
    fn of(record: &StreamRecord, compression: Compression) -> Self {
        StreamSummary {
            container: record.container.clone(),
            compression,
            bytes: record.bytes,
            blake3: record.blake3.clone(),
            members: record.members,
            messages: record.messages,
        }
    }
}

/// The manifest path for an output: `--manifest`, else `OUTPUT.manifest.json`.
pub fn manifest_path(output: &Output, manifest: Option<&Path>) -> Result<PathBuf> {
    match (manifest, output) {
        (Some(path), _) => Ok(path.to_path_buf()),
        (None, Output::Path(path)) => {
            let mut name = path.as_os_str().to_owned();
            name.push(".manifest.json");
            Ok(PathBuf::from(name))
        }
        (None, Output::Stdout) => Err(Error::new(ErrorKind::Usage(
            "--manifest PATH is required when the output is standard output".into(),
        ))),
    }
}

/// Reads `input`, applies `request`, and writes the new backup to `output`
/// and its manifest as one transaction (see the module documentation):
/// both appear complete, or neither target changes. Outputs that name an
/// input of the run (the input, the request, the key file) or each other
/// are refused before any input is read.
pub fn scrub(
    input: &Input,
    output: &Output,
    request: &LoadedRequest,
    options: &ScrubOptions,
) -> Result<ScrubSummary> {
    let manifest_path = manifest_path(output, options.manifest.as_deref())?;
    let (output_target, manifest_target) = scrub_targets(output, &manifest_path)?;
    let key_file = options.key_file.as_deref();
    refuse_collisions(input, request, key_file, &output_target, &manifest_target)?;
    if !options.force {
        refuse_existing(output, &output_target, &manifest_path, &manifest_target)?;
    }
    let hasher = Hasher::new(options.key.clone());
    let engine = Engine::new(&request.request, hasher.clone(), options.on_unredactable)
        .with_expand_limit(options.max_message_size);
    refuse_incomplete(engine.matcher())?;
    let txn = Transaction::begin(&output_target, &manifest_target, &options.pipeline.cancel)?;
    let run = ScrubRun {
        input,
        request,
        options,
        engine: &engine,
        hasher: &hasher,
        spool_dir: spool_dir(&output_target),
    };
    // Errors name members as reports do: never a path holding an identifier.
    let written = run
        .write(txn.output.writer(), txn.manifest.writer())
        .map_err(|e| e.redact_member(|path| report_path(engine.matcher(), &hasher, path)))?;
    txn.commit(&written.output, &written.manifest)?;
    Ok(ScrubSummary {
        manifest_path,
        totals: written.totals,
        input: written.input,
        output: written.output_stream,
        warnings: written.warnings,
    })
}

/// Refuses an output or manifest file that exists (without `--force`),
/// naming it as given; before any input is read. A target that is a
/// stream is written, not replaced, and never refused.
fn refuse_existing(
    output: &Output,
    output_target: &Target,
    manifest_path: &Path,
    manifest_target: &Target,
) -> Result<()> {
    let given = match output {
        Output::Path(path) => Some(path.as_path()),
        Output::Stdout => None,
    };
    let targets = [
        ("the output", given, output_target),
        ("the manifest", Some(manifest_path), manifest_target),
    ];
    for (what, given, target) in targets {
        let (Some(given), Target::Replace(resolved)) = (given, target) else {
            continue;
        };
        if std::fs::symlink_metadata(resolved).is_ok() {
            return Err(Error::new(ErrorKind::Usage(format!(
                "{what} {} exists; pass --force to replace it",
                given.display()
            ))));
        }
    }
    Ok(())
}

/// Where a scrub's output and manifest go, resolved (symbolic links
/// followed; directories, block devices and sockets refused).
fn scrub_targets(output: &Output, manifest_path: &Path) -> Result<(Target, Target)> {
    let output_target = match output {
        Output::Stdout => Target::Stdout,
        Output::Path(path) => Target::resolve(path, "the output")?,
    };
    Ok((
        output_target,
        Target::resolve(manifest_path, "the manifest")?,
    ))
}

/// Where the spool files of a scrub go: beside an output file replaced,
/// else (`None`) the system's temporary folder.
fn spool_dir(output: &Target) -> Option<PathBuf> {
    match output {
        Target::Replace(path) => Some(crate::fsio::parent_dir(path)),
        Target::Stdout | Target::Stream(_) => None,
    }
}

/// Everything a scrub reads, for writing its two outputs.
struct ScrubRun<'a> {
    input: &'a Input,
    request: &'a LoadedRequest,
    options: &'a ScrubOptions,
    engine: &'a Engine<'a>,
    hasher: &'a Hasher,
    /// Where spool files go (beside the output, or the system's temporary folder).
    spool_dir: Option<PathBuf>,
}

/// What a scrub wrote: the digests of both outputs, its account, and
/// the records of both streams with the first warnings, for its summary.
struct Written {
    output: Digest,
    manifest: Digest,
    totals: crate::manifest::Totals,
    input: StreamSummary,
    output_stream: StreamSummary,
    warnings: Vec<Warning>,
}

/// The [`Journal`] of a scrub: entries go straight to the manifest; the
/// first warnings are kept for the summary.
struct ManifestJournal<'w, W, S> {
    writer: &'w mut ManifestWriter<W, S>,
    kept: &'w mut Vec<Warning>,
}

impl<W: Write, S: Read + Write + Seek> Journal for ManifestJournal<'_, W, S> {
    fn removal(&mut self, removal: Removal) -> Result<()> {
        self.writer.removal(&removal).map_err(manifest_error)
    }
    fn warning(&mut self, warning: Warning) -> Result<()> {
        keep_warning(self.kept, &warning);
        self.writer.warning(&warning).map_err(manifest_error)
    }
}

/// Keeps a copy of `warning` for the summary while fewer than
/// [`MAX_SUMMARY_WARNINGS`] are kept.
fn keep_warning(kept: &mut Vec<Warning>, warning: &Warning) {
    if kept.len() < MAX_SUMMARY_WARNINGS {
        kept.push(warning.clone());
    }
}

/// The manifest's writer as a scrub streams it: buffered, hashed.
type Journaled<W> = ManifestWriter<BufWriter<HashingWriter<W>>, File>;

/// What the pipeline left of a scrub: the recorder's account, the
/// repacker's report and the digest of the new backup.
struct Repacked {
    totals: crate::manifest::Totals,
    counts: Counts,
    report: RepackReport,
    output: Digest,
}

impl ScrubRun<'_> {
    /// Reads the input and writes the new backup to `out` and the manifest
    /// to `manifest`, as streams; returns what was written to each.
    fn write(&self, out: impl Write, manifest: impl Write) -> Result<Written> {
        let input_digest = SharedDigest::default();
        let raw = self
            .input
            .open_counted(self.options.pipeline.progress.as_ref())?;
        let opened = container::open(Box::new(input_digest.reader(raw)), self.options.max_window)?;
        let container = opened.container;
        let compression = self.output_compression(container.compression)?;
        let mut journal = self.open_journal(manifest)?;
        let mut out = BufWriter::with_capacity(1 << 20, out);
        let mut warnings = Vec::new();
        let mut repacked =
            self.repack(opened, compression, &mut out, &mut journal, &mut warnings)?;
        out.flush().map_err(write_error)?;
        drop(out);
        let totals = &mut repacked.totals;
        self.journal_report(&repacked.report, totals, &mut journal, &mut warnings)?;
        let (counts, stats) = (&repacked.counts, &repacked.report.stats);
        let name = container_name(container, counts.bare_format);
        let input_stream = stream_record(
            &input_digest.digest(),
            name,
            container.compression,
            (counts.members, counts.messages),
        );
        let output_stream = stream_record(
            &repacked.output,
            name,
            compression.compression,
            (stats.members, stats.messages),
        );
        let manifest = finish_manifest(journal, &input_stream, &output_stream, &repacked.totals)?;
        Ok(Written {
            output: repacked.output,
            manifest,
            totals: repacked.totals,
            input: StreamSummary::of(&input_stream, container.compression),
            output_stream: StreamSummary::of(&output_stream, compression.compression),
            warnings,
        })
    }

    /// The output's compression: `--compress` and `--level`, else the
    /// input's compression at its codec's default level; a level out of
    /// the codec's range is a usage error.
    fn output_compression(&self, input: Compression) -> Result<OutputCompression> {
        let compression = self.options.compress.unwrap_or(input);
        let level = self.options.level.unwrap_or(compression.default_level());
        if !compression.level_range().contains(&level) {
            return Err(Error::new(ErrorKind::Usage(format!(
                "compression level {level} is out of range for {} output ({})",
                compression.describe(),
                compression.levels_in_words()
            ))));
        }
        Ok(OutputCompression { compression, level })
    }

    /// Starts the manifest on `manifest`, its warnings spooled to a
    /// temporary file beside the output until the removals are all written.
    fn open_journal<W: Write>(&self, manifest: W) -> Result<Journaled<W>> {
        let spool = match &self.spool_dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
        .map_err(|e| manifest_error(io::Error::new(e.kind(), format!("warning spool: {e}"))))?;
        ManifestWriter::new(
            BufWriter::with_capacity(1 << 16, HashingWriter::new(manifest)),
            spool,
            self.hasher,
            &request_record(self.request),
        )
        .map_err(manifest_error)
    }

    /// Runs the pipeline from `opened` through the recorder (entries of
    /// messages to `journal`) into the repacker, whose bytes go through
    /// the encoder to `out`.
    fn repack<W: Write>(
        &self,
        opened: container::Opened,
        compression: OutputCompression,
        out: &mut impl Write,
        journal: &mut Journaled<W>,
        kept: &mut Vec<Warning>,
    ) -> Result<Repacked> {
        let (engine, hasher) = (self.engine, self.hasher);
        let repacker = self.repacker(out, compression)?;
        let record = RecordOptions {
            strict: self.options.strict,
        };
        let mut recorder = Recorder::new(
            repacker,
            &self.request.request,
            engine.matcher(),
            hasher,
            record,
            |_| Ok(()),
            ManifestJournal {
                writer: journal,
                kept,
            },
        );
        let read = self.input.read_options(self.options.max_message_size);
        pipeline::run(opened, &read, engine, &mut recorder, &self.options.pipeline)?;
        finishing(&self.options.pipeline);
        let Record {
            inner: repacker,
            totals,
            counts,
            ..
        } = recorder.finish()?;
        let (encoder, report) = repacker.finish()?;
        let (_, output) = encoder.finish().map_err(write_error)?.into_parts();
        Ok(Repacked {
            totals,
            counts,
            report,
            output,
        })
    }

    /// The sink that writes the new backup: the repacker (cleaning member
    /// names and headers when the request names anyone) over the encoder of
    /// the output's compression, hashing what it writes to `out`.
    fn repacker<O: Write>(
        &self,
        out: O,
        compression: OutputCompression,
    ) -> Result<Repacker<'_, Encoder<HashingWriter<O>>>> {
        let encoder = Encoder::new(HashingWriter::new(out), compression).map_err(write_error)?;
        let policy = ScrubPolicy::of(self.engine.matcher(), self.hasher);
        Ok(Repacker::new(encoder, self.spool_dir.clone(), policy))
    }

    /// Writes the repacker's entries to the manifest after the entries of
    /// messages ([`member_entries`]), each counted in `totals`.
    fn journal_report<W: Write>(
        &self,
        report: &RepackReport,
        totals: &mut crate::manifest::Totals,
        journal: &mut Journaled<W>,
        kept: &mut Vec<Warning>,
    ) -> Result<()> {
        let (removals, warnings) =
            member_entries(report, self.engine.matcher(), self.hasher, totals);
        for removal in &removals {
            journal.removal(removal).map_err(manifest_error)?;
        }
        for warning in &warnings {
            keep_warning(kept, warning);
            journal.warning(warning).map_err(manifest_error)?;
        }
        Ok(())
    }
}

/// The writer's account as manifest entries, in the manifest's order:
/// the removals of members dropped, renamed and cleaned, and the warnings
/// of hard links the input holds without their target; each counted in
/// `totals`. The scrub writes them after the entries of messages; the scan
/// reports them.
fn member_entries(
    report: &RepackReport,
    matcher: &Matcher,
    hasher: &Hasher,
    totals: &mut crate::manifest::Totals,
) -> (Vec<Removal>, Vec<Warning>) {
    let member = |path: &[u8]| report_path(matcher, hasher, path);
    let mut removals = Vec::new();
    for dropped in &report.dropped {
        totals.sidecars_dropped += 1;
        let original = (dropped.original_blake3.clone(), dropped.bytes);
        removals.push(Removal::dropped(
            member(&dropped.path),
            original,
            dropped.reason,
        ));
    }
    for renamed in &report.renamed {
        totals.renamed += 1;
        removals.push(renamed_removal(hasher, member(&renamed.from_path), renamed));
    }
    for cleaned in &report.cleaned {
        totals.cleaned += 1;
        let original = (cleaned.original_blake3.clone(), cleaned.original_bytes);
        let sanitized = (cleaned.sanitized_blake3.clone(), cleaned.sanitized_bytes);
        removals.push(Removal::cleaned(
            member(&cleaned.path),
            original,
            sanitized,
            cleaned.reason,
        ));
    }
    let warnings = report
        .dangling_in_input
        .iter()
        .map(|path| {
            totals.warnings += 1;
            Warning {
                member: member(path),
                kind: manifest::DANGLING_LINK_WARNING.into(),
                subjects: Vec::new(),
            }
        })
        .collect();
    (removals, warnings)
}

/// The `rename` entry of a member: its names (path and link target)
/// before and after, hashed as messages are.
fn renamed_removal(hasher: &Hasher, member: String, renamed: &RenamedMember) -> Removal {
    let from = RenamedMember::name_bytes(&renamed.from_path, &renamed.from_link);
    let to = RenamedMember::name_bytes(&renamed.to_path, &renamed.to_link);
    Removal::renamed(
        member,
        (hasher.message(&from), from.len() as u64),
        (hasher.message(&to), to.len() as u64),
    )
}

/// The manifest's record of one stream: its digest, its format, and the
/// members and messages it holds.
fn stream_record(
    digest: &Digest,
    container: &str,
    compression: Compression,
    (members, messages): (u64, u64),
) -> StreamRecord {
    StreamRecord {
        blake3: digest.hash.to_hex().to_string(),
        bytes: digest.bytes,
        container: container.to_owned(),
        compression: compression.to_string(),
        members,
        messages,
    }
}

/// Ends the manifest with the records of both streams and the totals,
/// flushes it, and returns its digest.
fn finish_manifest<W: Write>(
    journal: Journaled<W>,
    input: &StreamRecord,
    output: &StreamRecord,
    totals: &crate::manifest::Totals,
) -> Result<Digest> {
    let buffered = journal
        .finish(&now_rfc3339(), input, output, totals)
        .map_err(manifest_error)?;
    let hashing = buffered
        .into_inner()
        .map_err(|e| manifest_error(e.into_error()))?;
    Ok(hashing.into_parts().1)
}

fn request_record(request: &LoadedRequest) -> RequestRecord {
    let policy = &request.request.policy;
    let action = |a: Action| match a {
        Action::Delete => "delete",
        Action::Redact => "redact",
    };
    RequestRecord {
        blake3: request.blake3.clone(),
        subjects: request
            .request
            .subjects
            .iter()
            .map(|s| s.id.clone())
            .collect(),
        policy: PolicyRecord {
            sender: action(policy.sender).to_owned(),
            recipient: action(policy.recipient).to_owned(),
            mention: action(policy.mention).to_owned(),
            binary_attachments: match policy.binary_attachments {
                BinaryAttachments::Stub => "stub",
                BinaryAttachments::Keep => "keep",
            }
            .to_owned(),
        },
        matching: request.request.matching,
    }
}

/// `tar`, or the format of a bare mailbox (`mbox`, `eml`).
pub(crate) fn container_name(
    container: Container,
    bare_format: Option<MailboxFormat>,
) -> &'static str {
    match (container.layout, bare_format) {
        (Layout::Tar, _) => "tar",
        (Layout::Bare, Some(format)) => format.name(),
        (Layout::Bare, None) => "bare",
    }
}

/// What `scan` found.
#[derive(Debug, Clone)]
pub struct ScanSummary {
    /// The input's container.
    pub container: Container,
    /// The container's name (`tar`, `mbox`, `eml`).
    pub container_name: &'static str,
    /// The messages' counts as the scrub's manifest will give them
    /// (`deleted`, `redacted`, `untouched`, `fail_closed`).
    pub totals: crate::manifest::Totals,
    /// The entries of members the scrub will drop, rename or clean, as its
    /// manifest will list them.
    pub members: Vec<Removal>,
    /// Things a human should look at (identifiers outside messages, hard
    /// links without their target), as the scrub's manifest will list them.
    pub warnings: Vec<crate::manifest::Warning>,
    /// Members and messages read.
    pub counts: Counts,
}

/// The [`Journal`] of a scan: the warnings, for the report. The removals
/// (the scrub's manifest entries) were already reported message by message.
#[derive(Default)]
struct ScanJournal {
    warnings: Vec<Warning>,
}

impl Journal for ScanJournal {
    fn removal(&mut self, _removal: Removal) -> Result<()> {
        Ok(())
    }
    fn warning(&mut self, warning: Warning) -> Result<()> {
        self.warnings.push(warning);
        Ok(())
    }
}

/// The dry run: the scrub's run with a sink that writes nothing (the
/// scrub's writer, writing to nowhere). Every message is decided as
/// [`scrub`] decides it (redaction and fail-closed re-scan included,
/// `on_unredactable` as the scrub's), so each affected message handed to
/// `on_affected` carries what the scrub will do, the members it drops,
/// renames and cleans are the manifest's, and a
/// failed redaction under [`OnUnredactable::Error`] stops the scan at the
/// message where it stops the scrub. Like the scrub, it holds a redacted
/// copy of each message in flight.
pub fn scan(
    input: &Input,
    request: &LoadedRequest,
    limits: Limits,
    on_unredactable: OnUnredactable,
    pipeline_options: &PipelineOptions,
    on_affected: impl FnMut(&Affected<'_>) -> Result<()>,
) -> Result<ScanSummary> {
    let hasher = Hasher::default();
    let engine = Engine::new(&request.request, hasher.clone(), on_unredactable)
        .with_expand_limit(limits.max_message_size);
    refuse_incomplete(engine.matcher())?;
    let opened = container::open(
        input.open_counted(pipeline_options.progress.as_ref())?,
        limits.max_window,
    )?;
    let container = opened.container;
    let read = input.read_options(limits.max_message_size);
    let matcher = engine.matcher();
    // The scrub's writer, writing nowhere: what it drops, renames and
    // cleans is predicted as the scrub will record it.
    let mut recorder = Recorder::new(
        Repacker::new(io::sink(), None, ScrubPolicy::of(matcher, &hasher)),
        &request.request,
        matcher,
        &hasher,
        RecordOptions { strict: false },
        on_affected,
        ScanJournal::default(),
    );
    // Errors name members as reports do: never a path holding an identifier.
    let redact = |e: Error| e.redact_member(|path| report_path(matcher, &hasher, path));
    pipeline::run(opened, &read, &engine, &mut recorder, pipeline_options).map_err(redact)?;
    finishing(pipeline_options);
    let mut record = recorder.finish().map_err(redact)?;
    let (_, report) = record.inner.finish().map_err(redact)?;
    let (members, dangling) = member_entries(&report, matcher, &hasher, &mut record.totals);
    record.journal.warnings.extend(dangling);
    Ok(ScanSummary {
        container,
        container_name: container_name(container, record.counts.bare_format),
        totals: record.totals,
        members,
        warnings: record.journal.warnings,
        counts: record.counts,
    })
}

/// Lists the members of `input`, calling `on_member` for each as it ends.
pub fn list(
    input: &Input,
    limits: Limits,
    on_member: impl FnMut(&MemberSummary) -> Result<()>,
) -> Result<(Container, Totals)> {
    let opened = container::open(input.open()?, limits.max_window)?;
    let container = opened.container;
    let read = input.read_options(limits.max_message_size);
    let mut inventory = Inventory::new(on_member);
    let sequential = PipelineOptions {
        threads: 1,
        ..PipelineOptions::default()
    };
    pipeline::run(opened, &read, &KeepAll, &mut inventory, &sequential)?;
    Ok((container, inventory.totals()))
}

/// Tells the progress display, if any, that every member went through and
/// the closing steps (flush, manifest, rename) run.
fn finishing(options: &PipelineOptions) {
    if let Some(progress) = &options.progress {
        progress.set_stage(Stage::Finishing);
    }
}

fn write_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(e))
}

fn manifest_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(io::Error::new(
        e.kind(),
        format!("manifest: {e}"),
    )))
}

/// Refuses a matcher that could not compile the whole request: it would
/// miss identifiers (fail closed, before any input is read). The request
/// limits (`docs/request.md`) keep every loaded request far below that;
/// the check stays for requests built by library callers.
pub(crate) fn refuse_incomplete(matcher: &Matcher) -> Result<()> {
    if matcher.is_complete() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Request(
            "the request is too large to compile for search".into(),
        )))
    }
}

/// Refuses an output that names a file the run reads (the input, the
/// request, the key file) or the other output, after following symbolic
/// links and hard links; before any input is read.
fn refuse_collisions(
    input: &Input,
    request: &LoadedRequest,
    key_file: Option<&Path>,
    output: &Target,
    manifest: &Target,
) -> Result<()> {
    let reads = read_identities(input, request, key_file);
    let identity = |target: &Target| match target {
        Target::Stdout => std_identity(io::stdout().as_fd()),
        Target::Stream(path) | Target::Replace(path) => Some(Identity::of_path(path)),
    };
    let writes = [
        ("the output", identity(output)),
        ("the manifest", identity(manifest)),
    ];
    for (what, id) in &writes {
        let Some(id) = id else { continue };
        if let Some((read, _)) = reads.iter().find(|(_, r)| r.same(id)) {
            return Err(Error::new(ErrorKind::Usage(format!(
                "{what} names {read}; the files a run reads are never written"
            ))));
        }
    }
    if let [(_, Some(a)), (_, Some(b))] = &writes
        && a.same(b)
    {
        return Err(Error::new(ErrorKind::Usage(
            "the output and the manifest name the same file".into(),
        )));
    }
    Ok(())
}

/// The files a run reads (the input, the request file, the key file),
/// each named as a refusal names it, with its identity.
fn read_identities(
    input: &Input,
    request: &LoadedRequest,
    key_file: Option<&Path>,
) -> Vec<(&'static str, Identity)> {
    let mut reads: Vec<(&str, Identity)> = Vec::new();
    match input {
        Input::Path(path) => reads.push(("the input", Identity::of_path(path))),
        Input::Stdin => {
            if let Some(id) = std_identity(io::stdin().as_fd()) {
                reads.push(("standard input", id));
            }
        }
    }
    if let Some(path) = &request.path {
        reads.push(("the request file", Identity::of_path(path)));
    }
    if let Some(path) = key_file {
        reads.push(("the key file", Identity::of_path(path)));
    }
    reads
}

/// The identity of standard input or output, when it is a regular file.
fn std_identity(fd: std::os::fd::BorrowedFd<'_>) -> Option<Identity> {
    let file = File::from(fd.try_clone_to_owned().ok()?);
    Identity::of_file(&file)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREVIOUS_OUT: &[u8] = b"previous backup\n";
    const PREVIOUS_MANIFEST: &[u8] = b"{}\n";

    /// A writer that fails like a full disk once `left` bytes went through.
    struct FailAfter<W> {
        inner: W,
        left: u64,
    }

    impl<W: Write> Write for FailAfter<W> {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::from_raw_os_error(28));
            }
            let n = buf
                .len()
                .min(usize::try_from(self.left).unwrap_or(usize::MAX));
            let n = self.inner.write(&buf[..n])?;
            self.left -= n as u64;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            self.inner.flush()
        }
    }

    /// Which output fails, after how many bytes.
    #[derive(Debug, Clone, Copy)]
    enum Fail {
        Nothing,
        Output(u64),
        Manifest(u64),
    }

    fn writer<'a>(inner: Box<dyn Write + 'a>, fail: Option<u64>) -> Box<dyn Write + 'a> {
        match fail {
            Some(left) => Box::new(FailAfter { inner, left }),
            None => inner,
        }
    }

    /// An mbox with messages to keep and to delete, so that the manifest
    /// has removals.
    fn mbox() -> Vec<u8> {
        (0..400)
            .map(|i| {
                let from = if i % 3 == 0 {
                    "jane.doe@example.com"
                } else {
                    "bob@example.org"
                };
                format!(
                    "From {from} Mon Jan  1 00:00:00 2024\nFrom: {from}\nSubject: {i}\n\nbody {i}\n\n"
                )
            })
            .collect::<String>()
            .into_bytes()
    }

    /// The steps of [`scrub`], with the writers of the transaction wrapped
    /// as `fail` says; the digests of both outputs.
    fn scrub_failing(dir: &Path, fail: Fail) -> Result<(Digest, Digest)> {
        let input = Input::Path(dir.join("in"));
        let text = "[[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\n";
        let request = LoadedRequest {
            request: ErasureRequest::from_toml_str(text).unwrap(),
            blake3: String::new(),
            path: None,
        };
        let options = ScrubOptions {
            pipeline: PipelineOptions {
                threads: 2,
                batch_bytes: 1024,
                ..PipelineOptions::default()
            },
            ..ScrubOptions::default()
        };
        let hasher = Hasher::default();
        let engine = Engine::new(&request.request, hasher.clone(), OnUnredactable::Delete);
        let output = Target::Replace(dir.join("out"));
        let manifest = Target::Replace(dir.join("out.manifest.json"));
        let txn = Transaction::begin(&output, &manifest, &options.pipeline.cancel)?;
        let run = ScrubRun {
            input: &input,
            request: &request,
            options: &options,
            engine: &engine,
            hasher: &hasher,
            spool_dir: Some(dir.to_path_buf()),
        };
        let (out_fail, manifest_fail) = match fail {
            Fail::Nothing => (None, None),
            Fail::Output(n) => (Some(n), None),
            Fail::Manifest(n) => (None, Some(n)),
        };
        let written = run.write(
            writer(txn.output.writer(), out_fail),
            writer(txn.manifest.writer(), manifest_fail),
        )?;
        txn.commit(&written.output, &written.manifest)?;
        Ok((written.output, written.manifest))
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_writer_failing_anywhere_changes_neither_target() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        std::fs::write(dir.join("in"), mbox()).unwrap();
        let (out, manifest) = scrub_failing(dir, Fail::Nothing).unwrap();
        assert!(out.bytes > 1000 && manifest.bytes > 1000);
        let expected = files(dir);
        let mut points = Vec::new();
        for n in [0, 1, out.bytes / 2, out.bytes - 1] {
            points.push(Fail::Output(n));
        }
        // At the start, among the removals, in the fields of the end.
        for n in [
            0,
            1,
            manifest.bytes / 2,
            manifest.bytes - 200,
            manifest.bytes - 1,
        ] {
            points.push(Fail::Manifest(n));
        }
        for fail in points {
            std::fs::write(dir.join("out"), PREVIOUS_OUT).unwrap();
            std::fs::write(dir.join("out.manifest.json"), PREVIOUS_MANIFEST).unwrap();
            let err = scrub_failing(dir, fail).unwrap_err();
            assert!(matches!(err.kind(), ErrorKind::Write(_)), "{fail:?}: {err}");
            assert_eq!(
                std::fs::read(dir.join("out")).unwrap(),
                PREVIOUS_OUT,
                "{fail:?}"
            );
            assert_eq!(
                std::fs::read(dir.join("out.manifest.json")).unwrap(),
                PREVIOUS_MANIFEST,
                "{fail:?}"
            );
            assert_eq!(files(dir), expected, "{fail:?}: temporary files left");
        }
        let (again, _) = scrub_failing(dir, Fail::Nothing).unwrap();
        assert_eq!(again, out);
        let written = std::fs::read(dir.join("out")).unwrap();
        assert_eq!(blake3::hash(&written), out.hash);
    }

    #[test]
    fn a_cancelled_handle_refuses_to_start() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("in"), mbox()).unwrap();
        let request = LoadedRequest {
            request: ErasureRequest::from_toml_str("[policy]\n").unwrap(),
            blake3: String::new(),
            path: None,
        };
        let options = ScrubOptions::default();
        options.pipeline.cancel.cancel();
        let err = scrub(
            &Input::Path(dir.path().join("in")),
            &Output::Path(dir.path().join("out")),
            &request,
            &options,
        )
        .unwrap_err();
        assert!(matches!(err.kind(), ErrorKind::Cancelled), "{err}");
        assert_eq!(files(dir.path()), vec!["in".to_owned()]);
    }
}
