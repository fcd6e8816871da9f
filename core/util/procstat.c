/* SPDX-License-Identifier: MIT */
/*
 * procstat.c - /proc/stat and the interference arithmetic (procstat.h).
 */
#include "util/procstat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int procstat_parse(const char *text, struct procstat *out) {
    memset(out, 0, sizeof *out);
    const char *line = text;
    while (line && strncmp(line, "cpu ", 4) != 0) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    if (!line)
        return -1;
    /* Older kernels have fewer fields: at least user..idle must be there. */
    uint64_t v[8] = {0};
    int n = sscanf(line + 4,
                   "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
                   " %" SCNu64 " %" SCNu64 " %" SCNu64,
                   &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    if (n < 4)
        return -1;
    out->user = v[0];
    out->nice = v[1];
    out->system = v[2];
    out->idle = v[3];
    out->iowait = v[4];
    out->irq = v[5];
    out->softirq = v[6];
    out->steal = v[7];
    out->valid = 1;
    return 0;
}

int procstat_read(const char *path, struct procstat *out) {
    memset(out, 0, sizeof *out);
    int fd = open(path ? path : "/proc/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* The aggregate line comes first: the start of the file is enough. */
    char buf[1024];
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    return procstat_parse(buf, out);
}

uint64_t procstat_busy(const struct procstat *s) {
    return s->user + s->nice + s->system + s->irq + s->softirq;
}

void procstat_interference(const struct procstat *a, const struct procstat *b,
                           long ticks_per_s, double own_cpu_s, double *other_s,
                           double *steal_s) {
    *other_s = *steal_s = NAN;
    if (!a->valid || !b->valid || ticks_per_s <= 0)
        return;
    uint64_t busy_a = procstat_busy(a), busy_b = procstat_busy(b);
    if (busy_b < busy_a || b->steal < a->steal)
        return;
    double tick = 1.0 / (double)ticks_per_s;
    double other = (double)(busy_b - busy_a) * tick - own_cpu_s;
    *other_s = other > 0 ? other : 0;
    *steal_s = (double)(b->steal - a->steal) * tick;
}
