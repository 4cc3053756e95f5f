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

/// The `encoding:` field of a `DEBUG OBJECT` reply (the rest holds addresses and times).
fn debug_encoding(reply: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    let field = text
        .split_whitespace()
        .find(|w| w.starts_with("encoding:"))?;
    Some(field.to_string())
}

fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    match (debug_encoding(subject), debug_encoding(reference)) {
        (Some(a), Some(b)) if a == b => Ok(()),
        (a, b) => Err(format!(
            "encoding differs: subject {a:?} vs reference {b:?}"
        )),
    }
}

#[test]
fn string_encodings_match_redis() {
    let mut p = DiffPair::new();
    let long = "x".repeat(45);
    let max_emb = "y".repeat(44);
    let steps: Vec<Vec<String>> = [
        // (command, key whose encoding is then compared)
        vec!["SET", "k", "12345"],
        vec!["SET", "k", "-9223372036854775808"],
        vec!["SET", "k", "9223372036854775808"],
        vec!["SET", "k", "007"],
        vec!["SET", "k", "-0"],
        vec!["SET", "k", "abc"],
        vec!["SET", "k", &max_emb],
        vec!["SET", "k", &long],
        vec!["SET", "k", ""],
        vec!["APPEND", "k", ""],
        vec!["APPEND", "new", "123"],
        vec!["APPEND", "new", ""],
        vec!["INCR", "new"],
        vec!["SETRANGE", "sr", "0", "5"],
        vec!["INCR", "sr"],
        vec!["SETRANGE", "sr", "0", ""],
        vec!["SETRANGE", "sr", "0", "7"],
        vec!["INCRBYFLOAT", "fl", "1"],
        vec!["INCRBYFLOAT", "fl", "1.5"],
        vec!["INCRBYFLOAT", "fl", "1e40"],
        vec!["INCRBY", "fl2", "10000"],
        vec!["DECR", "fl2"],
        vec!["GETSET", "gs", "10"],
        vec!["GETSET", "gs", "hello"],
        vec!["MSET", "m", "99", "m2", "x"],
        vec!["MSETNX", "m3", "42"],
        vec!["SETNX", "m4", &long],
        vec!["SETEX", "m5", "100", "1"],
        vec!["PSETEX", "m6", "100000", &max_emb],
        vec!["SET", "m7", "5", "GET"],
        vec!["GETEX", "m7", "PERSIST"],
    ]
    .into_iter()
    .map(|v| v.into_iter().map(String::from).collect())
    .collect();
    for cmd in steps {
        p.check(&cmd);
        let key = cmd[1].clone();
        p.check_with(
            &["DEBUG", "OBJECT", key.as_str()],
            Norm::Custom(same_encoding),
        );
    }
}

/// Runs `setup`, then WATCH `key` on one connection, `write` on another, and compares the
/// EXEC reply of the watching connection (null when `write` touched the key).
fn watch_case(p: &mut DiffPair, setup: &[&str], key: &str, write: &str) {
    p.check(&["FLUSHALL"]);
    for c in setup {
        p.check_str(c);
    }
    let mut others = (p.subject.conn(), p.reference.conn());
    p.check(&["WATCH", key]);
    let w: Vec<Vec<u8>> = split_args(write).expect("valid command");
    let (a, b) = (others.0.cmd(&w), others.1.cmd(&w));
    assert_eq!(escape(&a), escape(&b), "{write}");
    p.check(&["MULTI"]);
    p.check(&["PING"]);
    p.check(&["EXEC"]);
}

#[test]
fn writes_invalidate_watch_exactly_when_redis_does() {
    let mut p = DiffPair::new();
    let cases: &[(&[&str], &str)] = &[
        (&[], "SET k v"),
        (&["SET k v"], "SET k w NX"),
        (&[], "SET k w XX"),
        (&["SET k v"], "SET k v GET"),
        (&["SET k v"], "SETNX k w"),
        (&[], "SETNX k w"),
        (&["SET k v"], "GETEX k"),
        (&["SET k v"], "GETEX k PERSIST"),
        (&["SET k v PX 100000"], "GETEX k PERSIST"),
        (&["SET k v"], "GETEX k EX 100"),
        (&["SET k v"], "GETEX k EXAT 1"),
        (&["SET k v"], "GETDEL k"),
        (&[], "GETDEL k"),
        (&["SET k v"], "GETSET k w"),
        (&["SET k v"], "MSETNX a 1 k 2"),
        (&[], "MSETNX a 1 k 2"),
        (&[], "MSET a 1 k 2"),
        (&["SET k v"], "SETRANGE k 0 \"\""),
        (&["SET k v"], "SETRANGE k 0 x"),
        (&[], "SETRANGE k 5 \"\""),
        (&["SET k v"], "APPEND k \"\""),
        (&["SET k 1"], "INCR k"),
        (&["SET k abc"], "INCR k"),
        (&["SET k 1"], "INCRBYFLOAT k 0"),
        (&["SET k 1"], "INCRBYFLOAT k inf"),
        (&["SET k v"], "GET k"),
        (&["SET k v"], "LCS k k"),
        (&["SET k v"], "SET k v EX 0"),
    ];
    for (setup, write) in cases {
        watch_case(&mut p, setup, "k", write);
    }
}

/// The `name:value` line of an INFO reply.
fn info_field(reply: &[u8], name: &str) -> Option<String> {
    let text = String::from_utf8_lossy(reply);
    let prefix = format!("{name}:");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

fn same_stats(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    for f in [
        "keyspace_hits",
        "keyspace_misses",
        "rdb_changes_since_last_save",
    ] {
        let (a, b) = (info_field(subject, f), info_field(reference, f));
        if a.is_none() || a != b {
            return Err(format!("{f}: subject {a:?} vs reference {b:?}"));
        }
    }
    Ok(())
}

#[test]
fn read_lookups_and_dirty_counts_match_redis() {
    // Which commands count keyspace hits/misses (lookupKeyRead) and how many changes each
    // write counts, compared through INFO after every command.
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "RESETSTAT"]);
    let cmds = [
        "GET k",
        "SET k v",
        "GET k",
        "SET k w GET",
        "SET k w NX",
        "SET k2 v NX GET",
        "SETNX k x",
        "MGET k nokey k2",
        "MSET a 1 b 2 c 3",
        "MSETNX a 1 d 2",
        "MSETNX d 1 e 2",
        "GETEX k",
        "GETEX nokey",
        "GETEX k EX 100",
        "GETEX k PERSIST",
        "GETDEL k",
        "GETDEL k",
        "GETSET k v",
        "STRLEN k",
        "STRLEN nokey",
        "GETRANGE k 0 -1",
        "SUBSTR nokey 0 1",
        "INCR n",
        "INCRBY n 5",
        "DECRBY n 5",
        "INCRBYFLOAT n 1.5",
        "APPEND n x",
        "SETRANGE n 0 y",
        "SETRANGE n 0 \"\"",
        "LCS a b",
        "LCS a nokey LEN",
    ];
    for c in cmds {
        p.check_str(c);
        p.check_with(&["INFO", "all"], Norm::Custom(same_stats));
    }
}

#[test]
fn string_wrongtype_script_matches_redis() {
    DiffPair::new().run_script_file(&diff_dir().join("string-wrongtype.txt"));
}

/// Two PTTL replies agree: both the same negative code (-1 no TTL, -2 no key), or both
/// positive and within a second of each other (the servers ran the command at different ms).
fn close_pttl(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    let (a, b) = (
        parse_reply(subject).as_int(),
        parse_reply(reference).as_int(),
    );
    match (a, b) {
        (Some(a), Some(b)) if a == b => Ok(()),
        (Some(a), Some(b)) if a > 0 && b > 0 && (a - b).abs() <= 1000 => Ok(()),
        _ => Err(format!("PTTL {a:?} vs {b:?}")),
    }
}

#[test]
fn string_writes_set_keep_or_clear_ttls_as_redis() {
    let mut p = DiffPair::new();
    let steps: &[(&str, &str)] = &[
        ("SET k v EX 100", "k"),
        ("SET k w KEEPTTL", "k"),
        ("SET k w KEEPTTL GET", "k"),
        ("SET k w GET", "k"),
        ("SET k v PX 50000", "k"),
        ("SET k v NX EX 5", "k"),
        ("SETNX k x", "k"),
        ("SET k v XX", "k"),
        ("SET k v EXAT 9999999999", "k"),
        ("SET k v PXAT 9999999999999", "k"),
        ("SET k v EXAT 1", "k"),
        ("SETEX k 100 v", "k"),
        ("PSETEX k 100000 v", "k"),
        ("SET n 1 EX 100", "n"),
        ("INCR n", "n"),
        ("DECRBY n 3", "n"),
        ("INCRBYFLOAT n 1.5", "n"),
        ("APPEND n x", "n"),
        ("SETRANGE n 0 y", "n"),
        ("GETSET n 2", "n"),
        ("GETEX n EX 100", "n"),
        ("GETEX n", "n"),
        ("GETEX n PERSIST", "n"),
        ("GETEX n PXAT 9999999999999", "n"),
        ("GETEX n EXAT 1", "n"),
        ("SET m 1 EX 100", "m"),
        ("MSETNX m 2 q 3", "m"),
        ("MSET m 2 q 3", "m"),
        ("GETDEL m", "m"),
    ];
    for (c, key) in steps {
        p.check(&split_args(c).expect("valid command"));
        p.check_with(&["PTTL", key], Norm::Custom(close_pttl));
        p.check(&["GET", key]);
    }
}
