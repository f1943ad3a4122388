/*
 * fingerprint_cmd.c - `huginn-proxy fingerprint FILE.pcap [--db builtin|p0f.fp]...`.
 *
 * Reads a pcap/pcapng capture, runs every frame through the parser the XDP
 * program runs (bpf/xdp_syn.h), and prints one line per client SYN, in file
 * order, in p0f's log field style:
 *
 *   cli=IP/port|srv=IP/port|os=LABEL|dist=N|params=P|raw_sig=SIG[|link=L|mtu=M]
 *
 * os=??? without a match or without a database (--no-db); link/mtu when the SYN has an
 * MSS.  The databases: the built-in one without --db, else each --db in order
 * (p0f/dbset.h).  Needs no privileges.
 *
 * Beside them, one line per TLS ClientHello over TCP (proxy/tlscap.h reassembles the
 * streams), when the packet that completes it is read:
 *
 *   cli=IP/port|srv=IP/port|sni=NAME|ja4=...|ja4_r=...|ja4_o=...|ja4_ro=...
 *
 * cli is the side that sent the hello; sni= is empty without a server_name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bpf/xdp_syn.h"
#include "proxy/fingerprint_cmd.h"
#include "sys/file.h"
#include "p0f/builtin.h"
#include "p0f/dbset.h"
#include "p0f/match.h"
#include "proxy/pcap.h"
#include "p0f/sig.h"
#include "proxy/tlscap.h"
#include "tls/ja4.h"

/* Captures and databases are read whole; refuse anything absurd. */
#define CAPTURE_MAX (1024u << 20)
/* Directions and hellos in progress tracked at once (tcpflow.h says what happens past
 * them): about 4 MiB of slots and 8 MiB of buffers. */
#define TLS_FLOWS_MAX 16384
#define TLS_BUFS_MAX 256

static void usage(void)
{
	fprintf(stderr,
		"usage: huginn-proxy fingerprint FILE.pcap [--db builtin|p0f.fp]... [--no-db] "
		"[--mtu]\n"
		"  Prints cli=|srv=|os=|dist=|params=|raw_sig= for every TCP SYN,\n"
		"  as p0f 3.09b would (see docs/p0f.md), then |link=|mtu= when it has an MSS.\n"
		"  Labels from the built-in database unless --db (repeatable, in order) or\n"
		"  --no-db; --mtu adds p0f's cli=|srv=|link=|raw_mtu= line after each SYN.\n"
		"  Prints cli=|srv=|sni=|ja4=|ja4_r=|ja4_o=|ja4_ro= for every\n"
		"  TLS ClientHello over TCP (see docs/ja4.md).\n");
}

/* Addresses as p0f prints them: IPv6 as eight unabbreviated hex groups. */
static void addr_str(unsigned ip_ver, const unsigned char *a, char *buf, size_t len)
{
	if (ip_ver == 4) {
		snprintf(buf, len, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		return;
	}
	snprintf(buf, len, "%x:%x:%x:%x:%x:%x:%x:%x", a[0] << 8 | a[1], a[2] << 8 | a[3],
		 a[4] << 8 | a[5], a[6] << 8 | a[7], a[8] << 8 | a[9], a[10] << 8 | a[11],
		 a[12] << 8 | a[13], a[14] << 8 | a[15]);
}

static void print_syn(const struct huginn_syn_rec *rec, const struct p0f_dbset *dbs,
		      unsigned sig_flags, int mtu_lines)
{
	const struct p0f_db *db;
	struct p0f_sig sig;
	struct p0f_match m;
	char cli[64], srv[64], raw[P0F_SIG_STR_MAX], os[P0F_DB_STR_MAX], dist[32],
	    params[P0F_DB_STR_MAX], link[P0F_DB_STR_MAX];
	unsigned mtu;
	int ln;

	if (p0f_sig_from_rec(rec, sig_flags, &sig) < 0)
		return;
	p0f_dbset_match(dbs, &sig, &m, &db);
	addr_str(rec->ip_ver, rec->saddr, cli, sizeof(cli));
	addr_str(rec->ip_ver, rec->daddr, srv, sizeof(srv));
	if (p0f_sig_render(&sig, raw, sizeof(raw)) < 0 ||
	    p0f_match_render_os(db, &m, os, sizeof(os)) < 0 ||
	    p0f_match_render_dist(&m, dist, sizeof(dist)) < 0 ||
	    p0f_match_render_params(&sig, &m, params, sizeof(params)) < 0 ||
	    (ln = p0f_dbset_mtu_link(dbs, &sig, &mtu, link, sizeof(link))) < 0)
		return; /* cannot happen with these buffer sizes */
	printf("cli=%s/%u|srv=%s/%u|os=%s|dist=%s|params=%s|raw_sig=%s", cli, rec->sport, srv,
	       rec->dport, os, dist, params, raw);
	/* The link after p0f's fields, so that field positions stay p0f's. */
	if (mtu)
		printf("|link=%s|mtu=%u", ln ? link : "???", mtu);
	printf("\n");
	/*
	 * p0f's mod=mtu observation: for a SYN that states an MSS, unless it
	 * matched a tool ('!') signature, after which p0f drops the connection.
	 */
	if (mtu_lines && sig.mss && !(m.sig >= 0 && m.tool))
		printf("cli=%s/%u|srv=%s/%u|link=%s|raw_mtu=%u\n", cli, rec->sport, srv, rec->dport,
		       ln ? link : "???", mtu);
}

/* tlscap's callback: the four JA4 forms of one ClientHello. */
static void print_hello(void *arg, const struct tcpflow_key *k, const struct tls_hello *h)
{
	static const unsigned forms[4] = {0, JA4_RAW, JA4_ORIGINAL, JA4_RAW | JA4_ORIGINAL};
	char cli[64], srv[64], ja4[4][JA4_STR_MAX];
	unsigned i;

	(void)arg;
	for (i = 0; i < 4; i++)
		if (ja4_render(h, 't', forms[i], ja4[i], sizeof(ja4[i])) < 0)
			return; /* cannot happen for a hello tls_hello_parse accepted */
	addr_str(k->ip_ver, k->src, cli, sizeof(cli));
	addr_str(k->ip_ver, k->dst, srv, sizeof(srv));
	/* tls_hello_parse allows only [A-Za-z0-9._-] in a server name: safe to print. */
	printf("cli=%s/%u|srv=%s/%u|sni=%.*s|ja4=%s|ja4_r=%s|ja4_o=%s|ja4_ro=%s\n", cli, k->sport,
	       srv, k->dport, h->has_sni ? (int)h->sni_len : 0, h->has_sni ? h->sni : "", ja4[0],
	       ja4[1], ja4[2], ja4[3]);
}

static int run(const char *path, const struct p0f_dbset *db, unsigned sig_flags, int mtu_lines)
{
	struct pcap pc;
	struct pcap_pkt pkt;
	struct tlscap *tc;
	size_t len, tc_size = tlscap_mem_size(TLS_FLOWS_MAX, TLS_BUFS_MAX);
	void *tc_mem;
	char *buf;
	int rc;

	tc = malloc(sizeof(*tc));
	tc_mem = malloc(tc_size);
	if (!tc || !tc_mem ||
	    tlscap_init(tc, tc_mem, tc_size, TLS_FLOWS_MAX, TLS_BUFS_MAX, print_hello, NULL) < 0) {
		fprintf(stderr, "huginn-proxy fingerprint: out of memory\n");
		free(tc);
		free(tc_mem);
		return 1;
	}
	rc = file_read_all(path, CAPTURE_MAX, &buf, &len);
	if (rc < 0) {
		fprintf(stderr, "huginn-proxy fingerprint: %s: %s\n", path, strerror(-rc));
		free(tc);
		free(tc_mem);
		return 1;
	}
	rc = pcap_open(&pc, buf, len);
	while (rc == 0 && (rc = pcap_next(&pc, &pkt)) == 1) {
		struct huginn_syn_rec rec;
		uint32_t ip_off;
		int kind = pcap_frame(pkt.linktype, pkt.data, pkt.caplen, &ip_off), st;
		const unsigned char *end = pkt.data + pkt.caplen;

		rc = 0;
		if (kind == -EPROTONOSUPPORT) {
			fprintf(stderr,
				"huginn-proxy fingerprint: %s: offset %zu: link type %u is not "
				"supported (Ethernet, Linux cooked v1/v2, raw IP, BSD loopback "
				"are)\n",
				path, pkt.off, pkt.linktype);
			free(buf);
			free(tc);
			free(tc_mem);
			return 1;
		}
		if (kind <= 0)
			continue;
		memset(&rec, 0, sizeof(rec));
		if (kind == PCAP_FRAME_ETH)
			st = huginn_parse_frame(pkt.data, end, &rec);
		else
			st = huginn_parse_ip(pkt.data + ip_off, end, &rec);
		/* The parser's verdict is the one SYN rule of the live path too (the XDP
		 * program runs the same code): no check of our own here. */
		if (st == HUGINN_PARSE_SYN)
			print_syn(&rec, db, sig_flags, mtu_lines);
		/* A SYN's own line first: its data (TFO) may complete a hello. */
		tlscap_packet(tc, pkt.linktype, pkt.data, pkt.caplen);
	}
	free(tc);
	free(tc_mem);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "huginn-proxy fingerprint: %s: offset %zu: %s\n", path, pc.err_off,
			pc.err ? pc.err : strerror(-rc));
		free(buf);
		return 1;
	}
	free(buf);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "huginn-proxy fingerprint: writing output: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}

int proxy_fingerprint_cmd_main(int argc, char **argv)
{
	const char *file = NULL, *dbpath[P0F_DBSET_MAX];
	struct p0f_dbset dbs;
	unsigned sig_flags = 0, n_db = 0;
	int i, rc, mtu_lines = 0, no_db = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc) {
			if (n_db == P0F_DBSET_MAX) {
				fprintf(stderr, "huginn-proxy fingerprint: at most %d --db\n",
					P0F_DBSET_MAX);
				return 2;
			}
			dbpath[n_db++] = argv[++i];
		} else if (!strcmp(argv[i], "--no-db")) {
			no_db = 1;
		} else if (!strcmp(argv[i], "--emulate-p0f-bugs")) {
			/* Test aid: reproduce p0f's ack+/opt+ bugs (docs/p0f.md). */
			sig_flags |= P0F_SIG_P0F_BUGS;
		} else if (!strcmp(argv[i], "--mtu")) {
			mtu_lines = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage();
			return 0;
		} else if (argv[i][0] == '-' || file) {
			usage();
			return 2;
		} else {
			file = argv[i];
		}
	}
	if (!file || (no_db && n_db)) {
		usage();
		return 2;
	}
	/* The proxy's default: the built-in database when none is named. */
	if (!n_db && !no_db)
		dbpath[n_db++] = P0F_BUILTIN_NAME;
	p0f_dbset_init(&dbs);
	for (unsigned k = 0; k < n_db; k++) {
		char err[512];

		/* The same loader as the accept hook: a label unsafe in a header is refused. */
		rc = p0f_dbset_add(&dbs, dbpath[k], err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "huginn-proxy fingerprint: %s\n", err);
			p0f_dbset_free(&dbs);
			return 1;
		}
	}
	rc = run(file, &dbs, sig_flags, mtu_lines);
	p0f_dbset_free(&dbs);
	return rc;
}
