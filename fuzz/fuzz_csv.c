/* SPDX-License-Identifier: MIT */
/*
 * fuzz_csv.c - the results CSV reader of `--resume` and `report`:
 * results_read (core/results/results.c) over csv_read_row
 * (core/results/csv.c), then the summary of what it read
 * (core/results/report.c) in every format.
 *
 * Input: a results file.  Oracles: a file results_read accepts, written
 * back with results_write_header/results_write_row and read again, gives
 * the same rows, and writing those gives the same bytes (what parbench
 * writes, it reads back: the formula guard, quoting, numbers); a refusal
 * carries a message.
 */
#include <string.h>

#include "fuzz.h"
#include "results/report.h"
#include "results/results.h"
#include "util/errors.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_verbose = getenv("PB_FUZZ_VERBOSE") != NULL;
    devnull = fopen("/dev/null", "w");
    if (!devnull)
        fuzz_fail("cannot open /dev/null");
    return 0;
}

/* rows written as a results file (malloc'd, *len bytes). */
static char *write_rows(const struct result_row *rows, size_t n, size_t *len) {
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        fuzz_fail("open_memstream failed");
    if (results_write_header(f) < 0)
        fuzz_fail("results_write_header failed");
    for (size_t i = 0; i < n; i++)
        if (results_write_row(f, &rows[i]) < 0)
            fuzz_fail("results_write_row failed on row %zu", i);
    if (fclose(f) != 0)
        fuzz_fail("fclose of a memstream failed");
    return text;
}

static void round_trip(const struct result_row *rows, size_t n) {
    size_t len1 = 0, len2 = 0, n2 = 0;
    char *text1 = write_rows(rows, n, &len1);
    struct result_row *again = NULL;
    char err[1024] = "";
    if (results_read(fuzz_as_file(text1, len1), &again, &n2, err, sizeof err) <
        0)
        fuzz_fail("rows written by parbench do not read back: %s", err);
    if (n2 != n)
        fuzz_fail("%zu rows written, %zu read back", n, n2);
    char *text2 = write_rows(again, n2, &len2);
    if (len1 != len2 || memcmp(text1, text2, len1) != 0)
        fuzz_fail("rows read back are written differently:\n%s\n---\n%s", text1,
                  text2);
    results_free(again, n2);
    free(text1);
    free(text2);
}

/* The wide table too: every column of the summary. */
static void o_all(const struct summary *s) {
    struct report_options o;
    report_options_init(&o, REPORT_TABLE);
    o.columns = "all";
    report_print(devnull, s, &o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct result_row *rows = NULL;
    size_t n = 0;
    char err[1024] = "";
    int rc = results_read(fuzz_as_file(data, size), &rows, &n, err, sizeof err);
    fuzz_note("results_read: %s (%zu rows)", rc < 0 ? err : "ok", n);
    if (rc < 0) {
        if (!err[0])
            fuzz_fail("results_read refused the file without a message");
        return 0;
    }
    struct summary s;
    if (summary_build(rows, n, &s) == 0) {
        static const enum report_format formats[] = {
            REPORT_TABLE, REPORT_MARKDOWN, REPORT_JSON};
        for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
            struct report_options o;
            report_options_init(&o, formats[i]);
            report_print(devnull, &s, &o);
        }
        o_all(&s);
        summary_free(&s);
    }
    round_trip(rows, n);
    results_free(rows, n);
    return 0;
}
