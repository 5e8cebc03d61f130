//! The tar reader never panics, and copying what it reads gives back the
//! input byte for byte.
#![no_main]

use std::io::Read;

use libfuzzer_sys::fuzz_target;
use mailscrub::input::tar::{BLOCK, EntryData, Item, TarReader};

fuzz_target!(|data: &[u8]| {
    let mut tar = TarReader::new(data);
    let mut out = Vec::new();
    loop {
        match tar.next_item() {
            Ok(Item::Entry(entry)) => {
                out.resize(out.len() + entry.leading_zero_blocks as usize * BLOCK, 0);
                out.extend_from_slice(&entry.header);
                if EntryData(&mut tar).read_to_end(&mut out).is_err() {
                    return;
                }
                match tar.read_padding() {
                    Ok(padding) => out.extend(padding),
                    Err(_) => return,
                }
            }
            Ok(Item::End { zero_blocks }) => {
                out.resize(out.len() + zero_blocks as usize * BLOCK, 0);
                let mut buf = [0u8; 4096];
                loop {
                    match tar.read_trailer(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => out.extend_from_slice(&buf[..n]),
                        Err(_) => return,
                    }
                }
                assert_eq!(out, data);
                return;
            }
            Err(_) => return,
        }
    }
});
