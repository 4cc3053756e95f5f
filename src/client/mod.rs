//! Per-connection state: socket, query buffer and parser, reply buffer, selected db,
//! auth, transaction queue, and the fields `CLIENT LIST` reports.
//!
//! The loop owns every `Client` (in [`Clients`]); while one executes a command it is taken
//! out of the table, so handlers hold `&mut Client` and `&mut Core` at once.

use crate::resp::{Out, Parser};
use mio::net::{TcpStream, UnixStream};
use std::io::{self, Read, Write};

/// A client connection's socket.
pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    pub fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.read(buf),
            Conn::Unix(s) => s.read(buf),
        }
    }

    pub fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Tcp(s) => s.write(buf),
            Conn::Unix(s) => s.write(buf),
        }
    }

    pub fn source(&mut self) -> &mut dyn mio::event::Source {
        match self {
            Conn::Tcp(s) => s,
            Conn::Unix(s) => s,
        }
    }

    pub fn fd(&self) -> i32 {
        use std::os::unix::io::AsRawFd;
        match self {
            Conn::Tcp(s) => s.as_raw_fd(),
            Conn::Unix(s) => s.as_raw_fd(),
        }
    }
}

/// Client flags.
pub mod flags {
    /// Close once pending output is written (QUIT, protocol error, CLIENT KILL).
    pub const CLOSE_AFTER_REPLY: u32 = 1 << 0;
    /// Close now, without writing more.
    pub const CLOSE_ASAP: u32 = 1 << 1;
    /// Inside MULTI.
    pub const MULTI: u32 = 1 << 2;
    /// A command failed to queue: EXEC will abort.
    pub const DIRTY_EXEC: u32 = 1 << 3;
    /// A watched key was touched: EXEC will fail.
    pub const DIRTY_CAS: u32 = 1 << 4;
    /// MONITOR client.
    pub const MONITOR: u32 = 1 << 5;
    /// Never closed for idleness, no output limits (a replica or master link, later).
    pub const NO_EVICT: u32 = 1 << 6;
    /// Unix socket client.
    pub const UNIX: u32 = 1 << 7;
    /// Subscribed to at least one channel, pattern or shard channel: output limits of the
    /// pubsub class; in RESP2 only the pub/sub commands are allowed.
    pub const PUBSUB: u32 = 1 << 8;
    /// Blocked on keys (BLPOP & co.): input is not processed until unblocked (`crate::blocking`).
    pub const BLOCKED: u32 = 1 << 20;
    /// May not block (running inside EXEC): blocking commands answer as on timeout.
    pub const DENY_BLOCKING: u32 = 1 << 21;
}

/// `CLIENT REPLY` mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// Skip the reply of the next command only.
    SkipNext,
    /// Currently skipping this command's reply.
    Skip,
}

/// A command queued by MULTI.
pub struct Queued {
    pub id: usize,
    pub argv: Vec<Vec<u8>>,
}

pub struct Client {
    pub id: u64,
    /// Index in [`Clients`] (and the mio token).
    pub token: usize,
    pub conn: Conn,
    pub addr: String,
    pub laddr: String,
    pub flags: u32,
    pub qbuf: Vec<u8>,
    /// Start of unprocessed data in `qbuf`.
    pub qpos: usize,
    pub parser: Parser,
    pub out: Out,
    /// Bytes of `out.buf` already written to the socket.
    pub sent: usize,
    /// Bytes written since connect (for `INFO stats total_net_output_bytes`).
    pub db: usize,
    pub name: Option<Vec<u8>>,
    pub lib_name: Option<Vec<u8>>,
    pub lib_ver: Option<Vec<u8>>,
    pub authenticated: bool,
    pub reply_mode: ReplyMode,
    pub multi: Vec<Queued>,
    /// Watched keys: (db, key).
    pub watched: Vec<(usize, Vec<u8>)>,
    pub ctime_ms: i64,
    pub last_interaction_ms: i64,
    /// Name of the last command run (`CLIENT LIST cmd=`).
    pub last_cmd: &'static str,
    pub writable_registered: bool,
    /// Protocol error text to log when the client is closed for it.
    pub close_reason: Option<String>,
    /// Since when (ms) pending output has been above the soft limit of its class.
    pub obuf_soft_since: Option<i64>,
    /// Pub/sub subscriptions (see [`crate::pubsub`]).
    pub subs: crate::pubsub::ClientSubs,
}

impl Client {
    pub fn new(
        id: u64,
        token: usize,
        conn: Conn,
        addr: String,
        laddr: String,
        now_ms: i64,
    ) -> Self {
        Client {
            id,
            token,
            conn,
            addr,
            laddr,
            flags: 0,
            qbuf: Vec::new(),
            qpos: 0,
            parser: Parser::new(),
            out: Out::new(),
            sent: 0,
            db: 0,
            name: None,
            lib_name: None,
            lib_ver: None,
            obuf_soft_since: None,
            authenticated: false,
            reply_mode: ReplyMode::On,
            multi: Vec::new(),
            watched: Vec::new(),
            ctime_ms: now_ms,
            last_interaction_ms: now_ms,
            last_cmd: "NULL",
            writable_registered: false,
            close_reason: None,
            subs: Default::default(),
        }
    }

    #[inline]
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    /// Output not yet written.
    pub fn pending_output(&self) -> usize {
        self.out.buf.len() - self.sent
    }

    /// Writes as much pending output as the socket takes. `Ok(true)` when all is written.
    pub fn flush(&mut self, written: &mut u64) -> io::Result<bool> {
        while self.sent < self.out.buf.len() {
            match self.conn.write(&self.out.buf[self.sent..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.sent += n;
                    *written += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
        self.out.buf.clear();
        self.sent = 0;
        if self.out.buf.capacity() > 64 * 1024 {
            self.out.buf.shrink_to(16 * 1024);
        }
        Ok(true)
    }

    /// Redis `checkClientOutputBufferLimits`: true when pending output is over the hard
    /// limit of the client's class, or has stayed over the soft limit for the soft time.
    /// Side effect: tracks when the soft limit was first exceeded.
    pub fn obuf_over_limit(&mut self, limits: &crate::config::ObufLimits, now_ms: i64) -> bool {
        let class = if self.has(flags::PUBSUB) {
            crate::config::OBUF_PUBSUB
        } else {
            crate::config::OBUF_NORMAL
        };
        let l = &limits[class];
        let used = self.pending_output() as u64;
        let hard = l.hard_limit_bytes > 0 && used >= l.hard_limit_bytes;
        let soft_over = l.soft_limit_bytes > 0 && used >= l.soft_limit_bytes;
        if !soft_over {
            self.obuf_soft_since = None;
            return hard;
        }
        let Some(since) = self.obuf_soft_since else {
            // First time over the soft limit: start the clock.
            self.obuf_soft_since = Some(now_ms);
            return hard;
        };
        hard || (now_ms - since) / 1000 > l.soft_limit_seconds
    }

    /// The `flags=` letters of `CLIENT LIST`.
    pub fn flag_letters(&self) -> String {
        let mut s = String::new();
        // Redis's order: O (monitor), P (subscribed), then x ...
        if self.has(flags::MONITOR) {
            s.push('O');
        }
        if self.has(flags::PUBSUB) {
            s.push('P');
        }
        if self.has(flags::MULTI) {
            s.push('x');
        }
        if self.has(flags::BLOCKED) {
            s.push('b');
        }
        if self.has(flags::DIRTY_CAS) {
            s.push('d');
        }
        if self.has(flags::CLOSE_AFTER_REPLY) {
            s.push('c');
        }
        if self.has(flags::CLOSE_ASAP) {
            s.push('A');
        }
        if self.has(flags::NO_EVICT) {
            s.push('e');
        }
        if self.has(flags::UNIX) {
            s.push('U');
        }
        if s.is_empty() {
            s.push('N');
        }
        s
    }
}

/// All connected clients, indexed by token. A slot is `None` while its client executes
/// (taken out) or after it disconnected (then on the free list).
#[derive(Default)]
pub struct Clients {
    slots: Vec<Option<Box<Client>>>,
    free: Vec<usize>,
    count: usize,
}

impl Clients {
    /// A free token for a new client.
    pub fn vacant(&mut self) -> usize {
        match self.free.pop() {
            Some(t) => t,
            None => {
                self.slots.push(None);
                self.slots.len() - 1
            }
        }
    }

    pub fn insert(&mut self, c: Box<Client>) {
        let t = c.token;
        self.slots[t] = Some(c);
        self.count += 1;
    }

    /// Returns a token from [`Clients::vacant`] that never got a client.
    pub fn release_unused(&mut self, token: usize) {
        self.free.push(token);
    }

    /// Takes a client out to run it; put it back with [`Clients::put`].
    pub fn take(&mut self, token: usize) -> Option<Box<Client>> {
        self.slots.get_mut(token)?.take()
    }

    pub fn put(&mut self, c: Box<Client>) {
        let t = c.token;
        self.slots[t] = Some(c);
    }

    /// Forgets a client that was taken out and is being closed.
    pub fn release(&mut self, token: usize) {
        self.free.push(token);
        self.count -= 1;
    }

    pub fn get(&self, token: usize) -> Option<&Client> {
        self.slots.get(token)?.as_deref()
    }

    pub fn get_mut(&mut self, token: usize) -> Option<&mut Client> {
        self.slots.get_mut(token)?.as_deref_mut()
    }

    /// Connected clients (including one currently taken out).
    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Client> {
        self.slots.iter().filter_map(|s| s.as_deref())
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Client> {
        self.slots.iter_mut().filter_map(|s| s.as_deref_mut())
    }

    pub fn tokens(&self) -> Vec<usize> {
        self.slots
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(i, _)| i)
            .collect()
    }
}
