//! The rewriter never panics on any message; what it returns for a message
//! without hits is the message itself.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use mailscrub::matcher::{Matcher, MessageInput};
use mailscrub::request::ErasureRequest;
use mailscrub::rewrite::{RewriteOptions, redact};

fn matcher() -> &'static Matcher {
    static MATCHER: OnceLock<Matcher> = OnceLock::new();
    MATCHER.get_or_init(|| {
        let request = ErasureRequest::from_toml_str(
            "[[subject]]\nid = \"F-1\"\nemails = [\"jane.doe@example.com\"]\nnames = [\"Jane Doe\"]\n",
        )
        .expect("the fuzz request is valid");
        Matcher::new(&request)
    })
}

fuzz_target!(|data: &[u8]| {
    let options = RewriteOptions {
        stub_binary_attachments: false,
        ..RewriteOptions::default()
    };
    if let Ok(redacted) = redact(data, None, matcher(), &options) {
        let clean = matcher()
            .scan(&MessageInput {
                envelope: None,
                raw: data,
            })
            .is_empty();
        if clean && !redacted.changed {
            assert_eq!(redacted.bytes, data);
        }
    }
});
