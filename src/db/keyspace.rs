//! One database: the keyspace table and the table of expiry times, with Redis's lazy
//! expiry on access, the sampling used by the active expiry cycle, and the pre-write hook
//! through which a running snapshot keeps its point-in-time view.
//!
//! Keys with a TTL are in both tables, as in Redis: `expires` is what the active cycle
//! samples. Lookups that find an expired key delete it.
//!
//! **Contract:** every mutation of `dict` or `expires` goes through a `Db` method (`get_mut`,
//! `set`, `add`, `remove`, `set_expire`, `persist`, `flush`), never through the fields,
//! because those methods first hand the entry's old state to a running snapshot
//! ([`SnapTap`]). Reading the fields directly is fine.

use super::dict::Dict;
use crate::types::value::Value;
use rand::Rng;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;

pub type Key = Box<[u8]>;

/// A walk slice visits at most this many times its capture budget.
const VISIT_FACTOR: usize = 8;

/// A keyspace entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub val: Value,
    /// Last access time in LRU clock units (seconds), for `OBJECT IDLETIME`.
    pub lru: u32,
    /// The snapshot epoch at which this entry was last captured (or created): a running
    /// snapshot with epoch `E` still needs the entry's current state iff `epoch < E`.
    pub epoch: u32,
}

/// One entry as it was at a snapshot's start.
pub struct Captured {
    pub db: usize,
    pub key: Key,
    pub val: Value,
    pub expire: Option<i64>,
    /// The entry's `lru` field (LRU clock or LFU counter), for IDLE/FREQ records.
    pub lru: u32,
}

impl Captured {
    /// Memory this capture allocated besides what it shares with the keyspace: the key copy,
    /// a copied string value (collections are shared `Arc`s) and its place in a batch.
    /// Counted in `pending_bytes` from the capture until the writer is done with it;
    /// eviction does not count it (see `evict::not_counted_memory`).
    pub fn copied_bytes(&self) -> usize {
        use crate::types::value::Str;
        let v = match &self.val {
            Value::Str(Str::Raw(v)) => v.len(),
            _ => 0,
        };
        std::mem::size_of::<Captured>() + self.key.len() + v
    }
}

/// What a running snapshot receives: entries as they were at its start.
pub enum SnapItem {
    /// Entries captured by a walk slice or by writes, sent together (one channel send and
    /// at most one writer wake-up per batch rather than per entry).
    Entries(Vec<Captured>),
    /// A database emptied by FLUSHDB/FLUSHALL while the snapshot runs: the writer serialises
    /// its entries whose epoch is below the snapshot's (and frees it, off the loop thread).
    Tables {
        db: usize,
        dict: Dict<Key, Entry>,
        expires: Dict<Key, i64>,
    },
    /// Every entry has been sent.
    Done,
}

impl SnapItem {
    /// Bytes the item's captures copied ([`Captured::copied_bytes`]); 0 for tables (moved,
    /// not copied).
    pub fn copied_bytes(&self) -> usize {
        match self {
            SnapItem::Entries(v) => v.iter().map(Captured::copied_bytes).sum(),
            _ => 0,
        }
    }
}

/// A running snapshot's hook into one database.
pub struct SnapTap {
    pub epoch: u32,
    /// The database index at the snapshot's start (a SWAPDB moves the tap with the tables).
    pub origin: usize,
    pub tx: Sender<SnapItem>,
    /// Items sent and not yet written (pacing of the cursor walk).
    pub pending: Arc<AtomicUsize>,
    /// Bytes the items sent and not yet written copied ([`SnapItem::copied_bytes`]).
    pub pending_bytes: Arc<AtomicUsize>,
    /// The walk's SCAN cursor over `dict`, and whether it has finished.
    pub cursor: u64,
    pub walked: bool,
    /// Entries captured and not yet sent (see [`SnapTap::flush`]); already counted in
    /// `pending` and `pending_bytes`.
    pub buf: Vec<Captured>,
}

impl SnapTap {
    pub fn new(
        epoch: u32,
        origin: usize,
        tx: Sender<SnapItem>,
        pending: Arc<AtomicUsize>,
        pending_bytes: Arc<AtomicUsize>,
    ) -> Self {
        SnapTap {
            epoch,
            origin,
            tx,
            pending,
            pending_bytes,
            cursor: 0,
            walked: false,
            buf: Vec::new(),
        }
    }

    /// Keeps a capture for the next batch, counting it at once (the walk's pacing and the
    /// memory eviction leaves out see it from now on).
    pub fn push(&mut self, c: Captured) {
        self.pending.fetch_add(1, Ordering::Relaxed);
        self.pending_bytes
            .fetch_add(c.copied_bytes(), Ordering::Relaxed);
        self.buf.push(c);
    }

    /// Sends a moved table; `pending` counts it as one item.
    pub fn send_tables(&self, item: SnapItem) {
        self.pending.fetch_add(1, Ordering::Relaxed);
        // A writer that already failed has dropped its receiver: nothing to do then.
        if self.tx.send(item).is_err() {
            self.pending.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Sends the entries captured so far as one batch. Called by each walk slice and by the
    /// loop once per iteration (`snapshot::step`), before the taps are removed.
    pub fn flush(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let batch = std::mem::take(&mut self.buf);
        let n = batch.len();
        if let Err(mpsc::SendError(item)) = self.tx.send(SnapItem::Entries(batch)) {
            // The writer failed and dropped its receiver: uncount what it will never see.
            self.pending.fetch_sub(n, Ordering::Relaxed);
            self.pending_bytes
                .fetch_sub(item.copied_bytes(), Ordering::Relaxed);
        }
    }
}

/// A database.
pub struct Db {
    pub id: usize,
    pub dict: Dict<Key, Entry>,
    pub expires: Dict<Key, i64>,
    /// Keys expired by lookups or the active cycle since the last read of this counter.
    pub expired: u64,
    /// Keys deleted because they expired, not yet reported: the command path
    /// (`Core::flush_expired`) turns them into `expired` keyspace events, WATCH
    /// invalidations and the `expired_keys` stat, in deletion order.
    pub expired_log: Vec<Key>,
    /// Average TTL estimate (ms) for `INFO keyspace`, updated by the active cycle.
    pub avg_ttl: i64,
    /// Set while a snapshot still needs this database's old state.
    pub snap: Option<SnapTap>,
}

impl Db {
    pub fn new(id: usize) -> Self {
        Db {
            id,
            dict: Dict::new(),
            expires: Dict::new(),
            expired: 0,
            expired_log: Vec::new(),
            avg_ttl: 0,
            snap: None,
        }
    }

    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.len() == 0
    }

    /// Epoch stamped on entries created now: a running snapshot must not include them.
    fn new_epoch(&self) -> u32 {
        self.snap.as_ref().map(|s| s.epoch).unwrap_or(0)
    }

    /// The pre-write hook: before `key` changes, a running snapshot gets its old state.
    #[inline]
    fn capture(&mut self, key: &[u8]) {
        let Some(tap) = &mut self.snap else { return };
        let Some((k, e)) = self.dict.get_key_value_mut(key) else {
            return;
        };
        if e.epoch >= tap.epoch {
            return;
        }
        e.epoch = tap.epoch;
        let expire = self.expires.get(key).copied();
        tap.push(Captured {
            db: tap.origin,
            key: k.clone(),
            val: e.val.clone(),
            expire,
            lru: e.lru,
        });
    }

    /// One slice of a snapshot's walk: captures up to `budget` entries not yet captured.
    /// Returns true when this database has been walked completely.
    pub fn snapshot_step(&mut self, budget: usize) -> bool {
        let Some(tap) = self.snap.as_mut() else {
            return true;
        };
        if tap.walked {
            return true;
        }
        let mut sent = 0;
        // Entries already captured (written since the start) cost a visit but are not
        // sent: the visits are bounded too, so a slice stays short whatever was written.
        let mut visited = 0;
        let (epoch, origin) = (tap.epoch, tap.origin);
        let expires = &self.expires;
        let items = &mut tap.buf;
        items.reserve(budget);
        // Counted once for the slice (see `SnapTap::push`).
        let mut bytes = 0;
        let mut cursor = tap.cursor;
        loop {
            cursor = self.dict.scan_mut(cursor, |k, e| {
                visited += 1;
                if e.epoch < epoch {
                    e.epoch = epoch;
                    let expire = expires.get(&k[..]).copied();
                    let c = Captured {
                        db: origin,
                        key: k.clone(),
                        val: e.val.clone(),
                        expire,
                        lru: e.lru,
                    };
                    bytes += c.copied_bytes();
                    items.push(c);
                    sent += 1;
                }
            });
            if cursor == 0 || sent >= budget || visited >= budget.saturating_mul(VISIT_FACTOR) {
                break;
            }
        }
        tap.pending.fetch_add(sent, Ordering::Relaxed);
        tap.pending_bytes.fetch_add(bytes, Ordering::Relaxed);
        tap.flush();
        tap.cursor = cursor;
        tap.walked = cursor == 0;
        tap.walked
    }

    /// The absolute expiry time in ms, if the key has one.
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        if self.expires.is_empty() {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// True if `key` has a TTL that has passed at `now` (Redis `keyIsExpired`: the key
    /// expires once the clock is strictly past its expiry time). Does not delete it.
    pub fn is_expired(&self, key: &[u8], now: i64) -> bool {
        matches!(self.expire_of(key), Some(t) if now > t)
    }

    /// Deletes `key` if it is logically expired at `now`; true if it was. Side effect: the
    /// key is queued in `expired_log` for its `expired` event.
    pub fn expire_if_needed(&mut self, key: &[u8], now: i64) -> bool {
        if self.is_expired(key, now) {
            self.expire_key(key);
            true
        } else {
            false
        }
    }

    /// Deletes a key because it expired, and queues it in `expired_log`.
    fn expire_key(&mut self, key: &[u8]) {
        if self.remove(key).is_some() {
            self.expired += 1;
            self.expired_log.push(key.into());
        }
    }

    /// Reads a live key (expiring it lazily).
    pub fn get(&mut self, key: &[u8], now: i64) -> Option<&Entry> {
        self.expire_if_needed(key, now);
        self.dict.get(key)
    }

    /// A live key for modification (expiring it lazily). Side effect: a running snapshot
    /// first receives the entry's current state.
    pub fn get_mut(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        self.expire_if_needed(key, now);
        self.capture(key);
        self.dict.get_mut(key)
    }

    /// True if a live key exists.
    pub fn contains(&mut self, key: &[u8], now: i64) -> bool {
        self.expire_if_needed(key, now);
        self.dict.contains_key(key)
    }

    /// Sets `key` to `val`. The TTL is cleared unless `keep_ttl` (SET semantics).
    pub fn set(&mut self, key: &[u8], val: Value, keep_ttl: bool, lru: u32) {
        self.capture(key);
        if !keep_ttl && !self.expires.is_empty() {
            self.expires.remove(key);
        }
        match self.dict.get_mut(key) {
            Some(e) => {
                e.val = val;
                e.lru = lru;
            }
            None => {
                let epoch = self.new_epoch();
                self.dict.insert(key.into(), Entry { val, lru, epoch });
            }
        }
    }

    /// Adds a key known to be absent.
    pub fn add(&mut self, key: &[u8], val: Value, lru: u32) {
        let epoch = self.new_epoch();
        self.dict.insert(key.into(), Entry { val, lru, epoch });
    }

    /// Removes a key and its TTL; returns the entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        self.capture(key);
        let (_, e) = self.dict.remove(key)?;
        if !self.expires.is_empty() {
            self.expires.remove(key);
        }
        Some(e)
    }

    /// Sets an absolute expiry (ms) on an existing key.
    pub fn set_expire(&mut self, key: &[u8], when: i64) {
        self.capture(key);
        if let Some(t) = self.expires.get_mut(key) {
            *t = when;
        } else {
            self.expires.insert(key.into(), when);
        }
    }

    /// Removes the TTL; true if there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        if self.expires.is_empty() || !self.expires.contains_key(key) {
            return false;
        }
        self.capture(key);
        self.expires.remove(key).is_some()
    }

    /// Empties the database; returns how many keys it held. A running snapshot receives
    /// the old tables whole (no per-key work here).
    pub fn flush(&mut self) -> usize {
        let n = self.dict.len();
        self.avg_ttl = 0;
        let dict = std::mem::take(&mut self.dict);
        let expires = std::mem::take(&mut self.expires);
        match &mut self.snap {
            Some(tap) if !tap.walked => tap.send_tables(SnapItem::Tables {
                db: tap.origin,
                dict,
                expires,
            }),
            _ => {
                drop(dict);
                drop(expires);
            }
        }
        n
    }

    /// A random live key (`RANDOMKEY`, Redis `dbRandomKey`). Expired keys drawn on the way
    /// are deleted, so the loop ends: at worst the table empties.
    pub fn random_key(&mut self, now: i64, rng: &mut impl Rng) -> Option<Vec<u8>> {
        loop {
            let k = self.dict.random_entry(rng).map(|(k, _)| k.to_vec())?;
            if !self.expire_if_needed(&k, now) {
                return Some(k);
            }
        }
    }

    /// One active-expiry pass over up to `samples` keys with a TTL; returns
    /// `(sampled, expired)`. Side effect: expired keys are deleted.
    pub fn expire_sample(
        &mut self,
        samples: usize,
        now: i64,
        rng: &mut impl Rng,
    ) -> (usize, usize) {
        self.expire_sample_with(samples, now, rng, |_| {})
    }

    /// As [`Db::expire_sample`], calling `on_expired` with each key it deletes (the active
    /// expiry cycle publishes an `expired` keyspace event for it).
    pub fn expire_sample_with(
        &mut self,
        samples: usize,
        now: i64,
        rng: &mut impl Rng,
        mut on_expired: impl FnMut(&[u8]),
    ) -> (usize, usize) {
        let mut picked: Vec<(Vec<u8>, i64)> = Vec::with_capacity(samples);
        self.expires
            .sample(samples, rng, |k, &t| picked.push((k.to_vec(), t)));
        let mut expired = 0;
        let mut ttl_sum = 0i64;
        let mut ttl_n = 0i64;
        for (k, t) in &picked {
            if now > *t {
                // A sample may hold a key twice: count it once.
                if !self.dict.contains_key(&k[..]) {
                    continue;
                }
                self.expire_key(k);
                expired += 1;
                on_expired(k);
            } else {
                // Far-future TTLs may overflow the sum; C wraps, and so do we.
                ttl_sum = ttl_sum.wrapping_add(t - now);
                ttl_n += 1;
            }
        }
        if ttl_n > 0 {
            let avg = ttl_sum / ttl_n;
            // Same running average as Redis's activeExpireCycle: 98% of the old estimate,
            // 2% of the sample (seeded with the sample itself the first time).
            if self.avg_ttl == 0 {
                self.avg_ttl = avg;
            }
            self.avg_ttl = (self.avg_ttl / 50) * 49 + avg / 50;
        }
        (picked.len(), expired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::value::Str;
    use std::sync::mpsc;

    fn tap(epoch: u32) -> (SnapTap, mpsc::Receiver<SnapItem>) {
        let (tx, rx) = mpsc::channel();
        let tap = SnapTap::new(
            epoch,
            0,
            tx,
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicUsize::new(0)),
        );
        (tap, rx)
    }

    /// The entries a receiver holds, batches opened.
    fn received(rx: &mpsc::Receiver<SnapItem>) -> Vec<Captured> {
        rx.try_iter()
            .flat_map(|it| match it {
                SnapItem::Entries(v) => v,
                _ => Vec::new(),
            })
            .collect()
    }

    fn str_val(i: usize) -> Value {
        Value::Str(Str::Raw(format!("v{i}").into_bytes()))
    }

    /// Every key overwritten after the start (captured by the hook): the walk still moves in
    /// bounded slices instead of visiting the whole table in one call.
    #[test]
    fn walk_slices_are_bounded_when_everything_was_captured() {
        let n = 5000;
        let mut db = Db::new(0);
        for i in 0..n {
            db.set(format!("k{i}").as_bytes(), str_val(i), false, 0);
        }
        let (t, rx) = tap(1);
        db.snap = Some(t);
        for i in 0..n {
            db.set(format!("k{i}").as_bytes(), str_val(i + n), false, 0);
        }
        // Captured by the hook, held until the next flush.
        assert_eq!(received(&rx).len(), 0);
        db.snap.as_mut().unwrap().flush();
        assert_eq!(received(&rx).len(), n);
        let mut calls = 0;
        while !db.snapshot_step(10) {
            calls += 1;
            assert!(calls < 10 * n, "walk does not end");
        }
        // 10 * VISIT_FACTOR visits per call at most (a bucket chain may overshoot a little).
        assert!(calls >= n / (10 * VISIT_FACTOR) / 2, "{calls} calls");
        assert_eq!(received(&rx).len(), 0);
    }

    /// The walk sends each entry not captured by a write exactly once.
    #[test]
    fn walk_sends_every_uncaptured_entry_once() {
        let n = 3000;
        let mut db = Db::new(0);
        for i in 0..n {
            db.set(format!("k{i}").as_bytes(), str_val(i), false, 0);
        }
        let (t, rx) = tap(1);
        db.snap = Some(t);
        for i in (0..n).step_by(3) {
            db.set(format!("k{i}").as_bytes(), str_val(i + n), false, 0);
        }
        let mut calls = 0;
        while !db.snapshot_step(7) {
            calls += 1;
            assert!(calls < 10 * n, "walk does not end");
        }
        let mut seen = std::collections::HashSet::new();
        for c in received(&rx) {
            assert!(seen.insert(c.key), "sent twice");
        }
        assert_eq!(seen.len(), n);
    }
}
