/* SPDX-License-Identifier: MIT */
/*
 * test_csv.c - RFC 4180 writing (quoting, formula guard) and reading.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/csv.h"
#include "util/errors.h"

/* The bytes csv_write_row produces for `fields`, NUL-terminated; owned by
 * the caller. */
static char *row_text(const char *const *fields, size_t count) {
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(csv_write_row(f, fields, count), 0);
    long len = ftell(f);
    assert_true(len >= 0);
    rewind(f);
    char *text = calloc((size_t)len + 1, 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    return text;
}

static void expect_row(const char *const *fields, size_t count,
                       const char *expected) {
    char *text = row_text(fields, count);
    assert_string_equal(text, expected);
    free(text);
}

/* A read-only stream over `text`. */
static FILE *stream_of(const char *text) {
    FILE *f = fmemopen((void *)(uintptr_t)text, strlen(text), "r");
    assert_non_null(f);
    return f;
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                   */
/* ------------------------------------------------------------------------ */

static void test_plain_fields(void **state) {
    (void)state;
    const char *fields[] = {"a", "b c", "1.5", "", NULL};
    expect_row(fields, 5, "a,b c,1.5,,\r\n");
}

static void test_quoting(void **state) {
    (void)state;
    const char *fields[] = {"a,b",   "say \"hi\"", "line1\nline2", "cr\rx",
                            " lead", "trail ",     "\"",           "in side"};
    expect_row(fields, 8,
               "\"a,b\",\"say \"\"hi\"\"\",\"line1\nline2\",\"cr\rx\","
               "\" lead\",\"trail \",\"\"\"\",in side\r\n");
}

static void test_formula_guard(void **state) {
    (void)state;
    const char *fields[] = {"=1+1", "+SUM(A1)", "-cmd", "@x", "\tx", "\rx"};
    expect_row(fields, 6, "'=1+1,'+SUM(A1),'-cmd,'@x,'\tx,\"'\rx\"\r\n");
}

static void test_formula_guard_with_comma(void **state) {
    (void)state;
    const char *fields[] = {"=HYPERLINK(\"http://x\",\"y\")"};
    expect_row(fields, 1, "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
}

static void test_numbers_left_alone(void **state) {
    (void)state;
    const char *fields[] = {"-3", "-0.5", "+1e-9", "-12.25E+3", "0x10", "7"};
    expect_row(fields, 6, "-3,-0.5,+1e-9,-12.25E+3,0x10,7\r\n");
}

static void test_not_numbers_guarded(void **state) {
    (void)state;
    /* strtod would take "-inf", "-nan" and "-0x10"; a spreadsheet would
     * run them as formulas, so they are guarded. */
    const char *fields[] = {"-inf", "-nan", "-0x10", "-", "- 3", "-3-"};
    expect_row(fields, 6, "'-inf,'-nan,'-0x10,'-,'- 3,'-3-\r\n");
}

static void test_quote_prefix_escaped(void **state) {
    (void)state;
    const char *fields[] = {"'=x", "'abc", "'", "''-y"};
    expect_row(fields, 4, "''=x,'abc,','''-y\r\n");
    assert_true(csv_needs_guard("=x"));
    assert_true(csv_needs_guard("'=x"));
    assert_false(csv_needs_guard("'abc"));
    assert_false(csv_needs_guard("-3"));
    assert_false(csv_needs_guard(""));
    assert_false(csv_needs_guard(NULL));
}

static void test_write_error(void **state) {
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (f == NULL)
        skip();
    setvbuf(f, NULL, _IONBF, 0);
    const char *fields[] = {"a", "b"};
    assert_int_equal(csv_write_row(f, fields, 2), PB_EIO);
    fclose(f);
}

/* ------------------------------------------------------------------------ */
/* Reading                                                                   */
/* ------------------------------------------------------------------------ */

static void expect_fields(const struct csv_row *row, const char *const *want,
                          size_t count) {
    assert_int_equal(row->count, count);
    for (size_t i = 0; i < count; i++)
        assert_string_equal(row->fields[i], want[i]);
}

static void test_read_crlf_and_lf(void **state) {
    (void)state;
    FILE *f = stream_of("a,b\nc,d\r\n\r\ne,,\n");
    struct csv_row row;
    char err[128] = "";
    int line = 0;

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"a", "b"}, 2);
    assert_int_equal(line, 1);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"c", "d"}, 2);
    assert_int_equal(line, 2);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){""}, 1);
    assert_int_equal(line, 3);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"e", "", ""}, 3);
    assert_int_equal(line, 4);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 0);
    assert_int_equal(row.count, 0);
    assert_int_equal(line, 4);
    fclose(f);
}

static void test_read_quoted_multiline(void **state) {
    (void)state;
    FILE *f = stream_of("\"a\r\nb\",\"x\"\"y\",\"\"\r\n\"p\nq\nr\",s\r\nlast");
    struct csv_row row;
    char err[128] = "";
    int line = 0;

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"a\r\nb", "x\"y", ""}, 3);
    assert_int_equal(line, 2);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"p\nq\nr", "s"}, 2);
    assert_int_equal(line, 5);
    csv_row_free(&row);

    /* A last row without a line end is still a row. */
    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    expect_fields(&row, (const char *[]){"last"}, 1);
    assert_int_equal(line, 6);
    csv_row_free(&row);

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 0);
    fclose(f);
}

static void test_read_unterminated_quote(void **state) {
    (void)state;
    FILE *f = stream_of("ok,row\r\nx,\"never\r\nclosed,\r\n");
    struct csv_row row;
    char err[128] = "";
    int line = 0;

    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
    csv_row_free(&row);
    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "unterminated quoted field opened on line 2 "
                             "(a closing \" is missing)");
    assert_int_equal(row.count, 0);
    assert_null(row.fields);
    fclose(f);
}

static void test_read_empty(void **state) {
    (void)state;
    FILE *f = stream_of("");
    struct csv_row row;
    int line = 0;
    assert_int_equal(csv_read_row(f, &row, &line, NULL, 0), 0);
    assert_int_equal(line, 0);
    fclose(f);
}

static void test_round_trip(void **state) {
    (void)state;
    const char *rows[3][5] = {
        {"plain", "with,comma", "with \"quotes\"", "multi\r\nline", ""},
        {" padded ", "=formula", "-4.5", "'=escaped", "tab\tin"},
        {"\"", ",", "\n", "@home", "é ü"},
    };
    FILE *f = tmpfile();
    assert_non_null(f);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(csv_write_row(f, rows[i], 5), 0);
    rewind(f);

    /* The reader returns the written text, guard included. */
    const char *read_back[3][5] = {
        {"plain", "with,comma", "with \"quotes\"", "multi\r\nline", ""},
        {" padded ", "'=formula", "-4.5", "''=escaped", "tab\tin"},
        {"\"", ",", "\n", "'@home", "é ü"},
    };
    const int last_line[3] = {2, 3, 5};
    int line = 0;
    char err[128];
    for (size_t i = 0; i < 3; i++) {
        struct csv_row row;
        assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 1);
        expect_fields(&row, read_back[i], 5);
        assert_int_equal(line, last_line[i]);
        csv_row_free(&row);
    }
    struct csv_row row;
    assert_int_equal(csv_read_row(f, &row, &line, err, sizeof err), 0);
    fclose(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_fields),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_formula_guard),
        cmocka_unit_test(test_formula_guard_with_comma),
        cmocka_unit_test(test_numbers_left_alone),
        cmocka_unit_test(test_not_numbers_guarded),
        cmocka_unit_test(test_quote_prefix_escaped),
        cmocka_unit_test(test_write_error),
        cmocka_unit_test(test_read_crlf_and_lf),
        cmocka_unit_test(test_read_quoted_multiline),
        cmocka_unit_test(test_read_unterminated_quote),
        cmocka_unit_test(test_read_empty),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
