//! `INFO`: the sections and fields clients and exporters read, with real values.

use crate::core::{now_ms, now_us, Core};
use std::fmt::Write;

/// Bytes allocated through the global allocator (`used_memory`).
pub fn used_memory(_core: &Core) -> usize {
    crate::alloc::used()
}

/// Resident set size of the process, from `/proc/self/statm`.
pub fn rss_bytes() -> usize {
    let page = 4096;
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|v| v.parse::<usize>().ok())
        })
        .map(|p| p * page)
        .unwrap_or(0)
}

/// Total physical memory, from `/proc/meminfo`.
fn total_system_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| {
                    l.split_whitespace()
                        .nth(1)
                        .and_then(|v| v.parse::<u64>().ok())
                })
        })
        .map(|kb| kb * 1024)
        .unwrap_or(0)
}

/// `bytesToHuman`: 1.09M, 23.54G, 200B.
pub fn human(n: u64) -> String {
    let d = n as f64;
    if n < 1024 {
        format!("{n}B")
    } else if n < 1024 * 1024 {
        format!("{:.2}K", d / 1024.0)
    } else if n < 1024 * 1024 * 1024 {
        format!("{:.2}M", d / (1024.0 * 1024.0))
    } else if n < 1024u64.pow(4) {
        format!("{:.2}G", d / 1024f64.powi(3))
    } else if n < 1024u64.pow(5) {
        format!("{:.2}T", d / 1024f64.powi(4))
    } else {
        format!("{:.2}P", d / 1024f64.powi(5))
    }
}

/// User and system CPU seconds of this process (`getrusage`).
fn cpu_times(who: i32) -> (f64, f64) {
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    (t(ru.ru_stime), t(ru.ru_utime))
}

const DEFAULT: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "errorstats",
    "cluster",
    "keyspace",
];
const ALL_EXTRA: &[&str] = &["commandstats", "latencystats"];

/// Which sections `INFO args...` asks for, in Redis's output order.
fn wanted(args: &[&[u8]]) -> Vec<&'static str> {
    let order: Vec<&'static str> = vec![
        "server",
        "clients",
        "memory",
        "persistence",
        "stats",
        "replication",
        "cpu",
        "modules",
        "commandstats",
        "errorstats",
        "latencystats",
        "cluster",
        "keyspace",
    ];
    let mut set: Vec<&'static str> = Vec::new();
    if args.is_empty() {
        set.extend(DEFAULT);
    }
    for a in args {
        let a = String::from_utf8_lossy(a).to_ascii_lowercase();
        match a.as_str() {
            "default" => set.extend(DEFAULT),
            "all" => {
                set.extend(DEFAULT);
                set.extend(ALL_EXTRA);
            }
            "everything" => {
                set.extend(DEFAULT);
                set.extend(ALL_EXTRA);
            }
            other => {
                if let Some(s) = order.iter().find(|s| **s == other) {
                    set.push(s);
                }
            }
        }
    }
    order.into_iter().filter(|s| set.contains(s)).collect()
}

/// Builds the INFO text for `args` (section names). `current` is the calling client,
/// taken out of the client table while it runs.
pub fn generate(core: &Core, current: &crate::client::Client, args: &[&[u8]]) -> String {
    let mut out = String::new();
    for (i, sec) in wanted(args).into_iter().enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        let mut s = String::new();
        section(core, current, sec, &mut s);
        out.push_str(&s);
    }
    out
}

macro_rules! line {
    ($s:expr, $($arg:tt)*) => {{
        let _ = write!($s, $($arg)*);
        $s.push_str("\r\n");
    }};
}

fn section(core: &Core, current: &crate::client::Client, sec: &str, s: &mut String) {
    let now = now_ms();
    let cfg = &core.config;
    match sec {
        "server" => {
            s.push_str("# Server\r\n");
            line!(s, "redis_version:{}", crate::REDIS_VERSION);
            line!(s, "redis_git_sha1:00000000");
            line!(s, "redis_git_dirty:0");
            line!(s, "redis_build_id:0");
            line!(s, "redis_mode:standalone");
            line!(s, "os:{}", os_name());
            line!(s, "arch_bits:64");
            line!(s, "monotonic_clock:POSIX clock_gettime");
            line!(s, "multiplexing_api:epoll");
            line!(s, "atomicvar_api:c11-builtin");
            line!(s, "gcc_version:0.0.0");
            line!(s, "process_id:{}", std::process::id());
            line!(s, "process_supervised:no");
            line!(s, "run_id:{}", core.run_id);
            line!(s, "tcp_port:{}", core.tcp_port);
            line!(s, "server_time_usec:{}", now_us());
            let up = (now - core.start_ms) / 1000;
            line!(s, "uptime_in_seconds:{up}");
            line!(s, "uptime_in_days:{}", up / 86400);
            line!(s, "hz:{}", cfg.hz);
            line!(s, "configured_hz:{}", cfg.hz);
            line!(s, "lru_clock:{}", Core::lru_clock(now));
            line!(s, "executable:{}", core.executable);
            line!(
                s,
                "config_file:{}",
                core.config_file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default()
            );
            line!(s, "io_threads_active:0");
            line!(s, "oxidis_version:{}", crate::OXIDIS_VERSION);
        }
        "clients" => {
            s.push_str("# Clients\r\n");
            line!(s, "connected_clients:{}", core.clients.len());
            line!(s, "cluster_connections:0");
            line!(s, "maxclients:{}", cfg.maxclients);
            let all = core.clients.iter().chain(std::iter::once(current));
            let (mut inb, mut outb) = (0, 0);
            for c in all {
                inb = inb.max(c.qbuf.capacity());
                outb = outb.max(c.out.buf.capacity());
            }
            line!(s, "client_recent_max_input_buffer:{inb}");
            line!(s, "client_recent_max_output_buffer:{outb}");
            line!(s, "blocked_clients:{}", core.blocking.blocked_clients());
            line!(s, "tracking_clients:0");
            line!(
                s,
                "clients_in_timeout_table:{}",
                core.blocking.in_timeout_table()
            );
        }
        "memory" => {
            let used = used_memory(core) as u64;
            let peak = (core.peak_memory as u64).max(used);
            let rss = rss_bytes() as u64;
            let startup = core.startup_memory as u64;
            let overhead: u64 = startup
                + core
                    .dbs
                    .iter()
                    .map(|d| (d.dict.mem_usage() + d.expires.mem_usage()) as u64)
                    .sum::<u64>();
            let dataset = used.saturating_sub(overhead);
            let sys = total_system_memory();
            s.push_str("# Memory\r\n");
            line!(s, "used_memory:{used}");
            line!(s, "used_memory_human:{}", human(used));
            line!(s, "used_memory_rss:{rss}");
            line!(s, "used_memory_rss_human:{}", human(rss));
            line!(s, "used_memory_peak:{peak}");
            line!(s, "used_memory_peak_human:{}", human(peak));
            line!(
                s,
                "used_memory_peak_perc:{:.2}%",
                used as f64 * 100.0 / peak.max(1) as f64
            );
            line!(s, "used_memory_overhead:{overhead}");
            line!(s, "used_memory_startup:{startup}");
            line!(s, "used_memory_dataset:{dataset}");
            let dperc = if used > startup {
                dataset as f64 * 100.0 / (used - startup) as f64
            } else {
                0.0
            };
            line!(s, "used_memory_dataset_perc:{:.2}%", dperc);
            line!(s, "allocator_allocated:{used}");
            line!(s, "allocator_active:{used}");
            line!(s, "allocator_resident:{rss}");
            line!(s, "total_system_memory:{sys}");
            line!(s, "total_system_memory_human:{}", human(sys));
            line!(s, "used_memory_lua:0");
            line!(s, "used_memory_vm_eval:0");
            line!(s, "used_memory_lua_human:0B");
            line!(s, "used_memory_scripts_eval:0");
            line!(s, "number_of_cached_scripts:0");
            line!(s, "number_of_functions:0");
            line!(s, "number_of_libraries:0");
            line!(s, "used_memory_vm_functions:0");
            line!(s, "used_memory_vm_total:0");
            line!(s, "used_memory_vm_total_human:0B");
            line!(s, "used_memory_functions:0");
            line!(s, "used_memory_scripts:0");
            line!(s, "used_memory_scripts_human:0B");
            line!(s, "maxmemory:{}", cfg.maxmemory);
            line!(s, "maxmemory_human:{}", human(cfg.maxmemory));
            line!(s, "maxmemory_policy:{}", cfg.maxmemory_policy.name());
            line!(s, "allocator_frag_ratio:1.00");
            line!(s, "allocator_frag_bytes:0");
            line!(
                s,
                "allocator_rss_ratio:{:.2}",
                rss as f64 / used.max(1) as f64
            );
            line!(s, "allocator_rss_bytes:{}", rss as i64 - used as i64);
            line!(s, "rss_overhead_ratio:1.00");
            line!(s, "rss_overhead_bytes:0");
            line!(
                s,
                "mem_fragmentation_ratio:{:.2}",
                rss as f64 / used.max(1) as f64
            );
            line!(s, "mem_fragmentation_bytes:{}", rss as i64 - used as i64);
            line!(
                s,
                "mem_not_counted_for_evict:{}",
                crate::evict::not_counted_memory(core)
            );
            line!(s, "mem_replication_backlog:0");
            line!(s, "mem_total_replication_buffers:0");
            line!(s, "mem_clients_slaves:0");
            let normal: usize = core
                .clients
                .iter()
                .chain(std::iter::once(current))
                .map(|c| c.qbuf.capacity() + c.out.buf.capacity())
                .sum();
            line!(s, "mem_clients_normal:{normal}");
            line!(s, "mem_cluster_links:0");
            line!(s, "mem_aof_buffer:0");
            line!(s, "mem_allocator:jemalloc-5.3.0");
            line!(s, "active_defrag_running:0");
            line!(s, "lazyfree_pending_objects:0");
            line!(s, "lazyfreed_objects:0");
        }
        "persistence" => {
            s.push_str("# Persistence\r\n");
            line!(s, "loading:0");
            line!(s, "async_loading:0");
            line!(s, "current_cow_peak:0");
            line!(s, "current_cow_size:0");
            line!(s, "current_cow_size_age:0");
            line!(s, "current_fork_perc:0.00");
            let rdb = &core.rdb;
            let cur = rdb.current.as_ref();
            line!(
                s,
                "current_save_keys_processed:{}",
                cur.map_or(0, |c| c.keys_processed())
            );
            line!(
                s,
                "current_save_keys_total:{}",
                cur.map_or(0, |c| c.keys_total)
            );
            line!(s, "rdb_changes_since_last_save:{}", core.dirty);
            line!(s, "rdb_bgsave_in_progress:{}", cur.is_some() as u8);
            line!(s, "rdb_last_save_time:{}", core.lastsave);
            line!(
                s,
                "rdb_last_bgsave_status:{}",
                if rdb.last_bgsave_err { "err" } else { "ok" }
            );
            line!(
                s,
                "rdb_last_bgsave_time_sec:{}",
                rdb.last_bgsave_time_sec.unwrap_or(-1)
            );
            line!(
                s,
                "rdb_current_bgsave_time_sec:{}",
                cur.map_or(-1, |c| crate::core::now_ms() / 1000 - c.start_s)
            );
            line!(s, "rdb_saves:{}", rdb.saves);
            line!(s, "rdb_last_cow_size:0");
            line!(s, "rdb_last_load_keys_expired:{}", rdb.load_keys_expired);
            line!(s, "rdb_last_load_keys_loaded:{}", rdb.load_keys_loaded);
            line!(s, "aof_enabled:0");
            line!(s, "aof_rewrite_in_progress:0");
            line!(s, "aof_rewrite_scheduled:0");
            line!(s, "aof_last_rewrite_time_sec:-1");
            line!(s, "aof_current_rewrite_time_sec:-1");
            line!(s, "aof_last_bgrewrite_status:ok");
            line!(s, "aof_rewrites:0");
            line!(s, "aof_rewrites_consecutive_failures:0");
            line!(s, "aof_last_write_status:ok");
            line!(s, "aof_last_cow_size:0");
            line!(s, "module_fork_in_progress:0");
            line!(s, "module_fork_last_cow_size:0");
        }
        "stats" => {
            let st = &core.stats;
            s.push_str("# Stats\r\n");
            line!(s, "total_connections_received:{}", st.connections_received);
            line!(s, "total_commands_processed:{}", st.commands_processed);
            line!(s, "instantaneous_ops_per_sec:{}", ops_per_sec(core));
            line!(s, "total_net_input_bytes:{}", st.net_input_bytes);
            line!(s, "total_net_output_bytes:{}", st.net_output_bytes);
            line!(s, "total_net_repl_input_bytes:0");
            line!(s, "total_net_repl_output_bytes:0");
            line!(s, "instantaneous_input_kbps:0.00");
            line!(s, "instantaneous_output_kbps:0.00");
            line!(s, "instantaneous_input_repl_kbps:0.00");
            line!(s, "instantaneous_output_repl_kbps:0.00");
            line!(s, "rejected_connections:{}", st.rejected_connections);
            line!(s, "sync_full:0");
            line!(s, "sync_partial_ok:0");
            line!(s, "sync_partial_err:0");
            line!(s, "expired_keys:{}", st.expired_keys);
            line!(s, "expired_stale_perc:0.00");
            line!(s, "expired_time_cap_reached_count:0");
            line!(
                s,
                "expire_cycle_cpu_milliseconds:{}",
                st.expire_cycle_cpu_ms
            );
            line!(s, "evicted_keys:{}", st.evicted_keys);
            line!(s, "evicted_clients:0");
            let (total, current) = core.evict.exceeded_ms();
            line!(s, "total_eviction_exceeded_time:{total}");
            line!(s, "current_eviction_exceeded_time:{current}");
            line!(s, "keyspace_hits:{}", st.keyspace_hits);
            line!(s, "keyspace_misses:{}", st.keyspace_misses);
            line!(s, "pubsub_channels:{}", core.pubsub.channel_count());
            line!(s, "pubsub_patterns:{}", core.pubsub.pattern_count());
            line!(
                s,
                "pubsubshard_channels:{}",
                core.pubsub.shard_channel_count()
            );
            line!(s, "latest_fork_usec:{}", core.rdb.last_start_pause_us);
            line!(s, "total_forks:0");
            line!(s, "migrate_cached_sockets:0");
            line!(s, "slave_expires_tracked_keys:0");
            line!(s, "active_defrag_hits:0");
            line!(s, "active_defrag_misses:0");
            line!(s, "active_defrag_key_hits:0");
            line!(s, "active_defrag_key_misses:0");
            line!(s, "total_active_defrag_time:0");
            line!(s, "current_active_defrag_time:0");
            line!(s, "tracking_total_keys:0");
            line!(s, "tracking_total_items:0");
            line!(s, "tracking_total_prefixes:0");
            line!(
                s,
                "unexpected_error_replies:{}",
                st.unexpected_error_replies
            );
            line!(s, "total_error_replies:{}", st.error_replies);
            line!(s, "dump_payload_sanitizations:0");
            line!(s, "total_reads_processed:{}", st.reads_processed);
            line!(s, "total_writes_processed:{}", st.writes_processed);
            line!(s, "io_threaded_reads_processed:0");
            line!(s, "io_threaded_writes_processed:0");
            line!(s, "reply_buffer_shrinks:0");
            line!(s, "reply_buffer_expands:0");
        }
        "replication" => {
            s.push_str("# Replication\r\n");
            line!(s, "role:master");
            line!(s, "connected_slaves:0");
            line!(s, "master_failover_state:no-failover");
            line!(s, "master_replid:{}", core.run_id);
            line!(s, "master_replid2:0000000000000000000000000000000000000000");
            line!(s, "master_repl_offset:0");
            line!(s, "second_repl_offset:-1");
            line!(s, "repl_backlog_active:0");
            line!(s, "repl_backlog_size:{}", cfg.repl_backlog_size);
            line!(s, "repl_backlog_first_byte_offset:0");
            line!(s, "repl_backlog_histlen:0");
        }
        "cpu" => {
            let (sys, user) = cpu_times(libc::RUSAGE_SELF);
            let (csys, cuser) = cpu_times(libc::RUSAGE_CHILDREN);
            let (tsys, tuser) = cpu_times(libc::RUSAGE_THREAD);
            s.push_str("# CPU\r\n");
            line!(s, "used_cpu_sys:{sys:.6}");
            line!(s, "used_cpu_user:{user:.6}");
            line!(s, "used_cpu_sys_children:{csys:.6}");
            line!(s, "used_cpu_user_children:{cuser:.6}");
            line!(s, "used_cpu_sys_main_thread:{tsys:.6}");
            line!(s, "used_cpu_user_main_thread:{tuser:.6}");
        }
        "modules" => s.push_str("# Modules\r\n"),
        "commandstats" => {
            s.push_str("# Commandstats\r\n");
            for (id, st) in core.cmd_stats.iter().enumerate() {
                if st.calls == 0 && st.rejected_calls == 0 && st.failed_calls == 0 {
                    continue;
                }
                let name = core.registry.cmds[id].meta.name;
                let per = if st.calls > 0 {
                    st.usec as f64 / st.calls as f64
                } else {
                    0.0
                };
                line!(
                    s,
                    "cmdstat_{name}:calls={},usec={},usec_per_call={per:.2},rejected_calls={},failed_calls={}",
                    st.calls,
                    st.usec,
                    st.rejected_calls,
                    st.failed_calls
                );
            }
        }
        "errorstats" => {
            s.push_str("# Errorstats\r\n");
            for (code, n) in &core.stats.errorstats {
                line!(s, "errorstat_{}:count={n}", String::from_utf8_lossy(code));
            }
        }
        "latencystats" => {
            s.push_str("# Latencystats\r\n");
            for (id, st) in core.cmd_stats.iter().enumerate() {
                let Some(h) = &st.hist else { continue };
                let name = core.registry.cmds[id].meta.name;
                let mut parts = Vec::new();
                for p in &[50.0, 99.0, 99.9] {
                    let v = h.value_at_quantile(p / 100.0) as f64 / 1000.0;
                    parts.push(format!("p{}={:.3}", fmt_pct(*p), v));
                }
                line!(s, "latency_percentiles_usec_{name}:{}", parts.join(","));
            }
        }
        "cluster" => {
            s.push_str("# Cluster\r\n");
            line!(s, "cluster_enabled:0");
        }
        "keyspace" => {
            s.push_str("# Keyspace\r\n");
            for db in &core.dbs {
                if db.is_empty() {
                    continue;
                }
                line!(
                    s,
                    "db{}:keys={},expires={},avg_ttl={}",
                    db.id,
                    db.len(),
                    db.expires.len(),
                    db.avg_ttl
                );
            }
        }
        _ => {}
    }
}

/// `50`, `99`, `99.9` as Redis prints percentile names (`%g`-like).
fn fmt_pct(p: f64) -> String {
    let s = format!("{p}");
    s.trim_end_matches(".0").to_string()
}

/// Average of the recent ops/sec samples (`instantaneous_ops_per_sec`).
fn ops_per_sec(core: &Core) -> u64 {
    let s = &core.stats.ops_samples;
    match (s.front(), s.back()) {
        (Some(a), Some(b)) if b.0 > a.0 => (b.1 - a.1) * 1000 / (b.0 - a.0) as u64,
        _ => 0,
    }
}

fn os_name() -> String {
    // SAFETY: uname only writes into the zeroed struct we pass.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    if unsafe { libc::uname(&mut u) } != 0 {
        return "Linux".to_string();
    }
    let f = |b: &[libc::c_char]| {
        let bytes: Vec<u8> = b
            .iter()
            .take_while(|&&c| c != 0)
            .map(|&c| c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!("{} {} {}", f(&u.sysname), f(&u.release), f(&u.machine))
}
