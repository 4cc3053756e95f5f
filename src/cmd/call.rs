//! The one path every command takes: [`process`] runs Redis's gates in Redis's order
//! (`processCommand`), then [`call`] runs the handler, turns an `Err` into exactly one error
//! reply, and records stats and the slowlog. Clients, `EXEC` and (later) scripts and AOF
//! replay all go through [`call`].

use super::error::{self, Error};
use super::{flag, CmdResult, Command};
use crate::client::{flags, Client, Queued, ReplyMode};
use crate::core::{now_us, Core, SlowEntry};
use crate::db::keyspace::{Db, Entry};
use crate::db::lfu;
use crate::notify::Class;
use crate::resp::Out;

/// What a handler sees: the server state, its client, and the time the command started.
pub struct Ctx<'a> {
    pub core: &'a mut Core,
    pub client: &'a mut Client,
    /// Command start time (ms), read once per command as Redis's `commandTimeSnapshot`.
    pub now: i64,
    pub cmd: &'static Command,
}

impl Ctx<'_> {
    /// The selected database.
    pub fn db(&mut self) -> &mut Db {
        &mut self.core.dbs[self.client.db]
    }

    pub fn out(&mut self) -> &mut Out {
        &mut self.client.out
    }

    /// The selected database and the reply buffer, borrowed together.
    pub fn db_out(&mut self) -> (&mut Db, &mut Out) {
        (&mut self.core.dbs[self.client.db], &mut self.client.out)
    }

    /// Redis `expireIfNeeded`: deletes `key` if its TTL has passed, counting it in
    /// `expired_keys` and notifying `expired`. True if it was deleted. For handlers that
    /// must expire a key without looking it up (the lookups below call it).
    pub fn expire_if_needed(&mut self, key: &[u8]) -> bool {
        let now = self.now;
        if !self.core.dbs[self.client.db].expire_if_needed(key, now) {
            return false;
        }
        // Counted, signalled and notified from the database's expired log.
        self.core.flush_expired_in(Some(&mut *self.client));
        true
    }

    /// `lookupKeyRead`: expires lazily, counts a keyspace hit or miss (a miss is also a
    /// `keymiss` event), refreshes the LRU.
    pub fn lookup_read(&mut self, key: &[u8]) -> Option<&Entry> {
        self.lookup_read_flags(key, true)
    }

    /// `lookupKeyReadWithFlags`: [`Ctx::lookup_read`], where `touch == false` is Redis's
    /// `LOOKUP_NOTOUCH` (TYPE, EXISTS, TTL, OBJECT): the key's access time is left alone.
    pub fn lookup_read_flags(&mut self, key: &[u8], touch: bool) -> Option<&Entry> {
        let now = self.now;
        let lru = Core::lru_clock(now);
        let dbi = self.client.db;
        let core = &mut *self.core;
        if core.dbs[dbi].expire_if_needed(key, now) {
            // Its `expired` event comes before anything else the command publishes.
            core.flush_expired_in(Some(&mut *self.client));
        }
        if core.config.notify_keyspace_events.0 & Class::KEY_MISS != 0
            && !core.dbs[dbi].dict.contains_key(key)
        {
            core.stats.keyspace_misses += 1;
            core.notify_from(self.client, Class::KEY_MISS, "keymiss", key, dbi);
            return None;
        }
        let lfu = lfu_params(core);
        match core.dbs[dbi].dict.get_mut(key) {
            Some(e) => {
                core.stats.keyspace_hits += 1;
                if touch {
                    e.lru = match lfu {
                        Some((f, d)) => lfu::touch(e.lru, now, f, d, &mut core.rng),
                        None => lru,
                    };
                }
                Some(&*e)
            }
            None => {
                core.stats.keyspace_misses += 1;
                None
            }
        }
    }

    /// `lookupKeyWrite`: expires lazily (notifying `expired`), no hit/miss stats. Side
    /// effect: a running snapshot first receives the entry's current state (the caller may
    /// modify it in place).
    pub fn lookup_write(&mut self, key: &[u8]) -> Option<&mut Entry> {
        let now = self.now;
        let lru = Core::lru_clock(now);
        let core = &mut *self.core;
        if core.dbs[self.client.db].expire_if_needed(key, now) {
            core.flush_expired_in(Some(&mut *self.client));
        }
        let lfu = lfu_params(core);
        let e = core.dbs[self.client.db].get_mut(key, now)?;
        e.lru = match lfu {
            Some((f, d)) => lfu::touch(e.lru, now, f, d, &mut core.rng),
            None => lru,
        };
        Some(e)
    }

    /// Records that a write changed `key`: WATCH invalidation and the dirty counter
    /// (Redis `signalModifiedKey` + `server.dirty++`). Every write handler calls it.
    pub fn touched(&mut self, key: &[u8]) {
        self.touched_n(key, 1);
    }

    /// As [`Ctx::touched`], counting `n` changes.
    pub fn touched_n(&mut self, key: &[u8], n: u64) {
        self.core.dirty += n;
        let db = self.client.db;
        self.core.key_modified(db, key);
    }

    /// Reports a keyspace event on `key` in the selected database (see [`crate::notify`]).
    pub fn notify(&mut self, class: u32, event: &str, key: &[u8]) {
        let db = self.client.db;
        self.core.notify_from(self.client, class, event, key, db);
    }

    /// The `lru` field of a new entry: the LRU clock now, or under an LFU
    /// `maxmemory-policy` the initial access counter.
    pub fn lru(&self) -> u32 {
        if self.lfu_policy() {
            lfu::init(self.now)
        } else {
            Core::lru_clock(self.now)
        }
    }

    /// The `lru` field for a value about to be stored at `key` with `Db::set` (Redis
    /// `setKey` + `dbOverwrite`): under an LFU policy a key that exists keeps its access
    /// counter, plus the access of `setKey`'s own `lookupKeyWrite` unless the handler's
    /// lookup already counted it (`counted`: SET's `SETKEY_ALREADY_EXIST`); otherwise as
    /// [`Ctx::lru`].
    pub fn lru_for(&mut self, key: &[u8], counted: bool) -> u32 {
        if let Some((f, d)) = lfu_params(self.core) {
            let core = &mut *self.core;
            if let Some(e) = core.dbs[self.client.db].dict.get(key) {
                if counted {
                    return e.lru;
                }
                return lfu::touch(e.lru, self.now, f, d, &mut core.rng);
            }
        }
        self.lru()
    }

    /// True when `maxmemory-policy` is an LFU policy (entries then hold LFU counters).
    pub fn lfu_policy(&self) -> bool {
        lfu_params(self.core).is_some()
    }
}

/// `(lfu-log-factor, lfu-decay-time)` when `maxmemory-policy` is an LFU policy.
fn lfu_params(core: &Core) -> Option<(i64, i64)> {
    use crate::config::MaxmemoryPolicy as P;
    match core.config.maxmemory_policy {
        P::VolatileLfu | P::AllkeysLfu => {
            Some((core.config.lfu_log_factor, core.config.lfu_decay_time))
        }
        _ => None,
    }
}

/// Handler of a container called without a subcommand; arity makes it unreachable for
/// well-formed requests, but `COMMAND`-style metadata needs a handler.
pub fn container_without_sub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sub = argv.get(1).copied().unwrap_or(b"");
    Err(Error::unknown_subcommand(sub, ctx.cmd.meta.name))
}

/// Runs one request from a client through every gate, then `call()`. Returns false when
/// the client must stop processing input (it is closing).
pub fn process(core: &mut Core, client: &mut Client, argv: &[&[u8]]) -> bool {
    if argv.is_empty() {
        return true;
    }
    // One clock read gives both the command time and the start of its duration.
    let start_us = now_us();
    let now = start_us / 1000;
    client.last_interaction_ms = now;
    if client.reply_mode == ReplyMode::SkipNext {
        client.reply_mode = ReplyMode::Skip;
    }
    // QUIT is answered before anything else (Redis 7.0 `processCommand`).
    if argv[0].eq_ignore_ascii_case(b"quit") {
        client.out.ok();
        client.flags |= flags::CLOSE_AFTER_REPLY;
        return false;
    }
    match gates(core, client, argv) {
        Ok(id) => {
            let cmd = core.registry.cmds[id];
            if client.has(flags::MULTI) && !is_multi_control(cmd) {
                client.multi.push(Queued {
                    id,
                    argv: argv.iter().map(|a| a.to_vec()).collect(),
                });
                client.out.raw(b"+QUEUED\r\n");
            } else {
                call_at(core, client, id, argv, now, start_us);
                // Clients blocked on keys this command (or whole EXEC) made ready are
                // served now, before this client's next command.
                if core.blocking.has_ready() {
                    crate::blocking::handle_ready(core, client);
                }
            }
        }
        Err(e) => {
            if client.has(flags::MULTI) {
                client.flags |= flags::DIRTY_EXEC;
            }
            reply_error(core, client, &e);
        }
    }
    if client.reply_mode == ReplyMode::Skip {
        client.reply_mode = ReplyMode::On;
    }
    true
}

fn is_multi_control(cmd: &Command) -> bool {
    matches!(
        cmd.meta.name,
        "exec" | "discard" | "multi" | "watch" | "quit" | "reset"
    )
}

/// The gates, in Redis's order. `Ok(id)` of the command to run.
fn gates(core: &mut Core, client: &mut Client, argv: &[&[u8]]) -> Result<usize, Error> {
    let reg = &core.registry;
    let id = match reg.resolve(argv) {
        None => return Err(Error::unknown_command(argv)),
        Some(Err(())) => {
            let top = reg
                .lookup(argv[0])
                .map(|i| reg.cmds[i].meta.name)
                .unwrap_or("");
            return Err(Error::unknown_subcommand(argv[1], top));
        }
        Some(Ok(id)) => id,
    };
    let cmd = reg.cmds[id];
    let arity = cmd.meta.arity;
    let argc = argv.len() as i32;
    if (arity > 0 && arity != argc) || argc < -arity {
        core.cmd_stats[id].rejected_calls += 1;
        return Err(Error::wrong_args(cmd.meta.name));
    }
    if !client.authenticated && core.config.requirepass.is_some() && !cmd.has(flag::NO_AUTH) {
        core.cmd_stats[id].rejected_calls += 1;
        return Err(error::NOAUTH);
    }
    if client.has(flags::MULTI) && cmd.has(flag::NO_MULTI) {
        core.cmd_stats[id].rejected_calls += 1;
        return Err(error::NOT_IN_MULTI);
    }
    if core.config.maxmemory > 0 {
        oom_gate(core, client, id)?;
    }
    if core.rdb.writes_denied(&core.config) {
        misconf_gate(core, client, id)?;
    }
    // A RESP2 client in the subscribed context runs only the pub/sub commands.
    if crate::pubsub::refused_in_context(client, cmd.meta.name) {
        core.cmd_stats[id].rejected_calls += 1;
        return Err(error::pubsub_context(cmd.meta.name));
    }
    Ok(id)
}

/// `stop-writes-on-bgsave-error`: after a failed BGSAVE (with save points configured), write
/// commands, PING, and an EXEC with queued writes are refused with MISCONF.
fn misconf_gate(core: &mut Core, client: &mut Client, id: usize) -> Result<(), Error> {
    let cmd = core.registry.cmds[id];
    let name = cmd.meta.name;
    let exec_writes = name == "exec"
        && client.has(flags::MULTI)
        && client
            .multi
            .iter()
            .any(|q| core.registry.cmds[q.id].has(flag::WRITE));
    if !(cmd.has(flag::WRITE) || name == "ping" || exec_writes) {
        return Ok(());
    }
    core.cmd_stats[id].rejected_calls += 1;
    if exec_writes {
        return Err(exec_abort(core, client, &error::MISCONF));
    }
    Err(error::MISCONF)
}

/// `maxmemory` (Redis `processCommand`): evicts what the policy allows before every command;
/// if memory stays over the limit, refuses commands flagged `denyoom`, an EXEC whose queue
/// holds one, and anything but EXEC/DISCARD/QUIT/RESET inside MULTI (queueing costs memory
/// too). Reads and deletions still run.
fn oom_gate(core: &mut Core, client: &mut Client, id: usize) -> Result<(), Error> {
    let out_of_memory = core.perform_evictions(Some(&mut *client)) == crate::evict::Evict::Fail;
    // Evicted keys invalidate WATCHes, this client's included, before it runs anything.
    apply_cas_dirty(core, Some(&mut *client), None);
    if !out_of_memory {
        return Ok(());
    }
    let cmd = core.registry.cmds[id];
    let name = cmd.meta.name;
    let exec_denyoom = name == "exec"
        && client.has(flags::MULTI)
        && client
            .multi
            .iter()
            .any(|q| core.registry.cmds[q.id].has(flag::DENYOOM));
    let in_multi =
        client.has(flags::MULTI) && !matches!(name, "exec" | "discard" | "quit" | "reset");
    if !(cmd.has(flag::DENYOOM) || exec_denyoom || in_multi) {
        return Ok(());
    }
    core.cmd_stats[id].rejected_calls += 1;
    if name == "exec" {
        return Err(exec_abort(core, client, &error::OOM));
    }
    Err(error::OOM)
}

/// An EXEC refused by a gate (Redis `execCommandAbort`): the transaction is discarded and
/// the error says why.
fn exec_abort(core: &mut Core, client: &mut Client, why: &Error) -> Error {
    super::transaction::discard_state(client);
    super::transaction::unwatch_all(core, client);
    let mut msg = b"EXECABORT Transaction discarded because of: ".to_vec();
    msg.extend_from_slice(why.text());
    Error::owned(msg)
}

/// Sends an error reply and counts it (rejected before `call`).
fn reply_error(core: &mut Core, client: &mut Client, e: &Error) {
    count_error(core, e);
    if client.reply_mode == ReplyMode::On {
        client.out.error(e.text());
    }
}

/// Counts an error reply in `INFO stats` and `errorstats`.
pub(crate) fn count_error(core: &mut Core, e: &Error) {
    core.stats.error_replies += 1;
    *core.stats.errorstats.entry(e.code().to_vec()).or_insert(0) += 1;
}

/// Runs a resolved command: handler, error reply, stats, slowlog. Used by clients, EXEC
/// and every other internal caller.
pub fn call(core: &mut Core, client: &mut Client, id: usize, argv: &[&[u8]], now: i64) {
    call_at(core, client, id, argv, now, now_us());
}

/// [`call`] with the clock already read (`start`, µs) by the caller.
fn call_at(core: &mut Core, client: &mut Client, id: usize, argv: &[&[u8]], now: i64, start: i64) {
    let cmd = core.registry.cmds[id];
    let reply_start = client.out.buf.len();
    let result = {
        let mut ctx = Ctx {
            core,
            client,
            now,
            cmd,
        };
        (cmd.handler)(&mut ctx, argv)
    };
    let dur = (now_us() - start).max(0);
    // Keys the command found expired: their `expired` events and stats.
    core.flush_expired_in(Some(&mut *client));
    if let Err(e) = &result {
        client.out.error(e.text());
        count_error(core, e);
        core.cmd_stats[id].failed_calls += 1;
    }
    // WATCH invalidations take effect before the next command of any client.
    apply_cas_dirty(core, Some(client), None);
    if matches!(client.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
        client.out.buf.truncate(reply_start);
    }
    // Pub/sub pushes reach the client even while its replies are off (once EXEC is done).
    if !core.in_exec {
        crate::pubsub::flush_stash(core, client);
    }
    let st = &mut core.cmd_stats[id];
    st.calls += 1;
    st.usec += dur as u64;
    if core.config.latency_tracking {
        // Same bounds and precision as Redis's per-command HDR histograms (1 ns .. 1 s, 2 digits).
        let h = st.hist.get_or_insert_with(|| {
            hdrhistogram::Histogram::new_with_bounds(1, 1_000_000_000, 2).expect("valid bounds")
        });
        h.saturating_record((dur as u64 * 1000).max(1));
    }
    if core.config.latency_monitor_threshold > 0 {
        let event = if cmd.has(flag::FAST) {
            "fast-command"
        } else {
            "command"
        };
        super::diag::record_latency(core, event, dur / 1000, now / 1000);
    }
    core.stats.commands_processed += 1;
    client.last_cmd = cmd.meta.name;
    if !core.monitors.is_empty() && !cmd.has(flag::SKIP_MONITOR | flag::ADMIN) {
        core.feed_monitors(client, argv);
    }
    slowlog(core, client, cmd, argv, dur, now);
}

/// Flags `DIRTY_CAS` on the clients whose WATCHed keys changed. Clients taken out of the
/// table (the one running, one being served by `blocking`) are passed in.
pub(crate) fn apply_cas_dirty(
    core: &mut Core,
    mut a: Option<&mut Client>,
    mut b: Option<&mut Client>,
) {
    for t in std::mem::take(&mut core.cas_dirty) {
        if let Some(c) = a.as_deref_mut().filter(|c| c.token == t) {
            c.flags |= flags::DIRTY_CAS;
        } else if let Some(c) = b.as_deref_mut().filter(|c| c.token == t) {
            c.flags |= flags::DIRTY_CAS;
        } else if let Some(c) = core.clients.get_mut(t) {
            c.flags |= flags::DIRTY_CAS;
        }
    }
}

fn slowlog(core: &mut Core, client: &Client, cmd: &Command, argv: &[&[u8]], dur: i64, now: i64) {
    let threshold = core.config.slowlog_log_slower_than;
    if threshold < 0 || dur < threshold || cmd.has(flag::SKIP_SLOWLOG) {
        return;
    }
    // Redis keeps at most 32 arguments, each at most 128 bytes.
    let mut args: Vec<Vec<u8>> = Vec::new();
    let keep = argv.len().min(32);
    for (i, a) in argv.iter().take(keep).enumerate() {
        if i == 31 && argv.len() > 32 {
            args.push(format!("... ({} more arguments)", argv.len() - 31).into_bytes());
            break;
        }
        if a.len() > 128 {
            let mut v = a[..128].to_vec();
            v.extend_from_slice(format!("... ({} more bytes)", a.len() - 128).as_bytes());
            args.push(v);
        } else {
            args.push(a.to_vec());
        }
    }
    let id = core.slowlog_next_id;
    core.slowlog_next_id += 1;
    core.slowlog.push_front(SlowEntry {
        id,
        time: now / 1000,
        duration_us: dur,
        argv: args,
        addr: client.addr.clone(),
        name: client.name.clone().unwrap_or_default(),
    });
    let max = core.config.slowlog_max_len.max(0) as usize;
    core.slowlog.truncate(max);
}
