//! TODO

pub mod zset;
