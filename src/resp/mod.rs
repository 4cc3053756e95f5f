//! RESP: the request parser (multibulk and inline, incremental, zero-copy) and the
//! semantic reply writer that renders RESP2 or RESP3.
//!
//! Callers: `server` feeds query buffers to [`parse::Parser`]; handlers write replies
//! through [`reply::Out`].

pub mod parse;
pub mod reply;

pub use parse::{Parsed, Parser, ProtoError};
pub use reply::Out;
