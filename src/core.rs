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
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Wall-clock microseconds since the Unix epoch.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
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
    /// (db, key) → tokens of clients watching it.
    pub watched: HashMap<(usize, Vec<u8>), Vec<usize>>,
    /// Tokens whose WATCH was invalidated by the last command (flagged by the loop).
    pub cas_dirty: Vec<usize>,
    /// `CLIENT PAUSE`: until (ms) and whether only writes pause.
    pub pause: Option<(i64, bool)>,
    /// Active expiry may be disabled by `DEBUG SET-ACTIVE-EXPIRE 0`.
    pub active_expire: bool,
    /// Set when the loop should re-read listener config (bind/port changed).
    pub listeners_changed: bool,
    /// Absolute path of the config file, if started with one (for CONFIG REWRITE).
    pub config_file: Option<std::path::PathBuf>,
    pub executable: String,
    pub tcp_port: u16,
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
            watched: HashMap::new(),
            cas_dirty: Vec::new(),
            pause: None,
            active_expire: true,
            listeners_changed: false,
            config_file: None,
            executable: String::new(),
            tcp_port: 0,
        }
    }

    /// Redis's LRU clock: seconds, 24 bits.
    pub fn lru_clock(now_ms: i64) -> u32 {
        ((now_ms / 1000) as u32) & ((1 << 24) - 1)
    }

    /// Invalidates WATCHes on `key` (Redis `signalModifiedKey`).
    pub fn key_modified(&mut self, db: usize, key: &[u8]) {
        if self.watched.is_empty() {
            return;
        }
        if let Some(ws) = self.watched.get(&(db, key.to_vec())) {
            self.cas_dirty.extend_from_slice(ws);
        }
    }

    /// Invalidates every WATCH on `db` (FLUSHDB, SWAPDB) — or all dbs when `None`.
    pub fn db_modified(&mut self, db: Option<usize>) {
        for ((d, _), ws) in &self.watched {
            if db.is_none_or(|x| x == *d) {
                self.cas_dirty.extend_from_slice(ws);
            }
        }
    }
}
