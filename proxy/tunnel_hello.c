/*
 * tunnel_hello.c - the first flight of a passthrough connection, its PROXY v2 header and
 * its access-log fields (tunnel_hello.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pp/pp.h"
#include "proxy/config_pt.h"
#include "proxy/tunnel_hello.h"
#include "tls/hello.h"
#include "tls/ja4.h"

int proxy_tunnel_hello_classify(const uint8_t *in, size_t len, size_t cap, uint8_t *msg,
				size_t max_hello, struct proxy_tunnel_facts *f)
{
	struct tls_hello_rd rd;
	struct tls_hello hello;
	int r;

	f->err = NULL;
	r = tls_hello_read(in, len, msg, max_hello, &rd);
	if (r == TLS_HELLO_NEED_MORE)
		return rd.need <= cap ? PROXY_TUNNEL_NEED_MORE : PROXY_TUNNEL_TOO_LARGE;
	if (r == TLS_HELLO_NOT_TLS) {
		/* A TCP proxy after all: the bytes go on, without TLS TLVs. */
		f->kind = PROXY_TUNNEL_TCP;
		return PROXY_TUNNEL_DECIDED;
	}
	if (r < 0) {
		f->err = rd.err;
		return r == TLS_HELLO_TOO_LARGE ? PROXY_TUNNEL_TOO_LARGE : PROXY_TUNNEL_MALFORMED;
	}
	r = tls_hello_parse(msg, rd.msg_len, &hello);
	if (r < 0) {
		f->err = hello.err;
		return r == TLS_HELLO_TOO_LARGE ? PROXY_TUNNEL_TOO_LARGE : PROXY_TUNNEL_MALFORMED;
	}
	f->kind = PROXY_TUNNEL_TLS;
	f->sni_len = 0;
	if (hello.has_sni && hello.sni_len < sizeof(f->sni)) {
		memcpy(f->sni, hello.sni, hello.sni_len);
		f->sni_len = hello.sni_len;
	}
	/* A form that cannot be rendered is absent, never guessed. */
	if (ja4_render(&hello, 't', 0, f->ja4, sizeof(f->ja4)) < 0)
		f->ja4[0] = '\0';
	if (ja4_render(&hello, 't', JA4_RAW, f->ja4_r, sizeof(f->ja4_r)) < 0)
		f->ja4_r[0] = '\0';
	return PROXY_TUNNEL_DECIDED;
}

const char *proxy_tunnel_hello_hook_value(const struct proxy_tunnel_facts *f, const char *name,
					  size_t *len)
{
	size_t nl = strlen(name);
	const char *s = f->fp, *e = f->fp + f->fp_len;

	while (s < e) {
		const char *eol = memchr(s, '\r', (size_t)(e - s));

		if (!eol)
			break;
		if ((size_t)(eol - s) > nl + 2 && memcmp(s, name, nl) == 0 && s[nl] == ':' &&
		    s[nl + 1] == ' ') {
			*len = (size_t)(eol - s) - nl - 2;
			return s + nl + 2;
		}
		s = eol + 2;
	}
	*len = 0;
	return NULL;
}

int proxy_tunnel_hello_header(const struct proxy_tunnel_facts *f, unsigned int tlvs,
			      const struct sockaddr_storage *peer,
			      const struct sockaddr_storage *local, uint8_t *out, size_t cap)
{
	struct pp_v2_enc e;
	const char *v;
	size_t vl;

	/* Errors are sticky in the encoder: pp_v2_finish reports the first one. */
	pp_v2_begin(&e, out, cap, PP_CMD_PROXY, peer, local);
	if (tlvs & PROXY_CONFIG_PT_TLV_AUTHORITY)
		pp_v2_add_tlv(&e, PP2_TYPE_AUTHORITY, f->sni, f->sni_len);
	if ((tlvs & PROXY_CONFIG_PT_TLV_P0F) &&
	    (v = proxy_tunnel_hello_hook_value(f, "x-tcp-p0f", &vl)) != NULL)
		pp_v2_add_tlv(&e, PP_TLV_P0F, v, vl);
	if ((tlvs & PROXY_CONFIG_PT_TLV_P0F_OS) &&
	    (v = proxy_tunnel_hello_hook_value(f, "x-tcp-p0f-os", &vl)) != NULL)
		pp_v2_add_tlv(&e, PP_TLV_P0F_OS, v, vl);
	if (tlvs & PROXY_CONFIG_PT_TLV_JA4)
		pp_v2_add_tlv_str(&e, PP_TLV_JA4, f->ja4);
	if (tlvs & PROXY_CONFIG_PT_TLV_JA4_R)
		pp_v2_add_tlv_str(&e, PP_TLV_JA4_R, f->ja4_r);
	return pp_v2_finish(&e);
}

size_t proxy_tunnel_hello_fields(const struct proxy_tunnel_facts *f, const char *backend, char *out,
				 size_t cap)
{
	static const char *const kinds[] = {"-", "tls", "tcp"};
	size_t sl, ol;
	const char *sig = proxy_tunnel_hello_hook_value(f, "x-tcp-p0f", &sl);
	const char *os = proxy_tunnel_hello_hook_value(f, "x-tcp-p0f-os", &ol);
	int n;

	n = snprintf(out, cap, "%s %.*s %s %s %.*s %.*s", kinds[f->kind <= 2 ? f->kind : 0],
		     f->sni_len ? (int)f->sni_len : 1, f->sni_len ? f->sni : "-",
		     backend && backend[0] ? backend : "-", f->ja4[0] ? f->ja4 : "-",
		     sig ? (int)sl : 1, sig ? sig : "-", os ? (int)ol : 1, os ? os : "-");
	if (n < 0)
		return 0;
	return (size_t)n >= cap ? cap - 1 : (size_t)n;
}
