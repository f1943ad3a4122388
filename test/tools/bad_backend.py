#!/usr/bin/env python3
"""bad_backend.py - backends that break HTTP on purpose, for test/e2e/t_proxy_engine.sh
and t_proxy_faults.sh.
Standard library only; every socket operation is bounded by a timeout.

  bad_backend.py PORT LOG MODE [ARG]

Listens on 127.0.0.1:PORT, one thread per connection.  Every request is answered with
Content-Length framing and kept alive unless the mode says otherwise.  LOG gets one line
per event, flushed: "CONN n", "REQ n METHOD TARGET HTTP/1.x" (n numbers connections from
1), plus the mode's own lines.

Modes:
  drop-second  answers the first request of each connection ("first conn=n"), then reads
               the second one (head and Content-Length body), logs it and closes without
               answering: a pooled connection that dies just after taking a request.
  drop-all     reads each request (head and Content-Length body), logs it and closes
               without answering: a backend that dies with the request (t_proxy_faults).
  late-body    HEAD, and targets ending in /204 or /304 (any method), get a head announcing
               "Content-Length: 26" and no body (correct for HEAD and 304; a 204 may not
               announce one).  The 26 bytes come late: with the next request on that
               connection, ahead of its answer, and they are themselves a whole response
               ("HTTP/1.1 200 OK", body "EVIL"), logged "LATE n".  Other requests get
               "good conn=n".
  idle-junk    answers each request ("good conn=n"); ARG milliseconds after the first
               answer of a connection it sends an unrequested response (body "EVIL") on
               it, logged "JUNK n".
  chunk10      answers every request, HTTP/1.0 ones included (which RFC 9112 6.1 forbids),
               with "Transfer-Encoding: chunked", the body "hello world" in two chunks
               and a trailer field, and keeps the connection open.
"""
import socket
import sys
import threading
import time

LOCK = threading.Lock()
SEQ = [0]


def log(f, line):
    with LOCK:
        f.write(line + "\n")
        f.flush()


class Peer:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def request(self):
        """(method, target, version) of the next request, its body read; None at EOF."""
        while b"\r\n\r\n" not in self.buf:
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d
            if len(self.buf) > 1 << 20:
                return None
        i = self.buf.index(b"\r\n\r\n") + 4
        head, self.buf = self.buf[:i], self.buf[i:]
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        n = 0
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            if k.strip().lower() == "content-length":
                n = int(v.strip())
        while len(self.buf) < n:
            d = self.sock.recv(65536)
            if not d:
                return None
            self.buf += d
        self.buf = self.buf[n:]
        return parts[0], parts[1], parts[2] if len(parts) > 2 else ""


def ok(body, extra=""):
    b = body.encode()
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(b), extra.encode(), b)


def serve(sock, n, mode, arg, f):
    p = Peer(sock)
    late = False
    first = True
    while True:
        r = p.request()
        if r is None:
            return
        method, target, ver = r
        log(f, "REQ %d %s %s %s" % (n, method, target, ver))
        if mode == "drop-all":
            return  # closed without an answer
        if mode == "drop-second":
            if not first:
                return  # closed without an answer
            sock.sendall(ok("first conn=%d\n" % n))
        elif mode == "late-body":
            if late:
                log(f, "LATE %d" % n)
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL")
                late = False
            if method == "HEAD" or target.endswith(("/204", "/304")):
                status = {"204": b"204 No Content", "304": b"304 Not Modified"}
                sock.sendall(b"HTTP/1.1 %s\r\nContent-Length: 26\r\n\r\n" %
                             status.get(target[-3:], b"200 OK"))
                late = True
            else:
                sock.sendall(ok("good conn=%d\n" % n))
        elif mode == "idle-junk":
            sock.sendall(ok("good conn=%d\n" % n))
            if first:
                def junk():
                    time.sleep(int(arg) / 1000.0)
                    try:
                        sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nEVIL")
                        log(f, "JUNK %d" % n)
                    except OSError:
                        pass
                threading.Thread(target=junk, daemon=True).start()
        elif mode == "chunk10":
            head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"
            if method == "HEAD":
                sock.sendall(head)
            else:
                sock.sendall(head + b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n")
        first = False


def conn_thread(sock, mode, arg, f):
    with LOCK:
        SEQ[0] += 1
        n = SEQ[0]
    log(f, "CONN %d" % n)
    sock.settimeout(60)
    try:
        serve(sock, n, mode, arg, f)
    except OSError:
        pass
    finally:
        sock.close()


def main(argv):
    if len(argv) < 4 or argv[3] not in ("drop-all", "drop-second", "late-body", "idle-junk", "chunk10"):
        sys.stderr.write(__doc__)
        return 2
    port, mode = int(argv[1]), argv[3]
    arg = argv[4] if len(argv) > 4 else "0"
    f = open(argv[2], "a")
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    end = time.monotonic() + 600  # never outlive a test run
    ls.settimeout(1)
    while time.monotonic() < end:
        try:
            s, _ = ls.accept()
        except socket.timeout:
            continue
        threading.Thread(target=conn_thread, args=(s, mode, arg, f), daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
