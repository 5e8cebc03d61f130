//! Text shared by the stages that read identifiers: the normalisation that
//! requests and scanned text go through alike, one decoder per encoding
//! (base64, quoted-printable and `Q`, RFC 2047 encoded words; each with a
//! lenient mode for finding and a strict one for proofs), and the encoders
//! and charsets the rewriter writes back with.

pub mod base64;
pub mod codec;
pub mod normalize;
pub mod params;
pub mod qp;
pub mod rfc2047;
