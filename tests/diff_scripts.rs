//! Runs every curated differential script in `tests/diff/*.txt` against oxidis and a real
//! redis-server 7.0.15, comparing replies byte for byte (with the script's normalisations).

mod common;

use common::*;

#[test]
fn every_diff_script_matches_redis() {
    let files = script_files(&diff_dir());
    assert!(!files.is_empty(), "no scripts in {}", diff_dir().display());
    for f in files {
        let mut pair = DiffPair::new();
        pair.run_script_file(&f);
    }
}
