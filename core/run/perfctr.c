/* SPDX-License-Identifier: MIT */
/*
 * perfctr.c - see perfctr.h.
 */
#include "run/perfctr.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int perfctr_open_sw(uint64_t config, char *why, size_t whylen) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = PERF_TYPE_SOFTWARE;
    a.config = config;
    a.inherit = 1;    /* threads and children created from now on */
    a.exclude_hv = 1; /* migrations happen in the kernel: keep it  */
    long fd = syscall(SYS_perf_event_open, &a, 0, -1, -1,
                      (unsigned long)PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
        int paranoid = 0, have = f && fscanf(f, "%d", &paranoid) == 1;
        if (f)
            fclose(f);
        if (have)
            snprintf(why, whylen,
                     "perf_event_open refused: %s "
                     "(kernel.perf_event_paranoid = %d)",
                     strerror(e), paranoid);
        else
            snprintf(why, whylen, "perf_event_open refused: %s", strerror(e));
        return -1;
    }
    return (int)fd;
}

int perfctr_read(int fd, uint64_t *v) {
    if (fd < 0)
        return -1;
    uint64_t x;
    ssize_t n;
    while ((n = read(fd, &x, sizeof x)) < 0 && errno == EINTR)
        ;
    if (n != (ssize_t)sizeof x)
        return -1;
    *v = x;
    return 0;
}

uint64_t perfctr_delta(int ok_before, uint64_t before, int ok_after,
                       uint64_t after) {
    if (!ok_before || !ok_after || after < before)
        return UINT64_MAX;
    return after - before;
}
