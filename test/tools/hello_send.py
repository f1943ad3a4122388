"""Send one TLS ClientHello to a local TLS server, for test/tools/capture_hellos.sh.

usage: hello_send.py PORT KIND

KIND is one of:
  split     Python ssl's own ClientHello (SNI split.huginn.test, ALPN h2), cut into
            three TLS records, each record sent as TCP segments of at most 61 bytes
  grease    hand-built, the JA4 spec example hello with GREASE (RFC 8701) in ciphers,
            extensions, supported_groups, supported_versions and key_share (not in
            signature_algorithms: tshark 4.4 keeps GREASE there, see docs/ja4.md)
  ssl3      hand-built, legacy_version 0x0300, no extensions at all
  tls10     hand-built, legacy_version 0x0301, SNI and ec_point_formats only
  many      hand-built, 150 cipher suites (JA4 caps the count at 99)
  alpnhex   hand-built, first ALPN value 0x01 'h' 0xff (non-alphanumeric ends)
  alpn1     hand-built, first ALPN value "x" (one character)
  noext13   hand-built, TLS 1.3 supported_versions only, no SNI, no ALPN

The hand-built hellos are well-formed (RFC 8446 4.1.2 / RFC 5246 7.4.1.2); the server
rejects most of them, which does not matter: only the client's first flight is used.
"""
import socket
import ssl
import struct
import sys
import time

PORT = int(sys.argv[1])
KIND = sys.argv[2]


def u16(v):
    return struct.pack("!H", v)


def vec8(b):
    return bytes([len(b)]) + b


def vec16(b):
    return u16(len(b)) + b


def ext(t, data):
    return u16(t) + vec16(data)


def sni(name):
    return ext(0x0000, vec16(b"\x00" + vec16(name)))


def alpn(*protos):
    return ext(0x0010, vec16(b"".join(vec8(p) for p in protos)))


def u16list(vals):
    return b"".join(u16(v) for v in vals)


def hello(version, ciphers, exts, session_id=b""):
    body = u16(version) + bytes(range(32)) + vec8(session_id)
    body += vec16(u16list(ciphers)) + vec8(b"\x00")
    if exts is not None:
        body += vec16(b"".join(exts))
    msg = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return msg


def records(msg, rec_version=0x0301, cut=16384):
    out = b""
    for i in range(0, len(msg), cut):
        frag = msg[i : i + cut]
        out += b"\x16" + u16(rec_version) + vec16(frag)
    return out


SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]


def build(kind):
    if kind == "grease":
        ciphers = [0x3A3A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9,
                   0xCCA8, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
        # The extension and cipher order of the example in FoxIO's technical_details/JA4.md,
        # with GREASE values added: JA4 must come out as the spec's example.
        exts = [
            ext(0x8A8A, b""),
            ext(0x001B, vec8(b"\x00\x02")),
            sni(b"grease.huginn.test"),
            ext(0x0033, vec16(u16(0x2A2A) + vec16(b"\x00") + u16(0x001D) + vec16(bytes(32)))),
            alpn(b"h2", b"http/1.1"),
            ext(0x4469, vec16(vec8(b"h2"))),
            ext(0x0017, b""),
            ext(0x002D, vec8(b"\x01")),
            ext(0x000D, vec16(u16list(SIGALGS))),
            ext(0x0005, b"\x01\x00\x00\x00\x00"),
            ext(0x0023, b""),
            ext(0x0012, b""),
            ext(0x002B, vec8(u16list([0x7A7A, 0x0304, 0x0303]))),
            ext(0xFF01, b"\x00"),
            ext(0x000B, vec8(b"\x00")),
            ext(0x000A, vec16(u16list([0x2A2A, 0x001D, 0x0017, 0x0018]))),
            ext(0x9A9A, b"\x00"),
            ext(0x0015, bytes(40)),
        ]
        return hello(0x0303, ciphers, exts, bytes(32))
    if kind == "ssl3":
        return hello(0x0300, [0x000A, 0x002F, 0x0035, 0x0005, 0x00FF], None)
    if kind == "tls10":
        return hello(0x0301, [0xC014, 0xC013, 0x0035, 0x002F, 0x000A, 0x5600],
                     [sni(b"old.huginn.test"), ext(0x000B, vec8(b"\x00"))])
    if kind == "many":
        ciphers = [0xC000 + i for i in range(149)] + [0x1301]
        exts = [sni(b"many.huginn.test"), alpn(b"http/1.1"),
                ext(0x000D, vec16(u16list(SIGALGS))),
                ext(0x002B, vec8(u16list([0x0304]))),
                ext(0x0033, vec16(u16(0x001D) + vec16(bytes(32))))]
        return hello(0x0303, ciphers, exts)
    if kind == "alpnhex":
        exts = [sni(b"alpn.huginn.test"), alpn(b"\x01h\xff", b"h2"),
                ext(0x000D, vec16(u16list(SIGALGS[:2])))]
        return hello(0x0303, [0xC02F, 0xC030], exts)
    if kind == "alpn1":
        exts = [alpn(b"x"), ext(0x000D, vec16(u16list(SIGALGS[:2])))]
        return hello(0x0303, [0xC02F], exts)
    if kind == "noext13":
        exts = [ext(0x002B, vec8(u16list([0x0304])))]
        return hello(0x0303, [0x1301, 0x1302], exts)
    raise SystemExit("unknown kind " + kind)


def python_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="split.huginn.test")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    first = out.read()
    # Python wrote one record: keep its handshake message, re-cut it into three records.
    msg = first[5:]
    cut = (len(msg) + 2) // 3
    return records(msg, rec_version=int.from_bytes(first[1:3], "big"), cut=cut)


s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
if KIND == "split":
    wire = python_hello()
    for i in range(0, len(wire), 61):
        s.sendall(wire[i : i + 61])
        time.sleep(0.02)  # one write per segment: NODELAY alone may still coalesce
else:
    s.sendall(records(build(KIND)))
s.shutdown(socket.SHUT_WR)
try:
    while s.recv(4096):
        pass
except OSError:
    pass
s.close()
