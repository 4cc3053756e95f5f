//! Sorted sets (`ZADD`, `ZRANGE`, ...): the data structures behind the zset type.
//!
//! - [`skiplist`]: the ordered index of a large sorted set (Redis's `zskiplist`), ordered by
//!   score then member bytes, with spans for O(log n) rank queries, plus the score and lex
//!   range specs (`ZRANGEBYSCORE`/`ZRANGEBYLEX` arguments) and their parsers.

pub mod skiplist;
pub mod value;
