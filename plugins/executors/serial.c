/* SPDX-License-Identifier: MIT */
/*
 * serial.c - the `serial` executor: the one worker is the cell process
 * itself, running the core's worker loop in the calling thread.  It is the
 * baseline that speedup and efficiency are computed against, so it adds
 * nothing of its own: no thread, no process, no copy.
 */
#include <parbench/plugin.h>

#include <stdio.h>

static int serial_check(const struct pb_host *host,
                        const struct pb_params *params, unsigned workers,
                        char *err, size_t errlen) {
    (void)host;
    (void)params;
    if (workers != 1) {
        snprintf(err, errlen,
                 "the serial executor runs exactly one worker, not %u; "
                 "use workers = 1 or a parallel executor such as pthread",
                 workers);
        return -1;
    }
    return 0;
}

/* Runs worker 0 to completion in the calling thread.  Task failures are
 * recorded in the job by the worker loop, so its return value is not ours
 * to report. */
static int serial_run(const struct pb_host *host,
                      const struct pb_params *params, struct pb_job *job,
                      char *err, size_t errlen) {
    unsigned workers = host->job_workers(job);
    if (serial_check(host, params, workers, err, errlen) < 0)
        return -1;
    (void)host->worker_loop(job, 0, NULL);
    return 0;
}

static const struct pb_executor_ops serial_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = serial_check,
    .run = serial_run,
};

static const struct pb_plugin serial_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "serial",
    .summary = "one worker in the calling thread: the baseline for speedup",
    .params = NULL,
    .flags = PB_EXEC_SINGLE_WORKER,
    .workload = NULL,
    .executor = &serial_ops,
};

PB_DEFINE_PLUGIN(serial_desc)
