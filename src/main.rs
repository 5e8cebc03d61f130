//! mailscrub command-line entry point (placeholder; the CLI lives elsewhere).
fn main() {}
