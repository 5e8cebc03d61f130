//! The operations behind the commands: where bytes come from and go to.
//!
//! The input is opened read-only and never written. A file output is written
//! to a temporary file beside its target and renamed into place only after
//! the whole pipeline succeeded and the data reached the disk; on any error
//! the temporary file is removed and the target keeps its previous state.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::container::{self, Compression, Container, Encoder, OutputCompression};
use crate::digest::{Digest, HashingWriter, SharedDigest};
use crate::error::{Error, ErrorKind, Result};
use crate::inventory::{Inventory, MemberSummary, Totals};
use crate::pipeline::{self, KeepAll, PipelineOptions};
use crate::repack::{RepackStats, Repacker};
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

    fn open(&self) -> Result<Box<dyn Read + Send>> {
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

    fn read_options(&self, max_message_size: u64) -> ReadOptions {
        ReadOptions {
            max_message_size,
            input_name: self.name(),
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
}

impl Default for ScrubOptions {
    fn default() -> Self {
        ScrubOptions {
            compress: None,
            level: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            pipeline: PipelineOptions::default(),
        }
    }
}

/// What `scrub` did.
#[derive(Debug, Clone, Copy)]
pub struct ScrubSummary {
    /// The input's container.
    pub input: Container,
    /// blake3 and length of the input as read (compressed bytes).
    pub input_digest: Digest,
    /// blake3 and length of the output as written.
    pub output_digest: Digest,
    /// The output's compression.
    pub output: OutputCompression,
    /// What was written.
    pub stats: RepackStats,
}

/// Reads `input`, and writes the new backup to `output`.
pub fn scrub(input: &Input, output: &Output, options: &ScrubOptions) -> Result<ScrubSummary> {
    refuse_overwriting_input(input, output)?;
    let input_digest = SharedDigest::default();
    let opened = container::open(Box::new(input_digest.reader(input.open()?)))?;
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
    let (stats, output_digest) = write_atomically(output, |writer| {
        let encoder =
            Encoder::new(HashingWriter::new(writer), out_compression).map_err(write_error)?;
        let mut repacker = Repacker::new(encoder, spool_dir);
        pipeline::run(opened, &read, &KeepAll, &mut repacker, &options.pipeline)?;
        let stats = repacker.stats();
        let (_, digest) = repacker
            .into_inner()
            .finish()
            .map_err(write_error)?
            .into_parts();
        Ok((stats, digest))
    })?;
    Ok(ScrubSummary {
        input: container,
        input_digest: input_digest.digest(),
        output_digest,
        output: out_compression,
        stats,
    })
}

/// Lists the members of `input`, calling `on_member` for each as it ends.
pub fn list(
    input: &Input,
    max_message_size: u64,
    on_member: impl FnMut(&MemberSummary) -> Result<()>,
) -> Result<(Container, Totals)> {
    let opened = container::open(input.open()?)?;
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
