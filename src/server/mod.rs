//! The event loop: one thread, one mio `Poll`, owning every client and the whole keyspace.
//!
//! Each iteration: poll (after a busy iteration, polling without sleeping for a few
//! microseconds first) → accept / read every ready socket → parse and execute every complete
//! request → apply queued effects → `before_sleep` (write replies directly; register
//! `WRITABLE` only for clients whose write was short) → cron at `hz`.
//! Signals (SIGTERM, SIGINT) arrive through a self-pipe registered in the same poll.

mod cron;

use crate::client::{flags, Client, Conn};
use crate::cmd::call;
use crate::core::{now_ms, Core, Effect};
use crate::listener::{self, Listener};
use crate::persistence::snapshot;
use crate::resp::parse::Parsed;
use log::{debug, info, warn};
use mio::{Events, Interest, Poll, Token};
use std::io;
use std::time::Duration;

/// Tokens at or above this are listeners and the signal pipe.
const LISTENER_BASE: usize = usize::MAX / 2;
const SIGNAL_TOKEN: Token = Token(usize::MAX - 1);
/// Read size per `read` call (PROTO_IOBUF_LEN).
const IOBUF_LEN: usize = 16 * 1024;
/// How long the loop keeps polling without sleeping after an iteration that handled events
/// (see `poll_events`); 0 on a single CPU, where it would only take time from the peers.
const SPIN: Duration = Duration::from_micros(20);

pub struct Server {
    poll: Poll,
    listeners: Vec<Listener>,
    pub core: Core,
    signals: mio::net::UnixStream,
    /// Clients with output produced since the last `before_sleep`.
    pending_write: Vec<usize>,
    /// Clients to close after this iteration.
    to_close: Vec<usize>,
    /// Read buffer shared by all clients (zeroed once, so reads never clear memory).
    iobuf: Vec<u8>,
    /// The argv vector of every request, kept empty between calls (no allocation per command).
    argv: Vec<&'static [u8]>,
    last_cron_ms: i64,
    /// `SPIN`, or zero on a machine with one CPU.
    spin: Duration,
}

impl Server {
    /// Binds the listeners configured in `core.config` and installs signal handlers.
    pub fn new(core: Core) -> io::Result<Server> {
        let poll = Poll::new()?;
        let (sig_r, sig_w) = std::os::unix::net::UnixStream::pair()?;
        sig_r.set_nonblocking(true)?;
        sig_w.set_nonblocking(true)?;
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::low_level::pipe::register(sig, sig_w.try_clone()?)?;
        }
        let mut signals = mio::net::UnixStream::from_std(sig_r);
        poll.registry()
            .register(&mut signals, SIGNAL_TOKEN, Interest::READABLE)?;
        let mut s = Server {
            poll,
            listeners: Vec::new(),
            core,
            signals,
            pending_write: Vec::new(),
            to_close: Vec::new(),
            iobuf: vec![0; IOBUF_LEN],
            argv: Vec::new(),
            last_cron_ms: now_ms(),
            // CPUs online, not the affinity mask: pinned to one CPU, the loop still
            // spins usefully while clients run on the others.
            // SAFETY: sysconf has no preconditions.
            spin: if unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) } > 1 {
                SPIN
            } else {
                Duration::ZERO
            },
        };
        s.bind_listeners()?;
        // The RDB writer thread waits from now on: a BGSAVE then starts without a spawn.
        if let Err(e) = snapshot::prepare_writer(&mut s.core) {
            warn!("Can't start the RDB writer thread (retried at the first save): {e}");
        }
        Ok(s)
    }

    fn bind_listeners(&mut self) -> io::Result<()> {
        let mut ls = listener::bind_all(&self.core.config)?;
        for (i, l) in ls.iter_mut().enumerate() {
            l.register(self.poll.registry(), Token(LISTENER_BASE + i))?;
        }
        self.core.tcp_port = ls.iter().find_map(|l| l.port()).unwrap_or(0);
        self.listeners = ls;
        Ok(())
    }

    /// Replaces the listeners with ones bound by CONFIG SET.
    fn swap_listeners(&mut self, mut ls: Vec<Listener>) {
        for l in self.listeners.iter_mut() {
            l.deregister(self.poll.registry());
        }
        for (i, l) in ls.iter_mut().enumerate() {
            if let Err(e) = l.register(self.poll.registry(), Token(LISTENER_BASE + i)) {
                warn!("Registering listener: {e}");
            }
        }
        self.core.tcp_port = ls.iter().find_map(|l| l.port()).unwrap_or(0);
        self.listeners = ls;
    }

    /// The TCP port actually bound (useful with `--port 0`).
    pub fn port(&self) -> u16 {
        self.core.tcp_port
    }

    /// Runs until SHUTDOWN or a signal.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut busy = false;
        loop {
            let hz = self.core.config.hz.clamp(1, 500);
            let period = 1000 / hz;
            let mut wait = (self.last_cron_ms + period - now_ms()).clamp(0, period);
            if let (Some((until, _)), false) =
                (self.core.pause, self.core.paused_clients.is_empty())
            {
                wait = wait.min((until - now_ms()).max(0));
            }
            // Wake up for the nearest blocked-client timeout.
            if let Some(deadline) = self.core.blocking.next_deadline() {
                wait = wait.min((deadline - now_ms()).max(0));
            }
            if snapshot::walking(&self.core) {
                // The walk continues next iteration: no sleep while it may progress, a short
                // one while the writer catches up.
                wait = wait.min(if snapshot::can_step(&self.core) { 0 } else { 1 });
            }
            // Eviction that ran out of time goes on at once (Redis's 0 ms time event).
            if self.core.evict.proc_running {
                wait = 0;
            }
            // Output produced by the cron (keyspace events of active expiry) goes out now.
            if !self.core.wake_write.is_empty() {
                wait = 0;
            }
            self.poll_events(&mut events, wait, busy)?;
            busy = !events.is_empty();
            for ev in events.iter() {
                let t = ev.token();
                if t == SIGNAL_TOKEN {
                    self.on_signal();
                } else if t.0 >= LISTENER_BASE {
                    self.accept(t.0 - LISTENER_BASE);
                } else {
                    if ev.is_readable() || ev.is_read_closed() || ev.is_error() {
                        self.on_readable(t.0, ev.is_read_closed() || ev.is_error());
                    }
                    if ev.is_writable() {
                        self.pending_write.push(t.0);
                    }
                }
            }
            if let Some(ls) = self.core.new_listeners.take() {
                self.swap_listeners(ls);
            }
            self.apply_effects();
            self.resume_paused();
            self.apply_effects();
            self.run_blocking();
            if self.core.evict.proc_running {
                self.evict_slice();
            }
            self.before_sleep();
            snapshot::step(&mut self.core);
            let now = now_ms();
            if now - self.last_cron_ms >= period {
                self.last_cron_ms = now;
                cron::run(self, now);
            }
            if let Some(req) = self.core.shutdown.take() {
                if self.prepare_shutdown(req) {
                    return Ok(());
                }
            }
        }
    }

    /// Waits up to `wait_ms` for events. After a busy iteration (`busy`) it first polls
    /// without sleeping for up to `self.spin`: a request/reply client (`redis-benchmark -P 1`)
    /// sends its next request a few microseconds after our reply, and a loop asleep by then
    /// costs the sender a cross-CPU wakeup in its `write` and the loop a scheduler round trip.
    /// At -c 50 -P 1 on 2 CPUs, loop sleeps per request 0.18 -> 0.03 and the client (the
    /// bottleneck) spends 4-12% less CPU per request: docs/performance.md, "-P 1: where the
    /// time goes". Each empty poll yields the CPU, so on a loaded machine the spin costs
    /// other threads nothing.
    fn poll_events(&mut self, events: &mut Events, wait_ms: i64, busy: bool) -> io::Result<()> {
        if busy && wait_ms > 0 && !self.spin.is_zero() {
            let start = std::time::Instant::now();
            loop {
                match self.poll.poll(events, Some(Duration::ZERO)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
                if !events.is_empty() || start.elapsed() >= self.spin {
                    break;
                }
                // Polite: a thread waiting for this CPU gets it at once.
                // SAFETY: sched_yield has no preconditions.
                unsafe { libc::sched_yield() };
            }
            if !events.is_empty() {
                return Ok(());
            }
        }
        match self
            .poll
            .poll(events, Some(Duration::from_millis(wait_ms as u64)))
        {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// One more slice of eviction after `perform_evictions` hit its time limit (or
    /// `CONFIG SET maxmemory`), with the effects of the deleted keys on other clients.
    fn evict_slice(&mut self) {
        crate::evict::time_proc(&mut self.core);
        call::apply_cas_dirty(&mut self.core, None, None);
    }

    fn on_signal(&mut self) {
        let mut buf = [0u8; 64];
        let mut n = 0;
        while let Ok(k) = self.signals.read_nb(&mut buf) {
            if k == 0 {
                break;
            }
            n += k;
        }
        if n > 0 {
            warn!("Received SIGTERM scheduling shutdown...");
            self.core.shutdown = Some(Default::default());
        }
    }

    fn accept(&mut self, idx: usize) {
        loop {
            let Some(l) = self.listeners.get_mut(idx) else {
                return;
            };
            let (conn, addr, laddr) = match l.accept() {
                Ok(x) => x,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    warn!("Accepting client connection: {e}");
                    return;
                }
            };
            self.new_client(conn, addr, laddr);
        }
    }

    fn new_client(&mut self, mut conn: Conn, addr: String, laddr: String) {
        let core = &mut self.core;
        let unix = matches!(conn, Conn::Unix(_));
        if core.clients.len() >= core.config.maxclients as usize {
            // Best effort, as Redis: the error is written once and the socket dropped.
            let _ = conn.write(b"-ERR max number of clients reached\r\n");
            core.stats.rejected_connections += 1;
            return;
        }
        if let Conn::Tcp(s) = &conn {
            let _ = s.set_nodelay(true);
            if core.config.tcp_keepalive > 0 {
                let sock = socket2::SockRef::from(s);
                let ka = socket2::TcpKeepalive::new()
                    .with_time(Duration::from_secs(core.config.tcp_keepalive as u64));
                let _ = sock.set_tcp_keepalive(&ka);
            }
        }
        let token = core.clients.vacant();
        if let Err(e) =
            self.poll
                .registry()
                .register(conn.source(), Token(token), Interest::READABLE)
        {
            warn!("Error registering fd event for the new client: {e}");
            core.clients.release_unused(token);
            return;
        }
        let id = core.next_client_id;
        core.next_client_id += 1;
        core.stats.connections_received += 1;
        let mut c = Box::new(Client::new(id, token, conn, addr, laddr, now_ms()));
        if unix {
            c.flags |= flags::UNIX;
        }
        c.authenticated = core.config.requirepass.is_none();
        debug!("Accepted {}", c.addr);
        core.clients.insert(c);
    }

    /// Reads everything available, then executes every complete request. A short read means
    /// the socket is drained (readiness is edge-triggered: new data raises a new event), so
    /// only `drain` (the peer closed or the socket failed) reads on until `WouldBlock`/EOF.
    fn on_readable(&mut self, token: usize, drain: bool) {
        let Some(mut c) = self.core.clients.take(token) else {
            return;
        };
        let mut closed = false;
        loop {
            // Small reads land in the shared, already zeroed `iobuf` and are appended; only a
            // big bulk argument is read straight into the query buffer, sized to what it needs.
            let len = c.qbuf.len();
            let big = c.parser.pending_big_bulk(len).unwrap_or(0);
            let read = if big > IOBUF_LEN {
                c.qbuf.reserve(big);
                let cap = c.qbuf.capacity();
                c.qbuf.resize(cap, 0);
                let r = c.conn.read(&mut c.qbuf[len..]);
                c.qbuf.truncate(len + r.as_ref().map_or(0, |&n| n));
                r.map(|n| (n, cap - len))
            } else {
                let r = c.conn.read(&mut self.iobuf);
                if let Ok(n) = r {
                    c.qbuf.extend_from_slice(&self.iobuf[..n]);
                }
                r.map(|n| (n, IOBUF_LEN))
            };
            match read {
                Ok((0, _)) => {
                    closed = true;
                    break;
                }
                Ok((n, room)) => {
                    self.core.stats.net_input_bytes += n as u64;
                    if c.qbuf.len() - c.qpos > self.core.config.client_query_buffer_limit as usize {
                        warn!(
                            "Closing client that reached max query buffer length: {}",
                            c.addr
                        );
                        closed = true;
                        break;
                    }
                    if n < room && !drain {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    debug!("Reading from client: {e}");
                    closed = true;
                    break;
                }
            }
        }
        self.process_input(&mut c);
        if closed {
            c.flags |= flags::CLOSE_ASAP;
        }
        self.core.clients.put(c);
        self.pending_write.push(token);
    }

    /// Parses and runs every complete request in the client's query buffer.
    fn process_input(&mut self, c: &mut Client) {
        let qbuf = std::mem::take(&mut c.qbuf);
        let mut argv: Vec<&[u8]> = std::mem::take(&mut self.argv);
        let max_bulk = self.core.config.proto_max_bulk_len;
        // A blocked client's input waits until it is served, times out or is unblocked.
        while !c.has(flags::CLOSE_AFTER_REPLY | flags::CLOSE_ASAP | flags::BLOCKED) {
            let auth = c.authenticated;
            match c.parser.parse(&qbuf, c.qpos, auth, max_bulk) {
                Ok(None) => break,
                Ok(Some((kind, end))) => {
                    if self.core.pause.is_some() && self.held_by_pause(c, &qbuf, kind) {
                        // Left unconsumed: parsed again once the pause ends.
                        self.core.paused_clients.push(c.token);
                        break;
                    }
                    c.qpos = end;
                    let keep_going = match kind {
                        Parsed::Offsets => {
                            argv.clear();
                            argv.extend(c.parser.args.iter().map(|&(s, e)| &qbuf[s..e]));
                            call::process(&mut self.core, c, &argv)
                        }
                        Parsed::Owned => {
                            let owned = std::mem::take(&mut c.parser.inline_args);
                            let argv: Vec<&[u8]> = owned.iter().map(|a| a.as_slice()).collect();
                            call::process(&mut self.core, c, &argv)
                        }
                    };
                    if !keep_going {
                        break;
                    }
                }
                Err(e) => {
                    debug!("Protocol error ({}) from client: {}", e.0, c.addr);
                    let mut msg = b"ERR ".to_vec();
                    msg.extend_from_slice(e.0.as_bytes());
                    c.out.error(&msg);
                    self.core.stats.error_replies += 1;
                    *self
                        .core
                        .stats
                        .errorstats
                        .entry(b"ERR".to_vec())
                        .or_insert(0) += 1;
                    c.flags |= flags::CLOSE_AFTER_REPLY;
                    break;
                }
            }
        }
        self.argv = recycle(argv);
        let mut qbuf = qbuf;
        if c.qpos > 0 {
            qbuf.drain(..c.qpos);
            c.parser.shift(c.qpos);
            c.qpos = 0;
        }
        if qbuf.is_empty() && qbuf.capacity() > 64 * 1024 {
            qbuf = Vec::new();
        }
        c.qbuf = qbuf;
    }

    /// True if `CLIENT PAUSE` holds back the request just parsed.
    fn held_by_pause(&self, c: &Client, qbuf: &[u8], kind: Parsed) -> bool {
        let name: &[u8] = match kind {
            Parsed::Offsets => match c.parser.args.first() {
                Some(&(s, e)) => &qbuf[s..e],
                None => return false,
            },
            Parsed::Owned => match c.parser.inline_args.first() {
                Some(a) => a,
                None => return false,
            },
        };
        let reg = &self.core.registry;
        let Some(id) = reg.lookup(name) else {
            return self.core.pause_applies(0, now_ms());
        };
        // The RESP2 pub/sub context refuses before the pause holds (Redis's gate order).
        if crate::pubsub::refused_in_context(c, reg.cmds[id].meta.name) {
            return false;
        }
        let flags = reg.cmds[id].meta.flags | crate::pubsub::pause_flags(name);
        self.core.pause_applies(flags, now_ms())
    }

    /// Resumes clients held by a `CLIENT PAUSE` that ended (expired or UNPAUSE).
    fn resume_paused(&mut self) {
        if self.core.paused_clients.is_empty() {
            return;
        }
        if let Some((until, _)) = self.core.pause {
            if now_ms() < until {
                return;
            }
            self.core.pause = None;
        }
        let mut tokens = std::mem::take(&mut self.core.paused_clients);
        tokens.sort_unstable();
        tokens.dedup();
        for t in tokens {
            let Some(mut c) = self.core.clients.take(t) else {
                continue;
            };
            self.process_input(&mut c);
            self.core.clients.put(c);
            self.pending_write.push(t);
        }
    }

    /// Blocked clients: replies to those whose timeout passed, then runs the pending input
    /// of every client unblocked since the last look (served, timed out, CLIENT UNBLOCK).
    fn run_blocking(&mut self) {
        crate::blocking::expire_timeouts(&mut self.core, now_ms());
        // Each round consumes input, so rounds end; the bound is a safety net.
        for _ in 0..1000 {
            let tokens = self.core.blocking.take_unblocked();
            if tokens.is_empty() {
                break;
            }
            for t in tokens {
                let Some(mut c) = self.core.clients.take(t) else {
                    continue;
                };
                self.process_input(&mut c);
                self.core.clients.put(c);
                self.pending_write.push(t);
            }
        }
        self.pending_write.append(&mut self.core.wake_write);
    }

    /// Applies what commands queued for other clients.
    fn apply_effects(&mut self) {
        self.pending_write.append(&mut self.core.wake_write);
        for e in std::mem::take(&mut self.core.effects) {
            match e {
                Effect::Kill(t) => {
                    if let Some(c) = self.core.clients.get_mut(t) {
                        c.flags |= flags::CLOSE_AFTER_REPLY;
                        self.pending_write.push(t);
                    }
                }
            }
        }
    }

    /// Writes pending replies directly; registers `WRITABLE` only where a write was short.
    fn before_sleep(&mut self) {
        let mut tokens = std::mem::take(&mut self.pending_write);
        tokens.sort_unstable();
        tokens.dedup();
        for t in tokens.iter().copied() {
            let Some(c) = self.core.clients.get_mut(t) else {
                continue;
            };
            if c.has(flags::CLOSE_ASAP) {
                self.to_close.push(t);
                continue;
            }
            match c.flush(&mut self.core.stats.net_output_bytes) {
                Ok(true) => {
                    if c.has(flags::CLOSE_AFTER_REPLY) {
                        self.to_close.push(t);
                    } else if c.writable_registered {
                        c.writable_registered = false;
                        let _ = self.poll.registry().reregister(
                            c.conn.source(),
                            Token(t),
                            Interest::READABLE,
                        );
                    }
                }
                Ok(false) => {
                    // The clock is read only for short writes (output buffer limits).
                    let now = crate::core::now_ms();
                    if c.obuf_over_limit(&self.core.config.client_output_buffer_limit, now) {
                        warn!(
                            "Client {} scheduled to be closed ASAP for overcoming of output buffer limits.",
                            crate::cmd::connection::client_line(c, now)
                        );
                        self.to_close.push(t);
                        continue;
                    }
                    if !c.writable_registered {
                        c.writable_registered = true;
                        let _ = self.poll.registry().reregister(
                            c.conn.source(),
                            Token(t),
                            Interest::READABLE | Interest::WRITABLE,
                        );
                    }
                }
                Err(e) => {
                    debug!("Error writing to client: {e}");
                    self.to_close.push(t);
                }
            }
        }
        tokens.clear();
        self.pending_write = tokens;
        for t in std::mem::take(&mut self.to_close) {
            self.close_client(t);
        }
    }

    /// Closes a client and forgets every reference to it.
    pub fn close_client(&mut self, token: usize) {
        let Some(mut c) = self.core.clients.take(token) else {
            return;
        };
        let _ = self.poll.registry().deregister(c.conn.source());
        self.core.monitors.retain(|&t| t != token);
        crate::blocking::forget(&mut self.core, token);
        crate::cmd::transaction::unwatch_all(&mut self.core, &mut c);
        crate::pubsub::forget_client(&mut self.core, &mut c);
        debug!("Client closed connection {}", c.addr);
        self.core.clients.release(token);
    }

    /// Handles a shutdown request; false when it was aborted and the server goes on.
    fn prepare_shutdown(&mut self, req: crate::core::ShutdownRequest) -> bool {
        info!("User requested shutdown...");
        if snapshot::shutdown_save(&mut self.core, req.save, req.force).is_err() {
            warn!("SIGTERM received but errors trying to shut down the server, check the logs for more information");
            return false;
        }
        for t in self.core.clients.tokens() {
            if let Some(c) = self.core.clients.get_mut(t) {
                let _ = c.flush(&mut self.core.stats.net_output_bytes);
            }
        }
        if let Some(path) = self.core.config.unixsocket.as_ref() {
            let _ = std::fs::remove_file(String::from_utf8_lossy(path).as_ref());
        }
        info!("Redis is now ready to exit, bye bye...");
        true
    }
}

/// Empties an argv vector and returns it with a free lifetime, keeping its allocation
/// (an in-place collect over an empty vector of same-layout elements).
fn recycle<'b>(mut v: Vec<&[u8]>) -> Vec<&'b [u8]> {
    v.clear();
    v.into_iter().map(|_| &[][..]).collect()
}

trait ReadNb {
    fn read_nb(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

impl ReadNb for mio::net::UnixStream {
    fn read_nb(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        io::Read::read(self, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::recycle;

    #[test]
    fn recycle_keeps_the_allocation() {
        let data = b"set k v".to_vec();
        let mut v: Vec<&[u8]> = Vec::with_capacity(8);
        v.extend(data.split(|&b| b == b' '));
        let ptr = v.as_ptr() as usize;
        let r: Vec<&'static [u8]> = recycle(v);
        assert!(r.is_empty());
        assert_eq!(r.capacity(), 8);
        assert_eq!(r.as_ptr() as usize, ptr);
    }
}
