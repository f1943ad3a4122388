/*
 * loop.h - the engine's leaf services (loop.c): clock, timer lists, epoll registration,
 * the log hook and the graveyard.  Nothing here calls another engine module.
 */
#ifndef HUGINN_PROXY_LOOP_H
#define HUGINN_PROXY_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "proxy/engine.h"
#include "sys/log.h"

/* Format and hand one line to opts.log (no-op without one). */
void proxy_loop_logf(struct proxy_server *p, enum log_level lv, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Arm t on list (deadline now + that list's duration), moving it if armed elsewhere. */
void proxy_loop_timer_arm(struct proxy_server *p, struct proxy_timer *t, enum proxy_tl list);
/* Set list's duration to ms.  Timers already on it keep their start and take the new
 * duration (deadline = armed at + ms): the list stays ordered by deadline, and a
 * shortened timeout applies at once to what is waiting (a reload). */
void proxy_loop_timer_set_ms(struct proxy_server *p, enum proxy_tl list, uint32_t ms);
/* Take t off its list; no-op when not armed. */
void proxy_loop_timer_disarm(struct proxy_timer *t);
/* The next expired timer, disarmed, with the list it was on in *list; NULL when none.
 * The list tells the caller which kind of object owns the timer. */
struct proxy_timer *proxy_loop_timer_expired(struct proxy_server *p, enum proxy_tl *list);
/* Milliseconds epoll_wait may sleep: until the first deadline, the tick or the drain end. */
int proxy_loop_next_timeout(struct proxy_server *p);
/* Read the monotonic clock into p->now_us / now_ms. */
void proxy_loop_clock_update(struct proxy_server *p);

/* EPOLL_CTL_ADD fd with events ev and data ptr: 0 or -errno. */
int proxy_loop_ep_add(struct proxy_server *p, int fd, uint32_t ev, void *ptr);

/*
 * Accept one connection from listener lfd (non-blocking, close-on-exec), its peer into
 * *ss / *sl: the fd, or -errno (-EAGAIN: none left).  EINTR and ECONNABORTED are retried;
 * any other failure is logged at most once a second ("accept (what): ...", or
 * "accept: ..." when what is NULL).
 */
int proxy_loop_accept(struct proxy_server *p, int lfd, struct sockaddr_storage *ss, socklen_t *sl,
		      const char *what);

/* The numeric address of ss into ip[0..cap) and its port into *port: returns 4 or 6 for
 * AF_INET / AF_INET6, 0 otherwise (ip "unknown", port 0). */
int proxy_loop_addr(const struct sockaddr_storage *ss, char *ip, size_t cap, uint16_t *port);

/* Objects closed during the last batch of events back to their free lists. */
void proxy_loop_reap_graves(struct proxy_server *p);

#endif
