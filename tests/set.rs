//! Set commands over TCP: the curated script, encodings (intset ↔ hashtable) compared with
//! redis-server through `DEBUG OBJECT`, SSCAN's guarantee, keyspace events.

mod common;

use std::collections::BTreeSet;

use common::*;

/// Compares only the `encoding:` field of two `DEBUG OBJECT` replies.
fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    fn enc(r: &[u8]) -> Option<String> {
        let s = String::from_utf8_lossy(r);
        let at = s.find("encoding:")?;
        Some(s[at..].split(' ').next()?.to_string())
    }
    match (enc(subject), enc(reference)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        (a, b) => Err(format!(
            "encodings differ: subject {a:?} ({}) vs reference {b:?} ({})",
            escape(subject),
            escape(reference)
        )),
    }
}

fn check_encoding(p: &mut DiffPair, key: &str) {
    p.check_with(&["DEBUG", "OBJECT", key], Norm::Custom(same_encoding));
}

fn sadd_range(p: &mut DiffPair, key: &str, from: i64, to: i64) {
    let mut cmd = vec!["SADD".to_string(), key.to_string()];
    cmd.extend((from..to).map(|i| i.to_string()));
    p.check(&cmd);
}

#[test]
fn set_script_matches_redis() {
    let path = diff_dir().join("set.txt");
    DiffPair::new().run_script_file(&path);
}

#[test]
fn sadd_converts_intset_at_513_entries() {
    let mut p = DiffPair::new();
    sadd_range(&mut p, "s", 0, 512);
    check_encoding(&mut p, "s");
    p.check(&["SMEMBERS", "s"]);
    p.check(&["SADD", "s", "511"]);
    check_encoding(&mut p, "s");
    p.check(&["SADD", "s", "512"]);
    check_encoding(&mut p, "s");
    p.check(&["SCARD", "s"]);
    p.check_unordered(&["SMEMBERS", "s"]);
    // Removing members never converts back.
    let mut srem = vec!["SREM".to_string(), "s".to_string()];
    srem.extend((0..500).map(|i| i.to_string()));
    p.check(&srem);
    check_encoding(&mut p, "s");
    p.check_unordered(&["SMEMBERS", "s"]);
}

#[test]
fn sadd_converts_intset_on_non_integer() {
    let mut p = DiffPair::new();
    p.check_str("SADD s 1 2 3");
    check_encoding(&mut p, "s");
    p.check_str("SADD s 4 abc");
    check_encoding(&mut p, "s");
    p.check_str("SADD f 1.5");
    check_encoding(&mut p, "f");
    p.check_str("SADD big 9223372036854775808");
    check_encoding(&mut p, "big");
    p.check_str("SADD lead 01");
    check_encoding(&mut p, "lead");
    p.check_str("SREM s abc");
    check_encoding(&mut p, "s");
}

#[test]
fn set_max_intset_entries_is_honoured() {
    let mut p = DiffPair::new();
    p.check_str("CONFIG SET set-max-intset-entries 2");
    p.check_str("SADD s 1 2");
    check_encoding(&mut p, "s");
    p.check_str("SADD s 3");
    check_encoding(&mut p, "s");
    p.check_str("CONFIG SET set-max-intset-entries 0");
    p.check_str("SADD z 1");
    check_encoding(&mut p, "z");
    p.check_str("SMOVE s m 1");
    check_encoding(&mut p, "m");
    p.check_str("CONFIG SET set-max-intset-entries 512");
    p.check_str("SADD t 1 2 3");
    check_encoding(&mut p, "t");
}

#[test]
fn store_results_start_as_intsets() {
    let mut p = DiffPair::new();
    // A hashtable holding only integers.
    p.check_str("SADD h 1 2 3 4 5 6 7 8 9 10 x");
    p.check_str("SREM h x");
    p.check_str("SADD i 2 4 6 8 100");
    check_encoding(&mut p, "h");
    p.check_str("SINTERSTORE d1 h i");
    check_encoding(&mut p, "d1");
    p.check_str("SMEMBERS d1");
    p.check_str("SINTERSTORE d2 h h");
    check_encoding(&mut p, "d2");
    p.check_str("SUNIONSTORE d3 h");
    check_encoding(&mut p, "d3");
    p.check_str("SMEMBERS d3");
    p.check_str("SDIFFSTORE d4 h i");
    check_encoding(&mut p, "d4");
    p.check_str("SMEMBERS d4");
    // More than 512 integers: a hashtable.
    sadd_range(&mut p, "big1", 0, 300);
    sadd_range(&mut p, "big2", 300, 600);
    p.check_str("SUNIONSTORE d5 big1 big2");
    check_encoding(&mut p, "d5");
    p.check_str("SINTERSTORE d6 d5 big2");
    check_encoding(&mut p, "d6");
    p.check_str("SUNIONSTORE d7 i str");
    p.check_str("SADD str a");
    p.check_str("SUNIONSTORE d7 i str");
    check_encoding(&mut p, "d7");
}

#[test]
fn sdiffstore_encoding_depends_on_the_algorithm() {
    let mut p = DiffPair::new();
    p.check_str("SADD x1 1 2 3 4 5 6 7 8 9 10 a");
    p.check_str("SADD x2 a");
    p.check_str("SADD x3 1");
    // Two sets: Redis keeps the members that survive (an intset here).
    p.check_str("SDIFFSTORE d1 x1 x2");
    check_encoding(&mut p, "d1");
    p.check_str("SMEMBERS d1");
    // Small others: Redis copies x1 (a hashtable) and removes, keeping the hashtable.
    p.check_str("SDIFFSTORE d2 x1 x2 x3");
    check_encoding(&mut p, "d2");
    p.check_unordered(&["SMEMBERS", "d2"]);
    p.check_unordered(&["SDIFF", "x1", "x2", "x3"]);
}

#[test]
fn spop_with_count_rebuilds_the_rest() {
    let mut p = DiffPair::new();
    // Case 3 (count close to the size): the members left form a new set, an intset again.
    p.check_str("SADD h 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 x");
    p.check_str("SREM h x");
    p.check_with(&["SPOP", "h", "18"], Norm::TypeAndLen);
    check_encoding(&mut p, "h");
    p.check_str("SCARD h");
    // Case 2 (small count) leaves the encoding alone.
    p.check_str("SADD g 1 2 3 4 5 6 7 8 9 10 x");
    p.check_str("SREM g x");
    p.check_with(&["SPOP", "g", "1"], Norm::TypeAndLen);
    check_encoding(&mut p, "g");
    p.check_str("SCARD g");
    // Case 3 keeps the TTL (the value is replaced, not the key).
    if !has_command(&mut p.subject_conn, "expire") {
        eprintln!("TTL part skipped: the server has no EXPIRE yet");
        return;
    }
    sadd_range(&mut p, "t", 0, 30);
    p.check_str("EXPIRE t 1000");
    p.check_with(&["SPOP", "t", "28"], Norm::TypeAndLen);
    p.check_str("TTL t");
}

#[test]
fn smove_creates_the_destination_like_sadd() {
    let mut p = DiffPair::new();
    p.check_str("SADD src 1 a");
    p.check_str("SMOVE src d1 1");
    check_encoding(&mut p, "d1");
    p.check_str("SMOVE src d2 a");
    check_encoding(&mut p, "d2");
    p.check_str("SCARD src");
}

/// All members SSCAN returns over a full iteration (bounded).
fn full_sscan(c: &mut RawConn, key: &str, count: &str) -> BTreeSet<Vec<u8>> {
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeSet::new();
    for _ in 0..100_000 {
        let r = parse_reply(&c.cmd(&[
            &b"SSCAN"[..],
            key.as_bytes(),
            &cursor,
            b"COUNT",
            count.as_bytes(),
        ]));
        let parts = r.as_array().expect("array");
        cursor = parts[0].as_bytes().expect("cursor").to_vec();
        for m in parts[1].as_array().expect("members") {
            seen.insert(m.as_bytes().expect("bulk").to_vec());
        }
        if cursor == b"0" {
            return seen;
        }
    }
    panic!("SSCAN did not finish");
}

#[test]
fn sscan_returns_every_member() {
    let mut p = DiffPair::new();
    let mut cmd = vec!["SADD".to_string(), "s".to_string()];
    cmd.extend((0..1000).map(|i| format!("m{i}")));
    p.check(&cmd);
    let expected: BTreeSet<Vec<u8>> = (0..1000).map(|i| format!("m{i}").into_bytes()).collect();
    for count in ["1", "10", "1000"] {
        assert_eq!(full_sscan(&mut p.subject_conn, "s", count), expected);
        assert_eq!(full_sscan(&mut p.reference_conn, "s", count), expected);
    }
}

#[test]
fn sscan_guarantee_holds_while_the_set_grows_and_shrinks() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    let mut cmd = vec!["SADD".to_string(), "s".to_string()];
    cmd.extend((0..200).map(|i| format!("keep{i}")));
    c.cmd(&cmd);
    let mut cursor = b"0".to_vec();
    let mut seen = BTreeSet::new();
    for step in 0..100_000 {
        let r = parse_reply(&c.cmd(&[&b"SSCAN"[..], b"s", &cursor, b"COUNT", b"5"]));
        let parts = r.as_array().expect("array");
        cursor = parts[0].as_bytes().expect("cursor").to_vec();
        for m in parts[1].as_array().expect("members") {
            seen.insert(m.as_bytes().expect("bulk").to_vec());
        }
        if cursor == b"0" {
            break;
        }
        // Grow (forcing rehashes) early on, then shrink.
        if step < 20 {
            let mut add = vec!["SADD".to_string(), "s".to_string()];
            add.extend((0..100).map(|i| format!("tmp{step}-{i}")));
            c.cmd(&add);
        } else if step < 40 {
            let mut rem = vec!["SREM".to_string(), "s".to_string()];
            rem.extend((0..100).map(|i| format!("tmp{}-{i}", step - 20)));
            c.cmd(&rem);
        }
    }
    assert_eq!(cursor, b"0");
    for i in 0..200 {
        assert!(
            seen.contains(format!("keep{i}").as_bytes()),
            "keep{i} not returned"
        );
    }
}

#[test]
fn smembers_and_friends_reply_sets_in_resp3() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    c.cmd_str("HELLO 3");
    c.cmd_str("SADD s 2 1");
    assert_eq!(c.cmd_str("SMEMBERS s"), b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(c.cmd_str("SUNION s"), b"~2\r\n$1\r\n1\r\n$1\r\n2\r\n");
    assert_eq!(c.cmd_str("SMISMEMBER s 1 3"), b"*2\r\n:1\r\n:0\r\n");
    assert_eq!(c.cmd_str("SPOP nokey"), b"_\r\n");
    assert_eq!(c.cmd_str("SPOP nokey 1"), b"~0\r\n");
}

/// Whether the server under test knows `cmd` (some tests need other groups' commands).
fn has_command(c: &mut RawConn, cmd: &str) -> bool {
    let r = parse_reply(&c.cmd(&["COMMAND", "INFO", cmd]));
    r.as_array()
        .is_some_and(|a| a.first().is_some_and(|e| !e.is_null()))
}

/// Reads published messages until `n` arrived (bounded by the connection's read timeout).
fn events(sub: &mut RawConn, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|_| {
            let r = parse_reply(&sub.read_reply());
            let a = r.as_array().expect("message").to_vec();
            let s = |i: usize| String::from_utf8_lossy(a[i].as_bytes().unwrap_or(b"")).into_owned();
            (s(2), s(3))
        })
        .collect()
}

#[test]
fn keyspace_events_follow_t_set_c() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    if !has_command(&mut c, "psubscribe") {
        eprintln!("skipped: the server has no PSUBSCRIBE yet");
        return;
    }
    c.cmd_str("CONFIG SET notify-keyspace-events KEA");
    let mut sub = srv.conn();
    sub.cmd_str("PSUBSCRIBE __keyevent@0__:*");
    let script: &[(&str, &[(&str, &str)])] = &[
        ("SADD s 1 2", &[("__keyevent@0__:sadd", "s")]),
        ("SADD s 1", &[]),
        ("SREM s 9", &[]),
        ("SREM s 1", &[("__keyevent@0__:srem", "s")]),
        (
            "SMOVE s d 2",
            &[
                ("__keyevent@0__:srem", "s"),
                ("__keyevent@0__:del", "s"),
                ("__keyevent@0__:sadd", "d"),
            ],
        ),
        ("SADD p a b", &[("__keyevent@0__:sadd", "p")]),
        ("SPOP p", &[("__keyevent@0__:spop", "p")]),
        (
            "SPOP p 5",
            &[("__keyevent@0__:spop", "p"), ("__keyevent@0__:del", "p")],
        ),
        ("SINTERSTORE x d d", &[("__keyevent@0__:sinterstore", "x")]),
        ("SUNIONSTORE x d", &[("__keyevent@0__:sunionstore", "x")]),
        ("SDIFFSTORE x d d", &[("__keyevent@0__:del", "x")]),
        (
            "SDIFFSTORE x d nokey",
            &[("__keyevent@0__:sdiffstore", "x")],
        ),
        ("SINTERSTORE x d nokey", &[("__keyevent@0__:del", "x")]),
        (
            "SREM d 2",
            &[("__keyevent@0__:srem", "d"), ("__keyevent@0__:del", "d")],
        ),
    ];
    for (cmd, expected) in script {
        c.cmd_str(cmd);
        let got = events(&mut sub, expected.len());
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want, "after {cmd}");
    }
    // Nothing left over.
    assert!(sub
        .read_reply_timeout(std::time::Duration::from_millis(100))
        .is_none());
}

/// `keyspace_hits` and `keyspace_misses` from INFO stats.
fn hits_misses(c: &mut RawConn) -> (i64, i64) {
    let info = String::from_utf8_lossy(&c.cmd_str("INFO stats")).into_owned();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} missing from INFO stats"))
    };
    (field("keyspace_hits:"), field("keyspace_misses:"))
}

#[test]
fn keyspace_hits_and_misses_match_redis() {
    let mut p = DiffPair::new();
    p.check_str("SADD a 1 2 3");
    p.check_str("SADD b 2 3 4");
    let script = [
        "SINTERSTORE d a b",
        "SINTERSTORE d a nokey b",
        "SUNIONSTORE d a nokey",
        "SDIFFSTORE d a b",
        "SINTER a b",
        "SINTERCARD 2 a b",
        "SUNION a nokey",
        "SMEMBERS nokey",
        "SPOP a 10",
        "SADD a 1 2 3",
        "SPOP a 1",
        "SPOP a",
        "SMOVE b a 4",
        "SRANDMEMBER a 10",
        "SRANDMEMBER nokey",
        "SSCAN a 0",
        "SISMEMBER a 1",
        "SMISMEMBER nokey 1",
        "SCARD a",
        "SREM a 1",
    ];
    for cmd in script {
        let s0 = hits_misses(&mut p.subject_conn);
        let r0 = hits_misses(&mut p.reference_conn);
        p.check_with(&cmd.split(' ').collect::<Vec<_>>(), Norm::TypeOnly);
        let s1 = hits_misses(&mut p.subject_conn);
        let r1 = hits_misses(&mut p.reference_conn);
        assert_eq!(
            (s1.0 - s0.0, s1.1 - s0.1),
            (r1.0 - r0.0, r1.1 - r0.1),
            "hits/misses after {cmd}"
        );
    }
}

fn dirty(c: &mut RawConn) -> i64 {
    let info = String::from_utf8_lossy(&c.cmd_str("INFO persistence")).into_owned();
    info.lines()
        .find_map(|l| l.strip_prefix("rdb_changes_since_last_save:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("rdb_changes_since_last_save in INFO persistence")
}

#[test]
fn writes_count_changes_like_redis() {
    let mut p = DiffPair::new();
    let script = [
        "SADD a 1 2 3",
        "SADD a 3 4",
        "SADD a 4",
        "SADD b 2 3 x",
        "SREM a 9",
        "SREM a 1 2",
        "SMOVE a b 3",
        "SMOVE a b 4",
        "SMOVE b c x",
        "SMOVE b b 2",
        "SINTERSTORE d b c",
        "SINTERSTORE d b nokey",
        "SINTERSTORE d b nokey",
        "SUNIONSTORE d b c",
        "SDIFFSTORE d b b",
        "SADD p 1 2 3 4 5 6 7 8 9 10",
        "SPOP p",
        "SPOP p 0",
        "SPOP p 1",
        "SPOP p 6",
        "SPOP p 100",
        "SADD q 1 2",
        "SREM q 1 2 3",
    ];
    for cmd in script {
        let (s0, r0) = (dirty(&mut p.subject_conn), dirty(&mut p.reference_conn));
        p.check_with(&cmd.split(' ').collect::<Vec<_>>(), Norm::TypeOnly);
        let (s1, r1) = (dirty(&mut p.subject_conn), dirty(&mut p.reference_conn));
        assert_eq!(s1 - s0, r1 - r0, "changes counted by {cmd}");
    }
}

#[test]
fn watch_sees_only_real_changes() {
    let mut p = DiffPair::new();
    let mut other_s = p.subject.conn();
    let mut other_r = p.reference.conn();
    p.check_str("SADD s 1 2");
    p.check_str("SADD t a");
    // (command run by another client, whether it invalidates WATCH s)
    let cases = [
        "SADD s 1",
        "SADD s 3",
        "SREM s 9",
        "SREM s 3",
        "SPOP s 0",
        "SMOVE t s zz",
        "SMOVE s s 1",
        "SINTERSTORE s s nokey",
        "SADD s 1 2",
        "SINTERSTORE nokey2 s nokey",
        "SISMEMBER s 1",
        "SUNIONSTORE u s",
        "SDIFFSTORE s s s",
    ];
    for cmd in cases {
        p.check_str("WATCH s");
        let args: Vec<&str> = cmd.split(' ').collect();
        let (a, b) = (other_s.cmd(&args), other_r.cmd(&args));
        assert_eq!(escape(&a), escape(&b), "{cmd} by another client");
        p.check_str("MULTI");
        p.check_str("PING");
        p.check_str("EXEC");
    }
}
