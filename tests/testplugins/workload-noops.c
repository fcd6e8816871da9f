/* SPDX-License-Identifier: MIT */
/*
 * workload-noops.c - test plugin: a workload without run_task, which the
 * loader must refuse naming the missing operation.
 */
#include <parbench/plugin.h>

static int tp_create(const struct pb_host *host, const struct pb_params *params,
                     void **state, char *err, size_t errlen) {
    (void)host;
    (void)params;
    (void)err;
    (void)errlen;
    *state = NULL;
    return 0;
}

static uint64_t tp_task_count(const void *state) {
    (void)state;
    return 1;
}

static int tp_merge(void *state, uint64_t task,
                    const struct pb_task_result *res, char *err,
                    size_t errlen) {
    (void)state;
    (void)task;
    (void)res;
    (void)err;
    (void)errlen;
    return 0;
}

static int tp_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    (void)state;
    (void)err;
    (void)errlen;
    *checksum = 0;
    return 0;
}

static void tp_destroy(void *state) { (void)state; }

static const struct pb_workload_ops tp_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = tp_create,
    .task_count = tp_task_count,
    .merge = tp_merge,
    .verify = tp_verify,
    .destroy = tp_destroy,
};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "noops",
    .summary = "test plugin: lacks run_task",
    .params = NULL,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
