//! `RawConn`: a blocking TCP client that speaks raw RESP, for byte-exact assertions.
//!
//! Every read is bounded by a timeout (10 s by default, [`RawConn::set_timeout`]), so a server
//! that never answers fails the test instead of hanging it. Replies are returned as the exact
//! bytes of one complete frame (see [`super::resp::scan_frame`]); bytes of later replies stay
//! buffered for the next read.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::resp::{encode_command, escape, scan_frame};

/// Default bound on how long a read waits for a reply.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Outcome of one bounded read from the socket.
enum Fill {
    Data,
    Eof,
    Timeout,
}

pub struct RawConn {
    stream: TcpStream,
    buf: Vec<u8>,
    timeout: Duration,
    closed: bool,
}

impl RawConn {
    /// Connects or panics with the address and the error.
    pub fn connect<A: ToSocketAddrs + std::fmt::Debug>(addr: A) -> RawConn {
        Self::try_connect(&addr).unwrap_or_else(|e| panic!("RawConn: connect to {addr:?}: {e}"))
    }

    /// Connects, reporting failure to the caller (e.g. to assert a server refuses connections).
    pub fn try_connect<A: ToSocketAddrs>(addr: A) -> io::Result<RawConn> {
        let mut last = io::Error::new(ErrorKind::InvalidInput, "no address");
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, Duration::from_secs(5)) {
                Ok(stream) => {
                    stream.set_nodelay(true)?;
                    stream.set_write_timeout(Some(DEFAULT_TIMEOUT))?;
                    return Ok(RawConn {
                        stream,
                        buf: Vec::new(),
                        timeout: DEFAULT_TIMEOUT,
                        closed: false,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Changes the bound used by [`read_reply`](Self::read_reply) and friends.
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    pub fn peer_addr(&self) -> SocketAddr {
        self.stream.peer_addr().expect("peer_addr")
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.stream.local_addr().expect("local_addr")
    }

    /// The underlying socket (e.g. to shut down one direction).
    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }

    /// Bytes received but not yet returned as a reply.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Writes raw bytes (any protocol, possibly malformed). Panics on a write error.
    pub fn send(&mut self, bytes: &[u8]) {
        self.try_send(bytes)
            .unwrap_or_else(|e| panic!("RawConn: write to {}: {e}", self.peer_addr()));
    }

    /// Writes raw bytes, reporting errors (a closed peer may yield `EPIPE`/`ECONNRESET`).
    pub fn try_send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.write_all(bytes)?;
        self.stream.flush()
    }

    /// Sends one multibulk request and returns exactly one complete raw reply.
    pub fn cmd<A: AsRef<[u8]>>(&mut self, args: &[A]) -> Vec<u8> {
        self.send(&encode_command(args));
        self.read_reply()
    }

    /// `cmd` with the arguments taken from `line` split on ASCII whitespace (no quoting).
    pub fn cmd_str(&mut self, line: &str) -> Vec<u8> {
        let args: Vec<&[u8]> = line.split_ascii_whitespace().map(str::as_bytes).collect();
        self.cmd(&args)
    }

    /// Sends all requests in one write, then reads one reply per request, in order.
    pub fn pipeline(&mut self, cmds: &[Vec<Vec<u8>>]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for c in cmds {
            out.extend_from_slice(&encode_command(c));
        }
        self.send(&out);
        cmds.iter().map(|_| self.read_reply()).collect()
    }

    /// Reads one complete reply, panicking on timeout, on EOF or on malformed bytes (showing
    /// what was received).
    pub fn read_reply(&mut self) -> Vec<u8> {
        self.try_read_reply()
            .unwrap_or_else(|e| panic!("RawConn: {e}"))
    }

    /// Reads one complete reply; `Err` describes a timeout, EOF or malformed bytes.
    pub fn try_read_reply(&mut self) -> Result<Vec<u8>, String> {
        let timeout = self.timeout;
        match self.read_reply_inner(timeout) {
            Ok(Some(r)) => Ok(r),
            Ok(None) if self.closed => Err(format!(
                "connection closed by {} while waiting for a reply (buffered: \"{}\")",
                self.peer_addr_str(),
                escape(&self.buf)
            )),
            Ok(None) => Err(format!(
                "no complete reply from {} within {timeout:?} (buffered: \"{}\")",
                self.peer_addr_str(),
                escape(&self.buf)
            )),
            Err(e) => Err(format!("{e} (buffered: \"{}\")", escape(&self.buf))),
        }
    }

    /// Reads one complete reply if it arrives within `timeout`; `None` on timeout or EOF.
    /// Panics on malformed bytes.
    pub fn read_reply_timeout(&mut self, timeout: Duration) -> Option<Vec<u8>> {
        match self.read_reply_inner(timeout) {
            Ok(r) => r,
            Err(e) => panic!("RawConn: {e} (buffered: \"{}\")", escape(&self.buf)),
        }
    }

    /// True if the peer has closed (or reset) the connection. Waits up to 500 ms for the close
    /// to arrive; bytes received meanwhile stay buffered.
    pub fn is_closed(&mut self) -> bool {
        self.is_closed_within(Duration::from_millis(500))
    }

    /// [`is_closed`](Self::is_closed) with an explicit bound.
    pub fn is_closed_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while !self.closed {
            match self.fill(deadline) {
                Fill::Data => continue,
                Fill::Eof => break,
                Fill::Timeout => return false,
            }
        }
        true
    }

    /// Reads everything until the peer closes (bounded by `timeout`) and returns it, including
    /// previously buffered bytes.
    pub fn read_until_closed(&mut self, timeout: Duration) -> Vec<u8> {
        let deadline = Instant::now() + timeout;
        while !self.closed {
            if let Fill::Timeout = self.fill(deadline) {
                break;
            }
        }
        std::mem::take(&mut self.buf)
    }

    fn peer_addr_str(&self) -> String {
        self.stream
            .peer_addr()
            .map(|a| a.to_string())
            .unwrap_or_else(|_| "<closed peer>".into())
    }

    fn read_reply_inner(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(end) = scan_frame(&self.buf)? {
                return Ok(Some(self.buf.drain(..end).collect()));
            }
            if self.closed {
                return Ok(None);
            }
            match self.fill(deadline) {
                Fill::Data => {}
                Fill::Eof => {}
                Fill::Timeout => return Ok(None),
            }
        }
    }

    /// One read bounded by `deadline`, appending to the buffer.
    fn fill(&mut self, deadline: Instant) -> Fill {
        if self.closed {
            return Fill::Eof;
        }
        let now = Instant::now();
        if now >= deadline {
            return Fill::Timeout;
        }
        let wait = (deadline - now).max(Duration::from_millis(1));
        if self.stream.set_read_timeout(Some(wait)).is_err() {
            self.closed = true;
            return Fill::Eof;
        }
        let mut chunk = [0u8; 64 * 1024];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    self.closed = true;
                    return Fill::Eof;
                }
                Ok(n) => {
                    self.buf.extend_from_slice(&chunk[..n]);
                    return Fill::Data;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return Fill::Timeout
                }
                Err(_) => {
                    // ECONNRESET and friends: the peer is gone.
                    self.closed = true;
                    return Fill::Eof;
                }
            }
        }
    }
}
