/* SPDX-License-Identifier: MIT */
/*
 * spec.h - the serialised workload spec a spawned worker re-creates the
 * workload from: the plugin file and every parameter's canonical value.
 *
 * Text, one record per line:
 *
 *     parbench-spec 1
 *     plugin /usr/lib/parbench/plugins/workload-http-download.so
 *     param url http://127.0.0.1:8080/bytes/1KiB?seed=1;x=2
 *     param files 8
 *     end
 *
 * A value is everything after "param KEY " up to the end of the line, so
 * ';', '=' and spaces need no escaping.  A backslash escapes: "\\" is a
 * backslash, "\n" a newline, "\xHH" any other byte below 0x20 or 0x7f.
 * Every other byte (UTF-8 included) is written as it is.  A NUL byte
 * cannot be represented (parameter values are C strings).
 */
#ifndef PARBENCH_SPEC_H
#define PARBENCH_SPEC_H

#include <stddef.h>

#include "config/params.h"

#define SPEC_VERSION_LINE "parbench-spec 1"

struct spec_param {
    char *key, *value; /* owned */
};

struct worker_spec {
    char *plugin;              /* owned: the plugin file               */
    struct spec_param *params; /* owned, in spec order                 */
    size_t count;
};

/* The spec of plugin file `plugin_path` with the set values of `ps`
 * (borrowed; may be NULL) in table order.  *out is malloc'd and
 * NUL-terminated, *len excludes the NUL.  Returns 0 or PB_ENOMEM. */
int spec_build(const char *plugin_path, const struct pb_params *ps, char **out,
               size_t *len);

/* Parse `len` bytes (need not be NUL-terminated).  On error: PB_EINVAL and
 * a sentence naming the line, e.g. "spec line 3: unknown escape '\q'";
 * PB_ENOMEM.  Free *out with spec_free (also after an error). */
int spec_parse(const char *buf, size_t len, struct worker_spec *out, char *err,
               size_t errlen);

void spec_free(struct worker_spec *s);

#endif /* PARBENCH_SPEC_H */
