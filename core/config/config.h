/* SPDX-License-Identifier: MIT */
/*
 * config.h - the INI configuration (read with inih) as generic sections and
 * entries that remember their line, plus the validated [run] section.
 *
 * config_load() checks the structure and [run]/[server]; plugin sections are
 * checked later against each plugin's parameter table (plan.c), using the
 * line numbers kept here.  Every error sentence starts with "FILE:LINE: ".
 */
#ifndef PARBENCH_CONFIG_H
#define PARBENCH_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <parbench/plugin.h>

/* Where a value came from: "FILE:LINE" or "--set" (for messages). */
struct cfg_entry {
    char *key;   /* owned */
    char *value; /* owned, blanks trimmed */
    int line;    /* 1-based line in the file, 0 for --set               */
};

enum cfg_section_kind { CFG_RUN, CFG_SERVER, CFG_WORKLOAD, CFG_EXECUTOR };

struct cfg_section {
    enum cfg_section_kind kind;
    char *name; /* owned: instance name for workload/executor ("small-primes"),
                   "run" / "server" otherwise */
    char *plugin; /* owned: `plugin =` value, or a copy of name; workload
                     and executor only (the entry is removed from entries) */
    int line;     /* line of the [section] header, 0 if made by --set   */
    struct cfg_entry *entries; /* owned, in file order, keys unique      */
    size_t count;
};

/* [run] order: how the repetitions of the cells follow each other
 * (docs/reporting.md "Order"). */
enum run_order {
    ORDER_INTERLEAVED = 0, /* rounds: repetition k of every cell, shuffled */
    ORDER_GROUPED,         /* every repetition of a cell, then the next    */
    ORDER_RANDOM           /* each repetition from a random cell           */
};

/* [run] counters: the perf_event_open counters a run may count, in the
 * order of their CSV columns (cpu_migrations came first, with the page
 * faults).  Indexed by enum run_counter; a set of them is a bit mask of
 * 1u << COUNTER_x. */
enum run_counter {
    COUNTER_CYCLES = 0,
    COUNTER_INSTRUCTIONS,
    COUNTER_CACHE_MISSES,
    COUNTER_TASK_CLOCK,
    COUNTER_CPU_MIGRATIONS,
    RUN_COUNTERS
};
/* The names [run] counters takes, indexed by enum run_counter: the one
 * list of them (the parser, its messages, perfctr.c and the sidecar read
 * it). */
extern const char *const run_counter_names[RUN_COUNTERS];
/* `counters = basic` (the default): every counter of the set. */
#define COUNTERS_BASIC ((1u << RUN_COUNTERS) - 1u)

struct cfg_run {
    unsigned *workers; /* owned; "ncpu" resolved                      */
    size_t nworkers;
    /* Measured repetitions per cell: `repetitions = N` (default 5), or
     * with `repetitions = auto` the most a cell may take (max_repetitions). */
    unsigned repetitions;
    int auto_repetitions;      /* repetitions = auto                      */
    double precision;          /* auto: relative half-width of the 95% CI of
                                  the median to reach; default 0.01        */
    unsigned min_repetitions;  /* auto: default 5                         */
    unsigned max_repetitions;  /* auto: default 30, >= min_repetitions     */
    uint64_t budget_ns;        /* auto: the run's wall time; 0 = none      */
    enum run_order order;      /* default interleaved                     */
    int seed_given;            /* seed = N was written; else seed is drawn */
    uint64_t seed;             /* the order's seed when seed_given        */
    unsigned warmup;           /* default 1                                  */
    uint64_t timeout_ns;       /* per repetition, default 60s; > 0           */
    enum pb_schedule schedule; /* default dynamic                       */
    char *output;              /* owned; default "results.csv"               */
    char *plugin_path;         /* owned; ':'-separated, or NULL              */
    unsigned counters;         /* 1u << COUNTER_x; default COUNTERS_BASIC    */
    int memory; /* [run] memory: 1 (default) samples each repetition's PSS
                   and USS while the workers live; 0: no sampling */
};

struct cfg_server {
    uint64_t latency_ns; /* default 0                                  */
    uint64_t rate;       /* bytes/s per connection, 0 = unlimited      */
};

struct config {
    char *path; /* owned, as given                            */
    char *text; /* owned: the file's full text                */
    struct cfg_section *sections; /* owned, in file order                */
    size_t count;
    struct cfg_run run;
    struct cfg_server server;
};

/* One --set SECTION.KEY=VALUE, e.g. "run.repetitions=1" or
 * "workload.prime-count.limit=1000" (the key is after the last dot). */
struct cfg_override {
    const char *text; /* borrowed */
};

/*
 * Read and check `path`, then apply the overrides in order (an override of
 * a section that does not exist creates it, so --set can add an executor).
 * `ncpu` resolves "ncpu" in [run] workers.  Returns 0, or PB_ECONFIG with
 * "FILE:LINE: what is wrong; what would fix it" in err (unknown sections,
 * unknown [run]/[server] keys with did-you-mean, duplicate keys or sections,
 * bad values, lines over 199 characters, section names over 49 characters,
 * no workload or no executor section).
 */
int config_load(struct config *cfg, const char *path,
                const struct cfg_override *sets, size_t nsets, unsigned ncpu,
                char *err, size_t errlen);
void config_free(struct config *cfg);

/* "FILE:LINE" or "--set" for an entry (into buf). */
void config_where(const struct config *cfg, int line, char *buf, size_t len);

/* The keys of the core's own section `name` ("run" or "server"), ending
 * with a NULL name, and in *what a phrase saying what the section is for;
 * NULL for any other name.  What `parbench describe run` prints. */
const struct pb_param *config_section_keys(const char *name, const char **what);

/* "static" or "dynamic" ("unknown" for any other value): the names that
 * [run] schedule, an executor's `schedule` and the CSV's schedule column
 * use. */
const char *schedule_name(enum pb_schedule s);
/* "interleaved", "grouped" or "random" ("unknown" for another value). */
const char *order_name(enum run_order o);
/* The schedule named `text` into *out; 0, or PB_EINVAL for another name. */
int schedule_parse(const char *text, enum pb_schedule *out);
/* A schedule as the INI spells it, by the one rule of [run] schedule and
 * an executor's `schedule =` (like every choice: blanks around it and the
 * letters' case do not matter).  0, or PB_EINVAL with "schedule: 'x' is
 * not one of static, dynamic; did you mean ...?" in err. */
int config_schedule_parse(const char *text, enum pb_schedule *out, char *err,
                          size_t errlen);

/* [run] precision: "1%" or "0.01" (a fraction in (0, 0.5]) into *out; 0,
 * or PB_EINVAL with "precision: ..." and the fix in err. */
int config_precision_parse(const char *text, double *out, char *err,
                           size_t errlen);

/* [run] counters: `off`, `basic` or a comma-separated list of
 * run_counter_names (blanks and case do not matter) into *out, a bit mask
 * (off: 0).  0, or PB_EINVAL with "counters: 'x' is not a counter; ...
 * did you mean ...?" and the valid names in err. */
int config_counters_parse(const char *text, unsigned *out, char *err,
                          size_t errlen);

/* Section lookup by kind and instance name, or NULL. */
const struct cfg_section *config_find(const struct config *cfg,
                                      enum cfg_section_kind kind,
                                      const char *name);

#endif /* PARBENCH_CONFIG_H */
