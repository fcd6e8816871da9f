/* SPDX-License-Identifier: MIT */
/*
 * test_human.c - numbers and text for people: units with 3 significant
 * digits, p-values, display widths, wrapping and grids.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "results/human.h"

static void test_seconds(void **state) {
    (void)state;
    char b[HUMAN_LEN];
    const struct {
        double v;
        const char *want;
    } cases[] = {{59.2e-6, "59.2 µs"}, {0.240, "240 ms"},  {1.3149, "1.31 s"},
                 {812e-9, "812 ns"},   {0.9996, "1.00 s"}, {0.00999, "9.99 ms"},
                 {4125.0, "4125 s"},   {0.0, "0.00 ns"},   {NAN, "-"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        human_seconds(b, cases[i].v);
        assert_string_equal(b, cases[i].want);
    }
}

static void test_sizes_and_counts(void **state) {
    (void)state;
    char b[HUMAN_LEN];
    human_kib(b, 912);
    assert_string_equal(b, "912 KiB");
    human_kib(b, 3.42 * 1024);
    assert_string_equal(b, "3.42 MiB");
    human_kib(b, 1.2 * 1024 * 1024);
    assert_string_equal(b, "1.20 GiB");
    human_kib(b, 1023.9); /* rounds to 1024: the next unit */
    assert_string_equal(b, "1.00 MiB");
    human_value(b, 2048, HUMAN_BYTES);
    assert_string_equal(b, "2.00 KiB");
    human_value(b, 42, HUMAN_COUNT);
    assert_string_equal(b, "42");
    human_value(b, 1234567, HUMAN_COUNT);
    assert_string_equal(b, "1.23 M");
    human_value(b, 1624160.1, HUMAN_RATE);
    assert_string_equal(b, "1.62 M/s");
}

static void test_ratio_p_percent(void **state) {
    (void)state;
    char b[HUMAN_LEN];
    human_ratio(b, 2.0199);
    assert_string_equal(b, "2.02×");
    human_ratio(b, 143.4);
    assert_string_equal(b, "143×");
    human_p(b, 0.0005);
    assert_string_equal(b, "p < 0.001");
    human_p(b, 0.0079);
    assert_string_equal(b, "p < 0.01");
    human_p(b, 0.0345);
    assert_string_equal(b, "p = 0.035");
    human_p(b, 0.42);
    assert_string_equal(b, "p = 0.42");
    human_p(b, NAN);
    assert_string_equal(b, "p = -");
    human_percent(b, 0.0129);
    assert_string_equal(b, "1.3%");
    human_sig3(b, 0.976);
    assert_string_equal(b, "0.98");
}

static FILE *captured(char **buf, size_t *len) {
    *buf = NULL;
    FILE *f = open_memstream(buf, len);
    assert_non_null(f);
    return f;
}

static void test_wrap(void **state) {
    (void)state;
    char *buf;
    size_t len;
    FILE *f = captured(&buf, &len);
    human_wrap(f, "aaa bbb ccc p = 0.10 ddd", 12, "> ", "  ");
    fclose(f);
    /* "p = 0.10" stays whole; µ counts as one column. */
    assert_string_equal(buf, "> aaa bbb\n  ccc\n  p = 0.10\n  ddd\n");
    free(buf);
    f = captured(&buf, &len);
    human_wrap(f, "µµµµµµµµ x", 10, "", "");
    fclose(f);
    assert_string_equal(buf, "µµµµµµµµ x\n");
    free(buf);
    /* A word wider than a line is cut into pieces. */
    f = captured(&buf, &len);
    human_wrap(f, "abcdefghijklmnop", 8, "", "  ");
    fclose(f);
    assert_string_equal(buf, "abcdefgh\n  ijklmn\n  op\n");
    free(buf);
    assert_int_equal(human_width("±5.0% µs ×"), 10);
}

static void test_grid(void **state) {
    (void)state;
    const char *header[] = {"name", "value", "note"};
    const int right[] = {0, 1, 0};
    const char *cells[] = {"a-very-long-name", "1.00 s", "", "b",
                           "59.2 µs",          "x"};
    char *buf;
    size_t len;
    FILE *f = captured(&buf, &len);
    human_grid(f, "  ", header, right, 3, cells, 2, -1, 0);
    fclose(f);
    assert_string_equal(buf, "  name                value  note\n"
                             "  a-very-long-name   1.00 s\n"
                             "  b                 59.2 µs  x\n");
    free(buf);
    /* Column 0 gives way so that lines fit in 30 columns. */
    f = captured(&buf, &len);
    human_grid(f, "  ", header, right, 3, cells, 2, 0, 30);
    fclose(f);
    assert_string_equal(buf, "  name             value  note\n"
                             "  a-very-long-…   1.00 s\n"
                             "  b              59.2 µs  x\n");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_sizes_and_counts),
        cmocka_unit_test(test_ratio_p_percent),
        cmocka_unit_test(test_wrap),
        cmocka_unit_test(test_grid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
