//! The operations behind the commands: where bytes come from and go to.
//!
//! The input is opened read-only and never written. A file output is written
//! to a temporary file beside its target and renamed into place only after
//! the whole pipeline succeeded and the data reached the disk; on any error
//! the temporary file is removed and the target keeps its previous state.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::container::{self, Compression, Container, Encoder, Layout, OutputCompression};
use crate::digest::{HashingWriter, SharedDigest};
use crate::engine::{Engine, Mode, OnUnredactable};
use crate::error::{Error, ErrorKind, Result};
use crate::evidence::{Affected, Counts, NullSink, RecordOptions, Recorder, report_path};
use crate::inventory::{Inventory, MemberSummary, Totals};
use crate::mailbox::MailboxFormat;
use crate::manifest::{
    self, FORMAT_V1, Hasher, Manifest, ManifestKey, PolicyRecord, Removal, RequestRecord,
    StreamRecord, Tool, now_rfc3339,
};
use crate::matcher::Matcher;
use crate::pipeline::{self, KeepAll, PipelineOptions, Progress};
use crate::repack::{RenamedMember, Repacker, ScrubPolicy};
use crate::request::{Action, BinaryAttachments, ErasureRequest};
use crate::source::ReadOptions;

/// Default of `--max-message-size`: 256 MiB.
pub const DEFAULT_MAX_MESSAGE_SIZE: u64 = 256 << 20;

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
    Ok(LoadedRequest { request, blake3 })
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
    /// Threads and queues.
    pub pipeline: PipelineOptions,
    /// Where the manifest goes; `None` is `OUTPUT.manifest.json` (required
    /// when the output is standard output).
    pub manifest: Option<PathBuf>,
    /// Keys the manifest's message hashes and MAC.
    pub key: Option<ManifestKey>,
    /// An identifier in a non-mail member is an error, not a warning.
    pub strict: bool,
    /// What a message that cannot be redacted safely turns into.
    pub on_unredactable: OnUnredactable,
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            compress: None,
            level: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            pipeline: PipelineOptions::default(),
            manifest: None,
            key: None,
            strict: false,
            on_unredactable: OnUnredactable::Delete,
        }
    }
}

/// What `scrub` did.
#[derive(Debug, Clone)]
pub struct ScrubSummary {
    /// Where the manifest was written.
    pub manifest_path: PathBuf,
    /// The manifest (its totals are the run's account).
    pub manifest: Manifest,
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

/// Reads `input`, applies `request`, writes the new backup to `output` and
/// then the manifest.
pub fn scrub(
    input: &Input,
    output: &Output,
    request: &LoadedRequest,
    options: &ScrubOptions,
) -> Result<ScrubSummary> {
    refuse_overwriting_input(input, output)?;
    let manifest_path = manifest_path(output, options.manifest.as_deref())?;
    let hasher = Hasher::new(options.key.clone());
    let mode = Mode::Scrub {
        on_unredactable: options.on_unredactable,
    };
    let engine = Engine::new(&request.request, hasher.clone(), mode);
    refuse_incomplete(engine.matcher())?;
    let input_digest = SharedDigest::default();
    let raw = input.open_counted(options.pipeline.progress.as_ref())?;
    let opened = container::open(
        Box::new(input_digest.reader(raw)),
        container::DEFAULT_MAX_WINDOW,
    )?;
    let container = opened.container;
    let compression = options.compress.unwrap_or(container.compression);
    let level = options.level.unwrap_or(compression.default_level());
    if !compression.level_range().contains(&level) {
        return Err(Error::new(ErrorKind::Usage(format!(
            "compression level {level} is out of range for {compression} ({:?})",
            compression.level_range()
        ))));
    }
    let out_compression = OutputCompression { compression, level };
    let read = input.read_options(options.max_message_size);
    let spool_dir = match output {
        Output::Path(path) => Some(parent_dir(path)),
        Output::Stdout => None,
    };
    let record = RecordOptions {
        dry_run: false,
        strict: options.strict,
    };
    // Errors name members as reports do: never a path holding an identifier.
    let redact = |e: Error| e.redact_member(|path| report_path(engine.matcher(), &hasher, path));
    let (run, output_digest) = write_atomically(output, |writer| {
        let encoder =
            Encoder::new(HashingWriter::new(writer), out_compression).map_err(write_error)?;
        let policy = (!engine.matcher().is_empty()).then(|| ScrubPolicy {
            matcher: engine.matcher(),
            hasher: &hasher,
        });
        let repacker = Repacker::new(encoder, spool_dir, policy);
        let mut recorder = Recorder::new(
            repacker,
            &request.request,
            engine.matcher(),
            &hasher,
            record,
            |_| Ok(()),
        );
        pipeline::run(opened, &read, &engine, &mut recorder, &options.pipeline)?;
        let mut record = recorder.finish()?;
        let (encoder, report) = record.inner.finish()?;
        let (_, digest) = encoder.finish().map_err(write_error)?.into_parts();
        let member = |path: &[u8]| report_path(engine.matcher(), &hasher, path);
        for dropped in &report.dropped {
            record.totals.sidecars_dropped += 1;
            record.removals.push(Removal {
                member: member(&dropped.path),
                index: 0,
                action: manifest::Action::Drop,
                subjects: Vec::new(),
                roles: Vec::new(),
                original_blake3: dropped.original_blake3.clone(),
                original_bytes: dropped.bytes,
                sanitized_blake3: None,
                sanitized_bytes: None,
                part: None,
                reason: Some(dropped.reason.to_owned()),
            });
        }
        for renamed in &report.renamed {
            record.totals.renamed += 1;
            let from = RenamedMember::name_bytes(&renamed.from_path, &renamed.from_link);
            let to = RenamedMember::name_bytes(&renamed.to_path, &renamed.to_link);
            record.removals.push(Removal {
                member: member(&renamed.from_path),
                index: 0,
                action: manifest::Action::Rename,
                subjects: Vec::new(),
                roles: Vec::new(),
                original_blake3: hasher.message(&from),
                original_bytes: from.len() as u64,
                sanitized_blake3: Some(hasher.message(&to)),
                sanitized_bytes: Some(to.len() as u64),
                part: None,
                reason: Some("member name held an identifier".into()),
            });
        }
        let stats = report.stats;
        let recorded = (
            record.removals,
            record.warnings,
            record.totals,
            record.counts,
            stats,
        );
        Ok((recorded, digest))
    })
    .map_err(redact)?;
    let (removals, warnings, totals, counts, stats) = run;
    let container_name = container_name(container, counts.bare_format);
    let mut manifest = Manifest {
        format: FORMAT_V1.to_owned(),
        tool: Tool::current(),
        created: now_rfc3339(),
        keyed: false,
        request: request_record(request),
        input: StreamRecord {
            blake3: input_digest.digest().hash.to_hex().to_string(),
            bytes: input_digest.digest().bytes,
            container: container_name.to_owned(),
            compression: container.compression.to_string(),
            members: counts.members,
            messages: counts.messages,
        },
        output: StreamRecord {
            blake3: output_digest.hash.to_hex().to_string(),
            bytes: output_digest.bytes,
            container: container_name.to_owned(),
            compression: compression.to_string(),
            members: stats.members,
            messages: stats.messages,
        },
        removals,
        warnings,
        totals,
        mac: None,
    };
    manifest.seal(&hasher);
    manifest
        .write(&manifest_path)
        .map_err(|e| Error::new(ErrorKind::Write(std::io::Error::other(e.to_string()))))?;
    Ok(ScrubSummary {
        manifest_path,
        manifest,
    })
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
    }
}

/// `tar`, or the format of a bare mailbox (`mbox`, `eml`).
pub fn container_name(container: Container, bare_format: Option<MailboxFormat>) -> &'static str {
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
    /// Counts of planned actions (as the scrub would apply them).
    pub totals: crate::manifest::Totals,
    /// Things a human should look at (identifiers outside messages).
    pub warnings: Vec<crate::manifest::Warning>,
    /// Members and messages read.
    pub counts: Counts,
}

/// The dry run: reads `input`, decides every message, writes nothing, and
/// hands each affected message to `on_affected`.
pub fn scan(
    input: &Input,
    request: &LoadedRequest,
    max_message_size: u64,
    pipeline_options: &PipelineOptions,
    on_affected: impl FnMut(&Affected<'_>) -> Result<()>,
) -> Result<ScanSummary> {
    let hasher = Hasher::default();
    let engine = Engine::new(&request.request, hasher.clone(), Mode::Scan);
    refuse_incomplete(engine.matcher())?;
    let opened = container::open(
        input.open_counted(pipeline_options.progress.as_ref())?,
        container::DEFAULT_MAX_WINDOW,
    )?;
    let container = opened.container;
    let read = input.read_options(max_message_size);
    let mut recorder = Recorder::new(
        NullSink,
        &request.request,
        engine.matcher(),
        &hasher,
        RecordOptions {
            dry_run: true,
            strict: false,
        },
        on_affected,
    );
    // Errors name members as reports do: never a path holding an identifier.
    let redact = |e: Error| e.redact_member(|path| report_path(engine.matcher(), &hasher, path));
    pipeline::run(opened, &read, &engine, &mut recorder, pipeline_options).map_err(redact)?;
    let record = recorder.finish().map_err(redact)?;
    Ok(ScanSummary {
        container,
        container_name: container_name(container, record.counts.bare_format),
        totals: record.totals,
        warnings: record.warnings,
        counts: record.counts,
    })
}

/// Lists the members of `input`, calling `on_member` for each as it ends.
pub fn list(
    input: &Input,
    max_message_size: u64,
    on_member: impl FnMut(&MemberSummary) -> Result<()>,
) -> Result<(Container, Totals)> {
    let opened = container::open(input.open()?, container::DEFAULT_MAX_WINDOW)?;
    let container = opened.container;
    let read = input.read_options(max_message_size);
    let mut inventory = Inventory::new(on_member);
    let sequential = PipelineOptions {
        threads: 1,
        ..PipelineOptions::default()
    };
    pipeline::run(opened, &read, &KeepAll, &mut inventory, &sequential)?;
    Ok((container, inventory.totals()))
}

fn write_error(e: io::Error) -> Error {
    Error::new(ErrorKind::Write(e))
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses an output path that names the input file.
/// Refuses a matcher that could not compile the whole request: it would
/// miss identifiers (fail closed, before any input is read).
pub(crate) fn refuse_incomplete(matcher: &Matcher) -> Result<()> {
    if matcher.is_complete() {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::Request(
            "the request is too large to compile for search".into(),
        )))
    }
}

fn refuse_overwriting_input(input: &Input, output: &Output) -> Result<()> {
    let (Input::Path(input), Output::Path(output)) = (input, output) else {
        return Ok(());
    };
    let same = match (input.canonicalize(), output.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(Error::new(ErrorKind::Usage(
            "the output path names the input file; the input is never modified".into(),
        )));
    }
    Ok(())
}

/// Runs `body` with a writer to `output`. A file output appears at its path
/// only if `body` succeeded and the data was synced to disk.
fn write_atomically<T>(
    output: &Output,
    body: impl FnOnce(&mut dyn Write) -> Result<T>,
) -> Result<T> {
    match output {
        Output::Stdout => {
            let stdout = io::stdout();
            let mut writer = BufWriter::with_capacity(1 << 20, stdout.lock());
            let value = body(&mut writer)?;
            writer.flush().map_err(write_error)?;
            Ok(value)
        }
        Output::Path(path) => {
            let dir = parent_dir(path);
            let file_name = path
                .file_name()
                .map_or_else(|| "output".to_owned(), |n| n.to_string_lossy().into_owned());
            let temp = tempfile::Builder::new()
                .prefix(&format!(".{file_name}."))
                .suffix(".mailscrub-tmp")
                .tempfile_in(&dir)
                .map_err(|e| {
                    Error::new(ErrorKind::Write(io::Error::new(
                        e.kind(),
                        format!("cannot create a temporary file in {}: {e}", dir.display()),
                    )))
                })?;
            let value = {
                let mut writer = BufWriter::with_capacity(1 << 20, temp.as_file());
                let value = body(&mut writer)?;
                writer.flush().map_err(write_error)?;
                value
            };
            temp.as_file().sync_all().map_err(write_error)?;
            temp.persist(path).map_err(|e| write_error(e.error))?;
            Ok(value)
        }
    }
}
