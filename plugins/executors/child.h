/* SPDX-License-Identifier: MIT */
/*
 * child.h - a forked worker's life, for the executors whose workers are
 * forks: `fork` (the coordinator's job, inherited) and `forkserver` (a
 * job re-created from the spec by host->worker_job).  Included by the one
 * source file of each that forks, not compiled on its own: a forked
 * child faults on every code page it first touches (fork() copies no
 * page-table entry of a file mapping), and this code in procs.c put it
 * on pages of its own -- two more faults per fork worker (14.8 against
 * 16.8 per child, 8 workers, counted with perf's page-fault tracepoints).
 */
#ifndef PARBENCH_EXECUTORS_CHILD_H
#define PARBENCH_EXECUTORS_CHILD_H

#include <parbench/worker.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "procs.h"
#include "util/fdio.h"
#include "util/hot.h"

/* A child streams its frames in batches (fdio_batch): one write carries
 * up to BATCH_BYTES of results, and none waits more than BATCH_NS plus a
 * clock tick plus the task after it (fdio.h).  In its tail, or without
 * tails (procs_tails) in a buffer the child allocates: a static one was
 * 32 KiB of the plugin's zeroed data, a mapping of its own in the cell
 * process that each fork copied. */
#define BATCH_BYTES 32768
#define BATCH_NS 1000000u

/* io->send in a child: the message as one PB_FRAME_MSG, batched. */
PB_HOT static int child_send(void *ctx, const void *head, size_t head_len,
                             const void *body, size_t body_len) {
    return fdio_batch_frame(ctx, PB_FRAME_MSG, head, head_len, body, body_len);
}

/*
 * A forked worker's whole life once it has its job -- fork's inherits the
 * coordinator's, a forkserver worker re-creates its own (host->worker_job).
 * It dies with the coordinator `parent` (PR_SET_PDEATHSIG; at once if
 * that is no longer its parent), runs the worker loop with its frames
 * batched in `tail` (or, when NULL, in a static buffer) and written to
 * `out` -- as records of `tag` when nonzero (procs_channel) -- whenever
 * the batch fills or ages, ends with PB_FRAME_DONE, waits for the release
 * (end-of-file on `release`; -1: none) and exits.  Between the fork and
 * _exit it runs only the worker loop, writev(), read(), clock_gettime()
 * and prctl().  Never returns.
 */
static void child_main(const struct pb_host *host, struct pb_job *job,
                       unsigned worker, pid_t parent, int out, uint32_t tag,
                       int release, struct pb_worker_tail *tail)
    __attribute__((noreturn));
PB_HOT static void child_main(const struct pb_host *host, struct pb_job *job,
                              unsigned worker, pid_t parent, int out,
                              uint32_t tag, int release,
                              struct pb_worker_tail *tail) {
    /* Die with the coordinator, even if it died before this line. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(127);
    struct fdio_batch batch;
    unsigned char *buf = tail ? tail->data : malloc(BATCH_BYTES);
    if (!buf)
        _exit(3);
    /* The tail is read before it is written.  A read fault on shared
     * memory maps every page of it around the address that is in memory
     * already (fault-around: the earlier repetitions' workers wrote them),
     * where a write fault maps its one page: the batch's writes then run
     * on one fault instead of one per page. */
    if (tail)
        (void)*(volatile const uint32_t *)&tail->len;
    fdio_batch_init(&batch, out, buf, tail ? sizeof tail->data : BATCH_BYTES,
                    BATCH_NS);
    batch.tag = tag;
    struct pb_worker_io io = {.ctx = &batch, .send = child_send};
    /* Failures travel in the messages. */
    (void)host->worker_loop(job, worker, &io);
    if (!tail) {
        if (fdio_batch_frame(&batch, PB_FRAME_DONE, NULL, 0, NULL, 0) < 0 ||
            fdio_batch_flush(&batch) < 0)
            _exit(3);
    } else if (release < 0) {
        /* The last batch, PB_FRAME_DONE included, stays in the tail: the
         * coordinator reads it when this process has ended. */
        if (fdio_batch_frame(&batch, PB_FRAME_DONE, NULL, 0, NULL, 0) < 0)
            _exit(3);
        procs_tail_set(tail, batch.used);
    } else {
        /* The coordinator reads the tail at PB_FRAME_DONE, which wakes
         * it: then it reads our memory and releases us. */
        procs_tail_set(tail, batch.used);
        if (fdio_write_frame_tagged(out, tag, PB_FRAME_DONE, NULL, 0, NULL, 0) <
            0)
            _exit(3);
    }
    /* Nobody reads our memory ([run] memory = off): no release. */
    if (release < 0)
        _exit(0);
    char b;
    while (read(release, &b, 1) < 0 && errno == EINTR)
        ;
    _exit(0);
}

#endif /* PARBENCH_EXECUTORS_CHILD_H */
