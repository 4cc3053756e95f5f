//! The data types and their encodings. Pure data structures: they know nothing of clients,
//! RESP or the keyspace.
//!
//! Compact encodings, byte-exact with Redis 7.0 (used in memory for small values and as the
//! payload of RDB types 9-18):
//! - [`listpack`]: the listpack (small lists, hashes, zsets; RDB 16/17/18); also the shared
//!   [`listpack::LpEntry`] element type and [`listpack::BlobError`].
//! - [`intset`]: sorted integer sets (RDB 11).
//! - [`ziplist`]: decoder for the pre-7.0 ziplist (RDB 10/12/13/14).
//! - [`zipmap`]: decoder for the pre-2.6 zipmap (RDB 9).
//!
//! Also [`geo`]: the geohash arithmetic of the geo commands (points are stored in zsets).

pub mod geo;
pub mod hash;
pub mod hll;
pub mod intset;
pub mod list;
pub mod listpack;
pub mod set;
pub mod stream;
pub mod value;
pub mod ziplist;
pub mod zipmap;
pub mod zset;
