#!/usr/bin/python3
"""hello_pcaps.py - craft captures that exercise TCP reassembly and link types around one
real ClientHello (for test/e2e/t_ja4_tshark.sh).

usage: hello_pcaps.py IN.pcap OUTDIR

IN.pcap holds one TLS connection captured on loopback (Ethernet link type, as tcpdump
writes lo).  The client's first TLS records (the ClientHello) are taken from it and
re-sent in new captures, written to OUTDIR/NAME.pcap, one line per file on stdout:

    NAME<TAB>T        T = 1 when tshark should read the file and compute JA4 itself,
                      0 when only the unsplit original's value can be compared
                      (proxy preambles: tshark does not look for TLS after them).

The JA4 of every file must equal the original's: segments, records and link headers
change, the ClientHello's fields do not.  Scapy builds the IP/TCP headers (checksums);
the link headers and the pcap files are written here from the formats'
specifications (tcpdump.org/linktypes.html, pcap-savefile(5)).
"""
import random
import struct
import sys

from scapy.all import IP, IPv6, TCP, Raw, rdpcap  # noqa: E402

CLI4, SRV4 = "127.0.0.1", "127.0.0.1"
CLI6, SRV6 = "::1", "::1"


def client_hello_records(pkts):
    """The client's stream bytes holding the first ClientHello (whole records)."""
    syn = [p for p in pkts if TCP in p and p[TCP].flags & 0x12 == 0x02][0]
    cport, sport = syn[TCP].sport, syn[TCP].dport
    isn = syn[TCP].seq
    data = {}
    for p in pkts:
        if TCP in p and p[TCP].sport == cport and Raw in p:
            data[(p[TCP].seq - isn - 1) % 2**32] = bytes(p[Raw].load)
    stream = b""
    for off in sorted(data):
        if off == len(stream):
            stream += data[off]
    # Records until the handshake message (type 1) is complete.
    hs, off = b"", 0
    while True:
        assert stream[off] == 22, "not a handshake record"
        rlen = struct.unpack(">H", stream[off + 3:off + 5])[0]
        hs += stream[off + 5:off + 5 + rlen]
        off += 5 + rlen
        if len(hs) >= 4 and len(hs) >= 4 + int.from_bytes(hs[1:4], "big"):
            return stream[:off], hs, sport


def records(hs, cuts, version=b"\x03\x01"):
    """The handshake bytes hs in TLS records cut at the given offsets."""
    out, prev = b"", 0
    for c in list(cuts) + [len(hs)]:
        out += bytes([22]) + version + struct.pack(">H", c - prev) + hs[prev:c]
        prev = c
    return out


class Conn:
    """Packets of one connection, as bytes starting at the IP header."""

    def __init__(self, v6=False, isn=1000, sisn=50000, cport=40000, sport=443):
        self.v6, self.isn, self.sisn = v6, isn, sisn
        self.cport, self.sport = cport, sport
        self.pkts = []

    def ip(self, to_server):
        if self.v6:
            return IPv6(src=CLI6, dst=SRV6)
        return IP(src=CLI4, dst=SRV4) if to_server else IP(src=SRV4, dst=CLI4)

    def seg(self, to_server, seq, ack, flags, data=b""):
        sp, dp = (self.cport, self.sport) if to_server else (self.sport, self.cport)
        p = self.ip(to_server) / TCP(sport=sp, dport=dp, seq=seq % 2**32, ack=ack % 2**32,
                                     flags=flags, window=65535)
        if data:
            p = p / Raw(data)
        self.pkts.append(bytes(p))

    def handshake(self):
        self.seg(True, self.isn, 0, "S")
        self.seg(False, self.sisn, self.isn + 1, "SA")
        self.seg(True, self.isn + 1, self.sisn + 1, "A")

    def data(self, off, chunk):
        self.seg(True, self.isn + 1 + off, self.sisn + 1, "PA", chunk)

    def stream(self, b, pieces):
        """Send b as the given (offset, length) pieces, in that order."""
        for off, n in pieces:
            self.data(off, b[off:off + n])


def in_order(n, size):
    return [(o, min(size, n - o)) for o in range(0, n, size)]


# ---- link layers --------------------------------------------------------------------
def eth(ip, vlans=()):
    # MAC addresses (zero, as on lo), then each tag (TPID, TCI), then the ethertype.
    et = b"\x86\xdd" if ip[0] >> 4 == 6 else b"\x08\x00"
    tags = b"".join(struct.pack(">HH", tpid, vid) for tpid, vid in vlans)
    return b"\x00" * 12 + tags + et + ip


def sll(ip):
    # packet type 0 (to us), ARPHRD_LOOPBACK 772, address length 6, address, protocol
    et = 0x86dd if ip[0] >> 4 == 6 else 0x0800
    return struct.pack(">HHH8sH", 0, 772, 6, b"\x00" * 8, et) + ip


def sll2(ip):
    # protocol, reserved, ifindex, ARPHRD, packet type, address length, address
    et = 0x86dd if ip[0] >> 4 == 6 else 0x0800
    return struct.pack(">HHIHBB8s", et, 0, 1, 772, 0, 6, b"\x00" * 8) + ip


def null(ip, order, af6=24):
    af = af6 if ip[0] >> 4 == 6 else 2
    return struct.pack(order + "I", af) + ip


def write_pcap(path, linktype, frames, big=False):
    e = ">" if big else "<"
    with open(path, "wb") as f:
        f.write(struct.pack(e + "IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, linktype))
        for i, fr in enumerate(frames):
            f.write(struct.pack(e + "IIII", 1700000000 + i, 0, len(fr), len(fr)))
            f.write(fr)


def main():
    pkts = rdpcap(sys.argv[1])
    out = sys.argv[2]
    orig, hs, _ = client_hello_records(pkts)
    n = len(orig)
    made = []

    def emit(name, conn, link=eth, linktype=1, tshark=1, big=False):
        write_pcap(f"{out}/{name}.pcap", linktype, [link(p) for p in conn.pkts], big)
        made.append((name, tshark))

    # Out of order, retransmitted and overlapping segments after a handshake.
    c = Conn()
    c.handshake()
    pieces = in_order(n, 60)
    rnd = random.Random(7)
    rnd.shuffle(pieces)
    more = []
    for i, (o, ln) in enumerate(pieces):
        more.append((o, ln))
        if i % 3 == 0:
            more.append((o, ln))  # retransmission
    c.stream(orig, more)
    emit("split_ooo_dup", c)

    # Overlapping segments: 100-byte segments every 70 bytes, then every 40 backwards.
    c = Conn(cport=40001)
    c.handshake()
    c.stream(orig, [(o, min(100, n - o)) for o in range(0, n, 70)][::-1])
    emit("overlap", c)

    # One segment of everything but its first byte, then the byte (a hole at 0).
    c = Conn(cport=40002)
    c.handshake()
    c.stream(orig, [(1, n - 1), (0, 1)])
    emit("hole_first_byte", c)

    # The hello in three records, the record headers split across segments.
    third = len(hs) // 3
    recs = records(hs, [third, 2 * third])
    c = Conn(cport=40003)
    c.handshake()
    c.stream(recs, in_order(len(recs), third + 2))
    emit("records3", c)

    # Sequence numbers wrapping inside the hello.
    c = Conn(isn=2**32 - 200, cport=40004)
    c.handshake()
    c.stream(orig, in_order(n, 150))
    emit("seq_wrap", c)

    # The capture starts after the handshake (no SYN), hello in three segments.
    c = Conn(cport=40005)
    c.stream(orig, in_order(n, (n + 2) // 3))
    emit("midstream", c)

    # Proxy preambles in front of the hello (compared with the original only).
    for name, pre in (
            ("connect", b"CONNECT huginn.test:443 HTTP/1.1\r\nHost: huginn.test:443\r\n"
                        b"\r\n"),
            ("socks5", b"\x05\x01\x00" + b"\x05\x01\x00\x03\x0bhuginn.test\x01\xbb"),
            ("socks4a", b"\x04\x01\x01\xbb\x00\x00\x00\x01user\x00huginn.test\x00")):
        c = Conn(cport=40006)
        c.handshake()
        b = pre + orig
        # The preamble's end and the hello's start share a segment.
        c.stream(b, [(0, len(pre) - 3), (len(pre) - 3, 40), (len(pre) + 37, n - 37)])
        emit(name, c, tshark=0)

    # Link types and file variants: the same in-order connection.
    base = Conn(cport=40010)
    base.handshake()
    base.stream(orig, in_order(n, 200))
    emit("vlan", base, link=lambda p: eth(p, [(0x8100, 42)]))
    emit("qinq", base, link=lambda p: eth(p, [(0x88a8, 7), (0x8100, 42)]))
    emit("sll", base, link=sll, linktype=113)
    emit("sll2", base, link=sll2, linktype=276)
    emit("raw101", base, link=lambda p: p, linktype=101)
    emit("raw12", base, link=lambda p: p, linktype=12)
    emit("raw14", base, link=lambda p: p, linktype=14)
    emit("null_le", base, link=lambda p: null(p, "<"), linktype=0)
    emit("null_be", base, link=lambda p: null(p, ">"), linktype=0)
    emit("loop", base, link=lambda p: null(p, ">"), linktype=108)
    emit("eth_be", base, big=True)
    c6 = Conn(v6=True, cport=40011)
    c6.handshake()
    c6.stream(orig, in_order(n, 200))
    emit("ipv6", c6)
    emit("ipv6_null_le", c6, link=lambda p: null(p, "<", 28), linktype=0)
    emit("ipv6_loop", c6, link=lambda p: null(p, ">", 24), linktype=108)
    for name, t in made:
        print(f"{name}\t{t}")


if __name__ == "__main__":
    main()
