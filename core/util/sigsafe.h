/* SPDX-License-Identifier: MIT */
/*
 * sigsafe.h - text built without stdio, for code that may run in a signal
 * handler or between fork() and _exit(): the worker loop's failure
 * messages in forked workers, the cell process's crash note.  Every
 * function is async-signal-safe and never writes past `cap`.
 */
#ifndef PARBENCH_SIGSAFE_H
#define PARBENCH_SIGSAFE_H

#include <stddef.h>
#include <stdint.h>

/* Appends the string s to dst[at ..] (at most up to cap); returns the new
 * length.  No terminating NUL is written. */
size_t sigsafe_str(char *dst, size_t cap, size_t at, const char *s);
/* Appends v in decimal, likewise. */
size_t sigsafe_u64(char *dst, size_t cap, size_t at, uint64_t v);
/* Appends "SIGSEGV" and the like for the crash signals, else "signal N". */
size_t sigsafe_signal(char *dst, size_t cap, size_t at, int sig);

#endif /* PARBENCH_SIGSAFE_H */
