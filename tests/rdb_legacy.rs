//! Files and DUMP payloads written by a real Redis 6.2.14 (RDB version 9: quicklists of
//! ziplists, ziplist hashes and sorted sets, version-1 streams) load in oxidis with the same
//! dataset.
//!
//! Redis 6.2.14 is built from source by `make legacy-redis` (`make test` does it) into
//! `target/legacy-redis/redis-server`; `OXIDIS_LEGACY_REDIS_SERVER` points elsewhere. Without
//! it these tests fail, saying so.
//!
//! Each test fills a 6.2 server with every encoding 6.2 produces, in several databases with
//! millisecond TTLs, SAVEs, then starts oxidis and redis-server 7.0.15 on that file and checks:
//! - oxidis against the 6.2 server itself, key by key: type, encoding (6.2's `ziplist` is a
//!   7.0 `listpack`), contents, TTL;
//! - oxidis against 7.0.15 loading the same file: the full 7.0 state (stream `entries-read`
//!   estimates included), byte-identical `DUMP` payloads, cross-`RESTORE`;
//! - the 6.2 `DUMP` payload of every key (version 9 footer) `RESTORE`s in oxidis to the same
//!   value.
//!
//! Zipmap hashes (RDB type 9, before Redis 2.6) are not produced by 6.2; they stay covered by
//! the in-code fixtures of `src/persistence/rdb/type_tests.rs`.

mod common;

use common::dataset::{
    all_keys, assert_same_in, assert_ttls_match, cmd, describe_portable, dump, on_file, run,
    stream_script, words, Exact,
};
use common::{RawConn, TestServer};
use std::path::PathBuf;

/// Databases the dataset uses (2 stays empty).
const DBS: [usize; 3] = [0, 1, 3];
/// TTL tolerance between servers read a few seconds apart.
const TTL_SLACK_MS: i64 = 60_000;

/// Integers at every ziplist and RDB encoding boundary (4-bit immediates, 8/16/24/32/64-bit),
/// and strings that look like numbers but are not canonical.
const EDGES: [&str; 30] = [
    "0",
    "12",
    "13",
    "-1",
    "127",
    "128",
    "-128",
    "-129",
    "32767",
    "32768",
    "-32768",
    "-32769",
    "8388607",
    "8388608",
    "-8388608",
    "-8388609",
    "2147483647",
    "2147483648",
    "-2147483648",
    "-2147483649",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "123456789012",
    "-0",
    "00",
    "+1",
    "1a",
    "1.5",
    "1e5",
];

/// A deterministic byte string LZF cannot shrink.
fn noise(n: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.max(1);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn line(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

/// The commands building the dataset in database `db` (6.2's command set; stream IDs
/// explicit so the result is deterministic).
fn script(db: usize) -> Vec<Vec<Vec<u8>>> {
    let mut out: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut push = |s: &str| out.push(words(s));
    if db != 0 {
        // Other databases: a few keys of each type, some with TTLs.
        push(&format!("SET s:{db} v{db}"));
        push(&format!("RPUSH l:{db} a b c {db}"));
        push(&format!("HSET h:{db} f {db} g x"));
        push(&format!("ZADD z:{db} 1 a 2 b"));
        push(&format!("SADD i:{db} 1 2 3"));
        push(&format!("XADD x:{db} 1-1 f v"));
        push(&format!("SET s:ttl:{db} v PX {}", 3_600_000 + db));
        push(&format!("PEXPIRE l:{db} {}", 7_200_000 + db * 17));
        return out;
    }
    // Strings: int-encoded (32 and 64 bit), short, long compressible, big incompressible.
    push("SET str:int 12345");
    push("SET str:neg -42");
    push("SET str:i64 9223372036854775807");
    push("SET str:short hello");
    push(&format!("SET str:lzf {}", "abc".repeat(400)));
    out.push(line(&[b"SET", b"str:noise", &noise(20_000, 7)]));
    out.push(line(&[b"SET", b"str:bin", b"a\x00b\r\n\xff"]));
    out.push(line(&[b"SET", b"str:empty", b""]));
    let mut push = |s: &str| out.push(words(s));
    // Lists: one ziplist node, several nodes (8 KB nodes; with list-compress-depth the inner
    // ones are LZF-compressed in memory and saved so), integers of every width, big elements
    // (14-bit and 32-bit ziplist string lengths, 5-byte prevlens, a node of its own).
    push("RPUSH list:small a b 1 2 -3 9223372036854775807");
    push(&format!("RPUSH list:edges {}", EDGES.join(" ")));
    let mut multi = words("RPUSH list:multi");
    for i in 0..3000 {
        multi.push(format!("item-{i}-{}", "z".repeat(i % 50)).into_bytes());
    }
    out.push(multi);
    out.push(line(&[
        b"RPUSH",
        b"list:big",
        b"head",
        &[b'm'; 300],
        &[b'n'; 20_000],
        &noise(70_000, 3),
        b"tail",
    ]));
    let mut push = |s: &str| out.push(words(s));
    push("LPUSH list:one x");
    // Hashes: ziplist (small; integer edges), hashtable (many fields; a long value).
    push("HSET hash:small f1 v1 f2 123 f3 -5 f4 9223372036854775807 f5 1.5");
    let mut h = String::from("HSET hash:edges");
    let mut z = String::from("ZADD zset:edges");
    let mut s = String::from("SADD set:strs");
    for (i, e) in EDGES.iter().enumerate() {
        h.push_str(&format!(" {e} {e}"));
        z.push_str(&format!(" {i} {e}"));
        s.push_str(&format!(" {e}"));
    }
    push(&h);
    push(&z);
    push(&s);
    push(&format!("HSET hash:longval a {} b 2", "x".repeat(100)));
    let mut big = words("HSET hash:big");
    for i in 0..600 {
        big.push(format!("field:{i}").into_bytes());
        big.push(if i % 2 == 0 {
            i.to_string().into_bytes()
        } else {
            format!("value-{i}").into_bytes()
        });
    }
    out.push(big);
    let mut push = |s: &str| out.push(words(s));
    // Sorted sets: ziplist (special scores), skiplist (many members; a long member).
    push("ZADD zset:small 1 a 2.5 b -inf c +inf d 0.1 e -0 f 1e300 g 3 h");
    push(&format!("ZADD zset:long 1 a 2 {}", "m".repeat(100)));
    let mut zb = words("ZADD zset:big");
    for i in 0..300 {
        zb.push(format!("{}", i as f64 / 7.0).into_bytes());
        zb.push(format!("member{i}").into_bytes());
    }
    out.push(zb);
    let mut push = |s: &str| out.push(words(s));
    // Sets: intsets of 16, 32 and 64-bit integers, hashtables (strings; many integers).
    push("SADD set:i16 5 -7 32767");
    push("SADD set:i32 1 70000 -2147483648");
    push("SADD set:i64 1 5000000000 -9223372036854775808");
    let mut sb = words("SADD set:bigints");
    for i in 0..600i64 {
        sb.push((i * 1000 - 3).to_string().into_bytes());
    }
    out.push(sb);
    let mut push = |s: &str| out.push(words(s));
    // Streams (RDB_TYPE_STREAM_LISTPACKS, version 1): groups, PELs, consumers without
    // pending entries, deletions, trims, an empty stream with a group, many nodes.
    for line in stream_script() {
        push(&line);
    }
    for i in 1..=450u64 {
        push(&format!(
            "XADD stream:big {i}-0 name user{i} n {i} payload {}",
            "p".repeat((i % 50 + 1) as usize)
        ));
    }
    push("XGROUP CREATE stream:big g 0");
    push("XREADGROUP GROUP g c1 COUNT 150 STREAMS stream:big >");
    push("XREADGROUP GROUP g c2 COUNT 100 STREAMS stream:big >");
    // Millisecond TTLs on a few keys of each type.
    for (i, k) in [
        "str:short",
        "str:lzf",
        "list:small",
        "list:multi",
        "hash:small",
        "hash:big",
        "zset:small",
        "zset:big",
        "set:i16",
        "set:bigints",
        "stream:cg",
    ]
    .iter()
    .enumerate()
    {
        push(&format!("PEXPIRE {k} {}", 3_600_000 + i * 1_234_567 + 89));
    }
    out
}

fn select(c: &mut RawConn, db: usize) {
    assert_eq!(c.cmd(&["SELECT", &db.to_string()]), b"+OK\r\n");
}

/// Starts Redis 6.2 with `extra`, fills every database of [`DBS`], SAVEs. Returns the server
/// (still running, for comparisons) and the file.
fn legacy_file(extra: &[&str]) -> (TestServer, PathBuf) {
    let src = TestServer::legacy_redis(extra);
    let mut c = src.conn();
    let info = String::from_utf8_lossy(&common::dataset::text(&cmd(&mut c, &[b"INFO", b"server"])))
        .into_owned();
    assert!(
        info.contains("redis_version:6.2.14"),
        "not Redis 6.2.14:\n{info}"
    );
    for db in DBS {
        select(&mut c, db);
        for l in script(db) {
            run(&mut c, &l);
        }
    }
    select(&mut c, 0);
    // With list-compress-depth, the inner nodes of list:multi are LZF-compressed in memory
    // and saved as compressed blobs.
    let obj = String::from_utf8_lossy(&c.cmd(&["DEBUG", "OBJECT", "list:multi"])).into_owned();
    let compressed = extra
        .windows(2)
        .any(|w| w == ["--list-compress-depth", "1"]);
    assert_eq!(obj.contains("ql_compressed:1"), compressed, "{obj}");
    assert_eq!(c.cmd(&["SAVE"]), b"+OK\r\n");
    let file = src.dir().join("dump.rdb");
    let bytes = std::fs::read(&file).expect("read dump.rdb");
    assert_eq!(&bytes[..9], b"REDIS0009", "a version 9 file");
    (src, file)
}

/// The 6.2 file loads in oxidis with the 6.2 server's dataset (encodings too when
/// `same_encodings`: the 6.2 server's thresholds match 7.0's defaults), and like in
/// redis-server 7.0.15 (both started with `check`).
fn legacy_file_loads(extra: &[&str], check: &[&str], same_encodings: bool) {
    let (src, file) = legacy_file(extra);
    let ours = on_file(TestServer::oxidis(check), &file);
    let theirs = on_file(TestServer::redis(check), &file);
    let (mut c6, mut co) = (src.conn(), ours.conn());
    for db in 0..16 {
        select(&mut c6, db);
        select(&mut co, db);
        let keys = all_keys(&mut c6);
        assert_eq!(keys.is_empty(), !DBS.contains(&db), "db {db}");
        assert_eq!(all_keys(&mut co), keys, "keys of db {db}");
        for k in &keys {
            assert_eq!(
                describe_portable(&mut co, k, same_encodings),
                describe_portable(&mut c6, k, same_encodings),
                "key {} of db {db}: oxidis vs Redis 6.2",
                String::from_utf8_lossy(k)
            );
        }
        assert_ttls_match(&mut co, &mut c6, &keys, TTL_SLACK_MS);
        if !keys.is_empty() {
            assert_same_in(&ours, &theirs, db, &keys, Exact::All);
        }
    }
}

#[test]
fn redis_6_2_file_with_every_encoding_loads() {
    // Default 6.2 configuration, compressed strings, inner list nodes compressed in memory
    // (saved as LZF blobs); compared with compression off so DUMP bytes are deterministic.
    legacy_file_loads(
        &["--list-compress-depth", "1"],
        &["--rdbcompression", "no"],
        true,
    );
}

#[test]
fn redis_6_2_file_converts_on_load_like_redis_7() {
    // Saved as ziplists / intsets bigger than 7.0's default thresholds, tiny list nodes,
    // uncompressed: loaded with the defaults, they convert as 7.0.15 converts them.
    legacy_file_loads(
        &[
            "--hash-max-ziplist-entries",
            "1000",
            "--hash-max-ziplist-value",
            "5000",
            "--zset-max-ziplist-entries",
            "1000",
            "--zset-max-ziplist-value",
            "5000",
            "--set-max-intset-entries",
            "1000",
            "--list-max-ziplist-size",
            "5",
            "--rdbcompression",
            "no",
        ],
        &["--rdbcompression", "no"],
        false,
    );
}

#[test]
fn redis_6_2_dump_payloads_restore() {
    // Every key's 6.2 DUMP payload (RDB version 9 in the footer) restores in oxidis to the
    // same value, as in redis-server 7.0.15.
    let (src, _) = legacy_file(&["--list-compress-depth", "1"]);
    let ours = TestServer::oxidis(&["--rdbcompression", "no"]);
    let theirs = TestServer::redis(&["--rdbcompression", "no"]);
    let (mut c6, mut co, mut c7) = (src.conn(), ours.conn(), theirs.conn());
    let mut types = std::collections::BTreeSet::new();
    let mut restored = Vec::new();
    for db in DBS {
        select(&mut c6, db);
        for k in all_keys(&mut c6) {
            let p = dump(&mut c6, &k);
            assert_eq!(&p[p.len() - 10..p.len() - 8], &[9, 0], "version 9 footer");
            types.insert(p[0]);
            let name = [format!("{db}:").into_bytes(), k.clone()].concat();
            for c in [&mut co, &mut c7] {
                assert_eq!(
                    c.cmd(&[&b"RESTORE"[..], &name, b"0", &p]),
                    b"+OK\r\n",
                    "RESTORE of {}'s 6.2 payload",
                    String::from_utf8_lossy(&k)
                );
            }
            assert_eq!(
                describe_portable(&mut co, &name, true),
                describe_portable(&mut c6, &k, true),
                "key {} restored from its 6.2 payload",
                String::from_utf8_lossy(&k)
            );
            restored.push(name);
        }
    }
    // Every RDB type 6.2 writes was seen: string, set, zset (skiplist), hash, intset,
    // ziplist zset, ziplist hash, quicklist, stream.
    assert_eq!(
        types.into_iter().collect::<Vec<_>>(),
        vec![0, 2, 4, 5, 11, 12, 13, 14, 15],
        "RDB types of the 6.2 payloads"
    );
    restored.sort();
    assert_same_in(&ours, &theirs, 0, &restored, Exact::All);
}
