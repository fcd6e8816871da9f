/* SPDX-License-Identifier: MIT */
/*
 * seed_frames.c - writes the seed corpora of the `frames` target
 * (fuzz/corpus/frames) and of the `mpi` target (fuzz/corpus/mpi): real
 * worker output, made by the core's own worker loop (job_worker_loop).
 *
 * frames: each worker's loop sends through fdio_write_frame exactly as a
 * forked worker does (plugins/executors/child.h), with and without a task
 * channel (PB_FRAME_CLAIM, as parbench-worker under posix_spawn), plus a
 * failed task and a PB_FRAME_ERROR.  Each file is the target's input:
 * the set-up byte, tasks - 1, then each worker's bytes, separated by
 * "PBW|"; or, for the fork executor's shared channel (records), the
 * workers' bytes cut into records of RECORD_CHUNK bytes tagged with the
 * worker's index + 1, taken from the workers in turn, each record after
 * its 2-byte length (fuzz_frames.c).
 *
 * mpi: what parbench-mpi-worker's root writes (cli/mpi_worker.c): an
 * MPIWIRE_HOST frame per rank, then per repetition each worker's core
 * messages as MPIWIRE_MSG frames (an MPIWIRE_TASK before each task a
 * worker claims, under the dynamic schedule without the task page), an
 * MPIWIRE_USAGE per rank and MPIWIRE_DONE; or the stream cut short, as
 * when a rank dies, followed by "PBE|" and what mpirun would say on its
 * standard error.  Each file is the target's input: four set-up bytes,
 * the stream, the text (fuzz_mpi.c).
 *
 * Usage: fuzz-seed-frames DIR         (the frames corpus)
 *        fuzz-seed-frames --mpi DIR   (the mpi corpus)
 * Not part of `all`: build it by name.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "run/host.h"
#include "run/job.h"
#include "util/fdio.h"
#include "util/mpiwire.h"

struct seed_state {
    uint64_t tasks;
    size_t payload;     /* bytes of payload per task, 0: none */
    uint64_t fail_task; /* this task fails; UINT64_MAX: none */
    unsigned char bytes[64];
};

static uint64_t s_count(const void *st) {
    return ((const struct seed_state *)st)->tasks;
}

static int s_create(const struct pb_host *h, const struct pb_params *p,
                    void **st, char *err, size_t errlen) {
    (void)h, (void)p, (void)st, (void)err, (void)errlen;
    return -1;
}

static int s_run(void *st, void *ws, struct pb_task_ctx *ctx, uint64_t task,
                 struct pb_task_result *out, char *err, size_t errlen) {
    struct seed_state *s = st;
    (void)ws, (void)ctx;
    if (task == s->fail_task) {
        snprintf(err, errlen, "task %llu failed on purpose",
                 (unsigned long long)task);
        return -1;
    }
    out->checksum = task * 2654435761u;
    out->items = task + 1;
    if (s->payload) {
        out->payload = s->bytes;
        out->payload_size = s->payload;
    }
    return 0;
}

static int s_merge(void *st, uint64_t task, const struct pb_task_result *r,
                   char *err, size_t errlen) {
    (void)st, (void)task, (void)r, (void)err, (void)errlen;
    return 0;
}

static int s_verify(void *st, uint64_t *sum, char *err, size_t errlen) {
    (void)st, (void)err, (void)errlen;
    *sum = 0;
    return 0;
}

static void s_destroy(void *st) { (void)st; }

static const struct pb_workload_ops ops = {
    .create = s_create,
    .task_count = s_count,
    .run_task = s_run,
    .merge = s_merge,
    .verify = s_verify,
    .destroy = s_destroy,
};

/* One worker's output: its frames, written to a memfd through fdio. */
struct out {
    int fd;
};

static int send_hook(void *ctx, const void *head, size_t hl, const void *body,
                     size_t bl) {
    return fdio_write_frame(((struct out *)ctx)->fd, PB_FRAME_MSG, head, hl,
                            body, bl);
}

static uint64_t shared_next, o_tasks; /* the coordinator's counter */

static int claim_hook(void *ctx, unsigned worker, uint64_t *task) {
    struct out *o = ctx;
    (void)worker;
    if (fdio_write_frame(o->fd, PB_FRAME_CLAIM, NULL, 0, NULL, 0) < 0)
        return -1;
    /* The coordinator's answer, as procs.c would give it. */
    if (shared_next >= o_tasks)
        return 0;
    *task = shared_next++;
    return 1;
}

#define RECORD_CHUNK 40u

/* The records of the workers' bytes bufs[w][0 .. lens[w]) to f, in turn
 * (fuzz_frames.c's records mode). */
static void write_records(FILE *f, unsigned workers, char *const *bufs,
                          const size_t *lens) {
    size_t at[4] = {0, 0, 0, 0};
    for (int more = 1; more;) {
        more = 0;
        for (unsigned w = 0; w < workers; w++) {
            size_t n = lens[w] - at[w];
            if (n == 0)
                continue;
            if (n > RECORD_CHUNK)
                n = RECORD_CHUNK;
            uint32_t tag = w + 1;
            size_t len = sizeof tag + n;
            unsigned char head[2] = {(unsigned char)(len & 0xff),
                                     (unsigned char)(len >> 8)};
            fwrite(head, 1, 2, f);
            fwrite(&tag, 1, sizeof tag, f);
            fwrite(bufs[w] + at[w], 1, n, f);
            at[w] += n;
            more = 1;
        }
    }
}

/* Runs `workers` workers one after the other and writes the seed. */
static int seed(const char *dir, const char *name, unsigned workers,
                int dynamic, int channel, int records, uint64_t tasks,
                size_t payload, uint64_t fail_task, const char *error_text) {
    char *bufs[4] = {NULL, NULL, NULL, NULL};
    size_t lens[4] = {0, 0, 0, 0};
    struct seed_state st = {tasks, payload, fail_task, {0}};
    for (size_t i = 0; i < sizeof st.bytes; i++)
        st.bytes[i] = (unsigned char)(i * 7 + 1);
    static struct host_instance hi;
    host_init(&hi, "seed");
    struct pb_job *job =
        job_new(&hi.host, &ops, &st, workers,
                dynamic ? PB_SCHEDULE_DYNAMIC : PB_SCHEDULE_STATIC);
    if (!job)
        return -1;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fuzz-seed-frames: %s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char setup[2] = {
        (unsigned char)((workers - 1) | (dynamic ? 4u : 0u) |
                        (channel ? 8u : 0u) | (records ? 16u : 0u)),
        (unsigned char)(tasks - 1)};
    fwrite(setup, 1, 2, f);
    shared_next = 0;
    o_tasks = tasks;
    for (unsigned w = 0; w < workers; w++) {
        struct out o = {memfd_create("seed", 0)};
        if (o.fd < 0)
            return -1;
        if (error_text && w == 0) {
            fdio_write_frame(o.fd, PB_FRAME_ERROR, error_text,
                             strlen(error_text), NULL, 0);
        } else {
            struct pb_worker_io io = {.ctx = &o,
                                      .claim = channel ? claim_hook : NULL,
                                      .send = send_hook};
            job_worker_loop(job, w, &io);
            fdio_write_frame(o.fd, PB_FRAME_DONE, NULL, 0, NULL, 0);
        }
        off_t len = lseek(o.fd, 0, SEEK_CUR);
        char *buf = malloc((size_t)len + 1);
        if (!buf || pread(o.fd, buf, (size_t)len, 0) != len)
            return -1;
        close(o.fd);
        if (records) {
            bufs[w] = buf;
            lens[w] = (size_t)len;
            continue;
        }
        if (w)
            fwrite("PBW|", 1, 4, f);
        fwrite(buf, 1, (size_t)len, f);
        free(buf);
    }
    if (records)
        write_records(f, workers, bufs, lens);
    for (unsigned w = 0; w < workers; w++)
        free(bufs[w]);
    job_free(job);
    return fclose(f) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------------ */
/* The mpi target's seeds                                                   */
/* ------------------------------------------------------------------------ */

/* One root stream being written: its file and what it has written. */
struct root {
    FILE *f;
    uint32_t worker; /* whose loop runs                       */
    int claims;      /* MPIWIRE_TASK for each task claimed    */
    unsigned budget; /* frames still to write; UINT_MAX: all   */
};

/* A frame of the root: its header, then the pieces a, b and c. */
static void root_frame(struct root *r, uint32_t type, const void *a,
                       size_t alen, const void *b, size_t blen, const void *c,
                       size_t clen) {
    if (r->budget == 0)
        return; /* the stream was cut here */
    if (r->budget != UINT_MAX)
        r->budget--;
    struct pb_frame fr = {type, (uint32_t)(alen + blen + clen)};
    fwrite(&fr, sizeof fr, 1, r->f);
    const void *piece[3] = {a, b, c};
    size_t len[3] = {alen, blen, clen};
    for (int i = 0; i < 3; i++)
        if (len[i])
            fwrite(piece[i], 1, len[i], r->f);
}

static int root_send(void *ctx, const void *head, size_t hl, const void *body,
                     size_t bl) {
    struct root *r = ctx;
    root_frame(r, MPIWIRE_MSG, &r->worker, sizeof r->worker, head, hl, body,
               bl);
    return 0;
}

static int root_claim(void *ctx, unsigned worker, uint64_t *task) {
    struct root *r = ctx;
    if (shared_next >= o_tasks)
        return 0;
    *task = shared_next++;
    struct mpiwire_task t = {.worker = worker, .task = *task};
    root_frame(r, MPIWIRE_TASK, &t, sizeof t, NULL, 0, NULL, 0);
    return 1;
}

struct mpi_seed {
    const char *name;
    unsigned workers;
    int dynamic, per_cell, via_out, page;
    unsigned status; /* fuzz_mpi.c: 0 exit 0, 1 exit 1, 2 SIGTERM, 3 SIGKILL */
    uint64_t tasks;
    unsigned chunk;   /* bytes per write; 0: PIPE_BUF */
    unsigned reps;    /* repetitions (lifetime = cell) */
    unsigned frames;  /* frames after the HOST frames; UINT_MAX: all */
    uint32_t bad;     /* not 0: a last frame of this type (malformed) */
    const char *text; /* mpirun's standard error, or NULL */
};

static int seed_mpi(const char *dir, const struct mpi_seed *m) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, m->name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "fuzz-seed-frames: %s: %s\n", path, strerror(errno));
        return -1;
    }
    unsigned char setup[4] = {
        (unsigned char)((m->workers - 1) | (m->dynamic ? 4u : 0u) |
                        (m->per_cell ? 8u : 0u) | (m->via_out ? 16u : 0u) |
                        (m->page ? 32u : 0u) | m->status << 6),
        (unsigned char)(m->tasks - 1), (unsigned char)m->chunk,
        (unsigned char)(m->reps - 1)};
    fwrite(setup, 1, sizeof setup, f);
    struct root r = {f, 0, m->dynamic && !m->page, UINT_MAX};
    /* The launch: every rank's host, rank order; ranks 0-1 on a, 2-3 on b. */
    for (uint32_t rank = 0; rank <= m->workers; rank++) {
        struct mpiwire_host h = {.rank = rank,
                                 .cores = 2,
                                 .mapped = m->page && rank > 0,
                                 .pid = 4000 + rank};
        snprintf(h.name, sizeof h.name, "%s", rank < 2 ? "a" : "b");
        snprintf(h.cpu, sizeof h.cpu, "Fuzz CPU @ 2.0GHz");
        root_frame(&r, MPIWIRE_HOST, &h, sizeof h, NULL, 0, NULL, 0);
    }
    r.budget = m->frames;
    struct seed_state st = {m->tasks, 8, UINT64_MAX, {0}};
    for (size_t i = 0; i < sizeof st.bytes; i++)
        st.bytes[i] = (unsigned char)(i * 7 + 1);
    static struct host_instance hi;
    host_init(&hi, "seed");
    for (unsigned rep = 0; rep < m->reps; rep++) {
        struct pb_job *job =
            job_new(&hi.host, &ops, &st, m->workers,
                    m->dynamic ? PB_SCHEDULE_DYNAMIC : PB_SCHEDULE_STATIC);
        if (!job)
            return -1;
        shared_next = 0;
        o_tasks = m->tasks;
        for (unsigned w = 0; w < m->workers; w++) {
            r.worker = w;
            struct pb_worker_io io = {.ctx = &r,
                                      .claim = r.claims ? root_claim : NULL,
                                      .send = root_send};
            job_worker_loop(job, w, &io);
        }
        job_free(job);
        /* Each worker's usage, then the root's; the repetition is done. */
        for (uint32_t rank = 1; rank <= m->workers + 1; rank++) {
            struct mpiwire_usage u = {.rank = rank % (m->workers + 1),
                                      .local = 1,
                                      .use = {.user_us = 1500 * rank,
                                              .sys_us = 300,
                                              .nvcsw = 4,
                                              .minflt = 120,
                                              .maxrss_kib = 4096,
                                              .pss_kib = 2048,
                                              .uss_kib = 1024}};
            root_frame(&r, MPIWIRE_USAGE, &u, sizeof u, NULL, 0, NULL, 0);
        }
        struct mpiwire_done d = {.mpi_bytes = 1000};
        root_frame(&r, MPIWIRE_DONE, &d, sizeof d, NULL, 0, NULL, 0);
    }
    if (m->bad) {
        r.budget = 1;
        uint32_t word = 0;
        root_frame(&r, m->bad, &word, sizeof word, NULL, 0, NULL, 0);
    }
    if (m->text)
        fprintf(f, "PBE|%s", m->text);
    return fclose(f) == 0 ? 0 : -1;
}

/* mpirun's reports (Open MPI 4), as mpi_explain reads them. */
#define RULE                                                                   \
    "------------------------------------------------------------------------" \
    "--\n"

static const struct mpi_seed mpi_seeds[] = {
    /* Whole repetitions: every record type but TASK, then with TASK. */
    {"static-pipe", 2, 0, 0, 0, 0, 0, 6, 0, 1, UINT_MAX, 0, NULL},
    {"dynamic-output-200-byte-writes", 3, 1, 0, 1, 0, 0, 5, 200, 1, UINT_MAX, 0,
     NULL},
    {"cell-page-two-repetitions", 2, 1, 1, 0, 1, 0, 7, 0, 2, UINT_MAX, 0, NULL},
    /* The work done, but mpirun did not exit 0; a record of no type. */
    {"exit-1-after-the-work", 1, 0, 0, 0, 0, 1, 2, 0, 1, UINT_MAX, 0, NULL},
    {"malformed-record", 2, 0, 0, 0, 0, 1, 3, 0, 1, 2, 9, NULL},
    /* Each of mpi_explain's readings of mpirun's standard error. */
    {"rank-could-not-start", 2, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0,
     "parbench: noop: warning: a line the workload logged\n"
     "parbench-mpi-worker: rank 2: creating the workload: create() fails "
     "on purpose\n" RULE "mpirun detected that one or more processes exited "
     "with non-zero status\n" RULE},
    {"killed-by-signal-in-task", 3, 1, 0, 0, 0, 1, 5, 0, 1, 3, 0,
     RULE "Primary job  terminated normally, but 1 process returned\n"
          "a non-zero exit code. Per user-direction, the job has been "
          "aborted.\n" RULE RULE
          "mpirun noticed that process rank 1 with PID 4242 on node a "
          "exited on signal 11 (Segmentation fault).\n" RULE},
    {"root-killed-page", 2, 0, 0, 1, 1, 3, 4, 0, 1, 0, 0,
     RULE "mpirun noticed that process rank 0 with PID 4000 on node a "
          "exited on signal 9 (Killed).\n" RULE},
    {"exit-code-in-task", 2, 0, 0, 0, 0, 1, 6, 0, 1, 2, 0,
     RULE
     "mpirun detected that one or more processes exited with non-zero "
     "status, thus causing\nthe job to be terminated. The first process to "
     "do so was:\n\n  Process name: [[1234,1],1]\n  Exit code:    7\n" RULE},
    {"not-enough-slots", 2, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0,
     RULE "There are not enough slots available in the system to satisfy "
          "the 3\nslots that were requested by the application:\n\n"
          "  parbench-mpi-worker\n\nEither request fewer slots for your "
          "application, or make more slots\navailable for use.\n" RULE},
    {"daemons-unreachable", 2, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0,
     "ssh: connect to host b port 22: Connection refused\n" RULE
     "ORTE was unable to reliably start one or more daemons.\n" RULE},
    {"run-as-root", 1, 0, 0, 0, 0, 1, 4, 0, 1, 0, 0,
     RULE "mpirun has detected an attempt to run as root.\n\nRunning as "
          "root is *strongly* discouraged as any mistake (e.g., in\ndefining "
          "TMPDIR) or bug can result in catastrophic damage to the OS\n" RULE},
    {"mpirun-killed-other-text", 1, 0, 0, 0, 0, 3, 4, 0, 1, 1, 0,
     RULE "\nmpirun: Error: unknown option \"--bogus\"\nType 'mpirun --help' "
          "for usage.\n"},
};

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--mpi") == 0) {
        int rc = 0;
        for (size_t i = 0; i < sizeof mpi_seeds / sizeof *mpi_seeds; i++)
            rc |= seed_mpi(argv[2], &mpi_seeds[i]);
        return rc ? 1 : 0;
    }
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz-seed-frames [--mpi] DIR\n");
        return 2;
    }
    const char *d = argv[1];
    int rc = 0;
    rc |= seed(d, "one-worker-static", 1, 0, 0, 0, 4, 0, UINT64_MAX, NULL);
    rc |= seed(d, "two-workers-payload", 2, 0, 0, 0, 6, 24, UINT64_MAX, NULL);
    rc |= seed(d, "four-workers-dynamic", 4, 1, 0, 0, 9, 8, UINT64_MAX, NULL);
    rc |= seed(d, "claims", 2, 1, 1, 0, 5, 16, UINT64_MAX, NULL);
    rc |= seed(d, "failed-task", 2, 0, 0, 0, 4, 0, 2, NULL);
    rc |= seed(d, "start-error", 2, 0, 0, 0, 3, 0, UINT64_MAX,
               "spec line 1: expected 'parbench-spec 1'");
    rc |= seed(d, "records-two-workers", 2, 1, 0, 1, 6, 24, UINT64_MAX, NULL);
    rc |= seed(d, "records-four-workers", 4, 1, 0, 1, 9, 8, UINT64_MAX, NULL);
    return rc ? 1 : 0;
}
