//! Runs one command as a child process under GNU time and reads its rusage.

use std::ffi::OsString;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// GNU time, which reports the child's rusage (wait4) in the format below.
const TIME: &str = "/usr/bin/time";
/// Wall seconds, user seconds, system seconds, peak RSS in KiB.
const FORMAT: &str = "%e %U %S %M";

/// One measured execution.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Elapsed wall-clock seconds (10 ms resolution).
    pub wall_s: f64,
    /// User CPU seconds, children included.
    pub user_s: f64,
    /// System CPU seconds, children included.
    pub sys_s: f64,
    /// Peak resident set size of the largest process in the tree, KiB.
    pub max_rss_kib: u64,
}

/// A command line to measure; standard output goes to /dev/null.
pub struct Job {
    /// Short name, used for the log files.
    pub name: String,
    /// The program and its arguments.
    pub argv: Vec<OsString>,
    /// A file the command writes, removed before each execution.
    pub output: Option<PathBuf>,
}

impl Job {
    /// The command line as a shell would take it, for the report.
    pub fn display(&self) -> String {
        let words: Vec<String> = self
            .argv
            .iter()
            .map(|a| shell_quote(&a.to_string_lossy()))
            .collect();
        words.join(" ")
    }
}

/// Runs `job` once under GNU time; its stderr and the rusage line go to `logs`.
pub fn once(job: &Job, logs: &Path) -> Result<Sample, String> {
    if let Some(output) = &job.output {
        remove_if_present(output)
            .map_err(|e| format!("cannot remove {}: {e}", output.display()))?;
    }
    let stderr_path = logs.join(format!("{}.stderr", job.name));
    let times_path = logs.join(format!("{}.time", job.name));
    let status = File::create(&stderr_path)
        .and_then(|stderr| {
            Command::new(TIME)
                .args(["-f", FORMAT, "-o"])
                .arg(&times_path)
                .args(&job.argv)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(stderr)
                .status()
        })
        .map_err(|e| format!("cannot run {TIME}: {e}"))?;
    if !status.success() {
        let code = status
            .code()
            .map_or_else(|| "killed".to_owned(), |c| c.to_string());
        return Err(format!("exit {code}: {}", first_line(&stderr_path)));
    }
    let times =
        std::fs::read_to_string(&times_path).map_err(|e| format!("no rusage from {TIME}: {e}"))?;
    parse(&times).ok_or_else(|| format!("unexpected {TIME} output: {times:?}"))
}

/// Parses the last line of GNU time's output in [`FORMAT`].
fn parse(times: &str) -> Option<Sample> {
    let fields: Vec<&str> = times.lines().last()?.split_whitespace().collect();
    let [wall, user, sys, rss] = fields.as_slice() else {
        return None;
    };
    Some(Sample {
        wall_s: wall.parse().ok()?,
        user_s: user.parse().ok()?,
        sys_s: sys.parse().ok()?,
        max_rss_kib: rss.parse().ok()?,
    })
}

/// The first non-empty line of a log file, or a placeholder.
fn first_line(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("(no stderr)")
        .trim()
        .to_owned()
}

/// Removes `path`; a missing file is fine.
pub fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `word` single-quoted when it contains anything but safe characters.
fn shell_quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}
