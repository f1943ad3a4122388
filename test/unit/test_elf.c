/*
 * test_elf.c - the ELF view and the object loader against our real object
 * (the blob embedded from build/xdp_syn.o), every prefix of it, targeted
 * corruptions with the error and offset they must report, and many
 * deterministic bit-flipped copies: each is parsed or rejected, never read
 * out of bounds (inputs end at a PROT_NONE page; run under ASan/UBSan).  The
 * .BTF section, where the map definitions live, is covered like the ELF
 * metadata; sys/btf.c alone is tested on hand-built blobs in test_btf.c.
 * No syscalls into bpf(): this test needs no privileges.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/xdp_syn.h"
#include "sys/btf.h"
#include "sys/elf.h"
#include "sys/obj.h"
#include "test/harness.h"

extern const unsigned char huginn_bpf_obj[], huginn_bpf_obj_end[];

#define FLIP_ROUNDS 30000

static size_t obj_len(void)
{
	return (size_t)(huginn_bpf_obj_end - huginn_bpf_obj);
}

static int allowed_err(int r)
{
	return r == -ENOEXEC || r == -EBADMSG || r == -E2BIG;
}

/* Everything an accepted object promises its user (see obj.h). */
static int obj_sane(const struct obj *o)
{
	size_t i;

	if (o->nmaps > OBJ_MAX_MAPS || !o->insns || !o->insn_cnt || o->insn_cnt > OBJ_MAX_INSNS)
		return 0;
	if (!memchr(o->license, '\0', sizeof(o->license)))
		return 0;
	for (i = 0; i < o->nmaps; i++) {
		if (!memchr(o->maps[i].name, '\0', sizeof(o->maps[i].name)) || !o->maps[i].name[0])
			return 0;
		if (strchr(o->maps[i].name, '/') || o->maps[i].name[0] == '.' ||
		    o->maps[i].fd != -1)
			return 0;
	}
	if (o->nrelocs > OBJ_MAX_RELOCS)
		return 0;
	for (i = 0; i < o->insn_cnt; i++)
		if (o->insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && o->insns[i].src_reg)
			return 0; /* no pseudo source before obj_load() sets one */
	for (i = 0; i < o->nrelocs; i++) {
		if (o->relocs[i].insn + 1 >= o->insn_cnt || o->relocs[i].map >= o->nmaps)
			return 0;
		if (o->insns[o->relocs[i].insn].code != (BPF_LD | BPF_IMM | BPF_DW))
			return 0;
	}
	return 1;
}

/* Open a guarded copy; returns obj_open's result, o closed again unless keep. */
static int open_copy(const unsigned char *data, size_t len, struct obj *o, int keep)
{
	unsigned char *g = t_guarded(data, len);
	int r;

	if (!g)
		return -ENOMEM;
	r = obj_open(o, g, len);
	t_guarded_free(g, len);
	if (r == 0 && !obj_sane(o))
		r = -1000; /* an accepted object that breaks the contract */
	if (!keep)
		obj_close(o);
	return r;
}

static void check_map(struct obj *o, const char *name, uint32_t type, uint32_t key, uint32_t value,
		      uint32_t max)
{
	struct obj_map *m = obj_map_by_name(o, name);

	ok(m != NULL, "map %s present", name);
	if (!m)
		return;
	ok(m->type == type && m->key_size == key && m->value_size == value &&
	       m->max_entries == max && m->map_flags == 0 && m->fd == -1,
	   "map %s: type %u key %u value %u max %u flags %u fd %d", name, m->type, m->key_size,
	   m->value_size, m->max_entries, m->map_flags, m->fd);
}

static void test_real_object(void)
{
	struct obj o;
	size_t i, ld = 0;
	int r;

	r = open_copy(huginn_bpf_obj, obj_len(), &o, 1);
	is_int(r, 0, "real object opens (%zu bytes)", obj_len());
	if (r) {
		printf("#   %s at offset 0x%zx\n", o.err ? o.err : "?", o.err_off);
		return;
	}
	is_str(o.license, "GPL", "license");
	is_int(o.nmaps, 6, "six maps");
	check_map(&o, HUGINN_MAP_SYN_V4, BPF_MAP_TYPE_LRU_HASH, sizeof(struct huginn_syn_key_v4),
		  sizeof(struct huginn_syn_rec), HUGINN_SYN_MAP_DEFAULT_ENTRIES);
	check_map(&o, HUGINN_MAP_SYN_V6, BPF_MAP_TYPE_LRU_HASH, sizeof(struct huginn_syn_key_v6),
		  sizeof(struct huginn_syn_rec), HUGINN_SYN_MAP_DEFAULT_ENTRIES);
	check_map(&o, HUGINN_MAP_SYN_COUNTER, BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	check_map(&o, HUGINN_MAP_INSERT_FAILURES, BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	check_map(&o, HUGINN_MAP_STATS, BPF_MAP_TYPE_ARRAY, 4, 8, HUGINN_STAT_MAX);
	check_map(&o, HUGINN_MAP_CONFIG, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct huginn_config), 1);
	ok(obj_map_by_name(&o, "nope") == NULL, "unknown map name -> NULL");
	ok(o.insn_cnt > 10 && o.insn_cnt < OBJ_MAX_INSNS, "program has %zu instructions",
	   o.insn_cnt);
	for (i = 0; i < o.insn_cnt; i++)
		if (o.insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && o.insns[i].src_reg == 0)
			ld++;
	{
		unsigned used = 0, j;

		/* Other ld_imm64 are 64-bit constants; each map is loaded at least once. */
		for (i = 0; i < o.nrelocs; i++)
			used |= 1u << o.relocs[i].map;
		for (j = 0; j < o.nmaps; j++)
			if (!(used & (1u << j)))
				break;
		ok(o.nrelocs >= 6 && o.nrelocs <= ld && j == o.nmaps,
		   "%zu relocations of %zu ld_imm64, every one of %u maps referenced", o.nrelocs,
		   ld, o.nmaps);
	}
	/* Key and value types from BTF, of the sizes the contract header says. */
	for (i = 0; i < o.nmaps; i++)
		ok(o.maps[i].btf_key_id && o.maps[i].btf_value_id,
		   "map %s: BTF key type %u, value type %u", o.maps[i].name, o.maps[i].btf_key_id,
		   o.maps[i].btf_value_id);
	ok(o.btf && o.btf_len > BTF_HDR_SIZE && o.btf_fd == -1 && o.btf_err == 0,
	   "a %zu-byte BTF copy for the kernel, not loaded yet", o.btf_len);
	ok(obj_sane(&o), "relocations point at ld_imm64 instructions and known maps");
	/* obj_load() without fds must refuse rather than load garbage. */
	is_int(obj_load(&o, NULL, 0), -EBADF, "obj_load without map fds -> -EBADF");
	obj_close(&o);
	obj_close(&o);
	ok(o.insns == NULL && o.relocs == NULL && o.btf == NULL && o.btf_fd == -1,
	   "obj_close twice is safe");
}

static void test_elf_view(void)
{
	struct elf e;
	Elf64_Shdr sh;
	const char *n;
	int idx;

	is_int(elf_open(&e, huginn_bpf_obj, obj_len()), 0, "elf_open on the real object");
	is_int(e.machine, EM_BPF, "machine is EM_BPF");
	idx = elf_find_section(&e, "xdp", &sh);
	ok(idx > 0 && sh.sh_size % 8 == 0, "section xdp found (index %d)", idx);
	n = idx > 0 ? elf_section_name(&e, &sh) : NULL;
	is_str(n, "xdp", "section name read back");
	is_int(elf_find_section(&e, "no-such", &sh), -ENOENT, "missing section -> -ENOENT");
	is_int(elf_section(&e, e.shnum, &sh), -EBADMSG, "section index == shnum -> -EBADMSG");
	is_int(elf_open(&e, huginn_bpf_obj, 63), -ENOEXEC, "63-byte header -> -ENOEXEC");
	is_int(elf_open(&e, NULL, 0), -ENOEXEC, "NULL buffer -> -ENOEXEC");
}

static void test_prefixes(void)
{
	size_t len = obj_len(), n, bad = 0, wrong = 0;
	/* One guarded buffer; each prefix is moved to end right before the guard page. */
	unsigned char *g = t_guarded(huginn_bpf_obj, len);
	struct obj o;
	int r;

	if (!g) {
		ok(0, "guarded copy for prefixes");
		return;
	}
	/* The section header table ends the file: no strict prefix is a whole object. */
	for (n = len; n-- > 0;) {
		memcpy(g + len - n, huginn_bpf_obj, n);
		r = obj_open(&o, g + len - n, n);
		if (r == 0)
			bad++, obj_close(&o);
		else if (!allowed_err(r))
			wrong++;
	}
	t_guarded_free(g, len);
	ok(bad == 0, "every one of %zu prefixes rejected (%zu accepted)", len, bad);
	ok(wrong == 0, "every rejection is -ENOEXEC/-EBADMSG/-E2BIG (%zu other)", wrong);
}

/* Offsets of things to corrupt, found through the ELF view itself. */
struct layout {
	Elf64_Shdr prog, rel, symtab, maps, license, btf;
	int prog_idx, rel_idx, symtab_idx, maps_idx, btf_idx;
	size_t shoff;
};

static int find_layout(struct layout *l)
{
	struct elf e;
	unsigned i;

	memset(l, 0, sizeof(*l));
	if (elf_open(&e, huginn_bpf_obj, obj_len()))
		return -1;
	l->shoff = (size_t)e.shoff;
	l->prog_idx = elf_find_section(&e, "xdp", &l->prog);
	l->rel_idx = elf_find_section(&e, ".relxdp", &l->rel);
	l->maps_idx = elf_find_section(&e, ".maps", &l->maps);
	l->btf_idx = elf_find_section(&e, ".BTF", &l->btf);
	if (elf_find_section(&e, "license", &l->license) < 0)
		return -1;
	for (i = 1; i < e.shnum; i++)
		if (elf_section(&e, i, &l->symtab) == 0 && l->symtab.sh_type == SHT_SYMTAB) {
			l->symtab_idx = (int)i;
			break;
		}
	return l->prog_idx > 0 && l->rel_idx > 0 && l->maps_idx > 0 && l->symtab_idx > 0 &&
		       l->btf_idx > 0
		   ? 0
		   : -1;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* Offset of the first symbol of type type in section shndx. */
static size_t sym_in(const struct layout *l, int shndx, int type)
{
	size_t i, n = (size_t)(l->symtab.sh_size / 24);
	const unsigned char *s = huginn_bpf_obj + l->symtab.sh_offset;

	for (i = 1; i < n; i++)
		if ((s[i * 24 + 6] | s[i * 24 + 7] << 8) == shndx && (s[i * 24 + 4] & 0xf) == type)
			return (size_t)l->symtab.sh_offset + i * 24;
	return 0;
}

/* Offset in the object of the BTF string name (found as "\0name\0" in .BTF), or 0. */
static size_t btf_string(const struct layout *l, const char *name)
{
	const unsigned char *b = huginn_bpf_obj + l->btf.sh_offset;
	size_t n = strlen(name), i;

	for (i = 0; i + n + 2 <= l->btf.sh_size; i++)
		if (b[i] == 0 && memcmp(b + i + 1, name, n) == 0 && b[i + n + 1] == 0)
			return (size_t)l->btf.sh_offset + i + 1;
	return 0;
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Apply one corruption to a fresh copy; check the error and the offset reported. */
#define CORRUPT(what, want_r, want_off, stmt)                                                      \
	do {                                                                                       \
		unsigned char *c = malloc(len);                                                    \
		struct obj o;                                                                      \
		int r;                                                                             \
		memcpy(c, huginn_bpf_obj, len);                                                    \
		stmt;                                                                              \
		r = open_copy(c, len, &o, 0);                                                      \
		is_int(r, want_r, "%s -> %s", what, #want_r);                                      \
		if ((size_t)(want_off) != (size_t)-1)                                              \
			ok(o.err_off == (size_t)(want_off) && o.err, "%s: reported at 0x%zx (%s)", \
			   what, o.err_off, o.err ? o.err : "-");                                  \
		free(c);                                                                           \
	} while (0)

static void test_corruptions(void)
{
	size_t len = obj_len(), rel0, ins, msym, fsym, b0, strs, s_max, s_maps;
	struct layout l;

	if (find_layout(&l)) {
		ok(0, "layout of the real object found");
		return;
	}
	b0 = (size_t)l.btf.sh_offset;
	/* The string section: after the header (hdr_len), at str_off, str_len bytes. */
	strs = b0 + get32(huginn_bpf_obj + b0 + 4) + get32(huginn_bpf_obj + b0 + 16);
	s_max = btf_string(&l, "max_entries");
	s_maps = btf_string(&l, ".maps");
	ok(s_max && s_maps, "BTF strings max_entries and .maps located");
	rel0 = (size_t)l.rel.sh_offset;
	/* The instruction the first relocation patches. */
	ins = (size_t)l.prog.sh_offset + (size_t)(huginn_bpf_obj[rel0] |
						  huginn_bpf_obj[rel0 + 1] << 8 |
						  huginn_bpf_obj[rel0 + 2] << 16);
	msym = sym_in(&l, l.maps_idx, STT_OBJECT);
	fsym = sym_in(&l, l.prog_idx, STT_FUNC);
	ok(msym && fsym, "map and function symbols located");

	CORRUPT("bad magic", -ENOEXEC, 0, c[1] = 'F');
	CORRUPT("ELFCLASS32", -ENOEXEC, EI_CLASS, c[EI_CLASS] = ELFCLASS32);
	CORRUPT("big endian", -ENOEXEC, EI_DATA, c[EI_DATA] = ELFDATA2MSB);
	CORRUPT("e_machine x86-64", -ENOEXEC, 18, c[18] = EM_X86_64);
	CORRUPT("e_type executable", -ENOEXEC, 16, c[16] = ET_EXEC);
	CORRUPT("e_shentsize 40", -EBADMSG, 58, c[58] = 40);
	CORRUPT("e_shstrndx past the table", -EBADMSG, 62, c[62] = 0xff);
	CORRUPT("e_shoff past the end", -EBADMSG, 40, put64(c + 40, len));
	CORRUPT("e_shoff huge (wraps)", -EBADMSG, 40, put64(c + 40, UINT64_MAX - 8));
	CORRUPT("program section size beyond the file", -EBADMSG,
		l.shoff + (size_t)l.prog_idx * 64 + 32,
		put64(c + l.shoff + (size_t)l.prog_idx * 64 + 32, len));
	CORRUPT("program size not a multiple of 8", -EBADMSG, (size_t)-1,
		put64(c + l.shoff + (size_t)l.prog_idx * 64 + 32, l.prog.sh_size - 4));
	CORRUPT("relocation at a non-ld_imm64", -EBADMSG, ins, c[ins] = 0xb7);
	CORRUPT("relocation with src_reg already set", -EBADMSG, ins, c[ins + 1] |= 0x10);
	CORRUPT("unrelocated ld_imm64 naming a map fd", -EBADMSG, (size_t)l.prog.sh_offset, {
		c[l.prog.sh_offset] = BPF_LD | BPF_IMM | BPF_DW;
		c[l.prog.sh_offset + 1] = BPF_PSEUDO_MAP_FD << 4;
		c[l.prog.sh_offset + 8] = 0;
	});
	CORRUPT("ld_imm64 in the last slot", -EBADMSG,
		(size_t)(l.prog.sh_offset + l.prog.sh_size - 8),
		c[l.prog.sh_offset + l.prog.sh_size - 8] = BPF_LD | BPF_IMM | BPF_DW);
	CORRUPT("relocation offset past the program", -EBADMSG, rel0,
		put64(c + rel0, l.prog.sh_size));
	CORRUPT("relocation offset on the last slot", -EBADMSG, rel0,
		put64(c + rel0, l.prog.sh_size - 8));
	CORRUPT("relocation offset not aligned", -EBADMSG, rel0, c[rel0] |= 3);
	CORRUPT("relocation type 2", -EBADMSG, rel0 + 8, c[rel0 + 8] = 2);
	CORRUPT("relocation symbol index 0", -EBADMSG, rel0 + 8, put32(c + rel0 + 12, 0));
	CORRUPT("relocation symbol index huge", -EBADMSG, rel0 + 8, put32(c + rel0 + 12, 0xffffff));
	CORRUPT("relocation entry size 24", -EBADMSG, l.shoff + (size_t)l.rel_idx * 64 + 56,
		c[l.shoff + (size_t)l.rel_idx * 64 + 56] = 24);
	CORRUPT("map definition of 16 bytes", -EBADMSG, msym + 16, c[msym + 16] = 16);
	CORRUPT("map definition past the maps section", -EBADMSG, msym + 8,
		put64(c + msym + 8, l.maps.sh_size - 4));
	CORRUPT("map name with a slash", -EBADMSG, msym, {
		/* The name starts in the symbol string table at st_name. */
		struct elf e;
		Elf64_Shdr st;
		uint32_t nm = (uint32_t)(c[msym] | c[msym + 1] << 8 | c[msym + 2] << 16);
		elf_open(&e, c, len);
		elf_section(&e, l.symtab.sh_link, &st);
		c[st.sh_offset + nm] = '/';
	});
	CORRUPT("function symbol not at offset 0", -EBADMSG, fsym + 8, c[fsym + 8] = 8);
	CORRUPT("license without NUL", -EBADMSG, (size_t)l.license.sh_offset,
		memset(c + l.license.sh_offset, 'A', (size_t)l.license.sh_size));
	CORRUPT("BTF magic", -EBADMSG, b0, c[b0] ^= 0xff);
	CORRUPT("BTF version 2", -EBADMSG, b0 + 2, c[b0 + 2] = 2);
	CORRUPT("BTF header length past the section", -EBADMSG, b0 + 4,
		put32(c + b0 + 4, (uint32_t)l.btf.sh_size + 1));
	CORRUPT("BTF type section length huge", -EBADMSG, b0 + 8, put32(c + b0 + 12, 0xfffffff0u));
	CORRUPT("BTF strings not NUL-terminated", -EBADMSG, strs,
		c[strs + get32(huginn_bpf_obj + b0 + 20) - 1] = 'x');
	CORRUPT("BTF map attribute renamed (max_entriez)", -EBADMSG, (size_t)-1,
		c[s_max + 10] = 'z');
	CORRUPT("BTF section .maps renamed", -EBADMSG, msym, c[s_maps + 4] = 'z');
	CORRUPT("no BTF section (renamed)", -ENOEXEC, (size_t)-1, {
		struct elf e;
		Elf64_Shdr st;
		elf_open(&e, c, len);
		elf_section(&e, e.shstrndx, &st);
		c[st.sh_offset + l.btf.sh_name + 1] = 'b';
	});
	CORRUPT("no program section (renamed)", -ENOEXEC, (size_t)-1, {
		struct elf e;
		Elf64_Shdr st;
		elf_open(&e, c, len);
		elf_section(&e, e.shstrndx, &st);
		c[st.sh_offset + l.prog.sh_name] = 'y';
	});
}

/* xorshift64*: fixed seed, so every run flips the same bits. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545F4914F6CDD1DULL;
}

static void test_bit_flips(void)
{
	size_t len = obj_len(), i, accepted = 0, rejected = 0, wrong = 0, insane = 0;
	unsigned char *g = t_guarded(huginn_bpf_obj, len);
	uint64_t seed = 0x6875676916e2ULL;
	struct layout l;
	struct obj o;
	int r;

	if (!g || find_layout(&l)) {
		ok(0, "guarded copy for bit flips");
		return;
	}
	/* Every single-bit flip of the header, section headers, symbols and relocations. */
	for (i = 0; i < len * 8; i++) {
		size_t byte = i / 8;
		int meta =
		    byte < 64 || byte >= l.shoff ||
		    (byte >= l.symtab.sh_offset && byte < l.symtab.sh_offset + l.symtab.sh_size) ||
		    (byte >= l.rel.sh_offset && byte < l.rel.sh_offset + l.rel.sh_size) ||
		    (byte >= l.maps.sh_offset && byte < l.maps.sh_offset + l.maps.sh_size) ||
		    (byte >= l.btf.sh_offset && byte < l.btf.sh_offset + l.btf.sh_size);

		if (!meta)
			continue;
		g[byte] ^= (unsigned char)(1u << (i % 8));
		r = obj_open(&o, g, len);
		if (r == 0)
			accepted++, insane += !obj_sane(&o);
		else if (allowed_err(r))
			rejected++;
		else
			wrong++;
		obj_close(&o);
		g[byte] ^= (unsigned char)(1u << (i % 8));
	}
	ok(insane == 0 && wrong == 0,
	   "single-bit flips of all metadata: %zu accepted, %zu rejected, %zu wrong errno, %zu "
	   "insane",
	   accepted, rejected, wrong, insane);

	/* Many copies with 1..8 random bits and bytes flipped anywhere. */
	accepted = rejected = wrong = insane = 0;
	for (i = 0; i < FLIP_ROUNDS; i++) {
		size_t pos[8], k, nflip = 1 + rnd(&seed) % 8;
		unsigned char old[8];

		for (k = 0; k < nflip; k++) {
			uint64_t v = rnd(&seed);

			pos[k] = (size_t)(v % len);
			old[k] = g[pos[k]];
			if (v >> 60 == 0)
				g[pos[k]] = (unsigned char)(v >> 32); /* a whole random byte */
			else
				g[pos[k]] ^= (unsigned char)(1u << ((v >> 32) % 8));
		}
		r = obj_open(&o, g, len);
		if (r == 0)
			accepted++, insane += !obj_sane(&o);
		else if (allowed_err(r))
			rejected++;
		else
			wrong++;
		obj_close(&o);
		while (k--)
			g[pos[k]] = old[k];
	}
	ok(insane == 0 && wrong == 0,
	   "%d random multi-bit corruptions: %zu accepted, %zu rejected, %zu wrong errno, %zu "
	   "insane",
	   FLIP_ROUNDS, accepted, rejected, wrong, insane);
	ok(memcmp(g, huginn_bpf_obj, len) == 0 && obj_open(&o, g, len) == 0,
	   "copy restored and opens again");
	obj_close(&o);
	t_guarded_free(g, len);
}

/* The object's second program: tc_syn in "tcx/ingress", over the same maps. */
static void test_tc_program(void)
{
	struct obj x, t;
	unsigned char *c;
	size_t len = obj_len(), i, off;
	int r, same = 1;

	r = obj_open_prog(&t, huginn_bpf_obj, len, OBJ_PROG_TC);
	is_int(r, 0, "obj_open_prog(OBJ_PROG_TC) on the real object");
	ok(r == 0 && obj_sane(&t) && strcmp(t.prog_name, HUGINN_PROG_NAME_TC) == 0,
	   "tc: a sane object named %s", r == 0 ? t.prog_name : "-");
	r = obj_open(&x, huginn_bpf_obj, len);
	ok(r == 0 && strcmp(x.prog_name, HUGINN_PROG_NAME) == 0, "obj_open is the XDP program");
	same = r == 0 && x.nmaps == t.nmaps;
	for (i = 0; same && i < x.nmaps; i++)
		same = strcmp(x.maps[i].name, t.maps[i].name) == 0 &&
		       x.maps[i].value_size == t.maps[i].value_size;
	ok(same, "both programs see the same %u maps", t.nmaps);
	ok(t.insn_cnt != x.insn_cnt || memcmp(t.insns, x.insns, t.insn_cnt * 8) != 0,
	   "the tc program is not the XDP program's code");
	obj_close(&x);
	obj_close(&t);
	is_int(obj_open_prog(&t, huginn_bpf_obj, len, (enum obj_prog)7), -EINVAL,
	       "an unknown program kind -> -EINVAL");
	obj_close(&t);

	/* Renaming "tcx/ingress" loses the tc program, not the XDP one. */
	c = malloc(len);
	if (!c)
		return;
	memcpy(c, huginn_bpf_obj, len);
	off = 0;
	for (i = 0; i + 11 < len; i++)
		if (memcmp(c + i, "tcx/ingress", 12) == 0)
			off = i;
	ok(off != 0, "the section name tcx/ingress is in the object");
	if (off)
		c[off] = 'x';
	is_int(obj_open_prog(&t, c, len, OBJ_PROG_TC), -ENOEXEC, "tc section renamed -> -ENOEXEC");
	obj_close(&t);
	is_int(obj_open(&x, c, len), 0, "tc section renamed: the XDP program still opens");
	obj_close(&x);
	free(c);
}

int main(void)
{
	test_real_object();
	test_tc_program();
	test_elf_view();
	test_prefixes();
	test_corruptions();
	test_bit_flips();
	return done_testing();
}
