//! File and value decoders. The decoder validates strictly: any inconsistency is an
//! `RdbError` carrying the offset, never a panic.
//!
//! - [`load`]: the main loop of `rdbLoadRio`: every opcode Redis 7.0 writes (AUX, MODULE_AUX,
//!   FUNCTION2, SELECTDB, RESIZEDB, EXPIRETIME(_MS), IDLE, FREQ, EOF + CRC-64), then key
//!   records, inserted through `Db` methods with their IDLE/FREQ applied ([`lru_field`]).
//! - [`read_object`]: the type dispatch. Each value type has exactly one decoder function,
//!   `decode_<type>(r, rdb_type, limits)`, handling every RDB encoding of that type (lists 1,
//!   10, 14, 18; sets 2, 11; sorted sets 3, 5, 12, 17; hashes 4, 9, 13, 16; streams 15, 19,
//!   21) and converting to the encoding Redis holds after loading ([`TypeLimits`]). A type
//!   code without a decoder (Redis 7.2's listpack sets, 20) is refused by [`no_decoder`]
//!   naming it: the load stops, nothing is faked. A collection that decodes empty yields
//!   [`MSG_EMPTY_KEY`]: [`load`] skips the key, as Redis does.
//! - [`restore_payload`]: `RESTORE`'s body (type byte + value) into a value.

use super::format::*;
use super::io::{RdbError, RdbReader, RdbResult};
use crate::db::keyspace::Db;
use crate::types::hash::{self, Hash};
use crate::types::intset::Intset;
use crate::types::list::{End, List};
use crate::types::listpack::{Listpack, LpEntry};
use crate::types::set::Set;
use crate::types::stream::{Consumer, Group, Nack, Stream, StreamId};
use crate::types::value::{Str, Value};
use crate::types::zset::value::{self as zset, ZSet};
use crate::types::{ziplist, zipmap};
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Arc;

/// What a load did (for the log and `INFO persistence`).
#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    pub keys_loaded: u64,
    pub keys_expired: u64,
    /// Keys whose value decoded to an empty collection (skipped, as Redis does).
    pub empty_keys_skipped: u64,
    pub version: u16,
    /// AUX fields seen, in order.
    pub aux: Vec<(Vec<u8>, Vec<u8>)>,
}

impl LoadStats {
    /// The value of an AUX field, if the file had it.
    pub fn aux_field(&self, name: &[u8]) -> Option<&[u8]> {
        self.aux
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_slice())
    }
}

/// How keys are loaded.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// Wall-clock ms: keys whose expiry is before it are skipped (as a master does).
    pub now: i64,
    /// The LRU clock: loaded keys are stamped with it, minus their IDLE time if saved
    /// (unless `lfu`).
    pub lru: u32,
    /// `maxmemory-policy` is an LFU policy: loaded keys get their saved FREQ counter, or
    /// the counter of a new key; IDLE is ignored (see [`lru_field`]).
    pub lfu: bool,
    /// A key already present is replaced instead of failing the load (`DEBUG RELOAD MERGE`).
    pub merge: bool,
    /// The encoding thresholds loaded values are converted with.
    pub limits: TypeLimits,
}

/// The `*-max-*` thresholds that decide the encoding of a loaded value, as Redis's loader
/// applies them (`rdbLoadObject`). Taken from the configuration at load time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeLimits {
    /// `hash-max-listpack-entries` / `-value`.
    pub hash: hash::Limits,
    /// `set-max-intset-entries`.
    pub set_max_intset: usize,
    /// `zset-max-listpack-entries` / `-value`.
    pub zset: zset::Limits,
    /// `list-max-listpack-size` (the quicklist fill).
    pub list_fill: i64,
}

impl TypeLimits {
    /// Redis 7.0's compiled-in defaults.
    pub const DEFAULT: TypeLimits = TypeLimits {
        hash: hash::Limits::DEFAULT,
        set_max_intset: 512,
        zset: zset::Limits::DEFAULT,
        list_fill: -2,
    };

    /// The thresholds of a configuration.
    pub fn from_config(c: &crate::config::Config) -> Self {
        let u = |v: i64| usize::try_from(v).unwrap_or(0);
        TypeLimits {
            hash: hash::Limits {
                max_entries: u(c.hash_max_listpack_entries),
                max_value: u(c.hash_max_listpack_value),
            },
            set_max_intset: u(c.set_max_intset_entries),
            zset: zset::Limits {
                max_entries: u(c.zset_max_listpack_entries),
                max_value: u(c.zset_max_listpack_value),
            },
            list_fill: c.list_max_listpack_size,
        }
    }
}

impl Default for TypeLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// The message of the (non-fatal) error for a value that decoded to an empty collection:
/// Redis 7.0 skips such keys when loading a file (`RDB_LOAD_ERR_EMPTY_KEY`) and refuses them
/// in `RESTORE`.
pub const MSG_EMPTY_KEY: &str = "empty key";

/// Reads a value of RDB type `ty` (`rdbLoadObject`): one decoder per value type.
pub fn read_object<R: Read>(r: &mut RdbReader<R>, ty: u8, lim: &TypeLimits) -> RdbResult<Value> {
    match ty {
        RDB_TYPE_STRING => decode_string(r),
        RDB_TYPE_LIST
        | RDB_TYPE_LIST_ZIPLIST
        | RDB_TYPE_LIST_QUICKLIST
        | RDB_TYPE_LIST_QUICKLIST_2 => decode_list(r, ty, lim),
        RDB_TYPE_SET | RDB_TYPE_SET_INTSET => decode_set(r, ty, lim),
        RDB_TYPE_SET_LISTPACK => Err(no_decoder(r, "set", ty)),
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 | RDB_TYPE_ZSET_ZIPLIST | RDB_TYPE_ZSET_LISTPACK => {
            decode_zset(r, ty, lim)
        }
        RDB_TYPE_HASH | RDB_TYPE_HASH_ZIPMAP | RDB_TYPE_HASH_ZIPLIST | RDB_TYPE_HASH_LISTPACK => {
            decode_hash(r, ty, lim)
        }
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 | RDB_TYPE_STREAM_LISTPACKS_3 => {
            decode_stream(r, ty)
        }
        RDB_TYPE_MODULE_PRE_GA => Err(r.error(
            "Trying to load a module value from a pre-GA module: not supported (no modules)",
        )),
        RDB_TYPE_MODULE_2 => {
            let id = r.read_length()?;
            let (name, _) = module_type_name(id);
            Err(r.error(format!(
                "The RDB file contains module data I can't load: no matching module type '{}'",
                String::from_utf8_lossy(&name)
            )))
        }
        _ => Err(r.error(format!("Unknown RDB encoding type {ty}"))),
    }
}

/// A sorted set of RDB type 3, 5, 12 or 17 (`rdbLoadObject`). Pair records (3, 5) are
/// loaded whole, then kept as a listpack when small enough; blobs (12, 17) are validated
/// (no duplicate member) and converted to a skiplist when they have too many members
/// (`zset-max-listpack-*` from `lim`). An empty one is skipped like every empty collection.
pub fn decode_zset<R: Read>(r: &mut RdbReader<R>, ty: u8, lim: &TypeLimits) -> RdbResult<Value> {
    let limits = lim.zset;
    let z = match ty {
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 => {
            let n = r.read_length()?;
            if n == 0 {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            let mut pairs = Vec::with_capacity(r.capacity_hint(n));
            for _ in 0..n {
                let m = r.read_string()?;
                let s = if ty == RDB_TYPE_ZSET_2 {
                    r.read_double_binary()?
                } else {
                    r.read_double_string()?
                };
                if s.is_nan() {
                    return Err(r.error("Zset with NAN score detected"));
                }
                pairs.push((m, s));
            }
            ZSet::from_pairs(pairs, limits)
                .ok_or_else(|| r.error("Duplicate zset fields detected"))?
        }
        RDB_TYPE_ZSET_ZIPLIST => {
            let blob = r.read_string()?;
            let entries = crate::types::ziplist::decode(&blob)
                .map_err(|_| r.error("Zset ziplist integrity check failed."))?;
            if !entries.len().is_multiple_of(2) {
                return Err(r.error("Zset ziplist integrity check failed."));
            }
            if entries.is_empty() {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            let mut lp = Listpack::new();
            for e in entries {
                lp.push_entry(e);
            }
            ZSet::from_rdb_listpack(lp, limits)
                .ok_or_else(|| r.error("Zset ziplist integrity check failed."))?
        }
        _ => {
            let blob = r.read_string()?;
            let lp = Listpack::from_bytes(blob)
                .map_err(|_| r.error("Zset listpack integrity check failed."))?;
            if lp.is_empty() {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            ZSet::from_rdb_listpack(lp, limits)
                .ok_or_else(|| r.error("Zset listpack integrity check failed."))?
        }
    };
    Ok(Value::ZSet(std::sync::Arc::new(z)))
}

/// The error for a value type whose decoder does not exist yet.
pub fn no_decoder<R: Read>(r: &RdbReader<R>, type_name: &str, ty: u8) -> RdbError {
    r.error(format!(
        "RDB type {ty} ({type_name}) cannot be loaded: no decoder for this type yet"
    ))
}

/// An element count. Never used to allocate directly (see `capacity_hint`): the loops reading
/// the elements fail at the end of the input.
fn read_count<R: Read>(r: &mut RdbReader<R>) -> RdbResult<u64> {
    r.read_length()
}

/// Lists: `LIST` (1, count + element strings) and `LIST_ZIPLIST` (10, one ziplist), whose
/// elements are pushed one by one into a quicklist with the configured fill, and
/// `LIST_QUICKLIST` (14, ziplist nodes) / `LIST_QUICKLIST_2` (18, container + listpack nodes),
/// whose nodes are kept as they are (ziplists re-encoded as listpacks; empty nodes dropped), as
/// `rdbLoadObject` does. A plain node (container 1, one big element) becomes a node of one.
pub fn decode_list<R: Read>(r: &mut RdbReader<R>, ty: u8, lim: &TypeLimits) -> RdbResult<Value> {
    let l = match ty {
        RDB_TYPE_LIST => {
            let len = read_count(r)?;
            if len == 0 {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            let mut l = List::new(lim.list_fill);
            for _ in 0..len {
                l.push(&r.read_string()?, End::Tail);
            }
            l
        }
        RDB_TYPE_LIST_ZIPLIST => {
            let blob = r.read_string()?;
            let entries = ziplist::decode(&blob)
                .map_err(|e| r.error(format!("List ziplist integrity check failed. ({e})")))?;
            let mut l = List::new(lim.list_fill);
            let mut buf = Vec::new();
            for e in entries {
                buf.clear();
                e.write_to(&mut buf);
                l.push(&buf, End::Tail);
            }
            l
        }
        _ => {
            let n = read_count(r)?;
            if n == 0 {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            let mut nodes = Vec::with_capacity(r.capacity_hint(n));
            for _ in 0..n {
                let container = if ty == RDB_TYPE_LIST_QUICKLIST_2 {
                    r.read_length()?
                } else {
                    QUICKLIST_NODE_CONTAINER_PACKED
                };
                let blob = r.read_string()?;
                let lp = match container {
                    QUICKLIST_NODE_CONTAINER_PLAIN => {
                        let mut lp = Listpack::new();
                        lp.push_back(&blob);
                        lp
                    }
                    QUICKLIST_NODE_CONTAINER_PACKED if ty == RDB_TYPE_LIST_QUICKLIST_2 => {
                        Listpack::from_bytes(blob).map_err(|e| {
                            r.error(format!("Listpack integrity check failed. ({e})"))
                        })?
                    }
                    QUICKLIST_NODE_CONTAINER_PACKED => ziplist_to_listpack(&blob)
                        .ok_or_else(|| r.error("Ziplist integrity check failed."))?,
                    _ => return Err(r.error("Quicklist integrity check failed.")),
                };
                nodes.push(lp);
            }
            List::from_nodes(nodes, lim.list_fill)
        }
    };
    if l.is_empty() {
        return Err(r.error(MSG_EMPTY_KEY));
    }
    Ok(Value::List(Arc::new(l)))
}

/// Hashes: `HASH` (4, count + field/value strings), `HASH_ZIPMAP` (9), `HASH_ZIPLIST` (13)
/// and `HASH_LISTPACK` (16), converted to what Redis 7.0 holds after loading: a listpack
/// unless the hash has more than `hash-max-listpack-entries` fields (or, for 4 and 9, a field
/// or value longer than `hash-max-listpack-value`).
pub fn decode_hash<R: Read>(r: &mut RdbReader<R>, ty: u8, lim: &TypeLimits) -> RdbResult<Value> {
    let h = match ty {
        RDB_TYPE_HASH => {
            let len = read_count(r)?;
            if len == 0 {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            let n = r.capacity_hint(len);
            let mut h = if len > lim.hash.max_entries as u64 {
                Hash::with_capacity(n, lim.hash)
            } else {
                Hash::new()
            };
            for _ in 0..len {
                let f = r.read_string()?;
                let v = r.read_string()?;
                if !h.insert_loaded(&f, &v, lim.hash) {
                    return Err(r.error("Duplicate hash fields detected"));
                }
            }
            h
        }
        RDB_TYPE_HASH_ZIPMAP => {
            let blob = r.read_string()?;
            let pairs = zipmap::decode(&blob)
                .map_err(|e| r.error(format!("Zipmap integrity check failed: {e}")))?;
            let mut lp = Listpack::new();
            let mut maxlen = 0;
            for (f, v) in &pairs {
                maxlen = maxlen.max(f.len()).max(v.len());
                lp.push_back(f);
                lp.push_back(v);
            }
            let Some(mut h) = Hash::from_listpack(lp, lim.hash) else {
                return Err(r.error("Hash zipmap with dup elements, or big length"));
            };
            if maxlen > lim.hash.max_value && h.is_listpack() {
                h.convert();
            }
            h
        }
        RDB_TYPE_HASH_ZIPLIST => {
            let blob = r.read_string()?;
            let lp = ziplist_to_listpack(&blob)
                .ok_or_else(|| r.error("Hash ziplist integrity check failed."))?;
            if lp.is_empty() {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            Hash::from_listpack(lp, lim.hash)
                .ok_or_else(|| r.error("Hash ziplist integrity check failed."))?
        }
        _ => {
            let lp = read_listpack(r, "Hash listpack integrity check failed.")?;
            if lp.is_empty() {
                return Err(r.error(MSG_EMPTY_KEY));
            }
            Hash::from_listpack(lp, lim.hash)
                .ok_or_else(|| r.error("Hash listpack integrity check failed."))?
        }
    };
    Ok(Value::Hash(Arc::new(h)))
}

/// A listpack blob, deep-validated.
fn read_listpack<R: Read>(r: &mut RdbReader<R>, what: &str) -> RdbResult<Listpack> {
    let blob = r.read_string()?;
    Listpack::from_bytes(blob).map_err(|e| r.error(format!("{what} ({e})")))
}

/// A ziplist blob re-encoded as a listpack (`ziplistPairsConvertAndValidateIntegrity` minus
/// the pair checks, which the caller's `from_listpack` does). `None` when corrupt.
fn ziplist_to_listpack(blob: &[u8]) -> Option<Listpack> {
    let entries = ziplist::decode(blob).ok()?;
    let mut lp = Listpack::new();
    for e in entries {
        lp.push_entry(e);
    }
    Some(lp)
}

/// Sets: `SET` (2, count + members) and `SET_INTSET` (11), as Redis 7.0 holds them after
/// loading (an intset while all members are integers and at most `set-max-intset-entries`).
pub fn decode_set<R: Read>(r: &mut RdbReader<R>, ty: u8, lim: &TypeLimits) -> RdbResult<Value> {
    let s = if ty == RDB_TYPE_SET {
        let len = read_count(r)?;
        if len == 0 {
            return Err(r.error(MSG_EMPTY_KEY));
        }
        // An intset unless the count alone exceeds the limit (`rdbLoadObject`); the first
        // non-integer member converts it.
        let mut s = if len > lim.set_max_intset as u64 {
            Set::new_table()
        } else {
            Set::new()
        };
        for _ in 0..len {
            let m = r.read_string()?;
            if !s.add(&m, lim.set_max_intset) {
                return Err(r.error("Duplicate set members detected"));
            }
        }
        s
    } else {
        let blob = r.read_string()?;
        let is = Intset::from_bytes(blob)
            .map_err(|e| r.error(format!("Intset integrity check failed. ({e})")))?;
        Set::from_intset(is, lim.set_max_intset)
    };
    Ok(Value::Set(Arc::new(s)))
}

/// Streams: `STREAM_LISTPACKS` (15, Redis 5/6), `_2` (19, Redis 7.0) and `_3` (21, Redis 7.2,
/// whose per-consumer active time is read and dropped). Node listpacks are validated like
/// Redis's deep check (`streamValidateListpackIntegrity`), groups, PELs and consumers like
/// `rdbLoadObject`: every consumer PEL entry must be in the group PEL, and every group PEL
/// entry must have a consumer.
pub fn decode_stream<R: Read>(r: &mut RdbReader<R>, ty: u8) -> RdbResult<Value> {
    let mut s = Stream::new();
    let nodes = read_count(r)?;
    for _ in 0..nodes {
        let key = r.read_string()?;
        let Some(master) = StreamId::decode(&key) else {
            return Err(r.error("Stream node key entry is not the size of a stream ID"));
        };
        let lp = read_listpack(r, "Stream listpack integrity check failed.")?;
        if lp.is_empty() {
            return Err(r.error("Empty listpack inside stream"));
        }
        if !valid_stream_node(&lp) {
            return Err(r.error("Stream listpack integrity check failed."));
        }
        if s.nodes.insert(master, lp) {
            return Err(r.error("Listpack re-added with existing key"));
        }
    }
    s.length = r.read_length()?;
    s.last_id = StreamId::new(r.read_length()?, r.read_length()?);
    if ty >= RDB_TYPE_STREAM_LISTPACKS_2 {
        s.first_id = StreamId::new(r.read_length()?, r.read_length()?);
        s.max_deleted_entry_id = StreamId::new(r.read_length()?, r.read_length()?);
        s.entries_added = r.read_length()?;
    } else {
        // As `streamGetEdgeID` leaves it: the maximum ID when the stream is empty.
        s.entries_added = s.length;
        s.first_id = s.edge(true).map(|(id, _)| id).unwrap_or(StreamId::MAX);
        s.max_deleted_entry_id = StreamId::MIN;
    }
    if s.length > 0 && s.nodes.is_empty() {
        return Err(r.error("Stream length inconsistent with rax entries"));
    }
    let groups = read_count(r)?;
    for _ in 0..groups {
        let name = r.read_string()?;
        let last_id = StreamId::new(r.read_length()?, r.read_length()?);
        let entries_read = if ty >= RDB_TYPE_STREAM_LISTPACKS_2 {
            r.read_length()? as i64
        } else {
            s.estimate_distance(last_id)
        };
        if s.groups.contains_key(&name) {
            return Err(r.error(format!(
                "Duplicated consumer group name {}",
                String::from_utf8_lossy(&name)
            )));
        }
        let mut g = Group::new(last_id, entries_read);
        let pel = read_count(r)?;
        // Delivery entries without a consumer yet (filled in below).
        let mut unowned: BTreeMap<StreamId, (i64, u64)> = BTreeMap::new();
        for _ in 0..pel {
            let id = read_raw_id(r)?;
            let time = r.read_ms()?;
            let count = r.read_length()?;
            if unowned.insert(id, (time, count)).is_some() {
                return Err(r.error("Duplicated global PEL entry loading stream consumer group"));
            }
        }
        let consumers = read_count(r)?;
        for _ in 0..consumers {
            let cname = r.read_string()?;
            if g.consumers.contains_key(&cname) {
                return Err(r.error("Duplicate stream consumer detected."));
            }
            let seen_time = r.read_ms()?;
            if ty >= RDB_TYPE_STREAM_LISTPACKS_3 {
                r.read_ms()?; // active time (Redis 7.2): not kept
            }
            let mut c = Consumer {
                seen_time,
                pel: Default::default(),
            };
            let n = read_count(r)?;
            for _ in 0..n {
                let id = read_raw_id(r)?;
                let Some((delivery_time, delivery_count)) = unowned.remove(&id) else {
                    return Err(if c.pel.contains(&id) || g.pel.contains_key(&id) {
                        r.error("Duplicated consumer PEL entry  loading a stream consumer group")
                    } else {
                        r.error("Consumer entry not found in group global PEL")
                    });
                };
                c.pel.insert(id);
                g.pel.insert(
                    id,
                    Nack {
                        delivery_time,
                        delivery_count,
                        consumer: cname.clone(),
                    },
                );
            }
            g.consumers.insert(cname, c);
        }
        if !unowned.is_empty() {
            return Err(r.error("Stream CG PEL entry without consumer"));
        }
        s.groups.insert(name, g);
    }
    Ok(Value::Stream(Arc::new(s)))
}

/// A raw 16-byte big-endian stream ID (PEL entries are written without a length).
fn read_raw_id<R: Read>(r: &mut RdbReader<R>) -> RdbResult<StreamId> {
    let mut b = [0u8; 16];
    r.read_raw(&mut b)?;
    Ok(StreamId::decode(&b).unwrap_or_default())
}

/// The deep check of one stream node (`streamValidateListpackIntegrity`): a master entry
/// `count deleted num-fields field... 0`, then exactly `count + deleted` entries, each
/// `flags ms-diff seq-diff [num-fields (field value)... | value...] lp-count` with a
/// consistent `lp-count`, and nothing after.
fn valid_stream_node(lp: &Listpack) -> bool {
    let e: Vec<LpEntry<'_>> = lp.iter().collect();
    let int = |i: usize| -> Option<i64> {
        match e.get(i)? {
            LpEntry::Int(v) => Some(*v),
            LpEntry::Str(s) => crate::util::num::parse_i64(s),
        }
    };
    let check = || -> Option<()> {
        let count = int(0)?;
        let deleted = int(1)?;
        let master_fields = int(2)?;
        if count < 0 || deleted < 0 || master_fields < 0 {
            return None;
        }
        let mut i = 3usize.checked_add(usize::try_from(master_fields).ok()?)?;
        if i >= e.len() || int(i)? != 0 {
            return None;
        }
        i += 1;
        let total = count.checked_add(deleted)?;
        for _ in 0..total {
            let flags = int(i)?;
            int(i + 1)?;
            int(i + 2)?;
            i += 3;
            let (fields, extra) = if flags & crate::types::stream::FLAG_SAMEFIELDS == 0 {
                let f = int(i)?;
                if f < 0 {
                    return None;
                }
                i += 1;
                i = i.checked_add(usize::try_from(f).ok()?.checked_mul(2)?)?;
                (f, 3 + f + 1)
            } else {
                i = i.checked_add(usize::try_from(master_fields).ok()?)?;
                (master_fields, 3)
            };
            if int(i)? != fields.checked_add(extra)? {
                return None;
            }
            i += 1;
        }
        (i == e.len()).then_some(())
    };
    check().is_some()
}

/// `RDB_TYPE_STRING`: raw, int-encoded (8/16/32 bit) or LZF-compressed; stored with the
/// encoding a client-created value would get (`tryObjectEncoding`).
pub fn decode_string<R: Read>(r: &mut RdbReader<R>) -> RdbResult<Value> {
    Ok(Value::Str(Str::from_vec(r.read_string()?)))
}

/// `RESTORE`: a verified payload (type byte, value, footer) into a value. `None` is Redis's
/// `Bad data format`. Like Redis, the value is read from the whole payload: trailing bytes
/// (the footer) are not an error.
pub fn restore_payload(payload: &[u8], lim: &TypeLimits) -> Option<Value> {
    let mut r = RdbReader::from_slice(payload);
    let ty = r.read_u8().ok()?;
    if !is_object_type(ty) {
        return None;
    }
    read_object(&mut r, ty, lim).ok()
}

/// One key record's prefix opcodes, consumed by the record that follows.
#[derive(Default)]
struct Pending {
    expire: Option<i64>,
    idle: Option<u64>,
    freq: Option<u8>,
}

/// Loads a whole RDB stream into `dbs` (which the caller has emptied unless merging). Keys
/// whose expiry is before `opts.now` are skipped, as a master does when loading. On error the
/// databases hold what was loaded so far; the caller decides (start-up refuses to go on).
pub fn load<R: Read>(
    r: &mut RdbReader<R>,
    dbs: &mut [Db],
    opts: &LoadOptions,
) -> RdbResult<LoadStats> {
    let mut st = LoadStats {
        version: r.read_header()?,
        ..Default::default()
    };
    let mut db = 0usize;
    let mut pending = Pending::default();
    loop {
        let op = r.read_u8()?;
        match op {
            RDB_OPCODE_EXPIRETIME_MS => pending.expire = Some(r.read_ms()?),
            RDB_OPCODE_EXPIRETIME => pending.expire = Some(r.read_secs()? * 1000),
            RDB_OPCODE_IDLE => pending.idle = Some(r.read_length()?),
            RDB_OPCODE_FREQ => pending.freq = Some(r.read_u8()?),
            RDB_OPCODE_SELECTDB => {
                let id = r.read_length()?;
                if id >= dbs.len() as u64 {
                    return Err(r.error(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                        dbs.len()
                    )));
                }
                db = id as usize;
            }
            RDB_OPCODE_RESIZEDB => {
                let size = r.read_length()?;
                let expires = r.read_length()?;
                let d = &mut dbs[db];
                if d.is_empty() {
                    d.dict.expand(r.capacity_hint(size));
                }
                if d.expires.is_empty() {
                    d.expires.expand(r.capacity_hint(expires));
                }
            }
            RDB_OPCODE_AUX => {
                let k = r.read_string()?;
                let v = r.read_string()?;
                log_aux(&k, &v, opts.now);
                st.aux.push((k, v));
            }
            RDB_OPCODE_MODULE_AUX => {
                let id = r.read_length()?;
                let when_opcode = r.read_length()?;
                r.read_length()?;
                if when_opcode != RDB_MODULE_OPCODE_UINT {
                    return Err(r.error("bad when_opcode"));
                }
                let (name, _) = module_type_name(id);
                return Err(r.error(format!(
                    "The RDB file contains AUX module data I can't load: no matching module '{}'",
                    String::from_utf8_lossy(&name)
                )));
            }
            RDB_OPCODE_FUNCTION_PRE_GA => {
                return Err(r.error("Pre-release function format not supported."));
            }
            RDB_OPCODE_FUNCTION2 => {
                // The library's code: well-formed, but there is no engine to run it.
                r.skip_string()?;
                return Err(
                    r.error("Failed loading library, functions are not supported by this server")
                );
            }
            RDB_OPCODE_EOF => {
                r.verify_trailer()?;
                return Ok(st);
            }
            t if is_object_type(t) => {
                let key = r.read_string()?;
                let p = std::mem::take(&mut pending);
                let val = match read_object(r, t, &opts.limits) {
                    Ok(v) => v,
                    Err(e) if e.msg == MSG_EMPTY_KEY => {
                        st.empty_keys_skipped += 1;
                        if st.empty_keys_skipped <= 10 {
                            log::info!(
                                "rdbLoadObject skipping empty key: {}",
                                String::from_utf8_lossy(&key)
                            );
                        }
                        continue;
                    }
                    Err(e) => return Err(e),
                };
                if let Some(ms) = p.expire {
                    if ms < opts.now {
                        st.keys_expired += 1;
                        continue;
                    }
                }
                insert(r, &mut dbs[db], &key, val, &p, opts)?;
                st.keys_loaded += 1;
            }
            t => return Err(r.error(format!("Unknown RDB opcode or type {t}"))),
        }
    }
}

/// Adds one loaded key (with its TTL and idle time) to `d`.
fn insert<R: Read>(
    r: &RdbReader<R>,
    d: &mut Db,
    key: &[u8],
    val: Value,
    p: &Pending,
    opts: &LoadOptions,
) -> RdbResult<()> {
    if d.dict.contains_key(key) {
        if !opts.merge {
            return Err(r.error(format!(
                "Duplicate key '{}' found in RDB file",
                String::from_utf8_lossy(key)
            )));
        }
        d.remove(key);
    }
    d.add(
        key,
        val,
        lru_field(opts.lfu, opts.now, opts.lru, p.freq, p.idle),
    );
    if let Some(ms) = p.expire {
        d.set_expire(key, ms);
    }
    Ok(())
}

/// The `lru` field of a loaded or restored key (`objectSetLRUOrLFU`): under an LFU policy
/// (`lfu`) the saved counter `freq` with the decrement time now, or without one the counter
/// of a new key; otherwise the LRU clock `clock` minus the saved idle seconds `idle`.
pub fn lru_field(lfu: bool, now_ms: i64, clock: u32, freq: Option<u8>, idle: Option<u64>) -> u32 {
    use crate::db::lfu;
    if lfu {
        match freq {
            Some(f) => (lfu::minutes(now_ms) << 8) | u32::from(f),
            None => lfu::init(now_ms),
        }
    } else {
        idle_to_lru(clock, idle)
    }
}

/// The LRU clock value of a key idle for `idle` seconds (`objectSetLRUOrLFU`; the 24-bit
/// clock wraps).
pub fn idle_to_lru(lru_now: u32, idle: Option<u64>) -> u32 {
    const LRU_CLOCK_MAX: i64 = (1 << 24) - 1;
    match idle {
        None => lru_now,
        Some(idle) => {
            let idle = idle.min(i64::MAX as u64) as i64;
            let mut abs = lru_now as i64 - idle;
            if abs < 0 {
                abs = abs.rem_euclid(LRU_CLOCK_MAX);
            }
            abs as u32
        }
    }
}

/// The notices Redis logs for the AUX fields it knows (`rdbLoadRio`).
fn log_aux(k: &[u8], v: &[u8], now_ms: i64) {
    let text = String::from_utf8_lossy(v);
    match k {
        b"redis-ver" => log::info!("Loading RDB produced by version {text}"),
        b"ctime" => {
            let age = now_ms / 1000 - text.parse::<i64>().unwrap_or(0);
            log::info!("RDB age {} seconds", age.max(0));
        }
        b"used-mem" => {
            let mb = text.parse::<f64>().unwrap_or(0.0) / (1024.0 * 1024.0);
            log::info!("RDB memory usage when created {mb:.2} Mb");
        }
        b"repl-stream-db" | b"repl-id" | b"repl-offset" | b"lua" | b"aof-preamble"
        | b"aof-base" | b"redis-bits" => {}
        _ => log::debug!(
            "Unrecognized RDB AUX field: '{}'",
            String::from_utf8_lossy(k)
        ),
    }
}

/// Formats a load failure the way the server reports it at start-up: the file, the reason
/// and the offset of the problem (a truncated file keeps Redis's "Short read" wording).
pub fn describe(path: &std::path::Path, e: &RdbError) -> String {
    let lead = if e.msg == super::io::MSG_EOF {
        "Short read or OOM loading DB. Unrecoverable error, aborting now."
    } else {
        "Fatal error loading the DB, aborting now."
    };
    format!("{lead} File {}: {}", path.display(), e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::rdb::io::RdbWriter;

    fn opts() -> LoadOptions {
        LoadOptions {
            now: 1_000_000,
            lru: 500,
            lfu: false,
            merge: false,
            limits: TypeLimits::DEFAULT,
        }
    }

    fn file(body: impl FnOnce(&mut RdbWriter<Vec<u8>>)) -> Vec<u8> {
        let mut w = RdbWriter::new(Vec::new(), true, true);
        w.write_header().unwrap();
        body(&mut w);
        w.finish().unwrap();
        w.into_inner().unwrap()
    }

    fn dbs(n: usize) -> Vec<Db> {
        (0..n).map(Db::new).collect()
    }

    fn get(d: &Db, k: &[u8]) -> Vec<u8> {
        d.dict.get(k).unwrap().val.as_str().unwrap().to_vec()
    }

    #[test]
    fn every_opcode_redis_writes() {
        let f = file(|w| {
            w.write_aux(b"redis-ver", b"7.0.15").unwrap();
            w.write_aux(b"future-field", b"x").unwrap();
            w.write_selectdb(2).unwrap();
            w.write_resizedb(4, 2).unwrap();
            w.write_u8(RDB_OPCODE_EXPIRETIME_MS).unwrap();
            w.write_ms(2_000_000).unwrap();
            w.write_u8(RDB_OPCODE_IDLE).unwrap();
            w.write_len(100).unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"a").unwrap();
            w.write_string(b"12345").unwrap();
            w.write_u8(RDB_OPCODE_FREQ).unwrap();
            w.write_u8(5).unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"b").unwrap();
            w.write_string(&[b'z'; 100]).unwrap();
            // Old-style seconds expiry, in the past: skipped.
            w.write_u8(RDB_OPCODE_EXPIRETIME).unwrap();
            w.write_raw(&10i32.to_le_bytes()).unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"gone").unwrap();
            w.write_string(b"x").unwrap();
            // SELECTDB again (interleaved databases load fine).
            w.write_selectdb(0).unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"c").unwrap();
            w.write_string(b"").unwrap();
            w.write_selectdb(2).unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"d").unwrap();
            w.write_string(b"-1").unwrap();
        });
        let mut d = dbs(3);
        let st = load(&mut RdbReader::from_slice(&f), &mut d, &opts()).unwrap();
        assert_eq!((st.keys_loaded, st.keys_expired), (4, 1));
        assert_eq!(st.aux_field(b"redis-ver"), Some(&b"7.0.15"[..]));
        assert_eq!(get(&d[2], b"a"), b"12345");
        assert_eq!(d[2].dict.get(&b"a"[..]).unwrap().val.encoding(), "int");
        assert_eq!(d[2].expire_of(b"a"), Some(2_000_000));
        assert_eq!(d[2].dict.get(&b"a"[..]).unwrap().lru, 400);
        assert_eq!(get(&d[2], b"b"), vec![b'z'; 100]);
        assert_eq!(d[2].dict.get(&b"b"[..]).unwrap().lru, 500);
        assert_eq!(d[2].expire_of(b"b"), None);
        assert_eq!(get(&d[0], b"c"), b"");
        assert_eq!(get(&d[2], b"d"), b"-1");
        assert!(d[2].dict.get(&b"gone"[..]).is_none());
    }

    #[test]
    fn idle_and_freq_apply_as_the_policy_says() {
        use crate::db::lfu;
        use crate::persistence::rdb::encode::{write_entry, LruRecord};
        let f = file(|w| {
            let v = Value::Str(Str::from_bytes(b"v"));
            write_entry(w, b"idle", &v, None, LruRecord::Idle(100)).unwrap();
            write_entry(w, b"freq", &v, None, LruRecord::Freq(42)).unwrap();
            write_entry(w, b"none", &v, None, LruRecord::None).unwrap();
        });
        let now = 1_700_000_000_000;
        let lru_of = |lfu: bool| {
            let mut d = dbs(1);
            let o = LoadOptions {
                now,
                lru: 500,
                lfu,
                ..opts()
            };
            load(&mut RdbReader::from_slice(&f), &mut d, &o).unwrap();
            ["idle", "freq", "none"].map(|k| d[0].dict.get(k.as_bytes()).unwrap().lru)
        };
        // Not LFU: IDLE sets the clock back, FREQ is ignored (objectSetLRUOrLFU).
        assert_eq!(lru_of(false), [400, 500, 500]);
        // LFU: FREQ is the counter (decrement time now), IDLE is ignored: a new key's counter.
        let m = lfu::minutes(now) << 8;
        assert_eq!(lru_of(true), [m | 5, m | 42, m | 5]);
        assert_eq!(lfu::decr_and_return(m | 42, now, 1), 42);
    }

    #[test]
    fn refusals_name_the_problem_and_offset() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                file(|w| w.write_selectdb(16).unwrap()),
                "configured to handle more than 2 databases",
            ),
            (
                file(|w| {
                    w.write_u8(RDB_OPCODE_MODULE_AUX).unwrap();
                    w.write_len(12345 << 10).unwrap();
                    w.write_len(2).unwrap();
                    w.write_len(2).unwrap();
                }),
                "AUX module data I can't load: no matching module '",
            ),
            (
                file(|w| {
                    w.write_u8(RDB_OPCODE_FUNCTION2).unwrap();
                    w.write_string(b"#!lua name=x\n").unwrap();
                }),
                "Failed loading library",
            ),
            (
                file(|w| w.write_u8(RDB_OPCODE_FUNCTION_PRE_GA).unwrap()),
                "Pre-release function format not supported.",
            ),
            (
                file(|w| {
                    w.write_u8(RDB_TYPE_SET_LISTPACK).unwrap();
                    w.write_string(b"l").unwrap();
                }),
                "RDB type 20 (set) cannot be loaded",
            ),
            (
                file(|w| w.write_u8(8).unwrap()),
                "Unknown RDB opcode or type 8",
            ),
            (
                file(|w| {
                    for _ in 0..2 {
                        w.write_u8(RDB_TYPE_STRING).unwrap();
                        w.write_string(b"k").unwrap();
                        w.write_string(b"v").unwrap();
                    }
                }),
                "Duplicate key 'k'",
            ),
        ];
        for (f, want) in cases {
            let err = load(&mut RdbReader::from_slice(&f), &mut dbs(2), &opts()).unwrap_err();
            assert!(err.msg.contains(want), "{} !~ {}", err.msg, want);
            assert!(err.offset > 9 && err.offset <= f.len() as u64, "{err}");
        }
        // Truncations anywhere fail (never panic).
        let f = file(|w| {
            w.write_aux(b"redis-ver", b"7.0.15").unwrap();
            w.write_u8(RDB_TYPE_STRING).unwrap();
            w.write_string(b"k").unwrap();
            w.write_string(&[b'q'; 64]).unwrap();
        });
        for cut in 0..f.len() {
            assert!(load(&mut RdbReader::from_slice(&f[..cut]), &mut dbs(1), &opts()).is_err());
        }
    }

    #[test]
    fn merge_replaces_duplicates() {
        let f = file(|w| {
            for v in [b"1", b"2"] {
                w.write_u8(RDB_TYPE_STRING).unwrap();
                w.write_string(b"k").unwrap();
                w.write_string(v).unwrap();
            }
        });
        let mut d = dbs(1);
        let o = LoadOptions {
            merge: true,
            ..opts()
        };
        load(&mut RdbReader::from_slice(&f), &mut d, &o).unwrap();
        assert_eq!(get(&d[0], b"k"), b"2");
    }

    #[test]
    fn restore_bodies() {
        assert_eq!(
            restore_payload(b"\x00\x03abc", &TypeLimits::DEFAULT)
                .unwrap()
                .as_str()
                .unwrap()
                .to_vec(),
            b"abc"
        );
        assert!(restore_payload(b"\x00\x05ab", &TypeLimits::DEFAULT).is_none());
        assert!(restore_payload(b"\x08\x01a", &TypeLimits::DEFAULT).is_none());
        assert!(restore_payload(b"", &TypeLimits::DEFAULT).is_none());
        assert_eq!(idle_to_lru(10, Some(20)), (1 << 24) - 1 - 10);
        assert_eq!(idle_to_lru(10, None), 10);
    }
}
