//! Publish/subscribe: channels, patterns and shard channels, and delivery of messages to
//! subscribed clients (Redis `pubsub.c`).
//!
//! State lives in two places, kept in step by the functions below:
//! - per client, [`ClientSubs`] (`Client::subs`): its channels, its patterns (in
//!   subscription order, as Redis 7.0 keeps them in a list) and its shard channels;
//! - server-wide, [`PubSub`] (`Core::pubsub`): channel / pattern / shard channel → tokens of
//!   the subscribed clients, which is what `PUBLISH` walks and `PUBSUB` reports.
//!
//! Messages are written straight into the subscribers' output buffers and their tokens
//! queued on `Core::wake_write`, so the loop writes them right after the command.
//!
//! The client running the current command is taken out of the `Clients` table, so every
//! function that may write to it takes it explicitly (`me`). Its pushes bypass `CLIENT REPLY
//! OFF|SKIP` as Redis's `CLIENT_PUSHING` does: while replies are off they are stashed in
//! [`PubSub`] and `call()` appends them once the command's own reply has been dropped.
//!
//! Callers: the commands in `cmd/pubsub.rs`; `notify.rs` (keyspace events); `call()` (the
//! RESP2 subscribed-context gate, the stash); RESET and client close ([`forget_client`]).

use crate::client::{flags, Client, ReplyMode};
use crate::core::Core;
use crate::resp::Out;
use crate::util::glob::string_match;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Which namespace a channel belongs to: `SUBSCRIBE`/`PUBLISH` or `SSUBSCRIBE`/`SPUBLISH`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Global,
    Shard,
}

impl Kind {
    fn subscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"subscribe",
            Kind::Shard => b"ssubscribe",
        }
    }

    fn unsubscribe_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"unsubscribe",
            Kind::Shard => b"sunsubscribe",
        }
    }

    fn message_word(self) -> &'static [u8] {
        match self {
            Kind::Global => b"message",
            Kind::Shard => b"smessage",
        }
    }
}

/// One client's subscriptions.
#[derive(Debug, Default)]
pub struct ClientSubs {
    pub channels: BTreeSet<Vec<u8>>,
    /// In subscription order (a mass PUNSUBSCRIBE replies in this order, as Redis 7.0).
    pub patterns: Vec<Vec<u8>>,
    pub shard: BTreeSet<Vec<u8>>,
}

impl ClientSubs {
    /// Channels + patterns: the count (P)SUBSCRIBE and (P)UNSUBSCRIBE report.
    pub fn count(&self) -> usize {
        self.channels.len() + self.patterns.len()
    }

    /// Every subscription, shard channels included: zero leaves the subscribed context.
    pub fn total(&self) -> usize {
        self.count() + self.shard.len()
    }

    fn count_for(&self, kind: Kind) -> usize {
        match kind {
            Kind::Global => self.count(),
            Kind::Shard => self.shard.len(),
        }
    }

    fn set(&mut self, kind: Kind) -> &mut BTreeSet<Vec<u8>> {
        match kind {
            Kind::Global => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }
}

/// Server-wide subscription tables.
#[derive(Debug, Default)]
pub struct PubSub {
    /// Channel → subscribers' tokens, in subscription order.
    channels: HashMap<Vec<u8>, Vec<usize>>,
    /// Pattern → subscribers' tokens.
    patterns: BTreeMap<Vec<u8>, Vec<usize>>,
    /// Shard channel → subscribers' tokens.
    shard: HashMap<Vec<u8>, Vec<usize>>,
    /// Pushes for the current client while its replies are off (see the module doc).
    stash: Vec<u8>,
}

impl PubSub {
    /// Channels with at least one subscriber (`INFO pubsub_channels`).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// Patterns with at least one subscriber (`INFO pubsub_patterns`, `PUBSUB NUMPAT`).
    pub fn pattern_count(&self) -> usize {
        self.patterns.len()
    }

    /// Shard channels with at least one subscriber (`INFO pubsubshard_channels`).
    pub fn shard_channel_count(&self) -> usize {
        self.shard.len()
    }

    fn table(&self, kind: Kind) -> &HashMap<Vec<u8>, Vec<usize>> {
        match kind {
            Kind::Global => &self.channels,
            Kind::Shard => &self.shard,
        }
    }

    fn table_mut(&mut self, kind: Kind) -> &mut HashMap<Vec<u8>, Vec<usize>> {
        match kind {
            Kind::Global => &mut self.channels,
            Kind::Shard => &mut self.shard,
        }
    }

    /// Active channels of `kind` matching `pattern` (all when `None`), in no particular
    /// order (Redis's order is its hash table's).
    pub fn list(&self, kind: Kind, pattern: Option<&[u8]>) -> Vec<&[u8]> {
        self.table(kind)
            .keys()
            .filter(|c| pattern.is_none_or(|p| string_match(p, c, false)))
            .map(|c| c.as_slice())
            .collect()
    }

    /// Subscribers of one channel, patterns not counted (`PUBSUB NUMSUB`).
    pub fn subscribers(&self, kind: Kind, channel: &[u8]) -> usize {
        self.table(kind).get(channel).map_or(0, Vec::len)
    }
}

/// Writes a push to the client running the current command: into its reply buffer, or into
/// the stash while `CLIENT REPLY OFF|SKIP` drops its replies.
fn push_to_current(stash: &mut Vec<u8>, c: &mut Client, write: impl FnOnce(&mut Out)) {
    if matches!(c.reply_mode, ReplyMode::Off | ReplyMode::Skip) {
        let mut o = Out {
            buf: std::mem::take(stash),
            resp: c.out.resp,
        };
        write(&mut o);
        *stash = o.buf;
    } else {
        write(&mut c.out);
    }
}

/// Moves pushes stashed while the current client's replies were off into its output.
/// Called by `call()` once the outermost command is done (after dropping its reply).
pub fn flush_stash(core: &mut Core, c: &mut Client) {
    if !core.pubsub.stash.is_empty() {
        c.out.buf.append(&mut core.pubsub.stash);
    }
}

/// A (un)subscribe confirmation: `[word, name or null, count]`.
fn confirm(stash: &mut Vec<u8>, c: &mut Client, word: &[u8], name: Option<&[u8]>, n: usize) {
    push_to_current(stash, c, |o| {
        o.push_len(3);
        o.bulk(word);
        match name {
            Some(n) => o.bulk(n),
            None => o.null(),
        }
        o.int(n as i64);
    });
}

/// Subscribes `c` to `channel` (no-op if already subscribed) and confirms it.
pub fn subscribe(core: &mut Core, c: &mut Client, kind: Kind, channel: &[u8]) {
    if c.subs.set(kind).insert(channel.to_vec()) {
        core.pubsub
            .table_mut(kind)
            .entry(channel.to_vec())
            .or_default()
            .push(c.token);
    }
    let n = c.subs.count_for(kind);
    confirm(
        &mut core.pubsub.stash,
        c,
        kind.subscribe_word(),
        Some(channel),
        n,
    );
}

/// Removes `token` from one subscriber list; true when the list is left empty (the caller
/// then drops the entry, so idle channels cost nothing).
fn detach(subs: Option<&mut Vec<usize>>, token: usize) -> bool {
    match subs {
        Some(v) => {
            if let Some(i) = v.iter().position(|&t| t == token) {
                v.remove(i);
            }
            v.is_empty()
        }
        None => false,
    }
}

/// Unsubscribes `c` from `channel`; confirms it when `notify` (even if `c` was not
/// subscribed, as Redis does).
pub fn unsubscribe(core: &mut Core, c: &mut Client, kind: Kind, channel: &[u8], notify: bool) {
    if c.subs.set(kind).remove(channel) {
        let table = core.pubsub.table_mut(kind);
        if detach(table.get_mut(channel), c.token) {
            table.remove(channel);
        }
    }
    if notify {
        let n = c.subs.count_for(kind);
        confirm(
            &mut core.pubsub.stash,
            c,
            kind.unsubscribe_word(),
            Some(channel),
            n,
        );
    }
}

/// Unsubscribes `c` from every channel of `kind`. With `notify`, confirms each one, or
/// sends one confirmation with a null channel when there was none.
pub fn unsubscribe_all(core: &mut Core, c: &mut Client, kind: Kind, notify: bool) {
    let all: Vec<Vec<u8>> = c.subs.set(kind).iter().cloned().collect();
    for ch in &all {
        unsubscribe(core, c, kind, ch, notify);
    }
    if notify && all.is_empty() {
        let n = c.subs.count_for(kind);
        confirm(&mut core.pubsub.stash, c, kind.unsubscribe_word(), None, n);
    }
}

/// Subscribes `c` to `pattern` (no-op if already subscribed) and confirms it.
pub fn psubscribe(core: &mut Core, c: &mut Client, pattern: &[u8]) {
    if !c.subs.patterns.iter().any(|p| p == pattern) {
        c.subs.patterns.push(pattern.to_vec());
        core.pubsub
            .patterns
            .entry(pattern.to_vec())
            .or_default()
            .push(c.token);
    }
    let n = c.subs.count();
    confirm(&mut core.pubsub.stash, c, b"psubscribe", Some(pattern), n);
}

/// Unsubscribes `c` from `pattern`; confirms it when `notify`.
pub fn punsubscribe(core: &mut Core, c: &mut Client, pattern: &[u8], notify: bool) {
    if let Some(i) = c.subs.patterns.iter().position(|p| p == pattern) {
        c.subs.patterns.remove(i);
        let table = &mut core.pubsub.patterns;
        if detach(table.get_mut(pattern), c.token) {
            table.remove(pattern);
        }
    }
    if notify {
        let n = c.subs.count();
        confirm(&mut core.pubsub.stash, c, b"punsubscribe", Some(pattern), n);
    }
}

/// Unsubscribes `c` from every pattern, in subscription order (see [`unsubscribe_all`]).
pub fn punsubscribe_all(core: &mut Core, c: &mut Client, notify: bool) {
    let all = c.subs.patterns.clone();
    for p in &all {
        punsubscribe(core, c, p, notify);
    }
    if notify && all.is_empty() {
        let n = c.subs.count();
        confirm(&mut core.pubsub.stash, c, b"punsubscribe", None, n);
    }
}

/// Leaves the subscribed context once nothing is left (after any unsubscribe command).
pub fn update_context(c: &mut Client) {
    if c.subs.total() == 0 {
        c.flags &= !flags::PUBSUB;
    }
}

/// Drops every subscription of `c` silently (RESET, disconnection).
pub fn forget_client(core: &mut Core, c: &mut Client) {
    if c.subs.total() > 0 {
        unsubscribe_all(core, c, Kind::Global, false);
        unsubscribe_all(core, c, Kind::Shard, false);
        punsubscribe_all(core, c, false);
    }
    c.flags &= !flags::PUBSUB;
}

/// Commands a RESP2 client may run while subscribed (Redis `processCommand`).
pub fn allowed_in_context(name: &str) -> bool {
    matches!(
        name,
        "ping"
            | "subscribe"
            | "ssubscribe"
            | "unsubscribe"
            | "sunsubscribe"
            | "psubscribe"
            | "punsubscribe"
            | "quit"
            | "reset"
    )
}

/// True if the RESP2 subscribed context refuses command `name` for `c`.
pub fn refused_in_context(c: &Client, name: &str) -> bool {
    c.has(flags::PUBSUB) && !c.out.resp3() && !allowed_in_context(name)
}

/// Extra flags of the pub/sub commands for `CLIENT PAUSE`: PUBLISH and SPUBLISH are
/// `may_replicate` in Redis 7.0 (held by `CLIENT PAUSE WRITE`), a flag `COMMAND INFO` does
/// not show and the generated metadata therefore lacks.
pub fn pause_flags(name: &[u8]) -> u64 {
    if name.eq_ignore_ascii_case(b"publish") || name.eq_ignore_ascii_case(b"spublish") {
        crate::cmd::flag::MAY_REPLICATE
    } else {
        0
    }
}

/// One message, rendered once for every subscriber: the elements after the aggregate header.
struct Frame {
    len: usize,
    body: Vec<u8>,
}

impl Frame {
    fn new(parts: &[&[u8]]) -> Frame {
        let mut o = Out {
            buf: Vec::with_capacity(parts.iter().map(|p| p.len() + 16).sum()),
            resp: 2,
        };
        for p in parts {
            o.bulk(p);
        }
        Frame {
            len: parts.len(),
            body: o.buf,
        }
    }

    fn write(&self, o: &mut Out) {
        o.push_len(self.len);
        o.raw(&self.body);
    }
}

/// Writes `frame` to subscriber `token`: the current client or one in the table. A client
/// being closed still counts as a receiver but gets nothing (Redis `prepareClientToWrite`).
fn deliver(
    core_clients: &mut crate::client::Clients,
    wake: &mut Vec<usize>,
    stash: &mut Vec<u8>,
    me: &mut Option<&mut Client>,
    token: usize,
    frame: &Frame,
) {
    if let Some(c) = me.as_deref_mut().filter(|c| c.token == token) {
        if !c.has(flags::CLOSE_AFTER_REPLY | flags::CLOSE_ASAP) {
            push_to_current(stash, c, |o| frame.write(o));
        }
    } else if let Some(c) = core_clients.get_mut(token) {
        if !c.has(flags::CLOSE_AFTER_REPLY | flags::CLOSE_ASAP) {
            frame.write(&mut c.out);
            wake.push(token);
        }
    }
}

/// Delivers `message` on `channel` to its subscribers and, for global channels, to the
/// clients whose patterns match; returns how many deliveries were made.
pub fn publish(
    core: &mut Core,
    mut me: Option<&mut Client>,
    kind: Kind,
    channel: &[u8],
    message: &[u8],
) -> usize {
    let Core {
        pubsub,
        clients,
        wake_write,
        ..
    } = core;
    let PubSub {
        channels,
        patterns,
        shard,
        stash,
    } = pubsub;
    let table = match kind {
        Kind::Global => &*channels,
        Kind::Shard => &*shard,
    };
    let mut n = 0;
    if let Some(subs) = table.get(channel) {
        let frame = Frame::new(&[kind.message_word(), channel, message]);
        for &t in subs {
            deliver(clients, wake_write, stash, &mut me, t, &frame);
            n += 1;
        }
    }
    if kind == Kind::Global {
        for (pat, subs) in patterns.iter() {
            if !string_match(pat, channel, false) {
                continue;
            }
            let frame = Frame::new(&[b"pmessage", pat, channel, message]);
            for &t in subs {
                deliver(clients, wake_write, stash, &mut me, t, &frame);
                n += 1;
            }
        }
    }
    n
}

impl Core {
    /// Delivers `message` on `channel` to every subscriber; returns how many received it.
    /// For callers without a current client (the loop, cron); a command publishes with
    /// [`publish`] passing its client.
    pub fn publish(&mut self, channel: &[u8], message: &[u8]) -> usize {
        publish(self, None, Kind::Global, channel, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_render_per_protocol() {
        let f = Frame::new(&[b"message", b"ch", b""]);
        let mut o = Out::new();
        f.write(&mut o);
        assert_eq!(o.buf, b"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n");
        let mut o = Out {
            buf: Vec::new(),
            resp: 3,
        };
        f.write(&mut o);
        assert_eq!(o.buf, b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$0\r\n\r\n");
    }

    #[test]
    fn context_allows_only_subscription_commands() {
        for ok in [
            "ping",
            "subscribe",
            "punsubscribe",
            "ssubscribe",
            "quit",
            "reset",
        ] {
            assert!(allowed_in_context(ok), "{ok}");
        }
        for no in [
            "get",
            "publish",
            "hello",
            "client|info",
            "multi",
            "spublish",
        ] {
            assert!(!allowed_in_context(no), "{no}");
        }
    }

    fn client(core: &mut Core) -> Box<Client> {
        let (a, _b) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        let conn = crate::client::Conn::Unix(mio::net::UnixStream::from_std(a));
        let token = core.clients.vacant();
        Box::new(Client::new(
            token as u64 + 1,
            token,
            conn,
            String::new(),
            String::new(),
            0,
        ))
    }

    /// The server tables hold exactly the clients' subscriptions, with no empty entries.
    fn check_tables(core: &Core, clients: &[Box<Client>]) {
        let mut want: HashMap<(u8, Vec<u8>), Vec<usize>> = HashMap::new();
        for c in clients {
            for ch in &c.subs.channels {
                want.entry((0, ch.clone())).or_default().push(c.token);
            }
            for p in &c.subs.patterns {
                want.entry((1, p.clone())).or_default().push(c.token);
            }
            for ch in &c.subs.shard {
                want.entry((2, ch.clone())).or_default().push(c.token);
            }
        }
        let mut have: HashMap<(u8, Vec<u8>), Vec<usize>> = HashMap::new();
        let ps = &core.pubsub;
        for (tag, table) in [(0u8, &ps.channels), (2u8, &ps.shard)] {
            for (k, v) in table {
                have.insert((tag, k.clone()), v.clone());
            }
        }
        for (k, v) in &ps.patterns {
            have.insert((1, k.clone()), v.clone());
        }
        for v in want.values_mut().chain(have.values_mut()) {
            v.sort_unstable();
        }
        assert_eq!(want, have);
    }

    /// Random subscribe/unsubscribe/forget sequences over a few clients keep the server
    /// tables in step with the clients, and deliveries count what the tables say.
    #[test]
    fn random_operations_keep_tables_consistent() {
        use rand::{Rng, SeedableRng};
        let mut core = Core::new(crate::config::Config::default());
        let mut cs: Vec<Box<Client>> = (0..4).map(|_| client(&mut core)).collect();
        let names: [&[u8]; 4] = [b"a", b"b", b"a*", b""];
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for step in 0..3000 {
            let i = rng.gen_range(0..cs.len());
            let name = names[rng.gen_range(0..names.len())];
            let c = &mut cs[i];
            match rng.gen_range(0..9) {
                0 => subscribe(&mut core, c, Kind::Global, name),
                1 => subscribe(&mut core, c, Kind::Shard, name),
                2 => psubscribe(&mut core, c, name),
                3 => unsubscribe(&mut core, c, Kind::Global, name, true),
                4 => unsubscribe(&mut core, c, Kind::Shard, name, false),
                5 => punsubscribe(&mut core, c, name, true),
                6 => unsubscribe_all(&mut core, c, Kind::Global, true),
                7 => punsubscribe_all(&mut core, c, true),
                _ => forget_client(&mut core, c),
            }
            c.out.buf.clear();
            check_tables(&core, &cs);
            if step % 50 == 0 {
                // The clients are all "outside the table" here: count deliveries by hand.
                let chan = names[rng.gen_range(0..names.len())];
                let mut want = core.pubsub.subscribers(Kind::Global, chan);
                for (p, subs) in &core.pubsub.patterns {
                    if string_match(p, chan, false) {
                        want += subs.len();
                    }
                }
                assert_eq!(publish(&mut core, None, Kind::Global, chan, b"m"), want);
            }
        }
        for c in cs.iter_mut() {
            forget_client(&mut core, c);
        }
        check_tables(&core, &cs);
        assert_eq!(core.pubsub.channel_count() + core.pubsub.pattern_count(), 0);
        assert_eq!(core.pubsub.shard_channel_count(), 0);
    }

    #[test]
    fn counts_separate_shard_channels() {
        let mut s = ClientSubs::default();
        s.channels.insert(b"a".to_vec());
        s.patterns.push(b"p*".to_vec());
        s.shard.insert(b"s".to_vec());
        assert_eq!(s.count(), 2);
        assert_eq!(s.count_for(Kind::Shard), 1);
        assert_eq!(s.total(), 3);
    }
}
