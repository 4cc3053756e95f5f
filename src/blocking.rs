//! Clients blocked on keys (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP; later BZPOPMIN & co.),
//! Redis's `blocking.c`.
//!
//! A blocking handler that finds nothing to serve calls [`block`]: the client is flagged
//! `BLOCKED`, appended to the FIFO of every key it waits on and, with a timeout, to the
//! timeout table; the loop stops processing its input. Any write to a key
//! ([`Core::key_modified`], from `Ctx::touched`) or a whole database (`Core::db_modified`:
//! SWAPDB, FLUSHDB) on which someone waits raises a *ready* signal
//! ([`Blocking::signal_key_ready`]). Right after the command that raised it — after a whole
//! MULTI/EXEC, since EXEC is one command — [`handle_ready`] serves, for each ready key in
//! signal order, the clients waiting on it in FIFO order while the key holds a value of the
//! type they wait for. Serving may signal more keys (BLMOVE pushing onto a key others wait
//! on): they are served in the same pass. A served client is unblocked, gets its reply, and
//! its pending input is processed again by the loop ([`Blocking::take_unblocked`]).
//!
//! The operation a client waits to perform is a [`BlockOp`]; each variant names the value
//! type it can consume and how to serve it (the data-type code lives with its command
//! group: `cmd::list::serve_blocked`). Sorted sets add a variant and a match arm.
//!
//! Timeouts fire from the loop ([`expire_timeouts`], the poll waits at most until the
//! nearest one); `CLIENT UNBLOCK` uses [`unblock`]; a disconnecting client is dropped from
//! every structure by [`forget`].

use crate::client::{flags, Client, ReplyMode};
use crate::cmd::{Command, Ctx};
use crate::core::{now_ms, Core};
use crate::types::list::End;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

/// What a blocked client waits to do once a key gets data.
#[derive(Debug, Clone)]
pub enum BlockOp {
    /// BLPOP / BRPOP (`count: None`, reply `[key, element]`) and BLMPOP (`count: Some`,
    /// reply `[key, [elements]]`).
    ListPop { from: End, count: Option<usize> },
    /// BLMOVE / BRPOPLPUSH: pop from the ready key, push onto `dst`.
    ListMove { from: End, to: End, dst: Vec<u8> },
    /// BZPOPMIN / BZPOPMAX (`count` -1, flat reply) and BZMPOP (`nested`).
    ZSetPop { max: bool, count: i64, nested: bool },
    /// XREAD / XREADGROUP BLOCK: per key the ID entries must be greater than (`StreamId::MAX`
    /// for XREADGROUP's `>`), the COUNT, and the group, consumer and NOACK of XREADGROUP.
    StreamRead {
        ids: Vec<(Vec<u8>, crate::types::stream::StreamId)>,
        count: usize,
        group: Option<(Vec<u8>, Vec<u8>, bool)>,
    },
}

impl BlockOp {
    /// The value type (as `TYPE` names it) whose presence under the key serves this op.
    pub fn type_name(&self) -> &'static str {
        match self {
            BlockOp::ListPop { .. } | BlockOp::ListMove { .. } => "list",
            BlockOp::StreamRead { .. } => "stream",
            BlockOp::ZSetPop { .. } => "zset",
        }
    }

    /// Whether the value now under `key` lets this op be served (lists: any list; streams:
    /// entries past the client's ID, or a group that vanished and must be reported).
    fn can_serve(&self, core: &Core, db: usize, key: &[u8]) -> bool {
        match self {
            BlockOp::StreamRead { .. } => {
                crate::cmd::stream::can_serve_blocked(core, db, key, self)
            }
            _ => true,
        }
    }

    /// Performs the operation on the ready `key` for the client in `ctx`, writing its reply.
    fn serve(&self, ctx: &mut Ctx, key: &[u8]) -> crate::cmd::CmdResult {
        match self {
            BlockOp::ListPop { .. } | BlockOp::ListMove { .. } => {
                crate::cmd::list::serve_blocked(ctx, key, self)
            }
            BlockOp::StreamRead { .. } => crate::cmd::stream::serve_blocked(ctx, key, self),
            BlockOp::ZSetPop { .. } => crate::cmd::zset::serve_blocked(ctx, key, self),
        }
    }

    /// The reply of a timeout (or `CLIENT UNBLOCK .. TIMEOUT`): a null array for every
    /// key-blocking command, as `replyToBlockedClientTimedOut`.
    fn reply_timeout(&self, c: &mut Client) {
        c.out.null_array();
    }
}

/// One blocked client's state.
#[derive(Debug)]
pub struct Blocked {
    pub db: usize,
    /// Keys waited on, without duplicates, in argument order.
    pub keys: Vec<Vec<u8>>,
    /// Absolute ms; `None` waits forever.
    pub deadline: Option<i64>,
    pub op: BlockOp,
    /// The blocking command (its stats and `CLIENT LIST cmd=`).
    pub cmd: &'static Command,
}

/// The server's blocking state (one per `Core`).
#[derive(Debug, Default)]
pub struct Blocking {
    /// (db, key) → tokens of clients waiting on it, first blocked first.
    waiting: HashMap<(usize, Vec<u8>), VecDeque<usize>>,
    /// token → what that client waits for.
    blocked: HashMap<usize, Blocked>,
    /// Keys signalled since the last [`handle_ready`], in signal order, deduplicated.
    ready: Vec<(usize, Vec<u8>)>,
    ready_set: HashSet<(usize, Vec<u8>)>,
    /// (deadline, token) of clients blocked with a timeout.
    timeouts: BTreeSet<(i64, usize)>,
    /// Clients unblocked since the loop last looked; their input is processed again.
    unblocked: Vec<usize>,
}

impl Blocking {
    /// Number of blocked clients (`INFO blocked_clients`).
    pub fn blocked_clients(&self) -> usize {
        self.blocked.len()
    }

    /// Blocked clients with a timeout (`INFO clients_in_timeout_table`).
    pub fn in_timeout_table(&self) -> usize {
        self.timeouts.len()
    }

    pub fn is_blocked(&self, token: usize) -> bool {
        self.blocked.contains_key(&token)
    }

    /// Marks `key` of `db` ready if a client waits on it (Redis `signalKeyAsReady`).
    pub fn signal_key_ready(&mut self, db: usize, key: &[u8]) {
        if self.waiting.is_empty() {
            return;
        }
        let k = (db, key.to_vec());
        if self.waiting.contains_key(&k) && self.ready_set.insert(k.clone()) {
            self.ready.push(k);
        }
    }

    /// Marks every waited-on key of `db` (all dbs for `None`) ready: SWAPDB, FLUSHDB
    /// (`scanDatabaseForReadyKeys`).
    pub fn signal_db(&mut self, db: Option<usize>) {
        let keys: Vec<(usize, Vec<u8>)> = self
            .waiting
            .keys()
            .filter(|(d, _)| db.is_none_or(|x| x == *d))
            .cloned()
            .collect();
        for (d, k) in keys {
            self.signal_key_ready(d, &k);
        }
    }

    pub fn has_ready(&self) -> bool {
        !self.ready.is_empty()
    }

    /// The nearest timeout deadline (ms), for the loop's poll timeout.
    pub fn next_deadline(&self) -> Option<i64> {
        self.timeouts.first().map(|&(d, _)| d)
    }

    /// Clients unblocked since the last call, whose pending input the loop runs again.
    pub fn take_unblocked(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.unblocked)
    }

    fn add(&mut self, token: usize, b: Blocked) {
        for k in &b.keys {
            self.waiting
                .entry((b.db, k.clone()))
                .or_default()
                .push_back(token);
        }
        if let Some(d) = b.deadline {
            self.timeouts.insert((d, token));
        }
        self.blocked.insert(token, b);
    }

    /// Removes a client from every structure; returns its state if it was blocked.
    fn remove(&mut self, token: usize) -> Option<Blocked> {
        let b = self.blocked.remove(&token)?;
        for k in &b.keys {
            let wk = (b.db, k.clone());
            if let Some(q) = self.waiting.get_mut(&wk) {
                q.retain(|&t| t != token);
                if q.is_empty() {
                    self.waiting.remove(&wk);
                }
            }
        }
        if let Some(d) = b.deadline {
            self.timeouts.remove(&(d, token));
        }
        Some(b)
    }
}

/// Parses a blocking command's timeout in seconds as Redis 7.0 does
/// (`getTimeoutFromObjectOrReply`, UNIT_SECONDS): a long double (`strtold` syntax: hex, `inf`,
/// exponents), times 1000, rounded up; a value that does not fit an integer counts as
/// negative. Returns the absolute deadline, `None` for 0 (wait forever).
pub fn parse_timeout(arg: &[u8], now: i64) -> Result<Option<i64>, crate::cmd::Error> {
    use crate::cmd::error;
    if crate::util::num::LongDouble::parse(arg).is_none() {
        return Err(error::TIMEOUT_NOT_FLOAT);
    }
    // The long double is accepted; its value as a double is precise enough for milliseconds.
    let secs: f64 = std::str::from_utf8(arg)
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .or_else(|| {
            let h = crate::util::num::LongDouble::parse(arg)?.to_human();
            std::str::from_utf8(&h).ok()?.parse::<f64>().ok()
        })
        .unwrap_or(f64::INFINITY);
    let ms = (secs * 1000.0).ceil();
    // An out-of-range conversion yields LLONG_MIN on x86, which Redis reports as negative.
    let ms = if (-9.223372036854775e18..9.223372036854775e18).contains(&ms) {
        ms as i64
    } else {
        i64::MIN
    };
    if ms < 0 {
        return Err(error::TIMEOUT_NEGATIVE);
    }
    if ms == 0 {
        return Ok(None);
    }
    // A deadline past the end of time never fires.
    Ok(Some(now.checked_add(ms).unwrap_or(i64::MAX)))
}

/// True if the client may block now (not inside EXEC, a script, ...).
pub fn can_block(ctx: &Ctx) -> bool {
    !ctx.client.has(flags::DENY_BLOCKING)
}

/// Blocks the client running `ctx` on `keys` until one can serve `op` or `deadline` passes.
/// Writes no reply: the reply comes when it is served, times out or is unblocked.
pub fn block(ctx: &mut Ctx, keys: &[&[u8]], deadline: Option<i64>, op: BlockOp) {
    let mut uniq: Vec<Vec<u8>> = Vec::with_capacity(keys.len());
    for k in keys {
        if !uniq.iter().any(|u| u.as_slice() == *k) {
            uniq.push(k.to_vec());
        }
    }
    ctx.client.flags |= flags::BLOCKED;
    let b = Blocked {
        db: ctx.client.db,
        keys: uniq,
        deadline,
        op,
        cmd: ctx.cmd,
    };
    ctx.core.blocking.add(ctx.client.token, b);
}

/// Serves clients waiting on every ready key (Redis `handleClientsBlockedOnKeys`). Called
/// right after each command (`call::process`); `current` is the client that ran it (taken
/// out of the table), which gets its WATCH invalidations directly.
pub fn handle_ready(core: &mut Core, current: &mut Client) {
    // Each pass consumes the keys signalled so far; serving may signal more (BLMOVE).
    // Every serve unblocks a client, so the passes end.
    while core.blocking.has_ready() {
        let ready = std::mem::take(&mut core.blocking.ready);
        for (db, key) in ready {
            core.blocking.ready_set.remove(&(db, key.clone()));
            serve_key(core, current, db, &key);
        }
    }
}

/// The type of the live value under `key`, expiring it first if needed.
fn live_type(core: &mut Core, db: usize, key: &[u8], now: i64) -> Option<&'static str> {
    if core.dbs[db].expire_if_needed(key, now) {
        // Counted and notified from the database's expired log.
        core.flush_expired();
    }
    core.dbs[db].dict.get(key).map(|e| e.val.type_name())
}

fn serve_key(core: &mut Core, current: &mut Client, db: usize, key: &[u8]) {
    let tokens: Vec<usize> = match core.blocking.waiting.get(&(db, key.to_vec())) {
        Some(q) => q.iter().copied().collect(),
        None => return,
    };
    for t in tokens {
        let now = now_ms();
        let Some(ty) = live_type(core, db, key, now) else {
            break;
        };
        match core.blocking.blocked.get(&t) {
            Some(b) if b.op.type_name() == ty && b.op.can_serve(core, db, key) => {}
            _ => continue,
        }
        let Some(mut c) = core.clients.take(t) else {
            continue;
        };
        let b = core.blocking.remove(t).expect("checked above");
        c.flags &= !flags::BLOCKED;
        let reply_start = c.out.buf.len();
        let result = {
            let mut ctx = Ctx {
                core,
                client: &mut c,
                now,
                cmd: b.cmd,
            };
            b.op.serve(&mut ctx, key)
        };
        if let Err(e) = result {
            c.out.error(e.text());
            crate::cmd::call::count_error(core, &e);
            if let Some(id) = core.registry.lookup(b.cmd.meta.name.as_bytes()) {
                core.cmd_stats[id].failed_calls += 1;
            }
        }
        if c.reply_mode == ReplyMode::Off {
            c.out.buf.truncate(reply_start);
        }
        crate::cmd::call::apply_cas_dirty(core, Some(current), Some(&mut c));
        core.blocking.unblocked.push(t);
        core.wake_write.push(t);
        core.clients.put(c);
    }
}

/// Why [`unblock`] releases a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unblock {
    /// Reply as if the timeout elapsed.
    Timeout,
    /// Reply `-UNBLOCKED client unblocked via CLIENT UNBLOCK`.
    Error,
}

/// Releases a blocked client (in the clients table) without serving it. False if it was
/// not blocked.
pub fn unblock(core: &mut Core, token: usize, how: Unblock) -> bool {
    if !core.blocking.is_blocked(token) {
        return false;
    }
    let Some(c) = core.clients.get_mut(token) else {
        return false;
    };
    let b = core.blocking.remove(token).expect("checked above");
    c.flags &= !flags::BLOCKED;
    let reply_start = c.out.buf.len();
    match how {
        Unblock::Timeout => b.op.reply_timeout(c),
        Unblock::Error => {
            c.out
                .error(crate::cmd::error::UNBLOCKED_BY_CLIENT_UNBLOCK.text());
            let e = crate::cmd::error::UNBLOCKED_BY_CLIENT_UNBLOCK;
            crate::cmd::call::count_error(core, &e);
        }
    }
    if let Some(c) = core.clients.get_mut(token) {
        if c.reply_mode == ReplyMode::Off {
            c.out.buf.truncate(reply_start);
        }
    }
    core.blocking.unblocked.push(token);
    core.wake_write.push(token);
    true
}

/// Replies to every client whose timeout passed (`handleBlockedClientsTimeout`).
pub fn expire_timeouts(core: &mut Core, now: i64) {
    while let Some(&(deadline, token)) = core.blocking.timeouts.first() {
        if deadline > now {
            break;
        }
        if !unblock(core, token, Unblock::Timeout) {
            // Not in the table (cannot happen while the loop owns it): drop the entry.
            core.blocking.remove(token);
            core.blocking.timeouts.remove(&(deadline, token));
        }
    }
}

/// Forgets a disconnecting client: it leaves no trace in any queue.
pub fn forget(core: &mut Core, token: usize) {
    core.blocking.remove(token);
    core.blocking.unblocked.retain(|&t| t != token);
}

/// Finds a connected client by id and releases it (`CLIENT UNBLOCK`).
pub fn unblock_by_id(core: &mut Core, id: u64, how: Unblock) -> bool {
    let Some(t) = core.clients.iter().find(|c| c.id == id).map(|c| c.token) else {
        return false;
    };
    let Some(cmd) = core.blocking.blocked.get(&t).map(|b| b.cmd) else {
        return false;
    };
    if !unblock(core, t, how) {
        return false;
    }
    // Redis counts a failed call either way (`updateStatsOnUnblock(.., had_errors=1)`).
    if let Some(id) = core.registry.lookup(cmd.meta.name.as_bytes()) {
        core.cmd_stats[id].failed_calls += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_parse_like_redis() {
        // Observed on Redis 7.0.15 (BLPOP k <timeout>).
        let now = 1_000;
        assert_eq!(parse_timeout(b"0", now), Ok(None));
        assert_eq!(parse_timeout(b"-0.0001", now), Ok(None));
        assert_eq!(parse_timeout(b"0.0009", now), Ok(Some(now + 1)));
        assert_eq!(parse_timeout(b"1.5", now), Ok(Some(now + 1500)));
        assert_eq!(parse_timeout(b"0x10", now), Ok(Some(now + 16_000)));
        for neg in [
            &b"-1"[..],
            b"inf",
            b"-inf",
            b"1e400",
            b"9223372036854775807",
        ] {
            assert_eq!(
                parse_timeout(neg, now),
                Err(crate::cmd::error::TIMEOUT_NEGATIVE),
                "{}",
                String::from_utf8_lossy(neg)
            );
        }
        for bad in [&b""[..], b" 1", b"1 ", b"nan", b"abc"] {
            assert_eq!(
                parse_timeout(bad, now),
                Err(crate::cmd::error::TIMEOUT_NOT_FLOAT)
            );
        }
    }

    #[test]
    fn queues_are_fifo_and_removal_leaves_no_trace() {
        let cmd = &crate::cmd::list::COMMANDS[0];
        let blocked = |keys: &[&[u8]], deadline| Blocked {
            db: 0,
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline,
            op: BlockOp::ListPop {
                from: End::Head,
                count: None,
            },
            cmd,
        };
        let mut b = Blocking::default();
        b.add(3, blocked(&[b"a", b"b"], Some(50)));
        b.add(1, blocked(&[b"b"], None));
        b.add(2, blocked(&[b"a"], Some(20)));
        let q = |b: &Blocking, k: &[u8]| -> Vec<usize> {
            b.waiting
                .get(&(0, k.to_vec()))
                .map(|q| q.iter().copied().collect())
                .unwrap_or_default()
        };
        assert_eq!(q(&b, b"a"), vec![3, 2]);
        assert_eq!(q(&b, b"b"), vec![3, 1]);
        assert_eq!(b.next_deadline(), Some(20));
        assert_eq!((b.blocked_clients(), b.in_timeout_table()), (3, 2));
        assert!(b.remove(3).is_some());
        assert!(b.remove(3).is_none());
        assert_eq!(q(&b, b"a"), vec![2]);
        assert_eq!(q(&b, b"b"), vec![1]);
        b.remove(2);
        b.remove(1);
        assert!(b.waiting.is_empty() && b.timeouts.is_empty() && b.blocked.is_empty());
    }

    #[test]
    fn signals_only_keys_someone_waits_on() {
        let mut b = Blocking::default();
        b.signal_key_ready(0, b"k");
        assert!(!b.has_ready());
        b.waiting.insert((0, b"k".to_vec()), VecDeque::from([7]));
        b.signal_key_ready(0, b"k");
        b.signal_key_ready(0, b"k");
        b.signal_key_ready(1, b"k");
        assert_eq!(b.ready, vec![(0, b"k".to_vec())]);
    }
}
