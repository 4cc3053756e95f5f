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
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};
    use std::collections::{BTreeSet, HashMap};

    /// A score with the total order the skiplist uses (plain `<`, so `-0.0 == 0.0`; no NaN).
    #[derive(Clone, Copy, Debug)]
    struct Score(f64);
    impl PartialEq for Score {
        fn eq(&self, o: &Self) -> bool {
            self.0 == o.0
        }
    }
    impl Eq for Score {}
    impl PartialOrd for Score {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Score {
        fn cmp(&self, o: &Self) -> Ordering {
            self.0.partial_cmp(&o.0).expect("no NaN in tests")
        }
    }

    /// The reference: the ordered set plus the member→score map a zset keeps beside it.
    #[derive(Default)]
    struct Model {
        set: BTreeSet<(Score, Vec<u8>)>,
        map: HashMap<Vec<u8>, f64>,
    }

    impl Model {
        fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
            self.set.iter().map(|(s, m)| (m.clone(), s.0)).collect()
        }
        fn insert(&mut self, s: f64, m: &[u8]) {
            self.set.insert((Score(s), m.to_vec()));
            self.map.insert(m.to_vec(), s);
        }
        fn remove(&mut self, m: &[u8]) {
            let s = self.map.remove(m).unwrap();
            assert!(self.set.remove(&(Score(s), m.to_vec())));
        }
    }

    fn collect(it: Iter<'_>) -> Vec<(Vec<u8>, f64)> {
        it.map(|(m, s)| (m.to_vec(), s)).collect()
    }

    const SCORES: [f64; 10] = [
        f64::NEG_INFINITY,
        -1.5,
        -0.0,
        0.0,
        1.0,
        2.0,
        2.5,
        3.0,
        1e300,
        f64::INFINITY,
    ];

    fn rand_score(rng: &mut SmallRng) -> f64 {
        if rng.gen_bool(0.5) {
            SCORES[rng.gen_range(0..SCORES.len())]
        } else {
            rng.gen_range(-20..20) as f64 / 2.0
        }
    }

    /// Short members over a small alphabet: many shared prefixes, the empty member included.
    fn rand_member(rng: &mut SmallRng) -> Vec<u8> {
        let len = rng.gen_range(0..4);
        (0..len)
            .map(|_| b"ab\x00\xff"[rng.gen_range(0..4)])
            .collect()
    }

    /// `n` candidate members: all short ones over "ab\0\xff" plus longer random ones.
    fn member_pool(rng: &mut SmallRng, n: usize) -> Vec<Vec<u8>> {
        let mut pool: BTreeSet<Vec<u8>> = (0..200).map(|_| rand_member(rng)).collect();
        while pool.len() < n {
            let len = rng.gen_range(1..8);
            pool.insert((0..len).map(|_| rng.gen::<u8>() % 6 + b'a').collect());
        }
        pool.into_iter().collect()
    }

    fn rand_score_bound(rng: &mut SmallRng) -> (f64, bool) {
        (rand_score(rng), rng.gen_bool(0.5))
    }

    fn rand_score_range(rng: &mut SmallRng) -> ScoreRange {
        let (min, minex) = rand_score_bound(rng);
        let (max, maxex) = rand_score_bound(rng);
        ScoreRange {
            min,
            max,
            minex,
            maxex,
        }
    }

    fn rand_lex_bound<'a>(rng: &mut SmallRng, pool: &'a [Vec<u8>]) -> LexBound<'a> {
        match rng.gen_range(0..10) {
            0 => LexBound::Min,
            1 => LexBound::Max,
            2..=5 => LexBound::Inclusive(&pool[rng.gen_range(0..pool.len())]),
            _ => LexBound::Exclusive(&pool[rng.gen_range(0..pool.len())]),
        }
    }

    /// Compares every query and the full contents with the model.
    fn check_against(sl: &SkipList, model: &Model, rng: &mut SmallRng) {
        let sorted = model.sorted();
        assert_eq!(sl.len(), sorted.len());
        assert_eq!(collect(sl.iter()), sorted);
        assert_eq!(
            sl.first().map(|(m, s)| (m.to_vec(), s)),
            sorted.first().cloned()
        );
        assert_eq!(
            sl.last().map(|(m, s)| (m.to_vec(), s)),
            sorted.last().cloned()
        );
        for _ in 0..4 {
            let r = rng.gen_range(0..sorted.len() + 3);
            assert_eq!(
                sl.get_by_rank(r).map(|(m, s)| (m.to_vec(), s)),
                sorted.get(r).cloned(),
                "get_by_rank({r})"
            );
            let fwd: Vec<_> = sorted.iter().skip(r).take(5).cloned().collect();
            assert_eq!(
                collect(sl.iter_from_rank(r))
                    .into_iter()
                    .take(5)
                    .collect::<Vec<_>>(),
                fwd
            );
            assert_eq!(sl.iter_from_rank(r).len(), sorted.len().saturating_sub(r));
            let rev: Vec<_> = if r < sorted.len() {
                sorted[..=r].iter().rev().take(5).cloned().collect()
            } else {
                vec![]
            };
            assert_eq!(
                collect(sl.iter_rev_from_rank(r))
                    .into_iter()
                    .take(5)
                    .collect::<Vec<_>>(),
                rev
            );
            assert_eq!(
                sl.iter_rev_from_rank(r).len(),
                rev.len().max(if r < sorted.len() { r + 1 } else { 0 })
            );
        }
        for (i, (m, s)) in sorted.iter().enumerate() {
            assert_eq!(sl.rank(*s, m), Some(i));
        }
        let m = rand_member(rng);
        if !model.map.contains_key(&m) {
            assert_eq!(sl.rank(1.0, &m), None);
        }
        for _ in 0..4 {
            let range = rand_score_range(rng);
            let inside: Vec<usize> = (0..sorted.len())
                .filter(|&i| range.contains(sorted[i].1))
                .collect();
            assert_eq!(
                sl.first_in_range(&range),
                inside.first().copied(),
                "{range:?}"
            );
            assert_eq!(
                sl.last_in_range(&range),
                inside.last().copied(),
                "{range:?}"
            );
            assert_eq!(sl.count_in_range(&range), inside.len(), "{range:?}");
        }
    }

    #[test]
    fn model_random_operations() {
        for seed in 0..12u64 {
            let mut rng = SmallRng::seed_from_u64(seed);
            let mut sl = SkipList::with_seed(seed);
            let mut model = Model::default();
            let cap = [8, 40, 250][seed as usize % 3];
            let pool = member_pool(&mut rng, cap * 3 / 2);
            let (mut max_len, mut max_level) = (0, 0);
            for step in 0..4000 {
                let m = pool[rng.gen_range(0..pool.len())].clone();
                match rng.gen_range(0..100) {
                    0..=54 => {
                        if model.map.len() < cap && !model.map.contains_key(&m) {
                            let s = rand_score(&mut rng);
                            let id = sl.insert(s, m.clone().into_boxed_slice());
                            assert_eq!(sl.entry(id), Some((&m[..], s)));
                            model.insert(s, &m);
                        }
                    }
                    55..=69 => match model.map.get(&m).copied() {
                        Some(s) => {
                            // A different score must not match.
                            let other = 0.125; // never generated
                            assert!(!sl.delete(other, &m));
                            assert!(sl.delete(s, &m));
                            model.remove(&m);
                        }
                        None => assert!(!sl.delete(rand_score(&mut rng), &m)),
                    },
                    70..=93 => match model.map.get(&m).copied() {
                        Some(s) => {
                            let before = sl.rank(s, &m).and_then(|r| sl.node_by_rank(r));
                            let ns = rand_score(&mut rng);
                            let id = sl.update_score(s, &m, ns).unwrap();
                            assert_eq!(Some(id), before, "node id kept");
                            assert_eq!(sl.entry(id), Some((&m[..], ns)));
                            model.remove(&m);
                            model.insert(ns, &m);
                        }
                        None => assert_eq!(sl.update_score(0.0, &m, 1.0), None),
                    },
                    94..=95 => {
                        let range = rand_score_range(&mut rng);
                        let mut got = vec![];
                        let n = sl.delete_range_by_score(&range, |m| got.push(m.to_vec()));
                        let want: Vec<Vec<u8>> = model
                            .sorted()
                            .into_iter()
                            .filter(|(_, s)| range.contains(*s))
                            .map(|(m, _)| m)
                            .collect();
                        assert_eq!(n, want.len());
                        assert_eq!(got, want);
                        for m in &want {
                            model.remove(m);
                        }
                    }
                    _ => {
                        let len = model.map.len();
                        let start = rng.gen_range(0..len + 2);
                        let end = start + rng.gen_range(0..4);
                        let mut got = vec![];
                        let n = sl.delete_range_by_rank(start, end, |m| got.push(m.to_vec()));
                        let want: Vec<Vec<u8>> = model
                            .sorted()
                            .into_iter()
                            .skip(start)
                            .take(end - start + 1)
                            .map(|(m, _)| m)
                            .collect();
                        assert_eq!(n, want.len());
                        assert_eq!(got, want);
                        for m in &want {
                            model.remove(m);
                        }
                    }
                }
                max_len = max_len.max(sl.len());
                max_level = max_level.max(sl.level);
                if step % 50 == 0 {
                    sl.check_invariants();
                    check_against(&sl, &model, &mut rng);
                }
            }
            sl.check_invariants();
            check_against(&sl, &model, &mut rng);
            // The run reached the size cap, and several levels for the big lists.
            assert!(max_len >= cap / 2, "seed {seed}: {max_len}");
            assert!(cap < 250 || max_level >= 4, "seed {seed}: {max_level}");
        }
    }

    /// Lex queries are defined when all scores are equal (as ZRANGEBYLEX requires).
    #[test]
    fn model_lex_ranges() {
        for seed in 0..8u64 {
            let mut rng = SmallRng::seed_from_u64(1000 + seed);
            let mut sl = SkipList::with_seed(seed);
            let mut model = Model::default();
            let pool = member_pool(&mut rng, 60);
            for _ in 0..600 {
                let m = &pool[rng.gen_range(0..pool.len())];
                match rng.gen_range(0..10) {
                    0..=5 => {
                        if !model.map.contains_key(m) {
                            sl.insert(7.0, m.clone().into_boxed_slice());
                            model.insert(7.0, m);
                        }
                    }
                    6..=7 => {
                        assert_eq!(sl.delete(7.0, m), model.map.contains_key(m));
                        if model.map.contains_key(m) {
                            model.remove(m);
                        }
                    }
                    8 => {
                        let range = LexRange {
                            min: rand_lex_bound(&mut rng, &pool),
                            max: rand_lex_bound(&mut rng, &pool),
                        };
                        let mut got = vec![];
                        let n = sl.delete_range_by_lex(&range, |m| got.push(m.to_vec()));
                        let want: Vec<Vec<u8>> = model
                            .map
                            .keys()
                            .filter(|m| range.contains(m))
                            .cloned()
                            .collect::<BTreeSet<_>>()
                            .into_iter()
                            .collect();
                        assert_eq!((n, &got), (want.len(), &want), "{range:?}");
                        for m in &want {
                            model.remove(m);
                        }
                    }
                    _ => {
                        for _ in 0..5 {
                            let range = LexRange {
                                min: rand_lex_bound(&mut rng, &pool),
                                max: rand_lex_bound(&mut rng, &pool),
                            };
                            let sorted = model.sorted();
                            let inside: Vec<usize> = (0..sorted.len())
                                .filter(|&i| range.contains(&sorted[i].0))
                                .collect();
                            assert_eq!(
                                sl.first_in_lex_range(&range),
                                inside.first().copied(),
                                "{range:?}"
                            );
                            assert_eq!(
                                sl.last_in_lex_range(&range),
                                inside.last().copied(),
                                "{range:?}"
                            );
                            assert_eq!(sl.count_in_lex_range(&range), inside.len(), "{range:?}");
                        }
                    }
                }
            }
            sl.check_invariants();
            check_against(&sl, &model, &mut rng);
        }
    }

    #[test]
    fn empty_list() {
        let mut sl = SkipList::new();
        assert!(sl.is_empty());
        assert_eq!(sl.len(), 0);
        assert_eq!(sl.get_by_rank(0), None);
        assert_eq!(sl.node_by_rank(usize::MAX), None);
        assert_eq!(sl.first(), None);
        assert_eq!(sl.last(), None);
        assert_eq!(sl.rank(0.0, b""), None);
        assert!(!sl.delete(0.0, b""));
        assert_eq!(sl.update_score(0.0, b"a", 1.0), None);
        assert_eq!(sl.iter().count(), 0);
        assert_eq!(sl.iter_from_rank(3).count(), 0);
        assert_eq!(sl.iter_rev_from_rank(0).count(), 0);
        let all = ScoreRange::parse(b"-inf", b"+inf").unwrap();
        assert_eq!(sl.first_in_range(&all), None);
        assert_eq!(sl.last_in_range(&all), None);
        assert_eq!(sl.count_in_range(&all), 0);
        let lex = LexRange::parse(b"-", b"+").unwrap();
        assert_eq!(sl.first_in_lex_range(&lex), None);
        assert_eq!(sl.delete_range_by_score(&all, |_| panic!()), 0);
        assert_eq!(sl.delete_range_by_lex(&lex, |_| panic!()), 0);
        assert_eq!(sl.delete_range_by_rank(0, usize::MAX, |_| panic!()), 0);
        sl.check_invariants();
    }

    #[test]
    fn equal_scores_order_by_member_bytes() {
        let mut sl = SkipList::with_seed(1);
        for m in [&b"b"[..], b"a", b"", b"ab", b"\xff", b"a\x00", b"B"] {
            sl.insert(1.0, m.into());
        }
        sl.insert(0.5, b"zzz"[..].into());
        let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
        let want: Vec<&[u8]> = vec![b"zzz", b"", b"B", b"a", b"a\x00", b"ab", b"b", b"\xff"];
        assert_eq!(order, want);
        assert_eq!(sl.rank(1.0, b"a\x00"), Some(4));
        assert_eq!(sl.rank(1.0, b"a\x01"), None);
        assert_eq!(sl.rank(2.0, b"a"), None);
        sl.check_invariants();
    }

    #[test]
    fn negative_zero_equals_zero() {
        // Redis compares scores with plain `<`/`==`: real redis answers ZCOUNT w 0 0 = 3 and
        // ZCOUNT w (-0 0 = 0 for ZADD w -0 a 0 b 0 "" (observed on 7.0.15).
        let mut sl = SkipList::with_seed(2);
        sl.insert(0.0, b"b"[..].into());
        sl.insert(-0.0, b"a"[..].into());
        sl.insert(0.0, b""[..].into());
        let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
        assert_eq!(order, vec![&b""[..], b"a", b"b"]);
        assert_eq!(sl.rank(0.0, b"a"), Some(1));
        let r = ScoreRange::parse(b"0", b"0").unwrap();
        assert_eq!(sl.count_in_range(&r), 3);
        let r = ScoreRange::parse(b"(-0", b"0").unwrap();
        assert_eq!(sl.count_in_range(&r), 0);
        assert!(sl.delete(0.0, b"a"), "-0.0 stored, 0.0 given");
        assert!(sl.delete(-0.0, b"b"));
        assert_eq!(sl.len(), 1);
        sl.check_invariants();
    }

    #[test]
    fn infinite_scores() {
        let mut sl = SkipList::with_seed(3);
        sl.insert(f64::INFINITY, b"top"[..].into());
        sl.insert(f64::NEG_INFINITY, b"bottom"[..].into());
        sl.insert(0.0, b"mid"[..].into());
        let all = ScoreRange::parse(b"-inf", b"+inf").unwrap();
        assert_eq!(sl.count_in_range(&all), 3);
        let open = ScoreRange::parse(b"(-inf", b"(+inf").unwrap();
        assert_eq!(
            (sl.first_in_range(&open), sl.last_in_range(&open)),
            (Some(1), Some(1))
        );
        let top = ScoreRange::parse(b"inf", b"inf").unwrap();
        assert_eq!(sl.first_in_range(&top), Some(2));
        assert!(ScoreRange::parse(b"(inf", b"inf").unwrap().is_empty());
        assert_eq!(sl.rank(f64::NEG_INFINITY, b"bottom"), Some(0));
        assert_eq!(
            sl.update_score(f64::INFINITY, b"top", f64::NEG_INFINITY)
                .map(|_| ()),
            Some(())
        );
        let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
        assert_eq!(order, vec![&b"bottom"[..], b"top", b"mid"]);
        sl.check_invariants();
    }

    #[test]
    fn update_score_in_place_or_moved() {
        let mut sl = SkipList::with_seed(4);
        let ids: Vec<NodeId> = (0..10)
            .map(|i| sl.insert(i as f64, vec![b'a' + i as u8].into()))
            .collect();
        // Stays between neighbours 4 and 6: updated in place.
        assert_eq!(sl.update_score(5.0, b"f", 5.5), Some(ids[5]));
        assert_eq!(sl.get_by_rank(5), Some((&b"f"[..], 5.5)));
        // Equal to a neighbour's score: Redis relinks; order by member then holds.
        assert_eq!(sl.update_score(5.5, b"f", 6.0), Some(ids[5]));
        assert_eq!(sl.rank(6.0, b"f"), Some(5));
        // Moves to the front.
        assert_eq!(sl.update_score(9.0, b"j", -1.0), Some(ids[9]));
        assert_eq!(sl.get_by_rank(0), Some((&b"j"[..], -1.0)));
        assert_eq!(sl.entry(ids[9]), Some((&b"j"[..], -1.0)));
        // Old score no longer matches.
        assert_eq!(sl.update_score(9.0, b"j", 0.0), None);
        sl.check_invariants();
    }

    #[test]
    fn ids_reused_and_stale_entry() {
        let mut sl = SkipList::with_seed(5);
        let a = sl.insert(1.0, b"a"[..].into());
        assert_eq!(sl.remove(1.0, b"a").as_deref(), Some(&b"a"[..]));
        assert_eq!(sl.entry(a), None);
        assert_eq!(sl.entry(NodeId(HEAD)), None);
        assert_eq!(sl.entry(NodeId(12345)), None);
        let b = sl.insert(2.0, b"b"[..].into());
        assert_eq!(a, b, "freed slot reused");
        sl.check_invariants();
    }

    #[test]
    fn range_deletes_with_bounds() {
        let mut sl = SkipList::with_seed(6);
        for i in 0..100 {
            sl.insert(i as f64, format!("m{i:03}").into_bytes().into());
        }
        let mut got = vec![];
        let r = ScoreRange::parse(b"(10", b"20").unwrap();
        assert_eq!(sl.delete_range_by_score(&r, |m| got.push(m.to_vec())), 10);
        assert_eq!(got.first().map(|m| &m[..]), Some(&b"m011"[..]));
        assert_eq!(got.last().map(|m| &m[..]), Some(&b"m020"[..]));
        // Ranks 0..=4 are m000..m004.
        assert_eq!(sl.delete_range_by_rank(0, 4, |_| ()), 5);
        assert_eq!(sl.first(), Some((&b"m005"[..], 5.0)));
        // End beyond the list is clipped.
        assert_eq!(sl.delete_range_by_rank(80, usize::MAX, |_| ()), 5);
        assert_eq!(sl.len(), 80);
        assert_eq!(sl.delete_range_by_rank(10, 9, |_| ()), 0);
        let lex = LexRange::parse(b"[m050", b"(m060").unwrap();
        assert_eq!(sl.delete_range_by_lex(&lex, |_| ()), 10);
        assert_eq!(sl.len(), 70);
        sl.check_invariants();
        assert_eq!(sl.delete_range_by_rank(0, usize::MAX - 1, |_| ()), 70);
        assert!(sl.is_empty());
        sl.check_invariants();
    }

    #[test]
    fn level_distribution() {
        let mut sl = SkipList::with_seed(7);
        let mut hist = [0usize; MAX_LEVEL + 1];
        for _ in 0..100_000 {
            hist[sl.random_level()] += 1;
        }
        // P(1) = 0.75, P(2) = 0.1875, P(3) ~ 0.047.
        assert!((74_000..76_000).contains(&hist[1]), "{hist:?}");
        assert!((18_000..19_500).contains(&hist[2]), "{hist:?}");
        assert!((4_300..5_100).contains(&hist[3]), "{hist:?}");
        assert_eq!(hist[0], 0);
    }

    #[test]
    fn large_list_ranks_and_drop() {
        let n = 200_000u32;
        let mut sl = SkipList::with_seed(8);
        // Inserted in a scrambled order.
        for i in 0..n {
            let k = (u64::from(i) * 7919 % u64::from(n)) as u32;
            sl.insert(f64::from(k / 2), k.to_be_bytes().to_vec().into());
        }
        for k in (0..n).step_by(9973) {
            assert_eq!(
                sl.rank(f64::from(k / 2), &k.to_be_bytes()),
                Some(k as usize)
            );
            assert_eq!(
                sl.get_by_rank(k as usize),
                Some((&k.to_be_bytes()[..], f64::from(k / 2)))
            );
        }
        let r = ScoreRange::parse(b"(1000", b"2000").unwrap();
        assert_eq!(sl.count_in_range(&r), 2000);
        drop(sl);
    }

    /// 10M elements: dropping must not recurse. Slow in debug builds.
    #[test]
    #[ignore]
    fn drop_ten_million() {
        let mut sl = SkipList::with_seed(9);
        for i in 0..10_000_000u32 {
            sl.insert(f64::from(i), i.to_be_bytes().to_vec().into());
        }
        assert_eq!(sl.len(), 10_000_000);
        drop(sl);
    }

    /// Prints bytes per element for 1M members of 14 bytes ("member:0000000").
    #[test]
    #[ignore]
    fn memory_per_element() {
        fn rss() -> usize {
            let s = std::fs::read_to_string("/proc/self/statm").unwrap();
            let pages: usize = s.split_whitespace().nth(1).unwrap().parse().unwrap();
            pages * 4096
        }
        let n = 1_000_000;
        let before = rss();
        let mut sl = SkipList::with_seed(10);
        for i in 0..n {
            sl.insert(i as f64, format!("member:{i:07}").into_bytes().into());
        }
        let after = rss();
        println!(
            "arena {} B/elem (node {} B, level {} B, {} upper links), rss delta {} B/elem",
            sl.arena_bytes() as f64 / n as f64,
            std::mem::size_of::<Node>(),
            std::mem::size_of::<Level>(),
            sl.uppers.len(),
            (after - before) as f64 / n as f64
        );
    }

    // ----- parsing: expected results observed on redis-server 7.0.15 ---------------------

    #[test]
    fn score_range_parse_like_redis() {
        let ok = |a: &[u8], b: &[u8]| ScoreRange::parse(a, b).expect("valid");
        // ZCOUNT z (1 (2 -> 0 with members 1,2,3: both exclusive.
        assert_eq!(
            ok(b"(1", b"(2"),
            ScoreRange {
                min: 1.0,
                max: 2.0,
                minex: true,
                maxex: true
            }
        );
        assert_eq!(
            ok(b"1", b"(3"),
            ScoreRange {
                min: 1.0,
                max: 3.0,
                minex: false,
                maxex: true
            }
        );
        // Accepted by redis: '' (0), '(' (exclusive 0), '( 1', ' 1', 0x1, .5, +1, 0x1p1, 1e400.
        assert_eq!(ok(b"", b"1").min, 0.0);
        assert_eq!(
            ok(b"(", b"3"),
            ScoreRange {
                min: 0.0,
                max: 3.0,
                minex: true,
                maxex: false
            }
        );
        assert_eq!(ok(b"( 1", b"3").min, 1.0);
        assert_eq!(ok(b" 1", b"3").min, 1.0);
        assert_eq!(ok(b"0x1", b"3").min, 1.0);
        assert_eq!(ok(b".5", b"3").min, 0.5);
        assert_eq!(ok(b"+1", b"3").min, 1.0);
        assert_eq!(ok(b"0x1p1", b"3").min, 2.0);
        assert_eq!(ok(b"1e1", b"3").min, 10.0);
        assert_eq!(ok(b"1e400", b"-1e400").min, f64::INFINITY);
        assert_eq!(ok(b"1e400", b"-1e400").max, f64::NEG_INFINITY);
        // inf spellings accepted by strtod.
        assert_eq!(ok(b"-inf", b"+inf").min, f64::NEG_INFINITY);
        assert_eq!(ok(b"-INF", b"inf").max, f64::INFINITY);
        assert_eq!(ok(b"-infinity", b"+Infinity").min, f64::NEG_INFINITY);
        assert_eq!(
            ok(b"1", b"(inf"),
            ScoreRange {
                min: 1.0,
                max: f64::INFINITY,
                minex: false,
                maxex: true
            }
        );
        // C-string semantics: "1\0x" is 1 (ZCOUNT z "1\0x" 3 -> 3 via EVAL).
        assert_eq!(ok(b"1\0x", b"3").min, 1.0);
        // Rejected by redis ("ERR min or max is not a float").
        for (a, b) in [
            (&b"1x"[..], &b"2"[..]),
            (b"1", b"2x"),
            (b"1 ", b"3"),
            (b"nan", b"1"),
            (b"(nan", b"1"),
            (b"1", b"-nan"),
            (b"((1", b"3"),
            (b"1e", b"3"),
            (b"[1", b"3"),
            (b"a", b"3"),
        ] {
            assert_eq!(ScoreRange::parse(a, b), None, "{:?} {:?}", a, b);
        }
    }

    #[test]
    fn score_range_emptiness_and_membership() {
        // Observed: ZCOUNT z (+inf +inf -> 0, -inf (-inf -> 0, 2 1 -> 0, (1 1 -> 0.
        for (a, b) in [
            (&b"(+inf"[..], &b"+inf"[..]),
            (b"-inf", b"(-inf"),
            (b"2", b"1"),
            (b"(1", b"1"),
        ] {
            assert!(ScoreRange::parse(a, b).unwrap().is_empty());
        }
        let r = ScoreRange::parse(b"1", b"1").unwrap();
        assert!(!r.is_empty() && r.contains(1.0) && !r.contains(1.5));
        let r = ScoreRange::parse(b"(1", b"2").unwrap();
        assert!(!r.value_gte_min(1.0) && r.value_gte_min(1.5) && r.value_lte_max(2.0));
        let r = ScoreRange::parse(b"1", b"(2").unwrap();
        assert!(r.value_gte_min(1.0) && !r.value_lte_max(2.0));
    }

    #[test]
    fn lex_range_parse_like_redis() {
        use LexBound::*;
        let ok = |a: &'static [u8], b: &'static [u8]| LexRange::parse(a, b).expect("valid");
        assert_eq!(
            ok(b"[a", b"[b"),
            LexRange {
                min: Inclusive(b"a"),
                max: Inclusive(b"b")
            }
        );
        assert_eq!(ok(b"-", b"+"), LexRange { min: Min, max: Max });
        assert_eq!(
            ok(b"(", b"+"),
            LexRange {
                min: Exclusive(b""),
                max: Max
            }
        );
        assert_eq!(
            ok(b"[", b"(a"),
            LexRange {
                min: Inclusive(b""),
                max: Exclusive(b"a")
            }
        );
        // C-string semantics: "-\0x" is "-" (ZLEXCOUNT via EVAL -> 3).
        assert_eq!(ok(b"-\0x", b"+\0y"), LexRange { min: Min, max: Max });
        // Rejected by redis ("ERR min or max not valid string range item").
        for (a, b) in [
            (&b"a"[..], &b"b"[..]),
            (b"-x", b"+"),
            (b"", b"+"),
            (b"--", b"+"),
            (b"-", b"++"),
            (b"[a", b"b"),
            (b"-", b""),
        ] {
            assert_eq!(LexRange::parse(a, b), None, "{:?} {:?}", a, b);
        }
    }

    #[test]
    fn lex_range_emptiness_like_redis() {
        // Observed on members a,b,c (score 1): "+ -", "- -", "+ +", "(a (a", "[a (a", "[c [a"
        // all count 0; "[a [a" counts 1; "- (a" counts 0; "[ +" counts 3.
        for (a, b) in [
            (&b"+"[..], &b"-"[..]),
            (b"-", b"-"),
            (b"+", b"+"),
            (b"(a", b"(a"),
            (b"[a", b"(a"),
            (b"[c", b"[a"),
            (b"[a", b"-"),
            (b"+", b"[a"),
        ] {
            assert!(LexRange::parse(a, b).unwrap().is_empty(), "{:?} {:?}", a, b);
        }
        let mut sl = SkipList::with_seed(11);
        for m in [b"a", b"b", b"c"] {
            sl.insert(1.0, m[..].into());
        }
        let count = |sl: &SkipList, a: &[u8], b: &[u8]| {
            sl.count_in_lex_range(&LexRange::parse(a, b).unwrap())
        };
        assert_eq!(count(&sl, b"[a", b"[a"), 1);
        assert_eq!(count(&sl, b"-", b"(a"), 0);
        assert_eq!(count(&sl, b"[", b"+"), 3);
        assert_eq!(count(&sl, b"(", b"+"), 3);
        assert_eq!(count(&sl, b"(a", b"+"), 2);
        assert_eq!(count(&sl, b"[b", b"(c"), 1);
        assert_eq!(count(&sl, b"(c", b"+"), 0);
        assert_eq!(count(&sl, b"[c", b"+"), 1);
        assert_eq!(count(&sl, b"[a", b"[b"), 2);
        // With the empty member added: "[ +" counts 4, "( +" counts 3 (observed).
        sl.insert(1.0, b""[..].into());
        assert_eq!(count(&sl, b"[", b"+"), 4);
        assert_eq!(count(&sl, b"(", b"+"), 3);
    }
}
