/* SPDX-License-Identifier: MIT */
/*
 * parbench/plugin.h - the public ABI between the parbench core and its
 * plugins, version 2.  A plugin includes this header (and, if it starts
 * worker processes of its own, <parbench/worker.h>); it links against
 * nothing of the core and reaches every core service through the host table
 * (struct pb_host) it is handed.  docs/writing-plugins.md is the
 * walk-through; this header is the field-by-field reference.
 *
 * A plugin is one shared object named KIND-NAME.so, KIND being `workload`
 * or `executor` and NAME the descriptor's name ([a-z0-9_-]+):
 * workload-prime-count.so, executor-pthread.so.  The loader refuses a file
 * whose descriptor disagrees with its name.  It exports exactly one symbol,
 * the entry function PB_ENTRY_NAME, which returns a pointer to a constant
 * descriptor:
 *
 *     static const struct pb_workload_ops ops = {
 *         .size = sizeof(struct pb_workload_ops),
 *         .create = my_create, ...
 *     };
 *     static const struct pb_plugin plugin = {
 *         .abi_version = PB_ABI_VERSION, .kind = PB_KIND_WORKLOAD,
 *         .name = "my-work", .summary = "...", .params = my_params,
 *         .workload = &ops,
 *     };
 *     PB_DEFINE_PLUGIN(plugin)
 *
 * Build plugins with -fvisibility=hidden -fPIC -shared -Wl,--no-undefined
 * (`pkg-config --variable=plugin_cflags parbench` and ..._ldflags hold
 * them; CMake: find_package(parbench) and parbench_add_plugin()).
 * PB_DEFINE_PLUGIN marks only the entry function visible, so
 * `nm -D --defined-only x.so` shows one name.  Write every table with
 * designated initialisers (.name = ...): that is what keeps a plugin's
 * source valid when a later header appends a field.
 *
 * Operations, required (R) and optional (-), in one place; the loader
 * refuses a plugin that lacks a required one:
 *
 *   workload (struct pb_workload_ops)      executor (struct pb_executor_ops)
 *   R create      R merge                  - check
 *   R task_count  R verify                 R run
 *   - begin       R destroy                - create
 *   - worker_init - check                  - destroy
 *   - worker_fini                          - prepare (2.2)
 *   R run_task                             - helper (2.5)
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
 * Compatibility rules (the ABI version):
 *  - The descriptor's first member is abi_version, in every version: the
 *    core reads it first and refuses a plugin built for another version,
 *    saying how to rebuild it.
 *  - Within one ABI version, fields are only appended: to struct pb_host
 *    (the core sets host->size; a plugin tests PB_HOST_HAS(host, field)
 *    before it uses a field appended after version 2.0), and to the
 *    operations tables (each starts with its own size, set by the plugin
 *    with sizeof; the core treats an operation past that size as absent,
 *    so an appended operation is always optional).  Any other change (a
 *    field removed, moved or retyped, a new required operation, a changed
 *    meaning) bumps PB_ABI_VERSION.
 *
 * Migration from ABI version 1 (parbench 0.1 before the plugin SDK):
 *  1. Set `.size = sizeof(struct pb_workload_ops)` (or pb_executor_ops) in
 *     each operations table.  The loader refuses a table without it.
 *  2. The worker-process protocol (struct pb_frame, PB_FRAME_*,
 *     PB_WORKER_*, struct pb_worker_start) moved to <parbench/worker.h>;
 *     include it where you use them.
 *  3. job_current_task and job_shared_fd are part of version 2: drop the
 *     host->size tests around them.
 *  4. A parameter may no longer be named `plugin`, `schedule`, `ballast`
 *     or `affinity` (PB_RESERVED_PARAMS): rename it.
 *  Nothing else changed for existing source; new in version 2 are
 *  host->role, the executor's create/destroy and host->executor_state.
 *
 * Appended since 2.0 (test PB_HOST_HAS before use):
 *  2.1  host->job_self_usage (resource usage a process measured of itself,
 *       for executors whose workers the coordinator cannot reap: `mpi`).
 *  2.2  host->worker_main (become a spawned worker without an exec) and
 *       host->job_helper_usage (a helper process of the executor, such as a
 *       fork server, measured by itself); the executor operation prepare(),
 *       which runs before the workload's create() (`forkserver`);
 *       host->job_self_uss (the USS such a process read of itself) and
 *       host->job_process_host (a host that ran a process of the job, for
 *       the run metadata).
 *       Also 2.2: host->worker_pool_main, and in <parbench/worker.h>
 *       PB_WORKER_POOL, PB_FRAME_USAGE and struct pb_worker_usage (worker
 *       processes kept for a cell: `lifetime = cell` of fork, posix_spawn
 *       and forkserver).
 *  2.3  host->job_memory (whether worker processes must wait for their
 *       release so that their memory can be read: [run] memory), and in
 *       <parbench/worker.h> PB_WORKER_NO_RELEASE; host->job_helper_pid (a
 *       helper process whose memory the core reads with the workers').
 *  2.4  host->worker_spec and host->worker_job (a fork server parses the
 *       spec once; each worker it forks re-creates the workload state
 *       and runs worker_loop: no pipes of <parbench/worker.h>).
 *  2.5  host->helper_spawn and the executor operation helper() (a helper
 *       process of the executor started afresh, exec'd as parbench-worker
 *       with the executor's plugin loaded again: `forkserver`'s server
 *       without the cell process's address space).
 *  2.6  in <parbench/worker.h>, PB_WORKER_TAIL, PB_WORKER_FD_TAIL and
 *       struct pb_worker_tail (a spawned worker leaves its last batch of
 *       frames in memory shared with the coordinator: no write for it).
 */
#ifndef PARBENCH_PLUGIN_H
#define PARBENCH_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h> /* pid_t */

#ifdef __cplusplus
extern "C" {
#endif

/* The ABI version this header describes. */
#define PB_ABI_VERSION 2

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
 * One entry of a plugin's parameter table, ended by PB_PARAM_END:
 *
 *     static const struct pb_param params[] = {
 *         {.name = "limit", .type = PB_PARAM_UINT, .def = "1000000",
 *          .min = "2", .help = "count primes below this"},
 *         PB_PARAM_END};
 *
 * Values are written as text, in the same syntax as in the INI file, and
 * parsed by the core: the core validates the table when it loads the
 * plugin, so a bad default or bound, a duplicate or a reserved name
 * (PB_RESERVED_PARAMS) is reported as a plugin error.
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

/* The entry that ends a parameter table. */
#define PB_PARAM_END                                                           \
    { .name = NULL }

/*
 * Keys the core reads in every [workload.NAME] and [executor.NAME] section
 * (`plugin`: which plugin the instance runs; `schedule`: the executor's
 * schedule, static or dynamic; `ballast`: memory the coordinator holds,
 * touched, while the executor runs; `affinity`: the CPU each worker is
 * pinned to, none, compact, spread or a CPU list, applied by the core's
 * worker loop).  No parameter table may use them: the
 * loader refuses it, since the core's key would hide the plugin's.
 */
#define PB_RESERVED_PARAMS "plugin", "schedule", "ballast", "affinity"

/* Opaque set of validated parameter values, owned by the core. */
struct pb_params;

/* ------------------------------------------------------------------------ */
/* Host services                                                             */
/* ------------------------------------------------------------------------ */

struct pb_job;      /* opaque: one repetition of one cell, owned by the core */
struct pb_task_ctx; /* opaque: the running task's context, owned by the core */
struct pb_task_result;
struct rusage;
struct pb_worker_start; /* <parbench/worker.h> */

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

/* Where the host table is handed out (host->role). */
enum pb_role {
    /* The runner validating a config (`check` operations): no cell runs,
     * no state is built. */
    PB_ROLE_RUNNER = 0,
    /* The coordinator of a cell: the workload's create() for the cell, the
     * executor's create() and run().  Forked workers are copies of it and
     * see the same table. */
    PB_ROLE_COORDINATOR = 1,
    /* A fresh worker process (parbench-worker, started by posix_spawn or
     * another spawning executor) re-creating the workload for one worker:
     * only worker_init, run_task and worker_fini will run here, so create()
     * may skip what only the coordinator needs (e.g. the reference answer
     * verify() compares against). */
    PB_ROLE_WORKER = 2
};

/*
 * The services the core offers.  Every function is safe to call from any
 * worker thread unless it says otherwise.  Fields are append-only within
 * an ABI version: every field below is there in version 2.0; test
 * PB_HOST_HAS(host, field) only for a field a later 2.x header appends.
 */
struct pb_host {
    size_t size;          /* sizeof(struct pb_host) as the core knows it */
    unsigned abi_version; /* PB_ABI_VERSION of the core                  */
    enum pb_role role;    /* where this table was handed out             */

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
     * table with a matching type; anything else is a plugin bug: the core
     * stops the process that asked and reports the plugin, the parameter
     * and the call in the row's error (or, in the runner, as a plugin
     * error with exit status 2).
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
     * report).  `io` may be NULL (all in-process defaults) in the
     * coordinator's own process only: a worker process (forked or
     * spawned) passes an io with `send`, its results' one way back (the
     * coordinator's own tables of the job are not mapped in a fork of it).
     * `io` is borrowed for the call.  Call it exactly once per worker and
     * repetition, from the thread or process that is that worker: a second call
     * for the same worker fails the repetition as an executor bug and returns
     * negative without running a task.  Returns 0, or negative if a task failed
     * or a hook failed (the failure is recorded in the job either way).  Under
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
     * executors hand it to parbench-worker as PB_WORKER_FD_SHARED
     * (<parbench/worker.h>).
     */
    int (*job_shared_fd)(const struct pb_job *job);
    /* Coordinator only: what the executor's create() stored for this cell
     * (NULL when it has no create), e.g. a pool of workers kept across
     * repetitions. */
    void *(*executor_state)(const struct pb_job *job);

    /* --- appended after 2.0: test PB_HOST_HAS(host, field) first ------ */
    /*
     * Coordinator only (2.1): resource usage that a process of the executor
     * measured of itself, for a process the coordinator can neither reap
     * within the repetition nor read in /proc (it runs on another host, or
     * lives for the whole cell): an MPI rank.  `worker` is the worker the
     * process ran, or PB_NO_WORKER for a helper of the executor (say a root
     * rank that hands out tasks).  From `ru` the core adds ru_utime,
     * ru_stime, ru_nvcsw, ru_nivcsw, ru_minflt and ru_majflt to the row (so
     * pass zeros for what RUSAGE_CHILDREN counts already) and takes ru_maxrss
     * (KiB) as a peak. `pss_kib` is its proportional set size, read by the
     * process itself while every worker was alive: for a worker the core uses
     * it instead of reading /proc/PID/smaps_rollup of the pid in the final
     * report; a helper's is added.  Its USS follows through job_self_uss (2.2);
     * without it the row's uss_kib is empty, never short.  `ru` is borrowed.
     */
    void (*job_self_usage)(struct pb_job *job, unsigned worker,
                           const struct rusage *ru, uint64_t pss_kib);
    /*
     * (2.2) In a process the executor forked from the coordinator (a fork
     * server, or a child of one), never in the coordinator itself: become
     * one worker of a job as a spawned parbench-worker does, without an
     * exec.  The descriptors are those of <parbench/worker.h>: the start
     * record and the spec on PB_WORKER_FD_IN, frames out on
     * PB_WORKER_FD_OUT, the shared page on PB_WORKER_FD_SHARED when the
     * start record says so; close every other descriptor first.  It loads
     * the workload again (already mapped when the process is a fork of the
     * coordinator), re-creates its state with the role PB_ROLE_WORKER, runs
     * the worker loop, waits for the release and exits the process (status
     * PB_WORKER_EXIT_START when it could not start, after saying why in a
     * PB_FRAME_ERROR).  Never returns.  The process must have one thread.
     */
    void (*worker_main)(void);
    /*
     * (2.2) Coordinator only: resource usage of a helper process of the
     * executor that lives across repetitions (a fork server), measured by
     * the helper itself for this repetition: the core adds ru_utime,
     * ru_stime, ru_nvcsw, ru_nivcsw, ru_minflt and ru_majflt to the row,
     * takes ru_maxrss (KiB) as a peak, and adds `pss_kib` and `uss_kib`
     * (its proportional and private set sizes) to the row's pss_kib and
     * uss_kib.  Unlike job_self_usage it leaves uss_kib known.  `ru` is
     * borrowed.
     */
    void (*job_helper_usage)(struct pb_job *job, const struct rusage *ru,
                             uint64_t pss_kib, uint64_t uss_kib);
    /*
     * Coordinator only (2.2): the unique set size (Private_Clean +
     * Private_Dirty of /proc/self/smaps_rollup, KiB) of a process that
     * reported itself through job_self_usage, read together with its Pss.
     * `worker` as there.  When every process that called job_self_usage in
     * the repetition also called this, the row's uss_kib sums them (with
     * the coordinator's own); otherwise uss_kib stays empty.
     */
    void (*job_self_uss)(struct pb_job *job, unsigned worker, uint64_t uss_kib);
    /*
     * Coordinator only (2.2): a host that ran a process of the job (an MPI
     * rank), for the run metadata: its name, its CPU model and its online
     * CPU count.  Call it once per process or once per host, as is
     * convenient: the core keeps each distinct host once per run.  Strings
     * are borrowed for the call; longer ones are cut.
     */
    void (*job_process_host)(struct pb_job *job, const char *name,
                             const char *cpu_model, unsigned cores);
    /*
     * (2.2) In a process the executor fork()ed from the coordinator during
     * run(), never in the coordinator itself: become a pooled worker
     * (PB_WORKER_POOL of <parbench/worker.h>) of the cell of `job`, keeping
     * the workload state the fork inherited (no spec, no create()).  Put
     * the control socket on PB_WORKER_FD_IN and the frames' pipe on
     * PB_WORKER_FD_OUT and close every other descriptor first.  Each start
     * record on PB_WORKER_FD_IN (spec_len 0) runs one repetition: the
     * worker loop, PB_FRAME_DONE, the release, PB_FRAME_USAGE.  Exits the
     * process at end-of-file; never returns.  One thread.  NULL outside a
     * cell process.
     */
    void (*worker_pool_main)(const struct pb_job *job);
    /*
     * Coordinator only (2.3): 1 when the core reads the memory of the
     * coordinator and of every worker process once the last worker has
     * reported ([run] memory = on, the default): worker processes then
     * wait for their release after PB_FRAME_DONE, so that they are all
     * alive when it reads them.  0 ([run] memory = off): nothing is read,
     * and a worker process may exit as soon as its work is done
     * (PB_WORKER_NO_RELEASE for spawned and pooled workers).  Without
     * this field, assume 1.
     */
    int (*job_memory)(const struct pb_job *job);
    /*
     * Coordinator only (2.3): `pid` is a helper process of the executor on
     * this machine (a fork server) that lives through the repetition.
     * The core reads its memory with the workers' (smaps_rollup, when the
     * last worker has reported and all of them live, the clock paused)
     * and adds its Pss and USS to the row, so the pages it shares with the
     * workers count once.  Pass 0 for pss_kib and uss_kib to
     * job_helper_usage for it then: its CPU time and faults still come
     * that way.  Call it before the workers report; repeated calls for the
     * same pid count once.
     */
    void (*job_helper_pid)(struct pb_job *job, pid_t pid);
    /*
     * (2.4) In a process the executor forked from the coordinator (a fork
     * server), never in the coordinator itself: the workload of a job's
     * spec (host->job_spec in the coordinator; spec_len bytes) ready for
     * its workers -- the spec parsed, the plugin loaded (already mapped in
     * a fork of the coordinator) and checked, the parameters set -- but no
     * state yet: each worker makes its own with worker_job.  An opaque
     * handle that lives until the process exits (parse each distinct spec
     * once), or NULL with a reason in err (errlen bytes).  One thread.
     * NULL outside a cell process.
     */
    void *(*worker_spec)(const void *spec, size_t spec_len, char *err,
                         size_t errlen);
    /*
     * (2.4) In a process forked from the one that called worker_spec (a
     * fork server's child): the job of worker start->worker (the start
     * record of <parbench/worker.h>, checked as worker_main checks it),
     * its workload state re-created by create() from `workload` (what
     * worker_spec returned) with the role PB_ROLE_WORKER, and the job's
     * shared page `shared_fd` (host->job_shared_fd, passed on; mapped and
     * the descriptor closed) so that claims, job_current_task() and the
     * stop flag work across processes.  Run it with worker_loop(job,
     * start->worker, io), sending frames as the executor likes.  Returns
     * NULL with a reason in err when the worker cannot start: say so in a
     * PB_FRAME_ERROR and exit with PB_WORKER_EXIT_START.  The job lives
     * until the process exits.  One thread.  NULL outside a cell process.
     */
    struct pb_job *(*worker_job)(const struct pb_worker_start *start,
                                 void *workload, int shared_fd, char *err,
                                 size_t errlen);
    /*
     * (2.5) Coordinator only, in the executor's prepare(): start a helper
     * process of the executor afresh, for what must not be a copy of the
     * cell process (a fork server whose forks should copy little).  The
     * core execs parbench-worker with fds[0 .. nfds) on its descriptors
     * 3, 4, ... (nfds at most PB_HELPER_FDS), /dev/null on its standard
     * input, the cell's standard output and error, and nothing else open.
     * It loads this executor's plugin file again (nothing of the
     * workload), dies with the coordinator (PR_SET_PDEATHSIG), and calls
     * the plugin's helper() operation, whose return value is its exit
     * status.  It is the coordinator's child: the executor reaps it
     * (destroy()).  Returns its pid, or -1 with a reason in err (no
     * parbench-worker, an executor without helper()).  The descriptors
     * stay the caller's.  NULL outside a cell process.
     */
    pid_t (*helper_spawn)(const int *fds, unsigned nfds, char *err,
                          size_t errlen);
};

/* host->helper_spawn: the most descriptors a helper is handed. */
#define PB_HELPER_FDS 4u

/* Nonzero when the core's host table has `field` (appended after 2.0). */
#define PB_HOST_HAS(host, field)                                               \
    ((host)->size >= offsetof(struct pb_host, field) + sizeof((host)->field))

/* Value of job_current_task() when a worker runs no task. */
#define PB_NO_TASK UINT64_MAX
/* job_self_usage(): the process is a helper of the executor, no worker. */
#define PB_NO_WORKER UINT32_MAX

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
 * the same parameters), so it must be deterministic; host->role tells the
 * two apart.
 */
struct pb_workload_ops {
    /* sizeof(struct pb_workload_ops) as the plugin was compiled: set it. */
    size_t size;
    /* Build the state from validated parameters.  Return 0 and set *state,
     * or negative with a sentence in err (what failed, what would fix it).
     * `host` and `params` outlive the state; host->role says whether this
     * is the coordinator or a spawned worker process. */
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
    /* sizeof(struct pb_executor_ops) as the plugin was compiled: set it. */
    size_t size;
    /* Optional: check the executor's own parameters before the run, e.g.
     * reject a worker count it cannot serve. Return 0 or negative + err. */
    int (*check)(const struct pb_host *host, const struct pb_params *params,
                 unsigned workers, char *err, size_t errlen);
    /* Return 0, or negative with err if the executor itself failed; task
     * failures are recorded by the core and need no return code. */
    int (*run)(const struct pb_host *host, const struct pb_params *params,
               struct pb_job *job, char *err, size_t errlen);
    /* Optional: in the coordinator, once per cell process, after the
     * workload's create() and before the first repetition (not timed):
     * build state that lives across repetitions, e.g. a pool of `workers`
     * threads or processes.  *state holds what prepare() stored (NULL
     * without it).  run() gets it from host->executor_state(job).
     * Return 0 and set *state, or negative with a sentence in err (every
     * repetition of the cell then fails with it). */
    int (*create)(const struct pb_host *host, const struct pb_params *params,
                  unsigned workers, void **state, char *err, size_t errlen);
    /* Optional: frees what prepare() and create() built, when the cell
     * process ends: after the workload's last repetition, when the
     * workload's or the executor's create() failed after prepare()
     * succeeded, and when the cell must stop early (its message to the
     * runner cannot be written, out of memory).  Workers a pool kept, and
     * helper processes, must be gone (reaped) when it returns.  A cell
     * process the runner kills (timeout, Ctrl-C) runs nothing more: what a
     * pool started must die with the cell's process group or with its
     * parent. */
    void (*destroy)(void *state);
    /*
     * Optional (2.2): in the coordinator, once per cell process, before
     * anything of the workload exists: before the workload's create(),
     * before the executor's `ballast` is allocated, not timed.  For what
     * must not inherit the workload's state, e.g. a fork server that forks
     * workers from a small process.  Only the parameters and the worker
     * count are known.  Return 0 and set *state, or negative with a
     * sentence in err (the cell then fails with it).  The core hands what
     * it stored to create() in *state (create() may keep or replace it)
     * and to run() through host->executor_state(job); destroy() frees it.
     * A process it starts must stay out of the way of the workload's
     * create(): no signals to the coordinator, no open descriptors of its
     * own beyond the ones it keeps.
     */
    int (*prepare)(const struct pb_host *host, const struct pb_params *params,
                   unsigned workers, void **state, char *err, size_t errlen);
    /*
     * Optional (2.5): the whole life of a helper process that prepare()
     * started with host->helper_spawn: a fresh parbench-worker that loaded
     * this plugin, with the descriptors it was handed on 3 .. 3 + nfds - 1
     * and nothing else open but 0, 1 and 2.  `host` has the role
     * PB_ROLE_WORKER and offers worker_main, worker_spec and worker_job
     * as a process forked from the coordinator does (a fork server's
     * children run them); the coordinator's services (job_*) are not
     * there.  One thread.  Returns the process's exit status.
     */
    int (*helper)(const struct pb_host *host, unsigned nfds);
};

/* ------------------------------------------------------------------------ */
/* Descriptor                                                                */
/* ------------------------------------------------------------------------ */

enum pb_kind { PB_KIND_WORKLOAD = 1, PB_KIND_EXECUTOR = 2 };

/* Executor capability flags (pb_plugin.flags). */
#define PB_EXEC_SINGLE_WORKER 0x1u /* runs only with workers = 1 (serial) */

/*
 * The descriptor.  abi_version is and stays the first member in every
 * version, so that the core can refuse any other version before it reads
 * anything else.
 */
struct pb_plugin {
    unsigned abi_version; /* PB_ABI_VERSION                             */
    enum pb_kind kind;
    const char *name;    /* [a-z0-9_-]+; the file is KIND-NAME.so      */
    const char *summary; /* one line for `parbench list`               */
    const struct pb_param *params; /* ended by PB_PARAM_END, or NULL      */
    unsigned flags;
    const struct pb_workload_ops *workload; /* kind == PB_KIND_WORKLOAD   */
    const struct pb_executor_ops *executor; /* kind == PB_KIND_EXECUTOR   */
};

#ifdef __cplusplus
}
#endif

#endif /* PARBENCH_PLUGIN_H */
