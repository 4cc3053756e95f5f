//! Expiry: keys with a TTL really go away, lazily (on access) and actively (the cron cycle),
//! with the stats and `INFO keyspace` fields that report them; and the EXPIRE family's
//! NX/XX/GT/LT matrix compared with redis-server.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// Creates `n` keys `prefix:i` with a TTL of `ttl_ms`, pipelined in batches.
fn fill_volatile(c: &mut RawConn, prefix: &str, n: usize, ttl_ms: u64) {
    let ttl = ttl_ms.to_string();
    for start in (0..n).step_by(500) {
        let mut cmds = Vec::new();
        for i in start..(start + 500).min(n) {
            let k = format!("{prefix}:{i}");
            cmds.push(args(&["SET", &k, "v"]));
            cmds.push(args(&["PEXPIRE", &k, &ttl]));
        }
        for r in c.pipeline(&cmds) {
            assert!(r == b"+OK\r\n" || r == b":1\r\n", "{}", escape(&r));
        }
    }
}

fn int_reply(c: &mut RawConn, cmd: &[&str]) -> i64 {
    let r = c.cmd(cmd);
    parse_reply(&r)
        .as_int()
        .unwrap_or_else(|| panic!("{cmd:?}: not an integer: {}", escape(&r)))
}

/// Polls `DBSIZE` until it equals `want`, for at most `limit`; returns the last value.
fn wait_dbsize(c: &mut RawConn, want: i64, limit: Duration) -> i64 {
    let start = Instant::now();
    loop {
        let n = int_reply(c, &["DBSIZE"]);
        if n == want || start.elapsed() > limit {
            return n;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn active_expiry_frees_thousands_of_keys() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    fill_volatile(&mut c, "vol", 5000, 100);
    for i in 0..300 {
        c.cmd(&["SET", &format!("keep:{i}"), "v"]);
    }
    // Nobody touches the volatile keys: only the active cycle can remove them.
    let left = wait_dbsize(&mut c, 300, Duration::from_secs(20));
    assert_eq!(left, 300, "active expiry left {} volatile keys", left - 300);
    let ks = info_field(&mut c, "keyspace", "db0");
    assert_eq!(ks.as_deref(), Some("keys=300,expires=0,avg_ttl=0"));
    let expired: i64 = info_field(&mut c, "stats", "expired_keys")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    assert_eq!(expired, 5000);
}

#[test]
fn lazy_expiry_frees_keys_on_access() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    assert_eq!(c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]), b"+OK\r\n");
    fill_volatile(&mut c, "lazy", 2000, 50);
    c.cmd(&["SET", "persistent", "v"]);
    std::thread::sleep(Duration::from_millis(200));
    // Without the active cycle the expired keys are still counted...
    assert_eq!(int_reply(&mut c, &["DBSIZE"]), 2001);
    // ...until something looks them up. Different lookups, same effect.
    for i in 0..2000 {
        let k = format!("lazy:{i}");
        let r = match i % 4 {
            0 => c.cmd(&["GET", &k]),
            1 => c.cmd(&["EXISTS", &k]),
            2 => c.cmd(&["TTL", &k]),
            _ => c.cmd(&["TYPE", &k]),
        };
        assert!(
            [&b"$-1\r\n"[..], b":0\r\n", b":-2\r\n", b"+none\r\n"].contains(&&r[..]),
            "{k}: {}",
            escape(&r)
        );
    }
    assert_eq!(int_reply(&mut c, &["DBSIZE"]), 1);
    let expired: i64 = info_field(&mut c, "stats", "expired_keys")
        .and_then(|v| v.parse().ok())
        .unwrap_or(-1);
    assert_eq!(expired, 2000);
    assert_eq!(
        info_field(&mut c, "keyspace", "db0").as_deref(),
        Some("keys=1,expires=0,avg_ttl=0")
    );
}

#[test]
fn keys_skips_expired_keys_and_scan_deletes_them() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    c.cmd(&["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    fill_volatile(&mut c, "x", 50, 20);
    c.cmd(&["SET", "live", "v"]);
    std::thread::sleep(Duration::from_millis(100));
    // KEYS hides expired keys but leaves them in place (Redis keyIsExpired).
    assert_eq!(c.cmd(&["KEYS", "*"]), b"*1\r\n$4\r\nlive\r\n");
    assert_eq!(int_reply(&mut c, &["DBSIZE"]), 51);
    // SCAN hides them and deletes them (expireIfNeeded).
    let r = parse_reply(&c.cmd(&["SCAN", "0", "COUNT", "1000"]));
    let keys = r.as_array().expect("scan reply")[1]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(keys, 1);
    assert_eq!(int_reply(&mut c, &["DBSIZE"]), 1);
}

#[test]
fn avg_ttl_tracks_volatile_keys_and_resets() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    fill_volatile(&mut c, "t", 100, 100_000);
    let start = Instant::now();
    let mut avg = 0i64;
    while start.elapsed() < Duration::from_secs(10) {
        let ks = info_field(&mut c, "keyspace", "db0").unwrap_or_default();
        avg = ks
            .rsplit("avg_ttl=")
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        if avg > 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(avg > 0 && avg <= 100_000, "avg_ttl {avg}");
    let ks = info_field(&mut c, "keyspace", "db0").unwrap_or_default();
    assert!(ks.starts_with("keys=100,expires=100,"), "{ks}");
    // Once no key has a TTL any more, the estimate goes back to 0.
    for i in 0..100 {
        c.cmd(&["PERSIST", &format!("t:{i}")]);
    }
    let start = Instant::now();
    let mut ks = String::new();
    while start.elapsed() < Duration::from_secs(10) {
        ks = info_field(&mut c, "keyspace", "db0").unwrap_or_default();
        if ks == "keys=100,expires=0,avg_ttl=0" {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(ks, "keys=100,expires=0,avg_ttl=0");
}

#[test]
fn expire_in_the_past_deletes_and_counts_no_expiry() {
    let mut p = DiffPair::new();
    p.check(&["SET", "k", "v"]);
    p.check(&["EXPIRE", "k", "-1"]);
    p.check(&["EXISTS", "k"]);
    // A DEL, not an expiry: expired_keys stays 0 on both.
    let (a, b) = (
        info_field(&mut p.subject_conn, "stats", "expired_keys"),
        info_field(&mut p.reference_conn, "stats", "expired_keys"),
    );
    assert_eq!(a, b);
    assert_eq!(a.as_deref(), Some("0"));
}

/// Every combination of current TTL (none, or an absolute time T), option set and new
/// time, compared with redis-server: the reply and the resulting PEXPIRETIME. Absolute
/// times keep equal-time cases deterministic.
#[test]
fn expire_options_matrix_matches_redis() {
    const T: i64 = 33_177_117_420_000;
    let mut p = DiffPair::new();
    let options: &[&[&str]] = &[
        &[],
        &["NX"],
        &["XX"],
        &["GT"],
        &["LT"],
        &["XX", "GT"],
        &["XX", "LT"],
        &["gt", "xx"],
        &["NX", "XX"],
        &["NX", "GT"],
        &["LT", "NX"],
        &["GT", "LT"],
        &["NX", "NX"],
        &["GT", "GT", "XX"],
        &["bogus"],
    ];
    let news = [T - 1000, T, T + 1000, 1, 0, -5];
    let mut n = 0;
    for has_ttl in [false, true] {
        for opts in options {
            for &new in &news {
                for cmd in ["PEXPIREAT", "EXPIREAT"] {
                    let key = format!("k{n}");
                    n += 1;
                    p.check(&["SET", &key, "v"]);
                    if has_ttl {
                        p.check(&["PEXPIREAT", key.as_str(), &T.to_string()]);
                    }
                    let when = if cmd == "EXPIREAT" { new / 1000 } else { new };
                    let mut argv = vec![cmd.to_string(), key.clone(), when.to_string()];
                    argv.extend(opts.iter().map(|o| o.to_string()));
                    p.check(&argv);
                    p.check(&["PEXPIRETIME", &key]);
                    p.check(&["EXISTS", &key]);
                }
            }
        }
    }
    // Relative forms on a missing key and with overflowing times.
    for cmd in ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"] {
        for t in [
            "100",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775",
        ] {
            p.check(&[cmd, "nosuch", t]);
            p.check(&[cmd, "nosuch", t, "GT"]);
        }
    }
}
