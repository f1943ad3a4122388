#!/usr/bin/env python3
"""passthrough.py - huginn passthrough next to haproxy `mode tcp` and nginx `stream`, each
with one worker and a PROXY protocol header to the backend, in the same run.  Not a test:
nothing passes or fails.  Run it through bench/passthrough.sh (a private network
namespace, loopback only).

For each proxy, in turn, in front of the same backend (this script, asyncio):
  short   N connections of a TLS-sized exchange: the client sends a real ClientHello (made
          by Python's ssl module, 517 bytes or so), the backend answers 4 KiB once it has
          the hello and closes; CPU (utime + stime of the proxy's processes, from
          /proc/PID/stat) per connection;
  bulk    one connection, the backend sends BULK_MIB MiB after the hello; CPU per GiB;
  idle    IDLE tunnels opened (hello relayed, backend answered) and left open; the
          proxy's RSS (VmRSS, all its processes) before and after, per tunnel.
Then the ratios huginn / haproxy and huginn / nginx.

    passthrough.py HUGINN_PROXY WORKDIR
Environment: CONNS (5000), PAR (50 concurrent), BULK_MIB (1024), IDLE (2000), ONLY,
PORT_BASE (28800: the backend; the proxies and huginn's other sockets take the next 11).
"""
import asyncio
import os
import ssl
import subprocess
import sys
import time

PROXY_BIN, WORK = sys.argv[1], sys.argv[2]
CONNS = int(os.environ.get("CONNS", "5000"))
PAR = int(os.environ.get("PAR", "50"))
BULK_MIB = int(os.environ.get("BULK_MIB", "1024"))
IDLE = int(os.environ.get("IDLE", "2000"))
ONLY = os.environ.get("ONLY", "huginn haproxy nginx").split()
BASE = int(os.environ.get("PORT_BASE", "28800"))
BACKEND = BASE
PORTS = {"huginn": BASE + 1, "haproxy": BASE + 2, "nginx": BASE + 3}
TICK = os.sysconf("SC_CLK_TCK")
REPLY = b"s" * 4096


def client_hello():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="bench.example.com")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


HELLO = client_hello()
TAIL = HELLO[-24:]
MODE = {"what": "short"}


async def backend(reader, writer):
    # Whatever header came first (v1 or v2), the hello's last bytes end the flight.
    buf = b""
    try:
        while TAIL not in buf:
            d = await reader.read(65536)
            if not d:
                writer.close()
                return
            buf = buf[-64:] + d
        if MODE["what"] == "bulk":
            chunk = b"b" * (1 << 20)
            for _ in range(BULK_MIB):
                writer.write(chunk)
                await writer.drain()
        else:
            writer.write(REPLY)
            await writer.drain()
        if MODE["what"] == "idle":
            await reader.read(1)  # until the client closes
        writer.close()
    except (ConnectionError, OSError):
        writer.close()


def pids_of(proc):
    """The proxy's process and its children (nginx workers, huginn's own)."""
    out = [proc.pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True)
        out += [int(x) for x in kids.stdout.split()]
    except OSError:
        pass
    return out


def cpu_ticks(pids):
    t = 0
    for p in pids:
        try:
            f = open("/proc/%d/stat" % p).read().rsplit(")", 1)[1].split()
            t += int(f[11]) + int(f[12])
        except OSError:
            pass
    return t


def rss_kib(pids):
    t = 0
    for p in pids:
        try:
            for line in open("/proc/%d/status" % p):
                if line.startswith("VmRSS:"):
                    t += int(line.split()[1])
        except OSError:
            pass
    return t


async def read_reply(r):
    """Read the backend's whole REPLY (or until EOF); the bytes read."""
    got = 0
    while got < len(REPLY):
        d = await r.read(65536)
        if not d:
            break
        got += len(d)
    return got


async def one_short(port):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    w.write(HELLO)
    await w.drain()
    got = await read_reply(r)
    w.close()
    return got == len(REPLY)


async def short(port):
    MODE["what"] = "short"
    sem = asyncio.Semaphore(PAR)
    ok = 0

    async def run():
        nonlocal ok
        async with sem:
            try:
                if await one_short(port):
                    ok += 1
            except OSError:
                pass

    await asyncio.gather(*(run() for _ in range(CONNS)))
    return ok


async def bulk(port):
    MODE["what"] = "bulk"
    r, w = await asyncio.open_connection("127.0.0.1", port, limit=1 << 22)
    w.write(HELLO)
    await w.drain()
    got = 0
    while True:
        d = await r.read(1 << 20)
        if not d:
            break
        got += len(d)
    w.close()
    return got


async def idle(port):
    MODE["what"] = "idle"
    conns = []
    for _ in range(IDLE):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(HELLO)
        conns.append((r, w))
    for r, w in conns:
        await read_reply(r)
    return conns


def write_cfg(fname, text):
    """Write a proxy's configuration into WORK; its path."""
    path = os.path.join(WORK, fname)
    with open(path, "w") as f:
        f.write(text)
    return path


def start(name, port):
    os.makedirs(WORK, exist_ok=True)
    if name == "huginn":
        cfg = write_cfg(
            "huginn.toml",
            '[server]\nworkers = 1\nmax_connections = 9000\n'
            '[listen]\naddrs = ["127.0.0.1:%d"]\n'
            '[telemetry]\nmetrics_addr = "127.0.0.1:%d"\naccess_log = false\n'
            '[[passthrough]]\nlisten = ["127.0.0.1:%d"]\nbackends = ["127.0.0.1:%d"]\n'
            % (BASE + 10, BASE + 11, port, BACKEND))
        cmd = [PROXY_BIN, cfg]
    elif name == "haproxy":
        cfg = write_cfg(
            "haproxy.cfg",
            "global\n    nbthread 1\n    maxconn 8000\n"
            "defaults\n    mode tcp\n    timeout connect 5s\n    timeout client 300s\n"
            "    timeout server 300s\n"
            "frontend f\n    bind 127.0.0.1:%d\n    default_backend b\n"
            "backend b\n    server s 127.0.0.1:%d send-proxy-v2\n" % (port, BACKEND))
        cmd = ["haproxy", "-db", "-f", cfg]
    else:
        cfg = write_cfg(
            "nginx.conf",
            "load_module /usr/lib/nginx/modules/ngx_stream_module.so;\n"
            "worker_processes 1;\nuser root;\npid %s/nginx.pid;\nerror_log %s/nginx.err;\n"
            "worker_rlimit_nofile 19000;\n"
            "events { worker_connections 9000; }\n"
            "stream { server { listen 127.0.0.1:%d; proxy_pass 127.0.0.1:%d;"
            " proxy_protocol on; } }\n" % (WORK, WORK, port, BACKEND))
        cmd = ["nginx", "-c", cfg, "-g", "daemon off;"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=open(
        os.path.join(WORK, name + ".err"), "w"))
    time.sleep(1.0)
    return proc


async def measure(name):
    port = PORTS[name]
    proc = start(name, port)
    pids = pids_of(proc)
    res = {}
    await short(port)  # warm up (pools, allocator)
    c0 = cpu_ticks(pids)
    t0 = time.time()
    ok = await short(port)
    c1 = cpu_ticks(pids)
    res["short_ok"] = ok
    res["short_us"] = (c1 - c0) / TICK / max(ok, 1) * 1e6
    res["short_rate"] = ok / (time.time() - t0)
    c0 = cpu_ticks(pids)
    got = await bulk(port)
    c1 = cpu_ticks(pids)
    res["bulk_mib"] = got / (1 << 20)
    res["bulk_s_per_gib"] = (c1 - c0) / TICK / max(got / (1 << 30), 1e-9)
    await asyncio.sleep(0.5)
    r0 = rss_kib(pids)
    conns = await idle(port)
    await asyncio.sleep(0.5)
    r1 = rss_kib(pids)
    res["idle_bytes"] = (r1 - r0) * 1024 / IDLE
    for _, w in conns:
        w.close()
    await asyncio.sleep(0.5)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    return res


async def main():
    srv = await asyncio.start_server(backend, "127.0.0.1", BACKEND, limit=1 << 22,
                                     backlog=4096)
    results = {}
    for name in ONLY:
        results[name] = await measure(name)
        r = results[name]
        print("%-8s short: %d conns, %.1f us CPU/conn (%.0f conn/s) | bulk: %.0f MiB, "
              "%.3f s CPU/GiB | idle: %.0f bytes RSS/tunnel" %
              (name, r["short_ok"], r["short_us"], r["short_rate"], r["bulk_mib"],
               r["bulk_s_per_gib"], r["idle_bytes"]), flush=True)
    srv.close()
    if "huginn" in results:
        h = results["huginn"]
        for other in ("haproxy", "nginx"):
            if other in results:
                o = results[other]
                print("huginn / %-7s CPU per connection %.2fx, CPU per GiB %.2fx, "
                      "idle tunnel %.0f vs %.0f bytes" %
                      (other, h["short_us"] / max(o["short_us"], 1e-9),
                       h["bulk_s_per_gib"] / max(o["bulk_s_per_gib"], 1e-9),
                       h["idle_bytes"], o["idle_bytes"]))


asyncio.run(main())
