//! Runs every curated differential script in `tests/diff/*.txt` against oxidis and a real
//! redis-server 7.0.15, comparing replies byte for byte (with the script's normalisations).
//!
//! Every script runs even when an earlier one fails; the failures are listed at the end.
//! `OXIDIS_DIFF_SCRIPT=<substring>` runs only the scripts whose file name contains it.

mod common;

use common::*;

#[test]
fn every_diff_script_matches_redis() {
    let filter = std::env::var("OXIDIS_DIFF_SCRIPT").unwrap_or_default();
    let files: Vec<_> = script_files(&diff_dir())
        .into_iter()
        .filter(|f| f.file_name().unwrap().to_string_lossy().contains(&filter))
        .collect();
    assert!(!files.is_empty(), "no scripts in {}", diff_dir().display());
    let mut failed = Vec::new();
    for f in files {
        let ok = std::panic::catch_unwind(|| {
            let mut pair = DiffPair::new();
            pair.run_script_file(&f);
        })
        .is_ok();
        if !ok {
            failed.push(f.display().to_string());
        }
    }
    assert!(failed.is_empty(), "scripts that differ: {failed:#?}");
}
