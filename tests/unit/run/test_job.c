/* SPDX-License-Identifier: MIT */
/*
 * test_job.c - the core's worker loop and result messages: static and
 * dynamic claims, in-process results, messages through io->send delivered
 * to the coordinator, and the failures a coordinator must notice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "run/host.h"
#include "run/job.h"
#include "util/clock.h"
#include "util/errors.h"

/* A workload whose task t answers t * 10 and returns 4 payload bytes. */
struct tw {
    uint64_t tasks;
    uint64_t merged_sum, merged_count;
    unsigned ran_on[64]; /* worker that ran each task */
    unsigned char payload[64][4];
    int fail_task; /* -1: none */
    int last_payload_ok;
};

static uint64_t tw_count(const void *s) {
    return ((const struct tw *)s)->tasks;
}

static int tw_run(void *s, void *ws, struct pb_task_ctx *ctx, uint64_t task,
                  struct pb_task_result *out, char *err, size_t errlen) {
    struct tw *w = s;
    (void)ws;
    if ((int)task == w->fail_task) {
        snprintf(err, errlen, "boom");
        return -1;
    }
    w->ran_on[task] = job_task_worker(ctx);
    memset(w->payload[task], (int)task, 4);
    out->checksum = task * 10;
    out->items = 1;
    out->payload = w->payload[task];
    out->payload_size = 4;
    return 0;
}

static int tw_merge(void *s, uint64_t task, const struct pb_task_result *r,
                    char *err, size_t errlen) {
    struct tw *w = s;
    (void)err;
    (void)errlen;
    const unsigned char *p = r->payload;
    w->last_payload_ok = r->payload_size == 4 && p[0] == (unsigned char)task &&
                         p[3] == (unsigned char)task;
    w->merged_sum += r->checksum;
    w->merged_count++;
    return 0;
}

static int tw_verify(void *s, uint64_t *sum, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    *sum = ((struct tw *)s)->merged_sum;
    return 0;
}

static void tw_destroy(void *s) { (void)s; }

static const struct pb_workload_ops tw_ops = {
    .size = sizeof(struct pb_workload_ops),
    .task_count = tw_count,
    .run_task = tw_run,
    .merge = tw_merge,
    .verify = tw_verify,
    .destroy = tw_destroy,
};

static struct host_instance hi;

/* The job's first failure text, "" if none. */
static const char *job_error(const struct pb_job *job) {
    const char *e;
    job_status(job, &e);
    return e;
}

static uint64_t job_ipc(const struct pb_job *job) {
    struct job_totals t;
    job_totals(job, &t);
    return t.ipc_bytes;
}

static int setup(void **state) {
    (void)state;
    host_init(&hi, "test");
    return 0;
}

/* A job over w; the test frees it. */
static struct pb_job *tw_job(struct tw *w, unsigned workers,
                             enum pb_schedule schedule) {
    struct pb_job *job = job_new(&hi.host, &tw_ops, w, workers, schedule);
    assert_non_null(job);
    return job;
}

/* job_finish fails the job with status `failed` (1 failed, 2 crashed) and
 * the text `error`. */
static void expect_failure(struct pb_job *job, int failed, const char *error) {
    assert_int_equal(job_finish(job), PB_ETASK);
    assert_int_equal(job_status(job, NULL), failed);
    assert_string_equal(job_error(job), error);
}

static void test_static_in_process(void **state) {
    (void)state;
    struct tw w = {.tasks = 7, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 3, PB_SCHEDULE_STATIC);
    for (unsigned k = 0; k < 3; k++)
        assert_int_equal(job_worker_loop(job, k, NULL), 0);
    assert_int_equal(job_finish(job), 0);
    /* static: task t runs on worker t mod 3 */
    for (unsigned t = 0; t < 7; t++)
        assert_int_equal(w.ran_on[t], t % 3);
    assert_int_equal(w.merged_count, 7);
    assert_int_equal(w.merged_sum, 210);
    assert_int_equal(job_worker_info(job, 0)->tasks_run, 3);
    assert_int_equal(job_worker_info(job, 2)->tasks_run, 2);
    assert_true(job_worker_info(job, 1)->reported &&
                job_worker_info(job, 1)->ready_ns > 0);
    assert_int_equal(job_ipc(job), 0);
    job_free(job);
}

static void test_dynamic_one_task_many_workers(void **state) {
    (void)state;
    struct tw w = {.tasks = 1, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 8, PB_SCHEDULE_DYNAMIC);
    for (unsigned k = 0; k < 8; k++)
        assert_int_equal(job_worker_loop(job, k, NULL), 0);
    assert_int_equal(job_finish(job), 0);
    assert_int_equal(w.merged_count, 1);
    assert_int_equal(job_worker_info(job, 0)->tasks_run, 1);
    for (unsigned k = 1; k < 8; k++) {
        assert_int_equal(job_worker_info(job, k)->tasks_run, 0);
        assert_true(job_worker_info(job, k)->reported);
    }
    job_free(job);
}

/* --- messages through io->send, as a process executor moves them ------ */

struct wire {
    unsigned char buf[8192];
    size_t used;
    size_t starts[64];
    size_t lens[64];
    size_t count;
};

static int wire_send(void *ctx, const void *head, size_t hl, const void *body,
                     size_t bl) {
    struct wire *w = ctx;
    if (w->used + hl + bl > sizeof w->buf || w->count == 64)
        return -1;
    w->starts[w->count] = w->used;
    memcpy(w->buf + w->used, head, hl);
    if (bl)
        memcpy(w->buf + w->used + hl, body, bl);
    w->used += hl + bl;
    w->lens[w->count++] = hl + bl;
    return 0;
}

static void test_messages_round_trip(void **state) {
    (void)state;
    struct tw w = {.tasks = 5, .fail_task = -1};
    struct wire wire = {.count = 0};
    struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
    struct pb_job *job = tw_job(&w, 2, PB_SCHEDULE_DYNAMIC);
    assert_int_equal(job_worker_loop(job, 0, &io), 0);
    assert_int_equal(job_worker_loop(job, 1, &io), 0);
    /* 5 results + 2 final reports */
    assert_int_equal(wire.count, 7);
    for (size_t i = 0; i < wire.count; i++) {
        assert_int_equal(
            job_deliver(job, wire.buf + wire.starts[i], wire.lens[i]), 0);
        if (i < 5)
            assert_true(w.last_payload_ok);
    }
    assert_int_equal(job_finish(job), 0);
    assert_int_equal(w.merged_sum, 100);
    assert_int_equal(job_ipc(job), wire.used);
    assert_int_equal(job_worker_info(job, 0)->tasks_run, 5);
    assert_true(job_worker_info(job, 1)->reported);
    job_free(job);
}

static void test_malformed_and_duplicate(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = -1};
    struct wire wire = {.count = 0};
    struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), 0);
    /* truncated message */
    assert_int_equal(job_deliver(job, wire.buf, 10), PB_EINVAL);
    assert_int_equal(job_status(job, NULL), 2);
    assert_non_null(strstr(job_error(job), "malformed worker message"));
    job_free(job);

    w.merged_count = 0;
    job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_deliver(job, wire.buf, wire.lens[0]), 0);
    assert_int_equal(job_deliver(job, wire.buf, wire.lens[0]), 0);
    assert_int_equal(job_status(job, NULL), 1);
    assert_string_equal(job_error(job), "task 0 produced two results");
    job_free(job);
}

/* --- the exactly-once check on in-process results ---------------------- */

/* io->claim of a broken executor: hands out script[0 .. n-1] in turn,
 * then nothing.  No io->send: the results stay in-process. */
struct script {
    const uint64_t *tasks;
    unsigned n, next;
};

static int script_claim(void *ctx, unsigned worker, uint64_t *task) {
    struct script *sc = ctx;
    (void)worker;
    if (sc->next == sc->n)
        return 0;
    *task = sc->tasks[sc->next++];
    return 1;
}

/* A claim that hands out task 0 twice: the second result fails the job
 * instead of overwriting the first. */
static void test_duplicate_in_process(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = -1};
    static const uint64_t twice[] = {0, 0};
    struct script sc = {twice, 2, 0};
    struct pb_worker_io io = {.ctx = &sc, .claim = script_claim};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), PB_ETASK);
    expect_failure(job, 1, "task 0 produced two results");
    assert_int_equal(w.merged_count, 0); /* nothing was merged */
    job_free(job);
}

/* An executor that runs worker 0's loop twice: the second call is refused
 * as the executor's bug, runs no task, and the first call's results
 * stand. */
static void test_worker_loop_twice_in_process(void **state) {
    (void)state;
    struct tw w = {.tasks = 4, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 2, PB_SCHEDULE_STATIC);
    job_set_executor(job, "buggy", NULL);
    assert_int_equal(job_worker_loop(job, 0, NULL), 0);
    assert_int_equal(job_worker_loop(job, 1, NULL), 0);
    assert_int_equal(job_worker_loop(job, 0, NULL), PB_EINVAL);
    expect_failure(job, 1,
                   "worker 0: executor buggy called worker_loop a second "
                   "time for this worker; an executor calls it once per "
                   "worker and repetition");
    assert_int_equal(job_worker_info(job, 0)->tasks_run, 2);
    job_free(job);
}

/* The check holds across processes: a forked child that ran worker 0's
 * loop marks it in the job's shared page.  The child sends its results,
 * as every worker process does (the coordinator's own tables are not
 * mapped in it: coord_table). */
static int discard_send(void *ctx, const void *head, size_t hl,
                        const void *body, size_t bl) {
    (void)ctx;
    (void)head;
    (void)hl;
    (void)body;
    (void)bl;
    return 0;
}

static void test_worker_loop_twice_across_fork(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct pb_worker_io io = {.ctx = NULL, .send = discard_send};
        _exit(job_worker_loop(job, 0, &io) == 0 ? 0 : 1);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    assert_int_equal(job_worker_loop(job, 0, NULL), PB_EINVAL);
    expect_failure(job, 1,
                   "worker 0: executor (unknown) called worker_loop a second "
                   "time for this worker; an executor calls it once per "
                   "worker and repetition");
    job_free(job);
}

/* A result delivered by message for a task that already has an in-process
 * result is a duplicate too: one check for both ways. */
static void test_duplicate_mixed(void **state) {
    (void)state;
    struct tw w = {.tasks = 1, .fail_task = -1};
    struct wire wire = {.count = 0};
    struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), 0); /* on the wire */
    struct pb_job *job2 = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job2, 0, NULL), 0); /* in-process */
    assert_int_equal(job_deliver(job2, wire.buf, wire.lens[0]), 0);
    assert_int_equal(job_status(job2, NULL), 1);
    assert_string_equal(job_error(job2), "task 0 produced two results");
    job_free(job2);
    job_free(job);
}

/* A claim hook that hands out a task past the end fails the job instead
 * of writing past the job's table. */
static void test_claim_out_of_range(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = -1};
    static const uint64_t far[] = {1000};
    struct script sc = {far, 1, 0};
    struct pb_worker_io io = {.ctx = &sc, .claim = script_claim};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), PB_EINVAL);
    expect_failure(job, 1,
                   "worker 0, task 1000: the claim "
                   "returned a task that does not exist");
    job_free(job);
}

/* A worker whose final report never arrives fails the job as a crash. */
static void test_worker_never_reported(void **state) {
    (void)state;
    struct tw w = {.tasks = 1, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 2, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, NULL), 0);
    expect_failure(job, 2, "worker 1 never reported back");
    job_free(job);
}

static void test_missing_result(void **state) {
    (void)state;
    struct tw w = {.tasks = 3, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 2, PB_SCHEDULE_STATIC);
    /* worker 1 never runs: task 1 has no result */
    assert_int_equal(job_worker_loop(job, 0, NULL), 0);
    assert_int_equal(job_finish(job), PB_ETASK);
    assert_string_equal(job_error(job), "task 1 produced no result");
    job_free(job);
}

static void test_task_failure_stops_workers(void **state) {
    (void)state;
    struct tw w = {.tasks = 6, .fail_task = 0};
    struct pb_job *job = tw_job(&w, 2, PB_SCHEDULE_DYNAMIC);
    assert_int_equal(job_worker_loop(job, 0, NULL), PB_ETASK);
    assert_int_equal(job_worker_loop(job, 1, NULL), 0);
    assert_int_equal(job_worker_info(job, 1)->tasks_run,
                     0); /* stopped by the failure */
    assert_int_equal(job_finish(job), PB_ETASK);
    assert_int_equal(job_status(job, NULL), 1);
    assert_string_equal(job_error(job), "worker 0, task 0: boom");
    job_free(job);
}

static void test_failure_message_through_send(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = 1};
    struct wire wire = {.count = 0};
    struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), PB_ETASK);
    for (size_t i = 0; i < wire.count; i++)
        job_deliver(job, wire.buf + wire.starts[i], wire.lens[i]);
    assert_int_equal(job_status(job, NULL), 1);
    assert_string_equal(job_error(job), "worker 0, task 1: boom");
    job_free(job);
}

/* io->send of a transport that refuses the results (tw's payloads are 4
 * bytes; failure texts are longer), as a frame writer refuses a frame over
 * PB_FRAME_MAX. */
static int picky_send(void *ctx, const void *head, size_t hl, const void *body,
                      size_t bl) {
    if (bl == 4)
        return -1;
    return wire_send(ctx, head, hl, body, bl);
}

/* A result that cannot be sent fails the task with a message that says
 * so, not a bare "produced no result" at the end. */
static void test_unsendable_result(void **state) {
    (void)state;
    struct tw w = {.tasks = 2, .fail_task = -1};
    struct wire wire = {.count = 0};
    struct pb_worker_io io = {.ctx = &wire, .send = picky_send};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    assert_int_equal(job_worker_loop(job, 0, &io), PB_EIO);
    for (size_t i = 0; i < wire.count; i++)
        job_deliver(job, wire.buf + wire.starts[i], wire.lens[i]);
    expect_failure(job, 1,
                   "worker 0, task 0: its result (4 bytes of payload) "
                   "could not be sent to the coordinator");
    job_free(job);
}

/* A job of `workers` workers whose loops all ran in this thread, as
 * processes would, their messages sent over a wire and delivered. */

/* job_set_pause: how often sampling stopped and restarted the rest. */
static int pauses[2];
static void count_pause(void *ctx, int paused) {
    (void)ctx;
    /* Alternating: a stop, then a restart. */
    assert_int_equal(pauses[0] - pauses[1], paused ? 0 : 1);
    pauses[paused ? 0 : 1]++;
}

/* A job of `workers` whose messages are delivered after `helper` (a pid,
 * or 0) was registered with job_helper_pid and memory set to `memory`:
 * the last final report samples memory then. */
static struct pb_job *sampled_job(struct tw *w, unsigned workers, pid_t helper,
                                  int memory) {
    static struct wire wire;
    wire.count = wire.used = 0;
    struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
    struct pb_job *job = tw_job(w, workers, PB_SCHEDULE_STATIC);
    job_set_memory(job, memory);
    pauses[0] = pauses[1] = 0;
    job_set_pause(job, count_pause, NULL);
    if (helper > 0) {
        job_helper_pid(job, helper);
        job_helper_pid(job, helper); /* counts once */
    }
    for (unsigned i = 0; i < workers; i++)
        assert_int_equal(job_worker_loop(job, i, &io), 0);
    for (size_t i = 0; i < wire.count; i++)
        assert_int_equal(
            job_deliver(job, wire.buf + wire.starts[i], wire.lens[i]), 0);
    return job;
}

static struct pb_job *delivered_job(struct tw *w, unsigned workers) {
    return sampled_job(w, workers, 0, 1);
}

/* job_helper_pid: a helper process's memory is read by the core with the
 * workers' (and the coordinator's), once, with the pause hook around the
 * reading; with memory off nothing is. */
static void test_helper_pid(void **state) {
    (void)state;
    int gate[2];
    assert_int_equal(pipe(gate), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        char b;
        close(gate[1]);
        (void)read(gate[0], &b, 1);
        _exit(0);
    }
    close(gate[0]);
    struct tw w = {.tasks = 4, .fail_task = -1};
    struct job_totals t;
    struct pb_job *job = sampled_job(&w, 2, 0, 1);
    job_totals(job, &t);
    assert_true(t.coord_pss_kib > 0);
    /* The counters were stopped around the one reading, and restarted. */
    assert_int_equal(pauses[0], 1);
    assert_int_equal(pauses[1], 1);
    assert_int_equal(t.helpers_pss_kib, 0);
    job_free(job);

    job = sampled_job(&w, 2, child, 1);
    job_totals(job, &t);
    assert_true(t.helpers_pss_kib > 0);
    assert_true(t.helpers_uss_kib > 0);
    /* Read once: not twice a process's whole Pss. */
    struct job_smaps sm;
    assert_int_equal(job_read_smaps(child, &sm), 0);
    assert_true(t.helpers_pss_kib < 2 * sm.pss_kib);
    job_free(job);

    job = sampled_job(&w, 2, child, 0);
    job_totals(job, &t);
    assert_int_equal(t.coord_pss_kib, 0);
    assert_int_equal(pauses[0], 0); /* nothing read, nothing paused */
    assert_int_equal(t.helpers_pss_kib, 0);
    job_free(job);

    close(gate[1]);
    assert_int_equal(waitpid(child, NULL, 0), child);
}

/* job_self_usage: what processes measured of themselves (MPI ranks)
 * reaches the totals: CPU time and context switches summed, the largest
 * peak RSS, a worker's Pss as its own reading, a helper's added. */
static void test_self_usage(void **state) {
    (void)state;
    struct tw w = {.tasks = 4, .fail_task = -1};
    struct pb_job *job = delivered_job(&w, 2);
    struct rusage r0 = {.ru_utime = {1, 500000},
                        .ru_nvcsw = 3,
                        .ru_minflt = 40,
                        .ru_majflt = 1,
                        .ru_maxrss = 5000};
    struct rusage r1 = {
        .ru_stime = {0, 250000}, .ru_nivcsw = 2, .ru_maxrss = 7000};
    struct rusage root = {.ru_utime = {0, 100000}, .ru_maxrss = 9000};
    job_self_usage(job, 0, &r0, 1000);
    job_self_usage(job, 1, &r1, 2000);
    job_self_usage(job, PB_NO_WORKER, &root, 300);
    assert_int_equal(job_finish(job), 0);
    struct job_totals t;
    job_totals(job, &t);
    assert_float_equal(t.self_user_s, 1.6, 1e-9);
    assert_float_equal(t.self_sys_s, 0.25, 1e-9);
    assert_int_equal(t.self_nvcsw, 3);
    assert_int_equal(t.self_nivcsw, 2);
    assert_int_equal(t.self_minflt, 40);
    assert_int_equal(t.self_majflt, 1);
    assert_int_equal(t.workers_pss_kib, 3000);
    assert_int_equal(t.helpers_pss_kib, 300);
    assert_int_equal(t.max_worker_rss_kib, 9000);
    assert_true(job_worker_info(job, 1)->self_measured);
    job_free(job);
}

/* job_self_uss: the USS of processes that measured themselves is summed,
 * a worker's as its own reading, a helper's added; one process without
 * a USS makes the sum unknown. */
static void test_self_uss(void **state) {
    (void)state;
    struct tw w = {.tasks = 4, .fail_task = -1};
    struct pb_job *job = delivered_job(&w, 2);
    struct rusage ru = {.ru_maxrss = 100};
    job_self_usage(job, 0, &ru, 1000);
    job_self_uss(job, 0, 600);
    job_self_usage(job, 1, &ru, 2000);
    job_self_uss(job, 1, 700);
    job_self_usage(job, PB_NO_WORKER, &ru, 300);
    struct job_totals t;
    job_totals(job, &t);
    assert_true(t.self_uss_unknown); /* the helper passed none yet */
    job_self_uss(job, PB_NO_WORKER, 80);
    assert_int_equal(job_finish(job), 0);
    job_totals(job, &t);
    assert_false(t.self_uss_unknown);
    assert_int_equal(t.workers_uss_kib, 1300);
    assert_int_equal(t.helpers_uss_kib, 80);
    job_free(job);
}

/* job_set_clock_offset: a worker on another host reports its ready time
 * on the coordinator's clock (startup_s); without it, on its own. */
static void test_clock_offset(void **state) {
    (void)state;
    const int64_t offset = 1000000000000000LL; /* ~11.6 days ahead */
    for (int shifted = 0; shifted < 2; shifted++) {
        struct tw w = {.tasks = 2, .fail_task = -1};
        struct wire wire = {.count = 0};
        struct pb_worker_io io = {.ctx = &wire, .send = wire_send};
        struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
        if (shifted)
            job_set_clock_offset(job, offset);
        uint64_t before = clock_mono_ns();
        assert_int_equal(job_worker_loop(job, 0, &io), 0);
        uint64_t after = clock_mono_ns();
        for (size_t i = 0; i < wire.count; i++)
            assert_int_equal(
                job_deliver(job, wire.buf + wire.starts[i], wire.lens[i]), 0);
        uint64_t ready = job_worker_info(job, 0)->ready_ns;
        uint64_t add = shifted ? (uint64_t)offset : 0;
        assert_true(ready >= before + add && ready <= after + add);
        assert_int_equal(job_finish(job), 0);
        job_free(job);
    }
}

/* job_process_host: each host once, whatever the number of ranks on it;
 * long names are cut, not overrun. */
static void test_process_host(void **state) {
    (void)state;
    struct tw w = {.tasks = 1, .fail_task = -1};
    struct pb_job *job = tw_job(&w, 1, PB_SCHEDULE_STATIC);
    const struct meta_host *hosts;
    assert_int_equal(job_hosts(job, &hosts), 0);
    job_process_host(job, "a", "Model X", 4);
    job_process_host(job, "b", "Model X", 4);
    job_process_host(job, "a", "Model X", 4);
    char longname[200];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    job_process_host(job, longname, NULL, 2);
    assert_int_equal(job_hosts(job, &hosts), 3);
    assert_string_equal(hosts[0].name, "a");
    assert_string_equal(hosts[1].name, "b");
    assert_int_equal(hosts[1].cores, 4);
    assert_int_equal(strlen(hosts[2].name), sizeof hosts[2].name - 1);
    assert_string_equal(hosts[2].cpu_model, "");
    job_free(job);
}

/* USS is Private_Clean + Private_Dirty; Pss is not confused with
 * Pss_Anon and friends; a missing field counts 0. */
static void test_parse_smaps(void **state) {
    (void)state;
    struct job_smaps sm;
    job_parse_smaps("55a0-7ffd ---p 00000000 00:00 0 [rollup]\n"
                    "Rss:                2000 kB\n"
                    "Pss:                1500 kB\n"
                    "Pss_Anon:            900 kB\n"
                    "Shared_Clean:        400 kB\n"
                    "Private_Clean:       300 kB\n"
                    "Private_Dirty:       700 kB\n",
                    &sm);
    assert_int_equal(sm.pss_kib, 1500);
    assert_int_equal(sm.uss_kib, 1000);
    job_parse_smaps("Rss: 5 kB\n", &sm);
    assert_int_equal(sm.pss_kib, 0);
    assert_int_equal(sm.uss_kib, 0);
    assert_int_equal(job_read_smaps(0, &sm), 0);
    assert_true(sm.uss_kib > 0 && sm.pss_kib > 0);
    assert_int_equal(job_read_smaps(999999999, &sm), -1);
}

static void test_read_pss(void **state) {
    (void)state;
    /* Our own process has a non-zero proportional set size. */
    assert_true(job_read_pss_kib(0) > 0);
    assert_true(job_read_pss_kib(getpid()) > 0);
    assert_int_equal(job_read_pss_kib(999999999), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_static_in_process),
        cmocka_unit_test(test_dynamic_one_task_many_workers),
        cmocka_unit_test(test_messages_round_trip),
        cmocka_unit_test(test_malformed_and_duplicate),
        cmocka_unit_test(test_duplicate_in_process),
        cmocka_unit_test(test_worker_loop_twice_in_process),
        cmocka_unit_test(test_worker_loop_twice_across_fork),
        cmocka_unit_test(test_duplicate_mixed),
        cmocka_unit_test(test_claim_out_of_range),
        cmocka_unit_test(test_worker_never_reported),
        cmocka_unit_test(test_missing_result),
        cmocka_unit_test(test_task_failure_stops_workers),
        cmocka_unit_test(test_failure_message_through_send),
        cmocka_unit_test(test_unsendable_result),
        cmocka_unit_test(test_self_usage),
        cmocka_unit_test(test_helper_pid),
        cmocka_unit_test(test_self_uss),
        cmocka_unit_test(test_process_host),
        cmocka_unit_test(test_clock_offset),
        cmocka_unit_test(test_read_pss),
        cmocka_unit_test(test_parse_smaps),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
