/*
 * fuzz_btf.c - btf_open() on arbitrary bytes, then every accessor on every
 * type of what it accepted.  It must accept or reject with -EBADMSG / -E2BIG
 * (with an error offset inside the input), never read outside the input (an
 * exact-size heap copy, so ASan sees a one-byte over-read), never loop.
 * Seeds: test/fuzz/corpus/fuzz_btf/ (our object's .BTF and a small blob of
 * every kind the loader reads).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/btf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IDX_CAP 4096

static void walk(const struct btf *b)
{
	uint32_t id, i, out, sz;
	struct btf_type_info t;
	struct btf_member m;
	struct btf_var_secinfo v;
	struct btf_array a;

	for (id = 1; id <= b->ntypes; id++) {
		if (btf_type(b, id, &t) || t.id != id || t.off + BTF_TYPE_SIZE > b->len)
			abort();
		if (!btf_str(b, t.name_off))
			abort(); /* btf_open checked every name */
		if (btf_resolve(b, id, &out) == 0 && out > b->ntypes)
			abort();
		btf_size(b, id, &sz);
		btf_array(b, &t, &a);
		for (i = 0; i < t.vlen; i++) {
			if (btf_member(b, &t, i, &m) == 0 && !btf_str(b, m.name_off))
				abort();
			btf_secinfo(b, &t, i, &v);
		}
	}
	btf_find(b, BTF_KIND_DATASEC, ".maps");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint32_t index[IDX_CAP];
	uint8_t *copy = malloc(size ? size : 1);
	struct btf b;
	int r;

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	r = btf_open(&b, copy, size, index, IDX_CAP);
	if (r == 0)
		walk(&b);
	else if ((r != -EBADMSG && r != -E2BIG) || !b.err || b.err_off > size)
		abort();
	free(copy);
	return 0;
}
