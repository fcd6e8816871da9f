/* SPDX-License-Identifier: MIT */
/*
 * test_verdict.c - the verdict section: rankings, significance and the
 * sentences, against hand-made samples.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>

#include "results/stats.h"
#include "results/verdict.h"
#include "unit/results/rows.h"

/* Every comparison of a pair (stats_pair_compare: a bootstrap of the
 * ratio and a Mann-Whitney test) that verdict.c asks for comes here first:
 * the test is linked with -Wl,--wrap=stats_pair_compare
 * (tests/CMakeLists.txt), so that it can count them. */
void __real_stats_pair_compare(const double *x, size_t m, const double *y,
                               size_t n, struct stats_pair *out);
void __wrap_stats_pair_compare(const double *x, size_t m, const double *y,
                               size_t n, struct stats_pair *out);
static size_t pair_compares;
void __wrap_stats_pair_compare(const double *x, size_t m, const double *y,
                               size_t n, struct stats_pair *out) {
    pair_compares++;
    __real_stats_pair_compare(x, m, y, n, out);
}

/* The issue's example: pthread, fork and posix_spawn within 1.3% of each
 * other with overlapping samples, gil 2.02x slower with none in common
 * (exact p = 2/252). */
static const double pthread_w[] = {0.2400, 0.2380, 0.2420, 0.2450, 0.2350};
static const double fork_w[] = {0.2418, 0.2390, 0.2440, 0.2370, 0.2460};
static const double spawn_w[] = {0.2431, 0.2400, 0.2460, 0.2360, 0.2470};
static const double gil_w[] = {0.4848, 0.4800, 0.4900, 0.4850, 0.4830};

static void example(struct rows *rs) {
    rows_add_all(rs, "prime-count", "pthread", 2, pthread_w, 5, 1000);
    rows_add_all(rs, "prime-count", "fork", 2, fork_w, 5, 2000);
    rows_add_all(rs, "prime-count", "posix_spawn", 2, spawn_w, 5, 3000);
    rows_add_all(rs, "prime-count", "gil", 2, gil_w, 5, 1000);
}

static void sentence_of(const struct rows *rs, const char *versus, char *buf,
                        size_t len) {
    struct summary s;
    assert_int_equal(summary_build(rs->r, rs->n, &s), 0);
    struct verdict_options o = {versus, VERDICT_ALPHA, VERDICT_THRESHOLD};
    struct verdict v;
    assert_int_equal(verdict_build(&s, &o, &v), 0);
    assert_int_equal(v.n, 1);
    verdict_sentence(&s, &v, &v.groups[0], buf, len);
    verdict_free(&v);
    summary_free(&s);
}

static void test_issue_sentence(void **state) {
    (void)state;
    struct rows rs = {0};
    example(&rs);
    char buf[1024];
    sentence_of(&rs, NULL, buf, sizeof buf);
    assert_string_equal(buf, "prime-count, 2 workers: pthread, fork and "
                             "posix_spawn tie (within 1.3%, not "
                             "significant); gil is 2.02× slower (p < 0.01).");
    rows_free(&rs);
}

static void test_ranking(void **state) {
    (void)state;
    struct rows rs = {0};
    example(&rs);
    struct summary s;
    assert_int_equal(summary_build(rs.r, rs.n, &s), 0);
    struct verdict_options o = {NULL, VERDICT_ALPHA, VERDICT_THRESHOLD};
    struct verdict v;
    assert_int_equal(verdict_build(&s, &o, &v), 0);
    const struct verdict_group *g = &v.groups[0];
    assert_int_equal(g->workers, 2);
    assert_int_equal(g->wall.n, 4);
    assert_int_equal(g->wall.ref, 0);
    assert_string_equal(s.cells[g->wall.e[0].cell].executor, "pthread");
    assert_string_equal(s.cells[g->wall.e[3].cell].executor, "gil");
    assert_true(fabs(g->wall.e[3].vs.ratio - 0.4848 / 0.24) < 1e-12);
    assert_true(fabs(g->wall.e[3].vs.mwu.p - 2.0 / 252.0) < 1e-12);
    assert_int_equal(g->wall.e[3].differs, 1);
    assert_int_equal(g->wall.e[1].differs, 0);
    assert_true(g->wall.e[3].vs.ci_lo <= g->wall.e[3].vs.ratio &&
                g->wall.e[3].vs.ratio <= g->wall.e[3].vs.ci_hi);
    /* Memory: pthread and gil (1000 KiB) first, then fork, posix_spawn. */
    assert_int_equal(g->pss.n, 4);
    assert_string_equal(s.cells[g->pss.e[2].cell].executor, "fork");
    assert_true(fabs(g->pss.e[3].vs.ratio - 3.0) < 1e-12);
    assert_int_equal(g->pss.e[3].differs, 1);

    /* The table: every line within 100 columns. */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(verdict_print_table(f, &s, &v, 100), 0);
    fclose(f);
    assert_non_null(strstr(buf, "\nprime-count, 2 workers\n"
                                "  executor     median  ratio  95% CI     p "
                                "        verdict\n"
                                "  pthread      240 ms  1.00×  -          - "
                                "        reference\n"
                                "  fork         242 ms  1.01×  0.98–1.03  p "
                                "= 0.69  tie\n"));
    assert_non_null(strstr(buf, "  gil          485 ms  2.02×  1.98–2.06  p "
                                "< 0.01  slower\n"));
    assert_non_null(strstr(buf, "  memory (PSS): pthread 1000 KiB; gil "
                                "1000 KiB 1.00× ≈; fork 1.95 MiB 2.00×; "
                                "posix_spawn 2.93 MiB\n    3.00×\n"));
    assert_non_null(strstr(buf, "  => prime-count, 2 workers: pthread, fork "
                                "and posix_spawn tie (within 1.3%, not "
                                "significant); gil\n     is 2.02× slower "
                                "(p < 0.01).\n"));
    free(buf);
    verdict_free(&v);
    summary_free(&s);
    rows_free(&rs);
}

/* The reference of a ranking is not bootstrapped against itself (its
 * interval is 1-1 by definition): 3 rankings (wall, PSS, start-up) of 4
 * executors are 3 x 3 bootstraps, not 3 x 4. */
static void test_reference_not_bootstrapped(void **state) {
    (void)state;
    struct rows rs = {0};
    example(&rs);
    struct summary s;
    assert_int_equal(summary_build(rs.r, rs.n, &s), 0);
    struct verdict_options o = {NULL, VERDICT_ALPHA, VERDICT_THRESHOLD};
    struct verdict v;
    size_t before = pair_compares;
    assert_int_equal(verdict_build(&s, &o, &v), 0);
    assert_int_equal(pair_compares - before, 3 * 3);
    const struct verdict_ranking *r = &v.groups[0].wall;
    const struct verdict_entry *ref = &r->e[r->ref];
    assert_true(ref->vs.ratio == 1.0 && ref->vs.ci_lo == 1.0 &&
                ref->vs.ci_hi == 1.0);
    assert_true(isnan(ref->vs.mwu.p));
    assert_true(fabs(ref->vs.median_y - 0.24) < 1e-12); /* pthread's */
    assert_int_equal(ref->differs, 0);
    verdict_free(&v);
    summary_free(&s);
    rows_free(&rs);
}

static void test_versus(void **state) {
    (void)state;
    struct rows rs = {0};
    example(&rs);
    char buf[1024];
    sentence_of(&rs, "gil", buf, sizeof buf);
    assert_string_equal(buf, "prime-count, 2 workers: against gil, pthread "
                             "is 2.02× faster (p < 0.01); fork is 2.00× "
                             "faster (p < 0.01); posix_spawn is 1.99× faster "
                             "(p < 0.01).");
    /* An executor that did not run in the group: ratios to the fastest. */
    sentence_of(&rs, "serial", buf, sizeof buf);
    assert_non_null(strstr(buf, "gil is 2.02× slower (p < 0.01) (serial did "
                                "not run at 2 workers)."));
    rows_free(&rs);
}

/* Three repetitions each cannot reach p < 0.05: the sentence says so
 * rather than calling a 10% difference a tie. */
static void test_too_few(void **state) {
    (void)state;
    struct rows rs = {0};
    const double a[] = {1.0, 1.01, 0.99}, b[] = {1.1, 1.11, 1.09};
    rows_add_all(&rs, "w", "pthread", 1, a, 3, 0);
    rows_add_all(&rs, "w", "fork", 1, b, 3, 0);
    char buf[1024];
    sentence_of(&rs, NULL, buf, sizeof buf);
    assert_string_equal(buf, "w, 1 worker: pthread is fastest; fork looks "
                             "1.10× slower, but not significantly (p = "
                             "0.10) (too few repetitions for p < 0.05: run "
                             "more, e.g. --set run.repetitions=5).");
    rows_free(&rs);
}

/* Significant but within the threshold: a tie, said as such. */
static void test_below_threshold(void **state) {
    (void)state;
    struct rows rs = {0};
    const double a[] = {1.000, 1.001, 1.002, 1.003, 1.004};
    const double b[] = {1.010, 1.011, 1.012, 1.013, 1.014};
    rows_add_all(&rs, "w", "pthread", 2, a, 5, 0);
    rows_add_all(&rs, "w", "fork", 2, b, 5, 0);
    char buf[1024];
    sentence_of(&rs, NULL, buf, sizeof buf);
    assert_string_equal(buf, "w, 2 workers: pthread and fork tie (within "
                             "1.0%, below the threshold).");
    rows_free(&rs);
}

/* A cell without ok rows is named; a workload run by one executor per
 * worker count has no group. */
static void test_no_data_and_single(void **state) {
    (void)state;
    struct rows rs = {0};
    const double a[] = {1.0, 1.01, 0.99, 1.0, 1.02};
    rows_add_all(&rs, "w", "pthread", 2, a, 5, 0);
    rows_add(&rs, "w", "fork", 2, 5.0, 0);
    rs.r[rs.n - 1].m.status = ROW_CRASHED;
    rows_add_all(&rs, "w", "pthread", 4, a, 5, 0);
    char buf[1024];
    sentence_of(&rs, NULL, buf, sizeof buf);
    assert_string_equal(buf, "w, 2 workers: only pthread has ok repetitions "
                             "(1.00 s); fork has no ok repetitions.");
    rows_free(&rs);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_sentence),
        cmocka_unit_test(test_ranking),
        cmocka_unit_test(test_reference_not_bootstrapped),
        cmocka_unit_test(test_versus),
        cmocka_unit_test(test_too_few),
        cmocka_unit_test(test_below_threshold),
        cmocka_unit_test(test_no_data_and_single),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
