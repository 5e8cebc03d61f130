//! What the fuzz targets share: the request, and inputs shaped from bytes.
#![allow(dead_code)]

use std::sync::OnceLock;

use mailscrub::request::ErasureRequest;

/// The subject every target looks for: an address, a name, a phone, a term.
pub const REQUEST: &str = "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\n\
names = [\"Jane Doe\"]\nphones = [\"+44 20 7946 0018\"]\nterms = [\"CUST-88231\"]\n";

/// [`REQUEST`] with every role redacted instead of deleted, so that the
/// rewriter is reached from every header.
pub const REDACT_ALL: &str = "[policy]\nsender = \"redact\"\nrecipient = \"redact\"\n";

/// The request, parsed once.
pub fn request() -> &'static ErasureRequest {
    static REQ: OnceLock<ErasureRequest> = OnceLock::new();
    REQ.get_or_init(|| ErasureRequest::from_toml_str(REQUEST).expect("the fuzz request is valid"))
}

/// The request with [`REDACT_ALL`], parsed once.
pub fn request_redact_all() -> &'static ErasureRequest {
    static REQ: OnceLock<ErasureRequest> = OnceLock::new();
    REQ.get_or_init(|| {
        ErasureRequest::from_toml_str(&format!("{REDACT_ALL}{REQUEST}"))
            .expect("the fuzz request is valid")
    })
}

/// Reads a tar number field (octal, or base-256 when the first byte has its
/// high bit set); 0 when it is not one.
fn tar_number(field: &[u8]) -> u64 {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        return field[1..].iter().fold(u64::from(field[0] & 0x7f), |n, &b| {
            n.saturating_mul(256).saturating_add(u64::from(b))
        });
    }
    let digits = field
        .iter()
        .skip_while(|&&b| b == b' ' || b == 0)
        .take_while(|b| (b'0'..=b'7').contains(b));
    digits.fold(0u64, |n, &b| {
        n.saturating_mul(8).saturating_add(u64::from(b - b'0'))
    })
}

/// Writes a correct checksum into every block that the tar reader will take
/// for a header, so that mutations of header fields are not all refused
/// for their checksum. Walks the stream as `archive::TarReader` does
/// (extension headers with their data, old GNU sparse blocks, header-only
/// types); stops where the data runs out.
pub fn fix_checksums(bytes: &mut [u8]) {
    const BLOCK: usize = 512;
    let mut pos = 0usize;
    let mut pax_size: Option<u64> = None;
    while bytes.len().saturating_sub(pos) >= BLOCK {
        let block = &mut bytes[pos..pos + BLOCK];
        if block.iter().all(|&b| b == 0) {
            pos += BLOCK;
            continue;
        }
        block[148..156].fill(b' ');
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
        let type_flag = block[156];
        let size = tar_number(&block[124..136]);
        pos += BLOCK;
        let data_blocks =
            |size: u64| usize::try_from(size.div_ceil(BLOCK as u64)).unwrap_or(usize::MAX);
        match type_flag {
            b'x' | b'g' | b'X' | b'L' | b'K' => {
                let start = pos;
                pos = pos.saturating_add(data_blocks(size).saturating_mul(BLOCK));
                if matches!(type_flag, b'x' | b'X') && pos <= bytes.len() {
                    let len = usize::try_from(size)
                        .unwrap_or(usize::MAX)
                        .min(bytes.len() - start);
                    pax_size = pax_size_record(&bytes[start..start + len]).or(pax_size);
                }
                continue;
            }
            b'S' => {
                let mut extended = bytes[pos - BLOCK + 482] != 0;
                while extended && bytes.len().saturating_sub(pos) >= BLOCK {
                    extended = bytes[pos + 504] != 0;
                    pos += BLOCK;
                }
            }
            _ => {}
        }
        let size = if matches!(type_flag, b'1'..=b'6') {
            0
        } else {
            pax_size.take().unwrap_or(size)
        };
        pax_size = None;
        pos = pos.saturating_add(data_blocks(size).saturating_mul(BLOCK));
    }
}

/// The value of a pax `size` record, if the data holds one.
fn pax_size_record(data: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(data).ok()?;
    text.lines()
        .filter_map(|line| line.split_once(' ')?.1.strip_prefix("size="))
        .last()?
        .parse()
        .ok()
}

/// Standard base64 with 76-character lines.
pub fn base64(data: &[u8]) -> Vec<u8> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(data.len() * 4 / 3 + data.len() / 57 * 2 + 4);
    for (i, chunk) in data.chunks(3).enumerate() {
        if i > 0 && i % 19 == 0 {
            out.extend_from_slice(b"\r\n");
        }
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(ALPHABET[(n >> 18) as usize & 63]);
        out.push(ALPHABET[(n >> 12) as usize & 63]);
        out.push(if chunk.len() > 1 {
            ALPHABET[(n >> 6) as usize & 63]
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 {
            ALPHABET[n as usize & 63]
        } else {
            b'='
        });
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Quoted-printable (RFC 2045) with soft line breaks before 76 characters;
/// CRLF line breaks of the data stay line breaks.
pub fn quoted_printable(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 8);
    let mut col = 0usize;
    let mut i = 0usize;
    while i < data.len() {
        let b = data[i];
        if b == b'\r' && data.get(i + 1) == Some(&b'\n') {
            out.extend_from_slice(b"\r\n");
            col = 0;
            i += 2;
            continue;
        }
        let next_is_eol = matches!(data.get(i + 1), None | Some(b'\r') | Some(b'\n'));
        let literal = (b'!'..=b'~').contains(&b) && b != b'=' || (b == b' ' && !next_is_eol);
        let width = if literal { 1 } else { 3 };
        if col + width > 75 {
            out.extend_from_slice(b"=\r\n");
            col = 0;
        }
        if literal {
            out.push(b);
        } else {
            out.extend_from_slice(format!("={b:02X}").as_bytes());
        }
        col += width;
        i += 1;
    }
    out
}
