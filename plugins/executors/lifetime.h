/* SPDX-License-Identifier: MIT */
/*
 * lifetime.h - the `lifetime` parameter of the thread executors (pthread,
 * gil) and the process executors (fork, posix_spawn, forkserver):
 * `repetition` starts new workers every repetition, `cell` keeps a pool
 * started in the cell's first repetition (threads: before it) across all
 * of them.
 */
#ifndef PARBENCH_PLUGINS_LIFETIME_H
#define PARBENCH_PLUGINS_LIFETIME_H

#include <parbench/plugin.h>

#include <string.h>

static const char *const lifetime_choices[] = {"repetition", "cell", NULL};

/* The parameter table entry. */
#define LIFETIME_PARAM                                                         \
    {                                                                          \
        .name = "lifetime", .type = PB_PARAM_ENUM, .def = "repetition",        \
        .choices = lifetime_choices,                                           \
        .help =                                                                \
            "repetition: new workers every repetition; cell: a pool kept "     \
            "across the cell's repetitions (threads start before the first, "  \
            "processes in it)"                                                 \
    }

/* 1 when `params` (of a table with LIFETIME_PARAM) says cell. */
static inline int lifetime_is_cell(const struct pb_host *host,
                                   const struct pb_params *params) {
    return strcmp(host->param_string(params, "lifetime"), "cell") == 0;
}

#endif /* PARBENCH_PLUGINS_LIFETIME_H */
