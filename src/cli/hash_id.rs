//! `mailscrub hash-id`: the hashed form of an identifier, for requests that
//! must not hold the personal data they erase.

use mailscrub::error::{Error, ErrorKind};
use mailscrub::request;

use super::Exit;
use super::report::Report;

/// Arguments of `hash-id`.
#[derive(Debug, clap::Args)]
pub struct HashIdArgs {
    /// The email address to hash (normalised first: lower case, `+tag` dropped).
    #[arg(long, value_name = "ADDR")]
    email: String,
}

pub fn run(args: HashIdArgs) -> Result<Exit, Error> {
    let hex = request::hash_email(&args.email)
        .map_err(|e| Error::new(ErrorKind::Usage(e.to_string())))?;
    let mut report = Report::new(std::io::stdout());
    report.text(format_args!("{hex}"))?;
    report.finish()?;
    Ok(Exit::Success)
}
