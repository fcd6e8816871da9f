/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - JSON strings (escaping, invalid UTF-8) and numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/json.h"

/* What json_write_string or json_write_number (number: text NULL) wrote. */
static char *written(const char *text, double number, int is_number) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    if (is_number)
        assert_int_equal(json_write_number(f, number), 0);
    else
        assert_int_equal(json_write_string(f, text), 0);
    fclose(f);
    return buf;
}

static void check_string(const char *text, const char *want) {
    char *got = written(text, 0, 0);
    assert_string_equal(got, want);
    free(got);
}

static void check_number(double v, const char *want) {
    char *got = written(NULL, v, 1);
    assert_string_equal(got, want);
    free(got);
}

static void test_plain_and_null(void **state) {
    (void)state;
    check_string("prime-count", "\"prime-count\"");
    check_string("", "\"\"");
    check_string(NULL, "null");
}

static void test_escapes(void **state) {
    (void)state;
    check_string("say \"hi\"", "\"say \\\"hi\\\"\"");
    check_string("C:\\dir", "\"C:\\\\dir\"");
    check_string("a\nb\tc\rd\be\ff", "\"a\\nb\\tc\\rd\\be\\ff\"");
    check_string("\x01\x1f", "\"\\u0001\\u001f\"");
    check_string("/ and \x7f stay", "\"/ and \x7f stay\"");
    /* C1 controls (U+009B is a terminal's CSI) are escaped; U+00A0 is
     * not one. */
    check_string("\xc2\x80\xc2\x9b[2J\xc2\x9f\xc2\xa0",
                 "\"\\u0080\\u009b[2J\\u009f\xc2\xa0\"");
}

static void test_utf8(void **state) {
    (void)state;
    /* Valid 2-, 3- and 4-byte sequences pass through. */
    check_string("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                 "\"\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
    /* A lone continuation byte, a cut sequence, an overlong '/', a
     * surrogate: each bad byte becomes U+FFFD. */
    check_string("a\x80z", "\"a\\ufffdz\"");
    check_string("a\xe2\x82", "\"a\\ufffd\\ufffd\"");
    check_string("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    check_string("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
}

static void test_numbers(void **state) {
    (void)state;
    check_number(1.0, "1");
    check_number(0.25, "0.25");
    check_number(1.0 / 3.0, "0.333333333");
    check_number(1e-5, "1e-05");
    check_number(-0.0, "0");
    check_number(NAN, "null");
    check_number(INFINITY, "null");
    check_number(-INFINITY, "null");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_null),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
