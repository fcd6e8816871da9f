/* SPDX-License-Identifier: MIT */
/*
 * procs.c - see procs.h.
 */
#include "procs.h"

#include "lifetime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fdio.h"
#include "util/hot.h"
#include "util/selfusage.h"

/* ------------------------------------------------------------------------ */
/* The coordinator's scratch memory                                         */
/* ------------------------------------------------------------------------ */

/* What the coordinator writes while it serves its workers -- the table of
 * children, the poll arrays, the exit statuses and a read buffer of
 * SCRATCH_BUF bytes per worker -- lives for the cell process's life in
 * memory mapped with MADV_DONTFORK.  A fork() in run() neither copies
 * those pages nor write-protects them, so the coordinator's writes after
 * it take no copy-on-write fault, and the pages are touched once per
 * cell rather than once per repetition (a buffer malloc()ed and freed
 * each time came back from the kernel as fresh pages).  No child touches
 * it: a forked worker runs only the core's worker loop (child.h), and a
 * pooled one its own job.  The one exception is the tails (scratch_tails,
 * below), shared with the children by design.  One region per use, grown
 * (never shrunk) by scratch_get; the coordinator is one thread. */
#define SCRATCH_BUF 65536u

struct scratch {
    unsigned char *p;
    size_t len;
    int shared; /* MAP_SHARED with the children, not MADV_DONTFORK */
    int fd;     /* shared: the memory file of p (close-on-exec), or -1 */
};
static struct scratch scratch_children, scratch_poll, scratch_bufs,
    scratch_record;

/* The forked workers' tails (procs_tails): the one region shared with
 * the children, so neither MADV_DONTFORK nor copied at fork(); kept for
 * the cell like the rest.  Pages come as the workers first write them and
 * then stay. */
static struct scratch scratch_tails = {.shared = 1, .fd = -1};

/* At least `len` bytes of s, zeroed when `zero`; NULL when out of memory.
 * Contents are not kept across growth: every user starts afresh.  A
 * `shared` region (scratch_tails) is a memory file's pages mapped
 * MAP_SHARED, so that a process exec'd later can map them too (s->fd);
 * every other one is MADV_DONTFORK. */
static void *scratch_get(struct scratch *s, size_t len, int zero) {
    if (len == 0)
        len = 1;
    if (len > s->len) {
        long pg = sysconf(_SC_PAGESIZE);
        size_t page = pg > 0 ? (size_t)pg : 4096;
        size_t n = (len + page - 1) / page * page;
        int fd = -1;
        if (s->shared && ((fd = memfd_create("pb-tails", MFD_CLOEXEC)) < 0 ||
                          ftruncate(fd, (off_t)n) < 0)) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        /* Kept at or above PROCS_HIGH_FD, once: a spawned worker gets it
         * with a dup2 that must not overwrite, nor be overwritten by, the
         * ones onto its low descriptors (posix_spawn.c). */
        int high = fd >= 0 ? fcntl(fd, F_DUPFD_CLOEXEC, PROCS_HIGH_FD) : -1;
        if (high >= 0) {
            close(fd);
            fd = high;
        }
        void *q =
            mmap(NULL, n, PROT_READ | PROT_WRITE,
                 s->shared ? MAP_SHARED : MAP_PRIVATE | MAP_ANONYMOUS, fd, 0);
        if (q == MAP_FAILED) {
            if (fd >= 0)
                close(fd);
            return NULL;
        }
        if (!s->shared)
            (void)madvise(q, n, MADV_DONTFORK);
        if (s->p)
            munmap(s->p, s->len);
        if (s->shared && s->fd >= 0)
            close(s->fd);
        s->p = q;
        s->len = n;
        s->fd = fd;
        return q; /* fresh pages are zero */
    }
    if (zero)
        memset(s->p, 0, len);
    return s->p;
}

int procs_init(struct procs *p, const struct pb_host *host, struct pb_job *job,
               unsigned workers) {
    memset(p, 0, sizeof *p);
    p->host = host;
    p->job = job;
    p->workers = workers;
    p->tasks = host->job_tasks(job);
    p->release_fd = -1;
    p->shared_out = -1;
    p->culprit = -1;
    p->no_release = !procs_memory(host, job);
    p->c = scratch_get(&scratch_children,
                       (size_t)(workers ? workers : 1) * sizeof *p->c, 1);
    unsigned char *bufs =
        scratch_get(&scratch_bufs, (size_t)workers * SCRATCH_BUF, 0);
    if (!p->c || !bufs)
        return -1;
    for (unsigned i = 0; i < workers; i++) {
        p->c[i].buf = bufs + (size_t)i * SCRATCH_BUF;
        p->c[i].cap = SCRATCH_BUF;
    }
    for (unsigned i = 0; i < workers; i++)
        p->c[i].out = p->c[i].in = p->c[i].out_w = p->c[i].exit_fd = -1;
    return 0;
}

int procs_tails(struct procs *p) {
    void *q =
        scratch_get(&scratch_tails, (size_t)p->workers * sizeof *p->tails, 0);
    if (!q)
        return -1;
    p->tails = q;
    for (unsigned i = 0; i < p->workers; i++)
        p->tails[i].len = 0;
    return 0;
}

struct pb_worker_tail *procs_tails_reserve(unsigned workers, int *fd) {
    struct pb_worker_tail *t = scratch_get(
        &scratch_tails,
        (size_t)(workers ? workers : 1) * sizeof(struct pb_worker_tail), 0);
    if (fd)
        *fd = t ? scratch_tails.fd : -1;
    return t;
}

PB_HOT void procs_tail_set(struct pb_worker_tail *t, size_t len) {
    __atomic_store_n(&t->len, (uint32_t)len, __ATOMIC_RELEASE);
}

/* The cell process's soft limit on open descriptors (read once). */
static long fd_limit(void) {
    static long limit;
    struct rlimit r;
    if (limit == 0)
        limit = getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur != RLIM_INFINITY
                    ? (long)r.rlim_cur
                    : 1024;
    return limit;
}

/* 1 when the kernel has pidfds (Linux 5.3), checked once. */
static int have_pidfd(void) {
    static int have = -1;
    if (have < 0) {
        int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
        have = fd >= 0;
        if (fd >= 0)
            close(fd);
    }
    return have;
}

/* The channel's two ends, made by the first run() that uses it and kept
 * for the cell process's life, like the scratch memory: a socket pair
 * per repetition cost its making and closing inside the clock. */
static int channel_fd[2] = {-1, -1};

int procs_channel(struct procs *p) {
    /* A pidfd per worker, opened once all are forked: one descriptor
     * each, and the channel's two. */
    if (!have_pidfd() || (long)p->workers + 64 > fd_limit())
        return -1;
    if (channel_fd[0] < 0 &&
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel_fd) < 0)
        return -1;
    p->shared_out = channel_fd[0];
    p->channel = 1;
    return channel_fd[1];
}

void procs_forked(struct procs *p, unsigned i, pid_t pid, int out, int out_w) {
    struct procs_child *c = &p->c[i];
    c->pid = pid;
    c->out = out;
    p->started++;
    if (p->channel)
        return; /* its pidfd comes in watch() */
    /* A pidfd and the kept write end cost two descriptors more per worker
     * than a pipe alone: only while the limit leaves room for all. */
    if ((long)p->workers * 3 + 64 <= fd_limit())
        c->exit_fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (c->exit_fd >= 0)
        c->out_w = out_w;
    else
        close(out_w);
}

void procs_free(struct procs *p) {
    for (unsigned i = 0; p->c && i < p->workers; i++) {
        struct procs_child *c = &p->c[i];
        if (c->out >= 0)
            close(c->out);
        if (c->in >= 0)
            close(c->in);
        if (c->out_w >= 0)
            close(c->out_w);
        if (c->exit_fd >= 0)
            close(c->exit_fd);
        if (c->heap_buf)
            free(c->buf);
        free(c->error);
    }
    if (p->release_fd >= 0)
        close(p->release_fd);
    memset(p, 0, sizeof *p);
}

/* ------------------------------------------------------------------------ */
/* Spawned workers                                                          */
/* ------------------------------------------------------------------------ */

void procs_start_record(const struct procs *p, int shared,
                        struct pb_worker_start *start, size_t spec_len) {
    enum pb_schedule sched = p->host->job_schedule(p->job);
    memset(start, 0, sizeof *start);
    start->magic = PB_WORKER_MAGIC;
    /* With the shared page, workers claim from its counter (no round trip
     * per task); the claim pipe is the fallback when the host offers no
     * page. */
    start->flags =
        (sched == PB_SCHEDULE_DYNAMIC && shared < 0 ? PB_WORKER_CLAIM_PIPE
                                                    : 0u) |
        (shared >= 0 ? PB_WORKER_SHARED : 0u) |
        (p->no_release ? PB_WORKER_NO_RELEASE : 0u);
    start->workers = p->workers;
    start->schedule = (uint32_t)sched;
    start->parent = (int32_t)getpid();
    start->tasks = p->tasks;
    start->spec_len = spec_len;
}

/* fd itself when it is >= low already; else fd moved to a close-on-exec
 * descriptor >= low (fd is closed), or -1 on failure. */
static int move_high(int fd, int low) {
    if (fd >= low)
        return fd;
    int h = fcntl(fd, F_DUPFD_CLOEXEC, low);
    close(fd);
    return h;
}

const char *procs_errno_hint(int e) {
    return e == EMFILE ? " (too many workers for the limit on open "
                         "descriptors: raise it with ulimit -n, hard limit "
                         "included, or run fewer workers)"
                       : "";
}

int procs_pipes(unsigned i, int low, int child[2], int parent[2], char *err,
                size_t errlen) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for worker %u: %s%s", i,
                 strerror(errno), procs_errno_hint(errno));
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for worker %u: %s%s", i,
                 strerror(errno), procs_errno_hint(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    child[0] = move_high(in[0], low);
    child[1] = move_high(out[1], low);
    parent[0] = in[1];
    parent[1] = out[0];
    if (child[0] < 0 || child[1] < 0) {
        snprintf(err, errlen, "cannot move a descriptor of worker %u: %s%s", i,
                 strerror(errno), procs_errno_hint(errno));
        for (int k = 0; k < 2; k++) {
            if (child[k] >= 0)
                close(child[k]);
            close(parent[k]);
        }
        return -1;
    }
    return 0;
}

/* Writes worker i's start record and the spec to `fd`. */
static void send_start(const struct procs *p, unsigned i, int fd,
                       const struct pb_worker_start *start, const void *spec) {
    struct pb_worker_start s = *start;
    s.worker = i;
    if (fdio_write_full(fd, &s, sizeof s) == 0)
        (void)fdio_write_full(fd, spec, (size_t)s.spec_len);
    p->host->job_add_ipc(p->job, sizeof s + s.spec_len);
}

int procs_prewrite(const struct procs *p, unsigned i, int fd,
                   const struct pb_worker_start *start, const void *spec) {
    int cap = fcntl(fd, F_GETPIPE_SZ);
    if (cap < 0 || sizeof *start + start->spec_len > (uint64_t)cap)
        return 0;
    send_start(p, i, fd, start, spec);
    return 1;
}

void procs_started(struct procs *p, unsigned i, pid_t pid, const int parent[2],
                   const struct pb_worker_start *start, const void *spec,
                   int written) {
    struct procs_child *c = &p->c[i];
    c->pid = pid;
    c->in = parent[0];
    c->out = parent[1];
    p->started++;
    if (!written)
        send_start(p, i, c->in, start, spec);
}

/* ------------------------------------------------------------------------ */
/* Serving                                                                  */
/* ------------------------------------------------------------------------ */

void procs_kill_all(struct procs *p) {
    p->stopping = 1;
    for (unsigned i = 0; i < p->started; i++)
        if (!p->c[i].gone && !p->c[i].killed) {
            kill(p->c[i].pid, SIGKILL);
            p->c[i].killed = 1;
        }
}

void procs_release(struct procs *p) {
    p->released = 1;
    if (p->release_fd >= 0) {
        close(p->release_fd);
        p->release_fd = -1;
    }
    for (unsigned i = 0; i < p->started; i++) {
        if (p->c[i].in < 0)
            continue;
        if (p->pool && p->no_release)
            continue; /* it sends its usage without waiting */
        if (p->pool) {
            /* A pooled worker stays: one byte releases it (one that died
             * meanwhile shows as end-of-file on its output). */
            char b = 1;
            (void)send(p->c[i].in, &b, 1, MSG_NOSIGNAL);
            p->host->job_add_ipc(p->job, 1);
            continue;
        }
        close(p->c[i].in);
        p->c[i].in = -1;
    }
}

/* Worker i broke the protocol: the job is lost. */
static void broken(struct procs *p, unsigned i, const char *what) {
    p->host->job_fail(p->job, 1, "worker %u: %s", i, what);
    procs_kill_all(p);
}

static int take_tail(struct procs *p, unsigned i);

/* Handles one whole frame of worker i.  Returns 0, or -1 when the worker
 * must not be read any further. */
static int handle(struct procs *p, unsigned i, uint32_t type,
                  const unsigned char *body, uint32_t len) {
    struct procs_child *c = &p->c[i];
    const struct pb_host *h = p->host;
    h->job_add_ipc(p->job, sizeof(struct pb_frame));
    switch (type) {
    case PB_FRAME_MSG:
        /* The core counts the message bytes itself. */
        if (h->job_deliver(p->job, body, len) < 0) {
            procs_kill_all(p);
            return -1;
        }
        return 0;
    case PB_FRAME_CLAIM: {
        if (c->in < 0 || len != 0) {
            broken(p, i, "asked for a task without a task channel");
            return -1;
        }
        uint64_t t = PB_NO_TASK;
        if (!p->stopping && !h->cancelled() && p->next < p->tasks)
            t = p->next++;
        /* A worker that died meanwhile shows as end-of-file. */
        (void)fdio_write_full(c->in, &t, sizeof t);
        h->job_add_ipc(p->job, sizeof t);
        return 0;
    }
    case PB_FRAME_DONE:
        /* Its tail holds what it sent just before. */
        if (take_tail(p, i) < 0)
            return -1;
        c->done = 1;
        return 0;
    case PB_FRAME_USAGE: {
        struct pb_worker_usage u;
        if (!p->pool || !c->done || len != sizeof u) {
            broken(p, i, "sent its usage out of turn");
            return -1;
        }
        memcpy(&u, body, sizeof u);
        struct rusage ru;
        selfusage_rusage(&u, &ru);
        /* Not reaped within the repetition: RUSAGE_CHILDREN never sees
         * it, so the worker's own reading is the row's. */
        h->job_self_usage(p->job, i, &ru, u.pss_kib);
        if (PB_HOST_HAS(h, job_self_uss) && h->job_self_uss)
            h->job_self_uss(p->job, i, u.uss_kib);
        h->job_add_ipc(p->job, len);
        c->usage = 1;
        return 0;
    }
    case PB_FRAME_ERROR:
        h->job_add_ipc(p->job, len);
        free(c->error);
        c->error = malloc((size_t)len + 1);
        if (c->error) {
            memcpy(c->error, body, len);
            c->error[len] = '\0';
        }
        if (p->culprit < 0)
            p->culprit = i;
        procs_kill_all(p);
        return -1;
    default:
        broken(p, i, "sent a frame of unknown type");
        return -1;
    }
}

/* Handles the whole frames at the start of b[0 .. len) of worker i; *at
 * is what they took.  Returns 0, or -1 when the worker must not be read
 * any further. */
static int digest(struct procs *p, unsigned i, const unsigned char *b,
                  size_t len, size_t *at) {
    while (len - *at >= sizeof(struct pb_frame)) {
        struct pb_frame f;
        memcpy(&f, b + *at, sizeof f);
        if (f.len > PB_FRAME_MAX) { /* a broken protocol, not a big payload */
            broken(p, i, "sent a malformed frame");
            return -1;
        }
        size_t whole = sizeof f + (size_t)f.len;
        /* Not whole yet: the buffer grows (pump) with the bytes that
         * arrive, never ahead of them on the header's word alone. */
        if (len - *at < whole)
            break;
        if (handle(p, i, f.type, b + *at + sizeof f, f.len) < 0)
            return -1;
        *at += whole;
    }
    return 0;
}

/* Room for at least `need` more bytes in worker i's buffer.  Returns 0,
 * or -1 (out of memory: the worker is broken). */
static int room(struct procs *p, unsigned i, size_t need) {
    struct procs_child *c = &p->c[i];
    while (c->cap - c->used < need) {
        /* A frame bigger than the scratch buffer: this worker's buffer
         * moves to the heap and grows there. */
        size_t cap = c->cap * 2;
        unsigned char *nb = c->heap_buf ? realloc(c->buf, cap) : malloc(cap);
        if (!nb) {
            broken(p, i, "out of memory for its messages");
            return -1;
        }
        if (!c->heap_buf)
            memcpy(nb, c->buf, c->used);
        c->buf = nb;
        c->cap = cap;
        c->heap_buf = 1;
    }
    return 0;
}

/* Handles every whole frame in worker i's buffer, keeping the rest.
 * Returns 0, or -1 when the worker must not be read any further. */
static int eat(struct procs *p, unsigned i) {
    struct procs_child *c = &p->c[i];
    size_t at = 0;
    if (digest(p, i, c->buf, c->used, &at) < 0)
        return -1;
    memmove(c->buf, c->buf + at, c->used - at);
    c->used -= at;
    return 0;
}

/* Reads what worker i has written and handles every whole frame.  Returns
 * 0 while its output stays open. */
static int pump(struct procs *p, unsigned i) {
    struct procs_child *c = &p->c[i];
    if (room(p, i, 4096) < 0)
        return -1;
    ssize_t n = read(c->out, c->buf + c->used, c->cap - c->used);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;
    c->used += (size_t)n;
    return eat(p, i);
}

/* Reads every record waiting on the shared channel, without waiting, and
 * hands each to the worker its tag names.  At end-of-file (nobody holds a
 * write end any more: not with procs_channel's, whose write end the
 * coordinator keeps) it is read no further. */
static void drain(struct procs *p) {
    if (p->shared_out < 0)
        return;
    size_t cap = sizeof(uint32_t) + FDIO_RECORD_MAX;
    unsigned char *rec = scratch_get(&scratch_record, cap, 0);
    if (!rec) {
        p->host->job_fail(p->job, 0, "out of memory in the coordinator");
        procs_kill_all(p);
        return;
    }
    while (p->shared_out >= 0) {
        ssize_t n = recv(p->shared_out, rec, cap, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) {
            p->shared_out = -1;
            return;
        }
        uint32_t tag = 0;
        if ((size_t)n >= sizeof tag)
            memcpy(&tag, rec, sizeof tag);
        if (p->stopping && tag > p->started && tag <= p->workers) {
            /* A worker the coordinator was never told of: forkserver's
             * server forked it and died before it answered its pid.  The
             * job has failed already, and its records are nobody's. */
            continue;
        }
        if (tag == 0 || tag > p->started || (size_t)n > cap ||
            (size_t)n <= sizeof tag) {
            /* Nobody of ours writes that: the job cannot be trusted. */
            p->host->job_fail(p->job, 1,
                              "a malformed record on the workers' "
                              "channel");
            procs_kill_all(p);
            continue;
        }
        unsigned i = tag - 1;
        struct procs_child *c = &p->c[i];
        size_t len = (size_t)n - sizeof tag;
        if (c->shut || room(p, i, len) < 0) {
            c->shut = 1;
            continue;
        }
        memcpy(c->buf + c->used, rec + sizeof tag, len);
        c->used += len;
        if (eat(p, i) < 0)
            c->shut = 1;
    }
}

/* Worker i's tail (struct pb_worker_tail), once: whole frames only. */
static int take_tail(struct procs *p, unsigned i) {
    struct procs_child *c = &p->c[i];
    if (!p->tails || c->tail_taken)
        return 0;
    c->tail_taken = 1;
    const struct pb_worker_tail *t = &p->tails[i];
    uint32_t len = __atomic_load_n(&t->len, __ATOMIC_ACQUIRE);
    size_t at = 0;
    if (len <= sizeof t->data && digest(p, i, t->data, len, &at) < 0)
        return -1; /* handled already */
    if (len > sizeof t->data || at != len) {
        broken(p, i, "left a malformed frame in its tail");
        return -1;
    }
    return 0;
}

/* Worker i has ended (its pidfd, or end-of-file without one): what is
 * left in its pipe and its tail is handled, and an end before its work
 * was done stops the job.  `drained`: nothing of it is on the channel
 * -- read after it ended (watch, procs_serve), or empty when its end was
 * seen (procs_serve) -- so the channel is not read for it. */
static void end_drained(struct procs *p, unsigned i, int drained) {
    struct procs_child *c = &p->c[i];
    int ok = 1, avail = 0;
    c->gone = 1;
    if (c->exit_fd >= 0) {
        close(c->exit_fd);
        c->exit_fd = -1;
        if (c->out_w >= 0)
            close(c->out_w);
        c->out_w = -1;
        /* Nothing more will come: read what is there, without waiting. */
        while (ok && c->out >= 0 && ioctl(c->out, FIONREAD, &avail) == 0 &&
               avail > 0)
            ok = pump(p, i) == 0;
    }
    /* Its records were all sent before it ended. */
    if (!drained)
        drain(p);
    if (ok && (p->channel ? !c->shut : c->out >= 0) && !c->killed)
        (void)take_tail(p, i);
    if (c->out >= 0) {
        close(c->out);
        c->out = -1;
    }
    if ((!c->done || (p->pool && !c->usage)) && !c->killed) {
        /* Died (or gave up) before its work was done: nobody will take
         * over its tasks, and the others may wait for claims; the job is
         * lost, stop it now. */
        if (p->culprit < 0)
            p->culprit = i;
        procs_kill_all(p);
    }
}

/* Once every worker is forked, each gets its pidfd, which tells its end.
 * The coordinator keeps its copy of the channel's write end: the channel
 * never reaches end-of-file, whose wakeup would come just before the
 * last worker's exit's.  A worker whose pidfd cannot be opened cannot be
 * watched: the job fails, and the workers are killed and reaped.
 *
 * A worker that has ended already (short work: most of them, by the time
 * the last one is forked) needs no pidfd: a waitid() that leaves it to
 * procs_reap finds it, and it is handled here, after one read of the
 * channel for all of them -- instead of a pidfd to open, poll and close,
 * and a wakeup and a read of the channel for each. */
static void watch(struct procs *p) {
    if (!p->channel)
        return;
    /* The ended ones first, then one read of the channel, which has all
     * their records, then their tails (end_drained). */
    unsigned ends = 0;
    for (unsigned i = 0; i < p->started; i++) {
        struct procs_child *c = &p->c[i];
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PID, (id_t)c->pid, &si, WEXITED | WNOHANG | WNOWAIT) ==
                0 &&
            si.si_pid == c->pid) {
            c->gone = 1; /* marked: not given a pidfd below */
            ends++;
        }
    }
    if (ends)
        drain(p);
    for (unsigned i = 0; i < p->started; i++) {
        struct procs_child *c = &p->c[i];
        if (c->gone) {
            end_drained(p, i, 1);
            continue;
        }
        c->exit_fd = (int)syscall(SYS_pidfd_open, c->pid, 0);
        if (c->exit_fd < 0 && !c->killed) {
            p->host->job_fail(p->job, 0, "cannot watch worker %u: %s%s", i,
                              strerror(errno), procs_errno_hint(errno));
            procs_kill_all(p);
        }
    }
}

/* In procs_serve's idx: this entry is the worker's exit_fd, or the shared
 * channel. */
#define EXIT_ENTRY 0x80000000u
#define CHANNEL_ENTRY 0x40000000u

void procs_serve(struct procs *p) {
    /* Each worker's output and its exit_fd, and the channel: n entries at
     * most. */
    size_t n = 2 * (size_t)(p->started ? p->started : 1) + 1;
    struct pollfd *pfd =
        scratch_get(&scratch_poll, n * (sizeof *pfd + sizeof(unsigned)), 0);
    unsigned *idx = pfd ? (unsigned *)(void *)(pfd + n) : NULL;
    if (!pfd || !idx) {
        /* Nothing can be watched: the workers are stopped, and reaped. */
        p->host->job_fail(p->job, 0, "out of memory in the coordinator");
        procs_kill_all(p);
        return;
    }
    for (;;) {
        unsigned k = 0, done = 0;
        for (unsigned i = 0; i < p->started; i++) {
            done += p->c[i].done;
            /* A pooled worker past its usage is idle until the next
             * repetition: its output stays open and silent. */
            if (p->c[i].out >= 0 && !p->c[i].usage) {
                pfd[k].fd = p->c[i].out;
                pfd[k].events = POLLIN;
                idx[k++] = i;
            }
            if (p->c[i].exit_fd >= 0) {
                pfd[k].fd = p->c[i].exit_fd;
                pfd[k].events = POLLIN;
                idx[k++] = i | EXIT_ENTRY;
            }
        }
        if (!p->released && done == p->started)
            procs_release(p);
        if (k == 0)
            break;
        /* Read while some worker has not been seen ending (each one's
         * end drains it too). */
        if (p->shared_out >= 0) {
            pfd[k].fd = p->shared_out;
            pfd[k].events = POLLIN;
            idx[k++] = CHANNEL_ENTRY;
        }
        int r = poll(pfd, k, -1);
        if (r < 0) {
            if (errno == EINTR && p->host->cancelled())
                procs_kill_all(p);
            continue;
        }
        /* Whether the channel needs a read for the workers whose pidfd
         * says they have ended.  poll() sets every revents in one pass
         * over the entries, in their order, and the channel's comes after
         * every pidfd's: a worker seen ended had sent all its records
         * before the channel was looked at.  Nothing to read there then:
         * nothing of theirs (no recv, which would find nothing).  Once it
         * has been read, after this poll(), it has all of theirs. */
        int drained = idx[k - 1] == CHANNEL_ENTRY && !pfd[k - 1].revents;
        for (unsigned j = 0; j < k; j++) {
            if (!pfd[j].revents)
                continue;
            if (idx[j] == CHANNEL_ENTRY) {
                if (!drained)
                    drain(p);
                continue;
            }
            unsigned i = idx[j] & ~EXIT_ENTRY;
            struct procs_child *c = &p->c[i];
            if (idx[j] & EXIT_ENTRY) {
                end_drained(p, i, drained);
                drained = 1;
                continue;
            }
            if (c->out < 0 || pump(p, i) == 0)
                continue;
            if (c->exit_fd >= 0) {
                /* Not read any further; its exit_fd tells its end. */
                close(c->out);
                c->out = -1;
                continue;
            }
            end_drained(p, i, 0);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Reaping                                                                  */
/* ------------------------------------------------------------------------ */

/* " in task 17", or where the worker was when no task was running. */
static void where(const struct procs *p, unsigned i, char *buf, size_t len) {
    uint64_t t = p->host->job_current_task(p->job, i);
    if (t != PB_NO_TASK)
        snprintf(buf, len, " in task %llu", (unsigned long long)t);
    else
        snprintf(buf, len, " outside any task");
}

static void report(struct procs *p, unsigned i, int st) {
    const struct procs_child *c = &p->c[i];
    char at[64];
    if (c->error) {
        p->host->job_fail(p->job, 0, "worker %u could not start: %s", i,
                          c->error);
        return;
    }
    if (c->killed)
        return;
    where(p, i, at, sizeof at);
    if (WIFSIGNALED(st)) {
        const char *abbr = sigabbrev_np(WTERMSIG(st));
        p->host->job_fail(p->job, 1, "worker %u killed by SIG%s%s (%s)", i,
                          abbr ? abbr : "?", at, strsignal(WTERMSIG(st)));
    } else if (WIFEXITED(st) && !c->done) {
        p->host->job_fail(p->job, 1, "worker %u exited with status %d%s", i,
                          WEXITSTATUS(st), at);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
        p->host->job_fail(p->job, 1,
                          "worker %u exited with status %d after its work", i,
                          WEXITSTATUS(st));
    }
}

void procs_reap(struct procs *p) {
    for (unsigned i = 0; i < p->started; i++) {
        struct rusage ru;
        int st = 0;
        memset(&ru, 0, sizeof ru);
        while (wait4(p->c[i].pid, &st, 0, &ru) < 0 && errno == EINTR)
            ;
        p->host->job_worker_usage(p->job, i, &ru);
        p->c[i].status = st;
    }
    /* The first worker to die explains the row; the rest follow it. */
    if (p->culprit >= 0)
        report(p, (unsigned)p->culprit, p->c[p->culprit].status);
    for (unsigned i = 0; i < p->started; i++)
        if ((long)i != p->culprit)
            report(p, i, p->c[i].status);
}

/* After procs_reap: records on the kept channel from a worker never seen
 * ending (one whose pidfd could not be opened: serving did not wait for
 * it) would be taken for the next repetition's, and are thrown away.
 * Nothing to do, and no system call, when every worker was seen ending:
 * each end drained the channel. */
static void discard_leftovers(const struct procs *p) {
    unsigned i = 0;
    while (i < p->started && p->c[i].gone)
        i++;
    if (!p->channel || i == p->started)
        return;
    unsigned char b;
    ssize_t n;
    while ((n = recv(channel_fd[0], &b, 1, MSG_DONTWAIT | MSG_TRUNC)) > 0 ||
           (n < 0 && errno == EINTR))
        ;
}

int procs_finish(struct procs *p, int rc) {
    /* A failed start stops the workers before anything of theirs is read
     * (drain then drops the records of workers never adopted). */
    if (rc < 0)
        procs_kill_all(p);
    watch(p);
    procs_serve(p);
    procs_reap(p);
    discard_leftovers(p);
    procs_free(p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Pools                                                                    */
/* ------------------------------------------------------------------------ */

struct procs_pool_worker {
    pid_t pid;
    int ctl; /* the coordinator's end of its control socket */
    int out; /* the read end of its frames                  */
};

struct procs_pool {
    unsigned workers;
    unsigned started; /* w[0 .. started-1] run                */
    int spec;         /* the workers need the spec            */
    struct procs_pool_worker *w;
};

struct procs_pool *procs_pool_new(unsigned workers, int spec) {
    struct procs_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->w = calloc(workers ? workers : 1, sizeof *pool->w))) {
        free(pool);
        return NULL;
    }
    pool->workers = workers;
    pool->spec = spec;
    return pool;
}

/* Starts every worker of the pool; on failure err says why, -1 is
 * returned and the ones started stay in the pool (to be killed). */
static int pool_start(struct procs_pool *pool, const struct pb_host *host,
                      struct pb_job *job, procs_pool_start_fn start, void *ctx,
                      char *err, size_t errlen) {
    for (unsigned i = 0; i < pool->workers; i++) {
        int sv[2], out[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
            snprintf(err, errlen, "cannot create a socket for worker %u: %s", i,
                     strerror(errno));
            return -1;
        }
        if (pipe2(out, O_CLOEXEC) < 0) {
            snprintf(err, errlen, "cannot create a pipe for worker %u: %s", i,
                     strerror(errno));
            close(sv[0]);
            close(sv[1]);
            return -1;
        }
        int in = move_high(sv[1], PROCS_POOL_FD);
        int wr = move_high(out[1], PROCS_POOL_FD);
        pid_t pid = 0;
        int rc = in < 0 || wr < 0 ? -1 : 0;
        if (rc < 0)
            snprintf(err, errlen, "cannot move a descriptor of worker %u: %s",
                     i, strerror(errno));
        else
            rc = start(ctx, host, job, i, in, wr, &pid, err, errlen);
        if (in >= 0)
            close(in);
        if (wr >= 0)
            close(wr);
        if (rc < 0) {
            close(sv[0]);
            close(out[0]);
            return -1;
        }
        pool->w[i] = (struct procs_pool_worker){pid, sv[0], out[0]};
        pool->started++;
    }
    return 0;
}

/* Worker i's start record for this repetition, with the job's shared page
 * on its first byte (and the spec after it when the pool is new). */
static void pool_send_start(struct procs *p, unsigned i, int shared,
                            struct pb_worker_start s, const void *spec) {
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } cm;
    memset(&cm, 0, sizeof cm);
    s.worker = i;
    struct iovec iov = {.iov_base = &s, .iov_len = sizeof s};
    struct msghdr mh = {.msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = cm.buf,
                        .msg_controllen = sizeof cm.buf};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &shared, sizeof shared);
    ssize_t n;
    while ((n = sendmsg(p->c[i].in, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    /* A worker that died meanwhile shows as end-of-file on its output. */
    if (n > 0 && (size_t)n < sizeof s)
        (void)fdio_write_full(p->c[i].in, (char *)&s + n, sizeof s - (size_t)n);
    if (n > 0 && s.spec_len)
        (void)fdio_write_full(p->c[i].in, spec, (size_t)s.spec_len);
    p->host->job_add_ipc(p->job, sizeof s + s.spec_len);
}

int procs_pool_run(struct procs_pool *pool, const struct pb_host *host,
                   struct pb_job *job, procs_pool_start_fn start, void *ctx,
                   char *err, size_t errlen) {
    unsigned n = host->job_workers(job);
    int shared = host->job_shared_fd(job);
    size_t spec_len = 0;
    const void *spec = pool->spec ? host->job_spec(job, &spec_len) : NULL;
    struct procs p;
    if (n != pool->workers) {
        snprintf(err, errlen, "the job has %u workers, the pool %u", n,
                 pool->workers);
        return -1;
    }
    if (shared < 0 || (pool->spec && (!spec || !spec_len))) {
        snprintf(err, errlen,
                 "the core gave no shared page%s: a pool of "
                 "processes needs it",
                 pool->spec ? " or no spec" : "");
        return -1;
    }
    if (procs_init(&p, host, job, n) < 0) {
        snprintf(err, errlen, "out of memory for %u workers", n);
        return -1;
    }
    p.pool = 1;
    int fresh = pool->started == 0, rc = 0;
    if (fresh)
        rc = pool_start(pool, host, job, start, ctx, err, errlen);
    for (unsigned i = 0; i < pool->started; i++) {
        p.c[i].pid = pool->w[i].pid;
        p.c[i].in = pool->w[i].ctl;
        p.c[i].out = pool->w[i].out;
    }
    p.started = pool->started;
    if (rc == 0) {
        struct pb_worker_start s;
        procs_start_record(&p, shared, &s, fresh ? spec_len : 0);
        s.flags = PB_WORKER_POOL | PB_WORKER_SHARED |
                  (p.no_release ? PB_WORKER_NO_RELEASE : 0u);
        for (unsigned i = 0; i < n; i++)
            pool_send_start(&p, i, shared, s, spec);
    } else {
        procs_kill_all(&p);
    }
    procs_serve(&p);
    int whole = rc == 0 && p.culprit < 0;
    for (unsigned i = 0; i < p.started && whole; i++)
        whole = p.c[i].usage && p.c[i].out >= 0 && !p.c[i].killed;
    if (whole) {
        /* The pool lives on: its descriptors are not procs_free's. */
        for (unsigned i = 0; i < p.started; i++)
            p.c[i].in = p.c[i].out = -1;
        procs_free(&p);
        return 0;
    }
    /* A death (or a failed start): the row is lost; kill and reap all of
     * them, say which died and where, and start afresh next repetition. */
    procs_kill_all(&p);
    procs_reap(&p);
    procs_free(&p);
    pool->started = 0;
    return rc;
}

void procs_pool_free(struct procs_pool *pool) {
    if (!pool)
        return;
    /* End-of-file between repetitions: each worker exits. */
    for (unsigned i = 0; i < pool->started; i++) {
        close(pool->w[i].ctl);
        close(pool->w[i].out);
    }
    for (unsigned i = 0; i < pool->started; i++)
        while (waitpid(pool->w[i].pid, NULL, 0) < 0 && errno == EINTR)
            ;
    free(pool->w);
    free(pool);
}

int procs_lifetime_create(const struct pb_host *host,
                          const struct pb_params *params, unsigned workers,
                          int spec, void **state, char *err, size_t errlen) {
    *state = NULL;
    if (!lifetime_is_cell(host, params))
        return 0;
    if (!PB_HOST_HAS(host, worker_pool_main) || !host->job_self_usage ||
        (!spec && !host->worker_pool_main)) {
        snprintf(err, errlen,
                 "this parbench core cannot keep worker processes for a cell "
                 "(host ABI %u.x without worker_pool_main): use lifetime = "
                 "repetition, or a parbench with plugin ABI 2.2",
                 host->abi_version);
        return -1;
    }
    *state = procs_pool_new(workers, spec);
    if (!*state) {
        snprintf(err, errlen, "out of memory for a pool of %u workers",
                 workers);
        return -1;
    }
    return 0;
}
