#!/usr/bin/env python3
"""Generates src/cmd/meta.rs: the metadata of every Redis 7.0.15 command, read from a
running reference server (COMMAND INFO and COMMAND DOCS over RESP3).

oxidis binds handlers to these rows in its per-group command tables; the metadata itself
(arity, flags, key specs, ACL categories, docs) is what real Redis reports, so COMMAND
INFO/DOCS answer exactly as Redis does. Run: python3 tools/gen_command_meta.py [redis-server]
"""
import os, socket, subprocess, sys, tempfile, time

FLAGS = ["write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript", "blocking",
         "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
         "may_replicate", "no_mandatory_keys", "no_multi", "movablekeys", "allow_busy",
         "no_async_loading", "sentinel", "only_sentinel"]
ACL = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string", "bitmap",
       "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow", "blocking",
       "dangerous", "connection", "transaction", "scripting"]


class Reader:
    def __init__(self, sock):
        self.f = sock.makefile("rb")

    def line(self):
        return self.f.readline()[:-2]

    def read(self):
        """Returns (raw_bytes, value)."""
        raw = bytearray()
        val = self._read(raw)
        return bytes(raw), val

    def _read(self, raw):
        start = len(raw)
        v = self._read_inner(raw)
        RAW[id(v)] = bytes(raw[start:]) if isinstance(v, (list, Str)) else None
        return v

    def _read_inner(self, raw):
        l = self.f.readline()
        raw += l
        t, rest = l[:1], l[1:-2]
        if t in (b"+", b"-"):
            return Str(rest.decode())
        if t == b":":
            return int(rest)
        if t in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            d = self.f.read(n + 2)
            raw += d
            return Str(d[:-2].decode())
        if t in (b"*", b"~", b">"):
            n = int(rest)
            return Arr(self._read(raw) for _ in range(n)) if n >= 0 else None
        if t == b"%":
            n = int(rest)
            out = Map()
            for _ in range(n):
                k = self._read(raw)
                out.append((k, self._read(raw)))
            return out
        if t == b"_":
            return None
        raise ValueError(l)


class Str(str):
    pass


class Arr(list):
    pass


class Map(list):
    pass


RAW = {}
KEEP = []


def raw_of(v):
    KEEP.append(v)
    if isinstance(v, int):
        return b":%d\r\n" % v
    if v is None:
        return b"_\r\n"
    return RAW[id(v)]


def rust_bytes(b):
    out = []
    for c in b:
        if c == 0x22:
            out.append('\\"')
        elif c == 0x5C:
            out.append("\\\\")
        elif 0x20 <= c < 0x7F:
            out.append(chr(c))
        elif c == 0x0D:
            out.append("\\r")
        elif c == 0x0A:
            out.append("\\n")
        else:
            out.append("\\x%02x" % c)
    return 'b"' + "".join(out) + '"'


def const_name(name):
    return name.upper().replace("|", "_").replace("-", "_")


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "redis-server"
    port = 26000 + os.getpid() % 1000
    tmp = tempfile.mkdtemp()
    proc = subprocess.Popen([exe, "--port", str(port), "--save", "", "--appendonly", "no",
                             "--dir", tmp], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                s = socket.create_connection(("127.0.0.1", port))
                break
            except OSError:
                time.sleep(0.05)
        r = Reader(s)
        s.sendall(b"HELLO 3\r\n")
        r.read()
        s.sendall(b"COMMAND INFO\r\n")
        _, infos = r.read()
        KEEP.append(infos)
        s.sendall(b"COMMAND DOCS\r\n")
        _, docs = r.read()
        KEEP.append(docs)
        s.sendall(b"INFO server\r\n")
        _, srv = r.read()
    finally:
        proc.terminate()
        proc.wait()
    assert "redis_version:7.0.15" in srv, "the reference must be Redis 7.0.15"
    docs = dict(docs)
    rows = []

    def add(info, doc):
        name, arity, flags, first, last, step, acl, tips, keyspecs, subs = info
        bits = " | ".join("flag::%s" % f.upper() for f in flags) or "0"
        for f in flags:
            assert f in FLAGS, f
        aclbits = " | ".join("acl::%s" % a[1:].upper() for a in acl) or "0"
        for a in acl:
            assert a[1:] in ACL, a
        group = dict(doc).get("group", "")
        doc_wo_subs = [(k, v) for k, v in doc if k != "subcommands"]
        rows.append((name, arity, bits, first, last, step, aclbits, tips, raw_of(keyspecs),
                     (b"%%%d\r\n" % len(doc_wo_subs)) + b"".join(raw_of(k) + raw_of(v) for k, v in doc_wo_subs), group, sorted(si[0] for si in subs)))
        subdocs = dict(dict(doc).get("subcommands", []) or [])
        for si in sorted(subs, key=lambda x: x[0]):
            add(si, subdocs.get(si[0], []))

    for info in sorted(infos, key=lambda i: i[0]):
        add(info, docs.get(info[0], []))

    out = ["// @generated by tools/gen_command_meta.py from redis-server 7.0.15. Do not edit.",
           "//! What Redis 7.0.15 reports for every command: arity, flags, key positions, ACL",
           "//! categories, tips, key specs and docs (the last two as RESP3 bytes, rendered for the",
           "//! client's protocol by `cmd::introspect`). Handlers are bound to these in the group tables.",
           "",
           "use super::{acl, flag, Meta};", ""]
    for (name, arity, bits, first, last, step, aclbits, tips, ks, dc, group, subs) in rows:
        out.append("pub const %s: Meta = Meta {" % const_name(name))
        out.append("    name: %s," % ('"%s"' % name))
        out.append("    arity: %d," % arity)
        out.append("    flags: %s," % bits)
        out.append("    first_key: %d," % first)
        out.append("    last_key: %d," % last)
        out.append("    step: %d," % step)
        out.append("    acl: %s," % aclbits)
        out.append("    tips: &[%s]," % ", ".join('"%s"' % t for t in tips))
        out.append("    key_specs: %s," % rust_bytes(ks))
        out.append("    docs: %s," % rust_bytes(dc))
        out.append('    group: "%s",' % group)
        out.append("    subcommands: &[%s]," % ", ".join('"%s"' % s for s in subs))
        out.append("};")
    out.append("")
    out.append("/// Every command and subcommand Redis 7.0.15 knows.")
    out.append("pub const ALL: &[&Meta] = &[%s];" % ", ".join("&%s" % const_name(r[0]) for r in rows))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "cmd", "meta.rs")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    subprocess.run(["rustfmt", "--edition", "2021", path], check=False)
    print("wrote %d rows to %s" % (len(rows), os.path.normpath(path)))


if __name__ == "__main__":
    main()
