//! String commands, as Redis 7.0.15's `t_string.c` implements them: GET SET SETNX SETEX
//! PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND
//! STRLEN GETRANGE SUBSTR SETRANGE LCS.
//!
//! Stored values keep the encoding `OBJECT ENCODING` would report ([`Str`]): values sent by
//! clients go through [`Str::from_bytes`] (Redis `tryObjectEncoding`), INCR/DECR results are
//! `int`, INCRBYFLOAT results are never `int`, APPEND and SETRANGE leave the value `raw`.
//!
//! Reads go through `lookupKeyRead` ([`Ctx::lookup_read`]: lazy expiry, hit/miss stats),
//! writes through `lookupKeyWrite` ([`Ctx::lookup_write`]) or `Db` methods. Every write
//! calls [`Ctx::touched`] and raises the keyspace events `t_string.c` raises, in its order.
//!
//! Propagation to AOF and replicas (when it lands) must rewrite as Redis does: SET with an
//! expire option as `SET key value PXAT <ms>` (GET dropped), GETEX as `PEXPIREAT`, `DEL` or
//! `PERSIST`, GETDEL as `DEL`, GETSET as `SET`, INCRBYFLOAT as `SET key <result> KEEPTTL`.

use super::args::{self, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::value::{Str, Value, EMBSTR_MAX};
use crate::util::num::{self, IncrFloatError};

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Writes a string value as a bulk reply.
fn reply_str(out: &mut Out, s: &Str) {
    match s {
        Str::Int(i) => out.bulk_int(*i),
        Str::Emb(b) => out.bulk(b),
        Str::Raw(v) => out.bulk(v),
    }
}

/// A string built by the server (Redis `createStringObject`): `embstr` up to 44 bytes, else
/// `raw`, never `int` (INCRBYFLOAT stores "2" as `embstr`).
fn plain_str(v: Vec<u8>) -> Str {
    if v.len() <= EMBSTR_MAX {
        Str::Emb(crate::types::value::Emb::new(&v))
    } else {
        Str::Raw(v)
    }
}

/// `lookupKeyRead` (lazy expiry, hit/miss stats, LRU), then `f` with the live value (if
/// any) and the reply buffer.
fn with_read<R>(ctx: &mut Ctx, key: &[u8], f: impl FnOnce(Option<&Value>, &mut Out) -> R) -> R {
    let found = ctx.lookup_read(key).is_some();
    let (db, out) = ctx.db_out();
    let v = if found {
        db.dict.get(key).map(|e| &e.val)
    } else {
        None
    };
    f(v, out)
}

/// Redis `getGenericCommand`: replies the string at `key`, or null when it is missing.
/// A key of another type is `WRONGTYPE` with nothing replied. True if the key exists.
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> Result<bool, Error> {
    with_read(ctx, key, |v, out| match v {
        None => {
            out.null();
            Ok(false)
        }
        Some(v) => {
            let s = v.as_str().ok_or(error::WRONGTYPE)?;
            reply_str(out, s);
            Ok(true)
        }
    })
}

/// Keyword comparison as Redis's C string tests do it: the argument up to its first NUL
/// byte, case-insensitively (`strcasecmp`, or the `opt[2] == '\0'` tests of SET).
fn kw(arg: &[u8], word: &str) -> bool {
    let end = arg.iter().position(|&b| b == 0).unwrap_or(arg.len());
    is(&arg[..end], word)
}

/// Redis `checkStringLength`: a string of `size + append` bytes must fit
/// `proto-max-bulk-len` (overflow counts as too long).
fn check_len(size: i64, append: i64, max: i64) -> CmdResult {
    match size.checked_add(append) {
        Some(total) if total <= max => Ok(()),
        _ => Err(error::STRING_TOO_LONG),
    }
}

// ---------------------------------------------------------------------------------------
// SET and GETEX options
// ---------------------------------------------------------------------------------------

const NX: u32 = 1 << 0;
const XX: u32 = 1 << 1;
const EX: u32 = 1 << 2;
const PX: u32 = 1 << 3;
const KEEPTTL: u32 = 1 << 4;
const GET: u32 = 1 << 5;
const EXAT: u32 = 1 << 6;
const PXAT: u32 = 1 << 7;
const PERSIST: u32 = 1 << 8;
const ANY_EXPIRE: u32 = EX | PX | EXAT | PXAT;

/// Options of SET (`set`) or GETEX (`!set`) and the expire argument they name.
struct Opts<'a> {
    flags: u32,
    expire: Option<&'a [u8]>,
}

/// Redis `parseExtendedStringArgumentsOrReply`, from `argv[start]`: any option that is
/// unknown, repeated against an exclusive one, or missing its value is a syntax error.
/// The same expire option may repeat (the last value wins), as in Redis.
fn parse_opts<'a>(argv: &[&'a [u8]], start: usize, set: bool) -> Result<Opts<'a>, Error> {
    let mut flags = 0;
    let mut expire = None;
    let mut j = start;
    while j < argv.len() {
        let opt = argv[j];
        let next = argv.get(j + 1).copied();
        let expire_kind = [("ex", EX), ("px", PX), ("exat", EXAT), ("pxat", PXAT)]
            .into_iter()
            .find(|(w, _)| kw(opt, w))
            .map(|(_, f)| f);
        if set && kw(opt, "nx") && flags & XX == 0 {
            flags |= NX;
        } else if set && kw(opt, "xx") && flags & NX == 0 {
            flags |= XX;
        } else if set && kw(opt, "get") {
            flags |= GET;
        } else if set && kw(opt, "keepttl") && flags & (PERSIST | ANY_EXPIRE) == 0 {
            flags |= KEEPTTL;
        } else if !set && kw(opt, "persist") && flags & (KEEPTTL | ANY_EXPIRE) == 0 {
            flags |= PERSIST;
        } else if let (Some(kind), Some(value)) = (expire_kind, next) {
            if flags & (KEEPTTL | PERSIST | (ANY_EXPIRE & !kind)) != 0 {
                return Err(error::SYNTAX);
            }
            flags |= kind;
            expire = Some(value);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    Ok(Opts { flags, expire })
}

/// Redis `getExpireMillisecondsOrReply`: the absolute expiry time (ms) an EX/PX/EXAT/PXAT
/// argument names. Not positive, or overflowing: `invalid expire time in '<cmd>' command`.
fn expire_at(ctx: &Ctx, flags: u32, arg: &[u8]) -> Result<i64, Error> {
    let v = args::int(arg)?;
    let seconds = flags & (EX | EXAT) != 0;
    let invalid = || Error::invalid_expire(ctx.cmd.meta.name);
    if v <= 0 || (seconds && v > i64::MAX / 1000) {
        return Err(invalid());
    }
    let mut ms = if seconds { v * 1000 } else { v };
    if flags & (EX | PX) != 0 {
        // Redis adds in C and then tests for a non-positive result.
        ms = ms.wrapping_add(ctx.now);
    }
    if ms <= 0 {
        return Err(invalid());
    }
    Ok(ms)
}

// ---------------------------------------------------------------------------------------
// SET family
// ---------------------------------------------------------------------------------------

/// Redis `setGenericCommand`. `setnx` selects SETNX's replies (`:1` / `:0` instead of
/// `+OK` / null). Side effects: events `set`, then `expire` when an expire is given.
fn set_generic(
    ctx: &mut Ctx,
    flags: u32,
    key: &[u8],
    val: &[u8],
    expire: Option<&[u8]>,
    setnx: bool,
) -> CmdResult {
    let when = match expire {
        Some(arg) => Some(expire_at(ctx, flags, arg)?),
        None => None,
    };
    let get = flags & GET != 0;
    if get {
        reply_get(ctx, key)?;
    }
    let found = ctx.lookup_write(key).is_some();
    if (flags & NX != 0 && found) || (flags & XX != 0 && !found) {
        if !get {
            if setnx {
                ctx.out().int(0);
            } else {
                ctx.out().null();
            }
        }
        return Ok(());
    }
    // SET's own lookup above counted the access.
    let lru = ctx.lru_for(key, true);
    ctx.db().set(
        key,
        Value::Str(Str::from_bytes(val)),
        flags & KEEPTTL != 0,
        lru,
    );
    ctx.touched(key);
    ctx.notify(Class::STRING, "set", key);
    if let Some(when) = when {
        // An absolute time already past is kept: the key expires on its next access.
        ctx.db().set_expire(key, when);
        ctx.notify(Class::GENERIC, "expire", key);
    }
    if !get {
        if setnx {
            ctx.out().int(1);
        } else {
            ctx.out().ok();
        }
    }
    Ok(())
}

/// GET key
fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    reply_get(ctx, argv[1]).map(|_| ())
}

/// SET key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | KEEPTTL]
fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let opts = parse_opts(argv, 3, true)?;
    set_generic(ctx, opts.flags, argv[1], argv[2], opts.expire, false)
}

/// SETNX key value
fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    set_generic(ctx, NX, argv[1], argv[2], None, true)
}

/// SETEX key seconds value
fn setex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    set_generic(ctx, EX, argv[1], argv[3], Some(argv[2]), false)
}

/// PSETEX key milliseconds value
fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    set_generic(ctx, PX, argv[1], argv[3], Some(argv[2]), false)
}

/// GETSET key value — the old value, and the key set (its TTL cleared). Event `set`.
fn getset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    reply_get(ctx, key)?;
    let lru = ctx.lru_for(key, false);
    ctx.db()
        .set(key, Value::Str(Str::from_bytes(argv[2])), false, lru);
    ctx.touched(key);
    ctx.notify(Class::STRING, "set", key);
    Ok(())
}

/// GETDEL key — the value, and the key deleted. Event `del`.
fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    if reply_get(ctx, key)? && ctx.db().remove(key).is_some() {
        ctx.touched(key);
        ctx.notify(Class::GENERIC, "del", key);
    }
    Ok(())
}

/// GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds |
/// PXAT unix-time-milliseconds | PERSIST]
///
/// Replies the value, then sets or removes its TTL. An EXAT/PXAT time already past deletes
/// the key (event `del`); otherwise events `expire` or `persist` (only if a TTL was removed).
/// A missing key replies null before the expire argument is validated, as in Redis.
fn getex(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let opts = parse_opts(argv, 2, false)?;
    let key = argv[1];
    let exists = with_read(ctx, key, |v, out| match v {
        None => {
            out.null();
            Ok(false)
        }
        Some(v) if v.as_str().is_none() => Err(error::WRONGTYPE),
        Some(_) => Ok(true),
    })?;
    if !exists {
        return Ok(());
    }
    let when = match opts.expire {
        Some(arg) => Some(expire_at(ctx, opts.flags, arg)?),
        None => None,
    };
    {
        let (db, out) = ctx.db_out();
        if let Some(s) = db.dict.get(key).and_then(|e| e.val.as_str()) {
            reply_str(out, s);
        }
    }
    let absolute = opts.flags & (EXAT | PXAT) != 0;
    match when {
        Some(when) if absolute && when <= ctx.now => {
            ctx.db().remove(key);
            ctx.touched(key);
            ctx.notify(Class::GENERIC, "del", key);
        }
        Some(when) => {
            ctx.db().set_expire(key, when);
            ctx.touched(key);
            ctx.notify(Class::GENERIC, "expire", key);
        }
        None if opts.flags & PERSIST != 0 && ctx.db().persist(key) => {
            ctx.touched(key);
            ctx.notify(Class::GENERIC, "persist", key);
        }
        None => {}
    }
    Ok(())
}

/// MGET key [key ...] — null for missing keys and keys of other types.
fn mget(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ctx.out().array_len(argv.len() - 1);
    for key in &argv[1..] {
        with_read(ctx, key, |v, out| match v.and_then(Value::as_str) {
            Some(s) => reply_str(out, s),
            None => out.null(),
        });
    }
    Ok(())
}

/// MSET / MSETNX: an even number of key/value arguments (else the arity error). MSETNX
/// sets nothing if any key exists. Event `set` per key, in argument order.
fn mset_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) -> CmdResult {
    if argv.len().is_multiple_of(2) {
        return Err(Error::wrong_args(ctx.cmd.meta.name));
    }
    if nx {
        for pair in argv[1..].chunks(2) {
            if ctx.lookup_write(pair[0]).is_some() {
                ctx.out().int(0);
                return Ok(());
            }
        }
    }
    for pair in argv[1..].chunks(2) {
        let lru = ctx.lru_for(pair[0], false);
        ctx.db()
            .set(pair[0], Value::Str(Str::from_bytes(pair[1])), false, lru);
        ctx.touched(pair[0]);
        ctx.notify(Class::STRING, "set", pair[0]);
    }
    if nx {
        ctx.out().int(1);
    } else {
        ctx.out().ok();
    }
    Ok(())
}

/// MSET key value [key value ...]
fn mset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    mset_generic(ctx, argv, false)
}

/// MSETNX key value [key value ...]
fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    mset_generic(ctx, argv, true)
}

// ---------------------------------------------------------------------------------------
// Counters
// ---------------------------------------------------------------------------------------

/// Redis `incrDecrCommand`: adds `by` to the integer at `key` (0 when missing), keeping
/// its TTL; the result is `int`-encoded. Event `incrby`.
fn incr_decr(ctx: &mut Ctx, key: &[u8], by: i64) -> CmdResult {
    let lru = ctx.lru();
    let value = match ctx.lookup_write(key) {
        Some(e) => {
            let s = e.val.as_str_mut().ok_or(error::WRONGTYPE)?;
            let old = s.as_i64().ok_or(error::NOT_INTEGER)?;
            let new = old.checked_add(by).ok_or(error::OVERFLOW)?;
            *s = Str::Int(new);
            new
        }
        None => {
            ctx.db().add(key, Value::Str(Str::Int(by)), lru);
            by
        }
    };
    ctx.touched(key);
    ctx.notify(Class::STRING, "incrby", key);
    ctx.out().int(value);
    Ok(())
}

/// INCR key
fn incr(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    incr_decr(ctx, argv[1], 1)
}

/// DECR key
fn decr(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    incr_decr(ctx, argv[1], -1)
}

/// INCRBY key increment
fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let by = args::int(argv[2])?;
    incr_decr(ctx, argv[1], by)
}

/// DECRBY key decrement
fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let by = args::int(argv[2])?;
    if by == i64::MIN {
        return Err(error::DECR_OVERFLOW);
    }
    incr_decr(ctx, argv[1], -by)
}

/// INCRBYFLOAT key increment — long double arithmetic, stored and replied as Redis
/// formats it (`%.17Lf` without trailing zeros), keeping the TTL. Event `incrbyfloat`.
fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, by) = (argv[1], argv[2]);
    let to_error = |e: IncrFloatError| match e {
        IncrFloatError::ResultNotFinite => error::INCR_NAN,
        _ => error::NOT_FLOAT,
    };
    let lru = ctx.lru();
    let result = match ctx.lookup_write(key) {
        Some(e) => {
            let s = e.val.as_str_mut().ok_or(error::WRONGTYPE)?;
            let mut tmp = [0u8; 24];
            let sum = num::incr_by_float(s.as_bytes(&mut tmp), by).map_err(to_error)?;
            *s = plain_str(sum.clone());
            sum
        }
        None => {
            let sum = num::incr_by_float(b"0", by).map_err(to_error)?;
            ctx.db().add(key, Value::Str(plain_str(sum.clone())), lru);
            sum
        }
    };
    ctx.touched(key);
    ctx.notify(Class::STRING, "incrbyfloat", key);
    ctx.out().bulk(&result);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Byte ranges
// ---------------------------------------------------------------------------------------

/// APPEND key value — the new length. A new key is stored like SET stores it; an existing
/// one becomes `raw`. Event `append`.
fn append(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, tail) = (argv[1], argv[2]);
    let max = ctx.core.config.proto_max_bulk_len;
    let lru = ctx.lru();
    let total = match ctx.lookup_write(key) {
        Some(e) => {
            let s = e.val.as_str_mut().ok_or(error::WRONGTYPE)?;
            check_len(s.len() as i64, tail.len() as i64, max)?;
            let v = s.make_raw();
            v.extend_from_slice(tail);
            v.len()
        }
        None => {
            ctx.db().add(key, Value::Str(Str::from_bytes(tail)), lru);
            tail.len()
        }
    };
    ctx.touched(key);
    ctx.notify(Class::STRING, "append", key);
    ctx.out().int(total as i64);
    Ok(())
}

/// STRLEN key
fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    with_read(ctx, argv[1], |v, out| {
        let len = match v {
            None => 0,
            Some(v) => v.as_str().ok_or(error::WRONGTYPE)?.len(),
        };
        out.int(len as i64);
        Ok(())
    })
}

/// The bytes `GETRANGE` returns for `start..=end` of a string of `len` bytes (Redis
/// `getrangeCommand`: negative indexes count from the end, both ends are clamped).
fn range_of(len: usize, mut start: i64, mut end: i64) -> Option<(usize, usize)> {
    if start < 0 && end < 0 && start > end {
        return None;
    }
    let len = len as i64;
    if start < 0 {
        start += len;
    }
    if end < 0 {
        end += len;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= len {
        end = len - 1;
    }
    if start > end || len == 0 {
        return None;
    }
    Some((start as usize, end as usize + 1))
}

/// GETRANGE key start end (and SUBSTR, its old name)
fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let start = args::int(argv[2])?;
    let end = args::int(argv[3])?;
    with_read(ctx, argv[1], |v, out| {
        let Some(v) = v else {
            out.bulk(b"");
            return Ok(());
        };
        let s = v.as_str().ok_or(error::WRONGTYPE)?;
        let mut tmp = [0u8; 24];
        let bytes = s.as_bytes(&mut tmp);
        match range_of(bytes.len(), start, end) {
            Some((from, to)) => out.bulk(&bytes[from..to]),
            None => out.bulk(b""),
        }
        Ok(())
    })
}

/// What SETRANGE found at its key.
enum RangeTarget {
    /// Nothing to write: reply this length.
    Unchanged(usize),
    /// Written: the new length.
    Written(usize),
}

/// SETRANGE key offset value — the new length. Zero bytes pad the gap; the value becomes
/// `raw`. An empty value changes nothing (and creates no key). Event `setrange`.
fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (key, patch) = (argv[1], argv[3]);
    let offset = args::int(argv[2])?;
    if offset < 0 {
        return Err(error::OFFSET_OUT_OF_RANGE);
    }
    let max = ctx.core.config.proto_max_bulk_len;
    let lru = ctx.lru();
    let target = match ctx.lookup_write(key) {
        Some(e) => {
            let s = e.val.as_str_mut().ok_or(error::WRONGTYPE)?;
            if patch.is_empty() {
                RangeTarget::Unchanged(s.len())
            } else {
                check_len(offset, patch.len() as i64, max)?;
                let (from, to) = (offset as usize, offset as usize + patch.len());
                let v = s.make_raw();
                if v.len() < to {
                    v.resize(to, 0);
                }
                v[from..to].copy_from_slice(patch);
                RangeTarget::Written(v.len())
            }
        }
        None if patch.is_empty() => RangeTarget::Unchanged(0),
        None => {
            check_len(offset, patch.len() as i64, max)?;
            let mut v = vec![0u8; offset as usize + patch.len()];
            v[offset as usize..].copy_from_slice(patch);
            let len = v.len();
            ctx.db().add(key, Value::Str(Str::Raw(v)), lru);
            RangeTarget::Written(len)
        }
    };
    let len = match target {
        RangeTarget::Unchanged(len) => len,
        RangeTarget::Written(len) => {
            ctx.touched(key);
            ctx.notify(Class::STRING, "setrange", key);
            len
        }
    };
    ctx.out().int(len as i64);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// LCS
// ---------------------------------------------------------------------------------------

/// One matching range of LCS IDX: `(a_start, a_end, b_start, b_end, len)`.
type Match = (u32, u32, u32, u32, u32);

/// The longest common subsequence of `a` and `b` by Redis's dynamic programming table
/// (`table` holds `(a.len()+1) * (b.len()+1)` cells), walked back the way Redis walks it so
/// that ranges come out identical. Returns its length and, if `want_lcs`, the subsequence
/// and the matching ranges of at least `minlen` bytes, last ones first.
fn lcs_walk(
    a: &[u8],
    b: &[u8],
    table: &mut Vec<u32>,
    want_lcs: bool,
    minlen: i64,
) -> (u32, Vec<u8>, Vec<Match>) {
    let (alen, blen) = (a.len(), b.len());
    let w = blen + 1;
    table.clear();
    table.resize((alen + 1) * w, 0);
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * w + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * w + j - 1] + 1
            } else {
                table[(i - 1) * w + j].max(table[i * w + j - 1])
            };
        }
    }
    let total = table[alen * w + blen];
    let mut result = Vec::new();
    let mut ranges = Vec::new();
    if !want_lcs {
        return (total, result, ranges);
    }
    result.resize(total as usize, 0);
    let mut idx = total as usize;
    let unset = alen; // arange_start == alen: no range being tracked
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0, 0, 0);
    let (mut i, mut j) = (alen, blen);
    while i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                (a_start, a_end, b_start, b_end) = (i - 1, i - 1, j - 1, j - 1);
            } else if a_start == i && b_start == j {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * w + j] > table[i * w + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        // As in Redis, the length is computed in unsigned 32-bit arithmetic even when no
        // range is tracked (it is then unused).
        let match_len = (a_end as u32).wrapping_sub(a_start as u32).wrapping_add(1);
        if emit {
            if minlen == 0 || i64::from(match_len) >= minlen {
                ranges.push((
                    a_start as u32,
                    a_end as u32,
                    b_start as u32,
                    b_end as u32,
                    match_len,
                ));
            }
            a_start = unset;
        }
    }
    (total, result, ranges)
}

/// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]
///
/// Missing keys count as empty strings; a key of another type fails before the options
/// are parsed. The table Redis allocates (4 bytes per cell) must fit `proto-max-bulk-len`.
fn lcs(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let read = |ctx: &mut Ctx, key: &[u8]| {
        with_read(ctx, key, |v, _| match v {
            None => Some(Vec::new()),
            Some(v) => v.as_str().map(Str::to_vec),
        })
    };
    let a = read(ctx, argv[1]);
    let b = read(ctx, argv[2]);
    let (Some(a), Some(b)) = (a, b) else {
        return Err(error::LCS_NOT_STRINGS);
    };
    let (mut want_len, mut want_idx, mut with_len) = (false, false, false);
    let mut minlen = 0i64;
    let mut j = 3;
    while j < argv.len() {
        let opt = argv[j];
        if kw(opt, "idx") {
            want_idx = true;
        } else if kw(opt, "len") {
            want_len = true;
        } else if kw(opt, "withmatchlen") {
            with_len = true;
        } else if kw(opt, "minmatchlen") && j + 1 < argv.len() {
            minlen = args::int(argv[j + 1])?.max(0);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if want_len && want_idx {
        return Err(error::LCS_LEN_AND_IDX);
    }
    if a.len() as u64 >= u64::from(u32::MAX - 1) || b.len() as u64 >= u64::from(u32::MAX - 1) {
        return Err(error::LCS_TOO_LONG);
    }
    let cells = (a.len() as u64 + 1) * (b.len() as u64 + 1);
    let bytes = cells.checked_mul(4).ok_or(error::LCS_ALLOC)?;
    if bytes > ctx.core.config.proto_max_bulk_len as u64 {
        return Err(error::LCS_OVER_LIMIT);
    }
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(cells as usize)
        .map_err(|_| error::LCS_ALLOC)?;
    let (total, result, ranges) = lcs_walk(&a, &b, &mut table, want_idx || !want_len, minlen);
    let out = ctx.out();
    if want_idx {
        out.map_len(2);
        out.bulk(b"matches");
        out.array_len(ranges.len());
        for (a0, a1, b0, b1, len) in ranges {
            out.array_len(2 + usize::from(with_len));
            out.array_len(2);
            out.int(a0.into());
            out.int(a1.into());
            out.array_len(2);
            out.int(b0.into());
            out.int(b1.into());
            if with_len {
                out.int(len.into());
            }
        }
        out.bulk(b"len");
        out.int(total.into());
    } else if want_len {
        out.int(total.into());
    } else {
        out.bulk(&result);
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::GET, get),
    Command::new(&meta::SET, set),
    Command::new(&meta::SETNX, setnx),
    Command::new(&meta::SETEX, setex),
    Command::new(&meta::PSETEX, psetex),
    Command::new(&meta::GETSET, getset),
    Command::new(&meta::GETDEL, getdel),
    Command::new(&meta::GETEX, getex),
    Command::new(&meta::MGET, mget),
    Command::new(&meta::MSET, mset),
    Command::new(&meta::MSETNX, msetnx),
    Command::new(&meta::INCR, incr),
    Command::new(&meta::DECR, decr),
    Command::new(&meta::INCRBY, incrby),
    Command::new(&meta::DECRBY, decrby),
    Command::new(&meta::INCRBYFLOAT, incrbyfloat),
    Command::new(&meta::APPEND, append),
    Command::new(&meta::STRLEN, strlen),
    Command::new(&meta::GETRANGE, getrange),
    Command::new(&meta::SUBSTR, getrange),
    Command::new(&meta::SETRANGE, setrange),
    Command::new(&meta::LCS, lcs),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(line: &str, set: bool) -> Result<u32, Error> {
        let argv: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        parse_opts(&argv, 0, set).map(|o| o.flags)
    }

    #[test]
    fn set_options_follow_redis() {
        // Accepted and refused combinations, as redis-server 7.0.15 answered them.
        assert_eq!(opts("NX", true), Ok(NX));
        assert_eq!(opts("nx nx", true), Ok(NX));
        assert_eq!(opts("ex 10 ex 10", true), Ok(EX));
        assert_eq!(opts("get get xx", true), Ok(GET | XX));
        assert_eq!(opts("keepttl get", true), Ok(KEEPTTL | GET));
        for bad in [
            "nx xx",
            "xx nx",
            "ex 10 px 10",
            "ex 10 keepttl",
            "keepttl ex 10",
            "ex",
            "foo",
            "persist",
            "pxat 1 exat 1",
        ] {
            assert_eq!(opts(bad, true), Err(error::SYNTAX), "{bad}");
        }
        assert_eq!(opts("persist", false), Ok(PERSIST));
        for bad in [
            "persist ex 10",
            "ex 10 persist",
            "keepttl",
            "nx",
            "get",
            "px",
        ] {
            assert_eq!(opts(bad, false), Err(error::SYNTAX), "{bad}");
        }
        // C string comparison: the keyword ends at a NUL byte.
        let argv: Vec<&[u8]> = vec![b"nx\0junk"];
        assert_eq!(parse_opts(&argv, 0, true).map(|o| o.flags), Ok(NX));
    }

    #[test]
    fn getrange_indexes() {
        // "Hello World" (11 bytes), replies observed on redis-server 7.0.15.
        let r = |s, e| range_of(11, s, e);
        assert_eq!(r(-1, -5), None);
        assert_eq!(r(5, 3), None);
        assert_eq!(r(-100, -50), Some((0, 1)));
        assert_eq!(r(0, -100), Some((0, 1)));
        assert_eq!(r(100, 200), None);
        assert_eq!(r(-5, -1), Some((6, 11)));
        assert_eq!(r(0, i64::MAX), Some((0, 11)));
        assert_eq!(r(i64::MIN, -1), Some((0, 11)));
        assert_eq!(range_of(0, 0, -1), None);
        assert_eq!(range_of(0, -1, 0), None);
    }

    #[test]
    fn lcs_ranges_match_redis() {
        // LCS a b IDX WITHMATCHLEN with a=ohmytext b=mynewtext on redis-server 7.0.15:
        // matches [4,7]/[5,8] len 4, then [2,3]/[0,1] len 2; len 6.
        let mut t = Vec::new();
        let (total, s, ranges) = lcs_walk(b"ohmytext", b"mynewtext", &mut t, true, 0);
        assert_eq!(total, 6);
        assert_eq!(s, b"mytext");
        assert_eq!(ranges, vec![(4, 7, 5, 8, 4), (2, 3, 0, 1, 2)]);
        let (_, _, ranges) = lcs_walk(b"ohmytext", b"mynewtext", &mut t, true, 4);
        assert_eq!(ranges, vec![(4, 7, 5, 8, 4)]);
        let (total, s, ranges) = lcs_walk(b"", b"abc", &mut t, true, 0);
        assert_eq!((total, s.len(), ranges.len()), (0, 0, 0));
    }

    #[test]
    fn check_len_overflow() {
        assert!(check_len(10, 5, 15).is_ok());
        assert!(check_len(10, 6, 15).is_err());
        assert!(check_len(i64::MAX, 1, i64::MAX).is_err());
    }
}
