/*
 * pp.c - which PROXY header, if any, starts a connection: the first byte tells v1 ("P")
 * from v2 ("\r"), each version's reader then checks its whole signature (2.2, end: v2's
 * 12 bytes, v1's "PROXY").  Anything else is PP_NOT_PROXY; the caller decides whether that
 * is allowed (section 5: only a configuration may say whether a header is expected).
 */
#include <string.h>

#include "pp/pp.h"

int pp_parse(const void *buf, size_t len, size_t max_len, struct pp_hdr *h)
{
	const unsigned char *b = buf;

	memset(h, 0, sizeof(*h));
	if (!len)
		return PP_NEED_MORE;
	if (b[0] == 'P')
		return pp_v1_parse(b, len, h);
	if (b[0] == '\r')
		return pp_v2_parse(b, len, max_len, h);
	return PP_NOT_PROXY;
}
