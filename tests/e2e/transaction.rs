//! One transaction, no partial states (issue "Integrity"): outputs that name
//! an input are refused, the output and the manifest appear together or not at
//! all (a full disk, a signal, a missing directory), temporary files never
//! outlive a run, and special files are written as streams, never replaced.

use std::ffi::OsStr;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::support::mail::{self, Quoting};
use crate::support::*;

const PREVIOUS_OUT: &[u8] = b"previous backup\n";
const PREVIOUS_MANIFEST: &[u8] = b"{\"previous\": \"manifest\"}\n";

/// A request for one fictional subject.
const REQUEST: &str = "[policy]\nsender = \"delete\"\nrecipient = \"delete\"\nmention = \"redact\"\n\n\
    [[subject]]\nid = \"REQ-1\"\nemails = [\"jane.doe@example.com\"]\n";

/// An mbox of `kept` messages between other people and `deleted` messages
/// from the subject.
fn mbox(kept: usize, deleted: usize) -> Vec<u8> {
    let mut msgs = Vec::new();
    for i in 0..kept {
        msgs.push(mail::message(
            "Bob Example <bob@example.org>",
            "carol@example.net",
            &format!("Minutes {i}"),
            &format!("Agenda item {i} was discussed at length.\n"),
        ));
    }
    for i in 0..deleted {
        msgs.push(mail::message(
            "Jane Doe <jane.doe@example.com>",
            "bob@example.org",
            &format!("Note {i}"),
            "Short note.\n",
        ));
    }
    mail::mbox(&msgs, Quoting::Mboxrd, "\n")
}

/// The names of this scheme's temporary files in `dir`.
fn temp_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".mailscrub-tmp"))
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Writes the previous `out` and `out.manifest.json` into `dir`.
fn previous_targets(dir: &Path) {
    fs::write(dir.join("out"), PREVIOUS_OUT).unwrap();
    fs::write(dir.join("out.manifest.json"), PREVIOUS_MANIFEST).unwrap();
}

/// Panics unless `out` and `out.manifest.json` in `dir` hold their previous
/// content and no temporary file is left.
fn assert_unchanged(label: &str, dir: &Path) {
    assert_eq!(
        fs::read(dir.join("out")).ok().as_deref(),
        Some(PREVIOUS_OUT),
        "{label}: the previous output was changed"
    );
    assert_eq!(
        fs::read(dir.join("out.manifest.json")).ok().as_deref(),
        Some(PREVIOUS_MANIFEST),
        "{label}: the previous manifest was changed"
    );
    assert_eq!(
        temp_files(dir),
        Vec::<String>::new(),
        "{label}: temporary files left"
    );
}

/// Waits up to `secs` for `child`; kills it and panics on timeout.
fn wait_for(label: &str, child: &mut Child, secs: u64) -> ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{label}: mailscrub still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `mailscrub args` in `dir` with standard input closed, with a timeout.
fn run_timed<S: AsRef<OsStr>>(label: &str, dir: &Path, args: &[S]) -> (ExitStatus, String) {
    let mut child = spawn(dir, args, Stdio::null());
    let status = wait_for(label, &mut child, 60);
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    (status, stderr)
}

fn spawn<S: AsRef<OsStr>>(dir: &Path, args: &[S], stdin: Stdio) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("mailscrub"))
        .current_dir(dir)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn mailscrub")
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mkfifo {}", path.display());
}

/// Sends signal `name` (e.g. `TERM`) to `child`.
fn signal(child: &Child, name: &str) {
    let ok = Command::new("kill")
        .arg(format!("-{name}"))
        .arg(child.id().to_string())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "kill -{name}");
}

/// Waits until a temporary file for `output` appears in `dir`; its name.
fn await_temp(label: &str, dir: &Path, output: &str, child: &mut Child) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let prefix = format!(".{output}.");
    loop {
        if let Some(name) = temp_files(dir).into_iter().find(|n| n.starts_with(&prefix)) {
            return name;
        }
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("{label}: mailscrub ended ({status}) before a temporary file appeared");
        }
        assert!(
            Instant::now() < deadline,
            "{label}: no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Starts `scrub - -o out` reading from a pipe that stays open, fed the
/// first part of an mbox, and waits for its temporary output file.
fn start_blocked_scrub(
    label: &str,
    w: &Work,
    output: &str,
) -> (Child, std::process::ChildStdin, String) {
    let req = w.request(REQUEST);
    let args: Vec<&OsStr> = vec![
        "scrub".as_ref(),
        "--subjects".as_ref(),
        req.as_os_str(),
        "-".as_ref(),
        "-o".as_ref(),
        output.as_ref(),
        "--quiet".as_ref(),
        "--force".as_ref(),
        "--threads".as_ref(),
        "1".as_ref(),
    ];
    let mut child = spawn(w.root(), &args, Stdio::piped());
    let mut stdin = child.stdin.take().expect("stdin");
    // Enough for the format to be recognised; the run then waits for more.
    stdin.write_all(&mbox(200, 20)).expect("feed stdin");
    stdin.flush().expect("flush stdin");
    let temp = await_temp(label, w.root(), output, &mut child);
    (child, stdin, temp)
}

/// `scrub --subjects request.toml in ARGS --quiet` in `w` (no default `-o`).
fn scrub_with(w: &Work, args: &[&str]) -> Run {
    let mut all = vec!["scrub", "--subjects", "request.toml", "in", "--quiet"];
    all.extend_from_slice(args);
    w.run(&all, None)
}

#[test]
fn outputs_naming_an_input_or_each_other_are_refused() {
    let w = Work::new();
    let input = mbox(3, 2);
    w.write("in", &input);
    let req = w.request(REQUEST);
    let request_bytes = fs::read(&req).unwrap();
    w.write("key", "07".repeat(32).as_bytes());
    std::os::unix::fs::symlink("in", w.path("link-to-in")).unwrap();
    fs::hard_link(w.path("in"), w.path("hard-to-in")).unwrap();
    fs::create_dir(w.path("sub")).unwrap();
    std::os::unix::fs::symlink(".", w.path("dirlink")).unwrap();
    let cases: &[(&str, &[&str])] = &[
        ("--manifest names the input", &["--manifest", "in"]),
        (
            "--manifest names the request",
            &["--manifest", "request.toml"],
        ),
        (
            "--manifest names the key file",
            &["--manifest", "key", "--manifest-key", "key"],
        ),
        ("--manifest names the output", &["--manifest", "out"]),
        (
            "--manifest through a symlink",
            &["--manifest", "link-to-in"],
        ),
        ("--manifest is a hard link", &["--manifest", "hard-to-in"]),
        ("--manifest via ..", &["--manifest", "sub/../in"]),
        ("--manifest via a linked dir", &["--manifest", "dirlink/in"]),
        (
            "--manifest via a linked dir to the output",
            &["--manifest", "dirlink/out"],
        ),
    ];
    for (label, extra) in cases {
        let mut args: Vec<&OsStr> = vec!["scrub".as_ref(), "--subjects".as_ref(), req.as_os_str()];
        args.extend(["in", "-o", "out"].map(OsStr::new));
        args.extend(extra.iter().map(OsStr::new));
        let (status, stderr) = run_timed(label, w.root(), &args);
        assert_eq!(status.code(), Some(2), "{label}: stderr {stderr}");
        assert!(stderr.contains("mailscrub: error:"), "{label}: {stderr}");
        assert_eq!(w.read("in").unwrap(), input, "{label}: input changed");
        assert_eq!(fs::read(&req).unwrap(), request_bytes, "{label}");
        assert_eq!(
            w.read("key").unwrap(),
            "07".repeat(32).as_bytes(),
            "{label}"
        );
        assert!(w.read("out").is_none(), "{label}: an output was written");
        assert_eq!(temp_files(w.root()), Vec::<String>::new(), "{label}");
    }
    for (label, output) in [
        ("-o names the request", "request.toml"),
        ("-o names the key", "key"),
        ("-o is a hard link to the input", "hard-to-in"),
        ("-o through a linked dir", "dirlink/in"),
    ] {
        let mut args: Vec<&OsStr> = vec!["scrub".as_ref(), "--subjects".as_ref(), req.as_os_str()];
        args.extend(["in", "-o", output, "--manifest", "m.json"].map(OsStr::new));
        args.extend(["--manifest-key", "key"].map(OsStr::new));
        let (status, stderr) = run_timed(label, w.root(), &args);
        assert_eq!(status.code(), Some(2), "{label}: stderr {stderr}");
        assert_eq!(w.read("in").unwrap(), input, "{label}: input changed");
        assert_eq!(fs::read(&req).unwrap(), request_bytes, "{label}");
        assert!(
            w.read("m.json").is_none(),
            "{label}: a manifest was written"
        );
    }
}

#[test]
fn a_refused_output_fails_before_any_input_is_read() {
    // The input is a FIFO nobody writes to: opening it would block.
    let w = Work::new();
    mkfifo(&w.path("in"));
    let req = w.request(REQUEST);
    let args: Vec<&OsStr> = vec![
        "scrub".as_ref(),
        "--subjects".as_ref(),
        req.as_os_str(),
        "in".as_ref(),
        "-o".as_ref(),
        "out".as_ref(),
        "--manifest".as_ref(),
        "request.toml".as_ref(),
    ];
    let (status, stderr) = run_timed("manifest names the request", w.root(), &args);
    assert_eq!(status.code(), Some(2), "stderr {stderr}");
}

#[test]
fn a_failed_manifest_write_leaves_the_previous_output() {
    let w = Work::new();
    w.write("in", &mbox(3, 2));
    previous_targets(w.root());
    let req = w.request(REQUEST);
    let run = w.scrub(&req, &["--manifest", "no-such-dir/m.json"]);
    assert_eq!(run.code, Some(2), "stderr {}", run.stderr);
    assert_unchanged("manifest in a missing directory", w.root());
}

/// A small tmpfs mounted for the test, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` bytes, or `None` (with a note) when this
    /// process may not mount.
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !mounted {
            eprintln!("skipping the tmpfs test: cannot mount a tmpfs here (needs root)");
            return None;
        }
        Some(Tmpfs { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

#[test]
fn a_full_disk_changes_neither_target() {
    let w = Work::new();
    // The output does not fit.
    w.write("big", &mbox(3000, 0));
    // The output fits, its manifest (2000 removals) does not.
    w.write("many", &mbox(1, 2000));
    let req = w.request(REQUEST);
    for (label, input) in [("output too large", "big"), ("manifest too large", "many")] {
        let Some(fs) = Tmpfs::mount("64k") else {
            return;
        };
        previous_targets(fs.path());
        let out = fs.path().join("out");
        let args: Vec<&OsStr> = vec![
            "scrub".as_ref(),
            "--subjects".as_ref(),
            req.as_os_str(),
            input.as_ref(),
            "-o".as_ref(),
            out.as_os_str(),
            "--quiet".as_ref(),
        ];
        let (status, stderr) = run_timed(label, w.root(), &args);
        assert_eq!(status.code(), Some(2), "{label}: stderr {stderr}");
        assert!(stderr.contains("mailscrub: error:"), "{label}: {stderr}");
        assert_unchanged(label, fs.path());
    }
}

#[test]
fn signals_remove_temporary_files_and_exit_128_plus_signo() {
    for (name, signo) in [("INT", 2), ("TERM", 15), ("HUP", 1)] {
        let label = format!("SIG{name}");
        let w = Work::new();
        previous_targets(w.root());
        let (mut child, stdin, temp) = start_blocked_scrub(&label, &w, "out");
        let mode = fs::metadata(w.path(&temp)).map(|m| m.permissions().mode() & 0o777);
        assert_eq!(mode.ok(), Some(0o600), "{label}: temporary file mode");
        assert!(
            temp.starts_with(".out."),
            "{label}: temporary name {temp} not derived from the output name"
        );
        signal(&child, name);
        let status = wait_for(&label, &mut child, 30);
        drop(stdin);
        assert_eq!(status.code(), Some(128 + signo), "{label}: {status}");
        assert_unchanged(&label, w.root());
    }
}

#[test]
fn a_later_run_removes_what_a_killed_run_left_but_not_a_live_runs_files() {
    let w = Work::new();
    let (mut killed, stdin, stale) = start_blocked_scrub("SIGKILL", &w, "out");
    signal(&killed, "KILL");
    let _ = wait_for("SIGKILL", &mut killed, 30);
    drop(stdin);
    assert!(w.path(&stale).exists(), "SIGKILL left nothing to clean");

    let (mut live, live_stdin, live_temp) = start_blocked_scrub("live run", &w, "other");
    assert_ne!(live_temp, stale);
    w.write("in", &mbox(3, 2));
    let req = w.request(REQUEST);
    w.scrub(&req, &["--quiet"]).success("the later run");
    let left = temp_files(w.root());
    assert!(
        !left.contains(&stale),
        "the stale temporary file {stale} is still there: {left:?}"
    );
    assert!(
        left.iter().any(|n| n.starts_with(".other.")),
        "the live run's temporary file was removed: {left:?}"
    );
    signal(&live, "TERM");
    let status = wait_for("live run", &mut live, 30);
    drop(live_stdin);
    assert_eq!(status.code(), Some(143));
    assert_eq!(temp_files(w.root()), Vec::<String>::new());
}

/// Reads everything from the FIFO at `path` on a thread of its own.
fn fifo_reader(path: PathBuf) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Ok(mut f) = fs::File::open(&path) {
            let _ = f.read_to_end(&mut bytes);
        }
        let _ = tx.send(bytes);
    });
    rx
}

#[test]
fn a_fifo_output_or_manifest_is_written_as_a_stream() {
    let w = Work::new();
    let input = mbox(3, 0);
    w.write("in", &input);
    let req = w.request(REQUEST);

    mkfifo(&w.path("out.fifo"));
    let received = fifo_reader(w.path("out.fifo"));
    let (status, stderr) = run_timed(
        "-o FIFO",
        w.root(),
        &[
            "scrub",
            "--subjects",
            "request.toml",
            "in",
            "-o",
            "out.fifo",
            "--manifest",
            "m.json",
        ],
    );
    assert_eq!(status.code(), Some(0), "-o FIFO: {stderr}");
    let bytes = received
        .recv_timeout(Duration::from_secs(30))
        .expect("the FIFO's reader got the output");
    assert_bytes_eq("-o FIFO", &input, &bytes);
    let kind = fs::symlink_metadata(w.path("out.fifo"))
        .unwrap()
        .file_type();
    assert!(kind.is_fifo(), "-o FIFO: the FIFO was replaced");
    assert!(w.read("m.json").is_some());

    mkfifo(&w.path("m.fifo"));
    let received = fifo_reader(w.path("m.fifo"));
    let (status, stderr) = run_timed(
        "--manifest FIFO",
        w.root(),
        &[
            "scrub",
            "--subjects",
            req.to_str().unwrap(),
            "in",
            "-o",
            "out",
            "--manifest",
            "m.fifo",
        ],
    );
    assert_eq!(status.code(), Some(0), "--manifest FIFO: {stderr}");
    let bytes = received
        .recv_timeout(Duration::from_secs(30))
        .expect("the FIFO's reader got the manifest");
    let manifest: serde_json::Value = serde_json::from_slice(&bytes).expect("manifest JSON");
    assert_eq!(manifest["format"], "mailscrub.manifest.v1");
    let kind = fs::symlink_metadata(w.path("m.fifo")).unwrap().file_type();
    assert!(kind.is_fifo(), "--manifest FIFO: the FIFO was replaced");
    assert_eq!(w.read("out").unwrap(), input);
}

/// Makes a character device node like /dev/null (1,3) or /dev/full (1,7)
/// in the scratch directory; `false` (with a note) when that is not allowed.
fn mknod(path: &Path, minor: &str) -> bool {
    let ok = Command::new("mknod")
        .arg(path)
        .args(["c", "1", minor])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipping device node checks: cannot mknod here (needs root)");
    }
    ok
}

#[test]
fn character_devices_are_written_not_replaced() {
    let w = Work::new();
    w.write("in", &mbox(3, 2));
    w.request(REQUEST);
    if !(mknod(&w.path("null"), "3") && mknod(&w.path("full"), "7")) {
        return;
    }
    let is_char = |name: &str| {
        fs::symlink_metadata(w.path(name)).is_ok_and(|m| m.file_type().is_char_device())
    };
    let run = scrub_with(&w, &["-o", "null", "--manifest", "m.json"]);
    assert_eq!(run.code, Some(0), "-o null: {}", run.stderr);
    assert!(is_char("null"), "-o null: the device was replaced");
    let manifest: serde_json::Value =
        serde_json::from_slice(&w.read("m.json").expect("manifest")).unwrap();
    assert_eq!(manifest["totals"]["deleted"], 2);

    let run = scrub_with(&w, &["-o", "out", "--manifest", "null"]);
    assert_eq!(run.code, Some(0), "--manifest null: {}", run.stderr);
    assert!(is_char("null"), "--manifest null: the device was replaced");

    fs::remove_file(w.path("out")).unwrap();
    let run = scrub_with(&w, &["-o", "full", "--manifest", "m2.json"]);
    assert_eq!(run.code, Some(2), "-o full: {}", run.stderr);
    assert!(is_char("full"), "-o full: the device was replaced");
    assert!(
        w.read("m2.json").is_none(),
        "-o full: a manifest was written"
    );

    previous_targets(w.root());
    let run = scrub_with(&w, &["-o", "out", "--manifest", "full"]);
    assert_eq!(run.code, Some(2), "--manifest full: {}", run.stderr);
    assert!(is_char("full"), "--manifest full: the device was replaced");
    assert_eq!(w.read("out").unwrap(), PREVIOUS_OUT, "--manifest full");
    assert_eq!(temp_files(w.root()), Vec::<String>::new());

    // The real /dev/null works too.
    let run = scrub_with(&w, &["-o", "/dev/null", "--manifest", "m3.json"]);
    assert_eq!(run.code, Some(0), "-o /dev/null: {}", run.stderr);
    assert!(fs::symlink_metadata("/dev/null").is_ok_and(|m| m.file_type().is_char_device()));
}

#[test]
fn other_special_files_are_refused() {
    let w = Work::new();
    w.write("in", &mbox(3, 2));
    w.request(REQUEST);
    fs::create_dir(w.path("dir")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(w.path("sock")).unwrap();
    for (label, extra) in [
        ("-o socket", ["-o", "sock", "--manifest", "m.json"]),
        ("--manifest socket", ["-o", "out", "--manifest", "sock"]),
        ("-o directory", ["-o", "dir", "--manifest", "m.json"]),
        ("--manifest directory", ["-o", "out", "--manifest", "dir"]),
    ] {
        let run = scrub_with(&w, &extra);
        assert_eq!(run.code, Some(2), "{label}: {}", run.stderr);
        assert!(run.stderr.contains("mailscrub: error:"), "{label}");
        let sock = fs::symlink_metadata(w.path("sock")).unwrap().file_type();
        assert!(sock.is_socket(), "{label}: the socket was replaced");
        assert!(
            w.path("dir").is_dir(),
            "{label}: the directory was replaced"
        );
        assert!(
            w.read("out").is_none() && w.read("m.json").is_none(),
            "{label}"
        );
        assert_eq!(temp_files(w.root()), Vec::<String>::new(), "{label}");
    }
}

#[test]
fn a_symlinked_target_is_replaced_at_its_destination() {
    let w = Work::new();
    let input = mbox(3, 2);
    w.write("in", &input);
    w.request(REQUEST);
    fs::create_dir(w.path("store")).unwrap();
    fs::write(w.path("store/real.mbox"), PREVIOUS_OUT).unwrap();
    std::os::unix::fs::symlink("store/real.mbox", w.path("link")).unwrap();
    // A dangling link: its destination is created.
    std::os::unix::fs::symlink("store/new.json", w.path("mlink")).unwrap();
    let run = scrub_with(&w, &["-o", "link", "--manifest", "mlink", "--force"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    for (link, dest) in [("link", "store/real.mbox"), ("mlink", "store/new.json")] {
        let meta = fs::symlink_metadata(w.path(link)).unwrap();
        assert!(meta.file_type().is_symlink(), "{link} was replaced");
        assert_eq!(fs::read_link(w.path(link)).unwrap(), Path::new(dest));
    }
    let out = fs::read(w.path("store/real.mbox")).unwrap();
    assert_ne!(out, PREVIOUS_OUT, "the link's destination was not written");
    assert!(out.len() < input.len() && !out.is_empty());
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(w.path("store/new.json")).unwrap()).unwrap();
    assert_eq!(manifest["totals"]["deleted"], 2);
    assert_eq!(temp_files(w.root()), Vec::<String>::new());
    assert_eq!(temp_files(&w.path("store")), Vec::<String>::new());
    let (status, stderr) = run_timed(
        "verify through the links",
        w.root(),
        &["verify", "link", "--manifest", "mlink", "--input", "in"],
    );
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn max_window_is_accepted_and_checked() {
    let w = Work::new();
    w.write("in", &mbox(3, 2));
    let req = w.request(REQUEST);
    for args in [
        vec!["list", "in", "--max-window", "8M"],
        vec![
            "scan",
            "--subjects",
            "request.toml",
            "in",
            "--max-window",
            "1G",
        ],
    ] {
        let run = w.run(&args, None).success(&args.join(" "));
        assert!(!run.stdout.is_empty());
    }
    w.scrub(&req, &["--max-window", "128M", "--quiet"])
        .success("scrub --max-window");
    let run = w.run(&["list", "in", "--max-window", "0"], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
}
