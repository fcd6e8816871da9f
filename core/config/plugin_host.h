/* SPDX-License-Identifier: MIT */
/*
 * plugin_host.h - the host table one plugin instance is handed: the public
 * struct pb_host and the plugin's name for its log lines.  The plan keeps
 * one per instance; the run layer fills it (run/host.h: host_init), since
 * the services the table points to are the run layer's.
 */
#ifndef PARBENCH_PLUGIN_HOST_H
#define PARBENCH_PLUGIN_HOST_H

#include <parbench/plugin.h>

/* One host table per plugin, so that log lines carry the plugin's name. */
struct host_instance {
    struct pb_host host; /* first member: plugins see only this          */
    const char *name;    /* borrowed plugin name                         */
};

/* Fills `hi` for plugin `name` (borrowed; must outlive the table).  The
 * run layer's host_init is one; the plan is handed it (plan_build). */
typedef void host_init_fn(struct host_instance *hi, const char *name);

#endif /* PARBENCH_PLUGIN_HOST_H */
