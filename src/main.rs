//! The `mailscrub` command: parses arguments, calls the library, renders.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    one_malloc_arena();
    let args = cli::Cli::parse();
    cli::signals::install(cli::cancel());
    let result = cli::run(args);
    if let Some(code) = cli::signals::exit_code() {
        // The signal thread is removing the temporary files and exits the
        // same way; this run saw the cancel first.
        std::thread::park_timeout(std::time::Duration::from_secs(5));
        return ExitCode::from(code);
    }
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("mailscrub: error: {err}");
            cli::Exit::Error.into()
        }
    }
}

/// Makes glibc's allocator use one arena for all threads. By default each
/// thread that allocates gets its own arena, which keeps the memory of the
/// large message buffers it once held: with the reader, the workers, the
/// writer and zstd's threads that added 20-30 MB to the peak resident size
/// of a scrub (measured in `docs/benchmarks.md`), for no speed gain.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn one_malloc_arena() {
    // SAFETY: `mallopt` only sets an allocator parameter; it runs first in
    // `main`, before any other thread exists. Its result (0 on failure)
    // leaves the default behaviour, which is correct, only larger.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Other platforms keep their allocator's defaults.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}
