/* SPDX-License-Identifier: MIT */
/*
 * fake_host.h - a struct pb_host for plugin tests, with no core code behind
 * it: parameters from a small typed table the test fills, a log that keeps
 * the last message, counters for the task-context calls, and a simple job
 * whose worker loop runs a workload's tasks so that executors can be driven.
 *
 * Unlike the core, the fake host is built for inspection: every structure
 * is defined here, and the counters are global so a test can read them.
 * Functions that can fail a test (fake_params_*, fake_load_plugin) must be
 * called from the test's own thread.
 */
#ifndef PARBENCH_TESTS_FAKE_HOST_H
#define PARBENCH_TESTS_FAKE_HOST_H

#include <parbench/plugin.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------ */
/* Host table and global counters                                            */
/* ------------------------------------------------------------------------ */

/* The host table.  now_ns reads CLOCK_MONOTONIC; cancelled() returns the
 * flag set by fake_set_cancelled(). */
extern const struct pb_host fake_host;

/* Counters of the task-context calls since the last fake_reset(). */
extern _Atomic uint64_t fake_checkpoints;
extern _Atomic uint64_t fake_blocking_begins;
extern _Atomic uint64_t fake_blocking_ends;

/* Reset the counters, the cancel flag and the captured log message. */
void fake_reset(void);
void fake_set_cancelled(int on);
/* What host->job_memory answers (1 until set otherwise). */
void fake_set_memory(int on);

/* The last message passed to host->log, its level, and how many there were
 * (a copy into buf; returns the level, or -1 if nothing was logged). */
int fake_last_log(char *buf, size_t len);
unsigned fake_log_count(void);

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */
/* ------------------------------------------------------------------------ */

#define FAKE_MAX_PARAMS 16

/* One value, already parsed; which member counts depends on the type. */
struct fake_value {
    const char *name;
    enum pb_param_type type;
    int set; /* 0: no value (a required parameter left unset) */
    int64_t i;
    uint64_t u; /* UINT, SIZE (bytes), DURATION (ns) */
    double f;
    int b;
    const char *s; /* STRING and ENUM; borrowed from the test or table */
};

/* The fake's definition of the opaque parameter set. */
struct pb_params {
    struct fake_value v[FAKE_MAX_PARAMS];
    unsigned n;
};

/* Fill p from plugin's table: every parameter with its default parsed from
 * text (as the core would).  A default that does not parse, a value outside
 * the table's bounds or an enum default not among the choices fails the
 * test.  A NULL table gives an empty set. */
void fake_params_init(struct pb_params *p, const struct pb_plugin *plugin);

/* Override a value; the name must be in the set with a matching type
 * (UINT setters also serve SIZE and DURATION, string setters ENUM). */
void fake_params_set_uint(struct pb_params *p, const char *name, uint64_t v);
void fake_params_set_int(struct pb_params *p, const char *name, int64_t v);
void fake_params_set_float(struct pb_params *p, const char *name, double v);
void fake_params_set_bool(struct pb_params *p, const char *name, int v);
void fake_params_set_string(struct pb_params *p, const char *name,
                            const char *v);

/* ------------------------------------------------------------------------ */
/* Task context and job                                                      */
/* ------------------------------------------------------------------------ */

/* The fake's task context.  A test calling run_task by hand may use a
 * zeroed one (job NULL): the calls are still counted. */
struct pb_task_ctx {
    struct pb_job *job; /* NULL outside a job */
    unsigned worker;
    const struct pb_worker_io *io;
    uint64_t last_ns;     /* task start or the last checkpoint */
    uint64_t max_gap_ns;  /* longest stretch without a checkpoint */
    uint64_t checkpoints; /* this worker's, folded into the job at the end */
    int blocking;         /* blocking_begin depth */
};

/* One task's record, as strict as the core's: a task's first result is
 * stored, a second one fails the job ("task N produced two results"), and
 * fake_job_finish merges each stored result exactly once.  res.payload is
 * the workload's own pointer, kept (not copied) until the merge, as the
 * core keeps in-process results: a workload that frees or reuses a
 * payload's memory before its repetition ends merges wrong bytes here. */
enum { FAKE_SLOT_EMPTY = 0, FAKE_SLOT_STORED = 1, FAKE_SLOT_MERGED = 2 };
struct fake_slot {
    _Atomic unsigned char state; /* FAKE_SLOT_*                         */
    struct pb_task_result res;   /* payload borrowed from the workload  */
};

/* One repetition: a workload instance run by `workers` workers. */
struct pb_job {
    const struct pb_workload_ops *ops;
    void *state; /* borrowed */
    unsigned workers;
    uint64_t tasks;
    enum pb_schedule schedule;

    _Atomic uint64_t next;        /* dynamic schedule: next unclaimed task */
    _Atomic int stop;             /* set on the first failure              */
    struct fake_slot *slots;      /* tasks entries                         */
    _Atomic unsigned *loop_calls; /* workers entries: worker_loop calls    */
    _Atomic unsigned loops_done;  /* worker_loop calls that have returned  */
    _Atomic uint64_t checkpoints; /* summed over the workers               */
    _Atomic uint64_t max_gap_ns;  /* the largest of the workers'           */
    _Atomic uint64_t ipc_bytes;

    pthread_mutex_t lock; /* guards the failure fields */
    int failed;           /* 0, 1 failed, 2 crashed    */
    char error[512];      /* the first failure         */
};

/* A job over a created (and begun) workload state.  Returns NULL if out of
 * memory.  Free with fake_job_free(). */
struct pb_job *fake_job_new(const struct pb_workload_ops *ops, void *state,
                            unsigned workers, enum pb_schedule schedule);
void fake_job_free(struct pb_job *job);

/* After the workers are done (coordinator, as the core's job_finish):
 * check that every worker loop ran exactly once and every task has its
 * one result, merge the results in reverse task order (each once), and
 * verify.  Returns 0 and sets *checksum, or -1 with a sentence in err. */
int fake_job_finish(struct pb_job *job, uint64_t *checksum, char *err,
                    size_t errlen);

/* Bring the workers to life without an executor plugin: one thread per
 * worker (returns -1 if a thread could not start), or all of them one
 * after the other in the calling thread. */
int fake_drive_threads(struct pb_job *job);
void fake_drive_inline(struct pb_job *job);

/* ------------------------------------------------------------------------ */
/* Whole runs                                                                */
/* ------------------------------------------------------------------------ */

/* What fake_run() saw. */
struct fake_outcome {
    int rc;            /* 0: every step passed and verify accepted    */
    uint64_t checksum; /* from verify                                 */
    uint64_t tasks;
    uint64_t checkpoints;
    uint64_t max_gap_ns; /* longest stretch of a task without checkpoint */
    uint64_t run_ns;     /* the executor's run() (or the fake drive)     */
    char error[512];     /* why rc != 0                                   */
};

/*
 * One repetition as the core would run it: create the workload from
 * wparams, begin, build the job, call executor->run (or, executor NULL,
 * fake_drive_threads), finish, destroy.  The executor's check() is called
 * first when it has one.  Never fails the test itself; see out->rc.
 */
void fake_run(const struct pb_plugin *workload, const struct pb_params *wparams,
              const struct pb_plugin *executor, unsigned workers,
              enum pb_schedule schedule, struct fake_outcome *out);

/* ------------------------------------------------------------------------ */
/* Loading built plugins                                                     */
/* ------------------------------------------------------------------------ */

/* Load `file` (e.g. "workload-noop.so") from $PB_PLUGIN_DIR, or else the
 * compile-time PB_PLUGIN_DIR, the way the core does (RTLD_NOW |
 * RTLD_LOCAL, one entry symbol).  Fails the test when it cannot.  The
 * library stays loaded until fake_unload_all(). */
const struct pb_plugin *fake_load_plugin(const char *file);
void fake_unload_all(void);

#endif /* PARBENCH_TESTS_FAKE_HOST_H */
