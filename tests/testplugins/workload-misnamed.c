/*
 * workload-misnamed.c - test plugin whose descriptor names it "other": the
 * loader must refuse it under the file name workload-misnamed.so.  Loaded
 * as workload-other.so (a symbolic link made by the tests) it is valid, and
 * its table exercises required, size and one-sided bounds in `describe`.
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
    .run_task = tp_run_task,
    .merge = tp_merge,
    .verify = tp_verify,
    .destroy = tp_destroy,
};

static const struct pb_param tp_params[] = {
    {"target", PB_PARAM_STRING, NULL, NULL, NULL, NULL, "a required parameter"},
    {"block", PB_PARAM_SIZE, "64KiB", "1KiB", "1GiB", NULL,
     "a size with bounds"},
    {"repeat", PB_PARAM_UINT, "1", "1", NULL, NULL, "a lower bound only"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "other",
    .summary = "test plugin: named other",
    .params = tp_params,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
