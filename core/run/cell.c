/* SPDX-License-Identifier: MIT */
/*
 * cell.c - the cell process: create the workload state, run and measure
 * repetitions, report each one to the runner.  The clock, resource
 * accounting and verification here are the same for every executor.
 */
#include "run/cell.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "config/params.h"
#include "config/spec.h"
#include "run/helper.h"
#include "run/host.h"
#include "run/job.h"
#include "run/perfctr.h"
#include "run/worker_proc.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/procstat.h"
#include "util/selfpath.h"
#include "util/sigsafe.h"

/* The worker program and the serialised workload spec for executors that
 * start fresh processes. */
struct cell_env {
    char worker_program[4096];
    char *spec;
    size_t spec_len;
    int fd; /* the message pipe to the runner                    */
    /* The hosts told to the runner already (CELL_HOST). */
    struct meta_host hosts[JOB_MAX_HOSTS];
    size_t nhosts;
    struct perfctr_set ctr; /* [run] counters; fd -1: none (empty cells)  */
    unsigned char *ballast; /* the executor's `ballast`, or NULL          */
    size_t ballast_bytes;
    uint64_t touches; /* repetitions that wrote the ballast          */
    int memory;       /* [run] memory: PSS and USS are read          */
};

static int write_msg(int fd, const struct cell_msg *m) {
    return fdio_write_full(fd, m, sizeof *m);
}

/* Reads one GO; 1, or 0 at EOF or on error. */
static int read_go(int fd, struct cell_go *go) {
    return fdio_read_full(fd, go, sizeof *go) > 0;
}

static double tv_s(struct timeval tv) {
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* This process's resident set now (VmRSS), in KiB; 0 when unknown. */
static uint64_t resident_kib(void) {
    FILE *f = fopen("/proc/self/statm", "re");
    unsigned long long size = 0, resident = 0;
    int ok = f && fscanf(f, "%llu %llu", &size, &resident) == 2;
    if (f)
        fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return ok && page > 0 ? (uint64_t)resident * (uint64_t)page / 1024u : 0;
}

static void on_term(int sig) {
    (void)sig;
    host_cancel_flag = 1;
}

/* ------------------------------------------------------------------------ */
/* Crash notes                                                              */
/* ------------------------------------------------------------------------ */

/* What the crash handler needs, set before any plugin code runs.  The
 * handler only reads it. */
static struct {
    pid_t pid;                      /* the cell process (not a fork)  */
    int fd;                         /* the message pipe to the runner */
    const struct plan_instance *wl; /* the cell's workload            */
    const struct plan_instance *ex; /* and executor                   */
    const char *volatile phase;     /* what the main thread is doing  */
    const struct plan_instance *volatile phase_of; /* in which plugin */
    char bug[400];                   /* a plugin bug the host found    */
    const char *volatile bug_plugin; /* whose: an instance name        */
} crash;

/* "workload 'NAME' (plugin P)" of instance x. */
static size_t put_instance(char *b, size_t cap, size_t n,
                           const struct plan_instance *x) {
    n = sigsafe_str(b, cap, n,
                    x->kind == PB_KIND_WORKLOAD ? "workload '" : "executor '");
    n = sigsafe_str(b, cap, n, x->name);
    n = sigsafe_str(b, cap, n, "' (plugin ");
    n = sigsafe_str(b, cap, n, x->plugin_name);
    return sigsafe_str(b, cap, n, ")");
}

/* A crash signal in the cell process: tell the runner where it happened
 * (one atomic write), then die of the signal (SA_RESETHAND restored the
 * default action; the re-raised signal is delivered on return).  Forked
 * workers inherit the handler but are not the cell process: they only
 * die, and their executor reports them. */
static void on_crash(int sig) {
    if (getpid() == crash.pid) {
        struct cell_msg m;
        memset(&m, 0, sizeof m);
        m.type = CELL_NOTE;
        char *b = m.error;
        size_t cap = sizeof m.error - 1, n = sigsafe_signal(b, cap, 0, sig);
        unsigned worker;
        uint64_t task;
        if (job_thread_task(&worker, &task)) {
            n = sigsafe_str(b, cap, n, " in worker ");
            n = sigsafe_u64(b, cap, n, worker);
            if (task != PB_NO_TASK) {
                n = sigsafe_str(b, cap, n, ", task ");
                n = sigsafe_u64(b, cap, n, task);
            }
            n = sigsafe_str(b, cap, n, ", running ");
            n = put_instance(b, cap, n, crash.wl);
        } else {
            n = sigsafe_str(b, cap, n, " in ");
            n = sigsafe_str(b, cap, n, crash.phase);
            if (crash.phase_of) {
                n = sigsafe_str(b, cap, n, " of ");
                n = put_instance(b, cap, n, crash.phase_of);
            }
        }
        if (crash.bug_plugin) {
            n = sigsafe_str(b, cap, n, ": plugin bug in ");
            n = sigsafe_str(b, cap, n, crash.bug_plugin);
            n = sigsafe_str(b, cap, n, ": ");
            n = sigsafe_str(b, cap, n, crash.bug);
        }
        b[n] = '\0';
        ssize_t w = write(crash.fd, &m, sizeof m);
        (void)w;
    }
    raise(sig);
}

/* params_on_bug: keep which plugin asked wrongly for on_crash (abort()
 * follows).  Any thread of the cell process, or a forked worker. */
static void on_plugin_bug(const struct pb_params *ps, const char *msg) {
    static char who[160];
    const struct plan_instance *x =
        ps == crash.ex->params ? crash.ex : crash.wl;
    size_t n = put_instance(who, sizeof who - 1, 0, x);
    who[n] = '\0';
    n = sigsafe_str(crash.bug, sizeof crash.bug - 1, 0, msg);
    crash.bug[n] = '\0';
    crash.bug_plugin = who;
}

static void crash_notes_init(int fd, const struct plan_instance *wl,
                             const struct plan_instance *ex) {
    static const int sigs[] = {SIGSEGV, SIGBUS,  SIGILL, SIGFPE,
                               SIGABRT, SIGTRAP, SIGSYS};
    crash.pid = getpid();
    crash.fd = fd;
    crash.wl = wl;
    crash.ex = ex;
    crash.phase = "loading the plugins";
    crash.phase_of = NULL;
    params_on_bug(on_plugin_bug);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_crash;
    sa.sa_flags = (int)SA_RESETHAND;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);
}

static void env_init(struct cell_env *env, const struct plan_instance *wl) {
    /* Empty when it cannot be found: a spawned worker then fails its
     * row with the exec error. */
    selfpath_helper("parbench-worker", env->worker_program,
                    sizeof env->worker_program);
    /* The spec a fresh worker re-creates the workload from (spec.h).  A
     * spec that cannot be built (out of memory) stays empty: a spawned
     * worker then reports that it has no spec. */
    env->spec = NULL;
    env->spec_len = 0;
    env->nhosts = 0;
    for (unsigned i = 0; i < RUN_COUNTERS; i++)
        env->ctr.fd[i] = -1;
    env->ballast = NULL;
    env->ballast_bytes = 0;
    env->touches = 0;
    if (spec_build(wl->plugin.path, wl->params, &env->spec, &env->spec_len) <
        0) {
        env->spec = NULL;
        env->spec_len = 0;
    }
}

static void set_phase(const char *phase, const struct plan_instance *of) {
    crash.phase = phase;
    crash.phase_of = of;
}

/* Tells the runner the hosts that ran processes of `job` (MPI ranks) and
 * that this cell process has not told yet, one CELL_HOST each, so that
 * they reach the run metadata.  Returns 0, or -1 when a write failed. */
static int report_hosts(struct cell_env *env, const struct pb_job *job) {
    const struct meta_host *hosts;
    size_t n = job_hosts(job, &hosts);
    for (size_t i = 0; i < n; i++) {
        if (!meta_host_add(env->hosts, &env->nhosts, JOB_MAX_HOSTS, &hosts[i]))
            continue;
        struct cell_msg m;
        memset(&m, 0, sizeof m);
        m.type = CELL_HOST;
        m.host = hosts[i];
        if (write_msg(env->fd, &m) < 0)
            return -1;
    }
    return 0;
}

/* The executor's `ballast`: `bytes` of private anonymous memory, every
 * page written, held until the cell process exits, as a big parent
 * process holds its heap.  Small pages (MADV_NOHUGEPAGE), as most of a
 * real heap is: fork then copies one page-table entry per 4 KiB.  Not
 * timed (before READY).  0, or -1 with a sentence in err. */
static int hold_ballast(struct cell_env *env, uint64_t bytes, char *err,
                        size_t errlen) {
    void *b = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED) {
        snprintf(err, errlen, "cannot map %" PRIu64 " bytes: %s", bytes,
                 strerror(errno));
        return -1;
    }
    (void)madvise(b, (size_t)bytes, MADV_NOHUGEPAGE);
    long page = sysconf(_SC_PAGESIZE);
    size_t step = page > 0 ? (size_t)page : 4096;
    for (size_t i = 0; i < (size_t)bytes; i += step)
        ((volatile unsigned char *)b)[i] = (unsigned char)(i / step);
    env->ballast = b;
    env->ballast_bytes = (size_t)bytes;
    return 0; /* never unmapped: the process exits with it */
}

/* The coordinator goes on using its heap, as a live parent does (a
 * Python parent's reference counts): at the end of each repetition,
 * after run() and the clock but before the CPU times, fault counts and
 * counters are read, it writes one byte of every page of its ballast.
 * A fork in run() write-protected every one of those pages in the parent
 * (copy-on-write), so each write takes a minor fault; threads and
 * posix_spawn (no page tables copied) leave them writable: no fault.
 * The pass itself is the application's work, the same for every
 * executor, so wall_s leaves it out; its faults and CPU time are the
 * row's (minflt, user_s, sys_s, task_clock_s). */
static void touch_ballast(struct cell_env *env) {
    if (!env->ballast)
        return;
    long page = sysconf(_SC_PAGESIZE);
    size_t step = page > 0 ? (size_t)page : 4096;
    unsigned char v = (unsigned char)++env->touches;
    for (size_t i = 0; i < env->ballast_bytes; i += step)
        ((volatile unsigned char *)env->ballast)[i] = v;
}

/* job_set_pause: the counters stop while the core reads memory. */
static void pause_counters(void *ctx, int paused) {
    struct perfctr_set *ctr = ctx;
    if (paused)
        perfctr_disable(ctr);
    else
        perfctr_enable(ctr);
}

/* Runs one repetition and fills *row, and error (errlen bytes) when it is
 * not ok.  Returns 0 (the row says how it went) or PB_ENOMEM. */
static int measure(const struct plan_instance *wl,
                   const struct plan_instance *ex, const struct plan_cell *c,
                   void *state, void *xstate, struct cell_env *env,
                   struct row_measure *row, char *error, size_t errlen) {
    const struct pb_workload_ops *ops = &wl->plugin.workload;
    memset(row, 0, sizeof *row);
    set_phase("begin()", wl);
    if (ops->begin)
        ops->begin(state);
    struct pb_job *job =
        job_new(&wl->host.host, ops, state, c->workers, c->schedule);
    if (!job)
        return PB_ENOMEM;
    job_set_worker_env(job, env->worker_program, env->spec, env->spec_len);
    job_set_executor(job, ex->name, xstate);
    job_set_affinity(job, ex->affinity);
    job_set_memory(job, env->memory);
    job_set_pause(job, pause_counters, &env->ctr);

    char err[512] = "";
    struct rusage s0, s1, c0, c1;
    /* The machine's CPU time around the timed region, outside it. */
    struct procstat ps0, ps1;
    procstat_read(NULL, &ps0);
    /* Opened before the first repetition; started and stopped around
     * the clock, read outside it. */
    struct perfctr_reading ctr0[RUN_COUNTERS], ctr1[RUN_COUNTERS];
    perfctr_read_all(&env->ctr, ctr0);
    perfctr_enable(&env->ctr);
    getrusage(RUSAGE_SELF, &s0);
    getrusage(RUSAGE_CHILDREN, &c0);
    uint64_t t0 = clock_mono_ns();
    set_phase("run()", ex);
    int rc = ex->plugin.executor.run(&ex->host.host, ex->params, job, err,
                                     sizeof err);
    if (rc < 0)
        job_failf(job, 0, "executor: %s", err[0] ? err : "run failed");
    set_phase("merge()", wl);
    job_finish(job);
    uint64_t t1 = clock_mono_ns();
    /* After the clock, before the CPU time and fault counts. */
    touch_ballast(env);
    getrusage(RUSAGE_SELF, &s1);
    getrusage(RUSAGE_CHILDREN, &c1);
    perfctr_disable(&env->ctr);
    perfctr_read_all(&env->ctr, ctr1);
    procstat_read(NULL, &ps1);

    struct job_totals jt;
    job_totals(job, &jt);
    /* Minus the time the core paused the clock to sample memory. */
    row->wall_s = (double)(t1 - t0 - jt.paused_ns) / 1e9;
    /* The cell's processes, and processes the coordinator could not reap
     * (job_self_usage). */
    double user = tv_s(s1.ru_utime) - tv_s(s0.ru_utime) + tv_s(c1.ru_utime) -
                  tv_s(c0.ru_utime) + jt.self_user_s;
    double sys = tv_s(s1.ru_stime) - tv_s(s0.ru_stime) + tv_s(c1.ru_stime) -
                 tv_s(c0.ru_stime) + jt.self_sys_s;
    /* All of it (the memory sampling included) is the cell's own, not the
     * rest of the machine's. */
    procstat_interference(&ps0, &ps1, sysconf(_SC_CLK_TCK), user + sys,
                          &row->other_cpu_s, &row->steal_s);
    row->user_s = user - jt.paused_user_s;
    row->sys_s = sys - jt.paused_sys_s;
    if (row->user_s < 0) /* getrusage ticks are coarse */
        row->user_s = 0;
    if (row->sys_s < 0)
        row->sys_s = 0;
    row->ctx_voluntary = (uint64_t)(s1.ru_nvcsw - s0.ru_nvcsw) +
                         (uint64_t)(c1.ru_nvcsw - c0.ru_nvcsw) + jt.self_nvcsw;
    row->ctx_involuntary = (uint64_t)(s1.ru_nivcsw - s0.ru_nivcsw) +
                           (uint64_t)(c1.ru_nivcsw - c0.ru_nivcsw) +
                           jt.self_nivcsw;
    /* Faults of the coordinator and its threads, and of every worker
     * process reaped meanwhile: fork's copy-on-write made countable. */
    row->minflt = (uint64_t)(s1.ru_minflt - s0.ru_minflt) +
                  (uint64_t)(c1.ru_minflt - c0.ru_minflt) + jt.self_minflt;
    row->majflt = (uint64_t)(s1.ru_majflt - s0.ru_majflt) +
                  (uint64_t)(c1.ru_majflt - c0.ru_majflt) + jt.self_majflt;
    /* Inherited counter: threads and worker processes count once they
     * have exited (every executor joins or reaps its workers in run()). */
    int scaled;
    row->cycles =
        perfctr_delta(&ctr0[COUNTER_CYCLES], &ctr1[COUNTER_CYCLES], &scaled);
    row->instructions = perfctr_delta(&ctr0[COUNTER_INSTRUCTIONS],
                                      &ctr1[COUNTER_INSTRUCTIONS], &scaled);
    row->cache_misses = perfctr_delta(&ctr0[COUNTER_CACHE_MISSES],
                                      &ctr1[COUNTER_CACHE_MISSES], &scaled);
    uint64_t task_ns = perfctr_delta(&ctr0[COUNTER_TASK_CLOCK],
                                     &ctr1[COUNTER_TASK_CLOCK], &scaled);
    row->task_clock_s =
        task_ns == RESULTS_NO_VALUE ? NAN : (double)task_ns / 1e9;
    row->cpu_migrations = perfctr_delta(&ctr0[COUNTER_CPU_MIGRATIONS],
                                        &ctr1[COUNTER_CPU_MIGRATIONS], &scaled);
    row->peak_rss_kib = (uint64_t)s1.ru_maxrss;
    if (jt.max_worker_rss_kib > row->peak_rss_kib)
        row->peak_rss_kib = jt.max_worker_rss_kib;
    /* With worker processes, the coordinator's Pss was read when the last
     * worker reported, while they all still lived (see job_deliver): read
     * now, after they exited, the pages it shared with them would count
     * twice.  With threads there is only this process. */
    struct job_smaps self = {0, 0};
    if (!jt.coord_pss_kib && env->memory)
        (void)job_read_smaps(0, &self);
    row->pss_kib = (jt.coord_pss_kib ? jt.coord_pss_kib : self.pss_kib) +
                   jt.workers_pss_kib + jt.helpers_pss_kib;
    row->uss_kib = (jt.coord_pss_kib ? jt.coord_uss_kib : self.uss_kib) +
                   jt.workers_uss_kib;
    /* Processes that measured themselves (job_self_usage: MPI ranks) add
     * the USS they read of themselves (job_self_uss); when one of them
     * passed none the sum is unknown: empty, never short. */
    row->uss_kib += jt.helpers_uss_kib;
    if (jt.self_uss_unknown)
        row->uss_kib = RESULTS_NO_VALUE;
    /* [run] memory = off: nothing was read; empty, never 0. */
    if (!env->memory)
        row->pss_kib = row->uss_kib = RESULTS_NO_VALUE;
    row->ipc_bytes = jt.ipc_bytes;
    row->startup_s =
        (double)((jt.last_ready_ns > t0 ? jt.last_ready_ns : t0) - t0) / 1e9;
    row->items = jt.items;

    if (!job_status(job, NULL)) {
        uint64_t sum = 0;
        err[0] = '\0';
        set_phase("verify()", wl);
        if (ops->verify(state, &sum, err, sizeof err) < 0)
            job_failf(job, 0, "verification failed: %s",
                      err[0] ? err : "wrong answer");
        row->checksum = sum;
        row->has_checksum = 1;
    }
    const char *why;
    int failed = job_status(job, &why);
    row->status = failed == 2 ? ROW_CRASHED : failed == 1 ? ROW_FAILED : ROW_OK;
    if (failed)
        snprintf(error, errlen, "%s", why);
    int hrc = report_hosts(env, job);
    job_free(job);
    return hrc < 0 ? PB_EIO : 0;
}

/* The executor's destroy(), at the end of the cell and on every early
 * exit after its create() (plugin.h): a pool it kept must not outlive
 * the cell process. */
static void end_executor(const struct plan_instance *ex, void *xstate) {
    set_phase("destroy()", ex);
    if (ex->plugin.executor.destroy)
        ex->plugin.executor.destroy(xstate);
}

void cell_main(const struct cell_request *req) {
    struct plan *p = req->plan;
    const struct plan_cell *c = req->cell;
    struct plan_instance *wl = &p->workloads[c->workload];
    struct plan_instance *ex = &p->executors[c->executor];
    struct cell_msg m;
    struct cell_env env;
    char err[480] = "";

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);

    crash_notes_init(req->fd, wl, ex);
    /* The runner unloaded every plugin after validation (plan_unload):
     * this process loads its own two again. */
    memset(&m, 0, sizeof m);
    if (plan_load_cell(p, c, err, sizeof err) < 0) {
        m.type = CELL_FATAL;
        m.row.status = ROW_FAILED;
        snprintf(m.error, sizeof m.error, "loading plugins: %.450s", err);
        _exit(write_msg(req->fd, &m) < 0 ? PB_EXIT_INTERNAL : 0);
    }
    const struct pb_workload_ops *ops = &wl->plugin.workload;
    const struct pb_executor_ops *xops = &ex->plugin.executor;
    host_set_role(&wl->host, PB_ROLE_COORDINATOR);
    host_set_role(&ex->host, PB_ROLE_COORDINATOR);
    /* For processes the executor forks from this one (forkserver). */
    ex->host.host.worker_main = worker_proc_main;
    ex->host.host.worker_pool_main = worker_proc_pool_main;
    ex->host.host.worker_spec = worker_proc_spec;
    ex->host.host.worker_job = worker_proc_job;
    host_preload_workload(&wl->plugin);
    env_init(&env, wl);
    /* For the executor's helper processes (forkserver's server). */
    helper_set_cell(env.worker_program, ex->plugin.path);
    ex->host.host.helper_spawn = helper_spawn;
    env.fd = req->fd;
    env.memory = req->memory;
    void *state = NULL, *xstate = NULL;
    const char *what = "preparing the executor";
    int crc = 0;
    /* Before anything of the workload exists (and before the ballast):
     * what prepare() starts does not inherit it. */
    if (xops->prepare) {
        set_phase("prepare()", ex);
        crc = xops->prepare(&ex->host.host, ex->params, c->workers, &xstate,
                            err, sizeof err);
    }
    if (crc == 0) {
        what = "creating the workload";
        set_phase("create()", wl);
        crc = ops->create(&wl->host.host, wl->params, &state, err, sizeof err);
    }
    if (crc == 0 && xops->create) {
        what = "creating the executor";
        set_phase("create()", ex);
        crc = xops->create(&ex->host.host, ex->params, c->workers, &xstate, err,
                           sizeof err);
    }
    if (crc < 0) {
        m.type = CELL_FATAL;
        m.row.status = ROW_FAILED;
        /* A long message is cut to its first 440 characters. */
        snprintf(m.error, sizeof m.error, "%s: %.440s", what,
                 err[0] ? err : "create failed");
        /* What prepare() started (a server) is stopped and reaped. */
        if (xstate && xops->destroy) {
            set_phase("destroy()", ex);
            xops->destroy(xstate);
        }
        _exit(write_msg(req->fd, &m) < 0 ? PB_EXIT_INTERNAL : 0);
    }
    /* Opened once, before the first repetition: the clock never includes
     * it.  Only the counters the runner's probe opened (the others would
     * be refused again); absent (empty cells) where the kernel refuses. */
    char why[RUN_COUNTERS][PERFCTR_WHY];
    (void)perfctr_open(&env.ctr, req->counters, why);
    if (ex->ballast && hold_ballast(&env, ex->ballast, err, sizeof err) < 0) {
        m.type = CELL_FATAL;
        m.row.status = ROW_FAILED;
        snprintf(m.error, sizeof m.error, "ballast: %.440s", err);
        end_executor(ex, xstate);
        _exit(write_msg(req->fd, &m) < 0 ? PB_EXIT_INTERNAL : 0);
    }
    uint64_t tasks = ops->task_count(state);
    m.type = CELL_READY;
    m.tasks = tasks;
    m.rss_kib = resident_kib();
    if (write_msg(req->fd, &m) < 0) {
        end_executor(ex, xstate);
        _exit(PB_EXIT_INTERNAL);
    }

    /* One repetition per GO, until the runner closes the pipe. */
    struct cell_go go;
    while (read_go(req->fd_go, &go) > 0) {
        memset(&m, 0, sizeof m);
        m.type = CELL_ROW;
        m.repetition = go.repetition;
        m.tasks = tasks;
        m.started_unix_ns = clock_unix_ns();
        /* A SIGTERM cancels the repetition it arrives in, not the ones
         * after it: each starts uncancelled. */
        host_cancel_flag = 0;
        int rc = measure(wl, ex, c, state, xstate, &env, &m.row, m.error,
                         sizeof m.error);
        m.rss_kib = resident_kib();
        if (rc < 0 || write_msg(req->fd, &m) < 0) {
            /* What the executor kept (a pool, ranks) goes with the cell. */
            end_executor(ex, xstate);
            _exit(PB_EXIT_INTERNAL);
        }
    }
    end_executor(ex, xstate);
    set_phase("destroy()", wl);
    ops->destroy(state);
    free(env.spec);
    perfctr_close(&env.ctr);
    _exit(0);
}
