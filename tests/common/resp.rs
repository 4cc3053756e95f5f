//! RESP2/RESP3 framing and a small value parser for test assertions.
//!
//! - [`scan_frame`] finds where one complete reply ends in a byte buffer (used by
//!   [`super::RawConn`] to return exactly one reply at a time).
//! - [`parse_reply`] / [`try_parse_reply`] / [`parse_all`] turn raw bytes into a [`Resp`] value.
//! - [`split_frame`] splits an aggregate into its header and its elements' raw bytes (used by the
//!   differential normalisations).
//! - [`encode_command`] builds a multibulk request; [`escape`] renders bytes for messages.
//!
//! Frame types understood: `+ - : $ * _ , # ! = ( % ~ > |`, including `$-1` and `*-1` nulls and
//! nested aggregates. An attribute (`|`) is not a reply on its own: it belongs to the reply that
//! follows it, so the two are scanned (and parsed) as one unit. Streamed strings/aggregates
//! (`$?`, `*?`) are not used by Redis 7.0 and are rejected.

use std::fmt;

/// A parsed reply. Simple strings, errors and bulk payloads are kept as bytes.
#[derive(Clone, PartialEq)]
pub enum Resp {
    /// `+text`
    Simple(Vec<u8>),
    /// `-text`
    Error(Vec<u8>),
    /// `:n`
    Integer(i64),
    /// `$n` payload
    Bulk(Vec<u8>),
    /// `$-1` (RESP2 null bulk)
    NullBulk,
    /// `*n`
    Array(Vec<Resp>),
    /// `*-1` (RESP2 null array)
    NullArray,
    /// `_` (RESP3 null)
    Null,
    /// `#t` / `#f`
    Boolean(bool),
    /// `,x` (also `inf`, `-inf`, `nan`)
    Double(f64),
    /// `(digits`, kept as text
    BigNumber(Vec<u8>),
    /// `!n` payload
    BlobError(Vec<u8>),
    /// `=n` payload split at the `:` after the 3-byte format
    Verbatim { format: Vec<u8>, text: Vec<u8> },
    /// `%n` key/value pairs in wire order
    Map(Vec<(Resp, Resp)>),
    /// `~n`
    Set(Vec<Resp>),
    /// `>n`
    Push(Vec<Resp>),
    /// `|n` attribute pairs followed by the reply they annotate
    Attribute {
        attrs: Vec<(Resp, Resp)>,
        value: Box<Resp>,
    },
}

impl Resp {
    /// True for `-ERR ...` and `!` blob errors.
    pub fn is_error(&self) -> bool {
        matches!(self, Resp::Error(_) | Resp::BlobError(_))
    }

    /// True for every null flavour (`$-1`, `*-1`, `_`).
    pub fn is_null(&self) -> bool {
        matches!(self, Resp::NullBulk | Resp::NullArray | Resp::Null)
    }

    /// Payload of a simple string, error, bulk, big number or verbatim text.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Resp::Simple(b) | Resp::Error(b) | Resp::Bulk(b) | Resp::BigNumber(b) => Some(b),
            Resp::BlobError(b) => Some(b),
            Resp::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Value of an integer reply.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Resp::Integer(n) => Some(*n),
            _ => None,
        }
    }

    /// Elements of an array, set or push reply.
    pub fn as_array(&self) -> Option<&[Resp]> {
        match self {
            Resp::Array(v) | Resp::Set(v) | Resp::Push(v) => Some(v),
            _ => None,
        }
    }

    /// Pairs of a map reply.
    pub fn as_map(&self) -> Option<&[(Resp, Resp)]> {
        match self {
            Resp::Map(v) => Some(v),
            _ => None,
        }
    }

    /// Looks a key up in a map reply (or a RESP2 flat key/value array) by its byte payload.
    pub fn map_get(&self, key: &[u8]) -> Option<&Resp> {
        match self {
            Resp::Map(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_bytes() == Some(key))
                .map(|(_, v)| v),
            Resp::Array(items) => items
                .chunks(2)
                .find(|c| c.first().and_then(Resp::as_bytes) == Some(key))
                .and_then(|c| c.get(1)),
            _ => None,
        }
    }
}

impl fmt::Debug for Resp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, open: &str, items: &[Resp]) -> fmt::Result {
            write!(f, "{open}")?;
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{it:?}")?;
            }
            write!(f, "]")
        }
        fn pairs(f: &mut fmt::Formatter<'_>, open: &str, items: &[(Resp, Resp)]) -> fmt::Result {
            write!(f, "{open}")?;
            for (i, (k, v)) in items.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write!(f, "{k:?}: {v:?}")?;
            }
            write!(f, "}}")
        }
        match self {
            Resp::Simple(b) => write!(f, "+\"{}\"", escape(b)),
            Resp::Error(b) => write!(f, "-\"{}\"", escape(b)),
            Resp::Integer(n) => write!(f, ":{n}"),
            Resp::Bulk(b) => write!(f, "\"{}\"", escape(b)),
            Resp::NullBulk => write!(f, "$-1"),
            Resp::Array(v) => list(f, "[", v),
            Resp::NullArray => write!(f, "*-1"),
            Resp::Null => write!(f, "_"),
            Resp::Boolean(b) => write!(f, "#{}", if *b { 't' } else { 'f' }),
            Resp::Double(d) => write!(f, ",{d}"),
            Resp::BigNumber(b) => write!(f, "({}", escape(b)),
            Resp::BlobError(b) => write!(f, "!\"{}\"", escape(b)),
            Resp::Verbatim { format, text } => {
                write!(f, "={}:\"{}\"", escape(format), escape(text))
            }
            Resp::Map(p) => pairs(f, "%{", p),
            Resp::Set(v) => list(f, "~[", v),
            Resp::Push(v) => list(f, ">[", v),
            Resp::Attribute { attrs, value } => {
                pairs(f, "|{", attrs)?;
                write!(f, " {value:?}")
            }
        }
    }
}

/// Renders bytes like `redis-cli` does inside quotes: printable ASCII as is, `\r \n \t \" \\`
/// escaped, everything else as `\xHH`.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Encodes one request as a RESP multibulk (`*N\r\n$len\r\narg\r\n...`).
pub fn encode_command<A: AsRef<[u8]>>(args: &[A]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        let a = a.as_ref();
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Returns the content of the line starting at `pos` and the index just past its `\r\n`, or
/// `None` if the terminator has not arrived yet.
fn line_at(buf: &[u8], pos: usize) -> Option<(&[u8], usize)> {
    let rest = buf.get(pos..)?;
    let i = rest.windows(2).position(|w| w == b"\r\n")?;
    Some((&rest[..i], pos + i + 2))
}

fn parse_i64(text: &[u8]) -> Result<i64, String> {
    std::str::from_utf8(text)
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("bad integer {:?}", escape(text)))
}

/// Number of child frames an aggregate header announces (maps and attributes count pairs twice).
fn child_count(kind: u8, n: i64) -> Result<usize, String> {
    let n = usize::try_from(n).map_err(|_| format!("bad aggregate length {n}"))?;
    Ok(if matches!(kind, b'%' | b'|') {
        n * 2
    } else {
        n
    })
}

/// Scans one complete frame starting at `pos`: `Ok(Some(end))` when complete, `Ok(None)` when
/// more bytes are needed, `Err` when the bytes cannot be RESP.
fn scan_at(buf: &[u8], pos: usize) -> Result<Option<usize>, String> {
    let Some((line, next)) = line_at(buf, pos) else {
        // Reject garbage early instead of waiting forever for a terminator.
        if let Some(&t) = buf.get(pos) {
            if !b"+-:$*_,#!=(%~>|".contains(&t) {
                return Err(format!("unknown RESP type byte {:?}", escape(&[t])));
            }
        }
        return Ok(None);
    };
    let Some((&kind, rest)) = line.split_first() else {
        return Err("empty line where a RESP frame was expected".into());
    };
    match kind {
        b'+' | b'-' | b':' | b'_' | b',' | b'#' | b'(' => Ok(Some(next)),
        b'$' | b'!' | b'=' => {
            let n = parse_i64(rest)?;
            if n == -1 && kind == b'$' {
                return Ok(Some(next));
            }
            let n = usize::try_from(n).map_err(|_| format!("bad blob length {n}"))?;
            let end = next + n + 2;
            if buf.len() < end {
                return Ok(None);
            }
            if &buf[end - 2..end] != b"\r\n" {
                return Err("blob payload not followed by CRLF".into());
            }
            Ok(Some(end))
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = parse_i64(rest)?;
            if n == -1 && kind == b'*' {
                return Ok(Some(next));
            }
            let mut p = next;
            for _ in 0..child_count(kind, n)? {
                match scan_at(buf, p)? {
                    Some(e) => p = e,
                    None => return Ok(None),
                }
            }
            if kind == b'|' {
                // The attribute belongs to the reply that follows.
                return scan_at(buf, p);
            }
            Ok(Some(p))
        }
        other => Err(format!("unknown RESP type byte {:?}", escape(&[other]))),
    }
}

/// Length of the first complete reply in `buf`: `Ok(None)` if incomplete, `Err` if malformed.
pub fn scan_frame(buf: &[u8]) -> Result<Option<usize>, String> {
    scan_at(buf, 0)
}

/// Parses the frame at `pos` (which must be complete), returning the value and its end.
fn parse_at(buf: &[u8], pos: usize) -> Result<(Resp, usize), String> {
    let (line, next) = line_at(buf, pos).ok_or("incomplete frame")?;
    let (&kind, rest) = line.split_first().ok_or("empty line")?;
    let blob = |n: usize| -> Result<Vec<u8>, String> {
        buf.get(next..next + n)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| "incomplete blob".to_string())
    };
    let v = match kind {
        b'+' => (Resp::Simple(rest.to_vec()), next),
        b'-' => (Resp::Error(rest.to_vec()), next),
        b':' => (Resp::Integer(parse_i64(rest)?), next),
        b'_' if rest.is_empty() => (Resp::Null, next),
        b'#' if rest == b"t" => (Resp::Boolean(true), next),
        b'#' if rest == b"f" => (Resp::Boolean(false), next),
        b',' => {
            let d = std::str::from_utf8(rest)
                .ok()
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| format!("bad double {:?}", escape(rest)))?;
            (Resp::Double(d), next)
        }
        b'(' => (Resp::BigNumber(rest.to_vec()), next),
        b'$' | b'!' | b'=' => {
            let n = parse_i64(rest)?;
            if n == -1 && kind == b'$' {
                (Resp::NullBulk, next)
            } else {
                let n = usize::try_from(n).map_err(|_| format!("bad blob length {n}"))?;
                let data = blob(n)?;
                let end = next + n + 2;
                let v = match kind {
                    b'$' => Resp::Bulk(data),
                    b'!' => Resp::BlobError(data),
                    _ => {
                        if data.len() < 4 || data[3] != b':' {
                            return Err("verbatim string without `fmt:` prefix".into());
                        }
                        Resp::Verbatim {
                            format: data[..3].to_vec(),
                            text: data[4..].to_vec(),
                        }
                    }
                };
                (v, end)
            }
        }
        b'*' | b'~' | b'>' | b'%' | b'|' => {
            let n = parse_i64(rest)?;
            if n == -1 && kind == b'*' {
                return Ok((Resp::NullArray, next));
            }
            let mut items = Vec::new();
            let mut p = next;
            for _ in 0..child_count(kind, n)? {
                let (v, e) = parse_at(buf, p)?;
                items.push(v);
                p = e;
            }
            let pairs = |items: Vec<Resp>| {
                let mut out = Vec::with_capacity(items.len() / 2);
                let mut it = items.into_iter();
                while let (Some(k), Some(v)) = (it.next(), it.next()) {
                    out.push((k, v));
                }
                out
            };
            match kind {
                b'*' => (Resp::Array(items), p),
                b'~' => (Resp::Set(items), p),
                b'>' => (Resp::Push(items), p),
                b'%' => (Resp::Map(pairs(items)), p),
                _ => {
                    let (value, e) = parse_at(buf, p)?;
                    (
                        Resp::Attribute {
                            attrs: pairs(items),
                            value: Box::new(value),
                        },
                        e,
                    )
                }
            }
        }
        _ => return Err(format!("bad frame {:?}", escape(line))),
    };
    Ok(v)
}

/// Parses exactly one reply; trailing bytes, incomplete or malformed input are errors.
pub fn try_parse_reply(raw: &[u8]) -> Result<Resp, String> {
    match scan_frame(raw)? {
        None => Err(format!("incomplete reply: \"{}\"", escape(raw))),
        Some(end) if end != raw.len() => Err(format!(
            "trailing bytes after reply: \"{}\"",
            escape(&raw[end..])
        )),
        Some(_) => parse_at(raw, 0).map(|(v, _)| v),
    }
}

/// Parses exactly one reply, panicking with the escaped input if it is not valid RESP.
pub fn parse_reply(raw: &[u8]) -> Resp {
    try_parse_reply(raw).unwrap_or_else(|e| panic!("parse_reply: {e}"))
}

/// Parses a buffer holding several complete replies back to back.
pub fn parse_all(raw: &[u8]) -> Vec<Resp> {
    let mut out = Vec::new();
    let mut rest = raw;
    while !rest.is_empty() {
        let end = match scan_frame(rest) {
            Ok(Some(end)) => end,
            Ok(None) => panic!("parse_all: incomplete reply: \"{}\"", escape(rest)),
            Err(e) => panic!("parse_all: {e}: \"{}\"", escape(rest)),
        };
        out.push(parse_reply(&rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// Splits one aggregate frame (`* ~ > %`, not null) into its header line (type byte included, CRLF
/// included) and the raw bytes of each child frame. `None` for scalars, nulls, attributes and
/// malformed input.
pub fn split_frame(raw: &[u8]) -> Option<(&[u8], Vec<&[u8]>)> {
    let (line, next) = line_at(raw, 0)?;
    let (&kind, rest) = line.split_first()?;
    if !matches!(kind, b'*' | b'~' | b'>' | b'%') {
        return None;
    }
    let n = parse_i64(rest).ok()?;
    if n < 0 {
        return None;
    }
    let mut elems = Vec::new();
    let mut p = next;
    for _ in 0..child_count(kind, n).ok()? {
        let e = scan_at(raw, p).ok()??;
        elems.push(&raw[p..e]);
        p = e;
    }
    Some((&raw[..next], elems))
}
