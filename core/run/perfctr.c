/* SPDX-License-Identifier: MIT */
/*
 * perfctr.c - see perfctr.h.
 */
#include "run/perfctr.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "results/results.h"

/* Indexed by enum run_counter. */
static const struct {
    uint32_t type;
    uint64_t config;
} events[RUN_COUNTERS] = {
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS},
    {PERF_TYPE_HARDWARE, PERF_COUNT_HW_CACHE_MISSES},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK},
    {PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS},
};

static int open_one(unsigned i, int group) {
    struct perf_event_attr a;
    memset(&a, 0, sizeof a);
    a.size = sizeof a;
    a.type = events[i].type;
    a.config = events[i].config;
    a.disabled = 1;
    a.inherit = 1;    /* threads and children created from now on      */
    a.exclude_hv = 1; /* the kernel's part (faults, migrations) counts */
    a.read_format =
        PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    return (int)syscall(SYS_perf_event_open, &a, 0, -1, group,
                        (unsigned long)PERF_FLAG_FD_CLOEXEC);
}

/* Why counter i could not be opened (errno e), as a sentence. */
static void explain(unsigned i, int e, char *why, size_t len) {
    FILE *f = fopen("/proc/sys/kernel/perf_event_paranoid", "re");
    int paranoid = 0, have = f && fscanf(f, "%d", &paranoid) == 1;
    if (f)
        fclose(f);
    const char *name = run_counter_names[i];
    if (e == ENOENT || e == EOPNOTSUPP)
        snprintf(why, len,
                 "perf_event_open(%s): %s: this CPU, or the virtual machine, "
                 "gives no %s counter",
                 name, strerror(e),
                 events[i].type == PERF_TYPE_HARDWARE ? "hardware" : "such");
    else if (e == ENOSYS)
        snprintf(why, len,
                 "perf_event_open(%s): %s: the kernel has no perf events "
                 "(or a seccomp filter hides them)",
                 name, strerror(e));
    else if (have)
        snprintf(why, len,
                 "perf_event_open(%s) refused: %s "
                 "(kernel.perf_event_paranoid = %d; a seccomp filter or a "
                 "container may also refuse it)",
                 name, strerror(e), paranoid);
    else
        snprintf(why, len, "perf_event_open(%s) refused: %s", name,
                 strerror(e));
}

unsigned perfctr_open(struct perfctr_set *s, unsigned mask,
                      char why[RUN_COUNTERS][PERFCTR_WHY]) {
    unsigned opened = 0;
    int leader = -1; /* of the hardware group */
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        s->fd[i] = -1;
        why[i][0] = '\0';
        if (!(mask & (1u << i)))
            continue;
        int hw = events[i].type == PERF_TYPE_HARDWARE;
        int fd = open_one(i, hw ? leader : -1);
        /* A group the PMU cannot hold whole: on its own (multiplexed). */
        if (fd < 0 && hw && leader >= 0)
            fd = open_one(i, -1);
        if (fd < 0) {
            explain(i, errno, why[i], PERFCTR_WHY);
            continue;
        }
        if (hw && leader < 0)
            leader = fd;
        s->fd[i] = fd;
        opened |= 1u << i;
    }
    return opened;
}

void perfctr_close(struct perfctr_set *s) {
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        if (s->fd[i] >= 0)
            close(s->fd[i]);
        s->fd[i] = -1;
    }
}

static void set_enabled(const struct perfctr_set *s, int on) {
    for (unsigned i = 0; i < RUN_COUNTERS; i++)
        if (s->fd[i] >= 0)
            (void)ioctl(s->fd[i],
                        on ? PERF_EVENT_IOC_ENABLE : PERF_EVENT_IOC_DISABLE, 0);
}

void perfctr_enable(const struct perfctr_set *s) { set_enabled(s, 1); }
void perfctr_disable(const struct perfctr_set *s) { set_enabled(s, 0); }

void perfctr_read_all(const struct perfctr_set *s,
                      struct perfctr_reading r[RUN_COUNTERS]) {
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        uint64_t x[3];
        ssize_t n = -1;
        if (s->fd[i] >= 0)
            while ((n = read(s->fd[i], x, sizeof x)) < 0 && errno == EINTR)
                ;
        r[i].ok = n == (ssize_t)sizeof x;
        r[i].value = r[i].ok ? x[0] : 0;
        r[i].enabled = r[i].ok ? x[1] : 0;
        r[i].running = r[i].ok ? x[2] : 0;
    }
}

uint64_t perfctr_delta(const struct perfctr_reading *before,
                       const struct perfctr_reading *after, int *scaled) {
    *scaled = 0;
    if (!before->ok || !after->ok || after->value < before->value ||
        after->enabled < before->enabled || after->running < before->running)
        return RESULTS_NO_VALUE;
    uint64_t v = after->value - before->value;
    uint64_t en = after->enabled - before->enabled;
    uint64_t run = after->running - before->running;
    if (run == 0) /* never on the PMU while enabled: nothing to tell */
        return RESULTS_NO_VALUE;
    if (run >= en)
        return v;
    *scaled = 1;
    double x = (double)v * ((double)en / (double)run);
    return x >= 1.8e19 ? RESULTS_NO_VALUE : (uint64_t)(x + 0.5);
}
