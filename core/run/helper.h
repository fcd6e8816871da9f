/* SPDX-License-Identifier: MIT */
/*
 * helper.h - a helper process of the cell's executor, exec'd afresh
 * (host->helper_spawn, plugin ABI 2.5): the cell's side starts
 * `parbench-worker --helper PLUGIN NFDS PARENT` with the descriptors on
 * 3, 4, ...; parbench-worker's side loads the executor's plugin file
 * again and runs its helper() operation.
 */
#ifndef PARBENCH_RUN_HELPER_H
#define PARBENCH_RUN_HELPER_H

#include <stddef.h>
#include <sys/types.h>

/* The cell process's parbench-worker and its executor's plugin file, for
 * helper_spawn (both borrowed: they live as long as the cell process). */
void helper_set_cell(const char *program, const char *plugin);

/* host->helper_spawn: starts the helper with fds[0 .. nfds) on its
 * descriptors 3, 4, ...  Returns its pid, or -1 with err. */
pid_t helper_spawn(const int *fds, unsigned nfds, char *err, size_t errlen);

/* parbench-worker --helper: argv[0 .. argc) are the arguments after
 * "--helper" (PLUGIN NFDS PARENT).  Returns the exit status: the
 * plugin's helper()'s, PB_EXIT_USAGE for arguments that do not add up
 * or a plugin without helper() (said on stderr), 1 when the parent is
 * gone already. */
int helper_main(int argc, char **argv);

#endif /* PARBENCH_RUN_HELPER_H */
