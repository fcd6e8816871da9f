/* SPDX-License-Identifier: MIT */
/*
 * workload-wrongkind.c - test plugin declaring itself an executor although
 * its file name says workload.  Otherwise a valid executor, so the kind is
 * the only thing wrong with it.
 */
#include <parbench/plugin.h>

static int tp_run(const struct pb_host *host, const struct pb_params *params,
                  struct pb_job *job, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    (void)params;
    unsigned workers = host->job_workers(job);
    int rc = 0;
    for (unsigned w = 0; w < workers; w++)
        if (host->worker_loop(job, w, NULL) < 0)
            rc = -1;
    return rc;
}

static const struct pb_executor_ops tp_ops = {
    .size = sizeof(struct pb_executor_ops),
    .run = tp_run,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "wrongkind",
    .summary = "test plugin: an executor in a workload's file",
    .executor = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
