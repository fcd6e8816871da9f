/* SPDX-License-Identifier: MIT */
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

/* stats_median: the middle value, or the mean of the two middle ones, of
 * an unsorted sample left as it was; what stats_compute says it is; NAN
 * for none. */
static void test_median(void **state) {
    (void)state;
    assert_true(isnan(stats_median(NULL, 0)));
    double odd[] = {3.0, 1.0, 2.0};
    assert_true(stats_median(odd, 3) == 2.0);
    assert_true(odd[0] == 3.0 && odd[1] == 1.0 && odd[2] == 2.0);
    double even[] = {4.0, 1.0, 3.0, 2.0};
    assert_true(stats_median(even, 4) == 2.5);
    double one[] = {7.5};
    assert_true(stats_median(one, 1) == 7.5);
    double x[11];
    for (int i = 0; i < 11; i++)
        x[i] = (double)((i * 7) % 11) * 0.5 + 1.0;
    struct stats st;
    stats_compute(x, 11, &st);
    assert_true(stats_median(x, 11) == st.median);
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

/* ------------------------------------------------------------------------ */
/* Mann-Whitney U                                                            */
/* ------------------------------------------------------------------------ */

/* The example of SciPy's mannwhitneyu documentation (after Conover):
 * U1 = 17, exact two-sided p = 1/9 = 0.1111..., asymptotic with continuity
 * correction 0.11134688653314041. */
static void test_mwu_published(void **state) {
    (void)state;
    const double males[] = {19, 22, 16, 29, 24};
    const double females[] = {20, 11, 17, 12};
    struct stats_mwu r;
    stats_mann_whitney(males, 5, females, 4, &r);
    assert_near(r.u, 17.0);
    assert_int_equal(r.exact, 1);
    assert_near(r.p, 1.0 / 9.0);
    assert_true(fabs(stats_mann_whitney_normal(males, 5, females, 4) -
                     0.11134688653314041) < 1e-12);
    /* Symmetric: the other way round, U2 = 20 - 17 and the same p. */
    stats_mann_whitney(females, 4, males, 5, &r);
    assert_near(r.u, 3.0);
    assert_near(r.p, 1.0 / 9.0);
}

/* Two samples of 5 that do not overlap: only 2 of the C(10,5) = 252
 * arrangements are as extreme, p = 2/252; 3 and 3 cannot get below 0.1. */
static void test_mwu_separated(void **state) {
    (void)state;
    const double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
    struct stats_mwu r;
    stats_mann_whitney(a, 5, b, 5, &r);
    assert_near(r.u, 0.0);
    assert_near(r.p, 2.0 / 252.0);
    assert_near(stats_mann_whitney_min_p(5, 5), 2.0 / 252.0);
    stats_mann_whitney(a, 3, b, 3, &r);
    assert_near(r.p, 0.1);
    assert_near(stats_mann_whitney_min_p(3, 3), 0.1);
    assert_near(stats_mann_whitney_min_p(0, 3), 1.0);
    /* The same sample against itself: p = 1. */
    stats_mann_whitney(a, 5, a, 5, &r);
    assert_near(r.u, 12.5);
    assert_near(r.p, 1.0);
    stats_mann_whitney(a, 0, b, 5, &r);
    assert_true(isnan(r.p));
}

/* Ties: the normal approximation with tie and continuity corrections, by
 * hand (R's wilcox.test(exact = FALSE) gives W = 2.5, p = 0.1367):
 * U = 2.5, mn/2 = 8, ties 2,2,2 and 3,3: sum t^3 - t = 30,
 * var = 16/12 (9 - 30/56), z = (5.5 - 0.5) / sqrt(var). */
static void test_mwu_ties(void **state) {
    (void)state;
    const double x[] = {1, 2, 2, 3}, y[] = {2, 3, 4, 5};
    struct stats_mwu r;
    stats_mann_whitney(x, 4, y, 4, &r);
    assert_near(r.u, 2.5);
    assert_int_equal(r.exact, 0);
    double var = 16.0 / 12.0 * (9.0 - 30.0 / 56.0);
    assert_near(r.p, erfc(5.0 / sqrt(var) / sqrt(2.0)));
    assert_true(fabs(r.p - 0.1367) < 5e-5);
}

/* ------------------------------------------------------------------------ */
/* Bootstrap                                                                 */
/* ------------------------------------------------------------------------ */

static void test_bootstrap_constant(void **state) {
    (void)state;
    const double x[] = {2, 2, 2}, y[] = {3, 3, 3, 3};
    double lo, hi;
    stats_bootstrap_ratio(x, 3, y, 4, 2000, 1, 0.95, &lo, &hi);
    assert_near(lo, 1.5);
    assert_near(hi, 1.5);
    stats_bootstrap_ratio(x, 0, y, 4, 2000, 1, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi));
    const double zero[] = {0, 0};
    stats_bootstrap_ratio(zero, 2, y, 4, 2000, 1, 0.95, &lo, &hi);
    assert_true(isnan(lo) && isnan(hi)); /* no finite ratio */
}

/* The medians of 3 draws from {3.8, 4.0, 4.2} are 3.8 with probability
 * 7/27 (two or three draws of 3.8), likewise 4.2, and from {1.2, 1.25,
 * 1.3}: the extreme ratios 3.8/1.3 and 4.2/1.2 each have probability
 * (7/27)^2 = 6.7% > 2.5%, so they are the interval, whatever the seed. */
static void test_bootstrap_known_interval(void **state) {
    (void)state;
    const double cell[] = {1.3, 1.25, 1.2}, base[] = {4.2, 3.8, 4.0};
    for (unsigned long long seed = 1; seed <= 3; seed++) {
        double lo, hi;
        stats_bootstrap_ratio(cell, 3, base, 3, STATS_BOOTSTRAP_RESAMPLES, seed,
                              0.95, &lo, &hi);
        assert_near(lo, 3.8 / 1.3);
        assert_near(hi, 4.2 / 1.2);
    }
}

/* A fixed seed gives the same interval every time; it contains the ratio
 * of the medians and lies within the extreme ratios. */
static void test_bootstrap_fixed_seed(void **state) {
    (void)state;
    const double x[] = {1.00, 1.02, 0.98, 1.05, 0.97, 1.01, 0.99, 1.03};
    const double y[] = {2.10, 1.95, 2.02, 2.05, 1.98, 2.00, 2.07, 1.99};
    double lo1, hi1, lo2, hi2;
    stats_bootstrap_ratio(x, 8, y, 8, 2000, STATS_BOOTSTRAP_SEED, 0.95, &lo1,
                          &hi1);
    stats_bootstrap_ratio(x, 8, y, 8, 2000, STATS_BOOTSTRAP_SEED, 0.95, &lo2,
                          &hi2);
    assert_true(lo1 == lo2 && hi1 == hi2);
    /* The values of this seed (splitmix64 from STATS_BOOTSTRAP_SEED, 2000
     * rounds, quantiles 2.5% and 97.5%): a change of generator, rounds or
     * quantile rule shows here. */
    assert_true(fabs(lo1 - 1.9459771952259164) < 1e-12);
    assert_true(fabs(hi1 - 2.0792377730235336) < 1e-12);
    double ratio = 2.01 / 1.005; /* medians 2.01 and 1.005 */
    assert_true(lo1 < ratio && ratio < hi1);
    assert_true(lo1 >= 1.95 / 1.05 && hi1 <= 2.10 / 0.97);
    /* A 50% interval lies inside the 95% one. */
    double lo50, hi50;
    stats_bootstrap_ratio(x, 8, y, 8, 2000, STATS_BOOTSTRAP_SEED, 0.5, &lo50,
                          &hi50);
    assert_true(lo1 <= lo50 && hi50 <= hi1 && lo50 < hi50);
}

/* Intervals of small samples with ties, odd and even sizes and a NaN
 * (drawn without ranking), as the bootstrap gave them when every resample
 * was put in order by selection and the ratios sorted: finding the
 * medians and the quantiles faster must not change them. */
static void test_bootstrap_small_samples(void **state) {
    (void)state;
    static const struct {
        double x[7];
        size_t m;
        double y[6];
        size_t n;
        double lo, hi;
    } cases[] = {
        {{1.0, 1.1, 1.0, 0.9, 1.2, 1.0, 0.95},
         7,
         {2.0, 2.2, 1.9, 2.2, 2.05, 1.8},
         6,
         1.7727272727272725,
         2.236842105263158},
        {{1.0, NAN, 1.1, 0.9, 1.05},
         5,
         {2.0, 2.2, 1.9, 2.2, 2.05, 1.8},
         6,
         1.7727272727272725,
         2.3611111111111112},
        {{3.0, 1.0}, 2, {2.0}, 1, 0.66666666666666663, 2.0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double lo, hi;
        stats_bootstrap_ratio(cases[i].x, cases[i].m, cases[i].y, cases[i].n,
                              STATS_BOOTSTRAP_RESAMPLES, STATS_BOOTSTRAP_SEED,
                              0.95, &lo, &hi);
        assert_near(lo, cases[i].lo);
        assert_near(hi, cases[i].hi);
    }
}

static void test_pair_and_differs(void **state) {
    (void)state;
    const double a[] = {1.00, 1.01, 0.99, 0.995, 1.02};
    const double b[] = {2.00, 2.02, 1.98, 1.99, 2.04};
    const double c[] = {1.01, 1.02, 1.00, 1.01, 1.03}; /* 1% slower */
    struct stats_pair pr;
    stats_pair_compare(a, 5, b, 5, &pr);
    assert_near(pr.median_x, 1.0);
    assert_near(pr.median_y, 2.0);
    assert_near(pr.ratio, 2.0);
    assert_true(pr.ci_lo <= 2.0 && 2.0 <= pr.ci_hi);
    assert_true(pr.mwu.p < 0.01);
    assert_true(stats_differs(&pr, 0.05, 0.02));
    assert_false(stats_differs(&pr, 0.001, 0.02)); /* p = 2/252 */
    stats_pair_compare(a, 5, c, 5, &pr);
    assert_false(stats_differs(&pr, 0.05, 0.02)); /* below the threshold */
    assert_true(stats_differs(&pr, 0.5, 0.005));
    /* Significant (no overlap: p = 2/252) but only 1% apart: below the
     * threshold of 2%, above one of 0.5%. */
    const double d[] = {1.000, 1.001, 1.002, 1.003, 1.004};
    const double e[] = {1.010, 1.011, 1.012, 1.013, 1.014};
    stats_pair_compare(d, 5, e, 5, &pr);
    assert_near(pr.mwu.p, 2.0 / 252.0);
    assert_false(stats_differs(&pr, 0.05, 0.02));
    assert_true(stats_differs(&pr, 0.05, 0.005));
    stats_pair_compare(a, 5, a, 5, &pr);
    assert_near(pr.ratio, 1.0);
    assert_false(stats_differs(&pr, 0.05, 0.0));
    const double zero[] = {0, 0};
    stats_pair_compare(zero, 2, zero, 2, &pr);
    assert_near(pr.ratio, 1.0); /* 0 against 0 is no change */
    stats_pair_compare(a, 0, b, 5, &pr);
    assert_true(isnan(pr.ratio));
    assert_false(stats_differs(&pr, 0.05, 0.02));
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
        cmocka_unit_test(test_median),
        cmocka_unit_test(test_karp_flatt),
        cmocka_unit_test(test_mwu_published),
        cmocka_unit_test(test_mwu_separated),
        cmocka_unit_test(test_mwu_ties),
        cmocka_unit_test(test_bootstrap_constant),
        cmocka_unit_test(test_bootstrap_known_interval),
        cmocka_unit_test(test_bootstrap_fixed_seed),
        cmocka_unit_test(test_bootstrap_small_samples),
        cmocka_unit_test(test_pair_and_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
