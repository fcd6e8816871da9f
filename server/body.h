/* SPDX-License-Identifier: MIT */
/*
 * body.h - the deterministic bodies of the built-in HTTP server
 * (`/bytes/SIZE?seed=S`) and their checksum.  Shared by the server and the
 * unit tests; docs/http.md describes the format so that any client can
 * check what it received.
 *
 * Body: the little-endian bytes of the 64-bit words w(0), w(1), ...,
 * truncated to SIZE bytes, where w(k) is the splitmix64 finaliser of
 * seed + (k + 1) * 0x9E3779B97F4A7C15.
 * Checksum: XXH64 of the whole body with seed 0 (libxxhash, the same value
 * `xxhsum -H1` prints), sent as "X-Parbench-Checksum: xxh64:<16 hex>".
 */
#ifndef PARBENCH_BODY_H
#define PARBENCH_BODY_H

#include <stddef.h>
#include <stdint.h>

/* Response header that carries the checksum, and its value prefix. */
#define BODY_CHECKSUM_HEADER "X-Parbench-Checksum"
#define BODY_CHECKSUM_PREFIX "xxh64:"

/* The largest body the server serves (1 GiB); larger sizes are refused. */
#define BODY_MAX_SIZE (1ull << 30)

/* Bytes [offset, offset + len) of the body for `seed` into buf (borrowed,
 * len bytes).  Any offset and length: bodies are random-access, so a body
 * written in pieces equals the body written at once. */
void body_fill(uint64_t seed, uint64_t offset, void *buf, size_t len);

/* XXH64 (seed 0) of the first `size` bytes of the body for `seed`.
 * Returns 0 and sets *sum, or PB_ENOMEM.  It generates the whole body: a
 * gigabyte costs about 0.4 s of CPU. */
int body_checksum(uint64_t seed, uint64_t size, uint64_t *sum);

/* How many times body_checksum has run in this process (any thread): lets
 * the tests see that a request did not pay for a checksum. */
uint64_t body_checksum_count(void);

#endif /* PARBENCH_BODY_H */
