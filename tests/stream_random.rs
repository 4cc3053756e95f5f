//! Seeded random differential tests against redis-server of streams (explicit IDs, ranges,
//! deletes, trims, groups and their PELs), bitmaps and HyperLogLogs.
//!
//! Stream IDs are always explicit (`<ms>-<seq>` or `<ms>-*`) so both servers generate the
//! same IDs; replies carrying idle times or delivery timestamps are compared by shape.
//! Reproduce a failure with `OXIDIS_SEED=<n> cargo test --test stream_random`.

mod common;

use common::*;
use std::cell::Cell;
use std::rc::Rc;

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn cmd(parts: &[&str]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| b(p)).collect()
}

fn stream_key(rng: &mut SeedRng) -> &'static str {
    const KEYS: [&str; 5] = ["x0", "x1", "x1", "x2", "str"];
    KEYS[rng.below(KEYS.len() as u64) as usize]
}

fn id(rng: &mut SeedRng) -> String {
    match rng.below(8) {
        0 => "-".into(),
        1 => "+".into(),
        2 => format!("({}", rng.below(400)),
        _ => format!("{}-{}", rng.below(400), rng.below(3)),
    }
}

fn stream_generators() -> Vec<Generator> {
    // A monotonic clock shared by the XADD generator, so explicit IDs mostly grow.
    let clock = Rc::new(Cell::new(1u64));
    let c2 = clock.clone();
    vec![
        Generator::new("xadd", 30, move |rng| {
            let t = c2.get() + rng.below(3);
            c2.set(t);
            let k = stream_key(rng);
            let mut v = cmd(&["XADD", k]);
            match rng.below(6) {
                0 => v.extend(cmd(&["MAXLEN", "~", &rng.below(150).to_string()])),
                1 => v.extend(cmd(&["MAXLEN", &rng.below(150).to_string()])),
                2 => v.extend(cmd(&[
                    "MINID",
                    &format!("{}", t.saturating_sub(rng.below(200))),
                ])),
                3 => v.push(b("NOMKSTREAM")),
                _ => {}
            }
            let idarg = if rng.chance(1, 3) {
                format!("{t}-*")
            } else {
                format!("{t}-{}", rng.below(3))
            };
            v.push(b(&idarg));
            let nf = 1 + rng.below(3);
            for i in 0..nf {
                let f = if rng.chance(3, 4) {
                    format!("f{i}")
                } else {
                    format!("g{}", rng.below(4))
                };
                v.push(b(&f));
                let n = rng.below(8) as usize;
                v.push(rng.bytes(n, b"abc123"));
            }
            GenCmd::exact(v)
        }),
        Generator::new("xrange", 10, |rng| {
            let k = stream_key(rng);
            let (a, z) = (id(rng), id(rng));
            let mut v = if rng.chance(1, 2) {
                cmd(&["XRANGE", k, &a, &z])
            } else {
                cmd(&["XREVRANGE", k, &z, &a])
            };
            if rng.chance(1, 2) {
                v.extend(cmd(&["COUNT", &rng.range(-1, 8).to_string()]));
            }
            GenCmd::exact(v)
        }),
        Generator::new("xdel", 6, |rng| {
            let k = stream_key(rng);
            let mut v = cmd(&["XDEL", k]);
            for _ in 0..1 + rng.below(3) {
                v.push(b(&format!("{}-{}", rng.below(400), rng.below(3))));
            }
            GenCmd::exact(v)
        }),
        Generator::new("xtrim", 3, |rng| {
            let k = stream_key(rng);
            let v = match rng.below(3) {
                0 => cmd(&["XTRIM", k, "MAXLEN", "~", &rng.below(200).to_string()]),
                1 => cmd(&["XTRIM", k, "MAXLEN", &rng.below(200).to_string()]),
                _ => cmd(&["XTRIM", k, "MINID", &rng.below(400).to_string()]),
            };
            GenCmd::exact(v)
        }),
        Generator::new("xlen-info", 5, |rng| {
            let k = stream_key(rng);
            match rng.below(3) {
                0 => GenCmd::exact(cmd(&["XLEN", k])),
                1 => GenCmd::exact(cmd(&["XINFO", "STREAM", k])),
                _ => GenCmd::exact(cmd(&["XINFO", "GROUPS", k])),
            }
        }),
        Generator::new("xgroup", 4, |rng| {
            let k = stream_key(rng);
            let g = *rng.pick(&["ga", "gb"]);
            let v = match rng.below(5) {
                0 => cmd(&[
                    "XGROUP",
                    "CREATE",
                    k,
                    g,
                    &id(rng).replace('(', ""),
                    "MKSTREAM",
                ]),
                1 => cmd(&["XGROUP", "CREATE", k, g, "$"]),
                2 => cmd(&["XGROUP", "SETID", k, g, &format!("{}-0", rng.below(400))]),
                3 => cmd(&["XGROUP", "DELCONSUMER", k, g, *rng.pick(&["c1", "c2"])]),
                _ => cmd(&["XGROUP", "DESTROY", k, g]),
            };
            GenCmd::exact(v)
        }),
        Generator::new("xreadgroup", 8, |rng| {
            let k = stream_key(rng);
            let g = *rng.pick(&["ga", "gb"]);
            let c = *rng.pick(&["c1", "c2"]);
            let mut v = cmd(&["XREADGROUP", "GROUP", g, c]);
            if rng.chance(1, 2) {
                v.extend(cmd(&["COUNT", &rng.below(5).to_string()]));
            }
            if rng.chance(1, 6) {
                v.push(b("NOACK"));
            }
            let from = if rng.chance(2, 3) {
                ">".to_string()
            } else {
                format!("{}", rng.below(300))
            };
            v.extend(cmd(&["STREAMS", k, &from]));
            GenCmd::exact(v)
        }),
        Generator::new("xread", 4, |rng| {
            let k = stream_key(rng);
            let k2 = stream_key(rng);
            GenCmd::exact(cmd(&[
                "XREAD",
                "COUNT",
                &rng.below(4).to_string(),
                "STREAMS",
                k,
                k2,
                &format!("{}", rng.below(300)),
                "$",
            ]))
        }),
        Generator::new("xack-xpending", 6, |rng| {
            let k = stream_key(rng);
            let g = *rng.pick(&["ga", "gb"]);
            match rng.below(3) {
                0 => GenCmd::exact(cmd(&[
                    "XACK",
                    k,
                    g,
                    &format!("{}-{}", rng.below(400), rng.below(3)),
                ])),
                1 => GenCmd::exact(cmd(&["XPENDING", k, g])),
                _ => GenCmd::with(cmd(&["XPENDING", k, g, "-", "+", "10"]), Norm::TypeAndLen),
            }
        }),
        Generator::new("xclaim", 3, |rng| {
            let k = stream_key(rng);
            let g = *rng.pick(&["ga", "gb"]);
            let c = *rng.pick(&["c1", "c2"]);
            let v = if rng.chance(1, 2) {
                cmd(&[
                    "XCLAIM",
                    k,
                    g,
                    c,
                    "0",
                    &format!("{}-{}", rng.below(300), rng.below(3)),
                    "JUSTID",
                ])
            } else {
                cmd(&[
                    "XAUTOCLAIM",
                    k,
                    g,
                    c,
                    "0",
                    "0",
                    "COUNT",
                    &(1 + rng.below(4)).to_string(),
                    "JUSTID",
                ])
            };
            GenCmd::exact(v)
        }),
    ]
}

#[test]
fn streams_random_commands_match_redis() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.check(&["SET", "str", "x"]);
    p.run_random(&mut rng, &stream_generators(), 1500);
    for k in ["x0", "x1", "x2"] {
        p.check(&["XRANGE", k, "-", "+"]);
        p.check(&["XINFO", "STREAM", k]);
    }
}

/// The same with nodes of at most 3 entries (or 60 bytes): streams of many nodes, so that
/// nodes are closed, read, changed, emptied and trimmed away in every position.
#[test]
fn streams_of_small_nodes_random_commands_match_redis() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.check(&["CONFIG", "SET", "stream-node-max-entries", "3"]);
    p.check(&["CONFIG", "SET", "stream-node-max-bytes", "60"]);
    p.check(&["SET", "str", "x"]);
    p.run_random(&mut rng, &stream_generators(), 1500);
    for k in ["x0", "x1", "x2"] {
        p.check(&["XRANGE", k, "-", "+"]);
        p.check(&["XREVRANGE", k, "+", "-"]);
        p.check(&["XINFO", "STREAM", k]);
    }
}

fn bit_generators() -> Vec<Generator> {
    let key = |rng: &mut SeedRng| *rng.pick(&["b0", "b1", "b2", "h0", "h1"]);
    vec![
        Generator::new("setbit", 10, move |rng| {
            GenCmd::exact(cmd(&[
                "SETBIT",
                key(rng),
                &rng.below(300).to_string(),
                &rng.below(2).to_string(),
            ]))
        }),
        Generator::new("getbit-count-pos", 10, move |rng| {
            let k = key(rng);
            let (s, e) = (
                rng.range(-40, 40).to_string(),
                rng.range(-40, 40).to_string(),
            );
            let unit = *rng.pick(&["BIT", "BYTE"]);
            GenCmd::exact(match rng.below(4) {
                0 => cmd(&["GETBIT", k, &rng.below(300).to_string()]),
                1 => cmd(&["BITCOUNT", k, &s, &e, unit]),
                2 => cmd(&["BITPOS", k, &rng.below(2).to_string(), &s, &e, unit]),
                _ => cmd(&["BITPOS", k, &rng.below(2).to_string(), &s]),
            })
        }),
        Generator::new("bitop", 4, move |rng| {
            let op = *rng.pick(&["AND", "OR", "XOR", "NOT"]);
            let v = if op == "NOT" {
                cmd(&["BITOP", op, key(rng), key(rng)])
            } else {
                cmd(&["BITOP", op, key(rng), key(rng), key(rng)])
            };
            GenCmd::exact(v)
        }),
        Generator::new("bitfield", 6, move |rng| {
            let ty = format!("{}{}", *rng.pick(&["i", "u"]), 1 + rng.below(32));
            let off = rng.below(200).to_string();
            GenCmd::exact(cmd(&[
                "BITFIELD",
                key(rng),
                "OVERFLOW",
                *rng.pick(&["WRAP", "SAT", "FAIL"]),
                "INCRBY",
                &ty,
                &off,
                &rng.range(-100000, 100000).to_string(),
                "GET",
                &ty,
                &off,
            ]))
        }),
        Generator::new("pfadd", 8, move |rng| {
            let mut v = cmd(&["PFADD", key(rng)]);
            for _ in 0..rng.below(30) {
                v.push(b(&format!("e{}", rng.below(3000))));
            }
            GenCmd::exact(v)
        }),
        Generator::new("pfcount-merge-get", 6, move |rng| {
            GenCmd::exact(match rng.below(3) {
                0 => cmd(&["PFCOUNT", key(rng), key(rng)]),
                1 => cmd(&["PFMERGE", key(rng), key(rng)]),
                _ => cmd(&["GET", key(rng)]),
            })
        }),
    ]
}

#[test]
fn bitmaps_and_hyperloglogs_random_commands_match_redis() {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    p.run_random(&mut rng, &bit_generators(), 1500);
}
