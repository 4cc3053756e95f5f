//! `oxidis-server`: parses argv and the config file as `redis-server` does, sets up
//! logging, and runs the event loop. Nothing else lives here.

fn main() {
    std::process::exit(oxidis::run_main(std::env::args_os().collect()));
}
