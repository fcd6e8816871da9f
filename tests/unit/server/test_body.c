/* SPDX-License-Identifier: MIT */
/*
 * test_body.c - the built-in server's deterministic bodies and their
 * checksum (server/body.c), and the count of checksums computed.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "server/body.h"

/* The documented format, written out independently of body.c: word k is
 * splitmix64's output k + 1 for the seed, bytes little-endian. */
static uint64_t ref_word(uint64_t seed, uint64_t k) {
    uint64_t z = seed + 0x9E3779B97F4A7C15ull * (k + 1);
    z ^= z >> 30;
    z *= 0xBF58476D1CE4E5B9ull;
    z ^= z >> 27;
    z *= 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_known_words(void **unused) {
    (void)unused;
    /* splitmix64 seeded with 0 starts 0xe220a8397b1dcdaf: a published
     * test vector, so the format cannot drift unnoticed. */
    unsigned char b[16];
    body_fill(0, 0, b, sizeof b);
    uint64_t w0 = 0, w1 = 0;
    for (int i = 7; i >= 0; i--) {
        w0 = w0 << 8 | b[i];
        w1 = w1 << 8 | b[8 + i];
    }
    assert_int_equal(w0, 0xe220a8397b1dcdafull);
    assert_int_equal(w0, ref_word(0, 0));
    assert_int_equal(w1, ref_word(0, 1));
}

static void test_matches_reference(void **unused) {
    (void)unused;
    const uint64_t seeds[] = {0, 1, 42, UINT64_MAX};
    unsigned char b[1000];
    for (size_t s = 0; s < 4; s++) {
        body_fill(seeds[s], 0, b, sizeof b);
        for (size_t i = 0; i < sizeof b; i++)
            assert_int_equal(b[i], (unsigned char)(ref_word(seeds[s], i / 8) >>
                                                   (8 * (i % 8))));
    }
}

static void test_random_access(void **unused) {
    (void)unused;
    enum { N = 4099 };
    unsigned char *whole = malloc(N), *parts = malloc(N);
    assert_non_null(whole);
    assert_non_null(parts);
    body_fill(7, 0, whole, N);
    /* Pieces of every alignment and length, including empty ones. */
    size_t at = 0, len = 0;
    while (at < N) {
        size_t n = len % 13;
        if (n > N - at)
            n = N - at;
        body_fill(7, at, parts + at, n);
        at += n;
        len++;
    }
    assert_memory_equal(whole, parts, N);
    /* A piece starting inside a word. */
    unsigned char mid[5];
    body_fill(7, 3, mid, sizeof mid);
    assert_memory_equal(mid, whole + 3, sizeof mid);
    free(whole);
    free(parts);
}

static void test_seeds_differ(void **unused) {
    (void)unused;
    unsigned char a[64], b[64];
    body_fill(1, 0, a, sizeof a);
    body_fill(2, 0, b, sizeof b);
    assert_memory_not_equal(a, b, sizeof a);
}

static void test_checksum_is_xxh64(void **unused) {
    (void)unused;
    const uint64_t sizes[] = {0, 1, 7, 8, 31, 32, 16384, 16385, 100000};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        unsigned char *b = malloc(sizes[i] + 1);
        assert_non_null(b);
        body_fill(5, 0, b, (size_t)sizes[i]);
        uint64_t sum = 0;
        assert_int_equal(body_checksum(5, sizes[i], &sum), 0);
        assert_int_equal(sum, XXH64(b, (size_t)sizes[i], 0));
        free(b);
    }
    /* The empty body's XXH64 (seed 0) is a published constant. */
    uint64_t empty = 0, before = body_checksum_count();
    assert_int_equal(body_checksum(9, 0, &empty), 0);
    assert_int_equal(empty, 0xef46db3751d8e999ull);
    /* Each checksum is counted (the server's tests rely on it). */
    assert_int_equal(body_checksum_count(), before + 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_words),
        cmocka_unit_test(test_matches_reference),
        cmocka_unit_test(test_random_access),
        cmocka_unit_test(test_seeds_differ),
        cmocka_unit_test(test_checksum_is_xxh64),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
