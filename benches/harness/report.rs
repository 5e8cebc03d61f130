//! The results: a table on standard output and the same figures as JSON.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Serialize;

use super::corpus::Info;
use super::measure::Sample;

/// One line of the report.
#[derive(Serialize)]
pub struct Row {
    /// Profile and run, e.g. `text/scrub-10k`.
    pub name: String,
    /// The corpus profile.
    pub profile: String,
    /// The run without the profile, e.g. `scrub-10k`.
    pub run: String,
    /// The measured command line.
    pub command: String,
    /// The run it is compared with (`<profile>/baseline` or `<profile>/baseline-gz`).
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
    /// Messages (each mbox message counted) per wall second.
    pub messages_per_s: f64,
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
    /// (not empty), over an input of `tar_bytes` uncompressed bytes and
    /// `messages` messages.
    pub fn new(samples: &[Sample], tar_bytes: u64, messages: u64) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(|a, b| a.wall_s.total_cmp(&b.wall_s));
        let sample = sorted[sorted.len() / 2];
        let wall = sample.wall_s.max(0.01);
        Figures {
            mb_per_s: tar_bytes as f64 / 1e6 / wall,
            messages_per_s: messages as f64 / wall,
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

/// Prints the table of the profile of `info`, its targets and what its
/// scrubs found.
pub fn print(rows: &[Row], info: &Info, detections: &[Detection]) {
    let profile = info.spec.profile.name();
    let largest = info.largest_message as f64 / f64::from(1 << 20);
    println!(
        "\n{profile}: {:.1} MB uncompressed ({:.1} MB .tar.zst), {} messages, largest {largest:.2} MiB\n",
        info.tar_bytes as f64 / 1e6,
        info.compressed_bytes as f64 / 1e6,
        info.messages,
    );
    println!(
        "{:<14} {:>9} {:>11} {:>11} {:>8} {:>7} {:>13}",
        "run", "MB/s", "messages/s", "x baseline", "wall s", "CPU %", "peak RSS MiB"
    );
    let rows: Vec<&Row> = rows.iter().filter(|r| r.profile == profile).collect();
    for row in &rows {
        match (&row.figures, &row.failed) {
            (Some(f), _) => println!(
                "{:<14} {:>9.1} {:>11.0} {:>11} {:>8.2} {:>7.0} {:>13.1}",
                row.run,
                f.mb_per_s,
                f.messages_per_s,
                f.vs_baseline
                    .map_or_else(|| "-".to_owned(), |r| format!("{r:.2}")),
                f.wall_s,
                f.cpu_percent,
                f.peak_rss_mib
            ),
            (None, failed) => println!(
                "{:<14} failed ({})",
                row.run,
                failed.as_deref().unwrap_or("?")
            ),
        }
    }
    println!(
        "\ntargets ({profile}): {}",
        targets(&rows, largest).join("; ")
    );
    for detection in detections.iter().filter(|d| d.profile == profile) {
        println!("{}", detection.line());
    }
}

/// The throughput target of a run, as a ratio to the copy baseline.
fn target(run: &str) -> Option<f64> {
    match run {
        "scrub-1" | "scrub-1-intl" => Some(0.8),
        "scrub-10k" => Some(0.7),
        _ if run.starts_with("scan-") || run.starts_with("verify-") => Some(1.0),
        _ => None,
    }
}

/// Each target of a profile's `rows`, met or not.
fn targets(rows: &[&Row], largest_mib: f64) -> Vec<String> {
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    let mut lines = Vec::new();
    for row in rows {
        let Some(goal) = target(&row.run) else {
            continue;
        };
        let line = match row.figures.as_ref().and_then(|f| f.vs_baseline) {
            Some(ratio) => format!(
                "{} {ratio:.2}x >= {goal:.1}x {}",
                row.run,
                verdict(ratio >= goal)
            ),
            None => format!("{} not measured", row.run),
        };
        lines.push(line);
    }
    let limit = 64.0 + largest_mib;
    let peak = rows
        .iter()
        .filter(|r| target(&r.run).is_some())
        .filter_map(|r| Some((r.figures.as_ref()?.peak_rss_mib, &r.run)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((rss, run)) = peak {
        lines.push(format!(
            "peak RSS {rss:.1} MiB ({run}) < {limit:.1} MiB {}",
            verdict(rss < limit)
        ));
    }
    lines
}

/// What one scrub's manifest says about the planted subjects.
#[derive(Serialize)]
pub struct Detection {
    /// The corpus profile.
    pub profile: String,
    /// The request set, e.g. `1-intl`.
    pub request: String,
    /// Messages in which the corpus planted each subject of the request.
    pub planted: BTreeMap<String, u64>,
    /// Messages the manifest deleted or redacted naming each planted subject.
    pub found: BTreeMap<String, u64>,
    /// Messages the manifest deleted or redacted in all (any subject, or
    /// none when a message could not be searched whole).
    pub removed: u64,
    /// Why the manifest could not be read, if it could not.
    pub error: Option<String>,
}

impl Detection {
    /// Reads the manifest of the scrub of `request` over the corpus `info`.
    pub fn read(info: &Info, request: &str, manifest: &Path) -> Self {
        let ids: &[&str] = match request {
            "1" => &[super::mail::PLANTED_ID],
            "1-intl" => &[super::intl::ID],
            _ => &[super::mail::PLANTED_ID, super::intl::ID],
        };
        let planted = ids
            .iter()
            .map(|id| {
                let n = info.affected_per_subject.get(*id).copied().unwrap_or(0);
                ((*id).to_owned(), n)
            })
            .collect();
        let mut detection = Detection {
            profile: info.spec.profile.name().to_owned(),
            request: request.to_owned(),
            planted,
            found: ids.iter().map(|id| ((*id).to_owned(), 0)).collect(),
            removed: 0,
            error: None,
        };
        let parsed = std::fs::read(manifest)
            .map_err(|e| e.to_string())
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes).map_err(|e| e.to_string())
            });
        let value = match parsed {
            Ok(value) => value,
            Err(error) => {
                detection.error = Some(format!("{}: {error}", manifest.display()));
                return detection;
            }
        };
        let removals = value["removals"].as_array().map_or(&[][..], Vec::as_slice);
        for removal in removals {
            if !matches!(removal["action"].as_str(), Some("delete" | "redact")) {
                continue;
            }
            detection.removed += 1;
            for subject in removal["subjects"]
                .as_array()
                .map_or(&[][..], Vec::as_slice)
            {
                if let Some(n) = subject.as_str().and_then(|s| detection.found.get_mut(s)) {
                    *n += 1;
                }
            }
        }
        detection
    }

    /// One line for the report.
    fn line(&self) -> String {
        if let Some(error) = &self.error {
            return format!("scrub-{}: manifest not read ({error})", self.request);
        }
        let subjects: Vec<String> = self
            .planted
            .iter()
            .map(|(id, planted)| {
                let found = self.found.get(id).copied().unwrap_or(0);
                format!("{id} planted in {planted}, found in {found}")
            })
            .collect();
        format!(
            "scrub-{}: {}; {} messages deleted or redacted in all",
            self.request,
            subjects.join(", "),
            self.removed
        )
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
    /// The corpora, one per profile.
    pub corpora: Vec<&'a Info>,
    /// The measured runs.
    pub rows: &'a [Row],
    /// What the scrubs found of the planted subjects.
    pub detections: &'a [Detection],
}
