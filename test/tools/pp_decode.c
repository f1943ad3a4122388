/*
 * pp_decode.c - test tool: decode the PROXY header at the start of a file (bytes a real
 * sender wrote, saved by test/tools/pp_capture.py) with pp/ and print what it holds, one
 * key=value per line, for test/e2e/t_pp_interop.sh to compare with what the sender saw.
 *
 *   pp_decode FILE [MAX_LEN]
 *
 * Exit status 0 when a header was decoded, 1 otherwise (the rc= line says why).
 * Linked with the host build of the library (Makefile: $(BUILD)/host/libhuginn.a).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pp/pp.h"

static void addr(const char *key, const struct sockaddr_storage *ss)
{
	char ip[INET6_ADDRSTRLEN];
	unsigned port;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		port = ntohs(a->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		port = ntohs(a->sin6_port);
	} else {
		printf("%s=unspec\n", key);
		return;
	}
	printf("%s=%s\n%s_port=%u\n", key, ip, key, port);
}

static void slice(const char *key, struct pp_slice s)
{
	if (s.p)
		printf("%s=%.*s\n", key, (int)s.n, (const char *)s.p);
}

int main(int argc, char **argv)
{
	static unsigned char buf[PP_V2_MAX + 4096];
	struct pp_hdr h;
	size_t n, i;
	FILE *f;
	int rc;

	if (argc < 2) {
		fprintf(stderr, "usage: pp_decode FILE [MAX_LEN]\n");
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	rc = pp_parse(buf, n, argc > 2 ? strtoul(argv[2], NULL, 10) : 0, &h);
	printf("rc=%d\n", rc);
	if (rc == PP_ERROR)
		printf("err=%s\nerr_off=%zu\n", h.err, h.err_off);
	if (rc <= 0)
		return 1;
	printf("version=%d\ncommand=%s\nfam=0x%02x\n", h.version,
	       h.command == PP_CMD_PROXY ? "PROXY" : "LOCAL", (unsigned)h.fam);
	addr("src", &h.src);
	addr("dst", &h.dst);
	slice("authority", h.authority);
	slice("p0f", h.p0f);
	slice("p0f_os", h.p0f_os);
	slice("ja4", h.ja4);
	slice("ja4_r", h.ja4_r);
	printf("crc32c=%d\n", h.has_crc32c);
	/* the first line of what follows the header: the client's own bytes */
	printf("rest=");
	for (i = (size_t)rc; i < n && buf[i] != '\r' && buf[i] != '\n'; i++)
		putchar(buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '.');
	putchar('\n');
	return 0;
}
