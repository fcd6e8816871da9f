/* SPDX-License-Identifier: MIT */
/*
 * fake_host.c - the fake host of fake_host.h: enough of the core's services
 * to run a workload's tasks and drive an executor, with nothing of the core
 * linked in.
 */
#include "fake_host.h"

/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ------------------------------------------------------------------------ */
/* Logging, time, cancellation, counters                                     */
/* ------------------------------------------------------------------------ */

_Atomic uint64_t fake_checkpoints;
_Atomic uint64_t fake_blocking_begins;
_Atomic uint64_t fake_blocking_ends;

static _Atomic int fake_cancel_flag;
static pthread_mutex_t fake_log_lock = PTHREAD_MUTEX_INITIALIZER;
static char fake_log_text[512];
static int fake_log_level = -1;
static unsigned fake_log_n;

void fake_reset(void) {
    atomic_store(&fake_checkpoints, 0);
    atomic_store(&fake_blocking_begins, 0);
    atomic_store(&fake_blocking_ends, 0);
    atomic_store(&fake_cancel_flag, 0);
    fake_set_memory(1);
    pthread_mutex_lock(&fake_log_lock);
    fake_log_text[0] = '\0';
    fake_log_level = -1;
    fake_log_n = 0;
    pthread_mutex_unlock(&fake_log_lock);
}

void fake_set_cancelled(int on) { atomic_store(&fake_cancel_flag, on != 0); }

int fake_last_log(char *buf, size_t len) {
    pthread_mutex_lock(&fake_log_lock);
    snprintf(buf, len, "%s", fake_log_text);
    int level = fake_log_level;
    pthread_mutex_unlock(&fake_log_lock);
    return level;
}

unsigned fake_log_count(void) {
    pthread_mutex_lock(&fake_log_lock);
    unsigned n = fake_log_n;
    pthread_mutex_unlock(&fake_log_lock);
    return n;
}

static void fake_log(const struct pb_host *host, enum pb_log_level level,
                     const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fake_log(const struct pb_host *host, enum pb_log_level level,
                     const char *fmt, ...) {
    (void)host;
    va_list ap;
    pthread_mutex_lock(&fake_log_lock);
    va_start(ap, fmt);
    vsnprintf(fake_log_text, sizeof fake_log_text, fmt, ap);
    va_end(ap);
    fake_log_level = (int)level;
    fake_log_n++;
    pthread_mutex_unlock(&fake_log_lock);
}

static uint64_t fake_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fake_cancelled(void) { return atomic_load(&fake_cancel_flag); }

/* ------------------------------------------------------------------------ */
/* Parameters                                                                */
/* ------------------------------------------------------------------------ */

static struct fake_value *fake_find(const struct pb_params *p,
                                    const char *name) {
    for (unsigned i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0)
            return (struct fake_value *)&p->v[i];
    return NULL;
}

/* The value `name`, which must exist with one of the types given (0 ends
 * the list); anything else is a plugin bug and fails the test. */
static struct fake_value *fake_get(const struct pb_params *p, const char *name,
                                   enum pb_param_type t1, enum pb_param_type t2,
                                   enum pb_param_type t3) {
    struct fake_value *v = fake_find(p, name);
    if (!v)
        fail_msg("parameter '%s' is not in the plugin's table", name);
    if (v->type != t1 && v->type != t2 && v->type != t3)
        fail_msg("parameter '%s' is read with the wrong type", name);
    if (!v->set)
        fail_msg("parameter '%s' has no value", name);
    return v;
}

static int64_t fake_param_int(const struct pb_params *p, const char *name) {
    return fake_get(p, name, PB_PARAM_INT, 0, 0)->i;
}

static uint64_t fake_param_uint(const struct pb_params *p, const char *name) {
    return fake_get(p, name, PB_PARAM_UINT, PB_PARAM_SIZE, PB_PARAM_DURATION)
        ->u;
}

static double fake_param_float(const struct pb_params *p, const char *name) {
    return fake_get(p, name, PB_PARAM_FLOAT, 0, 0)->f;
}

static int fake_param_bool(const struct pb_params *p, const char *name) {
    return fake_get(p, name, PB_PARAM_BOOL, 0, 0)->b;
}

static const char *fake_param_string(const struct pb_params *p,
                                     const char *name) {
    return fake_get(p, name, PB_PARAM_STRING, PB_PARAM_ENUM, 0)->s;
}

/* A number with an optional unit from `units` (NULL-name-terminated). */
struct fake_unit {
    const char *name;
    uint64_t scale;
};

static const struct fake_unit fake_size_units[] = {
    {"", 1},         {"B", 1},          {"kB", 1000},       {"KiB", 1u << 10},
    {"MB", 1000000}, {"MiB", 1u << 20}, {"GB", 1000000000}, {"GiB", 1u << 30},
    {NULL, 0}};

static const struct fake_unit fake_duration_units[] = {
    {"ns", 1},          {"us", 1000},        {"ms", 1000000},
    {"s", 1000000000u}, {"m", 60000000000u}, {NULL, 0}};

/* Parse text as `type` into v; returns 0, or -1 if it does not parse. */
static int fake_parse(enum pb_param_type type, const char *text,
                      struct fake_value *v) {
    char *end = NULL;
    errno = 0;
    switch (type) {
    case PB_PARAM_INT:
        v->i = strtoll(text, &end, 10);
        return (errno || end == text || *end) ? -1 : 0;
    case PB_PARAM_UINT:
        if (text[0] == '-')
            return -1;
        v->u = strtoull(text, &end, 10);
        return (errno || end == text || *end) ? -1 : 0;
    case PB_PARAM_FLOAT:
        v->f = strtod(text, &end);
        return (errno || end == text || *end) ? -1 : 0;
    case PB_PARAM_BOOL:
        if (!strcasecmp(text, "true") || !strcasecmp(text, "yes") ||
            !strcasecmp(text, "on") || !strcmp(text, "1"))
            v->b = 1;
        else if (!strcasecmp(text, "false") || !strcasecmp(text, "no") ||
                 !strcasecmp(text, "off") || !strcmp(text, "0"))
            v->b = 0;
        else
            return -1;
        return 0;
    case PB_PARAM_STRING:
    case PB_PARAM_ENUM:
        v->s = text;
        return 0;
    case PB_PARAM_SIZE:
    case PB_PARAM_DURATION: {
        const struct fake_unit *u =
            type == PB_PARAM_SIZE ? fake_size_units : fake_duration_units;
        if (text[0] == '-')
            return -1;
        uint64_t n = strtoull(text, &end, 10);
        if (errno || end == text)
            return -1;
        for (; u->name; u++)
            if (strcmp(end, u->name) == 0) {
                v->u = n * u->scale;
                return 0;
            }
        return -1;
    }
    }
    return -1;
}

/* -1, 0, 1 as a compares with b, both of `type` (numeric types only). */
static int fake_compare(enum pb_param_type type, const struct fake_value *a,
                        const struct fake_value *b) {
    switch (type) {
    case PB_PARAM_INT:
        return (a->i > b->i) - (a->i < b->i);
    case PB_PARAM_FLOAT:
        return (a->f > b->f) - (a->f < b->f);
    default:
        return (a->u > b->u) - (a->u < b->u);
    }
}

void fake_params_init(struct pb_params *p, const struct pb_plugin *plugin) {
    memset(p, 0, sizeof *p);
    for (const struct pb_param *t = plugin->params; t && t->name; t++) {
        if (p->n == FAKE_MAX_PARAMS)
            fail_msg("%s: more than %d parameters", plugin->name,
                     FAKE_MAX_PARAMS);
        for (const char *c = t->name; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
                  *c == '_'))
                fail_msg("%s: parameter name '%s' is not [a-z0-9_]+",
                         plugin->name, t->name);
        if (fake_find(p, t->name))
            fail_msg("%s: parameter '%s' appears twice", plugin->name, t->name);
        struct fake_value *v = &p->v[p->n++];
        v->name = t->name;
        v->type = t->type;
        if (!t->help || !t->help[0])
            fail_msg("%s.%s: no help text", plugin->name, t->name);
        if (t->type == PB_PARAM_ENUM) {
            int found = 0;
            if (!t->choices)
                fail_msg("%s.%s: an enum without choices", plugin->name,
                         t->name);
            for (const char *const *c = t->choices; *c; c++)
                found |= t->def && strcmp(*c, t->def) == 0;
            if (t->def && !found)
                fail_msg("%s.%s: default '%s' is not a choice", plugin->name,
                         t->name, t->def);
        }
        if (!t->def)
            continue; /* required: the test must set it */
        if (fake_parse(t->type, t->def, v) < 0)
            fail_msg("%s.%s: default '%s' does not parse", plugin->name,
                     t->name, t->def);
        v->set = 1;
        struct fake_value bound;
        if (t->min && (fake_parse(t->type, t->min, &bound) < 0 ||
                       fake_compare(t->type, v, &bound) < 0))
            fail_msg("%s.%s: default '%s' is below min '%s' (or min does "
                     "not parse)",
                     plugin->name, t->name, t->def, t->min);
        if (t->max && (fake_parse(t->type, t->max, &bound) < 0 ||
                       fake_compare(t->type, v, &bound) > 0))
            fail_msg("%s.%s: default '%s' is above max '%s' (or max does "
                     "not parse)",
                     plugin->name, t->name, t->def, t->max);
    }
}

static struct fake_value *fake_set(struct pb_params *p, const char *name,
                                   enum pb_param_type t1, enum pb_param_type t2,
                                   enum pb_param_type t3) {
    struct fake_value *v = fake_find(p, name);
    if (!v)
        fail_msg("test sets parameter '%s', which is not in the table", name);
    if (v->type != t1 && v->type != t2 && v->type != t3)
        fail_msg("test sets parameter '%s' with the wrong type", name);
    v->set = 1;
    return v;
}

void fake_params_set_uint(struct pb_params *p, const char *name, uint64_t v) {
    fake_set(p, name, PB_PARAM_UINT, PB_PARAM_SIZE, PB_PARAM_DURATION)->u = v;
}

void fake_params_set_int(struct pb_params *p, const char *name, int64_t v) {
    fake_set(p, name, PB_PARAM_INT, 0, 0)->i = v;
}

void fake_params_set_float(struct pb_params *p, const char *name, double v) {
    fake_set(p, name, PB_PARAM_FLOAT, 0, 0)->f = v;
}

void fake_params_set_bool(struct pb_params *p, const char *name, int v) {
    fake_set(p, name, PB_PARAM_BOOL, 0, 0)->b = v;
}

void fake_params_set_string(struct pb_params *p, const char *name,
                            const char *v) {
    fake_set(p, name, PB_PARAM_STRING, PB_PARAM_ENUM, 0)->s = v;
}

/* ------------------------------------------------------------------------ */
/* Task context                                                              */
/* ------------------------------------------------------------------------ */

/* Close the current stretch without a checkpoint. */
static void fake_gap(struct pb_task_ctx *ctx) {
    uint64_t now = fake_now_ns();
    if (ctx->last_ns && now - ctx->last_ns > ctx->max_gap_ns)
        ctx->max_gap_ns = now - ctx->last_ns;
    ctx->last_ns = now;
}

static void fake_checkpoint(struct pb_task_ctx *ctx) {
    atomic_fetch_add(&fake_checkpoints, 1);
    ctx->checkpoints++;
    if (ctx->job)
        fake_gap(ctx);
    if (ctx->io && ctx->io->checkpoint)
        ctx->io->checkpoint(ctx->io->ctx, ctx->worker);
}

static void fake_blocking_begin(struct pb_task_ctx *ctx) {
    atomic_fetch_add(&fake_blocking_begins, 1);
    ctx->blocking++;
    if (ctx->io && ctx->io->blocking_begin)
        ctx->io->blocking_begin(ctx->io->ctx, ctx->worker);
}

static void fake_blocking_end(struct pb_task_ctx *ctx) {
    atomic_fetch_add(&fake_blocking_ends, 1);
    ctx->blocking--;
    if (ctx->io && ctx->io->blocking_end)
        ctx->io->blocking_end(ctx->io->ctx, ctx->worker);
}

static unsigned fake_task_worker(const struct pb_task_ctx *ctx) {
    return ctx->worker;
}

/* ------------------------------------------------------------------------ */
/* Job                                                                       */
/* ------------------------------------------------------------------------ */

static void fake_job_vfail(struct pb_job *job, int crashed, const char *fmt,
                           va_list ap) {
    pthread_mutex_lock(&job->lock);
    if (!job->failed) {
        job->failed = crashed ? 2 : 1;
        vsnprintf(job->error, sizeof job->error, fmt, ap);
    }
    pthread_mutex_unlock(&job->lock);
    atomic_store(&job->stop, 1);
}

static void fake_job_fail(struct pb_job *job, int crashed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fake_job_fail(struct pb_job *job, int crashed, const char *fmt,
                          ...) {
    va_list ap;
    va_start(ap, fmt);
    fake_job_vfail(job, crashed, fmt, ap);
    va_end(ap);
}

struct pb_job *fake_job_new(const struct pb_workload_ops *ops, void *state,
                            unsigned workers, enum pb_schedule schedule) {
    struct pb_job *job = calloc(1, sizeof *job);
    if (!job)
        return NULL;
    job->ops = ops;
    job->state = state;
    job->workers = workers;
    job->tasks = ops->task_count(state);
    job->schedule = schedule;
    job->slots = calloc((size_t)job->tasks, sizeof *job->slots);
    job->loop_calls = calloc(workers ? workers : 1, sizeof *job->loop_calls);
    pthread_mutex_init(&job->lock, NULL);
    if (!job->slots || !job->loop_calls) {
        fake_job_free(job);
        return NULL;
    }
    return job;
}

void fake_job_free(struct pb_job *job) {
    if (!job)
        return;
    free(job->slots); /* payloads are the workload's */
    free(job->loop_calls);
    pthread_mutex_destroy(&job->lock);
    free(job);
}

static unsigned fake_job_workers(const struct pb_job *job) {
    return job->workers;
}

static uint64_t fake_job_tasks(const struct pb_job *job) { return job->tasks; }

static enum pb_schedule fake_job_schedule(const struct pb_job *job) {
    return job->schedule;
}

/* The next task for a worker: 1 and *task, or 0 when there is none. */
static int fake_claim(struct pb_job *job, unsigned worker, uint64_t *cursor,
                      uint64_t *task) {
    if (atomic_load(&job->stop))
        return 0;
    if (job->schedule == PB_SCHEDULE_STATIC) {
        (void)worker;
        if (*cursor >= job->tasks)
            return 0;
        *task = *cursor;
        *cursor += job->workers;
        return 1;
    }
    *task = atomic_fetch_add(&job->next, 1);
    return *task < job->tasks;
}

static int fake_worker_loop(struct pb_job *job, unsigned worker,
                            const struct pb_worker_io *io) {
    if (worker >= job->workers) {
        fake_job_fail(job, 0, "worker_loop for worker %u of %u", worker,
                      job->workers);
        return -1;
    }
    atomic_fetch_add(&job->loop_calls[worker], 1);
    if (io && io->send) {
        fake_job_fail(job, 0, "the fake host has no message transport");
        atomic_fetch_add(&job->loops_done, 1);
        return -1;
    }
    char err[256] = "";
    void *ws = NULL;
    if (job->ops->worker_init &&
        job->ops->worker_init(job->state, worker, &ws, err, sizeof err) < 0) {
        fake_job_fail(job, 0, "worker %u: %s", worker, err);
        atomic_fetch_add(&job->loops_done, 1);
        return -1;
    }
    struct pb_task_ctx ctx = {job, worker, io, 0, 0, 0, 0};
    uint64_t cursor = worker, task = 0;
    int rc = 0;
    for (;;) {
        int c = io && io->claim ? io->claim(io->ctx, worker, &task)
                                : fake_claim(job, worker, &cursor, &task);
        if (c <= 0) {
            if (c < 0) {
                fake_job_fail(job, 0, "worker %u: claim failed", worker);
                rc = -1;
            }
            break;
        }
        if (task >= job->tasks) {
            fake_job_fail(job, 0, "worker %u claimed task %" PRIu64, worker,
                          task);
            rc = -1;
            break;
        }
        struct pb_task_result r = {0, 0, NULL, 0};
        err[0] = '\0';
        ctx.last_ns = fake_now_ns();
        if (job->ops->run_task(job->state, ws, &ctx, task, &r, err,
                               sizeof err) < 0) {
            fake_job_fail(job, 0, "worker %u, task %" PRIu64 ": %s", worker,
                          task, err[0] ? err : "failed without a message");
            rc = -1;
            break;
        }
        fake_gap(&ctx);
        if (ctx.blocking != 0) {
            fake_job_fail(job, 0, "task %" PRIu64 ": blocking calls unpaired",
                          task);
            rc = -1;
            break;
        }
        /* The first result wins the slot, as in the core (claim_slot);
         * the payload pointer is kept as the workload gave it. */
        struct fake_slot *s = &job->slots[task];
        unsigned char empty = FAKE_SLOT_EMPTY;
        if (!atomic_compare_exchange_strong(&s->state, &empty,
                                            FAKE_SLOT_STORED)) {
            fake_job_fail(job, 0, "task %" PRIu64 " produced two results",
                          task);
            rc = -1;
            break;
        }
        s->res = r;
    }
    if (job->ops->worker_fini)
        job->ops->worker_fini(job->state, ws);
    atomic_fetch_add(&job->checkpoints, ctx.checkpoints);
    uint64_t gap = atomic_load(&job->max_gap_ns);
    while (ctx.max_gap_ns > gap && !atomic_compare_exchange_weak(
                                       &job->max_gap_ns, &gap, ctx.max_gap_ns))
        ;
    atomic_fetch_add(&job->loops_done, 1);
    return rc;
}

int fake_job_finish(struct pb_job *job, uint64_t *checksum, char *err,
                    size_t errlen) {
    if (job->failed) {
        snprintf(err, errlen, "%s", job->error);
        return -1;
    }
    for (unsigned w = 0; w < job->workers; w++) {
        unsigned n = atomic_load(&job->loop_calls[w]);
        if (n != 1) {
            snprintf(err, errlen, "worker_loop ran %u times for worker %u", n,
                     w);
            return -1;
        }
    }
    for (uint64_t t = 0; t < job->tasks; t++) {
        unsigned char st = atomic_load(&job->slots[t].state);
        if (st != FAKE_SLOT_STORED) {
            snprintf(err, errlen, "task %" PRIu64 " %s", t,
                     st == FAKE_SLOT_EMPTY ? "produced no result"
                                           : "was merged already");
            return -1;
        }
    }
    char msg[256] = "";
    for (uint64_t t = job->tasks; t-- > 0;) {
        atomic_store(&job->slots[t].state, FAKE_SLOT_MERGED);
        if (job->ops->merge(job->state, t, &job->slots[t].res, msg,
                            sizeof msg) < 0) {
            snprintf(err, errlen, "merge of task %" PRIu64 ": %s", t, msg);
            return -1;
        }
    }
    if (job->ops->verify(job->state, checksum, msg, sizeof msg) < 0) {
        snprintf(err, errlen, "verify: %s", msg[0] ? msg : "no message");
        return -1;
    }
    return 0;
}

static void *fake_thread_main(void *arg) {
    void **a = arg;
    struct pb_job *job = a[0];
    unsigned w = (unsigned)(uintptr_t)a[1];
    fake_worker_loop(job, w, NULL);
    return NULL;
}

int fake_drive_threads(struct pb_job *job) {
    unsigned n = job->workers;
    pthread_t *t = calloc(n, sizeof *t);
    void **args = calloc(2 * (size_t)n, sizeof *args);
    unsigned started = 0;
    if (t && args)
        for (; started < n; started++) {
            args[2 * started] = job;
            args[2 * started + 1] = (void *)(uintptr_t)started;
            if (pthread_create(&t[started], NULL, fake_thread_main,
                               &args[2 * started]) != 0)
                break;
        }
    for (unsigned i = 0; i < started; i++)
        pthread_join(t[i], NULL);
    free(t);
    free(args);
    return started == n ? 0 : -1;
}

void fake_drive_inline(struct pb_job *job) {
    for (unsigned w = 0; w < job->workers; w++)
        fake_worker_loop(job, w, NULL);
}

static int fake_job_deliver(struct pb_job *job, const void *msg, size_t len) {
    (void)msg;
    (void)len;
    fake_job_fail(job, 0, "job_deliver: the fake host has no messages");
    return -1;
}

static void fake_job_add_ipc(struct pb_job *job, uint64_t bytes) {
    atomic_fetch_add(&job->ipc_bytes, bytes);
}

static void fake_job_worker_usage(struct pb_job *job, unsigned worker,
                                  const struct rusage *ru) {
    (void)job;
    (void)worker;
    (void)ru;
}

/* A helper process's usage (2.2): as strict as the core about what it
 * is handed. */
static void fake_job_helper_usage(struct pb_job *job, const struct rusage *ru,
                                  uint64_t pss_kib, uint64_t uss_kib) {
    if (!job || !ru)
        fail_msg("job_helper_usage: a NULL job or rusage");
    if (uss_kib > pss_kib + (64u << 20))
        fail_msg("job_helper_usage: uss %" PRIu64 " KiB beside pss %" PRIu64,
                 uss_kib, pss_kib);
}

/* What a process measured of itself (2.1, 2.2): as strict as the core
 * about what it is handed. */
static void fake_job_self_usage(struct pb_job *job, unsigned worker,
                                const struct rusage *ru, uint64_t pss_kib) {
    (void)worker;
    (void)pss_kib;
    if (!job || !ru)
        fail_msg("job_self_usage: a NULL job or rusage");
}

static void fake_job_self_uss(struct pb_job *job, unsigned worker,
                              uint64_t uss_kib) {
    (void)worker;
    (void)uss_kib;
    if (!job)
        fail_msg("job_self_uss: a NULL job");
}

/* host->job_memory (2.3): the core reads worker processes' memory unless
 * a test said otherwise (fake_set_memory). */
static int fake_memory = 1;
void fake_set_memory(int on) { fake_memory = on; }
static int fake_job_memory(const struct pb_job *job) {
    if (!job)
        fail_msg("job_memory: a NULL job");
    return fake_memory;
}

static void fake_job_helper_pid(struct pb_job *job, pid_t pid) {
    if (!job || pid <= 0)
        fail_msg("job_helper_pid: a NULL job or pid %ld", (long)pid);
}

static void fake_job_process_host(struct pb_job *job, const char *name,
                                  const char *cpu_model, unsigned cores) {
    if (!job || !name || !name[0] || !cpu_model)
        fail_msg("job_process_host: a NULL job, or no host name or CPU model");
    if (cores == 0)
        fail_msg("job_process_host: host %s with 0 cores", name);
}

static const char *fake_worker_program(const struct pb_job *job) {
    (void)job;
    return "/nonexistent/parbench-worker";
}

static const void *fake_job_spec(const struct pb_job *job, size_t *len) {
    (void)job;
    *len = 0;
    return "";
}

static uint64_t fake_job_current_task(const struct pb_job *job,
                                      unsigned worker) {
    (void)job;
    (void)worker;
    return PB_NO_TASK;
}

static int fake_job_shared_fd(const struct pb_job *job) {
    (void)job;
    return -1;
}

static void *fake_executor_state(const struct pb_job *job) {
    (void)job;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* The host table                                                            */
/* ------------------------------------------------------------------------ */

const struct pb_host fake_host = {
    .size = sizeof(struct pb_host),
    .abi_version = PB_ABI_VERSION,
    .role = PB_ROLE_COORDINATOR,
    .log = fake_log,
    .now_ns = fake_now_ns,
    .cancelled = fake_cancelled,
    .param_int = fake_param_int,
    .param_uint = fake_param_uint,
    .param_float = fake_param_float,
    .param_bool = fake_param_bool,
    .param_string = fake_param_string,
    .checkpoint = fake_checkpoint,
    .blocking_begin = fake_blocking_begin,
    .blocking_end = fake_blocking_end,
    .task_worker = fake_task_worker,
    .job_workers = fake_job_workers,
    .job_tasks = fake_job_tasks,
    .job_schedule = fake_job_schedule,
    .worker_loop = fake_worker_loop,
    .job_deliver = fake_job_deliver,
    .job_add_ipc = fake_job_add_ipc,
    .job_worker_usage = fake_job_worker_usage,
    .job_fail = fake_job_fail,
    .worker_program = fake_worker_program,
    .job_spec = fake_job_spec,
    .job_current_task = fake_job_current_task,
    .job_shared_fd = fake_job_shared_fd,
    .executor_state = fake_executor_state,
    /* No core behind this table runs a spawned worker: worker_main stays
     * NULL, as in every table the core hands out but the cell's executor
     * table (an executor that needs it says so). */
    .worker_main = NULL,
    .job_helper_usage = fake_job_helper_usage,
    .job_self_usage = fake_job_self_usage,
    .job_self_uss = fake_job_self_uss,
    .job_process_host = fake_job_process_host,
    .job_memory = fake_job_memory,
    .job_helper_pid = fake_job_helper_pid,
    /* No parbench-worker behind this table either: an executor that can
     * exec a helper (forkserver) forks it instead, as on a core before
     * 2.5. */
    .helper_spawn = NULL,
};

/* ------------------------------------------------------------------------ */
/* Whole runs                                                                */
/* ------------------------------------------------------------------------ */

void fake_run(const struct pb_plugin *workload, const struct pb_params *wparams,
              const struct pb_plugin *executor, unsigned workers,
              enum pb_schedule schedule, struct fake_outcome *out) {
    const struct pb_workload_ops *ops = workload->workload;
    struct pb_params no_params = {0};
    struct pb_job *job = NULL;
    void *state = NULL;
    char err[256] = "";

    void *xstate = NULL;
    memset(out, 0, sizeof *out);
    out->rc = -1;
    if (executor && executor->executor->check &&
        executor->executor->check(&fake_host, &no_params, workers, err,
                                  sizeof err) < 0) {
        snprintf(out->error, sizeof out->error, "check: %s", err);
        return;
    }
    /* The core's order: the executor's prepare() before anything of the
     * workload exists, then the workload's create(), then the executor's;
     * destroy() of the executor also when a create() failed after it. */
    if (executor &&
        executor->executor->size >= offsetof(struct pb_executor_ops, prepare) +
                                        sizeof executor->executor->prepare &&
        executor->executor->prepare &&
        executor->executor->prepare(&fake_host, &no_params, workers, &xstate,
                                    err, sizeof err) < 0) {
        snprintf(out->error, sizeof out->error, "prepare: %s", err);
        return;
    }
    if (ops->create(&fake_host, wparams, &state, err, sizeof err) < 0) {
        snprintf(out->error, sizeof out->error, "create: %s", err);
        if (xstate && executor->executor->destroy)
            executor->executor->destroy(xstate);
        return;
    }
    if (ops->begin)
        ops->begin(state);
    out->tasks = ops->task_count(state);
    job = fake_job_new(ops, state, workers, schedule);
    if (!job) {
        snprintf(out->error, sizeof out->error, "out of memory for the job");
        ops->destroy(state);
        return;
    }
    uint64_t t0 = fake_now_ns();
    int rc;
    if (executor) {
        rc = executor->executor->run(&fake_host, &no_params, job, err,
                                     sizeof err);
    } else {
        rc = fake_drive_threads(job);
        snprintf(err, sizeof err, "a fake worker thread did not start");
    }
    out->run_ns = fake_now_ns() - t0;
    out->checkpoints = atomic_load(&job->checkpoints);
    out->max_gap_ns = atomic_load(&job->max_gap_ns);
    if (rc < 0)
        snprintf(out->error, sizeof out->error, "run: %s", err);
    else if (fake_job_finish(job, &out->checksum, out->error,
                             sizeof out->error) == 0)
        out->rc = 0;
    fake_job_free(job);
    if (xstate && executor->executor->destroy)
        executor->executor->destroy(xstate);
    ops->destroy(state);
}

/* ------------------------------------------------------------------------ */
/* Loading built plugins                                                     */
/* ------------------------------------------------------------------------ */

#define FAKE_MAX_HANDLES 16
static void *fake_handles[FAKE_MAX_HANDLES];
static unsigned fake_nhandles;

const struct pb_plugin *fake_load_plugin(const char *file) {
    const char *dir = getenv("PB_PLUGIN_DIR");
#ifdef PB_PLUGIN_DIR
    if (!dir || !dir[0])
        dir = PB_PLUGIN_DIR;
#endif
    if (!dir || !dir[0])
        fail_msg("set PB_PLUGIN_DIR to the directory of the built plugins");
    if (fake_nhandles == FAKE_MAX_HANDLES)
        fail_msg("too many plugins loaded");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
        fail_msg("cannot load %s (build the plugins first): %s", path,
                 dlerror());
    pb_entry_fn entry;
    *(void **)&entry = dlsym(h, PB_ENTRY_NAME);
    if (!entry) {
        dlclose(h);
        fail_msg("no entry point %s in %s", PB_ENTRY_NAME, path);
    }
    const struct pb_plugin *p = entry();
    if (!p || p->abi_version != PB_ABI_VERSION) {
        dlclose(h);
        fail_msg("%s: no descriptor, or ABI version %u instead of %d", path,
                 p ? p->abi_version : 0, PB_ABI_VERSION);
    }
    fake_handles[fake_nhandles++] = h;
    return p;
}

void fake_unload_all(void) {
    while (fake_nhandles > 0)
        dlclose(fake_handles[--fake_nhandles]);
}
