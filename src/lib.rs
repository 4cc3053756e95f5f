//! oxidis: a Redis-compatible server.
//!
//! Reading order:
//! - [`util`]: Redis-exact number parsing/formatting, glob matching, argument splitting.
//! - [`resp`]: the request parser (multibulk + inline) and the semantic reply writer (RESP2/RESP3).
//! - [`types`]: the data types and their encodings; they know nothing of clients or RESP.
//! - [`db`]: databases, the incrementally rehashed keyspace table, expiry.
//! - [`cmd`]: the command table, the dispatch gates and `call()`, and one file of handlers per group.
//! - [`client`]: per-connection state and buffers.
//! - [`evict`]: `maxmemory` eviction (the pool of candidates, the policies) and the OOM state.
//! - [`blocking`]: clients blocked on keys (BLPOP & co.), served after the command that fed them.
//! - [`server`]: the mio loop, listeners, cron.
//! - [`config`]: one table of `redis.conf` directives.
//! - [`persistence`]: RDB encoding/decoding and the fork-free snapshot.

pub mod alloc;
pub mod blocking;
pub mod client;
pub mod cmd;
pub mod config;
pub mod core;
pub mod db;
pub mod evict;
pub mod info;
pub mod listener;
pub mod logging;
pub mod notify;
pub mod persistence;
pub mod pubsub;
pub mod resp;
pub mod server;
pub mod types;
pub mod util;

#[global_allocator]
static GLOBAL: alloc::Counting = alloc::Counting;

/// The Redis version oxidis is compatible with, reported to clients.
pub const REDIS_VERSION: &str = "7.0.15";
/// oxidis's own version.
pub const OXIDIS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `redis-server`'s `main()`: argv and config, logging, load, then the loop. Returns the
/// process exit code.
pub fn run_main(argv: Vec<std::ffi::OsString>) -> i32 {
    let startup = match config::parse_argv(&argv) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return 1;
        }
    };
    if startup.show_version {
        println!("{}", version_line());
        return 0;
    }
    if startup.show_help {
        eprintln!("{}", USAGE);
        return 0;
    }
    let mut cfg = config::Config::default();
    if let Err(e) = cfg.load_startup(&startup) {
        eprintln!("{e}");
        return 1;
    }
    logging::init(&cfg);
    if let Err(e) = std::env::set_current_dir(&cfg.dir) {
        log::error!("Can't chdir to '{}': {e}", cfg.dir.display());
        return 1;
    }
    log::warn!("oxidis (Redis {REDIS_VERSION} compatible) version={OXIDIS_VERSION}, bits=64, pid={}, just started", std::process::id());
    if startup.config_path.is_none() {
        log::warn!("Warning: no config file specified, using the default config. In order to specify a config file use oxidis-server /path/to/redis.conf");
    }
    let mut core = core::Core::new(cfg);
    core.config_file = startup.config_path.clone();
    if let Err(msg) = persistence::snapshot::load_at_startup(&mut core) {
        log::error!("{msg}");
        return 1;
    }
    core.executable = argv
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut srv = match server::Server::new(core) {
        Ok(s) => s,
        Err(e) => {
            log::error!("{e}");
            return 1;
        }
    };
    log::info!("Ready to accept connections tcp");
    match srv.run() {
        Ok(()) => 0,
        Err(e) => {
            log::error!("{e}");
            1
        }
    }
}

/// What `--help` prints (redis-server's usage, with oxidis's binary name).
const USAGE: &str = "Usage: ./oxidis-server [/path/to/redis.conf] [options] [-]
       ./oxidis-server - (read config from stdin)
       ./oxidis-server -v or --version
       ./oxidis-server -h or --help

Examples:
       ./oxidis-server (run the server with default conf)
       echo 'maxmemory 128mb' | ./oxidis-server -
       ./oxidis-server /etc/redis/6379.conf
       ./oxidis-server --port 7777
       ./oxidis-server --port 7777 --replicaof 127.0.0.1 8888
       ./oxidis-server /etc/myredis.conf --loglevel verbose -
       ./oxidis-server /etc/myredis.conf --loglevel verbose
";

/// What `--version` prints.
pub fn version_line() -> String {
    format!("Redis server v={REDIS_VERSION} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=0 oxidis={OXIDIS_VERSION}")
}
