/* SPDX-License-Identifier: MIT */
/*
 * gil.c - the `gil` executor: worker threads that must hold one global lock
 * to run workload code, emulating CPython's global interpreter lock.
 *
 * The hand-over follows CPython's "new GIL" (3.2 and later): a thread that
 * wants the lock waits up to the switch interval; if no switch happened in
 * that time it sets a drop request, and the holder gives the lock up at its
 * next checkpoint().  The holder then waits until another thread has taken
 * it (forced switching), so a thread that drops cannot take the lock straight
 * back.  blocking_begin()/blocking_end() release and re-take the lock around
 * I/O, as CPython releases the GIL around blocking system calls.
 */
#include <parbench/plugin.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "threads.h"

/* The lock.  `mutex` guards every field but drop_request, which holders
 * poll without it at every checkpoint.  Threads get the lock in the order
 * they asked for it (tickets), so no thread starves however the condition
 * variable wakes them. */
struct gil {
    pthread_mutex_t mutex;
    pthread_cond_t cond;        /* signalled when the lock is released */
    pthread_cond_t switch_cond; /* signalled when a new holder took it */
    int locked;
    unsigned long switch_number; /* increases at every take            */
    unsigned long next_ticket;   /* handed to each thread that waits   */
    unsigned long serving;       /* the ticket whose turn it is        */
    _Atomic int drop_request;
    uint64_t interval_ns;
    /* Statistics for tests and the log. */
    unsigned long forced_switches;
};

static void gil_init(struct gil *g, uint64_t interval_ns) {
    memset(g, 0, sizeof *g);
    pthread_mutex_init(&g->mutex, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&g->cond, &ca);
    pthread_cond_init(&g->switch_cond, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&g->drop_request, 0);
    g->interval_ns = interval_ns;
}

static void gil_destroy(struct gil *g) {
    pthread_cond_destroy(&g->switch_cond);
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->mutex);
}

static struct timespec deadline_after(uint64_t ns) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t total = (uint64_t)ts.tv_nsec + ns % 1000000000u;
    ts.tv_sec += (time_t)(ns / 1000000000u + total / 1000000000u);
    ts.tv_nsec = (long)(total % 1000000000u);
    return ts;
}

/* Waits for the lock, in turn; asks the holder to drop it after each
 * interval in which no switch happened. */
static void gil_take(struct gil *g) {
    pthread_mutex_lock(&g->mutex);
    unsigned long mine = g->next_ticket++;
    while (g->locked || g->serving != mine) {
        unsigned long seen = g->switch_number;
        struct timespec dl = deadline_after(g->interval_ns);
        int rc = 0;
        while ((g->locked || g->serving != mine) && g->switch_number == seen &&
               rc != ETIMEDOUT)
            rc = pthread_cond_timedwait(&g->cond, &g->mutex, &dl);
        if (rc == ETIMEDOUT && g->locked && g->switch_number == seen)
            atomic_store(&g->drop_request, 1);
    }
    g->locked = 1;
    g->serving++;
    g->switch_number++;
    /* A new holder starts with a fresh interval. */
    atomic_store(&g->drop_request, 0);
    pthread_cond_broadcast(&g->switch_cond);
    pthread_mutex_unlock(&g->mutex);
}

/* Releases the lock.  After a forced drop, waits until another thread has
 * taken it, so the lock really changes hands. */
static void gil_drop(struct gil *g, int forced) {
    pthread_mutex_lock(&g->mutex);
    g->locked = 0;
    /* Every waiter checks whether its ticket is next. */
    pthread_cond_broadcast(&g->cond);
    if (forced) {
        unsigned long seen = g->switch_number;
        g->forced_switches++;
        while (g->switch_number == seen)
            pthread_cond_wait(&g->switch_cond, &g->mutex);
    }
    pthread_mutex_unlock(&g->mutex);
}

/* ------------------------------------------------------------------------ */
/* Task-context hooks                                                       */
/* ------------------------------------------------------------------------ */

static void gil_checkpoint(void *ctx, unsigned worker) {
    struct gil *g = ctx;
    (void)worker;
    if (atomic_load_explicit(&g->drop_request, memory_order_relaxed)) {
        gil_drop(g, 1);
        gil_take(g);
    }
}

static void gil_blocking_begin(void *ctx, unsigned worker) {
    (void)worker;
    gil_drop(ctx, 0);
}

static void gil_blocking_end(void *ctx, unsigned worker) {
    (void)worker;
    gil_take(ctx);
}

/* ------------------------------------------------------------------------ */
/* Executor                                                                 */
/* ------------------------------------------------------------------------ */

/* Each worker thread holds the lock while it runs (threads.c). */
static void gil_enter(void *g) { gil_take(g); }
static void gil_leave(void *g) { gil_drop(g, 0); }

static const struct pb_param gil_params[] = {
    {"switch_interval", PB_PARAM_DURATION, "5ms", "1us", "10s", NULL,
     "how long a waiting thread lets the holder run before asking it to "
     "drop the lock (CPython's sys.setswitchinterval, default 5 ms)"},
    LIFETIME_PARAM,
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static int gil_run(const struct pb_host *host, const struct pb_params *params,
                   struct pb_job *job, char *err, size_t errlen) {
    struct gil g;
    gil_init(&g, host->param_uint(params, "switch_interval"));
    struct pb_worker_io io = {.ctx = &g,
                              .checkpoint = gil_checkpoint,
                              .blocking_begin = gil_blocking_begin,
                              .blocking_end = gil_blocking_end};
    struct threads_pool *pool = host->executor_state(job);
    int rc = pool ? threads_pool_run(pool, host, job, &io, gil_enter, gil_leave,
                                     &g, err, errlen)
                  : threads_run(host, job, &io, gil_enter, gil_leave, &g, err,
                                errlen);
    gil_destroy(&g);
    return rc;
}

static const struct pb_executor_ops gil_ops = {
    .size = sizeof(struct pb_executor_ops),
    .run = gil_run,
    .create = threads_lifetime_create,
    .destroy = threads_pool_destroy,
};

static const struct pb_plugin gil_plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "gil",
    .summary = "threads under one global lock, like CPython's GIL",
    .params = gil_params,
    .executor = &gil_ops,
};

PB_DEFINE_PLUGIN(gil_plugin)
