/* SPDX-License-Identifier: MIT */
/*
 * pthread.c - the `pthread` executor: one POSIX thread per worker, each
 * running the core's worker loop; tasks and results travel through the
 * core's in-process defaults (shared memory and atomics).
 *
 * The core times the whole of run(), so run() does nothing but start the
 * threads and join them: no per-task work, no locks of its own.
 */
#include <parbench/plugin.h>

#include "threads.h"

/* One thread per worker (threads.c), no hooks: the core's in-process
 * defaults for claims and results. */
static int pt_run(const struct pb_host *host, const struct pb_params *params,
                  struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    struct threads_pool *pool = host->executor_state(job);
    if (pool)
        return threads_pool_run(pool, host, job, NULL, NULL, NULL, NULL, err,
                                errlen);
    return threads_run(host, job, NULL, NULL, NULL, NULL, err, errlen);
}

static const struct pb_param pt_params[] = {LIFETIME_PARAM, PB_PARAM_END};

static const struct pb_executor_ops pt_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = NULL,
    .run = pt_run,
    .create = threads_lifetime_create,
    .destroy = threads_pool_destroy,
};

static const struct pb_plugin pt_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "pthread",
    .summary = "one POSIX thread per worker, sharing memory",
    .params = pt_params,
    .flags = 0,
    .workload = NULL,
    .executor = &pt_ops,
};

PB_DEFINE_PLUGIN(pt_desc)
