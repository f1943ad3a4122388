/*
 * obj.c - load bpf/xdp_syn.o: sections, maps, relocations.  See obj.h.
 *
 * The steps are small functions over a checked ELF view (sys/elf.h) and a
 * checked BTF view (sys/btf.h); each records where it found a fault
 * (o->err_off, o->err: a byte offset in the whole object, BTF offsets included)
 * so the caller can name the byte.  Only the layout our own program compiles
 * to is accepted.
 */
#include "sys/obj.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sys/bpf.h"
#include "sys/btf.h"
#include "sys/elf.h"

#define LICENSE_SEC "license"
#define MAPS_SEC ".maps"
#define BTF_SEC ".BTF"
#define INSN_SIZE 8
#define LD_IMM64 (BPF_LD | BPF_IMM | BPF_DW) /* 0x18, two instruction slots */
#define R_BPF_64_64 1			     /* the relocation clang emits for ld_imm64 */
/* The kernel's internal "not supported" (include/linux/errno.h), which bpf() lets out. */
#define KERNEL_ENOTSUPP 524

/* The programs of the object: each in a section of its own, one function spanning it. */
static const struct {
	const char *sec, *func;
	uint32_t type, attach;
} progs[] = {
    [OBJ_PROG_XDP] = {"xdp", "xdp_syn", BPF_PROG_TYPE_XDP, 0},
    [OBJ_PROG_TC] = {"tcx/ingress", "tc_syn", BPF_PROG_TYPE_SCHED_CLS, OBJ_TCX_INGRESS},
};

/* Section indexes and the BTF view the steps below pass between them. */
struct obj_secs {
	Elf64_Shdr prog, license, maps, symtab, rel, btf_sec;
	int prog_idx, license_idx, maps_idx, symtab_idx, rel_idx, btf_idx; /* 0 = absent */
	struct btf btf;
	uint32_t *btf_index; /* freed by obj_open() */
	int maps_datasec;    /* BTF id of DATASEC ".maps", or 0 */
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
		if (strcmp(name, progs[o->prog].sec) == 0) {
			dst = &s->prog;
			idx = &s->prog_idx;
		} else if (strcmp(name, LICENSE_SEC) == 0) {
			dst = &s->license;
			idx = &s->license_idx;
		} else if (strcmp(name, MAPS_SEC) == 0) {
			dst = &s->maps;
			idx = &s->maps_idx;
		} else if (strcmp(name, BTF_SEC) == 0) {
			dst = &s->btf_sec;
			idx = &s->btf_idx;
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
		return bad(o, 0, "no section for the chosen program", -ENOEXEC);
	if (!s->license_idx)
		return bad(o, 0, "no \"" LICENSE_SEC "\" section", -ENOEXEC);
	if (!s->symtab_idx)
		return bad(o, 0, "no symbol table", -ENOEXEC);
	if (s->prog.sh_type != SHT_PROGBITS || !(s->prog.sh_flags & SHF_EXECINSTR))
		return bad(o, elf_section_hdr_off(e, (unsigned)s->prog_idx) + 4,
			   "program section is not executable code", -EBADMSG);
	/* The definitions live in BTF; the section's bytes (zeros) are not read. */
	if (s->maps_idx && s->maps.sh_type != SHT_PROGBITS && s->maps.sh_type != SHT_NOBITS)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->maps_idx) + 4,
			   "maps section is not a data section", -EBADMSG);
	if (s->maps_idx && !s->btf_idx)
		return bad(o, 0, "maps but no \"" BTF_SEC "\" section (build with clang -g)",
			   -ENOEXEC);
	if (s->btf_idx && s->btf_sec.sh_type != SHT_PROGBITS)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->btf_idx) + 4,
			   "BTF section has no contents", -EBADMSG);

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

/* Propagate an error of the BTF view, its offset made absolute in the object. */
static int bad_btf(struct obj *o, const struct obj_secs *s, const char *what, int err)
{
	const struct btf *b = &s->btf;

	return bad(o, (size_t)s->btf_sec.sh_offset + b->err_off, b->err ? b->err : what, err);
}

/* Open the BTF view of .BTF, keep a private copy for the kernel, find DATASEC ".maps". */
static int read_btf(struct obj *o, struct elf *e, struct obj_secs *s)
{
	const uint8_t *d;
	size_t n, cap;
	int r;

	if (!s->btf_idx)
		return 0;
	elf_section_data(e, &s->btf_sec, &d, &n);
	if (n > OBJ_MAX_BTF)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->btf_idx) + 32, "BTF too large",
			   -E2BIG);
	/* Every type takes at least BTF_TYPE_SIZE bytes: this many entries always suffice. */
	cap = n / BTF_TYPE_SIZE + 1;
	s->btf_index = calloc(cap, sizeof(*s->btf_index));
	o->btf = malloc(n ? n : 1);
	if (!s->btf_index || !o->btf)
		return bad(o, (size_t)s->btf_sec.sh_offset, "out of memory", -ENOMEM);
	r = btf_open(&s->btf, d, n, s->btf_index, cap);
	if (r)
		return bad_btf(o, s, "BTF", r);
	memcpy(o->btf, d, n);
	o->btf_len = n;
	r = btf_find(&s->btf, BTF_KIND_DATASEC, MAPS_SEC);
	s->maps_datasec = r > 0 ? r : 0;
	return 0;
}

/*
 * m's definition: the struct type of the VAR named m->name in DATASEC ".maps".
 * def_size is the symbol's size; symoff its place in the object for errors.
 */
static int map_from_btf(struct obj *o, const struct obj_secs *s, struct obj_map *m,
			uint64_t def_size, size_t symoff)
{
	const struct btf *b = &s->btf;
	size_t base = (size_t)s->btf_sec.sh_offset;
	struct btf_type_info ds, var, st;
	struct btf_var_secinfo vi;
	struct btf_member mb;
	uint32_t i, id, seen = 0;
	const char *n;

	if (!s->maps_datasec)
		return bad(o, symoff, "no BTF for the maps section", -EBADMSG);
	btf_type(b, (uint32_t)s->maps_datasec, &ds);
	for (i = 0; i < ds.vlen; i++) {
		btf_secinfo(b, &ds, i, &vi);
		if (btf_type(b, vi.type, &var) || var.kind != BTF_KIND_VAR)
			return bad(o, base + ds.off, "maps section entry is not a variable",
				   -EBADMSG);
		n = btf_str(b, var.name_off);
		if (n && strcmp(n, m->name) == 0)
			break;
	}
	if (i == ds.vlen)
		return bad(o, symoff, "map has no BTF definition", -EBADMSG);
	if (btf_resolve(b, var.size_type, &id) || btf_type(b, id, &st) ||
	    st.kind != BTF_KIND_STRUCT)
		return bad(o, base + var.off + 8, "map definition is not a struct", -EBADMSG);
	if (st.size_type != def_size)
		return bad(o, symoff + 16, "map symbol size differs from its BTF definition",
			   -EBADMSG);

	m->map_flags = 0;
	for (i = 0; i < st.vlen; i++) {
		size_t moff = base + st.off + BTF_TYPE_SIZE + (size_t)i * 12;
		uint32_t bit;
		int r;

		btf_member(b, &st, i, &mb);
		n = btf_str(b, mb.name_off);
		if (!n)
			return bad(o, moff, "map attribute name", -EBADMSG);
		if (strcmp(n, "type") == 0) {
			bit = 1;
			r = btf_ptr_nelems(b, mb.type, &m->type);
		} else if (strcmp(n, "max_entries") == 0) {
			bit = 2;
			r = btf_ptr_nelems(b, mb.type, &m->max_entries);
		} else if (strcmp(n, "map_flags") == 0) {
			bit = 4;
			r = btf_ptr_nelems(b, mb.type, &m->map_flags);
		} else if (strcmp(n, "key") == 0) {
			bit = 8;
			r = btf_ptr_target(b, mb.type, &m->btf_key_id, &m->key_size);
		} else if (strcmp(n, "value") == 0) {
			bit = 16;
			r = btf_ptr_target(b, mb.type, &m->btf_value_id, &m->value_size);
		} else {
			return bad(o, moff, "unknown map attribute", -EBADMSG);
		}
		if (seen & bit)
			return bad(o, moff, "map attribute given twice", -EBADMSG);
		if (r)
			return bad(o, moff + 4, "map attribute of the wrong shape", -EBADMSG);
		seen |= bit;
	}
	if ((seen & (1 | 2 | 8 | 16)) != (1 | 2 | 8 | 16))
		return bad(o, base + st.off, "map without type, max_entries, key or value",
			   -EBADMSG);
	return 0;
}

/* Index of the symbol named name defined in section shndx, its value in *value. */
static int find_symbol(struct elf *e, const struct obj_secs *s, unsigned shndx, const char *name,
		       uint64_t *value)
{
	size_t nsyms, i;
	Elf64_Sym sym;
	const char *n;

	if (elf_table_count(e, &s->symtab, sizeof(Elf64_Sym), &nsyms))
		return -EBADMSG;
	for (i = 1; i < nsyms; i++) {
		if (elf_symbol(e, &s->symtab, i, &sym) || sym.st_shndx != shndx ||
		    ELF64_ST_TYPE(sym.st_info) == STT_SECTION)
			continue;
		n = elf_symbol_name(e, &s->symtab, &sym);
		if (n && strcmp(n, name) == 0) {
			*value = sym.st_value;
			return (int)i;
		}
	}
	return -ENOENT;
}

/*
 * The kernel's view of the BTF: every DATASEC gets the size of its ELF section
 * and each variable its symbol's offset, which clang leaves at 0 (the kernel
 * refuses a DATASEC of size 0).  Done on o->btf, the copy handed to the kernel.
 */
static int fix_datasecs(struct obj *o, struct elf *e, const struct obj_secs *s)
{
	const struct btf *b = &s->btf;
	size_t base = (size_t)s->btf_sec.sh_offset;
	uint32_t offs[BTF_DATASEC_FIX_MAX], id, i;
	struct btf_type_info t, var;
	struct btf_var_secinfo vi;
	const char *n;
	Elf64_Shdr sh;
	int idx, r;

	for (id = 1; id <= b->ntypes; id++) {
		btf_type(b, id, &t);
		if (t.kind != BTF_KIND_DATASEC)
			continue;
		if (t.vlen > BTF_DATASEC_FIX_MAX)
			return bad(o, base + t.off + 4, "too many variables in a data section",
				   -E2BIG);
		n = btf_str(b, t.name_off);
		idx = n && *n ? elf_find_section(e, n, &sh) : -ENOENT;
		if (idx <= 0 || sh.sh_size > UINT32_MAX)
			return bad(o, base + t.off, "BTF data section names no ELF section",
				   -EBADMSG);
		for (i = 0; i < t.vlen; i++) {
			uint64_t value = 0;

			btf_secinfo(b, &t, i, &vi);
			if (btf_type(b, vi.type, &var) || var.kind != BTF_KIND_VAR)
				return bad(o, base + t.off + BTF_TYPE_SIZE + (size_t)i * 12,
					   "data section entry is not a variable", -EBADMSG);
			n = btf_str(b, var.name_off);
			if (!n || find_symbol(e, s, (unsigned)idx, n, &value) < 0 ||
			    value > sh.sh_size || vi.size > sh.sh_size - value)
				return bad(o, base + var.off, "BTF variable without its symbol",
					   -EBADMSG);
			offs[i] = (uint32_t)value;
		}
		r = btf_datasec_fix(b, o->btf, &t, (uint32_t)sh.sh_size, offs);
		if (r)
			return bad(o, base + t.off, "data section fixup", r);
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
	size_t nsyms, i;
	int have_func = 0, r;
	Elf64_Sym sym;
	const char *name;

	r = elf_table_count(e, &s->symtab, sizeof(Elf64_Sym), &nsyms);
	if (r)
		return bad(o, elf_section_hdr_off(e, (unsigned)s->symtab_idx) + 56,
			   "symbol table entry size", r);

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
			if (strcmp(name, progs[o->prog].func) != 0 || have_func)
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
		/* The section holds zeros: only the symbol's place in it is checked. */
		if (sym.st_size == 0 || sym.st_value % 8 || sym.st_value > s->maps.sh_size ||
		    sym.st_size > s->maps.sh_size - sym.st_value)
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
		m = &o->maps[o->nmaps];
		memcpy(m->name, name, strlen(name) + 1);
		m->def_off = (uint32_t)sym.st_value;
		r = map_from_btf(o, s, m, sym.st_size, sym_off(s, i));
		if (r)
			return r;
		o->nmaps++;
	}
	if (!have_func)
		return bad(o, (size_t)s->symtab.sh_offset, "no function symbol for the program",
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
	return obj_open_prog(o, buf, len, OBJ_PROG_XDP);
}

int obj_open_prog(struct obj *o, const void *buf, size_t len, enum obj_prog prog)
{
	struct obj_secs s;
	struct elf e;
	unsigned i;
	int r;

	memset(o, 0, sizeof(*o));
	memset(&s, 0, sizeof(s));
	for (i = 0; i < OBJ_MAX_MAPS; i++)
		o->maps[i].fd = -1;
	o->btf_fd = -1;
	o->prog = prog;
	o->prog_name = (unsigned)prog < sizeof(progs) / sizeof(progs[0]) ? progs[prog].func : NULL;
	if (!o->prog_name)
		return bad(o, 0, "unknown program kind", -EINVAL);

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
	r = read_btf(o, &e, &s);
	if (r)
		goto out_free;
	r = read_symbols(o, &e, &s);
	if (r)
		goto out_free;
	r = read_relocs(o, &e, &s);
	if (r)
		goto out_free;
	if (s.btf_idx) {
		r = fix_datasecs(o, &e, &s);
		if (r)
			goto out_free;
	}
	free(s.btf_index);
	return 0;

out_free:
	free(s.btf_index);
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

/* Load the BTF once; a refusal is remembered in btf_err and not retried. */
static void load_btf(struct obj *o)
{
	int fd;

	if (o->btf_fd >= 0 || o->btf_err || !o->btf_len)
		return;
	fd = bpf_btf_load(o->btf, o->btf_len, NULL, 0);
	if (fd < 0)
		o->btf_err = fd;
	else
		o->btf_fd = fd;
}

int obj_create_maps(struct obj *o)
{
	unsigned i, made = 0; /* bit i: map i was created by this call */
	int fd;

	for (i = 0; i < o->nmaps; i++) {
		struct obj_map *m = &o->maps[i];

		if (m->fd >= 0)
			continue;
		load_btf(o); /* only when a map is made here: reused pins need no BTF */
		fd = -1;
		if (o->btf_fd >= 0) {
			fd = bpf_map_create_btf(m->type, m->name, m->key_size, m->value_size,
						m->max_entries, m->map_flags, o->btf_fd,
						m->btf_key_id, m->btf_value_id);
			/* A kernel that takes the BTF but not these types for this map. */
			if (fd == -EINVAL || fd == -KERNEL_ENOTSUPP || fd == -EOPNOTSUPP) {
				o->btf_err = fd;
				fd = -1;
			}
		}
		if (fd < 0 && (o->btf_fd < 0 || o->btf_err))
			fd = bpf_map_create(m->type, m->name, m->key_size, m->value_size,
					    m->max_entries, m->map_flags);
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

unsigned obj_use_precise_clock(struct obj *o)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; o->insns && i < o->insn_cnt; i++) {
		struct bpf_insn *in = &o->insns[i];

		if (in->code == (BPF_JMP | BPF_CALL) && in->src_reg == 0 &&
		    in->imm == BPF_FUNC_ktime_get_coarse_ns) {
			in->imm = BPF_FUNC_ktime_get_ns;
			n++;
		}
	}
	return n;
}

int obj_load(struct obj *o, char *log, size_t log_size)
{
	size_t i;
	int r;

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
	r = bpf_prog_load(progs[o->prog].type, o->insns, o->insn_cnt, o->license,
			  progs[o->prog].func, progs[o->prog].attach, log, log_size);
	/* Linux 5.9/5.10 know no coarse clock ("unknown func"): once more with the precise one. */
	if (r == -EINVAL && obj_use_precise_clock(o))
		r = bpf_prog_load(progs[o->prog].type, o->insns, o->insn_cnt, o->license,
				  progs[o->prog].func, progs[o->prog].attach, log, log_size);
	return r;
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
	free(o->btf);
	o->btf = NULL;
	o->btf_len = 0;
	if (o->btf_fd >= 0)
		close(o->btf_fd);
	o->btf_fd = -1;
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
