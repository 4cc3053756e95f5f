//! The hash type, with Redis 7.0's two encodings.
//!
//! - **listpack** while small: field, value, field, value... in one [`Listpack`] blob, in
//!   insertion order, byte-identical to what Redis builds for the same commands.
//! - **hashtable** once it grows: a [`Dict`] keyed by field, each entry one exact-size
//!   allocation holding field and value, incrementally rehashed, with Redis's SCAN cursors.
//!
//! The conversion happens exactly when Redis 7.0 converts (`t_hash.c`): before a write, when
//! any argument of the command is longer than `hash-max-listpack-value`
//! ([`Hash::try_convert`], `hashTypeTryConversion`) or the field or value being stored is
//! ([`Hash::set`], as `hashTypeSet` does for HINCRBY*); after each field written, when the
//! hash holds more than `hash-max-listpack-entries` fields (also after an update, so a
//! lowered threshold applies at the next write). A hashtable never goes back to a listpack.
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
    /// Boxed so that a small hash (the common case) stays three words.
    Table(Box<Table>),
}

impl Default for Enc {
    fn default() -> Self {
        Enc::Listpack(Listpack::new())
    }
}

/// A field and its value in one allocation: `varint(field length) | field | value`. One
/// allocation per field instead of two keeps a field cheaper than Redis's (dict entry plus
/// two sds strings). It hashes and compares as its field, so the table is looked up by field.
#[derive(Clone, PartialEq, Eq)]
struct Pair(Box<[u8]>);

impl Pair {
    fn new(field: &[u8], value: &[u8]) -> Pair {
        let mut b = Vec::with_capacity(10 + field.len() + value.len());
        let mut n = field.len();
        while n >= 0x80 {
            b.push((n as u8 & 0x7F) | 0x80);
            n >>= 7;
        }
        b.push(n as u8);
        b.extend_from_slice(field);
        b.extend_from_slice(value);
        Pair(b.into_boxed_slice())
    }

    /// Offset of the field and its end.
    #[inline]
    fn bounds(&self) -> (usize, usize) {
        let mut len = 0usize;
        let mut shift = 0;
        let mut i = 0;
        while let Some(&b) = self.0.get(i) {
            len |= usize::from(b & 0x7F) << shift;
            i += 1;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
        }
        (i, i + len)
    }

    #[inline]
    fn field(&self) -> &[u8] {
        let (start, end) = self.bounds();
        &self.0[start..end]
    }

    #[inline]
    fn value(&self) -> &[u8] {
        &self.0[self.bounds().1..]
    }

    #[inline]
    fn entries(&self) -> (LpEntry<'_>, LpEntry<'_>) {
        let (start, end) = self.bounds();
        (
            LpEntry::Str(&self.0[start..end]),
            LpEntry::Str(&self.0[end..]),
        )
    }
}

impl std::hash::Hash for Pair {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        // Must hash exactly as the borrowed form (`[u8]`) does.
        self.field().hash(state);
    }
}

impl std::borrow::Borrow<[u8]> for Pair {
    fn borrow(&self) -> &[u8] {
        self.field()
    }
}

impl std::fmt::Debug for Pair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:?}={:?}",
            String::from_utf8_lossy(self.field()),
            String::from_utf8_lossy(self.value())
        )
    }
}

/// The hashtable encoding, and the bytes its pairs hold (for `heap_size` in O(1), as
/// `MEMORY USAGE` must not walk a big hash).
#[derive(Debug, Default)]
struct Table {
    dict: Dict<Pair, ()>,
    bytes: usize,
}

impl Table {
    fn with_capacity(n: usize) -> Table {
        Table {
            dict: Dict::with_capacity(n),
            bytes: 0,
        }
    }

    /// Sets `field`; true if it is new. An update replaces the pair (field and value share
    /// one allocation).
    fn insert(&mut self, field: &[u8], value: &[u8]) -> bool {
        let (p, new) = match self.dict.remove(field) {
            Some((mut p, ())) => {
                self.bytes -= p.0.len();
                let end = p.bounds().1;
                if p.0.len() - end == value.len() {
                    // Same size: the value is rewritten in place, no allocation.
                    p.0[end..].copy_from_slice(value);
                } else {
                    p = Pair::new(field, value);
                }
                (p, false)
            }
            None => (Pair::new(field, value), true),
        };
        self.bytes += p.0.len();
        self.dict.insert_new(p, ());
        new
    }

    fn get(&self, field: &[u8]) -> Option<&Pair> {
        self.dict.get_key_value(field).map(|(p, _)| p)
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
                for (p, ()) in t.dict.iter() {
                    copy.dict.insert_new(p.clone(), ());
                }
                copy.bytes = t.bytes;
                Enc::Table(Box::new(copy))
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
            Enc::Table(t) => t.dict.mem_usage() + std::mem::size_of::<usize>() + t.bytes,
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
            Enc::Table(t) => t.get(field).map(|p| LpEntry::Str(p.value())),
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
        self.enc = Enc::Table(Box::new(t));
    }

    /// Sets `field` to `value` (`hashTypeSet`); returns true if the field is new. Converts
    /// first if the field or value is too long for a listpack, and afterwards if the hash
    /// holds more than `limits.max_entries` fields (even after a mere update, as Redis).
    pub fn set(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if self.is_listpack() && (field.len() > limits.max_value || value.len() > limits.max_value)
        {
            self.convert();
        }
        match &mut self.enc {
            Enc::Listpack(lp) => {
                let new = match Self::lp_value_pos(lp, field) {
                    Some(vp) => {
                        lp.replace(vp, value);
                        false
                    }
                    None => {
                        lp.push_back(field);
                        lp.push_back(value);
                        true
                    }
                };
                // Checked after updates too: the threshold may have been lowered since.
                if lp.len() / 2 > limits.max_entries {
                    self.convert();
                }
                new
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
                Some((p, ())) => {
                    t.bytes -= p.0.len();
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
            Enc::Listpack(lp) => Iter(IterInner::Listpack(lp.iter())),
            Enc::Table(t) => Iter(IterInner::Table(t.dict.iter())),
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
            Enc::Table(t) => t.dict.random_entry(rng).map(|(p, ())| p.entries()),
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
                    let Some((p, ())) = t.dict.random_entry(rng) else {
                        return;
                    };
                    let (k, v) = p.entries();
                    if !f(k, v) {
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
                let mut all: Vec<(LpEntry<'_>, LpEntry<'_>)> =
                    t.dict.iter().map(|(p, ())| p.entries()).collect();
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
                    let Some((p, ())) = t.dict.random_entry(rng) else {
                        break;
                    };
                    if seen.insert(p.field()) {
                        out.push(p.entries());
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
            Enc::Table(t) => t.dict.scan(cursor, |p, ()| {
                let (k, v) = p.entries();
                f(k, v)
            }),
        }
    }

    /// A hash loaded from an RDB listpack payload (type 16): `None` unless it holds pairs with
    /// unique fields (`lpPairsValidateIntegrityAndDups`). Converts when it has more than
    /// `limits.max_entries` fields, as Redis 7.0's loader does (long values stay in the
    /// listpack there).
    pub fn from_listpack(lp: Listpack, limits: Limits) -> Option<Hash> {
        if !lp.check_unique(true) {
            return None;
        }
        let mut h = Hash {
            enc: Enc::Listpack(lp),
        };
        if h.len() > limits.max_entries {
            h.convert();
        }
        Some(h)
    }

    /// A hash sized for `n` fields for a loader that inserts them one by one: a hashtable
    /// from the start when `n` exceeds `limits.max_entries` (as `rdbLoadObject` decides).
    pub fn with_capacity(n: usize, limits: Limits) -> Hash {
        if n > limits.max_entries {
            Hash {
                enc: Enc::Table(Box::new(Table::with_capacity(n))),
            }
        } else {
            Hash::new()
        }
    }

    /// Loader insert (RDB type 4): false if `field` was already present (a corrupt payload),
    /// else stores it with the conversions `rdbLoadObject` applies (a long field or value, or
    /// too many fields).
    pub fn insert_loaded(&mut self, field: &[u8], value: &[u8], limits: Limits) -> bool {
        if self.contains(field) {
            return false;
        }
        self.set(field, value, limits)
    }
}

/// Iterator over `(field, value)`; see [`Hash::iter`].
pub struct Iter<'a>(IterInner<'a>);

enum IterInner<'a> {
    Listpack(super::listpack::Iter<'a>),
    Table(crate::db::dict::Iter<'a, Pair, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = (LpEntry<'a>, LpEntry<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            IterInner::Listpack(it) => Some((it.next()?, it.next()?)),
            IterInner::Table(it) => it.next().map(|(p, ())| p.entries()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::{HashMap, HashSet};

    const L: Limits = Limits::DEFAULT;

    fn bytes(e: Option<LpEntry<'_>>) -> Option<Vec<u8>> {
        e.map(|e| e.to_bytes())
    }

    fn pairs(h: &Hash) -> HashMap<Vec<u8>, Vec<u8>> {
        h.iter()
            .map(|(f, v)| (f.to_bytes(), v.to_bytes()))
            .collect()
    }

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn small_hash_set_get_delete() {
        let mut h = Hash::new();
        assert_eq!(h.encoding(), "listpack");
        assert!(h.set(b"a", b"1", L));
        assert!(h.set(b"b", b"hello", L));
        assert!(!h.set(b"a", b"-20", L));
        assert_eq!(h.len(), 2);
        assert_eq!(h.get(b"a"), Some(LpEntry::Int(-20)));
        assert_eq!(bytes(h.get(b"b")), Some(b"hello".to_vec()));
        assert_eq!(h.get(b"c"), None);
        // A value equal to a field name is not a field.
        assert!(!h.contains(b"hello"));
        assert_eq!(h.value_len(b"a"), Some(3));
        assert_eq!(h.value_len(b"b"), Some(5));
        assert!(h.remove(b"a"));
        assert!(!h.remove(b"a"));
        assert_eq!(h.len(), 1);
        assert!(h.remove(b"b"));
        assert!(h.is_empty());
        assert_eq!(
            h.as_listpack().unwrap().as_bytes(),
            Listpack::new().as_bytes()
        );
    }

    #[test]
    fn listpack_bytes_match_redis() {
        // HSET hd a 1 b 2 c 3 d 4; HDEL hd b; HSET hd c 333333 — blob from Redis 7.0.15 (DUMP).
        let mut h = Hash::new();
        for (f, v) in [("a", "1"), ("b", "2"), ("c", "3"), ("d", "4")] {
            h.set(f.as_bytes(), v.as_bytes(), L);
        }
        h.remove(b"b");
        h.set(b"c", b"333333", L);
        assert_eq!(
            h.as_listpack().unwrap().as_bytes(),
            &unhex("1900000006008161020101816302f2151605048164020401ff")[..]
        );
    }

    #[test]
    fn converts_after_max_entries() {
        let mut h = Hash::new();
        for i in 0..512 {
            h.set(format!("f{i}").as_bytes(), b"v", L);
        }
        assert_eq!(h.encoding(), "listpack");
        // Updating an existing field does not convert.
        h.set(b"f0", b"w", L);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"f512", b"v", L);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 513);
        assert_eq!(bytes(h.get(b"f0")), Some(b"w".to_vec()));
        // Never back to a listpack.
        for i in 0..513 {
            assert!(h.remove(format!("f{i}").as_bytes()));
        }
        assert!(h.is_empty());
        h.set(b"x", b"y", L);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn converts_on_long_arguments() {
        let v64 = [b'x'; 64];
        let v65 = [b'x'; 65];
        let mut h = Hash::new();
        h.try_convert(&[b"f", &v64], L);
        h.set(b"f", &v64, L);
        assert_eq!(h.encoding(), "listpack");
        // Any argument counts, even one that is not stored in the end (HSET's duplicates).
        h.try_convert(&[b"g", b"1", b"g", &v65], L);
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(h.len(), 1);
        assert_eq!(bytes(h.get(b"f")), Some(v64.to_vec()));

        // `set` alone checks the field and the value (HINCRBY*).
        let mut h = Hash::new();
        h.set(&v65, b"1", L);
        assert_eq!(h.encoding(), "hashtable");
        let mut h = Hash::new();
        h.set(b"f", &v65, L);
        assert_eq!(h.encoding(), "hashtable");

        // Thresholds are parameters (CONFIG SET).
        let tiny = Limits {
            max_entries: 1,
            max_value: 3,
        };
        let mut h = Hash::new();
        h.set(b"abc", b"123", tiny);
        assert_eq!(h.encoding(), "listpack");
        h.set(b"abd", b"1", tiny);
        assert_eq!(h.encoding(), "hashtable");
        // A lowered threshold applies at the next write, even an update.
        let mut h = Hash::new();
        for f in ["a", "b", "c"] {
            h.set(f.as_bytes(), b"1", L);
        }
        h.set(b"a", b"2", tiny);
        assert_eq!(h.encoding(), "hashtable");
        let zero = Limits {
            max_entries: 0,
            max_value: 64,
        };
        let mut h = Hash::new();
        h.set(b"a", b"b", zero);
        assert_eq!(h.encoding(), "hashtable");
    }

    #[test]
    fn hashtable_matches_a_model() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut h = Hash::new();
        let mut model: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
        for step in 0..5000 {
            let f = format!("k{}", rng.gen_range(0..900)).into_bytes();
            if rng.gen_range(0..3) == 0 {
                assert_eq!(h.remove(&f), model.remove(&f).is_some(), "step {step}");
            } else {
                let v = format!("{}", rng.gen_range(-200..200)).into_bytes();
                assert_eq!(h.set(&f, &v, L), model.insert(f, v).is_none());
            }
            assert_eq!(h.len(), model.len());
        }
        assert_eq!(h.encoding(), "hashtable");
        assert_eq!(pairs(&h), model);
        let copy = h.clone();
        assert_eq!(pairs(&copy), model);
        assert_eq!(copy.encoding(), "hashtable");
        for f in model.keys() {
            assert_eq!(bytes(h.get(f)), model.get(f).cloned());
        }
    }

    #[test]
    fn a_small_hash_is_three_words() {
        assert_eq!(
            std::mem::size_of::<Hash>(),
            3 * std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn clone_is_independent() {
        let mut a = Hash::new();
        a.set(b"f", b"1", L);
        let mut b = a.clone();
        b.set(b"f", b"2", L);
        b.set(b"g", b"3", L);
        assert_eq!(a.get(b"f"), Some(LpEntry::Int(1)));
        assert_eq!(a.len(), 1);
        assert_eq!(b.len(), 2);
    }

    fn big(n: usize) -> Hash {
        let mut h = Hash::new();
        for i in 0..n {
            h.set(
                format!("field:{i:05}").as_bytes(),
                format!("value:{i:05}").as_bytes(),
                L,
            );
        }
        h
    }

    #[test]
    fn memory_per_field_within_redis() {
        // Redis 7.0.15 used 88 bytes per field (used_memory delta) for 10000 fields
        // "field:NNNNN" -> "value:NNNNN", and reports 756712 for MEMORY USAGE of that key.
        let h = big(10_000);
        assert_eq!(h.encoding(), "hashtable");
        let per_field = h.heap_size() / 10_000;
        assert!(per_field <= 88, "{per_field} bytes per field");
        assert!(
            per_field >= 22 + 16,
            "{per_field} bytes per field is not realistic"
        );
        // A listpack costs its blob.
        let mut s = Hash::new();
        s.set(b"a", b"1", L);
        let lp = s.as_listpack().unwrap().bytes_len();
        assert!(s.heap_size() >= lp && s.heap_size() < lp + 128);
    }

    #[test]
    fn scan_covers_every_field_across_resizes() {
        let mut h = big(600);
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = h.scan(cursor, |f, _| {
                seen.insert(f.to_bytes());
            });
            calls += 1;
            // Grow the table while scanning: fields present throughout must still be seen.
            if calls % 5 == 0 && calls <= 100 {
                for i in 0..50 {
                    h.set(format!("extra:{calls}:{i}").as_bytes(), b"x", L);
                }
            }
            if cursor == 0 || calls > 100_000 {
                break;
            }
        }
        assert_eq!(cursor, 0);
        for i in 0..600 {
            assert!(
                seen.contains(format!("field:{i:05}").as_bytes()),
                "field {i}"
            );
        }
        // Shrinking while scanning too.
        let mut seen = HashSet::new();
        let mut cursor = 0;
        let mut calls = 0;
        loop {
            cursor = h.scan(cursor, |f, _| {
                seen.insert(f.to_bytes());
            });
            calls += 1;
            if calls == 3 {
                let extra: Vec<Vec<u8>> = h
                    .iter()
                    .map(|(f, _)| f.to_bytes())
                    .filter(|f| f.starts_with(b"extra"))
                    .collect();
                for f in extra {
                    h.remove(&f);
                }
            }
            if cursor == 0 || calls > 100_000 {
                break;
            }
        }
        for i in 0..600 {
            assert!(
                seen.contains(format!("field:{i:05}").as_bytes()),
                "field {i}"
            );
        }
        // A listpack is returned whole with cursor 0.
        let small = big(3);
        let mut n = 0;
        assert_eq!(small.scan(12345, |_, _| n += 1), 0);
        assert_eq!(n, 3);
    }

    #[test]
    fn random_picks() {
        let mut rng = SmallRng::seed_from_u64(9);
        for n in [5usize, 600] {
            let h = big(n);
            let all = pairs(&h);
            for count in [1usize, 2, n / 3, n / 2, n - 1] {
                let got = h.random_distinct(count, &mut rng);
                assert_eq!(got.len(), count);
                let fields: HashSet<Vec<u8>> = got.iter().map(|(f, _)| f.to_bytes()).collect();
                assert_eq!(fields.len(), count, "distinct");
                for (f, v) in &got {
                    assert_eq!(all.get(&f.to_bytes()), Some(&v.to_bytes()));
                }
            }
            let mut seen = HashSet::new();
            let mut calls = 0;
            h.random_pairs(20 * n as u64, &mut rng, |f, v| {
                assert_eq!(all.get(&f.to_bytes()), Some(&v.to_bytes()));
                seen.insert(f.to_bytes());
                calls += 1;
                true
            });
            assert_eq!(calls, 20 * n);
            assert!(seen.len() > n / 2, "picks spread over the hash");
            let (f, v) = h.random_pair(&mut rng).unwrap();
            assert_eq!(all.get(&f.to_bytes()), Some(&v.to_bytes()));
        }
        assert!(Hash::new().random_pair(&mut rng).is_none());
        let mut calls = 0;
        big(4).random_pairs(100, &mut rng, |_, _| {
            calls += 1;
            calls < 7
        });
        assert_eq!(calls, 7);
    }

    #[test]
    fn loading_from_a_listpack() {
        let mut lp = Listpack::new();
        for e in [&b"a"[..], b"1", b"b", b"2"] {
            lp.push_back(e);
        }
        let h = Hash::from_listpack(lp.clone(), L).unwrap();
        assert_eq!(h.encoding(), "listpack");
        assert_eq!(h.as_listpack(), Some(&lp));
        let small = Limits {
            max_entries: 1,
            max_value: 64,
        };
        assert_eq!(
            Hash::from_listpack(lp.clone(), small).unwrap().encoding(),
            "hashtable"
        );
        lp.push_back(b"a");
        lp.push_back(b"3");
        assert!(Hash::from_listpack(lp, L).is_none());

        let mut h = Hash::with_capacity(1000, L);
        assert_eq!(h.encoding(), "hashtable");
        assert!(h.insert_loaded(b"x", b"1", L));
        assert!(!h.insert_loaded(b"x", b"2", L));
        assert_eq!(Hash::with_capacity(10, L).encoding(), "listpack");
    }
}
