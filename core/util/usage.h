/* SPDX-License-Identifier: MIT */
/* usage.h - what every parbench program says the same way: the version
 * line and usage errors. */
#ifndef PARBENCH_USAGE_H
#define PARBENCH_USAGE_H

/* "parbench VERSION (commit C, plugin ABI N)" on stdout. */
void usage_print_version(void);

/* "parbench VERB: <message>" and a pointer to VERB --help on stderr;
 * returns PB_EXIT_USAGE for the caller to return. */
int usage_error(const char *verb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* PARBENCH_USAGE_H */
