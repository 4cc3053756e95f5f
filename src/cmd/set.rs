//! Set commands (`t_set.c`): SADD SREM SISMEMBER SMISMEMBER SMEMBERS SCARD SPOP
//! SRANDMEMBER SMOVE SINTER SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//!
//! The encodings and their conversions live in [`crate::types::set`]; this file reproduces
//! Redis's algorithms where they decide what a client can observe: the order of replies
//! (an intset replies in ascending order), the encoding of stored results (they are built
//! from an empty intset, and `SDIFF`'s choice of algorithm matters), `SPOP`'s and
//! `SRANDMEMBER`'s cases, and the keyspace events (`sadd`, `srem`, `spop`, `sinterstore`,
//! `sunionstore`, `sdiffstore`, `del`). Every write reports its keys with `ctx.touched`; an
//! emptied set is removed.

use std::collections::HashSet;
use std::sync::Arc;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::args;
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::db::keyspace::{Db, Entry};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::set::{Member, Set};
use crate::types::value::Value;
use crate::util::glob;

/// `SPOP`: remove-and-return random members while the rest is this many times larger than
/// the count; else build the remainder as a new set (`SPOP_MOVE_STRATEGY_MUL`).
const SPOP_MOVE_STRATEGY_MUL: u64 = 5;
/// `SRANDMEMBER`: copy the whole set and remove members when the count is more than a third
/// of it (`SRANDMEMBER_SUB_STRATEGY_MUL`).
const SRANDMEMBER_SUB_STRATEGY_MUL: u64 = 3;

/// `set-max-intset-entries`.
fn max_intset(ctx: &Ctx) -> usize {
    usize::try_from(ctx.core.config.set_max_intset_entries).unwrap_or(usize::MAX)
}

/// A generator for this command's random choices, drawn from the server's.
fn rng(ctx: &mut Ctx) -> SmallRng {
    SmallRng::seed_from_u64(ctx.core.rng.gen())
}

fn bulk_member(out: &mut Out, m: Member<'_>) {
    match m {
        Member::Int(v) => out.bulk_int(v),
        Member::Bytes(b) => out.bulk(b),
    }
}

/// A whole set as a set reply, in its iteration order.
fn reply_set(out: &mut Out, s: &Set) {
    out.set_len(s.len());
    for m in s.iter() {
        bulk_member(out, m);
    }
}

/// Lookup for reading (lazy expiry, stats): `Ok(false)` when missing, WRONGTYPE when the key
/// holds another type.
fn read_check(ctx: &mut Ctx, key: &[u8]) -> Result<bool, Error> {
    match ctx.lookup_read(key) {
        None => Ok(false),
        Some(e) if e.val.as_set().is_some() => Ok(true),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// Lookup for writing (lazy expiry, snapshot capture), with the same results.
fn write_check(ctx: &mut Ctx, key: &[u8]) -> Result<bool, Error> {
    match ctx.lookup_write(key) {
        None => Ok(false),
        Some(e) if e.val.as_set().is_some() => Ok(true),
        Some(_) => Err(error::WRONGTYPE),
    }
}

/// The set at `key` (already checked) and the reply buffer, borrowed together.
fn set_out<'a>(ctx: &'a mut Ctx, key: &[u8]) -> (Option<&'a Set>, &'a mut Out) {
    let db = &ctx.core.dbs[ctx.client.db];
    let s = db.dict.get(key).and_then(|e| e.val.as_set());
    (s, &mut ctx.client.out)
}

/// The entry at `key` (already looked up for writing) and the reply buffer.
fn entry_out<'a>(ctx: &'a mut Ctx, key: &[u8]) -> (Option<&'a mut Entry>, &'a mut Out) {
    let now = ctx.now;
    let db = &mut ctx.core.dbs[ctx.client.db];
    (db.get_mut(key, now), &mut ctx.client.out)
}

/// The set at `key` for modification; it was checked to be a set.
fn set_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> &'a mut Set {
    ctx.lookup_write(key)
        .and_then(|e| e.val.as_set_mut())
        .expect("checked to be a set")
}

/// Removes a key whose set became empty, with its `del` event.
fn remove_emptied(ctx: &mut Ctx, key: &[u8]) {
    ctx.db().remove(key);
    ctx.notify(Class::GENERIC, "del", key);
}

/// SADD key member [member ...]
fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let max = max_intset(ctx);
    let added = match ctx.lookup_write(key) {
        Some(e) => {
            let s = e.val.as_set_mut().ok_or(error::WRONGTYPE)?;
            argv[2..].iter().filter(|m| s.add(m, max)).count()
        }
        None => {
            let mut s = Set::for_member(argv[2]);
            let n = argv[2..].iter().filter(|m| s.add(m, max)).count();
            let lru = ctx.lru();
            ctx.db().add(key, Value::Set(Arc::new(s)), lru);
            n
        }
    };
    if added > 0 {
        ctx.touched_n(key, added as u64);
        ctx.notify(Class::SET, "sadd", key);
    }
    ctx.out().int(added as i64);
    Ok(())
}

/// SREM key member [member ...]
fn srem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let Some(e) = ctx.lookup_write(key) else {
        ctx.out().int(0);
        return Ok(());
    };
    let s = e.val.as_set_mut().ok_or(error::WRONGTYPE)?;
    let mut deleted = 0;
    for m in &argv[2..] {
        if s.remove(m) {
            deleted += 1;
            if s.is_empty() {
                break;
            }
        }
    }
    let emptied = s.is_empty();
    if deleted > 0 {
        if emptied {
            ctx.db().remove(key);
        }
        ctx.touched_n(key, deleted);
        ctx.notify(Class::SET, "srem", key);
        if emptied {
            ctx.notify(Class::GENERIC, "del", key);
        }
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

/// SMOVE source destination member
fn smove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (src, dst, m) = (argv[1], argv[2], argv[3]);
    let src_kind = ctx.lookup_write(src).map(|e| e.val.as_set().is_some());
    let dst_kind = ctx.lookup_write(dst).map(|e| e.val.as_set().is_some());
    let Some(src_is_set) = src_kind else {
        ctx.out().int(0);
        return Ok(());
    };
    if !src_is_set || dst_kind == Some(false) {
        return Err(error::WRONGTYPE);
    }
    if src == dst {
        let (s, out) = set_out(ctx, src);
        out.int(i64::from(s.is_some_and(|s| s.contains(m))));
        return Ok(());
    }
    let src_set = set_mut(ctx, src);
    if !src_set.remove(m) {
        ctx.out().int(0);
        return Ok(());
    }
    let emptied = src_set.is_empty();
    ctx.notify(Class::SET, "srem", src);
    if emptied {
        remove_emptied(ctx, src);
    }
    let max = max_intset(ctx);
    let added = if dst_kind.is_none() {
        let mut s = Set::for_member(m);
        s.add(m, max);
        let lru = ctx.lru();
        ctx.db().add(dst, Value::Set(Arc::new(s)), lru);
        true
    } else {
        set_mut(ctx, dst).add(m, max)
    };
    ctx.touched(src);
    ctx.touched_n(dst, u64::from(added));
    if added {
        ctx.notify(Class::SET, "sadd", dst);
    }
    ctx.out().int(1);
    Ok(())
}

/// SISMEMBER key member
fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    read_check(ctx, argv[1])?;
    let (s, out) = set_out(ctx, argv[1]);
    out.int(i64::from(s.is_some_and(|s| s.contains(argv[2]))));
    Ok(())
}

/// SMISMEMBER key member [member ...]
fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    read_check(ctx, argv[1])?;
    let (s, out) = set_out(ctx, argv[1]);
    out.array_len(argv.len() - 2);
    for m in &argv[2..] {
        out.int(i64::from(s.is_some_and(|s| s.contains(m))));
    }
    Ok(())
}

/// SCARD key
fn scard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    read_check(ctx, argv[1])?;
    let (s, out) = set_out(ctx, argv[1]);
    out.int(s.map_or(0, |s| s.len()) as i64);
    Ok(())
}

/// SMEMBERS key
fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sinter_generic(ctx, &argv[1..2], Inter::Reply)
}

/// SPOP key [count]
fn spop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 3 {
        return spop_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(error::SYNTAX);
    }
    let key = argv[1];
    if !write_check(ctx, key)? {
        ctx.out().null();
        return Ok(());
    }
    let mut rng = rng(ctx);
    let s = set_mut(ctx, key);
    let m = s.random(&mut rng).expect("sets are never empty").to_vec();
    s.remove(&m);
    let emptied = s.is_empty();
    ctx.notify(Class::SET, "spop", key);
    ctx.out().bulk(&m);
    if emptied {
        remove_emptied(ctx, key);
    }
    ctx.touched(key);
    Ok(())
}

/// SPOP key count
fn spop_count(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let count = match crate::util::num::parse_i64(argv[2]) {
        Some(c) if c >= 0 => c as u64,
        _ => return Err(error::NOT_POSITIVE),
    };
    if !write_check(ctx, key)? || count == 0 {
        ctx.out().set_len(0);
        return Ok(());
    }
    let max = max_intset(ctx);
    let mut rng = rng(ctx);
    let size = set_mut(ctx, key).len() as u64;
    ctx.notify(Class::SET, "spop", key);
    if count >= size {
        // Case 1: the whole set, replied as a union of the one set (whose lookup Redis
        // counts as a keyspace hit).
        ctx.lookup_read(key);
        let (s, out) = set_out(ctx, key);
        let s = s.expect("checked to be a set");
        reply_set(out, &union_of(&[Some(s)], max));
        remove_emptied(ctx, key);
        ctx.touched_n(key, size);
        return Ok(());
    }
    let remaining = size - count;
    let (e, out) = entry_out(ctx, key);
    let e = e.expect("checked to exist");
    let s = e.val.as_set_mut().expect("checked to be a set");
    out.set_len(count as usize);
    if remaining.saturating_mul(SPOP_MOVE_STRATEGY_MUL) > count {
        // Case 2: pop random members one by one.
        for _ in 0..count {
            let m = s.random(&mut rng).expect("non-empty").to_vec();
            out.bulk(&m);
            s.remove(&m);
        }
    } else {
        // Case 3: move the members that stay into a new set, reply with the old one.
        let mut kept: Option<Set> = None;
        for _ in 0..remaining {
            let m = s.random(&mut rng).expect("non-empty").to_vec();
            kept.get_or_insert_with(|| Set::for_member(&m)).add(&m, max);
            s.remove(&m);
        }
        for m in s.iter() {
            bulk_member(out, m);
        }
        e.val = Value::Set(Arc::new(kept.expect("remaining > 0")));
    }
    ctx.touched_n(key, count);
    Ok(())
}

/// SRANDMEMBER key [count]
fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 3 {
        return srandmember_count(ctx, argv);
    }
    if argv.len() > 3 {
        return Err(error::SYNTAX);
    }
    read_check(ctx, argv[1])?;
    let mut rng = rng(ctx);
    let (s, out) = set_out(ctx, argv[1]);
    match s.and_then(|s| s.random(&mut rng)) {
        Some(m) => bulk_member(out, m),
        None => out.null(),
    }
    Ok(())
}

/// SRANDMEMBER key count. Unlike SPOP, Redis 7.0 replies with an array, also in RESP3.
fn srandmember_count(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let l = args::int(argv[2])?;
    if l == i64::MIN {
        return Err(error::SRANDMEMBER_RANGE);
    }
    let (count, uniq) = (l.unsigned_abs(), l >= 0);
    read_check(ctx, argv[1])?;
    let mut rng = rng(ctx);
    let (s, out) = set_out(ctx, argv[1]);
    let Some(s) = s.filter(|_| count > 0) else {
        out.array_len(0);
        return Ok(());
    };
    let size = s.len() as u64;
    if !uniq {
        // Case 1: independent draws, repeats allowed.
        out.array_len(count as usize);
        for _ in 0..count {
            bulk_member(out, s.random(&mut rng).expect("non-empty"));
        }
        return Ok(());
    }
    if count >= size {
        // Case 2: the whole set, in its order.
        out.array_len(s.len());
        for m in s.iter() {
            bulk_member(out, m);
        }
        return Ok(());
    }
    let picked: Vec<Vec<u8>> = if count.saturating_mul(SRANDMEMBER_SUB_STRATEGY_MUL) > size {
        // Case 3: copy everything, drop random members.
        let mut all: Vec<Vec<u8>> = s.iter().map(|m| m.to_vec()).collect();
        while all.len() as u64 > count {
            let i = rng.gen_range(0..all.len());
            all.swap_remove(i);
        }
        all
    } else {
        // Case 4: draw until enough distinct members.
        let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(count as usize);
        let mut order = Vec::with_capacity(count as usize);
        while (order.len() as u64) < count {
            let m = s.random(&mut rng).expect("non-empty").to_vec();
            if seen.insert(m.clone()) {
                order.push(m);
            }
        }
        order
    };
    out.array_len(picked.len());
    for m in &picked {
        out.bulk(m);
    }
    Ok(())
}

/// What `sinter_generic` does with the intersection.
#[derive(Clone, Copy)]
enum Inter<'a> {
    Reply,
    /// SINTERCARD with its LIMIT (0 = none).
    Card(u64),
    Store(&'a [u8]),
}

/// Looks up every key for reading, in order, stopping at the first of another type
/// (WRONGTYPE). Missing keys are empty sets.
fn check_all(ctx: &mut Ctx, keys: &[&[u8]]) -> Result<(), Error> {
    for k in keys {
        read_check(ctx, k)?;
    }
    Ok(())
}

/// The sets at `keys` (checked), `None` for missing keys.
fn sets_at<'a>(db: &'a Db, keys: &[&[u8]]) -> Vec<Option<&'a Set>> {
    keys.iter()
        .map(|k| db.dict.get(*k).and_then(|e| e.val.as_set()))
        .collect()
}

/// Stores a computed set at `dst` (replacing any value and TTL) or, when empty, deletes
/// `dst`; replies with the cardinality. `event` is the keyspace event of a store.
fn store(ctx: &mut Ctx, dst: &[u8], result: Set, event: &str) {
    let n = result.len();
    if n > 0 {
        let lru = ctx.lru_for(dst, false);
        ctx.db().set(dst, Value::Set(Arc::new(result)), false, lru);
        ctx.out().int(n as i64);
        ctx.notify(Class::SET, event, dst);
        ctx.touched(dst);
    } else {
        ctx.out().int(0);
        if ctx.db().remove(dst).is_some() {
            ctx.touched(dst);
            ctx.notify(Class::GENERIC, "del", dst);
        }
    }
}

/// SINTER, SINTERCARD, SINTERSTORE and SMEMBERS (`sinterGenericCommand`).
fn sinter_generic(ctx: &mut Ctx, keys: &[&[u8]], mode: Inter<'_>) -> CmdResult {
    check_all(ctx, keys)?;
    let max = max_intset(ctx);
    let sets = sets_at(&ctx.core.dbs[ctx.client.db], keys);
    let Some(mut sets) = sets.into_iter().collect::<Option<Vec<&Set>>>() else {
        // An intersection with an empty set is empty.
        match mode {
            Inter::Reply => ctx.out().set_len(0),
            Inter::Card(_) => ctx.out().int(0),
            Inter::Store(dst) => {
                if ctx.db().remove(dst).is_some() {
                    ctx.touched(dst);
                    ctx.notify(Class::GENERIC, "del", dst);
                }
                ctx.out().int(0);
            }
        }
        return Ok(());
    };
    sets.sort_by_key(|s| s.len());
    let first = sets[0];
    let in_all = |m: Member<'_>| {
        sets[1..]
            .iter()
            .all(|s| std::ptr::eq(*s, first) || s.contains_member(m))
    };
    match mode {
        Inter::Reply => {
            let out = &mut ctx.client.out;
            let at = out.deferred();
            let mut n = 0;
            for m in first.iter().filter(|m| in_all(*m)) {
                bulk_member(out, m);
                n += 1;
            }
            out.set_deferred(at, b'~', n);
        }
        Inter::Card(limit) => {
            let mut n: u64 = 0;
            for _ in first.iter().filter(|m| in_all(*m)) {
                n += 1;
                if limit > 0 && n >= limit {
                    break;
                }
            }
            ctx.out().int(n as i64);
        }
        Inter::Store(dst) => {
            let mut result = Set::new();
            for m in first.iter().filter(|m| in_all(*m)) {
                result.add_member(m, max);
            }
            store(ctx, dst, result, "sinterstore");
        }
    }
    Ok(())
}

/// The union of `sets` built as Redis does: from an empty intset, set after set.
fn union_of(sets: &[Option<&Set>], max: usize) -> Set {
    let mut result = Set::new();
    for s in sets.iter().flatten() {
        for m in s.iter() {
            result.add_member(m, max);
        }
    }
    result
}

/// `sets[0]` minus the others, with the algorithm Redis would choose (it decides the
/// encoding of the result, hence its order).
fn diff_of(mut sets: Vec<Option<&Set>>, max: usize) -> Set {
    let mut result = Set::new();
    let Some(first) = sets[0] else {
        return result;
    };
    if sets[1..].iter().flatten().any(|s| std::ptr::eq(*s, first)) {
        return result;
    }
    // Algorithm 1 costs |first| per set, halved; algorithm 2 the sum of all sizes.
    let present = sets.iter().flatten().count() as u64;
    let algo_one = present * first.len() as u64 / 2;
    let algo_two: u64 = sets.iter().flatten().map(|s| s.len() as u64).sum();
    if algo_one <= algo_two {
        // Biggest sets first: a member is more likely found early.
        sets[1..].sort_by_key(|s| std::cmp::Reverse(s.map_or(0, |s| s.len())));
        for m in first.iter() {
            if !sets[1..].iter().flatten().any(|s| s.contains_member(m)) {
                result.add_member(m, max);
            }
        }
    } else {
        for m in first.iter() {
            result.add_member(m, max);
        }
        for s in sets[1..].iter().flatten() {
            if result.is_empty() {
                break;
            }
            for m in s.iter() {
                result.remove_member(m);
            }
        }
    }
    result
}

/// SUNION, SDIFF and their STORE forms (`sunionDiffGenericCommand`).
fn sunion_diff_generic(ctx: &mut Ctx, keys: &[&[u8]], dst: Option<&[u8]>, diff: bool) -> CmdResult {
    check_all(ctx, keys)?;
    let max = max_intset(ctx);
    let sets = sets_at(&ctx.core.dbs[ctx.client.db], keys);
    let result = if diff {
        diff_of(sets, max)
    } else {
        union_of(&sets, max)
    };
    match dst {
        None => reply_set(ctx.out(), &result),
        Some(d) => store(
            ctx,
            d,
            result,
            if diff { "sdiffstore" } else { "sunionstore" },
        ),
    }
    Ok(())
}

/// SINTER key [key ...]
fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sinter_generic(ctx, &argv[1..], Inter::Reply)
}

/// SINTERSTORE destination key [key ...]
fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sinter_generic(ctx, &argv[2..], Inter::Store(argv[1]))
}

/// SINTERCARD numkeys key [key ...] [LIMIT limit]
fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let numkeys = match crate::util::num::parse_i64(argv[1]) {
        Some(n) if n >= 1 => n as u64,
        _ => return Err(error::NUMKEYS_NOT_POSITIVE),
    };
    if numkeys > (argv.len() - 2) as u64 {
        return Err(error::NUMKEYS_TOO_MANY);
    }
    let numkeys = numkeys as usize;
    let mut limit = 0u64;
    let mut i = 2 + numkeys;
    while i < argv.len() {
        if args::is(argv[i], "limit") && i + 1 < argv.len() {
            limit = match crate::util::num::parse_i64(argv[i + 1]) {
                Some(l) if l >= 0 => l as u64,
                _ => return Err(error::LIMIT_NEGATIVE),
            };
            i += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    sinter_generic(ctx, &argv[2..2 + numkeys], Inter::Card(limit))
}

/// SUNION key [key ...]
fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[1..], None, false)
}

/// SUNIONSTORE destination key [key ...]
fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), false)
}

/// SDIFF key [key ...]
fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[1..], None, true)
}

/// SDIFFSTORE destination key [key ...]
fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sunion_diff_generic(ctx, &argv[2..], Some(argv[1]), true)
}

/// A SCAN cursor as Redis parses it (`parseScanCursorOrReply`: `strtoul`, base 10): an
/// optional sign (`-` negates modulo 2^64), digits, nothing after them; an empty string is 0;
/// leading spaces and overflow are errors. Like C, it stops at a NUL byte.
pub fn parse_scan_cursor(arg: &[u8]) -> Result<u64, Error> {
    let s = match arg.iter().position(|&b| b == 0) {
        Some(i) => &arg[..i],
        None => arg,
    };
    if s.is_empty() {
        return Ok(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(error::INVALID_CURSOR);
    }
    let mut v: u64 = 0;
    for &d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
            .ok_or(error::INVALID_CURSOR)?;
    }
    Ok(if neg { v.wrapping_neg() } else { v })
}

/// SSCAN key cursor [MATCH pattern] [COUNT count]
fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = parse_scan_cursor(argv[2])?;
    if !read_check(ctx, argv[1])? {
        ctx.out().raw(b"*2\r\n$1\r\n0\r\n*0\r\n");
        return Ok(());
    }
    let mut count: i64 = 10;
    let mut pattern: Option<&[u8]> = None;
    let mut i = 3;
    while i < argv.len() {
        let more = i + 1 < argv.len();
        if args::is(argv[i], "count") && more {
            count = args::int(argv[i + 1])?;
            if count < 1 {
                return Err(error::SYNTAX);
            }
        } else if args::is(argv[i], "match") && more {
            pattern = Some(argv[i + 1]).filter(|p| *p != &b"*"[..]);
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    let (s, out) = set_out(ctx, argv[1]);
    let s = s.expect("checked to be a set");
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut next = cursor;
    if s.as_intset().is_some() {
        next = s.scan(0, |m| found.push(m.to_vec()));
    } else {
        let mut budget = count.saturating_mul(10);
        loop {
            next = s.scan(next, |m| found.push(m.to_vec()));
            if next == 0 || budget == 0 || found.len() as i64 >= count {
                break;
            }
            budget -= 1;
        }
    }
    if let Some(p) = pattern {
        found.retain(|m| glob::string_match(p, m, false));
    }
    out.array_len(2);
    let mut tmp = Vec::with_capacity(20);
    crate::util::num::write_u64(next, &mut tmp);
    out.bulk(&tmp);
    out.array_len(found.len());
    for m in &found {
        out.bulk(m);
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::SADD, sadd),
    Command::new(&meta::SREM, srem),
    Command::new(&meta::SMOVE, smove),
    Command::new(&meta::SISMEMBER, sismember),
    Command::new(&meta::SMISMEMBER, smismember),
    Command::new(&meta::SCARD, scard),
    Command::new(&meta::SMEMBERS, smembers),
    Command::new(&meta::SPOP, spop),
    Command::new(&meta::SRANDMEMBER, srandmember),
    Command::new(&meta::SINTER, sinter),
    Command::new(&meta::SINTERCARD, sintercard),
    Command::new(&meta::SINTERSTORE, sinterstore),
    Command::new(&meta::SUNION, sunion),
    Command::new(&meta::SUNIONSTORE, sunionstore),
    Command::new(&meta::SDIFF, sdiff),
    Command::new(&meta::SDIFFSTORE, sdiffstore),
    Command::new(&meta::SSCAN, sscan),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_cursor_parses_like_strtoul() {
        assert_eq!(parse_scan_cursor(b"0"), Ok(0));
        assert_eq!(parse_scan_cursor(b""), Ok(0));
        assert_eq!(parse_scan_cursor(b"+7"), Ok(7));
        assert_eq!(parse_scan_cursor(b"007"), Ok(7));
        assert_eq!(parse_scan_cursor(b"-1"), Ok(u64::MAX));
        assert_eq!(parse_scan_cursor(b"18446744073709551615"), Ok(u64::MAX));
        assert_eq!(parse_scan_cursor(b"5\x00x"), Ok(5));
        for bad in [
            &b"18446744073709551616"[..],
            b" 1",
            b"1 ",
            b"x",
            b"-",
            b"+",
            b"0x10",
        ] {
            assert_eq!(
                parse_scan_cursor(bad),
                Err(error::INVALID_CURSOR),
                "{bad:?}"
            );
        }
    }
}
