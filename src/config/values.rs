//! Directive metadata (`Directive`, `Kind`, flags) and the value types of the
//! directives. Every field type of [`super::Config`] implements [`ConfValue`]:
//! how it is parsed (`CONFIG SET` and config file), printed (`CONFIG GET`) and
//! rewritten (`CONFIG REWRITE`), with Redis's exact error texts. The behaviour
//! follows Redis 7.0 `config.c` type by type (bool, numeric, string, enum and
//! the special configs).

use super::rewrite::Rewriter;
use super::text::{
    cat_repr, fmt_f_trimmed, fmt_memory, memtoull, string2d, string2ll, strtoll_full,
};
use std::path::PathBuf;

/// Cannot be changed with `CONFIG SET`.
pub const IMMUTABLE: u32 = 1 << 0;
/// Value is redacted from SLOWLOG/MONITOR when set.
pub const SENSITIVE: u32 = 1 << 1;
/// Not matched by glob patterns in `CONFIG GET` (exact name only).
pub const HIDDEN: u32 = 1 << 2;
/// Settable only when `enable-protected-configs` allows it.
pub const PROTECTED: u32 = 1 << 3;
/// `CONFIG SET` refused while loading.
pub const DENY_LOADING: u32 = 1 << 4;
/// Takes several arguments (file) / a space-separated value (`CONFIG SET`).
pub const MULTI_ARG: u32 = 1 << 5;
/// Included in Redis's debug info dump (informational).
pub const DEBUG: u32 = 1 << 6;
/// Plain modifiable directive (no flag).
pub const MODIFIABLE: u32 = 0;

/// Numeric value accepts memory units (`1gb`), printed as plain bytes.
pub const NUM_MEMORY: u8 = 1;
/// Numeric value accepts `N%`, stored as `-N`.
pub const NUM_PERCENT: u8 = 2;
/// Numeric value is octal (`unixsocketperm`).
pub const NUM_OCTAL: u8 = 4;

/// Bounds and formatting of a numeric directive. `min`/`max` hold the C
/// `long long` bit pattern (`u64::MAX` is stored as `-1` with `unsigned`).
#[derive(Debug, Clone, Copy)]
pub struct Num {
    pub min: i64,
    pub max: i64,
    pub flags: u8,
    /// Unsigned C type (`unsigned int`, `size_t`, `unsigned long long`):
    /// bounds are compared and printed as unsigned.
    pub unsigned: bool,
}

/// Extra validation of a bool directive (error text on refusal).
pub type BoolCheck = fn(bool) -> Result<(), &'static str>;
/// Extra validation of a string directive (error text on refusal).
pub type StrCheck = fn(&[u8]) -> Result<(), &'static str>;

/// Type-specific parameters of a directive (the value type itself is the
/// field's Rust type).
#[derive(Clone, Copy)]
pub enum Kind {
    Bool(Option<BoolCheck>),
    Num(Num),
    Str(Option<StrCheck>),
    Enum,
    Special,
}

/// One row of the directive table.
pub struct Directive {
    pub name: &'static str,
    pub alias: Option<&'static str>,
    pub flags: u32,
    pub kind: Kind,
}

/// State shared by the `set` calls of one load or one `CONFIG SET`.
#[derive(Default)]
pub struct SetCtx {
    /// True while reading a config file (affects `save`).
    pub reading_file: bool,
    /// A `save` line was already seen in this load (the first one resets the
    /// compiled-in defaults; later ones append).
    pub save_loaded: bool,
}

/// How a field type is parsed, printed and rewritten.
pub trait ConfValue {
    /// The `CONFIG GET` text.
    fn get(&self, d: &Directive) -> Vec<u8>;
    /// Parses and stores `args`. `Ok(true)` when the value changed.
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], ctx: &mut SetCtx) -> Result<bool, String>;
    /// Emits the rewrite line(s) given the compiled-in default.
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter);
}

fn first(args: &[Vec<u8>]) -> &[u8] {
    args.first().map(|a| a.as_slice()).unwrap_or(b"")
}

fn line(name: &str, rest: &[u8]) -> Vec<u8> {
    let mut l = name.as_bytes().to_vec();
    l.push(b' ');
    l.extend_from_slice(rest);
    l
}

fn line_repr(name: &str, v: &[u8]) -> Vec<u8> {
    let mut l = name.as_bytes().to_vec();
    l.push(b' ');
    cat_repr(&mut l, v);
    l
}

// ---------------------------------------------------------------- bool

impl ConfValue for bool {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        if *self {
            b"yes".to_vec()
        } else {
            b"no".to_vec()
        }
    }
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let a = first(args);
        let v = if a.eq_ignore_ascii_case(b"yes") {
            true
        } else if a.eq_ignore_ascii_case(b"no") {
            false
        } else {
            return Err("argument must be 'yes' or 'no'".into());
        };
        if let Kind::Bool(Some(valid)) = d.kind {
            valid(v)?;
        }
        let changed = *self != v;
        *self = v;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        rw.line(d.name, line(d.name, &self.get(d)), self != default);
    }
}

// ---------------------------------------------------------------- numbers

fn num_of(d: &Directive) -> Num {
    match d.kind {
        Kind::Num(n) => n,
        _ => Num {
            min: i64::MIN,
            max: i64::MAX,
            flags: 0,
            unsigned: false,
        },
    }
}

/// Redis `numericParseString` + `numericBoundaryCheck`.
fn parse_num(n: Num, s: &[u8]) -> Result<i64, String> {
    let mut parsed = None;
    if n.flags & NUM_MEMORY != 0 {
        parsed = memtoull(s).map(|v| v as i64);
    }
    if parsed.is_none() && n.flags & NUM_PERCENT != 0 && s.len() > 1 && s.ends_with(b"%") {
        if let Some(v) = string2ll(&s[..s.len() - 1]).filter(|v| *v >= 0) {
            parsed = Some(-v);
        }
    }
    if parsed.is_none() && n.flags & NUM_OCTAL != 0 {
        parsed = strtoll_full(s, 8).filter(|_| !s.is_empty());
    }
    if parsed.is_none() && n.flags == 0 {
        parsed = string2ll(s);
    }
    let v = match parsed {
        Some(v) => v,
        None => {
            return Err(if n.flags & NUM_MEMORY != 0 && n.flags & NUM_PERCENT != 0 {
                "argument must be a memory or percent value"
            } else if n.flags & NUM_MEMORY != 0 {
                "argument must be a memory value"
            } else if n.flags & NUM_OCTAL != 0 {
                "argument couldn't be parsed as an octal number"
            } else {
                "argument couldn't be parsed into an integer"
            }
            .into())
        }
    };
    if n.unsigned {
        let (u, lo, hi) = (v as u64, n.min as u64, n.max as u64);
        if u > hi || u < lo {
            return Err(if n.flags & NUM_OCTAL != 0 {
                format!("argument must be between {lo:o} and {hi:o} inclusive")
            } else {
                format!("argument must be between {lo} and {hi} inclusive")
            });
        }
    } else if n.flags & NUM_PERCENT != 0 && v < 0 {
        if v < n.min {
            return Err(format!(
                "percentage argument must be less or equal to {}",
                n.min.wrapping_neg()
            ));
        }
    } else if v > n.max || v < n.min {
        return Err(format!(
            "argument must be between {} and {} inclusive",
            n.min, n.max
        ));
    }
    Ok(v)
}

fn get_num(n: Num, v: i64) -> Vec<u8> {
    if n.flags & NUM_PERCENT != 0 && v < 0 {
        format!("{}%", v.wrapping_neg())
    } else if n.flags & NUM_MEMORY != 0 {
        (v as u64).to_string()
    } else if n.flags & NUM_OCTAL != 0 {
        format!("{v:o}")
    } else {
        v.to_string()
    }
    .into_bytes()
}

fn rewrite_num(n: Num, v: i64, default: i64, name: &str, rw: &mut Rewriter) {
    if n.flags & NUM_PERCENT != 0 && v < 0 {
        // Redis compares the positive percentage with the default (sic).
        let p = v.wrapping_neg();
        rw.line(name, line(name, format!("{p}%").as_bytes()), p != default);
    } else if n.flags & NUM_MEMORY != 0 {
        rw.line(name, line(name, fmt_memory(v).as_bytes()), v != default);
    } else if n.flags & NUM_OCTAL != 0 {
        rw.line(name, line(name, format!("{v:o}").as_bytes()), v != default);
    } else {
        rw.line(name, line(name, v.to_string().as_bytes()), v != default);
    }
}

impl ConfValue for i64 {
    fn get(&self, d: &Directive) -> Vec<u8> {
        get_num(num_of(d), *self)
    }
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let v = parse_num(num_of(d), first(args))?;
        let changed = *self != v;
        *self = v;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        rewrite_num(num_of(d), *self, *default, d.name, rw);
    }
}

impl ConfValue for u64 {
    fn get(&self, d: &Directive) -> Vec<u8> {
        get_num(num_of(d), *self as i64)
    }
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let v = parse_num(num_of(d), first(args))? as u64;
        let changed = *self != v;
        *self = v;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        rewrite_num(num_of(d), *self as i64, *default as i64, d.name, rw);
    }
}

// ---------------------------------------------------------------- strings

fn validate_str(d: &Directive, v: &[u8]) -> Result<(), String> {
    if let Kind::Str(Some(valid)) = d.kind {
        valid(v)?;
    }
    Ok(())
}

/// A string directive where the empty string means "not set".
impl ConfValue for Option<Vec<u8>> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.clone().unwrap_or_default()
    }
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let a = first(args);
        validate_str(d, a)?;
        let new = if a.is_empty() { None } else { Some(a.to_vec()) };
        let changed = *self != new;
        *self = new;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        match self {
            None => rw.mark(d.name),
            Some(v) => rw.line(d.name, line_repr(d.name, v), default.as_ref() != Some(v)),
        }
    }
}

/// A string directive where the empty string is a value.
impl ConfValue for Vec<u8> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.clone()
    }
    fn set(&mut self, d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let a = first(args);
        validate_str(d, a)?;
        let changed = self.as_slice() != a;
        *self = a.to_vec();
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        rw.line(d.name, line_repr(d.name, self), self != default);
    }
}

// ---------------------------------------------------------------- enums

fn enum_error(names: &[&str]) -> String {
    let mut s = format!(
        "argument(s) must be one of the following: {}",
        names.join(", ")
    );
    s.truncate(255); // Redis formats into a 256-byte buffer.
    s
}

/// Declares a Rust enum backed by a Redis `configEnum` table. A variant may
/// have several accepted names; the first is the one printed.
macro_rules! config_enum {
    ($(#[$m:meta])* $vis:vis enum $ty:ident { $($var:ident = $($nm:literal)|+),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $ty { $($var),+ }
        impl $ty {
            /// Accepted names in Redis's table order.
            pub const NAMES: &'static [(&'static str, $ty)] = &[$($(($nm, $ty::$var)),+),+];
            /// The name `CONFIG GET` prints.
            pub fn name(self) -> &'static str {
                match self { $($ty::$var => [$($nm),+][0]),+ }
            }
        }
        impl ConfValue for $ty {
            fn get(&self, _d: &Directive) -> Vec<u8> {
                self.name().as_bytes().to_vec()
            }
            fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
                let found = match args {
                    [a] => Self::NAMES.iter().find(|(n, _)| a.eq_ignore_ascii_case(n.as_bytes())),
                    _ => None,
                };
                match found {
                    Some((_, v)) => {
                        let changed = *self != *v;
                        *self = *v;
                        Ok(changed)
                    }
                    None => Err(enum_error(&Self::NAMES.iter().map(|(n, _)| *n).collect::<Vec<_>>())),
                }
            }
            fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
                rw.line(d.name, line(d.name, self.name().as_bytes()), self != default);
            }
        }
    };
}

config_enum!(
    pub enum MaxmemoryPolicy {
        VolatileLru = "volatile-lru",
        VolatileLfu = "volatile-lfu",
        VolatileRandom = "volatile-random",
        VolatileTtl = "volatile-ttl",
        AllkeysLru = "allkeys-lru",
        AllkeysLfu = "allkeys-lfu",
        AllkeysRandom = "allkeys-random",
        Noeviction = "noeviction",
    }
);
config_enum!(
    pub enum SyslogFacility {
        User = "user",
        Local0 = "local0",
        Local1 = "local1",
        Local2 = "local2",
        Local3 = "local3",
        Local4 = "local4",
        Local5 = "local5",
        Local6 = "local6",
        Local7 = "local7",
    }
);
config_enum!(
    pub enum LogLevel {
        Debug = "debug",
        Verbose = "verbose",
        Notice = "notice",
        Warning = "warning",
    }
);
config_enum!(
    pub enum Supervised {
        Upstart = "upstart",
        Systemd = "systemd",
        Auto = "auto",
        No = "no",
    }
);
config_enum!(
    pub enum AppendFsync {
        Everysec = "everysec",
        Always = "always",
        No = "no",
    }
);
config_enum!(
    pub enum ReplDisklessLoad {
        Disabled = "disabled",
        OnEmptyDb = "on-empty-db",
        Swapdb = "swapdb",
    }
);
config_enum!(
    pub enum TlsAuthClients {
        No = "no",
        Yes = "yes",
        Optional = "optional",
    }
);
config_enum!(
    pub enum OomScoreAdj {
        No = "no",
        Relative = "yes" | "relative",
        Absolute = "absolute",
    }
);
config_enum!(
    pub enum AclPubsubDefault {
        AllChannels = "allchannels",
        ResetChannels = "resetchannels",
    }
);
config_enum!(
    pub enum SanitizeDumpPayload {
        No = "no",
        Yes = "yes",
        Clients = "clients",
    }
);
config_enum!(
    /// `enable-protected-configs`, `enable-debug-command`, `enable-module-command`.
    pub enum ProtectedAction {
        No = "no",
        Yes = "yes",
        Local = "local",
    }
);
config_enum!(
    pub enum ClusterEndpointType {
        Ip = "ip",
        Hostname = "hostname",
        UnknownEndpoint = "unknown-endpoint",
    }
);
config_enum!(
    pub enum PropagationErrorBehavior {
        Ignore = "ignore",
        Panic = "panic",
        PanicOnReplicas = "panic-on-replicas",
    }
);

/// `shutdown-on-sigint` / `shutdown-on-sigterm`: a set of flags
/// (`default` = 0, `save`, `nosave`, `now`, `force`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShutdownFlags(pub u32);

impl ShutdownFlags {
    pub const SAVE: u32 = 1;
    pub const NOSAVE: u32 = 2;
    pub const NOW: u32 = 4;
    pub const FORCE: u32 = 8;
    const NAMES: &'static [(&'static str, u32)] = &[
        ("default", 0),
        ("save", 1),
        ("nosave", 2),
        ("now", 4),
        ("force", 8),
    ];

    fn name(self) -> String {
        let mut names: Vec<&str> = Vec::new();
        let mut unmatched = self.0;
        for &(n, v) in Self::NAMES {
            if self.0 == v {
                return n.to_string();
            }
            if v != 0 && v == unmatched & v {
                names.push(n);
                unmatched &= !v;
            }
        }
        if names.is_empty() || unmatched != 0 {
            return "unknown".into();
        }
        names.join(" ")
    }
}

impl ConfValue for ShutdownFlags {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.name().into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let names: Vec<&str> = Self::NAMES.iter().map(|(n, _)| *n).collect();
        if args.is_empty() {
            return Err(enum_error(&names));
        }
        let mut v = 0;
        for a in args {
            match Self::NAMES
                .iter()
                .find(|(n, _)| a.eq_ignore_ascii_case(n.as_bytes()))
            {
                Some((_, f)) => v |= f,
                None => return Err(enum_error(&names)),
            }
        }
        if v & Self::SAVE != 0 && v & Self::NOSAVE != 0 {
            return Err("shutdown options SAVE and NOSAVE can't be used simultaneously".into());
        }
        let changed = self.0 != v;
        self.0 = v;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        rw.line(
            d.name,
            line(d.name, self.name().as_bytes()),
            self != default,
        );
    }
}

// ---------------------------------------------------------------- special configs

/// `dir`: the absolute working directory. Setting it only validates and
/// resolves the path; the server performs the `chdir`.
impl ConfValue for PathBuf {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.to_string_lossy().into_owned().into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        let raw = String::from_utf8_lossy(first(args)).into_owned();
        let target = self.join(&raw);
        let resolved = match std::fs::canonicalize(&target) {
            Ok(p) if p.is_dir() => p,
            Ok(_) => return Err("Not a directory".into()),
            Err(e) => return Err(strerror(&e)),
        };
        // Redis reports success (1) for every chdir, changed or not.
        *self = resolved;
        Ok(true)
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        rw.line(
            d.name,
            line_repr(d.name, self.to_string_lossy().as_bytes()),
            true,
        );
    }
}

/// The C `strerror` text of an I/O error (without Rust's " (os error N)").
pub fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// `save`: `(seconds, changes)` pairs.
impl ConfValue for Vec<(i64, i64)> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        let parts: Vec<String> = self.iter().map(|(s, c)| format!("{s} {c}")).collect();
        parts.join(" ").into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], ctx: &mut SetCtx) -> Result<bool, String> {
        let args: &[Vec<u8>] = if args.len() == 1 && args[0].is_empty() {
            &[]
        } else {
            args
        };
        if args.len() % 2 == 1 {
            return Err("Invalid save parameters".into());
        }
        let mut vals = Vec::with_capacity(args.len());
        for (j, a) in args.iter().enumerate() {
            match strtoll_full(a, 10) {
                Some(v) if (j % 2 == 0 && v >= 1) || (j % 2 == 1 && v >= 0) => vals.push(v),
                _ => return Err("Invalid save parameters".into()),
            }
        }
        // In a config file the first `save` line replaces the defaults and the
        // following ones append; CONFIG SET always replaces.
        if !ctx.reading_file || !ctx.save_loaded {
            self.clear();
            ctx.save_loaded = true;
        }
        // Redis stores `changes` in an int.
        self.extend(vals.chunks(2).map(|p| (p[0], i64::from(p[1] as i32))));
        Ok(true)
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        if self.is_empty() {
            rw.line(d.name, b"save \"\"".to_vec(), true);
        } else {
            for (s, c) in self {
                rw.line(d.name, format!("save {s} {c}").into_bytes(), true);
            }
        }
        rw.mark(d.name);
    }
}

/// One class of `client-output-buffer-limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObufLimit {
    pub hard_limit_bytes: u64,
    pub soft_limit_bytes: u64,
    pub soft_limit_seconds: i64,
}

/// Index of each class in [`ObufLimits`].
pub const OBUF_NORMAL: usize = 0;
pub const OBUF_REPLICA: usize = 1;
pub const OBUF_PUBSUB: usize = 2;
const OBUF_NAMES: [&str; 3] = ["normal", "slave", "pubsub"];

/// `client-output-buffer-limit` for the normal, replica and pubsub classes.
pub type ObufLimits = [ObufLimit; 3];

impl ConfValue for ObufLimits {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        let parts: Vec<String> = self
            .iter()
            .zip(OBUF_NAMES)
            .map(|(l, n)| {
                format!(
                    "{n} {} {} {}",
                    l.hard_limit_bytes, l.soft_limit_bytes, l.soft_limit_seconds
                )
            })
            .collect();
        parts.join(" ").into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if !args.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut new = *self;
        for a in args.chunks(4) {
            let class = match a[0].to_ascii_lowercase().as_slice() {
                b"normal" => OBUF_NORMAL,
                b"slave" | b"replica" => OBUF_REPLICA,
                b"pubsub" => OBUF_PUBSUB,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    )
                }
            };
            let (hard, soft) = (memtoull(&a[1]), memtoull(&a[2]));
            let secs = strtoll_full(&a[3], 10);
            match (hard, soft, secs) {
                (Some(h), Some(s), Some(t)) if t >= 0 => {
                    new[class] = ObufLimit {
                        hard_limit_bytes: h,
                        soft_limit_bytes: s,
                        soft_limit_seconds: i64::from(t as i32),
                    };
                }
                _ => {
                    return Err(
                        "Error in hard, soft or soft_seconds setting in buffer limit \
                                configuration."
                            .into(),
                    )
                }
            }
        }
        *self = new;
        Ok(true)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        for (j, l) in self.iter().enumerate() {
            let force = *l != default[j];
            let class = if j == OBUF_REPLICA {
                "replica"
            } else {
                OBUF_NAMES[j]
            };
            let text = format!(
                "{} {class} {} {} {}",
                d.name,
                fmt_memory(l.hard_limit_bytes as i64),
                fmt_memory(l.soft_limit_bytes as i64),
                l.soft_limit_seconds
            );
            rw.line(d.name, text.into_bytes(), force);
        }
    }
}

/// `oom-score-adj-values`: master, replica, background child.
impl ConfValue for [i64; 3] {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        format!("{} {} {}", self[0], self[1], self[2]).into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if args.len() != 3 {
            return Err("wrong number of arguments".into());
        }
        let mut vals = [0i64; 3];
        for (v, a) in vals.iter_mut().zip(args) {
            match strtoll_full(a, 10) {
                Some(x) if (-2000..=2000).contains(&x) => *v = x,
                _ => {
                    return Err(
                        "Invalid oom-score-adj-values, elements must be between -2000 \
                                and 2000."
                            .into(),
                    )
                }
            }
        }
        let changed = *self != vals;
        *self = vals;
        Ok(changed)
    }
    fn rewrite(&self, default: &Self, d: &Directive, rw: &mut Rewriter) {
        let text = format!("{} {} {} {}", d.name, self[0], self[1], self[2]);
        rw.line(d.name, text.into_bytes(), self != default);
    }
}

/// `notify-keyspace-events` flags (Redis `NOTIFY_*` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyspaceEvents(pub u32);

impl KeyspaceEvents {
    pub const KEYSPACE: u32 = 1 << 0;
    pub const KEYEVENT: u32 = 1 << 1;
    pub const GENERIC: u32 = 1 << 2;
    pub const STRING: u32 = 1 << 3;
    pub const LIST: u32 = 1 << 4;
    pub const SET: u32 = 1 << 5;
    pub const HASH: u32 = 1 << 6;
    pub const ZSET: u32 = 1 << 7;
    pub const EXPIRED: u32 = 1 << 8;
    pub const EVICTED: u32 = 1 << 9;
    pub const STREAM: u32 = 1 << 10;
    pub const KEY_MISS: u32 = 1 << 11;
    pub const LOADED: u32 = 1 << 12;
    pub const MODULE: u32 = 1 << 13;
    pub const NEW: u32 = 1 << 14;
    /// `A`: every class except key-miss and new.
    pub const ALL: u32 = Self::GENERIC
        | Self::STRING
        | Self::LIST
        | Self::SET
        | Self::HASH
        | Self::ZSET
        | Self::EXPIRED
        | Self::EVICTED
        | Self::STREAM
        | Self::MODULE;

    /// Redis `keyspaceEventsStringToFlags`.
    pub fn parse(s: &[u8]) -> Option<u32> {
        let mut f = 0;
        for &c in s {
            f |= match c {
                b'A' => Self::ALL,
                b'g' => Self::GENERIC,
                b'$' => Self::STRING,
                b'l' => Self::LIST,
                b's' => Self::SET,
                b'h' => Self::HASH,
                b'z' => Self::ZSET,
                b'x' => Self::EXPIRED,
                b'e' => Self::EVICTED,
                b'K' => Self::KEYSPACE,
                b'E' => Self::KEYEVENT,
                b't' => Self::STREAM,
                b'm' => Self::KEY_MISS,
                b'd' => Self::MODULE,
                b'n' => Self::NEW,
                _ => return None,
            };
        }
        Some(f)
    }

    /// Redis `keyspaceEventsFlagsToString`.
    pub fn to_text(self) -> String {
        let f = self.0;
        let mut s = String::new();
        if f & Self::ALL == Self::ALL {
            s.push('A');
        } else {
            for (bit, c) in [
                (Self::GENERIC, 'g'),
                (Self::STRING, '$'),
                (Self::LIST, 'l'),
                (Self::SET, 's'),
                (Self::HASH, 'h'),
                (Self::ZSET, 'z'),
                (Self::EXPIRED, 'x'),
                (Self::EVICTED, 'e'),
                (Self::STREAM, 't'),
                (Self::MODULE, 'd'),
                (Self::NEW, 'n'),
            ] {
                if f & bit != 0 {
                    s.push(c);
                }
            }
        }
        for (bit, c) in [
            (Self::KEYSPACE, 'K'),
            (Self::KEYEVENT, 'E'),
            (Self::KEY_MISS, 'm'),
        ] {
            if f & bit != 0 {
                s.push(c);
            }
        }
        s
    }
}

impl ConfValue for KeyspaceEvents {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.to_text().into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if args.len() != 1 {
            return Err("wrong number of arguments".into());
        }
        match Self::parse(first(args)) {
            Some(f) => {
                self.0 = f;
                Ok(true)
            }
            None => Err("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
        }
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        rw.line(
            d.name,
            line_repr(d.name, self.to_text().as_bytes()),
            self.0 != 0,
        );
    }
}

/// The compiled-in `bind` addresses.
pub const DEFAULT_BIND: [&str; 2] = ["*", "-::*"];
const BINDADDR_MAX: usize = 16;

/// `bind`: listening addresses (`-` prefix = optional).
impl ConfValue for Vec<String> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        self.join(" ").into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if args.len() > BINDADDR_MAX {
            return Err("Too many bind addresses specified.".into());
        }
        let args: &[Vec<u8>] = if args.len() == 1 && args[0].is_empty() {
            &[]
        } else {
            args
        };
        *self = args
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        Ok(true)
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        if self.iter().map(String::as_str).eq(DEFAULT_BIND) {
            rw.mark(d.name);
            return;
        }
        let addrs = if self.is_empty() {
            "\"\"".to_string()
        } else {
            self.join(" ")
        };
        rw.line(d.name, format!("{} {addrs}", d.name).into_bytes(), true);
    }
}

/// `replicaof`: `(host, port)`, `None` for a master.
impl ConfValue for Option<(String, i64)> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        match self {
            Some((h, p)) => format!("{h} {p}").into_bytes(),
            None => Vec::new(),
        }
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        if args.len() != 2 {
            return Err("wrong number of arguments".into());
        }
        *self = None;
        if args[0].eq_ignore_ascii_case(b"no") && args[1].eq_ignore_ascii_case(b"one") {
            return Ok(true);
        }
        match strtoll_full(&args[1], 10) {
            Some(p) if (0..=65535).contains(&p) && !args[1].is_empty() => {
                *self = Some((String::from_utf8_lossy(&args[0]).into_owned(), p));
                Ok(true)
            }
            _ => Err("Invalid master port".into()),
        }
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        match self {
            None => rw.mark(d.name),
            Some((h, p)) => rw.line(d.name, format!("{} {h} {p}", d.name).into_bytes(), true),
        }
    }
}

/// `latency-tracking-info-percentiles`.
impl ConfValue for Vec<f64> {
    fn get(&self, _d: &Directive) -> Vec<u8> {
        let parts: Vec<String> = self.iter().map(|v| fmt_f_trimmed(*v)).collect();
        parts.join(" ").into_bytes()
    }
    fn set(&mut self, _d: &Directive, args: &[Vec<u8>], _: &mut SetCtx) -> Result<bool, String> {
        let args: &[Vec<u8>] = if args.len() == 1 && args[0].is_empty() {
            &[]
        } else {
            args
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            let v = match string2d(a) {
                Some(v) => v,
                None => {
                    self.clear();
                    return Err("Invalid latency-tracking-info-percentiles parameters".into());
                }
            };
            if !(0.0..=100.0).contains(&v) {
                self.clear();
                return Err(
                    "latency-tracking-info-percentiles parameters should sit between \
                            [0.0,100.0]"
                        .into(),
                );
            }
            vals.push(v);
        }
        *self = vals;
        Ok(true)
    }
    fn rewrite(&self, _default: &Self, d: &Directive, rw: &mut Rewriter) {
        let mut l = d.name.to_string();
        if self.is_empty() {
            l.push_str(" \"\"");
        } else {
            for v in self {
                l.push(' ');
                l.push_str(&fmt_f_trimmed(*v));
            }
        }
        rw.line(d.name, l.into_bytes(), true);
    }
}

// ---------------------------------------------------------------- validators

/// Redis `pathIsBaseName`: no `/` (nor `\` on Windows builds).
fn is_base_name(v: &[u8]) -> bool {
    !v.contains(&b'/')
}

pub(super) fn valid_dbfilename(v: &[u8]) -> Result<(), &'static str> {
    if !is_base_name(v) {
        return Err("dbfilename can't be a path, just a filename");
    }
    Ok(())
}

pub(super) fn valid_appendfilename(v: &[u8]) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appendfilename can't be empty");
    }
    if !is_base_name(v) {
        return Err("appendfilename can't be a path, just a filename");
    }
    Ok(())
}

pub(super) fn valid_appenddirname(v: &[u8]) -> Result<(), &'static str> {
    if v.is_empty() {
        return Err("appenddirname can't be empty");
    }
    if !is_base_name(v) {
        return Err("appenddirname can't be a path, just a dirname");
    }
    Ok(())
}

pub(super) fn valid_hostname(v: &[u8]) -> Result<(), &'static str> {
    if v.len() >= 256 {
        return Err("Hostnames must be less than 256 characters");
    }
    if !v
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'.')
    {
        return Err("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
    Ok(())
}

/// Redis `validateProcTitleTemplate`: `{{`/`}}` escapes, only known
/// `{variables}`, and the expansion with an empty title must not be blank. We
/// approximate the expansion: literal text or an address/port variable makes it
/// non-blank (`{server-mode}`, `{unixsocket}`, `{config-file}` may be empty).
pub(super) fn valid_proc_title(v: &[u8]) -> Result<(), &'static str> {
    const ERR: &str = "template format is invalid or contains unknown variables";
    const VARS: [&[u8]; 7] = [
        b"title",
        b"listen-addr",
        b"server-mode",
        b"port",
        b"tls-port",
        b"unixsocket",
        b"config-file",
    ];
    let mut i = 0;
    let mut non_blank = false;
    while i < v.len() {
        match (v[i], v.get(i + 1)) {
            (b'{', Some(b'{')) | (b'}', Some(b'}')) => {
                non_blank = true;
                i += 2;
            }
            (b'{', _) => {
                let end = v[i..].iter().position(|&c| c == b'}').ok_or(ERR)?;
                let var = &v[i + 1..i + end];
                if !VARS.contains(&var) {
                    return Err(ERR);
                }
                non_blank |= matches!(var, b"listen-addr" | b"port" | b"tls-port");
                i += end + 1;
            }
            (b'}', _) => return Err(ERR),
            (c, _) => {
                non_blank |= c != b' ';
                i += 1;
            }
        }
    }
    if non_blank {
        Ok(())
    } else {
        Err(ERR)
    }
}

/// The reference build refuses active defragmentation (no defrag-capable
/// allocator), and so do we.
pub(super) fn valid_activedefrag(v: bool) -> Result<(), &'static str> {
    if v {
        return Err(
            "Active defragmentation cannot be enabled: it requires a Redis server \
                    compiled with a modified Jemalloc like the one shipped by default with the \
                    Redis source distribution",
        );
    }
    Ok(())
}
