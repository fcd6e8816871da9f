/*
 * test_stats.c - descriptive statistics against hand-computed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "results/stats.h"

/* Doubles equal to 1e-9 relative (cmocka 1.1.5's assert_float_equal
 * compares as float). */
#define assert_near(a, b) assert_near_at((a), (b), __FILE__, __LINE__)
static void assert_near_at(double a, double b, const char *file, int line) {
    if (!(fabs(a - b) <= 1e-9 * fmax(1.0, fabs(b)))) {
        print_error("%.17g != %.17g\n", a, b);
        _fail(file, line);
    }
}

static void test_empty(void **state) {
    (void)state;
    struct stats s;
    memset(&s, 0xff, sizeof s);
    stats_compute(NULL, 0, &s);
    assert_int_equal(s.n, 0);
    assert_true(s.median == 0.0 && s.mean == 0.0 && s.stddev == 0.0);
    assert_true(s.min == 0.0 && s.max == 0.0);
    assert_true(s.ci_lo == 0.0 && s.ci_hi == 0.0 && s.cv == 0.0);
    assert_int_equal(s.outliers, 0);
}

static void test_one_value(void **state) {
    (void)state;
    const double x[] = {2.5};
    struct stats s;
    stats_compute(x, 1, &s);
    assert_int_equal(s.n, 1);
    assert_near(s.median, 2.5);
    assert_near(s.mean, 2.5);
    assert_near(s.stddev, 0.0);
    assert_near(s.min, 2.5);
    assert_near(s.max, 2.5);
    assert_near(s.ci_lo, 2.5);
    assert_near(s.ci_hi, 2.5);
    assert_near(s.cv, 0.0);
    assert_int_equal(s.outliers, 0);
}

static void test_two_values(void **state) {
    (void)state;
    const double x[] = {3.0, 1.0};
    struct stats s;
    stats_compute(x, 2, &s);
    assert_near(s.median, 2.0);
    assert_near(s.mean, 2.0);
    assert_near(s.stddev, 1.4142135623730951);
    assert_near(s.min, 1.0);
    assert_near(s.max, 3.0);
    assert_near(s.ci_lo, 1.0);
    assert_near(s.ci_hi, 3.0);
    assert_near(s.cv, 0.7071067811865476);
    assert_int_equal(s.outliers, 0);
}

static void test_all_equal(void **state) {
    (void)state;
    const double x[] = {4.0, 4.0, 4.0, 4.0, 4.0, 4.0, 4.0};
    struct stats s;
    stats_compute(x, 7, &s);
    assert_near(s.median, 4.0);
    assert_near(s.mean, 4.0);
    assert_near(s.stddev, 0.0);
    assert_near(s.ci_lo, 4.0);
    assert_near(s.ci_hi, 4.0);
    assert_near(s.cv, 0.0);
    assert_int_equal(s.outliers, 0); /* MAD 0: none counted */
}

static void test_mad_zero_counts_none(void **state) {
    (void)state;
    /* More than half the values equal: MAD is 0, so 9.0 is not counted. */
    const double x[] = {1.0, 1.0, 1.0, 9.0};
    struct stats s;
    stats_compute(x, 4, &s);
    assert_near(s.median, 1.0);
    assert_int_equal(s.outliers, 0);
}

static void test_five_values(void **state) {
    (void)state;
    /* Sorted 1 2 3 4 100; mean 22; squared deviations sum to 7610, so
     * sd = sqrt(7610 / 4).  |x - 3| = 2 1 0 1 97: MAD 1, limit
     * 3 * 1.4826 = 4.4478, one outlier.  n = 5 is too small for a 95%
     * order-statistic interval (1 - 2/32 < 0.95): min..max. */
    const double x[] = {4.0, 100.0, 1.0, 3.0, 2.0};
    struct stats s;
    stats_compute(x, 5, &s);
    assert_int_equal(s.n, 5);
    assert_near(s.median, 3.0);
    assert_near(s.mean, 22.0);
    assert_near(s.stddev, 43.617656975128774);
    assert_near(s.min, 1.0);
    assert_near(s.max, 100.0);
    assert_near(s.ci_lo, 1.0);
    assert_near(s.ci_hi, 100.0);
    assert_near(s.cv, 43.617656975128774 / 22.0);
    assert_int_equal(s.outliers, 1);
    /* The input is not modified. */
    assert_near(x[0], 4.0);
    assert_near(x[1], 100.0);
}

static void test_ten_values(void **state) {
    (void)state;
    /* Sorted 1..9, 50: median 5.5, mean 9.5.  n = 10: P(B <= 1) =
     * 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so ranks 2 and 9 (coverage
     * 0.979): 2 .. 9.  |x - 5.5| sorted .5 .5 1.5 1.5 2.5 2.5 3.5 3.5 4.5
     * 44.5: MAD 2.5, limit 11.1195: one outlier (50). */
    const double x[] = {3, 1, 4, 2, 5, 50, 7, 9, 6, 8};
    struct stats s;
    stats_compute(x, 10, &s);
    assert_near(s.median, 5.5);
    assert_near(s.mean, 9.5);
    assert_near(s.stddev, 14.462595433277759);
    assert_near(s.min, 1.0);
    assert_near(s.max, 50.0);
    assert_near(s.ci_lo, 2.0);
    assert_near(s.ci_hi, 9.0);
    assert_near(s.cv, 14.462595433277759 / 9.5);
    assert_int_equal(s.outliers, 1);
}

static void test_ci_six_and_twenty(void **state) {
    (void)state;
    /* n = 6: 1 - 2/64 = 0.969 >= 0.95 with ranks 1 and 6 only. */
    const double six[] = {6, 5, 4, 3, 2, 1};
    struct stats s;
    stats_compute(six, 6, &s);
    assert_near(s.median, 3.5);
    assert_near(s.ci_lo, 1.0);
    assert_near(s.ci_hi, 6.0);

    /* n = 20: P(B <= 5) = 21700/2^20 = 0.0207 <= 0.025 < P(B <= 6) =
     * 0.0577: ranks 6 and 15. */
    double twenty[20];
    for (int i = 0; i < 20; i++)
        twenty[i] = 20 - i;
    stats_compute(twenty, 20, &s);
    assert_near(s.median, 10.5);
    assert_near(s.ci_lo, 6.0);
    assert_near(s.ci_hi, 15.0);
    assert_int_equal(s.outliers, 0);
}

static void test_ci_eight_and_thirteen(void **state) {
    (void)state;
    /* n = 8: P(B <= 0) = 1/256 <= 0.025 < P(B <= 1) = 9/256 = 0.035, so
     * ranks 1 and 8 (a 90% interval would take ranks 2 and 7). */
    const double eight[] = {8, 1, 7, 2, 6, 3, 5, 4};
    struct stats s;
    stats_compute(eight, 8, &s);
    assert_near(s.ci_lo, 1.0);
    assert_near(s.ci_hi, 8.0);

    /* n = 13: P(B <= 2) = 92/8192 = 0.011 <= 0.025 < P(B <= 3) =
     * 378/8192 = 0.046: ranks 3 and 11. */
    double thirteen[13];
    for (int i = 0; i < 13; i++)
        thirteen[i] = (i * 5) % 13 + 1; /* 1..13 shuffled */
    stats_compute(thirteen, 13, &s);
    assert_near(s.median, 7.0);
    assert_near(s.ci_lo, 3.0);
    assert_near(s.ci_hi, 11.0);
}

static void test_outlier_boundary(void **state) {
    (void)state;
    /* Median 3, MAD 1: the limit is 3 * 1.4826 = 4.4478 from the median. */
    const double inside[] = {1, 2, 3, 4, 7.0};  /* 4.0 away   */
    const double outside[] = {1, 2, 3, 4, 7.5}; /* 4.5 away   */
    const double below[] = {-1.5, 2, 3, 4, 5};  /* 4.5 below  */
    struct stats s;
    stats_compute(inside, 5, &s);
    assert_int_equal(s.outliers, 0);
    stats_compute(outside, 5, &s);
    assert_int_equal(s.outliers, 1);
    stats_compute(below, 5, &s);
    assert_int_equal(s.outliers, 1);
}

static void test_karp_flatt(void **state) {
    (void)state;
    /* e = (1/S - 1/p) / (1 - 1/p) */
    assert_near(stats_karp_flatt(3.2, 4), (0.3125 - 0.25) / 0.75);
    assert_near(stats_karp_flatt(3.2, 4), 0.0833333333333333);
    assert_near(stats_karp_flatt(2.0, 2), 0.0);
    assert_near(stats_karp_flatt(1.0, 4), 1.0);
    assert_near(stats_karp_flatt(1.5, 2), (1.0 / 1.5 - 0.5) / 0.5);
    assert_true(isnan(stats_karp_flatt(2.0, 1)));
    assert_true(isnan(stats_karp_flatt(2.0, 0)));
    assert_true(isnan(stats_karp_flatt(0.0, 4)));
    assert_true(isnan(stats_karp_flatt(-1.0, 4)));
    assert_true(isnan(stats_karp_flatt(NAN, 4)));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_one_value),
        cmocka_unit_test(test_two_values),
        cmocka_unit_test(test_all_equal),
        cmocka_unit_test(test_mad_zero_counts_none),
        cmocka_unit_test(test_five_values),
        cmocka_unit_test(test_ten_values),
        cmocka_unit_test(test_ci_six_and_twenty),
        cmocka_unit_test(test_ci_eight_and_thirteen),
        cmocka_unit_test(test_outlier_boundary),
        cmocka_unit_test(test_karp_flatt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
