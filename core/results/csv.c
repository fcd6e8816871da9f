/* SPDX-License-Identifier: MIT */
/*
 * csv.c - RFC 4180 writing and reading (see csv.h for the contract).
 */
#include "results/csv.h"

#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */

/* A decimal number in plain notation ("-3", "+0.5", "-1e-9"): what strtod
 * takes as a whole, excluding inf, nan and hexadecimal forms. */
static int plain_number(const char *text) {
    if (text[0] == '\0' || strspn(text, "0123456789.eE+-") != strlen(text))
        return 0;
    char *end = NULL;
    (void)strtod(text, &end);
    return end != text && *end == '\0';
}

int csv_needs_guard(const char *text) {
    if (text == NULL)
        return 0;
    /* A quote followed by guarded text is guarded too, so that the guard
     * can be stripped unambiguously when reading. */
    while (text[0] == '\'')
        text++;
    if (text[0] == '\0' || strchr("=+-@\t\r", text[0]) == NULL)
        return 0;
    return !plain_number(text);
}

/* Quoting is needed for , " CR LF anywhere, and for leading or trailing
 * blanks that readers would trim (a guarded field starts with the quote). */
static int needs_quoting(const char *text, size_t len, int guard) {
    if (len == 0)
        return 0;
    if (strpbrk(text, ",\"\r\n") != NULL)
        return 1;
    if (!guard && (text[0] == ' ' || text[0] == '\t'))
        return 1;
    return text[len - 1] == ' ' || text[len - 1] == '\t';
}

int csv_write_field(FILE *f, const char *text) {
    if (text == NULL)
        text = "";
    int guard = csv_needs_guard(text);
    size_t len = strlen(text);
    int quote = needs_quoting(text, len, guard);

    if (quote && putc('"', f) == EOF)
        return PB_EIO;
    if (guard && putc('\'', f) == EOF)
        return PB_EIO;
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' && putc('"', f) == EOF)
            return PB_EIO;
        if (putc(*p, f) == EOF)
            return PB_EIO;
    }
    if (quote && putc('"', f) == EOF)
        return PB_EIO;
    return 0;
}

int csv_write_row(FILE *f, const char *const *fields, size_t count) {
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && putc(',', f) == EOF)
            return PB_EIO;
        if (csv_write_field(f, fields[i]) != 0)
            return PB_EIO;
    }
    if (fputs("\r\n", f) == EOF || ferror(f))
        return PB_EIO;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

struct buf {
    char *data;
    size_t len, cap;
};

static int buf_put(struct buf *b, char c) {
    if (b->len + 1 >= b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        char *p = realloc(b->data, cap);
        if (p == NULL)
            return PB_ENOMEM;
        b->data = p;
        b->cap = cap;
    }
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
    return 0;
}

/* Moves the buffer's text into the row as its next field. */
static int row_push(struct csv_row *row, size_t *cap, struct buf *b) {
    if (row->count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **p = realloc(row->fields, ncap * sizeof *p);
        if (p == NULL)
            return PB_ENOMEM;
        row->fields = p;
        *cap = ncap;
    }
    char *text = b->data;
    if (text == NULL) {
        text = calloc(1, 1);
        if (text == NULL)
            return PB_ENOMEM;
    }
    row->fields[row->count++] = text;
    b->data = NULL;
    b->len = b->cap = 0;
    return 0;
}

/* Reading uses getc_unlocked: a stream is read by one thread, and the
 * locking getc cost more than the parsing on large files. */

/* After a CR: consume a following LF so CRLF counts as one line end. */
static void eat_lf(FILE *f) {
    int c = getc_unlocked(f);
    if (c != '\n' && c != EOF)
        ungetc(c, f);
}

int csv_read_row(FILE *f, struct csv_row *row, int *line, char *err,
                 size_t errlen) {
    return csv_read_row_end(f, row, line, NULL, err, errlen);
}

int csv_read_row_end(FILE *f, struct csv_row *row, int *line, int *ended,
                     char *err, size_t errlen) {
    struct buf b = {0};
    size_t cap = 0;
    int rc = 0;
    int no_line = 0;

    if (line == NULL)
        line = &no_line;

    row->fields = NULL;
    row->count = 0;
    if (ended != NULL)
        *ended = 0;

    int c = getc_unlocked(f);
    if (c == EOF)
        return 0;

    int first_line = *line + 1;
    int cur_line = first_line;
    for (;;) {
        /* Start of a field: c is its first character. */
        if (c == '"') {
            int open_line = cur_line;
            for (;;) {
                c = getc_unlocked(f);
                if (c == EOF) {
                    if (err != NULL && errlen > 0)
                        snprintf(err, errlen,
                                 "unterminated quoted field opened on line "
                                 "%d (a closing \" is missing)",
                                 open_line);
                    *line = cur_line;
                    rc = PB_EINVAL;
                    goto fail;
                }
                if (c == '"') {
                    c = getc_unlocked(f);
                    if (c != '"')
                        break; /* closing quote; c is what follows */
                } else if (c == '\n') {
                    cur_line++;
                } else if (c == '\r') {
                    int n = getc_unlocked(f);
                    if (n != '\n')
                        cur_line++;
                    if (n != EOF)
                        ungetc(n, f);
                }
                if ((rc = buf_put(&b, (char)c)) != 0)
                    goto fail;
            }
        }
        /* Unquoted text, or anything after a closing quote, up to the
         * separator or the end of the line (kept literally). */
        while (c != ',' && c != '\n' && c != '\r' && c != EOF) {
            if ((rc = buf_put(&b, (char)c)) != 0)
                goto fail;
            c = getc_unlocked(f);
        }
        if ((rc = row_push(row, &cap, &b)) != 0)
            goto fail;
        if (c != ',')
            break;
        c = getc_unlocked(f);
    }
    if (c == '\r')
        eat_lf(f);
    if (ended != NULL)
        *ended = c != EOF;
    *line = cur_line;
    return 1;

fail:
    free(b.data);
    csv_row_free(row);
    if (rc == PB_ENOMEM && err != NULL && errlen > 0)
        snprintf(err, errlen,
                 "out of memory reading the row starting on line %d",
                 first_line);
    return rc;
}

void csv_row_free(struct csv_row *row) {
    if (row == NULL)
        return;
    for (size_t i = 0; i < row->count; i++)
        free(row->fields[i]);
    free(row->fields);
    row->fields = NULL;
    row->count = 0;
}
