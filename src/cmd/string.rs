//! String commands.

use super::error;
use super::{meta, CmdResult, Command, Ctx};
use crate::types::value::{Str, Value};

/// GET key
fn get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let Some(e) = ctx.lookup_read(argv[1]) else {
        ctx.out().null();
        return Ok(());
    };
    let Some(s) = e.val.as_str() else {
        return Err(error::WRONGTYPE);
    };
    let mut tmp = [0u8; 24];
    let bytes = s.as_bytes(&mut tmp).to_vec();
    ctx.out().bulk(&bytes);
    Ok(())
}

/// SET key value
fn set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() != 3 {
        return Err(error::SYNTAX);
    }
    let lru = ctx.lru();
    ctx.db()
        .set(argv[1], Value::Str(Str::from_bytes(argv[2])), false, lru);
    ctx.touched(argv[1]);
    ctx.out().ok();
    Ok(())
}

pub const COMMANDS: &[Command] = &[Command::new(&meta::GET, get), Command::new(&meta::SET, set)];
