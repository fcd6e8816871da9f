/* SPDX-License-Identifier: MIT */
/*
 * worker_proc.h - a spawned worker's whole life in the calling process
 * (the protocol of <parbench/worker.h>): what parbench-worker runs after
 * its exec, and what host->worker_main runs for executors that start
 * workers without one (forkserver).
 */
#ifndef PARBENCH_WORKER_PROC_H
#define PARBENCH_WORKER_PROC_H

#include <stddef.h>

/* Reads the start record and the spec on PB_WORKER_FD_IN, re-creates the
 * workload (role PB_ROLE_WORKER), runs the worker loop, sends its frames on
 * PB_WORKER_FD_OUT (and maps PB_WORKER_FD_SHARED when the start record
 * says so), waits for the release (end-of-file on its input) and exits
 * the process.  A worker that cannot start says why in a PB_FRAME_ERROR
 * and exits with PB_WORKER_EXIT_START.  Never returns. */
void worker_proc_main(void) __attribute__((noreturn));

/* host->worker_spec (<parbench/plugin.h>): the workload of a spec,
 * parsed and its plugin loaded (a struct host_workload, malloc()ed, kept
 * until the process exits), or NULL with err. */
void *worker_proc_spec(const void *spec, size_t spec_len, char *err,
                       size_t errlen);

/* host->worker_job: worker start->worker's job, with its own state of
 * `workload` (worker_proc_spec's) made by create(), claiming through the
 * shared page `shared_fd` (closed once mapped; -1: none, only for a
 * static schedule).  NULL with err when it cannot start. */
struct pb_worker_start;
struct pb_job *worker_proc_job(const struct pb_worker_start *start,
                               void *workload, int shared_fd, char *err,
                               size_t errlen);

/* host->worker_pool_main: a pooled worker forked from the coordinator
 * (fork's `lifetime = cell`) serves the repetitions of the cell of `job`
 * with the workload state it inherited.  Never returns. */
struct pb_job;
void worker_proc_pool_main(const struct pb_job *job) __attribute__((noreturn));

#endif /* PARBENCH_WORKER_PROC_H */
