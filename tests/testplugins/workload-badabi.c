/* SPDX-License-Identifier: MIT */
/*
 * workload-badabi.c - test plugin built for ABI version 999: the loader must
 * refuse it before reading anything else of the descriptor.
 */
#include "minimal_ops.h"

static const struct pb_plugin plugin = {
    .abi_version = 999,
    .kind = PB_KIND_WORKLOAD,
    .name = "badabi",
    .summary = "test plugin: wrong ABI version",
    .params = NULL,
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
