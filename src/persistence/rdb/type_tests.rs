//! Unit tests of the per-type value encoders and decoders: round trips of every type and
//! encoding, the legacy encodings older Redis versions wrote (zipmap, ziplists, plain lists,
//! string-scored zsets, version-1 streams), the 7.2 stream format, conversions on load,
//! empty-key skipping, and corrupt input (never a panic). Files from the real servers are
//! covered by `tests/rdb_types.rs` (Redis 7.0.15) and `tests/rdb_legacy.rs` (Redis 6.2.14:
//! quicklists of ziplists, ziplist hashes and sorted sets, version-1 streams). The fixtures
//! here built in code are the only ones for what neither server writes: zipmap hashes
//! (type 9, Redis < 2.6), `LIST_ZIPLIST` (10, Redis 2.6-3.0) and `LIST` (1, Redis < 3.2)
//! lists, string-scored `ZSET` (3, Redis < 4.0), and plain quicklist nodes (elements of 1 GB
//! or more, too big to produce in a test).

use super::decode::{load, read_object, restore_payload, LoadOptions, TypeLimits, MSG_EMPTY_KEY};
use super::encode::{dump_payload, object_type, write_object};
use super::format::*;
use super::io::{RdbReader, RdbWriter};
use crate::db::keyspace::Db;
use crate::types::hash::Hash;
use crate::types::list::{End, List};
use crate::types::listpack::{Listpack, LpEntry};
use crate::types::set::Set;
use crate::types::stream::{Consumer, Group, IdSpec, Nack, Stream, StreamId};
use crate::types::value::Value;
use crate::types::ziplist::tests::build as ziplist;
use crate::types::zset::value::ZSet;
use std::sync::Arc;

const LIM: TypeLimits = TypeLimits::DEFAULT;

/// Body of a value record (type byte + payload), as RESTORE reads it.
fn body(v: &Value) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    w.write_u8(object_type(v)).unwrap();
    write_object(&mut w, v).unwrap();
    w.into_inner().unwrap()
}

fn with_writer(f: impl FnOnce(&mut RdbWriter<Vec<u8>>)) -> Vec<u8> {
    let mut w = RdbWriter::new(Vec::new(), false, false);
    f(&mut w);
    w.into_inner().unwrap()
}

fn read(ty: u8, payload: &[u8], lim: &TypeLimits) -> Result<Value, String> {
    let mut r = RdbReader::from_slice(payload);
    read_object(&mut r, ty, lim).map_err(|e| e.msg)
}

fn hash(pairs: &[(&[u8], &[u8])]) -> Hash {
    let mut h = Hash::new();
    for (f, v) in pairs {
        h.set(f, v, LIM.hash);
    }
    h
}

fn hash_content(v: &Value) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out: Vec<_> = v
        .as_hash()
        .unwrap()
        .iter()
        .map(|(f, v)| (f.to_bytes(), v.to_bytes()))
        .collect();
    out.sort();
    out
}

fn set_content(v: &Value) -> Vec<Vec<u8>> {
    let mut out: Vec<_> = v.as_set().unwrap().iter().map(|m| m.to_vec()).collect();
    out.sort();
    out
}

fn list_content(v: &Value) -> Vec<Vec<u8>> {
    v.as_list().unwrap().iter().map(|e| e.to_bytes()).collect()
}

fn zset_content(v: &Value) -> Vec<(Vec<u8>, f64)> {
    v.as_zset()
        .unwrap()
        .iter()
        .map(|(m, s)| (m.to_bytes(), s))
        .collect()
}

fn sample_stream() -> Stream {
    let mut s = Stream::new();
    for i in 1..=250u64 {
        let v = i.to_string();
        let fields: Vec<(&[u8], &[u8])> = if i % 7 == 0 {
            vec![(b"other", v.as_bytes()), (b"x", b"y")]
        } else {
            vec![(b"f", v.as_bytes())]
        };
        s.append(&fields, IdSpec::Exact(StreamId::new(i, i)), 0, 4096, 100)
            .unwrap();
    }
    s.delete(StreamId::new(3, 3));
    let mut g = Group::new(StreamId::new(10, 10), 10);
    for (i, c) in [(1u64, "alice"), (2, "alice"), (5, "bob")] {
        let id = StreamId::new(i, i);
        g.pel.insert(
            id,
            Nack {
                delivery_time: 1_700_000_000_000 + i as i64,
                delivery_count: i,
                consumer: c.as_bytes().to_vec(),
            },
        );
        g.consumers
            .entry(c.as_bytes().to_vec())
            .or_insert_with(|| Consumer {
                seen_time: 1_700_000_000_500,
                pel: Default::default(),
            })
            .pel
            .insert(id);
    }
    g.create_consumer(b"idle", 1_700_000_000_900);
    s.groups.insert(b"g1".to_vec(), g);
    s.groups
        .insert(b"g0".to_vec(), Group::new(StreamId::new(0, 0), -1));
    s
}

fn stream_summary(s: &Stream) -> String {
    let groups: Vec<String> = s
        .groups
        .iter()
        .map(|(n, g)| {
            format!(
                "{n:?} {:?} {} {:?} {:?}",
                g.last_id,
                g.entries_read,
                g.pel
                    .iter()
                    .map(|(id, n)| (*id, n.delivery_time, n.delivery_count, n.consumer.clone()))
                    .collect::<Vec<_>>(),
                g.consumers
                    .iter()
                    .map(|(n, c)| (n.clone(), c.seen_time, c.pel.clone()))
                    .collect::<Vec<_>>()
            )
        })
        .collect();
    format!(
        "{} {:?} {:?} {:?} {} {:?} {:?}",
        s.length,
        s.last_id,
        s.first_id,
        s.max_deleted_entry_id,
        s.entries_added,
        s.range(StreamId::MIN, StreamId::MAX, false, 0),
        groups
    )
}

#[test]
fn every_type_round_trips() {
    let mut big_hash = Hash::new();
    let mut big_set = Set::new();
    let mut big_list = List::new(-2);
    let mut pairs = Vec::new();
    for i in 0..1000i64 {
        big_hash.set(format!("f{i}").as_bytes(), &i.to_le_bytes(), LIM.hash);
        big_set.add(format!("{}", i * 3).as_bytes(), LIM.set_max_intset);
        big_list.push(format!("element-{i}").as_bytes(), End::Tail);
        pairs.push((format!("m{i}").into_bytes(), i as f64 / 3.0));
    }
    let mut small_list = List::new(-2);
    for e in [&b"a"[..], b"12", b"-9223372036854775808", b""] {
        small_list.push(e, End::Head);
    }
    let mut small_set = Set::new();
    for m in [&b"5"[..], b"-70000", b"9000000000"] {
        small_set.add(m, 512);
    }
    let mut str_set = Set::new();
    for m in [&b"5"[..], b"x"] {
        str_set.add(m, 512);
    }
    let special = vec![
        (b"inf".to_vec(), f64::INFINITY),
        (b"ninf".to_vec(), f64::NEG_INFINITY),
        (b"frac".to_vec(), 0.1),
        (b"big".to_vec(), 1e300),
    ];
    let mut long_zset = special.clone();
    long_zset.push((vec![b'L'; 100], 1.0));
    let values = vec![
        Value::Hash(Arc::new(hash(&[(b"a", b"1"), (b"b", b"x"), (b"c", b"")]))),
        Value::Hash(Arc::new(hash(&[(b"a", &[b'v'; 100])]))),
        Value::Hash(Arc::new(big_hash)),
        Value::Set(Arc::new(small_set)),
        Value::Set(Arc::new(str_set)),
        Value::Set(Arc::new(big_set)),
        Value::List(Arc::new(small_list)),
        Value::List(Arc::new(big_list)),
        Value::ZSet(Arc::new(ZSet::from_pairs(special, LIM.zset).unwrap())),
        Value::ZSet(Arc::new(ZSet::from_pairs(long_zset, LIM.zset).unwrap())),
        Value::ZSet(Arc::new(ZSet::from_pairs(pairs, LIM.zset).unwrap())),
        Value::Stream(Arc::new(sample_stream())),
        Value::Stream(Arc::new(Stream::new())),
    ];
    let encodings: Vec<&str> = values.iter().map(|v| v.encoding()).collect();
    assert_eq!(
        encodings,
        [
            "listpack",
            "hashtable",
            "hashtable",
            "intset",
            "hashtable",
            "hashtable",
            "quicklist",
            "quicklist",
            "listpack",
            "skiplist",
            "skiplist",
            "stream",
            "stream"
        ]
    );
    for v in &values {
        let b = body(v);
        let back = restore_payload(&b, &LIM).unwrap_or_else(|| panic!("{v:?}"));
        assert_eq!(back.encoding(), v.encoding());
        match v {
            Value::Hash(_) => assert_eq!(hash_content(&back), hash_content(v)),
            Value::Set(_) => assert_eq!(set_content(&back), set_content(v)),
            Value::List(_) => {
                assert_eq!(list_content(&back), list_content(v));
                assert_eq!(body(&back), b, "same nodes");
            }
            Value::ZSet(_) => {
                assert_eq!(zset_content(&back), zset_content(v));
                assert_eq!(body(&back), b);
            }
            Value::Stream(s) => {
                assert_eq!(stream_summary(back.as_stream().unwrap()), stream_summary(s));
                assert_eq!(body(&back), b);
            }
            Value::Str(_) => unreachable!(),
        }
        // DUMP wraps the same body.
        let d = dump_payload(v, false).unwrap();
        assert_eq!(&d[..b.len()], &b[..]);
    }
}

#[test]
fn stream_record_layout() {
    // One entry, one group with one pending entry and its consumer: every field in order.
    let mut s = Stream::new();
    s.append(
        &[(b"f", b"v")],
        IdSpec::Exact(StreamId::new(5, 1)),
        0,
        4096,
        100,
    )
    .unwrap();
    let mut g = Group::new(StreamId::new(5, 1), 1);
    g.pel.insert(
        StreamId::new(5, 1),
        Nack {
            delivery_time: 7,
            delivery_count: 2,
            consumer: b"c".to_vec(),
        },
    );
    g.consumers.insert(
        b"c".to_vec(),
        Consumer {
            seen_time: 9,
            pel: [StreamId::new(5, 1)].into_iter().collect(),
        },
    );
    s.groups.insert(b"g".to_vec(), g);
    let node = s.nodes.get(StreamId::new(5, 1)).unwrap().to_vec();
    let want = with_writer(|w| {
        w.write_u8(RDB_TYPE_STREAM_LISTPACKS_2).unwrap();
        w.write_len(1).unwrap();
        w.write_string(&StreamId::new(5, 1).encode()).unwrap();
        w.write_string(&node).unwrap();
        for n in [1, 5, 1, 5, 1, 0, 0, 1, 1] {
            w.write_len(n).unwrap();
        }
        w.write_string(b"g").unwrap();
        for n in [5, 1, 1, 1] {
            w.write_len(n).unwrap();
        }
        w.write_raw(&StreamId::new(5, 1).encode()).unwrap();
        w.write_ms(7).unwrap();
        w.write_len(2).unwrap();
        w.write_len(1).unwrap();
        w.write_string(b"c").unwrap();
        w.write_ms(9).unwrap();
        w.write_len(1).unwrap();
        w.write_raw(&StreamId::new(5, 1).encode()).unwrap();
    });
    assert_eq!(body(&Value::Stream(Arc::new(s))), want);
}

/// A stream record in the older layouts: 15 (no first/max-deleted/entries-added, no entries
/// read) or 21 (an active time after each consumer's seen time).
fn stream_record(s: &Stream, ty: u8) -> Vec<u8> {
    with_writer(|w| {
        w.write_len(s.nodes.len() as u64).unwrap();
        for (id, lp) in s.nodes.iter() {
            w.write_string(&id.encode()).unwrap();
            w.write_string(lp).unwrap();
        }
        w.write_len(s.length).unwrap();
        w.write_len(s.last_id.ms).unwrap();
        w.write_len(s.last_id.seq).unwrap();
        if ty != RDB_TYPE_STREAM_LISTPACKS {
            for n in [
                s.first_id.ms,
                s.first_id.seq,
                s.max_deleted_entry_id.ms,
                s.max_deleted_entry_id.seq,
                s.entries_added,
            ] {
                w.write_len(n).unwrap();
            }
        }
        w.write_len(s.groups.len() as u64).unwrap();
        for (name, g) in &s.groups {
            w.write_string(name).unwrap();
            w.write_len(g.last_id.ms).unwrap();
            w.write_len(g.last_id.seq).unwrap();
            if ty != RDB_TYPE_STREAM_LISTPACKS {
                w.write_len(g.entries_read as u64).unwrap();
            }
            w.write_len(g.pel.len() as u64).unwrap();
            for (id, n) in &g.pel {
                w.write_raw(&id.encode()).unwrap();
                w.write_ms(n.delivery_time).unwrap();
                w.write_len(n.delivery_count).unwrap();
            }
            w.write_len(g.consumers.len() as u64).unwrap();
            for (cn, c) in &g.consumers {
                w.write_string(cn).unwrap();
                w.write_ms(c.seen_time).unwrap();
                if ty == RDB_TYPE_STREAM_LISTPACKS_3 {
                    w.write_ms(c.seen_time + 1).unwrap();
                }
                w.write_len(c.pel.len() as u64).unwrap();
                for id in &c.pel {
                    w.write_raw(&id.encode()).unwrap();
                }
            }
        }
    })
}

#[test]
fn older_and_newer_stream_layouts() {
    let s = sample_stream();
    let v3 = read(RDB_TYPE_STREAM_LISTPACKS_3, &stream_record(&s, 21), &LIM).unwrap();
    assert_eq!(stream_summary(v3.as_stream().unwrap()), stream_summary(&s));
    // Version 1: entries added = length, first ID from the entries, entries read estimated.
    let v1 = read(RDB_TYPE_STREAM_LISTPACKS, &stream_record(&s, 15), &LIM).unwrap();
    let v1 = v1.as_stream().unwrap();
    assert_eq!(v1.entries_added, 249);
    assert_eq!(v1.first_id, StreamId::new(1, 1));
    assert_eq!(v1.max_deleted_entry_id, StreamId::MIN);
    assert_eq!(v1.groups[&b"g0"[..]].entries_read, 0);
    assert_eq!(
        v1.groups[&b"g1"[..]].entries_read,
        s.estimate_distance(StreamId::new(10, 10))
    );
    // An empty version-1 stream: the first ID is the maximum, as streamGetEdgeID leaves it.
    let e = read(
        RDB_TYPE_STREAM_LISTPACKS,
        &stream_record(&Stream::new(), 15),
        &LIM,
    )
    .unwrap();
    assert_eq!(e.as_stream().unwrap().first_id, StreamId::MAX);
}

#[test]
fn stream_consistency_is_checked() {
    let base = sample_stream();
    let mut orphan = base.clone();
    // A group PEL entry nobody owns.
    orphan
        .groups
        .get_mut(&b"g1"[..])
        .unwrap()
        .consumers
        .remove(&b"bob"[..]);
    let mut unknown = base.clone();
    // A consumer PEL entry missing from the group PEL.
    unknown
        .groups
        .get_mut(&b"g1"[..])
        .unwrap()
        .pel
        .remove(&StreamId::new(5, 5));
    for (s, want) in [
        (orphan, "Stream CG PEL entry without consumer"),
        (unknown, "Consumer entry not found in group global PEL"),
    ] {
        let err = read(RDB_TYPE_STREAM_LISTPACKS_2, &stream_record(&s, 19), &LIM).unwrap_err();
        assert_eq!(err, want);
    }
    // A node whose listpack is not a stream node.
    let mut bad = Stream::new();
    let mut lp = Listpack::new();
    lp.push_back(b"hello");
    bad.nodes.insert(StreamId::new(1, 0), lp);
    bad.length = 1;
    let err = read(RDB_TYPE_STREAM_LISTPACKS_2, &stream_record(&bad, 19), &LIM).unwrap_err();
    assert_eq!(err, "Stream listpack integrity check failed.");
    // A node key that is not 16 bytes.
    let p = with_writer(|w| {
        w.write_len(1).unwrap();
        w.write_string(b"short").unwrap();
    });
    assert!(read(RDB_TYPE_STREAM_LISTPACKS_2, &p, &LIM)
        .unwrap_err()
        .contains("not the size of a stream ID"));
}

fn zipmap(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut z = vec![pairs.len() as u8];
    for (f, v) in pairs {
        z.push(f.len() as u8);
        z.extend_from_slice(f);
        z.push(v.len() as u8);
        z.push(0);
        z.extend_from_slice(v);
    }
    z.push(0xFF);
    z
}

fn blob(b: &[u8]) -> Vec<u8> {
    with_writer(|w| w.write_string(b).unwrap())
}

#[test]
fn legacy_hash_encodings() {
    // Zipmap (Redis < 2.6): a listpack after loading, or a table when a value is long.
    let v = read(
        RDB_TYPE_HASH_ZIPMAP,
        &blob(&zipmap(&[(b"a", b"1"), (b"bb", b"xy")])),
        &LIM,
    )
    .unwrap();
    assert_eq!(v.encoding(), "listpack");
    assert_eq!(
        hash_content(&v),
        vec![
            (b"a".to_vec(), b"1".to_vec()),
            (b"bb".to_vec(), b"xy".to_vec())
        ]
    );
    let long = [b'q'; 100];
    let v = read(RDB_TYPE_HASH_ZIPMAP, &blob(&zipmap(&[(b"a", &long)])), &LIM).unwrap();
    assert_eq!(v.encoding(), "hashtable");
    assert!(read(
        RDB_TYPE_HASH_ZIPMAP,
        &blob(&zipmap(&[(b"a", b"1"), (b"a", b"2")])),
        &LIM
    )
    .is_err());
    // Ziplist (Redis 2.6 - 6.2): converted by entry count only.
    let zl = ziplist(&[b"f", b"12", b"g", b"text"]);
    let v = read(RDB_TYPE_HASH_ZIPLIST, &blob(&zl), &LIM).unwrap();
    assert_eq!(v.encoding(), "listpack");
    assert_eq!(
        v.as_hash()
            .unwrap()
            .as_listpack()
            .unwrap()
            .iter()
            .collect::<Vec<_>>(),
        vec![
            LpEntry::Str(b"f"),
            LpEntry::Int(12),
            LpEntry::Str(b"g"),
            LpEntry::Str(b"text")
        ]
    );
    let tiny = TypeLimits {
        hash: crate::types::hash::Limits {
            max_entries: 1,
            max_value: 64,
        },
        ..LIM
    };
    assert_eq!(
        read(RDB_TYPE_HASH_ZIPLIST, &blob(&zl), &tiny)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    for bad in [ziplist(&[b"f", b"1", b"f", b"2"]), ziplist(&[b"odd"])] {
        assert_eq!(
            read(RDB_TYPE_HASH_ZIPLIST, &blob(&bad), &LIM).unwrap_err(),
            "Hash ziplist integrity check failed."
        );
    }
    // Plain records: a long value or too many fields make a table; duplicates are corrupt.
    let rec = |pairs: &[(&[u8], &[u8])]| {
        with_writer(|w| {
            w.write_len(pairs.len() as u64).unwrap();
            for (f, v) in pairs {
                w.write_string(f).unwrap();
                w.write_string(v).unwrap();
            }
        })
    };
    assert_eq!(
        read(RDB_TYPE_HASH, &rec(&[(b"a", b"1")]), &LIM)
            .unwrap()
            .encoding(),
        "listpack"
    );
    assert_eq!(
        read(RDB_TYPE_HASH, &rec(&[(b"a", &long)]), &LIM)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    assert_eq!(
        read(RDB_TYPE_HASH, &rec(&[(b"a", b"1"), (b"b", b"2")]), &tiny)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    assert_eq!(
        read(RDB_TYPE_HASH, &rec(&[(b"a", b"1"), (b"a", b"2")]), &LIM).unwrap_err(),
        "Duplicate hash fields detected"
    );
}

#[test]
fn legacy_list_and_zset_encodings() {
    let items: [&[u8]; 4] = [b"a", b"1", b"-70000", b"hello world"];
    let want: Vec<Vec<u8>> = items.iter().map(|i| i.to_vec()).collect();
    // LIST (1): count + strings.
    let p = with_writer(|w| {
        w.write_len(4).unwrap();
        for i in items {
            w.write_string(i).unwrap();
        }
    });
    assert_eq!(list_content(&read(RDB_TYPE_LIST, &p, &LIM).unwrap()), want);
    // LIST_ZIPLIST (10).
    let v = read(RDB_TYPE_LIST_ZIPLIST, &blob(&ziplist(&items)), &LIM).unwrap();
    assert_eq!(list_content(&v), want);
    // LIST_QUICKLIST (14): ziplist nodes, kept as nodes; empty nodes dropped.
    let p = with_writer(|w| {
        w.write_len(3).unwrap();
        w.write_string(&ziplist(&items[..2])).unwrap();
        w.write_string(&ziplist(&[])).unwrap();
        w.write_string(&ziplist(&items[2..])).unwrap();
    });
    let v = read(RDB_TYPE_LIST_QUICKLIST, &p, &LIM).unwrap();
    assert_eq!(list_content(&v), want);
    assert_eq!(v.as_list().unwrap().node_count(), 2);
    // QUICKLIST_2 with a plain node, and a bad container.
    let p = with_writer(|w| {
        w.write_len(1).unwrap();
        w.write_len(QUICKLIST_NODE_CONTAINER_PLAIN).unwrap();
        w.write_string(b"big element").unwrap();
    });
    let v = read(RDB_TYPE_LIST_QUICKLIST_2, &p, &LIM).unwrap();
    assert_eq!(list_content(&v), vec![b"big element".to_vec()]);
    let p = with_writer(|w| {
        w.write_len(1).unwrap();
        w.write_len(7).unwrap();
        w.write_string(b"x").unwrap();
    });
    assert!(read(RDB_TYPE_LIST_QUICKLIST_2, &p, &LIM).is_err());
    // ZSET (3): scores as strings; ZSET_ZIPLIST (12).
    let p = with_writer(|w| {
        w.write_len(3).unwrap();
        for (m, s) in [(&b"b"[..], 2.5), (b"a", 1.0), (b"c", f64::INFINITY)] {
            w.write_string(m).unwrap();
            w.write_double_string(s).unwrap();
        }
    });
    let v = read(RDB_TYPE_ZSET, &p, &LIM).unwrap();
    assert_eq!(v.encoding(), "listpack");
    assert_eq!(
        zset_content(&v),
        vec![
            (b"a".to_vec(), 1.0),
            (b"b".to_vec(), 2.5),
            (b"c".to_vec(), f64::INFINITY)
        ]
    );
    let v = read(
        RDB_TYPE_ZSET_ZIPLIST,
        &blob(&ziplist(&[b"a", b"1", b"b", b"2.5"])),
        &LIM,
    )
    .unwrap();
    assert_eq!(
        zset_content(&v),
        vec![(b"a".to_vec(), 1.0), (b"b".to_vec(), 2.5)]
    );
}

#[test]
fn set_loading_converts_like_redis() {
    let rec = |members: &[&[u8]]| {
        with_writer(|w| {
            w.write_len(members.len() as u64).unwrap();
            for m in members {
                w.write_string(m).unwrap();
            }
        })
    };
    assert_eq!(
        read(RDB_TYPE_SET, &rec(&[b"1", b"2"]), &LIM)
            .unwrap()
            .encoding(),
        "intset"
    );
    assert_eq!(
        read(RDB_TYPE_SET, &rec(&[b"1", b"x"]), &LIM)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    let tiny = TypeLimits {
        set_max_intset: 1,
        ..LIM
    };
    assert_eq!(
        read(RDB_TYPE_SET, &rec(&[b"1", b"2"]), &tiny)
            .unwrap()
            .encoding(),
        "hashtable"
    );
    for dup in [rec(&[b"1", b"1"]), rec(&[b"x", b"x"])] {
        assert_eq!(
            read(RDB_TYPE_SET, &dup, &LIM).unwrap_err(),
            "Duplicate set members detected"
        );
    }
    let mut is = Set::new();
    is.add(b"1", 512);
    is.add(b"2", 512);
    let b = body(&Value::Set(Arc::new(is)));
    assert_eq!(b[0], RDB_TYPE_SET_INTSET);
    assert_eq!(read(b[0], &b[1..], &tiny).unwrap().encoding(), "hashtable");
}

#[test]
fn empty_collections_are_skipped_on_load_and_refused_by_restore() {
    let empties: Vec<(u8, Vec<u8>)> = vec![
        (RDB_TYPE_LIST, with_writer(|w| w.write_len(0).unwrap())),
        (RDB_TYPE_SET, with_writer(|w| w.write_len(0).unwrap())),
        (RDB_TYPE_HASH, with_writer(|w| w.write_len(0).unwrap())),
        (RDB_TYPE_ZSET_2, with_writer(|w| w.write_len(0).unwrap())),
        (RDB_TYPE_HASH_LISTPACK, blob(Listpack::new().as_bytes())),
        (RDB_TYPE_ZSET_LISTPACK, blob(Listpack::new().as_bytes())),
        (RDB_TYPE_LIST_ZIPLIST, blob(&ziplist(&[]))),
        (RDB_TYPE_HASH_ZIPLIST, blob(&ziplist(&[]))),
    ];
    let mut file = RdbWriter::new(Vec::new(), true, false);
    file.write_header().unwrap();
    for (i, (ty, p)) in empties.iter().enumerate() {
        assert_eq!(read(*ty, p, &LIM).unwrap_err(), MSG_EMPTY_KEY, "type {ty}");
        let mut rest = vec![*ty];
        rest.extend_from_slice(p);
        assert!(restore_payload(&rest, &LIM).is_none());
        file.write_u8(*ty).unwrap();
        file.write_string(format!("empty{i}").as_bytes()).unwrap();
        file.write_raw(p).unwrap();
    }
    file.write_u8(RDB_TYPE_STRING).unwrap();
    file.write_string(b"k").unwrap();
    file.write_string(b"v").unwrap();
    file.finish().unwrap();
    let f = file.into_inner().unwrap();
    let mut dbs = vec![Db::new(0)];
    let opts = LoadOptions {
        now: 0,
        lru: 0,
        lfu: false,
        merge: false,
        limits: LIM,
    };
    let st = load(&mut RdbReader::from_slice(&f), &mut dbs, &opts).unwrap();
    assert_eq!((st.keys_loaded, st.empty_keys_skipped), (1, 8));
    assert_eq!(dbs[0].dict.len(), 1);
}

/// Tiny deterministic generator for the corruption test.
fn xorshift(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Reads every element of a value (and mutates a stream), as commands would.
fn exercise(v: Value) {
    match v {
        Value::Hash(h) => {
            let n = h.iter().count();
            assert!(n == h.len());
        }
        Value::Set(s) => assert_eq!(s.iter().count(), s.len()),
        Value::List(l) => assert_eq!(l.iter().count(), l.len()),
        Value::ZSet(z) => assert_eq!(z.iter().count(), z.len()),
        Value::Stream(s) => {
            let mut s = (*s).clone();
            let all = s.range(StreamId::MIN, StreamId::MAX, false, 0);
            let _ = s.range(StreamId::MIN, StreamId::MAX, true, 0);
            let _ = s.edge(true);
            let _ = s.edge(false);
            for (id, _) in all.iter().take(2) {
                s.delete(*id);
            }
            let _ = s.append(&[(b"f", b"v")], IdSpec::Auto, u64::MAX / 2, 4096, 100);
            s.trim(crate::types::stream::Trim::MaxLen(1), false, 0);
        }
        Value::Str(_) => {}
    }
}

#[test]
fn corrupt_bodies_never_panic() {
    let mut small_list = List::new(-2);
    for e in [&b"a"[..], b"12", b"zz"] {
        small_list.push(e, End::Tail);
    }
    let mut s = Stream::new();
    for i in 1..=5u64 {
        s.append(
            &[(b"f", b"v")],
            IdSpec::Exact(StreamId::new(i, 0)),
            0,
            4096,
            100,
        )
        .unwrap();
    }
    let mut st = sample_stream();
    st.nodes.retain(|id| id.ms < 100);
    let mut bodies = vec![
        body(&Value::Hash(Arc::new(hash(&[(b"a", b"1"), (b"b", b"x")])))),
        body(&Value::Hash(Arc::new(hash(&[(b"a", &[b'v'; 70])])))),
        body(&Value::List(Arc::new(small_list))),
        body(&Value::Stream(Arc::new(s))),
        body(&Value::ZSet(Arc::new(
            ZSet::from_pairs(vec![(b"a".to_vec(), 1.5), (vec![b'm'; 70], 2.0)], LIM.zset).unwrap(),
        ))),
    ];
    let mut is = Set::new();
    for m in [&b"1"[..], b"300", b"70000"] {
        is.add(m, 512);
    }
    bodies.push(body(&Value::Set(Arc::new(is))));
    for (ty, p) in [
        (RDB_TYPE_HASH_ZIPMAP, blob(&zipmap(&[(b"a", b"1")]))),
        (RDB_TYPE_HASH_ZIPLIST, blob(&ziplist(&[b"f", b"1"]))),
        (RDB_TYPE_LIST_ZIPLIST, blob(&ziplist(&[b"x", b"-1"]))),
        (RDB_TYPE_STREAM_LISTPACKS_3, stream_record(&st, 21)),
    ] {
        let mut b = vec![ty];
        b.extend_from_slice(&p);
        bodies.push(b);
    }
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for b in &bodies {
        assert!(restore_payload(b, &LIM).is_some(), "valid body {b:?}");
        for cut in 0..b.len() {
            assert!(
                restore_payload(&b[..cut], &LIM).is_none(),
                "cut {cut} of {b:?}"
            );
        }
        for _ in 0..3000 {
            let mut m = b.clone();
            for _ in 0..1 + xorshift(&mut x) % 3 {
                let i = 1 + (xorshift(&mut x) as usize) % (m.len() - 1);
                m[i] = xorshift(&mut x) as u8;
            }
            // Either refused or a value that reads and encodes again: never a panic.
            if let Some(v) = restore_payload(&m, &LIM) {
                let _ = body(&v);
                exercise(v);
            }
        }
    }
}
