/* SPDX-License-Identifier: MIT */
/*
 * body.c - deterministic response bodies and their XXH64 checksum (see
 * body.h for the format).
 */
#include "server/body.h"

#include <stdatomic.h>
#include <string.h>
#include <xxhash.h>

#include "util/errors.h"

#define BODY_GOLDEN 0x9E3779B97F4A7C15ull

static atomic_uint_fast64_t body_checksums;

/* Word k of the body for seed s: splitmix64's output number k + 1. */
static uint64_t body_word(uint64_t seed, uint64_t k) {
    uint64_t z = seed + (k + 1) * BODY_GOLDEN;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void body_store_le(unsigned char *p, uint64_t w) {
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(w >> (8 * i));
}

void body_fill(uint64_t seed, uint64_t offset, void *buf, size_t len) {
    unsigned char *out = buf;
    uint64_t k = offset / 8;
    unsigned skip = (unsigned)(offset % 8);
    unsigned char word[8];
    if (skip && len) { /* the tail of a word the range starts inside */
        body_store_le(word, body_word(seed, k++));
        size_t n = 8 - skip < len ? 8 - skip : len;
        memcpy(out, word + skip, n);
        out += n;
        len -= n;
    }
    for (; len >= 8; len -= 8, out += 8)
        body_store_le(out, body_word(seed, k++));
    if (len) {
        body_store_le(word, body_word(seed, k));
        memcpy(out, word, len);
    }
}

int body_checksum(uint64_t seed, uint64_t size, uint64_t *sum) {
    atomic_fetch_add_explicit(&body_checksums, 1, memory_order_relaxed);
    XXH64_state_t *st = XXH64_createState();
    if (!st)
        return PB_ENOMEM;
    XXH64_reset(st, 0);
    unsigned char chunk[16384];
    for (uint64_t at = 0; at < size;) {
        size_t n =
            size - at < sizeof chunk ? (size_t)(size - at) : sizeof chunk;
        body_fill(seed, at, chunk, n);
        XXH64_update(st, chunk, n);
        at += n;
    }
    *sum = XXH64_digest(st);
    XXH64_freeState(st);
    return 0;
}

uint64_t body_checksum_count(void) {
    return atomic_load_explicit(&body_checksums, memory_order_relaxed);
}
