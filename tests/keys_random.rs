//! Seeded random differential test of the generic keyspace commands on a small keyspace
//! (8 keys, 3 databases; every data type), against redis-server. Reproduce a failure with
//! `OXIDIS_SEED=<seed> cargo test --test keys_random`.
//!
//! Normalisations: KEYS and SCAN replies are compared as multisets (a SCAN with a large
//! COUNT covers the whole small table in one call, so both cursors are 0); RANDOMKEY by
//! type and length (all key names have the same length); TTL-style replies by sign class,
//! since a relative EXPIRE lands on slightly different milliseconds on the two servers.
//! Relative EXPIREs use distinct whole-second values far from the absolute times, and only
//! the options that do not compare two expiry times, so every reply is deterministic.

mod common;

use common::*;

const KEYS: u64 = 8;
/// An absolute expiry time far in the future (ms), around which the *AT commands play.
const T: i64 = 33_177_117_420_000;

fn key(rng: &mut SeedRng) -> String {
    format!("k{}", rng.below(KEYS))
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 and -1 exactly, any non-negative value alike.
fn ttl_class(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    let class = |r: &[u8]| match parse_reply(r).as_int() {
        Some(v) if v < 0 => format!("{v}"),
        Some(_) => "ttl".to_string(),
        None => escape(r),
    };
    let (a, b) = (class(subject), class(reference));
    if a == b {
        Ok(())
    } else {
        Err(format!("subject {a} vs reference {b}"))
    }
}

fn value(rng: &mut SeedRng) -> String {
    match rng.below(4) {
        0 => rng.range(-100, 20000).to_string(),
        1 => String::new(),
        2 => {
            let n = rng.below(20) as usize + 1;
            String::from_utf8(rng.bytes(n, b"abcxyz")).unwrap()
        }
        _ => "x".repeat(40 + rng.below(10) as usize),
    }
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("SET", 12, |r| {
            let (k, v) = (key(r), value(r));
            GenCmd::strs(&["SET", &k, &v])
        }),
        Generator::new("XADD", 2, |r| {
            // Auto IDs differ between servers, but not in length.
            GenCmd::with(args(&["XADD", &key(r), "*", "f", "v"]), Norm::TypeAndLen)
        }),
        Generator::new("XLEN", 1, |r| GenCmd::strs(&["XLEN", &key(r)])),
        Generator::new("SADD", 3, |r| {
            // Small integers stay an intset; a letter converts it.
            let m = if r.chance(1, 3) {
                "m".to_string()
            } else {
                r.below(20).to_string()
            };
            GenCmd::strs(&["SADD", &key(r), &m])
        }),
        Generator::new("HSET", 2, |r| {
            let f = format!("f{}", r.below(4));
            GenCmd::strs(&["HSET", &key(r), &f, "v"])
        }),
        Generator::new("RPUSH", 2, |r| {
            let v = r.below(100).to_string();
            GenCmd::strs(&["RPUSH", &key(r), &v])
        }),
        Generator::new("ZADD", 2, |r| {
            let (score, m) = (r.below(10).to_string(), format!("m{}", r.below(5)));
            GenCmd::strs(&["ZADD", &key(r), &score, &m])
        }),
        Generator::new("LPOP", 1, |r| GenCmd::strs(&["LPOP", &key(r)])),
        Generator::new("SMEMBERS", 1, |r| {
            GenCmd::with(args(&["SMEMBERS", &key(r)]), Norm::Unordered)
        }),
        Generator::new("GET", 4, |r| GenCmd::strs(&["GET", &key(r)])),
        Generator::new("DEL", 4, |r| {
            let cmd = *r.pick(&["DEL", "UNLINK"]);
            let n = r.below(3) + 1;
            let mut a = vec![cmd.to_string()];
            a.extend((0..n).map(|_| key(r)));
            GenCmd::exact(a.into_iter().map(String::into_bytes).collect())
        }),
        Generator::new("EXISTS", 4, |r| {
            let n = r.below(4) + 1;
            let mut a = vec!["EXISTS".to_string()];
            a.extend((0..n).map(|_| key(r)));
            GenCmd::exact(a.into_iter().map(String::into_bytes).collect())
        }),
        Generator::new("TOUCH", 2, |r| {
            let (a, b) = (key(r), key(r));
            GenCmd::strs(&["TOUCH", &a, &b])
        }),
        Generator::new("TYPE", 3, |r| GenCmd::strs(&["TYPE", &key(r)])),
        Generator::new("KEYS", 2, |r| {
            let pat = *r.pick(&["*", "k[0-3]", "k?", "*7", "x*", "k[^5]"]);
            GenCmd::with(args(&["KEYS", pat]), Norm::Unordered)
        }),
        Generator::new("SCAN", 3, |r| {
            let mut a = args(&["SCAN", "0", "COUNT", "1000"]);
            if r.chance(1, 2) {
                a.extend(args(&["MATCH", *r.pick(&["k[0-3]", "*", "k1", "nomatch"])]));
            }
            if r.chance(1, 3) {
                a.extend(args(&[
                    "TYPE",
                    *r.pick(&["string", "list", "set", "zset", "hash", "stream", "none"]),
                ]));
            }
            GenCmd::with(a, Norm::UnorderedDeep)
        }),
        Generator::new("RANDOMKEY", 2, |_| {
            GenCmd::with(args(&["RANDOMKEY"]), Norm::TypeAndLen)
        }),
        Generator::new("DBSIZE", 2, |_| GenCmd::strs(&["DBSIZE"])),
        Generator::new("RENAME", 4, |r| {
            let cmd = *r.pick(&["RENAME", "RENAMENX"]);
            let (a, b) = (key(r), key(r));
            GenCmd::strs(&[cmd, &a, &b])
        }),
        Generator::new("MOVE", 3, |r| {
            let db = r.below(3).to_string();
            GenCmd::strs(&["MOVE", &key(r), &db])
        }),
        Generator::new("COPY", 4, |r| {
            let (a, b) = (key(r), key(r));
            let mut v = args(&["COPY", &a, &b]);
            if r.chance(1, 2) {
                v.extend(args(&["DB", &r.below(3).to_string()]));
            }
            if r.chance(1, 2) {
                v.extend(args(&["REPLACE"]));
            }
            GenCmd::exact(v)
        }),
        Generator::new("SELECT", 2, |r| {
            GenCmd::strs(&["SELECT", &r.below(3).to_string()])
        }),
        Generator::new("SWAPDB", 1, |r| {
            let (a, b) = (r.below(3).to_string(), r.below(3).to_string());
            GenCmd::strs(&["SWAPDB", &a, &b])
        }),
        Generator::new("EXPIRE", 5, |r| {
            let cmd = *r.pick(&["EXPIRE", "PEXPIRE"]);
            // Distinct, far-apart whole seconds; or the past, which deletes.
            let secs = if r.chance(1, 5) {
                -r.range(0, 5)
            } else {
                r.range(100, 100_000)
            };
            let t = if cmd == "PEXPIRE" { secs * 1000 } else { secs };
            let mut v = args(&[cmd, &key(r), &t.to_string()]);
            if r.chance(1, 2) {
                v.extend(args(&[*r.pick(&["NX", "XX"])]));
            }
            GenCmd::exact(v)
        }),
        Generator::new("EXPIREAT", 5, |r| {
            let cmd = *r.pick(&["EXPIREAT", "PEXPIREAT"]);
            let ms = match r.below(4) {
                0 => r.range(0, 5_000),
                _ => T + 1000 * r.range(-3, 3),
            };
            let t = if cmd == "EXPIREAT" { ms / 1000 } else { ms };
            let mut v = args(&[cmd, &key(r), &t.to_string()]);
            let n = r.below(3);
            for _ in 0..n {
                v.extend(args(&[*r.pick(&["NX", "XX", "GT", "LT", "gt"])]));
            }
            GenCmd::exact(v)
        }),
        Generator::new("TTL", 5, |r| {
            let cmd = *r.pick(&["TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"]);
            GenCmd::with(args(&[cmd, &key(r)]), Norm::Custom(ttl_class))
        }),
        Generator::new("PERSIST", 2, |r| GenCmd::strs(&["PERSIST", &key(r)])),
        Generator::new("OBJECT", 2, |r| {
            GenCmd::strs(&["OBJECT", "ENCODING", &key(r)])
        }),
        Generator::new("FLUSHDB", 1, |r| {
            // Rare: keeps the keyspace from only growing.
            if r.chance(1, 4) {
                GenCmd::strs(&["FLUSHDB"])
            } else {
                GenCmd::strs(&["DBSIZE"])
            }
        }),
    ]
}

#[test]
fn random_keyspace_commands_match_redis() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.run_random(&mut rng, &generators(), 3000);
    // Finally, every database's content must agree.
    for db in 0..3 {
        p.check(&["SELECT", &db.to_string()]);
        p.check_unordered(&["KEYS", "*"]);
        for i in 0..KEYS {
            let k = format!("k{i}");
            p.check(&["GET", &k]);
            p.check(&["TYPE", &k]);
            p.check_unordered(&["SMEMBERS", &k]);
            p.check(&["LRANGE", &k, "0", "-1"]);
            p.check(&["ZRANGE", &k, "0", "-1", "WITHSCORES"]);
            p.check_with(&["HGETALL", &k], Norm::UnorderedPairs);
            p.check(&["OBJECT", "ENCODING", &k]);
            p.check_with(&["PTTL", &k], Norm::Custom(ttl_class));
        }
    }
}
