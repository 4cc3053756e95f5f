//! Seeded randomness for reproducible random tests.
//!
//! - [`SeedRng`]: xorshift64* seeded from `OXIDIS_SEED` (decimal or `0x` hex) or the clock; the
//!   seed is printed at creation and again if the test panics, so a failure can be replayed with
//!   `OXIDIS_SEED=<seed> cargo test <name>`.
//! - [`Generator`] / [`GenCmd`] / [`random_sequence`]: the mechanism for random command
//!   sequences; per-type generators are plain closures registered with a weight.

use super::diff::Norm;

pub struct SeedRng {
    seed: u64,
    state: u64,
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Parses `OXIDIS_SEED` syntax: decimal or `0x`-prefixed hex.
pub fn parse_seed(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

impl SeedRng {
    /// A generator with a fixed seed (same seed, same sequence).
    pub fn new(seed: u64) -> SeedRng {
        let state = match splitmix64(seed) {
            0 => 0x2545_f491_4f6c_dd1d,
            s => s,
        };
        SeedRng { seed, state }
    }

    /// Seed from `OXIDIS_SEED` if set (panics if it does not parse), else from the clock.
    pub fn from_env() -> SeedRng {
        let seed = match std::env::var("OXIDIS_SEED") {
            Ok(s) => parse_seed(&s).unwrap_or_else(|| panic!("OXIDIS_SEED={s:?} is not a u64")),
            Err(_) => {
                let t = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(0);
                splitmix64(t ^ u64::from(std::process::id()))
            }
        };
        eprintln!("random test seed: OXIDIS_SEED={seed}");
        SeedRng::new(seed)
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// xorshift64*.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "SeedRng::below(0)");
        // Rejection sampling to avoid modulo bias.
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        assert!(lo <= hi, "SeedRng::range({lo}, {hi})");
        let span = (hi as i128 - lo as i128 + 1) as u128;
        if span > u64::MAX as u128 {
            return self.next_u64() as i64;
        }
        (lo as i128 + self.below(span as u64) as i128) as i64
    }

    /// True with probability `num/den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// A uniformly chosen element (`items` must not be empty).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        assert!(!items.is_empty(), "SeedRng::pick on empty slice");
        &items[self.below(items.len() as u64) as usize]
    }

    /// `len` bytes drawn from `alphabet` (all 256 byte values if empty).
    pub fn bytes(&mut self, len: usize, alphabet: &[u8]) -> Vec<u8> {
        (0..len)
            .map(|_| {
                if alphabet.is_empty() {
                    self.next_u64() as u8
                } else {
                    *self.pick(alphabet)
                }
            })
            .collect()
    }

    /// `prefix` followed by a number in `0..n`: a small key space makes operations collide.
    pub fn key(&mut self, prefix: &str, n: u64) -> Vec<u8> {
        format!("{prefix}{}", self.below(n)).into_bytes()
    }
}

impl Drop for SeedRng {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "random test failed with OXIDIS_SEED={0}; reproduce with OXIDIS_SEED={0} cargo test ...",
                self.seed
            );
        }
    }
}

/// One generated command and how its replies are compared.
#[derive(Clone, Debug)]
pub struct GenCmd {
    pub args: Vec<Vec<u8>>,
    pub norm: Norm,
}

impl GenCmd {
    /// Compared byte for byte.
    pub fn exact(args: Vec<Vec<u8>>) -> GenCmd {
        GenCmd {
            args,
            norm: Norm::Exact,
        }
    }

    pub fn with(args: Vec<Vec<u8>>, norm: Norm) -> GenCmd {
        GenCmd { args, norm }
    }

    /// From string pieces, e.g. `GenCmd::strs(&["SET", "k", "v"])`.
    pub fn strs(args: &[&str]) -> GenCmd {
        GenCmd::exact(args.iter().map(|a| a.as_bytes().to_vec()).collect())
    }
}

type GenFn = Box<dyn Fn(&mut SeedRng) -> GenCmd>;

/// A named, weighted command generator.
pub struct Generator {
    pub name: &'static str,
    pub weight: u32,
    gen: GenFn,
}

impl Generator {
    pub fn new(
        name: &'static str,
        weight: u32,
        gen: impl Fn(&mut SeedRng) -> GenCmd + 'static,
    ) -> Generator {
        Generator {
            name,
            weight,
            gen: Box::new(gen),
        }
    }

    pub fn generate(&self, rng: &mut SeedRng) -> GenCmd {
        (self.gen)(rng)
    }
}

/// Chooses a generator with probability proportional to its weight.
pub fn pick_generator<'a>(rng: &mut SeedRng, gens: &'a [Generator]) -> &'a Generator {
    let total: u64 = gens.iter().map(|g| u64::from(g.weight)).sum();
    assert!(
        total > 0,
        "pick_generator: no generator with a positive weight"
    );
    let mut r = rng.below(total);
    for g in gens {
        if r < u64::from(g.weight) {
            return g;
        }
        r -= u64::from(g.weight);
    }
    unreachable!("weights sum to total")
}

/// `n` commands drawn from `gens`; the sequence depends only on the seed.
pub fn random_sequence(rng: &mut SeedRng, gens: &[Generator], n: usize) -> Vec<GenCmd> {
    (0..n)
        .map(|_| pick_generator(rng, gens).generate(rng))
        .collect()
}
