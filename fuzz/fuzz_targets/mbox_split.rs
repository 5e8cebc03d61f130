//! The mbox splitter never panics, and its chunks join back to the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mailscrub::mailbox::mbox::Splitter;

fuzz_target!(|data: &[u8]| {
    let mut splitter = Splitter::new(data, 1 << 20, 0);
    let mut joined = Vec::new();
    loop {
        match splitter.next_chunk() {
            Ok(Some(chunk)) => joined.extend_from_slice(chunk.bytes()),
            Ok(None) => break,
            Err(_) => return,
        }
    }
    assert_eq!(joined, data);
});
