//! LZF compression with a reusable hash table.
//!
//! Same algorithm and output as `lzf::compress` (liblzf's `lzf_compress`, HLOG 16, offsets
//! checked against the input before use), but the 64 Ki-slot table is kept between calls
//! and only the slots a call wrote are cleared afterwards. `lzf::compress` allocates and
//! zeroes a fresh 512 KiB table for every string, which made saving small strings cost a
//! 512 KiB memset each. Decompression stays with the `lzf` crate.
//!
//! Called by: `io::RdbWriter` (strings longer than 20 bytes when `rdbcompression` is on).

const HLOG: usize = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);
const MAX_LIT: i64 = 1 << 5;

fn first(p: &[u8], off: usize) -> u32 {
    ((p[off] as u32) << 8) | p[off + 1] as u32
}

fn next(v: u32, p: &[u8], off: usize) -> u32 {
    (v << 8) | p[off + 2] as u32
}

fn idx(h: u32) -> usize {
    let h = h as u64;
    ((h.wrapping_shr(8).wrapping_sub(h * 5)) & (HSIZE as u64 - 1)) as usize
}

/// An LZF compressor whose hash table survives between calls.
#[derive(Default)]
pub struct Lzf {
    /// Input offset + 1 of the last position with each hash (0 = empty).
    htab: Vec<u32>,
    /// Slots written by the current call, cleared before it returns.
    touched: Vec<u32>,
    out: Vec<u8>,
}

impl Lzf {
    /// The compressed form of `data`, or `None` when it does not fit in `data.len()` bytes
    /// (or `data` is shorter than 2 bytes or 4 GiB or longer), as `lzf::compress`.
    pub fn compress(&mut self, data: &[u8]) -> Option<&[u8]> {
        if data.len() < 2 || data.len() >= u32::MAX as usize {
            return None;
        }
        if self.htab.is_empty() {
            self.htab = vec![0; HSIZE];
        }
        let ok = compress_into(data, &mut self.htab, &mut self.touched, &mut self.out);
        for &i in &self.touched {
            self.htab[i as usize] = 0;
        }
        self.touched.clear();
        ok.map(|n| &self.out[..n])
    }
}

/// The body of `lzf::compress`, with the table passed in. Table entries hold offset + 1 so
/// that 0 means empty: the crate's `ref_offset > 0` test (offset 0 is never a reference)
/// becomes `entry > 1`.
fn compress_into(
    data: &[u8],
    htab: &mut [u32],
    touched: &mut Vec<u32>,
    out: &mut Vec<u8>,
) -> Option<usize> {
    let in_len = data.len();
    let out_buf_len = in_len;
    out.clear();
    out.resize(out_buf_len, 0);
    let mut set = |htab: &mut [u32], slot: usize, off: usize| {
        if htab[slot] == 0 {
            touched.push(slot as u32);
        }
        htab[slot] = off as u32 + 1;
    };
    let mut out_len: i64 = 1; // start run
    let mut cur = 0usize;
    let mut lit: i64 = 0;
    let mut hval = first(data, cur);
    let not = |i: i64| i64::from(i == 0);

    while cur < in_len - 2 {
        hval = next(hval, data, cur);
        let slot = idx(hval);
        let entry = htab[slot] as usize;
        set(htab, slot, cur);
        // An empty slot reads as a reference to offset 0, which the crate never uses.
        let ref_off = entry.saturating_sub(1);
        let off = cur.wrapping_sub(ref_off).wrapping_sub(1);
        if off < MAX_OFF
            && cur + 4 < in_len
            && ref_off > 0
            && ref_off < in_len - 2
            && data[ref_off] == data[cur]
            && data[ref_off + 1] == data[cur + 1]
            && data[ref_off + 2] == data[cur + 2]
        {
            let mut len = 2;
            let maxlen = (in_len - cur - len).min(MAX_REF);
            out[(out_len - lit - 1) as usize] = (lit as u8).wrapping_sub(1); // stop run
            out_len -= not(lit); // undo run if length is zero
            if out_len + 3 + 1 >= out_buf_len as i64 {
                return None;
            }
            len += 1;
            while len < maxlen && data[ref_off + len] == data[cur + len] {
                len += 1;
            }
            len -= 2; // len is now #octets - 1
            cur += 1;
            if len < 7 {
                out[out_len as usize] = (off >> 8) as u8 + (len << 5) as u8;
                out_len += 1;
            } else {
                out[out_len as usize] = (off >> 8) as u8 + (7 << 5);
                out[out_len as usize + 1] = (len as u8).wrapping_sub(7);
                out_len += 2;
            }
            out[out_len as usize] = off as u8;
            out_len += 2; // start run
            lit = 0;
            cur += len - 1;
            if cur >= in_len {
                break;
            }
            hval = first(data, cur);
            hval = next(hval, data, cur);
            set(htab, idx(hval), cur);
            cur += 1;
            hval = next(hval, data, cur);
            set(htab, idx(hval), cur);
            cur += 1;
        } else {
            if out_len >= out_buf_len as i64 {
                return None;
            }
            lit += 1;
            out[out_len as usize] = data[cur];
            out_len += 1;
            cur += 1;
            if lit == MAX_LIT {
                out[(out_len - lit - 1) as usize] = (lit as u8).wrapping_sub(1); // stop run
                lit = 0;
                out_len += 1; // start run
            }
        }
    }
    // at most 3 bytes can be missing here
    if out_len + 3 > out_buf_len as i64 {
        return None;
    }
    while cur < in_len {
        lit += 1;
        out[out_len as usize] = data[cur];
        out_len += 1;
        cur += 1;
        if lit == MAX_LIT {
            out[(out_len - lit - 1) as usize] = (lit as u8).wrapping_sub(1); // stop run
            lit = 0;
            out_len += 1; // start run
        }
    }
    out[(out_len - lit - 1) as usize] = (lit as u8).wrapping_sub(1); // end run
    out_len -= not(lit); // undo run if length is zero
    Some(out_len as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    /// Inputs of every shape: random, repetitive, runs, from a tiny alphabet, with lengths
    /// around the literal-run and reference limits.
    fn sample(rng: &mut SmallRng) -> Vec<u8> {
        let len = match rng.gen_range(0..4) {
            0 => rng.gen_range(0..40),
            1 => rng.gen_range(0..400),
            2 => rng.gen_range(0..9000),
            _ => rng.gen_range(9000..40000),
        };
        let alphabet = [1u8, 2, 4, 16, 255][rng.gen_range(0..5)];
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            if rng.gen_bool(0.3) && !v.is_empty() {
                let from = rng.gen_range(0..v.len());
                let n = rng.gen_range(1..300).min(len - v.len());
                for i in 0..n {
                    let b = v[from + i % (v.len() - from)];
                    v.push(b);
                }
            } else {
                v.push(rng.gen_range(0..=alphabet));
            }
        }
        v
    }

    #[test]
    fn same_output_as_the_lzf_crate_across_reused_calls() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut z = Lzf::default();
        for round in 0..3000 {
            let data = sample(&mut rng);
            let ours = z.compress(&data).map(|c| c.to_vec());
            let theirs = lzf::compress(&data).ok();
            assert_eq!(ours, theirs, "input of {} bytes", data.len());
            if let Some(c) = ours {
                assert_eq!(lzf::decompress(&c, data.len()).unwrap(), data);
            }
            if round % 100 == 0 {
                assert!(z.touched.is_empty() && z.htab.iter().all(|&e| e == 0));
            }
        }
    }

    #[test]
    fn short_and_incompressible_inputs_are_refused() {
        let mut z = Lzf::default();
        assert_eq!(z.compress(b""), None);
        assert_eq!(z.compress(b"a"), None);
        assert_eq!(z.compress(b"abcdefghijklmnopqrstuvwxyz"), None);
        let c = z.compress(&[b'x'; 100]).unwrap().to_vec();
        assert!(c.len() < 10);
        assert_eq!(lzf::decompress(&c, 100).unwrap(), vec![b'x'; 100]);
    }
}
