//! Pub/sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH, the shard
//! variants SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (a separate namespace, as on a non-cluster
//! Redis 7.0), and PUBSUB CHANNELS|NUMSUB|NUMPAT|SHARDCHANNELS|SHARDNUMSUB|HELP.
//!
//! The subscription tables and message delivery are in [`crate::pubsub`]; the RESP2
//! subscribed-context gate is in `call()`.

use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::client::flags;
use crate::pubsub::{self, Kind};

/// SUBSCRIBE channel [channel ...]
fn subscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    for ch in &argv[1..] {
        pubsub::subscribe(ctx.core, ctx.client, Kind::Global, ch);
    }
    ctx.client.flags |= flags::PUBSUB;
    Ok(())
}

/// SSUBSCRIBE shardchannel [shardchannel ...]
fn ssubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // Refused inside EXEC (Redis's CLIENT_DENY_BLOCKING; SUBSCRIBE is exempted for MULTI).
    if ctx.core.in_exec {
        return Err(error::SSUBSCRIBE_DENY_BLOCKING);
    }
    for ch in &argv[1..] {
        pubsub::subscribe(ctx.core, ctx.client, Kind::Shard, ch);
    }
    ctx.client.flags |= flags::PUBSUB;
    Ok(())
}

/// PSUBSCRIBE pattern [pattern ...]
fn psubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    for p in &argv[1..] {
        pubsub::psubscribe(ctx.core, ctx.client, p);
    }
    ctx.client.flags |= flags::PUBSUB;
    Ok(())
}

/// UNSUBSCRIBE / SUNSUBSCRIBE: the named channels, or all of them.
fn unsubscribe_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    if argv.len() == 1 {
        pubsub::unsubscribe_all(ctx.core, ctx.client, kind, true);
    } else {
        for ch in &argv[1..] {
            pubsub::unsubscribe(ctx.core, ctx.client, kind, ch, true);
        }
    }
    pubsub::update_context(ctx.client);
    Ok(())
}

/// UNSUBSCRIBE [channel [channel ...]]
fn unsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    unsubscribe_kind(ctx, argv, Kind::Global)
}

/// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
fn sunsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    unsubscribe_kind(ctx, argv, Kind::Shard)
}

/// PUNSUBSCRIBE [pattern [pattern ...]]
fn punsubscribe(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 1 {
        pubsub::punsubscribe_all(ctx.core, ctx.client, true);
    } else {
        for p in &argv[1..] {
            pubsub::punsubscribe(ctx.core, ctx.client, p, true);
        }
    }
    pubsub::update_context(ctx.client);
    Ok(())
}

/// PUBLISH channel message — replies with the number of deliveries.
fn publish(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = pubsub::publish(ctx.core, Some(ctx.client), Kind::Global, argv[1], argv[2]);
    ctx.out().int(n as i64);
    Ok(())
}

/// SPUBLISH shardchannel message
fn spublish(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = pubsub::publish(ctx.core, Some(ctx.client), Kind::Shard, argv[1], argv[2]);
    ctx.out().int(n as i64);
    Ok(())
}

/// `ERR unknown subcommand or wrong number of arguments for '<sub>'. Try PUBSUB HELP.`
fn syntax_error(argv: &[&[u8]]) -> Error {
    let mut m = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    m.extend_from_slice(super::error::c_str_max(argv[1], 128));
    m.extend_from_slice(b"'. Try ");
    m.extend_from_slice(&argv[0].to_ascii_uppercase());
    m.extend_from_slice(b" HELP.");
    Error::owned(m)
}

/// PUBSUB CHANNELS / SHARDCHANNELS [pattern]
fn channels_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    if argv.len() > 3 {
        return Err(syntax_error(argv));
    }
    let list = ctx.core.pubsub.list(kind, argv.get(2).copied());
    let out = &mut ctx.client.out;
    out.array_len(list.len());
    for c in list {
        out.bulk(c);
    }
    Ok(())
}

/// PUBSUB CHANNELS [pattern]
fn pubsub_channels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    channels_kind(ctx, argv, Kind::Global)
}

/// PUBSUB SHARDCHANNELS [pattern]
fn pubsub_shardchannels(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    channels_kind(ctx, argv, Kind::Shard)
}

/// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array of channel, count (also in RESP3).
fn numsub_kind(ctx: &mut Ctx, argv: &[&[u8]], kind: Kind) -> CmdResult {
    let chans = &argv[2..];
    let out = &mut ctx.client.out;
    out.array_len(chans.len() * 2);
    for c in chans {
        out.bulk(c);
        out.int(ctx.core.pubsub.subscribers(kind, c) as i64);
    }
    Ok(())
}

/// PUBSUB NUMSUB [channel ...]
fn pubsub_numsub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    numsub_kind(ctx, argv, Kind::Global)
}

/// PUBSUB SHARDNUMSUB [shardchannel ...]
fn pubsub_shardnumsub(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    numsub_kind(ctx, argv, Kind::Shard)
}

/// PUBSUB NUMPAT
fn pubsub_numpat(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let n = ctx.core.pubsub.pattern_count() as i64;
    ctx.out().int(n);
    Ok(())
}

/// PUBSUB HELP
fn pubsub_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::server::reply_help(ctx.out(), "PUBSUB", PUBSUB_HELP);
    Ok(())
}

const PUBSUB_HELP: &[&str] = &[
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
];

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::SUBSCRIBE, subscribe),
    Command::new(&meta::UNSUBSCRIBE, unsubscribe),
    Command::new(&meta::PSUBSCRIBE, psubscribe),
    Command::new(&meta::PUNSUBSCRIBE, punsubscribe),
    Command::new(&meta::PUBLISH, publish),
    Command::new(&meta::SSUBSCRIBE, ssubscribe),
    Command::new(&meta::SUNSUBSCRIBE, sunsubscribe),
    Command::new(&meta::SPUBLISH, spublish),
    Command::container(
        &meta::PUBSUB,
        &[
            Command::new(&meta::PUBSUB_CHANNELS, pubsub_channels),
            Command::new(&meta::PUBSUB_NUMSUB, pubsub_numsub),
            Command::new(&meta::PUBSUB_NUMPAT, pubsub_numpat),
            Command::new(&meta::PUBSUB_SHARDCHANNELS, pubsub_shardchannels),
            Command::new(&meta::PUBSUB_SHARDNUMSUB, pubsub_shardnumsub),
            Command::new(&meta::PUBSUB_HELP, pubsub_help),
        ],
    ),
];
