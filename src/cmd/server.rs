//! Server commands: COMMAND, INFO, CONFIG, DBSIZE, TIME, LASTSAVE, FLUSHDB, FLUSHALL,
//! SWAPDB, SHUTDOWN, MONITOR, SLOWLOG, LATENCY, DEBUG, MEMORY.

use super::args::is;
use super::error::{self, Error};
use super::introspect;
use super::{meta, CmdResult, Command, Ctx};
use crate::core::ShutdownRequest;
use crate::resp::Out;

/// Redis's `addReplyHelp`: a title line, the given lines, then the HELP entry, all as
/// status replies.
pub fn reply_help(out: &mut Out, name: &str, lines: &[&str]) {
    out.array_len(lines.len() + 3);
    out.simple(
        format!("{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for l in lines {
        out.simple(l.as_bytes());
    }
    out.simple(b"HELP");
    out.simple(b"    Prints this help.");
}

/// DBSIZE
fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let n = ctx.db().len() as i64;
    ctx.out().int(n);
    Ok(())
}

/// TIME
fn time(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let us = crate::core::now_us();
    let out = ctx.out();
    out.array_len(2);
    out.bulk_int(us / 1_000_000);
    out.bulk_int(us % 1_000_000);
    Ok(())
}

/// LASTSAVE
fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let t = ctx.core.lastsave;
    ctx.out().int(t);
    Ok(())
}

/// Parses the optional ASYNC|SYNC of FLUSHDB/FLUSHALL.
fn flush_mode(argv: &[&[u8]]) -> CmdResult {
    match argv.len() {
        1 => Ok(()),
        2 if is(argv[1], "async") || is(argv[1], "sync") => Ok(()),
        _ => Err(error::SYNTAX),
    }
}

/// FLUSHDB [ASYNC|SYNC]
fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    flush_mode(argv)?;
    let db = ctx.client.db;
    ctx.core.db_modified(Some(db));
    let n = ctx.core.dbs[db].flush();
    ctx.core.dirty += n as u64;
    ctx.out().ok();
    Ok(())
}

/// FLUSHALL [ASYNC|SYNC]
fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    flush_mode(argv)?;
    // A running BGSAVE is abandoned first (Redis kills its child), so that the flushed tables
    // are simply freed rather than handed to the snapshot.
    if ctx.core.rdb.in_progress() {
        log::warn!("Background saving terminated by FLUSHALL");
        crate::persistence::snapshot::abort(ctx.core);
    }
    ctx.core.db_modified(None);
    let mut n = 0;
    for db in ctx.core.dbs.iter_mut() {
        n += db.flush();
    }
    // Redis 7.0 counts the keys removed (an empty FLUSHALL changes nothing) [measured].
    ctx.core.dirty += n as u64;
    crate::persistence::snapshot::after_flushall(ctx.core);
    ctx.out().ok();
    Ok(())
}

/// SWAPDB index1 index2
fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = ctx.core.config.databases;
    let a = i64::from(super::args::int32(
        argv[1],
        Some(Error::err("invalid first DB index")),
    )?);
    let b = i64::from(super::args::int32(
        argv[2],
        Some(Error::err("invalid second DB index")),
    )?);
    if a < 0 || a >= n || b < 0 || b >= n {
        return Err(error::DB_INDEX);
    }
    let (a, b) = (a as usize, b as usize);
    if a != b {
        ctx.core.dbs.swap(a, b);
        ctx.core.dbs[a].id = a;
        ctx.core.dbs[b].id = b;
        ctx.core.dbs_swapped(a, b);
    }
    ctx.core.dirty += 1;
    ctx.out().ok();
    Ok(())
}

/// SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]
fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut req = ShutdownRequest::default();
    let mut abort = false;
    let (mut nosave, mut save) = (false, false);
    for a in &argv[1..] {
        if is(a, "nosave") {
            nosave = true;
            req.save = Some(false);
        } else if is(a, "save") {
            save = true;
            req.save = Some(true);
        } else if is(a, "now") {
            req.now = true;
        } else if is(a, "force") {
            req.force = true;
        } else if is(a, "abort") {
            abort = true;
        } else {
            return Err(error::SYNTAX);
        }
    }
    if nosave && save {
        return Err(error::SYNTAX);
    }
    if abort {
        if argv.len() != 2 {
            return Err(error::SYNTAX);
        }
        // Shutdown is immediate in oxidis (nothing to wait for), so there is never one to abort.
        return Err(Error::err("No shutdown in progress."));
    }
    // The save happens here so that a failure is this client's error reply.
    if crate::persistence::snapshot::shutdown_save(ctx.core, req.save, req.force).is_err() {
        return Err(Error::err("Errors trying to SHUTDOWN. Check logs."));
    }
    req.save = Some(false);
    ctx.core.shutdown = Some(req);
    Ok(())
}

/// INFO [section ...]
fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let text = crate::info::generate(ctx.core, ctx.client, &argv[1..]);
    ctx.out().verbatim(text.as_bytes(), b"txt");
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::INFO, info),
    Command::container_with(
        &meta::COMMAND,
        introspect::command,
        &[
            Command::new(&meta::COMMAND_COUNT, introspect::count),
            Command::new(&meta::COMMAND_INFO, introspect::info),
            Command::new(&meta::COMMAND_DOCS, introspect::docs),
            Command::new(&meta::COMMAND_LIST, introspect::list),
            Command::new(&meta::COMMAND_GETKEYS, introspect::getkeys),
            Command::new(&meta::COMMAND_GETKEYSANDFLAGS, introspect::getkeys),
            Command::new(&meta::COMMAND_HELP, introspect::help),
        ],
    ),
    Command::new(&meta::DBSIZE, dbsize),
    Command::new(&meta::TIME, time),
    Command::new(&meta::LASTSAVE, lastsave),
    Command::new(&meta::FLUSHDB, flushdb),
    Command::new(&meta::FLUSHALL, flushall),
    Command::new(&meta::SWAPDB, swapdb),
    Command::new(&meta::SHUTDOWN, shutdown),
];
