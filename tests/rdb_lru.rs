//! IDLE and FREQ records against the reference: under an LRU `maxmemory-policy` a snapshot
//! carries each key's idle time, under an LFU policy its access counter (Redis's
//! `rdbSaveKeyValuePair`), and loading applies them as `objectSetLRUOrLFU` does. Checked
//! both ways: a file written by oxidis loads in redis-server 7.0.15, and a file written by
//! redis-server loads in oxidis, with `OBJECT IDLETIME` / `OBJECT FREQ` agreeing; files
//! loaded under the other kind of policy ignore the records on both servers. `DUMP`
//! carries neither (as in Redis).
//!
//! Idle times and counters are set with `RESTORE ... IDLETIME s` / `FREQ f` on the writing
//! server, so nothing waits for the clock.

mod common;

use common::dataset::{cmd, dump, on_file, wait_bgsave};
use common::{ServerKind, TestServer};
use std::path::PathBuf;

/// Idle seconds given to the keys (up to about 115 days; the LRU clock wraps at 194).
const IDLES: [i64; 6] = [0, 7, 100, 3_600, 86_400, 10_000_000];
/// LFU counters given to the keys (5 is a new key's).
const FREQS: [i64; 6] = [0, 1, 5, 42, 200, 255];
/// Seconds that may pass between saving on one server and reading on the other.
const IDLE_SLACK: i64 = 15;
// LFU counters are compared within 1: a minute starting between two readings takes one off
// (`lfu-decay-time` 1).

fn lru_flags(policy: &str) -> Vec<&str> {
    vec!["--maxmemory-policy", policy]
}

/// Keys `k0`.. on `s`, restored with `option` (`IDLETIME` or `FREQ`) set to each of
/// `values`, in databases 0 and 2; then a save (BGSAVE on oxidis, SAVE on Redis). Returns
/// the file.
fn write_file(s: &TestServer, option: &str, values: &[i64]) -> PathBuf {
    let mut c = s.conn();
    assert_eq!(c.cmd(&["SET", "src", "value"]), b"+OK\r\n");
    let payload = dump(&mut c, b"src");
    assert_eq!(c.cmd(&["DEL", "src"]), b":1\r\n");
    for db in ["0", "2"] {
        assert_eq!(c.cmd(&["SELECT", db]), b"+OK\r\n");
        for (i, v) in values.iter().enumerate() {
            let key = format!("k{i}");
            let v = v.to_string();
            let args: [&[u8]; 6] = [
                b"RESTORE",
                key.as_bytes(),
                b"0",
                &payload,
                option.as_bytes(),
                v.as_bytes(),
            ];
            assert_eq!(c.cmd(&args), b"+OK\r\n", "RESTORE {key} {option} {v}");
        }
    }
    if s.kind() == ServerKind::Oxidis {
        assert_eq!(c.cmd(&["BGSAVE"]), b"+Background saving started\r\n");
        wait_bgsave(&mut c);
    } else {
        assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    }
    s.dir().join("dump.rdb")
}

/// `OBJECT sub` of `k0`.. in databases 0 and 2 (an error reply reads as -1).
fn read_all(s: &TestServer, sub: &str, n: usize) -> Vec<i64> {
    let mut c = s.conn();
    let mut out = Vec::new();
    for db in ["0", "2"] {
        assert_eq!(c.cmd(&["SELECT", db]), b"+OK\r\n");
        for i in 0..n {
            let key = format!("k{i}");
            let r = cmd(&mut c, &[b"OBJECT", sub.as_bytes(), key.as_bytes()]);
            out.push(r.as_int().unwrap_or(-1));
        }
    }
    out
}

fn assert_close(what: &str, a: &[i64], b: &[i64], slack: i64) {
    assert_eq!(a.len(), b.len());
    let ok = a.iter().zip(b).all(|(x, y)| (x - y).abs() <= slack);
    assert!(ok, "{what}: oxidis {a:?} vs redis {b:?} (slack {slack})");
}

/// The file of `writer` (with `option` values under `policy`) loaded in oxidis and in
/// redis-server under `load_policy`: `OBJECT sub` agrees within `slack`, and equals
/// `expect` (within `slack` too) when given.
fn check(
    writer: TestServer,
    option: &str,
    values: &[i64],
    load_policy: &str,
    sub: &str,
    slack: i64,
    expect: Option<&[i64]>,
) {
    let file = write_file(&writer, option, values);
    let ours = on_file(TestServer::oxidis(&lru_flags(load_policy)), &file);
    let theirs = on_file(TestServer::redis(&lru_flags(load_policy)), &file);
    let (a, b) = (
        read_all(&ours, sub, values.len()),
        read_all(&theirs, sub, values.len()),
    );
    assert_close(&format!("OBJECT {sub} after loading"), &a, &b, slack);
    if let Some(want) = expect {
        let want: Vec<i64> = want.iter().chain(want).copied().collect();
        assert_close(&format!("OBJECT {sub} as saved"), &b, &want, slack);
    }
}

#[test]
fn oxidis_lru_snapshot_carries_idle_times() {
    let w = TestServer::oxidis(&lru_flags("allkeys-lru"));
    check(
        w,
        "IDLETIME",
        &IDLES,
        "allkeys-lru",
        "IDLETIME",
        IDLE_SLACK,
        Some(&IDLES),
    );
}

#[test]
fn oxidis_lfu_snapshot_carries_counters() {
    let w = TestServer::oxidis(&lru_flags("allkeys-lfu"));
    check(w, "FREQ", &FREQS, "allkeys-lfu", "FREQ", 1, Some(&FREQS));
}

#[test]
fn redis_lru_file_loads_idle_times_in_oxidis() {
    let w = TestServer::redis(&lru_flags("volatile-lru"));
    check(
        w,
        "IDLETIME",
        &IDLES,
        "volatile-lru",
        "IDLETIME",
        IDLE_SLACK,
        Some(&IDLES),
    );
}

#[test]
fn redis_lfu_file_loads_counters_in_oxidis() {
    let w = TestServer::redis(&lru_flags("volatile-lfu"));
    check(w, "FREQ", &FREQS, "volatile-lfu", "FREQ", 1, Some(&FREQS));
}

#[test]
fn records_of_the_other_policy_are_ignored() {
    // IDLE records loaded under an LFU policy: every key gets a new key's counter (5).
    for writer in [
        TestServer::oxidis(&lru_flags("allkeys-lru")),
        TestServer::redis(&lru_flags("allkeys-lru")),
    ] {
        check(
            writer,
            "IDLETIME",
            &IDLES,
            "allkeys-lfu",
            "FREQ",
            1,
            Some(&[5; 6]),
        );
    }
    // FREQ records loaded without an LFU policy: every key was just accessed.
    for writer in [
        TestServer::oxidis(&lru_flags("allkeys-lfu")),
        TestServer::redis(&lru_flags("allkeys-lfu")),
    ] {
        check(
            writer,
            "FREQ",
            &FREQS,
            "noeviction",
            "IDLETIME",
            IDLE_SLACK,
            Some(&[0; 6]),
        );
    }
}

#[test]
fn no_records_without_an_lru_or_lfu_policy() {
    // Saved under noeviction (no record): loaded under an LRU policy every key is fresh,
    // on both servers, whatever idle time it had.
    for writer in [
        TestServer::oxidis(&lru_flags("noeviction")),
        TestServer::redis(&lru_flags("noeviction")),
    ] {
        check(
            writer,
            "IDLETIME",
            &IDLES,
            "allkeys-lru",
            "IDLETIME",
            IDLE_SLACK,
            Some(&[0; 6]),
        );
    }
}

#[test]
fn dump_carries_neither() {
    // The same value DUMPs to the same bytes under LRU and LFU policies, on both servers,
    // whatever its idle time or counter.
    let mut payloads = Vec::new();
    for policy in ["allkeys-lru", "allkeys-lfu", "noeviction"] {
        for s in [
            TestServer::oxidis(&lru_flags(policy)),
            TestServer::redis(&lru_flags(policy)),
        ] {
            let mut c = s.conn();
            assert_eq!(c.cmd(&["SET", "k", "hello"]), b"+OK\r\n");
            let p = dump(&mut c, b"k");
            let (opt, v): (&[u8], &[u8]) = if policy == "allkeys-lfu" {
                (b"FREQ", b"200")
            } else {
                (b"IDLETIME", b"5000")
            };
            let args: [&[u8]; 7] = [b"RESTORE", b"k", b"0", &p, b"REPLACE", opt, v];
            assert_eq!(c.cmd(&args), b"+OK\r\n");
            payloads.push(dump(&mut c, b"k"));
        }
    }
    assert!(payloads.windows(2).all(|w| w[0] == w[1]), "{payloads:?}");
}
