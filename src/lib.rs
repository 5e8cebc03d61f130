//! mailscrub: sanitize mail-archive backups for erasure requests.
//!
//! The library streams a backup (tar, tar.gz, tar.zst, or a bare mbox or
//! message, from a file or a pipe), walks every message in it, and writes a
//! new backup of the same kind in which every byte nobody asked to change is
//! identical. The modules follow the data, one way:
//!
//! [`input`] (container, tar entries, the event stream) -> [`mailbox`]
//! (messages) -> [`text`] (normalisation, decoders) -> [`matcher`] (every
//! trace of the [`request`]'s subjects) -> [`decide`] (the verdict for each
//! message, with [`rewrite`]'s redaction) -> [`pipeline`] (threads, order) ->
//! [`output`] (the new backup) -> [`record`] (the account, into a
//! [`manifest`]) -> [`verify`] (the checks). [`ops`] runs the commands;
//! [`fsio`] makes their outputs appear atomically.
#![forbid(unsafe_code)]

pub mod decide;
pub mod error;
pub mod extract;
pub mod fsio;
pub mod input;
pub mod mailbox;
pub mod manifest;
pub mod matcher;
pub mod ops;
pub mod output;
pub mod pipeline;
pub mod readers;
pub mod record;
pub mod request;
pub mod rewrite;
pub mod text;
pub mod verify;

pub use error::{Error, ErrorKind, Result};
