/* SPDX-License-Identifier: MIT */
/* info.h - `parbench list` and `parbench describe`. */
#ifndef PARBENCH_CLI_INFO_H
#define PARBENCH_CLI_INFO_H

#include <stdio.h>

#include "config/loader.h"

/* The plugin path of `list` and `describe` (no config): warnings about its
 * directories go to errf as "parbench VERB: warning: ...".  Returns 0 or
 * PB_ENOMEM. */
int cli_path_init(struct loader_path *sp, const char *verb, FILE *errf);

/* Table of every plugin on the path, resolved as `run` resolves them:
 * kind, name, summary, file.  Broken, misnamed and shadowed files are
 * warnings on errf; *broken is the number of broken files (that failed to
 * load), and when there are any a last line on errf says so.  0 or a
 * PB_E* code. */
int cli_list(const struct loader_path *sp, FILE *out, FILE *errf,
             size_t *broken);
/* What `list` says on errf when the mpi executor is not among the plugins
 * (`found` 0): why, when parbench was built without Open MPI (`built`
 * 0); nothing otherwise (an mpi plugin that was built but is not on the
 * path is like any other missing plugin). */
void cli_note_mpi(FILE *errf, int found, int built);
/* A plugin's parameters: name, type, default, bounds or choices, help.
 * NAME may be a workload or an executor name (both are shown if both
 * exist).  Unknown: message on errf with did-you-mean and the misnamed
 * files skipped, PB_ENOENT.  A broken plugin: the loader's message,
 * PB_EPLUGIN (`parbench describe` exits 2 for both, like `check`). */
int cli_describe(const struct loader_path *sp, const char *name, FILE *out,
                 FILE *errf);

#endif /* PARBENCH_CLI_INFO_H */
