/*
 * tcx_query.c - what runs at tc ingress of an interface, as the kernel says.
 *
 *   tcx_query IFNAME
 *
 * BPF_PROG_QUERY (attach type BPF_TCX_INGRESS) on the interface of the
 * caller's network namespace; prints one line per attached program, in the
 * order the kernel runs them: "prog ID link ID" (link 0: attached without a
 * link).  Nothing attached prints nothing.  Exit 0, or 1 with a message on
 * stderr (no such interface, a kernel without tcx).  The e2e tests use it
 * where bpftool is too old to know tcx (bpftool 7.1 of Debian 12).
 */
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "sys/bpf.h"
#include "sys/obj.h"

#define MAX_PROGS 64

int main(int argc, char **argv)
{
	uint32_t progs[MAX_PROGS], links[MAX_PROGS], n = MAX_PROGS, i;
	unsigned ifindex;
	int err;

	if (argc != 2) {
		fprintf(stderr, "usage: tcx_query IFNAME\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "tcx_query: no interface %s\n", argv[1]);
		return 1;
	}
	err = bpf_tcx_query((int)ifindex, OBJ_TCX_INGRESS, progs, links, &n);
	if (err) {
		fprintf(stderr, "tcx_query: BPF_PROG_QUERY on %s: %s\n", argv[1], strerror(-err));
		return 1;
	}
	for (i = 0; i < n && i < MAX_PROGS; i++)
		printf("prog %u link %u\n", progs[i], links[i]);
	return 0;
}
