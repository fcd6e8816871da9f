/* SPDX-License-Identifier: MIT */
/*
 * mpi_worker.c - parbench-mpi-worker: the ranks of the `mpi` executor.
 * Started by `mpirun -np W+1`, never by hand.  Rank 0 is the root: it
 * reads the start record and the workload spec from its standard input
 * (forwarded by mpirun from the cell process), broadcasts them, hands out
 * tasks and gathers results through MPI, and relays the results to the
 * cell process as frames on its standard output.  Ranks 1..W are workers
 * 0..W-1: each re-creates the workload from the spec and runs the core's
 * worker loop, exactly as parbench-worker does, with MPI as the transport.
 * The records are in core/util/mpiwire.h; docs/mpi.md tells the story.
 *
 * Only this program links Open MPI: parbench, parbench-worker and the cell
 * processes of other executors never map it.
 *
 * Waiting: Open MPI's blocking calls poll the network and shared memory
 * without sleeping, so a rank that waits burns a core the workers need.
 * Every wait here goes through mw_wait, which probes for about 20 us and
 * then sleeps between probes, 10 us doubling up to 250 us.
 *
 * Claims (dynamic schedule): the next task's index is a counter in an MPI
 * window on the root, and a worker takes one with an atomic fetch-and-add
 * (MPI_Fetch_and_op, passive target), then tells the root which task it
 * took in a message it does not wait on.  On one machine Open MPI's
 * shared-memory window does the addition in place, so a claim never waits
 * for the root to wake; a claim message answered by the root cost up to
 * its 250 us sleep per task.  Where no window can be made, claims are
 * messages as before.
 */
#include <errno.h>
#include <mpi.h>
#include <parbench/worker.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "results/meta.h"
#include "run/host.h"
#include "run/job.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/mpiwire.h"
#include "util/selfusage.h"
#include "version.h"

/* A spec larger than this is refused rather than allocated. */
#define MW_SPEC_MAX (64u << 20)
#define MW_SPIN_NS 20000u
#define MW_SLEEP_MIN_NS 10000L
#define MW_SLEEP_MAX_NS 250000L
/* The root's longest pause with one-sided claims: what a repetition's end
 * may wait for the root to notice it. */
#define MW_ROOT_SLEEP_MAX_NS 1000000L

static int mw_rank = -1;
static char mw_host[64] = "?";

/* The rank cannot start: say why on stderr (mpirun's, which the executor
 * reads) and exit; mpirun then ends the job. */
static void mw_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void mw_die(const char *fmt, ...) {
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "parbench-mpi-worker: rank %d on host %s: %s\n", mw_rank,
            mw_host, text);
    fflush(stderr);
    _exit(PB_WORKER_EXIT_START);
}

/* How long mw_wait sleeps between probes: MW_SLEEP_MIN_NS doubling up to
 * `max_ns`, after `spin_ns` of probing without a pause. */
struct mw_backoff {
    long sleep_ns, max_ns;
    uint64_t spin_ns;
};

/* Waits until a message from `src` with `tag` (MPI_ANY_* allowed) can be
 * received, without spinning for long (see the top of the file).  With
 * `b`, the pause reached is kept for the next wait (the root during a
 * repetition); without, each wait starts afresh. */
static void mw_wait(int src, int tag, MPI_Status *st, struct mw_backoff *b) {
    struct mw_backoff fresh = {MW_SLEEP_MIN_NS, MW_SLEEP_MAX_NS, MW_SPIN_NS};
    if (!b)
        b = &fresh;
    uint64_t t0 = clock_mono_ns();
    for (;;) {
        int flag = 0;
        if (MPI_Iprobe(src, tag, MPI_COMM_WORLD, &flag, st) != MPI_SUCCESS)
            mw_die("MPI_Iprobe failed");
        if (flag)
            return;
        if (clock_mono_ns() - t0 < b->spin_ns)
            continue;
        struct timespec ts = {0, b->sleep_ns};
        nanosleep(&ts, NULL);
        if (b->sleep_ns < b->max_ns)
            b->sleep_ns =
                b->sleep_ns * 2 > b->max_ns ? b->max_ns : b->sleep_ns * 2;
    }
}

/* Receives `len` bytes from `src` with `tag`, after mw_wait. */
static void mw_recv(void *buf, int len, int src, int tag) {
    MPI_Status st;
    mw_wait(src, tag, &st, NULL);
    MPI_Recv(buf, len, MPI_BYTE, st.MPI_SOURCE, tag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
}

/* ------------------------------------------------------------------------ */
/* Where this rank runs                                                     */
/* ------------------------------------------------------------------------ */

static void mw_boot_id(char *buf, size_t len) {
    buf[0] = '\0';
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
    if (!f)
        return;
    if (!fgets(buf, (int)len, f))
        buf[0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    fclose(f);
}

/* The parent of `pid` from /proc/PID/stat; 0 when unknown. */
static pid_t mw_parent_of(pid_t pid) {
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long ppid = 0;
    if (fgets(line, sizeof line, f)) {
        /* "PID (COMM) STATE PPID ...": COMM may hold blanks and parens. */
        char *p = strrchr(line, ')');
        if (!p || sscanf(p + 1, " %*c %ld", &ppid) != 1)
            ppid = 0;
    }
    fclose(f);
    return (pid_t)ppid;
}

/* 1 when this process runs on the cell's host (the same boot): then its
 * CLOCK_MONOTONIC is the cell's. */
static int mw_same_host(const struct mpiwire_start *s) {
    char boot[40];
    mw_boot_id(boot, sizeof boot);
    return boot[0] && strncmp(boot, s->boot_id, sizeof s->boot_id) == 0;
}

/* 1 when this process runs on the cell's host and descends from the cell
 * process: then its CPU time reaches the cell through RUSAGE_CHILDREN. */
static int mw_descends_from(const struct mpiwire_start *s) {
    if (!mw_same_host(s))
        return 0;
    for (pid_t p = getppid(); p > 1; p = mw_parent_of(p))
        if (p == (pid_t)s->cell_pid)
            return 1;
    return 0;
}

/* This rank's usage since `base`; its Pss and USS only when `memory`
 * (nobody reads them with [run] memory = off: 0). */
static void mw_usage(struct mpiwire_usage *u, const struct rusage *base,
                     int local, int memory) {
    struct rusage since = *base;
    memset(u, 0, sizeof *u);
    u->rank = (uint32_t)mw_rank;
    u->local = (uint32_t)local;
    selfusage_since(&u->use, &since);
    if (!memory)
        return;
    struct job_smaps sm;
    (void)job_read_smaps(0, &sm);
    u->use.pss_kib = sm.pss_kib;
    u->use.uss_kib = sm.uss_kib;
}

/* ------------------------------------------------------------------------ */
/* The root: rank 0                                                         */
/* ------------------------------------------------------------------------ */

/* The claim counter: a uint64_t in a window on the root (rank 0, displacement
 * 0), locked by every rank (MPI_Win_lock_all) for the whole launch. */
struct mw_counter {
    MPI_Win win;
    uint64_t *base; /* the counter itself, on the root */
    int on;         /* made on every rank: claims are one-sided */
};

/* Makes the counter window when the schedule is dynamic.  Collective: every
 * rank calls it and all agree whether it was made (a launcher without a
 * one-sided component leaves claims as messages). */
static void mw_counter_make(struct mw_counter *c,
                            const struct mpiwire_start *s) {
    memset(c, 0, sizeof *c);
    if (s->schedule != PB_SCHEDULE_DYNAMIC)
        return;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int ok = MPI_Win_allocate(mw_rank == 0 ? (MPI_Aint)sizeof *c->base : 0,
                              (int)sizeof *c->base, MPI_INFO_NULL,
                              MPI_COMM_WORLD, &c->base, &c->win) == MPI_SUCCESS;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (all) {
        if (mw_rank == 0)
            *c->base = 0;
        MPI_Win_lock_all(0, c->win);
        c->on = 1;
    } else if (ok) {
        /* Made here but not everywhere: freeing it is collective and
         * would wait for the others, so it stays until MPI_Finalize. */
        c->win = MPI_WIN_NULL;
    }
}

static void mw_counter_free(struct mw_counter *c) {
    if (!c->on)
        return;
    MPI_Win_unlock_all(c->win);
    MPI_Win_free(&c->win);
    c->on = 0;
}

struct mw_root {
    int out; /* frames to the cell (the real standard output)   */
    struct mw_counter *counter;
    unsigned workers;
    uint64_t tasks, next;
    enum pb_schedule schedule;
    unsigned char *buf; /* one message being relayed        */
    size_t cap;
    uint64_t mpi_bytes; /* what mpiwire_done reports        */
};

static void root_frame(struct mw_root *r, uint32_t type, const void *a,
                       size_t alen, const void *b, size_t blen) {
    /* The cell gone: nobody left to tell; mpirun ends us on its own. */
    if (fdio_write_frame(r->out, type, a, alen, b, blen) < 0)
        _exit(PB_EXIT_INTERNAL);
}

/* One repetition: GO to every worker, serve claims, relay results and
 * usage until every worker is done, release them, report DONE. */
static void root_repetition(struct mw_root *r, const struct mpiwire_go *go,
                            const struct rusage *base, int local) {
    if (r->counter->on) {
        /* Back to 0 before any worker has its GO (a worker that claimed
         * first would find last repetition's count and sit this one out);
         * every claim of the last repetition was complete before its
         * worker's DONE. */
        uint64_t zero = 0, old;
        MPI_Fetch_and_op(&zero, &old, MPI_UINT64_T, 0, 0, MPI_REPLACE,
                         r->counter->win);
        MPI_Win_flush(0, r->counter->win);
    }
    r->next = 0;
    for (unsigned w = 0; w < r->workers; w++)
        MPI_Send(go, sizeof *go, MPI_BYTE, (int)w + 1, MPIWIRE_TAG_GO,
                 MPI_COMM_WORLD);
    r->mpi_bytes += (uint64_t)r->workers * sizeof *go;
    /* With one-sided claims nothing waits on the root before the last
     * DONE: its pause grows to MW_ROOT_SLEEP_MAX_NS and stays there (one
     * spin at the start), rather than starting again at 10 us after every
     * message (about 500 wake-ups in a repetition of 32 tasks, each taking
     * the CPU from a worker).  With claims as messages a worker waits on
     * the root for each task: every wait starts afresh (NULL). */
    struct mw_backoff wait = {MW_SLEEP_MIN_NS, MW_ROOT_SLEEP_MAX_NS,
                              MW_SPIN_NS};
    struct mw_backoff *pace = r->counter->on ? &wait : NULL;
    unsigned done = 0;
    while (done < r->workers) {
        MPI_Status st;
        mw_wait(MPI_ANY_SOURCE, MPI_ANY_TAG, &st, pace);
        wait.spin_ns = 0;
        int src = st.MPI_SOURCE;
        uint32_t worker = (uint32_t)(src - 1);
        if (st.MPI_TAG == MPIWIRE_TAG_CLAIM) {
            MPI_Recv(NULL, 0, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            uint64_t t = r->next < r->tasks ? r->next++ : PB_NO_TASK;
            MPI_Send(&t, sizeof t, MPI_BYTE, src, MPIWIRE_TAG_TASK,
                     MPI_COMM_WORLD);
            r->mpi_bytes += sizeof t;
            if (t != PB_NO_TASK) {
                struct mpiwire_task wt = {.worker = worker, .task = t};
                root_frame(r, MPIWIRE_TASK, &wt, sizeof wt, NULL, 0);
            }
        } else if (st.MPI_TAG == MPIWIRE_TAG_CLAIMED) {
            uint64_t t = PB_NO_TASK;
            MPI_Recv(&t, sizeof t, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            if (t >= r->tasks)
                mw_die("rank %d claimed task %llu of %llu", src,
                       (unsigned long long)t, (unsigned long long)r->tasks);
            /* The index fetched from the counter, and this notice. */
            r->mpi_bytes += 2 * sizeof t;
            struct mpiwire_task wt = {.worker = worker, .task = t};
            root_frame(r, MPIWIRE_TASK, &wt, sizeof wt, NULL, 0);
        } else if (st.MPI_TAG == MPIWIRE_TAG_MSG) {
            int n = 0;
            MPI_Get_count(&st, MPI_BYTE, &n);
            if ((size_t)n > r->cap) {
                free(r->buf);
                r->cap = (size_t)n;
                r->buf = malloc(r->cap);
                if (!r->buf)
                    mw_die("out of memory for a message of %d bytes", n);
            }
            MPI_Recv(r->buf, n, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            root_frame(r, MPIWIRE_MSG, &worker, sizeof worker, r->buf,
                       (size_t)n);
        } else if (st.MPI_TAG == MPIWIRE_TAG_DONE) {
            struct mpiwire_usage u;
            MPI_Recv(&u, sizeof u, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            r->mpi_bytes += sizeof u;
            root_frame(r, MPIWIRE_USAGE, &u, sizeof u, NULL, 0);
            done++;
        } else {
            mw_die("rank %d sent a message with unknown tag %d", src,
                   st.MPI_TAG);
        }
    }
    /* Every worker measured itself while all of them lived: release
     * (with memory off none waits for it). */
    for (unsigned w = 0; go->memory && w < r->workers; w++)
        MPI_Send(NULL, 0, MPI_BYTE, (int)w + 1, MPIWIRE_TAG_RELEASE,
                 MPI_COMM_WORLD);
    struct mpiwire_usage u;
    mw_usage(&u, base, local, (int)go->memory);
    root_frame(r, MPIWIRE_USAGE, &u, sizeof u, NULL, 0);
    struct mpiwire_done d = {.mpi_bytes = r->mpi_bytes};
    r->mpi_bytes = 0;
    root_frame(r, MPIWIRE_DONE, &d, sizeof d, NULL, 0);
}

static void root_main(int size, const struct mpiwire_host *hosts,
                      const struct mpiwire_start *s, int out, int local,
                      struct mw_counter *counter) {
    struct mw_root r = {.out = out,
                        .counter = counter,
                        .workers = s->workers,
                        .tasks = s->tasks,
                        .schedule = (enum pb_schedule)s->schedule};
    /* The launch: the start record and the spec reached every worker. */
    r.mpi_bytes = (uint64_t)s->workers * (sizeof *s + s->spec_len);
    for (int i = 0; i < size; i++)
        root_frame(&r, MPIWIRE_HOST, &hosts[i], sizeof hosts[i], NULL, 0);
    struct mpiwire_go go;
    struct rusage base;
    memset(&base, 0, sizeof base);
    while (fdio_read_full(PB_WORKER_FD_IN, &go, sizeof go) > 0) {
        if (go.magic != MPIWIRE_MAGIC || go.repetition == 0)
            mw_die("a malformed repetition record on standard input");
        if (s->lifetime == MPIWIRE_PER_CELL)
            getrusage(RUSAGE_SELF, &base);
        root_repetition(&r, &go, &base, local);
    }
    /* End of input: the cell is done with us. */
    struct mpiwire_go quit = {.magic = MPIWIRE_MAGIC, .repetition = 0};
    for (unsigned w = 0; w < r.workers; w++)
        MPI_Send(&quit, sizeof quit, MPI_BYTE, (int)w + 1, MPIWIRE_TAG_GO,
                 MPI_COMM_WORLD);
    free(r.buf);
}

/* ------------------------------------------------------------------------ */
/* The workers: ranks 1..W                                                  */
/* ------------------------------------------------------------------------ */

struct mw_worker {
    unsigned char *buf; /* head and body joined */
    size_t cap;
    const struct mw_counter *counter;
    uint64_t tasks;
};

/* io->send: the message to the root, in one MPI message. */
static int mw_send(void *ctx, const void *head, size_t head_len,
                   const void *body, size_t body_len) {
    struct mw_worker *w = ctx;
    size_t n = head_len + body_len;
    if (n > PB_FRAME_MAX)
        return -1;
    if (n > w->cap) {
        unsigned char *nb = realloc(w->buf, n);
        if (!nb)
            return -1;
        w->buf = nb;
        w->cap = n;
    }
    memcpy(w->buf, head, head_len);
    if (body_len)
        memcpy(w->buf + head_len, body, body_len);
    return MPI_Send(w->buf, (int)n, MPI_BYTE, 0, MPIWIRE_TAG_MSG,
                    MPI_COMM_WORLD) == MPI_SUCCESS
               ? 0
               : -1;
}

/* io->claim (dynamic): add 1 to the root's counter and tell the root which
 * task that was (see the top of the file); without the counter, ask the
 * root and wait for the index. */
static int mw_claim(void *ctx, unsigned worker, uint64_t *task) {
    const struct mw_worker *w = ctx;
    (void)worker;
    uint64_t t;
    if (w->counter->on) {
        const uint64_t one = 1;
        MPI_Fetch_and_op(&one, &t, MPI_UINT64_T, 0, 0, MPI_SUM,
                         w->counter->win);
        MPI_Win_flush(0, w->counter->win);
        if (t >= w->tasks)
            return 0;
        /* Small: sent eagerly, this worker does not wait for the root. */
        MPI_Send(&t, sizeof t, MPI_BYTE, 0, MPIWIRE_TAG_CLAIMED,
                 MPI_COMM_WORLD);
    } else {
        MPI_Send(NULL, 0, MPI_BYTE, 0, MPIWIRE_TAG_CLAIM, MPI_COMM_WORLD);
        mw_recv(&t, sizeof t, 0, MPIWIRE_TAG_TASK);
        if (t == PB_NO_TASK)
            return 0;
    }
    *task = t;
    return 1;
}

static void worker_main(const struct mpiwire_start *s, struct host_workload *wl,
                        int local, int same_host,
                        const struct mw_counter *counter) {
    unsigned worker = (unsigned)mw_rank - 1;
    struct mw_worker mw = {.counter = counter, .tasks = s->tasks};
    struct pb_worker_io io = {
        .ctx = &mw,
        .claim = s->schedule == PB_SCHEDULE_DYNAMIC ? mw_claim : NULL,
        .send = mw_send,
    };
    struct rusage base;
    memset(&base, 0, sizeof base);
    for (;;) {
        struct mpiwire_go go;
        mw_recv(&go, sizeof go, 0, MPIWIRE_TAG_GO);
        /* On another host, this clock is not the cell's: the ready time
         * (startup_s) is shifted onto the cell's clock by what separates
         * them now, minus the time the GO took to arrive. */
        int64_t offset =
            same_host ? 0 : (int64_t)(go.cell_ns - clock_mono_ns());
        if (go.repetition == 0)
            break;
        if (s->lifetime == MPIWIRE_PER_CELL)
            getrusage(RUSAGE_SELF, &base);
        struct pb_job *job = job_new(&wl->hi.host, wl->ops, wl->state,
                                     s->workers, (enum pb_schedule)s->schedule);
        if (!job)
            mw_die("out of memory for the job");
        job_set_clock_offset(job, offset);
        /* Failures travel in the messages. */
        (void)job_worker_loop(job, worker, &io);
        job_free(job);
        struct mpiwire_usage u;
        mw_usage(&u, &base, local, (int)go.memory);
        MPI_Send(&u, sizeof u, MPI_BYTE, 0, MPIWIRE_TAG_DONE, MPI_COMM_WORLD);
        if (go.memory)
            mw_recv(NULL, 0, 0, MPIWIRE_TAG_RELEASE);
    }
    free(mw.buf);
}

/* ------------------------------------------------------------------------ */

static const char mw_usage_text[] =
    "Usage: parbench-mpi-worker (started through mpirun by parbench's mpi\n"
    "executor, not by hand)\n"
    "\n"
    "Rank 0 reads a start record and a workload spec on standard input and\n"
    "writes frames on standard output; the other ranks run workers.  The\n"
    "records are described in docs/mpi.md.\n";

int main(int argc, char **argv) {
    if (argc > 1) {
        if (strcmp(argv[1], "--version") == 0) {
            printf("parbench-mpi-worker %s\n", PB_VERSION);
            return 0;
        }
        fputs(mw_usage_text, strcmp(argv[1], "--help") == 0 ? stdout : stderr);
        return strcmp(argv[1], "--help") == 0 ? 0 : PB_EXIT_USAGE;
    }
    /* Die with the launcher (mpirun, or Open MPI's daemon on a remote
     * host), which dies with the cell process. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() == 1)
        _exit(PB_WORKER_EXIT_START);
    signal(SIGPIPE, SIG_IGN);
    gethostname(mw_host, sizeof mw_host - 1);

    if (MPI_Init(&argc, &argv) != MPI_SUCCESS)
        mw_die("MPI_Init failed");
    int size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &mw_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int name_len = 0;
    char name[MPI_MAX_PROCESSOR_NAME];
    if (MPI_Get_processor_name(name, &name_len) == MPI_SUCCESS)
        snprintf(mw_host, sizeof mw_host, "%.*s", name_len, name);
    /* Standard output is the root's channel to the cell: the root keeps it
     * on a descriptor of its own, and every rank's stray output goes to
     * standard error. */
    int out = -1;
    if (mw_rank == 0 && (out = dup(STDOUT_FILENO)) < 0)
        mw_die("cannot duplicate standard output");
    dup2(STDERR_FILENO, STDOUT_FILENO);
    if (size < 2)
        mw_die("%d rank(s): the mpi executor starts one root and at least one "
               "worker",
               size);

    struct mpiwire_start s;
    char *spec = NULL;
    if (mw_rank == 0) {
        if (fdio_read_full(PB_WORKER_FD_IN, &s, sizeof s) <= 0 ||
            s.magic != MPIWIRE_MAGIC)
            mw_die("no valid start record on standard input (this program "
                   "is started by parbench)");
        if (s.workers != (uint32_t)size - 1 || s.schedule > 1 ||
            s.lifetime > 1 || s.spec_len == 0 || s.spec_len > MW_SPEC_MAX)
            mw_die("start record: %u workers for %d ranks, schedule %u, "
                   "lifetime %u, spec of %llu bytes",
                   s.workers, size, s.schedule, s.lifetime,
                   (unsigned long long)s.spec_len);
    }
    MPI_Bcast(&s, sizeof s, MPI_BYTE, 0, MPI_COMM_WORLD);
    spec = malloc(s.spec_len);
    if (!spec)
        mw_die("out of memory for a spec of %llu bytes",
               (unsigned long long)s.spec_len);
    if (mw_rank == 0 && fdio_read_full(PB_WORKER_FD_IN, spec, s.spec_len) <= 0)
        mw_die("the workload spec was cut off");
    MPI_Bcast(spec, (int)s.spec_len, MPI_BYTE, 0, MPI_COMM_WORLD);

    static struct host_workload wl;
    char err[512] = "";
    if (mw_rank > 0) {
        if (host_workload_from_spec(spec, s.spec_len, &wl, err, sizeof err) < 0)
            mw_die("%s", err);
        uint64_t n = wl.ops->task_count(wl.state);
        if (n != s.tasks)
            mw_die("the workload has %llu tasks here but %llu in the cell "
                   "process: its create() is not deterministic",
                   (unsigned long long)n, (unsigned long long)s.tasks);
    }
    free(spec);
    int local = mw_descends_from(&s);

    /* Every rank's host, for the error messages and the run metadata. */
    struct mpiwire_host me;
    memset(&me, 0, sizeof me);
    me.rank = (uint32_t)mw_rank;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    me.cores = cores > 0 ? (uint32_t)cores : 0;
    me.pid = (int64_t)getpid();
    snprintf(me.name, sizeof me.name, "%s", mw_host);
    meta_cpu_model(me.cpu, sizeof me.cpu);
    struct mpiwire_host *hosts =
        mw_rank == 0 ? calloc((size_t)size, sizeof *hosts) : NULL;
    if (mw_rank == 0 && !hosts)
        mw_die("out of memory");
    MPI_Gather(&me, sizeof me, MPI_BYTE, hosts, sizeof me, MPI_BYTE, 0,
               MPI_COMM_WORLD);

    struct mw_counter counter;
    mw_counter_make(&counter, &s);
    if (mw_rank == 0)
        root_main(size, hosts, &s, out, local, &counter);
    else
        worker_main(&s, &wl, local, mw_same_host(&s), &counter);
    mw_counter_free(&counter);
    free(hosts);
    MPI_Finalize();
    /* The workload lives until _exit, as in parbench-worker: its memory is
     * part of what a rank costs, and the kernel frees it faster. */
    _exit(0);
}
