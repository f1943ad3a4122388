/*
 * elf.h - a bounds-checked, read-only view of an ELF64 little-endian buffer.
 *
 * Covers what a relocatable object needs: the file header, section headers,
 * section names, symbols and REL relocations.  Every offset, size, index and
 * string is checked against the buffer before use; nothing is ever read out
 * of bounds, whatever the input.  Fields are decoded byte by byte, so the
 * buffer needs no alignment.  No allocation, no I/O, no printing.
 *
 * Errors: -ENOEXEC if the buffer is not an ELF64 LE file at all, -EBADMSG
 * if a header, index, offset or string is inconsistent, -ENOENT if a
 * looked-up section does not exist.  After an error, e->err_off holds the
 * byte offset in the buffer of the field found bad and e->err names it.
 */
#ifndef HUGINN_SYS_ELF_H
#define HUGINN_SYS_ELF_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>

struct elf {
	const uint8_t *buf;
	size_t len;
	uint16_t type;	   /* e_type */
	uint16_t machine;  /* e_machine */
	uint64_t shoff;	   /* section header table, checked to fit */
	uint16_t shnum;	   /* section count (>= 1) */
	uint16_t shstrndx; /* section name table index (< shnum) */
	size_t err_off;	   /* where the last error was found */
	const char *err;   /* and what it was (a static string), NULL before any error */
};

/*
 * Check the identification bytes and the header, and that the section
 * header table and the name table header lie inside the buffer.  The buffer
 * must outlive e.  Extended numbering (e_shnum 0, SHN_XINDEX) is refused.
 */
int elf_open(struct elf *e, const void *buf, size_t len);

/*
 * Read section header idx into *sh.  Checks idx < shnum and, unless the
 * section is SHT_NOBITS, that sh_offset + sh_size lies inside the buffer.
 */
int elf_section(struct elf *e, unsigned idx, Elf64_Shdr *sh);

/* Byte offset in the buffer of section header idx (for error reports); idx must be valid. */
size_t elf_section_hdr_off(const struct elf *e, unsigned idx);

/*
 * The NUL-terminated name of section sh (from the e_shstrndx table), or
 * NULL if the name offset or its terminator falls outside that table.
 */
const char *elf_section_name(struct elf *e, const Elf64_Shdr *sh);

/* Index of the first section named name, with its header in *sh; -ENOENT if none. */
int elf_find_section(struct elf *e, const char *name, Elf64_Shdr *sh);

/*
 * Contents of a checked section (from elf_section()).  SHT_NOBITS sections
 * have no bytes in the file: *data NULL, *size 0.
 */
void elf_section_data(const struct elf *e, const Elf64_Shdr *sh, const uint8_t **data,
		      size_t *size);

/*
 * Entry count of a table section (symbols, relocations) whose entries are
 * entsize bytes: checks sh_entsize == entsize and sh_size % entsize == 0.
 */
int elf_table_count(struct elf *e, const Elf64_Shdr *sh, size_t entsize, size_t *count);

/* Symbol idx of symbol table symtab (checked with elf_table_count). */
int elf_symbol(struct elf *e, const Elf64_Shdr *symtab, size_t idx, Elf64_Sym *sym);

/*
 * The name of sym, from the string table symtab->sh_link names, or NULL if
 * that link, the offset or the terminator is bad.
 */
const char *elf_symbol_name(struct elf *e, const Elf64_Shdr *symtab, const Elf64_Sym *sym);

/* Relocation idx of SHT_REL section rel. */
int elf_rel(struct elf *e, const Elf64_Shdr *rel, size_t idx, Elf64_Rel *r);

#endif /* HUGINN_SYS_ELF_H */
