#!/usr/bin/env python3
"""Memory per element of oxidis and redis-server 7.0.15, side by side.

For each collection type, both servers (fresh, no persistence, same flags) receive the same
N-element collection of small values under one key, sent with pipelined variadic commands;
the report gives used_memory and RSS growth per element for each server and the
oxidis/Redis ratio. Also a keyspace of N small string keys. Every load is bounded by N.

  python3 tools/mem_compare.py --elements 1000000
"""
import argparse, os, shutil, socket, subprocess, sys, tempfile, time

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Conn:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.buf = b""

    def send(self, *cmds):
        out = []
        for args in cmds:
            out.append(b"*%d\r\n" % len(args))
            for a in args:
                a = a if isinstance(a, bytes) else str(a).encode()
                out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.s.sendall(b"".join(out))

    def _line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(1 << 16)
            if not chunk:
                raise RuntimeError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self._line()
        t, rest = line[:1], line[1:]
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t in (b"+", b":"):
            return rest
        if t == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if t == b"*":
            return [self.reply() for _ in range(int(rest))]
        raise RuntimeError("unexpected reply %r" % line)

    def cmd(self, *args):
        self.send(args)
        return self.reply()


def wait_ready(port, proc, timeout=10.0):
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            raise RuntimeError("server exited early")
        try:
            c = Conn(port)
            if c.cmd("PING") == b"PONG":
                return c
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server not ready on port %d" % port)


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def used_memory(c):
    info = c.cmd("INFO", "memory").decode()
    for line in info.splitlines():
        if line.startswith("used_memory:"):
            return int(line.split(":")[1])
    raise RuntimeError("no used_memory")


def fill(c, kind, n, batch=1000):
    """Builds one n-element collection (or n string keys) with pipelined batches."""
    sent = 0
    while sent < n:
        cmds = []
        for _ in range(64):
            if sent >= n:
                break
            m = min(batch, n - sent)
            ids = range(sent, sent + m)
            if kind == "list":
                cmds.append(["RPUSH", "L"] + ["v%d" % i for i in ids])
            elif kind == "hash":
                args = ["HSET", "H"]
                for i in ids:
                    args += ["f%d" % i, "v%d" % i]
                cmds.append(args)
            elif kind == "set":
                cmds.append(["SADD", "S"] + ["m%d" % i for i in ids])
            elif kind == "zset":
                args = ["ZADD", "Z"]
                for i in ids:
                    args += [str(i), "m%d" % i]
                cmds.append(args)
            elif kind == "stream":
                # One entry per command, as redis-benchmark's XADD test adds them.
                for _ in ids:
                    cmds.append(["XADD", "X", "*", "myfield", "xxx"])
            elif kind == "strings":
                args = ["MSET"]
                for i in ids:
                    args += ["key:%d" % i, "v%015d" % i]
                cmds.append(args)
            sent += m
        c.send(*cmds)
        for _ in cmds:
            c.reply()


def measure(kind, exe, n):
    port = free_port()
    d = tempfile.mkdtemp(prefix="mem-")
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        c = wait_ready(port, proc)
        time.sleep(0.2)
        um0, rss0 = used_memory(c), rss_kb(proc.pid)
        fill(c, kind, n)
        time.sleep(0.5)
        um1, rss1 = used_memory(c), rss_kb(proc.pid)
        enc = None
        if kind != "strings":
            key = {"list": "L", "hash": "H", "set": "S", "zset": "Z", "stream": "X"}[kind]
            enc = c.cmd("OBJECT", "ENCODING", key).decode()
        return (um1 - um0) / n, (rss1 - rss0) * 1024 / n, enc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--elements", type=int, default=1000000)
    ap.add_argument("--types", default="list,hash,set,zset,stream,strings")
    ap.add_argument("--oxidis", default=os.path.join(ROOT, "target/release/oxidis-server"))
    ap.add_argument("--redis", default=shutil.which("redis-server") or "redis-server")
    a = ap.parse_args()
    if not os.path.exists(a.oxidis):
        sys.exit("build first: cargo build --release (%s missing)" % a.oxidis)
    print("%d elements of small values per type; bytes per element (growth)" % a.elements)
    print("%-8s %-10s %12s %12s %12s %12s %8s %8s" % ("type", "encoding", "oxidis used", "redis used",
                                                  "oxidis rss", "redis rss", "used x", "rss x"))
    for kind in a.types.split(","):
        ou, orss, oenc = measure(kind, a.oxidis, a.elements)
        ru, rrss, renc = measure(kind, a.redis, a.elements)
        enc = oenc if oenc == renc else "%s/%s" % (oenc, renc)
        print("%-8s %-10s %12.1f %12.1f %12.1f %12.1f %8.2f %8.2f" % (
            kind, enc or "-", ou, ru, orss, rrss, ou / ru if ru else 0, orss / rrss if rrss else 0))


if __name__ == "__main__":
    main()
