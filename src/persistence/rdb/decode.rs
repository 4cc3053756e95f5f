//! File and value decoders. The decoder validates strictly: any inconsistency is an
//! `RdbError` carrying the offset, never a panic and never half a dataset.

use super::format::*;
use super::io::{RdbError, RdbReader, RdbResult};
use crate::db::keyspace::Db;
use crate::types::value::{Str, Value};
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

/// Reads a value of RDB type `ty` (`rdbLoadObject`).
pub fn read_object<R: Read>(r: &mut RdbReader<R>, ty: u8) -> RdbResult<Value> {
    match ty {
        RDB_TYPE_STRING => Ok(Value::Str(Str::from_vec(r.read_string()?))),
        _ => Err(r.error(format!("Unknown RDB encoding type {ty}"))),
    }
}

/// Loads a whole RDB stream into `dbs` (which the caller has emptied). Keys whose expiry is
/// before `now` are skipped, as a master does when loading. Returns the load statistics.
pub fn load<R: Read>(
    r: &mut RdbReader<R>,
    dbs: &mut [Db],
    now: i64,
    lru: u32,
) -> RdbResult<LoadStats> {
    let mut st = LoadStats {
        version: r.read_header()?,
        ..Default::default()
    };
    let mut db = 0usize;
    let mut expire: Option<i64> = None;
    loop {
        let op = r.read_u8()?;
        match op {
            RDB_OPCODE_EXPIRETIME_MS => expire = Some(r.read_ms()?),
            RDB_OPCODE_EXPIRETIME => expire = Some(r.read_secs()? * 1000),
            RDB_OPCODE_IDLE => {
                r.read_length()?;
            }
            RDB_OPCODE_FREQ => {
                r.read_u8()?;
            }
            RDB_OPCODE_SELECTDB => {
                let id = r.read_length()?;
                if id as usize >= dbs.len() {
                    return Err(r.error(format!(
                        "FATAL: Data file was created with a Redis server configured to handle more than {} databases. Exiting",
                        dbs.len()
                    )));
                }
                db = id as usize;
            }
            RDB_OPCODE_RESIZEDB => {
                r.read_length()?;
                r.read_length()?;
            }
            RDB_OPCODE_AUX => {
                let k = r.read_string()?;
                let v = r.read_string()?;
                st.aux.push((k, v));
            }
            RDB_OPCODE_MODULE_AUX => {
                return Err(r.error(
                    "The RDB file contains AUX module data I can't load: no matching module",
                ));
            }
            RDB_OPCODE_FUNCTION2 | RDB_OPCODE_FUNCTION_PRE_GA => {
                return Err(
                    r.error("The RDB file contains functions, which oxidis does not support")
                );
            }
            RDB_OPCODE_EOF => {
                r.verify_trailer()?;
                return Ok(st);
            }
            t if is_object_type(t) => {
                let key = r.read_string()?;
                let val = read_object(r, t)?;
                let exp = expire.take();
                if let Some(ms) = exp {
                    if ms < now {
                        st.keys_expired += 1;
                        continue;
                    }
                }
                let d = &mut dbs[db];
                if d.dict.contains_key(&key[..]) {
                    return Err(r.error(format!(
                        "Duplicate key '{}' found in RDB file",
                        String::from_utf8_lossy(&key)
                    )));
                }
                d.add(&key, val, lru);
                if let Some(ms) = exp {
                    d.set_expire(&key, ms);
                }
                st.keys_loaded += 1;
            }
            t => return Err(r.error(format!("Unknown RDB opcode or type {t}"))),
        }
    }
}

/// Formats a load failure the way the server reports it at start-up.
pub fn describe(path: &std::path::Path, e: &RdbError) -> String {
    format!(
        "Short read or OOM loading DB. Unrecoverable error, aborting now. File {}: {}",
        path.display(),
        e
    )
}
