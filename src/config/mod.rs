//! The `redis.conf` directives of Redis 7.0.15, one row each.
//!
//! The `directives!` table below declares, per directive, the typed field of
//! [`Config`] the server reads (`cfg.port`, `cfg.hz`, `cfg.save`, ...), its
//! compiled-in default (what `redis-server` without a config file reports), its
//! name, alias, flags and type parameters. Everything else is derived from it:
//!
//! - [`Config::default`]: the compiled-in defaults (`dir` = the current directory).
//! - [`Config::load_str`] / [`Config::load_startup`]: config file text, `include`,
//!   and command-line `--name value` options ([`parse_argv`]), with Redis's
//!   fatal error texts.
//! - [`Config::get`] / [`Config::get_patterns`]: `CONFIG GET` name/value pairs,
//!   values printed exactly as Redis prints them.
//! - [`Config::set`] / [`Config::set_with`]: `CONFIG SET` with Redis 7.0
//!   multi-parameter semantics (all or nothing) and exact error texts. Returns
//!   the canonical names that changed; the server applies the side effects
//!   (re-bind, `chdir` for `dir`, resize backlog, ...).
//! - [`Config::rewrite`]: `CONFIG REWRITE`.
//!
//! Directives that are not settings (`include`, `rename-command`, `user`,
//! `loadmodule`, module `x.y` options) are stored in [`Config`] for the server.
//! Callers: `main.rs` (startup), the `CONFIG` command handlers, and every
//! subsystem that reads a setting.

mod load;
mod rewrite;
mod text;
mod values;

#[cfg(test)]
mod tests;

pub use load::{parse_argv, Startup};
pub use rewrite::SIGNATURE as REWRITE_SIGNATURE;
pub use values::*;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::OnceLock;

/// The version printed in fatal config errors.
pub const REDIS_VERSION: &str = "7.0.15";

/// `hz` is accepted in `0..=INT_MAX` but capped to this range when applied.
pub const CONFIG_MIN_HZ: i64 = 1;
pub const CONFIG_MAX_HZ: i64 = 500;

/// `CONFIG SET repl-backlog-size` raises smaller values to this.
pub const REPL_BACKLOG_MIN_SIZE: i64 = 16 * 1024;

const INT_MIN: i64 = i32::MIN as i64;
const INT_MAX: i64 = i32::MAX as i64;
const UINT_MAX: i64 = u32::MAX as i64;
const LONG_MAX: i64 = i64::MAX;
/// `ULLONG_MAX` as a `long long` bit pattern (used with unsigned bounds).
const ULLONG_MAX: i64 = -1;

const fn int(min: i64, max: i64) -> Kind {
    Kind::Num(Num {
        min,
        max,
        flags: 0,
        unsigned: false,
    })
}
const fn uint(min: i64, max: i64) -> Kind {
    Kind::Num(Num {
        min,
        max,
        flags: 0,
        unsigned: true,
    })
}
const fn mem(min: i64, max: i64) -> Kind {
    Kind::Num(Num {
        min,
        max,
        flags: NUM_MEMORY,
        unsigned: false,
    })
}
const fn umem(min: i64, max: i64) -> Kind {
    Kind::Num(Num {
        min,
        max,
        flags: NUM_MEMORY,
        unsigned: true,
    })
}
const BOOL: Kind = Kind::Bool(None);
const STR: Kind = Kind::Str(None);
const ENUM: Kind = Kind::Enum;
const SPECIAL: Kind = Kind::Special;

fn s(v: &str) -> Vec<u8> {
    v.as_bytes().to_vec()
}

fn cwd() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"))
}

/// Declares `Config` (one typed field per directive plus the non-setting
/// directives), its defaults, the `DIRECTIVES` table and the by-name dispatch
/// to each field's [`ConfValue`] implementation.
macro_rules! directives {
    ($( $(#[$m:meta])* $field:ident : $ty:ty = $def:expr => $name:literal $(| $alias:literal)?, $flags:expr, $kind:expr; )*) => {
        /// The server configuration: one typed field per directive.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            $( #[doc = concat!("`", $name, "`")] $(#[$m])* pub $field: $ty, )*
            /// `rename-command old new` lines (`new` empty = removed), in order.
            pub rename_commands: Vec<(Vec<u8>, Vec<u8>)>,
            /// `user` lines: the arguments after `user` (name first). The ACL
            /// layer keeps this current so that `CONFIG REWRITE` writes it back.
            pub users: Vec<Vec<Vec<u8>>>,
            /// `loadmodule path [args...]` lines.
            pub loadmodules: Vec<Vec<Vec<u8>>>,
            /// Module options (`module.name value`) queued at load time.
            pub module_configs: Vec<(Vec<u8>, Vec<u8>)>,
        }

        impl Default for Config {
            fn default() -> Config {
                Config {
                    $( $field: $def, )*
                    rename_commands: Vec::new(),
                    users: Vec::new(),
                    loadmodules: Vec::new(),
                    module_configs: Vec::new(),
                }
            }
        }

        /// Every directive, in Redis's table order.
        pub static DIRECTIVES: &[Directive] = &[
            $( Directive { name: $name, alias: directives!(@alias $($alias)?), flags: $flags, kind: $kind }, )*
        ];

        impl Config {
            fn field_get(&self, d: &Directive) -> Vec<u8> {
                match d.name {
                    $( $name => ConfValue::get(&self.$field, d), )*
                    _ => Vec::new(),
                }
            }
            fn field_set(&mut self, d: &Directive, args: &[Vec<u8>], ctx: &mut SetCtx) -> Result<bool, String> {
                match d.name {
                    $( $name => ConfValue::set(&mut self.$field, d, args, ctx), )*
                    _ => Ok(false),
                }
            }
            fn field_rewrite(&self, defaults: &Config, d: &Directive, rw: &mut rewrite::Rewriter) {
                match d.name {
                    $( $name => ConfValue::rewrite(&self.$field, &defaults.$field, d, rw), )*
                    _ => {}
                }
            }
        }
    };
    (@alias) => { None };
    (@alias $a:literal) => { Some($a) };
}

directives! {
    // ---- bool
    rdbchecksum: bool = true => "rdbchecksum", IMMUTABLE, BOOL;
    daemonize: bool = false => "daemonize", IMMUTABLE, BOOL;
    io_threads_do_reads: bool = false => "io-threads-do-reads", DEBUG | IMMUTABLE, BOOL;
    always_show_logo: bool = false => "always-show-logo", IMMUTABLE, BOOL;
    protected_mode: bool = true => "protected-mode", MODIFIABLE, BOOL;
    rdbcompression: bool = true => "rdbcompression", MODIFIABLE, BOOL;
    rdb_del_sync_files: bool = false => "rdb-del-sync-files", MODIFIABLE, BOOL;
    activerehashing: bool = true => "activerehashing", MODIFIABLE, BOOL;
    stop_writes_on_bgsave_error: bool = true => "stop-writes-on-bgsave-error", MODIFIABLE, BOOL;
    set_proc_title: bool = true => "set-proc-title", IMMUTABLE, BOOL;
    dynamic_hz: bool = true => "dynamic-hz", MODIFIABLE, BOOL;
    lazyfree_lazy_eviction: bool = false => "lazyfree-lazy-eviction", DEBUG, BOOL;
    lazyfree_lazy_expire: bool = false => "lazyfree-lazy-expire", DEBUG, BOOL;
    lazyfree_lazy_server_del: bool = false => "lazyfree-lazy-server-del", DEBUG, BOOL;
    lazyfree_lazy_user_del: bool = false => "lazyfree-lazy-user-del", DEBUG, BOOL;
    lazyfree_lazy_user_flush: bool = false => "lazyfree-lazy-user-flush", DEBUG, BOOL;
    repl_disable_tcp_nodelay: bool = false => "repl-disable-tcp-nodelay", MODIFIABLE, BOOL;
    repl_diskless_sync: bool = true => "repl-diskless-sync", DEBUG, BOOL;
    aof_rewrite_incremental_fsync: bool = true => "aof-rewrite-incremental-fsync", MODIFIABLE, BOOL;
    no_appendfsync_on_rewrite: bool = false => "no-appendfsync-on-rewrite", MODIFIABLE, BOOL;
    cluster_require_full_coverage: bool = true => "cluster-require-full-coverage", MODIFIABLE, BOOL;
    rdb_save_incremental_fsync: bool = true => "rdb-save-incremental-fsync", MODIFIABLE, BOOL;
    aof_load_truncated: bool = true => "aof-load-truncated", MODIFIABLE, BOOL;
    aof_use_rdb_preamble: bool = true => "aof-use-rdb-preamble", MODIFIABLE, BOOL;
    aof_timestamp_enabled: bool = false => "aof-timestamp-enabled", MODIFIABLE, BOOL;
    cluster_replica_no_failover: bool = false => "cluster-replica-no-failover" | "cluster-slave-no-failover", MODIFIABLE, BOOL;
    replica_lazy_flush: bool = false => "replica-lazy-flush" | "slave-lazy-flush", MODIFIABLE, BOOL;
    replica_serve_stale_data: bool = true => "replica-serve-stale-data" | "slave-serve-stale-data", MODIFIABLE, BOOL;
    replica_read_only: bool = true => "replica-read-only" | "slave-read-only", DEBUG, BOOL;
    replica_ignore_maxmemory: bool = true => "replica-ignore-maxmemory" | "slave-ignore-maxmemory", MODIFIABLE, BOOL;
    jemalloc_bg_thread: bool = true => "jemalloc-bg-thread", MODIFIABLE, BOOL;
    activedefrag: bool = false => "activedefrag", DEBUG, Kind::Bool(Some(valid_activedefrag));
    syslog_enabled: bool = false => "syslog-enabled", IMMUTABLE, BOOL;
    cluster_enabled: bool = false => "cluster-enabled", IMMUTABLE, BOOL;
    appendonly: bool = false => "appendonly", DENY_LOADING, BOOL;
    cluster_allow_reads_when_down: bool = false => "cluster-allow-reads-when-down", MODIFIABLE, BOOL;
    cluster_allow_pubsubshard_when_down: bool = true => "cluster-allow-pubsubshard-when-down", MODIFIABLE, BOOL;
    crash_log_enabled: bool = true => "crash-log-enabled", MODIFIABLE, BOOL;
    crash_memcheck_enabled: bool = true => "crash-memcheck-enabled", MODIFIABLE, BOOL;
    use_exit_on_panic: bool = false => "use-exit-on-panic", HIDDEN, BOOL;
    disable_thp: bool = true => "disable-thp", IMMUTABLE, BOOL;
    cluster_allow_replica_migration: bool = true => "cluster-allow-replica-migration", MODIFIABLE, BOOL;
    replica_announced: bool = true => "replica-announced", MODIFIABLE, BOOL;
    latency_tracking: bool = true => "latency-tracking", MODIFIABLE, BOOL;
    aof_disable_auto_gc: bool = false => "aof-disable-auto-gc", MODIFIABLE, BOOL;
    replica_ignore_disk_write_errors: bool = false => "replica-ignore-disk-write-errors", MODIFIABLE, BOOL;

    // ---- strings (Option = empty string means unset)
    aclfile: Vec<u8> = Vec::new() => "aclfile", IMMUTABLE, STR;
    unixsocket: Option<Vec<u8>> = None => "unixsocket", IMMUTABLE, STR;
    pidfile: Option<Vec<u8>> = None => "pidfile", IMMUTABLE, STR;
    replica_announce_ip: Option<Vec<u8>> = None => "replica-announce-ip" | "slave-announce-ip", MODIFIABLE, STR;
    masteruser: Option<Vec<u8>> = None => "masteruser", SENSITIVE, STR;
    cluster_announce_ip: Option<Vec<u8>> = None => "cluster-announce-ip", MODIFIABLE, STR;
    cluster_config_file: Vec<u8> = s("nodes.conf") => "cluster-config-file", IMMUTABLE, STR;
    cluster_announce_hostname: Option<Vec<u8>> = None => "cluster-announce-hostname", MODIFIABLE, Kind::Str(Some(valid_hostname));
    syslog_ident: Vec<u8> = s("redis") => "syslog-ident", IMMUTABLE, STR;
    dbfilename: Vec<u8> = s("dump.rdb") => "dbfilename", PROTECTED, Kind::Str(Some(valid_dbfilename));
    appendfilename: Vec<u8> = s("appendonly.aof") => "appendfilename", IMMUTABLE, Kind::Str(Some(valid_appendfilename));
    appenddirname: Vec<u8> = s("appendonlydir") => "appenddirname", IMMUTABLE, Kind::Str(Some(valid_appenddirname));
    server_cpulist: Option<Vec<u8>> = None => "server_cpulist", IMMUTABLE, STR;
    bio_cpulist: Option<Vec<u8>> = None => "bio_cpulist", IMMUTABLE, STR;
    aof_rewrite_cpulist: Option<Vec<u8>> = None => "aof_rewrite_cpulist", IMMUTABLE, STR;
    bgsave_cpulist: Option<Vec<u8>> = None => "bgsave_cpulist", IMMUTABLE, STR;
    ignore_warnings: Vec<u8> = Vec::new() => "ignore-warnings", MODIFIABLE, STR;
    proc_title_template: Vec<u8> = s("{title} {listen-addr} {server-mode}") => "proc-title-template", MODIFIABLE, Kind::Str(Some(valid_proc_title));
    bind_source_addr: Option<Vec<u8>> = None => "bind-source-addr", MODIFIABLE, STR;
    logfile: Vec<u8> = Vec::new() => "logfile", IMMUTABLE, STR;
    masterauth: Option<Vec<u8>> = None => "masterauth", SENSITIVE, STR;
    requirepass: Option<Vec<u8>> = None => "requirepass", SENSITIVE, STR;

    // ---- enums
    supervised: Supervised = Supervised::No => "supervised", IMMUTABLE, ENUM;
    syslog_facility: SyslogFacility = SyslogFacility::Local0 => "syslog-facility", IMMUTABLE, ENUM;
    repl_diskless_load: ReplDisklessLoad = ReplDisklessLoad::Disabled => "repl-diskless-load", DEBUG | DENY_LOADING, ENUM;
    loglevel: LogLevel = LogLevel::Notice => "loglevel", MODIFIABLE, ENUM;
    maxmemory_policy: MaxmemoryPolicy = MaxmemoryPolicy::Noeviction => "maxmemory-policy", MODIFIABLE, ENUM;
    appendfsync: AppendFsync = AppendFsync::Everysec => "appendfsync", MODIFIABLE, ENUM;
    oom_score_adj: OomScoreAdj = OomScoreAdj::No => "oom-score-adj", MODIFIABLE, ENUM;
    acl_pubsub_default: AclPubsubDefault = AclPubsubDefault::ResetChannels => "acl-pubsub-default", MODIFIABLE, ENUM;
    sanitize_dump_payload: SanitizeDumpPayload = SanitizeDumpPayload::No => "sanitize-dump-payload", DEBUG, ENUM;
    enable_protected_configs: ProtectedAction = ProtectedAction::No => "enable-protected-configs", IMMUTABLE, ENUM;
    enable_debug_command: ProtectedAction = ProtectedAction::No => "enable-debug-command", IMMUTABLE, ENUM;
    enable_module_command: ProtectedAction = ProtectedAction::No => "enable-module-command", IMMUTABLE, ENUM;
    cluster_preferred_endpoint_type: ClusterEndpointType = ClusterEndpointType::Ip => "cluster-preferred-endpoint-type", MODIFIABLE, ENUM;
    propagation_error_behavior: PropagationErrorBehavior = PropagationErrorBehavior::Ignore => "propagation-error-behavior", MODIFIABLE, ENUM;
    shutdown_on_sigint: ShutdownFlags = ShutdownFlags(0) => "shutdown-on-sigint", MULTI_ARG, ENUM;
    shutdown_on_sigterm: ShutdownFlags = ShutdownFlags(0) => "shutdown-on-sigterm", MULTI_ARG, ENUM;

    // ---- int
    databases: i64 = 16 => "databases", IMMUTABLE, int(1, INT_MAX);
    port: i64 = 6379 => "port", MODIFIABLE, int(0, 65535);
    io_threads: i64 = 1 => "io-threads", DEBUG | IMMUTABLE, int(1, 128);
    auto_aof_rewrite_percentage: i64 = 100 => "auto-aof-rewrite-percentage", MODIFIABLE, int(0, INT_MAX);
    cluster_replica_validity_factor: i64 = 10 => "cluster-replica-validity-factor" | "cluster-slave-validity-factor", MODIFIABLE, int(0, INT_MAX);
    list_max_listpack_size: i64 = -2 => "list-max-listpack-size" | "list-max-ziplist-size", MODIFIABLE, int(INT_MIN, INT_MAX);
    tcp_keepalive: i64 = 300 => "tcp-keepalive", MODIFIABLE, int(0, INT_MAX);
    cluster_migration_barrier: i64 = 1 => "cluster-migration-barrier", MODIFIABLE, int(0, INT_MAX);
    active_defrag_cycle_min: i64 = 1 => "active-defrag-cycle-min", MODIFIABLE, int(1, 99);
    active_defrag_cycle_max: i64 = 25 => "active-defrag-cycle-max", MODIFIABLE, int(1, 99);
    active_defrag_threshold_lower: i64 = 10 => "active-defrag-threshold-lower", MODIFIABLE, int(0, 1000);
    active_defrag_threshold_upper: i64 = 100 => "active-defrag-threshold-upper", MODIFIABLE, int(0, 1000);
    lfu_log_factor: i64 = 10 => "lfu-log-factor", MODIFIABLE, int(0, INT_MAX);
    lfu_decay_time: i64 = 1 => "lfu-decay-time", MODIFIABLE, int(0, INT_MAX);
    replica_priority: i64 = 100 => "replica-priority" | "slave-priority", MODIFIABLE, int(0, INT_MAX);
    repl_diskless_sync_delay: i64 = 5 => "repl-diskless-sync-delay", MODIFIABLE, int(0, INT_MAX);
    maxmemory_samples: i64 = 5 => "maxmemory-samples", MODIFIABLE, int(1, INT_MAX);
    maxmemory_eviction_tenacity: i64 = 10 => "maxmemory-eviction-tenacity", MODIFIABLE, int(0, 100);
    timeout: i64 = 0 => "timeout", MODIFIABLE, int(0, INT_MAX);
    replica_announce_port: i64 = 0 => "replica-announce-port" | "slave-announce-port", MODIFIABLE, int(0, 65535);
    tcp_backlog: i64 = 511 => "tcp-backlog", IMMUTABLE, int(0, INT_MAX);
    cluster_port: i64 = 0 => "cluster-port", IMMUTABLE, int(0, 65535);
    cluster_announce_bus_port: i64 = 0 => "cluster-announce-bus-port", MODIFIABLE, int(0, 65535);
    cluster_announce_port: i64 = 0 => "cluster-announce-port", MODIFIABLE, int(0, 65535);
    cluster_announce_tls_port: i64 = 0 => "cluster-announce-tls-port", MODIFIABLE, int(0, 65535);
    repl_timeout: i64 = 60 => "repl-timeout", MODIFIABLE, int(1, INT_MAX);
    repl_ping_replica_period: i64 = 10 => "repl-ping-replica-period" | "repl-ping-slave-period", MODIFIABLE, int(1, INT_MAX);
    list_compress_depth: i64 = 0 => "list-compress-depth", DEBUG, int(0, INT_MAX);
    rdb_key_save_delay: i64 = 0 => "rdb-key-save-delay", HIDDEN, int(INT_MIN, INT_MAX);
    key_load_delay: i64 = 0 => "key-load-delay", HIDDEN, int(INT_MIN, INT_MAX);
    active_expire_effort: i64 = 1 => "active-expire-effort", MODIFIABLE, int(1, 10);
    hz: i64 = 10 => "hz", MODIFIABLE, int(0, INT_MAX);
    min_replicas_to_write: i64 = 0 => "min-replicas-to-write" | "min-slaves-to-write", MODIFIABLE, int(0, INT_MAX);
    min_replicas_max_lag: i64 = 10 => "min-replicas-max-lag" | "min-slaves-max-lag", MODIFIABLE, int(0, INT_MAX);
    watchdog_period: i64 = 0 => "watchdog-period", HIDDEN, int(0, INT_MAX);
    shutdown_timeout: i64 = 10 => "shutdown-timeout", MODIFIABLE, int(0, INT_MAX);
    repl_diskless_sync_max_replicas: i64 = 0 => "repl-diskless-sync-max-replicas", MODIFIABLE, int(0, INT_MAX);

    // ---- unsigned int
    maxclients: i64 = 10000 => "maxclients", MODIFIABLE, uint(1, UINT_MAX);
    unixsocketperm: i64 = 0 => "unixsocketperm", IMMUTABLE, Kind::Num(Num { min: 0, max: 0o777, flags: NUM_OCTAL, unsigned: true });
    socket_mark_id: i64 = 0 => "socket-mark-id", IMMUTABLE, uint(0, UINT_MAX);

    // ---- unsigned long (bounds checked as signed, like Redis)
    active_defrag_max_scan_fields: i64 = 1000 => "active-defrag-max-scan-fields", MODIFIABLE, int(1, LONG_MAX);
    slowlog_max_len: i64 = 128 => "slowlog-max-len", MODIFIABLE, int(0, LONG_MAX);
    acllog_max_len: i64 = 128 => "acllog-max-len", MODIFIABLE, int(0, LONG_MAX);

    // ---- long long
    busy_reply_threshold: i64 = 5000 => "busy-reply-threshold" | "lua-time-limit", MODIFIABLE, int(0, LONG_MAX);
    cluster_node_timeout: i64 = 15000 => "cluster-node-timeout", MODIFIABLE, int(0, i64::MAX);
    slowlog_log_slower_than: i64 = 10000 => "slowlog-log-slower-than", MODIFIABLE, int(-1, i64::MAX);
    latency_monitor_threshold: i64 = 0 => "latency-monitor-threshold", MODIFIABLE, int(0, i64::MAX);
    proto_max_bulk_len: i64 = 512 << 20 => "proto-max-bulk-len", DEBUG, mem(1 << 20, LONG_MAX);
    stream_node_max_entries: i64 = 100 => "stream-node-max-entries", MODIFIABLE, int(0, i64::MAX);
    repl_backlog_size: i64 = 1 << 20 => "repl-backlog-size", MODIFIABLE, mem(1, i64::MAX);

    // ---- unsigned long long
    maxmemory: u64 = 0 => "maxmemory", MODIFIABLE, umem(0, ULLONG_MAX);
    cluster_link_sendbuf_limit: u64 = 0 => "cluster-link-sendbuf-limit", MODIFIABLE, umem(0, ULLONG_MAX);

    // ---- size_t (unsigned) / ssize_t
    hash_max_listpack_entries: i64 = 512 => "hash-max-listpack-entries" | "hash-max-ziplist-entries", MODIFIABLE, uint(0, LONG_MAX);
    set_max_intset_entries: i64 = 512 => "set-max-intset-entries", MODIFIABLE, uint(0, LONG_MAX);
    zset_max_listpack_entries: i64 = 128 => "zset-max-listpack-entries" | "zset-max-ziplist-entries", MODIFIABLE, uint(0, LONG_MAX);
    active_defrag_ignore_bytes: i64 = 100 << 20 => "active-defrag-ignore-bytes", MODIFIABLE, umem(1, i64::MAX);
    hash_max_listpack_value: i64 = 64 => "hash-max-listpack-value" | "hash-max-ziplist-value", MODIFIABLE, umem(0, LONG_MAX);
    stream_node_max_bytes: i64 = 4096 => "stream-node-max-bytes", MODIFIABLE, umem(0, LONG_MAX);
    zset_max_listpack_value: i64 = 64 => "zset-max-listpack-value" | "zset-max-ziplist-value", MODIFIABLE, umem(0, LONG_MAX);
    hll_sparse_max_bytes: i64 = 3000 => "hll-sparse-max-bytes", MODIFIABLE, umem(0, LONG_MAX);
    tracking_table_max_keys: i64 = 1_000_000 => "tracking-table-max-keys", MODIFIABLE, uint(0, LONG_MAX);
    client_query_buffer_limit: i64 = 1 << 30 => "client-query-buffer-limit", DEBUG, umem(1 << 20, LONG_MAX);
    /// Negative values are percentages of `maxmemory` (`-5` = `5%`).
    maxmemory_clients: i64 = 0 => "maxmemory-clients", MODIFIABLE, Kind::Num(Num { min: -100, max: i64::MAX, flags: NUM_MEMORY | NUM_PERCENT, unsigned: false });

    // ---- time_t / off_t
    repl_backlog_ttl: i64 = 3600 => "repl-backlog-ttl", MODIFIABLE, int(0, LONG_MAX);
    auto_aof_rewrite_min_size: i64 = 64 << 20 => "auto-aof-rewrite-min-size", MODIFIABLE, mem(0, i64::MAX);
    loading_process_events_interval_bytes: i64 = 2 << 20 => "loading-process-events-interval-bytes", HIDDEN, int(1024, INT_MAX);

    // ---- TLS (the reference build has TLS support compiled in)
    tls_port: i64 = 0 => "tls-port", MODIFIABLE, int(0, 65535);
    tls_session_cache_size: i64 = 20 * 1024 => "tls-session-cache-size", MODIFIABLE, int(0, INT_MAX);
    tls_session_cache_timeout: i64 = 300 => "tls-session-cache-timeout", MODIFIABLE, int(0, INT_MAX);
    tls_cluster: bool = false => "tls-cluster", MODIFIABLE, BOOL;
    tls_replication: bool = false => "tls-replication", MODIFIABLE, BOOL;
    tls_auth_clients: TlsAuthClients = TlsAuthClients::Yes => "tls-auth-clients", MODIFIABLE, ENUM;
    tls_prefer_server_ciphers: bool = false => "tls-prefer-server-ciphers", MODIFIABLE, BOOL;
    tls_session_caching: bool = true => "tls-session-caching", MODIFIABLE, BOOL;
    tls_cert_file: Option<Vec<u8>> = None => "tls-cert-file", MODIFIABLE, STR;
    tls_key_file: Option<Vec<u8>> = None => "tls-key-file", MODIFIABLE, STR;
    tls_key_file_pass: Option<Vec<u8>> = None => "tls-key-file-pass", MODIFIABLE, STR;
    tls_client_cert_file: Option<Vec<u8>> = None => "tls-client-cert-file", MODIFIABLE, STR;
    tls_client_key_file: Option<Vec<u8>> = None => "tls-client-key-file", MODIFIABLE, STR;
    tls_client_key_file_pass: Option<Vec<u8>> = None => "tls-client-key-file-pass", MODIFIABLE, STR;
    tls_dh_params_file: Option<Vec<u8>> = None => "tls-dh-params-file", MODIFIABLE, STR;
    tls_ca_cert_file: Option<Vec<u8>> = None => "tls-ca-cert-file", MODIFIABLE, STR;
    tls_ca_cert_dir: Option<Vec<u8>> = None => "tls-ca-cert-dir", MODIFIABLE, STR;
    tls_protocols: Option<Vec<u8>> = None => "tls-protocols", MODIFIABLE, STR;
    tls_ciphers: Option<Vec<u8>> = None => "tls-ciphers", MODIFIABLE, STR;
    tls_ciphersuites: Option<Vec<u8>> = None => "tls-ciphersuites", MODIFIABLE, STR;

    // ---- special
    /// Absolute working directory; the server `chdir`s when it changes.
    dir: PathBuf = cwd() => "dir", PROTECTED | DENY_LOADING, SPECIAL;
    save: Vec<(i64, i64)> = vec![(3600, 1), (300, 100), (60, 10000)] => "save", MULTI_ARG, SPECIAL;
    client_output_buffer_limit: ObufLimits = [
        ObufLimit { hard_limit_bytes: 0, soft_limit_bytes: 0, soft_limit_seconds: 0 },
        ObufLimit { hard_limit_bytes: 256 << 20, soft_limit_bytes: 64 << 20, soft_limit_seconds: 60 },
        ObufLimit { hard_limit_bytes: 32 << 20, soft_limit_bytes: 8 << 20, soft_limit_seconds: 60 },
    ] => "client-output-buffer-limit", MULTI_ARG, SPECIAL;
    oom_score_adj_values: [i64; 3] = [0, 200, 800] => "oom-score-adj-values", MULTI_ARG, SPECIAL;
    notify_keyspace_events: KeyspaceEvents = KeyspaceEvents(0) => "notify-keyspace-events", MODIFIABLE, SPECIAL;
    bind: Vec<String> = DEFAULT_BIND.iter().map(|a| a.to_string()).collect() => "bind", MULTI_ARG, SPECIAL;
    replicaof: Option<(String, i64)> = None => "replicaof" | "slaveof", IMMUTABLE | MULTI_ARG, SPECIAL;
    latency_tracking_info_percentiles: Vec<f64> = vec![50.0, 99.0, 99.9] => "latency-tracking-info-percentiles", MULTI_ARG, SPECIAL;
}

/// Where a name was found: the directive, and whether the name is its alias.
type Found = (&'static Directive, bool);

fn name_index() -> &'static HashMap<String, (usize, bool)> {
    static INDEX: OnceLock<HashMap<String, (usize, bool)>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (i, d) in DIRECTIVES.iter().enumerate() {
            m.insert(d.name.to_string(), (i, false));
            if let Some(a) = d.alias {
                m.insert(a.to_string(), (i, true));
            }
        }
        m
    })
}

/// Looks a directive up by name or alias, case-insensitively.
pub fn lookup(name: &[u8]) -> Option<Found> {
    let lower = String::from_utf8_lossy(name).to_ascii_lowercase();
    name_index()
        .get(&lower)
        .and_then(|&(i, alias)| DIRECTIVES.get(i).map(|d| (d, alias)))
}

/// Context of a `CONFIG SET` that only the caller knows.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetContext {
    /// The server is loading a dataset (`DENY_LOADING` directives refused).
    pub loading: bool,
    /// The client is local (loopback or unix socket), for
    /// `enable-protected-configs local`.
    pub client_is_local: bool,
}

/// The error reply for a `DENY_LOADING` directive while loading.
pub const LOADING_ERROR: &[u8] = b"LOADING Redis is loading the dataset in memory";

impl Config {
    /// The `CONFIG GET` text of a directive by name or alias (hidden ones too).
    pub fn get_value(&self, name: &[u8]) -> Option<Vec<u8>> {
        lookup(name).map(|(d, _)| self.field_get(d))
    }

    /// Name/value pairs for every non-hidden directive name and alias for
    /// which `matches(name)` is true, like `CONFIG GET pattern` with a glob.
    pub fn get(&self, matches: impl Fn(&[u8]) -> bool) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        for d in DIRECTIVES.iter().filter(|d| d.flags & HIDDEN == 0) {
            for name in std::iter::once(d.name).chain(d.alias) {
                if matches(name.as_bytes()) {
                    out.push((name.as_bytes().to_vec(), self.field_get(d)));
                }
            }
        }
        out
    }

    /// `CONFIG GET p1 p2 ...` exactly: a pattern without `*?[` is an exact,
    /// case-insensitive lookup (hidden directives included) reported under
    /// the name as given; a glob pattern is matched with
    /// `glob(pattern, name)` against every non-hidden name and alias. Each
    /// name is reported once.
    pub fn get_patterns(
        &self,
        patterns: &[&[u8]],
        glob: impl Fn(&[u8], &[u8]) -> bool,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let seen = |out: &Vec<(Vec<u8>, Vec<u8>)>, n: &[u8]| {
            out.iter().any(|(k, _)| k.eq_ignore_ascii_case(n))
        };
        for &pat in patterns {
            if !pat.iter().any(|c| matches!(c, b'*' | b'?' | b'[')) {
                if seen(&out, pat) {
                    continue;
                }
                if let Some((d, _)) = lookup(pat) {
                    out.push((pat.to_vec(), self.field_get(d)));
                }
                continue;
            }
            for d in DIRECTIVES.iter().filter(|d| d.flags & HIDDEN == 0) {
                for name in std::iter::once(d.name).chain(d.alias) {
                    if !seen(&out, name.as_bytes()) && glob(pat, name.as_bytes()) {
                        out.push((name.as_bytes().to_vec(), self.field_get(d)));
                    }
                }
            }
        }
        out
    }

    /// `CONFIG SET name value [name value ...]` from a non-local client while
    /// not loading. See [`Config::set_with`].
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<Vec<&'static str>, Vec<u8>> {
        self.set_with(pairs, SetContext::default())
    }

    /// `CONFIG SET` with Redis 7.0 semantics: every name is checked first
    /// (unknown, immutable, protected, loading, duplicate), then all values are
    /// set; on any failure the previous configuration is restored. Returns the
    /// canonical names whose value changed (the server applies their side
    /// effects), or the error reply text without the leading `-`.
    pub fn set_with(
        &mut self,
        pairs: &[(&[u8], &[u8])],
        ctx: SetContext,
    ) -> Result<Vec<&'static str>, Vec<u8>> {
        let mut found: Vec<&'static Directive> = Vec::with_capacity(pairs.len());
        let mut invalid: Option<Vec<u8>> = None;
        let mut deny_loading = false;
        let protected_ok = match self.enable_protected_configs {
            ProtectedAction::Yes => true,
            ProtectedAction::Local => ctx.client_is_local,
            ProtectedAction::No => false,
        };
        for &(name, _) in pairs {
            let Some((d, _)) = lookup(name) else {
                if invalid.is_none() {
                    let mut e =
                        b"ERR Unknown option or number of arguments for CONFIG SET - '".to_vec();
                    e.extend_from_slice(crate::cmd::error::c_str(name));
                    e.push(b'\'');
                    invalid = Some(e);
                }
                continue;
            };
            if invalid.is_some() {
                continue;
            }
            let err = if d.flags & IMMUTABLE != 0 {
                Some("can't set immutable config")
            } else if d.flags & PROTECTED != 0 && !protected_ok {
                Some("can't set protected config")
            } else if ctx.loading && d.flags & DENY_LOADING != 0 {
                deny_loading = true;
                Some("")
            } else if found.iter().any(|f| std::ptr::eq(*f, d)) {
                Some("duplicate parameter")
            } else {
                None
            };
            if let Some(e) = err {
                invalid = Some(set_failed(name, e));
                continue;
            }
            found.push(d);
        }
        if deny_loading {
            return Err(LOADING_ERROR.to_vec());
        }
        if let Some(e) = invalid {
            return Err(e);
        }

        let backup = self.clone();
        let mut changed: Vec<&'static str> = Vec::new();
        let mut sctx = SetCtx::default();
        for (d, &(_, value)) in found.iter().zip(pairs) {
            let args: Vec<Vec<u8>> = if d.flags & MULTI_ARG != 0 {
                if value.is_empty() {
                    Vec::new()
                } else {
                    value.split(|&c| c == b' ').map(<[u8]>::to_vec).collect()
                }
            } else {
                vec![value.to_vec()]
            };
            match self.field_set(d, &args, &mut sctx) {
                Ok(true) => {
                    if !changed.contains(&d.name) {
                        changed.push(d.name);
                    }
                }
                Ok(false) => {}
                Err(e) => {
                    *self = backup;
                    return Err(set_failed(d.name.as_bytes(), &e));
                }
            }
        }
        // Value adjustments Redis makes in the apply functions.
        self.hz = self.hz.clamp(CONFIG_MIN_HZ, CONFIG_MAX_HZ);
        if changed.contains(&"repl-backlog-size") {
            self.repl_backlog_size = self.repl_backlog_size.max(REPL_BACKLOG_MIN_SIZE);
        }
        Ok(changed)
    }

    /// `CONFIG REWRITE` into `path` (the config file the server started with).
    /// On failure returns the strerror text; the reply is then
    /// `ERR Rewriting config file: <text>`.
    pub fn rewrite(&self, path: &std::path::Path) -> Result<(), String> {
        let old = rewrite::read_old(path)?;
        let content = self.rewrite_content(&old);
        rewrite::overwrite_atomically(path, &content)
    }

    /// The new file content `CONFIG REWRITE` would write over `old`.
    pub fn rewrite_content(&self, old: &[u8]) -> Vec<u8> {
        let mut rw = rewrite::Rewriter::new(old, |n| lookup(n.as_bytes()).map(|(d, _)| d.name));
        let defaults = Config::default();
        for d in DIRECTIVES {
            self.field_rewrite(&defaults, d, &mut rw);
        }
        if self.aclfile.is_empty() {
            for u in &self.users {
                rw.line("user", join_line("user", u), true);
            }
        }
        rw.mark("user");
        for m in &self.loadmodules {
            rw.line("loadmodule", join_line("loadmodule", m), true);
        }
        rw.mark("loadmodule");
        rw.finish()
    }
}

fn set_failed(name: &[u8], err: &str) -> Vec<u8> {
    let mut e = b"ERR CONFIG SET failed (possibly related to argument '".to_vec();
    e.extend_from_slice(crate::cmd::error::c_str(name));
    e.push(b'\'');
    e.push(b')');
    if !err.is_empty() {
        e.extend_from_slice(b" - ");
        e.extend_from_slice(err.as_bytes());
    }
    e
}

fn join_line(directive: &str, args: &[Vec<u8>]) -> Vec<u8> {
    let mut l = directive.as_bytes().to_vec();
    for a in args {
        l.push(b' ');
        l.extend_from_slice(a);
    }
    l
}
