/* SPDX-License-Identifier: MIT */
/*
 * results.c - the results CSV of docs/design.md: header, row formatting and
 * reading rows back (see results.h).
 *
 * Numbers are formatted and parsed under the "C" numeric locale, so a
 * process that called setlocale() still writes '.' as decimal point.
 * Non-finite seconds are written as an empty cell and read back as NAN.
 */
#include "results/results.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"
#include "results/csv.h"
#include "util/errors.h"

const char *const results_header[RESULTS_COLUMNS] = {
#define RESULTS_COL_NAME(name, kind, member, decimals) #name,
    RESULTS_COLUMN_MAP(RESULTS_COL_NAME)
#undef RESULTS_COL_NAME
};

/* How a column's member is typed, written and read (results.h). */
enum kind {
    K_TEXT,
    K_UINT,
    K_U64,
    K_SCHEDULE,
    K_STATUS,
    K_REAL,
    K_COUNTER,
    K_CHECKSUM,
    K_OPTCOUNTER /* checked with the counters (check_stage) */
};

struct column {
    enum kind kind;
    size_t offset; /* of the member in struct result_row */
    int decimals;  /* K_REAL                             */
};

static const struct column columns[RESULTS_COLUMNS] = {
#define RESULTS_COL_DESC(name, kind, member, decimals)                         \
    {K_##kind, offsetof(struct result_row, member), decimals},
    RESULTS_COLUMN_MAP(RESULTS_COL_DESC)
#undef RESULTS_COL_DESC
};

static const char *const status_names[] = {"ok", "failed", "crashed", "timeout",
                                           "interrupted"};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

int results_column_is_measure(enum results_column col) {
    return col < RESULTS_COLUMNS &&
           (columns[col].kind == K_REAL || columns[col].kind == K_COUNTER ||
            columns[col].kind == K_OPTCOUNTER);
}

double results_column_number(const struct result_row *row,
                             enum results_column col) {
    if (!results_column_is_measure(col))
        return NAN;
    const void *p = (const char *)row + columns[col].offset;
    if (columns[col].kind == K_REAL)
        return *(const double *)p;
    uint64_t v = *(const uint64_t *)p;
    if (columns[col].kind == K_OPTCOUNTER && v == RESULTS_NO_VALUE)
        return NAN;
    return (double)v;
}

double results_ipc(double instructions, double cycles) {
    if (!isfinite(instructions) || !isfinite(cycles) || !(cycles > 0))
        return NAN;
    return instructions / cycles;
}

int results_column_find(const char *name, enum results_column *out) {
    for (size_t i = 0; name != NULL && i < RESULTS_COLUMNS; i++) {
        if (strcmp(results_header[i], name) == 0) {
            *out = (enum results_column)i;
            return 0;
        }
    }
    return PB_EINVAL;
}

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

/* The text of column `col` of row: the row's own string for a text column,
 * else formatted into buf (len bytes). */
static const char *cell_text(const struct result_row *row,
                             enum results_column col, char *buf, size_t len) {
    const struct column *c = &columns[col];
    const void *p = (const char *)row + c->offset;
    switch (c->kind) {
    case K_TEXT:
        return *(char *const *)p;
    case K_UINT:
        snprintf(buf, len, "%u", *(const unsigned *)p);
        return buf;
    case K_U64:
    case K_COUNTER:
        snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
        return buf;
    case K_OPTCOUNTER:
        if (*(const uint64_t *)p == RESULTS_NO_VALUE)
            buf[0] = '\0';
        else
            snprintf(buf, len, "%" PRIu64, *(const uint64_t *)p);
        return buf;
    case K_SCHEDULE:
        return schedule_name(*(const enum pb_schedule *)p);
    case K_STATUS:
        return row_status_name(*(const enum row_status *)p);
    case K_REAL:
        fmt_double(buf, len, *(const double *)p, c->decimals);
        return buf;
    case K_CHECKSUM:
        if (row->m.has_checksum)
            snprintf(buf, len, "0x%" PRIx64, *(const uint64_t *)p);
        else
            buf[0] = '\0';
        return buf;
    }
    return "";
}

/* Writes len bytes at the end of descriptor fd in as few calls as it
 * takes; on any failure cuts the file back to where it was, so that no
 * part of them stays.  Returns 0 or PB_EIO with errno set. */
static int write_whole(int fd, const char *data, size_t len) {
    struct stat st;
    int append = (fcntl(fd, F_GETFL) & O_APPEND) != 0;
    off_t start = append ? (fstat(fd, &st) == 0 ? st.st_size : -1)
                         : lseek(fd, 0, SEEK_CUR);
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = n < 0 ? errno : ENOSPC;
            if (start >= 0 && done > 0) {
                /* Not a regular file (a pipe, /dev/full): nothing to cut. */
                if (ftruncate(fd, start) == 0 && !append)
                    (void)lseek(fd, start, SEEK_SET);
            }
            errno = e;
            return PB_EIO;
        }
        done += (size_t)n;
    }
    return 0;
}

int results_write_row(FILE *f, const struct result_row *row) {
    /* Room for any double in %.9f: DBL_MAX has 309 digits. */
    char num[RESULTS_COLUMNS][328];
    const char *cells[RESULTS_COLUMNS];
    struct c_locale loc;

    c_locale_enter(&loc);
    for (size_t i = 0; i < RESULTS_COLUMNS; i++)
        cells[i] =
            cell_text(row, (enum results_column)i, num[i], sizeof num[i]);
    c_locale_leave(&loc);

    /* The whole row is formatted first and written in one piece, so that a
     * full disk leaves no half row behind (write_whole). */
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    if (m == NULL)
        return PB_EIO;
    int rc = csv_write_row(m, cells, RESULTS_COLUMNS);
    if (fclose(m) != 0 || rc != 0) {
        free(text);
        errno = ENOMEM;
        return PB_EIO;
    }
    int fd = fileno(f);
    if (fflush(f) != 0) {
        rc = PB_EIO;
    } else if (fd < 0) { /* a memory stream: nothing can be torn there */
        rc = fwrite(text, 1, len, f) == len && fflush(f) == 0 ? 0 : PB_EIO;
    } else {
        rc = write_whole(fd, text, len);
        /* The stream's idea of its position follows the descriptor. */
        int e = errno;
        off_t pos = lseek(fd, 0, SEEK_CUR);
        if (pos >= 0)
            (void)fseeko(f, pos, SEEK_SET);
        errno = e;
    }
    free(text);
    return rc;
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

static int bad_cell(const struct cell_at *at, enum results_column col,
                    const char *text, const char *what) {
    if (at->err != NULL && at->errlen > 0)
        snprintf(at->err, at->errlen, "%s:%d: column %s: \"%s\" is %s",
                 at->path, at->line, results_header[col], text, what);
    return PB_EINVAL;
}

/* Decimal digits only, at most `max`. */
static int parse_u64(const struct cell_at *at, enum results_column col,
                     const char *text, uint64_t max, uint64_t *out) {
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

static int parse_unsigned(const struct cell_at *at, enum results_column col,
                          const char *text, unsigned *out) {
    uint64_t v = 0;
    int rc = parse_u64(at, col, text, UINT_MAX, &v);
    if (rc == 0)
        *out = (unsigned)v;
    return rc;
}

/* A number in plain notation; an empty cell is NAN. */
static int parse_double(const struct cell_at *at, enum results_column col,
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

static int parse_checksum(const struct cell_at *at, enum results_column col,
                          const char *text, struct row_measure *m) {
    if (text[0] == '\0') {
        m->has_checksum = 0;
        m->checksum = 0;
        return 0;
    }
    const char *hex = text + 2;
    if (strncmp(text, "0x", 2) != 0 || hex[0] == '\0' ||
        strspn(hex, "0123456789abcdefABCDEF") != strlen(hex))
        return bad_cell(at, col, text, "not a hexadecimal checksum (0x...)");
    errno = 0;
    unsigned long long v = strtoull(hex, NULL, 16);
    if (errno == ERANGE)
        return bad_cell(at, col, text, "out of range");
    m->has_checksum = 1;
    m->checksum = (uint64_t)v;
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

/* Reads cell `text` of column `col` into its member of row. */
static int parse_cell(const struct cell_at *at, enum results_column col,
                      const char *text, struct result_row *row) {
    const struct column *c = &columns[col];
    void *p = (char *)row + c->offset;
    switch (c->kind) {
    case K_TEXT:
        return take_text(at, text, (char **)p);
    case K_UINT:
        return parse_unsigned(at, col, text, (unsigned *)p);
    case K_U64:
    case K_COUNTER:
        return parse_u64(at, col, text, UINT64_MAX, (uint64_t *)p);
    case K_OPTCOUNTER:
        if (text[0] == '\0') {
            *(uint64_t *)p = RESULTS_NO_VALUE;
            return 0;
        }
        return parse_u64(at, col, text, RESULTS_NO_VALUE - 1, (uint64_t *)p);
    case K_SCHEDULE:
        if (schedule_parse(text, (enum pb_schedule *)p) != 0)
            return bad_cell(at, col, text, "not a schedule (static, dynamic)");
        return 0;
    case K_STATUS:
        if (row_status_parse(text, (enum row_status *)p) != 0)
            return bad_cell(at, col, text,
                            "not a status (ok, failed, crashed, timeout, "
                            "interrupted)");
        return 0;
    case K_REAL:
        return parse_double(at, col, text, (double *)p);
    case K_CHECKSUM:
        return parse_checksum(at, col, text, &row->m);
    }
    return 0;
}

/* When a kind's cells are checked: the first bad cell is the one reported,
 * in the order the reader has always checked them (texts, the cell's
 * numbers, schedule, status, times, counters, checksum). */
static int check_stage(enum kind k) {
    return k == K_U64 ? K_UINT : k == K_OPTCOUNTER ? K_COUNTER : (int)k;
}

/* Converts every cell of a row with `ncols` fields (the header's count);
 * a column past them (appended after the file was written) reads as an
 * empty cell. */
static int row_from_cells(const struct cell_at *at, char *const *cells,
                          size_t ncols, struct result_row *row) {
    memset(row, 0, sizeof *row);
    row->m.other_cpu_s = row->m.steal_s = row->m.task_clock_s = NAN;
    for (int stage = 0; stage <= K_CHECKSUM; stage++)
        for (size_t i = 0; i < RESULTS_COLUMNS; i++) {
            if (check_stage(columns[i].kind) != stage)
                continue;
            const char *text = i < ncols ? cells[i] : "";
            int rc = parse_cell(at, (enum results_column)i, text, row);
            if (rc != 0)
                return rc;
        }
    return 0;
}

/* The oldest header read: every column up to `error`.  Columns appended
 * later read as empty cells, which every kind after `error` accepts. */
#define RESULTS_MIN_COLUMNS (RESULTS_COL_error + 1)

static int check_header(const char *path, const struct csv_row *h, char *err,
                        size_t errlen) {
    if (h->count < RESULTS_MIN_COLUMNS || h->count > RESULTS_COLUMNS) {
        snprintf(err, errlen,
                 "%s: not a parbench results file: header has %zu column%s, "
                 "expected %d starting with run_id,started_at,host",
                 path, h->count, h->count == 1 ? "" : "s", RESULTS_COLUMNS);
        return PB_EINVAL;
    }
    for (size_t i = 0; i < h->count; i++)
        if (strcmp(h->fields[i], results_header[i]) != 0) {
            snprintf(err, errlen,
                     "%s: not a parbench results file: header column %zu is "
                     "\"%s\", expected \"%s\"",
                     path, i + 1, h->fields[i], results_header[i]);
            return PB_EINVAL;
        }
    return 0;
}

/* The last line, read without its line end: kept as a row when it is
 * whole (every field, each one readable), else dropped as torn.  Fills
 * tail and returns 1 when it was kept, 0 when it was dropped. */
static int last_line(const char *path, int first, struct csv_row *row,
                     const char *cerr, struct result_row *out,
                     struct results_tail *tail) {
    char why[256] = "";
    tail->line = first;
    if (row == NULL) {
        snprintf(why, sizeof why, "%s", cerr);
    } else if (row->count != (size_t)tail->columns) {
        snprintf(why, sizeof why, "%zu of %d fields", row->count,
                 tail->columns);
    } else {
        struct cell_at at = {path, first, why, sizeof why};
        if (row_from_cells(&at, row->fields, row->count, out) == 0) {
            tail->state = RESULTS_TAIL_UNENDED;
            snprintf(tail->warning, sizeof tail->warning,
                     "%s:%d: the last row has no line end", path, first);
            return 1;
        }
        results_row_free(out);
    }
    tail->state = RESULTS_TAIL_TORN;
    snprintf(tail->warning, sizeof tail->warning,
             "%s:%d: the last line is cut short (%.200s, no line end), as a "
             "write interrupted by a full disk or a crash leaves it; it is "
             "ignored",
             path, first, why);
    return 0;
}

int results_read_tail(const char *path, struct result_row **rows, size_t *count,
                      struct results_tail *tail, char *err, size_t errlen) {
    char scratch[1];
    if (err == NULL || errlen == 0) {
        err = scratch;
        errlen = sizeof scratch;
    }
    *rows = NULL;
    *count = 0;
    memset(tail, 0, sizeof *tail);

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
    int line = 0, rc = 0, ended = 0;
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
    tail->columns = (int)row.count;
    csv_row_free(&row);
    if (rc != 0)
        goto done;
    tail->keep = ftello(f);

    for (;;) {
        int first = line + 1;
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
        rc = csv_read_row_end(f, &row, &line, &ended, cerr, sizeof cerr);
        if (rc == 0)
            break;
        if (rc < 0) {
            /* An open quote with no line end after it: a torn last line. */
            if (rc == PB_EINVAL && line == first && feof(f)) {
                last_line(path, first, NULL, cerr, &out[n], tail);
                rc = 0;
                break;
            }
            snprintf(err, errlen, "%s:%d: %s", path, first, cerr);
            goto done;
        }
        if (!ended) {
            n += (size_t)last_line(path, first, &row, NULL, &out[n], tail);
            if (tail->state == RESULTS_TAIL_UNENDED)
                tail->keep = ftello(f);
            rc = 0;
            break;
        }
        if (row.count == 1 && row.fields[0][0] == '\0') {
            csv_row_free(&row); /* a blank line */
            tail->keep = ftello(f);
            continue;
        }
        if (row.count != (size_t)tail->columns) {
            snprintf(err, errlen, "%s:%d: the row has %zu field%s, expected %d",
                     path, first, row.count, row.count == 1 ? "" : "s",
                     tail->columns);
            rc = PB_EINVAL;
            goto done;
        }
        struct cell_at at = {path, first, err, errlen};
        rc = row_from_cells(&at, row.fields, row.count, &out[n]);
        if (rc != 0) {
            results_row_free(&out[n]);
            goto done;
        }
        n++;
        csv_row_free(&row);
        tail->keep = ftello(f);
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

int results_read(const char *path, struct result_row **rows, size_t *count,
                 char *err, size_t errlen) {
    struct results_tail tail;
    int rc = results_read_tail(path, rows, count, &tail, err, errlen);
    if (rc == 0 && tail.state == RESULTS_TAIL_TORN)
        fprintf(stderr, "parbench: warning: %s\n", tail.warning);
    return rc;
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
    free(row->executor_params);
    row->run_id = row->started_at = row->host = NULL;
    row->workload = row->workload_params = row->executor = row->error = NULL;
    row->executor_params = NULL;
}

void results_free(struct result_row *rows, size_t count) {
    for (size_t i = 0; i < count && rows != NULL; i++)
        results_row_free(&rows[i]);
    free(rows);
}
