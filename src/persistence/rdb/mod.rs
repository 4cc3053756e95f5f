//! RDB format: the frozen on-disk constants ([`format`]) and the low-level encoder/decoder
//! primitives ([`io`]: lengths, strings with integer/LZF encodings, doubles, times, header,
//! CRC-64 trailer, DUMP payload footer). The per-type value encoders/decoders and the snapshot
//! logic build on these.

pub mod decode;
pub mod encode;
pub mod format;
pub mod io;
pub mod lzf;

#[cfg(test)]
mod golden_tests;
#[cfg(test)]
mod type_tests;
