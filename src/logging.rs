//! Logging in Redis's line format (`pid:M 22 Nov 2026 05:33:41.123 * message`) through
//! `log` + `env_logger`, honouring `loglevel` and `logfile`.

use crate::config::Config;
use std::io::Write;

/// Redis's level marks: debug `.`, verbose `-`, notice `*`, warning `#`.
fn mark(l: log::Level) -> char {
    match l {
        log::Level::Trace => '.',
        log::Level::Debug => '-',
        log::Level::Info => '*',
        log::Level::Warn | log::Level::Error => '#',
    }
}

/// Maps a `loglevel` name to the `log` filter.
pub fn filter(level: &str) -> log::LevelFilter {
    match level {
        "debug" => log::LevelFilter::Trace,
        "verbose" => log::LevelFilter::Debug,
        "notice" => log::LevelFilter::Info,
        "warning" => log::LevelFilter::Warn,
        _ => log::LevelFilter::Off,
    }
}

/// Installs the logger once; later calls only change the level.
pub fn init(cfg: &Config) {
    let level = filter(cfg.loglevel.name());
    let mut b = env_logger::Builder::new();
    b.filter_level(level);
    let pid = std::process::id();
    b.format(move |buf, rec| {
        let now = chrono_like_now();
        writeln!(buf, "{pid}:M {now} {} {}", mark(rec.level()), rec.args())
    });
    if !cfg.logfile.is_empty() {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(String::from_utf8_lossy(&cfg.logfile).as_ref())
        {
            Ok(f) => {
                b.target(env_logger::Target::Pipe(Box::new(f)));
            }
            Err(e) => eprintln!("Can't open the log file: {e}"),
        }
    } else {
        b.target(env_logger::Target::Stdout);
    }
    if b.try_init().is_err() {
        log::set_max_level(level);
    }
}

/// `22 Nov 2026 05:33:41.123` in UTC, without a date crate.
fn chrono_like_now() -> String {
    let ms = crate::core::now_ms();
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86400);
    let sod = secs.rem_euclid(86400);
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    const MON: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        d,
        MON[(m - 1) as usize],
        y,
        sod / 3600,
        (sod % 3600) / 60,
        sod % 60,
        ms.rem_euclid(1000)
    )
}
