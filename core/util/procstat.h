/* SPDX-License-Identifier: MIT */
/*
 * procstat.h - the machine's CPU time from /proc/stat, and the
 * interference arithmetic of a repetition: how much CPU the rest of the
 * machine used while it was measured (other_cpu_s) and how much a
 * hypervisor stole (steal_s).  docs/reporting.md "Interference".
 */
#ifndef PARBENCH_PROCSTAT_H
#define PARBENCH_PROCSTAT_H

#include <stddef.h>
#include <stdint.h>

/* The aggregate "cpu" line of /proc/stat, in clock ticks (USER_HZ). */
struct procstat {
    int valid; /* 0: not read (no /proc, a line that does not scan)       */
    uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
};

/* The "cpu " line of the text of a /proc/stat file into *out.  Returns 0,
 * or -1 (out->valid 0) when there is none or it does not scan. */
int procstat_parse(const char *text, struct procstat *out);

/* Reads `path` (NULL: /proc/stat) into *out; 0 or -1 as procstat_parse. */
int procstat_read(const char *path, struct procstat *out);

/* CPU time the machine spent busy in ticks: user, nice, system, irq and
 * softirq (guest time is inside user and nice; idle, iowait and steal
 * are not busy). */
uint64_t procstat_busy(const struct procstat *s);

/*
 * The interference of an interval from snapshot a to b, in seconds, with
 * `ticks_per_s` clock ticks per second (sysconf(_SC_CLK_TCK)) and own_cpu_s
 * the CPU time (user + system) the measured processes used in it:
 * *other_s = busy time of the machine minus own_cpu_s, never below 0 (the
 * tick-sampled total and the measured processes' own time differ by up to
 * a tick per CPU); *steal_s = steal time.  Both NAN when either snapshot
 * is not valid, or b is earlier than a.
 */
void procstat_interference(const struct procstat *a, const struct procstat *b,
                           long ticks_per_s, double own_cpu_s, double *other_s,
                           double *steal_s);

#endif /* PARBENCH_PROCSTAT_H */
