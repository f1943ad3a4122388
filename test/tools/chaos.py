#!/usr/bin/env python3
"""chaos.py - a network-level fuzz smoke for the proxy: mutated requests, odd segmenting,
early closes.  Standard library only; every socket operation bounded by a timeout.

  chaos.py PORT SECS SEED [PREFIX...]

For SECS seconds, opens connections to 127.0.0.1:PORT and sends mutations of a set of
valid requests (Content-Length and chunked bodies, pipelines, upgrades, trailers) whose
targets start with one of PREFIX (default "/"): bytes flipped, inserted (CR, LF, NUL, ':',
space, high bytes), lines duplicated or dropped, truncated; written in random pieces with
random short pauses; sometimes closed early.  Reads each answer for at most 3 s.
Prints one summary line: "sent=N answered=N status=CODE:COUNT,... closed=N timeouts=N
errors=N".  Exit 0 unless nothing at all could be sent.
"""
import random
import socket
import sys
import time


def seeds(prefix):
    p = prefix.rstrip("/")
    body = b"x" * 37
    chunked = b"5\r\nhello\r\n1a;ext=1\r\n" + b"y" * 26 + b"\r\n0\r\nX-Trailer: t\r\n\r\n"
    return [
        b"GET %s/a?q=1 HTTP/1.1\r\nHost: t\r\nUser-Agent: chaos\r\nAccept: */*\r\n\r\n" % p.encode(),
        b"POST %s/cl HTTP/1.1\r\nHost: t\r\nContent-Length: 37\r\n\r\n" % p.encode() + body,
        b"POST %s/ch HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n" % p.encode() + chunked,
        b"GET %s/p1 HTTP/1.1\r\nHost: t\r\n\r\nGET %s/p2 HTTP/1.1\r\nHost: t\r\n\r\n" % (p.encode(), p.encode()),
        b"GET %s/ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        b"\x81\x85abcd\x09\x07\x0f\x08\x0e" % p.encode(),
        b"POST %s/e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\nabcd" % p.encode(),
        b"HEAD %s/h HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n\r\n" % p.encode(),
        b"GET %s/10 HTTP/1.0\r\n\r\n" % p.encode(),
    ]


INSERTS = [b"\r", b"\n", b"\x00", b":", b" ", b"\t", b"\xff", b"\r\n", b"0", b"-", b",", b";",
           b"Content-Length: 3\r\n", b"Transfer-Encoding: chunked\r\n", b"\r\n\r\n"]


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if not data:
            break
        i = rng.randrange(len(data))
        if op == 0:
            data[i] = rng.randrange(256)
        elif op == 1:
            data[i:i] = rng.choice(INSERTS)
        elif op == 2:
            del data[i: i + rng.randint(1, 8)]
        elif op == 3:
            lines = bytes(data).split(b"\r\n")
            j = rng.randrange(len(lines))
            lines.insert(j, lines[j])
            data = bytearray(b"\r\n".join(lines))
        elif op == 4:
            lines = bytes(data).split(b"\r\n")
            if len(lines) > 2:
                del lines[rng.randrange(1, len(lines))]
            data = bytearray(b"\r\n".join(lines))
        else:
            data = data[: rng.randrange(len(data) + 1)]
    return bytes(data)


def one(rng, port, payload, stats):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
    except OSError:
        stats["errors"] += 1
        return
    s.settimeout(3)
    try:
        off = 0
        while off < len(payload):
            n = rng.randint(1, max(1, len(payload) - off))
            s.sendall(payload[off: off + n])
            off += n
            if rng.random() < 0.2:
                time.sleep(rng.random() * 0.02)
        stats["sent"] += 1
        if rng.random() < 0.1:
            s.close()
            stats["closed"] += 1
            return
        got = b""
        end = time.monotonic() + 3
        while time.monotonic() < end:
            try:
                d = s.recv(65536)
            except socket.timeout:
                stats["timeouts"] += 1
                break
            if not d:
                break
            got += d
            if len(got) > 1 << 20:
                break
        if got.startswith(b"HTTP/1.1 "):
            stats["answered"] += 1
            code = got[9:12].decode("latin-1")
            stats["status"][code] = stats["status"].get(code, 0) + 1
    except OSError:
        stats["errors"] += 1
    finally:
        s.close()


def main(argv):
    if len(argv) < 4:
        sys.stderr.write(__doc__)
        return 2
    port, secs, seed = int(argv[1]), float(argv[2]), int(argv[3])
    prefixes = argv[4:] or ["/"]
    rng = random.Random(seed)
    pool = [s for p in prefixes for s in seeds(p)]
    stats = {"sent": 0, "answered": 0, "closed": 0, "timeouts": 0, "errors": 0, "status": {}}
    end = time.monotonic() + secs
    while time.monotonic() < end:
        base = rng.choice(pool)
        payload = base if rng.random() < 0.15 else mutate(rng, base)
        one(rng, port, payload, stats)
    st = ",".join("%s:%d" % kv for kv in sorted(stats["status"].items()))
    print("sent=%d answered=%d status=%s closed=%d timeouts=%d errors=%d" % (
        stats["sent"], stats["answered"], st, stats["closed"], stats["timeouts"], stats["errors"]))
    return 0 if stats["sent"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
