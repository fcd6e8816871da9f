/*
 * results.h - the CSV contract of DESIGN.md: one row per measured
 * repetition, the header, formatting and reading rows back.
 */
#ifndef PARBENCH_RESULTS_H
#define PARBENCH_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <parbench/plugin.h>

enum row_status {
    ROW_OK = 0,
    ROW_FAILED,     /* verification or a task error                   */
    ROW_CRASHED,    /* a worker or the cell died                      */
    ROW_TIMEOUT,    /* the repetition exceeded [run] timeout          */
    ROW_INTERRUPTED /* Ctrl-C                                         */
};

#define RESULTS_COLUMNS 24
/* The header, exactly as DESIGN.md fixes it, in order. */
extern const char *const results_header[RESULTS_COLUMNS];

/*
 * The measured part of a row: what the cell process reports for one
 * repetition (run/cell.h), or what the runner sets for a row it writes
 * itself (timeout, crash, interruption).
 */
struct row_measure {
    enum row_status status;
    double wall_s, startup_s, user_s, sys_s;
    uint64_t peak_rss_kib, pss_kib;
    uint64_t ctx_voluntary, ctx_involuntary;
    uint64_t ipc_bytes, items;
    int has_checksum;  /* 0: the checksum cell is empty              */
    uint64_t checksum; /* written as 0x%llx                          */
};

struct result_row {
    char *run_id;     /* owned strings; NULL reads as empty        */
    char *started_at; /* ISO 8601 UTC, e.g. 2026-11-25T08:17:57Z   */
    char *host;
    char *workload;        /* instance name                             */
    char *workload_params; /* canonical key=value;key=value             */
    char *executor;        /* instance name                             */
    unsigned workers;
    uint64_t tasks;
    enum pb_schedule schedule;
    unsigned repetition;  /* 1-based                                   */
    struct row_measure m; /* status, times, memory, counters, checksum */
    double items_per_s;   /* m.items / m.wall_s; 0 when wall_s is 0    */
    char *error;          /* empty when status is ok                   */
};

const char *row_status_name(enum row_status s); /* "ok", "failed", ... */
int row_status_parse(const char *text,
                     enum row_status *out); /* 0 / PB_EINVAL */

/* Write the header line.  Returns 0 or PB_EIO. */
int results_write_header(FILE *f);
/* Write one row (numbers plain, '.' decimal point whatever the locale,
 * 6 decimals for seconds) and fflush it.  Returns 0 or PB_EIO. */
int results_write_row(FILE *f, const struct result_row *row);

/* Read every row of a results file; the header must match exactly.
 * *rows is malloc'd (free with results_free).  Errors name FILE:LINE. */
int results_read(const char *path, struct result_row **rows, size_t *count,
                 char *err, size_t errlen);
void results_row_free(struct result_row *row); /* frees the strings only */
void results_free(struct result_row *rows, size_t count);

#endif /* PARBENCH_RESULTS_H */
