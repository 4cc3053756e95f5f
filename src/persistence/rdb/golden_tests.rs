//! Whole-file tests of the RDB primitives: corrupt input never panics, and files/payloads
//! round-trip with a real redis-server 7.0.15 (skipped, with a note, when it is not installed).

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use super::format::*;
use super::io::*;

/// One string key as found in a file.
#[derive(Debug, Clone, PartialEq)]
struct Entry {
    db: u64,
    key: Vec<u8>,
    value: Vec<u8>,
    expire_ms: Option<i64>,
}

#[derive(Debug, Default)]
struct Parsed {
    version: u16,
    aux: Vec<(Vec<u8>, Vec<u8>)>,
    /// (db, db_size, expires_size) per RESIZEDB.
    resize: Vec<(u64, u64, u64)>,
    entries: Vec<Entry>,
    checksum_checked: bool,
}

/// Walk a file that holds only string keys, the way the loader's main loop does.
fn parse_strings<R: Read>(r: &mut RdbReader<R>) -> RdbResult<Parsed> {
    let mut p = Parsed {
        version: r.read_header()?,
        ..Parsed::default()
    };
    let mut db = 0;
    let mut expire = None;
    // Every record consumes at least one byte, so this ends; the bound is a backstop.
    for _ in 0..1_000_000 {
        let t = r.read_u8()?;
        match t {
            RDB_OPCODE_AUX => {
                let k = r.read_string()?;
                let v = r.read_string()?;
                p.aux.push((k, v));
            }
            RDB_OPCODE_SELECTDB => db = r.read_length()?,
            RDB_OPCODE_RESIZEDB => {
                let (a, b) = (r.read_length()?, r.read_length()?);
                p.resize.push((db, a, b));
            }
            RDB_OPCODE_EXPIRETIME_MS => expire = Some(r.read_ms()?),
            RDB_OPCODE_EXPIRETIME => expire = Some(r.read_secs()? * 1000),
            RDB_OPCODE_IDLE => {
                r.read_length()?;
            }
            RDB_OPCODE_FREQ => {
                r.read_u8()?;
            }
            RDB_OPCODE_FUNCTION2 => r.skip_string()?,
            RDB_OPCODE_EOF => {
                p.checksum_checked = r.verify_trailer()?;
                return Ok(p);
            }
            RDB_TYPE_STRING => {
                let key = r.read_string()?;
                let value = r.read_string()?;
                p.entries.push(Entry {
                    db,
                    key,
                    value,
                    expire_ms: expire.take(),
                });
            }
            t if is_object_type(t) => return Err(r.error(format!("unsupported type {}", t))),
            t => return Err(r.error(format!("Unknown RDB type {}", t))),
        }
    }
    Err(r.error("too many records"))
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The keys every test writes: small/negative/large integers, non-canonical integers,
/// compressible and incompressible long strings, binary, empty.
fn sample_values() -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut x: u32 = 7;
    let noise: Vec<u8> = (0..300)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    vec![
        (b"int:small".to_vec(), b"12".to_vec()),
        (b"int:neg".to_vec(), b"-300".to_vec()),
        (b"int:32".to_vec(), b"70000".to_vec()),
        (b"int:11digits".to_vec(), b"12345678901".to_vec()),
        (b"int:min".to_vec(), b"-9223372036854775808".to_vec()),
        (b"int:padded".to_vec(), b"007".to_vec()),
        (b"int:negzero".to_vec(), b"-0".to_vec()),
        (b"long".to_vec(), b"abc".repeat(100)),
        (b"noise".to_vec(), noise),
        (b"bin\x00\xff".to_vec(), (0..=255u8).collect()),
        (b"empty".to_vec(), Vec::new()),
    ]
}

/// A file with AUX fields, two databases, LZF and int-encoded strings and one expiry.
fn write_sample_file(expire_at: i64) -> Vec<u8> {
    let values = sample_values();
    let mut w = RdbWriter::new(Vec::new(), true, true);
    w.write_header().unwrap();
    w.write_aux(b"redis-ver", b"7.0.15").unwrap();
    w.write_aux(b"redis-bits", b"64").unwrap();
    w.write_aux(b"ctime", (now_ms() / 1000).to_string().as_bytes())
        .unwrap();
    w.write_aux(b"used-mem", b"1000000").unwrap();
    w.write_aux(b"aof-base", b"0").unwrap();
    w.write_selectdb(0).unwrap();
    w.write_resizedb(values.len() as u64, 0).unwrap();
    for (k, v) in &values {
        w.write_u8(RDB_TYPE_STRING).unwrap();
        w.write_string(k).unwrap();
        w.write_string(v).unwrap();
    }
    w.write_selectdb(5).unwrap();
    w.write_resizedb(2, 1).unwrap();
    w.write_u8(RDB_OPCODE_EXPIRETIME_MS).unwrap();
    w.write_ms(expire_at).unwrap();
    w.write_u8(RDB_TYPE_STRING).unwrap();
    w.write_string(b"volatile").unwrap();
    w.write_string(&b"x".repeat(64)).unwrap();
    w.write_u8(RDB_TYPE_STRING).unwrap();
    w.write_string(b"n").unwrap();
    w.write_int_as_string(-2_000_000_000).unwrap();
    w.finish().unwrap();
    w.into_inner().unwrap()
}

#[test]
fn sample_file_round_trips() {
    let at = now_ms() + 500_000;
    let file = write_sample_file(at);
    let p = parse_strings(&mut RdbReader::from_slice(&file)).unwrap();
    assert_eq!(p.version, 10);
    assert!(p.checksum_checked);
    assert_eq!(p.aux.len(), 5);
    assert_eq!(p.resize, vec![(0, 11, 0), (5, 2, 1)]);
    let values = sample_values();
    assert_eq!(p.entries.len(), values.len() + 2);
    for (e, (k, v)) in p.entries.iter().zip(&values) {
        assert_eq!((&e.key, &e.value, e.db, e.expire_ms), (k, v, 0, None));
    }
    assert_eq!(p.entries[11].expire_ms, Some(at));
    assert_eq!(p.entries[12].value, b"-2000000000");
}

#[test]
fn corrupt_files_never_panic() {
    let file = write_sample_file(now_ms());
    // Every truncation fails cleanly.
    for len in 0..file.len() {
        let res = parse_strings(&mut RdbReader::from_slice(&file[..len]));
        assert!(res.is_err(), "truncated to {} parsed", len);
    }
    // Random byte changes: with the checksum every one is detected; without it the decoder
    // still must not panic (bounded: 1500 mutants each).
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    for round in 0..3000 {
        let mut bad = file.clone();
        for _ in 0..rng.gen_range(1..4) {
            let i = rng.gen_range(0..bad.len());
            bad[i] = rng.gen();
        }
        if bad == file {
            continue;
        }
        let mut r = RdbReader::from_slice(&bad);
        if round % 2 == 0 {
            let res = parse_strings(&mut r);
            // A changed version can hide the trailer (versions < 5), so only require an error
            // when the header survived.
            if bad[..9] == file[..9] {
                assert!(res.is_err(), "mutant {} accepted", round);
            }
        } else {
            r.disable_checksum();
            let _ = parse_strings(&mut r);
        }
    }
    // Garbage after a valid header, through a reader of unknown length.
    for seed in 0..200u64 {
        let mut rng = SmallRng::seed_from_u64(seed);
        let mut data = b"REDIS0010".to_vec();
        data.extend((0..rng.gen_range(0..200)).map(|_| rng.gen::<u8>()));
        let mut r = RdbReader::new(std::io::Cursor::new(data));
        let _ = parse_strings(&mut r);
    }
}

// ---------------------------------------------------------------------------------------------
// Against real redis-server 7.0.15
// ---------------------------------------------------------------------------------------------

/// A redis-server child on a free loopback port; killed on drop.
struct RealRedis {
    child: Child,
    port: u16,
}

impl RealRedis {
    /// None when redis-server is not installed.
    fn start(dir: &Path, dbfilename: &str) -> Option<RealRedis> {
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir)
            .args(["--dbfilename", dbfilename])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) => {
                eprintln!("redis-server not available ({}), skipping", e);
                return None;
            }
        };
        let redis = RealRedis { child, port };
        for _ in 0..200 {
            if let Ok(mut c) = redis.conn() {
                if redis::cmd("PING").query::<String>(&mut c).is_ok() {
                    return Some(redis);
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("redis-server did not start on port {}", port);
    }

    fn conn(&self) -> redis::RedisResult<redis::Connection> {
        redis::Client::open(format!("redis://127.0.0.1:{}/", self.port))?.get_connection()
    }
}

impl Drop for RealRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Observed with redis-server 7.0.15: SAVE of string keys gives REDIS0010, the five AUX fields in
/// this order, SELECTDB/RESIZEDB per db, EXPIRETIME_MS before the key, and the same encoding
/// choices as `write_string` for everything but LZF blobs (whose bytes Redis does not fix).
#[test]
fn golden_parse_dump_saved_by_redis() {
    let dir = tempfile::tempdir().unwrap();
    let Some(srv) = RealRedis::start(dir.path(), "dump.rdb") else {
        return;
    };
    let mut c = srv.conn().unwrap();
    let values = sample_values();
    for (k, v) in &values {
        redis::cmd("SET").arg(k).arg(v).query::<()>(&mut c).unwrap();
    }
    let before = now_ms();
    redis::cmd("SET")
        .arg("exp")
        .arg("v")
        .arg("PX")
        .arg(100_000)
        .query::<()>(&mut c)
        .unwrap();
    let after = now_ms();
    redis::cmd("SELECT").arg(3).query::<()>(&mut c).unwrap();
    redis::cmd("SET")
        .arg("other")
        .arg("x")
        .query::<()>(&mut c)
        .unwrap();
    redis::cmd("SAVE").query::<()>(&mut c).unwrap();

    let file = std::fs::read(dir.path().join("dump.rdb")).unwrap();
    let mut r = RdbReader::new(std::fs::File::open(dir.path().join("dump.rdb")).unwrap());
    r.set_input_len(file.len() as u64);
    let p = parse_strings(&mut r).unwrap();
    assert_eq!(r.offset(), file.len() as u64);
    assert_eq!(p.version, 10);
    assert!(p.checksum_checked);

    let names: Vec<&[u8]> = p.aux.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(
        names,
        [
            &b"redis-ver"[..],
            b"redis-bits",
            b"ctime",
            b"used-mem",
            b"aof-base"
        ]
    );
    assert_eq!(p.aux[0].1, b"7.0.15");
    assert_eq!(p.aux[1].1, b"64");
    assert_eq!(p.aux[4].1, b"0");
    let ctime: i64 = String::from_utf8_lossy(&p.aux[2].1).parse().unwrap();
    assert!((ctime * 1000 - after).abs() < 60_000);

    assert_eq!(p.resize, vec![(0, values.len() as u64 + 1, 1), (3, 1, 0)]);
    let mut got: Vec<Entry> = p.entries.clone();
    got.sort_by(|a, b| (a.db, &a.key).cmp(&(b.db, &b.key)));
    let mut want: Vec<Entry> = values
        .iter()
        .map(|(k, v)| Entry {
            db: 0,
            key: k.clone(),
            value: v.clone(),
            expire_ms: None,
        })
        .collect();
    want.push(Entry {
        db: 0,
        key: b"exp".to_vec(),
        value: b"v".to_vec(),
        expire_ms: None,
    });
    want.push(Entry {
        db: 3,
        key: b"other".to_vec(),
        value: b"x".to_vec(),
        expire_ms: None,
    });
    want.sort_by(|a, b| (a.db, &a.key).cmp(&(b.db, &b.key)));
    let exp_at = got
        .iter_mut()
        .find(|e| e.key == b"exp")
        .and_then(|e| e.expire_ms.take())
        .unwrap();
    assert!(exp_at >= before + 100_000 && exp_at <= after + 100_000);
    assert_eq!(got, want);

    // Redis's encoding choices equal ours: compare `key value` byte sequences in the file.
    for (k, v) in &values {
        let mut w = RdbWriter::new(Vec::new(), false, true);
        w.write_string(k).unwrap();
        let key_bytes = w.into_inner().unwrap();
        let at = file
            .windows(key_bytes.len())
            .position(|win| win == key_bytes.as_slice())
            .unwrap();
        let rest = &file[at + key_bytes.len()..];
        let mut w = RdbWriter::new(Vec::new(), false, true);
        w.write_string(v).unwrap();
        let ours = w.into_inner().unwrap();
        if ours[0] == 0xc3 {
            assert_eq!(rest[0], 0xc3, "{:?} not LZF in Redis's file", k);
        } else {
            assert_eq!(&rest[..ours.len()], ours.as_slice(), "{:?}", k);
        }
    }
    // The int-encoded forms Redis chose (read from its file).
    let contains = |pat: &[u8]| file.windows(pat.len()).any(|w| w == pat);
    assert!(contains(b"\x09int:small\xc0\x0c"));
    assert!(contains(b"\x07int:neg\xc1\xd4\xfe"));
    assert!(contains(b"\x06int:32\xc2\x70\x11\x01\x00"));
    assert!(contains(b"\x0cint:11digits\x0b12345678901"));
    assert!(contains(b"\x0bint:negzero\x02-0"));
}

/// A file written by `RdbWriter` passes redis-check-rdb 7.0.15 and loads into redis-server.
#[test]
fn golden_redis_loads_our_file() {
    let dir = tempfile::tempdir().unwrap();
    let expire_at = now_ms() + 500_000;
    let file = write_sample_file(expire_at);
    let path = dir.path().join("ours.rdb");
    std::fs::write(&path, &file).unwrap();

    match Command::new("redis-check-rdb").arg(&path).output() {
        Ok(out) => {
            let text = String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{}", text);
            assert!(text.contains("Checksum OK"), "{}", text);
            assert!(text.contains("RDB looks OK!"), "{}", text);
            assert!(text.contains("13 keys read"), "{}", text);
            assert!(text.contains("1 expires"), "{}", text);
        }
        Err(e) => eprintln!("redis-check-rdb not available ({}), skipping it", e),
    }

    let Some(srv) = RealRedis::start(dir.path(), "ours.rdb") else {
        return;
    };
    let mut c = srv.conn().unwrap();
    assert_eq!(redis::cmd("DBSIZE").query::<u64>(&mut c).unwrap(), 11);
    for (k, v) in sample_values() {
        let got: Vec<u8> = redis::cmd("GET").arg(&k).query(&mut c).unwrap();
        assert_eq!(got, v, "{:?}", k);
    }
    redis::cmd("SELECT").arg(5).query::<()>(&mut c).unwrap();
    let got: Vec<u8> = redis::cmd("GET").arg("volatile").query(&mut c).unwrap();
    assert_eq!(got, b"x".repeat(64));
    let got: Vec<u8> = redis::cmd("GET").arg("n").query(&mut c).unwrap();
    assert_eq!(got, b"-2000000000");
    let pttl: i64 = redis::cmd("PTTL").arg("volatile").query(&mut c).unwrap();
    let left = expire_at - now_ms();
    assert!(
        pttl <= left + 1000 && pttl >= left - 5000,
        "{} vs {}",
        pttl,
        left
    );
    assert_eq!(
        redis::cmd("PTTL").arg("n").query::<i64>(&mut c).unwrap(),
        -1
    );
}

/// DUMP payloads of real Redis verify and decode; ours RESTORE into real Redis.
#[test]
fn golden_dump_restore() {
    let dir = tempfile::tempdir().unwrap();
    let Some(srv) = RealRedis::start(dir.path(), "dump.rdb") else {
        return;
    };
    let mut c = srv.conn().unwrap();
    for (k, v) in sample_values() {
        redis::cmd("SET")
            .arg(&k)
            .arg(&v)
            .query::<()>(&mut c)
            .unwrap();
        let payload: Vec<u8> = redis::cmd("DUMP").arg(&k).query(&mut c).unwrap();
        assert_eq!(dump_payload_version(&payload), Some(10));
        let body = verify_dump_payload(&payload, false).unwrap();
        let mut r = RdbReader::from_slice(body);
        assert_eq!(r.read_u8().unwrap(), RDB_TYPE_STRING);
        assert_eq!(r.read_string().unwrap(), v, "{:?}", k);
        assert_eq!(r.offset(), body.len() as u64);

        // Our payload for the same value restores under a new name.
        let mut w = RdbWriter::new(Vec::new(), false, true);
        w.write_u8(RDB_TYPE_STRING).unwrap();
        w.write_string(&v).unwrap();
        let ours = create_dump_payload(&w.into_inner().unwrap());
        let mut new_key = b"restored:".to_vec();
        new_key.extend_from_slice(&k);
        redis::cmd("RESTORE")
            .arg(&new_key)
            .arg(0)
            .arg(&ours)
            .query::<()>(&mut c)
            .unwrap();
        let got: Vec<u8> = redis::cmd("GET").arg(&new_key).query(&mut c).unwrap();
        assert_eq!(got, v);

        // A payload we reject, Redis rejects too.
        let mut bad = ours.clone();
        bad[0] ^= 0x40;
        assert!(verify_dump_payload(&bad, false).is_err());
        let err = redis::cmd("RESTORE")
            .arg("bad")
            .arg(0)
            .arg(&bad)
            .query::<()>(&mut c)
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("DUMP payload version or checksum are wrong"),
            "{}",
            err
        );
    }
}
