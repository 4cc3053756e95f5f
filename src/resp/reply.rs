//! Semantic reply writer: handlers say what they reply (`map_len`, `null`, `double`), the
//! writer renders RESP2 or RESP3 for the client's protocol.
//!
//! Contract: one command produces exactly one top-level reply (aggregates count their
//! elements). `Out` only appends bytes; the server decides when to write them to the socket.

use crate::util::num;

/// A client's pending output and protocol version.
#[derive(Debug, Default)]
pub struct Out {
    pub buf: Vec<u8>,
    /// 2 or 3.
    pub resp: u8,
}

impl Out {
    pub fn new() -> Self {
        Out {
            buf: Vec::with_capacity(1024),
            resp: 2,
        }
    }

    #[inline]
    pub fn resp3(&self) -> bool {
        self.resp == 3
    }

    /// Pre-encoded bytes (shared replies like `+OK\r\n`).
    #[inline]
    pub fn raw(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    #[inline]
    pub fn ok(&mut self) {
        self.raw(b"+OK\r\n");
    }

    /// `+text`: `s` must not contain CR or LF (callers pass fixed texts).
    pub fn simple(&mut self, s: &[u8]) {
        self.buf.push(b'+');
        self.buf.extend_from_slice(s);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// `-text`: the full error text including its code (`ERR ...`). CR/LF become spaces,
    /// as Redis's `addReplyErrorLength` does.
    pub fn error(&mut self, s: &[u8]) {
        // Redis `addReplyErrorFormat`: newlines at the end are trimmed, inner ones become
        // spaces (only messages quoting an argument can hold any).
        let end = s
            .iter()
            .rposition(|&c| c != b'\r' && c != b'\n')
            .map_or(0, |p| p + 1);
        let s = &s[..end];
        self.buf.push(b'-');
        self.buf.extend(
            s.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    #[inline]
    pub fn int(&mut self, v: i64) {
        self.prefixed(b':', v);
    }

    #[inline]
    pub fn bulk(&mut self, b: &[u8]) {
        // One capacity check for header, payload and CRLF; lengths under 10 (the common
        // small element) skip the integer formatting.
        self.buf.reserve(b.len() + 24);
        if b.len() < 10 {
            self.buf
                .extend_from_slice(&[b'$', b'0' + b.len() as u8, b'\r', b'\n']);
        } else {
            self.prefixed(b'$', b.len() as i64);
        }
        self.buf.extend_from_slice(b);
        self.buf.extend_from_slice(b"\r\n");
    }

    /// An integer rendered as a bulk string (`addReplyBulkLongLong`).
    pub fn bulk_int(&mut self, v: i64) {
        let mut tmp = [0u8; 21];
        let digits = num::format_i64(v, &mut tmp);
        self.bulk(digits);
    }

    /// Null bulk: `$-1` in RESP2, `_` in RESP3 (`addReplyNull`).
    pub fn null(&mut self) {
        if self.resp3() {
            self.raw(b"_\r\n");
        } else {
            self.raw(b"$-1\r\n");
        }
    }

    /// Null array: `*-1` in RESP2, `_` in RESP3 (`addReplyNullArray`).
    pub fn null_array(&mut self) {
        if self.resp3() {
            self.raw(b"_\r\n");
        } else {
            self.raw(b"*-1\r\n");
        }
    }

    #[inline]
    pub fn array_len(&mut self, n: usize) {
        self.prefixed(b'*', n as i64);
    }

    /// A map of `n` pairs: `%n` in RESP3, `*2n` in RESP2.
    pub fn map_len(&mut self, n: usize) {
        if self.resp3() {
            self.prefixed(b'%', n as i64);
        } else {
            self.prefixed(b'*', 2 * n as i64);
        }
    }

    /// A set: `~n` in RESP3, `*n` in RESP2.
    pub fn set_len(&mut self, n: usize) {
        let p = if self.resp3() { b'~' } else { b'*' };
        self.prefixed(p, n as i64);
    }

    /// An out-of-band push (`>n` in RESP3, `*n` in RESP2).
    pub fn push_len(&mut self, n: usize) {
        let p = if self.resp3() { b'>' } else { b'*' };
        self.prefixed(p, n as i64);
    }

    /// A double, `%.17g` as Redis 7.0 prints it: `,x` in RESP3, a bulk string in RESP2.
    pub fn double(&mut self, d: f64) {
        let mut tmp = Vec::with_capacity(32);
        if self.resp3() {
            // RESP3 spells infinities `inf`/`-inf`, as Redis's addReplyDouble does.
            num::fmt_g17(d, &mut tmp);
            self.buf.push(b',');
            self.buf.extend_from_slice(&tmp);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            num::fmt_g17(d, &mut tmp);
            self.bulk(&tmp);
        }
    }

    /// A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2.
    pub fn boolean(&mut self, b: bool) {
        if self.resp3() {
            self.raw(if b { b"#t\r\n" } else { b"#f\r\n" });
        } else {
            self.raw(if b { b":1\r\n" } else { b":0\r\n" });
        }
    }

    /// Verbatim text (`=len\r\ntxt:...`) in RESP3, a bulk string in RESP2.
    pub fn verbatim(&mut self, s: &[u8], ext: &[u8; 3]) {
        if self.resp3() {
            self.prefixed(b'=', s.len() as i64 + 4);
            self.buf.extend_from_slice(ext);
            self.buf.push(b':');
            self.buf.extend_from_slice(s);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(s);
        }
    }

    /// Reserves room for an aggregate header whose length is known only later
    /// (`addReplyDeferredLen`). Returns a handle for [`Out::set_deferred`].
    pub fn deferred(&mut self) -> usize {
        self.buf.len()
    }

    /// Inserts the header for a deferred aggregate. `kind` is `b'*'`, `b'%'` (map: `n`
    /// pairs) or `b'~'`; rendered for the client's protocol.
    pub fn set_deferred(&mut self, at: usize, kind: u8, n: usize) {
        let (p, n) = match kind {
            b'%' if !self.resp3() => (b'*', 2 * n),
            b'~' if !self.resp3() => (b'*', n),
            k => (k, n),
        };
        let mut hdr = Vec::with_capacity(16);
        hdr.push(p);
        num::write_i64(n as i64, &mut hdr);
        hdr.extend_from_slice(b"\r\n");
        self.buf.splice(at..at, hdr);
    }

    #[inline]
    fn prefixed(&mut self, p: u8, v: i64) {
        self.buf.push(p);
        num::write_i64(v, &mut self.buf);
        self.buf.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_differ_by_protocol() {
        let mut o = Out::new();
        o.map_len(2);
        o.null();
        o.double(1.5);
        o.boolean(true);
        assert_eq!(o.buf, b"*4\r\n$-1\r\n$3\r\n1.5\r\n:1\r\n");
        let mut o = Out {
            buf: vec![],
            resp: 3,
        };
        o.map_len(2);
        o.null();
        o.double(1.5);
        o.boolean(true);
        assert_eq!(o.buf, b"%2\r\n_\r\n,1.5\r\n#t\r\n");
    }

    #[test]
    fn deferred_len_inserts_header() {
        let mut o = Out::new();
        o.int(7);
        let d = o.deferred();
        o.bulk(b"a");
        o.bulk(b"b");
        o.set_deferred(d, b'%', 1);
        assert_eq!(o.buf, b":7\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    }

    #[test]
    fn errors_never_break_framing() {
        let mut o = Out::new();
        o.error(b"ERR a\r\nb");
        assert_eq!(o.buf, b"-ERR a  b\r\n");
    }
}
