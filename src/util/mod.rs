//! Small pure helpers that must behave exactly like their Redis 7.0.15 counterparts.
//!
//! - [`num`]: integer/double/long double parsing and formatting (`string2ll`, `string2d`,
//!   `%.17g`, INCRBYFLOAT arithmetic, `memtoull`), partly through the C shim `ld.c`.
//! - [`glob`]: `stringmatchlen`, the glob matcher of KEYS, SCAN, PSUBSCRIBE, CONFIG GET.
//! - [`args`]: `sdssplitargs` (inline commands, config lines) and `sdscatrepr` (MONITOR).
//!
//! Nothing here knows about clients, the keyspace or RESP; every function is total (no
//! panics on any input) and used from the protocol, command and config layers.

pub mod args;
pub mod glob;
pub mod num;
