/*
 * host.h - the struct pb_host the core hands to each plugin.
 */
#ifndef PARBENCH_HOST_H
#define PARBENCH_HOST_H

#include <signal.h>

#include <parbench/plugin.h>

/* One host table per plugin, so that log lines carry the plugin's name. */
struct host_instance {
    struct pb_host host; /* first member: plugins see only this          */
    const char *name;    /* borrowed plugin name                         */
};

/* Fill `hi` for plugin `name` (borrowed; must outlive the table). */
void host_init(struct host_instance *hi, const char *name);

/* Set by the cell's SIGTERM handler; read by host->cancelled(). */
extern volatile sig_atomic_t host_cancel_flag;

#endif /* PARBENCH_HOST_H */
