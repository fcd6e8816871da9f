/* SPDX-License-Identifier: MIT */
/*
 * workload-faulty.c - a test-only workload that misbehaves on cue, to show
 * that a plugin fault costs one row and never the run.
 *
 *   mode = ok | segv | abort | hang | exit | fail | wrong | hang-create |
 *          term | bad-param | bad-param-task | bad-param-check |
 *          worker-create
 *   task = the task index that misbehaves (default 0)
 *   on   = the repetition of its cell process (begin() calls, warmups
 *          included, 1-based) in which it misbehaves; 0 (default): every one
 *   nth  = misbehave only the nth time this process runs that task (a
 *          pooled worker process runs it once per repetition: its nth
 *          repetition; a fresh worker never gets past 1); 0 (default):
 *          every time
 *
 * segv, abort, hang and exit happen inside run_task of that task; fail makes
 * that task return an error; wrong makes verify() reject the answer;
 * hang-create makes create() hang, before any repetition starts;
 * worker-create makes create() fail in a worker process (role
 * PB_ROLE_WORKER: spawned, or re-created by a fork server's worker); term
 * makes that task of the first repetition send SIGTERM to its own process
 * (as someone stopping the cell would); the bad-param modes ask the host
 * for a parameter the table lacks ("sead"), in create(), in run_task of
 * that task, or in check().  In every mode a task fails with "cancelled"
 * while host->cancelled() says so.
 */
#include <parbench/plugin.h>

#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum mode {
    M_OK,
    M_SEGV,
    M_ABORT,
    M_HANG,
    M_EXIT,
    M_FAIL,
    M_WRONG,
    M_HANG_CREATE,
    M_TERM,
    M_BAD_PARAM,
    M_BAD_PARAM_TASK,
    M_BAD_PARAM_CHECK,
    M_WORKER_CREATE
};

static const char *const modes[] = {"ok",
                                    "segv",
                                    "abort",
                                    "hang",
                                    "exit",
                                    "fail",
                                    "wrong",
                                    "hang-create",
                                    "term",
                                    "bad-param",
                                    "bad-param-task",
                                    "bad-param-check",
                                    "worker-create",
                                    NULL};

struct faulty {
    const struct pb_host *host;
    const struct pb_params *params;
    unsigned reps; /* begin() calls so far */
    uint64_t on;   /* misbehave in that begin() call only; 0: every one */
    enum mode mode;
    uint64_t task, tasks, merged;
    uint64_t nth;          /* misbehave the nth run of `task` here; 0: all */
    _Atomic uint64_t runs; /* runs of `task` in this process              */
};

static const struct pb_param params[] = {
    {"mode", PB_PARAM_ENUM, "ok", NULL, NULL, modes, "how to misbehave"},
    {"task", PB_PARAM_UINT, "0", NULL, NULL, NULL, "the task that misbehaves"},
    {"tasks", PB_PARAM_UINT, "4", "1", "100000", NULL, "number of tasks"},
    {"on", PB_PARAM_UINT, "0", NULL, NULL, NULL,
     "the repetition of the cell process that misbehaves; 0: every one"},
    {"nth", PB_PARAM_UINT, "0", NULL, NULL, NULL,
     "misbehave the nth time this process runs the task; 0: every time"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static int faulty_create(const struct pb_host *host, const struct pb_params *ps,
                         void **state, char *err, size_t errlen) {
    struct faulty *f = calloc(1, sizeof *f);
    if (!f) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *m = host->param_string(ps, "mode");
    for (int i = 0; modes[i]; i++)
        if (strcmp(m, modes[i]) == 0)
            f->mode = (enum mode)i;
    if (f->mode == M_HANG_CREATE)
        for (;;)
            pause();
    if (f->mode == M_BAD_PARAM)
        host->param_uint(ps, "sead");
    if (f->mode == M_WORKER_CREATE && host->role == PB_ROLE_WORKER) {
        snprintf(err, errlen, "create() fails in a worker process, on purpose");
        free(f);
        return -1;
    }
    f->host = host;
    f->params = ps;
    f->task = host->param_uint(ps, "task");
    f->tasks = host->param_uint(ps, "tasks");
    f->on = host->param_uint(ps, "on");
    f->nth = host->param_uint(ps, "nth");
    atomic_init(&f->runs, 0);
    *state = f;
    return 0;
}

static uint64_t faulty_task_count(const void *state) {
    return ((const struct faulty *)state)->tasks;
}

static void faulty_begin(void *state) {
    struct faulty *f = state;
    f->merged = 0;
    f->reps++;
}

static int faulty_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                           uint64_t task, struct pb_task_result *out, char *err,
                           size_t errlen) {
    struct faulty *f = state;
    (void)wstate;
    (void)ctx;
    uint64_t run = task == f->task ? atomic_fetch_add(&f->runs, 1) + 1 : 0;
    if (task == f->task && (f->on == 0 || f->on == f->reps) &&
        (f->nth == 0 || f->nth == run)) {
        switch (f->mode) {
        case M_SEGV:
            raise(SIGSEGV);
            break;
        case M_ABORT:
            abort();
        case M_HANG:
            for (;;)
                pause();
        case M_EXIT:
            /* The raw system call: sanitizer runtimes intercept _exit()
             * and may wait for other threads, which a real _exit never
             * does. */
            syscall(SYS_exit_group, 7);
            break;
        case M_BAD_PARAM_TASK:
            f->host->param_uint(f->params, "sead");
            break;
        case M_FAIL:
            snprintf(err, errlen, "deliberate failure in task %llu",
                     (unsigned long long)task);
            return -1;
        case M_TERM:
            if (f->reps == 1)
                raise(SIGTERM); /* delivered before it returns */
            break;
        default:
            break;
        }
    }
    if (f->host->cancelled()) {
        snprintf(err, errlen, "task %llu cancelled", (unsigned long long)task);
        return -1;
    }
    out->checksum = task + 1;
    out->items = 1;
    return 0;
}

static int faulty_merge(void *state, uint64_t task,
                        const struct pb_task_result *res, char *err,
                        size_t errlen) {
    (void)task;
    (void)err;
    (void)errlen;
    ((struct faulty *)state)->merged += res->checksum;
    return 0;
}

static int faulty_verify(void *state, uint64_t *checksum, char *err,
                         size_t errlen) {
    const struct faulty *f = state;
    *checksum = f->merged;
    if (f->mode == M_WRONG) {
        snprintf(err, errlen, "a deliberately wrong answer");
        return -1;
    }
    if (f->merged != f->tasks * (f->tasks + 1) / 2) {
        snprintf(err, errlen, "sum %llu, expected %llu",
                 (unsigned long long)f->merged,
                 (unsigned long long)(f->tasks * (f->tasks + 1) / 2));
        return -1;
    }
    return 0;
}

static void faulty_destroy(void *state) { free(state); }

static int faulty_check(const struct pb_host *host, const struct pb_params *ps,
                        char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    if (strcmp(host->param_string(ps, "mode"), "bad-param-check") == 0)
        host->param_uint(ps, "sead");
    return 0;
}

static const struct pb_workload_ops ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = faulty_create,
    .task_count = faulty_task_count,
    .begin = faulty_begin,
    .run_task = faulty_run_task,
    .merge = faulty_merge,
    .verify = faulty_verify,
    .destroy = faulty_destroy,
    .check = faulty_check,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "faulty",
    .summary = "test only: crashes, hangs or lies on cue",
    .params = params,
    .workload = &ops,
};

PB_DEFINE_PLUGIN(plugin)
