/* SPDX-License-Identifier: MIT */
/*
 * test_fake_host.c - the fake host is as strict as the core, so that a
 * plugin test fails where a real run would: a task with two results fails
 * the job, and a payload is merged from the workload's own pointer at the
 * end of the repetition (not from a copy taken when the task ended), so a
 * workload that reuses a payload buffer merges the wrong bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fake_host.h"

/* A workload whose task t answers payload = t (8 bytes).  `reuse` selects
 * where the payload lives: one scratch buffer that the next task
 * overwrites (a breach of the payload contract), or each task's own entry
 * of own[]. */
#define TASKS 4

struct pw {
    int reuse;
    uint64_t own[TASKS];
    uint64_t scratch;
    uint64_t merged;
};

static uint64_t pw_count(const void *s) {
    (void)s;
    return TASKS;
}

static int pw_run(void *s, void *ws, struct pb_task_ctx *ctx, uint64_t task,
                  struct pb_task_result *out, char *err, size_t errlen) {
    struct pw *w = s;
    (void)ws;
    (void)ctx;
    (void)err;
    (void)errlen;
    uint64_t *p = w->reuse ? &w->scratch : &w->own[task];
    *p = task;
    out->checksum = task;
    out->items = 1;
    out->payload = p;
    out->payload_size = sizeof *p;
    return 0;
}

static int pw_merge(void *s, uint64_t task, const struct pb_task_result *r,
                    char *err, size_t errlen) {
    struct pw *w = s;
    uint64_t v;
    memcpy(&v, r->payload, sizeof v);
    if (v != task) {
        snprintf(err, errlen, "payload %llu for task %llu",
                 (unsigned long long)v, (unsigned long long)task);
        return -1;
    }
    w->merged++;
    return 0;
}

static int pw_verify(void *s, uint64_t *sum, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    *sum = ((struct pw *)s)->merged;
    return 0;
}

static void pw_destroy(void *s) { (void)s; }

static const struct pb_workload_ops pw_ops = {
    .size = sizeof(struct pb_workload_ops),
    .task_count = pw_count,
    .run_task = pw_run,
    .merge = pw_merge,
    .verify = pw_verify,
    .destroy = pw_destroy,
};

/* A job over w for `workers` workers; the test frees it. */
static struct pb_job *pw_job(struct pw *w, unsigned workers) {
    struct pb_job *job = fake_job_new(&pw_ops, w, workers, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    return job;
}

/* fake_job_finish's result; its message in err ("" when it passed). */
static int pw_finish(struct pb_job *job, uint64_t *sum, char *err,
                     size_t errlen) {
    err[0] = '\0';
    *sum = 0;
    return fake_job_finish(job, sum, err, errlen);
}

/* Each task has its own payload memory: every merge sees its task's. */
static void test_payload_kept_until_merge(void **unused) {
    (void)unused;
    struct pw w = {.reuse = 0};
    struct pb_job *job = pw_job(&w, 1);
    fake_drive_inline(job);
    uint64_t sum;
    char err[256];
    assert_int_equal(pw_finish(job, &sum, err, sizeof err), 0);
    assert_int_equal(sum, TASKS);
    /* The very pointer the workload gave, as between threads in the core. */
    assert_ptr_equal(job->slots[2].res.payload, &w.own[2]);
    fake_job_free(job);
}

/* A payload buffer reused by the next task breaks the payload contract:
 * the merge must not see the task's bytes (a copy taken when the task
 * ended would hide that). */
static void test_reused_payload_fails(void **unused) {
    (void)unused;
    struct pw w = {.reuse = 1};
    struct pb_job *job = pw_job(&w, 1);
    fake_drive_inline(job);
    uint64_t sum;
    char err[256];
    assert_int_equal(pw_finish(job, &sum, err, sizeof err), -1);
    /* Merged in reverse: task 3 still finds its value, task 2 does not. */
    assert_string_equal(err, "merge of task 2: payload 3 for task 2");
    fake_job_free(job);
}

/* An executor's claim hook that hands out task 0 twice. */
static int dup_claim(void *ctx, unsigned worker, uint64_t *task) {
    unsigned *calls = ctx;
    (void)worker;
    if (++*calls > 2)
        return 0;
    *task = 0;
    return 1;
}

/* A second result for a task fails the job at once, as in the core. */
static void test_two_results_fail(void **unused) {
    (void)unused;
    struct pw w = {.reuse = 0};
    struct pb_job *job = pw_job(&w, 1);
    unsigned calls = 0;
    struct pb_worker_io io = {.ctx = &calls, .claim = dup_claim};
    assert_int_equal(fake_host.worker_loop(job, 0, &io), -1);
    assert_int_equal(job->failed, 1);
    assert_string_equal(job->error, "task 0 produced two results");
    uint64_t sum;
    char err[256];
    assert_int_equal(pw_finish(job, &sum, err, sizeof err), -1);
    assert_string_equal(err, "task 0 produced two results");
    assert_int_equal(w.merged, 0);
    fake_job_free(job);
}

/* A task without a result is refused before anything is merged. */
static void test_missing_result_fails(void **unused) {
    (void)unused;
    struct pw w = {.reuse = 0};
    struct pb_job *job = pw_job(&w, 2);
    assert_int_equal(fake_host.worker_loop(job, 0, NULL), 0);
    /* worker 1 (tasks 1 and 3) never runs */
    atomic_store(&job->loop_calls[1], 1);
    uint64_t sum;
    char err[256];
    assert_int_equal(pw_finish(job, &sum, err, sizeof err), -1);
    assert_string_equal(err, "task 1 produced no result");
    assert_int_equal(w.merged, 0);
    fake_job_free(job);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_payload_kept_until_merge),
        cmocka_unit_test(test_reused_payload_fails),
        cmocka_unit_test(test_two_results_fail),
        cmocka_unit_test(test_missing_result_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
