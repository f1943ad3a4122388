/*
 * obj.h - our loader for the one BPF object we ship (bpf/xdp_syn.o).
 *
 * It understands exactly what bpf/xdp_syn.c produces, not BPF ELF in general:
 *   - two programs over the same maps: section "xdp" holding function xdp_syn
 *     and section "tcx/ingress" holding tc_syn; one obj loads the one chosen
 *     at obj_open_prog() (the other program's sections are not read),
 *   - section "license" (a NUL-terminated string),
 *   - BTF-defined maps: each symbol in section ".maps" is one map, named by
 *     the symbol; its definition is the BTF type of the variable of that name
 *     (section ".BTF", parsed by sys/btf.c): a struct whose members type,
 *     max_entries and map_flags are pointers to arrays of that many elements,
 *     and key and value pointers to the key and value types,
 *   - the chosen section's relocations (".relxdp"): every relocation must hit an ld_imm64
 * instruction and name a
 *     ".maps" symbol; it becomes a BPF_PSEUDO_MAP_FD load of that map's fd.
 * .BTF.ext (line and function info) and DWARF sections are ignored.  No CO-RE,
 * no global data, no subprograms.
 *
 * The BTF goes to the kernel (BPF_BTF_LOAD) so that maps carry their key and
 * value types and tools such as bpftool print named fields.  clang leaves the
 * sizes of data sections and the offsets of variables in them at 0 in an
 * object file; a private copy of the BTF gets them from the ELF section and
 * symbols first (as libbpf does), since the kernel refuses a 0-size DATASEC.
 * A kernel that refuses the BTF anyway (too old) gets maps without it:
 * o->btf_err says so, nothing else changes.
 *
 * obj_open() only parses and validates (no syscalls): a truncated or corrupted
 * buffer fails with -ENOEXEC (not ELF64 LE BPF), -EBADMSG (a field is
 * inconsistent) or -E2BIG (past one of the limits below), and o->err_off /
 * o->err say where and what.  Nothing is printed.
 */
#ifndef HUGINN_SYS_OBJ_H
#define HUGINN_SYS_OBJ_H

#include <stddef.h>
#include <stdint.h>

#include <linux/bpf.h>

#define OBJ_MAX_MAPS 16
#define OBJ_MAP_NAME_MAX 32 /* incl. NUL; the kernel keeps only the first 15 bytes */
#define OBJ_MAX_INSNS 65536 /* far above what the verifier lets an XDP program of ours be */
#define OBJ_MAX_RELOCS 1024
#define OBJ_MAX_BTF (1u << 20) /* our .BTF is a few KiB */

/*
 * BPF_TCX_INGRESS of enum bpf_attach_type (kernel 6.6): Debian 12's UAPI
 * headers (6.1) predate it, and the value is ABI.
 */
#define OBJ_TCX_INGRESS 46u

/* The program an obj loads. */
enum obj_prog {
	OBJ_PROG_XDP = 0, /* "xdp"/xdp_syn: BPF_PROG_TYPE_XDP */
	OBJ_PROG_TC,	  /* "tcx/ingress"/tc_syn: BPF_PROG_TYPE_SCHED_CLS, for BPF_TCX_INGRESS */
};

struct obj_map {
	/*
	 * Symbol name: [A-Za-z0-9_.], not starting with '.', so it is safe as a
	 * file name under a pin directory.
	 */
	char name[OBJ_MAP_NAME_MAX];
	uint32_t type, key_size, value_size, max_entries, map_flags;
	/*
	 * -1 until obj_create_maps() creates it, or the caller stores the fd of a
	 * reused (pinned) map here; the caller then still owns that fd.
	 */
	int fd;
	/* Key and value type ids in the object's BTF (never 0 for an accepted object). */
	uint32_t btf_key_id, btf_value_id;
	int created;	  /* private: 1 if obj_create_maps() made fd (obj_close() closes it) */
	uint32_t def_off; /* private: offset of the definition in the ".maps" section */
};

struct obj_reloc {
	uint32_t insn; /* index of the ld_imm64 to patch */
	uint32_t map;  /* index into maps[] */
};

struct obj {
	enum obj_prog prog;
	const char *prog_name; /* "xdp_syn" / "tc_syn": the kernel's name for it */
	struct obj_map maps[OBJ_MAX_MAPS];
	unsigned nmaps;
	char license[64];
	struct bpf_insn *insns; /* private copy of the program, patched by obj_load() */
	size_t insn_cnt;
	struct obj_reloc *relocs;
	size_t nrelocs;
	uint8_t *btf; /* private copy of .BTF, data sections fixed up for the kernel */
	size_t btf_len;
	int btf_fd; /* -1 until obj_create_maps() loads the BTF; obj_close() closes it */
	/*
	 * 0, or the -errno for which obj_create_maps() created maps without BTF
	 * (BPF_BTF_LOAD refused: a kernel without BTF support or one that rejects
	 * a kind we use; or a map refused its types).  The maps work the same;
	 * only their dumps lose the field names.  Callers should warn.
	 */
	int btf_err;
	/* On an obj_open() failure: byte offset into the buffer of the first bad field, */
	size_t err_off;
	/* and a static string naming it ("relocation target is not ld_imm64"), else NULL. */
	const char *err;
};

/*
 * Parse and validate buf (len bytes, e.g. huginn_bpf_obj .. huginn_bpf_obj_end).
 * The buffer is only read during the call; o keeps private copies.  On
 * failure o holds nothing to free (obj_close() is still safe) and err_off/err
 * are set.  Every map fd starts at -1.
 */
int obj_open(struct obj *o, const void *buf, size_t len);

/*
 * The same for the program prog (obj_open() is OBJ_PROG_XDP): only its
 * section, relocations and function symbol are read; -EINVAL for an unknown
 * prog.
 */
int obj_open_prog(struct obj *o, const void *buf, size_t len, enum obj_prog prog);

/* The map called name, or NULL. */
struct obj_map *obj_map_by_name(struct obj *o, const char *name);

/*
 * Create every map whose fd is -1, with its current definition (the caller
 * may change max_entries first), and with its BTF key and value types if the
 * kernel accepts the object's BTF (else without, and o->btf_err is set).  On
 * failure the maps created by this call are closed again and -errno is
 * returned; maps set by the caller are left alone.
 */
int obj_create_maps(struct obj *o);

/*
 * Patch every relocation with the current map fds (all must be >= 0, else
 * -EBADF) and load the chosen program with its type and name (XDP "xdp_syn",
 * or SCHED_CLS "tc_syn" with expected attach type BPF_TCX_INGRESS).  log (may
 * be NULL) receives the verifier's message on failure.  Returns the program
 * fd (the caller owns it) or -errno.  May be called again, e.g. after maps
 * were swapped.  A kernel that refuses the program (-EINVAL) gets it a second
 * time with the precise clock (obj_use_precise_clock()), which stays so.
 */
int obj_load(struct obj *o, char *log, size_t log_size);

/*
 * Rewrite every call of bpf_ktime_get_coarse_ns (Linux 5.11) into a call of
 * bpf_ktime_get_ns (any kernel): the fallback obj_load() takes by itself when
 * the kernel refuses the program and it calls the coarse clock.  Returns the
 * number of calls rewritten.
 */
unsigned obj_use_precise_clock(struct obj *o);

/* Close the map and BTF fds obj_create_maps() made, free the copies; safe to call twice. */
void obj_close(struct obj *o);

/*
 * 1 if the existing map fd has m's type, key size, value size, max_entries
 * and flags; 0 if any differs; -errno if fd can't be queried.
 */
int obj_map_compatible(const struct obj_map *m, int fd);

#endif /* HUGINN_SYS_OBJ_H */
