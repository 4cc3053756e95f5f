//! Eviction under `maxmemory` (Redis `evict.c`).
//!
//! Before each command, when `maxmemory` is set, [`Core::perform_evictions`] compares
//! `used_memory` (the counting allocator, minus [`not_counted_memory`]) with `maxmemory` and
//! deletes keys chosen by `maxmemory-policy` until enough bytes were freed, for at most the
//! time `maxmemory-eviction-tenacity` allows. When that time runs out first, the loop keeps
//! evicting on each iteration ([`time_proc`], Redis's `evictionTimeProc`) until memory is
//! under the limit or nothing is left to evict. `Evict::Fail` (over the limit and nothing
//! evictable, or `noeviction`) is what makes the OOM gate of `cmd::call` refuse commands
//! flagged `denyoom`.
//!
//! Candidates come from Redis's eviction pool: `maxmemory-samples` keys sampled per database
//! (from the keyspace, or from the keys with a TTL for `volatile-*`) are kept in a pool of
//! [`POOL_SIZE`] sorted by score — idle time (LRU), `255 - frequency` (LFU), or how soon the
//! key expires (`volatile-ttl`) — and the best one still present is evicted. The random
//! policies pick a random key of the next database in turn.
//!
//! An evicted key is deleted through `Db::remove` (a running snapshot captures it first),
//! invalidates WATCHes on it, publishes the `evicted` keyspace event (class `e`) and counts
//! in `INFO stats` `evicted_keys`. Clients blocked on it are not signalled (as in Redis: it
//! disappears, nothing can be served from it).

use crate::client::Client;
use crate::config::MaxmemoryPolicy as Policy;
use crate::core::{now_ms, Core};
use crate::db::lfu;
use crate::notify::Class;
use crate::types::value::Value;
use std::time::Instant;

/// Entries of the eviction pool (EVPOOL_SIZE).
pub const POOL_SIZE: usize = 16;

/// Bytes a keyspace entry costs besides its key and value: the dict node and a bucket slot.
const ENTRY_OVERHEAD: usize = 64 + 8;

/// What [`Core::perform_evictions`] achieved (Redis `EVICT_OK/RUNNING/FAIL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evict {
    /// Memory is under the limit (or evictions must not run now).
    Ok,
    /// Over the limit, but eviction goes on from the loop.
    Running,
    /// Over the limit and nothing can be evicted: `denyoom` commands are refused.
    Fail,
}

/// One candidate of the pool: a higher `idle` is a better candidate.
#[derive(Debug, Clone)]
struct Candidate {
    idle: u64,
    key: Vec<u8>,
    db: usize,
}

/// Eviction state kept across calls (Redis's static pool, `next_db`, the time proc flag and
/// the `eviction_exceeded_time` stats).
#[derive(Debug, Default)]
pub struct EvictState {
    /// Ascending by `idle`; empty slots (`None`) only at the end.
    pool: [Option<Candidate>; POOL_SIZE],
    /// The database the random policies try first next time.
    next_db: usize,
    /// Eviction continues from the loop (Redis `isEvictionProcRunning`).
    pub proc_running: bool,
    /// Since when memory has been over the limit (Redis `stat_last_eviction_exceeded_time`).
    exceeded_since: Option<Instant>,
    /// Microseconds spent over the limit in earlier periods.
    total_exceeded_us: u64,
    /// Estimated bytes of keys evicted while a snapshot still held their values (freed when
    /// the snapshot's writer has written them).
    snapshot_pinned: usize,
}

impl EvictState {
    /// `INFO stats` `total_eviction_exceeded_time` and `current_eviction_exceeded_time`, in ms.
    pub fn exceeded_ms(&self) -> (u64, u64) {
        let current = self
            .exceeded_since
            .map(|t| t.elapsed().as_micros() as u64)
            .unwrap_or(0);
        ((self.total_exceeded_us + current) / 1000, current / 1000)
    }

    /// `CONFIG RESETSTAT` (Redis `resetServerStats`): both figures restart from 0.
    pub fn reset_stats(&mut self) {
        self.total_exceeded_us = 0;
        self.exceeded_since = None;
    }
}

/// Memory not counted against `maxmemory` (Redis `freeMemoryGetNotCountedMemory`). Redis
/// leaves out replica output buffers beyond the backlog and the AOF buffer, which grow with
/// the DELs that evictions propagate and would otherwise feed more evictions; oxidis has
/// neither yet (replication and AOF must add their buffers here).
///
/// What it leaves out instead: memory a running snapshot holds until its writer has written
/// the entries — the copies it made (keys, string values) and the collections of keys
/// evicted meanwhile, which it still shares. Redis's forked child holds such pages outside
/// `used_memory`; counted here, they would make a BGSAVE evict live keys to pay for its
/// copies, and every eviction of a shared collection look like it freed nothing.
pub fn not_counted_memory(core: &Core) -> usize {
    use crate::persistence::snapshot;
    if snapshot::items_in_flight(core) > 0 {
        snapshot::bytes_in_flight(core) + core.evict.snapshot_pinned
    } else {
        0
    }
}

/// `used_memory` as eviction counts it.
fn counted_memory(core: &Core) -> i64 {
    crate::alloc::used().saturating_sub(not_counted_memory(core)) as i64
}

/// Bytes to free to get back under `maxmemory` (Redis `getMaxmemoryState`); `None` when
/// within the limit (or there is none).
pub fn to_free(core: &Core) -> Option<usize> {
    let max = core.config.maxmemory;
    if max == 0 {
        return None;
    }
    let reported = crate::alloc::used();
    if reported as u64 <= max {
        return None;
    }
    let used = reported.saturating_sub(not_counted_memory(core));
    if used as u64 <= max {
        return None;
    }
    Some(used - max as usize)
}

/// How long one call may evict (Redis `evictionTimeLimitUs`): 0..500 µs linearly up to
/// tenacity 10, then +15% per step (about 2 minutes at 99), unlimited at 100.
pub fn time_limit_us(tenacity: i64) -> u64 {
    let t = tenacity.clamp(0, 100);
    if t <= 10 {
        50 * t as u64
    } else if t < 100 {
        (500.0 * 1.15f64.powf(t as f64 - 10.0)) as u64
    } else {
        u64::MAX
    }
}

/// Redis `estimateObjectIdleTime`: ms since the last access recorded in `lru` (LRU clock
/// units of one second, wrapping at 24 bits).
pub fn idle_ms(lru: u32, now_ms: i64) -> u64 {
    const LRU_CLOCK_MAX: u64 = (1 << 24) - 1;
    let clock = u64::from(Core::lru_clock(now_ms));
    let lru = u64::from(lru);
    if clock >= lru {
        (clock - lru) * 1000
    } else {
        (clock + (LRU_CLOCK_MAX - lru)) * 1000
    }
}

/// Inserts a sampled key in the pool, kept ascending by `idle` (Redis
/// `evictionPoolPopulate`'s insertion): into a free slot, or by dropping the worst
/// candidate when the pool is full; nothing if the pool is full of better candidates.
fn pool_insert(pool: &mut [Option<Candidate>; POOL_SIZE], idle: u64, key: &[u8], db: usize) {
    let mut k = 0;
    while k < POOL_SIZE && pool[k].as_ref().is_some_and(|c| c.idle < idle) {
        k += 1;
    }
    if k == 0 && pool[POOL_SIZE - 1].is_some() {
        // Worse than every candidate of a full pool.
        return;
    }
    if k < POOL_SIZE && pool[k].is_none() {
        // A free slot.
    } else if pool[POOL_SIZE - 1].is_none() {
        // Room on the right: shift k.. right by one (the free last slot comes to k).
        pool[k..].rotate_right(1);
    } else {
        // Full: drop the worst (slot 0), shifting 1..k left; the new one goes at k-1.
        k -= 1;
        pool[..=k].rotate_left(1);
    }
    // Reuse the slot's key buffer when there is one (Redis keeps a cached sds per slot).
    match &mut pool[k] {
        Some(c) => {
            c.key.clear();
            c.key.extend_from_slice(key);
            c.idle = idle;
            c.db = db;
        }
        slot => {
            *slot = Some(Candidate {
                idle,
                key: key.to_vec(),
                db,
            })
        }
    }
}

impl Core {
    /// Redis `isPerformEvictions`: not while clients are paused (the dataset must stay
    /// static). oxidis has no replicas (`replica-ignore-maxmemory`), no busy scripts and
    /// loads before serving, so the other conditions never hold.
    fn evictions_allowed(&self, now: i64) -> bool {
        !matches!(self.pause, Some((until, _)) if now < until)
    }

    /// Redis `performEvictions`: if memory is over `maxmemory`, evicts keys by
    /// `maxmemory-policy` until enough was freed or the tenacity time limit ran out (then
    /// eviction goes on from the loop). `me` is the client whose command is about to run
    /// (taken out of the client table), so that it receives its own `evicted` events.
    pub fn perform_evictions(&mut self, me: Option<&mut Client>) -> Evict {
        if self.pause.is_some() && !self.evictions_allowed(now_ms()) {
            return Evict::Ok;
        }
        if self.evict.snapshot_pinned > 0
            && crate::persistence::snapshot::items_in_flight(self) == 0
        {
            // The writer has released everything it held.
            self.evict.snapshot_pinned = 0;
        }
        let result = match to_free(self) {
            None => Evict::Ok,
            Some(_) if self.config.maxmemory_policy == Policy::Noeviction => Evict::Fail,
            Some(tofree) => self.evict_cycle(tofree, now_ms(), me),
        };
        // Time spent over the limit.
        match result {
            Evict::Running | Evict::Fail => {
                if self.evict.exceeded_since.is_none() {
                    self.evict.exceeded_since = Some(Instant::now());
                }
            }
            Evict::Ok => {
                if let Some(t) = self.evict.exceeded_since.take() {
                    self.evict.total_exceeded_us += t.elapsed().as_micros() as u64;
                }
            }
        }
        result
    }

    /// The eviction loop of `performEvictions` once over the limit with an evicting policy.
    fn evict_cycle(&mut self, tofree: usize, now: i64, mut me: Option<&mut Client>) -> Evict {
        let limit_us = time_limit_us(self.config.maxmemory_eviction_tenacity);
        let start = Instant::now();
        let mut freed: i64 = 0;
        let mut keys_freed: u64 = 0;
        let mut result = Evict::Fail;
        loop {
            if freed >= tofree as i64 {
                result = if self.evict.proc_running {
                    Evict::Running
                } else {
                    Evict::Ok
                };
                break;
            }
            let Some((db, key)) = self.pick_victim(now) else {
                // Nothing left to evict.
                break;
            };
            // What the key costs, if a snapshot may keep its (shared) collection alive for
            // now. A string is copied into the snapshot and the copy is not counted, so
            // deleting it shows its full size.
            let in_flight = crate::persistence::snapshot::items_in_flight(self) > 0;
            let estimate = match self.dbs[db].dict.get(&key[..]) {
                Some(e) if in_flight && !matches!(e.val, Value::Str(_)) => {
                    (ENTRY_OVERHEAD + key.len() + e.val.heap_size()) as i64
                }
                _ => 0,
            };
            let before = counted_memory(self);
            let del_start = Instant::now();
            // Redis frees the value in a background thread under lazyfree-lazy-eviction;
            // oxidis has no lazy-free thread and frees it here either way.
            drop(self.dbs[db].remove(&key));
            let del_ms = del_start.elapsed().as_millis() as i64;
            crate::cmd::diag::record_latency(self, "eviction-del", del_ms, now / 1000);
            let delta = before - counted_memory(self);
            if estimate > delta {
                // Held by the snapshot: count it as freed, and leave it out of used memory
                // until the writer lets it go.
                self.evict.snapshot_pinned += (estimate - delta) as usize;
                freed += estimate;
            } else {
                freed += delta;
            }
            self.stats.evicted_keys += 1;
            // Redis also propagates a DEL (UNLINK under lazyfree-lazy-eviction) to the AOF and
            // replicas here (`propagateDeletion`); oxidis has neither yet, and whoever adds
            // them must do it here too.
            self.touch_watched_key(db, &key);
            match me.as_deref_mut() {
                Some(c) => self.notify_from(c, Class::EVICTED, "evicted", &key, db),
                None => self.notify(Class::EVICTED, "evicted", &key, db),
            }
            keys_freed += 1;
            if keys_freed.is_multiple_of(16) {
                // With lazy freeing Redis checks the real figure from time to time, since
                // the background thread frees memory after the delta was measured.
                if self.config.lazyfree_lazy_eviction && to_free(self).is_none() {
                    result = if self.evict.proc_running {
                        Evict::Running
                    } else {
                        Evict::Ok
                    };
                    break;
                }
                if start.elapsed().as_micros() as u64 > limit_us {
                    // Still over the limit: go on from the loop.
                    self.evict.proc_running = true;
                    result = Evict::Running;
                    break;
                }
            }
        }
        let ms = start.elapsed().as_millis() as i64;
        crate::cmd::diag::record_latency(self, "eviction-cycle", ms, now / 1000);
        result
    }

    /// The next key to evict as `(db, key)`, by `maxmemory-policy`; `None` when no key can
    /// be evicted.
    fn pick_victim(&mut self, now: i64) -> Option<(usize, Vec<u8>)> {
        let policy = self.config.maxmemory_policy;
        let allkeys = matches!(
            policy,
            Policy::AllkeysLru | Policy::AllkeysLfu | Policy::AllkeysRandom
        );
        match policy {
            Policy::Noeviction => None,
            Policy::AllkeysRandom | Policy::VolatileRandom => {
                let n = self.dbs.len();
                for _ in 0..n {
                    self.evict.next_db = self.evict.next_db.wrapping_add(1);
                    let j = self.evict.next_db % n;
                    let db = &self.dbs[j];
                    let key = if allkeys {
                        db.dict.random_entry(&mut self.rng).map(|(k, _)| k.to_vec())
                    } else {
                        db.expires
                            .random_entry(&mut self.rng)
                            .map(|(k, _)| k.to_vec())
                    };
                    if let Some(k) = key {
                        return Some((j, k));
                    }
                }
                None
            }
            _ => self.pick_from_pool(policy, allkeys, now),
        }
    }

    /// LRU, LFU and volatile-ttl: refill the pool from every database, then take the best
    /// candidate that still exists (ghosts — keys deleted since they were sampled — are
    /// dropped and the pool refilled).
    fn pick_from_pool(
        &mut self,
        policy: Policy,
        allkeys: bool,
        now: i64,
    ) -> Option<(usize, Vec<u8>)> {
        let samples = self.config.maxmemory_samples.max(1) as usize;
        let decay = self.config.lfu_decay_time;
        // Each round samples live keys, so only deletions between rounds make ghosts; the
        // bound guards against a pathological table that keeps yielding no sample.
        for _ in 0..1000 {
            let mut total_keys = 0;
            for (i, db) in self.dbs.iter().enumerate() {
                let keys = if allkeys {
                    db.dict.len()
                } else {
                    db.expires.len()
                };
                if keys == 0 {
                    continue;
                }
                total_keys += keys;
                let pool = &mut self.evict.pool;
                let score_of = |lru: u32| match policy {
                    Policy::AllkeysLfu | Policy::VolatileLfu => {
                        255 - u64::from(lfu::decr_and_return(lru, now, decay))
                    }
                    _ => idle_ms(lru, now),
                };
                if allkeys {
                    db.dict.sample(samples, &mut self.rng, |k, e| {
                        pool_insert(pool, score_of(e.lru), k, i)
                    });
                } else {
                    db.expires.sample(samples, &mut self.rng, |k, &when| {
                        let idle = if policy == Policy::VolatileTtl {
                            // The sooner it expires, the better.
                            u64::MAX.wrapping_sub(when as u64)
                        } else {
                            match db.dict.get(&k[..]) {
                                Some(e) => score_of(e.lru),
                                None => return,
                            }
                        };
                        pool_insert(pool, idle, k, i)
                    });
                }
            }
            if total_keys == 0 {
                return None;
            }
            // From the best candidate down.
            for k in (0..POOL_SIZE).rev() {
                // Slots above k are free: the pool keeps its free slots at the end.
                let Some(c) = self.evict.pool[k].take() else {
                    continue;
                };
                let db = &self.dbs[c.db];
                let exists = if allkeys {
                    db.dict.contains_key(&c.key[..])
                } else {
                    db.expires.contains_key(&c.key[..])
                };
                if exists {
                    return Some((c.db, c.key));
                }
            }
        }
        None
    }

    /// WATCH invalidation of an evicted key (Redis `signalModifiedKey`); unlike
    /// [`Core::key_modified`] it does not signal blocked clients.
    fn touch_watched_key(&mut self, db: usize, key: &[u8]) {
        if self.watched.is_empty() {
            return;
        }
        if let Some(ws) = self.watched.get(&(db, key.to_vec())) {
            self.cas_dirty.extend_from_slice(ws);
        }
    }
}

/// Redis `evictionTimeProc`, run by the loop on every iteration while
/// `EvictState::proc_running`: evicts for another time slice, and stops once memory is
/// under the limit or nothing is left to evict.
pub fn time_proc(core: &mut Core) {
    if core.perform_evictions(None) != Evict::Running {
        core.evict.proc_running = false;
    }
}

/// `CONFIG SET maxmemory` (Redis `updateMaxmemory`): warns when the new limit is below the
/// memory in use and starts evicting from the loop.
pub fn maxmemory_changed(core: &mut Core) {
    let max = core.config.maxmemory;
    if max == 0 {
        return;
    }
    let used = crate::alloc::used().saturating_sub(not_counted_memory(core));
    if max < used as u64 {
        log::warn!(
            "WARNING: the new maxmemory value set via CONFIG SET ({max}) is smaller than the current memory usage ({used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy."
        );
    }
    core.evict.proc_running = true;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idles(pool: &[Option<Candidate>; POOL_SIZE]) -> Vec<u64> {
        pool.iter()
            .map_while(|c| c.as_ref().map(|c| c.idle))
            .collect()
    }

    #[test]
    fn pool_stays_sorted_and_keeps_the_best() {
        let mut pool: [Option<Candidate>; POOL_SIZE] = Default::default();
        for i in [5u64, 1, 9, 3, 7] {
            pool_insert(&mut pool, i, format!("k{i}").as_bytes(), 0);
        }
        assert_eq!(idles(&pool), vec![1, 3, 5, 7, 9]);
        for i in 100..120u64 {
            pool_insert(&mut pool, i, format!("k{i}").as_bytes(), 1);
        }
        // Full: the 16 best remain, ascending.
        let v = idles(&pool);
        assert_eq!(v.len(), POOL_SIZE);
        assert_eq!(v, (104..120).collect::<Vec<_>>());
        // Worse than all of a full pool: ignored.
        pool_insert(&mut pool, 0, b"worst", 0);
        assert_eq!(idles(&pool), (104..120).collect::<Vec<_>>());
        // Better than some: the worst is dropped.
        pool_insert(&mut pool, 110, b"mid", 2);
        let v = idles(&pool);
        assert_eq!(v.len(), POOL_SIZE);
        assert_eq!(v[0], 105);
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
        assert!(pool.iter().flatten().any(|c| c.key == b"mid" && c.db == 2));
    }

    #[test]
    fn tenacity_time_limits() {
        assert_eq!(time_limit_us(0), 0);
        assert_eq!(time_limit_us(10), 500);
        assert_eq!(time_limit_us(11), 575);
        assert!(time_limit_us(99) > 100_000_000);
        assert_eq!(time_limit_us(100), u64::MAX);
    }

    #[test]
    fn idle_time_wraps_with_the_clock() {
        let now = 1_700_000_000_000;
        let clock = Core::lru_clock(now);
        assert_eq!(idle_ms(clock, now), 0);
        assert_eq!(idle_ms(clock - 5, now), 5000);
        assert_eq!(
            idle_ms(clock + 1, now),
            (u64::from(clock) + (1 << 24) - 1 - u64::from(clock) - 1) * 1000
        );
    }
}
