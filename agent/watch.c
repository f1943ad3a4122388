/*
 * watch.c - the interface's RTM_DELLINK (watch.h).
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent/watch.h"

#define log_err(...) agent_state_logf(a, LOG_LEVEL_ERROR, __VA_ARGS__)

static int gone(struct agent_state *a)
{
	log_err("interface %s (ifindex %d) was deleted or left this network namespace, and "
		"its program with it: exiting with status %d so that the agent is "
		"restarted and attaches to the interface that has the name then",
		a->cfg.ifname, a->ifindex, AGENT_WATCH_EXIT_GONE);
	return 1;
}

/* Ask the kernel directly: 1 gone, 0 there, -errno. */
static int still_there(struct agent_state *a)
{
	struct nl_sock s = {.fd = -1};
	struct nl_link l;
	int err;

	err = nl_open(&s);
	if (!err)
		err = nl_link_get(&s, a->ifindex, NULL, &l, NULL, 0);
	nl_close(&s);
	if (err == -ENODEV)
		return gone(a);
	if (err)
		log_err("cannot look up interface %s (ifindex %d): %s", a->cfg.ifname, a->ifindex,
			agent_state_strerror(err));
	return err;
}

int agent_watch_open(struct agent_state *a)
{
	int err = nl_open_link_events(&a->watch);

	if (err) {
		log_err("cannot watch interface %s (netlink link events): %s", a->cfg.ifname,
			agent_state_strerror(err));
		return err;
	}
	return still_there(a);
}

int agent_watch_read(struct agent_state *a)
{
	unsigned char buf[NL_RECV_BYTES] __attribute__((aligned(4)));
	ssize_t n;
	int r;

	/* Bounded: the socket is non-blocking, and each read empties one batch. */
	for (int i = 0; i < 64; i++) {
		n = recv(a->watch.fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) /* events were lost: look for ourselves */
			return still_there(a);
		if (n < 0) {
			r = -errno;
			log_err("reading link events: %s", agent_state_strerror(r));
			return r;
		}
		r = nl_link_events_deleted(buf, (size_t)n, a->ifindex);
		if (r == 1)
			return gone(a);
		if (r < 0)
			return still_there(a);
	}
	return 0;
}
