//! ZUNION ZINTER ZDIFF, their STORE forms and ZINTERCARD (Redis `zunionInterDiffGenericCommand`).
//!
//! Inputs may be sorted sets or plain sets (every set member scores 1); a missing key is an
//! empty input. Like Redis, union and intersection visit the inputs from the smallest to the
//! largest (a stable sort), which fixes the order in which floating-point scores are
//! aggregated; `weight * score` that is NaN (`0 * inf`) counts as 0, and so does a SUM that
//! gives NaN (`inf + -inf`). Results are ordered by (score, member); the STORE forms pick the
//! listpack encoding when the result fits (`zsetConvertToListpackIfNeeded`).

use super::{elems_header, emit_elem, limits, long_arg, store_result};
use crate::cmd::args::{self, is};
use crate::cmd::error::{self, Error};
use crate::cmd::{CmdResult, Ctx};
use crate::types::listpack::LpEntry;
use crate::types::set::Set;
use crate::types::value::Value;
use crate::types::zset::value::ZSet;
use std::collections::HashMap;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

/// One input of a set operation.
enum Src<'a> {
    Missing,
    Z(&'a ZSet),
    S(&'a Set),
}

/// A plain set's members (score 1 each); intset members as their decimal text.
fn set_members(s: &Set) -> Vec<Vec<u8>> {
    s.iter().map(|m| m.to_vec()).collect()
}

fn set_contains(s: &Set, member: &[u8]) -> bool {
    s.contains(member)
}

fn set_len(s: &Set) -> usize {
    s.len()
}

impl Src<'_> {
    fn len(&self) -> usize {
        match self {
            Src::Missing => 0,
            Src::Z(z) => z.len(),
            Src::S(s) => set_len(s),
        }
    }

    /// Every element with its score.
    fn elements(&self) -> Vec<(Vec<u8>, f64)> {
        match self {
            Src::Missing => Vec::new(),
            Src::Z(z) => z.iter().map(|(m, s)| (m.to_bytes(), s)).collect(),
            Src::S(s) => set_members(s).into_iter().map(|m| (m, 1.0)).collect(),
        }
    }

    /// The score of `member` in this input (`zuiFind`).
    fn find(&self, member: &[u8]) -> Option<f64> {
        match self {
            Src::Missing => None,
            Src::Z(z) => z.score(member),
            Src::S(s) => set_contains(s, member).then_some(1.0),
        }
    }
}

/// `zunionInterAggregate`.
fn aggregate(target: &mut f64, val: f64, how: Aggregate) {
    match how {
        Aggregate::Sum => {
            *target += val;
            if target.is_nan() {
                *target = 0.0;
            }
        }
        Aggregate::Min => {
            if val < *target {
                *target = val;
            }
        }
        Aggregate::Max => {
            if val > *target {
                *target = val;
            }
        }
    }
}

/// Weighted score, NaN counted as 0.
fn weighted(w: f64, s: f64) -> f64 {
    let v = w * s;
    if v.is_nan() {
        0.0
    } else {
        v
    }
}

fn generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    dst: Option<&[u8]>,
    numkeys_idx: usize,
    op: Op,
    card_only: bool,
) -> CmdResult {
    let setnum = long_arg(argv[numkeys_idx])?;
    if setnum < 1 {
        return Err(Error::err(format!(
            "at least 1 input key is needed for '{}' command",
            ctx.cmd.meta.name
        )));
    }
    if setnum as u64 > (argv.len() - (numkeys_idx + 1)) as u64 {
        return Err(error::SYNTAX);
    }
    let setnum = setnum as usize;
    let keys = &argv[numkeys_idx + 1..numkeys_idx + 1 + setnum];
    for k in keys {
        if let Some(e) = ctx.lookup_read(k) {
            if !matches!(e.val, Value::ZSet(_) | Value::Set(_)) {
                return Err(error::WRONGTYPE);
            }
        }
    }
    let mut weights = vec![1.0f64; setnum];
    let mut how = Aggregate::Sum;
    let mut withscores = false;
    let mut limit = 0u64;
    let mut j = numkeys_idx + 1 + setnum;
    while j < argv.len() {
        let remaining = argv.len() - j;
        if op != Op::Diff && !card_only && remaining > setnum && is(argv[j], "weights") {
            j += 1;
            for w in weights.iter_mut() {
                *w = args::float(argv[j]).map_err(|_| error::WEIGHT_NOT_FLOAT)?;
                j += 1;
            }
        } else if op != Op::Diff && !card_only && remaining >= 2 && is(argv[j], "aggregate") {
            let a = argv[j + 1];
            how = if is(a, "sum") {
                Aggregate::Sum
            } else if is(a, "min") {
                Aggregate::Min
            } else if is(a, "max") {
                Aggregate::Max
            } else {
                return Err(error::SYNTAX);
            };
            j += 2;
        } else if dst.is_none() && !card_only && is(argv[j], "withscores") {
            withscores = true;
            j += 1;
        } else if card_only && remaining >= 2 && is(argv[j], "limit") {
            limit = match crate::util::num::parse_i64(argv[j + 1]) {
                Some(l) if l >= 0 => l as u64,
                _ => return Err(error::LIMIT_NEGATIVE),
            };
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }

    let db = ctx.client.db;
    let dict = &ctx.core.dbs[db].dict;
    let mut srcs: Vec<(Src<'_>, f64, &[u8])> = keys
        .iter()
        .zip(&weights)
        .map(|(k, &w)| {
            let src = match dict.get(*k).map(|e| &e.val) {
                Some(Value::ZSet(z)) => Src::Z(z),
                Some(Value::Set(s)) => Src::S(s),
                _ => Src::Missing,
            };
            (src, w, *k)
        })
        .collect();
    if op != Op::Diff {
        srcs.sort_by_key(|(s, _, _)| s.len());
    }

    let mut result: Vec<(Vec<u8>, f64)> = Vec::new();
    let mut cardinality = 0u64;
    match op {
        Op::Inter => {
            if srcs[0].0.len() > 0 {
                for (m, s) in srcs[0].0.elements() {
                    let mut score = weighted(srcs[0].1, s);
                    let mut everywhere = true;
                    for (src, w, _) in &srcs[1..] {
                        match src.find(&m) {
                            Some(v) => aggregate(&mut score, v * w, how),
                            None => {
                                everywhere = false;
                                break;
                            }
                        }
                    }
                    if !everywhere {
                        continue;
                    }
                    if card_only {
                        cardinality += 1;
                        if limit > 0 && cardinality >= limit {
                            break;
                        }
                    } else {
                        result.push((m, score));
                    }
                }
            }
        }
        Op::Union => {
            let mut acc: HashMap<Vec<u8>, f64> = HashMap::new();
            for (src, w, _) in &srcs {
                for (m, s) in src.elements() {
                    let score = weighted(*w, s);
                    match acc.get_mut(&m) {
                        Some(t) => aggregate(t, score, how),
                        None => {
                            acc.insert(m, score);
                        }
                    }
                }
            }
            result = acc.into_iter().collect();
        }
        Op::Diff => {
            let first = &srcs[0];
            let same_key = srcs[1..].iter().any(|(_, _, k)| *k == first.2);
            if first.0.len() > 0 && !same_key {
                for (m, s) in first.0.elements() {
                    if srcs[1..].iter().all(|(src, _, _)| src.find(&m).is_none()) {
                        result.push((m, s));
                    }
                }
            }
        }
    }
    drop(srcs);
    result.sort_by(|a, b| a.1.total_cmp_redis(&b.1).then_with(|| a.0.cmp(&b.0)));

    if let Some(dst) = dst {
        let event = match op {
            Op::Union => "zunionstore",
            Op::Inter => "zinterstore",
            Op::Diff => "zdiffstore",
        };
        let z = (!result.is_empty()).then(|| ZSet::from_sorted(result, limits(ctx)));
        store_result(ctx, dst, z, event);
    } else if card_only {
        ctx.out().int(cardinality as i64);
    } else {
        let out = ctx.out();
        elems_header(out, result.len(), withscores);
        for (m, s) in &result {
            emit_elem(out, LpEntry::Str(m), *s, withscores);
        }
    }
    Ok(())
}

/// Score order as the skiplist compares: plain `<` (so `-0 == 0`); scores are never NaN here.
trait RedisCmp {
    fn total_cmp_redis(&self, other: &f64) -> std::cmp::Ordering;
}

impl RedisCmp for f64 {
    fn total_cmp_redis(&self, other: &f64) -> std::cmp::Ordering {
        self.partial_cmp(other).unwrap_or(std::cmp::Ordering::Equal)
    }
}

/// ZUNION numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, None, 1, Op::Union, false)
}

/// ZINTER numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX] [WITHSCORES]
pub fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, None, 1, Op::Inter, false)
}

/// ZDIFF numkeys key [key ...] [WITHSCORES]
pub fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, None, 1, Op::Diff, false)
}

/// ZUNIONSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, Some(argv[1]), 2, Op::Union, false)
}

/// ZINTERSTORE destination numkeys key [key ...] [WEIGHTS weight ...] [AGGREGATE SUM|MIN|MAX]
pub fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, Some(argv[1]), 2, Op::Inter, false)
}

/// ZDIFFSTORE destination numkeys key [key ...]
pub fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, Some(argv[1]), 2, Op::Diff, false)
}

/// ZINTERCARD numkeys key [key ...] [LIMIT limit]
pub fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    generic(ctx, argv, None, 1, Op::Inter, true)
}
