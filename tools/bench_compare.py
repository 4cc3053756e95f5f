#!/usr/bin/env python3
"""Side-by-side redis-benchmark of oxidis and redis-server 7.0.15 on loopback.

Both servers start with equivalent settings (no persistence), on free ports, and the same
redis-benchmark workloads run against them alternately (A B A B ...) for --rounds rounds;
the report gives per-test medians of requests/s and p50/p99 latency, the spread across
rounds, and the oxidis/Redis ratio. Every load is bounded by -n.

  python3 tools/bench_compare.py --tests ping_inline,ping_mbulk,set,get,incr,mset \
      --pipeline 1 --pipeline 16 --rounds 3 --requests 100000

--counters also counts, with `perf stat` (software events and syscall tracepoints only), per
request and for each side (server process, redis-benchmark process): CPU time, context
switches, epoll_wait calls and how many events they returned. Run one test at a time with it
(the counts cover the whole redis-benchmark run). --redis may name another oxidis build, to
compare two builds of oxidis.
"""
import argparse, csv, io, os, shutil, socket, statistics, subprocess, sys, tempfile, time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server not ready on port %d" % port)


def start(kind, exe, extra):
    port = free_port()
    d = tempfile.mkdtemp(prefix="bench-%s-" % kind)
    args = [exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", d, "--save", "",
            "--appendonly", "no"] + extra
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc, port, d


def stop(proc, d):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(d, ignore_errors=True)


# perf stat events of --counters: (label, event, tracepoint filter).
COUNTERS = [
    ("cpu_us", "task-clock", None),
    ("cs", "context-switches", None),
    ("migr", "cpu-migrations", None),
    ("epw", "syscalls:sys_exit_epoll_wait", None),
    ("epw0", "syscalls:sys_exit_epoll_wait", "ret == 0"),
    ("epw1", "syscalls:sys_exit_epoll_wait", "ret == 1"),
    ("epw2_5", "syscalls:sys_exit_epoll_wait", "ret > 1 && ret < 6"),
    ("epw6_20", "syscalls:sys_exit_epoll_wait", "ret > 5 && ret < 21"),
    ("epw21+", "syscalls:sys_exit_epoll_wait", "ret > 20"),
]


def perf_args(out):
    args = ["perf", "stat", "-x,", "-o", out]
    for _, ev, flt in COUNTERS:
        args += ["-e", ev]
        if flt:
            args += ["--filter", flt]
    return args


def read_perf(path, n):
    """Per-request figures from a `perf stat -x,` file, in COUNTERS order."""
    vals = []
    with open(path) as f:
        for line in f:
            parts = line.strip().split(",")
            if len(parts) < 3 or not parts[0] or line.startswith("#"):
                continue
            try:
                vals.append(float(parts[0]))
            except ValueError:
                vals.append(float("nan"))
    out = {}
    for (label, ev, _), v in zip(COUNTERS, vals):
        # task-clock is in ms: per request in microseconds.
        out[label] = v * 1000.0 / n if ev == "task-clock" else v / n
    return out


def run_bench(port, tests, pipeline, n, clients, size, keyspace, custom, counters=None):
    """counters: (server pid, dict to fill with {"srv": {...}, "cli": {...}}) for --counters."""
    args = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-n", str(n), "-c", str(clients),
            "-P", str(pipeline), "-d", str(size), "--csv"]
    if keyspace:
        args += ["-r", str(keyspace)]
    if custom:
        args += custom
    else:
        args += ["-t", tests]
    if counters:
        d = tempfile.mkdtemp(prefix="bench-perf-")
        srv_out, cli_out = os.path.join(d, "srv"), os.path.join(d, "cli")
        sp = subprocess.Popen(perf_args(srv_out) + ["-p", str(counters[0])],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.3)
        args = perf_args(cli_out) + ["--"] + args
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    if counters:
        sp.send_signal(2)
        sp.wait(10)
        counters[1]["srv"] = read_perf(srv_out, n)
        counters[1]["cli"] = read_perf(cli_out, n)
        shutil.rmtree(d, ignore_errors=True)
    rows = {}
    for r in csv.DictReader(io.StringIO(out)):
        rows[r["test"]] = (float(r["rps"]), float(r["p50_latency_ms"]), float(r["p99_latency_ms"]))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tests", default="ping_inline,ping_mbulk,set,get,incr,mset")
    ap.add_argument("--pipeline", type=int, action="append")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--size", type=int, default=3)
    ap.add_argument("--keyspace", type=int, default=0)
    ap.add_argument("--oxidis", default=os.path.join(ROOT, "target", "release", "oxidis-server"))
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--counters", action="store_true",
                    help="perf stat counts per request of server and client (one test at a time)")
    a = ap.parse_args()
    pipelines = a.pipeline or [1]
    servers = {"oxidis": start("oxidis", a.oxidis, []), "redis": start("redis", a.redis, [])}
    results = {}  # (pipeline, test) -> {kind: [(rps, p50, p99)]}
    counts = {}  # (pipeline, kind) -> [{"srv": {...}, "cli": {...}}]
    try:
        for p in pipelines:
            for rnd in range(a.rounds):
                order = ["oxidis", "redis"] if rnd % 2 == 0 else ["redis", "oxidis"]
                for kind in order:
                    c = {} if a.counters else None
                    rows = run_bench(servers[kind][1], a.tests, p, a.requests, a.clients, a.size,
                                     a.keyspace, None,
                                     (servers[kind][0].pid, c) if a.counters else None)
                    if c is not None:
                        counts.setdefault((p, kind), []).append(c)
                    for t, v in rows.items():
                        results.setdefault((p, t), {}).setdefault(kind, []).append(v)
    finally:
        for proc, _, d in servers.values():
            stop(proc, d)
    hdr = "| test | -P | oxidis rps (median) | redis rps (median) | ratio | oxidis p50/p99 ms | redis p50/p99 ms | oxidis rps spread | redis rps spread |"
    print(hdr)
    print("|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for (p, t), kinds in sorted(results.items()):
        ox, rd = kinds.get("oxidis", []), kinds.get("redis", [])
        if not ox or not rd:
            continue
        med = lambda xs, i: statistics.median(x[i] for x in xs)
        r = med(ox, 0) / med(rd, 0)
        ratios.append(r)
        spread = lambda xs: "%.0f-%.0f" % (min(x[0] for x in xs), max(x[0] for x in xs))
        print("| %s | %d | %.0f | %.0f | %.2fx | %.3f/%.3f | %.3f/%.3f | %s | %s |" % (
            t, p, med(ox, 0), med(rd, 0), r, med(ox, 1), med(ox, 2), med(rd, 1), med(rd, 2),
            spread(ox), spread(rd)))
    if counts:
        print("\nper request, medians over rounds (cpu_us: CPU microseconds; cs: context switches;"
              " epw: epoll_wait calls; epwA_B: those returning A..B events):")
        labels = [c[0] for c in COUNTERS]
        print("| -P | server | side | " + " | ".join(labels) + " |")
        print("|---|---|---|" + "---|" * len(labels))
        for (p, kind), runs in sorted(counts.items()):
            for side in ("srv", "cli"):
                meds = [statistics.median(r[side].get(l, float("nan")) for r in runs) for l in labels]
                print("| %d | %s | %s | " % (p, kind, side) + " | ".join("%.4f" % m for m in meds) + " |")
    if ratios:
        g = 1.0
        for r in ratios:
            g *= r
        print("\ngeometric mean of ratios: %.2fx over %d rows, %d rounds each" % (
            g ** (1.0 / len(ratios)), len(ratios), a.rounds))


if __name__ == "__main__":
    sys.exit(main())
