/* info.h - `parbench list` and `parbench describe`. */
#ifndef PARBENCH_CLI_INFO_H
#define PARBENCH_CLI_INFO_H

#include <stdio.h>

#include "config/loader.h"

/* Table of every plugin on the path: kind, name, summary, file. */
int cli_list(const struct loader_path *sp, FILE *out, FILE *errf);
/* A plugin's parameters: name, type, default, bounds or choices, help.
 * NAME may be a workload or an executor name (both are shown if both
 * exist).  Unknown: message on errf with did-you-mean, PB_ENOENT. */
int cli_describe(const struct loader_path *sp, const char *name, FILE *out,
                 FILE *errf);

#endif /* PARBENCH_CLI_INFO_H */
