//! Sorted sets (`ZADD`, `ZRANGE`, ...): the data structures behind the zset type.
//!
//! - [`value`]: the sorted-set value ([`value::ZSet`]) with Redis 7.0's two encodings
//!   (listpack while small, skiplist + member → score dict when large) and its conversion
//!   rules; element, range, pop, random and scan operations; iteration for persistence.
//! - [`skiplist`]: the ordered index of a large sorted set (Redis's `zskiplist`), ordered by
//!   score then member bytes, with spans for O(log n) rank queries, plus the score and lex
//!   range specs (`ZRANGEBYSCORE`/`ZRANGEBYLEX` arguments) and their parsers.

pub mod skiplist;
pub mod value;
