/* SPDX-License-Identifier: MIT */
/*
 * executor-pinned.c - an example parbench executor: one POSIX thread per
 * worker, each pinned to one CPU of the process's affinity mask (worker w
 * on the w-th allowed CPU, wrapping around).
 *
 * Built out of tree against the installed SDK (README.md in this folder):
 *   cc $(pkg-config --cflags parbench) \
 *      $(pkg-config --variable=plugin_cflags parbench) \
 *      $(pkg-config --variable=plugin_ldflags parbench) -pthread \
 *      -o executor-pinned.so executor-pinned.c
 *
 * What it shows (docs/writing-plugins.md):
 *  - create()/destroy(): state kept across the repetitions of a cell (the
 *    CPU list, read once), found in run() through host->executor_state();
 *  - check(): refusing a worker count before any cell runs;
 *  - run(): start the workers, have each call host->worker_loop() exactly
 *    once, wait for every one of them before returning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <parbench/plugin.h>

struct pinned {
    int *cpus; /* the allowed CPUs, in order */
    unsigned ncpus;
    int strict; /* refuse more workers than CPUs */
};

struct worker_arg {
    const struct pb_host *host;
    struct pb_job *job;
    unsigned worker;
    int cpu;
};

static void *worker_main(void *p) {
    struct worker_arg *a = p;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->cpu, &set);
    /* Pinning is best effort: the worker runs either way. */
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
    a->host->worker_loop(a->job, a->worker, NULL);
    return NULL;
}

static int allowed_cpus(cpu_set_t *set) {
    CPU_ZERO(set);
    return sched_getaffinity(0, sizeof *set, set);
}

static int pinned_check(const struct pb_host *host,
                        const struct pb_params *params, unsigned workers,
                        char *err, size_t errlen) {
    cpu_set_t set;
    if (!host->param_bool(params, "strict") || allowed_cpus(&set) < 0)
        return 0;
    if (workers > (unsigned)CPU_COUNT(&set)) {
        snprintf(err, errlen,
                 "%u workers but only %d CPUs to pin them to; lower [run] "
                 "workers or set strict = false",
                 workers, CPU_COUNT(&set));
        return -1;
    }
    return 0;
}

static int pinned_create(const struct pb_host *host,
                         const struct pb_params *params, unsigned workers,
                         void **state, char *err, size_t errlen) {
    (void)workers;
    cpu_set_t set;
    if (allowed_cpus(&set) < 0) {
        snprintf(err, errlen, "sched_getaffinity: %s", strerror(errno));
        return -1;
    }
    struct pinned *p = calloc(1, sizeof *p);
    if (p)
        p->cpus = calloc((size_t)CPU_COUNT(&set) + 1, sizeof *p->cpus);
    if (!p || !p->cpus) {
        free(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            p->cpus[p->ncpus++] = c;
    p->strict = host->param_bool(params, "strict");
    *state = p;
    return 0;
}

static void pinned_destroy(void *state) {
    struct pinned *p = state;
    free(p->cpus);
    free(p);
}

static int pinned_run(const struct pb_host *host,
                      const struct pb_params *params, struct pb_job *job,
                      char *err, size_t errlen) {
    (void)params;
    const struct pinned *p = host->executor_state(job);
    unsigned n = host->job_workers(job);
    pthread_t *tids = calloc(n, sizeof *tids);
    struct worker_arg *args = calloc(n, sizeof *args);
    if (!tids || !args) {
        free(tids);
        free(args);
        snprintf(err, errlen, "out of memory for %u workers", n);
        return -1;
    }
    unsigned started = 0;
    int rc = 0;
    for (; started < n; started++) {
        args[started] = (struct worker_arg){host, job, started,
                                            p->cpus[started % p->ncpus]};
        int e =
            pthread_create(&tids[started], NULL, worker_main, &args[started]);
        if (e != 0) {
            snprintf(err, errlen, "pthread_create for worker %u: %s", started,
                     strerror(e));
            rc = -1;
            break;
        }
    }
    /* Never return while a started worker runs. */
    for (unsigned w = 0; w < started; w++)
        pthread_join(tids[w], NULL);
    free(tids);
    free(args);
    return rc;
}

static const struct pb_param pinned_params[] = {
    {.name = "strict",
     .type = PB_PARAM_BOOL,
     .def = "false",
     .help = "refuse more workers than allowed CPUs"},
    PB_PARAM_END};

static const struct pb_executor_ops pinned_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = pinned_check,
    .run = pinned_run,
    .create = pinned_create,
    .destroy = pinned_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "pinned",
    .summary = "example: one thread per worker, pinned to a CPU",
    .params = pinned_params,
    .executor = &pinned_ops,
};

PB_DEFINE_PLUGIN(plugin)
