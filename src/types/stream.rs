//! The stream type, laid out as Redis lays it out (`t_stream.c`): an ordered map from each
//! node's master ID to a listpack of up to `stream-node-max-entries` entries /
//! `stream-node-max-bytes` bytes, in Redis's exact node format (the map is [`NodeIndex`],
//! which packs closed nodes together: see `stream/nodes.rs`). Node boundaries, approximate
//! trimming (`MAXLEN ~`) and the RDB encoding (the node listpacks themselves) therefore match
//! Redis, and memory per entry is the same delta-encoded few bytes.
//!
//! Node listpack: a master entry `count deleted num-fields field... 0`, then per entry
//! `flags ms-diff seq-diff [num-fields field value ...| value ...] lp-count`, where flags
//! bit 0 marks a deleted entry and bit 1 an entry with the master's field names.
//!
//! Consumer groups keep Redis's bookkeeping: last delivered ID, logical read counter, the
//! group PEL and per-consumer PELs.

use super::listpack::{self, Listpack, LpEntry};
use std::collections::{BTreeMap, BTreeSet};

mod nodes;
pub use nodes::NodeIndex;

/// A stream entry ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> Self {
        StreamId { ms, seq }
    }

    /// `streamIncrID`: the next ID, or `None` past the maximum.
    pub fn incr(self) -> Option<StreamId> {
        if self.seq == u64::MAX {
            if self.ms == u64::MAX {
                return None;
            }
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            Some(StreamId::new(self.ms, self.seq + 1))
        }
    }

    /// `streamDecrID`: the previous ID, or `None` below 0-0.
    pub fn decr(self) -> Option<StreamId> {
        if self.seq == 0 {
            if self.ms == 0 {
                return None;
            }
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            Some(StreamId::new(self.ms, self.seq - 1))
        }
    }

    pub fn is_zero(&self) -> bool {
        self.ms == 0 && self.seq == 0
    }

    /// `<ms>-<seq>`.
    pub fn to_bytes(&self) -> Vec<u8> {
        format!("{}-{}", self.ms, self.seq).into_bytes()
    }

    /// The 16-byte big-endian form Redis uses as rax key (RDB node keys, PEL keys).
    pub fn encode(&self) -> [u8; 16] {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.ms.to_be_bytes());
        b[8..].copy_from_slice(&self.seq.to_be_bytes());
        b
    }

    pub fn decode(b: &[u8]) -> Option<StreamId> {
        if b.len() != 16 {
            return None;
        }
        Some(StreamId::new(
            u64::from_be_bytes(b[..8].try_into().ok()?),
            u64::from_be_bytes(b[8..].try_into().ok()?),
        ))
    }
}

pub const FLAG_DELETED: i64 = 1;
pub const FLAG_SAMEFIELDS: i64 = 2;

/// `SCG_INVALID_ENTRIES_READ`.
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A field/value pair list of one entry.
pub type Fields = Vec<(Vec<u8>, Vec<u8>)>;

/// One pending (delivered, unacknowledged) entry of a group.
#[derive(Debug, Clone)]
pub struct Nack {
    pub delivery_time: i64,
    pub delivery_count: u64,
    pub consumer: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct Consumer {
    pub seen_time: i64,
    pub pel: BTreeSet<StreamId>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Self {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
        }
    }

    /// `streamCreateConsumer`: true if it was created.
    pub fn create_consumer(&mut self, name: &[u8], now: i64) -> bool {
        if self.consumers.contains_key(name) {
            return false;
        }
        self.consumers.insert(
            name.to_vec(),
            Consumer {
                seen_time: now,
                pel: BTreeSet::new(),
            },
        );
        true
    }

    /// `streamDelConsumer`: drops the consumer and its pending entries from the group PEL;
    /// returns how many entries it had pending.
    pub fn delete_consumer(&mut self, name: &[u8]) -> usize {
        let Some(c) = self.consumers.remove(name) else {
            return 0;
        };
        for id in &c.pel {
            self.pel.remove(id);
        }
        c.pel.len()
    }
}

/// A decoded entry with where its flags live (for deletion in place).
struct RawEntry {
    flags_pos: usize,
    flags: i64,
    id: StreamId,
    fields: Fields,
}

/// A forward walk over the bytes of a node's listpack (packed nodes are read in place).
struct Walk<'a> {
    buf: &'a [u8],
    pos: Option<usize>,
}

impl<'a> Walk<'a> {
    fn new(buf: &'a [u8]) -> Self {
        let pos = buf
            .get(listpack::HDR_SIZE)
            .is_some_and(|&b| b != 0xFF)
            .then_some(listpack::HDR_SIZE);
        Walk { buf, pos }
    }

    fn next_entry(&mut self) -> Option<LpEntry<'a>> {
        let (e, next) = listpack::entry_and_next(self.buf, self.pos?);
        self.pos = next;
        Some(e)
    }

    /// The next element as an integer; `None` at the end or on a non-integer (not moving).
    fn next_int(&mut self) -> Option<i64> {
        let (e, next) = listpack::entry_and_next(self.buf, self.pos?);
        let v = match e {
            LpEntry::Int(v) => v,
            LpEntry::Str(s) => std::str::from_utf8(s).ok()?.parse().ok()?,
        };
        self.pos = next;
        Some(v)
    }
}

/// A node's entries read one at a time from its bytes (`streamIteratorGetID`): the fields of
/// an entry are decoded only when the caller keeps it.
struct NodeReader<'a> {
    master: StreamId,
    w: Walk<'a>,
    master_fields: Vec<Vec<u8>>,
}

/// An entry's header: flags, ID and where its flags are (XDEL rewrites them).
struct Head {
    flags_pos: usize,
    flags: i64,
    id: StreamId,
}

impl<'a> NodeReader<'a> {
    /// Reads the node's master entry; `None` if it is malformed.
    fn new(master: StreamId, lp: &'a [u8]) -> Option<Self> {
        let mut w = Walk::new(lp);
        let (Some(_count), Some(_deleted), Some(nmaster)) =
            (w.next_int(), w.next_int(), w.next_int())
        else {
            return None;
        };
        let mut master_fields = Vec::with_capacity(nmaster.max(0) as usize);
        for _ in 0..nmaster {
            master_fields.push(w.next_entry()?.to_bytes());
        }
        let _ = w.next_int(); // master terminator
        Some(NodeReader {
            master,
            w,
            master_fields,
        })
    }

    /// Moves to an entry start (see [`entry_before`]).
    fn seek(&mut self, pos: usize) {
        self.w.pos = Some(pos);
    }

    /// The next entry; its fields are decoded when `keep` says so for its header (otherwise
    /// they are skipped and `fields` is empty).
    fn next(&mut self, keep: impl Fn(&Head) -> bool) -> Option<RawEntry> {
        let flags_pos = self.w.pos?;
        let flags = self.w.next_int()?;
        let (msd, seqd) = (self.w.next_int()?, self.w.next_int()?);
        let head = Head {
            flags_pos,
            flags,
            id: StreamId::new(
                self.master.ms.wrapping_add(msd as u64),
                self.master.seq.wrapping_add(seqd as u64),
            ),
        };
        let kept = keep(&head);
        let mut fields = Vec::new();
        if flags & FLAG_SAMEFIELDS != 0 {
            for f in &self.master_fields {
                let Some(v) = self.w.next_entry() else { break };
                if kept {
                    fields.push((f.clone(), v.to_bytes()));
                }
            }
        } else {
            let n = self.w.next_int().unwrap_or(0);
            for _ in 0..n {
                let (Some(f), Some(v)) = (self.w.next_entry(), self.w.next_entry()) else {
                    break;
                };
                if kept {
                    fields.push((f.to_bytes(), v.to_bytes()));
                }
            }
        }
        let _ = self.w.next_int(); // lp-count
        Some(RawEntry {
            flags_pos: head.flags_pos,
            flags,
            id: head.id,
            fields,
        })
    }
}

/// The start of the entry that ends just before `at` (an entry start, or the node's EOF
/// byte), found by walking back over its lp-count as Redis's reverse iterator does; `None`
/// when what precedes is the master entry (whose lp-count is 0).
fn entry_before(lp: &[u8], at: usize) -> Option<usize> {
    let c = listpack::prev_pos(lp, at)?;
    let LpEntry::Int(n) = listpack::entry_and_next(lp, c).0 else {
        return None;
    };
    if n <= 0 {
        return None;
    }
    let mut p = c;
    for _ in 0..n {
        p = listpack::prev_pos(lp, p)?;
    }
    Some(p)
}

/// Decodes a node's entries (deleted ones included), fields and all.
fn decode_node(master: StreamId, lp: &[u8]) -> Vec<RawEntry> {
    let Some(mut r) = NodeReader::new(master, lp) else {
        return Vec::new();
    };
    std::iter::from_fn(|| r.next(|_| true)).collect()
}

/// How `XADD` chooses the new ID.
#[derive(Debug, Clone, Copy)]
pub enum IdSpec {
    /// `*`: from the clock.
    Auto,
    /// `<ms>-*`: the next sequence number in that millisecond.
    Ms(u64),
    /// A full explicit ID.
    Exact(StreamId),
}

/// Why an append failed.
#[derive(Debug, PartialEq, Eq)]
pub enum AppendError {
    /// The ID is not greater than the stream's top item (EDOM).
    NotGreater,
}

/// The trimming arguments of XADD / XTRIM.
#[derive(Debug, Clone, Copy)]
pub enum Trim {
    MaxLen(i64),
    MinId(StreamId),
}

/// A stream value.
#[derive(Debug, Clone, Default)]
pub struct Stream {
    pub nodes: NodeIndex,
    pub length: u64,
    pub last_id: StreamId,
    pub first_id: StreamId,
    pub max_deleted_entry_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, Group>,
}

impl Stream {
    pub fn new() -> Self {
        Stream::default()
    }

    pub fn len(&self) -> usize {
        self.length as usize
    }

    pub fn is_empty(&self) -> bool {
        self.length == 0
    }

    /// Approximate heap bytes, for `MEMORY USAGE`.
    pub fn heap_size(&self) -> usize {
        let nodes = self.nodes.heap_size();
        let groups: usize = self
            .groups
            .iter()
            .map(|(n, g)| n.len() + 64 + g.pel.len() * 64 + g.consumers.len() * 64)
            .sum();
        nodes + groups
    }

    /// `streamAppendItem`: appends one entry; returns its ID.
    pub fn append(
        &mut self,
        fields: &[(&[u8], &[u8])],
        spec: IdSpec,
        now_ms: u64,
        node_max_bytes: usize,
        node_max_entries: usize,
    ) -> Result<StreamId, AppendError> {
        let id = match spec {
            IdSpec::Auto => {
                if now_ms > self.last_id.ms {
                    StreamId::new(now_ms, 0)
                } else {
                    self.last_id.incr().ok_or(AppendError::NotGreater)?
                }
            }
            IdSpec::Ms(ms) => {
                if ms == self.last_id.ms {
                    if self.last_id.seq == u64::MAX {
                        return Err(AppendError::NotGreater);
                    }
                    StreamId::new(ms, self.last_id.seq + 1)
                } else if ms > self.last_id.ms {
                    StreamId::new(ms, 0)
                } else {
                    return Err(AppendError::NotGreater);
                }
            }
            IdSpec::Exact(id) => {
                if id <= self.last_id {
                    return Err(AppendError::NotGreater);
                }
                id
            }
        };
        let totlen: usize = fields.iter().map(|(f, v)| f.len() + v.len()).sum();
        let max_bytes = if node_max_bytes == 0 || node_max_bytes > (1 << 30) {
            1 << 30
        } else {
            node_max_bytes
        };
        // Can the tail node take it?
        let mut tail: Option<StreamId> = None;
        if let Some((master, lp)) = self.nodes.last() {
            let mut full = lp.len() + totlen >= max_bytes;
            if !full && node_max_entries > 0 {
                let (count, deleted) = node_counts(lp);
                if (count + deleted) as usize >= node_max_entries {
                    full = true;
                }
            }
            if !full {
                tail = Some(master);
            }
        }
        let mut flags = 0i64;
        let master = match tail {
            None => {
                // A stream growing past a full node will most likely fill the next one too:
                // size it like the previous tail up front rather than reallocating it through
                // every allocation class on the way (which leaves freed holes behind).
                // (Inserting it closes the previous tail: see `NodeIndex::insert`.)
                let mut lp = self.nodes.last().map_or_else(Listpack::new, |(_, prev)| {
                    Listpack::with_capacity(prev.len())
                });
                lp.push_int(1);
                lp.push_int(0);
                lp.push_int(fields.len() as i64);
                for (f, _) in fields {
                    lp.push_back(f);
                }
                lp.push_int(0);
                self.nodes.insert(id, lp);
                flags |= FLAG_SAMEFIELDS;
                id
            }
            Some(master) => {
                let lp = self.nodes.last_mut().expect("tail exists");
                let p = lp.first().expect("master entry");
                let count = int_at(lp, p);
                lp.replace_entry(p, LpEntry::Int(count + 1));
                let p = lp.next(p).expect("deleted");
                let p = lp.next(p).expect("num fields");
                let nmaster = int_at(lp, p);
                let mut q = lp.next(p);
                if nmaster == fields.len() as i64 {
                    let mut same = true;
                    for (f, _) in fields {
                        match q {
                            Some(pos) if lp.get(pos).eq_bytes(f) => q = lp.next(pos),
                            _ => {
                                same = false;
                                break;
                            }
                        }
                    }
                    if same {
                        flags |= FLAG_SAMEFIELDS;
                    }
                }
                master
            }
        };
        let lp = self.nodes.last_mut().expect("node exists");
        lp.push_int(flags);
        lp.push_int(id.ms.wrapping_sub(master.ms) as i64);
        lp.push_int(id.seq.wrapping_sub(master.seq) as i64);
        if flags & FLAG_SAMEFIELDS == 0 {
            lp.push_int(fields.len() as i64);
        }
        for (f, v) in fields {
            if flags & FLAG_SAMEFIELDS == 0 {
                lp.push_back(f);
            }
            lp.push_back(v);
        }
        let mut lp_count = fields.len() as i64 + 3;
        if flags & FLAG_SAMEFIELDS == 0 {
            lp_count += fields.len() as i64 + 1;
        }
        lp.push_int(lp_count);
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
        Ok(id)
    }

    /// Live entries with `start <= id <= end`, in order (reversed if `rev`), at most `count`
    /// (0 = all).
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        count: usize,
    ) -> Vec<(StreamId, Fields)> {
        let mut out = Vec::new();
        if start > end {
            return out;
        }
        let nodes = self.nodes.range(start, end);
        let wanted = |h: &Head| h.flags & FLAG_DELETED == 0 && h.id >= start && h.id <= end;
        // Entries are read lazily: COUNT n decodes the fields of n entries, not whole nodes.
        let mut push = |e: RawEntry| -> bool {
            if e.flags & FLAG_DELETED == 0 && e.id >= start && e.id <= end {
                out.push((e.id, e.fields));
                if count != 0 && out.len() >= count {
                    return false;
                }
            }
            true
        };
        if rev {
            for (m, lp) in nodes.rev() {
                let Some(mut r) = NodeReader::new(m, lp) else {
                    continue;
                };
                // Backwards as Redis walks: each entry ends with its element count
                // (lp-count), and the master entry's ends with 0.
                let mut at = lp.len().saturating_sub(1);
                while let Some(p) = entry_before(lp, at) {
                    r.seek(p);
                    if let Some(e) = r.next(wanted) {
                        if e.id < start || !push(e) {
                            return out;
                        }
                    }
                    at = p;
                }
            }
        } else {
            for (m, lp) in nodes {
                let Some(mut r) = NodeReader::new(m, lp) else {
                    continue;
                };
                while let Some(e) = r.next(wanted) {
                    if e.id > end {
                        return out;
                    }
                    if !push(e) {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// One live entry by ID.
    pub fn get(&self, id: StreamId) -> Option<Fields> {
        self.range(id, id, false, 1).pop().map(|(_, f)| f)
    }

    /// `streamLastValidID`: the ID of the last live entry (0-0 if none).
    pub fn last_valid_id(&self) -> StreamId {
        self.range(StreamId::MIN, StreamId::MAX, true, 1)
            .pop()
            .map(|(id, _)| id)
            .unwrap_or_default()
    }

    fn first_valid_id(&self) -> StreamId {
        self.range(StreamId::MIN, StreamId::MAX, false, 1)
            .pop()
            .map(|(id, _)| id)
            .unwrap_or_default()
    }

    /// Marks entry `id` deleted (`streamDeleteItem`); true if it was live.
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((master, lp)) = self.nodes.floor(id) else {
            return false;
        };
        let Some(mut r) = NodeReader::new(master, lp) else {
            return false;
        };
        let Some(e) = std::iter::from_fn(|| r.next(|_| false))
            .find(|e| e.id == id && e.flags & FLAG_DELETED == 0)
        else {
            return false;
        };
        let (count, _) = node_counts(lp);
        if count == 1 {
            self.nodes.remove(master);
        } else {
            self.nodes.update(master, |lp| {
                lp.replace_entry(e.flags_pos, LpEntry::Int(e.flags | FLAG_DELETED));
                let p = lp.first().expect("master entry");
                lp.replace_entry(p, LpEntry::Int(count - 1));
                let p = lp.next(p).expect("deleted count");
                let deleted = int_at(lp, p);
                lp.replace_entry(p, LpEntry::Int(deleted + 1));
            });
        }
        self.length -= 1;
        true
    }

    /// `XDEL`'s bookkeeping after deletions: tombstone and first ID.
    pub fn after_delete(&mut self, deleted_ids: &[StreamId]) {
        let mut first_entry = false;
        for id in deleted_ids {
            if *id == self.first_id {
                first_entry = true;
            }
            if *id > self.max_deleted_entry_id {
                self.max_deleted_entry_id = *id;
            }
        }
        if !deleted_ids.is_empty() {
            if self.length == 0 {
                self.first_id = StreamId::MIN;
            } else if first_entry {
                self.first_id = self.first_valid_id();
            }
        }
    }

    /// `streamTrim`: returns how many entries were removed. `limit` 0 = unlimited.
    pub fn trim(&mut self, trim: Trim, approx: bool, limit: i64) -> i64 {
        if let Trim::MaxLen(max) = trim {
            if self.length as i64 <= max {
                return 0;
            }
        }
        let mut deleted: i64 = 0;
        // Always the first node: each one is removed whole or is where trimming stops.
        while let Some((master, lp)) = self.nodes.first() {
            if let Trim::MaxLen(max) = trim {
                if self.length as i64 <= max {
                    break;
                }
            }
            let (entries, _) = node_counts(lp);
            if limit != 0 && deleted + entries > limit {
                break;
            }
            let mut raw = None;
            let remove_node = match trim {
                Trim::MaxLen(max) => self.length as i64 - entries >= max,
                Trim::MinId(min) => {
                    let r = decode_node(master, lp);
                    let before = r.last().is_none_or(|e| e.id < min);
                    raw = Some(r);
                    before
                }
            };
            if remove_node {
                self.nodes.pop_first();
                self.length -= entries as u64;
                deleted += entries;
                continue;
            }
            if approx {
                break;
            }
            let raw = raw.unwrap_or_else(|| decode_node(master, lp));
            let length = &mut self.length;
            let from_lp = self.nodes.update(master, |lp| {
                let mut from_lp = 0i64;
                for e in &raw {
                    let stop = match trim {
                        Trim::MaxLen(max) => *length as i64 <= max,
                        Trim::MinId(min) => e.id >= min,
                    };
                    if stop {
                        break;
                    }
                    if e.flags & FLAG_DELETED == 0 {
                        // Replacing a small integer keeps positions stable (same encoded size).
                        lp.replace_entry(e.flags_pos, LpEntry::Int(e.flags | FLAG_DELETED));
                        from_lp += 1;
                        *length -= 1;
                    }
                }
                let p = lp.first().expect("master entry");
                lp.replace_entry(p, LpEntry::Int(entries - from_lp));
                let p = lp.next(p).expect("deleted count");
                let marked = int_at(lp, p);
                lp.replace_entry(p, LpEntry::Int(marked + from_lp));
                from_lp
            });
            deleted += from_lp.expect("the first node");
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else {
            self.first_id = self.first_valid_id();
        }
        deleted
    }

    /// The first or last live ID (`streamGetEdgeID`), if any.
    pub fn edge(&self, first: bool) -> Option<(StreamId, Fields)> {
        self.range(StreamId::MIN, StreamId::MAX, !first, 1).pop()
    }

    /// `streamRangeHasTombstones`.
    pub fn range_has_tombstones(&self, start: Option<StreamId>, end: Option<StreamId>) -> bool {
        if self.length == 0 || self.max_deleted_entry_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_entry_id {
            return false;
        }
        let s = start.unwrap_or(StreamId::MIN);
        let e = end.unwrap_or(StreamId::MAX);
        s <= self.max_deleted_entry_id && self.max_deleted_entry_id <= e
    }

    /// `streamEstimateDistanceFromFirstEverEntry`: the logical read counter of `id`, or
    /// [`INVALID_ENTRIES_READ`] when it cannot be known.
    pub fn estimate_distance(&self, id: StreamId) -> i64 {
        if self.entries_added == 0 {
            return 0;
        }
        if self.length == 0 && id <= self.last_id {
            return self.entries_added as i64;
        }
        if id == self.last_id {
            return self.entries_added as i64;
        } else if id > self.last_id {
            return INVALID_ENTRIES_READ;
        }
        if self.max_deleted_entry_id.is_zero() || self.max_deleted_entry_id < self.first_id {
            if id < self.first_id {
                return (self.entries_added - self.length) as i64;
            } else if id == self.first_id {
                return (self.entries_added - self.length + 1) as i64;
            }
        }
        INVALID_ENTRIES_READ
    }

    /// The consumer group lag for `XINFO GROUPS` (`None` = unknown, a null reply).
    pub fn group_lag(&self, g: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if g.entries_read != INVALID_ENTRIES_READ
            && !self.range_has_tombstones(Some(g.last_id), None)
        {
            return Some(self.entries_added as i64 - g.entries_read);
        }
        let er = self.estimate_distance(g.last_id);
        if er != INVALID_ENTRIES_READ {
            Some(self.entries_added as i64 - er)
        } else {
            None
        }
    }

    /// Counts the node count and total listpack elements, for `XINFO STREAM`.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }
}

fn int_at(lp: &Listpack, p: usize) -> i64 {
    int_of(lp.get(p))
}

fn int_of(e: LpEntry<'_>) -> i64 {
    match e {
        LpEntry::Int(v) => v,
        LpEntry::Str(s) => std::str::from_utf8(s)
            .ok()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0),
    }
}

/// A node's (valid, deleted) counters from its master entry.
pub fn node_counts(lp: &[u8]) -> (i64, i64) {
    let mut w = Walk::new(lp);
    let Some(count) = w.next_entry() else {
        return (0, 0);
    };
    (int_of(count), w.next_entry().map_or(0, int_of))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(s: &mut Stream, ms: u64, f: &[(&[u8], &[u8])]) -> StreamId {
        s.append(f, IdSpec::Ms(ms), 0, 4096, 100).unwrap()
    }

    #[test]
    fn append_range_delete_trim() {
        let mut s = Stream::new();
        for i in 1..=250u64 {
            let v = i.to_string();
            add(&mut s, i, &[(b"f", v.as_bytes())]);
        }
        assert_eq!(s.len(), 250);
        assert_eq!(s.node_count(), 3, "100 entries per node");
        let r = s.range(StreamId::new(5, 0), StreamId::new(7, 0), false, 0);
        assert_eq!(
            r.iter().map(|(id, _)| id.ms).collect::<Vec<_>>(),
            vec![5, 6, 7]
        );
        assert_eq!(r[0].1, vec![(b"f".to_vec(), b"5".to_vec())]);
        assert!(s.delete(StreamId::new(6, 0)));
        assert!(!s.delete(StreamId::new(6, 0)));
        let r = s.range(StreamId::new(5, 0), StreamId::new(7, 0), true, 0);
        assert_eq!(
            r.iter().map(|(id, _)| id.ms).collect::<Vec<_>>(),
            vec![7, 5]
        );
        // Approximate trimming only drops whole nodes.
        assert_eq!(s.trim(Trim::MaxLen(120), true, 10000), 99);
        assert_eq!(s.len(), 150);
        assert_eq!(s.trim(Trim::MaxLen(120), false, 0), 30);
        assert_eq!(s.len(), 120);
        assert_eq!(s.first_id, StreamId::new(131, 0));
        assert_eq!(s.trim(Trim::MinId(StreamId::new(200, 0)), false, 0), 69);
        assert_eq!(s.edge(true).unwrap().0, StreamId::new(200, 0));
    }

    #[test]
    fn explicit_ids_must_grow() {
        let mut s = Stream::new();
        let e = [(&b"a"[..], &b"1"[..])];
        assert!(s
            .append(&e, IdSpec::Exact(StreamId::new(5, 5)), 0, 4096, 100)
            .is_ok());
        assert_eq!(
            s.append(&e, IdSpec::Exact(StreamId::new(5, 5)), 0, 4096, 100),
            Err(AppendError::NotGreater)
        );
        assert_eq!(
            s.append(&e, IdSpec::Ms(5), 0, 4096, 100),
            Ok(StreamId::new(5, 6))
        );
        assert_eq!(
            s.append(&e, IdSpec::Auto, 3, 4096, 100),
            Ok(StreamId::new(5, 7))
        );
        assert_eq!(
            s.append(&e, IdSpec::Auto, 9, 4096, 100),
            Ok(StreamId::new(9, 0))
        );
    }
}
