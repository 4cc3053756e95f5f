//! Persistence commands: SAVE, BGSAVE, DUMP, RESTORE (LASTSAVE is with the server commands).
//! SAVE and BGSAVE drive [`crate::persistence::snapshot`]; DUMP and RESTORE use the same RDB
//! value encoders and decoders as the snapshot.

use super::args::{self, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::notify::Class;
use crate::persistence::rdb::{decode, encode, io as rdbio};
use crate::persistence::snapshot::{self, Kind};

/// SAVE
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    if ctx.core.rdb.in_progress() {
        return Err(error::BGSAVE_IN_PROGRESS);
    }
    if !snapshot::save_sync(ctx.core) {
        return Err(error::ERR_BARE);
    }
    ctx.out().ok();
    Ok(())
}

/// BGSAVE [SCHEDULE]
fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    // SCHEDULE only matters while another background job (an AOF rewrite) runs; oxidis
    // has none yet, so it is accepted and changes nothing.
    let _schedule = match argv.len() {
        1 => false,
        2 if is(argv[1], "schedule") => true,
        _ => return Err(error::SYNTAX),
    };
    if ctx.core.rdb.in_progress() {
        return Err(error::BGSAVE_IN_PROGRESS);
    }
    if ctx.core.in_exec {
        // Inside a transaction the save starts after it, from cron (as Redis does).
        ctx.core.rdb.bgsave_scheduled = true;
        ctx.out().simple(b"Background saving scheduled");
        return Ok(());
    }
    if snapshot::start(ctx.core, Kind::Background).is_err() {
        return Err(error::ERR_BARE);
    }
    ctx.out().simple(b"Background saving started");
    Ok(())
}

/// DUMP key
fn dump(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let compress = ctx.core.config.rdbcompression;
    let payload = match ctx.lookup_read(argv[1]) {
        None => None,
        Some(e) => {
            Some(encode::dump_payload(&e.val, compress).map_err(|e| Error::err(e.to_string()))?)
        }
    };
    match payload {
        Some(p) => ctx.out().bulk(&p),
        None => ctx.out().null(),
    }
    Ok(())
}

/// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
fn restore(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let key = argv[1];
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq): (Option<i64>, Option<i64>) = (None, None);
    let mut j = 4;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        let a = argv[j];
        if is(a, "replace") {
            replace = true;
        } else if is(a, "absttl") {
            absttl = true;
        } else if is(a, "idletime") && more >= 1 && freq.is_none() {
            let v = args::int(argv[j + 1])?;
            if v < 0 {
                return Err(Error::err("Invalid IDLETIME value, must be >= 0"));
            }
            idle = Some(v);
            j += 1;
        } else if is(a, "freq") && more >= 1 && idle.is_none() {
            let v = args::int(argv[j + 1])?;
            if !(0..=255).contains(&v) {
                return Err(Error::err("Invalid FREQ value, must be >= 0 and <= 255"));
            }
            freq = Some(v);
            j += 1;
        } else {
            return Err(error::SYNTAX);
        }
        j += 1;
    }
    if !replace && ctx.lookup_write(key).is_some() {
        return Err(error::BUSYKEY);
    }
    let mut ttl = args::int(argv[2])?;
    if ttl < 0 {
        return Err(Error::err("Invalid TTL value, must be >= 0"));
    }
    rdbio::verify_dump_payload(argv[3], false).map_err(|()| error::DUMP_PAYLOAD)?;
    // Decoded from the whole payload, footer included, as Redis reads it (a value claiming
    // more bytes than its body reads into the footer rather than failing).
    let val = decode::restore_payload(argv[3], &decode::TypeLimits::from_config(&ctx.core.config))
        .ok_or(error::BAD_DATA_FORMAT)?;

    let now = ctx.now;
    let lfu_policy = ctx.lfu_policy();
    let db = ctx.db();
    let deleted = replace && db.remove(key).is_some();
    if ttl != 0 && !absttl {
        ttl = ttl.saturating_add(now);
    }
    if ttl != 0 && ttl <= crate::core::now_ms() {
        if deleted {
            ctx.touched(key);
            ctx.notify(Class::GENERIC, "del", key);
        }
        ctx.out().ok();
        return Ok(());
    }
    // Redis `objectSetLRUOrLFU`: FREQ counts under an LFU policy, IDLETIME otherwise.
    let lru = decode::lru_field(
        lfu_policy,
        now,
        crate::core::Core::lru_clock(now),
        freq.map(|f| f as u8),
        idle.map(|v| v as u64),
    );
    db.add(key, val, lru);
    if ttl != 0 {
        db.set_expire(key, ttl);
    }
    ctx.touched(key);
    ctx.notify(Class::GENERIC, "restore", key);
    ctx.out().ok();
    Ok(())
}

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::SAVE, save),
    Command::new(&meta::BGSAVE, bgsave),
    Command::new(&meta::DUMP, dump),
    Command::new(&meta::RESTORE, restore),
];
