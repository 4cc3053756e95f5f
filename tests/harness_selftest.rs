//! Self-tests of the test harness (`tests/common`): framing and parsing of every RESP frame
//! type, argument splitting, the comparison normalisations, seeded randomness, and — against two
//! real redis-servers — that identical commands compare equal, that a divergence is detected,
//! and that scripts in `tests/diff/` hold on the reference itself.

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::time::Duration;

use common::*;

// ---------- RESP framing and parsing (no server) ----------

/// One sample of every frame type, with its expected parse.
fn samples() -> Vec<(&'static [u8], Resp)> {
    vec![
        (b"+OK\r\n", Resp::Simple(b"OK".to_vec())),
        (b"-ERR bad\r\n", Resp::Error(b"ERR bad".to_vec())),
        (b":-42\r\n", Resp::Integer(-42)),
        (b"$3\r\na\r\n\r\n", Resp::Bulk(b"a\r\n".to_vec())),
        (b"$0\r\n\r\n", Resp::Bulk(Vec::new())),
        (b"$-1\r\n", Resp::NullBulk),
        (b"*-1\r\n", Resp::NullArray),
        (b"*0\r\n", Resp::Array(vec![])),
        (b"_\r\n", Resp::Null),
        (b",3.5\r\n", Resp::Double(3.5)),
        (b",-inf\r\n", Resp::Double(f64::NEG_INFINITY)),
        (b"#t\r\n", Resp::Boolean(true)),
        (b"#f\r\n", Resp::Boolean(false)),
        (
            b"(123456789012345678901234567890\r\n",
            Resp::BigNumber(b"123456789012345678901234567890".to_vec()),
        ),
        (
            b"!9\r\nERR boom!\r\n",
            Resp::BlobError(b"ERR boom!".to_vec()),
        ),
        (
            b"=8\r\ntxt:ab\r\n\r\n",
            Resp::Verbatim {
                format: b"txt".to_vec(),
                text: b"ab\r\n".to_vec(),
            },
        ),
        (
            b"%2\r\n+a\r\n:1\r\n$1\r\nb\r\n*2\r\n:2\r\n$-1\r\n",
            Resp::Map(vec![
                (Resp::Simple(b"a".to_vec()), Resp::Integer(1)),
                (
                    Resp::Bulk(b"b".to_vec()),
                    Resp::Array(vec![Resp::Integer(2), Resp::NullBulk]),
                ),
            ]),
        ),
        (
            b"~2\r\n:1\r\n#f\r\n",
            Resp::Set(vec![Resp::Integer(1), Resp::Boolean(false)]),
        ),
        (
            b">2\r\n$7\r\nmessage\r\n*1\r\n_\r\n",
            Resp::Push(vec![
                Resp::Bulk(b"message".to_vec()),
                Resp::Array(vec![Resp::Null]),
            ]),
        ),
        (
            b"|1\r\n+ttl\r\n:3\r\n*1\r\n*1\r\n*0\r\n",
            Resp::Attribute {
                attrs: vec![(Resp::Simple(b"ttl".to_vec()), Resp::Integer(3))],
                value: Box::new(Resp::Array(vec![Resp::Array(vec![Resp::Array(vec![])])])),
            },
        ),
    ]
}

#[test]
fn resp_every_frame_type_scans_and_parses() {
    for (raw, want) in samples() {
        assert_eq!(scan_frame(raw), Ok(Some(raw.len())), "{}", escape(raw));
        // Every strict prefix is incomplete, never an error or a shorter frame.
        for cut in 0..raw.len() {
            assert_eq!(
                scan_frame(&raw[..cut]),
                Ok(None),
                "prefix {cut} of {}",
                escape(raw)
            );
        }
        assert_eq!(parse_reply(raw), want, "{}", escape(raw));
    }
}

#[test]
fn resp_rejects_garbage_and_trailing_bytes() {
    assert!(scan_frame(b"?x\r\n").is_err());
    assert!(scan_frame(b"x").is_err());
    assert!(scan_frame(b"$3\r\nabcd\r\n").is_err());
    assert!(scan_frame(b"*-2\r\n").is_err());
    assert!(try_parse_reply(b"+OK\r\n+OK\r\n").is_err());
    assert!(try_parse_reply(b"$5\r\nab").is_err());
    assert!(try_parse_reply(b"#x\r\n").is_err());
    let all = parse_all(b"+OK\r\n:1\r\n$-1\r\n");
    assert_eq!(
        all,
        vec![
            Resp::Simple(b"OK".to_vec()),
            Resp::Integer(1),
            Resp::NullBulk
        ]
    );
}

#[test]
fn resp_helpers() {
    assert_eq!(
        encode_command(&["SET", "k", ""]),
        b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n"
    );
    assert_eq!(escape(b"a\"\\\r\n\x00\xff"), "a\\\"\\\\\\r\\n\\x00\\xff");
    let m = parse_reply(b"*4\r\n$1\r\nf\r\n:1\r\n$1\r\ng\r\n:2\r\n");
    assert_eq!(m.map_get(b"g"), Some(&Resp::Integer(2)));
    let (hdr, elems) = common::resp::split_frame(b"%1\r\n+k\r\n*1\r\n:1\r\n").unwrap();
    assert_eq!(hdr, b"%1\r\n");
    assert_eq!(elems, vec![&b"+k\r\n"[..], &b"*1\r\n:1\r\n"[..]]);
}

// ---------- argument splitting and the script format ----------

#[test]
fn split_args_matches_redis_cli() {
    let s = |l: &str| split_args(l).unwrap();
    assert_eq!(s("  SET  k   v "), args(&["SET", "k", "v"]));
    assert_eq!(s(r#"SET "a b" 'c d'"#), args(&["SET", "a b", "c d"]));
    assert_eq!(s(r#""\x41\x00\n\t\"\\""#), vec![b"A\x00\n\t\"\\".to_vec()]);
    assert_eq!(s(r"'it\'s' '\n'"), args(&["it's", "\\n"]));
    assert_eq!(s(r#""""#), vec![Vec::<u8>::new()]);
    assert_eq!(s("a\"b c\""), args(&["ab c"]));
    assert!(split_args("a\"b\"c").is_err());
    assert_eq!(s(""), Vec::<Vec<u8>>::new());
    assert!(split_args(r#"SET "unterminated"#).is_err());
    assert!(split_args(r#"SET "a"b"#).is_err());
    assert!(split_args("SET 'a'b").is_err());
}

#[test]
fn script_parser_prefixes_and_directives() {
    let steps = parse_script(
        "# comment\n\nPING\n~SMEMBERS s\n~~ X\n%HGETALL h\n?SPOP s\n??INFO\n! DEBUG SLEEP 0\n@sleep 5\n@reconnect\n",
    )
    .unwrap();
    let kinds: Vec<String> = steps
        .iter()
        .map(|(n, s)| match s {
            ScriptStep::Cmd { args, norm } => format!("{n}:{norm:?}:{}", escape(&args[0])),
            other => format!("{n}:{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "3:Exact:PING",
            "4:Unordered:SMEMBERS",
            "5:UnorderedDeep:X",
            "6:UnorderedPairs:HGETALL",
            "7:TypeAndLen:SPOP",
            "8:TypeOnly:INFO",
            "9:Ignore:DEBUG",
            "10:Sleep(5ms)",
            "11:Reconnect",
        ]
    );
    assert!(parse_script("@nap 3").unwrap_err().contains("line 1"));
    assert!(parse_script("PING\n~\n").unwrap_err().contains("line 2"));
    assert!(parse_script("SET \"x").is_err());
}

// ---------- comparison normalisations (no server) ----------

#[test]
fn compare_exact_detects_any_difference() {
    assert!(compare_replies(b"+OK\r\n", b"+OK\r\n", Norm::Exact).is_ok());
    let err = compare_replies(b"$1\r\na\r\n", b"$1\r\nb\r\n", Norm::Exact).unwrap_err();
    assert!(
        err.contains("$1\\r\\na\\r\\n") && err.contains("$1\\r\\nb\\r\\n"),
        "{err}"
    );
    assert!(compare_replies(b"-ERR x\r\n", b"-ERR y\r\n", Norm::Exact).is_err());
    assert!(compare_replies(b"*1\r\n:1\r\n", b"~1\r\n:1\r\n", Norm::Exact).is_err());
}

#[test]
fn compare_unordered_variants() {
    let a = b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n";
    let b = b"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n";
    assert!(compare_replies(a, b, Norm::Exact).is_err());
    assert!(compare_replies(a, b, Norm::Unordered).is_ok());
    // A multiset: duplicates count, and a different element is still a mismatch.
    let dup = b"*3\r\n$1\r\na\r\n$1\r\na\r\n$1\r\nb\r\n";
    assert!(compare_replies(a, dup, Norm::Unordered).is_err());
    // Same elements, different aggregate type.
    assert!(compare_replies(
        a,
        b"~3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n",
        Norm::Unordered
    )
    .is_err());
    // RESP2 flat pairs: Unordered would accept a re-pairing, UnorderedPairs does not.
    let h1 = b"*4\r\n$1\r\nf\r\n$1\r\n1\r\n$1\r\ng\r\n$1\r\n2\r\n";
    let h2 = b"*4\r\n$1\r\ng\r\n$1\r\n2\r\n$1\r\nf\r\n$1\r\n1\r\n";
    let wrong = b"*4\r\n$1\r\nf\r\n$1\r\n2\r\n$1\r\ng\r\n$1\r\n1\r\n";
    assert!(compare_replies(h1, h2, Norm::UnorderedPairs).is_ok());
    assert!(compare_replies(h1, wrong, Norm::Unordered).is_ok());
    assert!(compare_replies(h1, wrong, Norm::UnorderedPairs).is_err());
    // RESP3 maps are sorted by pair under plain Unordered.
    let m1 = b"%2\r\n+f\r\n:1\r\n+g\r\n:2\r\n";
    let m2 = b"%2\r\n+g\r\n:2\r\n+f\r\n:1\r\n";
    let m3 = b"%2\r\n+g\r\n:1\r\n+f\r\n:2\r\n";
    assert!(compare_replies(m1, m2, Norm::Unordered).is_ok());
    assert!(compare_replies(m1, m3, Norm::Unordered).is_err());
    // Nested order only matters unless Deep.
    let n1 = b"*2\r\n*2\r\n:1\r\n:2\r\n:3\r\n";
    let n2 = b"*2\r\n:3\r\n*2\r\n:2\r\n:1\r\n";
    assert!(compare_replies(n1, n2, Norm::Unordered).is_err());
    assert!(compare_replies(n1, n2, Norm::UnorderedDeep).is_ok());
    // Scalars are compared exactly.
    assert!(compare_replies(b":1\r\n", b":2\r\n", Norm::Unordered).is_err());
}

#[test]
fn compare_random_reply_normalisations() {
    assert!(compare_replies(b"$3\r\nabc\r\n", b"$3\r\nxyz\r\n", Norm::TypeAndLen).is_ok());
    assert!(compare_replies(b"$3\r\nabc\r\n", b"$2\r\nxy\r\n", Norm::TypeAndLen).is_err());
    assert!(compare_replies(
        b"*2\r\n:1\r\n:2\r\n",
        b"*2\r\n:5\r\n:9\r\n",
        Norm::TypeAndLen
    )
    .is_ok());
    assert!(compare_replies(b"*2\r\n:1\r\n:2\r\n", b"*1\r\n:5\r\n", Norm::TypeAndLen).is_err());
    assert!(compare_replies(b"$3\r\nabc\r\n", b"$-1\r\n", Norm::TypeAndLen).is_err());
    assert!(compare_replies(b"$3\r\nabc\r\n", b"$2\r\nxy\r\n", Norm::TypeOnly).is_ok());
    assert!(compare_replies(b"$3\r\nabc\r\n", b"-ERR\r\n", Norm::TypeOnly).is_err());
    assert!(compare_replies(b"+a\r\n", b"-b\r\n", Norm::Ignore).is_ok());
    fn both_ints(a: &[u8], b: &[u8]) -> Result<(), String> {
        match (parse_reply(a), parse_reply(b)) {
            (Resp::Integer(_), Resp::Integer(_)) => Ok(()),
            _ => Err("not both integers".into()),
        }
    }
    assert!(compare_replies(b":1\r\n", b":7\r\n", Norm::Custom(both_ints)).is_ok());
    assert!(compare_replies(b":1\r\n", b"+7\r\n", Norm::Custom(both_ints)).is_err());
}

// ---------- seeded randomness ----------

#[test]
fn seed_rng_is_deterministic_and_bounded() {
    let mut a = SeedRng::new(42);
    let mut b = SeedRng::new(42);
    let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
    let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(
        xs,
        (0..100)
            .map(|_| SeedRng::new(43).next_u64())
            .collect::<Vec<_>>()
    );
    let mut r = SeedRng::new(7);
    for _ in 0..1000 {
        let v = r.range(-3, 3);
        assert!((-3..=3).contains(&v));
        assert!(r.below(10) < 10);
    }
    assert_eq!(r.range(i64::MIN, i64::MIN), i64::MIN);
    let _ = r.range(i64::MIN, i64::MAX);
    assert_eq!(common::rng::parse_seed("0x10"), Some(16));
    assert_eq!(common::rng::parse_seed(" 99 "), Some(99));
    assert_eq!(common::rng::parse_seed("x"), None);
}

fn string_generators() -> Vec<Generator> {
    vec![
        Generator::new("set", 3, |r| {
            let k = r.key("k", 5);
            let n = r.below(8) as usize;
            let v = r.bytes(n, b"ab\x00\r\n");
            GenCmd::exact(vec![b"SET".to_vec(), k, v])
        }),
        Generator::new("get", 3, |r| {
            GenCmd::exact(vec![b"GET".to_vec(), r.key("k", 5)])
        }),
        Generator::new("append", 2, |r| {
            GenCmd::exact(vec![b"APPEND".to_vec(), r.key("k", 5), r.bytes(3, b"xyz")])
        }),
        Generator::new("incr", 1, |r| {
            GenCmd::exact(vec![b"INCR".to_vec(), r.key("k", 5)])
        }),
        Generator::new("keys", 1, |_| {
            GenCmd::with(args(&["KEYS", "*"]), Norm::Unordered)
        }),
    ]
}

#[test]
fn random_sequence_depends_only_on_seed() {
    let gens = string_generators();
    let a = random_sequence(&mut SeedRng::new(5), &gens, 50);
    let b = random_sequence(&mut SeedRng::new(5), &gens, 50);
    let c = random_sequence(&mut SeedRng::new(6), &gens, 50);
    let flat = |v: &[GenCmd]| v.iter().map(|c| c.args.clone()).collect::<Vec<_>>();
    assert_eq!(flat(&a), flat(&b));
    assert_ne!(flat(&a), flat(&c));
    // Every generator gets picked eventually.
    assert!(flat(&random_sequence(&mut SeedRng::new(1), &gens, 300))
        .iter()
        .any(|c| c[0] == b"KEYS"));
}

// ---------- RawConn against a scripted fake server ----------

/// Serves `bytes` one byte at a time, then closes: frames arrive split at every position.
fn trickle_server(bytes: Vec<u8>) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = l.accept() {
            let _ = s.set_nodelay(true);
            for b in bytes {
                if s.write_all(&[b]).is_err() {
                    return;
                }
            }
        }
    });
    addr
}

#[test]
fn raw_conn_reassembles_every_frame_type_from_single_bytes() {
    let frames = samples();
    let all: Vec<u8> = frames.iter().flat_map(|(raw, _)| raw.to_vec()).collect();
    let mut c = RawConn::connect(trickle_server(all));
    for (raw, want) in &frames {
        let got = c.read_reply();
        assert_eq!(got, raw.to_vec());
        assert_eq!(&parse_reply(&got), want);
    }
    assert!(c.is_closed());
    assert_eq!(c.read_reply_timeout(Duration::from_millis(50)), None);
}

#[test]
#[should_panic(expected = "connection closed")]
fn raw_conn_read_on_closed_connection_fails_loudly() {
    let mut c = RawConn::connect(trickle_server(b"$5\r\nab".to_vec()));
    c.read_reply();
}

// ---------- against real redis-server ----------

#[test]
fn server_starts_answers_and_logs() {
    let mut s = TestServer::redis(&[]);
    assert!(s.is_redis() && s.is_running());
    assert_ne!(s.port(), 6379);
    let mut c = s.conn();
    assert_eq!(c.cmd_str("PING"), b"+PONG\r\n");
    assert_eq!(
        parse_reply(&c.cmd_str("CONFIG GET dir"))
            .as_array()
            .unwrap()[1]
            .as_bytes(),
        Some(
            std::fs::canonicalize(s.dir())
                .unwrap()
                .to_str()
                .unwrap()
                .as_bytes()
        )
    );
    assert!(
        s.log().contains("Ready to accept connections"),
        "{}",
        s.log()
    );
    s.kill();
    assert!(!s.is_running());
    assert!(RawConn::try_connect(s.addr()).is_err());
}

#[test]
fn server_extra_args_and_restart_keep_the_dir() {
    let mut s = TestServer::redis(&["--maxmemory-policy", "allkeys-lru"]);
    let mut c = s.conn();
    assert_eq!(
        c.cmd_str("CONFIG GET maxmemory-policy"),
        b"*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"
    );
    assert_eq!(c.cmd_str("SET persisted yes"), b"+OK\r\n");
    assert_eq!(c.cmd_str("SAVE"), b"+OK\r\n");
    assert!(s.dir().join("dump.rdb").exists());
    let old_pid = s.pid();
    s.restart();
    assert_ne!(s.pid(), old_pid);
    let mut c = s.conn();
    assert_eq!(c.cmd_str("GET persisted"), b"$3\r\nyes\r\n");
    // A graceful stop exits cleanly.
    let st = s
        .terminate(Duration::from_secs(10))
        .expect("exited on SIGTERM");
    assert!(st.success(), "{st}");
}

#[test]
fn server_failing_to_start_reports_its_log() {
    let r = std::panic::catch_unwind(|| TestServer::redis(&["--no-such-directive", "1"]));
    let msg = r
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("start must fail");
    assert!(msg.contains("failed to start"), "{msg}");
    assert!(
        msg.contains("no-such-directive"),
        "log tail missing from: {msg}"
    );
}

#[test]
fn raw_conn_pipeline_timeout_and_close() {
    let s = TestServer::redis(&[]);
    let mut c = s.conn();
    let replies = c.pipeline(&[
        args(&["SET", "a", "1"]),
        args(&["INCR", "a"]),
        args(&["GET", "a"]),
    ]);
    assert_eq!(
        replies,
        vec![
            b"+OK\r\n".to_vec(),
            b":2\r\n".to_vec(),
            b"$1\r\n2\r\n".to_vec()
        ]
    );
    assert_eq!(c.read_reply_timeout(Duration::from_millis(100)), None);
    assert!(!c.is_closed_within(Duration::from_millis(50)));
    // Inline protocol through send/read_reply.
    c.send(b"PING\r\n");
    assert_eq!(c.read_reply(), b"+PONG\r\n");
    assert_eq!(c.cmd_str("QUIT"), b"+OK\r\n");
    assert!(c.is_closed());
}

#[test]
#[allow(clippy::approx_constant)] // 3.141 is the value Redis sends, not an approximation of PI.
fn raw_conn_understands_resp3_from_real_redis() {
    let s = TestServer::redis(&[]);
    let mut c = s.conn();
    let hello = parse_reply(&c.cmd_str("HELLO 3"));
    assert_eq!(
        hello.map_get(b"server"),
        Some(&Resp::Bulk(b"redis".to_vec()))
    );
    assert_eq!(hello.map_get(b"proto"), Some(&Resp::Integer(3)));
    // Bytes observed from redis-server 7.0.15 for DEBUG PROTOCOL <type> after HELLO 3.
    let expected: &[(&str, &[u8])] = &[
        ("string", b"$11\r\nHello World\r\n"),
        ("integer", b":12345\r\n"),
        ("double", b",3.141\r\n"),
        ("bignum", b"(1234567999999999999999999999999999999\r\n"),
        ("null", b"_\r\n"),
        ("array", b"*3\r\n:0\r\n:1\r\n:2\r\n"),
        ("set", b"~3\r\n:0\r\n:1\r\n:2\r\n"),
        ("map", b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n"),
        ("true", b"#t\r\n"),
        ("false", b"#f\r\n"),
        ("verbatim", b"=29\r\ntxt:This is a verbatim\nstring\r\n"),
        (
            "attrib",
            b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n",
        ),
    ];
    for (ty, want) in expected {
        let got = c.cmd(&["DEBUG", "PROTOCOL", ty]);
        assert_eq!(escape(&got), escape(want), "DEBUG PROTOCOL {ty}");
        parse_reply(&got);
    }
    assert_eq!(
        parse_reply(&c.cmd_str("DEBUG PROTOCOL verbatim")),
        Resp::Verbatim {
            format: b"txt".to_vec(),
            text: b"This is a verbatim\nstring".to_vec()
        }
    );
    assert_eq!(
        parse_reply(&c.cmd_str("DEBUG PROTOCOL double")),
        Resp::Double(3.141)
    );
    // A push frame is its own reply; the command's reply follows it.
    let push = c.cmd_str("DEBUG PROTOCOL push");
    assert_eq!(
        parse_reply(&push),
        Resp::Push(vec![
            Resp::Bulk(b"server-cpu-usage".to_vec()),
            Resp::Integer(42)
        ])
    );
    assert_eq!(
        c.read_reply(),
        b"$40\r\nSome real reply following the push reply\r\n"
    );
    // RESP2 nulls.
    assert_eq!(c.cmd_str("HELLO 2").first(), Some(&b'*'));
    assert_eq!(c.cmd_str("DEBUG PROTOCOL null"), b"$-1\r\n");
    assert_eq!(c.cmd_str("BLPOP nolist 0.01"), b"*-1\r\n");
}

#[test]
fn diff_identical_commands_compare_equal() {
    let mut p = DiffPair::reference_pair();
    assert_eq!(p.check_str("SET k v"), b"+OK\r\n");
    p.check(&[&b"SET"[..], b"bin", b"\x00\xff\r\n"]);
    p.check_str("GET bin");
    p.check_str("INCR k");
    p.check_str("LPUSH l a b c");
    p.check_str("LRANGE l 0 -1");
    p.check_str("GET missing");
    p.check_str("NOSUCHCOMMAND x");
    p.check_str("HELLO 3");
    p.check_str("DEBUG PROTOCOL map");
    p.check_raw(b"PING\r\n*1\r\n$4\r\nPING\r\n", 2);
    // A protocol error is answered, then both close the connection.
    p.check_raw(b"*1\r\n$x\r\n", 1);
    assert!(p.subject_conn.is_closed() && p.reference_conn.is_closed());
}

#[test]
fn diff_detects_a_divergent_reply() {
    let mut p = DiffPair::reference_pair();
    assert_eq!(p.subject_conn.cmd_str("SET only-subject 1"), b"+OK\r\n");
    let m = p
        .compare(&["GET", "only-subject"], Norm::Exact)
        .unwrap_err();
    assert_eq!(m.subject, b"$1\r\n1\r\n");
    assert_eq!(m.reference, b"$-1\r\n");
    let text = m.to_string();
    assert!(text.contains("\"GET\" \"only-subject\""), "{text}");
    assert!(
        text.contains("$1\\r\\n1\\r\\n") && text.contains("$-1\\r\\n"),
        "{text}"
    );
    // The connections stay in step after a mismatch.
    p.check_str("PING");
}

#[test]
#[should_panic(expected = "reply mismatch")]
fn diff_check_panics_on_mismatch() {
    let mut p = DiffPair::reference_pair();
    p.reference_conn.cmd_str("SET k reference-only");
    p.check_str("GET k");
}

#[test]
#[should_panic(expected = "command \"PING\": subject")]
fn diff_names_the_command_when_a_server_dies() {
    let mut p = DiffPair::reference_pair();
    p.subject.kill();
    p.check_str("PING");
}

#[test]
fn diff_unordered_smembers_and_hgetall() {
    let mut p = DiffPair::reference_pair();
    let members: Vec<String> = (0..200).map(|i| format!("member:{i}")).collect();
    let mut sadd = vec!["SADD".to_string(), "s".to_string()];
    sadd.extend(members.iter().cloned());
    p.check(&sadd);
    let reply = p.check_unordered(&["SMEMBERS", "s"]);
    assert_eq!(parse_reply(&reply).as_array().map(<[Resp]>::len), Some(200));
    let mut hset = vec!["HSET".to_string(), "h".to_string()];
    for i in 0..200 {
        hset.push(format!("field:{i}"));
        hset.push(format!("value:{i}"));
    }
    p.check(&hset);
    p.check_with(&["HGETALL", "h"], Norm::UnorderedPairs);
    p.check_with(&["SRANDMEMBER", "s", "5"], Norm::TypeAndLen);
    // A missing member is still caught under Unordered.
    p.subject_conn.cmd_str("SREM s member:7");
    assert!(p.compare(&["SMEMBERS", "s"], Norm::Unordered).is_err());
}

#[test]
fn diff_scripts_hold_on_the_reference() {
    let files = common::diff::script_files(&common::diff::diff_dir());
    assert!(!files.is_empty(), "tests/diff/*.txt not found");
    for f in files {
        // A fresh pair per script: scripts may assume an empty keyspace.
        DiffPair::reference_pair().run_script_file(&f);
    }
}

#[test]
#[should_panic(expected = "<script>:3")]
fn diff_script_reports_the_failing_line() {
    let mut p = DiffPair::reference_pair();
    p.subject_conn.cmd_str("SET x 1");
    p.run_script("# divergent on purpose\nPING\nGET x\n");
}

#[test]
fn diff_random_sequence_on_the_reference() {
    let mut p = DiffPair::reference_pair();
    let mut rng = SeedRng::from_env();
    p.run_random(&mut rng, &string_generators(), 200);
}
