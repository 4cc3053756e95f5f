//! Generic keyspace commands.

use super::{meta, CmdResult, Command, Ctx};

/// DEL key [key ...]
fn del(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut n = 0;
    for k in &argv[1..] {
        let now = ctx.now;
        let db = ctx.db();
        db.expire_if_needed(k, now);
        if db.remove(k).is_some() {
            n += 1;
            ctx.touched(k);
        }
    }
    ctx.out().int(n);
    Ok(())
}

pub const COMMANDS: &[Command] = &[Command::new(&meta::DEL, del)];
