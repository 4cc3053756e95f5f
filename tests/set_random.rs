//! Seeded random differential test of the set commands against redis-server.
//!
//! Keys `s0`..`s4` only ever see deterministic commands, so both servers hold the same
//! sets and replies are compared exactly (intsets reply in order) or as multisets
//! (hashtables). Random removals (`SPOP` with a small count) go to key `p` only, whose
//! members are always fresh random strings: its cardinality stays identical on both sides,
//! so `SCARD`, `SADD` and the reply shapes of `SPOP`/`SRANDMEMBER` are still compared.
//! `DEBUG OBJECT` compares encodings; `set-max-intset-entries` changes now and then.
//! Reproduce a failure with `OXIDIS_SEED=<n> cargo test --test set_random`.

mod common;

use common::*;

const KEYS: &[&str] = &["s0", "s1", "s2", "s3", "s4", "str", "nokey"];

/// A member for `key`: `s0` and `s1` get integers (and rarely anything else) so that they
/// spend time as intsets; the other keys get a mix.
fn member_for(rng: &mut SeedRng, key: &[u8]) -> Vec<u8> {
    if (key == b"s0" || key == b"s1") && !rng.chance(1, 60) {
        return rng.range(-30, 30).to_string().into_bytes();
    }
    member(rng)
}

fn member(rng: &mut SeedRng) -> Vec<u8> {
    match rng.below(10) {
        0..=3 => rng.range(-20, 20).to_string().into_bytes(),
        4 => rng
            .pick(&[
                "40000",
                "-40000",
                "3000000000",
                "-3000000000",
                "9223372036854775807",
            ])
            .as_bytes()
            .to_vec(),
        5 => rng
            .pick(&["01", "-0", "+1", " 1", "1.0", ""])
            .as_bytes()
            .to_vec(),
        _ => rng.bytes(1, b"abcdef"),
    }
}

fn key(rng: &mut SeedRng) -> Vec<u8> {
    if rng.chance(1, 12) {
        rng.pick(&KEYS[5..]).as_bytes().to_vec()
    } else {
        rng.pick(&KEYS[..5]).as_bytes().to_vec()
    }
}

fn keys(rng: &mut SeedRng, n: u64) -> Vec<Vec<u8>> {
    (0..1 + rng.below(n)).map(|_| key(rng)).collect()
}

fn cmd(parts: &[&[u8]], rest: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = parts.iter().map(|p| p.to_vec()).collect();
    v.extend(rest);
    v
}

/// Compares the `encoding:` of two `DEBUG OBJECT` replies, or the replies themselves when
/// they are errors (missing key).
fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    fn enc(r: &[u8]) -> Option<String> {
        let s = String::from_utf8_lossy(r);
        let at = s.find("encoding:")?;
        Some(s[at..].split(' ').next()?.to_string())
    }
    let (a, b) = (enc(subject), enc(reference));
    if a == b && (a.is_some() || subject == reference) {
        Ok(())
    } else {
        Err(format!(
            "DEBUG OBJECT differs: subject {} vs reference {}",
            escape(subject),
            escape(reference)
        ))
    }
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("SADD", 20, |r| {
            let k = key(r);
            let n = 1 + r.below(6);
            let ms = (0..n).map(|_| member_for(r, &k)).collect();
            GenCmd::exact(cmd(&[b"SADD", &k], ms))
        }),
        Generator::new("SADD one int", 8, |r| {
            let k = r.pick(&["s0", "s1"]).as_bytes().to_vec();
            let m = member_for(r, &k);
            GenCmd::exact(cmd(&[b"SADD", &k, &m], vec![]))
        }),
        Generator::new("SADD many", 2, |r| {
            let base = r.range(-1000, 1000);
            let ms = (0..30)
                .map(|i| (base + i * 3).to_string().into_bytes())
                .collect();
            GenCmd::exact(cmd(&[b"SADD", &key(r)], ms))
        }),
        Generator::new("SREM", 10, |r| {
            let k = key(r);
            let n = 1 + r.below(12);
            let ms = (0..n).map(|_| member_for(r, &k)).collect();
            GenCmd::exact(cmd(&[b"SREM", &k], ms))
        }),
        Generator::new("SMOVE", 5, |r| {
            GenCmd::exact(cmd(&[b"SMOVE", &key(r), &key(r), &member(r)], vec![]))
        }),
        Generator::new("SISMEMBER", 5, |r| {
            GenCmd::exact(cmd(&[b"SISMEMBER", &key(r), &member(r)], vec![]))
        }),
        Generator::new("SMISMEMBER", 4, |r| {
            let ms = (0..1 + r.below(4)).map(|_| member(r)).collect();
            GenCmd::exact(cmd(&[b"SMISMEMBER", &key(r)], ms))
        }),
        Generator::new("SCARD", 4, |r| {
            GenCmd::exact(cmd(&[b"SCARD", &key(r)], vec![]))
        }),
        Generator::new("SMEMBERS", 5, |r| {
            GenCmd::with(cmd(&[b"SMEMBERS", &key(r)], vec![]), Norm::Unordered)
        }),
        Generator::new("SINTER", 4, |r| {
            GenCmd::with(cmd(&[b"SINTER"], keys(r, 3)), Norm::Unordered)
        }),
        Generator::new("SUNION", 4, |r| {
            GenCmd::with(cmd(&[b"SUNION"], keys(r, 3)), Norm::Unordered)
        }),
        Generator::new("SDIFF", 4, |r| {
            GenCmd::with(cmd(&[b"SDIFF"], keys(r, 4)), Norm::Unordered)
        }),
        Generator::new("SINTERCARD", 3, |r| {
            let ks = keys(r, 3);
            let mut c = cmd(&[b"SINTERCARD", ks.len().to_string().as_bytes()], ks);
            if r.chance(1, 2) {
                c.push(b"LIMIT".to_vec());
                c.push(r.below(4).to_string().into_bytes());
            }
            GenCmd::exact(c)
        }),
        Generator::new("*STORE", 6, |r| {
            let op = r
                .pick(&["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"])
                .as_bytes();
            GenCmd::exact(cmd(&[op, &key(r)], keys(r, 3)))
        }),
        Generator::new("SRANDMEMBER", 4, |r| {
            let mut c = cmd(&[b"SRANDMEMBER", &key(r)], vec![]);
            let norm = if r.chance(1, 3) {
                Norm::TypeOnly
            } else {
                c.push(r.range(-8, 8).to_string().into_bytes());
                Norm::TypeAndLen
            };
            GenCmd::with(c, norm)
        }),
        Generator::new("SPOP all", 2, |r| {
            GenCmd::with(cmd(&[b"SPOP", &key(r), b"100000"], vec![]), Norm::Unordered)
        }),
        Generator::new("SSCAN", 3, |r| {
            let mut c = cmd(&[b"SSCAN", &key(r), b"0", b"COUNT", b"1000"], vec![]);
            if r.chance(1, 3) {
                c.push(b"MATCH".to_vec());
                c.push(r.pick(&["*1*", "-*", "[a-c]", "?"]).as_bytes().to_vec());
            }
            GenCmd::with(c, Norm::UnorderedDeep)
        }),
        Generator::new("DEBUG OBJECT", 8, |r| {
            GenCmd::with(
                cmd(&[b"DEBUG", b"OBJECT", &key(r)], vec![]),
                Norm::Custom(same_encoding),
            )
        }),
        Generator::new("CONFIG SET", 2, |r| {
            let v = r.pick(&["0", "2", "4", "8", "16", "512", "512"]).as_bytes();
            GenCmd::exact(cmd(
                &[b"CONFIG", b"SET", b"set-max-intset-entries", v],
                vec![],
            ))
        }),
        Generator::new("HELLO", 1, |r| {
            let v = r.pick(&["2", "3"]).as_bytes();
            GenCmd::with(cmd(&[b"HELLO", v], vec![]), Norm::TypeOnly)
        }),
        Generator::new("SET str", 1, |_| GenCmd::strs(&["SET", "str", "x"])),
        // Key `p`: random removals, fresh members only.
        Generator::new("SADD p", 4, |r| {
            let ms = (0..1 + r.below(8))
                .map(|_| {
                    if r.chance(1, 2) {
                        r.next_u64().to_string().into_bytes()
                    } else {
                        r.bytes(12, b"abcdefghijklmnopqrstuvwxyz")
                    }
                })
                .collect();
            GenCmd::exact(cmd(&[b"SADD", b"p"], ms))
        }),
        Generator::new("SPOP p", 3, |r| {
            if r.chance(1, 3) {
                GenCmd::with(cmd(&[b"SPOP", b"p"], vec![]), Norm::TypeOnly)
            } else {
                let n = r.below(12).to_string().into_bytes();
                GenCmd::with(cmd(&[b"SPOP", b"p", &n], vec![]), Norm::TypeAndLen)
            }
        }),
        Generator::new("SRANDMEMBER p", 2, |r| {
            let n = r.range(-12, 12).to_string().into_bytes();
            GenCmd::with(cmd(&[b"SRANDMEMBER", b"p", &n], vec![]), Norm::TypeAndLen)
        }),
        Generator::new("SCARD p", 2, |_| GenCmd::strs(&["SCARD", "p"])),
    ]
}

#[test]
fn random_set_commands_match_redis() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.run_random(&mut rng, &generators(), 3000);
}
