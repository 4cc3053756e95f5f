//! The server core as a user meets it: unix socket, idle timeout, maxclients, and the stock
//! Redis tools (`redis-cli`, `redis-benchmark`) driving oxidis.

mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs a Redis tool with a hard time limit; returns (success, stdout, stderr).
fn run_tool(bin: &str, args: &[&str], limit: Duration) -> (bool, String, String) {
    let path = common::server::find_in_path(bin).unwrap_or_else(|| panic!("{bin} not in PATH"));
    let mut child = Command::new(path)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tool");
    let start = Instant::now();
    loop {
        if let Some(_st) = child.try_wait().expect("wait tool") {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("collect output");
            panic!(
                "{bin} {args:?} did not finish in {limit:?}; stdout: {}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("collect output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unix_socket_serves_redis_cli_with_configured_permissions() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("oxidis.sock");
    let sock_s = sock.to_str().unwrap();
    let s = TestServer::oxidis(&["--unixsocket", sock_s, "--unixsocketperm", "700"]);
    let mode = std::fs::metadata(&sock).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "unixsocketperm");
    let (ok, out, err) = run_tool(
        "redis-cli",
        &["-s", sock_s, "SET", "via-unix", "yes"],
        Duration::from_secs(20),
    );
    assert!(ok, "redis-cli failed: {err}");
    assert_eq!(out.trim(), "OK");
    // The same keyspace is reachable over TCP.
    let mut c = s.conn();
    assert_eq!(c.cmd(&["GET", "via-unix"]), b"$3\r\nyes\r\n");
    // CONFIG GET reports the socket like Redis.
    let reply = c.cmd(&["CONFIG", "GET", "unixsocketperm"]);
    assert_eq!(reply, b"*2\r\n$14\r\nunixsocketperm\r\n$3\r\n700\r\n");
}

#[test]
fn idle_clients_are_closed_after_timeout() {
    let s = TestServer::oxidis(&["--timeout", "1", "--hz", "50"]);
    let mut idle = s.conn();
    assert_eq!(idle.cmd(&["PING"]), b"+PONG\r\n");
    // Redis closes a client idle for more than `timeout` seconds (checked by the cron).
    assert!(
        idle.is_closed_within(Duration::from_secs(6)),
        "idle client not closed"
    );
    // An active client is kept.
    let mut busy = s.conn();
    let start = Instant::now();
    while start.elapsed() < Duration::from_millis(1500) {
        assert_eq!(busy.cmd(&["PING"]), b"+PONG\r\n");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn maxclients_rejects_with_redis_error() {
    let s = TestServer::oxidis(&["--maxclients", "2"]);
    let mut a = s.conn();
    let mut b = s.conn();
    assert_eq!(a.cmd(&["PING"]), b"+PONG\r\n");
    assert_eq!(b.cmd(&["PING"]), b"+PONG\r\n");
    let mut c = RawConn::connect(s.addr());
    let reply = c.read_reply();
    assert_eq!(reply, b"-ERR max number of clients reached\r\n");
    assert!(c.is_closed_within(Duration::from_secs(5)));
    drop(a);
    // A slot frees up once a client leaves.
    let start = Instant::now();
    loop {
        let mut d = RawConn::connect(s.addr());
        let r = d.cmd(&["PING"]);
        if r == b"+PONG\r\n" {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "slot never freed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Runs one `redis-benchmark` invocation and checks every test completed with no error.
fn bench(target: &[&str], extra: &[&str]) {
    let mut args: Vec<&str> = target.to_vec();
    args.extend_from_slice(&[
        "-t",
        "ping_inline,ping_mbulk,set,get,incr,mset",
        "-q",
        "-n",
        "2000",
    ]);
    args.extend_from_slice(extra);
    let (ok, out, err) = run_tool("redis-benchmark", &args, Duration::from_secs(120));
    assert!(ok, "redis-benchmark {args:?} failed: {err}\n{out}");
    for t in [
        "PING_INLINE",
        "PING_MBULK",
        "SET",
        "GET",
        "INCR",
        "MSET (10 keys)",
    ] {
        assert!(
            // Progress lines end in '\r'; the final line of each test ends in '\n'.
            out.split(['\r', '\n'])
                .any(|l| l.trim_start().starts_with(&format!("{t}: "))
                    && l.contains("requests per second")),
            "redis-benchmark {args:?}: no result for {t}:\n{out}\n{err}"
        );
    }
    assert!(
        !out.contains("ERR") && !err.contains("ERR"),
        "errors: {out}{err}"
    );
}

#[test]
fn redis_benchmark_runs_to_completion() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("bench.sock");
    let sock_s = sock.to_str().unwrap();
    let s = TestServer::oxidis(&["--unixsocket", sock_s, "--maxclients", "10000"]);
    let port = s.port().to_string();
    let tcp = ["-h", "127.0.0.1", "-p", port.as_str()];
    bench(&tcp, &[]);
    bench(&tcp, &["-P", "16"]);
    bench(&tcp, &["-c", "1000"]);
    bench(&tcp, &["-r", "1000000"]);
    bench(&tcp, &["-d", "4096"]);
    bench(&["-s", sock_s], &[]);
    // The server is still healthy and counted the work.
    let mut c = s.conn();
    assert_eq!(c.cmd(&["PING"]), b"+PONG\r\n");
    let info = String::from_utf8_lossy(&c.cmd(&["INFO", "stats"])).into_owned();
    let total: u64 = info
        .lines()
        .find_map(|l| l.strip_prefix("total_commands_processed:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("total_commands_processed");
    assert!(total >= 6 * 6 * 2000, "only {total} commands counted");
}

/// Sends `n` pipelined GETs of a 10 KB value without reading, then reads what arrives;
/// returns (replies received, connection closed by the server).
fn slow_reader(s: &TestServer, n: usize) -> (usize, bool) {
    let mut c = s.conn();
    let value = "x".repeat(10 * 1024);
    assert_eq!(c.cmd(&["SET", "big", value.as_str()]), b"+OK\r\n");
    let mut req = Vec::new();
    for _ in 0..n {
        req.extend_from_slice(b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n");
    }
    c.send(&req);
    // Let the server fill the socket and its output buffer before reading anything.
    std::thread::sleep(Duration::from_millis(500));
    let mut got = 0;
    while got < n {
        match c.try_read_reply() {
            Ok(r) => {
                assert!(r.starts_with(b"$10240\r\n"), "unexpected reply");
                got += 1;
            }
            Err(_) => return (got, true),
        }
    }
    (got, c.is_closed_within(Duration::from_millis(200)))
}

#[test]
fn output_buffer_limit_closes_slow_normal_clients() {
    let n = 4000; // 40 MB of replies: more than loopback socket buffers hold
    let s = TestServer::oxidis(&[]);
    // Default: normal clients have no limit and get every reply.
    assert_eq!(slow_reader(&s, n), (n, false));
    let mut admin = s.conn();
    assert_eq!(
        admin.cmd(&[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "normal 1mb 0 0"
        ]),
        b"+OK\r\n"
    );
    let (got, closed) = slow_reader(&s, n);
    assert!(closed && got < n, "got {got} replies, closed={closed}");
    // The server goes on serving others.
    assert_eq!(admin.cmd(&["PING"]), b"+PONG\r\n");
}
