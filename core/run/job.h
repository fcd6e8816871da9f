/* SPDX-License-Identifier: MIT */
/*
 * job.h - one repetition of one cell as the executor sees it (struct
 * pb_job of the public header), the core's worker loop and the messages
 * that carry results from worker processes to the coordinator.
 *
 * struct pb_job is opaque outside job.c: job.c is its only writer, and
 * every other part of the core (the host table, the cell process,
 * parbench-worker) goes through the functions below.
 */
#ifndef PARBENCH_JOB_H
#define PARBENCH_JOB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <parbench/plugin.h>

#include "results/meta.h"

/* What the coordinator knows of one worker (see job_worker_info). */
struct job_worker {
    uint64_t ready_ns; /* when its first task started (or its loop ended
                          without a task); 0 = never reported          */
    uint64_t tasks_run;
    uint64_t pss_kib;    /* worker processes only                        */
    uint64_t uss_kib;    /* worker processes only: Private_Clean + _Dirty */
    pid_t pid;           /* worker processes only: from the final report */
    uint64_t maxrss_kib; /* from job_worker_usage                        */
    int reported;        /* final report received                        */
    int self_measured;   /* job_self_usage: pss_kib is its own reading   */
    int sampled;         /* the core read pss_kib and uss_kib itself     */
};

/* A job for one repetition of `ops` over `state` (both borrowed; they
 * outlive the job).  Returns NULL when out of memory.  Free it with
 * job_free(). */
struct pb_job *job_new(const struct pb_host *host,
                       const struct pb_workload_ops *ops, void *state,
                       unsigned workers, enum pb_schedule schedule);
/* The workload a job runs: its host table, operations and state
 * (borrowed from the job's creator).  For a pooled worker forked from the
 * coordinator, which builds its own job per repetition from them. */
void job_workload(const struct pb_job *job, const struct pb_host **host,
                  const struct pb_workload_ops **ops, void **state);
/* Frees the job and its status page; NULL is ignored. */
void job_free(struct pb_job *job);

/* Coordinator, before the executor runs: the parbench-worker program and
 * the serialised workload spec handed to executors that start fresh
 * processes (host->worker_program, host->job_spec).  Borrowed: they must
 * outlive the job. */
void job_set_worker_env(struct pb_job *job, const char *program,
                        const void *spec, size_t spec_len);

/* Coordinator, before the executor runs: the executor instance's name
 * (for the failures it causes) and what its create() built for the cell
 * (host->executor_state); both borrowed, either may be NULL. */
void job_set_executor(struct pb_job *job, const char *name, void *state);

/* Coordinator, before the executor runs: whether the memory of the
 * coordinator and of each worker process is read when the last worker has
 * reported ([run] memory; 1 unless told otherwise).  With 0 nothing is
 * sampled, and worker processes need not wait for a release: they may
 * exit as soon as their work is done (host->job_memory). */
void job_set_memory(struct pb_job *job, int sample);
/* What job_set_memory said: 1 when memory is read (host->job_memory). */
int job_memory(const struct pb_job *job);

/* Coordinator, before the executor runs: `pause(ctx, 1)` is called when
 * the core stops the clock to read memory and `pause(ctx, 0)` when it
 * starts it again, so that whatever else measures the repetition (the
 * cell's perf counters) leaves the reading out as wall_s does. */
void job_set_pause(struct pb_job *job, void (*pause)(void *ctx, int paused),
                   void *ctx);

/* Coordinator, before the executor runs: pin worker w to CPU
 * a->cpu[w % a->ncpus] when its loop starts (`affinity`; NULL or none:
 * no pinning).  Kept in the job's shared page, so forked and spawned
 * workers see it too. */
struct affinity;
void job_set_affinity(struct pb_job *job, const struct affinity *a);

/* In a worker process that sends its results (io->send), a job without
 * the coordinator's tables (slots, worker records; only job_worker_loop,
 * job_tasks, job_schedule and job_free may be used on it), whose status
 * page is the coordinator's, mapped from `shared_fd` -- or a page of its
 * own when shared_fd is -1.  NULL with *rc PB_ENOMEM, or PB_EINVAL when
 * the page does not fit the worker count, PB_EIO when it cannot be
 * mapped.  It opens and creates nothing else: a spawned worker's start is
 * measured. */
struct pb_job *job_new_worker(const struct pb_host *host,
                              const struct pb_workload_ops *ops, void *state,
                              unsigned workers, enum pb_schedule schedule,
                              int shared_fd, int *rc);

/* After the executor returned: merge in-process results in task order,
 * check that every task has exactly one result and that every worker sent
 * its final report.  Returns 0, or negative when the job has failed
 * (job_status says why). */
int job_finish(struct pb_job *job);

/* Record a failure (first one wins; a crash replaces a plain failure);
 * crashed selects `crashed`.  Also host->job_fail. */
void job_failf(struct pb_job *job, int crashed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* 0 while the job has not failed, 1 failed, 2 crashed.  *error (when error
 * is not NULL) is the first failure's text, "" if none: owned by the job,
 * valid until job_free.  Coordinator, once the workers are done. */
int job_status(const struct pb_job *job, const char **error);

/* Nonzero once the job is being stopped (a failure anywhere): claims hand
 * out no more tasks.  Any worker, any process that shares the page. */
int job_stopping(const struct pb_job *job);

/* What the cell process measures of a finished job (after job_finish). */
struct job_totals {
    uint64_t paused_ns;   /* clock paused while sampling memory       */
    double paused_user_s; /* CPU time that sampling took              */
    double paused_sys_s;
    uint64_t ipc_bytes;          /* bytes moved across process boundaries   */
    uint64_t items;              /* summed over every task's result         */
    uint64_t last_ready_ns;      /* latest ready_ns of any worker; 0: none  */
    uint64_t max_worker_rss_kib; /* largest peak RSS of a worker process,
                                KiB (job_worker_usage); 0: none        */
    uint64_t workers_pss_kib;    /* Pss of the worker processes, summed    */
    uint64_t coord_pss_kib;      /* the coordinator's Pss, read while the
                                    worker processes all lived; 0: not read
                                    (threads: read it at the end)          */
    uint64_t workers_uss_kib;    /* USS of the worker processes, summed    */
    uint64_t coord_uss_kib;      /* the coordinator's USS, read with its Pss;
                                    0: not read                            */
    /* What processes measured of themselves (job_self_usage). */
    double self_user_s, self_sys_s;
    uint64_t self_nvcsw, self_nivcsw, self_minflt, self_majflt;
    uint64_t helpers_pss_kib; /* Pss of the executor's helper processes */
    int self_uss_unknown;     /* a process that measured itself passed no
                                 USS (job_self_uss): the sum is unknown */
    uint64_t helpers_uss_kib; /* USS of the executor's helper processes */
};
void job_totals(const struct pb_job *job, struct job_totals *out);

/* What the coordinator knows of worker `worker` (< job_workers), owned by
 * the job and valid until job_free; NULL when out of range. */
const struct job_worker *job_worker_info(const struct pb_job *job,
                                         unsigned worker);

/* A worker process on another host (an MPI rank): what to add to its
 * CLOCK_MONOTONIC readings to get the coordinator's, so that the ready
 * time its final report carries (startup_s) is on the coordinator's
 * clock.  0 (the default) on the coordinator's host. */
void job_set_clock_offset(struct pb_job *job, int64_t offset_ns);

/* The distinct hosts job_process_host reported (at most JOB_MAX_HOSTS),
 * owned by the job; returns their count. */
#define JOB_MAX_HOSTS 64
size_t job_hosts(const struct pb_job *job, const struct meta_host **hosts);

/* The worker loop the calling thread is in: 1 with its worker and task
 * (PB_NO_TASK between tasks), or 0 when the thread runs none.  Async-
 * signal-safe: the cell process's crash handler calls it. */
int job_thread_task(unsigned *worker, uint64_t *task);

/* Implementations behind struct pb_host (see plugin.h for contracts). */
unsigned job_workers(const struct pb_job *job);
uint64_t job_tasks(const struct pb_job *job);
enum pb_schedule job_schedule(const struct pb_job *job);
int job_worker_loop(struct pb_job *job, unsigned worker,
                    const struct pb_worker_io *io);
int job_deliver(struct pb_job *job, const void *msg, size_t len);
void job_add_ipc(struct pb_job *job, uint64_t bytes);
void job_worker_usage(struct pb_job *job, unsigned worker,
                      const struct rusage *ru);
void job_helper_usage(struct pb_job *job, const struct rusage *ru,
                      uint64_t pss_kib, uint64_t uss_kib);
/* At most this many helpers per job have their memory read by the core
 * (job_helper_pid); more are ignored. */
#define JOB_MAX_HELPERS 4
void job_helper_pid(struct pb_job *job, pid_t pid);
void job_self_usage(struct pb_job *job, unsigned worker,
                    const struct rusage *ru, uint64_t pss_kib);
void job_self_uss(struct pb_job *job, unsigned worker, uint64_t uss_kib);
void job_process_host(struct pb_job *job, const char *name,
                      const char *cpu_model, unsigned cores);
const char *job_worker_program(const struct pb_job *job);
const void *job_spec(const struct pb_job *job, size_t *len);
uint64_t job_current_task(const struct pb_job *job, unsigned worker);
int job_shared_fd(const struct pb_job *job);
void *job_executor_state(const struct pb_job *job);
void job_checkpoint(struct pb_task_ctx *ctx);
void job_blocking_begin(struct pb_task_ctx *ctx);
void job_blocking_end(struct pb_task_ctx *ctx);
unsigned job_task_worker(const struct pb_task_ctx *ctx);

/* What smaps_rollup says of one process, in KiB: Pss, and USS (memory
 * private to it: Private_Clean + Private_Dirty). */
struct job_smaps {
    uint64_t pss_kib, uss_kib;
};
/* Parses smaps_rollup text (NUL-terminated); a missing field counts 0. */
void job_parse_smaps(const char *text, struct job_smaps *out);
/* Reads /proc/PID/smaps_rollup (pid 0 = self) into *out: 0, or -1 (and
 * zeros) when it cannot be read.  Coordinator only. */
int job_read_smaps(pid_t pid, struct job_smaps *out);
/* Pss of a process in KiB from /proc/PID/smaps_rollup (pid 0 = self); 0 if
 * unavailable.  Coordinator only. */
uint64_t job_read_pss_kib(pid_t pid);

#endif /* PARBENCH_JOB_H */
