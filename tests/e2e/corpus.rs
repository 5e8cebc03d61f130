//! Optional acceptance run on the real corpus in `../shared/corpus` (never copied
//! into the repository). Skips with a note when the corpus is absent.

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::support::tarw;
use crate::support::*;

fn corpus_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("note: {} is absent; corpus test skipped", dir.display());
        None
    }
}

/// Every file and directory under `root`, relative, sorted (deterministic order).
fn walk(root: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut children: Vec<PathBuf> = std::fs::read_dir(root.join(&rel))
            .expect("read corpus dir")
            .map(|e| rel.join(e.expect("dir entry").file_name()))
            .collect();
        children.sort();
        for c in children.into_iter().rev() {
            let is_dir = root.join(&c).is_dir();
            out.push((c.clone(), is_dir));
            if is_dir {
                stack.push(c);
            }
        }
    }
    out.sort();
    out
}

/// One tar (GNU headers, long names as `L` members, fixed metadata) of the whole corpus.
fn tar_corpus(root: &Path, out: &Path) {
    let mut b = tar::Builder::new(File::create(out).expect("create corpus tar"));
    for (rel, is_dir) in walk(root) {
        let name = Path::new("corpus").join(&rel);
        let mut h = tar::Header::new_gnu();
        h.set_mtime(tarw::MTIME);
        h.set_uid(1000);
        h.set_gid(1000);
        if is_dir {
            h.set_entry_type(tar::EntryType::Directory);
            h.set_mode(0o755);
            h.set_size(0);
            b.append_data(&mut h, &name, std::io::empty())
                .expect("append dir");
        } else {
            let f = File::open(root.join(&rel)).expect("open corpus file");
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_size(f.metadata().expect("metadata").len());
            b.append_data(&mut h, &name, f).expect("append file");
        }
    }
    b.into_inner().expect("finish corpus tar");
}

#[test]
fn corpus_tar_roundtrips_byte_identically() {
    let Some(root) = corpus_dir() else { return };
    let w = Work::new();
    tar_corpus(&root, &w.path("in"));
    let req = w.request(EMPTY_REQUEST);
    w.scrub(&req, &[]).success("corpus tar");
    let (input, output) = (w.read("in").expect("input"), w.read("out").expect("output"));
    assert_tar_eq("corpus tar", &input, &output);
}

#[test]
fn corpus_mbox_files_roundtrip_bare() {
    let Some(root) = corpus_dir() else { return };
    let mut failed = Vec::new();
    let mut n = 0;
    for (rel, is_dir) in walk(&root) {
        if is_dir {
            continue;
        }
        let bytes = std::fs::read(root.join(&rel)).expect("read corpus file");
        if !bytes.starts_with(b"From ") {
            continue;
        }
        n += 1;
        let label = rel.display().to_string();
        let w = Work::new();
        let run = w.scrub_empty(&bytes, &[]);
        match (run.code, w.read("out")) {
            (Some(0), Some(out)) if out == bytes => {}
            (Some(0), Some(out)) => failed.push(format!(
                "{label}: output differs ({} vs {} bytes)",
                out.len(),
                bytes.len()
            )),
            (code, _) => failed.push(format!("{label}: exit {code:?}: {}", run.stderr.trim())),
        }
    }
    assert!(n > 100, "expected the corpus mbox files, found {n}");
    assert!(
        failed.is_empty(),
        "{} of {n} bare mbox files failed:\n  {}",
        failed.len(),
        failed.join("\n  ")
    );
}

/// The inverted forms (`Last, First`, any white space, any case) of the
/// three senders of [`three_real_senders_leave_no_inverted_form`] in `text`.
fn inverted_forms(text: &str) -> Vec<&'static str> {
    let text = text
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let text = text.replace(", ", ",");
    ["allen,phillip", "sera,sherri", "skilling,jeff"]
        .into_iter()
        .filter(|form| {
            text.match_indices(form).any(|(at, _)| {
                let before = text[..at].chars().next_back();
                let after = text[at + form.len()..].chars().next();
                !before.is_some_and(char::is_alphanumeric)
                    && !after.is_some_and(char::is_alphanumeric)
            })
        })
        .collect()
}

/// The recall issue's corpus check: a request for three real senders written
/// as "First Last" leaves no `Last, First` form of them in the scrubbed Enron
/// Maildir (raw bytes and every text `mailparse` decodes), and `verify
/// --subjects` passes.
#[test]
fn three_real_senders_leave_no_inverted_form() {
    let Some(root) = corpus_dir() else { return };
    let maildir = root.join("maildir/enron");
    if !maildir.is_dir() {
        eprintln!("note: {} is absent; corpus test skipped", maildir.display());
        return;
    }
    let w = Work::new();
    tar_corpus(&maildir, &w.path("in"));
    let req = w.request(
        "[[subject]]\nid = \"ENRON-1\"\nnames = [\"Phillip Allen\"]\n\n\
         [[subject]]\nid = \"ENRON-2\"\nnames = [\"Sherri Sera\"]\n\n\
         [[subject]]\nid = \"ENRON-3\"\nnames = [\"Jeff Skilling\"]\n",
    );
    let input = w.read("in").expect("input");
    let before: usize = unpack::tar_members(&input)
        .iter()
        .filter(|(_, _, data)| !inverted_forms(&String::from_utf8_lossy(data)).is_empty())
        .count();
    assert!(
        before > 100,
        "the corpus should hold inverted names, found {before} members"
    );
    w.scrub(&req, &[]).success("scrub");
    let mut left = Vec::new();
    for (path, _, data) in unpack::tar_members(&w.read("out").expect("output")) {
        let mut texts = vec![String::from_utf8_lossy(&data).into_owned()];
        if let Ok(decoded) = unpack::decoded_texts(&data) {
            texts.extend(decoded.into_iter().map(|t| t.text));
        }
        if texts.iter().any(|t| !inverted_forms(t).is_empty()) {
            left.push(path);
        }
    }
    assert!(
        left.is_empty(),
        "{} members keep an inverted name: {:?}",
        left.len(),
        &left[..left.len().min(5)]
    );
    let args = [
        "verify",
        "out",
        "--input",
        "in",
        "--subjects",
        "request.toml",
    ];
    w.run(&args, None).success("verify");
}
