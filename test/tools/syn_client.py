"""One TCP connect with a chosen TTL/hop limit and MSS, so the kernel sends a SYN.

usage: syn_client.py ADDR PORT TTL MSS   (TTL or MSS 0: the system default)
Nothing needs to listen: a refused connect still put the SYN on the wire.
"""
import socket
import sys

fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
ttl = int(sys.argv[3])
mss = int(sys.argv[4])
s = socket.socket(fam, socket.SOCK_STREAM)
if ttl:
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, ttl)
if mss:
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, mss)
s.settimeout(2)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
except ConnectionRefusedError:
    pass
except OSError as e:
    print("connect %s ttl %d mss %d: %s" % (sys.argv[1], ttl, mss, e), file=sys.stderr)
s.close()
