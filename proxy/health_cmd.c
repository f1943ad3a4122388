/*
 * health_cmd.c - `huginn-proxy health [ADDR [PATH]]`: a self-check for scratch
 * images, which have no curl.  One GET to the proxy's telemetry listener;
 * exit 0 only on a 200.  Numeric addresses only, two seconds in all.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proxy/health_cmd.h"
#include "proxy/config.h"
#include "proxy/config_value.h"
#include "http/parse.h"

#define HEALTH_TIMEOUT_MS 2000
#define HEALTH_HEAD_MAX 4096

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Wait for fd to be ready for events until deadline; 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, long deadline)
{
	struct pollfd p = {.fd = fd, .events = events};
	long left;
	int n;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* The status of GET path on addr, or -errno; *what names the failing step. */
static int get_status(const struct sockaddr_storage *sa, socklen_t salen, const char *host,
		      const char *path, const char **what)
{
	char req[512], buf[HEALTH_HEAD_MAX];
	struct http_header hdrs[32];
	struct http_response res;
	long deadline = now_ms() + HEALTH_TIMEOUT_MS;
	size_t got = 0, last = 0;
	socklen_t elen = sizeof(int);
	int fd, n, err = 0, rc;

	n = snprintf(req, sizeof(req),
		     "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: huginn-proxy-health\r\n"
		     "Connection: close\r\n\r\n",
		     path, host);
	if (n < 0 || (size_t)n >= sizeof(req)) {
		*what = "request";
		return -ENAMETOOLONG;
	}
	*what = "connect";
	fd = socket(sa->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)sa, salen) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		goto out;
	}
	rc = wait_fd(fd, POLLOUT, deadline);
	if (rc < 0)
		goto out;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err) {
		rc = err ? -err : -errno;
		goto out;
	}
	*what = "send";
	if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
		rc = -EIO;
		goto out;
	}
	*what = "response";
	for (;;) {
		ssize_t r;

		rc = wait_fd(fd, POLLIN, deadline);
		if (rc < 0)
			goto out;
		r = read(fd, buf + got, sizeof(buf) - got);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -ECONNRESET;
			goto out;
		}
		got += (size_t)r;
		memset(&res, 0, sizeof(res));
		res.headers = hdrs;
		res.max_headers = sizeof(hdrs) / sizeof(hdrs[0]);
		rc = http_parse_response(buf, got, last, &res, NULL, 0);
		if (rc > 0) {
			rc = res.status;
			goto out;
		}
		if (rc != HTTP_NEED_MORE || got == sizeof(buf)) {
			rc = -EBADMSG;
			goto out;
		}
		last = got;
	}
out:
	close(fd);
	return rc;
}

int proxy_health_cmd_main(int argc, char **argv)
{
	const char *addr = argc > 1 ? argv[1] : "127.0.0.1:9090";
	const char *path = argc > 2 ? argv[2] : "/ready";
	struct sockaddr_storage sa;
	socklen_t salen;
	const char *what = "";
	int rc;

	if (argc > 3 || (argc > 1 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: huginn-proxy health [ADDR [PATH]]  (default "
				"127.0.0.1:9090 /ready)\n");
		return 2;
	}
	if (proxy_config_value_addr(addr, strlen(addr), &sa, &salen) < 0) {
		fprintf(stderr,
			"health: '%s' is not a numeric address:port (a.b.c.d:port or "
			"[v6]:port)\n",
			addr);
		return 2;
	}
	if (path[0] != '/' || strpbrk(path, " \r\n\t")) {
		fprintf(stderr, "health: path '%s' must start with '/' and hold no spaces\n", path);
		return 2;
	}
	rc = get_status(&sa, salen, addr, path, &what);
	if (rc < 0) {
		printf("unhealthy: %s %s: %s\n", addr, what, strerror(-rc));
		return 1;
	}
	if (rc != 200) {
		printf("unhealthy: GET %s on %s answered %d\n", path, addr, rc);
		return 1;
	}
	printf("ok: GET %s on %s answered 200\n", path, addr);
	return 0;
}
