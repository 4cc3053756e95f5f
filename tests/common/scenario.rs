//! Multi-connection scenarios run on oxidis and on redis-server with transcripts compared,
//! and keyspace-event collection for notification tests.

use super::{encode_command, escape, parse_reply, split_args, target_is_redis, DiffPair};
use super::{RawConn, Resp, ServerKind, TestServer};
use std::time::Duration;

/// A scenario: drives a fresh server through its connections and returns the replies it
/// wants compared, in order.
pub type Scenario = fn(&TestServer) -> Vec<Vec<u8>>;

/// Runs `scenario` on a fresh oxidis (or redis-server under `OXIDIS_TEST_TARGET=redis`) and
/// on a fresh redis-server, and asserts the transcripts are byte-identical.
pub fn same_on_both(scenario: Scenario) {
    let subject = if target_is_redis() {
        ServerKind::Redis
    } else {
        ServerKind::Oxidis
    };
    let ours = scenario(&TestServer::start(subject, &[]));
    let reference = scenario(&TestServer::start(ServerKind::Redis, &[]));
    assert_eq!(ours.len(), reference.len());
    for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
        assert_eq!(
            escape(a),
            escape(b),
            "step {i} differs (subject vs reference)"
        );
    }
}

/// Waits until the server reports `n` blocked clients (bounded: 5 s).
pub fn wait_blocked(c: &mut RawConn, n: usize) {
    for _ in 0..500 {
        let info = String::from_utf8_lossy(&c.cmd(&["INFO", "clients"])).into_owned();
        if info.contains(&format!("blocked_clients:{n}\r")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("never saw {n} blocked clients");
}

/// Collects the pub/sub messages a subscriber received, up to the reply of a PING barrier.
pub fn drain_events(sub: &mut RawConn) -> Vec<String> {
    sub.send(&encode_command(&["PING"]));
    let mut msgs = Vec::new();
    for _ in 0..10_000 {
        let r = sub.read_reply();
        let parsed = parse_reply(&r);
        let items = parsed.as_array().unwrap_or(&[]);
        let kind = items.first().and_then(Resp::as_bytes).unwrap_or(b"");
        if kind == b"pong" {
            return msgs;
        }
        msgs.push(escape(&r));
    }
    panic!("no PING reply among 10000 messages");
}

/// Runs `cmds` on both servers of `p` (replies compared) and compares the events each
/// published to its subscriber in `subs` (subject, reference).
pub fn check_events(p: &mut DiffPair, subs: &mut (RawConn, RawConn), cmds: &[&str]) {
    for c in cmds {
        let args = split_args(c).expect("valid command");
        p.check(&args);
    }
    let (a, b) = (drain_events(&mut subs.0), drain_events(&mut subs.1));
    assert!(
        !b.is_empty() || cmds.is_empty() || a.is_empty(),
        "reference published nothing"
    );
    assert_eq!(a, b, "events after {cmds:?}");
}
