#!/usr/bin/env python3
"""pt_peer.py - test tool for the passthrough tests: both ends of a plain TCP exchange.

    pt_peer.py serve HOST PORT LOG
        A TCP server (proxy_protocol "none" behind huginn).  Per connection it reads the
        first line and then:
          "echo\\n"     echoes every byte (the line included) until the client's end of
                       stream, then sends "bye N\\n" (N = bytes received) and closes:
                       the client half-closed and still receives the rest;
          "srvfirst\\n" sends "srv-done\\n", shuts its own side (SHUT_WR), reads until the
                       client's end of stream and logs "srvfirst N" (bytes after the line):
                       the backend half-closed and still receives the client's bytes.
        Appends one line per connection to LOG.  Prints "ready" once listening.
    pt_peer.py echo HOST PORT NBYTES [PAUSE_S SIGNAL_FILE]
        Sends "echo\\n" and NBYTES more, optionally pausing PAUSE_S seconds halfway after
        creating SIGNAL_FILE (a reload happens then), shuts its write side, reads to the
        end and prints "sent S got G tail T" (T = the last line).
    pt_peer.py srvfirst HOST PORT NBYTES
        Sends "srvfirst\\n", reads "srv-done\\n" and the end of stream, then sends NBYTES
        more (the tunnel must still carry them), shuts, prints "got LINE".
    pt_peer.py raw HOST PORT HEX [WAIT_S]
        Sends the bytes HEX, waits up to WAIT_S (10) seconds for the end of stream and
        prints "closed after S s, got N bytes" (or "open" if it did not end).
Every read and wait is bounded.
"""
import socket
import sys
import threading
import time


def conn(host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect((host, port))
    return s


def read_all(s, limit=1 << 24):
    d = b""
    while len(d) < limit:
        x = s.recv(65536)
        if not x:
            break
        d += x
    return d


def serve(host, port, log):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    print("ready", flush=True)
    lock = threading.Lock()

    def one(c):
        c.settimeout(30)
        try:
            first = b""
            while not first.endswith(b"\n") and len(first) < 64:
                x = c.recv(1)
                if not x:
                    break
                first += x
            if first == b"echo\n":
                n = len(first)
                c.sendall(first)
                while True:
                    x = c.recv(65536)
                    if not x:
                        break
                    n += len(x)
                    c.sendall(x)
                c.sendall(b"bye %d\n" % n)
                what = "echo %d" % n
            elif first == b"srvfirst\n":
                c.sendall(b"srv-done\n")
                c.shutdown(socket.SHUT_WR)
                n = len(read_all(c))
                what = "srvfirst %d" % n
            else:
                what = "other %r" % first[:40]
            with lock:
                with open(log, "a") as f:
                    f.write(what + "\n")
        except OSError as e:
            with lock:
                with open(log, "a") as f:
                    f.write("error %s\n" % e)
        finally:
            c.close()

    while True:
        c, _ = srv.accept()
        threading.Thread(target=one, args=(c,), daemon=True).start()


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "serve":
        serve(host, port, sys.argv[4])
    elif mode == "echo":
        n = int(sys.argv[4])
        payload = bytes((i * 7) & 0xFF for i in range(n))
        s = conn(host, port)
        s.sendall(b"echo\n" + payload[: n // 2])
        got = b""
        if len(sys.argv) > 6:
            open(sys.argv[6], "w").close()
            end = time.time() + float(sys.argv[5])
            s.settimeout(0.2)
            while time.time() < end:
                try:
                    got += s.recv(65536)
                except socket.timeout:
                    pass
            s.settimeout(10)
        s.sendall(payload[n // 2:])
        s.shutdown(socket.SHUT_WR)
        got += read_all(s)
        body = got[: 5 + n]
        ok = body == b"echo\n" + payload
        tail = got[5 + n:].decode(errors="replace").strip()
        print("sent %d got %d tail %s%s" % (5 + n, len(got), tail, "" if ok else " MISMATCH"))
    elif mode == "srvfirst":
        n = int(sys.argv[4])
        s = conn(host, port)
        s.sendall(b"srvfirst\n")
        got = read_all(s)
        s.sendall(b"x" * n)
        s.shutdown(socket.SHUT_WR)
        print("got %s" % got.decode(errors="replace").strip())
    elif mode == "raw":
        data = bytes.fromhex(sys.argv[4])
        wait = float(sys.argv[5]) if len(sys.argv) > 5 else 10
        s = conn(host, port)
        t0 = time.time()
        s.sendall(data)
        s.settimeout(wait)
        got = b""
        try:
            while True:
                x = s.recv(65536)
                if not x:
                    print("closed after %.1f s, got %d bytes" % (time.time() - t0, len(got)))
                    return
                got += x
        except socket.timeout:
            print("open")
        except ConnectionResetError:
            print("closed after %.1f s, got %d bytes" % (time.time() - t0, len(got)))


main()
