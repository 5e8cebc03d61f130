//! The texts after each command's options in `--help` and in its man page:
//! examples (real command lines on the sample in `testdata/`, or on
//! illustrative names such as `backup.tar.zst`) and, for `scan`, what its
//! report lines mean. Each block starts with a heading line ending in `:`
//! that the man pages turn into a section (`docs::man_page`).

/// After the list of commands: the usual session.
pub const MAILSCRUB: &str = "\
Examples:
  # What would be deleted and redacted in the sample backup (writes nothing)
  mailscrub scan --subjects testdata/request.toml testdata/sample.tar.zst
  # Write the scrubbed copy and its manifest (OUTPUT.manifest.json)
  mailscrub scrub --subjects testdata/request.toml testdata/sample.tar.zst \\
      -o target/sample-scrubbed.tar.zst
  # Check the copy against its manifest
  mailscrub verify target/sample-scrubbed.tar.zst

Exit codes: 0 success, 1 a verify check failed, 2 bad usage, an invalid
request or unreadable input. `mailscrub man DIR` writes these pages as man
pages; `mailscrub completions SHELL` prints shell completions.";

/// `list`.
pub const LIST: &str = "\
Examples:
  # The inventory of the sample: one line per member, then the totals
  mailscrub list testdata/sample.tar.zst
  # The same as JSON Lines, for a script (docs/list.md)
  mailscrub list --json backup.tar.gz
  # A backup on standard input
  cat backup.tar | mailscrub list -";

/// The examples of `scan`, shared by its short and long help.
macro_rules! scan_examples {
    () => {
        "\
Examples:
  # What scrub would do with the sample, message by message
  mailscrub scan --subjects testdata/request.toml testdata/sample.tar.zst
  # Only the summary, as JSON
  mailscrub scan --json --subjects request.toml backup.tar.zst | tail -n 1
  # Stop at the first message that cannot be redacted safely (exit 2)
  mailscrub scan --on-unredactable error --subjects request.toml backup.tar.zst
"
    };
}

/// `scan`, short (`-h`).
pub const SCAN: &str = concat!(
    scan_examples!(),
    "
`mailscrub scan --help` explains each field of the report."
);

/// `scan`, long (`--help` and the man page): the examples, then the report
/// explained (docs/scan.md has it in full).
pub const SCAN_LONG: &str = concat!(
    scan_examples!(),
    "
Report:
  One line per message that scrub will change, in input order, e.g.
    delete  archive/2019.mbox #0  subjects=REQ-1 roles=sender
            found=email/exact@header:mime message-id=6a8761b99b09f47c
  (one line in the output). Its fields:
  delete, redact  what scrub will do with the message; a redaction that
              cannot be made safely is a delete, with a `reason:` line
  archive/2019.mbox  the member: its path in the archive (the file name
              of a bare mbox, `-` for standard input; `blake3:<hash>`
              when the path itself holds an identifier)
  #0          the message's index in its member, counted from 0: #0 is
              the first (in a Maildir file or an .eml the only) message,
              #3 the fourth of an mbox
  subjects=   the ids of the subjects found (never what was found)
  roles=      the roles they play: mention, recipient, sender
  found=      how they were found, kind/form@place:decoding each: kind
              email, name, phone or term; form the variant (exact = as
              the request writes it); place envelope, header, part,
              attachment-name or raw (the raw bytes); decoding what
              exposed it (mime = the message as parsed, literal = bytes
              as they are)
  message-id= the first 16 hex digits of the blake3 hash of the
              Message-ID header's value (`-` when there is none): names
              the message without showing it
  Then a drop, rename or clean line per member scrub changes as a whole,
  a warning line per identifier found outside any message, and the summary:
    22 messages read: 4 to delete, 6 to redact, 12 untouched; 0 warnings
  --json prints the same as JSON Lines. All of it: docs/scan.md."
);

/// `scrub`.
pub const SCRUB: &str = "\
Examples:
  # Scrub the sample: writes the copy and OUTPUT.manifest.json beside it
  mailscrub scrub --subjects testdata/request.toml testdata/sample.tar.zst \\
      -o target/sample-scrubbed.tar.zst
  # The output exists now: replacing it must be asked for
  mailscrub scrub --force --subjects testdata/request.toml \\
      testdata/sample.tar.zst -o target/sample-scrubbed.tar.zst
  # Recompress as gzip, manifest elsewhere, hashes keyed, a JSON summary
  mailscrub scrub --subjects request.toml backup.tar.zst -o clean.tar.gz \\
      --compress gzip --manifest clean.json --manifest-key key.bin --json
  # A stream: standard input to standard output (the manifest needs a path)
  mailscrub scrub --subjects request.toml --manifest clean.json -o - - \\
      < backup.tar > clean.tar

Then check the result: mailscrub verify OUTPUT (see mailscrub verify --help).";

/// `verify`.
pub const VERIFY: &str = "\
Examples:
  # Check the scrubbed sample against its manifest (OUTPUT.manifest.json)
  mailscrub verify target/sample-scrubbed.tar.zst
  # Also re-scan it for the request, and account for every original message
  mailscrub verify target/sample-scrubbed.tar.zst \\
      --subjects testdata/request.toml --input testdata/sample.tar.zst
  # A manifest elsewhere, keyed; JSON Lines for CI
  mailscrub verify clean.tar.gz --manifest clean.json \\
      --manifest-key key.bin --json

Exit codes: 0 every check passed, 1 a check failed, 2 bad usage or
unreadable input.";

/// `hash-id`.
pub const HASH_ID: &str = "\
Examples:
  # The hash to write in a request (email_blake3) instead of the address
  mailscrub hash-id --email jane.doe@example.com
  # The address is normalised first: this prints the same hash
  mailscrub hash-id --email 'Jane.Doe+news@Example.com'";

/// `man`.
pub const MAN: &str = "\
Examples:
  # Write the pages into target/man, then read one
  mailscrub man target/man
  man -l target/man/mailscrub-scrub.1
  # Beside a `cargo install`ed binary, where man finds them: man mailscrub-scan
  mailscrub man ~/.cargo/share/man/man1";

/// `completions`.
pub const COMPLETIONS: &str = "\
Examples:
  # bash (bash-completion loads it in the next shell)
  mailscrub completions bash \\
      > ~/.local/share/bash-completion/completions/mailscrub
  # zsh: a directory in $fpath
  mailscrub completions zsh > ~/.zfunc/_mailscrub
  # fish
  mailscrub completions fish > ~/.config/fish/completions/mailscrub.fish
  # PowerShell: add this line to $PROFILE
  mailscrub completions powershell | Out-String | Invoke-Expression";
