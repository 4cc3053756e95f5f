//! Sorted-set commands (Redis 7.0 `t_zset.c`): ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK
//! ZREVRANK ZCOUNT ZLEXCOUNT, the ZRANGE family and ZRANGESTORE, ZREMRANGEBY*, ZPOPMIN ZPOPMAX
//! ZMPOP ([`zpop`] and [`parse_mpop`] are shared with the blocking variants), ZRANDMEMBER,
//! ZSCAN, and in `setops` ZUNION ZINTER ZDIFF (+STORE) ZINTERCARD.
//!
//! Handlers follow Redis's order of checks exactly (option parsing, then range parsing, then
//! the key lookup and its type), since that order decides which error a client sees. Writes
//! report `ctx.touched` (dirty counted as Redis does, per changed element) and keyspace
//! events (`zadd`, `zincr`, `zrem`, `zremrangeby*`, `zpopmin`/`zpopmax`, `zrangestore`,
//! `z*store`, and `del` when a set is emptied and its key removed).

mod setops;

use super::args::{self, clamp_range, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::listpack::LpEntry;
use crate::types::value::Value;
use crate::types::zset::skiplist::{LexRange, ScoreRange};
use crate::types::zset::value::{AddFlags, AddOutcome, Limits, ZSet};
use crate::util::{glob, num};
use std::sync::Arc;

// ----- shared helpers --------------------------------------------------------------------

/// The configured listpack limits (also used by the geo commands).
pub(crate) fn limits(ctx: &Ctx) -> Limits {
    let c = &ctx.core.config;
    Limits {
        max_entries: usize::try_from(c.zset_max_listpack_entries).unwrap_or(0),
        max_value: usize::try_from(c.zset_max_listpack_value).unwrap_or(0),
    }
}

/// `lookupKeyRead` + type check, then the set and the reply buffer borrowed together.
/// `Ok((None, out))` when the key is missing.
pub(crate) fn read_zset<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
) -> Result<(Option<&'a ZSet>, &'a mut Out), Error> {
    match ctx.lookup_read(key) {
        Some(e) if e.val.as_zset().is_none() => return Err(error::WRONGTYPE),
        _ => {}
    }
    let db = ctx.client.db;
    let z = ctx.core.dbs[db].dict.get(key).and_then(|e| e.val.as_zset());
    Ok((z, &mut ctx.client.out))
}

/// `lookupKeyWrite` + type check: the set for modification (copied first if a snapshot
/// shares it), `Ok(None)` when the key is missing.
fn write_zset<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut ZSet>, Error> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(e) => e.val.as_zset_mut().map(Some).ok_or(error::WRONGTYPE),
    }
}

/// Removes `key` if its set became empty; true if removed.
fn remove_if_empty(ctx: &mut Ctx, key: &[u8]) -> bool {
    let db = ctx.client.db;
    let empty = ctx.core.dbs[db]
        .dict
        .get(key)
        .and_then(|e| e.val.as_zset())
        .is_some_and(|z| z.is_empty());
    if empty {
        ctx.db().remove(key);
    }
    empty
}

/// A member as a bulk string (integers from a listpack via `addReplyBulkLongLong`).
fn bulk_entry(out: &mut Out, e: LpEntry<'_>) {
    match e {
        LpEntry::Int(v) => out.bulk_int(v),
        LpEntry::Str(s) => out.bulk(s),
    }
}

/// One element of a member list: the member, and with scores its score (a `[member, score]`
/// pair in RESP3, two flat items in RESP2).
fn emit_elem(out: &mut Out, e: LpEntry<'_>, score: f64, withscores: bool) {
    if withscores && out.resp3() {
        out.array_len(2);
    }
    bulk_entry(out, e);
    if withscores {
        out.double(score);
    }
}

/// Header of a member list of `n` elements.
fn elems_header(out: &mut Out, n: usize, withscores: bool) {
    out.array_len(if withscores && !out.resp3() { 2 * n } else { n });
}

/// `getLongFromObjectOrReply`.
fn long_arg(a: &[u8]) -> Result<i64, Error> {
    args::int(a)
}

// ----- ZADD / ZINCRBY ----------------------------------------------------------------------

/// The body of ZADD and ZINCRBY (`zaddGenericCommand`).
fn zadd_generic(ctx: &mut Ctx, argv: &[&[u8]], mut flags: AddFlags) -> CmdResult {
    let key = argv[1];
    let mut ch = false;
    let mut idx = 2;
    while idx < argv.len() {
        let o = argv[idx];
        if is(o, "nx") {
            flags.nx = true;
        } else if is(o, "xx") {
            flags.xx = true;
        } else if is(o, "ch") {
            ch = true;
        } else if is(o, "incr") {
            flags.incr = true;
        } else if is(o, "gt") {
            flags.gt = true;
        } else if is(o, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        idx += 1;
    }
    let rest = &argv[idx..];
    if rest.is_empty() || !rest.len().is_multiple_of(2) {
        return Err(error::SYNTAX);
    }
    if flags.nx && flags.xx {
        return Err(error::ZADD_XX_NX);
    }
    if (flags.nx && (flags.gt || flags.lt)) || (flags.gt && flags.lt) {
        return Err(error::ZADD_GT_LT_NX);
    }
    if flags.incr && rest.len() > 2 {
        return Err(error::ZADD_INCR_PAIR);
    }
    let mut pairs = Vec::with_capacity(rest.len() / 2);
    for p in rest.chunks_exact(2) {
        pairs.push((args::float(p[0])?, p[1]));
    }
    let lim = limits(ctx);
    let (mut added, mut updated, mut processed) = (0i64, 0i64, 0usize);
    let mut last = 0.0;
    let mut nan = false;
    let mut apply = |z: &mut ZSet| {
        for &(score, member) in &pairs {
            match z.add(member, score, flags, lim) {
                AddOutcome::Nan => {
                    nan = true;
                    return;
                }
                AddOutcome::Nop => {}
                AddOutcome::Added(s) => {
                    added += 1;
                    processed += 1;
                    last = s;
                }
                AddOutcome::Updated(s) => {
                    updated += 1;
                    processed += 1;
                    last = s;
                }
                AddOutcome::Unchanged(s) => {
                    processed += 1;
                    last = s;
                }
            }
        }
    };
    match write_zset(ctx, key)? {
        Some(z) => apply(z),
        None if flags.xx => {}
        None => {
            let mut z = ZSet::for_zadd(lim, pairs[0].1.len());
            apply(&mut z);
            let lru = ctx.lru();
            ctx.db().add(key, Value::ZSet(Arc::new(z)), lru);
        }
    }
    if added + updated > 0 {
        ctx.touched_n(key, (added + updated) as u64);
        ctx.notify(Class::ZSET, if flags.incr { "zincr" } else { "zadd" }, key);
    }
    if nan {
        return Err(error::SCORE_NAN);
    }
    let out = ctx.out();
    if flags.incr {
        if processed > 0 {
            out.double(last);
        } else {
            out.null();
        }
    } else {
        out.int(if ch { added + updated } else { added });
    }
    Ok(())
}

/// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zadd_generic(ctx, argv, AddFlags::default())
}

/// ZINCRBY key increment member
fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let flags = AddFlags {
        incr: true,
        ..AddFlags::default()
    };
    zadd_generic(ctx, argv, flags)
}

// ----- ZREM / ZREMRANGEBY* -----------------------------------------------------------------

/// ZREM key member [member ...]
fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let mut deleted = 0u64;
    let mut emptied = false;
    if let Some(z) = write_zset(ctx, key)? {
        for m in &argv[2..] {
            if z.remove(m) {
                deleted += 1;
            }
            if z.is_empty() {
                emptied = true;
                break;
            }
        }
    }
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        ctx.notify(Class::ZSET, "zrem", key);
        if emptied {
            ctx.notify(Class::GENERIC, "del", key);
        }
        ctx.touched_n(key, deleted);
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

/// What a ZREMRANGEBY* command removes.
enum RemRange<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// The body of ZREMRANGEBYRANK/SCORE/LEX (`zremrangeGenericCommand`).
fn zremrange_generic(ctx: &mut Ctx, key: &[u8], range: RemRange<'_>, event: &str) -> CmdResult {
    let Some(z) = write_zset(ctx, key)? else {
        ctx.out().int(0);
        return Ok(());
    };
    let deleted = match range {
        RemRange::Rank(start, end) => match clamp_range(start, end, z.len()) {
            Some((s, e)) => z.delete_range_by_rank(s, e),
            None => 0,
        },
        RemRange::Score(r) => z.delete_range_by_score(&r),
        RemRange::Lex(r) => z.delete_range_by_lex(&r),
    };
    let emptied = remove_if_empty(ctx, key);
    if deleted > 0 {
        ctx.touched_n(key, deleted as u64);
        ctx.notify(Class::ZSET, event, key);
        if emptied {
            ctx.notify(Class::GENERIC, "del", key);
        }
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

/// ZREMRANGEBYRANK key start stop
fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let start = long_arg(argv[2])?;
    let end = long_arg(argv[3])?;
    zremrange_generic(ctx, argv[1], RemRange::Rank(start, end), "zremrangebyrank")
}

/// ZREMRANGEBYSCORE key min max
fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let r = ScoreRange::parse(argv[2], argv[3]).ok_or(error::MINMAX_NOT_FLOAT)?;
    zremrange_generic(ctx, argv[1], RemRange::Score(r), "zremrangebyscore")
}

/// ZREMRANGEBYLEX key min max
fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let r = LexRange::parse(argv[2], argv[3]).ok_or(error::LEX_RANGE)?;
    zremrange_generic(ctx, argv[1], RemRange::Lex(r), "zremrangebylex")
}

// ----- simple reads ------------------------------------------------------------------------

/// ZCARD key
fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    out.int(z.map_or(0, |z| z.len()) as i64);
    Ok(())
}

/// ZSCORE key member
fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    match z.and_then(|z| z.score(argv[2])) {
        Some(s) => out.double(s),
        None => out.null(),
    }
    Ok(())
}

/// ZMSCORE key member [member ...]
fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        match z.and_then(|z| z.score(m)) {
            Some(s) => out.double(s),
            None => out.null(),
        }
    }
    Ok(())
}

fn zrank_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) -> CmdResult {
    let (z, out) = read_zset(ctx, argv[1])?;
    match z.and_then(|z| z.rank(argv[2], rev)) {
        Some(r) => out.int(r as i64),
        None => out.null(),
    }
    Ok(())
}

/// ZRANK key member
fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrank_generic(ctx, argv, false)
}

/// ZREVRANK key member
fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrank_generic(ctx, argv, true)
}

/// ZCOUNT key min max
fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let r = ScoreRange::parse(argv[2], argv[3]).ok_or(error::MINMAX_NOT_FLOAT)?;
    let (z, out) = read_zset(ctx, argv[1])?;
    out.int(z.map_or(0, |z| z.count_in_score_range(&r)));
    Ok(())
}

/// ZLEXCOUNT key min max
fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let r = LexRange::parse(argv[2], argv[3]).ok_or(error::LEX_RANGE)?;
    let (z, out) = read_zset(ctx, argv[1])?;
    out.int(z.map_or(0, |z| z.count_in_lex_range(&r)));
    Ok(())
}

// ----- the ZRANGE family -------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum RangeType {
    Auto,
    Rank,
    Score,
    Lex,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    Auto,
    Forward,
    Reverse,
}

/// A parsed range request.
enum Spec<'a> {
    Rank(i64, i64),
    Score(ScoreRange),
    Lex(LexRange<'a>),
}

/// Everything `zrangeGenericCommand` parses.
struct RangeReq<'a> {
    spec: Spec<'a>,
    rev: bool,
    withscores: bool,
    offset: i64,
    limit: i64,
}

/// Parses `<min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT offset count]` after the
/// source key `argv[at]`, in Redis's order of checks.
fn parse_range<'a>(
    argv: &[&'a [u8]],
    at: usize,
    store: bool,
    mut rtype: RangeType,
    mut dir: Direction,
) -> Result<RangeReq<'a>, Error> {
    let (mut withscores, mut offset, mut limit) = (false, 0i64, -1i64);
    let mut j = at + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if !store && is(a, "withscores") {
            withscores = true;
        } else if is(a, "limit") && left >= 2 {
            offset = long_arg(argv[j + 1])?;
            limit = long_arg(argv[j + 2])?;
            j += 2;
        } else if dir == Direction::Auto && is(a, "rev") {
            dir = Direction::Reverse;
        } else if rtype == RangeType::Auto && is(a, "bylex") {
            rtype = RangeType::Lex;
        } else if rtype == RangeType::Auto && is(a, "byscore") {
            rtype = RangeType::Score;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if rtype == RangeType::Auto {
        rtype = RangeType::Rank;
    }
    let rev = dir == Direction::Reverse;
    if limit != -1 && rtype == RangeType::Rank {
        return Err(error::LIMIT_NEEDS_BY);
    }
    if withscores && rtype == RangeType::Lex {
        return Err(error::WITHSCORES_BYLEX);
    }
    let (mut lo, mut hi) = (argv[at + 1], argv[at + 2]);
    if rev && rtype != RangeType::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    let spec = match rtype {
        RangeType::Score => Spec::Score(ScoreRange::parse(lo, hi).ok_or(error::MINMAX_NOT_FLOAT)?),
        RangeType::Lex => Spec::Lex(LexRange::parse(lo, hi).ok_or(error::LEX_RANGE)?),
        _ => Spec::Rank(long_arg(lo)?, long_arg(hi)?),
    };
    Ok(RangeReq {
        spec,
        rev,
        withscores: withscores || store,
        offset,
        limit,
    })
}

/// Walks the elements selected by `req`, calling `f` on each; returns how many.
fn walk_range(z: &ZSet, req: &RangeReq<'_>, mut f: impl FnMut(LpEntry<'_>, f64)) -> usize {
    let len = z.len();
    match &req.spec {
        Spec::Rank(start, end) => {
            let Some((s, e)) = clamp_range(*start, *end, len) else {
                return 0;
            };
            let n = e - s + 1;
            let from = if req.rev { len - 1 - s } else { s };
            for (m, sc) in z.iter_from(from, req.rev).take(n) {
                f(m, sc);
            }
            n
        }
        Spec::Score(r) => {
            if req.offset > 0 && req.offset as u64 >= len as u64 {
                return 0;
            }
            let start = if req.rev {
                z.last_in_score_range(r)
            } else {
                z.first_in_score_range(r)
            };
            let rev = req.rev;
            let in_range = |_: LpEntry<'_>, s: f64| {
                if rev {
                    r.value_gte_min(s)
                } else {
                    r.value_lte_max(s)
                }
            };
            walk_limited(z, start, req, in_range, &mut f)
        }
        Spec::Lex(r) => {
            let start = if req.rev {
                z.last_in_lex_range(r)
            } else {
                z.first_in_lex_range(r)
            };
            let rev = req.rev;
            let in_range = |m: LpEntry<'_>, _: f64| {
                let b = m.to_bytes();
                if rev {
                    r.value_gte_min(&b)
                } else {
                    r.value_lte_max(&b)
                }
            };
            walk_limited(z, start, req, in_range, &mut f)
        }
    }
}

/// The offset/limit walk of `genericZrangebyscoreCommand`: a negative offset skips
/// everything (Redis's `while (eptr && offset--)`), a negative limit means no limit.
fn walk_limited(
    z: &ZSet,
    start: Option<usize>,
    req: &RangeReq<'_>,
    in_range: impl Fn(LpEntry<'_>, f64) -> bool,
    f: &mut impl FnMut(LpEntry<'_>, f64),
) -> usize {
    let Some(start) = start else { return 0 };
    if req.offset < 0 {
        return 0;
    }
    let take = usize::try_from(req.limit).unwrap_or(usize::MAX);
    let mut n = 0;
    for (m, s) in z
        .iter_from(start, req.rev)
        .skip(req.offset as usize)
        .take(take)
    {
        if !in_range(m, s) {
            break;
        }
        f(m, s);
        n += 1;
    }
    n
}

/// ZRANGE and its older forms, replying to the client (`zrangeGenericCommand`).
fn zrange_client(ctx: &mut Ctx, argv: &[&[u8]], rtype: RangeType, dir: Direction) -> CmdResult {
    let req = parse_range(argv, 1, false, rtype, dir)?;
    let (z, out) = read_zset(ctx, argv[1])?;
    let Some(z) = z else {
        out.array_len(0);
        return Ok(());
    };
    let at = out.deferred();
    let ws = req.withscores;
    let n = walk_range(z, &req, |m, s| emit_elem(out, m, s, ws));
    let n = if ws && !out.resp3() { 2 * n } else { n };
    out.set_deferred(at, b'*', n);
    Ok(())
}

/// ZRANGE key start stop [BYSCORE|BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Auto, Direction::Auto)
}

/// ZREVRANGE key start stop [WITHSCORES]
fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Rank, Direction::Reverse)
}

/// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Score, Direction::Forward)
}

/// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Score, Direction::Reverse)
}

/// ZRANGEBYLEX key min max [LIMIT offset count]
fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Lex, Direction::Forward)
}

/// ZREVRANGEBYLEX key max min [LIMIT offset count]
fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zrange_client(ctx, argv, RangeType::Lex, Direction::Reverse)
}

/// ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT offset count]
fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let dst = argv[1];
    let req = parse_range(argv, 2, true, RangeType::Auto, Direction::Auto)?;
    let lim = limits(ctx);
    let (z, _) = read_zset(ctx, argv[2])?;
    let mut result = None;
    if let Some(z) = z {
        let mut items: Vec<(Vec<u8>, f64)> = Vec::new();
        walk_range(z, &req, |m, s| items.push((m.to_bytes(), s)));
        // zrangeResultBeginStore: only the rank form knows the length in advance.
        let hint = match req.spec {
            Spec::Rank(..) => Some(items.len()),
            _ => None,
        };
        let mut d = ZSet::with_len_hint(lim, hint);
        for (m, s) in &items {
            d.add(m, *s, AddFlags::default(), lim);
        }
        result = Some(d);
    }
    store_result(ctx, dst, result.filter(|d| !d.is_empty()), "zrangestore");
    Ok(())
}

/// Stores a computed set at `dst` (replacing any value and its TTL) and replies with its
/// size, or deletes `dst` and replies 0 when the result is empty (`zrangeResultFinalizeStore`,
/// the store path of `zunionInterDiffGenericCommand`).
fn store_result(ctx: &mut Ctx, dst: &[u8], z: Option<ZSet>, event: &str) {
    match z {
        Some(z) => {
            let n = z.len();
            let lru = ctx.lru_for(dst, false);
            ctx.db().set(dst, Value::ZSet(Arc::new(z)), false, lru);
            ctx.touched(dst);
            ctx.out().int(n as i64);
            ctx.notify(Class::ZSET, event, dst);
        }
        None => {
            ctx.out().int(0);
            // dbDelete: no lookup first, so a logically expired `dst` is deleted (and
            // reported) too.
            if ctx.db().remove(dst).is_some() {
                ctx.touched(dst);
                ctx.notify(Class::GENERIC, "del", dst);
            }
        }
    }
}

// ----- pops ------------------------------------------------------------------------------

/// How [`zpop`] shapes its reply (the arguments of Redis's `genericZpopCommand`).
#[derive(Debug, Clone, Copy)]
pub struct PopReply {
    /// Also reply the key name (BZPOPMIN/BZPOPMAX, ZMPOP/BZMPOP).
    pub emit_key: bool,
    /// Pairs as nested arrays (ZPOPMIN with COUNT in RESP3, ZMPOP/BZMPOP always).
    pub nested: bool,
    /// Reply a null array instead of an empty one when no key exists (ZMPOP/BZMPOP).
    pub nil_when_empty: bool,
}

/// What [`zpop`] did, for callers that propagate or unblock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Popped {
    pub key: Vec<u8>,
    /// Number of elements removed.
    pub count: usize,
    /// The key was removed because the set became empty.
    pub deleted: bool,
}

/// Pops from the first existing key of `keys` (Redis `genericZpopCommand`, shared by
/// ZPOPMIN, ZPOPMAX, ZMPOP and the blocking BZPOPMIN, BZPOPMAX, BZMPOP): up to `count`
/// elements (`-1`: a plain single pop) from the lowest scores, or the highest if `max`, and
/// replies in the shape `shape` says. Errors with WRONGTYPE when the first existing key is
/// not a sorted set. Side effects: `zpopmin`/`zpopmax` (and `del` when emptied) keyspace
/// events, WATCH invalidation, one dirty per element. Returns `None` when nothing was popped
/// (no existing key, or count 0). Redis propagates the result as `ZPOPMIN|ZPOPMAX key count`
/// (with the count actually popped); [`Popped`] carries what that needs.
pub fn zpop(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    max: bool,
    count: i64,
    shape: PopReply,
) -> Result<Option<Popped>, Error> {
    let mut found = None;
    for k in keys {
        if write_zset(ctx, k)?.is_some() {
            found = Some(*k);
            break;
        }
    }
    let Some(key) = found else {
        if shape.nil_when_empty {
            ctx.out().null_array();
        } else {
            ctx.out().array_len(0);
        }
        return Ok(None);
    };
    if count == 0 {
        ctx.out().array_len(0);
        return Ok(None);
    }
    let count = if count < 0 { 1 } else { count as usize };
    let mut popped = Vec::new();
    if let Some(z) = write_zset(ctx, key)? {
        while popped.len() < count {
            match z.pop(max) {
                Some(p) => popped.push(p),
                None => break,
            }
        }
    }
    let n = popped.len();
    ctx.notify(Class::ZSET, if max { "zpopmax" } else { "zpopmin" }, key);
    ctx.touched_n(key, n as u64);
    let deleted = remove_if_empty(ctx, key);
    let out = ctx.out();
    match (shape.nested, shape.emit_key) {
        (false, false) => out.array_len(2 * n),
        (true, false) => out.array_len(n),
        (false, true) => {
            out.array_len(2 * n + 1);
            out.bulk(key);
        }
        (true, true) => {
            out.array_len(2);
            out.bulk(key);
            out.array_len(n);
        }
    }
    for (m, s) in &popped {
        if shape.nested {
            out.array_len(2);
        }
        out.bulk(m);
        out.double(*s);
    }
    if deleted {
        ctx.notify(Class::GENERIC, "del", key);
    }
    Ok(Some(Popped {
        key: key.to_vec(),
        count: n,
        deleted,
    }))
}

fn zpop_minmax(ctx: &mut Ctx, argv: &[&[u8]], max: bool) -> CmdResult {
    if argv.len() > 3 {
        return Err(error::SYNTAX);
    }
    // getPositiveLongFromObjectOrReply: one message for both failures.
    let count = match argv.get(2) {
        Some(a) => match num::parse_i64(a) {
            Some(v) if v >= 0 => v,
            _ => return Err(error::NOT_POSITIVE),
        },
        None => -1,
    };
    let shape = PopReply {
        emit_key: false,
        nested: ctx.client.out.resp3() && count != -1,
        nil_when_empty: false,
    };
    zpop(ctx, &argv[1..2], max, count, shape)?;
    Ok(())
}

/// ZPOPMIN key [count]
fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zpop_minmax(ctx, argv, false)
}

/// ZPOPMAX key [count]
fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    zpop_minmax(ctx, argv, true)
}

/// Parsed `numkeys key [key ...] MIN|MAX [COUNT count]` of ZMPOP/BZMPOP.
#[derive(Debug)]
pub struct MpopArgs<'a> {
    pub keys: Vec<&'a [u8]>,
    pub max: bool,
    /// At least 1.
    pub count: i64,
}

/// Parses the arguments of ZMPOP (`numkeys_idx` 1) or BZMPOP (2) like `zmpopGenericCommand`.
pub fn parse_mpop<'a>(argv: &[&'a [u8]], numkeys_idx: usize) -> Result<MpopArgs<'a>, Error> {
    let numkeys = match num::parse_i64(argv[numkeys_idx]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(error::NUMKEYS_NOT_POSITIVE),
    };
    let where_idx = (numkeys_idx as u64)
        .saturating_add(numkeys)
        .saturating_add(1);
    if where_idx >= argv.len() as u64 {
        return Err(error::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let max = if is(argv[where_idx], "min") {
        false
    } else if is(argv[where_idx], "max") {
        true
    } else {
        return Err(error::SYNTAX);
    };
    let mut count = -1i64;
    let mut j = where_idx + 1;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if count == -1 && is(argv[j], "count") && more > 0 {
            j += 1;
            count = match num::parse_i64(argv[j]) {
                Some(c) if c >= 1 => c,
                _ => return Err(error::COUNT_NOT_POSITIVE),
            };
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(MpopArgs {
        keys: argv[numkeys_idx + 1..where_idx].to_vec(),
        max,
        count: if count == -1 { 1 } else { count },
    })
}

/// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let a = parse_mpop(argv, 1)?;
    let shape = PopReply {
        emit_key: true,
        nested: true,
        nil_when_empty: true,
    };
    zpop(ctx, &a.keys, a.max, a.count, shape)?;
    Ok(())
}

// ----- blocking pops ---------------------------------------------------------------------

/// `blockingGenericZpopCommand`: pops from the first non-empty key, else blocks (or replies
/// a null array when the client may not block).
fn bzpop_generic(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    timeout: &[u8],
    max: bool,
    count: i64,
    nested: bool,
) -> CmdResult {
    let deadline = crate::blocking::parse_timeout(timeout, ctx.now)?;
    for k in keys {
        let Some(z) = write_zset(ctx, k)? else {
            continue;
        };
        if z.is_empty() {
            continue;
        }
        let shape = PopReply {
            emit_key: true,
            nested,
            nil_when_empty: nested,
        };
        zpop(ctx, &[k], max, count, shape)?;
        return Ok(());
    }
    if !crate::blocking::can_block(ctx) {
        ctx.out().null_array();
        return Ok(());
    }
    crate::blocking::block(
        ctx,
        keys,
        deadline,
        crate::blocking::BlockOp::ZSetPop { max, count, nested },
    );
    Ok(())
}

/// BZPOPMIN key [key ...] timeout
fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bzpop_generic(
        ctx,
        &argv[1..argv.len() - 1],
        argv[argv.len() - 1],
        false,
        -1,
        false,
    )
}

/// BZPOPMAX key [key ...] timeout
fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bzpop_generic(
        ctx,
        &argv[1..argv.len() - 1],
        argv[argv.len() - 1],
        true,
        -1,
        false,
    )
}

/// BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count]
fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let a = parse_mpop(argv, 2)?;
    bzpop_generic(ctx, &a.keys, argv[1], a.max, a.count, true)
}

/// Serves a client blocked by BZPOPMIN/BZPOPMAX/BZMPOP now that `key` holds a sorted set
/// (`serveClientsBlockedOnSortedSetKey`).
pub fn serve_blocked(ctx: &mut Ctx, key: &[u8], op: &crate::blocking::BlockOp) -> CmdResult {
    let crate::blocking::BlockOp::ZSetPop { max, count, nested } = op else {
        return Ok(());
    };
    let shape = PopReply {
        emit_key: true,
        nested: *nested,
        nil_when_empty: false,
    };
    zpop(ctx, &[key], *max, *count, shape)?;
    Ok(())
}

// ----- ZRANDMEMBER -------------------------------------------------------------------------

/// ZRANDMEMBER key [count [WITHSCORES]]
fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() >= 3 {
        let l = long_arg(argv[2])?;
        if l == i64::MIN {
            return Err(error::SRANDMEMBER_RANGE);
        }
        if argv.len() > 4 || (argv.len() == 4 && !is(argv[3], "withscores")) {
            return Err(error::SYNTAX);
        }
        // Checked before the key is looked up, as HRANDFIELD's WITHVALUES.
        if argv.len() == 4 && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&l) {
            return Err(error::HRANDFIELD_VALUE_RANGE);
        }
        return zrandmember_count(ctx, argv[1], l, argv.len() == 4);
    }
    read_zset(ctx, argv[1])?;
    let core = &mut *ctx.core;
    let z = core.dbs[ctx.client.db]
        .dict
        .get(argv[1])
        .and_then(|e| e.val.as_zset());
    let pick = z.and_then(|z| z.random_element(&mut core.rng));
    match pick {
        Some((m, _)) => ctx.out().bulk(&m),
        None => ctx.out().null(),
    }
    Ok(())
}

/// The count forms of ZRANDMEMBER (`zrandmemberWithCountCommand`).
fn zrandmember_count(ctx: &mut Ctx, key: &[u8], l: i64, withscores: bool) -> CmdResult {
    read_zset(ctx, key)?;
    let core = &mut *ctx.core;
    let out = &mut ctx.client.out;
    let Some(z) = core.dbs[ctx.client.db]
        .dict
        .get(key)
        .and_then(|e| e.val.as_zset())
    else {
        out.array_len(0);
        return Ok(());
    };
    let rng = &mut core.rng;
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    if count == 0 {
        out.array_len(0);
        return Ok(());
    }
    let size = z.len() as u64;
    // Case 1: repetitions allowed (or a single element): independent picks.
    if !uniq || count == 1 {
        elems_header(out, count as usize, withscores);
        for _ in 0..count {
            if let Some((m, s)) = z.random_element(rng) {
                emit_elem(out, LpEntry::Str(&m), s, withscores);
            }
        }
        return Ok(());
    }
    // Case 2: the whole set, highest first (Redis iterates sets backwards here).
    if count >= size {
        elems_header(out, size as usize, withscores);
        if size > 0 {
            for (m, s) in z.iter_from(size as usize - 1, true) {
                emit_elem(out, m, s, withscores);
            }
        }
        return Ok(());
    }
    // Cases 3 and 4: distinct random members.
    let picked = z.random_distinct(count as usize, rng);
    elems_header(out, picked.len(), withscores);
    for (m, s) in &picked {
        emit_elem(out, LpEntry::Str(m), *s, withscores);
    }
    Ok(())
}

// ----- ZSCAN -------------------------------------------------------------------------------

/// ZSCAN key cursor [MATCH pattern] [COUNT count]
fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = crate::cmd::set::parse_scan_cursor(argv[2])?;
    let (z, out) = read_zset(ctx, argv[1])?;
    let Some(z) = z else {
        out.array_len(2);
        out.bulk(b"0");
        out.array_len(0);
        return Ok(());
    };
    let mut count = 10i64;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        let left = argv.len() - i;
        if is(argv[i], "count") && left >= 2 {
            count = long_arg(argv[i + 1])?;
            if count < 1 {
                return Err(error::SYNTAX);
            }
            i += 2;
        } else if is(argv[i], "match") && left >= 2 {
            pattern = Some(argv[i + 1]).filter(|p| *p != b"*");
            i += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let mut items: Vec<Vec<u8>> = Vec::new();
    let next = z.scan(cursor, count as usize, |m, s| {
        if pattern.is_none_or(|p| glob::string_match(p, &m, false)) {
            items.push(m);
            items.push(s);
        }
    });
    out.array_len(2);
    let mut c = Vec::with_capacity(20);
    num::write_u64(next, &mut c);
    out.bulk(&c);
    out.array_len(items.len());
    for it in &items {
        out.bulk(it);
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::ZADD, zadd),
    Command::new(&meta::ZINCRBY, zincrby),
    Command::new(&meta::ZREM, zrem),
    Command::new(&meta::ZCARD, zcard),
    Command::new(&meta::ZSCORE, zscore),
    Command::new(&meta::ZMSCORE, zmscore),
    Command::new(&meta::ZRANK, zrank),
    Command::new(&meta::ZREVRANK, zrevrank),
    Command::new(&meta::ZCOUNT, zcount),
    Command::new(&meta::ZLEXCOUNT, zlexcount),
    Command::new(&meta::ZRANGE, zrange),
    Command::new(&meta::ZRANGESTORE, zrangestore),
    Command::new(&meta::ZREVRANGE, zrevrange),
    Command::new(&meta::ZRANGEBYSCORE, zrangebyscore),
    Command::new(&meta::ZREVRANGEBYSCORE, zrevrangebyscore),
    Command::new(&meta::ZRANGEBYLEX, zrangebylex),
    Command::new(&meta::ZREVRANGEBYLEX, zrevrangebylex),
    Command::new(&meta::ZREMRANGEBYRANK, zremrangebyrank),
    Command::new(&meta::ZREMRANGEBYSCORE, zremrangebyscore),
    Command::new(&meta::ZREMRANGEBYLEX, zremrangebylex),
    Command::new(&meta::ZPOPMIN, zpopmin),
    Command::new(&meta::ZPOPMAX, zpopmax),
    Command::new(&meta::ZMPOP, zmpop),
    Command::new(&meta::BZPOPMIN, bzpopmin),
    Command::new(&meta::BZPOPMAX, bzpopmax),
    Command::new(&meta::BZMPOP, bzmpop),
    Command::new(&meta::ZRANDMEMBER, zrandmember),
    Command::new(&meta::ZUNION, setops::zunion),
    Command::new(&meta::ZINTER, setops::zinter),
    Command::new(&meta::ZDIFF, setops::zdiff),
    Command::new(&meta::ZUNIONSTORE, setops::zunionstore),
    Command::new(&meta::ZINTERSTORE, setops::zinterstore),
    Command::new(&meta::ZDIFFSTORE, setops::zdiffstore),
    Command::new(&meta::ZINTERCARD, setops::zintercard),
    Command::new(&meta::ZSCAN, zscan),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_parses_like_strtoul() {
        assert_eq!(crate::cmd::set::parse_scan_cursor(b"0"), Ok(0));
        assert_eq!(crate::cmd::set::parse_scan_cursor(b""), Ok(0));
        assert_eq!(crate::cmd::set::parse_scan_cursor(b"+7"), Ok(7));
        assert_eq!(crate::cmd::set::parse_scan_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(
            crate::cmd::set::parse_scan_cursor(b"18446744073709551615"),
            Ok(u64::MAX)
        );
        for bad in [
            &b" 1"[..],
            b"+",
            b"-",
            b"1x",
            b"18446744073709551616",
            b"0x10",
        ] {
            assert_eq!(
                crate::cmd::set::parse_scan_cursor(bad),
                Err(error::INVALID_CURSOR),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn rank_ranges_are_sanitized_like_redis() {
        assert_eq!(clamp_range(0, -1, 5), Some((0, 4)));
        assert_eq!(clamp_range(-100, 100, 5), Some((0, 4)));
        assert_eq!(clamp_range(3, 1, 5), None);
        assert_eq!(clamp_range(5, 9, 5), None);
        assert_eq!(clamp_range(-2, -1, 5), Some((3, 4)));
        assert_eq!(clamp_range(0, -6, 5), None);
        assert_eq!(clamp_range(0, 0, 0), None);
    }

    #[test]
    fn mpop_arguments() {
        let argv: Vec<&[u8]> = vec![b"ZMPOP", b"2", b"a", b"b", b"max", b"COUNT", b"3"];
        let a = parse_mpop(&argv, 1).unwrap();
        assert_eq!(a.keys, vec![&b"a"[..], b"b"]);
        assert!(a.max);
        assert_eq!(a.count, 3);
        let argv: Vec<&[u8]> = vec![b"BZMPOP", b"0", b"1", b"a", b"MIN"];
        let a = parse_mpop(&argv, 2).unwrap();
        assert_eq!((a.keys.len(), a.max, a.count), (1, false, 1));
        let err = |v: Vec<&[u8]>| parse_mpop(&v, 1).unwrap_err();
        assert_eq!(
            err(vec![b"ZMPOP", b"0", b"a", b"MIN"]),
            error::NUMKEYS_NOT_POSITIVE
        );
        assert_eq!(
            err(vec![b"ZMPOP", b"9223372036854775807", b"a", b"MIN"]),
            error::SYNTAX
        );
        assert_eq!(
            err(vec![b"ZMPOP", b"1", b"a", b"MIN", b"COUNT", b"0"]),
            error::COUNT_NOT_POSITIVE
        );
        assert_eq!(
            err(vec![
                b"ZMPOP", b"1", b"a", b"MIN", b"COUNT", b"1", b"COUNT", b"1"
            ]),
            error::SYNTAX
        );
    }

    #[test]
    fn range_options_follow_zrange_generic() {
        let parse = |s: &str| {
            let owned: Vec<Vec<u8>> = s.split(' ').map(|a| a.as_bytes().to_vec()).collect();
            let argv: Vec<&[u8]> = owned.iter().map(|a| a.as_slice()).collect();
            parse_range(&argv, 1, false, RangeType::Auto, Direction::Auto)
                .map(|r| (r.rev, r.withscores, r.offset, r.limit))
        };
        assert_eq!(parse("ZRANGE k 0 -1"), Ok((false, false, 0, -1)));
        assert_eq!(
            parse("ZRANGE k (1 5 BYSCORE REV LIMIT 2 3 WITHSCORES"),
            Ok((true, true, 2, 3))
        );
        assert_eq!(parse("ZRANGE k 0 -1 LIMIT 0 -1"), Ok((false, false, 0, -1)));
        assert_eq!(parse("ZRANGE k 0 -1 LIMIT 0 1"), Err(error::LIMIT_NEEDS_BY));
        assert_eq!(
            parse("ZRANGE k - + BYLEX WITHSCORES"),
            Err(error::WITHSCORES_BYLEX)
        );
        assert_eq!(parse("ZRANGE k a b BYSCORE"), Err(error::MINMAX_NOT_FLOAT));
        assert_eq!(parse("ZRANGE k a b BYLEX"), Err(error::LEX_RANGE));
        assert_eq!(parse("ZRANGE k 0 -1 BYSCORE BYLEX"), Err(error::SYNTAX));
        assert_eq!(parse("ZRANGE k 0 -1 REV REV"), Err(error::SYNTAX));
    }
}
