/* SPDX-License-Identifier: MIT */
/*
 * threads.c - see threads.h.
 */
#include "threads.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one thread needs; an array of them lives for threads_run. */
struct threads_worker {
    pthread_t thread;
    const struct pb_host *host;
    struct pb_job *job;
    const struct pb_worker_io *io;
    void (*enter)(void *arg);
    void (*leave)(void *arg);
    void *arg;
    unsigned index;
};

static void *threads_main(void *p) {
    struct threads_worker *w = p;
    if (w->enter)
        w->enter(w->arg);
    /* Task failures are recorded in the job by the worker loop. */
    (void)w->host->worker_loop(w->job, w->index, w->io);
    if (w->leave)
        w->leave(w->arg);
    return NULL;
}

int threads_run(const struct pb_host *host, struct pb_job *job,
                const struct pb_worker_io *io, void (*enter)(void *arg),
                void (*leave)(void *arg), void *arg, char *err, size_t errlen) {
    unsigned n = host->job_workers(job);
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    struct threads_worker *w = calloc(n, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory for %u worker threads", n);
        return -1;
    }
    unsigned started = 0;
    int rc = 0;
    for (; started < n; started++) {
        w[started] = (struct threads_worker){.host = host,
                                             .job = job,
                                             .io = io,
                                             .enter = enter,
                                             .leave = leave,
                                             .arg = arg,
                                             .index = started};
        rc =
            pthread_create(&w[started].thread, NULL, threads_main, &w[started]);
        if (rc != 0)
            break;
    }
    for (unsigned i = 0; i < started; i++)
        pthread_join(w[i].thread, NULL);
    free(w);
    if (rc != 0) {
        snprintf(err, errlen,
                 "could not start worker thread %u of %u: %s; the %u "
                 "already started were joined",
                 started, n, strerror(rc), started);
        return -1;
    }
    return 0;
}
