/* SPDX-License-Identifier: MIT */
/*
 * test_helper.c - a helper process of the cell's executor (run/helper.c,
 * host->helper_spawn): the spawn puts the caller's descriptors on 3, 4, ...
 * however their numbers cross, /dev/null on standard input and nothing
 * else open, with the arguments `--helper PLUGIN NFDS PARENT`; and
 * parbench-worker's side refuses arguments, a plugin or a parent that do
 * not add up, saying why.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <parbench/plugin.h>

#include "run/helper.h"

/* The helper's program in these tests: a script that checks what it was
 * given and says so in its exit status (0: all of it as expected).  The
 * descriptors 20 and 21 are open without close-on-exec in the test when
 * it is spawned: the helper must not have them. */
static const char script[] =
    "#!/bin/sh\n"
    "[ \"$1\" = --helper ] && [ \"$2\" = /the/executor.so ] && [ \"$3\" = 2 ] "
    "&& [ \"$4\" = \"$PPID\" ] || exit 10\n"
    "[ \"$(readlink /proc/$$/fd/0)\" = /dev/null ] || exit 11\n"
    "for n in 5 6 7 8 9 20 21; do [ -e /proc/$$/fd/$n ] && exit 12; done\n"
    "printf a >&3 && printf b >&4 || exit 13\n"
    "exit 0\n";

static char program[64];

static int setup(void **state) {
    (void)state;
    snprintf(program, sizeof program, "/tmp/pb-test-helper-%ld",
             (long)getpid());
    FILE *f = fopen(program, "w");
    assert_non_null(f);
    fputs(script, f);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(program, 0700), 0);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    unlink(program);
    return 0;
}

/* Not yet a cell: nothing to start. */
static void test_outside_a_cell(void **state) {
    (void)state;
    char err[200] = "";
    int fds[1] = {1};
    assert_int_equal(helper_spawn(fds, 1, err, sizeof err), -1);
    assert_string_equal(err, "no helper can be started outside a cell");
}

/* Descriptor counts outside 1 .. PB_HELPER_FDS are refused. */
static void test_descriptor_count(void **state) {
    (void)state;
    helper_set_cell(program, "/the/executor.so");
    char err[200] = "";
    int fds[PB_HELPER_FDS + 1] = {1, 1, 1, 1, 1};
    assert_int_equal(helper_spawn(fds, 0, err, sizeof err), -1);
    assert_string_equal(err, "0 descriptors for a helper (1 to 4)");
    assert_int_equal(helper_spawn(fds, PB_HELPER_FDS + 1, err, sizeof err), -1);
    assert_string_equal(err, "5 descriptors for a helper (1 to 4)");
    helper_set_cell(NULL, NULL);
}

/* fds {4, 3}: the one on 4 must reach the helper's 3 and the one on 3 its
 * 4, neither overwritten by the other's move. */
static void test_descriptors_cross(void **state) {
    (void)state;
    int p[2], q[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(pipe(q), 0);
    /* The read ends on 20 and 21 (open across an exec), the write ends
     * of p on 4 and of q on 3. */
    int pw = dup(p[1]), qw = dup(q[1]);
    assert_int_equal(dup2(p[0], 20), 20);
    assert_int_equal(dup2(q[0], 21), 21);
    close(p[0]);
    close(p[1]);
    close(q[0]);
    close(q[1]);
    assert_int_equal(dup2(pw, 4), 4);
    assert_int_equal(dup2(qw, 3), 3);
    close(pw);
    close(qw);
    helper_set_cell(program, "/the/executor.so");
    char err[200] = "";
    int fds[2] = {4, 3};
    pid_t pid = helper_spawn(fds, 2, err, sizeof err);
    assert_true(pid > 0);
    /* The caller keeps its descriptors. */
    close(3);
    close(4);
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char got[4] = "";
    assert_int_equal(read(20, got, sizeof got), 1);
    assert_int_equal(got[0], 'a');
    assert_int_equal(read(21, got, sizeof got), 1);
    assert_int_equal(got[0], 'b');
    close(20);
    close(21);
    helper_set_cell(NULL, NULL);
}

/* A parbench-worker that is not there: its path and why. */
static void test_missing_program(void **state) {
    (void)state;
    helper_set_cell("/nonexistent/parbench-worker", "/the/executor.so");
    char err[200] = "";
    int fds[1] = {1};
    assert_int_equal(helper_spawn(fds, 1, err, sizeof err), -1);
    assert_string_equal(
        err, "/nonexistent/parbench-worker: No such file or directory");
    helper_set_cell("", "/the/executor.so");
    assert_int_equal(helper_spawn(fds, 1, err, sizeof err), -1);
    assert_string_equal(err, "parbench-worker was not found beside parbench "
                             "or in its libexec directory");
    helper_set_cell(NULL, NULL);
}

/* helper_main with args (after "--helper"): its exit status, and what it
 * wrote on stderr into said. */
static int main_says(int argc, const char *const *args, char *said,
                     size_t len) {
    char *argv[8];
    for (int i = 0; i < argc; i++)
        argv[i] = (char *)args[i];
    argv[argc] = NULL;
    FILE *f = tmpfile();
    assert_non_null(f);
    fflush(stderr);
    int saved = dup(2);
    assert_int_equal(dup2(fileno(f), 2), 2);
    int rc = helper_main(argc, argv);
    fflush(stderr);
    assert_int_equal(dup2(saved, 2), 2);
    close(saved);
    rewind(f);
    size_t n = fread(said, 1, len - 1, f);
    said[n] = '\0';
    fclose(f);
    return rc;
}

static void test_main_arguments(void **state) {
    (void)state;
    char said[600], parent[24];
    snprintf(parent, sizeof parent, "%ld", (long)getppid());
    const char *usage = "parbench-worker: --helper takes PLUGIN NFDS PARENT "
                        "(NFDS 1 to 4; started by parbench, not by hand)\n";
    const char *none[1] = {NULL};
    assert_int_equal(main_says(0, none, said, sizeof said), 2);
    assert_string_equal(said, usage);
    const char *zero[3] = {"/x.so", "0", parent};
    assert_int_equal(main_says(3, zero, said, sizeof said), 2);
    assert_string_equal(said, usage);
    const char *five[3] = {"/x.so", "5", parent};
    assert_int_equal(main_says(3, five, said, sizeof said), 2);
    assert_string_equal(said, usage);
    const char *word[3] = {"/x.so", "1", "me"};
    assert_int_equal(main_says(3, word, said, sizeof said), 2);
    assert_string_equal(said, usage);
    /* Another parent: the cell it was started for is gone; quietly. */
    char other[24];
    snprintf(other, sizeof other, "%ld", (long)getppid() + 1);
    const char *gone[3] = {"/x.so", "1", other};
    assert_int_equal(main_says(3, gone, said, sizeof said), 1);
    assert_string_equal(said, "");
}

/* A workload plugin, and an executor without helper(): refused by name. */
static void test_main_plugins(void **state) {
    (void)state;
    const char *dir = getenv("PB_PLUGIN_DIR");
    if (!dir)
        skip();
    char said[600], parent[24], noop[512], serial[512], want[1200];
    snprintf(parent, sizeof parent, "%ld", (long)getppid());
    snprintf(noop, sizeof noop, "%s/workload-noop.so", dir);
    snprintf(serial, sizeof serial, "%s/executor-serial.so", dir);
    const char *wl[3] = {noop, "1", parent};
    assert_int_equal(main_says(3, wl, said, sizeof said), 2);
    snprintf(want, sizeof want, "parbench-worker: --helper: %s: ", noop);
    assert_memory_equal(said, want, strlen(want));
    assert_non_null(strstr(said, "executor"));
    const char *ex[3] = {serial, "1", parent};
    assert_int_equal(main_says(3, ex, said, sizeof said), 2);
    snprintf(want, sizeof want,
             "parbench-worker: --helper: %s: the executor `serial` has no "
             "helper() operation (plugin ABI 2.5)\n",
             serial);
    assert_string_equal(said, want);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outside_a_cell),
        cmocka_unit_test(test_descriptor_count),
        cmocka_unit_test(test_descriptors_cross),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_main_arguments),
        cmocka_unit_test(test_main_plugins),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
