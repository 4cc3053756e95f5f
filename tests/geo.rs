//! Side effects of the geo commands compared with redis-server 7.0.15: which writes
//! invalidate a WATCH (GEOADD only when it changes something; the stores, including the
//! deletion of the destination on an empty result) and the keyspace events they publish
//! (`zadd`, `geosearchstore`, `georadiusstore`, `del`).

mod common;

use common::*;

/// On both servers: connection 1 WATCHes `watched` and opens a MULTI, a second connection
/// runs `cmds`, then EXEC's reply (null when the watch fired) is compared.
fn check_watch(p: &mut DiffPair, watched: &str, cmds: &[&str]) {
    p.check(&["WATCH", watched]);
    p.check(&["MULTI"]);
    p.check(&["PING"]);
    let (mut a, mut b) = (p.subject.conn(), p.reference.conn());
    for c in cmds {
        let args = split_args(c).expect("valid command");
        let (ra, rb) = (a.cmd(&args), b.cmd(&args));
        assert_eq!(escape(&ra), escape(&rb), "reply to {c}");
    }
    p.check(&["EXEC"]);
}

#[test]
fn geo_writes_invalidate_watch_like_redis() {
    let mut p = DiffPair::new();
    p.check_str("GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania");
    let cases: &[(&str, &[&str])] = &[
        ("k", &["GEOADD k 1 1 new"]),
        ("k", &["GEOADD k 13.361389 38.115556 Palermo"]),
        ("k", &["GEOADD k NX 2 2 Palermo"]),
        ("k", &["GEOADD k XX 2 2 nosuch"]),
        ("k", &["GEOADD k XX CH 2 2 Palermo"]),
        ("k", &["GEOSEARCH k FROMLONLAT 15 37 BYRADIUS 200 km"]),
        (
            "dst",
            &["GEOSEARCHSTORE dst k FROMLONLAT 15 37 BYRADIUS 200 km"],
        ),
        (
            "dst",
            &["GEOSEARCHSTORE dst k FROMLONLAT 0 0 BYRADIUS 1 km"],
        ),
        (
            "dst",
            &["GEOSEARCHSTORE dst k FROMLONLAT 0 0 BYRADIUS 1 km"],
        ),
        ("dst", &["GEORADIUS k 15 37 200 km STORE dst"]),
        ("dst", &["GEORADIUSBYMEMBER nokey x 1 km STOREDIST dst"]),
        ("dst", &["GEORADIUSBYMEMBER nokey x 1 km STOREDIST dst"]),
        ("k", &["GEOADD k 500 1 bad"]),
    ];
    for (watched, cmds) in cases {
        check_watch(&mut p, watched, cmds);
    }
}

#[test]
fn geo_commands_publish_redis_events() {
    let mut p = DiffPair::new();
    let mut subs = p.event_subscribers();
    let groups: &[&[&str]] = &[
        &[
            "GEOADD k 13.361389 38.115556 Palermo 15.087269 37.502669 Catania",
            "GEOADD k 13.361389 38.115556 Palermo",
            "GEOADD k XX 1 1 Palermo",
        ],
        &["GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 200 km"],
        &["GEOSEARCHSTORE d k FROMLONLAT 15 37 BYRADIUS 200 km STOREDIST"],
        &["GEORADIUS k 15 37 200 km STORE d2"],
        &["GEORADIUSBYMEMBER k Catania 200 km STOREDIST d2"],
        &["GEOSEARCHSTORE d k FROMLONLAT 0 0 BYRADIUS 1 km"],
        &["GEORADIUS nokey 0 0 1 km STORE d2"],
        &[
            "GEOSEARCH k FROMLONLAT 15 37 BYRADIUS 200 km",
            "GEODIST k Palermo Catania",
        ],
    ];
    for cmds in groups {
        for c in cmds.iter() {
            let args = split_args(c).expect("valid command");
            p.check(&args);
        }
        let (a, b) = (drain_events(&mut subs.0), drain_events(&mut subs.1));
        assert_eq!(a, b, "events after {cmds:?}");
    }
}
