//! BZPOPMIN / BZPOPMAX / BZMPOP: the same multi-client scenarios run against oxidis and
//! redis-server, transcripts compared byte for byte.

mod common;

use common::*;

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
