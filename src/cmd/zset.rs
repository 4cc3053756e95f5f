//! zset commands (being built; see the collections issue).

use super::Command;

pub const COMMANDS: &[Command] = &[];
