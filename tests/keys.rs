//! Generic keyspace commands over TCP: the curated script `tests/diff/keys.txt`, and the
//! behaviours a script cannot express (SCAN across rehashing, keyspace events, stats,
//! WATCH, RESP shapes under load).

mod common;

use common::*;

#[test]
fn keys_script_matches_redis() {
    DiffPair::new().run_script_file(&diff_dir().join("keys.txt"));
}
