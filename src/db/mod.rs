pub mod dict;
pub mod keyspace;
