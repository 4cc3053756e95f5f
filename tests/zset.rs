//! Sorted sets over TCP: the curated script against redis-server, encodings, RESP3 shapes,
//! keyspace events and WATCH.

mod common;

use common::*;

#[test]
fn zset_script_matches_redis() {
    let mut p = DiffPair::new();
    p.run_script_file(&diff_dir().join("zset.txt"));
}
