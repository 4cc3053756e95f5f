//! Databases and the keyspace.

pub mod dict;
