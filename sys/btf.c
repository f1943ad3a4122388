/*
 * btf.c - bounds-checked BTF reader.  See btf.h.
 *
 * As in sys/elf.c, every range check is "off <= len && size <= len - off", so
 * no sum of values from the blob can wrap.  btf_open() validates the whole
 * blob once; the accessors repeat only the cheap checks they rely on.
 */
#include "sys/btf.h"

#include <errno.h>
#include <string.h>

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static int in_range(uint64_t off, uint64_t size, uint64_t len)
{
	return off <= len && size <= len - off;
}

static int fail(struct btf *b, size_t off, const char *what, int err)
{
	b->err_off = off;
	b->err = what;
	return err;
}

/* Bytes of kind-specific entries after a type header; -1 for an unknown kind. */
static int64_t tail_size(uint32_t kind, uint32_t vlen)
{
	switch (kind) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_PTR:
	case BTF_KIND_FWD:
	case BTF_KIND_TYPEDEF:
	case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST:
	case BTF_KIND_RESTRICT:
	case BTF_KIND_FUNC:
	case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	case BTF_KIND_ARRAY:
		return 12;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
	case BTF_KIND_ENUM64:
		return (int64_t)vlen * 12;
	case BTF_KIND_ENUM:
	case BTF_KIND_FUNC_PROTO:
		return (int64_t)vlen * 8;
	default:
		return -1;
	}
}

/* Kinds that hold vlen entries; every other kind must say vlen 0. */
static int has_entries(uint32_t kind)
{
	return kind == BTF_KIND_STRUCT || kind == BTF_KIND_UNION || kind == BTF_KIND_DATASEC ||
	       kind == BTF_KIND_ENUM || kind == BTF_KIND_ENUM64 || kind == BTF_KIND_FUNC_PROTO;
}

/* Kinds whose size_type field names another type. */
static int refers(uint32_t kind)
{
	return kind == BTF_KIND_PTR || kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE ||
	       kind == BTF_KIND_CONST || kind == BTF_KIND_RESTRICT || kind == BTF_KIND_FUNC ||
	       kind == BTF_KIND_VAR || kind == BTF_KIND_DECL_TAG || kind == BTF_KIND_TYPE_TAG ||
	       kind == BTF_KIND_FUNC_PROTO;
}

/* Links followed without a pointer in between: a loop among them has no end. */
static int is_modifier(uint32_t kind)
{
	return kind == BTF_KIND_TYPEDEF || kind == BTF_KIND_VOLATILE || kind == BTF_KIND_CONST ||
	       kind == BTF_KIND_RESTRICT || kind == BTF_KIND_TYPE_TAG;
}

static void decode(const struct btf *b, uint32_t id, size_t off, struct btf_type_info *t)
{
	const uint8_t *p = b->buf + off;
	uint32_t info = rd32(p + 4);

	t->id = id;
	t->name_off = rd32(p);
	t->kind = BTF_INFO_KIND(info);
	t->vlen = BTF_INFO_VLEN(info);
	t->kflag = BTF_INFO_KFLAG(info);
	t->size_type = rd32(p + 8);
	t->off = off;
}

/* Check the names and type ids in one type's header and entries. */
static int check_type(struct btf *b, const struct btf_type_info *t)
{
	const uint8_t *e = b->buf + t->off + BTF_TYPE_SIZE;
	size_t eo = t->off + BTF_TYPE_SIZE;
	uint32_t i;

	if (t->name_off >= b->strs_len)
		return fail(b, t->off, "type name offset outside the string section", -EBADMSG);
	if (refers(t->kind) && t->size_type > b->ntypes)
		return fail(b, t->off + 8, "type refers to a type id that does not exist",
			    -EBADMSG);
	/* A variable, function or tag of void, or naming itself, is nonsense. */
	if ((t->kind == BTF_KIND_VAR || t->kind == BTF_KIND_FUNC || t->kind == BTF_KIND_DECL_TAG) &&
	    (t->size_type == 0 || t->size_type == t->id))
		return fail(b, t->off + 8, "variable or function of no type", -EBADMSG);
	/* A FUNC's vlen is its linkage: static 0, global 1, extern 2 (btf.rst). */
	if (t->kind == BTF_KIND_FUNC ? t->vlen > 2 : !has_entries(t->kind) && t->vlen)
		return fail(b, t->off + 4, "vlen on a kind without entries", -EBADMSG);

	switch (t->kind) {
	case BTF_KIND_ARRAY:
		if (rd32(e) > b->ntypes || rd32(e + 4) > b->ntypes)
			return fail(b, eo, "array element or index type does not exist", -EBADMSG);
		if (rd32(e) == 0 || rd32(e) == t->id)
			return fail(b, eo, "array of void or of itself", -EBADMSG);
		break;
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
	case BTF_KIND_DATASEC:
		for (i = 0; i < t->vlen; i++, e += 12, eo += 12) {
			/* member: name_off, type, offset; secinfo: type, offset, size. */
			uint32_t type = t->kind == BTF_KIND_DATASEC ? rd32(e) : rd32(e + 4);

			if (t->kind != BTF_KIND_DATASEC && rd32(e) >= b->strs_len)
				return fail(b, eo, "member name outside the string section",
					    -EBADMSG);
			if (type == 0 || type > b->ntypes)
				return fail(b, eo + (t->kind == BTF_KIND_DATASEC ? 0 : 4),
					    "member type does not exist", -EBADMSG);
		}
		break;
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		for (i = 0; i < t->vlen; i++, e += t->kind == BTF_KIND_ENUM ? 8 : 12,
		    eo += t->kind == BTF_KIND_ENUM ? 8 : 12)
			if (rd32(e) >= b->strs_len)
				return fail(b, eo, "enumerator name outside the string section",
					    -EBADMSG);
		break;
	case BTF_KIND_FUNC_PROTO:
		for (i = 0; i < t->vlen; i++, e += 8, eo += 8) {
			if (rd32(e) >= b->strs_len)
				return fail(b, eo, "parameter name outside the string section",
					    -EBADMSG);
			if (rd32(e + 4) > b->ntypes) /* 0 marks a variadic tail */
				return fail(b, eo + 4, "parameter type does not exist", -EBADMSG);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* The next link of a chain without a pointer in it, or 0 at its end. */
static uint32_t chain_next(const struct btf *b, uint32_t id)
{
	struct btf_type_info t;

	if (id == 0 || id > b->ntypes)
		return 0;
	decode(b, id, b->index[id], &t);
	if (is_modifier(t.kind))
		return t.size_type;
	if (t.kind == BTF_KIND_ARRAY)
		return rd32(b->buf + t.off + BTF_TYPE_SIZE);
	return 0;
}

int btf_open(struct btf *b, const void *buf, size_t len, uint32_t *index, size_t index_cap)
{
	const uint8_t *p = buf;
	uint32_t hdr_len, type_off, type_len, str_off, str_len, id, i;
	size_t off, end;

	memset(b, 0, sizeof(*b));
	b->buf = p;
	b->len = len;
	b->index = index;
	if (!p || len < BTF_HDR_SIZE)
		return fail(b, len, "shorter than a BTF header", -EBADMSG);
	if (rd16(p) != BTF_MAGIC)
		return fail(b, 0, "no BTF magic (or not little-endian)", -EBADMSG);
	if (p[2] != BTF_VERSION)
		return fail(b, 2, "unknown BTF version", -EBADMSG);
	if (p[3] != 0)
		return fail(b, 3, "unknown BTF flags", -EBADMSG);
	hdr_len = rd32(p + 4);
	type_off = rd32(p + 8);
	type_len = rd32(p + 12);
	str_off = rd32(p + 16);
	str_len = rd32(p + 20);
	if (hdr_len < BTF_HDR_SIZE || hdr_len > len)
		return fail(b, 4, "header length", -EBADMSG);
	/* A longer header is a newer format: fine only if the fields we do not know are 0. */
	for (off = BTF_HDR_SIZE; off < hdr_len; off++)
		if (p[off])
			return fail(b, off, "unknown header field set", -EBADMSG);
	if (type_off % 4 || !in_range(type_off, type_len, len - hdr_len))
		return fail(b, 8, "type section outside the blob", -EBADMSG);
	if (!in_range(str_off, str_len, len - hdr_len))
		return fail(b, 16, "string section outside the blob", -EBADMSG);
	if (type_off < str_off ? (uint64_t)type_off + type_len > str_off
			       : (uint64_t)str_off + str_len > type_off)
		return fail(b, 16, "type and string sections overlap", -EBADMSG);
	b->types_off = hdr_len + type_off;
	b->types_len = type_len;
	b->strs_off = hdr_len + str_off;
	b->strs_len = str_len;
	if (str_len == 0 || p[b->strs_off] != 0 || p[b->strs_off + str_len - 1] != 0)
		return fail(b, b->strs_off, "string section does not start and end with NUL",
			    -EBADMSG);
	if (!index || index_cap < 1)
		return fail(b, b->types_off, "no room for the type index", -E2BIG);

	/* Pass 1: walk the headers, index them, check each one's size. */
	off = b->types_off;
	end = (size_t)b->types_off + type_len;
	for (id = 1; off < end; id++) {
		struct btf_type_info t;
		int64_t tail;

		if (end - off < BTF_TYPE_SIZE)
			return fail(b, off, "type header runs past the type section", -EBADMSG);
		if (id >= index_cap || id > BTF_MAX_TYPE)
			return fail(b, off, "too many types", -E2BIG);
		decode(b, id, off, &t);
		tail = tail_size(t.kind, t.vlen);
		if (tail < 0)
			return fail(b, off + 4, "unknown type kind", -EBADMSG);
		if ((uint64_t)tail > end - off - BTF_TYPE_SIZE)
			return fail(b, off + 4, "type entries run past the type section", -EBADMSG);
		index[id] = (uint32_t)off;
		off += BTF_TYPE_SIZE + (size_t)tail;
	}
	b->ntypes = id - 1;

	/* Pass 2: names and references, now that the number of types is known. */
	for (id = 1; id <= b->ntypes; id++) {
		struct btf_type_info t;
		uint32_t next = id;
		int r;

		decode(b, id, index[id], &t);
		r = check_type(b, &t);
		if (r)
			return r;
		/* Pass 3 in the same loop: no pointer-free chain may loop or be too deep. */
		for (i = 0; i <= BTF_CHAIN_MAX && next; i++)
			next = chain_next(b, next);
		if (next)
			return fail(b, t.off, "loop (or too deep a chain) in type references",
				    -EBADMSG);
	}
	return 0;
}

int btf_type(const struct btf *b, uint32_t id, struct btf_type_info *t)
{
	if (id == 0)
		return -EINVAL;
	if (id > b->ntypes)
		return -EBADMSG;
	decode(b, id, b->index[id], t);
	return 0;
}

const char *btf_str(const struct btf *b, uint32_t off)
{
	/* The section ends with a NUL (checked at open), so any start inside it is terminated. */
	if (off >= b->strs_len)
		return NULL;
	return (const char *)b->buf + b->strs_off + off;
}

/* Offset of entry i (of size 12) of t, after checking kind and index. */
static int entry12(const struct btf_type_info *t, uint32_t i, uint32_t kind1, uint32_t kind2,
		   size_t *off)
{
	if (t->kind != kind1 && t->kind != kind2)
		return -EINVAL;
	if (i >= t->vlen)
		return -ERANGE;
	*off = t->off + BTF_TYPE_SIZE + (size_t)i * 12;
	return 0;
}

int btf_member(const struct btf *b, const struct btf_type_info *t, uint32_t i, struct btf_member *m)
{
	size_t off;
	int r = entry12(t, i, BTF_KIND_STRUCT, BTF_KIND_UNION, &off);

	if (r)
		return r;
	m->name_off = rd32(b->buf + off);
	m->type = rd32(b->buf + off + 4);
	m->offset = rd32(b->buf + off + 8);
	return 0;
}

int btf_secinfo(const struct btf *b, const struct btf_type_info *t, uint32_t i,
		struct btf_var_secinfo *v)
{
	size_t off;
	int r = entry12(t, i, BTF_KIND_DATASEC, BTF_KIND_DATASEC, &off);

	if (r)
		return r;
	v->type = rd32(b->buf + off);
	v->offset = rd32(b->buf + off + 4);
	v->size = rd32(b->buf + off + 8);
	return 0;
}

int btf_array(const struct btf *b, const struct btf_type_info *t, struct btf_array *a)
{
	const uint8_t *p = b->buf + t->off + BTF_TYPE_SIZE;

	if (t->kind != BTF_KIND_ARRAY)
		return -EINVAL;
	a->type = rd32(p);
	a->index_type = rd32(p + 4);
	a->nelems = rd32(p + 8);
	return 0;
}

int btf_resolve(const struct btf *b, uint32_t id, uint32_t *out)
{
	struct btf_type_info t;
	int i, r;

	for (i = 0; i <= BTF_CHAIN_MAX; i++) {
		if (id == 0) {
			*out = 0;
			return 0;
		}
		r = btf_type(b, id, &t);
		if (r)
			return r;
		if (!is_modifier(t.kind)) {
			*out = id;
			return 0;
		}
		id = t.size_type;
	}
	return -ELOOP;
}

int btf_size(const struct btf *b, uint32_t id, uint32_t *size)
{
	struct btf_type_info t;
	struct btf_array a;
	uint64_t mult = 1;
	int i, r;

	/* Arrays of arrays multiply up; each step resolves modifiers first. */
	for (i = 0; i <= BTF_CHAIN_MAX; i++) {
		r = btf_resolve(b, id, &id);
		if (r)
			return r;
		if (id == 0)
			return -EINVAL;
		btf_type(b, id, &t);
		switch (t.kind) {
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FLOAT:
		case BTF_KIND_DATASEC:
			mult *= t.size_type;
			break;
		case BTF_KIND_PTR:
			mult *= 8;
			break;
		case BTF_KIND_ARRAY:
			btf_array(b, &t, &a);
			mult *= a.nelems;
			if (mult > UINT32_MAX)
				return -EOVERFLOW;
			id = a.type;
			continue;
		default:
			return -EINVAL;
		}
		if (mult > UINT32_MAX)
			return -EOVERFLOW;
		*size = (uint32_t)mult;
		return 0;
	}
	return -ELOOP;
}

int btf_find(const struct btf *b, uint32_t kind, const char *name)
{
	struct btf_type_info t;
	const char *n;
	uint32_t id;

	for (id = 1; id <= b->ntypes; id++) {
		decode(b, id, b->index[id], &t);
		if (t.kind != kind)
			continue;
		n = btf_str(b, t.name_off);
		if (n && strcmp(n, name) == 0)
			return (int)id;
	}
	return -ENOENT;
}

int btf_datasec_fix(const struct btf *b, uint8_t *copy, const struct btf_type_info *t,
		    uint32_t size, const uint32_t *offs)
{
	struct btf_var_secinfo v[BTF_DATASEC_FIX_MAX], tmp;
	uint32_t i, j;
	uint8_t *p;

	if (t->kind != BTF_KIND_DATASEC)
		return -EINVAL;
	if (t->vlen > BTF_DATASEC_FIX_MAX)
		return -E2BIG;
	for (i = 0; i < t->vlen; i++) {
		btf_secinfo(b, t, i, &v[i]);
		v[i].offset = offs[i];
	}
	/* Insertion sort: a section holds a handful of variables. */
	for (i = 1; i < t->vlen; i++)
		for (j = i; j > 0 && v[j - 1].offset > v[j].offset; j--) {
			tmp = v[j];
			v[j] = v[j - 1];
			v[j - 1] = tmp;
		}
	p = copy + t->off;
	wr32(p + 8, size);
	for (i = 0; i < t->vlen; i++) {
		wr32(p + BTF_TYPE_SIZE + i * 12, v[i].type);
		wr32(p + BTF_TYPE_SIZE + i * 12 + 4, v[i].offset);
		wr32(p + BTF_TYPE_SIZE + i * 12 + 8, v[i].size);
	}
	return 0;
}

/* See btf.h. */
int btf_ptr_nelems(const struct btf *b, uint32_t id, uint32_t *val)
{
	struct btf_type_info t;
	struct btf_array a;

	if (btf_resolve(b, id, &id) || btf_type(b, id, &t) || t.kind != BTF_KIND_PTR)
		return -EBADMSG;
	if (btf_resolve(b, t.size_type, &id) || btf_type(b, id, &t) || btf_array(b, &t, &a))
		return -EBADMSG;
	*val = a.nelems;
	return 0;
}

/* See btf.h. */
int btf_ptr_target(const struct btf *b, uint32_t id, uint32_t *type_id, uint32_t *size)
{
	struct btf_type_info t;

	if (btf_resolve(b, id, &id) || btf_type(b, id, &t) || t.kind != BTF_KIND_PTR)
		return -EBADMSG;
	if (t.size_type == 0 || btf_size(b, t.size_type, size) || *size == 0)
		return -EBADMSG;
	*type_id = t.size_type;
	return 0;
}
