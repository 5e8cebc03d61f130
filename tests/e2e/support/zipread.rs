//! A minimal, independent zip reader for the tests (not the code under
//! test): entries found through the central directory, else by walking the
//! local headers; stored and deflated entries, read leniently and bounded.

use std::io::Read;

/// Largest entry the reader inflates (the tests' documents are small).
const MAX_ENTRY: u64 = 64 << 20;

/// One entry: its name and its (decompressed) data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub data: Vec<u8>,
}

fn u16_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// True if `b` starts like a zip archive.
pub fn is_zip(b: &[u8]) -> bool {
    b.starts_with(b"PK\x03\x04") || b.starts_with(b"PK\x05\x06")
}

/// The entries of the archive `b` (empty if none can be read).
pub fn entries(b: &[u8]) -> Vec<Entry> {
    let central = central_entries(b);
    if !central.is_empty() {
        return central;
    }
    local_entries(b)
}

/// Entries listed by the central directory: (method, compressed size, local header offset, name).
fn central_entries(b: &[u8]) -> Vec<Entry> {
    let Some(eocd) = b.windows(4).rposition(|w| w == b"PK\x05\x06") else {
        return Vec::new();
    };
    let (Some(count), Some(mut at)) = (u16_at(b, eocd + 10), u32_at(b, eocd + 16)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for _ in 0..count {
        if b.get(at..at + 4) != Some(b"PK\x01\x02") {
            break;
        }
        let (Some(method), Some(csize), Some(nlen), Some(xlen), Some(clen), Some(local)) = (
            u16_at(b, at + 10),
            u32_at(b, at + 20),
            u16_at(b, at + 28),
            u16_at(b, at + 30),
            u16_at(b, at + 32),
            u32_at(b, at + 42),
        ) else {
            break;
        };
        let name = String::from_utf8_lossy(b.get(at + 46..at + 46 + nlen).unwrap_or_default());
        if let (Some(lnlen), Some(lxlen)) = (u16_at(b, local + 26), u16_at(b, local + 28)) {
            let start = local + 30 + lnlen + lxlen;
            let raw = b
                .get(start..(start + csize).min(b.len()))
                .unwrap_or_default();
            out.push(Entry {
                name: name.into_owned(),
                data: unpack(method, raw),
            });
        }
        at += 46 + nlen + xlen + clen;
    }
    out
}

/// Entries found by walking the local headers from the start.
fn local_entries(b: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut at = 0;
    while b.get(at..at + 4) == Some(b"PK\x03\x04") {
        let (Some(method), Some(csize), Some(nlen), Some(xlen)) = (
            u16_at(b, at + 8),
            u32_at(b, at + 18),
            u16_at(b, at + 26),
            u16_at(b, at + 28),
        ) else {
            break;
        };
        let name = String::from_utf8_lossy(b.get(at + 30..at + 30 + nlen).unwrap_or_default());
        let start = at + 30 + nlen + xlen;
        let raw = b
            .get(start..(start + csize).min(b.len()))
            .unwrap_or_default();
        out.push(Entry {
            name: name.into_owned(),
            data: unpack(method, raw),
        });
        at = start + csize;
    }
    out
}

/// Stored or deflated data (anything else, or damage, as far as it reads).
fn unpack(method: usize, raw: &[u8]) -> Vec<u8> {
    match method {
        8 => {
            let mut out = Vec::new();
            let _ = flate2::read::DeflateDecoder::new(raw)
                .take(MAX_ENTRY)
                .read_to_end(&mut out);
            out
        }
        _ => raw.to_vec(),
    }
}
