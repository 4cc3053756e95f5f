//! List commands (Redis `t_list.c`): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LINDEX LRANGE
//! LSET LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP, and the blocking BLPOP BRPOP BLMOVE
//! BRPOPLPUSH BLMPOP (which block through [`crate::blocking`] and are served by
//! [`serve_blocked`]).
//!
//! Every write reports `ctx.touched` and the keyspace events t_list.c publishes (`lpush`,
//! `rpush`, `lpop`, `rpop`, `linsert`, `lset`, `lrem`, `ltrim`, and `del` when a list is
//! emptied: Redis never keeps an empty list).

use super::args::{self, clamp_range, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::blocking::{self, BlockOp};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::list::{End, List};
use crate::types::listpack::LpEntry;
use crate::types::value::Value;
use std::sync::Arc;

// ---------------------------------------------------------------------------------------
// Helpers

/// The list under `key` for writing; `Ok(None)` when missing, WRONGTYPE for another type.
/// Expires lazily and feeds a running snapshot (`lookup_write`).
fn write_list<'c>(ctx: &'c mut Ctx, key: &[u8]) -> Result<Option<&'c mut List>, Error> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(e) => match e.val {
            Value::List(_) => Ok(e.val.as_list_mut()),
            _ => Err(error::WRONGTYPE),
        },
    }
}

/// True if `key` exists (expiring it lazily); WRONGTYPE if it is not a list.
fn list_exists(ctx: &mut Ctx, key: &[u8]) -> Result<bool, Error> {
    match ctx.lookup_write(key) {
        None => Ok(false),
        Some(e) => match e.val {
            Value::List(_) => Ok(true),
            _ => Err(error::WRONGTYPE),
        },
    }
}

/// Reads the list under `key` with read statistics (`lookupKeyRead`), then hands it and the
/// reply buffer to `f`. `Ok(false)` when the key is missing.
fn with_read_list(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&List, &mut Out),
) -> Result<bool, Error> {
    match ctx.lookup_read(key) {
        None => return Ok(false),
        Some(e) if e.val.as_list().is_none() => return Err(error::WRONGTYPE),
        Some(_) => {}
    }
    let (db, out) = ctx.db_out();
    let list = db
        .dict
        .get(key)
        .and_then(|e| e.val.as_list())
        .expect("looked up above");
    f(list, out);
    Ok(true)
}

fn reply_entry(out: &mut Out, e: LpEntry<'_>) {
    match e {
        LpEntry::Int(v) => out.bulk_int(v),
        LpEntry::Str(s) => out.bulk(s),
    }
}

fn end_name(end: End, pop: bool) -> &'static str {
    match (end, pop) {
        (End::Head, true) => "lpop",
        (End::Tail, true) => "rpop",
        (End::Head, false) => "lpush",
        (End::Tail, false) => "rpush",
    }
}

/// `getListPositionFromObjectOrReply`: LEFT or RIGHT.
fn parse_end(arg: &[u8]) -> Result<End, Error> {
    if is(arg, "left") {
        Ok(End::Head)
    } else if is(arg, "right") {
        Ok(End::Tail)
    } else {
        Err(error::SYNTAX)
    }
}

/// A `long` argument (`getLongFromObjectOrReply`).
fn long(arg: &[u8]) -> Result<i64, Error> {
    args::int(arg)
}

/// Deletes `key` if its list is now empty, with the `del` event (`listElementsRemoved`).
fn delete_if_empty(ctx: &mut Ctx, key: &[u8]) -> bool {
    let now = ctx.now;
    let empty = ctx
        .db()
        .get(key, now)
        .and_then(|e| e.val.as_list())
        .is_some_and(|l| l.is_empty());
    if empty {
        ctx.db().remove(key);
        ctx.notify(Class::GENERIC, "del", key);
    }
    empty
}

/// After popping `n` elements from `end` of `key`: events, deletion, WATCH and dirty
/// (`listElementsRemoved`).
fn elements_removed(ctx: &mut Ctx, key: &[u8], end: End, n: usize) {
    ctx.notify(Class::LIST, end_name(end, true), key);
    delete_if_empty(ctx, key);
    ctx.touched_n(key, n as u64);
}

/// Pushes `value` onto `end` of the list at `key`, creating it; WRONGTYPE is checked by the
/// caller. Reports the push (`lmoveHandlePush` without the reply).
fn push_one(ctx: &mut Ctx, key: &[u8], value: &[u8], end: End) {
    let fill = ctx.core.config.list_max_listpack_size;
    match write_list(ctx, key) {
        Ok(Some(l)) => l.push(value, end),
        _ => {
            let mut l = List::new(fill);
            l.push(value, end);
            let lru = ctx.lru();
            ctx.db().add(key, Value::List(Arc::new(l)), lru);
        }
    }
    ctx.touched_n(key, 0);
    ctx.notify(Class::LIST, end_name(end, false), key);
}

/// Pops up to `count` elements from `end` (in pop order).
fn pop_n(list: &mut List, end: End, count: usize) -> Vec<Vec<u8>> {
    let n = count.min(list.len());
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        if let Some(x) = list.pop(end) {
            v.push(x);
        }
    }
    v
}

fn reply_bulks(out: &mut Out, items: &[Vec<u8>]) {
    out.array_len(items.len());
    for i in items {
        out.bulk(i);
    }
}

// ---------------------------------------------------------------------------------------
// Push

fn push_generic(ctx: &mut Ctx, argv: &[&[u8]], end: End, create: bool) -> CmdResult {
    let key = argv[1];
    let exists = list_exists(ctx, key)?;
    if !exists && !create {
        ctx.out().int(0);
        return Ok(());
    }
    let len = if exists {
        let l = write_list(ctx, key)?.expect("exists");
        for v in &argv[2..] {
            l.push(v, end);
        }
        l.len()
    } else {
        let mut l = List::new(ctx.core.config.list_max_listpack_size);
        for v in &argv[2..] {
            l.push(v, end);
        }
        let len = l.len();
        let lru = ctx.lru();
        ctx.db().add(key, Value::List(Arc::new(l)), lru);
        len
    };
    ctx.out().int(len as i64);
    ctx.touched_n(key, (argv.len() - 2) as u64);
    ctx.notify(Class::LIST, end_name(end, false), key);
    Ok(())
}

/// LPUSH key element [element ...]
fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push_generic(ctx, argv, End::Head, true)
}

/// RPUSH key element [element ...]
fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push_generic(ctx, argv, End::Tail, true)
}

/// LPUSHX key element [element ...]
fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push_generic(ctx, argv, End::Head, false)
}

/// RPUSHX key element [element ...]
fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    push_generic(ctx, argv, End::Tail, false)
}

// ---------------------------------------------------------------------------------------
// Pop

fn pop_generic(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> CmdResult {
    if argv.len() > 3 {
        return Err(Error::wrong_args(ctx.cmd.meta.name));
    }
    let count = match argv.get(2) {
        Some(a) => match args::int(a) {
            Ok(n) if n >= 0 => Some(n),
            _ => return Err(error::NOT_POSITIVE),
        },
        None => None,
    };
    let key = argv[1];
    let Some(list) = write_list(ctx, key)? else {
        match count {
            Some(_) => ctx.out().null_array(),
            None => ctx.out().null(),
        }
        return Ok(());
    };
    match count {
        Some(0) => ctx.out().array_len(0),
        None => {
            let v = list.pop(end).unwrap_or_default();
            ctx.out().bulk(&v);
            elements_removed(ctx, key, end, 1);
        }
        Some(n) => {
            let items = pop_n(list, end, n as usize);
            reply_bulks(ctx.out(), &items);
            elements_removed(ctx, key, end, items.len());
        }
    }
    Ok(())
}

/// LPOP key [count]
fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    pop_generic(ctx, argv, End::Head)
}

/// RPOP key [count]
fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    pop_generic(ctx, argv, End::Tail)
}

// ---------------------------------------------------------------------------------------
// Reads

/// LLEN key
fn llen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut n = 0;
    with_read_list(ctx, argv[1], |l, _| n = l.len())?;
    ctx.out().int(n as i64);
    Ok(())
}

/// LINDEX key index
fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut found = None;
    let mut bad_index = false;
    let exists = with_read_list(ctx, argv[1], |l, _| match args::int(argv[2]) {
        Ok(i) => found = l.get(i),
        Err(_) => bad_index = true,
    })?;
    if bad_index {
        return Err(error::NOT_INTEGER);
    }
    match (exists, found) {
        (true, Some(e)) => reply_entry(ctx.out(), e.as_entry()),
        _ => ctx.out().null(),
    }
    Ok(())
}

/// LRANGE key start stop
fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let start = long(argv[2])?;
    let end = long(argv[3])?;
    let exists = with_read_list(ctx, argv[1], |l, out| {
        match clamp_range(start, end, l.len()) {
            None => out.array_len(0),
            Some((s, e)) => {
                out.array_len(e - s + 1);
                for x in l.range(s, e) {
                    reply_entry(out, x);
                }
            }
        }
    })?;
    if !exists {
        ctx.out().array_len(0);
    }
    Ok(())
}

/// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let ele = argv[2];
    let (mut rank, mut count, mut maxlen) = (1i64, -1i64, 0i64);
    let mut j = 3;
    while j < argv.len() {
        let more = j + 1 < argv.len();
        if is(argv[j], "rank") && more {
            j += 1;
            rank = args::int(argv[j])?;
            if rank == 0 {
                return Err(error::LPOS_RANK_ZERO);
            }
        } else if is(argv[j], "count") && more {
            j += 1;
            count = args::int_or(argv[j], error::LPOS_COUNT_NEGATIVE)?;
            if count < 0 {
                return Err(error::LPOS_COUNT_NEGATIVE);
            }
        } else if is(argv[j], "maxlen") && more {
            j += 1;
            maxlen = args::int_or(argv[j], error::LPOS_MAXLEN_NEGATIVE)?;
            if maxlen < 0 {
                return Err(error::LPOS_MAXLEN_NEGATIVE);
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let from_tail = rank < 0;
    // Redis negates LLONG_MIN in place (it stays negative): every match then qualifies.
    let rank = if rank == i64::MIN {
        1
    } else {
        rank.unsigned_abs()
    };
    let maxlen = maxlen as u64;
    let exists = with_read_list(ctx, argv[1], |l, out| {
        let len = l.len() as u64;
        let mut hits: Vec<u64> = Vec::new();
        let mut matches = 0u64;
        let mut scan = |idx: u64, e: LpEntry<'_>| -> bool {
            if maxlen != 0 && idx >= maxlen {
                return false;
            }
            if e.eq_bytes(ele) {
                matches += 1;
                if matches >= rank {
                    hits.push(if from_tail { len - idx - 1 } else { idx });
                    if count == -1 || (count != 0 && hits.len() as i64 >= count) {
                        return false;
                    }
                }
            }
            true
        };
        if from_tail {
            for (i, e) in l.iter_rev().enumerate() {
                if !scan(i as u64, e) {
                    break;
                }
            }
        } else {
            for (i, e) in l.iter().enumerate() {
                if !scan(i as u64, e) {
                    break;
                }
            }
        }
        if count != -1 {
            out.array_len(hits.len());
            for h in hits {
                out.int(h as i64);
            }
        } else {
            match hits.first() {
                Some(&h) => out.int(h as i64),
                None => out.null(),
            }
        }
    })?;
    if !exists {
        if count != -1 {
            ctx.out().array_len(0);
        } else {
            ctx.out().null();
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// In-place edits

/// LSET key index element
fn lset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    if !list_exists(ctx, key)? {
        return Err(error::NO_SUCH_KEY);
    }
    let index = long(argv[2])?;
    let l = write_list(ctx, key)?.expect("exists");
    if !l.set(index, argv[3]) {
        return Err(error::INDEX_OUT_OF_RANGE);
    }
    ctx.out().ok();
    ctx.touched(key);
    ctx.notify(Class::LIST, "lset", key);
    Ok(())
}

/// LINSERT key BEFORE|AFTER pivot element
fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let after = if is(argv[2], "after") {
        true
    } else if is(argv[2], "before") {
        false
    } else {
        return Err(error::SYNTAX);
    };
    let key = argv[1];
    if !list_exists(ctx, key)? {
        ctx.out().int(0);
        return Ok(());
    }
    // Find the pivot on a shared view first, so a miss does not copy a snapshotted list.
    let pivot = ctx
        .db()
        .dict
        .get(key)
        .and_then(|e| e.val.as_list())
        .and_then(|l| l.iter().position(|e| e.eq_bytes(argv[3])));
    let Some(i) = pivot else {
        ctx.out().int(-1);
        return Ok(());
    };
    let l = write_list(ctx, key)?.expect("exists");
    l.insert_at(i, after, argv[4]);
    let len = l.len();
    ctx.touched(key);
    ctx.notify(Class::LIST, "linsert", key);
    ctx.out().int(len as i64);
    Ok(())
}

/// LREM key count element
fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let count = long(argv[2])?;
    let key = argv[1];
    if !list_exists(ctx, key)? {
        ctx.out().int(0);
        return Ok(());
    }
    let l = write_list(ctx, key)?.expect("exists");
    let limit = usize::try_from(count.unsigned_abs()).unwrap_or(usize::MAX);
    let removed = l.remove_matching(argv[3], limit, count < 0);
    if removed > 0 {
        ctx.touched_n(key, removed as u64);
        ctx.notify(Class::LIST, "lrem", key);
    }
    delete_if_empty(ctx, key);
    ctx.out().int(removed as i64);
    Ok(())
}

/// LTRIM key start stop
fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let start = long(argv[2])?;
    let end = long(argv[3])?;
    let key = argv[1];
    if !list_exists(ctx, key)? {
        ctx.out().ok();
        return Ok(());
    }
    let l = write_list(ctx, key)?.expect("exists");
    let len = l.len();
    let (ltrim, rtrim) = match clamp_range(start, end, len) {
        None => (len, 0),
        Some((s, e)) => (s, len - e - 1),
    };
    l.remove_range(l.len() - rtrim, rtrim);
    l.remove_range(0, ltrim);
    ctx.notify(Class::LIST, "ltrim", key);
    delete_if_empty(ctx, key);
    ctx.touched_n(key, (ltrim + rtrim) as u64);
    ctx.out().ok();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Moves and multi-key pops

/// LMOVE's body once `src` is known to hold a non-empty list (`lmoveGenericCommand`).
fn lmove_generic(ctx: &mut Ctx, src: &[u8], dst: &[u8], from: End, to: End) -> CmdResult {
    let Some(_) = write_list(ctx, src)? else {
        ctx.out().null();
        return Ok(());
    };
    list_exists(ctx, dst)?;
    let v = write_list(ctx, src)?
        .and_then(|l| l.pop(from))
        .unwrap_or_default();
    push_one(ctx, dst, &v, to);
    ctx.out().bulk(&v);
    ctx.notify(Class::LIST, end_name(from, true), src);
    delete_if_empty(ctx, src);
    ctx.touched(src);
    Ok(())
}

/// LMOVE source destination LEFT|RIGHT LEFT|RIGHT
fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let from = parse_end(argv[3])?;
    let to = parse_end(argv[4])?;
    lmove_generic(ctx, argv[1], argv[2], from, to)
}

/// RPOPLPUSH source destination
fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    lmove_generic(ctx, argv[1], argv[2], End::Tail, End::Head)
}

/// LMPOP/BLMPOP arguments after the optional timeout: numkeys key... LEFT|RIGHT [COUNT n].
fn parse_mpop<'a>(
    argv: &[&'a [u8]],
    numkeys_idx: usize,
) -> Result<(Vec<&'a [u8]>, End, usize), Error> {
    let numkeys = match args::int(argv[numkeys_idx]) {
        Ok(n) if n >= 1 => n as u64,
        _ => return Err(error::NUMKEYS_NOT_POSITIVE),
    };
    let where_idx = (numkeys_idx as u64)
        .saturating_add(numkeys)
        .saturating_add(1);
    if where_idx >= argv.len() as u64 {
        return Err(error::SYNTAX);
    }
    let where_idx = where_idx as usize;
    let end = parse_end(argv[where_idx])?;
    let mut count = None;
    let mut j = where_idx + 1;
    while j < argv.len() {
        if count.is_none() && is(argv[j], "count") && j + 1 < argv.len() {
            j += 1;
            match args::int(argv[j]) {
                Ok(n) if n >= 1 => count = Some(n as usize),
                _ => return Err(error::COUNT_NOT_POSITIVE),
            }
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok((
        argv[numkeys_idx + 1..where_idx].to_vec(),
        end,
        count.unwrap_or(1),
    ))
}

/// Pops up to `count` from the first non-empty list among `keys` and replies
/// `[key, [elements]]`; `Ok(false)` if every key was missing.
fn mpop_first(ctx: &mut Ctx, keys: &[&[u8]], end: End, count: usize) -> Result<bool, Error> {
    for key in keys {
        let Some(l) = write_list(ctx, key)? else {
            continue;
        };
        if l.is_empty() {
            continue;
        }
        let items = pop_n(l, end, count);
        let out = ctx.out();
        out.array_len(2);
        out.bulk(key);
        reply_bulks(out, &items);
        elements_removed(ctx, key, end, items.len());
        return Ok(true);
    }
    Ok(false)
}

/// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, end, count) = parse_mpop(argv, 1)?;
    if !mpop_first(ctx, &keys, end, count)? {
        ctx.out().null_array();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Blocking variants

/// BLPOP/BRPOP: pops from the first non-empty key, else blocks.
fn bpop_generic(ctx: &mut Ctx, argv: &[&[u8]], end: End) -> CmdResult {
    let deadline = blocking::parse_timeout(argv[argv.len() - 1], ctx.now)?;
    let keys = &argv[1..argv.len() - 1];
    for key in keys {
        let Some(l) = write_list(ctx, key)? else {
            continue;
        };
        let Some(v) = l.pop(end) else {
            continue;
        };
        let out = ctx.out();
        out.array_len(2);
        out.bulk(key);
        out.bulk(&v);
        elements_removed(ctx, key, end, 1);
        return Ok(());
    }
    if !blocking::can_block(ctx) {
        ctx.out().null_array();
        return Ok(());
    }
    blocking::block(
        ctx,
        keys,
        deadline,
        BlockOp::ListPop {
            from: end,
            count: None,
        },
    );
    Ok(())
}

/// BLPOP key [key ...] timeout
fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bpop_generic(ctx, argv, End::Head)
}

/// BRPOP key [key ...] timeout
fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bpop_generic(ctx, argv, End::Tail)
}

/// BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count]
fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (keys, end, count) = parse_mpop(argv, 2)?;
    let deadline = blocking::parse_timeout(argv[1], ctx.now)?;
    if mpop_first(ctx, &keys, end, count)? {
        return Ok(());
    }
    if !blocking::can_block(ctx) {
        ctx.out().null_array();
        return Ok(());
    }
    blocking::block(
        ctx,
        &keys,
        deadline,
        BlockOp::ListPop {
            from: end,
            count: Some(count),
        },
    );
    Ok(())
}

fn blmove_generic(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    from: End,
    to: End,
    deadline: Option<i64>,
) -> CmdResult {
    let (src, dst) = (argv[1], argv[2]);
    if list_exists(ctx, src)? {
        return lmove_generic(ctx, src, dst, from, to);
    }
    if !blocking::can_block(ctx) {
        ctx.out().null();
        return Ok(());
    }
    blocking::block(
        ctx,
        &[src],
        deadline,
        BlockOp::ListMove {
            from,
            to,
            dst: dst.to_vec(),
        },
    );
    Ok(())
}

/// BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout
fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let from = parse_end(argv[3])?;
    let to = parse_end(argv[4])?;
    let deadline = blocking::parse_timeout(argv[5], ctx.now)?;
    blmove_generic(ctx, argv, from, to, deadline)
}

/// BRPOPLPUSH source destination timeout
fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let deadline = blocking::parse_timeout(argv[3], ctx.now)?;
    blmove_generic(ctx, argv, End::Tail, End::Head, deadline)
}

/// Serves a client blocked by one of the commands above now that `key` holds a list
/// (Redis `serveClientBlockedOnList`). Called by [`crate::blocking`] with the blocked
/// client in `ctx`. BLMOVE onto a key of another type answers WRONGTYPE (the client is
/// unblocked and nothing moves).
pub fn serve_blocked(ctx: &mut Ctx, key: &[u8], op: &BlockOp) -> CmdResult {
    match op {
        BlockOp::ListPop { from, count: None } => {
            let Some(v) = write_list(ctx, key)?.and_then(|l| l.pop(*from)) else {
                return Ok(());
            };
            let out = ctx.out();
            out.array_len(2);
            out.bulk(key);
            out.bulk(&v);
            ctx.notify(Class::LIST, end_name(*from, true), key);
            delete_if_empty(ctx, key);
        }
        BlockOp::ListPop {
            from,
            count: Some(n),
        } => {
            mpop_first(ctx, &[key], *from, *n)?;
        }
        BlockOp::ListMove { from, to, dst } => {
            list_exists(ctx, dst)?;
            let Some(v) = write_list(ctx, key)?.and_then(|l| l.pop(*from)) else {
                return Ok(());
            };
            push_one(ctx, dst, &v, *to);
            ctx.out().bulk(&v);
            ctx.notify(Class::LIST, end_name(*from, true), key);
            delete_if_empty(ctx, key);
        }
        // Other types' operations are served by their own groups.
        _ => {}
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::LPUSH, lpush),
    Command::new(&meta::RPUSH, rpush),
    Command::new(&meta::LPUSHX, lpushx),
    Command::new(&meta::RPUSHX, rpushx),
    Command::new(&meta::LPOP, lpop),
    Command::new(&meta::RPOP, rpop),
    Command::new(&meta::LLEN, llen),
    Command::new(&meta::LINDEX, lindex),
    Command::new(&meta::LRANGE, lrange),
    Command::new(&meta::LSET, lset),
    Command::new(&meta::LINSERT, linsert),
    Command::new(&meta::LREM, lrem),
    Command::new(&meta::LTRIM, ltrim),
    Command::new(&meta::LPOS, lpos),
    Command::new(&meta::LMOVE, lmove),
    Command::new(&meta::RPOPLPUSH, rpoplpush),
    Command::new(&meta::LMPOP, lmpop),
    Command::new(&meta::BLPOP, blpop),
    Command::new(&meta::BRPOP, brpop),
    Command::new(&meta::BLMOVE, blmove),
    Command::new(&meta::BRPOPLPUSH, brpoplpush),
    Command::new(&meta::BLMPOP, blmpop),
];
