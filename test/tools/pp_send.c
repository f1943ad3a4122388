/*
 * pp_send.c - test tool: connect to a PROXY-protocol receiver (haproxy accept-proxy, nginx
 * proxy_protocol), send a v2 header built by pp/ and then one HTTP request, print the
 * first line of the answer.  For test/e2e/t_pp_interop.sh.
 *
 *   pp_send [-L] [-s IP PORT] [-d IP PORT] [-t TYPE=VALUE]... [-c] [-x] [-o FILE] [-p PATH]
 *           [-b IP] [-H FIELD]... [-S N] HOST PORT
 *
 *   -L          LOCAL command (no addresses); default PROXY with -s and -d
 *   -t T=V      a TLV: type in hex (02, e0...), value as text
 *   -c          add a CRC32C TLV;  -x  then corrupt it (a receiver must refuse)
 *   -o FILE     also write the header to FILE
 *   -p PATH     request path (default /)
 *   -b IP       connect from this local address
 *   -H FIELD    one more request header line ("Name: value")
 *   -S N        send the first N bytes, wait 300 ms, then the rest (a split header)
 *
 * Exit 0 when an answer starting with "HTTP/1." came back, 1 otherwise.
 * Linked with the host build of the library (Makefile: $(BUILD)/host/libhuginn.a).
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pp/pp.h"

static int to_sa(const char *ip, const char *port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, ip, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)atoi(port));
		return 0;
	}
	if (inet_pton(AF_INET6, ip, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)atoi(port));
		return 0;
	}
	return -1;
}

static int usage(void)
{
	fprintf(stderr, "usage: pp_send [-L] [-s IP PORT] [-d IP PORT] [-t T=V]... [-c] [-x] "
			"[-o FILE] [-p PATH] [-b IP] [-H FIELD]... [-S N] HOST PORT\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage src, dst;
	struct {
		unsigned type;
		const char *val;
	} tlv[16];
	unsigned char out[4096];
	const char *path = "/", *file = NULL, *bind_ip = NULL, *fields[8];
	int nfields = 0, split = 0;
	int ntlv = 0, local = 0, crc = 0, corrupt = 0, have = 0, i, n, fd, len;
	struct addrinfo hints, *ai;
	struct pp_v2_enc e;
	char req[512], res[4096];
	struct pollfd pfd;
	size_t got = 0;

	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "-L")) {
			local = 1;
		} else if (!strcmp(o, "-c")) {
			crc = 1;
		} else if (!strcmp(o, "-x")) {
			corrupt = 1;
		} else if ((!strcmp(o, "-s") || !strcmp(o, "-d")) && i + 2 < argc) {
			if (to_sa(argv[i + 1], argv[i + 2], o[1] == 's' ? &src : &dst))
				return usage();
			have |= o[1] == 's' ? 1 : 2;
			i += 2;
		} else if (!strcmp(o, "-t") && i + 1 < argc && ntlv < 16) {
			char *eq = strchr(argv[++i], '=');

			if (!eq)
				return usage();
			tlv[ntlv].type = (unsigned)strtoul(argv[i], NULL, 16);
			tlv[ntlv++].val = eq + 1;
		} else if (!strcmp(o, "-o") && i + 1 < argc) {
			file = argv[++i];
		} else if (!strcmp(o, "-p") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(o, "-b") && i + 1 < argc) {
			bind_ip = argv[++i];
		} else if (!strcmp(o, "-H") && i + 1 < argc && nfields < 8) {
			fields[nfields++] = argv[++i];
		} else if (!strcmp(o, "-S") && i + 1 < argc) {
			split = atoi(argv[++i]);
		} else {
			return usage();
		}
	}
	if (argc - i != 2 || (!local && have != 3))
		return usage();

	pp_v2_begin(&e, out, sizeof(out), local ? PP_CMD_LOCAL : PP_CMD_PROXY, &src, &dst);
	for (n = 0; n < ntlv; n++)
		pp_v2_add_tlv_str(&e, (uint8_t)tlv[n].type, tlv[n].val);
	if (crc)
		pp_v2_add_crc32c(&e);
	len = pp_v2_finish(&e);
	if (len < 0) {
		fprintf(stderr, "pp_send: encoding failed: %s\n", strerror(-len));
		return 1;
	}
	if (corrupt && e.crc_off)
		out[e.crc_off] ^= 0x01;
	if (file) {
		FILE *f = fopen(file, "wb");

		if (!f || fwrite(out, 1, (size_t)len, f) != (size_t)len || fclose(f)) {
			perror(file);
			return 1;
		}
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(argv[i], argv[i + 1], &hints, &ai)) {
		fprintf(stderr, "pp_send: cannot resolve %s\n", argv[i]);
		return 1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind_ip) {
		struct sockaddr_storage b;

		if (to_sa(bind_ip, "0", &b) ||
		    bind(fd, (struct sockaddr *)&b,
			 b.ss_family == AF_INET ? sizeof(struct sockaddr_in)
						: sizeof(struct sockaddr_in6))) {
			perror("pp_send: bind");
			return 1;
		}
	}
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen)) {
		perror("pp_send: connect");
		return 1;
	}
	freeaddrinfo(ai);
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\n",
		     path);
	for (int f = 0; f < nfields && n > 0 && (size_t)n < sizeof(req); f++)
		n += snprintf(req + n, sizeof(req) - (size_t)n, "%s\r\n", fields[f]);
	if (n > 0 && (size_t)n < sizeof(req))
		n += snprintf(req + n, sizeof(req) - (size_t)n, "\r\n");
	if (n < 0 || (size_t)n >= sizeof(req)) {
		fprintf(stderr, "pp_send: request too long\n");
		return 1;
	}
	if ((size_t)len + (size_t)n > sizeof(out)) {
		fprintf(stderr, "pp_send: header too long\n");
		return 1;
	}
	/* header and request in one write: 2.2 asks senders to send the header at once */
	memmove(out + len, req, (size_t)n);
	if (split > 0 && split < len + n) {
		/* The receiver must put a header split over reads back together. */
		if (write(fd, out, (size_t)split) != split) {
			perror("pp_send: write");
			return 1;
		}
		poll(NULL, 0, 300);
		memmove(out, out + split, (size_t)(len + n - split));
		n -= split;
	}
	if (write(fd, out, (size_t)len + (size_t)n) != len + n) {
		perror("pp_send: write");
		return 1;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	while (got < sizeof(res) - 1 && poll(&pfd, 1, 5000) > 0) {
		ssize_t r = read(fd, res + got, sizeof(res) - 1 - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	res[got] = 0;
	res[strcspn(res, "\r\n")] = 0;
	printf("%s\n", got ? res : "(no answer)");
	return strncmp(res, "HTTP/1.", 7) ? 1 : 0;
}
