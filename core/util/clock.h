/* SPDX-License-Identifier: MIT */
/*
 * clock.h - the two clocks of parbench: a monotonic one for every
 * duration that is measured or waited for, and the wall clock for the
 * timestamps written into results and metadata.
 */
#ifndef PARBENCH_CLOCK_H
#define PARBENCH_CLOCK_H

#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds: durations, deadlines. */
uint64_t clock_mono_ns(void);

/* CLOCK_REALTIME in nanoseconds since the epoch: timestamps. */
int64_t clock_unix_ns(void);

#endif /* PARBENCH_CLOCK_H */
