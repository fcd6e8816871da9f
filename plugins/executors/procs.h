/* SPDX-License-Identifier: MIT */
/*
 * procs.h - the coordinator's side of executors whose workers are
 * processes (fork, posix_spawn): reading the workers' frames (see
 * "Worker processes" in <parbench/plugin.h>), handing out tasks on
 * request, releasing the workers, reaping them with wait4 and turning a
 * death into a readable error.  Compiled into each such plugin; nothing
 * here is exported.  Frames are written with fdio_write_frame of
 * core/util/fdio.c, which these plugins compile in too (async-signal-safe:
 * forked children call it).
 *
 * Everything here runs on the coordinator's one thread.
 */
#ifndef PARBENCH_PLUGINS_PROCS_H
#define PARBENCH_PLUGINS_PROCS_H

#include <parbench/worker.h>

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Descriptors handed to a spawned worker sit at or above this until the
 * worker moves them onto 0, 3 and 4 (<parbench/worker.h>): no dup2 onto
 * those numbers can then clobber one of them.  A server-forked worker
 * finds its own on 0, 3 and 4 already (forkserver.c). */
#define PROCS_HIGH_FD 10

/*
 * A worker's last batch of frames: struct pb_worker_tail of
 * <parbench/worker.h>, one per worker in memory it shares with the
 * coordinator (procs_tails).  Its batch buffer is the tail's `data`: what
 * the worker has not written to its pipe (or the channel) when its work
 * is done stays there, and `len` says how much.  No write, and no wakeup
 * of the coordinator, for a batch that fits; the coordinator takes the
 * tail at the worker's PB_FRAME_DONE or at its end, whichever comes
 * first.  A worker that died before it set `len` leaves 0.  Forked
 * workers (fork, forkserver: child.h) inherit the mapping; a spawned one
 * (posix_spawn) maps its own from PB_WORKER_FD_TAIL (PB_WORKER_TAIL).
 */

/* In the worker: its tail holds `len` bytes of whole frames. */
void procs_tail_set(struct pb_worker_tail *t, size_t len);

/* One worker process as the coordinator sees it. */
struct procs_child {
    pid_t pid;          /* 0: not started                               */
    int out;            /* read end of its frames; -1 after end-of-file */
    int out_w;          /* the coordinator's copy of its write end (kept
                           while exit_fd watches its end), or -1        */
    int exit_fd;        /* a pidfd, readable once it has exited, or -1  */
    int tail_taken;     /* its tail was read                            */
    int in;             /* write end of its input (spawned), or -1      */
    unsigned char *buf; /* frames read but not yet handled: the
                           coordinator's scratch, or the heap (heap_buf) */
    size_t used, cap;
    int heap_buf; /* buf is malloc()ed (a frame outgrew the scratch)   */
    int status;   /* from wait4, once reaped                           */
    int done;     /* PB_FRAME_DONE seen                           */
    int usage;    /* pooled: PB_FRAME_USAGE seen (its repetition is over) */
    int gone;     /* seen ending (its pidfd, or end-of-file without one) */
    int shut;     /* its records on the shared channel are not read any
                     further (it broke the protocol)                    */
    int killed;   /* killed by the coordinator: not a crash       */
    char *error;  /* PB_FRAME_ERROR text (owned), or NULL         */
};

struct procs {
    const struct pb_host *host; /* borrowed                              */
    struct pb_job *job;         /* borrowed                              */
    struct procs_child *c;      /* `workers` entries, owned              */
    unsigned workers;           /* entries of c                          */
    unsigned started;           /* c[0 .. started-1] have a pid          */
    uint64_t next, tasks;       /* PB_FRAME_CLAIM: the next task to give */
    int stopping;               /* hand out no more tasks                */
    int release_fd;             /* fork: write end of the release pipe   */
    int released;
    long culprit;   /* the first worker that died, or -1     */
    int pool;       /* the workers are pooled (PB_WORKER_POOL): released with
                       a byte, done with a repetition at PB_FRAME_USAGE    */
    int no_release; /* nobody reads the workers' memory: they need no
                       release (PB_WORKER_NO_RELEASE)                    */
    struct pb_worker_tail *tails; /* fork, forkserver: `workers` tails
                                 (procs_tails), or NULL                  */
    /* fork, forkserver: the read end of the channel every worker writes
     * its records to (procs_channel; kept for the cell process, never
     * closed here), or -1 */
    int shared_out;
    int channel; /* the workers write to that channel, not to pipes    */
};

/* host->job_memory(job), or 1 when the core predates it (2.3): whether
 * worker processes must wait for a release after PB_FRAME_DONE (and MPI
 * ranks read their memory). */
static inline int procs_memory(const struct pb_host *host, struct pb_job *job) {
    return !PB_HOST_HAS(host, job_memory) || !host->job_memory ||
           host->job_memory(job);
}

/* Set up for `workers` workers.  Returns 0 or -1 (out of memory). */
int procs_init(struct procs *p, const struct pb_host *host, struct pb_job *job,
               unsigned workers);

/* fork, forkserver, posix_spawn: one struct pb_worker_tail per worker in
 * memory shared with the children forked from here on (and with spawned
 * workers, which map it: procs_tails_reserve's `fd`), every `len` 0.  Kept for
 * the cell process's life, like the coordinator's scratch.  Returns 0, or -1
 * (p->tails stays NULL: the workers write every frame to their pipes). */
int procs_tails(struct procs *p);

/* forkserver, posix_spawn: the tails of `workers` workers mapped now, before a
 * helper process is forked that must share them (a mapping made later is not in
 * it).  procs_tails then finds them in place as long as no more workers
 * ask for tails in this process.  They are a memory file's pages: with
 * `fd` non-NULL, *fd is that file (close-on-exec, kept open here for the
 * cell process's life: not the caller's to close), for a helper that is
 * exec'd to map them, or -1 with NULL returned.  Returns their address,
 * or NULL. */
struct pb_worker_tail *procs_tails_reserve(unsigned workers, int *fd);

/*
 * fork, forkserver: one channel for the frames of every worker, and no
 * descriptor per worker while they are forked.  A descriptor the coordinator
 * holds when it forks is copied into the child (and closed again when the child
 * exits): with a pipe and a pidfd per worker, the n-th fork copied 3n of
 * them, which made forking 256 workers a third slower (85 against 64 us
 * per worker in a test program).  Here the workers write their frames to
 * one SOCK_SEQPACKET socket as records tagged with their index + 1
 * (fdio_records_writev), and the coordinator opens each worker's pidfd
 * once all are forked (procs_finish; a worker that has already ended is
 * a zombie until procs_reap, so its pidfd still says it ended), and
 * learns of each worker's end from its pidfd alone.  Returns
 * the end the children write to (each inherits it), or -1 when the
 * kernel has no pidfds or the descriptor limit leaves no room for one per
 * worker: the workers then get a pipe each (procs_forked with its ends).
 */
int procs_channel(struct procs *p);

/* fork: worker i is the child `pid`, writing its frames to the pipe whose
 * ends are `out` (read) and `out_w` (the coordinator's copy of the write
 * end).  Where the kernel offers a pidfd, the coordinator keeps out_w open
 * and learns of the worker's end from the pidfd alone: its output then
 * never reaches end-of-file, whose wakeup would come just before the
 * exit's.  Otherwise out_w is closed here.  Start workers in index
 * order.  With the channel (procs_channel), out and out_w are -1. */
void procs_forked(struct procs *p, unsigned i, pid_t pid, int out, int out_w);

/* Serve the started workers until every one has ended (its pidfd, or its
 * output's end-of-file without one): deliver messages, answer claims,
 * take the tails, release them once all sent
 * PB_FRAME_DONE, and kill the rest as soon as one dies early, sends
 * PB_FRAME_ERROR or breaks the protocol. */
void procs_serve(struct procs *p);

/* SIGKILL every started worker not seen ending yet (`gone` unset; they
 * are marked `killed`: not reported as crashes). */
void procs_kill_all(struct procs *p);

/* Close the release pipe and every worker's input: workers waiting after
 * PB_FRAME_DONE exit. */
void procs_release(struct procs *p);

/* Reap every started worker with wait4, hand its rusage to the core
 * (job_worker_usage), and report the first that died (then the others)
 * through job_fail, e.g. "worker 3 killed by SIGSEGV in task 17". */
void procs_reap(struct procs *p);

/* --- spawned workers: the protocol of <parbench/worker.h> -------------- */

/* The start record of every worker of the job (worker 0; procs_started
 * sets each one's index): with the shared page (`shared` >= 0) workers
 * claim from its counter, without it a dynamic schedule claims through
 * the pipe. */
void procs_start_record(const struct procs *p, int shared,
                        struct pb_worker_start *start, size_t spec_len);

/* Two close-on-exec pipes for worker i: child[0] is the worker's input
 * (PB_WORKER_FD_IN), child[1] its frames (PB_WORKER_FD_OUT), both moved at
 * or above `low` so that dup2s onto 0, 3 and 4 cannot overwrite one
 * another (0: where pipe2 put them, for ends that travel by SCM_RIGHTS and
 * get new numbers anyway); parent[0] writes its input, parent[1] reads its
 * frames.
 * Returns 0, or -1 with err (nothing left open). */
int procs_pipes(unsigned i, int low, int child[2], int parent[2], char *err,
                size_t errlen);

/* Writes worker i's start record and the spec to `fd` (the parent's
 * write end of its input, from procs_pipes) before the worker exists,
 * when they fit in the pipe's buffer (so the write cannot block): the
 * worker then finds them as soon as it reads.  Returns 1 when written, 0
 * when procs_started must send them. */
int procs_prewrite(const struct procs *p, unsigned i, int fd,
                   const struct pb_worker_start *start, const void *spec);

/* Worker i runs as `pid` with the parent ends of procs_pipes: record it
 * (c[0 .. started-1] must have a pid: start workers in index order), and
 * send its start record and the spec unless procs_prewrite did (`written`;
 * a worker that died already shows as end-of-file on its output later). */
void procs_started(struct procs *p, unsigned i, pid_t pid, const int parent[2],
                   const struct pb_worker_start *start, const void *spec,
                   int written);

/* What to add to an error number's text: for EMFILE, how to get more
 * descriptors; "" otherwise. */
const char *procs_errno_hint(int e);

/* Free what procs_init allocated and close the descriptors left open. */
void procs_free(struct procs *p);

/* The end of every run(): if starting the workers failed (rc < 0), kill
 * those already started; then serve, reap and free.  Returns rc, for run()
 * to return. */
int procs_finish(struct procs *p, int rc);

/* --- pooled workers: `lifetime = cell` ------------------------------- */

/*
 * A pool of worker processes kept across the repetitions of a cell
 * (PB_WORKER_POOL of <parbench/worker.h>).  The processes are started in
 * the first repetition that runs on the pool (so their start-up is in that
 * row, usually the warmup), each on a control socket (its PB_WORKER_FD_IN)
 * and a frames pipe (its PB_WORKER_FD_OUT).  Every repetition sends each
 * one a start record with the job's shared page, serves it as procs_serve
 * serves fresh workers, releases it with a byte and takes its own usage
 * (PB_FRAME_USAGE -> host->job_self_usage).  A worker that dies (or cannot
 * start) costs the repetition its row, as without a pool: the others are
 * killed, all are reaped and reported (procs_reap), and the next
 * repetition starts a new pool.
 */
struct procs_pool;

/* Starts pooled worker i as process *pid with `in` on its PB_WORKER_FD_IN
 * and `out` on its PB_WORKER_FD_OUT (both close-on-exec, at or above
 * PROCS_POOL_FD, owned by the caller: the callback must not close them).
 * Returns 0, or -1 with a sentence in err. */
typedef int (*procs_pool_start_fn)(void *ctx, const struct pb_host *host,
                                   struct pb_job *job, unsigned i, int in,
                                   int out, pid_t *pid, char *err,
                                   size_t errlen);
#define PROCS_POOL_FD 10

/* A pool of `workers` (no process yet); `spec`: its workers re-create the
 * workload from the job's spec (spawned, forkserver), else they inherit it
 * (fork).  NULL when out of memory. */
struct procs_pool *procs_pool_new(unsigned workers, int spec);

/* One repetition of `job` on the pool, starting the processes first if
 * there are none (the first repetition, or the one after a death).
 * Returns 0, or -1 with a sentence in err (the executor failed: the row
 * fails; processes started are killed and reaped). */
int procs_pool_run(struct procs_pool *pool, const struct pb_host *host,
                   struct pb_job *job, procs_pool_start_fn start, void *ctx,
                   char *err, size_t errlen);

/* End-of-file on every control socket (each process exits), then reap
 * them; frees the pool.  NULL is ignored. */
void procs_pool_free(struct procs_pool *pool);

/* The executor's create() for LIFETIME_PARAM: *state = a pool under
 * `lifetime = cell` (needs host->job_self_usage), NULL under repetition. */
int procs_lifetime_create(const struct pb_host *host,
                          const struct pb_params *params, unsigned workers,
                          int spec, void **state, char *err, size_t errlen);

#endif /* PARBENCH_PLUGINS_PROCS_H */
