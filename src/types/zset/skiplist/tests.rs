//! Tests of the skiplist: model-based random runs against a `BTreeSet`, edge cases, and range
//! parsing checked against answers observed on redis-server 7.0.15.

use super::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::collections::{BTreeSet, HashMap};

/// A score with the total order the skiplist uses (plain `<`, so `-0.0 == 0.0`; no NaN).
#[derive(Clone, Copy, Debug)]
struct Score(f64);
impl PartialEq for Score {
    fn eq(&self, o: &Self) -> bool {
        self.0 == o.0
    }
}
impl Eq for Score {}
impl PartialOrd for Score {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Score {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.partial_cmp(&o.0).expect("no NaN in tests")
    }
}

/// The reference: the ordered set plus the member→score map a zset keeps beside it.
#[derive(Default)]
struct Model {
    set: BTreeSet<(Score, Vec<u8>)>,
    map: HashMap<Vec<u8>, f64>,
}

impl Model {
    fn sorted(&self) -> Vec<(Vec<u8>, f64)> {
        self.set.iter().map(|(s, m)| (m.clone(), s.0)).collect()
    }
    fn insert(&mut self, s: f64, m: &[u8]) {
        self.set.insert((Score(s), m.to_vec()));
        self.map.insert(m.to_vec(), s);
    }
    fn remove(&mut self, m: &[u8]) {
        let s = self.map.remove(m).unwrap();
        assert!(self.set.remove(&(Score(s), m.to_vec())));
    }
}

fn collect(it: Iter<'_>) -> Vec<(Vec<u8>, f64)> {
    it.map(|(m, s)| (m.to_vec(), s)).collect()
}

const SCORES: [f64; 10] = [
    f64::NEG_INFINITY,
    -1.5,
    -0.0,
    0.0,
    1.0,
    2.0,
    2.5,
    3.0,
    1e300,
    f64::INFINITY,
];

fn rand_score(rng: &mut SmallRng) -> f64 {
    if rng.gen_bool(0.5) {
        SCORES[rng.gen_range(0..SCORES.len())]
    } else {
        rng.gen_range(-20..20) as f64 / 2.0
    }
}

/// Short members over a small alphabet: many shared prefixes, the empty member included.
fn rand_member(rng: &mut SmallRng) -> Vec<u8> {
    let len = rng.gen_range(0..4);
    (0..len)
        .map(|_| b"ab\x00\xff"[rng.gen_range(0..4)])
        .collect()
}

/// `n` candidate members: all short ones over "ab\0\xff" plus longer random ones.
fn member_pool(rng: &mut SmallRng, n: usize) -> Vec<Vec<u8>> {
    let mut pool: BTreeSet<Vec<u8>> = (0..200).map(|_| rand_member(rng)).collect();
    while pool.len() < n {
        let len = rng.gen_range(1..8);
        pool.insert((0..len).map(|_| rng.gen::<u8>() % 6 + b'a').collect());
    }
    pool.into_iter().collect()
}

fn rand_score_bound(rng: &mut SmallRng) -> (f64, bool) {
    (rand_score(rng), rng.gen_bool(0.5))
}

fn rand_score_range(rng: &mut SmallRng) -> ScoreRange {
    let (min, minex) = rand_score_bound(rng);
    let (max, maxex) = rand_score_bound(rng);
    ScoreRange {
        min,
        max,
        minex,
        maxex,
    }
}

fn rand_lex_bound<'a>(rng: &mut SmallRng, pool: &'a [Vec<u8>]) -> LexBound<'a> {
    match rng.gen_range(0..10) {
        0 => LexBound::Min,
        1 => LexBound::Max,
        2..=5 => LexBound::Inclusive(&pool[rng.gen_range(0..pool.len())]),
        _ => LexBound::Exclusive(&pool[rng.gen_range(0..pool.len())]),
    }
}

/// Compares every query and the full contents with the model.
fn check_against(sl: &SkipList, model: &Model, rng: &mut SmallRng) {
    let sorted = model.sorted();
    assert_eq!(sl.len(), sorted.len());
    assert_eq!(collect(sl.iter()), sorted);
    assert_eq!(
        sl.first().map(|(m, s)| (m.to_vec(), s)),
        sorted.first().cloned()
    );
    assert_eq!(
        sl.last().map(|(m, s)| (m.to_vec(), s)),
        sorted.last().cloned()
    );
    for _ in 0..4 {
        let r = rng.gen_range(0..sorted.len() + 3);
        assert_eq!(
            sl.get_by_rank(r).map(|(m, s)| (m.to_vec(), s)),
            sorted.get(r).cloned(),
            "get_by_rank({r})"
        );
        let fwd: Vec<_> = sorted.iter().skip(r).take(5).cloned().collect();
        assert_eq!(
            collect(sl.iter_from_rank(r))
                .into_iter()
                .take(5)
                .collect::<Vec<_>>(),
            fwd
        );
        assert_eq!(sl.iter_from_rank(r).len(), sorted.len().saturating_sub(r));
        let rev: Vec<_> = if r < sorted.len() {
            sorted[..=r].iter().rev().take(5).cloned().collect()
        } else {
            vec![]
        };
        assert_eq!(
            collect(sl.iter_rev_from_rank(r))
                .into_iter()
                .take(5)
                .collect::<Vec<_>>(),
            rev
        );
        assert_eq!(
            sl.iter_rev_from_rank(r).len(),
            rev.len().max(if r < sorted.len() { r + 1 } else { 0 })
        );
    }
    for (i, (m, s)) in sorted.iter().enumerate() {
        assert_eq!(sl.rank(*s, m), Some(i));
    }
    let m = rand_member(rng);
    if !model.map.contains_key(&m) {
        assert_eq!(sl.rank(1.0, &m), None);
    }
    for _ in 0..4 {
        let range = rand_score_range(rng);
        let inside: Vec<usize> = (0..sorted.len())
            .filter(|&i| range.contains(sorted[i].1))
            .collect();
        assert_eq!(
            sl.first_in_range(&range),
            inside.first().copied(),
            "{range:?}"
        );
        assert_eq!(
            sl.last_in_range(&range),
            inside.last().copied(),
            "{range:?}"
        );
        assert_eq!(sl.count_in_range(&range), inside.len(), "{range:?}");
    }
}

#[test]
fn model_random_operations() {
    for seed in 0..12u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut sl = SkipList::with_seed(seed);
        let mut model = Model::default();
        let cap = [8, 40, 250][seed as usize % 3];
        let pool = member_pool(&mut rng, cap * 3 / 2);
        let (mut max_len, mut max_level) = (0, 0);
        for step in 0..4000 {
            let m = pool[rng.gen_range(0..pool.len())].clone();
            match rng.gen_range(0..100) {
                0..=54 => {
                    if model.map.len() < cap && !model.map.contains_key(&m) {
                        let s = rand_score(&mut rng);
                        let id = sl.insert(s, m.clone().into_boxed_slice());
                        assert_eq!(sl.entry(id), Some((&m[..], s)));
                        model.insert(s, &m);
                    }
                }
                55..=69 => match model.map.get(&m).copied() {
                    Some(s) => {
                        // A different score must not match.
                        let other = 0.125; // never generated
                        assert!(!sl.delete(other, &m));
                        assert!(sl.delete(s, &m));
                        model.remove(&m);
                    }
                    None => assert!(!sl.delete(rand_score(&mut rng), &m)),
                },
                70..=93 => match model.map.get(&m).copied() {
                    Some(s) => {
                        let before = sl.rank(s, &m).and_then(|r| sl.node_by_rank(r));
                        let ns = rand_score(&mut rng);
                        let id = sl.update_score(s, &m, ns).unwrap();
                        assert_eq!(Some(id), before, "node id kept");
                        assert_eq!(sl.entry(id), Some((&m[..], ns)));
                        model.remove(&m);
                        model.insert(ns, &m);
                    }
                    None => assert_eq!(sl.update_score(0.0, &m, 1.0), None),
                },
                94..=95 => {
                    let range = rand_score_range(&mut rng);
                    let mut got = vec![];
                    let n = sl.delete_range_by_score(&range, |m| got.push(m.to_vec()));
                    let want: Vec<Vec<u8>> = model
                        .sorted()
                        .into_iter()
                        .filter(|(_, s)| range.contains(*s))
                        .map(|(m, _)| m)
                        .collect();
                    assert_eq!(n, want.len());
                    assert_eq!(got, want);
                    for m in &want {
                        model.remove(m);
                    }
                }
                _ => {
                    let len = model.map.len();
                    let start = rng.gen_range(0..len + 2);
                    let end = start + rng.gen_range(0..4);
                    let mut got = vec![];
                    let n = sl.delete_range_by_rank(start, end, |m| got.push(m.to_vec()));
                    let want: Vec<Vec<u8>> = model
                        .sorted()
                        .into_iter()
                        .skip(start)
                        .take(end - start + 1)
                        .map(|(m, _)| m)
                        .collect();
                    assert_eq!(n, want.len());
                    assert_eq!(got, want);
                    for m in &want {
                        model.remove(m);
                    }
                }
            }
            max_len = max_len.max(sl.len());
            max_level = max_level.max(sl.level);
            if step % 50 == 0 {
                sl.check_invariants();
                check_against(&sl, &model, &mut rng);
            }
        }
        sl.check_invariants();
        check_against(&sl, &model, &mut rng);
        // The run reached the size cap, and several levels for the big lists.
        assert!(max_len >= cap / 2, "seed {seed}: {max_len}");
        assert!(cap < 250 || max_level >= 4, "seed {seed}: {max_level}");
    }
}

/// Lex queries are defined when all scores are equal (as ZRANGEBYLEX requires).
#[test]
fn model_lex_ranges() {
    for seed in 0..8u64 {
        let mut rng = SmallRng::seed_from_u64(1000 + seed);
        let mut sl = SkipList::with_seed(seed);
        let mut model = Model::default();
        let pool = member_pool(&mut rng, 60);
        for _ in 0..600 {
            let m = &pool[rng.gen_range(0..pool.len())];
            match rng.gen_range(0..10) {
                0..=5 => {
                    if !model.map.contains_key(m) {
                        sl.insert(7.0, m.clone().into_boxed_slice());
                        model.insert(7.0, m);
                    }
                }
                6..=7 => {
                    assert_eq!(sl.delete(7.0, m), model.map.contains_key(m));
                    if model.map.contains_key(m) {
                        model.remove(m);
                    }
                }
                8 => {
                    let range = LexRange {
                        min: rand_lex_bound(&mut rng, &pool),
                        max: rand_lex_bound(&mut rng, &pool),
                    };
                    let mut got = vec![];
                    let n = sl.delete_range_by_lex(&range, |m| got.push(m.to_vec()));
                    let want: Vec<Vec<u8>> = model
                        .map
                        .keys()
                        .filter(|m| range.contains(m))
                        .cloned()
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect();
                    assert_eq!((n, &got), (want.len(), &want), "{range:?}");
                    for m in &want {
                        model.remove(m);
                    }
                }
                _ => {
                    for _ in 0..5 {
                        let range = LexRange {
                            min: rand_lex_bound(&mut rng, &pool),
                            max: rand_lex_bound(&mut rng, &pool),
                        };
                        let sorted = model.sorted();
                        let inside: Vec<usize> = (0..sorted.len())
                            .filter(|&i| range.contains(&sorted[i].0))
                            .collect();
                        assert_eq!(
                            sl.first_in_lex_range(&range),
                            inside.first().copied(),
                            "{range:?}"
                        );
                        assert_eq!(
                            sl.last_in_lex_range(&range),
                            inside.last().copied(),
                            "{range:?}"
                        );
                        assert_eq!(sl.count_in_lex_range(&range), inside.len(), "{range:?}");
                    }
                }
            }
        }
        sl.check_invariants();
        check_against(&sl, &model, &mut rng);
    }
}

#[test]
fn empty_list() {
    let mut sl = SkipList::new();
    assert!(sl.is_empty());
    assert_eq!(sl.len(), 0);
    assert_eq!(sl.get_by_rank(0), None);
    assert_eq!(sl.node_by_rank(usize::MAX), None);
    assert_eq!(sl.first(), None);
    assert_eq!(sl.last(), None);
    assert_eq!(sl.rank(0.0, b""), None);
    assert!(!sl.delete(0.0, b""));
    assert_eq!(sl.update_score(0.0, b"a", 1.0), None);
    assert_eq!(sl.iter().count(), 0);
    assert_eq!(sl.iter_from_rank(3).count(), 0);
    assert_eq!(sl.iter_rev_from_rank(0).count(), 0);
    let all = ScoreRange::parse(b"-inf", b"+inf").unwrap();
    assert_eq!(sl.first_in_range(&all), None);
    assert_eq!(sl.last_in_range(&all), None);
    assert_eq!(sl.count_in_range(&all), 0);
    let lex = LexRange::parse(b"-", b"+").unwrap();
    assert_eq!(sl.first_in_lex_range(&lex), None);
    assert_eq!(sl.delete_range_by_score(&all, |_| panic!()), 0);
    assert_eq!(sl.delete_range_by_lex(&lex, |_| panic!()), 0);
    assert_eq!(sl.delete_range_by_rank(0, usize::MAX, |_| panic!()), 0);
    sl.check_invariants();
}

#[test]
fn equal_scores_order_by_member_bytes() {
    let mut sl = SkipList::with_seed(1);
    for m in [&b"b"[..], b"a", b"", b"ab", b"\xff", b"a\x00", b"B"] {
        sl.insert(1.0, m.into());
    }
    sl.insert(0.5, b"zzz"[..].into());
    let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
    let want: Vec<&[u8]> = vec![b"zzz", b"", b"B", b"a", b"a\x00", b"ab", b"b", b"\xff"];
    assert_eq!(order, want);
    assert_eq!(sl.rank(1.0, b"a\x00"), Some(4));
    assert_eq!(sl.rank(1.0, b"a\x01"), None);
    assert_eq!(sl.rank(2.0, b"a"), None);
    sl.check_invariants();
}

#[test]
fn negative_zero_equals_zero() {
    // Redis compares scores with plain `<`/`==`: real redis answers ZCOUNT w 0 0 = 3 and
    // ZCOUNT w (-0 0 = 0 for ZADD w -0 a 0 b 0 "" (observed on 7.0.15).
    let mut sl = SkipList::with_seed(2);
    sl.insert(0.0, b"b"[..].into());
    sl.insert(-0.0, b"a"[..].into());
    sl.insert(0.0, b""[..].into());
    let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
    assert_eq!(order, vec![&b""[..], b"a", b"b"]);
    assert_eq!(sl.rank(0.0, b"a"), Some(1));
    let r = ScoreRange::parse(b"0", b"0").unwrap();
    assert_eq!(sl.count_in_range(&r), 3);
    let r = ScoreRange::parse(b"(-0", b"0").unwrap();
    assert_eq!(sl.count_in_range(&r), 0);
    assert!(sl.delete(0.0, b"a"), "-0.0 stored, 0.0 given");
    assert!(sl.delete(-0.0, b"b"));
    assert_eq!(sl.len(), 1);
    sl.check_invariants();
}

#[test]
fn infinite_scores() {
    let mut sl = SkipList::with_seed(3);
    sl.insert(f64::INFINITY, b"top"[..].into());
    sl.insert(f64::NEG_INFINITY, b"bottom"[..].into());
    sl.insert(0.0, b"mid"[..].into());
    let all = ScoreRange::parse(b"-inf", b"+inf").unwrap();
    assert_eq!(sl.count_in_range(&all), 3);
    let open = ScoreRange::parse(b"(-inf", b"(+inf").unwrap();
    assert_eq!(
        (sl.first_in_range(&open), sl.last_in_range(&open)),
        (Some(1), Some(1))
    );
    let top = ScoreRange::parse(b"inf", b"inf").unwrap();
    assert_eq!(sl.first_in_range(&top), Some(2));
    assert!(ScoreRange::parse(b"(inf", b"inf").unwrap().is_empty());
    assert_eq!(sl.rank(f64::NEG_INFINITY, b"bottom"), Some(0));
    assert_eq!(
        sl.update_score(f64::INFINITY, b"top", f64::NEG_INFINITY)
            .map(|_| ()),
        Some(())
    );
    let order: Vec<&[u8]> = sl.iter().map(|(m, _)| m).collect();
    assert_eq!(order, vec![&b"bottom"[..], b"top", b"mid"]);
    sl.check_invariants();
}

#[test]
fn update_score_in_place_or_moved() {
    let mut sl = SkipList::with_seed(4);
    let ids: Vec<NodeId> = (0..10)
        .map(|i| sl.insert(i as f64, vec![b'a' + i as u8].into()))
        .collect();
    // Stays between neighbours 4 and 6: updated in place.
    assert_eq!(sl.update_score(5.0, b"f", 5.5), Some(ids[5]));
    assert_eq!(sl.get_by_rank(5), Some((&b"f"[..], 5.5)));
    // Equal to a neighbour's score: Redis relinks; order by member then holds.
    assert_eq!(sl.update_score(5.5, b"f", 6.0), Some(ids[5]));
    assert_eq!(sl.rank(6.0, b"f"), Some(5));
    // Moves to the front.
    assert_eq!(sl.update_score(9.0, b"j", -1.0), Some(ids[9]));
    assert_eq!(sl.get_by_rank(0), Some((&b"j"[..], -1.0)));
    assert_eq!(sl.entry(ids[9]), Some((&b"j"[..], -1.0)));
    // Old score no longer matches.
    assert_eq!(sl.update_score(9.0, b"j", 0.0), None);
    sl.check_invariants();
}

#[test]
fn ids_reused_and_stale_entry() {
    let mut sl = SkipList::with_seed(5);
    let a = sl.insert(1.0, b"a"[..].into());
    assert_eq!(sl.remove(1.0, b"a").as_deref(), Some(&b"a"[..]));
    assert_eq!(sl.entry(a), None);
    assert_eq!(sl.entry(NodeId(HEAD)), None);
    assert_eq!(sl.entry(NodeId(12345)), None);
    let b = sl.insert(2.0, b"b"[..].into());
    assert_eq!(a, b, "freed slot reused");
    sl.check_invariants();
}

#[test]
fn range_deletes_with_bounds() {
    let mut sl = SkipList::with_seed(6);
    for i in 0..100 {
        sl.insert(i as f64, format!("m{i:03}").into_bytes().into());
    }
    let mut got = vec![];
    let r = ScoreRange::parse(b"(10", b"20").unwrap();
    assert_eq!(sl.delete_range_by_score(&r, |m| got.push(m.to_vec())), 10);
    assert_eq!(got.first().map(|m| &m[..]), Some(&b"m011"[..]));
    assert_eq!(got.last().map(|m| &m[..]), Some(&b"m020"[..]));
    // Ranks 0..=4 are m000..m004.
    assert_eq!(sl.delete_range_by_rank(0, 4, |_| ()), 5);
    assert_eq!(sl.first(), Some((&b"m005"[..], 5.0)));
    // End beyond the list is clipped.
    assert_eq!(sl.delete_range_by_rank(80, usize::MAX, |_| ()), 5);
    assert_eq!(sl.len(), 80);
    assert_eq!(sl.delete_range_by_rank(10, 9, |_| ()), 0);
    let lex = LexRange::parse(b"[m050", b"(m060").unwrap();
    assert_eq!(sl.delete_range_by_lex(&lex, |_| ()), 10);
    assert_eq!(sl.len(), 70);
    sl.check_invariants();
    assert_eq!(sl.delete_range_by_rank(0, usize::MAX - 1, |_| ()), 70);
    assert!(sl.is_empty());
    sl.check_invariants();
}

#[test]
fn level_distribution() {
    let mut sl = SkipList::with_seed(7);
    let mut hist = [0usize; MAX_LEVEL + 1];
    for _ in 0..100_000 {
        hist[sl.random_level()] += 1;
    }
    // P(1) = 0.75, P(2) = 0.1875, P(3) ~ 0.047.
    assert!((74_000..76_000).contains(&hist[1]), "{hist:?}");
    assert!((18_000..19_500).contains(&hist[2]), "{hist:?}");
    assert!((4_300..5_100).contains(&hist[3]), "{hist:?}");
    assert_eq!(hist[0], 0);
}

#[test]
fn large_list_ranks_and_drop() {
    let n = 200_000u32;
    let mut sl = SkipList::with_seed(8);
    // Inserted in a scrambled order.
    for i in 0..n {
        let k = (u64::from(i) * 7919 % u64::from(n)) as u32;
        sl.insert(f64::from(k / 2), k.to_be_bytes().to_vec().into());
    }
    for k in (0..n).step_by(9973) {
        assert_eq!(
            sl.rank(f64::from(k / 2), &k.to_be_bytes()),
            Some(k as usize)
        );
        assert_eq!(
            sl.get_by_rank(k as usize),
            Some((&k.to_be_bytes()[..], f64::from(k / 2)))
        );
    }
    let r = ScoreRange::parse(b"(1000", b"2000").unwrap();
    assert_eq!(sl.count_in_range(&r), 2000);
    drop(sl);
}

/// 10M elements: dropping must not recurse. Slow in debug builds.
#[test]
#[ignore]
fn drop_ten_million() {
    let mut sl = SkipList::with_seed(9);
    for i in 0..10_000_000u32 {
        sl.insert(f64::from(i), i.to_be_bytes().to_vec().into());
    }
    assert_eq!(sl.len(), 10_000_000);
    drop(sl);
}

/// Prints bytes per element for 1M members of 14 bytes ("member:0000000").
#[test]
#[ignore]
fn memory_per_element() {
    fn rss() -> usize {
        let s = std::fs::read_to_string("/proc/self/statm").unwrap();
        let pages: usize = s.split_whitespace().nth(1).unwrap().parse().unwrap();
        pages * 4096
    }
    let n = 1_000_000;
    let before = rss();
    let mut sl = SkipList::with_seed(10);
    for i in 0..n {
        sl.insert(i as f64, format!("member:{i:07}").into_bytes().into());
    }
    let after = rss();
    println!(
        "arena {} B/elem (node {} B, level {} B, {} upper links), rss delta {} B/elem",
        sl.arena_bytes() as f64 / n as f64,
        std::mem::size_of::<Node>(),
        std::mem::size_of::<Level>(),
        sl.uppers.len(),
        (after - before) as f64 / n as f64
    );
}

// ----- parsing: expected results observed on redis-server 7.0.15 ---------------------

#[test]
fn score_range_parse_like_redis() {
    let ok = |a: &[u8], b: &[u8]| ScoreRange::parse(a, b).expect("valid");
    // ZCOUNT z (1 (2 -> 0 with members 1,2,3: both exclusive.
    assert_eq!(
        ok(b"(1", b"(2"),
        ScoreRange {
            min: 1.0,
            max: 2.0,
            minex: true,
            maxex: true
        }
    );
    assert_eq!(
        ok(b"1", b"(3"),
        ScoreRange {
            min: 1.0,
            max: 3.0,
            minex: false,
            maxex: true
        }
    );
    // Accepted by redis: '' (0), '(' (exclusive 0), '( 1', ' 1', 0x1, .5, +1, 0x1p1, 1e400.
    assert_eq!(ok(b"", b"1").min, 0.0);
    assert_eq!(
        ok(b"(", b"3"),
        ScoreRange {
            min: 0.0,
            max: 3.0,
            minex: true,
            maxex: false
        }
    );
    assert_eq!(ok(b"( 1", b"3").min, 1.0);
    assert_eq!(ok(b" 1", b"3").min, 1.0);
    assert_eq!(ok(b"0x1", b"3").min, 1.0);
    assert_eq!(ok(b".5", b"3").min, 0.5);
    assert_eq!(ok(b"+1", b"3").min, 1.0);
    assert_eq!(ok(b"0x1p1", b"3").min, 2.0);
    assert_eq!(ok(b"1e1", b"3").min, 10.0);
    // Overflow is not an error: ZCOUNT z -1e400 1e400 -> 3 and 1e400 -1e400 -> 0 (observed).
    assert_eq!(ok(b"1e400", b"-1e400").min, f64::INFINITY);
    assert_eq!(ok(b"1e400", b"-1e400").max, f64::NEG_INFINITY);
    // inf spellings accepted by strtod.
    assert_eq!(ok(b"-inf", b"+inf").min, f64::NEG_INFINITY);
    assert_eq!(ok(b"-INF", b"inf").max, f64::INFINITY);
    assert_eq!(ok(b"-infinity", b"+Infinity").min, f64::NEG_INFINITY);
    assert_eq!(
        ok(b"1", b"(inf"),
        ScoreRange {
            min: 1.0,
            max: f64::INFINITY,
            minex: false,
            maxex: true
        }
    );
    // C-string semantics: "1\0x" is 1 (ZCOUNT z "1\0x" 3 -> 3 via EVAL).
    assert_eq!(ok(b"1\0x", b"3").min, 1.0);
    // Rejected by redis ("ERR min or max is not a float").
    for (a, b) in [
        (&b"1x"[..], &b"2"[..]),
        (b"1", b"2x"),
        (b"1 ", b"3"),
        (b"nan", b"1"),
        (b"(nan", b"1"),
        (b"1", b"-nan"),
        (b"((1", b"3"),
        (b"1e", b"3"),
        (b"[1", b"3"),
        (b"a", b"3"),
    ] {
        assert_eq!(ScoreRange::parse(a, b), None, "{:?} {:?}", a, b);
    }
}

#[test]
fn score_range_emptiness_and_membership() {
    // Observed: ZCOUNT z (+inf +inf -> 0, -inf (-inf -> 0, 2 1 -> 0, (1 1 -> 0.
    for (a, b) in [
        (&b"(+inf"[..], &b"+inf"[..]),
        (b"-inf", b"(-inf"),
        (b"2", b"1"),
        (b"(1", b"1"),
    ] {
        assert!(ScoreRange::parse(a, b).unwrap().is_empty());
    }
    let r = ScoreRange::parse(b"1", b"1").unwrap();
    assert!(!r.is_empty() && r.contains(1.0) && !r.contains(1.5));
    let r = ScoreRange::parse(b"(1", b"2").unwrap();
    assert!(!r.value_gte_min(1.0) && r.value_gte_min(1.5) && r.value_lte_max(2.0));
    let r = ScoreRange::parse(b"1", b"(2").unwrap();
    assert!(r.value_gte_min(1.0) && !r.value_lte_max(2.0));
}

#[test]
fn lex_range_parse_like_redis() {
    use LexBound::*;
    let ok = |a: &'static [u8], b: &'static [u8]| LexRange::parse(a, b).expect("valid");
    assert_eq!(
        ok(b"[a", b"[b"),
        LexRange {
            min: Inclusive(b"a"),
            max: Inclusive(b"b")
        }
    );
    assert_eq!(ok(b"-", b"+"), LexRange { min: Min, max: Max });
    assert_eq!(
        ok(b"(", b"+"),
        LexRange {
            min: Exclusive(b""),
            max: Max
        }
    );
    assert_eq!(
        ok(b"[", b"(a"),
        LexRange {
            min: Inclusive(b""),
            max: Exclusive(b"a")
        }
    );
    // C-string semantics: "-\0x" is "-" (ZLEXCOUNT via EVAL -> 3).
    assert_eq!(ok(b"-\0x", b"+\0y"), LexRange { min: Min, max: Max });
    // Rejected by redis ("ERR min or max not valid string range item").
    for (a, b) in [
        (&b"a"[..], &b"b"[..]),
        (b"-x", b"+"),
        (b"", b"+"),
        (b"--", b"+"),
        (b"-", b"++"),
        (b"[a", b"b"),
        (b"-", b""),
    ] {
        assert_eq!(LexRange::parse(a, b), None, "{:?} {:?}", a, b);
    }
}

#[test]
fn lex_range_emptiness_like_redis() {
    // Observed on members a,b,c (score 1): "+ -", "- -", "+ +", "(a (a", "[a (a", "[c [a"
    // all count 0; "[a [a" counts 1; "- (a" counts 0; "[ +" counts 3.
    for (a, b) in [
        (&b"+"[..], &b"-"[..]),
        (b"-", b"-"),
        (b"+", b"+"),
        (b"(a", b"(a"),
        (b"[a", b"(a"),
        (b"[c", b"[a"),
        (b"[a", b"-"),
        (b"+", b"[a"),
    ] {
        assert!(LexRange::parse(a, b).unwrap().is_empty(), "{:?} {:?}", a, b);
    }
    let mut sl = SkipList::with_seed(11);
    for m in [b"a", b"b", b"c"] {
        sl.insert(1.0, m[..].into());
    }
    let count =
        |sl: &SkipList, a: &[u8], b: &[u8]| sl.count_in_lex_range(&LexRange::parse(a, b).unwrap());
    assert_eq!(count(&sl, b"[a", b"[a"), 1);
    assert_eq!(count(&sl, b"-", b"(a"), 0);
    assert_eq!(count(&sl, b"[", b"+"), 3);
    assert_eq!(count(&sl, b"(", b"+"), 3);
    assert_eq!(count(&sl, b"(a", b"+"), 2);
    assert_eq!(count(&sl, b"[b", b"(c"), 1);
    assert_eq!(count(&sl, b"(c", b"+"), 0);
    assert_eq!(count(&sl, b"[c", b"+"), 1);
    assert_eq!(count(&sl, b"[a", b"[b"), 2);
    // With the empty member added: "[ +" counts 4, "( +" counts 3 (observed).
    sl.insert(1.0, b""[..].into());
    assert_eq!(count(&sl, b"[", b"+"), 4);
    assert_eq!(count(&sl, b"(", b"+"), 3);
}

#[test]
fn overflowing_bounds_are_infinite() {
    // ZCOUNT z -1e400 1e400 -> 3 on members 1,2,3 (observed on redis-server 7.0.15).
    let mut sl = SkipList::with_seed(12);
    for (s, m) in [(1.0, b"a"), (2.0, b"b"), (3.0, b"c")] {
        sl.insert(s, m[..].into());
    }
    let r = ScoreRange::parse(b"-1e400", b"1e400").unwrap();
    assert_eq!(sl.count_in_range(&r), 3);
    let r = ScoreRange::parse(b"1e400", b"-1e400").unwrap();
    assert_eq!(sl.count_in_range(&r), 0);
}
