/*
 * parbench/plugin.h - the whole public ABI between the parbench core and its
 * plugins.  This is the only header a plugin includes; a plugin links against
 * nothing of the core and reaches every core service through the host table
 * (struct pb_host) it is handed.
 *
 * A plugin is one shared object exporting exactly one symbol, the entry
 * function PB_ENTRY_NAME, which returns a pointer to a constant descriptor:
 *
 *     static const struct pb_plugin plugin = { PB_ABI_VERSION, ... };
 *     PB_DEFINE_PLUGIN(plugin)
 *
 * Build plugins with -fvisibility=hidden: PB_DEFINE_PLUGIN marks only the
 * entry function visible, so `nm -D --defined-only x.so` shows one name.
 *
 * Ownership and threads, in short:
 *  - Descriptors, parameter tables and strings a plugin hands to the core are
 *    static, constant and owned by the plugin; the core never writes to them.
 *  - Pointers the core hands to a plugin (host table, parameters, job, task
 *    context) are borrowed: valid for the duration of the call unless stated.
 *  - "Coordinator" means the process that runs one benchmark cell.  Workers
 *    are threads of it, forked children of it, or fresh processes that load
 *    the plugin again.
 *
 * Compatibility: fields are only ever appended to struct pb_host, and the
 * core fills host->size so a plugin can test for a newer field.  A change to
 * any other structure bumps PB_ABI_VERSION, and the core refuses plugins
 * built against a different version.
 */
#ifndef PARBENCH_PLUGIN_H
#define PARBENCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define PB_ABI_VERSION 1

/* Name of the one symbol a plugin exports. */
#define PB_ENTRY_NAME "parbench_plugin"

#if defined(__GNUC__)
#define PB_EXPORT __attribute__((visibility("default")))
#else
#define PB_EXPORT
#endif

struct pb_plugin;

/* Type of the entry function: returns the plugin's constant descriptor. */
typedef const struct pb_plugin *(*pb_entry_fn)(void);

/* Defines the entry function returning DESC (a static struct pb_plugin). */
#define PB_DEFINE_PLUGIN(desc)                                                 \
    PB_EXPORT const struct pb_plugin *parbench_plugin(void);                   \
    PB_EXPORT const struct pb_plugin *parbench_plugin(void) { return &(desc); }

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */
/* ------------------------------------------------------------------------ */

enum pb_param_type {
    PB_PARAM_INT = 1,  /* signed 64-bit integer: "-3", "1000000"          */
    PB_PARAM_UINT,     /* unsigned 64-bit integer: "0", "32"               */
    PB_PARAM_FLOAT,    /* double: "0.5", "1e-9"                            */
    PB_PARAM_BOOL,     /* true/false, yes/no, on/off, 1/0                  */
    PB_PARAM_STRING,   /* free text (may contain ${server})                */
    PB_PARAM_SIZE,     /* bytes: "4096", "64KiB", "1MiB", "2GiB", "1kB"    */
    PB_PARAM_DURATION, /* time: "50ms", "2s", "100us", "250ns", "1m"      */
    PB_PARAM_ENUM      /* one of choices[]                                 */
};

/*
 * One entry of a plugin's parameter table (terminate the table with an entry
 * whose name is NULL).  Values are written as text, in the same syntax as in
 * the INI file, and parsed by the core: the core validates the table when it
 * loads the plugin, so a bad default or bound is reported as a plugin error.
 */
struct pb_param {
    const char *name; /* [a-z0-9_]+, unique in the table            */
    enum pb_param_type type;
    const char *def;            /* default value as text; NULL = required     */
    const char *min;            /* inclusive lower bound as text, or NULL     */
    const char *max;            /* inclusive upper bound as text, or NULL     */
    const char *const *choices; /* PB_PARAM_ENUM: NULL-terminated list     */
    const char *help;           /* one line for `parbench describe`           */
};

/* Opaque set of validated parameter values, owned by the core. */
struct pb_params;

/* ------------------------------------------------------------------------ */
/* Host services                                                             */
/* ------------------------------------------------------------------------ */

struct pb_job;      /* opaque: one repetition of one cell, owned by the core */
struct pb_task_ctx; /* opaque: the running task's context, owned by the core */
struct pb_task_result;
struct rusage;

enum pb_log_level { PB_LOG_ERROR = 0, PB_LOG_WARN, PB_LOG_INFO, PB_LOG_DEBUG };

enum pb_schedule {
    PB_SCHEDULE_STATIC = 0, /* task i runs on worker i mod W             */
    PB_SCHEDULE_DYNAMIC = 1 /* workers claim the next free task          */
};

/*
 * Hooks an executor may give the core's worker loop.  Every member may be
 * NULL, which selects the core's in-process behaviour.  `ctx` is passed back
 * unchanged.  All hooks are called on the worker (thread or process) that
 * runs the loop.
 */
struct pb_worker_io {
    void *ctx;
    /*
     * Next task for `worker`: store it in *task and return 1; return 0 when
     * there is none left, negative on failure.  NULL: the core claims from
     * the job itself (static by index, or a shared atomic counter placed in
     * memory that stays shared across fork()).
     */
    int (*claim)(void *ctx, unsigned worker, uint64_t *task);
    /*
     * Move one message (a task result or the worker's final report, as
     * encoded by the core) to the coordinator.  The message is `head`
     * followed by `body` (body_len may be 0: then body is NULL); the
     * coordinator must pass the same head_len + body_len bytes, joined,
     * to host->job_deliver().  Return 0 or negative on failure.  NULL: the
     * result stays in this process (threads).  The bytes are borrowed for
     * the call.  Under fork() this is called in the child: only
     * async-signal-safe calls (write, writev) belong here.
     */
    int (*send)(void *ctx, const void *head, size_t head_len, const void *body,
                size_t body_len);
    /* Task-context hooks: see pb_host.checkpoint and blocking_*.          */
    void (*checkpoint)(void *ctx, unsigned worker);
    void (*blocking_begin)(void *ctx, unsigned worker);
    void (*blocking_end)(void *ctx, unsigned worker);
};

/*
 * The services the core offers.  Every function is safe to call from any
 * worker thread unless it says otherwise.  Fields are append-only: test
 * `host->size` before using a field added after ABI version 1.
 */
struct pb_host {
    size_t size;          /* sizeof(struct pb_host) as the core knows it */
    unsigned abi_version; /* PB_ABI_VERSION of the core                  */

    /* --- logging and time ------------------------------------------- */
    /* printf-style message on the run's log (stderr), tagged with the
     * plugin name.  Never call it between fork() and _exit(). */
    void (*log)(const struct pb_host *host, enum pb_log_level level,
                const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
    /* CLOCK_MONOTONIC in nanoseconds; comparable across processes. */
    uint64_t (*now_ns)(void);
    /* Nonzero once the run is being stopped (Ctrl-C, timeout): long tasks
     * and executors waiting on workers should return early. */
    int (*cancelled)(void);

    /* --- parameters ---------------------------------------------------
     * Typed access to validated values.  `name` must be in the plugin's
     * table with a matching type; anything else is a plugin bug and the
     * core aborts the cell with a message naming the parameter.
     * Strings are owned by `params` and live as long as it does. */
    int64_t (*param_int)(const struct pb_params *params, const char *name);
    /* UINT, SIZE (in bytes) and DURATION (in nanoseconds). */
    uint64_t (*param_uint)(const struct pb_params *params, const char *name);
    double (*param_float)(const struct pb_params *params, const char *name);
    int (*param_bool)(const struct pb_params *params, const char *name);
    /* STRING (after ${server} substitution) and ENUM (the choice text). */
    const char *(*param_string)(const struct pb_params *params,
                                const char *name);

    /* --- task context: called by a workload from inside run_task ------ */
    /* About every 100 us of pure computation.  Cheap; under `gil` it may
     * hand the global lock to a waiting thread. */
    void (*checkpoint)(struct pb_task_ctx *ctx);
    /* Around every wait on I/O (network, disk, sleep).  Must be paired. */
    void (*blocking_begin)(struct pb_task_ctx *ctx);
    void (*blocking_end)(struct pb_task_ctx *ctx);
    /* Index of the worker running this task, 0 .. workers-1. */
    unsigned (*task_worker)(const struct pb_task_ctx *ctx);

    /* --- job: called by executors ------------------------------------ */
    unsigned (*job_workers)(const struct pb_job *job);
    uint64_t (*job_tasks)(const struct pb_job *job);
    enum pb_schedule (*job_schedule)(const struct pb_job *job);
    /*
     * The core's worker loop: run worker `worker` of the job to completion
     * (claim a task, run it, time it, hand the result on; then a final
     * report).  `io` may be NULL (all in-process defaults); it is borrowed
     * for the call.  Call it once per worker, from the thread or process
     * that is that worker.  Returns 0, or negative if a task failed or a
     * hook failed (the failure is recorded in the job either way).  Under
     * fork() it does only async-signal-safe work outside the workload's own
     * code.
     */
    int (*worker_loop)(struct pb_job *job, unsigned worker,
                       const struct pb_worker_io *io);
    /*
     * Coordinator only, never concurrently: hand over one message a worker
     * sent through io->send.  The core decodes it and merges the result.
     * Returns 0, or negative if the message is malformed (then the job has
     * failed; stop the workers).  `msg` is borrowed.
     */
    int (*job_deliver)(struct pb_job *job, const void *msg, size_t len);
    /* Coordinator only: bytes moved across a process boundary that the
     * core did not see (task indices, specs, framing).  Message bytes given
     * to job_deliver are counted by the core already. */
    void (*job_add_ipc)(struct pb_job *job, uint64_t bytes);
    /* Coordinator only: resource usage of a worker process that has ended
     * (from wait4); the core takes the worker's peak RSS from it (CPU time
     * and context switches of reaped children are counted by the core
     * through RUSAGE_CHILDREN).  Threads need no call.  `ru` is borrowed. */
    void (*job_worker_usage)(struct pb_job *job, unsigned worker,
                             const struct rusage *ru);
    /* Coordinator only: record a failure of the executor itself, e.g.
     * "worker 3 killed by SIGSEGV".  The repetition's status becomes
     * `crashed` (crashed != 0) or `failed`. */
    void (*job_fail)(struct pb_job *job, int crashed, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;
    /* Coordinator only: the absolute path of the `parbench-worker`
     * program, and the serialised workload spec (plugin file and canonical
     * parameters) it needs on its standard input.  Both owned by the core,
     * valid for the job. */
    const char *(*worker_program)(const struct pb_job *job);
    const void *(*job_spec)(const struct pb_job *job, size_t *len);

    /* --- added after ABI version 1 (test host->size first) ------------ */
    /*
     * Coordinator only: the task worker `worker` is running now, or was
     * running when its process died; PB_NO_TASK when it is between tasks
     * (or never reported).  The core's worker loop records it in the
     * job's shared status page, which forked children share and spawned
     * parbench-worker processes map from job_shared_fd(), so an executor
     * can say "worker 3 killed by SIGSEGV in task 17".
     */
    uint64_t (*job_current_task)(const struct pb_job *job, unsigned worker);
    /*
     * Coordinator only: a file descriptor of the job's shared status page
     * (the stop flag and each worker's current task), owned by the core,
     * close-on-exec, valid for the job; -1 if there is none.  Spawned-worker
     * executors hand it to parbench-worker as PB_WORKER_FD_SHARED.
     */
    int (*job_shared_fd)(const struct pb_job *job);
    /*
     * Coordinator only: resource usage that a process of the executor
     * measured of itself, for a process the coordinator can neither reap
     * within the repetition nor read in /proc (it runs on another host, or
     * lives for the whole cell): an MPI rank.  `worker` is the worker the
     * process ran, or PB_NO_WORKER for a helper of the executor (say a root
     * rank that hands out tasks).  From `ru` the core adds ru_utime,
     * ru_stime, ru_nvcsw and ru_nivcsw to the row (so pass zeros for what
     * RUSAGE_CHILDREN counts already) and takes ru_maxrss (KiB) as a peak.
     * `pss_kib` is its proportional set size, read by the process itself
     * while every worker was alive: for a worker the core uses it instead
     * of reading /proc/PID/smaps_rollup of the pid in the final report; a
     * helper's is added.  `ru` is borrowed.
     */
    void (*job_self_usage)(struct pb_job *job, unsigned worker,
                           const struct rusage *ru, uint64_t pss_kib);
};

/* Value of job_current_task() when a worker runs no task. */
#define PB_NO_TASK UINT64_MAX
/* job_self_usage(): the process is a helper of the executor, no worker. */
#define PB_NO_WORKER UINT32_MAX

/* ------------------------------------------------------------------------ */
/* Worker processes: frames and the parbench-worker protocol                 */
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

/* The largest `len` of a frame, one limit for both ends: a sender refuses
 * to send a longer frame (a task whose result does not fit fails, its
 * payload unsent), and a receiver takes a longer one for a broken
 * protocol.  Results bigger than this stay in-process (threads). */
#define PB_FRAME_MAX (1u << 30)

/*
 * The parbench-worker program (host->worker_program) is how an executor
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

#define PB_WORKER_MAGIC 0x50425731u /* "PBW1" */
#define PB_WORKER_CLAIM_PIPE 0x1u
#define PB_WORKER_SHARED 0x2u
#define PB_WORKER_EXIT_START 2

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

/* ------------------------------------------------------------------------ */
/* Workloads                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * What one task produced.  run_task fills it; the core moves it to the
 * coordinator and passes it to merge.
 */
struct pb_task_result {
    uint64_t checksum; /* the task's answer, combined by merge              */
    uint64_t items;    /* numbers tested, bytes received, flops, ...        */
    /*
     * Optional bytes that must reach the coordinator (e.g. rows of a
     * product matrix).  Owned by the workload; must stay valid and
     * unchanged until the repetition ends: in-process results are merged
     * after every worker has finished, so each task needs its own memory
     * (e.g. its rows of the result).  Between threads the coordinator sees the
     * very same pointer (merge may then skip the copy); between processes the
     * core sends the bytes and merge sees a pointer into a receive buffer that
     * is valid only during the call.
     */
    const void *payload;
    size_t payload_size;
};

/*
 * Workload operations.  `state` is what create() returned.  create() runs in
 * the coordinator, and again in every freshly spawned worker process (from
 * the same parameters), so it must be deterministic.
 */
struct pb_workload_ops {
    /* Build the state from validated parameters.  Return 0 and set *state,
     * or negative with a sentence in err (what failed, what would fix it).
     * `host` and `params` outlive the state. */
    int (*create)(const struct pb_host *host, const struct pb_params *params,
                  void **state, char *err, size_t errlen);
    /* How many tasks the work is cut into (>= 1). */
    uint64_t (*task_count)(const void *state);
    /* Optional: before a repetition, in the coordinator.  Clears the merged
     * answer so the repetition starts from zero. */
    void (*begin)(void *state);
    /* Optional: per-worker state (e.g. a connection), made on the worker
     * before its first task and freed after its last.  NULL: *worker
     * stays NULL. Return 0 or negative with err. */
    int (*worker_init)(void *state, unsigned worker, void **wstate, char *err,
                       size_t errlen);
    void (*worker_fini)(void *state, void *wstate);
    /*
     * Run task `task` (0 .. task_count-1).  Called concurrently from
     * several threads, each with its own ctx and wstate: the state is
     * read-only here except for memory that only this task touches.
     * Fill *out; return 0, or negative with a sentence in err.
     */
    int (*run_task)(void *state, void *wstate, struct pb_task_ctx *ctx,
                    uint64_t task, struct pb_task_result *out, char *err,
                    size_t errlen);
    /* Coordinator only, never concurrently, in no particular order: fold
     * a task's result into the merged answer.  The core guarantees that
     * merge is called exactly once for every task 0 .. task_count-1
     * before verify: a second result for a task (from threads or from
     * worker processes alike) or a task without one fails the repetition
     * in the core, before verify runs, so a workload needs no bookkeeping
     * of its own for that.  Return 0, or negative with err (e.g. a payload
     * of the wrong size). */
    int (*merge)(void *state, uint64_t task, const struct pb_task_result *res,
                 char *err, size_t errlen);
    /* Coordinator only, after every task merged: check the merged answer
     * independently.  Set *checksum to the merged answer (the CSV's
     * `checksum`) and return 0 when it is right, negative with err when it
     * is wrong. */
    int (*verify)(void *state, uint64_t *checksum, char *err, size_t errlen);
    void (*destroy)(void *state);
    /* Optional, in the runner before any cell starts: reject parameters
     * that are valid one by one but not together, or that this machine
     * cannot serve (e.g. a matrix that does not fit in memory).  Must be
     * cheap: no state is built.  Return 0 or negative with err. */
    int (*check)(const struct pb_host *host, const struct pb_params *params,
                 char *err, size_t errlen);
};

/* ------------------------------------------------------------------------ */
/* Executors                                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Executor operations.  run() is called in the coordinator once per
 * repetition (the clock starts just before it and stops when it returns).
 * It brings job_workers(job) workers to life, makes each call
 * host->worker_loop() exactly once, moves their messages to
 * host->job_deliver(), waits for all of them and returns.  It must not
 * return while a worker it started is still running.
 */
struct pb_executor_ops {
    /* Optional: check the executor's own parameters before the run, e.g.
     * reject a worker count it cannot serve. Return 0 or negative + err. */
    int (*check)(const struct pb_host *host, const struct pb_params *params,
                 unsigned workers, char *err, size_t errlen);
    /* Return 0, or negative with err if the executor itself failed; task
     * failures are recorded by the core and need no return code. */
    int (*run)(const struct pb_host *host, const struct pb_params *params,
               struct pb_job *job, char *err, size_t errlen);
};

/* ------------------------------------------------------------------------ */
/* Descriptor                                                                */
/* ------------------------------------------------------------------------ */

enum pb_kind { PB_KIND_WORKLOAD = 1, PB_KIND_EXECUTOR = 2 };

/* Executor capability flags (pb_plugin.flags). */
#define PB_EXEC_SINGLE_WORKER 0x1u /* runs only with workers = 1 (serial) */

struct pb_plugin {
    unsigned abi_version; /* PB_ABI_VERSION                             */
    enum pb_kind kind;
    const char *name;    /* [a-z0-9_-]+, matches the INI section       */
    const char *summary; /* one line for `parbench list`               */
    const struct pb_param *params; /* NULL-name-terminated, or NULL       */
    unsigned flags;
    const struct pb_workload_ops *workload; /* kind == PB_KIND_WORKLOAD   */
    const struct pb_executor_ops *executor; /* kind == PB_KIND_EXECUTOR   */
};

#ifdef __cplusplus
}
#endif

#endif /* PARBENCH_PLUGIN_H */
