//! Protocol robustness: malformed and edge-case input gets Redis's exact reply (and
//! connection close), compared byte for byte with a real redis-server; random garbage,
//! half commands, huge pipelines and big bulks never panic or hang the server.

mod common;

use common::*;
use std::time::Duration;

/// Each malformed request gets the same replies and the same close as real Redis.
#[test]
fn malformed_requests_match_redis() {
    let cases: &[(&[u8], usize)] = &[
        (b"*x\r\n", 1),
        (b"*1\r\nfoo\r\n", 1),
        (b"*1\r\n$-1\r\n", 1),
        (b"*1\r\n$abc\r\n", 1),
        (b"*-5\r\nPING\r\n", 1),
        (b"*0\r\nPING\r\n", 1),
        (b"*3000000000\r\n", 1),
        (b"*1\r\n$4\r\nPING\r\n*1\r\n$x\r\n", 2),
        (b"\"unbalanced\r\n", 1),
        (b"SET 'a b' c\r\nGET 'a b'\r\n", 2),
        (b"PING\nPING\r\n", 2),
        (b"\r\n\r\nPING\r\n", 1),
        (b"   \r\nECHO \"a\\x41\\n\"\r\n", 1),
        (b"*2\r\n$4\r\nECHO\r\n$3\r\nabcXY", 0),
        (b"*1\r\n$600000000\r\n", 1),
        (b"NOSUCHCMD a b\r\n", 1),
        (b"get\r\n", 1),
        (b"*1\r\n$3\r\nGET\r\n", 1),
        (b"*2\r\n$6\r\nCONFIG\r\n$7\r\nnothere\r\n", 1),
        // Inline words split in place (blanks, a CR inside the line) and the quoted path
        // (\v, \f: sdssplitargs skips them only between words), mixed with multibulk.
        (b"SET  k\tv \r\nGET k\r\nECHO a\rb\r\n", 3),
        (b"ECHO a\x0bb\r\n\x0bPING\r\nECHO \x0c x\r\n", 3),
        (b"PING\r\n*1\r\n$4\r\nPING\r\nECHO x\r\n\t ECHO  y  \r\n", 4),
    ];
    for (bytes, replies) in cases {
        let mut pair = DiffPair::new();
        pair.check_raw(bytes, *replies);
    }
}

#[test]
fn oversized_inline_and_headers_close_like_redis() {
    let mut big = vec![b'a'; 70 * 1024];
    big.extend_from_slice(b"\r\n");
    let mut pair = DiffPair::new();
    pair.check_raw(&big, 1);
    let mut hdr = b"*1\r\n$".to_vec();
    hdr.extend(std::iter::repeat_n(b'1', 70 * 1024));
    let mut pair = DiffPair::new();
    pair.check_raw(&hdr, 1);
}

/// Before AUTH, Redis limits multibulk counts to 10 and bulks to 16 KiB.
#[test]
fn unauthenticated_limits_match_redis() {
    let s = TestServer::oxidis(&["--requirepass", "pw"]);
    let r = TestServer::redis(&["--requirepass", "pw"]);
    let mut pair = DiffPair::from_servers(s, r);
    pair.check_raw(b"*11\r\n", 1);
    let mut pair2 = DiffPair::from_servers(
        TestServer::oxidis(&["--requirepass", "pw"]),
        TestServer::redis(&["--requirepass", "pw"]),
    );
    pair2.check_raw(b"*2\r\n$4\r\nAUTH\r\n$20000\r\n", 1);
    let mut pair3 = DiffPair::from_servers(
        TestServer::oxidis(&["--requirepass", "pw"]),
        TestServer::redis(&["--requirepass", "pw"]),
    );
    pair3.check_str("GET x");
    pair3.check_str("AUTH wrong");
    pair3.check_str("AUTH default pw");
    pair3.check_str("GET x");
}

/// Random binary garbage never crashes the server: afterwards a new client is served.
#[test]
fn random_garbage_never_kills_the_server() {
    let srv = TestServer::oxidis(&[]);
    let mut rng = SeedRng::from_env();
    for round in 0..200 {
        let mut c = srv.conn();
        c.set_timeout(Duration::from_millis(300));
        let len = rng.range(1, 4096) as usize;
        let all: Vec<u8> = (0..=255).collect();
        let mut junk = rng.bytes(len, &all);
        // Bias some rounds towards protocol-looking prefixes.
        match round % 4 {
            0 => junk.insert(0, b'*'),
            1 => {
                junk.splice(0..0, b"*2\r\n$".iter().copied());
            }
            _ => {}
        }
        let _ = c.try_send(&junk);
        let _ = c.read_reply_timeout(Duration::from_millis(20));
    }
    let mut c = srv.conn();
    assert_eq!(c.cmd_str("PING"), b"+PONG\r\n");
}

/// A request split at every byte boundary is executed exactly once.
#[test]
fn half_commands_complete_later() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    let req = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n";
    for chunk in req.chunks(1) {
        c.send(chunk);
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(c.read_reply(), b"+OK\r\n");
    assert_eq!(c.cmd_str("GET key"), b"$5\r\nvalue\r\n");
}

/// 100k pipelined commands in one write get 100k replies, in order.
#[test]
fn hundred_thousand_pipelined_commands() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    let n = 100_000;
    let mut buf = Vec::new();
    for i in 0..n {
        let v = i.to_string();
        buf.extend_from_slice(format!("*2\r\n$4\r\nECHO\r\n${}\r\n{}\r\n", v.len(), v).as_bytes());
    }
    let writer = {
        let mut w = c.stream().try_clone().expect("clone");
        std::thread::spawn(move || {
            use std::io::Write;
            w.write_all(&buf).expect("write");
        })
    };
    for i in 0..n {
        let v = i.to_string();
        let expect = format!("${}\r\n{}\r\n", v.len(), v);
        assert_eq!(c.read_reply(), expect.as_bytes(), "reply {i}");
    }
    writer.join().expect("writer");
}

/// A 20 MB value sent in pieces is stored and read back intact.
#[test]
fn big_bulk_arrives_in_pieces() {
    let srv = TestServer::oxidis(&[]);
    let mut c = srv.conn();
    let len = 20 * 1024 * 1024;
    let val: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let mut req = format!("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n${len}\r\n").into_bytes();
    req.extend_from_slice(&val);
    req.extend_from_slice(b"\r\n");
    for chunk in req.chunks(1 << 20) {
        c.send(chunk);
    }
    assert_eq!(c.read_reply(), b"+OK\r\n");
    let got = c.cmd_str("GET big");
    let hdr = format!("${len}\r\n");
    assert!(got.starts_with(hdr.as_bytes()));
    assert_eq!(&got[hdr.len()..hdr.len() + len], &val[..]);
}

/// A client that disconnects mid-request leaves the server serving others.
#[test]
fn disconnect_mid_request() {
    let srv = TestServer::oxidis(&[]);
    for _ in 0..50 {
        let mut c = srv.conn();
        c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc");
    }
    let mut c = srv.conn();
    assert_eq!(c.cmd_str("GET k"), b"$-1\r\n");
}
