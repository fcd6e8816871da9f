/* SPDX-License-Identifier: MIT */
/*
 * minimal_ops.h - the do-nothing workload operations the loader test
 * plugins share (one task, answer 0): they exist to be refused for what
 * their descriptor or table says, not for what they compute.  Included by
 * one plugin source each; TP_OPS_SIZE (default sizeof) is the table's
 * .size, so a plugin can play one built without it; TP_NO_RUN_TASK leaves
 * run_task out, for the plugin the loader must refuse for lacking it.
 */
#ifndef PARBENCH_TEST_MINIMAL_OPS_H
#define PARBENCH_TEST_MINIMAL_OPS_H

#include <parbench/plugin.h>

#ifndef TP_OPS_SIZE
#define TP_OPS_SIZE sizeof(struct pb_workload_ops)
#endif

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

#ifndef TP_NO_RUN_TASK
static int tp_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    (void)state;
    (void)wstate;
    (void)ctx;
    (void)err;
    (void)errlen;
    out->checksum = task;
    out->items = 1;
    out->payload = NULL;
    out->payload_size = 0;
    return 0;
}
#endif

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
    .size = TP_OPS_SIZE,
    .create = tp_create,
    .task_count = tp_task_count,
#ifndef TP_NO_RUN_TASK
    .run_task = tp_run_task,
#endif
    .merge = tp_merge,
    .verify = tp_verify,
    .destroy = tp_destroy,
};

#endif /* PARBENCH_TEST_MINIMAL_OPS_H */
