//! Where the bytes come from: the container (compression sniffed from the
//! content, decoders), the byte-preserving tar reader, and the stream of
//! `events::Event`s (members, their raw chunks and their messages) that the
//! pipeline consumes.

pub mod block;
pub mod container;
pub mod events;
pub mod tar;
