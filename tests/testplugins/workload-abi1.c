/* SPDX-License-Identifier: MIT */
/*
 * workload-abi1.c - test plugin as a plugin built against the ABI 1 header
 * says it is: abi_version 1 (its operations table had no .size).  The
 * loader must refuse it with the way to rebuild.
 */
/* Played: a table without .size. */
#define TP_OPS_SIZE 0
#include "minimal_ops.h"

static const struct pb_plugin plugin = {
    .abi_version = 1,
    .kind = PB_KIND_WORKLOAD,
    .name = "abi1",
    .summary = "test plugin: built for ABI 1",
    .workload = &tp_ops,
};

PB_DEFINE_PLUGIN(plugin)
