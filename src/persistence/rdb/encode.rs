//! Value and file encoders: one encoder writing to any `impl Write`, serving BGSAVE, SAVE,
//! `DUMP`, a replica's full sync and the AOF preamble.
//!
//! - [`write_preamble`]: `REDIS0010` and the AUX fields, in Redis's order.
//! - [`write_entry`]: one key record (`[EXPIRETIME_MS] [IDLE | FREQ] type key value`); the
//!   IDLE/FREQ record of an entry comes from [`LruPolicy::record`], fixed when the snapshot
//!   starts.
//! - [`write_object`]: the type dispatch. Each value type has exactly one encoder function,
//!   `encode_<type>(w, &T)` ([`encode_string`], [`encode_list`], [`encode_hash`],
//!   [`encode_set`], [`encode_zset`], [`encode_stream`]), and one RDB type byte per encoding
//!   chosen in [`object_type`], exactly as Redis 7.0 writes them (docs/persistence.md, "Value
//!   encodings").
//! - [`dump_payload`]: `DUMP`'s serialisation (type byte, value, version, CRC-64).

use super::format::*;
use super::io::{create_dump_payload, RdbWriter};
use crate::types::hash::Hash;
use crate::types::list::List;
use crate::types::set::Set;
use crate::types::stream::Stream;
use crate::types::value::{Str, Value};
use crate::types::zset::value::ZSet;
use std::io::{self, Write};

/// What a file's AUX header carries besides the fixed fields.
#[derive(Debug, Clone, Default)]
pub struct AuxInfo {
    pub ctime: i64,
    pub used_mem: u64,
    /// `aof-base` 1 inside an AOF base file.
    pub aof_base: bool,
    /// Replication info (`repl-stream-db`, `repl-id`, `repl-offset`), for full syncs.
    pub repl: Option<(i64, String, i64)>,
}

/// Writes the magic and the AUX fields, in Redis's order (`rdbSaveInfoAuxFields`).
pub fn write_preamble<W: Write>(w: &mut RdbWriter<W>, aux: &AuxInfo) -> io::Result<()> {
    w.write_header()?;
    w.write_aux(b"redis-ver", crate::REDIS_VERSION.as_bytes())?;
    w.write_aux(b"redis-bits", b"64")?;
    w.write_aux(b"ctime", aux.ctime.to_string().as_bytes())?;
    w.write_aux(b"used-mem", aux.used_mem.to_string().as_bytes())?;
    if let Some((db, id, off)) = &aux.repl {
        w.write_aux(b"repl-stream-db", db.to_string().as_bytes())?;
        w.write_aux(b"repl-id", id.as_bytes())?;
        w.write_aux(b"repl-offset", off.to_string().as_bytes())?;
    }
    w.write_aux(b"aof-base", if aux.aof_base { b"1" } else { b"0" })?;
    Ok(())
}

/// The eviction information a key record carries (`rdbSaveKeyValuePair`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LruRecord {
    /// Nothing (neither an LRU nor an LFU `maxmemory-policy`).
    #[default]
    None,
    /// `IDLE`: seconds since the key's last access, as a length.
    Idle(u64),
    /// `FREQ`: the LFU counter, one byte.
    Freq(u8),
}

/// Which [`LruRecord`] a snapshot writes, decided by the `maxmemory-policy` in force when it
/// starts, as Redis decides it in the forked child: `IDLE` under `volatile-lru` /
/// `allkeys-lru`, `FREQ` under `volatile-lfu` / `allkeys-lfu`, nothing otherwise. The clock
/// is the one at the start (the child's frozen LRU clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LruPolicy {
    #[default]
    None,
    /// `IDLE`, against the LRU clock `clock` (seconds, 24 bits).
    Lru { clock: u32 },
    /// `FREQ`: the counter decayed to `now_ms` by `lfu-decay-time` (`LFUDecrAndReturn`).
    Lfu { now_ms: i64, decay_time: i64 },
}

impl LruPolicy {
    /// The policy of a configuration, at `now_ms`.
    pub fn from_config(c: &crate::config::Config, now_ms: i64) -> Self {
        use crate::config::MaxmemoryPolicy as P;
        match c.maxmemory_policy {
            P::VolatileLru | P::AllkeysLru => LruPolicy::Lru {
                clock: crate::core::Core::lru_clock(now_ms),
            },
            P::VolatileLfu | P::AllkeysLfu => LruPolicy::Lfu {
                now_ms,
                decay_time: c.lfu_decay_time,
            },
            _ => LruPolicy::None,
        }
    }

    /// The record of an entry whose `lru` field is `lru` (an LRU clock value or an LFU
    /// counter, whichever the policy keeps).
    pub fn record(&self, lru: u32) -> LruRecord {
        match *self {
            LruPolicy::None => LruRecord::None,
            LruPolicy::Lru { clock } => LruRecord::Idle(idle_secs(clock, lru)),
            LruPolicy::Lfu { now_ms, decay_time } => LruRecord::Freq(
                crate::db::lfu::decr_and_return(lru, now_ms, decay_time).min(255) as u8,
            ),
        }
    }
}

/// Seconds since an access at LRU clock `lru`, the clock being `clock` now; the 24-bit clock
/// wraps (`estimateObjectIdleTime` / 1000).
pub fn idle_secs(clock: u32, lru: u32) -> u64 {
    const LRU_CLOCK_MAX: u64 = (1 << 24) - 1;
    let (clock, lru) = (u64::from(clock), u64::from(lru));
    if clock >= lru {
        clock - lru
    } else {
        clock + LRU_CLOCK_MAX.saturating_sub(lru)
    }
}

/// Writes one key record: `[EXPIRETIME_MS ms] [IDLE secs | FREQ counter] type key value`,
/// in Redis's order.
pub fn write_entry<W: Write>(
    w: &mut RdbWriter<W>,
    key: &[u8],
    val: &Value,
    expire: Option<i64>,
    lru: LruRecord,
) -> io::Result<()> {
    if let Some(ms) = expire {
        w.write_u8(RDB_OPCODE_EXPIRETIME_MS)?;
        w.write_ms(ms)?;
    }
    match lru {
        LruRecord::None => {}
        LruRecord::Idle(secs) => {
            w.write_u8(RDB_OPCODE_IDLE)?;
            w.write_len(secs)?;
        }
        LruRecord::Freq(counter) => {
            w.write_u8(RDB_OPCODE_FREQ)?;
            w.write_u8(counter)?;
        }
    }
    w.write_u8(object_type(val))?;
    w.write_string(key)?;
    write_object(w, val)
}

/// The RDB type byte Redis 7.0 writes for a value (`rdbSaveObjectType`).
pub fn object_type(v: &Value) -> u8 {
    match v {
        Value::Str(_) => RDB_TYPE_STRING,
        Value::List(_) => RDB_TYPE_LIST_QUICKLIST_2,
        Value::Hash(h) => {
            if h.encoding() == "listpack" {
                RDB_TYPE_HASH_LISTPACK
            } else {
                RDB_TYPE_HASH
            }
        }
        Value::Set(s) => {
            if s.encoding() == "intset" {
                RDB_TYPE_SET_INTSET
            } else {
                RDB_TYPE_SET
            }
        }
        Value::ZSet(z) => {
            if z.encoding() == "listpack" {
                RDB_TYPE_ZSET_LISTPACK
            } else {
                RDB_TYPE_ZSET_2
            }
        }
        Value::Stream(_) => RDB_TYPE_STREAM_LISTPACKS_2,
    }
}

/// Writes a value's payload (after its type byte), as `rdbSaveObject` does: one encoder per
/// type (see the module docs).
pub fn write_object<W: Write>(w: &mut RdbWriter<W>, v: &Value) -> io::Result<()> {
    match v {
        Value::Str(s) => encode_string(w, s),
        Value::Hash(h) => encode_hash(w, h),
        Value::Set(s) => encode_set(w, s),
        Value::Stream(s) => encode_stream(w, s),
        Value::ZSet(z) => encode_zset(w, z),
        Value::List(l) => encode_list(w, l),
    }
}

/// Lists, `QUICKLIST_2`: the node count, then per node its container (always packed here)
/// and its listpack blob as a string.
pub fn encode_list<W: Write>(w: &mut RdbWriter<W>, l: &List) -> io::Result<()> {
    w.write_len(l.node_count() as u64)?;
    for lp in l.nodes() {
        w.write_len(QUICKLIST_NODE_CONTAINER_PACKED)?;
        w.write_string(lp.as_bytes())?;
    }
    Ok(())
}

/// A sorted set (`rdbSaveObject`): the listpack blob as one string (`ZSET_LISTPACK`), or for
/// a skiplist the length then `member, binary double` pairs from the highest score down
/// (`ZSET_2`; Redis writes them in that order so the loader inserts at the head).
pub fn encode_zset<W: Write>(w: &mut RdbWriter<W>, z: &ZSet) -> io::Result<()> {
    if let Some(lp) = z.as_listpack() {
        return w.write_string(lp.as_bytes());
    }
    let n = z.len();
    w.write_len(n as u64)?;
    if n > 0 {
        let mut buf = Vec::new();
        for (m, s) in z.iter_from(n - 1, true) {
            buf.clear();
            m.write_to(&mut buf);
            w.write_string(&buf)?;
            w.write_double_binary(s)?;
        }
    }
    Ok(())
}

/// `RDB_TYPE_STRING` payload: integers int-encoded when they fit in 32 bits, long strings
/// LZF-compressed when that saves space (`rdbSaveStringObject`).
pub fn encode_string<W: Write>(w: &mut RdbWriter<W>, s: &Str) -> io::Result<()> {
    match s {
        Str::Int(i) => w.write_int_as_string(*i),
        Str::Emb(b) => w.write_string(b),
        Str::Raw(v) => w.write_string(v),
    }
}

/// Hashes: the listpack blob as one string (`HASH_LISTPACK`), or the field count and each
/// field and value as strings (`HASH`, in table order).
pub fn encode_hash<W: Write>(w: &mut RdbWriter<W>, h: &Hash) -> io::Result<()> {
    if let Some(lp) = h.as_listpack() {
        return w.write_string(lp.as_bytes());
    }
    w.write_len(h.len() as u64)?;
    let mut buf = Vec::new();
    for (f, v) in h.iter() {
        buf.clear();
        f.write_to(&mut buf);
        w.write_string(&buf)?;
        buf.clear();
        v.write_to(&mut buf);
        w.write_string(&buf)?;
    }
    Ok(())
}

/// Sets: the intset blob as one string (`SET_INTSET`), or the member count and each member
/// as a string (`SET`, in table order).
pub fn encode_set<W: Write>(w: &mut RdbWriter<W>, s: &Set) -> io::Result<()> {
    if let Some(is) = s.as_intset() {
        return w.write_string(is.as_bytes());
    }
    w.write_len(s.len() as u64)?;
    let mut buf = Vec::new();
    for m in s.iter() {
        buf.clear();
        m.write_to(&mut buf);
        w.write_string(&buf)?;
    }
    Ok(())
}

/// Streams, `STREAM_LISTPACKS_2` (`rdbSaveObject`): the nodes (16-byte big-endian master ID
/// and listpack blob, both as strings), the metadata, then each group (name, last ID, entries
/// read, its PEL with delivery times and counts, its consumers with seen time and the raw IDs
/// of their PEL), everything in rax (byte) order.
pub fn encode_stream<W: Write>(w: &mut RdbWriter<W>, s: &Stream) -> io::Result<()> {
    w.write_len(s.nodes.len() as u64)?;
    for (id, lp) in s.nodes.iter() {
        w.write_string(&id.encode())?;
        w.write_string(lp)?;
    }
    w.write_len(s.length)?;
    w.write_len(s.last_id.ms)?;
    w.write_len(s.last_id.seq)?;
    w.write_len(s.first_id.ms)?;
    w.write_len(s.first_id.seq)?;
    w.write_len(s.max_deleted_entry_id.ms)?;
    w.write_len(s.max_deleted_entry_id.seq)?;
    w.write_len(s.entries_added)?;
    w.write_len(s.groups.len() as u64)?;
    for (name, g) in &s.groups {
        w.write_string(name)?;
        w.write_len(g.last_id.ms)?;
        w.write_len(g.last_id.seq)?;
        // A `long long` saved as a length: -1 (unknown) becomes 2^64 - 1, as in Redis.
        w.write_len(g.entries_read as u64)?;
        w.write_len(g.pel.len() as u64)?;
        for (id, nack) in &g.pel {
            w.write_raw(&id.encode())?;
            w.write_ms(nack.delivery_time)?;
            w.write_len(nack.delivery_count)?;
        }
        w.write_len(g.consumers.len() as u64)?;
        for (cname, c) in &g.consumers {
            w.write_string(cname)?;
            w.write_ms(c.seen_time)?;
            w.write_len(c.pel.len() as u64)?;
            for id in &c.pel {
                w.write_raw(&id.encode())?;
            }
        }
    }
    Ok(())
}

/// `DUMP`'s serialisation of a value: type byte, payload, RDB version, CRC-64
/// (`createDumpPayload`). `compress` follows `rdbcompression`.
pub fn dump_payload(v: &Value, compress: bool) -> io::Result<Vec<u8>> {
    let mut w = RdbWriter::new(Vec::new(), false, compress);
    w.write_u8(object_type(v))?;
    write_object(&mut w, v)?;
    Ok(create_dump_payload(&w.into_inner()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::persistence::rdb::io::verify_dump_payload;

    #[test]
    fn dump_of_strings_matches_redis_bytes() {
        // Observed from redis-server 7.0.15: DUMP of "hello" and of 12345.
        let p = dump_payload(&Value::Str(Str::from_bytes(b"hello")), true).unwrap();
        assert_eq!(&p[..8], b"\x00\x05hello\x0a"[..8].as_ref());
        assert_eq!(&p[7..9], &[10, 0]);
        assert!(verify_dump_payload(&p, false).is_ok());
        let p = dump_payload(&Value::Str(Str::Int(12345)), true).unwrap();
        assert_eq!(&p[..4], &[0x00, 0xc1, 0x39, 0x30]);
    }

    fn entry(expire: Option<i64>, lru: LruRecord) -> Vec<u8> {
        let mut w = RdbWriter::new(Vec::new(), false, false);
        write_entry(
            &mut w,
            b"k",
            &Value::Str(Str::from_bytes(b"v")),
            expire,
            lru,
        )
        .unwrap();
        w.into_inner().unwrap()
    }

    #[test]
    fn key_records_carry_idle_or_freq_after_the_expiry() {
        // rdbSaveKeyValuePair's order: EXPIRETIME_MS, IDLE (length) or FREQ (one byte),
        // then type, key, value.
        assert_eq!(entry(None, LruRecord::None), b"\x00\x01k\x01v");
        assert_eq!(entry(None, LruRecord::Idle(5)), b"\xf8\x05\x00\x01k\x01v");
        assert_eq!(
            entry(None, LruRecord::Idle(70_000)),
            b"\xf8\x80\x00\x01\x11\x70\x00\x01k\x01v"
        );
        assert_eq!(entry(None, LruRecord::Freq(200)), b"\xf9\xc8\x00\x01k\x01v");
        let mut want = vec![RDB_OPCODE_EXPIRETIME_MS];
        want.extend_from_slice(&1234i64.to_le_bytes());
        want.extend_from_slice(b"\xf9\x05\x00\x01k\x01v");
        assert_eq!(entry(Some(1234), LruRecord::Freq(5)), want);
    }

    #[test]
    fn the_policy_decides_the_record() {
        use crate::config::{Config, MaxmemoryPolicy as P};
        use crate::db::lfu;
        let now = 1_700_000_000_000i64;
        let clock = crate::core::Core::lru_clock(now);
        let mut c = Config::default();
        for (p, want) in [
            (P::Noeviction, LruPolicy::None),
            (P::AllkeysRandom, LruPolicy::None),
            (P::VolatileRandom, LruPolicy::None),
            (P::VolatileTtl, LruPolicy::None),
            (P::AllkeysLru, LruPolicy::Lru { clock }),
            (P::VolatileLru, LruPolicy::Lru { clock }),
            (
                P::AllkeysLfu,
                LruPolicy::Lfu {
                    now_ms: now,
                    decay_time: 1,
                },
            ),
            (
                P::VolatileLfu,
                LruPolicy::Lfu {
                    now_ms: now,
                    decay_time: 1,
                },
            ),
        ] {
            c.maxmemory_policy = p;
            assert_eq!(LruPolicy::from_config(&c, now), want, "{p:?}");
        }
        // Idle seconds against the start's clock, wrapping at 24 bits.
        assert_eq!(LruPolicy::None.record(5), LruRecord::None);
        let lru = LruPolicy::Lru { clock: 100 };
        assert_eq!(lru.record(40), LruRecord::Idle(60));
        assert_eq!(lru.record(100), LruRecord::Idle(0));
        assert_eq!(
            LruPolicy::Lru { clock: 10 }.record((1 << 24) - 6),
            LruRecord::Idle(15)
        );
        // The LFU counter decayed to the start (LFUDecrAndReturn): 3 minutes at
        // lfu-decay-time 1 take 3 off.
        let counter = (lfu::minutes(now) << 8) | 42;
        let at = |mins: i64, decay_time: i64| LruPolicy::Lfu {
            now_ms: now + mins * 60_000,
            decay_time,
        };
        assert_eq!(at(0, 1).record(counter), LruRecord::Freq(42));
        assert_eq!(at(3, 1).record(counter), LruRecord::Freq(39));
        assert_eq!(at(3, 0).record(counter), LruRecord::Freq(42));
        assert_eq!(at(100, 1).record(counter), LruRecord::Freq(0));
    }
}
