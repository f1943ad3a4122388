#!/usr/bin/python3
"""Crafted client SYNs of today's stacks, for the built-in signature database test.

usage: craft_syns.py OUT.pcap OUT.names

Writes one Ethernet frame per case to OUT.pcap (source port 31000 + index) and
"sport<TAB>case" lines to OUT.names.  The expected label of each case is NOT
here: it is in test/data/p0f/crafted.expect, written from the same sources.

Every field below comes from a published layout (the tags are those of the
source table in p0f/huginn.fp): TTL, window, window scale, MSS, option order,
DF, IP ID, ECN flags and timestamps.  Windows are literal numbers: for Linux
>= 4.20 they are floor(65536 / MSS) * MSS (linux-a337531b942b), for Linux
6.6-6.9 before the fix floor(33280 / MSS) * MSS (linux-dfa2f0483360), for
Windows 10/11 floor(65535 / MSS) * MSS as captured (huginn-net-db).
"""
import sys

from scapy.all import IP, IPv6, TCP, Ether, wrpcap  # noqa: E402

SRC4, DST4 = "192.0.2.10", "198.51.100.1"  # RFC 5737 documentation ranges
SRC6, DST6 = "2001:db8::10", "2001:db8::1"  # RFC 3849
DPORT = 443
MAC_CLI, MAC_SRV = "02:00:00:00:00:02", "02:00:00:00:00:01"  # locally administered
TSVAL = 1234567  # any non-zero own timestamp; the echo is 0 on a SYN


def linux(mss, win, ws=7):
    # tcp_options_write(): MSS, SACK permitted, timestamps, NOP, window scale
    return [("MSS", mss), ("SAckOK", b""), ("Timestamp", (TSVAL, 0)), ("NOP", None),
            ("WScale", ws)], win


def windows(mss, win, ws=8):
    # p0f-3.09b / muno459-2026: MSS, NOP, WS, NOP, NOP, SACK permitted; no timestamps
    return [("MSS", mss), ("NOP", None), ("WScale", ws), ("NOP", None), ("NOP", None),
            ("SAckOK", b"")], win


def darwin(mss, ws=6):
    # muno459-2026: MSS, NOP, WS, NOP, NOP, TS, SACK permitted, EOL (+1 pad byte)
    return [("MSS", mss), ("NOP", None), ("WScale", ws), ("NOP", None), ("NOP", None),
            ("Timestamp", (TSVAL, 0)), ("SAckOK", b""), ("EOL", None)], 65535


def freebsd(mss):
    # freebsd-src tcp_addoptions(): MSS, NOP+WS, SACK permitted, TS; 65535, scale 6
    return [("MSS", mss), ("NOP", None), ("WScale", 6), ("SAckOK", b""),
            ("Timestamp", (TSVAL, 0))], 65535


def openbsd(mss):
    # openbsd-src: MSS, NOP, NOP, SACK permitted, NOP, WS, NOP, NOP, TS; 16384, scale 6
    return [("MSS", mss), ("NOP", None), ("NOP", None), ("SAckOK", b""), ("NOP", None),
            ("WScale", 6), ("NOP", None), ("NOP", None), ("Timestamp", (TSVAL, 0))], 16384


# name, IP version, TTL, (options, window), DF, IP ID, ECN (SYN+ECE+CWR)
CASES = [
    ("linux420-v4-mss1460", 4, 64, linux(1460, 64240), True, 0x1c2d, False),
    ("linux420-v4-mss1452-pppoe", 4, 64, linux(1452, 65340), True, 0x1c2e, False),
    ("linux420-v4-mss1440", 4, 64, linux(1440, 64800), True, 0x1c2f, False),
    ("linux420-v4-mss1400", 4, 64, linux(1400, 64400), True, 0x1c30, False),
    ("linux420-v4-mss1380", 4, 64, linux(1380, 64860), True, 0x1c31, False),
    ("linux420-v4-mss1360", 4, 64, linux(1360, 65280), True, 0x1c32, False),
    ("linux420-v4-mss1220", 4, 64, linux(1220, 64660), True, 0x1c33, False),
    ("linux420-v4-mss1460-ws10", 4, 64, linux(1460, 64240, 10), True, 0x1c34, False),
    ("linux420-v4-mss1460-ttl57", 4, 57, linux(1460, 64240), True, 0x1c35, False),
    # MSS rewritten in flight (PPPoE router clamp): the window still comes from 1460
    ("linux420-v4-clamped1400", 4, 64, linux(1400, 64240), True, 0x1c36, False),
    # an MSS no listed link implies: 65536 // 1300 = 50 -> 65000
    ("linux420-v4-mss1300", 4, 64, linux(1300, 65000), True, 0x1c37, False),
    ("linux420-v6-mss1440", 6, 64, linux(1440, 64800), False, 0, False),
    ("linux420-v6-mss1400", 6, 64, linux(1400, 64400), False, 0, False),
    ("linux420-v6-mss1360", 6, 64, linux(1360, 65280), False, 0, False),
    ("linux420-v6-mss1220", 6, 64, linux(1220, 64660), False, 0, False),
    ("linux66-v4-mss1460", 4, 64, linux(1460, 32120), True, 0x2001, False),
    ("linux66-v4-mss1400", 4, 64, linux(1400, 32200), True, 0x2002, False),
    ("linux66-v6-mss1440", 6, 64, linux(1440, 33120), False, 0, False),
    ("linux3-v4-mss20", 4, 64, linux(1460, 29200), True, 0x3001, False),
    ("linux3-v4-mss10", 4, 64, linux(1460, 14600), True, 0x3002, False),
    ("chromeos-v4-mss1460", 4, 64, linux(1460, 64240), True, 0x4001, False),
    ("android16-pixel-mss44", 4, 64, linux(1460, 64240), True, 0x5001, False),
    ("android-65535-ws9", 4, 64, linux(1460, 65535, 9), True, 0x5002, False),
    ("android-65535-ws10-v6", 6, 64, linux(1440, 65535, 10), False, 0, False),
    ("win11-65535", 4, 128, windows(1460, 65535), True, 0x6001, False),
    ("win10-mss1460", 4, 128, windows(1460, 64240), True, 0x6002, False),
    ("win10-mss1440", 4, 128, windows(1440, 64800), True, 0x6003, False),
    ("win10-mss1380", 4, 128, windows(1380, 64860), True, 0x6004, False),
    ("win10-ecn", 4, 128, windows(1460, 64240), True, 0x6005, True),
    ("winserver2022-mss1460", 4, 120, windows(1460, 64240), True, 0x6006, False),
    ("win7-8192", 4, 128, windows(1460, 8192), True, 0x6007, False),
    ("macos-ecn", 4, 64, darwin(1460), True, 0, True),
    ("ios-ecn-mss1380", 4, 64, darwin(1380), True, 0, True),
    ("macos-noecn", 4, 64, darwin(1460), True, 0, False),
    ("ios-ws5-ecn", 4, 64, darwin(1460, 5), True, 0, True),
    ("freebsd14", 4, 64, freebsd(1460), True, 0, False),
    ("freebsd13-mss1440", 4, 64, freebsd(1440), True, 0, False),
    ("openbsd7", 4, 64, openbsd(1460), True, 0x7001, False),
    # p0f's nmap SYN scan shape: MSS only, window 1024, no DF: nothing of ours
    ("unknown-bare", 4, 64, ([("MSS", 1460)], 1024), False, 0x7777, False),
]


def frame(i, case):
    _name, ver, ttl, (opts, win), df, ipid, ecn = case
    flags = "SEC" if ecn else "S"
    tcp = TCP(sport=31000 + i, dport=DPORT, seq=0x10000000 + i, flags=flags, window=win,
              options=opts)
    if ver == 4:
        ip = IP(src=SRC4, dst=DST4, ttl=ttl, id=ipid, flags="DF" if df else 0)
        return Ether(src=MAC_CLI, dst=MAC_SRV, type=0x0800) / ip / tcp
    # Linux sets a flow label on SYNs by default (net.ipv6.auto_flowlabels)
    return Ether(src=MAC_CLI, dst=MAC_SRV, type=0x86DD) / IPv6(src=SRC6, dst=DST6, hlim=ttl, fl=0x5a5a5) / tcp


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: craft_syns.py OUT.pcap OUT.names")
    frames = [frame(i, c) for i, c in enumerate(CASES)]
    wrpcap(sys.argv[1], frames)
    with open(sys.argv[2], "w") as f:
        for i, c in enumerate(CASES):
            f.write("%d\t%s\n" % (31000 + i, c[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
