#!/usr/bin/env python3
"""pt_pp.py - test tool for t_pt_pp_in.sh: a balancer that speaks PROXY protocol v2 (or
v1) before a TLS ClientHello, and a backend that decodes the v2 header it receives.  Both
sides are written from the PROXY protocol specification (haproxy's proxy-protocol.txt,
section 2.2), independently of huginn's pp/ code.

    pt_pp.py hello FILE SNI
        Write Python ssl's ClientHello (SNI as given, ALPN h2 and http/1.1) to FILE.
    pt_pp.py send HOST PORT BIND HELLO [v2 SRC SPORT DST DPORT [TYPE=VALUE]...]
    pt_pp.py send HOST PORT BIND HELLO v1 SRC SPORT DST DPORT
        Connect from address BIND, send the header (none without "v1"/"v2"), then the
        bytes of file HELLO, read until the end of stream (5 s at most) and print
        "got N" (N bytes back; 0 when the connection was closed without an answer).
        TYPE is hex (e0, e1, e2); VALUE text.
    pt_pp.py backend HOST PORT LOG
        For each connection: decode a v2 header if one starts it, read the TLS record that
        follows, answer "ok\\n", close.  Appends one line per connection to LOG:
        "src=IP:PORT dst=IP:PORT t02=.. te0=.. te1=.. te2=.. te3=.. rec=HEX10 n=N"
        (a TLV absent: "-"), or "nopp rec=HEX10 n=N".  Prints "ready" once listening.
Every read is bounded in size and time.
"""
import ipaddress
import socket
import ssl
import struct
import sys
import threading

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def hello(path, sni):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    open(path, "wb").write(out.read())


def v2_header(src, sport, dst, dport, tlvs):
    a, b = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    if a.version == 4:
        fam, addrs = 0x11, a.packed + b.packed + struct.pack("!HH", sport, dport)
    else:
        fam, addrs = 0x21, a.packed + b.packed + struct.pack("!HH", sport, dport)
    body = addrs
    for t, v in tlvs:
        body += struct.pack("!BH", t, len(v)) + v
    return SIG + bytes([0x21, fam]) + struct.pack("!H", len(body)) + body


def send(args):
    host, port, bind, hfile = args[0], int(args[1]), args[2], args[3]
    hdr = b""
    if len(args) > 4:
        kind, src, sport, dst, dport = args[4], args[5], int(args[6]), args[7], int(args[8])
        if kind == "v1":
            fam = "TCP4" if ipaddress.ip_address(src).version == 4 else "TCP6"
            hdr = ("PROXY %s %s %s %d %d\r\n" % (fam, src, dst, sport, dport)).encode()
        else:
            tlvs = []
            for kv in args[9:]:
                k, v = kv.split("=", 1)
                tlvs.append((int(k, 16), v.encode()))
            hdr = v2_header(src, sport, dst, dport, tlvs)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((bind, 0))
    s.connect((host, port))
    got = 0
    try:
        s.sendall(hdr + open(hfile, "rb").read())
        while got < 1 << 20:
            d = s.recv(65536)
            if not d:
                break
            got += len(d)
    except OSError:
        pass
    s.close()
    print("got %d" % got)


def recv_exact(c, n):
    buf = b""
    while len(buf) < n:
        d = c.recv(n - len(buf))
        if not d:
            raise EOFError
        buf += d
    return buf


def addr(fam, raw):
    if fam == 0x11:
        return (str(ipaddress.ip_address(raw[0:4])), str(ipaddress.ip_address(raw[4:8])),
                struct.unpack("!HH", raw[8:12]), 12)
    return (str(ipaddress.ip_address(raw[0:16])), str(ipaddress.ip_address(raw[16:32])),
            struct.unpack("!HH", raw[32:36]), 36)


def one(c, log, lock):
    c.settimeout(5)
    line = "nopp"
    try:
        first = recv_exact(c, 16 if c.recv(1, socket.MSG_PEEK) == b"\r" else 5)
        if first[:12] == SIG:
            ver, fam = first[12], first[13]
            (ln,) = struct.unpack("!H", first[14:16])
            body = recv_exact(c, ln)
            if ver != 0x21 or fam not in (0x11, 0x21):
                line = "pp-bad ver=%02x fam=%02x" % (ver, fam)
            else:
                s, d, (sp, dp), off = addr(fam, body)
                tl = {}
                while off + 3 <= len(body):
                    t, n = body[off], struct.unpack("!H", body[off + 1:off + 3])[0]
                    tl[t] = body[off + 3:off + 3 + n].decode("latin-1")
                    off += 3 + n
                line = "src=%s:%d dst=%s:%d" % (s, sp, d, dp)
                for t in (0x02, 0xE0, 0xE1, 0xE2, 0xE3):
                    line += " t%02x=%s" % (t, tl.get(t, "-").replace(" ", "_"))
            rec = recv_exact(c, 5)
        else:
            rec = first
        n = struct.unpack("!H", rec[3:5])[0]
        recv_exact(c, n)
        line += " rec=%s n=%d" % (rec.hex(), n)
        c.sendall(b"ok\n")
    except (OSError, EOFError) as e:
        line += " error=%s" % type(e).__name__
    c.close()
    with lock:
        with open(log, "a") as f:
            f.write(line + "\n")


def backend(host, port, log):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    srv = socket.socket(fam, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
    lock = threading.Lock()
    print("ready", flush=True)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=one, args=(c, log, lock), daemon=True).start()


if __name__ == "__main__":
    if sys.argv[1] == "hello":
        hello(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "send":
        send(sys.argv[2:])
    else:
        backend(sys.argv[2], int(sys.argv[3]), sys.argv[4])
