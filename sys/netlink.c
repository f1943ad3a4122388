/*
 * netlink.c - rtnetlink requests for interface lookup and XDP, see netlink.h.
 *
 * Does not do dumps (one link at a time is all the agent needs), nor any
 * other netlink family.
 */
#include "sys/netlink.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define NL_ALIGN4(x) (((x) + 3u) & ~3u)
/* Attributes are length-prefixed; a reply never holds more than this many reads. */
#define NL_MAX_READS 64

void nl_req_init(struct nl_req *req, __u16 type, __u16 flags, int ifindex)
{
	memset(req, 0, sizeof(*req));
	req->nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg));
	req->nh.nlmsg_type = type;
	req->nh.nlmsg_flags = flags;
	req->ifi.ifi_family = AF_UNSPEC;
	req->ifi.ifi_index = ifindex;
}

int nl_attr_put(struct nl_req *req, __u16 type, const void *data, size_t len)
{
	size_t at = NL_ALIGN4(req->nh.nlmsg_len), alen = NLA_HDRLEN + len;
	unsigned char *base = (unsigned char *)req;
	struct nlattr *a;

	if (len > 0xffff - NLA_HDRLEN || at > sizeof(*req) || NL_ALIGN4(alen) > sizeof(*req) - at)
		return -EMSGSIZE;
	a = (struct nlattr *)(base + at);
	a->nla_type = type;
	a->nla_len = (__u16)alen;
	if (len)
		memcpy(base + at + NLA_HDRLEN, data, len);
	/* Zero the padding so the request bytes are deterministic. */
	memset(base + at + alen, 0, NL_ALIGN4(alen) - alen);
	req->nh.nlmsg_len = (__u32)(at + NL_ALIGN4(alen));
	return 0;
}

int nl_attr_put_u32(struct nl_req *req, __u16 type, __u32 v)
{
	return nl_attr_put(req, type, &v, sizeof(v));
}

int nl_attr_put_s32(struct nl_req *req, __u16 type, __s32 v)
{
	return nl_attr_put(req, type, &v, sizeof(v));
}

int nl_attr_put_str(struct nl_req *req, __u16 type, const char *s)
{
	return nl_attr_put(req, type, s, strlen(s) + 1);
}

int nl_nest_begin(struct nl_req *req, __u16 type)
{
	int at = (int)NL_ALIGN4(req->nh.nlmsg_len), err;

	err = nl_attr_put(req, type | NLA_F_NESTED, NULL, 0);
	return err ? err : at;
}

void nl_nest_end(struct nl_req *req, int nest)
{
	struct nlattr *a = (struct nlattr *)((unsigned char *)req + nest);

	a->nla_len = (__u16)(req->nh.nlmsg_len - (__u32)nest);
}

int nl_getlink_build(struct nl_req *req, int ifindex, const char *name)
{
	size_t n;

	if (ifindex < 0)
		return -EINVAL;
	nl_req_init(req, RTM_GETLINK, 0, ifindex);
	if (ifindex > 0)
		return 0;
	if (!name)
		return -EINVAL;
	n = strlen(name);
	if (n == 0 || n >= NL_IFNAMSIZ)
		return -EINVAL;
	return nl_attr_put_str(req, IFLA_IFNAME, name);
}

int nl_xdp_build(struct nl_req *req, int ifindex, int prog_fd, __u32 flags, int expected_fd)
{
	int nest, err;

	if (ifindex <= 0 || ((flags & XDP_FLAGS_REPLACE) && expected_fd < 0))
		return -EINVAL;
	nl_req_init(req, RTM_SETLINK, 0, ifindex);
	nest = nl_nest_begin(req, IFLA_XDP);
	if (nest < 0)
		return nest;
	err = nl_attr_put_s32(req, IFLA_XDP_FD, prog_fd);
	if (!err && flags)
		err = nl_attr_put_u32(req, IFLA_XDP_FLAGS, flags);
	if (!err && (flags & XDP_FLAGS_REPLACE))
		err = nl_attr_put_s32(req, IFLA_XDP_EXPECTED_FD, expected_fd);
	if (err)
		return err;
	nl_nest_end(req, nest);
	return 0;
}

int nl_attr_parse(const void *buf, size_t len, const struct nlattr **tb, unsigned max)
{
	const unsigned char *p = buf;
	size_t off = 0;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if ((uintptr_t)buf & 3)
		return -EINVAL;
	while (len - off >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)(p + off);
		unsigned type = a->nla_type & NLA_TYPE_MASK;

		if (a->nla_len < NLA_HDRLEN || a->nla_len > len - off)
			return -EBADMSG;
		if (type <= max)
			tb[type] = a;
		off += NL_ALIGN4((size_t)a->nla_len);
		if (off > len)
			break; /* the last attribute's padding may be cut off */
	}
	return 0;
}

const void *nl_attr_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

size_t nl_attr_len(const struct nlattr *a)
{
	return (size_t)a->nla_len - NLA_HDRLEN;
}

int nl_attr_get_u32(const struct nlattr *a, __u32 *v)
{
	if (nl_attr_len(a) < sizeof(*v))
		return -EBADMSG;
	memcpy(v, nl_attr_data(a), sizeof(*v));
	return 0;
}

/* Copy an extended-ACK string, making it one printable line. */
static void copy_ext_msg(char *ext, size_t extlen, const struct nlattr *a)
{
	const char *s = nl_attr_data(a);
	size_t n = nl_attr_len(a), i;

	if (!ext || !extlen)
		return;
	for (i = 0; i < n && i + 1 < extlen && s[i]; i++)
		ext[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	ext[i] = 0;
}

/* The error message: nlmsgerr, maybe the request echoed back, then TLVs. */
static int parse_error(const struct nlmsghdr *nh, char *ext, size_t extlen)
{
	const unsigned char *p = (const unsigned char *)nh;
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct nlmsgerr e;
	size_t off = NLMSG_HDRLEN + sizeof(e);

	if (nh->nlmsg_len < off)
		return -EBADMSG;
	memcpy(&e, p + NLMSG_HDRLEN, sizeof(e));
	if (e.error > 0 || e.error < -4095)
		return -EBADMSG;
	if (!(nh->nlmsg_flags & NLM_F_CAPPED)) {
		/* Without NETLINK_CAP_ACK an error echoes the whole request. */
		if (e.error && e.msg.nlmsg_len >= NLMSG_HDRLEN)
			off += NL_ALIGN4((size_t)e.msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if ((nh->nlmsg_flags & NLM_F_ACK_TLVS) && off < nh->nlmsg_len) {
		if (nl_attr_parse(p + off, nh->nlmsg_len - off, tb, NLMSGERR_ATTR_MAX) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			copy_ext_msg(ext, extlen, tb[NLMSGERR_ATTR_MSG]);
	}
	return e.error;
}

int nl_reply_parse(const void *buf, size_t len, __u32 seq, __u32 portid, nl_msg_fn fn, void *arg,
		   char *ext, size_t extlen)
{
	const unsigned char *p = buf;
	size_t off = 0;
	int err;

	if (ext && extlen)
		ext[0] = 0;
	if ((uintptr_t)buf & 3)
		return -EINVAL;
	while (len - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nh = (const struct nlmsghdr *)(p + off);

		if (nh->nlmsg_len < NLMSG_HDRLEN || nh->nlmsg_len > len - off)
			return -EBADMSG;
		off += NLMSG_ALIGN((size_t)nh->nlmsg_len);
		if (off > len)
			off = len;
		/* A reply to an earlier request that timed out: not ours. */
		if (nh->nlmsg_seq != seq || nh->nlmsg_pid != portid)
			continue;
		switch (nh->nlmsg_type) {
		case NLMSG_NOOP:
			continue;
		case NLMSG_DONE:
			return 0;
		case NLMSG_ERROR:
			return parse_error(nh, ext, extlen);
		default:
			if (fn) {
				err = fn(nh, arg);
				if (err < 0)
					return err;
			}
		}
	}
	if (off != len)
		return -EBADMSG;
	return NL_MORE;
}

int nl_link_events_deleted(const void *buf, size_t len, int ifindex)
{
	const unsigned char *p = buf;
	struct ifinfomsg ifi;
	struct nlmsghdr nh;
	size_t off = 0;

	if ((uintptr_t)buf & 3)
		return -EINVAL;
	while (len - off >= NLMSG_HDRLEN) {
		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > len - off)
			return -EBADMSG;
		if (nh.nlmsg_type == RTM_DELLINK) {
			if (nh.nlmsg_len < NLMSG_LENGTH(sizeof(ifi)))
				return -EBADMSG;
			memcpy(&ifi, p + off + NLMSG_HDRLEN, sizeof(ifi));
			if (ifi.ifi_index == ifindex && ifi.ifi_family != AF_BRIDGE)
				return 1;
		}
		if (NLMSG_ALIGN(nh.nlmsg_len) >= len - off)
			break;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return 0;
}

int nl_link_parse(const struct nlmsghdr *nh, struct nl_link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1], *xtb[IFLA_XDP_MAX + 1];
	const unsigned char *p = (const unsigned char *)nh;
	struct ifinfomsg ifi;
	size_t off = NLMSG_LENGTH(sizeof(ifi));
	int err;

	if ((uintptr_t)nh & 3)
		return -EINVAL;
	if (nh->nlmsg_type != RTM_NEWLINK)
		return -ENOMSG;
	if (nh->nlmsg_len < off)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	memcpy(&ifi, p + NLMSG_HDRLEN, sizeof(ifi));
	out->ifindex = ifi.ifi_index;
	off = NLMSG_ALIGN(off);
	if (off > nh->nlmsg_len)
		return -EBADMSG;
	err = nl_attr_parse(p + off, nh->nlmsg_len - off, tb, IFLA_MAX);
	if (err)
		return err;
	if (tb[IFLA_IFNAME]) {
		size_t n = nl_attr_len(tb[IFLA_IFNAME]);
		const char *s = nl_attr_data(tb[IFLA_IFNAME]);

		if (n == 0 || n > NL_IFNAMSIZ || s[n - 1] != 0)
			return -EBADMSG;
		memcpy(out->name, s, n);
	}
	if (!tb[IFLA_XDP])
		return 0;
	err =
	    nl_attr_parse(nl_attr_data(tb[IFLA_XDP]), nl_attr_len(tb[IFLA_XDP]), xtb, IFLA_XDP_MAX);
	if (err)
		return err;
	if (xtb[IFLA_XDP_ATTACHED]) {
		if (nl_attr_len(xtb[IFLA_XDP_ATTACHED]) < 1)
			return -EBADMSG;
		out->xdp_attached = *(const __u8 *)nl_attr_data(xtb[IFLA_XDP_ATTACHED]);
	}
	if (xtb[IFLA_XDP_PROG_ID] && nl_attr_get_u32(xtb[IFLA_XDP_PROG_ID], &out->xdp_prog_id))
		return -EBADMSG;
	if (xtb[IFLA_XDP_DRV_PROG_ID] &&
	    nl_attr_get_u32(xtb[IFLA_XDP_DRV_PROG_ID], &out->drv_prog_id))
		return -EBADMSG;
	if (xtb[IFLA_XDP_SKB_PROG_ID] &&
	    nl_attr_get_u32(xtb[IFLA_XDP_SKB_PROG_ID], &out->skb_prog_id))
		return -EBADMSG;
	if (xtb[IFLA_XDP_HW_PROG_ID] && nl_attr_get_u32(xtb[IFLA_XDP_HW_PROG_ID], &out->hw_prog_id))
		return -EBADMSG;
	/* With a single mode the kernel sends only IFLA_XDP_PROG_ID: file it by mode. */
	if (out->xdp_prog_id) {
		if (out->xdp_attached == XDP_ATTACHED_DRV && !out->drv_prog_id)
			out->drv_prog_id = out->xdp_prog_id;
		else if (out->xdp_attached == XDP_ATTACHED_SKB && !out->skb_prog_id)
			out->skb_prog_id = out->xdp_prog_id;
		else if (out->xdp_attached == XDP_ATTACHED_HW && !out->hw_prog_id)
			out->hw_prog_id = out->xdp_prog_id;
	}
	return 0;
}

__u32 nl_xdp_mode_of(const struct nl_link *l, __u32 prog_id)
{
	if (!prog_id)
		return 0;
	if (l->drv_prog_id == prog_id)
		return XDP_FLAGS_DRV_MODE;
	if (l->skb_prog_id == prog_id)
		return XDP_FLAGS_SKB_MODE;
	if (l->hw_prog_id == prog_id)
		return XDP_FLAGS_HW_MODE;
	return 0;
}

const char *nl_xdp_mode_name(__u32 mode_flag)
{
	switch (mode_flag) {
	case XDP_FLAGS_DRV_MODE:
		return "native";
	case XDP_FLAGS_SKB_MODE:
		return "skb";
	case XDP_FLAGS_HW_MODE:
		return "offload";
	}
	return "unknown";
}

int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 5};
	socklen_t slen = sizeof(sa);
	int one = 1, err;

	s->fd = -1;
	s->seq = 0;
	s->portid = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return -errno;
	/* Extended ACKs carry the kernel's reason; capped ACKs skip the echoed request. */
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	    bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &slen))
		goto out_err;
	if (slen != sizeof(sa) || sa.nl_family != AF_NETLINK) {
		errno = EPROTO;
		goto out_err;
	}
	s->portid = sa.nl_pid;
	return 0;

out_err:
	err = -errno;
	nl_close(s);
	return err;
}

int nl_open_link_events(struct nl_sock *s)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	int err;

	s->seq = 0;
	s->portid = 0;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		nl_close(s);
		return err;
	}
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int nl_talk(struct nl_sock *s, struct nl_req *req, nl_msg_fn fn, void *arg, char *ext,
	    size_t extlen)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	unsigned char buf[NL_RECV_BYTES] __attribute__((aligned(4)));
	ssize_t n;
	int i, err;

	if (ext && extlen)
		ext[0] = 0;
	if (s->fd < 0)
		return -EBADF;
	req->nh.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	req->nh.nlmsg_seq = ++s->seq;
	req->nh.nlmsg_pid = 0;
	do
		n = sendto(s->fd, req, req->nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req->nh.nlmsg_len)
		return -EIO;

	for (i = 0; i < NL_MAX_READS; i++) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof(from);

		do
			n = recvfrom(s->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from,
				     &flen);
		while (n < 0 && errno == EINTR);
		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -errno;
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;
		/* Only the kernel (port 0) answers requests. */
		if (flen != sizeof(from) || from.nl_pid != 0)
			continue;
		err = nl_reply_parse(buf, (size_t)n, req->nh.nlmsg_seq, s->portid, fn, arg, ext,
				     extlen);
		if (err != NL_MORE)
			return err;
	}
	return -EPROTO;
}

struct link_ctx {
	struct nl_link *out;
	int found;
};

static int on_link(const struct nlmsghdr *nh, void *arg)
{
	struct link_ctx *c = arg;
	int err;

	err = nl_link_parse(nh, c->out);
	if (err == -ENOMSG)
		return 0;
	if (err)
		return err;
	c->found = 1;
	return 0;
}

int nl_link_get(struct nl_sock *s, int ifindex, const char *name, struct nl_link *out, char *ext,
		size_t extlen)
{
	struct link_ctx c = {.out = out};
	struct nl_req req;
	int err;

	err = nl_getlink_build(&req, ifindex, name);
	if (err)
		return err;
	err = nl_talk(s, &req, on_link, &c, ext, extlen);
	if (err)
		return err;
	return c.found ? 0 : -ENODEV;
}

int nl_ifindex(struct nl_sock *s, const char *name)
{
	struct nl_link l;
	int err;

	err = nl_link_get(s, 0, name, &l, NULL, 0);
	if (err)
		return err;
	return l.ifindex > 0 ? l.ifindex : -ENODEV;
}

int nl_ifname(struct nl_sock *s, int ifindex, char *name)
{
	struct nl_link l;
	int err;

	if (ifindex <= 0)
		return -EINVAL;
	err = nl_link_get(s, ifindex, NULL, &l, NULL, 0);
	if (err)
		return err;
	if (!l.name[0])
		return -EBADMSG;
	memcpy(name, l.name, NL_IFNAMSIZ);
	return 0;
}

int nl_xdp_attach(struct nl_sock *s, int ifindex, int prog_fd, __u32 flags, int expected_fd,
		  char *ext, size_t extlen)
{
	struct nl_req req;
	int err;

	if (prog_fd < 0)
		return -EBADF;
	err = nl_xdp_build(&req, ifindex, prog_fd, flags, expected_fd);
	if (err)
		return err;
	return nl_talk(s, &req, NULL, NULL, ext, extlen);
}

int nl_xdp_detach(struct nl_sock *s, int ifindex, __u32 flags, char *ext, size_t extlen)
{
	struct nl_req req;
	int err;

	err = nl_xdp_build(&req, ifindex, -1, flags & XDP_FLAGS_MODES, -1);
	if (err)
		return err;
	return nl_talk(s, &req, NULL, NULL, ext, extlen);
}

int nl_xdp_query(struct nl_sock *s, int ifindex, struct nl_link *out, char *ext, size_t extlen)
{
	if (ifindex <= 0)
		return -EINVAL;
	return nl_link_get(s, ifindex, NULL, out, ext, extlen);
}
