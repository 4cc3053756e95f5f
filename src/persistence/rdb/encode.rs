//! Value and file encoders: one encoder writing to any `impl Write`, serving BGSAVE, SAVE,
//! `DUMP`, a replica's full sync and the AOF preamble.

use super::format::*;
use super::io::RdbWriter;
use crate::types::value::{Str, Value};
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

/// Writes one key record: `[EXPIRETIME_MS ms] type key value`.
pub fn write_entry<W: Write>(
    w: &mut RdbWriter<W>,
    key: &[u8],
    val: &Value,
    expire: Option<i64>,
) -> io::Result<()> {
    if let Some(ms) = expire {
        w.write_u8(RDB_OPCODE_EXPIRETIME_MS)?;
        w.write_ms(ms)?;
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

/// Writes a value's payload (after its type byte), as `rdbSaveObject` does.
pub fn write_object<W: Write>(w: &mut RdbWriter<W>, v: &Value) -> io::Result<()> {
    match v {
        Value::Str(Str::Int(i)) => w.write_int_as_string(*i),
        Value::Str(s) => {
            let mut tmp = [0u8; 24];
            w.write_string(s.as_bytes(&mut tmp))
        }
        Value::List(_) | Value::Hash(_) | Value::Set(_) | Value::ZSet(_) | Value::Stream(_) => {
            Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("no RDB encoder yet for type {}", v.type_name()),
            ))
        }
    }
}
