//! `Core`: everything the event loop owns besides the poll itself — databases, config,
//! the command registry and stats, connected clients, and the queues through which a
//! command affects other clients (applied by the loop right after the command).

use crate::client::Clients;
use crate::cmd::{CmdStat, Registry};
use crate::config::Config;
use crate::db::keyspace::Db;
use rand::rngs::SmallRng;
use rand::SeedableRng;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    now_us() / 1000
}

/// Wall-clock microseconds since the Unix epoch (read on every command: a bare
/// `clock_gettime`, without `SystemTime`'s checked conversions).
pub fn now_us() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec; CLOCK_REALTIME always exists.
    if unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) } != 0 {
        return SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
    }
    ts.tv_sec * 1_000_000 + ts.tv_nsec / 1000
}

/// Server-wide counters reported by `INFO stats`.
#[derive(Debug, Default)]
pub struct Stats {
    pub connections_received: u64,
    pub commands_processed: u64,
    pub rejected_connections: u64,
    pub expired_keys: u64,
    pub evicted_keys: u64,
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    pub error_replies: u64,
    pub unexpected_error_replies: u64,
    pub errorstats: BTreeMap<Vec<u8>, u64>,
    /// (time ms, commands processed) samples for `instantaneous_ops_per_sec`.
    pub ops_samples: VecDeque<(i64, u64)>,
    pub expire_cycle_cpu_ms: u64,
    pub reads_processed: u64,
    pub writes_processed: u64,
}

/// One `SLOWLOG` entry.
#[derive(Debug, Clone)]
pub struct SlowEntry {
    pub id: u64,
    pub time: i64,
    pub duration_us: i64,
    pub argv: Vec<Vec<u8>>,
    pub addr: String,
    pub name: Vec<u8>,
}

/// What a `SHUTDOWN` asked for.
#[derive(Debug, Clone, Copy, Default)]
pub struct ShutdownRequest {
    pub save: Option<bool>,
    pub now: bool,
    pub force: bool,
}

/// Effects a command has on other clients, applied by the loop after the command.
#[derive(Debug)]
pub enum Effect {
    /// Close this client (CLIENT KILL) once its pending output is flushed.
    Kill(usize),
}

/// One latency-monitor event class: the last 160 samples (time s, ms) and the maximum.
#[derive(Debug, Default)]
pub struct LatencyEvent {
    pub samples: VecDeque<(i64, i64)>,
    pub max: i64,
}

/// The latency monitor (`LATENCY LATEST|HISTORY|RESET|DOCTOR|GRAPH`).
#[derive(Debug, Default)]
pub struct Latency {
    pub events: BTreeMap<String, LatencyEvent>,
}

impl Latency {
    /// Adds a sample; samples in the same second keep the larger value (Redis's rule).
    pub fn add(&mut self, event: &str, now_s: i64, ms: i64) {
        let ev = self.events.entry(event.to_string()).or_default();
        ev.max = ev.max.max(ms);
        if let Some(last) = ev.samples.back_mut() {
            if last.0 == now_s {
                last.1 = last.1.max(ms);
                return;
            }
        }
        ev.samples.push_back((now_s, ms));
        if ev.samples.len() > 160 {
            ev.samples.pop_front();
        }
    }

    /// `LATENCY DOCTOR`'s report.
    pub fn doctor(&self, threshold: i64) -> String {
        if threshold == 0 && self.events.is_empty() {
            return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n".to_string();
        }
        if self.events.is_empty() {
            return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n".to_string();
        }
        let mut s = String::from("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        for (i, (name, ev)) in self.events.iter().enumerate() {
            let n = ev.samples.len() as i64;
            let avg = ev.samples.iter().map(|x| x.1).sum::<i64>() / n.max(1);
            let dev = ev.samples.iter().map(|x| (x.1 - avg).abs()).sum::<i64>() / n.max(1);
            let period = match (ev.samples.front(), ev.samples.back()) {
                (Some(a), Some(b)) if n > 1 => (b.0 - a.0) as f64 / (n - 1) as f64,
                _ => 0.0,
            };
            s.push_str(&format!(
                "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.\n",
                i + 1, name, n, avg, dev, period, ev.max
            ));
        }
        s.push_str("\nI have a few advices for you:\n\n- Check your system for slow commands with SLOWLOG GET and make sure they are expected.\n");
        s
    }

    /// `LATENCY GRAPH`: one column per sample, scaled to the maximum, newest last.
    pub fn graph(&self, event: &str, now_s: i64) -> Option<String> {
        let ev = self.events.get(event)?;
        let last = ev.samples.back()?;
        let max = ev.samples.iter().map(|x| x.1).max().unwrap_or(1).max(1);
        let min = ev.samples.iter().map(|x| x.1).min().unwrap_or(0);
        let mut s = format!(
            "{} - high {} ms, low {} ms (all time high {} ms)\n",
            event, max, min, ev.max
        );
        s.push_str(&"-".repeat(80));
        s.push('\n');
        for row in (0..4).rev() {
            for &(_, ms) in &ev.samples {
                let h = (ms * 4 + max - 1) / max;
                s.push(if h > row { '#' } else { ' ' });
            }
            s.push('\n');
        }
        let _ = (last, now_s);
        Some(s)
    }
}

pub struct Core {
    pub config: Config,
    pub dbs: Vec<Db>,
    pub registry: Registry,
    pub cmd_stats: Vec<CmdStat>,
    pub clients: Clients,
    pub stats: Stats,
    pub next_client_id: u64,
    /// Changes since the last save.
    pub dirty: u64,
    pub lastsave: i64,
    pub start_ms: i64,
    pub run_id: String,
    pub rng: SmallRng,
    pub effects: Vec<Effect>,
    pub shutdown: Option<ShutdownRequest>,
    pub slowlog: VecDeque<SlowEntry>,
    pub slowlog_next_id: u64,
    /// Tokens of MONITOR clients.
    pub monitors: Vec<usize>,
    /// Tokens of other clients that got output from this command (MONITOR feeds, ...);
    /// the loop writes them in `before_sleep`.
    pub wake_write: Vec<usize>,
    /// Tokens of clients whose next command waits for `CLIENT PAUSE` to end.
    pub paused_clients: Vec<usize>,
    /// (db, key) → tokens of clients watching it.
    pub watched: HashMap<(usize, Vec<u8>), Vec<usize>>,
    /// Clients blocked on keys and the keys signalled ready (see [`crate::blocking`]).
    pub blocking: crate::blocking::Blocking,
    /// Tokens whose WATCH was invalidated by the last command (flagged by the loop).
    pub cas_dirty: Vec<usize>,
    /// `CLIENT PAUSE`: until (ms) and whether only writes pause.
    pub pause: Option<(i64, bool)>,
    /// Active expiry may be disabled by `DEBUG SET-ACTIVE-EXPIRE 0`.
    pub active_expire: bool,
    /// Listeners bound by `CONFIG SET bind|port|...`, for the loop to swap in.
    pub new_listeners: Option<Vec<crate::listener::Listener>>,
    /// Absolute path of the config file, if started with one (for CONFIG REWRITE).
    pub config_file: Option<std::path::PathBuf>,
    pub executable: String,
    pub latency: Latency,
    /// `used_memory` right after start-up, and the highest seen (`INFO memory`).
    pub startup_memory: usize,
    pub peak_memory: usize,
    pub tcp_port: u16,
    /// Snapshot and persistence state (BGSAVE, save points, INFO persistence).
    pub rdb: crate::persistence::snapshot::RdbState,
    /// True while EXEC runs its queue (BGSAVE is then scheduled, as in Redis).
    pub in_exec: bool,
    /// Pub/sub subscription tables (see [`crate::pubsub`]).
    pub pubsub: crate::pubsub::PubSub,
    /// `maxmemory` eviction: the candidate pool and its state (see [`crate::evict`]).
    pub evict: crate::evict::EvictState,
}

impl Core {
    pub fn new(config: Config) -> Self {
        let registry = Registry::new();
        let n = registry.len();
        let dbs = (0..config.databases.max(1) as usize).map(Db::new).collect();
        let mut rng = SmallRng::from_entropy();
        let run_id: String = (0..40)
            .map(|_| {
                let v: u8 = rand::Rng::gen_range(&mut rng, 0..16);
                char::from_digit(v as u32, 16).unwrap_or('0')
            })
            .collect();
        let now = now_ms();
        Core {
            config,
            dbs,
            registry,
            cmd_stats: vec![CmdStat::default(); n],
            clients: Clients::default(),
            stats: Stats::default(),
            next_client_id: 1,
            dirty: 0,
            lastsave: now / 1000,
            start_ms: now,
            run_id,
            rng,
            effects: Vec::new(),
            shutdown: None,
            slowlog: VecDeque::new(),
            slowlog_next_id: 0,
            monitors: Vec::new(),
            wake_write: Vec::new(),
            paused_clients: Vec::new(),
            watched: HashMap::new(),
            blocking: Default::default(),
            cas_dirty: Vec::new(),
            pause: None,
            active_expire: true,
            new_listeners: None,
            config_file: None,
            executable: String::new(),
            latency: Latency::default(),
            startup_memory: crate::alloc::used(),
            peak_memory: crate::alloc::used(),
            tcp_port: 0,
            rdb: Default::default(),
            in_exec: false,
            pubsub: Default::default(),
            evict: Default::default(),
        }
    }

    /// Redis's LRU clock: seconds, 24 bits.
    pub fn lru_clock(now_ms: i64) -> u32 {
        ((now_ms / 1000) as u32) & ((1 << 24) - 1)
    }

    /// Invalidates WATCHes on `key` (Redis `signalModifiedKey`) and signals clients blocked
    /// on it (`signalKeyAsReady`; served after the command, see [`crate::blocking`]). Any
    /// code that creates or changes a key, in any db, must call it.
    pub fn key_modified(&mut self, db: usize, key: &[u8]) {
        self.blocking.signal_key_ready(db, key);
        if self.watched.is_empty() {
            return;
        }
        if let Some(ws) = self.watched.get(&(db, key.to_vec())) {
            self.cas_dirty.extend_from_slice(ws);
        }
    }

    /// A database is about to be emptied (FLUSHDB, FLUSHALL, DEBUG RELOAD) — or all dbs when
    /// `None`: invalidates the WATCHes on its keys that exist (Redis `signalFlushedDb`; a
    /// watched key that does not exist is not touched), and signals every key of `db` on
    /// which clients are blocked. Call it before emptying.
    pub fn db_modified(&mut self, db: Option<usize>) {
        self.blocking.signal_db(db);
        self.touch_watched_in_db(db, None);
    }

    /// SWAPDB `a` `b`: invalidates the WATCHes on keys of either database that exist in one
    /// of the two (Redis `touchAllWatchedKeysInDb` both ways), and signals the blocked keys.
    pub fn dbs_swapped(&mut self, a: usize, b: usize) {
        self.blocking.signal_db(Some(a));
        self.blocking.signal_db(Some(b));
        self.touch_watched_in_db(Some(a), Some(b));
        self.touch_watched_in_db(Some(b), Some(a));
    }

    /// `touchAllWatchedKeysInDb(emptied, replaced_with)`: WATCHes on keys of `db` (every db
    /// when `None`) that exist in `db` or in `other`.
    fn touch_watched_in_db(&mut self, db: Option<usize>, other: Option<usize>) {
        for ((d, k), ws) in &self.watched {
            if db.is_some_and(|x| x != *d) {
                continue;
            }
            let exists = |i: usize| {
                self.dbs
                    .get(i)
                    .is_some_and(|x| x.dict.contains_key(k.as_slice()))
            };
            if exists(*d) || other.is_some_and(exists) {
                self.cas_dirty.extend_from_slice(ws);
            }
        }
    }
}

impl Core {
    /// True if `CLIENT PAUSE` holds back a command with these flags at `now`
    /// (ALL: every command; WRITE: commands that may change data or replicate).
    pub fn pause_applies(&self, cmd_flags: u64, now: i64) -> bool {
        use crate::cmd::flag;
        match self.pause {
            Some((until, write_only)) if now < until => {
                !write_only || cmd_flags & (flag::WRITE | flag::MAY_REPLICATE) != 0
            }
            _ => false,
        }
    }

    /// Sends one executed command to every MONITOR client, as Redis's
    /// `replicationFeedMonitors` formats it.
    pub fn feed_monitors(&mut self, from: &crate::client::Client, argv: &[&[u8]]) {
        let us = now_us();
        let mut line =
            format!("+{}.{:06} [{} ", us / 1_000_000, us % 1_000_000, from.db).into_bytes();
        if from.has(crate::client::flags::UNIX) {
            line.extend_from_slice(b"unix:");
            line.extend_from_slice(from.laddr.as_bytes());
        } else {
            line.extend_from_slice(from.addr.as_bytes());
        }
        line.push(b']');
        for a in argv {
            line.push(b' ');
            crate::util::args::repr(a, &mut line);
        }
        line.extend_from_slice(b"\r\n");
        for &t in &self.monitors {
            if t == from.token {
                continue;
            }
            if let Some(m) = self.clients.get_mut(t) {
                m.out.raw(&line);
                self.wake_write.push(t);
            }
        }
    }
}

#[cfg(test)]
mod clock_tests {
    use super::{now_ms, now_us};
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn clock_reads_the_wall_clock() {
        let sys = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_micros() as i64;
        let us = now_us();
        assert!((us - sys).abs() < 5_000_000, "{us} vs {sys}");
        let ms = now_ms();
        assert!(ms >= us / 1000 && ms - us / 1000 < 5_000);
    }
}
