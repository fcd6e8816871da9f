/* SPDX-License-Identifier: MIT */
/*
 * helper.c - a helper process of the cell's executor, exec'd afresh
 * (host->helper_spawn, ABI 2.5).  `forkserver` starts its server this
 * way: a fresh parbench-worker holds the executor's plugin and libc, not
 * the cell process's configuration, plan and heap, so each fork it makes
 * copies a small address space (as Python's forkserver is a fresh
 * interpreter).  The helper dies with the cell process (PR_SET_PDEATHSIG)
 * and its host offers what a fork of the cell offers its forks:
 * worker_main, worker_spec and worker_job (run/worker_proc.c).
 */
#include "run/helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <parbench/plugin.h>

#include "config/loader.h"
#include "run/host.h"
#include "run/worker_proc.h"
#include "util/errors.h"

extern char **environ;

static const char *cell_program; /* parbench-worker's path, or ""   */
static const char *cell_plugin;  /* the executor's plugin file      */

void helper_set_cell(const char *program, const char *plugin) {
    cell_program = program;
    cell_plugin = plugin;
}

/* The descriptors, first moved at or above this number (close-on-exec),
 * so that no dup2 onto 3 .. 3 + nfds - 1 overwrites one still to be
 * placed. */
#define HIGH_FD (3 + (int)PB_HELPER_FDS)

pid_t helper_spawn(const int *fds, unsigned nfds, char *err, size_t errlen) {
    if (!cell_plugin || !cell_program) {
        snprintf(err, errlen, "no helper can be started outside a cell");
        return -1;
    }
    if (!cell_program[0]) {
        snprintf(err, errlen,
                 "parbench-worker was not found beside parbench "
                 "or in its libexec directory");
        return -1;
    }
    if (nfds == 0 || nfds > PB_HELPER_FDS) {
        snprintf(err, errlen, "%u descriptors for a helper (1 to %u)", nfds,
                 PB_HELPER_FDS);
        return -1;
    }
    int high[PB_HELPER_FDS];
    unsigned moved = 0;
    for (; moved < nfds; moved++) {
        high[moved] = fcntl(fds[moved], F_DUPFD_CLOEXEC, HIGH_FD);
        if (high[moved] < 0)
            break;
    }
    pid_t pid = -1;
    if (moved < nfds) {
        snprintf(err, errlen, "cannot pass descriptor %d to a helper: %s",
                 fds[moved], strerror(errno));
    } else {
        char n[16], parent[24];
        snprintf(n, sizeof n, "%u", nfds);
        snprintf(parent, sizeof parent, "%ld", (long)getpid());
        char *argv[] = {(char *)"parbench-worker",
                        (char *)"--helper",
                        (char *)cell_plugin,
                        n,
                        parent,
                        NULL};
        posix_spawn_file_actions_t fa;
        int rc = posix_spawn_file_actions_init(&fa);
        if (rc == 0) {
            rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY,
                                                  0);
            for (unsigned k = 0; k < nfds && rc == 0; k++)
                rc = posix_spawn_file_actions_adddup2(&fa, high[k], 3 + (int)k);
            if (rc == 0)
                rc = posix_spawn_file_actions_addclosefrom_np(&fa,
                                                              3 + (int)nfds);
            if (rc == 0 && (rc = posix_spawn(&pid, cell_program, &fa, NULL,
                                             argv, environ)) != 0)
                pid = -1;
            posix_spawn_file_actions_destroy(&fa);
        }
        if (rc != 0)
            snprintf(err, errlen, "%s: %s", cell_program, strerror(rc));
    }
    for (unsigned k = 0; k < moved; k++)
        close(high[k]);
    return pid;
}

/* A whole decimal number in [lo, hi], or -1. */
static long number(const char *s, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && v >= lo && v <= hi ? v
                                                                        : -1;
}

int helper_main(int argc, char **argv) {
    /* Die with the cell; checked against PARENT below, since the cell may
     * have died before this line. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    long nfds = argc == 3 ? number(argv[1], 1, PB_HELPER_FDS) : -1;
    long parent = argc == 3 ? number(argv[2], 1, INT_MAX) : -1;
    if (nfds < 0 || parent < 0) {
        fprintf(stderr,
                "parbench-worker: --helper takes PLUGIN NFDS PARENT (NFDS 1 to "
                "%u; started by parbench, not by hand)\n",
                PB_HELPER_FDS);
        return PB_EXIT_USAGE;
    }
    if (getppid() != (pid_t)parent)
        return 1;
    /* Loaded for the process's life: it exits with the plugin mapped. */
    static struct loaded_plugin lp;
    char err[512];
    if (loader_open(argv[0], PB_KIND_EXECUTOR, NULL, &lp, err, sizeof err) <
        0) {
        fprintf(stderr, "parbench-worker: --helper: %s\n", err);
        return PB_EXIT_USAGE;
    }
    if (!lp.executor.helper) {
        fprintf(stderr,
                "parbench-worker: --helper: %s: the executor `%s` has no "
                "helper() operation (plugin ABI 2.5)\n",
                argv[0], lp.desc->name);
        return PB_EXIT_USAGE;
    }
    static struct host_instance hi;
    host_init(&hi, lp.desc->name);
    host_set_role(&hi, PB_ROLE_WORKER);
    hi.host.worker_main = worker_proc_main;
    hi.host.worker_spec = worker_proc_spec;
    hi.host.worker_job = worker_proc_job;
    return lp.executor.helper(&hi.host, (unsigned)nfds);
}
