//! The writer of the reports `list`, `scan` and `verify` print: text lines
//! or JSON Lines, with one mapping of their write errors.

use std::fmt;
use std::io::{BufWriter, Write};

use mailscrub::error::{Error, ErrorKind, escape_for_terminal};

/// A report on its way to its reader, one line at a time. Its write errors
/// are [`ErrorKind::Write`] (a reader that went away is a broken pipe,
/// which the commands end on quietly).
pub(super) struct Report<W: Write> {
    out: W,
}

impl Report<Box<dyn Write>> {
    /// A report on standard output, buffered (flushed by [`Report::finish`]).
    pub(super) fn stdout() -> Self {
        Report::new(Box::new(BufWriter::new(std::io::stdout().lock())))
    }

    /// A report nobody reads, for `--quiet`: the run goes on as it would,
    /// its errors still reach standard error.
    pub(super) fn quiet() -> Self {
        Report::new(Box::new(std::io::sink()))
    }
}

impl<W: Write> Report<W> {
    /// A report written to `out` as it is.
    pub(super) fn new(out: W) -> Self {
        Report { out }
    }

    /// Writes one text line; a path in it goes through [`path`].
    pub(super) fn text(&mut self, line: fmt::Arguments<'_>) -> Result<(), Error> {
        writeln!(self.out, "{line}").map_err(write_error)
    }

    /// Writes one JSON line: `value` in compact form.
    pub(super) fn json(&mut self, value: &serde_json::Value) -> Result<(), Error> {
        writeln!(self.out, "{value}").map_err(write_error)
    }

    /// Flushes what is left to the reader.
    pub(super) fn finish(mut self) -> Result<(), Error> {
        self.out.flush().map_err(write_error)
    }
}

/// A member path (or report form of one) as a text line shows it: control
/// characters, quotes and backslashes escaped, so that no path can move the
/// cursor or forge a line of the report.
pub(super) fn path(path: &str) -> String {
    escape_for_terminal(path)
}

fn write_error(e: std::io::Error) -> Error {
    Error::new(ErrorKind::Write(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_json_lines_are_written_as_given() {
        let mut bytes = Vec::new();
        let mut report = Report::new(&mut bytes);
        report
            .text(format_args!(
                "{:<8}{}: {}",
                "OK",
                "manifest",
                path("a\u{1b}b")
            ))
            .unwrap();
        report
            .json(&serde_json::json!({"type": "summary", "path": "a\u{1b}b", "n": 2}))
            .unwrap();
        report.finish().unwrap();
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "OK      manifest: a\\u{1b}b\n{\"n\":2,\"path\":\"a\\u001bb\",\"type\":\"summary\"}\n"
        );
    }

    /// Fails every write with `kind`.
    struct Failing(std::io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Err(self.0.into())
        }
    }

    #[test]
    fn write_errors_are_write_errors_and_a_gone_reader_a_broken_pipe() {
        let mut report = Report::new(Failing(std::io::ErrorKind::BrokenPipe));
        let e = report.text(format_args!("x")).unwrap_err();
        assert!(e.is_broken_pipe(), "{e}");
        let e = report.json(&serde_json::json!({})).unwrap_err();
        assert!(e.is_broken_pipe(), "{e}");
        assert!(report.finish().unwrap_err().is_broken_pipe());
        let mut full = Report::new(Failing(std::io::ErrorKind::StorageFull));
        let e = full.text(format_args!("x")).unwrap_err();
        assert!(matches!(e.kind(), ErrorKind::Write(_)) && !e.is_broken_pipe());
    }
}
