/* SPDX-License-Identifier: MIT */
/*
 * fork.c - the `fork` executor: one fork()ed child per worker and
 * repetition.  Children share the job's status page with the coordinator
 * (a MAP_SHARED mapping), so the core's own claim works unchanged: static
 * by index, or the shared atomic counter for dynamic.  Results come back
 * in frames on one pipe per child; the children wait for a release once
 * their work is done (so that their memory is measured while they all
 * live) and are reaped with wait4, which gives the core their CPU time
 * and peak RSS.  A child writes its frames in batches (fdio_batch), not
 * one write per task, in a buffer shared with the coordinator (its tail,
 * procs.h): the last batch is never written, and the coordinator learns
 * of the child's end from a pidfd (procs_forked).
 *
 * `lifetime = cell` keeps the children for the cell instead (procs.h,
 * "pooled workers"): each is forked once and runs the core's pooled-worker
 * loop (host->worker_pool_main), with the workload state it inherited.
 *
 * Between fork() and _exit() a child runs only the core's worker loop
 * (async-signal-safe outside the workload's own code), writev(), read(),
 * clock_gettime() and prctl(): no stdio, no malloc, no locks of ours.
 */
#include <parbench/worker.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "child.h"
#include "lifetime.h"
#include "procs.h"
#include "util/fdio.h"

/* `lifetime = cell`: pooled worker i, a fork of the coordinator that keeps
 * the workload state it inherits and serves every repetition
 * (host->worker_pool_main). */
static int fork_pool_start(void *ctx, const struct pb_host *host,
                           struct pb_job *job, unsigned i, int in, int out,
                           pid_t *pid, char *err, size_t errlen) {
    (void)ctx;
    pid_t parent = getpid();
    pid_t c = fork();
    if (c == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        /* Nothing of the coordinator's stays open but stdout and stderr:
         * another worker's control socket held here would keep that
         * worker from seeing end-of-file. */
        if (dup2(in, PB_WORKER_FD_IN) < 0 || dup2(out, PB_WORKER_FD_OUT) < 0)
            _exit(127);
        close_range(PB_WORKER_FD_OUT + 1, ~0u, 0);
        host->worker_pool_main(job);
    }
    if (c < 0) {
        snprintf(err, errlen, "cannot fork worker %u: %s", i, strerror(errno));
        return -1;
    }
    *pid = c;
    return 0;
}

static int fork_create(const struct pb_host *host,
                       const struct pb_params *params, unsigned workers,
                       void **state, char *err, size_t errlen) {
    return procs_lifetime_create(host, params, workers, 0, state, err, errlen);
}

static int fork_run(const struct pb_host *host, const struct pb_params *params,
                    struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    struct procs_pool *pool = host->executor_state(job);
    if (pool)
        return procs_pool_run(pool, host, job, fork_pool_start, NULL, err,
                              errlen);
    unsigned n = host->job_workers(job);
    struct procs p;
    int rel[2];
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    if (procs_init(&p, host, job, n) < 0) {
        snprintf(err, errlen, "out of memory for %u workers", n);
        return -1;
    }
    /* The release pipe: nobody waits for one with [run] memory = off. */
    rel[0] = rel[1] = -1;
    if (!p.no_release && pipe2(rel, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        procs_free(&p);
        return -1;
    }
    /* Without tails every frame goes through the channel or the pipes. */
    (void)procs_tails(&p);
    /* One channel for all the workers' frames, each written as records
     * tagged with the worker's index + 1; or, without it, a pipe each. */
    int chan = procs_channel(&p);
    pid_t parent = getpid();
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        int out[2] = {-1, -1};
        if (chan < 0 && pipe2(out, O_CLOEXEC) < 0) {
            snprintf(err, errlen, "cannot create a pipe for worker %u: %s%s", i,
                     strerror(errno), procs_errno_hint(errno));
            rc = -1;
            break;
        }
        pid_t pid = fork();
        if (pid == 0) {
            if (rel[1] >= 0)
                close(rel[1]);
            if (chan < 0)
                close(out[0]);
            child_main(host, job, i, parent, chan >= 0 ? chan : out[1],
                       chan >= 0 ? i + 1 : 0, rel[0],
                       p.tails ? &p.tails[i] : NULL);
        }
        if (pid < 0) {
            snprintf(err, errlen, "cannot fork worker %u of %u: %s", i, n,
                     strerror(errno));
            if (chan < 0) {
                close(out[0]);
                close(out[1]);
            }
            rc = -1;
            break;
        }
        procs_forked(&p, i, pid, out[0], out[1]);
    }
    if (rel[0] >= 0)
        close(rel[0]);
    p.release_fd = rel[1];
    return procs_finish(&p, rc);
}

static void fork_destroy(void *state) { procs_pool_free(state); }

static const struct pb_param fork_params[] = {LIFETIME_PARAM, PB_PARAM_END};

static const struct pb_executor_ops fork_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = NULL,
    .run = fork_run,
    .create = fork_create,
    .destroy = fork_destroy,
};

static const struct pb_plugin fork_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "fork",
    .summary = "one fork()ed child per worker (and repetition, or a pool kept "
               "for the cell); results through pipes",
    .params = fork_params,
    .flags = 0,
    .workload = NULL,
    .executor = &fork_ops,
};

PB_DEFINE_PLUGIN(fork_desc)
