/* SPDX-License-Identifier: MIT */
/*
 * host.c - the host-services table (struct pb_host) handed to plugins.
 * Job services live in job.c (the only writer of struct pb_job); parameter
 * access in params.c.
 */
#include "run/host.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "config/loader.h"
#include "config/params.h"
#include "config/spec.h"
#include "run/job.h"
#include "util/clock.h"
#include "util/hot.h"

volatile sig_atomic_t host_cancel_flag;

static int host_cancelled(void) { return host_cancel_flag != 0; }

static void host_log(const struct pb_host *host, enum pb_log_level level,
                     const char *fmt, ...) {
    static const char *const names[] = {"error", "warning", "info", "debug"};
    const struct host_instance *hi = (const struct host_instance *)host;
    unsigned l = (unsigned)level < 4 ? (unsigned)level : 3;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* One fprintf per line so lines of concurrent threads do not mix. */
    fprintf(stderr, "parbench: %s: %s: %s\n", hi->name, names[l], line);
}

void host_init(struct host_instance *hi, const char *name) {
    struct pb_host *h = &hi->host;
    h->size = sizeof *h;
    h->abi_version = PB_ABI_VERSION;
    h->role = PB_ROLE_RUNNER;
    h->log = host_log;
    h->now_ns = clock_mono_ns;
    h->cancelled = host_cancelled;
    h->param_int = params_get_int;
    h->param_uint = params_get_uint;
    h->param_float = params_get_float;
    h->param_bool = params_get_bool;
    h->param_string = params_get_string;
    h->checkpoint = job_checkpoint;
    h->blocking_begin = job_blocking_begin;
    h->blocking_end = job_blocking_end;
    h->task_worker = job_task_worker;
    h->job_workers = job_workers;
    h->job_tasks = job_tasks;
    h->job_schedule = job_schedule;
    h->worker_loop = job_worker_loop;
    h->job_deliver = job_deliver;
    h->job_add_ipc = job_add_ipc;
    h->job_worker_usage = job_worker_usage;
    h->job_fail = job_failf;
    h->worker_program = job_worker_program;
    h->job_spec = job_spec;
    h->job_current_task = job_current_task;
    h->job_shared_fd = job_shared_fd;
    h->executor_state = job_executor_state;
    h->job_self_usage = job_self_usage;
    /* worker_main: set by the cell process (run/worker_proc.c includes
     * this module, so it cannot be named here); NULL elsewhere. */
    h->worker_main = NULL;
    h->job_helper_usage = job_helper_usage;
    h->job_self_uss = job_self_uss;
    h->job_process_host = job_process_host;
    h->worker_pool_main = NULL; /* set by the cell process, as worker_main */
    h->job_memory = job_memory;
    h->job_helper_pid = job_helper_pid;
    h->worker_spec = NULL; /* set by the cell process, as worker_main */
    h->worker_job = NULL;
    h->helper_spawn = NULL; /* set by the cell process for its executor */
    hi->name = name;
}

void host_set_role(struct host_instance *hi, enum pb_role role) {
    hi->host.role = role;
}

/* host_preload_workload: the workload plugin this process loaded and
 * checked already, or NULL. */
static const struct loaded_plugin *preloaded;

void host_preload_workload(const struct loaded_plugin *lp) { preloaded = lp; }

PB_HOT int host_workload_parse(const char *text, size_t len,
                               struct host_workload *out, char *err,
                               size_t errlen) {
    struct worker_spec spec;
    if (spec_parse(text, len, &spec, err, errlen) < 0)
        return -1;
    /* Every check the loader makes of the descriptor (ABI version, ops
     * sizes, parameter table); the core calls only the copy of the
     * operations it made.  The file itself was checked by the coordinator
     * that wrote the spec (loader_load).
     * A process forked from a cell (forkserver) has the cell's plugin
     * loaded and checked already: the same file is not looked up again
     * (never unloaded: the process exits with it). */
    if (preloaded && strcmp(spec.plugin, preloaded->path) == 0)
        out->lp = *preloaded;
    else if (loader_load(spec.plugin, PB_KIND_WORKLOAD, NULL, &out->lp, err,
                         errlen) < 0)
        return -1;
    const char *name = out->lp.desc->name;
    struct pb_params *ps = params_new(out->lp.desc->params);
    if (!ps) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char why[512] = "";
    for (size_t i = 0; i < spec.count; i++)
        if (params_set(ps, spec.params[i].key, spec.params[i].value, why,
                       sizeof why) < 0) {
            snprintf(err, errlen, "%s: %s", name, why);
            return -1;
        }
    if (params_finish(ps, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", name, why);
        return -1;
    }
    host_init(&out->hi, name);
    host_set_role(&out->hi, PB_ROLE_WORKER);
    out->ops = &out->lp.workload;
    out->params = ps;
    out->state = NULL;
    return 0;
}

PB_HOT int host_workload_create(struct host_workload *wl, char *err,
                                size_t errlen) {
    char why[512] = "";
    if (wl->ops->create(&wl->hi.host, wl->params, &wl->state, why, sizeof why) <
        0) {
        snprintf(err, errlen, "creating the workload: %s",
                 why[0] ? why : "create failed");
        return -1;
    }
    return 0;
}

PB_HOT int host_workload_from_spec(const char *text, size_t len,
                                   struct host_workload *out, char *err,
                                   size_t errlen) {
    if (host_workload_parse(text, len, out, err, errlen) < 0)
        return -1;
    return host_workload_create(out, err, errlen);
}
