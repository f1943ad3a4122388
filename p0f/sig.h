/*
 * sig.h - p0f v3 SYN signatures from a captured record.
 *
 * p0f_sig_from_rec() turns the raw material of bpf/xdp_syn.h into the fields
 * p0f 3.09b derives from a SYN (TTL guess, quirks, option layout, window
 * class, payload class); p0f_sig_render() prints them as p0f's raw_sig:
 *
 *     ver:ttl+dist:olen:mss:wsize,scale:olayout:quirks:pclass
 *
 * The result is byte-identical to what p0f 3.09b logs, except for two p0f
 * bugs where we follow the intended rule (see P0F_SIG_DEV_*); the flag
 * P0F_SIG_P0F_BUGS reproduces p0f's actual behaviour, for oracle tests only.
 * No allocation, no I/O, no global state.
 */
#ifndef HUGINN_P0F_SIG_H
#define HUGINN_P0F_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/xdp_syn.h"

/* p0f stops reading TCP options after this many; the rest makes 'bad'. */
#define P0F_SIG_MAX_OPT 24
/* p0f's limit on a plausible TTL distance: past it the distance prints '?'. */
#define P0F_SIG_MAX_DIST 35
/* Longest possible rendering (24 '?255' options, every quirk) plus NUL. */
#define P0F_SIG_STR_MAX 256

/* Quirk bits; the numeric order is p0f's printing order. */
enum p0f_quirk {
	P0F_Q_DF = 1u << 0,	   /* df: IPv4 don't-fragment */
	P0F_Q_ID_NZ = 1u << 1,	   /* id+: DF set, IP ID non-zero */
	P0F_Q_ID_ZERO = 1u << 2,   /* id-: DF clear, IP ID zero */
	P0F_Q_ECN = 1u << 3,	   /* ecn: IP ECN bits, TCP ECE/CWR or NS */
	P0F_Q_MBZ = 1u << 4,	   /* 0+: IPv4 reserved flag bit set */
	P0F_Q_FLOW = 1u << 5,	   /* flow: IPv6 flow label non-zero */
	P0F_Q_SEQ_ZERO = 1u << 6,  /* seq-: sequence number zero */
	P0F_Q_ACK_NZ = 1u << 7,	   /* ack+: ACK number non-zero without ACK flag */
	P0F_Q_ACK_ZERO = 1u << 8,  /* ack-: ACK flag with a zero ACK number */
	P0F_Q_UPTR = 1u << 9,	   /* uptr+: urgent pointer without URG */
	P0F_Q_URG = 1u << 10,	   /* urgf+: URG flag */
	P0F_Q_PUSH = 1u << 11,	   /* pushf+: PSH flag */
	P0F_Q_TS1_ZERO = 1u << 12, /* ts1-: own timestamp zero */
	P0F_Q_TS2_NZ = 1u << 13,   /* ts2+: echoed timestamp non-zero on a SYN */
	P0F_Q_OPT_NZ = 1u << 14,   /* opt+: non-zero bytes after EOL */
	P0F_Q_EXWS = 1u << 15,	   /* exws: window scale above 14 */
	P0F_Q_BAD = 1u << 16,	   /* bad: malformed or too many options */
};
#define P0F_Q_COUNT 17

/* How the window size is expressed (p0f's detect_win_multi). */
enum p0f_win_class {
	P0F_WIN_RAW = 0, /* the plain number */
	P0F_WIN_MSS = 1, /* mss*N */
	P0F_WIN_MTU = 2, /* mtu*N */
};

/* Where our rule differs from what p0f 3.09b computes (bits of p0f_sig.dev). */
#define P0F_SIG_DEV_ACK 0x1 /* p0f tests one byte-swapped bit for ack+ */
#define P0F_SIG_DEV_OPT 0x2 /* p0f misses a non-zero last byte after EOL */

/* Flags for p0f_sig_from_rec(). */
#define P0F_SIG_P0F_BUGS 0x1 /* reproduce both p0f bugs (tests only) */

struct p0f_sig {
	uint8_t ip_ver;			     /* 4 or 6 */
	uint8_t ttl;			     /* as observed */
	uint8_t dist;			     /* guessed distance to the next initial TTL */
	uint8_t ip_opt_len;		     /* IPv4 options bytes */
	uint8_t tos;			     /* DSCP (TOS byte >> 2), shown by p0f as tos:0x.. */
	uint8_t wscale;			     /* 0 when absent */
	uint8_t opt_cnt;		     /* entries in opt_layout */
	uint8_t eol_pad;		     /* bytes after an EOL option */
	uint8_t pclass;			     /* 1 when the SYN carries payload */
	uint8_t win_class;		     /* enum p0f_win_class */
	uint8_t dev;			     /* P0F_SIG_DEV_*: our quirks differ from p0f's here */
	uint8_t tcp_flags;		     /* TCP flags byte, for the SYN/SYN+ACK test */
	uint16_t mss;			     /* 0 when absent */
	uint16_t win;			     /* raw window */
	uint16_t win_multi;		     /* N of mss*N / mtu*N, else 0 */
	uint16_t tot_hdr;		     /* IP header (with options) + TCP header bytes */
	uint32_t quirks;		     /* enum p0f_quirk bits */
	uint32_t ts1;			     /* own timestamp, 0 when absent */
	uint8_t opt_layout[P0F_SIG_MAX_OPT]; /* option kinds in order */
};

/*
 * Fill sig from a record filled by huginn_parse_frame()/huginn_parse_ip().
 * flags: 0, or P0F_SIG_P0F_BUGS.  Returns 0, or -EINVAL for a record that no
 * parser could produce (IP version not 4/6, opt_len > 40, tcp_doff < 20).
 */
int p0f_sig_from_rec(const struct huginn_syn_rec *rec, unsigned flags, struct p0f_sig *sig);

/*
 * Write the raw_sig text and a NUL into buf (len bytes).  Returns the text
 * length, or -ENOSPC if it does not fit (buf then holds a truncated string
 * when len > 0).  P0F_SIG_STR_MAX always fits.
 */
int p0f_sig_render(const struct p0f_sig *sig, char *buf, size_t len);

/*
 * p0f's window classification: the multiplier N when win is a multiple of an
 * MSS-like (*use_mtu = 0) or MTU-like (*use_mtu = 1) size, tried in p0f's
 * order; -1 when the window stays raw (win 0, mss < 100, no divisor).  mss
 * may be -1 (a p0f.fp wildcard), ip_ver -1 (any).
 */
int p0f_sig_win_multi(uint16_t win, int32_t mss, uint32_t ts1, unsigned tot_hdr, int ip_ver,
		      int *use_mtu);

/* Guess the distance for an observed TTL, as p0f does (32, 64, 128, 255). */
unsigned p0f_sig_guess_dist(unsigned ttl);

/* p0f's name of one quirk bit ("df", "id+", ...), or NULL. */
const char *p0f_sig_quirk_name(uint32_t bit);

#endif
