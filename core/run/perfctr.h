/* SPDX-License-Identifier: MIT */
/*
 * perfctr.h - perf_event_open software counters of the cell process and
 * every thread and process it starts afterwards (inherit), read around
 * each repetition.  Linux only; where the kernel refuses (seccomp, a
 * perf_event_paranoid of 3 or more, no perf support) the counter is
 * absent and says why, and the row's cell stays empty.
 */
#ifndef PARBENCH_PERFCTR_H
#define PARBENCH_PERFCTR_H

#include <stddef.h>
#include <stdint.h>

/* Opens the software counter PERF_COUNT_SW_`config` (e.g.
 * PERF_COUNT_SW_CPU_MIGRATIONS) on the calling process, counting it and
 * every thread and child it creates after this call (inherit; children's
 * counts are added when they exit), user and kernel alike, close-on-exec.
 * Returns the descriptor, or -1 with a sentence in why. */
int perfctr_open_sw(uint64_t config, char *why, size_t whylen);

/* The counter's value now into *v: 0, or -1 when it cannot be read. */
int perfctr_read(int fd, uint64_t *v);

/* after - before for a counter that only grows; RESULTS_NO_VALUE-like
 * UINT64_MAX when either reading failed (ok_before/ok_after zero). */
uint64_t perfctr_delta(int ok_before, uint64_t before, int ok_after,
                       uint64_t after);

#endif /* PARBENCH_PERFCTR_H */
