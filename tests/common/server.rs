//! `TestServer`: one server process on an ephemeral loopback port in a fresh temp dir.
//!
//! Both kinds get the same command line, with no config file:
//! `<bin> --port P --bind 127.0.0.1 --dir TMP --save '' --appendonly no --enable-debug-command yes
//! <extra>`. stdout/stderr go to `TMP/server.log`, whose tail is printed when a start fails.
//! The process is killed (SIGKILL) and reaped on `Drop`.
//!
//! - [`TestServer::oxidis`] runs the crate's `oxidis-server`, or real `redis-server` when
//!   `OXIDIS_TEST_TARGET=redis` (so every test can be checked against the reference).
//! - [`TestServer::redis`] always runs `redis-server` (from `OXIDIS_REDIS_SERVER` or `PATH`); if it
//!   is missing the test fails with an explanation, it never passes silently.
//! - [`TestServer::legacy_redis`] runs Redis 6.2.14 (`make legacy-redis`, or
//!   `OXIDIS_LEGACY_REDIS_SERVER`), the writer of pre-7.0 RDB files; without
//!   `--enable-debug-command`, which 6.2 does not know. Missing: the test fails saying how to
//!   build it.
//!
//! Port choice: bind `127.0.0.1:0`, read the port, drop the socket, spawn. Starts are serialised
//! within a test binary and a start that dies early (port taken) is retried on another port.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::conn::RawConn;
use super::resp::scan_frame;

/// How long a start waits for the server to answer `PING`.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many ports a start tries before giving up.
const START_ATTEMPTS: usize = 5;

/// Serialises port choice + spawn + readiness within one test binary, so two parallel tests never
/// pick the same just-released port.
static START_LOCK: Mutex<()> = Mutex::new(());

/// Which server binary to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServerKind {
    Oxidis,
    Redis,
    /// Redis 6.2.14 (see [`legacy_redis_path`]).
    LegacyRedis,
}

/// True when `OXIDIS_TEST_TARGET=redis`: `TestServer::oxidis` then runs real redis-server.
pub fn target_is_redis() -> bool {
    std::env::var("OXIDIS_TEST_TARGET").is_ok_and(|v| v.eq_ignore_ascii_case("redis"))
}

/// Finds an executable by name in `PATH`.
pub fn find_in_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// Path of the reference `redis-server`, or a panic that says how to get one.
pub fn redis_server_path() -> PathBuf {
    if let Some(p) = std::env::var_os("OXIDIS_REDIS_SERVER") {
        return PathBuf::from(p);
    }
    find_in_path("redis-server").unwrap_or_else(|| {
        panic!(
            "redis-server not found in PATH: this test compares oxidis with the reference \
             Redis 7.0.15 and cannot run without it. Install it (Debian: `apt-get install \
             redis-server`) or set OXIDIS_REDIS_SERVER=/path/to/redis-server."
        )
    })
}

/// Path of Redis 6.2.14: `OXIDIS_LEGACY_REDIS_SERVER`, else what `make legacy-redis` builds
/// (`target/legacy-redis/redis-server`), else a panic saying how to get it.
pub fn legacy_redis_path() -> PathBuf {
    if let Some(p) = std::env::var_os("OXIDIS_LEGACY_REDIS_SERVER") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/legacy-redis/redis-server");
    if p.is_file() {
        return p;
    }
    panic!(
        "Redis 6.2.14 not found at {}: the legacy RDB tests load files and DUMP payloads \
         written by it. Build it with `make legacy-redis` (`make test` does), or set \
         OXIDIS_LEGACY_REDIS_SERVER=/path/to/redis-server (version 6.2).",
        p.display()
    )
}

fn binary(kind: ServerKind) -> PathBuf {
    match kind {
        ServerKind::Oxidis => PathBuf::from(env!("CARGO_BIN_EXE_oxidis-server")),
        ServerKind::Redis => redis_server_path(),
        ServerKind::LegacyRedis => legacy_redis_path(),
    }
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local_addr").port()
}

pub struct TestServer {
    kind: ServerKind,
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    extra: Vec<String>,
    log_path: PathBuf,
}

impl TestServer {
    /// Starts oxidis (or redis-server under `OXIDIS_TEST_TARGET=redis`) with `extra` flags.
    pub fn oxidis(extra: &[&str]) -> TestServer {
        let kind = if target_is_redis() {
            ServerKind::Redis
        } else {
            ServerKind::Oxidis
        };
        Self::start(kind, extra)
    }

    /// Starts the reference redis-server with `extra` flags.
    pub fn redis(extra: &[&str]) -> TestServer {
        Self::start(ServerKind::Redis, extra)
    }

    /// Starts Redis 6.2.14 with `extra` flags (6.2's directive names).
    pub fn legacy_redis(extra: &[&str]) -> TestServer {
        Self::start(ServerKind::LegacyRedis, extra)
    }

    /// Starts a server of the given kind in a fresh temp dir; panics (with the log tail) if it
    /// does not answer `PING` in time.
    pub fn start(kind: ServerKind, extra: &[&str]) -> TestServer {
        let dir = tempfile::Builder::new()
            .prefix("oxidis-test-")
            .tempdir()
            .expect("create temp dir");
        let log_path = dir.path().join("server.log");
        let mut s = TestServer {
            kind,
            child: None,
            port: 0,
            dir,
            extra: extra.iter().map(|s| s.to_string()).collect(),
            log_path,
        };
        s.launch(None);
        s
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `redis://127.0.0.1:port/` for the `redis` crate.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// The server's working dir (`--dir`): RDB/AOF files land here.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn kind(&self) -> ServerKind {
        self.kind
    }

    pub fn is_redis(&self) -> bool {
        self.kind == ServerKind::Redis
    }

    /// Process id of the running server (panics if it was killed).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("server is not running").id()
    }

    /// A new raw connection to this server.
    pub fn conn(&self) -> RawConn {
        RawConn::connect(self.addr())
    }

    /// True while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        match self.child.as_mut() {
            Some(c) => matches!(c.try_wait(), Ok(None)),
            None => false,
        }
    }

    /// SIGKILL and reap; a no-op if not running.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM (graceful shutdown), then waits up to `timeout` for the exit; SIGKILL after that.
    /// Returns the exit status if the process exited on its own.
    pub fn terminate(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let pid = self.child.as_ref()?.id();
        if let Ok(pid) = libc::pid_t::try_from(pid) {
            // SAFETY: plain kill(2) on the pid of a child we own and have not reaped yet.
            unsafe {
                libc::kill(pid, libc::SIGTERM);
            }
        }
        let status = self.wait_exit(timeout);
        self.kill();
        status
    }

    /// Waits up to `timeout` for the process to exit by itself (e.g. after `SHUTDOWN`).
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            let c = self.child.as_mut()?;
            match c.try_wait() {
                Ok(Some(st)) => {
                    self.child = None;
                    return Some(st);
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => return None,
            }
        }
    }

    /// Kills the server (if running) and starts it again in the same dir with the same flags,
    /// on the same port when possible (use `addr()` afterwards, not a cached address).
    pub fn restart(&mut self) {
        self.kill();
        let port = self.port;
        self.launch(Some(port));
    }

    /// Like [`restart`](Self::restart) with new extra flags (e.g. `--appendonly yes`).
    pub fn restart_with(&mut self, extra: &[&str]) {
        self.extra = extra.iter().map(|s| s.to_string()).collect();
        self.restart();
    }

    /// Everything the server has logged so far (all starts).
    pub fn log(&self) -> String {
        let mut s = String::new();
        if let Ok(mut f) = File::open(&self.log_path) {
            let mut bytes = Vec::new();
            let _ = f.read_to_end(&mut bytes);
            s = String::from_utf8_lossy(&bytes).into_owned();
        }
        s
    }

    /// The last `n` lines of the log.
    pub fn log_tail(&self, n: usize) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }

    fn command_line(&self, port: u16) -> Command {
        let mut cmd = Command::new(binary(self.kind));
        cmd.arg("--port")
            .arg(port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--dir")
            .arg(self.dir.path())
            .args(["--save", "", "--appendonly", "no"]);
        if self.kind != ServerKind::LegacyRedis {
            cmd.args(["--enable-debug-command", "yes"]);
        }
        cmd.args(&self.extra)
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Starts the process, trying `first_port` first and fresh ports afterwards.
    fn launch(&mut self, first_port: Option<u16>) {
        let _guard = START_LOCK.lock().unwrap_or_else(|p| p.into_inner());
        let mut failures = Vec::new();
        for attempt in 0..START_ATTEMPTS {
            let port = match (attempt, first_port) {
                (0, Some(p)) => p,
                _ => free_port(),
            };
            match self.try_launch(port) {
                Ok(()) => return,
                Err(why) => failures.push(format!("port {port}: {why}")),
            }
            if self.child.is_some() {
                // Alive but not answering: retrying on another port will not help.
                break;
            }
        }
        self.kill();
        panic!(
            "{:?} server failed to start ({}) in {}\n--- last lines of {} ---\n{}\n---",
            self.kind,
            failures.join("; "),
            self.dir.path().display(),
            self.log_path.display(),
            self.log_tail(40)
        );
    }

    fn try_launch(&mut self, port: u16) -> Result<(), String> {
        let mut log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log_path)
            .map_err(|e| format!("open log: {e}"))?;
        let _ = log.seek(SeekFrom::End(0));
        let mut cmd = self.command_line(port);
        let _ = writeln!(log, "=== test harness: starting {cmd:?} ===");
        let err = log.try_clone().map_err(|e| format!("clone log: {e}"))?;
        cmd.stdout(log).stderr(err);
        let child = cmd
            .spawn()
            .map_err(|e| format!("spawn {:?}: {e}", binary(self.kind)))?;
        self.child = Some(child);
        self.port = port;

        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Some(c) = self.child.as_mut() {
                if let Ok(Some(st)) = c.try_wait() {
                    self.child = None;
                    return Err(format!("exited early with {st}"));
                }
            }
            if ping(self.addr()) {
                // Make sure it is our process that answered, not one that owned the port.
                std::thread::sleep(Duration::from_millis(5));
                if let Some(c) = self.child.as_mut() {
                    if let Ok(Some(st)) = c.try_wait() {
                        self.child = None;
                        return Err(format!("exited early with {st}"));
                    }
                }
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("no reply to PING within {READY_TIMEOUT:?}"));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// True if a server at `addr` answers `PING` with a complete reply other than `-LOADING`.
fn ping(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let _ = s.set_write_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"*1\r\n$4\r\nPING\r\n").is_err() {
        return false;
    }
    let mut buf = Vec::new();
    let mut chunk = [0u8; 256];
    let deadline = Instant::now() + Duration::from_millis(500);
    while Instant::now() < deadline {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Ok(Some(_)) = scan_frame(&buf) {
            return !buf.starts_with(b"-LOADING");
        }
    }
    false
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
        if std::thread::panicking() {
            eprintln!(
                "{:?} server on port {} (dir {}), last log lines:\n{}",
                self.kind,
                self.port,
                self.dir.path().display(),
                self.log_tail(15)
            );
        }
    }
}
