/*
 * btf.h - a bounds-checked, read-only view of a BTF blob (the ".BTF" section
 * clang -g emits for a BPF object).
 *
 * Format: the kernel's Documentation/bpf/btf.rst and include/uapi/linux/btf.h.
 * A 24-byte header (magic 0xeB9F, version 1, flags 0, hdr_len, then offset and
 * length of the type and string sections, counted from the end of the header),
 * the type section (one struct btf_type per type, ids 1, 2, ... in order, each
 * followed by kind-specific entries) and the string section (NUL-separated
 * names; offset 0 is the empty name).
 *
 * btf_open() checks everything before anything is read: the header, that both
 * sections lie inside the blob and do not overlap, that the string section
 * starts and ends with a NUL, that every type's kind is known and its entries
 * fit, that every name offset is inside the string section, that every type
 * id a type refers to exists, and that no chain of typedef / const / volatile /
 * restrict / type tag / array links loops or runs deeper than BTF_CHAIN_MAX
 * (a pointer ends a chain: a struct may point at itself).  After it, the
 * accessors below never read out of bounds, whatever the blob says.
 *
 * No allocation: the caller gives the index array (one entry per type).  No
 * I/O, no printing.  The blob is little-endian (BPF objects for x86 and arm64
 * hosts; a big-endian magic is refused) and needs no alignment.
 *
 * Errors: -EBADMSG for any inconsistency, -E2BIG if there are more types than
 * the index holds; b->err_off is then the byte offset in the blob of the bad
 * field and b->err a static string naming it.
 */
#ifndef HUGINN_SYS_BTF_H
#define HUGINN_SYS_BTF_H

#include <stddef.h>
#include <stdint.h>

#include <linux/btf.h>

#define BTF_HDR_SIZE 24
#define BTF_TYPE_SIZE 12 /* struct btf_type: name_off, info, size/type */
/* Deepest typedef/modifier/array chain followed (the kernel's own resolve depth is 32). */
#define BTF_CHAIN_MAX 32

struct btf {
	const uint8_t *buf;
	size_t len;
	uint32_t types_off, types_len; /* byte offsets in buf, checked */
	uint32_t strs_off, strs_len;
	uint32_t ntypes; /* valid ids are 1..ntypes; id 0 is void */
	uint32_t *index; /* caller's: index[id] = offset of type id in buf */
	size_t err_off;	 /* where the last error was found */
	const char *err; /* and what it was (static), NULL before any error */
};

/* One decoded type header. */
struct btf_type_info {
	uint32_t id;
	uint32_t name_off;
	uint32_t kind;	/* BTF_KIND_* */
	uint32_t vlen;	/* entries following the header */
	uint32_t kflag; /* bit 31 of info */
	uint32_t
	    size_type; /* size (INT, STRUCT, ENUM, DATASEC ...) or a type id (PTR, TYPEDEF ...) */
	size_t off;    /* offset of the header in the blob */
};

/*
 * Check the blob (see the top of this file) and index its types into
 * index[1..], which must hold index_cap entries; types_len / BTF_TYPE_SIZE + 1
 * is always enough.  The blob and index must outlive b.
 */
int btf_open(struct btf *b, const void *buf, size_t len, uint32_t *index, size_t index_cap);

/* Type id's header.  -EINVAL for id 0 (void), -EBADMSG for an id > ntypes. */
int btf_type(const struct btf *b, uint32_t id, struct btf_type_info *t);

/* The NUL-terminated string at off in the string section, or NULL if off is outside it. */
const char *btf_str(const struct btf *b, uint32_t off);

/* Entry i of a STRUCT or UNION (-EINVAL for another kind, -ERANGE if i >= vlen). */
int btf_member(const struct btf *b, const struct btf_type_info *t, uint32_t i,
	       struct btf_member *m);

/* Entry i of a DATASEC (-EINVAL for another kind, -ERANGE if i >= vlen). */
int btf_secinfo(const struct btf *b, const struct btf_type_info *t, uint32_t i,
		struct btf_var_secinfo *v);

/* The entry of an ARRAY (-EINVAL for another kind). */
int btf_array(const struct btf *b, const struct btf_type_info *t, struct btf_array *a);

/*
 * Follow typedef, const, volatile, restrict and type tag links from id to the
 * type they name (possibly 0, void).  -ELOOP past BTF_CHAIN_MAX links.
 */
int btf_resolve(const struct btf *b, uint32_t id, uint32_t *out);

/*
 * Size in bytes of an object of type id: through modifiers, arrays multiply,
 * pointers are 8 bytes (BPF is 64-bit).  -EINVAL for a type without a size
 * (void, function, forward declaration, variable), -EOVERFLOW past 4 GiB.
 */
int btf_size(const struct btf *b, uint32_t id, uint32_t *size);

/*
 * The shapes BTF-defined maps use for their attributes: `int (*name)[N]` gives
 * N (btf_ptr_nelems), `T *name` gives T's id and size (btf_ptr_target).
 * -EBADMSG for any other shape.
 */
int btf_ptr_nelems(const struct btf *b, uint32_t id, uint32_t *val);
int btf_ptr_target(const struct btf *b, uint32_t id, uint32_t *type_id, uint32_t *size);

/* The first type of kind kind named name, or -ENOENT. */
int btf_find(const struct btf *b, uint32_t kind, const char *name);

/*
 * Rewrite DATASEC t in copy (a writable copy of b's blob, same length): its
 * size becomes size and entry i's offset offs[i]; the entries are then sorted
 * by offset, as the kernel requires.  clang leaves both at 0 in an object
 * file (the linker decides them); libbpf fills them in from the ELF section
 * and symbols before BPF_BTF_LOAD, and so do we.  vlen must be at most
 * BTF_DATASEC_FIX_MAX (-E2BIG otherwise).
 */
#define BTF_DATASEC_FIX_MAX 64
int btf_datasec_fix(const struct btf *b, uint8_t *copy, const struct btf_type_info *t,
		    uint32_t size, const uint32_t *offs);

#endif /* HUGINN_SYS_BTF_H */
