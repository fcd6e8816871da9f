/* SPDX-License-Identifier: MIT */
/*
 * cpus.h - CPU lists, the machine's CPU topology from sysfs, and the
 * `affinity` of an executor: which CPU each worker is pinned to.
 *
 * A CPU list is fio's `cpus_allowed` syntax (and the kernel's
 * `cpulist`): CPU numbers and inclusive ranges separated by commas,
 * "0-3,6".  The topology (packages, cores, SMT siblings, caches, NUMA
 * nodes) is read under a root directory ("" for the real machine, a fake
 * tree in the tests), as core/util/machine.c reads the rest of the
 * machine's state.
 */
#ifndef PARBENCH_CPUS_H
#define PARBENCH_CPUS_H

#include <stddef.h>

#define CPUS_MAX 1024
#define CPUS_MAX_CACHES 64
#define CPUS_MAX_NODES 64

/* The first line of ROOT/REL into buf (newline removed); 0, or -1. */
int cpus_read_line(const char *root, const char *rel, char *buf, size_t len);
/* ROOT/REL as an integer; 0, or -1. */
int cpus_read_int(const char *root, const char *rel, int *out);

/* Parses a CPU list into set[0 .. CPUS_MAX-1] (1: in the list).  Returns
 * the number of CPUs in it, or -1 with a sentence in err (what is wrong
 * and how to write it). */
int cpus_parse_list(const char *text, unsigned char set[CPUS_MAX], char *err,
                    size_t errlen);

/* "0-1,3": the CPUs i < n with set[i], as ranges ("" when none). */
void cpus_format_list(const unsigned char *set, unsigned n, char *buf,
                      size_t len);

/* One CPU cache as sysfs describes it (cpuN/cache/indexK), once for all
 * the CPUs that share it. */
struct cpus_cache {
    int level;                 /* 1, 2, 3                               */
    char type[16];             /* Data, Instruction, Unified            */
    unsigned long size_kib;    /* 0: not known                          */
    char shared_cpu_list[128]; /* the CPUs sharing it                   */
};

struct cpus_node {
    int id;
    char cpulist[128];
};

struct cpus_topology {
    unsigned ncpu;                  /* entries of cpu[]: highest cpuN + 1  */
    unsigned char online[CPUS_MAX]; /* 1: online (the `online` list)     */
    int package[CPUS_MAX];          /* physical_package_id; -1 unknown     */
    int core[CPUS_MAX];             /* core_id; -1 unknown                 */
    int smt_rank[CPUS_MAX];         /* place in its thread_siblings_list   */
    unsigned ncores;                /* distinct (package, core) pairs      */
    unsigned npackages;
    struct cpus_cache cache[CPUS_MAX_CACHES];
    unsigned ncaches;
    struct cpus_node node[CPUS_MAX_NODES];
    unsigned nnodes;
};

/* Reads the topology under root ("" for the real machine).  A CPU whose
 * topology files are missing counts as a core of its own. */
void cpus_read_topology(const char *root, struct cpus_topology *t);

/* The thread_siblings_list of cpu (e.g. "0,2"), from the topology. */
void cpus_siblings(const struct cpus_topology *t, unsigned cpu, char *buf,
                   size_t len);

/* An executor's `affinity`. */
enum affinity_policy {
    AFFINITY_NONE = 0, /* the scheduler places workers                  */
    AFFINITY_COMPACT,  /* SMT siblings of a core first, then next core  */
    AFFINITY_SPREAD,   /* one CPU per core, across packages, first      */
    AFFINITY_LIST      /* round robin over a CPU list                   */
};

struct affinity {
    enum affinity_policy policy;
    char text[256];               /* canonical: none, compact, spread, 0-3,6 */
    unsigned ncpus;               /* entries of cpu[]; 0 for none            */
    unsigned short cpu[CPUS_MAX]; /* worker i runs on cpu[i % ncpus]    */
};

/* Parses `affinity = TEXT` against topology t and the CPUs this process
 * may run on (`allowed`, from sched_getaffinity; NULL: every online CPU).
 * Returns 0, or -1 with a sentence in err naming the fix. */
int affinity_parse(const char *text, const struct cpus_topology *t,
                   const unsigned char *allowed, struct affinity *out,
                   char *err, size_t errlen);

/* The CPUs this process may run on, into set; their count (0 when
 * sched_getaffinity fails). */
int cpus_allowed_self(unsigned char set[CPUS_MAX]);

#endif /* PARBENCH_CPUS_H */
