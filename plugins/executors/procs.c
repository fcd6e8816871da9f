/* SPDX-License-Identifier: MIT */
/*
 * procs.c - see procs.h.
 */
#include "procs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/fdio.h"

int procs_init(struct procs *p, const struct pb_host *host, struct pb_job *job,
               unsigned workers) {
    memset(p, 0, sizeof *p);
    p->host = host;
    p->job = job;
    p->workers = workers;
    p->tasks = host->job_tasks(job);
    p->release_fd = -1;
    p->culprit = -1;
    p->c = calloc(workers ? workers : 1, sizeof *p->c);
    if (!p->c)
        return -1;
    for (unsigned i = 0; i < workers; i++)
        p->c[i].out = p->c[i].in = -1;
    return 0;
}

void procs_free(struct procs *p) {
    for (unsigned i = 0; p->c && i < p->workers; i++) {
        struct procs_child *c = &p->c[i];
        if (c->out >= 0)
            close(c->out);
        if (c->in >= 0)
            close(c->in);
        free(c->buf);
        free(c->error);
    }
    if (p->release_fd >= 0)
        close(p->release_fd);
    free(p->c);
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
        (shared >= 0 ? PB_WORKER_SHARED : 0u);
    start->workers = p->workers;
    start->schedule = (uint32_t)sched;
    start->parent = (int32_t)getpid();
    start->tasks = p->tasks;
    start->spec_len = spec_len;
}

/* fd moved to a close-on-exec descriptor >= low (fd is closed); -1 on
 * failure. */
static int move_high(int fd, int low) {
    int h = fcntl(fd, F_DUPFD_CLOEXEC, low);
    close(fd);
    return h;
}

int procs_pipes(unsigned i, int low, int child[2], int parent[2], char *err,
                size_t errlen) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for worker %u: %s", i,
                 strerror(errno));
        return -1;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe for worker %u: %s", i,
                 strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    child[0] = move_high(in[0], low);
    child[1] = move_high(out[1], low);
    parent[0] = in[1];
    parent[1] = out[0];
    if (child[0] < 0 || child[1] < 0) {
        snprintf(err, errlen, "cannot move a descriptor of worker %u: %s", i,
                 strerror(errno));
        for (int k = 0; k < 2; k++) {
            if (child[k] >= 0)
                close(child[k]);
            close(parent[k]);
        }
        return -1;
    }
    return 0;
}

void procs_started(struct procs *p, unsigned i, pid_t pid, const int parent[2],
                   const struct pb_worker_start *start, const void *spec) {
    struct procs_child *c = &p->c[i];
    c->pid = pid;
    c->in = parent[0];
    c->out = parent[1];
    p->started++;
    struct pb_worker_start s = *start;
    s.worker = i;
    if (fdio_write_full(c->in, &s, sizeof s) == 0)
        (void)fdio_write_full(c->in, spec, (size_t)s.spec_len);
    p->host->job_add_ipc(p->job, sizeof s + s.spec_len);
}

/* ------------------------------------------------------------------------ */
/* Serving                                                                  */
/* ------------------------------------------------------------------------ */

void procs_kill_all(struct procs *p) {
    p->stopping = 1;
    for (unsigned i = 0; i < p->started; i++)
        if (p->c[i].out >= 0 && !p->c[i].killed) {
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
    for (unsigned i = 0; i < p->started; i++)
        if (p->c[i].in >= 0) {
            close(p->c[i].in);
            p->c[i].in = -1;
        }
}

/* Worker i broke the protocol: the job is lost. */
static void broken(struct procs *p, unsigned i, const char *what) {
    p->host->job_fail(p->job, 1, "worker %u: %s", i, what);
    procs_kill_all(p);
}

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
        c->done = 1;
        return 0;
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

/* Reads what worker i has written and handles every whole frame.  Returns
 * 0 while its output stays open. */
static int pump(struct procs *p, unsigned i) {
    struct procs_child *c = &p->c[i];
    if (c->cap - c->used < 4096) {
        size_t cap = c->cap ? c->cap * 2 : 65536;
        unsigned char *nb = realloc(c->buf, cap);
        if (!nb) {
            broken(p, i, "out of memory for its messages");
            return -1;
        }
        c->buf = nb;
        c->cap = cap;
    }
    ssize_t n = read(c->out, c->buf + c->used, c->cap - c->used);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return -1;
    c->used += (size_t)n;
    size_t at = 0;
    while (c->used - at >= sizeof(struct pb_frame)) {
        struct pb_frame f;
        memcpy(&f, c->buf + at, sizeof f);
        if (f.len > PB_FRAME_MAX) { /* a broken protocol, not a big payload */
            broken(p, i, "sent a malformed frame");
            return -1;
        }
        size_t whole = sizeof f + (size_t)f.len;
        /* Not whole yet: the buffer grows (above) with the bytes that
         * arrive, never ahead of them on the header's word alone. */
        if (c->used - at < whole)
            break;
        if (handle(p, i, f.type, c->buf + at + sizeof f, f.len) < 0)
            return -1;
        at += whole;
    }
    memmove(c->buf, c->buf + at, c->used - at);
    c->used -= at;
    return 0;
}

void procs_serve(struct procs *p) {
    struct pollfd *pfd = calloc(p->started ? p->started : 1, sizeof *pfd);
    unsigned *idx = calloc(p->started ? p->started : 1, sizeof *idx);
    if (!pfd || !idx) {
        p->host->job_fail(p->job, 0, "out of memory in the coordinator");
        procs_kill_all(p);
    }
    for (;;) {
        unsigned k = 0, done = 0;
        for (unsigned i = 0; i < p->started; i++) {
            done += p->c[i].done;
            if (p->c[i].out >= 0 && pfd) {
                pfd[k].fd = p->c[i].out;
                pfd[k].events = POLLIN;
                idx[k++] = i;
            }
        }
        if (!p->released && done == p->started)
            procs_release(p);
        if (k == 0)
            break;
        int r = poll(pfd, k, -1);
        if (r < 0) {
            if (errno == EINTR && p->host->cancelled())
                procs_kill_all(p);
            continue;
        }
        for (unsigned j = 0; j < k; j++) {
            if (!pfd[j].revents)
                continue;
            unsigned i = idx[j];
            struct procs_child *c = &p->c[i];
            if (pump(p, i) == 0)
                continue;
            close(c->out);
            c->out = -1;
            if (!c->done && !c->killed) {
                /* Died (or gave up) before its work was done: nobody
                 * will take over its tasks, and the others may wait for
                 * claims; the job is lost, stop it now. */
                if (p->culprit < 0)
                    p->culprit = i;
                procs_kill_all(p);
            }
        }
    }
    free(pfd);
    free(idx);
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
    int *status = calloc(p->started ? p->started : 1, sizeof *status);
    for (unsigned i = 0; i < p->started; i++) {
        struct rusage ru;
        int st = 0;
        memset(&ru, 0, sizeof ru);
        while (wait4(p->c[i].pid, &st, 0, &ru) < 0 && errno == EINTR)
            ;
        p->host->job_worker_usage(p->job, i, &ru);
        if (status)
            status[i] = st;
        else
            report(p, i, st);
    }
    if (!status)
        return;
    /* The first worker to die explains the row; the rest follow it. */
    if (p->culprit >= 0)
        report(p, (unsigned)p->culprit, status[p->culprit]);
    for (unsigned i = 0; i < p->started; i++)
        if ((long)i != p->culprit)
            report(p, i, status[i]);
    free(status);
}

int procs_finish(struct procs *p, int rc) {
    if (rc < 0)
        procs_kill_all(p);
    procs_serve(p);
    procs_reap(p);
    procs_free(p);
    return rc;
}
