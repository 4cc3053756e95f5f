//! The sorted-set value and its two encodings, with Redis 7.0's conversion rules (`t_zset.c`).
//!
//! - **listpack** while the set holds at most `zset-max-listpack-entries` members, each at most
//!   `zset-max-listpack-value` bytes: one [`Listpack`] of `member, score` pairs kept in
//!   (score, member) order. Scores that are integers within ±2^62 are stored as integers, others
//!   as their `%.17g` text, exactly as Redis's `zzlInsertAt` writes them (so `-0` becomes `0`
//!   there, as in Redis). The blob is byte-identical to Redis's, i.e. the RDB type 17 payload.
//! - **skiplist**: a [`SkipList`] ordered by (score, member) plus a member → score [`Dict`]
//!   (incrementally rehashed, so `ZSCAN` keeps Redis's guarantee across resizes).
//!
//! A listpack set converts to a skiplist when an insertion would break a limit (`zsetAdd`);
//! it never converts back on its own. Only results built whole (`ZUNIONSTORE`, `ZINTERSTORE`,
//! `ZDIFFSTORE`) pick the listpack again when small enough ([`ZSet::from_sorted`], Redis's
//! `zsetConvertToListpackIfNeeded`).
//!
//! API: constructors ([`ZSet::for_zadd`], [`ZSet::with_len_hint`], [`ZSet::from_sorted`],
//! [`ZSet::from_pairs`], [`ZSet::from_listpack`]); element operations ([`ZSet::add`] with the `ZADD` flags,
//! [`ZSet::remove`], [`ZSet::score`], [`ZSet::rank`], [`ZSet::pop`]); ranges by rank, score and
//! lex (ranks of the first/last element in range, [`ZSet::iter_from`], the `delete_range_*`
//! functions); random members; [`ZSet::scan`]; and for persistence [`ZSet::iter`] (lowest
//! first) and [`ZSet::as_listpack`].
//!
//! Callers: the `Z*` command handlers (`cmd::zset`), later the RDB encoder/decoder.

use super::skiplist::{self, LexRange, ScoreRange, SkipList};
use crate::db::dict::Dict;
use crate::types::listpack::{Listpack, LpEntry, Where, MAX_SAFETY_SIZE};
use crate::util::num;
use rand::Rng;
use std::cmp::Ordering;

/// The two conversion thresholds (`zset-max-listpack-entries`, `zset-max-listpack-value`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_entries: usize,
    pub max_value: usize,
}

impl Limits {
    /// Redis's compiled-in defaults (128 entries, 64 bytes).
    pub const DEFAULT: Limits = Limits {
        max_entries: 128,
        max_value: 64,
    };
}

/// The `ZADD` options that change what an addition does (`ZADD_IN_*`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddFlags {
    pub incr: bool,
    pub nx: bool,
    pub xx: bool,
    pub gt: bool,
    pub lt: bool,
}

/// What [`ZSet::add`] did (`ZADD_OUT_*`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AddOutcome {
    /// The resulting score would be NaN (only possible with `incr`); nothing changed.
    Nan,
    /// NX/XX/GT/LT prevented the operation.
    Nop,
    /// A new member with this score.
    Added(f64),
    /// An existing member now has this (different) score.
    Updated(f64),
    /// An existing member kept its score (same score, or an increment of 0).
    Unchanged(f64),
}

/// The skiplist encoding: ordered index plus member → score map.
#[derive(Debug)]
struct Big {
    list: SkipList,
    dict: Dict<Box<[u8]>, f64>,
}

#[derive(Debug)]
enum Enc {
    Listpack(Listpack),
    Skiplist(Box<Big>),
}

/// A sorted-set value. See the module documentation.
#[derive(Debug)]
pub struct ZSet {
    enc: Enc,
}

impl Default for ZSet {
    fn default() -> Self {
        ZSet::new_listpack()
    }
}

impl Clone for ZSet {
    /// Same encoding as the original (Redis `zsetDup`). The dict is rebuilt, since a dict
    /// does not clone itself; inserting highest first keeps each skiplist insertion O(1).
    fn clone(&self) -> Self {
        match &self.enc {
            Enc::Listpack(lp) => ZSet {
                enc: Enc::Listpack(lp.clone()),
            },
            Enc::Skiplist(big) => {
                let mut out = Big {
                    list: SkipList::new(),
                    dict: Dict::with_capacity(big.dict.len()),
                };
                let n = big.list.len();
                if n > 0 {
                    for (m, s) in big.list.iter_rev_from_rank(n - 1) {
                        out.list.insert(s, m.into());
                        out.dict.insert(m.into(), s);
                    }
                }
                ZSet {
                    enc: Enc::Skiplist(Box::new(out)),
                }
            }
        }
    }
}

/// Score of a listpack score entry (`zzlGetScore`).
fn lp_score(e: LpEntry<'_>) -> f64 {
    match e {
        LpEntry::Int(v) => v as f64,
        LpEntry::Str(s) => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse::<f64>().ok())
            .unwrap_or(0.0),
    }
}

/// `zzlCompareElements`: memcmp order, shorter prefix first.
fn cmp_entry(e: LpEntry<'_>, s: &[u8]) -> Ordering {
    match e {
        LpEntry::Str(x) => x.cmp(s),
        LpEntry::Int(v) => {
            let mut buf = Vec::with_capacity(20);
            num::write_i64(v, &mut buf);
            buf.as_slice().cmp(s)
        }
    }
}

/// The client-visible bytes of an element.
pub fn entry_bytes(e: LpEntry<'_>) -> Vec<u8> {
    e.to_bytes()
}

/// Lex-range tests on a listpack member (`zzlLexValueGteMin`/`LteMax`).
fn lex_gte_min(r: &LexRange<'_>, e: LpEntry<'_>) -> bool {
    match e {
        LpEntry::Str(s) => r.value_gte_min(s),
        LpEntry::Int(_) => r.value_gte_min(&e.to_bytes()),
    }
}

fn lex_lte_max(r: &LexRange<'_>, e: LpEntry<'_>) -> bool {
    match e {
        LpEntry::Str(s) => r.value_lte_max(s),
        LpEntry::Int(_) => r.value_lte_max(&e.to_bytes()),
    }
}

impl ZSet {
    /// An empty listpack-encoded set.
    pub fn new_listpack() -> Self {
        ZSet {
            enc: Enc::Listpack(Listpack::new()),
        }
    }

    /// An empty skiplist-encoded set, its dict sized for `cap` members.
    pub fn new_skiplist(cap: usize) -> Self {
        ZSet {
            enc: Enc::Skiplist(Box::new(Big {
                list: SkipList::new(),
                dict: Dict::with_capacity(cap),
            })),
        }
    }

    /// The set `ZADD` creates for a missing key, given the length of its first member: a
    /// skiplist when no listpack may hold it (`zaddGenericCommand`).
    pub fn for_zadd(limits: Limits, first_member_len: usize) -> Self {
        if limits.max_entries == 0 || limits.max_value < first_member_len {
            ZSet::new_skiplist(0)
        } else {
            ZSet::new_listpack()
        }
    }

    /// The destination `ZRANGESTORE` starts with (`zrangeResultBeginStore`): a skiplist when
    /// the known result length exceeds the entry limit; `None` (unknown) gives a listpack.
    pub fn with_len_hint(limits: Limits, len: Option<usize>) -> Self {
        match len {
            Some(n) if n > limits.max_entries => ZSet::new_skiplist(n),
            _ => ZSet::new_listpack(),
        }
    }

    /// A set built from distinct members already sorted by (score, member), as the
    /// `Z*STORE` set operations produce: listpack when it fits the limits (Redis builds a
    /// skiplist and calls `zsetConvertToListpackIfNeeded` with the longest and total member
    /// lengths), otherwise skiplist.
    pub fn from_sorted(pairs: Vec<(Vec<u8>, f64)>, limits: Limits) -> Self {
        let maxelelen = pairs.iter().map(|(m, _)| m.len()).max().unwrap_or(0);
        let totelelen: usize = pairs.iter().map(|(m, _)| m.len()).sum();
        if pairs.len() <= limits.max_entries
            && maxelelen <= limits.max_value
            && totelelen <= MAX_SAFETY_SIZE
        {
            let mut lp = Listpack::new();
            for (m, s) in &pairs {
                lp_push_pair(&mut lp, m, *s);
            }
            return ZSet {
                enc: Enc::Listpack(lp),
            };
        }
        let mut big = Big {
            list: SkipList::new(),
            dict: Dict::with_capacity(pairs.len()),
        };
        for (m, s) in pairs.into_iter().rev() {
            let m: Box<[u8]> = m.into_boxed_slice();
            big.dict.insert(m.clone(), s);
            big.list.insert(s, m);
        }
        ZSet {
            enc: Enc::Skiplist(Box::new(big)),
        }
    }

    /// A set from `(member, score)` pairs in any order, as an RDB `ZSET`/`ZSET_2` record
    /// gives them: sorted, then encoded as [`ZSet::from_sorted`] does (Redis's loader also
    /// builds a skiplist and converts it when small). `None` on a NaN score or a repeated
    /// member (Redis reports such a file as corrupt).
    pub fn from_pairs(mut pairs: Vec<(Vec<u8>, f64)>, limits: Limits) -> Option<Self> {
        if pairs.iter().any(|(_, s)| s.is_nan()) {
            return None;
        }
        pairs.sort_by(|a, b| {
            a.1.partial_cmp(&b.1)
                .unwrap_or(Ordering::Equal)
                .then_with(|| a.0.cmp(&b.0))
        });
        let mut seen = std::collections::HashSet::with_capacity(pairs.len());
        if !pairs.iter().all(|(m, _)| seen.insert(m.as_slice())) {
            return None;
        }
        Some(ZSet::from_sorted(pairs, limits))
    }

    /// A set from an RDB listpack payload (type 17, or a converted ziplist, type 12), checked
    /// as Redis's loader does: even length and unique members (`lpValidateIntegrityAndDups`),
    /// then converted to a skiplist when it has more members than `max_entries` (the member
    /// length limit is not applied on load, as in Redis 7.0). `None` when corrupt or empty.
    pub fn from_rdb_listpack(lp: Listpack, limits: Limits) -> Option<Self> {
        if lp.is_empty() || !lp.check_unique(true) {
            return None;
        }
        let mut z = ZSet::from_listpack(lp);
        if z.len() > limits.max_entries {
            z.convert_to_skiplist();
        }
        Some(z)
    }

    /// Wraps a listpack of `member, score` pairs (e.g. an RDB type 17 payload). The caller
    /// has validated it (even length, unique members, sorted as Redis keeps it).
    pub fn from_listpack(lp: Listpack) -> Self {
        ZSet {
            enc: Enc::Listpack(lp),
        }
    }

    /// The listpack blob, when listpack-encoded (the RDB type 17 payload).
    pub fn as_listpack(&self) -> Option<&Listpack> {
        match &self.enc {
            Enc::Listpack(lp) => Some(lp),
            Enc::Skiplist(_) => None,
        }
    }

    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        match self.enc {
            Enc::Listpack(_) => "listpack",
            Enc::Skiplist(_) => "skiplist",
        }
    }

    /// Approximate heap bytes, for `MEMORY USAGE`: the listpack blob, or the skiplist arenas,
    /// the dict, and both copies of every member (node and dict key).
    pub fn heap_size(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.bytes_len(),
            Enc::Skiplist(big) => {
                let members: usize = big.list.iter().map(|(m, _)| m.len()).sum();
                std::mem::size_of::<Big>()
                    + big.list.arena_bytes()
                    + big.dict.mem_usage()
                    + 2 * members
            }
        }
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        match &self.enc {
            Enc::Listpack(lp) => lp.len() / 2,
            Enc::Skiplist(big) => big.list.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Position of `member` in the listpack (`zzlFind`), with its score.
    fn lp_find(lp: &Listpack, member: &[u8]) -> Option<(usize, f64)> {
        let e = lp.find(lp.first()?, member, 1)?;
        let s = lp.next(e)?;
        Some((e, lp_score(lp.get(s))))
    }

    /// The score of `member` (`zsetScore`).
    pub fn score(&self, member: &[u8]) -> Option<f64> {
        match &self.enc {
            Enc::Listpack(lp) => Self::lp_find(lp, member).map(|(_, s)| s),
            Enc::Skiplist(big) => big.dict.get(member).copied(),
        }
    }

    /// Converts a listpack to the skiplist encoding (`zsetConvert`); no-op otherwise.
    pub fn convert_to_skiplist(&mut self) {
        let Enc::Listpack(lp) = &self.enc else {
            return;
        };
        let mut big = Big {
            list: SkipList::new(),
            dict: Dict::with_capacity(lp.len() / 2),
        };
        let mut it = lp.iter();
        while let (Some(m), Some(s)) = (it.next(), it.next()) {
            let member: Box<[u8]> = m.to_bytes().into_boxed_slice();
            let score = lp_score(s);
            big.dict.insert(member.clone(), score);
            big.list.insert(score, member);
        }
        self.enc = Enc::Skiplist(Box::new(big));
    }

    /// Adds or updates `member` (`zsetAdd`), converting a listpack to a skiplist first when
    /// the new member would break a limit. `score` must not be NaN (the caller rejects it).
    pub fn add(&mut self, member: &[u8], score: f64, f: AddFlags, limits: Limits) -> AddOutcome {
        if score.is_nan() {
            return AddOutcome::Nan;
        }
        if let Enc::Listpack(lp) = &mut self.enc {
            if let Some((pos, cur)) = Self::lp_find(lp, member) {
                let new = match Self::decide_update(cur, score, f) {
                    Err(o) => return o,
                    Ok(new) => new,
                };
                if new == cur {
                    return AddOutcome::Unchanged(new);
                }
                lp.delete_range_at(pos);
                lp_insert_sorted(lp, member, new);
                return AddOutcome::Updated(new);
            }
            if f.xx {
                return AddOutcome::Nop;
            }
            if lp.len() / 2 < limits.max_entries
                && member.len() <= limits.max_value
                && lp.safe_to_add(member.len())
            {
                lp_insert_sorted(lp, member, score);
                return AddOutcome::Added(score);
            }
            self.convert_to_skiplist();
        }
        let Enc::Skiplist(big) = &mut self.enc else {
            unreachable!("converted above");
        };
        if let Some(&cur) = big.dict.get(member) {
            let new = match Self::decide_update(cur, score, f) {
                Err(o) => return o,
                Ok(new) => new,
            };
            if new == cur {
                return AddOutcome::Unchanged(new);
            }
            big.list.update_score(cur, member, new);
            if let Some(v) = big.dict.get_mut(member) {
                *v = new;
            }
            return AddOutcome::Updated(new);
        }
        if f.xx {
            return AddOutcome::Nop;
        }
        big.list.insert(score, member.into());
        big.dict.insert(member.into(), score);
        AddOutcome::Added(score)
    }

    /// The new score of an existing member under the flags, or the outcome that stops there.
    fn decide_update(cur: f64, score: f64, f: AddFlags) -> Result<f64, AddOutcome> {
        if f.nx {
            return Err(AddOutcome::Nop);
        }
        let new = if f.incr { score + cur } else { score };
        if new.is_nan() {
            return Err(AddOutcome::Nan);
        }
        if (f.lt && new >= cur) || (f.gt && new <= cur) {
            return Err(AddOutcome::Nop);
        }
        Ok(new)
    }

    /// Removes `member` (`zsetDel`); false when absent.
    pub fn remove(&mut self, member: &[u8]) -> bool {
        match &mut self.enc {
            Enc::Listpack(lp) => match Self::lp_find(lp, member) {
                Some((pos, _)) => {
                    lp.delete_range_at(pos);
                    true
                }
                None => false,
            },
            Enc::Skiplist(big) => match big.dict.remove(member) {
                Some((_, score)) => {
                    big.list.delete(score, member);
                    big.dict.try_shrink();
                    true
                }
                None => false,
            },
        }
    }

    /// 0-based rank of `member`, from the lowest (or the highest if `rev`) (`zsetRank`).
    pub fn rank(&self, member: &[u8], rev: bool) -> Option<usize> {
        let len = self.len();
        let r = match &self.enc {
            Enc::Listpack(lp) => lp.iter().step_by(2).position(|m| m.eq_bytes(member))?,
            Enc::Skiplist(big) => {
                let score = *big.dict.get(member)?;
                big.list.rank(score, member)?
            }
        };
        Some(if rev { len - 1 - r } else { r })
    }

    /// Elements from 0-based ascending `rank`, going up (or down if `rev`): `(member, score)`.
    pub fn iter_from(&self, rank: usize, rev: bool) -> RangeIter<'_> {
        match &self.enc {
            Enc::Listpack(lp) => {
                let pos = if rank < self.len() {
                    lp.seek(2 * rank as i64)
                } else {
                    None
                };
                RangeIter::Lp { lp, pos, rev }
            }
            Enc::Skiplist(big) => RangeIter::Sl(if rev {
                big.list.iter_rev_from_rank(rank)
            } else {
                big.list.iter_from_rank(rank)
            }),
        }
    }

    /// All elements, lowest first.
    pub fn iter(&self) -> RangeIter<'_> {
        self.iter_from(0, false)
    }

    /// Ascending rank of the first element whose score is in `range`.
    pub fn first_in_score_range(&self, range: &ScoreRange) -> Option<usize> {
        match &self.enc {
            Enc::Listpack(_) => {
                if range.is_empty() {
                    return None;
                }
                let (i, (_, s)) = self
                    .iter()
                    .enumerate()
                    .find(|(_, (_, s))| range.value_gte_min(*s))?;
                range.value_lte_max(s).then_some(i)
            }
            Enc::Skiplist(big) => big.list.first_in_range(range),
        }
    }

    /// Ascending rank of the last element whose score is in `range`.
    pub fn last_in_score_range(&self, range: &ScoreRange) -> Option<usize> {
        match &self.enc {
            Enc::Listpack(_) => {
                if range.is_empty() {
                    return None;
                }
                let n = self.len();
                let (i, (_, s)) = self
                    .iter_from(n.checked_sub(1)?, true)
                    .enumerate()
                    .find(|(_, (_, s))| range.value_lte_max(*s))?;
                range.value_gte_min(s).then_some(n - 1 - i)
            }
            Enc::Skiplist(big) => big.list.last_in_range(range),
        }
    }

    /// `zzlIsInLexRange`: the range is not empty, the last member is above its minimum and
    /// the first below its maximum.
    fn lp_lex_overlaps(&self, range: &LexRange<'_>) -> bool {
        let Enc::Listpack(lp) = &self.enc else {
            return false;
        };
        let (Some(first), Some(last)) = (lp.first(), lp.seek(-2)) else {
            return false;
        };
        !range.is_empty() && lex_gte_min(range, lp.get(last)) && lex_lte_max(range, lp.get(first))
    }

    /// Ascending rank of the first element whose member is in `range`.
    pub fn first_in_lex_range(&self, range: &LexRange<'_>) -> Option<usize> {
        match &self.enc {
            Enc::Listpack(lp) => {
                if !self.lp_lex_overlaps(range) {
                    return None;
                }
                let (i, m) = lp
                    .iter()
                    .step_by(2)
                    .enumerate()
                    .find(|(_, m)| lex_gte_min(range, *m))?;
                lex_lte_max(range, m).then_some(i)
            }
            Enc::Skiplist(big) => big.list.first_in_lex_range(range),
        }
    }

    /// Ascending rank of the last element whose member is in `range`.
    pub fn last_in_lex_range(&self, range: &LexRange<'_>) -> Option<usize> {
        match &self.enc {
            Enc::Listpack(_) => {
                if !self.lp_lex_overlaps(range) {
                    return None;
                }
                let n = self.len();
                let (i, (m, _)) = self
                    .iter_from(n.checked_sub(1)?, true)
                    .enumerate()
                    .find(|(_, (m, _))| lex_lte_max(range, *m))?;
                lex_gte_min(range, m).then_some(n - 1 - i)
            }
            Enc::Skiplist(big) => big.list.last_in_lex_range(range),
        }
    }

    /// Number of elements with a score in `range` (`ZCOUNT`).
    pub fn count_in_score_range(&self, range: &ScoreRange) -> i64 {
        match &self.enc {
            Enc::Listpack(_) => match self.first_in_score_range(range) {
                Some(a) => self
                    .iter_from(a, false)
                    .take_while(|(_, s)| range.value_lte_max(*s))
                    .count() as i64,
                None => 0,
            },
            Enc::Skiplist(_) => Self::rank_count(
                self.len(),
                self.first_in_score_range(range),
                self.last_in_score_range(range),
            ),
        }
    }

    /// Number of elements with a member in `range` (`ZLEXCOUNT`). As in Redis, when the
    /// scores differ (lex ranges then make no sense) the two encodings may disagree, and the
    /// skiplist's rank arithmetic may even give a negative count.
    pub fn count_in_lex_range(&self, range: &LexRange<'_>) -> i64 {
        match &self.enc {
            Enc::Listpack(_) => match self.first_in_lex_range(range) {
                Some(a) => self
                    .iter_from(a, false)
                    .take_while(|(m, _)| lex_lte_max(range, *m))
                    .count() as i64,
                None => 0,
            },
            Enc::Skiplist(_) => Self::rank_count(
                self.len(),
                self.first_in_lex_range(range),
                self.last_in_lex_range(range),
            ),
        }
    }

    /// `zcountCommand`'s arithmetic on the ranks of the first and last element in range.
    fn rank_count(len: usize, first: Option<usize>, last: Option<usize>) -> i64 {
        let Some(a) = first else { return 0 };
        let mut count = len as i64 - a as i64;
        if let Some(b) = last {
            count -= len as i64 - 1 - b as i64;
        }
        count
    }

    /// Removes the elements of ascending ranks `start..=end` (both within the set);
    /// returns how many were removed.
    pub fn delete_range_by_rank(&mut self, start: usize, end: usize) -> usize {
        if start > end || start >= self.len() {
            return 0;
        }
        match &mut self.enc {
            Enc::Listpack(lp) => lp.delete_range(2 * start as i64, 2 * (end - start + 1)) / 2,
            Enc::Skiplist(big) => {
                let Big { list, dict } = &mut **big;
                let n = list.delete_range_by_rank(start, end, |m| {
                    dict.remove(m);
                });
                dict.try_shrink();
                n
            }
        }
    }

    /// Removes the elements with a score in `range`; returns how many.
    pub fn delete_range_by_score(&mut self, range: &ScoreRange) -> usize {
        if matches!(self.enc, Enc::Listpack(_)) {
            let Some(a) = self.first_in_score_range(range) else {
                return 0;
            };
            let n = self
                .iter_from(a, false)
                .take_while(|(_, s)| range.value_lte_max(*s))
                .count();
            return self.delete_range_by_rank(a, a + n - 1);
        }
        match &mut self.enc {
            Enc::Listpack(_) => 0,
            Enc::Skiplist(big) => {
                let Big { list, dict } = &mut **big;
                let n = list.delete_range_by_score(range, |m| {
                    dict.remove(m);
                });
                dict.try_shrink();
                n
            }
        }
    }

    /// Removes the elements with a member in `range`; returns how many.
    pub fn delete_range_by_lex(&mut self, range: &LexRange<'_>) -> usize {
        if matches!(self.enc, Enc::Listpack(_)) {
            let Some(a) = self.first_in_lex_range(range) else {
                return 0;
            };
            let n = self
                .iter_from(a, false)
                .take_while(|(m, _)| lex_lte_max(range, *m))
                .count();
            return self.delete_range_by_rank(a, a + n - 1);
        }
        match &mut self.enc {
            Enc::Listpack(_) => 0,
            Enc::Skiplist(big) => {
                let Big { list, dict } = &mut **big;
                let n = list.delete_range_by_lex(range, |m| {
                    dict.remove(m);
                });
                dict.try_shrink();
                n
            }
        }
    }

    /// Removes and returns the lowest (or highest if `max`) element.
    pub fn pop(&mut self, max: bool) -> Option<(Vec<u8>, f64)> {
        let (m, s) = match &self.enc {
            Enc::Listpack(lp) => {
                let e = lp.seek(if max { -2 } else { 0 })?;
                let s = lp.next(e)?;
                (lp.get(e).to_bytes(), lp_score(lp.get(s)))
            }
            Enc::Skiplist(big) => {
                let (m, s) = if max {
                    big.list.last()?
                } else {
                    big.list.first()?
                };
                (m.to_vec(), s)
            }
        };
        self.remove(&m);
        Some((m, s))
    }

    /// One random element (`zsetTypeRandomElement`): uniform over a listpack, Redis's fair
    /// dict sampling over a skiplist. `None` when empty.
    pub fn random_element<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<(Vec<u8>, f64)> {
        match &self.enc {
            Enc::Listpack(lp) => {
                let n = lp.len() / 2;
                if n == 0 {
                    return None;
                }
                let i = rng.gen_range(0..n);
                let e = lp.seek(2 * i as i64)?;
                let s = lp.next(e)?;
                Some((lp.get(e).to_bytes(), lp_score(lp.get(s))))
            }
            Enc::Skiplist(big) => big.dict.random_entry(rng).map(|(m, s)| (m.to_vec(), *s)),
        }
    }

    /// `count` distinct random elements, `count < len` (`ZRANDMEMBER` with a positive count
    /// smaller than the set). The order is not specified (Redis's isn't either).
    pub fn random_distinct<R: Rng + ?Sized>(
        &self,
        count: usize,
        rng: &mut R,
    ) -> Vec<(Vec<u8>, f64)> {
        let n = self.len();
        let mut picked = rand::seq::index::sample(rng, n, count.min(n)).into_vec();
        picked.sort_unstable();
        let mut out = Vec::with_capacity(picked.len());
        let mut it = self.iter().enumerate();
        for want in picked {
            for (i, (m, s)) in it.by_ref() {
                if i == want {
                    out.push((m.to_bytes(), s));
                    break;
                }
            }
        }
        out
    }

    /// One `ZSCAN` step. A listpack is returned whole (every member and its stored score
    /// text) with cursor 0; a skiplist scans its dict from `cursor` (Redis `dictScan`) until
    /// `count` members were produced, the cursor is back to 0, or after `20 * count` more
    /// buckets (Redis doubles COUNT for pairs, then allows ten times that), with scores as
    /// `%.17g`. `f` receives `(member, score text)`; the next cursor is returned.
    pub fn scan(&self, cursor: u64, count: usize, mut f: impl FnMut(Vec<u8>, Vec<u8>)) -> u64 {
        match &self.enc {
            Enc::Listpack(lp) => {
                let mut it = lp.iter();
                while let (Some(m), Some(s)) = (it.next(), it.next()) {
                    f(m.to_bytes(), s.to_bytes());
                }
                0
            }
            Enc::Skiplist(big) => {
                let mut cursor = cursor;
                let mut produced = 0usize;
                let mut iterations = count.saturating_mul(20);
                loop {
                    cursor = big.dict.scan(cursor, |m, s| {
                        let mut t = Vec::with_capacity(24);
                        num::fmt_g17(*s, &mut t);
                        f(m.to_vec(), t);
                        produced += 1;
                    });
                    if cursor == 0 || iterations == 0 || produced >= count {
                        break;
                    }
                    iterations -= 1;
                }
                cursor
            }
        }
    }
}

/// Appends a pair at the tail (`zzlInsertAt` with no position).
fn lp_push_pair(lp: &mut Listpack, member: &[u8], score: f64) {
    lp.push_back(member);
    push_score(lp, None, score);
}

/// Writes a score entry as `zzlInsertAt` does: an integer when `double2ll` allows, else
/// the `d2string` text. `after`: the member it follows; `None` appends.
fn push_score(lp: &mut Listpack, after: Option<usize>, score: f64) {
    let mut text = Vec::new();
    let e = match num::double_to_i64(score) {
        Some(i) => LpEntry::Int(i),
        None => {
            num::fmt_d2string(score, &mut text);
            LpEntry::Str(&text)
        }
    };
    match after {
        Some(p) => {
            lp.insert_entry(p, Where::After, e);
        }
        None => {
            lp.push_entry(e);
        }
    }
}

/// Inserts a pair at its sorted place (`zzlInsert`); the member must be absent.
fn lp_insert_sorted(lp: &mut Listpack, member: &[u8], score: f64) {
    let mut e = lp.first();
    while let Some(ep) = e {
        let Some(sp) = lp.next(ep) else { break };
        let s = lp_score(lp.get(sp));
        if s > score || (s == score && cmp_entry(lp.get(ep), member) == Ordering::Greater) {
            let m = lp.insert(ep, Where::Before, member);
            push_score(lp, Some(m), score);
            return;
        }
        e = lp.next(sp);
    }
    lp_push_pair(lp, member, score);
}

trait DeletePair {
    fn delete_range_at(&mut self, pos: usize);
}

impl DeletePair for Listpack {
    /// Deletes the member at `pos` and the score after it (`zzlDelete`).
    fn delete_range_at(&mut self, pos: usize) {
        if let Some(next) = self.delete(pos) {
            self.delete(next);
        }
    }
}

/// Iterator over `(member, score)` from some rank, either direction.
pub enum RangeIter<'a> {
    Lp {
        lp: &'a Listpack,
        pos: Option<usize>,
        rev: bool,
    },
    Sl(skiplist::Iter<'a>),
}

impl<'a> Iterator for RangeIter<'a> {
    type Item = (LpEntry<'a>, f64);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            RangeIter::Lp { lp, pos, rev } => {
                let e = (*pos)?;
                let s = lp.next(e)?;
                *pos = if *rev {
                    lp.prev(e).and_then(|p| lp.prev(p))
                } else {
                    lp.next(s)
                };
                Some((lp.get(e), lp_score(lp.get(s))))
            }
            RangeIter::Sl(it) => it.next().map(|(m, s)| (LpEntry::Str(m), s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    const L: Limits = Limits::DEFAULT;

    fn add(z: &mut ZSet, m: &str, s: f64) -> AddOutcome {
        z.add(m.as_bytes(), s, AddFlags::default(), L)
    }

    fn members(z: &ZSet) -> Vec<(String, f64)> {
        z.iter()
            .map(|(m, s)| (String::from_utf8(m.to_bytes()).unwrap(), s))
            .collect()
    }

    #[test]
    fn listpack_order_and_bytes_match_redis() {
        let mut z = ZSet::new_listpack();
        add(&mut z, "b", 1.0);
        add(&mut z, "a", 1.0);
        add(&mut z, "c", 0.5);
        add(&mut z, "10", -0.0);
        assert_eq!(
            members(&z),
            vec![
                ("10".into(), 0.0),
                ("c".into(), 0.5),
                ("a".into(), 1.0),
                ("b".into(), 1.0)
            ]
        );
        // -0 is stored as the integer 0, exactly as Redis's double2ll does.
        assert!(z.score(b"10").unwrap().is_sign_positive());
        let lp = z.as_listpack().unwrap();
        let texts: Vec<Vec<u8>> = lp.iter().map(|e| e.to_bytes()).collect();
        assert_eq!(texts[3], b"0.5");
        assert_eq!(z.encoding(), "listpack");
    }

    #[test]
    fn converts_at_the_limits() {
        let mut z = ZSet::new_listpack();
        for i in 0..128 {
            add(&mut z, &format!("m{i}"), i as f64);
        }
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "m0", 5.0);
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, "x", 1.0);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.len(), 129);
        assert_eq!(z.score(b"m0"), Some(5.0));

        let mut z = ZSet::new_listpack();
        add(&mut z, &"a".repeat(64), 1.0);
        assert_eq!(z.encoding(), "listpack");
        add(&mut z, &"a".repeat(65), 1.0);
        assert_eq!(z.encoding(), "skiplist");
    }

    #[test]
    fn flags_follow_zsetadd() {
        for start_big in [false, true] {
            let mut z = if start_big {
                ZSet::new_skiplist(0)
            } else {
                ZSet::new_listpack()
            };
            let f = |incr, nx, xx, gt, lt| AddFlags {
                incr,
                nx,
                xx,
                gt,
                lt,
            };
            assert_eq!(
                z.add(b"a", 1.0, f(false, false, true, false, false), L),
                AddOutcome::Nop
            );
            assert_eq!(
                z.add(b"a", 1.0, f(false, true, false, false, false), L),
                AddOutcome::Added(1.0)
            );
            assert_eq!(
                z.add(b"a", 2.0, f(false, true, false, false, false), L),
                AddOutcome::Nop
            );
            assert_eq!(
                z.add(b"a", 0.5, f(false, false, false, true, false), L),
                AddOutcome::Nop
            );
            assert_eq!(
                z.add(b"a", 3.0, f(false, false, false, true, false), L),
                AddOutcome::Updated(3.0)
            );
            assert_eq!(
                z.add(b"a", 0.0, f(true, false, false, false, false), L),
                AddOutcome::Unchanged(3.0)
            );
            assert_eq!(
                z.add(b"a", f64::INFINITY, f(true, false, false, false, false), L),
                AddOutcome::Updated(f64::INFINITY)
            );
            assert_eq!(
                z.add(
                    b"a",
                    f64::NEG_INFINITY,
                    f(true, false, false, false, false),
                    L
                ),
                AddOutcome::Nan
            );
            assert_eq!(z.score(b"a"), Some(f64::INFINITY));
        }
    }

    #[test]
    fn ranges_agree_between_encodings() {
        let mut rng = SmallRng::seed_from_u64(7);
        for _round in 0..20 {
            let mut a = ZSet::new_listpack();
            let mut b = ZSet::new_skiplist(0);
            let big = Limits {
                max_entries: 1000,
                max_value: 1000,
            };
            for _ in 0..60 {
                let m = format!("{}", rng.gen_range(0..40));
                let s = rng.gen_range(0..10) as f64;
                a.add(m.as_bytes(), s, AddFlags::default(), big);
                b.add(m.as_bytes(), s, AddFlags::default(), big);
                if rng.gen_bool(0.2) {
                    let m = format!("{}", rng.gen_range(0..40));
                    assert_eq!(a.remove(m.as_bytes()), b.remove(m.as_bytes()));
                }
            }
            assert_eq!(a.encoding(), "listpack");
            assert_eq!(members(&a), members(&b));
            let lo = rng.gen_range(0..10) as f64;
            let r = ScoreRange {
                min: lo,
                max: lo + rng.gen_range(0..4) as f64,
                minex: rng.gen_bool(0.5),
                maxex: rng.gen_bool(0.5),
            };
            assert_eq!(a.first_in_score_range(&r), b.first_in_score_range(&r));
            assert_eq!(a.last_in_score_range(&r), b.last_in_score_range(&r));
            assert_eq!(a.count_in_score_range(&r), b.count_in_score_range(&r));
            // Lex ranges are meaningful when all scores are equal, as in Redis.
            let (mut c, mut d) = (ZSet::new_listpack(), ZSet::new_skiplist(0));
            for (m, _) in members(&a) {
                c.add(m.as_bytes(), 0.0, AddFlags::default(), big);
                d.add(m.as_bytes(), 0.0, AddFlags::default(), big);
            }
            for (lo, hi) in [("[1", "(3"), ("-", "[2"), ("(15", "+"), ("[9", "[0")] {
                let lr = LexRange::parse(lo.as_bytes(), hi.as_bytes()).unwrap();
                assert_eq!(c.first_in_lex_range(&lr), d.first_in_lex_range(&lr));
                assert_eq!(c.last_in_lex_range(&lr), d.last_in_lex_range(&lr));
                assert_eq!(c.count_in_lex_range(&lr), d.count_in_lex_range(&lr));
                let (mut c2, mut d2) = (c.clone(), d.clone());
                assert_eq!(c2.delete_range_by_lex(&lr), d2.delete_range_by_lex(&lr));
                assert_eq!(members(&c2), members(&d2));
            }
            for m in 0..40 {
                let m = m.to_string();
                assert_eq!(a.rank(m.as_bytes(), true), b.rank(m.as_bytes(), true));
            }
            let n = a.len();
            if n > 2 {
                let x: Vec<_> = a
                    .iter_from(1, true)
                    .map(|(m, s)| (m.to_bytes(), s))
                    .collect();
                let y: Vec<_> = b
                    .iter_from(1, true)
                    .map(|(m, s)| (m.to_bytes(), s))
                    .collect();
                assert_eq!(x, y);
            }
            let (mut a2, mut b2) = (a.clone(), b.clone());
            assert_eq!(a2.delete_range_by_score(&r), b2.delete_range_by_score(&r));
            assert_eq!(members(&a2), members(&b2));
            assert_eq!(a.delete_range_by_rank(1, 3), b.delete_range_by_rank(1, 3));
            assert_eq!(members(&a), members(&b));
            assert_eq!(a.pop(true), b.pop(true));
            assert_eq!(a.pop(false), b.pop(false));
            assert_eq!(members(&a), members(&b));
        }
    }

    #[test]
    fn from_sorted_picks_the_encoding() {
        let pairs = |n: usize, len: usize| -> Vec<(Vec<u8>, f64)> {
            (0..n)
                .map(|i| (format!("{i:0>len$}").into_bytes(), i as f64))
                .collect()
        };
        assert_eq!(ZSet::from_sorted(pairs(128, 3), L).encoding(), "listpack");
        assert_eq!(ZSet::from_sorted(pairs(129, 3), L).encoding(), "skiplist");
        let z = ZSet::from_sorted(pairs(3, 65), L);
        assert_eq!(z.encoding(), "skiplist");
        assert_eq!(z.len(), 3);
        assert_eq!(z.clone().len(), 3);
        assert_eq!(z.rank(format!("{:0>65}", 2).as_bytes(), false), Some(2));
    }

    #[test]
    fn from_pairs_sorts_and_rejects_corruption() {
        let z = ZSet::from_pairs(
            vec![
                (b"b".to_vec(), 2.0),
                (b"c".to_vec(), 1.0),
                (b"a".to_vec(), 2.0),
            ],
            L,
        )
        .unwrap();
        assert_eq!(
            members(&z),
            vec![("c".into(), 1.0), ("a".into(), 2.0), ("b".into(), 2.0)]
        );
        assert!(ZSet::from_pairs(vec![(b"a".to_vec(), 1.0), (b"a".to_vec(), 2.0)], L).is_none());
        assert!(ZSet::from_pairs(vec![(b"a".to_vec(), f64::NAN)], L).is_none());
    }

    #[test]
    fn scan_visits_every_member() {
        let mut z = ZSet::new_skiplist(0);
        for i in 0..500 {
            add(&mut z, &format!("m{i}"), i as f64 + 0.5);
        }
        let mut seen = std::collections::HashSet::new();
        let mut cursor = 0;
        for _ in 0..10_000 {
            cursor = z.scan(cursor, 10, |m, s| {
                assert!(s.ends_with(b".5"));
                seen.insert(m);
            });
            if cursor == 0 {
                break;
            }
        }
        assert_eq!(cursor, 0);
        assert_eq!(seen.len(), 500);
    }
}
