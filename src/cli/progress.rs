//! A progress line on standard error for long runs: bytes read (and the
//! share of the input, when its size is known), members, messages, rate.

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mailscrub::pipeline::Progress;

/// Options shared by the commands that run long.
#[derive(Debug, clap::Args)]
pub struct ProgressArgs {
    /// Print progress on standard error (default: when it is a terminal).
    #[arg(long, conflicts_with = "quiet")]
    progress: bool,
    /// Print neither progress nor the closing summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Reports progress from a thread of its own until finished.
pub struct Reporter {
    progress: Option<Arc<Progress>>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Reporter {
    /// Starts reporting if asked for (or if standard error is a terminal);
    /// `total` is the input's size when known.
    pub fn start(args: &ProgressArgs, total: Option<u64>) -> Reporter {
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
        let thread = std::thread::Builder::new()
            .name("mailscrub-progress".into())
            .spawn(move || report(&shown, total, terminal, every, &stopped))
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

fn report(
    progress: &Progress,
    total: Option<u64>,
    terminal: bool,
    every: Duration,
    stopped: &mpsc::Receiver<()>,
) {
    let start = Instant::now();
    while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
        let read = progress.input_bytes();
        let mib = read as f64 / (1 << 20) as f64;
        let rate = mib / start.elapsed().as_secs_f64().max(0.001);
        let share = match total {
            Some(total) if total > 0 => format!(" ({:.0}%)", read as f64 * 100.0 / total as f64),
            _ => String::new(),
        };
        let line = format!(
            "mailscrub: {mib:.0} MiB read{share}, {} members, {} messages, {rate:.0} MiB/s",
            progress.members(),
            progress.messages()
        );
        let mut err = std::io::stderr().lock();
        let _ = if terminal {
            write!(err, "\r\x1b[K{line}")
        } else {
            writeln!(err, "{line}")
        };
        let _ = err.flush();
    }
    if terminal {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}
