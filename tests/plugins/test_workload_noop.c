/* SPDX-License-Identifier: MIT */
/*
 * test_workload_noop.c - the `noop` workload against the fake host.  The
 * plugin source is compiled in, so its static helpers are reachable.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

#include "../../plugins/workloads/noop.c"

/* A created state with `tasks` tasks, and every task's result. */
struct noop_fixture {
    struct pb_params params;
    void *state;
    uint64_t tasks;
    struct pb_task_result *res;
};

static void fixture_make(struct noop_fixture *f, uint64_t tasks) {
    char err[256] = "";
    fake_reset();
    fake_params_init(&f->params, &noop_desc);
    fake_params_set_uint(&f->params, "tasks", tasks);
    assert_int_equal(
        noop_ops.create(&fake_host, &f->params, &f->state, err, sizeof err), 0);
    f->tasks = noop_ops.task_count(f->state);
    assert_int_equal(f->tasks, tasks);
    noop_ops.begin(f->state);
    f->res = calloc((size_t)tasks, sizeof *f->res);
    assert_non_null(f->res);
    struct pb_task_ctx ctx = {0};
    for (uint64_t t = 0; t < tasks; t++)
        assert_int_equal(noop_ops.run_task(f->state, NULL, &ctx, t, &f->res[t],
                                           err, sizeof err),
                         0);
}

static void fixture_free(struct noop_fixture *f) {
    noop_ops.destroy(f->state);
    free(f->res);
}

static void merge_all(struct noop_fixture *f) {
    char err[256] = "";
    for (uint64_t t = 0; t < f->tasks; t++)
        assert_int_equal(
            noop_ops.merge(f->state, t, &f->res[t], err, sizeof err), 0);
}

/* ------------------------------------------------------------------------ */

static void test_descriptor(void **unused) {
    (void)unused;
    const struct pb_plugin *p = parbench_plugin();
    assert_ptr_equal(p, &noop_desc);
    assert_int_equal(p->abi_version, PB_ABI_VERSION);
    assert_int_equal(p->kind, PB_KIND_WORKLOAD);
    assert_string_equal(p->name, "noop");
    assert_non_null(p->workload);
    assert_null(p->executor);
    struct pb_params ps;
    fake_params_init(&ps, p); /* fails the test on a bad table */
    assert_int_equal(ps.n, 1);
    assert_int_equal(fake_host.param_uint(&ps, "tasks"), 8);
}

static void test_default_run_on_threads(void **unused) {
    (void)unused;
    struct pb_params ps;
    struct fake_outcome o;
    fake_params_init(&ps, &noop_desc);
    fake_run(&noop_desc, &ps, NULL, 2, PB_SCHEDULE_DYNAMIC, &o);
    assert_int_equal(o.rc, 0);
    assert_int_equal(o.tasks, 8);
    assert_int_equal(o.checksum, 36); /* 1 + 2 + ... + 8 */
}

static void test_task_counts(void **unused) {
    (void)unused;
    static const uint64_t counts[] = {1, 2, 7, 1000, 65537};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        struct pb_params ps;
        struct fake_outcome o;
        fake_params_init(&ps, &noop_desc);
        fake_params_set_uint(&ps, "tasks", counts[i]);
        fake_run(&noop_desc, &ps, NULL, 3, PB_SCHEDULE_STATIC, &o);
        assert_int_equal(o.rc, 0);
        assert_int_equal(o.checksum, counts[i] * (counts[i] + 1) / 2);
    }
}

static void test_result_shape(void **unused) {
    (void)unused;
    struct noop_fixture f;
    fixture_make(&f, 5);
    for (uint64_t t = 0; t < 5; t++) {
        assert_int_equal(f.res[t].checksum, t + 1);
        assert_int_equal(f.res[t].items, 1);
        assert_null(f.res[t].payload);
    }
    fixture_free(&f);
}

static void test_closed_form(void **unused) {
    (void)unused;
    uint64_t sum = 0;
    for (uint64_t n = 1; n <= 100000; n++) {
        sum += noop_task_checksum(n - 1);
        assert_int_equal(noop_closed_form(n), sum);
    }
    /* Wraps modulo 2^64: 2^32 (2^33 + 1) = 2^65 + 2^32 = 2^32 (mod 2^64). */
    assert_int_equal(noop_closed_form(UINT64_C(1) << 33), UINT64_C(1) << 32);
    /* The largest task count: 1e8 (1e8 + 1) / 2. */
    assert_int_equal(noop_closed_form(100000000), UINT64_C(5000000050000000));
}

static void test_missing_task_fails(void **unused) {
    (void)unused;
    struct noop_fixture f;
    char err[256] = "";
    uint64_t sum = 0;
    fixture_make(&f, 10);
    for (uint64_t t = 0; t < 10; t++)
        if (t != 6)
            assert_int_equal(
                noop_ops.merge(f.state, t, &f.res[t], err, sizeof err), 0);
    /* The core never lets this happen; the sum sees it anyway. */
    assert_int_equal(noop_ops.verify(f.state, &sum, err, sizeof err), -1);
    assert_string_equal(err, "checksum 0x30 for 10 tasks, expected 0x37");
    fixture_free(&f);
}

static void test_wrong_checksum_fails(void **unused) {
    (void)unused;
    struct noop_fixture f;
    char err[256] = "";
    uint64_t sum = 0;
    fixture_make(&f, 8);
    f.res[5].checksum += 1;
    merge_all(&f);
    assert_int_equal(noop_ops.verify(f.state, &sum, err, sizeof err), -1);
    assert_int_equal(sum, 37);
    assert_string_equal(err, "checksum 0x25 for 8 tasks, expected 0x24");
    fixture_free(&f);
}

static void test_out_of_range_merge_fails(void **unused) {
    (void)unused;
    struct noop_fixture f;
    char err[256] = "";
    fixture_make(&f, 3);
    assert_int_equal(noop_ops.merge(f.state, 3, &f.res[0], err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "there are 3 tasks"));
    fixture_free(&f);
}

static void test_begin_resets(void **unused) {
    (void)unused;
    struct noop_fixture f;
    char err[256] = "";
    uint64_t sum = 0;
    fixture_make(&f, 9);
    merge_all(&f);
    assert_int_equal(noop_ops.verify(f.state, &sum, err, sizeof err), 0);
    assert_int_equal(sum, 45);
    noop_ops.begin(f.state);
    assert_int_equal(noop_ops.verify(f.state, &sum, err, sizeof err), -1);
    assert_int_equal(sum, 0);
    merge_all(&f); /* the sum starts from zero again */
    assert_int_equal(noop_ops.verify(f.state, &sum, err, sizeof err), 0);
    assert_int_equal(sum, 45);
    fixture_free(&f);
}

static void test_create_rejects_bad_tasks(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    fake_params_init(&ps, &noop_desc);
    fake_params_set_uint(&ps, "tasks", 0);
    assert_int_equal(noop_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "tasks = 0"));
    fake_params_set_uint(&ps, "tasks", NOOP_MAX_TASKS + 1ull);
    assert_int_equal(noop_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     -1);
    assert_null(state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_default_run_on_threads),
        cmocka_unit_test(test_task_counts),
        cmocka_unit_test(test_result_shape),
        cmocka_unit_test(test_closed_form),
        cmocka_unit_test(test_missing_task_fails),
        cmocka_unit_test(test_wrong_checksum_fails),
        cmocka_unit_test(test_out_of_range_merge_fails),
        cmocka_unit_test(test_begin_resets),
        cmocka_unit_test(test_create_rejects_bad_tasks),
    };
    return cmocka_run_group_tests_name("workload noop", tests, NULL, NULL);
}
