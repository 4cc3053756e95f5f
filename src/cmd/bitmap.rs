//! Bitmap commands on plain strings (Redis `bitops.c`): SETBIT GETBIT BITCOUNT BITPOS
//! BITOP BITFIELD BITFIELD_RO. Bits are numbered from the most significant bit of byte 0.

use super::args::is;
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::types::value::{Str, Value};
use crate::util::num;

const BAD_OFFSET: Error = Error::fixed("ERR bit offset is not an integer or out of range");
const BAD_BIT: Error = Error::fixed("ERR bit is not an integer or out of range");
const BAD_TYPE: Error = Error::fixed(
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.",
);

/// `getBitOffsetFromArgument`: a bit offset below the string size limit; with `hash`,
/// `#N` means N * `bits`.
fn bit_offset(ctx: &Ctx, arg: &[u8], hash: bool, bits: u32) -> Result<u64, Error> {
    let use_hash = hash && bits > 0 && arg.first() == Some(&b'#');
    let digits = if use_hash { &arg[1..] } else { arg };
    let mut off = num::parse_i64(digits).ok_or(BAD_OFFSET)?;
    if use_hash {
        off = off.wrapping_mul(bits as i64);
    }
    if off < 0 || (off >> 3) >= ctx.core.config.proto_max_bulk_len {
        return Err(BAD_OFFSET);
    }
    Ok(off as u64)
}

/// The bytes of a string value (a copy: bitmaps read a few bytes or the whole value once).
fn string_bytes(v: &Value) -> Result<Vec<u8>, Error> {
    match v.as_str() {
        Some(s) => Ok(s.to_vec()),
        None => Err(error::WRONGTYPE),
    }
}

/// `lookupStringForBitCommand`: the key's string, made raw and zero-padded so that bit
/// `maxbit` is addressable; created if missing. WRONGTYPE for other types.
fn string_for_write<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
    maxbit: u64,
) -> Result<&'a mut Vec<u8>, Error> {
    let need = (maxbit >> 3) as usize + 1;
    if ctx.lookup_write(key).is_none() {
        let lru = ctx.lru();
        ctx.db().add(key, Value::Str(Str::Raw(vec![0; need])), lru);
    }
    let e = ctx
        .lookup_write(key)
        .expect("present: just checked or added");
    let s = e.val.as_str_mut().ok_or(error::WRONGTYPE)?;
    let buf = s.make_raw();
    if buf.len() < need {
        buf.resize(need, 0);
    }
    Ok(buf)
}

/// SETBIT key offset value
fn setbit(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let off = bit_offset(ctx, argv[2], false, 0)?;
    let on = num::parse_i64(argv[3]).ok_or(BAD_BIT)?;
    if on & !1 != 0 {
        return Err(BAD_BIT);
    }
    let byte = (off >> 3) as usize;
    // Redis's `dirty`: the key is created or grown; then, or when the bit changes, the write
    // is a modification (event, WATCH), otherwise nothing is signalled.
    let dirty = match ctx.lookup_write(argv[1]) {
        None => true,
        Some(e) => match e.val.as_str() {
            None => return Err(error::WRONGTYPE),
            Some(s) => s.len() <= byte,
        },
    };
    let buf = string_for_write(ctx, argv[1], off)?;
    let bit = 7 - (off & 7) as u32;
    let old = (buf[byte] >> bit) & 1;
    buf[byte] = (buf[byte] & !(1 << bit)) | ((on as u8) << bit);
    if dirty || i64::from(old) != on {
        ctx.touched(argv[1]);
        ctx.notify(Class::STRING, "setbit", argv[1]);
    }
    ctx.out().int(old as i64);
    Ok(())
}

/// GETBIT key offset
fn getbit(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let off = bit_offset(ctx, argv[2], false, 0)?;
    let Some(e) = ctx.lookup_read(argv[1]) else {
        ctx.out().int(0);
        return Ok(());
    };
    let s = e.val.as_str().ok_or(error::WRONGTYPE)?;
    let mut tmp = [0u8; 24];
    let b = s.as_bytes(&mut tmp);
    let byte = (off >> 3) as usize;
    let v = b.get(byte).map(|c| (c >> (7 - (off & 7))) & 1).unwrap_or(0);
    ctx.out().int(v as i64);
    Ok(())
}

fn popcount(b: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        n += u64::from_ne_bytes(c.try_into().expect("8 bytes")).count_ones() as u64;
    }
    n + chunks
        .remainder()
        .iter()
        .map(|c| c.count_ones() as u64)
        .sum::<u64>()
}

/// Resolves a BYTE/BIT range over a string of `len` bytes as Redis does; returns
/// (start byte, end byte, first byte mask of bits outside, last byte mask of bits outside).
fn resolve_range(len: i64, mut start: i64, mut end: i64, isbit: bool) -> (i64, i64, u8, u8) {
    let total = if isbit { len << 3 } else { len };
    if start < 0 {
        start += total;
    }
    if end < 0 {
        end += total;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first, mut last) = (0u8, 0u8);
    if isbit && start <= end {
        first = (!((1u32 << (8 - (start & 7))) - 1) & 0xff) as u8;
        last = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    (start, end, first, last)
}

fn bit_unit(arg: &[u8]) -> Result<bool, Error> {
    if is(arg, "bit") {
        Ok(true)
    } else if is(arg, "byte") {
        Ok(false)
    } else {
        Err(error::SYNTAX)
    }
}

/// BITCOUNT key [start end [BYTE|BIT]]
fn bitcount(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // Redis 7.0 looks the key up before parsing the range.
    let Some(e) = ctx.lookup_read(argv[1]) else {
        ctx.out().int(0);
        return Ok(());
    };
    let p = string_bytes(&e.val)?;
    let len = p.len() as i64;
    let (start, end, first, last) = match argv.len() {
        4 | 5 => {
            let start = super::args::int(argv[2])?;
            let end = super::args::int(argv[3])?;
            if start < 0 && end < 0 && start > end {
                ctx.out().int(0);
                return Ok(());
            }
            let isbit = if argv.len() == 5 {
                bit_unit(argv[4])?
            } else {
                false
            };
            resolve_range(len, start, end, isbit)
        }
        2 => (0, len - 1, 0, 0),
        _ => return Err(error::SYNTAX),
    };
    if start > end {
        ctx.out().int(0);
        return Ok(());
    }
    let (s, e) = (start as usize, end as usize);
    let mut count = popcount(&p[s..=e]) as i64;
    if first != 0 || last != 0 {
        let fl = [
            if first != 0 { p[s] & first } else { 0 },
            if last != 0 { p[e] & last } else { 0 },
        ];
        count -= popcount(&fl) as i64;
    }
    ctx.out().int(count);
    Ok(())
}

/// `redisBitpos`: position of the first bit equal to `bit` in `b`; when looking for a
/// clear bit and none is found, the bit just past the end (the string is zero-padded);
/// -1 when looking for a set bit and none is found.
fn first_bit(b: &[u8], bit: bool) -> i64 {
    for (i, &c) in b.iter().enumerate() {
        let c = if bit { c } else { !c };
        if c != 0 {
            return (i as i64) * 8 + c.leading_zeros() as i64;
        }
    }
    if bit {
        -1
    } else {
        (b.len() as i64) * 8
    }
}

/// BITPOS key bit [start [end [BYTE|BIT]]]
fn bitpos(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let bit = super::args::int(argv[2])?;
    if bit != 0 && bit != 1 {
        return Err(Error::err("The bit argument must be 1 or 0."));
    }
    let bit = bit == 1;
    let Some(e) = ctx.lookup_read(argv[1]) else {
        ctx.out().int(if bit { -1 } else { 0 });
        return Ok(());
    };
    let p = string_bytes(&e.val)?;
    let len = p.len() as i64;
    let mut end_given = false;
    let (mut start, end, first, last) = match argv.len() {
        4..=6 => {
            let start = super::args::int(argv[3])?;
            let isbit = if argv.len() == 6 {
                bit_unit(argv[5])?
            } else {
                false
            };
            let end = if argv.len() >= 5 {
                end_given = true;
                super::args::int(argv[4])?
            } else if isbit {
                (len << 3) + 7
            } else {
                len - 1
            };
            resolve_range(len, start, end, isbit)
        }
        3 => (0, len - 1, 0, 0),
        _ => return Err(error::SYNTAX),
    };
    if start > end {
        ctx.out().int(-1);
        return Ok(());
    }
    let mut bytes = end - start + 1;
    let pos;
    'result: {
        if first != 0 {
            let mut c = if bit {
                p[start as usize] & !first
            } else {
                p[start as usize] | first
            };
            if last != 0 && bytes == 1 {
                c = if bit { c & !last } else { c | last };
            }
            let r = first_bit(&[c], bit);
            if bytes == 1 || (r != -1 && r != 8) {
                pos = r;
                break 'result;
            }
            start += 1;
            bytes -= 1;
        }
        let cur = bytes - if last != 0 { 1 } else { 0 };
        if cur > 0 {
            let r = first_bit(&p[start as usize..(start + cur) as usize], bit);
            if bytes == cur || (r != -1 && r != cur << 3) {
                pos = r;
                break 'result;
            }
            start += cur;
            bytes -= cur;
        }
        let c = if bit {
            p[end as usize] & !last
        } else {
            p[end as usize] | last
        };
        pos = first_bit(&[c], bit);
    }
    // With an explicit end, a clear bit "found" just past the range does not count.
    if end_given && !bit && pos == bytes << 3 {
        ctx.out().int(-1);
        return Ok(());
    }
    ctx.out()
        .int(if pos != -1 { pos + (start << 3) } else { pos });
    Ok(())
}

/// BITOP AND|OR|XOR|NOT destkey key [key ...]
fn bitop(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    #[derive(PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = match argv[1] {
        o if is(o, "and") => Op::And,
        o if is(o, "or") => Op::Or,
        o if is(o, "xor") => Op::Xor,
        o if is(o, "not") => Op::Not,
        _ => return Err(error::SYNTAX),
    };
    if op == Op::Not && argv.len() != 4 {
        return Err(Error::err(
            "BITOP NOT must be called with a single source key.",
        ));
    }
    let mut srcs: Vec<Vec<u8>> = Vec::with_capacity(argv.len() - 3);
    for k in &argv[3..] {
        match ctx.lookup_read(k) {
            None => srcs.push(Vec::new()),
            Some(e) => srcs.push(string_bytes(&e.val)?),
        }
    }
    let maxlen = srcs.iter().map(|s| s.len()).max().unwrap_or(0);
    let dest = argv[2];
    if maxlen > 0 {
        let mut res = vec![0u8; maxlen];
        res[..srcs[0].len()].copy_from_slice(&srcs[0]);
        if op == Op::Not {
            res.iter_mut().for_each(|b| *b = !*b);
        }
        for s in &srcs[1..] {
            match op {
                Op::And => {
                    for (j, r) in res.iter_mut().enumerate() {
                        *r &= s.get(j).copied().unwrap_or(0);
                    }
                }
                Op::Or => res.iter_mut().zip(s).for_each(|(r, b)| *r |= b),
                Op::Xor => res.iter_mut().zip(s).for_each(|(r, b)| *r ^= b),
                Op::Not => {}
            }
        }
        // Redis stores the result as a raw string whatever its length.
        let lru = ctx.lru_for(dest, false);
        ctx.db().set(dest, Value::Str(Str::Raw(res)), false, lru);
        ctx.touched(dest);
        ctx.notify(Class::STRING, "set", dest);
    } else {
        let now = ctx.now;
        let db = ctx.db();
        db.expire_if_needed(dest, now);
        if db.remove(dest).is_some() {
            ctx.touched(dest);
            ctx.notify(Class::GENERIC, "del", dest);
        }
    }
    ctx.out().int(maxlen as i64);
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set,
    Incr,
}

struct Field {
    op: FieldOp,
    offset: u64,
    value: i64,
    signed: bool,
    bits: u32,
    overflow: Overflow,
}

/// `getBitfieldTypeFromArgument`: i1..i64 or u1..u63.
fn field_type(arg: &[u8]) -> Result<(bool, u32), Error> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => return Err(BAD_TYPE),
    };
    let bits = num::parse_i64(&arg[1..]).ok_or(BAD_TYPE)?;
    if bits < 1 || (signed && bits > 64) || (!signed && bits > 63) {
        return Err(BAD_TYPE);
    }
    Ok((signed, bits as u32))
}

fn get_unsigned(p: &[u8], mut offset: u64, bits: u32) -> u64 {
    let mut v = 0u64;
    for _ in 0..bits {
        let byte = (offset >> 3) as usize;
        let bit = 7 - (offset & 7);
        let b = p.get(byte).map(|c| (c >> bit) & 1).unwrap_or(0);
        v = (v << 1) | b as u64;
        offset += 1;
    }
    v
}

fn get_signed(p: &[u8], offset: u64, bits: u32) -> i64 {
    let mut v = get_unsigned(p, offset, bits);
    if bits < 64 && v & (1u64 << (bits - 1)) != 0 {
        v |= u64::MAX << bits;
    }
    v as i64
}

fn set_unsigned(p: &mut [u8], mut offset: u64, bits: u32, value: u64) {
    for j in 0..bits {
        let bitval = ((value >> (bits - 1 - j)) & 1) as u8;
        let byte = (offset >> 3) as usize;
        let bit = 7 - (offset & 7);
        p[byte] = (p[byte] & !(1 << bit)) | (bitval << bit);
        offset += 1;
    }
}

/// `checkUnsignedBitfieldOverflow`: Some(value to store) unless FAIL, plus whether it overflowed.
fn unsigned_overflow(value: u64, incr: i64, bits: u32, ow: Overflow) -> (bool, u64) {
    let max = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let maxincr = max.wrapping_sub(value) as i64;
    let minincr = (value as i64).wrapping_neg();
    let wrap = || {
        let mask = if bits >= 64 { 0 } else { u64::MAX << bits };
        value.wrapping_add(incr as u64) & !mask
    };
    if value > max || (incr > 0 && incr > maxincr) {
        match ow {
            Overflow::Wrap => (true, wrap()),
            Overflow::Sat => (true, max),
            Overflow::Fail => (true, 0),
        }
    } else if incr < 0 && incr < minincr {
        match ow {
            Overflow::Wrap => (true, wrap()),
            Overflow::Sat => (true, 0),
            Overflow::Fail => (true, 0),
        }
    } else {
        (false, value.wrapping_add(incr as u64))
    }
}

/// `checkSignedBitfieldOverflow`.
fn signed_overflow(value: i64, incr: i64, bits: u32, ow: Overflow) -> (bool, i64) {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let maxincr = (max as u64).wrapping_sub(value as u64) as i64;
    let minincr = min.wrapping_sub(value);
    let wrap = || {
        let msb = 1u64 << (bits - 1);
        let mut c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let mask = u64::MAX << bits;
            if c & msb != 0 {
                c |= mask;
            } else {
                c &= !mask;
            }
        }
        c as i64
    };
    if value > max || (bits != 64 && incr > maxincr) || (value >= 0 && incr > 0 && incr > maxincr) {
        match ow {
            Overflow::Wrap => (true, wrap()),
            Overflow::Sat => (true, max),
            Overflow::Fail => (true, 0),
        }
    } else if value < min
        || (bits != 64 && incr < minincr)
        || (value < 0 && incr < 0 && incr < minincr)
    {
        match ow {
            Overflow::Wrap => (true, wrap()),
            Overflow::Sat => (true, min),
            Overflow::Fail => (true, 0),
        }
    } else {
        (false, value.wrapping_add(incr))
    }
}

/// BITFIELD / BITFIELD_RO (`bitfieldGeneric`).
fn bitfield_generic(ctx: &mut Ctx, argv: &[&[u8]], ro: bool) -> CmdResult {
    let mut ops: Vec<Field> = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut readonly = true;
    let mut highest: u64 = 0;
    let mut j = 2;
    while j < argv.len() {
        let remargs = argv.len() - j - 1;
        let sub = argv[j];
        let op = if is(sub, "get") && remargs >= 2 {
            FieldOp::Get
        } else if is(sub, "set") && remargs >= 3 {
            FieldOp::Set
        } else if is(sub, "incrby") && remargs >= 3 {
            FieldOp::Incr
        } else if is(sub, "overflow") && remargs >= 1 {
            let t = argv[j + 1];
            overflow = if is(t, "wrap") {
                Overflow::Wrap
            } else if is(t, "sat") {
                Overflow::Sat
            } else if is(t, "fail") {
                Overflow::Fail
            } else {
                return Err(Error::err("Invalid OVERFLOW type specified"));
            };
            j += 2;
            continue;
        } else {
            return Err(error::SYNTAX);
        };
        let (signed, bits) = field_type(argv[j + 1])?;
        let offset = bit_offset(ctx, argv[j + 2], true, bits)?;
        let mut value = 0;
        if op != FieldOp::Get {
            readonly = false;
            highest = highest.max(offset + bits as u64 - 1);
            value = super::args::int(argv[j + 3])?;
        }
        ops.push(Field {
            op,
            offset,
            value,
            signed,
            bits,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    if readonly {
        let src = match ctx.lookup_read(argv[1]) {
            None => Vec::new(),
            Some(e) => string_bytes(&e.val)?,
        };
        let out = ctx.out();
        out.array_len(ops.len());
        for f in &ops {
            if f.signed {
                out.int(get_signed(&src, f.offset, f.bits));
            } else {
                out.int(get_unsigned(&src, f.offset, f.bits) as i64);
            }
        }
        return Ok(());
    }
    if ro {
        return Err(Error::err("BITFIELD_RO only supports the GET subcommand"));
    }
    // Redis's `dirty`: the key is created or grown. Then every write counts as a change;
    // otherwise only those that change the field's value do (no event for INCRBY 0).
    let need = (highest >> 3) as usize + 1;
    let dirty = match ctx.lookup_write(argv[1]) {
        None => true,
        Some(e) => match e.val.as_str() {
            None => return Err(error::WRONGTYPE),
            Some(s) => s.len() < need,
        },
    };
    let buf = string_for_write(ctx, argv[1], highest)?;
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(ops.len());
    let mut changes = 0u64;
    for f in &ops {
        match f.op {
            FieldOp::Get => {
                let v = if f.signed {
                    get_signed(buf, f.offset, f.bits)
                } else {
                    get_unsigned(buf, f.offset, f.bits) as i64
                };
                replies.push(Some(v));
                continue;
            }
            FieldOp::Set | FieldOp::Incr => {
                let old = get_unsigned(buf, f.offset, f.bits);
                let (over, newval, retval) = if f.signed {
                    let old = get_signed(buf, f.offset, f.bits);
                    if f.op == FieldOp::Incr {
                        let (o, nv) = signed_overflow(old, f.value, f.bits, f.overflow);
                        (o, nv as u64, nv)
                    } else {
                        let (o, w) = signed_overflow(f.value, 0, f.bits, f.overflow);
                        (o, if o { w } else { f.value } as u64, old)
                    }
                } else {
                    let old = get_unsigned(buf, f.offset, f.bits);
                    if f.op == FieldOp::Incr {
                        let (o, nv) = unsigned_overflow(old, f.value, f.bits, f.overflow);
                        (o, nv, nv as i64)
                    } else {
                        let v = f.value as u64;
                        let (o, w) = unsigned_overflow(v, 0, f.bits, f.overflow);
                        (o, if o { w } else { v }, old as i64)
                    }
                };
                if over && f.overflow == Overflow::Fail {
                    replies.push(None);
                } else {
                    replies.push(Some(retval));
                    set_unsigned(buf, f.offset, f.bits, newval);
                    if dirty || get_unsigned(buf, f.offset, f.bits) != old {
                        changes += 1;
                    }
                }
            }
        }
    }
    if changes > 0 {
        ctx.touched_n(argv[1], changes);
        ctx.notify(Class::STRING, "setbit", argv[1]);
    }
    let out = ctx.out();
    out.array_len(replies.len());
    for r in replies {
        match r {
            Some(v) => out.int(v),
            None => out.null(),
        }
    }
    Ok(())
}

/// BITFIELD key [GET type offset | SET type offset value | INCRBY type offset increment |
/// OVERFLOW WRAP|SAT|FAIL] ...
fn bitfield(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bitfield_generic(ctx, argv, false)
}

/// BITFIELD_RO key [GET type offset] ...
fn bitfield_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    bitfield_generic(ctx, argv, true)
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::SETBIT, setbit),
    Command::new(&meta::GETBIT, getbit),
    Command::new(&meta::BITCOUNT, bitcount),
    Command::new(&meta::BITPOS, bitpos),
    Command::new(&meta::BITOP, bitop),
    Command::new(&meta::BITFIELD, bitfield),
    Command::new(&meta::BITFIELD_RO, bitfield_ro),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitfield_signed_and_unsigned_overflow_rules() {
        // Observed on Redis 7.0.15: BITFIELD k OVERFLOW SAT INCRBY i8 0 200 -> 127.
        assert_eq!(signed_overflow(0, 200, 8, Overflow::Sat), (true, 127));
        assert_eq!(signed_overflow(0, 200, 8, Overflow::Wrap), (true, -56));
        assert_eq!(signed_overflow(-128, -1, 8, Overflow::Sat), (true, -128));
        assert_eq!(signed_overflow(5, 1, 64, Overflow::Wrap), (false, 6));
        assert_eq!(
            signed_overflow(i64::MAX, 1, 64, Overflow::Wrap),
            (true, i64::MIN)
        );
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Wrap), (true, 4));
        assert_eq!(unsigned_overflow(250, 10, 8, Overflow::Sat), (true, 255));
        assert_eq!(unsigned_overflow(3, -5, 8, Overflow::Sat), (true, 0));
        assert_eq!(unsigned_overflow(3, -5, 8, Overflow::Wrap), (true, 254));
    }

    #[test]
    fn bit_access_is_msb_first() {
        let mut p = vec![0u8; 2];
        set_unsigned(&mut p, 3, 5, 0b10110);
        assert_eq!(p, vec![0b0001_0110, 0]);
        assert_eq!(get_unsigned(&p, 3, 5), 0b10110);
        assert_eq!(get_signed(&p, 3, 5), -10);
        assert_eq!(first_bit(&[0, 0b0010_0000], true), 10);
        assert_eq!(first_bit(&[0xff], false), 8);
        assert_eq!(popcount(&[0xff; 13]), 104);
    }
}
