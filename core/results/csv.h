/* SPDX-License-Identifier: MIT */
/*
 * csv.h - RFC 4180 writing and reading.
 *
 * Fields containing , " CR or LF are quoted with "" doubling.  A text field
 * starting with = + - @ (or TAB/CR) that is not a plain number is prefixed
 * with a single quote so spreadsheets do not run it as a formula.  Rows end
 * with CRLF as RFC 4180 says.
 */
#ifndef PARBENCH_CSV_H
#define PARBENCH_CSV_H

#include <stddef.h>
#include <stdio.h>

/* Nonzero when csv_write_field prefixes `text` (borrowed) with a single
 * quote: it starts with = + - @ TAB or CR and is not a plain number, or it
 * starts with a single quote followed by such text (so that stripping one
 * quote exactly where this is nonzero for the rest restores the original). */
int csv_needs_guard(const char *text);
/* Write one field (no separator).  `text` NULL writes an empty field. */
int csv_write_field(FILE *f, const char *text);
/* Write a whole row and its CRLF; returns 0 or PB_EIO. */
int csv_write_row(FILE *f, const char *const *fields, size_t count);

/* One parsed row: fields owned by the row. */
struct csv_row {
    char **fields;
    size_t count;
};

/* Read the next row (quoted fields may span lines).  Returns 1 with a row,
 * 0 at end of file, PB_EINVAL on a malformed row (unterminated quote)
 * with a sentence in err.  *line is advanced past the row (1-based). */
int csv_read_row(FILE *f, struct csv_row *row, int *line, char *err,
                 size_t errlen);
/* csv_read_row, and *ended (may be NULL) set to 1 when the row ended with
 * a line end (LF, CR or CRLF), 0 when it ended at end of file: a writer
 * cut short leaves such a last row. */
int csv_read_row_end(FILE *f, struct csv_row *row, int *line, int *ended,
                     char *err, size_t errlen);
void csv_row_free(struct csv_row *row);

#endif /* PARBENCH_CSV_H */
