/*
 * host.h - the struct pb_host the core hands to each plugin.
 */
#ifndef PARBENCH_HOST_H
#define PARBENCH_HOST_H

#include <signal.h>

#include <parbench/plugin.h>

#include "config/plugin_host.h" /* struct host_instance */

/* Fill `hi` for plugin `name` (borrowed; must outlive the table). */
void host_init(struct host_instance *hi, const char *name);

/* A workload re-created in a fresh process from its serialised spec
 * (config/spec.h): what parbench-worker and parbench-mpi-worker run. */
struct host_workload {
    struct host_instance hi;
    const struct pb_workload_ops *ops;
    void *state;
};

/* Parses the spec (len bytes of text), loads the workload plugin, sets
 * its parameters and calls create().  The plugin, parameters and state
 * live until the process exits.  Returns 0, or -1 with a sentence in err
 * ("creating the workload: ..." when create() failed). */
int host_workload_from_spec(const char *text, size_t len,
                            struct host_workload *out, char *err,
                            size_t errlen);

/* Set by the cell's SIGTERM handler; read by host->cancelled(). */
extern volatile sig_atomic_t host_cancel_flag;

#endif /* PARBENCH_HOST_H */
