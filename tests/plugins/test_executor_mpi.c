/* SPDX-License-Identifier: MIT */
/*
 * test_executor_mpi.c - the `mpi` executor's own logic against the fake
 * host, without Open MPI: the hostfile check `parbench check` runs, the
 * row a dead rank leaves (from mpirun's report), a frame larger than the
 * read-ahead, and the launch state's life cycle (create, destroy ending
 * what is left of a launch).  fuzz/fuzz_mpi.c fuzzes the frame reader and
 * the reading of mpirun's report.  Running
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

/* The bytes of the one message the host below was handed. */
static size_t delivered;
static int delivered_ok;

static int record_deliver(struct pb_job *job, const void *msg, size_t len) {
    (void)job;
    const unsigned char *b = msg;
    delivered = len;
    delivered_ok = 1;
    for (size_t i = 0; i < len; i++)
        delivered_ok &= b[i] == (unsigned char)(i * 7 + 3);
    return 0;
}

/* mpi_serve over `len` bytes of root stream in the frames' place (a memfd:
 * read whole, then end-of-file), mpirun's output at its end. */
static int serve_bytes(struct mpi_launch *L, struct mpi_rep *r,
                       const void *bytes, size_t len) {
    int out[2];
    assert_int_equal(pipe(out), 0);
    close(out[1]);
    L->out = out[0];
    L->frames[0] = memfd_create("mpi-test-frames", MFD_CLOEXEC);
    assert_true(L->frames[0] >= 0);
    assert_int_equal(write(L->frames[0], bytes, len), (ssize_t)len);
    assert_int_equal(lseek(L->frames[0], 0, SEEK_SET), 0);
    int rc = mpi_serve(r);
    close(L->frames[0]);
    close(L->out);
    L->frames[0] = L->out = -1;
    return rc;
}

/* A frame's body arrives a read-ahead (64 KiB) at a time into a buffer
 * that grows with it: a message of 200 KiB reaches the host whole, and a
 * header announcing 1 GiB with nothing behind it allocates no more than
 * what came. */
static void test_frame_buffer(void **unused) {
    (void)unused;
    struct pb_host h = fake_host;
    h.job_deliver = record_deliver;
    struct mpi_launch L;
    mpi_reset(&L);
    L.workers = 1;
    L.ahead = malloc(MPI_READ_AHEAD);
    assert_non_null(L.ahead);
    struct pb_job *job = fake_job_new(&nine, NULL, 1, PB_SCHEDULE_STATIC);
    uint64_t results[1] = {0}, current[1] = {PB_NO_TASK};
    struct mpi_rep r = {.L = &L,
                        .h = &h,
                        .job = job,
                        .tasks = 9,
                        .schedule = PB_SCHEDULE_STATIC,
                        .results = results,
                        .current = current};
    size_t body = 200 << 10;
    size_t len = sizeof(struct pb_frame) * 2 + sizeof(uint32_t) + body +
                 sizeof(struct mpiwire_done);
    unsigned char *s = calloc(1, len), *p = s;
    assert_non_null(s);
    struct pb_frame f = {MPIWIRE_MSG, (uint32_t)(sizeof(uint32_t) + body)};
    memcpy(p, &f, sizeof f);
    p += sizeof f + sizeof(uint32_t); /* worker 0 */
    for (size_t i = 0; i < body; i++)
        *p++ = (unsigned char)(i * 7 + 3);
    f = (struct pb_frame){MPIWIRE_DONE, sizeof(struct mpiwire_done)};
    memcpy(p, &f, sizeof f);
    assert_int_equal(serve_bytes(&L, &r, s, len), 1);
    assert_int_equal(delivered, body);
    assert_true(delivered_ok);
    assert_int_equal(results[0], 1);
    assert_true(L.cap >= sizeof(uint32_t) + body);

    /* 1 GiB announced, 8 bytes sent: the end of the stream, no 1 GiB. */
    mpi_free(&L);
    L.workers = 1;
    L.ahead = malloc(MPI_READ_AHEAD);
    assert_non_null(L.ahead);
    f = (struct pb_frame){MPIWIRE_MSG, 1u << 30};
    memcpy(s, &f, sizeof f);
    memset(s + sizeof f, 0, 8);
    assert_int_equal(serve_bytes(&L, &r, s, sizeof f + 8), 0);
    assert_true(L.cap <= MPI_READ_AHEAD);
    mpi_free(&L);
    free(s);
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
        cmocka_unit_test(test_frame_buffer),
        cmocka_unit_test(test_destroy_ends_launch),
    };
    return cmocka_run_group_tests(tests, NULL, cleanup);
}
