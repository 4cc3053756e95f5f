//! Client-facing errors, with Redis's exact wording kept in this one file.
//!
//! Handlers return `Err(Error)`; `call()` turns it into exactly one `-...` reply and counts
//! it in `INFO errorstats` under its code (the first word).

use std::borrow::Cow;

/// An error reply's full text, without the leading `-` (e.g. `ERR syntax error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error(Cow<'static, [u8]>);

pub type CmdResult = Result<(), Error>;

impl Error {
    pub const fn fixed(s: &'static str) -> Self {
        Error(Cow::Borrowed(s.as_bytes()))
    }

    pub fn owned(v: Vec<u8>) -> Self {
        Error(Cow::Owned(v))
    }

    /// `ERR <msg>`.
    pub fn err(msg: impl AsRef<[u8]>) -> Self {
        let mut v = b"ERR ".to_vec();
        v.extend_from_slice(msg.as_ref());
        Error(Cow::Owned(v))
    }

    pub fn text(&self) -> &[u8] {
        &self.0
    }

    /// The error code used by `INFO errorstats` (`ERR`, `WRONGTYPE`, ...).
    pub fn code(&self) -> &[u8] {
        let t = self.text();
        &t[..t.iter().position(|&c| c == b' ').unwrap_or(t.len())]
    }

    pub fn wrong_args(name: &str) -> Self {
        Error::err(format!("wrong number of arguments for '{name}' command"))
    }

    /// `unknown command 'x', with args beginning with: 'a' 'b' ` (Redis caps each part at 128 bytes).
    pub fn unknown_command(argv: &[&[u8]]) -> Self {
        let mut v = b"ERR unknown command '".to_vec();
        v.extend_from_slice(c_str_max(argv[0], 128));
        v.extend_from_slice(b"', with args beginning with: ");
        let mut args: Vec<u8> = Vec::new();
        for a in &argv[1..] {
            if args.len() >= 128 {
                break;
            }
            let room = 128 - args.len();
            args.push(b'\'');
            args.extend_from_slice(c_str_max(a, room));
            args.extend_from_slice(b"' ");
        }
        v.extend_from_slice(&args);
        Error::owned(v)
    }

    pub fn unknown_subcommand(sub: &[u8], container: &str) -> Self {
        let mut v = b"ERR unknown subcommand '".to_vec();
        v.extend_from_slice(c_str_max(sub, 128));
        v.extend_from_slice(format!("'. Try {} HELP.", container.to_ascii_uppercase()).as_bytes());
        Error::owned(v)
    }

    pub fn invalid_expire(cmd: &str) -> Self {
        Error::err(format!("invalid expire time in '{cmd}' command"))
    }
}

pub const WRONGTYPE: Error =
    Error::fixed("WRONGTYPE Operation against a key holding the wrong kind of value");
pub const NOT_INTEGER: Error = Error::fixed("ERR value is not an integer or out of range");
pub const NOT_FLOAT: Error = Error::fixed("ERR value is not a valid float");
pub const SYNTAX: Error = Error::fixed("ERR syntax error");
pub const NO_SUCH_KEY: Error = Error::fixed("ERR no such key");
pub const INDEX_OUT_OF_RANGE: Error = Error::fixed("ERR index out of range");
pub const OVERFLOW: Error = Error::fixed("ERR increment or decrement would overflow");
pub const DB_INDEX: Error = Error::fixed("ERR DB index is out of range");
pub const NOAUTH: Error = Error::fixed("NOAUTH Authentication required.");
pub const WRONGPASS: Error =
    Error::fixed("WRONGPASS invalid username-password pair or user is disabled.");
pub const STRING_TOO_LONG: Error =
    Error::fixed("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
pub const NESTED_MULTI: Error = Error::fixed("ERR MULTI calls can not be nested");
pub const EXEC_NO_MULTI: Error = Error::fixed("ERR EXEC without MULTI");
pub const DISCARD_NO_MULTI: Error = Error::fixed("ERR DISCARD without MULTI");
pub const WATCH_IN_MULTI: Error = Error::fixed("ERR WATCH inside MULTI is not allowed");
pub const EXECABORT: Error =
    Error::fixed("EXECABORT Transaction discarded because of previous errors.");
pub const NOT_IN_MULTI: Error = Error::fixed("ERR Command not allowed inside a transaction");
pub const SAME_OBJECT: Error = Error::fixed("ERR source and destination objects are the same");
pub const OOM: Error = Error::fixed("OOM command not allowed when used memory > 'maxmemory'.");
pub const LOADING: Error = Error::fixed("LOADING Redis is loading the dataset in memory");
pub const READONLY: Error = Error::fixed("READONLY You can't write against a read only replica.");
pub const MISCONF: Error = Error::fixed("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.");
pub const NOT_POSITIVE: Error = Error::fixed("ERR value is out of range, must be positive");
pub const SRANDMEMBER_RANGE: Error = Error::fixed(
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
);
pub const NUMKEYS_NOT_POSITIVE: Error = Error::fixed("ERR numkeys should be greater than 0");
pub const NUMKEYS_TOO_MANY: Error =
    Error::fixed("ERR Number of keys can't be greater than number of args");
pub const LIMIT_NEGATIVE: Error = Error::fixed("ERR LIMIT can't be negative");
pub const INVALID_CURSOR: Error = Error::fixed("ERR invalid cursor");
pub const DECR_OVERFLOW: Error = Error::fixed("ERR decrement would overflow");
pub const OFFSET_OUT_OF_RANGE: Error = Error::fixed("ERR offset is out of range");
pub const INCR_NAN: Error = Error::fixed("ERR increment would produce NaN or Infinity");
pub const LCS_NOT_STRINGS: Error =
    Error::fixed("ERR The specified keys must contain string values");
pub const LCS_LEN_AND_IDX: Error =
    Error::fixed("ERR If you want both the length and indexes, please just use IDX.");
pub const LCS_TOO_LONG: Error = Error::fixed("ERR String too long for LCS");
pub const LCS_OVER_LIMIT: Error =
    Error::fixed("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
pub const LCS_ALLOC: Error =
    Error::fixed("ERR Insufficient memory, failed allocating transient memory for LCS");
pub const HASH_VALUE_NOT_INTEGER: Error = Error::fixed("ERR hash value is not an integer");
pub const HASH_VALUE_NOT_FLOAT: Error = Error::fixed("ERR hash value is not a float");
pub const HASH_INCR_NAN_OR_INF: Error = Error::fixed("ERR value is NaN or Infinity");
pub const HRANDFIELD_VALUE_RANGE: Error = Error::fixed("ERR value is out of range");
pub const HRANDFIELD_COUNT_RANGE: Error = Error::fixed(
    "ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807",
);
pub const BGSAVE_IN_PROGRESS: Error = Error::fixed("ERR Background save already in progress");
/// Redis's `shared.err`: a bare `-ERR` (failed SAVE, DEBUG RELOAD).
pub const ERR_BARE: Error = Error::fixed("ERR");
pub const BUSYKEY: Error = Error::fixed("BUSYKEY Target key name already exists.");
pub const DUMP_PAYLOAD: Error = Error::fixed("ERR DUMP payload version or checksum are wrong");
pub const BAD_DATA_FORMAT: Error = Error::fixed("ERR Bad data format");
pub const TIMEOUT_NOT_FLOAT: Error = Error::fixed("ERR timeout is not a float or out of range");
pub const TIMEOUT_NEGATIVE: Error = Error::fixed("ERR timeout is negative");
pub const UNBLOCKED_BY_CLIENT_UNBLOCK: Error =
    Error::fixed("UNBLOCKED client unblocked via CLIENT UNBLOCK");
pub const UNBLOCK_REASON: Error =
    Error::fixed("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
pub const LPOS_RANK_ZERO: Error = Error::fixed("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
pub const LPOS_COUNT_NEGATIVE: Error = Error::fixed("ERR COUNT can't be negative");
pub const LPOS_MAXLEN_NEGATIVE: Error = Error::fixed("ERR MAXLEN can't be negative");
pub const ZADD_XX_NX: Error =
    Error::fixed("ERR XX and NX options at the same time are not compatible");
pub const ZADD_GT_LT_NX: Error =
    Error::fixed("ERR GT, LT, and/or NX options at the same time are not compatible");
pub const ZADD_INCR_PAIR: Error =
    Error::fixed("ERR INCR option supports a single increment-element pair");
pub const SCORE_NAN: Error = Error::fixed("ERR resulting score is not a number (NaN)");
pub const MINMAX_NOT_FLOAT: Error = Error::fixed("ERR min or max is not a float");
pub const LEX_RANGE: Error = Error::fixed("ERR min or max not valid string range item");
pub const LIMIT_NEEDS_BY: Error = Error::fixed(
    "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
);
pub const WITHSCORES_BYLEX: Error =
    Error::fixed("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
pub const WEIGHT_NOT_FLOAT: Error = Error::fixed("ERR weight value is not a float");
pub const COUNT_NOT_POSITIVE: Error = Error::fixed("ERR count should be greater than 0");

/// A RESP2 client in the subscribed context sent command `name` (its full name, `client|info`).
pub fn pubsub_context(name: &str) -> Error {
    Error::err(format!("Can't execute '{name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"))
}
pub const SSUBSCRIBE_DENY_BLOCKING: Error =
    Error::fixed("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
pub const INT_RANGE: Error =
    Error::fixed("ERR value is out of range, value must between -2147483648 and 2147483647");
pub const EXPIRE_NX_CONFLICT: Error =
    Error::fixed("ERR NX and XX, GT or LT options at the same time are not compatible");
pub const EXPIRE_GT_LT: Error =
    Error::fixed("ERR GT and LT options at the same time are not compatible");

/// An argument as Redis's `%s` prints it into an error message: up to its first NUL byte.
pub fn c_str(a: &[u8]) -> &[u8] {
    &a[..a.iter().position(|&b| b == 0).unwrap_or(a.len())]
}

/// Redis's `%.<max>s`: up to the first NUL byte, at most `max` bytes.
pub fn c_str_max(a: &[u8], max: usize) -> &[u8] {
    let a = c_str(a);
    &a[..a.len().min(max)]
}

/// Redis `addReplySubcommandSyntaxError`: `argv[1]` of a container with arguments its
/// handler does not take.
pub fn subcommand_syntax(argv: &[&[u8]]) -> Error {
    let mut v = b"ERR unknown subcommand or wrong number of arguments for '".to_vec();
    v.extend_from_slice(c_str_max(argv[1], 128));
    v.extend_from_slice(b"'. Try ");
    v.extend_from_slice(&argv[0].to_ascii_uppercase());
    v.extend_from_slice(b" HELP.");
    Error::owned(v)
}
