/* SPDX-License-Identifier: MIT */
/* usage.c - the version line and usage errors of every parbench program. */
#include "util/usage.h"

#include <stdarg.h>
#include <stdio.h>

#include <parbench/plugin.h>

#include "commit.h"
#include "util/errors.h"
#include "version.h"

void usage_print_version(void) {
    printf("parbench %s (commit %s, plugin ABI %d)\n", PB_VERSION,
           PB_GIT_COMMIT, PB_ABI_VERSION);
}

int usage_error(const char *verb, const char *fmt, ...) {
    fprintf(stderr, "parbench %s: ", verb);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'parbench %s --help'.\n", verb);
    return PB_EXIT_USAGE;
}
