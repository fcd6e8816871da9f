/* SPDX-License-Identifier: MIT */
/*
 * test_rounds.c - the round planner: the three orders, seeds, a resumed
 * interleaved run (cells with different numbers of repetitions left),
 * cells stopped at different times, the stopping rule of repetitions =
 * auto, and the keep-alive rule.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "run/rounds.h"

/* Runs the planner to its end: the cells in order into seq (room for
 * max), the round of each into round; returns how many. */
static size_t drain(struct rounds *p, size_t *seq, unsigned *round,
                    size_t max) {
    size_t n = 0, c;
    while (n < max && rounds_next(p, &c)) {
        seq[n] = c;
        if (round)
            round[n] = p->round;
        n++;
    }
    return n;
}

static void test_grouped(void **state) {
    (void)state;
    struct rounds p;
    const size_t left[] = {2, 0, 3};
    assert_int_equal(rounds_init(&p, ORDER_GROUPED, 1, left, 3), 0);
    size_t seq[16];
    assert_int_equal(drain(&p, seq, NULL, 16), 5);
    const size_t want[] = {0, 0, 2, 2, 2};
    assert_memory_equal(seq, want, sizeof want);
    rounds_free(&p);
}

/* Interleaved: every round holds each cell once, shuffled per round; the
 * same seed gives the same order, another seed another. */
static void test_interleaved_rounds(void **state) {
    (void)state;
    enum { CELLS = 8, REPS = 5 };
    size_t left[CELLS];
    for (size_t i = 0; i < CELLS; i++)
        left[i] = REPS;
    struct rounds p;
    size_t a[64], b[64];
    unsigned ra[64];
    assert_int_equal(rounds_init(&p, ORDER_INTERLEAVED, 42, left, CELLS), 0);
    assert_int_equal(drain(&p, a, ra, 64), CELLS * REPS);
    rounds_free(&p);
    int differs = 0;
    for (size_t r = 0; r < REPS; r++) {
        unsigned seen = 0;
        for (size_t k = 0; k < CELLS; k++) {
            assert_int_equal(ra[r * CELLS + k], r + 1);
            seen |= 1u << a[r * CELLS + k];
        }
        assert_int_equal(seen, (1u << CELLS) - 1);
        if (r > 0 &&
            memcmp(&a[r * CELLS], &a[(r - 1) * CELLS], CELLS * sizeof *a))
            differs = 1;
    }
    assert_true(differs); /* shuffled per round */
    assert_int_equal(rounds_init(&p, ORDER_INTERLEAVED, 42, left, CELLS), 0);
    drain(&p, b, NULL, 64);
    rounds_free(&p);
    assert_memory_equal(a, b, CELLS * REPS * sizeof *a);
    assert_int_equal(rounds_init(&p, ORDER_INTERLEAVED, 43, left, CELLS), 0);
    drain(&p, b, NULL, 64);
    rounds_free(&p);
    assert_true(memcmp(a, b, CELLS * REPS * sizeof *a) != 0);
}

/* A resumed run: cells lack different numbers of repetitions; rounds go
 * on for those that have some left. */
static void test_interleaved_resume(void **state) {
    (void)state;
    const size_t left[] = {3, 1, 0, 2};
    struct rounds p;
    size_t seq[16];
    unsigned round[16];
    assert_int_equal(rounds_init(&p, ORDER_INTERLEAVED, 5, left, 4), 0);
    size_t n = drain(&p, seq, round, 16);
    rounds_free(&p);
    assert_int_equal(n, 6);
    size_t count[4] = {0};
    for (size_t i = 0; i < n; i++)
        count[seq[i]]++;
    assert_int_equal(count[0], 3);
    assert_int_equal(count[1], 1);
    assert_int_equal(count[2], 0);
    assert_int_equal(count[3], 2);
    /* Round 1: cells 0, 1, 3; round 2: cells 0, 3; round 3: cell 0. */
    const unsigned want_round[] = {1, 1, 1, 2, 2, 3};
    assert_memory_equal(round, want_round, sizeof want_round);
    assert_int_equal(seq[5], 0);
}

/* Cells that reach their precision at different times leave the rounds
 * (even in the middle of one); the others go on. */
static void test_stop_at_different_times(void **state) {
    (void)state;
    const size_t left[] = {30, 30, 30};
    struct rounds p;
    assert_int_equal(rounds_init(&p, ORDER_INTERLEAVED, 9, left, 3), 0);
    size_t c, runs[3] = {0};
    while (rounds_next(&p, &c)) {
        runs[c]++;
        if (c == 1 && runs[c] == 5)
            rounds_stop(&p, 1);
        if (c == 2 && runs[c] == 12)
            rounds_stop(&p, 2);
    }
    rounds_free(&p);
    assert_int_equal(runs[0], 30);
    assert_int_equal(runs[1], 5);
    assert_int_equal(runs[2], 12);
    /* The same under random and grouped. */
    for (int o = ORDER_GROUPED; o <= ORDER_RANDOM; o++) {
        assert_int_equal(rounds_init(&p, (enum run_order)o, 9, left, 3), 0);
        memset(runs, 0, sizeof runs);
        while (rounds_next(&p, &c)) {
            runs[c]++;
            if (c == 1 && runs[c] == 5)
                rounds_stop(&p, 1);
        }
        rounds_free(&p);
        assert_int_equal(runs[0], 30);
        assert_int_equal(runs[1], 5);
        assert_int_equal(runs[2], 30);
    }
}

/* Random: each cell exactly its repetitions, scattered; reproducible. */
static void test_random(void **state) {
    (void)state;
    const size_t left[] = {10, 10, 10};
    struct rounds p;
    size_t a[32], b[32];
    assert_int_equal(rounds_init(&p, ORDER_RANDOM, 3, left, 3), 0);
    assert_int_equal(drain(&p, a, NULL, 32), 30);
    rounds_free(&p);
    size_t count[3] = {0}, switches = 0;
    for (size_t i = 0; i < 30; i++) {
        count[a[i]]++;
        switches += i > 0 && a[i] != a[i - 1];
    }
    assert_int_equal(count[0], 10);
    assert_int_equal(count[1], 10);
    assert_int_equal(count[2], 10);
    assert_true(switches > 2); /* not grouped */
    assert_int_equal(rounds_init(&p, ORDER_RANDOM, 3, left, 3), 0);
    drain(&p, b, NULL, 32);
    rounds_free(&p);
    assert_memory_equal(a, b, sizeof a[0] * 30);
}

static void test_verdict(void **state) {
    (void)state;
    double ach;
    /* Below min_repetitions: go on, however precise. */
    const double same[] = {1, 1, 1, 1, 1, 1, 1, 1};
    assert_int_equal(rounds_verdict(same, 4, 4, 0.01, 5, 30, &ach),
                     ROUNDS_GO_ON);
    assert_true(ach == 0.0);
    assert_int_equal(rounds_verdict(same, 5, 5, 0.01, 5, 30, &ach),
                     ROUNDS_PRECISE);
    /* 5 rows: the interval is min..max = 0.98..1.04, half-width 3%. */
    const double five[] = {1.0, 0.98, 1.01, 1.04, 1.0};
    assert_int_equal(rounds_verdict(five, 5, 5, 0.01, 5, 30, &ach),
                     ROUNDS_GO_ON);
    assert_true(fabs(ach - 0.03) < 1e-12);
    assert_int_equal(rounds_verdict(five, 5, 5, 0.05, 5, 30, &ach),
                     ROUNDS_PRECISE);
    /* At the maximum without precision. */
    assert_int_equal(rounds_verdict(five, 5, 5, 0.01, 3, 5, &ach), ROUNDS_MAX);
    /* Failed rows count as rows, never as precision. */
    assert_int_equal(rounds_verdict(NULL, 0, 5, 0.01, 5, 30, &ach),
                     ROUNDS_NO_OK);
    assert_true(isinf(ach));
    assert_int_equal(rounds_verdict(same, 3, 6, 0.01, 5, 30, &ach),
                     ROUNDS_GO_ON);
    /* 8 rows: the 95% interval of the median is x(1)..x(8) still; 10
     * rows: x(2)..x(9). */
    const double ten[] = {10, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.1};
    assert_int_equal(rounds_verdict(ten, 10, 10, 0.01, 5, 30, &ach),
                     ROUNDS_PRECISE);
    assert_true(ach == 0.0);
}

static void test_keep_alive(void **state) {
    (void)state;
    assert_true(rounds_keep_alive(0, 100, 200));
    assert_true(rounds_keep_alive(50, 50, 200));
    assert_false(rounds_keep_alive(60, 50, 200));
    assert_false(rounds_keep_alive(0, 101, 200));
}

static void test_seed(void **state) {
    (void)state;
    uint64_t a = rounds_seed(1), b = rounds_seed(2);
    assert_true(a != b);
    assert_true(a < (1ull << 53) && b < (1ull << 53));
    assert_true(rounds_seed(1) == a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouped),
        cmocka_unit_test(test_interleaved_rounds),
        cmocka_unit_test(test_interleaved_resume),
        cmocka_unit_test(test_stop_at_different_times),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_verdict),
        cmocka_unit_test(test_keep_alive),
        cmocka_unit_test(test_seed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
