/* SPDX-License-Identifier: MIT */
/*
 * test_suggest.c - edit distance and "did you mean".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "util/errors.h"
#include "util/suggest.h"

static void test_distance_basics(void **state) {
    (void)state;
    assert_int_equal(suggest_distance("", ""), 0);
    assert_int_equal(suggest_distance("abc", ""), 3);
    assert_int_equal(suggest_distance("", "abcd"), 4);
    assert_int_equal(suggest_distance("limit", "limit"), 0);
    assert_int_equal(suggest_distance("limt", "limit"), 1);   /* deletion */
    assert_int_equal(suggest_distance("limiit", "limit"), 1); /* insertion */
    assert_int_equal(suggest_distance("lomit", "limit"), 1);  /* change */
    assert_int_equal(suggest_distance("kitten", "sitting"), 3);
}

static void test_distance_case_and_transposition(void **state) {
    (void)state;
    assert_int_equal(suggest_distance("LIMIT", "limit"), 0);
    assert_int_equal(suggest_distance("Workers", "workers"), 0);
    /* An adjacent swap is one typo, not two. */
    assert_int_equal(suggest_distance("trail", "trial"), 1);
    assert_int_equal(suggest_distance("ab", "ba"), 1);
    assert_int_equal(suggest_distance("abc", "ca"), 3);
}

static void test_distance_long_strings(void **state) {
    (void)state;
    char a[201], b[201];
    memset(a, 'x', 200);
    a[200] = '\0';
    memcpy(b, a, sizeof b);
    b[100] = 'y';
    assert_int_equal(suggest_distance(a, b), 1);
    assert_int_equal(suggest_distance(a, "x"), 199);
}

static void test_closest(void **state) {
    (void)state;
    const char *const keys[] = {"workers", "repetitions", "warmup",
                                "timeout", "schedule",    "output"};
    assert_string_equal(suggest_closest("repetitons", keys, 6), "repetitions");
    assert_string_equal(suggest_closest("worker", keys, 6), "workers");
    assert_string_equal(suggest_closest("TIMEOUT", keys, 6), "timeout");
    assert_null(suggest_closest("banana", keys, 6));
    assert_null(suggest_closest("x", keys, 6));
}

static void test_closest_threshold(void **state) {
    (void)state;
    const char *const c[] = {"run", "server"};
    /* strlen("rnu") / 3 = 1 -> distance 1 ("rnu" is a transposition). */
    assert_string_equal(suggest_closest("rnu", c, 2), "run");
    /* Two edits on a 3-letter word are too far. */
    assert_null(suggest_closest("rxx", c, 2));
    /* A 6-letter word allows 2 edits. */
    assert_string_equal(suggest_closest("sarvar", c, 2), "server");
    assert_null(suggest_closest("sxxxer", c, 2));
}

static void test_closest_prefers_nearest_and_skips_null(void **state) {
    (void)state;
    const char *const c[] = {NULL, "limit", NULL, "limits", "lima"};
    assert_string_equal(suggest_closest("limit", c, 5), "limit");
    assert_string_equal(suggest_closest("limitss", c, 5), "limits");
    /* Ties go to the first candidate. */
    const char *const t[] = {"abcd", "abce"};
    assert_string_equal(suggest_closest("abcf", t, 2), "abcd");
    assert_null(suggest_closest("abc", NULL, 0));
    assert_null(suggest_closest("abc", c, 0));
}

static void test_strerror(void **state) {
    (void)state;
    assert_string_equal(pb_strerror(PB_OK), "success");
    assert_string_equal(pb_strerror(PB_EINVAL), "invalid value");
    assert_string_equal(pb_strerror(PB_ECONFIG), "configuration error");
    assert_string_equal(pb_strerror(PB_EEXIST), "already exists");
    assert_string_equal(pb_strerror(-99), "unknown error");
    assert_string_equal(pb_strerror(5), "unknown error");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_basics),
        cmocka_unit_test(test_distance_case_and_transposition),
        cmocka_unit_test(test_distance_long_strings),
        cmocka_unit_test(test_closest),
        cmocka_unit_test(test_closest_threshold),
        cmocka_unit_test(test_closest_prefers_nearest_and_skips_null),
        cmocka_unit_test(test_strerror),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
