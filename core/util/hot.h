/* SPDX-License-Identifier: MIT */
/*
 * hot.h - PB_HOT marks the code that every worker process runs, from its
 * start to its last result: the start record and spec, the workload's
 * re-creation, the job and its shared page, the worker loop, the frames.
 * GCC and Clang put hot functions in .text.hot sections, which the linker
 * gathers, so that a new process runs that path on a few pages of code
 * instead of one or two pages per function: every page a new process
 * touches first costs it time, about 5 us on the paravirtualised guest of
 * docs/performance.md ("The pages a new worker touches").  It changes no
 * behaviour; other compilers may ignore it.
 */
#ifndef PARBENCH_HOT_H
#define PARBENCH_HOT_H

#if defined(__GNUC__)
#define PB_HOT __attribute__((hot))
#else
#define PB_HOT
#endif

#endif /* PARBENCH_HOT_H */
