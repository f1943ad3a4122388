/*
 * state.c - init, close and the log helper of an agent run (state.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent/state.h"

void agent_state_init(struct agent_state *a)
{
	memset(a, 0, sizeof(*a));
	a->nl.fd = -1;
	a->watch.fd = -1;
	a->dir_fd = -1;
	a->prog_fd = -1;
	a->link_fd = -1;
	a->old_link = -1;
}

void agent_state_close(struct agent_state *a)
{
	unsigned i;

	/* Reused map fds are ours to close; obj_close() closes the ones it made. */
	for (i = 0; i < a->obj.nmaps && i < OBJ_MAX_MAPS; i++)
		if (!a->obj.maps[i].created && a->obj.maps[i].fd >= 0) {
			close(a->obj.maps[i].fd);
			a->obj.maps[i].fd = -1;
		}
	obj_close(&a->obj);
	if (a->prog_fd >= 0)
		close(a->prog_fd);
	a->prog_fd = -1;
	if (a->link_fd >= 0)
		close(a->link_fd);
	a->link_fd = -1;
	if (a->old_link >= 0)
		close(a->old_link);
	a->old_link = -1;
	nl_close(&a->nl);
	nl_close(&a->watch);
	if (a->dir_fd >= 0)
		close(a->dir_fd); /* also drops the flock, if still held */
	a->dir_fd = -1;
}

void agent_state_logf(const struct agent_state *a, enum log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!a->log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->log(a->log_ctx, level, msg);
}

const char *agent_state_strerror(int err)
{
	return strerror(err < 0 ? -err : err);
}

int agent_state_path(char *buf, const char *dir, const char *prefix, const char *name)
{
	int n = snprintf(buf, AGENT_PATH_BYTES, "%s/%s%s", dir, prefix, name);

	return n < 0 || n >= AGENT_PATH_BYTES ? -ENAMETOOLONG : 0;
}
