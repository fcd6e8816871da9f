/* SPDX-License-Identifier: MIT */
/*
 * fuzz_frames.c - the pipe frame decoder: what a coordinator reads from
 * its worker processes.  plugins/executors/procs.c (compiled in, as the
 * fork and posix_spawn executors compile it) reads each worker's frames
 * and hands PB_FRAME_MSG bodies to the core's job_deliver()
 * (core/run/job.c), which decodes the worker loop's messages and merges
 * results into a workload; job_finish() then does the exactly-once check.
 *
 * Input: byte 0 is the set-up (bits 0-1: workers - 1; bit 2: dynamic
 * schedule; bit 3: the workers have a task channel, so that
 * PB_FRAME_CLAIM is answered; bit 4: records), byte 1 is tasks - 1; the
 * rest is what the workers wrote, one part per worker, parts separated by
 * "PBW|" (missing parts are empty, extra ones ignored).  Each part is read
 * from a memfd, which poll() always reports readable, and the task channel
 * is /dev/null.  With records (the fork executor's shared channel,
 * procs_channel), the rest is instead a sequence of records, each a
 * 2-byte length (little-endian) and that many bytes (its tag first, as
 * fdio_records_writev writes them), sent on a SOCK_SEQPACKET socket that
 * the coordinator drains; then every worker is seen ending.  Every worker's pid
 * is a zombie child made at start, so that procs.c's kill() of a "broken"
 * worker reaches no live process.
 *
 * Oracles (fuzz_job.h): the workload's merge sees each task at most
 * once, a payload pointer exactly when its size is not 0, and the bytes
 * it is given are readable (the sanitizers check); a job whose result
 * slots are all merged and whose workers all reported has not failed, and
 * one that has failed says why; worker outputs are all closed once
 * served.  PB_FUZZ_EXPECT=complete or failed makes a job that is not so a
 * defect too (fuzz_judge): CTest replays the seeds so.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "fuzz.h"
#include "fuzz_job.h"

/* The coordinator's side, as the process executors build it. */
#include "../plugins/executors/procs.c"

#define FUZZ_MAX_WORKERS 4u
#define FUZZ_SEP "PBW|"

static int part_fd[FUZZ_MAX_WORKERS];
static pid_t zombie = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_verbose = getenv("PB_FUZZ_VERBOSE") != NULL;
    for (unsigned i = 0; i < FUZZ_MAX_WORKERS; i++)
        if ((part_fd[i] = memfd_create("parbench-fuzz-frames", 0)) < 0)
            fuzz_fail("memfd_create failed");
    /* A child that exits at once and is never waited for: its pid stays
     * taken by the zombie, so kill() on it is harmless. */
    if (signal(SIGCHLD, SIG_DFL) == SIG_ERR)
        fuzz_fail("cannot reset SIGCHLD");
    zombie = fork();
    if (zombie < 0)
        fuzz_fail("fork failed");
    if (zombie == 0)
        _exit(0);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)zombie, &si, WEXITED | WNOWAIT) < 0 ||
        si.si_pid != zombie)
        fuzz_fail("the zombie child is not there");
    return 0;
}

/* Records mode: the records of [at, end) on a fresh SOCK_SEQPACKET
 * socket, drained as the coordinator drains the channel, then each worker
 * seen ending (as its pidfd would say). */
static void feed_records(struct procs *p, unsigned workers, const uint8_t *at,
                         const uint8_t *end) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        fuzz_fail("socketpair failed");
    while (end - at >= 2) {
        size_t len = (size_t)at[0] | (size_t)at[1] << 8;
        at += 2;
        if (len > (size_t)(end - at))
            len = (size_t)(end - at);
        /* A full socket ends the input (nothing reads it meanwhile). */
        if (send(sv[1], at, len, MSG_DONTWAIT) < 0)
            break;
        at += len;
    }
    close(sv[1]);
    p->channel = 1;
    p->shared_out = sv[0];
    for (unsigned i = 0; i < workers; i++) {
        p->c[i].pid = zombie;
        p->started++;
    }
    drain(p);
    if (p->shared_out >= 0)
        fuzz_fail("the channel is still read after its end-of-file");
    close(sv[0]);
    for (unsigned i = 0; i < workers; i++)
        end_drained(p, i, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 2)
        return 0;
    unsigned workers = (data[0] & 3u) + 1;
    enum pb_schedule sched =
        data[0] & 4u ? PB_SCHEDULE_DYNAMIC : PB_SCHEDULE_STATIC;
    int channel = (data[0] & 8u) != 0;
    int records = (data[0] & 16u) != 0;
    struct fz_state st;
    memset(&st, 0, sizeof st);
    st.tasks = (uint64_t)data[1] + 1;

    static struct host_instance hi;
    host_init(&hi, "fuzz");
    struct pb_job *job = job_new(&hi.host, &fz_ops, &st, workers, sched);
    if (!job)
        return 0;
    struct procs p;
    if (procs_init(&p, &hi.host, job, workers) < 0) {
        job_free(job);
        return 0;
    }
    const uint8_t *at = data + 2, *end = data + size;
    if (records) {
        feed_records(&p, workers, at, end);
        procs_free(&p);
        return fuzz_judge(job, &st, workers);
    }
    for (unsigned i = 0; i < workers; i++) {
        const uint8_t *part;
        size_t len;
        fuzz_next_part(&at, end, FUZZ_SEP, &part, &len);
        if (ftruncate(part_fd[i], 0) < 0 ||
            (len && pwrite(part_fd[i], part, len, 0) != (ssize_t)len) ||
            lseek(part_fd[i], 0, SEEK_SET) != 0)
            fuzz_fail("cannot fill the memfd");
        p.c[i].pid = zombie;
        p.c[i].out = dup(part_fd[i]);
        p.c[i].in = channel ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
        if (p.c[i].out < 0 || (channel && p.c[i].in < 0))
            fuzz_fail("out of descriptors");
        p.started++;
    }
    procs_serve(&p);
    for (unsigned i = 0; i < workers; i++)
        if (p.c[i].out >= 0)
            fuzz_fail("worker %u's output is still open after serving", i);
    procs_free(&p);
    return fuzz_judge(job, &st, workers);
}
