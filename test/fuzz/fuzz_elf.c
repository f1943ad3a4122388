/*
 * fuzz_elf.c - obj_open() on arbitrary bytes.  It must accept or reject with
 * one of its documented errors, never read outside the input (the input is
 * an exact-size heap copy, so ASan sees a one-byte over-read), and an
 * accepted object must keep every promise of sys/obj.h.  Seeds:
 * test/fuzz/corpus/fuzz_elf.seeds names the real build/xdp_syn.o.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/obj.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct obj *o)
{
	size_t i;

	if (o->nmaps > OBJ_MAX_MAPS || !o->insns || !o->insn_cnt || o->insn_cnt > OBJ_MAX_INSNS ||
	    o->nrelocs > OBJ_MAX_RELOCS || !memchr(o->license, '\0', sizeof(o->license)) ||
	    o->btf_fd != -1 || (o->nmaps && (!o->btf || o->btf_len > OBJ_MAX_BTF)))
		abort();
	for (i = 0; i < o->nmaps; i++) {
		const char *n = o->maps[i].name;

		if (!memchr(n, '\0', sizeof(o->maps[i].name)) || !n[0] || n[0] == '.' ||
		    strchr(n, '/') || o->maps[i].fd != -1)
			abort();
		/* Key and value types come from BTF: an accepted map always has both. */
		if (!o->maps[i].btf_key_id || !o->maps[i].btf_value_id || !o->maps[i].key_size ||
		    !o->maps[i].value_size)
			abort();
	}
	for (i = 0; i < o->insn_cnt; i++)
		if (o->insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && o->insns[i].src_reg)
			abort();
	for (i = 0; i < o->nrelocs; i++) {
		if (o->relocs[i].insn + 1 >= o->insn_cnt || o->relocs[i].map >= o->nmaps)
			abort();
		if (o->insns[o->relocs[i].insn].code != (BPF_LD | BPF_IMM | BPF_DW))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1);
	struct obj o;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = obj_open(&o, copy, size);
	if (r == 0)
		check(&o);
	else if ((r != -ENOEXEC && r != -EBADMSG && r != -E2BIG && r != -ENOMEM) || !o.err ||
		 o.err_off > size)
		abort();
	obj_close(&o);
	obj_close(&o);
	free(copy);
	return 0;
}
