/* SPDX-License-Identifier: MIT */
/*
 * workload-noops.c - test plugin: a workload without run_task, which the
 * loader must refuse naming the missing operation.
 */
#define TP_NO_RUN_TASK
#include "minimal_ops.h"

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "noops",
    .summary = "test plugin: lacks run_task",
    .params = NULL,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
