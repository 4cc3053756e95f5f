//! Generic keyspace commands over TCP, for what the curated script (`tests/diff/keys.txt`,
//! run by `diff_scripts`) cannot express: the SCAN guarantee while the table grows, shrinks
//! and rehashes; keyspace hit/miss accounting; access times; WATCH; keyspace events.

mod common;

use common::*;
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// One full SCAN iteration with `count`, calling `between` after every call; returns every
/// key seen and the number of calls.
fn scan_all(
    c: &mut RawConn,
    count: usize,
    mut between: impl FnMut(&mut RawConn, usize),
) -> (HashSet<Vec<u8>>, usize) {
    let mut seen = HashSet::new();
    let mut cursor = b"0".to_vec();
    let mut calls = 0;
    loop {
        let r = parse_reply(&c.cmd(&[
            &b"SCAN"[..],
            &cursor,
            b"COUNT",
            count.to_string().as_bytes(),
        ]));
        let parts = r.as_array().expect("SCAN reply is an array");
        cursor = parts[0].as_bytes().expect("cursor").to_vec();
        for k in parts[1].as_array().expect("keys") {
            seen.insert(k.as_bytes().unwrap().to_vec());
        }
        calls += 1;
        assert!(calls < 100_000, "SCAN did not terminate");
        if cursor == b"0" {
            return (seen, calls);
        }
        between(c, calls);
    }
}

fn fill(c: &mut RawConn, prefix: &str, range: std::ops::Range<usize>) {
    let cmds: Vec<Vec<Vec<u8>>> = range
        .map(|i| args(&["SET", &format!("{prefix}{i}"), "v"]))
        .collect();
    for chunk in cmds.chunks(500) {
        c.pipeline(chunk);
    }
}

#[test]
fn scan_returns_every_stable_key_while_the_table_grows() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    fill(&mut c, "stable:", 0..1000);
    // Between SCAN calls, add keys (the table doubles several times, rehashing
    // incrementally) and delete others that were never stable.
    let mut next = 0;
    let (seen, calls) = scan_all(&mut c, 10, |c, _| {
        if next < 6000 {
            fill(c, "new:", next..next + 100);
            next += 100;
        }
    });
    assert!(calls > 10, "too few calls ({calls}) to test anything");
    for i in 0..1000 {
        let k = format!("stable:{i}").into_bytes();
        assert!(seen.contains(&k), "SCAN missed stable:{i}");
    }
}

#[test]
fn scan_returns_every_stable_key_while_the_table_shrinks() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    fill(&mut c, "stable:", 0..300);
    fill(&mut c, "gone:", 0..8000);
    // Delete most keys during the iteration so that the cron shrinks the table.
    let mut next = 0;
    let (seen, _) = scan_all(&mut c, 20, |c, _| {
        if next < 8000 {
            let cmds: Vec<Vec<Vec<u8>>> = (next..next + 1000)
                .map(|i| args(&["DEL", &format!("gone:{i}")]))
                .collect();
            c.pipeline(&cmds);
            next += 1000;
            // Give the cron (hz 10) a chance to resize and rehash.
            std::thread::sleep(Duration::from_millis(30));
        }
    });
    for i in 0..300 {
        assert!(
            seen.contains(&format!("stable:{i}").into_bytes()),
            "SCAN missed stable:{i}"
        );
    }
}

#[test]
fn scan_count_and_match_and_type_cover_the_keyspace() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    fill(&mut c, "a:", 0..500);
    fill(&mut c, "b:", 0..500);
    for count in [1, 7, 100, 10_000] {
        let (seen, _) = scan_all(&mut c, count, |_, _| {});
        assert_eq!(seen.len(), 1000, "COUNT {count}");
    }
    // MATCH filters after the walk: the iteration still ends, with only matching keys.
    let mut cursor = b"0".to_vec();
    let mut seen = HashSet::new();
    for _ in 0..10_000 {
        let r = parse_reply(&c.cmd(&[&b"SCAN"[..], &cursor, b"MATCH", b"a:*", b"TYPE", b"string"]));
        let parts = r.as_array().unwrap();
        cursor = parts[0].as_bytes().unwrap().to_vec();
        for k in parts[1].as_array().unwrap() {
            let k = k.as_bytes().unwrap().to_vec();
            assert!(k.starts_with(b"a:"));
            seen.insert(k);
        }
        if cursor == b"0" {
            break;
        }
    }
    assert_eq!(seen.len(), 500);
}

/// `keyspace_hits` / `keyspace_misses` after a sequence, on both servers.
#[test]
fn keyspace_hits_and_misses_match_redis() {
    let mut p = DiffPair::new();
    let stat = |c: &mut RawConn| {
        let r = parse_reply(&c.cmd(&["INFO", "stats"]));
        let text = String::from_utf8_lossy(r.as_bytes().unwrap()).to_string();
        text.lines()
            .filter(|l| l.starts_with("keyspace_") || l.starts_with("expired_keys"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    let seq: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["SET", "b", "2"],
        &["CONFIG", "RESETSTAT"],
        &["EXISTS", "a", "a", "nosuch"],
        &["TYPE", "b"],
        &["TYPE", "nosuch"],
        &["TTL", "a"],
        &["PTTL", "nosuch"],
        &["EXPIRETIME", "a"],
        &["TOUCH", "a", "nosuch"],
        &["OBJECT", "ENCODING", "a"],
        &["OBJECT", "ENCODING", "nosuch"],
        &["TTL", "nosuch"],
        &["TOUCH", "nosuch", "a"],
        &["COPY", "nosuch", "z"],
        &["MOVE", "nosuch", "1"],
        &["SCAN", "0", "TYPE", "string"],
        &["OBJECT", "FREQ", "a"],
        &["SCAN", "0", "TYPE", "string"],
        &["SCAN", "0"],
        &["KEYS", "*"],
        &["COPY", "a", "c"],
        &["COPY", "nosuch", "c"],
        &["RENAME", "c", "d"],
        &["MOVE", "d", "1"],
        &["EXPIRE", "a", "100"],
        &["PERSIST", "a"],
        &["DEL", "a", "nosuch"],
        &["RANDOMKEY"],
    ];
    for cmd in seq {
        p.check_with(cmd, Norm::TypeOnly);
    }
    assert_eq!(stat(&mut p.subject_conn), stat(&mut p.reference_conn));
}

#[test]
fn access_time_follows_redis_touch_rules() {
    let mut p = DiffPair::new();
    for k in ["touched", "read", "notouch"] {
        p.check(&["SET", k, "v"]);
    }
    std::thread::sleep(Duration::from_millis(3100));
    p.check(&["TOUCH", "touched"]);
    p.check(&["GET", "read"]);
    // None of these refresh the access time.
    p.check(&["EXISTS", "notouch"]);
    p.check(&["TYPE", "notouch"]);
    p.check(&["TTL", "notouch"]);
    p.check(&["OBJECT", "ENCODING", "notouch"]);
    let idle = |c: &mut RawConn, k: &str| {
        parse_reply(&c.cmd(&["OBJECT", "IDLETIME", k]))
            .as_int()
            .unwrap()
    };
    for c in [&mut p.subject_conn, &mut p.reference_conn] {
        // Whole seconds of a clock: a fresh access reads 0, or 1 across a second boundary.
        assert!(idle(c, "touched") <= 1);
        assert!(idle(c, "read") <= 1);
        assert!(idle(c, "notouch") >= 2);
    }
}

#[test]
fn writes_invalidate_watch_like_redis() {
    let mut p = DiffPair::new();
    let cases: &[(&[&str], &str)] = &[
        (&["RENAME", "w", "other"], "w"),
        (&["RENAME", "src", "w"], "w"),
        (&["MOVE", "w", "1"], "w"),
        (&["COPY", "src", "w", "REPLACE"], "w"),
        (&["EXPIRE", "w", "100"], "w"),
        (&["EXPIRE", "w", "-1"], "w"),
        (&["PERSIST", "w"], "w"),
        (&["DEL", "w"], "w"),
        (&["UNLINK", "w"], "w"),
        (&["EXISTS", "w"], "w"),
        (&["TOUCH", "w"], "w"),
        (&["RENAMENX", "src", "w"], "w"),
        (&["EXPIRE", "w", "100", "NX"], "w"),
    ];
    for (cmd, watched) in cases {
        p.check(&["FLUSHALL"]);
        p.check(&["SET", "w", "v"]);
        p.check(&["SET", "src", "s"]);
        p.check(&["EXPIRE", "w", "1000"]);
        p.check(&["WATCH", watched]);
        // The write comes from another connection.
        let mut other_s = p.subject.conn();
        let mut other_r = p.reference.conn();
        let (a, b) = (other_s.cmd(cmd), other_r.cmd(cmd));
        assert_eq!(escape(&a), escape(&b), "{cmd:?}");
        p.check(&["MULTI"]);
        p.check(&["PING"]);
        p.check(&["EXEC"]);
    }
}

#[test]
fn active_expiry_invalidates_watch() {
    let mut p = DiffPair::new();
    p.check(&["SET", "w", "v"]);
    p.check(&["PEXPIRE", "w", "50"]);
    p.check(&["WATCH", "w"]);
    // Wait for the active cycle (nobody touches the key), bounded.
    for c in [&mut p.subject_conn, &mut p.reference_conn] {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) {
            if c.cmd(&["DBSIZE"]) == b":0\r\n" {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    p.check(&["DBSIZE"]);
    p.check(&["MULTI"]);
    p.check(&["PING"]);
    p.check(&["EXEC"]);
}

/// Subscribes a fresh connection to every keyspace and keyevent channel.
fn events_conn(s: &TestServer) -> RawConn {
    let mut c = s.conn();
    c.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    c
}

/// The published messages, read until the PUNSUBSCRIBE confirmation: (channel, message).
fn drain_events(c: &mut RawConn) -> Vec<(String, String)> {
    c.send(&encode_command(&["PUNSUBSCRIBE"]));
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let r = parse_reply(&c.read_reply());
        let parts = r.as_array().expect("pubsub frame");
        let kind = parts[0].as_bytes().unwrap();
        if kind == b"punsubscribe" {
            return out;
        }
        if kind == b"pmessage" {
            let s = |i: usize| String::from_utf8_lossy(parts[i].as_bytes().unwrap()).to_string();
            out.push((s(2), s(3)));
        }
    }
    panic!("no punsubscribe confirmation");
}

#[test]
fn keyspace_events_match_redis() {
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "notify-keyspace-events", "KEAm"]);
    let mut ev_s = events_conn(&p.subject);
    let mut ev_r = events_conn(&p.reference);
    let seq: &[&[&str]] = &[
        &["SET", "a", "1"],
        &["DEL", "a", "nosuch"],
        &["SET", "a", "1"],
        &["UNLINK", "a"],
        &["SET", "a", "1"],
        &["RENAME", "a", "b"],
        &["RENAMENX", "b", "c"],
        &["RENAME", "c", "c"],
        &["EXPIRE", "c", "100"],
        &["PEXPIREAT", "c", "33177117420000"],
        &["PERSIST", "c"],
        &["EXPIRE", "c", "-1"],
        &["SET", "m", "v"],
        &["MOVE", "m", "3"],
        &["SET", "x", "v"],
        &["COPY", "x", "y"],
        &["COPY", "x", "y", "DB", "2", "REPLACE"],
        &["GET", "nosuch"],
        &["EXISTS", "nosuch"],
        &["TYPE", "nosuch"],
        &["OBJECT", "ENCODING", "nosuch"],
        &["TTL", "nosuch"],
        &["TOUCH", "nosuch", "a"],
        &["COPY", "nosuch", "z"],
        &["MOVE", "nosuch", "1"],
        &["SCAN", "0", "TYPE", "string"],
        &["SET", "t", "v"],
        &["PEXPIRE", "t", "1"],
        &["DEBUG", "SLEEP", "0.05"],
        &["GET", "t"],
        &["SET", "t2", "v"],
        &["PEXPIRE", "t2", "1"],
        &["DEBUG", "SLEEP", "0.05"],
        &["DEL", "t2"],
    ];
    for cmd in seq {
        if cmd[0] == "SCAN" {
            p.check_with(cmd, Norm::UnorderedDeep);
        } else {
            p.check(cmd);
        }
    }
    // SET's own event belongs to the string commands: compare everything else.
    let no_set = |v: Vec<(String, String)>| {
        v.into_iter()
            .filter(|(ch, msg)| msg != "set" && !ch.ends_with(":set"))
            .collect::<Vec<_>>()
    };
    let (a, b) = (drain_events(&mut ev_s), drain_events(&mut ev_r));
    assert!(b.iter().any(|(_, m)| m == "expired"), "{b:?}");
    assert_eq!(no_set(a), no_set(b));
}

#[test]
fn expired_event_from_the_active_cycle() {
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "notify-keyspace-events", "Ex"]);
    let mut ev_s = p.subject.conn();
    ev_s.cmd(&["SUBSCRIBE", "__keyevent@0__:expired"]);
    p.check(&["SET", "gone", "v"]);
    p.check(&["PEXPIRE", "gone", "20"]);
    let r = ev_s
        .read_reply_timeout(Duration::from_secs(10))
        .expect("an expired event within 10 s");
    let parts = parse_reply(&r);
    let parts = parts.as_array().unwrap();
    assert_eq!(parts[0].as_bytes(), Some(&b"message"[..]));
    assert_eq!(parts[2].as_bytes(), Some(&b"gone"[..]));
}

/// OBJECT FREQ under an LFU policy: new keys start at 5, the first access makes 6, and
/// RESTORE ... FREQ sets the counter (IDLETIME is what counts under an LRU policy).
#[test]
fn lfu_counters_match_redis() {
    let mut p = DiffPair::new();
    p.check(&["SET", "src", "v"]);
    let dump = parse_reply(&p.reference_conn.cmd(&["DUMP", "src"]));
    let dump = dump.as_bytes().expect("DUMP payload").to_vec();
    p.check(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lfu"]);
    p.check(&["SET", "k", "v"]);
    p.check(&["OBJECT", "FREQ", "k"]);
    p.check(&["GET", "k"]);
    p.check(&["OBJECT", "FREQ", "k"]);
    p.check(&["COPY", "k", "k2"]);
    p.check(&["OBJECT", "FREQ", "k2"]);
    p.check(&["RENAME", "k2", "k3"]);
    p.check(&["OBJECT", "FREQ", "k3"]);
    for (key, extra) in [
        ("r1", &["FREQ", "100"][..]),
        ("r2", &[][..]),
        ("r3", &["IDLETIME", "1000"][..]),
    ] {
        let mut cmd: Vec<&[u8]> = vec![b"RESTORE", key.as_bytes(), b"0", &dump];
        cmd.extend(extra.iter().map(|a| a.as_bytes()));
        p.check(&cmd);
        p.check(&["OBJECT", "FREQ", key]);
    }
    p.check(&["CONFIG", "SET", "maxmemory-policy", "allkeys-lru"]);
    for (key, extra) in [
        ("i1", &["IDLETIME", "1000"][..]),
        ("i2", &["FREQ", "100"][..]),
    ] {
        let mut cmd: Vec<&[u8]> = vec![b"RESTORE", key.as_bytes(), b"0", &dump];
        cmd.extend(extra.iter().map(|a| a.as_bytes()));
        p.check(&cmd);
        p.check(&["OBJECT", "FREQ", key]);
        // An idle time of ~1000 s, or ~0: the same on both up to a second's rounding.
        let idle = |c: &mut RawConn| {
            parse_reply(&c.cmd(&["OBJECT", "IDLETIME", key]))
                .as_int()
                .unwrap()
        };
        let (a, b) = (idle(&mut p.subject_conn), idle(&mut p.reference_conn));
        assert!((a - b).abs() <= 1, "{key}: IDLETIME {a} vs {b}");
    }
}

/// A client blocked on a list key is served when RENAME, MOVE or COPY puts a list there,
/// as Redis's `dbAdd` signals the key ready.
#[test]
fn rename_move_copy_wake_blocked_clients() {
    let mut p = DiffPair::new();
    // (command, whether it runs from database 1, the key waited on in database 0)
    let cases: &[(&[&str], bool, &str)] = &[
        (&["RENAME", "src", "dst"], false, "dst"),
        (&["RENAMENX", "src", "dst"], false, "dst"),
        (&["COPY", "src", "dst"], false, "dst"),
        (&["MOVE", "src", "0"], true, "src"),
        (&["COPY", "src", "dst", "DB", "0"], true, "dst"),
    ];
    for &(cmd, from_db1, waited) in cases {
        p.check(&["FLUSHALL"]);
        let mut blocked = Vec::new();
        for s in [&p.subject, &p.reference] {
            let mut c = s.conn();
            c.send(&encode_command(&["BLPOP", waited, "5"]));
            blocked.push(c);
        }
        // Wait until both servers count the blocked client, bounded.
        for c in [&mut p.subject_conn, &mut p.reference_conn] {
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(5) {
                let r = parse_reply(&c.cmd(&["INFO", "clients"]));
                let text = String::from_utf8_lossy(r.as_bytes().unwrap()).to_string();
                if text.contains("blocked_clients:1") {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
        if from_db1 {
            p.check(&["SELECT", "1"]);
        }
        p.check(&["RPUSH", "src", "a", "b"]);
        p.check(cmd);
        p.check(&["SELECT", "0"]);
        let (a, b) = (blocked[0].read_reply(), blocked[1].read_reply());
        assert_eq!(escape(&a), escape(&b), "{cmd:?}");
        assert!(a.starts_with(b"*2"), "{cmd:?}: not served: {}", escape(&a));
        p.check(&["LRANGE", waited, "0", "-1"]);
    }
}
