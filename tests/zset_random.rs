//! Seeded random differential test of the sorted-set commands against redis-server 7.0.15.
//!
//! Keys `z0..z3` take any score, `s0` is a plain set used as a set-operation input; `l0`, `l1` only ever hold score 0, because lex ranges over
//! mixed scores depend on each skiplist's random levels (two Redis servers disagree there
//! too). After every command the encodings of the keys it named are compared (`DEBUG OBJECT`).
//! Reproduce a failure with `OXIDIS_SEED=<n> cargo test --test zset_random`.

mod common;

use common::*;

const MEMBERS: &[&str] = &[
    "a",
    "b",
    "c",
    "d",
    "e",
    "f",
    "g",
    "h",
    "1",
    "2",
    "10",
    "-3",
    "",
    "x\u{0}y",
    "long-member",
];
const SCORES: &[&str] = &[
    "0", "1", "2", "-1", "1.5", "0.1", "-0", "+inf", "-inf", "1e18", "3.25", "100", "7",
];

fn zkey(r: &mut SeedRng) -> String {
    format!("z{}", r.below(4))
}

fn lkey(r: &mut SeedRng) -> String {
    format!("l{}", r.below(2))
}

fn member(r: &mut SeedRng) -> String {
    r.pick(MEMBERS).to_string()
}

fn score(r: &mut SeedRng) -> String {
    r.pick(SCORES).to_string()
}

fn bound(r: &mut SeedRng) -> String {
    let s = score(r);
    if r.chance(1, 3) {
        format!("({s}")
    } else {
        s
    }
}

fn lex_bound(r: &mut SeedRng) -> String {
    match r.below(6) {
        0 => "-".into(),
        1 => "+".into(),
        2 => format!("({}", member(r)),
        _ => format!("[{}", member(r)),
    }
}

fn idx(r: &mut SeedRng) -> String {
    r.range(-8, 8).to_string()
}

fn cmd(args: Vec<String>) -> GenCmd {
    GenCmd::exact(args.into_iter().map(String::into_bytes).collect())
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("zadd", 8, |r| {
            let mut a = vec!["ZADD".to_string(), zkey(r)];
            for opt in ["NX", "XX", "GT", "LT", "CH", "INCR"] {
                if r.chance(1, 8) {
                    a.push(opt.into());
                }
            }
            for _ in 0..1 + r.below(4) {
                a.push(score(r));
                a.push(member(r));
            }
            cmd(a)
        }),
        Generator::new("zadd-lex", 4, |r| {
            let mut a = vec!["ZADD".to_string(), lkey(r)];
            for _ in 0..1 + r.below(4) {
                a.push("0".into());
                a.push(member(r));
            }
            cmd(a)
        }),
        Generator::new("sadd", 1, |r| {
            cmd(vec!["SADD".into(), "s0".into(), member(r), member(r)])
        }),
        Generator::new("zincrby", 3, |r| {
            cmd(vec!["ZINCRBY".into(), zkey(r), score(r), member(r)])
        }),
        Generator::new("zrem", 3, |r| {
            let k = if r.chance(1, 3) { lkey(r) } else { zkey(r) };
            cmd(vec!["ZREM".into(), k, member(r), member(r)])
        }),
        Generator::new("read", 6, |r| {
            let k = zkey(r);
            match r.below(6) {
                0 => cmd(vec!["ZSCORE".into(), k, member(r)]),
                1 => cmd(vec!["ZMSCORE".into(), k, member(r), member(r)]),
                2 => cmd(vec!["ZRANK".into(), k, member(r)]),
                3 => cmd(vec!["ZREVRANK".into(), k, member(r)]),
                4 => cmd(vec!["ZCARD".into(), k]),
                _ => cmd(vec!["ZCOUNT".into(), k, bound(r), bound(r)]),
            }
        }),
        Generator::new("zrange", 8, |r| {
            let k = zkey(r);
            let mut a = vec!["ZRANGE".to_string(), k];
            let by = r.below(2);
            if by == 0 {
                a.push(idx(r));
                a.push(idx(r));
            } else {
                a.push(bound(r));
                a.push(bound(r));
                a.push("BYSCORE".into());
                if r.chance(1, 2) {
                    a.extend([
                        "LIMIT".into(),
                        r.range(-1, 4).to_string(),
                        r.range(-1, 4).to_string(),
                    ]);
                }
            }
            if r.chance(1, 2) {
                a.push("REV".into());
            }
            if r.chance(1, 2) {
                a.push("WITHSCORES".into());
            }
            cmd(a)
        }),
        Generator::new("lex", 6, |r| {
            let k = lkey(r);
            match r.below(5) {
                0 => cmd(vec!["ZLEXCOUNT".into(), k, lex_bound(r), lex_bound(r)]),
                1 => cmd(vec!["ZRANGEBYLEX".into(), k, lex_bound(r), lex_bound(r)]),
                2 => cmd(vec![
                    "ZREVRANGEBYLEX".into(),
                    k,
                    lex_bound(r),
                    lex_bound(r),
                    "LIMIT".into(),
                    r.range(0, 3).to_string(),
                    r.range(-1, 3).to_string(),
                ]),
                3 => cmd(vec!["ZREMRANGEBYLEX".into(), k, lex_bound(r), lex_bound(r)]),
                _ => cmd(vec![
                    "ZRANGE".into(),
                    k,
                    "0".into(),
                    "-1".into(),
                    "WITHSCORES".into(),
                ]),
            }
        }),
        Generator::new("zremrange", 3, |r| {
            let k = zkey(r);
            if r.chance(1, 2) {
                cmd(vec!["ZREMRANGEBYRANK".into(), k, idx(r), idx(r)])
            } else {
                cmd(vec!["ZREMRANGEBYSCORE".into(), k, bound(r), bound(r)])
            }
        }),
        Generator::new("pop", 3, |r| {
            let k = if r.chance(1, 4) { lkey(r) } else { zkey(r) };
            match r.below(3) {
                0 => cmd(vec!["ZPOPMIN".into(), k]),
                1 => cmd(vec!["ZPOPMAX".into(), k, r.range(0, 3).to_string()]),
                _ => cmd(vec![
                    "ZMPOP".into(),
                    "2".into(),
                    k,
                    zkey(r),
                    if r.chance(1, 2) { "MIN" } else { "MAX" }.into(),
                    "COUNT".into(),
                    r.range(1, 3).to_string(),
                ]),
            }
        }),
        Generator::new("setop", 4, |r| {
            let n = 1 + r.below(3) as usize;
            // Plain sets are valid inputs (score 1).
            let keys: Vec<String> = (0..n)
                .map(|_| {
                    if r.chance(1, 5) {
                        "s0".to_string()
                    } else {
                        zkey(r)
                    }
                })
                .collect();
            let op = *r.pick(&[
                "ZUNION",
                "ZINTER",
                "ZDIFF",
                "ZUNIONSTORE",
                "ZINTERSTORE",
                "ZDIFFSTORE",
            ]);
            let mut a = vec![op.to_string()];
            if op.ends_with("STORE") {
                a.push(zkey(r));
            }
            a.push(n.to_string());
            a.extend(keys);
            if op != "ZDIFF" && op != "ZDIFFSTORE" {
                if r.chance(1, 2) {
                    a.push("WEIGHTS".into());
                    for _ in 0..n {
                        a.push(r.pick(&["1", "2", "-1", "0", "0.5", "inf"]).to_string());
                    }
                }
                if r.chance(1, 2) {
                    a.push("AGGREGATE".into());
                    a.push(r.pick(&["SUM", "MIN", "MAX"]).to_string());
                }
            }
            if !op.ends_with("STORE") && r.chance(1, 2) {
                a.push("WITHSCORES".into());
            }
            cmd(a)
        }),
        Generator::new("zrangestore", 2, |r| {
            let mut a = vec!["ZRANGESTORE".to_string(), zkey(r), zkey(r)];
            if r.chance(1, 2) {
                a.extend([idx(r), idx(r)]);
            } else {
                a.extend([bound(r), bound(r), "BYSCORE".into()]);
            }
            cmd(a)
        }),
        Generator::new("zintercard", 1, |r| {
            cmd(vec![
                "ZINTERCARD".into(),
                "2".into(),
                zkey(r),
                zkey(r),
                "LIMIT".into(),
                r.range(0, 3).to_string(),
            ])
        }),
        Generator::new("zrandmember-all", 1, |r| {
            cmd(vec![
                "ZRANDMEMBER".into(),
                zkey(r),
                "100".into(),
                "WITHSCORES".into(),
            ])
        }),
    ]
}

/// The `encoding:` field of DEBUG OBJECT, or the error for a missing key.
fn encoding(c: &mut RawConn, key: &str) -> String {
    let r = c.cmd(&["DEBUG", "OBJECT", key]);
    let t = String::from_utf8_lossy(&r).to_string();
    match t.split(' ').find_map(|w| w.strip_prefix("encoding:")) {
        Some(e) => e.to_string(),
        None => t,
    }
}

fn run(extra_config: &[(&str, &str)], resp3: bool, steps: usize) {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    if resp3 {
        p.check_with(&["HELLO", "3"], Norm::TypeOnly);
    }
    for (k, v) in extra_config {
        p.check(&["CONFIG", "SET", k, v]);
    }
    let gens = generators();
    // Every key the command named must have the encoding Redis chose.
    p.run_random_checked(&mut rng, &gens, steps, |p, c| {
        for k in ["z0", "z1", "z2", "z3", "l0", "l1"] {
            if !c.args.iter().any(|a| a == k.as_bytes()) {
                continue;
            }
            let a = encoding(&mut p.subject_conn, k);
            let b = encoding(&mut p.reference_conn, k);
            if a != b {
                return Err(format!("encoding of {k}: subject {a:?}, reference {b:?}"));
            }
        }
        Ok(())
    });
}

#[test]
fn random_zset_commands_default_limits() {
    run(&[], false, 2000);
}

#[test]
fn random_zset_commands_resp3() {
    run(&[("zset-max-listpack-entries", "6")], true, 1000);
}

#[test]
fn random_zset_commands_small_limits() {
    run(
        &[
            ("zset-max-listpack-entries", "4"),
            ("zset-max-listpack-value", "3"),
        ],
        false,
        2000,
    );
}
