/* SPDX-License-Identifier: MIT */
/*
 * machine.h - the state of the machine a run measures on: frequency
 * governors, turbo/boost, SMT, virtual machine, load average, the busiest
 * other processes, perf_event_paranoid and ASLR.  Read from /proc and
 * /sys under a root directory (""; a fake tree in the tests), recorded in
 * the run metadata and turned into one warning per problem before the
 * first cell.  Nothing here changes the machine: parbench is not a tuning
 * tool.  docs/reporting.md "The machine's state".
 */
#ifndef PARBENCH_MACHINE_H
#define PARBENCH_MACHINE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/cpus.h"

#define MACHINE_MAX_CPUS 1024
#define MACHINE_BUSIEST 3

/* One process as the busiest-process sample saw it. */
struct machine_proc {
    long pid;
    char comm[32];
    double cpu; /* CPUs it used during the sample: 1.0 = one whole CPU */
};

/* A sample of the busiest processes other than parbench's own. */
struct machine_load {
    int valid;                   /* 0: not taken                              */
    double load1, load5, load15; /* /proc/loadavg; NAN when unreadable    */
    double others_cpu;           /* CPUs every other process used together    */
    size_t nbusiest;
    struct machine_proc busiest[MACHINE_BUSIEST]; /* highest cpu first    */
};

struct machine {
    unsigned ncpu; /* CPUs seen under /sys/devices/system/cpu (cpuN)   */
    /* governor[i]: cpuI's scaling_governor, "" when it has none (no
     * cpufreq: a virtual machine, a container). */
    char governor[MACHINE_MAX_CPUS][24];
    int turbo; /* 1 on, 0 off, -1 not known                  */
    int smt;   /* 1 active, 0 off, -1 not known              */
    int vm;    /* 1 the CPU says a hypervisor runs it, 0 not, -1 unknown */
    int perf_event_paranoid; /* -1000: not known                           */
    int aslr;                /* randomize_va_space 0, 1, 2; -1 not known    */
    struct machine_load start, end;
    struct cpus_topology topo; /* cores, SMT siblings, caches, nodes   */
};

/* Reads every static item (not the load) under root ("" for the real
 * machine) into *m. */
void machine_read(const char *root, struct machine *m);

/* Samples the load: /proc/loadavg, then the CPU time of every process in
 * /proc twice, `interval_ns` apart (0: no sleep, as the tests use with
 * two fake trees given as root and root2), and keeps the busiest other
 * than pid `self` and its descendants. */
void machine_sample_load(const char *root, const char *root2, pid_t self,
                         uint64_t interval_ns, long ticks_per_s,
                         struct machine_load *out);

/* The warnings of a machine's state, one per problem, each a sentence
 * naming what is wrong, what it does to the numbers and where to read
 * more; into out[0..max-1] (len bytes each).  Returns how many. */
#define MACHINE_WARN_LEN 400
size_t machine_warnings(const struct machine *m, char out[][MACHINE_WARN_LEN],
                        size_t max);

#endif /* PARBENCH_MACHINE_H */
