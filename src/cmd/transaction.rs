//! MULTI / EXEC / DISCARD / WATCH / UNWATCH. Queued commands run through the same
//! `call()` as every other command; WATCH invalidation comes from `Ctx::touched`.

use super::call;
use super::error;
use super::{meta, CmdResult, Command, Ctx};
use crate::client::{flags, Client};
use crate::core::Core;

/// Drops the transaction state (queue and flags) of a client.
pub fn discard_state(c: &mut Client) {
    c.multi.clear();
    c.flags &= !(flags::MULTI | flags::DIRTY_EXEC | flags::DIRTY_CAS);
}

/// Forgets every key the client watches.
pub fn unwatch_all(core: &mut Core, c: &mut Client) {
    for k in c.watched.drain(..) {
        if let Some(ws) = core.watched.get_mut(&k) {
            ws.retain(|&t| t != c.token);
            if ws.is_empty() {
                core.watched.remove(&k);
            }
        }
    }
    c.flags &= !flags::DIRTY_CAS;
}

/// MULTI
fn multi(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.client.has(flags::MULTI) {
        return Err(error::NESTED_MULTI);
    }
    ctx.client.flags |= flags::MULTI;
    ctx.out().ok();
    Ok(())
}

/// DISCARD
fn discard(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if !ctx.client.has(flags::MULTI) {
        return Err(error::DISCARD_NO_MULTI);
    }
    discard_state(ctx.client);
    unwatch_all(ctx.core, ctx.client);
    ctx.out().ok();
    Ok(())
}

/// EXEC
fn exec(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if !ctx.client.has(flags::MULTI) {
        return Err(error::EXEC_NO_MULTI);
    }
    if ctx.client.has(flags::DIRTY_EXEC) {
        discard_state(ctx.client);
        unwatch_all(ctx.core, ctx.client);
        return Err(error::EXECABORT);
    }
    let aborted = ctx.client.has(flags::DIRTY_CAS);
    let queue = std::mem::take(&mut ctx.client.multi);
    discard_state(ctx.client);
    unwatch_all(ctx.core, ctx.client);
    if aborted {
        ctx.out().null_array();
        return Ok(());
    }
    ctx.out().array_len(queue.len());
    // Blocking commands inside a transaction answer at once (Redis CLIENT_DENY_BLOCKING).
    ctx.client.flags |= flags::DENY_BLOCKING;
    ctx.core.in_exec = true;
    for q in &queue {
        let argv: Vec<&[u8]> = q.argv.iter().map(|a| a.as_slice()).collect();
        call::call(ctx.core, ctx.client, q.id, &argv, ctx.now);
    }
    ctx.client.flags &= !flags::DENY_BLOCKING;
    ctx.core.in_exec = false;
    Ok(())
}

/// WATCH key [key ...]
fn watch(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if ctx.client.has(flags::MULTI) {
        return Err(error::WATCH_IN_MULTI);
    }
    let db = ctx.client.db;
    for k in &argv[1..] {
        let key = (db, k.to_vec());
        if ctx.client.watched.contains(&key) {
            continue;
        }
        ctx.core
            .watched
            .entry(key.clone())
            .or_default()
            .push(ctx.client.token);
        ctx.client.watched.push(key);
    }
    ctx.out().ok();
    Ok(())
}

/// UNWATCH
fn unwatch(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    unwatch_all(ctx.core, ctx.client);
    ctx.out().ok();
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::MULTI, multi),
    Command::new(&meta::EXEC, exec),
    Command::new(&meta::DISCARD, discard),
    Command::new(&meta::WATCH, watch),
    Command::new(&meta::UNWATCH, unwatch),
];
