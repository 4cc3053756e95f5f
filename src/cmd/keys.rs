//! Generic keyspace commands (Redis `db.c`, `expire.c`, `object.c`): DEL UNLINK EXISTS TYPE
//! KEYS SCAN RANDOMKEY RENAME RENAMENX MOVE COPY TOUCH, the EXPIRE and TTL families,
//! PERSIST, and OBJECT. (SWAPDB lives with the other database-wide commands in `server.rs`.)
//!
//! Lookups follow Redis's flags: TYPE, EXISTS, TTL and OBJECT do not refresh a key's access
//! time (`LOOKUP_NOTOUCH`); every lookup deletes an expired key (reported as `expired` by
//! the command path). Each write signals the key (`ctx.touched`) and publishes the keyspace
//! event Redis does (`del`, `rename_from`/`rename_to`, `expire`, `persist`,
//! `move_from`/`move_to`, `copy_to`).

use super::args::{self, is};
use super::error::{self, Error};
use super::server::reply_help;
use super::{meta, CmdResult, Command, Ctx};
use crate::db::keyspace::Entry;
use crate::db::lfu;
use crate::notify::Class;
use crate::types::value::{Str, Value};
use crate::util::glob::string_match;
use std::sync::Arc;

/// DEL key [key ...]
fn del(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut n = 0;
    for k in &argv[1..] {
        let now = ctx.now;
        let db = ctx.db();
        db.expire_if_needed(k, now);
        if db.remove(k).is_some() {
            n += 1;
            ctx.touched(k);
            ctx.notify(Class::GENERIC, "del", k);
        }
    }
    ctx.out().int(n);
    Ok(())
}

/// EXISTS key [key ...] — a key named twice counts twice.
fn exists(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.lookup_read_flags(k, false).is_some() {
            n += 1;
        }
    }
    ctx.out().int(n);
    Ok(())
}

/// TOUCH key [key ...] — refreshes the access time of the keys that exist.
fn touch(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut n = 0;
    for k in &argv[1..] {
        if ctx.lookup_read(k).is_some() {
            n += 1;
        }
    }
    ctx.out().int(n);
    Ok(())
}

/// TYPE key
fn type_(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let t = ctx
        .lookup_read_flags(argv[1], false)
        .map(|e| e.val.type_name())
        .unwrap_or("none");
    ctx.out().simple(t.as_bytes());
    Ok(())
}

/// KEYS pattern — skips expired keys without deleting them, as Redis does.
fn keys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let pat = argv[1];
    let all = pat == b"*";
    let now = ctx.now;
    let (db, out) = ctx.db_out();
    let d = out.deferred();
    let mut n = 0;
    for (k, _) in db.dict.iter() {
        if (all || string_match(pat, k, false)) && !db.is_expired(k, now) {
            out.bulk(k);
            n += 1;
        }
    }
    out.set_deferred(d, b'*', n);
    Ok(())
}

/// SCAN's options after the cursor (Redis `scanGenericCommand`).
struct ScanOpts<'a> {
    count: i64,
    /// None for no pattern or `*`.
    pattern: Option<&'a [u8]>,
    type_name: Option<&'a [u8]>,
}

fn scan_opts<'a>(argv: &[&'a [u8]]) -> Result<ScanOpts<'a>, Error> {
    let mut o = ScanOpts {
        count: 10,
        pattern: None,
        type_name: None,
    };
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - i >= 2;
        if is(argv[i], "count") && more {
            o.count = args::int(argv[i + 1])?;
            if o.count < 1 {
                return Err(error::SYNTAX);
            }
        } else if is(argv[i], "match") && more {
            o.pattern = Some(argv[i + 1]).filter(|p| *p != b"*");
        } else if is(argv[i], "type") && more {
            o.type_name = Some(argv[i + 1]);
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    Ok(o)
}

/// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
///
/// Walks the keyspace table with its reverse-binary cursor (Redis `dictScan`), so every key
/// present for a whole iteration is returned at least once even while the table grows,
/// shrinks or rehashes. As in Redis, up to COUNT keys are collected (at most 10×COUNT
/// steps), then filtered by pattern, by type (a lookup of each key, counted in the
/// keyspace stats) and by expiry (expired keys are deleted).
fn scan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut cursor = super::set::parse_scan_cursor(argv[1])?;
    let o = scan_opts(argv)?;

    let mut found: Vec<Vec<u8>> = Vec::new();
    let db = ctx.db();
    let mut budget = o.count.saturating_mul(10);
    loop {
        cursor = db.dict.scan(cursor, |k, _| found.push(k.to_vec()));
        if cursor == 0 || budget == 0 {
            break;
        }
        budget -= 1;
        if found.len() as i64 >= o.count {
            break;
        }
    }

    let now = ctx.now;
    found.retain(|k| {
        if o.pattern.is_some_and(|p| !string_match(p, k, false)) {
            return false;
        }
        if let Some(t) = o.type_name {
            let actual = ctx
                .lookup_read_flags(k, false)
                .map(|e| e.val.type_name())
                .unwrap_or("none");
            if !t.eq_ignore_ascii_case(actual.as_bytes()) {
                return false;
            }
        }
        !ctx.db().expire_if_needed(k, now)
    });

    let out = ctx.out();
    out.array_len(2);
    out.bulk(cursor.to_string().as_bytes());
    out.array_len(found.len());
    for k in &found {
        out.bulk(k);
    }
    Ok(())
}

/// RANDOMKEY
fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now;
    let dbi = ctx.client.db;
    let core = &mut *ctx.core;
    match core.dbs[dbi].random_key(now, &mut core.rng) {
        Some(k) => ctx.out().bulk(&k),
        None => ctx.out().null(),
    }
    Ok(())
}

/// RENAME key newkey / RENAMENX key newkey. The value keeps its TTL.
fn rename_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> CmdResult {
    let (src, dst) = (argv[1], argv[2]);
    if ctx.lookup_write(src).is_none() {
        return Err(error::NO_SUCH_KEY);
    }
    if src == dst {
        // Nothing to do, but the key had to exist.
        if nx {
            ctx.out().int(0);
        } else {
            ctx.out().ok();
        }
        return Ok(());
    }
    if ctx.lookup_write(dst).is_some() {
        if nx {
            ctx.out().int(0);
            return Ok(());
        }
        ctx.db().remove(dst);
    }
    let db = ctx.db();
    let expire = db.expire_of(src);
    let Some(e) = db.remove(src) else {
        return Err(error::NO_SUCH_KEY);
    };
    db.add(dst, e.val, e.lru);
    if let Some(t) = expire {
        db.set_expire(dst, t);
    }
    ctx.touched(src);
    ctx.touched_n(dst, 0);
    ctx.notify(Class::GENERIC, "rename_from", src);
    ctx.notify(Class::GENERIC, "rename_to", dst);
    if nx {
        ctx.out().int(1);
    } else {
        ctx.out().ok();
    }
    Ok(())
}

/// RENAME key newkey
fn rename(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, argv, false)
}

/// RENAMENX key newkey
fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    rename_generic(ctx, argv, true)
}

/// A database index argument of MOVE and COPY (`getIntFromObjectOrReply` + `selectDb`).
fn db_arg(ctx: &Ctx, arg: &[u8]) -> Result<usize, Error> {
    let v = args::int(arg)?;
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        return Err(error::INT_RANGE);
    }
    if v < 0 || v >= ctx.core.dbs.len() as i64 {
        return Err(error::DB_INDEX);
    }
    Ok(v as usize)
}

/// MOVE key db
fn move_(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let dst = db_arg(ctx, argv[2])?;
    let src = ctx.client.db;
    if src == dst {
        return Err(error::SAME_OBJECT);
    }
    if ctx.lookup_write(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let now = ctx.now;
    if ctx.core.dbs[dst].contains(key, now) {
        ctx.out().int(0);
        return Ok(());
    }
    let expire = ctx.core.dbs[src].expire_of(key);
    let Some(e) = ctx.core.dbs[src].remove(key) else {
        ctx.out().int(0);
        return Ok(());
    };
    let to = &mut ctx.core.dbs[dst];
    to.add(key, e.val, e.lru);
    if let Some(t) = expire {
        to.set_expire(key, t);
    }
    ctx.touched(key);
    ctx.core.key_modified(dst, key);
    ctx.notify(Class::GENERIC, "move_from", key);
    ctx.core.notify(Class::GENERIC, "move_to", key, dst);
    ctx.out().int(1);
    Ok(())
}

/// An independent copy of a value (Redis `dupStringObject`, `listTypeDup`, `setTypeDup`,
/// `zsetDup`, `hashTypeDup`, `streamDup`): collections are copied, not shared, and keep their encoding.
fn dup(v: &Value) -> Value {
    match v {
        Value::Str(s) => Value::Str(s.clone()),
        Value::List(l) => Value::List(Arc::new((**l).clone())),
        Value::Hash(h) => Value::Hash(Arc::new((**h).clone())),
        Value::Set(s) => Value::Set(Arc::new((**s).clone())),
        Value::ZSet(z) => Value::ZSet(Arc::new((**z).clone())),
        // Redis `streamDup`: entries, IDs and consumer groups with their PELs.
        Value::Stream(x) => Value::Stream(Arc::new((**x).clone())),
    }
}

/// COPY source destination [DB destination-db] [REPLACE]
fn copy(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, newkey) = (argv[1], argv[2]);
    let src = ctx.client.db;
    let mut dst = src;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        if is(argv[j], "replace") {
            replace = true;
        } else if is(argv[j], "db") && j + 1 < argv.len() {
            dst = db_arg(ctx, argv[j + 1])?;
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if src == dst && key == newkey {
        return Err(error::SAME_OBJECT);
    }
    let Some(e) = ctx.lookup_read(key) else {
        ctx.out().int(0);
        return Ok(());
    };
    let val = dup(&e.val);
    let expire = ctx.db().expire_of(key);
    let now = ctx.now;
    let lru = ctx.lru();
    let to = &mut ctx.core.dbs[dst];
    if let Some(existing) = to.get_mut(newkey, now) {
        if !replace {
            existing.lru = lru;
            ctx.out().int(0);
            return Ok(());
        }
        to.remove(newkey);
    }
    to.add(newkey, val, lru);
    if let Some(t) = expire {
        to.set_expire(newkey, t);
    }
    ctx.core.dirty += 1;
    ctx.core.key_modified(dst, newkey);
    ctx.core.notify(Class::GENERIC, "copy_to", newkey, dst);
    ctx.out().int(1);
    Ok(())
}

/// Options of the EXPIRE family.
#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

/// Redis's `parseExtendedExpireArgumentsOrReply`.
fn expire_flags(argv: &[&[u8]]) -> Result<ExpireFlags, Error> {
    let mut f = ExpireFlags::default();
    for a in &argv[3..] {
        if is(a, "nx") {
            f.nx = true;
        } else if is(a, "xx") {
            f.xx = true;
        } else if is(a, "gt") {
            f.gt = true;
        } else if is(a, "lt") {
            f.lt = true;
        } else {
            let mut m = b"Unsupported option ".to_vec();
            m.extend_from_slice(error::c_str(a));
            return Err(Error::err(m));
        }
    }
    if f.nx && (f.xx || f.gt || f.lt) {
        return Err(error::EXPIRE_NX_CONFLICT);
    }
    if f.gt && f.lt {
        return Err(error::EXPIRE_GT_LT);
    }
    Ok(f)
}

/// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key time [NX|XX|GT|LT] (Redis
/// `expireGenericCommand`). `base` is the command time for relative forms, 0 for the `AT`
/// forms; `secs` when the argument is in seconds. A time already past deletes the key.
fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], base: i64, secs: bool) -> CmdResult {
    let key = argv[1];
    let f = expire_flags(argv)?;
    let mut when = args::int(argv[2])?;
    let overflow = || Error::invalid_expire(ctx.cmd.meta.name);
    if secs {
        when = when.checked_mul(1000).ok_or_else(overflow)?;
    }
    when = when.checked_add(base).ok_or_else(overflow)?;

    if ctx.lookup_write(key).is_none() {
        ctx.out().int(0);
        return Ok(());
    }
    let current = ctx.db().expire_of(key);
    let refused = (f.nx && current.is_some())
        || (f.xx && current.is_none())
        || (f.gt && current.is_none_or(|c| when <= c))
        || (f.lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.out().int(0);
        return Ok(());
    }
    if when <= ctx.now {
        ctx.db().remove(key);
        ctx.touched(key);
        ctx.notify(Class::GENERIC, "del", key);
    } else {
        ctx.db().set_expire(key, when);
        ctx.touched(key);
        ctx.notify(Class::GENERIC, "expire", key);
    }
    ctx.out().int(1);
    Ok(())
}

/// EXPIRE key seconds [NX|XX|GT|LT]
fn expire(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now;
    expire_generic(ctx, argv, now, true)
}

/// PEXPIRE key milliseconds [NX|XX|GT|LT]
fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now;
    expire_generic(ctx, argv, now, false)
}

/// EXPIREAT key unix-time-seconds [NX|XX|GT|LT]
fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, 0, true)
}

/// PEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT]
fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    expire_generic(ctx, argv, 0, false)
}

/// TTL, PTTL, EXPIRETIME, PEXPIRETIME (Redis `ttlGenericCommand`): -2 without the key,
/// -1 without a TTL; seconds are rounded to the nearest.
fn ttl_generic(ctx: &mut Ctx, argv: &[&[u8]], ms: bool, absolute: bool) -> CmdResult {
    if ctx.lookup_read_flags(argv[1], false).is_none() {
        ctx.out().int(-2);
        return Ok(());
    }
    let now = ctx.now;
    let reply = match ctx.db().expire_of(argv[1]) {
        None => -1,
        Some(t) => {
            let v = if absolute { t } else { t - now }.max(0);
            if ms {
                v
            } else {
                // Rounded as Redis's `(ttl+500)/1000`, without overflowing near i64::MAX.
                ((i128::from(v) + 500) / 1000) as i64
            }
        }
    };
    ctx.out().int(reply);
    Ok(())
}

/// TTL key
fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv, false, false)
}

/// PTTL key
fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv, true, false)
}

/// EXPIRETIME key
fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv, false, true)
}

/// PEXPIRETIME key
fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ttl_generic(ctx, argv, true, true)
}

/// PERSIST key
fn persist(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let removed = ctx.lookup_write(key).is_some() && ctx.db().persist(key);
    if removed {
        ctx.touched(key);
        ctx.notify(Class::GENERIC, "persist", key);
    }
    ctx.out().int(i64::from(removed));
    Ok(())
}

/// OBJECT's lookup (`objectCommandLookup`): expires lazily and counts a hit or miss, but
/// neither refreshes the access time nor publishes `keymiss`.
fn object_lookup<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Entry> {
    let now = ctx.now;
    let dbi = ctx.client.db;
    let core = &mut *ctx.core;
    core.dbs[dbi].expire_if_needed(key, now);
    let e = core.dbs[dbi].dict.get(key);
    if e.is_some() {
        core.stats.keyspace_hits += 1;
    } else {
        core.stats.keyspace_misses += 1;
    }
    e
}

/// Values below this are shared integer objects in Redis (OBJ_SHARED_INTEGERS).
const SHARED_INTEGERS: i64 = 10000;

/// True when Redis would store small integers as shared objects: not when a maxmemory
/// LRU/LFU policy needs a per-key access clock (`canUseSharedObject`).
fn shared_integers(ctx: &Ctx) -> bool {
    use crate::config::MaxmemoryPolicy as P;
    let cfg = &ctx.core.config;
    let per_key_clock = matches!(
        cfg.maxmemory_policy,
        P::VolatileLru | P::VolatileLfu | P::AllkeysLru | P::AllkeysLfu
    );
    cfg.maxmemory == 0 || !per_key_clock
}

/// What `OBJECT REFCOUNT` reports: Redis's pinned count (INT_MAX) for a shared small
/// integer, 1 for anything else.
fn refcount(v: &Value, shared_ok: bool) -> i64 {
    match v {
        Value::Str(Str::Int(i)) if shared_ok && (0..SHARED_INTEGERS).contains(i) => {
            i64::from(i32::MAX)
        }
        _ => 1,
    }
}

/// OBJECT ENCODING key
fn object_encoding(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    match object_lookup(ctx, argv[2]).map(|e| e.val.encoding()) {
        Some(enc) => ctx.out().bulk(enc.as_bytes()),
        None => ctx.out().null(),
    }
    Ok(())
}

/// OBJECT REFCOUNT key
fn object_refcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let shared_ok = shared_integers(ctx);
    match object_lookup(ctx, argv[2]).map(|e| refcount(&e.val, shared_ok)) {
        Some(n) => ctx.out().int(n),
        None => ctx.out().null(),
    }
    Ok(())
}

/// OBJECT IDLETIME key — seconds since the last access (LRU clock, wrapping at 24 bits).
fn object_idletime(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let Some(lru) = object_lookup(ctx, argv[2]).map(|e| e.lru) else {
        ctx.out().null();
        return Ok(());
    };
    if ctx.lfu_policy() {
        return Err(Error::err("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    const LRU_CLOCK_MAX: u32 = (1 << 24) - 1;
    let clock = crate::core::Core::lru_clock(ctx.now);
    let idle = if clock >= lru {
        clock - lru
    } else {
        clock + (LRU_CLOCK_MAX - lru)
    };
    ctx.out().int(i64::from(idle));
    Ok(())
}

/// OBJECT FREQ key — the LFU access counter, decayed to now.
fn object_freq(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let Some(lru) = object_lookup(ctx, argv[2]).map(|e| e.lru) else {
        ctx.out().null();
        return Ok(());
    };
    if !ctx.lfu_policy() {
        return Err(Error::err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust."));
    }
    let decay = ctx.core.config.lfu_decay_time;
    let f = lfu::decr_and_return(lru, ctx.now, decay);
    ctx.out().int(i64::from(f));
    Ok(())
}

/// OBJECT HELP
fn object_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    reply_help(
        ctx.out(),
        "OBJECT",
        &[
            "ENCODING <key>",
            "    Return the kind of internal representation used in order to store the value",
            "    associated with a <key>.",
            "FREQ <key>",
            "    Return the access frequency index of the <key>. The returned integer is",
            "    proportional to the logarithm of the recent access frequency of the key.",
            "IDLETIME <key>",
            "    Return the idle time of the <key>, that is the approximated number of",
            "    seconds elapsed since the last access to the key.",
            "REFCOUNT <key>",
            "    Return the number of references of the value associated with the specified",
            "    <key>.",
        ],
    );
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::DEL, del),
    Command::new(&meta::UNLINK, del),
    Command::new(&meta::EXISTS, exists),
    Command::new(&meta::TOUCH, touch),
    Command::new(&meta::TYPE, type_),
    Command::new(&meta::KEYS, keys),
    Command::new(&meta::SCAN, scan),
    Command::new(&meta::RANDOMKEY, randomkey),
    Command::new(&meta::RENAME, rename),
    Command::new(&meta::RENAMENX, renamenx),
    Command::new(&meta::MOVE, move_),
    Command::new(&meta::COPY, copy),
    Command::new(&meta::EXPIRE, expire),
    Command::new(&meta::PEXPIRE, pexpire),
    Command::new(&meta::EXPIREAT, expireat),
    Command::new(&meta::PEXPIREAT, pexpireat),
    Command::new(&meta::TTL, ttl),
    Command::new(&meta::PTTL, pttl),
    Command::new(&meta::EXPIRETIME, expiretime),
    Command::new(&meta::PEXPIRETIME, pexpiretime),
    Command::new(&meta::PERSIST, persist),
    Command::container(
        &meta::OBJECT,
        &[
            Command::new(&meta::OBJECT_ENCODING, object_encoding),
            Command::new(&meta::OBJECT_REFCOUNT, object_refcount),
            Command::new(&meta::OBJECT_IDLETIME, object_idletime),
            Command::new(&meta::OBJECT_FREQ, object_freq),
            Command::new(&meta::OBJECT_HELP, object_help),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_never_shares_a_collection() {
        let values = [
            Value::Str(Str::from_bytes(b"abc")),
            Value::List(Arc::default()),
            Value::Hash(Arc::default()),
            Value::Set(Arc::default()),
            Value::ZSet(Arc::default()),
            Value::Stream(Arc::default()),
        ];
        for v in &values {
            let d = dup(v);
            assert_eq!(d.type_name(), v.type_name());
            assert_eq!(d.encoding(), v.encoding());
            let shared = match (v, &d) {
                (Value::List(a), Value::List(b)) => Arc::ptr_eq(a, b),
                (Value::Hash(a), Value::Hash(b)) => Arc::ptr_eq(a, b),
                (Value::Set(a), Value::Set(b)) => Arc::ptr_eq(a, b),
                (Value::ZSet(a), Value::ZSet(b)) => Arc::ptr_eq(a, b),
                (Value::Stream(a), Value::Stream(b)) => Arc::ptr_eq(a, b),
                (Value::Str(a), Value::Str(b)) => a != b,
                _ => true,
            };
            assert!(!shared, "{}", v.type_name());
        }
    }

    #[test]
    fn expired_keys_are_reported_once_with_watch_and_stats() {
        use crate::config::Config;
        use crate::core::Core;
        let mut core = Core::new(Config::default());
        let now = 1_000_000;
        for (db, k) in [(0, &b"a"[..]), (0, b"b"), (3, b"c")] {
            core.dbs[db].add(k, Value::Str(Str::from_bytes(b"v")), 0);
            core.dbs[db].set_expire(k, now - 1);
        }
        core.watched.insert((3, b"c".to_vec()), vec![42]);
        assert!(core.dbs[0].expire_if_needed(b"a", now));
        assert!(!core.dbs[0].expire_if_needed(b"a", now));
        // Expiring is strict: a key whose time is exactly now is still alive.
        core.dbs[0].set_expire(b"b", now);
        assert!(!core.dbs[0].expire_if_needed(b"b", now));
        assert!(core.dbs[0].expire_if_needed(b"b", now + 1));
        assert!(core.dbs[3].get(b"c", now).is_none());
        assert_eq!(core.dbs[0].expired_log.len(), 2);
        core.flush_expired();
        assert_eq!(core.stats.expired_keys, 3);
        assert_eq!(core.cas_dirty, vec![42]);
        assert!(core.dbs.iter().all(|d| d.expired_log.is_empty()));
        core.flush_expired();
        assert_eq!(core.stats.expired_keys, 3);
        assert_eq!(core.dbs[0].len() + core.dbs[3].len(), 0);
        assert_eq!(core.dbs[0].expires.len() + core.dbs[3].expires.len(), 0);
    }

    #[test]
    fn expire_flag_conflicts() {
        let argv = |f: &'static [&'static [u8]]| {
            let mut v: Vec<&[u8]> = vec![b"expire", b"k", b"1"];
            v.extend_from_slice(f);
            v
        };
        assert!(expire_flags(&argv(&[b"nx", b"nx"])).is_ok());
        assert!(expire_flags(&argv(&[b"xx", b"gt"])).is_ok());
        assert_eq!(
            expire_flags(&argv(&[b"gt", b"nx"])).err(),
            Some(error::EXPIRE_NX_CONFLICT)
        );
        assert_eq!(
            expire_flags(&argv(&[b"gt", b"lt"])).err(),
            Some(error::EXPIRE_GT_LT)
        );
    }
}
