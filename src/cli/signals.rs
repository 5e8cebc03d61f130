//! SIGINT, SIGTERM and SIGHUP: cancel the run, remove its temporary files,
//! exit 128 + the signal's number. The library knows nothing of signals:
//! a thread of the binary waits for them (signal-hook) and calls
//! [`Cancel::cancel`], which removes every registered temporary file at
//! once, even while the run is blocked reading its input.

use std::sync::atomic::{AtomicI32, Ordering};

use mailscrub::ops::Cancel;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// The signal received, or 0.
static RECEIVED: AtomicI32 = AtomicI32::new(0);

/// Starts the thread that turns a signal into a cancel and an exit. If the
/// handlers cannot be installed, the signals keep their default action
/// (a killed run's temporary files are removed by the next run).
pub fn install(cancel: &Cancel) {
    let Ok(mut signals) = Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    let cancel = cancel.clone();
    let spawned = std::thread::Builder::new()
        .name("mailscrub-signals".into())
        .spawn(move || {
            if let Some(signo) = signals.forever().next() {
                RECEIVED.store(signo, Ordering::SeqCst);
                cancel.cancel();
                eprintln!(
                    "mailscrub: {}: stopped; no temporary file left behind",
                    name(signo)
                );
                std::process::exit(128 + signo);
            }
        });
    if spawned.is_err() {
        eprintln!("mailscrub: warning: cannot watch for signals");
    }
}

/// The exit code for a signal received while the run was ending: the run
/// may have seen the cancel before the signal thread exited.
pub fn exit_code() -> Option<u8> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        signo => u8::try_from(128 + signo).ok(),
    }
}

fn name(signo: i32) -> &'static str {
    match signo {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "signal",
    }
}
