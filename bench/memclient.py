#!/usr/bin/env python3
"""bench/memclient.py - many client connections to one HTTP proxy, for bench/memory.sh.

  memclient.py idle  PORT N   N connections, one GET each (response read whole), then held
  memclient.py slow  PORT N   N connections, each sends HEAD_BYTES of a request head that
                              never ends, then held
  memclient.py burst PORT N   N connections at once, one GET each, then all closed

"ready K" is printed once K connections are in the wanted state (K < N when the proxy
refused some: their count follows as "failed F"); the held connections stay open until
SIGTERM or SIGINT.  Loopback only, bounded by DEADLINE seconds.
"""
import errno
import os
import selectors
import signal
import socket
import sys
import time

DEADLINE = float(os.environ.get("DEADLINE", "60"))
HEAD_BYTES = int(os.environ.get("HEAD_BYTES", "200"))
BATCH = 500  # connects in flight at once (the listen backlog is bounded)


def request_bytes():
    return b"GET / HTTP/1.1\r\nHost: bench\r\nUser-Agent: memclient\r\n\r\n"


def slow_bytes():
    head = b"GET / HTTP/1.1\r\nHost: bench\r\nX-Pad: "
    pad = max(0, HEAD_BYTES - len(head))
    return head + b"a" * pad


def response_done(buf):
    """True once buf holds a whole response with Content-Length framing."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in buf[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(buf) >= end + 4 + length


def run(mode, port, n):
    sel = selectors.DefaultSelector()
    deadline = time.monotonic() + DEADLINE
    payload = slow_bytes() if mode == "slow" else request_bytes()
    done, failed, started, inflight = [], 0, 0, 0
    while (started < n or inflight) and time.monotonic() < deadline:
        while started < n and inflight < BATCH:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            rc = s.connect_ex(("127.0.0.1", port))
            started += 1
            if rc not in (0, errno.EINPROGRESS):
                s.close()
                failed += 1
                continue
            sel.register(s, selectors.EVENT_WRITE, [b""])
            inflight += 1
        for key, ev in sel.select(timeout=0.5):
            s, st = key.fileobj, key.data
            try:
                if ev & selectors.EVENT_WRITE:
                    s.sendall(payload)
                    if mode == "slow":
                        sel.unregister(s)
                        inflight -= 1
                        done.append(s)
                    else:
                        sel.modify(s, selectors.EVENT_READ, st)
                    continue
                chunk = s.recv(65536)
                if not chunk:
                    raise OSError("closed")
                st[0] += chunk
                if response_done(st[0]):
                    sel.unregister(s)
                    inflight -= 1
                    if not st[0].startswith(b"HTTP/1.1 200"):
                        failed += 1
                        s.close()
                    else:
                        done.append(s)
            except OSError:
                sel.unregister(s)
                inflight -= 1
                failed += 1
                s.close()
    print("ready %d" % len(done), flush=True)
    if failed or len(done) < n:
        print("failed %d" % (n - len(done)), flush=True)
    if mode == "burst":
        for s in done:
            s.close()
        print("closed", flush=True)
        return
    # Held until SIGTERM/SIGINT.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            signal.pause()
    except (KeyboardInterrupt, SystemExit):
        pass
    for s in done:
        s.close()


if __name__ == "__main__":
    if len(sys.argv) != 4 or sys.argv[1] not in ("idle", "slow", "burst"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
