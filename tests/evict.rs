//! `maxmemory` and eviction, compared with redis-server 7.0.15. The two servers count memory
//! differently (`used_memory` differs), so the limits are set relative to each server's own
//! `used_memory` and the tests check what Redis guarantees: memory settles at the limit,
//! `evicted_keys` grows, volatile policies only evict keys with a TTL, LRU/LFU/TTL pick the
//! right keys (statistically, with wide margins), the OOM gate and its error texts, MULTI/EXEC
//! under OOM, `evicted` keyspace events and the INFO fields. Scenarios with a 1-byte limit
//! are deterministic and compared byte for byte.

mod common;

use common::*;
use std::time::Duration;

/// Slack above `maxmemory` for what `INFO` itself allocates while it reports.
const INFO_SLACK: u64 = 64 * 1024;
const VALUE_SIZE: usize = 1000;
const OOM: &[u8] = b"-OOM command not allowed when used memory > 'maxmemory'.\r\n";

fn field(c: &mut RawConn, section: &str, name: &str) -> u64 {
    info_field(c, section, name)
        .unwrap_or_else(|| panic!("INFO {section} has no {name}"))
        .parse()
        .unwrap_or_else(|_| panic!("{name} is not a number"))
}

fn used_memory(c: &mut RawConn) -> u64 {
    field(c, "memory", "used_memory")
}

fn evicted(c: &mut RawConn) -> u64 {
    field(c, "stats", "evicted_keys")
}

/// Sets `maxmemory` to the server's current usage plus `headroom` bytes; returns the limit.
fn limit_at(c: &mut RawConn, headroom: u64) -> u64 {
    let max = used_memory(c) + headroom;
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", &max.to_string()]),
        b"+OK\r\n"
    );
    max
}

fn key(prefix: &str, i: usize) -> String {
    format!("{prefix}:{i}")
}

/// SETs `prefix:0..n` to values of VALUE_SIZE bytes (with `EX ttl` if given), pipelined in
/// batches; returns the replies.
fn fill(c: &mut RawConn, prefix: &str, n: usize, ttl: Option<u64>) -> Vec<Vec<u8>> {
    let val = "x".repeat(VALUE_SIZE);
    let mut replies = Vec::with_capacity(n);
    for start in (0..n).step_by(50) {
        let batch: Vec<Vec<Vec<u8>>> = (start..n.min(start + 50))
            .map(|i| {
                let mut a = args(&["SET", &key(prefix, i), &val]);
                if let Some(t) = ttl {
                    a.extend(args(&["EX", &t.to_string()]));
                }
                a
            })
            .collect();
        replies.extend(c.pipeline(&batch));
    }
    replies
}

/// How many of `prefix:0..n` exist (EXISTS does not touch the access time).
fn surviving(c: &mut RawConn, prefix: &str, range: std::ops::Range<usize>) -> usize {
    let mut total = 0;
    let keys: Vec<String> = range.map(|i| key(prefix, i)).collect();
    for chunk in keys.chunks(200) {
        let mut a = vec!["EXISTS".to_string()];
        a.extend(chunk.iter().cloned());
        let r = c.cmd(&a);
        total += parse_reply(&r).as_int().expect("EXISTS count") as usize;
    }
    total
}

/// Memory comes back under the limit: one eviction call may stop at its time limit and go
/// on from the event loop, so this polls (bounded: 5 s).
fn assert_settled(c: &mut RawConn, max: u64) {
    let mut used = 0;
    for _ in 0..500 {
        c.cmd(&["PING"]);
        used = used_memory(c);
        if used <= max + INFO_SLACK {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("used_memory {used} did not settle at maxmemory {max}");
}

/// Every evicting policy keeps memory at the limit by evicting (all keys carry a TTL, so
/// that the volatile policies have candidates too); no write is refused.
#[test]
fn every_policy_keeps_memory_at_the_limit() {
    for policy in [
        "allkeys-lru",
        "allkeys-lfu",
        "allkeys-random",
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let s = TestServer::oxidis(&["--maxmemory-policy", policy]);
        let mut c = s.conn();
        let max = limit_at(&mut c, 1_000_000);
        let n = 3000;
        for r in fill(&mut c, "k", n, Some(100_000)) {
            assert_eq!(r, b"+OK\r\n", "{policy}: a write was refused");
        }
        assert_settled(&mut c, max);
        let left = surviving(&mut c, "k", 0..n);
        let ev = evicted(&mut c);
        assert!(ev > 0, "{policy}: nothing evicted");
        assert!(left > 0 && left < n, "{policy}: {left} keys left");
        assert!(
            ev as usize >= n - left,
            "{policy}: {ev} evicted, {left} left"
        );
    }
}

/// volatile-* evicts only keys with a TTL; once none is left, writes get the OOM error while
/// reads and deletions go on.
#[test]
fn volatile_policies_evict_only_keys_with_a_ttl() {
    for policy in [
        "volatile-lru",
        "volatile-lfu",
        "volatile-random",
        "volatile-ttl",
    ] {
        let s = TestServer::oxidis(&["--maxmemory-policy", policy]);
        let mut c = s.conn();
        let persistent = 300;
        fill(&mut c, "p", persistent, None);
        let max = limit_at(&mut c, 1_000_000);
        fill(&mut c, "v", 2000, Some(100_000));
        assert!(evicted(&mut c) > 0, "{policy}: nothing evicted");
        assert_eq!(
            surviving(&mut c, "p", 0..persistent),
            persistent,
            "{policy}"
        );
        // More keys without a TTL: the volatile ones go first, then writes are refused.
        let val = "x".repeat(VALUE_SIZE);
        let mut refused = None;
        for i in 0..10_000 {
            let r = c.cmd(&["SET", &key("q", i), &val]);
            if r != b"+OK\r\n" {
                refused = Some(r);
                break;
            }
        }
        let r = refused.unwrap_or_else(|| panic!("{policy}: no write was ever refused"));
        assert_eq!(escape(&r), escape(OOM), "{policy}");
        let ks = info_field(&mut c, "keyspace", "db0").expect("db0");
        assert!(ks.contains(",expires=0,"), "{policy}: {ks}");
        assert_eq!(
            surviving(&mut c, "p", 0..persistent),
            persistent,
            "{policy}"
        );
        // Reads and deletions still work.
        let v = c.cmd(&["GET", "p:0"]);
        assert_eq!(parse_reply(&v).as_bytes(), Some(val.as_bytes()), "{policy}");
        assert_eq!(c.cmd(&["DEL", "p:0"]), b":1\r\n", "{policy}");
        assert_eq!(escape(&c.cmd(&["SET", "p:0", &val])), escape(OOM));
        assert_settled(&mut c, max);
    }
}

/// noeviction: writes that add data are refused at the limit, reads and DEL are not, and
/// nothing is evicted.
#[test]
fn noeviction_refuses_writes_only() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "noeviction"]);
    let mut c = s.conn();
    limit_at(&mut c, 1_000_000);
    let replies = fill(&mut c, "k", 3000, None);
    let ok = replies.iter().take_while(|r| r == &b"+OK\r\n").count();
    assert!(ok > 0 && ok < 3000, "{ok} writes accepted");
    // Buffers freed between batches may let a later write in just under the limit; every
    // refusal is the OOM error and most writes after the first refusal are refused.
    let refused = replies.iter().filter(|r| r == &OOM).count();
    let accepted = replies.iter().filter(|r| r == &b"+OK\r\n").count();
    assert_eq!(refused + accepted, replies.len(), "a refusal differs");
    assert!(
        refused * 2 > replies.len() - ok,
        "{refused} refused of {}",
        replies.len() - ok
    );
    assert_eq!(evicted(&mut c), 0);
    let v = c.cmd(&["GET", "k:0"]);
    assert_eq!(
        parse_reply(&v).as_bytes().map(|b| b.len()),
        Some(VALUE_SIZE)
    );
    assert_eq!(c.cmd(&["DEL", "k:0", "k:1", "k:2"]), b":3\r\n");
    // Deleting enough makes room again.
    let mut a = vec!["DEL".to_string()];
    a.extend((3..3000).map(|i| key("k", i)));
    c.cmd(&a);
    assert_eq!(c.cmd(&["SET", "again", "v"]), b"+OK\r\n");
}

/// allkeys-lru evicts keys not accessed for a while rather than keys just read: half of a
/// first batch is read again 2 s later, then new writes force evictions amounting to about
/// half of the other (idle) half.
#[test]
fn lru_evicts_idle_keys_first() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-lru"]);
    let mut c = s.conn();
    let n = 2000;
    fill(&mut c, "a", n, None);
    // The LRU clock counts seconds: make the first batch at least one tick older.
    std::thread::sleep(Duration::from_millis(2100));
    let reads: Vec<Vec<Vec<u8>>> = (0..n / 2).map(|i| args(&["GET", &key("a", i)])).collect();
    for chunk in reads.chunks(100) {
        c.pipeline(chunk);
    }
    assert_evicted_first(
        &mut c,
        ("a", 0..n / 2, "recently read"),
        ("a", n / 2..n, "idle"),
    );
}

/// allkeys-lfu evicts keys read rarely rather than keys read often (decay disabled so that a
/// minute boundary cannot even the counters out); OBJECT FREQ shows the counters.
#[test]
fn lfu_evicts_rarely_read_keys_first() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-lfu", "--lfu-decay-time", "0"]);
    let mut c = s.conn();
    let n = 2000;
    fill(&mut c, "a", n, None);
    // A new key's counter is 5 (LFU_INIT_VAL); its first access raises it for sure.
    assert_eq!(c.cmd(&["OBJECT", "FREQ", "a:0"]), b":5\r\n");
    let reads: Vec<Vec<Vec<u8>>> = (0..n / 2).map(|i| args(&["GET", &key("a", i)])).collect();
    for _ in 0..3 {
        for chunk in reads.chunks(100) {
            c.pipeline(chunk);
        }
    }
    let f = parse_reply(&c.cmd(&["OBJECT", "FREQ", "a:0"])).as_int();
    assert!(f.is_some_and(|f| f >= 6), "{f:?}");
    assert_eq!(c.cmd(&["OBJECT", "FREQ", &key("a", n - 1)]), b":5\r\n");
    assert_evicted_first(
        &mut c,
        ("a", 0..n / 2, "frequently read"),
        ("a", n / 2..n, "rarely read"),
    );
}

/// Lowers maxmemory, writes 800 more keys without a TTL (`p:*`), and checks that eviction
/// took its keys from `victims` (more than 50) rather than from `spared` (5x fewer). Each
/// group is (key prefix, index range, description).
fn assert_evicted_first(c: &mut RawConn, spared: Group, victims: Group) {
    let max = limit_at(c, 300_000);
    fill(c, "p", 800, None);
    assert_settled(c, max);
    let lost = |c: &mut RawConn, (prefix, range, _): &Group| {
        range.len() - surviving(c, prefix, range.clone())
    };
    let (spared_lost, victims_lost) = (lost(c, &spared), lost(c, &victims));
    let (s, v) = (spared.2, victims.2);
    eprintln!("{spared_lost} {s} keys evicted, {victims_lost} {v} ones");
    assert!(victims_lost > 50, "only {victims_lost} {v} keys evicted");
    assert!(
        spared_lost * 5 <= victims_lost,
        "{spared_lost} {s} keys evicted vs {victims_lost} {v} ones"
    );
}

type Group = (&'static str, std::ops::Range<usize>, &'static str);

/// volatile-ttl evicts the keys that expire soonest; keys without a TTL are never evicted.
#[test]
fn volatile_ttl_evicts_shortest_ttls_first() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "volatile-ttl"]);
    let mut c = s.conn();
    let n = 1000;
    fill(&mut c, "short", n, Some(5_000));
    fill(&mut c, "long", n, Some(500_000));
    // Keys without a TTL (`p:*`) are never candidates.
    assert_evicted_first(
        &mut c,
        ("long", 0..n, "long-TTL"),
        ("short", 0..n, "short-TTL"),
    );
}

/// Each evicted key publishes `evicted` (class `e`) with the key as message.
#[test]
fn evicted_keys_publish_events() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-random"]);
    let mut c = s.conn();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    let mut sub = s.conn();
    sub.send(&encode_command(&["SUBSCRIBE", "__keyevent@0__:evicted"]));
    sub.read_reply();
    limit_at(&mut c, 500_000);
    fill(&mut c, "k", 1000, None);
    let before = evicted(&mut c);
    assert!(before > 0);
    let events = drain_events(&mut sub);
    let after = evicted(&mut c);
    assert!(
        (before..=after).contains(&(events.len() as u64)),
        "{} events, evicted_keys {before}..{after}",
        events.len()
    );
    for e in &events {
        assert!(
            e.starts_with("*3\\r\\n$7\\r\\nmessage\\r\\n$22\\r\\n__keyevent@0__:evicted")
                && e.contains("k:"),
            "{e}"
        );
    }
}

/// CONFIG SET maxmemory below the memory in use starts evicting at once, with no other
/// command needed.
#[test]
fn lowering_maxmemory_evicts_at_once() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-random"]);
    let mut c = s.conn();
    c.cmd(&["CONFIG", "SET", "notify-keyspace-events", "Ee"]);
    let base = used_memory(&mut c);
    fill(&mut c, "k", 1000, None);
    let mut sub = s.conn();
    sub.send(&encode_command(&["SUBSCRIBE", "__keyevent@0__:evicted"]));
    sub.read_reply();
    let max = base + 300_000;
    assert_eq!(
        c.cmd(&["CONFIG", "SET", "maxmemory", &max.to_string()]),
        b"+OK\r\n"
    );
    let ev = sub.read_reply_timeout(Duration::from_secs(5));
    assert!(ev.is_some(), "no eviction after CONFIG SET maxmemory");
    assert_settled(&mut c, max);
    assert!(evicted(&mut c) > 100);
}

/// The OOM gate with a 1-byte limit, byte for byte: which commands are refused under each
/// policy, keys evicted until none is left, the error counters.
#[test]
fn oom_gate_matches_redis() {
    same_on_both(|s| {
        let mut c = s.conn();
        let mut out = Vec::new();
        for cmd in [
            "SET k v",
            "RPUSH l a",
            "SET t v EX 1000",
            "CONFIG SET maxmemory 1",
            "SET k2 v",
            "GET k",
            "INCR n",
            "RPUSH l b",
            "LPOP l",
            "EXPIRE k 100",
            "APPEND k x",
            "PING",
            "DEL k",
            "EXISTS k",
            "DBSIZE",
            // volatile-lru evicts the one key with a TTL, then refuses writes.
            "CONFIG SET maxmemory-policy volatile-lru",
            "EXISTS t",
            "SET k3 v",
            "DBSIZE",
            // allkeys-lru evicts everything and still is over the limit.
            "CONFIG SET maxmemory-policy allkeys-lru",
            "DBSIZE",
            "SET k4 v",
            "CONFIG SET maxmemory 0",
            "SET k5 v",
            "DBSIZE",
        ] {
            out.push(c.cmd_str(cmd));
        }
        for (sect, name) in [
            ("stats", "evicted_keys"),
            ("errorstats", "errorstat_OOM"),
            ("commandstats", "cmdstat_set"),
            ("memory", "mem_not_counted_for_evict"),
        ] {
            let v = info_field(&mut c, sect, name).unwrap_or_default();
            let v = v.split(",usec=").next().unwrap_or("").to_string();
            let v = match v.split_once(",rejected_calls") {
                Some((_, rest)) => format!("rejected_calls{rest}"),
                None => v,
            };
            out.push(format!("{name}:{v}").into_bytes());
        }
        out
    });
}

/// MULTI/EXEC under OOM: inside MULTI every command but EXEC/DISCARD/QUIT/RESET is refused
/// (flagging the transaction); an EXEC whose queue holds a denyoom command is aborted with
/// EXECABORT; an EXEC of reads runs.
#[test]
fn multi_exec_under_oom_matches_redis() {
    same_on_both(|s| {
        let mut c = s.conn();
        let mut admin = s.conn();
        let mut out = Vec::new();
        c.cmd_str("SET a 1");
        // Queued while memory is fine, then the limit drops.
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("SET a 2"));
        out.push(admin.cmd_str("CONFIG SET maxmemory 1"));
        out.push(c.cmd_str("EXEC"));
        out.push(c.cmd_str("GET a"));
        // A read queued before the limit: EXEC runs it.
        out.push(admin.cmd_str("CONFIG SET maxmemory 0"));
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("GET a"));
        out.push(admin.cmd_str("CONFIG SET maxmemory 1"));
        out.push(c.cmd_str("EXEC"));
        // Under OOM, even a read is refused inside MULTI; EXEC then fails.
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("GET a"));
        out.push(c.cmd_str("SET a 3"));
        out.push(c.cmd_str("EXEC"));
        // DISCARD is never refused, nor an empty EXEC.
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("DISCARD"));
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("EXEC"));
        out.push(admin.cmd_str("CONFIG SET maxmemory 0"));
        out.push(c.cmd_str("GET a"));
        let e = info_field(&mut c, "errorstats", "errorstat_EXECABORT");
        out.push(e.unwrap_or_default().into_bytes());
        out
    });
}

/// An evicted key invalidates a WATCH on it, and a client blocked on a missing key stays
/// blocked while keys are evicted.
#[test]
fn eviction_touches_watched_keys_not_blocked_clients() {
    same_on_both(|s| {
        let mut c = s.conn();
        let mut admin = s.conn();
        let mut blocked = s.conn();
        let mut out = Vec::new();
        out.push(c.cmd_str("SET w 1"));
        out.push(c.cmd_str("WATCH w"));
        blocked.send(&encode_command(&["BLPOP", "q", "0"]));
        wait_blocked(&mut admin, 1);
        out.push(admin.cmd_str("CONFIG SET maxmemory-policy allkeys-random"));
        out.push(admin.cmd_str("CONFIG SET maxmemory 1"));
        out.push(admin.cmd_str("DBSIZE"));
        out.push(admin.cmd_str("CONFIG SET maxmemory 0"));
        out.push(c.cmd_str("MULTI"));
        out.push(c.cmd_str("SET w 2"));
        out.push(c.cmd_str("EXEC"));
        out.push(admin.cmd_str("RPUSH q x"));
        out.push(blocked.read_reply());
        out
    });
}

/// The eviction INFO fields: the time spent over the limit accumulates while it lasts and
/// stops when it ends.
#[test]
fn eviction_exceeded_time_in_info() {
    let s = TestServer::oxidis(&[]);
    let mut c = s.conn();
    assert_eq!(field(&mut c, "stats", "total_eviction_exceeded_time"), 0);
    assert_eq!(field(&mut c, "stats", "current_eviction_exceeded_time"), 0);
    assert_eq!(field(&mut c, "memory", "mem_not_counted_for_evict"), 0);
    c.cmd_str("CONFIG SET maxmemory 1");
    c.cmd_str("PING");
    std::thread::sleep(Duration::from_millis(300));
    let current = field(&mut c, "stats", "current_eviction_exceeded_time");
    let total = field(&mut c, "stats", "total_eviction_exceeded_time");
    assert!(current > 0 && total >= current, "{current} {total}");
    // The period ends when an eviction check finds memory under the limit (with no limit
    // at all nothing checks, and Redis keeps counting).
    c.cmd_str("CONFIG SET maxmemory 1gb");
    c.cmd_str("PING");
    assert_eq!(field(&mut c, "stats", "current_eviction_exceeded_time"), 0);
    assert!(field(&mut c, "stats", "total_eviction_exceeded_time") >= total);
}

/// Evicting while a BGSAVE runs (its writer slowed down) frees what it should: the
/// evictions stay in proportion to the writes, instead of running through the keyspace
/// because the snapshot still holds the evicted values.
#[test]
fn eviction_during_bgsave_stays_proportionate() {
    bgsave_case(false);
}

/// As above with hashes: the snapshot shares them rather than copying them, so an evicted
/// hash stays allocated until written.
#[test]
fn eviction_of_hashes_during_bgsave_stays_proportionate() {
    bgsave_case(true);
}

fn bgsave_case(hashes: bool) {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-lru"]);
    let mut c = s.conn();
    let n = 2000;
    if hashes {
        let val = "x".repeat(VALUE_SIZE);
        let cmds: Vec<Vec<Vec<u8>>> = (0..n)
            .map(|i| args(&["HSET", &key("a", i), "f", &val]))
            .collect();
        for chunk in cmds.chunks(50) {
            c.pipeline(chunk);
        }
    } else {
        fill(&mut c, "a", n, None);
    }
    let max = limit_at(&mut c, 200_000);
    c.cmd_str("CONFIG SET rdb-key-save-delay 1000");
    assert_eq!(c.cmd_str("BGSAVE"), b"+Background saving started\r\n");
    // About 500 KB more: some 300-500 keys must go.
    fill(&mut c, "b", 500, None);
    let ev = evicted(&mut c);
    let left = surviving(&mut c, "a", 0..n) + surviving(&mut c, "b", 0..500);
    assert!(ev > 0, "nothing evicted");
    assert!(ev < 1200, "{ev} keys evicted for 500 written ({left} left)");
    c.cmd_str("CONFIG SET rdb-key-save-delay 0");
    // Bounded wait for the save to end, then memory settles.
    for _ in 0..1000 {
        if info_field(&mut c, "persistence", "rdb_bgsave_in_progress").as_deref() == Some("0") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_settled(&mut c, max);
}

/// LFU counters as Redis keeps them, made deterministic with `lfu-log-factor 0` (every
/// access counts): reads and writes count one access each, an overwrite keeps the key's
/// counter (Redis `dbOverwrite`), a new key starts at 5, NOTOUCH lookups do not count.
#[test]
fn lfu_counters_match_redis() {
    same_on_both(|s| {
        let mut c = s.conn();
        let mut out = Vec::new();
        for cmd in [
            "CONFIG SET maxmemory-policy allkeys-lfu",
            "CONFIG SET lfu-log-factor 0",
            "SET k v",
            "OBJECT FREQ k",
            "GET k",
            "GET k",
            "OBJECT FREQ k",
            "SET k v2",
            "OBJECT FREQ k",
            "GETSET k v3",
            "OBJECT FREQ k",
            "MSET k v4 other x",
            "OBJECT FREQ k",
            "OBJECT FREQ other",
            "APPEND k more",
            "OBJECT FREQ k",
            "EXISTS k",
            "TYPE k",
            "TTL k",
            "OBJECT FREQ k",
            "SADD s a",
            "SUNIONSTORE k s",
            "OBJECT FREQ k",
            "RPUSH l a b",
            "LRANGE l 0 -1",
            "OBJECT FREQ l",
            "OBJECT IDLETIME l",
        ] {
            out.push(c.cmd_str(cmd));
        }
        out.push(c.cmd_str("CONFIG SET maxmemory-policy allkeys-lru"));
        // The entry still holds LFU data, read as an LRU clock: the idle time this gives moves
        // with the wall clock (by ~4 per second), so only its shape is compared.
        let idle = c.cmd_str("OBJECT IDLETIME l");
        let idle_is_int = idle.starts_with(b":") && !idle.starts_with(b":-");
        out.push(format!("idle time is a non-negative integer: {idle_is_int}").into_bytes());
        out.push(c.cmd_str("OBJECT FREQ l"));
        out
    });
}

/// No eviction while clients are paused (the dataset stays static); it resumes after.
#[test]
fn no_eviction_during_client_pause() {
    same_on_both(|s| {
        let mut c = s.conn();
        let mut out = Vec::new();
        for cmd in [
            "SET a 1",
            "SET b 2",
            "CONFIG SET maxmemory-policy allkeys-random",
            "CLIENT PAUSE 20000 WRITE",
            "CONFIG SET maxmemory 1",
            "GET a",
            "DBSIZE",
            "CLIENT UNPAUSE",
            "DBSIZE",
            "CONFIG SET maxmemory 0",
        ] {
            out.push(c.cmd_str(cmd));
        }
        out
    });
}

/// The `evicted` events on both channels, byte for byte (one key, so the order is fixed).
#[test]
fn evicted_events_match_redis() {
    let mut p = DiffPair::new();
    let mut subs = p.event_subscribers();
    check_events(
        &mut p,
        &mut subs,
        &[
            "SET k v",
            "CONFIG SET maxmemory-policy allkeys-lru",
            "CONFIG SET maxmemory 1",
            "GET k",
            "CONFIG SET maxmemory 0",
            "SET k2 v",
        ],
    );
    p.check(&["DBSIZE"]);
}

/// The pool samples every database: with allkeys-lru, idle keys of another database go
/// before the keys being written; allkeys-random takes keys from every database.
#[test]
fn eviction_spans_databases() {
    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-lru"]);
    let mut c = s.conn();
    c.cmd_str("SELECT 1");
    fill(&mut c, "old", 1000, None);
    std::thread::sleep(Duration::from_millis(2100));
    c.cmd_str("SELECT 0");
    let max = limit_at(&mut c, 300_000);
    fill(&mut c, "new", 600, None);
    assert_settled(&mut c, max);
    let new_lost = 600 - surviving(&mut c, "new", 0..600);
    c.cmd_str("SELECT 1");
    let old_lost = 1000 - surviving(&mut c, "old", 0..1000);
    assert!(old_lost > 50, "only {old_lost} idle keys of db 1 evicted");
    assert!(
        new_lost * 5 <= old_lost,
        "{new_lost} new vs {old_lost} idle"
    );

    let s = TestServer::oxidis(&["--maxmemory-policy", "allkeys-random"]);
    let mut c = s.conn();
    fill(&mut c, "a", 500, None);
    c.cmd_str("SELECT 2");
    fill(&mut c, "b", 500, None);
    let max = limit_at(&mut c, 200_000);
    fill(&mut c, "c", 600, None);
    assert_settled(&mut c, max);
    let b_lost = 500 - surviving(&mut c, "b", 0..500);
    c.cmd_str("SELECT 0");
    let a_lost = 500 - surviving(&mut c, "a", 0..500);
    assert!(
        a_lost > 20 && b_lost > 20,
        "db0 lost {a_lost}, db2 lost {b_lost}"
    );
}
