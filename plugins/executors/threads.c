/* SPDX-License-Identifier: MIT */
/*
 * threads.c - see threads.h.
 */
#include "threads.h"

#include <errno.h>
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

/* ------------------------------------------------------------------------ */
/* Pool                                                                     */
/* ------------------------------------------------------------------------ */

struct threads_pool {
    pthread_mutex_t mutex;
    pthread_cond_t go;   /* a new job (or the end) for every thread  */
    pthread_cond_t done; /* a thread finished its part of the job    */
    unsigned workers;
    unsigned long round; /* incremented per job; threads wait for it */
    unsigned finished;   /* threads done with the current round     */
    int quit;
    struct threads_worker job; /* what every thread runs this round */
    pthread_t *threads;
    unsigned started;
};

struct pool_arg {
    struct threads_pool *pool;
    unsigned index;
};

static void *pool_main(void *p) {
    struct pool_arg a = *(struct pool_arg *)p;
    free(p);
    struct threads_pool *pool = a.pool;
    unsigned long seen = 0;
    pthread_mutex_lock(&pool->mutex);
    for (;;) {
        while (pool->round == seen && !pool->quit)
            pthread_cond_wait(&pool->go, &pool->mutex);
        if (pool->quit)
            break;
        seen = pool->round;
        struct threads_worker w = pool->job;
        pthread_mutex_unlock(&pool->mutex);
        w.index = a.index;
        (void)threads_main(&w);
        pthread_mutex_lock(&pool->mutex);
        if (++pool->finished == pool->workers)
            pthread_cond_signal(&pool->done);
    }
    pthread_mutex_unlock(&pool->mutex);
    return NULL;
}

struct threads_pool *threads_pool_new(unsigned workers, char *err,
                                      size_t errlen) {
    struct threads_pool *pool = calloc(1, sizeof *pool);
    if (!pool || !(pool->threads =
                       calloc(workers ? workers : 1, sizeof *pool->threads))) {
        free(pool);
        snprintf(err, errlen, "out of memory for a pool of %u threads",
                 workers);
        return NULL;
    }
    pthread_mutex_init(&pool->mutex, NULL);
    pthread_cond_init(&pool->go, NULL);
    pthread_cond_init(&pool->done, NULL);
    pool->workers = workers;
    for (; pool->started < workers; pool->started++) {
        struct pool_arg *a = malloc(sizeof *a);
        int rc = a ? 0 : ENOMEM;
        if (a) {
            *a = (struct pool_arg){pool, pool->started};
            rc = pthread_create(&pool->threads[pool->started], NULL, pool_main,
                                a);
            if (rc != 0)
                free(a);
        }
        if (rc != 0) {
            snprintf(err, errlen, "could not start pool thread %u of %u: %s",
                     pool->started, workers, strerror(rc));
            threads_pool_free(pool);
            return NULL;
        }
    }
    return pool;
}

int threads_pool_run(struct threads_pool *pool, const struct pb_host *host,
                     struct pb_job *job, const struct pb_worker_io *io,
                     void (*enter)(void *arg), void (*leave)(void *arg),
                     void *arg, char *err, size_t errlen) {
    if (host->job_workers(job) != pool->workers) {
        snprintf(err, errlen, "the job has %u workers, the pool %u",
                 host->job_workers(job), pool->workers);
        return -1;
    }
    pthread_mutex_lock(&pool->mutex);
    pool->job = (struct threads_worker){.host = host,
                                        .job = job,
                                        .io = io,
                                        .enter = enter,
                                        .leave = leave,
                                        .arg = arg};
    pool->finished = 0;
    pool->round++;
    pthread_cond_broadcast(&pool->go);
    while (pool->finished < pool->workers)
        pthread_cond_wait(&pool->done, &pool->mutex);
    pthread_mutex_unlock(&pool->mutex);
    return 0;
}

void threads_pool_free(struct threads_pool *pool) {
    if (!pool)
        return;
    pthread_mutex_lock(&pool->mutex);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->go);
    pthread_mutex_unlock(&pool->mutex);
    for (unsigned i = 0; i < pool->started; i++)
        pthread_join(pool->threads[i], NULL);
    pthread_cond_destroy(&pool->done);
    pthread_cond_destroy(&pool->go);
    pthread_mutex_destroy(&pool->mutex);
    free(pool->threads);
    free(pool);
}

int threads_lifetime_create(const struct pb_host *host,
                            const struct pb_params *params, unsigned workers,
                            void **state, char *err, size_t errlen) {
    *state = NULL;
    if (!lifetime_is_cell(host, params))
        return 0;
    *state = threads_pool_new(workers, err, errlen);
    return *state ? 0 : -1;
}

void threads_pool_destroy(void *state) { threads_pool_free(state); }
