//! HyperLogLog commands (`PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST`) on strings holding
//! Redis's HLL format ([`crate::types::hll`]).

use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::types::hll;
use crate::types::value::{Str, Value};
use rand::Rng;

const INVALID: Error = Error::fixed("INVALIDOBJ Corrupted HLL object detected");
const NOT_HLL: Error = Error::fixed("WRONGTYPE Key is not a valid HyperLogLog string value.");

/// `isHLLObjectOrReply`: the value's bytes if it is a string in HLL format.
fn hll_bytes(v: &Value) -> Result<&[u8], Error> {
    let s = match v.as_str() {
        None => return Err(error::WRONGTYPE),
        Some(Str::Int(_)) => return Err(NOT_HLL),
        Some(Str::Emb(b)) => &b[..],
        Some(Str::Raw(b)) => &b[..],
    };
    if hll::is_valid(s) {
        Ok(s)
    } else {
        Err(NOT_HLL)
    }
}

/// The value of a key already checked with [`hll_bytes`], as a growable buffer (Redis's
/// `dbUnshareStringValue`). Side effect: a running snapshot captures the entry first.
fn hll_mut<'a>(ctx: &'a mut Ctx, key: &[u8]) -> &'a mut Vec<u8> {
    let now = ctx.now;
    let e = ctx
        .db()
        .get_mut(key, now)
        .expect("caller checked the key exists");
    e.val
        .as_str_mut()
        .expect("caller checked the type")
        .make_raw()
}

fn sparse_max(ctx: &Ctx) -> usize {
    ctx.core.config.hll_sparse_max_bytes.max(0) as usize
}

/// PFADD key [element ...]
fn pfadd(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let max_bytes = sparse_max(ctx);
    let mut updated = 0u64;
    match ctx.lookup_write(key) {
        Some(e) => {
            hll_bytes(&e.val)?;
        }
        None => {
            let lru = ctx.lru();
            ctx.db().add(key, Value::Str(Str::Raw(hll::create())), lru);
            updated += 1;
        }
    }
    let result = {
        let s = hll_mut(ctx, key);
        let mut r = Ok(());
        for ele in &argv[2..] {
            match hll::add(s, ele, max_bytes) {
                Ok(true) => updated += 1,
                Ok(false) => {}
                Err(_) => {
                    r = Err(INVALID);
                    break;
                }
            }
        }
        if r.is_ok() && updated > 0 {
            hll::invalidate_cache(s);
        }
        r
    };
    result?;
    if updated > 0 {
        ctx.touched_n(key, updated);
        ctx.notify(Class::STRING, "pfadd", key);
    }
    ctx.out().int(if updated > 0 { 1 } else { 0 });
    Ok(())
}

/// PFCOUNT key [key ...]
fn pfcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 2 {
        // The cardinality of the union, computed on 8-bit registers.
        let mut max = Box::new([0u8; hll::REGISTERS]);
        for k in &argv[1..] {
            let Some(e) = ctx.lookup_read(k) else {
                continue;
            };
            let s = hll_bytes(&e.val)?;
            hll::merge(&mut max, s).map_err(|_| INVALID)?;
        }
        let c = hll::count_raw(&max);
        ctx.out().int(c as i64);
        return Ok(());
    }
    let key = argv[1];
    match ctx.lookup_read(key) {
        None => {
            ctx.out().int(0);
            return Ok(());
        }
        Some(e) => {
            hll_bytes(&e.val)?;
        }
    }
    let (card, recomputed) = {
        let s = hll_mut(ctx, key);
        match hll::cached(s) {
            Some(c) => (c, false),
            None => {
                let c = hll::count(s).map_err(|_| INVALID)?;
                hll::set_cache(s, c);
                (c, true)
            }
        }
    };
    if recomputed {
        // The cache lives in the value: a read that refreshes it is a change.
        ctx.touched(key);
    }
    ctx.out().int(card as i64);
    Ok(())
}

/// PFMERGE destkey [sourcekey ...]
fn pfmerge(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let max_bytes = sparse_max(ctx);
    let mut max = Box::new([0u8; hll::REGISTERS]);
    let mut use_dense = false;
    // The destination is also a source.
    for k in &argv[1..] {
        let Some(e) = ctx.lookup_read(k) else {
            continue;
        };
        let s = hll_bytes(&e.val)?;
        if hll::encoding(s) == hll::DENSE {
            use_dense = true;
        }
        hll::merge(&mut max, s).map_err(|_| INVALID)?;
    }
    let dest = argv[1];
    if ctx.lookup_write(dest).is_none() {
        let lru = ctx.lru();
        ctx.db().add(dest, Value::Str(Str::Raw(hll::create())), lru);
    }
    {
        let s = hll_mut(ctx, dest);
        if use_dense {
            hll::sparse_to_dense(s).map_err(|_| INVALID)?;
        }
        for (j, &m) in max.iter().enumerate() {
            if m != 0 {
                // As Redis, a corrupt destination just stops improving.
                let _ = hll::set_register(s, j, m, max_bytes);
            }
        }
        hll::invalidate_cache(s);
    }
    ctx.touched(dest);
    ctx.notify(Class::STRING, "pfadd", dest);
    ctx.out().ok();
    Ok(())
}

/// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
fn pfdebug(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let sub = argv[1];
    let key = argv[2];
    match ctx.lookup_write(key) {
        None => return Err(Error::err("The specified key does not exist")),
        Some(e) => {
            hll_bytes(&e.val)?;
        }
    }
    let arity = || {
        let mut v = b"ERR Wrong number of arguments for the '".to_vec();
        v.extend_from_slice(error::c_str(sub));
        v.extend_from_slice(b"' subcommand");
        Error::owned(v)
    };
    let is = |kw: &str| sub.eq_ignore_ascii_case(kw.as_bytes());
    if is("getreg") {
        if argv.len() != 3 {
            return Err(arity());
        }
        let (regs, converted) = {
            let s = hll_mut(ctx, key);
            let converted = hll::encoding(s) == hll::SPARSE;
            hll::sparse_to_dense(s).map_err(|_| INVALID)?;
            let body = &s[hll::HDR_SIZE..];
            let regs: Vec<u8> = (0..hll::REGISTERS)
                .map(|i| hll::dense_get(body, i))
                .collect();
            (regs, converted)
        };
        if converted {
            ctx.core.dirty += 1;
        }
        let out = ctx.out();
        out.array_len(regs.len());
        for r in regs {
            out.int(r as i64);
        }
    } else if is("decode") {
        if argv.len() != 3 {
            return Err(arity());
        }
        let text = {
            let s = hll_mut(ctx, key);
            if hll::encoding(s) != hll::SPARSE {
                return Err(Error::err("HLL encoding is not sparse"));
            }
            hll::decode_sparse(s)
        };
        ctx.out().bulk(&text);
    } else if is("encoding") {
        if argv.len() != 3 {
            return Err(arity());
        }
        let enc = hll::encoding(hll_mut(ctx, key));
        ctx.out().simple(if enc == hll::DENSE {
            b"dense"
        } else {
            b"sparse"
        });
    } else if is("todense") {
        if argv.len() != 3 {
            return Err(arity());
        }
        let converted = {
            let s = hll_mut(ctx, key);
            let sparse = hll::encoding(s) == hll::SPARSE;
            hll::sparse_to_dense(s).map_err(|_| INVALID)?;
            sparse
        };
        if converted {
            ctx.core.dirty += 1;
        }
        ctx.out().int(converted as i64);
    } else {
        let mut v = b"ERR Unknown PFDEBUG subcommand '".to_vec();
        v.extend_from_slice(error::c_str(sub));
        v.push(b'\'');
        return Err(Error::owned(v));
    }
    Ok(())
}

/// PFSELFTEST: checks register access and the estimator's error on both encodings.
fn pfselftest(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let max_bytes = sparse_max(ctx);
    selftest(&mut ctx.core.rng, max_bytes, 1000, 10_000_000)?;
    ctx.out().ok();
    Ok(())
}

/// Redis's `pfselftestCommand` with its cycle counts as parameters.
fn selftest(rng: &mut impl Rng, max_bytes: usize, cycles: usize, adds: u64) -> Result<(), Error> {
    let mut dense = vec![0u8; hll::DENSE_SIZE];
    let mut bytes = vec![0u8; hll::REGISTERS];
    for _ in 0..cycles {
        let regs = &mut dense[hll::HDR_SIZE..];
        for (i, b) in bytes.iter_mut().enumerate() {
            let r = rng.gen::<u8>() & 63;
            *b = r;
            hll::dense_put(regs, i, r);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let v = hll::dense_get(regs, i);
            if v != b {
                return Err(Error::err(format!(
                    "TESTFAILED Register {i} should be {b} but is {v}"
                )));
            }
        }
    }
    // Test 2: approximation error, dense and sparse side by side.
    let mut dense = hll::create();
    hll::sparse_to_dense(&mut dense).map_err(|_| INVALID)?;
    let mut sparse = hll::create();
    let relerr = 1.04 / (hll::REGISTERS as f64).sqrt();
    let mut checkpoint: u64 = 1;
    let seed: u64 = rng.gen();
    for j in 1..=adds {
        let ele = (j ^ seed).to_ne_bytes();
        let _ = hll::add(&mut dense, &ele, max_bytes);
        let _ = hll::add(&mut sparse, &ele, max_bytes);
        if j != checkpoint {
            continue;
        }
        if j < (max_bytes / 2) as u64 && hll::encoding(&sparse) != hll::SPARSE {
            return Err(Error::err("TESTFAILED sparse encoding not used"));
        }
        let dc = hll::count(&dense).map_err(|_| INVALID)?;
        if Ok(dc) != hll::count(&sparse) {
            return Err(Error::err("TESTFAILED dense/sparse disagree"));
        }
        let abserr = (checkpoint as i64 - dc as i64).unsigned_abs();
        let mut maxerr = (relerr * 6.0 * checkpoint as f64).ceil() as u64;
        if j == 10 {
            maxerr = 1;
        }
        if abserr > maxerr {
            return Err(Error::err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{abserr}"
            )));
        }
        checkpoint *= 10;
    }
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::PFADD, pfadd),
    Command::new(&meta::PFCOUNT, pfcount),
    Command::new(&meta::PFMERGE, pfmerge),
    Command::new(&meta::PFDEBUG, pfdebug),
    Command::new(&meta::PFSELFTEST, pfselftest),
];

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn selftest_passes_on_a_short_run() {
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        assert_eq!(selftest(&mut rng, 3000, 3, 100_000), Ok(()));
    }
}
