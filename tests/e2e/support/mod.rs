//! Shared fixture builders and helpers for the end-to-end tests.
//!
//! Everything here is deterministic: fixed mtimes, no clocks, a seeded RNG.

#![allow(dead_code)]

pub mod check;
pub mod cli;
pub mod compress;
pub mod encode;
pub mod erasure;
pub mod family;
pub mod lenient;
pub mod mail;
pub mod pdfread;
pub mod rng;
pub mod tarw;
pub mod unpack;
pub mod zipread;

pub use check::*;
pub use cli::*;
pub use compress::{Kind as Compression, Wrap, corrupt_middle, sniff, unwrap_all, wrap};
pub use rng::XorShift;
pub use tarw::{EndPadding, TarWriter};
