/* SPDX-License-Identifier: MIT */
/*
 * test_workload_prime_count.c - the `prime-count` workload against the fake
 * host.  The plugin source is compiled in, so the range split and the
 * reference count can be tested on their own.
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

#include "../../plugins/workloads/prime_count.c"

static const char *const methods[] = {"trial", "sieve"};

/* prefix[n] = primes < n for n <= max, by the plainest sieve there is:
 * the test's own oracle, independent of the plugin. */
static uint32_t *oracle_prefix(uint64_t max) {
    unsigned char *comp = calloc((size_t)max + 1, 1);
    uint32_t *prefix = calloc((size_t)max + 2, sizeof *prefix);
    assert_non_null(comp);
    assert_non_null(prefix);
    for (uint64_t i = 2; i * i <= max; i++)
        if (!comp[i])
            for (uint64_t j = i * i; j <= max; j += i)
                comp[j] = 1;
    for (uint64_t n = 0; n <= max; n++)
        prefix[n + 1] = prefix[n] + (n >= 2 && !comp[n]);
    free(comp);
    return prefix;
}

static void params_for(struct pb_params *ps, uint64_t limit, uint64_t tasks,
                       const char *method) {
    fake_params_init(ps, &pc_desc);
    fake_params_set_uint(ps, "limit", limit);
    fake_params_set_uint(ps, "tasks", tasks);
    fake_params_set_string(ps, "method", method);
}

static struct prime_count *create(uint64_t limit, uint64_t tasks,
                                  const char *method) {
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    params_for(&ps, limit, tasks, method);
    assert_int_equal(pc_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     0);
    pc_ops.begin(state);
    return state;
}

/* Run one task in this thread with its own worker state. */
static struct pb_task_result run_one(struct prime_count *pc, uint64_t task) {
    struct pb_task_ctx ctx = {0};
    struct pb_task_result r = {0, 0, NULL, 0};
    void *ws = NULL;
    char err[256] = "";
    assert_int_equal(pc_ops.worker_init(pc, 0, &ws, err, sizeof err), 0);
    assert_int_equal(pc_ops.run_task(pc, ws, &ctx, task, &r, err, sizeof err),
                     0);
    pc_ops.worker_fini(pc, ws);
    return r;
}

static void run_and_merge_all(struct prime_count *pc) {
    char err[256] = "";
    for (uint64_t t = 0; t < pc->tasks; t++) {
        struct pb_task_result r = run_one(pc, t);
        assert_int_equal(pc_ops.merge(pc, t, &r, err, sizeof err), 0);
    }
}

/* ------------------------------------------------------------------------ */

static void test_descriptor(void **unused) {
    (void)unused;
    const struct pb_plugin *p = parbench_plugin();
    assert_ptr_equal(p, &pc_desc);
    assert_int_equal(p->abi_version, PB_ABI_VERSION);
    assert_int_equal(p->kind, PB_KIND_WORKLOAD);
    assert_string_equal(p->name, "prime-count");
    struct pb_params ps;
    fake_params_init(&ps, p); /* fails the test on a bad table */
    assert_int_equal(fake_host.param_uint(&ps, "limit"), 1000000);
    assert_int_equal(fake_host.param_uint(&ps, "tasks"), 32);
    assert_string_equal(fake_host.param_string(&ps, "method"), "trial");
    /* The table's bounds are the ones the code enforces. */
    assert_int_equal(strtoull(pc_params[0].max, NULL, 10), PC_MAX_LIMIT);
    assert_int_equal(strtoull(pc_params[1].max, NULL, 10), PC_MAX_TASKS);
}

/* limit = 1000000 gives 78498 = 0x132a2, by both methods, for task counts
 * from 1 to more than there are numbers in a task, on 1 to 3 threads. */
static void test_one_million(void **unused) {
    (void)unused;
    static const uint64_t task_counts[] = {1, 7, 32, 1000};
    for (size_t m = 0; m < 2; m++)
        for (size_t i = 0; i < sizeof task_counts / sizeof *task_counts; i++) {
            struct pb_params ps;
            struct fake_outcome o;
            params_for(&ps, 1000000, task_counts[i], methods[m]);
            fake_run(&pc_desc, &ps, NULL, 1 + (unsigned)(i % 3),
                     i % 2 ? PB_SCHEDULE_STATIC : PB_SCHEDULE_DYNAMIC, &o);
            if (o.rc != 0)
                fail_msg("%s, %d tasks: %s", methods[m], (int)task_counts[i],
                         o.error);
            assert_int_equal(o.checksum, 78498);
            assert_int_equal(o.checksum, 0x132a2);
        }
}

static void test_small_limits(void **unused) {
    (void)unused;
    /* limit: primes below it */
    static const uint64_t cases[][2] = {{2, 0},  {3, 1},  {4, 2},
                                        {5, 2},  {6, 3},  {10, 4},
                                        {11, 4}, {12, 5}, {100, 25}};
    static const uint64_t task_counts[] = {1, 2, 3, 100};
    for (size_t m = 0; m < 2; m++)
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
            for (size_t i = 0; i < sizeof task_counts / sizeof *task_counts;
                 i++) {
                struct pb_params ps;
                struct fake_outcome o;
                params_for(&ps, cases[c][0], task_counts[i], methods[m]);
                fake_run(&pc_desc, &ps, NULL, 2, PB_SCHEDULE_DYNAMIC, &o);
                if (o.rc != 0 || o.checksum != cases[c][1])
                    fail_msg("%s, limit %d, %d tasks: %d primes (%s)",
                             methods[m], (int)cases[c][0], (int)task_counts[i],
                             (int)o.checksum, o.error);
            }
}

/* The ranges tile [2, limit) in order, widths differing by at most one. */
static void test_task_ranges(void **unused) {
    (void)unused;
    static const uint64_t cases[][2] = {{2, 1},
                                        {2, 5},
                                        {3, 1},
                                        {3, 4},
                                        {10, 3},
                                        {10, 8},
                                        {10, 100},
                                        {1000000, 32},
                                        {1000003, 7},
                                        {PC_MAX_LIMIT, 1},
                                        {PC_MAX_LIMIT, 3},
                                        {PC_MAX_LIMIT, PC_MAX_TASKS},
                                        {PC_MAX_LIMIT - 1, PC_MAX_TASKS - 1}};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        struct prime_count pc = {0};
        pc.limit = cases[c][0];
        pc.tasks = cases[c][1];
        uint64_t width = pc.limit - 2, expect_lo = 2;
        uint64_t narrow = width / pc.tasks;
        /* Every task of small cases; the first, middle and last of big. */
        uint64_t step = pc.tasks > 1000 ? pc.tasks / 7 : 1;
        for (uint64_t t = 0; t < pc.tasks; t += step) {
            uint64_t lo, hi;
            pc_task_range(&pc, t, &lo, &hi);
            if (step == 1)
                assert_int_equal(lo, expect_lo);
            assert_true(hi >= lo);
            assert_true(hi - lo == narrow || hi - lo == narrow + 1);
            expect_lo = hi;
        }
        uint64_t lo, hi;
        pc_task_range(&pc, pc.tasks - 1, &lo, &hi);
        assert_int_equal(hi, pc.limit);
        if (step == 1)
            assert_int_equal(expect_lo, pc.limit);
    }
}

/* Every task's count, by both methods, against the test's own sieve. */
static void test_per_task_counts(void **unused) {
    (void)unused;
    uint32_t *prefix = oracle_prefix(200000);
    for (size_t m = 0; m < 2; m++) {
        struct prime_count *pc = create(200000, 37, methods[m]);
        for (uint64_t t = 0; t < 37; t++) {
            uint64_t lo, hi;
            pc_task_range(pc, t, &lo, &hi);
            struct pb_task_result r = run_one(pc, t);
            assert_int_equal(r.checksum, prefix[hi] - prefix[lo]);
            assert_int_equal(r.items, hi - lo);
        }
        pc_ops.destroy(pc);
    }
    free(prefix);
}

/* Every task's sieve count against the oracle, with the segment size and
 * population count given (NULL keeps the one create() chose). */
static void check_sieve_tasks(const uint32_t *prefix, uint64_t limit,
                              uint64_t tasks, uint32_t seg_bytes,
                              pc_count_fn popcount) {
    struct prime_count *pc = create(limit, tasks, "sieve");
    if (seg_bytes)
        pc->seg_bytes = seg_bytes;
    if (popcount)
        pc->popcount = popcount;
    uint64_t total = 0;
    for (uint64_t t = 0; t < tasks; t++) {
        uint64_t lo, hi;
        pc_task_range(pc, t, &lo, &hi);
        struct pb_task_result r = run_one(pc, t);
        if (r.checksum != prefix[hi] - prefix[lo])
            fail_msg("limit %llu, %llu tasks, segment %u bytes: [%llu, %llu) "
                     "has %u primes, the sieve says %llu",
                     (unsigned long long)limit, (unsigned long long)tasks,
                     (unsigned)pc->seg_bytes, (unsigned long long)lo,
                     (unsigned long long)hi, prefix[hi] - prefix[lo],
                     (unsigned long long)r.checksum);
        total += r.checksum;
    }
    assert_int_equal(total, prefix[limit]);
    pc_ops.destroy(pc);
}

/* Segments of 1 byte up: every segment edge (a prime's progression
 * carried from one segment to the next, a prime activated in the middle
 * of a task, the last short segment) against the oracle, with both
 * population counts. */
static void test_sieve_segment_edges(void **unused) {
    (void)unused;
    uint32_t *prefix = oracle_prefix(300000);
    static const uint32_t segs[] = {1, 2, 3, 5, 8, 31, 64, 1000, 4097};
    for (size_t i = 0; i < sizeof segs / sizeof *segs; i++) {
        check_sieve_tasks(prefix, 300000, 1, segs[i], NULL);
        check_sieve_tasks(prefix, 300000, 7, segs[i], pc_popcount_generic);
        check_sieve_tasks(prefix, 299999, 13, segs[i], NULL);
    }
    free(prefix);
}

/* Every number as a task boundary: one- and two-number tasks, so every
 * first- and last-byte mask of the wheel, every pre-sieving prime (7..53)
 * and 59 (the first sieving prime) at a range's edge; and every limit up
 * to 250 (eight of the wheel's byte boundaries). */
static void test_sieve_wheel_boundaries(void **unused) {
    (void)unused;
    uint32_t *prefix = oracle_prefix(20000);
    check_sieve_tasks(prefix, 3000, 2998, 0, NULL);
    check_sieve_tasks(prefix, 3001, 1499, 0, NULL);
    check_sieve_tasks(prefix, 12000, 3999, 3, pc_popcount_generic);
    for (uint64_t limit = 2; limit <= 250; limit++) {
        check_sieve_tasks(prefix, limit, 1, 0, NULL);
        check_sieve_tasks(prefix, limit, 3, 1, NULL);
    }
    /* 59^2 = 3481 and 61^2 = 3721 around task and segment edges. */
    for (uint64_t limit = 3470; limit <= 3730; limit++)
        check_sieve_tasks(prefix, limit, 2, 4, NULL);
    free(prefix);
}

/* Limits within a wheel byte either side of one and two whole segments of
 * the size create() chose (the L1 cache's), in one and two tasks. */
static void test_sieve_limits_near_segment_size(void **unused) {
    (void)unused;
    struct prime_count *pc = create(100, 1, "sieve");
    uint64_t seg = pc->seg_bytes;
    pc_ops.destroy(pc);
    uint32_t *prefix = oracle_prefix(60 * seg + 64);
    for (uint64_t k = 1; k <= 2; k++)
        for (uint64_t limit = 30 * k * seg - 31; limit <= 30 * k * seg + 31;
             limit++) {
            check_sieve_tasks(prefix, limit, 1, 0, NULL);
            check_sieve_tasks(prefix, limit, 2, 0, pc_popcount_generic);
        }
    free(prefix);
}

/* Both population counts (the portable one and the one the CPU selects)
 * against a bit-by-bit count, at every length and alignment up to 80. */
static void test_popcounts(void **unused) {
    (void)unused;
    uint8_t bytes[96];
    uint64_t x = 0x243f6a8885a308d3ull;
    for (size_t i = 0; i < sizeof bytes; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        bytes[i] = (uint8_t)(x >> 56);
    }
    struct prime_count *pc = create(100, 1, "sieve");
    for (size_t at = 0; at < 16; at++)
        for (size_t len = 0; len <= 80; len++) {
            uint64_t want = 0;
            for (size_t i = 0; i < len; i++)
                for (unsigned b = 0; b < 8; b++)
                    want += (bytes[at + i] >> b) & 1;
            assert_int_equal(pc_popcount_generic(bytes + at, len), want);
            assert_int_equal(pc->popcount(bytes + at, len), want);
        }
    print_message("population count selected: %s\n", pc->popcount_name);
    pc_ops.destroy(pc);
}

/* Near the largest limit both methods agree on a task's count (the
 * arithmetic stays clear of 2^64 there). */
static void test_methods_agree_near_max(void **unused) {
    (void)unused;
    struct prime_count *trial = create(100000000000ull, PC_MAX_TASKS, "trial");
    struct prime_count *sieve = create(100000000000ull, PC_MAX_TASKS, "sieve");
    struct prime_count *big = create(PC_MAX_LIMIT, PC_MAX_TASKS, "sieve");
    uint64_t tasks[] = {0, PC_MAX_TASKS / 2, PC_MAX_TASKS - 1};
    for (size_t i = 0; i < 3; i++) {
        uint64_t lo, hi;
        pc_task_range(trial, tasks[i], &lo, &hi);
        struct pb_task_result a = run_one(trial, tasks[i]);
        struct pb_task_result b = run_one(sieve, tasks[i]);
        assert_int_equal(a.checksum, b.checksum);
        assert_int_equal(a.items, hi - lo);
        assert_int_equal(b.items, hi - lo);
        if (tasks[i] == 0)
            assert_int_equal(a.checksum, 168); /* primes below 1002 */
        else
            assert_true(a.checksum > 20 && a.checksum < 60);
    }
    /* The last task below 10^12 is [999999990001, 10^12): 337 primes (by
     * Miller-Rabin, outside this code), and sieving it needs every one of
     * the 78497 odd base primes up to 10^6. */
    uint64_t lo, hi;
    pc_task_range(big, PC_MAX_TASKS - 1, &lo, &hi);
    assert_int_equal(lo, 999999990001ull);
    assert_int_equal(hi, PC_MAX_LIMIT);
    struct pb_task_result r = run_one(big, PC_MAX_TASKS - 1);
    assert_int_equal(big->nbase, 78497);
    assert_int_equal(r.items, 9999);
    assert_int_equal(r.checksum, 337);
    pc_ops.destroy(trial);
    pc_ops.destroy(sieve);
    pc_ops.destroy(big);
}

/* The reference in verify() against the test's sieve and known values. */
static void test_reference_pi(void **unused) {
    (void)unused;
    uint32_t *prefix = oracle_prefix(100000);
    for (uint64_t n = 0; n < 100000; n += (n < 3000 ? 1 : 997)) {
        uint64_t pi = 0;
        assert_int_equal(pc_reference_pi(n, &pi), 0);
        if (pi != prefix[n + 1])
            fail_msg("pi(%d) = %d, expected %d", (int)n, (int)pi,
                     (int)prefix[n + 1]);
    }
    free(prefix);
    static const uint64_t known[][2] = {{999999, 78498},
                                        {3999999, 283146},
                                        {10000000, 664579},
                                        {1000000000, 50847534},
                                        {PC_MAX_LIMIT - 1, 37607912018ull}};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
        uint64_t pi = 0;
        assert_int_equal(pc_reference_pi(known[i][0], &pi), 0);
        assert_int_equal(pi, known[i][1]);
    }
}

static void test_missing_task_fails(void **unused) {
    (void)unused;
    struct prime_count *pc = create(1000, 4, "trial");
    char err[256] = "";
    uint64_t sum = 0;
    for (uint64_t t = 1; t < 4; t++) {
        struct pb_task_result r = run_one(pc, t);
        assert_int_equal(pc_ops.merge(pc, t, &r, err, sizeof err), 0);
    }
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), -1);
    /* The core never lets this happen; the ranges' width sees it. */
    assert_string_equal(err, "748 numbers examined for limit 1000, "
                             "expected 998");
    pc_ops.destroy(pc);
}

static void test_wrong_count_fails(void **unused) {
    (void)unused;
    struct prime_count *pc = create(1000000, 8, "trial");
    char err[256] = "";
    uint64_t sum = 0;
    for (uint64_t t = 0; t < 8; t++) {
        struct pb_task_result r = run_one(pc, t);
        if (t == 5)
            r.checksum--;
        assert_int_equal(pc_ops.merge(pc, t, &r, err, sizeof err), 0);
    }
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), -1);
    assert_int_equal(sum, 78497);
    assert_string_equal(err, "prime count 78497 for limit 1000000, "
                             "expected 78498");
    pc_ops.destroy(pc);
}

static void test_wrong_items_fails(void **unused) {
    (void)unused;
    struct prime_count *pc = create(1000, 3, "trial");
    char err[256] = "";
    uint64_t sum = 0;
    for (uint64_t t = 0; t < 3; t++) {
        struct pb_task_result r = run_one(pc, t);
        r.items += t == 1;
        assert_int_equal(pc_ops.merge(pc, t, &r, err, sizeof err), 0);
    }
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), -1);
    assert_string_equal(err,
                        "999 numbers examined for limit 1000, expected 998");
    pc_ops.destroy(pc);
}

static void test_begin_resets(void **unused) {
    (void)unused;
    struct prime_count *pc = create(100, 5, "sieve");
    char err[256] = "";
    uint64_t sum = 0;
    run_and_merge_all(pc);
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), 0);
    assert_int_equal(sum, 25);
    pc_ops.begin(pc);
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), -1);
    run_and_merge_all(pc);
    assert_int_equal(pc_ops.verify(pc, &sum, err, sizeof err), 0);
    assert_int_equal(sum, 25);
    pc_ops.destroy(pc);
}

/* Both methods call checkpoint() while they work, often enough. */
static void test_checkpoints(void **unused) {
    (void)unused;
    for (size_t m = 0; m < 2; m++) {
        struct pb_params ps;
        struct fake_outcome o;
        fake_reset();
        params_for(&ps, 4000000, 32, methods[m]);
        fake_run(&pc_desc, &ps, NULL, 1, PB_SCHEDULE_STATIC, &o);
        assert_int_equal(o.rc, 0);
        assert_int_equal(o.checksum, 283146);
        assert_true(o.checkpoints > 32);
        assert_int_equal(atomic_load(&fake_checkpoints), o.checkpoints);
        print_message("%s: %llu checkpoints in %.1f ms, mean gap %.1f us, "
                      "longest %.1f us\n",
                      methods[m], (unsigned long long)o.checkpoints,
                      (double)o.run_ns / 1e6,
                      (double)o.run_ns / 1e3 / (double)o.checkpoints,
                      (double)o.max_gap_ns / 1e3);
    }
}

/* A task stops at its next checkpoint once the run is cancelled. */
static void test_cancelled_task_stops(void **unused) {
    (void)unused;
    for (size_t m = 0; m < 2; m++) {
        struct prime_count *pc = create(4000000, 1, methods[m]);
        struct pb_task_ctx ctx = {0};
        struct pb_task_result r = {0, 0, NULL, 0};
        char err[256] = "";
        fake_reset();
        fake_set_cancelled(1);
        assert_int_equal(
            pc_ops.run_task(pc, NULL, &ctx, 0, &r, err, sizeof err), -1);
        assert_non_null(strstr(err, "cancelled"));
        assert_int_equal(ctx.checkpoints, 1);
        fake_reset();
        pc_ops.destroy(pc);
    }
}

static void test_create_rejects_bad_values(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    params_for(&ps, 1, 1, "trial");
    assert_int_equal(pc_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "limit = 1"));
    params_for(&ps, 100, 0, "trial");
    assert_int_equal(pc_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "tasks = 0"));
    params_for(&ps, 100, 1, "wheel");
    assert_int_equal(pc_ops.create(&fake_host, &ps, &state, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "method = wheel"));
    assert_null(state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_one_million),
        cmocka_unit_test(test_small_limits),
        cmocka_unit_test(test_task_ranges),
        cmocka_unit_test(test_per_task_counts),
        cmocka_unit_test(test_sieve_segment_edges),
        cmocka_unit_test(test_sieve_wheel_boundaries),
        cmocka_unit_test(test_sieve_limits_near_segment_size),
        cmocka_unit_test(test_popcounts),
        cmocka_unit_test(test_methods_agree_near_max),
        cmocka_unit_test(test_reference_pi),
        cmocka_unit_test(test_missing_task_fails),
        cmocka_unit_test(test_wrong_count_fails),
        cmocka_unit_test(test_wrong_items_fails),
        cmocka_unit_test(test_begin_resets),
        cmocka_unit_test(test_checkpoints),
        cmocka_unit_test(test_cancelled_task_stops),
        cmocka_unit_test(test_create_rejects_bad_values),
    };
    return cmocka_run_group_tests_name("workload prime-count", tests, NULL,
                                       NULL);
}
