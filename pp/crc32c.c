/*
 * crc32c.c - CRC-32C, four bits at a time.  A PROXY header is at most a few hundred bytes
 * in practice (16 + 65535 at worst), so a 16-entry table is fast enough and small enough
 * to check by eye; the RFC 3720 B.4 vectors in test/unit/test_pp.c pin it down.
 */
#include "pp/crc32c.h"

/* t[i] = i run through four rounds of the reflected Castagnoli polynomial 0x82F63B78. */
static const uint32_t crc32c_nibble[16] = {
    0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
    0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9, 0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

uint32_t pp_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	/* pre- and post-inversion (RFC 3720 B.4): undo the last one to continue */
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		crc = (crc >> 4) ^ crc32c_nibble[crc & 15];
		crc = (crc >> 4) ^ crc32c_nibble[crc & 15];
	}
	return ~crc;
}
