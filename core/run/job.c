/* SPDX-License-Identifier: MIT */
/*
 * job.c - the core's worker loop, result messages and the coordinator's
 * bookkeeping of one repetition.  Every executor runs its workers through
 * job_worker_loop(), so every executor is measured by the same code.
 */
#include "run/job.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/cpus.h"
#include "util/errors.h"
#include "util/hot.h"
#include "util/sigsafe.h"

/* ------------------------------------------------------------------------ */
/* Messages from worker processes                                           */
/* ------------------------------------------------------------------------ */

#define MSG_MAGIC 0x50424d31u /* "PBM1" */

enum msg_type { MSG_RESULT = 1, MSG_FINAL = 2 };

/*
 * Fixed header of every message (48 bytes); a result's body follows: the
 * payload of an ok result, or the error text of a failed one (not
 * NUL-terminated).  MSG_FINAL is a struct msg_final and has no body.  A
 * result is what crosses per task: kept to what it needs.
 */
struct msg_head {
    uint32_t magic;
    uint32_t type;
    uint32_t worker;
    int32_t status; /* 0 ok, 1 failed                                   */
    uint64_t task;
    uint64_t checksum, items;
    uint64_t body_size;
};

/* The worker's final report, once per worker and job. */
struct msg_final {
    struct msg_head h; /* type MSG_FINAL, body_size 0 */
    uint64_t ready_ns, tasks_run;
    int64_t pid; /* the worker process */
};

/* The worker loop this thread runs, if any: what a crash handler of the
 * cell process reads (job_thread_task).  Set in the cell process only
 * (loop_in_cell): in a worker process the handler reads nothing, and the
 * store would be a write to a page of its static TLS, which a forked
 * worker shares with its parent until it writes: a copy-on-write fault,
 * 10-40 us on a paravirtualised guest (docs/performance.md). */
static _Thread_local struct pb_job *tls_job;
static _Thread_local unsigned tls_worker;

/* The context a workload sees while running one task. */
struct pb_task_ctx {
    struct pb_job *job;
    unsigned worker;
    const struct pb_worker_io *io;
};

/* ------------------------------------------------------------------------ */
/* The job                                                                  */
/* ------------------------------------------------------------------------ */

/* The job's shared status page: counters shared by every worker, in a
 * MAP_SHARED mapping of a memfd so that they stay shared across fork() and
 * can be mapped by spawned parbench-worker processes (job_shared_fd). */
struct job_shared {
    _Atomic uint64_t next_task; /* dynamic schedule: next unclaimed task */
    _Atomic int stop;           /* set on the first failure              */
    uint32_t workers;           /* W                                     */
    /* 3 W entries: [0, W) the task each worker runs, or PB_NO_TASK;
     * [W, 2W) nonzero once that worker's loop was entered (the check
     * that worker_loop runs once per worker, across processes too);
     * [2W, 3W) the CPU the worker pins itself to (`affinity`), or
     * JOB_UNPINNED. */
    _Atomic uint64_t current[];
};

/* The "loop entered" flag of worker w. */
static _Atomic uint64_t *entered_flag(struct job_shared *sh, unsigned w) {
    return &sh->current[sh->workers + w];
}

#define JOB_UNPINNED UINT64_MAX

/* The CPU worker w is pinned to, or JOB_UNPINNED. */
static _Atomic uint64_t *cpu_of(struct job_shared *sh, unsigned w) {
    return &sh->current[2 * (size_t)sh->workers + w];
}

/* State of a task's slot.  A slot leaves SLOT_EMPTY exactly once, by
 * claim_slot, whichever way the result came: that is the core's
 * exactly-once check for threads and processes alike. */
enum { SLOT_EMPTY = 0, SLOT_STORED = 1, SLOT_MERGED = 2 };

/* What the coordinator knows of one task. */
struct job_slot {
    uint64_t checksum, items;
    const void *payload; /* in-process results only: the workload's own
                            pointer, borrowed until the merge          */
    size_t payload_size;
    _Atomic unsigned char state; /* SLOT_*                              */
};

struct pb_job {
    const struct pb_host *host; /* the workload's host table    */
    const struct pb_workload_ops *ops;
    void *state;
    unsigned workers;
    uint64_t tasks;
    enum pb_schedule schedule;
    pid_t coordinator; /* getpid() of the coordinator; 0 in a worker's */

    struct job_shared *shared; /* MAP_SHARED, owned            */
    size_t shared_size;        /* bytes mapped                 */
    int shared_fd;             /* memfd of *shared, owned      */
    struct job_slot *slots;    /* tasks entries, owned (coord_table) */
    struct job_worker *w;      /* workers entries, owned (coord_table) */
    size_t slots_len, w_len;   /* their mapped bytes           */

    pthread_mutex_t lock; /* guards the failure fields    */
    int failed;           /* 0, or 1 failed, 2 crashed    */
    char error[512];      /* first failure                */
    uint64_t ipc_bytes;
    unsigned finals;      /* final reports delivered      */
    uint64_t paused_ns;   /* clock paused for sampling    */
    double paused_user_s; /* CPU time the sampling took   */
    double paused_sys_s;
    double self_user_s, self_sys_s; /* job_self_usage, summed    */
    uint64_t self_nvcsw, self_nivcsw, self_minflt, self_majflt;
    unsigned self_calls, uss_calls; /* job_self_usage, job_self_uss    */
    uint64_t helpers_pss_kib, helpers_maxrss_kib, helpers_uss_kib;
    pid_t helper_pids[JOB_MAX_HELPERS]; /* job_helper_pid: read with the
                                           workers' memory         */
    unsigned nhelper_pids;
    /* job_process_host's, each once: JOB_MAX_HOSTS entries (12.5 KiB)
     * allocated at the first report (an MPI run's), not in every job: a
     * worker process's job is built after its fork, and each page of it
     * is a fault there. */
    struct meta_host *hosts;
    int64_t clock_offset_ns; /* job_set_clock_offset: this host's monotonic
                                clock to the coordinator's              */
    size_t nhosts;
    uint64_t coord_pss_kib; /* coordinator's Pss when the last
                               final report arrived (0: not
                               read; threads read at the end) */
    uint64_t coord_uss_kib; /* and its USS, read with it    */
    int memory_off;         /* job_set_memory(job, 0): no sampling */
    void (*pause)(void *ctx, int paused); /* job_set_pause, or NULL  */
    void *pause_ctx;

    void *executor_state;       /* borrowed: executor's create() */
    const char *executor;       /* borrowed name, or NULL        */
    const char *worker_program; /* borrowed                     */
    const void *spec;           /* borrowed                     */
    size_t spec_len;
};

/* ------------------------------------------------------------------------ */
/* Job set-up                                                               */
/* ------------------------------------------------------------------------ */

/* Maps a status page for `workers` workers: from `fd` when fd >= 0 (the
 * coordinator's), else from a new memfd whose descriptor is kept.  A
 * worker maps the bytes it needs (mmap and munmap round a length up to
 * whole pages) and does not ask for the page size: sysconf() was two
 * more pages a forked worker faulted in, its code and its table. */
PB_HOT static int map_shared(struct pb_job *job, unsigned workers, int fd) {
    size_t need = sizeof *job->shared + 3 * (size_t)workers * sizeof(uint64_t);
    size_t size = need;
    int own = fd < 0;
    if (own) {
        long page = sysconf(_SC_PAGESIZE);
        size = (need + (size_t)page - 1) / (size_t)page * (size_t)page;
        fd = memfd_create("parbench-job", MFD_CLOEXEC);
        if (fd < 0)
            return PB_ENOMEM;
        if (ftruncate(fd, (off_t)size) < 0) {
            close(fd);
            return PB_ENOMEM;
        }
    } else {
        struct stat st;
        if (fstat(fd, &st) < 0 || (size_t)st.st_size < size)
            return PB_EINVAL;
    }
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
        if (own)
            close(fd);
        return own ? PB_ENOMEM : PB_EIO;
    }
    struct job_shared *sh = p;
    if (own) {
        atomic_init(&sh->next_task, 0);
        atomic_init(&sh->stop, 0);
        sh->workers = workers;
        for (unsigned w = 0; w < workers; w++) {
            atomic_init(&sh->current[w], PB_NO_TASK);
            atomic_init(entered_flag(sh, w), 0);
            atomic_init(cpu_of(sh, w), JOB_UNPINNED);
        }
        job->shared_fd = fd;
    } else if (sh->workers != workers) {
        munmap(p, size);
        return PB_EINVAL;
    }
    job->shared = sh;
    job->shared_size = size;
    return 0;
}

/* The coordinator's own tables of a job (the task slots, the workers'
 * records): written while the workers run -- by job_deliver, by the
 * threads' worker loop -- and never by a worker process, which sends its
 * results in messages.  Mapped with MADV_DONTFORK and populated here,
 * outside the clock: a fork() in run() neither copies these pages nor
 * write-protects them, so the coordinator's writes after it take no
 * copy-on-write fault (one per 4 KiB page: 977 for the slots of 100 000
 * tasks), and threads find them already faulted in.  NULL when out of
 * memory. */
static void *coord_table(size_t len) {
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    (void)madvise(p, len, MADV_DONTFORK);
    return p;
}

/* The fields every job has; NULL when out of memory. */
PB_HOT static struct pb_job *job_alloc(const struct pb_host *host,
                                       const struct pb_workload_ops *ops,
                                       void *state, unsigned workers,
                                       enum pb_schedule schedule) {
    struct pb_job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->shared_fd = -1;
    job->host = host;
    job->ops = ops;
    job->state = state;
    job->workers = workers;
    job->tasks = ops->task_count(state);
    job->schedule = schedule;
    /* The default mutex, without a call: pthread_mutex_init's page is one
     * more that every worker process would touch first (util/hot.h). */
    job->lock = (pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
    return job;
}

PB_HOT struct pb_job *job_new_worker(const struct pb_host *host,
                                     const struct pb_workload_ops *ops,
                                     void *state, unsigned workers,
                                     enum pb_schedule schedule, int shared_fd,
                                     int *rc) {
    struct pb_job *job = job_alloc(host, ops, state, workers, schedule);
    *rc = job ? map_shared(job, workers, shared_fd) : PB_ENOMEM;
    if (*rc < 0) {
        job_free(job);
        return NULL;
    }
    return job;
}

struct pb_job *job_new(const struct pb_host *host,
                       const struct pb_workload_ops *ops, void *state,
                       unsigned workers, enum pb_schedule schedule) {
    struct pb_job *job = job_alloc(host, ops, state, workers, schedule);
    if (!job)
        return NULL;
    /* The coordinator's own (a worker's job has none: job_new_worker). */
    job->coordinator = getpid();
    if (job->tasks > SIZE_MAX / sizeof *job->slots) {
        job_free(job);
        return NULL;
    }
    job->slots_len = (size_t)(job->tasks ? job->tasks : 1) * sizeof *job->slots;
    job->w_len = (size_t)(workers ? workers : 1) * sizeof *job->w;
    job->slots = coord_table(job->slots_len);
    job->w = coord_table(job->w_len);
    if (!job->slots || !job->w || map_shared(job, workers, -1) < 0) {
        job_free(job);
        return NULL;
    }
    for (uint64_t t = 0; t < job->tasks; t++)
        atomic_init(&job->slots[t].state, SLOT_EMPTY);
    return job;
}

void job_workload(const struct pb_job *job, const struct pb_host **host,
                  const struct pb_workload_ops **ops, void **state) {
    *host = job->host;
    *ops = job->ops;
    *state = job->state;
}

void job_set_worker_env(struct pb_job *job, const char *program,
                        const void *spec, size_t spec_len) {
    job->worker_program = program;
    job->spec = spec;
    job->spec_len = spec_len;
}

void job_set_executor(struct pb_job *job, const char *name, void *state) {
    job->executor = name;
    job->executor_state = state;
}

PB_HOT void job_set_memory(struct pb_job *job, int sample) {
    job->memory_off = !sample;
}

int job_memory(const struct pb_job *job) { return !job->memory_off; }

void job_set_pause(struct pb_job *job, void (*pause)(void *ctx, int paused),
                   void *ctx) {
    job->pause = pause;
    job->pause_ctx = ctx;
}

void job_set_affinity(struct pb_job *job, const struct affinity *a) {
    for (unsigned w = 0; w < job->workers; w++)
        atomic_store(cpu_of(job->shared, w),
                     a && a->ncpus ? a->cpu[w % a->ncpus] : JOB_UNPINNED);
}

void *job_executor_state(const struct pb_job *job) {
    return job->executor_state;
}

void job_free(struct pb_job *job) {
    if (!job)
        return;
    if (job->shared)
        munmap(job->shared, job->shared_size);
    if (job->shared_fd >= 0)
        close(job->shared_fd);
    if (job->slots)
        munmap(job->slots, job->slots_len);
    if (job->w)
        munmap(job->w, job->w_len);
    pthread_mutex_destroy(&job->lock);
    free(job->hosts);
    free(job);
}

static void job_vfail(struct pb_job *job, int crashed, const char *fmt,
                      va_list ap) {
    pthread_mutex_lock(&job->lock);
    if (!job->failed) {
        job->failed = crashed ? 2 : 1;
        vsnprintf(job->error, sizeof job->error, fmt, ap);
    } else if (crashed && job->failed == 1) {
        /* A crash explains more than the failures it caused. */
        job->failed = 2;
        vsnprintf(job->error, sizeof job->error, fmt, ap);
    }
    pthread_mutex_unlock(&job->lock);
    atomic_store(&job->shared->stop, 1);
}

void job_failf(struct pb_job *job, int crashed, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    job_vfail(job, crashed, fmt, ap);
    va_end(ap);
}

int job_status(const struct pb_job *job, const char **error) {
    if (error)
        *error = job->error;
    return job->failed;
}

PB_HOT int job_stopping(const struct pb_job *job) {
    return atomic_load_explicit(&job->shared->stop, memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* Accessors: the host table's job services and the cell's measurements      */
/* ------------------------------------------------------------------------ */

unsigned job_workers(const struct pb_job *job) { return job->workers; }

PB_HOT uint64_t job_tasks(const struct pb_job *job) { return job->tasks; }

PB_HOT enum pb_schedule job_schedule(const struct pb_job *job) {
    return job->schedule;
}

void job_add_ipc(struct pb_job *job, uint64_t bytes) {
    job->ipc_bytes += bytes;
}

void job_worker_usage(struct pb_job *job, unsigned worker,
                      const struct rusage *ru) {
    if (worker < job->workers && ru->ru_maxrss > 0)
        job->w[worker].maxrss_kib = (uint64_t)ru->ru_maxrss;
}

static double tv_seconds(struct timeval tv);

/* What a process measured of itself, added to the row's sums; a helper's
 * peak RSS and Pss kept apart from the workers'. */
static void add_usage(struct pb_job *job, const struct rusage *ru) {
    job->self_user_s += tv_seconds(ru->ru_utime);
    job->self_sys_s += tv_seconds(ru->ru_stime);
    job->self_nvcsw += (uint64_t)ru->ru_nvcsw;
    job->self_nivcsw += (uint64_t)ru->ru_nivcsw;
    job->self_minflt += (uint64_t)ru->ru_minflt;
    job->self_majflt += (uint64_t)ru->ru_majflt;
}

static void add_helper(struct pb_job *job, const struct rusage *ru,
                       uint64_t pss_kib) {
    if ((uint64_t)ru->ru_maxrss > job->helpers_maxrss_kib)
        job->helpers_maxrss_kib = (uint64_t)ru->ru_maxrss;
    job->helpers_pss_kib += pss_kib;
}

void job_self_usage(struct pb_job *job, unsigned worker,
                    const struct rusage *ru, uint64_t pss_kib) {
    add_usage(job, ru);
    job->self_calls++;
    if (worker < job->workers) {
        job_worker_usage(job, worker, ru);
        /* A process the core read itself (a pooled worker on this
         * machine) keeps that reading, taken with the clock paused. */
        if (!job->w[worker].sampled)
            job->w[worker].pss_kib = pss_kib;
        job->w[worker].self_measured = 1;
    } else {
        add_helper(job, ru, pss_kib);
    }
}

void job_helper_usage(struct pb_job *job, const struct rusage *ru,
                      uint64_t pss_kib, uint64_t uss_kib) {
    add_usage(job, ru);
    add_helper(job, ru, pss_kib);
    job->helpers_uss_kib += uss_kib;
}

void job_helper_pid(struct pb_job *job, pid_t pid) {
    if (pid <= 0)
        return;
    for (unsigned i = 0; i < job->nhelper_pids; i++)
        if (job->helper_pids[i] == pid)
            return;
    if (job->nhelper_pids < JOB_MAX_HELPERS)
        job->helper_pids[job->nhelper_pids++] = pid;
}

void job_set_clock_offset(struct pb_job *job, int64_t offset_ns) {
    job->clock_offset_ns = offset_ns;
}

void job_self_uss(struct pb_job *job, unsigned worker, uint64_t uss_kib) {
    job->uss_calls++;
    if (worker < job->workers) {
        if (!job->w[worker].sampled)
            job->w[worker].uss_kib = uss_kib;
    } else
        job->helpers_uss_kib += uss_kib;
}

void job_process_host(struct pb_job *job, const char *name,
                      const char *cpu_model, unsigned cores) {
    struct meta_host h;
    memset(&h, 0, sizeof h);
    snprintf(h.name, sizeof h.name, "%s", name ? name : "");
    snprintf(h.cpu_model, sizeof h.cpu_model, "%s", cpu_model ? cpu_model : "");
    h.cores = cores;
    if (!job->hosts &&
        !(job->hosts = calloc(JOB_MAX_HOSTS, sizeof *job->hosts)))
        return; /* out of memory: the host is left out of the metadata */
    (void)meta_host_add(job->hosts, &job->nhosts, JOB_MAX_HOSTS, &h);
}

size_t job_hosts(const struct pb_job *job, const struct meta_host **hosts) {
    *hosts = job->hosts;
    return job->nhosts;
}

const char *job_worker_program(const struct pb_job *job) {
    return job->worker_program;
}

const void *job_spec(const struct pb_job *job, size_t *len) {
    *len = job->spec_len;
    return job->spec;
}

int job_shared_fd(const struct pb_job *job) { return job->shared_fd; }

const struct job_worker *job_worker_info(const struct pb_job *job,
                                         unsigned worker) {
    return worker < job->workers ? &job->w[worker] : NULL;
}

void job_totals(const struct pb_job *job, struct job_totals *out) {
    memset(out, 0, sizeof *out);
    out->paused_ns = job->paused_ns;
    out->paused_user_s = job->paused_user_s;
    out->paused_sys_s = job->paused_sys_s;
    out->ipc_bytes = job->ipc_bytes;
    out->coord_pss_kib = job->coord_pss_kib;
    out->self_user_s = job->self_user_s;
    out->self_sys_s = job->self_sys_s;
    out->self_nvcsw = job->self_nvcsw;
    out->self_nivcsw = job->self_nivcsw;
    out->helpers_pss_kib = job->helpers_pss_kib;
    out->helpers_uss_kib = job->helpers_uss_kib;
    out->max_worker_rss_kib = job->helpers_maxrss_kib;
    out->self_minflt = job->self_minflt;
    out->self_majflt = job->self_majflt;
    out->self_uss_unknown = job->uss_calls < job->self_calls;
    out->coord_uss_kib = job->coord_uss_kib;
    for (uint64_t t = 0; t < job->tasks; t++)
        out->items += job->slots[t].items;
    for (unsigned i = 0; i < job->workers; i++) {
        const struct job_worker *jw = &job->w[i];
        if (jw->ready_ns > out->last_ready_ns)
            out->last_ready_ns = jw->ready_ns;
        if (jw->maxrss_kib > out->max_worker_rss_kib)
            out->max_worker_rss_kib = jw->maxrss_kib;
        out->workers_pss_kib += jw->pss_kib;
        out->workers_uss_kib += jw->uss_kib;
    }
}

/* ------------------------------------------------------------------------ */
/* Task context                                                             */
/* ------------------------------------------------------------------------ */

void job_checkpoint(struct pb_task_ctx *ctx) {
    if (ctx->io && ctx->io->checkpoint)
        ctx->io->checkpoint(ctx->io->ctx, ctx->worker);
}

void job_blocking_begin(struct pb_task_ctx *ctx) {
    if (ctx->io && ctx->io->blocking_begin)
        ctx->io->blocking_begin(ctx->io->ctx, ctx->worker);
}

void job_blocking_end(struct pb_task_ctx *ctx) {
    if (ctx->io && ctx->io->blocking_end)
        ctx->io->blocking_end(ctx->io->ctx, ctx->worker);
}

unsigned job_task_worker(const struct pb_task_ctx *ctx) { return ctx->worker; }

int job_thread_task(unsigned *worker, uint64_t *task) {
    if (!tls_job)
        return 0;
    *worker = tls_worker;
    *task = job_current_task(tls_job, tls_worker);
    return 1;
}

uint64_t job_current_task(const struct pb_job *job, unsigned worker) {
    if (!job->shared || worker >= job->shared->workers)
        return PB_NO_TASK;
    return atomic_load_explicit(&job->shared->current[worker],
                                memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* Worker side                                                              */
/* ------------------------------------------------------------------------ */

/* The value of field `name` ("\nPss:") in smaps_rollup text, in KiB; 0
 * when absent. */
static uint64_t smaps_field(const char *buf, const char *name) {
    const char *p = strstr(buf, name);
    if (!p)
        return 0;
    p += strlen(name);
    while (*p == ' ' || *p == '\t')
        p++;
    uint64_t kib = 0;
    while (*p >= '0' && *p <= '9')
        kib = kib * 10 + (uint64_t)(*p++ - '0');
    return kib;
}

void job_parse_smaps(const char *text, struct job_smaps *out) {
    out->pss_kib = smaps_field(text, "\nPss:");
    out->uss_kib = smaps_field(text, "\nPrivate_Clean:") +
                   smaps_field(text, "\nPrivate_Dirty:");
}

/* Reads /proc/PID/smaps_rollup (the coordinator reads its own and its
 * parked workers', see sample_memory). */
int job_read_smaps(pid_t pid, struct job_smaps *out) {
    char path[64];
    memset(out, 0, sizeof *out);
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
    else
        snprintf(path, sizeof path, "/proc/self/smaps_rollup");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    char buf[4096];
    size_t used = 0;
    ssize_t got;
    while (used < sizeof buf - 1 &&
           (got = read(fd, buf + used, sizeof buf - 1 - used)) > 0)
        used += (size_t)got;
    close(fd);
    buf[used] = '\0';
    job_parse_smaps(buf, out);
    return 0;
}

uint64_t job_read_pss_kib(pid_t pid) {
    struct job_smaps sm;
    (void)job_read_smaps(pid, &sm);
    return sm.pss_kib;
}

/* The core's claim: static by index (task = worker + k * workers), or the
 * shared atomic counter. `cursor` is the worker's own static position. */
PB_HOT static int default_claim(struct pb_job *job, unsigned worker,
                                uint64_t *cursor, uint64_t *task) {
    if (atomic_load_explicit(&job->shared->stop, memory_order_relaxed))
        return 0;
    uint64_t t;
    if (job->schedule == PB_SCHEDULE_STATIC) {
        t = *cursor;
        *cursor += job->workers;
        (void)worker;
    } else {
        t = atomic_fetch_add_explicit(&job->shared->next_task, 1,
                                      memory_order_relaxed);
    }
    if (t >= job->tasks)
        return 0;
    *task = t;
    return 1;
}

/* Reports a failed task (or a failed hook) from the worker.  In a process
 * that is not the coordinator this uses only async-signal-safe calls. */
static void worker_fail(struct pb_job *job, unsigned worker,
                        const struct pb_worker_io *io, uint64_t task,
                        int has_task, const char *what) {
    if (io && io->send) {
        char text[400];
        size_t n = sigsafe_str(text, sizeof text, 0, "worker ");
        n = sigsafe_u64(text, sizeof text, n, worker);
        if (has_task) {
            n = sigsafe_str(text, sizeof text, n, ", task ");
            n = sigsafe_u64(text, sizeof text, n, task);
        }
        n = sigsafe_str(text, sizeof text, n, ": ");
        n = sigsafe_str(text, sizeof text, n, what);
        struct msg_head h = {.magic = MSG_MAGIC,
                             .type = MSG_RESULT,
                             .worker = worker,
                             .status = 1,
                             .task = task,
                             .body_size = n};
        io->send(io->ctx, &h, sizeof h, text, n);
        atomic_store(&job->shared->stop, 1);
    } else if (has_task) {
        job_failf(job, 0, "worker %u, task %" PRIu64 ": %s", worker, task,
                  what);
    } else {
        job_failf(job, 0, "worker %u: %s", worker, what);
    }
}

/* The exactly-once check: moves task's slot out of SLOT_EMPTY into `to`.
 * Returns 0, or PB_ETASK (and the job fails naming the task) when the task
 * already had a result, whether that one came in-process or by message.
 * Any thread: a compare-and-swap, so two results racing for one task
 * cannot both win. */
static int claim_slot(struct pb_job *job, uint64_t task, unsigned char to) {
    unsigned char empty = SLOT_EMPTY;
    if (atomic_compare_exchange_strong(&job->slots[task].state, &empty, to))
        return 0;
    job_failf(job, 0, "task %" PRIu64 " produced two results", task);
    return PB_ETASK;
}

/* 1 when the worker loop runs in the cell process that made the job
 * (a thread of it), 0 in a worker process: a fork of it (another pid) or
 * one that made its job itself (job_new_worker: no coordinator pid). */
PB_HOT static int loop_in_cell(const struct pb_job *job) {
    return job->coordinator != 0 && job->coordinator == getpid();
}

PB_HOT int job_worker_loop(struct pb_job *job, unsigned worker,
                           const struct pb_worker_io *io) {
    if (worker >= job->workers) {
        worker_fail(job, worker, io, 0, 0, "worker index out of range");
        return PB_EINVAL;
    }
    if (atomic_exchange(entered_flag(job->shared, worker), 1) != 0) {
        /* An executor bug; the first call for this worker goes on. */
        char what[200];
        size_t n = sigsafe_str(what, sizeof what - 1, 0, "executor ");
        n = sigsafe_str(what, sizeof what - 1, n,
                        job->executor ? job->executor : "(unknown)");
        n = sigsafe_str(what, sizeof what - 1, n,
                        " called worker_loop a second time for this worker; an "
                        "executor calls it once per worker and repetition");
        what[n] = '\0';
        worker_fail(job, worker, io, 0, 0, what);
        return PB_EINVAL;
    }
    uint64_t cpu = atomic_load(cpu_of(job->shared, worker));
    if (cpu != JOB_UNPINNED) {
        /* The calling thread only: a thread, a forked child's one thread,
         * a parbench-worker. */
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET((int)cpu, &set);
        if (sched_setaffinity(0, sizeof set, &set) != 0) {
            char what[96];
            size_t n = sigsafe_str(what, sizeof what - 1, 0,
                                   "cannot pin the worker to CPU ");
            n = sigsafe_u64(what, sizeof what - 1, n, cpu);
            n = sigsafe_str(what, sizeof what - 1, n, " (affinity)");
            what[n] = '\0';
            worker_fail(job, worker, io, 0, 0, what);
            return PB_EINVAL;
        }
    }
    struct pb_task_ctx ctx = {job, worker, io};
    char err[256] = "";
    int in_cell = loop_in_cell(job);
    if (in_cell) {
        tls_job = job;
        tls_worker = worker;
    }
    void *ws = NULL;
    int rc = 0;

    if (job->ops->worker_init &&
        job->ops->worker_init(job->state, worker, &ws, err, sizeof err) < 0) {
        worker_fail(job, worker, io, 0, 0, err[0] ? err : "worker_init failed");
        if (in_cell)
            tls_job = NULL;
        return PB_ETASK;
    }

    uint64_t cursor = worker, task = 0, ready = 0, ran = 0;
    for (;;) {
        int c = io && io->claim ? io->claim(io->ctx, worker, &task)
                                : default_claim(job, worker, &cursor, &task);
        if (c == 0)
            break;
        if (c < 0) {
            worker_fail(job, worker, io, 0, 0, "claiming a task failed");
            rc = PB_EIO;
            break;
        }
        if (task >= job->tasks) {
            worker_fail(job, worker, io, task, 1,
                        "the claim returned a task that does not exist");
            rc = PB_EINVAL;
            break;
        }
        if (!ready)
            ready = clock_mono_ns();
        struct pb_task_result r = {0, 0, NULL, 0};
        err[0] = '\0';
        /* Plain stores to the shared page: no syscall on the task path. */
        atomic_store_explicit(&job->shared->current[worker], task,
                              memory_order_relaxed);
        int trc =
            job->ops->run_task(job->state, ws, &ctx, task, &r, err, sizeof err);
        atomic_store_explicit(&job->shared->current[worker], PB_NO_TASK,
                              memory_order_relaxed);
        if (trc < 0) {
            worker_fail(job, worker, io, task, 1,
                        err[0] ? err : "the task failed without a message");
            rc = PB_ETASK;
            break;
        }
        ran++;
        if (io && io->send) {
            struct msg_head h = {.magic = MSG_MAGIC,
                                 .type = MSG_RESULT,
                                 .worker = worker,
                                 .task = task,
                                 .checksum = r.checksum,
                                 .items = r.items,
                                 .body_size = r.payload ? r.payload_size : 0};
            if (io->send(io->ctx, &h, sizeof h, r.payload,
                         (size_t)h.body_size) < 0) {
                /* Too big for the transport (PB_FRAME_MAX), or the
                 * coordinator is gone: then this message is lost too. */
                char why[128];
                size_t n = sigsafe_str(why, sizeof why - 1, 0, "its result (");
                n = sigsafe_u64(why, sizeof why - 1, n, h.body_size);
                n = sigsafe_str(why, sizeof why - 1, n,
                                " bytes of payload) could not be sent to the "
                                "coordinator");
                why[n] = '\0';
                worker_fail(job, worker, io, task, 1, why);
                rc = PB_EIO;
                break;
            }
        } else {
            /* The payload stays the workload's until job_finish merges
             * it (plugin.h, struct pb_task_result). */
            if (claim_slot(job, task, SLOT_STORED) < 0) {
                rc = PB_ETASK;
                break;
            }
            struct job_slot *s = &job->slots[task];
            s->checksum = r.checksum;
            s->items = r.items;
            s->payload = r.payload;
            s->payload_size = r.payload_size;
        }
    }
    if (!ready)
        ready = clock_mono_ns();
    if (job->ops->worker_fini)
        job->ops->worker_fini(job->state, ws);
    if (in_cell)
        tls_job = NULL;

    if (io && io->send) {
        struct msg_final f = {
            .h = {.magic = MSG_MAGIC, .type = MSG_FINAL, .worker = worker},
            .ready_ns = ready + (uint64_t)job->clock_offset_ns,
            .tasks_run = ran};
        /* The process whose memory the coordinator reads: none to read
         * with job_set_memory(job, 0), and no system call for it. */
        f.pid = job->memory_off ? 0 : getpid();
        if (io->send(io->ctx, &f, sizeof f, NULL, 0) < 0)
            rc = PB_EIO;
    } else {
        job->w[worker].ready_ns = ready;
        job->w[worker].tasks_run = ran;
        job->w[worker].reported = 1;
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Coordinator side                                                         */
/* ------------------------------------------------------------------------ */

static int merge_one(struct pb_job *job, uint64_t task,
                     const struct pb_task_result *r) {
    char err[256] = "";
    if (job->ops->merge(job->state, task, r, err, sizeof err) < 0) {
        job_failf(job, 0, "merging task %" PRIu64 ": %s", task,
                  err[0] ? err : "the workload refused the result");
        return PB_ETASK;
    }
    atomic_store(&job->slots[task].state, SLOT_MERGED);
    return 0;
}

/* Every worker has sent its final report and waits for its release
 * (PB_FRAME_DONE), so the processes are all alive and idle: read the
 * proportional set size of the coordinator and of each worker now, while
 * the pages they share are still shared.  The clock is paused meanwhile:
 * sampling is parbench's work, not the executor's. */
static double tv_seconds(struct timeval tv) {
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static void sample_memory(struct pb_job *job) {
    struct rusage r0, r1;
    if (job->pause)
        job->pause(job->pause_ctx, 1);
    getrusage(RUSAGE_SELF, &r0);
    uint64_t t = clock_mono_ns();
    struct job_smaps sm;
    (void)job_read_smaps(0, &sm);
    job->coord_pss_kib = sm.pss_kib;
    job->coord_uss_kib = sm.uss_kib;
    for (unsigned i = 0; i < job->workers; i++)
        if (job->w[i].pid > 0 && !job->w[i].self_measured) {
            (void)job_read_smaps(job->w[i].pid, &sm);
            job->w[i].pss_kib = sm.pss_kib;
            job->w[i].uss_kib = sm.uss_kib;
            job->w[i].sampled = 1;
        }
    /* The executor's helpers (a fork server), read in the same moment:
     * the pages they share with the workers count once. */
    for (unsigned i = 0; i < job->nhelper_pids; i++) {
        (void)job_read_smaps(job->helper_pids[i], &sm);
        job->helpers_pss_kib += sm.pss_kib;
        job->helpers_uss_kib += sm.uss_kib;
    }
    job->paused_ns += clock_mono_ns() - t;
    /* Reading smaps_rollup walks page tables: kernel time that is
     * parbench's, not the executor's, and that threads never pay. */
    getrusage(RUSAGE_SELF, &r1);
    job->paused_user_s += tv_seconds(r1.ru_utime) - tv_seconds(r0.ru_utime);
    job->paused_sys_s += tv_seconds(r1.ru_stime) - tv_seconds(r0.ru_stime);
    if (job->pause)
        job->pause(job->pause_ctx, 0);
}

int job_deliver(struct pb_job *job, const void *msg, size_t len) {
    struct msg_head h;
    if (len < sizeof h) {
        job_failf(job, 1, "malformed worker message (%zu bytes)", len);
        return PB_EINVAL;
    }
    memcpy(&h, msg, sizeof h);
    const unsigned char *body = (const unsigned char *)msg + sizeof h;
    if (h.magic != MSG_MAGIC || h.worker >= job->workers ||
        (h.type == MSG_RESULT ? h.body_size != len - sizeof h
                              : h.type != MSG_FINAL || h.body_size != 0 ||
                                    len != sizeof(struct msg_final))) {
        job_failf(job, 1, "malformed worker message (%zu bytes)", len);
        return PB_EINVAL;
    }
    job->ipc_bytes += len;
    if (h.type == MSG_FINAL) {
        struct msg_final f;
        memcpy(&f, msg, sizeof f);
        struct job_worker *w = &job->w[h.worker];
        w->ready_ns = f.ready_ns;
        w->tasks_run = f.tasks_run;
        w->pid = f.pid != job->coordinator ? (pid_t)f.pid : 0;
        if (!w->reported && ++job->finals == job->workers && !job->memory_off)
            sample_memory(job);
        w->reported = 1;
        return 0;
    }
    if (h.status != 0) {
        /* The worker's sentence; a failure always has one. */
        size_t n = strnlen((const char *)body,
                           h.body_size > 400 ? 400 : (size_t)h.body_size);
        if (n)
            job_failf(job, 0, "%.*s", (int)n, (const char *)body);
        else
            job_failf(job, 0, "worker %" PRIu32 " failed without a message",
                      h.worker);
        return 0;
    }
    if (h.task >= job->tasks) {
        job_failf(job, 1,
                  "worker %" PRIu32 " sent a result for task %" PRIu64
                  " of %" PRIu64,
                  h.worker, h.task, job->tasks);
        return PB_EINVAL;
    }
    /* A duplicate fails the job but is not a broken protocol. */
    if (claim_slot(job, h.task, SLOT_MERGED) < 0)
        return 0;
    struct pb_task_result r = {h.checksum, h.items, h.body_size ? body : NULL,
                               (size_t)h.body_size};
    job->slots[h.task].checksum = h.checksum;
    job->slots[h.task].items = h.items;
    return merge_one(job, h.task, &r);
}

int job_finish(struct pb_job *job) {
    for (uint64_t t = 0; t < job->tasks && !job->failed; t++) {
        struct job_slot *s = &job->slots[t];
        unsigned char st = atomic_load(&s->state);
        if (st == SLOT_STORED) {
            struct pb_task_result r = {s->checksum, s->items, s->payload,
                                       s->payload_size};
            merge_one(job, t, &r);
        } else if (st == SLOT_EMPTY) {
            job_failf(job, 0, "task %" PRIu64 " produced no result", t);
        }
    }
    for (unsigned i = 0; i < job->workers && !job->failed; i++)
        if (!job->w[i].reported)
            job_failf(job, 1, "worker %u never reported back", i);
    return job->failed ? PB_ETASK : 0;
}
