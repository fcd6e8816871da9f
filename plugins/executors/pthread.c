/*
 * pthread.c - the `pthread` executor: one POSIX thread per worker, each
 * running the core's worker loop; tasks and results travel through the
 * core's in-process defaults (shared memory and atomics).
 *
 * The core times the whole of run(), so run() does nothing but start the
 * threads and join them: no per-task work, no locks of its own.
 */
#include <parbench/plugin.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What one thread needs; an array of them lives for the duration of run(). */
struct pt_worker {
    pthread_t thread;
    const struct pb_host *host;
    struct pb_job *job;
    unsigned index;
};

static void *pt_worker_main(void *arg) {
    struct pt_worker *w = arg;
    /* Task failures are recorded in the job by the worker loop. */
    (void)w->host->worker_loop(w->job, w->index, NULL);
    return NULL;
}

/* Starts job_workers(job) threads and joins every one it started.  If a
 * thread cannot be created, the ones already running are left to finish
 * (not cancelled), joined, and the failure is returned with strerror text. */
static int pt_run(const struct pb_host *host, const struct pb_params *params,
                  struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    unsigned n = host->job_workers(job);
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    struct pt_worker *w = calloc(n, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory for %u worker threads", n);
        return -1;
    }
    unsigned started = 0;
    int rc = 0;
    for (; started < n; started++) {
        w[started].host = host;
        w[started].job = job;
        w[started].index = started;
        rc = pthread_create(&w[started].thread, NULL, pt_worker_main,
                            &w[started]);
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

static const struct pb_executor_ops pt_ops = {
    .check = NULL,
    .run = pt_run,
};

static const struct pb_plugin pt_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "pthread",
    .summary = "one POSIX thread per worker, sharing memory",
    .params = NULL,
    .flags = 0,
    .workload = NULL,
    .executor = &pt_ops,
};

PB_DEFINE_PLUGIN(pt_desc)
