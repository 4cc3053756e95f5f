//! Listpack: Redis 7.0's compact sequence of strings and integers, byte-exact with `listpack.c`.
//!
//! Layout: `total-bytes: u32 LE`, `num-elements: u16 LE` (65535 = unknown, count by walking), the
//! entries, then the terminator `0xFF`. Each entry is an encoding byte (plus length bytes), the
//! data, then a "backlen" (the entry's encoded size written backwards, 1-5 bytes) so the list can
//! be walked from either end. A string that reads as an integer under [`string_to_i64`]
//! (`lpStringToInt64`) is always stored as an integer, in the smallest of the 7/13/16/24/32/64-bit
//! forms, exactly as Redis does; so the bytes this module produces are the bytes Redis produces
//! for the same sequence of operations.
//!
//! API: [`Listpack`] owns the bytes (`as_bytes` is the RDB payload of types 16/17 and of each
//! packed node of type 18). Positions are byte offsets into the blob, as returned by
//! [`Listpack::first`], [`Listpack::next`], [`Listpack::seek`] and the mutators; a mutation
//! invalidates every position except the one it returns. [`Listpack::from_bytes`] (and the free
//! [`validate`]) apply Redis's deep integrity check (`lpValidateIntegrity`, deep=1), so a value
//! built from untrusted bytes is structurally sound and the accessors never go out of bounds.
//!
//! Callers: the small list/hash/zset encodings in `types`, and `persistence::rdb` (encode/decode).

use std::collections::HashSet;
use std::fmt;

/// Header: 32-bit total length + 16-bit element count.
pub const HDR_SIZE: usize = 6;
/// Header count meaning "too many to store here, walk to count".
pub const NUMELE_UNKNOWN: u16 = u16::MAX;
/// Redis refuses to grow a listpack beyond this (`LISTPACK_MAX_SAFETY_SIZE`); see [`Listpack::safe_to_add`].
pub const MAX_SAFETY_SIZE: usize = 1 << 30;
const EOF: u8 = 0xFF;

/// A blob failed its integrity check. Shared by the listpack, intset, ziplist and zipmap decoders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlobError {
    /// Which format was being checked ("listpack", "intset", "ziplist", "zipmap").
    pub format: &'static str,
    /// Byte offset in the blob where the problem was found.
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for BlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "corrupt {} at offset {}: {}",
            self.format, self.offset, self.reason
        )
    }
}

impl std::error::Error for BlobError {}

/// The listpack flavour of [`BlobError`].
pub type LpError = BlobError;

fn corrupt(offset: usize, reason: &'static str) -> BlobError {
    BlobError {
        format: "listpack",
        offset,
        reason,
    }
}

/// One element as stored: an integer or a byte string borrowed from the blob.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LpEntry<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl<'a> LpEntry<'a> {
    /// The element as Redis returns it to clients (integers in decimal).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }

    /// Appends the client-visible bytes of the element to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        match *self {
            LpEntry::Str(s) => out.extend_from_slice(s),
            LpEntry::Int(v) => out.extend_from_slice(v.to_string().as_bytes()),
        }
    }

    /// True when the element's client-visible bytes equal `s` (what `lpCompare` decides).
    pub fn eq_bytes(&self, s: &[u8]) -> bool {
        match *self {
            LpEntry::Str(x) => x == s,
            // Integers are canonical decimal, and `string_to_i64` only accepts canonical text.
            LpEntry::Int(v) => string_to_i64(s) == Some(v),
        }
    }

    pub fn to_owned_entry(&self) -> OwnedEntry {
        match *self {
            LpEntry::Int(v) => OwnedEntry::Int(v),
            LpEntry::Str(s) => OwnedEntry::Str(s.to_vec()),
        }
    }
}

impl PartialEq<[u8]> for LpEntry<'_> {
    fn eq(&self, other: &[u8]) -> bool {
        self.eq_bytes(other)
    }
}

impl PartialEq<&[u8]> for LpEntry<'_> {
    fn eq(&self, other: &&[u8]) -> bool {
        self.eq_bytes(other)
    }
}

/// An owned [`LpEntry`], for decoders that copy elements out of a blob.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnedEntry {
    Int(i64),
    Str(Vec<u8>),
}

impl OwnedEntry {
    pub fn as_entry(&self) -> LpEntry<'_> {
        match self {
            OwnedEntry::Int(v) => LpEntry::Int(*v),
            OwnedEntry::Str(s) => LpEntry::Str(s),
        }
    }
}

/// `lpStringToInt64`: parse `s` as a canonical signed 64-bit decimal (no spaces, no `+`, no
/// leading zeros, no `-0`). Only strings accepted here are stored with an integer encoding.
pub fn string_to_i64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [] => return None,
        [b'0'] => return Some(0),
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits.first() {
        Some(b'1'..=b'9') => {}
        _ => return None,
    }
    let mut v: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if v > 1u64 << 63 {
            return None;
        }
        Some((v as i64).wrapping_neg())
    } else {
        i64::try_from(v).ok()
    }
}

/// Where [`Listpack::insert`] puts the new element relative to the given position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    Before,
    After,
}

// ---------------------------------------------------------------------------------------------
// Entry encoding

/// Encoding + data of an integer (`lpEncodeIntegerGetType`); returns the used length of `buf`.
fn encode_int(v: i64, buf: &mut [u8; 9]) -> usize {
    if (0..=127).contains(&v) {
        buf[0] = v as u8;
        1
    } else if (-4096..=4095).contains(&v) {
        let u = if v < 0 { (1i64 << 13) + v } else { v } as u64;
        buf[0] = ((u >> 8) as u8) | 0xC0;
        buf[1] = u as u8;
        2
    } else if (-32768..=32767).contains(&v) {
        buf[0] = 0xF1;
        buf[1..3].copy_from_slice(&(v as i16).to_le_bytes());
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        buf[0] = 0xF2;
        buf[1..4].copy_from_slice(&(v as i32).to_le_bytes()[..3]);
        4
    } else if (-2_147_483_648..=2_147_483_647).contains(&v) {
        buf[0] = 0xF3;
        buf[1..5].copy_from_slice(&(v as i32).to_le_bytes());
        5
    } else {
        buf[0] = 0xF4;
        buf[1..9].copy_from_slice(&v.to_le_bytes());
        9
    }
}

/// Size of encoding + data of `e` once stored (strings that look like integers become integers).
fn encoded_len(e: LpEntry<'_>) -> usize {
    match normalize(e) {
        LpEntry::Int(v) => encode_int(v, &mut [0; 9]),
        LpEntry::Str(s) if s.len() < 64 => 1 + s.len(),
        LpEntry::Str(s) if s.len() < 4096 => 2 + s.len(),
        LpEntry::Str(s) => 5 + s.len(),
    }
}

/// A string that `string_to_i64` accepts is stored as that integer.
fn normalize(e: LpEntry<'_>) -> LpEntry<'_> {
    match e {
        LpEntry::Str(s) => string_to_i64(s).map_or(e, LpEntry::Int),
        int => int,
    }
}

/// Bytes needed for the backlen of an entry of encoded size `l` (`lpEncodeBacklen`).
fn backlen_size(l: u64) -> usize {
    if l <= 127 {
        1
    } else if l < 16383 {
        2
    } else if l < 2_097_151 {
        3
    } else if l < 268_435_455 {
        4
    } else {
        5
    }
}

fn write_backlen(out: &mut Vec<u8>, l: u64) {
    let n = backlen_size(l);
    // Most significant 7-bit group first; every byte but the first carries the 0x80 flag.
    for i in (0..n).rev() {
        let group = ((l >> (7 * i)) & 127) as u8;
        out.push(if i == n - 1 { group } else { group | 128 });
    }
}

/// Appends the full entry (encoding, data, backlen) for `e` to `out`.
fn encode_entry(e: LpEntry<'_>, out: &mut Vec<u8>) {
    let start = out.len();
    match normalize(e) {
        LpEntry::Int(v) => {
            let mut buf = [0u8; 9];
            let n = encode_int(v, &mut buf);
            out.extend_from_slice(&buf[..n]);
        }
        LpEntry::Str(s) => {
            let len = s.len();
            if len < 64 {
                out.push(0x80 | len as u8);
            } else if len < 4096 {
                out.push(0xE0 | (len >> 8) as u8);
                out.push(len as u8);
            } else {
                out.push(0xF0);
                out.extend_from_slice(&(len as u32).to_le_bytes());
            }
            out.extend_from_slice(s);
        }
    }
    let enclen = (out.len() - start) as u64;
    write_backlen(out, enclen);
}

/// Bytes of the encoding header (encoding byte + length bytes), 0 for an invalid encoding
/// (`lpCurrentEncodedSizeBytes`).
fn header_size(b: u8) -> usize {
    match b {
        0x00..=0x7F => 1, // 7-bit uint
        0x80..=0xBF => 1, // 6-bit str
        0xC0..=0xDF => 1, // 13-bit int
        0xE0..=0xEF => 2, // 12-bit str
        0xF0 => 5,        // 32-bit str
        0xF1..=0xF4 => 1, // 16/24/32/64-bit int
        EOF => 1,
        _ => 0,
    }
}

/// Encoding + data size of the entry whose header is `h` (at least `header_size` bytes),
/// `lpCurrentEncodedSizeUnsafe`. Invalid encodings give 0.
fn entry_size(h: &[u8]) -> u64 {
    let b = h[0];
    match b {
        0x00..=0x7F => 1,
        0x80..=0xBF => 1 + u64::from(b & 0x3F),
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 2 + ((u64::from(b & 0x0F) << 8) | u64::from(h[1])),
        0xF0 => 5 + u64::from(u32::from_le_bytes([h[1], h[2], h[3], h[4]])),
        0xF1 => 3,
        0xF2 => 4,
        0xF3 => 5,
        0xF4 => 9,
        EOF => 1,
        _ => 0,
    }
}

/// `lpDecodeBacklen`: reads the backlen whose last byte is at `at`, walking backwards.
fn decode_backlen(buf: &[u8], at: usize) -> Option<u64> {
    let mut val: u64 = 0;
    let mut shift = 0;
    let mut i = at;
    loop {
        let b = *buf.get(i)?;
        val |= u64::from(b & 127) << shift;
        if b & 128 == 0 {
            return Some(val);
        }
        shift += 7;
        if shift > 28 {
            return None;
        }
        i = i.checked_sub(1)?;
    }
}

/// Decodes the entry at `p` of a structurally valid listpack (`lpGet`).
fn decode_entry(buf: &[u8], p: usize) -> LpEntry<'_> {
    decode_sized(buf, p).0
}

/// The entry at `p` of a structurally valid listpack and its encoded size (backlen not
/// included): one decode for forward walks.
#[inline(always)]
fn decode_sized(buf: &[u8], p: usize) -> (LpEntry<'_>, usize) {
    let b = buf[p];
    let le = |n: usize| -> u64 {
        let mut v = 0u64;
        for i in 0..n {
            v |= u64::from(buf[p + 1 + i]) << (8 * i);
        }
        v
    };
    // Sign-extend the low `bits` bits of `u`.
    let signed = |u: u64, bits: u32| -> i64 { ((u << (64 - bits)) as i64) >> (64 - bits) };
    match b {
        0x00..=0x7F => (LpEntry::Int(i64::from(b)), 1),
        0x80..=0xBF => {
            let len = usize::from(b & 0x3F);
            (LpEntry::Str(&buf[p + 1..p + 1 + len]), 1 + len)
        }
        0xC0..=0xDF => {
            let u = (u64::from(b & 0x1F) << 8) | u64::from(buf[p + 1]);
            (LpEntry::Int(signed(u, 13)), 2)
        }
        0xE0..=0xEF => {
            let len = (usize::from(b & 0x0F) << 8) | usize::from(buf[p + 1]);
            (LpEntry::Str(&buf[p + 2..p + 2 + len]), 2 + len)
        }
        0xF0 => {
            let len = le(4) as usize;
            (LpEntry::Str(&buf[p + 5..p + 5 + len]), 5 + len)
        }
        0xF1 => (LpEntry::Int(signed(le(2), 16)), 3),
        0xF2 => (LpEntry::Int(signed(le(3), 24)), 4),
        0xF3 => (LpEntry::Int(signed(le(4), 32)), 5),
        0xF4 => (LpEntry::Int(le(8) as i64), 9),
        // Unreachable in a validated listpack; Redis returns this marker value too.
        _ => (LpEntry::Int(12_345_678_900_000_000 + i64::from(b)), 1),
    }
}

/// Backward walk over the bytes of a listpack (`lpPrev`): the position of the element before
/// `pos` (an element position or the EOF byte's), `None` at the start.
pub fn prev_pos(buf: &[u8], pos: usize) -> Option<usize> {
    if pos <= HDR_SIZE {
        return None;
    }
    let prevlen = decode_backlen(buf, pos - 1)?;
    let total = prevlen as usize + backlen_size(prevlen);
    pos.checked_sub(total).filter(|&p| p >= HDR_SIZE)
}

/// Forward walk over the bytes of a listpack: the entry at `pos` and the position of the
/// next one, `None` when `pos` was the last (`lpGet` + `lpNext` with one decode). `pos` must
/// be an entry position of this listpack.
#[inline]
pub fn entry_and_next(buf: &[u8], pos: usize) -> (LpEntry<'_>, Option<usize>) {
    let (e, size) = decode_sized(buf, pos);
    let next = pos + size + backlen_size(size as u64);
    (e, (buf[next] != EOF).then_some(next))
}

// ---------------------------------------------------------------------------------------------
// Validation

fn read_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

/// `lpValidateNext`: validates the entry at `p` and returns the offset of the next one.
fn validate_next(buf: &[u8], p: usize) -> Result<usize, BlobError> {
    let last = buf.len() - 1; // offset of the terminator
    let hsize = header_size(buf[p]);
    if hsize == 0 {
        return Err(corrupt(p, "invalid entry encoding"));
    }
    if p + hsize > last {
        return Err(corrupt(p, "entry header out of range"));
    }
    let size = entry_size(&buf[p..]);
    let blen = backlen_size(size) as u64;
    let total = size + blen;
    if p as u64 + total > last as u64 {
        return Err(corrupt(p, "entry out of range"));
    }
    let next = p + total as usize;
    match decode_backlen(buf, next - 1) {
        Some(prev) if prev + blen == total => Ok(next),
        _ => Err(corrupt(next - 1, "backlen does not match entry size")),
    }
}

/// Redis's deep listpack check (`lpValidateIntegrity` with deep=1); returns the element count.
/// Never panics, whatever `buf` holds.
pub fn validate(buf: &[u8]) -> Result<usize, BlobError> {
    if buf.len() < HDR_SIZE + 1 {
        return Err(corrupt(0, "shorter than header"));
    }
    if read_u32(buf, 0) as usize != buf.len() {
        return Err(corrupt(0, "total bytes does not match blob size"));
    }
    if buf[buf.len() - 1] != EOF {
        return Err(corrupt(buf.len() - 1, "missing terminator"));
    }
    let mut count = 0usize;
    let mut p = HDR_SIZE;
    while buf[p] != EOF {
        p = validate_next(buf, p)?;
        count += 1;
    }
    if p != buf.len() - 1 {
        return Err(corrupt(p, "terminator before end of blob"));
    }
    let numele = u16::from_le_bytes([buf[4], buf[5]]);
    if numele != NUMELE_UNKNOWN && usize::from(numele) != count {
        return Err(corrupt(4, "element count does not match header"));
    }
    Ok(count)
}

// ---------------------------------------------------------------------------------------------
// The listpack

/// An owned listpack blob. Invariant: the bytes always pass [`validate`].
#[derive(Clone, PartialEq, Eq)]
pub struct Listpack(Vec<u8>);

impl Default for Listpack {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Listpack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Listpack {
    /// An empty listpack (`lpNew`): 7 bytes.
    pub fn new() -> Self {
        let mut v = Vec::with_capacity(HDR_SIZE + 1);
        v.extend_from_slice(&7u32.to_le_bytes());
        v.extend_from_slice(&0u16.to_le_bytes());
        v.push(EOF);
        Listpack(v)
    }

    /// An empty listpack with room for `bytes` bytes, so that filling it reallocates nothing.
    pub fn with_capacity(bytes: usize) -> Self {
        let mut lp = Listpack::new();
        lp.0.reserve_exact(bytes.saturating_sub(lp.0.len()));
        lp
    }

    /// Takes back the bytes of a listpack this process built (its [`Listpack::as_bytes`],
    /// kept elsewhere meanwhile), without checking them again.
    pub fn from_trusted(bytes: Vec<u8>) -> Self {
        debug_assert!(validate(&bytes).is_ok(), "not a listpack");
        Listpack(bytes)
    }

    /// Gives back the room reserved beyond the blob (`lpShrinkToFit`).
    pub fn shrink_to_fit(&mut self) {
        self.0.shrink_to_fit();
    }

    /// Takes ownership of a blob (e.g. from an RDB file) after Redis's deep integrity check.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, LpError> {
        validate(&bytes)?;
        Ok(Listpack(bytes))
    }

    /// The raw blob, exactly as Redis would serialize it.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// Total size of the blob in bytes (`lpBytes`).
    pub fn bytes_len(&self) -> usize {
        self.0.len()
    }

    /// Number of elements (`lpLength`); walks the entries when the header says "unknown".
    pub fn len(&self) -> usize {
        match self.header_count() {
            NUMELE_UNKNOWN => self.iter().count(),
            n => usize::from(n),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0[HDR_SIZE] == EOF
    }

    /// Whether growing the blob by `add` bytes stays under Redis's safety limit (`lpSafeToAdd`).
    pub fn safe_to_add(&self, add: usize) -> bool {
        self.0.len().saturating_add(add) <= MAX_SAFETY_SIZE
    }

    fn header_count(&self) -> u16 {
        u16::from_le_bytes([self.0[4], self.0[5]])
    }

    fn set_header(&mut self, count: u16) {
        let total = u32::try_from(self.0.len()).expect("listpack larger than 4 GiB");
        self.0[0..4].copy_from_slice(&total.to_le_bytes());
        self.0[4..6].copy_from_slice(&count.to_le_bytes());
    }

    fn eof_pos(&self) -> usize {
        self.0.len() - 1
    }

    /// Offset just past the entry at `p` (`lpSkip`).
    fn skip(&self, p: usize) -> usize {
        let size = entry_size(&self.0[p..]);
        p + (size as usize) + backlen_size(size)
    }

    /// Position of the first element.
    pub fn first(&self) -> Option<usize> {
        (self.0[HDR_SIZE] != EOF).then_some(HDR_SIZE)
    }

    /// Position of the last element.
    pub fn last(&self) -> Option<usize> {
        self.prev(self.eof_pos())
    }

    /// Position of the element after `pos`, `None` at the end.
    pub fn next(&self, pos: usize) -> Option<usize> {
        let p = self.skip(pos);
        (self.0[p] != EOF).then_some(p)
    }

    /// Position of the element before `pos`, `None` at the start.
    pub fn prev(&self, pos: usize) -> Option<usize> {
        prev_pos(&self.0, pos)
    }

    /// The element at `pos` (a position returned by this listpack).
    pub fn get(&self, pos: usize) -> LpEntry<'_> {
        decode_entry(&self.0, pos)
    }

    /// Position of the element at `index` (`lpSeek`); negative indexes count from the tail.
    pub fn seek(&self, index: i64) -> Option<usize> {
        let numele = self.header_count();
        let mut index = index;
        let forward = if numele != NUMELE_UNKNOWN {
            let n = i64::from(numele);
            if index < 0 {
                index += n;
            }
            if index < 0 || index >= n {
                return None;
            }
            if index > n / 2 {
                index -= n;
                false
            } else {
                true
            }
        } else {
            index >= 0
        };
        if forward {
            let mut p = self.first();
            while index > 0 {
                p = self.next(p?);
                index -= 1;
            }
            p
        } else {
            let mut p = self.last();
            while index < -1 {
                p = self.prev(p?);
                index += 1;
            }
            p
        }
    }

    /// Elements from head to tail.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            lp: self,
            pos: self.first(),
        }
    }

    /// Elements from tail to head.
    pub fn iter_rev(&self) -> RevIter<'_> {
        RevIter {
            lp: self,
            pos: self.last(),
        }
    }

    // -- mutation ---------------------------------------------------------------------------

    /// Inserts the encoded `e` at byte offset `at` (an element or the terminator) and returns `at`.
    /// Contract: the caller keeps the blob under 4 GiB (see [`Listpack::safe_to_add`]).
    fn insert_at(&mut self, at: usize, e: LpEntry<'_>) -> usize {
        let mut enc = Vec::with_capacity(encoded_len(e) + 5);
        encode_entry(e, &mut enc);
        self.0.reserve_exact(enc.len());
        self.0.splice(at..at, enc);
        let n = self.header_count();
        // 65534 + 1 naturally becomes "unknown", as in Redis.
        self.set_header(if n == NUMELE_UNKNOWN { n } else { n + 1 });
        at
    }

    /// Inserts `value` before or after the element at `pos`; returns the new element's position.
    pub fn insert(&mut self, pos: usize, place: Where, value: &[u8]) -> usize {
        self.insert_entry(pos, place, LpEntry::Str(value))
    }

    /// Like [`Listpack::insert`] for an already-typed element.
    pub fn insert_entry(&mut self, pos: usize, place: Where, e: LpEntry<'_>) -> usize {
        let at = match place {
            Where::Before => pos,
            Where::After => self.skip(pos),
        };
        self.insert_at(at, e)
    }

    /// Appends `value` (`lpAppend`); returns its position.
    pub fn push_back(&mut self, value: &[u8]) -> usize {
        self.insert_at(self.eof_pos(), LpEntry::Str(value))
    }

    /// Prepends `value` (`lpPrepend`); returns its position.
    pub fn push_front(&mut self, value: &[u8]) -> usize {
        self.insert_at(HDR_SIZE, LpEntry::Str(value))
    }

    /// Appends an integer (`lpAppendInteger`); returns its position.
    pub fn push_int(&mut self, v: i64) -> usize {
        self.insert_at(self.eof_pos(), LpEntry::Int(v))
    }

    /// Appends an element of either kind; returns its position.
    pub fn push_entry(&mut self, e: LpEntry<'_>) -> usize {
        self.insert_at(self.eof_pos(), e)
    }

    /// Replaces the element at `pos` with `value` (`lpReplace`); returns its position (`pos`).
    pub fn replace(&mut self, pos: usize, value: &[u8]) -> usize {
        self.replace_entry(pos, LpEntry::Str(value))
    }

    /// Like [`Listpack::replace`] for an already-typed element.
    pub fn replace_entry(&mut self, pos: usize, e: LpEntry<'_>) -> usize {
        let end = self.skip(pos);
        let mut enc = Vec::with_capacity(encoded_len(e) + 5);
        encode_entry(e, &mut enc);
        if enc.len() > end - pos {
            self.0.reserve_exact(enc.len() - (end - pos));
        }
        let shrinks = enc.len() < end - pos;
        self.0.splice(pos..end, enc);
        if shrinks {
            self.0.shrink_to_fit();
        }
        let n = self.header_count();
        self.set_header(n);
        pos
    }

    /// Removes the element at `pos` (`lpDelete`); returns the position of the element that
    /// followed it (now at `pos`), or `None` if it was the last.
    pub fn delete(&mut self, pos: usize) -> Option<usize> {
        let end = self.skip(pos);
        self.0.drain(pos..end);
        self.0.shrink_to_fit();
        let n = self.header_count();
        self.set_header(if n == NUMELE_UNKNOWN { n } else { n - 1 });
        (self.0[pos] != EOF).then_some(pos)
    }

    /// Removes `count` elements starting at `index` (negative from the tail), like
    /// `lpDeleteRange`; returns how many were removed.
    pub fn delete_range(&mut self, index: i64, count: usize) -> usize {
        if count == 0 {
            return 0;
        }
        let Some(first) = self.seek(index) else {
            return 0;
        };
        let numele = self.header_count();
        let mut tail = first;
        let mut deleted = 0usize;
        while deleted < count && self.0[tail] != EOF {
            tail = self.skip(tail);
            deleted += 1;
        }
        self.0.drain(first..tail);
        self.0.shrink_to_fit();
        let n = if numele == NUMELE_UNKNOWN {
            numele
        } else {
            numele - deleted as u16
        };
        self.set_header(n);
        deleted
    }

    /// `lpFind`: from `start`, compares every `skip + 1`-th element with `value` and returns the
    /// position of the first match. With `skip = 1` on a field/value listpack this finds a field.
    pub fn find(&self, start: usize, value: &[u8], skip: usize) -> Option<usize> {
        let as_int = if value.len() < 32 {
            string_to_i64(value)
        } else {
            None
        };
        let mut p = Some(start);
        let mut skipcnt = 0usize;
        while let Some(pos) = p {
            if skipcnt == 0 {
                let hit = match self.get(pos) {
                    LpEntry::Str(s) => s == value,
                    LpEntry::Int(v) => as_int == Some(v),
                };
                if hit {
                    return Some(pos);
                }
                skipcnt = skip;
            } else {
                skipcnt -= 1;
            }
            p = self.next(pos);
        }
        None
    }

    /// The extra RDB load check for hashes and zsets (`lpValidateIntegrityAndDups` with
    /// pairs=1): an even number of elements and no repeated field/member. With `pairs = false`
    /// every element must be unique.
    pub fn check_unique(&self, pairs: bool) -> bool {
        let mut seen = HashSet::new();
        for (i, e) in self.iter().enumerate() {
            if pairs && i % 2 == 1 {
                continue;
            }
            if !seen.insert(e.to_bytes()) {
                return false;
            }
        }
        !pairs || self.len().is_multiple_of(2)
    }
}

/// Forward iterator over a listpack's elements.
pub struct Iter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = LpEntry<'a>;
    fn next(&mut self) -> Option<LpEntry<'a>> {
        let p = self.pos?;
        self.pos = self.lp.next(p);
        Some(self.lp.get(p))
    }
}

/// Backward iterator over a listpack's elements.
pub struct RevIter<'a> {
    lp: &'a Listpack,
    pos: Option<usize>,
}

impl<'a> Iterator for RevIter<'a> {
    type Item = LpEntry<'a>;
    fn next(&mut self) -> Option<LpEntry<'a>> {
        let p = self.pos?;
        self.pos = self.lp.prev(p);
        Some(self.lp.get(p))
    }
}

impl<'a> IntoIterator for &'a Listpack {
    type Item = LpEntry<'a>;
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::{Rng, SeedableRng};

    #[test]
    fn with_capacity_is_empty_and_keeps_room() {
        let mut lp = Listpack::with_capacity(8000);
        assert_eq!(lp, Listpack::new());
        assert!(lp.0.capacity() >= 8000);
        let p = lp.0.as_ptr();
        for i in 0..500u32 {
            lp.push_back(format!("v{i}").as_bytes());
        }
        assert_eq!(lp.len(), 500);
        assert_eq!(
            lp.0.as_ptr(),
            p,
            "filling within the reserved room reallocates nothing"
        );
    }

    /// Parses "hex [xx*N] hex ..." where `[xx*N]` is byte 0xxx repeated N times.
    pub(crate) fn unhex(spec: &str) -> Vec<u8> {
        let mut out = Vec::new();
        for tok in spec.split_whitespace() {
            if let Some(run) = tok.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
                let (b, n) = run.split_once('*').unwrap();
                let b = u8::from_str_radix(b, 16).unwrap();
                out.extend(std::iter::repeat_n(b, n.parse().unwrap()));
            } else {
                assert!(tok.len() % 2 == 0, "odd hex {tok}");
                for i in (0..tok.len()).step_by(2) {
                    out.push(u8::from_str_radix(&tok[i..i + 2], 16).unwrap());
                }
            }
        }
        out
    }

    fn lp_of(items: &[&[u8]]) -> Listpack {
        let mut lp = Listpack::new();
        for it in items {
            lp.push_back(it);
        }
        lp
    }

    fn owned(lp: &Listpack) -> Vec<Vec<u8>> {
        lp.iter().map(|e| e.to_bytes()).collect()
    }

    /// Entry bytes (without header/terminator) of a one-element listpack holding `v`.
    fn entry_bytes(v: &[u8]) -> Vec<u8> {
        let lp = lp_of(&[v]);
        let b = lp.as_bytes();
        b[HDR_SIZE..b.len() - 1].to_vec()
    }

    #[test]
    fn string_to_i64_is_strict() {
        assert_eq!(string_to_i64(b"0"), Some(0));
        assert_eq!(string_to_i64(b"-1"), Some(-1));
        assert_eq!(string_to_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(string_to_i64(b"-9223372036854775808"), Some(i64::MIN));
        for bad in [
            &b""[..],
            b"-",
            b"-0",
            b"00",
            b"01",
            b"+1",
            b" 1",
            b"1 ",
            b"1a",
            b"9223372036854775808",
            b"-9223372036854775809",
            b"99999999999999999999999",
        ] {
            assert_eq!(string_to_i64(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn empty_listpack() {
        let lp = Listpack::new();
        assert_eq!(lp.as_bytes(), unhex("0700000000 00ff"));
        assert_eq!(lp.len(), 0);
        assert!(lp.is_empty());
        assert_eq!(lp.first(), None);
        assert_eq!(lp.last(), None);
        assert_eq!(lp.seek(0), None);
        assert_eq!(lp.seek(-1), None);
        assert_eq!(Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap(), lp);
    }

    #[test]
    fn integer_encoding_boundaries() {
        let cases: &[(i64, &str)] = &[
            (0, "00 01"),
            (127, "7f 01"),
            (128, "c080 02"),
            (-1, "dfff 02"),
            (4095, "cfff 02"),
            (4096, "f10010 03"),
            (-4096, "d000 02"),
            (-4097, "f1ffef 03"),
            (32767, "f1ff7f 03"),
            (32768, "f2008000 04"),
            (-32768, "f10080 03"),
            (-32769, "f2ff7fff 04"),
            (8388607, "f2ffff7f 04"),
            (8388608, "f300008000 05"),
            (-8388608, "f2000080 04"),
            (-8388609, "f3ffff7fff 05"),
            (2147483647, "f3ffffff7f 05"),
            (2147483648, "f40000008000000000 09"),
            (-2147483648, "f300000080 05"),
            (-2147483649, "f4ffffff7fffffffff 09"),
            (i64::MAX, "f4ffffffffffffff7f 09"),
            (i64::MIN, "f40000000000000080 09"),
        ];
        for &(v, hex) in cases {
            let s = v.to_string();
            assert_eq!(entry_bytes(s.as_bytes()), unhex(hex), "value {v}");
            let mut lp = Listpack::new();
            lp.push_int(v);
            assert_eq!(lp.get(lp.first().unwrap()), LpEntry::Int(v));
            assert_eq!(lp.as_bytes(), lp_of(&[s.as_bytes()]).as_bytes());
            assert!(lp.get(lp.first().unwrap()) == s.as_bytes());
        }
    }

    #[test]
    fn string_encoding_boundaries() {
        // 6-bit up to 63 bytes, 12-bit up to 4095, then 32-bit; backlen of the encoded size.
        let s = |n: usize| vec![b'x'; n];
        assert_eq!(entry_bytes(b""), unhex("80 01"));
        assert_eq!(entry_bytes(&s(63)), unhex("bf [78*63] 40"));
        assert_eq!(entry_bytes(&s(64)), unhex("e040 [78*64] 42"));
        assert_eq!(entry_bytes(&s(4095)), unhex("efff [78*4095] 2081"));
        assert_eq!(entry_bytes(&s(4096)), unhex("f000100000 [78*4096] 2085"));
        // Backlen: encoded size 127 -> 1 byte, 128 -> 2 bytes, 16382 -> 2, 16383 -> 3,
        // 2097150 -> 3, 2097151 -> 4.
        assert_eq!(entry_bytes(&s(125)), unhex("e07d [78*125] 7f"));
        assert_eq!(entry_bytes(&s(126)), unhex("e07e [78*126] 0180"));
        assert_eq!(entry_bytes(&s(16377)), unhex("f0f93f0000 [78*16377] 7ffe"));
        assert_eq!(
            entry_bytes(&s(16378)),
            unhex("f0fa3f0000 [78*16378] 00ffff")
        );
        let e = entry_bytes(&s(2097145));
        assert_eq!(e[..5], unhex("f0f9ff1f00")[..]);
        assert_eq!(e[e.len() - 3..], unhex("7ffffe")[..]);
        let e = entry_bytes(&s(2097146));
        assert_eq!(e[e.len() - 4..], unhex("00ffffff")[..]);
        // Walking backwards over every size class works.
        let sizes = [
            0usize, 63, 64, 125, 126, 4095, 4096, 16377, 16378, 2097145, 2097146,
        ];
        let mut lp = Listpack::new();
        for &n in &sizes {
            lp.push_back(&s(n));
        }
        let back: Vec<usize> = lp.iter_rev().map(|e| e.to_bytes().len()).collect();
        let mut want = sizes.to_vec();
        want.reverse();
        assert_eq!(back, want);
        assert_eq!(validate(lp.as_bytes()), Ok(sizes.len()));
    }

    #[test]
    fn non_canonical_numbers_stay_strings() {
        for v in [
            &b"007"[..],
            b"-0",
            b"+1",
            b" 1",
            b"1.0",
            b"9223372036854775808",
        ] {
            let lp = lp_of(&[v]);
            assert_eq!(lp.get(lp.first().unwrap()), LpEntry::Str(v));
        }
    }

    // Blobs below were produced by Redis 7.0.15 (`CONFIG SET rdbcompression no`, `DUMP`,
    // listpack/intset payload extracted from the RDB string). `[xx*N]` is a run of N bytes xx.
    const H1: &str = "5f0000001a0081610201018162028568656c6c6f06816302dffb028164027f01816502c08002\
        816602cfff02816702f1001003816802d00002816902f1ffef03816a02f1ff7f03816b02f200800004816c02\
        f1008003816d02f2ff7fff04ff";
    const H2: &str = "550000001000816e02f2ffff7f04816f02f30000800005817002f200008004817102f3ffff7f\
        ff05817202f3ffffff7f05817302f4000000800000000009817402f30000008005817502f4ffffff7fffffff\
        ff09ff";
    const H3: &str = "800000001600817602f4ffffffffffffff7f09817702f4000000000000008009817802933932\
        323333373230333638353437373538303814817902942d3932323333373230333638353437373538303915\
        817a02833030370482793203822d3003816502800100010001816d02dfff02817002822b3103827370038220\
        3103ff";

    fn pairs(spec: &[(&str, &str)]) -> Vec<Vec<u8>> {
        spec.iter()
            .flat_map(|(k, v)| [k.as_bytes().to_vec(), v.as_bytes().to_vec()])
            .collect()
    }

    fn check_golden(hex: &str, items: &[Vec<u8>]) {
        let want = unhex(hex);
        let mut lp = Listpack::new();
        for it in items {
            lp.push_back(it);
        }
        assert_eq!(lp.as_bytes(), &want[..]);
        let decoded = Listpack::from_bytes(want).unwrap();
        assert_eq!(&owned(&decoded), items);
        assert_eq!(decoded.len(), items.len());
    }

    #[test]
    fn golden_hash_integers() {
        // HSET h1 a 1 b hello c -5 d 127 e 128 f 4095 g 4096 h -4096 i -4097 j 32767 k 32768
        //         l -32768 m -32769
        let h1 = pairs(&[
            ("a", "1"),
            ("b", "hello"),
            ("c", "-5"),
            ("d", "127"),
            ("e", "128"),
            ("f", "4095"),
            ("g", "4096"),
            ("h", "-4096"),
            ("i", "-4097"),
            ("j", "32767"),
            ("k", "32768"),
            ("l", "-32768"),
            ("m", "-32769"),
        ]);
        check_golden(H1, &h1);
        let h2 = pairs(&[
            ("n", "8388607"),
            ("o", "8388608"),
            ("p", "-8388608"),
            ("q", "-8388609"),
            ("r", "2147483647"),
            ("s", "2147483648"),
            ("t", "-2147483648"),
            ("u", "-2147483649"),
        ]);
        check_golden(H2, &h2);
        let h3 = pairs(&[
            ("v", "9223372036854775807"),
            ("w", "-9223372036854775808"),
            ("x", "9223372036854775808"),
            ("y", "-9223372036854775809"),
            ("z", "007"),
            ("y2", "-0"),
            ("e", ""),
            ("0", "0"),
            ("m", "-1"),
            ("p", "+1"),
            ("sp", " 1"),
        ]);
        check_golden(H3, &h3);
    }

    #[test]
    fn golden_strings() {
        // HSET h4 s63 <63 x> s64 <64 y>
        let h4 = vec![
            b"s63".to_vec(),
            vec![b'x'; 63],
            b"s64".to_vec(),
            vec![b'y'; 64],
        ];
        check_golden(
            "9500000004008373363304bf [78*63] 408373363404e040 [79*64] 42ff",
            &h4,
        );
        // RPUSH l125 <125 a> <126 b> c  (one quicklist node)
        let l = vec![vec![b'a'; 125], vec![b'b'; 126], b"c".to_vec()];
        check_golden("0c0100000300e07d [61*125] 7fe07e [62*126] 0180816302ff", &l);
        // RPUSH l4095 <4095 a> z
        let l = vec![vec![b'a'; 4095], b"z".to_vec()];
        check_golden("0d1000000200efff [61*4095] 2081817a02ff", &l);
        // RPUSH l4096 <4096 a> z
        let l = vec![vec![b'a'; 4096], b"z".to_vec()];
        check_golden("111000000200f000100000 [61*4096] 2085817a02ff", &l);
    }

    #[test]
    fn golden_zset_inserts_in_the_middle() {
        // ZADD z1 1 a 2.5 b -3 c 1e20 d 0.1 e: members kept sorted by score, each followed by
        // its score as Redis formats it.
        let want = "3c0000000a00816302dffd0281650293302e313030303030303030303030303030303114816102\
            010181620283322e35048164028531652b323006ff";
        let mut lp = Listpack::new();
        lp.push_back(b"a");
        lp.push_back(b"1");
        lp.push_back(b"b");
        lp.push_back(b"2.5");
        let a = lp.first().unwrap();
        let c = lp.insert(a, Where::Before, b"c");
        lp.insert(c, Where::After, b"-3");
        lp.push_back(b"d");
        lp.push_back(b"1e+20");
        let a = lp.seek(2).unwrap();
        assert!(lp.get(a) == b"a"[..]);
        let e = lp.insert(a, Where::Before, b"e");
        lp.insert(e, Where::After, b"0.10000000000000001");
        assert_eq!(lp.as_bytes(), &unhex(want)[..]);
        let scores: Vec<_> = lp.iter().skip(1).step_by(2).collect();
        assert_eq!(scores[0], LpEntry::Int(-3));
        assert_eq!(scores[2], LpEntry::Int(1));
        assert_eq!(scores[3], LpEntry::Str(b"2.5"));
    }

    #[test]
    fn golden_list_edits() {
        // RPUSH m a b c d e f g; LINSERT m BEFORE d 12345; LINSERT m AFTER g tail;
        // LSET m 1 <70 q>; LREM m 1 c; LPUSH m head
        let want = "6f0000000900846865616405816102e046 [71*70] 48f1393003816402816502816602816702\
            847461696c05ff";
        let mut lp = lp_of(&[b"a", b"b", b"c", b"d", b"e", b"f", b"g"]);
        let d = lp.find(lp.first().unwrap(), b"d", 0).unwrap();
        lp.insert(d, Where::Before, b"12345");
        let g = lp.last().unwrap();
        let t = lp.insert(g, Where::After, b"tail");
        assert_eq!(lp.next(t), None);
        let p1 = lp.seek(1).unwrap();
        lp.replace(p1, &[b'q'; 70]);
        let c = lp.find(lp.first().unwrap(), b"c", 0).unwrap();
        let next = lp.delete(c).unwrap();
        assert_eq!(lp.get(next), LpEntry::Int(12345));
        assert_eq!(lp.push_front(b"head"), HDR_SIZE);
        assert_eq!(lp.as_bytes(), &unhex(want)[..]);
        assert_eq!(lp.len(), 9);

        // RPUSH t 1 .. 10; LTRIM t 2 -3
        let mut lp = Listpack::new();
        for i in 1..=10 {
            lp.push_int(i);
        }
        assert_eq!(lp.delete_range(0, 2), 2);
        assert_eq!(lp.delete_range(-2, 2), 2);
        assert_eq!(
            lp.as_bytes(),
            &unhex("130000000600030104010501060107010801ff")[..]
        );
    }

    #[test]
    fn golden_hash_delete_and_update() {
        // HSET hd a 1 b 2 c 3 d 4; HDEL hd b; HSET hd c 333333
        let mut lp = lp_of(&[b"a", b"1", b"b", b"2", b"c", b"3", b"d", b"4"]);
        let b = lp.find(lp.first().unwrap(), b"b", 1).unwrap();
        let after = lp.delete(b).unwrap();
        lp.delete(after);
        // Values are skipped: "3" as a field is not found, "c" is.
        assert_eq!(lp.find(lp.first().unwrap(), b"3", 1), None);
        assert_eq!(lp.find(lp.first().unwrap(), b"1", 0), lp.seek(1));
        let c = lp.find(lp.first().unwrap(), b"c", 1).unwrap();
        let v = lp.next(c).unwrap();
        lp.replace(v, b"333333");
        assert_eq!(
            lp.as_bytes(),
            &unhex("1900000006008161020101816302f2151605048164020401ff")[..]
        );
        assert!(lp.check_unique(true));
    }

    #[test]
    fn seek_and_navigation() {
        let items: Vec<Vec<u8>> = (0..9).map(|i| format!("v{i}").into_bytes()).collect();
        let mut lp = Listpack::new();
        for it in &items {
            lp.push_back(it);
        }
        for i in 0..9i64 {
            let p = lp.seek(i).unwrap();
            assert_eq!(lp.get(p).to_bytes(), items[i as usize]);
            let q = lp.seek(i - 9).unwrap();
            assert_eq!(p, q);
        }
        assert_eq!(lp.seek(9), None);
        assert_eq!(lp.seek(-10), None);
        assert_eq!(lp.prev(lp.first().unwrap()), None);
        assert_eq!(lp.next(lp.last().unwrap()), None);
        let fwd: Vec<_> = lp.iter().collect();
        let mut rev: Vec<_> = lp.iter_rev().collect();
        rev.reverse();
        assert_eq!(fwd, rev);

        // Header count "unknown": length and seeking walk the entries.
        let mut bytes = lp.as_bytes().to_vec();
        bytes[4] = 0xFF;
        bytes[5] = 0xFF;
        let mut lp2 = Listpack::from_bytes(bytes).unwrap();
        assert_eq!(lp2.len(), 9);
        assert_eq!(lp2.seek(-1), lp.seek(-1));
        assert_eq!(lp2.seek(4), lp.seek(4));
        assert_eq!(lp2.seek(9), None);
        assert_eq!(lp2.seek(-10), None);
        lp2.push_back(b"x");
        lp2.delete_range(0, 3);
        assert_eq!(lp2.as_bytes()[4..6], [0xFF, 0xFF]);
        assert_eq!(lp2.len(), 7);
    }

    #[test]
    fn count_reaches_unknown() {
        let mut lp = Listpack::new();
        for _ in 0..65534 {
            lp.push_int(1);
        }
        assert_eq!(lp.as_bytes()[4..6], 65534u16.to_le_bytes());
        lp.push_int(1);
        assert_eq!(lp.as_bytes()[4..6], [0xFF, 0xFF]);
        assert_eq!(lp.len(), 65535);
        assert_eq!(validate(lp.as_bytes()), Ok(65535));
    }

    #[test]
    fn delete_range_bounds() {
        let mut lp = lp_of(&[b"a", b"b", b"c", b"d"]);
        assert_eq!(lp.delete_range(4, 1), 0);
        assert_eq!(lp.delete_range(1, 0), 0);
        assert_eq!(lp.delete_range(1, 100), 3);
        assert_eq!(owned(&lp), vec![b"a".to_vec()]);
        assert_eq!(lp.as_bytes(), lp_of(&[b"a"]).as_bytes());
        assert_eq!(lp.delete_range(-1, 1), 1);
        assert_eq!(lp, Listpack::new());
    }

    #[test]
    fn middle_insert_delete_replace_round_trip() {
        let mut rng = SmallRng::seed_from_u64(7);
        let mut model: Vec<Vec<u8>> = Vec::new();
        let mut lp = Listpack::new();
        let values: Vec<Vec<u8>> = vec![
            b"x".to_vec(),
            b"12".to_vec(),
            b"-4096".to_vec(),
            b"100000".to_vec(),
            vec![b'm'; 70],
            vec![b'n'; 5000],
            b"9223372036854775807".to_vec(),
            b"".to_vec(),
        ];
        for _ in 0..400 {
            let v = &values[rng.gen_range(0..values.len())];
            match rng.gen_range(0..4) {
                0 | 1 if !model.is_empty() => {
                    let i = rng.gen_range(0..model.len());
                    let p = lp.seek(i as i64).unwrap();
                    let after = rng.gen_bool(0.5);
                    let place = if after { Where::After } else { Where::Before };
                    let np = lp.insert(p, place, v);
                    model.insert(if after { i + 1 } else { i }, v.clone());
                    assert!(lp.get(np) == v[..]);
                }
                2 if !model.is_empty() => {
                    let i = rng.gen_range(0..model.len());
                    let p = lp.seek(i as i64).unwrap();
                    lp.replace(p, v);
                    model[i] = v.clone();
                }
                3 if !model.is_empty() => {
                    let i = rng.gen_range(0..model.len());
                    let p = lp.seek(i as i64).unwrap();
                    let next = lp.delete(p);
                    model.remove(i);
                    assert_eq!(next.is_some(), i < model.len());
                }
                _ => {
                    lp.push_back(v);
                    model.push(v.clone());
                }
            }
            assert_eq!(validate(lp.as_bytes()), Ok(model.len()));
        }
        assert_eq!(owned(&lp), model);
        let copy = Listpack::from_bytes(lp.as_bytes().to_vec()).unwrap();
        assert_eq!(copy, lp);
    }

    #[test]
    fn check_unique_pairs() {
        assert!(lp_of(&[b"a", b"1", b"b", b"1"]).check_unique(true));
        assert!(!lp_of(&[b"a", b"1", b"a", b"2"]).check_unique(true));
        assert!(!lp_of(&[b"a", b"1", b"b"]).check_unique(true));
        assert!(!lp_of(&[b"a", b"1", b"1"]).check_unique(false));
        // A string "1" and an integer 1 are the same field.
        let mut bytes = unhex("0f000000 0400 8131 02 01 01 01 01 01 01 ff");
        bytes[0] = bytes.len() as u8;
        let lp = Listpack::from_bytes(bytes).unwrap();
        assert!(!lp.check_unique(true));
    }

    #[test]
    fn validation_rejects_corruption() {
        let good = lp_of(&[b"a", b"1234", &[b'z'; 100]]).into_bytes();
        assert!(validate(&good).is_ok());
        let bad = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            validate(&b).is_err()
        };
        assert!(bad(&|b| b.truncate(6)));
        assert!(bad(&|b| b[0] += 1)); // total bytes
        assert!(bad(&|b| b[4] = 2)); // count
        assert!(bad(&|b| *b.last_mut().unwrap() = 0)); // terminator
        assert!(bad(&|b| b[6] = 0xF5)); // invalid encoding
        assert!(bad(&|b| b[8] = 3)); // backlen of "a"
        assert!(bad(&|b| b[6] = 0xFF)); // early terminator
        assert!(bad(&|b| b[6] = 0xBF)); // string longer than the rest
        assert!(bad(&|b| {
            b.insert(6, 0x00);
            b.insert(7, 0x01);
            let n = b.len() as u32;
            b[0..4].copy_from_slice(&n.to_le_bytes());
        })); // count off by one
        assert!(Listpack::from_bytes(vec![]).is_err());
        assert!(Listpack::from_bytes(vec![7, 0, 0, 0, 0, 0, 0xFF]).is_ok());
    }

    #[test]
    fn garbage_never_panics() {
        let mut rng = SmallRng::seed_from_u64(42);
        let mut base = Vec::new();
        for hex in [H1, H2, H3] {
            base.push(unhex(hex));
        }
        base.push(lp_of(&[&[b'q'; 5000][..], b"x"]).into_bytes());
        for b in &base {
            for cut in 0..b.len() {
                let _ = validate(&b[..cut]);
                let mut t = b[..cut].to_vec();
                if t.len() >= 4 {
                    let n = t.len() as u32;
                    t[0..4].copy_from_slice(&n.to_le_bytes());
                }
                exercise(t);
            }
            for _ in 0..3000 {
                let mut t = b.clone();
                for _ in 0..rng.gen_range(1..4) {
                    let i = rng.gen_range(0..t.len());
                    t[i] = rng.gen();
                }
                exercise(t);
            }
        }
    }

    /// Whatever passes validation must be fully navigable.
    fn exercise(bytes: Vec<u8>) {
        if let Ok(lp) = Listpack::from_bytes(bytes) {
            let n = lp.iter().count();
            assert_eq!(lp.iter_rev().count(), n);
            assert_eq!(lp.len(), n);
            let _ = lp.find(lp.first().unwrap_or(HDR_SIZE), b"1", 1);
            let _ = lp.check_unique(true);
        }
    }
}
