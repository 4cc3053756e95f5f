//! Seeded random differential test of the hash commands against redis-server 7.0.15
//! (`OXIDIS_SEED=<n>` replays a sequence). Keys and fields come from small pools so that
//! commands collide; long values and low thresholds make conversions to hashtable frequent.

mod common;

use common::*;

const KEYS: &[&str] = &["h0", "h1", "h2", "str"];

/// Field and value pool: short, binary, empty, numeric (listpack integers), long.
fn atom(r: &mut SeedRng) -> Vec<u8> {
    match r.below(12) {
        0 => Vec::new(),
        1 => b"a\x00b\r\n".to_vec(),
        2 => r.range(-300, 300).to_string().into_bytes(),
        3 => r.range(i64::MIN, i64::MAX).to_string().into_bytes(),
        4 => b"007".to_vec(),
        5 => b"1.5".to_vec(),
        6 => vec![b'L'; 60 + r.below(10) as usize],
        _ => format!("f{}", r.below(40)).into_bytes(),
    }
}

fn key(r: &mut SeedRng) -> Vec<u8> {
    r.pick(KEYS).as_bytes().to_vec()
}

fn cmd(parts: Vec<Vec<u8>>, norm: Norm) -> GenCmd {
    GenCmd::with(parts, norm)
}

/// `DEBUG OBJECT` replies agree on the encoding, or are the same error.
fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    let token = |b: &[u8]| {
        String::from_utf8_lossy(b)
            .split_whitespace()
            .find_map(|t| t.strip_prefix("encoding:").map(str::to_owned))
    };
    let same = if reference.starts_with(b"-") {
        subject == reference
    } else {
        token(subject).is_some() && token(subject) == token(reference)
    };
    if same {
        Ok(())
    } else {
        Err(format!(
            "subject {:?} vs reference {:?}",
            escape(subject),
            escape(reference)
        ))
    }
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("hset", 8, |r| {
            let mut a = vec![b"HSET".to_vec(), key(r)];
            for _ in 0..1 + r.below(4) {
                a.push(atom(r));
                a.push(atom(r));
            }
            cmd(a, Norm::Exact)
        }),
        Generator::new("hmset", 1, |r| {
            cmd(
                vec![b"HMSET".to_vec(), key(r), atom(r), atom(r)],
                Norm::Exact,
            )
        }),
        Generator::new("hsetnx", 2, |r| {
            cmd(
                vec![b"HSETNX".to_vec(), key(r), atom(r), atom(r)],
                Norm::Exact,
            )
        }),
        Generator::new("hget", 3, |r| {
            cmd(vec![b"HGET".to_vec(), key(r), atom(r)], Norm::Exact)
        }),
        Generator::new("hmget", 2, |r| {
            cmd(
                vec![b"HMGET".to_vec(), key(r), atom(r), atom(r), atom(r)],
                Norm::Exact,
            )
        }),
        Generator::new("hdel", 4, |r| {
            let mut a = vec![b"HDEL".to_vec(), key(r)];
            for _ in 0..1 + r.below(3) {
                a.push(atom(r));
            }
            cmd(a, Norm::Exact)
        }),
        Generator::new("hlen", 1, |r| {
            cmd(vec![b"HLEN".to_vec(), key(r)], Norm::Exact)
        }),
        Generator::new("hstrlen", 1, |r| {
            cmd(vec![b"HSTRLEN".to_vec(), key(r), atom(r)], Norm::Exact)
        }),
        Generator::new("hexists", 1, |r| {
            cmd(vec![b"HEXISTS".to_vec(), key(r), atom(r)], Norm::Exact)
        }),
        Generator::new("hgetall", 2, |r| {
            cmd(vec![b"HGETALL".to_vec(), key(r)], Norm::UnorderedPairs)
        }),
        Generator::new("hkeys", 1, |r| {
            cmd(vec![b"HKEYS".to_vec(), key(r)], Norm::Unordered)
        }),
        Generator::new("hvals", 1, |r| {
            cmd(vec![b"HVALS".to_vec(), key(r)], Norm::Unordered)
        }),
        Generator::new("hincrby", 3, |r| {
            let incr = match r.below(4) {
                0 => i64::MAX.to_string(),
                1 => "x".to_string(),
                _ => r.range(-1000, 1000).to_string(),
            };
            cmd(
                vec![b"HINCRBY".to_vec(), key(r), atom(r), incr.into_bytes()],
                Norm::Exact,
            )
        }),
        Generator::new("hincrbyfloat", 3, |r| {
            let incr = match r.below(6) {
                0 => "1e70".to_string(),
                1 => "inf".to_string(),
                2 => "abc".to_string(),
                _ => format!("{}.{}", r.range(-100, 100), r.below(1000)),
            };
            cmd(
                vec![b"HINCRBYFLOAT".to_vec(), key(r), atom(r), incr.into_bytes()],
                Norm::Exact,
            )
        }),
        Generator::new("hrandfield", 2, |r| {
            let mut a = vec![b"HRANDFIELD".to_vec(), key(r)];
            if r.chance(1, 4) {
                // A random field: only its type (bulk or null) is comparable.
                return cmd(a, Norm::TypeOnly);
            }
            a.push(r.range(-20, 20).to_string().into_bytes());
            if r.chance(1, 2) {
                a.push(b"WITHVALUES".to_vec());
            }
            cmd(a, Norm::TypeAndLen)
        }),
        Generator::new("hscan-all", 2, |r| {
            let mut a = vec![b"HSCAN".to_vec(), key(r), b"0".to_vec(), b"COUNT".to_vec()];
            a.push(b"100000".to_vec());
            if r.chance(1, 3) {
                a.push(b"MATCH".to_vec());
                a.push(
                    r.pick(&["f1*", "*", "?", "[a-f]*", "-*"])
                        .as_bytes()
                        .to_vec(),
                );
            }
            cmd(a, Norm::UnorderedDeep)
        }),
        Generator::new("encoding", 1, |r| {
            cmd(
                vec![b"DEBUG".to_vec(), b"OBJECT".to_vec(), key(r)],
                Norm::Custom(same_encoding),
            )
        }),
        Generator::new("dbsize", 1, |_| cmd(vec![b"DBSIZE".to_vec()], Norm::Exact)),
    ]
}

fn setup(p: &mut DiffPair) {
    p.check(&["SET", "str", "x"]);
}

#[test]
fn random_hash_commands_default_thresholds() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    setup(&mut p);
    p.run_random(&mut rng, &generators(), 3000);
}

#[test]
fn random_hash_commands_low_thresholds() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "hash-max-listpack-entries", "6"]);
    p.check(&["CONFIG", "SET", "hash-max-listpack-value", "8"]);
    setup(&mut p);
    let mut gens = generators();
    // Thresholds that move during the run: lowered ones apply at the next write.
    gens.push(Generator::new("config", 1, |r| {
        let (name, v) = if r.chance(1, 2) {
            ("hash-max-listpack-entries", r.range(0, 12))
        } else {
            ("hash-max-listpack-value", r.range(0, 70))
        };
        cmd(
            vec![
                b"CONFIG".to_vec(),
                b"SET".to_vec(),
                name.as_bytes().to_vec(),
                v.to_string().into_bytes(),
            ],
            Norm::Exact,
        )
    }));
    p.run_random(&mut rng, &gens, 3000);
}

#[test]
fn random_hash_commands_resp3() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.check_with(&["HELLO", "3"], Norm::TypeAndLen);
    setup(&mut p);
    p.run_random(&mut rng, &generators(), 2000);
}
