//! LFU access counters (Redis `evict.c`), kept in an entry's `lru` field while
//! `maxmemory-policy` is an LFU policy: the high 16 bits are the last decrement time in
//! minutes, the low 8 bits a logarithmic access counter. `OBJECT FREQ` reads them.
//!
//! Callers: `Ctx::lru` (value of a new entry), the key lookups (an access), OBJECT FREQ.

use rand::Rng;

/// Counter of a new entry (LFU_INIT_VAL), so that new keys are not evicted at once.
pub const INIT_VAL: u32 = 5;

/// Minutes since the epoch, 16 bits (`LFUGetTimeInMinutes`).
pub fn minutes(now_ms: i64) -> u32 {
    ((now_ms / 1000 / 60) & 65535) as u32
}

/// The `lru` field of a new entry.
pub fn init(now_ms: i64) -> u32 {
    (minutes(now_ms) << 8) | INIT_VAL
}

/// The counter decayed by the minutes elapsed since its last decrement
/// (`LFUDecrAndReturn`); `decay_time` is `lfu-decay-time`.
pub fn decr_and_return(lru: u32, now_ms: i64, decay_time: i64) -> u32 {
    let ldt = lru >> 8;
    let counter = lru & 255;
    let now = minutes(now_ms);
    let elapsed = if now >= ldt {
        now - ldt
    } else {
        65535 - ldt + now
    };
    let periods = if decay_time > 0 {
        i64::from(elapsed) / decay_time
    } else {
        0
    };
    if periods > i64::from(counter) {
        0
    } else {
        counter - periods as u32
    }
}

/// Logarithmic increment (`LFULogIncr`): the higher the counter, the less likely.
pub fn log_incr(counter: u32, log_factor: i64, rng: &mut impl Rng) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let r: f64 = rng.gen();
    let base = counter.saturating_sub(INIT_VAL) as f64;
    let p = 1.0 / (base * log_factor as f64 + 1.0);
    if r < p {
        counter + 1
    } else {
        counter
    }
}

/// The `lru` field after an access (`updateLFU`).
pub fn touch(lru: u32, now_ms: i64, log_factor: i64, decay_time: i64, rng: &mut impl Rng) -> u32 {
    let c = log_incr(decr_and_return(lru, now_ms, decay_time), log_factor, rng);
    (minutes(now_ms) << 8) | c
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::SmallRng;
    use rand::SeedableRng;

    #[test]
    fn new_counter_and_first_access() {
        let now = 1_700_000_000_000;
        let mut rng = SmallRng::seed_from_u64(1);
        let l = init(now);
        assert_eq!(decr_and_return(l, now, 1), 5);
        // At the initial value the increment is certain.
        assert_eq!(touch(l, now, 10, 1, &mut rng) & 255, 6);
    }

    #[test]
    fn decays_one_per_period() {
        let now = 1_700_000_000_000;
        let l = (minutes(now) << 8) | 10;
        assert_eq!(decr_and_return(l, now + 3 * 60_000, 1), 7);
        assert_eq!(decr_and_return(l, now + 3 * 60_000, 2), 9);
        assert_eq!(decr_and_return(l, now + 30 * 60_000, 1), 0);
        assert_eq!(decr_and_return(l, now + 30 * 60_000, 0), 10);
    }

    #[test]
    fn saturates() {
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(log_incr(255, 0, &mut rng), 255);
        assert_eq!(log_incr(254, 0, &mut rng), 255);
    }
}
