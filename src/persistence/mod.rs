//! Persistence: the RDB format ([`rdb`]) and the fork-free snapshot, save points and loading
//! at start-up ([`snapshot`]).

pub mod rdb;
pub mod snapshot;
