//! Key positions from Redis 7 key specs (`getKeysUsingKeySpecs`): the generated metadata
//! carries each command's key specs; this interprets them for `COMMAND GETKEYS` and for
//! anything else that needs a command's keys (WATCH-style checks, cluster-free routing).

use super::Meta;

/// A parsed RESP3 value of the trusted metadata blobs.
#[derive(Debug)]
enum V<'a> {
    Str(&'a [u8]),
    Int(i64),
    List(Vec<V<'a>>),
    Map(Vec<(V<'a>, V<'a>)>),
}

fn parse(b: &[u8]) -> (V<'_>, usize) {
    let le = b.iter().position(|&c| c == b'\r').unwrap_or(b.len());
    let body = &b[1.min(b.len())..le];
    let n: i64 = std::str::from_utf8(body)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut p = (le + 2).min(b.len());
    match b.first() {
        Some(b'*') | Some(b'~') => {
            let mut v = Vec::new();
            for _ in 0..n {
                let (x, k) = parse(&b[p..]);
                p += k;
                v.push(x);
            }
            (V::List(v), p)
        }
        Some(b'%') => {
            let mut v = Vec::new();
            for _ in 0..n {
                let (k, a) = parse(&b[p..]);
                p += a;
                let (x, c) = parse(&b[p..]);
                p += c;
                v.push((k, x));
            }
            (V::Map(v), p)
        }
        Some(b'$') => {
            let end = (p + n as usize).min(b.len());
            (V::Str(&b[p..end]), (end + 2).min(b.len()))
        }
        Some(b':') => (V::Int(n), p),
        _ => (V::Str(body), p),
    }
}

impl<'a> V<'a> {
    fn get(&self, k: &str) -> Option<&V<'a>> {
        match self {
            V::Map(m) => m
                .iter()
                .find(|(a, _)| matches!(a, V::Str(s) if *s == k.as_bytes()))
                .map(|(_, v)| v),
            _ => None,
        }
    }
    fn int(&self, k: &str) -> i64 {
        match self.get(k) {
            Some(V::Int(i)) => *i,
            _ => 0,
        }
    }
    fn str(&self, k: &str) -> &'a [u8] {
        match self.get(k) {
            Some(V::Str(s)) => s,
            _ => b"",
        }
    }
}

/// Keys of `argv` (indexes) with their flags, or empty when none / invalid. Commands whose
/// key spec says `variable_flags` get the flags their Redis getkeys procedure computes.
pub fn keys_of(meta: &Meta, argv: &[&[u8]]) -> Vec<(usize, Vec<String>)> {
    if meta.name == "sort" {
        return sort_keys(argv);
    }
    // An invalid walk falls back to the command's getkeys procedure, as Redis does.
    let Some(mut keys) = spec_keys(meta, argv) else {
        return proc_keys(meta.name, argv).unwrap_or_default();
    };
    let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match meta.name {
        // setGetKeys: SET ... GET reads the old value.
        "set" if !keys.is_empty() => {
            let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
            keys[0].1 = if get {
                flags(&["RW", "access", "update"])
            } else {
                flags(&["OW", "update"])
            };
        }
        // bitfieldGetKeys: read-only unless a SET/INCRBY (or a syntax error) appears.
        "bitfield" if !keys.is_empty() => {
            let mut readonly = true;
            let mut i = 2;
            while i < argv.len() {
                let rem = argv.len() - i - 1;
                let a = argv[i];
                if a.eq_ignore_ascii_case(b"get") && rem >= 2 {
                    i += 2;
                } else if (a.eq_ignore_ascii_case(b"set") || a.eq_ignore_ascii_case(b"incrby"))
                    && rem >= 3
                {
                    readonly = false;
                    break;
                } else if a.eq_ignore_ascii_case(b"overflow") && rem >= 1 {
                    i += 1;
                } else {
                    readonly = false;
                    break;
                }
                i += 1;
            }
            keys[0].1 = if readonly {
                flags(&["RO", "access"])
            } else {
                flags(&["RW", "access", "update"])
            };
        }
        _ => {}
    }
    keys
}

/// Redis `sortGetKeys` (SORT's key specs are incomplete, so Redis always uses it): the key,
/// and the last `STORE` destination; LIMIT, GET and BY skip their arguments.
fn sort_keys(argv: &[&[u8]]) -> Vec<(usize, Vec<String>)> {
    let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut keys = vec![(1, flags(&["RO", "access"]))];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let a = argv[i];
        if a.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if a.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            store = Some(i + 1);
        } else if a.eq_ignore_ascii_case(b"get") || a.eq_ignore_ascii_case(b"by") {
            i += 1;
        }
        i += 1;
    }
    if let Some(s) = store {
        keys.push((s, flags(&["OW", "update"])));
    }
    keys
}

/// The getkeys procedure (`genericGetKeys`) of the commands with a key count, which Redis
/// falls back to when the key-spec walk is invalid (a count that is not a non-negative
/// integer, or keys out of bounds): it reads the count with `atoi` and gives the keys no
/// flags. `None` for commands without one.
fn numkeys_fallback(name: &str, argv: &[&[u8]]) -> Option<Vec<(usize, Vec<String>)>> {
    let (store, count, first) = generic_offsets(name)?;
    // C `atoi`: `strtol` then the cast to `int`.
    let num = i64::from(crate::util::num::c_strtol(argv.get(count)?) as i32);
    if num < 1 || num > (argv.len() as i64 - first as i64) {
        return Some(Vec::new());
    }
    let mut keys: Vec<(usize, Vec<String>)> =
        (0..num as usize).map(|i| (first + i, Vec::new())).collect();
    if store > 0 {
        keys.push((store, Vec::new()));
    }
    Some(keys)
}

/// The getkeys procedures Redis falls back to when the key-spec walk is invalid; `None` for
/// commands without one (no keys then).
fn proc_keys(name: &str, argv: &[&[u8]]) -> Option<Vec<(usize, Vec<String>)>> {
    match name {
        // xreadGetKeys: the keys are the first half of what follows the first STREAMS
        // reached by skipping the options.
        "xread" | "xreadgroup" => {
            let mut streams = None;
            let mut i = 1;
            while i < argv.len() {
                let a = argv[i];
                if a.eq_ignore_ascii_case(b"block") || a.eq_ignore_ascii_case(b"count") {
                    i += 1;
                } else if a.eq_ignore_ascii_case(b"group") {
                    i += 2;
                } else if a.eq_ignore_ascii_case(b"streams") {
                    streams = Some(i);
                    break;
                } else if !a.eq_ignore_ascii_case(b"noack") {
                    break;
                }
                i += 1;
            }
            let pos = streams?;
            let num = argv.len() - pos - 1;
            if num == 0 || !num.is_multiple_of(2) {
                return None;
            }
            Some(
                (pos + 1..pos + 1 + num / 2)
                    .map(|i| (i, Vec::new()))
                    .collect(),
            )
        }
        // georadiusGetKeys: the key, and the last STORE/STOREDIST destination, with flags.
        "georadius" | "georadiusbymember" => {
            let mut stored = None;
            let mut i = 5;
            while i < argv.len() {
                let a = argv[i];
                if (a.eq_ignore_ascii_case(b"store") || a.eq_ignore_ascii_case(b"storedist"))
                    && i + 1 < argv.len()
                {
                    stored = Some(i + 1);
                    i += 1;
                }
                i += 1;
            }
            let flags = |f: &[&str]| f.iter().map(|s| s.to_string()).collect::<Vec<_>>();
            let mut keys = vec![(1, flags(&["RO", "access"]))];
            keys.extend(stored.map(|s| (s, flags(&["OW", "update"]))));
            Some(keys)
        }
        _ => numkeys_fallback(name, argv),
    }
}

/// (store key, key count, first key) offsets of the commands whose getkeys procedure is
/// Redis's `genericGetKeys`.
fn generic_offsets(name: &str) -> Option<(usize, usize, usize)> {
    Some(match name {
        "zunion" | "zinter" | "zdiff" | "zintercard" | "sintercard" | "lmpop" | "zmpop" => {
            (0, 1, 2)
        }
        "zunionstore" | "zinterstore" | "zdiffstore" => (1, 2, 3),
        "blmpop" | "bzmpop" | "eval" | "eval_ro" | "evalsha" | "evalsha_ro" | "fcall"
        | "fcall_ro" => (0, 2, 3),
        _ => return None,
    })
}

/// Redis `doesCommandHaveKeys`: at least one key spec not flagged `not_key`.
pub fn has_keys(meta: &Meta) -> bool {
    let (specs, _) = parse(meta.key_specs);
    let V::List(specs) = specs else {
        return false;
    };
    specs.iter().any(|spec| match spec.get("flags") {
        Some(V::List(l)) => !l.iter().any(|f| matches!(f, V::Str(s) if *s == b"not_key")),
        _ => true,
    })
}

/// Keys found by walking the key specs; `None` when the walk is invalid (Redis
/// `getKeysUsingKeySpecs` going to `invalid_spec`).
fn spec_keys(meta: &Meta, argv: &[&[u8]]) -> Option<Vec<(usize, Vec<String>)>> {
    let (specs, _) = parse(meta.key_specs);
    let V::List(specs) = specs else {
        return Some(Vec::new());
    };
    let argc = argv.len() as i64;
    let mut out = Vec::new();
    for spec in &specs {
        let flags: Vec<String> = match spec.get("flags") {
            Some(V::List(l)) => l
                .iter()
                .filter_map(|f| match f {
                    V::Str(s) => Some(String::from_utf8_lossy(s).into_owned()),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        };
        // Channels (SPUBLISH, SSUBSCRIBE) are not keys.
        if flags.iter().any(|f| f == "not_key") {
            continue;
        }
        let Some(bs) = spec.get("begin_search") else {
            continue;
        };
        let Some(bspec) = bs.get("spec") else {
            continue;
        };
        let first = match bs.str("type") {
            b"index" => bspec.int("index"),
            b"keyword" => {
                let kw = bspec.str("keyword");
                let from = bspec.int("startfrom");
                let (start, end, step) = if from > 0 {
                    (from, argc - 1, 1)
                } else {
                    (argc + from, 1, -1)
                };
                let mut found = None;
                let mut i = start;
                while i != end + step {
                    if i >= argc || i < 1 {
                        break;
                    }
                    if argv[i as usize].eq_ignore_ascii_case(kw) {
                        found = Some(i + 1);
                        break;
                    }
                    i += step;
                }
                match found {
                    Some(f) => f,
                    None => continue,
                }
            }
            _ => continue,
        };
        let Some(fk) = spec.get("find_keys") else {
            continue;
        };
        let Some(fspec) = fk.get("spec") else {
            continue;
        };
        let (first, last, step) = match fk.str("type") {
            b"range" => {
                let lastkey = fspec.int("lastkey");
                let limit = fspec.int("limit");
                let last = if lastkey >= 0 {
                    first + lastkey
                } else if limit <= 1 {
                    argc + lastkey
                } else {
                    first + ((argc - first) / limit + lastkey)
                };
                (first, last, fspec.int("keystep").max(1))
            }
            b"keynum" => {
                let idx = first + fspec.int("keynumidx");
                let n = argv
                    .get(idx as usize)
                    .and_then(|a| crate::util::num::parse_i64(a))
                    .filter(|&n| n >= 0)?;
                let f = first + fspec.int("firstkey");
                let step = fspec.int("keystep").max(1);
                // Redis computes the last key with the count cast to an int.
                (f, f + i64::from(n as i32) - 1, step)
            }
            _ => continue,
        };
        // Out of bounds: a syntax error the command will report; the caller then runs the
        // command's getkeys procedure, if it has one, as Redis does.
        if last >= argc || last < first || first >= argc || first < 1 {
            return None;
        }
        let mut i = first;
        while i <= last {
            out.push((i as usize, flags.clone()));
            i += step;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::meta;

    fn keys(m: &Meta, args: &[&str]) -> Vec<usize> {
        let argv: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        keys_of(m, &argv).into_iter().map(|(i, _)| i).collect()
    }

    #[test]
    fn ranges_keynums_and_keywords() {
        assert_eq!(keys(&meta::GET, &["get", "k"]), vec![1]);
        assert_eq!(keys(&meta::MSET, &["mset", "a", "1", "b", "2"]), vec![1, 3]);
        assert_eq!(keys(&meta::DEL, &["del", "a", "b", "c"]), vec![1, 2, 3]);
        assert_eq!(
            keys(&meta::ZUNIONSTORE, &["zunionstore", "d", "2", "a", "b"]),
            vec![1, 3, 4]
        );
        assert_eq!(
            keys(
                &meta::XREAD,
                &["xread", "count", "1", "streams", "a", "b", "0", "0"]
            ),
            vec![4, 5]
        );
        assert_eq!(
            keys(&meta::ZUNIONSTORE, &["zunionstore", "d", "x", "a"]),
            Vec::<usize>::new()
        );
    }
}
