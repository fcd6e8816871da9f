/*
 * job.h - one repetition of one cell as the executor sees it (struct
 * pb_job of the public header), the core's worker loop and the messages
 * that carry results from worker processes to the coordinator.
 */
#ifndef PARBENCH_JOB_H
#define PARBENCH_JOB_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <parbench/plugin.h>

/* Counters shared by every worker, in a MAP_SHARED mapping so that they
 * stay shared across fork(). */
struct job_shared {
    _Atomic uint64_t next_task; /* dynamic schedule: next unclaimed task */
    _Atomic int stop;           /* set on the first failure              */
};

/* What the coordinator knows of one task. */
struct job_slot {
    uint64_t checksum, items;
    const void *payload; /* in-process results only                     */
    size_t payload_size;
    unsigned char state; /* 0 nothing, 1 stored (in-process), 2 merged  */
};

/* What the coordinator knows of one worker. */
struct job_worker {
    uint64_t ready_ns; /* when its first task started (or its loop ended
                          without a task); 0 = never reported          */
    uint64_t tasks_run;
    uint64_t pss_kib;    /* worker processes only                        */
    uint64_t maxrss_kib; /* from job_worker_usage                        */
    int reported;        /* final report received                        */
};

struct pb_job {
    const struct pb_host *host; /* the workload's host table    */
    const struct pb_workload_ops *ops;
    void *state;
    unsigned workers;
    uint64_t tasks;
    enum pb_schedule schedule;
    pid_t coordinator; /* getpid() of the coordinator  */

    struct job_shared *shared; /* MAP_SHARED, owned            */
    struct job_slot *slots;    /* tasks entries, owned         */
    struct job_worker *w;      /* workers entries, owned       */

    pthread_mutex_t lock; /* guards the failure fields    */
    int failed;           /* 0, or 1 failed, 2 crashed    */
    char error[512];      /* first failure                */
    uint64_t ipc_bytes;

    const char *worker_program; /* borrowed                     */
    const void *spec;           /* borrowed                     */
    size_t spec_len;
};

/* Set up a job for one repetition.  Returns 0 or PB_ENOMEM. */
int job_init(struct pb_job *job, const struct pb_host *host,
             const struct pb_workload_ops *ops, void *state, unsigned workers,
             enum pb_schedule schedule);
void job_destroy(struct pb_job *job);

/* After the executor returned: merge in-process results in task order and
 * check that every task has exactly one result.  Returns 0, or negative
 * when the job has failed (job->error says why). */
int job_finish(struct pb_job *job);

/* Record a failure (first one wins); crashed selects `crashed`. */
void job_failf(struct pb_job *job, int crashed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Implementations behind struct pb_host (see plugin.h for contracts). */
int job_worker_loop(struct pb_job *job, unsigned worker,
                    const struct pb_worker_io *io);
int job_deliver(struct pb_job *job, const void *msg, size_t len);
void job_checkpoint(struct pb_task_ctx *ctx);
void job_blocking_begin(struct pb_task_ctx *ctx);
void job_blocking_end(struct pb_task_ctx *ctx);
unsigned job_task_worker(const struct pb_task_ctx *ctx);

/* Pss of a process in KiB from /proc/PID/smaps_rollup (0 for pid 0 =
 * self); 0 if unavailable.  Async-signal-safe (open/read/close only). */
uint64_t job_read_pss_kib(pid_t pid);

#endif /* PARBENCH_JOB_H */
