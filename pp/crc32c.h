/*
 * crc32c.h - CRC-32C (Castagnoli), the checksum of the PROXY v2 PP2_TYPE_CRC32C TLV
 * (proxy-protocol.txt 2.2.3, which points at RFC 4960 appendix B).  Reflected polynomial
 * 0x82F63B78, initial value and final XOR 0xFFFFFFFF.  Nibble table, no state, no globals.
 */
#ifndef HUGINN_PP_CRC32C_H
#define HUGINN_PP_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC-32C over len more bytes: start with crc = 0 for a new message; the
 * return value is the finished checksum of everything fed so far (pp_crc32c(pp_crc32c(0,
 * a), b) == the checksum of a followed by b).
 */
uint32_t pp_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
