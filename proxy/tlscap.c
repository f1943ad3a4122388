/*
 * tlscap.c - ClientHellos out of captured TCP streams (see tlscap.h).
 *
 * Each direction's reading state lives in its tcpflow stream (app_state, app_need,
 * app_count).  tls_hello_read is stateless and reparses from the start of the hello, so
 * it is called again only once the stream holds the length it asked for (app_need):
 * a hello cut into many segments costs one parse per record boundary it needs, not one
 * per segment.
 */
#include <errno.h>
#include <string.h>

#include "proxy/pcap.h"
#include "proxy/tlscap.h"

enum {
	ST_FIND = 0, /* looking for the handshake start (after a preamble) */
	ST_HELLO,    /* reading a ClientHello */
	ST_AFTER,    /* after a ClientHello: CCS records, or another ClientHello */
};

#define REC_CCS 20 /* RFC 8446 5: change_cipher_spec content type */

size_t tlscap_mem_size(uint32_t max_flows, uint32_t max_bufs)
{
	return tcpflow_mem_size(max_flows, max_bufs, TLSCAP_BUF_SIZE);
}

int tlscap_init(struct tlscap *c, void *mem, size_t size, uint32_t max_flows, uint32_t max_bufs,
		tlscap_fn fn, void *arg)
{
	int rc;

	memset(&c->stats, 0, sizeof(c->stats));
	rc = tcpflow_init(&c->flows, mem, size, max_flows, max_bufs, TLSCAP_BUF_SIZE);
	if (rc < 0)
		return rc;
	c->fn = fn;
	c->arg = arg;
	return 0;
}

/* Read one ClientHello at the start of s.  1 reported, 0 waiting, -1 finished. */
static int read_hello(struct tlscap *c, struct tcpflow_stream *s)
{
	struct tls_hello_rd rd;
	struct tls_hello h;
	int n;

	if (s->have < s->app_need)
		return 0;
	n = tls_hello_read(s->buf, s->have, c->msg, sizeof(c->msg), &rd);
	if (n == TLS_HELLO_NEED_MORE) {
		if (rd.need > c->flows.buf_size) {
			c->stats.too_large++;
			return -1;
		}
		s->app_need = (uint32_t)rd.need;
		return 0;
	}
	if (n == TLS_HELLO_TOO_LARGE)
		c->stats.too_large++;
	/* A server's direction (a ServerHello) is no bad ClientHello. */
	if (n == TLS_HELLO_ERROR && s->have > 5 && s->buf[5] == TLS_HS_CLIENT_HELLO)
		c->stats.bad_hellos++;
	if (n <= 0)
		return -1;
	n = tls_hello_parse(c->msg, rd.msg_len, &h) == 0 ? n : TLS_HELLO_ERROR;
	if (n < 0) {
		c->stats.bad_hellos++;
		return -1;
	}
	c->fn(c->arg, &s->key, &h);
	c->stats.hellos++;
	tcpflow_consume(&c->flows, s, (uint32_t)n);
	s->app_count++;
	s->app_need = 0;
	s->app_state = ST_AFTER;
	return 1;
}

/*
 * After a ClientHello: skip ChangeCipherSpec records; a handshake record whose message
 * is a ClientHello is read as one.  0 waiting, 1 go on to ST_HELLO, -1 finished.
 */
static int after_hello(struct tcpflow_stream *s, struct tcpflow *f)
{
	if (s->app_count >= TLSCAP_HELLOS_MAX)
		return -1;
	while (s->have >= 6) {
		uint32_t rlen = (uint32_t)(s->buf[3] << 8 | s->buf[4]);

		if (s->buf[1] != 3)
			return -1;
		if (s->buf[0] == TLS_REC_HANDSHAKE)
			return s->buf[5] == TLS_HS_CLIENT_HELLO ? 1 : -1;
		/* app_need counts the CCS records skipped here (it is 0 in ST_AFTER). */
		if (s->buf[0] != REC_CCS || !rlen || rlen > TLS_REC_MAX ||
		    s->app_need >= TLSCAP_CCS_MAX)
			return -1;
		if (s->have < 5 + rlen)
			return 0;
		tcpflow_consume(f, s, 5 + rlen);
		s->app_need++;
	}
	return 0;
}

/* Advance s as far as its in-order bytes allow; returns the hellos reported. */
static int stream_read(struct tlscap *c, struct tcpflow_stream *s)
{
	int found = 0, r, i;

	/* Each pass moves a state forward or returns; the bound is a safety net. */
	for (i = 0; i < 4 * (TLSCAP_HELLOS_MAX + TLSCAP_CCS_MAX + 2); i++) {
		switch (s->app_state) {
		case ST_FIND:
			r = tls_hello_find(s->buf, s->have);
			if (r == TLS_HELLO_NEED_MORE && s->have < c->flows.buf_size)
				return found;
			if (r < 0)
				goto finish;
			tcpflow_consume(&c->flows, s, (uint32_t)r);
			s->app_state = ST_HELLO;
			s->app_need = 0;
			break;
		case ST_HELLO:
			r = read_hello(c, s);
			if (r < 0)
				goto finish;
			if (r == 0)
				return found;
			found++;
			break;
		default:
			r = after_hello(s, &c->flows);
			if (r < 0)
				goto finish;
			if (r == 0)
				return found;
			s->app_state = ST_HELLO;
			s->app_need = 0;
			break;
		}
	}
finish:
	tcpflow_finish(&c->flows, s);
	return found;
}

int tlscap_packet(struct tlscap *c, uint32_t linktype, const uint8_t *data, uint32_t len)
{
	struct pcap_tcp t;
	struct tcpflow_seg seg;
	struct tcpflow_stream *s;
	int rc = pcap_tcp(linktype, data, len, &t);

	if (rc <= 0)
		return rc;
	memset(&seg, 0, sizeof(seg));
	seg.key.ip_ver = t.ip_ver;
	memcpy(seg.key.src, t.src, sizeof(t.src));
	memcpy(seg.key.dst, t.dst, sizeof(t.dst));
	seg.key.sport = t.sport;
	seg.key.dport = t.dport;
	seg.seq = t.seq;
	seg.flags = t.flags;
	seg.data = t.payload;
	seg.len = t.len;
	if (tcpflow_add(&c->flows, &seg, &s) != TCPFLOW_GREW)
		return 0;
	return stream_read(c, s);
}
