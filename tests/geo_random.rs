//! Seeded random differential test of the geo commands against redis-server 7.0.15.
//!
//! Points are drawn around a few cluster centers (one near each pole, two across the
//! antimeridian, one at the equator, some anywhere) into keys `g0` (small: listpack), `g1`
//! (large: skiplist) and `g2`; some points are exact duplicates so that equal distances
//! occur. Searches by radius and by box, from members and from coordinates, with random
//! ASC/DESC/COUNT [ANY]/WITH* options, are compared byte for byte: unsorted results (whose
//! order comes from the scanned geohash cells) and ties must come out in Redis's order too.
//! Reproduce a failure with `OXIDIS_SEED=<n> cargo test --test geo_random`.

mod common;

use common::*;

/// Cluster centers (longitude, latitude) and their spread in degrees.
const CLUSTERS: &[(f64, f64, f64)] = &[
    (13.36, 38.11, 0.5),
    (179.9, -12.0, 0.3),
    (-179.95, 12.0, 0.2),
    (0.0, 84.5, 0.6),
    (-45.0, -84.9, 0.15),
    (0.0, 0.0, 2.0),
    (100.0, 60.0, 8.0),
    (-70.0, -30.0, 0.02),
];
const KEYS: &[&str] = &["g0", "g1", "g2"];
const UNITS: &[&str] = &["m", "km", "ft", "mi", "KM"];
const MEMBERS: u64 = 220;

fn unit_f(r: &mut SeedRng) -> f64 {
    (r.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

/// A point near a random cluster, clamped into the valid range, printed with 1..=7 decimals.
fn point(r: &mut SeedRng) -> (String, String) {
    let &(cx, cy, spread) = r.pick(CLUSTERS);
    let mut x = cx + (unit_f(r) * 2.0 - 1.0) * spread;
    let mut y = cy + (unit_f(r) * 2.0 - 1.0) * spread;
    if x > 180.0 {
        x -= 360.0;
    }
    if x < -180.0 {
        x += 360.0;
    }
    y = y.clamp(-85.05112878, 85.05112878);
    let d = r.range(1, 7) as usize;
    (format!("{x:.d$}"), format!("{y:.d$}"))
}

/// Mostly members every key holds (the first 12 filled), so FROMMEMBER usually resolves.
fn member(r: &mut SeedRng) -> String {
    let n = if r.chance(2, 3) { 12 } else { MEMBERS };
    format!("m{}", r.below(n))
}

fn key(r: &mut SeedRng) -> String {
    r.pick(KEYS).to_string()
}

fn s(v: &str) -> Vec<u8> {
    v.as_bytes().to_vec()
}

/// A radius or box side: mostly a few km, sometimes tiny or continental.
fn length(r: &mut SeedRng) -> (String, String) {
    let u = r.pick(UNITS).to_string();
    let meters = match r.below(11) {
        0 => unit_f(r) * 50.0,
        1 => unit_f(r) * 5_000_000.0,
        2 => 0.0,
        // Up to half the planet: neighbouring cells coincide at the lowest steps.
        3 => unit_f(r) * 22_000_000.0,
        _ => unit_f(r) * 120_000.0,
    };
    let per = match u.to_ascii_lowercase().as_str() {
        "km" => 1000.0,
        "ft" => 0.3048,
        "mi" => 1609.34,
        _ => 1.0,
    };
    (format!("{:.3}", meters / per), u)
}

/// The shared tail options of the search commands.
fn options(r: &mut SeedRng, a: &mut Vec<Vec<u8>>, with: bool) {
    match r.below(4) {
        0 => a.push(s("ASC")),
        1 => a.push(s("DESC")),
        _ => {}
    }
    if r.chance(1, 2) {
        a.push(s("COUNT"));
        a.push(s(&r.range(1, 12).to_string()));
        if r.chance(1, 3) {
            a.push(s("ANY"));
        }
    }
    if with {
        for w in ["WITHCOORD", "WITHDIST", "WITHHASH"] {
            if r.chance(1, 3) {
                a.push(s(w));
            }
        }
    }
}

fn from(r: &mut SeedRng, a: &mut Vec<Vec<u8>>) {
    if r.chance(1, 2) {
        a.push(s("FROMMEMBER"));
        a.push(s(&member(r)));
    } else {
        let (x, y) = point(r);
        a.extend([s("FROMLONLAT"), s(&x), s(&y)]);
    }
}

fn by(r: &mut SeedRng, a: &mut Vec<Vec<u8>>) {
    if r.chance(1, 2) {
        let (d, u) = length(r);
        a.extend([s("BYRADIUS"), s(&d), s(&u)]);
    } else {
        let (w, u) = length(r);
        let (h, _) = length(r);
        a.extend([s("BYBOX"), s(&w), s(&h), s(&u)]);
    }
}

fn generators() -> Vec<Generator> {
    vec![
        Generator::new("geoadd", 6, |r| {
            let mut a = vec![s("GEOADD"), s(&key(r))];
            match r.below(8) {
                0 => a.push(s("NX")),
                1 => a.push(s("XX")),
                2 => a.push(s("CH")),
                _ => {}
            }
            let (x, y) = point(r);
            for _ in 0..r.range(1, 6) {
                // Often the same coordinates for several members: equal distances.
                let (x, y) = if r.chance(1, 3) {
                    (x.clone(), y.clone())
                } else {
                    point(r)
                };
                a.extend([s(&x), s(&y), s(&member(r))]);
            }
            GenCmd::exact(a)
        }),
        Generator::new("zrem", 1, |r| {
            GenCmd::exact(vec![s("ZREM"), s(&key(r)), s(&member(r)), s(&member(r))])
        }),
        Generator::new("geosearch", 14, |r| {
            let mut a = vec![s("GEOSEARCH"), s(&key(r))];
            from(r, &mut a);
            by(r, &mut a);
            options(r, &mut a, true);
            GenCmd::exact(a)
        }),
        Generator::new("geosearchstore", 4, |r| {
            let mut a = vec![s("GEOSEARCHSTORE"), s("dst"), s(&key(r))];
            from(r, &mut a);
            by(r, &mut a);
            options(r, &mut a, false);
            if r.chance(1, 2) {
                a.push(s("STOREDIST"));
            }
            GenCmd::exact(a)
        }),
        Generator::new("zrange-dst", 3, |_| {
            GenCmd::strs(&["ZRANGE", "dst", "0", "-1", "WITHSCORES"])
        }),
        Generator::new("georadius", 5, |r| {
            let ro = r.chance(1, 3);
            let mut a = vec![s(if ro { "GEORADIUS_RO" } else { "GEORADIUS" }), s(&key(r))];
            let (x, y) = point(r);
            let (d, u) = length(r);
            a.extend([s(&x), s(&y), s(&d), s(&u)]);
            let store = !ro && r.chance(1, 4);
            options(r, &mut a, !store);
            if store {
                a.push(s(if r.chance(1, 2) { "STORE" } else { "STOREDIST" }));
                a.push(s("dst"));
            }
            GenCmd::exact(a)
        }),
        Generator::new("georadiusbymember", 5, |r| {
            let ro = r.chance(1, 3);
            let name = if ro {
                "GEORADIUSBYMEMBER_RO"
            } else {
                "GEORADIUSBYMEMBER"
            };
            let mut a = vec![s(name), s(&key(r)), s(&member(r))];
            let (d, u) = length(r);
            a.extend([s(&d), s(&u)]);
            let store = !ro && r.chance(1, 4);
            options(r, &mut a, !store);
            if store {
                a.push(s(if r.chance(1, 2) { "STORE" } else { "STOREDIST" }));
                a.push(s("dst"));
            }
            GenCmd::exact(a)
        }),
        Generator::new("geodist", 3, |r| {
            let mut a = vec![s("GEODIST"), s(&key(r)), s(&member(r)), s(&member(r))];
            if r.chance(1, 2) {
                let u: &&str = r.pick(UNITS);
                a.push(s(u));
            }
            GenCmd::exact(a)
        }),
        Generator::new("geopos-geohash", 3, |r| {
            let c = if r.chance(1, 2) { "GEOPOS" } else { "GEOHASH" };
            let mut a = vec![s(c), s(&key(r))];
            for _ in 0..r.range(1, 5) {
                a.push(s(&member(r)));
            }
            GenCmd::exact(a)
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

fn run(resp3: bool, extra_config: &[(&str, &str)], steps: usize) {
    let mut rng = SeedRng::from_env();
    let mut p = DiffPair::new();
    if resp3 {
        p.check_with(&["HELLO", "3"], Norm::TypeOnly);
    }
    for (k, v) in extra_config {
        p.check(&["CONFIG", "SET", k, v]);
    }
    // Fill: g1 beyond the listpack limit (skiplist), g0 and g2 small.
    for (k, n) in [("g0", 40), ("g1", 200), ("g2", 12)] {
        let mut a = vec![s("GEOADD"), s(k)];
        for i in 0..n {
            let (x, y) = point(&mut rng);
            a.extend([s(&x), s(&y), s(&format!("m{i}"))]);
        }
        p.check(&a);
    }
    let gens = generators();
    // Every key the command named must have the encoding Redis chose.
    p.run_random_checked(&mut rng, &gens, steps, |p, c| {
        for k in ["dst", "g0", "g1", "g2"] {
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
fn random_geo_commands() {
    run(false, &[], 2500);
}

#[test]
fn random_geo_commands_resp3() {
    run(true, &[], 800);
}

/// Small listpack limits: stored results and grown sets switch encodings often.
#[test]
fn random_geo_commands_small_limits() {
    run(
        false,
        &[
            ("zset-max-listpack-entries", "5"),
            ("zset-max-listpack-value", "3"),
        ],
        1500,
    );
}
