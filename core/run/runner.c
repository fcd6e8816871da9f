/* SPDX-License-Identifier: MIT */
/*
 * runner.c - `parbench run` and `parbench check`.
 *
 * The runner never runs plugin code on the measured path itself: each cell
 * runs in a child process (its own process group) that reports through a
 * pipe.  The runner arms the per-repetition timeout, notices crashes, turns
 * Ctrl-C into an `interrupted` row, and appends and flushes every row the
 * moment it exists.
 */
#include "run/runner.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "config/params.h"
#include "config/plan.h"
#include "results/meta.h"
#include "results/report.h"
#include "results/results.h"
#include "results/stats.h"
#include "run/cell.h"
#include "run/host.h"
#include "run/perfctr.h"
#include "run/progress.h"
#include "run/rounds.h"
#include "run/server_proc.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/machine.h"

static volatile sig_atomic_t interrupted;
/* Signals caught so far: what tells a Ctrl-C during the summary from
 * the one that ended the cells. */
static volatile sig_atomic_t signals_caught;

static void on_interrupt(int sig) {
    (void)sig;
    interrupted = 1;
    signals_caught = signals_caught + 1;
}

/* SIGCHLD only wakes sigsuspend in summary_wait. */
static void on_child(int sig) { (void)sig; }

/* Repetitions already in the file for --resume: rows keyed by cell. */
struct done_rows {
    struct result_row *rows; /* owned */
    size_t count;
};

/* One `parbench run` or `check`.  release() frees whatever of it is set,
 * on every way out. */
/* Distinct hosts of the jobs' processes the metadata lists. */
#define RUNNER_MAX_HOSTS 256

struct runner {
    const struct run_options *o;
    struct config cfg;
    struct plan plan;
    const char *output;
    FILE *csv;                /* the output, open from open_output on     */
    int created;              /* open_output created the output file      */
    int existed;              /* the output existed before this run       */
    struct results_tail tail; /* --resume: how the file ended          */
    struct done_rows done;    /* --resume: the rows already there         */
    struct meta meta;         /* the metadata sidecar                     */
    struct meta_run mr;       /* this run's entry: borrows the fields below */
    char run_id[48];
    char started_at[32], ended_at[32];
    char hostname[256];
    struct progress progress;   /* on stderr, between repetitions only */
    int not_ok;                 /* some row was not ok                 */
    struct server_proc *server; /* the built-in server, for ${server} */
    size_t steps_done;          /* repetitions finished, warmups included */
    struct cell_run *cells;     /* run_cells: one per plan cell        */
    size_t ncells;
    uint64_t seed;          /* the order's seed, recorded          */
    uint64_t mem_avail_kib; /* MemAvailable when the run started   */
    size_t per_round;       /* cells recreated for each repetition */
    struct machine machine; /* its state at the start and the end   */
    /* The hosts that ran the jobs' processes (CELL_HOST), each once. */
    struct meta_host hosts[RUNNER_MAX_HOSTS];
    size_t nhosts;
    /* The CPUs the runner may use, kept while it runs on one of them
     * (pin_runner); every process it starts gets them back. */
    cpu_set_t cpus;
    int pinned;
    unsigned counters; /* [run] counters the probe could open  */
    char counter_why[RUN_COUNTERS][PERFCTR_WHY]; /* why the others not */
};

/* ------------------------------------------------------------------------ */
/* Set-up shared by run and check                                           */
/* ------------------------------------------------------------------------ */

static unsigned online_cpus(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* A plugin's check() asked for a parameter wrongly: a plugin error, named,
 * before any cell runs. */
static const struct plan *bug_plan;
static void runner_plugin_bug(const struct pb_params *ps, const char *msg) {
    const struct plan *p = bug_plan;
    for (size_t i = 0; p && i < p->nworkloads + p->nexecutors; i++) {
        const struct plan_instance *x = i < p->nworkloads
                                            ? &p->workloads[i]
                                            : &p->executors[i - p->nworkloads];
        if (x->params == ps)
            fprintf(stderr,
                    "parbench: %s '%s' (plugin %s, %s): plugin bug in its "
                    "check(): %s; fix the plugin\n",
                    x->kind == PB_KIND_WORKLOAD ? "workload" : "executor",
                    x->name, x->plugin_name, x->file, msg);
    }
    _exit(PB_EXIT_USAGE);
}

/* The loader's warnings (missing plugin directories, shadowed plugins). */
static void runner_warn(const char *msg) {
    fprintf(stderr, "parbench: warning: %s\n", msg);
}

/* Loads the config and builds the plan into *r (all zero on entry); prints
 * the error and returns PB_EXIT_USAGE on failure. */
static int prepare(struct runner *r, const struct run_options *o) {
    char err[2048] = "";
    r->o = o;
    if (config_load(&r->cfg, o->inv.config_path, o->inv.sets, o->inv.nsets,
                    online_cpus(), err, sizeof err) < 0) {
        fprintf(stderr, "parbench: %s\n", err);
        return PB_EXIT_USAGE;
    }
    struct only_filter only = {NULL, 0};
    for (size_t i = 0; i < o->inv.nonly; i++) {
        if (only_parse(&only, o->inv.only[i], err, sizeof err) < 0) {
            fprintf(stderr, "parbench: %s\n", err);
            only_free(&only);
            return PB_EXIT_USAGE;
        }
    }
    bug_plan = &r->plan;
    params_on_bug(runner_plugin_bug);
    int rc = plan_build(&r->plan, &r->cfg, &only, host_init, runner_warn, err,
                        sizeof err);
    params_on_bug(NULL);
    only_free(&only);
    if (rc < 0) {
        fprintf(stderr, "parbench: %s\n", err[0] ? err : pb_strerror(rc));
        return PB_EXIT_USAGE;
    }
    r->output = o->output ? o->output : r->cfg.run.output;
    return 0;
}

static void free_cells(struct runner *r);

static void release(struct runner *r) {
    free_cells(r);
    if (r->csv)
        fclose(r->csv);
    results_free(r->done.rows, r->done.count);
    meta_free(&r->meta);
    plan_free(&r->plan);
    config_free(&r->cfg);
}

static void cell_label(const struct runner *r, const struct plan_cell *c,
                       char *buf, size_t len) {
    snprintf(buf, len, "%s x %s x %u", r->plan.workloads[c->workload].name,
             r->plan.executors[c->executor].name, c->workers);
}

int runner_check(const struct run_options *o) {
    struct runner r;
    memset(&r, 0, sizeof r);
    int rc = prepare(&r, o);
    if (rc) {
        release(&r);
        return rc;
    }
    const struct cfg_run *run = &r.cfg.run;
    char t[32];
    format_duration(run->timeout_ns, t, sizeof t);
    printf("%s: ok\n", o->inv.config_path);
    char reps[160], seed[40];
    if (run->auto_repetitions) {
        char b[32];
        format_duration(run->budget_ns, b, sizeof b);
        snprintf(reps, sizeof reps,
                 "repetitions auto (precision %g%%, %u to %u, budget %s)",
                 run->precision * 100.0, run->min_repetitions,
                 run->max_repetitions, run->budget_ns ? b : "none");
    } else {
        snprintf(reps, sizeof reps, "%u repetitions each", run->repetitions);
    }
    if (run->seed_given)
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)run->seed);
    else
        snprintf(seed, sizeof seed, "auto");
    printf("%zu cells, %s after %u warmup, order %s (seed %s), timeout %s "
           "per repetition, output %s\n",
           r.plan.ncells, reps, run->warmup, order_name(run->order), seed, t,
           r.output);
    printf("%-4s %-24s %-16s %7s %-8s %s\n", "cell", "workload", "executor",
           "workers", "schedule", "parameters");
    for (size_t i = 0; i < r.plan.ncells; i++) {
        const struct plan_cell *c = &r.plan.cells[i];
        const struct plan_instance *w = &r.plan.workloads[c->workload];
        printf("%-4zu %-24s %-16s %7u %-8s %s\n", i + 1, w->name,
               r.plan.executors[c->executor].name, c->workers,
               schedule_name(c->schedule), w->canonical);
    }
    /* Which file each instance loads: what `run` will run. */
    printf("\n%-8s %-24s %-16s %s\n", "kind", "instance", "plugin", "file");
    for (size_t i = 0; i < r.plan.nworkloads + r.plan.nexecutors; i++) {
        const struct plan_instance *x =
            i < r.plan.nworkloads ? &r.plan.workloads[i]
                                  : &r.plan.executors[i - r.plan.nworkloads];
        printf("%-8s %-24s %-16s %s\n",
               x->kind == PB_KIND_WORKLOAD ? "workload" : "executor", x->name,
               x->plugin_name, x->file);
    }
    release(&r);
    return PB_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Output file                                                              */
/* ------------------------------------------------------------------------ */

/* 1 when row is a result of cell c: any repetition, any status but
 * interrupted (an interrupted repetition was not measured: --resume runs
 * it again; its row stays in the file, nothing written is lost). */
static int row_of_cell(const struct result_row *row, const struct runner *r,
                       const struct plan_cell *c) {
    const struct plan_instance *w = &r->plan.workloads[c->workload];
    return row->m.status != ROW_INTERRUPTED && row->workers == c->workers &&
           row->schedule == c->schedule && row->workload &&
           strcmp(row->workload, w->name) == 0 && row->executor &&
           strcmp(row->executor, r->plan.executors[c->executor].name) == 0 &&
           row->workload_params &&
           strcmp(row->workload_params, w->canonical) == 0 &&
           row->executor_params &&
           strcmp(row->executor_params,
                  r->plan.executors[c->executor].exec_params) == 0;
}

static int row_matches(const struct result_row *row, const struct runner *r,
                       const struct plan_cell *c, unsigned rep) {
    return row->repetition == rep && row_of_cell(row, r, c);
}

/* Opens the output without changing it, locks it for the run's length
 * and, with --resume, reads the rows already there.  Nothing is written
 * yet (write_output does that).  Prints what is wrong and returns an exit
 * status, or 0. */
static int open_output(struct runner *r) {
    const struct run_options *o = r->o;
    char err[1024];
    struct stat st;
    r->existed = stat(r->output, &st) == 0;
    if (r->existed && !o->inv.force && !o->inv.resume) {
        fprintf(stderr,
                "parbench: %s already exists; use --resume to add the "
                "missing rows to it, --force to replace it, or -o FILE\n",
                r->output);
        return PB_EXIT_USAGE;
    }
    if (r->existed && S_ISDIR(st.st_mode)) {
        fprintf(stderr,
                "parbench: %s is a directory; name the results file with "
                "-o FILE or [run] output\n",
                r->output);
        return PB_EXIT_USAGE;
    }
    int fd =
        open(r->output, O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    r->created = fd >= 0;
    if (fd < 0 && errno == EEXIST)
        fd = open(r->output, O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "parbench: cannot write %s: %s\n", r->output,
                strerror(errno));
        return PB_EXIT_USAGE;
    }
    /* One writer per file: a second run on it would duplicate rows and
     * interleave the metadata.  The lock lives as long as the descriptor,
     * released by the kernel however this process ends. */
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            fprintf(stderr,
                    "parbench: %s is being written by another parbench run; "
                    "wait for it to end, or write to another file with "
                    "-o FILE\n",
                    r->output);
        else
            fprintf(stderr, "parbench: cannot lock %s: %s\n", r->output,
                    strerror(e));
        return PB_EXIT_USAGE;
    }
    /* A run stopped before it wrote its header leaves an empty file:
     * nothing to resume, so --resume starts it afresh. */
    struct stat now;
    if (r->existed && o->inv.resume && fstat(fd, &now) == 0 &&
        S_ISREG(now.st_mode) && now.st_size == 0) {
        fprintf(stderr,
                "parbench: note: %s is empty (a run stopped before its "
                "first line); --resume starts it afresh\n",
                r->output);
        r->existed = 0;
    }
    r->csv = fdopen(fd, "a");
    if (!r->csv) {
        fprintf(stderr, "parbench: cannot write %s: %s\n", r->output,
                strerror(errno));
        close(fd);
        return PB_EXIT_INTERNAL;
    }
    if (r->existed && o->inv.resume && !o->inv.force) {
        if (results_read_tail(r->output, &r->done.rows, &r->done.count,
                              &r->tail, err, sizeof err) < 0) {
            fprintf(stderr, "parbench: --resume: %s\n", err);
            return PB_EXIT_USAGE;
        }
        if (r->tail.columns != RESULTS_COLUMNS) {
            fprintf(stderr,
                    "parbench: --resume: %s: written by an older parbench "
                    "(%d columns, now %d): rows of both kinds cannot share "
                    "one file; resume into a new file (-o) or run again "
                    "with --force\n",
                    r->output, r->tail.columns, RESULTS_COLUMNS);
            return PB_EXIT_USAGE;
        }
    }
    return 0;
}

/* Writes what starts the output: the header of a new or replaced file,
 * or, with --resume, the end of a torn last line cut away (or the line
 * end a whole last row lacks).  Returns 0 or PB_EXIT_INTERNAL. */
static int write_output(struct runner *r) {
    int fd = fileno(r->csv);
    struct stat st;
    int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
    int rc = 0;
    if (r->existed && r->o->inv.resume && !r->o->inv.force) {
        if (r->tail.state == RESULTS_TAIL_TORN) {
            fprintf(stderr,
                    "parbench: warning: %s; --resume removes it and runs its "
                    "repetition again\n",
                    r->tail.warning);
            rc = ftruncate(fd, (off_t)r->tail.keep);
        } else if (r->tail.state == RESULTS_TAIL_UNENDED) {
            fprintf(stderr, "parbench: warning: %s; --resume ends it\n",
                    r->tail.warning);
            rc = fdio_write_full(fd, "\r\n", 2) < 0 ? -1 : 0;
        }
    } else {
        if (regular && ftruncate(fd, 0) < 0)
            rc = -1;
        if (rc == 0 && results_write_header(r->csv) < 0)
            rc = -1;
    }
    if (rc < 0) {
        fprintf(stderr, "parbench: writing %s: %s\n", r->output,
                strerror(errno));
        return PB_EXIT_INTERNAL;
    }
    return 0;
}

/* The repetitions (1-based) of cell c that `done` lacks, into todo
 * (room for [run] repetitions); returns how many. */
static size_t cell_todo(const struct runner *r, const struct plan_cell *c,
                        const struct done_rows *done, unsigned *todo) {
    size_t ntodo = 0;
    for (unsigned k = 0; k < r->cfg.run.repetitions; k++) {
        int have = 0;
        for (size_t d = 0; d < done->count && !have; d++)
            have = row_matches(&done->rows[d], r, c, k + 1);
        if (!have)
            todo[ntodo++] = k + 1;
    }
    return ntodo;
}

static void iso_time(int64_t unix_ns, char *buf, size_t len) {
    time_t s = (time_t)(unix_ns / 1000000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Appends the row of repetition rep of cell c: measured `m` (borrowed)
 * and, unless it is ok, `error`.  A write error is fatal (exit 3) since
 * rows would be lost. */
static int emit_row(struct runner *r, const struct plan_cell *c, unsigned rep,
                    uint64_t tasks, int64_t started_ns,
                    const struct row_measure *m, const char *error) {
    const struct plan_instance *w = &r->plan.workloads[c->workload];
    char started[32];
    iso_time(started_ns ? started_ns : clock_unix_ns(), started,
             sizeof started);
    struct result_row row;
    memset(&row, 0, sizeof row);
    row.run_id = r->run_id;
    row.started_at = started;
    row.host = r->hostname;
    row.workload = (char *)w->name;
    row.workload_params = w->canonical;
    row.executor_params = r->plan.executors[c->executor].exec_params;
    row.executor = (char *)r->plan.executors[c->executor].name;
    row.workers = c->workers;
    row.tasks = tasks;
    row.schedule = c->schedule;
    row.repetition = rep;
    row.m = *m;
    row.items_per_s = m->wall_s > 0 ? (double)m->items / m->wall_s : 0;
    row.error = (char *)(m->status == ROW_OK ? "" : error);
    if (m->status != ROW_OK)
        r->not_ok = 1;
    if (results_write_row(r->csv, &row) < 0) {
        fprintf(stderr, "parbench: writing %s: %s\n", r->output,
                strerror(errno));
        return PB_EIO;
    }
    return 0;
}

/* A row the runner writes itself (timeout, crash, interruption). */
static int emit_status(struct runner *r, const struct plan_cell *c,
                       unsigned rep, uint64_t tasks, int64_t started_ns,
                       enum row_status status, double wall_s,
                       const char *error) {
    struct row_measure m;
    memset(&m, 0, sizeof m);
    m.status = status;
    m.wall_s = wall_s;
    /* Not measured: empty cells. */
    m.minflt = m.majflt = m.cpu_migrations = m.uss_kib = RESULTS_NO_VALUE;
    m.cycles = m.instructions = m.cache_misses = RESULTS_NO_VALUE;
    m.task_clock_s = NAN;
    return emit_row(r, c, rep, tasks, started_ns, &m, error);
}

/* ------------------------------------------------------------------------ */
/* Running one cell                                                         */
/* ------------------------------------------------------------------------ */

static void describe_exit(int st, char *buf, size_t len) {
    if (WIFSIGNALED(st))
        snprintf(buf, len, "killed by SIG%s (%s)",
                 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?",
                 strsignal(WTERMSIG(st)));
    else if (WIFEXITED(st))
        snprintf(buf, len, "exited with status %d", WEXITSTATUS(st));
    else
        snprintf(buf, len, "ended (wait status %d)", st);
}

/* Kills the cell's process group and reaps what is ours of it: the cell
 * and, since the runner is a child subreaper, its workers, which are
 * ours once the cell is gone.  Waits for each of them: a killed process
 * may take a while to die, and one not reaped here would outlive the
 * runner as a zombie.  `reaped`: the cell itself was already waited for. */
static void kill_cell(pid_t pid, int reaped) {
    kill(-pid, SIGKILL);
    if (!reaped) {
        kill(pid, SIGKILL);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
    }
    /* Every member of the group got SIGKILL: this ends when the last of
     * them was reaped (ECHILD). */
    for (;;) {
        pid_t w = waitpid(-pid, NULL, 0);
        if (w < 0 && errno != EINTR)
            break;
    }
}

/* Reads exactly one message; returns 1, 0 at EOF, negative on error. */
static int read_msg(int fd, struct cell_msg *m) {
    return fdio_read_full(fd, m, sizeof *m);
}

/* One cell process, as the runner sees it. */
struct cell_proc {
    pid_t pid;
    int up, down;   /* its messages; the GO orders to it               */
    int ready;      /* it said READY: the workload state exists         */
    int reaped;     /* it exited by itself and was reaped               */
    char note[480]; /* CELL_NOTE: where it is dying, "" if it did not say */
    int active;     /* a GO was sent and its row has not come yet       */
    unsigned rep;   /* the last GO's repetition (0: a warmup)           */
    /* When the repetition started, or the process while not ready:
     * loading the plugins and creating the workload are timed out too. */
    uint64_t started_mono;
    uint64_t rss_kib; /* its resident set, as it last said              */
};

/* One cell of the run across its repetitions and the processes they take
 * (a crash or a timeout ends one; a cell too big to stay alive between
 * its repetitions takes one per repetition). */
struct cell_run {
    const struct plan_cell *c;
    size_t index;   /* the cell's place in the plan, 0-based             */
    unsigned *todo; /* owned: the repetitions (1-based) to run          */
    size_t ntodo;
    size_t next;        /* index into todo of the next row to write  */
    unsigned warmup;    /* warmups still to run in the live process  */
    int started;        /* a process of this cell was started        */
    uint64_t tasks;     /* as the cell said when READY               */
    struct cell_proc p; /* the cell process while `alive`            */
    int alive;
    int per_round; /* recreated for each repetition (memory)    */
    int prepared;  /* its server runs (or it needs none)        */
    /* What repetitions = auto decides on: this run's rows and, under
     * --resume, the file's (interrupted rows excluded). */
    double *ok_wall; /* owned: wall times of the ok rows              */
    size_t nok, rows;
    int stopped;                 /* it runs no more repetitions     */
    enum rounds_verdict verdict; /* why, under repetitions = auto   */
    int by_budget;               /* the budget stopped it            */
    double achieved;             /* relative CI half-width reached   */
};

/*
 * While the cells run, the runner runs on one CPU, the first it may use.
 * A cell process wakes on the CPU of whoever wrote its GO, and the runner,
 * woken by a row while that process still runs, goes to another CPU: so
 * the cell process changed CPU at every repetition, each time to caches
 * that held none of its page tables.  On the 2-CPU machine of
 * docs/performance.md, fork at 1 worker: the kernel's clone took a median of 87
 * us after such a move against 62 us without, and half the repetitions moved.
 * With the runner on one CPU the cell process follows it there and stays.  The
 * runner sleeps while a repetition is measured, so that CPU stays free for
 * the workers; every process the runner starts gets back the CPUs the
 * runner was given (unpin), and so do the workers of the cells.
 */
static void pin_runner(struct runner *r) {
    if (sched_getaffinity(0, sizeof r->cpus, &r->cpus) != 0 ||
        CPU_COUNT(&r->cpus) < 2)
        return;
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &r->cpus)) {
            CPU_SET(c, &one);
            break;
        }
    r->pinned = sched_setaffinity(0, sizeof one, &one) == 0;
}

/* Back on every CPU it was given: in the runner at the end of the cells
 * and around starting the built-in server, and first thing in a cell
 * process. */
static void unpin(struct runner *r) {
    if (r->pinned)
        (void)sched_setaffinity(0, sizeof r->cpus, &r->cpus);
}

/* Starts a cell process for cell c into *p (not ready, nothing active).
 * Returns 0 or -1. */
static int start_cell(struct runner *r, const struct plan_cell *c,
                      struct cell_proc *p) {
    int u[2], d[2];
    if (pipe2(u, O_CLOEXEC) < 0)
        return -1;
    if (pipe2(d, O_CLOEXEC) < 0) {
        close(u[0]);
        close(u[1]);
        return -1;
    }
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        close(u[0]);
        close(d[1]);
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(PB_EXIT_INTERNAL);
        signal(SIGINT, SIG_IGN);
        unpin(r);
        /* The pipes of the other cells kept alive are theirs: a copy of a
         * GO pipe's write end here would keep that cell from seeing the end
         * of file that lets it finish (let_cell_finish). */
        for (size_t i = 0; r->cells && i < r->ncells; i++)
            if (r->cells[i].alive) {
                if (r->cells[i].p.down >= 0)
                    close(r->cells[i].p.down);
                close(r->cells[i].p.up);
            }
        /* The output and its lock are the runner's alone. */
        if (r->csv)
            close(fileno(r->csv));
        struct cell_request req = {&r->plan, c,           d[0],
                                   u[1],     r->counters, r->cfg.run.memory};
        cell_main(&req);
    }
    close(u[1]);
    close(d[0]);
    if (pid < 0) {
        close(u[0]);
        close(d[1]);
        return -1;
    }
    setpgid(pid, pid);
    memset(p, 0, sizeof *p);
    p->pid = pid;
    p->up = u[0];
    p->down = d[1];
    p->started_mono = clock_mono_ns();
    return 0;
}

/* Done, crashed, timed out or interrupted: nothing of the cell may
 * outlive this. */
static void end_cell(struct cell_proc *p) {
    if (p->down >= 0)
        close(p->down);
    close(p->up);
    kill_cell(p->pid, p->reaped);
}

/* A cell process whose repetitions are all done: end of file on its GO
 * pipe lets it destroy its executor and workload state (a pool's workers,
 * say) and exit; it gets up to `timeout_ns` before end_cell kills it. */
static void let_cell_finish(struct cell_proc *p, uint64_t timeout_ns) {
    close(p->down);
    p->down = -1;
    uint64_t end = clock_mono_ns() + timeout_ns;
    int st;
    while (clock_mono_ns() < end && !interrupted) {
        pid_t w = waitpid(p->pid, &st, WNOHANG);
        if (w == p->pid) {
            p->reaped = 1;
            return;
        }
        if (w < 0 && errno != EINTR)
            return;
        poll(NULL, 0, 2);
    }
}

/* Orders the next repetition: a warmup while some are left. */
static void send_go(struct runner *r, struct cell_run *cr,
                    struct cell_proc *p) {
    struct cell_go go = {cr->warmup ? 0 : cr->todo[cr->next]};
    p->rep = go.repetition;
    char label[256];
    cell_label(r, cr->c, label, sizeof label);
    progress_cell(&r->progress, cr->index + 1, label, r->steps_done);
    progress_show(&r->progress, p->rep, r->cfg.run.repetitions, 0);
    p->active = 1;
    p->started_mono = clock_mono_ns();
    if (write(p->down, &go, sizeof go) != (ssize_t)sizeof go) {
        /* The cell is gone; its EOF says how. */
    }
}

/* 1 while p's clock runs: a repetition, or the start before READY. */
static int timed(const struct cell_proc *p) { return p->active || !p->ready; }

/* How long to sleep in poll(): up to the timeout of what runs. */
static int poll_ms(const struct cell_proc *p, uint64_t timeout) {
    int wait_ms = 1000;
    if (timed(p)) {
        uint64_t now = clock_mono_ns(), end = p->started_mono + timeout;
        uint64_t left = end > now ? (end - now) / 1000000 + 1 : 0;
        if (left < (uint64_t)wait_ms)
            wait_ms = (int)left;
    }
    return wait_ms;
}

/* The timeout row of what ran too long. */
static int emit_timeout(struct runner *r, struct cell_run *cr,
                        const struct cell_proc *p, unsigned rep) {
    uint64_t timeout = r->cfg.run.timeout_ns;
    char t[32], e[160];
    format_duration(timeout, t, sizeof t);
    snprintf(e, sizeof e,
             "%s exceeded the timeout of %s (set [run] "
             "timeout to allow more)",
             !p->ready ? "creating the workload"
             : p->rep  ? "repetition"
                       : "warmup repetition",
             t);
    cr->next++;
    return emit_status(r, cr->c, rep, cr->tasks, 0, ROW_TIMEOUT,
                       (double)timeout / 1e9, e);
}

/* The crash row of a cell process that ended without a word: a crash in
 * a plugin.  Reaps it. */
static int emit_crash(struct runner *r, struct cell_run *cr,
                      const struct cell_proc *p, unsigned rep, double elapsed) {
    int status = 0;
    while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
        ;
    char how[160], e[1024];
    describe_exit(status, how, sizeof how);
    snprintf(e, sizeof e, "cell process %s %s%s%s", how,
             !p->ready    ? "while creating the workload"
             : !p->active ? "between repetitions"
             : p->rep     ? "during the repetition"
                          : "during a warmup repetition",
             p->note[0] ? ": " : "", p->note);
    cr->next++;
    return emit_status(r, cr->c, rep, cr->tasks, 0, ROW_CRASHED, elapsed, e);
}

/* The rows of every repetition cell cr has left, `failed` with `error`,
 * when it cannot run at all (its plugins, its workload or its server);
 * under repetitions = auto, until it has min_repetitions rows (one at
 * least).  The cell is stopped.  Returns 0 or PB_EIO. */
static int fail_rest(struct runner *r, struct cell_run *cr, const char *error) {
    int rc = 0;
    size_t want = cr->ntodo;
    if (r->cfg.run.auto_repetitions) {
        size_t rows = cr->rows;
        want = cr->next + 1;
        while (want < cr->ntodo &&
               rows + (want - cr->next) < r->cfg.run.min_repetitions)
            want++;
    }
    for (; cr->next < want && cr->next < cr->ntodo && rc == 0; cr->next++)
        rc = emit_status(r, cr->c, cr->todo[cr->next], cr->tasks, 0, ROW_FAILED,
                         0, error);
    cr->stopped = 1;
    cr->verdict = ROUNDS_NO_OK;
    return rc;
}

/* Acts on message m of p.  Returns 0 to go on with this process, 1 when
 * it is done with, or PB_EIO. */
static int on_message(struct runner *r, struct cell_run *cr,
                      struct cell_proc *p, const struct cell_msg *m) {
    p->rss_kib = m->rss_kib;
    if (m->type == CELL_READY) {
        p->ready = 1;
        cr->tasks = m->tasks;
    } else if (m->type == CELL_ROW) {
        p->active = 0;
        r->steps_done++;
        if (m->repetition == 0) {
            cr->warmup--;
            return 0;
        }
        int rc = emit_row(r, cr->c, m->repetition, m->tasks, m->started_unix_ns,
                          &m->row, m->error);
        if (rc < 0)
            return rc;
        if (m->row.status == ROW_OK)
            cr->ok_wall[cr->nok++] = m->row.wall_s;
        cr->next++;
    } else if (m->type == CELL_HOST) {
        struct meta_host h = m->host;
        h.name[sizeof h.name - 1] = h.cpu_model[sizeof h.cpu_model - 1] = '\0';
        (void)meta_host_add(r->hosts, &r->nhosts, RUNNER_MAX_HOSTS, &h);
        r->mr.nhosts = r->nhosts;
    } else if (m->type == CELL_NOTE) {
        /* The crash that follows is explained by it (emit_crash). */
        snprintf(p->note, sizeof p->note, "%s", m->error);
    } else if (m->type == CELL_FATAL) {
        /* The cell cannot run: every repetition left fails. */
        int rc = fail_rest(r, cr, m->error);
        return rc < 0 ? rc : 1;
    }
    return 0;
}

/* Drives cr's process until the row of todo[before] is written (0: the
 * process may go on), or the process has to go (1: a crash, a timeout,
 * Ctrl-C, a fatal message), or PB_EIO when the CSV cannot be written. */
static int supervise(struct runner *r, struct cell_run *cr, size_t before) {
    struct cell_proc *p = &cr->p;
    for (;;) {
        if (p->ready && !p->active) {
            if (cr->next != before || cr->next >= cr->ntodo)
                return 0;
            send_go(r, cr, p);
        }
        struct pollfd pfd = {p->up, POLLIN, 0};
        int pr = poll(&pfd, 1, poll_ms(p, r->cfg.run.timeout_ns));
        /* The repetition a row written now is for: the one running, or
         * (a warmup, or none yet) the next one due. */
        unsigned rep = p->active && p->rep ? p->rep : cr->todo[cr->next];
        double elapsed =
            timed(p) ? (double)(clock_mono_ns() - p->started_mono) / 1e9 : 0;
        int rc;
        /* Ctrl-C during a repetition, or while the cell process is still
         * creating the workload for the next one (timed like it), costs
         * that repetition an `interrupted` row (--resume runs it again). */
        if (interrupted) {
            rc = timed(p)
                     ? emit_status(r, cr->c, rep, cr->tasks, 0, ROW_INTERRUPTED,
                                   elapsed, "interrupted by the user")
                     : 0;
            return rc < 0 ? rc : 1;
        }
        if (pr == 0 || (pr < 0 && errno == EINTR)) {
            if (timed(p) &&
                clock_mono_ns() >= p->started_mono + r->cfg.run.timeout_ns) {
                rc = emit_timeout(r, cr, p, rep);
                return rc < 0 ? rc : 1;
            }
            continue;
        }
        struct cell_msg m;
        if (read_msg(p->up, &m) <= 0) {
            rc = emit_crash(r, cr, p, rep, elapsed);
            return rc < 0 ? rc : 1;
        }
        rc = on_message(r, cr, p, &m);
        if (rc != 0)
            return rc;
    }
}

/* Runs one repetition of cell cr, todo[cr->next]: starts its server and
 * its process when it has none (the first process of a cell, and one
 * recreated for each repetition, run the warmup first; one restarted
 * after a crash or a timeout does not), then sends GO and sleeps until
 * the row, the timeout or Ctrl-C: the runner does no work of its own
 * while a repetition is measured.  A crash or a timeout costs the row of
 * the repetition and ends the process.  Returns 0, or PB_EIO when the
 * CSV cannot be written or no process can be started. */
static int run_step(struct runner *r, struct cell_run *cr) {
    size_t before = cr->next;
    if (!cr->prepared) {
        char serr[400];
        /* The server inherits the CPUs of the runner. */
        unpin(r);
        int src =
            server_proc_prepare(r->server, &r->plan, cr->c, &r->cfg.server,
                                r->o->quiet, serr, sizeof serr);
        if (r->pinned)
            pin_runner(r);
        if (src < 0)
            /* The cell cannot run without its server: failed rows. */
            return fail_rest(r, cr, serr);
        cr->prepared = 1;
    }
    while (cr->next == before && !cr->stopped && !interrupted) {
        if (!cr->alive) {
            if (start_cell(r, cr->c, &cr->p) < 0)
                return PB_EIO;
            cr->alive = 1;
            cr->warmup = !cr->started || cr->per_round ? r->cfg.run.warmup : 0;
            cr->started = 1;
        }
        int rc = supervise(r, cr, before);
        if (rc != 0) {
            end_cell(&cr->p);
            cr->alive = 0;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* run                                                                      */
/* ------------------------------------------------------------------------ */

/* 1 when paths a and b name one file: the same inode when both exist,
 * else the same directory and name. */
static int same_file(const char *a, const char *b) {
    struct stat sa, sb;
    int ea = stat(a, &sa) == 0, eb = stat(b, &sb) == 0;
    if (ea && eb)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    if (ea != eb)
        return 0;
    char *ca = strdup(a), *cb = strdup(b), *da = NULL, *db = NULL;
    int same = strcmp(a, b) == 0;
    if (ca && cb) {
        const char *na = strrchr(a, '/') ? strrchr(a, '/') + 1 : a;
        const char *nb = strrchr(b, '/') ? strrchr(b, '/') + 1 : b;
        char *sa_ = strrchr(ca, '/'), *sb_ = strrchr(cb, '/');
        if (sa_)
            *sa_ = '\0';
        if (sb_)
            *sb_ = '\0';
        da = realpath(sa_ ? (ca[0] ? ca : "/") : ".", NULL);
        db = realpath(sb_ ? (cb[0] ? cb : "/") : ".", NULL);
        if (da && db)
            same = strcmp(da, db) == 0 && strcmp(na, nb) == 0;
    }
    free(ca);
    free(cb);
    free(da);
    free(db);
    return same;
}

int runner_summary_check(const char *summary, int force,
                         const char *const *taken, const char *const *what,
                         size_t n, char *err, size_t errlen) {
    for (size_t i = 0; i < n; i++)
        if (taken[i] && same_file(summary, taken[i])) {
            snprintf(err, errlen,
                     "--summary %s is %s; write the summary to another file",
                     summary, what[i]);
            return PB_EINVAL;
        }
    struct stat st;
    if (stat(summary, &st) != 0)
        return 0;
    if (S_ISDIR(st.st_mode)) {
        snprintf(err, errlen,
                 "--summary %s is a directory; name a file to write the "
                 "summary to",
                 summary);
        return PB_EINVAL;
    }
    if (!force) {
        snprintf(err, errlen,
                 "--summary %s already exists; remove it, choose another "
                 "name, or use --force to replace it",
                 summary);
        return PB_EEXIST;
    }
    return 0;
}

/* The summary printed in this process: what print_summary falls back on
 * when it cannot fork. */
static int summary_here(struct runner *r) {
    char err[1024];
    if (report_from_file(r->output, &r->o->report, r->o->inv.summary, stdout,
                         NULL, err, sizeof err) < 0) {
        fprintf(stderr, "parbench: summary: %s\n", err);
        return PB_EIO;
    }
    return 0;
}

/* Under repetitions = auto: which cells reached the precision and which
 * did not (and why), after the summary: on stdout with the table and
 * Markdown, on stderr with JSON (whose stdout is the document alone). */
static void print_precision(struct runner *r) {
    const struct cfg_run *run = &r->cfg.run;
    if (!run->auto_repetitions || !r->cells)
        return;
    FILE *f = r->o->report.format == REPORT_JSON ? stderr : stdout;
    size_t reached = 0, planned = 0;
    for (size_t i = 0; i < r->ncells; i++) {
        const struct cell_run *cr = &r->cells[i];
        planned += cr->rows > 0;
        reached += cr->verdict == ROUNDS_PRECISE;
    }
    fprintf(f,
            "\nprecision %.3g%% (95%% CI of the median): reached by %zu of "
            "%zu cells",
            run->precision * 100.0, reached, planned);
    if (reached == planned) {
        fputs(".\n", f);
        return;
    }
    fputs(".\n", f);
    /* One line per reason, naming each cell with the precision it got. */
    static const char *const reasons[] = {"max_repetitions reached",
                                          "the budget ended them",
                                          "interrupted", "no ok repetition"};
    for (int k = 0; k < 4; k++) {
        size_t n = 0;
        for (size_t i = 0; i < r->ncells; i++) {
            const struct cell_run *cr = &r->cells[i];
            if (cr->rows == 0 || cr->verdict == ROUNDS_PRECISE)
                continue;
            int why = cr->verdict == ROUNDS_NO_OK ? 3
                      : cr->by_budget             ? 1
                      : !cr->stopped              ? 2
                                                  : 0;
            if (why != k)
                continue;
            char label[256];
            cell_label(r, cr->c, label, sizeof label);
            fprintf(f, "%s%s", n++ ? ", " : "not reached, ", "");
            if (n == 1)
                fprintf(f, "%s: ", reasons[k]);
            if (isfinite(cr->achieved))
                fprintf(f, "%s +-%.1f%% (%zu)", label, cr->achieved * 100.0,
                        cr->rows);
            else
                fprintf(f, "%s (%zu)", label, cr->rows);
        }
        if (n)
            fputs("\n", f);
    }
    fprintf(f, "(+-: the half-width reached; in parentheses: repetitions. A "
               "noisy machine needs more of them: see other_cpu_s.)\n");
}

/* Waits for the summary process pid with SIGINT, SIGTERM, SIGHUP and
 * SIGCHLD blocked (wait: the mask that lets them in); kills it when one
 * of the first three arrives.  Its wait status into *st; 1 when it was
 * killed for a signal, else 0. */
static int summary_wait(pid_t pid, const sigset_t *wait, int *st) {
    sig_atomic_t seen = signals_caught;
    int killed = 0;
    for (;;) {
        pid_t w = waitpid(pid, st, WNOHANG);
        if (w == pid)
            return killed;
        if (w < 0 && errno != EINTR) {
            *st = 0;
            return killed;
        }
        if (signals_caught != seen && !killed) {
            kill(pid, SIGKILL);
            killed = 1;
            continue;
        }
        sigsuspend(wait);
    }
}

/*
 * The summary of the whole output file (rows of earlier runs included
 * with --resume), through the same code as `parbench report`.  It runs in
 * a child process: the runner catches Ctrl-C (a flag, so that every row
 * gets written), and the summary code never looks at that flag, so a
 * large file's summary could not be stopped.  Ctrl-C from the terminal
 * kills the child (default SIGINT), one sent to the runner alone kills it
 * too; the CSV is closed and whole by then, and the run ends as
 * interrupted (exit status 1, metadata written).  Returns 0 (also when
 * interrupted: `interrupted` is set) or PB_EIO.
 */
static int print_summary(struct runner *r) {
    sigset_t block, old, wait;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGCHLD);
    struct sigaction sa, old_chld;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child;
    sigaction(SIGCHLD, &sa, &old_chld);
    sigprocmask(SIG_BLOCK, &block, &old);
    wait = old;
    sigdelset(&wait, SIGINT);
    sigdelset(&wait, SIGTERM);
    sigdelset(&wait, SIGHUP);
    sigdelset(&wait, SIGCHLD);
    fflush(NULL); /* nothing buffered is written twice */
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        sigaction(SIGCHLD, &old_chld, NULL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        int rc = summary_here(r);
        if (fflush(stdout) != 0 && rc == 0) {
            fprintf(stderr, "parbench: summary: %s\n", strerror(errno));
            rc = PB_EIO;
        }
        _exit(rc < 0 ? 1 : 0);
    }
    int rc = 0, st = 0;
    if (pid < 0) {
        sigprocmask(SIG_SETMASK, &old, NULL);
        rc = summary_here(r);
    } else {
        int killed = summary_wait(pid, &wait, &st);
        sigprocmask(SIG_SETMASK, &old, NULL);
        if (killed ||
            (WIFSIGNALED(st) && interrupted && WTERMSIG(st) == SIGINT)) {
            fprintf(stderr,
                    "parbench: interrupted while summarising; %s holds every "
                    "row (parbench report %s prints the summary)\n",
                    r->output, r->output);
        } else if (WIFSIGNALED(st)) {
            const char *abbr = sigabbrev_np(WTERMSIG(st));
            fprintf(stderr,
                    "parbench: summary: killed by SIG%s; %s holds every row "
                    "(parbench report %s prints the summary)\n",
                    abbr ? abbr : "?", r->output, r->output);
            rc = PB_EIO;
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            rc = PB_EIO; /* the child said why */
        }
    }
    sigaction(SIGCHLD, &old_chld, NULL);
    return rc;
}

/* The run's id (date and pid), host and start time, into r->mr. */
static void name_run(struct runner *r) {
    if (gethostname(r->hostname, sizeof r->hostname - 1) < 0)
        strcpy(r->hostname, "unknown");
    char *stamp = r->started_at;
    iso_time(clock_unix_ns(), stamp, sizeof r->started_at);
    snprintf(r->run_id, sizeof r->run_id, "%.*s%.*s%.*s-%05d", 4, stamp, 2,
             stamp + 5, 2, stamp + 8, (int)getpid());
    struct meta_run mr = {
        r->run_id,      stamp,   NULL,       -1,       0, r->output,
        r->plan.ncells, &r->cfg, &r->o->inv, &r->plan, 0, NULL,
        NULL,           0,       0,          {NULL}};
    r->mr = mr;
    r->seed = r->cfg.run.seed_given
                  ? r->cfg.run.seed
                  : rounds_seed(clock_unix_ns() ^ ((uint64_t)getpid() << 32));
    r->mr.seed = r->seed;
    r->mr.machine = &r->machine;
    r->mr.hosts = r->hosts;
    r->mr.nhosts = 0;
}

/* How long the busiest other processes are watched, at the start and at
 * the end of a run. */
#define MACHINE_SAMPLE_NS 100000000u

/* Reads the machine's state and prints one warning per problem before
 * the first cell (docs/reporting.md "The machine's state"). */
static void check_machine(struct runner *r) {
    machine_read("", &r->machine);
    machine_sample_load("", NULL, getpid(), MACHINE_SAMPLE_NS,
                        sysconf(_SC_CLK_TCK), &r->machine.start);
    char w[8][MACHINE_WARN_LEN];
    size_t nw = machine_warnings(&r->machine, w, 8);
    for (size_t i = 0; i < nw; i++)
        fprintf(stderr, "parbench: warning: %s\n", w[i]);
}

/* Opens [run] counters once, as every cell process will, to learn which
 * the kernel gives and why not the others (recorded in the metadata);
 * the cell processes open only those: a counter the machine refuses
 * costs no cell anything. */
static void probe_counters(struct runner *r) {
    struct perfctr_set s;
    unsigned want = r->cfg.run.counters;
    r->counters = perfctr_open(&s, want, r->counter_why);
    perfctr_close(&s);
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        if (!(want & (1u << i)))
            snprintf(r->counter_why[i], PERFCTR_WHY, "%s",
                     want ? "not in [run] counters" : "[run] counters = off");
        r->mr.counters_why[i] =
            r->counters & (1u << i) ? NULL : r->counter_why[i];
    }
    r->mr.counters_probed = 1;
}

/* Everything before the first cell: the config and the plan, the
 * summary's name, the output file (locked), the metadata sidecar, this
 * run's metadata entry, the output's header.  Prints what is wrong and
 * returns an exit status, or 0.  Nothing is created or written before
 * every check has passed but the open and lock of the output, which is
 * removed again when this run created it and a later step fails. */
static int start_run(struct runner *r, const struct run_options *o) {
    int rc = prepare(r, o);
    if (rc)
        return rc;
    /* Validated: unload every plugin, so that each cell process maps only
     * its own two (see plan_unload). */
    if (plan_unload(&r->plan) < 0) {
        fprintf(stderr, "parbench: out of memory\n");
        return PB_EXIT_INTERNAL;
    }
    char merr[1024];
    size_t mlen = strlen(r->output) + sizeof ".meta.json";
    char *sidecar = malloc(mlen);
    if (!sidecar) {
        fprintf(stderr, "parbench: out of memory\n");
        return PB_EXIT_INTERNAL;
    }
    snprintf(sidecar, mlen, "%s.meta.json", r->output);
    if (o->inv.summary) {
        const char *const taken[] = {r->output, sidecar, o->inv.config_path};
        static const char *const what[] = {"the run's results file",
                                           "the run's metadata sidecar",
                                           "the run's config"};
        rc = runner_summary_check(o->inv.summary, o->inv.force, taken, what, 3,
                                  merr, sizeof merr);
        if (rc < 0) {
            fprintf(stderr, "parbench: %s\n", merr);
            free(sidecar);
            return PB_EXIT_USAGE;
        }
    }
    /* The sidecar is written with the output: a directory or a device in
     * its place would fail only after the output was created. */
    struct stat st;
    if (stat(sidecar, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr,
                "parbench: %s is not a regular file; the run metadata is "
                "written there: move it away, or choose another -o FILE\n",
                sidecar);
        free(sidecar);
        return PB_EXIT_USAGE;
    }
    free(sidecar);
    if (interrupted) {
        fprintf(stderr, "parbench: interrupted before any cell ran; nothing "
                        "written\n");
        return PB_EXIT_NOT_OK;
    }
    rc = open_output(r);
    /* The metadata sidecar is checked before the output is written. */
    if (rc == 0 && meta_prepare(&r->meta, r->output,
                                o->inv.resume && !o->inv.force && r->existed,
                                merr, sizeof merr) < 0) {
        fprintf(stderr, "parbench: %s\n", merr);
        rc = PB_EXIT_USAGE;
    }
    if (rc == 0) {
        name_run(r);
        check_machine(r);
        probe_counters(r);
        if (meta_begin(&r->meta, &r->mr, merr, sizeof merr) < 0) {
            fprintf(stderr, "parbench: %s\n", merr);
            rc = PB_EXIT_INTERNAL;
        }
    }
    if (rc != 0) {
        if (r->created)
            unlink(r->output);
        return rc;
    }
    rc = write_output(r);
    if (rc != 0) {
        iso_time(clock_unix_ns(), r->ended_at, sizeof r->ended_at);
        r->mr.ended_at = r->ended_at;
        r->mr.exit_status = rc;
        if (meta_end(&r->meta, &r->mr, merr, sizeof merr) < 0)
            fprintf(stderr, "parbench: %s\n", merr);
    }
    return rc;
}

static void catch_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    /* SA_RESTART keeps a CSV write from failing with EINTR; poll() is
     * never restarted, so the cell loop still wakes up at once. */
    sa.sa_handler = on_interrupt;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* A cell that died between repetitions must cost a `crashed` row, not
     * the runner: its GO write then fails with EPIPE instead of a signal. */
    signal(SIGPIPE, SIG_IGN);
}

/* MemAvailable of /proc/meminfo in KiB; "unlimited" when unknown. */
static uint64_t mem_available_kib(void) {
    FILE *f = fopen("/proc/meminfo", "re");
    char line[256];
    unsigned long long kib = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kib) == 1;
    if (f)
        fclose(f);
    return found ? (uint64_t)kib : UINT64_MAX / 4;
}

/* Applies the stopping rule of repetitions = auto to cr (no other
 * stopping with fixed repetitions: the cell runs its todo list). */
static void judge(struct runner *r, struct cell_run *cr) {
    const struct cfg_run *run = &r->cfg.run;
    if (cr->next >= cr->ntodo)
        cr->stopped = 1;
    if (!run->auto_repetitions || (cr->stopped && cr->verdict))
        return;
    enum rounds_verdict v = rounds_verdict(cr->ok_wall, cr->nok, cr->rows,
                                           run->precision, run->min_repetitions,
                                           run->max_repetitions, &cr->achieved);
    if (v != ROUNDS_GO_ON) {
        cr->stopped = 1;
        cr->verdict = v;
    } else if (cr->stopped) {
        cr->verdict = ROUNDS_MAX; /* no repetition number left */
    }
}

/* Sets up the cells of the run: what each lacks in the output (--resume)
 * and, under repetitions = auto, what its earlier rows say.  Returns 0 or
 * PB_ENOMEM. */
static int plan_cells(struct runner *r) {
    size_t n = r->plan.ncells, reps = r->cfg.run.repetitions;
    r->cells = calloc(n ? n : 1, sizeof *r->cells);
    if (!r->cells)
        return PB_ENOMEM;
    r->ncells = n;
    for (size_t i = 0; i < n; i++) {
        struct cell_run *cr = &r->cells[i];
        cr->c = &r->plan.cells[i];
        cr->index = i;
        size_t earlier = 0;
        for (size_t d = 0; d < r->done.count; d++)
            earlier += row_of_cell(&r->done.rows[d], r, cr->c);
        cr->todo = calloc(reps, sizeof *cr->todo);
        cr->ok_wall = calloc(earlier + reps, sizeof *cr->ok_wall);
        if (!cr->todo || !cr->ok_wall)
            return PB_ENOMEM;
        cr->ntodo = cell_todo(r, cr->c, &r->done, cr->todo);
        for (size_t d = 0; d < r->done.count; d++) {
            const struct result_row *row = &r->done.rows[d];
            if (!row_of_cell(row, r, cr->c))
                continue;
            cr->rows++;
            if (row->m.status == ROW_OK)
                cr->ok_wall[cr->nok++] = row->m.wall_s;
        }
        judge(r, cr);
    }
    return 0;
}

static void free_cells(struct runner *r) {
    for (size_t i = 0; r->cells && i < r->ncells; i++) {
        if (r->cells[i].alive)
            end_cell(&r->cells[i].p);
        free(r->cells[i].todo);
        free(r->cells[i].ok_wall);
    }
    free(r->cells);
    r->cells = NULL;
    r->ncells = 0;
}

/* Ends cr's live process after its last repetition in it (the cell's last
 * round, or one it is not kept alive beyond): a process between
 * repetitions is let finish, so that it destroys its executor and
 * workload state, before end_cell; one interrupted is killed. */
static void finish_cell(struct runner *r, struct cell_run *cr) {
    if (cr->p.ready && !cr->p.active && !interrupted)
        let_cell_finish(&cr->p, r->cfg.run.timeout_ns);
    end_cell(&cr->p);
    cr->alive = 0;
}

/* Clears the progress line so that a message can be printed. */
static void note_begin(struct runner *r) {
    if (r->progress.enabled)
        fputs("\r\033[K", stderr);
}

/* After a repetition of cr: the rows it added, the stopping rule, and
 * whether its process stays alive until its next repetition (it does
 * while the processes kept alive fit in half the memory available; a cell
 * that does not fit is recreated for each repetition, and said so). */
static void after_step(struct runner *r, struct cell_run *cr, size_t before) {
    cr->rows += cr->next - before;
    judge(r, cr);
    if (!cr->alive)
        return;
    if (cr->stopped || cr->per_round) {
        finish_cell(r, cr);
        return;
    }
    uint64_t kept = 0;
    for (size_t i = 0; i < r->ncells; i++)
        if (r->cells[i].alive && &r->cells[i] != cr)
            kept += r->cells[i].p.rss_kib;
    if (rounds_keep_alive(kept, cr->p.rss_kib, r->mem_avail_kib))
        return;
    cr->per_round = 1;
    r->per_round++;
    finish_cell(r, cr);
    char label[256];
    cell_label(r, cr->c, label, sizeof label);
    note_begin(r);
    fprintf(stderr,
            "parbench: note: %s: its cell process (%llu MiB) does not fit "
            "beside the %llu MiB kept alive in half the available memory "
            "(%llu MiB); it is recreated, with its warmup, for each "
            "repetition\n",
            label, (unsigned long long)(cr->p.rss_kib / 1024),
            (unsigned long long)(kept / 1024),
            (unsigned long long)(r->mem_avail_kib / 1024));
}

/* Repetitions = auto: 1 when the budget leaves no room for another
 * repetition of cr (the median of its ok rows so far) and cr has its
 * min_repetitions rows. */
static int over_budget(const struct runner *r, const struct cell_run *cr,
                       uint64_t start_ns) {
    const struct cfg_run *run = &r->cfg.run;
    if (!run->auto_repetitions || !run->budget_ns ||
        cr->rows < run->min_repetitions)
        return 0;
    struct stats st;
    stats_compute(cr->ok_wall, cr->nok, &st);
    double expected = cr->nok ? st.median : 0;
    double elapsed = (double)(clock_mono_ns() - start_ns) / 1e9;
    return elapsed + expected > (double)run->budget_ns / 1e9;
}

/* Runs every cell's repetitions in the order of [run] order until the end
 * or Ctrl-C; stops the built-in server and every cell process.  Returns
 * PB_EXIT_OK, or PB_EXIT_INTERNAL when rows could not be written. */
static int run_cells(struct runner *r) {
    /* Workers a killed cell leaves behind become ours to reap (kill_cell). */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pin_runner(r);
    uint64_t start_ns = clock_mono_ns();
    struct server_proc server; /* the built-in server, for ${server} */
    server_proc_init(&server);
    r->server = &server;
    r->mem_avail_kib = mem_available_kib();
    int status = PB_EXIT_OK;
    size_t *left = NULL;
    struct rounds rp;
    memset(&rp, 0, sizeof rp);
    if (plan_cells(r) < 0 ||
        !(left = calloc(r->ncells ? r->ncells : 1, sizeof *left)))
        status = PB_EXIT_INTERNAL;
    /* The progress estimate needs every repetition planned up front: under
     * repetitions = auto, as many as the cells may take. */
    size_t planned = 0;
    for (size_t i = 0; status == PB_EXIT_OK && i < r->ncells; i++) {
        struct cell_run *cr = &r->cells[i];
        left[i] = cr->stopped ? 0 : cr->ntodo;
        planned += left[i] ? left[i] + r->cfg.run.warmup : 0;
    }
    progress_init(&r->progress, stderr, !r->o->quiet && isatty(STDERR_FILENO),
                  r->plan.ncells, planned);
    if (status == PB_EXIT_OK &&
        rounds_init(&rp, r->cfg.run.order, r->seed, left, r->ncells) < 0)
        status = PB_EXIT_INTERNAL;
    size_t i;
    while (status == PB_EXIT_OK && !interrupted && rounds_next(&rp, &i)) {
        struct cell_run *cr = &r->cells[i];
        if (cr->stopped)
            continue;
        if (over_budget(r, cr, start_ns)) {
            cr->stopped = cr->by_budget = 1;
            rounds_stop(&rp, i);
            if (cr->alive)
                finish_cell(r, cr);
            continue;
        }
        size_t before = cr->next;
        if (run_step(r, cr) < 0)
            status = PB_EXIT_INTERNAL;
        after_step(r, cr, before);
        if (cr->stopped)
            rounds_stop(&rp, i);
    }
    for (size_t k = 0; k < r->ncells; k++)
        if (r->cells && r->cells[k].alive) {
            end_cell(&r->cells[k].p);
            r->cells[k].alive = 0;
        }
    unpin(r);
    r->pinned = 0;
    rounds_free(&rp);
    free(left);
    server_proc_stop(&server);
    r->server = NULL;
    progress_finish(&r->progress);
    return status;
}

/* After the last cell: close the output, print the summary, end the
 * metadata entry.  Returns the exit status, from the cells' `status`. */
static int end_run(struct runner *r, int status) {
    int rc = fclose(r->csv);
    r->csv = NULL;
    if (rc != 0) {
        fprintf(stderr, "parbench: closing %s: %s\n", r->output,
                strerror(errno));
        status = PB_EXIT_INTERNAL;
    }
    results_free(r->done.rows, r->done.count);
    memset(&r->done, 0, sizeof r->done);
    if (interrupted)
        fprintf(stderr,
                "parbench: interrupted; %s holds every row written "
                "so far (--resume continues it)\n",
                r->output);
    /* The rows are safe; a summary that cannot be written is still an
     * internal error (a full disk, an unwritable --summary). */
    if (print_summary(r) < 0)
        status = PB_EXIT_INTERNAL;
    print_precision(r);
    if (status == PB_EXIT_OK && (r->not_ok || interrupted))
        status = PB_EXIT_NOT_OK;
    machine_sample_load("", NULL, getpid(), MACHINE_SAMPLE_NS,
                        sysconf(_SC_CLK_TCK), &r->machine.end);
    iso_time(clock_unix_ns(), r->ended_at, sizeof r->ended_at);
    r->mr.ended_at = r->ended_at;
    r->mr.exit_status = status;
    r->mr.interrupted = interrupted != 0;
    char merr[1024];
    if (meta_end(&r->meta, &r->mr, merr, sizeof merr) < 0) {
        fprintf(stderr, "parbench: %s\n", merr);
        status = PB_EXIT_INTERNAL;
    }
    return status;
}

/* The soft limit on open descriptors raised to the hard one: a process
 * executor holds one to four per worker in its cell process (pipes, a
 * pidfd), and a shell's usual soft 1024 would make every cell of more
 * than a few hundred workers fail with "Too many open files" where the
 * hard limit allows them.  Workers and mpirun inherit it. */
static void raise_fd_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        /* No process may have more than fs.nr_open (2^20 by default). */
        r.rlim_cur = r.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : r.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &r);
    }
}

int runner_run(const struct run_options *o) {
    /* Every cell process is a fork of this one and forks its workers, and
     * fork() copies the page-table entries of every anonymous page the
     * process has touched.  struct runner is 107 KiB, most of it hosts[]
     * (49 KiB, unused without MPI) and the machine snapshots (56 KiB,
     * partly used): on the stack and zeroed, all of it was pages for each
     * worker's fork to copy.  Fresh anonymous pages are zero and stay
     * unmapped until written. */
    struct runner *r = mmap(NULL, sizeof *r, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
        fprintf(stderr, "parbench: out of memory: %s\n", strerror(errno));
        return PB_EXIT_INTERNAL;
    }
    /* Before any file exists: a signal from here on is an interruption,
     * recorded as such, never the end of the process. */
    catch_signals();
    raise_fd_limit();
    int status = start_run(r, o);
    if (status == 0)
        status = end_run(r, run_cells(r));
    release(r);
    munmap(r, sizeof *r);
    return status;
}
