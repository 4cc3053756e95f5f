//! The nodes of a stream keyed by master ID, in ID order: what Redis keeps in the stream's rax.
//!
//! A sorted deque of `(master, node)` rather than a search tree: streams grow at the back and
//! are trimmed from the front, both O(1) here, and lookups are binary searches. Removing a
//! node in the middle (XDEL emptying it) shifts the shorter side.
//!
//! Memory. A node holds up to `stream-node-max-entries` (100) entries of a few bytes each,
//! about 1.4 KB, so what surrounds it counts: a B-tree filled in order leaves its leaves about
//! half empty (~100 bytes per node), where each pair here is 40 bytes (the deque's spare
//! capacity stays untouched). And a listpack in its own allocation takes the whole allocator
//! size class (1536 bytes for 1.4 KB). So only the tail, which grows, owns its listpack; a node
//! that closes is copied byte for byte, back to back with the previous ones, into a chunk of up
//! to [`CHUNK_BYTES`], where it is read in place. A chunk is freed when its last node goes
//! (trimming frees them in order). A packed node changed (XDEL, XTRIM marking entries
//! deleted) is changed in a copy, written back if its size is unchanged, which is the rule:
//! otherwise it takes its own allocation again.

use super::StreamId;
use crate::types::listpack::Listpack;
use std::collections::VecDeque;

/// Largest chunk of packed nodes.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// Nodes larger than this keep their own allocation.
const PACK_MAX: usize = CHUNK_BYTES / 8;
/// Chunks smaller than this are never evacuated for being sparse (a short stream's chunk).
const SPARSE_MIN: usize = 8 * 1024;

#[derive(Debug, Clone)]
enum Node {
    /// Its own listpack: the tail, and nodes too big to pack or changed in size.
    Own(Listpack),
    /// `len` bytes at `off` in the chunk whose id is `chunk`.
    Packed { chunk: u64, off: u32, len: u32 },
}

#[derive(Debug, Clone, Default)]
struct Chunk {
    bytes: Vec<u8>,
    /// Packed nodes stored here; the bytes are freed when it drops to 0.
    live: u32,
    /// Their bytes: a chunk mostly made of removed nodes gives its survivors their own
    /// listpacks and goes (see [`NodeIndex::release`]).
    live_bytes: usize,
}

/// See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct NodeIndex {
    nodes: VecDeque<(StreamId, Node)>,
    chunks: VecDeque<Chunk>,
    /// The id of `chunks[0]`; ids grow by one per chunk.
    first_chunk: u64,
}

/// A node as read: its master ID and its listpack's bytes (wherever they live).
pub type NodeRef<'a> = (StreamId, &'a [u8]);

impl NodeIndex {
    pub fn new() -> Self {
        NodeIndex::default()
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn chunk_index(&self, chunk: u64) -> usize {
        (chunk - self.first_chunk) as usize
    }

    fn bytes_of<'a>(&'a self, node: &'a Node) -> &'a [u8] {
        match node {
            Node::Own(lp) => lp.as_bytes(),
            &Node::Packed { chunk, off, len } => {
                let c = &self.chunks[self.chunk_index(chunk)];
                &c.bytes[off as usize..off as usize + len as usize]
            }
        }
    }

    fn read<'a>(&'a self, (id, node): &'a (StreamId, Node)) -> NodeRef<'a> {
        (*id, self.bytes_of(node))
    }

    /// The nodes in master ID order (the listpack bytes are what the RDB stores).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = NodeRef<'_>> + ExactSizeIterator {
        self.nodes.iter().map(|n| self.read(n))
    }

    /// The master IDs in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &StreamId> + ExactSizeIterator {
        self.nodes.iter().map(|(id, _)| id)
    }

    pub fn first(&self) -> Option<NodeRef<'_>> {
        self.nodes.front().map(|n| self.read(n))
    }

    pub fn last(&self) -> Option<NodeRef<'_>> {
        self.nodes.back().map(|n| self.read(n))
    }

    /// The last node's listpack, to append to (it then owns its listpack again if needed).
    pub fn last_mut(&mut self) -> Option<&mut Listpack> {
        let i = self.nodes.len().checked_sub(1)?;
        self.unpack(i);
        match &mut self.nodes[i].1 {
            Node::Own(lp) => Some(lp),
            Node::Packed { .. } => unreachable!("unpacked above"),
        }
    }

    /// Index of the first node whose master is greater than `id`.
    fn upper(&self, id: StreamId) -> usize {
        self.nodes.partition_point(|(m, _)| *m <= id)
    }

    fn find(&self, master: StreamId) -> Option<usize> {
        let i = self.upper(master).checked_sub(1)?;
        (self.nodes[i].0 == master).then_some(i)
    }

    /// The node that would hold `id`: the last one whose master is `<= id`.
    pub fn floor(&self, id: StreamId) -> Option<NodeRef<'_>> {
        let i = self.upper(id).checked_sub(1)?;
        self.nodes.get(i).map(|n| self.read(n))
    }

    /// The nodes that may hold entries in `start..=end`: the one holding `start` (whose
    /// master may be below it), then every node whose master is at most `end`.
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
    ) -> impl DoubleEndedIterator<Item = NodeRef<'_>> {
        let lo = self.upper(start).saturating_sub(1);
        let hi = self.upper(end).max(lo);
        self.nodes.range(lo..hi).map(|n| self.read(n))
    }

    pub fn get(&self, master: StreamId) -> Option<&[u8]> {
        self.find(master).map(|i| self.read(&self.nodes[i]).1)
    }

    /// Runs `f` on the node with this master; a packed node is written back in place when
    /// `f` leaves its size unchanged.
    pub fn update<R>(&mut self, master: StreamId, f: impl FnOnce(&mut Listpack) -> R) -> Option<R> {
        let i = self.find(master)?;
        let (chunk, off, len) = match &mut self.nodes[i].1 {
            Node::Own(lp) => return Some(f(lp)),
            &mut Node::Packed { chunk, off, len } => (chunk, off as usize, len as usize),
        };
        let ci = self.chunk_index(chunk);
        let slot = off..off + len;
        let mut lp = Listpack::from_trusted(self.chunks[ci].bytes[slot.clone()].to_vec());
        let r = f(&mut lp);
        if lp.bytes_len() == len {
            self.chunks[ci].bytes[slot].copy_from_slice(lp.as_bytes());
        } else {
            self.nodes[i].1 = Node::Own(lp);
            self.release(chunk, len as u32);
        }
        Some(r)
    }

    /// Adds a node. Appending (its master is the greatest, as XADD and RDB loading add them)
    /// packs the previous last node. An existing node with the same master is replaced and
    /// true returned.
    pub fn insert(&mut self, master: StreamId, lp: Listpack) -> bool {
        if self.nodes.back().is_none_or(|(m, _)| *m < master) {
            self.nodes.push_back((master, Node::Own(lp)));
            if self.nodes.len() > 1 {
                self.pack(self.nodes.len() - 2);
            }
            return false;
        }
        if let Some(i) = self.find(master) {
            let old = std::mem::replace(&mut self.nodes[i].1, Node::Own(lp));
            self.drop_node(old);
            return true;
        }
        let i = self.upper(master);
        self.nodes.insert(i, (master, Node::Own(lp)));
        false
    }

    /// Removes the node with this master (O(1) at either end); false if there is none.
    pub fn remove(&mut self, master: StreamId) -> bool {
        let Some(i) = self.find(master) else {
            return false;
        };
        let (_, node) = self.nodes.remove(i).expect("found");
        self.drop_node(node);
        self.shrink();
        true
    }

    /// Removes the first node; returns its master.
    pub fn pop_first(&mut self) -> Option<StreamId> {
        let (id, node) = self.nodes.pop_front()?;
        self.drop_node(node);
        self.shrink();
        Some(id)
    }

    /// Keeps the nodes whose master passes `f`.
    pub fn retain(&mut self, mut f: impl FnMut(StreamId) -> bool) {
        let mut kept = VecDeque::with_capacity(self.nodes.len());
        for (id, node) in std::mem::take(&mut self.nodes) {
            if f(id) {
                kept.push_back((id, node));
            } else {
                self.drop_node(node);
            }
        }
        self.nodes = kept;
        self.shrink();
    }

    /// Copies node `i`'s listpack to the end of the last chunk (or a new one).
    fn pack(&mut self, i: usize) {
        let Node::Own(lp) = &mut self.nodes[i].1 else {
            return;
        };
        let len = lp.bytes_len();
        if len > PACK_MAX {
            lp.shrink_to_fit();
            return;
        }
        let fits = self.chunks.back().is_some_and(|c| {
            c.live > 0 && c.bytes.len() + len <= CHUNK_BYTES.max(c.bytes.capacity())
        });
        if !fits {
            // A stream that filled a chunk will most likely fill the next one: size it
            // alike rather than growing it again.
            let cap = self
                .chunks
                .back()
                .map_or(len, |c| c.bytes.capacity().max(len));
            self.chunks.push_back(Chunk {
                bytes: Vec::with_capacity(cap),
                live: 0,
                live_bytes: 0,
            });
        }
        let chunk = self.first_chunk + self.chunks.len() as u64 - 1;
        let c = self.chunks.back_mut().expect("pushed above");
        let need = c.bytes.len() + len;
        if need > c.bytes.capacity() {
            // Doubling up to the chunk size: a short stream's chunk stays small.
            let cap = (c.bytes.capacity() * 2).clamp(need, CHUNK_BYTES.max(need));
            c.bytes.reserve_exact(cap - c.bytes.len());
        }
        let off = c.bytes.len() as u32;
        c.bytes.extend_from_slice(lp.as_bytes());
        c.live += 1;
        c.live_bytes += len;
        self.nodes[i].1 = Node::Packed {
            chunk,
            off,
            len: len as u32,
        };
    }

    /// Gives node `i` its own listpack again.
    fn unpack(&mut self, i: usize) {
        if let Node::Packed { chunk, len, .. } = self.nodes[i].1 {
            let lp = Listpack::from_trusted(self.bytes_of(&self.nodes[i].1).to_vec());
            self.nodes[i].1 = Node::Own(lp);
            self.release(chunk, len);
        }
    }

    fn drop_node(&mut self, node: Node) {
        if let Node::Packed { chunk, len, .. } = node {
            self.release(chunk, len);
        }
    }

    /// A node of `len` bytes no longer lives in `chunk` (the caller already changed or removed
    /// it): free the chunk when it was its last one. A chunk whose live nodes fill under a
    /// quarter of it gives them their own listpacks and goes, so removals in the middle (XDEL
    /// emptying nodes) cannot pin a chunk for one small survivor.
    fn release(&mut self, chunk: u64, len: u32) {
        let ci = self.chunk_index(chunk);
        let c = &mut self.chunks[ci];
        c.live -= 1;
        c.live_bytes -= len as usize;
        if c.live > 0 && c.bytes.len() >= SPARSE_MIN && c.live_bytes * 4 < c.bytes.len() {
            self.evacuate(chunk);
        }
        let c = &mut self.chunks[ci];
        if c.live == 0 {
            c.bytes = Vec::new();
        }
        while self.chunks.front().is_some_and(|c| c.live == 0) {
            self.chunks.pop_front();
            self.first_chunk += 1;
        }
    }

    /// Moves every node still packed in `chunk` to its own listpack and empties the chunk.
    /// One scan of the index, at most once per chunk: a chunk is never refilled.
    fn evacuate(&mut self, chunk: u64) {
        let ci = self.chunk_index(chunk);
        for i in 0..self.nodes.len() {
            if let Node::Packed { chunk: c, off, len } = self.nodes[i].1 {
                if c == chunk {
                    let (off, len) = (off as usize, len as usize);
                    let bytes = self.chunks[ci].bytes[off..off + len].to_vec();
                    self.nodes[i].1 = Node::Own(Listpack::from_trusted(bytes));
                }
            }
        }
        let c = &mut self.chunks[ci];
        c.live = 0;
        c.live_bytes = 0;
    }

    /// Gives back the room of a stream trimmed to a quarter of its peak.
    fn shrink(&mut self) {
        let (len, cap) = (self.nodes.len(), self.nodes.capacity());
        if cap > 64 && len < cap / 4 {
            self.nodes.shrink_to(len * 2);
        }
    }

    /// Heap bytes: the index, the chunks and the listpacks owned by their nodes.
    pub fn heap_size(&self) -> usize {
        let own: usize = self
            .nodes
            .iter()
            .map(|(_, n)| match n {
                Node::Own(lp) => crate::types::list::malloc_size(lp.bytes_len()),
                Node::Packed { .. } => 0,
            })
            .sum();
        let chunks: usize = self.chunks.iter().map(|c| c.bytes.capacity()).sum();
        self.nodes.capacity() * std::mem::size_of::<(StreamId, Node)>()
            + self.chunks.capacity() * std::mem::size_of::<Chunk>()
            + chunks
            + own
    }

    /// How many nodes are packed and how many chunks hold them (for tests).
    #[cfg(test)]
    fn packing(&self) -> (usize, usize) {
        let packed = self
            .nodes
            .iter()
            .filter(|(_, n)| matches!(n, Node::Packed { .. }))
            .count();
        (packed, self.chunks.iter().filter(|c| c.live > 0).count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ms: u64) -> StreamId {
        StreamId::new(ms, 0)
    }

    /// A listpack of `n` integers: a node whose bytes tell it apart.
    fn lp(n: i64) -> Listpack {
        let mut lp = Listpack::new();
        for i in 0..n.clamp(1, 2000) {
            lp.push_int(n * 1000 + i);
        }
        lp
    }

    /// The element count of a node's bytes.
    fn count(bytes: &[u8]) -> usize {
        Listpack::from_bytes(bytes.to_vec()).unwrap().len()
    }

    fn masters(ix: &NodeIndex) -> Vec<u64> {
        ix.keys().map(|k| k.ms).collect()
    }

    /// Every node reads back as the listpack it was given (`lp(master.ms)`), in order.
    fn check(ix: &NodeIndex) {
        for (m, bytes) in ix.iter() {
            assert_eq!(bytes, lp(m.ms as i64).as_bytes(), "node {}", m.ms);
        }
        let keys = masters(ix);
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "{keys:?}");
    }

    #[test]
    fn keeps_order_and_finds_nodes() {
        let mut ix = NodeIndex::new();
        for ms in [10, 20, 30, 40, 50] {
            assert!(!ix.insert(id(ms), lp(ms as i64)));
        }
        // Out of order (as a hand-made RDB may list them) and a replaced master.
        assert!(!ix.insert(id(25), lp(25)));
        assert!(!ix.insert(id(5), lp(5)));
        assert!(ix.insert(id(30), lp(30)));
        assert_eq!(masters(&ix), vec![5, 10, 20, 25, 30, 40, 50]);
        check(&ix);
        assert_eq!(ix.len(), 7);
        assert_eq!(ix.get(id(30)), Some(lp(30).as_bytes()));
        assert!(ix.get(id(31)).is_none());
        // The node holding an ID is the last one whose master is not above it.
        let floor = |ix: &NodeIndex, i| ix.floor(i).map(|(m, _)| m.ms);
        assert_eq!(floor(&ix, id(29)), Some(25));
        assert_eq!(floor(&ix, id(30)), Some(30));
        assert_eq!(floor(&ix, StreamId::new(30, 9)), Some(30));
        assert_eq!(floor(&ix, id(4)), None);
        assert_eq!(floor(&ix, StreamId::MAX), Some(50));
        let range = |a, b| {
            ix.range(id(a), id(b))
                .map(|(m, _)| m.ms)
                .collect::<Vec<_>>()
        };
        assert_eq!(range(22, 40), vec![20, 25, 30, 40]);
        assert_eq!(range(20, 20), vec![20]);
        assert_eq!(range(0, 7), vec![5]);
        assert_eq!(range(0, 4), Vec::<u64>::new());
        assert_eq!(range(60, 70), vec![50]);
        let rev: Vec<u64> = ix.range(id(22), id(40)).rev().map(|(m, _)| m.ms).collect();
        assert_eq!(rev, vec![40, 30, 25, 20]);
        // Removal at the front, the back and in the middle.
        assert_eq!(ix.pop_first(), Some(id(5)));
        assert!(ix.remove(id(50)));
        assert!(ix.remove(id(25)));
        assert!(!ix.remove(id(25)));
        assert_eq!(masters(&ix), vec![10, 20, 30, 40]);
        check(&ix);
        assert_eq!(ix.first().map(|(m, _)| m.ms), Some(10));
        assert_eq!(ix.last().map(|(m, _)| m.ms), Some(40));
        ix.retain(|m| m.ms != 20);
        assert_eq!(masters(&ix), vec![10, 30, 40]);
        check(&ix);
        // The tail was packed when 50 came, removed since: appending to it unpacks it.
        ix.last_mut().unwrap().push_int(7);
        assert_eq!(count(ix.get(id(40)).unwrap()), lp(40).len() + 1);
        while ix.pop_first().is_some() {}
        assert!(ix.is_empty() && ix.first().is_none() && ix.floor(StreamId::MAX).is_none());
        assert_eq!(ix.packing(), (0, 0));
    }

    #[test]
    fn closed_nodes_are_packed_and_chunks_freed_in_order() {
        let mut ix = NodeIndex::new();
        for ms in 1..=1000 {
            ix.insert(id(ms), lp(100));
        }
        // Every node but the tail is packed, ~500 bytes each, into chunks of up to 64 KB.
        let (packed, chunks) = ix.packing();
        assert_eq!(packed, 999);
        let per_chunk = CHUNK_BYTES / lp(100).bytes_len();
        assert_eq!(chunks, 999usize.div_ceil(per_chunk));
        let heap = ix.heap_size();
        let exact = 1000 * (lp(100).bytes_len() + 40);
        assert!(heap < exact * 11 / 10, "{heap} for {exact}");
        for (_, l) in ix.iter() {
            assert_eq!(l, lp(100).as_bytes());
        }
        // Trimming from the front frees the chunks it empties, and only those.
        for _ in 0..per_chunk + 1 {
            ix.pop_first();
        }
        assert_eq!(ix.packing(), (999 - per_chunk - 1, chunks - 1));
        while ix.len() > 1 {
            ix.pop_first();
        }
        assert_eq!(ix.packing(), (0, 0));
        assert!(ix.heap_size() < 8 * 1024, "{}", ix.heap_size());
    }

    #[test]
    fn packed_nodes_change_in_place_or_move_out() {
        let mut ix = NodeIndex::new();
        for ms in 1..=10 {
            ix.insert(id(ms), lp(ms as i64));
        }
        assert_eq!(ix.packing(), (9, 1));
        // Same size: written back into the chunk.
        let first = ix.update(id(3), |l| {
            let p = l.first().unwrap();
            l.replace_entry(p, crate::types::listpack::LpEntry::Int(3001));
            l.first().map(|p| l.get(p).to_bytes())
        });
        assert_eq!(first, Some(Some(b"3001".to_vec())));
        assert_eq!(ix.packing(), (9, 1));
        let l = Listpack::from_bytes(ix.get(id(3)).unwrap().to_vec()).unwrap();
        assert_eq!(l.get(l.first().unwrap()).to_bytes(), b"3001");
        assert_eq!(l.bytes_len(), lp(3).bytes_len());
        // Neighbours untouched.
        assert_eq!(ix.get(id(2)), Some(lp(2).as_bytes()));
        assert_eq!(ix.get(id(4)), Some(lp(4).as_bytes()));
        // Another size: the node takes its own listpack again.
        ix.update(id(5), |l| {
            l.push_int(1);
        });
        assert_eq!(ix.packing(), (8, 1));
        assert_eq!(count(ix.get(id(5)).unwrap()), lp(5).len() + 1);
        assert_eq!(ix.get(id(6)), Some(lp(6).as_bytes()));
        assert!(ix.update(id(11), |_| ()).is_none());
        // A copy (a snapshot) reads the same and lives on its own.
        let copy = ix.clone();
        ix.update(id(2), |l| {
            l.push_int(1);
        });
        assert_eq!(copy.get(id(2)), Some(lp(2).as_bytes()));
        assert_eq!(copy.iter().count(), 10);
    }

    #[test]
    fn middle_removals_free_chunks_once_empty() {
        let mut ix = NodeIndex::new();
        for ms in 1..=200 {
            ix.insert(id(ms), lp(ms as i64 % 7 + 90));
        }
        let (_, chunks) = ix.packing();
        assert!(chunks > 1);
        // Remove every node but the first and the tail, from the middle outwards.
        let mut inner: Vec<u64> = (2..200).collect();
        inner.sort_by_key(|&ms| (ms as i64 - 100).abs());
        for ms in inner {
            assert!(ix.remove(id(ms)));
        }
        assert_eq!(masters(&ix), vec![1, 200]);
        // The first chunk, down to one node, gave it its own listpack and went.
        assert_eq!(ix.packing(), (0, 0));
        assert_eq!(ix.get(id(1)), Some(lp(91).as_bytes()));
        ix.pop_first();
        assert_eq!(ix.packing(), (0, 0));
    }

    /// Survivors scattered over many chunks do not pin them: a chunk under a quarter live is
    /// emptied, so the memory held stays within a small factor of the nodes kept.
    #[test]
    fn sparse_chunks_are_evacuated() {
        let mut ix = NodeIndex::new();
        let n = 2000;
        for ms in 1..=n {
            ix.insert(id(ms), lp(ms as i64 % 7 + 90));
        }
        let full = ix.heap_size();
        let (packed, chunks) = ix.packing();
        assert!(packed == n as usize - 1 && chunks > 4, "{packed} {chunks}");
        for ms in 1..n {
            if ms % 10 != 0 {
                assert!(ix.remove(id(ms)));
            }
        }
        let kept: Vec<u64> = (1..n).filter(|ms| ms % 10 == 0).chain([n]).collect();
        assert_eq!(masters(&ix), kept);
        for &ms in &kept[..kept.len() - 1] {
            assert_eq!(ix.get(id(ms)), Some(lp(ms as i64 % 7 + 90).as_bytes()));
        }
        assert!(ix.heap_size() * 4 < full, "{} of {full}", ix.heap_size());
        // Small chunks (a short stream) are left alone.
        let mut small = NodeIndex::new();
        for ms in 1..=4 {
            small.insert(id(ms), lp(ms as i64));
        }
        assert!(small.remove(id(2)) && small.remove(id(3)));
        assert_eq!(small.packing(), (1, 1));
    }

    #[test]
    fn big_nodes_keep_their_own_listpack() {
        let mut ix = NodeIndex::new();
        for ms in 1..=3 {
            ix.insert(id(ms), lp(2000));
        }
        assert!(lp(2000).bytes_len() > PACK_MAX);
        assert_eq!(ix.packing(), (0, 0));
        assert_eq!(ix.get(id(2)), Some(lp(2000).as_bytes()));
    }

    #[test]
    fn a_trimmed_index_gives_back_room() {
        let mut ix = NodeIndex::new();
        for ms in 0..1000 {
            ix.insert(id(ms), Listpack::new());
        }
        let peak = ix.nodes.capacity();
        while ix.len() > 10 {
            ix.pop_first();
        }
        assert!(
            ix.nodes.capacity() < peak / 8,
            "{} of {peak}",
            ix.nodes.capacity()
        );
        assert_eq!(ix.first().map(|(m, _)| m.ms), Some(990));
    }

    #[test]
    fn a_pair_is_40_bytes() {
        assert_eq!(std::mem::size_of::<(StreamId, Node)>(), 40);
    }
}
