//! Intset: Redis's sorted array of integers (`intset.c`), byte-exact.
//!
//! Layout: `encoding: u32 LE` (2, 4 or 8 = bytes per element), `length: u32 LE`, then the
//! elements as little-endian signed integers of that width, strictly ascending. Adding a value
//! that does not fit the current width rewrites the whole set at the wider width (the encoding
//! never shrinks back), so the bytes match Redis's for the same sequence of `SADD`/`SREM`.
//!
//! API: [`Intset`] with `new`, `from_bytes` (validated like `intsetValidateIntegrity` with
//! deep=1), `as_bytes`, `add`, `remove`, `contains`, `len`, `get`, `iter`, `min`, `max`,
//! `random`, `blob_len`.
//!
//! Callers: the small-set encoding in `types`, and `persistence::rdb` (RDB type 11).

use std::fmt;

use rand::Rng;

use super::listpack::BlobError;

const HDR: usize = 8;
const ENC_INT16: usize = 2;
const ENC_INT32: usize = 4;
const ENC_INT64: usize = 8;

fn corrupt(offset: usize, reason: &'static str) -> BlobError {
    BlobError {
        format: "intset",
        offset,
        reason,
    }
}

/// Width needed to store `v` (`_intsetValueEncoding`).
fn value_encoding(v: i64) -> usize {
    if v < i64::from(i32::MIN) || v > i64::from(i32::MAX) {
        ENC_INT64
    } else if v < i64::from(i16::MIN) || v > i64::from(i16::MAX) {
        ENC_INT32
    } else {
        ENC_INT16
    }
}

fn read_at(buf: &[u8], enc: usize, i: usize) -> i64 {
    let at = HDR + i * enc;
    match enc {
        ENC_INT16 => i64::from(i16::from_le_bytes([buf[at], buf[at + 1]])),
        ENC_INT32 => i64::from(i32::from_le_bytes([
            buf[at],
            buf[at + 1],
            buf[at + 2],
            buf[at + 3],
        ])),
        _ => {
            let mut b = [0u8; 8];
            b.copy_from_slice(&buf[at..at + 8]);
            i64::from_le_bytes(b)
        }
    }
}

/// Redis's deep intset check (`intsetValidateIntegrity`, deep=1); returns the element count.
/// An empty set is invalid, as in Redis. Never panics.
pub fn validate(buf: &[u8]) -> Result<usize, BlobError> {
    if buf.len() < HDR {
        return Err(corrupt(0, "shorter than header"));
    }
    let enc = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
    if enc != ENC_INT16 && enc != ENC_INT32 && enc != ENC_INT64 {
        return Err(corrupt(0, "invalid encoding"));
    }
    let count = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]) as u64;
    if HDR as u64 + count * enc as u64 != buf.len() as u64 {
        return Err(corrupt(4, "length does not match blob size"));
    }
    if count == 0 {
        return Err(corrupt(4, "empty intset"));
    }
    let count = count as usize;
    let mut prev = read_at(buf, enc, 0);
    for i in 1..count {
        let cur = read_at(buf, enc, i);
        if cur <= prev {
            return Err(corrupt(HDR + i * enc, "elements not strictly ascending"));
        }
        prev = cur;
    }
    Ok(count)
}

/// An owned intset blob. Invariant: header consistent with the contents, elements ascending.
#[derive(Clone, PartialEq, Eq)]
pub struct Intset(Vec<u8>);

impl Default for Intset {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Intset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Intset {
    /// An empty set with 16-bit encoding (`intsetNew`).
    pub fn new() -> Self {
        let mut v = Vec::with_capacity(HDR);
        v.extend_from_slice(&(ENC_INT16 as u32).to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        Intset(v)
    }

    /// Takes ownership of a blob (e.g. from an RDB file) after Redis's deep integrity check.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, BlobError> {
        validate(&bytes)?;
        Ok(Intset(bytes))
    }

    /// The raw blob, exactly as Redis would serialize it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Size of the blob in bytes (`intsetBlobLen`).
    pub fn blob_len(&self) -> usize {
        self.0.len()
    }

    /// Bytes per element: 2, 4 or 8.
    pub fn encoding(&self) -> usize {
        u32::from_le_bytes([self.0[0], self.0[1], self.0[2], self.0[3]]) as usize
    }

    pub fn len(&self) -> usize {
        u32::from_le_bytes([self.0[4], self.0[5], self.0[6], self.0[7]]) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn set_len(&mut self, n: usize) {
        self.0[4..8].copy_from_slice(&(n as u32).to_le_bytes());
    }

    /// The element at sorted position `i`.
    pub fn get(&self, i: usize) -> Option<i64> {
        (i < self.len()).then(|| read_at(&self.0, self.encoding(), i))
    }

    /// `intsetSearch`: `Ok(position)` if present, else `Err(insertion position)`.
    fn search(&self, v: i64) -> Result<usize, usize> {
        let (enc, len) = (self.encoding(), self.len());
        if len == 0 {
            return Err(0);
        }
        if v > read_at(&self.0, enc, len - 1) {
            return Err(len);
        }
        if v < read_at(&self.0, enc, 0) {
            return Err(0);
        }
        let (mut lo, mut hi) = (0usize, len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let cur = read_at(&self.0, enc, mid);
            match cur.cmp(&v) {
                std::cmp::Ordering::Equal => return Ok(mid),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        Err(lo)
    }

    pub fn contains(&self, v: i64) -> bool {
        value_encoding(v) <= self.encoding() && self.search(v).is_ok()
    }

    /// Adds `v`; returns false if it was already present (`intsetAdd`).
    pub fn add(&mut self, v: i64) -> bool {
        let venc = value_encoding(v);
        if venc > self.encoding() {
            self.upgrade_and_add(v, venc);
            return true;
        }
        let Err(pos) = self.search(v) else {
            return false;
        };
        let enc = self.encoding();
        let at = HDR + pos * enc;
        self.0.reserve_exact(enc);
        self.0
            .splice(at..at, v.to_le_bytes()[..enc].iter().copied());
        let n = self.len() + 1;
        self.set_len(n);
        true
    }

    /// `intsetUpgradeAndAdd`: rewrite at width `venc`; `v` is out of the old range, so it goes
    /// first if negative and last otherwise.
    fn upgrade_and_add(&mut self, v: i64, venc: usize) {
        let (old_enc, len) = (self.encoding(), self.len());
        let mut out = Vec::with_capacity(HDR + (len + 1) * venc);
        out.extend_from_slice(&(venc as u32).to_le_bytes());
        out.extend_from_slice(&((len + 1) as u32).to_le_bytes());
        if v < 0 {
            out.extend_from_slice(&v.to_le_bytes()[..venc]);
        }
        for i in 0..len {
            out.extend_from_slice(&read_at(&self.0, old_enc, i).to_le_bytes()[..venc]);
        }
        if v >= 0 {
            out.extend_from_slice(&v.to_le_bytes()[..venc]);
        }
        self.0 = out;
    }

    /// Removes `v`; returns false if it was not present (`intsetRemove`).
    pub fn remove(&mut self, v: i64) -> bool {
        if value_encoding(v) > self.encoding() {
            return false;
        }
        let Ok(pos) = self.search(v) else {
            return false;
        };
        let enc = self.encoding();
        let at = HDR + pos * enc;
        self.0.drain(at..at + enc);
        self.0.shrink_to_fit();
        let n = self.len() - 1;
        self.set_len(n);
        true
    }

    /// Smallest element.
    pub fn min(&self) -> Option<i64> {
        self.get(0)
    }

    /// Largest element.
    pub fn max(&self) -> Option<i64> {
        self.len().checked_sub(1).and_then(|i| self.get(i))
    }

    /// A uniformly chosen element (`intsetRandom`), `None` when empty.
    pub fn random<R: Rng + ?Sized>(&self, rng: &mut R) -> Option<i64> {
        let len = self.len();
        if len == 0 {
            return None;
        }
        self.get(rng.gen_range(0..len))
    }

    /// Elements in ascending order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = i64> + ExactSizeIterator + '_ {
        let enc = self.encoding();
        (0..self.len()).map(move |i| read_at(&self.0, enc, i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::listpack::tests::unhex;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    fn set_of(vals: &[i64]) -> Intset {
        let mut s = Intset::new();
        for &v in vals {
            s.add(v);
        }
        s
    }

    // Blobs below were produced by Redis 7.0.15 (`DUMP` of an intset-encoded set, RDB type 11).
    #[test]
    fn golden_blobs() {
        // SADD s16 3 1 2 -5 32767 -32768
        let s16 = set_of(&[3, 1, 2, -5, 32767, -32768]);
        assert_eq!(
            s16.as_bytes(),
            unhex("02000000060000000080fbff010002000300ff7f")
        );
        // SADD s32 5 -70000: upgrade to 32 bits, the negative value goes first.
        let s32 = set_of(&[5, -70000]);
        assert_eq!(s32.as_bytes(), unhex("040000000200000090eefeff05000000"));
        // SADD s64 5 1099511627776 -9223372036854775808 9223372036854775807
        let s64 = set_of(&[5, 1 << 40, i64::MIN, i64::MAX]);
        assert_eq!(
            s64.as_bytes(),
            unhex(
                "0800000004000000000000000000008005000000000000000000000000010000\
                 ffffffffffffff7f"
            )
        );
        for s in [&s16, &s32, &s64] {
            let back = Intset::from_bytes(s.as_bytes().to_vec()).unwrap();
            assert_eq!(&back, s);
        }
        assert_eq!(
            s16.iter().collect::<Vec<_>>(),
            vec![-32768, -5, 1, 2, 3, 32767]
        );
        assert_eq!(s64.min(), Some(i64::MIN));
        assert_eq!(s64.max(), Some(i64::MAX));
        assert_eq!(s64.blob_len(), 8 + 4 * 8);
    }

    #[test]
    fn encoding_boundaries_and_upgrades() {
        let mut s = Intset::new();
        assert_eq!(s.as_bytes(), unhex("0200000000000000"));
        assert!(s.add(i64::from(i16::MAX)));
        assert!(s.add(i64::from(i16::MIN)));
        assert_eq!(s.encoding(), 2);
        assert!(s.add(32768));
        assert_eq!(s.encoding(), 4);
        assert!(s.add(i64::from(i32::MIN)));
        assert_eq!(s.encoding(), 4);
        assert!(s.add(i64::from(i32::MAX) + 1));
        assert_eq!(s.encoding(), 8);
        assert!(!s.add(32768));
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            vec![-2147483648, -32768, 32767, 32768, 2147483648]
        );
        // Encoding never shrinks back.
        assert!(s.remove(2147483648));
        assert!(!s.remove(2147483648));
        assert!(!s.remove(1 << 40));
        assert_eq!(s.encoding(), 8);
        assert_eq!(s.len(), 4);
        assert!(s.contains(-32768));
        assert!(!s.contains(0));
        assert!(!s.contains(i64::MAX));
        assert_eq!(s.get(4), None);
        assert_eq!(validate(s.as_bytes()), Ok(4));
    }

    #[test]
    fn add_remove_matches_model() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut s = Intset::new();
        let mut model = std::collections::BTreeSet::new();
        for _ in 0..2000 {
            let v: i64 = match rng.gen_range(0..3) {
                0 => rng.gen_range(-50..50),
                1 => rng.gen_range(-100_000..100_000),
                _ => rng.gen_range(-5..5) * (1 << 40),
            };
            if rng.gen_bool(0.6) {
                assert_eq!(s.add(v), model.insert(v));
            } else {
                assert_eq!(s.remove(v), model.remove(&v));
            }
        }
        assert_eq!(
            s.iter().collect::<Vec<_>>(),
            model.iter().copied().collect::<Vec<_>>()
        );
        assert_eq!(s.len(), model.len());
        for _ in 0..100 {
            assert!(model.contains(&s.random(&mut rng).unwrap()));
        }
        assert_eq!(Intset::new().random(&mut rng), None);
    }

    #[test]
    fn validation() {
        let good = set_of(&[1, 2, 3]).into_bytes();
        assert_eq!(validate(&good), Ok(3));
        assert!(validate(&good[..7]).is_err());
        assert!(validate(&good[..good.len() - 1]).is_err());
        let mut b = good.clone();
        b[0] = 3; // encoding
        assert!(validate(&b).is_err());
        let mut b = good.clone();
        b[8] = 2; // duplicate of the next element
        assert!(validate(&b).is_err());
        let mut b = good.clone();
        b[8] = 9; // out of order
        assert!(validate(&b).is_err());
        // Empty sets are rejected, as Redis does on load.
        assert!(Intset::from_bytes(Intset::new().into_bytes()).is_err());
        // A wide encoding holding small values is fine.
        assert!(validate(&unhex("08000000 01000000 0100000000000000")).is_ok());
        // Huge length must not overflow.
        assert!(validate(&unhex("08000000 ffffffff 0100000000000000")).is_err());
        let mut rng = SmallRng::seed_from_u64(5);
        for _ in 0..2000 {
            let mut b = good.clone();
            let i = rng.gen_range(0..b.len());
            b[i] = rng.gen();
            let cut = rng.gen_range(0..=b.len());
            if let Ok(s) = Intset::from_bytes(b[..cut].to_vec()) {
                let v: Vec<_> = s.iter().collect();
                assert!(v.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }
}
