//! Running the `mailscrub` binary in a scratch directory.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// A request file with a policy and no `[[subject]]`: scrub must change nothing.
pub const EMPTY_REQUEST: &str = "[policy]\n";

/// A fresh `mailscrub` command.
pub fn mailscrub() -> assert_cmd::Command {
    assert_cmd::Command::cargo_bin("mailscrub").expect("the mailscrub binary is built")
}

/// The result of one run.
#[derive(Debug)]
pub struct Run {
    /// Exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Captured stdout.
    pub stdout: Vec<u8>,
    /// Captured stderr, lossily decoded for assertions.
    pub stderr: String,
}

impl Run {
    /// Panic unless the run exited 0, showing `label` and stderr.
    pub fn success(self, label: &str) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "{label}: mailscrub failed; stderr:\n{}",
            self.stderr
        );
        self
    }

    /// stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("stdout is UTF-8")
    }
}

/// Run `mailscrub args...` in `cwd`, feeding `stdin` (empty if `None`).
pub fn run_in<S: AsRef<OsStr>>(cwd: &Path, args: &[S], stdin: Option<&[u8]>) -> Run {
    run_in_env(cwd, args, stdin, &[])
}

/// Like [`run_in`], with extra environment variables.
pub fn run_in_env<S: AsRef<OsStr>>(
    cwd: &Path,
    args: &[S],
    stdin: Option<&[u8]>,
    env: &[(&str, &str)],
) -> Run {
    let mut cmd = mailscrub();
    cmd.current_dir(cwd)
        .args(args)
        .envs(env.iter().copied())
        .write_stdin(stdin.unwrap_or_default().to_vec());
    let out = cmd.output().expect("spawn mailscrub");
    Run {
        code: out.status.code(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A scratch directory for inputs, outputs and request files.
pub struct Work {
    dir: TempDir,
}

impl Work {
    /// A new empty scratch directory.
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// The directory itself.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `name` inside the scratch directory (not created).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Write `bytes` to `name`, returning its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    /// Write `request.toml` with `toml`, returning its path.
    pub fn request(&self, toml: &str) -> PathBuf {
        self.write("request.toml", toml.as_bytes())
    }

    /// Run `mailscrub args...` here.
    pub fn run<S: AsRef<OsStr>>(&self, args: &[S], stdin: Option<&[u8]>) -> Run {
        run_in(self.root(), args, stdin)
    }

    /// Run `mailscrub args...` here with extra environment variables.
    pub fn run_env<S: AsRef<OsStr>>(&self, args: &[S], env: &[(&str, &str)]) -> Run {
        run_in_env(self.root(), args, None, env)
    }

    /// `scrub --subjects <empty request> in -o out <extra>` after writing `input` to `in`.
    /// Returns the run; `out` is [`Work::path`]`("out")`.
    pub fn scrub_empty(&self, input: &[u8], extra: &[&str]) -> Run {
        self.write("in", input);
        let req = self.request(EMPTY_REQUEST);
        self.scrub(&req, extra)
    }

    /// `scrub --subjects <request> in -o out <extra>`, with `in` already written.
    pub fn scrub(&self, request: &Path, extra: &[&str]) -> Run {
        let mut args: Vec<&OsStr> =
            vec!["scrub".as_ref(), "--subjects".as_ref(), request.as_os_str()];
        args.extend(["in", "-o", "out"].map(OsStr::new));
        args.extend(extra.iter().map(OsStr::new));
        self.run(&args, None)
    }

    /// Read a file written by a run, or `None` if it does not exist.
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.path(name)).ok()
    }
}

impl Default for Work {
    fn default() -> Self {
        Self::new()
    }
}

/// Scrub `input` file -> file with an empty request and `extra` arguments; the output bytes.
pub fn scrub_file(label: &str, input: &[u8], extra: &[&str]) -> Vec<u8> {
    let w = Work::new();
    w.scrub_empty(input, extra).success(label);
    w.read("out")
        .unwrap_or_else(|| panic!("{label}: exit 0 but no output file"))
}

/// Scrub `input` stdin -> stdout with an empty request (the manifest, which
/// standard output cannot carry, goes to a file); stdout bytes.
pub fn scrub_stdio(label: &str, input: &[u8], extra: &[&str]) -> Vec<u8> {
    let w = Work::new();
    let req = w.request(EMPTY_REQUEST);
    let mut args: Vec<&OsStr> = vec!["scrub".as_ref(), "--subjects".as_ref(), req.as_os_str()];
    args.extend(["-", "-o", "-", "--manifest", "manifest.json"].map(OsStr::new));
    args.extend(extra.iter().map(OsStr::new));
    w.run(&args, Some(input)).success(label).stdout
}
