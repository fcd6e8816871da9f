/*
 * host.h - the struct pb_host the core hands to each plugin.
 */
#ifndef PARBENCH_HOST_H
#define PARBENCH_HOST_H

#include <signal.h>

#include <parbench/plugin.h>

#include "config/plugin_host.h" /* struct host_instance */

/* Fill `hi` for plugin `name` (borrowed; must outlive the table), with
 * the role PB_ROLE_RUNNER; a cell process or parbench-worker sets its own
 * role (host_set_role) before the plugin's create(). */
void host_init(struct host_instance *hi, const char *name);
void host_set_role(struct host_instance *hi, enum pb_role role);

/* Set by the cell's SIGTERM handler; read by host->cancelled(). */
extern volatile sig_atomic_t host_cancel_flag;

#endif /* PARBENCH_HOST_H */
