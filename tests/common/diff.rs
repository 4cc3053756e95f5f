//! Differential testing: the same commands go to oxidis and to real redis-server, and the raw
//! replies must be byte-identical.
//!
//! - [`DiffPair::new`] starts the subject (oxidis, or redis under `OXIDIS_TEST_TARGET=redis`) and
//!   the reference (redis-server); [`DiffPair::reference_pair`] starts two redis-servers, which is
//!   how the harness and the scripts themselves are validated.
//! - [`DiffPair::check`] / [`check_unordered`](DiffPair::check_unordered) /
//!   [`check_with`](DiffPair::check_with) panic on a mismatch with both replies escaped;
//!   [`DiffPair::compare`] and [`compare_replies`] report it instead.
//! - [`Norm`]: normalisations for replies Redis itself leaves unordered or random.
//! - [`DiffPair::run_script`]: the `tests/diff/*.txt` format (see [`parse_script`]).
//! - [`DiffPair::run_random`]: seeded random sequences from [`super::rng::Generator`]s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::conn::RawConn;
use super::resp::{encode_command, escape, split_frame};
use super::rng::{pick_generator, GenCmd, Generator, SeedRng};
use super::server::TestServer;

/// How two replies are compared.
#[derive(Clone, Copy, Debug)]
pub enum Norm {
    /// Byte-identical.
    Exact,
    /// Top-level aggregate elements compared as a sorted multiset (SMEMBERS, KEYS); map
    /// (`%`) entries are sorted as key/value pairs.
    Unordered,
    /// Like `Unordered`, but a top-level `*` array is taken as key/value pairs (RESP2 HGETALL,
    /// CONFIG GET with a glob).
    UnorderedPairs,
    /// Every aggregate at every depth sorted as a multiset.
    UnorderedDeep,
    /// Same frame type, and same element count (aggregates) or length (bulk strings): for
    /// random replies (SRANDMEMBER, SPOP, RANDOMKEY).
    TypeAndLen,
    /// Same frame type only (INFO, TIME-like replies).
    TypeOnly,
    /// Sent to both, replies not compared (use sparingly: only to apply side effects).
    Ignore,
    /// A custom comparison of (subject, reference) returning a reason on mismatch.
    Custom(fn(&[u8], &[u8]) -> Result<(), String>),
}

/// Canonical form of a reply: aggregates' elements sorted (at the top level, or at every depth).
fn canonical(raw: &[u8], deep: bool, pairs: bool) -> Vec<u8> {
    let Some((header, elems)) = split_frame(raw) else {
        return raw.to_vec();
    };
    let child = |e: &[u8]| {
        if deep {
            canonical(e, true, false)
        } else {
            e.to_vec()
        }
    };
    let as_pairs = header.first() == Some(&b'%') || (pairs && header.first() == Some(&b'*'));
    let mut units: Vec<Vec<u8>> = if as_pairs && elems.len() % 2 == 0 {
        elems
            .chunks(2)
            .map(|c| c.iter().flat_map(|e| child(e)).collect())
            .collect()
    } else {
        elems.iter().map(|e| child(e)).collect()
    };
    units.sort();
    let mut out = header.to_vec();
    for u in units {
        out.extend_from_slice(&u);
    }
    out
}

/// Type byte plus element count or bulk length, e.g. `*3` or `$5`.
fn type_and_len(raw: &[u8]) -> Vec<u8> {
    match raw.first() {
        Some(b'$' | b'*' | b'~' | b'%' | b'>' | b'=' | b'!') => {
            let end = raw.iter().position(|&b| b == b'\r').unwrap_or(raw.len());
            raw[..end].to_vec()
        }
        Some(&t) => vec![t],
        None => Vec::new(),
    }
}

/// Compares a subject reply with a reference reply under `norm`; `Err` explains the mismatch.
pub fn compare_replies(subject: &[u8], reference: &[u8], norm: Norm) -> Result<(), String> {
    let same = |a: Vec<u8>, b: Vec<u8>, what: &str| {
        if a == b {
            Ok(())
        } else {
            Err(format!(
                "{what} differ: subject \"{}\" vs reference \"{}\"",
                escape(&a),
                escape(&b)
            ))
        }
    };
    match norm {
        Norm::Exact => same(subject.to_vec(), reference.to_vec(), "replies"),
        Norm::Unordered => same(
            canonical(subject, false, false),
            canonical(reference, false, false),
            "sorted replies",
        ),
        Norm::UnorderedPairs => same(
            canonical(subject, false, true),
            canonical(reference, false, true),
            "pair-sorted replies",
        ),
        Norm::UnorderedDeep => same(
            canonical(subject, true, false),
            canonical(reference, true, false),
            "deep-sorted replies",
        ),
        Norm::TypeAndLen => same(
            type_and_len(subject),
            type_and_len(reference),
            "types/lengths",
        ),
        Norm::TypeOnly => same(
            subject.first().copied().into_iter().collect(),
            reference.first().copied().into_iter().collect(),
            "types",
        ),
        Norm::Ignore => Ok(()),
        Norm::Custom(f) => f(subject, reference),
    }
}

/// A reply mismatch, with everything needed to reproduce it.
#[derive(Debug)]
pub struct Mismatch {
    pub cmd: Vec<Vec<u8>>,
    pub norm: Norm,
    pub subject: Vec<u8>,
    pub reference: Vec<u8>,
    pub reason: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cmd: Vec<String> = self
            .cmd
            .iter()
            .map(|a| format!("\"{}\"", escape(a)))
            .collect();
        write!(
            f,
            "reply mismatch ({:?})\n  command:   {}\n  subject:   \"{}\"\n  reference: \"{}\"\n  {}",
            self.norm,
            cmd.join(" "),
            escape(&self.subject),
            escape(&self.reference),
            self.reason
        )
    }
}

/// Splits a line into arguments like `redis-cli` (Redis's `sdssplitargs`): whitespace
/// separates; `"..."` understands `\n \r \t \b \a \\ \" \xHH`; `'...'` understands only `\'`;
/// a closing quote must be followed by whitespace or the end of the line.
pub fn split_args(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let b = line.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let is_space = |c: u8| matches!(c, b' ' | b'\n' | b'\r' | b'\t' | 0x0b | 0x0c);
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while at(i).is_some_and(is_space) {
            i += 1;
        }
        if i >= b.len() {
            return Ok(out);
        }
        let mut cur = Vec::new();
        let (mut in_dq, mut in_sq) = (false, false);
        loop {
            let Some(c) = at(i) else {
                if in_dq || in_sq {
                    return Err(format!("unbalanced quotes in {line:?}"));
                }
                break;
            };
            if in_dq {
                if c == b'\\' && at(i + 1) == Some(b'x') {
                    if let (Some(h), Some(l)) = (at(i + 2).and_then(hex), at(i + 3).and_then(hex)) {
                        cur.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && at(i + 1).is_some() {
                    let e = at(i + 1).unwrap_or(b'\\');
                    cur.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if at(i + 1).is_some_and(|n| !is_space(n)) {
                        return Err(format!(
                            "closing quote must be followed by a space: {line:?}"
                        ));
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
            } else if in_sq {
                if c == b'\\' && at(i + 1) == Some(b'\'') {
                    cur.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if at(i + 1).is_some_and(|n| !is_space(n)) {
                        return Err(format!(
                            "closing quote must be followed by a space: {line:?}"
                        ));
                    }
                    i += 1;
                    break;
                }
                cur.push(c);
            } else if is_space(c) {
                break;
            } else if c == b'"' {
                in_dq = true;
            } else if c == b'\'' {
                in_sq = true;
            } else {
                cur.push(c);
            }
            i += 1;
        }
        out.push(cur);
    }
}

/// One step of a diff script.
#[derive(Clone, Debug)]
pub enum ScriptStep {
    /// Send `args` to both servers and compare under `norm`.
    Cmd { args: Vec<Vec<u8>>, norm: Norm },
    /// `@sleep <ms>`: pause (e.g. to let keys expire on both).
    Sleep(Duration),
    /// `@reconnect`: replace both connections with fresh ones.
    Reconnect,
}

/// Parses the diff-script format into `(line number, step)` pairs.
///
/// One command per line, arguments split like `redis-cli` ([`split_args`]). Blank lines and
/// lines starting with `#` are ignored. An optional prefix picks the comparison:
/// `~` [`Norm::Unordered`], `~~` [`Norm::UnorderedDeep`], `%` [`Norm::UnorderedPairs`],
/// `?` [`Norm::TypeAndLen`], `??` [`Norm::TypeOnly`], `!` [`Norm::Ignore`]; no prefix is
/// [`Norm::Exact`]. Directives: `@sleep <ms>`, `@reconnect`.
pub fn parse_script(text: &str) -> Result<Vec<(usize, ScriptStep)>, String> {
    let mut steps = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let lineno = idx + 1;
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(dir) = line.strip_prefix('@') {
            let mut it = dir.split_ascii_whitespace();
            let step = match (it.next(), it.next(), it.next()) {
                (Some("sleep"), Some(ms), None) => ms
                    .parse::<u64>()
                    .ok()
                    .filter(|&ms| ms <= 10_000)
                    .map(|ms| ScriptStep::Sleep(Duration::from_millis(ms)))
                    .ok_or_else(|| format!("line {lineno}: bad @sleep {ms:?} (0..=10000 ms)"))?,
                (Some("reconnect"), None, None) => ScriptStep::Reconnect,
                _ => return Err(format!("line {lineno}: unknown directive {line:?}")),
            };
            steps.push((lineno, step));
            continue;
        }
        let (norm, rest) = [
            ("~~", Norm::UnorderedDeep),
            ("~", Norm::Unordered),
            ("%", Norm::UnorderedPairs),
            ("??", Norm::TypeOnly),
            ("?", Norm::TypeAndLen),
            ("!", Norm::Ignore),
        ]
        .iter()
        .find_map(|(p, n)| line.strip_prefix(p).map(|r| (*n, r)))
        .unwrap_or((Norm::Exact, line));
        let args = split_args(rest).map_err(|e| format!("line {lineno}: {e}"))?;
        if args.is_empty() {
            return Err(format!("line {lineno}: prefix without a command"));
        }
        steps.push((lineno, ScriptStep::Cmd { args, norm }));
    }
    Ok(steps)
}

/// `tests/diff` in the source tree.
pub fn diff_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("diff")
}

/// The `*.txt` scripts in `dir`, sorted by name (empty if the dir does not exist).
pub fn script_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "txt"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// A subject server and a reference server, with one connection to each.
pub struct DiffPair {
    pub subject: TestServer,
    pub reference: TestServer,
    pub subject_conn: RawConn,
    pub reference_conn: RawConn,
}

impl DiffPair {
    /// oxidis (or redis under `OXIDIS_TEST_TARGET=redis`) against redis-server.
    pub fn new() -> DiffPair {
        Self::with_args(&[])
    }

    /// Both servers started with the same extra flags.
    pub fn with_args(extra: &[&str]) -> DiffPair {
        let reference = TestServer::redis(extra);
        Self::from_servers(TestServer::oxidis(extra), reference)
    }

    /// Two redis-servers: validates the harness and scripts against the reference itself.
    pub fn reference_pair() -> DiffPair {
        Self::from_servers(TestServer::redis(&[]), TestServer::redis(&[]))
    }

    pub fn from_servers(subject: TestServer, reference: TestServer) -> DiffPair {
        let subject_conn = subject.conn();
        let reference_conn = reference.conn();
        DiffPair {
            subject,
            reference,
            subject_conn,
            reference_conn,
        }
    }

    /// Turns on every keyspace event class (`KEA`) on both servers and returns a subscriber
    /// to db 0's keyspace and keyevent channels on each: (subject, reference).
    pub fn event_subscribers(&mut self) -> (RawConn, RawConn) {
        self.check(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
        let mut subs = (self.subject.conn(), self.reference.conn());
        for s in [&mut subs.0, &mut subs.1] {
            s.send(&encode_command(&["PSUBSCRIBE", "__key*@0__:*"]));
            s.read_reply();
        }
        subs
    }

    /// Replaces both connections with fresh ones.
    pub fn reconnect(&mut self) {
        self.subject_conn = self.subject.conn();
        self.reference_conn = self.reference.conn();
    }

    /// Sends `cmd` to both and compares under `norm`; returns the reference reply on success.
    /// Sends `cmd` to both and returns (subject reply, reference reply) without comparing.
    pub fn raw_both<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> (Vec<u8>, Vec<u8>) {
        let request = encode_command(cmd);
        self.subject_conn.send(&request);
        self.reference_conn.send(&request);
        (
            self.subject_conn.read_reply(),
            self.reference_conn.read_reply(),
        )
    }

    pub fn compare<A: AsRef<[u8]>>(&mut self, cmd: &[A], norm: Norm) -> Result<Vec<u8>, Mismatch> {
        let request = encode_command(cmd);
        let shown = || {
            cmd.iter()
                .map(|a| format!("\"{}\"", escape(a.as_ref())))
                .collect::<Vec<_>>()
                .join(" ")
        };
        if let Err(e) = self.subject_conn.try_send(&request) {
            panic!("command {}: subject: write failed: {e}", shown());
        }
        if let Err(e) = self.reference_conn.try_send(&request) {
            panic!("command {}: reference: write failed: {e}", shown());
        }
        let subject = self
            .subject_conn
            .try_read_reply()
            .unwrap_or_else(|e| panic!("command {}: subject: {e}", shown()));
        let reference = self
            .reference_conn
            .try_read_reply()
            .unwrap_or_else(|e| panic!("command {}: reference: {e}", shown()));
        match compare_replies(&subject, &reference, norm) {
            Ok(()) => Ok(reference),
            Err(reason) => Err(Mismatch {
                cmd: cmd.iter().map(|a| a.as_ref().to_vec()).collect(),
                norm,
                subject,
                reference,
                reason,
            }),
        }
    }

    /// Byte-identical replies or panic; returns the reply.
    pub fn check<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Vec<u8> {
        self.check_with(cmd, Norm::Exact)
    }

    /// `check` with the command split on ASCII whitespace.
    pub fn check_str(&mut self, line: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split_ascii_whitespace().map(str::as_bytes).collect();
        self.check(&args)
    }

    /// Replies equal as sorted multisets of top-level elements.
    pub fn check_unordered<A: AsRef<[u8]>>(&mut self, cmd: &[A]) -> Vec<u8> {
        self.check_with(cmd, Norm::Unordered)
    }

    pub fn check_with<A: AsRef<[u8]>>(&mut self, cmd: &[A], norm: Norm) -> Vec<u8> {
        self.compare(cmd, norm).unwrap_or_else(|m| panic!("{m}"))
    }

    /// Sends the same raw bytes (inline commands, malformed protocol, pipelines) to both and
    /// compares the next `replies` replies one by one, then whether each side closed.
    pub fn check_raw(&mut self, bytes: &[u8], replies: usize) {
        self.subject_conn.send(bytes);
        self.reference_conn.send(bytes);
        for i in 0..replies {
            let s = self.subject_conn.read_reply();
            let r = self.reference_conn.read_reply();
            if let Err(reason) = compare_replies(&s, &r, Norm::Exact) {
                panic!(
                    "raw request \"{}\": reply {i} differs: {reason}",
                    escape(bytes)
                );
            }
        }
        let (sc, rc) = (
            self.subject_conn
                .is_closed_within(Duration::from_millis(200)),
            self.reference_conn
                .is_closed_within(Duration::from_millis(200)),
        );
        assert_eq!(
            sc,
            rc,
            "raw request \"{}\": subject closed={sc}, reference closed={rc}",
            escape(bytes)
        );
    }

    /// Runs a diff script (see [`parse_script`]); `name` labels failures.
    pub fn run_script_named(&mut self, name: &str, text: &str) {
        let steps = parse_script(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        for (lineno, step) in steps {
            match step {
                ScriptStep::Sleep(d) => std::thread::sleep(d),
                ScriptStep::Reconnect => self.reconnect(),
                ScriptStep::Cmd { args, norm } => {
                    if let Err(m) = self.compare(&args, norm) {
                        panic!("{name}:{lineno}: {m}");
                    }
                }
            }
        }
    }

    pub fn run_script(&mut self, text: &str) {
        self.run_script_named("<script>", text);
    }

    pub fn run_script_file(&mut self, path: &Path) {
        let text = std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
        self.run_script_named(&path.display().to_string(), &text);
    }

    /// Sends `n` commands drawn from `gens` to both and compares each; on a mismatch panics with
    /// the seed, the step, the generator and the last commands sent.
    pub fn run_random(&mut self, rng: &mut SeedRng, gens: &[Generator], n: usize) {
        self.run_random_checked(rng, gens, n, |_, _| Ok(()));
    }

    /// As [`DiffPair::run_random`], then runs `after(pair, command)` after every step: an
    /// `Err` (e.g. encodings that differ) fails with the same seed and history report.
    pub fn run_random_checked(
        &mut self,
        rng: &mut SeedRng,
        gens: &[Generator],
        n: usize,
        mut after: impl FnMut(&mut DiffPair, &GenCmd) -> Result<(), String>,
    ) {
        let mut history: Vec<String> = Vec::new();
        for step in 0..n {
            let g = pick_generator(rng, gens);
            let c = g.generate(rng);
            history.push(
                c.args
                    .iter()
                    .map(|a| format!("\"{}\"", escape(a)))
                    .collect::<Vec<_>>()
                    .join(" "),
            );
            let result = self
                .compare(&c.args, c.norm)
                .map_err(|m| m.to_string())
                .and_then(|_| after(self, &c));
            if let Err(m) = result {
                let from = history.len().saturating_sub(20);
                panic!(
                    "random sequence (OXIDIS_SEED={}) failed at step {step} (generator {}):\n{m}\n\
                     last commands:\n  {}",
                    rng.seed(),
                    g.name,
                    history[from..].join("\n  ")
                );
            }
        }
    }
}
