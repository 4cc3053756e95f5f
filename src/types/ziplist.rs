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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::types::listpack::tests::unhex;
    use crate::types::listpack::{string_to_i64, OwnedEntry};
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// Builds a ziplist the way `ziplistPush` lays it out: strings that look like integers
    /// (and are 1..=31 bytes) take the smallest integer encoding.
    pub(crate) fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut body = Vec::new();
        let mut prevlen = 0usize;
        let mut tail = HEADER_SIZE;
        for it in items {
            let start = body.len();
            tail = HEADER_SIZE + start;
            if prevlen < 254 {
                body.push(prevlen as u8);
            } else {
                body.push(0xFE);
                body.extend_from_slice(&(prevlen as u32).to_le_bytes());
            }
            let int = if !it.is_empty() && it.len() < 32 {
                string_to_i64(it)
            } else {
                None
            };
            match int {
                Some(v @ 0..=12) => body.push(0xF1 + v as u8),
                Some(v) if i8::try_from(v).is_ok() => body.extend([0xFE, v as u8]),
                Some(v) if i16::try_from(v).is_ok() => {
                    body.push(0xC0);
                    body.extend_from_slice(&(v as i16).to_le_bytes());
                }
                Some(v) if (-(1 << 23)..(1 << 23)).contains(&v) => {
                    body.push(0xF0);
                    body.extend_from_slice(&(v as i32).to_le_bytes()[..3]);
                }
                Some(v) if i32::try_from(v).is_ok() => {
                    body.push(0xD0);
                    body.extend_from_slice(&(v as i32).to_le_bytes());
                }
                Some(v) => {
                    body.push(0xE0);
                    body.extend_from_slice(&v.to_le_bytes());
                }
                None => {
                    let n = it.len();
                    if n <= 0x3F {
                        body.push(n as u8);
                    } else if n <= 0x3FFF {
                        body.extend([0x40 | (n >> 8) as u8, n as u8]);
                    } else {
                        body.push(0x80);
                        body.extend_from_slice(&(n as u32).to_be_bytes());
                    }
                    body.extend_from_slice(it);
                }
            }
            prevlen = body.len() - start;
        }
        let mut zl = Vec::new();
        zl.extend_from_slice(&((HEADER_SIZE + body.len() + 1) as u32).to_le_bytes());
        zl.extend_from_slice(&(tail as u32).to_le_bytes());
        zl.extend_from_slice(&(items.len().min(65535) as u16).to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(END);
        zl
    }

    fn strings(zl: &[u8]) -> Vec<Vec<u8>> {
        decode(zl).unwrap().iter().map(|e| e.to_bytes()).collect()
    }

    #[test]
    fn example_from_the_c_source() {
        // ziplist.c's documented example: a ziplist holding "2" and "5".
        let zl = unhex("0f000000 0c000000 0200 00f3 02f6 ff");
        assert_eq!(decode(&zl).unwrap(), vec![LpEntry::Int(2), LpEntry::Int(5)]);
        assert_eq!(build(&[b"2", b"5"]), zl);
        // The empty ziplist.
        let empty = unhex("0b000000 0a000000 0000 ff");
        assert_eq!(validate(&empty), Ok(0));
        assert_eq!(build(&[]), empty);
    }

    #[test]
    fn every_encoding() {
        // Hand-assembled from ziplist.c's layout: immediate, int8, int16, int24, int32, int64,
        // 6-bit string, 14-bit string.
        let zl = unhex(
            "73000000 6f000000 0900 00fd 02feff 03c02c01 04f0a08601 05d0ffff7fff \
             06e00000000000010000 0a026869 044040 [61*64] 43017a ff",
        );
        let want = vec![
            LpEntry::Int(12),
            LpEntry::Int(-1),
            LpEntry::Int(300),
            LpEntry::Int(100000),
            LpEntry::Int(-8388609),
            LpEntry::Int(1 << 40),
            LpEntry::Str(b"hi"),
            LpEntry::Str(&[b'a'; 64]),
            LpEntry::Str(b"z"),
        ];
        assert_eq!(decode(&zl).unwrap(), want);
        let owned: Vec<Vec<u8>> = want.iter().map(|e| e.to_bytes()).collect();
        let refs: Vec<&[u8]> = owned.iter().map(|v| &v[..]).collect();
        assert_eq!(build(&refs), zl);

        // 5-byte prevlen after a 303-byte entry.
        let zl = unhex("41010000 39010000 0200 00412c [62*300] fe2f0100000178 ff");
        assert_eq!(strings(&zl), vec![vec![b'b'; 300], b"x".to_vec()]);
        assert_eq!(build(&[&[b'b'; 300], b"x"]), zl);

        // Boundaries of each integer width, and a 32-bit-length string.
        let vals = [
            "0",
            "12",
            "13",
            "-1",
            "127",
            "128",
            "-128",
            "-129",
            "32767",
            "32768",
            "-32768",
            "-32769",
            "8388607",
            "8388608",
            "-8388608",
            "-8388609",
            "2147483647",
            "2147483648",
            "-2147483648",
            "-2147483649",
            "9223372036854775807",
            "-9223372036854775808",
            "007",
            "",
        ];
        let items: Vec<&[u8]> = vals.iter().map(|s| s.as_bytes()).collect();
        let zl = build(&items);
        assert_eq!(
            strings(&zl),
            items.iter().map(|s| s.to_vec()).collect::<Vec<_>>()
        );
        let big = vec![b'q'; 20000];
        let zl = build(&[&big, b"1"]);
        assert_eq!(zl[11], 0x80);
        assert_eq!(strings(&zl), vec![big.clone(), b"1".to_vec()]);
        // Encoding bytes 0x81..=0xBF read as the 32-bit string form, as in ZIP_ENTRY_ENCODING.
        let mut odd = zl.clone();
        odd[11] = 0xBF;
        assert_eq!(strings(&odd), vec![big, b"1".to_vec()]);
    }

    #[test]
    fn unknown_count() {
        let mut zl = build(&[b"a", b"b", b"c"]);
        zl[8] = 0xFF;
        zl[9] = 0xFF;
        assert_eq!(validate(&zl), Ok(3));
    }

    #[test]
    fn validation_rejects_corruption() {
        let good = build(&[b"hello", b"42", &[b'w'; 100], b"-70000"]);
        assert_eq!(validate(&good), Ok(4));
        let bad = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            validate(&b).is_err()
        };
        assert!(bad(&|b| b.truncate(10)));
        assert!(bad(&|b| b[0] += 1)); // zlbytes
        assert!(bad(&|b| b[4] += 1)); // zltail not at the last entry
        assert!(bad(&|b| b[4..8].copy_from_slice(&1000u32.to_le_bytes()))); // zltail out of range
        assert!(bad(&|b| b[8] = 3)); // zllen
        assert!(bad(&|b| *b.last_mut().unwrap() = 0)); // terminator
        assert!(bad(&|b| b[10] = 1)); // prevlen of the first entry
        assert!(bad(&|b| b[11] = 0xC1)); // invalid integer encoding
        assert!(bad(&|b| b[11] = 0x3F)); // string runs past the end
        assert!(bad(&|b| b[10] = 0xFF)); // early terminator
        assert!(validate(&[]).is_err());
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = SmallRng::seed_from_u64(11);
        let bases = [
            build(&[b"hello", b"42", &[b'w'; 300], b"-70000", b"9999999999"]),
            build(&[&[b'x'; 20000], b"1"]),
        ];
        for b in &bases {
            for cut in 0..b.len().min(400) {
                let mut t = b[..cut].to_vec();
                if t.len() >= 4 {
                    let n = t.len() as u32;
                    t[0..4].copy_from_slice(&n.to_le_bytes());
                }
                let _ = decode(&t);
            }
            for _ in 0..5000 {
                let mut t = b.clone();
                for _ in 0..rng.gen_range(1..4) {
                    let i = if rng.gen_bool(0.8) {
                        rng.gen_range(0..t.len().min(330))
                    } else {
                        rng.gen_range(0..t.len())
                    };
                    t[i] = rng.gen();
                }
                if let Ok(v) = decode(&t) {
                    let _: Vec<OwnedEntry> = v.iter().map(|e| e.to_owned_entry()).collect();
                }
            }
        }
    }
}
