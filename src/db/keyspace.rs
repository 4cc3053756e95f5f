//! One database: the keyspace table and the table of expiry times, with Redis's lazy
//! expiry on access and the sampling used by the active expiry cycle.
//!
//! Keys with a TTL are in both tables, as in Redis: `expires` is what the active cycle
//! samples. Lookups that find an expired key delete it (side effect: the key is gone and
//! `expired_keys` is counted by the caller through the returned flag).

use super::dict::Dict;
use crate::types::value::Value;
use rand::Rng;

pub type Key = Box<[u8]>;

/// A keyspace entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub val: Value,
    /// Last access time in LRU clock units (seconds), for `OBJECT IDLETIME`.
    pub lru: u32,
}

/// A database.
pub struct Db {
    pub id: usize,
    pub dict: Dict<Key, Entry>,
    pub expires: Dict<Key, i64>,
    /// Keys expired by lookups or the active cycle since the last read of this counter.
    pub expired: u64,
    /// Average TTL estimate (ms) for `INFO keyspace`, updated by the active cycle.
    pub avg_ttl: i64,
}

impl Db {
    pub fn new(id: usize) -> Self {
        Db {
            id,
            dict: Dict::new(),
            expires: Dict::new(),
            expired: 0,
            avg_ttl: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.dict.len()
    }

    pub fn is_empty(&self) -> bool {
        self.dict.len() == 0
    }

    /// The absolute expiry time in ms, if the key has one.
    pub fn expire_of(&self, key: &[u8]) -> Option<i64> {
        if self.expires.len() == 0 {
            return None;
        }
        self.expires.get(key).copied()
    }

    /// Deletes `key` if it is logically expired at `now`; true if it was.
    pub fn expire_if_needed(&mut self, key: &[u8], now: i64) -> bool {
        match self.expire_of(key) {
            Some(t) if t <= now => {
                self.remove(key);
                self.expired += 1;
                true
            }
            _ => false,
        }
    }

    /// Reads a live key (expiring it lazily).
    pub fn get(&mut self, key: &[u8], now: i64) -> Option<&Entry> {
        self.expire_if_needed(key, now);
        self.dict.get(key)
    }

    /// Reads a live key for modification (expiring it lazily).
    pub fn get_mut(&mut self, key: &[u8], now: i64) -> Option<&mut Entry> {
        self.expire_if_needed(key, now);
        self.dict.get_mut(key)
    }

    /// True if a live key exists.
    pub fn contains(&mut self, key: &[u8], now: i64) -> bool {
        self.expire_if_needed(key, now);
        self.dict.contains_key(key)
    }

    /// Sets `key` to `val`. The TTL is cleared unless `keep_ttl` (SET semantics).
    pub fn set(&mut self, key: &[u8], val: Value, keep_ttl: bool, lru: u32) {
        if !keep_ttl && self.expires.len() > 0 {
            self.expires.remove(key);
        }
        match self.dict.get_mut(key) {
            Some(e) => {
                e.val = val;
                e.lru = lru;
            }
            None => {
                self.dict.insert(key.into(), Entry { val, lru });
            }
        }
    }

    /// Adds a key known to be absent.
    pub fn add(&mut self, key: &[u8], val: Value, lru: u32) {
        self.dict.insert(key.into(), Entry { val, lru });
    }

    /// Removes a key and its TTL; returns the entry.
    pub fn remove(&mut self, key: &[u8]) -> Option<Entry> {
        let (_, e) = self.dict.remove(key)?;
        if self.expires.len() > 0 {
            self.expires.remove(key);
        }
        Some(e)
    }

    /// Sets an absolute expiry (ms) on an existing key.
    pub fn set_expire(&mut self, key: &[u8], when: i64) {
        if let Some(t) = self.expires.get_mut(key) {
            *t = when;
        } else {
            self.expires.insert(key.into(), when);
        }
    }

    /// Removes the TTL; true if there was one.
    pub fn persist(&mut self, key: &[u8]) -> bool {
        self.expires.len() > 0 && self.expires.remove(key).is_some()
    }

    /// Empties the database; returns how many keys it held.
    pub fn flush(&mut self) -> usize {
        let n = self.dict.len();
        self.dict = Dict::new();
        self.expires = Dict::new();
        n
    }

    /// A random live key (`RANDOMKEY`), skipping expired ones (bounded tries, as Redis).
    pub fn random_key(&mut self, now: i64, rng: &mut impl Rng) -> Option<Vec<u8>> {
        for _ in 0..100 {
            let k = self.dict.random_entry(rng).map(|(k, _)| k.to_vec())?;
            if self.expire_if_needed(&k, now) {
                continue;
            }
            return Some(k);
        }
        None
    }

    /// One active-expiry pass over up to `samples` keys with a TTL; returns
    /// `(sampled, expired)`. Side effect: expired keys are deleted.
    pub fn expire_sample(
        &mut self,
        samples: usize,
        now: i64,
        rng: &mut impl Rng,
    ) -> (usize, usize) {
        let mut picked: Vec<(Vec<u8>, i64)> = Vec::with_capacity(samples);
        self.expires
            .sample(samples, rng, |k, &t| picked.push((k.to_vec(), t)));
        let mut expired = 0;
        let mut ttl_sum = 0i64;
        let mut ttl_n = 0i64;
        for (k, t) in &picked {
            if *t <= now {
                self.remove(k);
                self.expired += 1;
                expired += 1;
            } else {
                ttl_sum += t - now;
                ttl_n += 1;
            }
        }
        if ttl_n > 0 {
            let avg = ttl_sum / ttl_n;
            // Same smoothing as Redis: mostly the old estimate, a little of the sample.
            self.avg_ttl = if self.avg_ttl == 0 {
                avg
            } else {
                (self.avg_ttl / 50) * 49 + avg / 50
            };
        }
        (picked.len(), expired)
    }
}
