//! The value stored under a key, and the string type with Redis's encodings.
//!
//! `OBJECT ENCODING` reports the encoding Redis would use: strings are `int` (a canonical
//! 64-bit integer), `embstr` (created at most 44 bytes long and never modified in place) or
//! `raw`.

use super::hash::Hash;
use super::list::List;
use super::set::Set;
use super::stream::Stream;
use super::zset::value::ZSet;
use crate::util::num;
use std::sync::Arc;

/// Longest string Redis stores as `embstr` (OBJ_ENCODING_EMBSTR_SIZE_LIMIT).
pub const EMBSTR_MAX: usize = 44;

/// A string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Str {
    /// Canonical integer representation (what `tryObjectEncoding` produces).
    Int(i64),
    /// Short string created in one piece.
    Emb(Box<[u8]>),
    /// Any other string; in-place edits (APPEND, SETRANGE) keep it growable.
    Raw(Vec<u8>),
}

impl Str {
    /// Encodes bytes received from a client as Redis's `tryObjectEncoding` would.
    pub fn from_bytes(b: &[u8]) -> Str {
        if b.len() <= 20 {
            if let Some(i) = num::parse_i64(b) {
                return Str::Int(i);
            }
        }
        if b.len() <= EMBSTR_MAX {
            Str::Emb(b.into())
        } else {
            Str::Raw(b.to_vec())
        }
    }

    /// Like [`Str::from_bytes`] but takes ownership (no copy for raw strings).
    pub fn from_vec(v: Vec<u8>) -> Str {
        if v.len() <= EMBSTR_MAX {
            Str::from_bytes(&v)
        } else {
            Str::Raw(v)
        }
    }

    pub fn encoding(&self) -> &'static str {
        match self {
            Str::Int(_) => "int",
            Str::Emb(_) => "embstr",
            Str::Raw(_) => "raw",
        }
    }

    /// The bytes; integers are formatted into `tmp`.
    pub fn as_bytes<'a>(&'a self, tmp: &'a mut [u8; 24]) -> &'a [u8] {
        match self {
            Str::Int(i) => {
                let mut v = Vec::with_capacity(20);
                num::write_i64(*i, &mut v);
                tmp[..v.len()].copy_from_slice(&v);
                &tmp[..v.len()]
            }
            Str::Emb(b) => b,
            Str::Raw(v) => v,
        }
    }

    pub fn to_vec(&self) -> Vec<u8> {
        let mut tmp = [0u8; 24];
        self.as_bytes(&mut tmp).to_vec()
    }

    pub fn len(&self) -> usize {
        match self {
            Str::Int(i) => {
                let mut v = Vec::with_capacity(20);
                num::write_i64(*i, &mut v);
                v.len()
            }
            Str::Emb(b) => b.len(),
            Str::Raw(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The integer value, if the string is one (`getLongLongFromObject`).
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Str::Int(i) => Some(*i),
            Str::Emb(b) => num::parse_i64(b),
            Str::Raw(v) => num::parse_i64(v),
        }
    }

    /// A growable buffer for in-place edits; turns the value `raw`, as Redis's
    /// `dbUnshareStringValue` does.
    pub fn make_raw(&mut self) -> &mut Vec<u8> {
        if !matches!(self, Str::Raw(_)) {
            *self = Str::Raw(self.to_vec());
        }
        match self {
            Str::Raw(v) => v,
            _ => unreachable!("just made raw"),
        }
    }

    /// Approximate heap bytes, for `MEMORY USAGE`.
    pub fn heap_size(&self) -> usize {
        match self {
            Str::Int(_) => 0,
            Str::Emb(b) => b.len(),
            Str::Raw(v) => v.capacity(),
        }
    }
}

/// A value in the keyspace.
///
/// Collections sit behind `Arc` so that a snapshot can hold a point-in-time reference to
/// them for the cost of a reference count; writers reach them through the `*_mut`
/// accessors, which copy a value first only while a snapshot still shares it
/// (`Arc::make_mut`).
#[derive(Debug, Clone)]
pub enum Value {
    Str(Str),
    List(Arc<List>),
    Hash(Arc<Hash>),
    Set(Arc<Set>),
    ZSet(Arc<ZSet>),
    Stream(Arc<Stream>),
}

impl Value {
    /// The name `TYPE` replies with.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Hash(_) => "hash",
            Value::Set(_) => "set",
            Value::ZSet(_) => "zset",
            Value::Stream(_) => "stream",
        }
    }

    /// The name `OBJECT ENCODING` replies with.
    pub fn encoding(&self) -> &'static str {
        match self {
            Value::Str(s) => s.encoding(),
            Value::List(v) => v.encoding(),
            Value::Hash(v) => v.encoding(),
            Value::Set(v) => v.encoding(),
            Value::ZSet(v) => v.encoding(),
            Value::Stream(_) => "stream",
        }
    }

    /// Approximate heap bytes used by the value, for `MEMORY USAGE`.
    pub fn heap_size(&self) -> usize {
        match self {
            Value::Str(s) => s.heap_size(),
            Value::List(v) => v.heap_size(),
            Value::Hash(v) => v.heap_size(),
            Value::Set(v) => v.heap_size(),
            Value::ZSet(v) => v.heap_size(),
            Value::Stream(v) => v.heap_size(),
        }
    }

    pub fn as_str(&self) -> Option<&Str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_str_mut(&mut self) -> Option<&mut Str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&List> {
        match self {
            Value::List(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access; copies the list first if a snapshot shares it.
    pub fn as_list_mut(&mut self) -> Option<&mut List> {
        match self {
            Value::List(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }

    pub fn as_hash(&self) -> Option<&Hash> {
        match self {
            Value::Hash(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access; copies the hash first if a snapshot shares it.
    pub fn as_hash_mut(&mut self) -> Option<&mut Hash> {
        match self {
            Value::Hash(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }

    pub fn as_set(&self) -> Option<&Set> {
        match self {
            Value::Set(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access; copies the set first if a snapshot shares it.
    pub fn as_set_mut(&mut self) -> Option<&mut Set> {
        match self {
            Value::Set(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }

    pub fn as_zset(&self) -> Option<&ZSet> {
        match self {
            Value::ZSet(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access; copies the sorted set first if a snapshot shares it.
    pub fn as_zset_mut(&mut self) -> Option<&mut ZSet> {
        match self {
            Value::ZSet(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }

    pub fn as_stream(&self) -> Option<&Stream> {
        match self {
            Value::Stream(v) => Some(v),
            _ => None,
        }
    }

    /// Mutable access; copies the stream first if a snapshot shares it.
    pub fn as_stream_mut(&mut self) -> Option<&mut Stream> {
        match self {
            Value::Stream(v) => Some(Arc::make_mut(v)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_follow_redis() {
        assert_eq!(Str::from_bytes(b"12345").encoding(), "int");
        assert_eq!(Str::from_bytes(b"012").encoding(), "embstr");
        assert_eq!(Str::from_bytes(&[b'a'; 44]).encoding(), "embstr");
        assert_eq!(Str::from_bytes(&[b'a'; 45]).encoding(), "raw");
        let mut s = Str::from_bytes(b"-7");
        assert_eq!(s.to_vec(), b"-7");
        s.make_raw().push(b'1');
        assert_eq!(s.encoding(), "raw");
        assert_eq!(s.as_i64(), Some(-71));
    }
}
