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
 * frames to a write (parbench-worker, cli/worker_main.c).
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

#include "procs.h"
#include "util/fdio.h"

/* Descriptors handed to a worker are first moved at or above this, so
 * that the dup2s onto 0, 3 and 4 cannot overwrite one another. */
#define HIGH_FD 10

/* fd moved to a close-on-exec descriptor >= HIGH_FD (fd is closed); -1
 * on failure. */
static int move_high(int fd) {
    int h = fcntl(fd, F_DUPFD_CLOEXEC, HIGH_FD);
    close(fd);
    return h;
}

/* Starts worker i; on failure err says why and -1 is returned. */
static int spawn_one(struct procs *p, unsigned i, const char *prog, int shared,
                     const struct pb_worker_start *start, const void *spec,
                     char *err, size_t errlen) {
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
    int child_in = move_high(in[0]), child_out = move_high(out[1]);
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0 && (child_in < 0 || child_out < 0))
        rc = EMFILE;
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, child_in, PB_WORKER_FD_IN);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, child_out, PB_WORKER_FD_OUT);
    if (rc == 0 && shared >= 0)
        rc = posix_spawn_file_actions_adddup2(&fa, shared, PB_WORKER_FD_SHARED);
    /* Whatever else this process has open stays out of the worker. */
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa,
                                                      PB_WORKER_FD_SHARED + 1);
    pid_t pid = 0;
    char *argv[] = {(char *)"parbench-worker", NULL};
    if (rc == 0)
        rc = posix_spawn(&pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (child_in >= 0)
        close(child_in);
    if (child_out >= 0)
        close(child_out);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start worker %u: %s: %s", i, prog,
                 strerror(rc));
        close(in[1]);
        close(out[0]);
        return -1;
    }
    struct procs_child *c = &p->c[i];
    c->pid = pid;
    c->in = in[1];
    c->out = out[0];
    p->started++;
    /* A worker that died already shows as end-of-file on its output. */
    struct pb_worker_start s = *start;
    s.worker = i;
    if (fdio_write_full(c->in, &s, sizeof s) == 0)
        (void)fdio_write_full(c->in, spec, (size_t)s.spec_len);
    p->host->job_add_ipc(p->job, sizeof s + s.spec_len);
    return 0;
}

static int spawn_run(const struct pb_host *host, const struct pb_params *params,
                     struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    unsigned n = host->job_workers(job);
    struct procs p;
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    const char *prog = host->worker_program(job);
    size_t spec_len = 0;
    const void *spec = host->job_spec(job, &spec_len);
    if (!prog || !*prog || !spec || !spec_len) {
        snprintf(err, errlen, "the core gave no worker program or spec");
        return -1;
    }
    int shared = host->job_shared_fd(job);
    if (shared >= 0 && (shared = fcntl(shared, F_DUPFD_CLOEXEC, HIGH_FD)) < 0) {
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
    enum pb_schedule sched = host->job_schedule(job);
    struct pb_worker_start start = {
        .magic = PB_WORKER_MAGIC,
        /* With the shared page, workers claim from its counter (no
         * round trip per task); the claim pipe is the fallback when the
         * host offers no page. */
        .flags =
            (sched == PB_SCHEDULE_DYNAMIC && shared < 0 ? PB_WORKER_CLAIM_PIPE
                                                        : 0u) |
            (shared >= 0 ? PB_WORKER_SHARED : 0u),
        .workers = n,
        .schedule = (uint32_t)sched,
        .parent = (int32_t)getpid(),
        .tasks = host->job_tasks(job),
        .spec_len = spec_len,
    };
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = spawn_one(&p, i, prog, shared, &start, spec, err, errlen);
    if (shared >= 0)
        close(shared);
    return procs_finish(&p, rc);
}

static const struct pb_executor_ops spawn_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = NULL,
    .run = spawn_run,
};

static const struct pb_plugin spawn_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "posix_spawn",
    .summary = "one fresh parbench-worker process per worker, re-creating "
               "the workload; pipes",
    .params = NULL,
    .flags = 0,
    .workload = NULL,
    .executor = &spawn_ops,
};

PB_DEFINE_PLUGIN(spawn_desc)
