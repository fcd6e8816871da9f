/* SPDX-License-Identifier: MIT */
/*
 * mpi.c - the `mpi` executor: the job's W workers are Open MPI ranks.
 *
 * run() starts `mpirun -np W+1 parbench-mpi-worker` (cli/mpi_worker.c):
 * rank 0, the root, hands tasks out and gathers results through MPI; ranks
 * 1..W run the core's worker loop.  The root talks to this process through
 * mpirun's standard streams (core/util/mpiwire.h), so the same code serves
 * one machine and a hostfile of many.  Ranks live for one repetition
 * (lifetime = repetition: the launch is in startup_s and wall_s) or for the
 * whole cell (lifetime = cell: the first repetition, usually the warmup,
 * pays it).  The launch is the executor's state for the cell: create()
 * makes it, destroy() ends what is left of it at the end of the cell and
 * on the cell's early exits, so no mpirun outlives its cell.
 *
 * This plugin does not link Open MPI: only the ranks map it, so the cell
 * processes of other executors, parbench and parbench-worker stay lean.
 *
 * Faults: a rank that dies makes mpirun end the job; its report on
 * mpirun's standard error ("process rank 2 ... on node b exited on signal
 * 11") becomes the row's error, with the worker's task as tracked here.
 * mpirun stays in the cell's process group and dies with it (timeout,
 * Ctrl-C); the ranks die with their launcher (PR_SET_PDEATHSIG), remote
 * ones with their Open MPI daemon when the launcher's connection drops.
 */
#include <parbench/plugin.h>
#include <parbench/worker.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lifetime.h"
#include "procs.h"
#include "util/fdio.h"
#include "util/mpiwire.h"
#include "util/selfpath.h"
#include "util/selfusage.h"

#define MPI_WORKER_NAME "parbench-mpi-worker"
#define MPI_MAX_ARGS 64

static const struct pb_param mpi_params[] = {
    {"mpirun", PB_PARAM_STRING, "mpirun", NULL, NULL, NULL,
     "the launcher: a program name looked up in PATH, or a path"},
    {"hostfile", PB_PARAM_STRING, "", NULL, NULL, NULL,
     "an Open MPI hostfile (\"HOST slots=N\" lines); empty: this machine"},
    {"hosts", PB_PARAM_STRING, "", NULL, NULL, NULL,
     "instead of a hostfile: mpirun --host, e.g. \"a:2,b:2\""},
    {"launcher_args", PB_PARAM_STRING, "--bind-to none", NULL, NULL, NULL,
     "extra mpirun arguments, split at blanks"},
    {"oversubscribe", PB_PARAM_BOOL, "true", NULL, NULL, NULL,
     "let mpirun start more ranks than slots (cores), as threads may"},
    {"lifetime", PB_PARAM_ENUM, "repetition", NULL, NULL, lifetime_choices,
     "ranks live for one repetition (the launch is measured) or the cell"},
    {"task_page", PB_PARAM_BOOL, "true", NULL, NULL, NULL,
     "ranks on this machine store their current task in a page shared with "
     "the cell and send results in batches; false: every rank reports each "
     "task by MPI message, as ranks on other hosts do"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

/* ------------------------------------------------------------------------ */
/* What the check and the launch share                                      */
/* ------------------------------------------------------------------------ */

static int mpi_is_root_refused(const struct pb_host *h,
                               const struct pb_params *ps) {
    const char *a = getenv("OMPI_ALLOW_RUN_AS_ROOT");
    const char *b = getenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM");
    if (geteuid() != 0 || (a && b && !strcmp(a, "1") && !strcmp(b, "1")))
        return 0;
    return strstr(h->param_string(ps, "launcher_args"),
                  "--allow-run-as-root") == NULL;
}

static const char mpi_root_hint[] =
    "Open MPI refuses to run as root: run parbench as another user, or set "
    "OMPI_ALLOW_RUN_AS_ROOT=1 and OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 in the "
    "environment";

/* The launcher's path into buf: `prog` itself when it holds a '/', else
 * the first executable PROG in $PATH.  Returns 0, or -1 when not found. */
static int mpi_find_program(const char *prog, char *buf, size_t len) {
    if (strchr(prog, '/')) {
        snprintf(buf, len, "%s", prog);
        return access(buf, X_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        snprintf(buf, len, "%.*s/%s", (int)n, n ? path : ".", prog);
        struct stat st;
        if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
            access(buf, X_OK) == 0)
            return 0;
        path += n + (path[n] == ':');
    }
    return -1;
}

/* parbench-mpi-worker's path into buf, found as the core finds its other
 * helpers (core/util/selfpath.c, compiled into this plugin): beside the
 * running parbench in a build tree, else in the installed helper directory
 * (LIBEXECDIR/parbench) relative to it.  Returns 0, or -1 when neither
 * exists (buf then holds the installed path, for the message). */
static int mpi_worker_path(char *buf, size_t len) {
    if (selfpath_helper(MPI_WORKER_NAME, buf, len) < 0)
        return -1;
    return access(buf, X_OK) == 0 ? 0 : -1;
}

/* Checks an Open MPI hostfile the way mpirun reads it: "HOST [slots=N]
 * [max_slots=N]" per line, '#' comments.  Returns 0, or -1 with err. */
static int mpi_check_hostfile(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen,
                 "hostfile %s cannot be read: %s; set hostfile to an Open "
                 "MPI hostfile (\"HOST slots=N\" per line)",
                 path, strerror(errno));
        return -1;
    }
    char line[1024], seen[64][128];
    int with_slots[64], nseen = 0, lineno = 0, hosts = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "#\n")] = '\0';
        char *save = NULL, *host = strtok_r(line, " \t\r", &save);
        if (!host)
            continue;
        hosts++;
        int slots = 0;
        for (char *w = strtok_r(NULL, " \t\r", &save); w && rc == 0;
             w = strtok_r(NULL, " \t\r", &save)) {
            char *eq = strchr(w, '=');
            char *end = NULL;
            long v = eq ? strtol(eq + 1, &end, 10) : 0;
            int key_ok =
                eq &&
                (!strncmp(w, "slots=", 6) || !strncmp(w, "max_slots=", 10) ||
                 !strncmp(w, "max-slots=", 10) || !strncmp(w, "slot=", 5));
            if (!key_ok || end == eq + 1 || *end || v < 1) {
                snprintf(err, errlen,
                         "hostfile %s:%d: \"%s\" is not slots=N or "
                         "max_slots=N with N >= 1; write \"HOST slots=N\"",
                         path, lineno, w);
                rc = -1;
            }
            slots |= key_ok && strncmp(w, "max", 3) != 0;
        }
        /* mpirun refuses a host given slots twice, or both ways. */
        for (int i = 0; i < nseen && rc == 0; i++)
            if (!strcmp(seen[i], host) && (slots || with_slots[i])) {
                snprintf(err, errlen,
                         "hostfile %s:%d: host %s is listed again and one of "
                         "its lines gives slots=; mpirun refuses that: list "
                         "the host once with slots=N, or once per slot "
                         "without slots=",
                         path, lineno, host);
                rc = -1;
            }
        if (rc == 0 && nseen < 64) {
            snprintf(seen[nseen], sizeof seen[nseen], "%s", host);
            with_slots[nseen++] = slots;
        }
    }
    fclose(f);
    if (rc == 0 && hosts == 0) {
        snprintf(err, errlen,
                 "hostfile %s names no host; write \"HOST "
                 "slots=N\" per line",
                 path);
        rc = -1;
    }
    return rc;
}

static int mpi_check(const struct pb_host *host, const struct pb_params *params,
                     unsigned workers, char *err, size_t errlen) {
    (void)workers;
    char path[4096];
    const char *prog = host->param_string(params, "mpirun");
    if (mpi_find_program(prog, path, sizeof path) < 0) {
        snprintf(err, errlen,
                 "mpirun = %s: no such program%s; install Open MPI "
                 "(Debian: openmpi-bin) or set mpirun to its path",
                 prog, strchr(prog, '/') ? "" : " in PATH");
        return -1;
    }
    if (mpi_worker_path(path, sizeof path) < 0) {
        snprintf(err, errlen,
                 "%s is missing: parbench was built without Open MPI; "
                 "install libopenmpi-dev and rebuild",
                 *path ? path : MPI_WORKER_NAME);
        return -1;
    }
    const char *hostfile = host->param_string(params, "hostfile");
    const char *hosts = host->param_string(params, "hosts");
    if (*hostfile && *hosts) {
        snprintf(err, errlen, "hostfile and hosts are both set; keep one");
        return -1;
    }
    if (*hostfile && mpi_check_hostfile(hostfile, err, errlen) < 0)
        return -1;
    if (strspn(hosts, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                      "0123456789.-_:,") != strlen(hosts)) {
        snprintf(err, errlen,
                 "hosts = %s: write HOST or HOST:SLOTS, comma-separated",
                 hosts);
        return -1;
    }
    if (mpi_is_root_refused(host, params)) {
        snprintf(err, errlen, "%s", mpi_root_hint);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The launch                                                               */
/* ------------------------------------------------------------------------ */

/* mpirun and its ranks: the executor's state for the cell (create() to
 * destroy()).  Under lifetime = repetition run() launches and ends it;
 * under lifetime = cell it outlives run() and destroy() ends it. */
struct mpi_launch {
    pid_t pid;      /* mpirun; 0: none                            */
    int in, out;    /* its standard input and output              */
    int err;        /* its standard error: a memfd we read back   */
    off_t err_seen; /* stderr bytes already looked at             */
    unsigned workers;
    unsigned nhosts;            /* HOST frames received            */
    struct mpiwire_host *hosts; /* W+1 entries, by rank            */
    unsigned char *buf;         /* one frame's body                */
    size_t cap;
    unsigned char *ahead; /* MPI_READ_AHEAD bytes read from out   */
    size_t ahead_len, ahead_pos;
    int frames[2];          /* the frames' pipe (mpiwire.h); -1: none  */
    int out_ended;          /* mpirun's output reached its end         */
    int page_fd;            /* the task page (mpiwire.h); -1: none */
    _Atomic uint64_t *page; /* mapped here: W entries, then the bell */
    uint32_t repetition;
};

/* mpirun's output is read MPI_READ_AHEAD bytes at a time (mpi_get): the
 * root writes many frames to a write, and a read per frame header and
 * body cost two system calls per task. */
#define MPI_READ_AHEAD 65536

/* argv of mpirun into argv (MPI_MAX_ARGS entries), its strings in store. */
static int mpi_argv(const struct pb_host *h, const struct pb_params *ps,
                    const char *prog, const char *worker, unsigned ranks,
                    char **argv, char *store, size_t storelen, char *err,
                    size_t errlen) {
    int n = 0;
    argv[n++] = (char *)prog;
    if (h->param_bool(ps, "oversubscribe"))
        argv[n++] = (char *)"--oversubscribe";
    const char *hostfile = h->param_string(ps, "hostfile");
    const char *hosts = h->param_string(ps, "hosts");
    if (*hostfile) {
        argv[n++] = (char *)"--hostfile";
        argv[n++] = (char *)hostfile;
    } else if (*hosts) {
        argv[n++] = (char *)"--host";
        argv[n++] = (char *)hosts;
    }
    snprintf(store, storelen, "%s", h->param_string(ps, "launcher_args"));
    char *save = NULL;
    for (char *w = strtok_r(store, " \t", &save); w;
         w = strtok_r(NULL, " \t", &save)) {
        if (n >= MPI_MAX_ARGS - 4) {
            snprintf(err, errlen, "launcher_args has too many words");
            return -1;
        }
        argv[n++] = w;
    }
    static char np[16];
    snprintf(np, sizeof np, "%u", ranks);
    argv[n++] = (char *)"-np";
    argv[n++] = np;
    argv[n++] = (char *)worker;
    argv[n] = NULL;
    return 0;
}

static void mpi_boot_id(char *buf, size_t len) {
    memset(buf, 0, len);
    int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    buf[n > 0 ? strcspn(buf, "\n") : 0] = '\0';
}

/* No launch: nothing held, every descriptor -1. */
static void mpi_reset(struct mpi_launch *L) {
    memset(L, 0, sizeof *L);
    L->in = L->out = L->err = L->page_fd = -1;
    L->frames[0] = L->frames[1] = -1;
}

/* Frees what the launch holds but mpirun's pipes (mpi_end closes them). */
static void mpi_free(struct mpi_launch *L) {
    if (L->err >= 0)
        close(L->err);
    for (int i = 0; i < 2; i++)
        if (L->frames[i] >= 0)
            close(L->frames[i]);
    if (L->page)
        munmap((void *)L->page, MPIWIRE_PAGE_BYTES(L->workers));
    if (L->page_fd >= 0)
        close(L->page_fd);
    free(L->hosts);
    free(L->buf);
    free(L->ahead);
    mpi_reset(L);
}

/* The task page (mpiwire.h) for w workers, every entry PB_NO_TASK and the
 * bell at 0, into s's page_* fields.  Returns 0, or -1 with errno. */
static int mpi_make_page(struct mpi_launch *L, unsigned w,
                         struct mpiwire_start *s) {
    size_t len = MPIWIRE_PAGE_BYTES(w);
    struct stat st;
    L->page_fd = memfd_create("parbench-mpi-tasks", MFD_CLOEXEC);
    if (L->page_fd < 0 || ftruncate(L->page_fd, (off_t)len) < 0 ||
        fstat(L->page_fd, &st) < 0)
        return -1;
    void *p =
        mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, L->page_fd, 0);
    if (p == MAP_FAILED)
        return -1;
    L->page = p;
    for (unsigned i = 0; i < w; i++)
        atomic_store_explicit(&L->page[i], PB_NO_TASK, memory_order_relaxed);
    s->page_fd = L->page_fd;
    s->page_dev = (uint64_t)st.st_dev;
    s->page_ino = (uint64_t)st.st_ino;
    return 0;
}

/* Starts mpirun and sends the start record and the spec.  Returns 0, or
 * -1 with err. */
static int mpi_launch(struct mpi_launch *L, const struct pb_host *h,
                      const struct pb_params *ps, struct pb_job *job, char *err,
                      size_t errlen) {
    unsigned w = h->job_workers(job);
    size_t spec_len = 0;
    const void *spec = h->job_spec(job, &spec_len);
    if (!spec || !spec_len) {
        snprintf(err, errlen, "the core gave no workload spec");
        return -1;
    }
    char prog[4096], worker[4096], store[1024];
    const char *mpirun = h->param_string(ps, "mpirun");
    if (mpi_find_program(mpirun, prog, sizeof prog) < 0) {
        snprintf(err, errlen, "mpirun = %s: no such program", mpirun);
        return -1;
    }
    if (mpi_worker_path(worker, sizeof worker) < 0) {
        snprintf(err, errlen, "%s is missing",
                 *worker ? worker : MPI_WORKER_NAME);
        return -1;
    }
    char *argv[MPI_MAX_ARGS];
    if (mpi_argv(h, ps, prog, worker, w + 1, argv, store, sizeof store, err,
                 errlen) < 0)
        return -1;

    mpi_reset(L);
    L->workers = w;
    L->hosts = calloc(w + 1, sizeof *L->hosts);
    L->ahead = malloc(MPI_READ_AHEAD);
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    struct mpiwire_start s = {
        .magic = MPIWIRE_MAGIC,
        .workers = w,
        .schedule = (uint32_t)h->job_schedule(job),
        .lifetime =
            lifetime_is_cell(h, ps) ? MPIWIRE_PER_CELL : MPIWIRE_PER_REPETITION,
        .tasks = h->job_tasks(job),
        .spec_len = spec_len,
        .cell_pid = (int64_t)getpid(),
        .page_fd = -1,
        .pipe_fd = -1,
    };
    mpi_boot_id(s.boot_id, sizeof s.boot_id);
    if (h->param_bool(ps, "task_page") && mpi_make_page(L, w, &s) < 0) {
        snprintf(err, errlen, "cannot make the task page: %s", strerror(errno));
        goto fail;
    }
    struct stat fst;
    if (pipe2(L->frames, O_CLOEXEC) < 0 ||
        fcntl(L->frames[0], F_SETFL, O_NONBLOCK) < 0 ||
        fstat(L->frames[1], &fst) < 0) {
        snprintf(err, errlen, "cannot make the frames' pipe: %s",
                 strerror(errno));
        goto fail;
    }
    s.pipe_fd = L->frames[1];
    s.pipe_dev = (uint64_t)fst.st_dev;
    s.pipe_ino = (uint64_t)fst.st_ino;
    L->err = memfd_create("mpirun-stderr", MFD_CLOEXEC);
    if (!L->hosts || !L->ahead || L->err < 0 || pipe2(in, O_CLOEXEC) < 0 ||
        pipe2(out, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "cannot set up mpirun's streams: %s",
                 strerror(errno));
        goto fail;
    }
    posix_spawn_file_actions_t fa;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, L->err, 2);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (rc == 0)
        rc = posix_spawn(&L->pid, prog, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    L->in = in[1];
    L->out = out[0];
    if (rc != 0) {
        L->pid = 0;
        snprintf(err, errlen, "cannot start %s: %s", prog, strerror(rc));
        goto fail;
    }
    /* mpirun gone already shows as end-of-file on its output. */
    if (fdio_write_full(L->in, &s, sizeof s) == 0)
        (void)fdio_write_full(L->in, spec, spec_len);
    h->job_add_ipc(job, sizeof s + spec_len);
    return 0;
fail:
    if (L->in >= 0)
        close(L->in);
    else
        for (int i = 0; i < 2; i++)
            if (in[i] >= 0)
                close(in[i]);
    if (L->out >= 0)
        close(L->out);
    else
        for (int i = 0; i < 2; i++)
            if (out[i] >= 0)
                close(out[i]);
    mpi_free(L);
    return -1;
}

/* Rings the task page's bell, if there is a page: the workers asleep on
 * it look for the root's next message. */
static void mpi_ring(struct mpi_launch *L) {
    if (L->page)
        mpiwire_ring(mpiwire_bell((void *)L->page, L->workers));
}

/* Ends mpirun's input, so the root tells the workers to finish. */
static void mpi_close_in(struct mpi_launch *L) {
    if (L->in >= 0)
        close(L->in);
    L->in = -1;
    mpi_ring(L);
}

/* Closes mpirun's input (the ranks finish), drains its output and reaps
 * it; its CPU time and its local ranks' reach RUSAGE_CHILDREN.  Returns
 * the wait status. */
static int mpi_end(struct mpi_launch *L) {
    mpi_close_in(L);
    char sink[4096];
    ssize_t n;
    while (L->out >= 0 && ((n = read(L->out, sink, sizeof sink)) > 0 ||
                           (n < 0 && errno == EINTR)))
        ;
    int st = 0;
    while (L->pid > 0 && waitpid(L->pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (L->out >= 0)
        close(L->out);
    L->out = -1;
    L->pid = 0;
    return st;
}

/* ------------------------------------------------------------------------ */
/* One repetition                                                           */
/* ------------------------------------------------------------------------ */

/* What this process knows of each worker's progress, for crash reports. */
struct mpi_rep {
    struct mpi_launch *L;
    const struct pb_host *h;
    struct pb_job *job;
    int per_cell;
    uint64_t tasks;
    enum pb_schedule schedule;
    uint64_t *results; /* messages received per worker          */
    uint64_t *current; /* dynamic: the task handed out, or none  */
};

/* The task worker w runs now, or PB_NO_TASK: from the task page when the
 * worker maps it, else from what the root relayed. */
static uint64_t mpi_current(const struct mpi_rep *r, unsigned w) {
    const struct mpi_launch *L = r->L;
    if (L->page && w + 1 < L->nhosts && L->hosts[w + 1].mapped)
        return atomic_load_explicit(&L->page[w], memory_order_relaxed);
    if (r->schedule == PB_SCHEDULE_DYNAMIC)
        return r->current[w];
    uint64_t t = w + r->results[w] * r->L->workers;
    return t < r->tasks ? t : PB_NO_TASK;
}

static const char *mpi_host_of(const struct mpi_launch *L, unsigned rank) {
    return rank <= L->workers && rank < L->nhosts && L->hosts[rank].name[0]
               ? L->hosts[rank].name
               : "?";
}

static int mpi_frame(struct mpi_rep *r, uint32_t type, const unsigned char *b,
                     uint32_t len, uint64_t *mpi_bytes) {
    const struct pb_host *h = r->h;
    struct mpi_launch *L = r->L;
    uint32_t w;
    switch (type) {
    case MPIWIRE_MSG:
        if (len < sizeof w)
            return -1;
        memcpy(&w, b, sizeof w);
        if (w >= L->workers)
            return -1;
        h->job_add_ipc(r->job, sizeof w);
        r->results[w]++;
        r->current[w] = PB_NO_TASK;
        return h->job_deliver(r->job, b + sizeof w, len - sizeof w) < 0 ? -1
                                                                        : 0;
    case MPIWIRE_TASK: {
        struct mpiwire_task t;
        if (len != sizeof t)
            return -1;
        memcpy(&t, b, sizeof t);
        /* The root hands out only tasks of the job (a crash report names
         * the task). */
        if (t.worker >= L->workers || t.task >= r->tasks)
            return -1;
        r->current[t.worker] = t.task;
        h->job_add_ipc(r->job, len);
        return 0;
    }
    case MPIWIRE_USAGE: {
        struct mpiwire_usage u;
        if (len != sizeof u || (memcpy(&u, b, sizeof u), u.rank > L->workers))
            return -1;
        struct rusage ru;
        selfusage_rusage(&u.use, &ru);
        /* Under lifetime = repetition a local rank's CPU time reaches us
         * through RUSAGE_CHILDREN when mpirun is reaped: its peak only. */
        if (u.local && !r->per_cell) {
            memset(&ru, 0, sizeof ru);
            ru.ru_maxrss = (long)u.use.maxrss_kib;
        }
        unsigned who = u.rank ? u.rank - 1 : PB_NO_WORKER;
        h->job_self_usage(r->job, who, &ru, u.use.pss_kib);
        if (PB_HOST_HAS(h, job_self_uss) && h->job_self_uss)
            h->job_self_uss(r->job, who, u.use.uss_kib);
        h->job_add_ipc(r->job, len);
        return 0;
    }
    case MPIWIRE_HOST: {
        struct mpiwire_host x;
        if (len != sizeof x || (memcpy(&x, b, sizeof x), x.rank > L->workers))
            return -1;
        x.name[sizeof x.name - 1] = x.cpu[sizeof x.cpu - 1] = '\0';
        L->hosts[x.rank] = x;
        L->nhosts++;
        /* For the run metadata: which hosts ran ranks, on what CPU. */
        if (PB_HOST_HAS(h, job_process_host) && h->job_process_host)
            h->job_process_host(r->job, x.name, x.cpu, x.cores);
        h->job_add_ipc(r->job, len);
        return 0;
    }
    case MPIWIRE_DONE: {
        struct mpiwire_done d;
        if (len != sizeof d)
            return -1;
        memcpy(&d, b, sizeof d);
        *mpi_bytes = d.mpi_bytes;
        h->job_add_ipc(r->job, len);
        return 1;
    }
    default:
        return -1;
    }
}

/* Reads what the root wrote into L->ahead, from whichever stream carries
 * its frames (mpiwire.h): the frames' pipe (non-blocking) or mpirun's
 * output.  Returns 1, or 0 when mpirun's output has ended (every rank is
 * gone) and the pipe holds nothing more. */
static int mpi_fill(struct mpi_launch *L) {
    for (;;) {
        ssize_t got = read(L->frames[0], L->ahead, MPI_READ_AHEAD);
        if (got > 0) {
            L->ahead_len = (size_t)got;
            return 1;
        }
        if (got < 0 && errno == EINTR)
            continue;
        if (L->out_ended)
            return 0;
        struct pollfd p[2] = {{L->out, POLLIN, 0}, {L->frames[0], POLLIN, 0}};
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 0;
        }
        if (!p[0].revents)
            continue;
        got = read(L->out, L->ahead, MPI_READ_AHEAD);
        if (got > 0) {
            L->ahead_len = (size_t)got;
            return 1;
        }
        if (got < 0 && errno == EINTR)
            continue;
        /* mpirun is done: whatever the root wrote to the pipe is there. */
        L->out_ended = 1;
    }
}

/* The next `n` bytes of the root's frames into dst, through L->ahead.
 * Returns 1, or 0 at their end (or an error) before all of them. */
static int mpi_get(struct mpi_launch *L, void *dst, size_t n) {
    unsigned char *d = dst;
    while (n) {
        if (L->ahead_pos == L->ahead_len) {
            if (!mpi_fill(L))
                return 0;
            L->ahead_pos = 0;
        }
        size_t k = L->ahead_len - L->ahead_pos;
        if (k > n)
            k = n;
        memcpy(d, L->ahead + L->ahead_pos, k);
        L->ahead_pos += k;
        d += k;
        n -= k;
    }
    return 1;
}

/* Reads frames until MPIWIRE_DONE (1), end-of-file (0) or a broken
 * record (-1). */
static int mpi_serve(struct mpi_rep *r) {
    struct mpi_launch *L = r->L;
    for (;;) {
        struct pb_frame f;
        if (!mpi_get(L, &f, sizeof f))
            return 0;
        if (f.len > PB_FRAME_MAX + sizeof(uint32_t))
            return -1;
        /* The body into L->buf, which grows with the bytes that arrive
         * (doubling, a read-ahead at a time), never ahead of them on the
         * header's word alone: a broken root's header may say 1 GiB. */
        for (size_t have = 0, step; have < f.len; have += step) {
            step =
                f.len - have < MPI_READ_AHEAD ? f.len - have : MPI_READ_AHEAD;
            if (have + step > L->cap) {
                size_t cap =
                    2 * L->cap > have + step ? 2 * L->cap : have + step;
                cap = cap < f.len ? cap : f.len;
                unsigned char *nb = realloc(L->buf, cap);
                if (!nb)
                    return -1;
                L->buf = nb;
                L->cap = cap;
            }
            if (!mpi_get(L, L->buf + have, step))
                return 0;
        }
        r->h->job_add_ipc(r->job, sizeof f);
        uint64_t mpi_bytes = 0;
        int rc = mpi_frame(r, f.type, L->buf, f.len, &mpi_bytes);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            r->h->job_add_ipc(r->job, mpi_bytes);
            return 1;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* What mpirun said                                                         */
/* ------------------------------------------------------------------------ */

/* mpirun's standard error since the last look, NUL-terminated (owned by
 * the caller), at most 256 KiB of it. */
static char *mpi_stderr(struct mpi_launch *L) {
    struct stat st;
    if (L->err < 0 || fstat(L->err, &st) < 0)
        return NULL;
    off_t from = L->err_seen;
    if (st.st_size - from > (off_t)(256 << 10))
        from = st.st_size - (256 << 10);
    size_t n = (size_t)(st.st_size - from);
    char *text = malloc(n + 1);
    if (!text)
        return NULL;
    ssize_t got = pread(L->err, text, n, from);
    text[got > 0 ? (size_t)got : 0] = '\0';
    L->err_seen = st.st_size;
    return text;
}

/* Passes lines of the ranks' own messages ("parbench: ...", from the
 * workload's host->log) on to our standard error. */
static void mpi_forward_logs(const char *text) {
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!strncmp(p, "parbench: ", 10))
            fprintf(stderr, "%.*s\n", (int)n, p);
        p = nl ? nl + 1 : NULL;
    }
}

/* The rank's name for the row: "worker 1 (rank 2 on host b)". */
static void mpi_who(const struct mpi_launch *L, unsigned rank, char *buf,
                    size_t len) {
    if (rank == 0)
        snprintf(buf, len, "the root (rank 0 on host %s)", mpi_host_of(L, 0));
    else
        snprintf(buf, len, "worker %u (rank %u on host %s)", rank - 1, rank,
                 mpi_host_of(L, rank));
}

static void mpi_where(const struct mpi_rep *r, unsigned rank, char *buf,
                      size_t len) {
    uint64_t t = rank >= 1 && rank <= r->L->workers ? mpi_current(r, rank - 1)
                                                    : PB_NO_TASK;
    if (t != PB_NO_TASK)
        snprintf(buf, len, " in task %llu", (unsigned long long)t);
    else
        snprintf(buf, len, " outside any task");
}

/* The job ended before the repetition did: say why, from mpirun's exit
 * status `st` and its standard error `text`. */
static void mpi_explain(const struct mpi_rep *r, int st, const char *text) {
    const struct pb_host *h = r->h;
    const struct mpi_launch *L = r->L;
    char who[160], at[64];
    const char *p;
    unsigned rank;
    int sig, code;
    if (!text)
        text = "";
    if ((p = strstr(text, "parbench-mpi-worker: rank "))) {
        /* A rank could not start: its own words. */
        const char *msg = strstr(p, ": ");
        msg = msg ? strstr(msg + 2, ": ") : NULL;
        if (sscanf(p, "parbench-mpi-worker: rank %u", &rank) == 1 && msg &&
            rank <= L->workers) {
            mpi_who(L, rank, who, sizeof who);
            h->job_fail(r->job, 0, "%s could not start: %.*s", who,
                        (int)strcspn(msg + 2, "\n"), msg + 2);
            return;
        }
    }
    if ((p = strstr(text, "process rank ")) &&
        sscanf(p,
               "process rank %u with PID %*d on node %*s exited on signal %d",
               &rank, &sig) == 2 &&
        rank <= L->workers) {
        mpi_who(L, rank, who, sizeof who);
        mpi_where(r, rank, at, sizeof at);
        const char *abbr = sigabbrev_np(sig);
        h->job_fail(r->job, 1, "%s killed by SIG%s%s (%s)", who,
                    abbr ? abbr : "?", at, strsignal(sig));
        return;
    }
    if ((p = strstr(text, "Process name: [[")) &&
        sscanf(p, "Process name: [[%*d,%*d],%u]", &rank) == 1 &&
        rank <= L->workers && (p = strstr(p, "Exit code:")) &&
        sscanf(p, "Exit code: %d", &code) == 1) {
        mpi_who(L, rank, who, sizeof who);
        mpi_where(r, rank, at, sizeof at);
        h->job_fail(r->job, 1, "%s exited with status %d%s", who, code, at);
        return;
    }
    if (strstr(text, "not enough slots available")) {
        h->job_fail(r->job, 0,
                    "mpirun: not enough slots available for %u ranks (%u "
                    "workers and the root); set oversubscribe = true, or "
                    "give the hosts more slots",
                    L->workers + 1, L->workers);
        return;
    }
    if (strstr(text, "unable to reliably start one or more daemons")) {
        /* The launch agent's own complaint is the first line. */
        const char *first = text + strspn(text, "-\n ");
        h->job_fail(r->job, 0,
                    "mpirun could not start Open MPI on a host (unreachable, "
                    "no passwordless ssh, or parbench-mpi-worker not at the "
                    "same path there): %.*s",
                    (int)strcspn(first, "\n"), first);
        return;
    }
    if (strstr(text, "attempt to run as root")) {
        h->log(h, PB_LOG_ERROR, "%s", mpi_root_hint);
        h->job_fail(r->job, 0, "%s", mpi_root_hint);
        return;
    }
    /* Anything else: the first line of mpirun's that is not a rule. */
    const char *line = text;
    while (*line && (*line == '-' || *line == '\n' || *line == ' '))
        line += strcspn(line, "\n") + (line[strcspn(line, "\n")] == '\n');
    char status[64];
    if (WIFSIGNALED(st))
        snprintf(status, sizeof status, "was killed by signal %d",
                 WTERMSIG(st));
    else
        snprintf(status, sizeof status, "exited with status %d",
                 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    h->job_fail(r->job, 0, "mpirun %s before the repetition ended%s%.*s",
                status, *line ? ": " : "", (int)strcspn(line, "\n"), line);
}

static int mpi_run(const struct pb_host *h, const struct pb_params *ps,
                   struct pb_job *job, char *err, size_t errlen) {
    struct mpi_launch *L = h->executor_state(job);
    unsigned w = h->job_workers(job);
    if (!L) {
        snprintf(err, errlen, "the core gave no executor state");
        return -1;
    }
    int per_cell = strcmp(h->param_string(ps, "lifetime"), "cell") == 0;
    if (w == 0) {
        snprintf(err, errlen, "the job has no workers");
        return -1;
    }
    if (!PB_HOST_HAS(h, job_self_usage) || !h->job_self_usage) {
        snprintf(err, errlen,
                 "this parbench is too old for the mpi executor "
                 "(no job_self_usage)");
        return -1;
    }
    if (L->pid > 0 && L->workers != w) /* never within one cell */
        mpi_end(L), mpi_free(L);
    if (L->pid == 0 && mpi_launch(L, h, ps, job, err, errlen) < 0)
        return -1;
    struct mpi_rep r = {.L = L,
                        .h = h,
                        .job = job,
                        .per_cell = per_cell,
                        .tasks = h->job_tasks(job),
                        .schedule = h->job_schedule(job)};
    r.results = calloc(w, sizeof *r.results);
    r.current = malloc(w * sizeof *r.current);
    if (!r.results || !r.current) {
        free(r.results);
        free(r.current);
        snprintf(err, errlen, "out of memory for %u workers", w);
        return -1;
    }
    for (unsigned i = 0; i < w; i++)
        r.current[i] = PB_NO_TASK;
    struct mpiwire_go go = {.magic = MPIWIRE_MAGIC,
                            .repetition = ++L->repetition,
                            .cell_ns = h->now_ns(),
                            .memory = (uint32_t)procs_memory(h, job)};
    if (fdio_write_full(L->in, &go, sizeof go) == 0)
        h->job_add_ipc(job, sizeof go);
    /* Workers with the page sleep on its bell until this ring. */
    mpi_ring(L);
    int rc = mpi_serve(&r);
    if (rc < 0) {
        h->job_fail(job, 1, "the root rank sent a malformed record");
        kill(L->pid, SIGTERM);
    }
    if (rc <= 0 || !per_cell) {
        /* Per repetition: the release is the end of mpirun's input. */
        int st = mpi_end(L);
        char *text = mpi_stderr(L);
        mpi_forward_logs(text);
        if (rc == 0)
            mpi_explain(&r, st, text);
        else if (rc == 1 && !(WIFEXITED(st) && WEXITSTATUS(st) == 0))
            h->job_fail(job, 1, "mpirun exited with status %d after the work",
                        WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        free(text);
        mpi_free(L);
    } else {
        char *text = mpi_stderr(L);
        mpi_forward_logs(text);
        free(text);
    }
    free(r.results);
    free(r.current);
    return 0;
}

/* The cell's launch state; nothing starts before the first run(). */
static int mpi_create(const struct pb_host *h, const struct pb_params *ps,
                      unsigned workers, void **state, char *err,
                      size_t errlen) {
    (void)h;
    (void)ps;
    (void)workers;
    struct mpi_launch *L = calloc(1, sizeof *L);
    if (!L) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    mpi_reset(L);
    *state = L;
    return 0;
}

/* Seconds destroy() lets ranks finish after the end of their input,
 * before it stops mpirun (which stops the ranks, remote ones included). */
#define MPI_END_GRACE_S 10

/* The end of the cell: ranks kept under lifetime = cell get end-of-file
 * and finish; mpirun is reaped.  Should they not finish within the grace
 * period, mpirun gets SIGTERM (it kills every rank it started, on every
 * host), then SIGKILL: no launcher or rank outlives the cell. */
static void mpi_destroy(void *state) {
    struct mpi_launch *L = state;
    if (!L)
        return;
    if (L->pid > 0) {
        mpi_close_in(L);
        int st, sig = 0;
        if (L->out >= 0)
            (void)fcntl(L->out, F_SETFL, O_NONBLOCK);
        for (int tick = 0;; tick++) {
            pid_t p = waitpid(L->pid, &st, WNOHANG);
            if (p == L->pid || (p < 0 && errno != EINTR))
                break;
            /* Drain what the root still writes, so it never blocks. */
            char sink[4096];
            struct timespec ts = {0, 20 * 1000 * 1000};
            while (L->out >= 0 && read(L->out, sink, sizeof sink) > 0)
                ;
            while (L->frames[0] >= 0 &&
                   read(L->frames[0], sink, sizeof sink) > 0)
                ;
            nanosleep(&ts, NULL);
            if (tick == MPI_END_GRACE_S * 50 && !sig)
                kill(L->pid, sig = SIGTERM);
            else if (tick == (MPI_END_GRACE_S + 5) * 50 && sig == SIGTERM)
                kill(L->pid, sig = SIGKILL);
        }
        L->pid = 0;
        if (L->out >= 0)
            close(L->out);
        L->out = -1;
    }
    mpi_free(L);
    free(L);
}

static const struct pb_executor_ops mpi_ops = {
    .size = sizeof(struct pb_executor_ops),
    .check = mpi_check,
    .run = mpi_run,
    .create = mpi_create,
    .destroy = mpi_destroy,
};

static const struct pb_plugin mpi_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_EXECUTOR,
    .name = "mpi",
    .summary = "workers are Open MPI ranks started by mpirun; tasks and "
               "results are MPI messages",
    .params = mpi_params,
    .flags = 0,
    .workload = NULL,
    .executor = &mpi_ops,
};

PB_DEFINE_PLUGIN(mpi_desc)
