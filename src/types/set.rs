//! The set type, with Redis 7.0's two encodings (`t_set.c`):
//!
//! - `intset` ([`Intset`]): while every member is a canonical 64-bit integer (Redis
//!   `string2ll`) and the set holds at most `set-max-intset-entries` members. Members come out
//!   in ascending order.
//! - `hashtable`: a [`Dict`] of members (boxed byte slices, no spare capacity), so that
//!   `SSCAN` keeps Redis's guarantee while the table grows or shrinks between calls.
//!
//! A set only ever converts from intset to hashtable (adding a non-integer, or growing past
//! the limit), never back: a hashtable of small integers stays a hashtable, as in Redis. The
//! commands that build a fresh set (`SINTERSTORE`, `SUNIONSTORE`, `SDIFFSTORE`, `SPOP` with a
//! count) start from an intset and add members with [`Set::add`], which reproduces Redis's
//! result encodings.
//!
//! API: [`Set::for_member`] (`setTypeCreate`), [`Set::new`] (an empty intset), `add`,
//! `remove`, `contains`, `len`, `iter` (yielding [`Member`]s), `random`, `scan`,
//! `encoding`, `heap_size`; for persistence [`Set::as_intset`] (the intset blob, RDB type 11),
//! `iter` (members of a hashtable set, RDB type 2), [`Set::from_intset`] and
//! [`Set::with_capacity_for`] (what Redis's loader creates).
//!
//! Callers: `cmd::set` (the commands), `persistence::rdb`.

use std::fmt;

use rand::Rng;

use super::intset::Intset;
use crate::db::dict::Dict;
use crate::util::num;

/// The member table of a hashtable-encoded set.
pub type Table = Dict<Box<[u8]>, ()>;

/// One member as stored: an integer of an intset, or the bytes of a hashtable member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    Int(i64),
    Bytes(&'a [u8]),
}

impl Member<'_> {
    /// The member's bytes (integers in decimal, as Redis replies them).
    pub fn to_vec(&self) -> Vec<u8> {
        match *self {
            Member::Int(i) => num::i64_to_bytes(i),
            Member::Bytes(b) => b.to_vec(),
        }
    }

    /// Appends the member's bytes to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            Member::Int(i) => num::write_i64(i, out),
            Member::Bytes(b) => out.extend_from_slice(b),
        }
    }
}

enum Repr {
    Ints(Intset),
    /// The table and the total bytes of its members (for `heap_size` in O(1)).
    Table(Table, usize),
}

/// A set value.
pub struct Set(Repr);

impl Default for Set {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for Set {
    fn clone(&self) -> Self {
        match &self.0 {
            Repr::Ints(is) => Set(Repr::Ints(is.clone())),
            Repr::Table(t, bytes) => {
                let mut n = Table::with_capacity(t.len());
                for (k, _) in t.iter() {
                    n.insert_new(k.clone(), ());
                }
                Set(Repr::Table(n, *bytes))
            }
        }
    }
}

impl fmt::Debug for Set {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_set();
        for m in self.iter() {
            d.entry(&String::from_utf8_lossy(&m.to_vec()).into_owned());
        }
        d.finish()
    }
}

/// Allocation size of a member's bytes, rounded as a typical allocator would.
fn alloc_size(len: usize) -> usize {
    if len == 0 {
        0
    } else {
        len.next_multiple_of(8)
    }
}

impl Set {
    /// An empty intset-encoded set (`createIntsetObject`).
    pub fn new() -> Self {
        Set(Repr::Ints(Intset::new()))
    }

    /// An empty hashtable-encoded set (`createSetObject`).
    pub fn new_table() -> Self {
        Set(Repr::Table(Table::new(), 0))
    }

    /// An empty set that can hold `first` (`setTypeCreate`): an intset when `first` is an
    /// integer, else a hashtable.
    pub fn for_member(first: &[u8]) -> Self {
        if num::parse_i64(first).is_some() {
            Self::new()
        } else {
            Self::new_table()
        }
    }

    /// What Redis's RDB loader creates for a plain set of `len` members (`RDB_TYPE_SET`): an
    /// intset when `len <= max_intset`, else a hashtable presized for `len`. Members are then
    /// added with [`Set::add`] (which converts on the first non-integer).
    pub fn with_capacity_for(len: usize, max_intset: usize) -> Self {
        if len <= max_intset {
            Self::new()
        } else {
            Set(Repr::Table(Table::with_capacity(len), 0))
        }
    }

    /// A set from a loaded intset blob (`RDB_TYPE_SET_INTSET`); converted to a hashtable when
    /// it holds more than `max_intset` members, as Redis's loader does.
    pub fn from_intset(is: Intset, max_intset: usize) -> Self {
        let mut s = Set(Repr::Ints(is));
        if s.len() > max_intset {
            s.convert();
        }
        s
    }

    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        match self.0 {
            Repr::Ints(_) => "intset",
            Repr::Table(..) => "hashtable",
        }
    }

    /// The intset, when intset-encoded (RDB type 11 writes its bytes as they are).
    pub fn as_intset(&self) -> Option<&Intset> {
        match &self.0 {
            Repr::Ints(is) => Some(is),
            Repr::Table(..) => None,
        }
    }

    /// The member table, when hashtable-encoded.
    pub fn as_table(&self) -> Option<&Table> {
        match &self.0 {
            Repr::Ints(_) => None,
            Repr::Table(t, _) => Some(t),
        }
    }

    /// Approximate heap bytes, for `MEMORY USAGE`: the intset blob, or the table (buckets
    /// and entry nodes) plus the members' bytes.
    pub fn heap_size(&self) -> usize {
        match &self.0 {
            Repr::Ints(is) => is.blob_len(),
            Repr::Table(t, bytes) => t.mem_usage() + bytes,
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Ints(is) => is.len(),
            Repr::Table(t, _) => t.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Intset → hashtable (`setTypeConvert`), presized for the current members.
    fn convert(&mut self) {
        let Repr::Ints(is) = &self.0 else {
            return;
        };
        let mut t = Table::with_capacity(is.len());
        let mut bytes = 0;
        for v in is.iter() {
            let m: Box<[u8]> = num::i64_to_bytes(v).into_boxed_slice();
            bytes += alloc_size(m.len());
            t.insert_new(m, ());
        }
        self.0 = Repr::Table(t, bytes);
    }

    /// Adds `m` (`setTypeAdd`); returns false if it was already a member. An intset becomes
    /// a hashtable when `m` is not an integer or when it grows past `max_intset` members.
    pub fn add(&mut self, m: &[u8], max_intset: usize) -> bool {
        if let Repr::Ints(is) = &mut self.0 {
            match num::parse_i64(m) {
                Some(v) => {
                    if !is.add(v) {
                        return false;
                    }
                    if is.len() > max_intset {
                        self.convert();
                    }
                    return true;
                }
                None => self.convert(),
            }
        }
        let Repr::Table(t, bytes) = &mut self.0 else {
            unreachable!("converted above");
        };
        if t.contains_key(m) {
            return false;
        }
        *bytes += alloc_size(m.len());
        t.insert_new(m.into(), ());
        true
    }

    /// Adds an integer member (as [`Set::add`] with its decimal form).
    pub fn add_int(&mut self, v: i64, max_intset: usize) -> bool {
        if let Repr::Ints(is) = &mut self.0 {
            if !is.add(v) {
                return false;
            }
            if is.len() > max_intset {
                self.convert();
            }
            return true;
        }
        self.add(&num::i64_to_bytes(v), max_intset)
    }

    /// Adds a member as yielded by another set's iterator.
    pub fn add_member(&mut self, m: Member<'_>, max_intset: usize) -> bool {
        match m {
            Member::Int(v) => self.add_int(v, max_intset),
            Member::Bytes(b) => self.add(b, max_intset),
        }
    }

    /// Removes `m` (`setTypeRemove`); returns false if it was not a member. A hashtable
    /// shrinks when less than 10% full, as Redis's `htNeedsResize` + `dictResize`.
    pub fn remove(&mut self, m: &[u8]) -> bool {
        match &mut self.0 {
            Repr::Ints(is) => match num::parse_i64(m) {
                Some(v) => is.remove(v),
                None => false,
            },
            Repr::Table(t, bytes) => {
                if t.remove(m).is_none() {
                    return false;
                }
                *bytes -= alloc_size(m.len());
                t.try_shrink();
                true
            }
        }
    }

    /// Removes a member as yielded by [`Set::iter`] or [`Set::random`] (of any set).
    pub fn remove_member(&mut self, m: Member<'_>) -> bool {
        match (&mut self.0, m) {
            (Repr::Ints(is), Member::Int(v)) => is.remove(v),
            (_, Member::Bytes(b)) => self.remove(b),
            (Repr::Table(..), Member::Int(v)) => self.remove(&num::i64_to_bytes(v)),
        }
    }

    /// Whether `m` is a member (`setTypeIsMember`).
    pub fn contains(&self, m: &[u8]) -> bool {
        match &self.0 {
            Repr::Ints(is) => num::parse_i64(m).is_some_and(|v| is.contains(v)),
            Repr::Table(t, _) => t.contains_key(m),
        }
    }

    /// Whether a member of another set is a member of this one.
    pub fn contains_member(&self, m: Member<'_>) -> bool {
        match (&self.0, m) {
            (Repr::Ints(is), Member::Int(v)) => is.contains(v),
            (_, Member::Bytes(b)) => self.contains(b),
            (Repr::Table(t, _), Member::Int(v)) => t.contains_key(&num::i64_to_bytes(v)[..]),
        }
    }

    /// Every member: ascending integers for an intset, table order for a hashtable.
    pub fn iter(&self) -> Iter<'_> {
        match &self.0 {
            Repr::Ints(is) => Iter::Ints(is, 0),
            Repr::Table(t, _) => Iter::Table(t.iter()),
        }
    }

    /// A random member (`setTypeRandomElement`: uniform for an intset, Redis's "fair" random
    /// key for a hashtable); `None` when empty.
    pub fn random<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<Member<'_>> {
        match &self.0 {
            Repr::Ints(is) => is.random(rng).map(Member::Int),
            Repr::Table(t, _) => t.random_entry(rng).map(|(k, _)| Member::Bytes(&k[..])),
        }
    }

    /// One step of `SSCAN` over a hashtable (Redis `dictScan`): calls `f` for the members of
    /// the next buckets and returns the next cursor (0 when done). An intset has no cursor:
    /// it returns every member and 0.
    pub fn scan(&self, cursor: u64, mut f: impl FnMut(Member<'_>)) -> u64 {
        match &self.0 {
            Repr::Ints(is) => {
                is.iter().for_each(|v| f(Member::Int(v)));
                0
            }
            Repr::Table(t, _) => t.scan(cursor, |k, _| f(Member::Bytes(k))),
        }
    }
}

/// Iterator over a set's members.
pub enum Iter<'a> {
    Ints(&'a Intset, usize),
    Table(crate::db::dict::Iter<'a, Box<[u8]>, ()>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Member<'a>;

    fn next(&mut self) -> Option<Member<'a>> {
        match self {
            Iter::Ints(is, i) => {
                let v = is.get(*i)?;
                *i += 1;
                Some(Member::Int(v))
            }
            Iter::Table(it) => it.next().map(|(k, _)| Member::Bytes(&k[..])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;
    use std::collections::BTreeSet;

    fn members(s: &Set) -> BTreeSet<Vec<u8>> {
        s.iter().map(|m| m.to_vec()).collect()
    }

    #[test]
    fn created_encoding_follows_first_member() {
        assert_eq!(Set::for_member(b"12").encoding(), "intset");
        assert_eq!(
            Set::for_member(b"-9223372036854775808").encoding(),
            "intset"
        );
        assert_eq!(Set::for_member(b"012").encoding(), "hashtable");
        assert_eq!(Set::for_member(b"-0").encoding(), "hashtable");
        assert_eq!(
            Set::for_member(b"9223372036854775808").encoding(),
            "hashtable"
        );
        assert_eq!(Set::for_member(b"").encoding(), "hashtable");
    }

    #[test]
    fn intset_converts_past_the_limit() {
        let mut s = Set::new();
        for i in 0..512 {
            assert!(s.add(i.to_string().as_bytes(), 512));
        }
        assert_eq!(s.encoding(), "intset");
        assert!(!s.add(b"511", 512));
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"512", 512));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 513);
        assert!(s.contains(b"0") && s.contains(b"512") && !s.contains(b"513"));
        // Never converts back.
        for i in 0..500 {
            assert!(s.remove(i.to_string().as_bytes()));
        }
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 13);
    }

    #[test]
    fn intset_converts_on_non_integer() {
        let mut s = Set::for_member(b"1");
        s.add(b"1", 512);
        s.add(b"2", 512);
        assert_eq!(s.encoding(), "intset");
        assert!(s.add(b"x", 512));
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(
            members(&s),
            [b"1".to_vec(), b"2".to_vec(), b"x".to_vec()].into()
        );
        assert!(!s.add(b"2", 512));
    }

    #[test]
    fn zero_limit_makes_every_set_a_hashtable() {
        let mut s = Set::for_member(b"5");
        assert!(s.add(b"5", 0));
        assert_eq!(s.encoding(), "hashtable");
    }

    #[test]
    fn intset_iterates_in_order_and_matches_members() {
        let mut s = Set::new();
        for v in [5, -3, 100000, 7, -70000] {
            s.add_int(v, 512);
        }
        let got: Vec<Member> = s.iter().collect();
        assert_eq!(got, [-70000, -3, 5, 7, 100000].map(Member::Int).to_vec());
        assert!(s.contains_member(Member::Int(7)));
        assert!(s.contains_member(Member::Bytes(b"7")));
        assert!(!s.contains(b"07"));
        assert!(!s.remove(b"x"));
        assert!(s.remove_member(Member::Bytes(b"-3")));
        assert_eq!(s.len(), 4);
        assert_eq!(s.as_intset().map(|i| i.len()), Some(4));
    }

    #[test]
    fn table_members_are_bytes() {
        let mut s = Set::for_member(b"a");
        for m in [&b"a"[..], b"", b"\x00\xff", b"10"] {
            assert!(s.add(m, 512));
        }
        assert!(s.contains(b""));
        assert!(s.contains_member(Member::Int(10)));
        assert!(s.remove_member(Member::Int(10)));
        assert!(!s.contains(b"10"));
        assert_eq!(s.len(), 3);
        assert!(s.as_intset().is_none());
    }

    #[test]
    fn clone_is_independent() {
        let mut a = Set::for_member(b"x");
        for i in 0..100 {
            a.add(format!("m{i}").as_bytes(), 512);
        }
        let b = a.clone();
        a.remove(b"m1");
        assert!(b.contains(b"m1") && !a.contains(b"m1"));
        assert_eq!(b.len(), 100);
        assert!(b.heap_size() > 0);
    }

    #[test]
    fn random_and_scan_cover_members() {
        let mut rng = SmallRng::seed_from_u64(7);
        for first in [&b"1"[..], b"a"] {
            let mut s = Set::for_member(first);
            for i in 0..50 {
                s.add(i.to_string().as_bytes(), 512);
            }
            let all = members(&s);
            for _ in 0..100 {
                let m = s.random(&mut rng).expect("non-empty").to_vec();
                assert!(all.contains(&m));
            }
            let mut seen = BTreeSet::new();
            let mut cursor = 0;
            for _ in 0..10_000 {
                cursor = s.scan(cursor, |m| {
                    seen.insert(m.to_vec());
                });
                if cursor == 0 {
                    break;
                }
            }
            assert_eq!(cursor, 0);
            assert_eq!(seen, all);
        }
        assert!(Set::new().random(&mut rng).is_none());
    }

    #[test]
    fn table_heap_size_tracks_members() {
        let mut s = Set::new_table();
        let base = s.heap_size();
        s.add(&[b'x'; 100], 512);
        assert!(s.heap_size() >= base + 100);
        s.remove(&[b'x'; 100]);
        assert_eq!(s.heap_size() - s.as_table().map_or(0, |t| t.mem_usage()), 0);
    }

    #[test]
    fn loader_constructors() {
        let mut is = Intset::new();
        for v in 0..10 {
            is.add(v);
        }
        assert_eq!(Set::from_intset(is.clone(), 512).encoding(), "intset");
        let s = Set::from_intset(is, 5);
        assert_eq!(s.encoding(), "hashtable");
        assert_eq!(s.len(), 10);
        assert_eq!(Set::with_capacity_for(10, 512).encoding(), "intset");
        assert_eq!(Set::with_capacity_for(600, 512).encoding(), "hashtable");
    }
}
