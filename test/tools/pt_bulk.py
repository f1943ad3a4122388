#!/usr/bin/env python3
"""pt_bulk.py - test tool for t_pt_relay.sh: a large random payload each way with a
half-close between them, and the SHA-256 of what each side sent and received.

    pt_bulk.py serve HOST PORT NBYTES SEED LOG
        Per connection: read to the client's end of stream (hashing what came), then send
        NBYTES random bytes (random.Random(SEED)) and close.  The client's direction is
        already shut when these bytes go: they cross a half-closed tunnel.  Appends
        "recv N SHA sent M SHA" to LOG.  Prints "ready" once listening.
    pt_bulk.py send HOST PORT NBYTES SEED
        Connect, send NBYTES random bytes (its own SEED), shut the write side, read to
        the end of stream; prints "sent N SHA recv M SHA".
Every socket has a 60 s timeout.
"""
import hashlib
import random
import socket
import sys

CHUNK = 1 << 16


def payload(n, seed):
    r = random.Random(seed)
    while n > 0:
        k = min(n, CHUNK)
        yield r.randbytes(k)
        n -= k


def drain(s):
    h, n = hashlib.sha256(), 0
    while True:
        d = s.recv(CHUNK)
        if not d:
            return n, h.hexdigest()
        n += len(d)
        h.update(d)


def push(s, nbytes, seed):
    h, n = hashlib.sha256(), 0
    for b in payload(nbytes, seed):
        s.sendall(b)
        h.update(b)
        n += len(b)
    return n, h.hexdigest()


def serve(host, port, nbytes, seed, log):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(16)
    print("ready", flush=True)
    while True:
        c, _ = srv.accept()
        c.settimeout(60)
        try:
            rn, rh = drain(c)
            sn, sh = push(c, nbytes, seed)
            line = "recv %d %s sent %d %s" % (rn, rh, sn, sh)
        except OSError as e:
            line = "error %s" % e
        c.close()
        with open(log, "a") as f:
            f.write(line + "\n")


def send(host, port, nbytes, seed):
    s = socket.create_connection((host, port), timeout=60)
    sn, sh = push(s, nbytes, seed)
    s.shutdown(socket.SHUT_WR)
    rn, rh = drain(s)
    s.close()
    print("sent %d %s recv %d %s" % (sn, sh, rn, rh))


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "serve":
        serve(a[2], int(a[3]), int(a[4]), int(a[5]), a[6])
    else:
        send(a[2], int(a[3]), int(a[4]), int(a[5]))
