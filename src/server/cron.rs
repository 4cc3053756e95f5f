//! `serverCron`, run `hz` times a second: active expiry (adaptive, time-bounded), idle
//! client timeouts, the ops/sec samples, incremental rehashing of the keyspace, and the
//! snapshot's bookkeeping (BGSAVE completion, save points).

use super::Server;
use crate::client::flags;
use std::time::{Duration, Instant};

/// Keys sampled per database per loop of the active expiry cycle
/// (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP at the default effort).
const EXPIRE_KEYS_PER_LOOP: usize = 20;
/// Share of CPU time the slow cycle may use (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC).
const EXPIRE_TIME_PERC: i64 = 25;
/// The cycle repeats on a database while more than this share of sampled keys expired.
const EXPIRE_STALE_PERC: usize = 10;

pub fn run(s: &mut Server, now: i64) {
    let core = &mut s.core;
    // Ops/sec samples: one per cron tick, last 16 kept (STATS_METRIC_SAMPLES).
    core.stats
        .ops_samples
        .push_back((now, core.stats.commands_processed));
    while core.stats.ops_samples.len() > 16 {
        core.stats.ops_samples.pop_front();
    }
    if core.active_expire {
        active_expire(s, now);
    }
    rehash(s);
    client_timeouts(s, now);
    crate::persistence::snapshot::cron(&mut s.core);
}

/// Redis's `activeExpireCycle` (slow mode): samples keys with a TTL in each database,
/// repeating while many sampled keys were expired, within a time budget per tick.
fn active_expire(s: &mut Server, now: i64) {
    let core = &mut s.core;
    let hz = core.config.hz.clamp(1, 500);
    let budget = Duration::from_micros((1_000_000 * EXPIRE_TIME_PERC / hz / 100) as u64);
    let start = Instant::now();
    for db in core.dbs.iter_mut() {
        loop {
            if db.expires.is_empty() {
                // Redis resets the estimate when no key has a TTL any more.
                db.avg_ttl = 0;
                break;
            }
            let (sampled, expired) = db.expire_sample(EXPIRE_KEYS_PER_LOOP, now, &mut core.rng);
            if sampled == 0 || expired * 100 / sampled <= EXPIRE_STALE_PERC {
                break;
            }
            if start.elapsed() > budget {
                break;
            }
        }
        if start.elapsed() > budget {
            break;
        }
    }
    // Events, WATCH invalidation and the expired_keys stat for what was deleted.
    core.flush_expired();
    for t in std::mem::take(&mut core.cas_dirty) {
        if let Some(c) = core.clients.get_mut(t) {
            c.flags |= flags::DIRTY_CAS;
        }
    }
    core.stats.expire_cycle_cpu_ms += start.elapsed().as_millis() as u64;
}

/// Incremental rehashing for up to 1 ms per tick (Redis `activerehashing`).
fn rehash(s: &mut Server) {
    if !s.core.config.activerehashing {
        return;
    }
    for db in s.core.dbs.iter_mut() {
        if db.dict.is_rehashing() {
            db.dict.rehash_for(Duration::from_millis(1));
            return;
        }
        if db.expires.is_rehashing() {
            db.expires.rehash_for(Duration::from_millis(1));
            return;
        }
        db.dict.try_shrink();
        db.expires.try_shrink();
    }
}

/// Closes clients idle for more than `timeout` seconds.
fn client_timeouts(s: &mut Server, now: i64) {
    let timeout = s.core.config.timeout;
    if timeout <= 0 {
        return;
    }
    let mut idle = Vec::new();
    for c in s.core.clients.iter() {
        // Blocked and subscribed clients are never idle (Redis clientsCronHandleTimeout).
        if !c.has(flags::NO_EVICT | flags::BLOCKED | flags::PUBSUB)
            && (now - c.last_interaction_ms) / 1000 > timeout
        {
            idle.push(c.token);
        }
    }
    for t in idle {
        log::debug!("Closing idle client");
        s.close_client(t);
    }
}
