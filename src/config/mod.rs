pub struct Config {
    pub port: i64,
    pub bind: Vec<String>,
    pub tcp_backlog: i64,
    pub tcp_keepalive: i64,
    pub unixsocket: Option<String>,
    pub unixsocketperm: i64,
    pub maxclients: i64,
    pub timeout: i64,
    pub hz: i64,
    pub databases: i64,
    pub requirepass: Option<String>,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: i64,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: i64,
    pub loglevel: String,
    pub logfile: String,
    pub activerehashing: bool,
    pub enable_debug_command: String,
    pub latency_monitor_threshold: i64,
    pub latency_tracking: bool,
    pub maxmemory: i64,
    pub maxmemory_policy: String,
    pub repl_backlog_size: i64,
}
impl Default for Config {
    fn default() -> Self {
        Config {
            port: 6379,
            bind: vec!["*".into(), "-::*".into()],
            tcp_backlog: 511,
            tcp_keepalive: 300,
            unixsocket: None,
            unixsocketperm: 0,
            maxclients: 10000,
            timeout: 0,
            hz: 10,
            databases: 16,
            requirepass: None,
            slowlog_log_slower_than: 10000,
            slowlog_max_len: 128,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            loglevel: "notice".into(),
            logfile: String::new(),
            activerehashing: true,
            enable_debug_command: "no".into(),
            latency_monitor_threshold: 0,
            latency_tracking: true,
            maxmemory: 0,
            maxmemory_policy: "noeviction".into(),
            repl_backlog_size: 1 << 20,
        }
    }
}
impl Config {
    pub fn load_str(&mut self, t: &str) -> Result<(), String> {
        for l in t.lines() {
            let v: Vec<&str> = l.split_whitespace().collect();
            if v.len() == 2 && v[0] == "port" {
                self.port = v[1].parse().unwrap();
            }
            if v.len() == 2 && v[0] == "enable-debug-command" {
                self.enable_debug_command = v[1].into();
            }
        }
        Ok(())
    }
}
pub struct Startup {
    pub config_path: Option<std::path::PathBuf>,
    pub config_text: String,
    pub show_version: bool,
    pub show_help: bool,
}
pub const USAGE: &str = "usage";
pub fn parse_argv(a: &[std::ffi::OsString]) -> Result<Startup, String> {
    let mut t = String::new();
    let v: Vec<String> = a.iter().map(|x| x.to_string_lossy().into_owned()).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        t.push_str(&format!("{} {}\n", v[i].trim_start_matches("--"), v[i + 1]));
        i += 2;
    }
    Ok(Startup {
        config_path: None,
        config_text: t,
        show_version: false,
        show_help: false,
    })
}
