/*
 * job.c - the core's worker loop, result messages and the coordinator's
 * bookkeeping of one repetition.  Every executor runs its workers through
 * job_worker_loop(), so every executor is measured by the same code.
 */
#include "run/job.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/errors.h"

/* ------------------------------------------------------------------------ */
/* Messages from worker processes                                           */
/* ------------------------------------------------------------------------ */

#define MSG_MAGIC 0x50424d31u /* "PBM1" */

enum msg_type { MSG_RESULT = 1, MSG_FINAL = 2 };

/*
 * Fixed header of every message; the body follows: the payload of an ok
 * result, or the error text of a failed one (not NUL-terminated).
 */
struct msg_head {
    uint32_t magic;
    uint32_t type;
    uint32_t worker;
    int32_t status; /* 0 ok, 1 failed                                   */
    uint64_t task;
    uint64_t checksum, items;
    uint64_t body_size;
    uint64_t ready_ns, tasks_run; /* MSG_FINAL                          */
    int64_t pid;                  /* MSG_FINAL: the worker process      */
};

/* The context a workload sees while running one task. */
struct pb_task_ctx {
    struct pb_job *job;
    unsigned worker;
    const struct pb_worker_io *io;
};

/* ------------------------------------------------------------------------ */
/* Job set-up                                                               */
/* ------------------------------------------------------------------------ */

/* Maps a status page for `workers` workers: from `fd` when fd >= 0 (the
 * coordinator's), else from a new memfd whose descriptor is kept. */
static int map_shared(struct pb_job *job, unsigned workers, int fd) {
    size_t need = sizeof *job->shared + (size_t)workers * sizeof(uint64_t);
    long page = sysconf(_SC_PAGESIZE);
    size_t size = (need + (size_t)page - 1) / (size_t)page * (size_t)page;
    int own = fd < 0;
    if (own) {
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
        for (unsigned w = 0; w < workers; w++)
            atomic_init(&sh->current[w], PB_NO_TASK);
        job->shared_fd = fd;
    } else if (sh->workers != workers) {
        munmap(p, size);
        return PB_EINVAL;
    }
    job->shared = sh;
    job->shared_size = size;
    return 0;
}

int job_init(struct pb_job *job, const struct pb_host *host,
             const struct pb_workload_ops *ops, void *state, unsigned workers,
             enum pb_schedule schedule) {
    memset(job, 0, sizeof *job);
    job->shared_fd = -1;
    job->host = host;
    job->ops = ops;
    job->state = state;
    job->workers = workers;
    job->tasks = ops->task_count(state);
    job->schedule = schedule;
    job->coordinator = getpid();
    if (map_shared(job, workers, -1) < 0)
        return PB_ENOMEM;
    job->slots = calloc(job->tasks ? job->tasks : 1, sizeof *job->slots);
    job->w = calloc(workers ? workers : 1, sizeof *job->w);
    if (!job->slots || !job->w) {
        job_destroy(job);
        return PB_ENOMEM;
    }
    pthread_mutex_init(&job->lock, NULL);
    return 0;
}

int job_attach_shared(struct pb_job *job, int fd) {
    struct job_shared *old = job->shared;
    size_t old_size = job->shared_size;
    int rc = map_shared(job, job->workers, fd);
    if (rc < 0)
        return rc;
    munmap(old, old_size);
    if (job->shared_fd >= 0)
        close(job->shared_fd);
    job->shared_fd = -1;
    return 0;
}

void job_destroy(struct pb_job *job) {
    if (job->shared)
        munmap(job->shared, job->shared_size);
    if (job->shared_fd >= 0)
        close(job->shared_fd);
    free(job->slots);
    free(job->w);
    if (job->slots && job->w)
        pthread_mutex_destroy(&job->lock);
    memset(job, 0, sizeof *job);
    job->shared_fd = -1;
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

uint64_t job_current_task(const struct pb_job *job, unsigned worker) {
    if (!job->shared || worker >= job->shared->workers)
        return PB_NO_TASK;
    return atomic_load_explicit(&job->shared->current[worker],
                                memory_order_relaxed);
}

/* ------------------------------------------------------------------------ */
/* Worker side                                                              */
/* ------------------------------------------------------------------------ */

/* Parses "Pss:   1234 kB" out of /proc/PID/smaps_rollup (the coordinator
 * reads its own and its parked workers', see sample_memory). */
uint64_t job_read_pss_kib(pid_t pid) {
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof path, "/proc/%ld/smaps_rollup", (long)pid);
    else
        snprintf(path, sizeof path, "/proc/self/smaps_rollup");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[4096];
    size_t used = 0;
    ssize_t got;
    while (used < sizeof buf - 1 &&
           (got = read(fd, buf + used, sizeof buf - 1 - used)) > 0)
        used += (size_t)got;
    close(fd);
    buf[used] = '\0';
    const char *p = strstr(buf, "\nPss:");
    if (!p)
        return 0;
    p += 5;
    while (*p == ' ' || *p == '\t')
        p++;
    uint64_t kib = 0;
    while (*p >= '0' && *p <= '9')
        kib = kib * 10 + (uint64_t)(*p++ - '0');
    return kib;
}

/* The core's claim: static by index (task = worker + k * workers), or the
 * shared atomic counter. `cursor` is the worker's own static position. */
static int default_claim(struct pb_job *job, unsigned worker, uint64_t *cursor,
                         uint64_t *task) {
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

/* Copies at most `cap` bytes of the string s into dst without stdio. */
static size_t put_str(char *dst, size_t cap, size_t at, const char *s) {
    while (*s && at < cap)
        dst[at++] = *s++;
    return at;
}

static size_t put_u64(char *dst, size_t cap, size_t at, uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && at < cap)
        dst[at++] = tmp[--n];
    return at;
}

/* Reports a failed task (or a failed hook) from the worker.  In a process
 * that is not the coordinator this uses only async-signal-safe calls. */
static void worker_fail(struct pb_job *job, unsigned worker,
                        const struct pb_worker_io *io, uint64_t task,
                        int has_task, const char *what) {
    if (io && io->send) {
        char text[400];
        size_t n = put_str(text, sizeof text, 0, "worker ");
        n = put_u64(text, sizeof text, n, worker);
        if (has_task) {
            n = put_str(text, sizeof text, n, ", task ");
            n = put_u64(text, sizeof text, n, task);
        }
        n = put_str(text, sizeof text, n, ": ");
        n = put_str(text, sizeof text, n, what);
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

int job_worker_loop(struct pb_job *job, unsigned worker,
                    const struct pb_worker_io *io) {
    if (worker >= job->workers) {
        worker_fail(job, worker, io, 0, 0, "worker index out of range");
        return PB_EINVAL;
    }
    struct pb_task_ctx ctx = {job, worker, io};
    char err[256] = "";
    void *ws = NULL;
    int rc = 0;

    if (job->ops->worker_init &&
        job->ops->worker_init(job->state, worker, &ws, err, sizeof err) < 0) {
        worker_fail(job, worker, io, 0, 0, err[0] ? err : "worker_init failed");
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
                rc = PB_EIO;
                break;
            }
        } else {
            struct job_slot *s = &job->slots[task];
            s->checksum = r.checksum;
            s->items = r.items;
            s->payload = r.payload;
            s->payload_size = r.payload_size;
            s->state = 1;
        }
    }
    if (!ready)
        ready = clock_mono_ns();
    if (job->ops->worker_fini)
        job->ops->worker_fini(job->state, ws);

    if (io && io->send) {
        struct msg_head h = {.magic = MSG_MAGIC,
                             .type = MSG_FINAL,
                             .worker = worker,
                             .ready_ns = ready,
                             .tasks_run = ran};
        h.pid = getpid();
        if (io->send(io->ctx, &h, sizeof h, NULL, 0) < 0)
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
    job->slots[task].state = 2;
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
    getrusage(RUSAGE_SELF, &r0);
    uint64_t t = clock_mono_ns();
    job->coord_pss_kib = job_read_pss_kib(0);
    for (unsigned i = 0; i < job->workers; i++)
        if (job->w[i].pid > 0)
            job->w[i].pss_kib = job_read_pss_kib(job->w[i].pid);
    job->paused_ns += clock_mono_ns() - t;
    /* Reading smaps_rollup walks page tables: kernel time that is
     * parbench's, not the executor's, and that threads never pay. */
    getrusage(RUSAGE_SELF, &r1);
    job->paused_user_s += tv_seconds(r1.ru_utime) - tv_seconds(r0.ru_utime);
    job->paused_sys_s += tv_seconds(r1.ru_stime) - tv_seconds(r0.ru_stime);
}

int job_deliver(struct pb_job *job, const void *msg, size_t len) {
    struct msg_head h;
    if (len < sizeof h) {
        job_failf(job, 1, "malformed worker message (%zu bytes)", len);
        return PB_EINVAL;
    }
    memcpy(&h, msg, sizeof h);
    const unsigned char *body = (const unsigned char *)msg + sizeof h;
    if (h.magic != MSG_MAGIC || h.body_size != len - sizeof h ||
        h.worker >= job->workers ||
        (h.type != MSG_RESULT && h.type != MSG_FINAL)) {
        job_failf(job, 1, "malformed worker message (%zu bytes)", len);
        return PB_EINVAL;
    }
    job->ipc_bytes += len;
    if (h.type == MSG_FINAL) {
        struct job_worker *w = &job->w[h.worker];
        w->ready_ns = h.ready_ns;
        w->tasks_run = h.tasks_run;
        w->pid = h.pid != job->coordinator ? (pid_t)h.pid : 0;
        if (!w->reported && ++job->finals == job->workers)
            sample_memory(job);
        w->reported = 1;
        return 0;
    }
    if (h.status != 0) {
        int n = h.body_size > 400 ? 400 : (int)h.body_size;
        job_failf(job, 0, "%.*s", n, (const char *)body);
        return 0;
    }
    if (h.task >= job->tasks) {
        job_failf(job, 1,
                  "worker %" PRIu32 " sent a result for task %" PRIu64
                  " of %" PRIu64,
                  h.worker, h.task, job->tasks);
        return PB_EINVAL;
    }
    if (job->slots[h.task].state) {
        job_failf(job, 0, "task %" PRIu64 " produced two results", h.task);
        return 0;
    }
    struct pb_task_result r = {h.checksum, h.items, h.body_size ? body : NULL,
                               (size_t)h.body_size};
    job->slots[h.task].checksum = h.checksum;
    job->slots[h.task].items = h.items;
    return merge_one(job, h.task, &r);
}

int job_finish(struct pb_job *job) {
    for (uint64_t t = 0; t < job->tasks && !job->failed; t++) {
        struct job_slot *s = &job->slots[t];
        if (s->state == 1) {
            struct pb_task_result r = {s->checksum, s->items, s->payload,
                                       s->payload_size};
            merge_one(job, t, &r);
        } else if (s->state == 0) {
            job_failf(job, 0, "task %" PRIu64 " produced no result", t);
        }
    }
    return job->failed ? PB_ETASK : 0;
}
