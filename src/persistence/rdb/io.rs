//! Low-level RDB primitives: lengths, strings (integer / LZF / raw), doubles, times, the file
//! header and the CRC-64 trailer, plus the DUMP payload footer.
//!
//! - [`RdbWriter`] wraps any `Write` (a file for BGSAVE/SAVE, a socket or buffer for replication,
//!   a `Vec<u8>` for DUMP), buffers internally, keeps a running CRC-64/REDIS of everything it
//!   wrote and makes Redis 7.0's exact encoding choices (`rdbSaveRawString`).
//! - [`RdbReader`] wraps any `Read`, buffers internally, tracks the offset (every error carries it)
//!   and the CRC, and validates strictly: no claimed length makes it allocate more than it has
//!   actually read (reads are chunked, and capped by the input size when known); element counts
//!   should go through [`RdbReader::capacity_hint`] before any `Vec::with_capacity`.
//! - [`create_dump_payload`] / [`verify_dump_payload`]: the `DUMP`/`RESTORE` footer.
//!
//! This layer knows nothing of the server's value types: the per-type encoders and decoders
//! above it call these primitives. Nothing here panics on untrusted input.

use std::fmt;
use std::io::{self, ErrorKind, Read, Write};

use super::format::*;

/// Redis's CRC-64 (CRC-64/REDIS: reflected, init 0, xorout 0), table-driven, 16 lanes.
pub static CRC64: crc::Crc<u64, crc::Table<16>> =
    crc::Crc::<u64, crc::Table<16>>::new(&crc::CRC_64_REDIS);

type Digest = crc::Digest<'static, u64, crc::Table<16>>;

/// `crc64(0, data)` as Redis computes it.
pub fn crc64(data: &[u8]) -> u64 {
    CRC64.checksum(data)
}

/// Size of the internal read/write buffers.
const BUF_SIZE: usize = 64 * 1024;
/// Claimed lengths are read in pieces of at most this size, so the memory held is bounded by
/// the bytes really present.
const READ_CHUNK: usize = 1024 * 1024;
/// One LZF back-reference (3 bytes) expands to at most 264 bytes: no valid blob decodes to more
/// than 88 times its size.
const LZF_MAX_RATIO: u64 = 88;

/// A load failure: what went wrong and the input offset at which it was detected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RdbError {
    pub offset: u64,
    pub msg: String,
}

impl RdbError {
    pub fn new(offset: u64, msg: impl Into<String>) -> Self {
        RdbError {
            offset,
            msg: msg.into(),
        }
    }
}

impl fmt::Display for RdbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at offset {}", self.msg, self.offset)
    }
}

impl std::error::Error for RdbError {}

pub type RdbResult<T> = Result<T, RdbError>;

/// Message for a truncated input (Redis's `rdbReportReadError` text).
pub const MSG_EOF: &str = "Unexpected EOF reading RDB file";

// ---------------------------------------------------------------------------------------------
// Number formatting helpers (Redis-exact)
// ---------------------------------------------------------------------------------------------

/// Whether `s` is the canonical decimal form of an i64 (what `rdbTryIntegerEncoding` checks:
/// `string2ll` succeeds and `ll2string` gives back the same bytes, so "-0", "007", "+1" fail).
pub fn canonical_i64(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    let v: i64 = std::str::from_utf8(s).ok()?.parse().ok()?;
    (v.to_string().as_bytes() == s).then_some(v)
}

/// `rdbEncodeInteger`: the special encoding of `v` if it fits in 32 bits.
fn encode_int(v: i64, out: &mut [u8; 5]) -> usize {
    if (-(1 << 7)..(1 << 7)).contains(&v) {
        out[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
        out[1] = v as i8 as u8;
        2
    } else if (-(1 << 15)..(1 << 15)).contains(&v) {
        out[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
        out[1..3].copy_from_slice(&(v as i16).to_le_bytes());
        3
    } else if (-(1i64 << 31)..(1i64 << 31)).contains(&v) {
        out[0] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
        out[1..5].copy_from_slice(&(v as i32).to_le_bytes());
        5
    } else {
        0
    }
}

/// C's `printf("%.17g", v)` for a finite `v`.
pub fn format_g17(v: f64) -> String {
    const P: i32 = 17;
    if v == 0.0 {
        return if v.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let e_form = format!("{:.*e}", (P - 1) as usize, v);
    let (mant, exp) = match e_form.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (e_form.clone(), 0),
    };
    if !(-4..P).contains(&exp) {
        let mant = strip_fraction_zeros(&mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", mant, sign, exp.abs())
    } else {
        let fixed = format!("{:.*}", (P - 1 - exp) as usize, v);
        strip_fraction_zeros(&fixed)
    }
}

fn strip_fraction_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// The text `rdbSaveDoubleValue` stores for a finite `v`: integral values in (-2^52, 2^52) as
/// integers, everything else with `%.17g`.
fn double_to_rdb_text(v: f64) -> String {
    const MIN: f64 = -4503599627370495.0;
    const MAX: f64 = 4503599627370496.0;
    if v > MIN && v < MAX && v == (v as i64) as f64 {
        (v as i64).to_string()
    } else {
        format_g17(v)
    }
}

// ---------------------------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------------------------

/// Buffered RDB encoder over any `Write`, with a running CRC-64 and a byte count.
///
/// Errors are the underlying `io::Error`s. Call [`RdbWriter::finish`] to end an RDB file, or
/// [`RdbWriter::into_inner`] to get the sink back after writing a fragment (DUMP).
pub struct RdbWriter<W: Write> {
    inner: W,
    buf: Vec<u8>,
    digest: Option<Digest>,
    compress: bool,
    lzf: super::lzf::Lzf,
    written: u64,
}

impl<W: Write> RdbWriter<W> {
    /// `checksum`: keep a CRC-64 for the trailer (`rdbchecksum`); `compress`: try LZF on strings
    /// longer than 20 bytes (`rdbcompression`).
    pub fn new(inner: W, checksum: bool, compress: bool) -> Self {
        RdbWriter {
            inner,
            buf: Vec::with_capacity(BUF_SIZE),
            digest: checksum.then(|| CRC64.digest()),
            compress,
            lzf: Default::default(),
            written: 0,
        }
    }

    /// Bytes accepted so far (including those still buffered).
    pub fn bytes_written(&self) -> u64 {
        self.written
    }

    /// Write bytes verbatim.
    pub fn write_raw(&mut self, data: &[u8]) -> io::Result<()> {
        self.written += data.len() as u64;
        if self.buf.len() + data.len() > BUF_SIZE {
            self.flush_buf()?;
            if data.len() >= BUF_SIZE {
                if let Some(d) = self.digest.as_mut() {
                    d.update(data);
                }
                return self.inner.write_all(data);
            }
        }
        self.buf.extend_from_slice(data);
        Ok(())
    }

    /// Write one byte (a type or opcode).
    pub fn write_u8(&mut self, b: u8) -> io::Result<()> {
        self.write_raw(&[b])
    }

    /// `rdbSaveLen`: 6-bit, 14-bit, 32-bit or 64-bit big-endian form.
    pub fn write_len(&mut self, len: u64) -> io::Result<()> {
        if len < (1 << 6) {
            self.write_raw(&[(len as u8) | (RDB_6BITLEN << 6)])
        } else if len < (1 << 14) {
            self.write_raw(&[((len >> 8) as u8) | (RDB_14BITLEN << 6), len as u8])
        } else if len <= u32::MAX as u64 {
            let mut b = [0u8; 5];
            b[0] = RDB_32BITLEN;
            b[1..].copy_from_slice(&(len as u32).to_be_bytes());
            self.write_raw(&b)
        } else {
            let mut b = [0u8; 9];
            b[0] = RDB_64BITLEN;
            b[1..].copy_from_slice(&len.to_be_bytes());
            self.write_raw(&b)
        }
    }

    /// `rdbSaveRawString`: integer encoding for canonical integers of at most 11 bytes that fit in
    /// 32 bits; LZF when compression is on, the string is longer than 20 bytes and the blob is at
    /// most `len - 4` bytes; otherwise length + bytes.
    pub fn write_string(&mut self, s: &[u8]) -> io::Result<()> {
        if s.len() <= RDB_INT_ENCODING_MAX_LEN {
            if let Some(v) = canonical_i64(s) {
                let mut enc = [0u8; 5];
                let n = encode_int(v, &mut enc);
                if n > 0 {
                    return self.write_raw(&enc[..n]);
                }
            }
        }
        if self.compress && s.len() > RDB_LZF_MIN_LEN && self.try_write_lzf(s)? {
            return Ok(());
        }
        self.write_len(s.len() as u64)?;
        self.write_raw(s)
    }

    /// `rdbSaveLzfStringObject`: returns false (nothing written) when the data does not compress
    /// to at most `len - 4` bytes.
    fn try_write_lzf(&mut self, s: &[u8]) -> io::Result<bool> {
        if s.len() <= 4 {
            return Ok(false);
        }
        let mut lzf = std::mem::take(&mut self.lzf);
        let r = match lzf.compress(s) {
            Some(c) if c.len() <= s.len() - 4 => self.write_lzf(c, s.len()).map(|_| true),
            _ => Ok(false),
        };
        self.lzf = lzf;
        r
    }

    fn write_lzf(&mut self, c: &[u8], len: usize) -> io::Result<()> {
        self.write_u8((RDB_ENCVAL << 6) | RDB_ENC_LZF)?;
        self.write_len(c.len() as u64)?;
        self.write_len(len as u64)?;
        self.write_raw(c)
    }

    /// `rdbSaveLongLongAsStringObject`: integer-encoded when it fits 32 bits, else decimal text.
    pub fn write_int_as_string(&mut self, v: i64) -> io::Result<()> {
        let mut enc = [0u8; 5];
        let n = encode_int(v, &mut enc);
        if n > 0 {
            return self.write_raw(&enc[..n]);
        }
        let text = v.to_string();
        self.write_len(text.len() as u64)?;
        self.write_raw(text.as_bytes())
    }

    /// `rdbSaveBinaryDoubleValue`: 8 bytes little-endian IEEE 754.
    pub fn write_double_binary(&mut self, v: f64) -> io::Result<()> {
        self.write_raw(&v.to_le_bytes())
    }

    /// `rdbSaveBinaryFloatValue`: 4 bytes little-endian (module values).
    pub fn write_float_binary(&mut self, v: f32) -> io::Result<()> {
        self.write_raw(&v.to_le_bytes())
    }

    /// `rdbSaveDoubleValue` (old `RDB_TYPE_ZSET` scores): a length byte then text, or the single
    /// byte 253/254/255 for NaN/+inf/-inf.
    pub fn write_double_string(&mut self, v: f64) -> io::Result<()> {
        if v.is_nan() {
            return self.write_u8(RDB_DOUBLE_NAN);
        }
        if v.is_infinite() {
            return self.write_u8(if v < 0.0 {
                RDB_DOUBLE_NEG_INF
            } else {
                RDB_DOUBLE_POS_INF
            });
        }
        let text = double_to_rdb_text(v);
        self.write_u8(text.len() as u8)?;
        self.write_raw(text.as_bytes())
    }

    /// `rdbSaveMillisecondTime`: 8 bytes little-endian.
    pub fn write_ms(&mut self, ms: i64) -> io::Result<()> {
        self.write_raw(&ms.to_le_bytes())
    }

    /// `rdbSaveAuxField`: AUX opcode, then name and value as strings (integer-looking values end
    /// up int-encoded, as in Redis).
    pub fn write_aux(&mut self, key: &[u8], value: &[u8]) -> io::Result<()> {
        self.write_u8(RDB_OPCODE_AUX)?;
        self.write_string(key)?;
        self.write_string(value)
    }

    /// The `REDIS0010` header.
    pub fn write_header(&mut self) -> io::Result<()> {
        self.write_raw(RDB_HEADER)
    }

    /// SELECTDB opcode and the database number.
    pub fn write_selectdb(&mut self, db: u64) -> io::Result<()> {
        self.write_u8(RDB_OPCODE_SELECTDB)?;
        self.write_len(db)
    }

    /// RESIZEDB opcode with the key count and the expires count.
    pub fn write_resizedb(&mut self, db_size: u64, expires_size: u64) -> io::Result<()> {
        self.write_u8(RDB_OPCODE_RESIZEDB)?;
        self.write_len(db_size)?;
        self.write_len(expires_size)
    }

    /// Write the EOF opcode and the 8-byte little-endian CRC-64 of everything before it (0 when
    /// the checksum is disabled), then flush. Returns the checksum written.
    pub fn finish(&mut self) -> io::Result<u64> {
        self.write_u8(RDB_OPCODE_EOF)?;
        self.flush_buf()?;
        let crc = self.digest.take().map_or(0, |d| d.finalize());
        self.written += 8;
        self.inner.write_all(&crc.to_le_bytes())?;
        self.inner.flush()?;
        Ok(crc)
    }

    /// Push buffered bytes to the sink and flush it.
    pub fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.inner.flush()
    }

    /// Flush and return the sink.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.flush()?;
        Ok(self.inner)
    }

    /// The sink (buffered bytes may not have reached it yet).
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        if let Some(d) = self.digest.as_mut() {
            d.update(&self.buf);
        }
        let res = self.inner.write_all(&self.buf);
        self.buf.clear();
        res
    }
}

// ---------------------------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------------------------

/// Buffered RDB decoder over any `Read`, tracking the offset and a running CRC-64.
pub struct RdbReader<R: Read> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// `buf[crc_pos..pos]` is consumed but not yet added to the digest.
    crc_pos: usize,
    digest: Option<Digest>,
    /// Bytes consumed so far.
    offset: u64,
    /// Total input size when known: claimed lengths beyond it are rejected before reading.
    limit: Option<u64>,
    version: u16,
}

impl<'a> RdbReader<&'a [u8]> {
    /// A reader over an in-memory buffer (RESTORE payloads, tests); its size bounds all lengths.
    pub fn from_slice(data: &'a [u8]) -> Self {
        let mut r = RdbReader::new(data);
        r.limit = Some(data.len() as u64);
        r
    }
}

impl<R: Read> RdbReader<R> {
    /// A reader with the checksum enabled and the version assumed to be [`RDB_VERSION`] until
    /// [`RdbReader::read_header`] says otherwise.
    pub fn new(inner: R) -> Self {
        RdbReader {
            inner,
            buf: vec![0u8; BUF_SIZE].into_boxed_slice(),
            pos: 0,
            end: 0,
            crc_pos: 0,
            digest: Some(CRC64.digest()),
            offset: 0,
            limit: None,
            version: RDB_VERSION,
        }
    }

    /// Declare the total input size (e.g. the file's length) so corrupt lengths fail early.
    pub fn set_input_len(&mut self, total: u64) {
        self.limit = Some(total);
    }

    /// Stop computing the CRC (`rdbchecksum no`, `sanitize-dump-payload`-style skips):
    /// [`RdbReader::verify_trailer`] then reads the trailer without checking it.
    pub fn disable_checksum(&mut self) {
        self.digest = None;
    }

    /// Bytes consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The version from the header (or [`RDB_VERSION`] before/without one).
    pub fn version(&self) -> u16 {
        self.version
    }

    /// Set the version when reading a fragment without a header (RESTORE uses the payload's).
    pub fn set_version(&mut self, version: u16) {
        self.version = version;
    }

    /// An error at the current offset, for the layers above.
    pub fn error(&self, msg: impl Into<String>) -> RdbError {
        RdbError::new(self.offset, msg)
    }

    /// The CRC-64 of everything consumed so far (None when disabled).
    pub fn crc(&mut self) -> Option<u64> {
        self.digest_pending();
        self.digest.as_ref().map(|d| d.clone().finalize())
    }

    /// The source and the bytes buffered from it but not consumed (a replication stream goes on
    /// after the RDB).
    pub fn into_parts(self) -> (R, Vec<u8>) {
        let rest = self.buf.get(self.pos..self.end).unwrap_or(&[]).to_vec();
        (self.inner, rest)
    }

    fn digest_pending(&mut self) {
        if let Some(d) = self.digest.as_mut() {
            if let Some(s) = self.buf.get(self.crc_pos..self.pos) {
                d.update(s);
            }
        }
        self.crc_pos = self.pos;
    }

    /// Refill the empty buffer; false at end of input.
    fn fill(&mut self) -> RdbResult<bool> {
        self.digest_pending();
        self.pos = 0;
        self.end = 0;
        self.crc_pos = 0;
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(n) => {
                    self.end = n;
                    return Ok(n > 0);
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.error(format!("Error reading RDB: {}", e))),
            }
        }
    }

    /// Read exactly `out.len()` bytes.
    pub fn read_raw(&mut self, out: &mut [u8]) -> RdbResult<()> {
        let mut done = 0;
        while done < out.len() {
            if self.pos >= self.end && !self.fill()? {
                return Err(self.error(MSG_EOF));
            }
            let avail = self.end - self.pos;
            let n = avail.min(out.len() - done);
            out[done..done + n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            self.offset += n as u64;
            done += n;
        }
        Ok(())
    }

    fn read_array<const N: usize>(&mut self) -> RdbResult<[u8; N]> {
        let mut b = [0u8; N];
        self.read_raw(&mut b)?;
        Ok(b)
    }

    /// Whether `n` more bytes can exist (false when the input size is known and too small).
    fn check_remaining(&self, n: u64) -> RdbResult<usize> {
        if let Some(limit) = self.limit {
            if n > limit.saturating_sub(self.offset) {
                return Err(self.error(MSG_EOF));
            }
        }
        usize::try_from(n).map_err(|_| self.error(MSG_EOF))
    }

    /// A safe `Vec::with_capacity` for `count` claimed elements: never more than the bytes that
    /// can remain (each element takes at least one byte) nor than 4096 up front.
    pub fn capacity_hint(&self, count: u64) -> usize {
        let left = self
            .limit
            .map_or(u64::MAX, |l| l.saturating_sub(self.offset));
        count.min(left).min(4096) as usize
    }

    /// Read `n` bytes into a new vector, growing it only as data really arrives.
    pub fn read_bytes(&mut self, n: u64) -> RdbResult<Vec<u8>> {
        let n = self.check_remaining(n)?;
        let mut out = Vec::with_capacity(n.min(READ_CHUNK));
        while out.len() < n {
            let start = out.len();
            let want = (n - start).min(READ_CHUNK);
            out.resize(start + want, 0);
            self.read_raw(&mut out[start..])?;
        }
        Ok(out)
    }

    /// Skip `n` bytes (they still count for the CRC).
    pub fn skip_bytes(&mut self, n: u64) -> RdbResult<()> {
        self.check_remaining(n)?;
        let mut left = n;
        while left > 0 {
            if self.pos >= self.end && !self.fill()? {
                return Err(self.error(MSG_EOF));
            }
            let step = ((self.end - self.pos) as u64).min(left) as usize;
            self.pos += step;
            self.offset += step as u64;
            left -= step as u64;
        }
        Ok(())
    }

    /// One byte (a type or opcode: `rdbLoadType`).
    pub fn read_u8(&mut self) -> RdbResult<u8> {
        Ok(self.read_array::<1>()?[0])
    }

    /// `rdbLoadLenByRef`: the length and whether it was a special-encoding marker (`11xxxxxx`,
    /// in which case the value is the `RDB_ENC_*` code).
    pub fn read_len(&mut self) -> RdbResult<(u64, bool)> {
        let b = self.read_u8()?;
        match b >> 6 {
            RDB_6BITLEN => Ok(((b & 0x3f) as u64, false)),
            RDB_14BITLEN => {
                let b2 = self.read_u8()?;
                Ok(((((b & 0x3f) as u64) << 8) | b2 as u64, false))
            }
            RDB_ENCVAL => Ok(((b & 0x3f) as u64, true)),
            _ => match b {
                RDB_32BITLEN => Ok((u32::from_be_bytes(self.read_array()?) as u64, false)),
                RDB_64BITLEN => Ok((u64::from_be_bytes(self.read_array()?), false)),
                _ => Err(self.error(format!(
                    "Unknown length encoding {} in rdbLoadLen()",
                    b >> 6
                ))),
            },
        }
    }

    /// `rdbLoadLen(rdb, NULL)`: the length, ignoring the encoded flag as Redis does.
    pub fn read_length(&mut self) -> RdbResult<u64> {
        Ok(self.read_len()?.0)
    }

    /// `rdbGenericLoadStringObject`: a string in any of its encodings; integers come back as
    /// their decimal text.
    pub fn read_string(&mut self) -> RdbResult<Vec<u8>> {
        let (len, encoded) = self.read_len()?;
        if !encoded {
            return self.read_bytes(len);
        }
        match len as u8 {
            RDB_ENC_INT8 | RDB_ENC_INT16 | RDB_ENC_INT32 if len <= 2 => {
                Ok(self.read_encoded_int(len as u8)?.to_string().into_bytes())
            }
            RDB_ENC_LZF if len == 3 => self.read_lzf(),
            _ => Err(self.error(format!("Unknown RDB string encoding type {}", len))),
        }
    }

    fn read_encoded_int(&mut self, enc: u8) -> RdbResult<i64> {
        Ok(match enc {
            RDB_ENC_INT8 => self.read_u8()? as i8 as i64,
            RDB_ENC_INT16 => i16::from_le_bytes(self.read_array()?) as i64,
            _ => i32::from_le_bytes(self.read_array()?) as i64,
        })
    }

    /// `rdbLoadLzfStringObject`.
    fn read_lzf(&mut self) -> RdbResult<Vec<u8>> {
        let clen = self.read_length()?;
        let len = self.read_length()?;
        let start = self.offset;
        let blob = self.read_bytes(clen)?;
        // liblzf returns 0 for a zero-sized output buffer, which Redis compares equal to len 0.
        if len == 0 {
            return Ok(Vec::new());
        }
        let bad = || RdbError::new(start, "Invalid LZF compressed string");
        if len > clen.saturating_mul(LZF_MAX_RATIO) {
            return Err(bad());
        }
        let out_len = usize::try_from(len).map_err(|_| bad())?;
        match lzf::decompress(&blob, out_len) {
            Ok(v) if v.len() == out_len => Ok(v),
            _ => Err(bad()),
        }
    }

    /// Skip a string in any encoding without decoding it.
    pub fn skip_string(&mut self) -> RdbResult<()> {
        let (len, encoded) = self.read_len()?;
        if !encoded {
            return self.skip_bytes(len);
        }
        match len as u8 {
            RDB_ENC_INT8 if len == 0 => self.skip_bytes(1),
            RDB_ENC_INT16 if len == 1 => self.skip_bytes(2),
            RDB_ENC_INT32 if len == 2 => self.skip_bytes(4),
            RDB_ENC_LZF if len == 3 => {
                let clen = self.read_length()?;
                self.read_length()?;
                self.skip_bytes(clen)
            }
            _ => Err(self.error(format!("Unknown RDB string encoding type {}", len))),
        }
    }

    /// `rdbLoadDoubleValue` (old `RDB_TYPE_ZSET` scores).
    pub fn read_double_string(&mut self) -> RdbResult<f64> {
        let len = self.read_u8()?;
        match len {
            RDB_DOUBLE_NEG_INF => Ok(f64::NEG_INFINITY),
            RDB_DOUBLE_POS_INF => Ok(f64::INFINITY),
            RDB_DOUBLE_NAN => Ok(f64::NAN),
            _ => {
                let mut buf = [0u8; 252];
                let text = &mut buf[..len as usize];
                self.read_raw(text)?;
                parse_c_double(text).ok_or_else(|| self.error("Failed reading double value"))
            }
        }
    }

    /// Skip a `rdbSaveDoubleValue` double.
    pub fn skip_double_string(&mut self) -> RdbResult<()> {
        match self.read_u8()? {
            RDB_DOUBLE_NAN..=RDB_DOUBLE_NEG_INF => Ok(()),
            len => self.skip_bytes(len as u64),
        }
    }

    /// `rdbLoadBinaryDoubleValue`: 8 bytes little-endian.
    pub fn read_double_binary(&mut self) -> RdbResult<f64> {
        Ok(f64::from_le_bytes(self.read_array()?))
    }

    /// `rdbLoadBinaryFloatValue`: 4 bytes little-endian.
    pub fn read_float_binary(&mut self) -> RdbResult<f32> {
        Ok(f32::from_le_bytes(self.read_array()?))
    }

    /// `rdbLoadMillisecondTime`: 8 bytes little-endian (files before version 9 used the host
    /// order, which is little-endian on every platform this builds for).
    pub fn read_ms(&mut self) -> RdbResult<i64> {
        Ok(i64::from_le_bytes(self.read_array()?))
    }

    /// `rdbLoadTime` (`EXPIRETIME` opcode): 4-byte little-endian unix seconds.
    pub fn read_secs(&mut self) -> RdbResult<i64> {
        Ok(i32::from_le_bytes(self.read_array()?) as i64)
    }

    /// Read `REDIS` + 4 version digits; accepts versions 1..=[`RDB_MAX_LOAD_VERSION`].
    pub fn read_header(&mut self) -> RdbResult<u16> {
        let hdr: [u8; 9] = self.read_array()?;
        if &hdr[..5] != RDB_MAGIC {
            return Err(RdbError::new(
                0,
                "Wrong signature trying to load DB from file",
            ));
        }
        let ver = crate::util::num::c_strtol(&hdr[5..]);
        if ver < 1 || ver > RDB_MAX_LOAD_VERSION as i64 {
            return Err(RdbError::new(
                5,
                format!("Can't handle RDB format version {}", ver),
            ));
        }
        self.version = ver as u16;
        Ok(self.version)
    }

    /// After the EOF opcode: read the 8-byte CRC-64 (versions >= 5) and compare it with the
    /// running CRC. Returns true when checked, false when there is no trailer, it is 0 (saved
    /// with `rdbchecksum no`) or checking is disabled.
    pub fn verify_trailer(&mut self) -> RdbResult<bool> {
        if self.version < RDB_CHECKSUM_MIN_VERSION {
            return Ok(false);
        }
        let expected = self.crc();
        let at = self.offset;
        let stored = u64::from_le_bytes(self.read_array()?);
        match expected {
            Some(_) if stored == 0 => Ok(false),
            Some(exp) if exp != stored => Err(RdbError::new(
                at,
                format!(
                    "Wrong RDB checksum expected: ({:x}) got: ({:x})",
                    exp, stored
                ),
            )),
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }
}

/// `sscanf("%lg")` on a saved score: leading whitespace allowed, then a float Rust can parse.
fn parse_c_double(s: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(s).ok()?;
    text.trim_start().trim_end_matches('\0').parse().ok()
}

// ---------------------------------------------------------------------------------------------
// DUMP / RESTORE payload footer
// ---------------------------------------------------------------------------------------------

/// `createDumpPayload`'s footer: append the RDB version (u16 LE) and the CRC-64 (LE) of
/// body + version. `body` is a type byte and a serialized value.
pub fn create_dump_payload(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 10);
    out.extend_from_slice(body);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// `verifyDumpPayload`: at least 10 bytes, version <= [`RDB_VERSION`], CRC-64 matches (unless
/// `skip_checksum`). Returns the body (type byte + value). Like Redis's `C_ERR`, a failure
/// carries no detail: RESTORE answers with one fixed error text.
#[allow(clippy::result_unit_err)]
pub fn verify_dump_payload(payload: &[u8], skip_checksum: bool) -> Result<&[u8], ()> {
    let footer_at = payload.len().checked_sub(10).ok_or(())?;
    let (body, footer) = payload.split_at(footer_at);
    let rdbver = u16::from_le_bytes([footer[0], footer[1]]);
    if rdbver > RDB_VERSION {
        return Err(());
    }
    if skip_checksum {
        return Ok(body);
    }
    let crc = crc64(&payload[..payload.len() - 8]);
    if crc.to_le_bytes() == footer[2..10] {
        Ok(body)
    } else {
        Err(())
    }
}

/// The RDB version stored in a DUMP payload's footer (None when too short).
pub fn dump_payload_version(payload: &[u8]) -> Option<u16> {
    let at = payload.len().checked_sub(10)?;
    Some(u16::from_le_bytes([payload[at], payload[at + 1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(f: impl FnOnce(&mut RdbWriter<Vec<u8>>) -> io::Result<()>) -> Vec<u8> {
        encode_with(true, f)
    }

    fn encode_with(
        compress: bool,
        f: impl FnOnce(&mut RdbWriter<Vec<u8>>) -> io::Result<()>,
    ) -> Vec<u8> {
        let mut w = RdbWriter::new(Vec::new(), false, compress);
        f(&mut w).unwrap();
        let n = w.bytes_written();
        let out = w.into_inner().unwrap();
        assert_eq!(n, out.len() as u64);
        out
    }

    /// A `Read` that is not a slice and returns at most 3 bytes per call.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(out.len()).min(3);
            out[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn crc64_matches_redis_check_values() {
        // crc64.c self-test value, and chaining equals one pass.
        assert_eq!(crc64(b"123456789"), 0xe9c6d914c4b8d9ca);
        let mut d = CRC64.digest();
        d.update(b"1234");
        d.update(b"56789");
        assert_eq!(d.finalize(), 0xe9c6d914c4b8d9ca);
    }

    #[test]
    fn length_encoding_boundaries() {
        let cases: &[(u64, &[u8])] = &[
            (0, &[0x00]),
            (63, &[0x3f]),
            (64, &[0x40, 0x40]),
            (16383, &[0x7f, 0xff]),
            (16384, &[0x80, 0x00, 0x00, 0x40, 0x00]),
            (u32::MAX as u64, &[0x80, 0xff, 0xff, 0xff, 0xff]),
            (1 << 32, &[0x81, 0, 0, 0, 1, 0, 0, 0, 0]),
            (
                u64::MAX,
                &[0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            ),
        ];
        for &(len, bytes) in cases {
            assert_eq!(encode(|w| w.write_len(len)), bytes, "len {}", len);
            let mut r = RdbReader::from_slice(bytes);
            assert_eq!(r.read_len().unwrap(), (len, false));
            assert_eq!(r.offset(), bytes.len() as u64);
        }
        // 11xxxxxx is a special-encoding marker.
        assert_eq!(
            RdbReader::from_slice(&[0xc3]).read_len().unwrap(),
            (3, true)
        );
        // 0x82..=0xbf are not valid length prefixes.
        let err = RdbReader::from_slice(&[0x82]).read_len().unwrap_err();
        assert_eq!(err.msg, "Unknown length encoding 2 in rdbLoadLen()");
        assert_eq!(
            err.to_string(),
            "Unknown length encoding 2 in rdbLoadLen() at offset 1"
        );
    }

    #[test]
    fn integer_string_encodings() {
        let cases: &[(&[u8], &[u8])] = &[
            (b"0", &[0xc0, 0x00]),
            (b"-1", &[0xc0, 0xff]),
            (b"127", &[0xc0, 0x7f]),
            (b"-128", &[0xc0, 0x80]),
            (b"128", &[0xc1, 0x80, 0x00]),
            (b"-32768", &[0xc1, 0x00, 0x80]),
            (b"32767", &[0xc1, 0xff, 0x7f]),
            (b"32768", &[0xc2, 0x00, 0x80, 0x00, 0x00]),
            (b"2147483647", &[0xc2, 0xff, 0xff, 0xff, 0x7f]),
            (b"-2147483648", &[0xc2, 0x00, 0x00, 0x00, 0x80]),
        ];
        for &(s, bytes) in cases {
            assert_eq!(encode(|w| w.write_string(s)), bytes);
            assert_eq!(RdbReader::from_slice(bytes).read_string().unwrap(), s);
        }
        // Not canonical, or out of 32-bit range, or longer than 11 bytes: stored raw.
        for s in [
            &b"-0"[..],
            b"007",
            b"+1",
            b" 1",
            b"1 ",
            b"2147483648",
            b"-2147483649",
            b"12345678901",
            b"",
            b"abc",
        ] {
            let mut expected = vec![s.len() as u8];
            expected.extend_from_slice(s);
            assert_eq!(encode(|w| w.write_string(s)), expected, "{:?}", s);
            assert_eq!(RdbReader::from_slice(&expected).read_string().unwrap(), s);
        }
        assert_eq!(encode(|w| w.write_int_as_string(-5)), [0xc0, 0xfb]);
        let big = encode(|w| w.write_int_as_string(1 << 40));
        assert_eq!(big[0], 13);
        assert_eq!(&big[1..], b"1099511627776");
        assert_eq!(
            RdbReader::from_slice(&[0xc4])
                .read_string()
                .unwrap_err()
                .msg,
            "Unknown RDB string encoding type 4"
        );
    }

    #[test]
    fn lzf_only_when_long_and_compressible() {
        let long = vec![b'a'; 100];
        let enc = encode(|w| w.write_string(&long));
        assert_eq!(enc[0], 0xc3);
        let mut r = RdbReader::from_slice(&enc);
        assert_eq!(r.read_string().unwrap(), long);
        assert_eq!(r.offset(), enc.len() as u64);
        // The (clen, len) header: clen <= len - 4.
        let mut r = RdbReader::from_slice(&enc[1..]);
        let clen = r.read_length().unwrap();
        assert_eq!(r.read_length().unwrap(), 100);
        assert!(clen <= 96);

        // 21 bytes compress, 20 never try.
        assert_eq!(encode(|w| w.write_string(&[b'x'; 21]))[0], 0xc3);
        assert_eq!(encode(|w| w.write_string(&[b'x'; 20]))[0], 20);
        // Compression disabled.
        assert_eq!(
            encode_with(false, |w| w.write_string(&long))[..2],
            [0x40, 100]
        );
        // Incompressible data stays raw.
        let noise: Vec<u8> = (0..200u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let enc = encode(|w| w.write_string(&noise));
        assert_eq!(&enc[..2], &[0x40, 200]);
        assert_eq!(RdbReader::from_slice(&enc).read_string().unwrap(), noise);
    }

    #[test]
    fn corrupt_lzf_is_rejected() {
        // Claims 2^32-1 output bytes from a 5-byte blob: rejected without allocating.
        let bytes = [0xc3, 0x05, 0x80, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5];
        let err = RdbReader::from_slice(&bytes).read_string().unwrap_err();
        assert_eq!(err.msg, "Invalid LZF compressed string");
        // Valid blob but wrong uncompressed length.
        let mut enc = encode(|w| w.write_string(&[b'q'; 50]));
        let clen = enc[1] as usize;
        assert_eq!(enc[2], 50);
        enc[2] = 51;
        assert_eq!(enc.len(), 3 + clen);
        let err = RdbReader::from_slice(&enc).read_string().unwrap_err();
        assert_eq!(err.msg, "Invalid LZF compressed string");
        // An uncompressed length of 0 is the empty string (liblzf returns 0 == len).
        assert_eq!(
            RdbReader::from_slice(&[0xc3, 0x01, 0x00, 0x00])
                .read_string()
                .unwrap(),
            b""
        );
    }

    #[test]
    fn huge_claimed_lengths_fail_fast() {
        let bytes = [0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, b'x'];
        // Known input size: rejected before reading.
        let err = RdbReader::from_slice(&bytes).read_string().unwrap_err();
        assert_eq!(err.msg, MSG_EOF);
        // Unknown input size: read in chunks, fails at the real end of input.
        let mut r = RdbReader::new(Trickle(&bytes));
        let err = r.read_string().unwrap_err();
        assert_eq!((err.msg.as_str(), err.offset), (MSG_EOF, 10));
        let mut r = RdbReader::new(Trickle(&bytes));
        assert_eq!(r.skip_string().unwrap_err().msg, MSG_EOF);
        // Element counts used as capacities are capped.
        let r = RdbReader::from_slice(&bytes);
        assert_eq!(r.capacity_hint(u64::MAX), 10);
        assert_eq!(r.capacity_hint(3), 3);
        assert_eq!(RdbReader::new(Trickle(&bytes)).capacity_hint(1 << 40), 4096);
    }

    #[test]
    fn doubles_and_times() {
        for v in [0.0, -0.0, 1.5, -2.25e-300, f64::MAX, f64::INFINITY] {
            let enc = encode(|w| w.write_double_binary(v));
            assert_eq!(enc, v.to_le_bytes());
            let got = RdbReader::from_slice(&enc).read_double_binary().unwrap();
            assert_eq!(got.to_bits(), v.to_bits());
        }
        assert!(
            RdbReader::from_slice(&encode(|w| w.write_double_binary(f64::NAN)))
                .read_double_binary()
                .unwrap()
                .is_nan()
        );
        let f = encode(|w| w.write_float_binary(1.25));
        assert_eq!(RdbReader::from_slice(&f).read_float_binary().unwrap(), 1.25);

        // Old-style text doubles, as rdbSaveDoubleValue writes them.
        let cases: &[(f64, &[u8])] = &[
            (f64::NAN, &[253]),
            (f64::INFINITY, &[254]),
            (f64::NEG_INFINITY, &[255]),
            (3.0, b"\x013"),
            (-0.0, b"\x010"),
            (1.5, b"\x031.5"),
            (0.1, b"\x130.10000000000000001"),
            (4503599627370496.0, b"\x104503599627370496"),
            (1e300, b"\x171.0000000000000001e+300"),
        ];
        for &(v, bytes) in cases {
            assert_eq!(encode(|w| w.write_double_string(v)), bytes, "{}", v);
            let got = RdbReader::from_slice(bytes).read_double_string().unwrap();
            assert!(got == v || (got.is_nan() && v.is_nan()), "{}", v);
        }
        let mut r = RdbReader::from_slice(b"\x03abc");
        assert_eq!(
            r.read_double_string().unwrap_err().msg,
            "Failed reading double value"
        );
        let mut r = RdbReader::from_slice(b"\x031.5\xfe\x02xx");
        r.skip_double_string().unwrap();
        r.skip_double_string().unwrap();
        r.skip_double_string().unwrap();
        assert_eq!(r.offset(), 8);

        let ms = encode(|w| w.write_ms(1_700_000_000_123));
        assert_eq!(ms, 1_700_000_000_123i64.to_le_bytes());
        assert_eq!(
            RdbReader::from_slice(&ms).read_ms().unwrap(),
            1_700_000_000_123
        );
        let secs = 1_700_000_000i32.to_le_bytes();
        assert_eq!(
            RdbReader::from_slice(&secs).read_secs().unwrap(),
            1_700_000_000
        );
    }

    #[test]
    fn g17_matches_printf() {
        // Expected strings from C's printf("%.17g").
        let cases = [
            (0.1, "0.10000000000000001"),
            (1.5, "1.5"),
            (1e300, "1.0000000000000001e+300"),
            (1e-5, "1.0000000000000001e-05"),
            (1.2345678901234568e17, "1.2345678901234568e+17"),
            (1e16, "10000000000000000"),
            (1e17, "1e+17"),
            (0.0001, "0.0001"),
            (2.5e-7, "2.4999999999999999e-07"),
            (-1234.5678, "-1234.5678"),
            (1.0 / 3.0, "0.33333333333333331"),
            (5e-324, "4.9406564584124654e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
        ];
        for (v, s) in cases {
            assert_eq!(format_g17(v), s);
        }
    }

    #[test]
    fn header_versions() {
        for (hdr, ver) in [
            (&b"REDIS0010"[..], 10),
            (b"REDIS0011", 11),
            (b"REDIS0001", 1),
        ] {
            let mut r = RdbReader::from_slice(hdr);
            assert_eq!(r.read_header().unwrap(), ver);
            assert_eq!(r.version(), ver);
        }
        let err = RdbReader::from_slice(b"REDIS0012")
            .read_header()
            .unwrap_err();
        assert_eq!(err.msg, "Can't handle RDB format version 12");
        let err = RdbReader::from_slice(b"REDIS0000")
            .read_header()
            .unwrap_err();
        assert_eq!(err.msg, "Can't handle RDB format version 0");
        let err = RdbReader::from_slice(b"REDIS00x9")
            .read_header()
            .unwrap_err();
        assert_eq!(err.msg, "Can't handle RDB format version 0");
        let err = RdbReader::from_slice(b"REDIX0010")
            .read_header()
            .unwrap_err();
        assert_eq!(err.msg, "Wrong signature trying to load DB from file");
        let err = RdbReader::from_slice(b"REDIS").read_header().unwrap_err();
        assert_eq!(err.msg, MSG_EOF);
        assert_eq!(encode(|w| w.write_header()), b"REDIS0010");
    }

    fn small_file(checksum: bool) -> Vec<u8> {
        let mut w = RdbWriter::new(Vec::new(), checksum, true);
        w.write_header().unwrap();
        w.write_aux(b"redis-ver", b"7.0.15").unwrap();
        w.write_aux(b"redis-bits", b"64").unwrap();
        w.write_selectdb(0).unwrap();
        w.write_resizedb(1, 0).unwrap();
        w.write_u8(RDB_TYPE_STRING).unwrap();
        w.write_string(b"k").unwrap();
        w.write_string(&[b'v'; 40]).unwrap();
        let crc = w.finish().unwrap();
        let n = w.bytes_written();
        let out = w.into_inner().unwrap();
        assert_eq!(n, out.len() as u64);
        let tail: [u8; 8] = out[out.len() - 8..].try_into().unwrap();
        assert_eq!(u64::from_le_bytes(tail), crc);
        out
    }

    fn read_small_file<R: Read>(r: &mut RdbReader<R>) -> RdbResult<bool> {
        r.read_header()?;
        for _ in 0..2 {
            assert_eq!(r.read_u8()?, RDB_OPCODE_AUX);
            r.read_string()?;
            r.read_string()?;
        }
        assert_eq!(r.read_u8()?, RDB_OPCODE_SELECTDB);
        assert_eq!(r.read_length()?, 0);
        assert_eq!(r.read_u8()?, RDB_OPCODE_RESIZEDB);
        assert_eq!((r.read_length()?, r.read_length()?), (1, 0));
        assert_eq!(r.read_u8()?, RDB_TYPE_STRING);
        assert_eq!(r.read_string()?, b"k");
        assert_eq!(r.read_string()?, vec![b'v'; 40]);
        assert_eq!(r.read_u8()?, RDB_OPCODE_EOF);
        r.verify_trailer()
    }

    #[test]
    fn trailer_checksum() {
        let file = small_file(true);
        let crc = crc64(&file[..file.len() - 8]);
        assert_ne!(crc, 0);
        assert_eq!(file[file.len() - 8..], crc.to_le_bytes());
        assert!(read_small_file(&mut RdbReader::from_slice(&file)).unwrap());
        // Same through a reader that delivers 3 bytes at a time.
        let mut r = RdbReader::new(Trickle(&file));
        assert!(read_small_file(&mut r).unwrap());
        assert_eq!(r.offset(), file.len() as u64);

        // A wrong trailer is reported at the trailer's offset.
        let mut bad = file.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        let err = read_small_file(&mut RdbReader::from_slice(&bad)).unwrap_err();
        assert!(
            err.msg.starts_with("Wrong RDB checksum expected: ("),
            "{}",
            err.msg
        );
        assert_eq!(err.offset, (file.len() - 8) as u64);
        // Checking disabled on the reader side.
        let mut r = RdbReader::from_slice(&bad);
        r.disable_checksum();
        assert!(!read_small_file(&mut r).unwrap());

        // Saved with rdbchecksum no: trailer is 0, accepted unchecked.
        let plain = small_file(false);
        assert_eq!(plain[plain.len() - 8..], [0u8; 8]);
        assert!(!read_small_file(&mut RdbReader::from_slice(&plain)).unwrap());
        // Old versions have no trailer.
        let mut r = RdbReader::from_slice(b"");
        r.set_version(4);
        assert!(!r.verify_trailer().unwrap());
    }

    #[test]
    fn large_values_and_leftover_bytes() {
        // Bigger than the internal buffers; pseudo-random so LZF does not shrink it.
        let mut x: u32 = 1;
        let big: Vec<u8> = (0..300_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        let mut w = RdbWriter::new(Vec::new(), true, true);
        w.write_header().unwrap();
        w.write_string(b"small").unwrap();
        w.write_string(&big).unwrap();
        w.write_string(&vec![b'z'; 200_000]).unwrap();
        w.finish().unwrap();
        let mut file = w.into_inner().unwrap();
        file.extend_from_slice(b"+OK\r\n");

        let mut r = RdbReader::new(&file[..]);
        r.read_header().unwrap();
        assert_eq!(r.read_string().unwrap(), b"small");
        assert_eq!(r.read_string().unwrap(), big);
        r.skip_string().unwrap();
        assert_eq!(r.read_u8().unwrap(), RDB_OPCODE_EOF);
        assert!(r.verify_trailer().unwrap());
        let (_, rest) = r.into_parts();
        assert_eq!(rest, b"+OK\r\n");
    }

    #[test]
    fn dump_payload_footer() {
        let body = encode(|w| {
            w.write_u8(RDB_TYPE_STRING)?;
            w.write_string(b"hello")
        });
        let payload = create_dump_payload(&body);
        assert_eq!(payload.len(), body.len() + 10);
        assert_eq!(payload[body.len()..body.len() + 2], [10, 0]);
        assert_eq!(dump_payload_version(&payload), Some(10));
        assert_eq!(verify_dump_payload(&payload, false), Ok(&body[..]));

        let mut bad = payload.clone();
        bad[1] ^= 0x20;
        assert_eq!(verify_dump_payload(&bad, false), Err(()));
        assert_eq!(verify_dump_payload(&bad, true), Ok(&bad[..body.len()]));
        // Version 11 is refused by 7.0 even with a matching CRC.
        let mut v11 = body.clone();
        v11.extend_from_slice(&11u16.to_le_bytes());
        let crc = crc64(&v11);
        v11.extend_from_slice(&crc.to_le_bytes());
        assert_eq!(verify_dump_payload(&v11, false), Err(()));
        assert_eq!(verify_dump_payload(&v11, true), Err(()));
        assert_eq!(verify_dump_payload(&payload[..9], true), Err(()));
        // A footer alone (empty body) is structurally valid.
        assert_eq!(
            verify_dump_payload(&create_dump_payload(b""), false),
            Ok(&b""[..])
        );
    }
}
