/* SPDX-License-Identifier: MIT */
/*
 * fdio.h - whole reads and writes on pipes, retried on EINTR, a whole
 * file read into memory, and the
 * frames of the worker protocol (<parbench/worker.h>).  Depends on libc
 * and the public header only, so that the process executor plugins compile
 * it in (plugins/CMakeLists.txt) as well as the core.
 */
#ifndef PARBENCH_FDIO_H
#define PARBENCH_FDIO_H

#include <stddef.h>
#include <stdint.h>

struct iovec;

/* Read exactly len bytes.  Returns 1 when done, 0 at end of file before
 * the first byte, PB_EIO on an error or an end of file part-way. */
int fdio_read_full(int fd, void *buf, size_t len);
/* The whole file at `path`, NUL-terminated, in a malloc'd *text of *len
 * bytes (the NUL not counted).  Returns 0, or -errno (-ENOMEM). */
int fdio_read_file(const char *path, char **text, size_t *len);
/* Write all len bytes.  Returns 0 or PB_EIO. */
int fdio_write_full(int fd, const void *buf, size_t len);
/* Write every byte of iov[0 .. n-1] (entries may be empty), resuming after
 * partial writes and EINTR.  The array is borrowed and used as scratch:
 * its entries are changed.  Returns 0 or PB_EIO.  Async-signal-safe
 * (writev only): a forked child may call it. */
int fdio_writev_full(int fd, struct iovec *iov, int n);
/* Write one frame: a struct pb_frame of `type`, then alen bytes of a and
 * blen bytes of b (either may be empty, then it may be NULL).  Returns 0,
 * PB_EINVAL without writing anything when alen + blen > PB_FRAME_MAX, or
 * PB_EIO.  The bytes are borrowed for the call.  Async-signal-safe. */
int fdio_write_frame(int fd, uint32_t type, const void *a, size_t alen,
                     const void *b, size_t blen);

/*
 * Records: many writers on one SOCK_SEQPACKET socket, each record tagged
 * with its writer.  fdio_records_writev writes iov[0 .. n-1] as records of
 * a 4-byte `tag` (host order) followed by at most FDIO_RECORD_MAX bytes of
 * the data, so that a reader rebuilds each writer's byte stream from the
 * records that carry its tag (one writer's records keep their order).  A
 * record is one writev: whole, never mixed with another writer's.
 * Returns 0 or PB_EIO.  Async-signal-safe (writev only).  `tag` 0 means
 * no records: fdio_writev_full.
 */
#define FDIO_RECORD_MAX 32768u
int fdio_records_writev(int fd, uint32_t tag, struct iovec *iov, int n);
/* fdio_write_frame, as records of `tag` (fdio_records_writev). */
int fdio_write_frame_tagged(int fd, uint32_t tag, uint32_t type, const void *a,
                            size_t alen, const void *b, size_t blen);

/*
 * A frame writer that streams frames in batches, so that a worker sends
 * many small results with one write: each frame is appended to `buf`; the
 * batch is written when the next frame would not fit, when a frame is
 * added `interval_ns` or more after the last write (so a result waits at
 * most that long plus a clock tick plus the task after it: the interval
 * is measured with CLOCK_MONOTONIC_COARSE, a quarter of the cost of
 * CLOCK_MONOTONIC on a per-frame path; a task that takes longer than the
 * interval plus a tick has its result written at once), and by
 * fdio_batch_flush.
 * A frame larger than `cap` is written on its own, after the batch.
 * Nothing here allocates: async-signal-safe (memcpy, clock_gettime,
 * writev), so a forked child may use it with a static buffer.
 */
struct fdio_batch {
    int fd;
    uint32_t tag;       /* records of this tag (fdio_records_writev); 0 (as
                           fdio_batch_init sets it): plain writes            */
    unsigned char *buf; /* borrowed, cap bytes                    */
    size_t cap, used;
    uint64_t interval_ns; /* 0: write every frame at once          */
    uint64_t written_ns;  /* CLOCK_MONOTONIC of the last write     */
};

void fdio_batch_init(struct fdio_batch *b, int fd, void *buf, size_t cap,
                     uint64_t interval_ns);
/* Queue one frame (as fdio_write_frame).  Returns 0, PB_EINVAL without
 * queueing anything when alen + blen > PB_FRAME_MAX, or PB_EIO when a
 * write failed (frames queued before may be lost with it). */
int fdio_batch_frame(struct fdio_batch *b, uint32_t type, const void *a,
                     size_t alen, const void *bb, size_t blen);
/* Write every queued frame.  Returns 0 or PB_EIO. */
int fdio_batch_flush(struct fdio_batch *b);

#endif /* PARBENCH_FDIO_H */
