//! blake3 digests of whole streams: the input as read, the output as written.
//!
//! The manifest ties its account to the exact bytes of both files. The input
//! is hashed where it is read (below the decompressor, on the reader thread),
//! the output where it is written (below the compressor), so neither needs a
//! second pass.

use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex, PoisonError};

/// The blake3 hash and length of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Digest {
    /// blake3 of every byte.
    pub(crate) hash: blake3::Hash,
    /// How many bytes.
    pub(crate) bytes: u64,
}

#[derive(Default)]
struct State {
    hasher: blake3::Hasher,
    bytes: u64,
}

/// A digest that a reader on another thread feeds; read it when done.
#[derive(Clone, Default)]
pub(crate) struct SharedDigest(Arc<Mutex<State>>);

impl SharedDigest {
    /// Wraps `reader` so that every byte read from it is hashed here.
    pub(crate) fn reader<R: Read>(&self, reader: R) -> HashingReader<R> {
        HashingReader {
            inner: reader,
            digest: self.clone(),
        }
    }

    /// The digest of everything read so far.
    pub(crate) fn digest(&self) -> Digest {
        let state = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        Digest {
            hash: state.hasher.finalize(),
            bytes: state.bytes,
        }
    }
}

/// A reader that hashes what passes through it.
pub(crate) struct HashingReader<R> {
    inner: R,
    digest: SharedDigest,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut state = self.digest.0.lock().unwrap_or_else(PoisonError::into_inner);
        state.hasher.update(&buf[..n]);
        state.bytes += n as u64;
        Ok(n)
    }
}

/// A writer that hashes what passes through it.
pub(crate) struct HashingWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    /// Wraps `writer`.
    pub(crate) fn new(writer: W) -> Self {
        HashingWriter {
            inner: writer,
            hasher: blake3::Hasher::new(),
            bytes: 0,
        }
    }

    /// The inner writer and the digest of everything written.
    pub(crate) fn into_parts(self) -> (W, Digest) {
        let digest = Digest {
            hash: self.hasher.finalize(),
            bytes: self.bytes,
        };
        (self.inner, digest)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_and_writer_agree_with_one_shot_hash() {
        let data = b"backup bytes ".repeat(1000);
        let shared = SharedDigest::default();
        let mut read_back = Vec::new();
        shared
            .reader(&data[..])
            .read_to_end(&mut read_back)
            .unwrap();
        let mut writer = HashingWriter::new(Vec::new());
        writer.write_all(&data).unwrap();
        let (written, digest) = writer.into_parts();
        assert_eq!(written, data);
        assert_eq!(digest.hash, blake3::hash(&data));
        assert_eq!(shared.digest(), digest);
        assert_eq!(digest.bytes, data.len() as u64);
    }
}
