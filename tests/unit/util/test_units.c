/* SPDX-License-Identifier: MIT */
/*
 * test_units.c - scalar values (util/units.c): why a text did not scan
 * (syntax, range, fraction), which the INI messages and the server rely
 * on.  The accepted spellings of every type are tested through the
 * parameter parser in tests/unit/config/test_params.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/units.h"

static void test_scan_kinds(void **state) {
    (void)state;
    uint64_t u;
    int64_t i;
    double d;
    int b;
    assert_int_equal(units_scan_size(" 64KiB ", &u), UNITS_OK);
    assert_int_equal(u, 65536);
    assert_int_equal(units_scan_size("0.5KiB", &u), UNITS_OK);
    assert_int_equal(u, 512);
    assert_int_equal(units_scan_size("0.3B", &u), UNITS_FRACTION);
    assert_int_equal(units_scan_size("20000000TiB", &u), UNITS_RANGE);
    assert_int_equal(units_scan_size("12 parsecs", &u), UNITS_SYNTAX);
    assert_int_equal(units_scan_duration("1.5s", &u), UNITS_OK);
    assert_int_equal(u, 1500000000u);
    assert_int_equal(units_scan_duration("0.5ns", &u), UNITS_FRACTION);
    assert_int_equal(units_scan_uint("18446744073709551616", &u), UNITS_RANGE);
    assert_int_equal(units_scan_uint("-1", &u), UNITS_SYNTAX);
    assert_int_equal(units_scan_int("-9223372036854775808", &i), UNITS_OK);
    assert_true(i == INT64_MIN);
    assert_int_equal(units_scan_int("-9223372036854775809", &i), UNITS_RANGE);
    assert_int_equal(units_scan_float("1e999", &d), UNITS_RANGE);
    assert_int_equal(units_scan_float("nan", &d), UNITS_SYNTAX);
    assert_int_equal(units_scan_bool(" Off ", &b), UNITS_OK);
    assert_int_equal(b, 0);
    assert_int_equal(units_scan_bool("maybe", &b), UNITS_SYNTAX);
}

static void test_blanks(void **state) {
    (void)state;
    assert_string_equal(units_skip_blanks(" \t x "), "x ");
    assert_true(units_only_blanks(" \t\n"));
    assert_false(units_only_blanks(" x"));
}

static void test_format(void **state) {
    (void)state;
    char buf[32];
    format_size(3u << 20, buf, sizeof buf);
    assert_string_equal(buf, "3MiB");
    format_size(1000, buf, sizeof buf);
    assert_string_equal(buf, "1000");
    format_duration(90000000000u, buf, sizeof buf);
    assert_string_equal(buf, "90s");
    format_duration(120000000000u, buf, sizeof buf);
    assert_string_equal(buf, "2m");
    format_duration(0, buf, sizeof buf);
    assert_string_equal(buf, "0s");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan_kinds),
        cmocka_unit_test(test_blanks),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
