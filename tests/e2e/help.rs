//! The way in for a new user, through the binary: examples in every
//! `--help`, man pages `man` accepts, completions the shells accept, and the
//! commented example request in `testdata/`.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

use crate::support::*;

/// The subcommands (besides clap's `help`), as `mailscrub --help` lists them.
const COMMANDS: [&str; 7] = [
    "list",
    "scan",
    "scrub",
    "verify",
    "hash-id",
    "man",
    "completions",
];

/// `mailscrub ARGS --help` (or `mailscrub --help` for no command), as text.
fn help(command: Option<&str>) -> String {
    let work = Work::new();
    let args: Vec<&str> = command.into_iter().chain(["--help"]).collect();
    run_in(work.root(), &args, None)
        .success("--help")
        .stdout_text()
}

/// The command lines of a help text's `Examples:` block, a line continued
/// with `\` joined to the next, trimmed.
fn example_lines(help: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut in_examples = false;
    let mut pending = String::new();
    for line in help.lines() {
        if line == "Examples:" {
            in_examples = true;
            continue;
        }
        if !in_examples {
            continue;
        }
        if line.trim().is_empty() {
            break;
        }
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(start) => pending.push_str(start),
            None => {
                pending.push_str(line);
                lines.push(std::mem::take(&mut pending));
            }
        }
    }
    lines
}

/// The words of a `mailscrub ...` command line, from the command's name up
/// to a pipe or a redirection; `None` when the line does not run mailscrub.
fn mailscrub_words(line: &str) -> Option<Vec<&str>> {
    let mut words = line.split_whitespace();
    words.by_ref().find(|w| *w == "mailscrub")?;
    Some(
        words
            .take_while(|w| !matches!(*w, "|" | "<" | ">" | ">>" | ";"))
            .collect(),
    )
}

/// True when the help text lists the flag (`--name` or `-x`) as an option
/// (not merely as the start of a longer one).
fn lists_flag(help: &str, flag: &str) -> bool {
    help.match_indices(flag).any(|(at, _)| {
        let before = help[..at].chars().next_back();
        let after = help[at + flag.len()..].chars().next();
        matches!(before, Some(' ' | '\n' | '['))
            && matches!(after, Some(' ' | ',' | '\n' | ']' | '|' | '='))
    })
}

#[test]
fn the_top_level_help_lists_exactly_these_commands() {
    let help = help(None);
    let listed: Vec<&str> = help
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .collect();
    assert_eq!(listed, COMMANDS);
}

#[test]
fn every_help_has_examples_of_its_own_command() {
    for command in std::iter::once(None).chain(COMMANDS.map(Some)) {
        let help = help(command);
        assert!(
            help.lines().any(|l| l == "Examples:"),
            "{command:?}: no Examples: section in --help:\n{help}"
        );
        let lines = example_lines(&help);
        let runs: Vec<Vec<&str>> = lines.iter().filter_map(|l| mailscrub_words(l)).collect();
        assert!(
            runs.len() >= 2,
            "{command:?}: fewer than two `mailscrub ...` examples:\n{help}"
        );
        for words in runs {
            let name = words.first().copied().unwrap_or_default();
            match command {
                Some(command) => assert_eq!(name, command, "an example of {command}: {words:?}"),
                None => assert!(COMMANDS.contains(&name), "a top-level example: {words:?}"),
            }
        }
    }
}

#[test]
fn examples_use_only_flags_their_command_has() {
    let mut checked = 0;
    for command in std::iter::once(None).chain(COMMANDS.map(Some)) {
        for line in example_lines(&help(command)) {
            let Some(words) = mailscrub_words(&line) else {
                continue;
            };
            let (name, args) = words.split_first().expect("a command name");
            let command_help = help(Some(name));
            // The options, without the examples themselves.
            let options = command_help
                .split("\nExamples:\n")
                .next()
                .unwrap_or_default();
            for flag in args.iter().filter(|w| w.starts_with('-') && w.len() > 1) {
                let flag = flag.split('=').next().unwrap_or(flag);
                assert!(
                    lists_flag(options, flag),
                    "example `{line}` uses {flag}, which `mailscrub {name} --help` does not list"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 20, "only {checked} flags in the examples");
}

#[test]
fn scan_help_explains_its_report() {
    let help = help(Some("scan"));
    for field in [
        "#0",
        "subjects=",
        "roles=",
        "found=",
        "message-id=",
        "the summary:",
    ] {
        assert!(
            help.contains(field),
            "scan --help does not explain {field}:\n{help}"
        );
    }
}

/// True when `program --version` runs (the program is installed).
fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn man_writes_a_page_per_command_that_man_reads() {
    let work = Work::new();
    let dir = work.path("man");
    run_in(work.root(), &["man", "man"], None).success("man");
    let mut pages: Vec<String> = std::fs::read_dir(&dir)
        .expect("the man directory exists")
        .map(|e| e.expect("entry").file_name().into_string().expect("UTF-8"))
        .collect();
    pages.sort();
    let mut expected: Vec<String> = std::iter::once("mailscrub.1".to_owned())
        .chain(COMMANDS.map(|c| format!("mailscrub-{c}.1")))
        .collect();
    expected.sort();
    assert_eq!(
        pages, expected,
        "one page per command, no temporary file left"
    );
    if !have("man") {
        eprintln!(
            "man_writes_a_page_per_command_that_man_reads: `man` is not installed; pages not rendered"
        );
        return;
    }
    for page in &pages {
        let out = Command::new("man")
            .arg("-l")
            .arg(dir.join(page))
            .env("MANWIDTH", "80")
            .env_remove("MANPAGER")
            .env_remove("PAGER")
            .output()
            .expect("run man");
        let text = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "man -l {page}: {stderr}");
        assert!(!stderr.contains("warning"), "man -l {page} warns: {stderr}");
        assert!(text.contains("EXAMPLES"), "{page} has no EXAMPLES:\n{text}");
        // The examples render with ASCII hyphens, as they must be typed.
        let command = page
            .trim_end_matches(".1")
            .strip_prefix("mailscrub-")
            .map_or("mailscrub ".to_owned(), |c| format!("mailscrub {c}"));
        assert!(
            text.lines().any(|l| l.trim().starts_with(&command)),
            "{page}: no example starting `{command}`:\n{text}"
        );
        assert!(text.contains(" --"), "{page}: no ASCII `--` in:\n{text}");
    }
}

#[test]
fn man_replaces_the_pages_of_an_earlier_run() {
    let work = Work::new();
    let dir = work.path("man");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(dir.join("mailscrub-scan.1"), "old").expect("write");
    run_in(work.root(), &["man", "man"], None).success("man");
    let page = std::fs::read_to_string(dir.join("mailscrub-scan.1")).expect("read");
    assert!(page.starts_with(".ie"), "not a fresh page: {page:.40}");
}

#[test]
fn man_into_a_path_that_is_a_file_fails_naming_it() {
    let work = Work::new();
    std::fs::write(work.path("taken"), "a file").expect("write");
    let run = run_in(work.root(), &["man", "taken"], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("taken"), "{}", run.stderr);
}

/// `shell -n FILE` when the shell is installed, else a note on stderr.
fn syntax_check(shell: &str, script: &Path) {
    if !have(shell) {
        eprintln!("completions: {shell} is not installed; its script's syntax is not checked");
        return;
    }
    let out = Command::new(shell)
        .arg("-n")
        .arg(script)
        .output()
        .expect("run the shell");
    assert!(
        out.status.success(),
        "{shell} -n rejects the completions: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn completions_are_printed_for_each_shell() {
    let work = Work::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = run_in(work.root(), &["completions", shell], None)
            .success(shell)
            .stdout_text();
        assert!(
            script.contains("mailscrub") && script.contains("subjects"),
            "{shell}: {script:.200}"
        );
        let file = work.path(&format!("completions.{shell}"));
        std::fs::write(&file, &script).expect("write");
        match shell {
            "bash" => {
                assert!(have("bash"), "bash runs the tests");
                syntax_check("bash", &file);
            }
            "zsh" | "fish" => syntax_check(shell, &file),
            _ => {}
        }
    }
}

#[test]
fn completions_for_an_unknown_shell_are_refused() {
    let work = Work::new();
    let run = run_in(work.root(), &["completions", "tcsh"], None);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("bash"),
        "the shells are listed: {}",
        run.stderr
    );
}

/// The keys of a request (src/request.rs), by table.
const REQUEST_KEYS: [&str; 17] = [
    "sender",
    "recipient",
    "mention",
    "binary_attachments",
    "inverted",
    "middle_names",
    "accents",
    "transliteration",
    "joined",
    "phone_forms",
    "address_forms",
    "id",
    "emails",
    "names",
    "phones",
    "terms",
    "email_blake3",
];

#[test]
fn the_example_request_has_every_key_and_loads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let example = root.join("testdata/request-example.toml");
    let text = std::fs::read_to_string(&example).expect("testdata/request-example.toml");
    for key in REQUEST_KEYS {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{key} ="))),
            "the example request has no `{key} =` line"
        );
    }
    for table in ["[policy]", "[matching]", "[[subject]]"] {
        assert!(text.lines().any(|l| l == table), "no {table}");
    }
    let sample = root.join("testdata/sample.tar.zst");
    let run = run_in(
        root,
        &[
            OsStr::new("scan"),
            OsStr::new("--subjects"),
            example.as_os_str(),
            sample.as_os_str(),
        ],
        None,
    )
    .success("scan with the example request");
    let summary = run.stdout_text();
    assert!(
        summary
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("22 messages")),
        "{summary}"
    );
}
