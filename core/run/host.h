/* SPDX-License-Identifier: MIT */
/*
 * host.h - the struct pb_host the core hands to each plugin.
 */
#ifndef PARBENCH_HOST_H
#define PARBENCH_HOST_H

#include <signal.h>

#include <parbench/plugin.h>

#include "config/loader.h"      /* struct loaded_plugin */
#include "config/plugin_host.h" /* struct host_instance */

/* Fill `hi` for plugin `name` (borrowed; must outlive the table), with
 * the role PB_ROLE_RUNNER; a cell process or parbench-worker sets its own
 * role (host_set_role) before the plugin's create(). */
void host_init(struct host_instance *hi, const char *name);
void host_set_role(struct host_instance *hi, enum pb_role role);

/* A workload re-created in a fresh process from its serialised spec
 * (config/spec.h): what parbench-worker and parbench-mpi-worker run. */
struct host_workload {
    struct loaded_plugin lp; /* the plugin and its copied operations      */
    struct host_instance hi; /* role PB_ROLE_WORKER                       */
    const struct pb_workload_ops *ops; /* &lp.workload: the loader's copy */
    struct pb_params *params;
    void *state;
};

/* Parses the spec (len bytes of text), loads the workload plugin
 * (loader_load: every check of the SDK on the plugin's descriptor; the
 * coordinator checked the file), sets its parameters, sets the
 * host table's role to PB_ROLE_WORKER and calls create() through the
 * loader's copy of the operations.  The plugin, parameters and state live
 * until the process exits: `out` must too (make it static).  Returns 0, or
 * -1 with a sentence in err ("creating the workload: ..." when create()
 * failed). */
int host_workload_from_spec(const char *text, size_t len,
                            struct host_workload *out, char *err,
                            size_t errlen);

/* host_workload_from_spec in two steps: everything up to create()
 * (state NULL), then create().  A fork server parses once and each of
 * its workers creates (host->worker_spec, host->worker_job). */
int host_workload_parse(const char *text, size_t len, struct host_workload *out,
                        char *err, size_t errlen);
int host_workload_create(struct host_workload *wl, char *err, size_t errlen);

/* The workload plugin this process has loaded (the cell's, borrowed for
 * the process's life): a process forked from it that builds its workload
 * from a spec naming the same file (a forkserver worker) takes it as it
 * is, without the loader's lookups. */
void host_preload_workload(const struct loaded_plugin *lp);

/* Set by the cell's SIGTERM handler; read by host->cancelled(). */
extern volatile sig_atomic_t host_cancel_flag;

#endif /* PARBENCH_HOST_H */
