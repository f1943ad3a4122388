#!/usr/bin/env python3
"""pp_capture.py - test tool: a TCP listener that saves what a PROXY-protocol sender
(haproxy send-proxy / send-proxy-v2) writes at the start of each connection.

    pp_capture.py HOST PORT DIR

For each connection it reads until the end of the HTTP request head that follows the
PROXY header (a v2 signature itself starts with CRLF CRLF, so it waits for "GET /NAME"
first), saves the raw bytes as DIR/NAME.bin, answers 200 and closes.  Prints "ready"
once listening.  Runs until killed; every read is bounded in size and time.
"""
import os
import re
import socket
import sys

host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((host, port))
srv.listen(16)
print("ready", flush=True)
while True:
    c, _ = srv.accept()
    c.settimeout(5)
    data = b""
    try:
        while len(data) < 70000:
            m = re.search(rb"GET /([A-Za-z0-9_.-]+) HTTP/1\.[01]\r\n", data)
            if m and b"\r\n\r\n" in data[m.end() - 2:]:
                break
            chunk = c.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    m = re.search(rb"GET /([A-Za-z0-9_.-]+) HTTP/1\.[01]\r\n", data)
    name = m.group(1).decode() if m else "unnamed"
    tmp = os.path.join(out, name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
    os.rename(tmp, os.path.join(out, name + ".bin"))
    try:
        c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n")
    except OSError:
        pass
    c.close()
