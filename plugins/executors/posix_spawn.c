/* SPDX-License-Identifier: MIT */
/*
 * posix_spawn.c - the `posix_spawn` executor: one fresh parbench-worker
 * process per worker and repetition.  Each worker re-loads the workload
 * plugin and re-creates its state from the serialised spec: that is what
 * "spawn" really costs, and it shows in startup_s.  Tasks and results
 * travel through pipes, in the protocol of <parbench/worker.h>: static
 * workers claim by index on their own; under dynamic scheduling they take
 * the next task from the counter of the job's shared page
 * (host->job_shared_fd, mapped by each worker), as forked children do.
 * Only when the host offers no shared page is each task a round trip
 * (PB_FRAME_CLAIM, then the index).  Results come back batched, many
 * frames to a write (parbench-worker, cli/worker_main.c), and the last
 * batch not at all: it stays in the worker's tail, memory it shares with
 * the coordinator (PB_WORKER_TAIL), which reads it once the worker has
 * ended.
 *
 * `lifetime = cell` keeps W parbench-workers for the cell (procs.h,
 * "pooled workers"): each loads the workload once and serves every
 * repetition.
 *
 * An exec failure (say, no parbench-worker next to parbench) comes back as
 * posix_spawn's return value: glibc reports the child's exec errno to the
 * caller through its own close-on-exec channel, so no second one is
 * needed.  A worker that starts but cannot load the workload says why in
 * a PB_FRAME_ERROR.
 */
#include <parbench/worker.h>

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lifetime.h"
#include "procs.h"
#include "util/fdio.h"

/* parbench-worker with `in`, `out` (and `shared` when >= 0, and `tails`
 * when >= 0, given only with `shared`) on its descriptors 0, 3, 4 and 5.
 * Returns 0 or posix_spawn's error number. */
static int spawn_proc(const char *prog, int in, int out, int shared, int tails,
                      pid_t *pid) {
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, in, PB_WORKER_FD_IN);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out, PB_WORKER_FD_OUT);
    if (rc == 0 && shared >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, shared, PB_WORKER_FD_SHARED);
    if (rc == 0 && tails >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, tails, PB_WORKER_FD_TAIL);
    /* Whatever else this process has open stays out of the worker. */
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(
            &fa, tails >= 0 ? PB_WORKER_FD_TAIL + 1 : PB_WORKER_FD_SHARED + 1);
    char *argv[] = {(char *)"parbench-worker", NULL};
    if (rc == 0)
        rc = posix_spawn(pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

/* Starts worker i; on failure err says why and -1 is returned. */
static int spawn_one(struct procs *p, unsigned i, const char *prog, int shared,
                     int tails, const struct pb_worker_start *start,
                     const void *spec, char *err, size_t errlen) {
    int child[2], parent[2];
    if (procs_pipes(i, PROCS_HIGH_FD, child, parent, err, errlen) < 0)
        return -1;
    /* In the pipe before the worker exists: it finds it at once. */
    int written = procs_prewrite(p, i, parent[0], start, spec);
    pid_t pid = 0;
    int rc = spawn_proc(prog, child[0], child[1], shared, tails, &pid);
    close(child[0]);
    close(child[1]);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start worker %u: %s: %s", i, prog,
                 strerror(rc));
        close(parent[0]);
        close(parent[1]);
        return -1;
    }
    procs_started(p, i, pid, parent, start, spec, written);
    return 0;
}

/* `lifetime = cell`: pooled worker i, a parbench-worker serving every
 * repetition of the cell (PB_WORKER_POOL). */
static int spawn_pool_start(void *ctx, const struct pb_host *host,
                            struct pb_job *job, unsigned i, int in, int out,
                            pid_t *pid, char *err, size_t errlen) {
    (void)ctx;
    const char *prog = host->worker_program(job);
    int rc = prog && *prog ? spawn_proc(prog, in, out, -1, -1, pid) : ENOENT;
    if (rc != 0) {
        snprintf(err, errlen, "cannot start worker %u: %s: %s", i,
                 prog && *prog ? prog : "parbench-worker", strerror(rc));
        return -1;
    }
    return 0;
}

static int spawn_create(const struct pb_host *host,
                        const struct pb_params *params, unsigned workers,
                        void **state, char *err, size_t errlen) {
    return procs_lifetime_create(host, params, workers, 1, state, err, errlen);
}

static void spawn_destroy(void *state) { procs_pool_free(state); }

static int spawn_run(const struct pb_host *host, const struct pb_params *params,
                     struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    unsigned n = host->job_workers(job);
    struct procs p;
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    struct procs_pool *pool = host->executor_state(job);
    if (pool)
        return procs_pool_run(pool, host, job, spawn_pool_start, NULL, err,
                              errlen);
    const char *prog = host->worker_program(job);
    size_t spec_len = 0;
    const void *spec = host->job_spec(job, &spec_len);
    if (!prog || !*prog || !spec || !spec_len) {
        snprintf(err, errlen, "the core gave no worker program or spec");
        return -1;
    }
    int shared = host->job_shared_fd(job);
    if (shared >= 0 &&
        (shared = fcntl(shared, F_DUPFD_CLOEXEC, PROCS_HIGH_FD)) < 0) {
        snprintf(err, errlen, "cannot duplicate a descriptor: %s",
                 strerror(errno));
        return -1;
    }
    if (procs_init(&p, host, job, n) < 0) {
        snprintf(err, errlen, "out of memory for %u workers", n);
        if (shared >= 0)
            close(shared);
        return -1;
    }
    /* The workers' tails (PB_WORKER_TAIL): each one's last batch of frames
     * stays in memory shared with this process, as a forked worker's does,
     * and costs no write.  Without them (no memory file, or no shared
     * page: the fallback), every frame goes to the pipes. */
    int tails = -1; /* the cell's, kept open by procs.c: not closed here */
    if (shared < 0 || !procs_tails_reserve(n, &tails) || procs_tails(&p) < 0) {
        tails = -1;
        p.tails = NULL;
    }
    struct pb_worker_start start;
    procs_start_record(&p, shared, &start, spec_len);
    if (tails >= 0)
        start.flags |= PB_WORKER_TAIL;
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = spawn_one(&p, i, prog, shared, tails, &start, spec, err, errlen);
    if (shared >= 0)
        close(shared);
    return procs_finish(&p, rc);
}

static const struct pb_param spawn_params[] = {LIFETIME_PARAM, PB_PARAM_END};

static const struct pb_executor_ops spawn_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = NULL,
    .run = spawn_run,
    .create = spawn_create,
    .destroy = spawn_destroy,
};

static const struct pb_plugin spawn_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "posix_spawn",
    .summary = "one fresh parbench-worker process per worker, re-creating "
               "the workload (per repetition, or a pool kept for the cell); "
               "pipes",
    .params = spawn_params,
    .flags = 0,
    .workload = NULL,
    .executor = &spawn_ops,
};

PB_DEFINE_PLUGIN(spawn_desc)
