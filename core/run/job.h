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

/* The job's shared status page: counters shared by every worker, in a
 * MAP_SHARED mapping of a memfd so that they stay shared across fork() and
 * can be mapped by spawned parbench-worker processes (job_shared_fd). */
struct job_shared {
    _Atomic uint64_t next_task; /* dynamic schedule: next unclaimed task */
    _Atomic int stop;           /* set on the first failure              */
    uint32_t workers;           /* entries of current[]                  */
    _Atomic uint64_t current[]; /* task each worker runs, or PB_NO_TASK  */
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
    pid_t pid;           /* worker processes only: from the final report */
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
    size_t shared_size;        /* bytes mapped                 */
    int shared_fd;             /* memfd of *shared, owned      */
    struct job_slot *slots;    /* tasks entries, owned         */
    struct job_worker *w;      /* workers entries, owned       */

    pthread_mutex_t lock; /* guards the failure fields    */
    int failed;           /* 0, or 1 failed, 2 crashed    */
    char error[512];      /* first failure                */
    uint64_t ipc_bytes;
    unsigned finals;      /* final reports delivered      */
    uint64_t paused_ns;   /* clock paused for sampling    */
    double paused_user_s; /* CPU time the sampling took   */
    double paused_sys_s;
    uint64_t coord_pss_kib; /* coordinator's Pss when the last
                               final report arrived (0: not
                               read; threads read at the end) */

    const char *worker_program; /* borrowed                     */
    const void *spec;           /* borrowed                     */
    size_t spec_len;
};

/* Set up a job for one repetition.  Returns 0 or PB_ENOMEM. */
int job_init(struct pb_job *job, const struct pb_host *host,
             const struct pb_workload_ops *ops, void *state, unsigned workers,
             enum pb_schedule schedule);
void job_destroy(struct pb_job *job);

/* In a spawned worker: replace the job's own status page by the
 * coordinator's, mapped from `fd` (PB_WORKER_FD_SHARED).  Returns 0, or
 * PB_EINVAL when the page does not fit the job's worker count, PB_EIO
 * when it cannot be mapped. */
int job_attach_shared(struct pb_job *job, int fd);

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
uint64_t job_current_task(const struct pb_job *job, unsigned worker);

/* Pss of a process in KiB from /proc/PID/smaps_rollup (pid 0 = self); 0 if
 * unavailable.  Coordinator only. */
uint64_t job_read_pss_kib(pid_t pid);

#endif /* PARBENCH_JOB_H */
