//! XREAD / XREADGROUP with BLOCK: the same multi-client scenarios run against oxidis and
//! redis-server, transcripts compared byte for byte (IDs are explicit, so deterministic).

mod common;

use common::*;

#[test]
fn xread_block_is_served_by_xadd() {
    same_on_both(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        let mut t = Vec::new();
        t.push(b.cmd(&["XADD", "s", "1-1", "f", "v"]));
        a.send(&encode_command(&[
            "XREAD", "BLOCK", "0", "STREAMS", "s", "$",
        ]));
        wait_blocked(&mut b, 1);
        t.push(b.cmd(&["XADD", "s", "2-1", "f", "w", "g", "x"]));
        t.push(a.read_reply());
        // Two readers blocked on the same stream are both served.
        let mut c = s.conn();
        a.send(&encode_command(&[
            "XREAD", "COUNT", "5", "BLOCK", "0", "STREAMS", "nokey", "s", "0", "2-1",
        ]));
        c.send(&encode_command(&[
            "XREAD", "BLOCK", "0", "STREAMS", "s", "$",
        ]));
        wait_blocked(&mut b, 2);
        t.push(b.cmd(&["XADD", "s", "3-1", "k", "v"]));
        t.push(a.read_reply());
        t.push(c.read_reply());
        t
    });
}

#[test]
fn xread_block_times_out_with_null_and_not_in_multi() {
    same_on_both(|s| {
        let mut a = s.conn();
        let mut t = vec![a.cmd(&["XREAD", "BLOCK", "50", "STREAMS", "s", "$"])];
        t.push(a.cmd(&["HELLO", "3"]).is_empty().to_string().into_bytes());
        t.push(a.cmd(&["XREAD", "BLOCK", "50", "STREAMS", "s", "0"]));
        t.push(a.cmd(&["MULTI"]));
        t.push(a.cmd(&["XREAD", "BLOCK", "0", "STREAMS", "s", "$"]));
        t.push(a.cmd(&["EXEC"]));
        t
    });
}

#[test]
fn xreadgroup_block_delivers_and_tracks_pending() {
    same_on_both(|s| {
        let mut a = s.conn();
        let mut b = s.conn();
        let mut t = Vec::new();
        t.push(b.cmd(&["XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"]));
        a.send(&encode_command(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "alice",
            "BLOCK",
            "0",
            "STREAMS",
            "s",
            ">",
        ]));
        wait_blocked(&mut b, 1);
        t.push(b.cmd(&["XADD", "s", "5-1", "f", "v"]));
        t.push(a.read_reply());
        t.push(b.cmd(&["XPENDING", "s", "g"]));
        t.push(b.cmd(&["XINFO", "GROUPS", "s"]));
        // A destroyed group releases its blocked readers with NOGROUP.
        a.send(&encode_command(&[
            "XREADGROUP",
            "GROUP",
            "g",
            "bob",
            "BLOCK",
            "0",
            "STREAMS",
            "s",
            ">",
        ]));
        wait_blocked(&mut b, 1);
        t.push(b.cmd(&["XGROUP", "DESTROY", "s", "g"]));
        t.push(b.cmd(&["XADD", "s", "6-1", "f", "v"]));
        t.push(a.read_reply());
        t
    });
}
