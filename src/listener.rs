//! Listening sockets (TCP and unix), built with socket2 so `tcp-backlog` is honoured (mio's own `bind`
//! fixes the backlog at 128), then handed to mio.

use crate::client::Conn;
use crate::config::Config;
use log::warn;
use mio::net::{TcpListener, UnixListener};
use mio::{Interest, Registry, Token};
use socket2::{Domain, Socket, Type};
use std::io;
use std::net::{IpAddr, SocketAddr};

pub enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener, String),
}

impl Listener {
    pub fn register(&mut self, r: &Registry, t: Token) -> io::Result<()> {
        match self {
            Listener::Tcp(l) => r.register(l, t, Interest::READABLE),
            Listener::Unix(l, _) => r.register(l, t, Interest::READABLE),
        }
    }

    pub fn deregister(&mut self, r: &Registry) {
        let _ = match self {
            Listener::Tcp(l) => r.deregister(l),
            Listener::Unix(l, _) => r.deregister(l),
        };
    }

    pub fn port(&self) -> Option<u16> {
        match self {
            Listener::Tcp(l) => l.local_addr().ok().map(|a| a.port()),
            Listener::Unix(..) => None,
        }
    }

    /// Accepts one connection: (socket, peer address, local address) as `CLIENT LIST` prints them.
    pub fn accept(&mut self) -> io::Result<(Conn, String, String)> {
        match self {
            Listener::Tcp(l) => {
                let (s, peer) = l.accept()?;
                let local = s.local_addr().map(|a| a.to_string()).unwrap_or_default();
                Ok((Conn::Tcp(s), peer.to_string(), local))
            }
            Listener::Unix(l, path) => {
                let (s, _) = l.accept()?;
                Ok((Conn::Unix(s), format!("{path}:0"), path.clone()))
            }
        }
    }
}

/// Binds every configured address. `*` and `::*` are the wildcards; a leading `-` marks an
/// address whose failure to bind is tolerated (Redis's `bind * -::*`).
pub fn bind_all(cfg: &Config) -> io::Result<Vec<Listener>> {
    let mut out = Vec::new();
    let port = cfg.port as u16;
    if cfg.port != 0 || cfg.unixsocket.is_none() {
        for spec in &cfg.bind {
            let (optional, addr) = match spec.strip_prefix('-') {
                Some(a) => (true, a),
                None => (false, spec.as_str()),
            };
            let ip: IpAddr = match addr {
                "*" => "0.0.0.0".parse().expect("literal"),
                "::*" => "::".parse().expect("literal"),
                a => match a.parse() {
                    Ok(ip) => ip,
                    Err(_) => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("Invalid bind address '{a}'"),
                        ))
                    }
                },
            };
            match bind_tcp(SocketAddr::new(ip, port), cfg.tcp_backlog as i32) {
                Ok(l) => out.push(Listener::Tcp(l)),
                Err(e) if optional => {
                    warn!("Could not create server TCP listening socket {addr}:{port}: {e}")
                }
                Err(e) => {
                    return Err(io::Error::new(
                        e.kind(),
                        format!("Could not create server TCP listening socket {addr}:{port}: {e}"),
                    ))
                }
            }
        }
    }
    if let Some(path) = &cfg.unixsocket {
        let path = String::from_utf8_lossy(path).into_owned();
        let path = &path;
        let _ = std::fs::remove_file(path);
        let l = UnixListener::bind(path)?;
        use std::os::unix::fs::PermissionsExt;
        if cfg.unixsocketperm != 0 {
            std::fs::set_permissions(
                path,
                std::fs::Permissions::from_mode(cfg.unixsocketperm as u32),
            )?;
        }
        out.push(Listener::Unix(l, path.clone()));
    }
    Ok(out)
}

fn bind_tcp(addr: SocketAddr, backlog: i32) -> io::Result<TcpListener> {
    let sock = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    sock.set_reuse_address(true)?;
    // Lets CONFIG SET bind/port bind the new sockets before the old ones close.
    sock.set_reuse_port(true)?;
    if addr.is_ipv6() {
        sock.set_only_v6(true)?;
    }
    sock.set_nonblocking(true)?;
    sock.bind(&addr.into())?;
    sock.listen(backlog)?;
    Ok(TcpListener::from_std(sock.into()))
}
