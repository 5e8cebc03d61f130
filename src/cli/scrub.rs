//! `mailscrub scrub`: write a sanitized copy of a backup.

use std::path::PathBuf;

use mailscrub::container::Compression;
use mailscrub::error::{Error, ErrorKind};
use mailscrub::job::{self, Input, Output, ScrubOptions};
use mailscrub::pipeline::PipelineOptions;

use super::{Exit, ReadArgs};

/// Arguments of `scrub`.
#[derive(Debug, clap::Args)]
pub struct ScrubArgs {
    /// The erasure request (TOML, see docs/request.md).
    #[arg(long, value_name = "FILE")]
    subjects: PathBuf,
    #[command(flatten)]
    read: ReadArgs,
    /// Where the new backup goes; `-` writes standard output. A file appears
    /// only when the run succeeded (written to a temporary file, then renamed).
    #[arg(short, long, value_name = "OUTPUT")]
    output: PathBuf,
    /// Output compression; default: the same as the input's.
    #[arg(long, value_enum)]
    compress: Option<CompressArg>,
    /// Compression level (zstd 1-22, default 3; gzip 0-9, default 6).
    #[arg(long)]
    level: Option<i32>,
    /// Worker threads; 1 runs single-threaded. Default: all cores.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum CompressArg {
    None,
    Gzip,
    Zstd,
}

impl From<CompressArg> for Compression {
    fn from(arg: CompressArg) -> Self {
        match arg {
            CompressArg::None => Compression::None,
            CompressArg::Gzip => Compression::Gzip,
            CompressArg::Zstd => Compression::Zstd,
        }
    }
}

pub fn run(args: ScrubArgs) -> Result<Exit, Error> {
    std::fs::read(&args.subjects).map_err(|source| {
        Error::new(ErrorKind::Open {
            path: args.subjects.clone(),
            source,
        })
    })?;
    let mut pipeline = PipelineOptions::default();
    if let Some(threads) = args.threads {
        pipeline.threads = threads.max(1);
    }
    let options = ScrubOptions {
        compress: args.compress.map(Compression::from),
        level: args.level,
        max_message_size: args.read.max_message_size,
        pipeline,
    };
    let input = Input::parse(&args.read.input);
    let output = Output::parse(&args.output);
    let summary = job::scrub(&input, &output, &options)?;
    let stats = summary.stats;
    eprintln!(
        "mailscrub: {} members, {} messages written ({} deleted, {} redacted); output {} level {}",
        stats.members,
        stats.messages,
        stats.deleted,
        stats.replaced,
        summary.output.compression,
        summary.output.level
    );
    Ok(Exit::Success)
}
