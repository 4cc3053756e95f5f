//! BZPOPMIN / BZPOPMAX / BZMPOP: the same multi-client scenarios run against oxidis and
//! redis-server, transcripts compared byte for byte.

mod common;

use common::*;
use std::time::Duration;

/// Runs `scenario` on a fresh server of `kind` and returns its transcript.
fn transcript(kind: ServerKind, scenario: fn(&TestServer) -> Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let s = TestServer::start(kind, &[]);
    scenario(&s)
}

fn same_on_both(scenario: fn(&TestServer) -> Vec<Vec<u8>>) {
    let ours = transcript(
        if target_is_redis() {
            ServerKind::Redis
        } else {
            ServerKind::Oxidis
        },
        scenario,
    );
    let reference = transcript(ServerKind::Redis, scenario);
    assert_eq!(ours.len(), reference.len());
    for (i, (a, b)) in ours.iter().zip(&reference).enumerate() {
        assert_eq!(
            escape(a),
            escape(b),
            "step {i} differs (subject vs reference)"
        );
    }
}

/// Waits until the server reports `n` blocked clients (bounded).
fn wait_blocked(c: &mut RawConn, n: usize) {
    for _ in 0..200 {
        let info = String::from_utf8_lossy(&c.cmd(&["INFO", "clients"])).into_owned();
        if info.contains(&format!("blocked_clients:{n}\r")) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!("never saw {n} blocked clients");
}

#[test]
fn bzpop_serves_immediately_or_after_zadd() {
    same_on_both(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        let mut t = vec![b.cmd(&["ZADD", "z", "1", "a", "2", "b", "3", "c"])];
        t.push(a.cmd(&["BZPOPMIN", "nokey", "z", "0"]));
        t.push(a.cmd(&["BZPOPMAX", "z", "0"]));
        t.push(a.cmd(&["BZMPOP", "0", "2", "nokey", "z", "MIN", "COUNT", "5"]));
        t.push(b.cmd(&["ZCARD", "z"]));
        // Blocked clients are served in FIFO order by a later ZADD.
        let mut c = s.conn();
        a.send(&encode_command(&["BZPOPMIN", "z", "0"]));
        wait_blocked(&mut b, 1);
        c.send(&encode_command(&[
            "BZMPOP", "0", "1", "z", "MAX", "COUNT", "2",
        ]));
        wait_blocked(&mut b, 2);
        t.push(b.cmd(&["ZADD", "z", "5", "x", "6", "y", "7", "w"]));
        t.push(a.read_reply());
        t.push(c.read_reply());
        t.push(b.cmd(&["ZRANGE", "z", "0", "-1", "WITHSCORES"]));
        t
    });
}

#[test]
fn bzpop_timeouts_errors_and_multi() {
    same_on_both(|s| {
        let mut a = s.conn();
        let mut t = vec![a.cmd(&["BZPOPMIN", "z", "0.05"])];
        t.push(a.cmd(&["BZPOPMIN", "z", "-1"]));
        t.push(a.cmd(&["BZPOPMIN", "z", "abc"]));
        t.push(a.cmd(&["BZMPOP", "0", "0", "z", "MIN"]));
        t.push(a.cmd(&["BZMPOP", "0.05", "1", "z", "MIN"]));
        t.push(a.cmd(&["SET", "str", "x"]));
        t.push(a.cmd(&["BZPOPMIN", "str", "0"]));
        t.push(a.cmd(&["MULTI"]));
        t.push(a.cmd(&["BZPOPMAX", "z", "0"]));
        t.push(a.cmd(&["EXEC"]));
        t.push(a.cmd(&["HELLO", "3"]).is_empty().to_string().into_bytes());
        t.push(a.cmd(&["ZADD", "z", "1.5", "m"]));
        t.push(a.cmd(&["BZPOPMIN", "z", "0"]));
        t.push(a.cmd(&["ZADD", "z", "1.5", "m", "2", "n"]));
        t.push(a.cmd(&["BZMPOP", "0", "1", "z", "MIN", "COUNT", "2"]));
        t
    });
}
