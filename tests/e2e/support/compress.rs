//! Container compression for fixtures, and an independent decoder for outputs.

use std::io::{Read, Write};

use flate2::Compression as GzLevel;
use flate2::read::MultiGzDecoder;
use flate2::write::GzEncoder;

/// How fixture bytes are wrapped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrap {
    /// Stored as is.
    None,
    /// One gzip member, level 6.
    Gzip,
    /// Two gzip members, split in the middle of the data.
    GzipMulti,
    /// One zstd frame, level 3.
    Zstd,
    /// Two zstd frames, split in the middle of the data.
    ZstdMulti,
}

impl Wrap {
    /// Every wrapping.
    pub const ALL: [Wrap; 5] = [
        Wrap::None,
        Wrap::Gzip,
        Wrap::GzipMulti,
        Wrap::Zstd,
        Wrap::ZstdMulti,
    ];

    /// The compression kind a reader sees (the word used by the CLI).
    pub fn kind(self) -> Kind {
        match self {
            Wrap::None => Kind::None,
            Wrap::Gzip | Wrap::GzipMulti => Kind::Gzip,
            Wrap::Zstd | Wrap::ZstdMulti => Kind::Zstd,
        }
    }
}

/// A compression kind as named by `--compress` and `list --json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// No compression.
    None,
    /// gzip.
    Gzip,
    /// zstd.
    Zstd,
}

impl Kind {
    /// All kinds.
    pub const ALL: [Kind; 3] = [Kind::None, Kind::Gzip, Kind::Zstd];

    /// The CLI spelling.
    pub fn name(self) -> &'static str {
        match self {
            Kind::None => "none",
            Kind::Gzip => "gzip",
            Kind::Zstd => "zstd",
        }
    }
}

/// `data` wrapped as `wrap` says.
pub fn wrap(data: &[u8], wrap: Wrap) -> Vec<u8> {
    let (a, b) = data.split_at(data.len() / 2);
    match wrap {
        Wrap::None => data.to_vec(),
        Wrap::Gzip => gzip(data, 6),
        Wrap::GzipMulti => [gzip(a, 6), gzip(b, 6)].concat(),
        Wrap::Zstd => zstd_frame(data, 3),
        Wrap::ZstdMulti => [zstd_frame(a, 3), zstd_frame(b, 3)].concat(),
    }
}

/// One gzip member at `level`.
pub fn gzip(data: &[u8], level: u32) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), GzLevel::new(level));
    enc.write_all(data).expect("gzip write");
    enc.finish().expect("gzip finish")
}

/// One zstd frame at `level`, single-threaded (deterministic).
pub fn zstd_frame(data: &[u8], level: i32) -> Vec<u8> {
    zstd::stream::encode_all(data, level).expect("zstd encode")
}

/// The compression kind of `data`, by magic bytes.
pub fn sniff(data: &[u8]) -> Kind {
    if data.starts_with(&[0x1f, 0x8b]) {
        Kind::Gzip
    } else if data.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Kind::Zstd
    } else {
        Kind::None
    }
}

/// `data` fully decompressed (all gzip members / all zstd frames), with its kind.
/// Panics on a corrupt stream: outputs of a successful run must decode.
pub fn unwrap_all(data: &[u8]) -> (Kind, Vec<u8>) {
    let kind = sniff(data);
    let mut out = Vec::new();
    match kind {
        Kind::None => out.extend_from_slice(data),
        Kind::Gzip => {
            MultiGzDecoder::new(data)
                .read_to_end(&mut out)
                .expect("output is valid gzip");
        }
        Kind::Zstd => {
            zstd::stream::read::Decoder::new(data)
                .expect("zstd decoder")
                .read_to_end(&mut out)
                .expect("output is valid zstd");
        }
    }
    (kind, out)
}

/// Flip some bits in the middle of `data` (keeping headers intact).
pub fn corrupt_middle(data: &[u8]) -> Vec<u8> {
    let mut d = data.to_vec();
    let mid = d.len() / 2;
    for b in &mut d[mid..mid + 8] {
        *b ^= 0x5a;
    }
    d
}
