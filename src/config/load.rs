//! Config file loading (Redis `loadServerConfigFromString`) and command-line
//! parsing (the option handling of redis-server's `main()`).
//!
//! Errors are returned as the exact text redis-server prints to stderr before
//! exiting with status 1 (without a trailing newline).

use super::text::{cat_repr, split_args};
use super::values::{strerror, SetCtx, MULTI_ARG};
use super::{lookup, Config, CONFIG_MAX_HZ, CONFIG_MIN_HZ, REDIS_VERSION};
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Directives of older versions that are accepted and ignored (with exactly
/// one argument).
const DEPRECATED: [&str; 3] = [
    "list-max-ziplist-entries",
    "list-max-ziplist-value",
    "lua-replicate-commands",
];

/// `include` nesting limit (Redis has none and would overflow its stack).
const MAX_INCLUDE_DEPTH: usize = 64;

/// What redis-server's command line asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Startup {
    /// The config file, made absolute (`CONFIG REWRITE` writes here).
    pub config_path: Option<PathBuf>,
    /// Read more config text from stdin (`-` as first or last argument).
    pub config_from_stdin: bool,
    /// The `--name value` options as config lines, appended after the file.
    pub config_text: String,
    /// `-v` / `--version`.
    pub show_version: bool,
    /// `-h` / `--help`.
    pub show_help: bool,
}

fn fatal_at(linenum: usize, line: &[u8], reason: &str) -> String {
    format!(
        "\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\nReading the configuration \
         file, at line {linenum}\n>>> '{}'\n{reason}",
        String::from_utf8_lossy(line)
    )
}

fn fatal(reason: &str) -> String {
    format!("\n*** FATAL CONFIG FILE ERROR (Redis {REDIS_VERSION}) ***\n{reason}")
}

fn trim(mut s: &[u8]) -> &[u8] {
    let ws = |c: &u8| matches!(c, b' ' | b'\t' | b'\r' | b'\n');
    while s.first().is_some_and(ws) {
        s = &s[1..];
    }
    while s.last().is_some_and(ws) {
        s = &s[..s.len() - 1];
    }
    s
}

/// Parses redis-server's argv (program name first), like its `main()`:
/// `-v`/`--version`, `-h`/`--help` and `--test-memory` as the first argument;
/// a first argument not starting with `-` is the config file; `-` as the first
/// or last argument reads stdin; every `--name v1 v2 ...` becomes a config line.
pub fn parse_argv(args: &[OsString]) -> Result<Startup, String> {
    let argv: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut st = Startup::default();
    let argc = argv.len();
    if argc < 2 {
        return Ok(st);
    }
    match argv[1].as_str() {
        "-v" | "--version" => {
            st.show_version = true;
            return Ok(st);
        }
        "--help" | "-h" => {
            st.show_help = true;
            return Ok(st);
        }
        "--test-memory" => {
            return Err(if argc == 3 {
                "--test-memory is not supported by this server".to_string()
            } else {
                "Please specify the amount of memory to test in megabytes.\nExample: \
                 ./redis-server --test-memory 4096\n"
                    .to_string()
            });
        }
        _ => {}
    }
    let mut j = 1;
    if !argv[1].starts_with('-') {
        let p = PathBuf::from(&argv[1]);
        let abs = if p.is_absolute() {
            p
        } else {
            std::env::current_dir().map(|d| d.join(&p)).unwrap_or(p)
        };
        st.config_path = Some(abs);
        j = 2;
    }
    let mut options: Vec<u8> = Vec::new();
    let mut handled_last = true;
    while j < argc {
        let a = argv[j].as_str();
        let next_is_opt = argv.get(j + 1).is_some_and(|n| n.starts_with("--"));
        let is_last = j == argc - 1;
        if a == "-" && (j == 1 || is_last) {
            st.config_from_stdin = true;
        } else if handled_last && a.starts_with("--") {
            if !options.is_empty() {
                options.push(b'\n');
            }
            options.extend_from_slice(&a.as_bytes()[2..]);
            options.push(b' ');
            let words = split_args(a.as_bytes()).map_or(0, |v| v.len());
            if words == 1 {
                // Only a name, like `--port`: its values follow.
                handled_last = false;
                if a.eq_ignore_ascii_case("--save") && !is_last && next_is_opt {
                    options.extend_from_slice(b"\"\"");
                    handled_last = true;
                } else if a.eq_ignore_ascii_case("--save") && is_last {
                    options.extend_from_slice(b"\"\"");
                } else if a.eq_ignore_ascii_case("--sentinel") && !is_last && next_is_opt {
                    handled_last = true;
                }
            } else {
                // Name and value in one argument, like "--port 6380".
                handled_last = true;
            }
        } else {
            cat_repr(&mut options, a.as_bytes());
            options.push(b' ');
            handled_last = true;
        }
        j += 1;
    }
    st.config_text = String::from_utf8_lossy(&options).into_owned();
    Ok(st)
}

/// One load: the state Redis keeps in statics while reading config text.
struct Loader<'a> {
    cfg: &'a mut Config,
    ctx: SetCtx,
    depth: usize,
}

impl Config {
    /// Applies config file text over the current values (normally the
    /// defaults). Errors are Redis's fatal config error text.
    pub fn load_str(&mut self, text: &str) -> Result<(), String> {
        self.load_bytes(text.as_bytes())
    }

    /// [`Config::load_str`] for raw bytes.
    pub fn load_bytes(&mut self, text: &[u8]) -> Result<(), String> {
        let mut l = Loader {
            cfg: self,
            ctx: SetCtx {
                reading_file: true,
                save_loaded: false,
            },
            depth: 0,
        };
        l.load_text(text)
    }

    /// Loads what the command line asked for: the config file, then stdin,
    /// then the `--name value` options (Redis `loadServerConfig`).
    pub fn load_startup(&mut self, st: &Startup) -> Result<(), String> {
        let mut content = Vec::new();
        if let Some(p) = &st.config_path {
            content = read_config_file(p)?;
        }
        if st.config_from_stdin {
            use std::io::Read;
            std::io::stdin()
                .read_to_end(&mut content)
                .map_err(|e| format!("Error reading config from stdin: {}", strerror(&e)))?;
        }
        content.push(b'\n');
        content.extend_from_slice(st.config_text.as_bytes());
        self.load_bytes(&content)
    }
}

fn read_config_file(p: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| {
        format!(
            "Fatal error, can't open config file '{}': {}",
            p.display(),
            strerror(&e)
        )
    })
}

impl Loader<'_> {
    fn load_text(&mut self, text: &[u8]) -> Result<(), String> {
        for (i, raw) in text.split(|&c| c == b'\n').enumerate() {
            let line = trim(raw);
            if line.is_empty() || line[0] == b'#' {
                continue;
            }
            self.load_line(line).map_err(|e| match e {
                LineError::Reason(r) => fatal_at(i + 1, line, &r),
                LineError::Raw(r) => r,
            })?;
        }
        if self.cfg.cluster_enabled && self.cfg.replicaof.is_some() {
            return Err(fatal("replicaof directive not allowed in cluster mode"));
        }
        self.cfg.hz = self.cfg.hz.clamp(CONFIG_MIN_HZ, CONFIG_MAX_HZ);
        Ok(())
    }

    fn load_line(&mut self, line: &[u8]) -> Result<(), LineError> {
        let reason = |s: &str| LineError::Reason(s.to_string());
        let mut argv =
            split_args(line).ok_or_else(|| reason("Unbalanced quotes in configuration line"))?;
        if argv.is_empty() {
            return Ok(());
        }
        argv[0].make_ascii_lowercase();
        let argc = argv.len();
        if let Some((d, _)) = lookup(&argv[0]) {
            if d.flags & MULTI_ARG == 0 && argc != 2 {
                return Err(reason("wrong number of arguments"));
            }
            self.cfg
                .field_set(d, &argv[1..], &mut self.ctx)
                .map_err(LineError::Reason)?;
            return Ok(());
        }
        let name = String::from_utf8_lossy(&argv[0]).into_owned();
        if argc == 2 && DEPRECATED.contains(&name.as_str()) {
            return Ok(());
        }
        match name.as_str() {
            "include" if argc == 2 => self.include(&argv[1]).map_err(LineError::Raw),
            "rename-command" if argc == 3 => {
                self.cfg
                    .rename_commands
                    .push((argv[1].clone(), argv[2].clone()));
                Ok(())
            }
            "user" if argc >= 2 => {
                self.cfg.users.push(argv[1..].to_vec());
                Ok(())
            }
            "loadmodule" if argc >= 2 => {
                self.cfg.loadmodules.push(argv[1..].to_vec());
                Ok(())
            }
            n if n.contains('.') => {
                if argc != 2 {
                    return Err(reason("Module config specified without value"));
                }
                let (k, v) = (argv[0].clone(), argv[1].clone());
                match self.cfg.module_configs.iter_mut().find(|(n, _)| *n == k) {
                    Some(slot) => slot.1 = v,
                    None => self.cfg.module_configs.push((k, v)),
                }
                Ok(())
            }
            "sentinel" => {
                if argc != 1 {
                    return Err(reason("sentinel directive while not in sentinel mode"));
                }
                Ok(())
            }
            _ => Err(reason("Bad directive or wrong number of arguments")),
        }
    }

    /// `include path`: relative to the configured `dir` (Redis has `chdir`ed
    /// there), with shell wildcards allowed (no match = nothing included).
    fn include(&mut self, path: &[u8]) -> Result<(), String> {
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(fatal("include nesting too deep"));
        }
        let raw = String::from_utf8_lossy(path).into_owned();
        let full = self.cfg.dir.join(&raw);
        let files = if raw.contains(['*', '?', '[']) {
            glob_paths(&full.to_string_lossy())
        } else {
            vec![full]
        };
        let mut content = Vec::new();
        for f in &files {
            content.extend_from_slice(&read_config_file(f)?);
        }
        if files.is_empty() {
            return Ok(());
        }
        self.depth += 1;
        let r = self.load_text(&content);
        self.depth -= 1;
        // Redis clears its "reading the config file" flag when an included
        // file ends, so later `save` lines in the outer file each replace the
        // list (as CONFIG SET would).
        self.ctx.reading_file = false;
        r
    }
}

enum LineError {
    /// A reason to wrap in the fatal error with the line.
    Reason(String),
    /// An already formatted message (from an included file).
    Raw(String),
}

/// Shell-style expansion with the C library's `glob(3)`, sorted.
fn glob_paths(pattern: &str) -> Vec<PathBuf> {
    use std::ffi::{CStr, CString, OsStr};
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = CString::new(pattern) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // SAFETY: `g` is zero-initialised as glob(3) expects, read only after a
    // successful call, for `gl_pathc` entries, and released with globfree.
    unsafe {
        let mut g: libc::glob_t = std::mem::zeroed();
        if libc::glob(c.as_ptr(), 0, None, &mut g) == 0 {
            for i in 0..g.gl_pathc {
                let p = *g.gl_pathv.add(i);
                if !p.is_null() {
                    out.push(PathBuf::from(OsStr::from_bytes(
                        CStr::from_ptr(p).to_bytes(),
                    )));
                }
            }
        }
        libc::globfree(&mut g);
    }
    out
}
