//! Sorted sets over TCP: the curated script against redis-server, encodings, RESP3 shapes,
//! keyspace events and WATCH.

mod common;

use common::*;

#[test]
fn zset_script_matches_redis() {
    let mut p = DiffPair::new();
    p.run_script_file(&diff_dir().join("zset.txt"));
}

/// The `encoding:` field of DEBUG OBJECT (OBJECT ENCODING's answer).
fn encoding(c: &mut RawConn, key: &str) -> String {
    let r = c.cmd(&["DEBUG", "OBJECT", key]);
    let t = String::from_utf8_lossy(&r).to_string();
    t.split(' ')
        .find_map(|w| w.strip_prefix("encoding:"))
        .unwrap_or(&t)
        .to_string()
}

/// Sends `cmd` to both servers (replies compared) and asserts `key`'s encoding on both.
fn expect(p: &mut DiffPair, cmd: &[&str], key: &str, enc: &str) {
    p.check(cmd);
    assert_eq!(
        encoding(&mut p.subject_conn, key),
        enc,
        "oxidis after {cmd:?}"
    );
    assert_eq!(
        encoding(&mut p.reference_conn, key),
        enc,
        "redis after {cmd:?}"
    );
}

fn members(prefix: &str, n: usize) -> Vec<String> {
    (0..n)
        .flat_map(|i| [i.to_string(), format!("{prefix}{i}")])
        .collect()
}

#[test]
fn zset_encoding_converts_at_129_entries_and_65_bytes() {
    let mut p = DiffPair::new();
    let mut zadd = vec!["ZADD".to_string(), "z".into()];
    zadd.extend(members("m", 128));
    let args: Vec<&str> = zadd.iter().map(String::as_str).collect();
    expect(&mut p, &args, "z", "listpack");
    expect(&mut p, &["ZADD", "z", "5", "m0"], "z", "listpack");
    expect(&mut p, &["ZADD", "z", "XX", "1", "new"], "z", "listpack");
    expect(&mut p, &["ZADD", "z", "1", "new"], "z", "skiplist");
    // Shrinking never converts back.
    expect(
        &mut p,
        &["ZREMRANGEBYRANK", "z", "0", "-3"],
        "z",
        "skiplist",
    );
    // Whole results do: ZUNIONSTORE of a small skiplist is a listpack.
    expect(&mut p, &["ZUNIONSTORE", "u", "1", "z"], "u", "listpack");
    expect(&mut p, &["ZINTERSTORE", "u", "1", "z"], "u", "listpack");
    expect(&mut p, &["ZDIFFSTORE", "u", "1", "z"], "u", "listpack");

    let m64 = "a".repeat(64);
    let m65 = "b".repeat(65);
    expect(&mut p, &["ZADD", "s", "1", &m64], "s", "listpack");
    expect(&mut p, &["ZADD", "s", "1", &m65], "s", "skiplist");
    expect(&mut p, &["ZADD", "s2", "1", &m65], "s2", "skiplist");
    expect(&mut p, &["ZINCRBY", "s3", "1", &m65], "s3", "skiplist");
    expect(&mut p, &["ZREM", "s", &m65], "s", "skiplist");
    expect(&mut p, &["ZUNIONSTORE", "s4", "1", "s"], "s4", "listpack");
    expect(&mut p, &["ZUNIONSTORE", "s5", "1", "s2"], "s5", "skiplist");
}

#[test]
fn zrangestore_picks_its_encoding_from_the_range_length() {
    let mut p = DiffPair::new();
    let mut zadd = vec!["ZADD".to_string(), "z".into()];
    zadd.extend(members("m", 200));
    let args: Vec<&str> = zadd.iter().map(String::as_str).collect();
    expect(&mut p, &args, "z", "skiplist");
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "0", "127"],
        "d",
        "listpack",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "0", "128"],
        "d",
        "skiplist",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "0", "9"],
        "d",
        "listpack",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "-inf", "+inf", "BYSCORE"],
        "d",
        "skiplist",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "0", "5", "BYSCORE"],
        "d",
        "listpack",
    );
    p.check(&["CONFIG", "SET", "zset-max-listpack-entries", "0"]);
    expect(
        &mut p,
        &["ZRANGESTORE", "d", "z", "0", "0"],
        "d",
        "skiplist",
    );
    expect(&mut p, &["ZADD", "e", "1", "a"], "e", "skiplist");
    p.check(&["CONFIG", "SET", "zset-max-listpack-entries", "128"]);
    p.check(&["CONFIG", "SET", "zset-max-listpack-value", "2"]);
    expect(
        &mut p,
        &["ZADD", "f", "1", "abc", "2", "a"],
        "f",
        "skiplist",
    );
    expect(
        &mut p,
        &["ZADD", "g", "2", "a", "1", "abc"],
        "g",
        "skiplist",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "h", "g", "1", "1"],
        "h",
        "listpack",
    );
    expect(
        &mut p,
        &["ZRANGESTORE", "h", "g", "0", "0"],
        "h",
        "skiplist",
    );
}

#[test]
fn zset_emptied_by_any_command_is_removed() {
    let mut p = DiffPair::new();
    for cmd in [
        "ZREM k a b",
        "ZREMRANGEBYRANK k 0 -1",
        "ZREMRANGEBYSCORE k -inf +inf",
        "ZREMRANGEBYLEX k - +",
        "ZPOPMIN k 5",
        "ZMPOP 1 k MAX COUNT 2",
    ] {
        p.check_str("ZADD k 0 a 0 b");
        p.check_str(cmd);
        p.check_str("DBSIZE");
        p.check_str("DEBUG OBJECT k");
    }
}

#[test]
fn zpop_is_usable_by_blocking_variants() {
    // The public pop entry point keeps Redis's reply shapes; exercised through ZMPOP and
    // ZPOPMIN in both protocols.
    let mut p = DiffPair::new();
    for proto in ["2", "3"] {
        p.check_with(&["HELLO", proto], Norm::TypeOnly);
        p.check_str("ZADD k 1 a 2 b 3 c");
        p.check_str("ZPOPMAX k");
        p.check_str("ZPOPMAX k 1");
        p.check_str("ZMPOP 2 none k MAX COUNT 9");
        p.check_str("ZMPOP 2 none k MAX COUNT 9");
        p.check_str("ZPOPMIN k");
        p.check_str("ZPOPMIN k 2");
    }
}

/// `rdb_changes_since_last_save` from INFO persistence.
fn dirty(c: &mut RawConn) -> String {
    let r = c.cmd(&["INFO", "persistence"]);
    let t = String::from_utf8_lossy(&r).to_string();
    t.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .unwrap_or("missing")
        .trim()
        .to_string()
}

#[test]
fn zset_writes_count_changes_like_redis() {
    let mut p = DiffPair::new();
    let base_s = dirty(&mut p.subject_conn);
    let base_r = dirty(&mut p.reference_conn);
    assert_eq!(base_s, base_r);
    for cmd in [
        "ZADD z 1 a 2 b 3 c",
        "ZADD z 1 a",
        "ZADD z XX 5 a 5 nosuch",
        "ZADD z CH 6 a 7 d",
        "ZINCRBY z 0 a",
        "ZINCRBY z 1 a",
        "ZREM z nosuch",
        "ZREM z a b",
        "ZREMRANGEBYSCORE z 100 200",
        "ZREMRANGEBYRANK z 0 0",
        "ZADD z 1 x 2 y 3 w",
        "ZPOPMIN z 2",
        "ZMPOP 1 z MAX COUNT 1",
        "ZUNIONSTORE u 1 z",
        "ZUNIONSTORE u 1 nosuch",
        "ZUNIONSTORE u 1 nosuch",
        "ZRANGESTORE r z 0 -1",
        "ZRANGESTORE r z 5 6",
        "ZREMRANGEBYLEX z - +",
    ] {
        p.check_str(cmd);
        assert_eq!(
            dirty(&mut p.subject_conn),
            dirty(&mut p.reference_conn),
            "dirty counter after {cmd}"
        );
    }
}

/// The bulk payload of `DUMP key`.
fn dump(c: &mut RawConn, key: &str) -> Vec<u8> {
    let r = c.cmd(&["DUMP", key]);
    parse_reply(&r)
        .as_bytes()
        .unwrap_or_else(|| panic!("DUMP {key}: {}", escape(&r)))
        .to_vec()
}

#[test]
fn zset_dump_and_restore_cross_with_redis() {
    let mut p = DiffPair::new();
    let mut big = vec!["ZADD".to_string(), "big".into()];
    for i in 0..300 {
        big.push(format!("{}.5", i % 17));
        big.push(format!("member:{i}"));
    }
    let long = "L".repeat(70);
    let setup: Vec<Vec<String>> = vec![
        vec![
            "ZADD", "small", "1", "a", "-2.5", "b", "inf", "c", "-0", "d", "12", "77",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        big,
        vec![
            "ZADD".into(),
            "long".into(),
            "1".into(),
            long,
            "2".into(),
            "x".into(),
        ],
        vec!["ZADD", "negz", "-inf", "a", "1e300", "b", "3", "c"]
            .into_iter()
            .map(String::from)
            .collect(),
    ];
    for cmd in &setup {
        let args: Vec<&str> = cmd.iter().map(String::as_str).collect();
        p.check(&args);
    }
    for key in ["small", "big", "long", "negz"] {
        let from_oxidis = dump(&mut p.subject_conn, key);
        let from_redis = dump(&mut p.reference_conn, key);
        let copy = format!("{key}-copy");
        // Each server restores the other's payload.
        let a = p
            .subject_conn
            .cmd(&[&b"RESTORE"[..], copy.as_bytes(), b"0", &from_redis]);
        let b = p
            .reference_conn
            .cmd(&[&b"RESTORE"[..], copy.as_bytes(), b"0", &from_oxidis]);
        assert_eq!(
            (a.as_slice(), b.as_slice()),
            (&b"+OK\r\n"[..], &b"+OK\r\n"[..])
        );
        p.check(&["ZRANGE", &copy, "0", "-1", "WITHSCORES"]);
        p.check(&["ZRANGE", key, "0", "-1", "WITHSCORES"]);
        assert_eq!(
            encoding(&mut p.subject_conn, &copy),
            encoding(&mut p.reference_conn, &copy),
            "encoding of restored {key}"
        );
        // A listpack payload is the same blob Redis writes.
        if encoding(&mut p.reference_conn, key) == "listpack" {
            let ox = parse_reply(&p.subject_conn.cmd(&["DEBUG", "OBJECT", key])).is_error();
            assert!(!ox);
        }
    }
    p.check_str("DEBUG RELOAD");
    for key in ["small", "big", "long", "negz", "big-copy"] {
        p.check(&["ZRANGE", key, "0", "-1", "WITHSCORES"]);
        p.check(&["ZSCORE", key, "d"]);
        assert_eq!(
            encoding(&mut p.subject_conn, key),
            encoding(&mut p.reference_conn, key),
            "encoding of {key} after DEBUG RELOAD"
        );
    }
}

#[test]
fn zset_restore_rejects_corrupt_payloads() {
    let mut p = DiffPair::new();
    p.check_str("ZADD z 1 a 2 b");
    let mut payload = dump(&mut p.reference_conn, "z");
    // Duplicate member: rewrite "b" as "a" in the listpack (no LZF at this size).
    let pos = payload.iter().rposition(|&c| c == b'b').expect("member b");
    payload[pos] = b'a';
    // The CRC no longer matches: both refuse the payload the same way.
    let a = p.subject_conn.cmd(&[&b"RESTORE"[..], b"x", b"0", &payload]);
    let b = p
        .reference_conn
        .cmd(&[&b"RESTORE"[..], b"x", b"0", &payload]);
    assert_eq!(escape(&a), escape(&b));
}
