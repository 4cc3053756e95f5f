//! Incremental request parser with Redis's exact limits and protocol-error texts.
//!
//! The parser never copies: it records `(start, end)` offsets of each argument inside the
//! caller's query buffer. State survives between reads, so a command that arrives in many
//! pieces is scanned once. Mirrors `processMultibulkBuffer`/`processInlineBuffer` of
//! Redis's `networking.c`.

use crate::util::args::split_args;

/// Longest inline request or `*`/`$` header line accepted without a newline (PROTO_INLINE_MAX_SIZE).
pub const INLINE_MAX: usize = 64 * 1024;
/// Bulk arguments at least this long get an exactly-sized read buffer (PROTO_MBULK_BIG_ARG).
pub const BIG_ARG: usize = 32 * 1024;

/// A protocol error: replied as `-ERR Protocol error: ...`, then the connection is closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtoError(pub String);

/// One complete request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Parsed {
    /// Arguments are `(start, end)` offsets into the buffer passed to [`Parser::parse`]
    /// (`args`): a multibulk, or an inline request without quotes.
    Offsets,
    /// Inline request with quotes: arguments were unquoted into owned buffers (`inline_args`).
    Owned,
}

/// Parser state for one client.
#[derive(Debug, Default)]
pub struct Parser {
    /// Remaining bulk count of the multibulk being read (0 = not inside a multibulk).
    remaining: i64,
    /// Length of the bulk being read, or -1 when its `$` header has not been read yet.
    bulk_len: i64,
    /// Argument offsets of the request in progress / just completed.
    pub args: Vec<(usize, usize)>,
    /// Arguments of an inline request (owned: inline quoting rewrites them).
    pub inline_args: Vec<Vec<u8>>,
    /// Where scanning resumes inside the buffer.
    pos: usize,
}

impl Parser {
    pub fn new() -> Self {
        Parser {
            remaining: 0,
            bulk_len: -1,
            args: Vec::new(),
            inline_args: Vec::new(),
            pos: 0,
        }
    }

    /// Bytes the current bulk still needs (so the caller can size its read), if a big bulk is pending.
    pub fn pending_big_bulk(&self, buf_len: usize) -> Option<usize> {
        if self.remaining > 0 && self.bulk_len >= BIG_ARG as i64 {
            let need = self.pos + self.bulk_len as usize + 2;
            return Some(need.saturating_sub(buf_len));
        }
        None
    }

    /// Re-bases stored offsets after the caller dropped the first `n` bytes of its buffer.
    pub fn shift(&mut self, n: usize) {
        self.pos = self.pos.saturating_sub(n);
        for a in &mut self.args {
            a.0 -= n.min(a.0);
            a.1 -= n.min(a.1);
        }
    }

    /// True when no partial request is buffered.
    pub fn is_idle(&self) -> bool {
        self.remaining == 0 && self.pos == 0
    }

    /// Parses one request starting at `start` (where the previous one ended).
    ///
    /// `Ok(Some((kind, end)))`: a request is complete and ends at `end`;
    /// `Ok(None)`: more bytes are needed (state kept; call again with the same `start`
    /// once more data is appended); `Err`: protocol error, the connection must close.
    /// `authenticated` lowers the limits as Redis does for unauthenticated clients.
    pub fn parse(
        &mut self,
        buf: &[u8],
        start: usize,
        authenticated: bool,
        max_bulk: i64,
    ) -> Result<Option<(Parsed, usize)>, ProtoError> {
        let mut start = start;
        loop {
            if self.remaining == 0 {
                if self.pos < start {
                    self.pos = start;
                }
                if start >= buf.len() {
                    return Ok(None);
                }
                if buf[start] != b'*' {
                    return self.parse_inline(buf, start);
                }
                // Multibulk header: the common canonical form first, then the general path.
                if let Some((count, line_end)) = quick_num(buf, start, b'*') {
                    if count <= i32::MAX as i64 && (count <= 10 || authenticated) {
                        self.args.clear();
                        self.args.reserve(count.min(1024) as usize);
                        self.remaining = count;
                        self.bulk_len = -1;
                        self.pos = line_end + 2;
                    }
                }
            }
            if self.remaining == 0 {
                let Some(nl) = memchr(b'\r', &buf[start..]) else {
                    if buf.len() - start > INLINE_MAX {
                        return Err(proto("too big mbulk count string"));
                    }
                    return Ok(None);
                };
                let line_end = start + nl;
                if line_end + 1 >= buf.len() {
                    return Ok(None); // need the '\n'
                }
                let count = crate::util::num::parse_i64(&buf[start + 1..line_end]);
                let count = match count {
                    Some(c) if c <= i32::MAX as i64 => c,
                    _ => return Err(proto("invalid multibulk length")),
                };
                if count > 10 && !authenticated {
                    return Err(proto("unauthenticated multibulk length"));
                }
                let next = line_end + 2;
                if count <= 0 {
                    // Empty request: skipped silently, as Redis does.
                    start = next;
                    self.pos = next;
                    continue;
                }
                self.args.clear();
                self.args.reserve(count.min(1024) as usize);
                self.remaining = count;
                self.bulk_len = -1;
                self.pos = next;
            }
            // Bulk arguments.
            while self.remaining > 0 {
                if self.bulk_len == -1 {
                    if let Some((len, line_end)) = quick_num(buf, self.pos, b'$') {
                        if len <= max_bulk && (len <= 16384 || authenticated) {
                            self.bulk_len = len;
                            self.pos = line_end + 2;
                        }
                    }
                }
                if self.bulk_len == -1 {
                    let p = self.pos;
                    let Some(nl) = memchr(b'\r', &buf[p.min(buf.len())..]) else {
                        if buf.len() - p > INLINE_MAX {
                            return Err(proto("too big bulk count string"));
                        }
                        return Ok(None);
                    };
                    let line_end = p + nl;
                    if line_end + 1 >= buf.len() {
                        return Ok(None);
                    }
                    if buf[p] != b'$' {
                        return Err(ProtoError(format!(
                            "Protocol error: expected '$', got '{}'",
                            buf[p] as char
                        )));
                    }
                    let len = crate::util::num::parse_i64(&buf[p + 1..line_end]);
                    let len = match len {
                        Some(l) if l >= 0 && l <= max_bulk => l,
                        _ => return Err(proto("invalid bulk length")),
                    };
                    if len > 16384 && !authenticated {
                        return Err(proto("unauthenticated bulk length"));
                    }
                    self.bulk_len = len;
                    self.pos = line_end + 2;
                }
                let need = self.pos + self.bulk_len as usize + 2;
                if buf.len() < need {
                    return Ok(None);
                }
                let s = self.pos;
                self.args.push((s, s + self.bulk_len as usize));
                self.pos = need;
                self.bulk_len = -1;
                self.remaining -= 1;
            }
            let end = self.pos;
            self.pos = 0;
            return Ok(Some((Parsed::Offsets, end)));
        }
    }

    fn parse_inline(
        &mut self,
        buf: &[u8],
        start: usize,
    ) -> Result<Option<(Parsed, usize)>, ProtoError> {
        let Some(nl) = memchr(b'\n', &buf[start..]) else {
            if buf.len() - start > INLINE_MAX {
                return Err(proto("too big inline request"));
            }
            return Ok(None);
        };
        let mut line = &buf[start..start + nl];
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let end = start + nl + 1;
        // The common case, no quotes (nor NUL, \v, \f, which sdssplitargs treats apart): the
        // arguments are the blank-separated words of the line, left in the buffer.
        if !line
            .iter()
            .any(|&b| matches!(b, b'"' | b'\'' | 0 | 0x0b | 0x0c))
        {
            let blank = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n');
            self.args.clear();
            let mut i = 0;
            while i < line.len() {
                if blank(line[i]) {
                    i += 1;
                    continue;
                }
                let word = i;
                while i < line.len() && !blank(line[i]) {
                    i += 1;
                }
                self.args.push((start + word, start + i));
            }
            self.pos = 0;
            return Ok(Some((Parsed::Offsets, end)));
        }
        match split_args(line) {
            Some(args) => {
                self.inline_args = args;
                self.pos = 0;
                Ok(Some((Parsed::Owned, end)))
            }
            None => Err(proto("unbalanced quotes in request")),
        }
    }
}

fn proto(msg: &str) -> ProtoError {
    ProtoError(format!("Protocol error: {msg}"))
}

/// A fully buffered `<prefix><digits>\r` line (plus the byte after the `\r`) in the form
/// Redis's `string2ll` accepts, with a nonzero first digit and at most 18 digits:
/// `(value, offset of the '\r')`. `None` sends the caller down the general path.
#[inline]
fn quick_num(buf: &[u8], p: usize, prefix: u8) -> Option<(i64, usize)> {
    let b = buf.get(p..)?;
    if b.len() < 4 || b[0] != prefix || !(b'1'..=b'9').contains(&b[1]) {
        return None;
    }
    let mut v = (b[1] - b'0') as i64;
    let mut i = 2;
    loop {
        let d = *b.get(i)?;
        if d == b'\r' {
            return (i + 1 < b.len()).then_some((v, p + i));
        }
        let x = d.wrapping_sub(b'0');
        if x > 9 || i > 18 {
            return None;
        }
        v = v * 10 + x as i64;
        i += 1;
    }
}

#[inline]
fn memchr(needle: u8, hay: &[u8]) -> Option<usize> {
    hay.iter().position(|&b| b == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    type One = Result<Option<(Parsed, usize, Vec<Vec<u8>>)>, ProtoError>;

    fn one(buf: &[u8]) -> One {
        let mut p = Parser::new();
        Ok(p.parse(buf, 0, true, 512 * 1024 * 1024)?.map(|(k, end)| {
            let args = match k {
                Parsed::Offsets => p.args.iter().map(|&(s, e)| buf[s..e].to_vec()).collect(),
                Parsed::Owned => p.inline_args.clone(),
            };
            (k, end, args)
        }))
    }

    #[test]
    fn multibulk_complete_and_partial() {
        let req = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        let (k, end, args) = one(req).unwrap().unwrap();
        assert_eq!(k, Parsed::Offsets);
        assert_eq!(end, req.len());
        assert_eq!(args, vec![b"GET".to_vec(), b"k".to_vec()]);
        // Fed byte by byte, the same parser state completes exactly once.
        let mut p = Parser::new();
        for i in 1..req.len() {
            assert_eq!(
                p.parse(&req[..i], 0, true, 1 << 29).unwrap(),
                None,
                "at {i}"
            );
        }
        assert!(p.parse(req, 0, true, 1 << 29).unwrap().is_some());
    }

    #[test]
    fn quick_num_takes_only_canonical_lengths() {
        assert_eq!(quick_num(b"$3\r\nGET", 0, b'$'), Some((3, 2)));
        assert_eq!(quick_num(b"x*12\r\n", 1, b'*'), Some((12, 4)));
        let max18 = b"$999999999999999999\r\n";
        assert_eq!(
            quick_num(max18, 0, b'$'),
            Some((999_999_999_999_999_999, 19))
        );
        // Everything else goes down the general path.
        for b in [
            &b"$3\r"[..],
            b"$0\r\n",
            b"$03\r\n",
            b"$-1\r\n",
            b"$+1\r\n",
            b"$1x\r\n",
            b"*3\r\n",
            b"$9999999999999999999\r\n",
        ] {
            assert_eq!(quick_num(b, 0, b'$'), None, "{:?}", b);
        }
    }

    #[test]
    fn lengths_parse_the_same_with_or_without_the_quick_path() {
        // 0, 18 and 19 digits, a leading zero: same results as the general path.
        assert_eq!(
            one(b"*1\r\n$0\r\n\r\n").unwrap().unwrap().2,
            vec![Vec::<u8>::new()]
        );
        let e = |b: &[u8]| one(b).unwrap_err().0;
        // Leading zeros are refused, as Redis's string2ll does.
        assert_eq!(
            e(b"*01\r\n$1\r\nx\r\n"),
            "Protocol error: invalid multibulk length"
        );
        assert_eq!(
            e(b"*1\r\n$01\r\nx\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            e(b"*1\r\n$999999999999999999\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            e(b"*1\r\n$9999999999999999999\r\n"),
            "Protocol error: invalid bulk length"
        );
        assert_eq!(
            e(b"*9999999999\r\n"),
            "Protocol error: invalid multibulk length"
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\n$20\r\n", 0, true, 10).unwrap_err().0,
            "Protocol error: invalid bulk length"
        );
    }

    #[test]
    fn protocol_errors_have_redis_texts() {
        let e = |b: &[u8]| one(b).unwrap_err().0;
        assert_eq!(e(b"*x\r\n"), "Protocol error: invalid multibulk length");
        assert_eq!(e(b"*1\r\nfoo\r\n"), "Protocol error: expected '$', got 'f'");
        assert_eq!(e(b"*1\r\n$-1\r\n"), "Protocol error: invalid bulk length");
        assert_eq!(
            e(b"\"abc\r\n"),
            "Protocol error: unbalanced quotes in request"
        );
        assert_eq!(
            e(&vec![b'a'; INLINE_MAX + 1]),
            "Protocol error: too big inline request"
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*20\r\n", 0, false, 1 << 29).unwrap_err().0,
            "Protocol error: unauthenticated multibulk length"
        );
        let mut p = Parser::new();
        assert_eq!(
            p.parse(b"*1\r\n$20000\r\n", 0, false, 1 << 29)
                .unwrap_err()
                .0,
            "Protocol error: unauthenticated bulk length"
        );
    }

    #[test]
    fn inline_and_empty_requests() {
        let (k, end, args) = one(b"SET \"a b\" c\r\n").unwrap().unwrap();
        assert_eq!(k, Parsed::Owned);
        assert_eq!(end, 13);
        assert_eq!(args, vec![b"SET".to_vec(), b"a b".to_vec(), b"c".to_vec()]);
        let (_, _, args) = one(b"*0\r\n*1\r\n$4\r\nPING\r\n").unwrap().unwrap();
        assert_eq!(args, vec![b"PING".to_vec()]);
        let (_, _, args) = one(b"\r\n").unwrap().unwrap();
        assert!(args.is_empty());
    }

    /// Unquoted inline lines take the in-buffer path; whatever the path, the arguments are
    /// sdssplitargs's.
    #[test]
    fn inline_words_match_split_args() {
        use rand::{Rng, SeedableRng};
        let (k, _, args) = one(b"  SET\tk  v \r\n").unwrap().unwrap();
        assert_eq!(k, Parsed::Offsets);
        assert_eq!(args, vec![b"SET".to_vec(), b"k".to_vec(), b"v".to_vec()]);
        let alphabet = b"ab \t\r\"'\x0b\x0c\\x";
        let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
        for _ in 0..20_000 {
            let n = rng.gen_range(0..12);
            let mut line: Vec<u8> = (0..n)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            let want = split_args(line.strip_suffix(b"\r").unwrap_or(&line));
            line.extend_from_slice(b"\n");
            match (one(&line), want) {
                (Ok(Some((_, end, args))), Some(want)) => {
                    assert_eq!(end, line.len());
                    assert_eq!(args, want, "{line:?}");
                }
                (Err(_), None) => {}
                (got, want) => panic!("{line:?}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn big_bulk_reports_missing_bytes() {
        let mut p = Parser::new();
        let hdr = b"*2\r\n$3\r\nSET\r\n$40000\r\n";
        assert_eq!(p.parse(hdr, 0, true, 1 << 29).unwrap(), None);
        assert_eq!(p.pending_big_bulk(hdr.len()), Some(40002));
    }
}
