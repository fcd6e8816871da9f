/* SPDX-License-Identifier: MIT */
/*
 * suggest.c - "did you mean" for misspelt names.
 *
 * The distance is the optimal-string-alignment variant of Levenshtein: an
 * adjacent transposition ("trail" for "trial") costs 1, the most common
 * typo of all.
 */
#include "util/suggest.h"

#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t min3(size_t a, size_t b, size_t c) {
    size_t m = a < b ? a : b;
    return m < c ? m : c;
}

static int same(char x, char y) {
    return tolower((unsigned char)x) == tolower((unsigned char)y);
}

size_t suggest_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    /* Three rows of the dynamic-programming matrix: i-2, i-1 and i. */
    size_t stack[3 * 65];
    size_t *mem = stack;
    if (lb + 1 > 65) {
        mem = malloc(3 * (lb + 1) * sizeof *mem);
        if (!mem)
            return SIZE_MAX;
    }
    size_t *prev2 = mem, *prev = mem + (lb + 1), *cur = mem + 2 * (lb + 1);
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = same(a[i - 1], b[j - 1]) ? 0 : 1;
            cur[j] = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) &&
                same(a[i - 2], b[j - 1]) && prev2[j - 2] + 1 < cur[j])
                cur[j] = prev2[j - 2] + 1;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    size_t d = prev[lb];
    if (mem != stack)
        free(mem);
    return d;
}

const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t count) {
    if (!word || !candidates)
        return NULL;
    size_t limit = strlen(word) / 3;
    if (limit < 1)
        limit = 1;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        if (!candidates[i])
            continue;
        size_t d = suggest_distance(word, candidates[i]);
        if (d <= limit && d < best_d) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}
