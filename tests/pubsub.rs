//! Publish/subscribe across several connections, compared with redis-server 7.0.15: the same
//! sequence of commands runs on both servers over the same number of connections, and every
//! frame each connection receives (replies and pushed messages) is compared byte for byte,
//! in RESP2 and RESP3. Also keyspace notifications, RESET / disconnection cleanup, CLIENT
//! LIST fields, CLIENT KILL and CLIENT PAUSE interactions.

mod common;

use common::*;
use std::time::{Duration, Instant};

/// The same connections on oxidis (side 0) and redis-server (side 1).
struct Twin {
    servers: [TestServer; 2],
    conns: [Vec<RawConn>; 2],
}

fn shown(args: &[&str]) -> String {
    args.join(" ")
}

impl Twin {
    /// Both servers, with `n` connections to each.
    fn new(n: usize) -> Twin {
        Self::with_args(n, &[])
    }

    fn with_args(n: usize, extra: &[&str]) -> Twin {
        let servers = [TestServer::oxidis(extra), TestServer::redis(extra)];
        let conns = [
            (0..n).map(|_| servers[0].conn()).collect(),
            (0..n).map(|_| servers[1].conn()).collect(),
        ];
        Twin { servers, conns }
    }

    /// Sends `args` on connection `c` of both servers without reading.
    fn send(&mut self, c: usize, args: &[&str]) {
        let req = encode_command(args);
        for side in 0..2 {
            self.conns[side][c].send(&req);
        }
    }

    /// Reads `frames` frames from connection `c` on both sides and checks they are identical.
    fn read(&mut self, c: usize, frames: usize, what: &str) -> Vec<Vec<u8>> {
        let mut got = Vec::new();
        for i in 0..frames {
            let s = self.conns[0][c].read_reply();
            let r = self.conns[1][c].read_reply();
            assert_eq!(
                escape(&s),
                escape(&r),
                "conn {c}, `{what}`, frame {i}: oxidis vs redis"
            );
            got.push(r);
        }
        got
    }

    /// Reads `frames` frames from `c` on both sides; equal as multisets (Redis delivers in
    /// its hash table's order).
    fn read_unordered(&mut self, c: usize, frames: usize, what: &str) -> Vec<Vec<u8>> {
        let mut sides: Vec<Vec<Vec<u8>>> = Vec::new();
        for side in 0..2 {
            let mut v: Vec<Vec<u8>> = (0..frames)
                .map(|_| self.conns[side][c].read_reply())
                .collect();
            v.sort();
            sides.push(v);
        }
        let show = |v: &Vec<Vec<u8>>| v.iter().map(|f| escape(f)).collect::<Vec<_>>();
        assert_eq!(
            show(&sides[0]),
            show(&sides[1]),
            "conn {c}, `{what}`: oxidis vs redis (unordered)"
        );
        sides.pop().unwrap_or_default()
    }

    /// Runs a command on `c` and compares the `frames` frames it produces.
    fn cmd(&mut self, c: usize, args: &[&str], frames: usize) -> Vec<Vec<u8>> {
        self.send(c, args);
        self.read(c, frames, &shown(args))
    }

    /// One command, one frame.
    fn one(&mut self, c: usize, args: &[&str]) -> Vec<u8> {
        self.cmd(c, args, 1).remove(0)
    }

    /// One command, one reply compared under `norm` (e.g. `PUBSUB CHANNELS`, unordered).
    fn one_norm(&mut self, c: usize, args: &[&str], norm: Norm) -> Vec<u8> {
        let [s, r] = self.each(c, args);
        if let Err(e) = compare_replies(&s, &r, norm) {
            panic!("conn {c}, `{}`: {e}", shown(args));
        }
        r
    }

    /// A mass unsubscribe of `n` channels: Redis goes in hash order, so the counts follow
    /// that order; compare the channels and the counts as multisets.
    fn unsubscribe_all(&mut self, c: usize, args: &[&str], n: usize) {
        self.send(c, args);
        let mut sides = Vec::new();
        for side in 0..2 {
            let mut names = Vec::new();
            let mut counts = Vec::new();
            for _ in 0..n {
                let f = self.conns[side][c].read_reply();
                let v = match parse_reply(&f) {
                    Resp::Array(v) | Resp::Push(v) => v,
                    other => panic!("side {side}: not a push: {other:?}"),
                };
                names.push((v[0].clone(), v[1].clone()));
                counts.push(v[2].as_int());
            }
            names.sort_by_key(|p| format!("{p:?}"));
            counts.sort();
            sides.push((names, counts));
        }
        assert!(sides[0] == sides[1], "`{}`: oxidis vs redis", shown(args));
    }

    /// Everything delivered to `c` so far: frames up to its PING reply, identical on both.
    fn drain(&mut self, c: usize, what: &str) -> usize {
        self.send(c, &["PING", "sync"]);
        let mut got: [Vec<Vec<u8>>; 2] = [Vec::new(), Vec::new()];
        for (side, frames) in got.iter_mut().enumerate() {
            for _ in 0..100 {
                let f = self.conns[side][c].read_reply();
                let done = match parse_reply(&f) {
                    Resp::Bulk(b) => b == b"sync",
                    Resp::Array(v) => v.len() == 2 && v[1].as_bytes() == Some(b"sync"),
                    _ => false,
                };
                if done {
                    break;
                }
                frames.push(f);
            }
        }
        let show = |v: &Vec<Vec<u8>>| v.iter().map(|f| escape(f)).collect::<Vec<_>>();
        assert_eq!(
            show(&got[0]),
            show(&got[1]),
            "conn {c}, {what}: oxidis vs redis"
        );
        got[1].len()
    }

    /// Proves nothing was queued for `c`: its PING reply is the next frame.
    fn quiet(&mut self, c: usize) {
        self.send(c, &["PING", "sync"]);
        for side in 0..2 {
            let f = self.conns[side][c].read_reply();
            let p = parse_reply(&f);
            let ok = match &p {
                Resp::Bulk(b) => b == b"sync",
                Resp::Array(v) => v.get(1).and_then(Resp::as_bytes) == Some(b"sync"),
                _ => false,
            };
            assert!(
                ok,
                "side {side} conn {c}: expected the PING reply, got {}",
                escape(&f)
            );
        }
    }

    /// Runs `args` on `c` of each side and returns both replies (for values that differ
    /// between servers, like ids and addresses).
    fn each(&mut self, c: usize, args: &[&str]) -> [Vec<u8>; 2] {
        self.send(c, args);
        [self.conns[0][c].read_reply(), self.conns[1][c].read_reply()]
    }

    /// Replaces connection `c` on both sides with a fresh one.
    fn reconnect(&mut self, c: usize) {
        for side in 0..2 {
            self.conns[side][c] = self.servers[side].conn();
        }
    }

    /// Polls `args` on `c` until both sides reply `want` (bounded); for effects of a
    /// disconnection, which the server sees asynchronously.
    fn wait_for(&mut self, c: usize, args: &[&str], want: &[u8]) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let got = self.each(c, args);
            if got.iter().all(|g| g == want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "`{}`: wanted {}, got oxidis {} / redis {}",
                shown(args),
                escape(want),
                escape(&got[0]),
                escape(&got[1])
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The `field=value` of a CLIENT LIST / CLIENT INFO line.
fn client_field(line: &[u8], field: &str) -> String {
    let text = String::from_utf8_lossy(line);
    let want = format!("{field}=");
    text.split_ascii_whitespace()
        .find_map(|kv| kv.strip_prefix(&want).map(str::to_string))
        .unwrap_or_else(|| panic!("no {field} in {text}"))
}

/// The text of a bulk or verbatim reply.
fn text_of(reply: &[u8]) -> Vec<u8> {
    match parse_reply(reply) {
        Resp::Bulk(b) => b,
        Resp::Verbatim { text, .. } => text,
        other => panic!("not text: {other:?}"),
    }
}

#[test]
fn subscribe_publish_resp2() {
    let mut t = Twin::new(2);
    t.cmd(0, &["SUBSCRIBE", "c1", "c2"], 2);
    t.cmd(0, &["SUBSCRIBE", "c1"], 1);
    t.one(1, &["PUBLISH", "c1", "hello"]);
    t.read(0, 1, "message on c1");
    t.one(1, &["PUBLISH", "c2", ""]);
    t.read(0, 1, "empty message on c2");
    t.one(1, &["PUBLISH", "nobody", "x"]);
    t.quiet(0);
    // Binary-safe channel and message.
    t.cmd(0, &["SUBSCRIBE", "bin\r\n\u{0}"], 1);
    t.one(1, &["PUBLISH", "bin\r\n\u{0}", "a\r\nb\u{0}"]);
    t.read(0, 1, "binary message");
    t.one(1, &["PUBSUB", "NUMSUB", "c1", "c2", "c3"]);
    t.one(1, &["PUBSUB", "NUMSUB"]);
    t.one(1, &["PUBSUB", "NUMPAT"]);
    t.one_norm(1, &["PUBSUB", "CHANNELS"], Norm::Unordered);
    t.one(1, &["PUBSUB", "CHANNELS", "c[1]"]);
    t.one(1, &["PUBSUB", "CHANNELS", "zz*"]);
}

#[test]
fn counts_and_unsubscribe_forms() {
    let mut t = Twin::new(2);
    // Unsubscribing from nothing still replies, with a null channel.
    t.one(0, &["UNSUBSCRIBE"]);
    t.one(0, &["PUNSUBSCRIBE"]);
    t.one(0, &["SUNSUBSCRIBE"]);
    t.one(0, &["UNSUBSCRIBE", "never"]);
    // That did not enter the subscribed context.
    t.one(0, &["GET", "k"]);
    t.cmd(0, &["SUBSCRIBE", "a"], 1);
    t.cmd(0, &["PSUBSCRIBE", "p1", "p2", "p1"], 3);
    t.cmd(0, &["SSUBSCRIBE", "s1"], 1);
    t.cmd(0, &["UNSUBSCRIBE", "zz", "a"], 2);
    // Patterns come back in subscription order.
    t.cmd(0, &["PUNSUBSCRIBE"], 2);
    t.one(0, &["PUNSUBSCRIBE"]);
    // Still subscribed to a shard channel: still in the subscribed context.
    t.one(0, &["GET", "k"]);
    t.one(0, &["SUNSUBSCRIBE"]);
    t.one(0, &["GET", "k"]);
    // A mass UNSUBSCRIBE lists the channels in Redis's hash order: compare as a multiset.
    t.cmd(0, &["SUBSCRIBE", "x", "y", "z"], 3);
    t.unsubscribe_all(0, &["UNSUBSCRIBE"], 3);
    t.one(0, &["UNSUBSCRIBE"]);
    t.one(0, &["GET", "k"]);
    t.one(1, &["PUBSUB", "NUMSUB", "x", "y", "z"]);
}

#[test]
fn subscribed_context_restricts_resp2() {
    let mut t = Twin::new(2);
    t.cmd(0, &["SUBSCRIBE", "ch"], 1);
    for cmd in [
        &["GET", "k"][..],
        &["SET", "k", "v"],
        &["CLIENT", "INFO"],
        &["CLIENT", "LIST"],
        &["HELLO", "3"],
        &["MULTI"],
        &["PUBLISH", "ch", "m"],
        &["SPUBLISH", "ch", "m"],
        &["PUBSUB", "NUMPAT"],
        &["ECHO", "x"],
    ] {
        t.one(0, cmd);
    }
    // Unknown commands and arity errors come first.
    t.one(0, &["NOSUCHCOMMAND"]);
    t.one(0, &["GET"]);
    t.one(0, &["PING"]);
    t.one(0, &["PING", "msg"]);
    t.one(0, &["PING", "a", "b"]);
    t.cmd(0, &["PSUBSCRIBE", "c*"], 1);
    t.cmd(0, &["SSUBSCRIBE", "s"], 1);
    t.cmd(0, &["SUNSUBSCRIBE", "s"], 1);
    t.cmd(0, &["PUNSUBSCRIBE", "c*"], 1);
    // Rejections are counted as rejected calls.
    let stats = t.each(1, &["INFO", "commandstats"]);
    for s in &stats {
        let text = String::from_utf8_lossy(&text_of(s)).to_string();
        let line = text
            .lines()
            .find(|l| l.starts_with("cmdstat_get:"))
            .unwrap_or_else(|| panic!("no cmdstat_get in {text}"));
        assert!(line.ends_with("rejected_calls=2,failed_calls=0"), "{line}");
    }
    // QUIT works in the subscribed context.
    t.one(0, &["QUIT"]);
    for side in 0..2 {
        assert!(t.conns[side][0].is_closed(), "side {side} still open");
    }
}

#[test]
fn patterns_match_with_redis_globs() {
    let pats = [
        "h?llo", "h[ae]llo", "h[^e]llo", "h*", "\\*", "a[b-d]", "*", "x\\?",
    ];
    let chans = [
        "hello",
        "hallo",
        "hxllo",
        "h",
        "*",
        "ac",
        "",
        "x?",
        "xa",
        "he\u{0}llo",
    ];
    let mut t = Twin::new(pats.len() + 1);
    let p = pats.len();
    for (i, pat) in pats.iter().enumerate() {
        t.cmd(i, &["PSUBSCRIBE", pat], 1);
    }
    let mut delivered = 0;
    for ch in chans {
        t.one(p, &["PUBLISH", ch, "m"]);
        for (i, pat) in pats.iter().enumerate() {
            delivered += t.drain(i, &format!("pattern {pat} on channel {ch:?}"));
        }
    }
    assert!(delivered > 5, "only {delivered} deliveries");
    t.one(p, &["PUBSUB", "NUMPAT"]);
    // A channel and a pattern on the same client: the message, then the pmessage.
    t.cmd(3, &["SUBSCRIBE", "hello"], 1);
    t.one(p, &["PUBLISH", "hello", "twice"]);
    t.read(3, 2, "message + pmessage");
    t.drain(0, "h?llo matched `hello`");
    // Several patterns of one client match: pmessages in Redis's hash order.
    t.cmd(0, &["PSUBSCRIBE", "*llo", "hel*"], 2);
    t.one(p, &["PUBLISH", "hello", "three"]);
    t.read_unordered(0, 3, "three pmessages");
    t.quiet(0);
}

#[test]
fn empty_channel_and_star_pattern() {
    let mut t = Twin::new(3);
    t.cmd(0, &["SUBSCRIBE", ""], 1);
    t.cmd(1, &["PSUBSCRIBE", "*"], 1);
    // Redis's `*` does not match the empty channel.
    t.one(2, &["PUBLISH", "", "m"]);
    t.read(0, 1, "message on empty channel");
    t.quiet(1);
    t.one(2, &["PUBSUB", "CHANNELS"]);
    t.one(2, &["PUBSUB", "CHANNELS", "*"]);
    t.one(2, &["PUBSUB", "NUMSUB", ""]);
}

#[test]
fn resp3_pushes_and_any_command() {
    let mut t = Twin::new(3);
    t.each(0, &["HELLO", "3"]);
    t.cmd(0, &["SUBSCRIBE", "c1"], 1);
    t.cmd(0, &["PSUBSCRIBE", "c*"], 1);
    // Any command in RESP3, PING as usual.
    t.one(0, &["SET", "k", "v"]);
    t.one(0, &["GET", "k"]);
    t.one(0, &["PING"]);
    t.one(0, &["PING", "m"]);
    // Publishing to itself: both pushes come before the reply.
    t.cmd(0, &["PUBLISH", "c1", "self"], 3);
    t.one(1, &["PUBLISH", "c1", "other"]);
    t.read(0, 2, "pushes from another client");
    t.cmd(0, &["SSUBSCRIBE", "s1", "s2"], 2);
    t.cmd(0, &["SPUBLISH", "s1", "m"], 2);
    t.one(0, &["PUBSUB", "SHARDNUMSUB", "s1", "s3"]);
    t.one(0, &["PUBSUB", "NUMSUB", "c1"]);
    t.cmd(0, &["SUNSUBSCRIBE", "s1", "s2"], 2);
    t.one(0, &["SUNSUBSCRIBE"]);
    t.cmd(0, &["UNSUBSCRIBE"], 1);
    t.cmd(0, &["PUNSUBSCRIBE"], 1);
    t.one(0, &["UNSUBSCRIBE"]);
    // A RESP3 subscriber and a RESP2 one get the same message in their own shapes.
    t.cmd(0, &["SUBSCRIBE", "both"], 1);
    t.cmd(1, &["SUBSCRIBE", "both"], 1);
    t.one(2, &["PUBLISH", "both", "m"]);
    t.read(0, 1, "RESP3 message");
    t.read(1, 1, "RESP2 message");
    t.each(0, &["HELLO", "2"]);
    // Back in RESP2 while subscribed: restricted again.
    t.one(0, &["GET", "k"]);
}

#[test]
fn reply_off_still_gets_pushes() {
    let mut t = Twin::new(2);
    t.send(0, &["CLIENT", "REPLY", "OFF"]);
    t.cmd(0, &["SUBSCRIBE", "x"], 1);
    t.send(0, &["PING"]);
    t.cmd(0, &["UNSUBSCRIBE", "x"], 1);
    t.each(1, &["HELLO", "3"]);
    t.cmd(1, &["SUBSCRIBE", "y"], 1);
    t.send(1, &["CLIENT", "REPLY", "OFF"]);
    // The message to itself arrives, the reply to PUBLISH does not.
    t.cmd(1, &["PUBLISH", "y", "m"], 1);
    t.send(1, &["GET", "k"]);
    t.one(1, &["CLIENT", "REPLY", "ON"]);
    t.send(1, &["CLIENT", "REPLY", "SKIP"]);
    t.cmd(1, &["PUBLISH", "y", "skipped"], 1);
    t.one(1, &["PING"]);
}

#[test]
fn transactions_and_subscriptions() {
    let mut t = Twin::new(2);
    t.one(0, &["MULTI"]);
    t.one(0, &["SUBSCRIBE", "x"]);
    t.one(0, &["SSUBSCRIBE", "s"]);
    t.one(0, &["PSUBSCRIBE", "p*"]);
    t.one(0, &["EXEC"]);
    t.one(0, &["GET", "k"]);
    t.one(1, &["PUBSUB", "SHARDNUMSUB", "s"]);
    t.one(1, &["PUBLISH", "pq", "m"]);
    t.read(0, 1, "pmessage after EXEC");
    // A subscribed RESP3 client can run a transaction; PUBLISH inside it reaches itself.
    t.each(1, &["HELLO", "3"]);
    t.cmd(1, &["SUBSCRIBE", "me"], 1);
    t.one(1, &["MULTI"]);
    t.one(1, &["PUBLISH", "me", "from exec"]);
    t.cmd(1, &["EXEC"], 2);
}

#[test]
fn reset_and_disconnect_clean_subscriptions() {
    let mut t = Twin::new(3);
    t.cmd(0, &["SUBSCRIBE", "a", "b"], 2);
    t.cmd(0, &["PSUBSCRIBE", "p*"], 1);
    t.cmd(0, &["SSUBSCRIBE", "s"], 1);
    t.one(0, &["RESET"]);
    t.one(0, &["GET", "k"]);
    t.one(0, &["PING"]);
    t.one(2, &["PUBSUB", "NUMSUB", "a", "b"]);
    t.one(2, &["PUBSUB", "NUMPAT"]);
    t.one(2, &["PUBSUB", "SHARDNUMSUB", "s"]);
    t.one(2, &["PUBLISH", "a", "m"]);
    t.quiet(0);
    // A closed connection leaves no subscription behind.
    t.cmd(1, &["SUBSCRIBE", "a"], 1);
    t.cmd(1, &["PSUBSCRIBE", "q*"], 1);
    t.cmd(1, &["SSUBSCRIBE", "s"], 1);
    for side in 0..2 {
        let fresh = t.servers[side].conn();
        t.conns[side][1] = fresh;
    }
    t.wait_for(2, &["PUBSUB", "NUMPAT"], b":0\r\n");
    t.wait_for(2, &["PUBSUB", "NUMSUB", "a"], b"*2\r\n$1\r\na\r\n:0\r\n");
    t.one(2, &["PUBSUB", "SHARDNUMSUB", "s"]);
    t.one(2, &["PUBLISH", "a", "m"]);
    // INFO stats counts channels and patterns with subscribers.
    t.cmd(0, &["SUBSCRIBE", "c1", "c2"], 2);
    t.cmd(0, &["PSUBSCRIBE", "p1"], 1);
    t.cmd(1, &["PSUBSCRIBE", "p1", "p2"], 2);
    t.cmd(1, &["SSUBSCRIBE", "s1"], 1);
    for stats in t.each(2, &["INFO", "stats"]) {
        let text = String::from_utf8_lossy(&text_of(&stats)).to_string();
        for want in [
            "pubsub_channels:2",
            "pubsub_patterns:2",
            "pubsubshard_channels:1",
        ] {
            assert!(text.contains(want), "{want} not in {text}");
        }
    }
}

#[test]
fn shard_channels_are_a_separate_namespace() {
    let mut t = Twin::new(3);
    t.cmd(0, &["SSUBSCRIBE", "s1", "s2"], 2);
    t.cmd(0, &["SSUBSCRIBE", "s1"], 1);
    t.cmd(1, &["SUBSCRIBE", "s1"], 1);
    t.cmd(1, &["PSUBSCRIBE", "s*"], 1);
    // SPUBLISH reaches shard subscribers only, PUBLISH channel and pattern subscribers only.
    t.one(2, &["SPUBLISH", "s1", "shard"]);
    t.read(0, 1, "smessage");
    t.quiet(1);
    t.one(2, &["PUBLISH", "s1", "global"]);
    t.read(1, 2, "message + pmessage");
    t.quiet(0);
    t.one(2, &["PUBSUB", "SHARDNUMSUB", "s1", "s2", "s3"]);
    t.one_norm(2, &["PUBSUB", "SHARDCHANNELS"], Norm::Unordered);
    t.one(2, &["PUBSUB", "SHARDCHANNELS", "*2"]);
    t.one(2, &["PUBSUB", "NUMSUB", "s1"]);
    t.cmd(0, &["SUNSUBSCRIBE", "s9", "s1"], 2);
    t.one(0, &["SUNSUBSCRIBE", "s2"]);
    t.one(0, &["SUNSUBSCRIBE"]);
    t.one(0, &["GET", "k"]);
}

#[test]
fn pubsub_container_errors_and_help() {
    let mut t = Twin::new(1);
    t.one(0, &["PUBSUB", "HELP"]);
    t.one(0, &["PUBSUB", "help"]);
    t.one(0, &["PUBSUB"]);
    t.one(0, &["PUBSUB", "NOSUCH"]);
    t.one(0, &["PUBSUB", "NUMPAT", "x"]);
    t.one(0, &["PubSub", "ChAnnels", "a", "b"]);
    t.one(0, &["PUBSUB", "SHARDCHANNELS", "a", "b"]);
    t.one(0, &["PUBLISH", "x"]);
    t.one(0, &["SPUBLISH", "x", "y", "z"]);
    t.one(0, &["SUBSCRIBE"]);
    t.one(0, &["PSUBSCRIBE"]);
    t.one(0, &["SSUBSCRIBE"]);
    t.each(0, &["HELLO", "3"]);
    t.one(0, &["PUBSUB", "NUMSUB", "a", "a"]);
    t.one(0, &["PUBSUB", "CHANNELS"]);
}

#[test]
fn client_list_shows_subscriptions() {
    let mut t = Twin::new(2);
    t.cmd(0, &["SUBSCRIBE", "a", "b"], 2);
    t.cmd(0, &["PSUBSCRIBE", "p*"], 1);
    t.cmd(0, &["SSUBSCRIBE", "s1", "s2", "s3"], 3);
    for list in t.each(1, &["CLIENT", "LIST", "TYPE", "pubsub"]) {
        let text = text_of(&list);
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(client_field(&text, "flags"), "P");
        assert_eq!(client_field(&text, "sub"), "2");
        assert_eq!(client_field(&text, "psub"), "1");
        assert_eq!(client_field(&text, "ssub"), "3");
        assert_eq!(client_field(&text, "cmd"), "ssubscribe");
    }
    for list in t.each(1, &["CLIENT", "LIST", "TYPE", "normal"]) {
        let text = text_of(&list);
        assert_eq!(text.iter().filter(|&&b| b == b'\n').count(), 1);
        assert_eq!(client_field(&text, "flags"), "N");
        assert_eq!(client_field(&text, "sub"), "0");
        assert_eq!(client_field(&text, "cmd"), "client|list");
    }
    // RESP3: a subscribed client sees itself with CLIENT INFO.
    t.each(1, &["HELLO", "3"]);
    t.cmd(1, &["PSUBSCRIBE", "x", "y"], 2);
    for info in t.each(1, &["CLIENT", "INFO"]) {
        let text = text_of(&info);
        assert_eq!(client_field(&text, "flags"), "P");
        assert_eq!(client_field(&text, "psub"), "2");
        assert_eq!(client_field(&text, "resp"), "3");
    }
    t.cmd(1, &["PUNSUBSCRIBE"], 2);
    for info in t.each(1, &["CLIENT", "INFO"]) {
        assert_eq!(client_field(&text_of(&info), "flags"), "N");
    }
    // A subscribed monitor: O before P. (Last: Redis also feeds a monitor its own commands.)
    t.cmd(1, &["SUBSCRIBE", "m"], 1);
    t.one(1, &["MONITOR"]);
    for info in t.each(1, &["CLIENT", "INFO"]) {
        assert_eq!(client_field(&text_of(&info), "flags"), "OP");
    }
}

#[test]
fn client_kill_type_pubsub() {
    let mut t = Twin::new(3);
    t.cmd(0, &["SUBSCRIBE", "a"], 1);
    t.cmd(1, &["PSUBSCRIBE", "b*"], 1);
    t.one(2, &["CLIENT", "KILL", "TYPE", "pubsub"]);
    for side in 0..2 {
        for c in 0..2 {
            assert!(
                t.conns[side][c].is_closed(),
                "side {side} conn {c} not killed"
            );
        }
    }
    t.one(2, &["PING"]);
    t.wait_for(2, &["PUBSUB", "NUMPAT"], b":0\r\n");
    t.one(2, &["PUBLISH", "a", "m"]);
    t.one(2, &["CLIENT", "KILL", "TYPE", "pubsub"]);
    t.reconnect(0);
    t.one(2, &["CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"]);
    assert!(t.conns[0][0].is_closed() && t.conns[1][0].is_closed());
}

#[test]
fn client_pause_holds_publish_not_context_errors() {
    let mut t = Twin::new(3);
    t.cmd(0, &["SUBSCRIBE", "x"], 1);
    t.one(1, &["CLIENT", "PAUSE", "10000", "WRITE"]);
    // The subscribed-context error is not held by the pause.
    t.one(0, &["PUBLISH", "x", "y"]);
    t.cmd(0, &["SUBSCRIBE", "z"], 1);
    // PUBLISH may replicate: held until the pause ends.
    t.send(2, &["PUBLISH", "x", "held"]);
    for side in 0..2 {
        assert!(
            t.conns[side][2]
                .read_reply_timeout(Duration::from_millis(200))
                .is_none(),
            "side {side}: PUBLISH answered during CLIENT PAUSE WRITE"
        );
    }
    t.one(1, &["CLIENT", "UNPAUSE"]);
    t.read(2, 1, "PUBLISH after unpause");
    t.read(0, 1, "message after unpause");
    // SPUBLISH too; PUBSUB (read-only) is not held.
    t.one(1, &["CLIENT", "PAUSE", "10000", "WRITE"]);
    t.send(2, &["SPUBLISH", "x", "held"]);
    t.one(1, &["PUBSUB", "NUMSUB", "x"]);
    for side in 0..2 {
        assert!(
            t.conns[side][2]
                .read_reply_timeout(Duration::from_millis(200))
                .is_none(),
            "side {side}: SPUBLISH answered during CLIENT PAUSE WRITE"
        );
    }
    t.one(1, &["CLIENT", "UNPAUSE"]);
    t.read(2, 1, "SPUBLISH after unpause");
}

#[test]
fn subscribed_clients_never_time_out() {
    let mut t = Twin::with_args(3, &["--timeout", "1"]);
    t.cmd(0, &["SUBSCRIBE", "x"], 1);
    t.cmd(1, &["PING"], 1);
    // The idle normal client is closed; the subscriber stays.
    for side in 0..2 {
        let closed = t.conns[side][1].is_closed_within(Duration::from_secs(6));
        assert!(closed, "side {side}: idle client not closed");
    }
    t.reconnect(2);
    t.one(2, &["PUBLISH", "x", "still here"]);
    t.read(0, 1, "message to the idle subscriber");
}

#[test]
fn keyspace_keymiss_events() {
    let mut t = Twin::new(3);
    t.cmd(0, &["PSUBSCRIBE", "__key*"], 1);
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", "KEm"]);
    t.one(1, &["GET", "missing"]);
    t.read(0, 2, "keymiss keyspace + keyevent");
    t.one(1, &["SELECT", "5"]);
    t.one(1, &["GET", "bin\u{0}key"]);
    t.read(0, 2, "keymiss in db 5");
    // Only keyevent.
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", "Em"]);
    t.one(1, &["GET", "missing"]);
    t.read(0, 1, "keyevent only");
    // A RESP3 client subscribed to its own events gets them before its reply.
    t.each(2, &["HELLO", "3"]);
    t.cmd(2, &["SUBSCRIBE", "__keyevent@0__:keymiss"], 1);
    t.cmd(2, &["GET", "nothere"], 2);
    t.read(0, 1, "keyevent to the pattern subscriber");
    // Classes not selected publish nothing.
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", "KA"]);
    t.one(1, &["GET", "missing"]);
    t.quiet(0);
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", ""]);
    t.one(1, &["GET", "missing"]);
    t.quiet(0);
}

/// The curated single-connection script (also run with every script by diff_scripts.rs).
#[test]
fn diff_script_pubsub() {
    let path = diff_dir().join("pubsub.txt");
    DiffPair::new().run_script_file(&path);
}

/// A subscriber that never reads is disconnected at the pubsub class's hard limit.
#[test]
fn slow_subscriber_hits_pubsub_output_limit() {
    let mut t = Twin::new(2);
    t.one(
        1,
        &[
            "CONFIG",
            "SET",
            "client-output-buffer-limit",
            "pubsub 1mb 0 0",
        ],
    );
    t.cmd(0, &["SUBSCRIBE", "big"], 1);
    let payload = "x".repeat(100 * 1024);
    // Up to 40 MB: far beyond the limit plus any socket buffering; stops once it is dropped.
    for _ in 0..400 {
        let got = t.each(1, &["PUBLISH", "big", &payload]);
        if got.iter().all(|g| g == b":0\r\n") {
            break;
        }
    }
    t.wait_for(
        1,
        &["PUBSUB", "NUMSUB", "big"],
        b"*2\r\n$3\r\nbig\r\n:0\r\n",
    );
}

/// `CONFIG SET notify-keyspace-events` then writes: the `__keyspace@<db>__:<key>` and
/// `__keyevent@<db>__:<event>` messages, in Redis's order, to channel and pattern
/// subscribers, in every database.
#[test]
fn keyspace_events_end_to_end() {
    let mut t = Twin::new(4);
    t.cmd(0, &["PSUBSCRIBE", "__key*@*"], 1);
    t.cmd(1, &["SUBSCRIBE", "__keyevent@0__:setbit"], 1);
    t.cmd(2, &["SUBSCRIBE", "__keyspace@0__:bits"], 1);
    t.one(3, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    t.one(3, &["SETBIT", "bits", "7", "1"]);
    t.drain(0, "setbit: keyspace + keyevent");
    t.drain(1, "setbit keyevent channel");
    t.drain(2, "bits keyspace channel");
    t.one(3, &["PFADD", "hll", "a", "b"]);
    t.one(3, &["PFADD", "hll", "a"]);
    t.one(3, &["BITOP", "OR", "dest", "bits", "nokey"]);
    t.one(3, &["BITOP", "AND", "dest", "nokey"]);
    assert_eq!(t.drain(0, "pfadd, bitop set, bitop del"), 6);
    t.quiet(1);
    t.quiet(2);
    t.one(3, &["SELECT", "9"]);
    t.one(3, &["SETBIT", "bits", "1", "1"]);
    assert_eq!(t.drain(0, "setbit in db 9"), 2);
    t.quiet(1);
    t.quiet(2);
    // Only the string class, only keyspace messages.
    t.one(3, &["CONFIG", "SET", "notify-keyspace-events", "K$"]);
    t.one(3, &["SETBIT", "bits", "2", "1"]);
    t.one(3, &["BITOP", "AND", "dest", "nokey"]);
    assert_eq!(t.drain(0, "K$ only"), 1);
    // A RESP3 client gets the events of its own write before the reply.
    t.one(3, &["CONFIG", "SET", "notify-keyspace-events", "E$"]);
    t.one(3, &["SELECT", "0"]);
    t.each(3, &["HELLO", "3"]);
    t.cmd(3, &["SUBSCRIBE", "__keyevent@0__:setbit"], 1);
    t.cmd(3, &["SETBIT", "mine", "0", "1"], 2);
    t.drain(0, "pattern subscriber");
    t.drain(1, "channel subscriber");
}

/// SET, and a TTL running out: the events Redis publishes for them, in its order.
#[test]
fn keyspace_events_set_and_expired() {
    let mut t = Twin::new(2);
    t.cmd(0, &["PSUBSCRIBE", "__key*__:*"], 1);
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    t.one(1, &["SET", "k", "v"]);
    t.one(1, &["SET", "k", "v", "NX"]);
    assert_eq!(t.drain(0, "set"), 2);
    t.one(1, &["SET", "k", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(20));
    // Expired by the cron or by this lookup: the same `expired` events either way.
    t.one(1, &["GET", "k"]);
    assert_eq!(t.drain(0, "set px, expire, expired"), 6);
    // Lazily, on a write lookup, with the cron kept out of the way.
    t.one(1, &["DEBUG", "SET-ACTIVE-EXPIRE", "0"]);
    t.one(1, &["SET", "k", "v", "PX", "1"]);
    std::thread::sleep(Duration::from_millis(20));
    t.one(1, &["APPEND", "k", "x"]);
    assert_eq!(t.drain(0, "set px, expire, expired, append"), 8);
}

/// DEL publishes `del` for each key it removed.
#[test]
fn keyspace_events_del() {
    let mut t = Twin::new(2);
    t.cmd(0, &["PSUBSCRIBE", "__key*__:*"], 1);
    t.one(1, &["CONFIG", "SET", "notify-keyspace-events", "KEA"]);
    t.one(1, &["SET", "k", "v"]);
    t.one(1, &["DEL", "k", "nokey"]);
    t.one(1, &["DEL", "k"]);
    assert_eq!(t.drain(0, "set, del"), 4);
}
