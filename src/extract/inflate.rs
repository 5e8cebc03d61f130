//! Bounded reading of a decompressing reader.

use std::io::Read;

use super::{Budget, Exceeded};

/// Reads `reader` to its end or its first error, charging every byte to
/// `budget`: `Err` as soon as the output would pass it (never more than the
/// budget plus one chunk is held), `None` if nothing could be read. A
/// corrupt stream gives what was decoded before the damage.
pub(super) fn read_bounded(
    mut reader: impl Read,
    budget: &mut Budget,
) -> Result<Option<Vec<u8>>, Exceeded> {
    let mut out = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => {
                budget.charge(n as u64)?;
                out.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stops_at_the_budget() {
        let zeros = std::io::repeat(0).take(1 << 20);
        let mut budget = Budget::new(100_000);
        assert_eq!(read_bounded(zeros, &mut budget), Err(Exceeded::Size));
        let mut budget = Budget::new(10);
        assert_eq!(
            read_bounded(&b"0123456789"[..], &mut budget),
            Ok(Some(b"0123456789".to_vec()))
        );
        assert_eq!(budget.left(), 0);
        assert_eq!(read_bounded(&b""[..], &mut budget), Ok(None));
    }
}
