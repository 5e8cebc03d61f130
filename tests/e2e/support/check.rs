//! Assertions with readable failures: first differing byte, tar listings, error offsets.

use std::io::Read;

use super::cli::scrub_file;
use super::compress::unwrap_all;

/// Panic with the first differing offset (not megabytes of bytes) unless equal.
pub fn assert_bytes_eq(label: &str, expected: &[u8], actual: &[u8]) {
    if expected == actual {
        return;
    }
    let at = expected
        .iter()
        .zip(actual)
        .position(|(a, b)| a != b)
        .unwrap_or(expected.len().min(actual.len()));
    let window = |b: &[u8]| {
        let lo = at.saturating_sub(16);
        String::from_utf8_lossy(&b[lo.min(b.len())..(at + 32).min(b.len())])
            .escape_debug()
            .to_string()
    };
    panic!(
        "{label}: bytes differ at offset {at} (expected {} bytes, got {})\n  expected: \"{}\"\n  actual:   \"{}\"",
        expected.len(),
        actual.len(),
        window(expected),
        window(actual),
    );
}

/// One member as `tar::Archive` sees it.
#[derive(Debug, PartialEq, Eq)]
pub struct Listed {
    /// Path (after GNU long name / pax `path`).
    pub path: String,
    /// Type flag byte.
    pub kind: u8,
    /// Data size.
    pub size: u64,
    /// Link target, if any.
    pub link: Option<String>,
    /// pax records of this member, `key=value`.
    pub pax: Vec<String>,
    /// Raw header bytes.
    pub header: Vec<u8>,
}

/// List `tar` with the `tar` crate (independent of the code under test).
pub fn tar_listing(tar: &[u8]) -> Vec<Listed> {
    let mut ar = tar::Archive::new(tar);
    let mut out = Vec::new();
    for e in ar.entries().expect("tar entries") {
        let mut e = e.expect("tar entry");
        let pax = match e.pax_extensions().expect("pax") {
            Some(p) => p
                .map(|r| {
                    let r = r.expect("pax record");
                    format!(
                        "{}={}",
                        r.key().unwrap_or("?"),
                        String::from_utf8_lossy(r.value_bytes())
                    )
                })
                .collect(),
            None => Vec::new(),
        };
        let h = e.header();
        out.push(Listed {
            path: String::from_utf8_lossy(&e.path_bytes()).into_owned(),
            kind: h.entry_type().as_byte(),
            size: h.entry_size().expect("size"),
            link: e
                .link_name_bytes()
                .map(|l| String::from_utf8_lossy(&l).into_owned()),
            pax,
            header: h.as_bytes().to_vec(),
        });
        let mut sink = Vec::new();
        e.read_to_end(&mut sink).expect("member data");
    }
    out
}

/// Member paths, in order.
pub fn paths(listing: &[Listed]) -> Vec<&str> {
    listing.iter().map(|l| l.path.as_str()).collect()
}

/// Assert two tar streams list the same members with the same metadata, then are byte-identical.
pub fn assert_tar_eq(label: &str, expected: &[u8], actual: &[u8]) {
    if expected == actual {
        return;
    }
    let (e, a) = (tar_listing(expected), tar_listing(actual));
    assert_eq!(paths(&e), paths(&a), "{label}: member order/paths differ");
    for (x, y) in e.iter().zip(&a) {
        assert_eq!(x, y, "{label}: member {} metadata differs", x.path);
    }
    assert_bytes_eq(label, expected, actual);
}

/// Scrub `input` with an empty request and assert the round trip:
/// same compression kind, identical decompressed bytes (tar-aware if `tar`).
pub fn assert_roundtrip(label: &str, input: &[u8], tar: bool) -> Vec<u8> {
    let out = scrub_file(label, input, &[]);
    assert_same_content(label, input, &out, tar);
    out
}

/// `output` has `input`'s compression kind and identical decompressed bytes.
pub fn assert_same_content(label: &str, input: &[u8], output: &[u8], tar: bool) {
    let (ik, ib) = unwrap_all(input);
    let (ok, ob) = unwrap_all(output);
    assert_eq!(ok, ik, "{label}: output compression differs from input's");
    if tar {
        assert_tar_eq(label, &ib, &ob);
    } else {
        assert_bytes_eq(label, &ib, &ob);
    }
}

/// The number after the first `offset` in `stderr` (`offset 123`, `offset: 123`, `offset=123`).
pub fn reported_offset(stderr: &str) -> Option<u64> {
    let rest = &stderr[stderr.find("offset")? + "offset".len()..];
    let digits: String = rest
        .trim_start_matches([' ', ':', '='])
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}
