/*
 * test_btf.c - the BTF reader (sys/btf.c) on hand-built blobs, laid out as
 * the kernel's Documentation/bpf/btf.rst describes them: a valid blob of
 * every kind we read, then one fault per case (header, section bounds,
 * string offsets, unknown kinds, dangling ids, reference loops), every prefix
 * and every single-bit flip of the valid blob.  Inputs end at a PROT_NONE
 * page, so an over-read faults.  No privileges needed.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sys/btf.h"
#include "test/harness.h"

#define IDX_CAP 256

/* ---- a tiny BTF writer --------------------------------------------------- */

struct bb {
	uint8_t types[2048];
	size_t tn;
	char strs[512];
	size_t sn;
};

static void bb_init(struct bb *b)
{
	memset(b, 0, sizeof(*b));
	b->sn = 1; /* offset 0 is the empty name */
}

static uint32_t bb_str(struct bb *b, const char *s)
{
	size_t n = strlen(s) + 1, off = b->sn;

	memcpy(b->strs + b->sn, s, n);
	b->sn += n;
	return (uint32_t)off;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void bb_u32(struct bb *b, uint32_t v)
{
	put32(b->types + b->tn, v);
	b->tn += 4;
}

/* A type header: name, kind, vlen (kflag 0), size or type. */
static void bb_type(struct bb *b, uint32_t name, uint32_t kind, uint32_t vlen, uint32_t st)
{
	bb_u32(b, name);
	bb_u32(b, kind << 24 | vlen);
	bb_u32(b, st);
}

/* header + types + strings into out; returns the length. */
static size_t bb_blob(const struct bb *b, uint8_t *out)
{
	put32(out, 0x0001eb9f); /* magic 0xeB9F, version 1, flags 0 */
	put32(out + 4, BTF_HDR_SIZE);
	put32(out + 8, 0);
	put32(out + 12, (uint32_t)b->tn);
	put32(out + 16, (uint32_t)b->tn);
	put32(out + 20, (uint32_t)b->sn);
	memcpy(out + BTF_HDR_SIZE, b->types, b->tn);
	memcpy(out + BTF_HDR_SIZE + b->tn, b->strs, b->sn);
	return BTF_HDR_SIZE + b->tn + b->sn;
}

/*
 * The valid blob: what a map definition and its record look like.
 *  1 INT int (4)            2 PTR -> 3         3 ARRAY of 1, 9 elements
 *  4 STRUCT rec (16): a u32 (typedef 5), next PTR -> 4 (a legal cycle)
 *  5 TYPEDEF u32 -> 1       6 PTR -> 4         7 STRUCT def: type (2), value (6)
 *  8 VAR m -> 7             9 DATASEC .maps: m at 0 size 16, x at 0 size 4
 * 10 CONST -> 5            11 VAR x -> 10      12 FUNC_PROTO int (int a)
 * 13 FUNC f -> 12 (global) 14 ENUM e { A = 1 }  15 ARRAY of 3 x ARRAY 3 (27 ints)
 */
static void valid(struct bb *b)
{
	bb_init(b);
	bb_type(b, bb_str(b, "int"), BTF_KIND_INT, 0, 4);
	bb_u32(b, 32); /* encoding 0, offset 0, 32 bits */
	bb_type(b, 0, BTF_KIND_PTR, 0, 3);
	bb_type(b, 0, BTF_KIND_ARRAY, 0, 0);
	bb_u32(b, 1), bb_u32(b, 1), bb_u32(b, 9);
	bb_type(b, bb_str(b, "rec"), BTF_KIND_STRUCT, 2, 16);
	bb_u32(b, bb_str(b, "a")), bb_u32(b, 5), bb_u32(b, 0);
	bb_u32(b, bb_str(b, "next")), bb_u32(b, 6), bb_u32(b, 64);
	bb_type(b, bb_str(b, "u32"), BTF_KIND_TYPEDEF, 0, 1);
	bb_type(b, 0, BTF_KIND_PTR, 0, 4);
	bb_type(b, 0, BTF_KIND_STRUCT, 2, 16);
	bb_u32(b, bb_str(b, "type")), bb_u32(b, 2), bb_u32(b, 0);
	bb_u32(b, bb_str(b, "value")), bb_u32(b, 6), bb_u32(b, 64);
	bb_type(b, bb_str(b, "m"), BTF_KIND_VAR, 0, 7);
	bb_u32(b, 1); /* global */
	bb_type(b, bb_str(b, ".maps"), BTF_KIND_DATASEC, 2, 0);
	bb_u32(b, 8), bb_u32(b, 0), bb_u32(b, 16);
	bb_u32(b, 11), bb_u32(b, 0), bb_u32(b, 4);
	bb_type(b, 0, BTF_KIND_CONST, 0, 5);
	bb_type(b, bb_str(b, "x"), BTF_KIND_VAR, 0, 10);
	bb_u32(b, 1);
	bb_type(b, 0, BTF_KIND_FUNC_PROTO, 1, 1);
	bb_u32(b, bb_str(b, "a")), bb_u32(b, 1);
	bb_type(b, bb_str(b, "f"), BTF_KIND_FUNC, 1, 12);
	bb_type(b, bb_str(b, "e"), BTF_KIND_ENUM, 1, 4);
	bb_u32(b, bb_str(b, "A")), bb_u32(b, 1);
	bb_type(b, 0, BTF_KIND_ARRAY, 0, 0);
	bb_u32(b, 3), bb_u32(b, 1), bb_u32(b, 3);
}

/* Offset in types[] of type id's header (valid blob layout above). */
static size_t type_off(const struct bb *b, uint32_t id)
{
	static const uint8_t tail[] = {0, 4, 0, 12, 24, 0, 0, 24, 4, 24, 0, 4, 8, 0, 8, 12};
	size_t off = 0;
	uint32_t i;

	(void)b;
	for (i = 1; i < id; i++)
		off += BTF_TYPE_SIZE + tail[i];
	return off;
}

/* Open a guarded copy of the blob; returns btf_open's result (err_off into *err_off). */
static int open_blob(const uint8_t *blob, size_t len, size_t *err_off, const char **err)
{
	static uint32_t index[IDX_CAP];
	unsigned char *g = t_guarded(blob, len);
	struct btf b;
	int r;

	if (!g)
		return -ENOMEM;
	r = btf_open(&b, g, len, index, IDX_CAP);
	if (err_off)
		*err_off = b.err_off;
	if (err)
		*err = b.err;
	t_guarded_free(g, len);
	return r;
}

/* ---- cases -------------------------------------------------------------- */

static void test_valid(void)
{
	static uint32_t index[IDX_CAP];
	uint8_t blob[4096], copy[4096];
	struct btf_type_info t;
	struct btf_member m;
	struct btf_var_secinfo v;
	struct btf_array a;
	uint32_t id, size, offs[2] = {24, 8};
	struct bb bb;
	struct btf b;
	size_t len;

	valid(&bb);
	len = bb_blob(&bb, blob);
	is_int(btf_open(&b, blob, len, index, IDX_CAP), 0, "valid blob opens (%zu bytes)", len);
	is_int(b.ntypes, 15, "15 types");
	is_int(btf_find(&b, BTF_KIND_STRUCT, "rec"), 4, "find struct rec -> id 4");
	is_int(btf_find(&b, BTF_KIND_TYPEDEF, "rec"), -ENOENT, "find typedef rec -> -ENOENT");
	is_int(btf_find(&b, BTF_KIND_DATASEC, ".maps"), 9, "find DATASEC .maps -> id 9");
	is_int(btf_type(&b, 0, &t), -EINVAL, "type 0 (void) -> -EINVAL");
	is_int(btf_type(&b, 16, &t), -EBADMSG, "type 16 -> -EBADMSG");
	ok(btf_type(&b, 4, &t) == 0 && t.kind == BTF_KIND_STRUCT && t.vlen == 2 &&
	       t.size_type == 16 && btf_str(&b, t.name_off) &&
	       !strcmp(btf_str(&b, t.name_off), "rec"),
	   "type 4: struct rec, 2 members, 16 bytes");
	ok(btf_member(&b, &t, 1, &m) == 0 && m.type == 6 && m.offset == 64 &&
	       !strcmp(btf_str(&b, m.name_off), "next"),
	   "member 1 of rec: next, type 6, bit offset 64");
	is_int(btf_member(&b, &t, 2, &m), -ERANGE, "member 2 of 2 -> -ERANGE");
	is_int(btf_secinfo(&b, &t, 0, &v), -EINVAL, "secinfo of a struct -> -EINVAL");
	ok(btf_str(&b, (uint32_t)bb.sn) == NULL, "string offset == section length -> NULL");
	is_int(btf_resolve(&b, 10, &id) == 0 ? (int)id : -1, 1, "const -> typedef -> int: id 1");
	is_int(btf_size(&b, 10, &size) == 0 ? (int)size : -1, 4, "size of const u32: 4");
	is_int(btf_size(&b, 2, &size) == 0 ? (int)size : -1, 8, "size of a pointer: 8");
	is_int(btf_size(&b, 3, &size) == 0 ? (int)size : -1, 36, "size of int[9]: 36");
	is_int(btf_size(&b, 15, &size) == 0 ? (int)size : -1, 108, "size of int[3][9]: 108");
	is_int(btf_size(&b, 8, &size), -EINVAL, "size of a VAR -> -EINVAL");
	is_int(btf_size(&b, 13, &size), -EINVAL, "size of a FUNC -> -EINVAL");
	ok(btf_type(&b, 3, &t) == 0 && btf_array(&b, &t, &a) == 0 && a.type == 1 && a.nelems == 9,
	   "array: 9 x int");

	/* The DATASEC fixup: size and offsets as given, entries sorted by offset. */
	memcpy(copy, blob, len);
	btf_type(&b, 9, &t);
	is_int(btf_datasec_fix(&b, copy, &t, 32, offs), 0, "datasec fix");
	is_int(btf_open(&b, copy, len, index, IDX_CAP), 0, "fixed copy opens");
	btf_type(&b, 9, &t);
	ok(t.size_type == 32 && btf_secinfo(&b, &t, 0, &v) == 0 && v.type == 11 && v.offset == 8 &&
	       btf_secinfo(&b, &t, 1, &v) == 0 && v.type == 8 && v.offset == 24 && v.size == 16,
	   "fixed DATASEC: size 32, x at 8 then m at 24");
	is_int(btf_open(&b, blob, len, index, 15), -E2BIG, "index of 15 for 15 types -> -E2BIG");
	is_int(btf_open(&b, blob, len, index, 16), 0, "index of 16 for 15 types is enough");
}

/* One corrupted copy of the valid blob per case: error and offset in the blob. */
#define BAD(what, want_r, want_off, stmt)                                                          \
	do {                                                                                       \
		struct bb bb;                                                                      \
		uint8_t blob[4096];                                                                \
		size_t len, off = 0;                                                               \
		const char *err = NULL;                                                            \
		int r;                                                                             \
		valid(&bb);                                                                        \
		len = bb_blob(&bb, blob);                                                          \
		stmt;                                                                              \
		r = open_blob(blob, len, &off, &err);                                              \
		is_int(r, want_r, "%s -> %s", what, #want_r);                                      \
		if ((size_t)(want_off) != (size_t)-1)                                              \
			ok(off == (size_t)(want_off) && err, "%s: at %zu (%s)", what, off,         \
			   err ? err : "-");                                                       \
	} while (0)

/* Byte offset in the blob of type id's header. */
#define T(id) (BTF_HDR_SIZE + type_off(&bb, id))

static void test_bad(void)
{
	BAD("empty", -EBADMSG, 0, len = 0);
	BAD("23 bytes", -EBADMSG, 23, len = 23);
	BAD("big-endian magic", -EBADMSG, 0, (blob[0] = 0xeb, blob[1] = 0x9f));
	BAD("version 2", -EBADMSG, 2, blob[2] = 2);
	BAD("flags 1", -EBADMSG, 3, blob[3] = 1);
	BAD("header length 16", -EBADMSG, 4, put32(blob + 4, 16));
	BAD("header length past the blob", -EBADMSG, 4, put32(blob + 4, (uint32_t)len + 1));
	BAD("longer header with an unknown field set", -EBADMSG, 24, {
		/* hdr_len 28: the types start 4 bytes later, a non-zero word in between. */
		memmove(blob + 28, blob + 24, len - 24);
		len += 4;
		put32(blob + 4, 28);
		put32(blob + 24, 1);
	});
	BAD("longer header, unknown field 0", 0, (size_t)-1, {
		memmove(blob + 28, blob + 24, len - 24);
		len += 4;
		put32(blob + 4, 28);
		put32(blob + 24, 0);
	});
	BAD("type section past the blob", -EBADMSG, 8,
	    put32(blob + 12, (uint32_t)(bb.tn + bb.sn + 1)));
	BAD("type section length wraps", -EBADMSG, 8, put32(blob + 12, 0xfffffffcu));
	BAD("type offset not aligned", -EBADMSG, 8, put32(blob + 8, 2));
	BAD("string section past the blob", -EBADMSG, 16, put32(blob + 20, (uint32_t)bb.sn + 1));
	BAD("sections overlap", -EBADMSG, 16, put32(blob + 16, (uint32_t)bb.tn - 4));
	BAD("string section empty", -EBADMSG, (size_t)-1, put32(blob + 20, 0));
	BAD("string section not NUL-terminated", -EBADMSG, BTF_HDR_SIZE + bb.tn,
	    blob[len - 1] = 'x');
	BAD("array entry cut (type section 4 bytes short)", -EBADMSG, T(15) + 4,
	    put32(blob + 12, (uint32_t)bb.tn - 4));
	BAD("struct members past the type section", -EBADMSG, T(4) + 4,
	    put32(blob + T(4) + 4, BTF_KIND_STRUCT << 24 | 0xffff));
	BAD("unknown kind 20", -EBADMSG, T(5) + 4, blob[T(5) + 7] = 20);
	BAD("unknown kind 0", -EBADMSG, T(5) + 4, blob[T(5) + 7] = 0);
	BAD("type name offset out of range", -EBADMSG, T(1), put32(blob + T(1), (uint32_t)bb.sn));
	BAD("member name offset out of range", -EBADMSG, T(4) + 12,
	    put32(blob + T(4) + 12, 0x7fffffff));
	BAD("enumerator name offset out of range", -EBADMSG, T(14) + 12,
	    put32(blob + T(14) + 12, (uint32_t)bb.sn));
	BAD("parameter name offset out of range", -EBADMSG, T(12) + 12,
	    put32(blob + T(12) + 12, (uint32_t)bb.sn + 7));
	BAD("pointer to type 16 of 15", -EBADMSG, T(2) + 8, put32(blob + T(2) + 8, 16));
	BAD("member of type 0", -EBADMSG, T(4) + 16, put32(blob + T(4) + 16, 0));
	BAD("array element type 99", -EBADMSG, T(3) + 12, put32(blob + T(3) + 12, 99));
	BAD("DATASEC entry of type 1000", -EBADMSG, T(9) + 12, put32(blob + T(9) + 12, 1000));
	BAD("VAR of void", -EBADMSG, T(8) + 8, put32(blob + T(8) + 8, 0));
	BAD("vlen on a typedef", -EBADMSG, T(5) + 4, blob[T(5) + 4] = 1);
	BAD("FUNC linkage 3", -EBADMSG, T(13) + 4, blob[T(13) + 4] = 3);
	BAD("loop: typedef -> const -> typedef", -EBADMSG, T(5), put32(blob + T(5) + 8, 10));
	BAD("loop: const -> itself", -EBADMSG, T(10), put32(blob + T(10) + 8, 10));
	BAD("array of itself", -EBADMSG, T(3) + 12, put32(blob + T(3) + 12, 3));
	BAD("loop: array -> typedef -> array", -EBADMSG, T(3), {
		put32(blob + T(3) + 12, 5); /* array of u32 ... */
		put32(blob + T(5) + 8, 3);  /* ... and u32 a typedef of that array */
	});
	BAD("loop through a pointer is legal", 0, (size_t)-1, put32(blob + T(2) + 8, 2));
}

/* Chains of typedefs: BTF_CHAIN_MAX links are followed, one more is refused. */
static void test_depth(void)
{
	uint8_t blob[4096];
	struct bb bb;
	size_t len;
	uint32_t i;

	bb_init(&bb);
	bb_type(&bb, bb_str(&bb, "int"), BTF_KIND_INT, 0, 4);
	bb_u32(&bb, 32);
	for (i = 0; i < BTF_CHAIN_MAX; i++) /* id 2 -> 1, 3 -> 2, ... */
		bb_type(&bb, 0, BTF_KIND_TYPEDEF, 0, i + 1);
	len = bb_blob(&bb, blob);
	is_int(open_blob(blob, len, NULL, NULL), 0, "a chain of %d typedefs is fine",
	       BTF_CHAIN_MAX);
	bb_type(&bb, 0, BTF_KIND_TYPEDEF, 0, BTF_CHAIN_MAX + 1);
	len = bb_blob(&bb, blob);
	is_int(open_blob(blob, len, NULL, NULL), -EBADMSG, "a chain of %d typedefs is refused",
	       BTF_CHAIN_MAX + 1);

	/* An array whose size does not fit 32 bits: opens, but has no size. */
	bb_init(&bb);
	bb_type(&bb, bb_str(&bb, "int"), BTF_KIND_INT, 0, 4);
	bb_u32(&bb, 32);
	bb_type(&bb, 0, BTF_KIND_ARRAY, 0, 0);
	bb_u32(&bb, 1), bb_u32(&bb, 1), bb_u32(&bb, 0x40000000);
	len = bb_blob(&bb, blob);
	{
		static uint32_t index[IDX_CAP];
		struct btf b;
		uint32_t size;

		ok(btf_open(&b, blob, len, index, IDX_CAP) == 0 &&
		       btf_size(&b, 2, &size) == -EOVERFLOW,
		   "int[2^30]: 4 GiB -> -EOVERFLOW");
	}
}

static void test_prefixes_and_flips(void)
{
	uint8_t blob[4096];
	struct bb bb;
	size_t len, n, i, accepted = 0, wrong = 0;
	unsigned char *g;
	static uint32_t index[IDX_CAP];
	struct btf b;
	int r;

	valid(&bb);
	len = bb_blob(&bb, blob);
	for (n = 0; n < len; n++) {
		r = open_blob(blob, n, NULL, NULL);
		accepted += r == 0;
		wrong += r != 0 && r != -EBADMSG;
	}
	ok(accepted == 0 && wrong == 0, "every one of %zu prefixes rejected with -EBADMSG", len);

	g = t_guarded(blob, len);
	if (!g) {
		ok(0, "guarded copy");
		return;
	}
	accepted = wrong = 0;
	for (i = 0; i < len * 8; i++) {
		uint32_t id, size;

		g[i / 8] ^= (uint8_t)(1u << (i % 8));
		r = btf_open(&b, g, len, index, IDX_CAP);
		if (r == 0) {
			accepted++;
			/* Whatever was accepted, every accessor stays in bounds. */
			for (id = 1; id <= b.ntypes; id++) {
				btf_resolve(&b, id, &size);
				btf_size(&b, id, &size);
			}
		} else if (r != -EBADMSG && r != -E2BIG) {
			wrong++;
		}
		g[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	ok(wrong == 0, "%zu single-bit flips: %zu accepted, none with another errno", len * 8,
	   accepted);
	t_guarded_free(g, len);
}

int main(void)
{
	test_valid();
	test_bad();
	test_depth();
	test_prefixes_and_flips();
	return done_testing();
}
