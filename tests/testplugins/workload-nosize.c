/* SPDX-License-Identifier: MIT */
/*
 * workload-nosize.c - test plugin: ABI 2 descriptor, but its operations
 * table lacks .size (a plugin moved to ABI 2 by its version number only).
 */
/* Played: a table without .size. */
#define TP_OPS_SIZE 0
#include "minimal_ops.h"

static const struct pb_plugin plugin = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "nosize",
    .summary = "test plugin: operations table without .size",
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
