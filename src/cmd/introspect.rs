//! `COMMAND` and its subcommands, all derived from the command table: rows give the
//! metadata, [`render`] turns the stored RESP3 blobs into the client's protocol.

use super::args::is;
use super::{acl, flag, CmdResult, Command, Ctx, Error};
use crate::resp::Out;
use crate::util::glob::string_match;

/// Renders a trusted RESP3 blob (generated metadata) for the client's protocol.
/// Returns the bytes consumed.
pub fn render(blob: &[u8], out: &mut Out) -> usize {
    let line_end = blob.iter().position(|&c| c == b'\r').unwrap_or(blob.len());
    let head = blob.first().copied().unwrap_or(b'_');
    let n: i64 = std::str::from_utf8(&blob[1..line_end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut p = (line_end + 2).min(blob.len());
    match head {
        b'*' | b'~' | b'%' => {
            let items = if head == b'%' { 2 * n } else { n };
            match head {
                b'*' => out.array_len(n as usize),
                b'~' => out.set_len(n as usize),
                _ => out.map_len(n as usize),
            }
            for _ in 0..items {
                p += render(&blob[p..], out);
            }
            p
        }
        b'$' => {
            let end = (p + n as usize).min(blob.len());
            out.bulk(&blob[p..end]);
            (end + 2).min(blob.len())
        }
        b'_' => {
            out.null();
            p
        }
        _ => {
            // `+`, `:` lines are protocol-independent.
            out.raw(&blob[..p]);
            p
        }
    }
}

/// Writes one `COMMAND INFO` entry.
pub fn write_info(c: &Command, out: &mut Out) {
    let m = c.meta;
    out.array_len(10);
    out.bulk(m.name.as_bytes());
    out.int(m.arity as i64);
    let flags: Vec<&str> = flag::NAMES
        .iter()
        .filter(|(b, _)| m.flags & b != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set_len(flags.len());
    for f in flags {
        out.simple(f.as_bytes());
    }
    out.int(m.first_key as i64);
    out.int(m.last_key as i64);
    out.int(m.step as i64);
    let cats: Vec<&str> = acl::NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| m.acl & (1 << i) != 0)
        .map(|(_, n)| *n)
        .collect();
    out.set_len(cats.len());
    for a in cats {
        out.simple(format!("@{a}").as_bytes());
    }
    out.set_len(m.tips.len());
    for t in m.tips {
        out.bulk(t.as_bytes());
    }
    render(m.key_specs, out);
    out.set_len(c.subs.len());
    for s in c.subs {
        write_info(s, out);
    }
}

/// Writes one `COMMAND DOCS` value (the map for a command, with its subcommands).
pub fn write_docs(c: &Command, out: &mut Out) {
    let m = c.meta;
    let line_end = m.docs.iter().position(|&b| b == b'\r').unwrap_or(0);
    let n: usize = std::str::from_utf8(&m.docs[1..line_end])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let extra = usize::from(!c.subs.is_empty());
    out.map_len(n + extra);
    let mut p = line_end + 2;
    for _ in 0..2 * n {
        p += render(&m.docs[p..], out);
    }
    if extra == 1 {
        out.bulk(b"subcommands");
        out.map_len(c.subs.len());
        for s in c.subs {
            out.bulk(s.meta.name.as_bytes());
            write_docs(s, out);
        }
    }
}

/// COMMAND [subcommand ...] — without arguments, every command's info.
pub fn command(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let cmds: Vec<&Command> = ctx.core.registry.top_level().map(|(_, c)| c).collect();
    let out = ctx.out();
    out.array_len(cmds.len());
    for c in cmds {
        write_info(c, out);
    }
    Ok(())
}

/// COMMAND COUNT
pub fn count(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let n = ctx.core.registry.top_level().count();
    ctx.out().int(n as i64);
    Ok(())
}

/// Resolves `name` or `container|sub` to a row.
fn find(ctx: &Ctx, name: &[u8]) -> Option<&'static Command> {
    let reg = &ctx.core.registry;
    match name.iter().position(|&c| c == b'|') {
        None => reg.lookup(name).map(|i| reg.cmds[i]),
        Some(p) => {
            let id = reg.lookup(&name[..p])?;
            reg.lookup_sub(id, &name[p + 1..]).map(|i| reg.cmds[i])
        }
    }
}

/// COMMAND INFO [command-name ...]
pub fn info(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if argv.len() == 2 {
        return command(ctx, argv);
    }
    let found: Vec<Option<&Command>> = argv[2..].iter().map(|n| find(ctx, n)).collect();
    let out = ctx.out();
    out.array_len(found.len());
    for c in found {
        match c {
            Some(c) => write_info(c, out),
            None => out.null(),
        }
    }
    Ok(())
}

/// COMMAND DOCS [command-name ...]
pub fn docs(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let found: Vec<&Command> = if argv.len() == 2 {
        ctx.core.registry.top_level().map(|(_, c)| c).collect()
    } else {
        argv[2..].iter().filter_map(|n| find(ctx, n)).collect()
    };
    let out = ctx.out();
    out.map_len(found.len());
    for c in found {
        out.bulk(c.meta.name.as_bytes());
        write_docs(c, out);
    }
    Ok(())
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT cat | PATTERN pattern]
pub fn list(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    enum Filter<'a> {
        All,
        Module,
        Acl(u64),
        Pattern(&'a [u8]),
    }
    let filter = match argv.len() {
        2 => Filter::All,
        5 if is(argv[2], "filterby") => {
            if is(argv[3], "module") {
                Filter::Module
            } else if is(argv[3], "aclcat") {
                match acl::NAMES.iter().position(|n| is(argv[4], n)) {
                    Some(i) => Filter::Acl(1 << i),
                    None => Filter::Acl(0),
                }
            } else if is(argv[3], "pattern") {
                Filter::Pattern(argv[4])
            } else {
                return Err(super::error::SYNTAX);
            }
        }
        _ => return Err(super::error::SYNTAX),
    };
    let mut names: Vec<&str> = Vec::new();
    for (_, c) in ctx.core.registry.top_level() {
        let mut all = vec![c];
        all.extend(c.subs.iter());
        for c in all {
            let keep = match filter {
                Filter::All => c.meta.name.find('|').is_none(),
                Filter::Module => false,
                Filter::Acl(bit) => c.meta.acl & bit != 0,
                Filter::Pattern(p) => string_match(p, c.meta.name.as_bytes(), true),
            };
            if keep {
                names.push(c.meta.name);
            }
        }
    }
    let out = ctx.out();
    out.array_len(names.len());
    for n in names {
        out.bulk(n.as_bytes());
    }
    Ok(())
}

/// COMMAND GETKEYS command [arg ...] / COMMAND GETKEYSANDFLAGS
pub fn getkeys(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let with_flags = is(argv[1], "getkeysandflags");
    let args = &argv[2..];
    let Some(Ok(id)) = ctx.core.registry.resolve(args) else {
        return Err(Error::err("Invalid command specified"));
    };
    let c = ctx.core.registry.cmds[id];
    // Redis checks for key specs (channels do not count) before the arity.
    if !super::keyspec::has_keys(c.meta) {
        return Err(Error::err("The command has no key arguments"));
    }
    let arity = c.meta.arity;
    let argc = args.len() as i32;
    if (arity > 0 && arity != argc) || argc < -arity {
        return Err(Error::err(
            "Invalid number of arguments specified for command",
        ));
    }
    let keys = super::keyspec::keys_of(c.meta, args);
    if keys.is_empty() {
        // Arguments that yield no key (e.g. a ZUNIONSTORE numkeys larger than them).
        return Err(Error::err("Invalid arguments specified for command"));
    }
    let out = ctx.out();
    out.array_len(keys.len());
    for (i, fl) in keys {
        if with_flags {
            out.array_len(2);
            out.bulk(args[i]);
            out.set_len(fl.len());
            for f in fl {
                out.simple(f.as_bytes());
            }
        } else {
            out.bulk(args[i]);
        }
    }
    Ok(())
}

/// COMMAND HELP
pub fn help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    super::server::reply_help(
        ctx.out(),
        "COMMAND",
        &[
            "(no subcommand)",
            "    Return details about all Redis commands.",
            "COUNT",
            "    Return the total number of commands in this Redis server.",
            "LIST",
            "    Return a list of all commands in this Redis server.",
            "INFO [<command-name> ...]",
            "    Return details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "DOCS [<command-name> ...]",
            "    Return documentation details about multiple Redis commands.",
            "    If no command names are given, documentation details for all",
            "    commands are returned.",
            "GETKEYS <full-command>",
            "    Return the keys from a full Redis command.",
            "GETKEYSANDFLAGS <full-command>",
            "    Return the keys and the access flags from a full Redis command.",
        ],
    );
    Ok(())
}

/// A string field of a command's docs map (`summary`, `since`, `complexity`, ...).
pub fn doc_field(meta: &super::Meta, field: &str) -> Option<String> {
    let blob = meta.docs;
    let line_end = blob.iter().position(|&b| b == b'\r')?;
    let n: usize = std::str::from_utf8(&blob[1..line_end]).ok()?.parse().ok()?;
    let mut p = line_end + 2;
    for _ in 0..n {
        let (key, k) = bulk_at(&blob[p..])?;
        p += k;
        if key == field.as_bytes() {
            return bulk_at(&blob[p..]).map(|(v, _)| String::from_utf8_lossy(v).into_owned());
        }
        // Skip the value: render it into a scratch buffer to learn its length.
        let mut scratch = Out::new();
        p += render(&blob[p..], &mut scratch);
    }
    None
}

fn bulk_at(b: &[u8]) -> Option<(&[u8], usize)> {
    if b.first() != Some(&b'$') {
        return None;
    }
    let le = b.iter().position(|&c| c == b'\r')?;
    let n: usize = std::str::from_utf8(&b[1..le]).ok()?.parse().ok()?;
    let start = le + 2;
    Some((b.get(start..start + n)?, start + n + 2))
}

/// Renders `docs/commands.md` from the command table.
pub fn commands_markdown(reg: &super::Registry) -> String {
    let mut rows: Vec<&Command> = reg.top_level().map(|(_, c)| c).collect();
    rows.sort_by_key(|c| (c.meta.group, c.meta.name));
    let mut s = String::from(
        "# Commands\n\nGenerated from the command table by `make docs` (a test fails when this file is stale).\n\
         Every command listed here is implemented; metadata (`COMMAND INFO`/`DOCS`) is Redis 7.0.15's.\n",
    );
    let mut group = "";
    for c in rows {
        if c.meta.group != group {
            group = c.meta.group;
            s.push_str(&format!(
                "\n## {group}\n\n| command | arity | summary |\n|---|---|---|\n"
            ));
        }
        let summary = doc_field(c.meta, "summary").unwrap_or_default();
        s.push_str(&format!(
            "| `{}` | {} | {} |\n",
            c.meta.name.to_ascii_uppercase(),
            c.meta.arity,
            summary
        ));
        let mut subs: Vec<&Command> = c.subs.iter().collect();
        subs.sort_by_key(|s| s.meta.name);
        for sc in subs {
            let summary = doc_field(sc.meta, "summary").unwrap_or_default();
            s.push_str(&format!(
                "| `{}` | {} | {} |\n",
                sc.meta.name.replace('|', " ").to_ascii_uppercase(),
                sc.meta.arity,
                summary
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/commands.md is generated from the table; regenerate with `make docs`.
    #[test]
    fn commands_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md");
        let want = commands_markdown(&super::super::Registry::new());
        if std::env::var_os("OXIDIS_UPDATE_DOCS").is_some() {
            std::fs::write(path, &want).expect("write docs/commands.md");
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/commands.md is stale: run `make docs`");
    }

    #[test]
    fn docs_fields_are_found() {
        assert_eq!(
            doc_field(&crate::cmd::meta::GET, "summary").as_deref(),
            Some("Get the value of a key")
        );
        assert_eq!(
            doc_field(&crate::cmd::meta::GET, "since").as_deref(),
            Some("1.0.0")
        );
    }
}
