//! Ziplist decoder (`ziplist.c`), for the pre-7.0 RDB types 10, 12, 13 and 14.
//!
//! Redis 7.0 never writes ziplists but loads them (converting to listpacks), so this module only
//! validates and reads. Layout: `zlbytes: u32 LE`, `zltail: u32 LE` (offset of the last entry),
//! `zllen: u16 LE` (65535 = unknown), entries, terminator `0xFF`. Each entry is
//! `prevlen` (1 byte if < 254, else `0xFE` + u32 LE), an encoding (strings: `00pppppp`,
//! `01pppppp qqqqqqqq` big-endian 14-bit, `10______` + u32 big-endian; integers: `0xC0` i16,
//! `0xD0` i32, `0xE0` i64, `0xF0` i24, `0xFE` i8, `0xF1..=0xFD` immediate 0..=12), then the data.
//!
//! API: [`validate`] (Redis's `ziplistValidateIntegrity` with deep=1) and [`decode`], which
//! validates and returns the elements borrowed from the blob. Neither panics on any input.
//!
//! Callers: `persistence::rdb` (decode).

use super::listpack::{BlobError, LpEntry};

const HEADER_SIZE: usize = 10;
const END: u8 = 0xFF;

fn corrupt(offset: usize, reason: &'static str) -> BlobError {
    BlobError {
        format: "ziplist",
        offset,
        reason,
    }
}

/// A decoded entry header (`zlentry`).
struct Entry {
    prevrawlen: u64,
    headersize: usize,
    encoding: u8,
    len: u64,
}

/// Bytes of the length/encoding header for `encoding`, 0 if invalid (`zipEncodingLenSize`).
/// `encoding` is already masked for strings (`ZIP_ENTRY_ENCODING`).
fn encoding_len_size(encoding: u8) -> usize {
    match encoding {
        0x00 => 1,
        0x40 => 2,
        0x80 => 5,
        0xC0 | 0xD0 | 0xE0 | 0xF0 | 0xFE => 1,
        0xF1..=0xFD => 1,
        _ => 0,
    }
}

/// `zipEntrySafe` with validate_prevlen=1: decodes the entry header at `p`, checking that the
/// header and the data lie between the first entry and the terminator at `last`.
fn entry_safe(zl: &[u8], p: usize, last: usize) -> Result<Entry, BlobError> {
    let in_range = |x: u64| x >= HEADER_SIZE as u64 && x <= last as u64;
    if !in_range(p as u64) {
        return Err(corrupt(p, "entry out of range"));
    }
    let prevlensize = if zl[p] < 0xFE { 1 } else { 5 };
    if !in_range((p + prevlensize) as u64) {
        return Err(corrupt(p, "prevlen out of range"));
    }
    let mut encoding = zl[p + prevlensize];
    if encoding < 0xC0 {
        encoding &= 0xC0;
    }
    let lensize = encoding_len_size(encoding);
    if lensize == 0 {
        return Err(corrupt(p + prevlensize, "invalid entry encoding"));
    }
    if !in_range((p + prevlensize + lensize) as u64) {
        return Err(corrupt(p, "entry header out of range"));
    }
    let prevrawlen = if prevlensize == 1 {
        u64::from(zl[p])
    } else {
        u64::from(u32::from_le_bytes([
            zl[p + 1],
            zl[p + 2],
            zl[p + 3],
            zl[p + 4],
        ]))
    };
    let h = &zl[p + prevlensize..];
    let len: u64 = match encoding {
        0x00 => u64::from(h[0] & 0x3F),
        0x40 => (u64::from(h[0] & 0x3F) << 8) | u64::from(h[1]),
        0x80 => u64::from(u32::from_be_bytes([h[1], h[2], h[3], h[4]])),
        0xFE => 1,
        0xC0 => 2,
        0xF0 => 3,
        0xD0 => 4,
        0xE0 => 8,
        _ => 0, // 4-bit immediate
    };
    let headersize = prevlensize + lensize;
    if !in_range(p as u64 + headersize as u64 + len) {
        return Err(corrupt(p, "entry data out of range"));
    }
    if (p as u64) < prevrawlen || !in_range(p as u64 - prevrawlen) {
        return Err(corrupt(p, "prevlen points outside the ziplist"));
    }
    Ok(Entry {
        prevrawlen,
        headersize,
        encoding,
        len,
    })
}

/// The element of a validated entry whose data starts at `data`.
fn entry_value<'a>(zl: &'a [u8], data: usize, e: &Entry) -> LpEntry<'a> {
    let b = |n: usize| &zl[data..data + n];
    match e.encoding {
        0x00 | 0x40 | 0x80 => LpEntry::Str(&zl[data..data + e.len as usize]),
        0xFE => LpEntry::Int(i64::from(zl[data] as i8)),
        0xC0 => LpEntry::Int(i64::from(i16::from_le_bytes([zl[data], zl[data + 1]]))),
        0xF0 => {
            let x = b(3);
            LpEntry::Int(i64::from(i32::from_le_bytes([0, x[0], x[1], x[2]]) >> 8))
        }
        0xD0 => {
            let x = b(4);
            LpEntry::Int(i64::from(i32::from_le_bytes([x[0], x[1], x[2], x[3]])))
        }
        0xE0 => {
            let mut x = [0u8; 8];
            x.copy_from_slice(b(8));
            LpEntry::Int(i64::from_le_bytes(x))
        }
        imm => LpEntry::Int(i64::from(imm & 0x0F) - 1),
    }
}

/// Walks and checks the whole ziplist (`ziplistValidateIntegrity` with deep=1), calling `f` on
/// every element.
fn walk<'a>(zl: &'a [u8], mut f: impl FnMut(LpEntry<'a>)) -> Result<usize, BlobError> {
    let size = zl.len();
    if size < HEADER_SIZE + 1 {
        return Err(corrupt(0, "shorter than header"));
    }
    let u32_at = |i: usize| u32::from_le_bytes([zl[i], zl[i + 1], zl[i + 2], zl[i + 3]]);
    if u32_at(0) as usize != size {
        return Err(corrupt(0, "zlbytes does not match blob size"));
    }
    let last = size - 1;
    if zl[last] != END {
        return Err(corrupt(last, "missing terminator"));
    }
    let tail = u32_at(4) as usize;
    if tail > last {
        return Err(corrupt(4, "zltail out of range"));
    }
    let header_count = u16::from_le_bytes([zl[8], zl[9]]);
    let mut count = 0usize;
    let mut p = HEADER_SIZE;
    let mut prev: Option<usize> = None;
    let mut prev_raw_size = 0u64;
    while zl[p] != END {
        let e = entry_safe(zl, p, last)?;
        if e.prevrawlen != prev_raw_size {
            return Err(corrupt(p, "prevlen does not match previous entry"));
        }
        f(entry_value(zl, p + e.headersize, &e));
        let raw = e.headersize as u64 + e.len;
        prev_raw_size = raw;
        prev = Some(p);
        p += raw as usize; // in range: entry_safe checked p + raw <= last
        count += 1;
    }
    if p != last {
        return Err(corrupt(p, "terminator before end of blob"));
    }
    if let Some(prev) = prev {
        if prev != tail {
            return Err(corrupt(4, "zltail does not point to the last entry"));
        }
    }
    if header_count != u16::MAX && usize::from(header_count) != count {
        return Err(corrupt(8, "zllen does not match entry count"));
    }
    Ok(count)
}

/// Redis's deep ziplist check; returns the number of elements.
pub fn validate(zl: &[u8]) -> Result<usize, BlobError> {
    walk(zl, |_| {})
}

/// Validates `zl` and returns its elements in order, borrowed from the blob.
pub fn decode(zl: &[u8]) -> Result<Vec<LpEntry<'_>>, BlobError> {
    let mut out = Vec::new();
    walk(zl, |e| out.push(e))?;
    Ok(out)
}
