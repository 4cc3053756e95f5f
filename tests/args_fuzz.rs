//! Differential fuzz of arguments, driven by the command table: for every command (and every
//! subcommand of a container) the subject lists in `COMMAND`, seeded random argument vectors
//! go to the subject and to redis-server 7.0.15, and the replies must be byte-identical.
//!
//! Half of the vectors follow the command's `COMMAND DOCS` argument grammar (one alternative
//! of each oneof, optional parts half the time, repeated parts one to three times, keys of the
//! type the command works on) and then get up to two mutations (an argument dropped,
//! duplicated, swapped, replaced or added). The other half are free: 0 to arity + 3 arguments
//! drawn from the command's own tokens, integers at the edges of every range, floats,
//! `inf`/`nan`, malformed numbers, the keys of a fixed fixture (one of each type and encoding,
//! plus missing keys), members of the fixture's collections, glob patterns, stream IDs, range
//! specifiers and valid `DUMP` payloads. A tenth of the deterministic commands run inside
//! MULTI/EXEC; a third of the segments run in RESP3.
//!
//! Every 16 commands the key sets are compared (`KEYS *`, `TYPE`, `DBSIZE`) and the fixture is
//! rebuilt on both servers. A subject that closes the connection (a crash) fails the test with
//! the seed, the command and the tail of its log; so does a panic found in its log at the end.
//!
//! Normalisations, all for replies Redis itself leaves nondeterministic, or for commands that
//! change the connection or the server in ways a fuzz cannot undo:
//! - commands whose metadata carries the `nondeterministic_output` tip (TIME, INFO, RANDOMKEY,
//!   SPOP, SRANDMEMBER, XADD, SCAN, DUMP...), OBJECT IDLETIME (LRU clock ticks), MEMORY, XINFO,
//!   SLOWLOG, LATENCY reports, CLIENT LIST/INFO/ID: errors compared exactly, other replies by
//!   type only; TTL-like replies by sign class; HELLO by type and length (client ids);
//! - the `nondeterministic_output_order` tip (SMEMBERS, KEYS, HGETALL...): unordered at every
//!   depth;
//! - SORT with BY (ties in a hashtable set's iteration order): type and length;
//! - CONFIG GET with a glob, COMMAND INFO/DOCS (without names: ignored): oxidis has fewer
//!   directives and commands (docs/differences.md), so by type (and length);
//! - the subscribe family, MULTI and HELLO are followed by RESET in the same write, and all
//!   replies up to `+RESET` are compared; QUIT (and CLIENT KILL of our own connection)
//!   reconnects both;
//! - blocking commands get their timeout forced to 10 ms when it is a valid one (0 blocks
//!   forever); timeouts that are errors are left alone;
//! - counts of the random-member commands are capped at 1000 and bit/byte offsets of
//!   SETBIT/SETRANGE/BITFIELD at 64 KiB when valid (a valid 2^32 - 1 allocates 512 MB);
//! - after a command that gives a key a TTL shorter than an hour the key is deleted on both
//!   (it would expire at slightly different instants on the two servers);
//! - after a command whose effect depends on time or randomness (SPOP, XADD with `*`,
//!   XCLAIM/XAUTOCLAIM with a min-idle-time, SORT ... STORE with ties, RESTORE) and after
//!   FLUSHALL/FLUSHDB/SWAPDB, the fixture is rebuilt;
//! - PFSELFTEST runs for real once, in the default variant (it takes seconds in a debug build).
//!
//! Excluded (see `EXCLUDED`): commands that stop, pause or reconfigure the server or turn the
//! connection into something else (SHUTDOWN, DEBUG, MONITOR, SYNC/PSYNC, REPLICAOF/SLAVEOF,
//! FAILOVER, WAIT, ACL, MODULE, BGSAVE/BGREWRITEAOF, MIGRATE, CLIENT PAUSE/REPLY/TRACKING,
//! LOLWUT), the introspection of the command table itself (`COMMAND`, `COMMAND COUNT`,
//! `COMMAND LIST`: oxidis lists only what it implements) and CLIENT SETINFO (a 7.2 command
//! oxidis implements on purpose), see docs/differences.md.
//!
//! Reproduce with `OXIDIS_SEED=<seed> cargo test --test args_fuzz`; run longer with
//! `OXIDIS_FUZZ_COMMANDS=<n>` (default 5000) and `OXIDIS_FUZZ_SECS=<s>` (default 50).
//! `OXIDIS_FUZZ_COLLECT=1` records every mismatching command (a few examples each) instead of
//! stopping at the first, and lists the commands the reference always refused;
//! `OXIDIS_FUZZ_TRACE=<name>` (e.g. `xadd`, `client|kill`) prints each vector of that command
//! with the reference's reply.

mod common;

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use common::*;

/// Commands never sent, by `name` or `container|sub` (lowercase).
const EXCLUDED: &[&str] = &[
    // Stop or reconfigure the server, or need replicas.
    "shutdown",
    "debug",
    "replicaof",
    "slaveof",
    "failover",
    "wait",
    "acl",
    "module",
    "migrate",
    "bgsave",
    "bgrewriteaof",
    "client|pause",
    // Turn the connection into something else (a feed, a replica link, no replies, pushes).
    "monitor",
    "sync",
    "psync",
    "client|reply",
    "client|tracking",
    // Redis only: turns the next EVAL into a Lua debugging session.
    "script|debug",
    // Random art.
    "lolwut",
    // The command table itself: oxidis lists only what it implements (docs/differences.md).
    "command",
    "command|count",
    "command|list",
    // A Redis 7.2 subcommand oxidis implements on purpose (docs/differences.md).
    "client|setinfo",
];

/// Containers none of whose subcommands are sent: they change users and passwords (ACL),
/// load code (MODULE) or stop, crash or reconfigure the server (DEBUG).
const EXCLUDED_CONTAINERS: &[&str] = &["acl", "module", "debug"];

/// Keys of the fixture, by type.
const FIXTURE_KEYS: &[&str] = &[
    "str", "int", "list", "hash", "set", "intset", "zset", "stream", "geo", "hll", "bitmap",
    "bighash", "bigzset", "biglist", "bigset",
];
const MISSING_KEYS: &[&str] = &["nokey", "missing"];

fn fixture_commands() -> Vec<Vec<Vec<u8>>> {
    [
        "SET str hello",
        "SET int 12345",
        "RPUSH list a b c 1 2 3",
        "HSET hash f1 v1 f2 2 a 1.5",
        "SADD set a b c",
        "SADD intset 1 2 3 -5",
        "ZADD zset 1 a 2 b 3 c 4.5 d",
        "XADD stream 1-1 f v",
        "XADD stream 2-1 f2 v2 a 1",
        "XADD stream 3-0 f v3",
        "XGROUP CREATE stream grp 0",
        "XREADGROUP GROUP grp alice COUNT 1 STREAMS stream >",
        "GEOADD geo 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
        "PFADD hll a b c",
        "SETBIT bitmap 7 1",
        "SETBIT bitmap 100 1",
    ]
    .iter()
    .map(|l| {
        l.split(' ')
            .map(|a| a.as_bytes().to_vec())
            .collect::<Vec<_>>()
    })
    .chain(big_fixture())
    .collect()
}

/// Collections past the small encodings (hashtable hash and set, skiplist zset, quicklist).
fn big_fixture() -> Vec<Vec<Vec<u8>>> {
    let mut hash = args(&["HSET", "bighash"]);
    let mut zset = args(&["ZADD", "bigzset"]);
    let mut list = args(&["RPUSH", "biglist"]);
    let mut set = args(&["SADD", "bigset"]);
    for i in 0..200 {
        hash.push(format!("f{i}").into_bytes());
        hash.push(format!("v{i}").into_bytes());
        zset.push(format!("{}", i as f64 / 4.0).into_bytes());
        zset.push(format!("m{i}").into_bytes());
        list.push(format!("m{}", i % 50).into_bytes());
        set.push(format!("m{i}").into_bytes());
    }
    vec![hash, zset, list, set]
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "5",
    "10",
    "-10",
    "100",
    "1000",
    "-1000",
    "65535",
    "65536",
    "2147483647",
    "-2147483648",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1.5",
    "-1.5",
    "0.5",
    "1e3",
    "1e308",
    "1e309",
    "-1e309",
    "1e-320",
    "3.0000000000000001",
    "inf",
    "-inf",
    "+inf",
    "nan",
    "-nan",
    "-0",
    "0.0",
    "01",
    "+1",
    " 1",
    "1 ",
    "0x10",
    "1e",
    "1.",
    "123abc",
];

const MEMBERS: &[&str] = &[
    "a", "b", "c", "d", "f1", "f2", "v1", "Palermo", "Catania", "grp", "alice", "bob", "1", "2",
    "hello", "m1", "m150", "f199",
];

const GLOBS: &[&str] = &["*", "?", "a*", "[a-z]*", "*[", "\\", "h?sh", "[^s]*", "*t*"];

const MISC: &[&str] = &[
    "",
    "(1",
    "(1.5",
    "[a",
    "(a",
    "-",
    "+",
    "[",
    "(",
    "(-inf",
    "0-0",
    "1-1",
    "2-1",
    "$",
    ">",
    "*",
    "1-*",
    "0-1",
    "18446744073709551615-18446744073709551615",
    "1-18446744073709551616",
    "-1-1",
    "1-",
    "13.361389",
    "38.115556",
    "-180",
    "180",
    "85.05112879",
    "200",
    "m",
    "km",
    "ft",
    "mi",
    "#0",
    "u8",
    "i64",
    "u63",
    "i65",
    "x",
];

/// One command or subcommand of the subject's table.
struct Spec {
    /// `["client", "kill"]` or `["get"]`.
    path: Vec<Vec<u8>>,
    /// Arguments after the path: the minimum, and whether more may follow.
    min_args: usize,
    variadic: bool,
    tokens: Vec<Vec<u8>>,
    /// The argument grammar from `COMMAND DOCS`.
    grammar: Vec<Arg>,
    /// Fixture keys of the type the command's docs group works on.
    home_keys: &'static [&'static str],
    flags: BTreeSet<String>,
    tips: BTreeSet<String>,
    first_key: i64,
    /// For a container: its subcommand names.
    is_container: bool,
}

impl Spec {
    fn name(&self) -> String {
        self.path
            .iter()
            .map(|p| String::from_utf8_lossy(p).to_lowercase())
            .collect::<Vec<_>>()
            .join("|")
    }
}

fn strings(r: &Resp) -> Vec<String> {
    r.as_array()
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            e.as_bytes()
                .map(|b| String::from_utf8_lossy(b).to_lowercase())
        })
        .collect()
}

/// Flat `[k, v, k, v...]` (RESP2) or map (RESP3) into pairs.
fn pairs(r: &Resp) -> Vec<(Vec<u8>, &Resp)> {
    if let Some(m) = r.as_map() {
        return m
            .iter()
            .filter_map(|(k, v)| k.as_bytes().map(|k| (k.to_vec(), v)))
            .collect();
    }
    let a = r.as_array().unwrap_or(&[]);
    a.chunks(2)
        .filter(|c| c.len() == 2)
        .filter_map(|c| c[0].as_bytes().map(|k| (k.to_vec(), &c[1])))
        .collect()
}

/// Every `token` in a `COMMAND DOCS` argument tree.
fn collect_tokens(args: &Resp, out: &mut Vec<Vec<u8>>) {
    for arg in args.as_array().unwrap_or(&[]) {
        for (k, v) in pairs(arg) {
            match k.as_slice() {
                b"token" => {
                    if let Some(t) = v.as_bytes() {
                        if !out.iter().any(|x| x == t) {
                            out.push(t.to_vec());
                        }
                    }
                }
                b"arguments" => collect_tokens(v, out),
                _ => {}
            }
        }
    }
}

/// One argument of a `COMMAND DOCS` argument tree.
#[derive(Clone, Debug)]
struct Arg {
    name: String,
    kind: String,
    token: Option<Vec<u8>>,
    optional: bool,
    multiple: bool,
    children: Vec<Arg>,
}

/// Fixture keys by `COMMAND DOCS` group.
fn home_keys(group: &str) -> &'static [&'static str] {
    match group {
        "string" => &["str", "int", "bitmap"],
        "list" => &["list", "biglist"],
        "hash" => &["hash", "bighash"],
        "set" => &["set", "intset", "bigset"],
        "sorted-set" => &["zset", "bigzset", "geo"],
        "stream" => &["stream"],
        "geo" => &["geo", "zset"],
        "hyperloglog" => &["hll"],
        "bitmap" => &["bitmap", "str"],
        _ => &[],
    }
}

fn parse_grammar(args: &Resp) -> Vec<Arg> {
    args.as_array()
        .unwrap_or(&[])
        .iter()
        .map(|a| {
            let mut arg = Arg {
                name: String::new(),
                kind: String::new(),
                token: None,
                optional: false,
                multiple: false,
                children: Vec::new(),
            };
            for (k, v) in pairs(a) {
                let text = || String::from_utf8_lossy(v.as_bytes().unwrap_or(b"")).to_string();
                match k.as_slice() {
                    b"name" => arg.name = text(),
                    b"type" => arg.kind = text(),
                    b"token" => arg.token = v.as_bytes().map(|b| b.to_vec()),
                    b"flags" => {
                        let f = strings(v);
                        arg.optional = f.iter().any(|x| x == "optional");
                        arg.multiple = f.iter().any(|x| x == "multiple");
                    }
                    b"arguments" => arg.children = parse_grammar(v),
                    _ => {}
                }
            }
            arg
        })
        .collect()
}

/// Docs tokens and grammar by full name (`get`, `client|kill`).
type Docs = HashMap<String, (Vec<Vec<u8>>, Vec<Arg>, String)>;

fn docs_tokens(docs: &Resp, prefix: &str, out: &mut Docs) {
    for (name, doc) in pairs(docs) {
        let name = String::from_utf8_lossy(&name).to_lowercase();
        let full = if prefix.is_empty() || name.contains('|') {
            name.clone()
        } else {
            format!("{prefix}|{name}")
        };
        let mut toks = Vec::new();
        let mut grammar = Vec::new();
        let mut group = String::new();
        for (k, v) in pairs(doc) {
            match k.as_slice() {
                b"group" => {
                    group = String::from_utf8_lossy(v.as_bytes().unwrap_or(b"")).to_string()
                }
                b"arguments" => {
                    collect_tokens(v, &mut toks);
                    grammar = parse_grammar(v);
                }
                b"subcommands" => docs_tokens(v, &full, out),
                _ => {}
            }
        }
        out.insert(full, (toks, grammar, group));
    }
}

fn spec_from_info(info: &Resp, docs: &Docs, out: &mut Vec<Spec>) {
    let Some(a) = info.as_array() else { return };
    if a.len() < 10 {
        return;
    }
    let Some(name) = a[0].as_bytes() else { return };
    let name = String::from_utf8_lossy(name).to_lowercase();
    let arity = a[1].as_int().unwrap_or(1);
    let path: Vec<Vec<u8>> = name.split('|').map(|p| p.as_bytes().to_vec()).collect();
    let subs = a[9].as_array().unwrap_or(&[]);
    let n = arity.unsigned_abs() as usize;
    out.push(Spec {
        min_args: n.saturating_sub(path.len()),
        variadic: arity < 0,
        tokens: docs.get(&name).map(|d| d.0.clone()).unwrap_or_default(),
        grammar: docs.get(&name).map(|d| d.1.clone()).unwrap_or_default(),
        home_keys: home_keys(docs.get(&name).map_or("", |d| d.2.as_str())),
        flags: strings(&a[2]).into_iter().collect(),
        tips: strings(&a[7]).into_iter().collect(),
        first_key: a[3].as_int().unwrap_or(0),
        is_container: !subs.is_empty(),
        path,
    });
    for s in subs {
        spec_from_info(s, docs, out);
    }
}

/// The subject's command table.
fn load_specs(conn: &mut RawConn) -> Vec<Spec> {
    let docs = parse_reply(&conn.cmd(&["COMMAND", "DOCS"]));
    let mut tokens = HashMap::new();
    docs_tokens(&docs, "", &mut tokens);
    let table = parse_reply(&conn.cmd(&["COMMAND"]));
    let mut specs = Vec::new();
    for info in table.as_array().expect("COMMAND reply") {
        spec_from_info(info, &tokens, &mut specs);
    }
    specs.retain(|s| {
        !EXCLUDED.contains(&s.name().as_str())
            && !EXCLUDED_CONTAINERS.contains(&String::from_utf8_lossy(&s.path[0]).as_ref())
    });
    specs.sort_by_key(|s| s.name());
    specs
}

fn is_error(r: &[u8]) -> bool {
    matches!(r.first(), Some(b'-' | b'!'))
}

fn errors_exact_else(s: &[u8], r: &[u8], norm: Norm) -> Result<(), String> {
    if is_error(s) || is_error(r) {
        compare_replies(s, r, Norm::Exact)
    } else {
        compare_replies(s, r, norm)
    }
}

fn errors_exact_else_type(s: &[u8], r: &[u8]) -> Result<(), String> {
    errors_exact_else(s, r, Norm::TypeOnly)
}

fn errors_exact_else_type_len(s: &[u8], r: &[u8]) -> Result<(), String> {
    errors_exact_else(s, r, Norm::TypeAndLen)
}

fn errors_exact_else_unordered(s: &[u8], r: &[u8]) -> Result<(), String> {
    errors_exact_else(s, r, Norm::UnorderedDeep)
}

/// TTL-like integers compared by class: -2, -1, 0 exactly, positive values as "positive".
fn ttl_class(s: &[u8], r: &[u8]) -> Result<(), String> {
    let class = |x: &[u8]| -> Vec<u8> {
        match parse_reply(x) {
            Resp::Integer(n) if n > 0 => b":positive".to_vec(),
            _ => x.to_vec(),
        }
    };
    compare_replies(&class(s), &class(r), Norm::Exact)
}

fn upper(a: &[u8]) -> Vec<u8> {
    a.to_ascii_uppercase()
}

fn has_token(args: &[Vec<u8>], t: &str) -> bool {
    args.iter().any(|a| upper(a) == t.as_bytes())
}

/// How the replies to `argv` (of `spec`) are compared.
fn norm_for(spec: &Spec, argv: &[Vec<u8>]) -> Norm {
    let name = spec.name();
    match name.as_str() {
        "ttl" | "pttl" | "expiretime" | "pexpiretime" => return Norm::Custom(ttl_class),
        "hello" => return Norm::Custom(errors_exact_else_type_len),
        // Without names: the whole table, which lists only what oxidis implements.
        "command|info" | "command|docs" if argv.len() == 2 => return Norm::Ignore,
        "command|info" | "command|docs" => return Norm::Custom(errors_exact_else_type_len),
        "config|get" => {
            if argv[2..]
                .iter()
                .any(|a| a.iter().any(|c| matches!(c, b'*' | b'?' | b'[')))
            {
                return Norm::Custom(errors_exact_else_type);
            }
            return Norm::Custom(errors_exact_else_unordered);
        }
        "sort" | "sort_ro" if has_token(argv, "BY") => {
            return Norm::Custom(errors_exact_else_type_len)
        }
        // Whole-table introspection with per-server contents.
        "slowlog|get" | "slowlog|len" | "latency|doctor" | "latency|histogram"
        | "latency|latest" | "latency|history" | "latency|graph" | "info" | "client|list"
        | "client|info" | "client|id" => return Norm::Custom(errors_exact_else_type),
        _ => {}
    }
    // OBJECT IDLETIME counts in LRU clock ticks: a fresh key may already show 1.
    if name.starts_with("memory|") || name.starts_with("xinfo|") || name == "object|idletime" {
        return Norm::Custom(errors_exact_else_type);
    }
    if spec.tips.contains("nondeterministic_output") {
        Norm::Custom(errors_exact_else_type)
    } else if spec.tips.contains("nondeterministic_output_order") {
        Norm::Custom(errors_exact_else_unordered)
    } else {
        Norm::Exact
    }
}

/// What happens around the command.
#[derive(Default)]
struct Plan {
    /// Follow with RESET in the same write and compare every reply up to `+RESET`.
    reset_after: bool,
    /// Rebuild the fixture after a success.
    rebuild_after: bool,
    /// Check the TTL of this key after the command.
    ttl_key: Option<Vec<u8>>,
}

fn plan_for(spec: &Spec, argv: &[Vec<u8>]) -> Plan {
    let name = spec.name();
    let mut p = Plan::default();
    match name.as_str() {
        "subscribe" | "psubscribe" | "ssubscribe" | "unsubscribe" | "punsubscribe"
        | "sunsubscribe" | "multi" | "hello" => p.reset_after = true,
        "spop" | "xadd" | "xclaim" | "xautoclaim" | "flushall" | "flushdb" | "swapdb"
        | "restore" => p.rebuild_after = true,
        "sort" if has_token(argv, "STORE") => p.rebuild_after = true,
        _ => {}
    }
    if matches!(
        name.as_str(),
        "expire"
            | "pexpire"
            | "expireat"
            | "pexpireat"
            | "set"
            | "setex"
            | "psetex"
            | "getex"
            | "restore"
    ) && argv.len() > 1
    {
        p.ttl_key = Some(argv[1].clone());
    }
    p
}

struct Pools {
    dumps: Vec<Vec<u8>>,
}

fn pick_str(rng: &mut SeedRng, pool: &[&str]) -> Vec<u8> {
    rng.pick(pool).as_bytes().to_vec()
}

fn random_arg(rng: &mut SeedRng, spec: &Spec, pools: &Pools) -> Vec<u8> {
    loop {
        match rng.below(100) {
            0..=29 => {
                if !spec.tokens.is_empty() {
                    let t = rng.pick(&spec.tokens).clone();
                    return if rng.chance(1, 4) {
                        t.to_ascii_lowercase()
                    } else {
                        t
                    };
                }
            }
            30..=49 => {
                return if rng.chance(4, 5) {
                    pick_str(rng, FIXTURE_KEYS)
                } else {
                    pick_str(rng, MISSING_KEYS)
                }
            }
            50..=74 => return pick_str(rng, NUMBERS),
            75..=84 => return pick_str(rng, MEMBERS),
            85..=89 => return pick_str(rng, GLOBS),
            90..=96 => return pick_str(rng, MISC),
            _ => {
                return match rng.below(4) {
                    0 if !pools.dumps.is_empty() => rng.pick(&pools.dumps).clone(),
                    1 => b"\x00\xff\r\n".to_vec(),
                    2 => vec![b'x'; 100],
                    _ => b"\xc3\xa9".to_vec(),
                }
            }
        }
    }
}

/// Small integers that are valid counts, indexes and offsets.
const SMALL: &[&str] = &["0", "1", "2", "3", "-1", "-2", "10", "100"];

/// A value for a grammar argument of `kind` named `name`.
fn grammar_value(rng: &mut SeedRng, arg: &Arg, spec: &Spec, pools: &Pools) -> Vec<u8> {
    if rng.chance(1, 8) {
        return random_arg(rng, spec, pools);
    }
    let name = arg.name.as_str();
    match arg.kind.as_str() {
        "key" if !spec.home_keys.is_empty() && rng.chance(2, 3) => pick_str(rng, spec.home_keys),
        "key" => {
            if rng.chance(9, 10) {
                pick_str(rng, FIXTURE_KEYS)
            } else {
                pick_str(rng, MISSING_KEYS)
            }
        }
        "integer" if rng.chance(2, 3) => pick_str(rng, SMALL),
        "integer" | "double" | "unix-time" => pick_str(rng, NUMBERS),
        "pattern" => pick_str(rng, GLOBS),
        _ if name == "group" || name == "groupname" => pick_str(rng, &["grp", "grp", "nogrp"]),
        _ if name == "consumer" || name == "consumername" => {
            pick_str(rng, &["alice", "alice", "bob"])
        }
        _ if name.contains("id") && spec.name().starts_with('x') => pick_str(
            rng,
            &[
                "0", "0-0", "1-1", "2-1", "3-0", "$", ">", "*", "1-*", "+", "-", "0-1",
            ],
        ),
        _ if matches!(name, "min" | "max" | "start" | "end") => pick_str(
            rng,
            &[
                "-", "+", "[a", "(b", "0", "1", "-1", "(1", "-inf", "+inf", "2.5",
            ],
        ),
        _ if name.contains("serialized") && !pools.dumps.is_empty() => {
            rng.pick(&pools.dumps).clone()
        }
        _ => {
            if rng.chance(1, 2) {
                pick_str(rng, MEMBERS)
            } else {
                random_arg(rng, spec, pools)
            }
        }
    }
}

/// Appends arguments following `args` (one alternative of each oneof, optional parts half
/// the time, repeated parts one to three times).
fn gen_grammar(
    rng: &mut SeedRng,
    args: &[Arg],
    spec: &Spec,
    pools: &Pools,
    out: &mut Vec<Vec<u8>>,
) {
    // Repeated siblings repeat alike (XREAD's keys and IDs), most of the time.
    let shared = 1 + rng.below(3);
    for arg in args {
        if arg.optional && rng.chance(1, 2) {
            continue;
        }
        let reps = match (arg.multiple, rng.chance(7, 8)) {
            (false, _) => 1,
            (true, true) => shared,
            (true, false) => 1 + rng.below(3),
        };
        for _ in 0..reps {
            if let Some(t) = &arg.token {
                out.push(if rng.chance(1, 5) {
                    t.to_ascii_lowercase()
                } else {
                    t.clone()
                });
            }
            match arg.kind.as_str() {
                "pure-token" => {}
                "oneof" if !arg.children.is_empty() => {
                    let c = rng.pick(&arg.children).clone();
                    let c = Arg {
                        optional: false,
                        ..c
                    };
                    gen_grammar(rng, &[c], spec, pools, out);
                }
                "block" => gen_grammar(rng, &arg.children, spec, pools, out),
                _ => out.push(grammar_value(rng, arg, spec, pools)),
            }
        }
    }
}

/// Arguments from the docs grammar, then up to two mutations (drop, duplicate, swap or
/// replace an argument, or add a random one).
fn gen_from_grammar(rng: &mut SeedRng, spec: &Spec, pools: &Pools) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    gen_grammar(rng, &spec.grammar, spec, pools, &mut out);
    for _ in 0..rng.below(3) {
        let n = out.len();
        match rng.below(5) {
            0 if n > 0 => {
                out.remove(rng.below(n as u64) as usize);
            }
            1 if n > 0 => {
                let i = rng.below(n as u64) as usize;
                let a = out[i].clone();
                out.insert(i, a);
            }
            2 if n > 1 => {
                let (i, j) = (rng.below(n as u64) as usize, rng.below(n as u64) as usize);
                out.swap(i, j);
            }
            3 if n > 0 => {
                let i = rng.below(n as u64) as usize;
                out[i] = random_arg(rng, spec, pools);
            }
            _ => {
                let i = rng.below(n as u64 + 1) as usize;
                out.insert(i, random_arg(rng, spec, pools));
            }
        }
    }
    out
}

fn gen_args(rng: &mut SeedRng, spec: &Spec, pools: &Pools) -> Vec<Vec<u8>> {
    if !spec.grammar.is_empty() && rng.chance(1, 2) {
        return gen_from_grammar(rng, spec, pools);
    }
    let max = spec.min_args + 3;
    let n = if rng.chance(2, 3) {
        // Mostly a valid count.
        if spec.variadic {
            spec.min_args + rng.below(4) as usize
        } else {
            spec.min_args
        }
    } else {
        rng.below(max as u64 + 1) as usize
    };
    let key_pos = spec.first_key.max(0) as usize;
    let sub = spec.path.len() - 1;
    (1..=n)
        .map(|i| {
            if key_pos > 0 && i + sub == key_pos && rng.chance(3, 4) {
                if rng.chance(9, 10) {
                    pick_str(rng, FIXTURE_KEYS)
                } else {
                    pick_str(rng, MISSING_KEYS)
                }
            } else {
                random_arg(rng, spec, pools)
            }
        })
        .collect()
}

fn as_f64(a: &[u8]) -> Option<f64> {
    std::str::from_utf8(a).ok()?.parse::<f64>().ok()
}

fn as_i64(a: &[u8]) -> Option<i64> {
    std::str::from_utf8(a).ok()?.parse::<i64>().ok()
}

/// Keeps the vector finite in time and memory (see the module comment).
fn sanitize(spec: &Spec, argv: &mut [Vec<u8>]) {
    let name = spec.name();
    let n = argv.len();
    if spec.flags.contains("blocking") {
        let valid_timeout = |a: &[u8]| {
            a.starts_with(b"0x")
                || a.starts_with(b"0X")
                || as_f64(a).is_some_and(|f| (0.0..1e15).contains(&f))
        };
        match name.as_str() {
            "blmpop" | "bzmpop" => {
                if n > 1 && valid_timeout(&argv[1]) {
                    argv[1] = b"0.01".to_vec();
                }
            }
            "xread" | "xreadgroup" => {
                for i in 1..n {
                    if upper(&argv[i - 1]) == b"BLOCK" && as_i64(&argv[i]).is_some_and(|v| v >= 0) {
                        argv[i] = b"10".to_vec();
                    }
                }
            }
            _ => {
                if n > 1 && valid_timeout(&argv[n - 1]) {
                    argv[n - 1] = b"0.01".to_vec();
                }
            }
        }
    }
    if matches!(
        name.as_str(),
        "srandmember" | "spop" | "hrandfield" | "zrandmember"
    ) {
        for a in argv.iter_mut().skip(1) {
            if let Some(v) = as_i64(a) {
                if v.unsigned_abs() > 1000 && v.unsigned_abs() < (i64::MAX / 2) as u64 {
                    *a = if v < 0 {
                        b"-1000".to_vec()
                    } else {
                        b"1000".to_vec()
                    };
                }
            }
        }
    }
    if matches!(name.as_str(), "setbit" | "setrange" | "bitfield") {
        for a in argv.iter_mut().skip(1) {
            if as_i64(a).is_some_and(|v| (65537..1 << 32).contains(&v)) {
                *a = b"4294967296".to_vec();
            }
        }
    }
}

type Replies = Vec<Vec<u8>>;

struct Fuzz {
    pair: DiffPair,
    rng: SeedRng,
    history: Vec<String>,
    step: usize,
    /// Commands the reference did not refuse.
    successes: usize,
    /// Per command: sent, not refused.
    tally: HashMap<String, (usize, usize)>,
    /// `OXIDIS_FUZZ_COLLECT=1`: record reply mismatches (a few per command) and go on, to see
    /// everything at once; the test still fails at the end.
    collect: Option<HashMap<String, Vec<String>>>,
}

fn shown(argv: &[Vec<u8>]) -> String {
    argv.iter()
        .map(|a| format!("\"{}\"", escape(a)))
        .collect::<Vec<_>>()
        .join(" ")
}

const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

impl Fuzz {
    fn set_timeouts(&mut self) {
        self.pair.subject_conn.set_timeout(REPLY_TIMEOUT);
        self.pair.reference_conn.set_timeout(REPLY_TIMEOUT);
    }

    fn fail(&self, what: &str) -> ! {
        let from = self.history.len().saturating_sub(15);
        panic!(
            "args fuzz (OXIDIS_SEED={}) failed at step {}:\n{what}\nlast commands:\n  {}\n\
             subject log tail:\n{}",
            self.rng.seed(),
            self.step,
            self.history[from..].join("\n  "),
            self.pair.subject.log_tail(12)
        );
    }

    /// Sends `cmds` in one write to both; returns both reply lists, reading until `until`
    /// returns true for a reply (or one reply per command when `until` is None).
    fn exchange(
        &mut self,
        cmds: &[Vec<Vec<u8>>],
        until: Option<&[u8]>,
    ) -> Option<(Replies, Replies)> {
        let mut req = Vec::new();
        for c in cmds {
            req.extend_from_slice(&encode_command(c));
        }
        let ref_ok = self.pair.reference_conn.try_send(&req).is_ok();
        let sub_ok = self.pair.subject_conn.try_send(&req).is_ok();
        let read_all = |conn: &mut RawConn| -> Result<Vec<Vec<u8>>, String> {
            let mut out = Vec::new();
            match until {
                None => {
                    for _ in cmds {
                        out.push(conn.try_read_reply()?);
                    }
                }
                Some(end) => {
                    for _ in 0..1000 {
                        let r = conn.try_read_reply()?;
                        let done = r == end;
                        out.push(r);
                        if done {
                            break;
                        }
                    }
                }
            }
            Ok(out)
        };
        let r = if ref_ok {
            read_all(&mut self.pair.reference_conn)
        } else {
            Err("write failed".into())
        };
        let s = if sub_ok {
            read_all(&mut self.pair.subject_conn)
        } else {
            Err("write failed".into())
        };
        match (s, r) {
            (Ok(s), Ok(r)) => Some((s, r)),
            (Err(se), Err(_)) => {
                // Both closed (QUIT, CLIENT KILL): still alive?
                let mut probe = self.pair.subject.conn();
                if probe.try_send(&encode_command(&["PING"])).is_err()
                    || probe.try_read_reply().is_err()
                {
                    self.fail(&format!("subject died: {se}"));
                }
                self.pair.reconnect();
                self.set_timeouts();
                None
            }
            (Err(se), Ok(_)) => self.fail(&format!("subject: {se}")),
            (Ok(_), Err(re)) => self.fail(&format!("reference: {re} (subject kept going)")),
        }
    }

    fn both_ignore(&mut self, cmds: &[Vec<Vec<u8>>]) {
        let _ = self.exchange(cmds, None);
    }

    fn check_state_and_rebuild(&mut self) {
        let (s, r) = match self.exchange(
            &[
                args(&["SELECT", "0"]),
                args(&["KEYS", "*"]),
                args(&["DBSIZE"]),
            ],
            None,
        ) {
            Some(x) => x,
            None => return self.rebuild(),
        };
        for (i, norm) in [Norm::Exact, Norm::Unordered, Norm::Exact]
            .into_iter()
            .enumerate()
        {
            if let Err(e) = compare_replies(&s[i], &r[i], norm) {
                self.fail(&format!("keyspaces differ: {e}"));
            }
        }
        let keys: Vec<Vec<u8>> = parse_reply(&r[1])
            .as_array()
            .unwrap_or(&[])
            .iter()
            .filter_map(|k| k.as_bytes().map(|b| b.to_vec()))
            .collect();
        let cmds: Vec<Vec<Vec<u8>>> = keys
            .iter()
            .map(|k| vec![b"TYPE".to_vec(), k.clone()])
            .collect();
        if let Some((s, r)) = self.exchange(&cmds, None) {
            for (i, k) in keys.iter().enumerate() {
                if s[i] != r[i] {
                    self.fail(&format!(
                        "TYPE {} differs: subject \"{}\" reference \"{}\"",
                        escape(k),
                        escape(&s[i]),
                        escape(&r[i])
                    ));
                }
            }
        }
        self.rebuild();
    }

    fn rebuild(&mut self) {
        // A third of the segments run in RESP3.
        let mut cmds = vec![args(&["RESET"])];
        if self.rng.chance(1, 3) {
            cmds.push(args(&["HELLO", "3"]));
        }
        let skip = cmds.len();
        cmds.push(args(&["FLUSHALL"]));
        cmds.extend(fixture_commands());
        let Some((s, r)) = self.exchange(&cmds, None) else {
            return self.rebuild();
        };
        if s[skip..] != r[skip..] {
            self.fail("fixture replies differ");
        }
    }

    /// Sends one fuzzed command and compares.
    fn run_one(&mut self, spec: &Spec, argv: Vec<Vec<u8>>) {
        self.history.push(shown(&argv));
        let norm = norm_for(spec, &argv);
        let plan = plan_for(spec, &argv);
        let mut cmds = vec![argv.clone()];
        if plan.reset_after {
            cmds.push(args(&["RESET"]));
        }
        // Now and then inside MULTI/EXEC, for commands whose reply is deterministic.
        let in_multi = matches!(norm, Norm::Exact)
            && !plan.reset_after
            && !plan.rebuild_after
            && !spec.flags.contains("blocking")
            && !matches!(
                spec.name().as_str(),
                "multi" | "exec" | "discard" | "watch" | "quit" | "reset" | "client|kill"
            )
            && self.rng.chance(1, 10);
        if in_multi {
            cmds = vec![args(&["MULTI"]), argv.clone(), args(&["EXEC"])];
        }
        let until = plan.reset_after.then_some(&b"+RESET\r\n"[..]);
        let t0 = Instant::now();
        let Some((s, r)) = self.exchange(&cmds, until) else {
            return self.rebuild();
        };
        if t0.elapsed() > Duration::from_millis(500) {
            eprintln!("slow ({:?}): {}", t0.elapsed(), shown(&argv));
        }
        if std::env::var("OXIDIS_FUZZ_TRACE").is_ok_and(|t| t == spec.name()) {
            eprintln!("{} -> {}", shown(&argv), escape(&r[0]));
        }
        let tally = self.tally.entry(spec.name()).or_default();
        tally.0 += 1;
        if !is_error(&r[0]) {
            self.successes += 1;
            tally.1 += 1;
        }
        if s.len() != r.len() {
            self.fail(&format!(
                "command {}: {} replies from the subject, {} from the reference",
                shown(&argv),
                s.len(),
                r.len()
            ));
        }
        for (sr, rr) in s.iter().zip(&r) {
            if let Err(e) = compare_replies(sr, rr, norm) {
                let what = format!(
                    "command {}{}:\n  {e}",
                    shown(&argv),
                    if in_multi { " (in MULTI/EXEC)" } else { "" }
                );
                match &mut self.collect {
                    Some(found) => {
                        let seen = found.entry(spec.name()).or_default();
                        if seen.len() < 3 {
                            seen.push(what);
                        }
                        return self.rebuild();
                    }
                    None => self.fail(&what),
                }
            }
        }
        if let Some(key) = plan.ttl_key {
            let c = vec![b"PTTL".to_vec(), key.clone()];
            if let Some((s, r)) = self.exchange(&[c], None) {
                let short = |x: &[u8]| {
                    parse_reply(x)
                        .as_int()
                        .is_some_and(|t| (0..3_600_000).contains(&t))
                };
                if short(&s[0]) || short(&r[0]) {
                    self.both_ignore(&[vec![b"DEL".to_vec(), key]]);
                }
            }
        }
        if plan.rebuild_after && !is_error(&r[0]) {
            self.rebuild();
        }
    }
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_command_with_random_arguments_replies_as_redis() {
    fuzz(&[], 5000);
}

/// The same with encoding limits of one element, so that the small fixture values take the
/// big encodings (hashtable, skiplist, quicklist of single-entry nodes) and every write may
/// convert one.
#[test]
fn every_command_with_random_arguments_and_tiny_encodings_replies_as_redis() {
    fuzz(
        &[
            "--hash-max-listpack-entries",
            "1",
            "--zset-max-listpack-entries",
            "1",
            "--set-max-intset-entries",
            "1",
            "--list-max-listpack-size",
            "1",
        ],
        2000,
    );
}

fn fuzz(server_args: &[&str], default_total: usize) {
    let total = env_usize("OXIDIS_FUZZ_COMMANDS", default_total);
    let secs = env_usize("OXIDIS_FUZZ_SECS", 50) as u64;
    let rng = SeedRng::from_env();
    let mut pair = DiffPair::with_args(server_args);
    // Debug builds under a loaded machine: a reply may take seconds (PFSELFTEST); a hung
    // server still fails the test.
    pair.subject_conn.set_timeout(REPLY_TIMEOUT);
    pair.reference_conn.set_timeout(REPLY_TIMEOUT);
    let specs = load_specs(&mut pair.subject_conn);
    assert!(specs.len() > 100, "only {} commands listed", specs.len());
    let mut fz = Fuzz {
        pair,
        rng,
        history: Vec::new(),
        step: 0,
        successes: 0,
        tally: HashMap::new(),
        collect: std::env::var("OXIDIS_FUZZ_COLLECT")
            .is_ok_and(|v| v == "1")
            .then(HashMap::new),
    };
    fz.rebuild();
    // Valid DUMP payloads of the fixture's values, for RESTORE.
    let dumps: Vec<Vec<u8>> = FIXTURE_KEYS
        .iter()
        .filter_map(|k| {
            parse_reply(&fz.pair.reference_conn.cmd(&["DUMP", k]))
                .as_bytes()
                .map(|b| b.to_vec())
        })
        .collect();
    let pools = Pools { dumps };
    let start = Instant::now();
    let mut order: Vec<usize> = Vec::new();
    // PFSELFTEST takes seconds in a debug build: once, in the default variant only.
    let mut ran_selftest = !server_args.is_empty();
    while fz.step < total && start.elapsed() < Duration::from_secs(secs) {
        if order.is_empty() {
            order = (0..specs.len()).collect();
            // Fisher-Yates, so every command comes once per round.
            for i in (1..order.len()).rev() {
                let j = fz.rng.below(i as u64 + 1) as usize;
                order.swap(i, j);
            }
        }
        let spec = &specs[order.pop().unwrap_or(0)];
        let mut argv = spec.path.clone();
        if spec.is_container && fz.rng.chance(1, 10) {
            // An unknown subcommand, or none.
            if fz.rng.chance(1, 2) {
                argv.push(random_arg(&mut fz.rng, spec, &pools));
            }
        } else if spec.is_container {
            // Containers are exercised through their subcommands' specs.
            continue;
        } else if spec.name() == "command|getkeys" || spec.name() == "command|getkeysandflags" {
            // A fuzzed vector of another command.
            if fz.rng.chance(4, 5) {
                let other = &specs[fz.rng.below(specs.len() as u64) as usize];
                argv.extend(other.path.iter().cloned());
                argv.extend(gen_args(&mut fz.rng, other, &pools));
            } else {
                argv.extend(gen_args(&mut fz.rng, spec, &pools));
            }
        } else {
            argv.extend(gen_args(&mut fz.rng, spec, &pools));
        }
        // A random "subcommand" that happens to be a real one is compared as that one.
        let spec = match argv.get(1) {
            Some(sub) if spec.is_container => {
                let full = format!(
                    "{}|{}",
                    spec.name(),
                    String::from_utf8_lossy(sub).to_lowercase()
                );
                specs.iter().find(|s| s.name() == full).unwrap_or(spec)
            }
            _ => spec,
        };
        if spec.name() == "pfselftest" && argv.len() == 1 {
            if ran_selftest {
                continue;
            }
            ran_selftest = true;
        }
        sanitize(spec, &mut argv);
        fz.run_one(spec, argv);
        fz.step += 1;
        if fz.step.is_multiple_of(16) {
            fz.check_state_and_rebuild();
        }
    }
    fz.check_state_and_rebuild();
    eprintln!(
        "args fuzz: {} commands ({} not refused) over {} specs in {:?}",
        fz.step,
        fz.successes,
        specs.len(),
        start.elapsed()
    );
    if let Some(found) = &fz.collect {
        let mut never: Vec<&String> = fz
            .tally
            .iter()
            .filter(|(_, t)| t.1 == 0)
            .map(|(n, _)| n)
            .collect();
        never.sort();
        eprintln!("always refused: {never:?}");
        let mut names: Vec<&String> = found.keys().collect();
        names.sort();
        for n in &names {
            eprintln!("== {n}");
            for w in &found[*n] {
                eprintln!("{w}");
            }
        }
        assert!(
            names.is_empty(),
            "{} commands mismatched (OXIDIS_SEED={})",
            names.len(),
            fz.rng.seed()
        );
    }
    let log = fz.pair.subject.log();
    assert!(
        !log.contains("panicked"),
        "the subject logged a panic (OXIDIS_SEED={}):\n{}",
        fz.rng.seed(),
        fz.pair.subject.log_tail(40)
    );
}
