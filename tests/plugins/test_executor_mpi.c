/* SPDX-License-Identifier: MIT */
/*
 * test_executor_mpi.c - the `mpi` executor's own logic against the fake
 * host, without Open MPI: the hostfile check `parbench check` runs, the
 * row a dead rank leaves (from mpirun's report), and the launch state's
 * life cycle (create, destroy ending what is left of a launch).  Running
 * ranks is the e2e tests' part (tests/e2e/mpi*.sh).
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fake_host.h"

#include "../../plugins/executors/mpi.c"

static char dir[] = "/tmp/pb-mpi-test-XXXXXX";

/* Writes `text` to DIR/NAME and returns the path (static buffer). */
static const char *hostfile(const char *name, const char *text) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return path;
}

static void expect_hostfile_error(const char *text, const char *want) {
    char err[512] = "";
    const char *path = hostfile("hosts", text);
    assert_int_equal(mpi_check_hostfile(path, err, sizeof err), -1);
    if (!strstr(err, want))
        fail_msg("hostfile \"%s\": error \"%s\" lacks \"%s\"", text, err, want);
}

static void test_hostfile(void **unused) {
    (void)unused;
    assert_non_null(mkdtemp(dir));
    char err[512] = "";
    /* What mpirun accepts: a host per slot, or once with slots=. */
    assert_int_equal(
        mpi_check_hostfile(hostfile("ok1", "localhost\nlocalhost\n"), err,
                           sizeof err),
        0);
    assert_int_equal(mpi_check_hostfile(
                         hostfile("ok2", "# two hosts\na slots=2 max_slots=4\n"
                                         "b slots=2 # comment\n"),
                         err, sizeof err),
                     0);
    expect_hostfile_error("", "names no host");
    expect_hostfile_error("a slots=two\n", ":1: \"slots=two\" is not slots=N");
    expect_hostfile_error("a\nb slots=0\n", ":2: \"slots=0\" is not slots=N");
    expect_hostfile_error("a cores=2\n", "\"cores=2\" is not slots=N");
    expect_hostfile_error("a slots=2\na slots=2\n",
                          ":2: host a is listed again");
    snprintf(err, sizeof err, "%s", "");
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none", dir);
    assert_int_equal(mpi_check_hostfile(missing, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot be read"));
}

static uint64_t nine_tasks(const void *state) {
    (void)state;
    return 9;
}
static const struct pb_workload_ops nine = {.size = sizeof nine,
                                            .task_count = nine_tasks};

/* A dead rank's row: "worker W (rank R on host H) killed by SIGNAL in task
 * T", from mpirun's report and the tasks this process saw. */
static void test_dead_rank_row(void **unused) {
    (void)unused;
    struct mpi_launch L;
    memset(&L, 0, sizeof L);
    struct mpiwire_host hosts[4];
    memset(hosts, 0, sizeof hosts);
    const char *names[] = {"a", "a", "b", "b"};
    for (int i = 0; i < 4; i++)
        snprintf(hosts[i].name, sizeof hosts[i].name, "%s", names[i]);
    L.workers = 3;
    L.hosts = hosts;
    L.nhosts = 4;
    struct pb_job *job = fake_job_new(&nine, NULL, 3, PB_SCHEDULE_STATIC);
    assert_non_null(job);
    uint64_t results[3] = {2, 1, 1},
             current[3] = {PB_NO_TASK, PB_NO_TASK, PB_NO_TASK};
    struct mpi_rep r = {.L = &L,
                        .h = &fake_host,
                        .job = job,
                        .tasks = 9,
                        .schedule = PB_SCHEDULE_STATIC,
                        .results = results,
                        .current = current};
    /* Worker 1 (rank 2) has sent one result: it runs task 1 + 3 = 4. */
    mpi_explain(&r, 0,
                "--------\nprimary job  terminated normally, but 1 process "
                "returned\n--------\nmpirun noticed that process rank 2 with "
                "PID 4242 on node b exited on signal 11 (Segmentation "
                "fault).\n");
    assert_int_equal(job->failed, 2);
    assert_string_equal(job->error, "worker 1 (rank 2 on host b) killed by "
                                    "SIGSEGV in task 4 (Segmentation fault)");
    fake_job_free(job);

    /* Dynamic: the task the root handed out last. */
    job = fake_job_new(&nine, NULL, 3, PB_SCHEDULE_DYNAMIC);
    r.job = job;
    r.schedule = PB_SCHEDULE_DYNAMIC;
    current[2] = 7;
    mpi_explain(&r, 0, "Process name: [[1234,1],3]\nExit code:    7\n");
    assert_string_equal(job->error,
                        "worker 2 (rank 3 on host b) exited with status 7 "
                        "in task 7");
    fake_job_free(job);
}

/* The launch state lives from create() to destroy(); destroy() ends a
 * launch that is still there (lifetime = cell): it closes the launcher's
 * input and reaps it, so no launcher outlives the cell. */
static void test_destroy_ends_launch(void **unused) {
    (void)unused;
    struct pb_params none = {0};
    void *state = NULL;
    char err[256] = "";
    assert_int_equal(
        mpi_ops.create(&fake_host, &none, 2, &state, err, sizeof err), 0);
    assert_non_null(state);
    mpi_ops.destroy(state); /* nothing launched */

    assert_int_equal(
        mpi_ops.create(&fake_host, &none, 2, &state, err, sizeof err), 0);
    struct mpi_launch *L = state;
    /* A stand-in for mpirun: runs until its input ends, as ranks do. */
    int in[2], out[2];
    assert_int_equal(pipe(in), 0);
    assert_int_equal(pipe(out), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        close(in[1]);
        close(out[0]);
        char c;
        while (read(0, &c, 1) > 0)
            ;
        _exit(0);
    }
    close(in[0]);
    close(out[1]);
    L->pid = pid;
    L->in = in[1];
    L->out = out[0];
    L->workers = 2;
    mpi_ops.destroy(state);
    /* Reaped by destroy(): no such child any more. */
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

static int cleanup(void **unused) {
    (void)unused;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostfile),
        cmocka_unit_test(test_dead_rank_row),
        cmocka_unit_test(test_destroy_ends_launch),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
