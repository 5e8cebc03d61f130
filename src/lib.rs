//! mailscrub: sanitize mail-archive backups for GDPR erasure requests.
//!
//! [`request`] reads and validates an erasure request; [`matcher`] finds
//! every trace of its subjects in a message.
#![forbid(unsafe_code)]

pub mod matcher;
pub mod request;
