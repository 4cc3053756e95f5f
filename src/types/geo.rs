//! Geohash arithmetic behind the `GEO*` commands, ported operation for operation from
//! Redis 7.0's `geohash.c` and `geohash_helper.c` so that scores, coordinates, distances and
//! the set of scanned areas are bit-identical to Redis's.
//!
//! A point is stored in a sorted set with the score `align52(encode(lon, lat, 26))`: 26 bits
//! of longitude and 26 of latitude interleaved (latitude limited to ±85.05112878, the
//! Web-Mercator range). A search covers the center cell of a step chosen from the radius plus
//! its 8 neighbours ([`areas_by_shape`]), each cell being one contiguous score range.
//!
//! Also here: the partial quicksort (`pqsort`) and glibc's stable merge sort that Redis's
//! result sorting goes through, so that ties keep Redis's order.

pub const LONG_MIN: f64 = -180.0;
pub const LONG_MAX: f64 = 180.0;
pub const LAT_MIN: f64 = -85.05112878;
pub const LAT_MAX: f64 = 85.05112878;
/// Steps (bits per coordinate) of a stored score.
pub const STEP_MAX: u8 = 26;

const D_R: f64 = std::f64::consts::PI / 180.0;
/// Earth's quadratic mean radius for WGS-84, in meters.
pub const EARTH_RADIUS_IN_METERS: f64 = 6372797.560856;
const MERCATOR_MAX: f64 = 20037726.37;

#[inline]
fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

#[inline]
fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// A coordinate range (`GeoHashRange`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// The ranges of stored points (`geohashGetCoordRange`).
pub const LONG_RANGE: Range = Range {
    min: LONG_MIN,
    max: LONG_MAX,
};
pub const LAT_RANGE: Range = Range {
    min: LAT_MIN,
    max: LAT_MAX,
};

/// A geohash of `step` bits per coordinate (`GeoHashBits`); all-zero means "no cell".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HashBits {
    pub bits: u64,
    pub step: u8,
}

impl HashBits {
    fn is_zero(&self) -> bool {
        self.bits == 0 && self.step == 0
    }
}

/// A decoded cell (`GeoHashArea`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub hash: HashBits,
    pub longitude: Range,
    pub latitude: Range,
}

/// Interleaves the low 32 bits of `xlo` (even positions) and `ylo` (odd positions).
fn interleave64(xlo: u32, ylo: u32) -> u64 {
    const B: [u64; 5] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
    ];
    const S: [u32; 5] = [1, 2, 4, 8, 16];
    let mut x = xlo as u64;
    let mut y = ylo as u64;
    for i in (0..5).rev() {
        x = (x | (x << S[i])) & B[i];
        y = (y | (y << S[i])) & B[i];
    }
    x | (y << 1)
}

/// The reverse of [`interleave64`]: even bits in the low half, odd bits in the high half.
fn deinterleave64(interleaved: u64) -> u64 {
    const B: [u64; 6] = [
        0x5555555555555555,
        0x3333333333333333,
        0x0F0F0F0F0F0F0F0F,
        0x00FF00FF00FF00FF,
        0x0000FFFF0000FFFF,
        0x00000000FFFFFFFF,
    ];
    const S: [u32; 6] = [0, 1, 2, 4, 8, 16];
    let mut x = interleaved;
    let mut y = interleaved >> 1;
    for i in 0..6 {
        x = (x | (x >> S[i])) & B[i];
        y = (y | (y >> S[i])) & B[i];
    }
    x | (y << 32)
}

/// C's `(uint32_t)` conversion of a non-negative double below 2^32 (truncation).
fn to_u32(v: f64) -> u32 {
    v as u32
}

/// `geohashEncode`: `None` when the step or the point is out of range.
pub fn encode(
    long_range: Range,
    lat_range: Range,
    lon: f64,
    lat: f64,
    step: u8,
) -> Option<HashBits> {
    let zero = |r: Range| r.min == 0.0 && r.max == 0.0;
    if step > 32 || step == 0 || zero(lat_range) || zero(long_range) {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_range.min || lat > lat_range.max || lon < long_range.min || lon > long_range.max {
        return None;
    }
    let mut lat_offset = (lat - lat_range.min) / (lat_range.max - lat_range.min);
    let mut long_offset = (lon - long_range.min) / (long_range.max - long_range.min);
    lat_offset *= (1u64 << step) as f64;
    long_offset *= (1u64 << step) as f64;
    Some(HashBits {
        bits: interleave64(to_u32(lat_offset), to_u32(long_offset)),
        step,
    })
}

/// `geohashEncodeWGS84`.
pub fn encode_wgs84(lon: f64, lat: f64, step: u8) -> Option<HashBits> {
    encode(LONG_RANGE, LAT_RANGE, lon, lat, step)
}

/// `geohashDecode`.
pub fn decode(long_range: Range, lat_range: Range, hash: HashBits) -> Option<Area> {
    let zero = |r: Range| r.min == 0.0 && r.max == 0.0;
    if hash.is_zero() || zero(lat_range) || zero(long_range) {
        return None;
    }
    let step = hash.step;
    let hash_sep = deinterleave64(hash.bits);
    let lat_scale = lat_range.max - lat_range.min;
    let long_scale = long_range.max - long_range.min;
    let ilato = hash_sep as u32;
    let ilono = (hash_sep >> 32) as u32;
    let div = (1u64 << step) as f64;
    Some(Area {
        hash,
        latitude: Range {
            min: lat_range.min + (ilato as f64 * 1.0 / div) * lat_scale,
            max: lat_range.min + (ilato.wrapping_add(1) as f64 * 1.0 / div) * lat_scale,
        },
        longitude: Range {
            min: long_range.min + (ilono as f64 * 1.0 / div) * long_scale,
            max: long_range.min + (ilono.wrapping_add(1) as f64 * 1.0 / div) * long_scale,
        },
    })
}

/// `geohashDecodeAreaToLongLat`: the cell's center, clamped to the valid ranges.
fn area_to_long_lat(area: &Area) -> [f64; 2] {
    let mut x = (area.longitude.min + area.longitude.max) / 2.0;
    x = x.clamp_c(LONG_MIN, LONG_MAX);
    let mut y = (area.latitude.min + area.latitude.max) / 2.0;
    y = y.clamp_c(LAT_MIN, LAT_MAX);
    [x, y]
}

trait ClampC {
    fn clamp_c(self, lo: f64, hi: f64) -> f64;
}

impl ClampC for f64 {
    /// `if (v > hi) v = hi; if (v < lo) v = lo;` (NaN passes through).
    fn clamp_c(self, lo: f64, hi: f64) -> f64 {
        let mut v = self;
        if v > hi {
            v = hi;
        }
        if v < lo {
            v = lo;
        }
        v
    }
}

/// An integral double as x86-64's `cvtsd2si` converts it: NaN and anything outside the
/// `i64` range give `i64::MIN` (the "integer indefinite" value).
fn x86_to_i64(v: f64) -> i64 {
    const LIM: f64 = 9223372036854775808.0;
    if (-LIM..LIM).contains(&v) {
        v as i64
    } else {
        i64::MIN
    }
}

/// C's `(uint64_t)` conversion of a double as gcc compiles it on x86-64 (`cvttsd2si`, with
/// the 2^63 adjustment): what Redis's `decodeGeohash` does to any score.
fn c_double_to_u64(v: f64) -> u64 {
    let cvtt = |v: f64| x86_to_i64(v.trunc());
    const TWO63: f64 = 9223372036854775808.0;
    if v >= TWO63 {
        (cvtt(v - TWO63) as u64) ^ (1u64 << 63)
    } else {
        cvtt(v) as u64
    }
}

/// `decodeGeohash`: the (longitude, latitude) a sorted-set score stands for.
pub fn decode_score(score: f64) -> Option<[f64; 2]> {
    let hash = HashBits {
        bits: c_double_to_u64(score),
        step: STEP_MAX,
    };
    decode(LONG_RANGE, LAT_RANGE, hash).map(|a| area_to_long_lat(&a))
}

/// `geohashAlign52Bits`.
pub fn align52(hash: HashBits) -> u64 {
    hash.bits << (52 - hash.step as u32 * 2)
}

/// The score GEOADD stores for a valid point.
pub fn score_of(lon: f64, lat: f64) -> f64 {
    encode_wgs84(lon, lat, STEP_MAX).map_or(0.0, |h| align52(h) as f64)
}

/// The 11-character standard geohash (`GEOHASH`) of a score: decoded, then re-encoded with
/// the -90..90 latitude range.
pub fn geohash_string(score: f64) -> Option<[u8; 11]> {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let xy = decode_score(score)?;
    let r_long = Range {
        min: -180.0,
        max: 180.0,
    };
    let r_lat = Range {
        min: -90.0,
        max: 90.0,
    };
    // Redis ignores a failed encoding and reads bits 0.
    let bits = encode(r_long, r_lat, xy[0], xy[1], 26).map_or(0, |h| h.bits);
    let mut buf = [0u8; 11];
    for (i, b) in buf.iter_mut().enumerate() {
        let idx = if i == 10 {
            0
        } else {
            ((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize
        };
        *b = ALPHABET[idx];
    }
    Some(buf)
}

fn move_x(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let mut x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let y = hash.bits & 0x5555555555555555;
    let zz = 0x5555555555555555u64 >> (64 - hash.step as u32 * 2);
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaaaaaaaaaaaaaau64 >> (64 - hash.step as u32 * 2);
    hash.bits = x | y;
}

fn move_y(hash: &mut HashBits, d: i8) {
    if d == 0 {
        return;
    }
    let x = hash.bits & 0xaaaaaaaaaaaaaaaa;
    let mut y = hash.bits & 0x5555555555555555;
    let zz = 0xaaaaaaaaaaaaaaaau64 >> (64 - hash.step as u32 * 2);
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555555555555555u64 >> (64 - hash.step as u32 * 2);
    hash.bits = x | y;
}

/// The 8 neighbours of a cell (`GeoHashNeighbors`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Neighbors {
    pub north: HashBits,
    pub east: HashBits,
    pub west: HashBits,
    pub south: HashBits,
    pub north_east: HashBits,
    pub south_east: HashBits,
    pub north_west: HashBits,
    pub south_west: HashBits,
}

/// `geohashNeighbors`.
pub fn neighbors(hash: &HashBits) -> Neighbors {
    let at = |dx: i8, dy: i8| {
        let mut h = *hash;
        move_x(&mut h, dx);
        move_y(&mut h, dy);
        h
    };
    Neighbors {
        east: at(1, 0),
        west: at(-1, 0),
        south: at(0, -1),
        north: at(0, 1),
        north_west: at(-1, 1),
        north_east: at(1, 1),
        south_east: at(1, -1),
        south_west: at(-1, -1),
    }
}

/// The search area: center point, unit conversion (meters per unit) and shape.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    pub xy: [f64; 2],
    pub conversion: f64,
    pub kind: ShapeKind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ShapeKind {
    /// BYRADIUS / GEORADIUS, in units.
    Circle { radius: f64 },
    /// BYBOX, full width and height in units.
    Rect { width: f64, height: f64 },
}

/// `geohashEstimateStepsByRadius`.
pub fn estimate_steps_by_radius(mut range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut step: i32 = 1;
    while range_meters < MERCATOR_MAX {
        range_meters *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

/// `geohashBoundingBox`: `[min_lon, min_lat, max_lon, max_lat]`.
pub fn bounding_box(shape: &Shape) -> [f64; 4] {
    let [longitude, latitude] = shape.xy;
    let (height, width) = match shape.kind {
        ShapeKind::Circle { radius } => (shape.conversion * radius, shape.conversion * radius),
        ShapeKind::Rect { width, height } => (
            shape.conversion * (height / 2.0),
            shape.conversion * (width / 2.0),
        ),
    };
    let lat_delta = rad_deg(height / EARTH_RADIUS_IN_METERS);
    let long_delta_top =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude + lat_delta).cos());
    let long_delta_bottom =
        rad_deg(width / EARTH_RADIUS_IN_METERS / deg_rad(latitude - lat_delta).cos());
    let southern = latitude < 0.0;
    [
        if southern {
            longitude - long_delta_bottom
        } else {
            longitude - long_delta_top
        },
        latitude - lat_delta,
        if southern {
            longitude + long_delta_bottom
        } else {
            longitude + long_delta_top
        },
        latitude + lat_delta,
    ]
}

/// The cells to scan, in Redis's order: center, N, S, E, W, NE, NW, SE, SW; pruned cells
/// are all-zero (`geohashCalculateAreasByShapeWGS84` + the array of `membersOfAllNeighbors`).
pub fn areas_by_shape(shape: &Shape) -> [HashBits; 9] {
    let [min_lon, min_lat, max_lon, max_lat] = bounding_box(shape);
    let [longitude, latitude] = shape.xy;
    let mut radius_meters = match shape.kind {
        ShapeKind::Circle { radius } => radius,
        ShapeKind::Rect { width, height } => {
            ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
        }
    };
    radius_meters *= shape.conversion;
    let mut steps = estimate_steps_by_radius(radius_meters, latitude);

    // geohashEncode cannot fail here: the center was validated (or decoded) and steps is
    // within 1..=26; an all-zero hash would mirror C's untouched struct anyway.
    let enc =
        |steps: u8| encode(LONG_RANGE, LAT_RANGE, longitude, latitude, steps).unwrap_or_default();
    let dec = |h: HashBits| decode(LONG_RANGE, LAT_RANGE, h);
    let mut hash = enc(steps);
    let mut nb = neighbors(&hash);
    let mut area = dec(hash);

    let mut decrease_step = false;
    {
        let north = dec(nb.north);
        let south = dec(nb.south);
        let east = dec(nb.east);
        let west = dec(nb.west);
        if north.is_some_and(|a| a.latitude.max < max_lat) {
            decrease_step = true;
        }
        if south.is_some_and(|a| a.latitude.min > min_lat) {
            decrease_step = true;
        }
        if east.is_some_and(|a| a.longitude.max < max_lon) {
            decrease_step = true;
        }
        if west.is_some_and(|a| a.longitude.min > min_lon) {
            decrease_step = true;
        }
    }
    if steps > 1 && decrease_step {
        steps -= 1;
        hash = enc(steps);
        nb = neighbors(&hash);
        area = dec(hash);
    }

    if steps >= 2 {
        if let Some(area) = area {
            let z = HashBits::default();
            if area.latitude.min < min_lat {
                nb.south = z;
                nb.south_west = z;
                nb.south_east = z;
            }
            if area.latitude.max > max_lat {
                nb.north = z;
                nb.north_east = z;
                nb.north_west = z;
            }
            if area.longitude.min < min_lon {
                nb.west = z;
                nb.south_west = z;
                nb.north_west = z;
            }
            if area.longitude.max > max_lon {
                nb.east = z;
                nb.south_east = z;
                nb.north_east = z;
            }
        }
    }
    [
        hash,
        nb.north,
        nb.south,
        nb.east,
        nb.west,
        nb.north_east,
        nb.north_west,
        nb.south_east,
        nb.south_west,
    ]
}

/// The score range `[min, max)` holding every point inside cell `hash` (`scoresOfGeoHashBox`).
pub fn scores_of_box(hash: HashBits) -> (f64, f64) {
    let min = align52(hash);
    let max = align52(HashBits {
        bits: hash.bits.wrapping_add(1),
        step: hash.step,
    });
    (min as f64, max as f64)
}

/// `geohashGetLatDistance`.
pub fn lat_distance(lat1d: f64, lat2d: f64) -> f64 {
    EARTH_RADIUS_IN_METERS * (deg_rad(lat2d) - deg_rad(lat1d)).abs()
}

/// `geohashGetDistance`: haversine distance in meters, with Redis's shortcut when the
/// longitudes are the same.
pub fn distance(lon1d: f64, lat1d: f64, lon2d: f64, lat2d: f64) -> f64 {
    let lon1r = deg_rad(lon1d);
    let lon2r = deg_rad(lon2d);
    let v = ((lon2r - lon1r) / 2.0).sin();
    if v == 0.0 {
        return lat_distance(lat1d, lat2d);
    }
    let lat1r = deg_rad(lat1d);
    let lat2r = deg_rad(lat2d);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let a = u * u + lat1r.cos() * lat2r.cos() * v * v;
    2.0 * EARTH_RADIUS_IN_METERS * a.sqrt().asin()
}

/// `geohashGetDistanceIfInRectangle`: the distance from the box center `(x1, y1)` to
/// `(x2, y2)` when the point is inside the `width_m` x `height_m` box.
pub fn distance_if_in_rectangle(
    width_m: f64,
    height_m: f64,
    x1: f64,
    y1: f64,
    x2: f64,
    y2: f64,
) -> Option<f64> {
    let lat_d = lat_distance(y2, y1);
    if lat_d > height_m / 2.0 {
        return None;
    }
    let lon_d = distance(x2, y2, x1, y2);
    if lon_d > width_m / 2.0 {
        return None;
    }
    Some(distance(x1, y1, x2, y2))
}

/// `geoWithinShape`: the decoded point and its distance from the center (meters) when the
/// point with this score is inside the shape.
pub fn within_shape(shape: &Shape, score: f64) -> Option<([f64; 2], f64)> {
    let xy = decode_score(score)?;
    let d = match shape.kind {
        ShapeKind::Circle { radius } => {
            let d = distance(shape.xy[0], shape.xy[1], xy[0], xy[1]);
            if d > radius * shape.conversion {
                return None;
            }
            d
        }
        ShapeKind::Rect { width, height } => distance_if_in_rectangle(
            width * shape.conversion,
            height * shape.conversion,
            shape.xy[0],
            shape.xy[1],
            xy[0],
            xy[1],
        )?,
    };
    Some((xy, d))
}

// ----- sorting as Redis's libc does it ----------------------------------------------------

/// A C comparator result as `sort_gp_asc` computes it: 1, 0 or -1 (NaN compares below).
pub fn c_cmp_asc(a: f64, b: f64) -> i32 {
    if a > b {
        1
    } else if a == b {
        0
    } else {
        -1
    }
}

/// glibc 2.36 `qsort` on arrays of this size: its stable top-down merge sort (`msort`).
pub fn msort<T: Clone>(v: &mut [T], cmp: &impl Fn(&T, &T) -> i32) {
    let n = v.len();
    if n <= 1 {
        return;
    }
    let n1 = n / 2;
    msort(&mut v[..n1], cmp);
    msort(&mut v[n1..], cmp);
    let mut tmp: Vec<T> = Vec::with_capacity(n);
    let (mut i, mut j) = (0, n1);
    while i < n1 && j < n {
        if cmp(&v[i], &v[j]) <= 0 {
            tmp.push(v[i].clone());
            i += 1;
        } else {
            tmp.push(v[j].clone());
            j += 1;
        }
    }
    // The rest of the left run follows; the right run's tail is already in place.
    tmp.extend_from_slice(&v[i..n1]);
    let done = tmp.len();
    v[..done].clone_from_slice(&tmp);
}

fn med3<T>(v: &[T], a: usize, b: usize, c: usize, cmp: &impl Fn(&T, &T) -> i32) -> usize {
    if cmp(&v[a], &v[b]) < 0 {
        if cmp(&v[b], &v[c]) < 0 {
            b
        } else if cmp(&v[a], &v[c]) < 0 {
            c
        } else {
            a
        }
    } else if cmp(&v[b], &v[c]) > 0 {
        b
    } else if cmp(&v[a], &v[c]) < 0 {
        a
    } else {
        c
    }
}

fn vecswap<T>(v: &mut [T], a: usize, b: usize, n: usize) {
    for k in 0..n {
        v.swap(a + k, b + k);
    }
}

/// Redis 7.0's `pqsort` (NetBSD's qsort without the "already sorted" insertion-sort
/// fallback, recursing only into parts that overlap the wanted element range
/// `[lrange, rrange]`), element-index for byte-pointer.
pub fn pqsort<T>(v: &mut [T], lrange: usize, rrange: usize, cmp: &impl Fn(&T, &T) -> i32) {
    pqsort_inner(v, 0, v.len(), lrange, rrange, cmp);
}

fn insertion<T>(v: &mut [T], a: usize, n: usize, cmp: &impl Fn(&T, &T) -> i32) {
    for pm in a + 1..a + n {
        let mut pl = pm;
        while pl > a && cmp(&v[pl - 1], &v[pl]) > 0 {
            v.swap(pl, pl - 1);
            pl -= 1;
        }
    }
}

/// `_pqsort` on `v[a..a+n]`; `l`/`r` bound the wanted elements (as byte pointers would:
/// the range covers element indexes `l..=r`).
fn pqsort_inner<T>(
    v: &mut [T],
    mut a: usize,
    mut n: usize,
    l: usize,
    r: usize,
    cmp: &impl Fn(&T, &T) -> i32,
) {
    loop {
        if n < 7 {
            insertion(v, a, n, cmp);
            return;
        }
        let mut pm = a + n / 2;
        if n > 7 {
            let mut pl = a;
            let mut pn = a + n - 1;
            if n > 40 {
                let d = n / 8;
                pl = med3(v, pl, pl + d, pl + 2 * d, cmp);
                pm = med3(v, pm - d, pm, pm + d, cmp);
                pn = med3(v, pn - 2 * d, pn - d, pn, cmp);
            }
            pm = med3(v, pl, pm, pn, cmp);
        }
        v.swap(a, pm);
        let (mut pa, mut pb) = (a + 1, a + 1);
        // pc/pd may step below `a`; signed indexes keep C's pointer arithmetic.
        let (mut pc, mut pd) = ((a + n - 1) as isize, (a + n - 1) as isize);
        loop {
            while pb as isize <= pc {
                let c = cmp(&v[pb], &v[a]);
                if c > 0 {
                    break;
                }
                if c == 0 {
                    v.swap(pa, pb);
                    pa += 1;
                }
                pb += 1;
            }
            while pb as isize <= pc {
                let c = cmp(&v[pc as usize], &v[a]);
                if c < 0 {
                    break;
                }
                if c == 0 {
                    v.swap(pc as usize, pd as usize);
                    pd -= 1;
                }
                pc -= 1;
            }
            if pb as isize > pc {
                break;
            }
            v.swap(pb, pc as usize);
            pb += 1;
            pc -= 1;
        }
        let pn = a + n;
        let s = (pa - a).min(pb - pa);
        vecswap(v, a, pb - s, s);
        let s = ((pd - pc) as usize).min(pn - pd as usize - 1);
        vecswap(v, pb, pn - s, s);
        let s = pb - pa;
        if s > 1 {
            let (lo, hi) = (a, a + s - 1);
            if !((l < lo && r < lo) || (l > hi && r > hi)) {
                pqsort_inner(v, a, s, l, r, cmp);
            }
        }
        let s = (pd - pc) as usize;
        if s > 1 {
            a = pn - s;
            n = s;
            let (lo, hi) = (a, a + s - 1);
            if !((l < lo && r < lo) || (l > hi && r > hi)) {
                continue;
            }
        }
        return;
    }
}

/// Sorts `v` by `key` ascending (or descending) the way Redis's geo search does for the
/// first `wanted` elements: a full libc qsort when all are wanted, `pqsort` otherwise.
pub fn sort_results<T: Clone>(v: &mut [T], wanted: usize, desc: bool, key: impl Fn(&T) -> f64) {
    let cmp = |a: &T, b: &T| {
        let c = c_cmp_asc(key(a), key(b));
        if desc {
            -c
        } else {
            c
        }
    };
    if wanted == v.len() {
        msort(v, &cmp);
    } else if wanted > 0 {
        pqsort(v, 0, wanted - 1, &cmp);
    }
}

/// Redis's `addReplyDoubleDistance` text: `fixedpoint_d2string(d, 4)`, i.e. `llrint(d *
/// 10000)` printed with 4 decimals (`0.0000` for both zeros; NaN and overflow print as
/// `LLONG_MIN`, as x86-64's `llrint` gives).
pub fn fmt_distance(d: f64, out: &mut Vec<u8>) {
    if d == 0.0 {
        out.extend_from_slice(b"0.0000");
        return;
    }
    let r = (d * 10000.0).round_ties_even();
    let sv = x86_to_i64(r);
    if sv < 0 {
        out.push(b'-');
    }
    let digits = sv.unsigned_abs().to_string().into_bytes();
    if digits.len() <= 4 {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', 4 - digits.len()));
        out.extend_from_slice(&digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - 4);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_roundtrip_matches_redis_values() {
        // GEOADD Sicily 13.361389 38.115556 "Palermo" stores 3479099956230698 (reference).
        assert_eq!(score_of(13.361389, 38.115556), 3479099956230698.0);
        let xy = decode_score(3479099956230698.0).unwrap();
        assert!((xy[0] - 13.361389).abs() < 1e-5 && (xy[1] - 38.115556).abs() < 1e-5);
        assert_eq!(&geohash_string(3479099956230698.0).unwrap(), b"sqc8b49rny0");
    }

    #[test]
    fn interleave_roundtrip() {
        for (x, y) in [(0u32, 0u32), (1, 2), (0x3ffffff, 0x155555), (u32::MAX, 7)] {
            let d = deinterleave64(interleave64(x, y));
            assert_eq!((d as u32, (d >> 32) as u32), (x, y));
        }
    }

    #[test]
    fn distance_known_value() {
        // GEODIST Sicily Palermo Catania = 166274.1516 m (reference).
        let p = decode_score(3479099956230698.0).unwrap();
        let c = decode_score(3479447370796909.0).unwrap();
        let mut out = Vec::new();
        fmt_distance(distance(p[0], p[1], c[0], c[1]), &mut out);
        assert_eq!(out, b"166274.1516");
    }

    #[test]
    fn sorts_match_a_plain_sort_on_distinct_keys() {
        let mut v: Vec<f64> = (0..200).map(|i| ((i * 7919) % 211) as f64).collect();
        let mut expect = v.clone();
        expect.sort_by(|a, b| a.total_cmp(b));
        let mut w = v.clone();
        sort_results(&mut v, 200, false, |x| *x);
        assert_eq!(v, expect);
        sort_results(&mut w, 10, false, |x| *x);
        assert_eq!(&w[..10], &expect[..10]);
    }

    #[test]
    fn msort_is_stable() {
        let mut v: Vec<(f64, usize)> = (0..50).map(|i| ((i % 3) as f64, i)).collect();
        msort(&mut v, &|a: &(f64, usize), b: &(f64, usize)| {
            c_cmp_asc(a.0, b.0)
        });
        for w in v.windows(2) {
            assert!(w[0].0 < w[1].0 || (w[0].0 == w[1].0 && w[0].1 < w[1].1));
        }
    }

    #[test]
    fn distance_text_is_fixedpoint() {
        let f = |d: f64| {
            let mut o = Vec::new();
            fmt_distance(d, &mut o);
            String::from_utf8(o).unwrap()
        };
        assert_eq!(f(0.0), "0.0000");
        assert_eq!(f(-0.0), "0.0000");
        assert_eq!(f(0.00005), "0.0000"); // 0.5 rounds to even
        assert_eq!(f(1.5), "1.5000");
        assert_eq!(f(0.0123), "0.0123");
        assert_eq!(f(166274.15162), "166274.1516");
        assert_eq!(f(f64::NAN), "-922337203685477.5808");
    }

    #[test]
    fn pqsort_ties_match_redis() {
        // GEOSEARCH ... COUNT 10 over these distances (in scan order) returned the four
        // zero-distance points as indexes 13 14 11 12 in redis-server 7.0.15.
        let d = [
            2261.99, 1903.92, 1471.26, 1471.26, 929.43, 1798.99, 1836.61, 2113.59, 1121.36,
            1737.39, 1526.94, 0.0, 0.0, 0.0, 0.0, 169.93, 698.15, 935.64, 1477.39, 1666.32,
            1791.51, 1591.31, 1712.33, 2070.73, 2070.73, 2426.05, 2401.58,
        ];
        let mut v: Vec<(f64, usize)> = d.iter().copied().zip(0..).collect();
        sort_results(&mut v, 10, false, |p| p.0);
        let idx: Vec<usize> = v[..10].iter().map(|p| p.1).collect();
        assert_eq!(idx, [13, 14, 11, 12, 15, 16, 4, 17, 8, 2]);
    }
}
