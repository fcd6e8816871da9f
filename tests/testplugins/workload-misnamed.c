/* SPDX-License-Identifier: MIT */
/*
 * workload-misnamed.c - test plugin whose descriptor names it "other": the
 * loader must refuse it under the file name workload-misnamed.so.  Loaded
 * as workload-other.so (a symbolic link made by the tests) it is valid, and
 * its table exercises required, size and one-sided bounds in `describe`.
 */
#include "minimal_ops.h"

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
