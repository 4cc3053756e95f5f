//! Redis-exact number parsing and formatting.
//!
//! Every function here reproduces one Redis 7.0.15 helper (mostly `src/util.c`) byte for
//! byte, because replies, error decisions and stored encodings depend on them:
//!
//! - integers: [`parse_i64`] (`string2ll`), [`parse_u64`] (`string2ull`), [`write_i64`] /
//!   [`write_u64`] / [`i64_to_bytes`] (`ll2string`), [`double_to_i64`] (`double2ll`);
//! - doubles: [`parse_f64`] (`string2d`, i.e. `getDoubleFromObject`), [`fmt_g17`]
//!   (`"%.17g"`, the double reply of `addReplyDouble`), [`fmt_d2string`] (`d2string`),
//!   [`fmt_fixed4`] (`"%.4f"`, GEODIST and WITHDIST);
//! - long doubles (INCRBYFLOAT, HINCRBYFLOAT, GEOPOS): [`LongDouble`], [`incr_by_float`],
//!   [`hincr_by_float`], [`parse_ld_ok`], [`fmt_ld_human_f64`];
//! - memory sizes in configuration: [`parse_memory`] / [`parse_memory_u64`] (`memtoull`).
//!
//! Where Redis calls libc (`strtod`, `strtold`, `strtoull`, long double `snprintf`), so do we,
//! through the small C shim `ld.c` compiled by `build.rs`: that is the only way to get the
//! same acceptance rules and the same x87 long double rounding. Nothing here panics or
//! allocates beyond the output it returns.
//!
//! Callers: command handlers (strings, hashes, zsets, geo, streams), the reply writer,
//! the config table, the listpack encoders.

use std::ffi::{c_char, c_int};
use std::io::Write as _;

extern "C" {
    fn oxidis_ld_parse(s: *const c_char, slen: usize, out: *mut LongDouble) -> c_int;
    fn oxidis_ld_from_i64(v: i64, out: *mut LongDouble);
    fn oxidis_ld_from_f64(v: f64, out: *mut LongDouble);
    fn oxidis_ld_add(a: *const LongDouble, b: *const LongDouble, out: *mut LongDouble);
    fn oxidis_ld_is_finite(v: *const LongDouble) -> c_int;
    fn oxidis_ld_format_human(v: *const LongDouble, out: *mut c_char, cap: usize) -> usize;
    fn oxidis_string2d(s: *const c_char, slen: usize, out: *mut f64) -> c_int;
    fn oxidis_strtoull(s: *const c_char, out: *mut u64) -> c_int;
}

/// Redis's `MAX_LONG_DOUBLE_CHARS`: the buffer any long double rendering fits in.
const MAX_LONG_DOUBLE_CHARS: usize = 5 * 1024;

/// The prefix of `s` before its first NUL: what a C string function sees.
fn c_str_prefix(s: &[u8]) -> &[u8] {
    match s.iter().position(|&b| b == 0) {
        Some(i) => &s[..i],
        None => s,
    }
}

// ---------------------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------------------

/// Redis `string2ll`: a strict signed 64-bit decimal. No sign but a single leading `-`, no
/// spaces, no leading zeros (`"0"` alone is fine, `"-0"` is rejected), no overflow, at most
/// 20 bytes. `INCR` on `" 11"` fails because of this.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    // Redis rejects slen >= LONG_STR_SIZE (21); no valid number is longer anyway.
    if s.is_empty() || s.len() >= 21 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (negative, digits) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (&first, rest) = digits.split_first()?;
    if !(b'1'..=b'9').contains(&first) {
        return None;
    }
    let mut v = u64::from(first - b'0');
    for &c in rest {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > 1u64 << 63 {
            None
        } else {
            Some((v as i64).wrapping_neg())
        }
    } else {
        i64::try_from(v).ok()
    }
}

/// Redis `string2ull` (stream IDs): `string2ll` first (negative → rejected), then a libc
/// `strtoull` fallback that accepts what `string2ll` refused, e.g. `"007"`, `"+5"`, `" 5"`,
/// values above `i64::MAX`, and even `"-01"` (which wraps modulo 2^64, as in Redis).
/// Like Redis it works on a C string, so input after an embedded NUL is ignored.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    let s = c_str_prefix(s);
    if let Some(v) = parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut buf = Vec::with_capacity(s.len() + 1);
    buf.extend_from_slice(s);
    buf.push(0);
    let mut out = 0u64;
    // SAFETY: `buf` is NUL-terminated and outlives the call; `out` is a valid u64.
    let ok = unsafe { oxidis_strtoull(buf.as_ptr().cast(), &mut out) };
    (ok == 1).then_some(out)
}

const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Writes the decimal digits of `v` at the end of `buf`; returns where they start.
fn digits_u64(mut v: u64, buf: &mut [u8; 20]) -> usize {
    let mut i = buf.len();
    while v >= 100 {
        let d = (v % 100) as usize * 2;
        v /= 100;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
    }
    if v >= 10 {
        let d = v as usize * 2;
        i -= 2;
        buf[i..i + 2].copy_from_slice(&DIGIT_PAIRS[d..d + 2]);
    } else {
        i -= 1;
        buf[i] = b'0' + v as u8;
    }
    i
}

/// Redis `ll2string`: appends the decimal form of `v` to `out`, no allocation beyond `out`.
pub fn write_i64(v: i64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 21];
    out.extend_from_slice(format_i64(v, &mut buf));
}

/// The decimal form of `v`, written at the end of `buf` (no allocation).
pub fn format_i64(v: i64, buf: &mut [u8; 21]) -> &[u8] {
    let mut digits = [0u8; 20];
    let start = digits_u64(v.unsigned_abs(), &mut digits);
    let n = 20 - start;
    let mut at = 21 - n;
    buf[at..].copy_from_slice(&digits[start..]);
    if v < 0 {
        at -= 1;
        buf[at] = b'-';
    }
    &buf[at..]
}

/// Redis `ull2string`: appends the decimal form of `v` to `out`.
pub fn write_u64(v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let start = digits_u64(v, &mut buf);
    out.extend_from_slice(&buf[start..]);
}

/// The decimal form of `v` as a new buffer.
pub fn i64_to_bytes(v: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(20);
    write_i64(v, &mut out);
    out
}

/// Redis `double2ll`: `Some(i)` when `d` is an integer within ±2^62 (the zset listpack stores
/// such scores as integers; note `-0.0` gives `Some(0)`).
pub fn double_to_i64(d: f64) -> Option<i64> {
    // (double)(LLONG_MAX/2) and (double)(-LLONG_MAX/2) both round to ±2^62.
    const LIMIT: f64 = 4_611_686_018_427_387_904.0;
    if !(-LIMIT..=LIMIT).contains(&d) {
        return None; // NaN included (Redis lets it through to the comparison, which fails)
    }
    let ll = d as i64;
    (ll as f64 == d).then_some(ll)
}

// ---------------------------------------------------------------------------------------
// Doubles
// ---------------------------------------------------------------------------------------

/// Redis `string2d` (how `getDoubleFromObject` reads ZADD scores, INCRBYFLOAT-free double
/// arguments, ...): libc `strtod` over the whole input. Accepts `"1e3"`, `"1."`, `".5"`,
/// `"+.5"`, `"0x10"`, `"inf"`, `"-infinity"`, denormals; rejects empty input, a leading space,
/// trailing bytes, `"nan"`, overflow (`"1e400"`) and underflow to zero (`"1e-400"`).
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    // Fast path: a canonical integer is exact as a double up to 2^53, as strtod would give.
    if let Some(v) = parse_i64(s) {
        if v.unsigned_abs() <= 1 << 53 {
            return Some(v as f64);
        }
    }
    let mut out = 0f64;
    // SAFETY: the shim reads exactly `s.len()` bytes from `s` and writes one f64 to `out`.
    let ok = unsafe { oxidis_string2d(s.as_ptr().cast(), s.len(), &mut out) };
    (ok == 1).then_some(out)
}

/// Appends exactly what C `snprintf("%.17g", v)` prints (glibc): the body of Redis 7.0's
/// double replies (`ZSCORE` of 1.1 is `1.1000000000000001`). Infinities print `inf`/`-inf`,
/// NaN `nan` or `-nan` (by sign bit), zeros `0`/`-0`.
pub fn fmt_g17(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
        return;
    }
    if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
        return;
    }
    // Integers below 1e17 print as plain integers under %.17g.
    if v.fract() == 0.0 && v.abs() < 1e17 {
        write_i64(v as i64, out);
        return;
    }
    // Rust's exact formatting gives the same correctly rounded 17 significant digits
    // (ties to even, as glibc in the default rounding mode); %g then only lays them out.
    let mut buf = [0u8; 40];
    let len = {
        let mut w: &mut [u8] = &mut buf;
        if write!(w, "{:.16e}", v).is_err() {
            return; // cannot happen: at most 24 bytes
        }
        40 - w.len()
    };
    let text = &buf[..len];
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    // text is "d.dddddddddddddddde[-]x"
    let Some(epos) = text.iter().position(|&b| b == b'e') else {
        return;
    };
    let mut digits = [0u8; 17];
    let mut n = 0;
    for &b in &text[..epos] {
        if b.is_ascii_digit() && n < 17 {
            digits[n] = b;
            n += 1;
        }
    }
    let exp_text = &text[epos + 1..];
    let (exp_neg, exp_digits) = match exp_text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, exp_text),
    };
    let mut exp: i32 = 0;
    for &b in exp_digits {
        exp = exp * 10 + i32::from(b.wrapping_sub(b'0'));
    }
    if exp_neg {
        exp = -exp;
    }
    // Significant digits without trailing zeros.
    let mut sig = n;
    while sig > 1 && digits[sig - 1] == b'0' {
        sig -= 1;
    }
    if negative {
        out.push(b'-');
    }
    if !(-4..17).contains(&exp) {
        out.push(digits[0]);
        if sig > 1 {
            out.push(b'.');
            out.extend_from_slice(&digits[1..sig]);
        }
        out.push(b'e');
        out.push(if exp < 0 { b'-' } else { b'+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push(b'0');
        }
        write_u64(u64::from(e), out);
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        out.extend_from_slice(&digits[..int_len.min(n)]);
        if sig > int_len {
            out.push(b'.');
            out.extend_from_slice(&digits[int_len..sig]);
        }
    } else {
        out.extend_from_slice(b"0.");
        for _ in 0..(-exp - 1) {
            out.push(b'0');
        }
        out.extend_from_slice(&digits[..sig]);
    }
}

/// Redis `d2string`: `nan`, `inf`/`-inf`, `0`/`-0`, integers (per [`double_to_i64`]) in
/// plain decimal, anything else as `%.17g`. Used where Redis stores a score as text (zset
/// listpack entries that are not integers).
pub fn fmt_d2string(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(b"nan");
    } else if v.is_infinite() {
        out.extend_from_slice(if v < 0.0 { b"-inf" } else { b"inf" });
    } else if v == 0.0 {
        out.extend_from_slice(if v.is_sign_negative() { b"-0" } else { b"0" });
    } else if let Some(ll) = double_to_i64(v) {
        write_i64(ll, out);
    } else {
        fmt_g17(v, out);
    }
}

/// Appends C `snprintf("%.4f", v)`: the distance format of GEODIST / GEORADIUS WITHDIST.
pub fn fmt_fixed4(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        out.extend_from_slice(if v.is_sign_negative() {
            b"-nan"
        } else {
            b"nan"
        });
        return;
    }
    // Rust's fixed-precision formatting is exact with ties to even, like glibc; inf and
    // -inf print the same; negative zero keeps its sign in both.
    let _ = write!(out, "{:.4}", v);
}

// ---------------------------------------------------------------------------------------
// Long doubles
// ---------------------------------------------------------------------------------------

/// A C `long double` (x87 80-bit extended on x86_64), held as opaque bytes and operated on
/// only through the C shim, so results round exactly as Redis's do.
#[repr(C, align(16))]
#[derive(Clone, Copy)]
pub struct LongDouble([u8; 16]);

impl LongDouble {
    /// Positive zero (all-zero bytes are +0.0 in every long double format).
    pub const ZERO: LongDouble = LongDouble([0; 16]);

    /// Redis `string2ld`: `strtold` over the whole input; rejects empty input, inputs of
    /// 5120 bytes or more, a leading space, trailing bytes, NaN, overflow and underflow to
    /// zero. Accepts `inf`, hex floats and everything else `strtold` does.
    pub fn parse(s: &[u8]) -> Option<LongDouble> {
        let mut out = LongDouble::ZERO;
        // SAFETY: the shim reads `s.len()` bytes from `s` (copying at most 5119 of them)
        // and writes one long double into `out`, which is 16 bytes and 16-aligned.
        let ok = unsafe { oxidis_ld_parse(s.as_ptr().cast(), s.len(), &mut out) };
        (ok == 1).then_some(out)
    }

    /// The exact long double value of an integer.
    pub fn from_i64(v: i64) -> LongDouble {
        let mut out = LongDouble::ZERO;
        // SAFETY: writes one long double into `out`.
        unsafe { oxidis_ld_from_i64(v, &mut out) };
        out
    }

    /// The exact long double value of a double.
    pub fn from_f64(v: f64) -> LongDouble {
        let mut out = LongDouble::ZERO;
        // SAFETY: writes one long double into `out`.
        unsafe { oxidis_ld_from_f64(v, &mut out) };
        out
    }

    /// Neither NaN nor infinite.
    pub fn is_finite(&self) -> bool {
        // SAFETY: reads one long double.
        unsafe { oxidis_ld_is_finite(self) == 1 }
    }

    /// Redis `ld2string(..., LD_STR_HUMAN)`: `"%.17Lf"` with trailing zeros and a bare `.`
    /// removed, `-0` printed as `0`, infinities as `inf`/`-inf`. Appends to `out`.
    pub fn write_human(&self, out: &mut Vec<u8>) {
        let mut buf = [0u8; MAX_LONG_DOUBLE_CHARS];
        // SAFETY: the shim writes at most `buf.len()` bytes into `buf` and returns that count.
        let n = unsafe { oxidis_ld_format_human(self, buf.as_mut_ptr().cast(), buf.len()) };
        out.extend_from_slice(buf.get(..n).unwrap_or(&[]));
    }

    /// [`Self::write_human`] into a new buffer.
    pub fn to_human(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_human(&mut out);
        out
    }
}

impl std::ops::Add for LongDouble {
    type Output = LongDouble;

    /// `self + other` in long double arithmetic.
    fn add(self, other: LongDouble) -> LongDouble {
        let mut out = LongDouble::ZERO;
        // SAFETY: reads two long doubles and writes one, all valid 16-aligned blobs.
        unsafe { oxidis_ld_add(&self, &other, &mut out) };
        out
    }
}

impl std::fmt::Debug for LongDouble {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "LongDouble({})",
            String::from_utf8_lossy(&self.to_human())
        )
    }
}

/// Redis `string2ld` acceptance, without keeping the value.
pub fn parse_ld_ok(s: &[u8]) -> bool {
    LongDouble::parse(s).is_some()
}

/// Appends a double the way Redis's `addReplyHumanLongDouble` prints it (GEOPOS
/// coordinates): converted to long double, then [`LongDouble::write_human`].
pub fn fmt_ld_human_f64(v: f64, out: &mut Vec<u8>) {
    LongDouble::from_f64(v).write_human(out);
}

/// Why a float increment failed; the caller picks the Redis error text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncrFloatError {
    /// The stored value does not parse. INCRBYFLOAT: `ERR value is not a valid float`;
    /// HINCRBYFLOAT: `ERR hash value is not a float`.
    InvalidCurrent,
    /// The increment does not parse: `ERR value is not a valid float`.
    InvalidIncrement,
    /// HINCRBYFLOAT only, the increment is infinite: `ERR value is NaN or Infinity`.
    IncrementNotFinite,
    /// The sum is NaN or infinite: `ERR increment would produce NaN or Infinity`.
    ResultNotFinite,
}

/// INCRBYFLOAT arithmetic: parses `current` then `incr` (that order decides which error
/// wins), adds them as long doubles and formats the sum like Redis stores and replies it.
/// Pass `b"0"` for a missing key. The caller still checks the key's type first.
pub fn incr_by_float(current: &[u8], incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let value = LongDouble::parse(current).ok_or(IncrFloatError::InvalidCurrent)?;
    let incr = LongDouble::parse(incr).ok_or(IncrFloatError::InvalidIncrement)?;
    finish_incr(value + incr)
}

/// HINCRBYFLOAT arithmetic, in Redis's order: the increment is parsed and checked for
/// infinity first, then the field's value (`None` when the field is missing, counting as 0).
pub fn hincr_by_float(current: Option<&[u8]>, incr: &[u8]) -> Result<Vec<u8>, IncrFloatError> {
    let incr = LongDouble::parse(incr).ok_or(IncrFloatError::InvalidIncrement)?;
    if !incr.is_finite() {
        return Err(IncrFloatError::IncrementNotFinite);
    }
    let value = match current {
        Some(s) => LongDouble::parse(s).ok_or(IncrFloatError::InvalidCurrent)?,
        None => LongDouble::ZERO,
    };
    finish_incr(value + incr)
}

fn finish_incr(sum: LongDouble) -> Result<Vec<u8>, IncrFloatError> {
    if !sum.is_finite() {
        return Err(IncrFloatError::ResultNotFinite);
    }
    Ok(sum.to_human())
}

// ---------------------------------------------------------------------------------------
// Memory sizes
// ---------------------------------------------------------------------------------------

/// Redis 7.0 `memtoull` (memory-sized config values): digits, then an optional unit among
/// `b`, `k` (1000), `kb` (1024), `m`, `mb`, `g`, `gb`, case-insensitive. A leading `-` or
/// any other suffix is an error. As in Redis: no digits means 0 (`"kb"` → 0), more than
/// 127 digits is an error, an overflowing number saturates to `u64::MAX` before the
/// (wrapping) unit multiplication, and input after an embedded NUL is ignored.
pub fn parse_memory_u64(s: &[u8]) -> Option<u64> {
    let s = c_str_prefix(s);
    if s.first() == Some(&b'-') {
        return None;
    }
    let ndigits = s.iter().take_while(|b| b.is_ascii_digit()).count();
    let (digits, unit) = s.split_at(ndigits);
    let mul: u64 = if unit.is_empty() || unit.eq_ignore_ascii_case(b"b") {
        1
    } else if unit.eq_ignore_ascii_case(b"k") {
        1000
    } else if unit.eq_ignore_ascii_case(b"kb") {
        1024
    } else if unit.eq_ignore_ascii_case(b"m") {
        1000 * 1000
    } else if unit.eq_ignore_ascii_case(b"mb") {
        1024 * 1024
    } else if unit.eq_ignore_ascii_case(b"g") {
        1000 * 1000 * 1000
    } else if unit.eq_ignore_ascii_case(b"gb") {
        1024 * 1024 * 1024
    } else {
        return None;
    };
    if ndigits >= 128 {
        return None;
    }
    // strtoull over digits only: ERANGE (not checked by Redis) yields ULLONG_MAX.
    let mut val: u64 = 0;
    for &d in digits {
        match val
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(d - b'0')))
        {
            Some(v) => val = v,
            None => {
                val = u64::MAX;
                break;
            }
        }
    }
    Some(val.wrapping_mul(mul))
}

/// [`parse_memory_u64`] reinterpreted as the `long long` Redis's config code stores it in
/// (values above `i64::MAX` become negative and then fail the directive's bounds check).
pub fn parse_memory(s: &[u8]) -> Option<i64> {
    parse_memory_u64(s).map(|v| v as i64)
}

/// C's `strtol(s, NULL, 10)`: optional leading whitespace and sign, then decimal digits up to
/// the first other byte; out-of-range values clamp to `i64::MIN`/`i64::MAX`; 0 without digits.
/// (`atoi` is this cast to `int`.)
pub fn c_strtol(s: &[u8]) -> i64 {
    let mut i = 0;
    while i < s.len() && (s[i] == b' ' || (b'\t'..=b'\r').contains(&s[i])) {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i128 = 0;
    while let Some(d) = s.get(i).filter(|c| c.is_ascii_digit()) {
        v = (v * 10 + i128::from(d - b'0')).min(1 << 64);
        i += 1;
    }
    let v = if neg { -v } else { v };
    v.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g17(v: f64) -> String {
        let mut out = Vec::new();
        fmt_g17(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    fn libc_fmt(fmt: &[u8], v: f64) -> String {
        let mut buf = [0u8; 512];
        // SAFETY: NUL-terminated format taking one double; the buffer size is passed.
        let n =
            unsafe { libc::snprintf(buf.as_mut_ptr().cast(), buf.len(), fmt.as_ptr().cast(), v) };
        String::from_utf8(buf[..n as usize].to_vec()).unwrap()
    }

    #[test]
    fn c_strtol_reads_like_c() {
        assert_eq!(c_strtol(b"  -42abc"), -42);
        assert_eq!(c_strtol(b"+7"), 7);
        assert_eq!(c_strtol(b"x1"), 0);
        assert_eq!(c_strtol(b"99999999999999999999"), i64::MAX);
        assert_eq!(c_strtol(b"-99999999999999999999"), i64::MIN);
        // atoi's cast to int keeps the low 32 bits.
        assert_eq!(c_strtol(b"4294967297") as i32, 1);
    }

    #[test]
    fn parse_i64_matches_string2ll() {
        // Accepted, with the value Redis gives.
        let ok: &[(&[u8], i64)] = &[
            (b"0", 0),
            (b"1", 1),
            (b"-1", -1),
            (b"99", 99),
            (b"-99", -99),
            (b"9223372036854775807", i64::MAX),
            (b"-9223372036854775808", i64::MIN),
            (b"10", 10),
            (b"1000000", 1_000_000),
        ];
        for (s, v) in ok {
            assert_eq!(parse_i64(s), Some(*v), "{:?}", String::from_utf8_lossy(s));
        }
        // Rejected. " 11", "-0", "+1", "01", "12 " and 2^63 were checked against
        // redis-server 7.0.15 (INCR on a key holding them: "ERR value is not an integer").
        let bad: &[&[u8]] = &[
            b"",
            b" 11",
            b"12 ",
            b"-0",
            b"+1",
            b"01",
            b"00",
            b"-",
            b"--1",
            b"1-",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"18446744073709551616",
            b"99999999999999999999",
            b"-99999999999999999999",
            b"000000000000000000001",
            b"1.0",
            b"1e3",
            b"0x10",
            b"1\0",
            b"\x001",
            b"\xff",
            b"12a",
        ];
        for s in bad {
            assert_eq!(parse_i64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn write_i64_roundtrip() {
        let vals = [
            0i64,
            1,
            -1,
            9,
            10,
            99,
            100,
            -100,
            12345,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ];
        for v in vals {
            let b = i64_to_bytes(v);
            assert_eq!(b, v.to_string().into_bytes());
            assert_eq!(parse_i64(&b), Some(v));
            let mut buf = [0u8; 21];
            assert_eq!(format_i64(v, &mut buf), &b[..]);
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = (x as i64) >> (x % 64);
            let b = i64_to_bytes(v);
            assert_eq!(b, v.to_string().into_bytes());
            assert_eq!(parse_i64(&b), Some(v));
            let mut u = Vec::new();
            write_u64(x, &mut u);
            assert_eq!(u, x.to_string().into_bytes());
        }
        let mut out = b"x".to_vec();
        write_i64(-42, &mut out);
        assert_eq!(out, b"x-42");
    }

    #[test]
    fn parse_u64_matches_string2ull() {
        assert_eq!(parse_u64(b"0"), Some(0));
        assert_eq!(parse_u64(b"123"), Some(123));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_u64(b"9223372036854775808"), Some(1 << 63));
        // strtoull fallback quirks; XADD on redis-server 7.0.15 accepted the IDs "007-1",
        // "+5-1", " 8-1", "9-+2", "18446744073709551615-1" and refused "18446744073709551616-1".
        assert_eq!(parse_u64(b"007"), Some(7));
        assert_eq!(parse_u64(b"+5"), Some(5));
        assert_eq!(parse_u64(b" 5"), Some(5));
        assert_eq!(parse_u64(b"-01"), Some(u64::MAX));
        assert_eq!(parse_u64(b"5\0junk"), Some(5));
        // Rejected.
        assert_eq!(parse_u64(b"-1"), None);
        assert_eq!(parse_u64(b""), None);
        assert_eq!(parse_u64(b" "), None);
        assert_eq!(parse_u64(b"5 "), None);
        assert_eq!(parse_u64(b"18446744073709551616"), None);
        assert_eq!(parse_u64(b"-18446744073709551616"), None);
        assert_eq!(parse_u64(b"1.5"), None);
        assert_eq!(parse_u64(b"abc"), None);
    }

    #[test]
    fn double_to_i64_matches_double2ll() {
        assert_eq!(double_to_i64(3.0), Some(3));
        assert_eq!(double_to_i64(-0.0), Some(0));
        assert_eq!(double_to_i64(1e17), Some(100_000_000_000_000_000));
        assert_eq!(double_to_i64(4_611_686_018_427_387_904.0), Some(1 << 62));
        assert_eq!(double_to_i64(9_223_372_036_854_775_807.0), None);
        assert_eq!(double_to_i64(1.5), None);
        assert_eq!(double_to_i64(f64::NAN), None);
        assert_eq!(double_to_i64(f64::INFINITY), None);
    }

    #[test]
    fn parse_f64_matches_string2d() {
        // Accepted by redis-server 7.0.15 as ZADD scores (observed: ZADD then ZSCORE).
        let ok: &[(&[u8], f64)] = &[
            (b"0.1", 0.1),
            (b"-0", -0.0),
            (b"1e3", 1000.0),
            (b"inf", f64::INFINITY),
            (b"+inf", f64::INFINITY),
            (b"-inf", f64::NEG_INFINITY),
            (b"infinity", f64::INFINITY),
            (b"0x10", 16.0),
            (b"1.", 1.0),
            (b".5", 0.5),
            (b"+.5", 0.5),
            (b"1e-310", 1e-310),
            (b"1e308", 1e308),
            (b"000000996951", 996951.0),
            (b"9007199254740993", 9007199254740992.0),
            (b"-12", -12.0),
        ];
        for (s, v) in ok {
            let got = parse_f64(s).unwrap_or_else(|| panic!("{:?}", String::from_utf8_lossy(s)));
            assert_eq!(
                got.to_bits(),
                v.to_bits(),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
        // Rejected by redis-server 7.0.15 ("ERR value is not a valid float").
        let bad: &[&[u8]] = &[
            b"nan",
            b"-nan",
            b"1e",
            b" 1",
            b"1 ",
            b"1e-400",
            b"1e400",
            b"0x1p-1080",
            b"",
            b"abc",
            b"1\x002",
            b"\t1",
            b"1.5.5",
        ];
        for s in bad {
            assert_eq!(parse_f64(s), None, "{:?}", String::from_utf8_lossy(s));
        }
        // Long inputs go through the heap copy.
        let mut long = b"1.".to_vec();
        long.extend(std::iter::repeat_n(b'0', 300));
        assert_eq!(parse_f64(&long), Some(1.0));
        long.push(b'x');
        assert_eq!(parse_f64(&long), None);
    }

    #[test]
    fn fmt_g17_known_values() {
        // ZSCORE replies observed on redis-server 7.0.15.
        assert_eq!(g17(1.1), "1.1000000000000001");
        assert_eq!(g17(0.1), "0.10000000000000001");
        assert_eq!(g17(1000.0), "1000");
        assert_eq!(g17(1e-310), "9.9999999999999694e-311");
        assert_eq!(g17(1e308), "1e+308");
        assert_eq!(g17(f64::INFINITY), "inf");
        assert_eq!(g17(f64::NEG_INFINITY), "-inf");
        assert_eq!(g17(0.0), "0");
        assert_eq!(g17(-0.0), "-0");
        assert_eq!(g17(1e17), "1e+17");
        assert_eq!(g17(0.0001), "0.0001");
        assert_eq!(g17(0.00001), "1.0000000000000001e-05");
    }

    #[test]
    fn fmt_g17_matches_libc() {
        let mut vals = vec![
            0.5,
            1.5,
            2.5,
            -2.5,
            123456789012345678.0,
            1e16,
            1e17 - 16.0,
            99999999999999999.0,
            9.999999999999999e16,
            0.000123456789,
            1e-5,
            f64::from_bits(0x3f1a_36e2_eb1c_432c),
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            1e22,
            1e23,
            3.0e100,
            1.0 / 3.0,
            2.0f64.sqrt(),
            std::f64::consts::PI * 1e-7,
            4503599627370496.5,
            9007199254740993.0,
            // Exact ties at the 17th significant digit.
            100000000000000005.0,
            100000000000000015.0,
            1000000000000000050.0,
            1000000000000000150.0,
            0.5e-3,
        ];
        // Integers around 2^63 and every power of two and ten.
        for e in -320..=308 {
            vals.push(10f64.powi(e));
        }
        for e in -1074..=1023 {
            vals.push(2f64.powi(e));
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if v.is_finite() {
                vals.push(v);
            }
            vals.push((x >> 11) as f64 / (1u64 << 20) as f64);
            vals.push((x % 1_000_000_000_000) as f64 / 1000.0);
        }
        for v in vals {
            for v in [v, -v] {
                assert_eq!(g17(v), libc_fmt(b"%.17g\0", v), "bits {:#x}", v.to_bits());
            }
        }
        assert_eq!(g17(f64::NAN), libc_fmt(b"%.17g\0", f64::NAN));
        assert_eq!(g17(-f64::NAN), libc_fmt(b"%.17g\0", -f64::NAN));
    }

    #[test]
    fn fmt_d2string_cases() {
        let f = |v: f64| {
            let mut o = Vec::new();
            fmt_d2string(v, &mut o);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(f(f64::NAN), "nan");
        assert_eq!(f(f64::INFINITY), "inf");
        assert_eq!(f(f64::NEG_INFINITY), "-inf");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(1e17), "100000000000000000");
        assert_eq!(f(1e19), "1e+19");
        assert_eq!(f(1.5), "1.5");
        assert_eq!(f(0.1), "0.10000000000000001");
    }

    #[test]
    fn fmt_fixed4_matches_libc() {
        let mut vals = vec![
            0.0,
            -0.0,
            0.00005,
            0.00015,
            0.00025,
            1.23456,
            166274.1516,
            1e300,
            f64::INFINITY,
        ];
        let mut x: u64 = 0x1234_5678_9abc_def1;
        for _ in 0..5000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            vals.push((x % 100_000_000_000) as f64 / 1_000_000.0);
            vals.push((x % 1_000_000) as f64 / 100_000.0 + 0.00005);
        }
        for v in vals {
            for v in [v, -v] {
                let mut o = Vec::new();
                fmt_fixed4(v, &mut o);
                assert_eq!(
                    String::from_utf8(o).unwrap(),
                    libc_fmt(b"%.4f\0", v),
                    "{v:e}"
                );
            }
        }
        let mut o = Vec::new();
        fmt_fixed4(f64::NAN, &mut o);
        assert_eq!(String::from_utf8(o).unwrap(), libc_fmt(b"%.4f\0", f64::NAN));
    }

    fn incr(cur: &str, by: &str) -> Result<String, IncrFloatError> {
        incr_by_float(cur.as_bytes(), by.as_bytes()).map(|v| String::from_utf8(v).unwrap())
    }

    #[test]
    fn incr_by_float_matches_redis() {
        // Replies observed on redis-server 7.0.15 (SET k <cur>; INCRBYFLOAT k <by>).
        assert_eq!(incr("0", "0.1").unwrap(), "0.1");
        assert_eq!(incr("10.5", "0.1").unwrap(), "10.6");
        assert_eq!(incr("3.0e3", "2.0e2").unwrap(), "3200");
        assert_eq!(incr("5.0e3", "200").unwrap(), "5200");
        assert_eq!(incr("0.1", "0.2").unwrap(), "0.3");
        assert_eq!(incr("0", "0.3").unwrap(), "0.3");
        assert_eq!(incr("1", "-1.0").unwrap(), "0");
        assert_eq!(incr("-0", "-0").unwrap(), "0");
        assert_eq!(incr("0", "-1e-20").unwrap(), "0");
        assert_eq!(incr("0", "1e-17").unwrap(), "0.00000000000000001");
        assert_eq!(incr("0", "5e-18").unwrap(), "0");
        assert_eq!(incr("0", "0x10").unwrap(), "16");
        assert_eq!(incr("0", "+.5").unwrap(), "0.5");
        assert_eq!(incr("0", "1.").unwrap(), "1");
        assert_eq!(incr("0", "1.5e-4940").unwrap(), "0");
        assert_eq!(incr("17179869184", "1.5").unwrap(), "17179869185.5");
        assert_eq!(incr("0", "1e20").unwrap(), "100000000000000000000");
        assert_eq!(
            incr("9223372036854775807", "1").unwrap(),
            "9223372036854775808"
        );
        assert_eq!(
            incr("1e308", "1e308").unwrap(),
            "19999999999999999999337175931169129132112019969483113441559409598984346973767612374420025384377707864\
0893494450108026446304269499187921167194841628860392837535918200039206381557326219209014213335878306791577877829\
121087126122536729803237260434173178506889763247582601711514636284849020905456510092687857156096"
        );
        // "INCRBYFLOAT k 1e4900" on "1": redis-cli printed 4901 digits plus a newline.
        assert_eq!(incr("1", "1e4900").unwrap().len(), 4901);
        // Errors, as observed.
        assert_eq!(
            incr("1e4932", "1e4932"),
            Err(IncrFloatError::ResultNotFinite)
        );
        assert_eq!(incr("0", "inf"), Err(IncrFloatError::ResultNotFinite));
        assert_eq!(incr("0", "infinity"), Err(IncrFloatError::ResultNotFinite));
        assert_eq!(incr("0", "nan"), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(incr("0", "1e5000"), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(incr("0", "1e-5000"), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(incr("1", " 1"), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(incr("1", "1 "), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(incr("abc", "1"), Err(IncrFloatError::InvalidCurrent));
        assert_eq!(incr("", "1"), Err(IncrFloatError::InvalidCurrent));
        assert_eq!(incr("abc", "abc"), Err(IncrFloatError::InvalidCurrent));
        assert_eq!(
            incr_by_float(b"1\x002", b"1"),
            Err(IncrFloatError::InvalidCurrent)
        );
        // string2ld refuses inputs of MAX_LONG_DOUBLE_CHARS bytes or more.
        let mut long = b"1.".to_vec();
        long.extend(std::iter::repeat_n(b'0', 5117));
        assert_eq!(long.len(), 5119);
        assert!(parse_ld_ok(&long));
        long.push(b'0');
        assert!(!parse_ld_ok(&long));
    }

    #[test]
    fn hincr_by_float_order() {
        // Error choice observed on redis-server 7.0.15 with h = {f: abc, g: 1.5, i: inf}:
        // "f x" invalid float, "f inf" NaN or Infinity, "f 1" hash value is not a float,
        // "g 1" 2.5, "i 1" would produce NaN or Infinity, "new 2.5" 2.5.
        let h = |cur: Option<&str>, by: &str| {
            hincr_by_float(cur.map(str::as_bytes), by.as_bytes())
                .map(|v| String::from_utf8(v).unwrap())
        };
        assert_eq!(h(None, "1.5").unwrap(), "1.5");
        assert_eq!(h(Some("10.5"), "0.1").unwrap(), "10.6");
        assert_eq!(h(Some("abc"), "x"), Err(IncrFloatError::InvalidIncrement));
        assert_eq!(
            h(Some("abc"), "inf"),
            Err(IncrFloatError::IncrementNotFinite)
        );
        assert_eq!(h(Some("abc"), "1"), Err(IncrFloatError::InvalidCurrent));
        assert_eq!(h(Some("inf"), "1"), Err(IncrFloatError::ResultNotFinite));
    }

    #[test]
    fn long_double_helpers() {
        assert_eq!(
            LongDouble::from_i64(i64::MIN).to_human(),
            b"-9223372036854775808"
        );
        assert_eq!(LongDouble::from_f64(-0.0).to_human(), b"0");
        assert_eq!(LongDouble::from_f64(f64::INFINITY).to_human(), b"inf");
        assert_eq!(LongDouble::from_f64(f64::NEG_INFINITY).to_human(), b"-inf");
        let mut o = Vec::new();
        fmt_ld_human_f64(13.361389338970184, &mut o);
        assert_eq!(o, b"13.36138933897018433");
        // GEOPOS replies of redis-server 7.0.15 (GEOADD Sicily ... Palermo ... Catania),
        // re-read as the double Redis printed and formatted again.
        for s in [
            &b"38.11555639549629859"[..],
            b"15.08726745843887329",
            b"37.50266842333162032",
        ] {
            let mut o = Vec::new();
            fmt_ld_human_f64(parse_f64(s).unwrap(), &mut o);
            assert_eq!(o, s);
        }
        // GEODIST Palermo Catania replied "166274.1516" on redis-server 7.0.15.
        let mut o = Vec::new();
        fmt_fixed4(166274.15156960033, &mut o);
        assert_eq!(o, b"166274.1516");
        assert!(LongDouble::ZERO.is_finite());
        assert!(!LongDouble::from_f64(f64::NAN).is_finite());
        assert_eq!(format!("{:?}", LongDouble::from_i64(5)), "LongDouble(5)");
    }

    #[test]
    fn parse_memory_matches_memtoull() {
        let ok: &[(&[u8], u64)] = &[
            (b"0", 0),
            (b"100", 100),
            (b"1b", 1),
            (b"1k", 1000),
            (b"1K", 1000),
            (b"1kb", 1024),
            (b"1KB", 1024),
            (b"1kB", 1024),
            (b"2m", 2_000_000),
            (b"2mb", 2 * 1024 * 1024),
            (b"3g", 3_000_000_000),
            (b"3gb", 3 * 1024 * 1024 * 1024),
            (b"", 0),
            (b"kb", 0),
            (b"007", 7),
            (b"99999999999999999999999", u64::MAX),
            (b"1gb\0junk", 1 << 30),
            // CONFIG SET maxmemory on redis-server 7.0.15 (CONFIG GET shows these values).
            (b"1Gb", 1 << 30),
            (b"18446744073709551615", u64::MAX),
            (b"9223372036854775808", 1 << 63),
        ];
        for (s, v) in ok {
            assert_eq!(
                parse_memory_u64(s),
                Some(*v),
                "{:?}",
                String::from_utf8_lossy(s)
            );
        }
        assert_eq!(parse_memory(b"18446744073709551615"), Some(-1));
        let bad: &[&[u8]] = &[
            b"-1", b"-1kb", b"1 kb", b" 1", b"1kib", b"1t", b"1.5mb", b"+1", b"1kbb",
        ];
        for s in bad {
            assert_eq!(parse_memory(s), None, "{:?}", String::from_utf8_lossy(s));
        }
        let mut long = vec![b'1'; 128];
        assert_eq!(parse_memory(&long), None);
        long.pop();
        assert!(parse_memory(&long).is_some());
    }

    #[test]
    fn random_inputs_do_not_panic() {
        let alphabet = b"0123456789-+.eExXpPinfatyINF \t\0\xff";
        let mut x: u64 = 0xdead_beef_cafe_f00d;
        for _ in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = (x % 24) as usize;
            let mut s = Vec::with_capacity(len);
            let mut y = x;
            for _ in 0..len {
                y = y
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(y >> 33) as usize % alphabet.len()]);
            }
            let i = parse_i64(&s);
            if let Some(v) = i {
                assert_eq!(i64_to_bytes(v), s);
            }
            let _ = parse_u64(&s);
            let _ = parse_f64(&s);
            let _ = parse_memory(&s);
            let _ = incr_by_float(&s, b"1");
            let _ = hincr_by_float(Some(&s), &s);
        }
    }
}
