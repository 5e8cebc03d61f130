//! Property: random Maildir/mbox trees round-trip byte-identically through `scrub`
//! with an empty request. Each case spawns the binary, so case counts stay small.

use proptest::collection::vec;
use proptest::prelude::*;

use crate::support::mail::{self, Member, Quoting, tar_of};
use crate::support::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 24,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    }
}

/// One body line (without its line end): mbox-hostile lines, text, raw bytes.
fn line() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"From someone@example.com Tue Nov 14 22:13:20 2023".to_vec()),
        Just(b"From ".to_vec()),
        Just(b">From quoted".to_vec()),
        Just(b">>From doubly quoted".to_vec()),
        Just(Vec::new()),
        "[ -~]{0,60}".prop_map(String::into_bytes),
        vec(any::<u8>(), 0..24),
    ]
}

/// A message: headers and a body of random lines, LF or CRLF, with or without final
/// newline; sometimes completely empty.
fn message() -> impl Strategy<Value = Vec<u8>> {
    let full = (
        "[ -~]{0,30}",
        vec(line(), 0..8),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(subject, lines, crlf, final_nl)| {
            let mut body = lines.join(&b'\n');
            if final_nl {
                body.push(b'\n');
            }
            let head = mail::message("carol@example.com", "alice@example.com", &subject, "");
            let m = [head, body].concat();
            if crlf { mail::crlf(&m) } else { m }
        });
    prop_oneof![1 => Just(Vec::new()), 9 => full]
}

fn quoting() -> impl Strategy<Value = Quoting> {
    prop_oneof![
        Just(Quoting::Mboxo),
        Just(Quoting::Mboxrd),
        Just(Quoting::None)
    ]
}

fn mbox_bytes() -> impl Strategy<Value = Vec<u8>> {
    (vec(message(), 1..5), quoting(), any::<bool>())
        .prop_map(|(msgs, q, crlf)| mail::mbox(&msgs, q, if crlf { "\r\n" } else { "\n" }))
}

fn wrapping() -> impl Strategy<Value = Wrap> {
    proptest::sample::select(Wrap::ALL.to_vec())
}

/// A tar of a Maildir++ tree and some mbox files.
fn tree() -> impl Strategy<Value = Vec<u8>> {
    (vec(message(), 0..6), vec(mbox_bytes(), 0..3), any::<bool>()).prop_map(
        |(msgs, mboxes, record)| {
            let folders = ["cur/", "new/", ".Sent/cur/"];
            let placed: Vec<(Vec<u8>, &str)> = msgs
                .into_iter()
                .enumerate()
                .map(|(i, m)| (m, folders[i % 3]))
                .collect();
            let mut seq = 0;
            let mut members = mail::maildir("user/", &placed, &mut seq);
            for (i, b) in mboxes.into_iter().enumerate() {
                members.push(Member::file(&format!("mail/box{i}"), b, "mbox", 0));
            }
            tar_of(
                &members,
                if record {
                    EndPadding::Record
                } else {
                    EndPadding::TwoBlocks
                },
            )
        },
    )
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_maildir_and_mbox_trees_roundtrip(tar in tree(), w in wrapping()) {
        assert_roundtrip(&format!("random tree as {w:?}"), &wrap(&tar, w), true);
    }

    #[test]
    fn random_bare_mbox_roundtrips(mbox in mbox_bytes(), w in wrapping()) {
        assert_roundtrip(&format!("random mbox as {w:?}"), &wrap(&mbox, w), false);
    }
}
