/* SPDX-License-Identifier: MIT */
/*
 * units.h - scalar values as the INI, the CLI and the server read them:
 * integers, numbers, booleans, sizes ("64KiB") and durations ("50ms"),
 * and their canonical text.  The whole string must match; surrounding
 * blanks are allowed.
 */
#ifndef PARBENCH_UNITS_H
#define PARBENCH_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Why a text did not scan: bad syntax, out of range, or (sizes and
 * durations) a fraction finer than one byte or one nanosecond.  Callers
 * that word their own messages use the units_scan_* forms. */
enum units_scan { UNITS_OK = 0, UNITS_SYNTAX, UNITS_RANGE, UNITS_FRACTION };

enum units_scan units_scan_int(const char *text, int64_t *out);
enum units_scan units_scan_uint(const char *text, uint64_t *out);
enum units_scan units_scan_float(const char *text, double *out);
enum units_scan units_scan_bool(const char *text, int *out);
enum units_scan units_scan_size(const char *text, uint64_t *out);
enum units_scan units_scan_duration(const char *text, uint64_t *out_ns);

/* The first character of s that is not a blank. */
const char *units_skip_blanks(const char *s);
/* 1 if s holds nothing but blanks. */
int units_only_blanks(const char *s);

/* The same, returning 0 or PB_EINVAL. */
int parse_int(const char *text, int64_t *out);   /* decimal, overflow-checked */
int parse_uint(const char *text, uint64_t *out); /* no sign, overflow-checked */
int parse_float(const char *text, double *out);  /* finite only              */
int parse_bool(const char *text, int *out); /* true/false yes/no on/off 1/0   */
/* "4096", "64KiB", "64K", "1MiB", "1M", "2GiB", "1TiB" (binary), "1kB",
 * "1MB", "1GB" (decimal), "B" suffix allowed; case-insensitive units;
 * overflow-checked. */
int parse_size(const char *text, uint64_t *out);
/* "250ns", "100us", "50ms", "2s", "1.5s", "1m", "1h"; a bare number is
 * seconds.  Result in nanoseconds, overflow-checked. */
int parse_duration(const char *text, uint64_t *out_ns);

/* Canonical text of a size / duration, e.g. 65536 -> "64KiB", 50e6 -> "50ms".
 * Writes into buf (always NUL-terminated). */
void format_size(uint64_t bytes, char *buf, size_t len);
void format_duration(uint64_t ns, char *buf, size_t len);

#endif /* PARBENCH_UNITS_H */
