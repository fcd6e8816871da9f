/* SPDX-License-Identifier: MIT */
/*
 * test_workload_matrix_mult.c - the `matrix-mult` workload against the fake
 * host.  The plugin source is compiled in, so the kernels, the verification
 * and the memory check can be tested on their own.
 *
 * Payload paths: merging a task's own pointer is what threads do (C written
 * in place), and what the fake host's worker loop does too: like the core,
 * it keeps each payload pointer until the merge at the end of the
 * repetition.  verify_with_copied_payloads merges copies, which is what the
 * coordinator does with results that crossed a process boundary.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_host.h"

#include "../../plugins/workloads/matrix_mult.c"

static struct matrix_mult *create(uint64_t n, uint64_t tasks, uint64_t seed) {
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    fake_params_init(&ps, &mm_desc);
    fake_params_set_uint(&ps, "n", n);
    fake_params_set_uint(&ps, "tasks", tasks);
    fake_params_set_uint(&ps, "seed", seed);
    assert_int_equal(mm_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     0);
    mm_ops.begin(state);
    return state;
}

/* Select kernel number k of mm_kernels; 0 if this CPU cannot run it (the
 * test then skips it: every kernel the CPU supports, and always the
 * portable one, is tested). */
static int use_kernel(struct matrix_mult *mm, size_t k) {
    if (mm_use_kernel(mm, mm_kernels[k].name) < 0)
        return 0;
    assert_string_equal(mm->kernel, mm_kernels[k].name);
    return 1;
}

/* Run one task in this thread; the result's payload points into C. */
static struct pb_task_result run_one(struct matrix_mult *mm, uint64_t task) {
    struct pb_task_ctx ctx = {0};
    struct pb_task_result r = {0, 0, NULL, 0};
    void *ws = NULL;
    char err[256] = "";
    assert_int_equal(mm_ops.worker_init(mm, 0, &ws, err, sizeof err), 0);
    assert_int_equal(mm_ops.run_task(mm, ws, &ctx, task, &r, err, sizeof err),
                     0);
    mm_ops.worker_fini(mm, ws);
    return r;
}

/* Run and merge every task in place (as threads do); verify's result. */
static int run_all_in_place(struct matrix_mult *mm, uint64_t *checksum,
                            char *err, size_t errlen) {
    for (uint64_t t = 0; t < mm->tasks; t++) {
        struct pb_task_result r = run_one(mm, t);
        assert_int_equal(mm_ops.merge(mm, t, &r, err, errlen), 0);
    }
    return mm_ops.verify(mm, checksum, err, errlen);
}

/* Worker threads through the fake host (payload pointers kept until the
 * merge, as between threads in the core); returns the checksum, failing
 * the test if anything failed. */
static uint64_t run_threads(struct matrix_mult *mm, unsigned workers) {
    struct pb_job *job =
        fake_job_new(&mm_ops, mm, workers, PB_SCHEDULE_DYNAMIC);
    assert_non_null(job);
    assert_int_equal(fake_drive_threads(job), 0);
    uint64_t checksum = 0;
    char err[512] = "";
    int rc = fake_job_finish(job, &checksum, err, sizeof err);
    if (rc != 0)
        fail_msg("n = %" PRIu64 ", tasks = %" PRIu64 ", %u workers: %s", mm->n,
                 mm->tasks, workers, err);
    fake_job_free(job);
    return checksum;
}

/* The test's own oracle: the plainest triple loop in long double, from
 * entries regenerated element by element. */
static long double *naive_product(uint64_t n, uint64_t seed) {
    double *a = malloc(n * n * sizeof *a), *b = malloc(n * n * sizeof *b);
    long double *c = calloc(n * n, sizeof *c);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    for (uint64_t i = 0; i < n * n; i++) {
        a[i] = mm_entry(seed, 0, i);
        b[i] = mm_entry(seed, 1, i);
    }
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t j = 0; j < n; j++) {
            long double s = 0;
            for (uint64_t k = 0; k < n; k++)
                s += (long double)a[i * n + k] * b[k * n + j];
            c[i * n + j] = s;
        }
    free(a);
    free(b);
    return c;
}

/* Every element of mm->c within n eps (|A||B|)_ij <= n^2 eps of the
 * oracle (entries are in [-1, 1)). */
static void assert_matches_oracle(const struct matrix_mult *mm) {
    long double *ref = naive_product(mm->n, mm->seed);
    double tol = (double)mm->n * (double)mm->n * DBL_EPSILON;
    for (uint64_t i = 0; i < mm->n * mm->n; i++) {
        double d = fabs((double)(mm->c[i] - ref[i]));
        if (!(d <= tol))
            fail_msg("n = %" PRIu64 ", %s kernel: C[%" PRIu64 "][%" PRIu64
                     "] = %.17g, expected %.17Lg",
                     mm->n, mm->kernel, i / mm->n, i % mm->n, mm->c[i], ref[i]);
    }
    free(ref);
}

/* ------------------------------------------------------------------------ */

/* Odd sizes, every kernel, task by task and on the fake host's worker
 * threads: every element matches the oracle and verify accepts. */
static void test_odd_sizes_match_naive(void **st) {
    (void)st;
    static const uint64_t sizes[] = {1, 7, 23, 25, 97, 130};
    for (size_t k = 0; k < MM_NKERNELS; k++)
        for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
            uint64_t n = sizes[s];
            struct matrix_mult *mm = create(n, 3, 42 + n);
            if (!use_kernel(mm, k)) {
                mm_ops.destroy(mm);
                continue;
            }
            uint64_t sum = 0;
            char err[256] = "";
            if (run_all_in_place(mm, &sum, err, sizeof err) != 0)
                fail_msg("n = %" PRIu64 ": %s", n, err);
            assert_matches_oracle(mm);

            memset(mm->c, 0, n * n * sizeof *mm->c); /* must be refilled */
            mm_ops.begin(mm);
            assert_int_equal(run_threads(mm, 2), sum);
            assert_matches_oracle(mm);
            mm_ops.destroy(mm);
        }
}

/* A size past one KC, MC and NC block in every direction, with a ragged
 * edge, against the oracle. */
static void test_blocks_and_edges(void **st) {
    (void)st;
    uint64_t n = MM_NC + 3; /* > NC, > KC, > MC; n % MR, n % NR != 0 */
    struct matrix_mult *mm = create(n, 2, 5);
    uint64_t sum = 0;
    char err[256] = "";
    if (run_all_in_place(mm, &sum, err, sizeof err) != 0)
        fail_msg("%s", err);
    /* Spot-check rows against a direct dot product (the full oracle would
     * take too long at this size). */
    static const uint64_t rows[] = {0, 5, 6, MM_MC, MM_NC + 2};
    double tol = (double)n * (double)n * DBL_EPSILON;
    for (size_t r = 0; r < sizeof rows / sizeof *rows; r++)
        for (uint64_t j = 0; j < n; j += 97) {
            uint64_t i = rows[r];
            long double s = 0;
            for (uint64_t k = 0; k < n; k++)
                s += (long double)mm_entry(5, 0, i * n + k) *
                     mm_entry(5, 1, k * n + j);
            if (!(fabs((double)(mm->c[i * n + j] - s)) <= tol))
                fail_msg("C[%" PRIu64 "][%" PRIu64 "] = %.17g, expected %.17Lg",
                         i, j, mm->c[i * n + j], s);
        }
    mm_ops.destroy(mm);
}

/* The fused multiply-add tiles (AVX-512 24 x 8, AVX2 6 x 8) compute every
 * element as the same chain of FMAs in order of k, so C is bit for bit the
 * same, past a KC block and with ragged edges; and every kernel the CPU
 * runs is checked against the oracle on a size past one MC block. */
static void test_kernels_agree(void **st) {
    (void)st;
    const uint64_t n = MM_KC + MM_MC + 5;
    uint64_t fma_hash = 0;
    const char *fma_first = NULL;
    for (size_t k = 0; k < MM_NKERNELS; k++) {
        struct matrix_mult *mm = create(n, 5, 3);
        if (!use_kernel(mm, k)) {
            print_message("kernel %s: not on this CPU, skipped\n",
                          mm_kernels[k].name);
            mm_ops.destroy(mm);
            continue;
        }
        uint64_t sum = 0;
        char err[256] = "";
        if (run_all_in_place(mm, &sum, err, sizeof err) != 0)
            fail_msg("%s: %s", mm->kernel, err);
        assert_matches_oracle(mm);
        print_message("kernel %s: checksum 0x%" PRIx64 "\n", mm->kernel, sum);
        if (strcmp(mm->kernel, "generic") != 0) {
            if (!fma_first) {
                fma_first = mm->kernel;
                fma_hash = sum;
            } else if (sum != fma_hash) {
                fail_msg("%s and %s differ: 0x%" PRIx64 " != 0x%" PRIx64,
                         mm->kernel, fma_first, sum, fma_hash);
            }
        }
        mm_ops.destroy(mm);
    }
}

/* Both implementations of the hash agree at every length and start (the
 * AVX-512 one, when the CPU has it, does 8 elements at a time and the
 * rest one by one). */
static void test_hash_implementations_agree(void **st) {
    (void)st;
    double v[3 * 41];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++)
        v[i] = mm_entry(9, 0, i);
    for (uint64_t n = 1; n <= 41; n++)
        for (uint64_t r0 = 0; r0 < 3; r0++)
            for (uint64_t r1 = r0; r1 <= 3; r1++) {
                uint64_t want = mm_hash_rows_generic(v + r0 * n, n, r0, r1);
                assert_int_equal(mm_hash_rows(v + r0 * n, n, r0, r1), want);
#ifdef MM_HAVE_X86
                if (__builtin_cpu_supports("avx512f") &&
                    __builtin_cpu_supports("avx512dq"))
                    assert_int_equal(mm_hash_rows_avx512(v + r0 * n, n, r0, r1),
                                     want);
#endif
            }
}

/* The checksum is the same for any split and worker count, and changes
 * with the seed. */
static void test_checksum_independent_of_split(void **st) {
    (void)st;
    static const uint64_t splits[] = {1, 2, 3, 16, 97, 130};
    for (size_t k = 0; k < MM_NKERNELS; k++) {
        uint64_t first = 0;
        for (size_t s = 0; s < sizeof splits / sizeof *splits; s++)
            for (unsigned w = 1; w <= 3; w++) {
                struct matrix_mult *mm = create(97, splits[s], 7);
                if (!use_kernel(mm, k)) {
                    mm_ops.destroy(mm);
                    continue;
                }
                uint64_t sum = run_threads(mm, w);
                if (s == 0 && w == 1)
                    first = sum;
                else if (sum != first)
                    fail_msg("%s kernel, tasks = %" PRIu64 ", %u workers: "
                             "checksum 0x%" PRIx64 " != 0x%" PRIx64,
                             mm->kernel, splits[s], w, sum, first);
                mm_ops.destroy(mm);
            }
    }
    struct matrix_mult *mm = create(97, 4, 8);
    assert_int_not_equal(run_threads(mm, 2), 0);
    uint64_t other = mm_hash_rows(mm->c, 97, 0, 97);
    mm_ops.destroy(mm);
    mm = create(97, 4, 7);
    assert_int_not_equal(run_threads(mm, 2), other);
    mm_ops.destroy(mm);
}

/* tasks > n: the extra tasks have no rows, an empty payload, no items. */
static void test_more_tasks_than_rows(void **st) {
    (void)st;
    struct matrix_mult *mm = create(7, 10, 1);
    uint64_t rows = 0, items = 0;
    char err[256] = "";
    for (uint64_t t = 0; t < 10; t++) {
        uint64_t r0, r1;
        mm_task_rows(mm, t, &r0, &r1);
        assert_true(r0 <= r1 && r1 <= 7);
        assert_int_equal(r0, rows); /* contiguous, in order */
        rows = r1;
        struct pb_task_result r = run_one(mm, t);
        assert_int_equal(r.payload_size, (r1 - r0) * 7 * sizeof(double));
        assert_int_equal(r.items, 2 * (r1 - r0) * 7 * 7);
        if (t >= 7) {
            assert_null(r.payload);
            assert_int_equal(r.payload_size, 0);
        }
        items += r.items;
        assert_int_equal(mm_ops.merge(mm, t, &r, err, sizeof err), 0);
    }
    assert_int_equal(rows, 7);
    assert_int_equal(items, 2 * 7 * 7 * 7);
    uint64_t sum;
    assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), 0);
    assert_int_equal(sum, mm_hash_rows(mm->c, 7, 0, 7));
    mm_ops.destroy(mm);
}

/* Payload copies as a process boundary makes them: `how` 0 leaves the
 * copy alone, 1 adds 1.0 to one element, 2 flips its lowest mantissa bit.
 * Returns verify's result with the message in err. */
static int verify_with_copied_payloads(int how, char *err, size_t errlen) {
    struct matrix_mult *mm = create(97, 5, 3);
    uint64_t sum = 0;
    int rc = 0;
    for (uint64_t t = 0; t < mm->tasks; t++) {
        struct pb_task_result r = run_one(mm, t);
        double *copy = malloc(r.payload_size);
        assert_non_null(copy);
        memcpy(copy, r.payload, r.payload_size);
        if (t == 2 && how == 1)
            copy[40] += 1.0;
        if (t == 2 && how == 2) {
            uint64_t bits;
            memcpy(&bits, &copy[40], sizeof bits);
            bits ^= 1;
            memcpy(&copy[40], &bits, sizeof bits);
        }
        r.payload = copy;
        assert_int_equal(mm_ops.merge(mm, t, &r, err, errlen), 0);
        free(copy); /* merge copied what it needed */
    }
    rc = mm_ops.verify(mm, &sum, err, errlen);
    mm_ops.destroy(mm);
    return rc;
}

static void test_corrupted_payload_detected(void **st) {
    (void)st;
    char err[256] = "";
    assert_int_equal(verify_with_copied_payloads(0, err, sizeof err), 0);

    err[0] = '\0';
    assert_int_equal(verify_with_copied_payloads(1, err, sizeof err), -1);
    assert_non_null(strstr(err, "Freivalds' check failed in row"));

    err[0] = '\0';
    assert_int_equal(verify_with_copied_payloads(2, err, sizeof err), -1);
    assert_non_null(strstr(err, "a payload changed on the way"));
}

/* A wrong product whose hash matches (the worker itself computed it wrong)
 * is caught by Freivalds alone, wherever the error is. */
static void test_wrong_product_fails_freivalds(void **st) {
    (void)st;
    static const uint64_t where[] = {0, 130 * 7 + 3, 130 * 130 - 1};
    for (size_t w = 0; w < sizeof where / sizeof *where; w++) {
        struct matrix_mult *mm = create(130, 4, 9);
        uint64_t sum;
        char err[256] = "";
        assert_int_equal(run_all_in_place(mm, &sum, err, sizeof err), 0);
        mm->c[where[w]] *= 1.0 + 1e-6;
        mm->hash = mm_hash_rows(mm->c, 130, 0, 130);
        assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), -1);
        assert_non_null(strstr(err, "Freivalds"));
        char row[32];
        snprintf(row, sizeof row, "row %" PRIu64 " ", where[w] / 130);
        assert_non_null(strstr(err, row));

        mm->c[where[w]] = NAN;
        mm->hash = mm_hash_rows(mm->c, 130, 0, 130);
        assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), -1);
        mm_ops.destroy(mm);
    }
}

/* merge refuses sizes that do not match the task and unknown tasks;
 * verify sees a missing task in the operation count (the core merges every
 * task exactly once, so this is only a second line). */
static void test_merge_and_verify_bookkeeping(void **st) {
    (void)st;
    struct matrix_mult *mm = create(20, 4, 1);
    char err[256] = "";
    struct pb_task_result r = run_one(mm, 1);
    struct pb_task_result bad = r;
    bad.payload_size -= sizeof(double);
    assert_int_equal(mm_ops.merge(mm, 1, &bad, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected 800"));
    bad = r;
    bad.payload = NULL;
    assert_int_equal(mm_ops.merge(mm, 1, &bad, err, sizeof err), -1);
    assert_int_equal(mm_ops.merge(mm, 4, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "there are 4 tasks"));
    uint64_t sum;

    mm_ops.begin(mm);
    for (uint64_t t = 0; t < 3; t++) {
        struct pb_task_result x = run_one(mm, t);
        assert_int_equal(mm_ops.merge(mm, t, &x, err, sizeof err), 0);
    }
    assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), -1);
    assert_non_null(strstr(err, "12000 floating-point operations"));
    struct pb_task_result x = run_one(mm, 3);
    assert_int_equal(mm_ops.merge(mm, 3, &x, err, sizeof err), 0);
    assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), 0);

    mm_ops.begin(mm); /* a task that claims no work */
    for (uint64_t t = 0; t < 4; t++) {
        struct pb_task_result y = run_one(mm, t);
        if (t == 3)
            y.items = 0;
        assert_int_equal(mm_ops.merge(mm, t, &y, err, sizeof err), 0);
    }
    assert_int_equal(mm_ops.verify(mm, &sum, err, sizeof err), -1);
    assert_non_null(strstr(err, "floating-point operations"));
    mm_ops.destroy(mm);
}

/* The memory check: the message names n, what is needed and available,
 * and a size that fits; an unknown amount (0) is accepted. */
static void test_memory_check(void **st) {
    (void)st;
    char err[512] = "";
    uint64_t gib = 1024ull * 1024 * 1024;
    assert_int_equal(mm_check_memory(8192, 2, 4 * gib, err, sizeof err), 0);
    assert_int_equal(mm_check_memory(65536, 2, 0, err, sizeof err), 0);
    assert_int_equal(mm_check_memory(65536, 2, 4 * gib, err, sizeof err), -1);
    assert_non_null(strstr(err, "n = 65536 needs 96.0 GiB"));
    assert_non_null(strstr(err, "4.0 GiB is available"));
    assert_non_null(strstr(err, "MemAvailable"));
    const char *fit = strstr(err, "choose n <= ");
    assert_non_null(fit);
    uint64_t m = strtoull(fit + strlen("choose n <= "), NULL, 10);
    assert_true(m > 1000 && m < 65536);
    assert_true(mm_memory_needed(m, 2) <= 4 * gib);
    assert_true(mm_memory_needed(m * 17 / 16, 2) > 4 * gib);

    /* Through the op, on this machine: n = 1 always fits. */
    struct pb_params ps;
    fake_params_init(&ps, &mm_desc);
    fake_params_set_uint(&ps, "n", 1);
    assert_int_equal(mm_ops.check(&fake_host, &ps, err, sizeof err), 0);
}

/* Checkpoints come at the documented pace of work (counted, not timed),
 * and a cancelled run stops at the next one. */
static void test_checkpoints_and_cancel(void **st) {
    (void)st;
    for (size_t k = 0; k < MM_NKERNELS; k++) {
        struct matrix_mult *mm = create(256, 1, 1);
        if (!use_kernel(mm, k)) {
            mm_ops.destroy(mm);
            continue;
        }
        fake_reset();
        (void)run_one(mm, 0);
        uint64_t flops = 2ull * 256 * 256 * 256;
        uint64_t step = 2ull * MM_MC * mm->nr * MM_KC; /* largest unit */
        uint64_t got = atomic_load(&fake_checkpoints);
        assert_true(got >= (flops - mm->checkpoint_flops) /
                               (mm->checkpoint_flops + step));
        assert_true(got <= flops / mm->checkpoint_flops);

        struct pb_task_ctx ctx = {0};
        struct pb_task_result r;
        char err[256] = "";
        fake_set_cancelled(1);
        assert_int_equal(
            mm_ops.run_task(mm, NULL, &ctx, 0, &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "cancelled"));
        fake_reset();
        mm_ops.destroy(mm);
    }
}

/* The plugin as the core loads it: one name, the parameters of docs/design.md,
 * and a run through the serial and pthread executors. */
static void test_built_plugin_with_executors(void **st) {
    (void)st;
    const struct pb_plugin *wl = fake_load_plugin("workload-matrix-mult.so");
    assert_string_equal(wl->name, "matrix-mult");
    assert_non_null(wl->workload->check);
    struct pb_params ps;
    fake_params_init(&ps, wl);
    fake_params_set_uint(&ps, "n", 130);
    fake_params_set_uint(&ps, "tasks", 9);
    struct fake_outcome out;
    fake_run(wl, &ps, fake_load_plugin("executor-serial.so"), 1,
             PB_SCHEDULE_DYNAMIC, &out);
    if (out.rc != 0)
        fail_msg("serial: %s", out.error);
    uint64_t serial = out.checksum;
    for (unsigned w = 1; w <= 3; w++) {
        fake_run(wl, &ps, fake_load_plugin("executor-pthread.so"), w,
                 PB_SCHEDULE_STATIC, &out);
        if (out.rc != 0)
            fail_msg("pthread, %u workers: %s", w, out.error);
        assert_int_equal(out.checksum, serial);
    }
    fake_unload_all();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_odd_sizes_match_naive),
        cmocka_unit_test(test_blocks_and_edges),
        cmocka_unit_test(test_kernels_agree),
        cmocka_unit_test(test_hash_implementations_agree),
        cmocka_unit_test(test_checksum_independent_of_split),
        cmocka_unit_test(test_more_tasks_than_rows),
        cmocka_unit_test(test_corrupted_payload_detected),
        cmocka_unit_test(test_wrong_product_fails_freivalds),
        cmocka_unit_test(test_merge_and_verify_bookkeeping),
        cmocka_unit_test(test_memory_check),
        cmocka_unit_test(test_checkpoints_and_cancel),
        cmocka_unit_test(test_built_plugin_with_executors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
