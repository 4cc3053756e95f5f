//! Shared test infrastructure for the TCP tests in `tests/*.rs` (each file is its own test
//! binary and declares `mod common;`, using whatever subset it needs).
//!
//! - [`server`]: [`TestServer`], one oxidis or redis-server process on an ephemeral port in a
//!   temp dir (`OXIDIS_TEST_TARGET=redis` swaps oxidis for the reference).
//! - [`conn`]: [`RawConn`], a blocking raw-RESP client with bounded reads.
//! - [`resp`]: framing for every RESP2/RESP3 type and the [`Resp`] value parser.
//! - [`diff`]: [`DiffPair`], byte-for-byte differential tests against redis-server, the
//!   normalisations ([`Norm`]) and the `tests/diff/*.txt` script format.
//! - [`dataset`]: whole-dataset comparison for the persistence tests (key by key: type,
//!   encoding, contents, TTL; DUMP payloads and cross-RESTORE).
//! - [`rng`]: [`SeedRng`] (`OXIDIS_SEED`) and the random command-sequence mechanism.
//!
//! See `docs/testing.md`.
#![allow(dead_code, unused_imports)]

pub mod conn;
pub mod dataset;
pub mod diff;
pub mod resp;
pub mod rng;
pub mod scenario;
pub mod server;

pub use conn::RawConn;
pub use diff::{
    compare_replies, diff_dir, parse_script, script_files, split_args, DiffPair, Mismatch, Norm,
    ScriptStep,
};
pub use resp::{encode_command, escape, parse_all, parse_reply, scan_frame, try_parse_reply, Resp};
pub use rng::{random_sequence, GenCmd, Generator, SeedRng};
pub use scenario::{check_events, drain_events, same_on_both, wait_blocked, Scenario};
pub use server::{target_is_redis, ServerKind, TestServer};

/// Builds an argument vector from string pieces: `args(&["SET", "k", "v"])`.
pub fn args(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.as_bytes().to_vec()).collect()
}

/// The value of `field` in an `INFO` section, as text (`None` when absent).
pub fn info_field(c: &mut RawConn, section: &str, field: &str) -> Option<String> {
    let r = c.cmd(&["INFO", section]);
    let text = parse_reply(&r)
        .as_bytes()
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let text = String::from_utf8_lossy(&text).to_string();
    text.lines().find_map(|l| {
        l.strip_prefix(&format!("{field}:"))
            .map(|v| v.trim().to_string())
    })
}
