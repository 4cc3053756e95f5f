//! The ordered index of a sorted set: Redis 7.0's `zskiplist` (`t_zset.c`), in safe Rust.
//!
//! Elements are `(score, member)` pairs ordered by score (`f64`, plain IEEE comparisons, so
//! `-0.0 == 0.0`), then by member bytes in `memcmp` order (shorter prefix first, like `sdscmp`).
//! Every link carries a *span* (how many elements it skips), so rank queries, access by rank and
//! range counts are O(log n). Levels are drawn with p = 0.25 up to 32, as in Redis.
//!
//! Memory layout: nodes live in an arena (`Vec<Node>` indexed by `u32`, freed slots kept on a
//! free list). Level 0 (forward link, span implicitly 1) is stored inline in the node; the
//! links of levels 1.. live in a second pool, `Vec<Level>`, in blocks of `height - 1` entries
//! recycled through one free list per block size. Node 0 is the header (32 levels). A node is
//! 40 bytes plus, on average, 8 * 1/3 bytes of upper links, plus its member's own allocation.
//! There is no recursion anywhere; dropping a list just drops two `Vec`s.
//!
//! API (ranks are 0-based here; Redis's internal ones are 1-based):
//! - [`SkipList::insert`] (the member must be absent: the caller checks its member→score map),
//!   [`SkipList::delete`] / [`SkipList::remove`], [`SkipList::update_score`] (in place when the
//!   order is kept, like `zslUpdateScore`; the [`NodeId`] of a member never changes while it is
//!   in the list).
//! - [`SkipList::rank`], [`SkipList::get_by_rank`], [`SkipList::node_by_rank`],
//!   [`SkipList::iter_from_rank`], [`SkipList::iter_rev_from_rank`].
//! - [`SkipList::first_in_range`] / [`SkipList::last_in_range`] / [`SkipList::count_in_range`]
//!   over a [`ScoreRange`], and the `_lex_` versions over a [`LexRange`] (meaningful when all
//!   scores are equal, as in Redis); both return ranks, to be iterated with the rank iterators.
//! - [`SkipList::delete_range_by_score`], [`SkipList::delete_range_by_lex`],
//!   [`SkipList::delete_range_by_rank`]: each calls back with every removed member so the caller
//!   can drop it from its member→score map.
//! - [`ScoreRange::parse`] (`zslParseRange`) and [`LexRange::parse`] (`zslParseLexRange`) for
//!   command arguments, with `value_gte_min` / `value_lte_max` / `is_empty` helpers usable on
//!   the listpack encoding too.
//!
//! Callers: the sorted-set type (`types::zset`) for its skiplist encoding, and through it the
//! `Z*` command handlers and the RDB encoder/decoder.
//!
//! Limits: ids and spans are `u32`, so a list holds at most `u32::MAX - 1` elements (far above
//! what fits in memory at ~75 bytes per element). Freed arena slots are reused but the arenas
//! never shrink while the list lives (a list that is emptied is not kept by the zset anyway).

use std::cmp::Ordering;

/// Maximum number of levels of a node (Redis's `ZSKIPLIST_MAXLEVEL`).
pub const MAX_LEVEL: usize = 32;

/// "No node" in links.
const NIL: u32 = u32::MAX;
/// The header node's index in the arena.
const HEAD: u32 = 0;

/// A stable handle on one element: valid from its insertion until its removal, unchanged by
/// [`SkipList::update_score`]. After removal the id may be reused by a later insertion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeId(u32);

/// One forward link of level >= 1.
#[derive(Clone, Copy, Debug)]
struct Level {
    /// Next node at this level, or `NIL`.
    forward: u32,
    /// Number of level-0 steps this link covers; for a `NIL` link, the number of nodes after
    /// this one (Redis's convention, which keeps insert/delete arithmetic uniform).
    span: u32,
}

#[derive(Clone, Debug)]
struct Node {
    member: Box<[u8]>,
    score: f64,
    /// Previous node at level 0, `NIL` for the first node (and the header).
    backward: u32,
    /// Level-0 forward link (its span is 1, or 0 when `NIL`). On a free slot: next free slot.
    next0: u32,
    /// Start of this node's `height - 1` upper links in `SkipList::uppers` (unused if height 1).
    upper: u32,
    /// Number of levels; 0 marks a free arena slot.
    height: u8,
}

/// The result of a top-down search: for each level, the last node visited and its 1-based
/// rank (0 for the header). Entry 0 is the node right before the position searched for.
struct Path {
    update: [u32; MAX_LEVEL],
    rank: [usize; MAX_LEVEL],
}

/// A skiplist ordered by (score, member). See the module documentation.
#[derive(Clone, Debug)]
pub struct SkipList {
    nodes: Vec<Node>,
    uppers: Vec<Level>,
    /// Head of the free list of node slots (linked through `next0`), or `NIL`.
    free_node: u32,
    /// `free_upper[k]`: head of the free list of upper-link blocks of size k (linked through
    /// the block's first `forward`), or `NIL`.
    free_upper: [u32; MAX_LEVEL],
    tail: u32,
    len: usize,
    /// Number of levels in use (at least 1).
    level: usize,
    /// splitmix64 state for level draws.
    rng: u64,
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

impl SkipList {
    /// An empty list with a randomly seeded level generator.
    pub fn new() -> Self {
        Self::with_seed(rand::random())
    }

    /// An empty list whose level draws are determined by `seed` (for reproducible tests).
    pub fn with_seed(seed: u64) -> Self {
        let header = Node {
            member: Box::default(),
            score: 0.0,
            backward: NIL,
            next0: NIL,
            upper: 0,
            height: MAX_LEVEL as u8,
        };
        SkipList {
            nodes: vec![header],
            uppers: vec![
                Level {
                    forward: NIL,
                    span: 0
                };
                MAX_LEVEL - 1
            ],
            free_node: NIL,
            free_upper: [NIL; MAX_LEVEL],
            tail: NIL,
            len: 0,
            level: 1,
            rng: seed,
        }
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no element.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held by the list's own arenas (capacity, not length), excluding the members'
    /// allocations, which the caller can add (`member.len()` each, plus allocator overhead).
    pub fn arena_bytes(&self) -> usize {
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + self.uppers.capacity() * std::mem::size_of::<Level>()
    }

    // ----- link accessors -------------------------------------------------------------------

    #[inline]
    fn node(&self, x: u32) -> &Node {
        &self.nodes[x as usize]
    }

    #[inline]
    fn fwd(&self, x: u32, i: usize) -> u32 {
        let n = self.node(x);
        if i == 0 {
            n.next0
        } else {
            self.uppers[n.upper as usize + i - 1].forward
        }
    }

    #[inline]
    fn span(&self, x: u32, i: usize) -> usize {
        let n = self.node(x);
        if i == 0 {
            usize::from(n.next0 != NIL)
        } else {
            self.uppers[n.upper as usize + i - 1].span as usize
        }
    }

    /// Sets link `i` of `x`. The span of level 0 is implicit and not stored.
    #[inline]
    fn set_link(&mut self, x: u32, i: usize, forward: u32, span: usize) {
        let n = &mut self.nodes[x as usize];
        if i == 0 {
            n.next0 = forward;
        } else {
            let l = &mut self.uppers[n.upper as usize + i - 1];
            l.forward = forward;
            l.span = span as u32;
        }
    }

    #[inline]
    fn set_span(&mut self, x: u32, i: usize, span: usize) {
        if i > 0 {
            let base = self.nodes[x as usize].upper as usize;
            self.uppers[base + i - 1].span = span as u32;
        }
    }

    /// `(score, member)` of node `x` sorts strictly before `(score, member)`.
    #[inline]
    fn before(n: &Node, score: f64, member: &[u8]) -> bool {
        n.score < score || (n.score == score && *n.member < *member)
    }

    // ----- arena ---------------------------------------------------------------------------

    /// Draws a level in 1..=32 with P(level > k) = 0.25^k.
    fn random_level(&mut self) -> usize {
        // splitmix64
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        // Each pair of leading zero bits is an independent 1/4 chance of one more level.
        (1 + z.leading_zeros() as usize / 2).min(MAX_LEVEL)
    }

    fn alloc_upper(&mut self, k: usize) -> u32 {
        if k == 0 {
            return 0;
        }
        let head = self.free_upper[k];
        if head != NIL {
            self.free_upper[k] = self.uppers[head as usize].forward;
            return head;
        }
        let base = self.uppers.len();
        self.uppers.resize(
            base + k,
            Level {
                forward: NIL,
                span: 0,
            },
        );
        to_u32(base)
    }

    fn free_upper_block(&mut self, base: u32, k: usize) {
        if k > 0 {
            self.uppers[base as usize].forward = self.free_upper[k];
            self.free_upper[k] = base;
        }
    }

    /// Stores a new, unlinked node and returns its index.
    fn alloc_node(&mut self, score: f64, member: Box<[u8]>) -> u32 {
        let height = self.random_level();
        let upper = self.alloc_upper(height - 1);
        let node = Node {
            member,
            score,
            backward: NIL,
            next0: NIL,
            upper,
            height: height as u8,
        };
        if self.free_node != NIL {
            let id = self.free_node;
            self.free_node = self.nodes[id as usize].next0;
            self.nodes[id as usize] = node;
            id
        } else {
            let id = to_u32(self.nodes.len());
            self.nodes.push(node);
            id
        }
    }

    /// Releases an unlinked node's slot and returns its member.
    fn free_node(&mut self, x: u32) -> Box<[u8]> {
        let (upper, height) = {
            let n = self.node(x);
            (n.upper, n.height as usize)
        };
        self.free_upper_block(upper, height - 1);
        let n = &mut self.nodes[x as usize];
        n.height = 0;
        n.next0 = self.free_node;
        n.backward = NIL;
        self.free_node = x;
        std::mem::take(&mut n.member)
    }

    // ----- search and splice ---------------------------------------------------------------

    /// Walks down from the header, moving forward at each level while `advance(rank, node)`
    /// holds for the next node (`rank` is that node's 1-based rank). `advance` must be
    /// monotone (true on a prefix of the list).
    fn seek(&self, mut advance: impl FnMut(usize, &Node) -> bool) -> Path {
        let mut path = Path {
            update: [HEAD; MAX_LEVEL],
            rank: [0; MAX_LEVEL],
        };
        let mut x = HEAD;
        let mut r = 0usize;
        for i in (0..self.level).rev() {
            loop {
                let f = self.fwd(x, i);
                if f == NIL {
                    break;
                }
                let next_rank = r + self.span(x, i);
                if !advance(next_rank, self.node(f)) {
                    break;
                }
                r = next_rank;
                x = f;
            }
            path.update[i] = x;
            path.rank[i] = r;
        }
        path
    }

    /// The path to the position of `(score, member)`: `update[0]` is the last node before it.
    fn path_to(&self, score: f64, member: &[u8]) -> Path {
        self.seek(|_, n| Self::before(n, score, member))
    }

    /// Links the allocated node `x` at its place (Redis's `zslInsert` after node creation).
    fn link(&mut self, x: u32) {
        let mut path = {
            let n = self.node(x);
            self.path_to(n.score, &n.member)
        };
        let height = self.node(x).height as usize;
        if height > self.level {
            for i in self.level..height {
                path.rank[i] = 0;
                path.update[i] = HEAD;
                self.set_span(HEAD, i, self.len);
            }
            self.level = height;
        }
        for i in 0..height {
            let u = path.update[i];
            let (uf, us) = (self.fwd(u, i), self.span(u, i));
            let d = path.rank[0] - path.rank[i];
            self.set_link(x, i, uf, us.saturating_sub(d));
            self.set_link(u, i, x, d + 1);
        }
        for i in height..self.level {
            let u = path.update[i];
            let s = self.span(u, i);
            self.set_span(u, i, s + 1);
        }
        let back = if path.update[0] == HEAD {
            NIL
        } else {
            path.update[0]
        };
        self.nodes[x as usize].backward = back;
        let next = self.node(x).next0;
        if next != NIL {
            self.nodes[next as usize].backward = x;
        } else {
            self.tail = x;
        }
        self.len += 1;
    }

    /// Unlinks node `x`, given the path whose `update[0]` precedes it (`zslDeleteNode`).
    /// The node stays allocated.
    fn unlink(&mut self, x: u32, update: &[u32; MAX_LEVEL]) {
        for (i, &u) in update.iter().enumerate().take(self.level) {
            if self.fwd(u, i) == x {
                let s = self.span(u, i) + self.span(x, i) - 1;
                let xf = self.fwd(x, i);
                self.set_link(u, i, xf, s);
            } else {
                let s = self.span(u, i) - 1;
                self.set_span(u, i, s);
            }
        }
        let (next, back) = {
            let n = self.node(x);
            (n.next0, n.backward)
        };
        if next != NIL {
            self.nodes[next as usize].backward = back;
        } else {
            self.tail = back;
        }
        while self.level > 1 && self.fwd(HEAD, self.level - 1) == NIL {
            self.level -= 1;
        }
        self.len -= 1;
    }

    /// Finds `(score, member)`: its path and node.
    fn find(&self, score: f64, member: &[u8]) -> Option<(Path, u32)> {
        let path = self.path_to(score, member);
        let x = self.fwd(path.update[0], 0);
        if x == NIL {
            return None;
        }
        let n = self.node(x);
        (n.score == score && *n.member == *member).then_some((path, x))
    }

    // ----- element operations --------------------------------------------------------------

    /// Inserts `(score, member)`. The caller guarantees that `member` is not in the list and
    /// that `score` is not NaN (`zslInsert`'s contract).
    pub fn insert(&mut self, score: f64, member: Box<[u8]>) -> NodeId {
        debug_assert!(!score.is_nan());
        let x = self.alloc_node(score, member);
        self.link(x);
        NodeId(x)
    }

    /// Removes `(score, member)`; false when absent (scores compare with `==`).
    pub fn delete(&mut self, score: f64, member: &[u8]) -> bool {
        self.remove(score, member).is_some()
    }

    /// Removes `(score, member)` and returns the owned member, or `None` when absent.
    pub fn remove(&mut self, score: f64, member: &[u8]) -> Option<Box<[u8]>> {
        let (path, x) = self.find(score, member)?;
        self.unlink(x, &path.update);
        Some(self.free_node(x))
    }

    /// Changes the score of `member` from `cur_score` to `new_score` (`zslUpdateScore`): in
    /// place when the node keeps its position, otherwise unlinked and relinked (with a new
    /// level). The node id is kept either way. `None` when `(cur_score, member)` is absent.
    pub fn update_score(
        &mut self,
        cur_score: f64,
        member: &[u8],
        new_score: f64,
    ) -> Option<NodeId> {
        debug_assert!(!new_score.is_nan());
        let (path, x) = self.find(cur_score, member)?;
        let (back, next) = {
            let n = self.node(x);
            (n.backward, n.next0)
        };
        if (back == NIL || self.node(back).score < new_score)
            && (next == NIL || self.node(next).score > new_score)
        {
            self.nodes[x as usize].score = new_score;
            return Some(NodeId(x));
        }
        self.unlink(x, &path.update);
        let (upper, height) = {
            let n = self.node(x);
            (n.upper, n.height as usize)
        };
        self.free_upper_block(upper, height - 1);
        let height = self.random_level();
        let upper = self.alloc_upper(height - 1);
        let n = &mut self.nodes[x as usize];
        n.upper = upper;
        n.height = height as u8;
        n.score = new_score;
        n.backward = NIL;
        n.next0 = NIL;
        self.link(x);
        Some(NodeId(x))
    }

    /// 0-based rank of `(score, member)`, or `None` when absent (`zslGetRank`).
    pub fn rank(&self, score: f64, member: &[u8]) -> Option<usize> {
        let path = self.seek(|_, n| n.score < score || (n.score == score && *n.member <= *member));
        let x = path.update[0];
        if x == HEAD {
            return None;
        }
        let n = self.node(x);
        (n.score == score && *n.member == *member).then(|| path.rank[0] - 1)
    }

    /// The node at 0-based `rank` (`zslGetElementByRank`).
    pub fn node_by_rank(&self, rank: usize) -> Option<NodeId> {
        if rank >= self.len {
            return None;
        }
        let target = rank + 1;
        let path = self.seek(|r, _| r <= target);
        (path.rank[0] == target).then_some(NodeId(path.update[0]))
    }

    /// `(member, score)` at 0-based `rank`.
    pub fn get_by_rank(&self, rank: usize) -> Option<(&[u8], f64)> {
        self.node_by_rank(rank).and_then(|id| self.entry(id))
    }

    /// `(member, score)` of a live node; `None` for an id freed since.
    pub fn entry(&self, id: NodeId) -> Option<(&[u8], f64)> {
        match self.nodes.get(id.0 as usize) {
            Some(n) if id.0 != HEAD && n.height != 0 => Some((&n.member, n.score)),
            _ => None,
        }
    }

    /// The lowest element.
    pub fn first(&self) -> Option<(&[u8], f64)> {
        match self.fwd(HEAD, 0) {
            NIL => None,
            x => self.entry(NodeId(x)),
        }
    }

    /// The highest element (O(1)).
    pub fn last(&self) -> Option<(&[u8], f64)> {
        match self.tail {
            NIL => None,
            x => self.entry(NodeId(x)),
        }
    }

    // ----- iteration -----------------------------------------------------------------------

    /// All elements, lowest first.
    pub fn iter(&self) -> Iter<'_> {
        self.iter_from_rank(0)
    }

    /// Elements from 0-based `rank` up to the highest (empty if `rank >= len`).
    pub fn iter_from_rank(&self, rank: usize) -> Iter<'_> {
        let cur = if rank == 0 {
            self.fwd(HEAD, 0)
        } else {
            self.node_by_rank(rank).map_or(NIL, |id| id.0)
        };
        Iter {
            list: self,
            cur,
            remaining: self.len.saturating_sub(rank),
            rev: false,
        }
    }

    /// Elements from 0-based `rank` down to the lowest (empty if `rank >= len`).
    pub fn iter_rev_from_rank(&self, rank: usize) -> Iter<'_> {
        let cur = if rank >= self.len {
            NIL
        } else if rank + 1 == self.len {
            self.tail
        } else {
            self.node_by_rank(rank).map_or(NIL, |id| id.0)
        };
        Iter {
            list: self,
            cur,
            remaining: if cur == NIL { 0 } else { rank + 1 },
            rev: true,
        }
    }

    // ----- score ranges --------------------------------------------------------------------

    /// Whether some element may be in `range` (`zslIsInRange`).
    fn score_range_overlaps(&self, range: &ScoreRange) -> bool {
        if range.is_empty() || self.tail == NIL {
            return false;
        }
        range.value_gte_min(self.node(self.tail).score)
            && range.value_lte_max(self.node(self.fwd(HEAD, 0)).score)
    }

    /// 0-based rank of the first element with a score in `range` (`zslFirstInRange`).
    pub fn first_in_range(&self, range: &ScoreRange) -> Option<usize> {
        if !self.score_range_overlaps(range) {
            return None;
        }
        let path = self.seek(|_, n| !range.value_gte_min(n.score));
        let x = self.fwd(path.update[0], 0);
        (x != NIL && range.value_lte_max(self.node(x).score)).then_some(path.rank[0])
    }

    /// 0-based rank of the last element with a score in `range` (`zslLastInRange`).
    pub fn last_in_range(&self, range: &ScoreRange) -> Option<usize> {
        if !self.score_range_overlaps(range) {
            return None;
        }
        let path = self.seek(|_, n| range.value_lte_max(n.score));
        let x = path.update[0];
        (x != HEAD && range.value_gte_min(self.node(x).score)).then(|| path.rank[0] - 1)
    }

    /// Number of elements with a score in `range` (`ZCOUNT`), in O(log n).
    pub fn count_in_range(&self, range: &ScoreRange) -> usize {
        match (self.first_in_range(range), self.last_in_range(range)) {
            (Some(a), Some(b)) if b >= a => b - a + 1,
            _ => 0,
        }
    }

    /// Removes every element with a score in `range`, calling `f` with each removed member
    /// (lowest first); returns how many were removed (`zslDeleteRangeByScore`).
    pub fn delete_range_by_score(&mut self, range: &ScoreRange, f: impl FnMut(&[u8])) -> usize {
        let path = self.seek(|_, n| !range.value_gte_min(n.score));
        self.delete_while(path, |_, n| range.value_lte_max(n.score), f)
    }

    // ----- lex ranges ----------------------------------------------------------------------

    /// Whether some element may be in `range` (`zslIsInLexRange`).
    fn lex_range_overlaps(&self, range: &LexRange<'_>) -> bool {
        if range.is_empty() || self.tail == NIL {
            return false;
        }
        range.value_gte_min(&self.node(self.tail).member)
            && range.value_lte_max(&self.node(self.fwd(HEAD, 0)).member)
    }

    /// 0-based rank of the first element whose member is in `range` (`zslFirstInLexRange`).
    pub fn first_in_lex_range(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_range_overlaps(range) {
            return None;
        }
        let path = self.seek(|_, n| !range.value_gte_min(&n.member));
        let x = self.fwd(path.update[0], 0);
        (x != NIL && range.value_lte_max(&self.node(x).member)).then_some(path.rank[0])
    }

    /// 0-based rank of the last element whose member is in `range` (`zslLastInLexRange`).
    pub fn last_in_lex_range(&self, range: &LexRange<'_>) -> Option<usize> {
        if !self.lex_range_overlaps(range) {
            return None;
        }
        let path = self.seek(|_, n| range.value_lte_max(&n.member));
        let x = path.update[0];
        (x != HEAD && range.value_gte_min(&self.node(x).member)).then(|| path.rank[0] - 1)
    }

    /// Number of elements whose member is in `range` (`ZLEXCOUNT`), in O(log n).
    pub fn count_in_lex_range(&self, range: &LexRange<'_>) -> usize {
        match (
            self.first_in_lex_range(range),
            self.last_in_lex_range(range),
        ) {
            (Some(a), Some(b)) if b >= a => b - a + 1,
            _ => 0,
        }
    }

    /// Removes every element whose member is in `range`, calling `f` with each removed member;
    /// returns how many were removed (`zslDeleteRangeByLex`).
    pub fn delete_range_by_lex(&mut self, range: &LexRange<'_>, f: impl FnMut(&[u8])) -> usize {
        let path = self.seek(|_, n| !range.value_gte_min(&n.member));
        self.delete_while(path, |_, n| range.value_lte_max(&n.member), f)
    }

    // ----- rank ranges ---------------------------------------------------------------------

    /// Removes the elements of 0-based ranks `start..=end` (clipped to the list), calling `f`
    /// with each removed member; returns how many were removed (`zslDeleteRangeByRank`).
    pub fn delete_range_by_rank(
        &mut self,
        start: usize,
        end: usize,
        f: impl FnMut(&[u8]),
    ) -> usize {
        if start > end || start >= self.len {
            return 0;
        }
        let path = self.seek(|r, _| r <= start);
        // Ranks shift down as nodes go, so count removals instead.
        let count = end - start + 1;
        self.delete_while(path, |removed, _| removed < count, f)
    }

    /// Removes the nodes after `path.update[0]` while `keep_going(rank0, node)` holds.
    fn delete_while(
        &mut self,
        path: Path,
        mut keep_going: impl FnMut(usize, &Node) -> bool,
        mut f: impl FnMut(&[u8]),
    ) -> usize {
        let mut x = self.fwd(path.update[0], 0);
        let mut removed = 0;
        while x != NIL && keep_going(removed, self.node(x)) {
            let next = self.node(x).next0;
            self.unlink(x, &path.update);
            f(&self.node(x).member);
            drop(self.free_node(x));
            removed += 1;
            x = next;
        }
        removed
    }

    /// Checks every structural invariant (spans, back links, tail, length, level, free lists);
    /// panics with a description on the first violation. O(n · level). For tests.
    #[cfg(test)]
    fn check_invariants(&self) {
        // Level-0 order, ranks, back links.
        let mut rank_of = std::collections::HashMap::new();
        rank_of.insert(HEAD, 0usize);
        let mut x = self.fwd(HEAD, 0);
        let mut prev = NIL;
        let mut r = 0;
        while x != NIL {
            r += 1;
            let n = self.node(x);
            assert!(n.height >= 1, "free slot linked");
            assert_eq!(n.backward, prev, "backward of rank {r}");
            if prev != NIL {
                let p = self.node(prev);
                assert!(
                    Self::before(p, n.score, &n.member),
                    "order broken at rank {r}"
                );
            }
            rank_of.insert(x, r);
            prev = x;
            x = n.next0;
        }
        assert_eq!(r, self.len, "len");
        assert_eq!(self.tail, prev, "tail");
        // Upper levels: forward targets taller, spans equal rank differences.
        for (&x, &rx) in &rank_of {
            let h = self.node(x).height as usize;
            for i in 1..h.min(if x == HEAD { self.level } else { h }) {
                let f = self.fwd(x, i);
                let s = self.span(x, i);
                if f == NIL {
                    assert_eq!(s, self.len - rx, "nil span at level {i} of rank {rx}");
                } else {
                    assert!(self.node(f).height as usize > i, "short target");
                    assert_eq!(s, rank_of[&f] - rx, "span at level {i} of rank {rx}");
                }
            }
        }
        // Level: top level non-empty (unless level 1), levels above empty.
        assert!(self.level >= 1 && self.level <= MAX_LEVEL);
        if self.level > 1 {
            assert_ne!(self.fwd(HEAD, self.level - 1), NIL, "empty top level");
        }
        let tallest = rank_of
            .keys()
            .filter(|&&x| x != HEAD)
            .map(|&x| self.node(x).height as usize)
            .max()
            .unwrap_or(1);
        assert_eq!(self.level, tallest, "level vs tallest node");
        // Free slots: every arena slot is live or free, exactly once.
        let mut free = 0;
        let mut y = self.free_node;
        while y != NIL {
            assert_eq!(self.node(y).height, 0, "live slot on free list");
            free += 1;
            y = self.node(y).next0;
        }
        assert_eq!(free + self.len + 1, self.nodes.len(), "slot accounting");
    }
}

fn to_u32(i: usize) -> u32 {
    // Unreachable in practice: 2^32 nodes would take hundreds of GiB.
    u32::try_from(i)
        .ok()
        .filter(|&v| v != NIL)
        .expect("skiplist arena exceeds u32 indices")
}

/// Iterator over `(member, score)` pairs from a rank, forward or backward.
#[derive(Clone, Debug)]
pub struct Iter<'a> {
    list: &'a SkipList,
    cur: u32,
    remaining: usize,
    rev: bool,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a [u8], f64);

    fn next(&mut self) -> Option<Self::Item> {
        if self.cur == NIL {
            return None;
        }
        let n = self.list.node(self.cur);
        self.cur = if self.rev { n.backward } else { n.next0 };
        self.remaining = self.remaining.saturating_sub(1);
        Some((&n.member, n.score))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// ----- range specs ---------------------------------------------------------------------------

/// A score interval (`zrangespec`): `min`/`max` with exclusive flags.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScoreRange {
    pub min: f64,
    pub max: f64,
    pub minex: bool,
    pub maxex: bool,
}

impl ScoreRange {
    /// Parses `ZRANGEBYSCORE`-style bounds like `zslParseRange`: an optional `(` for an
    /// exclusive bound, then a C `strtod` number ("inf", "-inf", "+inf", hex, leading spaces...)
    /// that must span the whole argument (up to a NUL byte, as in C) and not be NaN.
    /// `None` maps to "ERR min or max is not a float".
    pub fn parse(min: &[u8], max: &[u8]) -> Option<Self> {
        let (min, minex) = parse_score_bound(min)?;
        let (max, maxex) = parse_score_bound(max)?;
        Some(ScoreRange {
            min,
            max,
            minex,
            maxex,
        })
    }

    /// `value` is above the lower bound (`zslValueGteMin`).
    pub fn value_gte_min(&self, value: f64) -> bool {
        if self.minex {
            value > self.min
        } else {
            value >= self.min
        }
    }

    /// `value` is below the upper bound (`zslValueLteMax`).
    pub fn value_lte_max(&self, value: f64) -> bool {
        if self.maxex {
            value < self.max
        } else {
            value <= self.max
        }
    }

    /// `value` is inside the range.
    pub fn contains(&self, value: f64) -> bool {
        self.value_gte_min(value) && self.value_lte_max(value)
    }

    /// The range can contain no value at all (the first test of `zslIsInRange`).
    pub fn is_empty(&self) -> bool {
        self.min > self.max || (self.min == self.max && (self.minex || self.maxex))
    }
}

fn parse_score_bound(arg: &[u8]) -> Option<(f64, bool)> {
    match arg.split_first() {
        Some((b'(', rest)) => strtod_whole(rest).map(|v| (v, true)),
        _ => strtod_whole(arg).map(|v| (v, false)),
    }
}

/// C `strtod` over the bytes of `s` up to its first NUL (as Redis passes an sds to strtod);
/// `None` unless every such byte was consumed, or when the result is NaN. An empty string
/// parses as 0, and out-of-range values become ±inf or 0, as in Redis.
fn strtod_whole(s: &[u8]) -> Option<f64> {
    let s = match s.iter().position(|&b| b == 0) {
        Some(nul) => &s[..nul],
        None => s,
    };
    let mut buf = Vec::with_capacity(s.len() + 1);
    buf.extend_from_slice(s);
    buf.push(0);
    let start = buf.as_ptr() as *const libc::c_char;
    let mut end: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `buf` is NUL-terminated and outlives the call; strtod reads up to the NUL and
    // sets `end` to a position inside `buf`. It touches no other memory except errno.
    let v = unsafe { libc::strtod(start, &mut end) };
    let consumed = (end as usize).wrapping_sub(start as usize);
    (consumed == s.len() && !v.is_nan()).then_some(v)
}

/// One end of a [`LexRange`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexBound<'a> {
    /// `-`: below every member.
    Min,
    /// `+`: above every member.
    Max,
    /// `[member`
    Inclusive(&'a [u8]),
    /// `(member`
    Exclusive(&'a [u8]),
}

impl LexBound<'_> {
    /// Redis's `minex`/`maxex` flag: `-` and `+` count as exclusive.
    fn exclusive(&self) -> bool {
        !matches!(self, LexBound::Inclusive(_))
    }

    /// `sdscmplex` between two bounds: `-` and `+` are equal only to themselves.
    fn cmp_bound(&self, other: &LexBound<'_>) -> Ordering {
        use LexBound::*;
        match (self, other) {
            (Min, Min) | (Max, Max) => Ordering::Equal,
            (Min, _) | (_, Max) => Ordering::Less,
            (Max, _) | (_, Min) => Ordering::Greater,
            (Inclusive(a) | Exclusive(a), Inclusive(b) | Exclusive(b)) => a.cmp(b),
        }
    }
}

/// A member interval for `ZRANGEBYLEX` and friends (`zlexrangespec`), borrowing the argument
/// bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LexRange<'a> {
    pub min: LexBound<'a>,
    pub max: LexBound<'a>,
}

impl<'a> LexRange<'a> {
    /// Parses bounds like `zslParseLexRange`: `-`, `+` (nothing may follow, up to a NUL byte
    /// as in C), or `[`/`(` followed by any bytes (possibly none). `None` maps to
    /// "ERR min or max not valid string range item".
    pub fn parse(min: &'a [u8], max: &'a [u8]) -> Option<Self> {
        Some(LexRange {
            min: parse_lex_bound(min)?,
            max: parse_lex_bound(max)?,
        })
    }

    /// `value` is above the lower bound (`zslLexValueGteMin`).
    pub fn value_gte_min(&self, value: &[u8]) -> bool {
        match self.min {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(m) => value >= m,
            LexBound::Exclusive(m) => value > m,
        }
    }

    /// `value` is below the upper bound (`zslLexValueLteMax`).
    pub fn value_lte_max(&self, value: &[u8]) -> bool {
        match self.max {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(m) => value <= m,
            LexBound::Exclusive(m) => value < m,
        }
    }

    /// `value` is inside the range.
    pub fn contains(&self, value: &[u8]) -> bool {
        self.value_gte_min(value) && self.value_lte_max(value)
    }

    /// The range can contain no member at all (the first test of `zslIsInLexRange`).
    pub fn is_empty(&self) -> bool {
        match self.min.cmp_bound(&self.max) {
            Ordering::Greater => true,
            Ordering::Equal => self.min.exclusive() || self.max.exclusive(),
            Ordering::Less => false,
        }
    }
}

fn parse_lex_bound(arg: &[u8]) -> Option<LexBound<'_>> {
    // C string semantics for the one-character forms: "+\0x" is "+".
    let only = |rest: &[u8]| rest.first().is_none_or(|&b| b == 0);
    match arg.split_first()? {
        (b'+', rest) if only(rest) => Some(LexBound::Max),
        (b'-', rest) if only(rest) => Some(LexBound::Min),
        (b'[', rest) => Some(LexBound::Inclusive(rest)),
        (b'(', rest) => Some(LexBound::Exclusive(rest)),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
