//! Keyspace notifications of the list commands (lpush, rpush, lpop, rpop, linsert, lset, lrem,
//! ltrim, del ...), including those of blocked clients being served: the same commands on
//! oxidis and redis-server 7.0.15 must publish the same events in the same order.

mod common;

use common::*;
use std::time::Duration;

fn events(s: &TestServer) -> Option<Vec<Vec<u8>>> {
    let mut admin = s.conn();
    let probe = admin.cmd(&["COMMAND", "INFO", "psubscribe"]);
    if probe.starts_with(b"*1\r\n*-1") || probe.starts_with(b"*1\r\n$-1") {
        eprintln!("PSUBSCRIBE not implemented: skipping");
        return None;
    }
    admin.cmd(&["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    let mut sub = s.conn();
    sub.cmd(&["PSUBSCRIBE", "__key*__:*"]);
    let mut blocked = s.conn();
    blocked.send(&encode_command(&[
        "BLMOVE", "w", "wd", "LEFT", "RIGHT", "0",
    ]));
    for _ in 0..500 {
        let info = String::from_utf8_lossy(&admin.cmd(&["INFO", "clients"])).to_string();
        if info.contains("blocked_clients:1") {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let script: &[&[&str]] = &[
        &["RPUSH", "l", "a", "b", "c", "d"],
        &["LPUSH", "l", "z"],
        &["LPUSHX", "l", "y"],
        &["RPUSHX", "nokey", "y"],
        &["LPOP", "l"],
        &["RPOP", "l", "2"],
        &["LINSERT", "l", "BEFORE", "b", "x"],
        &["LINSERT", "l", "BEFORE", "nothere", "x"],
        &["LSET", "l", "0", "first"],
        &["LREM", "l", "0", "x"],
        &["LREM", "l", "0", "nothere"],
        &["LTRIM", "l", "0", "-1"],
        &["LMOVE", "l", "l2", "LEFT", "RIGHT"],
        &["RPOPLPUSH", "l", "l2"],
        &["LMPOP", "1", "l2", "LEFT", "COUNT", "10"],
        &["RPUSH", "w", "served"],
        &["RPUSH", "t", "1"],
        &["LTRIM", "t", "1", "0"],
        &["BLPOP", "l", "0"],
    ];
    for c in script {
        admin.cmd(c);
    }
    let mut out = Vec::new();
    while let Some(m) = sub.read_reply_timeout(Duration::from_millis(300)) {
        out.push(m);
        assert!(out.len() < 1000, "too many events");
    }
    Some(out)
}

#[test]
fn list_keyspace_events_match_redis() {
    let o = TestServer::oxidis(&[]);
    let Some(got) = events(&o) else {
        return;
    };
    let r = TestServer::redis(&[]);
    let want = events(&r).expect("redis has PSUBSCRIBE");
    let show = |v: &[Vec<u8>]| v.iter().map(|m| escape(m)).collect::<Vec<_>>().join("\n");
    assert_eq!(show(&got), show(&want));
}
