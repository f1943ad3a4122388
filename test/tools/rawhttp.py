#!/usr/bin/env python3
"""rawhttp.py - byte-exact HTTP/1.1 client pieces for the proxy's end-to-end tests.

Standard library only, every socket operation bounded by a timeout.

  rawhttp.py wait PORT [SECS]           exit 0 once 127.0.0.1:PORT accepts, 1 after SECS
  rawhttp.py closed PORT                exit 0 if a connect to PORT is refused
  rawhttp.py send PORT DATA [SECS]      send DATA (Python escapes: \\r \\n \\x00), print what
                                        comes back until EOF or SECS (default 5) pass
  rawhttp.py one PORT DATA [SECS]       send DATA, print the first response once it is complete
                                        (head and Content-Length body), or what came by EOF/SECS
  rawhttp.py eof PORT DATA [SECS]       send DATA, print "status=N eof_ms=M": how long after the
                                        first complete response the peer's FIN came (-1: none)
  rawhttp.py slow PORT DATA MS [SECS]   send DATA one byte per segment, MS milliseconds apart,
                                        then print what comes back until EOF or SECS
  rawhttp.py abort PORT DATA [MS]       send DATA, wait MS (default 100), close without reading
  rawhttp.py partial PORT DATA SECS     send DATA, then wait up to SECS for an answer
                                        (print it); for 408 tests
  rawhttp.py hold PORT DATA SECS        send DATA, keep the connection open SECS seconds,
                                        print what came back (run it in the background)
  rawhttp.py expect100 PORT PATH LEN    Content-Length request with "Expect: 100-continue":
                                        waits for the interim 100 before sending the body,
                                        prints "interim=100 status=... body=..."
  rawhttp.py ws PORT PATH [eager]       WebSocket handshake ("eager": a first frame in the
                                        same segment as the handshake), text/binary frames of
                                        several sizes and a ping, checks each echo,
                                        prints "ws ok" lines or "ws FAIL ..."
"""
import base64
import codecs
import hashlib
import os
import socket
import sys
import time


def connect(port, timeout=5.0):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
    s.settimeout(timeout)
    return s


def unescape(s):
    return codecs.decode(s, "unicode_escape").encode("latin-1")


def read_all(s, secs):
    end = time.monotonic() + secs
    out = b""
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            out += b"\n[reset]"
            break
        if not d:
            break
        out += d
    return out


def out(b):
    """The bytes as they came, byte-exact (no text encoding on the way)."""
    sys.stdout.flush()
    sys.stdout.buffer.write(b + b"\n")
    sys.stdout.buffer.flush()


def cmd_wait(port, secs="5"):
    end = time.monotonic() + float(secs)
    while time.monotonic() < end:
        try:
            connect(port, 0.5).close()
            return 0
        except OSError:
            time.sleep(0.05)
    return 1


def cmd_closed(port):
    try:
        connect(port, 1.0).close()
    except ConnectionRefusedError:
        return 0
    except OSError:
        return 2
    return 1


def cmd_send(port, data, secs="5"):
    s = connect(port)
    s.sendall(unescape(data))
    out(read_all(s, float(secs)))
    s.close()
    return 0


def response_end(buf):
    """Length of the first complete response in buf (head + Content-Length body), or -1."""
    i = buf.find(b"\r\n\r\n")
    if i < 0:
        return -1
    n = 0
    for line in buf[:i].split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v.strip() or b"0")
    return i + 4 + n if len(buf) >= i + 4 + n else -1


def read_one(s, secs):
    end = time.monotonic() + secs
    buf = b""
    while response_end(buf) < 0 and time.monotonic() < end:
        s.settimeout(max(0.01, end - time.monotonic()))
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            break
        buf += d
    return buf


def cmd_one(port, data, secs="5"):
    s = connect(port)
    s.sendall(unescape(data))
    out(read_one(s, float(secs)))
    s.close()
    return 0


def cmd_eof(port, data, secs="5"):
    s = connect(port)
    s.sendall(unescape(data))
    buf = read_one(s, float(secs))
    status = buf.split(b" ", 2)[1].decode() if buf.startswith(b"HTTP/") else "none"
    t0 = time.monotonic()
    rest = read_all(s, float(secs))
    ms = int((time.monotonic() - t0) * 1000) if not rest or rest.endswith(b"[reset]") else -1
    if ms >= int(float(secs) * 1000) - 50:
        ms = -1
    print("status=%s eof_ms=%d" % (status, ms))
    s.close()
    return 0


def cmd_slow(port, data, ms, secs="5"):
    s = connect(port)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in unescape(data):
        s.sendall(bytes([b]))
        time.sleep(float(ms) / 1000.0)
    out(read_all(s, float(secs)))
    s.close()
    return 0


def cmd_abort(port, data, ms="100"):
    s = connect(port)
    s.sendall(unescape(data))
    time.sleep(float(ms) / 1000.0)
    s.close()
    return 0


def cmd_hold(port, data, secs):
    s = connect(port)
    s.sendall(unescape(data))
    out(read_all(s, float(secs)))
    s.close()
    return 0


def recv_head(s, buf=b""):
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise EOFError("eof before head")
        buf += d
    i = buf.index(b"\r\n\r\n") + 4
    return buf[:i], buf[i:]


def cmd_expect100(port, path, length):
    n = int(length)
    body = os.urandom(n)
    s = connect(port, 5.0)
    s.sendall(
        (
            "POST %s HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n"
            "Expect: 100-continue\r\nConnection: close\r\n\r\n" % (path, n)
        ).encode()
    )
    # A client may send the body anyway after a while; we wait for the 100 (RFC 9110 10.1.1).
    try:
        head, rest = recv_head(s)
    except (socket.timeout, EOFError) as e:
        print("interim=none (%s)" % e)
        return 1
    status = head.split(b" ", 2)[1].decode()
    if status != "100":
        print("interim=%s (final before body) head=%r" % (status, head[:200]))
        return 1
    s.sendall(body)
    head2, rest2 = recv_head(s, rest)
    data = rest2 + read_all(s, 5.0)
    print(
        "interim=100 status=%s body=%s want=len=%d sha256=%s"
        % (
            head2.split(b" ", 2)[1].decode(),
            data.split(b"\n", 1)[0].decode("latin-1"),
            n,
            hashlib.sha256(body).hexdigest(),
        )
    )
    return 0


def ws_send(s, op, data):
    key = os.urandom(4)
    n = len(data)
    if n < 126:
        hdr = bytes([0x80 | op, 0x80 | n])
    elif n < 65536:
        hdr = bytes([0x80 | op, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        hdr = bytes([0x80 | op, 0x80 | 127]) + n.to_bytes(8, "big")
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(data))
    s.sendall(hdr + key + masked)


class Reader:
    def __init__(self, s, buf):
        self.s = s
        self.buf = buf

    def exact(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("eof in frame")
            self.buf += d
        o = self.buf[:n]
        self.buf = self.buf[n:]
        return o


def ws_recv(r):
    b0, b1 = r.exact(2)
    n = b1 & 0x7F
    if n == 126:
        n = int.from_bytes(r.exact(2), "big")
    elif n == 127:
        n = int.from_bytes(r.exact(8), "big")
    if b1 & 0x80:
        return None, b"masked frame from server"
    return b0 & 0x0F, r.exact(n)


def cmd_ws(port, path, eager=""):
    """eager="eager": the first frame goes out in the same segment as the handshake,
    before the 101 (the proxy must hold it until the tunnel exists)."""
    s = connect(port, 5.0)
    key = base64.b64encode(os.urandom(16)).decode()
    req = (
        "GET %s HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)
    ).encode()
    early = b""
    if eager == "eager":
        k = os.urandom(4)
        early = bytes([0x81, 0x80 | 5]) + k + bytes(b ^ k[i % 4] for i, b in enumerate(b"early"))
    s.sendall(req + early)
    head, rest = recv_head(s)
    want = base64.b64encode(
        hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()
    ).decode()
    if not head.startswith(b"HTTP/1.1 101"):
        print("ws FAIL handshake: %r" % head[:200])
        return 1
    if ("sec-websocket-accept: " + want).lower().encode() not in head.lower():
        print("ws FAIL accept key: %r" % head)
        return 1
    print("ws ok handshake 101")
    r = Reader(s, rest)
    fails = 0
    if "greet" in path:
        rop, rdata = ws_recv(r)
        if rop == 1 and rdata == b"greetings":
            print("ws ok greeting in the 101 segment")
        else:
            print("ws FAIL greeting: op=%s %r" % (rop, rdata[:40]))
            fails += 1
    if early:
        rop, rdata = ws_recv(r)
        if rop == 1 and rdata == b"early":
            print("ws ok early frame sent with the handshake")
        else:
            print("ws FAIL early frame: op=%s %r" % (rop, rdata[:40]))
            fails += 1
    cases = [(1, b"hello"), (2, os.urandom(300)), (2, os.urandom(70000)), (1, b"x" * 125)]
    for op, data in cases:
        ws_send(s, op, data)
        rop, rdata = ws_recv(r)
        if rop == op and rdata == data:
            print("ws ok echo op=%d len=%d" % (op, len(data)))
        else:
            print("ws FAIL echo op=%d len=%d got op=%s len=%d" % (op, len(data), rop, len(rdata)))
            fails += 1
    ws_send(s, 9, b"ping")
    rop, rdata = ws_recv(r)
    if rop == 10 and rdata == b"ping":
        print("ws ok pong")
    else:
        print("ws FAIL pong")
        fails += 1
    ws_send(s, 8, b"\x03\xe8")
    rop, rdata = ws_recv(r)
    print("ws ok close" if rop == 8 else "ws FAIL close op=%s" % rop)
    s.close()
    return 1 if fails else 0


def main(argv):
    cmds = {
        "wait": cmd_wait,
        "closed": cmd_closed,
        "send": cmd_send,
        "one": cmd_one,
        "slow": cmd_slow,
        "abort": cmd_abort,
        "eof": cmd_eof,
        "partial": cmd_hold,
        "hold": cmd_hold,
        "expect100": cmd_expect100,
        "ws": cmd_ws,
    }
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    try:
        return cmds[argv[1]](*argv[2:])
    except BrokenPipeError:
        return 1
    except (OSError, EOFError) as e:
        print("error: %s" % e)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
