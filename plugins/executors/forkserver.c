/* SPDX-License-Identifier: MIT */
/*
 * forkserver.c - the `forkserver` executor, Python's third start method:
 * a small server process, started in prepare() before the workload's
 * state (and the executor's ballast) exists, forks each worker on
 * request.  By default (`server = exec`) the server is a fresh
 * parbench-worker that loaded this plugin again and runs fs_helper
 * (host->helper_spawn, ABI 2.5), as Python's server is a fresh
 * interpreter; `server = fork` (and a core before 2.5) forks it from the
 * cell process.  A worker re-creates the workload state from the job's
 * spec, as a spawned parbench-worker does, but starts without an exec:
 * the plugins and libraries are mapped already, and the process it is
 * copied from is small.
 *
 * The server forks with clone(CLONE_PARENT): each worker is a child of the
 * cell process, not of the server, so the coordinator reaps it with wait4
 * as it reaps fork's and posix_spawn's (its CPU time and faults reach the
 * row through RUSAGE_CHILDREN, a crash is "worker 3 killed by SIGSEGV in
 * task 17"), and a worker dies with the coordinator (PR_SET_PDEATHSIG).
 * The server is single-threaded, so a raw clone is as safe as fork() there.
 *
 * The coordinator talks to the server over a SOCK_SEQPACKET socket pair,
 * in requests {op, worker, flags}:
 *   JOB   {tails, memory} start record, spec + the channel, the shared
 *         page and the release's read end as SCM_RIGHTS  ->  the pids in
 *         batches of up to FS_BATCH, the last batch with the server's
 *         usage as USAGE answers it; once per repetition.  The server
 *         parses a new spec (host->worker_spec), forks the start record's
 *         `workers` one after the other (stopping at a failed fork, whose
 *         -errno ends the last batch), then closes the job's
 *         descriptors.  Each worker makes its state and job
 *         (host->worker_job) and runs fork's worker loop (child.h): its
 *         last batch in its tail, the rest on the channel as records
 *         tagged worker + 1, its end told by its pidfd.
 *   FORK  {worker} + the worker's input, output (and the job's shared
 *         page) as SCM_RIGHTS  ->  {pid, or -errno}: the fallback (a core
 *         before 2.4, no pidfds or no room for them, a spec over
 *         FS_JOB_MAX) and the pools' workers: host->worker_main, the
 *         pipes of <parbench/worker.h>, written and read as for
 *         posix_spawn (procs.c).
 *   USAGE {memory}             ->  the server's rusage since it last told
 *                                  it, its peak RSS, and its Pss and USS
 *                                  when asked (a core before 2.3; a later
 *                                  one reads them itself: job_helper_pid);
 *                                  after the pipes' forks and the pools'
 *   WARM  {}                   ->  one byte, once the server has warmed
 *                                  what it has loaded (server_warm): in
 *                                  prepare(), with `warm = true`.  A JOB
 *                                  with {warm} warms the objects its spec
 *                                  loaded too.
 * The server's start is not in startup_s (prepare() runs once per cell,
 * before READY, as Python's server starts once per program); what it
 * costs per repetition (the forks: CPU time, faults) and its memory are
 * in the row (host->job_helper_usage).
 */
#include <parbench/worker.h>

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "lifetime.h"
#include "procs.h"
#include "util/fdio.h"

/* The server's name in ps and /proc/PID/comm, and its workers'. */
#define SERVER_NAME "pb-forkserver"
#define WORKER_NAME "pb-fs-worker"

enum { OP_FORK = 1, OP_USAGE = 2, OP_JOB = 3, OP_WARM = 4 };

/* A request's flags.  FS_TAILS (JOB): the workers may use the tails the
 * server inherited (fs_state.tails).  FS_MEMORY (USAGE, JOB): the usage
 * has the server's Pss and USS.  FS_WARM (JOB): warm what a new spec
 * loads (server_warm). */
#define FS_TAILS 1u
#define FS_MEMORY 2u
#define FS_WARM 4u

/* The largest OP_JOB message: a larger spec takes the pipes. */
#define FS_JOB_MAX 65536u

struct fs_request {
    uint32_t op;
    uint32_t worker;
    uint32_t flags;
    uint32_t reserved; /* 0 */
};

struct fs_usage {
    struct rusage ru; /* since the previous usage; ru_maxrss the peak */
    uint64_t pss_kib, uss_kib;
};

/* The answer to a JOB, one or more: the next `n` workers' pids (or a
 * failed fork's -errno, which ends the forks); the `last` one carries
 * the server's usage. */
#define FS_BATCH 16
struct fs_batch {
    uint32_t n;
    uint32_t last;
    int64_t pid[FS_BATCH];
    struct fs_usage u;
};

/* The executor's state for one cell: the server. */
struct fs_state {
    pid_t pid;               /* the server */
    int sock;                /* the coordinator's end of the socket pair */
    struct procs_pool *pool; /* `lifetime = cell`, or NULL */
    /* The workers' tails (procs_tails_reserve), mapped before the server
     * was forked so that it and its workers share them; NULL: none. */
    struct pb_worker_tail *tails;
    int ended;  /* the server was reaped (server_gone)       */
    int status; /* then, its wait status                      */
    int warm;   /* `warm = true`: FS_WARM on every JOB          */
};

/* The server's copy of the repetition's job (OP_JOB), from which each of
 * its workers starts. */
struct fs_job {
    struct pb_worker_start start; /* its `worker` is set in each child */
    unsigned char *spec;          /* start.spec_len bytes               */
    size_t spec_cap;
    int chan;     /* the channel's write end (procs_channel); -1 until
                     the first JOB                                     */
    int shared;   /* the job's shared page, or -1                    */
    int release;  /* the release pipe's read end, or -1 (none)       */
    int tails_ok; /* the coordinator reads the inherited tails       */
    /* The spec parsed (host->worker_spec), once per distinct spec; NULL
     * with why when it cannot be, which each worker then reports. */
    void *workload;
    char why[512];
};

/* ------------------------------------------------------------------------ */
/* The server                                                               */
/* ------------------------------------------------------------------------ */

/* The value of `name` ("\nPss:") in smaps_rollup text, in KiB; 0 if absent. */
static uint64_t smaps_kib(const char *text, const char *name) {
    const char *at = strstr(text, name);
    return at ? strtoull(at + strlen(name), NULL, 10) : 0;
}

/* The server's Pss and USS into u (a core before 2.3).  A function of its
 * own, not inlined: its 4 KiB buffer would otherwise be in server_usage's
 * frame, and the stack pages below it written after every fork, each a
 * copy-on-write fault (the fork write-protects the server's stack). */
static __attribute__((noinline)) void server_memory_read(struct fs_usage *u) {
    char text[4096];
    int fd = open("/proc/self/smaps_rollup", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0)
        close(fd);
    if (n > 0) {
        text[n] = '\0';
        u->pss_kib = smaps_kib(text, "\nPss:");
        u->uss_kib = smaps_kib(text, "\nPrivate_Clean:") +
                     smaps_kib(text, "\nPrivate_Dirty:");
    }
}

static void server_usage(struct fs_usage *u, struct rusage *base, int memory) {
    struct rusage now;
    memset(u, 0, sizeof *u);
    getrusage(RUSAGE_SELF, &now);
    timersub(&now.ru_utime, &base->ru_utime, &u->ru.ru_utime);
    timersub(&now.ru_stime, &base->ru_stime, &u->ru.ru_stime);
    u->ru.ru_minflt = now.ru_minflt - base->ru_minflt;
    u->ru.ru_majflt = now.ru_majflt - base->ru_majflt;
    u->ru.ru_nvcsw = now.ru_nvcsw - base->ru_nvcsw;
    u->ru.ru_nivcsw = now.ru_nivcsw - base->ru_nivcsw;
    u->ru.ru_maxrss = now.ru_maxrss;
    *base = now;
    if (memory)
        server_memory_read(u);
}

/* The server's fork of a worker: a child of the cell process, which
 * reaps it (clone(CLONE_PARENT); the server is one thread, so a raw clone
 * is as safe as fork() here).  0 in the child, else its pid or -errno. */
static int64_t fork_for_cell(void) {
    long pid = syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
    return pid < 0 ? -errno : (int64_t)pid;
}

/* The worker's side of a fork: its descriptors onto 0, 3 (and 4), nothing
 * else open, then the core's spawned-worker code.  Never returns.  The
 * server keeps 0, 3 and 4 free, so the descriptors arrive there and
 * nothing moves.  When they did not (a server without stdout or stderr
 * has 1 or 2 free too), each is first moved at or above PROCS_HIGH_FD so
 * that no dup2 overwrites one still to be moved, and none stays on 1 or
 * 2. */
static void become_worker(const struct pb_host *host, int *fds, int nfds)
    __attribute__((noreturn));
static void become_worker(const struct pb_host *host, int *fds, int nfds) {
    static const int to[3] = {PB_WORKER_FD_IN, PB_WORKER_FD_OUT,
                              PB_WORKER_FD_SHARED};
    prctl(PR_SET_NAME, WORKER_NAME);
    int placed = 1;
    for (int k = 0; k < nfds; k++)
        placed &= fds[k] == to[k];
    if (!placed) {
        for (int k = 0; k < nfds; k++)
            if (fds[k] < PROCS_HIGH_FD) {
                /* The old number closed: it may be 1 or 2, which the
                 * worker must not find open. */
                int h = fcntl(fds[k], F_DUPFD, PROCS_HIGH_FD);
                if (h < 0)
                    _exit(PB_WORKER_EXIT_START);
                close(fds[k]);
                fds[k] = h;
            }
        for (int k = 0; k < nfds; k++)
            if (dup2(fds[k], to[k]) < 0)
                _exit(PB_WORKER_EXIT_START);
    }
    close_range(nfds == 3 ? PB_WORKER_FD_SHARED + 1 : PB_WORKER_FD_OUT + 1, ~0u,
                0);
    host->worker_main();
    _exit(PB_WORKER_EXIT_START); /* worker_main does not return */
}

/* A worker of an OP_JOB: its job re-created from the
 * repetition's spec (host->worker_job), then fork's worker loop, frames
 * in its tail and on the channel (child_main).  Never returns. */
static void become_job_worker(const struct pb_host *host,
                              const struct fs_job *j, unsigned worker,
                              struct pb_worker_tail *tails, int sock)
    __attribute__((noreturn));
PB_HOT __attribute__((noinline)) static void
become_job_worker(const struct pb_host *host, const struct fs_job *j,
                  unsigned worker, struct pb_worker_tail *tails, int sock) {
    prctl(PR_SET_NAME, WORKER_NAME);
    /* The server's end: a worker holding it would hide the server's end
     * from the coordinator. */
    close(sock);
    struct pb_worker_start st = j->start;
    st.worker = worker;
    uint32_t tag = worker + 1;
    char err[512] = "";
    struct pb_job *job =
        j->workload
            ? host->worker_job(&st, j->workload, j->shared, err, sizeof err)
            : NULL;
    if (!job) {
        if (!j->workload)
            memcpy(err, j->why, sizeof err);
        (void)fdio_write_frame_tagged(j->chan, tag, PB_FRAME_ERROR, err,
                                      strlen(err), NULL, 0);
        _exit(PB_WORKER_EXIT_START);
    }
    child_main(host, job, worker, (pid_t)st.parent, j->chan, tag, j->release,
               j->tails_ok ? &tails[worker] : NULL);
}

/* Every page the server has written is a page-table entry that each of
 * its forks copies and each worker's exit tears down.  At its start, in
 * prepare() and so outside every clock, it lets go of the stack below
 * its frames: what the runner and the cell wrote before a forked server
 * was forked (reading the configuration takes over 100 KiB of stack), or
 * what an exec'd one wrote loading this plugin.  Trimming
 * again after each new spec (in a repetition's time) freed nothing
 * measurable. */
static void server_trim(void) {
    uintptr_t low = 0;
    FILE *f = fopen("/proc/self/maps", "re");
    if (f) {
        char *line = NULL;
        size_t cap = 0;
        while (getline(&line, &cap, f) > 0)
            if (strstr(line, " [stack]")) {
                low = (uintptr_t)strtoull(line, NULL, 16);
                break;
            }
        free(line);
        fclose(f);
    }
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t size = page > 0 ? (uintptr_t)page : 4096;
    /* Two pages below this frame stay, for the calls the server makes. */
    uintptr_t top =
        ((uintptr_t)__builtin_frame_address(0) & ~(size - 1)) - 2 * size;
    if (low && top > low)
        (void)madvise((void *)low, top - low, MADV_DONTNEED);
}

/*
 * Warming (`warm = true`, the default).  fork() copies a parent's
 * page-table entries only for the mappings that hold private pages: a
 * private file mapping that was never written, such as every object's
 * code and constants, is left for the child to fault in again, page by
 * page, as it runs (vma_needs_copy in Linux's mm/memory.c: faulting is
 * thought cheaper than copying).  So a worker of a cold server takes a
 * fault for each page of libc, parbench-worker and the plugins it runs,
 * and for the clock's data: about 11 of its 20 faults, at 10-25 us each
 * on a paravirtualised guest (docs/performance.md).
 *
 * The server instead maps every page of the code and read-only data of
 * each object it has loaded (MADV_POPULATE_READ, Linux 5.14) and makes
 * one of each mapping's pages private, its first byte written back to
 * itself through /proc/self/mem as a debugger writes a breakpoint (the
 * kernel's forced copy-on-write: the mapping stays read-only, and no
 * instrumented store touches code, which ThreadSanitizer cannot shadow),
 * so that each fork copies the entries: about 70 ns a page on the same
 * guest, some 500 pages for parbench-worker, libc and noop.  The vDSO's
 * code is the kernel's, not a file's, but the same: fork leaves it to
 * be faulted in (the first clock read of every worker) unless the
 * mapping holds a page of its own, which the same write gives it.
 * Reading the clock maps its data (vvar, which fork copies as it is).
 * Without
 * MADV_POPULATE_READ, or where /proc/self/mem cannot be written
 * (proc_mem.force_override=never), less or nothing is warmed, and
 * nothing fails.
 */
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif

/* How many of the loaded objects are warmed: dl_iterate_phdr lists them
 * in the order they were loaded, and the server unloads none, so each new
 * spec warms only the objects it added. */
static unsigned warmed;

/* What server_warm hands each object. */
struct warm_ctx {
    uintptr_t page; /* the page size */
    int mem;        /* /proc/self/mem, or -1 */
    unsigned seen;  /* objects listed so far */
};

/* One read-only segment [lo, hi): mapped, and given a page of its own so
 * that fork copies its entries. */
static void warm_range(const struct warm_ctx *w, uintptr_t lo, uintptr_t hi) {
    (void)madvise((void *)lo, hi - lo, MADV_POPULATE_READ);
    unsigned char b;
    if (w->mem >= 0 && pread(w->mem, &b, 1, (off_t)lo) == 1)
        (void)pwrite(w->mem, &b, 1, (off_t)lo);
}

/* dl_iterate_phdr's callback: the object's read-only segments warmed,
 * unless it was before (the vDSO's too: its first listing). */
static int warm_object(struct dl_phdr_info *info, size_t size, void *data) {
    (void)size;
    struct warm_ctx *w = data;
    if (w->seen++ < warmed)
        return 0;
    uintptr_t page = w->page;
    for (unsigned k = 0; k < info->dlpi_phnum; k++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || !ph->p_memsz)
            continue;
        uintptr_t lo = (info->dlpi_addr + ph->p_vaddr) & ~(page - 1);
        uintptr_t hi =
            (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) &
            ~(page - 1);
        warm_range(w, lo, hi);
    }
    return 0;
}

/* Warms every object the server has loaded and not warmed yet. */
static void server_warm(void) {
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    long sz = sysconf(_SC_PAGESIZE);
    struct warm_ctx w = {.page = sz > 0 ? (uintptr_t)sz : 4096,
                         .mem = open("/proc/self/mem", O_RDWR | O_CLOEXEC)};
    (void)dl_iterate_phdr(warm_object, &w);
    warmed = w.seen;
    if (w.mem >= 0)
        close(w.mem);
}

/* The job's descriptors closed: after its forks (fork_jobs), and when
 * the next job comes. */
static void drop_job(struct fs_job *j) {
    int *mine[3] = {&j->chan, &j->shared, &j->release};
    for (int k = 0; k < 3; k++)
        if (*mine[k] >= 0) {
            close(*mine[k]);
            *mine[k] = -1;
        }
}

/* Takes in an OP_JOB of `n` bytes at `msg` with its descriptors: the
 * channel, then the shared page and the release's read end when the
 * start record says there are.  Returns 0, or -1 when it does not add
 * up (the server then stops). */
static int take_job(const struct pb_host *host, struct fs_job *j,
                    const unsigned char *msg, size_t n, const int *fds,
                    int nfds, unsigned ntails) {
    const struct fs_request *rq = (const void *)msg;
    struct pb_worker_start st;
    size_t at = sizeof *rq + sizeof st;
    if (n < at)
        return -1;
    memcpy(&st, msg + sizeof *rq, sizeof st);
    int want = 1 + ((st.flags & PB_WORKER_SHARED) != 0) +
               ((st.flags & PB_WORKER_NO_RELEASE) == 0);
    if (st.spec_len != n - at || nfds != want || st.workers == 0 ||
        ((rq->flags & FS_TAILS) && st.workers > ntails))
        return -1;
    /* The same spec as the last repetition's (always, within a cell):
     * parsed already. */
    int same = j->spec && st.spec_len == j->start.spec_len &&
               memcmp(j->spec, msg + at, st.spec_len) == 0;
    if (!same) {
        if (st.spec_len > j->spec_cap) {
            unsigned char *q = realloc(j->spec, st.spec_len);
            if (!q)
                return -1;
            j->spec = q;
            j->spec_cap = st.spec_len;
        }
        memcpy(j->spec, msg + at, st.spec_len);
        j->why[0] = '\0';
        j->workload =
            host->worker_spec(j->spec, st.spec_len, j->why, sizeof j->why);
        if (rq->flags & FS_WARM)
            server_warm();
    }
    drop_job(j);
    int k = 0;
    j->chan = fds[k++];
    j->shared = (st.flags & PB_WORKER_SHARED) ? fds[k++] : -1;
    j->release = (st.flags & PB_WORKER_NO_RELEASE) ? -1 : fds[k++];
    j->start = st;
    j->tails_ok = (rq->flags & FS_TAILS) != 0;
    return 0;
}

/* Forks the job's workers (take_job's, all of the start record's), one
 * after the other, and answers their pids in batches (struct fs_batch),
 * the last with the server's usage since it last told it; a failed fork
 * ends the forks.  Then the job's descriptors are closed (drop_job): the
 * workers have their copies, and the memory file of the shared page is
 * freed with the last of them (the coordinator's), not here.  0, or -1
 * when the coordinator cannot be answered. */
static int fork_jobs(const struct pb_host *host, struct fs_job *j,
                     uint32_t flags, struct pb_worker_tail *tails, int sock,
                     struct rusage *base) {
    struct fs_batch b;
    unsigned i = 0;
    int stop = 0;
    memset(&b, 0, sizeof b);
    do {
        b.n = 0;
        while (b.n < FS_BATCH && i < j->start.workers && !stop) {
            int64_t pid = fork_for_cell();
            if (pid == 0)
                become_job_worker(host, j, i, tails, sock);
            b.pid[b.n++] = pid;
            stop = pid < 0;
            i++;
        }
        b.last = i == j->start.workers || stop;
        if (b.last)
            server_usage(&b.u, base, (flags & FS_MEMORY) != 0);
        if (write(sock, &b, sizeof b) != (ssize_t)sizeof b)
            return -1;
    } while (!b.last);
    drop_job(j);
    return 0;
}

/* Handles one FORK: the descriptors are the worker's; returns the pid or
 * -errno. */
static int64_t server_fork(const struct pb_host *host, int *fds, int nfds) {
    int64_t pid = fork_for_cell();
    if (pid == 0)
        become_worker(host, fds, nfds);
    return pid;
}

/* The server's whole life once it is started: answer requests on
 * `sock` until the coordinator closes its end.  Never returns.  Its
 * workers write their frames in `tails` (ntails of them; NULL: none). */
static void serve(const struct pb_host *host, int sock,
                  struct pb_worker_tail *tails, unsigned ntails)
    __attribute__((noreturn));
static void serve(const struct pb_host *host, int sock,
                  struct pb_worker_tail *tails, unsigned ntails) {
    prctl(PR_SET_NAME, SERVER_NAME);
    /* Nothing of the cell's stays open here but stdout and stderr (which
     * the workers inherit, as spawned ones do) and the socket. */
    if (sock != PROCS_HIGH_FD) {
        if (dup2(sock, PROCS_HIGH_FD) < 0)
            _exit(1);
        sock = PROCS_HIGH_FD;
    }
    /* 0, 3 and 4 are left free: a request's descriptors arrive in the
     * lowest free numbers, which are the worker's (become_worker). */
    close(PB_WORKER_FD_IN);
    close_range(3, PROCS_HIGH_FD - 1, 0);
    close_range(PROCS_HIGH_FD + 1, ~0u, 0);
    signal(SIGTERM, SIG_DFL);
    server_trim();
    struct rusage base;
    getrusage(RUSAGE_SELF, &base);
    char ok = 1;
    if (write(sock, &ok, 1) != 1)
        _exit(1);
    /* Requests: OP_JOB's are the largest.  Allocated here: a static
     * buffer was 64 KiB of the plugin's zeroed data, a mapping of its own
     * in the cell process, copied by each of fork's forks too.  A mapping
     * of its own, left out of the forks (MADV_DONTFORK: no worker reads
     * it, take_job copies what they need), so that a fork does not
     * write-protect it: in the heap, the next request's arrival took a
     * copy-on-write fault on it, in the repetition's time, before the
     * server could fork. */
    unsigned char *msg = mmap(NULL, FS_JOB_MAX, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (msg == MAP_FAILED)
        _exit(1);
    (void)madvise(msg, FS_JOB_MAX, MADV_DONTFORK);
    struct fs_job job = {.chan = -1, .shared = -1, .release = -1};
    for (;;) {
        struct fs_request rq;
        union {
            char buf[CMSG_SPACE(3 * sizeof(int))];
            struct cmsghdr align;
        } cm;
        struct iovec iov = {.iov_base = msg, .iov_len = FS_JOB_MAX};
        struct msghdr mh = {.msg_iov = &iov,
                            .msg_iovlen = 1,
                            .msg_control = cm.buf,
                            .msg_controllen = sizeof cm.buf};
        /* Without MSG_CMSG_CLOEXEC: the worker's 0, 3 and 4 stay open
         * across an exec, as a spawned worker's do; the server never
         * execs, and closes them once the worker has them. */
        ssize_t n = recvmsg(sock, &mh, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(0); /* the coordinator closed its end */
        if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof rq)
            _exit(1); /* not the coordinator speaking: stop */
        memcpy(&rq, msg, sizeof rq);
        int fds[3], nfds = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
                for (int j = 0; j < k; j++) {
                    int fd;
                    memcpy(&fd, CMSG_DATA(c) + j * sizeof(int), sizeof fd);
                    if (nfds < 3)
                        fds[nfds++] = fd;
                    else
                        close(fd);
                }
            }
        if (rq.op == OP_JOB) {
            /* The job, and its workers. */
            if (take_job(host, &job, msg, (size_t)n, fds, nfds, ntails) < 0 ||
                fork_jobs(host, &job, rq.flags, tails, sock, &base) < 0)
                _exit(1);
        } else if (n == sizeof rq && rq.op == OP_FORK && nfds >= 2) {
            int64_t pid = server_fork(host, fds, nfds);
            for (int k = 0; k < nfds; k++)
                close(fds[k]);
            if (write(sock, &pid, sizeof pid) != sizeof pid)
                _exit(1);
        } else if (n == sizeof rq && rq.op == OP_WARM) {
            server_warm();
            char done = 1;
            if (write(sock, &done, 1) != 1)
                _exit(1);
        } else if (n == sizeof rq && rq.op == OP_USAGE) {
            struct fs_usage u;
            server_usage(&u, &base, (rq.flags & FS_MEMORY) != 0);
            if (write(sock, &u, sizeof u) != sizeof u)
                _exit(1);
        } else {
            _exit(1); /* not the coordinator speaking: stop */
        }
    }
}

/* The server forked from the cell process (`server = fork`, or a core
 * before 2.5): it shares the tails the cell mapped before the fork.
 * Never returns. */
static void server_main(const struct pb_host *host, int sock, pid_t parent,
                        struct pb_worker_tail *tails, unsigned ntails)
    __attribute__((noreturn));
static void server_main(const struct pb_host *host, int sock, pid_t parent,
                        struct pb_worker_tail *tails, unsigned ntails) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent)
        _exit(0);
    serve(host, sock, tails, ntails);
}

/* The server exec'd afresh (`server = exec`): a parbench-worker that
 * loaded this plugin (host->helper_spawn in prepare(); the core made it
 * die with the cell).  Its socket is on 3 and, when nfds is 2, the
 * tails' memory file on 4, mapped here and closed. */
static int fs_helper(const struct pb_host *host, unsigned nfds) {
    struct pb_worker_tail *tails = NULL;
    unsigned ntails = 0;
    if (nfds < 1 || nfds > 2) {
        host->log(host, PB_LOG_ERROR,
                  "the fork server takes its socket and the workers' tails, "
                  "not %u descriptors",
                  nfds);
        return 2; /* not started by fs_prepare */
    }
    if (nfds == 2) {
        struct stat sb;
        void *q = MAP_FAILED;
        errno = 0;
        if (fstat(4, &sb) == 0 && (size_t)sb.st_size >= sizeof *tails) {
            ntails = (unsigned)((size_t)sb.st_size / sizeof *tails);
            q = mmap(NULL, (size_t)ntails * sizeof *tails,
                     PROT_READ | PROT_WRITE, MAP_SHARED, 4, 0);
        }
        if (q == MAP_FAILED) {
            host->log(host, PB_LOG_ERROR,
                      "the fork server cannot map the workers' tails from "
                      "descriptor 4: %s",
                      errno ? strerror(errno) : "the file is too small");
            return 1;
        }
        tails = q;
        close(4);
    }
    serve(host, 3, tails, ntails);
}

/* ------------------------------------------------------------------------ */
/* The coordinator's side                                                   */
/* ------------------------------------------------------------------------ */

/* One reply of `len` bytes from the server; -1 when it is gone. */
static int recv_reply(struct fs_state *s, void *buf, size_t len) {
    ssize_t n;
    while ((n = recv(s->sock, buf, len, 0)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)len ? 0 : -1;
}

/* One message of `niov` parts to the server, with up to 3 descriptors as
 * SCM_RIGHTS.  0 when all of it left, else -1 (server gone). */
static int send_msg(struct fs_state *s, struct iovec *iov, int niov,
                    const int *fds, int nfds) {
    union {
        char buf[CMSG_SPACE(3 * sizeof(int))];
        struct cmsghdr align;
    } cm;
    memset(&cm, 0, sizeof cm);
    struct msghdr mh = {.msg_iov = iov, .msg_iovlen = (size_t)niov};
    if (nfds > 0) {
        mh.msg_control = cm.buf;
        mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    size_t len = 0;
    for (int k = 0; k < niov; k++)
        len += iov[k].iov_len;
    ssize_t n;
    while ((n = sendmsg(s->sock, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)len ? 0 : -1;
}

static int send_request(struct fs_state *s, uint32_t op, uint32_t worker,
                        uint32_t flags, const int *fds, int nfds) {
    struct fs_request rq = {.op = op, .worker = worker, .flags = flags};
    struct iovec iov = {.iov_base = &rq, .iov_len = sizeof rq};
    return send_msg(s, &iov, 1, fds, nfds);
}

/* The server stopped answering: say how it ended.  It closes its end of
 * the socket only by exiting, so once that end is closed (POLLHUP) the
 * wait for its status is short -- without it, a server killed while it
 * forked read as one that "stopped answering".  The status is kept: the
 * repetitions after find the server gone too, and say the same. */
static void server_gone(struct fs_state *s, char *err, size_t errlen) {
    if (!s->ended) {
        struct pollfd pf = {.fd = s->sock, .events = 0};
        int hup = poll(&pf, 1, 0) == 1 && (pf.revents & (POLLHUP | POLLERR));
        int st = 0;
        pid_t r;
        while ((r = waitpid(s->pid, &st, hup ? 0 : WNOHANG)) < 0 &&
               errno == EINTR)
            ;
        if (r == s->pid) {
            s->ended = 1;
            s->status = st;
        }
    }
    if (s->ended && WIFSIGNALED(s->status)) {
        const char *abbr = sigabbrev_np(WTERMSIG(s->status));
        snprintf(err, errlen, "the fork server (pid %ld) was killed by SIG%s",
                 (long)s->pid, abbr ? abbr : "?");
    } else if (s->ended)
        snprintf(err, errlen, "the fork server (pid %ld) exited with status %d",
                 (long)s->pid,
                 WIFEXITED(s->status) ? WEXITSTATUS(s->status) : -1);
    else
        snprintf(err, errlen, "the fork server (pid %ld) stopped answering",
                 (long)s->pid);
}

/* server_gone, and the row crashed with it: a process of the cell died. */
static void server_lost(const struct pb_host *host, struct pb_job *job,
                        struct fs_state *s, char *err, size_t errlen) {
    server_gone(s, err, errlen);
    host->job_fail(job, 1, "%s", err);
}

static void fs_destroy(void *state) {
    struct fs_state *s = state;
    if (!s)
        return;
    /* The pooled workers first: they are the cell's children. */
    procs_pool_free(s->pool);
    /* End-of-file on its socket: the server exits. */
    if (s->sock >= 0)
        close(s->sock);
    if (s->pid > 0 && !s->ended)
        while (waitpid(s->pid, NULL, 0) < 0 && errno == EINTR)
            ;
    free(s);
}

/* 1 when the server is to be exec'd afresh (`server = exec`, the
 * default) and the core can (ABI 2.5); else it is forked from the cell. */
static int server_exec(const struct pb_host *host,
                       const struct pb_params *params) {
    return PB_HOST_HAS(host, helper_spawn) && host->helper_spawn &&
           strcmp(host->param_string(params, "server"), "exec") == 0;
}

static int fs_prepare(const struct pb_host *host,
                      const struct pb_params *params, unsigned workers,
                      void **state, char *err, size_t errlen) {
    if (!PB_HOST_HAS(host, job_helper_usage) || !host->worker_main ||
        !host->job_helper_usage) {
        snprintf(err, errlen,
                 "this parbench core cannot start a worker without an exec "
                 "(host ABI %u.x without worker_main): use posix_spawn, or a "
                 "parbench with plugin ABI 2.2",
                 host->abi_version);
        return -1;
    }
    struct fs_state *s = calloc(1, sizeof *s);
    int sv[2];
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        snprintf(err, errlen, "cannot create a socket pair: %s",
                 strerror(errno));
        free(s);
        return -1;
    }
    /* Before the server starts, so that it and its workers share them. */
    int exec_it = server_exec(host, params);
    int tfd = -1; /* the tails' memory file, procs.c's */
    s->tails = procs_tails_reserve(workers, exec_it ? &tfd : NULL);
    pid_t pid;
    if (exec_it) {
        int fds[2] = {sv[1], tfd};
        char why[256] = "";
        pid = host->helper_spawn(fds, tfd >= 0 ? 2u : 1u, why, sizeof why);
        if (pid < 0)
            snprintf(err, errlen,
                     "cannot start the fork server: %s (server = fork starts "
                     "it without parbench-worker)",
                     why);
    } else {
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0) {
            close(sv[0]);
            server_main(host, sv[1], parent, s->tails, s->tails ? workers : 0);
        }
        if (pid < 0)
            snprintf(err, errlen, "cannot fork the fork server: %s",
                     strerror(errno));
    }
    close(sv[1]);
    s->sock = sv[0];
    if (pid < 0) {
        close(s->sock);
        free(s);
        return -1;
    }
    s->pid = pid;
    /* Its ready byte; then, with `warm = true`, the byte that says it
     * has warmed what it loaded (outside every clock, as its start). */
    char ok = 0;
    s->warm = host->param_bool(params, "warm");
    if (recv_reply(s, &ok, 1) < 0 || ok != 1 ||
        (s->warm && (send_request(s, OP_WARM, 0, 0, NULL, 0) < 0 ||
                     recv_reply(s, &ok, 1) < 0 || ok != 1))) {
        server_gone(s, err, errlen);
        if (!s->ended) /* not a pid that may be another's now */
            kill(s->pid, SIGKILL);
        fs_destroy(s);
        return -1;
    }
    *state = s;
    return 0;
}

/* The server's answer to an OP_FORK request for worker i: *pid, or -1
 * with err. */
static int fs_forked(const struct pb_host *host, struct pb_job *job,
                     struct fs_state *s, unsigned i, pid_t *pid, char *err,
                     size_t errlen) {
    int64_t got = -1;
    int rc = recv_reply(s, &got, sizeof got);
    if (rc < 0 || got <= 0) {
        if (rc < 0)
            server_gone(s, err, errlen);
        else
            snprintf(err, errlen, "the fork server cannot fork worker %u: %s",
                     i, strerror((int)-got));
        return -1;
    }
    host->job_add_ipc(job, sizeof(struct fs_request) + sizeof got);
    *pid = (pid_t)got;
    return 0;
}

/* One fork by the server, waited for (a pool's workers). */
static int fs_fork(const struct pb_host *host, struct pb_job *job,
                   struct fs_state *s, unsigned i, const int *fds, int nfds,
                   pid_t *pid, char *err, size_t errlen) {
    if (send_request(s, OP_FORK, i, 0, fds, nfds) < 0) {
        server_gone(s, err, errlen);
        return -1;
    }
    return fs_forked(host, job, s, i, pid, err, errlen);
}

/* Requests ahead of their answers: the server forks the next worker while
 * the coordinator takes in the last one's pid.  Bounded, so that the
 * descriptors in flight and the socket's buffers stay small. */
#define FS_WINDOW 16

/* One worker's pipes, its start record written ahead when it fits
 * (procs_prewrite: the worker never waits for it), and the request. */
struct fs_pending {
    int parent[2];
    int written;
};

static int fs_request_one(struct procs *p, struct fs_state *s, unsigned i,
                          int shared, const struct pb_worker_start *start,
                          const void *spec, struct fs_pending *w, char *err,
                          size_t errlen) {
    int child[2];
    /* The worker's ends get new numbers in the server: left where they are. */
    if (procs_pipes(i, 0, child, w->parent, err, errlen) < 0)
        return -1;
    w->written = procs_prewrite(p, i, w->parent[0], start, spec);
    int fds[3] = {child[0], child[1], shared};
    int rc = send_request(s, OP_FORK, i, 0, fds, shared >= 0 ? 3 : 2);
    close(child[0]);
    close(child[1]);
    if (rc < 0) {
        server_gone(s, err, errlen);
        close(w->parent[0]);
        close(w->parent[1]);
        return -1;
    }
    return 0;
}

/* The answers to an OP_JOB of n workers (fork_jobs): each pid adopted
 * in order, and the server's usage from the last batch into the row,
 * even after a failed fork.  0, or -1 with err (a failed fork: the ones
 * before it are adopted, and procs_finish stops them; or the server
 * gone, and then no usage: the row has failed). */
static int take_pids(struct procs *p, struct fs_state *s, unsigned n, char *err,
                     size_t errlen) {
    unsigned got = 0;
    int rc = 0;
    for (;;) {
        struct fs_batch b;
        if (recv_reply(s, &b, sizeof b) < 0 || b.n > FS_BATCH ||
            b.n > n - got) {
            server_lost(p->host, p->job, s, err, errlen);
            return -1;
        }
        p->host->job_add_ipc(p->job, sizeof b);
        for (unsigned k = 0; k < b.n && rc == 0; k++, got++) {
            if (b.pid[k] > 0) {
                procs_forked(p, got, (pid_t)b.pid[k], -1, -1);
            } else {
                snprintf(err, errlen,
                         "the fork server cannot fork worker %u: %s", got,
                         strerror((int)-b.pid[k]));
                rc = -1;
            }
        }
        if (b.last) {
            p->host->job_helper_usage(p->job, &b.u.ru, b.u.pss_kib,
                                      b.u.uss_kib);
            if (rc == 0 && got != n) {
                snprintf(err, errlen, "the fork server forked %u of %u workers",
                         got, n);
                rc = -1;
            }
            return rc;
        }
    }
}

/* Starts the job's n workers through the server with their pipes and
 * start records (OP_FORK), FS_WINDOW requests ahead of the answers.
 * Workers are adopted in order; after a failure (err says why, -1) the
 * ones the server still forks are killed and reaped here, and
 * procs_finish stops the adopted ones. */
static int fork_all(struct procs *p, struct fs_state *s, unsigned n, int shared,
                    const struct pb_worker_start *start, const void *spec,
                    char *err, size_t errlen) {
    struct fs_pending win[FS_WINDOW];
    unsigned sent = 0, done = 0;
    int rc = 0;
    while (done < sent || (rc == 0 && sent < n)) {
        while (rc == 0 && sent < n && sent - done < FS_WINDOW) {
            if (fs_request_one(p, s, sent, shared, start, spec,
                               &win[sent % FS_WINDOW], err, errlen) < 0)
                rc = -1;
            else
                sent++;
        }
        if (done == sent)
            break;
        struct fs_pending *w = &win[done % FS_WINDOW];
        pid_t pid = 0;
        char why[256];
        int r = fs_forked(p->host, p->job, s, done, &pid, rc == 0 ? err : why,
                          rc == 0 ? errlen : sizeof why);
        if (r == 0 && rc == 0) {
            procs_started(p, done, pid, w->parent, start, spec, w->written);
        } else {
            if (r == 0) { /* forked after an earlier failure */
                kill(pid, SIGKILL);
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                    ;
            }
            close(w->parent[0]);
            close(w->parent[1]);
            rc = -1;
        }
        done++;
    }
    return rc;
}

/* The repetition's job to the server (OP_JOB), which forks its workers:
 * the start record, the spec and the descriptors every worker gets -- the
 * channel, the shared page, the release's read end.  `flags`: FS_TAILS,
 * FS_MEMORY.  0, or -1 (server gone). */
static int send_job(const struct pb_host *host, struct pb_job *job,
                    struct fs_state *s, const struct pb_worker_start *start,
                    const void *spec, uint32_t flags, int chan, int shared,
                    int release) {
    struct fs_request rq = {.op = OP_JOB, .worker = 0, .flags = flags};
    int fds[3], nfds = 0;
    fds[nfds++] = chan;
    if (start->flags & PB_WORKER_SHARED)
        fds[nfds++] = shared;
    if (!(start->flags & PB_WORKER_NO_RELEASE))
        fds[nfds++] = release;
    struct iovec iov[3] = {
        {.iov_base = &rq, .iov_len = sizeof rq},
        {.iov_base = (void *)start, .iov_len = sizeof *start},
        {.iov_base = (void *)spec, .iov_len = (size_t)start->spec_len}};
    if (send_msg(s, iov, 3, fds, nfds) < 0)
        return -1;
    host->job_add_ipc(job, sizeof rq + sizeof *start + start->spec_len);
    return 0;
}

/* `lifetime = cell`: pooled worker i, forked by the server once for the
 * cell; it re-creates the workload once and serves every repetition. */
static int fs_pool_start(void *ctx, const struct pb_host *host,
                         struct pb_job *job, unsigned i, int in, int out,
                         pid_t *pid, char *err, size_t errlen) {
    const int fds[2] = {in, out};
    return fs_fork(host, job, ctx, i, fds, 2, pid, err, errlen);
}

static int fs_create(const struct pb_host *host, const struct pb_params *params,
                     unsigned workers, void **state, char *err, size_t errlen) {
    struct fs_state *s = *state;
    void *pool = NULL;
    if (!s) {
        snprintf(err, errlen, "no fork server: prepare() did not run");
        return -1;
    }
    if (procs_lifetime_create(host, params, workers, 1, &pool, err, errlen) < 0)
        return -1;
    s->pool = pool;
    return 0;
}

/* The server's memory: read by the core with the workers' (2.3), or by
 * the server itself when the core predates job_helper_pid. */
static int core_reads_server(const struct pb_host *host) {
    return PB_HOST_HAS(host, job_helper_pid) && host->job_helper_pid;
}

/* FS_MEMORY when the server must read its own memory for the row. */
static uint32_t server_memory(const struct pb_host *host, struct pb_job *job) {
    return !core_reads_server(host) && procs_memory(host, job) ? FS_MEMORY : 0u;
}

/* Asks the server what it cost since it last told (after the pipes' or
 * the pool's forks).  Sent as soon as the last fork of the repetition is
 * done (the server does nothing more for it), so that its answer waits in
 * the socket while the workers run instead of costing a round trip after
 * them.  0, or -1 (server gone). */
static int server_ask(const struct pb_host *host, struct pb_job *job,
                      struct fs_state *s) {
    return send_request(s, OP_USAGE, 0, server_memory(host, job), NULL, 0);
}

/* The answer to server_ask, into the row; `asked` is what it returned. */
static void server_account(const struct pb_host *host, struct pb_job *job,
                           struct fs_state *s, int asked) {
    struct fs_usage u;
    char why[200];
    if (asked < 0 || recv_reply(s, &u, sizeof u) < 0) {
        server_lost(host, job, s, why, sizeof why);
        return;
    }
    host->job_add_ipc(job, sizeof(struct fs_request) + sizeof u);
    host->job_helper_usage(job, &u.ru, u.pss_kib, u.uss_kib);
}

/* One repetition with the workers' frames on the channel and in their
 * tails, the spec sent to the server once (OP_JOB) and each worker
 * re-creating its job from it (host->worker_job): no pipe and no
 * descriptor per worker.  Returns what procs_finish returns, or 1 when
 * this cannot be (an older core, no pidfds, a spec too large, no shared
 * page): run() then takes the pipes, and *p is untouched. */
static int run_channel(const struct pb_host *host, struct pb_job *job,
                       struct fs_state *s, struct procs *p, const void *spec,
                       size_t spec_len, char *err, size_t errlen) {
    int shared = host->job_shared_fd(job);
    if (!PB_HOST_HAS(host, worker_job) || !host->worker_spec ||
        !host->worker_job || shared < 0 ||
        spec_len > FS_JOB_MAX - sizeof(struct fs_request) -
                       sizeof(struct pb_worker_start))
        return 1;
    int chan = procs_channel(p);
    if (chan < 0)
        return 1;
    int rel[2] = {-1, -1};
    if (!p->no_release && pipe2(rel, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot create a pipe: %s", strerror(errno));
        return procs_finish(p, -1);
    }
    /* The tails are shared with the server's workers only where they were
     * mapped before it was forked. */
    if (procs_tails(p) < 0 || p->tails != s->tails)
        p->tails = NULL;
    struct pb_worker_start start;
    procs_start_record(p, shared, &start, spec_len);
    /* One request: the server forks every worker and answers their pids
     * in batches, the last with its usage. */
    uint32_t flags = (p->tails ? FS_TAILS : 0u) | server_memory(host, job) |
                     (s->warm ? FS_WARM : 0u);
    int rc = send_job(host, job, s, &start, spec, flags, chan, shared, rel[0]);
    if (rel[0] >= 0)
        close(rel[0]);
    p->release_fd = rel[1];
    if (rc < 0)
        server_lost(host, job, s, err, errlen);
    else
        rc = take_pids(p, s, start.workers, err, errlen);
    return procs_finish(p, rc);
}

static int fs_run(const struct pb_host *host, const struct pb_params *params,
                  struct pb_job *job, char *err, size_t errlen) {
    (void)params;
    struct fs_state *s = host->executor_state(job);
    unsigned n = host->job_workers(job);
    struct procs p;
    if (!s) {
        snprintf(err, errlen, "no fork server: prepare() did not run");
        return -1;
    }
    if (n == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    if (core_reads_server(host))
        host->job_helper_pid(job, s->pid);
    if (s->pool) {
        /* The pool's forks happen inside procs_pool_run (its first
         * repetition): ask afterwards. */
        int rc =
            procs_pool_run(s->pool, host, job, fs_pool_start, s, err, errlen);
        server_account(host, job, s, server_ask(host, job, s));
        return rc;
    }
    size_t spec_len = 0;
    const void *spec = host->job_spec(job, &spec_len);
    if (!spec || !spec_len) {
        snprintf(err, errlen, "the core gave no workload spec");
        return -1;
    }
    if (procs_init(&p, host, job, n) < 0) {
        snprintf(err, errlen, "out of memory for %u workers", n);
        return -1;
    }
    int rc = run_channel(host, job, s, &p, spec, spec_len, err, errlen);
    if (rc <= 0)
        return rc;
    /* The pipes: a start record and the spec for each worker. */
    int shared = host->job_shared_fd(job);
    struct pb_worker_start start;
    procs_start_record(&p, shared, &start, spec_len);
    rc = fork_all(&p, s, n, shared, &start, spec, err, errlen);
    int asked = server_ask(host, job, s);
    rc = procs_finish(&p, rc);
    server_account(host, job, s, asked);
    return rc;
}

static const char *const server_choices[] = {"exec", "fork", NULL};

static const struct pb_param fs_params[] = {
    LIFETIME_PARAM,
    {.name = "server",
     .type = PB_PARAM_ENUM,
     .def = "exec",
     .choices = server_choices,
     .help = "exec: the server is a fresh parbench-worker process that loads "
             "this plugin, so its forks copy little; fork: a fork of the cell "
             "process before the workload exists (also with a parbench core "
             "before plugin ABI 2.5)"},
    {.name = "warm",
     .type = PB_PARAM_BOOL,
     .def = "true",
     .help = "true: the server maps all the code and read-only data it has "
             "loaded, so that its forks copy the page-table entries and no "
             "worker faults those pages in again; false: each worker faults "
             "in what it runs"},
    PB_PARAM_END};

static const struct pb_executor_ops fs_ops = {
    .size = sizeof(struct pb_executor_ops),
    .run = fs_run,
    .create = fs_create,
    .prepare = fs_prepare,
    .destroy = fs_destroy,
    .helper = fs_helper,
};

static const struct pb_plugin fs_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "forkserver",
    .summary = "workers forked by a small server process started before the "
               "workload; each re-creates the workload, no exec (per "
               "repetition, or a pool kept for the cell); pipes",
    .params = fs_params,
    .flags = 0,
    .workload = NULL,
    .executor = &fs_ops,
};

PB_DEFINE_PLUGIN(fs_desc)
