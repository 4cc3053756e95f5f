//! Whole-dataset comparison for the persistence tests (`tests/rdb_types.rs`,
//! `tests/rdb_legacy.rs`): two servers hold the same keys when every key has the same type,
//! contents, encoding and TTL.
//!
//! - [`describe`]: everything observable about a key on a 7.0-format server (oxidis or
//!   redis-server 7.0.15), its type and encoding read from the `DUMP` type byte.
//! - [`describe_portable`]: the same for any Redis version from 6.2 on, through commands
//!   whose replies did not change (encodings named as 7.0 names them, stream group fields
//!   common to both versions).
//! - [`assert_same`] / [`assert_same_with`] / [`assert_same_in`]: two 7.0-format servers agree
//!   on a set of keys, byte-identical `DUMP` payloads where the encoding allows, and each
//!   one's payloads `RESTORE` in the other.
//! - [`assert_ttls_match`]: the keys' TTLs agree within a tolerance.
//! - [`stream_script`]: streams in every shape both 6.2 and 7.0 save (groups, PELs, trims).
//! - helpers: [`cmd`], [`run`], [`words`], [`dump`], [`keys_among`], [`all_keys`],
//!   [`wait_bgsave`], [`on_file`].

use super::{parse_reply, RawConn, Resp, TestServer};
use std::path::Path;
use std::time::{Duration, Instant};

/// Sends one command and parses the reply.
pub fn cmd(c: &mut RawConn, args: &[&[u8]]) -> Resp {
    parse_reply(&c.cmd(args))
}

/// Sends one command, asserting it did not fail.
pub fn run(c: &mut RawConn, line: &[Vec<u8>]) {
    let r = c.cmd(line);
    assert!(
        !r.starts_with(b"-"),
        "{:?} -> {}",
        line.iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>(),
        String::from_utf8_lossy(&r)
    );
}

/// A command line split on whitespace.
pub fn words(s: &str) -> Vec<Vec<u8>> {
    s.split_whitespace()
        .map(|w| w.as_bytes().to_vec())
        .collect()
}

/// The bytes of a bulk or simple reply (empty otherwise).
pub fn text(r: &Resp) -> Vec<u8> {
    r.as_bytes().map(|b| b.to_vec()).unwrap_or_default()
}

/// `DUMP key`, which must exist.
pub fn dump(c: &mut RawConn, key: &[u8]) -> Vec<u8> {
    match cmd(c, &[b"DUMP", key]) {
        Resp::Bulk(b) => b,
        r => panic!("DUMP {} -> {r:?}", String::from_utf8_lossy(key)),
    }
}

/// The keys of `c` among `candidates` (checked against DBSIZE, so none is missed).
pub fn keys_among(c: &mut RawConn, candidates: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let k: Vec<Vec<u8>> = candidates
        .iter()
        .filter(|k| !cmd(c, &[b"DUMP", k]).is_null())
        .cloned()
        .collect();
    assert_eq!(cmd(c, &[b"DBSIZE"]).as_int(), Some(k.len() as i64));
    k
}

/// Every key of the selected database, sorted (`KEYS *`).
pub fn all_keys(c: &mut RawConn) -> Vec<Vec<u8>> {
    let mut k: Vec<Vec<u8>> = cmd(c, &[b"KEYS", b"*"])
        .as_array()
        .unwrap_or(&[])
        .iter()
        .map(text)
        .collect();
    k.sort();
    k
}

/// Everything observable about `key` on a 7.0-format server, normalised only where Redis's
/// own order is unspecified (hashtable iteration): type, encoding, contents; for streams
/// the full group, PEL and consumer state except clock-dependent times.
pub fn describe(c: &mut RawConn, key: &[u8]) -> Vec<String> {
    // Type and encoding as the RDB type byte of DUMP tells them (what OBJECT ENCODING says).
    let (ty, enc): (&str, &str) = match dump(c, key)[0] {
        0 => ("string", "-"),
        2 => ("set", "hashtable"),
        4 => ("hash", "hashtable"),
        11 => ("set", "intset"),
        16 => ("hash", "listpack"),
        5 => ("zset", "skiplist"),
        17 => ("zset", "listpack"),
        18 => ("list", "quicklist"),
        19 => ("stream", "stream"),
        t => panic!("unexpected RDB type {t}"),
    };
    let mut out = vec![ty.to_string(), enc.to_string(), "-".to_string()];
    out.extend(contents(c, key, ty, enc, true));
    out
}

/// What [`describe`] tells, through commands Redis 6.2 and 7.0 answer alike: `TYPE`,
/// `OBJECT ENCODING` (6.2's `ziplist` named `listpack`, as 7.0 converts it on load) and the
/// contents; for streams the group fields both versions have (not `entries-read`/`lag`).
/// Without `encoding` (servers configured with different thresholds) the encoding is left
/// out and hashes are compared as sorted pairs.
pub fn describe_portable(c: &mut RawConn, key: &[u8], encoding: bool) -> Vec<String> {
    let ty = String::from_utf8_lossy(&text(&cmd(c, &[b"TYPE", key]))).into_owned();
    let enc = if encoding {
        let e = text(&cmd(c, &[b"OBJECT", b"ENCODING", key]));
        match (ty.as_str(), e.as_slice()) {
            ("hash" | "zset", b"ziplist") => "listpack".to_string(),
            _ => String::from_utf8_lossy(&e).into_owned(),
        }
    } else {
        "-".to_string()
    };
    let mut out = vec![ty.clone(), enc.clone()];
    out.extend(contents(c, key, &ty, &enc, false));
    out
}

/// The contents of a key of type `ty`: hashes in order when `enc` is listpack (else sorted
/// pairs), sets sorted, streams with groups. `full`: stream group replies whole (7.0 fields);
/// otherwise only the fields every version has.
fn contents(c: &mut RawConn, key: &[u8], ty: &str, enc: &str, full: bool) -> Vec<String> {
    let sorted = |r: Resp| -> String {
        let mut v: Vec<String> = r
            .as_array()
            .unwrap_or(&[])
            .iter()
            .map(|x| format!("{x:?}"))
            .collect();
        v.sort();
        format!("{v:?}")
    };
    let mut out = Vec::new();
    match ty {
        "string" => out.push(format!("{:?}", cmd(c, &[b"GET", key]))),
        "hash" => {
            if enc == "listpack" {
                out.push(format!("{:?}", cmd(c, &[b"HGETALL", key])));
            } else {
                let r = cmd(c, &[b"HGETALL", key]);
                let a = r.as_array().unwrap_or(&[]);
                let mut pairs: Vec<String> = a.chunks(2).map(|p| format!("{p:?}")).collect();
                pairs.sort();
                out.push(format!("{pairs:?}"));
            }
        }
        "set" => out.push(sorted(cmd(c, &[b"SMEMBERS", key]))),
        "list" => out.push(format!("{:?}", cmd(c, &[b"LRANGE", key, b"0", b"-1"]))),
        "zset" => out.push(format!(
            "{:?}",
            cmd(c, &[b"ZRANGE", key, b"0", b"-1", b"WITHSCORES"])
        )),
        "stream" => {
            out.push(format!("{:?}", cmd(c, &[b"XRANGE", key, b"-", b"+"])));
            out.push(format!("{:?}", cmd(c, &[b"XLEN", key])));
            let info = cmd(c, &[b"XINFO", b"STREAM", key]);
            out.push(format!("{:?}", info.map_get(b"last-generated-id")));
            let groups = cmd(c, &[b"XINFO", b"GROUPS", key]);
            if full {
                out.push(format!("{groups:?}"));
            }
            for g in groups.as_array().unwrap_or(&[]) {
                let name = text(g.map_get(b"name").expect("group name"));
                for f in ["consumers", "pending", "last-delivered-id"] {
                    out.push(format!("{f} {:?}", g.map_get(f.as_bytes())));
                }
                out.push(format!("{:?}", cmd(c, &[b"XPENDING", key, &name])));
                // Idle times depend on the clock: keep the IDs, consumers and counts.
                let p = cmd(c, &[b"XPENDING", key, &name, b"-", b"+", b"1000"]);
                for e in p.as_array().unwrap_or(&[]) {
                    let e = e.as_array().unwrap();
                    out.push(format!("{:?} {:?} {:?}", e[0], e[1], e[3]));
                }
                let cs = cmd(c, &[b"XINFO", b"CONSUMERS", key, &name]);
                for cons in cs.as_array().unwrap_or(&[]) {
                    out.push(format!(
                        "{:?} {:?}",
                        cons.map_get(b"name"),
                        cons.map_get(b"pending")
                    ));
                }
            }
        }
        t => panic!("unexpected type {t}"),
    }
    out
}

/// Encodings whose DUMP payload is a function of the contents alone.
pub fn deterministic(enc: &str) -> bool {
    matches!(
        enc,
        "listpack" | "intset" | "stream" | "quicklist" | "skiplist"
    )
}

/// Which DUMP payloads [`assert_same_with`] compares byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Exact {
    /// Every deterministic encoding.
    All,
    /// All but lists (their node boundaries come from the list commands, not the RDB code).
    NoLists,
    /// None (LZF-compressed payloads differ between implementations).
    Nothing,
}

/// Asserts `a` and `b` hold the same keys with the same observable state, identical DUMP
/// payloads for deterministic encodings, and that each one's payloads restore in the other
/// to the same state.
pub fn assert_same(a: &TestServer, b: &TestServer, expected: &[Vec<u8>]) {
    assert_same_with(a, b, expected, Exact::All)
}

/// [`assert_same`], comparing payload bytes as `exact` says.
pub fn assert_same_with(a: &TestServer, b: &TestServer, expected: &[Vec<u8>], exact: Exact) {
    assert_same_in(a, b, 0, expected, exact)
}

/// [`assert_same_with`] in database `db`.
pub fn assert_same_in(
    a: &TestServer,
    b: &TestServer,
    db: usize,
    expected: &[Vec<u8>],
    exact: Exact,
) {
    let (mut ca, mut cb) = (a.conn(), b.conn());
    let sel = db.to_string();
    for c in [&mut ca, &mut cb] {
        assert_eq!(c.cmd(&["SELECT", &sel]), b"+OK\r\n");
    }
    let ka = keys_among(&mut ca, expected);
    assert_eq!(
        ka,
        keys_among(&mut cb, expected),
        "key sets differ in db {db}"
    );
    assert_eq!(ka, expected, "keys of db {db}");
    for k in &ka {
        let name = String::from_utf8_lossy(k).into_owned();
        let da = describe(&mut ca, k);
        assert_eq!(da, describe(&mut cb, k), "key {name} (db {db})");
        let (pa, pb) = (dump(&mut ca, k), dump(&mut cb, k));
        let compare = match exact {
            Exact::All => true,
            Exact::NoLists => da[0] != "list",
            Exact::Nothing => false,
        };
        if compare && deterministic(&da[1]) && pa != pb {
            let at = pa.iter().zip(&pb).position(|(x, y)| x != y).unwrap_or(0);
            panic!(
                "DUMP of {name} ({}) differs at {at} (lengths {} {}): {:?} vs {:?}",
                da[1],
                pa.len(),
                pb.len(),
                &pa[at.saturating_sub(8)..(at + 16).min(pa.len())],
                &pb[at.saturating_sub(8)..(at + 16).min(pb.len())]
            );
        }
        // Cross RESTORE: a's payload into b and b's into a, under a new name.
        let copy = [b"rt:".as_slice(), k].concat();
        assert_eq!(
            cb.cmd(&[&b"RESTORE"[..], &copy, b"0", &pa]),
            b"+OK\r\n",
            "RESTORE {name} into b"
        );
        assert_eq!(
            ca.cmd(&[&b"RESTORE"[..], &copy, b"0", &pb]),
            b"+OK\r\n",
            "RESTORE {name} into a"
        );
        let ra = describe(&mut ca, &copy);
        assert_eq!(ra, describe(&mut cb, &copy), "restored {name}");
        assert_eq!(&ra[3..], &da[3..], "restored {name} keeps the contents");
        ca.cmd(&[&b"DEL"[..], &copy]);
        cb.cmd(&[&b"DEL"[..], &copy]);
    }
}

/// Asserts that `keys` have the same TTL on both connections (their selected databases):
/// none on both, or remaining times within `slack_ms` of each other.
pub fn assert_ttls_match(a: &mut RawConn, b: &mut RawConn, keys: &[Vec<u8>], slack_ms: i64) {
    for k in keys {
        let name = String::from_utf8_lossy(k);
        let ta = cmd(a, &[b"PTTL", k]).as_int().expect("PTTL");
        let tb = cmd(b, &[b"PTTL", k]).as_int().expect("PTTL");
        if ta < 0 || tb < 0 {
            assert_eq!(ta, tb, "TTL of {name}");
        } else {
            assert!(
                (ta - tb).abs() <= slack_ms,
                "TTL of {name}: {ta} vs {tb} ms"
            );
        }
    }
}

/// Waits (bounded) for a running BGSAVE to end successfully.
pub fn wait_bgsave(c: &mut RawConn) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let r = cmd(c, &[b"INFO", b"persistence"]);
        let t = String::from_utf8_lossy(r.as_bytes().unwrap()).into_owned();
        if t.contains("rdb_bgsave_in_progress:0") {
            assert!(t.contains("rdb_last_bgsave_status:ok"), "{t}");
            return;
        }
        assert!(Instant::now() < deadline, "BGSAVE did not finish in 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Restarts `s` (a fresh server) on a copy of `file` as its `dump.rdb`.
pub fn on_file(mut s: TestServer, file: &Path) -> TestServer {
    s.kill();
    std::fs::copy(file, s.dir().join("dump.rdb")).expect("copy dump");
    s.restart();
    s
}

/// Commands building streams in every shape 6.2 and 7.0 both write: an empty stream with a
/// group, deletions, a trim, a group created past a deletion, consumer groups with PELs,
/// claimed entries and a consumer without pending entries.
pub fn stream_script() -> Vec<String> {
    let mut out: Vec<String> = [
        "XGROUP CREATE stream:empty g1 $ MKSTREAM",
        "XADD stream:one 5-1 f v",
        "XADD stream:gone 1-1 a b",
        "XDEL stream:gone 1-1",
    ]
    .map(String::from)
    .to_vec();
    for i in 1..=30 {
        out.push(format!("XADD stream:trim {i}-0 f {i}"));
    }
    out.push("XTRIM stream:trim MAXLEN 10".into());
    out.push("XDEL stream:trim 25-0 26-0".into());
    // 7.0 saves the group's entries-read as unknown (2^64 - 1): created past a deletion.
    out.push("XGROUP CREATE stream:trim gx 27-0".into());
    for i in 1..=20 {
        out.push(if i % 3 == 0 {
            format!("XADD stream:cg {i}-{i} other {i} more x")
        } else {
            format!("XADD stream:cg {i}-{i} f {i} g {}", i * 2)
        });
    }
    out.extend(
        [
            "XGROUP CREATE stream:cg g1 0",
            "XGROUP CREATE stream:cg g2 $",
            "XGROUP CREATE stream:cg g3 5-5",
            "XREADGROUP GROUP g1 alice COUNT 5 STREAMS stream:cg >",
            "XREADGROUP GROUP g1 bob COUNT 3 STREAMS stream:cg >",
            "XACK stream:cg g1 2-2",
            "XCLAIM stream:cg g1 bob 0 1-1",
            "XGROUP CREATECONSUMER stream:cg g1 carol",
            "XREADGROUP GROUP g3 dave COUNT 2 STREAMS stream:cg >",
            "XDEL stream:cg 10-10",
        ]
        .map(String::from),
    );
    out
}
