#!/usr/bin/env python3
"""test/soak/mixload.py - the non-wrk part of the soak's load (test/soak/soak.sh).

  mixload.py HOST PORT SECONDS [SLOW GARBAGE IDLE]

Runs three kinds of clients in threads until SECONDS have passed, then closes everything
and prints one summary line per kind:
  slow     SLOW threads (20): a request head trickled 1-8 bytes every 20-150 ms; one in
           four gives up halfway (closes, or resets with SO_LINGER 0)
  garbage  GARBAGE threads (4): hostile or broken requests from the list below, one per
           connection, the answer read for at most 3 s, some connections reset
  idle     IDLE threads (60): a connection that sends nothing or one keep-alive GET,
           then stays idle 1-15 s and closes (one in five by reset)
Every socket operation has a timeout, every loop ends at the deadline: bounded.
Summary: "KIND conns=N status=CODE:COUNT,... noanswer=N errors=N".
"""
import random
import socket
import struct
import sys
import threading
import time

HOST, PORT, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
N_SLOW, N_GARBAGE, N_IDLE = (int(x) for x in (sys.argv[4:7] if len(sys.argv) > 6
                                              else (20, 4, 60)))
DEADLINE = time.time() + SECONDS
lock = threading.Lock()
stats = {k: {"conns": 0, "status": {}, "noanswer": 0, "errors": 0}
         for k in ("slow", "garbage", "idle")}

BIG = b"a" * 20000
HOSTILE = [
    lambda: bytes(random.getrandbits(8) for _ in range(random.randint(1, 2048))),
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nNoColonHere\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nX-Big: " + BIG + b"\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\n" + b"X-M: 1\r\n" * 300 + b"\r\n",
    lambda: b"GET /" + b"u" * 9000 + b" HTTP/1.1\r\nHost: soak\r\n\r\n",
    lambda: (b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: 4\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
    lambda: (b"POST / HTTP/1.1\r\nHost: soak\r\nTransfer-Encoding: chunked\r\n\r\n"
             b"ZZ\r\nhello\r\n0\r\n\r\n"),
    lambda: b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: -5\r\n\r\n",
    lambda: b"GET /\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: so\x00ak\r\n\r\n",
    lambda: b"GET /ok HTTP/1.1\r\nHost: soak\r\n\r\n\x16\x03\x01garbage\r\n\r\n",
    lambda: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nx_tcp_p0f: forged\r\nX-TCP-P0F: forged\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n",
    lambda: b"GET http://elsewhere/x HTTP/1.1\r\nHost: soak\r\n\r\n",
    lambda: b"CONNECT elsewhere:443 HTTP/1.1\r\nHost: elsewhere:443\r\n\r\n",
    lambda: (b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: 100\r\n"
             b"Expect: 100-continue\r\n\r\n"),
    lambda: b"POST / HTTP/1.1\r\nHost: soak\r\nContent-Length: 10\r\n\r\nshort",
    lambda: b"GET /../../etc/passwd HTTP/1.1\r\nHost: soak\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\nHost: soak\r\n" + b"Connection: " + b"a," * 3000 + b"\r\n\r\n",
    lambda: b"GET / HTTP/1.0\r\n\r\n",
    lambda: b"GET / HTTP/1.1\r\n\r\n",
    lambda: b"\r\n" * 50,
]


def count(kind, status=None, err=False):
    with lock:
        s = stats[kind]
        s["conns"] += 1
        if err:
            s["errors"] += 1
        elif status is None:
            s["noanswer"] += 1
        else:
            s["status"][status] = s["status"].get(status, 0) + 1


def connect():
    s = socket.create_connection((HOST, PORT), timeout=5)
    s.settimeout(5)
    return s


def reset(s):
    """Close with an RST: SO_LINGER on, zero seconds."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def status_of(data):
    parts = data.split(b"\r\n", 1)[0].split()
    if len(parts) >= 2 and parts[0].startswith(b"HTTP/"):
        return parts[1].decode("ascii", "replace")
    return None


def read_some(s, limit):
    """Read until the peer closes, limit seconds pass, or a whole head arrived."""
    data = b""
    end = time.time() + limit
    while time.time() < end:
        s.settimeout(max(0.05, end - time.time()))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            break
        data += d
        if b"\r\n\r\n" in data:
            break
    return data


def sleep_until(t):
    while time.time() < min(t, DEADLINE):
        time.sleep(min(0.2, max(0.0, min(t, DEADLINE) - time.time())))


def slow():
    while time.time() < DEADLINE:
        try:
            s = connect()
        except OSError:
            count("slow", err=True)
            time.sleep(0.5)
            continue
        head = (b"GET /slow/%d HTTP/1.1\r\nHost: soak\r\nUser-Agent: slowpoke\r\n"
                b"X-Pad: %s\r\n\r\n" % (random.randint(0, 1 << 30), b"p" * random.randint(0, 300)))
        quit_at = len(head) // 2 if random.random() < 0.25 else None
        try:
            i = 0
            while i < len(head) and time.time() < DEADLINE:
                if quit_at is not None and i >= quit_at:
                    break
                n = random.randint(1, 8)
                s.sendall(head[i:i + n])
                i += n
                time.sleep(random.uniform(0.02, 0.15))
            if i >= len(head):
                count("slow", status_of(read_some(s, 5)))
            else:
                count("slow", None)
            if random.random() < 0.5:
                reset(s)
            else:
                s.close()
        except OSError:
            count("slow", err=True)
            s.close()


def garbage():
    while time.time() < DEADLINE:
        try:
            s = connect()
        except OSError:
            count("garbage", err=True)
            time.sleep(0.5)
            continue
        try:
            s.sendall(random.choice(HOSTILE)())
            if random.random() < 0.2:
                s.shutdown(socket.SHUT_WR)
            st = status_of(read_some(s, 3))
            count("garbage", st)
            if random.random() < 0.3:
                reset(s)
            else:
                s.close()
        except OSError:
            # The proxy may close or reset a connection it refuses before reading it all.
            count("garbage", None)
            s.close()
        time.sleep(random.uniform(0, 0.05))


def idle():
    while time.time() < DEADLINE:
        try:
            s = connect()
        except OSError:
            count("idle", err=True)
            time.sleep(0.5)
            continue
        st = None
        try:
            if random.random() < 0.5:
                s.sendall(b"GET /idle HTTP/1.1\r\nHost: soak\r\n\r\n")
                st = status_of(read_some(s, 5))
            sleep_until(time.time() + random.uniform(1, 15))
            count("idle", st)
            if random.random() < 0.2:
                reset(s)
            else:
                s.close()
        except OSError:
            count("idle", err=True)
            s.close()


threads = [threading.Thread(target=f, daemon=True)
           for f, n in ((slow, N_SLOW), (garbage, N_GARBAGE), (idle, N_IDLE)) for _ in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join(timeout=max(1.0, DEADLINE - time.time() + 30))
for kind, s in stats.items():
    codes = ",".join("%s:%d" % kv for kv in sorted(s["status"].items())) or "-"
    print("%s conns=%d status=%s noanswer=%d errors=%d" % (kind, s["conns"], codes,
                                                          s["noanswer"], s["errors"]))
