//! Keyspace notifications of the sorted-set commands: the `__keyspace@0__` / `__keyevent@0__`
//! messages each command publishes, in order, compared with redis-server 7.0.15.

mod common;

use common::*;

#[test]
fn zset_commands_publish_redis_events() {
    let mut p = DiffPair::new();
    let mut subs = p.event_subscribers();
    let groups: &[&[&str]] = &[
        &[
            "ZADD z 1 a 2 b",
            "ZADD z 1 a",
            "ZADD z XX 5 nosuch",
            "ZADD z CH 3 a",
        ],
        &[
            "ZADD z INCR 1 a",
            "ZINCRBY z 0 a",
            "ZINCRBY z 2 c",
            "ZADD z NX INCR 1 a",
        ],
        &["ZINCRBY z +inf a", "ZINCRBY z -inf a"],
        &["ZREM z nosuch", "ZREM z a", "ZREM z b c"],
        &[
            "ZADD r 1 a 2 b 3 c 4 d 0 x 0 y",
            "ZREMRANGEBYRANK r 0 0",
            "ZREMRANGEBYRANK r 9 9",
        ],
        &[
            "ZREMRANGEBYSCORE r 3 3",
            "ZREMRANGEBYLEX r [x [y",
            "ZREMRANGEBYSCORE r -inf +inf",
        ],
        &[
            "ZADD p 1 a 2 b 3 c",
            "ZPOPMIN p",
            "ZPOPMAX p 0",
            "ZPOPMAX p 5",
            "ZPOPMIN p",
        ],
        &[
            "ZADD p 1 a 2 b",
            "ZMPOP 2 none p MIN COUNT 1",
            "ZMPOP 1 p MAX COUNT 9",
        ],
        &[
            "ZADD s1 1 a 2 b",
            "ZADD s2 1 b",
            "ZUNIONSTORE d 2 s1 s2",
            "ZINTERSTORE d 2 s1 s2",
        ],
        &[
            "ZDIFFSTORE d 2 s1 s1",
            "ZDIFFSTORE d 2 s1 s1",
            "ZDIFFSTORE d 2 s1 s2",
        ],
        &[
            "ZRANGESTORE d s1 0 0",
            "ZRANGESTORE d s1 5 6",
            "ZRANGESTORE d nosuch 0 -1",
        ],
        &["ZRANGE s1 0 -1", "ZSCORE s1 a", "ZCARD s1"],
    ];
    for g in groups {
        check_events(&mut p, &mut subs, g);
    }
}
