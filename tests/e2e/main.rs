//! End-to-end tests of the `mailscrub` binary: one test binary, one module per concern.

mod support;

mod bad_input;
mod bounds;
mod cleaned;
mod corpus;
mod fuzz_findings;
mod help;
mod integrity_tar;
mod list;
mod nested_headers;
mod nesting;
mod plan;
mod planted;
mod props;
mod recall_attachments;
mod recall_contacts;
mod recall_encodings;
mod recall_names;
mod reports;
mod roundtrip;
mod scan;
mod scrub;
mod tamper;
mod testdata;
mod transaction;
mod usability;
mod verify;
mod verify_findings;
