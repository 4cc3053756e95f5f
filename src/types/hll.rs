//! HyperLogLog in Redis's exact string format (`hyperloglog.c`), so that HLL values are
//! byte-identical with Redis's after the same operations and interchangeable through RDB,
//! `DUMP`/`RESTORE` and `SET`.
//!
//! Layout: a 16-byte header (`HYLL`, encoding byte, 3 unused bytes, cached cardinality as
//! little-endian u64 whose top bit marks it stale) followed by either 16384 6-bit registers
//! packed LSB first (dense, 12288 bytes) or a run-length coded register list (sparse:
//! `ZERO 00xxxxxx`, `XZERO 01xxxxxx yyyyyyyy`, `VAL 1vvvvvxx`).
//!
//! Every function here takes untrusted bytes: corrupt input yields `Err(Invalid)`, never a
//! panic.

pub const P: u32 = 14;
pub const Q: u32 = 64 - P;
pub const REGISTERS: usize = 1 << P;
const P_MASK: u64 = REGISTERS as u64 - 1;
const REGISTER_MAX: u8 = 63;
pub const HDR_SIZE: usize = 16;
pub const DENSE_SIZE: usize = HDR_SIZE + (REGISTERS * 6).div_ceil(8);
pub const DENSE: u8 = 0;
pub const SPARSE: u8 = 1;
const ALPHA_INF: f64 = 0.721_347_520_444_481_7;

const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;
const XZERO_MAX_LEN: usize = 16384;

/// A corrupt HLL representation (Redis replies `INVALIDOBJ Corrupted HLL object detected`).
#[derive(Debug, PartialEq, Eq)]
pub struct Invalid;

/// MurmurHash64A, as Redis uses it (little-endian reads).
pub fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4_a793_5bd1_e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for c in &mut chunks {
        let mut k = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        for (i, &b) in rest.iter().enumerate() {
            h ^= (b as u64) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// `hllPatLen`: the register an element maps to and the length of its 000..1 pattern.
pub fn pat_len(ele: &[u8]) -> (usize, u8) {
    let mut hash = murmur64a(ele, 0xadc8_3b19);
    let index = (hash & P_MASK) as usize;
    hash >>= P;
    hash |= 1u64 << Q;
    let count = hash.trailing_zeros() as u8 + 1;
    (index, count)
}

/// A dense register (the 16-byte header excluded from `regs`).
#[inline]
pub fn dense_get(regs: &[u8], i: usize) -> u8 {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let b0 = regs[byte] as u32;
    let b1 = regs.get(byte + 1).copied().unwrap_or(0) as u32;
    (((b0 >> fb) | (b1 << (8 - fb))) & REGISTER_MAX as u32) as u8
}

#[inline]
pub fn dense_put(regs: &mut [u8], i: usize, v: u8) {
    let byte = i * 6 / 8;
    let fb = (i * 6) & 7;
    let fb8 = 8 - fb;
    let v = v as u32;
    regs[byte] &= !((REGISTER_MAX as u32) << fb) as u8;
    regs[byte] |= (v << fb) as u8;
    if let Some(b) = regs.get_mut(byte + 1) {
        *b &= !((REGISTER_MAX as u32) >> fb8) as u8;
        *b |= (v >> fb8) as u8;
    }
}

/// `hllDenseSet`: raises register `i` to `count`; true if it changed.
fn dense_set(regs: &mut [u8], i: usize, count: u8) -> bool {
    if count > dense_get(regs, i) {
        dense_put(regs, i, count);
        true
    } else {
        false
    }
}

/// An empty HLL: sparse, one XZERO run covering every register.
pub fn create() -> Vec<u8> {
    let mut s = Vec::with_capacity(HDR_SIZE + 2);
    s.extend_from_slice(b"HYLL");
    s.push(SPARSE);
    s.extend_from_slice(&[0; 11]);
    let mut aux = REGISTERS;
    while aux > 0 {
        let x = aux.min(XZERO_MAX_LEN);
        let l = x - 1;
        s.push((l >> 8) as u8 | 0x40);
        s.push((l & 0xff) as u8);
        aux -= x;
    }
    s
}

/// `isHLLObjectOrReply`'s checks on the bytes of a string.
pub fn is_valid(s: &[u8]) -> bool {
    s.len() >= HDR_SIZE
        && &s[..4] == b"HYLL"
        && s[4] <= SPARSE
        && (s[4] != DENSE || s.len() == DENSE_SIZE)
}

pub fn encoding(s: &[u8]) -> u8 {
    s[4]
}

/// The cached cardinality, if still valid.
pub fn cached(s: &[u8]) -> Option<u64> {
    if s[15] & 0x80 != 0 {
        return None;
    }
    Some(u64::from_le_bytes(s[8..16].try_into().expect("8 bytes")))
}

pub fn set_cache(s: &mut [u8], card: u64) {
    s[8..16].copy_from_slice(&card.to_le_bytes());
}

pub fn invalidate_cache(s: &mut [u8]) {
    s[15] |= 0x80;
}

/// One sparse opcode at `p`: (registers covered, value (0 for zero runs), opcode length).
#[inline]
fn sparse_op(s: &[u8], p: usize) -> (usize, u8, usize) {
    let b = s[p];
    if b & 0xc0 == 0 {
        ((b & 0x3f) as usize + 1, 0, 1)
    } else if b & 0x80 != 0 {
        ((b & 3) as usize + 1, ((b >> 2) & 0x1f) + 1, 1)
    } else {
        let lo = s.get(p + 1).copied().unwrap_or(0) as usize;
        (((((b & 0x3f) as usize) << 8) | lo) + 1, 0, 2)
    }
}

/// Walks a sparse body, calling `f(first_register, run_length, value)` per opcode.
fn sparse_walk(s: &[u8], mut f: impl FnMut(usize, usize, u8)) -> Result<(), Invalid> {
    let mut idx = 0;
    let mut p = HDR_SIZE;
    while p < s.len() {
        let (run, val, oplen) = sparse_op(s, p);
        if run + idx > REGISTERS {
            return Err(Invalid);
        }
        f(idx, run, val);
        idx += run;
        p += oplen;
    }
    if idx != REGISTERS {
        return Err(Invalid);
    }
    Ok(())
}

/// `hllSparseToDense`: converts in place (no-op when already dense).
pub fn sparse_to_dense(s: &mut Vec<u8>) -> Result<(), Invalid> {
    if s[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HDR_SIZE].copy_from_slice(&s[..HDR_SIZE]);
    dense[4] = DENSE;
    {
        let regs = &mut dense[HDR_SIZE..];
        sparse_walk(s, |first, run, val| {
            if val > 0 {
                for i in first..first + run {
                    dense_put(regs, i, val);
                }
            }
        })?;
    }
    *s = dense;
    Ok(())
}

fn val_op(val: u8, len: usize) -> u8 {
    (((val - 1) << 2) | (len as u8 - 1)) | 0x80
}

fn push_zero_run(seq: &mut Vec<u8>, len: usize) {
    if len > ZERO_MAX_LEN {
        let l = len - 1;
        seq.push((l >> 8) as u8 | 0x40);
        seq.push((l & 0xff) as u8);
    } else {
        seq.push((len - 1) as u8);
    }
}

/// `hllSparseSet`: raises register `index` to `count` in a sparse HLL, promoting it to dense
/// when the value does not fit a VAL opcode or the body would pass `max_bytes`.
/// `Ok(true)` when the register changed.
pub fn sparse_set(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Invalid> {
    if count > VAL_MAX_VALUE {
        return promote(s, index, count);
    }
    // Step 1: find the opcode covering `index`.
    let end = s.len();
    let mut p = HDR_SIZE;
    let mut first = 0usize;
    let mut prev: Option<usize> = None;
    let mut span = 0usize;
    while p < end {
        let (run, _, oplen) = sparse_op(s, p);
        span = run;
        if index < first + span {
            break;
        }
        prev = Some(p);
        p += oplen;
        first += span;
    }
    if span == 0 || p >= end {
        return Err(Invalid);
    }
    let b = s[p];
    let is_xzero = b & 0xc0 == 0x40;
    let is_zero = b & 0xc0 == 0;
    let (runlen, curval, _) = sparse_op(s, p);
    // Step 2: the easy in-place cases.
    let mut updated_in_place = false;
    if !is_zero && !is_xzero {
        if curval >= count {
            return Ok(false);
        }
        if runlen == 1 {
            s[p] = val_op(count, 1);
            updated_in_place = true;
        }
    }
    if !updated_in_place && is_zero && runlen == 1 {
        s[p] = val_op(count, 1);
        updated_in_place = true;
    }
    if !updated_in_place {
        // General case: split the run into up to three opcodes.
        let last = first + span - 1;
        let mut seq: Vec<u8> = Vec::with_capacity(5);
        if is_zero || is_xzero {
            if index != first {
                push_zero_run(&mut seq, index - first);
            }
            seq.push(val_op(count, 1));
            if index != last {
                push_zero_run(&mut seq, last - index);
            }
        } else {
            if index != first {
                seq.push(val_op(curval, index - first));
            }
            seq.push(val_op(count, 1));
            if index != last {
                seq.push(val_op(curval, last - index));
            }
        }
        let oldlen = if is_xzero { 2 } else { 1 };
        let delta = seq.len() as isize - oldlen as isize;
        if delta > 0 && s.len() + delta as usize > max_bytes {
            return promote(s, index, count);
        }
        let old_end = (p + oldlen).min(s.len());
        s.splice(p..old_end, seq);
    }
    // Step 4: merge adjacent VAL opcodes of equal value.
    let mut p = prev.unwrap_or(HDR_SIZE);
    let mut scan = 5;
    while p < s.len() && scan > 0 {
        scan -= 1;
        let b = s[p];
        if b & 0xc0 == 0x40 {
            p += 2;
            continue;
        } else if b & 0xc0 == 0 {
            p += 1;
            continue;
        }
        if p + 1 < s.len() && s[p + 1] & 0x80 != 0 {
            let (l1, v1, _) = sparse_op(s, p);
            let (l2, v2, _) = sparse_op(s, p + 1);
            if v1 == v2 && l1 + l2 <= VAL_MAX_LEN {
                s[p + 1] = val_op(v1, l1 + l2);
                s.remove(p);
                continue;
            }
        }
        p += 1;
    }
    invalidate_cache(s);
    Ok(true)
}

fn promote(s: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Invalid> {
    sparse_to_dense(s)?;
    // Promotion happens only when the register must change.
    Ok(dense_set(&mut s[HDR_SIZE..], index, count))
}

/// `hllAdd`: adds one element; `Ok(true)` when a register changed.
pub fn add(s: &mut Vec<u8>, ele: &[u8], max_bytes: usize) -> Result<bool, Invalid> {
    let (index, count) = pat_len(ele);
    match s[4] {
        DENSE => Ok(dense_set(&mut s[HDR_SIZE..], index, count)),
        SPARSE => sparse_set(s, index, count, max_bytes),
        _ => Err(Invalid),
    }
}

/// Sets register `index` to at least `count` in either encoding (PFMERGE's write-back).
pub fn set_register(
    s: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Invalid> {
    match s[4] {
        DENSE => Ok(dense_set(&mut s[HDR_SIZE..], index, count)),
        SPARSE => sparse_set(s, index, count, max_bytes),
        _ => Err(Invalid),
    }
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let zp = z;
        z += x * y;
        y += y;
        if zp == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let zp = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if zp == z {
            return z / 3.0;
        }
    }
}

/// The estimator (Ertl's improved raw estimate, as Redis 5+) from a register histogram.
fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - histo[Q as usize + 1] as f64) / m);
    for j in (1..=Q as usize).rev() {
        z += histo[j] as f64;
        z *= 0.5;
    }
    z += m * sigma(histo[0] as f64 / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// `hllCount` of an HLL string (dense or sparse).
pub fn count(s: &[u8]) -> Result<u64, Invalid> {
    let mut histo = [0u32; 64];
    match s[4] {
        DENSE => {
            let regs = &s[HDR_SIZE..];
            for i in 0..REGISTERS {
                histo[dense_get(regs, i) as usize] += 1;
            }
        }
        SPARSE => sparse_walk(s, |_, run, val| histo[val as usize] += run as u32)?,
        _ => return Err(Invalid),
    }
    Ok(estimate(&histo))
}

/// `hllCount` of raw 8-bit registers (multi-key PFCOUNT).
pub fn count_raw(max: &[u8; REGISTERS]) -> u64 {
    let mut histo = [0u32; 64];
    for &r in max.iter() {
        histo[(r & 63) as usize] += 1;
    }
    estimate(&histo)
}

/// `hllMerge`: `max[i] = max(max[i], register i)`.
pub fn merge(max: &mut [u8; REGISTERS], s: &[u8]) -> Result<(), Invalid> {
    if s[4] == DENSE {
        let regs = &s[HDR_SIZE..];
        for (i, m) in max.iter_mut().enumerate() {
            let v = dense_get(regs, i);
            if v > *m {
                *m = v;
            }
        }
        Ok(())
    } else {
        sparse_walk(s, |first, run, val| {
            if val > 0 {
                for m in &mut max[first..first + run] {
                    if val > *m {
                        *m = val;
                    }
                }
            }
        })
    }
}

/// `PFDEBUG DECODE`: the sparse opcodes as text (`Z:16384`, `z:3`, `v:2,1`).
pub fn decode_sparse(s: &[u8]) -> Vec<u8> {
    let mut out = String::new();
    let mut p = HDR_SIZE;
    while p < s.len() {
        let (run, val, oplen) = sparse_op(s, p);
        let b = s[p];
        if b & 0xc0 == 0 {
            out.push_str(&format!("z:{run} "));
        } else if b & 0xc0 == 0x40 {
            out.push_str(&format!("Z:{run} "));
        } else {
            out.push_str(&format!("v:{val},{run} "));
        }
        p += oplen;
    }
    out.trim_matches(' ').as_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_hll_matches_redis_bytes() {
        // Observed on Redis 7.0.15: PFADD k then GET k.
        let mut want = b"HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
        want.extend_from_slice(b"\x7f\xff");
        assert_eq!(create(), want);
        assert_eq!(count(&create()), Ok(0));
    }

    #[test]
    fn dense_registers_round_trip_without_touching_neighbours() {
        let mut regs = vec![0u8; DENSE_SIZE - HDR_SIZE];
        let mut model = vec![0u8; REGISTERS];
        let mut x: u32 = 12345;
        for (i, m) in model.iter_mut().enumerate() {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let v = ((x >> 16) & 63) as u8;
            *m = v;
            dense_put(&mut regs, i, v);
        }
        for (i, &v) in model.iter().enumerate() {
            assert_eq!(dense_get(&regs, i), v, "register {i}");
        }
    }

    #[test]
    fn sparse_and_dense_agree_and_estimate_is_close() {
        let mut sparse = create();
        let mut dense = create();
        sparse_to_dense(&mut dense).unwrap();
        for j in 1..=20_000u64 {
            let ele = j.to_le_bytes();
            add(&mut sparse, &ele, 3000).unwrap();
            add(&mut dense, &ele, 3000).unwrap();
            if j == 100 || j == 1000 {
                assert_eq!(encoding(&sparse), SPARSE);
                assert_eq!(count(&sparse), count(&dense));
            }
        }
        assert_eq!(encoding(&sparse), DENSE);
        let c = count(&dense).unwrap() as f64;
        assert!((c - 20_000.0).abs() < 20_000.0 * 0.05, "estimate {c}");
    }

    #[test]
    fn corrupt_sparse_is_rejected_not_panicking() {
        let mut s = create();
        s.truncate(HDR_SIZE + 1); // half an XZERO opcode
        assert_eq!(count(&s), Err(Invalid));
        let mut t = create();
        t.push(0x80); // a run past the last register
        assert_eq!(count(&t), Err(Invalid));
        assert_eq!(sparse_to_dense(&mut t.clone()), Err(Invalid));
        let mut m = [0u8; REGISTERS];
        assert_eq!(merge(&mut m, &t), Err(Invalid));
        // Adding to a corrupt HLL may fail but never panics.
        for i in 0..200u32 {
            let _ = add(&mut t, &i.to_le_bytes(), 3000);
        }
    }
}
