//! Stream commands (Redis `t_stream.c`): XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID,
//! consumer groups (XGROUP XREADGROUP XACK XPENDING XCLAIM XAUTOCLAIM), XREAD and XINFO.

use super::args::is;
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::resp::Out;
use crate::types::stream::{
    AppendError, Fields, Group, IdSpec, Nack, Stream, StreamId, Trim, INVALID_ENTRIES_READ,
};
use crate::types::value::Value;
use std::sync::Arc;

const INVALID_ID: Error =
    Error::fixed("ERR Invalid stream ID specified as stream command argument");
const NO_SUCH_KEY: Error = Error::fixed("ERR no such key");

/// Redis `string2ull`: a canonical non-negative integer, or what `strtoull` accepts
/// (leading spaces, a sign, values up to 2^64-1).
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::util::num::parse_i64(s) {
        return if v < 0 { None } else { Some(v as u64) };
    }
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    if i >= s.len() {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[i..] {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add((c - b'0') as u64)?;
    }
    Some(if neg { v.wrapping_neg() } else { v })
}

/// `streamGenericParseIDOrReply`. Returns the ID and whether the sequence was given
/// (`false` for the `<ms>-*` form, allowed only when `allow_ms_star`).
fn parse_id(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    allow_ms_star: bool,
) -> Result<(StreamId, bool), Error> {
    if arg.len() > 127 {
        return Err(INVALID_ID);
    }
    // C strings: the ID ends at the first NUL byte.
    let arg = match arg.iter().position(|&b| b == 0) {
        Some(p) => &arg[..p],
        None => arg,
    };
    if arg == b"-" {
        if strict {
            return Err(INVALID_ID);
        }
        return Ok((StreamId::MIN, true));
    }
    if arg == b"+" {
        if strict {
            return Err(INVALID_ID);
        }
        return Ok((StreamId::MAX, true));
    }
    let (ms_part, seq_part) = match arg.iter().position(|&b| b == b'-') {
        Some(p) => (&arg[..p], Some(&arg[p + 1..])),
        None => (arg, None),
    };
    let ms = string2ull(ms_part).ok_or(INVALID_ID)?;
    match seq_part {
        Some(b"*") if allow_ms_star => Ok((StreamId::new(ms, 0), false)),
        Some(seq) => Ok((StreamId::new(ms, string2ull(seq).ok_or(INVALID_ID)?), true)),
        None => Ok((StreamId::new(ms, missing_seq), true)),
    }
}

fn strict_id(arg: &[u8]) -> Result<StreamId, Error> {
    parse_id(arg, 0, true, false).map(|(id, _)| id)
}

/// `streamParseIntervalIDOrReply`: `(` marks an exclusive bound.
fn interval_id(arg: &[u8], missing_seq: u64) -> Result<(StreamId, bool), Error> {
    if arg.len() > 1 && arg[0] == b'(' {
        let (id, _) = parse_id(&arg[1..], missing_seq, true, false)?;
        Ok((id, true))
    } else {
        let (id, _) = parse_id(arg, missing_seq, false, false)?;
        Ok((id, false))
    }
}

fn range_bounds(start: &[u8], end: &[u8]) -> Result<(StreamId, StreamId), Error> {
    let (mut s, sx) = interval_id(start, 0)?;
    if sx {
        s = s
            .incr()
            .ok_or_else(|| Error::err("invalid start ID for the interval"))?;
    }
    let (mut e, ex) = interval_id(end, u64::MAX)?;
    if ex {
        e = e
            .decr()
            .ok_or_else(|| Error::err("invalid end ID for the interval"))?;
    }
    Ok((s, e))
}

fn reply_id(out: &mut Out, id: StreamId) {
    out.bulk(&id.to_bytes());
}

fn reply_entry(out: &mut Out, id: StreamId, fields: &Fields) {
    out.array_len(2);
    reply_id(out, id);
    out.array_len(fields.len() * 2);
    for (f, v) in fields {
        out.bulk(f);
        out.bulk(v);
    }
}

fn reply_entries(out: &mut Out, entries: &[(StreamId, Fields)]) {
    out.array_len(entries.len());
    for (id, f) in entries {
        reply_entry(out, *id, f);
    }
}

fn stream_of(v: &Value) -> Result<&Stream, Error> {
    v.as_stream().ok_or(error::WRONGTYPE)
}

/// The stream at `key` (a read lookup: stats, lazy expiry) together with the reply buffer,
/// so large replies are written without copying the stream.
fn stream_and_out<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
) -> Result<Option<(&'a Stream, &'a mut Out)>, Error> {
    if ctx.lookup_read(key).is_none() {
        return Ok(None);
    }
    let db = ctx.client.db;
    let e = ctx.core.dbs[db].dict.get(key).expect("just looked up");
    let s = stream_of(&e.val)?;
    Ok(Some((s, &mut ctx.client.out)))
}

/// The stream at `key` for writing (snapshot capture done), or `None` if missing.
fn stream_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Stream>, Error> {
    match ctx.lookup_write(key) {
        None => Ok(None),
        Some(e) => e.val.as_stream_mut().map(Some).ok_or(error::WRONGTYPE),
    }
}

fn no_group(key: &[u8], group: &[u8], suffix: &str) -> Error {
    let mut v = b"NOGROUP No such key '".to_vec();
    v.extend_from_slice(error::c_str(key));
    v.extend_from_slice(b"' or consumer group '");
    v.extend_from_slice(error::c_str(group));
    v.push(b'\'');
    v.extend_from_slice(suffix.as_bytes());
    Error::owned(v)
}

fn subcommand_syntax(argv: &[&[u8]]) -> Error {
    let mut v = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    v.extend_from_slice(error::c_str_max(argv[1], 128));
    v.extend_from_slice(b"'. Try ");
    v.extend_from_slice(&argv[0].to_ascii_uppercase());
    v.extend_from_slice(b" HELP.");
    Error::owned(v)
}

/// Parsed `MAXLEN|MINID [=|~] threshold [LIMIT count]` (and XADD's NOMKSTREAM / ID).
struct AddTrimArgs {
    trim: Option<Trim>,
    approx: bool,
    limit: i64,
    no_mkstream: bool,
    id: IdSpec,
    id_given: bool,
    seq_given: bool,
}

/// `streamParseAddOrTrimArgsOrReply`: returns the args and the index of the ID (XADD).
fn parse_add_trim(ctx: &Ctx, argv: &[&[u8]], xadd: bool) -> Result<(AddTrimArgs, usize), Error> {
    let mut a = AddTrimArgs {
        trim: None,
        approx: false,
        limit: 0,
        no_mkstream: false,
        id: IdSpec::Auto,
        id_given: false,
        seq_given: true,
    };
    let mut limit_given = false;
    let mut i = 2;
    const BOTH: &str = "syntax error, MAXLEN and MINID options at the same time are not compatible";
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = argv[i];
        if xadd && opt == b"*" {
            break;
        } else if is(opt, "maxlen") && more > 0 {
            if a.trim.is_some() {
                return Err(Error::err(BOTH));
            }
            a.approx = false;
            let next = argv[i + 1];
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let max = super::args::int(argv[i + 1])?;
            if max < 0 {
                return Err(Error::err("The MAXLEN argument must be >= 0."));
            }
            i += 1;
            a.trim = Some(Trim::MaxLen(max));
        } else if is(opt, "minid") && more > 0 {
            if a.trim.is_some() {
                return Err(Error::err(BOTH));
            }
            a.approx = false;
            let next = argv[i + 1];
            if more >= 2 && next == b"~" {
                a.approx = true;
                i += 1;
            } else if more >= 2 && next == b"=" {
                i += 1;
            }
            let id = strict_id(argv[i + 1])?;
            i += 1;
            a.trim = Some(Trim::MinId(id));
        } else if is(opt, "limit") && more > 0 {
            a.limit = super::args::int(argv[i + 1])?;
            if a.limit < 0 {
                return Err(Error::err("The LIMIT argument must be >= 0."));
            }
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            a.no_mkstream = true;
        } else if xadd {
            let (id, seq_given) = parse_id(opt, 0, true, true)?;
            a.id = if seq_given {
                IdSpec::Exact(id)
            } else {
                IdSpec::Ms(id.ms)
            };
            a.id_given = true;
            a.seq_given = seq_given;
            break;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    if a.limit != 0 && a.trim.is_none() {
        return Err(Error::err(
            "syntax error, LIMIT cannot be used without specifying a trimming strategy",
        ));
    }
    if !xadd && a.trim.is_none() {
        return Err(Error::err(
            "syntax error, XTRIM must be called with a trimming strategy",
        ));
    }
    if limit_given {
        if !a.approx {
            return Err(Error::err(
                "syntax error, LIMIT cannot be used without the special ~ option",
            ));
        }
    } else if a.approx {
        let per_node = ctx.core.config.stream_node_max_entries;
        a.limit = 100i64.saturating_mul(per_node);
        if a.limit <= 0 || a.limit > 10000 {
            a.limit = 10000;
        }
    } else {
        a.limit = 0;
    }
    Ok((a, i))
}

/// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value ...
fn xadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let (a, idpos) = parse_add_trim(ctx, argv, true)?;
    let field_pos = idpos + 1;
    if argv.len() < field_pos + 2 || (argv.len() - field_pos) % 2 == 1 {
        return Err(Error::wrong_args("xadd"));
    }
    if a.id_given && a.seq_given {
        if let IdSpec::Exact(id) = a.id {
            if id.is_zero() {
                return Err(Error::err(
                    "The ID specified in XADD must be greater than 0-0",
                ));
            }
        }
    }
    let key = argv[1];
    match ctx.lookup_write(key) {
        Some(e) => {
            stream_of(&e.val)?;
        }
        None => {
            if a.no_mkstream {
                ctx.out().null();
                return Ok(());
            }
            let lru = ctx.lru();
            ctx.db()
                .add(key, Value::Stream(Arc::new(Stream::new())), lru);
        }
    }
    let fields: Vec<(&[u8], &[u8])> = argv[field_pos..]
        .chunks_exact(2)
        .map(|c| (c[0], c[1]))
        .collect();
    let node_bytes = ctx.core.config.stream_node_max_bytes.max(0) as usize;
    let node_entries = ctx.core.config.stream_node_max_entries.max(0) as usize;
    let now = ctx.now.max(0) as u64;
    let (res, trimmed) = {
        let s = stream_mut(ctx, key)?.expect("present");
        if s.last_id == StreamId::MAX {
            return Err(Error::err(
                "The stream has exhausted the last possible ID, unable to add more items",
            ));
        }
        let res = s.append(&fields, a.id, now, node_bytes, node_entries);
        let trimmed = match (&res, a.trim) {
            (Ok(_), Some(t)) => s.trim(t, a.approx, a.limit),
            _ => 0,
        };
        (res, trimmed)
    };
    let id = match res {
        Ok(id) => id,
        Err(AppendError::NotGreater) => {
            return Err(Error::err(
                "The ID specified in XADD is equal or smaller than the target stream top item",
            ))
        }
    };
    reply_id(ctx.out(), id);
    ctx.touched(key);
    ctx.notify(Class::STREAM, "xadd", key);
    if trimmed > 0 {
        ctx.notify(Class::STREAM, "xtrim", key);
    }
    Ok(())
}

/// XLEN key
fn xlen(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = match ctx.lookup_read(argv[1]) {
        None => 0,
        Some(e) => stream_of(&e.val)?.len() as i64,
    };
    ctx.out().int(n);
    Ok(())
}

/// XRANGE / XREVRANGE key start end [COUNT count]
fn range_generic(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) -> CmdResult {
    let (sa, ea) = if rev {
        (argv[3], argv[2])
    } else {
        (argv[2], argv[3])
    };
    let (start, end) = range_bounds(sa, ea)?;
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if is(argv[j], "count") && j + 1 < argv.len() {
            count = super::args::int(argv[j + 1])?.max(0);
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let Some((s, out)) = stream_and_out(ctx, argv[1])? else {
        ctx.out().array_len(0);
        return Ok(());
    };
    if count == 0 {
        out.null_array();
        return Ok(());
    }
    let n = if count == -1 { 0 } else { count as usize };
    let entries = s.range(start, end, rev, n);
    reply_entries(out, &entries);
    Ok(())
}

fn xrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    range_generic(ctx, argv, false)
}

fn xrevrange(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    range_generic(ctx, argv, true)
}

/// XDEL key id [id ...]
fn xdel(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    match ctx.lookup_write(key) {
        None => {
            ctx.out().int(0);
            return Ok(());
        }
        Some(e) => {
            stream_of(&e.val)?;
        }
    }
    let ids = argv[2..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let deleted: Vec<StreamId> = {
        let s = stream_mut(ctx, key)?.expect("present");
        let d: Vec<StreamId> = ids.into_iter().filter(|id| s.delete(*id)).collect();
        s.after_delete(&d);
        d
    };
    if !deleted.is_empty() {
        ctx.touched_n(key, deleted.len() as u64);
        ctx.notify(Class::STREAM, "xdel", key);
    }
    ctx.out().int(deleted.len() as i64);
    Ok(())
}

/// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
fn xtrim(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    // Arguments are parsed before the key is looked up (Redis `xtrimCommand`).
    let (a, _) = parse_add_trim(ctx, argv, false)?;
    match ctx.lookup_write(key) {
        None => {
            ctx.out().int(0);
            return Ok(());
        }
        Some(e) => {
            stream_of(&e.val)?;
        }
    }
    let deleted = {
        let s = stream_mut(ctx, key)?.expect("present");
        s.trim(a.trim.expect("checked by the parser"), a.approx, a.limit)
    };
    if deleted > 0 {
        ctx.notify(Class::STREAM, "xtrim", key);
        ctx.touched_n(key, deleted as u64);
    }
    ctx.out().int(deleted);
    Ok(())
}

/// XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id]
fn xsetid(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let id = strict_id(argv[2])?;
    let mut entries_added: i64 = -1;
    let mut max_xdel = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if is(argv[i], "entriesadded") && more > 0 {
            entries_added = super::args::int(argv[i + 1])?;
            if entries_added < 0 {
                return Err(Error::err("entries_added must be positive"));
            }
            i += 2;
        } else if is(argv[i], "maxdeletedid") && more > 0 {
            max_xdel = strict_id(argv[i + 1])?;
            if id < max_xdel {
                return Err(Error::err(
                    "The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                ));
            }
            i += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let key = argv[1];
    {
        let s = stream_mut(ctx, key)?.ok_or(NO_SUCH_KEY)?;
        if id < s.max_deleted_entry_id {
            return Err(Error::err(
                "The ID specified in XSETID is smaller than current max_deleted_entry_id",
            ));
        }
        if s.length > 0 {
            if id < s.last_valid_id() {
                return Err(Error::err(
                    "The ID specified in XSETID is smaller than the target stream top item",
                ));
            }
            if entries_added != -1 && s.length > entries_added as u64 {
                return Err(Error::err(
                    "The entries_added specified in XSETID is smaller than the target stream length",
                ));
            }
        }
        s.last_id = id;
        if entries_added != -1 {
            s.entries_added = entries_added as u64;
        }
        if !max_xdel.is_zero() {
            s.max_deleted_entry_id = max_xdel;
        }
    }
    ctx.out().ok();
    ctx.touched(key);
    ctx.notify(Class::STREAM, "xsetid", key);
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Consumer groups.

/// XGROUP CREATE|SETID|DESTROY|CREATECONSUMER|DELCONSUMER (`xgroupCommand`).
fn xgroup_generic(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let opt = argv[1];
    let key = argv[2];
    let grp = argv[3];
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    if is(opt, "create") || is(opt, "setid") {
        let create = is(opt, "create");
        let mut i = 5;
        while i < argv.len() {
            if create && is(argv[i], "mkstream") {
                mkstream = true;
                i += 1;
            } else if is(argv[i], "entriesread") && i + 1 < argv.len() {
                entries_read = super::args::int(argv[i + 1])?;
                if entries_read < 0 && entries_read != INVALID_ENTRIES_READ {
                    return Err(Error::err("value for ENTRIESREAD must be positive or -1"));
                }
                i += 2;
            } else {
                return Err(subcommand_syntax(argv));
            }
        }
    }
    let exists = match ctx.lookup_write(key) {
        Some(e) => {
            stream_of(&e.val)?;
            true
        }
        None => false,
    };
    if !mkstream {
        if !exists {
            return Err(Error::err("The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically."));
        }
        let has_group = stream_mut(ctx, key)?
            .map(|s| s.groups.contains_key(grp))
            .unwrap_or(false);
        if !has_group && (is(opt, "setid") || is(opt, "createconsumer") || is(opt, "delconsumer")) {
            let mut v = b"NOGROUP No such consumer group '".to_vec();
            v.extend_from_slice(error::c_str(grp));
            v.extend_from_slice(b"' for key name '");
            v.extend_from_slice(error::c_str(key));
            v.push(b'\'');
            return Err(Error::owned(v));
        }
    }
    let now = ctx.now;
    let argc = argv.len();
    if is(opt, "create") && (5..=8).contains(&argc) {
        let id = if argv[4] == b"$" {
            None
        } else {
            Some(strict_id(argv[4])?)
        };
        if !exists {
            let lru = ctx.lru();
            ctx.db()
                .add(key, Value::Stream(Arc::new(Stream::new())), lru);
            ctx.touched_n(key, 0);
        }
        let created = {
            let s = stream_mut(ctx, key)?.expect("present");
            let id = id.unwrap_or(s.last_id);
            if s.groups.contains_key(grp) {
                false
            } else {
                s.groups.insert(grp.to_vec(), Group::new(id, entries_read));
                true
            }
        };
        if !created {
            return Err(Error::fixed("BUSYGROUP Consumer Group name already exists"));
        }
        ctx.out().ok();
        ctx.core.dirty += 1;
        ctx.notify(Class::STREAM, "xgroup-create", key);
    } else if is(opt, "setid") && (argc == 5 || argc == 7) {
        let id_arg = argv[4];
        {
            let s = stream_mut(ctx, key)?.expect("present");
            let id = if id_arg == b"$" {
                s.last_id
            } else {
                parse_id(id_arg, 0, false, false)?.0
            };
            let g = s.groups.get_mut(grp).expect("checked");
            g.last_id = id;
            g.entries_read = entries_read;
        }
        ctx.out().ok();
        ctx.core.dirty += 1;
        ctx.notify(Class::STREAM, "xgroup-setid", key);
    } else if is(opt, "destroy") && argc == 4 {
        let removed = stream_mut(ctx, key)?
            .map(|s| s.groups.remove(grp).is_some())
            .unwrap_or(false);
        if removed {
            ctx.out().int(1);
            ctx.core.dirty += 1;
            ctx.notify(Class::STREAM, "xgroup-destroy", key);
        } else {
            ctx.out().int(0);
        }
    } else if is(opt, "createconsumer") && argc == 5 {
        let created = {
            let s = stream_mut(ctx, key)?.expect("present");
            let g = s.groups.get_mut(grp).expect("checked");
            g.create_consumer(argv[4], now)
        };
        if created {
            ctx.core.dirty += 1;
            ctx.notify(Class::STREAM, "xgroup-createconsumer", key);
        }
        ctx.out().int(created as i64);
    } else if is(opt, "delconsumer") && argc == 5 {
        let pending = {
            let s = stream_mut(ctx, key)?.expect("present");
            let g = s.groups.get_mut(grp).expect("checked");
            if g.consumers.contains_key(argv[4]) {
                Some(g.delete_consumer(argv[4]))
            } else {
                None
            }
        };
        if let Some(p) = pending {
            ctx.core.dirty += 1;
            ctx.notify(Class::STREAM, "xgroup-delconsumer", key);
            ctx.out().int(p as i64);
        } else {
            ctx.out().int(0);
        }
    } else {
        return Err(subcommand_syntax(argv));
    }
    Ok(())
}

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

fn xgroup_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::server::reply_help(ctx.out(), "XGROUP", XGROUP_HELP);
    Ok(())
}

/// Delivers `entries` to `consumer` of `group` (the PEL bookkeeping of
/// `streamReplyWithRange` for new messages).
fn deliver(
    s: &mut Stream,
    group: &[u8],
    consumer: &[u8],
    entries: &[(StreamId, Fields)],
    noack: bool,
    now: i64,
) {
    for (id, _) in entries {
        let (valid, tomb) = {
            let g = &s.groups[group];
            (
                g.entries_read != INVALID_ENTRIES_READ,
                s.range_has_tombstones(Some(*id), None),
            )
        };
        let est = if (!valid || tomb) && s.entries_added != 0 {
            Some(s.estimate_distance(*id))
        } else {
            None
        };
        let g = s.groups.get_mut(group).expect("group exists");
        if *id > g.last_id {
            if valid && !tomb {
                g.entries_read += 1;
            } else if let Some(e) = est {
                g.entries_read = e;
            }
            g.last_id = *id;
        }
        if !noack {
            if let Some(old) = g.pel.get(id).map(|n| n.consumer.clone()) {
                if let Some(c) = g.consumers.get_mut(&old) {
                    c.pel.remove(id);
                }
            }
            g.pel.insert(
                *id,
                Nack {
                    delivery_time: now,
                    delivery_count: 1,
                    consumer: consumer.to_vec(),
                },
            );
            g.consumers
                .get_mut(consumer)
                .expect("consumer exists")
                .pel
                .insert(*id);
        }
    }
}

/// Entries served for one stream: `None` fields for a pending entry since deleted.
type Served = Vec<(StreamId, Option<Fields>)>;

/// XREAD / XREADGROUP (`xreadCommand`).
fn xread_generic(ctx: &mut Ctx, argv: &[&[u8]], xreadgroup: bool) -> CmdResult {
    let mut timeout: i64 = -1;
    let mut count: i64 = 0;
    let mut streams_arg = 0;
    let mut streams_count = 0;
    let mut noack = false;
    let mut group: Option<(&[u8], &[u8])> = None;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - i - 1;
        let o = argv[i];
        if is(o, "block") && more > 0 {
            i += 1;
            let t = crate::util::num::parse_i64(argv[i])
                .ok_or_else(|| Error::err("timeout is not an integer or out of range"))?;
            if t < 0 {
                return Err(Error::err("timeout is negative"));
            }
            timeout = t;
        } else if is(o, "count") && more > 0 {
            i += 1;
            count = super::args::int(argv[i])?.max(0);
        } else if is(o, "streams") && more > 0 {
            streams_arg = i + 1;
            streams_count = argv.len() - streams_arg;
            if streams_count % 2 != 0 {
                // Redis 7.0.15 says XREAD and '$' for XREADGROUP too.
                return Err(Error::err("Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified."));
            }
            streams_count /= 2;
            break;
        } else if is(o, "group") && more >= 2 {
            if !xreadgroup {
                return Err(Error::err(
                    "The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            group = Some((argv[i + 1], argv[i + 2]));
            i += 2;
        } else if is(o, "noack") {
            if !xreadgroup {
                return Err(Error::err(
                    "The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                ));
            }
            noack = true;
        } else {
            return Err(error::SYNTAX);
        }
        i += 1;
    }
    if streams_arg == 0 {
        return Err(error::SYNTAX);
    }
    if xreadgroup && group.is_none() {
        return Err(Error::err("Missing GROUP option for XREADGROUP"));
    }
    // Resolve IDs ('$' and '>') and check keys and groups.
    let mut ids: Vec<StreamId> = Vec::with_capacity(streams_count);
    for k in 0..streams_count {
        let key = argv[streams_arg + k];
        let id_arg = argv[streams_arg + streams_count + k];
        let (exists, last_id, has_group) = match ctx.lookup_read(key) {
            None => (false, StreamId::MIN, false),
            Some(e) => {
                let s = stream_of(&e.val)?;
                (
                    true,
                    s.last_id,
                    group
                        .map(|(g, _)| s.groups.contains_key(g))
                        .unwrap_or(false),
                )
            }
        };
        if let Some((g, _)) = group {
            if !exists || !has_group {
                return Err(no_group(key, g, " in XREADGROUP with GROUP option"));
            }
        }
        if id_arg == b"$" {
            if xreadgroup {
                return Err(Error::err("The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set."));
            }
            ids.push(if exists { last_id } else { StreamId::MIN });
            continue;
        }
        if id_arg == b">" {
            if !xreadgroup {
                return Err(Error::err("The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option."));
            }
            ids.push(StreamId::MAX);
            continue;
        }
        ids.push(strict_id(id_arg)?);
    }
    // Serve synchronously what can be served.
    let now = ctx.now;
    let mut served: Vec<(usize, Served)> = Vec::new();
    for (k, gt) in ids.iter().enumerate() {
        let key = argv[streams_arg + k];
        let Some(e) = ctx.lookup_read(key) else {
            continue;
        };
        let s = stream_of(&e.val)?;
        let mut gt = *gt;
        let mut serve = false;
        let mut history = false;
        if let Some((g, _)) = group {
            if gt != StreamId::MAX {
                serve = true;
                history = true;
            } else if s.length > 0 {
                let last = s.groups[g].last_id;
                if s.last_valid_id() > last {
                    serve = true;
                    gt = last;
                }
            }
        } else if s.length > 0 && s.last_valid_id() > gt {
            serve = true;
        }
        if !serve {
            continue;
        }
        let start = gt.incr().unwrap_or(StreamId::MAX);
        let n = count.max(0) as usize;
        let Some((g, consumer)) = group else {
            let entries = s.range(start, StreamId::MAX, false, n);
            served.push((
                k,
                entries.into_iter().map(|(id, f)| (id, Some(f))).collect(),
            ));
            continue;
        };
        let s = stream_mut(ctx, key)?.expect("present");
        let gr = s.groups.get_mut(g).expect("checked");
        let created = !gr.consumers.contains_key(consumer);
        if created {
            gr.create_consumer(consumer, now);
        }
        gr.consumers.get_mut(consumer).expect("created").seen_time = now;
        let out: Vec<(StreamId, Option<Fields>)> = if history {
            // The consumer's own pending entries from `start`.
            let pel: Vec<StreamId> = gr.consumers[consumer]
                .pel
                .range(start..)
                .take(if n == 0 { usize::MAX } else { n })
                .copied()
                .collect();
            let mut v = Vec::with_capacity(pel.len());
            for id in pel {
                let f = s.get(id);
                if f.is_some() {
                    let nack = s
                        .groups
                        .get_mut(g)
                        .expect("checked")
                        .pel
                        .get_mut(&id)
                        .expect("consumer PEL entries are in the group PEL");
                    nack.delivery_time = now;
                    nack.delivery_count += 1;
                }
                v.push((id, f));
            }
            v
        } else {
            let entries = s.range(start, StreamId::MAX, false, n);
            deliver(s, g, consumer, &entries, noack, now);
            entries.into_iter().map(|(id, f)| (id, Some(f))).collect()
        };
        ctx.core.dirty += 1;
        if created {
            // `streamCreateConsumer` publishes it (the read itself publishes nothing).
            ctx.notify(Class::STREAM, "xgroup-createconsumer", key);
        }
        served.push((k, out));
    }
    if !served.is_empty() {
        let out = ctx.out();
        let resp3 = out.resp3();
        if resp3 {
            out.map_len(served.len());
        } else {
            out.array_len(served.len());
        }
        for (k, entries) in &served {
            if !resp3 {
                out.array_len(2);
            }
            out.bulk(argv[streams_arg + k]);
            out.array_len(entries.len());
            for (id, f) in entries {
                match f {
                    Some(f) => reply_entry(out, *id, f),
                    None => {
                        out.array_len(2);
                        reply_id(out, *id);
                        out.null_array();
                    }
                }
            }
        }
        return Ok(());
    }
    if timeout != -1 {
        // Blocking reads wait for data on these keys (see the blocking framework).
        return block_for_streams(
            ctx,
            argv,
            streams_arg,
            streams_count,
            &ids,
            timeout,
            count,
            group,
            noack,
        );
    }
    ctx.out().null_array();
    Ok(())
}

/// Blocks an XREAD/XREADGROUP client until one of its streams gets entries past its ID
/// (`blockForKeys` with `BLOCKED_STREAM`); a client that may not block (inside MULTI) gets
/// the null reply of a timeout at once.
#[allow(clippy::too_many_arguments)]
fn block_for_streams(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    streams_arg: usize,
    streams_count: usize,
    ids: &[StreamId],
    timeout: i64,
    count: i64,
    group: Option<(&[u8], &[u8])>,
    noack: bool,
) -> CmdResult {
    if !crate::blocking::can_block(ctx) {
        ctx.out().null_array();
        return Ok(());
    }
    let keys: Vec<&[u8]> = argv[streams_arg..streams_arg + streams_count].to_vec();
    let mut per_key: Vec<(Vec<u8>, StreamId)> = Vec::with_capacity(keys.len());
    for (k, id) in keys.iter().zip(ids) {
        if !per_key.iter().any(|(x, _)| x.as_slice() == *k) {
            per_key.push((k.to_vec(), *id));
        }
    }
    let deadline = if timeout == 0 {
        None
    } else {
        Some(ctx.now.saturating_add(timeout))
    };
    let op = crate::blocking::BlockOp::StreamRead {
        ids: per_key,
        // Redis's XREAD_BLOCKED_DEFAULT_COUNT when no COUNT was given.
        count: if count > 0 { count as usize } else { 1000 },
        group: group.map(|(g, c)| (g.to_vec(), c.to_vec(), noack)),
    };
    crate::blocking::block(ctx, &keys, deadline, op);
    Ok(())
}

/// Whether a client blocked by XREAD/XREADGROUP on `key` can be served now: the stream's
/// last ID passed the client's ID (or its group's last delivered ID), or the group is gone
/// (reported as an error).
pub fn can_serve_blocked(
    core: &crate::core::Core,
    db: usize,
    key: &[u8],
    op: &crate::blocking::BlockOp,
) -> bool {
    let crate::blocking::BlockOp::StreamRead { ids, group, .. } = op else {
        return false;
    };
    let Some(s) = core.dbs[db].dict.get(key).and_then(|e| e.val.as_stream()) else {
        return false;
    };
    let Some((_, gt)) = ids.iter().find(|(k, _)| k.as_slice() == key) else {
        return false;
    };
    match group {
        Some((g, _, _)) => match s.groups.get(g.as_slice()) {
            None => true,
            Some(gr) => s.last_id > gr.last_id,
        },
        None => s.last_id > *gt,
    }
}

/// Serves a blocked XREAD/XREADGROUP client from the ready `key`
/// (`serveClientsBlockedOnStreamKey`): the reply holds that one stream.
pub fn serve_blocked(ctx: &mut Ctx, key: &[u8], op: &crate::blocking::BlockOp) -> CmdResult {
    let crate::blocking::BlockOp::StreamRead { ids, count, group } = op else {
        return Ok(());
    };
    let gt = ids
        .iter()
        .find(|(k, _)| k.as_slice() == key)
        .map(|(_, id)| *id)
        .unwrap_or(StreamId::MAX);
    let now = ctx.now;
    let entries = {
        let s = stream_mut(ctx, key)?.ok_or(error::WRONGTYPE)?;
        match group {
            Some((g, c, noack)) => {
                let Some(gr) = s.groups.get_mut(g.as_slice()) else {
                    return Err(Error::fixed(
                        "NOGROUP the consumer group this client was blocked on no longer exists",
                    ));
                };
                let start = gr.last_id.incr().unwrap_or(StreamId::MAX);
                if !gr.consumers.contains_key(c.as_slice()) {
                    gr.create_consumer(c, now);
                }
                gr.consumers
                    .get_mut(c.as_slice())
                    .expect("created")
                    .seen_time = now;
                let entries = s.range(start, StreamId::MAX, false, *count);
                deliver(s, g, c, &entries, *noack, now);
                entries
            }
            None => s.range(
                gt.incr().unwrap_or(StreamId::MAX),
                StreamId::MAX,
                false,
                *count,
            ),
        }
    };
    if group.is_some() {
        ctx.core.dirty += 1;
    }
    let out = ctx.out();
    if out.resp3() {
        out.map_len(1);
    } else {
        out.array_len(1);
        out.array_len(2);
    }
    out.bulk(key);
    reply_entries(out, &entries);
    Ok(())
}

fn xread(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    xread_generic(ctx, argv, false)
}

fn xreadgroup(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    xread_generic(ctx, argv, true)
}

/// XACK key group id [id ...]
fn xack(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let has = match ctx.lookup_read(key) {
        None => false,
        Some(e) => stream_of(&e.val)?.groups.contains_key(argv[2]),
    };
    if !has {
        ctx.out().int(0);
        return Ok(());
    }
    let ids = argv[3..]
        .iter()
        .map(|a| strict_id(a))
        .collect::<Result<Vec<_>, _>>()?;
    let acked = {
        let s = stream_mut(ctx, key)?.expect("present");
        let g = s.groups.get_mut(argv[2]).expect("checked");
        let mut n = 0u64;
        for id in ids {
            if let Some(nack) = g.pel.remove(&id) {
                if let Some(c) = g.consumers.get_mut(&nack.consumer) {
                    c.pel.remove(&id);
                }
                n += 1;
            }
        }
        n
    };
    ctx.core.dirty += acked;
    ctx.out().int(acked as i64);
    Ok(())
}

/// XPENDING key group [[IDLE min-idle-time] start end count [consumer]]
fn xpending(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let justinfo = argv.len() == 3;
    if argv.len() != 3 && (argv.len() < 6 || argv.len() > 9) {
        return Err(error::SYNTAX);
    }
    let mut minidle = 0i64;
    let mut start = StreamId::MIN;
    let mut end = StreamId::MAX;
    let mut count = 0i64;
    let mut consumer: Option<&[u8]> = None;
    if argv.len() >= 6 {
        let mut si = 3;
        if is(argv[3], "idle") {
            minidle = super::args::int(argv[4])?;
            if argv.len() < 8 {
                return Err(error::SYNTAX);
            }
            si += 2;
        }
        count = super::args::int(argv[si + 2])?.max(0);
        let (s, e) = range_bounds(argv[si], argv[si + 1])?;
        start = s;
        end = e;
        if si + 3 < argv.len() {
            consumer = Some(argv[si + 3]);
        }
    }
    let key = argv[1];
    let grp = argv[2];
    let now = ctx.now;
    let e = ctx.lookup_read(key);
    let s = match e {
        None => return Err(no_group(key, grp, "")),
        Some(e) => stream_of(&e.val)?,
    };
    let Some(g) = s.groups.get(grp) else {
        return Err(no_group(key, grp, ""));
    };
    if justinfo {
        let mut rows: Vec<(Vec<u8>, usize)> = Vec::new();
        for (name, c) in &g.consumers {
            if !c.pel.is_empty() {
                rows.push((name.clone(), c.pel.len()));
            }
        }
        let first = g.pel.keys().next().copied();
        let last = g.pel.keys().next_back().copied();
        let n = g.pel.len();
        let out = ctx.out();
        out.array_len(4);
        out.int(n as i64);
        match (first, last) {
            (Some(f), Some(l)) => {
                reply_id(out, f);
                reply_id(out, l);
                out.array_len(rows.len());
                for (name, n) in rows {
                    out.array_len(2);
                    out.bulk(&name);
                    out.bulk_int(n as i64);
                }
            }
            _ => {
                out.null();
                out.null();
                out.null_array();
            }
        }
        return Ok(());
    }
    let ids: Vec<StreamId> = match consumer {
        Some(c) => match g.consumers.get(c) {
            None => {
                ctx.out().array_len(0);
                return Ok(());
            }
            Some(c) => c.pel.range(start..).copied().collect(),
        },
        None => g.pel.range(start..).map(|(k, _)| *k).collect(),
    };
    let mut rows: Vec<(StreamId, Vec<u8>, i64, u64)> = Vec::new();
    for id in ids {
        if count == 0 || id > end {
            break;
        }
        let nack = &g.pel[&id];
        if minidle != 0 && now - nack.delivery_time < minidle {
            continue;
        }
        count -= 1;
        rows.push((
            id,
            nack.consumer.clone(),
            (now - nack.delivery_time).max(0),
            nack.delivery_count,
        ));
    }
    let out = ctx.out();
    out.array_len(rows.len());
    for (id, c, idle, dc) in rows {
        out.array_len(4);
        reply_id(out, id);
        out.bulk(&c);
        out.int(idle);
        out.int(dc as i64);
    }
    Ok(())
}

/// Moves a pending entry to `consumer` (creating it), as XCLAIM/XAUTOCLAIM do.
fn claim_to(g: &mut Group, id: StreamId, consumer: &[u8], now: i64) {
    if !g.consumers.contains_key(consumer) {
        g.create_consumer(consumer, now);
    }
    g.consumers.get_mut(consumer).expect("exists").seen_time = now;
    let old = g.pel.get(&id).map(|n| n.consumer.clone());
    if let Some(old) = old {
        if old != consumer {
            if let Some(c) = g.consumers.get_mut(&old) {
                c.pel.remove(&id);
            }
        }
    }
    if let Some(n) = g.pel.get_mut(&id) {
        n.consumer = consumer.to_vec();
    }
    g.consumers
        .get_mut(consumer)
        .expect("exists")
        .pel
        .insert(id);
}

/// XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms]
/// [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID id]
fn xclaim(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let grp = argv[2];
    let has = match ctx.lookup_read(key) {
        None => false,
        Some(e) => stream_of(&e.val)?.groups.contains_key(grp),
    };
    if !has {
        return Err(no_group(key, grp, ""));
    }
    let minidle = crate::util::num::parse_i64(argv[4])
        .ok_or_else(|| Error::err("Invalid min-idle-time argument for XCLAIM"))?
        .max(0);
    let mut j = 5;
    while j < argv.len() && strict_id(argv[j]).is_ok() {
        j += 1;
    }
    let last_id_arg = j;
    let now = ctx.now;
    let mut force = false;
    let mut justid = false;
    let mut deliverytime: i64 = -1;
    let mut retrycount: i64 = -1;
    let mut last_id = StreamId::MIN;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        let opt = argv[j];
        let num = |a: &[u8], what: &str| {
            crate::util::num::parse_i64(a)
                .ok_or_else(|| Error::err(format!("Invalid {what} option argument for XCLAIM")))
        };
        if is(opt, "force") {
            force = true;
        } else if is(opt, "justid") {
            justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            deliverytime = now - num(argv[j], "IDLE")?;
        } else if is(opt, "time") && more > 0 {
            j += 1;
            deliverytime = num(argv[j], "TIME")?;
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            retrycount = num(argv[j], "RETRYCOUNT")?;
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            last_id = strict_id(argv[j])?;
        } else {
            let mut v = b"ERR Unrecognized XCLAIM option '".to_vec();
            v.extend_from_slice(error::c_str(opt));
            v.push(b'\'');
            return Err(Error::owned(v));
        }
        j += 1;
    }
    if deliverytime == -1 || deliverytime < 0 || deliverytime > now {
        deliverytime = now;
    }
    let consumer = argv[3];
    let mut replies: Vec<(StreamId, Option<Fields>)> = Vec::new();
    let mut changes = 0u64;
    {
        let s = stream_mut(ctx, key)?.expect("present");
        {
            let g = s.groups.get_mut(grp).expect("checked");
            if last_id > g.last_id {
                g.last_id = last_id;
                changes += 1;
            }
        }
        for a in &argv[5..last_id_arg] {
            let id = strict_id(a)?;
            let fields = s.get(id);
            let g = s.groups.get_mut(grp).expect("checked");
            if fields.is_none() {
                if let Some(n) = g.pel.remove(&id) {
                    if let Some(c) = g.consumers.get_mut(&n.consumer) {
                        c.pel.remove(&id);
                    }
                    changes += 1;
                }
                continue;
            }
            let mut forced = false;
            if force && !g.pel.contains_key(&id) {
                g.pel.insert(
                    id,
                    Nack {
                        delivery_time: now,
                        delivery_count: 1,
                        consumer: Vec::new(),
                    },
                );
                forced = true;
            }
            let Some(nack) = g.pel.get(&id) else {
                continue;
            };
            if !forced && minidle != 0 && now - nack.delivery_time < minidle {
                continue;
            }
            if forced {
                // A forced NACK has no previous owner to remove it from.
                g.pel.get_mut(&id).expect("inserted").consumer = consumer.to_vec();
            }
            claim_to(g, id, consumer, now);
            let nack = g.pel.get_mut(&id).expect("present");
            nack.delivery_time = deliverytime;
            if retrycount >= 0 {
                nack.delivery_count = retrycount as u64;
            } else if !justid {
                nack.delivery_count += 1;
            }
            replies.push((id, if justid { None } else { fields }));
            changes += 1;
        }
    }
    ctx.core.dirty += changes;
    let out = ctx.out();
    out.array_len(replies.len());
    for (id, f) in replies {
        if justid {
            reply_id(out, id);
        } else if let Some(f) = f {
            reply_entry(out, id, &f);
        } else {
            out.null();
        }
    }
    Ok(())
}

/// XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]
fn xautoclaim(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let minidle = crate::util::num::parse_i64(argv[4])
        .ok_or_else(|| Error::err("Invalid min-idle-time argument for XAUTOCLAIM"))?
        .max(0);
    let (mut start, sx) = interval_id(argv[5], 0)?;
    if sx {
        start = start
            .incr()
            .ok_or_else(|| Error::err("invalid start ID for the interval"))?;
    }
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(argv[j], "count") && more > 0 {
            let max_count = i64::MAX / 16;
            count = match crate::util::num::parse_i64(argv[j + 1]) {
                Some(v) if (1..=max_count).contains(&v) => v,
                _ => return Err(Error::err("COUNT must be > 0")),
            };
            j += 1;
        } else if is(argv[j], "justid") {
            justid = true;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    let key = argv[1];
    let grp = argv[2];
    let has = match ctx.lookup_read(key) {
        None => false,
        Some(e) => stream_of(&e.val)?.groups.contains_key(grp),
    };
    if !has {
        return Err(no_group(key, grp, ""));
    }
    let now = ctx.now;
    let consumer = argv[3];
    let mut attempts = count.saturating_mul(10);
    let mut claimed: Vec<(StreamId, Option<Fields>)> = Vec::new();
    let mut deleted: Vec<StreamId> = Vec::new();
    let mut changes = 0u64;
    let cursor;
    {
        let s = stream_mut(ctx, key)?.expect("present");
        let pel: Vec<StreamId> = s.groups[grp].pel.range(start..).map(|(k, _)| *k).collect();
        let mut i = 0;
        loop {
            if attempts == 0 {
                break;
            }
            attempts -= 1;
            if count == 0 || i >= pel.len() {
                break;
            }
            let id = pel[i];
            i += 1;
            let fields = s.get(id);
            let g = s.groups.get_mut(grp).expect("checked");
            if fields.is_none() {
                if let Some(n) = g.pel.remove(&id) {
                    if let Some(c) = g.consumers.get_mut(&n.consumer) {
                        c.pel.remove(&id);
                    }
                }
                deleted.push(id);
                count -= 1;
                changes += 1;
                continue;
            }
            let nack = &g.pel[&id];
            if minidle != 0 && now - nack.delivery_time < minidle {
                continue;
            }
            claim_to(g, id, consumer, now);
            let nack = g.pel.get_mut(&id).expect("present");
            nack.delivery_time = now;
            if !justid {
                nack.delivery_count += 1;
            }
            claimed.push((id, if justid { None } else { fields }));
            count -= 1;
            changes += 1;
        }
        cursor = pel.get(i).copied().unwrap_or(StreamId::MIN);
    }
    ctx.core.dirty += changes;
    let out = ctx.out();
    out.array_len(3);
    reply_id(out, cursor);
    out.array_len(claimed.len());
    for (id, f) in &claimed {
        match f {
            Some(f) => reply_entry(out, *id, f),
            None => reply_id(out, *id),
        }
    }
    out.array_len(deleted.len());
    for id in deleted {
        reply_id(out, id);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// XINFO.

/// Node count of a rax holding `keys` (sorted 16-byte keys), as Redis's `rax->numnodes`:
/// the root, plus every trie position that is a key, branches, or hangs off a branch.
fn rax_nodes(keys: &[[u8; 16]]) -> usize {
    let n = keys.len();
    if n == 0 {
        return 1;
    }
    let lcp: Vec<usize> = (0..n)
        .map(|i| {
            if i == 0 {
                0
            } else {
                keys[i - 1]
                    .iter()
                    .zip(&keys[i])
                    .take_while(|(a, b)| a == b)
                    .count()
            }
        })
        .collect();
    // branch[i] for the run at the current depth containing key i.
    let mut parent_branch = vec![false; n];
    let mut total = 1;
    for d in 0..=16usize {
        let mut branch = vec![false; n];
        let mut i = 0;
        while i < n {
            let mut j = i + 1;
            let mut children = 1;
            while j < n && lcp[j] >= d {
                if lcp[j] == d {
                    children += 1;
                }
                j += 1;
            }
            let is_branch = d < 16 && children >= 2;
            if d >= 1 && (d == 16 || is_branch || parent_branch[i]) {
                total += 1;
            }
            for b in &mut branch[i..j] {
                *b = is_branch;
            }
            i = j;
        }
        parent_branch = branch;
    }
    total
}

fn reply_group_lag(out: &mut Out, s: &Stream, g: &Group) {
    match s.group_lag(g) {
        Some(l) => out.int(l),
        None => out.null(),
    }
}

fn reply_entries_read(out: &mut Out, g: &Group) {
    if g.entries_read != INVALID_ENTRIES_READ {
        out.int(g.entries_read);
    } else {
        out.null();
    }
}

fn xinfo_stream(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // The key is looked up before the options are read (Redis `xinfoCommand`).
    match ctx.lookup_read(argv[2]) {
        None => return Err(NO_SUCH_KEY),
        Some(e) => {
            stream_of(&e.val)?;
        }
    }
    let opts = &argv[3..];
    let mut full = true;
    let mut count: i64 = 10;
    if opts.is_empty() {
        full = false;
    } else {
        if opts.len() != 1 && opts.len() != 3 {
            return Err(subcommand_syntax(argv));
        }
        if !is(opts[0], "full") {
            return Err(subcommand_syntax(argv));
        }
        if opts.len() == 3 {
            if !is(opts[1], "count") {
                return Err(subcommand_syntax(argv));
            }
            count = super::args::int(opts[2])?.max(0);
        }
    }
    let db = ctx.client.db;
    let e = ctx.core.dbs[db].dict.get(argv[2]).expect("just looked up");
    let (s, out) = (stream_of(&e.val)?, &mut ctx.client.out);
    let keys: Vec<[u8; 16]> = s.nodes.keys().map(|k| k.encode()).collect();
    out.map_len(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.length as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.nodes.len() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(rax_nodes(&keys) as i64);
    out.bulk(b"last-generated-id");
    reply_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    reply_id(out, s.max_deleted_entry_id);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    reply_id(out, s.first_id);
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        out.bulk(b"first-entry");
        match s.edge(true) {
            Some((id, f)) => reply_entry(out, id, &f),
            None => out.null(),
        }
        out.bulk(b"last-entry");
        match s.edge(false) {
            Some((id, f)) => reply_entry(out, id, &f),
            None => out.null(),
        }
        return Ok(());
    }
    let n = count as usize;
    out.bulk(b"entries");
    let entries = s.range(StreamId::MIN, StreamId::MAX, false, n);
    reply_entries(out, &entries);
    out.bulk(b"groups");
    out.array_len(s.groups.len());
    for (name, g) in &s.groups {
        out.map_len(7);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_entries_read(out, g);
        out.bulk(b"lag");
        reply_group_lag(out, s, g);
        out.bulk(b"pel-count");
        out.int(g.pel.len() as i64);
        out.bulk(b"pending");
        let pel: Vec<_> = g
            .pel
            .iter()
            .take(if n == 0 { usize::MAX } else { n })
            .collect();
        out.array_len(pel.len());
        for (id, nack) in pel {
            out.array_len(4);
            reply_id(out, *id);
            out.bulk(&nack.consumer);
            out.int(nack.delivery_time);
            out.int(nack.delivery_count as i64);
        }
        out.bulk(b"consumers");
        out.array_len(g.consumers.len());
        for (cname, c) in &g.consumers {
            out.map_len(4);
            out.bulk(b"name");
            out.bulk(cname);
            out.bulk(b"seen-time");
            out.int(c.seen_time);
            out.bulk(b"pel-count");
            out.int(c.pel.len() as i64);
            out.bulk(b"pending");
            let pel: Vec<_> = c
                .pel
                .iter()
                .take(if n == 0 { usize::MAX } else { n })
                .collect();
            out.array_len(pel.len());
            for id in pel {
                let nack = &g.pel[id];
                out.array_len(3);
                reply_id(out, *id);
                out.int(nack.delivery_time);
                out.int(nack.delivery_count as i64);
            }
        }
    }
    Ok(())
}

fn xinfo_groups(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let Some((s, out)) = stream_and_out(ctx, argv[2])? else {
        return Err(NO_SUCH_KEY);
    };
    out.array_len(s.groups.len());
    for (name, g) in &s.groups {
        out.map_len(6);
        out.bulk(b"name");
        out.bulk(name);
        out.bulk(b"consumers");
        out.int(g.consumers.len() as i64);
        out.bulk(b"pending");
        out.int(g.pel.len() as i64);
        out.bulk(b"last-delivered-id");
        reply_id(out, g.last_id);
        out.bulk(b"entries-read");
        reply_entries_read(out, g);
        out.bulk(b"lag");
        reply_group_lag(out, s, g);
    }
    Ok(())
}

fn xinfo_consumers(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let now = ctx.now;
    let key = argv[2];
    let Some(e) = ctx.lookup_read(key) else {
        return Err(NO_SUCH_KEY);
    };
    let s = stream_of(&e.val)?;
    let Some(g) = s.groups.get(argv[3]) else {
        let mut v = b"NOGROUP No such consumer group '".to_vec();
        v.extend_from_slice(error::c_str(argv[3]));
        v.extend_from_slice(b"' for key name '");
        v.extend_from_slice(error::c_str(key));
        v.push(b'\'');
        return Err(Error::owned(v));
    };
    let rows: Vec<(Vec<u8>, usize, i64)> = g
        .consumers
        .iter()
        .map(|(n, c)| (n.clone(), c.pel.len(), (now - c.seen_time).max(0)))
        .collect();
    let out = ctx.out();
    out.array_len(rows.len());
    for (n, p, idle) in rows {
        out.map_len(3);
        out.bulk(b"name");
        out.bulk(&n);
        out.bulk(b"pending");
        out.int(p as i64);
        out.bulk(b"idle");
        out.int(idle);
    }
    Ok(())
}

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

fn xinfo_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::server::reply_help(ctx.out(), "XINFO", XINFO_HELP);
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::XADD, xadd),
    Command::new(&meta::XLEN, xlen),
    Command::new(&meta::XRANGE, xrange),
    Command::new(&meta::XREVRANGE, xrevrange),
    Command::new(&meta::XDEL, xdel),
    Command::new(&meta::XTRIM, xtrim),
    Command::new(&meta::XSETID, xsetid),
    Command::new(&meta::XREAD, xread),
    Command::new(&meta::XREADGROUP, xreadgroup),
    Command::new(&meta::XACK, xack),
    Command::new(&meta::XPENDING, xpending),
    Command::new(&meta::XCLAIM, xclaim),
    Command::new(&meta::XAUTOCLAIM, xautoclaim),
    Command::container(
        &meta::XGROUP,
        &[
            Command::new(&meta::XGROUP_CREATE, xgroup_generic),
            Command::new(&meta::XGROUP_SETID, xgroup_generic),
            Command::new(&meta::XGROUP_DESTROY, xgroup_generic),
            Command::new(&meta::XGROUP_CREATECONSUMER, xgroup_generic),
            Command::new(&meta::XGROUP_DELCONSUMER, xgroup_generic),
            Command::new(&meta::XGROUP_HELP, xgroup_help),
        ],
    ),
    Command::container(
        &meta::XINFO,
        &[
            Command::new(&meta::XINFO_STREAM, xinfo_stream),
            Command::new(&meta::XINFO_GROUPS, xinfo_groups),
            Command::new(&meta::XINFO_CONSUMERS, xinfo_consumers),
            Command::new(&meta::XINFO_HELP, xinfo_help),
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_like_redis() {
        assert_eq!(
            parse_id(b"5", 7, false, false),
            Ok((StreamId::new(5, 7), true))
        );
        assert_eq!(
            parse_id(b"5-3", 0, true, false),
            Ok((StreamId::new(5, 3), true))
        );
        assert_eq!(parse_id(b"-", 0, false, false), Ok((StreamId::MIN, true)));
        assert_eq!(parse_id(b"+", 0, false, false), Ok((StreamId::MAX, true)));
        assert!(parse_id(b"-", 0, true, false).is_err());
        assert_eq!(
            parse_id(b"5-*", 0, true, true),
            Ok((StreamId::new(5, 0), false))
        );
        assert!(parse_id(b"5-*", 0, true, false).is_err());
        assert!(parse_id(b"-1", 0, false, false).is_err());
        assert!(parse_id(b"abc", 0, false, false).is_err());
        assert_eq!(
            parse_id(b"18446744073709551615-18446744073709551615", 0, true, false),
            Ok((StreamId::MAX, true))
        );
        assert!(parse_id(b"18446744073709551616", 0, true, false).is_err());
    }

    #[test]
    fn rax_node_counts_match_redis_shapes() {
        // One key: a compressed root and the key node.
        assert_eq!(rax_nodes(&[StreamId::new(1, 1).encode()]), 2);
        assert_eq!(rax_nodes(&[]), 1);
    }
}
