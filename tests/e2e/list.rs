//! `list` and `list --json`: per-member format, kind, message count and bytes; totals.

use serde_json::Value;

use crate::support::mail::{self, MboxVariant, Member, tar_of};
use crate::support::tarw::header_zoo;
use crate::support::*;

/// Run `list [--json] <input>` in `w` (input file written as `name`) and return stdout.
fn list(w: &Work, name: &str, input: &[u8], json: bool) -> String {
    w.write(name, input);
    let mut args = vec!["list", name];
    if json {
        args.push("--json");
    }
    w.run(&args, None)
        .success(&format!("list {name}"))
        .stdout_text()
}

/// Parse JSON Lines into (member records, the summary record); the summary must come last.
fn records(stdout: &str) -> (Vec<Value>, Value) {
    let mut v: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let summary = v.pop().expect("at least a summary line");
    assert_eq!(
        summary["type"], "summary",
        "last line is the summary: {summary}"
    );
    assert!(
        v.iter().all(|m| m["type"] == "member"),
        "all other lines are members:\n{stdout}"
    );
    (v, summary)
}

fn trim_slash(s: &str) -> &str {
    s.strip_suffix('/').unwrap_or(s)
}

/// Compare member records with the fixture's expectations, in order.
fn assert_members(label: &str, got: &[Value], want: &[Member]) {
    let got_paths: Vec<&str> = got
        .iter()
        .map(|m| trim_slash(m["path"].as_str().unwrap_or("?")))
        .collect();
    let want_paths: Vec<&str> = want.iter().map(|m| trim_slash(&m.path)).collect();
    assert_eq!(got_paths, want_paths, "{label}: member paths/order");
    for (g, w) in got.iter().zip(want) {
        let at = format!("{label}: {}", w.path);
        assert_eq!(g["kind"], w.kind_word(), "{at}: kind in {g}");
        if let Some(f) = w.format {
            assert_eq!(g["format"], f, "{at}: format in {g}");
        }
        assert_eq!(g["messages"], w.messages, "{at}: messages in {g}");
        assert_eq!(g["bytes"], w.data.len() as u64, "{at}: bytes in {g}");
    }
}

fn assert_summary(label: &str, s: &Value, container: &str, compression: &str, want: &[Member]) {
    assert_eq!(s["container"], container, "{label}: {s}");
    assert_eq!(s["compression"], compression, "{label}: {s}");
    assert_eq!(s["members"], want.len() as u64, "{label}: {s}");
    assert_eq!(
        s["messages"],
        want.iter().map(|m| m.messages).sum::<u64>(),
        "{label}: {s}"
    );
    assert_eq!(
        s["bytes"],
        want.iter().map(|m| m.data.len() as u64).sum::<u64>(),
        "{label}: {s}"
    );
}

#[test]
fn list_json_tar_reports_every_member_format_count_and_totals() {
    let members = mail::mixed_fixture();
    let tar = tar_of(&members, EndPadding::Record);
    for w in [Wrap::None, Wrap::GzipMulti, Wrap::ZstdMulti] {
        let work = Work::new();
        let (got, summary) = records(&list(&work, "backup.bin", &wrap(&tar, w), true));
        let label = format!("{w:?}");
        assert_members(&label, &got, &members);
        assert_summary(&label, &summary, "tar", w.kind().name(), &members);
    }
}

#[test]
fn list_json_tar_resolves_pax_gnu_and_ustar_prefix_paths() {
    let (tar, paths) = header_zoo(EndPadding::Record);
    let w = Work::new();
    let (got, summary) = records(&list(&w, "zoo.tar", &tar, true));
    let got_paths: Vec<&str> = got
        .iter()
        .map(|m| trim_slash(m["path"].as_str().unwrap_or("?")))
        .collect();
    let want: Vec<&str> = paths.iter().map(|p| trim_slash(p)).collect();
    assert_eq!(
        got_paths, want,
        "pax/GNU long names resolved, extension headers not listed as members"
    );
    let kind = |p: &str| {
        got.iter()
            .find(|m| m["path"] == p)
            .map(|m| m["kind"].clone())
    };
    assert_eq!(kind("home/alice/inbox-link"), Some("symlink".into()));
    assert_eq!(kind("home/alice/far-link"), Some("symlink".into()));
    assert_eq!(kind("home/alice/hard-copy"), Some("hardlink".into()));
    assert_eq!(got[4]["format"], "maildir", "pax member: {}", got[4]);
    assert_eq!(
        got[5]["format"], "maildir",
        "GNU long-name member: {}",
        got[5]
    );
    assert_eq!(
        got[6]["format"], "maildir",
        "ustar prefix member: {}",
        got[6]
    );
    assert_eq!(summary["members"], paths.len() as u64, "{summary}");
    assert_eq!(summary["messages"], 3, "three Maildir messages: {summary}");
}

#[test]
fn list_json_bare_mbox_counts_messages_for_every_variant() {
    for v in MboxVariant::ALL {
        let (bytes, n) = v.build();
        let w = Work::new();
        let (got, summary) = records(&list(&w, "2019.mbox", &bytes, true));
        let want = [Member::file("2019.mbox", bytes.clone(), "mbox", n)];
        assert_members(v.name(), &got, &want);
        assert_summary(v.name(), &summary, "mbox", "none", &want);
    }
}

#[test]
fn list_json_compressed_mbox_reports_decompressed_bytes() {
    let (bytes, n) = MboxVariant::Mboxrd.build();
    for w in [Wrap::Gzip, Wrap::Zstd] {
        let work = Work::new();
        let (got, summary) = records(&list(&work, "2019.mbox.x", &wrap(&bytes, w), true));
        let want = [Member::file("2019.mbox.x", bytes.clone(), "mbox", n)];
        assert_members(&format!("{w:?}"), &got, &want);
        assert_summary(&format!("{w:?}"), &summary, "mbox", w.kind().name(), &want);
    }
}

#[test]
fn list_json_eml_is_one_message() {
    let w = Work::new();
    let (got, summary) = records(&list(&w, "report.eml", &mail::eml(), true));
    let want = [Member::file("report.eml", mail::eml(), "eml", 1)];
    assert_members("eml", &got, &want);
    assert_summary("eml", &summary, "eml", "none", &want);
}

#[test]
fn list_json_stdin_member_is_named_dash() {
    let (bytes, n) = MboxVariant::Mboxo.build();
    let w = Work::new();
    let out = w
        .run(&["list", "-", "--json"], Some(&bytes))
        .success("list -")
        .stdout_text();
    let (got, _) = records(&out);
    assert_members("stdin", &got, &[Member::file("-", bytes, "mbox", n)]);
}

#[test]
fn list_text_shows_each_member_with_format_and_count_then_totals() {
    let members = mail::mixed_fixture();
    let w = Work::new();
    let out = list(
        &w,
        "backup.tar",
        &tar_of(&members, EndPadding::Record),
        false,
    );
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    let words = |l: &str| l.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    for m in members.iter().filter(|m| m.format.is_some()) {
        let line = lines
            .iter()
            .find(|l| l.contains(trim_slash(&m.path)))
            .unwrap_or_else(|| panic!("no line for {}:\n{out}", m.path));
        let ws = words(line);
        assert!(
            ws.iter().any(|w| w == m.format.unwrap()),
            "format of {} missing: {line}",
            m.path
        );
        assert!(
            ws.iter().any(|w| *w == m.messages.to_string()),
            "count of {} missing: {line}",
            m.path
        );
        assert!(
            ws.iter().any(|w| *w == m.data.len().to_string()),
            "bytes of {} missing: {line}",
            m.path
        );
    }
    let total: u64 = members.iter().map(|m| m.messages).sum();
    let last = words(lines.last().expect("output"));
    assert!(
        last.iter().any(|w| *w == total.to_string()),
        "totals line lacks {total}: {lines:?}"
    );
}

#[test]
fn list_bad_input_exits_2_with_offset() {
    let w = Work::new();
    w.write("logo.png", &mail::png_like());
    let run = w.run(&["list", "logo.png", "--json"], None);
    assert_eq!(run.code, Some(2), "stderr: {}", run.stderr);
    assert!(run.stderr.contains("mailscrub: error: "), "{}", run.stderr);
    assert!(
        reported_offset(&run.stderr).is_some(),
        "no offset: {}",
        run.stderr
    );
}
