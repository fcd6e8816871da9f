/* SPDX-License-Identifier: MIT */
/*
 * human.h - numbers as people read them in the summary, the verdicts and
 * `compare`: times with a unit and 3 significant digits ("59.2 µs",
 * "240 ms", "1.31 s"), memory in KiB/MiB/GiB, counts, ratios and
 * p-values; and text laid out for a terminal: display widths of UTF-8
 * text, padding, word wrapping.  (CSV and JSON keep raw SI numbers and do
 * not use this.)  Numbers use '.' whatever the locale only when the
 * caller has set LC_NUMERIC to C (report.c does).
 */
#ifndef PARBENCH_HUMAN_H
#define PARBENCH_HUMAN_H

#include <stddef.h>
#include <stdio.h>

/* What a measured value is: how it is printed and which way is better. */
enum human_unit {
    HUMAN_SECONDS, /* columns ending in _s (lower is better)   */
    HUMAN_KIB,     /* columns ending in _kib                   */
    HUMAN_BYTES,   /* ipc_bytes                                */
    HUMAN_RATE,    /* items_per_s (higher is better)           */
    HUMAN_COUNT    /* every other counter                      */
};

/* Length of the buffers the formatters below fill. */
#define HUMAN_LEN 32

/* A value of `unit` with 3 significant digits and its unit, into buf
 * (HUMAN_LEN bytes); "-" when v is not finite. */
void human_value(char *buf, double v, enum human_unit unit);
/* Seconds: "812 ns", "59.2 µs", "240 ms", "1.31 s", "4125 s". */
void human_seconds(char *buf, double seconds);
/* KiB: "912 KiB", "3.42 MiB", "1.20 GiB". */
void human_kib(char *buf, double kib);
/* A number with 3 significant digits (2 decimals below 10, 1 below 100,
 * none above): "0.98", "1.31", "12.3", "412". */
void human_sig3(char *buf, double v);
/* A ratio with 3 significant digits and "×": "1.02×", "12.3×". */
void human_ratio(char *buf, double ratio);
/* A p-value as it is quoted: "p < 0.001", "p < 0.01", "p = 0.034",
 * "p = 0.42"; "p = -" when undefined. */
void human_p(char *buf, double p);
/* A fraction as percent with one decimal: "2.4%"; "-" when undefined. */
void human_percent(char *buf, double fraction);

/* Text read from a results file (instance names, parameters: outside
 * input) made safe to print, into buf (len bytes, cut to fit, never in
 * the middle of an escape): control characters (below 0x20, and 0x7f)
 * and bytes that are not UTF-8 become `\xHH`, the C1 controls U+0080 to
 * U+009F `\u00HH`, so that a name can neither move the cursor, change
 * colours nor break a line or a table.  Returns buf. */
#define HUMAN_NAME_LEN 640
const char *human_escape(char *buf, size_t len, const char *text);
/* Writes text as a Markdown table cell: human_escape'd, and '|' and '\'
 * escaped so that they stay text. */
void human_markdown(FILE *f, const char *text);

/* Display columns of UTF-8 text (code points; every one is one column
 * in what parbench prints). */
size_t human_width(const char *text);
/* Writes text padded with blanks to `width` columns, left- or
 * right-aligned (text wider than width is written whole). */
void human_pad(FILE *f, const char *text, size_t width, int right);
/* Writes text word-wrapped to `width` columns: the first line starts
 * with `first`, the others with `rest` (both count towards the width);
 * "x = y" and "x < y" are not broken, and a word longer than a line is
 * cut into pieces that fill lines.  Ends with a newline. */
void human_wrap(FILE *f, const char *text, size_t width, const char *first,
                const char *rest);

/*
 * Writes a table: a header line and nrows lines of ncol cells
 * (cells[i * ncol + j], borrowed), each line starting with `indent`,
 * columns two blanks apart and as wide as their widest text, right[j]
 * nonzero right-aligns column j, no trailing blanks.  When `width` is not
 * 0 and a line would be wider, the texts of column `shrink` (-1: none)
 * are cut with "…" (to no fewer than 8 columns) so that it fits.
 */
void human_grid(FILE *f, const char *indent, const char *const *header,
                const int *right, size_t ncol, const char *const *cells,
                size_t nrows, int shrink, size_t width);

#endif /* PARBENCH_HUMAN_H */
