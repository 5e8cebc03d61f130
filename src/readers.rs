//! The read loops every reader of the input shares: one read, repeated
//! while a signal interrupts it (`EINTR`), and a read that fills a buffer and
//! says how far it got when it fails.

use std::io::{self, Read};

/// One `read` of `reader` into `buf`, repeated while it is interrupted by a
/// signal (`EINTR`): a read that returns 0 is the end of the stream, any
/// other error is the reader's.
pub(crate) fn read_some<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            result => return result,
        }
    }
}

/// A read of [`read_full`] that failed, with the bytes it had read before,
/// so that the caller can name the offset where the failure happened.
#[derive(Debug)]
pub(crate) struct PartialRead {
    /// Bytes read into the buffer before the error.
    pub(crate) filled: usize,
    /// The reader's error.
    pub(crate) error: io::Error,
}

/// Reads into `buf` until it is full or the stream ends (interrupted reads
/// repeated, as [`read_some`] does); returns the count, less than
/// `buf.len()` only at the end of the stream.
pub(crate) fn read_full<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
) -> std::result::Result<usize, PartialRead> {
    let mut filled = 0;
    while filled < buf.len() {
        match read_some(reader, &mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(error) => return Err(PartialRead { filled, error }),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out `data` in reads of at most `chunk` bytes, failing with
    /// `Interrupted` before every read, and then with `fail` once the data
    /// is gone (the end of the stream if `None`).
    struct Interrupting {
        data: Vec<u8>,
        chunk: usize,
        interrupt: bool,
        fail: Option<io::ErrorKind>,
        reads: usize,
    }

    impl Interrupting {
        fn new(data: &[u8], chunk: usize, fail: Option<io::ErrorKind>) -> Self {
            Interrupting {
                data: data.to_vec(),
                chunk,
                interrupt: true,
                fail,
                reads: 0,
            }
        }
    }

    impl Read for Interrupting {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.reads += 1;
            self.interrupt = !self.interrupt;
            if !self.interrupt {
                return Err(io::ErrorKind::Interrupted.into());
            }
            if self.data.is_empty() {
                return match self.fail {
                    Some(kind) => Err(kind.into()),
                    None => Ok(0),
                };
            }
            let n = buf.len().min(self.chunk).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn read_some_retries_an_interrupted_read_and_reads_once() {
        let mut reader = Interrupting::new(b"abcdef", 4, None);
        let mut buf = [0u8; 8];
        assert_eq!(read_some(&mut reader, &mut buf).unwrap(), 4);
        assert_eq!(&buf[..4], b"abcd");
        assert_eq!(reader.reads, 2, "one interrupted read, one that read");
        assert_eq!(read_some(&mut reader, &mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ef");
        assert_eq!(read_some(&mut reader, &mut buf).unwrap(), 0);
        let mut failing = Interrupting::new(b"", 4, Some(io::ErrorKind::BrokenPipe));
        let e = read_some(&mut failing, &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn read_full_fills_through_interrupted_and_short_reads() {
        let data: Vec<u8> = (0..=255).collect();
        let mut reader = Interrupting::new(&data, 7, None);
        let mut buf = [0u8; 100];
        assert_eq!(read_full(&mut reader, &mut buf).unwrap(), 100);
        assert_eq!(buf[..], data[..100]);
        let mut rest = [0u8; 200];
        assert_eq!(read_full(&mut reader, &mut rest).unwrap(), 156);
        assert_eq!(rest[..156], data[100..]);
        assert_eq!(read_full(&mut reader, &mut rest).unwrap(), 0);
        assert_eq!(read_full(&mut reader, &mut []).unwrap(), 0);
    }

    #[test]
    fn read_full_reports_what_it_read_before_an_error() {
        let mut reader = Interrupting::new(b"0123456789", 3, Some(io::ErrorKind::UnexpectedEof));
        let mut buf = [0u8; 16];
        let partial = read_full(&mut reader, &mut buf).unwrap_err();
        assert_eq!(partial.filled, 10);
        assert_eq!(partial.error.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(&buf[..10], b"0123456789");
    }
}
