//! RDB persistence against the reference: oxidis's snapshots load in redis-server 7.0.15 with
//! the same data, redis-server's dumps load in oxidis, BGSAVE captures exactly the state at
//! its start while clients keep writing, save points, MISCONF, SHUTDOWN, DEBUG RELOAD, and
//! DUMP/RESTORE replies compared byte for byte.
//!
//! Data is checked on the real redis-server side (it has every read command), so these tests
//! only need GET/SET/DEL/SELECT on oxidis itself. TTLs set on oxidis come from RESTORE.

mod common;

use common::{info_field, parse_reply, DiffPair, RawConn, Resp, TestServer};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

type Model = BTreeMap<(usize, Vec<u8>), (Vec<u8>, Option<i64>)>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn cmd(c: &mut RawConn, args: &[&[u8]]) -> Resp {
    parse_reply(&c.cmd(args))
}

fn ok(c: &mut RawConn, args: &[&[u8]]) {
    let r = c.cmd(args);
    assert!(
        r.starts_with(b"+"),
        "{:?} -> {}",
        args.iter()
            .map(|a| String::from_utf8_lossy(a))
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&r)
    );
}

fn bulk(c: &mut RawConn, args: &[&[u8]]) -> Option<Vec<u8>> {
    match cmd(c, args) {
        Resp::Bulk(b) => Some(b),
        r if r.is_null() => None,
        r => panic!("expected a bulk, got {r:?}"),
    }
}

fn int(c: &mut RawConn, args: &[&[u8]]) -> i64 {
    cmd(c, args).as_int().expect("integer reply")
}

/// One field of `INFO persistence`.
fn persistence_field(c: &mut RawConn, name: &str) -> String {
    info_field(c, "persistence", name).unwrap_or_else(|| panic!("no {name} in INFO"))
}

/// Waits (bounded) for a running BGSAVE to end; returns `rdb_last_bgsave_status`.
fn wait_bgsave(c: &mut RawConn) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    while persistence_field(c, "rdb_bgsave_in_progress") != "0" {
        assert!(Instant::now() < deadline, "BGSAVE did not finish in 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    persistence_field(c, "rdb_last_bgsave_status")
}

/// Starts a real redis-server on a copy of `file`.
fn redis_on(file: &Path) -> TestServer {
    let mut r = TestServer::redis(&[]);
    r.kill();
    std::fs::copy(file, r.dir().join("dump.rdb")).expect("copy dump");
    r.restart();
    r
}

/// Asserts that a real redis-server holds exactly `model` (values, and TTLs within `slack` ms).
fn assert_redis_has(r: &TestServer, model: &Model, slack: i64) {
    let mut c = r.conn();
    let dbs: std::collections::BTreeSet<usize> = model.keys().map(|(d, _)| *d).collect();
    for db in 0..16usize {
        ok(&mut c, &[b"SELECT", db.to_string().as_bytes()]);
        let expected = model.keys().filter(|(d, _)| *d == db).count() as i64;
        assert_eq!(int(&mut c, &[b"DBSIZE"]), expected, "db {db} size");
        if !dbs.contains(&db) {
            continue;
        }
        for ((_, k), (v, exp)) in model.range((db, Vec::new())..(db + 1, Vec::new())) {
            assert_eq!(
                bulk(&mut c, &[b"GET", k]).as_deref(),
                Some(v.as_slice()),
                "db {db} key {}",
                String::from_utf8_lossy(k)
            );
            let pttl = int(&mut c, &[b"PTTL", k]);
            match exp {
                None => assert_eq!(pttl, -1, "key {} has no TTL", String::from_utf8_lossy(k)),
                Some(at) => {
                    let want = at - now_ms();
                    assert!(
                        pttl > 0 && (pttl - want).abs() <= slack,
                        "key {} pttl {pttl} want ~{want}",
                        String::from_utf8_lossy(k)
                    );
                }
            }
        }
    }
}

/// String values covering every encoding: int-encoded, non-canonical numbers, LZF-compressible,
/// incompressible, binary, empty, 64-bit integers.
fn sample_values() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut x: u32 = 99;
    let noise: Vec<u8> = (0..500)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    vec![
        (b"int:0".to_vec(), b"0".to_vec()),
        (b"int:neg".to_vec(), b"-129".to_vec()),
        (b"int:16".to_vec(), b"32767".to_vec()),
        (b"int:32".to_vec(), b"-2147483648".to_vec()),
        (b"int:64".to_vec(), b"9223372036854775807".to_vec()),
        (b"int:padded".to_vec(), b"0012".to_vec()),
        (b"int:plus".to_vec(), b"+5".to_vec()),
        (b"str:short".to_vec(), b"hello world".to_vec()),
        (b"str:lzf".to_vec(), b"abcdefgh".repeat(200)),
        (b"str:noise".to_vec(), noise),
        (b"str:bin\x00\r\n".to_vec(), (0..=255u8).collect()),
        (b"str:empty".to_vec(), Vec::new()),
        (b"str:big".to_vec(), b"x".repeat(300_000)),
    ]
}

/// Fills `c` (db by db) with the sample values and a few keys with TTLs set via RESTORE.
fn fill(c: &mut RawConn) -> Model {
    let mut model = Model::new();
    for db in [0usize, 3, 15] {
        ok(c, &[b"SELECT", db.to_string().as_bytes()]);
        for (k, v) in sample_values() {
            ok(c, &[b"SET", &k, &v]);
            model.insert((db, k), (v, None));
        }
    }
    ok(c, &[b"SELECT", b"3"]);
    // Deleted keys must not appear.
    assert_eq!(int(c, &[b"DEL", b"int:0"]), 1);
    model.remove(&(3, b"int:0".to_vec()));
    // TTLs: relative and absolute.
    let payload = bulk(c, &[b"DUMP", b"str:short"]).unwrap();
    ok(c, &[b"RESTORE", b"ttl:rel", b"100000", &payload]);
    let at = now_ms() + 200_000;
    ok(
        c,
        &[
            b"RESTORE",
            b"ttl:abs",
            at.to_string().as_bytes(),
            &payload,
            b"ABSTTL",
        ],
    );
    model.insert(
        (3, b"ttl:rel".to_vec()),
        (b"hello world".to_vec(), Some(now_ms() + 100_000)),
    );
    model.insert(
        (3, b"ttl:abs".to_vec()),
        (b"hello world".to_vec(), Some(at)),
    );
    ok(c, &[b"SELECT", b"0"]);
    model
}

#[test]
fn bgsave_file_loads_in_redis_with_the_same_data() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    let model = fill(&mut c);
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        b"+Background saving started\r\n".to_vec()
    );
    assert_eq!(wait_bgsave(&mut c), "ok");
    assert_eq!(
        persistence_field(&mut c, "rdb_changes_since_last_save"),
        "0"
    );
    assert_eq!(persistence_field(&mut c, "rdb_saves"), "1");
    assert_ne!(persistence_field(&mut c, "rdb_last_bgsave_time_sec"), "-1");
    let lastsave = int(&mut c, &[b"LASTSAVE"]);
    assert!((lastsave - now_ms() / 1000).abs() <= 5);
    let log = s.log();
    for line in [
        "Background saving started",
        "DB saved on disk",
        "Background saving terminated with success",
    ] {
        assert!(log.contains(line), "log lacks {line:?}");
    }
    let file = s.dir().join("dump.rdb");
    assert!(file.exists());
    assert!(
        std::fs::read_dir(s.dir()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("temp-")),
        "temp file left behind"
    );
    let r = redis_on(&file);
    assert_redis_has(&r, &model, 5_000);
}

#[test]
fn save_writes_the_same_file_synchronously() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    let model = fill(&mut c);
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n".to_vec());
    assert_eq!(
        persistence_field(&mut c, "rdb_changes_since_last_save"),
        "0"
    );
    let r = redis_on(&s.dir().join("dump.rdb"));
    assert_redis_has(&r, &model, 5_000);
}

#[test]
fn redis_dump_loads_in_oxidis() {
    // The reference writes a file with every string encoding, TTLs and an expired key.
    let r = TestServer::redis(&[]);
    let mut rc = r.conn();
    let mut model = Model::new();
    for db in [0usize, 7] {
        ok(&mut rc, &[b"SELECT", db.to_string().as_bytes()]);
        for (k, v) in sample_values() {
            ok(&mut rc, &[b"SET", &k, &v]);
            model.insert((db, k), (v, None));
        }
    }
    ok(&mut rc, &[b"SET", b"ttl", b"v", b"PX", b"300000"]);
    model.insert(
        (7, b"ttl".to_vec()),
        (b"v".to_vec(), Some(now_ms() + 300_000)),
    );
    ok(&mut rc, &[b"DEBUG", b"SET-ACTIVE-EXPIRE", b"0"]);
    ok(&mut rc, &[b"SET", b"expired", b"v", b"PX", b"1"]);
    std::thread::sleep(Duration::from_millis(5));
    ok(&mut rc, &[b"SAVE"]);

    let mut s = TestServer::oxidis(&[]);
    s.kill();
    std::fs::copy(r.dir().join("dump.rdb"), s.dir().join("dump.rdb")).unwrap();
    s.restart();
    let mut c = s.conn();
    let loaded = model.len() as i64;
    assert_eq!(
        persistence_field(&mut c, "rdb_last_load_keys_loaded"),
        loaded.to_string()
    );
    assert_eq!(persistence_field(&mut c, "rdb_last_load_keys_expired"), "1");
    for ((db, k), (v, _)) in &model {
        ok(&mut c, &[b"SELECT", db.to_string().as_bytes()]);
        assert_eq!(bulk(&mut c, &[b"GET", k]).as_deref(), Some(v.as_slice()));
    }
    ok(&mut c, &[b"SELECT", b"7"]);
    assert_eq!(bulk(&mut c, &[b"GET", b"expired"]), None);
    // Same DUMP bytes as the reference for values without LZF (LZF output is not unique).
    for k in [
        &b"int:32"[..],
        b"int:padded",
        b"str:short",
        b"str:noise",
        b"ttl",
    ] {
        assert_eq!(
            bulk(&mut c, &[b"DUMP", k]),
            bulk(&mut rc, &[b"DUMP", k]),
            "DUMP {}",
            String::from_utf8_lossy(k)
        );
    }
    // TTLs survived: round trip through oxidis's own file into the reference.
    ok(&mut c, &[b"SAVE"]);
    let r2 = redis_on(&s.dir().join("dump.rdb"));
    assert_redis_has(&r2, &model, 5_000);
}

/// The file of a BGSAVE holds exactly the keyspace at the instant BGSAVE ran, while a
/// client overwrites, deletes, creates keys, swaps databases and flushes them.
#[test]
fn bgsave_is_a_point_in_time_view() {
    const N: usize = 40_000;
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"DEBUG", b"POPULATE", N.to_string().as_bytes()]);
    ok(&mut c, &[b"SELECT", b"1"]);
    ok(&mut c, &[b"DEBUG", b"POPULATE", b"500", b"one"]);
    ok(&mut c, &[b"SELECT", b"2"]);
    ok(&mut c, &[b"DEBUG", b"POPULATE", b"300", b"two"]);
    ok(&mut c, &[b"SELECT", b"0"]);
    // Slow the writer down (µs per key) so that the writes below happen during the save.
    ok(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"1"]);
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        b"+Background saving started\r\n".to_vec()
    );
    // Overwrite and delete keys spread over the whole keyspace, create new ones.
    let mut changed = Vec::new();
    for i in (0..N).step_by(37) {
        let k = format!("key:{i}");
        if i % 2 == 0 {
            ok(&mut c, &[b"SET", k.as_bytes(), b"overwritten"]);
        } else {
            assert_eq!(int(&mut c, &[b"DEL", k.as_bytes()]), 1);
        }
        changed.push(i);
        ok(&mut c, &[b"SET", format!("new:{i}").as_bytes(), b"x"]);
    }
    // The loop blocked for a while: the writer keeps going, the view is unaffected.
    ok(&mut c, &[b"DEBUG", b"SLEEP", b"0.2"]);
    ok(&mut c, &[b"SWAPDB", b"1", b"2"]);
    ok(&mut c, &[b"SELECT", b"1"]);
    ok(&mut c, &[b"SET", b"two:0", b"changed-after-swap"]);
    // FLUSHDB hands the old tables to the snapshot (FLUSHALL would abort it, as in Redis).
    ok(&mut c, &[b"SELECT", b"2"]);
    ok(&mut c, &[b"FLUSHDB"]);
    ok(&mut c, &[b"SET", b"one:1", b"after-flush"]);
    ok(&mut c, &[b"SELECT", b"0"]);
    ok(&mut c, &[b"FLUSHDB"]);
    ok(&mut c, &[b"SET", b"key:1", b"after-flush"]);
    assert_eq!(
        persistence_field(&mut c, "rdb_bgsave_in_progress"),
        "1",
        "the save ended before the writes: the test would prove nothing"
    );
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        b"-ERR Background save already in progress\r\n".to_vec()
    );
    assert_eq!(
        c.cmd(&["SAVE"]),
        b"-ERR Background save already in progress\r\n".to_vec()
    );
    assert_eq!(wait_bgsave(&mut c), "ok");

    let r = redis_on(&s.dir().join("dump.rdb"));
    let mut rc = r.conn();
    assert_eq!(int(&mut rc, &[b"DBSIZE"]), N as i64);
    // Every key, in batches.
    for chunk in (0..N).collect::<Vec<_>>().chunks(1000) {
        let mut args: Vec<Vec<u8>> = vec![b"MGET".to_vec()];
        args.extend(chunk.iter().map(|i| format!("key:{i}").into_bytes()));
        let refs: Vec<&[u8]> = args.iter().map(|a| a.as_slice()).collect();
        let got = cmd(&mut rc, &refs);
        for (i, v) in chunk.iter().zip(got.as_array().unwrap()) {
            assert_eq!(
                v.as_bytes(),
                Some(format!("value:{i}").as_bytes()),
                "key:{i}"
            );
        }
    }
    assert!(changed.len() > 1000);
    assert_eq!(int(&mut rc, &[b"EXISTS", b"new:0"]), 0);
    ok(&mut rc, &[b"SELECT", b"1"]);
    assert_eq!(int(&mut rc, &[b"DBSIZE"]), 500);
    assert_eq!(
        bulk(&mut rc, &[b"GET", b"one:499"]).as_deref(),
        Some(&b"value:499"[..])
    );
    ok(&mut rc, &[b"SELECT", b"2"]);
    assert_eq!(int(&mut rc, &[b"DBSIZE"]), 300);
    assert_eq!(
        bulk(&mut rc, &[b"GET", b"two:0"]).as_deref(),
        Some(&b"value:0"[..])
    );
}

#[test]
fn flushall_abandons_a_running_bgsave() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"DEBUG", b"POPULATE", b"20000"]);
    ok(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"100"]);
    assert_eq!(
        c.cmd(&["BGSAVE"]),
        b"+Background saving started\r\n".to_vec()
    );
    ok(&mut c, &[b"FLUSHALL"]);
    assert_eq!(wait_bgsave(&mut c), "ok");
    assert!(!s.dir().join("dump.rdb").exists());
    // DEBUG POPULATE is not a change; the 20000 flushed keys are [observed on Redis 7.0.15].
    assert_eq!(
        persistence_field(&mut c, "rdb_changes_since_last_save"),
        "20000"
    );
    // With save points, FLUSHALL saves the empty dataset at once.
    ok(&mut c, &[b"CONFIG", b"SET", b"save", b"3600 1"]);
    ok(&mut c, &[b"CONFIG", b"SET", b"rdb-key-save-delay", b"0"]);
    ok(&mut c, &[b"SET", b"k", b"v"]);
    ok(&mut c, &[b"FLUSHALL"]);
    assert!(s.dir().join("dump.rdb").exists());
    assert_eq!(
        persistence_field(&mut c, "rdb_changes_since_last_save"),
        "0"
    );
    let r = redis_on(&s.dir().join("dump.rdb"));
    assert_eq!(int(&mut r.conn(), &[b"DBSIZE"]), 0);
}

#[test]
fn save_points_trigger_bgsave() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"CONFIG", b"SET", b"save", b"1 2"]);
    ok(&mut c, &[b"SET", b"a", b"1"]);
    // One change is below the save point: nothing happens.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(persistence_field(&mut c, "rdb_saves"), "0");
    ok(&mut c, &[b"SET", b"b", b"2"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while persistence_field(&mut c, "rdb_saves") == "0" {
        assert!(
            Instant::now() < deadline,
            "no save point BGSAVE within 10 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(wait_bgsave(&mut c), "ok");
    assert_eq!(
        persistence_field(&mut c, "rdb_changes_since_last_save"),
        "0"
    );
    assert!(s.log().contains("2 changes in 1 seconds. Saving..."));
    let r = redis_on(&s.dir().join("dump.rdb"));
    let mut rc = r.conn();
    assert_eq!(bulk(&mut rc, &[b"GET", b"b"]).as_deref(), Some(&b"2"[..]));
}

/// The same MISCONF scenario on a server; returns every reply for comparison.
fn misconf_scenario(s: &TestServer) -> Vec<Vec<u8>> {
    let mut c = s.conn();
    let mut out = Vec::new();
    ok(&mut c, &[b"CONFIG", b"SET", b"save", b"3600 1"]);
    ok(&mut c, &[b"SET", b"k", b"v"]);
    // A transaction queued before the failure, executed after it.
    let mut c2 = s.conn();
    out.push(c2.cmd_str("MULTI"));
    out.push(c2.cmd_str("SET k queued"));
    // A directory where the file should go: the final rename fails, even for root.
    std::fs::create_dir(s.dir().join("dump.rdb")).unwrap();
    out.push(c.cmd(&["BGSAVE"]));
    assert_eq!(wait_bgsave(&mut c), "err");
    out.push(c2.cmd_str("EXEC"));
    out.push(c2.cmd_str("EXEC"));
    for line in [
        "SET k v2",
        "PING",
        "GET k",
        "DEL k",
        "MULTI",
        "SET k v3",
        "GET k",
        "EXEC",
        "SAVE",
        "CONFIG SET stop-writes-on-bgsave-error no",
        "SET k v4",
        "CONFIG SET stop-writes-on-bgsave-error yes",
        "SET k v5",
        "CONFIG SET save \"\"",
        "SET k v6",
        "CONFIG SET save \"3600 1\"",
        "SET k v7",
    ] {
        if line == "CONFIG SET save \"\"" {
            out.push(c.cmd(&["CONFIG", "SET", "save", ""]));
        } else if line == "CONFIG SET save \"3600 1\"" {
            out.push(c.cmd(&["CONFIG", "SET", "save", "3600 1"]));
        } else {
            out.push(c.cmd_str(line));
        }
    }
    std::fs::remove_dir(s.dir().join("dump.rdb")).unwrap();
    out.push(c.cmd(&["BGSAVE"]));
    assert_eq!(wait_bgsave(&mut c), "ok");
    out.push(c.cmd_str("SET k v8"));
    out.push(c.cmd_str("PING"));
    assert!(s.log().contains("Background saving error"));
    out
}

#[test]
fn misconf_after_a_failed_bgsave_as_redis() {
    let ours = misconf_scenario(&TestServer::oxidis(&[]));
    let theirs = misconf_scenario(&TestServer::redis(&[]));
    let show = |v: &Vec<Vec<u8>>| {
        v.iter()
            .map(|r| String::from_utf8_lossy(r).into_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(show(&ours), show(&theirs));
    assert!(ours[3].starts_with(b"-EXECABORT Transaction discarded because of: MISCONF"));
    assert!(ours[5].starts_with(b"-MISCONF"));
    assert_eq!(ours[4], b"-ERR EXEC without MULTI\r\n");
}

#[test]
fn bgsave_syntax_and_scheduling() {
    let mut p = DiffPair::new();
    p.check(&["BGSAVE", "x"]);
    p.check(&["BGSAVE", "SCHEDULE", "x"]);
    p.check(&["SAVE", "x"]);
    p.check(&["MULTI"]);
    p.check(&["BGSAVE"]);
    p.check(&["EXEC"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    for c in [&mut p.subject_conn, &mut p.reference_conn] {
        while persistence_field(c, "rdb_saves") == "0" {
            assert!(Instant::now() < deadline, "scheduled BGSAVE never ran");
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(wait_bgsave(c), "ok");
    }
}

#[test]
fn shutdown_saves_when_save_points_are_configured() {
    let mut s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"CONFIG", b"SET", b"save", b"3600 1"]);
    ok(&mut c, &[b"SET", b"k", b"v"]);
    assert_eq!(
        c.cmd(&["SHUTDOWN", "SAVE", "NOSAVE"]),
        b"-ERR syntax error\r\n"
    );
    // A failing save keeps the server up.
    std::fs::create_dir(s.dir().join("dump.rdb")).unwrap();
    assert_eq!(
        c.cmd(&["SHUTDOWN"]),
        b"-ERR Errors trying to SHUTDOWN. Check logs.\r\n".to_vec()
    );
    assert!(s.log().contains("Error trying to save the DB, can't exit."));
    std::fs::remove_dir(s.dir().join("dump.rdb")).unwrap();
    c.send(b"*1\r\n$8\r\nSHUTDOWN\r\n");
    assert!(s.wait_exit(Duration::from_secs(10)).is_some());
    assert!(s
        .log()
        .contains("Saving the final RDB snapshot before exiting."));
    s.restart();
    let mut c = s.conn();
    assert_eq!(bulk(&mut c, &[b"GET", b"k"]).as_deref(), Some(&b"v"[..]));

    // NOSAVE: the change is lost; SAVE without save points: it is kept.
    ok(&mut c, &[b"SET", b"k", b"v2"]);
    c.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n");
    assert!(s.wait_exit(Duration::from_secs(10)).is_some());
    s.restart();
    let mut c = s.conn();
    assert_eq!(bulk(&mut c, &[b"GET", b"k"]).as_deref(), Some(&b"v"[..]));
    ok(&mut c, &[b"SET", b"k", b"v3"]);
    c.send(b"*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n");
    assert!(s.wait_exit(Duration::from_secs(10)).is_some());
    s.restart();
    let mut c = s.conn();
    assert_eq!(bulk(&mut c, &[b"GET", b"k"]).as_deref(), Some(&b"v3"[..]));
}

#[test]
fn debug_reload_saves_and_loads_back() {
    let mut p = DiffPair::new();
    p.check(&["SET", "a", "1"]);
    p.check(&["SET", "b", &"z".repeat(1000)]);
    p.check(&["DEBUG", "RELOAD"]);
    p.check(&["GET", "a"]);
    p.check(&["GET", "b"]);
    p.check(&["DBSIZE"]);
    p.check(&["DEBUG", "RELOAD", "BOGUS"]);
    p.check(&["SET", "c", "3"]);
    p.check(&["DEBUG", "RELOAD", "NOSAVE"]);
    p.check(&["GET", "c"]);
    p.check(&["SET", "a", "changed"]);
    p.check(&["DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE"]);
    p.check(&["GET", "a"]);
    std::fs::remove_file(p.subject.dir().join("dump.rdb")).unwrap();
    std::fs::remove_file(p.reference.dir().join("dump.rdb")).unwrap();
    p.check(&["DEBUG", "RELOAD", "NOSAVE"]);
}

/// Starts a server binary on `dir` (expected to fail) and returns its exit code and output.
fn start_expecting_failure(dir: &Path) -> (Option<i32>, String) {
    let bin: PathBuf = if common::target_is_redis() {
        common::server::redis_server_path()
    } else {
        PathBuf::from(env!("CARGO_BIN_EXE_oxidis-server"))
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(bin)
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--dir"])
        .arg(dir)
        .args(["--save", ""])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
            text.push_str(&String::from_utf8_lossy(&out.stderr));
            return (st.code(), text);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return (None, "still running after 10 s".into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_corrupt_file_stops_the_start() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"SET", b"k", &b"v".repeat(100)]);
    ok(&mut c, &[b"SAVE"]);
    let good = std::fs::read(s.dir().join("dump.rdb")).unwrap();
    drop(s);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("bad checksum", {
            let mut f = good.clone();
            let n = f.len();
            f[n - 1] ^= 0xff;
            f
        }),
        ("truncated", good[..good.len() - 20].to_vec()),
        ("bad version", {
            let mut f = good.clone();
            f[5..9].copy_from_slice(b"0099");
            f
        }),
    ];
    for (what, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("dump.rdb"), &bytes).unwrap();
        let (code, log) = start_expecting_failure(dir.path());
        assert_eq!(code, Some(1), "{what}: {log}");
        if !common::target_is_redis() {
            assert!(log.contains("dump.rdb"), "{what}: {log}");
            assert!(log.contains("offset"), "{what}: {log}");
        }
    }
}

#[test]
fn dump_restore_against_redis() {
    let mut p = DiffPair::new();
    for (k, v) in sample_values() {
        p.check(&[&b"SET"[..], &k, &v]);
    }
    p.check(&["DUMP", "nokey"]);
    // Exact payloads where the encoding is unique (no LZF).
    for k in [
        "int:0",
        "int:neg",
        "int:16",
        "int:32",
        "int:64",
        "int:padded",
        "str:short",
    ] {
        p.check(&["DUMP", k]);
        p.check(&["DUMP", k]);
    }
    p.check(&[&b"DUMP"[..], b"str:bin\x00\r\n"]);
    p.check(&["DUMP", "str:noise"]);
    p.check(&["DUMP", "str:empty"]);
    // Payloads from the reference restore in oxidis and vice versa.
    for k in ["str:lzf", "str:big", "int:64", "str:noise"] {
        let (ours, theirs) = p.raw_both(&["DUMP", k]);
        let ours = parse_reply(&ours).as_bytes().unwrap().to_vec();
        let theirs = parse_reply(&theirs).as_bytes().unwrap().to_vec();
        p.subject_conn
            .cmd(&[&b"RESTORE"[..], b"copy", b"0", &theirs]);
        p.reference_conn
            .cmd(&[&b"RESTORE"[..], b"copy", b"0", &ours]);
        p.check(&["GET", "copy"]);
        p.check(&["DEL", "copy"]);
    }
    let payload = {
        let (_, theirs) = p.raw_both(&["DUMP", "str:short"]);
        parse_reply(&theirs).as_bytes().unwrap().to_vec()
    };
    let pl = payload.as_slice();
    let mut bad_crc = payload.clone();
    let n = bad_crc.len();
    bad_crc[n - 1] ^= 1;
    let mut bad_ver = payload.clone();
    bad_ver[n - 10] = 11;
    // Correct footers over bodies that do not decode: "Bad data format".
    let bad_body = oxidis::persistence::rdb::io::create_dump_payload(b"\x00\x09abc");
    let bad_type = oxidis::persistence::rdb::io::create_dump_payload(b"\x08\x01a");
    let cases: Vec<Vec<&[u8]>> = vec![
        vec![b"RESTORE", b"r1", b"0", pl],
        vec![b"GET", b"r1"],
        vec![b"RESTORE", b"r1", b"0", pl],
        vec![b"RESTORE", b"r1", b"0", pl, b"REPLACE"],
        vec![b"RESTORE", b"r1", b"-1", pl, b"REPLACE"],
        vec![b"RESTORE", b"r1", b"abc", pl, b"REPLACE"],
        vec![b"RESTORE", b"r2", b"0", &bad_crc],
        vec![b"RESTORE", b"r2", b"0", &bad_ver],
        vec![b"RESTORE", b"r2", b"0", b"short"],
        vec![b"RESTORE", b"r2", b"0", &bad_body],
        vec![b"RESTORE", b"r2", b"0", &bad_type],
        vec![b"RESTORE", b"r2", b"0", pl, b"IDLETIME", b"-1"],
        vec![b"RESTORE", b"r2", b"0", pl, b"IDLETIME", b"x"],
        vec![b"RESTORE", b"r2", b"0", pl, b"FREQ", b"256"],
        vec![b"RESTORE", b"r2", b"0", pl, b"FREQ", b"-1"],
        vec![
            b"RESTORE",
            b"r2",
            b"0",
            pl,
            b"IDLETIME",
            b"10",
            b"FREQ",
            b"5",
        ],
        vec![
            b"RESTORE",
            b"r2",
            b"0",
            pl,
            b"FREQ",
            b"5",
            b"IDLETIME",
            b"10",
        ],
        vec![b"RESTORE", b"r2", b"0", pl, b"IDLETIME"],
        vec![b"RESTORE", b"r2", b"0", pl, b"BOGUS"],
        vec![b"RESTORE", b"r2", b"0", pl, b"IDLETIME", b"1000"],
        vec![b"GET", b"r2"],
        vec![b"RESTORE", b"r3", b"0", pl, b"FREQ", b"100"],
        vec![b"RESTORE", b"r4", b"1", pl, b"ABSTTL"],
        vec![b"EXISTS", b"r4"],
        vec![b"RESTORE", b"r1", b"1", pl, b"ABSTTL", b"REPLACE"],
        vec![b"GET", b"r1"],
        vec![b"RESTORE", b"r5", b"100000", pl],
        vec![b"GET", b"r5"],
        vec![b"DBSIZE"],
    ];
    for c in cases {
        if c[0] == b"EXISTS" {
            // EXISTS may not exist on the subject yet: compare GET instead.
            p.check(&[&b"GET"[..], c[1]]);
            continue;
        }
        p.check(&c);
    }
}

#[test]
fn sigterm_saves_when_save_points_are_configured() {
    let mut s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    ok(&mut c, &[b"CONFIG", b"SET", b"save", b"3600 1"]);
    ok(&mut c, &[b"SET", b"k", b"before-sigterm"]);
    let st = s
        .terminate(Duration::from_secs(10))
        .expect("exits on SIGTERM");
    assert!(st.success(), "{st:?}");
    assert!(s.log().contains("DB saved on disk"));
    s.restart();
    let mut c = s.conn();
    assert_eq!(
        bulk(&mut c, &[b"GET", b"k"]).as_deref(),
        Some(&b"before-sigterm"[..])
    );
}

/// Loads `file` into a fresh oxidis and returns it.
fn oxidis_on(file: &Path, extra: &[&str]) -> TestServer {
    let mut s = TestServer::oxidis(extra);
    s.kill();
    std::fs::copy(file, s.dir().join("dump.rdb")).expect("copy dump");
    s.restart();
    s
}

#[test]
fn redis_files_with_idle_freq_and_no_checksum_load() {
    // IDLE records (LRU policy), FREQ records (LFU policy), no CRC and no LZF.
    let r = TestServer::redis(&[
        "--maxmemory-policy",
        "allkeys-lru",
        "--rdbchecksum",
        "no",
        "--rdbcompression",
        "no",
    ]);
    let mut rc = r.conn();
    let long = "abc".repeat(100);
    ok(&mut rc, &[b"SET", b"a", b"1"]);
    ok(&mut rc, &[b"SET", b"long", long.as_bytes()]);
    ok(&mut rc, &[b"SAVE"]);
    let lru_file = r.dir().join("lru.rdb");
    std::fs::rename(r.dir().join("dump.rdb"), &lru_file).unwrap();
    ok(
        &mut rc,
        &[b"CONFIG", b"SET", b"maxmemory-policy", b"allkeys-lfu"],
    );
    ok(&mut rc, &[b"SAVE"]);
    let bytes = std::fs::read(r.dir().join("dump.rdb")).unwrap();
    assert_eq!(
        bytes[bytes.len() - 8..],
        [0u8; 8],
        "saved without a checksum"
    );
    for file in [lru_file, r.dir().join("dump.rdb")] {
        let s = oxidis_on(&file, &[]);
        let mut c = s.conn();
        assert_eq!(persistence_field(&mut c, "rdb_last_load_keys_loaded"), "2");
        assert_eq!(bulk(&mut c, &[b"GET", b"a"]).as_deref(), Some(&b"1"[..]));
        assert_eq!(
            bulk(&mut c, &[b"GET", b"long"]).as_deref(),
            Some(long.as_bytes())
        );
    }
    // And the other way: oxidis without checksum nor compression, read by the reference.
    let s = TestServer::oxidis(&["--rdbchecksum", "no", "--rdbcompression", "no"]);
    let mut c = s.conn();
    ok(&mut c, &[b"SET", b"long", long.as_bytes()]);
    ok(&mut c, &[b"SAVE"]);
    let bytes = std::fs::read(s.dir().join("dump.rdb")).unwrap();
    assert_eq!(bytes[bytes.len() - 8..], [0u8; 8]);
    assert!(
        bytes.windows(300).any(|w| w == long.as_bytes()),
        "stored raw"
    );
    let r2 = redis_on(&s.dir().join("dump.rdb"));
    assert_eq!(
        bulk(&mut r2.conn(), &[b"GET", b"long"]).as_deref(),
        Some(long.as_bytes())
    );
}

#[test]
fn info_persistence_has_redis_fields() {
    let names = |s: &TestServer| -> Vec<String> {
        let r = cmd(&mut s.conn(), &[b"INFO", b"persistence"]);
        String::from_utf8_lossy(r.as_bytes().unwrap())
            .lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .collect()
    };
    assert_eq!(
        names(&TestServer::oxidis(&[])),
        names(&TestServer::redis(&[]))
    );
}

/// `latest_fork_usec` starts at 0, is left alone by SAVE, holds an integer set by the last
/// BGSAVE (oxidis: the microseconds the loop was paused to start the snapshot, rounded up;
/// Redis: the fork) and goes back to 0 with CONFIG RESETSTAT.
#[test]
fn latest_fork_usec_is_set_by_bgsave() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    let field = |c: &mut RawConn| {
        info_field(c, "stats", "latest_fork_usec").expect("no latest_fork_usec in INFO")
    };
    assert_eq!(field(&mut c), "0");
    ok(&mut c, &[b"SET", b"k", b"v"]);
    ok(&mut c, &[b"SAVE"]);
    assert_eq!(field(&mut c), "0");
    assert_eq!(
        cmd(&mut c, &[b"BGSAVE"]),
        Resp::Simple(b"Background saving started".to_vec())
    );
    assert_eq!(wait_bgsave(&mut c), "ok");
    let v = field(&mut c);
    let us: u64 = v
        .parse()
        .unwrap_or_else(|_| panic!("not an integer: {v:?}"));
    assert_ne!(us, 0);
    ok(&mut c, &[b"CONFIG", b"RESETSTAT"]);
    assert_eq!(field(&mut c), "0");
}
