/*
 * syngen - write raw TCP SYN frames (Ethernet) to a classic pcap file, from a
 * text spec with one frame per line, so tests can feed p0f and huginn the
 * very same bytes.
 *
 *   syngen SPEC OUT.pcap      (SPEC "-" reads stdin)
 *
 * A line is whitespace-separated key=value pairs; '#' starts a comment.
 * Keys (defaults in brackets):
 *   v=4|6 [4]            src= dst= [10.0.0.2 10.0.0.1 / fd00::2 fd00::1]
 *   sport= [40000] dport= [80]  ttl= [64]  df=0|1 [1]  mbz=0|1 [0]  id= [1]
 *   tos= traffic class byte incl. ECN bits [0]   flow= IPv6 flow label [0]
 *   ipopt=HEX IPv4 options (multiple of 4 bytes)
 *   win= [65535] seq= [1] ack= [0] flags= letters FSRPAUEC or 0xNN [S]
 *   urg= [0] res= reserved nibble incl. NS [0]
 *   opt=HEX TCP options (multiple of 4 bytes)  pay= payload bytes [0]
 *   name= free text without spaces (ignored; for the test's own bookkeeping)
 * Checksums (IPv4 header, TCP over the pseudo-header) are computed.
 * Exit status 1 with "LINE: message" on a bad spec.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAME 2048

struct spec {
	int v;
	uint8_t src[16], dst[16];
	unsigned sport, dport, ttl, df, mbz, id, tos, flow, win, flags, urg, res, pay;
	uint32_t seq, ack;
	uint8_t ipopt[40], opt[40];
	unsigned ipopt_len, opt_len;
};

static int hexbytes(const char *s, uint8_t *out, unsigned max, unsigned *n)
{
	unsigned k = 0;

	while (*s) {
		unsigned hi, lo;

		if (!s[1] || sscanf(s, "%1x%1x", &hi, &lo) != 2 || k >= max)
			return -1;
		out[k++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*n = k;
	return 0;
}

static int number(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 0);
	if (errno || end == s || *end || *out > max)
		return -1;
	return 0;
}

static int tcp_flags(const char *s, unsigned *out)
{
	static const char letters[] = "FSRPAUEC";
	unsigned long v;

	if (s[0] == '0' && s[1] == 'x')
		return number(s, 255, &v) ? -1 : (*out = (unsigned)v, 0);
	*out = 0;
	for (; *s; s++) {
		const char *l = strchr(letters, *s);

		if (!l)
			return -1;
		*out |= 1u << (l - letters);
	}
	return 0;
}

static int parse_line(char *line, struct spec *sp, const char **why)
{
	char *tok, *save = NULL;

	memset(sp, 0, sizeof(*sp));
	sp->v = 4;
	sp->sport = 40000;
	sp->dport = 80;
	sp->ttl = 64;
	sp->df = 1;
	sp->id = 1;
	sp->win = 65535;
	sp->seq = 1;
	sp->flags = 0x02;
	inet_pton(AF_INET, "10.0.0.2", sp->src);
	inet_pton(AF_INET, "10.0.0.1", sp->dst);
	for (tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		char *val = strchr(tok, '=');
		unsigned long n = 0;
		int bad = 0;

		if (!val) {
			*why = "expected key=value";
			return -1;
		}
		*val++ = 0;
		if (!strcmp(tok, "v")) {
			bad = number(val, 6, &n) || (n != 4 && n != 6);
			sp->v = (int)n;
			if (!bad && sp->v == 6) {
				inet_pton(AF_INET6, "fd00::2", sp->src);
				inet_pton(AF_INET6, "fd00::1", sp->dst);
			}
		} else if (!strcmp(tok, "src") || !strcmp(tok, "dst")) {
			uint8_t *a = tok[0] == 's' ? sp->src : sp->dst;

			memset(a, 0, 16);
			bad = inet_pton(sp->v == 6 ? AF_INET6 : AF_INET, val, a) != 1;
		} else if (!strcmp(tok, "ipopt")) {
			bad = hexbytes(val, sp->ipopt, 40, &sp->ipopt_len) || sp->ipopt_len % 4;
		} else if (!strcmp(tok, "opt")) {
			bad = hexbytes(val, sp->opt, 40, &sp->opt_len) || sp->opt_len % 4;
		} else if (!strcmp(tok, "flags")) {
			bad = tcp_flags(val, &sp->flags);
		} else if (!strcmp(tok, "name")) {
			continue;
		} else {
			static const struct {
				const char *k;
				unsigned long max;
				size_t off;
			} nums[] = {
			    {"sport", 65535, offsetof(struct spec, sport)},
			    {"dport", 65535, offsetof(struct spec, dport)},
			    {"ttl", 255, offsetof(struct spec, ttl)},
			    {"df", 1, offsetof(struct spec, df)},
			    {"mbz", 1, offsetof(struct spec, mbz)},
			    {"id", 65535, offsetof(struct spec, id)},
			    {"tos", 255, offsetof(struct spec, tos)},
			    {"flow", 0xfffff, offsetof(struct spec, flow)},
			    {"win", 65535, offsetof(struct spec, win)},
			    {"urg", 65535, offsetof(struct spec, urg)},
			    {"res", 15, offsetof(struct spec, res)},
			    {"pay", 1400, offsetof(struct spec, pay)},
			    {"seq", 0xffffffffu, offsetof(struct spec, seq)},
			    {"ack", 0xffffffffu, offsetof(struct spec, ack)},
			};
			size_t i;

			for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++)
				if (!strcmp(tok, nums[i].k))
					break;
			if (i == sizeof(nums) / sizeof(nums[0])) {
				*why = "unknown key";
				return -1;
			}
			bad = number(val, nums[i].max, &n);
			if (nums[i].off == offsetof(struct spec, seq) ||
			    nums[i].off == offsetof(struct spec, ack))
				*(uint32_t *)((char *)sp + nums[i].off) = (uint32_t)n;
			else
				*(unsigned *)((char *)sp + nums[i].off) = (unsigned)n;
		}
		if (bad) {
			*why = "bad value";
			return -1;
		}
	}
	return 0;
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static size_t build(const struct spec *sp, uint8_t *f)
{
	uint8_t *ip = f + 14, *tcp;
	size_t iphl = sp->v == 4 ? 20 + sp->ipopt_len : 40;
	size_t thl = 20 + sp->opt_len, l4 = thl + sp->pay, i;
	uint32_t s;

	memset(f, 0, MAX_FRAME);
	memcpy(f, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	put16(f + 12, sp->v == 4 ? 0x0800 : 0x86dd);
	tcp = ip + iphl;
	if (sp->v == 4) {
		ip[0] = (uint8_t)(0x40 | iphl / 4);
		ip[1] = (uint8_t)sp->tos;
		put16(ip + 2, (unsigned)(iphl + l4));
		put16(ip + 4, sp->id);
		put16(ip + 6, (sp->df ? 0x4000u : 0) | (sp->mbz ? 0x8000u : 0));
		ip[8] = (uint8_t)sp->ttl;
		ip[9] = 6;
		memcpy(ip + 12, sp->src, 4);
		memcpy(ip + 16, sp->dst, 4);
		memcpy(ip + 20, sp->ipopt, sp->ipopt_len);
		put16(ip + 10, fold(sum16(ip, iphl, 0)));
	} else {
		put32(ip, 6u << 28 | (uint32_t)sp->tos << 20 | sp->flow);
		put16(ip + 4, (unsigned)l4);
		ip[6] = 6;
		ip[7] = (uint8_t)sp->ttl;
		memcpy(ip + 8, sp->src, 16);
		memcpy(ip + 24, sp->dst, 16);
	}
	put16(tcp, sp->sport);
	put16(tcp + 2, sp->dport);
	put32(tcp + 4, sp->seq);
	put32(tcp + 8, sp->ack);
	tcp[12] = (uint8_t)((thl / 4) << 4 | sp->res);
	tcp[13] = (uint8_t)sp->flags;
	put16(tcp + 14, sp->win);
	put16(tcp + 18, sp->urg);
	memcpy(tcp + 20, sp->opt, sp->opt_len);
	for (i = 0; i < sp->pay; i++)
		tcp[thl + i] = (uint8_t)('a' + i % 26);
	/* Pseudo-header: addresses, protocol, TCP length. */
	if (sp->v == 4)
		s = sum16(ip + 12, 8, 0);
	else
		s = sum16(ip + 8, 32, 0);
	s += 6 + (uint32_t)l4;
	put16(tcp + 16, fold(sum16(tcp, l4, s)));
	return 14 + iphl + l4;
}

static void le32(FILE *f, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	fwrite(b, 1, 4, f);
}

int main(int argc, char **argv)
{
	FILE *in, *out;
	char line[4096];
	static uint8_t frame[MAX_FRAME];
	unsigned lineno = 0, n = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: syngen SPEC OUT.pcap\n");
		return 2;
	}
	in = strcmp(argv[1], "-") ? fopen(argv[1], "r") : stdin;
	if (!in) {
		perror(argv[1]);
		return 1;
	}
	out = fopen(argv[2], "wb");
	if (!out) {
		perror(argv[2]);
		return 1;
	}
	/* Classic pcap, little endian, microseconds, Ethernet. */
	le32(out, 0xa1b2c3d4);
	le32(out, 2 | 4u << 16);
	le32(out, 0);
	le32(out, 0);
	le32(out, 65535);
	le32(out, 1);
	while (fgets(line, sizeof(line), in)) {
		struct spec sp;
		const char *why = "";
		char *hash = strchr(line, '#');
		size_t len;

		lineno++;
		if (hash)
			*hash = 0;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[strspn(line, " \t")])
			continue;
		if (parse_line(line, &sp, &why)) {
			fprintf(stderr, "%s:%u: %s\n", argv[1], lineno, why);
			return 1;
		}
		len = build(&sp, frame);
		/* One millisecond apart, so p0f's caches never expire mid-file. */
		le32(out, 1700000000u + n / 1000);
		le32(out, (n % 1000) * 1000);
		le32(out, (uint32_t)len);
		le32(out, (uint32_t)len);
		fwrite(frame, 1, len, out);
		n++;
	}
	if (fclose(out)) {
		perror(argv[2]);
		return 1;
	}
	return 0;
}
