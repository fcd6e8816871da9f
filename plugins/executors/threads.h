/* SPDX-License-Identifier: MIT */
/*
 * threads.h - the start and join of worker threads for executors whose
 * workers are threads of the coordinator (pthread, gil).  Compiled into
 * each such plugin; nothing here is exported.
 */
#ifndef PARBENCH_PLUGINS_THREADS_H
#define PARBENCH_PLUGINS_THREADS_H

#include <parbench/plugin.h>

#include "lifetime.h"

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

/*
 * `lifetime = cell`: a pool of worker threads started once per cell (by
 * the executor's create(), outside the timed region) and kept across its
 * repetitions.  Each repetition hands the job to every thread, which calls
 * enter(arg), host->worker_loop(job, its index, io), leave(arg), and waits
 * for the next job.  A task failure fails the repetition, not the pool
 * (threads do not crash alone: a crash ends the cell process).
 */
struct threads_pool;
/* Starts `workers` threads.  Returns the pool, or NULL with a sentence in
 * err (the threads already started are stopped and joined). */
struct threads_pool *threads_pool_new(unsigned workers, char *err,
                                      size_t errlen);
/* One repetition on the pool, as threads_run does it.  The job must have
 * the pool's worker count.  Returns 0 or -1 with a sentence in err. */
int threads_pool_run(struct threads_pool *pool, const struct pb_host *host,
                     struct pb_job *job, const struct pb_worker_io *io,
                     void (*enter)(void *arg), void (*leave)(void *arg),
                     void *arg, char *err, size_t errlen);
/* Stops and joins every thread and frees the pool; NULL is ignored. */
void threads_pool_free(struct threads_pool *pool);

/* The executor's create() and destroy() for LIFETIME_PARAM: a pool
 * under `lifetime = cell` (the state), none (NULL) under repetition. */
int threads_lifetime_create(const struct pb_host *host,
                            const struct pb_params *params, unsigned workers,
                            void **state, char *err, size_t errlen);
void threads_pool_destroy(void *state);

#endif /* PARBENCH_PLUGINS_THREADS_H */
