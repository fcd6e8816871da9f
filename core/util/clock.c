/* SPDX-License-Identifier: MIT */
/* clock.c - monotonic and wall clocks in nanoseconds. */
#include "util/clock.h"
#include "util/hot.h"

#include <time.h>

PB_HOT uint64_t clock_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int64_t clock_unix_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
