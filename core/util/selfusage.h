/* SPDX-License-Identifier: MIT */
/*
 * selfusage.h - what a process that the coordinator does not reap within a
 * repetition measures of itself (a pooled worker process, an MPI rank),
 * in the counters of struct pb_worker_usage, and those counters back as a
 * struct rusage for host->job_self_usage.  Header-only: the process
 * executor plugins and the core's worker programs share it without
 * linking anything of the core.
 */
#ifndef PARBENCH_SELFUSAGE_H
#define PARBENCH_SELFUSAGE_H

#include <parbench/worker.h>

#include <string.h>
#include <sys/resource.h>

/* getrusage(RUSAGE_SELF) since *base into u's CPU time, context switches
 * and faults, and the peak RSS; *base becomes now.  pss_kib and uss_kib
 * are left as they are. */
static inline void selfusage_since(struct pb_worker_usage *u,
                                   struct rusage *base) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    u->user_us =
        (uint64_t)((r.ru_utime.tv_sec - base->ru_utime.tv_sec) * 1000000L +
                   (r.ru_utime.tv_usec - base->ru_utime.tv_usec));
    u->sys_us =
        (uint64_t)((r.ru_stime.tv_sec - base->ru_stime.tv_sec) * 1000000L +
                   (r.ru_stime.tv_usec - base->ru_stime.tv_usec));
    u->nvcsw = (uint64_t)(r.ru_nvcsw - base->ru_nvcsw);
    u->nivcsw = (uint64_t)(r.ru_nivcsw - base->ru_nivcsw);
    u->minflt = (uint64_t)(r.ru_minflt - base->ru_minflt);
    u->majflt = (uint64_t)(r.ru_majflt - base->ru_majflt);
    u->maxrss_kib = (uint64_t)r.ru_maxrss;
    *base = r;
}

/* u's counters as a struct rusage (ru_maxrss included). */
static inline void selfusage_rusage(const struct pb_worker_usage *u,
                                    struct rusage *ru) {
    memset(ru, 0, sizeof *ru);
    ru->ru_utime.tv_sec = (time_t)(u->user_us / 1000000);
    ru->ru_utime.tv_usec = (suseconds_t)(u->user_us % 1000000);
    ru->ru_stime.tv_sec = (time_t)(u->sys_us / 1000000);
    ru->ru_stime.tv_usec = (suseconds_t)(u->sys_us % 1000000);
    ru->ru_nvcsw = (long)u->nvcsw;
    ru->ru_nivcsw = (long)u->nivcsw;
    ru->ru_minflt = (long)u->minflt;
    ru->ru_majflt = (long)u->majflt;
    ru->ru_maxrss = (long)u->maxrss_kib;
}

#endif /* PARBENCH_SELFUSAGE_H */
