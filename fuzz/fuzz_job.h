/* SPDX-License-Identifier: MIT */
/*
 * fuzz_job.h - what the targets that drive a real core job share
 * (fuzz_frames.c, fuzz_mpi.c): a fake workload whose merge checks each
 * result it is given, and the oracles on the job once the executor's
 * reader has served it (fuzz_judge).  Include it after fuzz.h, in the one
 * file of a target.
 *
 * The workload has `tasks` tasks (at most 256) and runs none: its results
 * come decoded from the input.  Its merge is an oracle: each task at most
 * once and in range, a payload pointer exactly when its size is not 0,
 * every byte of the payload readable (the sanitizers check).  A result
 * whose checksum is 0xbad is refused, so that an input can make a merge
 * fail.
 */
#ifndef PARBENCH_FUZZ_JOB_H
#define PARBENCH_FUZZ_JOB_H

#include <string.h>

#include "fuzz.h"
#include "run/host.h"
#include "run/job.h"

struct fz_state {
    uint64_t tasks;
    unsigned char merged[256];
    uint64_t sum;
};

static uint64_t fz_task_count(const void *state) {
    return ((const struct fz_state *)state)->tasks;
}

static int fz_create(const struct pb_host *h, const struct pb_params *p,
                     void **state, char *err, size_t errlen) {
    (void)h, (void)p, (void)state, (void)err, (void)errlen;
    return -1;
}

static int fz_run_task(void *state, void *ws, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    (void)state, (void)ws, (void)ctx, (void)task, (void)out, (void)err;
    (void)errlen;
    return -1; /* never: no worker runs here */
}

static int fz_merge(void *state, uint64_t task, const struct pb_task_result *r,
                    char *err, size_t errlen) {
    struct fz_state *s = state;
    if (task >= s->tasks)
        fuzz_fail("merge of task %llu of %llu", (unsigned long long)task,
                  (unsigned long long)s->tasks);
    if (s->merged[task]++)
        fuzz_fail("task %llu merged twice", (unsigned long long)task);
    if ((r->payload == NULL) != (r->payload_size == 0))
        fuzz_fail("payload %p of %zu bytes", r->payload, r->payload_size);
    const unsigned char *b = r->payload;
    for (size_t i = 0; i < r->payload_size; i++)
        s->sum += b[i];
    /* A workload may refuse a result: let the input decide. */
    if (r->checksum == 0xbadull) {
        snprintf(err, errlen, "refused");
        return -1;
    }
    return 0;
}

static int fz_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    (void)state, (void)err, (void)errlen;
    *checksum = 0;
    return 0;
}

static void fz_destroy(void *state) { (void)state; }

static const struct pb_workload_ops fz_ops = {
    .create = fz_create,
    .task_count = fz_task_count,
    .run_task = fz_run_task,
    .merge = fz_merge,
    .verify = fz_verify,
    .destroy = fz_destroy,
};

/*
 * The oracles on `job` (of `workers` workers over the fake workload's
 * state *stp) once the executor's reader has served it; frees the job.  A
 * job whose result slots are all merged and whose workers all reported
 * has not failed (unless it had failed before job_finish: the reader's
 * own verdict), and one that has failed says why; job_finish's return
 * agrees with the job's status.
 *
 * With PB_FUZZ_EXPECT=complete in the environment, a job that is not
 * complete (every task merged once, every worker reported, no failure) is
 * a defect too; with PB_FUZZ_EXPECT=failed, one that did not fail.  CTest
 * replays seed corpora so (tests/CMakeLists.txt): seeds that stopped
 * decoding to what they were made as would leave the fuzzer starting from
 * nothing.
 */
static int fuzz_judge(struct pb_job *job, struct fz_state *stp,
                      unsigned workers) {
    int all = 1;
    for (uint64_t t = 0; t < stp->tasks; t++)
        all &= stp->merged[t] == 1;
    for (unsigned i = 0; i < workers; i++)
        all &= job_worker_info(job, i)->reported;
    int before = job_status(job, NULL);
    int rc = job_finish(job);
    const char *why = NULL;
    int failed = job_status(job, &why);
    if (all && !before && rc != 0)
        fuzz_fail("a complete job failed: %s", why);
    if (failed && (!why || !why[0]))
        fuzz_fail("the job failed without saying why");
    if ((rc != 0) != (failed != 0))
        fuzz_fail("job_finish returned %d with status %d", rc, failed);
    fuzz_note("job: %s%s", failed ? "failed: " : "",
              failed ? why
              : all  ? "complete"
                     : "incomplete");
    const char *expect = getenv("PB_FUZZ_EXPECT");
    if (expect && strcmp(expect, "complete") == 0 && (!all || failed))
        fuzz_fail("not a complete job: %s",
                  failed ? why : "a task or a worker's report is missing");
    if (expect && strcmp(expect, "failed") == 0 && !failed)
        fuzz_fail("the job did not fail");
    struct job_totals tot;
    job_totals(job, &tot);
    job_free(job);
    return 0;
}

#endif /* PARBENCH_FUZZ_JOB_H */
