#!/usr/bin/env python3
"""connhold.py - many client connections held open, for t_proxy_memory.sh.

Standard library only, loopback only, every wait bounded.

  connhold.py PORT N DATA GO SECS
      Open N connections to 127.0.0.1:PORT and send DATA (Python escapes: \\r \\n) on each.
      Read what comes back for 1.5 s (responses, closes), then print one line
          ready open=O answered=A status=CODE:COUNT,...
      (O: connections still open; A: responses received; a response is counted once its
      head has arrived) and keep every open connection until the file GO exists or SECS
      seconds pass.  Then close them all and print "closed".

  connhold.py pipeline PORT FIRST REST GO SECS
      One connection: send FIRST, print the first complete response's status line and body
      ("first STATUS BODY"), wait until GO exists, send REST, print the next response the
      same way ("second STATUS BODY").  Bytes of the second request that FIRST carried stay
      with the proxy in between.
"""
import codecs
import os
import select
import socket
import sys
import time


def unescape(s):
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def wait_file(path, secs):
    end = time.monotonic() + secs
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.05)


def parse_one(buf):
    """(status, body, rest) of the first complete Content-Length response, or None."""
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = buf[:end].split(b"\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if len(buf) < end + 4 + length:
        return None
    status = lines[0].split(b" ")[1].decode()
    body = buf[end + 4:end + 4 + length]
    return status, body, buf[end + 4 + length:]


def read_response(s, buf, secs):
    end = time.monotonic() + secs
    while True:
        r = parse_one(buf)
        if r:
            return r
        left = end - time.monotonic()
        if left <= 0:
            return "timeout", b"", buf
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except (socket.timeout, OSError):
            return "timeout", b"", buf
        if not d:
            return "eof", b"", buf
        buf += d


def hold(port, n, data, go, secs):
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        s.setblocking(False)
        s.sendall(data)
        socks.append(s)
    bufs = {s: b"" for s in socks}
    counted = set()
    statuses = {}
    openset = set(socks)
    end = time.monotonic() + 1.5
    while openset and time.monotonic() < end:
        rd, _, _ = select.select(list(openset), [], [], max(0.0, end - time.monotonic()))
        for s in rd:
            try:
                d = s.recv(65536)
            except OSError:
                d = b""
            if not d:
                openset.discard(s)
                continue
            bufs[s] += d
            if s not in counted and b"\r\n" in bufs[s]:
                counted.add(s)
                code = bufs[s].split(b" ", 2)[1].decode()
                statuses[code] = statuses.get(code, 0) + 1
    st = ",".join("%s:%d" % (k, statuses[k]) for k in sorted(statuses)) or "-"
    print("ready open=%d answered=%d status=%s" % (len(openset), len(counted), st), flush=True)
    wait_file(go, secs)
    for s in socks:
        s.close()
    print("closed", flush=True)


def pipeline(port, first, rest, go, secs):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(first)
    status, body, buf = read_response(s, b"", 5)
    print("first %s %s" % (status, body.decode(errors="replace").strip()), flush=True)
    wait_file(go, secs)
    s.sendall(rest)
    status, body, buf = read_response(s, buf, 5)
    print("second %s %s" % (status, body.decode(errors="replace").strip()), flush=True)
    s.close()


def main():
    a = sys.argv[1:]
    if len(a) == 6 and a[0] == "pipeline":
        pipeline(int(a[1]), unescape(a[2]), unescape(a[3]), a[4], float(a[5]))
    elif len(a) == 5:
        hold(int(a[0]), int(a[1]), unescape(a[2]), a[3], float(a[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
