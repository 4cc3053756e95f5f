//! Geo commands (Redis 7.0 `geo.c`): GEOADD GEODIST GEOHASH GEOPOS, GEOSEARCH and
//! GEOSEARCHSTORE, GEORADIUS GEORADIUSBYMEMBER and their `_RO` variants.
//!
//! Points live in plain sorted sets, the score being the 52-bit geohash
//! ([`crate::types::geo`]), exactly as Redis stores them, so every `Z*` command works on
//! them. GEOADD is a ZADD (keyspace event `zadd`); the stores emit `geosearchstore` /
//! `georadiusstore` (or `del` when the result is empty). Searches scan the 9 cells Redis
//! scans, in its order, and sort with the same algorithms, so even unsorted results and
//! ties come out in Redis's order.

use super::args::{self, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::geo::{self, Shape, ShapeKind};
use crate::types::value::Value;
use crate::types::zset::skiplist::ScoreRange;
use crate::types::zset::value::{AddFlags, AddOutcome, ZSet};
use crate::util::num;
use std::sync::Arc;

// ----- helpers ---------------------------------------------------------------------------

use super::zset::{limits, read_zset};

/// `extractLongLatOrReply`.
fn long_lat(lon: &[u8], lat: &[u8]) -> Result<[f64; 2], Error> {
    let x = args::float(lon)?;
    let y = args::float(lat)?;
    if !(geo::LONG_MIN..=geo::LONG_MAX).contains(&x) || !(geo::LAT_MIN..=geo::LAT_MAX).contains(&y)
    {
        return Err(Error::err(format!(
            "invalid longitude,latitude pair {x:.6},{y:.6}"
        )));
    }
    Ok([x, y])
}

/// `extractUnitOrReply`: meters per unit.
fn unit(u: &[u8]) -> Result<f64, Error> {
    if is(u, "m") {
        Ok(1.0)
    } else if is(u, "km") {
        Ok(1000.0)
    } else if is(u, "ft") {
        Ok(0.3048)
    } else if is(u, "mi") {
        Ok(1609.34)
    } else {
        Err(Error::err(
            "unsupported unit provided. please use M, KM, FT, MI",
        ))
    }
}

/// `extractDistanceOrReply`: (conversion, radius).
fn distance_arg(d: &[u8], u: &[u8]) -> Result<(f64, f64), Error> {
    let r = num::parse_f64(d).ok_or_else(|| Error::err("need numeric radius"))?;
    if r < 0.0 {
        return Err(Error::err("radius cannot be negative"));
    }
    Ok((unit(u)?, r))
}

/// `extractBoxOrReply`: (conversion, width, height).
fn box_arg(w: &[u8], h: &[u8], u: &[u8]) -> Result<(f64, f64, f64), Error> {
    let w = num::parse_f64(w).ok_or_else(|| Error::err("need numeric width"))?;
    let h = num::parse_f64(h).ok_or_else(|| Error::err("need numeric height"))?;
    if h < 0.0 || w < 0.0 {
        return Err(Error::err("height or width cannot be negative"));
    }
    Ok((unit(u)?, w, h))
}

/// `longLatFromMember`.
fn member_xy(z: &ZSet, member: &[u8]) -> Result<[f64; 2], Error> {
    z.score(member)
        .and_then(geo::decode_score)
        .ok_or_else(|| Error::err("could not decode requested zset member"))
}

/// `addReplyDoubleDistance`: 4 decimals as a bulk string.
fn reply_distance(out: &mut Out, d: f64) {
    let mut b = Vec::with_capacity(24);
    geo::fmt_distance(d, &mut b);
    out.bulk(&b);
}

/// `addReplyHumanLongDouble`: a bulk string in RESP2, a double in RESP3.
fn reply_coord(out: &mut Out, v: f64) {
    let mut b = Vec::with_capacity(32);
    num::fmt_ld_human_f64(v, &mut b);
    if out.resp3() {
        out.raw(b",");
        out.raw(&b);
        out.raw(b"\r\n");
    } else {
        out.bulk(&b);
    }
}

// ----- GEOADD ----------------------------------------------------------------------------

/// GEOADD key [NX|XX] [CH] longitude latitude member [longitude latitude member ...]
fn geoadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let (mut nx, mut xx, mut ch) = (false, false, false);
    let mut longidx = 2;
    while longidx < argv.len() {
        let o = argv[longidx];
        if is(o, "nx") {
            nx = true;
        } else if is(o, "xx") {
            xx = true;
        } else if is(o, "ch") {
            ch = true;
        } else {
            break;
        }
        longidx += 1;
    }
    let rest = &argv[longidx..];
    if !rest.len().is_multiple_of(3) || (xx && nx) {
        return Err(error::SYNTAX);
    }
    let mut pairs = Vec::with_capacity(rest.len() / 3);
    for t in rest.chunks_exact(3) {
        let [x, y] = long_lat(t[0], t[1])?;
        pairs.push((geo::score_of(x, y), t[2]));
    }
    // From here on it is Redis's ZADD with the encoded scores.
    if pairs.is_empty() {
        return Err(error::SYNTAX);
    }
    let flags = AddFlags {
        nx,
        xx,
        ..AddFlags::default()
    };
    let lim = limits(ctx);
    let (mut added, mut updated) = (0i64, 0i64);
    let mut apply = |z: &mut ZSet| {
        for &(score, member) in &pairs {
            match z.add(member, score, flags, lim) {
                AddOutcome::Added(_) => added += 1,
                AddOutcome::Updated(_) => updated += 1,
                _ => {}
            }
        }
    };
    let existing = match ctx.lookup_write(key) {
        None => None,
        Some(e) => Some(e.val.as_zset_mut().ok_or(error::WRONGTYPE)?),
    };
    match existing {
        Some(z) => apply(z),
        None if xx => {}
        None => {
            let mut z = ZSet::for_zadd(lim, pairs[0].1.len());
            apply(&mut z);
            let lru = ctx.lru();
            ctx.db().add(key, Value::ZSet(Arc::new(z)), lru);
        }
    }
    if added + updated > 0 {
        ctx.touched_n(key, (added + updated) as u64);
        ctx.notify(Class::ZSET, "zadd", key);
    }
    ctx.out().int(if ch { added + updated } else { added });
    Ok(())
}

// ----- GEODIST / GEOHASH / GEOPOS ------------------------------------------------------------

/// GEODIST key member1 member2 [M|KM|FT|MI]
fn geodist(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let to_meter = match argv.len() {
        5 => unit(argv[4])?,
        n if n > 5 => return Err(error::SYNTAX),
        _ => 1.0,
    };
    let (z, out) = read_zset(ctx, argv[1])?;
    let Some(z) = z else {
        out.null();
        return Ok(());
    };
    let (Some(s1), Some(s2)) = (z.score(argv[2]), z.score(argv[3])) else {
        out.null();
        return Ok(());
    };
    match (geo::decode_score(s1), geo::decode_score(s2)) {
        (Some(a), Some(b)) => reply_distance(out, geo::distance(a[0], a[1], b[0], b[1]) / to_meter),
        _ => out.null(),
    }
    Ok(())
}

/// GEOHASH key [member ...]
fn geohash(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        match z.and_then(|z| z.score(m)).and_then(geo::geohash_string) {
            Some(h) => out.bulk(&h),
            None => out.null(),
        }
    }
    Ok(())
}

/// GEOPOS key [member ...]
fn geopos(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        match z.and_then(|z| z.score(m)).and_then(geo::decode_score) {
            Some(xy) => {
                out.array_len(2);
                reply_coord(out, xy[0]);
                reply_coord(out, xy[1]);
            }
            None => out.null_array(),
        }
    }
    Ok(())
}

// ----- searches --------------------------------------------------------------------------

const RADIUS_COORDS: u8 = 1;
const RADIUS_MEMBER: u8 = 2;
const RADIUS_NOSTORE: u8 = 4;
const GEOSEARCH: u8 = 8;
const GEOSEARCHSTORE: u8 = 16;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    None,
    Asc,
    Desc,
}

/// One match (`geoPoint`).
#[derive(Clone)]
struct Point {
    xy: [f64; 2],
    dist: f64,
    score: f64,
    member: Vec<u8>,
}

/// `geoGetPointsInRange`: members with scores in `[min, max)` inside the shape, appended to
/// `ga`, stopping once `ga` holds `limit` points (0: no limit).
fn points_in_range(z: &ZSet, min: f64, max: f64, shape: &Shape, ga: &mut Vec<Point>, limit: usize) {
    let range = ScoreRange {
        min,
        max,
        minex: false,
        maxex: true,
    };
    let Some(start) = z.first_in_score_range(&range) else {
        return;
    };
    for (m, score) in z.iter_from(start, false) {
        if !range.value_lte_max(score) {
            break;
        }
        if let Some((xy, dist)) = geo::within_shape(shape, score) {
            ga.push(Point {
                xy,
                dist,
                score,
                member: m.to_bytes(),
            });
        }
        if !ga.is_empty() && limit > 0 && ga.len() >= limit {
            break;
        }
    }
}

/// `membersOfAllNeighbors`.
fn members_of_all_neighbors(z: &ZSet, shape: &Shape, limit: usize) -> Vec<Point> {
    let cells = geo::areas_by_shape(shape);
    let mut ga = Vec::new();
    let mut last_processed = 0usize;
    for (i, cell) in cells.iter().enumerate() {
        if cell.bits == 0 && cell.step == 0 {
            continue;
        }
        // Huge radii make neighbours coincide: skip a cell equal to the last one scanned
        // (Redis never compares against the center, index 0).
        if last_processed != 0 && *cell == cells[last_processed] {
            continue;
        }
        if !ga.is_empty() && limit > 0 && ga.len() >= limit {
            break;
        }
        let (min, max) = geo::scores_of_box(*cell);
        points_in_range(z, min, max, shape, &mut ga, limit);
        last_processed = i;
    }
    ga
}

/// `georadiusGeneric`: every search command, `src` being the source key's index.
fn georadius_generic(ctx: &mut Ctx, argv: &[&[u8]], src: usize, flags: u8) -> CmdResult {
    let mut storekey: Option<&[u8]> = None;
    let mut storedist = false;
    let (zobj, _) = read_zset(ctx, argv[src])?;
    let has_z = zobj.is_some();

    let mut xy = [0.0f64; 2];
    let mut conversion = 0.0;
    let mut kind = ShapeKind::Circle { radius: 0.0 };
    let base_args;
    if flags & RADIUS_COORDS != 0 {
        base_args = 6;
        xy = long_lat(argv[2], argv[3])?;
        let (c, r) = distance_arg(argv[4], argv[5])?;
        conversion = c;
        kind = ShapeKind::Circle { radius: r };
    } else if flags & RADIUS_MEMBER != 0 && !has_z {
        base_args = 5;
    } else if flags & RADIUS_MEMBER != 0 {
        base_args = 5;
        let (z, _) = read_zset_quiet(ctx, argv[src]);
        xy = member_xy(z.expect("checked above"), argv[2])?;
        let (c, r) = distance_arg(argv[3], argv[4])?;
        conversion = c;
        kind = ShapeKind::Circle { radius: r };
    } else {
        // GEOSEARCH / GEOSEARCHSTORE
        base_args = if flags & GEOSEARCHSTORE != 0 { 3 } else { 2 };
        if flags & GEOSEARCHSTORE != 0 {
            storekey = Some(argv[1]);
        }
    }

    let (mut withdist, mut withhash, mut withcoords) = (false, false, false);
    let (mut frommember, mut fromloc, mut byradius, mut bybox) = (false, false, false, false);
    let mut sort = Sort::None;
    let mut any = false;
    let mut count: i64 = 0;
    let search = flags & GEOSEARCH != 0;
    let nostore = flags & RADIUS_NOSTORE != 0;
    let remaining = argv.len().saturating_sub(base_args);
    let mut i = 0;
    while i < remaining {
        let a = argv[base_args + i];
        let arg = |k: usize| argv[base_args + i + k];
        if is(a, "withdist") {
            withdist = true;
        } else if is(a, "withhash") {
            withhash = true;
        } else if is(a, "withcoord") {
            withcoords = true;
        } else if is(a, "any") {
            any = true;
        } else if is(a, "asc") {
            sort = Sort::Asc;
        } else if is(a, "desc") {
            sort = Sort::Desc;
        } else if is(a, "count") && i + 1 < remaining {
            count = args::int(arg(1))?;
            if count <= 0 {
                return Err(Error::err("COUNT must be > 0"));
            }
            i += 1;
        } else if is(a, "store") && i + 1 < remaining && !nostore && !search {
            storekey = Some(arg(1));
            storedist = false;
            i += 1;
        } else if is(a, "storedist") && i + 1 < remaining && !nostore && !search {
            storekey = Some(arg(1));
            storedist = true;
            i += 1;
        } else if is(a, "storedist") && search && flags & GEOSEARCHSTORE != 0 {
            storedist = true;
        } else if is(a, "frommember") && i + 1 < remaining && search && !fromloc {
            if has_z {
                let (z, _) = read_zset_quiet(ctx, argv[src]);
                xy = member_xy(z.expect("checked above"), arg(1))?;
            }
            frommember = true;
            i += 1;
        } else if is(a, "fromlonlat") && i + 2 < remaining && search && !frommember {
            xy = long_lat(arg(1), arg(2))?;
            fromloc = true;
            i += 2;
        } else if is(a, "byradius") && i + 2 < remaining && search && !bybox {
            let (c, r) = distance_arg(arg(1), arg(2))?;
            conversion = c;
            kind = ShapeKind::Circle { radius: r };
            byradius = true;
            i += 2;
        } else if is(a, "bybox") && i + 3 < remaining && search && !byradius {
            let (c, w, h) = box_arg(arg(1), arg(2), arg(3))?;
            conversion = c;
            kind = ShapeKind::Rect {
                width: w,
                height: h,
            };
            bybox = true;
            i += 3;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }

    if storekey.is_some() && (withdist || withhash || withcoords) {
        return Err(Error::err(format!(
            "{} is not compatible with WITHDIST, WITHHASH and WITHCOORD options",
            if flags & GEOSEARCHSTORE != 0 {
                "GEOSEARCHSTORE"
            } else {
                "STORE option in GEORADIUS"
            }
        )));
    }
    let name = String::from_utf8_lossy(argv[0]);
    if search && !(frommember || fromloc) {
        return Err(Error::err(format!(
            "exactly one of FROMMEMBER or FROMLONLAT can be specified for {name}"
        )));
    }
    if search && !(byradius || bybox) {
        return Err(Error::err(format!(
            "exactly one of BYRADIUS and BYBOX can be specified for {name}"
        )));
    }
    if any && count == 0 {
        return Err(Error::err("the ANY argument requires COUNT argument"));
    }

    if !has_z {
        match storekey {
            Some(dst) => {
                if ctx.db().remove(dst).is_some() {
                    ctx.touched(dst);
                    ctx.notify(Class::GENERIC, "del", dst);
                }
                ctx.out().int(0);
            }
            None => ctx.out().array_len(0),
        }
        return Ok(());
    }

    if count != 0 && sort == Sort::None && !any {
        sort = Sort::Asc;
    }
    let shape = Shape {
        xy,
        conversion,
        kind,
    };
    let limit = if any { count as usize } else { 0 };
    let mut ga = {
        let (z, _) = read_zset_quiet(ctx, argv[src]);
        members_of_all_neighbors(z.expect("checked above"), &shape, limit)
    };

    if ga.is_empty() && storekey.is_none() {
        ctx.out().array_len(0);
        return Ok(());
    }
    let result_length = ga.len();
    let returned = if count == 0 || (result_length as u64) < count as u64 {
        result_length
    } else {
        count as usize
    };
    if sort != Sort::None {
        geo::sort_results(&mut ga, returned, sort == Sort::Desc, |p: &Point| p.dist);
    }
    ga.truncate(returned);
    for p in ga.iter_mut() {
        p.dist /= conversion;
    }

    let Some(dst) = storekey else {
        let option_length = withdist as usize + withcoords as usize + withhash as usize;
        let out = ctx.out();
        out.array_len(returned);
        for p in &ga {
            if option_length > 0 {
                out.array_len(option_length + 1);
            }
            out.bulk(&p.member);
            if withdist {
                reply_distance(out, p.dist);
            }
            if withhash {
                out.int(p.score as i64);
            }
            if withcoords {
                out.array_len(2);
                reply_coord(out, p.xy[0]);
                reply_coord(out, p.xy[1]);
            }
        }
        return Ok(());
    };

    if returned > 0 && ga.iter().any(|p| !(storedist && p.dist.is_nan())) {
        // A NaN distance (rounding on near-antipodal points) would abort Redis's
        // zslInsert; such members are left out instead (docs/differences.md).
        let pairs: Vec<(Vec<u8>, f64)> = ga
            .into_iter()
            .map(|p| {
                let s = if storedist { p.dist } else { p.score };
                (p.member, s)
            })
            .filter(|(_, s)| !s.is_nan())
            .collect();
        let z = ZSet::from_pairs(pairs, limits(ctx)).unwrap_or_default();
        let lru = ctx.lru_for(dst, false);
        ctx.db().set(dst, Value::ZSet(Arc::new(z)), false, lru);
        ctx.touched_n(dst, returned as u64);
        ctx.notify(
            Class::ZSET,
            if search {
                "geosearchstore"
            } else {
                "georadiusstore"
            },
            dst,
        );
    } else if ctx.db().remove(dst).is_some() {
        ctx.touched(dst);
        ctx.notify(Class::GENERIC, "del", dst);
    }
    ctx.out().int(returned as i64);
    Ok(())
}

/// The source set again, without touching stats (it was looked up once already).
fn read_zset_quiet<'a>(ctx: &'a mut Ctx, key: &[u8]) -> (Option<&'a ZSet>, &'a mut Out) {
    let db = ctx.client.db;
    let z = ctx.core.dbs[db].dict.get(key).and_then(|e| e.val.as_zset());
    (z, &mut ctx.client.out)
}

/// GEORADIUS key longitude latitude radius M|KM|FT|MI [WITHCOORD] [WITHDIST] [WITHHASH]
/// [COUNT count [ANY]] [ASC|DESC] [STORE key] [STOREDIST key]
fn georadius(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 1, RADIUS_COORDS)
}

/// GEORADIUSBYMEMBER key member radius M|KM|FT|MI [...]
fn georadiusbymember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 1, RADIUS_MEMBER)
}

/// GEORADIUS_RO: GEORADIUS without STORE/STOREDIST.
fn georadius_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE)
}

/// GEORADIUSBYMEMBER_RO: GEORADIUSBYMEMBER without STORE/STOREDIST.
fn georadiusbymember_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE)
}

/// GEOSEARCH key FROMMEMBER member|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit
/// [ASC|DESC] [COUNT count [ANY]] [WITHCOORD] [WITHDIST] [WITHHASH]
fn geosearch(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 1, GEOSEARCH)
}

/// GEOSEARCHSTORE dst src ... [STOREDIST]
fn geosearchstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    georadius_generic(ctx, argv, 2, GEOSEARCH | GEOSEARCHSTORE)
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::GEOADD, geoadd),
    Command::new(&meta::GEODIST, geodist),
    Command::new(&meta::GEOHASH, geohash),
    Command::new(&meta::GEOPOS, geopos),
    Command::new(&meta::GEORADIUS, georadius),
    Command::new(&meta::GEORADIUS_RO, georadius_ro),
    Command::new(&meta::GEORADIUSBYMEMBER, georadiusbymember),
    Command::new(&meta::GEORADIUSBYMEMBER_RO, georadiusbymember_ro),
    Command::new(&meta::GEOSEARCH, geosearch),
    Command::new(&meta::GEOSEARCHSTORE, geosearchstore),
];
