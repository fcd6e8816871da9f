/* SPDX-License-Identifier: MIT */
/*
 * mpiwire.h - the records between the `mpi` executor (in the cell process,
 * plugins/executors/mpi.c) and the root rank of parbench-mpi-worker
 * (cli/mpi_worker.c).  Header only: the plugin includes it as it includes
 * fdio.h, and neither side links the other.  docs/mpi.md tells the story.
 *
 * The executor starts `mpirun -np W+1 parbench-mpi-worker`: rank 0 is the
 * root, which hands out tasks and gathers results through MPI; ranks 1..W
 * are workers 0..W-1.  mpirun forwards its standard input to rank 0 and the
 * ranks' standard output to its own, so the root talks to the cell process
 * through mpirun's standard streams, wherever it runs:
 *
 *   cell -> root (mpirun's stdin): struct mpiwire_start, then start.spec_len
 *       bytes of workload spec (host->job_spec); then one struct mpiwire_go
 *       per repetition.  End-of-file: the ranks finish and exit.
 *   root -> cell (mpirun's stdout, or the frames' pipe of the start
 *       record when the root runs under the cell process): frames (struct
 *       pb_frame, then len bytes), the MPIWIRE_* types below.  Every other
 *       rank's standard output is its standard error, so nothing else
 *       reaches these streams.
 *
 * Integers are in the byte order of the cell's host; the root rank must run
 * on a host of the same byte order (every rank of one Open MPI job does,
 * in practice; heterogeneous jobs are not supported).
 */
#ifndef PARBENCH_MPIWIRE_H
#define PARBENCH_MPIWIRE_H

#include <limits.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <parbench/worker.h>

/* "PBMS": v4, the task page's bell */
#define MPIWIRE_MAGIC 0x50424d53u

/* The task page of W workers: W uint64_t entries, worker w's current task
 * at index w, then the bell: a 32-bit count the cell process adds 1 to,
 * waking whoever sleeps on it (a futex), each time it sends the root a
 * repetition record and when it ends the root's input.  A worker with the
 * page sleeps on the bell between repetitions rather than probing MPI for
 * the next record: an idle cell's ranks probed 4 000 times a second each,
 * and took that CPU from the cell being measured (docs/mpi.md). */
#define MPIWIRE_PAGE_BYTES(workers) (((size_t)(workers) + 1) * sizeof(uint64_t))

/* The bell of the task page `page` of `workers` workers. */
static inline _Atomic uint32_t *mpiwire_bell(void *page, uint32_t workers) {
    return (_Atomic uint32_t *)(void *)((unsigned char *)page +
                                        (size_t)workers * sizeof(uint64_t));
}

/* Counts one more ring and wakes every sleeper. */
static inline void mpiwire_ring(_Atomic uint32_t *bell) {
    atomic_fetch_add_explicit(bell, 1, memory_order_release);
    (void)syscall(SYS_futex, (void *)bell, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Sleeps while the bell still counts `seen`, at most `ns` nanoseconds
 * (less on a ring, a signal or a spurious wakeup). */
static inline void mpiwire_bell_sleep(_Atomic uint32_t *bell, uint32_t seen,
                                      long ns) {
    struct timespec ts = {ns / 1000000000L, ns % 1000000000L};
    (void)syscall(SYS_futex, (void *)bell, FUTEX_WAIT, seen, &ts, NULL, 0);
}

enum mpiwire_lifetime { MPIWIRE_PER_REPETITION = 0, MPIWIRE_PER_CELL = 1 };

/* Once per launch, on the root's standard input. */
struct mpiwire_start {
    uint32_t magic;    /* MPIWIRE_MAGIC                                 */
    uint32_t workers;  /* W: the job has W + 1 ranks                    */
    uint32_t schedule; /* enum pb_schedule                              */
    uint32_t lifetime; /* enum mpiwire_lifetime                         */
    uint64_t tasks;    /* the workload's task count, checked by workers */
    uint64_t spec_len; /* bytes of spec that follow                     */
    int64_t cell_pid;  /* the cell process, for mpiwire_usage.local     */
    char boot_id[40];  /* the cell host's /proc/sys/kernel/random/boot_id */
    /* The task page: W uint64_t, worker w's current task at index w
     * (PB_NO_TASK between tasks), then the bell (MPIWIRE_PAGE_BYTES in
     * all), a memory file the cell process holds
     * open as descriptor page_fd (-1: none, [executor.mpi] task_page =
     * false).  A worker that descends from the cell process opens it as
     * /proc/CELL_PID/fd/PAGE_FD, and maps it when its device and inode
     * are these (not another process's file of that number). */
    int32_t page_fd;
    /* The frames' own pipe: its write end, which the cell process holds
     * open as descriptor pipe_fd (-1: none).  A root that descends from
     * the cell process opens /proc/CELL_PID/fd/PIPE_FD and, when its
     * device and inode are these, writes its frames there rather than to
     * its standard output, which mpirun relays through a pseudo-terminal.
     * Either way every frame of a launch takes one of the two. */
    int32_t pipe_fd;
    uint64_t page_dev, page_ino;
    uint64_t pipe_dev, pipe_ino;
};

/* Once per repetition: start one. */
struct mpiwire_go {
    uint32_t magic;
    uint32_t repetition; /* counts from 1 within the launch            */
    uint64_t cell_ns;    /* the cell's CLOCK_MONOTONIC when it sent this:
                            ranks on other hosts (another boot_id) set
                            their clock offset from it (startup_s)     */
    uint32_t memory;     /* 1: every rank reads its smaps_rollup after its
                            work and waits for the release, so that all
                            are read while all live; 0 ([run] memory =
                            off): neither                              */
    uint32_t reserved;   /* 0 */
};

/* Frame types, root -> cell. */
/* A core message of worker `worker`: uint32_t worker, then the message
 * (to host->job_deliver()). */
#define MPIWIRE_MSG 1u
/* struct mpiwire_task: the task a worker without the task page took
 * (dynamic schedule). */
#define MPIWIRE_TASK 2u
/* struct mpiwire_usage: what one rank measured of itself. */
#define MPIWIRE_USAGE 3u
/* struct mpiwire_host: one per rank, after the launch. */
#define MPIWIRE_HOST 4u
/* struct mpiwire_done: the repetition is over; every rank was released. */
#define MPIWIRE_DONE 5u

struct mpiwire_task {
    uint32_t worker, pad;
    uint64_t task;
};

struct mpiwire_usage {
    uint32_t rank;
    /* The rank descends from the cell process: under lifetime
     * "repetition" its CPU time reaches the cell through RUSAGE_CHILDREN
     * when mpirun is reaped. */
    uint32_t local;
    /* CPU time, context switches and faults over the repetition (per
     * repetition: over the rank's life); its peak RSS, Pss and USS. */
    struct pb_worker_usage use;
    /* Bytes a worker moved one-sided over the repetition: the indices it
     * fetched from the counter window. */
    uint64_t rma_bytes;
};

struct mpiwire_host {
    uint32_t rank;
    uint32_t cores;  /* online CPUs of the host                     */
    uint32_t mapped; /* a worker that maps the task page: it sends its
                        results in batches and no MPIWIRE_TASK       */
    uint32_t reserved;
    int64_t pid;
    char name[64]; /* MPI_Get_processor_name                       */
    char cpu[128]; /* CPU model of the host                        */
};

struct mpiwire_done {
    uint64_t mpi_bytes; /* bytes of MPI messages other than results:
                           GO, claims, task indices, usage, release,
                           the length before each result; and the
                           indices the workers fetched one-sided      */
};

/* MPI tags between the root and the workers. */
enum mpiwire_tag {
    MPIWIRE_TAG_GO = 1,  /* root -> worker: struct mpiwire_go,
                            repetition 0 = quit                        */
    MPIWIRE_TAG_CLAIM,   /* worker -> root: empty                   */
    MPIWIRE_TAG_TASK,    /* root -> worker: uint64_t or PB_NO_TASK  */
    MPIWIRE_TAG_MSG,     /* worker -> root: core messages, each a
                            uint32_t length and then the message     */
    MPIWIRE_TAG_DONE,    /* worker -> root: struct mpiwire_usage    */
    MPIWIRE_TAG_RELEASE, /* root -> worker: empty                   */
    MPIWIRE_TAG_CLAIMED  /* worker -> root: uint64_t, the task it took
                            from the counter window (one-sided claims),
                            from a worker without the task page        */
};

#endif /* PARBENCH_MPIWIRE_H */
