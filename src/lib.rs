//! oxidis: a Redis-compatible server.
//!
//! Reading order:
//! - [`util`]: Redis-exact number parsing/formatting, glob matching, argument splitting.
//! - [`resp`]: the request parser (multibulk + inline) and the semantic reply writer (RESP2/RESP3).
//! - [`types`]: the data types and their encodings; they know nothing of clients or RESP.
//! - [`db`]: databases, the incrementally rehashed keyspace table, expiry.
//! - [`cmd`]: the command table, the dispatch gates and `call()`, and one file of handlers per group.
//! - [`client`]: per-connection state and buffers.
//! - [`server`]: the mio loop, listeners, cron.
//! - [`config`]: one table of `redis.conf` directives.
//! - [`persistence`]: RDB encoding/decoding and the fork-free snapshot.

pub mod util;
pub mod resp;
pub mod types;
pub mod db;
pub mod cmd;
pub mod client;
pub mod server;
pub mod config;
pub mod persistence;
