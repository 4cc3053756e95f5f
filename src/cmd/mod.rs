//! Commands: the table, the dispatch gates and `call()`, and one file of handlers per group.
//!
//! Every command is declared once, as a row in its group's `COMMANDS` table binding a
//! handler to the metadata Redis 7.0.15 reports for it ([`meta`], generated). Dispatch,
//! `COMMAND INFO|DOCS|LIST|COUNT|GETKEYS`, stats and `docs/commands.md` all derive from
//! these rows. Handlers parse all arguments, then mutate, then reply; errors are values
//! ([`error::Error`]) that `call()` turns into exactly one reply.

pub mod args;
pub mod call;
pub mod error;
pub mod introspect;
pub mod keyspec;
pub mod meta;

pub mod bitmap;
pub mod config;
pub mod connection;
pub mod diag;
pub mod geo;
pub mod hash;
pub mod hll;
pub mod keys;
pub mod list;
pub mod persist;
pub mod pubsub;
pub mod server;
pub mod set;
pub mod sort;
pub mod stream;
pub mod string;
pub mod transaction;
pub mod zset;

use std::collections::HashMap;

pub use call::Ctx;
pub use error::{CmdResult, Error};

/// A handler: `argv[0]` is the command name as sent.
pub type Handler = fn(&mut Ctx, &[&[u8]]) -> CmdResult;

/// Command flags, as bits (names as Redis prints them in `COMMAND INFO`).
pub mod flag {
    pub const WRITE: u64 = 1 << 0;
    pub const READONLY: u64 = 1 << 1;
    pub const DENYOOM: u64 = 1 << 2;
    pub const MODULE: u64 = 1 << 3;
    pub const ADMIN: u64 = 1 << 4;
    pub const PUBSUB: u64 = 1 << 5;
    pub const NOSCRIPT: u64 = 1 << 6;
    pub const BLOCKING: u64 = 1 << 7;
    pub const LOADING: u64 = 1 << 8;
    pub const STALE: u64 = 1 << 9;
    pub const SKIP_MONITOR: u64 = 1 << 10;
    pub const SKIP_SLOWLOG: u64 = 1 << 11;
    pub const ASKING: u64 = 1 << 12;
    pub const FAST: u64 = 1 << 13;
    pub const NO_AUTH: u64 = 1 << 14;
    pub const MAY_REPLICATE: u64 = 1 << 15;
    pub const NO_MANDATORY_KEYS: u64 = 1 << 16;
    pub const NO_MULTI: u64 = 1 << 17;
    pub const MOVABLEKEYS: u64 = 1 << 18;
    pub const ALLOW_BUSY: u64 = 1 << 19;
    pub const NO_ASYNC_LOADING: u64 = 1 << 20;
    pub const SENTINEL: u64 = 1 << 21;
    pub const ONLY_SENTINEL: u64 = 1 << 22;

    /// In the order `COMMAND INFO` lists them (Redis's `addReplyCommandFlags`).
    pub const NAMES: &[(u64, &str)] = &[
        (WRITE, "write"),
        (READONLY, "readonly"),
        (DENYOOM, "denyoom"),
        (MODULE, "module"),
        (ADMIN, "admin"),
        (PUBSUB, "pubsub"),
        (NOSCRIPT, "noscript"),
        (BLOCKING, "blocking"),
        (LOADING, "loading"),
        (STALE, "stale"),
        (SKIP_MONITOR, "skip_monitor"),
        (SKIP_SLOWLOG, "skip_slowlog"),
        (ASKING, "asking"),
        (FAST, "fast"),
        (NO_AUTH, "no_auth"),
        (MAY_REPLICATE, "may_replicate"),
        (NO_MANDATORY_KEYS, "no_mandatory_keys"),
        (NO_ASYNC_LOADING, "no_async_loading"),
        (NO_MULTI, "no_multi"),
        (MOVABLEKEYS, "movablekeys"),
        (ALLOW_BUSY, "allow_busy"),
        (SENTINEL, "sentinel"),
        (ONLY_SENTINEL, "only_sentinel"),
    ];
}

/// ACL categories, as bits, in Redis's table order.
pub mod acl {
    pub const KEYSPACE: u64 = 1 << 0;
    pub const READ: u64 = 1 << 1;
    pub const WRITE: u64 = 1 << 2;
    pub const SET: u64 = 1 << 3;
    pub const SORTEDSET: u64 = 1 << 4;
    pub const LIST: u64 = 1 << 5;
    pub const HASH: u64 = 1 << 6;
    pub const STRING: u64 = 1 << 7;
    pub const BITMAP: u64 = 1 << 8;
    pub const HYPERLOGLOG: u64 = 1 << 9;
    pub const GEO: u64 = 1 << 10;
    pub const STREAM: u64 = 1 << 11;
    pub const PUBSUB: u64 = 1 << 12;
    pub const ADMIN: u64 = 1 << 13;
    pub const FAST: u64 = 1 << 14;
    pub const SLOW: u64 = 1 << 15;
    pub const BLOCKING: u64 = 1 << 16;
    pub const DANGEROUS: u64 = 1 << 17;
    pub const CONNECTION: u64 = 1 << 18;
    pub const TRANSACTION: u64 = 1 << 19;
    pub const SCRIPTING: u64 = 1 << 20;

    pub const NAMES: &[&str] = &[
        "keyspace",
        "read",
        "write",
        "set",
        "sortedset",
        "list",
        "hash",
        "string",
        "bitmap",
        "hyperloglog",
        "geo",
        "stream",
        "pubsub",
        "admin",
        "fast",
        "slow",
        "blocking",
        "dangerous",
        "connection",
        "transaction",
        "scripting",
    ];
}

/// What Redis 7.0.15 reports about one command or subcommand (generated into [`meta`]).
#[derive(Debug)]
pub struct Meta {
    /// Lower case; subcommands are `container|sub`.
    pub name: &'static str,
    /// N = exactly N arguments including the name; -N = at least N.
    pub arity: i32,
    pub flags: u64,
    pub first_key: i32,
    pub last_key: i32,
    pub step: i32,
    pub acl: u64,
    pub tips: &'static [&'static str],
    /// RESP3 bytes of the key-specs set.
    pub key_specs: &'static [u8],
    /// RESP3 bytes of the `COMMAND DOCS` map (without subcommands).
    pub docs: &'static [u8],
    pub group: &'static str,
    pub subcommands: &'static [&'static str],
}

/// One row of a command table: metadata, handler, and for containers their subcommands.
#[derive(Debug)]
pub struct Command {
    pub meta: &'static Meta,
    pub handler: Handler,
    pub subs: &'static [Command],
}

impl Command {
    pub const fn new(meta: &'static Meta, handler: Handler) -> Self {
        Command {
            meta,
            handler,
            subs: &[],
        }
    }

    /// A container (`CONFIG`, `CLIENT`, ...): dispatch goes to `subs` by `argv[1]`.
    pub const fn container(meta: &'static Meta, subs: &'static [Command]) -> Self {
        Command {
            meta,
            handler: call::container_without_sub,
            subs,
        }
    }

    /// A container that also runs on its own (`COMMAND` without a subcommand).
    pub const fn container_with(
        meta: &'static Meta,
        handler: Handler,
        subs: &'static [Command],
    ) -> Self {
        Command {
            meta,
            handler,
            subs,
        }
    }

    #[inline]
    pub fn has(&self, f: u64) -> bool {
        self.meta.flags & f != 0
    }

    pub fn name(&self) -> &'static str {
        self.meta.name
    }
}

/// Every command table, concatenated by the registry.
pub const TABLES: &[&[Command]] = &[
    connection::COMMANDS,
    keys::COMMANDS,
    string::COMMANDS,
    server::COMMANDS,
    diag::COMMANDS,
    config::COMMANDS,
    transaction::COMMANDS,
    list::COMMANDS,
    hash::COMMANDS,
    set::COMMANDS,
    zset::COMMANDS,
    bitmap::COMMANDS,
    hll::COMMANDS,
    stream::COMMANDS,
    persist::COMMANDS,
    sort::COMMANDS,
    geo::COMMANDS,
    pubsub::COMMANDS,
];

/// Per-command statistics for `INFO commandstats`.
#[derive(Debug, Default, Clone)]
pub struct CmdStat {
    pub calls: u64,
    pub usec: u64,
    pub rejected_calls: u64,
    pub failed_calls: u64,
    /// Latency distribution in ns (`LATENCY HISTOGRAM`), created on first call.
    pub hist: Option<hdrhistogram::Histogram<u64>>,
}

/// Name → command lookup, with a stable id per command/subcommand for stats.
pub struct Registry {
    by_name: NameMap,
    pub cmds: Vec<&'static Command>,
    /// For each id, its subcommands by lower-case name.
    subs: Vec<NameMap>,
    /// Top-level names and ids by [`bucket`] of the name: case-insensitive lookup without hashing.
    buckets: Vec<Vec<(&'static [u8], usize)>>,
}

/// Bucket of a command name: its length (up to 31) and first byte, case-folded.
#[inline]
fn bucket(name: &[u8]) -> usize {
    (name.len().min(31) << 5) | (name.first().map_or(0, |&b| b & 31) as usize)
}

/// Lower-case name → id. The table is fixed, so the fast `ahash` hasher replaces SipHash.
type NameMap = HashMap<Vec<u8>, usize, ahash::RandomState>;

impl Registry {
    pub fn new() -> Self {
        let mut r = Registry {
            by_name: NameMap::default(),
            cmds: Vec::new(),
            subs: Vec::new(),
            buckets: vec![Vec::new(); 32 * 32],
        };
        for table in TABLES {
            for c in table.iter() {
                let id = r.push(c);
                r.by_name.insert(c.meta.name.as_bytes().to_vec(), id);
                for s in c.subs {
                    let sid = r.push(s);
                    let short = s.meta.name.rsplit('|').next().unwrap_or(s.meta.name);
                    r.subs[id].insert(short.as_bytes().to_vec(), sid);
                }
            }
        }
        for (name, &id) in &r.by_name {
            r.buckets[bucket(name)].push((r.cmds[id].meta.name.as_bytes(), id));
        }
        r
    }

    fn push(&mut self, c: &'static Command) -> usize {
        self.cmds.push(c);
        self.subs.push(NameMap::default());
        self.cmds.len() - 1
    }

    /// Top-level command by name, case-insensitively.
    pub fn lookup(&self, name: &[u8]) -> Option<usize> {
        let b = &self.buckets[bucket(name)];
        b.iter()
            .find(|(n, _)| eq_folded(n, name))
            .map(|&(_, id)| id)
    }

    /// Subcommand of container `id`, case-insensitively.
    pub fn lookup_sub(&self, id: usize, name: &[u8]) -> Option<usize> {
        lookup_lower(&self.subs[id], name)
    }

    /// Resolves `argv` the way Redis's `lookupCommand` does: containers with an argument
    /// resolve to the subcommand (or `Err` when the subcommand is unknown).
    pub fn resolve(&self, argv: &[&[u8]]) -> Option<Result<usize, ()>> {
        let id = self.lookup(argv[0])?;
        if self.cmds[id].subs.is_empty() || argv.len() < 2 {
            return Some(Ok(id));
        }
        Some(self.lookup_sub(id, argv[1]).ok_or(()))
    }

    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Top-level commands, in table order.
    pub fn top_level(&self) -> impl Iterator<Item = (usize, &'static Command)> + '_ {
        self.by_name.values().map(move |&id| (id, self.cmds[id]))
    }
}

/// `name` equals the lower-case `lower` ignoring ASCII case (one pass, no case conversion
/// of `lower`).
#[inline]
fn eq_folded(lower: &[u8], name: &[u8]) -> bool {
    lower.len() == name.len()
        && lower
            .iter()
            .zip(name)
            .all(|(&l, &n)| l == n || (l.is_ascii_lowercase() && n | 0x20 == l))
}

/// Looks `name` up case-insensitively, lower-casing it on the stack (no allocation).
fn lookup_lower(map: &NameMap, name: &[u8]) -> Option<usize> {
    if name.len() > 64 {
        return None;
    }
    let mut buf = [0u8; 64];
    let lower = &mut buf[..name.len()];
    lower.copy_from_slice(name);
    lower.make_ascii_lowercase();
    map.get(&*lower).copied()
}

impl Default for Registry {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod lookup_tests {
    use super::Registry;

    #[test]
    fn lookup_finds_every_command_in_any_case() {
        let r = Registry::new();
        for (name, &id) in &r.by_name {
            assert_eq!(r.lookup(name), Some(id));
            assert_eq!(r.lookup(&name.to_ascii_uppercase()), Some(id));
            let mut mixed = name.clone();
            mixed[0] = mixed[0].to_ascii_uppercase();
            assert_eq!(r.lookup(&mixed), Some(id));
        }
        assert!(r.lookup(b"get").is_some());
        for bad in [&b""[..], b"gett", b"ge", b"\xc7et", b"g\x05t", &[b'g'; 100]] {
            assert_eq!(r.lookup(bad), None);
        }
    }

    #[test]
    fn only_letters_fold() {
        use super::eq_folded;
        assert!(eq_folded(b"client-x", b"CLIENT-X"));
        assert!(eq_folded(b"client-x", b"cLiEnT-x"));
        // '-' (0x2d) | 0x20 is itself, but '\r' (0x0d) | 0x20 is '-': no match.
        assert!(!eq_folded(b"client-x", b"CLIENT\rX"));
        assert!(!eq_folded(b"get", b"GE"));
        assert!(!eq_folded(b"get", b"\xc7ET"));
    }
}
