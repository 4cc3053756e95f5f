//! Frozen on-disk constants of the RDB format (Redis 7.0's `src/rdb.h`, plus the 7.2 type codes
//! that the loader accepts).
//!
//! Everything here is part of the file format: never renumber. The encoder and decoder
//! (`super::io` and the per-type layers above it) name these constants instead of literals.

/// The RDB version this server writes (Redis 7.0): files start with `REDIS0010`.
pub const RDB_VERSION: u16 = 10;
/// The newest version the loader accepts (Redis 7.2 writes 11; its new types 20/21 are loadable).
pub const RDB_MAX_LOAD_VERSION: u16 = 11;
/// The 5-byte signature that precedes the 4-digit version.
pub const RDB_MAGIC: &[u8; 5] = b"REDIS";
/// The full header written by this server.
pub const RDB_HEADER: &[u8; 9] = b"REDIS0010";
/// First version whose files end with a CRC-64 trailer after the EOF opcode.
pub const RDB_CHECKSUM_MIN_VERSION: u16 = 5;

// ---- Length encoding (the two most significant bits of the first byte) ----

/// `00xxxxxx`: a 6-bit length in the same byte.
pub const RDB_6BITLEN: u8 = 0;
/// `01xxxxxx xxxxxxxx`: a 14-bit big-endian length.
pub const RDB_14BITLEN: u8 = 1;
/// Whole first byte `0x80`: a 32-bit big-endian length follows.
pub const RDB_32BITLEN: u8 = 0x80;
/// Whole first byte `0x81`: a 64-bit big-endian length follows.
pub const RDB_64BITLEN: u8 = 0x81;
/// `11xxxxxx`: a specially encoded object follows; the low 6 bits are an `RDB_ENC_*` value.
pub const RDB_ENCVAL: u8 = 3;

// ---- Special string encodings (low 6 bits after `RDB_ENCVAL`) ----

/// 8-bit signed integer.
pub const RDB_ENC_INT8: u8 = 0;
/// 16-bit signed integer, little-endian.
pub const RDB_ENC_INT16: u8 = 1;
/// 32-bit signed integer, little-endian.
pub const RDB_ENC_INT32: u8 = 2;
/// LZF-compressed string: compressed length, uncompressed length, then the blob.
pub const RDB_ENC_LZF: u8 = 3;

/// Redis only tries the integer encoding for strings up to this length.
pub const RDB_INT_ENCODING_MAX_LEN: usize = 11;
/// Redis only tries LZF for strings longer than this (`rdbcompression yes`).
pub const RDB_LZF_MIN_LEN: usize = 20;

// ---- Object types ----

pub const RDB_TYPE_STRING: u8 = 0;
pub const RDB_TYPE_LIST: u8 = 1;
pub const RDB_TYPE_SET: u8 = 2;
/// Scores stored as strings (`rdbSaveDoubleValue`); load only.
pub const RDB_TYPE_ZSET: u8 = 3;
pub const RDB_TYPE_HASH: u8 = 4;
/// Scores stored as binary little-endian doubles.
pub const RDB_TYPE_ZSET_2: u8 = 5;
/// Module value written by pre-GA modules API (not loadable by Redis 7.0 either).
pub const RDB_TYPE_MODULE_PRE_GA: u8 = 6;
/// Module value with opcodes for each field.
pub const RDB_TYPE_MODULE_2: u8 = 7;
// 8 is unused.
pub const RDB_TYPE_HASH_ZIPMAP: u8 = 9;
pub const RDB_TYPE_LIST_ZIPLIST: u8 = 10;
pub const RDB_TYPE_SET_INTSET: u8 = 11;
pub const RDB_TYPE_ZSET_ZIPLIST: u8 = 12;
pub const RDB_TYPE_HASH_ZIPLIST: u8 = 13;
pub const RDB_TYPE_LIST_QUICKLIST: u8 = 14;
pub const RDB_TYPE_STREAM_LISTPACKS: u8 = 15;
pub const RDB_TYPE_HASH_LISTPACK: u8 = 16;
pub const RDB_TYPE_ZSET_LISTPACK: u8 = 17;
pub const RDB_TYPE_LIST_QUICKLIST_2: u8 = 18;
pub const RDB_TYPE_STREAM_LISTPACKS_2: u8 = 19;
/// Redis 7.2 (RDB 11); loadable, never written.
pub const RDB_TYPE_SET_LISTPACK: u8 = 20;
/// Redis 7.2 (RDB 11); loadable, never written.
pub const RDB_TYPE_STREAM_LISTPACKS_3: u8 = 21;

/// Highest object type this server writes (the RDB 10 range).
pub const RDB_TYPE_MAX_WRITTEN: u8 = RDB_TYPE_STREAM_LISTPACKS_2;
/// Highest object type the loader accepts.
pub const RDB_TYPE_MAX_LOADED: u8 = RDB_TYPE_STREAM_LISTPACKS_3;

/// Whether `t` is an object type the loader knows (`rdbIsObjectType`, extended to 7.2's 20/21).
pub fn is_object_type(t: u8) -> bool {
    t <= RDB_TYPE_MODULE_2 || (RDB_TYPE_HASH_ZIPMAP..=RDB_TYPE_MAX_LOADED).contains(&t)
}

// ---- Opcodes (saved where a type byte is expected) ----

/// A function library (its code as a string). Redis 7.0 GA.
pub const RDB_OPCODE_FUNCTION2: u8 = 245;
/// Function library in the 7.0 release-candidate format; Redis 7.0 GA refuses it.
pub const RDB_OPCODE_FUNCTION_PRE_GA: u8 = 246;
/// Module auxiliary data.
pub const RDB_OPCODE_MODULE_AUX: u8 = 247;
/// LRU idle time of the next key, length-encoded seconds.
pub const RDB_OPCODE_IDLE: u8 = 248;
/// LFU frequency of the next key, one byte.
pub const RDB_OPCODE_FREQ: u8 = 249;
/// Auxiliary field: two strings (name, value).
pub const RDB_OPCODE_AUX: u8 = 250;
/// Hash table size hints: db size, expires size (two lengths).
pub const RDB_OPCODE_RESIZEDB: u8 = 251;
/// Expire time of the next key, 8-byte little-endian unix milliseconds.
pub const RDB_OPCODE_EXPIRETIME_MS: u8 = 252;
/// Old expire time of the next key, 4-byte unix seconds.
pub const RDB_OPCODE_EXPIRETIME: u8 = 253;
/// Select database: a length follows.
pub const RDB_OPCODE_SELECTDB: u8 = 254;
/// End of the file; a CRC-64 follows when the version is at least 5.
pub const RDB_OPCODE_EOF: u8 = 255;

/// Whether `t` is one of the opcodes above (`rdbIsOpcode` style range check).
pub fn is_opcode(t: u8) -> bool {
    t >= RDB_OPCODE_FUNCTION2
}

// ---- Module values (`RDB_TYPE_MODULE_2` and `RDB_OPCODE_MODULE_AUX`) ----

/// Sub-opcodes preceding each field of a module value.
pub const RDB_MODULE_OPCODE_EOF: u64 = 0;
pub const RDB_MODULE_OPCODE_SINT: u64 = 1;
pub const RDB_MODULE_OPCODE_UINT: u64 = 2;
pub const RDB_MODULE_OPCODE_FLOAT: u64 = 3;
pub const RDB_MODULE_OPCODE_DOUBLE: u64 = 4;
pub const RDB_MODULE_OPCODE_STRING: u64 = 5;
/// A module type id is 64 bits: 9 name characters of 6 bits each, then 10 bits of encoding version.
pub const REDISMODULE_TYPE_ENCVER_BITS: u32 = 10;
/// Mask of the encoding version within a module id.
pub const REDISMODULE_TYPE_ENCVER_MASK: u64 = (1 << REDISMODULE_TYPE_ENCVER_BITS) - 1;
/// The 64 characters a module type name is made of, indexed by its 6-bit codes.
pub const MODULE_TYPE_NAME_CHARSET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// `RDB_OPCODE_MODULE_AUX` `when` values.
pub const REDISMODULE_AUX_BEFORE_RDB: u64 = 1 << 0;
pub const REDISMODULE_AUX_AFTER_RDB: u64 = 1 << 1;

/// Decode a module id into its 9-character type name and encoding version.
pub fn module_type_name(id: u64) -> ([u8; 9], u64) {
    let mut name = [0u8; 9];
    let mut bits = id >> REDISMODULE_TYPE_ENCVER_BITS;
    for slot in name.iter_mut().rev() {
        *slot = MODULE_TYPE_NAME_CHARSET[(bits & 63) as usize];
        bits >>= 6;
    }
    (name, id & REDISMODULE_TYPE_ENCVER_MASK)
}

// ---- Quicklist node containers (`RDB_TYPE_LIST_QUICKLIST_2`) ----

/// A node holding one plain (large) element.
pub const QUICKLIST_NODE_CONTAINER_PLAIN: u64 = 1;
/// A node holding a listpack.
pub const QUICKLIST_NODE_CONTAINER_PACKED: u64 = 2;

// ---- Old-style double strings (`RDB_TYPE_ZSET`) ----

/// Length byte meaning NaN in `rdbSaveDoubleValue`.
pub const RDB_DOUBLE_NAN: u8 = 253;
/// Length byte meaning +inf.
pub const RDB_DOUBLE_POS_INF: u8 = 254;
/// Length byte meaning -inf.
pub const RDB_DOUBLE_NEG_INF: u8 = 255;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_types_match_redis_ranges() {
        let known: Vec<u8> = (0..=255u8).filter(|&t| is_object_type(t)).collect();
        let mut expected: Vec<u8> = (0..=7).collect();
        expected.extend(9..=21);
        assert_eq!(known, expected);
        assert!(!is_object_type(8));
        assert!(!is_object_type(22));
    }

    #[test]
    fn opcodes_are_245_to_255() {
        let ops: Vec<u8> = (0..=255u8).filter(|&t| is_opcode(t)).collect();
        assert_eq!(ops, (245..=255).collect::<Vec<u8>>());
        assert_eq!(RDB_HEADER[..5], RDB_MAGIC[..]);
        assert_eq!(&RDB_HEADER[5..], format!("{:04}", RDB_VERSION).as_bytes());
    }

    #[test]
    fn module_id_decodes_name_and_version() {
        // Encode "MyType123" version 7 the way RM_CreateDataType does.
        let name = b"MyType123";
        let mut id: u64 = 0;
        for &c in name {
            let code = MODULE_TYPE_NAME_CHARSET
                .iter()
                .position(|&x| x == c)
                .unwrap() as u64;
            id = (id << 6) | code;
        }
        id = (id << REDISMODULE_TYPE_ENCVER_BITS) | 7;
        assert_eq!(module_type_name(id), (*name, 7));
    }
}
