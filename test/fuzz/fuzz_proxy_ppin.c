/*
 * fuzz_proxy_ppin.c - libFuzzer target for proxy/ppin.c (PROXY input) and proxy/cidr.c.
 * The first input byte picks the policy (mode) and the peer's kind, the rest are the
 * first bytes of a connection.  Beyond "never crash" it checks the contracts: a verdict
 * from the documented set; "more" only for a valid beginning within the bound; a length
 * only for accepted results, within the input; a client address only for v1/v2 PROXY;
 * the fingerprint lines are "name: value" CRLF lines of printable ASCII with the three
 * known names, each at most once, and they fit the buffer.  The bytes are also parsed
 * as a CIDR prefix: an accepted one matches its own address.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "proxy/cidr.h"
#include "proxy/ppin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			__builtin_trap();                                                          \
	} while (0)

static void lines_ok(const char *p, size_t n)
{
	static const char *const names[3] = {"x-tcp-p0f: ", "x-tcp-p0f-os: ", "x-tls-ja4: "};
	int seen[3] = {0, 0, 0};
	size_t i = 0;

	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t len, k;
		int which = -1;

		CHECK(nl && nl > p + i && nl[-1] == '\r');
		len = (size_t)(nl - (p + i)) + 1;
		for (k = 0; k < 3; k++)
			if (!strncmp(p + i, names[k], strlen(names[k])) &&
			    (k != 0 || p[i + 9] == ':')) {
				which = (int)k;
				break;
			}
		CHECK(which >= 0 && !seen[which]);
		seen[which] = 1;
		for (k = i + strlen(names[which]); k < i + len - 2; k++)
			CHECK(p[k] >= 0x20 && p[k] <= 0x7e);
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cidr trusted[1];
	struct proxy_ppin_policy pol = {PROXY_PPIN_OPTIONAL, trusted, 1, 0};
	struct proxy_ppin r;
	char out[512]; /* the engine's PROXY_HOOK_LINES_MAX */
	unsigned ign;
	struct cidr c;
	int kind, rc;

	if (size < 1)
		return 0;
	pol.mode = (data[0] & 1) ? PROXY_PPIN_REQUIRED : PROXY_PPIN_OPTIONAL;
	pol.max_len = (data[0] & 2) ? 64 : 0;
	kind = (data[0] & 4) ? PROXY_PPIN_PEER_WATCH : PROXY_PPIN_PEER_TRUSTED;
	data++;
	size--;

	rc = proxy_ppin_read(&pol, kind, data, size, &r);
	CHECK(rc == 0 || rc == 1);
	if (rc == 0) {
		/* More is asked for only below the header's bound: the caller's max_len bounds
		 * a v2 header, the spec's 107 bytes a v1 line (pp.h), whatever max_len says. */
		size_t bound = pol.max_len ? pol.max_len : PROXY_PPIN_MAX;

		if (size >= 6 && !memcmp(data, "PROXY ", 6) && bound < PP_V1_MAX)
			bound = PP_V1_MAX;
		CHECK(size < (kind == PROXY_PPIN_PEER_WATCH ? (size_t)PP_V2_SIG_LEN : bound));
	} else {
		CHECK(r.result >= 0 && r.result < PROXY_PPIN_INCOMPLETE);
		if (r.result <= PROXY_PPIN_LOCAL)
			CHECK(r.len > 0 && r.len <= size && kind == PROXY_PPIN_PEER_TRUSTED);
		else
			CHECK(r.len == 0);
		if (r.result == PROXY_PPIN_MISSING)
			CHECK(pol.mode == PROXY_PPIN_REQUIRED);
		if (r.result == PROXY_PPIN_BAD)
			CHECK(r.err != NULL);
		if (proxy_ppin_client(&r))
			CHECK(r.result == PROXY_PPIN_V1 || r.result == PROXY_PPIN_V2);
		size_t n = proxy_ppin_fp_lines(&r, out, sizeof(out), &ign);

		CHECK(n <= sizeof(out));
		lines_ok(out, n);
		CHECK(ign <= 3);
	}

	if (!cidr_parse((const char *)data, size, &c)) {
		struct sockaddr_storage ss;

		memset(&ss, 0, sizeof(ss));
		if (c.family == AF_INET) {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;

			a->sin_family = AF_INET;
			memcpy(&a->sin_addr, c.addr, 4);
		} else {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

			CHECK(c.family == AF_INET6);
			a->sin6_family = AF_INET6;
			memcpy(&a->sin6_addr, c.addr, 16);
		}
		CHECK(c.bits <= (c.family == AF_INET ? 32 : 128));
		CHECK(cidr_match(&c, (struct sockaddr *)&ss));
	}
	return 0;
}
