//! CONFIG GET|SET|RESETSTAT|REWRITE|HELP, over the directive table in `config`, plus the
//! side effects a changed directive has on the running server.

use super::server::reply_help;
use super::{meta, CmdResult, Command, Ctx, Error};
use crate::config::SetContext;
use crate::util::glob::string_match;

/// CONFIG GET parameter [parameter ...]
fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    let pairs = ctx
        .core
        .config
        .get_patterns(&argv[2..], |p, n| string_match(p, n, true));
    let out = ctx.out();
    out.map_len(pairs.len());
    for (k, v) in pairs {
        out.bulk(&k);
        out.bulk(&v);
    }
    Ok(())
}

/// CONFIG SET parameter value [parameter value ...]
fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) -> CmdResult {
    if !argv.len().is_multiple_of(2) {
        return Err(Error::wrong_args("config|set"));
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks(2).map(|c| (c[0], c[1])).collect();
    let local = ctx.client.has(crate::client::flags::UNIX)
        || ctx.client.addr.starts_with("127.")
        || ctx.client.addr.starts_with("[::1]");
    let before = ctx.core.config.clone();
    let changed = ctx
        .core
        .config
        .set_with(
            &pairs,
            SetContext {
                loading: false,
                client_is_local: local,
            },
        )
        .map_err(Error::owned)?;
    if let Err(e) = apply(ctx, &changed) {
        ctx.core.config = before;
        return Err(e);
    }
    ctx.out().ok();
    Ok(())
}

/// Applies the side effects of changed directives (Redis's `apply` functions). On error
/// the caller restores the previous configuration.
fn apply(ctx: &mut Ctx, changed: &[&'static str]) -> CmdResult {
    let fail = |name: &str, why: &str| {
        Error::err(format!(
            "CONFIG SET failed (possibly related to argument '{name}') - {why}"
        ))
    };
    for &name in changed {
        match name {
            "dir" => {
                if let Err(e) = std::env::set_current_dir(&ctx.core.config.dir) {
                    return Err(fail(name, &e.to_string()));
                }
            }
            "loglevel" => {
                log::set_max_level(crate::logging::filter(ctx.core.config.loglevel.name()))
            }
            "maxmemory" => crate::evict::maxmemory_changed(ctx.core),
            "port" | "bind" | "unixsocketperm" => {
                let ls = crate::listener::bind_all(&ctx.core.config)
                    .map_err(|_| fail(name, "Unable to listen on this port"))?;
                ctx.core.new_listeners = Some(ls);
            }
            _ => {}
        }
    }
    Ok(())
}

/// CONFIG RESETSTAT
fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let core = &mut *ctx.core;
    core.stats = Default::default();
    for s in core.cmd_stats.iter_mut() {
        *s = Default::default();
    }
    core.latency = Default::default();
    core.evict.reset_stats();
    core.rdb.last_start_pause_us = 0;
    ctx.out().ok();
    Ok(())
}

/// CONFIG REWRITE
fn config_rewrite(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    let Some(path) = ctx.core.config_file.clone() else {
        return Err(Error::err("The server is running without a config file"));
    };
    ctx.core
        .config
        .rewrite(&path)
        .map_err(|e| Error::err(format!("Rewriting config file: {e}")))?;
    log::info!("CONFIG REWRITE executed with success.");
    ctx.out().ok();
    Ok(())
}

/// CONFIG HELP
fn config_help(ctx: &mut Ctx, _argv: &[&[u8]]) -> CmdResult {
    reply_help(
        ctx.out(),
        "CONFIG",
        &[
            "GET <pattern>",
            "    Return parameters matching the glob-like <pattern> and their values.",
            "SET <directive> <value>",
            "    Set the configuration <directive> to <value>.",
            "RESETSTAT",
            "    Reset statistics reported by the INFO command.",
            "REWRITE",
            "    Rewrite the configuration file.",
        ],
    );
    Ok(())
}

pub const COMMANDS: &[Command] = &[Command::container(
    &meta::CONFIG,
    &[
        Command::new(&meta::CONFIG_GET, config_get),
        Command::new(&meta::CONFIG_SET, config_set),
        Command::new(&meta::CONFIG_RESETSTAT, config_resetstat),
        Command::new(&meta::CONFIG_REWRITE, config_rewrite),
        Command::new(&meta::CONFIG_HELP, config_help),
    ],
)];
