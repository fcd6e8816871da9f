/* SPDX-License-Identifier: MIT */
/*
 * workload-tp-role.c - test workload that shows where create() ran: each
 * task's `items` is the host->role its state was created under (1 in the
 * coordinator, 2 in a spawned worker process), so the CSV's items column
 * is tasks x role.
 */
#include <stdio.h>
#include <stdlib.h>

#include <parbench/plugin.h>

struct role_state {
    uint64_t tasks, sum;
    enum pb_role role;
};

static int role_create(const struct pb_host *host,
                       const struct pb_params *params, void **state, char *err,
                       size_t errlen) {
    struct role_state *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    s->tasks = host->param_uint(params, "tasks");
    s->role = host->role;
    *state = s;
    return 0;
}

static uint64_t role_task_count(const void *state) {
    return ((const struct role_state *)state)->tasks;
}

static void role_begin(void *state) { ((struct role_state *)state)->sum = 0; }

static int role_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                         uint64_t task, struct pb_task_result *out, char *err,
                         size_t errlen) {
    const struct role_state *s = state;
    (void)wstate;
    (void)ctx;
    (void)err;
    (void)errlen;
    out->checksum = task + 1;
    out->items = (uint64_t)s->role;
    return 0;
}

static int role_merge(void *state, uint64_t task,
                      const struct pb_task_result *res, char *err,
                      size_t errlen) {
    (void)task;
    (void)err;
    (void)errlen;
    ((struct role_state *)state)->sum += res->checksum;
    return 0;
}

static int role_verify(void *state, uint64_t *checksum, char *err,
                       size_t errlen) {
    const struct role_state *s = state;
    *checksum = s->sum;
    if (s->sum != s->tasks * (s->tasks + 1) / 2) {
        snprintf(err, errlen, "sum %llu", (unsigned long long)s->sum);
        return -1;
    }
    return 0;
}

static void role_destroy(void *state) { free(state); }

static const struct pb_param role_params[] = {{.name = "tasks",
                                               .type = PB_PARAM_UINT,
                                               .def = "4",
                                               .min = "1",
                                               .help = "number of tasks"},
                                              PB_PARAM_END};

static const struct pb_workload_ops role_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = role_create,
    .task_count = role_task_count,
    .begin = role_begin,
    .run_task = role_run_task,
    .merge = role_merge,
    .verify = role_verify,
    .destroy = role_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "tp-role",
    .summary = "test workload: items tell where create() ran",
    .params = role_params,
    .workload = &role_ops,
};

PB_DEFINE_PLUGIN(plugin)
