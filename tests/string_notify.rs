//! Keyspace notifications of the string commands: the `__keyspace@0__` / `__keyevent@0__`
//! messages each command publishes, in order, compared with redis-server 7.0.15.

mod common;

use common::*;

#[test]
fn string_commands_publish_redis_events() {
    let mut p = DiffPair::new();
    let mut subs = p.event_subscribers();
    let groups: &[&[&str]] = &[
        &["SET k v", "SET k v NX", "SET k w XX", "SET nokey v XX"],
        &[
            "SET k v EX 100",
            "SET k v PXAT 9999999999999 GET",
            "SET k v KEEPTTL",
        ],
        &["SET k v EX 0", "SET k v FOO"],
        // A time already past: "set" and "expire", then "expired" on the next access.
        &["SET gone v EXAT 1", "GET gone"],
        &[
            "SETNX k x",
            "SETNX k2 x",
            "SETEX k3 100 v",
            "PSETEX k4 100000 v",
        ],
        &["GETSET k v", "GETDEL k", "GETDEL k"],
        &[
            "SET g v",
            "GETEX g",
            "GETEX g EX 100",
            "GETEX g PERSIST",
            "GETEX g PERSIST",
        ],
        &["GETEX g PXAT 1", "GETEX g"],
        &["MSET a 1 b 2 a 3", "MSETNX a 1 c 2", "MSETNX c 1 d 2"],
        &["INCR n", "DECR n", "INCRBY n 5", "DECRBY n 5", "INCR k3"],
        &["INCRBYFLOAT f 1.5", "INCRBYFLOAT f inf", "INCRBYFLOAT f x"],
        &[
            "APPEND ap x",
            "APPEND ap \"\"",
            "SETRANGE ap 0 y",
            "SETRANGE ap 0 \"\"",
        ],
        &[
            "SETRANGE sr 5 \"\"",
            "SETRANGE sr 2 x",
            "GETRANGE sr 0 -1",
            "LCS sr ap",
        ],
    ];
    for g in groups {
        check_events(&mut p, &mut subs, g);
    }
}
