/*
 * sig.c - p0f v3 signature fields and raw_sig rendering for one SYN record.
 *
 * The rules are those of p0f 3.09b (facts, re-implemented): TTL distance
 * guess, quirk detection, the TCP option walk with its malformed-option
 * cases, and the order in which a window is tried as a multiple of MSS/MTU.
 * Matching against p0f.fp lives in match.c (the database in db.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "p0f/sig.h"

/* TCP option kinds p0f names; every other kind prints as ?K. */
enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_MSS = 2,
	OPT_WS = 3,
	OPT_SOK = 4,
	OPT_SACK = 5,
	OPT_TS = 8,
};

/* Header sizes without options: p0f's MIN_TCP4 / MIN_TCP6. */
#define MIN_TCP4 40
#define MIN_TCP6 60

static const char *const quirk_names[P0F_Q_COUNT] = {
    "df",    "id+",   "id-",	"ecn",	"0+",	"flow", "seq-", "ack+", "ack-",
    "uptr+", "urgf+", "pushf+", "ts1-", "ts2+", "opt+", "exws", "bad",
};

const char *p0f_sig_quirk_name(uint32_t bit)
{
	unsigned i;

	for (i = 0; i < P0F_Q_COUNT; i++)
		if (bit == 1u << i)
			return quirk_names[i];
	return NULL;
}

unsigned p0f_sig_guess_dist(unsigned ttl)
{
	/* The initial TTL is assumed to be the next of 32, 64, 128, 255. */
	if (ttl <= 32)
		return 32 - ttl;
	if (ttl <= 64)
		return 64 - ttl;
	if (ttl <= 128)
		return 128 - ttl;
	return 255 - ttl;
}

/*
 * The option walk.  Every kind is entered in the layout before its body is
 * checked; a body that runs past the header, or a SACK/unknown length out of
 * range, stops the walk with 'bad'.  A wrong length byte on MSS, WS, SACKOK
 * or TS is 'bad' too, but the walk goes on with the standard size.
 */
static void walk_options(const uint8_t *o, unsigned len, unsigned flags, struct p0f_sig *sig)
{
	unsigned i = 0, cnt = 0, k;
	int syn_only = (sig->tcp_flags & (HUGINN_TCP_SYN | HUGINN_TCP_ACK | HUGINN_TCP_FIN |
					  HUGINN_TCP_RST)) == HUGINN_TCP_SYN;

	while (i < len && cnt < P0F_SIG_MAX_OPT) {
		uint8_t kind = o[i++];

		sig->opt_layout[cnt++] = kind;
		switch (kind) {
		case OPT_EOL:
			sig->eol_pad = (uint8_t)(len - i);
			if (flags & P0F_SIG_P0F_BUGS) {
				/*
				 * p0f 3.09b scans with a post-increment and then asks
				 * whether it stopped short of the end, so a non-zero byte
				 * in the very last position goes unnoticed.
				 */
				while (i < len && !o[i++])
					;
				if (i != len)
					sig->quirks |= P0F_Q_OPT_NZ;
			} else {
				/* Intended rule: any non-zero byte after EOL is opt+. */
				for (k = i; k < len; k++)
					if (o[k])
						sig->quirks |= P0F_Q_OPT_NZ;
				/* Where the two rules disagree: only the last byte is set. */
				for (k = i; k + 1 < len && !o[k]; k++)
					;
				if (len > i && k == len - 1 && o[k])
					sig->dev |= P0F_SIG_DEV_OPT;
			}
			i = len;
			break;
		case OPT_NOP:
			break;
		case OPT_MSS:
			if (i + 3 > len)
				goto bad;
			if (o[i] != 4)
				sig->quirks |= P0F_Q_BAD;
			sig->mss = (uint16_t)(o[i + 1] << 8 | o[i + 2]);
			i += 3;
			break;
		case OPT_WS:
			if (i + 2 > len)
				goto bad;
			if (o[i] != 3)
				sig->quirks |= P0F_Q_BAD;
			sig->wscale = o[i + 1];
			if (sig->wscale > 14)
				sig->quirks |= P0F_Q_EXWS;
			i += 2;
			break;
		case OPT_SOK:
			if (i + 1 > len)
				goto bad;
			if (o[i] != 2)
				sig->quirks |= P0F_Q_BAD;
			i += 1;
			break;
		case OPT_SACK:
			/* Variable length, so a wrong length cannot be stepped over. */
			if (i >= len || o[i] < 10 || o[i] > 34 || i - 1 + o[i] > len)
				goto bad;
			i += o[i] - 1u;
			break;
		case OPT_TS:
			if (i + 9 > len)
				goto bad;
			if (o[i] != 10)
				sig->quirks |= P0F_Q_BAD;
			sig->ts1 = (uint32_t)o[i + 1] << 24 | (uint32_t)o[i + 2] << 16 |
				   (uint32_t)o[i + 3] << 8 | o[i + 4];
			if (!sig->ts1)
				sig->quirks |= P0F_Q_TS1_ZERO;
			/* The peer's echo is only meaningful once it has seen us. */
			if (syn_only && (o[i + 5] | o[i + 6] | o[i + 7] | o[i + 8]))
				sig->quirks |= P0F_Q_TS2_NZ;
			i += 9;
			break;
		default:
			/* Unknown kinds must carry a sane length to be skipped. */
			if (i >= len || o[i] < 2 || o[i] > 40 || i - 1 + o[i] > len)
				goto bad;
			i += o[i] - 1u;
			break;
		}
	}
	sig->opt_cnt = (uint8_t)cnt;
	/* Stopped by the option count limit with bytes left: also 'bad'. */
	if (i != len)
		sig->quirks |= P0F_Q_BAD;
	return;
bad:
	sig->opt_cnt = (uint8_t)cnt;
	sig->quirks |= P0F_Q_BAD;
}

/*
 * The candidate divisors in p0f's order; the first that divides the window
 * wins.  mss >= 100 keeps every divisor positive.
 */
int p0f_sig_win_multi(uint16_t win, int32_t mss, uint32_t ts1, unsigned tot_hdr, int ip_ver,
		      int *use_mtu)
{
	struct {
		int32_t div;
		uint8_t mtu;
		uint8_t use;
	} d[10];
	unsigned n = 0, i;
	int v6 = ip_ver == 6;

	*use_mtu = 0;
	if (!win || mss < 100)
		return -1;
#define DIV(v, m, u) (d[n].div = (v), d[n].mtu = (m), d[n].use = (u), n++)
	DIV(mss, 0, 1);
	/* Some stacks subtract the 12 bytes of a timestamp option. */
	DIV(mss - 12, 0, ts1 != 0);
	/* MSS of a 1500-byte Ethernet MTU on the wrong interface. */
	DIV(1500 - MIN_TCP4, 0, 1);
	DIV(1500 - MIN_TCP4 - 12, 0, 1);
	DIV(1500 - MIN_TCP6, 0, v6);
	DIV(1500 - MIN_TCP6 - 12, 0, v6);
	/* Stacks that scale by the MTU instead. */
	DIV(mss + MIN_TCP4, 1, 1);
	DIV(mss + (int32_t)tot_hdr, 1, 1);
	DIV(mss + MIN_TCP6, 1, v6);
	DIV(1500, 1, 1);
#undef DIV
	for (i = 0; i < n; i++) {
		if (!d[i].use || win % d[i].div)
			continue;
		*use_mtu = d[i].mtu;
		return win / d[i].div;
	}
	return -1;
}

int p0f_sig_from_rec(const struct huginn_syn_rec *rec, unsigned flags, struct p0f_sig *sig)
{
	uint32_t ack_nz;

	memset(sig, 0, sizeof(*sig));
	if ((rec->ip_ver != 4 && rec->ip_ver != 6) || rec->opt_len > HUGINN_TCP_OPT_MAX ||
	    rec->tcp_doff < 20)
		return -EINVAL;

	sig->ip_ver = rec->ip_ver;
	sig->ttl = rec->ttl;
	sig->dist = (uint8_t)p0f_sig_guess_dist(rec->ttl);
	sig->ip_opt_len = rec->ip_ver == 4 ? rec->ip_opt_len : 0;
	/* p0f reports the DSCP part; the two ECN bits become a quirk. */
	sig->tos = rec->tos >> 2;
	sig->win = rec->win;
	sig->tcp_flags = rec->tcp_flags;
	sig->pclass = rec->payload_len != 0;
	sig->tot_hdr = (uint16_t)(rec->ip_hdr_len + rec->tcp_doff);

	if (rec->ip_ver == 4) {
		if (rec->ip_flags & HUGINN_IP_DF) {
			sig->quirks |= P0F_Q_DF;
			if (rec->ip_id)
				sig->quirks |= P0F_Q_ID_NZ;
		} else if (!rec->ip_id) {
			sig->quirks |= P0F_Q_ID_ZERO;
		}
		if (rec->ip_flags & HUGINN_IP_MBZ)
			sig->quirks |= P0F_Q_MBZ;
	} else if (rec->flow_label) {
		sig->quirks |= P0F_Q_FLOW;
	}
	/* ECN: IP-level ECT/CE, TCP ECE/CWR, or the NS bit (RFC 3540). */
	if ((rec->tos & 0x03) || (rec->tcp_flags & (HUGINN_TCP_ECE | HUGINN_TCP_CWR)) ||
	    (rec->tcp_res & 0x01))
		sig->quirks |= P0F_Q_ECN;
	if (!rec->seq)
		sig->quirks |= P0F_Q_SEQ_ZERO;

	if (rec->tcp_flags & HUGINN_TCP_ACK) {
		if (!rec->ack)
			sig->quirks |= P0F_Q_ACK_ZERO;
	} else if (!(rec->tcp_flags & HUGINN_TCP_RST)) {
		/*
		 * Intended rule: an ACK number without the ACK flag.  p0f 3.09b
		 * ANDs the raw network-order word with 1, which on a little-endian
		 * host tests bit 0 of the first byte, i.e. bit 24 of the number.
		 */
		uint32_t p0f_bit = (rec->ack >> 24) & 1;

		ack_nz = (flags & P0F_SIG_P0F_BUGS) ? p0f_bit : rec->ack != 0;
		if (ack_nz)
			sig->quirks |= P0F_Q_ACK_NZ;
		if (!(flags & P0F_SIG_P0F_BUGS) && (rec->ack != 0) != (p0f_bit != 0))
			sig->dev |= P0F_SIG_DEV_ACK;
	}
	if (rec->tcp_flags & HUGINN_TCP_URG)
		sig->quirks |= P0F_Q_URG;
	else if (rec->urg_ptr)
		sig->quirks |= P0F_Q_UPTR;
	if (rec->tcp_flags & HUGINN_TCP_PSH)
		sig->quirks |= P0F_Q_PUSH;

	walk_options(rec->opts, rec->opt_len, flags, sig);
	{
		int mtu, m = p0f_sig_win_multi(sig->win, sig->mss, sig->ts1, sig->tot_hdr,
					       sig->ip_ver, &mtu);

		if (m > 0) {
			sig->win_class = mtu ? P0F_WIN_MTU : P0F_WIN_MSS;
			sig->win_multi = (uint16_t)m;
		}
	}
	return 0;
}

/* A bounded appender: remembers overflow instead of writing past the end. */
struct out {
	char *buf;
	size_t len, pos;
	int full;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o, const char *fmt, ...);

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;
	size_t room = o->pos < o->len ? o->len - o->pos : 0;

	va_start(ap, fmt);
	n = vsnprintf(room ? o->buf + o->pos : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		o->full = 1;
	o->pos += n > 0 ? (size_t)n : 0;
}

int p0f_sig_render(const struct p0f_sig *sig, char *buf, size_t len)
{
	static const char *const names[9] = {"eol",  "nop", "mss", "ws", "sok",
					     "sack", NULL,  NULL,  "ts"};
	struct out o = {buf, len, 0, 0};
	unsigned i, first = 1;

	if (len)
		buf[0] = 0;
	if (sig->dist > P0F_SIG_MAX_DIST)
		put(&o, "%u:%u+?:%u:", sig->ip_ver, sig->ttl, sig->ip_opt_len);
	else
		put(&o, "%u:%u+%u:%u:", sig->ip_ver, sig->ttl, sig->dist, sig->ip_opt_len);
	put(&o, "%u:", sig->mss);
	if (sig->win_class == P0F_WIN_MSS)
		put(&o, "mss*%u", sig->win_multi);
	else if (sig->win_class == P0F_WIN_MTU)
		put(&o, "mtu*%u", sig->win_multi);
	else
		put(&o, "%u", sig->win);
	put(&o, ",%u:", sig->wscale);

	for (i = 0; i < sig->opt_cnt && i < P0F_SIG_MAX_OPT; i++) {
		uint8_t k = sig->opt_layout[i];
		const char *sep = i ? "," : "";

		if (k == OPT_EOL)
			put(&o, "%seol+%u", sep, sig->eol_pad);
		else if (k < 9 && names[k])
			put(&o, "%s%s", sep, names[k]);
		else
			put(&o, "%s?%u", sep, k);
	}
	put(&o, ":");
	for (i = 0; i < P0F_Q_COUNT; i++) {
		if (!(sig->quirks & (1u << i)))
			continue;
		put(&o, "%s%s", first ? "" : ",", quirk_names[i]);
		first = 0;
	}
	put(&o, ":%s", sig->pclass ? "+" : "0");
	if (o.full)
		return -ENOSPC;
	return (int)o.pos;
}
