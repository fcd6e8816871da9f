/* SPDX-License-Identifier: MIT */
/*
 * workload-tp-whoami.c - test workload that says who ran each task: every
 * task appends one line "task T worker W pid P tid I cpus LIST" to the file
 * `log` (O_APPEND, one write, so lines of threads and processes do not
 * mix), LIST being the Cpus_allowed_list of the thread that ran it.  The
 * answer is the sum of task+1, checked as tp-sum does.  The e2e tests read
 * the log: how many distinct threads served a cell (a pool keeps them
 * across repetitions) and where each worker was allowed to run
 * (`affinity`).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <parbench/plugin.h>

struct who_state {
    const struct pb_host *host;
    uint64_t tasks, sum;
    char log[1024];
};

static int who_create(const struct pb_host *host,
                      const struct pb_params *params, void **state, char *err,
                      size_t errlen) {
    struct who_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->host = host;
    s->tasks = host->param_uint(params, "tasks");
    snprintf(s->log, sizeof s->log, "%s", host->param_string(params, "log"));
    *state = s;
    return 0;
}

static uint64_t who_task_count(const void *state) {
    return ((const struct who_state *)state)->tasks;
}

static void who_begin(void *state) { ((struct who_state *)state)->sum = 0; }

/* Cpus_allowed_list of the calling thread into buf. */
static void cpus_allowed(char *buf, size_t len) {
    snprintf(buf, len, "?");
    FILE *f = fopen("/proc/thread-self/status", "re");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "Cpus_allowed_list:", 18) == 0) {
            char *v = line + 18;
            v += strspn(v, " \t");
            v[strcspn(v, "\n")] = '\0';
            snprintf(buf, len, "%s", v);
        }
    fclose(f);
}

static int who_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                        uint64_t task, struct pb_task_result *out, char *err,
                        size_t errlen) {
    const struct who_state *s = state;
    (void)wstate;
    char cpus[256], line[512];
    cpus_allowed(cpus, sizeof cpus);
    int n = snprintf(line, sizeof line,
                     "task %llu worker %u pid %ld tid %ld "
                     "cpus %s\n",
                     (unsigned long long)task, s->host->task_worker(ctx),
                     (long)getpid(), (long)syscall(SYS_gettid), cpus);
    int fd = open(s->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 || write(fd, line, (size_t)n) != n) {
        snprintf(err, errlen, "cannot append to %s", s->log);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    out->checksum = task + 1;
    out->items = 1;
    return 0;
}

static int who_merge(void *state, uint64_t task,
                     const struct pb_task_result *res, char *err,
                     size_t errlen) {
    (void)task;
    (void)err;
    (void)errlen;
    ((struct who_state *)state)->sum += res->checksum;
    return 0;
}

static int who_verify(void *state, uint64_t *checksum, char *err,
                      size_t errlen) {
    const struct who_state *s = state;
    *checksum = s->sum;
    if (s->sum != s->tasks * (s->tasks + 1) / 2) {
        snprintf(err, errlen, "sum %llu", (unsigned long long)s->sum);
        return -1;
    }
    return 0;
}

static void who_destroy(void *state) { free(state); }

static const struct pb_param who_params[] = {
    {.name = "tasks",
     .type = PB_PARAM_UINT,
     .def = "4",
     .min = "1",
     .help = "number of tasks"},
    {.name = "log",
     .type = PB_PARAM_STRING,
     .def = NULL,
     .help = "file every task appends its line to"},
    PB_PARAM_END};

static const struct pb_workload_ops who_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = who_create,
    .task_count = who_task_count,
    .begin = who_begin,
    .run_task = who_run_task,
    .merge = who_merge,
    .verify = who_verify,
    .destroy = who_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "tp-whoami",
    .summary = "test workload: each task logs its worker, pid, thread and "
               "allowed CPUs",
    .params = who_params,
    .workload = &who_ops,
};

PB_DEFINE_PLUGIN(plugin)
