//! The `mailscrub` command: parses arguments, calls the library, renders.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            eprintln!("mailscrub: error: {err}");
            cli::Exit::Error.into()
        }
    }
}
