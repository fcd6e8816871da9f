/* SPDX-License-Identifier: MIT */
/*
 * test_selfpath.c - the running program's directory (util/selfpath.c),
 * from which parbench finds parbench-worker, parbench-server, its plugins
 * and its installed config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "util/errors.h"
#include "util/selfpath.h"

static void test_dir_and_beside(void **state) {
    (void)state;
    char exe[PATH_MAX], dir[PATH_MAX], beside[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    assert_int_equal(selfpath_dir(dir, sizeof dir), 0);
    size_t len = strlen(dir);
    assert_true(len > 0 && dir[len - 1] != '/');
    /* exe is DIR/test_selfpath */
    assert_memory_equal(exe, dir, len);
    assert_string_equal(exe + len, "/test_selfpath");
    assert_int_equal(selfpath_beside("test_selfpath", beside, sizeof beside),
                     0);
    assert_string_equal(beside, exe);
}

static void test_too_small(void **state) {
    (void)state;
    char dir[PATH_MAX], small[4] = "xyz";
    assert_int_equal(selfpath_dir(dir, sizeof dir), 0);
    assert_int_equal(selfpath_dir(small, sizeof small), PB_EINVAL);
    assert_string_equal(small, "");
    char exact[PATH_MAX];
    size_t need = strlen(dir) + 1;
    assert_int_equal(selfpath_dir(exact, need), 0);
    assert_int_equal(selfpath_beside("x", exact, need + 1), PB_EINVAL);
    assert_string_equal(exact, "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dir_and_beside),
        cmocka_unit_test(test_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
