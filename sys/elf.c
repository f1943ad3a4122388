/*
 * elf.c - bounds-checked ELF64 little-endian reader.  See elf.h.
 *
 * Every range check is written as "off <= len && size <= len - off" so that
 * no sum can wrap around, whatever 64-bit values a corrupted file carries.
 */
#include "sys/elf.h"

#include <errno.h>
#include <string.h>

#define EHDR_SIZE 64
#define SHDR_SIZE 64
#define SYM_SIZE 24
#define REL_SIZE 16

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* Does [off, off + size) lie inside a buffer of len bytes? */
static int in_range(uint64_t off, uint64_t size, size_t len)
{
	return off <= len && size <= len - off;
}

static int fail(struct elf *e, size_t off, const char *what, int err)
{
	e->err_off = off;
	e->err = what;
	return err;
}

int elf_open(struct elf *e, const void *buf, size_t len)
{
	const uint8_t *b = buf;
	uint16_t ehsize, shentsize;
	Elf64_Shdr sh;
	int r;

	memset(e, 0, sizeof(*e));
	e->buf = b;
	e->len = len;
	if (!b || len < EHDR_SIZE)
		return fail(e, len, "shorter than an ELF64 header", -ENOEXEC);
	if (memcmp(b, ELFMAG, SELFMAG) != 0)
		return fail(e, 0, "no ELF magic", -ENOEXEC);
	if (b[EI_CLASS] != ELFCLASS64)
		return fail(e, EI_CLASS, "not ELFCLASS64", -ENOEXEC);
	if (b[EI_DATA] != ELFDATA2LSB)
		return fail(e, EI_DATA, "not little-endian", -ENOEXEC);
	if (b[EI_VERSION] != EV_CURRENT)
		return fail(e, EI_VERSION, "unknown ELF version", -ENOEXEC);

	e->type = rd16(b + 16);
	e->machine = rd16(b + 18);
	if (rd32(b + 20) != EV_CURRENT)
		return fail(e, 20, "e_version", -EBADMSG);
	e->shoff = rd64(b + 40);
	ehsize = rd16(b + 52);
	shentsize = rd16(b + 58);
	e->shnum = rd16(b + 60);
	e->shstrndx = rd16(b + 62);
	if (ehsize != EHDR_SIZE)
		return fail(e, 52, "e_ehsize is not 64", -EBADMSG);
	if (shentsize != SHDR_SIZE)
		return fail(e, 58, "e_shentsize is not 64", -EBADMSG);
	/* shnum 0 with a real count in section 0 is extended numbering: not for us. */
	if (e->shnum == 0)
		return fail(e, 60, "e_shnum is 0", -EBADMSG);
	if (e->shstrndx == SHN_UNDEF || e->shstrndx >= e->shnum)
		return fail(e, 62, "e_shstrndx out of range", -EBADMSG);
	if (!in_range(e->shoff, (uint64_t)e->shnum * SHDR_SIZE, len))
		return fail(e, 40, "section header table outside the file", -EBADMSG);

	r = elf_section(e, e->shstrndx, &sh);
	if (r)
		return r;
	if (sh.sh_type != SHT_STRTAB || sh.sh_size == 0)
		return fail(e, elf_section_hdr_off(e, e->shstrndx) + 4,
			    "section name table is not a string table", -EBADMSG);
	e->err_off = 0;
	e->err = NULL;
	return 0;
}

size_t elf_section_hdr_off(const struct elf *e, unsigned idx)
{
	return (size_t)e->shoff + (size_t)idx * SHDR_SIZE;
}

int elf_section(struct elf *e, unsigned idx, Elf64_Shdr *sh)
{
	const uint8_t *p;
	size_t off;

	if (idx >= e->shnum)
		return fail(e, e->len, "section index out of range", -EBADMSG);
	off = elf_section_hdr_off(e, idx);
	p = e->buf + off;
	sh->sh_name = rd32(p);
	sh->sh_type = rd32(p + 4);
	sh->sh_flags = rd64(p + 8);
	sh->sh_addr = rd64(p + 16);
	sh->sh_offset = rd64(p + 24);
	sh->sh_size = rd64(p + 32);
	sh->sh_link = rd32(p + 40);
	sh->sh_info = rd32(p + 44);
	sh->sh_addralign = rd64(p + 48);
	sh->sh_entsize = rd64(p + 56);
	if (sh->sh_type != SHT_NOBITS && !in_range(sh->sh_offset, sh->sh_size, e->len))
		return fail(e, off + (sh->sh_offset > e->len ? 24 : 32),
			    "section contents outside the file", -EBADMSG);
	return 0;
}

void elf_section_data(const struct elf *e, const Elf64_Shdr *sh, const uint8_t **data, size_t *size)
{
	if (sh->sh_type == SHT_NOBITS || !in_range(sh->sh_offset, sh->sh_size, e->len)) {
		*data = NULL;
		*size = 0;
		return;
	}
	*data = e->buf + sh->sh_offset;
	*size = (size_t)sh->sh_size;
}

/* A NUL-terminated string at off inside string table section idx, or NULL. */
static const char *string_at(struct elf *e, unsigned idx, uint32_t off, size_t err_off)
{
	const uint8_t *d;
	size_t n;
	Elf64_Shdr sh;

	if (elf_section(e, idx, &sh))
		return NULL;
	if (sh.sh_type != SHT_STRTAB) {
		fail(e, elf_section_hdr_off(e, idx) + 4, "string table has the wrong type", 0);
		return NULL;
	}
	elf_section_data(e, &sh, &d, &n);
	if (off >= n || !memchr(d + off, '\0', n - off)) {
		fail(e, err_off, "string outside its table", 0);
		return NULL;
	}
	return (const char *)d + off;
}

const char *elf_section_name(struct elf *e, const Elf64_Shdr *sh)
{
	/* The caller's header copy does not say where it came from; name the table. */
	return string_at(e, e->shstrndx, sh->sh_name, elf_section_hdr_off(e, e->shstrndx));
}

int elf_find_section(struct elf *e, const char *name, Elf64_Shdr *sh)
{
	const char *n;
	unsigned i;
	int r;

	for (i = 1; i < e->shnum; i++) {
		r = elf_section(e, i, sh);
		if (r)
			return r;
		n = string_at(e, e->shstrndx, sh->sh_name, elf_section_hdr_off(e, i));
		if (!n)
			return -EBADMSG;
		if (strcmp(n, name) == 0)
			return (int)i;
	}
	return -ENOENT;
}

int elf_table_count(struct elf *e, const Elf64_Shdr *sh, size_t entsize, size_t *count)
{
	if (sh->sh_entsize != entsize || sh->sh_size % entsize != 0 ||
	    !in_range(sh->sh_offset, sh->sh_size, e->len))
		return fail(e, (size_t)sh->sh_offset <= e->len ? (size_t)sh->sh_offset : e->len,
			    "table entry size or table size", -EBADMSG);
	*count = (size_t)(sh->sh_size / entsize);
	return 0;
}

/* Offset of entry idx of a table section, or -EBADMSG if it is not inside the table. */
static int entry(struct elf *e, const Elf64_Shdr *sh, size_t idx, size_t entsize, const uint8_t **p)
{
	size_t n;
	int r;

	r = elf_table_count(e, sh, entsize, &n);
	if (r)
		return r;
	if (idx >= n)
		return fail(e, (size_t)sh->sh_offset, "table index out of range", -EBADMSG);
	*p = e->buf + sh->sh_offset + idx * entsize;
	return 0;
}

int elf_symbol(struct elf *e, const Elf64_Shdr *symtab, size_t idx, Elf64_Sym *sym)
{
	const uint8_t *p;
	int r;

	r = entry(e, symtab, idx, SYM_SIZE, &p);
	if (r)
		return r;
	sym->st_name = rd32(p);
	sym->st_info = p[4];
	sym->st_other = p[5];
	sym->st_shndx = rd16(p + 6);
	sym->st_value = rd64(p + 8);
	sym->st_size = rd64(p + 16);
	return 0;
}

const char *elf_symbol_name(struct elf *e, const Elf64_Shdr *symtab, const Elf64_Sym *sym)
{
	if (symtab->sh_link == SHN_UNDEF || symtab->sh_link >= e->shnum) {
		fail(e, (size_t)symtab->sh_offset, "symbol table has no string table", 0);
		return NULL;
	}
	return string_at(e, symtab->sh_link, sym->st_name, (size_t)symtab->sh_offset);
}

int elf_rel(struct elf *e, const Elf64_Shdr *rel, size_t idx, Elf64_Rel *r)
{
	const uint8_t *p;
	int err;

	err = entry(e, rel, idx, REL_SIZE, &p);
	if (err)
		return err;
	r->r_offset = rd64(p);
	r->r_info = rd64(p + 8);
	return 0;
}
