#!/usr/bin/env python3
"""`make bench`: oxidis against redis-server 7.0.15, side by side, written to docs/performance.md.

Both servers run with equivalent settings (no persistence) on loopback. Every workload runs
against both alternately (A B A B ...) for --rounds rounds; the report gives medians of
requests/s and p50/p99 latency, the spread across rounds and the oxidis/Redis ratio, plus a
PNG chart of the ratios drawn by tools/pngchart.py. Every load is bounded by -n.

  python3 tools/bench.py --rounds 3 --out docs/performance.md
"""
import argparse, os, platform, socket, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_compare as bc  # noqa: E402
import mem_compare as mc  # noqa: E402
import pngchart  # noqa: E402

ROOT = bc.ROOT
DEFAULT_TESTS = ("ping_inline,ping_mbulk,set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,"
                 "zadd,zpopmin,lrange_100,lrange_300,lrange_500,lrange_600,mset")
XADD = ["xadd", "mystream", "*", "myfield", "xxx"]


def prefill(port, n, size):
    """n keys named as redis-benchmark -r names them (key:%012d), values of `size` bytes."""
    c = mc.Conn(port)
    val = "x" * size
    sent = 0
    while sent < n:
        cmds = []
        for _ in range(32):
            if sent >= n:
                break
            m = min(1000, n - sent)
            args = ["MSET"]
            for i in range(sent, sent + m):
                args += ["key:%012d" % i, val]
            cmds.append(args)
            sent += m
        c.send(*cmds)
        for _ in cmds:
            c.reply()


def run_section(servers, rounds, label, tests, pipeline, clients, size, requests, keyspace, custom=None):
    results = {}
    for rnd in range(rounds):
        order = ["oxidis", "redis"] if rnd % 2 == 0 else ["redis", "oxidis"]
        for kind in order:
            port = servers[kind][1]
            if custom:
                rows = bc.run_bench(port, None, pipeline, requests, clients, size, keyspace, custom)
                rows = {"XADD" if k.lower().startswith("xadd") else k: v for k, v in rows.items()}
            else:
                rows = bc.run_bench(port, tests, pipeline, requests, clients, size, keyspace, None)
            for t, v in rows.items():
                results.setdefault(t, {}).setdefault(kind, []).append(v)
    out = []
    for t, kinds in results.items():
        ox, rd = kinds.get("oxidis", []), kinds.get("redis", [])
        if ox and rd:
            out.append((label, t, ox, rd))
    return out


def version(exe):
    try:
        return subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        return "?"


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
    return "%s, %d CPUs, %s %s" % (cpu, os.cpu_count() or 0, platform.system(), platform.release())


GENERATED_SECTIONS = ("Throughput and latency", "Memory")


def kept_sections(path):
    """The `## ` sections of an existing report that this script does not generate (written by
    hand: measurements and analyses), to be carried over after the regenerated ones."""
    try:
        with open(path) as f:
            old = f.read().split("\n")
    except OSError:
        return []
    out, keep = [], False
    for line in old:
        if line.startswith("## "):
            keep = line[3:].strip() not in GENERATED_SECTIONS
        if keep:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return [""] + out if out else []


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--requests", type=int, default=100000)
    ap.add_argument("--memory-elements", type=int, default=1000000)
    ap.add_argument("--quick", action="store_true", help="fewer requests and sections (smoke run)")
    ap.add_argument("--oxidis", default=os.path.join(ROOT, "target", "release", "oxidis-server"))
    ap.add_argument("--redis", default="redis-server")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "performance.md"))
    a = ap.parse_args()
    if a.quick:
        a.requests, a.memory_elements, a.rounds = 20000, 100000, min(a.rounds, 2)
    n = a.requests
    rows = []
    servers = {"oxidis": bc.start("oxidis", a.oxidis, ["--maxclients", "10000"]),
               "redis": bc.start("redis", a.redis, ["--maxclients", "10000"])}
    commands = []
    try:
        # -P 64: the same list where redis-benchmark's per-batch cost (epoll_ctl, read, write:
        # about 11 us of client CPU per batch on a 2-CPU VM) no longer caps both servers.
        # Pipelined runs of the short commands take 10x the requests, so that each lasts
        # about a second rather than a few tens of milliseconds.
        short = ",".join(t for t in DEFAULT_TESTS.split(",") if not t.startswith("lrange"))
        ranges = ",".join(t for t in DEFAULT_TESTS.split(",") if t.startswith("lrange"))
        for p in (1, 16, 64):
            many = n if p == 1 else n * 10
            for tests, req in ((short, many), (ranges, n)):
                commands.append("redis-benchmark -t %s -n %d -c 50 -P %d -d 3 --csv" % (tests, req, p))
                rows += run_section(servers, a.rounds, "-P %d" % p, tests, p, 50, 3, req, 0)
            commands.append("redis-benchmark -n %d -c 50 -P %d --csv %s" % (many, p, " ".join(XADD)))
            rows += run_section(servers, a.rounds, "-P %d" % p, None, p, 50, 3, many, 0, XADD)
        commands.append("redis-benchmark -t ping_mbulk,set,get -n %d -c 1000 --csv" % n)
        rows += run_section(servers, a.rounds, "-c 1000", "ping_mbulk,set,get", 1, 1000, 3, n, 0)
        for d, req in ((1024, n), (65536, max(n // 5, 1000))):
            commands.append("redis-benchmark -t set,get -n %d -c 50 -d %d --csv" % (req, d))
            rows += run_section(servers, a.rounds, "-d %d" % d, "set,get", 1, 50, d, req, 0)
        keys = 1000000 if not a.quick else 100000
        for kind in servers:
            prefill(servers[kind][1], keys, 16)
        commands.append("redis-benchmark -t set,get -n %d -c 50 -r %d --csv  (keyspace pre-filled with %d keys)" % (n, keys, keys))
        rows += run_section(servers, a.rounds, "-r %d" % keys, "set,get", 1, 50, 16, n, keys)
    finally:
        for proc, _, d in servers.values():
            bc.stop(proc, d)

    mem = []
    for kind in ("strings", "list", "hash", "set", "zset", "stream"):
        ou, orss, oenc = mc.measure(kind, a.oxidis, a.memory_elements)
        ru, rrss, renc = mc.measure(kind, a.redis, a.memory_elements)
        mem.append((kind, oenc or "-", renc or "-", ou, ru, orss, rrss))

    med = lambda xs, i: statistics.median(x[i] for x in xs)
    lines = ["# Performance: oxidis and redis-server side by side", "",
             "Generated by `make bench` (`tools/bench.py`) on %s." % time.strftime("%Y-%m-%d"), "",
             "- Machine: %s" % machine(),
             "- oxidis: `%s`" % version(a.oxidis),
             "- Redis: `%s`" % version(a.redis),
             "- Rounds: %d per workload, servers alternated (A B A B); figures are medians, spread is min-max of requests/s." % a.rounds,
             "- Both servers: `--save '' --appendonly no --maxclients 10000`, loopback, one process each.",
             "", "Commands (each run against both servers):", ""]
    lines += ["    " + c for c in commands]
    lines += ["", "## Throughput and latency", "",
              "| workload | test | oxidis req/s | redis req/s | ratio | oxidis p50/p99 ms | redis p50/p99 ms | oxidis spread | redis spread |",
              "|---|---|---|---|---|---|---|---|---|"]
    chart = []
    by_section = {}
    for label, t, ox, rd in rows:
        r = med(ox, 0) / med(rd, 0) if med(rd, 0) else 0
        by_section.setdefault(label, []).append(r)
        chart.append(("%s %s" % (t.split(" ")[0], label), r))
        lines.append("| %s | %s | %.0f | %.0f | %.2fx | %.3f/%.3f | %.3f/%.3f | %.0f-%.0f | %.0f-%.0f |" % (
            label, t, med(ox, 0), med(rd, 0), r, med(ox, 1), med(ox, 2), med(rd, 1), med(rd, 2),
            min(x[0] for x in ox), max(x[0] for x in ox), min(x[0] for x in rd), max(x[0] for x in rd)))
    lines += ["", "Geometric mean of the ratios per workload:", ""]
    for label, rs in by_section.items():
        g = 1.0
        for r in rs:
            g *= r
        lines.append("- %s: %.2fx over %d tests" % (label, g ** (1.0 / len(rs)), len(rs)))
    lines += ["", "On 2 CPUs the server and redis-benchmark (one thread) share the machine. At -P 16"
              " redis-benchmark spends about 11 us of CPU per batch of 16 (five `epoll_ctl`, a"
              " `read`, a `write`) whatever the server, which caps both servers near 1.4M"
              " requests/s; only tests where the server's work dominates (MSET) show the"
              " difference. The -P 64 rows run the same tests with that per-batch cost spread over"
              " 64 requests, where the server becomes the bottleneck (LRANGE stays bounded by the"
              " client parsing the replies).",
              "", "![oxidis/Redis requests per second](performance.png)", "",
              "## Memory", "",
              "%d elements per type, filled as `tools/mem_compare.py` does (strings: keys with"
              " 16-byte values; collections: one key of small members; stream: `XADD * myfield"
              " xxx`): growth of `used_memory` and RSS per element, in bytes. oxidis counts requested"
              " bytes in `used_memory`, Redis counts jemalloc's rounded sizes, so RSS is the fairer"
              " comparison." % a.memory_elements, "",
              "| data | oxidis enc | redis enc | oxidis used/elem | redis used/elem | used ratio | oxidis RSS/elem | redis RSS/elem | RSS ratio |",
              "|---|---|---|---|---|---|---|---|---|"]
    for kind, oe, re_, ou, ru, orss, rrss in mem:
        lines.append("| %s | %s | %s | %.1f | %.1f | %.2fx | %.1f | %.1f | %.2fx |" % (
            kind, oe, re_, ou, ru, ou / ru if ru else 0, orss, rrss, orss / rrss if rrss else 0))
    lines += kept_sections(a.out)
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    png = os.path.join(os.path.dirname(a.out), "performance.png")
    pngchart.ratio_chart(png, "OXIDIS / REDIS REQUESTS PER SECOND (MEDIAN)", chart)
    print("\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
