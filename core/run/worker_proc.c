/* SPDX-License-Identifier: MIT */
/*
 * worker_proc.c - one worker of a job in a process of its own, spoken to
 * through the protocol of <parbench/worker.h>: read a start record and the
 * workload spec on PB_WORKER_FD_IN, load the workload plugin, re-create the
 * workload state with create() (role PB_ROLE_WORKER), run the core's worker
 * loop and stream results back in frames on PB_WORKER_FD_OUT, many to a
 * write.  parbench-worker (cli/worker_main.c) runs it after an exec; the
 * `forkserver` executor runs it in a process its server forked, through
 * host->worker_main, without an exec.
 */
#include "run/worker_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "run/host.h"
#include "run/job.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/hot.h"
#include "util/selfusage.h"

/* A spec larger than this is refused rather than allocated. */
#define SPEC_MAX (64u << 20)

/* Frames to the coordinator are streamed in batches (fdio_batch): one
 * write carries up to BATCH_BYTES of results, and none waits more than
 * BATCH_NS plus a clock tick plus the task after it (fdio.h).  Flushed
 * before a claim is awaited and at PB_FRAME_DONE. */
#define BATCH_BYTES 32768
#define BATCH_NS 1000000u
static struct fdio_batch batch = {.fd = PB_WORKER_FD_OUT, .interval_ns = 0};

/* The batch's buffer, allocated by the worker that uses it: as a static
 * array it was 32 KiB of the executable's zeroed data, a mapping of its
 * own in every process of the program, copied by each fork of a cell
 * process (see docs/performance.md). */
PB_HOT static void batch_alloc(void) {
    if (!batch.buf && !(batch.buf = malloc(BATCH_BYTES)))
        _exit(PB_WORKER_EXIT_START);
    batch.cap = BATCH_BYTES;
}

/* One frame on the coordinator's pipe (PB_FRAME_MAX is checked there),
 * queued in the batch. */
PB_HOT static int send_frame(uint32_t type, const void *a, size_t alen,
                             const void *b, size_t blen) {
    return fdio_batch_frame(&batch, type, a, alen, b, blen);
}

/* One frame written now, with whatever was queued before it. */
static int send_frame_now(uint32_t type, const void *a, size_t alen,
                          const void *b, size_t blen) {
    if (send_frame(type, a, alen, b, blen) < 0)
        return -1;
    return fdio_batch_flush(&batch);
}

/* The worker could not start: tell the coordinator (and stderr if there
 * is no coordinator to tell) and exit. */
static void fail_start(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void fail_start(const char *fmt, ...) {
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    /* Descriptor 3 is the coordinator's pipe only if it is a pipe: run
     * by hand, it may be anything. */
    struct stat st;
    if (fstat(PB_WORKER_FD_OUT, &st) < 0 || !S_ISFIFO(st.st_mode) ||
        send_frame_now(PB_FRAME_ERROR, text, strlen(text), NULL, 0) < 0)
        fprintf(stderr, "parbench-worker: %s\n", text);
    _exit(PB_WORKER_EXIT_START);
}

/* io->send: one message of the worker loop as one PB_FRAME_MSG. */
PB_HOT static int worker_send(void *ctx, const void *head, size_t head_len,
                              const void *body, size_t body_len) {
    (void)ctx;
    return send_frame(PB_FRAME_MSG, head, head_len, body, body_len);
}

/* io->claim under PB_WORKER_CLAIM_PIPE: ask, then read the answer.  The
 * coordinator closing our input means it hands out nothing more. */
static int worker_claim(void *ctx, unsigned worker, uint64_t *task) {
    struct pb_job *job = ctx;
    (void)worker;
    if (job_stopping(job))
        return 0;
    uint64_t t;
    if (send_frame_now(PB_FRAME_CLAIM, NULL, 0, NULL, 0) < 0)
        return -1;
    int r = fdio_read_full(PB_WORKER_FD_IN, &t, sizeof t);
    if (r <= 0)
        return r;
    if (t == PB_NO_TASK)
        return 0;
    *task = t;
    return 1;
}

/* Reads a start record on PB_WORKER_FD_IN, and the shared page that a
 * pooled worker's record carries (SCM_RIGHTS on a socket) into *shfd (-1
 * without one).  Returns 1, 0 at end-of-file before the record, -1 when
 * the record is cut off or unreadable. */
PB_HOT static int read_start(struct pb_worker_start *st, int *shfd) {
    struct stat sb;
    *shfd = -1;
    if (fstat(PB_WORKER_FD_IN, &sb) < 0 || !S_ISSOCK(sb.st_mode)) {
        int r = fdio_read_full(PB_WORKER_FD_IN, st, sizeof *st);
        return r < 0 ? -1 : r;
    }
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } cm;
    struct iovec iov = {.iov_base = st, .iov_len = sizeof *st};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cm.buf,
                        .msg_controllen = sizeof cm.buf};
    ssize_t n;
    while ((n = recvmsg(PB_WORKER_FD_IN, &mh, MSG_CMSG_CLOEXEC)) < 0 &&
           errno == EINTR)
        ;
    if (n <= 0)
        return n == 0 ? 0 : -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int)))
            memcpy(shfd, CMSG_DATA(c), sizeof(int));
    /* The rest of a record split by the stream. */
    if ((size_t)n < sizeof *st &&
        fdio_read_full(PB_WORKER_FD_IN, (char *)st + n,
                       sizeof *st - (size_t)n) <= 0)
        return -1;
    return 1;
}

/* 1 when a spec of `len` bytes may be read (SPEC_MAX). */
static int spec_len_ok(uint64_t len) { return len != 0 && len <= SPEC_MAX; }

/* 0 when start record `st` names a worker of its job and a schedule;
 * else -1 with what it says instead in err -- the same words for a
 * spawned worker (check_start) and a forked one (worker_proc_job). */
PB_HOT static int start_in_range(const struct pb_worker_start *st, char *err,
                                 size_t errlen) {
    if (st->workers != 0 && st->worker < st->workers && st->schedule <= 1)
        return 0;
    snprintf(err, errlen, "start record: worker %u of %u, schedule %u",
             st->worker, st->workers, st->schedule);
    return -1;
}

/* The checks every start record passes. */
PB_HOT static void check_start(const struct pb_worker_start *st) {
    char err[128];
    if (st->magic != PB_WORKER_MAGIC)
        fail_start("no valid start record on standard input (this program "
                   "is started by parbench)");
    if (start_in_range(st, err, sizeof err) < 0)
        fail_start("%s", err);
}

/* A job of the workload for the start record `st`, checked against it;
 * `shfd` is the coordinator's status page, or -1 (a page of its own).
 * NULL with err when it cannot be had. */
PB_HOT static struct pb_job *
new_job(const struct pb_host *h, const struct pb_workload_ops *ops, void *state,
        const struct pb_worker_start *st, int shfd, char *err, size_t errlen) {
    int rc = 0;
    struct pb_job *job = job_new_worker(
        h, ops, state, st->workers, (enum pb_schedule)st->schedule, shfd, &rc);
    if (!job) {
        if (rc == PB_ENOMEM)
            snprintf(err, errlen, "out of memory");
        else
            snprintf(err, errlen,
                     "cannot map the job's shared page from descriptor %d",
                     shfd);
        return NULL;
    }
    /* Nobody reads this worker's memory: its final report names no
     * process. */
    if (st->flags & PB_WORKER_NO_RELEASE)
        job_set_memory(job, 0);
    if (job_tasks(job) != st->tasks) {
        snprintf(err, errlen,
                 "the workload has %llu tasks here but %llu in the "
                 "coordinator: its create() is not deterministic",
                 (unsigned long long)job_tasks(job),
                 (unsigned long long)st->tasks);
        return NULL;
    }
    return job;
}

/* new_job, or the worker says why and exits. */
PB_HOT static struct pb_job *
start_job(const struct pb_host *h, const struct pb_workload_ops *ops,
          void *state, const struct pb_worker_start *st, int shfd) {
    char err[512];
    struct pb_job *job = new_job(h, ops, state, st, shfd, err, sizeof err);
    if (!job)
        fail_start("%s", err);
    return job;
}

/* The start record of a pooled worker's next repetition (no spec: it has
 * its workload); exits at end-of-file, the pool's end. */
static void next_pool_start(struct pb_worker_start *st, int *shfd) {
    int r = read_start(st, shfd);
    if (r == 0)
        _exit(0);
    if (r < 0)
        fail_start("a pooled worker's start record was cut off");
    check_start(st);
    if (!(st->flags & PB_WORKER_POOL) || st->spec_len != 0)
        fail_start("a pooled worker got a start record for a fresh one");
}

/* A pooled worker (PB_WORKER_POOL): one repetition per start record, as a
 * fresh worker runs it, until end-of-file.  `st` is the first record and
 * `shfd` the shared page it carried.  Never returns. */
static void pool_serve(const struct pb_host *h,
                       const struct pb_workload_ops *ops, void *state,
                       struct pb_worker_start st, int shfd)
    __attribute__((noreturn));
static void pool_serve(const struct pb_host *h,
                       const struct pb_workload_ops *ops, void *state,
                       struct pb_worker_start st, int shfd) {
    /* The first report covers the process's start: its start-up is the
     * first repetition's (a fork()ed or spawned process starts from 0). */
    struct rusage base;
    memset(&base, 0, sizeof base);
    for (;;) {
        if (shfd < 0)
            fail_start("no shared page came with the start record of a "
                       "pooled worker");
        struct pb_job *job = start_job(h, ops, state, &st, shfd);
        close(shfd);
        fdio_batch_init(&batch, PB_WORKER_FD_OUT, batch.buf, BATCH_BYTES,
                        BATCH_NS);
        struct pb_worker_io io = {.ctx = job, .send = worker_send};
        (void)job_worker_loop(job, st.worker, &io);
        if (send_frame_now(PB_FRAME_DONE, NULL, 0, NULL, 0) < 0)
            _exit(PB_EXIT_INTERNAL);
        /* The release: one byte (none with PB_WORKER_NO_RELEASE);
         * end-of-file ends the pool. */
        if (!(st.flags & PB_WORKER_NO_RELEASE)) {
            char b;
            ssize_t n;
            while ((n = read(PB_WORKER_FD_IN, &b, 1)) < 0 && errno == EINTR)
                ;
            if (n <= 0)
                _exit(0);
        }
        /* CPU time and faults only: the coordinator read this process's
         * memory itself, with the clock paused, while the pool waited for
         * the release (a reading of our own here would be inside run(),
         * and its CPU time in the next repetition's). */
        struct pb_worker_usage u;
        memset(&u, 0, sizeof u);
        selfusage_since(&u, &base);
        if (send_frame_now(PB_FRAME_USAGE, &u, sizeof u, NULL, 0) < 0)
            _exit(PB_EXIT_INTERNAL);
        job_free(job);
        next_pool_start(&st, &shfd);
    }
}

void worker_proc_pool_main(const struct pb_job *job) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    batch_alloc();
    const struct pb_host *h;
    const struct pb_workload_ops *ops;
    void *state;
    job_workload(job, &h, &ops, &state);
    struct pb_worker_start st;
    int shfd;
    next_pool_start(&st, &shfd);
    if (st.parent != getppid())
        _exit(PB_WORKER_EXIT_START);
    pool_serve(h, ops, state, st, shfd);
}

void *worker_proc_spec(const void *spec, size_t spec_len, char *err,
                       size_t errlen) {
    if (!spec_len_ok(spec_len)) {
        snprintf(err, errlen, "workload spec of %llu bytes",
                 (unsigned long long)spec_len);
        return NULL;
    }
    struct host_workload *wl = calloc(1, sizeof *wl);
    if (!wl) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (host_workload_parse(spec, spec_len, wl, err, errlen) < 0) {
        free(wl);
        return NULL;
    }
    return wl;
}

PB_HOT struct pb_job *worker_proc_job(const struct pb_worker_start *st,
                                      void *workload, int shared_fd, char *err,
                                      size_t errlen) {
    struct host_workload *wl = workload;
    if (st->magic != PB_WORKER_MAGIC) {
        snprintf(err, errlen, "not a start record (its magic is wrong)");
        return NULL;
    }
    if (start_in_range(st, err, errlen) < 0)
        return NULL;
    if (shared_fd < 0 && st->schedule == PB_SCHEDULE_DYNAMIC) {
        snprintf(err, errlen,
                 "dynamic schedule without the job's shared "
                 "page: no way to claim a task");
        return NULL;
    }
    if (!wl || host_workload_create(wl, err, errlen) < 0)
        return NULL;
    struct pb_job *job =
        new_job(&wl->hi.host, wl->ops, wl->state, st, shared_fd, err, errlen);
    if (shared_fd >= 0)
        close(shared_fd);
    return job;
}

/* The worker's tail (PB_WORKER_TAIL), mapped from PB_WORKER_FD_TAIL, or
 * NULL: then its frames all go to PB_WORKER_FD_OUT. */
PB_HOT static struct pb_worker_tail *
map_tail(const struct pb_worker_start *st) {
    if (!(st->flags & PB_WORKER_TAIL))
        return NULL;
    void *q = mmap(NULL, sizeof(struct pb_worker_tail), PROT_READ | PROT_WRITE,
                   MAP_SHARED, PB_WORKER_FD_TAIL,
                   (off_t)st->worker * (off_t)sizeof(struct pb_worker_tail));
    close(PB_WORKER_FD_TAIL);
    if (q == MAP_FAILED)
        return NULL;
    struct pb_worker_tail *t = q;
    /* Read before it is written: a read fault on shared memory maps every
     * page of it around the address that is in memory already (the
     * earlier repetitions' workers wrote them), where a write fault maps
     * its one page. */
    (void)*(volatile const uint32_t *)&t->len;
    return t;
}

PB_HOT void worker_proc_main(void) {
    /* Die with the coordinator; checked against start.parent below, since
     * the coordinator may have died before this line.  The batch's buffer
     * comes once the start record says whether the worker has a tail:
     * until then a frame (PB_FRAME_ERROR) is written at once. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);

    struct pb_worker_start st;
    int shfd = -1;
    if (read_start(&st, &shfd) <= 0)
        fail_start("no valid start record on standard input (this program "
                   "is started by parbench)");
    check_start(&st);
    if (st.parent != getppid())
        _exit(PB_WORKER_EXIT_START);
    if (!spec_len_ok(st.spec_len))
        fail_start("workload spec of %llu bytes (the coordinator could not "
                   "build one?)",
                   (unsigned long long)st.spec_len);
    char *text = malloc(st.spec_len);
    if (!text)
        fail_start("out of memory for a spec of %llu bytes",
                   (unsigned long long)st.spec_len);
    if (fdio_read_full(PB_WORKER_FD_IN, text, st.spec_len) <= 0)
        fail_start("the workload spec was cut off");

    char err[512];
    err[0] = '\0';
    /* The workload lives until _exit: its memory is part of what a
     * worker process costs, and the kernel frees it faster than we would. */
    static struct host_workload wl;
    if (host_workload_from_spec(text, st.spec_len, &wl, err, sizeof err) < 0)
        fail_start("%s", err);
    free(text);
    const struct pb_workload_ops *ops = wl.ops;
    void *state = wl.state;
    if (st.flags & PB_WORKER_POOL) {
        batch_alloc();
        pool_serve(&wl.hi.host, ops, state, st, shfd);
    }
    struct pb_job *job =
        start_job(&wl.hi.host, ops, state, &st,
                  (st.flags & PB_WORKER_SHARED) ? PB_WORKER_FD_SHARED : -1);
    if (job_schedule(job) == PB_SCHEDULE_DYNAMIC &&
        !(st.flags & (PB_WORKER_CLAIM_PIPE | PB_WORKER_SHARED)))
        fail_start("dynamic schedule without PB_WORKER_CLAIM_PIPE or "
                   "PB_WORKER_SHARED: no way to claim a task");

    /* Results stream from here on: start the batch's clock. */
    struct pb_worker_tail *tail = map_tail(&st);
    if (!tail)
        batch_alloc();
    fdio_batch_init(&batch, PB_WORKER_FD_OUT, tail ? tail->data : batch.buf,
                    tail ? sizeof tail->data : BATCH_BYTES, BATCH_NS);
    struct pb_worker_io io = {
        .ctx = job,
        .claim = (st.flags & PB_WORKER_CLAIM_PIPE) ? worker_claim : NULL,
        .send = worker_send,
    };
    /* Failures travel in the messages; a broken pipe means the
     * coordinator is gone and nobody is left to tell. */
    (void)job_worker_loop(job, st.worker, &io);
    if (!tail) {
        if (send_frame_now(PB_FRAME_DONE, NULL, 0, NULL, 0) < 0)
            _exit(PB_EXIT_INTERNAL);
    } else if (st.flags & PB_WORKER_NO_RELEASE) {
        /* The last batch, PB_FRAME_DONE included, stays in the tail: the
         * coordinator reads it when this process has ended. */
        if (send_frame(PB_FRAME_DONE, NULL, 0, NULL, 0) < 0)
            _exit(PB_EXIT_INTERNAL);
        __atomic_store_n(&tail->len, (uint32_t)batch.used, __ATOMIC_RELEASE);
    } else {
        /* The coordinator reads the tail at PB_FRAME_DONE, which wakes it:
         * then it reads our memory and releases us. */
        __atomic_store_n(&tail->len, (uint32_t)batch.used, __ATOMIC_RELEASE);
        if (fdio_write_frame_tagged(PB_WORKER_FD_OUT, 0, PB_FRAME_DONE, NULL, 0,
                                    NULL, 0) < 0)
            _exit(PB_EXIT_INTERNAL);
    }
    if (st.flags & PB_WORKER_NO_RELEASE)
        _exit(0);
    /* Wait for the release: end-of-file on our input. */
    char sink[64];
    ssize_t n;
    while ((n = read(PB_WORKER_FD_IN, sink, sizeof sink)) > 0 ||
           (n < 0 && errno == EINTR))
        ;
    _exit(0);
}
