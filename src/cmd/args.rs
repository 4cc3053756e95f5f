//! Argument parsing shared by handlers, with Redis's error texts.

use super::error::{self, Error};
use crate::util::num;

/// Case-insensitive keyword comparison.
#[inline]
pub fn is(arg: &[u8], kw: &str) -> bool {
    arg.eq_ignore_ascii_case(kw.as_bytes())
}

/// A signed 64-bit integer (`getLongLongFromObjectOrReply`).
pub fn int(arg: &[u8]) -> Result<i64, Error> {
    num::parse_i64(arg).ok_or(error::NOT_INTEGER)
}

/// An integer with a custom error (`getLongLongFromObjectOrReply` with a message).
pub fn int_or(arg: &[u8], e: Error) -> Result<i64, Error> {
    num::parse_i64(arg).ok_or(e)
}

/// A non-negative integer that fits `long` (`getPositiveLongFromObjectOrReply`).
pub fn positive(arg: &[u8]) -> Result<i64, Error> {
    match num::parse_i64(arg) {
        Some(v) if v >= 0 => Ok(v),
        Some(_) => Err(error::NOT_POSITIVE),
        None => Err(error::NOT_INTEGER),
    }
}

/// A double (`getDoubleFromObjectOrReply`).
pub fn float(arg: &[u8]) -> Result<f64, Error> {
    num::parse_f64(arg).ok_or(error::NOT_FLOAT)
}

/// A 32-bit integer (`getIntFromObjectOrReply`): with `msg`, that error for anything that is
/// not an int; without, Redis's two texts (not an integer / outside the int range).
pub fn int32(arg: &[u8], msg: Option<Error>) -> Result<i32, Error> {
    match num::parse_i64(arg) {
        Some(v) => i32::try_from(v).map_err(|_| msg.unwrap_or(error::INT_RANGE)),
        None => Err(msg.unwrap_or(error::NOT_INTEGER)),
    }
}

/// A database index (`SELECT`, `MOVE`, ...): `ERR value is not an integer or out of range`
/// when not a number, `ERR DB index is out of range` when outside `0..databases`.
pub fn db_index(arg: &[u8], databases: i64) -> Result<usize, Error> {
    let v = int(arg)?;
    if v < 0 || v >= databases {
        return Err(error::DB_INDEX);
    }
    Ok(v as usize)
}

/// Clamps a start/end index pair (negative counts from the end) to a sequence of `len`
/// elements, as LRANGE, LTRIM and the sorted-set rank commands do; `None` for an empty range.
pub fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}
