"""Read the bytes of every TCP SYN in a pcap and say whether p0f 3.09b's two
documented bugs (docs/p0f.md, "Deviations from p0f 3.09b") apply to it.

usage: syn_bytes.py FILE.pcap

One line per SYN (SYN set; ACK, RST and FIN clear: the segments p0f logs as
mod=syn), tab separated:

    SPORT  ACK_BUG  OPT_BUG  ACK_NUMBER  OPTIONS_HEX

ACK_BUG is 1 when the ACK flag is clear, the acknowledgment number is not zero
and its bit 24 is clear: p0f tests only that bit, so it prints no ack+ where
the rule asks for one.  OPT_BUG is 1 when the option walk reaches an EOL and,
of the bytes after it, only the very last one is non-zero: p0f's scan misses
that byte, so it prints no opt+.

This reader is the test's own, written apart from the code under test (Python,
not the C of p0f/ and bpf/), so that a test can show from the frame itself why
huginn's signature may differ from p0f's for that one SYN.  Link types: Ethernet
(1), raw IP (101, 12), Linux cooked v1 (113) and v2 (276); classic pcap in
either byte order, microsecond or nanosecond stamps.
"""
import struct
import sys

# The option walk of p0f stops after this many options (MAX_TCP_OPT in p0f).
MAX_OPT = 24


def ip_of(linktype, frame):
    """The IP packet inside a link-layer frame, or None."""
    if linktype == 1:
        if len(frame) < 14:
            return None
        et = struct.unpack("!H", frame[12:14])[0]
        return frame[14:] if et in (0x0800, 0x86DD) else None
    if linktype in (101, 12):
        return frame
    if linktype == 113:
        if len(frame) < 16:
            return None
        et = struct.unpack("!H", frame[14:16])[0]
        return frame[16:] if et in (0x0800, 0x86DD) else None
    if linktype == 276:
        if len(frame) < 20:
            return None
        et = struct.unpack("!H", frame[0:2])[0]
        return frame[20:] if et in (0x0800, 0x86DD) else None
    return None


def tcp_of(ip):
    """The TCP header and what follows, or None (p0f skips IPv6 extension headers)."""
    if len(ip) < 1:
        return None
    ver = ip[0] >> 4
    if ver == 4 and len(ip) >= 20:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6 or ihl < 20:
            return None
        return ip[ihl:]
    if ver == 6 and len(ip) >= 40:
        if ip[6] != 6:
            return None
        return ip[40:]
    return None


def opt_bug(opts):
    """Whether the options end in EOL padding whose only non-zero byte is the last."""
    i = 0
    cnt = 0
    while i < len(opts) and cnt < MAX_OPT:
        kind = opts[i]
        i += 1
        cnt += 1
        if kind == 0:
            rest = opts[i:]
            return len(rest) > 0 and rest[-1] != 0 and not any(rest[:-1])
        if kind == 1:
            continue
        if i >= len(opts):
            return False
        ln = opts[i]
        if ln < 2 or i - 1 + ln > len(opts):
            return False
        i = i - 1 + ln
    return False


def main():
    with open(sys.argv[1], "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        sys.exit("%s: not a classic pcap file" % sys.argv[1])
    linktype = struct.unpack(end + "I", data[20:24])[0] & 0x0FFFFFFF
    off = 24
    while off + 16 <= len(data):
        caplen = struct.unpack(end + "I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        ip = ip_of(linktype, frame)
        tcp = tcp_of(ip) if ip is not None else None
        if tcp is None or len(tcp) < 20:
            continue
        flags = tcp[13]
        # SYN without ACK, RST, FIN: what p0f logs as mod=syn.
        if flags & 0x17 != 0x02:
            continue
        sport = struct.unpack("!H", tcp[0:2])[0]
        ack = struct.unpack("!I", tcp[8:12])[0]
        doff = (tcp[12] >> 4) * 4
        opts = tcp[20:doff] if doff > 20 else b""
        ack_bug = ack != 0 and not (ack >> 24) & 1
        print("%d\t%d\t%d\t%d\t%s" % (sport, ack_bug, opt_bug(opts), ack, opts.hex() or "-"))


main()
