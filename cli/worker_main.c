/* SPDX-License-Identifier: MIT */
/*
 * worker_main.c - parbench-worker: one worker of a job in a fresh process.
 * It reads a start record and the workload spec from its standard input,
 * loads the workload plugin, re-creates the workload state with create()
 * (the real cost of "spawn", which shows in startup_s), runs the core's
 * worker loop and streams results back in frames, many to a write: all of
 * it core/run/worker_proc.c, which the `forkserver` executor runs without
 * an exec.  The protocol is documented in include/parbench/worker.h so
 * that any executor that starts fresh processes can use this program.
 */
#include <stdio.h>
#include <string.h>

#include "run/helper.h"
#include "run/worker_proc.h"
#include "util/errors.h"
#include "version.h"

static const char usage[] =
    "Usage: parbench-worker (started by parbench, not by hand)\n"
    "       parbench-worker --helper PLUGIN NFDS PARENT\n"
    "\n"
    "Runs one worker of a parbench job in a fresh process: reads a start\n"
    "record and a workload spec on standard input, writes result frames on\n"
    "descriptor 3.  The protocol is described in <parbench/worker.h>.\n"
    "With --helper it is a helper process of a cell's executor (the\n"
    "forkserver's server): it loads the executor plugin PLUGIN and runs its\n"
    "helper() with NFDS descriptors from 3 on, while the process PARENT\n"
    "lives (host->helper_spawn in <parbench/plugin.h>).\n";

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--helper") == 0)
            return helper_main(argc - 2, argv + 2);
        if (strcmp(argv[1], "--version") == 0) {
            printf("parbench-worker %s\n", PB_VERSION);
            return 0;
        }
        fputs(usage, strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return strcmp(argv[1], "--help") == 0 ? 0 : PB_EXIT_USAGE;
    }
    worker_proc_main();
}
