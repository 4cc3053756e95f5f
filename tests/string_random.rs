//! Seeded random differential test of the string commands: every string command, with
//! valid and invalid options, over a small key set, compared byte for byte with
//! redis-server 7.0.15. Reproduce a failure with `OXIDIS_SEED=<seed>`.

mod common;

use common::*;

const KEYS: u64 = 6;

fn key(rng: &mut SeedRng) -> Vec<u8> {
    rng.key("k", KEYS)
}

fn num_str(v: impl ToString) -> Vec<u8> {
    v.to_string().into_bytes()
}

/// A value likely to hit encoding and parsing boundaries.
fn value(rng: &mut SeedRng) -> Vec<u8> {
    const SPECIAL: &[&str] = &[
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775806",
        "-9223372036854775807",
        "9223372036854775808",
        "0",
        "-0",
        "007",
        " 1",
        "1 ",
        "1.5",
        "1e3",
        "0x10",
        "inf",
        "-inf",
        "nan",
        "1e308",
        "",
    ];
    match rng.below(10) {
        0 | 1 => num_str(rng.range(-20, 20)),
        2 => rng.pick(SPECIAL).as_bytes().to_vec(),
        3 => num_str(rng.next_u64() as i64),
        4 => {
            let len = rng.below(8) as usize;
            rng.bytes(len, b"")
        }
        5 => {
            let len = rng.range(40, 50) as usize;
            rng.bytes(len, b"ab")
        }
        6 => format!("{}.{}", rng.range(-1000, 1000), rng.below(1000)).into_bytes(),
        _ => {
            let len = rng.range(1, 12) as usize;
            rng.bytes(len, b"abcxyz")
        }
    }
}

/// An integer argument: mostly small, sometimes extreme or malformed.
fn int_arg(rng: &mut SeedRng, lo: i64, hi: i64) -> Vec<u8> {
    const ODD: &[&str] = &[
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "abc",
        "1.5",
        "",
        " 1",
    ];
    if rng.chance(1, 8) {
        rng.pick(ODD).as_bytes().to_vec()
    } else {
        num_str(rng.range(lo, hi))
    }
}

/// A float increment for INCRBYFLOAT.
fn float_arg(rng: &mut SeedRng) -> Vec<u8> {
    const ODD: &[&str] = &[
        "nan", "inf", "-inf", "1e308", "-1e308", "1e-20", "0x10", ".5", "1.", "abc", "", "1e5000",
    ];
    match rng.below(4) {
        0 => rng.pick(ODD).as_bytes().to_vec(),
        1 => num_str(rng.range(-100, 100)),
        _ => format!("{}.{:03}", rng.range(-100, 100), rng.below(1000)).into_bytes(),
    }
}

/// One SET/GETEX expire option that cannot elapse during the test (or is already past).
fn expire_opt(rng: &mut SeedRng, out: &mut Vec<Vec<u8>>) {
    let (opt, val): (&str, Vec<u8>) = match rng.below(7) {
        0 => ("EX", num_str(rng.range(1000, 100_000))),
        1 => ("PX", num_str(rng.range(1_000_000, 100_000_000))),
        2 => ("EXAT", num_str(rng.range(1, 1000))),
        3 => ("PXAT", num_str(rng.range(1, 1_000_000))),
        4 => ("EXAT", b"9999999999".to_vec()),
        5 => ("EX", int_arg(rng, -2, 0)),
        _ => ("PX", b"9223372036854775807".to_vec()),
    };
    out.push(opt.as_bytes().to_vec());
    out.push(val);
}

fn cmd(parts: &[&[u8]]) -> GenCmd {
    GenCmd::exact(parts.iter().map(|p| p.to_vec()).collect())
}

fn set_cmd(rng: &mut SeedRng) -> GenCmd {
    let mut args = vec![b"SET".to_vec(), key(rng), value(rng)];
    for _ in 0..rng.below(3) {
        match rng.below(7) {
            0 => args.push(b"NX".to_vec()),
            1 => args.push(b"XX".to_vec()),
            2 | 3 => args.push(b"GET".to_vec()),
            4 => args.push(b"KEEPTTL".to_vec()),
            5 => expire_opt(rng, &mut args),
            _ => args.push(b"BOGUS".to_vec()),
        }
    }
    GenCmd::exact(args)
}

fn getex_cmd(rng: &mut SeedRng) -> GenCmd {
    let mut args = vec![b"GETEX".to_vec(), key(rng)];
    for _ in 0..rng.below(3) {
        match rng.below(3) {
            0 => args.push(b"PERSIST".to_vec()),
            _ => expire_opt(rng, &mut args),
        }
    }
    GenCmd::exact(args)
}

fn lcs_cmd(rng: &mut SeedRng) -> GenCmd {
    let mut args = vec![b"LCS".to_vec(), key(rng), key(rng)];
    for _ in 0..rng.below(4) {
        match rng.below(5) {
            0 => args.push(b"LEN".to_vec()),
            1 | 2 => args.push(b"IDX".to_vec()),
            3 => args.push(b"WITHMATCHLEN".to_vec()),
            _ => {
                args.push(b"MINMATCHLEN".to_vec());
                args.push(int_arg(rng, -1, 4));
            }
        }
    }
    GenCmd::exact(args)
}

/// The `encoding:` field of DEBUG OBJECT (the rest holds addresses and times).
fn same_encoding(subject: &[u8], reference: &[u8]) -> Result<(), String> {
    let enc = |r: &[u8]| {
        let t = String::from_utf8_lossy(r).into_owned();
        if t.starts_with('-') {
            return t;
        }
        t.split_whitespace()
            .find(|w| w.starts_with("encoding:"))
            .unwrap_or("")
            .to_string()
    };
    let (a, b) = (enc(subject), enc(reference));
    if a == b {
        Ok(())
    } else {
        Err(format!("subject {a:?} vs reference {b:?}"))
    }
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("SET", 12, set_cmd),
        Generator::new("GET", 6, |r| cmd(&[b"GET", &key(r)])),
        Generator::new("SETNX", 2, |r| cmd(&[b"SETNX", &key(r), &value(r)])),
        Generator::new("SETEX", 2, |r| {
            // Never a TTL short enough to elapse during the test (timing would differ).
            let secs = if r.chance(1, 5) {
                int_arg(r, -1, 0)
            } else {
                int_arg(r, 1000, 100_000)
            };
            cmd(&[b"SETEX", &key(r), &secs, &value(r)])
        }),
        Generator::new("PSETEX", 2, |r| {
            let ms = int_arg(r, 1_000_000, 100_000_000);
            cmd(&[b"PSETEX", &key(r), &ms, &value(r)])
        }),
        Generator::new("GETSET", 2, |r| cmd(&[b"GETSET", &key(r), &value(r)])),
        Generator::new("GETDEL", 2, |r| cmd(&[b"GETDEL", &key(r)])),
        Generator::new("GETEX", 3, getex_cmd),
        Generator::new("MGET", 3, |r| {
            let mut a = vec![b"MGET".to_vec()];
            for _ in 0..r.range(1, 5) {
                a.push(key(r));
            }
            GenCmd::exact(a)
        }),
        Generator::new("MSET", 2, |r| {
            let name: &[u8] = if r.chance(1, 2) { b"MSET" } else { b"MSETNX" };
            let mut a = vec![name.to_vec()];
            for _ in 0..r.range(1, 3) {
                a.push(key(r));
                a.push(value(r));
            }
            if r.chance(1, 10) {
                a.push(key(r)); // odd count: arity error
            }
            GenCmd::exact(a)
        }),
        Generator::new("INCR", 6, |r| {
            let name: &[u8] = r.pick(&["INCR", "DECR"]).as_bytes();
            cmd(&[name, &key(r)])
        }),
        Generator::new("INCRBY", 5, |r| {
            let name: &[u8] = r.pick(&["INCRBY", "DECRBY"]).as_bytes();
            let by = if r.chance(1, 4) {
                num_str(r.next_u64() as i64)
            } else {
                int_arg(r, -1000, 1000)
            };
            cmd(&[name, &key(r), &by])
        }),
        Generator::new("INCRBYFLOAT", 5, |r| {
            cmd(&[b"INCRBYFLOAT", &key(r), &float_arg(r)])
        }),
        Generator::new("APPEND", 4, |r| cmd(&[b"APPEND", &key(r), &value(r)])),
        Generator::new("STRLEN", 2, |r| cmd(&[b"STRLEN", &key(r)])),
        Generator::new("GETRANGE", 4, |r| {
            let name: &[u8] = r.pick(&["GETRANGE", "SUBSTR"]).as_bytes();
            let (s, e) = (int_arg(r, -30, 30), int_arg(r, -30, 30));
            cmd(&[name, &key(r), &s, &e])
        }),
        Generator::new("SETRANGE", 4, |r| {
            let off = int_arg(r, -1, 60);
            cmd(&[b"SETRANGE", &key(r), &off, &value(r)])
        }),
        Generator::new("LCS", 3, lcs_cmd),
        // Other types and deletions, so WRONGTYPE paths and fresh keys keep coming up.
        Generator::new("XADD", 1, |r| cmd(&[b"XADD", &key(r), b"1-1", b"f", b"v"])),
        Generator::new("DEL", 2, |r| cmd(&[b"DEL", &key(r)])),
        Generator::new("ENCODING", 3, |r| {
            GenCmd::with(
                vec![b"DEBUG".to_vec(), b"OBJECT".to_vec(), key(r)],
                Norm::Custom(same_encoding),
            )
        }),
    ]
}

#[test]
fn random_string_commands_match_redis() {
    let mut p = DiffPair::new();
    let mut rng = SeedRng::from_env();
    p.check(&["FLUSHALL"]);
    p.run_random(&mut rng, &generators(), 600);
    // A final read of every key catches a divergence no reply showed.
    for i in 0..KEYS {
        p.check(&["GET", &format!("k{i}")]);
    }
}

#[test]
fn random_string_commands_match_redis_resp3() {
    let mut p = DiffPair::new();
    let mut rng = SeedRng::from_env();
    p.check_with(&["HELLO", "3"], Norm::TypeAndLen);
    p.check(&["FLUSHALL"]);
    p.run_random(&mut rng, &generators(), 300);
}
