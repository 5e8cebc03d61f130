//! The matcher never panics on any message, and its hits name subjects that exist.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mailscrub::matcher::{Matcher, MessageInput};
use mailscrub::request::ErasureRequest;

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let request = ErasureRequest::from_toml_str(
            "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\nphones = [\"+44 20 7946 0018\"]\nterms = [\"CUST-88231\"]\n",
        )
        .expect("the fuzz request is valid");
        Matcher::new(&request)
    })
}

fuzz_target!(|data: &[u8]| {
    let findings = matcher().scan(&MessageInput {
        envelope: None,
        raw: data,
    });
    assert!(findings.hits.iter().all(|hit| hit.subject == 0));
    let _ = matcher().scan_bytes(data);
});
