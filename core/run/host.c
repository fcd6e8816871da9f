/*
 * host.c - the host-services table (struct pb_host) handed to plugins.
 * Job services live in job.c; parameter access in params.c.
 */
#include "run/host.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>

#include "config/params.h"
#include "run/job.h"
#include "util/clock.h"

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

static unsigned host_job_workers(const struct pb_job *job) {
    return job->workers;
}
static uint64_t host_job_tasks(const struct pb_job *job) { return job->tasks; }
static enum pb_schedule host_job_schedule(const struct pb_job *job) {
    return job->schedule;
}

static void host_job_add_ipc(struct pb_job *job, uint64_t bytes) {
    job->ipc_bytes += bytes;
}

static void host_job_worker_usage(struct pb_job *job, unsigned worker,
                                  const struct rusage *ru) {
    if (worker < job->workers && ru->ru_maxrss > 0)
        job->w[worker].maxrss_kib = (uint64_t)ru->ru_maxrss;
}

static void host_job_fail(struct pb_job *job, int crashed, const char *fmt,
                          ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    job_failf(job, crashed, "%s", text);
}

static const char *host_worker_program(const struct pb_job *job) {
    return job->worker_program;
}

static const void *host_job_spec(const struct pb_job *job, size_t *len) {
    *len = job->spec_len;
    return job->spec;
}

static int host_job_shared_fd(const struct pb_job *job) {
    return job->shared_fd;
}

void host_init(struct host_instance *hi, const char *name) {
    struct pb_host *h = &hi->host;
    h->size = sizeof *h;
    h->abi_version = PB_ABI_VERSION;
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
    h->job_workers = host_job_workers;
    h->job_tasks = host_job_tasks;
    h->job_schedule = host_job_schedule;
    h->worker_loop = job_worker_loop;
    h->job_deliver = job_deliver;
    h->job_add_ipc = host_job_add_ipc;
    h->job_worker_usage = host_job_worker_usage;
    h->job_fail = host_job_fail;
    h->worker_program = host_worker_program;
    h->job_spec = host_job_spec;
    h->job_current_task = job_current_task;
    h->job_shared_fd = host_job_shared_fd;
    hi->name = name;
}
