//! The incrementally rehashed hash table behind every keyspace (and large hashes and sets).
//!
//! Modelled on Redis's `dict.c`: two power-of-two tables of chained buckets. When the table must
//! grow (or shrink), a second table is allocated and entries move from table 0 to table 1 a few
//! buckets at a time — one step on every write-path operation (`insert`, `get_mut`, `remove`, ...)
//! and time-boxed batches from the server cron ([`Dict::rehash_for`]). No operation ever moves the
//! whole table, so the dict can grow to tens of millions of entries without a latency spike. New
//! bucket arrays are allocated zeroed (`calloc`), so the OS provides their pages lazily instead of
//! one large memset.
//!
//! Hashing is keyed with a random per-process seed (`ahash`), like Redis's SipHash seed, so
//! clients cannot choose colliding keys.
//!
//! API summary (see each item): `new`, `with_capacity`, `len`, `is_empty`, lookups by borrowed form
//! (`get`, `get_key_value`, `contains_key`; `get_mut`/`get_key_value_mut` also do a rehash step),
//! `insert`, `insert_new`, `get_or_insert_with`, `get_or_insert_with_owned`, `remove`, `iter`,
//! `iter_mut`, `drain`, `clear`, stateless cursors `scan`/`scan_mut` (Redis `dictScan`),
//! `random_entry` (Redis `dictGetFairRandomKey`), `sample` (Redis `dictGetSomeKeys`),
//! `rehash_steps`/`rehash_for` (Redis `dictRehash`/`dictRehashMilliseconds`), `try_shrink`
//! (Redis `htNeedsResize` + `dictResize`), `expand`, `set_resize_allowed`, and introspection
//! (`buckets`, `is_rehashing`, `mem_usage`, `rehashed_buckets`).
//!
//! Callers: `db` (the keyspace and expires tables), `types` (hash and set encodings), the server
//! cron (incremental rehash and shrinking).

use std::borrow::Borrow;
use std::fmt;
use std::hash::Hash;
use std::mem::{self, MaybeUninit};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rand::Rng;

/// Smallest table size (Redis `DICT_HT_INITIAL_SIZE`).
const INITIAL_SIZE: usize = 4;
/// With resizing disabled, grow anyway once `len / buckets` exceeds this (Redis
/// `dict_force_resize_ratio`).
const FORCE_RESIZE_RATIO: usize = 5;
/// `try_shrink` shrinks below this fill percentage (Redis `HASHTABLE_MIN_FILL`).
const MIN_FILL_PERCENT: usize = 10;
/// A rehash step visits at most this many empty buckets per bucket requested.
const EMPTY_VISITS_PER_STEP: usize = 10;
/// Buckets per batch in `rehash_for`, between clock reads (Redis `dictRehashMilliseconds`).
const TIMED_BATCH: usize = 100;
/// Entries sampled by `random_entry` (Redis `GETFAIR_NUM_ENTRIES`).
const FAIR_RANDOM_SAMPLES: usize = 15;
/// Random bucket probes in the `random_entry` fallback before a linear search.
const RANDOM_PROBES: usize = 1000;
/// `rehash_idx` value when not rehashing.
const NOT_REHASHING: usize = usize::MAX;

/// The process-wide hashing seed, chosen at random on first use.
fn hasher() -> &'static ahash::RandomState {
    static HASHER: OnceLock<ahash::RandomState> = OnceLock::new();
    HASHER.get_or_init(ahash::RandomState::new)
}

#[inline]
fn hash_of<Q: Hash + ?Sized>(q: &Q) -> usize {
    hasher().hash_one(q) as usize
}

type Link<K, V> = Option<Box<Node<K, V>>>;

/// One entry: a single allocation holding key, value and the bucket chain link.
struct Node<K, V> {
    key: K,
    value: V,
    next: Link<K, V>,
}

/// Drops a chain iteratively (the default recursive drop of a long chain overflows the stack).
/// Returns the number of nodes dropped.
fn drop_chain<K, V>(mut link: Link<K, V>) -> usize {
    let mut n = 0;
    while let Some(mut node) = link {
        link = node.next.take();
        n += 1;
    }
    n
}

/// One bucket array and its entry count.
struct Table<K, V> {
    buckets: Box<[Link<K, V>]>,
    used: usize,
}

impl<K, V> Table<K, V> {
    fn empty() -> Self {
        Table {
            buckets: Box::default(),
            used: 0,
        }
    }

    /// `size` must be a power of two.
    fn with_size(size: usize) -> Self {
        const { assert!(mem::size_of::<Link<(), ()>>() == mem::size_of::<usize>()) };
        let zeroed: Box<[MaybeUninit<Link<K, V>>]> = Box::new_zeroed_slice(size);
        // SAFETY: `Option<Box<T>>` is guaranteed to use the null-pointer optimisation, so the
        // all-zero bit pattern is a valid `None`. Allocating zeroed memory (calloc) instead of
        // writing `None`s lets the OS hand out large bucket arrays lazily, with no memset stall.
        let buckets = unsafe { zeroed.assume_init() };
        Table { buckets, used: 0 }
    }

    #[inline]
    fn size(&self) -> usize {
        self.buckets.len()
    }

    /// Bucket index mask; only meaningful when `size() > 0`.
    #[inline]
    fn mask(&self) -> usize {
        self.buckets.len().wrapping_sub(1)
    }
}

impl<K, V> Drop for Table<K, V> {
    fn drop(&mut self) {
        let mut left = self.used;
        for bucket in self.buckets.iter_mut() {
            if left == 0 {
                break;
            }
            left = left.saturating_sub(drop_chain(bucket.take()));
        }
        let mut buckets = mem::take(&mut self.buckets).into_vec();
        // SAFETY: shrinking the length to 0 is always sound (at worst it leaks). Every bucket is
        // `None` here (`used` counts the entries), so this only skips a no-op drop loop over the
        // whole bucket array, which for a large table would be a stall of its own.
        unsafe { buckets.set_len(0) };
    }
}

/// Where an entry sits: table, bucket, position in the chain.
#[derive(Clone, Copy)]
struct Loc {
    table: usize,
    bucket: usize,
    depth: usize,
}

/// An incrementally rehashed hash table with Redis `dict.c` semantics.
pub struct Dict<K, V> {
    ht: [Table<K, V>; 2],
    /// Next bucket of table 0 to move to table 1, or `NOT_REHASHING`.
    rehash_idx: usize,
    resize_allowed: bool,
    /// Table-0 buckets visited by rehashing so far (empty or not): makes incrementality testable.
    rehashed_buckets: u64,
}

impl<K, V> Default for Dict<K, V> {
    fn default() -> Self {
        Dict {
            ht: [Table::empty(), Table::empty()],
            rehash_idx: NOT_REHASHING,
            resize_allowed: true,
            rehashed_buckets: 0,
        }
    }
}

impl<K, V> Dict<K, V> {
    /// An empty dict; allocates nothing until the first insert.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.ht[0].used + self.ht[1].used
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True while entries are being moved from table 0 to table 1.
    #[inline]
    pub fn is_rehashing(&self) -> bool {
        self.rehash_idx != NOT_REHASHING
    }

    /// Bucket counts of table 0 and table 1 (table 1 is 0 unless rehashing).
    pub fn buckets(&self) -> (usize, usize) {
        (self.ht[0].size(), self.ht[1].size())
    }

    /// Total table-0 buckets visited by rehashing since creation (a monotonic work counter).
    pub fn rehashed_buckets(&self) -> u64 {
        self.rehashed_buckets
    }

    /// Allow or forbid resizing (Redis `dictEnableResize`/`dictDisableResize`). While forbidden,
    /// the table still grows once it holds more than 5 entries per bucket, and `try_shrink` does
    /// nothing. Rehashing already under way continues.
    pub fn set_resize_allowed(&mut self, allowed: bool) {
        self.resize_allowed = allowed;
    }

    /// Estimated bytes used by the dict itself: header, bucket arrays and entry nodes (with a
    /// typical allocator rounding), excluding heap memory owned by keys and values.
    pub fn mem_usage(&self) -> usize {
        let node = (mem::size_of::<Node<K, V>>() + 8).next_multiple_of(16);
        let buckets = (self.ht[0].size() + self.ht[1].size()) * mem::size_of::<Link<K, V>>();
        mem::size_of::<Self>() + buckets + self.len() * node
    }

    /// Removes every entry (chains are freed iteratively). Keeps the resize setting.
    pub fn clear(&mut self) {
        self.ht = [Table::empty(), Table::empty()];
        self.rehash_idx = NOT_REHASHING;
    }

    /// Removes every entry, returning them by value. The dict is empty (and unallocated)
    /// afterwards, even if the iterator is dropped early.
    pub fn drain(&mut self) -> IntoIter<K, V> {
        let len = self.len();
        let t0 = mem::take(&mut self.ht[0].buckets).into_vec();
        let t1 = mem::take(&mut self.ht[1].buckets).into_vec();
        self.ht[0].used = 0;
        self.ht[1].used = 0;
        self.rehash_idx = NOT_REHASHING;
        IntoIter {
            buckets: t0.into_iter().chain(t1),
            cur: None,
            remaining: len,
        }
    }

    /// Iterates over all entries in bucket order.
    pub fn iter(&self) -> Iter<'_, K, V> {
        let start = if self.is_rehashing() {
            self.rehash_idx.min(self.ht[0].size())
        } else {
            0
        };
        Iter {
            buckets: self.ht[0].buckets[start..]
                .iter()
                .chain(self.ht[1].buckets.iter()),
            cur: None,
            remaining: self.len(),
        }
    }

    /// Iterates over all entries with mutable values.
    pub fn iter_mut(&mut self) -> IterMut<'_, K, V> {
        let remaining = self.len();
        let start = if self.is_rehashing() {
            self.rehash_idx.min(self.ht[0].size())
        } else {
            0
        };
        let [t0, t1] = &mut self.ht;
        IterMut {
            buckets: t0.buckets[start..].iter_mut().chain(t1.buckets.iter_mut()),
            cur: None,
            remaining,
        }
    }

    /// One step of the stateless cursor iteration (Redis `dictScan`). Start with cursor 0; call
    /// again with the returned cursor until it is 0. Every entry present from the start to the end
    /// of a full iteration is passed to `f` at least once, even if the table grows, shrinks or
    /// rehashes between calls; some entries may be passed more than once.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(&K, &V)) -> u64 {
        self.scan_buckets(cursor, |link| {
            let mut cur = link.as_deref();
            while let Some(n) = cur {
                f(&n.key, &n.value);
                cur = n.next.as_deref();
            }
        })
    }

    /// [`scan`](Self::scan) with mutable values. Does not rehash, so the cursor contract holds.
    pub fn scan_mut(&mut self, cursor: u64, mut f: impl FnMut(&K, &mut V)) -> u64 {
        let (small, large) = self.scan_tables();
        let len = self.len();
        let [t0, t1] = &mut self.ht;
        let (s, l) = if small == 0 { (t0, t1) } else { (t1, t0) };
        let large_mask = large.map(|_| l.mask());
        scan_cursor(cursor, len, s.mask(), large_mask, |t, i| {
            let link = if t == 0 {
                &mut s.buckets[i]
            } else {
                &mut l.buckets[i]
            };
            let mut cur = link.as_deref_mut();
            while let Some(n) = cur {
                let Node { key, value, next } = n;
                f(key, value);
                cur = next.as_deref_mut();
            }
        })
    }

    /// Which table scan treats as the small one, and whether there is a second table.
    fn scan_tables(&self) -> (usize, Option<usize>) {
        if !self.is_rehashing() {
            (0, None)
        } else if self.ht[0].size() <= self.ht[1].size() {
            (0, Some(1))
        } else {
            (1, Some(0))
        }
    }

    fn scan_buckets(&self, cursor: u64, mut visit: impl FnMut(&Link<K, V>)) -> u64 {
        let (small, large) = self.scan_tables();
        let s = &self.ht[small];
        let large_mask = large.map(|t| self.ht[t].mask());
        scan_cursor(cursor, self.len(), s.mask(), large_mask, |t, i| {
            let table = if t == 0 {
                small
            } else {
                large.unwrap_or(small)
            };
            visit(&self.ht[table].buckets[i]);
        })
    }

    /// Calls `f` for up to `count` entries taken from random places in the table (Redis
    /// `dictGetSomeKeys`): cheap, contiguous runs rather than a uniform sample, possibly fewer than
    /// `count` entries and possibly duplicates. Returns how many calls were made.
    pub fn sample<R: Rng + ?Sized>(
        &self,
        count: usize,
        rng: &mut R,
        mut f: impl FnMut(&K, &V),
    ) -> usize {
        self.sample_nodes(count, rng, |n| f(&n.key, &n.value))
    }

    /// A random entry, close to uniformly chosen (Redis `dictGetFairRandomKey`): samples a few
    /// entries from a random place and picks one of them. `None` only when empty.
    pub fn random_entry<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(&K, &V)> {
        if self.is_empty() {
            return None;
        }
        let mut picks: [Option<&Node<K, V>>; FAIR_RANDOM_SAMPLES] = [None; FAIR_RANDOM_SAMPLES];
        let mut stored = 0;
        self.sample_nodes(FAIR_RANDOM_SAMPLES, rng, |n| {
            if let Some(slot) = picks.get_mut(stored) {
                *slot = Some(n);
                stored += 1;
            }
        });
        let node = if stored == 0 {
            self.random_bucket_entry(rng)?
        } else {
            picks[rng.gen_range(0..stored)]?
        };
        Some((&node.key, &node.value))
    }

    /// Redis `dictGetSomeKeys` (7.0: stops as soon as `count` entries are found).
    fn sample_nodes<'a, R: Rng + ?Sized>(
        &'a self,
        count: usize,
        rng: &mut R,
        mut f: impl FnMut(&'a Node<K, V>),
    ) -> usize {
        let count = count.min(self.len());
        if count == 0 {
            return 0;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        let mut max_mask = self.ht[0].mask();
        if tables == 2 {
            max_mask = max_mask.max(self.ht[1].mask());
        }
        let mut i = rng.gen::<u64>() as usize & max_mask;
        let mut empty_len = 0;
        let mut stored = 0;
        let mut max_steps = count.saturating_mul(10);
        while stored < count && max_steps > 0 {
            max_steps -= 1;
            for j in 0..tables {
                // Buckets of table 0 below rehash_idx are empty: skip them, and if table 1 is
                // also out of range there (shrinking), jump to rehash_idx.
                if tables == 2 && j == 0 && i < self.rehash_idx {
                    if i >= self.ht[1].size() {
                        i = self.rehash_idx;
                    } else {
                        continue;
                    }
                }
                let Some(bucket) = self.ht[j].buckets.get(i) else {
                    continue;
                };
                let mut cur = bucket.as_deref();
                if cur.is_none() {
                    empty_len += 1;
                    if empty_len >= 5 && empty_len > count {
                        i = rng.gen::<u64>() as usize & max_mask;
                        empty_len = 0;
                    }
                } else {
                    empty_len = 0;
                    while let Some(n) = cur {
                        f(n);
                        stored += 1;
                        if stored == count {
                            return stored;
                        }
                        cur = n.next.as_deref();
                    }
                }
            }
            i = (i + 1) & max_mask;
        }
        stored
    }

    /// Redis `dictGetRandomKey`: a random non-empty bucket, then a random entry of its chain.
    /// Probes are bounded; a linear search from a random start finishes the job for very sparse
    /// tables.
    fn random_bucket_entry<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<&Node<K, V>> {
        if self.is_empty() {
            return None;
        }
        let s0 = self.ht[0].size();
        let (lo, total) = if self.is_rehashing() {
            (self.rehash_idx.min(s0), s0 + self.ht[1].size())
        } else {
            (0, s0)
        };
        let bucket = |h: usize| -> Option<&Node<K, V>> {
            if h >= s0 {
                self.ht[1].buckets.get(h - s0)?.as_deref()
            } else {
                self.ht[0].buckets.get(h)?.as_deref()
            }
        };
        let mut head = None;
        for _ in 0..RANDOM_PROBES {
            head = bucket(rng.gen_range(lo..total));
            if head.is_some() {
                break;
            }
        }
        if head.is_none() {
            let start = rng.gen_range(lo..total);
            head = (start..total).chain(lo..start).find_map(bucket);
        }
        let head = head?;
        let mut len = 0;
        let mut cur = Some(head);
        while let Some(n) = cur {
            len += 1;
            cur = n.next.as_deref();
        }
        let mut cur = head;
        for _ in 0..rng.gen_range(0..len) {
            cur = cur.next.as_deref()?;
        }
        Some(cur)
    }
}

/// The cursor arithmetic of Redis `dictScan`: visit bucket `cursor & small_mask` of the small table
/// (`visit(0, i)`), then every expansion of it in the large table (`visit(1, i)`), and return the
/// next cursor in reverse-binary order.
fn scan_cursor(
    cursor: u64,
    len: usize,
    small_mask: usize,
    large_mask: Option<usize>,
    mut visit: impl FnMut(usize, usize),
) -> u64 {
    if len == 0 {
        return 0;
    }
    let m0 = small_mask as u64;
    let mut v = cursor;
    visit(0, (v & m0) as usize);
    match large_mask {
        None => {
            v |= !m0;
            v = v.reverse_bits().wrapping_add(1).reverse_bits();
        }
        Some(m1) => {
            let m1 = m1 as u64;
            loop {
                visit(1, (v & m1) as usize);
                v |= !m1;
                v = v.reverse_bits().wrapping_add(1).reverse_bits();
                if v & (m0 ^ m1) == 0 {
                    break;
                }
            }
        }
    }
    v
}

impl<K: Hash + Eq, V> Dict<K, V> {
    /// An empty dict whose table already holds `n` entries without growing.
    pub fn with_capacity(n: usize) -> Self {
        let mut d = Self::new();
        if n > 0 {
            d.expand(n);
        }
        d
    }

    /// Starts resizing to the smallest power-of-two table (at least 4) holding `n` entries at one
    /// per bucket (Redis `dictExpand`). Does nothing and returns false while rehashing, when `n` is
    /// below `len()`, or when the size would not change. Used before bulk loads.
    pub fn expand(&mut self, n: usize) -> bool {
        if self.is_rehashing() || self.ht[0].used > n {
            return false;
        }
        let Some(size) = n.max(INITIAL_SIZE).checked_next_power_of_two() else {
            return false;
        };
        if size == self.ht[0].size() || size.checked_mul(mem::size_of::<usize>()).is_none() {
            return false;
        }
        let table = Table::with_size(size);
        if self.ht[0].used == 0 {
            // Nothing to move: the new table simply replaces the old one.
            self.ht[0] = table;
        } else {
            self.ht[1] = table;
            self.rehash_idx = 0;
        }
        true
    }

    /// Starts shrinking if the table is less than 10% full and larger than 4 buckets (Redis
    /// `htNeedsResize` + `dictResize`). The caller decides when (after deletions, from the cron).
    /// Returns true if a resize started (or completed, for an empty table).
    pub fn try_shrink(&mut self) -> bool {
        if !self.resize_allowed || self.is_rehashing() {
            return false;
        }
        let size = self.ht[0].size();
        let used = self.ht[0].used;
        if size > INITIAL_SIZE && used * 100 / size < MIN_FILL_PERCENT {
            self.expand(used.max(INITIAL_SIZE))
        } else {
            false
        }
    }

    /// Moves up to `n` non-empty buckets (visiting at most `10 * n` empty ones) from table 0 to
    /// table 1 (Redis `dictRehash`). Returns true if rehashing is still under way.
    pub fn rehash_steps(&mut self, n: usize) -> bool {
        if !self.is_rehashing() {
            return false;
        }
        let mut empty_visits = n.saturating_mul(EMPTY_VISITS_PER_STEP);
        let [t0, t1] = &mut self.ht;
        let growing = t1.size() > t0.size();
        let mask1 = t1.mask();
        let mut steps = n;
        while steps > 0 && t0.used != 0 {
            steps -= 1;
            // Find the next non-empty bucket, visiting a bounded number of empty ones.
            let mut chain = loop {
                let Some(bucket) = t0.buckets.get_mut(self.rehash_idx) else {
                    break None;
                };
                self.rehashed_buckets += 1;
                self.rehash_idx += 1;
                if bucket.is_some() {
                    break bucket.take();
                }
                empty_visits -= 1;
                if empty_visits == 0 {
                    return true;
                }
            };
            if chain.is_none() {
                // Unreachable while `used` is accurate; leave the loop to finish the rehash.
                debug_assert!(false, "rehash index ran past table 0 with entries left");
                break;
            }
            let idx = self.rehash_idx - 1;
            while let Some(mut node) = chain {
                chain = node.next.take();
                // Shrinking: the low bits of the old index are the new index, no hashing needed.
                let b = if growing {
                    hash_of(&node.key) & mask1
                } else {
                    idx & mask1
                };
                node.next = t1.buckets[b].take();
                t1.buckets[b] = Some(node);
                t0.used -= 1;
                t1.used += 1;
            }
        }
        let done = t0.used == 0 || self.rehash_idx >= t0.size();
        if done {
            let t1 = mem::replace(&mut self.ht[1], Table::empty());
            // The old table (all buckets empty) is released without touching its buckets.
            self.ht[0] = t1;
            self.rehash_idx = NOT_REHASHING;
            return false;
        }
        true
    }

    /// Rehashes in batches of 100 buckets until done or `budget` has elapsed (checked between
    /// batches; Redis `dictRehashMilliseconds`). Returns true if rehashing is still under way.
    pub fn rehash_for(&mut self, budget: Duration) -> bool {
        let start = Instant::now();
        while self.rehash_steps(TIMED_BATCH) {
            if start.elapsed() >= budget {
                return true;
            }
        }
        false
    }

    /// One incremental step, done by every write-path operation (Redis `_dictRehashStep`).
    #[inline]
    fn rehash_step(&mut self) {
        if self.is_rehashing() {
            self.rehash_steps(1);
        }
    }

    /// Grows when the table is full (Redis `_dictExpandIfNeeded`).
    fn expand_if_needed(&mut self) {
        if self.is_rehashing() {
            return;
        }
        let size = self.ht[0].size();
        if size == 0 {
            self.expand(INITIAL_SIZE);
            return;
        }
        let used = self.ht[0].used;
        if used >= size && (self.resize_allowed || used / size > FORCE_RESIZE_RATIO) {
            self.expand(used + 1);
        }
    }

    fn find<Q>(&self, k: &Q) -> Option<&Node<K, V>>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        if self.is_empty() {
            return None;
        }
        let h = hash_of(k);
        let tables = if self.is_rehashing() { 2 } else { 1 };
        for t in &self.ht[..tables] {
            let Some(bucket) = t.buckets.get(h & t.mask()) else {
                continue;
            };
            let mut cur = bucket.as_deref();
            while let Some(n) = cur {
                if n.key.borrow() == k {
                    return Some(n);
                }
                cur = n.next.as_deref();
            }
        }
        None
    }

    fn locate<Q>(&self, h: usize, k: &Q) -> Option<Loc>
    where
        K: Borrow<Q>,
        Q: ?Sized + Eq,
    {
        if self.is_empty() {
            return None;
        }
        let tables = if self.is_rehashing() { 2 } else { 1 };
        for (table, t) in self.ht[..tables].iter().enumerate() {
            let bucket = h & t.mask();
            let Some(head) = t.buckets.get(bucket) else {
                continue;
            };
            let mut cur = head.as_deref();
            let mut depth = 0;
            while let Some(n) = cur {
                if n.key.borrow() == k {
                    return Some(Loc {
                        table,
                        bucket,
                        depth,
                    });
                }
                depth += 1;
                cur = n.next.as_deref();
            }
        }
        None
    }

    fn node_at_mut(&mut self, loc: Loc) -> Option<&mut Node<K, V>> {
        let mut cur = self.ht[loc.table]
            .buckets
            .get_mut(loc.bucket)?
            .as_deref_mut();
        for _ in 0..loc.depth {
            cur = cur?.next.as_deref_mut();
        }
        cur
    }

    /// Inserts a key known to be absent and returns its value slot.
    fn insert_absent(&mut self, h: usize, key: K, value: V) -> &mut V {
        self.expand_if_needed();
        let t = &mut self.ht[usize::from(self.is_rehashing())];
        let slot = &mut t.buckets[h & t.mask()];
        let next = slot.take();
        t.used += 1;
        &mut slot.insert(Box::new(Node { key, value, next })).value
    }

    /// The value for `k`. Does not rehash (it takes `&self`).
    pub fn get<Q>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.find(k).map(|n| &n.value)
    }

    /// The stored key and value for `k`.
    pub fn get_key_value<Q>(&self, k: &Q) -> Option<(&K, &V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.find(k).map(|n| (&n.key, &n.value))
    }

    pub fn contains_key<Q>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.find(k).is_some()
    }

    /// The value for `k`, mutably. Does one rehash step.
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.get_key_value_mut(k).map(|(_, v)| v)
    }

    /// The stored key and the value for `k`, mutably. Does one rehash step.
    pub fn get_key_value_mut<Q>(&mut self, k: &Q) -> Option<(&K, &mut V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let loc = self.locate(hash_of(k), k)?;
        let n = self.node_at_mut(loc)?;
        Some((&n.key, &mut n.value))
    }

    /// Inserts or replaces. When `k` is present, its value is replaced and returned, and the
    /// stored key is kept (the new one is dropped). Does one rehash step.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        self.rehash_step();
        let h = hash_of(&k);
        if let Some(loc) = self.locate(h, &k) {
            let node = self.node_at_mut(loc).expect("located entry exists");
            return Some(mem::replace(&mut node.value, v));
        }
        self.insert_absent(h, k, v);
        None
    }

    /// Inserts a key the caller knows is absent, skipping the lookup (checked in debug builds).
    /// Does one rehash step.
    pub fn insert_new(&mut self, k: K, v: V) -> &mut V {
        debug_assert!(!self.contains_key(&k), "insert_new: key already present");
        self.rehash_step();
        let h = hash_of(&k);
        self.insert_absent(h, k, v)
    }

    /// The value for `k`, inserting `f()` first if absent. The key is converted to its owned form
    /// (e.g. `&[u8]` → `Box<[u8]>`) only when inserting. Does one rehash step.
    pub fn get_or_insert_with<Q>(&mut self, k: &Q, f: impl FnOnce() -> V) -> &mut V
    where
        K: Borrow<Q> + for<'a> From<&'a Q>,
        Q: ?Sized + Hash + Eq,
    {
        self.rehash_step();
        let h = hash_of(k);
        if let Some(loc) = self.locate(h, k) {
            return &mut self.node_at_mut(loc).expect("located entry exists").value;
        }
        self.insert_absent(h, K::from(k), f())
    }

    /// Like [`get_or_insert_with`](Self::get_or_insert_with) with an owned key, which is dropped
    /// if already present. Does one rehash step.
    pub fn get_or_insert_with_owned(&mut self, k: K, f: impl FnOnce() -> V) -> &mut V {
        self.rehash_step();
        let h = hash_of(&k);
        if let Some(loc) = self.locate(h, &k) {
            return &mut self.node_at_mut(loc).expect("located entry exists").value;
        }
        self.insert_absent(h, k, f())
    }

    /// Removes `k`, returning the stored key and value. Does one rehash step; never shrinks (see
    /// [`try_shrink`](Self::try_shrink)).
    pub fn remove<Q>(&mut self, k: &Q) -> Option<(K, V)>
    where
        K: Borrow<Q>,
        Q: ?Sized + Hash + Eq,
    {
        if self.is_empty() {
            return None;
        }
        self.rehash_step();
        let loc = self.locate(hash_of(k), k)?;
        let t = &mut self.ht[loc.table];
        let mut link = t.buckets.get_mut(loc.bucket)?;
        for _ in 0..loc.depth {
            link = &mut link.as_mut()?.next;
        }
        let mut node = link.take()?;
        *link = node.next.take();
        t.used -= 1;
        let Node { key, value, .. } = *node;
        Some((key, value))
    }
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Dict<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<K: Hash + Eq, V> Extend<(K, V)> for Dict<K, V> {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Hash + Eq, V> FromIterator<(K, V)> for Dict<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut d = Dict::new();
        d.extend(iter);
        d
    }
}

impl<'a, K, V> IntoIterator for &'a Dict<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = Iter<'a, K, V>;
    fn into_iter(self) -> Iter<'a, K, V> {
        self.iter()
    }
}

impl<K, V> IntoIterator for Dict<K, V> {
    type Item = (K, V);
    type IntoIter = IntoIter<K, V>;
    fn into_iter(mut self) -> IntoIter<K, V> {
        self.drain()
    }
}

/// The buckets of table 0 followed by those of table 1.
type Chained<I> = std::iter::Chain<I, I>;

/// Iterator over `(&K, &V)`; see [`Dict::iter`].
pub struct Iter<'a, K, V> {
    buckets: Chained<std::slice::Iter<'a, Link<K, V>>>,
    cur: Option<&'a Node<K, V>>,
    remaining: usize,
}

impl<'a, K, V> Iterator for Iter<'a, K, V> {
    type Item = (&'a K, &'a V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.cur {
                self.cur = n.next.as_deref();
                self.remaining = self.remaining.saturating_sub(1);
                return Some((&n.key, &n.value));
            }
            if self.remaining == 0 {
                return None;
            }
            self.cur = self.buckets.next()?.as_deref();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> ExactSizeIterator for Iter<'_, K, V> {}

/// Iterator over `(&K, &mut V)`; see [`Dict::iter_mut`].
pub struct IterMut<'a, K, V> {
    buckets: Chained<std::slice::IterMut<'a, Link<K, V>>>,
    cur: Option<&'a mut Node<K, V>>,
    remaining: usize,
}

impl<'a, K, V> Iterator for IterMut<'a, K, V> {
    type Item = (&'a K, &'a mut V);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(n) = self.cur.take() {
                let Node { key, value, next } = n;
                self.cur = next.as_deref_mut();
                self.remaining = self.remaining.saturating_sub(1);
                return Some((&*key, value));
            }
            if self.remaining == 0 {
                return None;
            }
            self.cur = self.buckets.next()?.as_deref_mut();
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> ExactSizeIterator for IterMut<'_, K, V> {}

/// Owning iterator over `(K, V)`; see [`Dict::drain`]. Entries not consumed are dropped with it.
pub struct IntoIter<K, V> {
    buckets: Chained<std::vec::IntoIter<Link<K, V>>>,
    cur: Link<K, V>,
    remaining: usize,
}

impl<K, V> Iterator for IntoIter<K, V> {
    type Item = (K, V);

    fn next(&mut self) -> Option<(K, V)> {
        loop {
            if let Some(node) = self.cur.take() {
                let Node { key, value, next } = *node;
                self.cur = next;
                self.remaining = self.remaining.saturating_sub(1);
                return Some((key, value));
            }
            if self.remaining == 0 {
                return None;
            }
            self.cur = self.buckets.next()?;
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<K, V> ExactSizeIterator for IntoIter<K, V> {}

impl<K, V> Drop for IntoIter<K, V> {
    fn drop(&mut self) {
        drop_chain(self.cur.take());
        if self.remaining > 0 {
            for bucket in self.buckets.by_ref() {
                drop_chain(bucket);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::{HashMap, HashSet};

    fn key(i: u64) -> Vec<u8> {
        format!("key:{i}").into_bytes()
    }

    /// Checks internal invariants and that contents equal the model.
    fn check_against(d: &Dict<Vec<u8>, u64>, model: &HashMap<Vec<u8>, u64>) {
        assert_eq!(d.len(), model.len());
        let counted: usize =
            d.ht.iter()
                .map(|t| t.buckets.iter().map(chain_len).sum::<usize>())
                .sum();
        assert_eq!(counted, d.len());
        assert!(d.ht[0].size().count_ones() <= 1);
        if !d.is_rehashing() {
            assert_eq!(d.ht[1].size(), 0);
        }
        let mut seen = HashMap::new();
        for (k, v) in d.iter() {
            assert!(
                seen.insert(k.clone(), *v).is_none(),
                "duplicate key in iter"
            );
        }
        assert_eq!(&seen, model);
    }

    fn chain_len<K, V>(link: &Link<K, V>) -> usize {
        let mut n = 0;
        let mut cur = link.as_deref();
        while let Some(node) = cur {
            n += 1;
            cur = node.next.as_deref();
        }
        n
    }

    #[test]
    fn basic_operations() {
        let mut d: Dict<Box<[u8]>, i32> = Dict::new();
        assert!(d.is_empty());
        assert_eq!(d.buckets(), (0, 0));
        assert_eq!(d.insert(b"a".as_slice().into(), 1), None);
        assert_eq!(d.insert(b"a".as_slice().into(), 2), Some(1));
        assert_eq!(d.get(b"a".as_slice()), Some(&2));
        assert!(d.contains_key(b"a".as_slice()));
        assert!(!d.contains_key(b"b".as_slice()));
        *d.get_mut(b"a".as_slice()).unwrap() += 10;
        assert_eq!(
            d.get_key_value(b"a".as_slice()),
            Some((&b"a".to_vec().into(), &12))
        );
        *d.get_or_insert_with(b"b".as_slice(), || 5) += 1;
        *d.get_or_insert_with(b"b".as_slice(), || 100) += 1;
        assert_eq!(d.get(b"b".as_slice()), Some(&7));
        d.insert_new(b"c".as_slice().into(), 3);
        assert_eq!(d.len(), 3);
        assert_eq!(
            d.remove(b"a".as_slice()),
            Some((b"a".as_slice().into(), 12))
        );
        assert_eq!(d.remove(b"a".as_slice()), None);
        assert_eq!(d.len(), 2);
        for (_, v) in d.iter_mut() {
            *v *= 2;
        }
        let mut all: Vec<_> = d.drain().collect();
        all.sort();
        assert_eq!(
            all,
            vec![(b"b".as_slice().into(), 14), (b"c".as_slice().into(), 6)]
        );
        assert!(d.is_empty());
        assert_eq!(d.buckets(), (0, 0));
        d.insert(b"x".as_slice().into(), 1);
        assert_eq!(d.get(b"x".as_slice()), Some(&1));
    }

    #[test]
    fn insert_keeps_old_key() {
        // Keys equal by Eq but distinguishable: the first stored key must stay.
        #[derive(Debug)]
        struct K(u32, u32);
        impl PartialEq for K {
            fn eq(&self, o: &K) -> bool {
                self.0 == o.0
            }
        }
        impl Eq for K {}
        impl Hash for K {
            fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
                self.0.hash(h)
            }
        }
        let mut d = Dict::new();
        d.insert(K(1, 1), "a");
        assert_eq!(d.insert(K(1, 2), "b"), Some("a"));
        let (k, v) = d.get_key_value(&K(1, 0)).unwrap();
        assert_eq!((k.1, *v), (1, "b"));
    }

    #[test]
    fn growth_and_shrink_sizes_follow_redis() {
        let mut d: Dict<u64, ()> = Dict::new();
        d.insert(0, ());
        assert_eq!(d.buckets(), (4, 0));
        for i in 1..4 {
            d.insert(i, ());
        }
        assert_eq!(d.buckets(), (4, 0));
        // The 5th insert finds used == size and starts growing to 8.
        d.insert(4, ());
        assert_eq!(d.buckets(), (4, 8));
        assert!(d.is_rehashing());
        assert!(!d.rehash_steps(100));
        assert_eq!(d.buckets(), (8, 0));
        for i in 5..1000 {
            d.insert(i, ());
        }
        while d.rehash_steps(100) {}
        assert_eq!(d.buckets(), (1024, 0));
        for i in 0..990 {
            d.remove(&i);
        }
        while d.rehash_steps(100) {}
        // 10 entries in 1024 buckets: < 10% full, shrink to 16.
        assert!(d.try_shrink());
        while d.rehash_steps(100) {}
        assert_eq!(d.buckets(), (16, 0));
        assert!(!d.try_shrink());
        for i in 990..1000 {
            assert!(d.contains_key(&i));
        }
        // Emptying then shrinking swaps in the minimal table directly.
        for i in 990..1000 {
            d.remove(&i);
        }
        assert!(d.try_shrink());
        assert_eq!(d.buckets(), (4, 0));
        assert!(!d.is_rehashing());

        let d2: Dict<u64, ()> = Dict::with_capacity(100);
        assert_eq!(d2.buckets(), (128, 0));
    }

    #[test]
    fn resize_disabled_grows_only_past_ratio_5() {
        let mut d: Dict<u64, ()> = Dict::new();
        d.set_resize_allowed(false);
        for i in 0..24 {
            d.insert(i, ());
        }
        // 24 entries in 4 buckets (ratio 6 > 5 only reached at the 25th insert).
        assert_eq!(d.buckets(), (4, 0));
        d.insert(24, ());
        assert_eq!(d.buckets(), (4, 32));
        while d.rehash_steps(100) {}
        assert_eq!(d.buckets(), (32, 0));
        for i in 0..24 {
            d.remove(&i);
        }
        assert!(!d.try_shrink());
        d.set_resize_allowed(true);
        assert!(d.try_shrink());
    }

    #[test]
    fn model_based_random_operations() {
        let mut rng = SmallRng::seed_from_u64(0x5eed);
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        let mut model: HashMap<Vec<u8>, u64> = HashMap::new();
        for step in 0..60_000u64 {
            // Key range drifts over time so the table grows and shrinks.
            let range = if (step / 15_000) % 2 == 0 { 3000 } else { 40 };
            let k = key(rng.gen_range(0..range));
            match rng.gen_range(0..100) {
                0..=29 => assert_eq!(d.insert(k.clone(), step), model.insert(k, step)),
                30..=34 => {
                    if let std::collections::hash_map::Entry::Vacant(e) = model.entry(k) {
                        d.insert_new(e.key().clone(), step);
                        e.insert(step);
                    }
                }
                35..=59 => {
                    let got = d.remove(k.as_slice());
                    let want = model.remove_entry(&k);
                    assert_eq!(got, want);
                }
                60..=69 => assert_eq!(d.get(k.as_slice()), model.get(&k)),
                70..=74 => {
                    if let Some(v) = d.get_mut(k.as_slice()) {
                        *v += 1;
                    }
                    if let Some(v) = model.get_mut(&k) {
                        *v += 1;
                    }
                }
                75..=79 => {
                    *d.get_or_insert_with(k.as_slice(), || step) += 2;
                    *model.entry(k).or_insert(step) += 2;
                }
                80..=84 => {
                    d.try_shrink();
                }
                85..=89 => {
                    d.rehash_steps(rng.gen_range(0..4));
                }
                90..=91 => d.set_resize_allowed(rng.gen_bool(0.7)),
                92 => {
                    if rng.gen_range(0..50) == 0 {
                        d.clear();
                        model.clear();
                    }
                }
                _ => assert_eq!(d.contains_key(k.as_slice()), model.contains_key(&k)),
            }
            if step % 997 == 0 {
                check_against(&d, &model);
            }
        }
        check_against(&d, &model);
        let mut drained: HashMap<_, _> = d.drain().collect();
        assert_eq!(drained.len(), model.len());
        drained.retain(|k, v| model.get(k) != Some(v));
        assert!(drained.is_empty());
    }

    /// Full scan, mutating the dict between calls with `between`. Returns the keys returned.
    fn full_scan(
        d: &mut Dict<u64, u64>,
        mut between: impl FnMut(&mut Dict<u64, u64>, usize),
    ) -> HashSet<u64> {
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = d.scan(cursor, |k, _| {
                seen.insert(*k);
            });
            calls += 1;
            assert!(calls < 10_000_000, "scan did not terminate");
            if cursor == 0 {
                break;
            }
            between(d, calls);
        }
        seen
    }

    #[test]
    fn scan_returns_everything_when_static() {
        let mut d: Dict<u64, u64> = (0..1000).map(|i| (i, i)).collect();
        assert!(d.is_rehashing() || d.buckets().1 == 0);
        let seen = full_scan(&mut d, |_, _| {});
        assert_eq!(seen, (0..1000).collect());
        let mut empty: Dict<u64, u64> = Dict::new();
        assert_eq!(empty.scan(0, |_, _| panic!("no entries")), 0);
        assert_eq!(empty.scan_mut(0, |_, _| panic!("no entries")), 0);
    }

    #[test]
    fn scan_survives_growth_between_calls() {
        for seed in 0..5 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut d: Dict<u64, u64> = Dict::new();
            // Stable set: present from start to end.
            for i in 0..500 {
                d.insert(i, i);
            }
            let mut next = 1_000_000u64;
            let seen = full_scan(&mut d, |d, _| {
                // Grow a lot (several doublings during the scan), with partial rehashes. Growth
                // is capped: a table that keeps growing faster than the cursor advances would
                // make the scan endless.
                if next >= 1_030_000 {
                    d.rehash_steps(1);
                    return;
                }
                for _ in 0..rng.gen_range(0..200) {
                    d.insert(next, 0);
                    next += 1;
                }
                d.rehash_steps(rng.gen_range(0..3));
            });
            assert!(d.buckets().0 >= 32_768, "seed {seed}: table did not grow");
            for i in 0..500 {
                assert!(seen.contains(&i), "seed {seed}: key {i} missed");
            }
        }
    }

    #[test]
    fn scan_survives_shrink_between_calls() {
        for seed in 0..5 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut d: Dict<u64, u64> = Dict::new();
            for i in 0..20_000 {
                d.insert(i, i);
            }
            // Keys 0..100 stay; the rest are deleted progressively while scanning.
            let mut victims: Vec<u64> = (100..20_000).collect();
            let mut shrinks = 0;
            let seen = full_scan(&mut d, |d, _| {
                for _ in 0..rng.gen_range(0..400) {
                    if let Some(k) = victims.pop() {
                        d.remove(&k);
                    }
                }
                if d.try_shrink() {
                    shrinks += 1;
                }
                d.rehash_steps(rng.gen_range(0..3));
            });
            assert!(
                shrinks > 0,
                "seed {seed}: the table never shrank during the scan"
            );
            for i in 0..100 {
                assert!(seen.contains(&i), "seed {seed}: key {i} missed");
            }
        }
    }

    #[test]
    fn scan_survives_mixed_resizes() {
        let mut rng = SmallRng::seed_from_u64(42);
        let mut d: Dict<u64, u64> = Dict::new();
        for i in 0..300 {
            d.insert(i, i);
        }
        let mut extra: Vec<u64> = Vec::new();
        let mut next = 1_000_000u64;
        let mut sizes = HashSet::new();
        let seen = full_scan(&mut d, |d, call| {
            // Alternate phases of growth and mass deletion + shrink.
            if (call / 8) % 2 == 0 {
                for _ in 0..rng.gen_range(0..300) {
                    d.insert(next, 0);
                    extra.push(next);
                    next += 1;
                }
            } else {
                while let Some(k) = extra.pop() {
                    d.remove(&k);
                }
                d.try_shrink();
            }
            d.rehash_steps(rng.gen_range(0..2));
            sizes.insert(d.buckets());
        });
        assert!(sizes.len() > 3);
        for i in 0..300 {
            assert!(seen.contains(&i), "key {i} missed");
        }
    }

    #[test]
    fn scan_mut_visits_and_modifies_all() {
        let mut d: Dict<u64, u64> = (0..777).map(|i| (i, 0)).collect();
        let mut cursor = 0;
        loop {
            cursor = d.scan_mut(cursor, |_, v| *v += 1);
            if cursor == 0 {
                break;
            }
        }
        // No resize between calls: each bucket visited exactly once.
        assert!(d.iter().all(|(_, v)| *v == 1));
        // Also while rehashing (grown but not yet moved).
        let mut d: Dict<u64, u64> = Dict::new();
        for i in 0..64 {
            d.insert(i, 0);
        }
        d.insert(64, 0);
        assert!(d.is_rehashing());
        let mut cursor = 0;
        loop {
            cursor = d.scan_mut(cursor, |_, v| *v += 1);
            if cursor == 0 {
                break;
            }
        }
        assert!(d.iter().all(|(_, v)| *v == 1));
    }

    #[test]
    fn rehash_is_incremental_to_1m() {
        let mut d: Dict<u64, u64> = Dict::new();
        let mut max_per_insert = 0;
        let mut rehashing_inserts = 0;
        for i in 0..1_000_000u64 {
            let before = d.rehashed_buckets();
            if d.is_rehashing() {
                rehashing_inserts += 1;
            }
            d.insert(i, i);
            max_per_insert = max_per_insert.max(d.rehashed_buckets() - before);
        }
        // One step per insert: one non-empty bucket plus at most 10 empty ones.
        assert!(
            max_per_insert <= 11,
            "an insert visited {max_per_insert} buckets"
        );
        assert!(rehashing_inserts > 100_000);
        while d.rehash_steps(100) {}
        assert_eq!(d.buckets(), (1 << 20, 0));
        assert_eq!(d.len(), 1_000_000);
        assert_eq!(d.get(&123_456), Some(&123_456));
    }

    #[test]
    fn rehash_for_finishes_within_budget_calls() {
        let mut d: Dict<u64, u64> = Dict::new();
        for i in 0..5000 {
            d.insert(i, i);
        }
        d.insert(10_000, 0);
        let mut calls = 0;
        while d.rehash_for(Duration::from_micros(50)) {
            calls += 1;
            assert!(calls < 100_000);
        }
        assert!(!d.is_rehashing());
        assert!(!d.rehash_for(Duration::from_millis(1)));
        assert_eq!(d.len(), 5001);
    }

    #[test]
    fn random_entry_distribution() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut d: Dict<u64, ()> = Dict::new();
        assert!(d.random_entry(&mut rng).is_none());
        for i in 0..100 {
            d.insert(i, ());
        }
        let draws = 200_000;
        let mut counts = [0u32; 100];
        for _ in 0..draws {
            let (k, _) = d.random_entry(&mut rng).unwrap();
            counts[*k as usize] += 1;
        }
        let expected = draws as f64 / 100.0;
        for (k, &c) in counts.iter().enumerate() {
            let ratio = c as f64 / expected;
            assert!(
                (0.3..3.0).contains(&ratio),
                "key {k}: {c} draws vs {expected}"
            );
        }
        // While rehashing too: every key reachable.
        let mut d: Dict<u64, ()> = Dict::new();
        for i in 0..128 {
            d.insert(i, ());
        }
        d.insert(128, ());
        assert!(d.is_rehashing());
        let mut seen = HashSet::new();
        for _ in 0..50_000 {
            seen.insert(*d.random_entry(&mut rng).unwrap().0);
        }
        assert_eq!(seen.len(), 129);
    }

    #[test]
    fn random_entry_on_sparse_table() {
        let mut rng = SmallRng::seed_from_u64(9);
        let mut d: Dict<u64, ()> = Dict::with_capacity(1 << 16);
        d.insert(12345, ());
        for _ in 0..100 {
            assert_eq!(d.random_entry(&mut rng).map(|(k, _)| *k), Some(12345));
        }
    }

    #[test]
    fn sample_returns_existing_entries() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut d: Dict<u64, u64> = (0..1000).map(|i| (i, i * 2)).collect();
        for _ in 0..100 {
            let mut got = Vec::new();
            let n = d.sample(20, &mut rng, |k, v| {
                assert_eq!(*v, k * 2);
                got.push(*k);
            });
            assert_eq!(n, got.len());
            assert!(n <= 20 && n > 0);
        }
        // Fewer entries than asked: at most len.
        let small: Dict<u64, u64> = (0..3).map(|i| (i, i * 2)).collect();
        let n = small.sample(20, &mut rng, |_, _| {});
        assert!(n <= 3);
        // While shrinking (table 1 smaller than table 0).
        for i in 10..1000 {
            d.remove(&i);
        }
        assert!(d.try_shrink());
        assert!(d.is_rehashing());
        let mut seen = HashSet::new();
        for _ in 0..2000 {
            d.sample(5, &mut rng, |k, _| {
                seen.insert(*k);
            });
        }
        assert_eq!(seen, (0..10).collect());
    }

    #[test]
    fn long_chain_drop_does_not_overflow() {
        // Build one chain of 1M nodes directly in a single bucket.
        let mut d: Dict<u64, u64> = Dict::with_capacity(4);
        let n = 1_000_000;
        let mut chain: Link<u64, u64> = None;
        for i in 0..n {
            chain = Some(Box::new(Node {
                key: i,
                value: i,
                next: chain,
            }));
        }
        d.ht[0].buckets[0] = chain;
        d.ht[0].used = n as usize;
        assert_eq!(d.iter().count(), n as usize);
        let mut d2: Dict<u64, u64> = Dict::with_capacity(4);
        let mut chain: Link<u64, u64> = None;
        for i in 0..n {
            chain = Some(Box::new(Node {
                key: i,
                value: i,
                next: chain,
            }));
        }
        d2.ht[0].buckets[1] = chain;
        d2.ht[0].used = n as usize;
        // A partly consumed drain drops its remainder iteratively too.
        let mut it = d2.drain();
        assert!(it.next().is_some());
        drop(it);
        drop(d);
    }

    #[test]
    fn mem_usage_grows_with_entries() {
        let mut d: Dict<u64, u64> = Dict::new();
        let empty = d.mem_usage();
        for i in 0..1000 {
            d.insert(i, i);
        }
        while d.rehash_steps(100) {}
        let full = d.mem_usage();
        // 1024 buckets * 8 bytes + 1000 nodes of 24 bytes (rounded to 32 with header).
        assert_eq!(full - empty, 1024 * 8 + 1000 * 32);
    }

    /// For humans: `cargo test --release --lib db::dict -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn grow_to_10m_max_insert_latency() {
        let n = 10_000_000u64;
        let mut d: Dict<Vec<u8>, u64> = Dict::new();
        let start = Instant::now();
        let mut worst = Duration::ZERO;
        for i in 0..n {
            let k = key(i);
            let t = Instant::now();
            d.insert(k, i);
            worst = worst.max(t.elapsed());
        }
        println!(
            "Dict: {n} inserts in {:?}, max single insert {:?}, buckets {:?}",
            start.elapsed(),
            worst,
            d.buckets()
        );
        drop(d);
        let mut m: HashMap<Vec<u8>, u64> = HashMap::new();
        let start = Instant::now();
        let mut worst = Duration::ZERO;
        for i in 0..n {
            let k = key(i);
            let t = Instant::now();
            m.insert(k, i);
            worst = worst.max(t.elapsed());
        }
        println!(
            "std HashMap: {n} inserts in {:?}, max single insert {:?}",
            start.elapsed(),
            worst
        );
    }
}
