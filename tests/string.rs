//! String commands over TCP: the curated differential script `tests/diff/string.txt`,
//! encodings as `DEBUG OBJECT` reports them, and WATCH/dirty side effects.

mod common;

use common::*;

fn script_path() -> std::path::PathBuf {
    diff_dir().join("string.txt")
}

#[test]
fn string_script_matches_redis() {
    DiffPair::new().run_script_file(&script_path());
}
