//! A progress line on standard error for long runs: the stage, bytes read
//! (and the share of the input and an estimate of the time left, when its
//! size is known), members, messages, rate.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mailscrub::error::counted;
use mailscrub::pipeline::{Progress, Stage};

/// Options shared by the commands that run long.
///
/// The progress line reads
/// `mailscrub: STAGE: 12.5 MiB read (40%), 3 members, 120 messages, 8 MiB/s, ETA 1m05s`:
/// the stage is `reading` (the input is being read, and its messages
/// processed and written), `writing` (`processing` for `scan` and
/// `verify`: the input was read to its end, its last messages are being
/// processed and written) or `finishing` (every member went through: the
/// output is flushed, read back and renamed, the manifest ended); the share
/// and the ETA appear only when the input's size is known, the ETA once 3%
/// of it was read (the time so far, scaled by the bytes left). The line is
/// rewritten in place every second on a terminal; elsewhere (`--progress`
/// into a file or a pipe) one line is written every 10 seconds and at each
/// change of stage, `finishing` included, once reached.
#[derive(Debug, clap::Args)]
pub struct ProgressArgs {
    /// Print progress on standard error (default: when it is a terminal).
    #[arg(long, conflicts_with = "quiet")]
    progress: bool,
    /// Quiet: print nothing but errors (no progress, no report, no summary);
    /// the exit code tells the result.
    #[arg(long, short, conflicts_with = "json")]
    pub quiet: bool,
}

/// Reports progress from a thread of its own until finished.
pub struct Reporter {
    progress: Option<Arc<Progress>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

/// How often the reporting thread looks at the counters (for a change of
/// stage); the line itself is written less often.
const TICK: Duration = Duration::from_millis(100);

/// Share of the input read before an ETA is shown: earlier, the rate says
/// little.
const ETA_AFTER_PERCENT: f64 = 3.0;

impl Reporter {
    /// Starts reporting if asked for (or if standard error is a terminal);
    /// `total` is the input's size when known; `writes` says whether the
    /// command writes a backup (its middle stage is then `writing`, else
    /// `processing`).
    pub fn start(args: &ProgressArgs, total: Option<u64>, writes: bool) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        if args.quiet || !(args.progress || terminal) {
            return Reporter {
                progress: None,
                stop: None,
                thread: None,
            };
        }
        let progress = Arc::new(Progress::default());
        let (stop, stopped) = mpsc::channel();
        let shown = Arc::clone(&progress);
        let every = if terminal {
            Duration::from_secs(1)
        } else {
            Duration::from_secs(10)
        };
        let display = Display {
            total,
            terminal,
            every,
            writes,
        };
        let thread = std::thread::Builder::new()
            .name("mailscrub-progress".into())
            .spawn(move || display.report(&shown, &stopped))
            .ok();
        Reporter {
            progress: Some(progress),
            stop: Some(stop),
            thread,
        }
    }

    /// The counters for the pipeline to update, if reporting.
    pub fn progress(&self) -> Option<Arc<Progress>> {
        self.progress.clone()
    }

    /// Stops reporting and clears the line.
    pub fn finish(mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// How the progress line is shown.
struct Display {
    total: Option<u64>,
    terminal: bool,
    every: Duration,
    writes: bool,
}

impl Display {
    /// Writes the line every `every` and at each change of stage until
    /// stopped; a `finishing` stage reached and not yet shown is shown then.
    fn report(&self, progress: &Progress, stopped: &mpsc::Receiver<()>) {
        let start = Instant::now();
        let mut shown: Option<(Instant, Stage)> = None;
        while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
            let stage = progress.stage();
            let due = match shown {
                None => start.elapsed() >= self.every,
                Some((at, was)) => was != stage || at.elapsed() >= self.every,
            };
            if due {
                self.show(&self.line(progress, stage, start.elapsed()));
                shown = Some((Instant::now(), stage));
            }
        }
        let stage = progress.stage();
        if stage == Stage::Finishing && shown.is_none_or(|(_, was)| was != stage) {
            self.show(&self.line(progress, stage, start.elapsed()));
        }
        if self.terminal {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }

    fn show(&self, line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = if self.terminal {
            write!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }

    /// The progress line (format in [`ProgressArgs`]).
    fn line(&self, progress: &Progress, stage: Stage, elapsed: Duration) -> String {
        let read = progress.input_bytes();
        let mib = read as f64 / (1 << 20) as f64;
        let seconds = elapsed.as_secs_f64().max(0.001);
        let rate = mib / seconds;
        let stage_name = match stage {
            Stage::Reading => "reading",
            Stage::Writing if self.writes => "writing",
            Stage::Writing => "processing",
            Stage::Finishing => "finishing",
        };
        let mut line = format!(
            "mailscrub: {stage_name}: {} MiB read",
            if mib < 10.0 {
                format!("{mib:.1}")
            } else {
                format!("{mib:.0}")
            }
        );
        if let Some(total) = self.total.filter(|t| *t > 0) {
            let percent = (read as f64 * 100.0 / total as f64).min(100.0);
            line.push_str(&format!(" ({percent:.0}%)"));
            let eta = (stage == Stage::Reading && percent >= ETA_AFTER_PERCENT)
                .then(|| seconds * (total.saturating_sub(read)) as f64 / read as f64);
            let counts = self.counts(progress, rate);
            line.push_str(&counts);
            if let Some(eta) = eta {
                line.push_str(&format!(", ETA {}", duration_words(eta)));
            }
            return line;
        }
        line.push_str(&self.counts(progress, rate));
        line
    }

    fn counts(&self, progress: &Progress, rate: f64) -> String {
        format!(
            ", {}, {}, {rate:.0} MiB/s",
            counted(progress.members(), "member", "members"),
            counted(progress.messages(), "message", "messages"),
        )
    }
}

/// Seconds as the ETA shows them: `45s`, `3m05s`, `2h07m`.
fn duration_words(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_words() {
        assert_eq!(duration_words(44.6), "45s");
        assert_eq!(duration_words(185.0), "3m05s");
        assert_eq!(duration_words(7620.0), "2h07m");
    }

    #[test]
    fn the_line_shows_stage_share_and_eta() {
        let display = Display {
            total: Some(1000 << 20),
            terminal: false,
            every: Duration::from_secs(10),
            writes: true,
        };
        let progress = Progress::default();
        let line = display.line(&progress, Stage::Reading, Duration::from_secs(1));
        assert_eq!(
            line,
            "mailscrub: reading: 0.0 MiB read (0%), 0 members, 0 messages, 0 MiB/s"
        );
        let line = display.line(&progress, Stage::Finishing, Duration::from_secs(1));
        assert!(line.starts_with("mailscrub: finishing: "), "{line}");
    }
}
