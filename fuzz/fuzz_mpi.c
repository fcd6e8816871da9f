/* SPDX-License-Identifier: MIT */
/*
 * fuzz_mpi.c - what the `mpi` executor reads back from mpirun: the root
 * rank's frames (core/util/mpiwire.h) and mpirun's standard error.
 * plugins/executors/mpi.c is compiled in, as fuzz_frames.c compiles
 * procs.c, to reach its static functions: mpi_serve (over mpi_get,
 * mpi_fill and mpi_frame) reads one repetition's frames into a real core
 * job (job_deliver, job_self_usage, job_process_host); when they end
 * before MPIWIRE_DONE, mpi_stderr reads mpirun's standard error back from
 * its memfd and mpi_explain makes it the job's failure, naming the rank,
 * its host and its task.  The launch (struct mpi_launch) and each
 * repetition (struct mpi_rep) are built as mpi_launch() and mpi_run()
 * build them, but no mpirun is started: L->pid stays 0, so mpi_end reaps
 * nothing and nothing is killed, and there is no root's input (L->in is
 * -1: no start or GO record is sent).
 *
 * Input: byte 0 is the set-up (bits 0-1: workers - 1; bit 2: dynamic
 * schedule; bit 3: lifetime = cell; bit 4: the root writes to mpirun's
 * output rather than to the frames' pipe; bit 5: a task page; bits 6-7:
 * how mpirun ended: exit 0, exit 1, killed by SIGTERM, by SIGKILL), byte
 * 1 is tasks - 1, byte 2 the bytes per write of the root (0: PIPE_BUF),
 * byte 3 (bits 0-1) the repetitions - 1 of a launch under lifetime =
 * cell; the rest is the root's stream, then optionally "PBE|" and
 * mpirun's standard error.
 *
 * The stream goes through a real pipe in packet mode (O_DIRECT): each
 * write is a packet and each of mpi_fill's reads returns one, so frames
 * straddle reads as they do when the root flushes often.  What the pipe
 * cannot hold (256 packets, where F_SETPIPE_SZ allows 1 MiB) is cut off,
 * as if the root had died there.  The frames' pipe keeps its write end
 * open in L->frames[1], as the cell process does, and is read
 * non-blocking; mpirun's output is a pipe whose write end is closed once
 * filled, so its end-of-file ends the reading.  Under lifetime = cell a
 * repetition that ends with MPIWIRE_DONE is followed by the next (a new
 * job each), reading on where the last one stopped, as the cell's next
 * run() does; after the last, the launch ends as mpi_destroy() ends it.  The
 * standard error is written to its memfd when the frames have ended (mpirun
 * reports when the job dies), then read and, when no MPIWIRE_DONE came,
 * explained with the set-up's exit status.  Lines of it that mpi_forward_logs
 * passes on ("parbench: ...") go to /dev/null unless PB_FUZZ_VERBOSE is set.
 *
 * Oracles, besides fuzz_judge's on each repetition's job (fuzz_job.h:
 * each task merged at most once and in range, a complete job does not
 * fail, a failed one says why): mpi_serve returns -1, 0 or 1, and 0 only
 * once mpirun's output has ended with everything read used up; the
 * frame buffer grows with the bytes that came (at most twice the stream
 * and a read-ahead), not with what a frame's header says; a task
 * mpi_current names is one of the job's; mpi_host_of gives, for any rank
 * (in range or not), "?" or the name of that rank's entry of L->hosts,
 * NUL-terminated, and mpi_current reads an entry only inside L->hosts
 * (whatever L->nhosts counts: the sanitizers check the reads);
 * mpi_explain fails the job exactly once, with a NUL-terminated message
 * that names either no rank (mpirun's own: "mpirun ...", "Open MPI
 * ...") or a rank of the job as mpi_who names it, and any exit status it
 * gives a rank is one that an "Exit code:" of the text says.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "fuzz_job.h"

/* The executor, with its static functions. */
#include "../plugins/executors/mpi.c"

#define FUZZ_SEP "PBE|"
#define FUZZ_PIPE_BYTES (1 << 20)

/* mpirun's wait status, by bits 6-7 of the set-up byte. */
static const int fz_status[4] = {0, 1 << 8, SIGTERM, SIGKILL};

struct fz_setup {
    unsigned workers;
    enum pb_schedule schedule;
    int per_cell, status;
    unsigned reps; /* lifetime = cell: repetitions of the launch */
    uint64_t tasks;
    const uint8_t *text; /* mpirun's standard error */
    size_t text_len;
    size_t fed; /* bytes of the stream the pipe took */
};

static struct host_instance fz_hi; /* the core's table, a few wrapped */
static int err_fd = -1;            /* dup'ed as each launch's L->err */
static FILE *devnull;
static unsigned usages; /* job_self_usage calls: MPIWIRE_USAGE frames */

/* What job_fail was handed while mpi_explain ran. */
static struct {
    int on, calls;
    char text[2048];
} said;

__attribute__((format(printf, 3, 4))) static void
fz_job_fail(struct pb_job *job, int crashed, const char *fmt, ...) {
    char text[sizeof said.text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (said.on) {
        said.calls++;
        memcpy(said.text, text, sizeof text);
    }
    job_failf(job, crashed, "%s", text);
}

__attribute__((format(printf, 3, 4))) static void
fz_log(const struct pb_host *h, enum pb_log_level level, const char *fmt, ...) {
    (void)h, (void)level;
    if (!fuzz_verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void fz_self_usage(struct pb_job *job, unsigned worker,
                          const struct rusage *ru, uint64_t pss_kib) {
    usages++;
    job_self_usage(job, worker, ru, pss_kib);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_verbose = getenv("PB_FUZZ_VERBOSE") != NULL;
    err_fd = memfd_create("parbench-fuzz-mpirun-stderr", MFD_CLOEXEC);
    devnull = fopen("/dev/null", "we");
    if (err_fd < 0 || !devnull)
        fuzz_fail("cannot make mpirun's standard error");
    host_init(&fz_hi, "mpi");
    fz_hi.host.job_fail = fz_job_fail;
    fz_hi.host.log = fz_log;
    fz_hi.host.job_self_usage = fz_self_usage;
    return 0;
}

/* A pipe in packet mode, as large as the system lets it be, its write end
 * non-blocking (filling it stops where it is full). */
static void packet_pipe(int p[2]) {
    int fl;
    if (pipe2(p, O_CLOEXEC | O_DIRECT) < 0 || (fl = fcntl(p[1], F_GETFL)) < 0 ||
        fcntl(p[1], F_SETFL, fl | O_NONBLOCK) < 0)
        fuzz_fail("cannot make a pipe");
    (void)fcntl(p[1], F_SETPIPE_SZ, FUZZ_PIPE_BYTES);
}

/* Writes len bytes to the pipe's write end fd, `chunk` (<= PIPE_BUF, so
 * each write is whole or refused) at a time, until the pipe is full.
 * Returns the bytes written. */
static size_t fill(int fd, const uint8_t *at, size_t len, size_t chunk) {
    size_t done = 0;
    while (done < len) {
        size_t n = len - done < chunk ? len - done : chunk;
        ssize_t k = write(fd, at + done, n);
        if (k <= 0)
            break;
        done += (size_t)k;
    }
    return done;
}

/* mpi_host_of(L, rank): "?" or the NUL-terminated name of L->hosts[rank],
 * never another entry's nor anything outside L->hosts. */
static void check_host_of(const struct mpi_launch *L, unsigned rank) {
    const char *n = mpi_host_of(L, rank);
    uintptr_t p = (uintptr_t)n, lo = (uintptr_t)L->hosts,
              hi = (uintptr_t)(L->hosts + L->workers + 1);
    if (p >= lo && p < hi) {
        if (rank > L->workers || n != L->hosts[rank].name)
            fuzz_fail("mpi_host_of(%u) of %u ranks is entry %zu's name", rank,
                      L->workers + 1, (size_t)(p - lo) / sizeof *L->hosts);
        if (!n[0] || !memchr(n, '\0', sizeof L->hosts[rank].name))
            fuzz_fail("rank %u's host name is empty or not terminated", rank);
    } else if (strcmp(n, "?") != 0) {
        fuzz_fail("mpi_host_of(%u) is \"%.64s\", from outside L->hosts", rank,
                  n);
    }
}

/* What a crash report would read of the launch, for every rank (those
 * past the launch too, as a report's rank comes from mpirun's text). */
static void check_hosts(const struct mpi_rep *r) {
    const struct mpi_launch *L = r->L;
    char at[64];
    for (unsigned rank = 0; rank <= L->workers + 2; rank++) {
        check_host_of(L, rank);
        mpi_where(r, rank, at, sizeof at);
    }
    check_host_of(L, UINT_MAX);
    mpi_where(r, UINT_MAX, at, sizeof at);
    for (unsigned w = 0; w < L->workers; w++) {
        /* mpi_current reads L->hosts[w + 1] when w + 1 < L->nhosts.
         * nhosts counts HOST frames, a rank's second one too, so it may
         * pass W + 1: what keeps the read inside L->hosts is that each
         * caller's w is a worker of the launch (mpi_where checks). */
        if (L->page && w + 1 < L->nhosts && w + 1 > L->workers)
            fuzz_fail("worker %u's host entry is past L->hosts", w);
        uint64_t t = mpi_current(r, w);
        if (t != PB_NO_TASK && t >= r->tasks)
            fuzz_fail("worker %u is said to run task %llu of %llu", w,
                      (unsigned long long)t, (unsigned long long)r->tasks);
    }
}

/* 1 when an "Exit code:" of text gives `code`. */
static int text_gives_code(const char *text, int code) {
    for (const char *p = text; p && (p = strstr(p, "Exit code:")); p++) {
        int c;
        if (sscanf(p, "Exit code: %d", &c) == 1 && c == code)
            return 1;
    }
    return 0;
}

/* mpi_explain on mpirun's standard error `text`, and its oracles. */
static void explain(struct mpi_rep *r, int status, const char *text) {
    said.on = 1;
    said.calls = 0;
    said.text[0] = '\0';
    mpi_explain(r, status, text);
    said.on = 0;
    const char *m = said.text;
    if (said.calls != 1)
        fuzz_fail("mpi_explain failed the job %d times", said.calls);
    if (!memchr(m, '\0', sizeof said.text))
        fuzz_fail("mpi_explain's message is not terminated");
    fuzz_note("explain: %s", m);
    unsigned worker, rank;
    if (sscanf(m, "worker %u (rank %u", &worker, &rank) == 2) {
        if (worker >= r->L->workers || rank != worker + 1)
            fuzz_fail("\"%s\" names no worker of %u", m, r->L->workers);
    } else if (sscanf(m, "the root (rank %u", &rank) == 1) {
        if (rank != 0)
            fuzz_fail("\"%s\" names the root as another rank", m);
    } else {
        if (strncmp(m, "mpirun", 6) != 0 && strncmp(m, "Open MPI", 8) != 0)
            fuzz_fail("\"%s\" names neither a rank nor mpirun", m);
        return;
    }
    char who[160];
    mpi_who(r->L, rank, who, sizeof who);
    size_t n = strlen(who);
    if (strncmp(m, who, n) != 0)
        fuzz_fail("\"%s\" does not start with rank %u as \"%s\"", m, rank, who);
    int code;
    if (sscanf(m + n, " exited with status %d", &code) == 1 &&
        !text_gives_code(text ? text : "", code))
        fuzz_fail("\"%s\": no \"Exit code: %d\" in mpirun's text", m, code);
}

/* mpi_forward_logs, into /dev/null unless verbose: stderr is swapped for
 * the call (glibc's stderr is a variable), so that a sanitizer's report,
 * written to descriptor 2, still shows. */
static void forward_logs(const char *text) {
    FILE *keep = stderr;
    if (!fuzz_verbose)
        stderr = devnull;
    mpi_forward_logs(text);
    stderr = keep;
}

/* One repetition as mpi_run() serves it after its GO.  Returns 1 when it
 * ended the launch (mpirun reaped), 0 when the launch goes on. */
static int repetition(struct mpi_launch *L, const struct fz_setup *u) {
    const struct pb_host *h = &fz_hi.host;
    struct fz_state st;
    memset(&st, 0, sizeof st);
    st.tasks = u->tasks;
    struct pb_job *job = job_new(h, &fz_ops, &st, u->workers, u->schedule);
    if (!job)
        fuzz_fail("job_new failed");
    struct mpi_rep r = {.L = L,
                        .h = h,
                        .job = job,
                        .per_cell = u->per_cell,
                        .tasks = h->job_tasks(job),
                        .schedule = h->job_schedule(job)};
    r.results = calloc(u->workers, sizeof *r.results);
    r.current = malloc(u->workers * sizeof *r.current);
    if (!r.results || !r.current)
        fuzz_fail("out of memory");
    for (unsigned i = 0; i < u->workers; i++)
        r.current[i] = PB_NO_TASK;
    L->repetition++;
    usages = 0;
    int rc = mpi_serve(&r);
    if (rc < -1 || rc > 1)
        fuzz_fail("mpi_serve returned %d", rc);
    if (rc == 0 && (!L->out_ended || L->ahead_pos != L->ahead_len))
        fuzz_fail("mpi_serve saw an end with mpirun's output open (%d) or "
                  "%zu bytes unread",
                  L->out_ended, L->ahead_len - L->ahead_pos);
    if (L->cap > 2 * u->fed + MPI_READ_AHEAD)
        fuzz_fail("a frame's buffer of %zu bytes for %zu bytes of stream",
                  L->cap, u->fed);
    uint64_t msgs = 0;
    for (unsigned i = 0; i < u->workers; i++)
        msgs += r.results[i];
    fuzz_note("repetition %u: mpi_serve %d after %u HOST, %llu MSG and %u "
              "USAGE frames; worker 0 in task %lld",
              L->repetition, rc, L->nhosts, (unsigned long long)msgs, usages,
              (long long)mpi_current(&r, 0));
    check_hosts(&r);
    if (rc < 0)
        h->job_fail(job, 1, "the root rank sent a malformed record");
    int ended = rc <= 0 || !u->per_cell;
    if (ended) {
        mpi_end(L);
        if (u->text_len &&
            pwrite(L->err, u->text, u->text_len, 0) != (ssize_t)u->text_len)
            fuzz_fail("cannot write mpirun's standard error");
    }
    char *text = mpi_stderr(L);
    forward_logs(text);
    if (rc == 0)
        explain(&r, u->status, text);
    else if (rc == 1 && ended &&
             !(WIFEXITED(u->status) && WEXITSTATUS(u->status) == 0))
        h->job_fail(job, 1, "mpirun exited with status %d after the work",
                    WIFEXITED(u->status) ? WEXITSTATUS(u->status) : -1);
    free(text);
    free(r.results);
    free(r.current);
    fuzz_judge(job, &st, u->workers);
    return ended;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 4)
        return 0;
    struct fz_setup u = {
        .workers = (data[0] & 3u) + 1,
        .schedule = data[0] & 4u ? PB_SCHEDULE_DYNAMIC : PB_SCHEDULE_STATIC,
        .per_cell = (data[0] & 8u) != 0,
        .status = fz_status[data[0] >> 6],
        .tasks = (uint64_t)data[1] + 1,
        .reps = (data[3] & 3u) + 1,
    };
    int via_out = (data[0] & 16u) != 0, page = (data[0] & 32u) != 0;
    size_t chunk = data[2] ? data[2] : PIPE_BUF;
    const uint8_t *at = data + 4, *end = data + size, *stream;
    size_t len;
    fuzz_next_part(&at, end, FUZZ_SEP, &stream, &len);
    u.text = at;
    u.text_len = (size_t)(end - at);

    /* The launch as mpi_launch() leaves it, mpirun's pipes aside. */
    struct mpi_launch L;
    mpi_reset(&L);
    L.workers = u.workers;
    L.hosts = calloc(u.workers + 1, sizeof *L.hosts);
    L.ahead = malloc(MPI_READ_AHEAD);
    struct mpiwire_start s;
    memset(&s, 0, sizeof s);
    if (!L.hosts || !L.ahead || (page && mpi_make_page(&L, u.workers, &s) < 0))
        fuzz_fail("cannot set the launch up");
    int out[2];
    packet_pipe(L.frames);
    packet_pipe(out);
    if (fcntl(L.frames[0], F_SETFL, O_NONBLOCK) < 0)
        fuzz_fail("cannot make the frames' pipe non-blocking");
    u.fed = fill(via_out ? out[1] : L.frames[1], stream, len, chunk);
    close(out[1]);
    L.out = out[0];
    if (ftruncate(err_fd, 0) < 0 || (L.err = dup(err_fd)) < 0)
        fuzz_fail("cannot set mpirun's standard error up");
    fuzz_note("%u workers, %llu tasks, %s, lifetime %s (%u repetitions), "
              "%s task page; "
              "%zu of %zu bytes through %s, %zu a write; %zu bytes of text",
              u.workers, (unsigned long long)u.tasks,
              u.schedule == PB_SCHEDULE_DYNAMIC ? "dynamic" : "static",
              u.per_cell ? "cell" : "repetition", u.reps, page ? "a" : "no",
              u.fed, len, via_out ? "mpirun's output" : "the frames' pipe",
              chunk, u.text_len);

    for (unsigned i = 0; i < u.reps && !repetition(&L, &u); i++)
        ;
    if (L.out >= 0) /* lifetime = cell, still running: the cell's end */
        mpi_end(&L);
    mpi_free(&L);
    return 0;
}
