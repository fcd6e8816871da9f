/* SPDX-License-Identifier: MIT */
/*
 * test_executor_forkserver.c - the `forkserver` executor against the fake
 * host.  The fake host runs no spawned worker (its worker_main is NULL),
 * so whole runs are the end-to-end tests' (tests/e2e/forkserver.sh); here:
 * the descriptor, the clear refusal of a host without worker_main, and the
 * server's life: prepare() starts it (small, named, alive) and destroy()
 * stops and reaps it.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fake_host.h"

#include "../../plugins/executors/forkserver.c"

static const struct pb_plugin *noop;

static int load_workloads(void **unused) {
    (void)unused;
    noop = fake_load_plugin("workload-noop.so");
    return 0;
}

static int unload_workloads(void **unused) {
    (void)unused;
    fake_unload_all();
    return 0;
}

/* Never called: prepare() only checks that it is there. */
static void no_worker_main(void) { _exit(99); }

static void test_descriptor(void **unused) {
    (void)unused;
    const struct pb_plugin *p = parbench_plugin();
    assert_int_equal(p->abi_version, PB_ABI_VERSION);
    assert_int_equal(p->kind, PB_KIND_EXECUTOR);
    assert_string_equal(p->name, "forkserver");
    assert_non_null(p->executor->prepare);
    assert_non_null(p->executor->destroy);
    assert_non_null(p->executor->run);
}

/* A host without worker_main (an older core, or this fake one): the cell
 * fails with a sentence that says what to use instead, and no process is
 * started. */
static void test_refuses_host_without_worker_main(void **unused) {
    (void)unused;
    struct fake_outcome out;
    struct pb_params ps;
    fake_params_init(&ps, noop);
    fake_run(noop, &ps, parbench_plugin(), 2, PB_SCHEDULE_DYNAMIC, &out);
    assert_int_equal(out.rc, -1);
    assert_non_null(strstr(out.error, "prepare: this parbench core cannot "
                                      "start a worker without an exec"));
    assert_non_null(strstr(out.error, "use posix_spawn"));
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* prepare() forks the server, which answers; destroy() leaves no child. */
static void test_server_life(void **unused) {
    (void)unused;
    struct pb_host h = fake_host;
    h.worker_main = no_worker_main;
    void *state = NULL;
    char err[256] = "";
    struct pb_params none = {0};
    assert_int_equal(fs_prepare(&h, &none, 2, &state, err, sizeof err), 0);
    const struct fs_state *s = state;
    assert_true(s->pid > 0);
    char path[64], comm[64] = "";
    snprintf(path, sizeof path, "/proc/%ld/comm", (long)s->pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(comm, sizeof comm, f));
    fclose(f);
    assert_string_equal(comm, SERVER_NAME "\n");
    /* It answers a usage request: with its memory only when asked for it
     * (a core before 2.3); a later core reads that itself. */
    struct fs_usage u;
    assert_int_equal(send_request(s, OP_USAGE, 1, NULL, 0), 0);
    assert_int_equal(recv_reply(s, &u, sizeof u), 0);
    assert_true(u.pss_kib > 0);
    assert_true(u.uss_kib > 0);
    assert_int_equal(send_request(s, OP_USAGE, 0, NULL, 0), 0);
    assert_int_equal(recv_reply(s, &u, sizeof u), 0);
    assert_int_equal(u.pss_kib, 0);
    assert_int_equal(u.uss_kib, 0);
    fs_destroy(state);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_refuses_host_without_worker_main),
        cmocka_unit_test(test_server_life),
    };
    return cmocka_run_group_tests(tests, load_workloads, unload_workloads);
}
