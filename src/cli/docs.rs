//! `mailscrub man DIR` and `mailscrub completions SHELL`: the man pages and
//! the shell completions, generated from the command-line definition so
//! that they always describe the binary that prints them.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use clap::CommandFactory;
use clap_complete::Shell;
use mailscrub::error::{Error, ErrorKind};

use super::{Cli, Exit};

/// Arguments of `man`.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The directory to write the pages into (created if missing): one page
    /// per command, `mailscrub.1`, `mailscrub-scan.1`, ...; pages of an
    /// earlier run are replaced.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// Arguments of `completions`.
#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// Writes one man page per command into the directory, each atomically
/// (a temporary file in the directory, renamed into place).
pub fn man(args: ManArgs) -> Result<Exit, Error> {
    let cmd = Cli::command().disable_help_subcommand(true);
    std::fs::create_dir_all(&args.dir).map_err(|e| write_error(&args.dir, e))?;
    for (name, page) in man_pages(cmd).map_err(|e| write_error(&args.dir, e))? {
        let path = args.dir.join(&name);
        write_atomically(&args.dir, &path, &page).map_err(|e| write_error(&path, e))?;
    }
    Ok(Exit::Success)
}

/// Prints the completion script for a shell on standard output.
pub fn completions(args: CompletionsArgs) -> Result<Exit, Error> {
    // Rendered into memory first: the generators panic on a failed write
    // (a reader that went away), this way it is an error like any other.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "mailscrub", &mut script);
    let mut out = io::stdout().lock();
    out.write_all(&script)
        .and_then(|()| out.flush())
        .map_err(|e| Error::new(ErrorKind::Write(e)))?;
    Ok(Exit::Success)
}

/// The pages of a command and of its visible subcommands: file name and
/// roff text.
fn man_pages(mut cmd: clap::Command) -> io::Result<Vec<(String, Vec<u8>)>> {
    cmd.build();
    let mut pages = vec![man_page(cmd.clone())?];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(man_page(sub.clone())?);
    }
    Ok(pages)
}

/// One page: clap_mangen's sections, then the command's after-help text,
/// one section per block (`Examples:` becomes EXAMPLES), its lines kept as
/// they are (clap_mangen would fill them into one paragraph).
fn man_page(cmd: clap::Command) -> io::Result<(String, Vec<u8>)> {
    let extra = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(ToString::to_string);
    let has_subcommands = cmd.has_subcommands();
    let has_version = cmd.get_version().is_some();
    let man = clap_mangen::Man::new(cmd).source(concat!("mailscrub ", env!("CARGO_PKG_VERSION")));
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    if has_subcommands {
        man.render_subcommands_section(&mut page)?;
    }
    if let Some(text) = extra {
        page.extend_from_slice(after_help_roff(&text).as_bytes());
    }
    if has_version {
        man.render_version_section(&mut page)?;
    }
    Ok((man.get_filename(), page))
}

/// An after-help text as roff: a line ending in `:` at the start of a line
/// opens a section named by it; every other line is kept as it is
/// (no filling, no adjusting).
fn after_help_roff(text: &str) -> String {
    let mut roff = String::new();
    let mut open = false;
    for line in text.lines() {
        if let Some(heading) = line.strip_suffix(':').filter(|h| !h.starts_with(' ')) {
            if open {
                roff.push_str(".fi\n");
            }
            roff.push_str(&format!(".SH {}\n.nf\n", escape(&heading.to_uppercase())));
            open = true;
        } else {
            if !open {
                // Text before any heading (none of ours has any).
                roff.push_str(".SH NOTES\n.nf\n");
                open = true;
            }
            roff.push_str(&format!("{}\n", escape_line(line)));
        }
    }
    if open {
        roff.push_str(".fi\n");
    }
    roff
}

/// A text line for roff: escaped, and never read as a request.
fn escape_line(line: &str) -> String {
    if line.is_empty() {
        // An empty line in no-fill mode is a blank line already; `\&`
        // keeps it from being mistaken for anything else.
        return "\\&".to_owned();
    }
    format!("\\&{}", escape(line))
}

/// Escapes roff's backslash, and writes `-` and `'` as the ASCII
/// characters (groff would typeset a hyphen and a right quote, which do
/// not paste back into a shell).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' => out.push_str("\\-"),
            '\'' => out.push_str("\\(aq"),
            '`' => out.push_str("\\(ga"),
            '~' => out.push_str("\\(ti"),
            '^' => out.push_str("\\(ha"),
            c => out.push(c),
        }
    }
    out
}

/// Renames a temporary file holding `bytes` to `path`, both in `dir`. The
/// page is readable by all (mode 0644), as installed man pages are.
fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = tempfile::Builder::new()
        .prefix(".mailscrub-man.")
        .tempfile_in(dir)?;
    file.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// A failed write of the pages, naming the file or directory.
fn write_error(path: &Path, e: io::Error) -> Error {
    Error::new(ErrorKind::Write(io::Error::new(
        e.kind(),
        format!("{}: {e}", path.display()),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_help_blocks_become_sections_with_their_lines_kept() {
        let roff =
            after_help_roff("Examples:\n  # a\n  mailscrub scan --json x\n\nExit codes: 0\n");
        assert_eq!(
            roff,
            ".SH EXAMPLES\n.nf\n\\&  # a\n\\&  mailscrub scan \\-\\-json x\n\\&\n\\&Exit codes: 0\n.fi\n"
        );
    }

    #[test]
    fn a_heading_closes_the_section_before_it() {
        let roff = after_help_roff("Examples:\n  x\nReport:\n  y\n");
        assert_eq!(
            roff,
            ".SH EXAMPLES\n.nf\n\\&  x\n.fi\n.SH REPORT\n.nf\n\\&  y\n.fi\n"
        );
    }

    #[test]
    fn every_command_has_a_page_with_examples() {
        let pages = man_pages(Cli::command().disable_help_subcommand(true)).unwrap();
        let names: Vec<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "mailscrub.1",
                "mailscrub-list.1",
                "mailscrub-scan.1",
                "mailscrub-scrub.1",
                "mailscrub-verify.1",
                "mailscrub-hash-id.1",
                "mailscrub-man.1",
                "mailscrub-completions.1",
            ]
        );
        for (name, page) in &pages {
            let page = String::from_utf8_lossy(page);
            assert!(page.contains(".SH EXAMPLES"), "{name}");
        }
    }
}
