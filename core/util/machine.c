/* SPDX-License-Identifier: MIT */
/*
 * machine.c - the machine's state (machine.h).  Every read is of a small
 * text file; a file that is missing leaves its item "not known".
 */
#include "util/machine.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* 1 when ROOT/proc/cpuinfo has the `hypervisor` flag, 0 when it has flags
 * without it, -1 when it cannot tell. */
static int read_vm(const char *root) {
    char path[4096], line[8192];
    snprintf(path, sizeof path, "%s/proc/cpuinfo", root);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int vm = -1;
    while (vm != 1 && fgets(line, sizeof line, f)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        vm = 0;
        for (char *t = strtok(strchr(line, ':') ? strchr(line, ':') + 1 : line,
                              " \t\n");
             t; t = strtok(NULL, " \t\n"))
            if (strcmp(t, "hypervisor") == 0)
                vm = 1;
    }
    fclose(f);
    return vm;
}

void machine_read(const char *root, struct machine *m) {
    memset(m, 0, sizeof *m);
    m->turbo = m->smt = -1;
    m->perf_event_paranoid = -1000;
    m->aslr = -1;
    m->start.load1 = m->start.load5 = m->start.load15 = NAN;
    m->end = m->start;
    char rel[128], buf[64];
    /* The CPUs seen (cpuN directories) are the topology's. */
    cpus_read_topology(root, &m->topo);
    m->ncpu = m->topo.ncpu < MACHINE_MAX_CPUS ? m->topo.ncpu : MACHINE_MAX_CPUS;
    for (unsigned i = 0; i < m->ncpu; i++) {
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cpufreq/scaling_governor", i);
        if (cpus_read_line(root, rel, buf, sizeof buf) == 0)
            snprintf(m->governor[i], sizeof m->governor[i], "%s", buf);
    }
    int v;
    /* intel_pstate says "no turbo"; acpi-cpufreq and amd say "boost". */
    if (cpus_read_int(root, "/sys/devices/system/cpu/intel_pstate/no_turbo",
                      &v) == 0)
        m->turbo = v == 0;
    else if (cpus_read_int(root, "/sys/devices/system/cpu/cpufreq/boost", &v) ==
             0)
        m->turbo = v != 0;
    if (cpus_read_int(root, "/sys/devices/system/cpu/smt/active", &v) == 0)
        m->smt = v != 0;
    m->vm = read_vm(root);
    if (cpus_read_int(root, "/proc/sys/kernel/perf_event_paranoid", &v) == 0)
        m->perf_event_paranoid = v;
    if (cpus_read_int(root, "/proc/sys/kernel/randomize_va_space", &v) == 0)
        m->aslr = v;
}

/* ------------------------------------------------------------------------ */
/* The busiest processes                                                    */
/* ------------------------------------------------------------------------ */

struct tick {
    long pid, ppid;
    unsigned long long ticks; /* utime + stime */
    char comm[32];
};

static int cmp_pid(const void *a, const void *b) {
    long x = ((const struct tick *)a)->pid, y = ((const struct tick *)b)->pid;
    return (x > y) - (x < y);
}

/* Every process of ROOT/proc with its CPU ticks, sorted by pid (malloc'd). */
static struct tick *snapshot(const char *root, size_t *n) {
    char path[4096];
    snprintf(path, sizeof path, "%s/proc", root);
    *n = 0;
    DIR *d = opendir(path);
    if (!d)
        return NULL;
    size_t cap = 256;
    struct tick *t = malloc(cap * sizeof *t);
    struct dirent *e;
    while (t && (e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0)
            continue;
        char rel[64], line[1024];
        snprintf(rel, sizeof rel, "/proc/%ld/stat", pid);
        if (cpus_read_line(root, rel, line, sizeof line) < 0)
            continue;
        char *open = strchr(line, '('), *close = strrchr(line, ')');
        if (!open || !close || close < open)
            continue;
        struct tick k;
        memset(&k, 0, sizeof k);
        k.pid = pid;
        size_t clen = (size_t)(close - open - 1);
        if (clen >= sizeof k.comm)
            clen = sizeof k.comm - 1;
        memcpy(k.comm, open + 1, clen);
        unsigned long long ut = 0, st = 0;
        /* After ") ": state ppid pgrp session tty tpgid flags minflt
         * cminflt majflt cmajflt utime stime. */
        if (sscanf(close + 1,
                   " %*c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
                   &k.ppid, &ut, &st) != 3)
            continue;
        k.ticks = ut + st;
        if (*n == cap) {
            struct tick *bigger = realloc(t, 2 * cap * sizeof *t);
            if (!bigger)
                break;
            t = bigger;
            cap *= 2;
        }
        t[(*n)++] = k;
    }
    closedir(d);
    if (t)
        qsort(t, *n, sizeof *t, cmp_pid);
    return t;
}

void machine_sample_load(const char *root, const char *root2, pid_t self,
                         uint64_t interval_ns, long ticks_per_s,
                         struct machine_load *out) {
    memset(out, 0, sizeof *out);
    out->load1 = out->load5 = out->load15 = NAN;
    char buf[256];
    const char *now = root2 ? root2 : root;
    if (cpus_read_line(now, "/proc/loadavg", buf, sizeof buf) == 0 &&
        sscanf(buf, "%lf %lf %lf", &out->load1, &out->load5, &out->load15) != 3)
        out->load1 = out->load5 = out->load15 = NAN;
    size_t na, nb;
    struct tick *a = snapshot(root, &na);
    uint64_t t0 = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t0 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    if (interval_ns) {
        struct timespec req = {(time_t)(interval_ns / 1000000000u),
                               (long)(interval_ns % 1000000000u)};
        while (nanosleep(&req, &req) < 0 && errno == EINTR)
            ;
    }
    struct tick *b = snapshot(now, &nb);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    uint64_t t1 = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    /* The tests' fake trees take no time: they count one second. */
    double secs = interval_ns ? (double)(t1 - t0) / 1e9 : 1.0;
    if (a && b && ticks_per_s > 0 && secs > 0) {
        out->valid = 1;
        for (size_t i = 0; i < nb; i++) {
            if (b[i].pid == (long)self || b[i].ppid == (long)self)
                continue;
            struct tick *old = bsearch(&b[i], a, na, sizeof *a, cmp_pid);
            if (!old || b[i].ticks < old->ticks)
                continue;
            double cpu =
                (double)(b[i].ticks - old->ticks) / (double)ticks_per_s / secs;
            if (cpu <= 0)
                continue;
            out->others_cpu += cpu;
            /* Insert into the top list, highest first. */
            size_t k = out->nbusiest < MACHINE_BUSIEST ? out->nbusiest++
                                                       : MACHINE_BUSIEST;
            while (k > 0 && out->busiest[k - 1].cpu < cpu) {
                if (k < MACHINE_BUSIEST)
                    out->busiest[k] = out->busiest[k - 1];
                k--;
            }
            if (k < MACHINE_BUSIEST) {
                out->busiest[k].pid = b[i].pid;
                snprintf(out->busiest[k].comm, sizeof out->busiest[k].comm,
                         "%s", b[i].comm);
                out->busiest[k].cpu = cpu;
            }
        }
    }
    free(a);
    free(b);
}

/* ------------------------------------------------------------------------ */
/* Warnings                                                                 */
/* ------------------------------------------------------------------------ */

/* The share of the machine other processes used, above which the run
 * starts on a busy machine: a fifth of one CPU. */
#define MACHINE_BUSY_CPU 0.2

size_t machine_warnings(const struct machine *m, char out[][MACHINE_WARN_LEN],
                        size_t max) {
    size_t n = 0;
    /* One warning per governor other than performance, naming its CPUs. */
    unsigned char done[MACHINE_MAX_CPUS] = {0};
    for (unsigned i = 0; i < m->ncpu && n < max; i++) {
        const char *g = m->governor[i];
        if (!g[0] || done[i] || strcmp(g, "performance") == 0)
            continue;
        unsigned char set[MACHINE_MAX_CPUS] = {0};
        for (unsigned j = i; j < m->ncpu; j++)
            if (strcmp(m->governor[j], g) == 0)
                set[j] = done[j] = 1;
        char cpus[256];
        cpus_format_list(set, m->ncpu, cpus, sizeof cpus);
        snprintf(out[n++], MACHINE_WARN_LEN,
                 "governor '%s' on cpu%s: frequencies will drift with load "
                 "and temperature; the 'performance' governor keeps them "
                 "steady (docs/reporting.md, \"The machine's state\")",
                 g, cpus);
    }
    if (n < max && m->turbo == 1)
        snprintf(out[n++], MACHINE_WARN_LEN,
                 "turbo boost is on: the clock depends on temperature and on "
                 "how many cores are busy, so more workers run at a lower "
                 "frequency; switching it off makes runs comparable "
                 "(docs/reporting.md, \"The machine's state\")");
    const struct machine_load *l = &m->start;
    if (n < max && l->valid && l->others_cpu >= MACHINE_BUSY_CPU) {
        char who[256] = "";
        size_t used = 0;
        for (size_t i = 0; i < l->nbusiest; i++) {
            int w =
                snprintf(who + used, sizeof who - used, "%s%s (pid %ld) %.0f%%",
                         i ? ", " : "", l->busiest[i].comm, l->busiest[i].pid,
                         l->busiest[i].cpu * 100.0);
            if (w < 0 || (size_t)w >= sizeof who - used)
                break;
            used += (size_t)w;
        }
        snprintf(out[n++], MACHINE_WARN_LEN,
                 "other processes used %.0f%% of a CPU before the run (load "
                 "average %.2f; busiest: %s): they compete with the workers; "
                 "other_cpu_s records how much per repetition",
                 l->others_cpu * 100.0, l->load1, who[0] ? who : "-");
    }
    if (n < max && m->vm == 1)
        snprintf(out[n++], MACHINE_WARN_LEN,
                 "this is a virtual machine: the hypervisor may give its CPUs "
                 "to other guests; steal_s records how much per repetition");
    return n;
}
