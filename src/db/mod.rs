//! Databases and the keyspace: [`dict`] is the incrementally rehashed table with Redis's
//! SCAN cursor; [`keyspace`] is one database (keys, expiry times, lazy and active expiry).

pub mod dict;
pub mod keyspace;
pub mod lfu;
