/*
 * results.c - the results CSV of DESIGN.md: header, row formatting and
 * reading rows back (see results.h).
 *
 * Numbers are formatted and parsed under the "C" numeric locale, so a
 * process that called setlocale() still writes '.' as decimal point.
 * Non-finite seconds are written as an empty cell and read back as NAN.
 */
#include "results/results.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "results/csv.h"
#include "util/errors.h"

const char *const results_header[RESULTS_COLUMNS] = {
    "run_id",          "started_at",      "host",
    "workload",        "workload_params", "executor",
    "workers",         "tasks",           "schedule",
    "repetition",      "status",          "wall_s",
    "startup_s",       "user_s",          "sys_s",
    "peak_rss_kib",    "pss_kib",         "ctx_voluntary",
    "ctx_involuntary", "ipc_bytes",       "items",
    "items_per_s",     "checksum",        "error"};

enum col {
    COL_RUN_ID,
    COL_STARTED_AT,
    COL_HOST,
    COL_WORKLOAD,
    COL_WORKLOAD_PARAMS,
    COL_EXECUTOR,
    COL_WORKERS,
    COL_TASKS,
    COL_SCHEDULE,
    COL_REPETITION,
    COL_STATUS,
    COL_WALL_S,
    COL_STARTUP_S,
    COL_USER_S,
    COL_SYS_S,
    COL_PEAK_RSS_KIB,
    COL_PSS_KIB,
    COL_CTX_VOLUNTARY,
    COL_CTX_INVOLUNTARY,
    COL_IPC_BYTES,
    COL_ITEMS,
    COL_ITEMS_PER_S,
    COL_CHECKSUM,
    COL_ERROR
};

static const char *const status_names[] = {"ok", "failed", "crashed", "timeout",
                                           "interrupted"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Names                                                                     */
/* ------------------------------------------------------------------------ */

const char *row_status_name(enum row_status s) {
    if ((unsigned)s < COUNT_OF(status_names))
        return status_names[s];
    return "unknown";
}

int row_status_parse(const char *text, enum row_status *out) {
    for (size_t i = 0; text != NULL && i < COUNT_OF(status_names); i++)
        if (strcmp(text, status_names[i]) == 0) {
            *out = (enum row_status)i;
            return 0;
        }
    return PB_EINVAL;
}

/* ------------------------------------------------------------------------ */
/* The "C" numeric locale, for this thread, for the duration of a call       */
/* ------------------------------------------------------------------------ */

struct c_locale {
    locale_t c, old;
};

/* If the C locale cannot be made (out of memory), the current one stays:
 * output may then use the process's decimal point, nothing worse. */
static void c_locale_enter(struct c_locale *l) {
    l->c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    l->old = l->c != (locale_t)0 ? uselocale(l->c) : (locale_t)0;
}

static void c_locale_leave(struct c_locale *l) {
    if (l->c != (locale_t)0) {
        uselocale(l->old);
        freelocale(l->c);
    }
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */

int results_write_header(FILE *f) {
    if (csv_write_row(f, results_header, RESULTS_COLUMNS) != 0 ||
        fflush(f) != 0)
        return PB_EIO;
    return 0;
}

/* Formats into buf: "%.<decimals>f", or "" for a non-finite value. */
static void fmt_double(char *buf, size_t len, double v, int decimals) {
    if (isfinite(v))
        snprintf(buf, len, "%.*f", decimals, v);
    else
        buf[0] = '\0';
}

int results_write_row(FILE *f, const struct result_row *row) {
    /* Room for any double in %.9f: DBL_MAX has 309 digits. */
    char num[RESULTS_COLUMNS][328];
    const char *cells[RESULTS_COLUMNS];
    struct c_locale loc;

    c_locale_enter(&loc);
    snprintf(num[COL_WORKERS], sizeof num[0], "%u", row->workers);
    snprintf(num[COL_TASKS], sizeof num[0], "%" PRIu64, row->tasks);
    snprintf(num[COL_REPETITION], sizeof num[0], "%u", row->repetition);
    fmt_double(num[COL_WALL_S], sizeof num[0], row->m.wall_s, 9);
    fmt_double(num[COL_STARTUP_S], sizeof num[0], row->m.startup_s, 9);
    fmt_double(num[COL_USER_S], sizeof num[0], row->m.user_s, 6);
    fmt_double(num[COL_SYS_S], sizeof num[0], row->m.sys_s, 6);
    snprintf(num[COL_PEAK_RSS_KIB], sizeof num[0], "%" PRIu64,
             row->m.peak_rss_kib);
    snprintf(num[COL_PSS_KIB], sizeof num[0], "%" PRIu64, row->m.pss_kib);
    snprintf(num[COL_CTX_VOLUNTARY], sizeof num[0], "%" PRIu64,
             row->m.ctx_voluntary);
    snprintf(num[COL_CTX_INVOLUNTARY], sizeof num[0], "%" PRIu64,
             row->m.ctx_involuntary);
    snprintf(num[COL_IPC_BYTES], sizeof num[0], "%" PRIu64, row->m.ipc_bytes);
    snprintf(num[COL_ITEMS], sizeof num[0], "%" PRIu64, row->m.items);
    fmt_double(num[COL_ITEMS_PER_S], sizeof num[0], row->items_per_s, 3);
    if (row->m.has_checksum)
        snprintf(num[COL_CHECKSUM], sizeof num[0], "0x%" PRIx64,
                 row->m.checksum);
    else
        num[COL_CHECKSUM][0] = '\0';
    c_locale_leave(&loc);

    for (size_t i = 0; i < RESULTS_COLUMNS; i++)
        cells[i] = num[i];
    cells[COL_RUN_ID] = row->run_id;
    cells[COL_STARTED_AT] = row->started_at;
    cells[COL_HOST] = row->host;
    cells[COL_WORKLOAD] = row->workload;
    cells[COL_WORKLOAD_PARAMS] = row->workload_params;
    cells[COL_EXECUTOR] = row->executor;
    cells[COL_SCHEDULE] = schedule_name(row->schedule);
    cells[COL_STATUS] = row_status_name(row->m.status);
    cells[COL_ERROR] = row->error;

    if (csv_write_row(f, cells, RESULTS_COLUMNS) != 0 || fflush(f) != 0)
        return PB_EIO;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

/* Where a bad cell is reported. */
struct cell_at {
    const char *path;
    int line;
    char *err;
    size_t errlen;
};

static int bad_cell(const struct cell_at *at, enum col col, const char *text,
                    const char *what) {
    if (at->err != NULL && at->errlen > 0)
        snprintf(at->err, at->errlen, "%s:%d: column %s: \"%s\" is %s",
                 at->path, at->line, results_header[col], text, what);
    return PB_EINVAL;
}

/* Decimal digits only, at most `max`. */
static int parse_u64(const struct cell_at *at, enum col col, const char *text,
                     uint64_t max, uint64_t *out) {
    if (text[0] < '0' || text[0] > '9')
        return bad_cell(at, col, text, "not a non-negative integer");
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (*end != '\0')
        return bad_cell(at, col, text, "not a non-negative integer");
    if (errno == ERANGE || v > max)
        return bad_cell(at, col, text, "out of range");
    *out = (uint64_t)v;
    return 0;
}

static int parse_unsigned(const struct cell_at *at, enum col col,
                          const char *text, unsigned *out) {
    uint64_t v = 0;
    int rc = parse_u64(at, col, text, UINT_MAX, &v);
    if (rc == 0)
        *out = (unsigned)v;
    return rc;
}

/* A number in plain notation; an empty cell is NAN. */
static int parse_double(const struct cell_at *at, enum col col,
                        const char *text, double *out) {
    if (text[0] == '\0') {
        *out = NAN;
        return 0;
    }
    if (strspn(text, "0123456789.eE+-") != strlen(text))
        return bad_cell(at, col, text, "not a number");
    char *end = NULL;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return bad_cell(at, col, text, "not a number");
    *out = v;
    return 0;
}

static int parse_checksum(const struct cell_at *at, const char *text,
                          struct result_row *row) {
    if (text[0] == '\0') {
        row->m.has_checksum = 0;
        row->m.checksum = 0;
        return 0;
    }
    const char *hex = text + 2;
    if (strncmp(text, "0x", 2) != 0 || hex[0] == '\0' ||
        strspn(hex, "0123456789abcdefABCDEF") != strlen(hex))
        return bad_cell(at, COL_CHECKSUM, text,
                        "not a hexadecimal checksum (0x...)");
    errno = 0;
    unsigned long long v = strtoull(hex, NULL, 16);
    if (errno == ERANGE)
        return bad_cell(at, COL_CHECKSUM, text, "out of range");
    row->m.has_checksum = 1;
    row->m.checksum = (uint64_t)v;
    return 0;
}

/* A copy of a text cell without the guard quote the writer added. */
static int take_text(const struct cell_at *at, const char *text, char **out) {
    if (text[0] == '\'' && csv_needs_guard(text + 1))
        text++;
    *out = strdup(text);
    if (*out == NULL) {
        if (at->err != NULL && at->errlen > 0)
            snprintf(at->err, at->errlen, "%s:%d: out of memory", at->path,
                     at->line);
        return PB_ENOMEM;
    }
    return 0;
}

/* Converts every cell of a row with RESULTS_COLUMNS fields. */
static int row_from_cells(const struct cell_at *at, char *const *c,
                          struct result_row *row) {
    int rc = 0;
    uint64_t u = 0;

    memset(row, 0, sizeof *row);
    if ((rc = take_text(at, c[COL_RUN_ID], &row->run_id)) != 0 ||
        (rc = take_text(at, c[COL_STARTED_AT], &row->started_at)) != 0 ||
        (rc = take_text(at, c[COL_HOST], &row->host)) != 0 ||
        (rc = take_text(at, c[COL_WORKLOAD], &row->workload)) != 0 ||
        (rc = take_text(at, c[COL_WORKLOAD_PARAMS], &row->workload_params)) !=
            0 ||
        (rc = take_text(at, c[COL_EXECUTOR], &row->executor)) != 0 ||
        (rc = take_text(at, c[COL_ERROR], &row->error)) != 0)
        return rc;

    if ((rc = parse_unsigned(at, COL_WORKERS, c[COL_WORKERS], &row->workers)) !=
            0 ||
        (rc = parse_u64(at, COL_TASKS, c[COL_TASKS], UINT64_MAX,
                        &row->tasks)) != 0 ||
        (rc = parse_unsigned(at, COL_REPETITION, c[COL_REPETITION],
                             &row->repetition)) != 0)
        return rc;
    if (schedule_parse(c[COL_SCHEDULE], &row->schedule) != 0)
        return bad_cell(at, COL_SCHEDULE, c[COL_SCHEDULE],
                        "not a schedule (static, dynamic)");
    if (row_status_parse(c[COL_STATUS], &row->m.status) != 0)
        return bad_cell(at, COL_STATUS, c[COL_STATUS],
                        "not a status (ok, failed, crashed, timeout, "
                        "interrupted)");

    if ((rc = parse_double(at, COL_WALL_S, c[COL_WALL_S], &row->m.wall_s)) !=
            0 ||
        (rc = parse_double(at, COL_STARTUP_S, c[COL_STARTUP_S],
                           &row->m.startup_s)) != 0 ||
        (rc = parse_double(at, COL_USER_S, c[COL_USER_S], &row->m.user_s)) !=
            0 ||
        (rc = parse_double(at, COL_SYS_S, c[COL_SYS_S], &row->m.sys_s)) != 0 ||
        (rc = parse_double(at, COL_ITEMS_PER_S, c[COL_ITEMS_PER_S],
                           &row->items_per_s)) != 0)
        return rc;

    static const enum col u64_cols[] = {COL_PEAK_RSS_KIB,  COL_PSS_KIB,
                                        COL_CTX_VOLUNTARY, COL_CTX_INVOLUNTARY,
                                        COL_IPC_BYTES,     COL_ITEMS};
    uint64_t *u64_out[] = {&row->m.peak_rss_kib,  &row->m.pss_kib,
                           &row->m.ctx_voluntary, &row->m.ctx_involuntary,
                           &row->m.ipc_bytes,     &row->m.items};
    for (size_t i = 0; i < COUNT_OF(u64_cols); i++) {
        if ((rc = parse_u64(at, u64_cols[i], c[u64_cols[i]], UINT64_MAX, &u)) !=
            0)
            return rc;
        *u64_out[i] = u;
    }
    return parse_checksum(at, c[COL_CHECKSUM], row);
}

static int check_header(const char *path, const struct csv_row *h, char *err,
                        size_t errlen) {
    if (h->count != RESULTS_COLUMNS) {
        snprintf(err, errlen,
                 "%s: not a parbench results file: header has %zu column%s, "
                 "expected %d starting with run_id,started_at,host",
                 path, h->count, h->count == 1 ? "" : "s", RESULTS_COLUMNS);
        return PB_EINVAL;
    }
    for (size_t i = 0; i < RESULTS_COLUMNS; i++)
        if (strcmp(h->fields[i], results_header[i]) != 0) {
            snprintf(err, errlen,
                     "%s: not a parbench results file: header column %zu is "
                     "\"%s\", expected \"%s\"",
                     path, i + 1, h->fields[i], results_header[i]);
            return PB_EINVAL;
        }
    return 0;
}

int results_read(const char *path, struct result_row **rows, size_t *count,
                 char *err, size_t errlen) {
    char scratch[1];
    if (err == NULL || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    *rows = NULL;
    *count = 0;

    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int e = errno;
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(e));
        return e == ENOENT ? PB_ENOENT : PB_EIO;
    }

    struct result_row *out = NULL;
    size_t n = 0, cap = 0;
    struct csv_row row = {0};
    char cerr[256];
    int line = 0, rc = 0;
    struct c_locale loc;
    c_locale_enter(&loc);

    rc = csv_read_row(f, &row, &line, cerr, sizeof cerr);
    if (rc == 0) {
        snprintf(err, errlen,
                 "%s: not a parbench results file: header missing (the file "
                 "is empty)",
                 path);
        rc = PB_EINVAL;
        goto done;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: not a parbench results file: header: %s",
                 path, cerr);
        goto done;
    }
    rc = check_header(path, &row, err, errlen);
    csv_row_free(&row);
    if (rc != 0)
        goto done;

    for (;;) {
        int first = line + 1;
        rc = csv_read_row(f, &row, &line, cerr, sizeof cerr);
        if (rc == 0)
            break;
        if (rc < 0) {
            snprintf(err, errlen, "%s:%d: %s", path, first, cerr);
            goto done;
        }
        if (row.count == 1 && row.fields[0][0] == '\0') {
            csv_row_free(&row); /* a blank line */
            continue;
        }
        if (row.count != RESULTS_COLUMNS) {
            snprintf(err, errlen, "%s:%d: the row has %zu field%s, expected %d",
                     path, first, row.count, row.count == 1 ? "" : "s",
                     RESULTS_COLUMNS);
            rc = PB_EINVAL;
            goto done;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct result_row *p = realloc(out, ncap * sizeof *p);
            if (p == NULL) {
                snprintf(err, errlen, "%s:%d: out of memory", path, first);
                rc = PB_ENOMEM;
                goto done;
            }
            out = p;
            cap = ncap;
        }
        struct cell_at at = {path, first, err, errlen};
        rc = row_from_cells(&at, row.fields, &out[n]);
        if (rc != 0) {
            results_row_free(&out[n]);
            goto done;
        }
        n++;
        csv_row_free(&row);
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error: %s", path, strerror(errno));
        rc = PB_EIO;
    }

done:
    c_locale_leave(&loc);
    csv_row_free(&row);
    fclose(f);
    if (rc < 0) {
        results_free(out, n);
        return rc;
    }
    *rows = out;
    *count = n;
    return 0;
}

void results_row_free(struct result_row *row) {
    if (row == NULL)
        return;
    free(row->run_id);
    free(row->started_at);
    free(row->host);
    free(row->workload);
    free(row->workload_params);
    free(row->executor);
    free(row->error);
    row->run_id = row->started_at = row->host = NULL;
    row->workload = row->workload_params = row->executor = row->error = NULL;
}

void results_free(struct result_row *rows, size_t count) {
    for (size_t i = 0; i < count && rows != NULL; i++)
        results_row_free(&rows[i]);
    free(rows);
}
