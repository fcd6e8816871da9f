/* SPDX-License-Identifier: MIT */
/*
 * test_executor_pthread.c - the `pthread` executor against the fake host.
 * The executor's source is compiled in, with pthread_create routed through
 * a wrapper that can fail on cue; the workloads it drives are the built
 * plugins loaded from PB_PLUGIN_DIR the way the core loads them.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "fake_host.h"

/* pthread_create for the executor: the `fail_at`-th call (1-based; 0 =
 * never) fails with EAGAIN instead of starting a thread. */
static _Atomic unsigned create_calls, fail_at;

static int wrapped_pthread_create(pthread_t *t, const pthread_attr_t *attr,
                                  void *(*fn)(void *), void *arg) {
    unsigned n = atomic_fetch_add(&create_calls, 1) + 1;
    if (n == atomic_load(&fail_at))
        return EAGAIN;
    return pthread_create(t, attr, fn, arg);
}

/* The threads are started by threads.c, shared with the gil executor. */
#define pthread_create wrapped_pthread_create
#include "../../plugins/executors/threads.c"
#undef pthread_create
#include "../../plugins/executors/pthread.c"

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

static int reset_wrapper(void **unused) {
    (void)unused;
    atomic_store(&create_calls, 0);
    atomic_store(&fail_at, 0);
    fake_reset();
    return 0;
}

static void test_descriptor(void **unused) {
    (void)unused;
    const struct pb_plugin *p = parbench_plugin();
    assert_ptr_equal(p, &pt_desc);
    assert_int_equal(p->abi_version, PB_ABI_VERSION);
    assert_int_equal(p->kind, PB_KIND_EXECUTOR);
    assert_string_equal(p->name, "pthread");
    assert_int_equal(p->flags & PB_EXEC_SINGLE_WORKER, 0);
    /* lifetime = repetition | cell, with a pool's create and destroy. */
    assert_string_equal(p->params[0].name, "lifetime");
    assert_string_equal(p->params[0].def, "repetition");
    assert_null(p->params[1].name);
    assert_non_null(p->executor->run);
    assert_non_null(p->executor->create);
    assert_non_null(p->executor->destroy);
}

/* noop: 1 task on 8 workers, 7 on 3, 1000 on 2, both schedules.  The fake
 * job checks that every worker loop ran once and every task once. */
static void test_noop_shapes(void **unused) {
    (void)unused;
    static const struct {
        uint64_t tasks;
        unsigned workers;
    } shapes[] = {{1, 8}, {7, 3}, {1000, 2}, {8, 1}, {100000, 4}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++)
        for (int s = 0; s < 2; s++) {
            struct pb_params ps;
            struct fake_outcome o;
            atomic_store(&create_calls, 0);
            fake_params_init(&ps, noop);
            fake_params_set_uint(&ps, "tasks", shapes[i].tasks);
            fake_run(noop, &ps, &pt_desc, shapes[i].workers,
                     (enum pb_schedule)s, &o);
            if (o.rc != 0)
                fail_msg("%d tasks on %u workers: %s", (int)shapes[i].tasks,
                         shapes[i].workers, o.error);
            assert_int_equal(o.checksum,
                             shapes[i].tasks * (shapes[i].tasks + 1) / 2);
            assert_int_equal(atomic_load(&create_calls), shapes[i].workers);
        }
}

static void test_prime_count(void **unused) {
    (void)unused;
    static const char *const methods[] = {"trial", "sieve"};
    static const unsigned workers[] = {1, 2, 3, 8};
    for (int m = 0; m < 2; m++)
        for (size_t w = 0; w < 4; w++) {
            struct pb_params ps;
            struct fake_outcome o;
            fake_params_init(&ps, prime);
            fake_params_set_string(&ps, "method", methods[m]);
            fake_params_set_uint(&ps, "tasks", w == 3 ? 5 : 32);
            fake_run(prime, &ps, &pt_desc, workers[w],
                     w % 2 ? PB_SCHEDULE_STATIC : PB_SCHEDULE_DYNAMIC, &o);
            if (o.rc != 0)
                fail_msg("%s on %u workers: %s", methods[m], workers[w],
                         o.error);
            assert_int_equal(o.checksum, 78498);
        }
}

/* A host whose worker_loop notes the thread each worker runs on. */
#define SPY_WORKERS 4
static struct pb_host spy_host;
static pthread_t spy_thread[SPY_WORKERS];
static _Atomic unsigned spy_calls, spy_io_given;

static int spy_worker_loop(struct pb_job *job, unsigned worker,
                           const struct pb_worker_io *io) {
    if (worker < SPY_WORKERS)
        spy_thread[worker] = pthread_self();
    atomic_fetch_add(&spy_calls, 1);
    if (io)
        atomic_fetch_add(&spy_io_given, 1);
    return fake_host.worker_loop(job, worker, io);
}

/* Each worker index runs once, on its own thread, never the caller's. */
static void test_one_thread_per_worker(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    uint64_t sum = 0;
    spy_host = fake_host;
    spy_host.worker_loop = spy_worker_loop;
    atomic_store(&spy_calls, 0);
    atomic_store(&spy_io_given, 0);
    fake_params_init(&ps, noop);
    fake_params_set_uint(&ps, "tasks", 100);
    assert_int_equal(
        noop->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    struct pb_job *job =
        fake_job_new(noop->workload, state, SPY_WORKERS, PB_SCHEDULE_DYNAMIC);
    assert_non_null(job);
    assert_int_equal(pt_ops.run(&spy_host, &ps, job, err, sizeof err), 0);
    assert_int_equal(atomic_load(&spy_calls), SPY_WORKERS);
    assert_int_equal(atomic_load(&spy_io_given), 0);
    for (unsigned i = 0; i < SPY_WORKERS; i++) {
        assert_false(pthread_equal(spy_thread[i], pthread_self()));
        for (unsigned j = 0; j < i; j++)
            assert_false(pthread_equal(spy_thread[i], spy_thread[j]));
    }
    assert_int_equal(fake_job_finish(job, &sum, err, sizeof err), 0);
    assert_int_equal(sum, 5050);
    fake_job_free(job);
    noop->workload->destroy(state);
}

/* pthread_create fails for the third of five workers: run() returns the
 * error with strerror text, after joining the two it started. */
static void test_create_failure_part_way(void **unused) {
    (void)unused;
    struct pb_params ps;
    void *state = NULL;
    char err[256] = "";
    fake_params_init(&ps, prime);
    fake_params_set_uint(&ps, "tasks", 8);
    assert_int_equal(
        prime->workload->create(&fake_host, &ps, &state, err, sizeof err), 0);
    struct pb_job *job =
        fake_job_new(prime->workload, state, 5, PB_SCHEDULE_DYNAMIC);
    assert_non_null(job);
    atomic_store(&fail_at, 3);
    assert_int_equal(pt_ops.run(&fake_host, &ps, job, err, sizeof err), -1);
    assert_int_equal(atomic_load(&create_calls), 3);
    assert_non_null(strstr(err, "worker thread 2 of 5"));
    assert_non_null(strstr(err, strerror(EAGAIN)));
    /* Both started workers have finished: run() waited for them. */
    assert_int_equal(atomic_load(&job->loops_done), 2);
    assert_int_equal(atomic_load(&job->loop_calls[0]), 1);
    assert_int_equal(atomic_load(&job->loop_calls[1]), 1);
    assert_int_equal(atomic_load(&job->loop_calls[2]), 0);
    fake_job_free(job);
    prime->workload->destroy(state);
}

static void test_create_failure_first(void **unused) {
    (void)unused;
    struct pb_params ps;
    struct fake_outcome o;
    fake_params_init(&ps, noop);
    atomic_store(&fail_at, 1);
    fake_run(noop, &ps, &pt_desc, 3, PB_SCHEDULE_STATIC, &o);
    assert_int_equal(o.rc, -1);
    assert_non_null(strstr(o.error, "worker thread 0 of 3"));
    assert_non_null(strstr(o.error, "the 0 already started were joined"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_descriptor, reset_wrapper),
        cmocka_unit_test_setup(test_noop_shapes, reset_wrapper),
        cmocka_unit_test_setup(test_prime_count, reset_wrapper),
        cmocka_unit_test_setup(test_one_thread_per_worker, reset_wrapper),
        cmocka_unit_test_setup(test_create_failure_part_way, reset_wrapper),
        cmocka_unit_test_setup(test_create_failure_first, reset_wrapper),
    };
    return cmocka_run_group_tests_name("executor pthread", tests,
                                       load_workloads, unload_workloads);
}
