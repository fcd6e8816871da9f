/* SPDX-License-Identifier: MIT */
/*
 * test_executor_serial.c - the `serial` executor against the fake host.
 * The executor's source is compiled in; the workloads it drives are the
 * built plugins (workload-noop.so, workload-prime-count.so) loaded from
 * PB_PLUGIN_DIR the way the core loads them.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "fake_host.h"

#include "../../plugins/executors/serial.c"

static const struct pb_plugin *noop, *prime;

static int load_workloads(void **unused) {
    (void)unused;
    noop = fake_load_plugin("workload-noop.so");
    prime = fake_load_plugin("workload-prime-count.so");
    return 0;
}

static int unload_workloads(void **unused) {
    (void)unused;
    fake_unload_all();
    return 0;
}

static void test_descriptor(void **unused) {
    (void)unused;
    const struct pb_plugin *p = parbench_plugin();
    assert_ptr_equal(p, &serial_desc);
    assert_int_equal(p->abi_version, PB_ABI_VERSION);
    assert_int_equal(p->kind, PB_KIND_EXECUTOR);
    assert_string_equal(p->name, "serial");
    assert_true(p->flags & PB_EXEC_SINGLE_WORKER);
    assert_null(p->params);
    assert_non_null(p->executor->check);
}

static void test_check_accepts_one_worker_only(void **unused) {
    (void)unused;
    struct pb_params none = {0};
    char err[256] = "";
    assert_int_equal(serial_ops.check(&fake_host, &none, 1, err, sizeof err),
                     0);
    assert_int_equal(serial_ops.check(&fake_host, &none, 2, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "exactly one worker, not 2"));
    assert_int_equal(serial_ops.check(&fake_host, &none, 0, err, sizeof err),
                     -1);
}

/* The worker loop runs in the calling thread. */
static pthread_t loop_thread;

static int record_thread_claim(void *ctx, unsigned worker, uint64_t *task) {
    (void)ctx;
    (void)worker;
    (void)task;
    loop_thread = pthread_self();
    return 0;
}

static void test_runs_in_calling_thread(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    fake_params_init(&ps, noop);
    assert_int_equal(
        noop->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    struct pb_job *job =
        fake_job_new(noop->workload, state, 1, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    assert_int_equal(serial_ops.run(&fake_host, &ps, job, err, sizeof err), 0);
    assert_int_equal(atomic_load(&job->loop_calls[0]), 1);
    assert_int_equal(atomic_load(&job->loops_done), 1);
    fake_job_free(job);
    noop->workload->destroy(state);

    /* Seen from inside the loop: a claim hook records its thread. */
    static const struct pb_worker_io io = {
        NULL, record_thread_claim, NULL, NULL, NULL, NULL};
    assert_int_equal(
        noop->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    job = fake_job_new(noop->workload, state, 1, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    fake_host.worker_loop(job, 0, &io);
    assert_true(pthread_equal(loop_thread, pthread_self()));
    fake_job_free(job);
    noop->workload->destroy(state);
}

static void test_run_rejects_two_workers(void **unused) {
    (void)unused;
    struct pb_params ps;
    struct fake_outcome o;
    void *state = NULL;
    char err[256] = "";
    fake_params_init(&ps, noop);
    fake_run(noop, &ps, &serial_desc, 2, PB_SCHEDULE_STATIC, &o);
    assert_int_equal(o.rc, -1);
    assert_non_null(strstr(o.error, "check: the serial executor runs exactly "
                                    "one worker, not 2"));
    /* run() itself refuses too, and runs nothing. */
    assert_int_equal(
        noop->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    struct pb_job *job =
        fake_job_new(noop->workload, state, 2, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    assert_int_equal(serial_ops.run(&fake_host, &ps, job, err, sizeof err), -1);
    assert_non_null(strstr(err, "not 2"));
    assert_int_equal(atomic_load(&job->loops_done), 0);
    fake_job_free(job);
    noop->workload->destroy(state);
}

static void test_noop(void **unused) {
    (void)unused;
    static const uint64_t counts[] = {1, 7, 1000};
    for (size_t i = 0; i < 3; i++)
        for (int s = 0; s < 2; s++) {
            struct pb_params ps;
            struct fake_outcome o;
            fake_params_init(&ps, noop);
            fake_params_set_uint(&ps, "tasks", counts[i]);
            fake_run(noop, &ps, &serial_desc, 1, (enum pb_schedule)s, &o);
            if (o.rc != 0)
                fail_msg("%d tasks: %s", (int)counts[i], o.error);
            assert_int_equal(o.checksum, counts[i] * (counts[i] + 1) / 2);
        }
}

static void test_prime_count(void **unused) {
    (void)unused;
    static const char *const methods[] = {"trial", "sieve"};
    for (int m = 0; m < 2; m++) {
        struct pb_params ps;
        struct fake_outcome o;
        fake_params_init(&ps, prime);
        fake_params_set_string(&ps, "method", methods[m]);
        fake_run(prime, &ps, &serial_desc, 1, PB_SCHEDULE_DYNAMIC, &o);
        if (o.rc != 0)
            fail_msg("%s: %s", methods[m], o.error);
        assert_int_equal(o.checksum, 0x132a2);
        assert_true(o.checkpoints > 0);
    }
}

/* A task failure is the job's business: run() still returns 0. */
static void test_task_failure_is_recorded_not_returned(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    uint64_t sum = 0;
    fake_reset();
    fake_params_init(&ps, prime);
    assert_int_equal(
        prime->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    struct pb_job *job =
        fake_job_new(prime->workload, state, 1, PB_SCHEDULE_DYNAMIC);
    assert_non_null(job);
    fake_set_cancelled(1); /* every prime-count task now fails */
    assert_int_equal(serial_ops.run(&fake_host, &ps, job, err, sizeof err), 0);
    fake_reset();
    assert_int_equal(fake_job_finish(job, &sum, err, sizeof err), -1);
    assert_non_null(strstr(err, "cancelled"));
    fake_job_free(job);
    prime->workload->destroy(state);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_check_accepts_one_worker_only),
        cmocka_unit_test(test_runs_in_calling_thread),
        cmocka_unit_test(test_run_rejects_two_workers),
        cmocka_unit_test(test_noop),
        cmocka_unit_test(test_prime_count),
        cmocka_unit_test(test_task_failure_is_recorded_not_returned),
    };
    return cmocka_run_group_tests_name("executor serial", tests, load_workloads,
                                       unload_workloads);
}
