//! Diagnostics: MONITOR, SLOWLOG, LATENCY, DEBUG, MEMORY.

use super::args::{self, is};
use super::error::{self, Error};
use super::server::reply_help;
use super::{meta, CmdResult, Command, Ctx};
use crate::client::flags;
use crate::core::Core;
use crate::types::value::Value;

/// MONITOR
fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.client.has(flags::MONITOR) {
        return Ok(());
    }
    ctx.client.flags |= flags::MONITOR;
    ctx.core.monitors.push(ctx.client.token);
    ctx.out().ok();
    Ok(())
}

/// SLOWLOG GET [count]
fn slowlog_get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 3 {
        return Err(error::subcommand_syntax(argv));
    }
    let mut count = 10i64;
    if let Some(a) = argv.get(2) {
        count = match crate::util::num::parse_i64(a) {
            Some(v) if v >= -1 => v,
            _ => return Err(Error::err("count should be greater than or equal to -1")),
        };
    }
    let n = if count == -1 {
        ctx.core.slowlog.len()
    } else {
        (count as usize).min(ctx.core.slowlog.len())
    };
    let entries: Vec<_> = ctx.core.slowlog.iter().take(n).cloned().collect();
    let out = ctx.out();
    out.array_len(entries.len());
    for e in entries {
        out.array_len(6);
        out.int(e.id as i64);
        out.int(e.time);
        out.int(e.duration_us);
        out.array_len(e.argv.len());
        for a in &e.argv {
            out.bulk(a);
        }
        out.bulk(e.addr.as_bytes());
        out.bulk(&e.name);
    }
    Ok(())
}

/// SLOWLOG LEN
fn slowlog_len(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let n = ctx.core.slowlog.len() as i64;
    ctx.out().int(n);
    Ok(())
}

/// SLOWLOG RESET
fn slowlog_reset(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.core.slowlog.clear();
    ctx.out().ok();
    Ok(())
}

/// SLOWLOG HELP
fn slowlog_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    reply_help(
        ctx.out(),
        "SLOWLOG",
        &[
            "GET [<count>]",
            "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
            "    Entries are made of:",
            "    id, timestamp, time in microseconds, arguments array, client IP and port,",
            "    client name",
            "LEN",
            "    Return the length of the slowlog.",
            "RESET",
            "    Reset the slowlog.",
        ],
    );
    Ok(())
}

/// LATENCY LATEST
fn latency_latest(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let evs: Vec<(String, i64, i64, i64)> = ctx
        .core
        .latency
        .events
        .iter()
        .filter_map(|(name, ev)| {
            ev.samples
                .back()
                .map(|&(t, ms)| (name.clone(), t, ms, ev.max))
        })
        .collect();
    let out = ctx.out();
    out.array_len(evs.len());
    for (name, t, ms, max) in evs {
        out.array_len(4);
        out.bulk(name.as_bytes());
        out.int(t);
        out.int(ms);
        out.int(max);
    }
    Ok(())
}

/// LATENCY HISTORY event
fn latency_history(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let name = String::from_utf8_lossy(argv[2]).into_owned();
    let samples: Vec<(i64, i64)> = ctx
        .core
        .latency
        .events
        .get(&name)
        .map(|e| e.samples.iter().copied().collect())
        .unwrap_or_default();
    let out = ctx.out();
    out.array_len(samples.len());
    for (t, ms) in samples {
        out.array_len(2);
        out.int(t);
        out.int(ms);
    }
    Ok(())
}

/// LATENCY RESET [event ...]
fn latency_reset(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let lat = &mut ctx.core.latency;
    let n = if argv.len() == 2 {
        let n = lat.events.len();
        lat.events.clear();
        n
    } else {
        argv[2..]
            .iter()
            .filter(|a| lat.events.remove(&*String::from_utf8_lossy(a)).is_some())
            .count()
    };
    ctx.out().int(n as i64);
    Ok(())
}

/// LATENCY DOCTOR
fn latency_doctor(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let text = ctx
        .core
        .latency
        .doctor(ctx.core.config.latency_monitor_threshold);
    ctx.out().verbatim(text.as_bytes(), b"txt");
    Ok(())
}

/// LATENCY GRAPH event
fn latency_graph(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let name = String::from_utf8_lossy(argv[2]).into_owned();
    match ctx.core.latency.graph(&name, ctx.now / 1000) {
        Some(g) => {
            ctx.out().verbatim(g.as_bytes(), b"txt");
            Ok(())
        }
        None => {
            let mut m = b"ERR No samples available for event '".to_vec();
            m.extend_from_slice(error::c_str(argv[2]));
            m.push(b'\'');
            Err(Error::owned(m))
        }
    }
}

/// LATENCY HISTOGRAM [command ...]
fn latency_histogram(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let reg = &ctx.core.registry;
    let mut ids: Vec<usize> = Vec::new();
    if argv.len() == 2 {
        for (id, c) in reg.cmds.iter().enumerate() {
            if c.subs.is_empty() && ctx.core.cmd_stats[id].hist.is_some() {
                ids.push(id);
            }
        }
    } else {
        for a in &argv[2..] {
            let name = a.to_ascii_lowercase();
            let id = match name.iter().position(|&c| c == b'|') {
                None => reg.lookup(&name),
                Some(p) => reg
                    .lookup(&name[..p])
                    .and_then(|i| reg.lookup_sub(i, &name[p + 1..])),
            };
            if let Some(id) = id {
                if ctx.core.cmd_stats[id].hist.is_some() && !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
    }
    let core = &*ctx.core;
    let out = &mut ctx.client.out;
    out.map_len(ids.len());
    for id in ids {
        out.bulk(core.registry.cmds[id].meta.name.as_bytes());
        let Some(h) = &core.cmd_stats[id].hist else {
            continue;
        };
        out.map_len(2);
        out.bulk(b"calls");
        out.int(h.len() as i64);
        out.bulk(b"histogram_usec");
        let d = out.deferred();
        let mut n = 0;
        let mut prev = 0u64;
        let mut cumulative = 0u64;
        for v in h.iter_log(1024, 2.0) {
            cumulative += v.count_since_last_iteration();
            if cumulative > prev {
                out.int((h.highest_equivalent(v.value_iterated_to()) / 1000) as i64);
                out.int(cumulative as i64);
                n += 1;
            }
            prev = cumulative;
        }
        out.set_deferred(d, b'%', n);
    }
    Ok(())
}

/// LATENCY HELP
fn latency_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    reply_help(
        ctx.out(),
        "LATENCY",
        &[
            "DOCTOR",
            "    Return a human readable latency analysis report.",
            "GRAPH <event>",
            "    Return an ASCII latency graph for the <event> class.",
            "HISTORY <event>",
            "    Return time-latency samples for the <event> class.",
            "LATEST",
            "    Return the latest latency samples for all events.",
            "RESET [<event> ...]",
            "    Reset latency data of one or more <event> classes.",
            "    (default: reset all data for all event classes)",
            "HISTOGRAM [COMMAND ...]",
            "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
            "    If no commands are specified then all histograms are replied.",
        ],
    );
    Ok(())
}

/// Bytes the RDB encoding of a value takes (`rdbSavedObjectLen`), for DEBUG OBJECT.
fn serialized_len(v: &Value) -> usize {
    match v {
        Value::Str(s) => {
            let mut w = crate::persistence::rdb::io::RdbWriter::new(Vec::new(), false, true);
            let _ = w.write_string(&s.to_vec());
            w.bytes_written() as usize
        }
        other => other.heap_size(),
    }
}

/// DEBUG subcommand [args]
fn debug(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if !debug_allowed(ctx) {
        return Err(Error::err("DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."));
    }
    let sub = argv[1];
    let n = argv.len();
    if is(sub, "help") && n == 2 {
        reply_help(ctx.out(), "DEBUG", DEBUG_HELP);
    } else if is(sub, "sleep") && n == 3 {
        let secs = crate::util::num::parse_f64(argv[2]).unwrap_or(0.0);
        if secs > 0.0 {
            std::thread::sleep(std::time::Duration::from_secs_f64(secs.min(3600.0)));
        }
        ctx.out().ok();
    } else if is(sub, "set-active-expire") && n == 3 {
        ctx.core.active_expire = crate::util::num::parse_i64(argv[2]).unwrap_or(0) != 0;
        ctx.out().ok();
    } else if is(sub, "object") && n == 3 {
        let lru_now = ctx.lru();
        let Some(e) = ctx.db().dict.get(argv[2]) else {
            return Err(error::NO_SUCH_KEY);
        };
        let refcount = match &e.val {
            Value::Str(crate::types::value::Str::Int(i)) if (0..10000).contains(i) => {
                i32::MAX as i64
            }
            _ => 1,
        };
        let idle = lru_now.wrapping_sub(e.lru) & ((1 << 24) - 1);
        let line = format!(
            "Value at:{:p} refcount:{} encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
            e as *const _,
            refcount,
            e.val.encoding(),
            serialized_len(&e.val),
            e.lru,
            idle
        );
        ctx.out().simple(line.as_bytes());
    } else if is(sub, "log") && n == 3 {
        log::warn!("DEBUG LOG: {}", String::from_utf8_lossy(argv[2]));
        ctx.out().ok();
    } else if is(sub, "error") && n == 3 {
        return Err(Error::owned(argv[2].to_vec()));
    } else if is(sub, "populate") && (3..=5).contains(&n) {
        let count = args::positive(argv[2])?;
        let prefix: &[u8] = argv.get(3).copied().unwrap_or(b"key");
        let size = match argv.get(4) {
            Some(a) => args::positive(a)? as usize,
            None => 0,
        };
        let lru = ctx.lru();
        let now = ctx.now;
        let db = ctx.db();
        for i in 0..count {
            let mut key = prefix.to_vec();
            key.push(b':');
            crate::util::num::write_i64(i, &mut key);
            if db.contains(&key, now) {
                continue;
            }
            let mut val = b"value:".to_vec();
            crate::util::num::write_i64(i, &mut val);
            if size > 0 {
                val.resize(size, 0);
            }
            db.add(
                &key,
                Value::Str(crate::types::value::Str::from_vec(val)),
                lru,
            );
        }
        ctx.out().ok();
    } else if is(sub, "reload") {
        debug_reload(ctx, &argv[2..])?;
    } else if is(sub, "protocol") && n == 3 {
        debug_protocol(ctx, argv[2])?;
    } else {
        let mut m = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
        m.extend_from_slice(error::c_str(sub));
        m.extend_from_slice(b"'. Try DEBUG HELP.");
        return Err(Error::owned(m));
    }
    Ok(())
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty the databases, load the file back.
fn debug_reload(ctx: &mut Ctx, opts: &[&[u8]]) -> CmdResult {
    use crate::persistence::snapshot;
    let (mut merge, mut flush, mut save) = (false, true, true);
    for o in opts {
        if is(o, "merge") {
            merge = true;
        } else if is(o, "noflush") {
            flush = false;
        } else if is(o, "nosave") {
            save = false;
        } else {
            return Err(Error::err(
                "DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.",
            ));
        }
    }
    if save {
        // A running BGSAVE is completed first: two snapshots never run at once.
        snapshot::complete_running(ctx.core);
        if !snapshot::save_sync(ctx.core) {
            return Err(error::ERR_BARE);
        }
    }
    if flush {
        ctx.core.db_modified(None);
        for db in ctx.core.dbs.iter_mut() {
            db.flush();
        }
    }
    match snapshot::reload(ctx.core, merge) {
        Ok(true) => {}
        Ok(false) => {
            log::warn!("Fatal error loading the DB: No such file or directory.");
            return Err(Error::err("Error trying to load the RDB dump"));
        }
        Err(msg) => {
            log::warn!("{msg}");
            return Err(Error::err("Error trying to load the RDB dump"));
        }
    }
    log::warn!("DB reloaded by DEBUG RELOAD");
    ctx.out().ok();
    Ok(())
}

fn debug_allowed(ctx: &Ctx) -> bool {
    match ctx.core.config.enable_debug_command.name() {
        "yes" => true,
        "local" => {
            ctx.client.has(flags::UNIX)
                || ctx.client.addr.starts_with("127.")
                || ctx.client.addr.starts_with("[::1]")
        }
        _ => false,
    }
}

/// DEBUG PROTOCOL type: a sample reply of each RESP type.
fn debug_protocol(ctx: &mut Ctx, ty: &[u8]) -> CmdResult {
    let out = ctx.out();
    if is(ty, "string") {
        out.bulk(b"Hello World");
    } else if is(ty, "integer") {
        out.int(12345);
    } else if is(ty, "double") {
        #[allow(clippy::approx_constant)]
        out.double(3.141);
    } else if is(ty, "bignum") {
        if out.resp3() {
            out.raw(b"(1234567999999999999999999999999999999\r\n");
        } else {
            out.bulk(b"1234567999999999999999999999999999999");
        }
    } else if is(ty, "null") {
        out.null();
    } else if is(ty, "array") {
        out.array_len(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(ty, "set") {
        out.set_len(3);
        (0..3).for_each(|i| out.int(i));
    } else if is(ty, "map") {
        out.map_len(3);
        for i in 0..3 {
            out.int(i);
            out.boolean(i == 1);
        }
    } else if is(ty, "attrib") {
        if out.resp3() {
            out.raw(b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n");
        }
        out.bulk(b"Some real reply following the attribute");
    } else if is(ty, "push") {
        if !out.resp3() {
            return Err(Error::err("RESP2 is not supported by this command"));
        }
        out.raw(b">2\r\n$6\r\nserver\r\n$4\r\npush\r\n");
        out.bulk(b"Some real reply following the push reply");
    } else if is(ty, "true") {
        out.boolean(true);
    } else if is(ty, "false") {
        out.boolean(false);
    } else if is(ty, "verbatim") {
        out.verbatim(b"This is a verbatim\nstring", b"txt");
    } else {
        return Err(Error::err("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"));
    }
    Ok(())
}

const DEBUG_HELP: &[&str] = &[
    "ERROR <string>",
    "    Return a Redis protocol error with <string> as message. Useful for clients",
    "    unit tests to simulate Redis errors.",
    "LOG <message>",
    "    Write <message> to the server log.",
    "OBJECT <key>",
    "    Show low level info about `key` and associated value.",
    "POPULATE <count> [<prefix>] [<size>]",
    "    Create <count> string keys named key:<num>. If <prefix> is specified then",
    "    it is used instead of the 'key' prefix. These are not propagated to",
    "    replicas. Cluster slots are not respected so keys not belonging to the",
    "    current node can be created in cluster mode.",
    "PROTOCOL <type>",
    "    Reply with a test value of the specified type. <type> can be: string,",
    "    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
    "    true, false.",
    "RELOAD [option ...]",
    "    Save the RDB on disk and reload it back to memory. Valid <option> values:",
    "    * MERGE: conflicting keys will be loaded from RDB.",
    "    * NOFLUSH: the existing database will not be removed before load, but",
    "      conflicting keys will generate an exception and kill the server.",
    "    * NOSAVE: the database will be loaded from an existing RDB file.",
    "    Examples:",
    "    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
    "      the database.",
    "    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
    "      existing RDB file.",
    "    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
    "      file to the database.",
    "SET-ACTIVE-EXPIRE <0|1>",
    "    Setting it to 0 disables expiring keys in background when they are not",
    "    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
    "    default.",
    "SLEEP <seconds>",
    "    Stop the server for <seconds>. Decimals allowed.",
];

/// Estimated bytes used by a key and its value (`MEMORY USAGE`): the table node, the key,
/// the value's own allocations.
pub fn key_memory(key: &[u8], v: &Value) -> usize {
    let node = 3 * std::mem::size_of::<usize>() + std::mem::size_of::<crate::db::keyspace::Entry>();
    node + key.len() + v.heap_size()
}

/// MEMORY USAGE key [SAMPLES count]
fn memory_usage(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // Options are read in order (Redis `memoryCommand`): a bad count before a stray word.
    let mut j = 3;
    while j < argv.len() {
        if is(argv[j], "samples") && j + 1 < argv.len() {
            if args::int(argv[j + 1])? < 0 {
                return Err(error::SYNTAX);
            }
            j += 2;
        } else {
            return Err(error::SYNTAX);
        }
    }
    let now = ctx.now;
    let db = ctx.db();
    db.expire_if_needed(argv[2], now);
    match db.dict.get(argv[2]) {
        Some(e) => {
            let n = key_memory(argv[2], &e.val) as i64;
            ctx.out().int(n);
        }
        None => ctx.out().null(),
    }
    Ok(())
}

/// MEMORY DOCTOR
fn memory_doctor(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let used = crate::info::used_memory(ctx.core);
    let text = if used < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base."
    };
    ctx.out().verbatim(text.as_bytes(), b"txt");
    Ok(())
}

/// MEMORY MALLOC-STATS
fn memory_malloc_stats(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.out()
        .verbatim(b"Stats not supported for the current allocator", b"txt");
    Ok(())
}

/// MEMORY PURGE
fn memory_purge(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.out().ok();
    Ok(())
}

/// MEMORY STATS
fn memory_stats(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let core = &*ctx.core;
    let used = crate::info::used_memory(core) as i64;
    let rss = crate::info::rss_bytes() as i64;
    let clients: i64 = core
        .clients
        .iter()
        .map(|c| (c.qbuf.capacity() + c.out.buf.capacity()) as i64)
        .sum::<i64>()
        + (ctx.client.qbuf.capacity() + ctx.client.out.buf.capacity()) as i64;
    let mut dbs = Vec::new();
    let mut overhead = 0i64;
    let mut keys = 0i64;
    for db in &core.dbs {
        if db.is_empty() {
            continue;
        }
        let main = db.dict.mem_usage() as i64;
        let exp = db.expires.mem_usage() as i64;
        overhead += main + exp;
        keys += db.len() as i64;
        dbs.push((db.id, main, exp));
    }
    let startup = core.startup_memory as i64;
    let dataset = (used - startup - overhead - clients).max(0);
    let out = &mut ctx.client.out;
    out.map_len(17 + dbs.len());
    let kv = |out: &mut crate::resp::Out, k: &str, v: i64| {
        out.bulk(k.as_bytes());
        out.int(v);
    };
    kv(out, "peak.allocated", used.max(core.peak_memory as i64));
    kv(out, "total.allocated", used);
    kv(out, "startup.allocated", startup);
    kv(out, "replication.backlog", 0);
    kv(out, "clients.slaves", 0);
    kv(out, "clients.normal", clients);
    kv(out, "cluster.links", 0);
    kv(out, "aof.buffer", 0);
    kv(out, "lua.caches", 0);
    kv(out, "functions.caches", 0);
    for (id, main, exp) in dbs {
        out.bulk(format!("db.{id}").as_bytes());
        out.map_len(2);
        kv(out, "overhead.hashtable.main", main);
        kv(out, "overhead.hashtable.expires", exp);
    }
    kv(out, "overhead.total", startup + overhead + clients);
    kv(out, "keys.count", keys);
    kv(
        out,
        "keys.bytes-per-key",
        if keys > 0 { (used - startup) / keys } else { 0 },
    );
    kv(out, "dataset.bytes", dataset);
    out.bulk(b"dataset.percentage");
    out.double(if used > startup {
        dataset as f64 * 100.0 / (used - startup) as f64
    } else {
        0.0
    });
    out.bulk(b"peak.percentage");
    out.double(used as f64 * 100.0 / used.max(core.peak_memory as i64).max(1) as f64);
    kv(out, "fragmentation.bytes", rss - used);
    Ok(())
}

/// MEMORY HELP
fn memory_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    reply_help(
        ctx.out(),
        "MEMORY",
        &[
            "DOCTOR",
            "    Return memory problems reports.",
            "MALLOC-STATS",
            "    Return internal statistics report from the memory allocator.",
            "PURGE",
            "    Attempt to purge dirty pages for reclamation by the allocator.",
            "STATS",
            "    Return information about the memory usage of the server.",
            "USAGE <key> [SAMPLES <count>]",
            "    Return memory in bytes used by <key> and its value. Nested values are",
            "    sampled up to <count> times (default: 5, 0 means sample all).",
        ],
    );
    Ok(())
}

/// Records a command's latency event for the latency monitor (when enabled).
pub fn record_latency(core: &mut Core, event: &str, ms: i64, now_s: i64) {
    let threshold = core.config.latency_monitor_threshold;
    if threshold > 0 && ms >= threshold {
        core.latency.add(event, now_s, ms);
    }
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::MONITOR, monitor),
    Command::new(&meta::DEBUG, debug),
    Command::container(
        &meta::SLOWLOG,
        &[
            Command::new(&meta::SLOWLOG_GET, slowlog_get),
            Command::new(&meta::SLOWLOG_LEN, slowlog_len),
            Command::new(&meta::SLOWLOG_RESET, slowlog_reset),
            Command::new(&meta::SLOWLOG_HELP, slowlog_help),
        ],
    ),
    Command::container(
        &meta::LATENCY,
        &[
            Command::new(&meta::LATENCY_LATEST, latency_latest),
            Command::new(&meta::LATENCY_HISTORY, latency_history),
            Command::new(&meta::LATENCY_RESET, latency_reset),
            Command::new(&meta::LATENCY_DOCTOR, latency_doctor),
            Command::new(&meta::LATENCY_GRAPH, latency_graph),
            Command::new(&meta::LATENCY_HISTOGRAM, latency_histogram),
            Command::new(&meta::LATENCY_HELP, latency_help),
        ],
    ),
    Command::container(
        &meta::MEMORY,
        &[
            Command::new(&meta::MEMORY_USAGE, memory_usage),
            Command::new(&meta::MEMORY_DOCTOR, memory_doctor),
            Command::new(&meta::MEMORY_MALLOC_STATS, memory_malloc_stats),
            Command::new(&meta::MEMORY_PURGE, memory_purge),
            Command::new(&meta::MEMORY_STATS, memory_stats),
            Command::new(&meta::MEMORY_HELP, memory_help),
        ],
    ),
];
