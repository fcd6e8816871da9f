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
 * then sleeps between probes, 10 us doubling up to 250 us.  Between
 * repetitions a worker with the task page sleeps on its bell instead
 * (mpiwire.h), which the cell rings when the next repetition starts.
 *
 * Claims (dynamic schedule): the next task's index is a counter in an MPI
 * window on the root, so a claim never waits for the root to wake (a claim
 * message answered by the root cost up to its 250 us sleep per task).
 * With every rank on one host the window is in shared memory and a worker
 * takes a task with a C11 atomic add; otherwise with MPI_Fetch_and_op
 * (passive target).  Where no window can be made, claims are messages.
 *
 * The task page: a worker on the cell's host maps a memory file of the
 * cell process and stores there the task it runs, as a forked worker does
 * in the job's shared page; the cell reads it when a rank dies.  Such a
 * worker sends its results in batches (one MPI message of many), which
 * the root relays as frames, many to a write: nothing on a task's path is
 * a system call.  A worker without the page (another host, or task_page =
 * false) tells the root which task it took in a message it does not wait
 * on (the root relays it at once), and sends each result at once: the cell
 * places a crash from those.
 */
#include <errno.h>
#include <fcntl.h>
#include <mpi.h>
#include <parbench/worker.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
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
/* A worker asleep on the task page's bell looks for the root's record at
 * least this often, rung or not. */
#define MW_BELL_NS 100000000L
/* The root's longest pause with one-sided claims: what a repetition's end
 * may wait for the root to notice it. */
#define MW_ROOT_SLEEP_MAX_NS 1000000L
/* A worker with the task page sends its batch of results when the next one
 * would not fit, when a result is added MW_BATCH_NS or more after the last
 * send, and when it is out of tasks.  Sends do not wait: a send completes
 * only once the root has woken and received it (up to its 1 ms pause), so
 * a worker keeps up to MW_RING batches in flight (MPI_Isend), allocated as
 * it needs them, and waits only when all are.  The root writes its frames
 * when it finds no message waiting, when a frame of a worker without the
 * page came, or as fdio_batch does (MW_BATCH_NS). */
#define MW_BATCH_BYTES 32768u
#define MW_RING 16u
#define MW_BATCH_NS 1000000u
#define MW_ROOT_BATCH_BYTES 65536u

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
 * `max_ns`, after `spin_ns` of probing without a pause.  With `bell`, the
 * pauses are on the task page's bell while it still counts `seen` (up to
 * MW_BELL_NS each, cut short by the cell's ring), and back off as above
 * once it has rung. */
struct mw_backoff {
    long sleep_ns, max_ns;
    uint64_t spin_ns;
    _Atomic uint32_t *bell;
    uint32_t seen;
};

/* Waits until a message from `src` with `tag` (MPI_ANY_* allowed) can be
 * received, without spinning for long (see the top of the file).  With
 * `b`, the pause reached is kept for the next wait (the root during a
 * repetition); without, each wait starts afresh.  `out`, when given, is
 * written before the first pause. */
static void mw_wait(int src, int tag, MPI_Status *st, struct mw_backoff *b,
                    struct fdio_batch *out) {
    struct mw_backoff fresh = {MW_SLEEP_MIN_NS, MW_SLEEP_MAX_NS, MW_SPIN_NS,
                               NULL, 0};
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
        if (out && fdio_batch_flush(out) < 0)
            _exit(PB_EXIT_INTERNAL); /* the cell is gone */
        out = NULL;
        if (b->bell &&
            atomic_load_explicit(b->bell, memory_order_acquire) == b->seen) {
            mpiwire_bell_sleep(b->bell, b->seen, MW_BELL_NS);
            continue;
        }
        struct timespec ts = {0, b->sleep_ns};
        nanosleep(&ts, NULL);
        if (b->sleep_ns < b->max_ns)
            b->sleep_ns =
                b->sleep_ns * 2 > b->max_ns ? b->max_ns : b->sleep_ns * 2;
    }
}

/* Receives `len` bytes from `src` with `tag`, after mw_wait (pacing it
 * with `b`, or afresh when NULL). */
static void mw_recv(void *buf, int len, int src, int tag,
                    struct mw_backoff *b) {
    MPI_Status st;
    mw_wait(src, tag, &st, b, NULL);
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

/* Descriptor `fd` of the cell process, opened anew through /proc with
 * `flags` when this process descends from it and the file is the one the
 * cell described (device and inode; not another process's file of that
 * number).  Returns the descriptor, or -1. */
static int mw_open_cell_fd(const struct mpiwire_start *s, int local, int fd,
                           uint64_t dev, uint64_t ino, int flags) {
    if (fd < 0 || !local)
        return -1;
    char path[64];
    snprintf(path, sizeof path, "/proc/%lld/fd/%d", (long long)s->cell_pid, fd);
    int f = open(path, flags | O_CLOEXEC);
    struct stat st;
    if (f >= 0 && (fstat(f, &st) < 0 || (uint64_t)st.st_dev != dev ||
                   (uint64_t)st.st_ino != ino)) {
        close(f);
        f = -1;
    }
    return f;
}

/* The cell's task page (see the top of the file), mapped, or NULL. */
static _Atomic uint64_t *mw_map_page(const struct mpiwire_start *s, int local) {
    int fd =
        mw_open_cell_fd(s, local, s->page_fd, s->page_dev, s->page_ino, O_RDWR);
    if (fd < 0)
        return NULL;
    struct stat st;
    size_t len = MPIWIRE_PAGE_BYTES(s->workers);
    void *p = MAP_FAILED;
    if (fstat(fd, &st) == 0 && (size_t)st.st_size >= len)
        p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    return p == MAP_FAILED ? NULL : p;
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
    uint64_t *base; /* the counter itself, on the root; with `shared`,
                       where this rank sees it                        */
    int on;         /* made on every rank: claims are one-sided */
    int shared;     /* every rank on one host: a shared-memory window
                       (MPI_Win_allocate_shared), claimed with a C11
                       atomic add on `base`                            */
};

/* One try at the counter window: shared-memory or not.  Collective: every
 * rank calls it, and all agree whether it was made. */
static int mw_counter_try(struct mw_counter *c, int shared) {
    MPI_Aint bytes = mw_rank == 0 ? (MPI_Aint)sizeof *c->base : 0;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int ok = (shared ? MPI_Win_allocate_shared(bytes, (int)sizeof *c->base,
                                               MPI_INFO_NULL, MPI_COMM_WORLD,
                                               &c->base, &c->win)
                     : MPI_Win_allocate(bytes, (int)sizeof *c->base,
                                        MPI_INFO_NULL, MPI_COMM_WORLD, &c->base,
                                        &c->win)) == MPI_SUCCESS;
    if (ok && shared) {
        MPI_Aint size = 0;
        int unit = 0;
        ok = MPI_Win_shared_query(c->win, 0, &size, &unit, &c->base) ==
                 MPI_SUCCESS &&
             size >= (MPI_Aint)sizeof *c->base;
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (all) {
        if (mw_rank == 0)
            *c->base = 0;
        MPI_Win_lock_all(0, c->win);
        c->on = 1;
        c->shared = shared;
        return 1;
    }
    /* Made here but not everywhere: freeing it is collective and would
     * wait for the others, so it stays until MPI_Finalize. */
    c->win = MPI_WIN_NULL;
    c->base = NULL;
    return 0;
}

/* Makes the counter window when the schedule is dynamic: in shared memory
 * when every rank runs on one host (MPI_COMM_TYPE_SHARED spans the job),
 * where a claim is an atomic add without a call into MPI; else an MPI
 * window served by MPI_Fetch_and_op; else none (a launcher without a
 * one-sided component leaves claims as messages). */
static void mw_counter_make(struct mw_counter *c,
                            const struct mpiwire_start *s) {
    memset(c, 0, sizeof *c);
    if (s->schedule != PB_SCHEDULE_DYNAMIC)
        return;
    int size = 0, node_size = 0;
    MPI_Comm node;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0,
                            MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &node_size);
        MPI_Comm_free(&node);
    }
    /* The same answer on every rank: the host groups split the job. */
    if (node_size == size && mw_counter_try(c, 1))
        return;
    (void)mw_counter_try(c, 0);
}

static void mw_counter_free(struct mw_counter *c) {
    if (!c->on)
        return;
    MPI_Win_unlock_all(c->win);
    MPI_Win_free(&c->win);
    c->on = 0;
}

struct mw_root {
    struct fdio_batch out; /* frames to the cell (the real standard output) */
    const struct mpiwire_host *hosts; /* by rank: which workers map the page */
    struct mw_counter *counter;
    unsigned workers;
    uint64_t tasks, next;
    enum pb_schedule schedule;
    unsigned char *buf; /* one MPI message being relayed    */
    size_t cap;
    uint64_t mpi_bytes; /* what mpiwire_done reports        */
};

/* Queues a frame for the cell. */
static void root_frame(struct mw_root *r, uint32_t type, const void *a,
                       size_t alen, const void *b, size_t blen) {
    /* The cell gone: nobody left to tell; mpirun ends us on its own. */
    if (fdio_batch_frame(&r->out, type, a, alen, b, blen) < 0)
        _exit(PB_EXIT_INTERNAL);
}

static void root_flush(struct mw_root *r) {
    if (fdio_batch_flush(&r->out) < 0)
        _exit(PB_EXIT_INTERNAL);
}

/* One MPIWIRE_TAG_MSG message of rank `src`, `n` bytes in r->buf: each
 * core message in it becomes an MPIWIRE_MSG frame. */
static void root_relay(struct mw_root *r, int src, size_t n) {
    uint32_t worker = (uint32_t)(src - 1);
    const unsigned char *p = r->buf, *end = r->buf + n;
    while (p < end) {
        uint32_t len;
        if ((size_t)(end - p) < sizeof len)
            mw_die("rank %d sent a malformed batch of results", src);
        memcpy(&len, p, sizeof len);
        p += sizeof len;
        if (len > (size_t)(end - p))
            mw_die("rank %d sent a malformed batch of results", src);
        root_frame(r, MPIWIRE_MSG, &worker, sizeof worker, p, len);
        p += len;
        r->mpi_bytes += sizeof len;
    }
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
        if (r->counter->shared) {
            /* Visible before the GO messages below (a barrier). */
            atomic_store_explicit((_Atomic uint64_t *)r->counter->base, 0,
                                  memory_order_relaxed);
            MPI_Win_sync(r->counter->win);
        } else {
            uint64_t zero = 0, old;
            MPI_Fetch_and_op(&zero, &old, MPI_UINT64_T, 0, 0, MPI_REPLACE,
                             r->counter->win);
            MPI_Win_flush(0, r->counter->win);
        }
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
    struct mw_backoff wait = {MW_SLEEP_MIN_NS, MW_ROOT_SLEEP_MAX_NS, MW_SPIN_NS,
                              NULL, 0};
    struct mw_backoff *pace = r->counter->on ? &wait : NULL;
    unsigned done = 0;
    while (done < r->workers) {
        MPI_Status st;
        mw_wait(MPI_ANY_SOURCE, MPI_ANY_TAG, &st, pace, &r->out);
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
                root_flush(r); /* the cell places a crash with it */
            }
        } else if (st.MPI_TAG == MPIWIRE_TAG_CLAIMED) {
            uint64_t t = PB_NO_TASK;
            MPI_Recv(&t, sizeof t, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            if (t >= r->tasks)
                mw_die("rank %d claimed task %llu of %llu", src,
                       (unsigned long long)t, (unsigned long long)r->tasks);
            /* This notice (the index fetched is the worker's rma_bytes). */
            r->mpi_bytes += sizeof t;
            struct mpiwire_task wt = {.worker = worker, .task = t};
            root_frame(r, MPIWIRE_TASK, &wt, sizeof wt, NULL, 0);
            root_flush(r);
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
            root_relay(r, src, (size_t)n);
            /* Without the page the cell counts results to place a crash
             * (static schedule): each one reaches it at once. */
            if (!r->hosts[src].mapped)
                root_flush(r);
        } else if (st.MPI_TAG == MPIWIRE_TAG_DONE) {
            struct mpiwire_usage u;
            MPI_Recv(&u, sizeof u, MPI_BYTE, src, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            r->mpi_bytes += sizeof u + u.rma_bytes;
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
    root_flush(r);
}

static void root_main(int size, const struct mpiwire_host *hosts,
                      const struct mpiwire_start *s, int out, int local,
                      struct mw_counter *counter) {
    struct mw_root r = {.hosts = hosts,
                        .counter = counter,
                        .workers = s->workers,
                        .tasks = s->tasks,
                        .schedule = (enum pb_schedule)s->schedule};
    void *obuf = malloc(MW_ROOT_BATCH_BYTES);
    if (!obuf)
        mw_die("out of memory");
    fdio_batch_init(&r.out, out, obuf, MW_ROOT_BATCH_BYTES, MW_BATCH_NS);
    /* The launch: the start record and the spec reached every worker. */
    r.mpi_bytes = (uint64_t)s->workers * (sizeof *s + s->spec_len);
    for (int i = 0; i < size; i++)
        root_frame(&r, MPIWIRE_HOST, &hosts[i], sizeof hosts[i], NULL, 0);
    root_flush(&r);
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
    free(obuf);
}

/* ------------------------------------------------------------------------ */
/* The workers: ranks 1..W                                                  */
/* ------------------------------------------------------------------------ */

struct mw_worker {
    unsigned char *buf; /* the batch: lengths and messages: ring[cur] */
    size_t cap, used;
    struct {
        unsigned char *buf; /* NULL: not allocated yet */
        size_t cap;
        MPI_Request req; /* the batch's send, or MPI_REQUEST_NULL */
    } ring[MW_RING];
    unsigned cur;
    uint64_t sent_ns; /* CLOCK_MONOTONIC_COARSE of the last send */
    const struct mw_counter *counter;
    _Atomic uint64_t *page; /* the task page, or NULL             */
    unsigned worker, workers;
    uint64_t tasks, cursor; /* cursor: static, our next task      */
    uint64_t rma_bytes;     /* one-sided bytes this repetition     */
};

static uint64_t mw_coarse_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Makes ring[cur] the batch: waits for its last send, allocates it the
 * first time.  Returns 0 or -1. */
static int mw_take(struct mw_worker *w) {
    __typeof__(w->ring[0]) *b = &w->ring[w->cur];
    if (MPI_Wait(&b->req, MPI_STATUS_IGNORE) != MPI_SUCCESS)
        return -1;
    if (!b->buf) {
        if (!(b->buf = malloc(MW_BATCH_BYTES)))
            return -1;
        b->cap = MW_BATCH_BYTES;
    }
    w->buf = b->buf;
    w->cap = b->cap;
    w->used = 0;
    return 0;
}

/* Starts sending the batch to the root and takes the next one.  Returns 0
 * or -1. */
static int mw_flush(struct mw_worker *w) {
    if (!w->used)
        return 0;
    __typeof__(w->ring[0]) *b = &w->ring[w->cur];
    if (MPI_Isend(b->buf, (int)w->used, MPI_BYTE, 0, MPIWIRE_TAG_MSG,
                  MPI_COMM_WORLD, &b->req) != MPI_SUCCESS)
        return -1;
    w->sent_ns = mw_coarse_ns();
    w->cur = (w->cur + 1) % MW_RING;
    return mw_take(w);
}

/* Every batch sent and received.  Returns 0 or -1. */
static int mw_drain(struct mw_worker *w) {
    if (mw_flush(w) < 0)
        return -1;
    for (unsigned i = 0; i < MW_RING; i++)
        if (MPI_Wait(&w->ring[i].req, MPI_STATUS_IGNORE) != MPI_SUCCESS)
            return -1;
    return 0;
}

/* io->send: the message into the batch, its length before it (see the top
 * of the file); without the task page, sent at once. */
static int mw_send(void *ctx, const void *head, size_t head_len,
                   const void *body, size_t body_len) {
    struct mw_worker *w = ctx;
    uint32_t len = (uint32_t)(head_len + body_len);
    size_t n = sizeof len + head_len + body_len;
    if (head_len + body_len > PB_FRAME_MAX || n > (size_t)INT32_MAX)
        return -1;
    if (n > w->cap - w->used && mw_flush(w) < 0)
        return -1;
    if (n > w->cap) {
        /* Larger than a batch (matrix-mult's rows of C): a buffer of its
         * size, kept for the batches after it. */
        unsigned char *nb = realloc(w->buf, n);
        if (!nb)
            return -1;
        w->buf = w->ring[w->cur].buf = nb;
        w->cap = w->ring[w->cur].cap = n;
    }
    memcpy(w->buf + w->used, &len, sizeof len);
    memcpy(w->buf + w->used + sizeof len, head, head_len);
    if (body_len)
        memcpy(w->buf + w->used + sizeof len + head_len, body, body_len);
    w->used += n;
    if (!w->page || mw_coarse_ns() - w->sent_ns >= MW_BATCH_NS)
        return mw_flush(w);
    return 0;
}

/* io->claim.  Dynamic: add 1 to the root's counter; without the counter,
 * ask the root and wait for the index.  Static (with the task page only):
 * our next task.  With the page the task is stored there before it runs;
 * without, the root hears of a one-sided claim (see the top of the file).
 * Out of tasks: the batch goes to the root. */
static int mw_claim(void *ctx, unsigned worker, uint64_t *task) {
    struct mw_worker *w = ctx;
    (void)worker;
    uint64_t t;
    if (w->cursor != PB_NO_TASK) {
        t = w->cursor;
        w->cursor += w->workers;
    } else if (w->counter->on) {
        if (w->counter->shared) {
            t = atomic_fetch_add_explicit((_Atomic uint64_t *)w->counter->base,
                                          1, memory_order_relaxed);
        } else {
            const uint64_t one = 1;
            MPI_Fetch_and_op(&one, &t, MPI_UINT64_T, 0, 0, MPI_SUM,
                             w->counter->win);
            MPI_Win_flush(0, w->counter->win);
        }
        w->rma_bytes += sizeof t;
        if (t < w->tasks && !w->page)
            /* Small: sent eagerly, this worker does not wait for the
             * root. */
            MPI_Send(&t, sizeof t, MPI_BYTE, 0, MPIWIRE_TAG_CLAIMED,
                     MPI_COMM_WORLD);
    } else {
        MPI_Send(NULL, 0, MPI_BYTE, 0, MPIWIRE_TAG_CLAIM, MPI_COMM_WORLD);
        mw_recv(&t, sizeof t, 0, MPIWIRE_TAG_TASK, NULL);
    }
    if (t >= w->tasks)
        t = PB_NO_TASK;
    if (w->page)
        atomic_store_explicit(&w->page[w->worker], t, memory_order_relaxed);
    if (t == PB_NO_TASK)
        return mw_flush(w) < 0 ? -1 : 0;
    *task = t;
    return 1;
}

static void worker_main(const struct mpiwire_start *s, struct host_workload *wl,
                        int local, int same_host,
                        const struct mw_counter *counter,
                        _Atomic uint64_t *page) {
    struct mw_worker mw = {.counter = counter,
                           .page = page,
                           .worker = (unsigned)mw_rank - 1,
                           .workers = s->workers,
                           .tasks = s->tasks};
    for (unsigned i = 0; i < MW_RING; i++)
        mw.ring[i].req = MPI_REQUEST_NULL;
    if (mw_take(&mw) < 0)
        mw_die("out of memory");
    int is_static = s->schedule == PB_SCHEDULE_STATIC;
    /* Static without the page: the core's own claim (no call per task). */
    struct pb_worker_io io = {
        .ctx = &mw,
        .claim = !is_static || page ? mw_claim : NULL,
        .send = mw_send,
    };
    struct rusage base;
    memset(&base, 0, sizeof base);
    /* Between repetitions, with the page: asleep on its bell until the
     * cell rings it (seen: its count before the first ring). */
    struct mw_backoff between = {
        MW_SLEEP_MIN_NS, MW_SLEEP_MAX_NS, MW_SPIN_NS,
        page ? mpiwire_bell((void *)page, s->workers) : NULL, 0};
    for (;;) {
        struct mpiwire_go go;
        between.sleep_ns = MW_SLEEP_MIN_NS;
        mw_recv(&go, sizeof go, 0, MPIWIRE_TAG_GO, &between);
        if (counter->shared) /* the root's reset, seen before a claim */
            MPI_Win_sync(counter->win);
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
        mw.cursor = is_static ? mw.worker : PB_NO_TASK;
        mw.rma_bytes = 0;
        mw.sent_ns = mw_coarse_ns();
        /* Failures travel in the messages. */
        (void)job_worker_loop(job, mw.worker, &io);
        job_free(job);
        /* A failed task ends the loop with its index on the page, and the
         * loop's last messages may still be in the batch. */
        if (page)
            atomic_store_explicit(&page[mw.worker], PB_NO_TASK,
                                  memory_order_relaxed);
        if (mw_drain(&mw) < 0)
            mw_die("cannot send results to the root");
        struct mpiwire_usage u;
        mw_usage(&u, &base, local, (int)go.memory);
        u.rma_bytes = mw.rma_bytes;
        /* Read before DONE: the cell rings for its next record only once
         * every worker's DONE has reached it. */
        if (between.bell)
            between.seen =
                atomic_load_explicit(between.bell, memory_order_acquire);
        MPI_Send(&u, sizeof u, MPI_BYTE, 0, MPIWIRE_TAG_DONE, MPI_COMM_WORLD);
        if (go.memory)
            mw_recv(NULL, 0, 0, MPIWIRE_TAG_RELEASE, NULL);
    }
    for (unsigned i = 0; i < MW_RING; i++)
        free(mw.ring[i].buf);
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
    _Atomic uint64_t *page = mw_rank > 0 ? mw_map_page(&s, local) : NULL;
    if (mw_rank == 0) {
        /* Frames straight to the cell, past mpirun's relay, if we can. */
        int pipe_out = mw_open_cell_fd(&s, local, s.pipe_fd, s.pipe_dev,
                                       s.pipe_ino, O_WRONLY);
        if (pipe_out >= 0) {
            close(out);
            out = pipe_out;
        }
    }

    /* Every rank's host, for the error messages and the run metadata. */
    struct mpiwire_host me;
    memset(&me, 0, sizeof me);
    me.rank = (uint32_t)mw_rank;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    me.cores = cores > 0 ? (uint32_t)cores : 0;
    me.pid = (int64_t)getpid();
    me.mapped = page != NULL;
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
        worker_main(&s, &wl, local, mw_same_host(&s), &counter, page);
    mw_counter_free(&counter);
    free(hosts);
    MPI_Finalize();
    /* The workload lives until _exit, as in parbench-worker: its memory is
     * part of what a rank costs, and the kernel frees it faster. */
    _exit(0);
}
