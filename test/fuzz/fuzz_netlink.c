/*
 * fuzz_netlink.c - bytes as a netlink reply stream: nl_reply_parse() with
 * nl_link_parse() on every message, nl_attr_parse() and nl_link_events_deleted()
 * on the raw bytes.
 * Sequence 1, port id 1; the seeds use those.  The copy is exactly `size`
 * bytes long (malloc keeps it aligned), so ASan sees any over-read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_msg(const struct nlmsghdr *nh, void *arg)
{
	struct nl_link l;
	unsigned *n = arg;

	if (nl_link_parse(nh, &l) == 0) {
		/* A parsed name is always terminated within its buffer. */
		if (memchr(l.name, 0, sizeof(l.name)) == NULL)
			abort();
		*n += l.xdp_attached;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	unsigned char *buf = malloc(size ? size : 1);
	char ext[64];
	unsigned n = 0;
	int r;

	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);
	r = nl_reply_parse(buf, size, 1, 1, on_msg, &n, ext, sizeof(ext));
	if (r > NL_MORE || memchr(ext, 0, sizeof(ext)) == NULL)
		abort();
	nl_attr_parse(buf, size, tb, IFLA_MAX);
	if (nl_link_events_deleted(buf, size, 1) > 1)
		abort();
	free(buf);
	return 0;
}
