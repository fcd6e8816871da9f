/* SPDX-License-Identifier: MIT */
/*
 * test_names.c - the one rule for names (util/names.c) that the INI
 * reader, the parameter tables and the plugin loader share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/names.h"

static void test_rules(void **state) {
    (void)state;
    assert_true(name_valid("prime-count", NAME_DASH));
    assert_false(name_valid("prime-count", NAME_NO_DASH));
    assert_true(name_valid("switch_interval", NAME_NO_DASH));
    assert_true(name_valid("a0_9", NAME_DASH));
    assert_false(name_valid("", NAME_DASH));
    assert_false(name_valid(NULL, NAME_DASH));
    assert_false(name_valid("Prime", NAME_DASH));
    assert_false(name_valid("a.b", NAME_DASH));
    assert_false(name_valid("a b", NAME_DASH));
    assert_false(name_valid("caf\xc3\xa9", NAME_DASH));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
