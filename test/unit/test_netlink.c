/*
 * test_netlink.c - rtnetlink request building and reply parsing on buffers,
 * plus the interface lookup against the running kernel ("lo").
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sys/bpf.h"
#include "sys/netlink.h"
#include "test/harness.h"

/*
 * Netlink buffers are 4-byte aligned (the parsers insist), so guarded copies
 * are rounded up to 4: an over-read of the last 1-3 bytes goes unseen.
 */
#define ROUND4(n) (((n) + 3u) & ~(size_t)3u)

/* Attribute at byte offset off of a request. */
static const struct nlattr *attr_at(const void *base, size_t off)
{
	return (const struct nlattr *)((const unsigned char *)base + off);
}

static __u32 u32_at(const void *base, size_t off)
{
	__u32 v;

	memcpy(&v, (const unsigned char *)base + off, 4);
	return v;
}

static void test_build(void)
{
	struct nl_req req;
	const struct nlattr *a;
	unsigned char *raw = (unsigned char *)&req, fill[NL_REQ_ATTR_BYTES];
	int n, err, nest;
	__u32 before;

	nl_req_init(&req, RTM_GETLINK, 0, 7);
	is_int(req.nh.nlmsg_len, 32, "init: header + ifinfomsg = 32 bytes");
	is_int(req.nh.nlmsg_type, RTM_GETLINK, "init: type");
	is_int(req.ifi.ifi_index, 7, "init: ifindex");
	is_int(req.ifi.ifi_family, AF_UNSPEC, "init: family AF_UNSPEC");

	is_int(nl_attr_put_u32(&req, IFLA_MTU, 0x11223344), 0, "put u32");
	a = attr_at(&req, 32);
	is_int(a->nla_len, 8, "u32 attr: nla_len 8");
	is_int(a->nla_type, IFLA_MTU, "u32 attr: type");
	is_int(u32_at(&req, 36), 0x11223344, "u32 attr: value");
	is_int(req.nh.nlmsg_len, 40, "u32 attr: message grew by 8");

	is_int(nl_attr_put_str(&req, IFLA_IFNAME, "lo"), 0, "put string");
	a = attr_at(&req, 40);
	is_int(a->nla_len, 7, "string attr: nla_len counts the NUL, not the padding");
	ok(memcmp(raw + 44, "lo\0\0", 4) == 0, "string attr: bytes and zero padding");
	is_int(req.nh.nlmsg_len, 48, "string attr: message padded to 4");

	/* Nesting: the nest's length covers its children. */
	nl_req_init(&req, RTM_SETLINK, 0, 3);
	nest = nl_nest_begin(&req, IFLA_XDP);
	is_int(nest, 32, "nest begins right after the ifinfomsg");
	is_int(nl_attr_put_s32(&req, IFLA_XDP_FD, 9), 0, "child 1");
	is_int(nl_attr_put_u32(&req, IFLA_XDP_FLAGS, XDP_FLAGS_SKB_MODE), 0, "child 2");
	nl_nest_end(&req, nest);
	a = attr_at(&req, 32);
	is_int(a->nla_len, 4 + 8 + 8, "nest length = header + two children");
	is_int(a->nla_type, IFLA_XDP | NLA_F_NESTED, "nest type carries NLA_F_NESTED");
	is_int(attr_at(&req, 36)->nla_type, IFLA_XDP_FD, "first child type");
	is_int(u32_at(&req, 40), 9, "first child value");
	is_int(attr_at(&req, 44)->nla_type, IFLA_XDP_FLAGS, "second child type");

	/* The XDP request as the attach path sends it. */
	is_int(nl_xdp_build(&req, 5, 7, XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, 11), 0,
	       "xdp replace request");
	is_int(req.nh.nlmsg_type, RTM_SETLINK, "xdp: RTM_SETLINK");
	is_int(req.ifi.ifi_index, 5, "xdp: ifindex");
	is_int(req.nh.nlmsg_len, 32 + 4 + 8 + 8 + 8, "xdp: length");
	is_int(attr_at(&req, 32)->nla_len, 28, "xdp: nest holds fd, flags, expected fd");
	is_int(u32_at(&req, 40), 7, "xdp: IFLA_XDP_FD");
	is_int(u32_at(&req, 48), XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE, "xdp: IFLA_XDP_FLAGS");
	is_int(attr_at(&req, 52)->nla_type, IFLA_XDP_EXPECTED_FD, "xdp: expected fd type");
	is_int(u32_at(&req, 56), 11, "xdp: IFLA_XDP_EXPECTED_FD");

	is_int(nl_xdp_build(&req, 5, -1, XDP_FLAGS_SKB_MODE, -1), 0, "xdp detach request");
	is_int((__s32)u32_at(&req, 40), -1, "detach: fd -1");
	is_int(req.nh.nlmsg_len, 32 + 4 + 8 + 8, "detach: no expected fd");
	is_int(nl_xdp_build(&req, 5, -1, 0, -1), 0, "xdp request without flags");
	is_int(req.nh.nlmsg_len, 32 + 4 + 8, "no flags: no IFLA_XDP_FLAGS");
	is_int(nl_xdp_build(&req, 0, 3, 0, -1), -EINVAL, "xdp: ifindex 0 rejected");
	is_int(nl_xdp_build(&req, 1, 3, XDP_FLAGS_REPLACE, -1), -EINVAL,
	       "xdp: REPLACE without expected fd rejected");

	is_int(nl_getlink_build(&req, 0, "eth0"), 0, "getlink by name");
	is_int(req.nh.nlmsg_len, 32 + 12, "getlink by name: IFLA_IFNAME \"eth0\\0\" padded");
	is_int(nl_getlink_build(&req, 4, NULL), 0, "getlink by index");
	is_int(req.nh.nlmsg_len, 32, "getlink by index: no attributes");
	is_int(nl_getlink_build(&req, 0, "0123456789abcdef"), -EINVAL, "16-byte name rejected");
	is_int(nl_getlink_build(&req, 0, ""), -EINVAL, "empty name rejected");
	is_int(nl_getlink_build(&req, 0, NULL), -EINVAL, "no index and no name rejected");

	/* Fill up: every attribute fits or -EMSGSIZE leaves the request unchanged. */
	nl_req_init(&req, RTM_SETLINK, 0, 1);
	for (n = 0; n < 1000; n++) {
		before = req.nh.nlmsg_len;
		err = nl_attr_put_u32(&req, IFLA_MTU, (__u32)n);
		if (err)
			break;
	}
	is_int(err, -EMSGSIZE, "full request: -EMSGSIZE");
	is_int(n, NL_REQ_ATTR_BYTES / 8, "full request: attribute buffer / 8 u32 attributes fit");
	is_int(req.nh.nlmsg_len, before, "full request: length unchanged by the failed put");
	ok(req.nh.nlmsg_len <= sizeof(req), "full request: never past the struct");
	is_int(nl_nest_begin(&req, IFLA_XDP), -EMSGSIZE, "full request: nest begin fails too");
	memset(fill, 'x', sizeof(fill));
	nl_req_init(&req, RTM_SETLINK, 0, 1);
	is_int(nl_attr_put(&req, IFLA_IFALIAS, fill, NL_REQ_ATTR_BYTES - 3), -EMSGSIZE,
	       "one attribute larger than the buffer: -EMSGSIZE");
	is_int(nl_attr_put(&req, IFLA_IFALIAS, fill, NL_REQ_ATTR_BYTES - 4), 0,
	       "one attribute exactly filling the buffer fits");
	is_int(req.nh.nlmsg_len, sizeof(req), "exactly full");
	is_int(nl_attr_put(&req, IFLA_IFALIAS, NULL, 0), -EMSGSIZE,
	       "even an empty attribute no longer fits");
}

/* A reply buffer under construction. */
struct rbuf {
	unsigned char b[4096] __attribute__((aligned(4)));
	size_t len;
};

static struct nlmsghdr *msg_add(struct rbuf *r, __u16 type, __u16 flags, __u32 seq, __u32 pid)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)(r->b + r->len);

	memset(nh, 0, NLMSG_HDRLEN);
	nh->nlmsg_len = NLMSG_HDRLEN;
	nh->nlmsg_type = type;
	nh->nlmsg_flags = flags;
	nh->nlmsg_seq = seq;
	nh->nlmsg_pid = pid;
	return nh;
}

static void msg_put(struct rbuf *r, struct nlmsghdr *nh, const void *data, size_t len)
{
	unsigned char *at = (unsigned char *)nh + nh->nlmsg_len;

	memcpy(at, data, len);
	memset(at + len, 0, NLMSG_ALIGN(len) - len);
	nh->nlmsg_len += (__u32)NLMSG_ALIGN(len);
	(void)r;
}

static void msg_attr(struct rbuf *r, struct nlmsghdr *nh, __u16 type, const void *data, size_t len)
{
	struct nlattr a = {.nla_len = (__u16)(NLA_HDRLEN + len), .nla_type = type};
	unsigned char *at = (unsigned char *)nh + nh->nlmsg_len;

	memcpy(at, &a, sizeof(a));
	if (len)
		memcpy(at + NLA_HDRLEN, data, len);
	memset(at + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	nh->nlmsg_len += (__u32)(NLA_HDRLEN + NLA_ALIGN(len));
	(void)r;
}

static void msg_end(struct rbuf *r, struct nlmsghdr *nh)
{
	r->len += NLMSG_ALIGN(nh->nlmsg_len);
}

/* An error/ACK message; msg may be NULL. */
static void add_ack(struct rbuf *r, __u32 seq, __u32 pid, int error, const char *msg, int capped)
{
	struct nlmsghdr *nh;
	struct nlmsgerr e;
	struct {
		struct nlmsghdr h;
		struct ifinfomsg i;
	} echo;

	nh = msg_add(r, NLMSG_ERROR, (capped ? NLM_F_CAPPED : 0) | (msg ? NLM_F_ACK_TLVS : 0), seq,
		     pid);
	memset(&e, 0, sizeof(e));
	e.error = error;
	memset(&echo, 0, sizeof(echo));
	echo.h.nlmsg_len = sizeof(echo);
	echo.h.nlmsg_type = RTM_SETLINK;
	e.msg = echo.h;
	msg_put(r, nh, &e, sizeof(e));
	/* Uncapped errors echo the request's payload after the nlmsgerr. */
	if (!capped && error)
		msg_put(r, nh, &echo.i, sizeof(echo.i));
	if (msg)
		msg_attr(r, nh, NLMSGERR_ATTR_MSG, msg, strlen(msg) + 1);
	msg_end(r, nh);
}

/* An RTM_NEWLINK for ifindex with name and an IFLA_XDP nest. */
static void add_link(struct rbuf *r, __u32 seq, __u32 pid, int ifindex, const char *name,
		     __u8 attached, __u32 prog_id)
{
	struct nlmsghdr *nh = msg_add(r, RTM_NEWLINK, 0, seq, pid);
	struct ifinfomsg ifi = {.ifi_index = ifindex};
	__u32 mtu = 1500;
	unsigned char *nest;

	msg_put(r, nh, &ifi, sizeof(ifi));
	msg_attr(r, nh, IFLA_MTU, &mtu, 4);
	msg_attr(r, nh, IFLA_IFNAME, name, strlen(name) + 1);
	nest = (unsigned char *)nh + nh->nlmsg_len;
	msg_attr(r, nh, IFLA_XDP | NLA_F_NESTED, NULL, 0);
	msg_attr(r, nh, IFLA_XDP_ATTACHED, &attached, 1);
	if (prog_id)
		msg_attr(r, nh, IFLA_XDP_PROG_ID, &prog_id, 4);
	((struct nlattr *)nest)->nla_len = (__u16)((unsigned char *)nh + nh->nlmsg_len - nest);
	msg_end(r, nh);
}

struct seen {
	int calls;
	struct nl_link link;
	int parse_err;
};

static int on_msg(const struct nlmsghdr *nh, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->parse_err = nl_link_parse(nh, &s->link);
	return 0;
}

static void test_parse(void)
{
	struct rbuf r;
	struct seen s;
	char ext[128], small[8];
	unsigned char *g;
	size_t i;
	int err, bad;

	/* An extended ACK with a message, capped (as nl_open asks for). */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 7, 42, -EBUSY, "XDP program already attached", 1);
	g = t_guarded(r.b, r.len);
	strcpy(ext, "junk");
	is_int(nl_reply_parse(g, r.len, 7, 42, NULL, NULL, ext, sizeof(ext)), -EBUSY,
	       "error ACK returns nlmsgerr.error");
	is_str(ext, "XDP program already attached", "extended ACK message copied");
	is_int(nl_reply_parse(g, r.len, 7, 42, NULL, NULL, small, sizeof(small)), -EBUSY,
	       "small message buffer: same error");
	is_str(small, "XDP pro", "small message buffer: cut and NUL-terminated");
	is_int(nl_reply_parse(g, r.len, 7, 42, NULL, NULL, NULL, 0), -EBUSY,
	       "no message buffer: same error");
	/* Every prefix: never a read past the end, never a false ACK. */
	bad = 0;
	for (i = 0; i < r.len; i++) {
		unsigned char *p = t_guarded(r.b, ROUND4(i));

		err = nl_reply_parse(p, i, 7, 42, NULL, NULL, ext, sizeof(ext));
		if (err != NL_MORE && err != -EBADMSG)
			bad++;
		t_guarded_free(p, ROUND4(i));
	}
	is_int(bad, 0, "every prefix of an error ACK: NL_MORE or -EBADMSG");
	t_guarded_free(g, r.len);

	/* Uncapped: the echoed request sits between nlmsgerr and the TLVs. */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 3, 9, -EINVAL, "Only one XDP mode flag can be set", 0);
	is_int(nl_reply_parse(r.b, r.len, 3, 9, NULL, NULL, ext, sizeof(ext)), -EINVAL,
	       "uncapped error ACK");
	is_str(ext, "Only one XDP mode flag can be set", "uncapped: message found after the echo");

	/* Control bytes in a message do not reach the log as such. */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 3, 9, -EINVAL, "two\nlines", 1);
	nl_reply_parse(r.b, r.len, 3, 9, NULL, NULL, ext, sizeof(ext));
	is_str(ext, "two?lines", "control bytes in the message replaced");

	/* A plain ACK. */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 5, 1, 0, NULL, 1);
	strcpy(ext, "junk");
	is_int(nl_reply_parse(r.b, r.len, 5, 1, NULL, NULL, ext, sizeof(ext)), 0, "success ACK: 0");
	is_str(ext, "", "success ACK without a message: message buffer emptied");

	/* Stale replies (wrong seq or port id) are skipped. */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 4, 1, -EPERM, NULL, 1);
	add_ack(&r, 5, 2, -EPERM, NULL, 1);
	is_int(nl_reply_parse(r.b, r.len, 5, 1, NULL, NULL, NULL, 0), NL_MORE,
	       "only stale messages: read more");
	add_ack(&r, 5, 1, 0, NULL, 1);
	is_int(nl_reply_parse(r.b, r.len, 5, 1, NULL, NULL, NULL, 0), 0,
	       "stale messages, then ours: 0");

	/* A GETLINK answer: the link, then the ACK. */
	memset(&r, 0, sizeof(r));
	memset(&s, 0, sizeof(s));
	add_link(&r, 8, 77, 12, "veth0", XDP_ATTACHED_SKB, 321);
	is_int(nl_reply_parse(r.b, r.len, 8, 77, on_msg, &s, NULL, 0), NL_MORE,
	       "link message alone: read more");
	add_ack(&r, 8, 77, 0, NULL, 1);
	memset(&s, 0, sizeof(s));
	g = t_guarded(r.b, r.len);
	is_int(nl_reply_parse(g, r.len, 8, 77, on_msg, &s, NULL, 0), 0, "link + ACK: 0");
	t_guarded_free(g, r.len);
	is_int(s.calls, 1, "callback saw the link message");
	is_int(s.parse_err, 0, "link parsed");
	is_int(s.link.ifindex, 12, "link: ifindex");
	is_str(s.link.name, "veth0", "link: name");
	is_int(s.link.xdp_attached, XDP_ATTACHED_SKB, "link: attached in skb mode");
	is_int(s.link.xdp_prog_id, 321, "link: prog id");
	is_int(s.link.skb_prog_id, 321, "link: single-mode id filed as skb id");
	is_int(s.link.drv_prog_id, 0, "link: no driver-mode id");

	/* Every prefix of the link message parses or is rejected, no over-read. */
	{
		struct nlmsghdr *nh = (struct nlmsghdr *)r.b;
		__u32 full = nh->nlmsg_len, l;
		struct nl_link lk;

		bad = 0;
		for (l = NLMSG_HDRLEN; l < full; l++) {
			unsigned char *p;

			nh->nlmsg_len = l;
			p = t_guarded(r.b, ROUND4(l));
			err = nl_link_parse((const struct nlmsghdr *)p, &lk);
			if (err != 0 && err != -EBADMSG)
				bad++;
			t_guarded_free(p, ROUND4(l));
		}
		nh->nlmsg_len = full;
		is_int(bad, 0, "every cut of a link message: 0 or -EBADMSG");
	}

	/* Malformed input. */
	memset(&r, 0, sizeof(r));
	add_ack(&r, 1, 1, 0, NULL, 1);
	((struct nlmsghdr *)r.b)->nlmsg_len = (__u32)r.len + 4;
	is_int(nl_reply_parse(r.b, r.len, 1, 1, NULL, NULL, NULL, 0), -EBADMSG,
	       "message longer than the buffer");
	((struct nlmsghdr *)r.b)->nlmsg_len = 8;
	is_int(nl_reply_parse(r.b, r.len, 1, 1, NULL, NULL, NULL, 0), -EBADMSG,
	       "message shorter than its header");
	((struct nlmsghdr *)r.b)->nlmsg_len = NLMSG_HDRLEN + 2;
	is_int(nl_reply_parse(r.b, r.len, 1, 1, NULL, NULL, NULL, 0), -EBADMSG,
	       "error message without a whole nlmsgerr");
	memset(&r, 0, sizeof(r));
	add_ack(&r, 1, 1, 5, NULL, 1);
	is_int(nl_reply_parse(r.b, r.len, 1, 1, NULL, NULL, NULL, 0), -EBADMSG,
	       "positive error value");
	memset(&r, 0, sizeof(r));
	add_link(&r, 1, 1, 2, "x", XDP_ATTACHED_NONE, 0);
	is_int(nl_reply_parse(r.b, r.len + 8, 1, 1, NULL, NULL, NULL, 0), -EBADMSG,
	       "trailing bytes shorter than a header");
	memset(&r, 0, sizeof(r));
	add_ack(&r, 1, 1, 0, NULL, 1);
	is_int(nl_reply_parse(r.b, r.len + 8, 1, 1, NULL, NULL, NULL, 0), 0,
	       "bytes after the ACK are not read");
	memset(&r, 0, sizeof(r));
	add_link(&r, 1, 1, 2, "x", XDP_ATTACHED_NONE, 0);
	/* Make IFLA_MTU claim more bytes than the message has. */
	((struct nlattr *)(r.b + NLMSG_HDRLEN + sizeof(struct ifinfomsg)))->nla_len = 2000;
	is_int(nl_link_parse((struct nlmsghdr *)r.b, &s.link), -EBADMSG,
	       "attribute running past its message");
	memset(&r, 0, sizeof(r));
	{
		struct nlmsghdr *nh = msg_add(&r, RTM_NEWLINK, 0, 1, 1);
		struct ifinfomsg ifi = {.ifi_index = 2};

		msg_put(&r, nh, &ifi, sizeof(ifi));
		msg_attr(&r, nh, IFLA_IFNAME, "abc", 3); /* no NUL */
		msg_end(&r, nh);
	}
	is_int(nl_link_parse((struct nlmsghdr *)r.b, &s.link), -EBADMSG,
	       "interface name without NUL");
	is_int(nl_link_parse((struct nlmsghdr *)msg_add(&r, RTM_DELLINK, 0, 1, 1), &s.link),
	       -ENOMSG, "not an RTM_NEWLINK: -ENOMSG");

	/* Attribute parser on its own: duplicates, flags, unknown types. */
	{
		struct rbuf a;
		struct nlmsghdr *nh;
		const struct nlattr *tb[4];
		__u32 v1 = 1, v2 = 2;

		memset(&a, 0, sizeof(a));
		nh = msg_add(&a, 0, 0, 0, 0);
		msg_attr(&a, nh, 1, &v1, 4);
		msg_attr(&a, nh, 1, &v2, 4);
		msg_attr(&a, nh, 2 | NLA_F_NESTED, NULL, 0);
		msg_attr(&a, nh, 9, &v1, 4);
		is_int(nl_attr_parse(a.b + NLMSG_HDRLEN, nh->nlmsg_len - NLMSG_HDRLEN, tb, 3), 0,
		       "attribute parse");
		ok(tb[1] && *(const __u32 *)nl_attr_data(tb[1]) == 2, "last duplicate wins");
		ok(tb[2] != NULL, "NLA_F_NESTED masked off the type");
		ok(tb[0] == NULL && tb[3] == NULL, "absent types NULL, type 9 ignored");
		is_int(nl_attr_parse(a.b + NLMSG_HDRLEN, 2, tb, 3), 0, "2 bytes: no attribute");
		is_int(nl_attr_parse(a.b + NLMSG_HDRLEN, 6, tb, 3), -EBADMSG,
		       "attribute cut short: -EBADMSG");
		is_int(nl_attr_parse(a.b + 1, 8, tb, 3), -EINVAL, "misaligned buffer: -EINVAL");
		is_int(nl_reply_parse(a.b + 2, 16, 0, 0, NULL, NULL, NULL, 0), -EINVAL,
		       "misaligned reply: -EINVAL");
	}
}

/* One link event: type, family and index in an ifinfomsg (what RTMGRP_LINK sends). */
static void add_event(struct rbuf *r, __u16 type, __u8 family, int ifindex)
{
	struct nlmsghdr *nh = msg_add(r, type, 0, 0, 0);
	struct ifinfomsg ifi;

	memset(&ifi, 0, sizeof(ifi));
	ifi.ifi_family = family;
	ifi.ifi_index = ifindex;
	msg_put(r, nh, &ifi, sizeof(ifi));
	msg_end(r, nh);
}

/* Interface deletion events (rtnetlink(7): RTM_DELLINK, ifinfomsg.ifi_index). */
static void test_events(void)
{
	struct rbuf r;

	memset(&r, 0, sizeof(r));
	add_event(&r, RTM_NEWLINK, AF_UNSPEC, 7);
	add_event(&r, RTM_DELLINK, AF_UNSPEC, 8);
	is_int(nl_link_events_deleted(r.b, r.len, 7), 0, "NEWLINK of ours, DELLINK of another");
	add_event(&r, RTM_DELLINK, AF_BRIDGE, 7);
	is_int(nl_link_events_deleted(r.b, r.len, 7), 0, "AF_BRIDGE DELLINK: left a bridge only");
	add_event(&r, RTM_DELLINK, AF_UNSPEC, 7);
	is_int(nl_link_events_deleted(r.b, r.len, 7), 1, "DELLINK of ours, third in the batch");
	is_int(nl_link_events_deleted(r.b, r.len - 4, 7), -EBADMSG, "last message cut short");
	is_int(nl_link_events_deleted(r.b, 0, 7), 0, "nothing read");
	memset(&r, 0, sizeof(r));
	add_event(&r, RTM_DELLINK, AF_UNSPEC, 7);
	((struct nlmsghdr *)r.b)->nlmsg_len = NLMSG_HDRLEN + 2;
	is_int(nl_link_events_deleted(r.b, r.len, 7), -EBADMSG, "DELLINK without an ifinfomsg");
	((struct nlmsghdr *)r.b)->nlmsg_len = 3;
	is_int(nl_link_events_deleted(r.b, r.len, 7), -EBADMSG, "length below the header");
	is_int(nl_link_events_deleted(r.b + 2, 16, 7), -EINVAL, "misaligned: -EINVAL");
}

static void test_kernel(void)
{
	struct nl_sock s = {.fd = -1};
	struct nl_link l;
	char name[NL_IFNAMSIZ], ext[256];
	int err;

	err = nl_open(&s);
	is_int(err, 0, "nl_open");
	if (err)
		return;
	ok(s.portid != 0, "bound port id %u", s.portid);
	is_int(nl_ifindex(&s, "lo"), 1, "ifindex of lo is 1");
	is_int(nl_ifname(&s, 1, name), 0, "name of ifindex 1");
	is_str(name, "lo", "ifindex 1 is lo");
	is_int(nl_ifindex(&s, "hgnosuchdev0"), -ENODEV, "unknown interface: -ENODEV");
	is_int(nl_ifindex(&s, "a/b"), -ENODEV, "a name the kernel cannot have: -ENODEV");
	is_int(nl_ifindex(&s, "0123456789abcdef"), -EINVAL, "overlong name: -EINVAL");
	is_int(nl_xdp_query(&s, 1, &l, NULL, 0), 0, "query XDP on lo");
	is_str(l.name, "lo", "query: name");
	is_int(nl_ifname(&s, 0x7ffffff0, name), -ENODEV, "unknown index: -ENODEV");
	if (geteuid() != 0) {
		skip("extended ACK from the kernel: needs root (CAP_NET_ADMIN)");
	} else {
		/* XDP_PASS: mov r0, 2; exit */
		static const struct bpf_insn pass[] = {
		    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = XDP_PASS},
		    {.code = BPF_JMP | BPF_EXIT},
		};
		int pfd = bpf_prog_load(BPF_PROG_TYPE_XDP, pass, 2, "GPL", "nl_test", 0, NULL, 0);

		ok(pfd >= 0, "load an XDP_PASS program (%d)", pfd);
		/*
		 * "Replace the program expected to be attached" when none is:
		 * refused before anything changes, with a message.  A harmless
		 * way to see a real extended ACK.
		 */
		err = nl_xdp_attach(&s, 1, pfd, XDP_FLAGS_SKB_MODE | XDP_FLAGS_REPLACE, pfd, ext,
				    sizeof(ext));
		is_int(err, -EEXIST, "replace of a program that is not attached: -EEXIST");
		ok(ext[0] != 0, "kernel explained it: '%s'", ext);
		is_int(nl_xdp_query(&s, 1, &l, NULL, 0), 0, "query lo again");
		is_int(l.xdp_attached, XDP_ATTACHED_NONE, "lo still has no XDP program");
		if (pfd >= 0)
			close(pfd);
	}
	nl_close(&s);
	nl_close(&s);
	is_int(s.fd, -1, "nl_close twice is safe");
	is_int(nl_ifindex(&s, "lo"), -EBADF, "closed socket: -EBADF");
}

int main(void)
{
	test_build();
	test_parse();
	test_events();
	test_kernel();
	return done_testing();
}
