/*
 * obj.c - load bpf/xdp_syn.o: sections, maps, relocations.  See obj.h.
 *
 * The steps are small functions over a checked ELF view (sys/elf.h); each
 * records where it found a fault (o->err_off, o->err) so the caller can name
 * the byte.  Only the layout our own program compiles to is accepted.
 */
#include "sys/obj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/bpf.h"
#include "sys/elf.h"

#define PROG_SEC "xdp"
#define PROG_FUNC "xdp_syn"
#define LICENSE_SEC "license"
#define MAPS_SEC "maps"
#define MAP_DEF_SIZE 20 /* 5 x u32, see struct huginn_map_def in bpf/xdp_syn.c */
#define INSN_SIZE 8
#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW) /* 0x18, two instruction slots */
#define R_BPF_64_64 1			     /* the relocation clang emits for ld_imm64 */

/* Section indexes the steps below pass between them. */
struct obj_secs {
	Elf64_Shdr prog, license, maps, symtab, rel;
	int prog_idx, license_idx, maps_idx, symtab_idx, rel_idx; /* 0 = absent */
};

static int bad(struct obj *o, size_t off, const char *what, int err)
{
	o->err_off = off;
	o->err = what;
	return err;
}

/* Propagate an error of the ELF view with its offset and, if it has one, its reason. */
static int bad_elf(struct obj *o, const struct elf *e, const char *what, int err)
{
	return bad(o, e->err_off, e->err ? e->err : what, err);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Map names become pin file names: a conservative alphabet, no "." or "..". */
static int valid_map_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= OBJ_MAP_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

/* Find the sections we use; each name may occur once. */
static int find_sections(struct obj *o, struct elf *e, struct obj_secs *s)
{
	Elf64_Shdr sh;
	const char *name;
	unsigned i;
	int r;

	memset(s, 0, sizeof(*s));
	for (i = 1; i < e->shnum; i++) {
		Elf64_Shdr *dst = NULL;
		int *idx = NULL;

		r = elf_section(e, i, &sh);
		if (r)
			return bad_elf(o, e, "section header out of bounds", r);
		name = elf_section_name(e, &sh);
		if (!name)
			return bad(o, elf_section_hdr_off(e, i), "section name out of bounds",
				   -EBADMSG);
		if (strcmp(name, PROG_SEC) == 0) {
			dst = &s->prog;
			idx = &s->prog_idx;
		} else if (strcmp(name, LICENSE_SEC) == 0) {
			dst = &s->license;
			idx = &s->license_idx;
		} else if (strcmp(name, MAPS_SEC) == 0) {
			dst = &s->maps;
			idx = &s->maps_idx;
		} else if (sh.sh_type == SHT_SYMTAB) {
			dst = &s->symtab;
			idx = &s->symtab_idx;
		}
		if (!dst)
			continue;
		if (*idx)
			return bad(o, elf_section_hdr_off(e, i), "duplicate section", -EBADMSG);
		*dst = sh;
		*idx = (int)i;
	}
	if (!s->prog_idx)
		return bad(o, 0, "no \"" PROG_SEC "\" program section", -ENOEXEC);
	if (!s->license_idx)
		return bad(o, 0, "no \"" LICENSE_SEC "\" section", -ENOEXEC);
	if (!s->symtab_idx)
		return bad(o, 0, "no symbol table", -ENOEXEC);
	if (s->prog.sh_type != SHT_PROGBITS || !(s->prog.sh_flags & SHF_EXECINSTR))
		return bad(o, elf_section_hdr_off(e, (unsigned)s->prog_idx) + 4,
			   "program section is not executable code", -EBADMSG);
	if (s->maps_idx && s->maps.sh_type != SHT_PROGBITS)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->maps_idx) + 4,
			   "maps section has no contents", -EBADMSG);

	/* The one relocation section that applies to the program section. */
	for (i = 1; i < e->shnum; i++) {
		if (elf_section(e, i, &sh))
			return bad_elf(o, e, "section header out of bounds", -EBADMSG);
		if (sh.sh_type == SHT_RELA && sh.sh_info == (unsigned)s->prog_idx)
			return bad(o, elf_section_hdr_off(e, i) + 4,
				   "RELA relocations are not used by BPF", -EBADMSG);
		if (sh.sh_type != SHT_REL || sh.sh_info != (unsigned)s->prog_idx)
			continue;
		if (s->rel_idx)
			return bad(o, elf_section_hdr_off(e, i), "second relocation section",
				   -EBADMSG);
		if (sh.sh_link != (unsigned)s->symtab_idx)
			return bad(o, elf_section_hdr_off(e, i) + 40,
				   "relocations use another symbol table", -EBADMSG);
		s->rel = sh;
		s->rel_idx = (int)i;
	}
	return 0;
}

static int read_license(struct obj *o, struct elf *e, const struct obj_secs *s)
{
	const uint8_t *d;
	size_t n;
	const uint8_t *nul;

	elf_section_data(e, &s->license, &d, &n);
	if (!d || n == 0)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->license_idx), "empty license",
			   -EBADMSG);
	nul = memchr(d, '\0', n < sizeof(o->license) ? n : sizeof(o->license));
	if (!nul)
		return bad(o, (size_t)s->license.sh_offset,
			   "license not terminated within 64 bytes", -EBADMSG);
	memcpy(o->license, d, (size_t)(nul - d) + 1);
	return 0;
}

static int read_program(struct obj *o, struct elf *e, const struct obj_secs *s)
{
	const uint8_t *d;
	size_t n, i;

	elf_section_data(e, &s->prog, &d, &n);
	if (!d || n == 0 || n % INSN_SIZE)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->prog_idx) + 32,
			   "program size is not a whole number of instructions", -EBADMSG);
	if (n / INSN_SIZE > OBJ_MAX_INSNS)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->prog_idx) + 32,
			   "program too long", -E2BIG);
	o->insns = malloc(n);
	if (!o->insns)
		return bad(o, (size_t)s->prog.sh_offset, "out of memory", -ENOMEM);
	/* struct bpf_insn has the file's layout on a little-endian host. */
	memcpy(o->insns, d, n);
	o->insn_cnt = n / INSN_SIZE;

	/*
	 * A 64-bit load that already names a map fd or other pseudo source
	 * would reach whatever fd the loading process holds: only our own
	 * relocations may set one.  Its second slot must be a bare 0 opcode.
	 */
	for (i = 0; i < o->insn_cnt; i++) {
		if (o->insns[i].code != LD_IMM64)
			continue;
		if (o->insns[i].src_reg != 0 || i + 1 >= o->insn_cnt || o->insns[i + 1].code != 0)
			return bad(o, (size_t)s->prog.sh_offset + i * INSN_SIZE,
				   "ld_imm64 with a pseudo source or without its second slot",
				   -EBADMSG);
		i++;
	}
	return 0;
}

static size_t sym_off(const struct obj_secs *s, size_t idx)
{
	return (size_t)s->symtab.sh_offset + idx * sizeof(Elf64_Sym);
}

/* One map per symbol in "maps"; also checks the program's entry symbol. */
static int read_symbols(struct obj *o, struct elf *e, const struct obj_secs *s)
{
	const uint8_t *md = NULL;
	size_t nsyms, i, msize = 0;
	int have_func = 0, r;
	Elf64_Sym sym;
	const char *name;

	r = elf_table_count(e, &s->symtab, sizeof(Elf64_Sym), &nsyms);
	if (r)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->symtab_idx) + 56,
			   "symbol table entry size", r);
	if (s->maps_idx)
		elf_section_data(e, &s->maps, &md, &msize);

	for (i = 1; i < nsyms; i++) {
		struct obj_map *m;
		unsigned j;

		r = elf_symbol(e, &s->symtab, i, &sym);
		if (r)
			return bad_elf(o, e, "symbol out of bounds", r);
		if (sym.st_shndx == (unsigned)s->prog_idx &&
		    ELF64_ST_TYPE(sym.st_info) == STT_FUNC) {
			name = elf_symbol_name(e, &s->symtab, &sym);
			if (!name)
				return bad(o, sym_off(s, i), "symbol name out of bounds", -EBADMSG);
			/* One program, no subprograms: it must fill its section from byte 0. */
			if (strcmp(name, PROG_FUNC) != 0 || have_func)
				return bad(o, sym_off(s, i),
					   "unexpected function in program section", -EBADMSG);
			if (sym.st_value != 0 || sym.st_size != o->insn_cnt * INSN_SIZE)
				return bad(o, sym_off(s, i) + 8,
					   "program function does not span its section", -EBADMSG);
			have_func = 1;
			continue;
		}
		if (!s->maps_idx || sym.st_shndx != (unsigned)s->maps_idx ||
		    ELF64_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;

		name = elf_symbol_name(e, &s->symtab, &sym);
		if (!name)
			return bad(o, sym_off(s, i), "symbol name out of bounds", -EBADMSG);
		if (!valid_map_name(name))
			return bad(o, sym_off(s, i), "bad map name", -EBADMSG);
		if (sym.st_size != MAP_DEF_SIZE)
			return bad(o, sym_off(s, i) + 16, "map definition is not 5 x u32",
				   -EBADMSG);
		if (sym.st_value % 4 || sym.st_value > msize || MAP_DEF_SIZE > msize - sym.st_value)
			return bad(o, sym_off(s, i) + 8, "map definition outside the maps section",
				   -EBADMSG);
		for (j = 0; j < o->nmaps; j++) {
			if (strcmp(o->maps[j].name, name) == 0)
				return bad(o, sym_off(s, i), "duplicate map name", -EBADMSG);
			/* rel_map() finds a map by offset: two at one offset would be ambiguous. */
			if (o->maps[j].def_off == sym.st_value)
				return bad(o, sym_off(s, i) + 8, "two maps at one offset",
					   -EBADMSG);
		}
		if (o->nmaps == OBJ_MAX_MAPS)
			return bad(o, sym_off(s, i), "too many maps", -E2BIG);
		m = &o->maps[o->nmaps++];
		memcpy(m->name, name, strlen(name) + 1);
		m->type = rd32(md + sym.st_value);
		m->key_size = rd32(md + sym.st_value + 4);
		m->value_size = rd32(md + sym.st_value + 8);
		m->max_entries = rd32(md + sym.st_value + 12);
		m->map_flags = rd32(md + sym.st_value + 16);
		m->def_off = (uint32_t)sym.st_value;
	}
	if (!have_func)
		return bad(o, (size_t)s->symtab.sh_offset, "no " PROG_FUNC " function symbol",
			   -ENOEXEC);
	return 0;
}

/* The map whose definition sits at offset value of "maps", or -1. */
static int map_at(const struct obj *o, uint64_t value)
{
	unsigned j;

	for (j = 0; j < o->nmaps; j++)
		if (o->maps[j].def_off == value)
			return (int)j;
	return -1;
}

static int read_relocs(struct obj *o, struct elf *e, const struct obj_secs *s)
{
	size_t n, i, base;
	Elf64_Rel rel;
	Elf64_Sym sym;
	int r;

	if (!s->rel_idx)
		return 0;
	base = (size_t)s->rel.sh_offset;
	r = elf_table_count(e, &s->rel, sizeof(Elf64_Rel), &n);
	if (r)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->rel_idx) + 56,
			   "relocation entry size", r);
	if (n > OBJ_MAX_RELOCS)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->rel_idx) + 32,
			   "too many relocations", -E2BIG);
	if (n) {
		o->relocs = calloc(n, sizeof(*o->relocs));
		if (!o->relocs)
			return bad(o, base, "out of memory", -ENOMEM);
	}
	for (i = 0; i < n; i++) {
		size_t off = base + i * sizeof(Elf64_Rel);
		uint64_t idx;
		struct bpf_insn *in;
		int m;

		r = elf_rel(e, &s->rel, i, &rel);
		if (r)
			return bad_elf(o, e, "relocation out of bounds", r);
		if (ELF64_R_TYPE(rel.r_info) != R_BPF_64_64)
			return bad(o, off + 8, "relocation type is not R_BPF_64_64", -EBADMSG);
		if (rel.r_offset % INSN_SIZE)
			return bad(o, off, "relocation offset not on an instruction", -EBADMSG);
		idx = rel.r_offset / INSN_SIZE;
		/* ld_imm64 uses two slots, both must be inside the program. */
		if (idx + 1 >= o->insn_cnt)
			return bad(o, off, "relocation offset beyond the program", -EBADMSG);
		in = &o->insns[idx];
		if (in->code != LD_IMM64 || in->src_reg != 0 || o->insns[idx + 1].code != 0)
			return bad(o, (size_t)s->prog.sh_offset + (size_t)idx * INSN_SIZE,
				   "relocation target is not a plain ld_imm64", -EBADMSG);
		r = elf_symbol(e, &s->symtab, (size_t)ELF64_R_SYM(rel.r_info), &sym);
		if (r || ELF64_R_SYM(rel.r_info) == 0)
			return bad(o, off + 8, "relocation symbol index out of range", -EBADMSG);
		if (!s->maps_idx || sym.st_shndx != (unsigned)s->maps_idx ||
		    ELF64_ST_TYPE(sym.st_info) == STT_SECTION)
			return bad(o, off + 8, "relocation does not name a map", -EBADMSG);
		/* The implicit addend (imm) must be 0: the reference is to the whole map. */
		if (in->imm != 0 || o->insns[idx + 1].imm != 0)
			return bad(o, (size_t)s->prog.sh_offset + (size_t)idx * INSN_SIZE + 4,
				   "map reference with an addend", -EBADMSG);
		m = map_at(o, sym.st_value);
		if (m < 0)
			return bad(o, off + 8, "relocation names an unknown map", -EBADMSG);
		o->relocs[i].insn = (uint32_t)idx;
		o->relocs[i].map = (uint32_t)m;
	}
	o->nrelocs = n;
	return 0;
}

int obj_open(struct obj *o, const void *buf, size_t len)
{
	struct obj_secs s;
	struct elf e;
	unsigned i;
	int r;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < OBJ_MAX_MAPS; i++)
		o->maps[i].fd = -1;

	r = elf_open(&e, buf, len);
	if (r) {
		r = bad_elf(o, &e, "not a valid ELF64 little-endian file", r);
		goto out_free;
	}
	if (e.type != ET_REL) {
		r = bad(o, 16, "not a relocatable object", -ENOEXEC);
		goto out_free;
	}
	if (e.machine != EM_BPF) {
		r = bad(o, 18, "not a BPF object", -ENOEXEC);
		goto out_free;
	}
	r = find_sections(o, &e, &s);
	if (r)
		goto out_free;
	r = read_license(o, &e, &s);
	if (r)
		goto out_free;
	r = read_program(o, &e, &s);
	if (r)
		goto out_free;
	r = read_symbols(o, &e, &s);
	if (r)
		goto out_free;
	r = read_relocs(o, &e, &s);
	if (r)
		goto out_free;
	return 0;

out_free:
	obj_close(o);
	for (i = 0; i < OBJ_MAX_MAPS; i++)
		o->maps[i].fd = -1;
	o->nmaps = 0;
	return r;
}

struct obj_map *obj_map_by_name(struct obj *o, const char *name)
{
	unsigned i;

	for (i = 0; i < o->nmaps; i++)
		if (strcmp(o->maps[i].name, name) == 0)
			return &o->maps[i];
	return NULL;
}

int obj_create_maps(struct obj *o)
{
	unsigned i, made = 0; /* bit i: map i was created by this call */
	int fd;

	for (i = 0; i < o->nmaps; i++) {
		struct obj_map *m = &o->maps[i];

		if (m->fd >= 0)
			continue;
		fd = bpf_map_create(m->type, m->name, m->key_size, m->value_size, m->max_entries,
				    m->map_flags);
		if (fd < 0)
			goto out_undo;
		m->fd = fd;
		m->created = 1;
		made |= 1u << i;
	}
	return 0;

out_undo:
	while (i--) {
		struct obj_map *m = &o->maps[i];

		if (made & (1u << i)) {
			close(m->fd);
			m->fd = -1;
			m->created = 0;
		}
	}
	return fd;
}

int obj_load(struct obj *o, char *log, size_t log_size)
{
	size_t i;

	if (!o->insns)
		return -EINVAL;
	for (i = 0; i < o->nrelocs; i++) {
		struct bpf_insn *in = &o->insns[o->relocs[i].insn];
		const struct obj_map *m = &o->maps[o->relocs[i].map];

		if (m->fd < 0)
			return -EBADF;
		in->src_reg = BPF_PSEUDO_MAP_FD;
		in->imm = m->fd;
		in[1].imm = 0;
	}
	return bpf_prog_load(BPF_PROG_TYPE_XDP, o->insns, o->insn_cnt, o->license, PROG_FUNC, 0,
			     log, log_size);
}

void obj_close(struct obj *o)
{
	unsigned i;

	for (i = 0; i < o->nmaps && i < OBJ_MAX_MAPS; i++) {
		struct obj_map *m = &o->maps[i];

		if (m->created && m->fd >= 0)
			close(m->fd);
		if (m->created)
			m->fd = -1;
		m->created = 0;
	}
	free(o->insns);
	o->insns = NULL;
	o->insn_cnt = 0;
	free(o->relocs);
	o->relocs = NULL;
	o->nrelocs = 0;
}

int obj_map_compatible(const struct obj_map *m, int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	int r;

	memset(&info, 0, sizeof(info));
	r = bpf_obj_get_info(fd, &info, &len);
	if (r)
		return r;
	return info.type == m->type && info.key_size == m->key_size &&
	       info.value_size == m->value_size && info.max_entries == m->max_entries &&
	       info.map_flags == m->map_flags;
}
