//! The 512-byte block of a tar stream and its header checksum: what the
//! container needs to tell a tar from a bare mailbox, and the tar reader to
//! check each header.

/// Size of a tar block.
pub const BLOCK: usize = 512;

/// Parses the stored checksum field (octal, NUL- or space-terminated).
pub(crate) fn stored_checksum(block: &[u8]) -> Option<u32> {
    let field = &block[148..156];
    let digits: Vec<u8> = field
        .iter()
        .copied()
        .skip_while(|&b| b == b' ')
        .take_while(|&b| (b'0'..=b'7').contains(&b))
        .collect();
    if digits.is_empty() {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(&digits).ok()?, 8).ok()
}

/// The unsigned sum of a header with its checksum field taken as spaces.
pub(crate) fn computed_checksum(block: &[u8]) -> (u32, u32) {
    let mut unsigned = 0u32;
    let mut signed = 0i32;
    for (i, &b) in block[..BLOCK].iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u32::from(b);
        signed += i32::from(b as i8);
    }
    (unsigned, signed as u32)
}

/// True when the block's checksum field matches its content (unsigned or, as
/// some old writers did, signed byte sum).
pub fn checksum_matches(block: &[u8]) -> bool {
    if block.len() < BLOCK {
        return false;
    }
    let (unsigned, signed) = computed_checksum(block);
    stored_checksum(block).is_some_and(|stored| stored == unsigned || stored == signed)
}
