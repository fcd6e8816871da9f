/* SPDX-License-Identifier: MIT */
/*
 * workload-tp-sum.c - a small valid workload for the loader and CLI tests:
 * task i answers i + 1, the merged answer is the sum over every task.
 */
#include <stdlib.h>

#include <parbench/plugin.h>

struct tp_sum {
    uint64_t tasks;
    uint64_t sum;
};

static int tp_create(const struct pb_host *host, const struct pb_params *params,
                     void **state, char *err, size_t errlen) {
    (void)err;
    (void)errlen;
    struct tp_sum *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    s->tasks = host->param_uint(params, "tasks");
    *state = s;
    return 0;
}

static uint64_t tp_task_count(const void *state) {
    return ((const struct tp_sum *)state)->tasks;
}

static void tp_begin(void *state) { ((struct tp_sum *)state)->sum = 0; }

static int tp_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    (void)state;
    (void)wstate;
    (void)ctx;
    (void)err;
    (void)errlen;
    out->checksum = task + 1;
    out->items = 1;
    out->payload = NULL;
    out->payload_size = 0;
    return 0;
}

static int tp_merge(void *state, uint64_t task,
                    const struct pb_task_result *res, char *err,
                    size_t errlen) {
    (void)task;
    (void)err;
    (void)errlen;
    ((struct tp_sum *)state)->sum += res->checksum;
    return 0;
}

static int tp_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    const struct tp_sum *s = state;
    (void)err;
    (void)errlen;
    *checksum = s->sum;
    return s->sum == s->tasks * (s->tasks + 1) / 2 ? 0 : -1;
}

static void tp_destroy(void *state) { free(state); }

static const char *const tp_modes[] = {"plain", "fancy", NULL};

static const struct pb_param tp_params[] = {
    {"tasks", PB_PARAM_UINT, "8", "1", "1000", NULL,
     "how many tasks the sum is cut into"},
    {"mode", PB_PARAM_ENUM, "plain", NULL, NULL, tp_modes,
     "unused; exercises enum choices in `parbench describe`"},
    {"label", PB_PARAM_STRING, "sum", NULL, NULL, NULL,
     "unused; a free-text parameter"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct pb_workload_ops tp_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = tp_create,
    .task_count = tp_task_count,
    .begin = tp_begin,
    .run_task = tp_run_task,
    .merge = tp_merge,
    .verify = tp_verify,
    .destroy = tp_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "tp-sum",
    .summary = "test workload: sum of 1..tasks",
    .params = tp_params,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
