//! SORT and SORT_RO (Redis `sort.c`) over lists, sets and sorted sets, with `BY` and `GET`
//! patterns (`*` substitution, `->field` hash dereference, `#` for the element itself),
//! `LIMIT`, `ASC|DESC`, `ALPHA` and `STORE`.

use super::args::is;
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::types::list::List;
use crate::types::value::Value;
use std::cmp::Ordering;
use std::sync::Arc;

/// One element being sorted.
struct Item {
    obj: Vec<u8>,
    score: f64,
    /// ALPHA with BY: the looked-up value (`None` when the key is missing).
    cmpobj: Option<Vec<u8>>,
}

/// `strtod` as Redis uses it to read sort weights: the whole string must be consumed (up to
/// a NUL), and a range error or NaN is a conversion error.
fn strtod_strict(b: &[u8]) -> Option<f64> {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    let cs = std::ffi::CString::new(&b[..end]).ok()?;
    let mut eptr: *mut libc::c_char = std::ptr::null_mut();
    // SAFETY: `cs` is a valid NUL-terminated string; strtod writes only `eptr` and errno.
    let (v, errno, consumed_all) = unsafe {
        *libc::__errno_location() = 0;
        let v = libc::strtod(cs.as_ptr(), &mut eptr);
        (v, *libc::__errno_location(), *eptr == 0)
    };
    if !consumed_all || errno == libc::ERANGE || v.is_nan() {
        return None;
    }
    Some(v)
}

/// `lookupKeyByPattern`: the string (or hash field with `->field`) named by `pattern` with
/// its first `*` replaced by `subst`; `#` is `subst` itself. `None` when absent or of
/// another type.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], subst: &[u8]) -> Option<Vec<u8>> {
    if pattern == b"#" {
        return Some(subst.to_vec());
    }
    let star = pattern.iter().position(|&c| c == b'*')?;
    let rest = &pattern[star + 1..];
    let arrow = rest.windows(2).position(|w| w == b"->");
    let (postfix, field) = match arrow {
        Some(a) if a + 2 < rest.len() => (&rest[..a], Some(&rest[a + 2..])),
        _ => (rest, None),
    };
    let mut key = Vec::with_capacity(star + subst.len() + postfix.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(subst);
    key.extend_from_slice(postfix);
    let e = ctx.lookup_read(&key)?;
    match field {
        Some(f) => e.val.as_hash()?.get(f).map(|v| v.to_bytes()),
        None => e.val.as_str().map(|s| s.to_vec()),
    }
}

fn sort_generic(ctx: &mut Ctx, argv: &[&[u8]], readonly: bool) -> CmdResult {
    let mut desc = false;
    let mut alpha = false;
    let mut limit_start: i64 = 0;
    let mut limit_count: i64 = -1;
    let mut dontsort = false;
    let mut sortby: Option<&[u8]> = None;
    let mut store: Option<&[u8]> = None;
    let mut gets: Vec<&[u8]> = Vec::new();
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let a = argv[j];
        if is(a, "asc") {
            desc = false;
        } else if is(a, "desc") {
            desc = true;
        } else if is(a, "alpha") {
            alpha = true;
        } else if is(a, "limit") && left >= 2 {
            limit_start = super::args::int(argv[j + 1])?;
            limit_count = super::args::int(argv[j + 2])?;
            j += 2;
        } else if !readonly && is(a, "store") && left >= 1 {
            store = Some(argv[j + 1]);
            j += 1;
        } else if is(a, "by") && left >= 1 {
            sortby = Some(argv[j + 1]);
            if !argv[j + 1].contains(&b'*') {
                dontsort = true;
            }
            j += 1;
        } else if is(a, "get") && left >= 1 {
            gets.push(argv[j + 1]);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    // The elements, in the order Redis loads them.
    enum Kind {
        List,
        Set,
        ZSet,
    }
    let key = argv[1];
    let (kind, mut elems): (Kind, Vec<Vec<u8>>) = match ctx.lookup_read(key) {
        None => (Kind::List, Vec::new()),
        Some(e) => match &e.val {
            Value::List(l) => (Kind::List, l.iter().map(|x| x.to_bytes()).collect()),
            Value::Set(s) => (Kind::Set, s.iter().map(|m| m.to_vec()).collect()),
            Value::ZSet(z) => (Kind::ZSet, z.iter().map(|(m, _)| m.to_bytes()).collect()),
            _ => return Err(error::WRONGTYPE),
        },
    };
    if matches!(kind, Kind::ZSet) {
        // Redis converts the sorted set to its skiplist encoding for SORT (zsetConvert).
        if let Some(e) = ctx.lookup_write(key) {
            if let Some(z) = e.val.as_zset_mut() {
                if z.encoding() == "listpack" {
                    z.convert_to_skiplist();
                }
            }
        }
    }
    // A set sorted by nothing is sorted alphabetically when stored, for determinism.
    if dontsort && matches!(kind, Kind::Set) && store.is_some() {
        dontsort = false;
        alpha = true;
        sortby = None;
    }
    let len = elems.len() as i64;
    let mut start = limit_start.max(0).min(len);
    let limit_count = limit_count.max(-1).min(len);
    let mut end = if limit_count < 0 {
        len
    } else {
        start + limit_count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    // Lists and sorted sets keep their own order when not sorted (DESC walks backwards).
    if dontsort && !matches!(kind, Kind::Set) {
        if desc {
            elems.reverse();
        }
        let (s, e) = (start, end);
        elems = if e >= s {
            elems[s as usize..=e as usize].to_vec()
        } else {
            Vec::new()
        };
        end -= start;
        start = 0;
    }
    let mut items: Vec<Item> = elems
        .into_iter()
        .map(|obj| Item {
            obj,
            score: 0.0,
            cmpobj: None,
        })
        .collect();
    let mut conversion_error = false;
    if !dontsort {
        for it in items.iter_mut() {
            let byval = match sortby {
                Some(p) => match lookup_by_pattern(ctx, p, &it.obj) {
                    Some(v) => v,
                    None => continue,
                },
                None => it.obj.clone(),
            };
            if alpha {
                if sortby.is_some() {
                    it.cmpobj = Some(byval);
                }
            } else {
                match strtod_strict(&byval) {
                    Some(v) => it.score = v,
                    None => conversion_error = true,
                }
            }
        }
        let by = sortby.is_some();
        items.sort_by(|a, b| {
            let c = if !alpha {
                a.score
                    .partial_cmp(&b.score)
                    .unwrap_or(Ordering::Equal)
                    .then_with(|| a.obj.cmp(&b.obj))
            } else if by {
                match (&a.cmpobj, &b.cmpobj) {
                    (None, None) => Ordering::Equal,
                    (None, Some(_)) => Ordering::Less,
                    (Some(_), None) => Ordering::Greater,
                    (Some(x), Some(y)) => x.cmp(y),
                }
            } else {
                a.obj.cmp(&b.obj)
            };
            if desc {
                c.reverse()
            } else {
                c
            }
        });
    }
    let count = if end >= start {
        (end - start + 1) as usize
    } else {
        0
    };
    let outputlen = if gets.is_empty() {
        count
    } else {
        gets.len() * count
    };
    if conversion_error {
        return Err(Error::err(
            "One or more scores can't be converted into double",
        ));
    }
    let range = start.max(0) as usize..start.max(0) as usize + count;
    match store {
        None => {
            let mut rows: Vec<Option<Vec<u8>>> = Vec::with_capacity(outputlen);
            for it in &items[range] {
                if gets.is_empty() {
                    rows.push(Some(it.obj.clone()));
                }
                for g in &gets {
                    rows.push(lookup_by_pattern(ctx, g, &it.obj));
                }
            }
            let out = ctx.out();
            out.array_len(rows.len());
            for r in rows {
                match r {
                    Some(v) => out.bulk(&v),
                    None => out.null(),
                }
            }
        }
        Some(dst) => {
            let mut l = List::new(ctx.core.config.list_max_listpack_size);
            for it in &items[range] {
                if gets.is_empty() {
                    l.push(&it.obj, crate::types::list::End::Tail);
                }
                for g in &gets {
                    let v = lookup_by_pattern(ctx, g, &it.obj).unwrap_or_default();
                    l.push(&v, crate::types::list::End::Tail);
                }
            }
            if outputlen > 0 {
                let lru = ctx.lru_for(dst, false);
                ctx.db().set(dst, Value::List(Arc::new(l)), false, lru);
                ctx.touched_n(dst, outputlen as u64);
                ctx.notify(Class::LIST, "sortstore", dst);
            } else if ctx.db().remove(dst).is_some() {
                ctx.touched(dst);
                ctx.notify(Class::GENERIC, "del", dst);
            }
            ctx.out().int(outputlen as i64);
        }
    }
    Ok(())
}

/// SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
/// [STORE destination]
fn sort(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sort_generic(ctx, argv, false)
}

/// SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA]
fn sort_ro(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    sort_generic(ctx, argv, true)
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::SORT, sort),
    Command::new(&meta::SORT_RO, sort_ro),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_parse_like_strtod() {
        assert_eq!(strtod_strict(b"1.5"), Some(1.5));
        assert_eq!(strtod_strict(b" 2"), Some(2.0));
        assert_eq!(strtod_strict(b"0x10"), Some(16.0));
        assert_eq!(strtod_strict(b"inf"), Some(f64::INFINITY));
        assert_eq!(strtod_strict(b"3\0junk"), Some(3.0));
        assert_eq!(strtod_strict(b"nan"), None);
        assert_eq!(strtod_strict(b"1e999"), None);
        assert_eq!(strtod_strict(b"abc"), None);
        assert_eq!(strtod_strict(b"1 "), None);
        assert_eq!(strtod_strict(b""), Some(0.0));
    }
}
