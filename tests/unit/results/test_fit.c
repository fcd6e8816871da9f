/* SPDX-License-Identifier: MIT */
/*
 * test_fit.c - Amdahl and USL fits on synthetic speedups with known
 * parameters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "results/fit.h"

#define assert_close(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static const double P[] = {1, 2, 4, 8, 16, 32};

/* Amdahl with s = 0.1 recovered exactly, R^2 = 1; the USL reads the same
 * curve as sigma = s, kappa = 0 (p / (1 + s (p - 1)) is Amdahl's law), so
 * it has no peak. */
static void test_amdahl_exact(void **state) {
    (void)state;
    double sp[6];
    for (size_t i = 0; i < 6; i++)
        sp[i] = fit_amdahl_speedup(0.1, P[i]);
    assert_close(sp[1], 1.0 / 0.55, 1e-12);
    struct fit_amdahl a;
    fit_amdahl(P, sp, 4, &a);
    assert_int_equal(a.ok, 1);
    assert_close(a.serial, 0.1, 1e-12);
    assert_close(a.r2, 1.0, 1e-12);
    struct fit_usl u;
    fit_usl(P, sp, 6, &u);
    assert_int_equal(u.ok, 1);
    assert_close(u.sigma, 0.1, 1e-9);
    assert_close(u.kappa, 0.0, 1e-9);
    assert_true(isinf(u.peak));
    assert_close(u.r2, 1.0, 1e-9);
}

/* USL with sigma = 0.05, kappa = 0.002: peak at sqrt(0.95 / 0.002) =
 * 21.79 workers. */
static void test_usl_exact(void **state) {
    (void)state;
    double sp[6];
    for (size_t i = 0; i < 6; i++)
        sp[i] = fit_usl_speedup(0.05, 0.002, P[i]);
    assert_close(sp[2], 4.0 / (1.0 + 0.15 + 0.024), 1e-12);
    struct fit_usl u;
    fit_usl(P, sp, 6, &u);
    assert_int_equal(u.ok, 1);
    assert_close(u.sigma, 0.05, 1e-9);
    assert_close(u.kappa, 0.002, 1e-9);
    assert_close(u.peak, sqrt(0.95 / 0.002), 1e-6);
    assert_close(u.r2, 1.0, 1e-9);
    /* Amdahl cannot bend down: a worse fit. */
    struct fit_amdahl a;
    fit_amdahl(P, sp, 6, &a);
    assert_int_equal(a.ok, 1);
    assert_true(a.r2 < 0.99);
}

/* Noise of +-2% around Amdahl s = 0.2 at 1, 2, 3, 4 workers: s within
 * 0.05 of the truth, a good fit. */
static void test_amdahl_noisy(void **state) {
    (void)state;
    const double p[] = {1, 2, 3, 4};
    const double noise[] = {1.0, 1.02, 0.98, 1.01};
    double sp[4];
    for (size_t i = 0; i < 4; i++)
        sp[i] = fit_amdahl_speedup(0.2, p[i]) * noise[i];
    struct fit_amdahl a;
    fit_amdahl(p, sp, 4, &a);
    assert_close(a.serial, 0.2, 0.05);
    assert_true(a.r2 > 0.95);
}

/* Superlinear speedups would need negative parameters: kept at 0. */
static void test_bounds(void **state) {
    (void)state;
    const double p[] = {1, 2, 4};
    const double sp[] = {1.0, 2.2, 4.8};
    struct fit_amdahl a;
    fit_amdahl(p, sp, 3, &a);
    assert_close(a.serial, 0.0, 0.0);
    struct fit_usl u;
    fit_usl(p, sp, 3, &u);
    assert_int_equal(u.ok, 1);
    assert_true(u.sigma == 0.0 && u.kappa == 0.0);
    assert_true(isinf(u.peak));
}

/* Fewer than 3 distinct usable worker counts: no fit. */
static void test_too_few_points(void **state) {
    (void)state;
    const double p[] = {1, 2, 2, 4};
    const double sp[] = {1.0, 1.9, 1.8, NAN};
    struct fit_amdahl a;
    fit_amdahl(p, sp, 4, &a);
    assert_int_equal(a.ok, 0);
    assert_true(isnan(a.serial));
    struct fit_usl u;
    fit_usl(p, sp, 4, &u);
    assert_int_equal(u.ok, 0);
    assert_true(isnan(u.sigma) && isnan(u.peak));
    const double p3[] = {1, 2, 4};
    const double sp3[] = {1.0, 1.9, 3.0};
    fit_amdahl(p3, sp3, 3, &a);
    assert_int_equal(a.ok, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amdahl_exact),   cmocka_unit_test(test_usl_exact),
        cmocka_unit_test(test_amdahl_noisy),   cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_too_few_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
