/* SPDX-License-Identifier: MIT */
/*
 * params.h - typed plugin parameters: parsing a value by its parameter
 * table entry, worker lists, and the core-side store of a plugin's
 * validated parameters.  Scalar values themselves are read by util/units.h.
 *
 * Functions return 0 on success or a negative PB_E* code with a sentence in
 * the caller's `err` buffer.  Sentences name the key and what would fix it;
 * the caller prefixes "file:line: ".
 */
#ifndef PARBENCH_PARAMS_H
#define PARBENCH_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include <parbench/plugin.h>

#include "util/units.h"

/* The largest worker count a config may ask for: every worker is a thread
 * or a process of this machine. */
#define PB_MAX_WORKERS 4096u

/* Comma-separated worker list "1, 2, ncpu": each item an integer >= 1 or
 * "ncpu" (replaced by `ncpu`).  *out is malloc'd (caller frees); duplicates
 * are kept in order of first appearance only once. */
int parse_workers_list(const char *text, unsigned ncpu, unsigned **out,
                       size_t *count, char *err, size_t errlen);

/* Name of a type for messages and `describe`: "integer", "size", ... */
const char *param_type_name(enum pb_param_type type);

/* One parsed value. */
struct param_value {
    int set;    /* 1 once a value (default or given) is stored          */
    int64_t i;  /* PB_PARAM_INT                                         */
    uint64_t u; /* UINT, SIZE (bytes), DURATION (ns), ENUM (index)      */
    double f;   /* FLOAT                                                */
    int b;      /* BOOL                                                 */
    char *text; /* canonical text (owned); STRING value; ENUM choice    */
};

/* Parse `text` as a value of parameter `p`, including bounds and choices.
 * On error, err says e.g. "limit: '12x' is not an unsigned integer" or
 * "method: 'trail' is not one of trial, sieve; did you mean 'trial'?".
 * out->text is malloc'd on success. */
int param_parse(const struct pb_param *p, const char *text,
                struct param_value *out, char *err, size_t errlen);

/* The sentence for a key `table` (NULL-terminated; NULL: no keys) lacks:
 * "unknown key 'KEY'; did you mean 'K'?", else "...; valid keys are A, B"
 * naming every key, or "...; this plugin takes no parameters".  Returns
 * PB_EINVAL, or PB_ENOMEM with "out of memory" in err. */
int params_unknown_key(const struct pb_param *table, const char *key, char *err,
                       size_t errlen);

/* Check a plugin's table: names [a-z0-9_]+ and unique, known types, enum
 * choices present, defaults and bounds parse and defaults within bounds. */
int params_check_table(const struct pb_param *table, char *err, size_t errlen);

/* The validated values for one plugin instance (struct pb_params of the
 * public header).  The table is borrowed from the plugin descriptor. */
struct pb_params {
    const struct pb_param *table; /* borrowed, or = owned_table; may be
                                     NULL (no params)                    */
    size_t count;
    struct param_value *values;   /* count entries, owned                */
    struct pb_param *owned_table; /* params_own_table's copy, or NULL   */
};

/* New set holding the defaults of `table` (NULL table: empty set). */
struct pb_params *params_new(const struct pb_param *table);
void params_free(struct pb_params *ps);
/* Replace the borrowed table by a deep copy owned by ps, so that the
 * plugin it came from can be unloaded; values stay.  0 or PB_ENOMEM. */
int params_own_table(struct pb_params *ps);
/* Set key = text.  Unknown key: error with a did-you-mean suggestion. */
int params_set(struct pb_params *ps, const char *key, const char *text,
               char *err, size_t errlen);
/* After all params_set calls: error if a required parameter is unset. */
int params_finish(const struct pb_params *ps, char *err, size_t errlen);
/* Index of `key` in the table, or -1. */
int params_index(const struct pb_params *ps, const char *key);
/* Canonical "key=value;key=value" of every parameter in table order
 * (malloc'd).  params_set on a fresh set with these pairs recreates it. */
char *params_canonical(const struct pb_params *ps);
/* The same text with n pairs keys[i]=values[i] first (the core's own keys
 * of an instance, e.g. an executor's schedule): the CSV's executor_params.
 * malloc'd, or NULL when out of memory. */
char *params_canonical_with(const char *const *keys, const char *const *values,
                            size_t n, const struct pb_params *ps);

/* Host-table getters (see struct pb_host): abort the process with a
 * message on an unknown name or a type mismatch (a plugin bug). */
/* A plugin bug found by a getter (a name not in the table, the wrong
 * getter for the type): `msg` says which call and why.  The process that
 * called the getter ends after the handler (abort() when it returns), so
 * the handler records who asked: the cell process notes the plugin for the
 * row's error, the runner prints it and exits 2.  Default: none (the
 * message goes to stderr). */
typedef void params_bug_fn(const struct pb_params *ps, const char *msg);
void params_on_bug(params_bug_fn *fn);

int64_t params_get_int(const struct pb_params *ps, const char *name);
uint64_t params_get_uint(const struct pb_params *ps, const char *name);
double params_get_float(const struct pb_params *ps, const char *name);
int params_get_bool(const struct pb_params *ps, const char *name);
const char *params_get_string(const struct pb_params *ps, const char *name);

#endif /* PARBENCH_PARAMS_H */
