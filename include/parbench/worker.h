/* SPDX-License-Identifier: MIT */
/*
 * parbench/worker.h - the worker-process protocol of the parbench plugin
 * ABI (version 2, see <parbench/plugin.h>): the frames worker processes
 * send their executor, and the start record of the `parbench-worker`
 * program.  Only executors that start worker processes need it; workloads
 * and thread executors include <parbench/plugin.h> alone.
 */
#ifndef PARBENCH_WORKER_H
#define PARBENCH_WORKER_H

#include <parbench/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Frames                                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Worker processes (forked children and spawned parbench-worker programs)
 * talk to their executor through pipes, in frames: a struct pb_frame, then
 * `len` bytes.  Integers are in the host's byte order (worker and
 * coordinator run on one machine; an executor that crosses machines
 * translates).  Frames from a worker to the coordinator:
 *
 *   PB_FRAME_MSG    a message of the core's worker loop (what io->send was
 *                   given, head and body joined): pass the `len` bytes to
 *                   host->job_deliver().
 *   PB_FRAME_CLAIM  (len 0) the worker asks for its next task; the
 *                   coordinator answers on the worker's input with one
 *                   uint64_t: a task index, or PB_NO_TASK for "none left".
 *   PB_FRAME_DONE   (len 0) the worker loop returned and its final report
 *                   was sent.  The worker now waits for release (below)
 *                   before it exits, so that every worker process is still
 *                   alive when the core reads the processes' proportional
 *                   set size at the end of the compute phase.
 *   PB_FRAME_ERROR  `len` bytes of text (not NUL-terminated): the worker
 *                   could not start (bad spec, plugin not loadable, create()
 *                   failed) and exits without running a task.
 *
 * A worker whose output pipe reaches end-of-file before PB_FRAME_DONE (or
 * PB_FRAME_ERROR) died: the executor reaps it, reports how and in which
 * task (job_current_task) through job_fail(crashed = 1), and kills the
 * other workers, which may be waiting for a claim that will never come.
 */
struct pb_frame {
    uint32_t type; /* PB_FRAME_*  */
    uint32_t len;  /* bytes that follow */
};

#define PB_FRAME_MSG 1u
#define PB_FRAME_CLAIM 2u
#define PB_FRAME_DONE 3u
#define PB_FRAME_ERROR 4u
/* (2.2) PB_FRAME_USAGE: `len` == sizeof(struct pb_worker_usage): a pooled
 * worker's (PB_WORKER_POOL, below) own resource usage over the repetition,
 * sent after its release.  Pass it on with host->job_self_usage. */
#define PB_FRAME_USAGE 5u

/* The largest `len` of a frame, one limit for both ends: a sender refuses
 * to send a longer frame (a task whose result does not fit fails, its
 * payload unsent), and a receiver takes a longer one for a broken
 * protocol.  Results bigger than this stay in-process (threads). */
#define PB_FRAME_MAX (1u << 30)

/*
 * The parbench-worker program (host->worker_program; installed in
 * LIBEXECDIR/parbench, beside parbench in a build tree) is how an executor
 * gets a fresh process that runs one worker of a job.  Start it with no
 * arguments and these descriptors:
 *
 *   PB_WORKER_FD_IN (0, stdin)   coordinator -> worker: a struct
 *       pb_worker_start, then start.spec_len bytes of spec
 *       (host->job_spec), then, when start.flags has PB_WORKER_CLAIM_PIPE,
 *       one uint64_t task index per PB_FRAME_CLAIM.  End-of-file is the
 *       release: the worker exits (after PB_FRAME_DONE it waits for it).
 *   PB_WORKER_FD_OUT (3)         worker -> coordinator: frames (above).
 *   PB_WORKER_FD_SHARED (4)      only when start.flags has
 *       PB_WORKER_SHARED: host->job_shared_fd(), mapped by the worker so
 *       that job_current_task() and the job's stop flag work across it.
 *   PB_WORKER_FD_TAIL (5)        (2.6) only when start.flags has
 *       PB_WORKER_TAIL: a memory file of one struct pb_worker_tail per
 *       worker (below), whose tail `worker` the worker maps.
 *
 * stdout and stderr are the worker's own (inherited).  Without
 * PB_WORKER_CLAIM_PIPE the worker claims by itself: static by index
 * (task = worker + k * workers); dynamic then needs PB_WORKER_SHARED (the
 * shared counter).  The worker sets PR_SET_PDEATHSIG and exits at once if
 * its parent is not start.parent; it inherits the caller's process group.
 * Exit status 0 after release; PB_WORKER_EXIT_START (with a PB_FRAME_ERROR
 * where it could still write one) when it could not start.
 */
#define PB_WORKER_FD_IN 0
#define PB_WORKER_FD_OUT 3
#define PB_WORKER_FD_SHARED 4
#define PB_WORKER_FD_TAIL 5

#define PB_WORKER_MAGIC 0x50425731u /* "PBW1" */
#define PB_WORKER_CLAIM_PIPE 0x1u
#define PB_WORKER_SHARED 0x2u
/*
 * (2.2) PB_WORKER_POOL: the worker is pooled (`lifetime = cell`) and
 * serves one repetition per start record until end-of-file.  Then
 * PB_WORKER_FD_IN is one end of a Unix stream socket (socketpair), not a
 * pipe, and:
 *   - every start record carries the repetition's shared page
 *     (host->job_shared_fd) as SCM_RIGHTS ancillary data on its first byte
 *     (PB_WORKER_SHARED is set; descriptor 4 is not used); spec_len is
 *     nonzero in the first record only (the worker keeps its workload);
 *   - after PB_FRAME_DONE the release is one byte on PB_WORKER_FD_IN (not
 *     end-of-file); the worker then sends PB_FRAME_USAGE and waits for the
 *     next start record;
 *   - end-of-file on PB_WORKER_FD_IN between repetitions: the worker exits
 *     with status 0.
 * A pooled worker that is a fork of the coordinator (not a fresh process)
 * reaches the same loop through host->worker_pool_main.
 */
#define PB_WORKER_POOL 0x4u
/*
 * (2.3) PB_WORKER_NO_RELEASE: nobody reads the worker's memory
 * (host->job_memory() is 0), so there is no release: a fresh worker exits
 * with status 0 right after PB_FRAME_DONE, and a pooled one sends
 * PB_FRAME_USAGE right after it and waits for the next start record.
 */
#define PB_WORKER_NO_RELEASE 0x8u
/*
 * (2.6) PB_WORKER_TAIL: the worker's frames are batched in its tail, the
 * struct pb_worker_tail at offset `worker * sizeof(struct pb_worker_tail)`
 * of the memory file on PB_WORKER_FD_TAIL, which it shares with the
 * coordinator.  A batch that fills is written to PB_WORKER_FD_OUT as
 * always; what is left when the work is done stays in the tail, and the
 * worker sets `len` last (a release store).  With PB_WORKER_NO_RELEASE
 * its PB_FRAME_DONE is the tail's last frame and the worker exits without
 * a write; otherwise it writes PB_FRAME_DONE alone to PB_WORKER_FD_OUT
 * after setting `len`.  The coordinator sets `len` to 0 before the start,
 * and reads the tail at PB_FRAME_DONE or at the worker's end, whichever
 * comes first.  No write, and no wakeup of the coordinator, for a batch
 * that fits.  Not with PB_WORKER_POOL.  A worker that cannot map its tail
 * writes every frame to PB_WORKER_FD_OUT and leaves `len` 0.
 */
#define PB_WORKER_TAIL 0x10u
#define PB_WORKER_EXIT_START 2

/* (2.6) A worker's tail (PB_WORKER_TAIL): 32 KiB, page-aligned. */
#define PB_WORKER_TAIL_BYTES (32768u - 64u)
struct pb_worker_tail {
    uint32_t len; /* bytes of whole frames in data; set last */
    unsigned char pad[60];
    unsigned char data[PB_WORKER_TAIL_BYTES];
};

struct pb_worker_start {
    uint32_t magic;    /* PB_WORKER_MAGIC                               */
    uint32_t flags;    /* PB_WORKER_CLAIM_PIPE | PB_WORKER_SHARED       */
    uint32_t worker;   /* this worker's index, 0 .. workers-1           */
    uint32_t workers;  /* host->job_workers()                           */
    uint32_t schedule; /* enum pb_schedule                              */
    int32_t parent;    /* pid of the coordinator                        */
    uint64_t tasks;    /* host->job_tasks(): the worker checks its own  */
    uint64_t spec_len; /* bytes of spec that follow                     */
};

/* (2.2) What a pooled worker measured of itself over one repetition
 * (PB_FRAME_USAGE): getrusage(RUSAGE_SELF) deltas since its previous report
 * (the first covers the process's start) and its peak RSS.  pss_kib and
 * uss_kib are 0 from the core's pooled workers since 2.3: the coordinator
 * reads their memory itself with the clock paused (job_self_usage keeps
 * that reading for a worker the core read). */
struct pb_worker_usage {
    uint64_t user_us, sys_us;
    uint64_t nvcsw, nivcsw;
    uint64_t minflt, majflt;
    uint64_t maxrss_kib, pss_kib, uss_kib;
};

#ifdef __cplusplus
}
#endif

#endif /* PARBENCH_WORKER_H */
