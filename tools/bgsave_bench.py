#!/usr/bin/env python3
"""BGSAVE under write load: oxidis against redis-server 7.0.15, side by side.

For each dataset size, each server (started alone, no config file, `--save ''`, loopback, a
free port, a temporary `dir`) is filled with N keys: mostly ~100-byte strings named as
`redis-benchmark -r N` names them (`key:%012d`, so the load below overwrites them) plus a
share of small and larger collections of every type the server can write to an RDB file.
Then, while `redis-benchmark -t set -r N -d 100 -c 50` runs, it measures:

- a probe process sending PING in a tight loop records every round trip: the longest one in
  a baseline window without BGSAVE, in the first 500 ms after BGSAVE is sent (start pause)
  and while BGSAVE runs; for Redis also INFO `latest_fork_usec`;
- SET throughput (INFO commandstats `cmdstat_set` calls, sampled every 100 ms) while BGSAVE
  runs, as a fraction of the baseline window's;
- VmRSS summed over the server's process tree (Redis's forked child included), peak while
  BGSAVE runs over the value just before; for Redis also INFO `rdb_last_cow_size`;
- BGSAVE duration (BGSAVE sent until `rdb_bgsave_in_progress:0`, polled every 100 ms) and
  the file size;
- load time: the server restarted on the file, time until PING answers PONG (DBSIZE checked).

Every load is bounded (redis-benchmark's -n, and it is stopped when the measurement ends);
every process started is stopped by its PID and the temporary directories are removed.

  python3 tools/bgsave_bench.py --keys 1000000,10000000 --runs 3

`--servers` lists what to compare: `oxidis` (target/release), `redis`, and `name=path` for
another oxidis binary (e.g. `before=/tmp/oxidis-before`, to compare two builds in one run).
For oxidis the server log also gives the loop's pause at the start and the loop time spent
in the walk. Cells are medians over the runs; with several runs, `[min-max]` follows.
"""
import argparse, json, os, platform, shutil, signal, socket, statistics, subprocess, sys
import re, tempfile, time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OXIDIS = os.path.join(ROOT, "target", "release", "oxidis-server")
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
BENCH = shutil.which("redis-benchmark") or "/usr/bin/redis-benchmark"
CLIENTS = 50
VALUE_SIZE = 100
BASELINE_S = 3.0
START_WINDOW_S = 0.5
BGSAVE_TIMEOUT_S = 600.0
SAMPLE_S = 0.1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    def __init__(self, port, timeout=120):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self):
        self.s.close()

    def send_raw(self, data):
        self.s.sendall(data)

    @staticmethod
    def encode(args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        return b"".join(out)

    def _fill(self):
        chunk = self.s.recv(1 << 16)
        if not chunk:
            raise RuntimeError("connection closed")
        self.buf += chunk

    def _line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t in (b"+", b":"):
            return rest
        if t == b"$":
            n = int(rest)
            if n < 0:
                return None
            while len(self.buf) < n + 2:
                self._fill()
            data, self.buf = self.buf[:n], self.buf[n + 2:]
            return data
        if t == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def cmd(self, *args):
        self.send_raw(self.encode(args))
        return self.reply()

    def info(self, section):
        text = self.cmd("INFO", section).decode()
        out = {}
        for line in text.splitlines():
            if ":" in line and not line.startswith("#"):
                k, v = line.split(":", 1)
                out[k] = v
        return out


def ping_until_pong(port, proc, timeout):
    """Seconds until PING answers +PONG (a loading Redis answers -LOADING)."""
    t0 = time.monotonic()
    end = t0 + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited (code %s)" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(64).startswith(b"+PONG"):
                    return time.monotonic() - t0
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("server not ready on port %d" % port)


# -- processes --------------------------------------------------------------------------------


EXES = {"oxidis": OXIDIS, "redis": REDIS}


def start_server(kind, port, d):
    exe = EXES[kind]
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
            "--appendonly", "no", "--dbfilename", "dump.rdb"]
    log = open(os.path.join(d, "server.log"), "ab")
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    log.close()
    return proc


def stop_proc(proc, timeout=30):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


def tree_pids(pid):
    """pid and its descendants (Redis's BGSAVE child)."""
    out, todo = [], [pid]
    while todo and len(out) < 64:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir("/proc/%d/task" % p):
                with open("/proc/%d/task/%s/children" % (p, t)) as f:
                    todo += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return out


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid):
    return sum(rss_kb(p) for p in tree_pids(pid))


# -- the probe (a separate process, so the sampler's work does not delay it) ----------------


def probe_main(port, out_path, max_s):
    """PING in a tight loop until stdin closes (or max_s); writes [start, rtt] of every round
    trip over 0.2 ms, and the count, as JSON."""
    import select
    c = Conn(port, timeout=30)
    ping = b"*1\r\n$4\r\nPING\r\n"
    slow, n, fast = [], 0, {}
    end = time.monotonic() + max_s
    check = 0
    while True:
        t = time.monotonic()
        c.s.sendall(ping)
        got = b""
        while not got.endswith(b"+PONG\r\n"):
            got += c.s.recv(64)
        rtt = time.monotonic() - t
        n += 1
        if rtt > 0.0002:
            slow.append((t, rtt))
        else:
            b = int(t * 10)
            fast[b] = fast.get(b, 0) + 1
        check += 1
        if check >= 64:
            check = 0
            if t > end or select.select([sys.stdin], [], [], 0)[0]:
                break
    with open(out_path, "w") as f:
        json.dump({"n": n, "slow": slow, "fast": fast}, f)


def start_probe(port, out_path, max_s):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "--probe", str(port),
                             "--probe-out", out_path, "--probe-max", str(max_s)],
                            stdin=subprocess.PIPE)


def stop_probe(proc, out_path):
    try:
        proc.stdin.write(b"x")
        proc.stdin.close()
    except OSError:
        pass
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
    with open(out_path) as f:
        return json.load(f)


def max_rtt(slow, t0, t1):
    return max([r for (t, r) in slow if t0 <= t < t1] + [0.0])


def p99_rtt(res, t0, t1):
    """99th percentile round trip in [t0, t1) (fast ones counted per 100 ms bucket; 0 when
    it is below 0.2 ms)."""
    slow = sorted((r for (t, r) in res["slow"] if t0 <= t < t1), reverse=True)
    nfast = sum(c for b, c in res["fast"].items() if t0 * 10 <= int(b) < t1 * 10)
    k = (len(slow) + nfast) // 100
    return slow[k] if k < len(slow) else 0.0


# -- the dataset ------------------------------------------------------------------------------


def encodable_types(port):
    """Collection types the server can write to an RDB file (DUMP of a sample succeeds)."""
    c = Conn(port)
    probes = {
        "zset": ("ZADD", "t:zset", 1, "a"),
        "hash": ("HSET", "t:hash", "f", "v"),
        "list": ("RPUSH", "t:list", "a"),
        "set": ("SADD", "t:set", "a"),
    }
    ok = []
    for t, args in probes.items():
        c.cmd(*args)
        try:
            c.cmd("DUMP", args[1])
            ok.append(t)
        except RuntimeError:
            pass
        c.cmd("DEL", args[1])
    c.close()
    return ok


def collection_cmd(t, key, i, big):
    n = 200 if big else 8
    if t == "zset":
        args = ["ZADD", key]
        for j in range(n):
            args += [str(j * 1.5), "member:%d:%d" % (i, j)]
    elif t == "hash":
        args = ["HSET", key]
        for j in range(n):
            args += ["field:%d" % j, "value:%d:%d" % (i, j)]
    elif t == "list":
        args = ["RPUSH", key] + ["item:%d:%d" % (i, j) for j in range(n)]
    else:
        args = ["SADD", key] + ["member:%d:%d" % (i, j) for j in range(n)]
    return args


def fill(port, nkeys, types):
    """nkeys keys: 1 in 50 a collection (types in turn; 1 in 20 of those with 200 elements,
    the others 8), the rest strings of VALUE_SIZE bytes, all named key:%012d."""
    c = Conn(port, timeout=600)
    val = b"x" * VALUE_SIZE
    batch, inflight, i, ncoll = 1000, 0, 0, 0
    while i < nkeys:
        m = min(batch, nkeys - i)
        strs, colls = [], []
        for k in range(i, i + m):
            key = b"key:%012d" % k
            if types and k % 50 == 49:
                t = types[ncoll % len(types)]
                colls.append(Conn.encode(collection_cmd(t, key, k, ncoll % 20 == 19)))
                ncoll += 1
            else:
                strs.append(b"$16\r\n%s\r\n$%d\r\n%s\r\n" % (key, VALUE_SIZE, val))
        c.send_raw(b"*%d\r\n$4\r\nMSET\r\n" % (1 + 2 * len(strs)) + b"".join(strs) +
                   b"".join(colls))
        inflight += 1 + len(colls)
        i += m
        if inflight > 2000:
            for _ in range(inflight):
                c.reply()
            inflight = 0
    for _ in range(inflight):
        c.reply()
    size = int(c.cmd("DBSIZE"))
    c.close()
    return size, ncoll


def log_figures(path):
    """oxidis's log lines about the last snapshot: the start pause and the walk's loop time."""
    out = {}
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return out
    m = re.findall(r"paused the event loop for (\d+) microseconds", text)
    if m:
        out["start_pause_us"] = int(m[-1])
    m = re.findall(r"walk done: (\d+) slices, (\d+) ms on the event loop, longest slice (\d+) us",
                   text)
    if m:
        out["walk_slices"] = int(m[-1][0])
        out["walk_loop_ms"] = int(m[-1][1])
        out["walk_longest_us"] = int(m[-1][2])
    return out


# -- one measurement --------------------------------------------------------------------------


def measure(kind, nkeys, types, workdir):
    port = free_port()
    d = tempfile.mkdtemp(prefix="bgsave-%s-" % kind, dir=workdir)
    procs = []
    try:
        srv = start_server(kind, port, d)
        procs.append(srv)
        ping_until_pong(port, srv, 30)
        size, ncoll = fill(port, nkeys, types)
        c = Conn(port)
        c.cmd("CONFIG", "RESETSTAT")
        time.sleep(0.5)

        # write load + probe
        bench = subprocess.Popen([BENCH, "-h", "127.0.0.1", "-p", str(port), "-t", "set",
                                  "-r", str(nkeys), "-d", str(VALUE_SIZE), "-c", str(CLIENTS),
                                  "-n", "200000000", "-q"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(bench)
        probe_out = os.path.join(d, "probe.json")
        probe = start_probe(port, probe_out, BGSAVE_TIMEOUT_S + 60)
        procs.append(probe)
        samples = []  # (t, set_calls, rss_kb, in_progress)

        def sample():
            st = c.info("commandstats").get("cmdstat_set", "calls=0").split(",")[0]
            p = c.info("persistence")
            samples.append((time.monotonic(), int(st.split("=")[1]), tree_rss_kb(srv.pid),
                            p.get("rdb_bgsave_in_progress") == "1"))

        time.sleep(1.0)  # warm-up
        t_base = time.monotonic()
        while time.monotonic() - t_base < BASELINE_S:
            sample()
            time.sleep(SAMPLE_S)
        sample()
        rss_before = samples[-1][2]
        t_bg = time.monotonic()
        c.cmd("BGSAVE")
        t_bg_ack = time.monotonic()
        sample()
        while samples[-1][3] and time.monotonic() - t_bg < BGSAVE_TIMEOUT_S:
            time.sleep(SAMPLE_S)
            sample()
        t_end = samples[-1][0]
        probe_res = stop_probe(probe, probe_out)
        stop_proc(bench)
        pers = c.info("persistence")
        stats = c.info("stats")
        if pers.get("rdb_last_bgsave_status") != "ok":
            raise RuntimeError("BGSAVE failed: %s" % pers.get("rdb_last_bgsave_status"))
        base = [s for s in samples if s[0] < t_bg]
        during = [s for s in samples if t_bg <= s[0] <= t_end]
        rate = lambda xs: (xs[-1][1] - xs[0][1]) / (xs[-1][0] - xs[0][0])  # noqa: E731
        slow = probe_res["slow"]
        res = {
            "keys": size,
            "collections": ncoll,
            "base_max_ms": max_rtt(slow, t_base, t_bg) * 1000,
            "base_p99_ms": p99_rtt(probe_res, t_base, t_bg) * 1000,
            "during_p99_ms": p99_rtt(probe_res, t_bg, t_end) * 1000,
            "start_max_ms": max_rtt(slow, t_bg, t_bg + START_WINDOW_S) * 1000,
            "during_max_ms": max_rtt(slow, t_bg, t_end) * 1000,
            "during_max_at_s": max([(r, t - t_bg) for (t, r) in slow if t_bg <= t < t_end] +
                                   [(0.0, 0.0)])[1],
            "bgsave_reply_ms": (t_bg_ack - t_bg) * 1000,
            "fork_usec": int(stats.get("latest_fork_usec", 0)),
            "tput_base": rate(base),
            "tput_during": rate(during) if len(during) > 1 else float("nan"),
            "rss_before_mb": rss_before / 1024,
            "rss_peak_mb": max(s[2] for s in during) / 1024,
            "cow_mb": int(pers.get("rdb_last_cow_size", 0)) / 2**20,
            "bgsave_s": t_end - t_bg,
            "file_mb": os.path.getsize(os.path.join(d, "dump.rdb")) / 2**20,
        }
        c.close()
        res.update(log_figures(os.path.join(d, "server.log")))
        # restart on the file
        stop_proc(srv)
        srv = start_server(kind, port, d)
        procs.append(srv)
        res["load_s"] = ping_until_pong(port, srv, 600)
        c = Conn(port)
        loaded = int(c.cmd("DBSIZE"))
        c.close()
        if loaded < size:
            raise RuntimeError("loaded %d keys, expected at least %d" % (loaded, size))
        return res
    finally:
        for p in reversed(procs):
            if isinstance(p, subprocess.Popen) and p.stdin:
                try:
                    p.stdin.close()
                except OSError:
                    pass
            stop_proc(p)
        shutil.rmtree(d, ignore_errors=True)


# -- report -----------------------------------------------------------------------------------

def cell(runs, key, fmt, scale=1.0):
    """Median of a field over the runs, with [min-max] when there are several."""
    vals = [r[key] * scale for r in runs if key in r]
    if not vals:
        return "-"
    out = fmt % statistics.median(vals)
    if len(vals) > 1:
        out += " [" + fmt % min(vals) + "-" + fmt % max(vals) + "]"
    return out


def add_fraction(runs):
    for r in runs:
        r["tput_frac"] = r["tput_during"] / r["tput_base"]
    return runs


SPREAD_ROWS = [
    ("SET/s without BGSAVE", "tput_base", "%.0f"),
    ("SET/s during BGSAVE", "tput_during", "%.0f"),
    ("SET/s during / without", "tput_frac", "%.2f"),
    ("p99 PING RTT, no BGSAVE (ms)", "base_p99_ms", "%.2f"),
    ("p99 PING RTT, whole BGSAVE (ms)", "during_p99_ms", "%.2f"),
    ("max PING RTT, whole BGSAVE (ms)", "during_max_ms", "%.1f"),
    ("BGSAVE reply time (ms)", "bgsave_reply_ms", "%.2f"),
    ("latest_fork_usec", "fork_usec", "%.0f"),
    ("BGSAVE duration (s)", "bgsave_s", "%.2f"),
    ("loop time in the walk (ms)", "walk_loop_ms", "%.0f"),
    ("longest walk slice (us)", "walk_longest_us", "%.0f"),
    ("walk slices", "walk_slices", "%.0f"),
]

ROWS = [
    ("keys (collections)", lambda r: "%d (%d)" % (r["keys"], r["collections"])),
    ("max PING RTT, no BGSAVE (ms)", lambda r: "%.1f" % r["base_max_ms"]),
    ("max PING RTT, first 500 ms of BGSAVE (ms)", lambda r: "%.1f" % r["start_max_ms"]),
    ("max PING RTT, whole BGSAVE (ms)", lambda r: "%.1f" % r["during_max_ms"]),
    ("p99 PING RTT, no BGSAVE / whole BGSAVE (ms)", lambda r: "%.2f / %.2f" % (
        r.get("base_p99_ms", float("nan")), r.get("during_p99_ms", float("nan")))),
    ("BGSAVE reply time (ms)", lambda r: "%.2f" % r["bgsave_reply_ms"]),
    ("latest_fork_usec", lambda r: "%d" % r["fork_usec"]),
    ("SET/s without BGSAVE", lambda r: "%.0f" % r["tput_base"]),
    ("SET/s during BGSAVE (fraction)", lambda r: "%.0f (%.2f)" % (r["tput_during"],
                                                                  r["tput_during"] / r["tput_base"])),
    ("RSS before (MB)", lambda r: "%.0f" % r["rss_before_mb"]),
    ("peak RSS during, process tree (MB, ratio)", lambda r: "%.0f (%.2f)" % (
        r["rss_peak_mb"], r["rss_peak_mb"] / r["rss_before_mb"])),
    ("rdb_last_cow_size (MB)", lambda r: "%.0f" % r["cow_mb"]),
    ("BGSAVE duration (s)", lambda r: "%.1f" % r["bgsave_s"]),
    ("file size (MB)", lambda r: "%.1f" % r["file_mb"]),
    ("load time until PONG (s)", lambda r: "%.2f" % r["load_s"]),
]


def median_run(runs):
    """The run whose BGSAVE duration is the median (keeps each column self-consistent)...
    except the numeric fields, which are per-field medians."""
    out = {}
    for k in runs[0]:
        vals = [r[k] for r in runs]
        out[k] = statistics.median(vals) if isinstance(vals[0], (int, float)) else vals[0]
    return out


def table(results, nruns, kinds):
    lines = []
    heads = []
    for n in results:
        heads += ["%s %s" % ("Redis" if k == "redis" else k, human(n)) for k in kinds]
    lines.append("| | " + " | ".join(heads) + " |")
    lines.append("|---|" + "---:|" * len(heads))
    for name, f in ROWS:
        cells = []
        for n in results:
            for kind in kinds:
                cells.append(f(median_run(results[n][kind])))
        lines.append("| %s | %s |" % (name, " | ".join(cells)))
    lines.append("")
    lines.append("| medians [min-max] | " + " | ".join(heads) + " |")
    lines.append("|---|" + "---:|" * len(heads))
    for name, key, fmt in SPREAD_ROWS:
        cells = []
        for n in results:
            for kind in kinds:
                cells.append(cell(add_fraction(results[n][kind]), key, fmt))
        lines.append("| %s | %s |" % (name, " | ".join(cells)))
    return "\n".join(lines) + "\n\nMedians of %d run(s) per cell.\n" % nruns


def human(n):
    return "%dM" % (n // 10**6) if n % 10**6 == 0 else "%dk" % (n // 1000)


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return "%s, %d CPUs, %.0f GiB RAM, Linux %s; load average at start %.1f" % (
        cpu, os.cpu_count(), mem, platform.release(), os.getloadavg()[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keys", default="1000000,10000000")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--servers", default="oxidis,redis")
    ap.add_argument("--json", help="also write the raw results here")
    ap.add_argument("--probe", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--probe-out", help=argparse.SUPPRESS)
    ap.add_argument("--probe-max", type=float, default=60, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.probe:
        probe_main(a.probe, a.probe_out, a.probe_max)
        return
    servers = []
    for x in a.servers.split(","):
        name, _, path = x.partition("=")
        if path:
            EXES[name] = os.path.abspath(path)
        servers.append(name)
    for name in servers:
        if name not in EXES or not os.path.exists(EXES[name]):
            sys.exit("no binary for %s (build first: cargo build --release)" % name)
    print(machine(), file=sys.stderr)
    workdir = tempfile.mkdtemp(prefix="bgsave-bench-")
    results = {}
    try:
        # the types both servers can save
        types = None
        for kind in servers:
            port = free_port()
            d = tempfile.mkdtemp(dir=workdir)
            p = start_server(kind, port, d)
            try:
                ping_until_pong(port, p, 30)
                t = encodable_types(port)
            finally:
                stop_proc(p)
            types = t if types is None else [x for x in types if x in t]
        print("collection types: %s" % ",".join(types), file=sys.stderr)
        for n in [int(x) for x in a.keys.split(",")]:
            results[n] = {}
            for rnd in range(a.runs):
                kinds = list(servers)
                if rnd % 2:
                    kinds.reverse()
                for kind in kinds:
                    r = measure(kind, n, types, workdir)
                    print(kind, n, json.dumps(r), file=sys.stderr, flush=True)
                    results[n].setdefault(kind, []).append(r)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({str(k): v for k, v in results.items()}, f, indent=1)
    print(machine(), file=sys.stderr)
    print(table(results, a.runs, servers))


if __name__ == "__main__":
    main()
