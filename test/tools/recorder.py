#!/usr/bin/env python3
"""recorder.py - a backend that records exactly what it receives, and a client that talks
to the proxy step by step; for test/e2e/t_proxy_hardening.sh.  Standard library only,
every socket operation bounded by a timeout.

  recorder.py serve PORT DIR
      Accepts connections on 127.0.0.1:PORT.  Each request (head and body, byte for
      byte, chunked framing and trailers included) is written to DIR/req-NNNN (NNNN
      counts requests from 0001 over all connections; the file appears whole, by rename,
      before the response leaves).  The response is 200 with the body "req-NNNN\\n",
      keep-alive unless the request said "Connection: close".  A request with an Upgrade
      field (any protocol: the backend accepts what it is offered, as a naive server
      would) gets "101 Switching Protocols" naming the first protocol offered; from then
      on every byte received is appended to DIR/tunnel-NNNN and echoed back.

  recorder.py steps PORT SECS DATA...
      Connects, sends each DATA (Python escapes: \\r \\n \\x00) in turn; after each, reads
      one complete response (head plus Content-Length body; a 101 or a response without
      framing: the head only) or, when what comes back is not HTTP (tunnel), what arrives
      within 0.5 s.  Prints everything received, then what else comes until EOF or SECS,
      then a last line "eof=1" if the peer closed, "eof=0" if not.

  recorder.py many PORT N DATA
      Sends DATA N times on one connection, each after the answer to the one before;
      prints the status line of every answer, one per line.

  recorder.py trickle PORT DATA SIZE GAP_MS
      Sends DATA in pieces of SIZE bytes, GAP_MS milliseconds apart (TCP_NODELAY), then
      prints the status line of the answer.  DATA "@FILE": the bytes of FILE as they are.
"""
import codecs
import os
import socket
import sys
import threading
import time


def unescape(s):
    return codecs.decode(s, "unicode_escape").encode("latin-1")


class Reader:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError()
        self.buf += d

    def until(self, sep, limit=1 << 21):
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise EOFError()
            self.fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


def fields(head):
    out = []
    for line in head.split(b"\r\n")[1:]:
        if b":" in line:
            k, v = line.split(b":", 1)
            out.append((k.strip().lower(), v.strip()))
    return out


SEQ = [0]
SEQ_LOCK = threading.Lock()


def write_file(d, name, data):
    tmp = os.path.join(d, "." + name)
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(d, name))


def serve_conn(sock, d):
    sock.settimeout(60)
    r = Reader(sock)
    try:
        while True:
            head = r.until(b"\r\n\r\n")
            f = fields(head)
            raw = head
            te = [v for k, v in f if k == b"transfer-encoding"]
            cl = [v for k, v in f if k == b"content-length"]
            if te and te[-1].lower().endswith(b"chunked"):
                while True:
                    line = r.until(b"\r\n")
                    raw += line
                    size = int(line.split(b";")[0].strip(), 16)
                    if size == 0:
                        while True:  # trailer section up to the empty line
                            t = r.until(b"\r\n")
                            raw += t
                            if t == b"\r\n":
                                break
                        break
                    raw += r.exact(size + 2)
            elif cl:
                raw += r.exact(int(cl[0]))
            with SEQ_LOCK:
                SEQ[0] += 1
                name = "req-%04d" % SEQ[0]
            write_file(d, name, raw)
            up = [v for k, v in f if k == b"upgrade"]
            if up:
                proto = up[0].split(b",")[0].strip()
                sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
                             b"Upgrade: " + proto + b"\r\n\r\n")
                path = os.path.join(d, "tunnel-" + name[4:])
                with open(path, "ab") as t:
                    if r.buf:
                        t.write(r.buf)
                        t.flush()
                        sock.sendall(r.buf)
                    while True:
                        data = sock.recv(65536)
                        if not data:
                            return
                        t.write(data)
                        t.flush()
                        sock.sendall(data)
            body = (name + "\n").encode()
            close = any(k == b"connection" and b"close" in v.lower() for k, v in f)
            sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" %
                         (len(body), b"Connection: close\r\n" if close else b"", body))
            if close:
                return
    except (EOFError, OSError, ValueError):
        return
    finally:
        sock.close()


def cmd_serve(port, d):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", int(port)))
    ls.listen(128)
    while True:
        s, _ = ls.accept()
        threading.Thread(target=serve_conn, args=(s, d), daemon=True).start()


def read_response(s, buf, secs):
    """One response from buf + the socket: (bytes of it, rest, eof)."""
    end = time.monotonic() + secs
    while b"\r\n\r\n" not in buf:
        if not buf.startswith(b"HTTP/"[:len(buf)]):
            break  # not HTTP: tunnel bytes
        left = end - time.monotonic()
        if left <= 0:
            return buf, b"", False
        s.settimeout(left)
        try:
            d = s.recv(65536)
        except socket.timeout:
            return buf, b"", False
        if not d:
            return buf, b"", True
        buf += d
    if not buf.startswith(b"HTTP/"):
        s.settimeout(0.5)
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    return buf, b"", True
                buf += d
        except socket.timeout:
            return buf, b"", False
    i = buf.index(b"\r\n\r\n") + 4
    head = buf[:i]
    n = 0
    for k, v in fields(head):
        if k == b"content-length":
            n = int(v)
    if b" 101 " in head.split(b"\r\n")[0]:
        n = 0
    while len(buf) < i + n:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            d = s.recv(65536)
        except socket.timeout:
            break
        if not d:
            return buf, b"", True
        buf += d
    return buf[:i + n], buf[i + n:], False


def cmd_steps(port, secs, *datas):
    secs = float(secs)
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=secs)
    out = b""
    rest = b""
    eof = False
    for data in datas:
        s.sendall(unescape(data))
        resp, rest, eof = read_response(s, rest, secs)
        out += resp
        if eof:
            break
    end = time.monotonic() + (0.3 if not eof else 0)
    out += rest
    while not eof and time.monotonic() < end:
        s.settimeout(max(end - time.monotonic(), 0.01))
        try:
            d = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not d:
            eof = True
            break
        out += d
    sys.stdout.buffer.write(out + b"\neof=%d\n" % eof)


def cmd_many(port, n, data):
    data = unescape(data)
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    rest = b""
    for _ in range(int(n)):
        s.sendall(data)
        resp, rest, eof = read_response(s, rest, 30)
        print(resp.split(b"\r\n")[0].decode("latin-1"))
        if eof:
            break


def cmd_trickle(port, data, size, gap_ms):
    if data.startswith("@"):
        with open(data[1:], "rb") as f:
            data = f.read()
    else:
        data = unescape(data)
    size = int(size)
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(0, len(data), size):
        s.sendall(data[i:i + size])
        time.sleep(int(gap_ms) / 1000.0)
    resp, _, _ = read_response(s, b"", 30)
    print(resp.split(b"\r\n")[0].decode("latin-1"))


def main(argv):
    cmds = {"serve": cmd_serve, "steps": cmd_steps, "many": cmd_many, "trickle": cmd_trickle}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
