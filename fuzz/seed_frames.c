/* SPDX-License-Identifier: MIT */
/*
 * seed_frames.c - writes the seed corpus of the `frames` target
 * (fuzz/corpus/frames): real worker output, made by the core's own worker
 * loop (job_worker_loop) sending through fdio_write_frame exactly as a
 * forked worker does (plugins/executors/child.h), with and without a task
 * channel (PB_FRAME_CLAIM, as parbench-worker under posix_spawn), plus a
 * failed task and a PB_FRAME_ERROR.  Each file is the target's input:
 * the set-up byte, tasks - 1, then each worker's bytes, separated by
 * "PBW|"; or, for the fork executor's shared channel (records), the
 * workers' bytes cut into records of RECORD_CHUNK bytes tagged with the
 * worker's index + 1, taken from the workers in turn, each record after
 * its 2-byte length (fuzz_frames.c).
 *
 * Usage: fuzz-seed-frames DIR   (not part of `all`: build it by name)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "run/host.h"
#include "run/job.h"
#include "util/fdio.h"

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

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz-seed-frames DIR\n");
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
