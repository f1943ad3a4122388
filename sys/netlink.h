/*
 * netlink.h - the little rtnetlink the agent needs: interface index <-> name,
 * and XDP attach / detach / query through RTM_SETLINK / RTM_GETLINK.
 *
 * Requests are built in a fixed struct on the caller's stack; nothing is
 * allocated.  Building a request and parsing replies are pure functions over
 * buffers, so unit tests drive them without a socket.  Only nl_open() and
 * nl_talk() (and the wrappers on top) do I/O.
 *
 * Every function returns 0 (or a documented non-negative value) or -errno.
 * Parsers take 4-byte aligned buffers (netlink aligns every message and
 * attribute to 4) and return -EINVAL for a misaligned one.
 * Kernel error text from extended ACKs (NETLINK_EXT_ACK) is copied into a
 * caller buffer `ext` of `extlen` bytes when one is given (may be NULL/0);
 * it is always NUL-terminated and empty when the kernel sent none.
 */
#ifndef HUGINN_SYS_NETLINK_H
#define HUGINN_SYS_NETLINK_H

#include <stddef.h>

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/types.h>

/* Bytes for attributes after the ifinfomsg: an XDP request needs ~40. */
#define NL_REQ_ATTR_BYTES 256
/* Interface names are at most 15 bytes + NUL (the kernel's IFNAMSIZ). */
#define NL_IFNAMSIZ 16
/* Reply buffer of nl_talk(); one RTM_NEWLINK of a plain device fits easily. */
#define NL_RECV_BYTES 32768
/* nl_reply_parse(): no ACK seen yet, read more. */
#define NL_MORE 1

/*
 * A request: the header, the ifinfomsg every link request carries, and room
 * for attributes.  nh.nlmsg_len is the length used so far.
 */
struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	unsigned char attrs[NL_REQ_ATTR_BYTES];
};

/* An open NETLINK_ROUTE socket; fd is -1 when closed. */
struct nl_sock {
	int fd;
	__u32 portid; /* our port id, as bound by the kernel */
	__u32 seq;    /* last sequence number sent */
};

/* What RTM_NEWLINK says about one interface and its XDP programs. */
struct nl_link {
	int ifindex;
	char name[NL_IFNAMSIZ];
	__u8 xdp_attached; /* XDP_ATTACHED_NONE / DRV / SKB / HW / MULTI */
	__u32 xdp_prog_id; /* set when exactly one mode is attached */
	__u32 drv_prog_id;
	__u32 skb_prog_id;
	__u32 hw_prog_id;
};

/* Called for every reply message that is not an ACK/error; < 0 stops parsing. */
typedef int (*nl_msg_fn)(const struct nlmsghdr *nh, void *arg);

/* ---- building (pure) ---- */

/* Start a request: type RTM_*, flags NLM_F_* (REQUEST and ACK are added by nl_talk). */
void nl_req_init(struct nl_req *req, __u16 type, __u16 flags, int ifindex);

/* Append one attribute; -EMSGSIZE (request unchanged) when it does not fit. */
int nl_attr_put(struct nl_req *req, __u16 type, const void *data, size_t len);
int nl_attr_put_u32(struct nl_req *req, __u16 type, __u32 v);
int nl_attr_put_s32(struct nl_req *req, __u16 type, __s32 v);
/* Puts the string with its NUL. */
int nl_attr_put_str(struct nl_req *req, __u16 type, const char *s);

/*
 * Open a nested attribute (NLA_F_NESTED is set); returns its offset from the
 * start of the message (>= 0) for nl_nest_end(), or -EMSGSIZE.
 */
int nl_nest_begin(struct nl_req *req, __u16 type);
/* Close the nest opened at offset `nest`: its length now covers its children. */
void nl_nest_end(struct nl_req *req, int nest);

/* RTM_GETLINK by index (ifindex > 0) or by name (ifindex 0). -EINVAL/-EMSGSIZE. */
int nl_getlink_build(struct nl_req *req, int ifindex, const char *name);

/*
 * RTM_SETLINK with IFLA_XDP { IFLA_XDP_FD prog_fd, IFLA_XDP_FLAGS flags
 * [, IFLA_XDP_EXPECTED_FD expected_fd when flags has XDP_FLAGS_REPLACE] }.
 * prog_fd -1 detaches.  -EINVAL for ifindex <= 0 or a REPLACE without fd.
 */
int nl_xdp_build(struct nl_req *req, int ifindex, int prog_fd, __u32 flags, int expected_fd);

/* ---- parsing (pure) ---- */

/*
 * Index the attributes in buf[0..len) by type into tb[0..max] (NULL when
 * absent; the last of duplicates wins; types > max are ignored).  NLA_F_*
 * flag bits are masked.  -EBADMSG when a length runs past the buffer.
 */
int nl_attr_parse(const void *buf, size_t len, const struct nlattr **tb, unsigned max);

/* Payload of an attribute and its length. */
const void *nl_attr_data(const struct nlattr *a);
size_t nl_attr_len(const struct nlattr *a);
/* A u32 attribute's value; -EBADMSG when the payload is too short. */
int nl_attr_get_u32(const struct nlattr *a, __u32 *v);

/*
 * Walk the replies in buf[0..len).  Messages whose sequence or port id is not
 * (seq, portid) are stale and skipped.  Other messages go to fn (if any).
 * Returns NL_MORE when no ACK/DONE has been seen yet, 0 on a successful ACK
 * or NLMSG_DONE, the ACK's negative errno, fn's negative return, or -EBADMSG.
 * The extended-ACK message text (NLMSGERR_ATTR_MSG) goes to ext (emptied first).
 */
int nl_reply_parse(const void *buf, size_t len, __u32 seq, __u32 portid, nl_msg_fn fn, void *arg,
		   char *ext, size_t extlen);

/* Decode an RTM_NEWLINK: index, name, XDP state.  -EBADMSG / -ENOMSG (other type). */
int nl_link_parse(const struct nlmsghdr *nh, struct nl_link *out);

/*
 * The mode prog_id is attached in according to l, as XDP_FLAGS_DRV_MODE,
 * XDP_FLAGS_SKB_MODE or XDP_FLAGS_HW_MODE; 0 if it is not attached (or id 0).
 */
__u32 nl_xdp_mode_of(const struct nl_link *l, __u32 prog_id);
/* "native", "skb", "offload" for one XDP_FLAGS_*_MODE bit, else "unknown". */
const char *nl_xdp_mode_name(__u32 mode_flag);

/*
 * Scan link events (RTMGRP_LINK multicast) in buf[0..len): 1 if one of them is an
 * RTM_DELLINK of ifindex (the device was deleted or moved to another network
 * namespace), else 0; -EBADMSG for a malformed message, -EINVAL for a misaligned buffer.
 * RTM_DELLINK of family AF_BRIDGE only says a bridge port left its bridge: not a deletion.
 */
int nl_link_events_deleted(const void *buf, size_t len, int ifindex);

/* ---- I/O ---- */

/* Open a NETLINK_ROUTE socket with extended and capped ACKs and a 5 s receive timeout. */
int nl_open(struct nl_sock *s);
/* Safe to call twice. */
void nl_close(struct nl_sock *s);

/* A NETLINK_ROUTE socket subscribed to RTMGRP_LINK, non-blocking, for poll(2). */
int nl_open_link_events(struct nl_sock *s);

/*
 * Send req (NLM_F_REQUEST | NLM_F_ACK added, next sequence number), read the
 * replies up to the ACK and return its error (0 or -errno).  -ETIMEDOUT when
 * the kernel does not answer within the socket timeout.
 */
int nl_talk(struct nl_sock *s, struct nl_req *req, nl_msg_fn fn, void *arg, char *ext,
	    size_t extlen);

/* Look one interface up by index (ifindex > 0) or by name; -ENODEV if absent. */
int nl_link_get(struct nl_sock *s, int ifindex, const char *name, struct nl_link *out, char *ext,
		size_t extlen);

/* Interface index (> 0) for a name; -ENODEV, -EINVAL for a bad name. */
int nl_ifindex(struct nl_sock *s, const char *name);
/* Interface name for an index into name[NL_IFNAMSIZ]. */
int nl_ifname(struct nl_sock *s, int ifindex, char *name);

/*
 * Attach prog_fd as the interface's XDP program.  flags: XDP_FLAGS_SKB_MODE or
 * XDP_FLAGS_DRV_MODE, optionally XDP_FLAGS_UPDATE_IF_NOEXIST, or
 * XDP_FLAGS_REPLACE with expected_fd = the program that must be attached now.
 */
int nl_xdp_attach(struct nl_sock *s, int ifindex, int prog_fd, __u32 flags, int expected_fd,
		  char *ext, size_t extlen);
/* Remove the XDP program of the mode in flags. */
int nl_xdp_detach(struct nl_sock *s, int ifindex, __u32 flags, char *ext, size_t extlen);
/* Attached program ids and mode for an interface (nl_link_get by index). */
int nl_xdp_query(struct nl_sock *s, int ifindex, struct nl_link *out, char *ext, size_t extlen);

#endif /* HUGINN_SYS_NETLINK_H */
