//! Text shared by the stages that read identifiers: the normalisation that
//! requests and scanned text go through alike, and the transfer encodings
//! and charsets (decoding for the matcher, both directions for the rewriter).

pub mod codec;
pub mod normalize;
