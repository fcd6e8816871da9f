/* SPDX-License-Identifier: MIT */
/*
 * executor-tp-pool.c - test executor with a life cycle: create() builds
 * state once per cell (in the coordinator), run() finds it through
 * host->executor_state() and runs the workers one after another in the
 * calling thread, destroy() logs how many repetitions it served.
 *
 *   twice = true: run() calls worker_loop for worker 0 a second time, an
 *   executor bug the core must report.
 */
#include <stdio.h>
#include <stdlib.h>

#include <parbench/plugin.h>

struct pool {
    const struct pb_host *host;
    unsigned workers, runs;
    int twice;
};

static int pool_create(const struct pb_host *host,
                       const struct pb_params *params, unsigned workers,
                       void **state, char *err, size_t errlen) {
    if (host->role != PB_ROLE_COORDINATOR) {
        snprintf(err, errlen, "create() ran with role %d, not the coordinator",
                 (int)host->role);
        return -1;
    }
    struct pool *p = calloc(1, sizeof *p);
    if (!p) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    p->host = host;
    p->workers = workers;
    p->twice = host->param_bool(params, "twice");
    *state = p;
    return 0;
}

static int pool_run(const struct pb_host *host, const struct pb_params *params,
                    struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    struct pool *p = host->executor_state(job);
    if (!p) {
        snprintf(err, errlen, "host->executor_state() gave no state");
        return -1;
    }
    if (p->workers != host->job_workers(job)) {
        snprintf(err, errlen, "created for %u workers, run with %u", p->workers,
                 host->job_workers(job));
        return -1;
    }
    p->runs++;
    for (unsigned w = 0; w < p->workers; w++)
        host->worker_loop(job, w, NULL);
    if (p->twice)
        host->worker_loop(job, 0, NULL);
    return 0;
}

static void pool_destroy(void *state) {
    struct pool *p = state;
    p->host->log(p->host, PB_LOG_INFO, "pool destroyed after %u runs", p->runs);
    free(p);
}

static const struct pb_param pool_params[] = {
    {.name = "twice",
     .type = PB_PARAM_BOOL,
     .def = "false",
     .help = "call worker_loop twice for worker 0 (an executor bug)"},
    PB_PARAM_END};

static const struct pb_executor_ops pool_ops = {
    .size = sizeof(struct pb_executor_ops),
    .run = pool_run,
    .create = pool_create,
    .destroy = pool_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "tp-pool",
    .summary = "test executor: state across repetitions",
    .params = pool_params,
    .executor = &pool_ops,
};

PB_DEFINE_PLUGIN(plugin)
