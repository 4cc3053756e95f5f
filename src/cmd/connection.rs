//! Connection commands: PING ECHO QUIT RESET HELLO SELECT AUTH and CLIENT.

use super::args::{self, is};
use super::error::{self, Error};
use super::{meta, CmdResult, Command, Ctx};
use crate::client::{flags, Client, ReplyMode};
use crate::core::Effect;

/// PING [message]
fn ping(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 2 {
        return Err(Error::wrong_args("ping"));
    }
    if ctx.client.has(flags::PUBSUB) && !ctx.client.out.resp3() {
        // RESP2 subscribed context: a push-shaped pong (Redis `pingCommand`).
        let out = ctx.out();
        out.array_len(2);
        out.bulk(b"pong");
        out.bulk(argv.get(1).copied().unwrap_or(b""));
        return Ok(());
    }
    match argv.get(1) {
        None => ctx.out().raw(b"+PONG\r\n"),
        Some(m) => ctx.out().bulk(m),
    }
    Ok(())
}

/// ECHO message
fn echo(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    ctx.out().bulk(argv[1]);
    Ok(())
}

/// QUIT — answered by the dispatcher before lookup; this row gives it metadata.
fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.out().ok();
    ctx.client.flags |= flags::CLOSE_AFTER_REPLY;
    Ok(())
}

/// SELECT index
fn select(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let n = ctx.core.config.databases;
    let id = i64::from(args::int32(argv[1], None)?);
    if id < 0 || id >= n {
        return Err(error::DB_INDEX);
    }
    ctx.client.db = id as usize;
    ctx.out().ok();
    Ok(())
}

/// Checks `user`/`pass` against `requirepass` (the only user is `default`).
fn check_auth(ctx: &Ctx, user: &[u8], pass: &[u8]) -> bool {
    user == b"default"
        && match &ctx.core.config.requirepass {
            Some(p) => p.as_slice() == pass,
            None => true,
        }
}

/// AUTH [username] password
fn auth(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 3 {
        return Err(error::SYNTAX);
    }
    let (user, pass): (&[u8], &[u8]) = if argv.len() == 2 {
        if ctx.core.config.requirepass.is_none() {
            return Err(Error::err("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"));
        }
        (b"default", argv[1])
    } else {
        (argv[1], argv[2])
    };
    if check_auth(ctx, user, pass) {
        ctx.client.authenticated = true;
        ctx.out().ok();
        Ok(())
    } else {
        Err(error::WRONGPASS)
    }
}

/// HELLO [protover [AUTH username password] [SETNAME clientname]]
fn hello(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut ver = None;
    let mut i = 1;
    if argv.len() >= 2 {
        let v = args::int_or(
            argv[1],
            Error::err("Protocol version is not an integer or out of range"),
        )?;
        if !(2..=3).contains(&v) {
            return Err(Error::fixed("NOPROTO unsupported protocol version"));
        }
        ver = Some(v as u8);
        i = 2;
    }
    let mut name = None;
    // Options are applied in order: AUTH authenticates when it is read (Redis
    // `helloCommand`), before a later option can be found wrong.
    while i < argv.len() {
        let more = argv.len() - i - 1;
        if is(argv[i], "auth") && more >= 2 {
            if !check_auth(ctx, argv[i + 1], argv[i + 2]) {
                return Err(error::WRONGPASS);
            }
            ctx.client.authenticated = true;
            i += 3;
        } else if is(argv[i], "setname") && more >= 1 {
            name = Some(argv[i + 1]);
            i += 2;
        } else {
            let mut m = b"ERR Syntax error in HELLO option '".to_vec();
            m.extend_from_slice(error::c_str(argv[i]));
            m.push(b'\'');
            return Err(Error::owned(m));
        }
    }
    if !ctx.client.authenticated {
        return Err(Error::fixed("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"));
    }
    if let Some(n) = name {
        validate_name(n)?;
        ctx.client.name = if n.is_empty() { None } else { Some(n.to_vec()) };
    }
    if let Some(v) = ver {
        ctx.client.out.resp = v;
    }
    let id = ctx.client.id as i64;
    let out = ctx.out();
    out.map_len(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(crate::REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(out.resp as i64);
    out.bulk(b"id");
    out.int(id);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array_len(0);
    Ok(())
}

/// RESET — back to a fresh connection's state.
fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::transaction::discard_state(ctx.client);
    super::transaction::unwatch_all(ctx.core, ctx.client);
    crate::pubsub::forget_client(ctx.core, ctx.client);
    let c = &mut *ctx.client;
    c.db = 0;
    c.out.resp = 2;
    c.name = None;
    c.reply_mode = ReplyMode::On;
    c.flags &= !(flags::NO_EVICT | flags::MONITOR);
    c.authenticated = ctx.core.config.requirepass.is_none();
    let tok = c.token;
    ctx.core.monitors.retain(|&t| t != tok);
    ctx.out().raw(b"+RESET\r\n");
    Ok(())
}

fn validate_name(n: &[u8]) -> CmdResult {
    if n.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Error::err(
            "Client names cannot contain spaces, newlines or special characters.",
        ));
    }
    Ok(())
}

/// One `CLIENT LIST` line (without the trailing newline), in Redis 7.0's field order.
pub fn client_line(c: &Client, now: i64) -> String {
    let name = c
        .name
        .as_deref()
        .map(String::from_utf8_lossy)
        .unwrap_or_default();
    let multi = if c.has(flags::MULTI) {
        c.multi.len() as i64
    } else {
        -1
    };
    let qbuf = c.qbuf.len().saturating_sub(c.qpos);
    let qfree = c.qbuf.capacity() - c.qbuf.len();
    let obl = c.pending_output();
    let events = if c.writable_registered { "rw" } else { "r" };
    let mut line = format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs={} rbp=0 obl={} oll=0 omem=0 tot-mem={} events={} cmd={} user=default redir=-1 resp={}",
        c.id,
        c.addr,
        c.laddr,
        c.conn.fd(),
        name,
        (now - c.ctime_ms) / 1000,
        (now - c.last_interaction_ms) / 1000,
        c.flag_letters(),
        c.db,
        c.subs.channels.len(),
        c.subs.patterns.len(),
        c.subs.shard.len(),
        multi,
        qbuf,
        qfree,
        c.out.buf.capacity(),
        obl,
        c.qbuf.capacity() + c.out.buf.capacity() + std::mem::size_of::<Client>(),
        events,
        c.last_cmd,
        c.out.resp,
    );
    // Redis 7.2's fields, shown only to clients that set them (CLIENT SETINFO).
    if c.lib_name.is_some() || c.lib_ver.is_some() {
        let f =
            |v: &Option<Vec<u8>>| String::from_utf8_lossy(v.as_deref().unwrap_or(b"")).into_owned();
        line.push_str(&format!(
            " lib-name={} lib-ver={}",
            f(&c.lib_name),
            f(&c.lib_ver)
        ));
    }
    line
}

/// CLIENT ID
fn client_id(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let id = ctx.client.id as i64;
    ctx.out().int(id);
    Ok(())
}

/// CLIENT INFO
fn client_info(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    // The current command is reported as this one, as Redis does.
    ctx.client.last_cmd = ctx.cmd.meta.name;
    let mut line = client_line(ctx.client, ctx.now);
    line.push('\n');
    ctx.out().verbatim(line.as_bytes(), b"txt");
    Ok(())
}

/// What kind of client a `TYPE` filter names.
fn type_matches(c: &Client, ty: &[u8]) -> Result<bool, Error> {
    // A subscribed client is of type pubsub, not normal (Redis `getClientType`).
    if is(ty, "normal") {
        Ok(!c.has(flags::PUBSUB))
    } else if is(ty, "pubsub") {
        Ok(c.has(flags::PUBSUB))
    } else if is(ty, "master") || is(ty, "replica") || is(ty, "slave") {
        Ok(false)
    } else {
        let mut m = b"ERR Unknown client type '".to_vec();
        m.extend_from_slice(error::c_str(ty));
        m.push(b'\'');
        Err(Error::owned(m))
    }
}

/// CLIENT LIST [TYPE type] [ID id [id ...]]
fn client_list(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let mut ty: Option<&[u8]> = None;
    let mut ids: Option<Vec<u64>> = None;
    // Either TYPE or ID, not both (Redis 7.0 `clientCommand`).
    if argv.len() == 4 && is(argv[2], "type") {
        ty = Some(argv[3]);
    } else if argv.len() > 3 && is(argv[2], "id") {
        let mut v = Vec::new();
        for a in &argv[3..] {
            // Any integer is accepted; ids no client has match nothing.
            match crate::util::num::parse_i64(a) {
                Some(x) => v.push(x as u64),
                None => return Err(Error::err("Invalid client ID")),
            }
        }
        ids = Some(v);
    } else if argv.len() != 2 {
        return Err(error::SYNTAX);
    }
    ctx.client.last_cmd = ctx.cmd.meta.name;
    let now = ctx.now;
    let me = &*ctx.client;
    let mut all: Vec<&Client> = ctx.core.clients.iter().collect();
    all.push(me);
    all.sort_by_key(|c| c.id);
    let mut s = String::new();
    for c in all {
        if let Some(t) = ty {
            if !type_matches(c, t)? {
                continue;
            }
        }
        if let Some(ids) = &ids {
            if !ids.contains(&c.id) {
                continue;
            }
        }
        s.push_str(&client_line(c, now));
        s.push('\n');
    }
    ctx.out().verbatim(s.as_bytes(), b"txt");
    Ok(())
}

/// CLIENT KILL ip:port | CLIENT KILL [ID id] [TYPE t] [USER u] [ADDR a] [LADDR a] [SKIPME yes|no]
fn client_kill(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let old_form = argv.len() == 3;
    let mut id = None;
    let mut ty: Option<&[u8]> = None;
    let mut addr: Option<&[u8]> = None;
    let mut laddr: Option<&[u8]> = None;
    let mut skipme = true;
    if old_form {
        addr = Some(argv[2]);
        skipme = false;
    } else {
        // Filters are read in order, each checked as it comes (Redis `clientKillCommand`).
        for pair in argv[2..].chunks(2) {
            let [k, v] = pair else {
                return Err(error::SYNTAX);
            };
            let (k, v) = (*k, *v);
            if is(k, "id") {
                match crate::util::num::parse_i64(v) {
                    Some(x) if x > 0 => id = Some(x as u64),
                    _ => return Err(Error::err("client-id should be greater than 0")),
                }
            } else if is(k, "type") {
                type_matches(ctx.client, v)?;
                ty = Some(v);
            } else if is(k, "user") {
                if v != b"default" {
                    let mut m = b"ERR No such user '".to_vec();
                    m.extend_from_slice(error::c_str(v));
                    m.push(b'\'');
                    return Err(Error::owned(m));
                }
                // Every client is the default user's: the filter keeps them all.
            } else if is(k, "addr") {
                addr = Some(v);
            } else if is(k, "laddr") {
                laddr = Some(v);
            } else if is(k, "skipme") {
                if is(v, "yes") {
                    skipme = true;
                } else if is(v, "no") {
                    skipme = false;
                } else {
                    return Err(error::SYNTAX);
                }
            } else {
                return Err(error::SYNTAX);
            }
        }
    }
    let matches = |c: &Client| -> bool {
        id.is_none_or(|i| c.id == i)
            && ty.is_none_or(|t| type_matches(c, t).unwrap_or(false))
            && addr.is_none_or(|a| c.addr.as_bytes() == a)
            && laddr.is_none_or(|a| c.laddr.as_bytes() == a)
    };
    let mut killed = Vec::new();
    for c in ctx.core.clients.iter() {
        if matches(c) {
            killed.push(c.token);
        }
    }
    let me = !skipme && matches(ctx.client);
    let n = killed.len() + usize::from(me);
    for t in killed {
        ctx.core.effects.push(Effect::Kill(t));
    }
    if me {
        ctx.client.flags |= flags::CLOSE_AFTER_REPLY;
    }
    if old_form {
        if n == 0 {
            return Err(Error::err("No such client"));
        }
        ctx.out().ok();
    } else {
        ctx.out().int(n as i64);
    }
    Ok(())
}

/// CLIENT SETNAME name
fn client_setname(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    validate_name(argv[2])?;
    ctx.client.name = if argv[2].is_empty() {
        None
    } else {
        Some(argv[2].to_vec())
    };
    ctx.out().ok();
    Ok(())
}

/// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; clients such as redis-py send it at
/// connect). Values follow CLIENT SETNAME's character rules.
fn client_setinfo(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let attr = if is(argv[2], "lib-name") {
        "lib-name"
    } else if is(argv[2], "lib-ver") {
        "lib-ver"
    } else {
        let mut v = b"ERR Unrecognized option '".to_vec();
        v.extend_from_slice(error::c_str(argv[2]));
        v.push(b'\'');
        return Err(Error::owned(v));
    };
    if argv[3].iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        return Err(Error::err(format!(
            "{attr} cannot contain spaces, newlines or special characters."
        )));
    }
    let v = if argv[3].is_empty() {
        None
    } else {
        Some(argv[3].to_vec())
    };
    if attr == "lib-name" {
        ctx.client.lib_name = v;
    } else {
        ctx.client.lib_ver = v;
    }
    ctx.out().ok();
    Ok(())
}

/// `CLIENT SETINFO` is a Redis 7.2 command, so 7.0.15's generated metadata lacks it; these
/// are 7.2's fields.
pub const CLIENT_SETINFO_META: super::Meta = super::Meta {
    name: "client|setinfo",
    arity: 4,
    flags: super::flag::NOSCRIPT | super::flag::LOADING | super::flag::STALE,
    first_key: 0,
    last_key: 0,
    step: 0,
    acl: super::acl::SLOW | super::acl::CONNECTION,
    tips: &["request_policy:all_nodes", "response_policy:all_succeeded"],
    key_specs: b"~0\r\n",
    docs: b"%5\r\n$7\r\nsummary\r\n$38\r\nSet client or connection specific info\r\n$5\r\nsince\r\n$5\r\n7.2.0\r\n$5\r\ngroup\r\n$10\r\nconnection\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%3\r\n$4\r\nname\r\n$4\r\nattr\r\n$4\r\ntype\r\n$5\r\noneof\r\n$9\r\narguments\r\n*2\r\n%3\r\n$4\r\nname\r\n$7\r\nlibname\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\ntoken\r\n$8\r\nLIB-NAME\r\n%3\r\n$4\r\nname\r\n$6\r\nlibver\r\n$4\r\ntype\r\n$6\r\nstring\r\n$5\r\ntoken\r\n$7\r\nLIB-VER\r\n",
    group: "connection",
    subcommands: &[],
};

/// CLIENT GETNAME
fn client_getname(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    match ctx.client.name.clone() {
        Some(n) => ctx.out().bulk(&n),
        None => ctx.out().null(),
    }
    Ok(())
}

/// CLIENT REPLY ON|OFF|SKIP
fn client_reply(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if is(argv[2], "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.out().ok();
    } else if is(argv[2], "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(argv[2], "skip") {
        if ctx.client.reply_mode == ReplyMode::On {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        return Err(error::SYNTAX);
    }
    Ok(())
}

/// CLIENT NO-EVICT ON|OFF
/// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]
fn client_unblock(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() > 4 {
        return Err(Error::err(
            "unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.",
        ));
    }
    let how = match argv.get(3) {
        None => crate::blocking::Unblock::Timeout,
        Some(a) if is(a, "timeout") => crate::blocking::Unblock::Timeout,
        Some(a) if is(a, "error") => crate::blocking::Unblock::Error,
        Some(_) => return Err(error::UNBLOCK_REASON),
    };
    let id = args::int(argv[2])?;
    let done = id >= 0 && crate::blocking::unblock_by_id(ctx.core, id as u64, how);
    ctx.out().int(done as i64);
    Ok(())
}

fn client_no_evict(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if is(argv[2], "on") {
        ctx.client.flags |= flags::NO_EVICT;
    } else if is(argv[2], "off") {
        ctx.client.flags &= !flags::NO_EVICT;
    } else {
        return Err(error::SYNTAX);
    }
    ctx.out().ok();
    Ok(())
}

/// CLIENT PAUSE timeout [WRITE|ALL]
fn client_pause(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let ms = args::int_or(
        argv[2],
        Error::err("timeout is not an integer or out of range"),
    )?;
    if ms < 0 {
        return Err(Error::err("timeout is negative"));
    }
    let write_only = match argv.get(3) {
        None => false,
        Some(a) if is(a, "write") => true,
        Some(a) if is(a, "all") => false,
        Some(_) => return Err(error::SYNTAX),
    };
    if argv.len() > 4 {
        return Err(error::SYNTAX);
    }
    let until = ctx.now + ms;
    // A new pause never shortens an existing one, nor narrows ALL to WRITE.
    ctx.core.pause = Some(match ctx.core.pause {
        Some((u, w)) => (u.max(until), w && write_only),
        None => (until, write_only),
    });
    ctx.out().ok();
    Ok(())
}

/// CLIENT UNPAUSE
fn client_unpause(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    ctx.core.pause = None;
    ctx.out().ok();
    Ok(())
}

/// CLIENT HELP
fn client_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::server::reply_help(ctx.out(), "CLIENT", CLIENT_HELP);
    Ok(())
}

const CLIENT_HELP: &[&str] = &[
    "CACHING (YES|NO)",
    "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
    "GETREDIR",
    "    Return the client ID we are redirecting to when tracking is enabled.",
    "GETNAME",
    "    Return the name of the current connection.",
    "ID",
    "    Return the ID of the current connection.",
    "INFO",
    "    Return information about the current client connection.",
    "KILL <ip:port>",
    "    Kill connection made from <ip:port>.",
    "KILL <option> <value> [<option> <value> [...]]",
    "    Kill connections. Options are:",
    "    * ADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made from the specified address",
    "    * LADDR (<ip:port>|<unixsocket>:0)",
    "      Kill connections made to specified local address",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Kill connections by type.",
    "    * USER <username>",
    "      Kill connections authenticated by <username>.",
    "    * SKIPME (YES|NO)",
    "      Skip killing current connection (default: yes).",
    "LIST [options ...]",
    "    Return information about client connections. Options:",
    "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
    "      Return clients of specified type.",
    "UNPAUSE",
    "    Stop the current client pause, resuming traffic.",
    "PAUSE <timeout> [WRITE|ALL]",
    "    Suspend all, or just write, clients for <timeout> milliseconds.",
    "REPLY (ON|OFF|SKIP)",
    "    Control the replies sent to the current connection.",
    "SETNAME <name>",
    "    Assign the name <name> to the current connection.",
    "UNBLOCK <clientid> [TIMEOUT|ERROR]",
    "    Unblock the specified blocked client.",
    "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
    "         [OPTIN] [OPTOUT] [NOLOOP]",
    "    Control server assisted client side caching.",
    "TRACKINGINFO",
    "    Report tracking status for the current connection.",
    "NO-EVICT (ON|OFF)",
    "    Protect current client connection from eviction.",
];

pub const COMMANDS: &[Command] = &[
    Command::new(&meta::PING, ping),
    Command::new(&meta::ECHO, echo),
    Command::new(&meta::QUIT, quit),
    Command::new(&meta::SELECT, select),
    Command::new(&meta::AUTH, auth),
    Command::new(&meta::HELLO, hello),
    Command::new(&meta::RESET, reset),
    Command::container(
        &meta::CLIENT,
        &[
            Command::new(&meta::CLIENT_ID, client_id),
            Command::new(&meta::CLIENT_INFO, client_info),
            Command::new(&meta::CLIENT_LIST, client_list),
            Command::new(&meta::CLIENT_KILL, client_kill),
            Command::new(&meta::CLIENT_SETNAME, client_setname),
            Command::new(&meta::CLIENT_GETNAME, client_getname),
            Command::new(&CLIENT_SETINFO_META, client_setinfo),
            Command::new(&meta::CLIENT_REPLY, client_reply),
            Command::new(&meta::CLIENT_NO_EVICT, client_no_evict),
            Command::new(&meta::CLIENT_UNBLOCK, client_unblock),
            Command::new(&meta::CLIENT_PAUSE, client_pause),
            Command::new(&meta::CLIENT_UNPAUSE, client_unpause),
            Command::new(&meta::CLIENT_HELP, client_help),
        ],
    ),
];
