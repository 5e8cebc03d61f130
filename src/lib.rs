//! mailscrub: sanitize mail-archive backups for erasure requests.
//!
//! The library streams a backup (tar, tar.gz, tar.zst, or a bare mbox or
//! message, from a file or a pipe), walks every message in it, and writes a
//! new backup of the same kind in which every byte nobody asked to change is
//! identical. Data flows one way: [`container`] (decompression) ->
//! [`archive`] (raw tar entries) -> [`mailbox`] (messages) -> [`pipeline`]
//! (per-message work and the ordered writer). [`request`] reads and
//! validates an erasure request; [`matcher`] finds every trace of its
//! subjects in a message.
#![forbid(unsafe_code)]

pub mod archive;
pub mod container;
pub mod digest;
pub mod engine;
pub mod error;
pub mod evidence;
pub mod inventory;
pub mod job;
pub mod mailbox;
pub mod manifest;
pub mod matcher;
pub mod pipeline;
pub mod repack;
pub mod request;
pub mod rewrite;
pub mod source;
pub mod verify;

pub use error::{Error, ErrorKind, Result};
