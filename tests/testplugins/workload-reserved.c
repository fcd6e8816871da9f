/* SPDX-License-Identifier: MIT */
/*
 * workload-reserved.c - test plugin: a parameter named `plugin`, the core's
 * key, which would otherwise hide the plugin's (or the core's) value.
 */
#include "minimal_ops.h"

static const struct pb_param tp_params[] = {
    {.name = "tasks", .type = PB_PARAM_UINT, .def = "1", .help = "tasks"},
    {.name = "plugin",
     .type = PB_PARAM_STRING,
     .def = "x",
     .help = "a reserved name"},
    PB_PARAM_END};

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "reserved",
    .summary = "test plugin: a parameter named like a core key",
    .params = tp_params,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
