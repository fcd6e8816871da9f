/* SPDX-License-Identifier: MIT */
/*
 * test_progress.c - the progress line: its text, the time-left estimate,
 * cutting to the terminal width, and silence when disabled.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/progress.h"

#define SEC 1000000000ull

static void test_format(void **state) {
    (void)state;
    char buf[256];
    /* 12 s for 3 of 12 repetitions: 9 left take 36 s. */
    progress_format(buf, sizeof buf, 0, 3, 12, "prime x pthread x 2", 2, 5,
                    12 * SEC, 3, 12);
    assert_string_equal(buf, "[3/12] prime x pthread x 2  repetition 2/5  "
                             "elapsed 0:12  left ~0:36");
    /* Nothing finished yet: no estimate. */
    progress_format(buf, sizeof buf, 0, 1, 4, "noop x serial x 1", 0, 5, 0, 0,
                    20);
    assert_string_equal(buf, "[1/4] noop x serial x 1  warmup  elapsed 0:00  "
                             "left ?");
    /* Hours; all done. */
    progress_format(buf, sizeof buf, 0, 4, 4, "w x e x 1", 5, 5, 3723 * SEC, 20,
                    20);
    assert_string_equal(buf, "[4/4] w x e x 1  repetition 5/5  elapsed "
                             "1:02:03  left ~0:00");
    /* More done than planned (a restarted cell): no estimate. */
    progress_format(buf, sizeof buf, 0, 1, 1, "w", 1, 1, SEC, 3, 2);
    assert_string_equal(buf, "[1/1] w  repetition 1/1  elapsed 0:01  left ?");
}

static void test_width(void **state) {
    (void)state;
    char buf[256];
    progress_format(buf, sizeof buf, 20, 3, 12, "prime x pthread x 2", 2, 5,
                    12 * SEC, 3, 12);
    assert_string_equal(buf, "[3/12] prime x pthr");
    assert_int_equal(strlen(buf), 19); /* width - 1 */
}

static void test_disabled_is_silent(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct progress p;
    progress_init(&p, f, 0, 2, 10);
    progress_cell(&p, 1, "noop x serial x 1", 0);
    progress_show(&p, 1, 5, 0);
    progress_finish(&p);
    fclose(f);
    assert_int_equal(len, 0);
    free(buf);
}

static void test_enabled_writes_line(void **state) {
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    struct progress p;
    progress_init(&p, f, 1, 2, 10);
    progress_cell(&p, 2, "noop x pthread x 2", 4);
    progress_show(&p, 0, 5, 0);
    progress_finish(&p);
    fclose(f);
    assert_true(
        strncmp(buf, "\r\033[K[2/2] noop x pthread x 2  warmup  ", 38) == 0);
    assert_non_null(strstr(buf, "left ~"));
    assert_string_equal(buf + len - 4, "\r\033[K");
    free(buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_disabled_is_silent),
        cmocka_unit_test(test_enabled_writes_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
