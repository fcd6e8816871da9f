/* SPDX-License-Identifier: MIT */
/*
 * json.h - the few pieces needed to write JSON by hand (the summary in
 * --format json and the run-metadata sidecar): strings with proper
 * escaping and numbers that are always valid JSON.  Writing only; parbench
 * never reads JSON.
 */
#ifndef PARBENCH_JSON_H
#define PARBENCH_JSON_H

#include <stdio.h>

/* Writes `text` (borrowed; NULL writes null) as a JSON string: quotes,
 * backslash and control characters escaped (\n \t ... or \u00XX), the C1
 * controls U+0080..U+009F too (\u0080..\u009f: a terminal may act on
 * them), bytes that are not valid UTF-8 replaced by U+FFFD so the output
 * stays valid JSON, DEL and other non-ASCII UTF-8 passed through.  Returns 0 or
 * PB_EIO. */
int json_write_string(FILE *f, const char *text);

/* Writes a double with up to 9 significant digits (%.9g, '.' as the
 * decimal point whatever the locale), or null when v is NAN or infinite,
 * which JSON cannot express.  Returns 0 or PB_EIO. */
int json_write_number(FILE *f, double v);

/* Writes `prefix` (borrowed; a separator and a key, e.g. ", \"ratio\": ")
 * and then v as json_write_number does.  Returns 0 or PB_EIO. */
int json_write_member(FILE *f, const char *prefix, double v);

#endif /* PARBENCH_JSON_H */
