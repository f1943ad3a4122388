#!/usr/bin/env python3
"""echo_backend.py - a small HTTP/1.1 backend for the proxy's end-to-end tests.

Standard library only.  It logs every connection and every request head it receives
(one line each, flushed) so a test can prove what did or did not reach a backend.

  echo_backend.py --port N --log FILE [--mode echo|garbage|hang]

Modes:
  echo     (default) HTTP/1.1 with keep-alive.  Paths:
           /ws...          WebSocket (RFC 6455) handshake, then echoes every data frame;
                           "?greet" sends a first text frame in the same segment as the 101
           /delay/MS...    waits MS milliseconds, then answers like the default
           /gen/N...       answers N bytes of deterministic data, X-Body-Sha256 header;
                           "?chunked" in the target sends them chunked in uneven pieces
           /echo...        answers the request body itself (chunked if "?chunked")
           /status/N       answers status N without a body (204, 304: the 304 carries a
                           Content-Length of the representation, as RFC 9110 allows)
           /truncate/N     announces N bytes, sends half, closes
           /closing...     answers with "Connection: close" and closes
           /early...       sends a 103 Early Hints interim response, then the answer
           /badresp/KIND   a response with broken framing: cl-te (Content-Length and
                           Transfer-Encoding), dup-cl (two different Content-Length),
                           badchunk (a chunk size that is not hex), fold (obs-fold), lf
                           (LF-only lines), nul (NUL in a value), wscolon (space before a
                           colon), status (a four-digit status), te-cl (gzip coding + CL),
                           trailer-cl (Content-Length in the trailer section)
           anything else   "len=N sha256=HEX" of the request body, then one
                           "hdr name: value" line per request header
           Request bodies: Content-Length or chunked (with trailers); "Expect:
           100-continue" gets an interim 100 before the body is read.
  garbage  reads a request head and answers bytes that are not HTTP, then closes
  hang     accepts, reads, never answers (until the peer or the process goes away)
  chaos    answers each request head with a mutated response (chaos.py's mutations of
           valid responses: chunked, Content-Length, 1xx, 101, 204/304, read-to-close),
           then keeps the connection or closes it; --seed makes it repeatable

Log lines: "CONN id peer", "REQ id METHOD TARGET", "HDR id name: value",
"BODY id len=N sha256=HEX", "EXPECT id", "WS id open", "BAD id reason" (the request was
not clean HTTP/1.1: this backend parses strictly), "REFUSE id reason", "TRAILER id name: value", "CLOSE id".
"""
import argparse
import os
import base64
import hashlib
import socket
import socketserver
import sys
import threading
import time

MAX_HEAD = 65536
LOG_LOCK = threading.Lock()
LOG_FILE = None
CONN_SEQ = [0]


def log(line):
    with LOG_LOCK:
        LOG_FILE.write(line + "\n")
        LOG_FILE.flush()


class BadRequest(Exception):
    pass


class Conn:
    """Buffered reads over one socket."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError()
        self.buf += data

    def read_until(self, sep, limit):
        while True:
            i = self.buf.find(sep)
            if i >= 0:
                out = self.buf[: i + len(sep)]
                self.buf = self.buf[i + len(sep):]
                return out
            if len(self.buf) > limit:
                raise BadRequest("line or head too long")
            self.fill()

    def read_exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out = self.buf[:n]
        self.buf = self.buf[n:]
        return out


def gen_data(n):
    """Deterministic, incompressible-looking bytes: a sha256 counter stream."""
    out = bytearray()
    block = 0
    while len(out) < n:
        out += hashlib.sha256(b"huginn-%d" % block).digest() * 64
        block += 1
    return bytes(out[:n])


TCHAR = set(b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def parse_head(head):
    """Strict RFC 9112 request head: what reaches a backend must be clean, so anything
    odd here is logged as BAD (the tests count those)."""
    lines = head[:-4].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or not parts[0] or not set(parts[0]) <= TCHAR:
        raise BadRequest("request line")
    if not parts[1] or any(b <= 0x20 or b == 0x7F for b in parts[1]):
        raise BadRequest("request target")
    if parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise BadRequest("version")
    hdrs = []
    for ln in lines[1:]:
        k, sep, v = ln.partition(b":")
        if not sep or not k or not set(k) <= TCHAR:
            raise BadRequest("header name %r" % k[:40])
        v = v.strip(b" \t")
        if any((b < 0x20 and b != 0x09) or b == 0x7F for b in v):
            raise BadRequest("header value of %r" % k[:40])
        hdrs.append((k.decode("latin-1"), v.decode("latin-1")))
    if [k for k, _ in hdrs if k.lower() == "host"].__len__() > 1:
        raise BadRequest("two Host")
    return parts[0].decode("latin-1"), parts[1].decode("latin-1"), parts[2].decode("latin-1"), hdrs


def hget(hdrs, name):
    vals = [v for k, v in hdrs if k.lower() == name]
    return vals


def read_body(c, cid, hdrs, sink):
    """Read the request body into sink (a callable); returns its length."""
    te = hget(hdrs, "transfer-encoding")
    cl = hget(hdrs, "content-length")
    total = 0
    if te and cl:
        raise BadRequest("both Content-Length and Transfer-Encoding")
    if te:
        if len(te) != 1 or te[0].lower() != "chunked":
            raise BadRequest("transfer-encoding %r" % te)
        while True:
            line = c.read_until(b"\r\n", 4096)
            size = line[:-2].split(b";", 1)[0]
            if not size or len(size) > 16 or any(b not in b"0123456789abcdefABCDEF" for b in size):
                raise BadRequest("chunk size %r" % size[:20])
            n = int(size, 16)
            if n == 0:
                while True:
                    t = c.read_until(b"\r\n", MAX_HEAD)
                    if t == b"\r\n":
                        break
                    k, sep, _ = t.partition(b":")
                    if not sep or not k or not set(k) <= TCHAR or b"\n" in t[:-2] or b"\r" in t[:-2]:
                        raise BadRequest("trailer %r" % t[:40])
                    log("TRAILER %d %s" % (cid, t[:-2].decode("latin-1")))
                break
            data = c.read_exact(n)
            if c.read_exact(2) != b"\r\n":
                raise BadRequest("chunk end")
            sink(data)
            total += n
    elif cl:
        if len(cl) != 1 or not cl[0].isdigit():
            raise BadRequest("content-length")
        left = int(cl[0])
        while left > 0:
            if not c.buf:
                c.fill()
            take = c.buf[:left]
            c.buf = c.buf[len(take):]
            sink(take)
            left -= len(take)
            total += len(take)
    return total


def send_response(sock, status, headers, body, chunked=False, head_only=False):
    reason = {200: "OK", 101: "Switching Protocols"}.get(status, "X")
    out = ["HTTP/1.1 %d %s" % (status, reason)]
    out += ["%s: %s" % kv for kv in headers]
    if chunked:
        out.append("Transfer-Encoding: chunked")
    else:
        out.append("Content-Length: %d" % len(body))
    head = ("\r\n".join(out) + "\r\n\r\n").encode("latin-1")
    if head_only:
        sock.sendall(head)
        return
    if not chunked:
        sock.sendall(head + body)
        return
    sock.sendall(head)
    # Uneven chunk sizes, so chunk boundaries fall everywhere in the proxy's buffers.
    sizes = [1, 7, 100, 4096, 65536, 12345, 300000]
    off = 0
    i = 0
    while off < len(body):
        n = sizes[i % len(sizes)]
        piece = body[off: off + n]
        sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
        off += len(piece)
        i += 1
    sock.sendall(b"0\r\nX-Trailer: done\r\n\r\n")


def ws_recv_frame(c):
    b0, b1 = c.read_exact(2)
    op = b0 & 0x0F
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(c.read_exact(2), "big")
    elif n == 127:
        n = int.from_bytes(c.read_exact(8), "big")
    key = c.read_exact(4) if b1 & 0x80 else None
    data = c.read_exact(n)
    if key:
        data = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    return op, data


def ws_frame(op, data):
    n = len(data)
    if n < 126:
        hdr = bytes([0x80 | op, n])
    elif n < 65536:
        hdr = bytes([0x80 | op, 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([0x80 | op, 127]) + n.to_bytes(8, "big")
    return hdr + data


def serve_ws(c, cid, hdrs):
    key = hget(hdrs, "sec-websocket-key")
    if not key:
        # Application level, not HTTP framing: not a BAD line.
        log("REFUSE %d no websocket key" % cid)
        c.sock.sendall(b"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        return
    acc = base64.b64encode(
        hashlib.sha1((key[0] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    ).decode()
    # "?greet": the first frame rides in the same segment as the 101.
    greet = ws_frame(1, b"greetings") if "greet" in hget(hdrs, ":target")[0] else b""
    c.sock.sendall(
        (
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % acc
        ).encode()
        + greet
    )
    log("WS %d open" % cid)
    while True:
        op, data = ws_recv_frame(c)
        if op == 8:
            c.sock.sendall(ws_frame(8, data[:2]))
            return
        if op == 9:
            c.sock.sendall(ws_frame(10, data))
            continue
        c.sock.sendall(ws_frame(op, data))


def serve_one(c, cid, mode):
    head = c.read_until(b"\r\n\r\n", MAX_HEAD)
    method, target, version, hdrs = parse_head(head)
    log("REQ %d %s %s" % (cid, method, target))
    for k, v in hdrs:
        log("HDR %d %s: %s" % (cid, k, v))
    if mode == "garbage":
        c.sock.sendall(b"THIS IS NOT HTTP AT ALL\x00\x01\r\n\r\n")
        return False
    if mode == "hang":
        while True:
            c.fill()
    if mode == "chaos":
        return chaos_answer(c)
    if any(v.lower() == "100-continue" for v in hget(hdrs, "expect")):
        log("EXPECT %d" % cid)
        c.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
    upgrade = [v.lower() for v in hget(hdrs, "upgrade")]
    if target.startswith("/ws") and "websocket" in upgrade:
        serve_ws(c, cid, hdrs + [(":target", target)])
        return False
    h = hashlib.sha256()
    keep = []
    echo = target.startswith("/echo")

    def sink(d):
        h.update(d)
        if echo:
            keep.append(d)

    n = read_body(c, cid, hdrs, sink)
    log("BODY %d len=%d sha256=%s" % (cid, n, h.hexdigest()))
    close = any("close" in v.lower() for v in hget(hdrs, "connection")) or version == "HTTP/1.0"
    rh = [("X-Echo-Backend", "1")]
    if close:
        rh.append(("Connection", "close"))
    chunked = "chunked" in target.split("?", 1)[-1] if "?" in target else False
    head_only = method == "HEAD"
    if target.startswith("/delay/"):
        ms = int(target[7:].split("?")[0].split("/")[0] or "0")
        time.sleep(ms / 1000.0)
    if target.startswith("/status/"):
        code = int(target[8:11])
        extra = "Content-Length: 100\r\nETag: \"x\"\r\n" if code == 304 else ""
        c.sock.sendall(("HTTP/1.1 %d X\r\nX-Echo-Backend: 1\r\n%s\r\n" % (code, extra)).encode())
        return not close
    if target.startswith("/early"):
        c.sock.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n")
        time.sleep(0.05)
    if target.startswith("/closing"):
        send_response(c.sock, 200, rh + [("Connection", "close")], b"closing\n")
        return False
    if target.startswith("/truncate/"):
        size = int(target[10:].split("?")[0])
        c.sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size + b"t" * (size // 2))
        time.sleep(0.2)
        return False
    if target.startswith("/badresp/"):
        kind = target[9:].split("?")[0]
        bad = {
            "cl-te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "dup-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
            "badchunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "fold": b"HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\nContent-Length: 2\r\n\r\nok",
            "lf": b"HTTP/1.1 200 OK\nX-A: a\nContent-Length: 2\n\nok",
            "nul": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok",
            "wscolon": b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
            "status": b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok",
            "te-cl": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nok",
            "trailer-cl": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n"
            b"Content-Length: 9\r\nX-Fine: 1\r\n\r\n",
        }[kind]
        c.sock.sendall(bad)
        time.sleep(0.2)
        return False
    if target.startswith("/gen/"):
        size = int(target[5:].split("?")[0])
        body = gen_data(size)
        rh.append(("X-Body-Sha256", hashlib.sha256(body).hexdigest()))
        send_response(c.sock, 200, rh, body, chunked, head_only)
    elif echo:
        body = b"".join(keep)
        rh.append(("X-Body-Sha256", h.hexdigest()))
        send_response(c.sock, 200, rh, body, chunked, head_only)
    else:
        text = "len=%d sha256=%s\n" % (n, h.hexdigest())
        text += "".join("hdr %s: %s\n" % kv for kv in hdrs)
        send_response(c.sock, 200, rh, text.encode("latin-1"), False, head_only)
    return not close


CHAOS_RESPONSES = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x02hi",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    b"HTTP/1.0 200 OK\r\n\r\nread until close",
    b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nread until close",
    b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
]
CHAOS_RNG = [None]


def chaos_answer(c):
    import chaos  # test/tools/chaos.py, beside this file

    rng = CHAOS_RNG[0]
    with LOG_LOCK:
        base = rng.choice(CHAOS_RESPONSES)
        data = base if rng.random() < 0.2 else chaos.mutate(rng, base)
        keep = rng.random() < 0.5
        cut = rng.randint(1, max(1, len(data)))
    c.sock.sendall(data[:cut])
    time.sleep(0.005)
    c.sock.sendall(data[cut:])
    return keep


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        with LOG_LOCK:
            CONN_SEQ[0] += 1
            cid = CONN_SEQ[0]
        log("CONN %d %s:%d" % (cid, self.client_address[0], self.client_address[1]))
        c = Conn(self.request)
        try:
            while serve_one(c, cid, self.server.mode):
                pass
        except EOFError:
            pass
        except BadRequest as e:
            log("BAD %d %s" % (cid, e))
            try:
                self.request.sendall(b"HTTP/1.1 400 Bad\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
        except OSError as e:
            log("ERR %d %s" % (cid, e))
        log("CLOSE %d" % cid)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main():
    global LOG_FILE
    # chaos.py is imported from beside this file; leave no __pycache__ in the tree.
    sys.dont_write_bytecode = True
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--addr", default="127.0.0.1")
    ap.add_argument("--log", required=True)
    ap.add_argument("--mode", default="echo", choices=["echo", "garbage", "hang", "chaos"])
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    import random

    CHAOS_RNG[0] = random.Random(a.seed)
    LOG_FILE = open(a.log, "a")
    # Leave with the test that started us, even if it was killed without cleaning up.
    parent = os.getppid()

    def watch_parent():
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch_parent, daemon=True).start()
    srv = Server((a.addr, a.port), Handler)
    srv.mode = a.mode
    log("LISTEN %s:%d %s" % (a.addr, a.port, a.mode))
    try:
        srv.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
