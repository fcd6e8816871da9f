/* SPDX-License-Identifier: MIT */
/*
 * noop.c - the `noop` workload: tasks that do nothing, so that a run measures
 * only what the executor costs (starting workers, handing out task indices,
 * bringing results back).
 *
 *   tasks = how many empty tasks (default 8)
 *
 * Task i answers checksum = i + 1 and items = 1.  merge adds the checksums
 * (the core merges every task exactly once); verify checks that the sum
 * equals T(T+1)/2 (mod 2^64).
 */
#include <parbench/plugin.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define NOOP_MAX_TASKS 100000000u /* keep in step with the table below */

static const struct pb_param noop_params[] = {
    {"tasks", PB_PARAM_UINT, "8", "1", "100000000", NULL,
     "number of empty tasks"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

struct noop {
    uint64_t tasks;
    /* The merged answer: written by merge and begin (coordinator only). */
    uint64_t sum;
};

/* Task i's answer; verify relies on the closed form of its sum. */
static uint64_t noop_task_checksum(uint64_t task) { return task + 1; }

/* 1 + 2 + ... + n modulo 2^64, without overflowing before the reduction. */
static uint64_t noop_closed_form(uint64_t n) {
    return (n % 2 == 0) ? (n / 2) * (n + 1) : n * ((n + 1) / 2);
}

static int noop_create(const struct pb_host *host,
                       const struct pb_params *params, void **state, char *err,
                       size_t errlen) {
    uint64_t tasks = host->param_uint(params, "tasks");
    if (tasks < 1 || tasks > NOOP_MAX_TASKS) {
        snprintf(err, errlen, "tasks = %" PRIu64 " is out of range 1..%u",
                 tasks, NOOP_MAX_TASKS);
        return -1;
    }
    struct noop *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n->tasks = tasks;
    *state = n;
    return 0;
}

static uint64_t noop_task_count(const void *state) {
    return ((const struct noop *)state)->tasks;
}

static void noop_begin(void *state) {
    struct noop *n = state;
    n->sum = 0;
}

static int noop_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                         uint64_t task, struct pb_task_result *out, char *err,
                         size_t errlen) {
    (void)state;
    (void)wstate;
    (void)ctx;
    (void)err;
    (void)errlen;
    out->checksum = noop_task_checksum(task);
    out->items = 1;
    return 0;
}

static int noop_merge(void *state, uint64_t task,
                      const struct pb_task_result *res, char *err,
                      size_t errlen) {
    struct noop *n = state;
    if (task >= n->tasks) {
        snprintf(err, errlen,
                 "merge of task %" PRIu64 ", but there are %" PRIu64 " tasks",
                 task, n->tasks);
        return -1;
    }
    n->sum += res->checksum;
    return 0;
}

static int noop_verify(void *state, uint64_t *checksum, char *err,
                       size_t errlen) {
    const struct noop *n = state;
    *checksum = n->sum;
    uint64_t want = noop_closed_form(n->tasks);
    if (n->sum != want) {
        snprintf(err, errlen,
                 "checksum 0x%" PRIx64 " for %" PRIu64
                 " tasks, expected 0x%" PRIx64,
                 n->sum, n->tasks, want);
        return -1;
    }
    return 0;
}

static void noop_destroy(void *state) { free(state); }

static const struct pb_workload_ops noop_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = noop_create,
    .task_count = noop_task_count,
    .begin = noop_begin,
    .worker_init = NULL,
    .worker_fini = NULL,
    .run_task = noop_run_task,
    .merge = noop_merge,
    .verify = noop_verify,
    .destroy = noop_destroy,
};

static const struct pb_plugin noop_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "noop",
    .summary = "empty tasks: measures only the executor's overhead",
    .params = noop_params,
    .flags = 0,
    .workload = &noop_ops,
    .executor = NULL,
};

PB_DEFINE_PLUGIN(noop_desc)
