//! The list type: Redis 7.0's quicklist — a sequence of listpack nodes.
//!
//! Each node is a [`Listpack`] bounded by `list-max-listpack-size` (the list's `fill`): a
//! negative fill caps the node's bytes (-1 = 4 KB, -2 = 8 KB ... -5 = 64 KB), a positive fill
//! caps its entry count (and then 8 KB still caps the bytes). Whether an element joins an end
//! node or starts a new one follows quicklist.c's `_quicklistNodeAllowInsert`, so pushes lay out
//! nodes as Redis does. Redis 7.0 always reports the `quicklist` encoding for lists.
//!
//! Costs: push/pop at either end O(1) (amortised; a node is at most a few KB), index access
//! walks nodes from the nearer end then seeks inside one node, ranges iterate in order.
//!
//! API: [`List::push`], [`List::pop`], [`List::get`], [`List::set`], [`List::insert_at`],
//! [`List::range`]/[`List::iter`], [`List::remove_range`], [`List::remove_matching`],
//! [`List::nodes`] (each node's listpack bytes, for the RDB quicklist2 encoding) and
//! [`List::from_nodes`]. Callers: `cmd::list`, and `persistence::rdb`.

use super::listpack::{self, Listpack, LpEntry, OwnedEntry, Where};
use std::collections::VecDeque;

/// Which end of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    Head,
    Tail,
}

/// Byte cap per node for fill -1..-5 (quicklist.c `optimization_level`).
const OPTIMIZATION_LEVEL: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// Byte cap that always applies to count-limited nodes (`SIZE_SAFETY_LIMIT`).
const SIZE_SAFETY_LIMIT: usize = 8192;
/// Largest positive fill (`FILL_MAX`).
const FILL_MAX: i64 = (1 << 15) - 1;

/// One quicklist node: a listpack. Its element count is the listpack header's (a node never
/// reaches the header's 65535 limit under the fill rules), so a node is just the 24-byte buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Node {
    lp: Listpack,
}

impl Node {
    fn new() -> Self {
        Node {
            lp: Listpack::new(),
        }
    }

    #[inline]
    fn count(&self) -> usize {
        self.lp.len()
    }
}

/// A list value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    nodes: VecDeque<Node>,
    len: usize,
    fill: i32,
}

impl Default for List {
    fn default() -> Self {
        List::new(-2)
    }
}

/// Redis 7.0's fixed estimate of what one entry adds to a listpack (`SIZE_ESTIMATE_OVERHEAD`):
/// an overestimate, so a node stops a few bytes short of its size limit.
const SIZE_ESTIMATE_OVERHEAD: usize = 8;

/// `_quicklistNodeAllowInsert`: may an element of `sz` bytes join this node?
/// (`quicklistNodeExceedsLimit` with the node's size plus `sz` plus the estimate.)
fn allow_insert(node: &Node, fill: i32, sz: usize) -> bool {
    let new_sz = node.lp.bytes_len() + sz + SIZE_ESTIMATE_OVERHEAD;
    if fill < 0 {
        let offset = ((-fill - 1) as usize).min(OPTIMIZATION_LEVEL.len() - 1);
        return new_sz <= OPTIMIZATION_LEVEL[offset];
    }
    new_sz <= SIZE_SAFETY_LIMIT && node.count() < (fill.max(1) as usize)
}

/// jemalloc's size class for an allocation of `n` bytes (what `zmalloc_size` reports).
pub fn malloc_size(n: usize) -> usize {
    if n <= 8 {
        8
    } else if n <= 128 {
        (n + 15) & !15
    } else {
        let step = n.next_power_of_two() / 8;
        n.div_ceil(step) * step
    }
}

impl List {
    /// An empty list whose nodes follow `list-max-listpack-size = fill`
    /// (`quicklistSetFill` clamps it to -5..=32767).
    pub fn new(fill: i64) -> Self {
        List {
            nodes: VecDeque::new(),
            len: 0,
            fill: fill.clamp(-5, FILL_MAX) as i32,
        }
    }

    /// A list made of the given listpack nodes (RDB quicklist2 load); empty nodes are dropped.
    pub fn from_nodes(nodes: Vec<Listpack>, fill: i64) -> Self {
        let mut l = List::new(fill);
        for lp in nodes {
            let count = lp.len();
            if count > 0 {
                l.len += count;
                l.nodes.push_back(Node { lp });
            }
        }
        l
    }

    /// The name `OBJECT ENCODING` replies with (Redis 7.0 has no other list encoding).
    pub fn encoding(&self) -> &'static str {
        "quicklist"
    }

    /// Each node's listpack, head to tail (the RDB quicklist2 payload, one blob per node).
    pub fn nodes(&self) -> impl Iterator<Item = &Listpack> {
        self.nodes.iter().map(|n| &n.lp)
    }

    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Heap bytes as Redis's `objectComputeSize` counts them: the object and quicklist
    /// headers, then per node its header and the listpack's allocation.
    pub fn heap_size(&self) -> usize {
        let nodes: usize = self
            .nodes
            .iter()
            .map(|n| 32 + malloc_size(n.lp.bytes_len()))
            .sum();
        16 + 40 + nodes
    }

    /// Number of elements.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `value` at `end` (`quicklistPush`).
    pub fn push(&mut self, value: &[u8], end: End) {
        let fill = self.fill;
        let fits = match end {
            End::Head => self.nodes.front(),
            End::Tail => self.nodes.back(),
        }
        .is_some_and(|n| allow_insert(n, fill, value.len()));
        if !fits {
            // A list growing past a full node will most likely fill the next one too: size it
            // like its neighbour up front rather than reallocating it through every
            // allocation class on the way (which leaves a trail of freed pages behind).
            let node = match end {
                End::Head => self.nodes.front(),
                End::Tail => self.nodes.back(),
            }
            .map_or_else(Node::new, |n| Node {
                lp: Listpack::with_capacity(n.lp.bytes_len()),
            });
            match end {
                End::Head => self.nodes.push_front(node),
                End::Tail => self.nodes.push_back(node),
            }
        }
        let node = match end {
            End::Head => self.nodes.front_mut(),
            End::Tail => self.nodes.back_mut(),
        }
        .expect("a node exists");
        match end {
            End::Head => node.lp.push_front(value),
            End::Tail => node.lp.push_back(value),
        };
        self.len += 1;
    }

    /// Removes and returns the element at `end`.
    pub fn pop(&mut self, end: End) -> Option<Vec<u8>> {
        let ni = match end {
            End::Head => 0,
            End::Tail => self.nodes.len().checked_sub(1)?,
        };
        let node = self.nodes.get_mut(ni)?;
        let pos = match end {
            End::Head => node.lp.first()?,
            End::Tail => node.lp.last()?,
        };
        let v = node.lp.get(pos).to_bytes();
        node.lp.delete(pos);
        if node.count() == 0 {
            self.nodes.remove(ni);
        }
        self.len -= 1;
        Some(v)
    }

    /// Normalises a possibly negative index; `None` when out of range.
    fn norm(&self, index: i64) -> Option<usize> {
        let len = self.len as i64;
        let i = if index < 0 { index + len } else { index };
        (0..len).contains(&i).then_some(i as usize)
    }

    /// (node index, offset in node) of element `i` (< len), walking from the nearer end.
    fn locate(&self, i: usize) -> (usize, usize) {
        if i < self.len / 2 {
            let mut acc = 0;
            for (ni, n) in self.nodes.iter().enumerate() {
                if i < acc + n.count() {
                    return (ni, i - acc);
                }
                acc += n.count();
            }
        } else {
            let mut acc = self.len;
            for (ni, n) in self.nodes.iter().enumerate().rev() {
                acc -= n.count();
                if i >= acc {
                    return (ni, i - acc);
                }
            }
        }
        unreachable!("index checked against len")
    }

    /// The element at `index` (negative from the tail).
    pub fn get(&self, index: i64) -> Option<OwnedEntry> {
        let i = self.norm(index)?;
        let (ni, off) = self.locate(i);
        let lp = &self.nodes[ni].lp;
        Some(lp.get(lp.seek(off as i64)?).to_owned_entry())
    }

    /// Replaces the element at `index`; false when out of range (`quicklistReplaceAtIndex`).
    pub fn set(&mut self, index: i64, value: &[u8]) -> bool {
        let Some(i) = self.norm(index) else {
            return false;
        };
        let (ni, off) = self.locate(i);
        let node = &mut self.nodes[ni];
        let Some(pos) = node.lp.seek(off as i64) else {
            return false;
        };
        node.lp.replace(pos, value);
        self.split_if_oversized(ni);
        true
    }

    /// Inserts `value` before (`after = false`) or after element `i` (< len).
    pub fn insert_at(&mut self, i: usize, after: bool, value: &[u8]) {
        let (ni, off) = self.locate(i);
        let node = &mut self.nodes[ni];
        let pos = node.lp.seek(off as i64).expect("located");
        let place = if after { Where::After } else { Where::Before };
        node.lp.insert(pos, place, value);
        self.len += 1;
        self.split_if_oversized(ni);
    }

    /// Splits node `ni` in two when it outgrew the fill limits (after a middle insert or a
    /// replacement), keeping every node within the bounds pushes respect.
    fn split_if_oversized(&mut self, ni: usize) {
        let node = &self.nodes[ni];
        if node.count() < 2 || !self.oversized(node) {
            return;
        }
        let half = node.count() / 2;
        let mut right = Listpack::new();
        for e in node.lp.iter().skip(half) {
            right.push_entry(e);
        }
        let rcount = node.count() - half;
        let node = &mut self.nodes[ni];
        node.lp.delete_range(half as i64, rcount);
        self.nodes.insert(ni + 1, Node { lp: right });
        self.split_if_oversized(ni + 1);
        self.split_if_oversized(ni);
    }

    fn oversized(&self, n: &Node) -> bool {
        let sz = n.lp.bytes_len();
        if self.fill < 0 {
            sz > OPTIMIZATION_LEVEL[(-self.fill - 1) as usize]
        } else {
            sz > SIZE_SAFETY_LIMIT || n.count() as i64 > self.fill as i64
        }
    }

    /// Elements `start..=end` (already clamped to the list) from head to tail.
    pub fn range(&self, start: usize, end: usize) -> RangeIter<'_> {
        let (ni, off) = if start < self.len {
            self.locate(start)
        } else {
            (self.nodes.len(), 0)
        };
        let node = self.nodes.get(ni);
        let pos = node.and_then(|n| n.lp.seek(off as i64));
        let left = if start <= end && start < self.len {
            end.min(self.len - 1) - start + 1
        } else {
            0
        };
        RangeIter {
            list: self,
            node: ni,
            buf: node.map_or(&[], |n| n.lp.as_bytes()),
            pos: pos.unwrap_or(0),
            left: if pos.is_some() { left } else { 0 },
        }
    }

    /// Every element from head to tail.
    pub fn iter(&self) -> RangeIter<'_> {
        self.range(0, self.len.saturating_sub(1))
    }

    /// Every element from tail to head.
    pub fn iter_rev(&self) -> impl Iterator<Item = LpEntry<'_>> {
        self.nodes.iter().rev().flat_map(|n| n.lp.iter_rev())
    }

    /// Removes `count` elements starting at element `start` (`quicklistDelRange`).
    pub fn remove_range(&mut self, start: usize, count: usize) {
        let mut left = count.min(self.len.saturating_sub(start));
        if left == 0 {
            return;
        }
        let (mut ni, mut off) = self.locate(start);
        while left > 0 && ni < self.nodes.len() {
            let node = &mut self.nodes[ni];
            let take = left.min(node.count() - off);
            if off == 0 && take == node.count() {
                self.nodes.remove(ni);
            } else {
                node.lp.delete_range(off as i64, take);
                ni += 1;
            }
            self.len -= take;
            left -= take;
            off = 0;
        }
    }

    /// LREM: removes up to `limit` elements equal to `value` (0 = all), scanning from the head
    /// (`from_tail = false`) or the tail. Returns how many were removed.
    pub fn remove_matching(&mut self, value: &[u8], limit: usize, from_tail: bool) -> usize {
        let mut removed = 0;
        let order: Vec<usize> = if from_tail {
            (0..self.nodes.len()).rev().collect()
        } else {
            (0..self.nodes.len()).collect()
        };
        for ni in order {
            if limit != 0 && removed >= limit {
                break;
            }
            let node = &mut self.nodes[ni];
            let mut pos = if from_tail {
                node.lp.last()
            } else {
                node.lp.first()
            };
            while let Some(p) = pos {
                if limit != 0 && removed >= limit {
                    break;
                }
                if node.lp.get(p).eq_bytes(value) {
                    let next = node.lp.delete(p);
                    removed += 1;
                    pos = if from_tail {
                        // The element before the deleted one keeps its offset.
                        match next {
                            Some(n) => node.lp.prev(n),
                            None => node.lp.last(),
                        }
                    } else {
                        next
                    };
                } else {
                    pos = if from_tail {
                        node.lp.prev(p)
                    } else {
                        node.lp.next(p)
                    };
                }
            }
        }
        self.nodes.retain(|n| n.count() > 0);
        self.len -= removed;
        removed
    }
}

/// Iterator over a range of a [`List`]: walks each node's listpack bytes forward, decoding
/// every entry once.
pub struct RangeIter<'a> {
    list: &'a List,
    node: usize,
    /// The current node's listpack.
    buf: &'a [u8],
    /// Position of the next entry in `buf` (meaningful while `left > 0`).
    pos: usize,
    left: usize,
}

impl<'a> Iterator for RangeIter<'a> {
    type Item = LpEntry<'a>;
    #[inline]
    fn next(&mut self) -> Option<LpEntry<'a>> {
        if self.left == 0 {
            return None;
        }
        let (e, next) = listpack::entry_and_next(self.buf, self.pos);
        self.left -= 1;
        match next {
            Some(p) => self.pos = p,
            None if self.left > 0 => {
                self.node += 1;
                match self.list.nodes.get(self.node).and_then(|n| {
                    let lp = &n.lp;
                    lp.first().map(|p| (lp.as_bytes(), p))
                }) {
                    Some((buf, p)) => (self.buf, self.pos) = (buf, p),
                    None => self.left = 0,
                }
            }
            None => {}
        }
        Some(e)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    fn all(l: &List) -> Vec<Vec<u8>> {
        l.iter().map(|e| e.to_bytes()).collect()
    }

    fn check(l: &List, model: &VecDeque<Vec<u8>>) {
        assert_eq!(l.len(), model.len());
        let v: Vec<Vec<u8>> = model.iter().cloned().collect();
        assert_eq!(all(l), v);
        let mut rev: Vec<Vec<u8>> = l.iter_rev().map(|e| e.to_bytes()).collect();
        rev.reverse();
        assert_eq!(rev, v);
        let mut total = 0;
        for n in &l.nodes {
            assert!(n.count() > 0, "no empty nodes");
            assert_eq!(n.lp.len(), n.count());
            total += n.count();
        }
        assert_eq!(total, l.len());
    }

    #[test]
    fn push_pop_both_ends() {
        let mut l = List::new(-2);
        l.push(b"b", End::Head);
        l.push(b"a", End::Head);
        l.push(b"1", End::Tail);
        assert_eq!(all(&l), vec![b"a".to_vec(), b"b".to_vec(), b"1".to_vec()]);
        assert_eq!(l.pop(End::Tail).unwrap(), b"1");
        assert_eq!(l.pop(End::Head).unwrap(), b"a");
        assert_eq!(l.pop(End::Head).unwrap(), b"b");
        assert!(l.pop(End::Head).is_none());
        assert_eq!(l.node_count(), 0);
    }

    #[test]
    fn nodes_respect_the_fill() {
        // 8 KB nodes: 1000 elements of 100 bytes need several nodes, each under 8 KB.
        let mut l = List::new(-2);
        for _ in 0..1000 {
            l.push(&[b'x'; 100], End::Tail);
        }
        assert!(l.node_count() > 10);
        assert!(l.nodes().all(|lp| lp.bytes_len() <= 8192));
        // Count-limited nodes.
        let mut l = List::new(3);
        for i in 0..10 {
            l.push(i.to_string().as_bytes(), End::Tail);
        }
        assert_eq!(l.node_count(), 4);
        // Fill is clamped like quicklistSetFill.
        assert_eq!(List::new(-100).fill, -5);
        assert_eq!(List::new(1 << 20).fill, 32767);
    }

    #[test]
    fn heap_size_matches_redis_for_a_small_list() {
        // Redis 7.0.15: RPUSH l a b; MEMORY USAGE l = 144 = 104 (value) + 40 (key, dict entry).
        let mut l = List::new(-2);
        l.push(b"a", End::Tail);
        l.push(b"b", End::Tail);
        assert_eq!(l.heap_size(), 104);
        assert_eq!(malloc_size(13), 16);
        assert_eq!(malloc_size(129), 160);
        assert_eq!(malloc_size(8193), 10240);
    }

    #[test]
    fn random_operations_match_a_model() {
        for fill in [-2i64, -1, 1, 2, 5, 0] {
            let mut rng = SmallRng::seed_from_u64((fill + 99) as u64);
            let mut l = List::new(fill);
            let mut m: VecDeque<Vec<u8>> = VecDeque::new();
            for step in 0..3000 {
                let v: Vec<u8> = match rng.gen_range(0..4) {
                    0 => rng.gen_range(-1000i64..1000).to_string().into_bytes(),
                    1 => vec![b'a' + rng.gen_range(0..3u8); rng.gen_range(0..3)],
                    2 => vec![b'z'; rng.gen_range(0..300)],
                    _ => vec![b'q'; rng.gen_range(0..3000)],
                };
                match rng.gen_range(0..10) {
                    0 | 1 => {
                        l.push(&v, End::Head);
                        m.push_front(v);
                    }
                    2 | 3 => {
                        l.push(&v, End::Tail);
                        m.push_back(v);
                    }
                    4 => assert_eq!(l.pop(End::Head), m.pop_front()),
                    5 => assert_eq!(l.pop(End::Tail), m.pop_back()),
                    6 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        let after = rng.gen_bool(0.5);
                        l.insert_at(i, after, &v);
                        m.insert(if after { i + 1 } else { i }, v);
                    }
                    7 if !m.is_empty() => {
                        let i = rng.gen_range(0..m.len());
                        assert!(l.set(i as i64 - m.len() as i64, &v));
                        m[i] = v;
                    }
                    8 if !m.is_empty() => {
                        let s = rng.gen_range(0..m.len());
                        let c = rng.gen_range(0..5);
                        l.remove_range(s, c);
                        for _ in 0..c.min(m.len() - s) {
                            m.remove(s);
                        }
                    }
                    9 => {
                        let lim = rng.gen_range(0..3);
                        let tail = rng.gen_bool(0.5);
                        let n = l.remove_matching(&v, lim, tail);
                        let mut removed = 0;
                        if tail {
                            let mut i = m.len();
                            while i > 0 && (lim == 0 || removed < lim) {
                                i -= 1;
                                if m[i] == v {
                                    m.remove(i);
                                    removed += 1;
                                }
                            }
                        } else {
                            let mut i = 0;
                            while i < m.len() && (lim == 0 || removed < lim) {
                                if m[i] == v {
                                    m.remove(i);
                                    removed += 1;
                                } else {
                                    i += 1;
                                }
                            }
                        }
                        assert_eq!(n, removed, "step {step}");
                    }
                    _ => {}
                }
                if step % 97 == 0 {
                    check(&l, &m);
                    if !m.is_empty() {
                        let i = rng.gen_range(0..m.len());
                        assert_eq!(l.get(i as i64).unwrap().as_entry().to_bytes(), m[i]);
                        let s = rng.gen_range(0..m.len());
                        let e = rng.gen_range(s..m.len() + 3);
                        let got: Vec<Vec<u8>> = l.range(s, e).map(|x| x.to_bytes()).collect();
                        let want: Vec<Vec<u8>> =
                            m.iter().skip(s).take(e - s + 1).cloned().collect();
                        assert_eq!(got, want);
                    }
                }
            }
            check(&l, &m);
        }
    }
}
