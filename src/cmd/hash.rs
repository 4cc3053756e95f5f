//! Hash commands (Redis `t_hash.c`, and HSCAN from `db.c`).
//!
//! Writes go through [`upsert`] (`hashTypeLookupWriteOrCreate`): a missing key gets a new
//! listpack hash, added to the keyspace only once it holds a field. Reads take a shared
//! reference to the value ([`read`]) so the reply can be written while it is held.
//! Encoding thresholds come from `hash-max-listpack-entries`/`-value` at each write.
//! Keyspace events are Redis's: `hset` (HSET, HMSET, HSETNX), `hdel` (+ `del` when the last
//! field goes), `hincrby`, `hincrbyfloat`.

use std::sync::Arc;

use super::args::{self, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::client::flags;
use crate::config::{OBUF_NORMAL, OBUF_PUBSUB};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::hash::{entry_as_i64, Hash, Limits};
use crate::types::listpack::LpEntry;
use crate::types::value::Value;
use crate::util::glob::string_match;
use crate::util::num::{self, IncrFloatError, LongDouble};

/// The listpack thresholds as configured now.
fn limits(ctx: &Ctx) -> Limits {
    let c = &ctx.core.config;
    Limits {
        max_entries: usize::try_from(c.hash_max_listpack_entries).unwrap_or(0),
        max_value: usize::try_from(c.hash_max_listpack_value).unwrap_or(0),
    }
}

/// The hash at `key` for reading (`lookupKeyRead` + type check): counts a hit or miss and
/// expires lazily. The `Arc` lets the handler reply while holding it.
fn read(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Arc<Hash>>, Error> {
    match ctx.lookup_read(key) {
        None => Ok(None),
        Some(e) => match &e.val {
            Value::Hash(h) => Ok(Some(Arc::clone(h))),
            _ => Err(error::WRONGTYPE),
        },
    }
}

/// Runs `f` on the hash at `key` for writing, or on a new empty hash when the key is missing
/// (`hashTypeLookupWriteOrCreate`); the new hash joins the keyspace only if `f` succeeded
/// and left it non-empty. Side effect: a running snapshot captures the old value first.
fn upsert<R>(
    ctx: &mut Ctx,
    key: &[u8],
    f: impl FnOnce(&mut Hash) -> Result<R, Error>,
) -> Result<R, Error> {
    if let Some(e) = ctx.lookup_write(key) {
        let h = e.val.as_hash_mut().ok_or(error::WRONGTYPE)?;
        return f(h);
    }
    let mut h = Hash::new();
    let r = f(&mut h)?;
    if !h.is_empty() {
        let lru = ctx.lru();
        ctx.db().add(key, Value::Hash(Arc::new(h)), lru);
    }
    Ok(r)
}

/// A stored element as a bulk string (integers in decimal).
fn bulk_entry(out: &mut Out, e: LpEntry<'_>) {
    match e {
        LpEntry::Str(s) => out.bulk(s),
        LpEntry::Int(v) => out.bulk_int(v),
    }
}

/// HSET key field value [field value ...]  /  HMSET key field value [field value ...]
fn hset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() % 2 == 1 {
        return Err(Error::wrong_args(ctx.cmd.meta.name));
    }
    let key = argv[1];
    let limits = limits(ctx);
    let created = upsert(ctx, key, |h| {
        h.try_convert(&argv[2..], limits);
        let mut created = 0;
        for pair in argv[2..].chunks_exact(2) {
            created += i64::from(h.set(pair[0], pair[1], limits));
        }
        Ok(created)
    })?;
    if ctx.cmd.meta.name == "hmset" {
        ctx.out().ok();
    } else {
        ctx.out().int(created);
    }
    ctx.touched_n(key, (argv.len() as u64 - 2) / 2);
    ctx.notify(Class::HASH, "hset", key);
    Ok(())
}

/// HSETNX key field value
fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, field, value) = (argv[1], argv[2], argv[3]);
    let limits = limits(ctx);
    let set = upsert(ctx, key, |h| {
        if h.contains(field) {
            return Ok(false);
        }
        h.try_convert(&argv[2..4], limits);
        h.set(field, value, limits);
        Ok(true)
    })?;
    ctx.out().int(i64::from(set));
    if set {
        ctx.touched(key);
        ctx.notify(Class::HASH, "hset", key);
    }
    Ok(())
}

/// HGET key field
fn hget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let h = read(ctx, argv[1])?;
    let out = ctx.out();
    match h.as_deref().and_then(|h| h.get(argv[2])) {
        Some(v) => bulk_entry(out, v),
        None => out.null(),
    }
    Ok(())
}

/// HMGET key field [field ...]
fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let h = read(ctx, argv[1])?;
    let out = ctx.out();
    out.array_len(argv.len() - 2);
    for field in &argv[2..] {
        match h.as_deref().and_then(|h| h.get(field)) {
            Some(v) => bulk_entry(out, v),
            None => out.null(),
        }
    }
    Ok(())
}

/// HDEL key field [field ...]
fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let (deleted, emptied) = match ctx.lookup_write(key) {
        None => (0, false),
        Some(e) => {
            let h = e.val.as_hash_mut().ok_or(error::WRONGTYPE)?;
            let mut deleted = 0u64;
            for field in &argv[2..] {
                if h.remove(field) {
                    deleted += 1;
                    if h.is_empty() {
                        break;
                    }
                }
            }
            (deleted, h.is_empty())
        }
    };
    if emptied {
        ctx.db().remove(key);
    }
    if deleted > 0 {
        ctx.touched_n(key, deleted);
        ctx.notify(Class::HASH, "hdel", key);
        if emptied {
            ctx.notify(Class::GENERIC, "del", key);
        }
    }
    ctx.out().int(deleted as i64);
    Ok(())
}

/// HLEN key
fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = read(ctx, argv[1])?.map_or(0, |h| h.len());
    ctx.out().int(n as i64);
    Ok(())
}

/// HSTRLEN key field
fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let h = read(ctx, argv[1])?;
    let n = h.and_then(|h| h.value_len(argv[2])).unwrap_or(0);
    ctx.out().int(n as i64);
    Ok(())
}

/// HEXISTS key field
fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let h = read(ctx, argv[1])?;
    let found = h.is_some_and(|h| h.contains(argv[2]));
    ctx.out().int(i64::from(found));
    Ok(())
}

/// What HKEYS, HVALS and HGETALL reply with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parts {
    Keys,
    Values,
    Both,
}

/// `genericHgetallCommand`: a map for HGETALL, a flat array otherwise.
fn getall(ctx: &mut Ctx, key: &[u8], parts: Parts) -> CmdResult {
    let h = read(ctx, key)?;
    let out = ctx.out();
    let n = h.as_ref().map_or(0, |h| h.len());
    if parts == Parts::Both {
        out.map_len(n);
    } else {
        out.array_len(n);
    }
    if let Some(h) = h {
        for (f, v) in h.iter() {
            if parts != Parts::Values {
                bulk_entry(out, f);
            }
            if parts != Parts::Keys {
                bulk_entry(out, v);
            }
        }
    }
    Ok(())
}

/// HKEYS key
fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], Parts::Keys)
}

/// HVALS key
fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], Parts::Values)
}

/// HGETALL key
fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    getall(ctx, argv[1], Parts::Both)
}

/// HINCRBY key field increment
fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, field) = (argv[1], argv[2]);
    let incr = args::int(argv[3])?;
    let limits = limits(ctx);
    let value = upsert(ctx, key, |h| {
        let current = match h.get(field) {
            Some(e) => entry_as_i64(e).ok_or(error::HASH_VALUE_NOT_INTEGER)?,
            None => 0,
        };
        let value = current.checked_add(incr).ok_or(error::OVERFLOW)?;
        h.set(field, &num::i64_to_bytes(value), limits);
        Ok(value)
    })?;
    ctx.out().int(value);
    ctx.touched(key);
    ctx.notify(Class::HASH, "hincrby", key);
    Ok(())
}

/// HINCRBYFLOAT key field increment
fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, field, incr) = (argv[1], argv[2], argv[3]);
    // The increment is checked before the key's type, as Redis does.
    match LongDouble::parse(incr) {
        None => return Err(error::NOT_FLOAT),
        Some(ld) if !ld.is_finite() => return Err(error::HASH_INCR_NAN_OR_INF),
        Some(_) => {}
    }
    let limits = limits(ctx);
    let value = upsert(ctx, key, |h| {
        let current = h.get(field).map(|e| e.to_bytes());
        let value = num::hincr_by_float(current.as_deref(), incr).map_err(|e| match e {
            IncrFloatError::InvalidCurrent => error::HASH_VALUE_NOT_FLOAT,
            IncrFloatError::InvalidIncrement => error::NOT_FLOAT,
            IncrFloatError::IncrementNotFinite => error::HASH_INCR_NAN_OR_INF,
            IncrFloatError::ResultNotFinite => error::INCR_NAN,
        })?;
        h.set(field, &value, limits);
        Ok(value)
    })?;
    ctx.out().bulk(&value);
    ctx.touched(key);
    ctx.notify(Class::HASH, "hincrbyfloat", key);
    Ok(())
}

/// HRANDFIELD key [count [WITHVALUES]]
fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 2 {
        let h = read(ctx, argv[1])?;
        let (rng, out) = (&mut ctx.core.rng, &mut ctx.client.out);
        match h.as_deref().and_then(|h| h.random_pair(rng)) {
            Some((f, _)) => bulk_entry(out, f),
            None => out.null(),
        }
        return Ok(());
    }
    let (count, withvalues) = randfield_args(argv)?;
    let h = read(ctx, argv[1])?;
    let class = if ctx.client.has(flags::PUBSUB) {
        OBUF_PUBSUB
    } else {
        OBUF_NORMAL
    };
    let hard_limit = ctx.core.config.client_output_buffer_limit[class].hard_limit_bytes;
    let (rng, out) = (&mut ctx.core.rng, &mut ctx.client.out);
    let Some(h) = h.filter(|_| count != 0) else {
        out.array_len(0);
        return Ok(());
    };
    let reply = RandReply {
        withvalues,
        resp3: out.resp3(),
    };
    if count > 0 && count != 1 {
        reply.distinct(out, &h, count.unsigned_abs(), rng);
    } else if !reply.repeated(out, &h, count.unsigned_abs(), rng, hard_limit) {
        // Abandoned past the output limit: the client is closed instead, as Redis does.
        log::warn!("Client closed for overcoming of output buffer limits (HRANDFIELD).");
        ctx.client.flags |= flags::CLOSE_AFTER_REPLY;
    }
    Ok(())
}

/// HRANDFIELD's count and WITHVALUES, with Redis's checks in Redis's order.
fn randfield_args(argv: &[&[u8]]) -> Result<(i64, bool), Error> {
    let count = args::int(argv[2])?;
    if count == i64::MIN {
        return Err(error::HRANDFIELD_COUNT_RANGE);
    }
    if argv.len() > 4 || (argv.len() == 4 && !is(argv[3], "withvalues")) {
        return Err(error::SYNTAX);
    }
    let withvalues = argv.len() == 4;
    if withvalues && !(-(i64::MAX / 2)..=i64::MAX / 2).contains(&count) {
        return Err(error::HRANDFIELD_VALUE_RANGE);
    }
    Ok((count, withvalues))
}

/// The shapes of HRANDFIELD replies: fields alone, or with values flat (RESP2) or as
/// nested pairs (RESP3).
struct RandReply {
    withvalues: bool,
    resp3: bool,
}

impl RandReply {
    fn header(&self, out: &mut Out, n: u64) {
        let n = if self.withvalues && !self.resp3 {
            n * 2
        } else {
            n
        };
        out.array_len(n as usize);
    }

    fn pair(&self, out: &mut Out, f: LpEntry<'_>, v: LpEntry<'_>) {
        if self.withvalues && self.resp3 {
            out.array_len(2);
        }
        bulk_entry(out, f);
        if self.withvalues {
            bulk_entry(out, v);
        }
    }

    /// `count` distinct pairs (all of them when `count >= len`).
    fn distinct(&self, out: &mut Out, h: &Hash, count: u64, rng: &mut impl rand::Rng) {
        let size = h.len() as u64;
        self.header(out, count.min(size));
        if count >= size {
            for (f, v) in h.iter() {
                self.pair(out, f, v);
            }
        } else {
            for (f, v) in h.random_distinct(count as usize, rng) {
                self.pair(out, f, v);
            }
        }
    }

    /// `count` independent picks. The count is unbounded, so a reply growing past
    /// `hard_limit` bytes (0: none) is removed and false returned.
    fn repeated(
        &self,
        out: &mut Out,
        h: &Hash,
        count: u64,
        rng: &mut impl rand::Rng,
        hard_limit: u64,
    ) -> bool {
        let start = out.buf.len();
        self.header(out, count);
        let mut n = 0u32;
        let mut over = false;
        h.random_pairs(count, rng, |f, v| {
            self.pair(out, f, v);
            n = n.wrapping_add(1);
            over = n.is_multiple_of(1024)
                && hard_limit > 0
                && (out.buf.len() - start) as u64 >= hard_limit;
            !over
        });
        if over {
            out.buf.truncate(start);
        }
        !over
    }
}

/// HSCAN's `COUNT` (default 10) and `MATCH` (`None` for no filtering, including `*`).
fn scan_options<'a>(opts: &[&'a [u8]]) -> Result<(i64, Option<&'a [u8]>), Error> {
    let mut count: i64 = 10;
    let mut pattern = None;
    let mut i = 0;
    while i < opts.len() {
        let more = opts.len() - i >= 2;
        if is(opts[i], "count") && more {
            count = args::int(opts[i + 1])?;
            if count < 1 {
                return Err(error::SYNTAX);
            }
        } else if is(opts[i], "match") && more {
            pattern = Some(opts[i + 1]).filter(|p| *p != b"*");
        } else {
            return Err(error::SYNTAX);
        }
        i += 2;
    }
    Ok((count, pattern))
}

/// HSCAN key cursor [MATCH pattern] [COUNT count]
fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let cursor = super::set::parse_scan_cursor(argv[2])?;
    let Some(h) = read(ctx, argv[1])? else {
        ctx.out().raw(b"*2\r\n$1\r\n0\r\n*0\r\n");
        return Ok(());
    };
    // Options are parsed only for an existing hash, as Redis does.
    let (count, pattern) = scan_options(&argv[3..])?;
    // Redis counts fields and values separately: COUNT n asks for n pairs, and allows
    // 10 bucket visits per requested element.
    let wanted = (count as u64).saturating_mul(2);
    let mut budget = wanted.saturating_mul(10);
    let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut next = cursor;
    loop {
        next = h.scan(next, |f, v| found.push((f.to_bytes(), v.to_bytes())));
        if h.is_listpack() || next == 0 || budget == 0 {
            break;
        }
        budget -= 1;
        if found.len() as u64 * 2 >= wanted {
            break;
        }
    }
    if let Some(pat) = pattern {
        found.retain(|(f, _)| string_match(pat, f, false));
    }
    let out = ctx.out();
    out.array_len(2);
    // Redis replies the unsigned cursor through a signed conversion.
    out.bulk_int(next as i64);
    out.array_len(found.len() * 2);
    for (f, v) in found {
        out.bulk(&f);
        out.bulk(&v);
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::HSET, hset),
    Command::new(&meta::HMSET, hset),
    Command::new(&meta::HSETNX, hsetnx),
    Command::new(&meta::HGET, hget),
    Command::new(&meta::HMGET, hmget),
    Command::new(&meta::HDEL, hdel),
    Command::new(&meta::HLEN, hlen),
    Command::new(&meta::HSTRLEN, hstrlen),
    Command::new(&meta::HEXISTS, hexists),
    Command::new(&meta::HKEYS, hkeys),
    Command::new(&meta::HVALS, hvals),
    Command::new(&meta::HGETALL, hgetall),
    Command::new(&meta::HINCRBY, hincrby),
    Command::new(&meta::HINCRBYFLOAT, hincrbyfloat),
    Command::new(&meta::HRANDFIELD, hrandfield),
    Command::new(&meta::HSCAN, hscan),
];
