/* SPDX-License-Identifier: MIT */
/*
 * meta.h - the run-metadata sidecar FILE.meta.json next to a results file
 * FILE: what ran, on what, built how, with which config.
 *
 * The file is one JSON object {"format": "parbench-meta", "format_version":
 * 1, "runs": [...]} with one entry per `parbench run` that wrote to FILE.
 * A fresh run (no --resume, or --force, or no FILE yet) starts a new
 * sidecar; --resume appends an entry.  The entry is written before the
 * first cell (ended_at null) and rewritten in place at the end, so a
 * killed runner still leaves valid JSON.  Main thread only.
 */
#ifndef PARBENCH_META_H
#define PARBENCH_META_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/plan.h"
#include "util/machine.h"

/* The command line of a run as the entry records it (all borrowed).  The
 * runner's options embed it (run/runner.h). */
struct meta_invocation {
    const char *config_path;         /* CONFIG                            */
    const char *summary;             /* --summary FILE, or NULL           */
    const struct cfg_override *sets; /* --set, in order                   */
    size_t nsets;
    const char *const *only; /* --only expressions (OR of ANDs ...)      */
    size_t nonly;
    int resume, force; /* --resume, --force                             */
};

/* A host that ran processes of the run's jobs (MPI ranks): what the
 * entry's "process_hosts" lists, each once. */
struct meta_host {
    char name[64];       /* as the process named it (MPI_Get_processor_name) */
    char cpu_model[128]; /* "" when unknown                                 */
    uint32_t cores;      /* online CPUs; 0 when unknown                     */
};

/* Adds h to hosts[*n] (cap entries) unless an equal entry is there.
 * Returns 1 when added, 0 when known already or the table is full.
 * Inline: the job (core/run/job.c) keeps its hosts with it, and
 * parbench-worker, which links the job, must not pull meta.c (nettle). */
static inline int meta_host_add(struct meta_host *hosts, size_t *n, size_t cap,
                                const struct meta_host *h) {
    for (size_t i = 0; i < *n; i++)
        if (!strcmp(hosts[i].name, h->name) &&
            !strcmp(hosts[i].cpu_model, h->cpu_model) &&
            hosts[i].cores == h->cores)
            return 0;
    if (*n >= cap)
        return 0;
    hosts[(*n)++] = *h;
    return 1;
}

/* What a run entry records besides the machine and the build (all
 * borrowed). */
struct meta_run {
    const char *run_id;
    const char *started_at; /* ISO 8601 UTC                     */
    const char *ended_at;   /* NULL until the run has ended     */
    int exit_status;        /* -1 until the run has ended       */
    int interrupted;
    const char *output;       /* the results file                 */
    size_t cells;             /* cells in the plan                */
    const struct config *cfg; /* after the overrides              */
    /* The command line; NULL records none. */
    const struct meta_invocation *invocation;
    /* The plugins: the effective search path and, per instance, the file
     * it loads and that file's SHA-256; NULL records none. */
    const struct plan *plan;
    /* The order's seed as used (drawn for `seed = auto`); recorded with
     * [run] order, repetitions and, under auto, precision. */
    unsigned long long seed;
    /* The machine's state; NULL records none. */
    const struct machine *machine;
    /* The hosts that ran processes of the jobs (the mpi executor's
     * ranks), each once; none: an empty list. */
    const struct meta_host *hosts;
    size_t nhosts;
    /* [run] counters as the run found them (config.h run_counter_names):
     * counters_probed nonzero records them, each counted (why NULL) or
     * not, with the sentence why its cells are empty. */
    int counters_probed;
    const char *counters_why[RUN_COUNTERS];
};

/* SHA-256 of the file at `path` as 64 lower-case hex digits into hex
 * (65 bytes).  Returns 0, or PB_EIO (hex is then ""). */
int meta_file_sha256(const char *path, char hex[65]);

/* The sidecar is never written in place: each write makes the whole file
 * anew as "FILE.meta.json.tmp" and renames it over the old one, so that
 * a runner killed while writing (SIGKILL, the OOM killer, a full disk)
 * leaves the sidecar as it was, which --resume can still append to. */
struct meta {
    char *path;   /* owned: "FILE.meta.json"                       */
    int append;   /* 1: add an entry to the existing sidecar        */
    int begun;    /* 1: meta_begin wrote this run's entry           */
    char *prefix; /* owned: the file's bytes before this run's entry */
    size_t prefix_len;
};

/*
 * Decides where this run's metadata goes: the sidecar of `csv_path`,
 * appended to when `append` is nonzero and the sidecar exists, else
 * started afresh.  An existing sidecar to append to must look the way
 * meta.c writes it (start and end); otherwise PB_EINVAL with a sentence
 * in err saying how to fix it, and nothing is written.  PB_ENOMEM.
 */
int meta_prepare(struct meta *m, const char *csv_path, int append, char *err,
                 size_t errlen);

/* Writes this run's entry (the run not ended yet).  0 or PB_EIO. */
int meta_begin(struct meta *m, const struct meta_run *run, char *err,
               size_t errlen);

/* Rewrites this run's entry with ended_at and exit_status.  0 or PB_EIO;
 * does nothing when meta_begin did not succeed. */
int meta_end(struct meta *m, const struct meta_run *run, char *err,
             size_t errlen);

void meta_free(struct meta *m);

/* The configuration after the overrides as INI text, one section after
 * another with its entries in order (comments are not kept; the file's
 * own text is recorded separately).  Returns a malloc'd string or NULL. */
char *meta_config_text(const struct config *cfg);

/* The run entry (a JSON object, indented for the runs list) on f; for
 * tests and for meta_begin/meta_end.  Returns 0 or PB_EIO. */
int meta_write_entry(FILE *f, const struct meta_run *run);

/* The CPU model from /proc/cpuinfo into buf; "" when there is none.  Also
 * what parbench-mpi-worker reports of the host a rank runs on. */
void meta_cpu_model(char *buf, size_t len);

#endif /* PARBENCH_META_H */
