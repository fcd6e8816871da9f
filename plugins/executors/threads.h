/* SPDX-License-Identifier: MIT */
/*
 * threads.h - the start and join of worker threads for executors whose
 * workers are threads of the coordinator (pthread, gil).  Compiled into
 * each such plugin; nothing here is exported.
 */
#ifndef PARBENCH_PLUGINS_THREADS_H
#define PARBENCH_PLUGINS_THREADS_H

#include <parbench/plugin.h>

#include <stddef.h>

/*
 * Starts one thread per worker of `job` (host->job_workers), each calling
 * enter(arg), host->worker_loop(job, its index, io), then leave(arg)
 * (enter and leave may be NULL), and joins every thread it started.
 * `host`, `job`, `io` and `arg` are borrowed for the call.  Returns 0, or
 * -1 with a sentence in err: the job has no workers, no memory, or a
 * thread could not be created (the threads already running are left to
 * finish, not cancelled, and joined).  Task failures are recorded in the
 * job by the worker loop, not returned.
 */
int threads_run(const struct pb_host *host, struct pb_job *job,
                const struct pb_worker_io *io, void (*enter)(void *arg),
                void (*leave)(void *arg), void *arg, char *err, size_t errlen);

#endif /* PARBENCH_PLUGINS_THREADS_H */
