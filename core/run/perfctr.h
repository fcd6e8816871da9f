/* SPDX-License-Identifier: MIT */
/*
 * perfctr.h - the perf_event_open counters of [run] counters (cycles,
 * instructions, cache misses, task-clock, CPU migrations) of the cell
 * process and every thread and process it starts afterwards (inherit),
 * read around each repetition.  Linux only.  Where the kernel refuses a
 * counter (no PMU in a virtual machine, perf_event_paranoid, a seccomp
 * filter, no perf support) it is absent and says why; the row's cells
 * stay empty.
 *
 * The arithmetic (deltas, scaling for multiplexing) is apart from
 * the system calls so that it can be tested on any machine.
 */
#ifndef PARBENCH_PERFCTR_H
#define PARBENCH_PERFCTR_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"

#define PERFCTR_WHY 200

/* The open counters of one process: fd -1 where a counter is absent. */
struct perfctr_set {
    int fd[RUN_COUNTERS];
};

/* One reading: the count and, for multiplexing, the time the counter was
 * enabled and the time it actually ran on the PMU (ns).  ok 0: no
 * reading (absent counter, failed read). */
struct perfctr_reading {
    int ok;
    uint64_t value, enabled, running;
};

/*
 * Opens the counters of `mask` (1u << COUNTER_x) on the calling process,
 * disabled, counting it and every thread and child it creates after this
 * call (inherit; a child's counts are added when it exits), user and
 * kernel, close-on-exec.  The hardware counters (cycles, instructions,
 * cache misses) form one group, so that they are scheduled on the PMU
 * together.  Returns the mask of the counters opened; why[i] says why
 * counter i of `mask` was not ("" for the others).
 */
unsigned perfctr_open(struct perfctr_set *s, unsigned mask,
                      char why[RUN_COUNTERS][PERFCTR_WHY]);
void perfctr_close(struct perfctr_set *s);

/* Start and stop counting (PERF_EVENT_IOC_ENABLE / _DISABLE). */
void perfctr_enable(const struct perfctr_set *s);
void perfctr_disable(const struct perfctr_set *s);

/* Every counter of s now into r[RUN_COUNTERS]. */
void perfctr_read_all(const struct perfctr_set *s,
                      struct perfctr_reading r[RUN_COUNTERS]);

/*
 * The count between two readings, scaled for multiplexing: when the
 * counter ran only part of the time it was enabled (more events than
 * PMU registers), delta value x delta enabled / delta running, and
 * *scaled set to 1 (else 0).  RESULTS_NO_VALUE (an empty cell) when a
 * reading is missing, the counter went backwards, or it never ran in
 * between (not enabled, or never given a PMU register: nothing to scale
 * from): a missing value is never a zero.
 */
uint64_t perfctr_delta(const struct perfctr_reading *before,
                       const struct perfctr_reading *after, int *scaled);

#endif /* PARBENCH_PERFCTR_H */
