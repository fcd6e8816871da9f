/* SPDX-License-Identifier: MIT */
/*
 * test_executor_forkserver.c - the `forkserver` executor against the fake
 * host.  The fake host runs no spawned worker (its worker_main is NULL),
 * so whole runs are the end-to-end tests' (tests/e2e/forkserver.sh); here:
 * the descriptor, the clear refusal of a host without worker_main, the
 * server's life: prepare() starts it (small, named, alive) and destroy()
 * stops and reaps it, and what a worker it forks finds open: its input,
 * output and shared descriptors on 0, 3 and 4, inheritable, and nothing
 * else of the server's; and the request per repetition: the JOB has the
 * server fork every worker, its answer brings their pids and the
 * server's usage, and the server lets go of the job's descriptors --
 * with the server forked (`server = fork`, or a core without
 * helper_spawn) and exec'd (`server = exec`: its helper() run in a
 * process started as the core's helper_spawn starts one), which maps the
 * workers' tails from the memory file it was handed.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* A server prepare() started for *h with `params` (it keeps its own copy
 * of *h). */
static struct fs_state *server_with(struct pb_host *h,
                                    const struct pb_params *params) {
    void *state = NULL;
    char err[256] = "";
    assert_int_equal(fs_prepare(h, params, 2, &state, err, sizeof err), 0);
    return state;
}

/* The same with the defaults but `server = fork`, which is also what a
 * host without helper_spawn gets: warmed (OP_WARM answered in prepare). */
static struct fs_state *server_for(struct pb_host *h) {
    struct pb_params ps;
    fake_params_init(&ps, &fs_desc);
    fake_params_set_string(&ps, "server", "fork");
    return server_with(h, &ps);
}

/* host->helper_spawn as the core's (run/helper.c) starts a helper, but
 * without the exec: a child of this process with fds[k] on 3 + k (moved
 * out of the way first), /dev/null on 0 and nothing else open, dying
 * with the test, which runs fs_helper with helper_host -- a host offering
 * what parbench-worker's does (here: the test's worker_spec and
 * worker_job). */
static struct pb_host helper_host;

static pid_t spawn_in_test(const int *fds, unsigned nfds, char *err,
                           size_t errlen) {
    (void)err;
    (void)errlen;
    assert_true(nfds >= 1 && nfds <= PB_HELPER_FDS);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid > 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    int high[PB_HELPER_FDS];
    for (unsigned k = 0; k < nfds; k++)
        if ((high[k] = fcntl(fds[k], F_DUPFD, 3 + (int)PB_HELPER_FDS)) < 0)
            _exit(120);
    for (unsigned k = 0; k < nfds; k++)
        if (dup2(high[k], 3 + (int)k) < 0)
            _exit(121);
    close_range(3 + nfds, ~0u, 0);
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, 0) < 0)
        _exit(122);
    close(null);
    _exit(fs_helper(&helper_host, nfds));
}

/* *h, the fake host with `worker_main`, and a server prepare() started for
 * it. */
static struct fs_state *started_server(struct pb_host *h,
                                       void (*worker_main)(void)) {
    *h = fake_host;
    h->worker_main = worker_main;
    return server_for(h);
}

/* prepare() forks the server, which answers; destroy() leaves no child. */
static void test_server_life(void **unused) {
    (void)unused;
    struct pb_host h;
    struct fs_state *s = started_server(&h, no_worker_main);
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
    assert_int_equal(send_request(s, OP_USAGE, 0, FS_MEMORY, NULL, 0), 0);
    assert_int_equal(recv_reply(s, &u, sizeof u), 0);
    assert_true(u.pss_kib > 0);
    assert_true(u.uss_kib > 0);
    assert_int_equal(send_request(s, OP_USAGE, 0, 0, NULL, 0), 0);
    assert_int_equal(recv_reply(s, &u, sizeof u), 0);
    assert_int_equal(u.pss_kib, 0);
    assert_int_equal(u.uss_kib, 0);
    fs_destroy(s);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
}

/* A descriptor the worker must find closed (stdout, when the server or
 * the worker started without it), or -1. */
static int expect_closed = -1;

/* A worker_main that checks its descriptors and exits with what it found:
 * 0 when 0 is its input (it reads 'I' there), 3 its output and 4 the
 * shared one (it writes 'O' and 'S' there), none of the three is
 * close-on-exec, nothing from 5 to 255 is open, and expect_closed is not
 * open either. */
static void checking_worker_main(void) {
    char c = 0;
    if (read(PB_WORKER_FD_IN, &c, 1) != 1 || c != 'I')
        _exit(10);
    if (write(PB_WORKER_FD_OUT, "O", 1) != 1)
        _exit(11);
    if (write(PB_WORKER_FD_SHARED, "S", 1) != 1)
        _exit(12);
    const int mine[3] = {PB_WORKER_FD_IN, PB_WORKER_FD_OUT,
                         PB_WORKER_FD_SHARED};
    for (int k = 0; k < 3; k++)
        if (fcntl(mine[k], F_GETFD) != 0)
            _exit(13 + k);
    for (int fd = PB_WORKER_FD_SHARED + 1; fd < 256; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            _exit(20);
    if (expect_closed >= 0 && fcntl(expect_closed, F_GETFD) >= 0)
        _exit(21);
    _exit(0);
}

/* The test's ends of a worker's three descriptors: `in` written with 'I',
 * `out` and `shared` read back. */
struct worker_pipes {
    int in[2], out[2], shared[2];
};

static void open_worker_pipes(struct worker_pipes *w) {
    assert_int_equal(pipe2(w->in, O_CLOEXEC), 0);
    assert_int_equal(pipe2(w->out, O_CLOEXEC), 0);
    assert_int_equal(pipe2(w->shared, O_CLOEXEC), 0);
    assert_int_equal(write(w->in[1], "I", 1), 1);
}

/* The worker pid ended with status 0 and wrote 'O' and 'S'. */
static void check_worker(pid_t pid, struct worker_pipes *w) {
    int st = -1;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char c = 0;
    assert_int_equal(read(w->out[0], &c, 1), 1);
    assert_int_equal(c, 'O');
    assert_int_equal(read(w->shared[0], &c, 1), 1);
    assert_int_equal(c, 'S');
    int *fds[3] = {w->in, w->out, w->shared};
    for (int k = 0; k < 3; k++) {
        close(fds[k][0]);
        close(fds[k][1]);
    }
}

/* Two FORK requests to `state` as the coordinator sends them, each
 * worker checked (checking_worker_main); then the server stopped. */
static void fork_two_workers(struct fs_state *state) {
    for (int round = 0; round < 2; round++) {
        struct worker_pipes w;
        open_worker_pipes(&w);
        const int fds[3] = {w.in[0], w.out[1], w.shared[1]};
        int64_t pid = 0;
        assert_int_equal(send_request(state, OP_FORK, 0, 0, fds, 3), 0);
        assert_int_equal(recv_reply(state, &pid, sizeof pid), 0);
        assert_true(pid > 0);
        check_worker((pid_t)pid, &w);
    }
    fs_destroy(state);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* A FORK request: the worker finds its three descriptors on 0, 3 and 4
 * and nothing else. */
static void test_worker_descriptors(void **unused) {
    (void)unused;
    struct pb_host h;
    fork_two_workers(started_server(&h, checking_worker_main));
}

/* A server started without stdout receives a worker's descriptors on 0,
 * 1 and 3: the worker still finds them on 0, 3 and 4, and 1 closed. */
static void test_worker_descriptors_without_stdout(void **unused) {
    (void)unused;
    int saved = dup(STDOUT_FILENO);
    assert_true(saved >= 0);
    fflush(stdout);
    close(STDOUT_FILENO);
    expect_closed = STDOUT_FILENO;
    struct pb_host h;
    struct fs_state *state = started_server(&h, checking_worker_main);
    expect_closed = -1;
    /* The coordinator's end of the socket may have taken the free 1. */
    if (state->sock == STDOUT_FILENO)
        assert_true((state->sock = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3)) >
                    STDOUT_FILENO);
    assert_int_equal(dup2(saved, STDOUT_FILENO), STDOUT_FILENO);
    close(saved);
    fork_two_workers(state);
}

/* become_worker with the descriptors where they would overwrite one
 * another (input on 4, output on 0, shared on 3): each still ends on its
 * own number. */
static void test_worker_descriptors_crossed(void **unused) {
    (void)unused;
    struct pb_host h = fake_host;
    h.worker_main = checking_worker_main;
    struct worker_pipes w;
    open_worker_pipes(&w);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = fcntl(w.in[0], F_DUPFD, 100);
        int out = fcntl(w.out[1], F_DUPFD, 100);
        int shared = fcntl(w.shared[1], F_DUPFD, 100);
        if (in < 0 || out < 0 || shared < 0 || dup2(in, 4) != 4 ||
            dup2(out, 0) != 0 || dup2(shared, 3) != 3)
            _exit(30);
        int fds[3] = {4, 0, 3};
        become_worker(&h, fds, 3);
    }
    check_worker(pid, &w);
}

/* host->worker_spec and worker_job of a core (2.4), for the server: the
 * spec is taken as it is, and no worker gets a job -- each says so on the
 * channel, as a worker whose create() failed does. */
static int spec_token;

static void *spec_as_is(const void *spec, size_t spec_len, char *err,
                        size_t errlen) {
    (void)spec;
    (void)spec_len;
    (void)err;
    (void)errlen;
    return &spec_token;
}

static struct pb_job *no_job(const struct pb_worker_start *start,
                             void *workload, int shared_fd, char *err,
                             size_t errlen) {
    (void)shared_fd;
    snprintf(err, errlen, "worker %u: %s", start->worker,
             workload == &spec_token ? "no job in this test" : "no spec");
    return NULL;
}

static uint64_t ipc_bytes;

static void count_ipc(struct pb_job *job, uint64_t bytes) {
    assert_null(job);
    ipc_bytes += bytes;
}

/* The request per repetition (run_channel): one JOB, and the server forks
 * both workers and answers their pids in one batch, the last, with its
 * usage; each worker starts from the job (here: says it has none, tagged
 * with its number); and once they are forked the server holds none of
 * the job's descriptors -- the shared one's pipe ends when the workers'
 * copies are gone too. */
static void job_forks_all(struct pb_host *hp, struct fs_state *s,
                          uint32_t flags) {
    struct pb_host h = *hp;
    ipc_bytes = 0;
    int chan[2], shared[2];
    assert_int_equal(
        socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan), 0);
    assert_int_equal(pipe2(shared, O_CLOEXEC), 0);
    struct pb_job *job = NULL; /* only counted in (count_ipc) */
    struct pb_worker_start st;
    memset(&st, 0, sizeof st);
    st.workers = 2;
    st.parent = (uint64_t)getpid();
    st.flags = PB_WORKER_SHARED | PB_WORKER_NO_RELEASE;
    st.spec_len = 4;
    assert_int_equal(
        send_job(&h, job, s, &st, "spec", flags, chan[1], shared[1], -1), 0);
    assert_int_equal(ipc_bytes, sizeof(struct fs_request) + sizeof st + 4);
    close(chan[1]);
    close(shared[1]);
    struct fs_batch b;
    assert_int_equal(recv_reply(s, &b, sizeof b), 0);
    assert_int_equal(b.n, 2);
    assert_int_equal(b.last, 1);
    assert_true(b.pid[0] > 0 && b.pid[1] > 0);
    assert_true(b.u.ru.ru_maxrss > 0);
    /* Each worker's error, tagged with its number + 1. */
    unsigned seen = 0;
    for (int k = 0; k < 2; k++) {
        unsigned char rec[512];
        ssize_t n = recv(chan[0], rec, sizeof rec - 1, 0);
        struct pb_frame f;
        uint32_t tag = 0;
        assert_true(n > (ssize_t)(sizeof tag + sizeof f));
        memcpy(&tag, rec, sizeof tag);
        memcpy(&f, rec + sizeof tag, sizeof f);
        rec[n] = '\0';
        assert_true(tag == 1 || tag == 2);
        seen |= 1u << tag;
        assert_int_equal(f.type, PB_FRAME_ERROR);
        assert_non_null(
            strstr((char *)rec + sizeof tag + sizeof f, "no job in this test"));
    }
    assert_int_equal(seen, 6u);
    for (int k = 0; k < 2; k++) {
        int st2 = 0;
        assert_int_equal(waitpid((pid_t)b.pid[k], &st2, 0), (pid_t)b.pid[k]);
        assert_true(WIFEXITED(st2));
        assert_int_equal(WEXITSTATUS(st2), PB_WORKER_EXIT_START);
    }
    /* A request after the job is answered once the server has dropped
     * the job: the pipe's write end is then nowhere. */
    struct fs_usage u;
    assert_int_equal(send_request(s, OP_USAGE, 0, 0, NULL, 0), 0);
    assert_int_equal(recv_reply(s, &u, sizeof u), 0);
    struct pollfd pf = {.fd = shared[0], .events = POLLIN};
    assert_int_equal(poll(&pf, 1, 0), 1);
    assert_true(pf.revents & POLLHUP);
    close(shared[0]);
    close(chan[0]);
    fs_destroy(s);
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
}

/* The fake host as a core that has worker_spec and worker_job (2.4). */
static struct pb_host job_host(void) {
    struct pb_host h = fake_host;
    h.worker_main = no_worker_main;
    h.worker_spec = spec_as_is;
    h.worker_job = no_job;
    h.job_add_ipc = count_ipc;
    return h;
}

/* The server forked from this process (a core without helper_spawn). */
static void test_job_forks_all(void **unused) {
    (void)unused;
    struct pb_host h = job_host();
    job_forks_all(&h, server_for(&h), 0);
}

/* The server started through helper_spawn (`server = exec`, the
 * default): the same answers, and the workers' tails (FS_TAILS) are
 * the ones it mapped from the memory file -- without them it would
 * refuse a job for tails it does not have. */
static void test_job_forks_all_exec(void **unused) {
    (void)unused;
    struct pb_host h = job_host();
    h.helper_spawn = spawn_in_test;
    helper_host = job_host();
    struct pb_params params;
    fake_params_init(&params, &fs_desc);
    assert_string_equal(fake_host.param_string(&params, "server"), "exec");
    struct fs_state *s = server_with(&h, &params);
    assert_non_null(s->tails);
    job_forks_all(&h, s, FS_TAILS);
}

/* `server = fork` forks it though the host could start a helper. */
static void test_server_fork_param(void **unused) {
    (void)unused;
    struct pb_host h = job_host();
    h.helper_spawn = spawn_in_test;
    struct pb_params params;
    fake_params_init(&params, &fs_desc);
    fake_params_set_string(&params, "server", "fork");
    assert_int_equal(server_exec(&h, &params), 0);
    fake_params_set_string(&params, "server", "exec");
    assert_int_equal(server_exec(&h, &params), 1);
    h.helper_spawn = NULL;
    assert_int_equal(server_exec(&h, &params), 0);
}

/* A helper started with descriptors fs_prepare never hands over. */
static void test_helper_refuses(void **unused) {
    (void)unused;
    struct pb_host h = job_host();
    char said[300];
    assert_int_equal(fs_helper(&h, 0), 2);
    assert_int_equal(fs_helper(&h, 3), 2);
    assert_int_equal(fake_last_log(said, sizeof said), PB_LOG_ERROR);
    assert_string_equal(said, "the fork server takes its socket and the "
                              "workers' tails, not 3 descriptors");
    /* Tails that are not there: an empty file on 4. */
    int fd = memfd_create("empty", MFD_CLOEXEC);
    assert_true(fd >= 0);
    int saved = dup(4);
    assert_int_equal(dup2(fd, 4), 4);
    assert_int_equal(fs_helper(&h, 2), 1);
    assert_int_equal(fake_last_log(said, sizeof said), PB_LOG_ERROR);
    assert_string_equal(said, "the fork server cannot map the workers' "
                              "tails from descriptor 4: the file is too small");
    if (saved >= 0) {
        dup2(saved, 4);
        close(saved);
    } else {
        close(4);
    }
    close(fd);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_descriptor),
        cmocka_unit_test(test_refuses_host_without_worker_main),
        cmocka_unit_test(test_server_life),
        cmocka_unit_test(test_worker_descriptors),
        cmocka_unit_test(test_worker_descriptors_without_stdout),
        cmocka_unit_test(test_worker_descriptors_crossed),
        cmocka_unit_test(test_job_forks_all),
        cmocka_unit_test(test_job_forks_all_exec),
        cmocka_unit_test(test_server_fork_param),
        cmocka_unit_test(test_helper_refuses),
    };
    return cmocka_run_group_tests(tests, load_workloads, unload_workloads);
}
