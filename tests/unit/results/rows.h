/* SPDX-License-Identifier: MIT */
/*
 * rows.h - results rows made in memory for the tests of summaries,
 * verdicts and comparisons (header-only: static functions).
 */
#ifndef PARBENCH_TEST_ROWS_H
#define PARBENCH_TEST_ROWS_H

#include <stdlib.h>
#include <string.h>

#include "results/results.h"

struct rows {
    struct result_row r[256];
    size_t n;
};

/* Appends one ok row (status ok) with wall time `wall` and pss `pss`;
 * repetitions count up per call. */
static void rows_add(struct rows *rs, const char *workload,
                     const char *executor, unsigned workers, double wall,
                     uint64_t pss) {
    struct result_row *r = &rs->r[rs->n++];
    memset(r, 0, sizeof *r);
    r->run_id = strdup("run");
    r->started_at = strdup("2026-11-25T08:17:57Z");
    r->host = strdup("host");
    r->workload = strdup(workload);
    r->workload_params = strdup("tasks=8");
    r->executor = strdup(executor);
    r->error = strdup("");
    r->workers = workers;
    r->tasks = 8;
    r->schedule = PB_SCHEDULE_DYNAMIC;
    r->repetition = (unsigned)rs->n;
    r->m.status = ROW_OK;
    r->m.wall_s = wall;
    r->m.startup_s = wall / 100.0;
    r->m.pss_kib = pss;
    r->m.has_checksum = 1;
}

/* Appends one row per value of walls[0..n-1]. */
static void rows_add_all(struct rows *rs, const char *workload,
                         const char *executor, unsigned workers,
                         const double *walls, size_t n, uint64_t pss) {
    for (size_t i = 0; i < n; i++)
        rows_add(rs, workload, executor, workers, walls[i], pss);
}

static void rows_free(struct rows *rs) {
    for (size_t i = 0; i < rs->n; i++)
        results_row_free(&rs->r[i]);
    rs->n = 0;
}

#endif /* PARBENCH_TEST_ROWS_H */
