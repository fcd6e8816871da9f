/* SPDX-License-Identifier: MIT */
/*
 * server_proc.h - the built-in HTTP server as a child process of the
 * runner, for configs whose values contain ${server}.
 *
 * The runner calls server_proc_prepare() before each cell: the first cell
 * whose workload or executor has a string parameter containing ${server}
 * starts the parbench-server program (the one `parbench serve` runs) with
 * --port 0 --ready-fd FD, in its own process group, killed with the
 * runner by PR_SET_PDEATHSIG; reads the bound port from the pipe FD (no
 * sleeps, no guessed ports), and has the plan replace ${server} by
 * http://127.0.0.1:PORT in the parameter values of every instance
 * (plan_substitute; the canonical parameter text, the CSV's
 * workload_params and what --resume matches, keeps the literal
 * ${server}).  server_proc_stop() ends the server; the runner calls it on
 * every way out of a run.
 *
 * Runner only, single-threaded.  Cell processes are forked after the
 * substitution, so they see the substituted values.
 */
#ifndef PARBENCH_SERVER_PROC_H
#define PARBENCH_SERVER_PROC_H

#include <stddef.h>
#include <sys/types.h>

#include "config/config.h"
#include "config/plan.h"

/* The plan variable replaced by the server's URL: ${server}. */
#define SERVER_PROC_VAR "server"

struct server_proc {
    pid_t pid;     /* the server, 0 when none is running            */
    int pidfd;     /* pidfd of pid, or -1                           */
    unsigned port; /* bound port once running                       */
    char url[64];  /* "http://127.0.0.1:PORT"                        */
    int failed;    /* a start was tried and failed: error says why  */
    char error[512];
};

void server_proc_init(struct server_proc *sp);

/*
 * Make sure the server runs if cell `c` of `plan` needs it: start it on
 * the first call that needs it (with cfg's latency and rate) and have
 * the plan substitute ${server} in every instance (plan_substitute).  A
 * failed start is not retried.  Unless quiet, one line on stderr names the URL
 * and pid. Returns 0 (running, or not needed), or PB_EIO with the reason in
 * err: the cell cannot run.
 */
int server_proc_prepare(struct server_proc *sp, struct plan *plan,
                        const struct plan_cell *c, const struct cfg_server *cfg,
                        int quiet, char *err, size_t errlen);

/* SIGTERM, wait up to 5 s for a clean exit, then SIGKILL; reaps it.  Safe
 * to call when nothing runs. */
void server_proc_stop(struct server_proc *sp);

#endif /* PARBENCH_SERVER_PROC_H */
