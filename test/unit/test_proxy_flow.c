/*
 * test_proxy_flow.c - body framing over a buffer that fills a piece at a time: chunked
 * bodies in any split, trailers filtered in place, Content-Length, size limits.
 */
#include <string.h>

#include "proxy/flow.h"
#include "http/parse.h"
#include "test/harness.h"

/* Body framing over a buffer that fills a piece at a time, as reads would fill it. */
static void test_body_scan(void)
{
	static const char chunked[] =
	    "5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\nGET / HTTP/1.1\r\n";
	size_t body_len = strlen(chunked) - strlen("GET / HTTP/1.1\r\n");
	char mem[256];
	struct proxy_buf b = {.p = mem, .cap = sizeof(mem)};
	struct proxy_body bd;
	int bad = 0;

	for (size_t step = 1; step <= 7; step++) {
		b.rd = b.wr = 0;
		proxy_flow_body_init(&bd, HTTP_BODY_CHUNKED, 0, 0);
		for (size_t off = 0; off < strlen(chunked); off += step) {
			size_t n = strlen(chunked) - off < step ? strlen(chunked) - off : step;

			memcpy(mem + b.wr, chunked + off, n);
			b.wr += (uint32_t)n;
			if (proxy_flow_body_scan(&bd, &b))
				bad++;
		}
		if (!bd.done || bd.fwd != body_len)
			bad++;
	}
	is_int(bad, 0, "chunked body found whole in pieces of 1..7 bytes, next request left");

	{
		static const char in[] = "3\r\nabc\r\n0\r\nContent-Length: 9\r\nX-K: 1\r\n\r\nNEXT";
		static const char want[] = "3\r\nabc\r\n0\r\nX-K: 1\r\n\r\n";

		bad = 0;
		for (size_t step = 1; step <= 9; step++) {
			b.rd = b.wr = 0;
			proxy_flow_body_init(&bd, HTTP_BODY_CHUNKED, 0, 0);
			for (size_t off = 0; off < strlen(in); off += step) {
				size_t n = strlen(in) - off < step ? strlen(in) - off : step;

				memcpy(mem + b.wr, in + off, n);
				b.wr += (uint32_t)n;
				if (proxy_flow_body_scan(&bd, &b))
					bad++;
			}
			if (!bd.done || bd.fwd != strlen(want) || memcmp(mem, want, bd.fwd) ||
			    b.wr != strlen(want) + 4 || memcmp(mem + bd.fwd, "NEXT", 4))
				bad++;
		}
		is_int(bad, 0, "trailer filtered in the buffer, next request moved up, any split");
	}
	b.rd = b.wr = 0;
	memcpy(mem, "helloGET", 8);
	b.wr = 8;
	proxy_flow_body_init(&bd, HTTP_BODY_LENGTH, 5, 0);
	ok(proxy_flow_body_scan(&bd, &b) == 0 && bd.done && bd.fwd == 5,
	   "Content-Length body stops at 5");
	proxy_flow_body_init(&bd, HTTP_BODY_LENGTH, 0, 0);
	ok(bd.done, "Content-Length: 0 is done at once");
	b.rd = b.wr = 0;
	memcpy(mem, "zz\r\n", 4);
	b.wr = 4;
	proxy_flow_body_init(&bd, HTTP_BODY_CHUNKED, 0, 0);
	ok(proxy_flow_body_scan(&bd, &b) < 0, "bad chunk size is an error");
	b.rd = b.wr = 0;
	memcpy(mem, "10\r\n0123456789abcdef\r\n", 22);
	b.wr = 22;
	proxy_flow_body_init(&bd, HTTP_BODY_CHUNKED, 0, 8);
	ok(proxy_flow_body_scan(&bd, &b) == HTTP_E_BODY_TOO_LARGE,
	   "chunked body over max -> too large");
}

int main(void)
{
	test_body_scan();
	return done_testing();
}
