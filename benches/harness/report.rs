//! The results: a table on standard output and the same figures as JSON.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

use super::corpus::Info;
use super::measure::Sample;

/// One line of the report.
#[derive(Serialize)]
pub struct Row {
    /// Run name, e.g. `scrub-10k`.
    pub name: String,
    /// The measured command line.
    pub command: String,
    /// The run it is compared with (`baseline` or `baseline-gz`).
    pub baseline: String,
    /// Figures, when the command succeeded.
    #[serde(flatten)]
    pub figures: Option<Figures>,
    /// Why the command failed, when it did.
    pub failed: Option<String>,
}

/// Figures of the median execution of a run, over the corpus size.
#[derive(Serialize)]
pub struct Figures {
    /// Uncompressed input (tar) megabytes (10^6 bytes) per wall second.
    pub mb_per_s: f64,
    /// Throughput relative to the baseline's; filled in once all runs are done.
    pub vs_baseline: Option<f64>,
    /// Wall seconds.
    pub wall_s: f64,
    /// User CPU seconds.
    pub user_s: f64,
    /// System CPU seconds.
    pub sys_s: f64,
    /// (user + sys) / wall, in percent of one core.
    pub cpu_percent: f64,
    /// Peak resident set size in MiB.
    pub peak_rss_mib: f64,
    /// Wall seconds of every execution, in the order they ran.
    pub wall_s_all: Vec<f64>,
}

impl Figures {
    /// Figures of the execution with the median wall time among `samples`
    /// (not empty), over an input of `tar_bytes` uncompressed bytes.
    pub fn new(samples: &[Sample], tar_bytes: u64) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        let sample = sorted[sorted.len() / 2];
        let wall = sample.wall_s.max(0.01);
        Figures {
            mb_per_s: tar_bytes as f64 / 1e6 / wall,
            vs_baseline: None,
            wall_s: sample.wall_s,
            user_s: sample.user_s,
            sys_s: sample.sys_s,
            cpu_percent: (sample.user_s + sample.sys_s) / wall * 100.0,
            peak_rss_mib: sample.max_rss_kib as f64 / 1024.0,
            wall_s_all: samples.iter().map(|s| s.wall_s).collect(),
        }
    }
}

/// Fills in each row's throughput ratio to its baseline.
pub fn compare(rows: &mut [Row]) {
    let speed = |rows: &[Row], name: &str| {
        rows.iter()
            .find(|r| r.name == name)
            .and_then(|r| r.figures.as_ref())
            .map(|f| f.mb_per_s)
    };
    for i in 0..rows.len() {
        let base = speed(rows, &rows[i].baseline);
        if let (Some(figures), Some(base)) = (rows[i].figures.as_mut(), base) {
            figures.vs_baseline = Some(figures.mb_per_s / base);
        }
    }
}

/// Prints the table.
pub fn print(rows: &[Row], info: &Info) {
    println!(
        "\ninput: {:.1} MB uncompressed ({:.1} MB .tar.zst), {} messages, largest {:.2} MiB\n",
        info.tar_bytes as f64 / 1e6,
        info.compressed_bytes as f64 / 1e6,
        info.messages,
        info.largest_message as f64 / f64::from(1 << 20)
    );
    println!(
        "{:<12} {:>9} {:>11} {:>8} {:>7} {:>13}",
        "run", "MB/s", "x baseline", "wall s", "CPU %", "peak RSS MiB"
    );
    for row in rows {
        match (&row.figures, &row.failed) {
            (Some(f), _) => println!(
                "{:<12} {:>9.1} {:>11} {:>8.2} {:>7.0} {:>13.1}",
                row.name,
                f.mb_per_s,
                f.vs_baseline
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
                f.wall_s,
                f.cpu_percent,
                f.peak_rss_mib
            ),
            (None, failed) => println!(
                "{:<12} failed ({})",
                row.name,
                failed.as_deref().unwrap_or("?")
            ),
        }
    }
}

/// Facts about the machine and the build that the figures depend on.
#[derive(Serialize)]
pub struct Machine {
    /// Logical CPUs available to the process.
    pub nproc: usize,
    /// CPU model from /proc/cpuinfo.
    pub cpu: Option<String>,
    /// `zstd --version`.
    pub zstd: Option<String>,
    /// `gzip --version` (first line).
    pub gzip: Option<String>,
    /// `git describe --always --dirty` of the source tree, when the measured
    /// binary is the one `cargo bench` built from it.
    pub mailscrub_git: Option<String>,
}

impl Machine {
    /// Collects the facts; any that cannot be found are `None`. `source` is
    /// the tree the measured binary was built from, if known.
    pub fn probe(source: Option<&Path>) -> Self {
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|text| {
                let line = text.lines().find(|l| l.starts_with("model name"))?;
                Some(line.split(':').nth(1)?.trim().to_owned())
            });
        Machine {
            nproc: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            zstd: first_line_of(Command::new("zstd").arg("--version")),
            gzip: first_line_of(Command::new("gzip").arg("--version")),
            mailscrub_git: source.and_then(|dir| {
                first_line_of(
                    Command::new("git")
                        .args(["describe", "--always", "--dirty"])
                        .current_dir(dir),
                )
            }),
        }
    }
}

/// The first line a command prints, if it succeeds.
fn first_line_of(command: &mut Command) -> Option<String> {
    let output = command.output().ok().filter(|o| o.status.success())?;
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()?
            .trim()
            .to_owned(),
    )
}

/// Everything written to the JSON results file.
#[derive(Serialize)]
pub struct Results<'a> {
    /// Seconds since the Unix epoch when the measurements finished.
    pub unix_time: u64,
    /// Executions per run (the median is reported).
    pub runs_per_measurement: u32,
    /// The machine.
    pub machine: Machine,
    /// The measured mailscrub binary.
    pub mailscrub: &'a Path,
    /// The corpus.
    pub corpus: &'a Info,
    /// The measured runs.
    pub rows: &'a [Row],
}
