//! Text helpers for configuration handling, each a byte-exact copy of the Redis
//! routine it is named after: `sdssplitargs` (line splitting), `sdscatrepr`
//! (quoting values on rewrite and on the command line), `string2ll`,
//! `strtoll`/`strtoull` (C semantics: saturation, trailing-garbage check),
//! `memtoull` (memory units) and `string2d`.
//!
//! `split_args` and `cat_repr` are the shared `crate::util::args` routines.

/// C `isspace` in the "C" locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// `sdssplitargs`, shared with the inline protocol and the test scripts.
pub use crate::util::args::split_args;

/// Appends `s` quoted like `sdscatrepr`: `"..."` with `\\ \" \n \r \t \a \b`
/// escaped, other non-printable bytes as `\xHH`.
pub fn cat_repr(out: &mut Vec<u8>, s: &[u8]) {
    crate::util::args::repr(s, out)
}

/// Redis `string2ll`: strict decimal, no spaces, no `+`, no leading zeros, no `-0`.
pub fn string2ll(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    if s == b"0" {
        return Some(0);
    }
    let (neg, digits) = match s[0] {
        b'-' => (true, &s[1..]),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if neg {
        if v > (i64::MAX as u64) + 1 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// C `strtoll(s, &end, base)` followed by a `*end == '\0'` check: leading
/// whitespace and a sign are accepted, overflow saturates, an empty digit
/// sequence parses as 0 with `end` at the start (so `""` is `Some(0)`).
pub fn strtoll_full(s: &[u8], base: u32) -> Option<i64> {
    let mut i = 0;
    while i < s.len() && is_space(s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && (s[i] == b'+' || s[i] == b'-') {
        neg = s[i] == b'-';
        i += 1;
    }
    let start = i;
    let mut v: u128 = 0;
    while i < s.len() {
        let d = match (s[i] as char).to_digit(base) {
            Some(d) => d,
            None => break,
        };
        v = (v * u128::from(base) + u128::from(d)).min(1 << 64);
        i += 1;
    }
    if i == start {
        // No digits: strtoll leaves end at the beginning of the input.
        return if s.is_empty() { Some(0) } else { None };
    }
    if i != s.len() {
        return None;
    }
    Some(if neg {
        if v > 1 << 63 {
            i64::MIN
        } else {
            (v as i128).wrapping_neg() as i64
        }
    } else {
        v.min(i64::MAX as u128) as i64
    })
}

/// Redis `memtoull`: digits followed by an optional unit (`b k kb m mb g gb`,
/// case-insensitive; `k` = 1000, `kb` = 1024). No sign allowed. Like Redis,
/// an empty digit part is 0 and an overflowing digit part saturates.
pub fn memtoull(s: &[u8]) -> Option<u64> {
    if s.first() == Some(&b'-') {
        return None;
    }
    let ndig = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let unit = s[ndig..].to_ascii_lowercase();
    let mul: u64 = match unit.as_slice() {
        b"" | b"b" => 1,
        b"k" => 1000,
        b"kb" => 1024,
        b"m" => 1000 * 1000,
        b"mb" => 1024 * 1024,
        b"g" => 1000 * 1000 * 1000,
        b"gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    if ndig >= 128 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in &s[..ndig] {
        v = v.saturating_mul(10).saturating_add(u64::from(c - b'0'));
    }
    if v > u64::MAX / mul {
        return None;
    }
    Some(v * mul)
}

/// Redis `string2d`: a finite-or-infinite double, no leading space, not NaN.
pub fn string2d(s: &[u8]) -> Option<f64> {
    if s.is_empty() || is_space(s[0]) {
        return None;
    }
    let t = std::str::from_utf8(s).ok()?;
    let v: f64 = t.parse().ok()?;
    if v.is_nan() {
        return None;
    }
    Some(v)
}

/// `printf("%f")` followed by Redis `trimDoubleString` (drops trailing zeros
/// and a trailing dot).
pub fn fmt_f_trimmed(v: f64) -> String {
    let mut s = format!("{v:.6}");
    if s.contains('.') {
        while s.ends_with('0') {
            s.pop();
        }
        if s.ends_with('.') {
            s.pop();
        }
    }
    s
}

/// Redis `rewriteConfigFormatMemory`: `gb`/`mb`/`kb` when exact, else bytes.
pub fn fmt_memory(bytes: i64) -> String {
    const GB: i64 = 1024 * 1024 * 1024;
    const MB: i64 = 1024 * 1024;
    const KB: i64 = 1024;
    if bytes != 0 && bytes % GB == 0 {
        format!("{}gb", bytes / GB)
    } else if bytes != 0 && bytes % MB == 0 {
        format!("{}mb", bytes / MB)
    } else if bytes != 0 && bytes % KB == 0 {
        format!("{}kb", bytes / KB)
    } else {
        bytes.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn split_like_sdssplitargs() {
        assert_eq!(sp("  save 900 1  ").unwrap(), ["save", "900", "1"]);
        assert_eq!(sp(r#"a "b c" 'd e'"#).unwrap(), ["a", "b c", "d e"]);
        assert_eq!(sp(r#""\x41\n" 'it\'s'"#).unwrap(), ["A\n", "it's"]);
        assert_eq!(sp(r#"save """#).unwrap(), ["save", ""]);
        assert_eq!(sp("").unwrap(), Vec::<String>::new());
        assert!(sp(r#""abc"#).is_none());
        assert!(sp(r#""abc"def"#).is_none());
        assert!(sp("'abc").is_none());
    }

    #[test]
    fn repr_quotes() {
        let mut o = Vec::new();
        cat_repr(&mut o, b"a b\"c\\\n\x01");
        assert_eq!(o, b"\"a b\\\"c\\\\\\n\\x01\"");
    }

    #[test]
    fn numbers() {
        assert_eq!(string2ll(b"-12"), Some(-12));
        assert_eq!(string2ll(b"012"), None);
        assert_eq!(string2ll(b"+1"), None);
        assert_eq!(string2ll(b"-0"), None);
        assert_eq!(string2ll(b"9223372036854775808"), None);
        assert_eq!(string2ll(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(strtoll_full(b" +10", 10), Some(10));
        assert_eq!(strtoll_full(b"10x", 10), None);
        assert_eq!(strtoll_full(b"", 10), Some(0));
        assert_eq!(strtoll_full(b"777", 8), Some(511));
        assert_eq!(strtoll_full(b"99999999999999999999", 10), Some(i64::MAX));
        assert_eq!(memtoull(b"1gb"), Some(1 << 30));
        assert_eq!(memtoull(b"1K"), Some(1000));
        assert_eq!(memtoull(b""), Some(0));
        assert_eq!(memtoull(b"-1"), None);
        assert_eq!(memtoull(b"1xb"), None);
        assert_eq!(memtoull(b"99999999999999999999"), Some(u64::MAX));
        assert_eq!(fmt_f_trimmed(99.9), "99.9");
        assert_eq!(fmt_f_trimmed(50.0), "50");
        assert_eq!(fmt_memory(100 << 20), "100mb");
        assert_eq!(fmt_memory(0), "0");
        assert_eq!(fmt_memory(1025), "1025");
    }
}
