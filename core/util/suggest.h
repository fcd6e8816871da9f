/* SPDX-License-Identifier: MIT */
/* suggest.h - "did you mean" for misspelt names. */
#ifndef PARBENCH_SUGGEST_H
#define PARBENCH_SUGGEST_H

#include <stddef.h>

/* Edit distance (Levenshtein, case-insensitive) between a and b. */
size_t suggest_distance(const char *a, const char *b);
/* The candidate closest to `word` if it is close enough to be a likely
 * typo (distance <= max(1, strlen(word)/3)), else NULL.  `candidates` is
 * an array of `count` strings (borrowed; NULL entries skipped). */
const char *suggest_closest(const char *word, const char *const *candidates,
                            size_t count);

#endif /* PARBENCH_SUGGEST_H */
