//! File and value decoders. The decoder validates strictly: any inconsistency is an
//! `RdbError` carrying the offset, never a panic.
//!
//! - [`load`]: the main loop of `rdbLoadRio`: every opcode Redis 7.0 writes (AUX, MODULE_AUX,
//!   FUNCTION2, SELECTDB, RESIZEDB, EXPIRETIME(_MS), IDLE, FREQ, EOF + CRC-64), then key
//!   records, inserted through `Db` methods.
//! - [`read_object`]: the type dispatch. **Extension point:** each value type has exactly one
//!   decoder function, `decode_<type>(r, rdb_type)`, handling every RDB encoding of that type
//!   (e.g. lists: 1, 10, 14, 18). A type whose decoder is not written yet is refused by
//!   [`no_decoder`] with an error naming it: the load stops, nothing is faked.
//! - [`restore_payload`]: `RESTORE`'s body (type byte + value) into a value.

use super::format::*;
use super::io::{RdbError, RdbReader, RdbResult};
use crate::db::keyspace::Db;
use crate::types::listpack::Listpack;
use crate::types::value::{Str, Value};
use crate::types::zset::value::{Limits as ZsetLimits, ZSet};
use std::io::Read;

/// What a load did (for the log and `INFO persistence`).
#[derive(Debug, Default, Clone)]
pub struct LoadStats {
    pub keys_loaded: u64,
    pub keys_expired: u64,
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
    /// The LRU clock: loaded keys are stamped with it, minus their IDLE time if saved.
    pub lru: u32,
    /// A key already present is replaced instead of failing the load (`DEBUG RELOAD MERGE`).
    pub merge: bool,
}

/// Reads a value of RDB type `ty` (`rdbLoadObject`): one decoder per value type.
pub fn read_object<R: Read>(r: &mut RdbReader<R>, ty: u8) -> RdbResult<Value> {
    match ty {
        RDB_TYPE_STRING => decode_string(r),
        // Plug the collection decoders in here, one function per type:
        // `RDB_TYPE_LIST | ... => decode_list(r, ty)` and so on.
        RDB_TYPE_LIST
        | RDB_TYPE_LIST_ZIPLIST
        | RDB_TYPE_LIST_QUICKLIST
        | RDB_TYPE_LIST_QUICKLIST_2 => Err(no_decoder(r, "list", ty)),
        RDB_TYPE_SET | RDB_TYPE_SET_INTSET | RDB_TYPE_SET_LISTPACK => Err(no_decoder(r, "set", ty)),
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 | RDB_TYPE_ZSET_ZIPLIST | RDB_TYPE_ZSET_LISTPACK => {
            decode_zset(r, ty)
        }
        RDB_TYPE_HASH | RDB_TYPE_HASH_ZIPMAP | RDB_TYPE_HASH_ZIPLIST | RDB_TYPE_HASH_LISTPACK => {
            Err(no_decoder(r, "hash", ty))
        }
        RDB_TYPE_STREAM_LISTPACKS | RDB_TYPE_STREAM_LISTPACKS_2 | RDB_TYPE_STREAM_LISTPACKS_3 => {
            Err(no_decoder(r, "stream", ty))
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
/// (no duplicate member) and converted to a skiplist when they have too many members. The
/// thresholds are Redis's defaults (128 members, 64 bytes): the loader has no access to the
/// running configuration.
pub fn decode_zset<R: Read>(r: &mut RdbReader<R>, ty: u8) -> RdbResult<Value> {
    let limits = ZsetLimits::DEFAULT;
    let z = match ty {
        RDB_TYPE_ZSET | RDB_TYPE_ZSET_2 => {
            let n = r.read_length()?;
            if n == 0 {
                return Err(r.error("Empty zset"));
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

/// `RDB_TYPE_STRING`: raw, int-encoded (8/16/32 bit) or LZF-compressed; stored with the
/// encoding a client-created value would get (`tryObjectEncoding`).
pub fn decode_string<R: Read>(r: &mut RdbReader<R>) -> RdbResult<Value> {
    Ok(Value::Str(Str::from_vec(r.read_string()?)))
}

/// `RESTORE`: a verified payload (type byte, value, footer) into a value. `None` is Redis's
/// `Bad data format`. Like Redis, the value is read from the whole payload: trailing bytes
/// (the footer) are not an error.
pub fn restore_payload(payload: &[u8]) -> Option<Value> {
    let mut r = RdbReader::from_slice(payload);
    let ty = r.read_u8().ok()?;
    if !is_object_type(ty) {
        return None;
    }
    read_object(&mut r, ty).ok()
}

/// One key record's prefix opcodes, consumed by the record that follows.
#[derive(Default)]
struct Pending {
    expire: Option<i64>,
    idle: Option<u64>,
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
            RDB_OPCODE_FREQ => {
                // LFU counters are not kept (no LFU eviction): read and dropped.
                r.read_u8()?;
            }
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
                let val = read_object(r, t)?;
                let p = std::mem::take(&mut pending);
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
    d.add(key, val, idle_to_lru(opts.lru, p.idle));
    if let Some(ms) = p.expire {
        d.set_expire(key, ms);
    }
    Ok(())
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
            merge: false,
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
                    w.write_u8(RDB_TYPE_LIST_QUICKLIST_2).unwrap();
                    w.write_string(b"l").unwrap();
                }),
                "RDB type 18 (list) cannot be loaded",
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
            restore_payload(b"\x00\x03abc")
                .unwrap()
                .as_str()
                .unwrap()
                .to_vec(),
            b"abc"
        );
        assert!(restore_payload(b"\x00\x05ab").is_none());
        assert!(restore_payload(b"\x08\x01a").is_none());
        assert!(restore_payload(b"").is_none());
        assert_eq!(idle_to_lru(10, Some(20)), (1 << 24) - 1 - 10);
        assert_eq!(idle_to_lru(10, None), 10);
    }
}
