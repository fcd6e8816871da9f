/* SPDX-License-Identifier: MIT */
/*
 * workload-badparam.c - test plugin whose parameter table has a default
 * (100) outside its own bounds [1, 10]: the loader must refuse it.
 */
#include "minimal_ops.h"

static const struct pb_param tp_params[] = {
    {"tasks", PB_PARAM_UINT, "100", "1", "10", NULL,
     "default outside the bounds on purpose"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "badparam",
    .summary = "test plugin: default outside its bounds",
    .params = tp_params,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
