/*
 * sha256.h - SHA-256 (FIPS 180-4, section 6.2), for the JA4 hashes.
 *
 * Streaming (init / update / final) and one-shot.  No allocation, no I/O; the context
 * lives wherever the caller puts it.  Not constant-time hardened for secrets: it hashes
 * public fingerprint strings only.
 */
#ifndef HUGINN_TLS_SHA256_H
#define HUGINN_TLS_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_BLOCK_LEN 64

struct sha256_ctx {
	uint32_t h[8];		       /* intermediate hash value H(i) */
	uint64_t total;		       /* message bytes so far (the length in bits is 8x) */
	uint8_t buf[SHA256_BLOCK_LEN]; /* partial block */
	size_t n;		       /* bytes in buf, < SHA256_BLOCK_LEN */
};

/* Start a new hash. */
void sha256_init(struct sha256_ctx *c);

/* Add len bytes (data may be NULL when len is 0). */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);

/* Write the 32-byte digest to out; c must be re-initialised before reuse. */
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_DIGEST_LEN]);

/* One-shot: digest of len bytes at data. */
void sha256(const void *data, size_t len, uint8_t out[SHA256_DIGEST_LEN]);

#endif
