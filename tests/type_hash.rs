//! Hash type over TCP against redis-server 7.0.15: the curated script, encoding conversion,
//! HSCAN coverage of hashtables, HRANDFIELD's guarantees, and WATCH invalidation.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;

/// The `encoding:` token of a `DEBUG OBJECT` reply.
fn encoding_token(reply: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    text.split_whitespace()
        .find_map(|t| t.strip_prefix("encoding:"))
        .map(str::to_owned)
}

/// `DEBUG OBJECT` replies agree on the encoding (addresses and sizes are the server's own).
fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    let (s, r) = (encoding_token(subject), encoding_token(reference));
    if s.is_some() && s == r {
        Ok(())
    } else {
        Err(format!(
            "encodings differ: subject {:?} vs reference {:?}",
            escape(subject),
            escape(reference)
        ))
    }
}

/// Checks that both servers hold `key` in `expected` encoding.
fn expect_encoding(p: &mut DiffPair, key: &str, expected: &str) {
    let reply = p.check_with(&["DEBUG", "OBJECT", key], Norm::Custom(same_encoding));
    assert_eq!(
        encoding_token(&reply).as_deref(),
        Some(expected),
        "reference encoding of {key}"
    );
}

#[test]
fn hash_script_matches_redis() {
    DiffPair::new().run_script_file(&diff_dir().join("hash.txt"));
}

#[test]
fn hset_converts_after_max_entries() {
    let mut p = DiffPair::new();
    let mut cmd = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..512 {
        cmd.push(format!("field{i}"));
        cmd.push(format!("{i}"));
    }
    p.check(&cmd);
    expect_encoding(&mut p, "h", "listpack");
    // Still a listpack: the whole hash in insertion order, byte for byte.
    p.check(&["HGETALL", "h"]);
    p.check(&["HSET", "h", "field0", "updated"]);
    expect_encoding(&mut p, "h", "listpack");
    p.check(&["HSET", "h", "field512", "x"]);
    expect_encoding(&mut p, "h", "hashtable");
    p.check(&["HLEN", "h"]);
    p.check_with(&["HGETALL", "h"], Norm::UnorderedPairs);
    // Never converted back.
    let mut del = vec!["HDEL".to_string(), "h".to_string()];
    for i in 1..=512 {
        del.push(format!("field{i}"));
    }
    p.check(&del);
    p.check(&["HLEN", "h"]);
    expect_encoding(&mut p, "h", "hashtable");

    // One HSET adding 513 fields at once converts too.
    let mut cmd = vec!["HSET".to_string(), "h2".to_string()];
    for i in 0..513 {
        cmd.push(format!("f{i}"));
        cmd.push("v".to_string());
    }
    p.check(&cmd);
    expect_encoding(&mut p, "h2", "hashtable");
}

#[test]
fn long_fields_and_values_convert() {
    let mut p = DiffPair::new();
    let v64 = "x".repeat(64);
    let v65 = "x".repeat(65);
    p.check(&["HSET", "a", "f", &v64]);
    p.check(&["HSET", "a", &v64, "1"]);
    expect_encoding(&mut p, "a", "listpack");
    p.check(&["HSET", "a", "g", &v65]);
    expect_encoding(&mut p, "a", "hashtable");
    p.check(&["HSET", "b", &v65, "1"]);
    expect_encoding(&mut p, "b", "hashtable");
    // HSETNX: only when it writes.
    p.check(&["HSET", "c", "f", "1"]);
    p.check(&["HSETNX", "c", "f", &v65]);
    expect_encoding(&mut p, "c", "listpack");
    p.check(&["HSETNX", "c", "g", &v65]);
    expect_encoding(&mut p, "c", "hashtable");
    // HINCRBY with a long field name.
    p.check(&["HSET", "d", "f", "1"]);
    p.check(&["HINCRBY", "d", &v65, "1"]);
    expect_encoding(&mut p, "d", "hashtable");
    // HINCRBYFLOAT producing a long value.
    p.check(&["HSET", "e", "f", "1"]);
    p.check(&["HINCRBYFLOAT", "e", "f", "1e70"]);
    expect_encoding(&mut p, "e", "hashtable");
    p.check(&["HGET", "e", "f"]);
    // HMSET of a long value, even when a later pair overwrites it.
    p.check(&["HMSET", "g", "f", &v65, "f", "short"]);
    expect_encoding(&mut p, "g", "hashtable");
    p.check(&["HGETALL", "g"]);
}

#[test]
fn config_set_thresholds() {
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
    p.check(&["CONFIG", "SET", "hash-max-listpack-value", "3"]);
    p.check(&["HSET", "h", "a", "1", "b", "123"]);
    expect_encoding(&mut p, "h", "listpack");
    p.check(&["HSET", "h", "c", "1"]);
    expect_encoding(&mut p, "h", "hashtable");
    p.check(&["HSET", "v", "a", "1234"]);
    expect_encoding(&mut p, "v", "hashtable");
    // The old alias names are the same settings.
    p.check(&["CONFIG", "SET", "hash-max-ziplist-entries", "0"]);
    p.check(&["CONFIG", "GET", "hash-max-listpack-entries"]);
    p.check(&["HSET", "z", "a", "1"]);
    expect_encoding(&mut p, "z", "hashtable");
    p.check(&["CONFIG", "SET", "hash-max-listpack-entries", "512"]);
    p.check(&["CONFIG", "SET", "hash-max-ziplist-value", "64"]);
    p.check(&["HSET", "w", "a", "1"]);
    expect_encoding(&mut p, "w", "listpack");
    // Existing hashtables stay hashtables.
    p.check(&["HSET", "h", "d", "1"]);
    expect_encoding(&mut p, "h", "hashtable");
    // A lowered threshold applies at the next write, even an update of an existing field;
    // a read or a failed write does not convert.
    p.check(&["HSET", "u", "a", "1", "b", "2", "c", "3"]);
    p.check(&["HSET", "u2", "a", "1", "b", "2", "c", "3"]);
    p.check(&["CONFIG", "SET", "hash-max-listpack-entries", "2"]);
    p.check(&["HGET", "u", "a"]);
    p.check(&["HSETNX", "u", "a", "9"]);
    p.check(&["HINCRBY", "u", "a", "x"]);
    expect_encoding(&mut p, "u", "listpack");
    p.check(&["HDEL", "u", "nosuch"]);
    expect_encoding(&mut p, "u", "listpack");
    p.check(&["HSET", "u", "a", "5"]);
    expect_encoding(&mut p, "u", "hashtable");
    expect_encoding(&mut p, "u2", "listpack");
    p.check(&["HINCRBY", "u2", "a", "1"]);
    expect_encoding(&mut p, "u2", "hashtable");
}

/// Every field returned by a full HSCAN iteration; the number of calls it took.
fn full_scan(conn: &mut RawConn, key: &str, extra: &[&str]) -> (BTreeMap<Vec<u8>, Vec<u8>>, usize) {
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeMap::new();
    for calls in 1..=100_000 {
        let mut cmd: Vec<&[u8]> = vec![b"HSCAN", key.as_bytes(), &cursor];
        cmd.extend(extra.iter().map(|s| s.as_bytes()));
        let reply = parse_reply(&conn.cmd(&cmd));
        let parts = reply.as_array().expect("HSCAN replies an array");
        let items = parts[1].as_array().expect("HSCAN items");
        assert_eq!(items.len() % 2, 0);
        for kv in items.chunks(2) {
            seen.insert(
                kv[0].as_bytes().unwrap().to_vec(),
                kv[1].as_bytes().unwrap().to_vec(),
            );
        }
        cursor = parts[0].as_bytes().unwrap().to_vec();
        if cursor == b"0" {
            return (seen, calls);
        }
    }
    panic!("HSCAN did not finish");
}

#[test]
fn hscan_covers_a_hashtable() {
    let mut p = DiffPair::new();
    let mut cmd = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..1000 {
        cmd.push(format!("field:{i}"));
        cmd.push(format!("value:{i}"));
    }
    p.check(&cmd);
    let want: BTreeMap<Vec<u8>, Vec<u8>> = (0..1000)
        .map(|i| {
            (
                format!("field:{i}").into_bytes(),
                format!("value:{i}").into_bytes(),
            )
        })
        .collect();
    for extra in [
        &[][..],
        &["COUNT", "1"],
        &["COUNT", "100"],
        &["COUNT", "5000"],
    ] {
        let (got, calls) = full_scan(&mut p.subject_conn, "h", extra);
        assert_eq!(got, want, "HSCAN {extra:?}");
        let (reference, _) = full_scan(&mut p.reference_conn, "h", extra);
        assert_eq!(reference, want);
        if extra.is_empty() {
            assert!(calls > 10, "COUNT 10 takes many calls, took {calls}");
        }
    }
    let (got, _) = full_scan(&mut p.subject_conn, "h", &["MATCH", "field:1??"]);
    let (reference, _) = full_scan(&mut p.reference_conn, "h", &["MATCH", "field:1??"]);
    assert_eq!(got.len(), 100);
    assert_eq!(got, reference);

    // Fields present throughout are returned while the hash grows and shrinks between calls.
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeSet::new();
    let mut conn = p.subject.conn();
    for step in 0..100_000 {
        let reply = parse_reply(&conn.cmd(&[&b"HSCAN"[..], b"h", &cursor]));
        let parts = reply.as_array().unwrap();
        for kv in parts[1].as_array().unwrap().chunks(2) {
            seen.insert(kv[0].as_bytes().unwrap().to_vec());
        }
        cursor = parts[0].as_bytes().unwrap().to_vec();
        if cursor == b"0" {
            break;
        }
        if step < 20 {
            let mut grow = vec!["HSET".to_string(), "h".to_string()];
            for i in 0..200 {
                grow.push(format!("extra:{step}:{i}"));
                grow.push("x".to_string());
            }
            conn.cmd(&grow);
        } else if step == 20 {
            let mut del = vec!["HDEL".to_string(), "h".to_string()];
            for s in 0..20 {
                for i in 0..200 {
                    del.push(format!("extra:{s}:{i}"));
                }
            }
            conn.cmd(&del);
        }
    }
    assert_eq!(cursor, b"0");
    for f in want.keys() {
        assert!(seen.contains(f), "missing {}", escape(f));
    }
}

/// HRANDFIELD replies: (fields, values) in RESP2 or RESP3 shape.
fn randfield(
    conn: &mut RawConn,
    key: &str,
    count: i64,
    withvalues: bool,
    resp3: bool,
) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    let count = count.to_string();
    let mut cmd = vec!["HRANDFIELD", key, &count];
    if withvalues {
        cmd.push("WITHVALUES");
    }
    let reply = parse_reply(&conn.cmd(&cmd));
    let items = reply.as_array().expect("array");
    if !withvalues {
        return items
            .iter()
            .map(|f| (f.as_bytes().unwrap().to_vec(), None))
            .collect();
    }
    if resp3 {
        items
            .iter()
            .map(|pair| {
                let pair = pair.as_array().expect("RESP3 nests pairs");
                assert_eq!(pair.len(), 2);
                (
                    pair[0].as_bytes().unwrap().to_vec(),
                    Some(pair[1].as_bytes().unwrap().to_vec()),
                )
            })
            .collect()
    } else {
        items
            .chunks(2)
            .map(|kv| {
                (
                    kv[0].as_bytes().unwrap().to_vec(),
                    Some(kv[1].as_bytes().unwrap().to_vec()),
                )
            })
            .collect()
    }
}

#[test]
fn hrandfield_guarantees() {
    let server = TestServer::oxidis(&[]);
    for resp3 in [false, true] {
        let mut c = server.conn();
        if resp3 {
            c.cmd(&["HELLO", "3"]);
        }
        for (key, n) in [("small", 20usize), ("large", 700)] {
            let mut cmd = vec!["HSET".to_string(), key.to_string()];
            for i in 0..n {
                cmd.push(format!("f{i}"));
                cmd.push(format!("v{i}"));
            }
            c.cmd(&cmd);
            let n = n as i64;
            for count in [1, 2, n / 4, n / 2, n - 1, n, n + 5] {
                for withvalues in [false, true] {
                    let got = randfield(&mut c, key, count, withvalues, resp3);
                    assert_eq!(got.len() as i64, count.min(n), "{key} {count}");
                    let fields: BTreeSet<_> = got.iter().map(|(f, _)| f.clone()).collect();
                    assert_eq!(
                        fields.len(),
                        got.len(),
                        "distinct fields for a positive count"
                    );
                    for (f, v) in &got {
                        let i: usize = String::from_utf8_lossy(&f[1..]).parse().unwrap();
                        assert!(i < n as usize);
                        if let Some(v) = v {
                            assert_eq!(v, format!("v{i}").as_bytes());
                        }
                    }
                }
            }
            for count in [-1, -5, -(3 * n)] {
                let got = randfield(&mut c, key, count, true, resp3);
                assert_eq!(got.len() as i64, -count);
                for (f, v) in &got {
                    let i: usize = String::from_utf8_lossy(&f[1..]).parse().unwrap();
                    assert_eq!(v.as_deref(), Some(format!("v{i}").as_bytes()));
                }
            }
            // Repetitions do happen with a negative count.
            let got = randfield(&mut c, key, -(3 * n), false, resp3);
            let fields: BTreeSet<_> = got.iter().map(|(f, _)| f.clone()).collect();
            assert!(fields.len() < got.len());
            assert!(
                fields.len() > (n as usize) / 2,
                "picks spread over the hash"
            );
        }
        c.cmd(&["FLUSHALL"]);
    }
}

#[test]
fn writes_invalidate_watch() {
    let mut p = DiffPair::new();
    p.check(&["HSET", "h", "a", "1", "n", "5"]);
    let mut other_s = p.subject.conn();
    let mut other_r = p.reference.conn();
    let cases: &[(&[&str], bool)] = &[
        (&["HSET", "h", "a", "2"], true),
        (&["HMSET", "h", "a", "3"], true),
        (&["HSETNX", "h", "a", "x"], false),
        (&["HSETNX", "h", "b", "x"], true),
        (&["HDEL", "h", "nosuch"], false),
        (&["HDEL", "h", "b"], true),
        (&["HINCRBY", "h", "n", "1"], true),
        (&["HINCRBYFLOAT", "h", "n", "1.5"], true),
        (&["HINCRBY", "h", "a", "x"], false),
        (&["HGET", "h", "a"], false),
    ];
    for (cmd, invalidates) in cases {
        p.check(&["WATCH", "h"]);
        p.check(&["MULTI"]);
        p.check(&["HLEN", "h"]);
        let s = other_s.cmd(cmd);
        let r = other_r.cmd(cmd);
        assert_eq!(escape(&s), escape(&r), "{cmd:?}");
        let exec = p.check(&["EXEC"]);
        assert_eq!(exec.starts_with(b"*-1"), *invalidates, "{cmd:?}");
    }
    // Deleting the last field removes the key.
    p.check(&["HDEL", "h", "a", "n"]);
    p.check(&["DBSIZE"]);
    p.check(&["HGETALL", "h"]);
}

/// Reads every pending push message on `conn` (bounded wait), as raw replies.
fn drain_messages(conn: &mut RawConn) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(m) = conn.read_reply_timeout(std::time::Duration::from_millis(200)) {
        out.push(m);
        if out.len() > 1000 {
            break;
        }
    }
    out
}

#[test]
fn keyspace_events_match_redis() {
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    let mut sub_s = p.subject.conn();
    let mut sub_r = p.reference.conn();
    let psub = ["PSUBSCRIBE", "__key*__:*"];
    assert_eq!(escape(&sub_s.cmd(&psub)), escape(&sub_r.cmd(&psub)));
    let script = [
        "HSET h a 1 b 2",
        "HMSET h c 3",
        "HSETNX h a 9",
        "HSETNX h d 4",
        "HINCRBY h a 5",
        "HINCRBYFLOAT h b 1.5",
        "HINCRBY h c x",
        "HDEL h nosuch",
        "HDEL h a b",
        "HDEL h c d",
        "HGET h a",
    ];
    for line in script {
        p.check_str(line);
    }
    let (s, r) = (drain_messages(&mut sub_s), drain_messages(&mut sub_r));
    let show = |v: &[Vec<u8>]| v.iter().map(|m| escape(m)).collect::<Vec<_>>();
    assert_eq!(show(&s), show(&r));
    // Events of every write above, twice (keyspace and keyevent channels).
    assert_eq!(r.len(), 2 * 8, "{:?}", show(&r));
}

#[test]
fn huge_negative_hrandfield_stops_at_the_output_limit() {
    let mut p = DiffPair::new();
    p.check(&["HSET", "h", "a", "1", "b", "2"]);
    p.check(&[
        "CONFIG",
        "SET",
        "client-output-buffer-limit",
        "normal 1mb 1mb 0",
    ]);
    for server in [&p.subject, &p.reference] {
        let mut c = server.conn();
        c.send(&encode_command(&[
            "HRANDFIELD",
            "h",
            "-9223372036854775807",
        ]));
        let got = c.read_until_closed(std::time::Duration::from_secs(10));
        assert!(c.is_closed(), "{:?} closes the client", server.kind());
        assert!(got.len() < 64 << 20, "stopped early: {} bytes", got.len());
    }
    // The server goes on.
    p.check(&["HLEN", "h"]);
}

#[test]
fn memory_usage_is_close_to_redis() {
    let mut p = DiffPair::new();
    for (key, n) in [("lp", 100), ("ht", 2000)] {
        let mut cmd = vec!["HSET".to_string(), key.to_string()];
        for i in 0..n {
            cmd.push(format!("field:{i:05}"));
            cmd.push(format!("value:{i:05}"));
        }
        p.check(&cmd);
        let (s, r) = p.raw_both(&["MEMORY", "USAGE", key]);
        let (s, r) = (
            parse_reply(&s).as_int().unwrap() as f64,
            parse_reply(&r).as_int().unwrap() as f64,
        );
        // Estimates of different layouts: same order of magnitude, never far above Redis.
        assert!(s / r > 0.5 && s / r < 1.3, "{key}: {s} vs Redis {r}");
    }
}
