//! Zipmap decoder (`zipmap.c`), for RDB type 9 (hashes saved by Redis before 2.6).
//!
//! Layout: `zmlen` (1 byte: the pair count if < 254, else unknown), then for each pair
//! `len` field `len` `free` value `[free bytes]`, then the terminator `0xFF`. A `len` is one byte
//! if < 254, else `0xFE` followed by a u32 (little-endian, as written by x86 Redis); `free` is one
//! byte counting unused bytes after the value.
//!
//! API: [`validate`] (Redis's `zipmapValidateIntegrity` with deep=1, which rejects an empty
//! zipmap) and [`decode`], returning the field/value pairs borrowed from the blob. Neither panics
//! on any input.
//!
//! Callers: `persistence::rdb` (decode).

use super::listpack::BlobError;

/// A field and its value, borrowed from the blob.
pub type Pair<'a> = (&'a [u8], &'a [u8]);

const BIGLEN: u8 = 254;
const END: u8 = 0xFF;

fn corrupt(offset: usize, reason: &'static str) -> BlobError {
    BlobError {
        format: "zipmap",
        offset,
        reason,
    }
}

/// Validates `zm` and calls `f` on every pair; returns the pair count.
fn walk<'a>(zm: &'a [u8], mut f: impl FnMut(&'a [u8], &'a [u8])) -> Result<usize, BlobError> {
    let size = zm.len();
    if size < 2 {
        return Err(corrupt(0, "shorter than header"));
    }
    let last = size - 1;
    if zm[last] != END {
        return Err(corrupt(last, "missing terminator"));
    }
    // OUT_OF_RANGE in zipmap.c: p < zm + 2 || p > zm + size - 1.
    let check = |p: u64, what: &'static str| {
        if p < 2 || p > last as u64 {
            Err(corrupt(p.min(last as u64) as usize, what))
        } else {
            Ok(p as usize)
        }
    };
    // `zipmapGetEncodedLengthSize` and `zipmapDecodeLength` for the length at `p`, which the
    // caller has checked has its full encoding in range.
    let len_size = |p: usize| if zm[p] < BIGLEN { 1u64 } else { 5 };
    let decode_len = |p: usize| {
        if zm[p] < BIGLEN {
            u64::from(zm[p])
        } else {
            u64::from(u32::from_le_bytes([
                zm[p + 1],
                zm[p + 2],
                zm[p + 3],
                zm[p + 4],
            ]))
        }
    };
    let mut count = 0usize;
    let mut p = 1usize;
    while zm[p] != END {
        let s = len_size(p);
        check(p as u64 + s, "field length out of range")?;
        let l = decode_len(p);
        let field_at = p + s as usize;
        p = check(field_at as u64 + l, "field out of range")?;
        let field = &zm[field_at..p];

        let s = len_size(p);
        let free_at = check(p as u64 + s, "value length out of range")?;
        let l = decode_len(p);
        let free = u64::from(zm[free_at]);
        let value_at = free_at + 1;
        count += 1;
        p = check(value_at as u64 + l + free, "value out of range")?;
        // In range: value_at + l <= p.
        f(field, &zm[value_at..value_at + l as usize]);
    }
    if count == 0 {
        return Err(corrupt(1, "empty zipmap"));
    }
    if zm[0] != BIGLEN && usize::from(zm[0]) != count {
        return Err(corrupt(0, "zmlen does not match pair count"));
    }
    Ok(count)
}

/// Redis's deep zipmap check; returns the number of field/value pairs.
pub fn validate(zm: &[u8]) -> Result<usize, BlobError> {
    walk(zm, |_, _| {})
}

/// Validates `zm` and returns its field/value pairs in order, borrowed from the blob.
pub fn decode(zm: &[u8]) -> Result<Vec<Pair<'_>>, BlobError> {
    let mut out = Vec::new();
    walk(zm, |k, v| out.push((k, v)))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::listpack::tests::unhex;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn example_from_the_c_source() {
        // zipmap.c's documented example: "foo" => "bar", "hello" => "world".
        let zm = b"\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff";
        assert_eq!(
            decode(zm).unwrap(),
            vec![(&b"foo"[..], &b"bar"[..]), (&b"hello"[..], &b"world"[..])]
        );
        assert_eq!(validate(zm), Ok(2));
    }

    #[test]
    fn free_space_big_lengths_and_unknown_count() {
        // Value "!" followed by 2 free bytes; a 300-byte field with a 5-byte length; zmlen 254.
        let zm = unhex("fe 03666f6f 01 02 21 7878 fe2c010000 [6b*300] 00 00 ff");
        assert_eq!(
            decode(&zm).unwrap(),
            vec![(&b"foo"[..], &b"!"[..]), (&[b'k'; 300][..], &b""[..])]
        );
        // A value length byte of 255 also means "4 more bytes" (zipmapDecodeLength).
        let zm = unhex("01 0161 ff0300000000 787878 ff");
        assert_eq!(decode(&zm).unwrap(), vec![(&b"a"[..], &b"xxx"[..])]);
    }

    #[test]
    fn validation_rejects_corruption() {
        assert!(validate(b"").is_err());
        assert!(validate(b"\x00\xff").is_err()); // empty zipmap
        assert!(validate(b"\x01\x03foo\x03\x00bar\x00").is_err()); // no terminator
        assert!(validate(b"\x02\x03foo\x03\x00bar\xff").is_err()); // wrong count
        assert!(validate(b"\x01\x03foo\x04\x00bar\xff").is_err()); // value past the end
        assert!(validate(b"\x01\x03foo\x03\x05bar\xff").is_err()); // free past the end
        assert!(validate(b"\x01\x09foo\xff").is_err()); // field past the end
        assert!(validate(b"\x01\xfe\xff\xff\xff\xff\xff").is_err()); // huge field length
        let good = b"\x02\x03foo\x03\x01bar_\x05hello\x05\x00world\xff".to_vec();
        assert_eq!(validate(&good), Ok(2));
        let mut rng = SmallRng::seed_from_u64(9);
        for _ in 0..5000 {
            let mut t = good.clone();
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..t.len());
                t[i] = rng.gen();
            }
            let cut = rng.gen_range(0..=t.len());
            let _ = decode(&t[..cut]);
            let _ = decode(&t);
        }
    }
}
