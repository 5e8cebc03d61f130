//! Command-line options of the harness.

use std::path::PathBuf;

use clap::Parser;

use super::corpus::Profile;

/// Generates a deterministic mail-backup corpus and measures mailscrub
/// against a plain decompress-recompress copy (see docs/benchmarks.md).
#[derive(Debug, Parser)]
#[command(name = "harness")]
pub struct Args {
    /// Uncompressed corpus size (suffixes K, M, G: binary units).
    #[arg(long, default_value = "64M", value_parser = parse_size)]
    pub size: u64,
    /// Seed of the corpus and the requests.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory for the corpus, requests, outputs and results.
    #[arg(long, default_value = "target/bench")]
    pub out: PathBuf,
    /// Comma-separated corpus profiles to generate and measure: attachments
    /// (large base64 attachments), text (Enron-like small text mail), mixed.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["attachments", "text", "mixed"])]
    pub profile: Vec<Profile>,
    /// Reuse an existing corpus of the same profile, size, seed and --max-message.
    #[arg(long)]
    pub keep: bool,
    /// Upper bound on one generated message (suffixes K, M, G).
    #[arg(long, default_value = "8M", value_parser = parse_message_size)]
    pub max_message: u64,
    /// Comma-separated runs or families to measure (scan, scrub, verify,
    /// names such as scrub-10k, or with a profile, text/scrub-10k). The copy
    /// baseline always runs; verify-X also runs scrub-X (it checks its output).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Repetitions of each run; the run with the median wall time is reported.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Also measure a tar.gz variant (gzip baseline and scrub).
    #[arg(long)]
    pub gzip: bool,
    /// The mailscrub binary to measure (default: the one cargo just built).
    #[arg(long, value_name = "PATH", default_value = super::MAILSCRUB)]
    pub mailscrub: PathBuf,
    /// Only generate the corpus and the requests.
    #[arg(long)]
    pub generate_only: bool,
    /// Passed by `cargo bench`; ignored.
    #[arg(long = "bench", hide = true)]
    _bench: bool,
}

/// Parses a byte count with an optional binary suffix (K, M, G, T).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, shift) = match text.chars().last().map(|c| c.to_ascii_uppercase()) {
        Some('K') => (&text[..text.len() - 1], 10),
        Some('M') => (&text[..text.len() - 1], 20),
        Some('G') => (&text[..text.len() - 1], 30),
        Some('T') => (&text[..text.len() - 1], 40),
        _ => (text, 0),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("'{text}' is not a size (e.g. 64M, 1G)"))?;
    value
        .checked_mul(1 << shift)
        .filter(|&v| v > 0)
        .ok_or_else(|| format!("'{text}' is out of range"))
}

/// Parses `--max-message`, which must leave room for headers and text (64 KiB at least).
fn parse_message_size(text: &str) -> Result<u64, String> {
    parse_size(text).and_then(|v| {
        if v >= 64 << 10 {
            Ok(v)
        } else {
            Err("must be at least 64K".into())
        }
    })
}

/// A size as the shortest exact label: `64M`, `1G`, `1536K`, or bytes.
pub fn size_label(bytes: u64) -> String {
    [(40, "T"), (30, "G"), (20, "M"), (10, "K")]
        .iter()
        .find(|(shift, _)| bytes.is_multiple_of(1u64 << shift))
        .map_or_else(
            || bytes.to_string(),
            |(shift, unit)| format!("{}{unit}", bytes >> shift),
        )
}
