//! The hash type, with Redis 7.0's two encodings.
//!
//! - **listpack** while small: field, value, field, value... in one [`Listpack`] blob, in
//!   insertion order, byte-identical to what Redis builds for the same commands.
//! - **hashtable** once it grows: a [`Dict`] of boxed field → boxed value (boxed slices, so
//!   no spare capacity), incrementally rehashed, with Redis's SCAN cursors.
//!
//! The conversion happens exactly when Redis 7.0 converts (`t_hash.c`): before a write, when
//! any argument of the command is longer than `hash-max-listpack-value`
//! ([`Hash::try_convert`], `hashTypeTryConversion`) or the field or value being stored is
//! ([`Hash::set`], as `hashTypeSet` does for HINCRBY*); after an insert, when the hash holds
//! more than `hash-max-listpack-entries` fields. A hashtable never goes back to a listpack.
//!
//! Values come out as [`LpEntry`]: a listpack stores canonical integers as integers, so a
//! value is either `Int` or `Str`; the hashtable always gives `Str`.
//!
//! API: [`Hash::new`], [`Hash::get`], [`Hash::set`], [`Hash::remove`], [`Hash::iter`]
//! (pairs in storage order), [`Hash::random_pair`], [`Hash::random_pairs`] (with repetition),
//! [`Hash::random_distinct`], [`Hash::scan`] (hashtable cursor), [`Hash::as_listpack`] and
//! [`Hash::from_listpack`] / [`Hash::insert_loaded`] for RDB encoding and loading.
//!
//! Callers: `cmd::hash` (the H* commands), `persistence::rdb`, `MEMORY USAGE`.

use super::listpack::{Listpack, LpEntry};
use crate::db::dict::Dict;
use rand::Rng;
use std::collections::HashSet;

/// Thresholds of the listpack encoding (`hash-max-listpack-entries`/`-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// More fields than this converts to a hashtable.
    pub max_entries: usize,
    /// A field or value longer than this (bytes) converts to a hashtable.
    pub max_value: usize,
}

impl Limits {
    /// Redis 7.0's compiled-in defaults (512 entries, 64 bytes).
    pub const DEFAULT: Limits = Limits {
        max_entries: 512,
        max_value: 64,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// A hash value.
#[derive(Debug, Default)]
pub struct Hash {
    enc: Enc,
}

#[derive(Debug)]
enum Enc {
    Listpack(Listpack),
    Table(Table),
}

impl Default for Enc {
    fn default() -> Self {
        Enc::Listpack(Listpack::new())
    }
}

/// The hashtable encoding, and the bytes its fields and values hold (for `heap_size` in
/// O(1), as `MEMORY USAGE` must not walk a big hash).
#[derive(Debug, Default)]
struct Table {
    dict: Dict<Box<[u8]>, Box<[u8]>>,
    bytes: usize,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            dict: Dict::with_capacity(n),
            bytes: 0,
        }
    }

    fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        match self.dict.get_mut(field) {
            Some(v) => {
                self.bytes = self.bytes - v.len() + value.len();
                *v = value.into();
                false
            }
            None => {
                self.bytes += field.len() + value.len();
                self.dict.insert_new(field.into(), value.into());
                true
            }
        }
    }
}

impl Clone for Hash {
    /// A deep copy (taken when a snapshot still shares the value being written). A copied
    /// hashtable gets a fresh table sized for its entries; SCAN cursors stay valid across it
    /// as across any resize.
    fn clone(&self) -> Self {
        let enc = match &self.enc {
            Enc::Listpack(lp) => Enc::Listpack(lp.clone()),
            Enc::Table(t) => {
                let mut copy = Table::with_capacity(t.dict.len());
                for (f, v) in t.dict.iter() {
                    copy.dict.insert_new(f.clone(), v.clone());
                }
                copy.bytes = t.bytes;
                Enc::Table(copy)
            }
        };
        Hash { enc }
    }
}

/// A stored element's client-visible length (`hashTypeGetValueLength`).
fn entry_len(e: LpEntry<'_>) -> usize {
    match e {
        LpEntry::Str(s) => s.len(),
        LpEntry::Int(v) => {
            let mut n = usize::from(v < 0) + 1;
            let mut u = v.unsigned_abs();
            while u >= 10 {
                u /= 10;
                n += 1;
            }
            n
        }
    }
}

impl Hash {
    /// An empty listpack-encoded hash (`createHashObject`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Listpack(_) => "listpack",
            Enc::Table(_) => "hashtable",
        }
    }

    /// True while listpack-encoded.
    pub fn is_listpack(&self) -> bool {
        matches!(self.enc, Enc::Listpack(_))
    }

    /// The listpack blob (field, value, ...) while listpack-encoded: the RDB payload of type
    /// 16 (`RDB_TYPE_HASH_LISTPACK`).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.enc {
            Enc::Listpack(lp) => Some(lp),
            Enc::Table(_) => None,
        }
    }

    /// Approximate heap bytes, for `MEMORY USAGE`: the shared allocation holding the hash,
    /// then the listpack blob, or the table (buckets and nodes) plus field and value bytes.
    /// O(1).
    pub fn heap_size(&self) -> usize {
        // The `Arc` allocation: two reference counts and the hash itself.
        let own = 2 * std::mem::size_of::<usize>() + std::mem::size_of::<Hash>();
        own + match &self.enc {
            Enc::Listpack(lp) => lp.bytes_len(),
            Enc::Table(t) => t.dict.mem_usage() - std::mem::size_of_val(&t.dict) + t.bytes,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.len() / 2,
            Enc::Table(t) => t.dict.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Position of the value of `field` in the listpack (`hashTypeGetFromListpack`).
    fn lp_value_pos(lp: &Listpack, field: &[u8]) -> Option<usize> {
        let f = lp.find(lp.first()?, field, 1)?;
        lp.next(f)
    }

    /// The value of `field`.
    pub fn get(&self, field: &[u8]) -> Option<LpEntry<'_>> {
        match &self.enc {
            Enc::Listpack(lp) => Self::lp_value_pos(lp, field).map(|p| lp.get(p)),
            Enc::Table(t) => t.dict.get(field).map(|v| LpEntry::Str(v)),
        }
    }

    pub fn contains(&self, field: &[u8]) -> bool {
        match &self.enc {
            Enc::Listpack(lp) => lp.first().and_then(|p| lp.find(p, field, 1)).is_some(),
            Enc::Table(t) => t.dict.contains_key(field),
        }
    }

    /// Length of the value of `field` as clients see it (HSTRLEN).
    pub fn value_len(&self, field: &[u8]) -> Option<usize> {
        self.get(field).map(entry_len)
    }

    /// `hashTypeTryConversion`: before writing `args` (the command's fields and values),
    /// converts to a hashtable if any is longer than `limits.max_value`, or if the listpack
    /// could outgrow Redis's safety limit.
    pub fn try_convert(&mut self, args: &[&[u8]], limits: Limits) {
        let Enc::Listpack(lp) = &self.enc else {
            return;
        };
        let mut sum = 0usize;
        for a in args {
            if a.len() > limits.max_value {
                self.convert();
                return;
            }
            sum += a.len();
        }
        if !lp.safe_to_add(sum) {
            self.convert();
        }
    }

    /// Converts a listpack to a hashtable (`hashTypeConvertListpack`). No-op for a table.
    pub fn convert(&mut self) {
        let Enc::Listpack(lp) = &self.enc else {
            return;
        };
        let mut t = Table::with_capacity(lp.len() / 2);
        let mut it = lp.iter();
        while let (Some(f), Some(v)) = (it.next(), it.next()) {
            t.insert(&f.to_bytes(), &v.to_bytes());
        }
        self.enc = Enc::Table(t);
    }

    /// Sets `field` to `value` (`hashTypeSet`); returns true if the field is new. Converts
    /// first if the field or value is too long for a listpack, and after inserting if the
    /// hash now holds more than `limits.max_entries` fields.
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if self.is_listpack() && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert();
        }
        match &mut self.enc {
            Enc::Listpack(lp) => {
                if let Some(vp) = Self::lp_value_pos(lp, field) {
                    lp.replace(vp, value);
                    return false;
                }
                lp.push_back(field);
                lp.push_back(value);
                if lp.len() / 2 > limits.max_entries {
                    self.convert();
                }
                true
            }
            Enc::Table(t) => t.insert(field, value),
        }
    }

    /// Removes `field` (`hashTypeDelete`); true if it was there. A hashtable shrinks when
    /// less than 10% full, as Redis 7.0 checks after every delete.
    pub fn remove(&mut self, field: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Listpack(lp) => {
                let Some(f) = lp.first().and_then(|p| lp.find(p, field, 1)) else {
                    return false;
                };
                let v = lp.delete(f);
                debug_assert!(v.is_some(), "a listpack hash holds pairs");
                if let Some(v) = v {
                    lp.delete(v);
                }
                true
            }
            Enc::Table(t) => match t.dict.remove(field) {
                Some((f, v)) => {
                    t.bytes -= f.len() + v.len();
                    t.dict.try_shrink();
                    true
                }
                None => false,
            },
        }
    }

    /// Field/value pairs in storage order (insertion order for a listpack).
    pub fn iter(&self) -> Iter<'_> {
        match &self.enc {
            Enc::Listpack(lp) => Iter::Listpack(lp.iter()),
            Enc::Table(t) => Iter::Table(t.dict.iter()),
        }
    }

    /// Positions of every field of a listpack (a random pick is then O(1)).
    fn lp_fields(lp: &Listpack) -> Vec<usize> {
        let mut out = Vec::with_capacity(lp.len() / 2);
        let mut p = lp.first();
        while let Some(f) = p {
            out.push(f);
            p = lp.next(f).and_then(|v| lp.next(v));
        }
        out
    }

    fn lp_pair(lp: &Listpack, f: usize) -> (LpEntry<'_>, LpEntry<'_>) {
        let v = lp.next(f).unwrap_or(f);
        (lp.get(f), lp.get(v))
    }

    /// One random pair (`hashTypeRandomElement`); `None` only when empty.
    pub fn random_pair<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(LpEntry<'_>, LpEntry<'_>)> {
        match &self.enc {
            Enc::Listpack(lp) => {
                let n = lp.len() / 2;
                if n == 0 {
                    return None;
                }
                let f = lp.seek(2 * rng.gen_range(0..n) as i64)?;
                Some(Self::lp_pair(lp, f))
            }
            Enc::Table(t) => t
                .dict
                .random_entry(rng)
                .map(|(f, v)| (LpEntry::Str(f), LpEntry::Str(v))),
        }
    }

    /// Calls `f` with `count` random pairs, repetitions allowed (HRANDFIELD with a negative
    /// count). `f` returns false to stop early. Does nothing when empty.
    pub fn random_pairs<R: Rng + ?Sized>(
        &self,
        count: u64,
        rng: &mut R,
        mut f: impl FnMut(LpEntry<'_>, LpEntry<'_>) -> bool,
    ) {
        match &self.enc {
            Enc::Listpack(lp) => {
                let fields = Self::lp_fields(lp);
                if fields.is_empty() {
                    return;
                }
                for _ in 0..count {
                    let (k, v) = Self::lp_pair(lp, fields[rng.gen_range(0..fields.len())]);
                    if !f(k, v) {
                        return;
                    }
                }
            }
            Enc::Table(t) => {
                for _ in 0..count {
                    let Some((k, v)) = t.dict.random_entry(rng) else {
                        return;
                    };
                    if !f(LpEntry::Str(k), LpEntry::Str(v)) {
                        return;
                    }
                }
            }
        }
    }

    /// `count` distinct random pairs (HRANDFIELD with a positive count), `count < len()`.
    /// A listpack gives them in storage order (Redis `lpRandomPairsUnique`); a hashtable
    /// removes random pairs from a full copy when `count` is large (more than a third of the
    /// hash), and otherwise draws random pairs until enough distinct ones are found.
    pub fn random_distinct<R: Rng + ?Sized>(
        &self,
        count: usize,
        rng: &mut R,
    ) -> Vec<(LpEntry<'_>, LpEntry<'_>)> {
        let len = self.len();
        let count = count.min(len);
        match &self.enc {
            Enc::Listpack(lp) => {
                // Selection sampling: each pair is picked with probability needed/remaining.
                let mut out = Vec::with_capacity(count);
                let mut p = lp.first();
                let mut remaining = len;
                while let Some(f) = p {
                    if out.len() == count {
                        break;
                    }
                    let needed = count - out.len();
                    if rng.gen_range(0..remaining) < needed {
                        out.push(Self::lp_pair(lp, f));
                    }
                    remaining -= 1;
                    p = lp.next(f).and_then(|v| lp.next(v));
                }
                out
            }
            Enc::Table(t) if count * 3 > len => {
                let mut all: Vec<(LpEntry<'_>, LpEntry<'_>)> = t
                    .dict
                    .iter()
                    .map(|(f, v)| (LpEntry::Str(f), LpEntry::Str(v)))
                    .collect();
                while all.len() > count {
                    let i = rng.gen_range(0..all.len());
                    all.swap_remove(i);
                }
                all
            }
            Enc::Table(t) => {
                let mut seen: HashSet<&[u8]> = HashSet::with_capacity(count);
                let mut out = Vec::with_capacity(count);
                while out.len() < count {
                    let Some((f, v)) = t.dict.random_entry(rng) else {
                        break;
                    };
                    if seen.insert(f) {
                        out.push((LpEntry::Str(f), LpEntry::Str(v)));
                    }
                }
                out
            }
        }
    }

    /// One step of a hashtable scan (Redis `dictScan`): calls `f` for the pairs of the
    /// buckets at `cursor` and returns the next cursor (0 when done). A listpack has no
    /// cursor: everything is passed and 0 returned, as HSCAN does.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(LpEntry<'_>, LpEntry<'_>)) -> u64 {
        match &self.enc {
            Enc::Listpack(_) => {
                for (k, v) in self.iter() {
                    f(k, v);
                }
                0
            }
            Enc::Table(t) => t
                .dict
                .scan(cursor, |k, v| f(LpEntry::Str(k), LpEntry::Str(v))),
        }
    }

    /// A hash loaded from an RDB listpack payload (type 16): `None` unless it holds pairs with
    /// unique fields (`lpValidateIntegrityAndDups`). Converts if it exceeds `limits`, as the
    /// loader does.
    pub fn from_listpack(lp: Listpack, limits: Limits) -> Option<Hash> {
        if !lp.check_unique(true) {
            return None;
        }
        let mut h = Hash {
            enc: Enc::Listpack(lp),
        };
        let too_long = h
            .iter()
            .any(|(f, v)| entry_len(f) > limits.max_value || entry_len(v) > limits.max_value);
        if too_long || h.len() > limits.max_entries {
            h.convert();
        }
        Some(h)
    }

    /// A hash sized for `n` fields for a loader that inserts them one by one: a hashtable
    /// from the start when `n` exceeds `limits.max_entries` (as `rdbLoadObject` decides).
    pub fn with_capacity(n: usize, limits: Limits) -> Hash {
        if n > limits.max_entries {
            Hash {
                enc: Enc::Table(Table::with_capacity(n)),
            }
        } else {
            Hash::new()
        }
    }

    /// Loader insert: false if `field` was already present (a corrupt payload), else stores
    /// it with the usual conversions.
    pub fn insert_loaded(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if self.contains(field) {
            return false;
        }
        self.set(field, value, limits)
    }
}

/// Iterator over `(field, value)`; see [`Hash::iter`].
pub enum Iter<'a> {
    Listpack(super::listpack::Iter<'a>),
    Table(crate::db::dict::Iter<'a, Box<[u8]>, Box<[u8]>>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (LpEntry<'a>, LpEntry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Iter::Listpack(it) => Some((it.next()?, it.next()?)),
            Iter::Table(it) => it.next().map(|(f, v)| (LpEntry::Str(f), LpEntry::Str(v))),
        }
    }
}

/// The integer value of a stored element for HINCRBY (`string2ll` on strings).
pub fn entry_as_i64(e: LpEntry<'_>) -> Option<i64> {
    match e {
        LpEntry::Int(v) => Some(v),
        LpEntry::Str(s) => crate::util::num::parse_i64(s),
    }
}
