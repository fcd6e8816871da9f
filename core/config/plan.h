/* SPDX-License-Identifier: MIT */
/*
 * plan.h - from a checked config to the list of cells to run: plugins
 * loaded and every parameter validated against its table, before anything
 * runs.  A cell is workload instance x executor instance x workers.
 */
#ifndef PARBENCH_PLAN_H
#define PARBENCH_PLAN_H

#include <stddef.h>

#include "config/config.h"
#include "config/loader.h"
#include "config/params.h"
#include "config/plugin_host.h"
#include "util/cpus.h"

struct plan_instance {
    const char *name;            /* borrowed from the config section   */
    struct loaded_plugin plugin; /* owned; unloaded by plan_unload     */
    enum pb_kind kind;
    char *plugin_name;         /* owned copy of the descriptor's name */
    char *file;                /* owned copy of the plugin's path     */
    struct pb_params *params;  /* owned, validated                   */
    char *canonical;           /* owned: params_canonical()          */
    struct host_instance host; /* the table this plugin is handed    */
    enum pb_schedule schedule; /* executors: `schedule` or [run]'s   */
    uint64_t ballast;          /* executors: `ballast` bytes, 0: none */
    struct affinity *affinity; /* executors: `affinity` (owned), NULL:
                                  none                                  */
    char *exec_params;         /* executors: the CSV's executor_params:
                                  schedule, ballast and affinity, then
                                  `canonical` (owned)                  */
};

/* A key the core reads in every [executor.NAME] section (one of
 * PB_RESERVED_PARAMS): how it is parsed into the instance, how it is
 * written in the CSV's executor_params, and how `parbench describe` shows
 * it.  plan_executor_keys lists them in the order of executor_params. */
struct plan_core_key {
    const char *name;
    enum pb_param_type type;
    const char *default_text; /* `describe`'s DEFAULT                  */
    const char *values;       /* `describe`'s RANGE                    */
    const char *help;         /* `describe`'s HELP                     */
    /* Sets the instance's field from text; 0, or -1 with a sentence
     * that starts with the key's name in msg. */
    int (*parse)(struct plan_instance *inst, const char *text, char *msg,
                 size_t len);
    /* The value as executor_params writes it, into buf. */
    void (*format)(const struct plan_instance *inst, char *buf, size_t len);
};
extern const struct plan_core_key plan_executor_keys[];
extern const size_t plan_executor_nkeys;

struct plan_cell {
    size_t workload, executor; /* indexes into the instance arrays   */
    unsigned workers;
    enum pb_schedule schedule;
};

/* --only: terms KEY=VALUE separated by commas; KEY is workload, executor,
 * workers or schedule.  Terms with the same key are alternatives (OR),
 * different keys must all match (AND). */
struct only_term {
    char *key, *value; /* owned */
};
struct only_filter {
    struct only_term *terms; /* owned */
    size_t count;
};

int only_parse(struct only_filter *f, const char *expr, char *err,
               size_t errlen);
void only_free(struct only_filter *f);

struct plan {
    struct loader_path path;
    struct plan_instance *workloads, *executors; /* owned */
    size_t nworkloads, nexecutors;
    struct plan_cell *cells; /* owned */
    size_t ncells;
};

/* Load and validate everything `cfg` names, then expand the cells (serial
 * executors only at 1 worker) and keep those `only` (may be NULL)
 * matches.  `host_init` fills each instance's host table (run/host.h's
 * host_init) before the plugins' checks see it.  A relative [run]
 * plugin_path entry is taken relative to the config file's directory;
 * `warn` (may be NULL) gets the loader's warnings (missing plugin
 * directories, shadowed plugins).  Errors: "FILE:LINE:
 * [section] ..." in err, PB_ECONFIG or PB_EPLUGIN; an --only matching no
 * cell is an error too.  On success and on failure alike, plan_free
 * frees what was built. */
int plan_build(struct plan *plan, const struct config *cfg,
               const struct only_filter *only, host_init_fn *host_init,
               loader_warn_fn *warn, char *err, size_t errlen);
void plan_free(struct plan *plan);

/*
 * Plan variables: "${NAME}" in a string parameter value, replaced once the
 * value is known (the runner's built-in server: ${server}, see
 * run/server_proc.h).  `var` is NAME, without "${" and "}".
 */
/* 1 if a string parameter value of cell c's workload or executor holds
 * ${var}, else 0. */
int plan_cell_uses(const struct plan *plan, const struct plan_cell *c,
                   const char *var);
/* Replaces ${var} by `value` (borrowed) in every string parameter value of
 * every instance, workloads first.  The canonical text (the CSV's
 * workload_params, what --resume matches) keeps the literal ${var}.
 * Returns 0, or PB_ENOMEM / a params_set error with "substituting ${var}
 * in INSTANCE.KEY: ..." in err; the instances before that one stay
 * substituted. */
int plan_substitute(struct plan *plan, const char *var, const char *value,
                    char *err, size_t errlen);

/* In the runner, once everything is validated: copy what the plan still
 * needs out of the plugins (parameter tables, names) and unload them all,
 * so that each cell process, forked from the runner, maps only the two
 * plugins it loads again with plan_load_cell.  Returns 0 or PB_ENOMEM. */
int plan_unload(struct plan *plan);
/* In a cell process: load the workload and executor of cell c again.
 * Returns 0, or negative with a sentence in err. */
int plan_load_cell(struct plan *plan, const struct plan_cell *c, char *err,
                   size_t errlen);

#endif /* PARBENCH_PLAN_H */
