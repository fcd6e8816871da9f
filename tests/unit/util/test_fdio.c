/* SPDX-License-Identifier: MIT */
/*
 * test_fdio.c - whole reads and writes, and the worker protocol's frames:
 * a frame is written whole (header, then both parts), and a frame longer
 * than PB_FRAME_MAX is refused before anything is written, by the one
 * writer that parbench-worker and the process executors share; fork's
 * records carry a writer's tag on every piece of its stream.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "util/errors.h"
#include "util/fdio.h"

/* Reads the whole of a pipe in a thread, so that writers may write more
 * than the pipe holds. */
struct drain {
    int fd;
    unsigned char *buf;
    size_t cap, used;
};

static void *drain_main(void *p) {
    struct drain *d = p;
    ssize_t n;
    while (d->used < d->cap &&
           (n = read(d->fd, d->buf + d->used, d->cap - d->used)) > 0)
        d->used += (size_t)n;
    return NULL;
}

static void test_read_full(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    char buf[8];
    assert_int_equal(write(p[1], "abcdefgh", 8), 8);
    assert_int_equal(fdio_read_full(p[0], buf, 8), 1);
    assert_memory_equal(buf, "abcdefgh", 8);
    assert_int_equal(write(p[1], "abc", 3), 3);
    close(p[1]);
    /* End of file part-way is an error; before the first byte, 0. */
    assert_int_equal(fdio_read_full(p[0], buf, 8), PB_EIO);
    assert_int_equal(fdio_read_full(p[0], buf, 8), 0);
    close(p[0]);
}

/* More than a pipe holds, in parts of which some are empty: every byte
 * arrives, in order. */
static void test_writev_full(void **state) {
    (void)state;
    enum { BIG = 1 << 20 };
    unsigned char *a = malloc(BIG), *b = malloc(BIG);
    assert_non_null(a);
    assert_non_null(b);
    for (size_t i = 0; i < BIG; i++) {
        a[i] = (unsigned char)i;
        b[i] = (unsigned char)(i * 7 + 3);
    }
    int p[2];
    assert_int_equal(pipe(p), 0);
    struct drain d = {p[0], malloc(2 * BIG + 3), 2 * BIG + 3, 0};
    assert_non_null(d.buf);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, drain_main, &d), 0);
    struct iovec iov[5] = {
        {NULL, 0}, {a, BIG}, {NULL, 0}, {(void *)"xyz", 3}, {b, BIG}};
    assert_int_equal(fdio_writev_full(p[1], iov, 5), 0);
    close(p[1]);
    pthread_join(t, NULL);
    assert_int_equal(d.used, 2 * BIG + 3);
    assert_memory_equal(d.buf, a, BIG);
    assert_memory_equal(d.buf + BIG, "xyz", 3);
    assert_memory_equal(d.buf + BIG + 3, b, BIG);
    close(p[0]);
    free(d.buf);
    free(a);
    free(b);
}

static void test_write_frame(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    assert_int_equal(fdio_write_frame(p[1], PB_FRAME_MSG, "head", 4, "body", 4),
                     0);
    assert_int_equal(fdio_write_frame(p[1], PB_FRAME_DONE, NULL, 0, NULL, 0),
                     0);
    struct pb_frame f;
    char bytes[8];
    assert_int_equal(fdio_read_full(p[0], &f, sizeof f), 1);
    assert_int_equal(f.type, PB_FRAME_MSG);
    assert_int_equal(f.len, 8);
    assert_int_equal(fdio_read_full(p[0], bytes, 8), 1);
    assert_memory_equal(bytes, "headbody", 8);
    assert_int_equal(fdio_read_full(p[0], &f, sizeof f), 1);
    assert_int_equal(f.type, PB_FRAME_DONE);
    assert_int_equal(f.len, 0);
    close(p[0]);
    close(p[1]);
}

/*
 * The batch writer holds small frames until the batch would overflow or
 * is flushed (nothing reaches the pipe before), writes a frame larger
 * than its buffer on its own after the queued ones, keeps their order,
 * and refuses a frame over PB_FRAME_MAX without queueing it.  The
 * interval is an hour so that no write happens because of the clock.
 */
static void test_batch(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    unsigned char buf[64], big[100], got[256];
    memset(big, 'B', sizeof big);
    struct fdio_batch b;
    fdio_batch_init(&b, p[1], buf, sizeof buf, 3600000000000u);
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_MSG, "ab", 2, "c", 1), 0);
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_DONE, NULL, 0, NULL, 0), 0);
    /* Queued, not written: one system call will carry both. */
    assert_int_equal(read(p[0], got, sizeof got), -1);
    assert_int_equal(
        fdio_batch_frame(&b, PB_FRAME_MSG, big, PB_FRAME_MAX, big, 1),
        PB_EINVAL);
    assert_int_equal(b.used, 2 * sizeof(struct pb_frame) + 3);
    /* Larger than the buffer: the batch first, then this frame. */
    assert_int_equal(
        fdio_batch_frame(&b, PB_FRAME_MSG, big, sizeof big, NULL, 0), 0);
    assert_int_equal(b.used, 0);
    ssize_t n = read(p[0], got, sizeof got);
    assert_int_equal(n, 3 * sizeof(struct pb_frame) + 3 + sizeof big);
    struct pb_frame f;
    memcpy(&f, got, sizeof f);
    assert_int_equal(f.type, PB_FRAME_MSG);
    assert_int_equal(f.len, 3);
    assert_memory_equal(got + sizeof f, "abc", 3);
    memcpy(&f, got + sizeof f + 3, sizeof f);
    assert_int_equal(f.type, PB_FRAME_DONE);
    memcpy(&f, got + 2 * sizeof f + 3, sizeof f);
    assert_int_equal(f.len, sizeof big);
    assert_memory_equal(got + 3 * sizeof f + 3, big, sizeof big);
    /* A frame that fills the rest of the buffer stays queued until the
     * flush. */
    assert_int_equal(
        fdio_batch_frame(&b, PB_FRAME_MSG, big, sizeof buf - sizeof f, NULL, 0),
        0);
    assert_int_equal(read(p[0], got, sizeof got), -1);
    assert_int_equal(fdio_batch_flush(&b), 0);
    assert_int_equal(read(p[0], got, sizeof got), (ssize_t)sizeof buf);
    assert_int_equal(fdio_batch_flush(&b), 0);
    close(p[0]);
    close(p[1]);
}

/* A batch holds each frame's two parts as they were, whatever their
 * lengths: short parts are copied a word at a time and then bytewise,
 * longer ones with memcpy (every length around the words and the 64
 * bytes where the two ways meet). */
static void test_batch_copies_every_length(void **state) {
    (void)state;
    unsigned char a[80], c[80], buf[256];
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] = (unsigned char)(i + 1);
        c[i] = (unsigned char)(200 - i);
    }
    for (size_t alen = 0; alen <= sizeof a; alen++)
        for (size_t clen = 0; clen <= sizeof c; clen += 7) {
            struct fdio_batch b;
            memset(buf, 0xEE, sizeof buf);
            fdio_batch_init(&b, -1, buf, sizeof buf, 3600000000000u);
            assert_int_equal(
                fdio_batch_frame(&b, PB_FRAME_MSG, a, alen, c, clen), 0);
            assert_int_equal(b.used, sizeof(struct pb_frame) + alen + clen);
            struct pb_frame f;
            memcpy(&f, buf, sizeof f);
            assert_int_equal(f.len, alen + clen);
            assert_memory_equal(buf + sizeof f, a, alen);
            assert_memory_equal(buf + sizeof f + alen, c, clen);
            /* Not a byte past them. */
            assert_int_equal(buf[b.used], 0xEE);
        }
}

/*
 * A frame queued longer than the interval after the last write goes out
 * at once with the ones before it, even if the batch has room: that bound
 * is what keeps a slow task's result from waiting in a worker.  The clock
 * is a coarse one (a tick is at most 10 ms), so the test waits 30 ms past
 * a 1 ms interval: a bound, not a timing.
 */
static void test_batch_interval(void **state) {
    (void)state;
    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    unsigned char buf[256], got[256];
    struct fdio_batch b;
    fdio_batch_init(&b, p[1], buf, sizeof buf, 1000000u);
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_MSG, "a", 1, NULL, 0), 0);
    struct timespec nap = {0, 30000000};
    while (nanosleep(&nap, &nap) < 0)
        ;
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_MSG, "b", 1, NULL, 0), 0);
    assert_int_equal(b.used, 0);
    ssize_t n = 0, r;
    while ((r = read(p[0], got + n, sizeof got - (size_t)n)) > 0)
        n += r;
    assert_int_equal(n, 2 * (sizeof(struct pb_frame) + 1));
    assert_int_equal(got[sizeof(struct pb_frame)], 'a');
    assert_int_equal(got[2 * sizeof(struct pb_frame) + 1], 'b');
    close(p[0]);
    close(p[1]);
}

/*
 * A frame one byte over PB_FRAME_MAX is refused, and nothing is written:
 * the coordinator would take it for a broken protocol.  The lengths are
 * larger than the buffers on purpose: a refused frame is never read.  It
 * goes to /dev/null, which takes any length without reading the bytes, so
 * a writer with a larger limit would "succeed" here and fail the test.
 */
static void test_frame_over_the_cap_is_refused(void **state) {
    (void)state;
    static const char small[16];
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(fdio_write_frame(fd, PB_FRAME_MSG, small, sizeof small,
                                      small, PB_FRAME_MAX - sizeof small + 1),
                     PB_EINVAL);
    assert_int_equal(fdio_write_frame(fd, PB_FRAME_MSG, small,
                                      (size_t)PB_FRAME_MAX + 1, NULL, 0),
                     PB_EINVAL);
    /* Lengths whose sum wraps around are refused too. */
    assert_int_equal(
        fdio_write_frame(fd, PB_FRAME_MSG, small, 8, small, SIZE_MAX - 3),
        PB_EINVAL);
    close(fd);

    int p[2];
    assert_int_equal(pipe2(p, O_NONBLOCK), 0);
    assert_int_equal(fdio_write_frame(p[1], PB_FRAME_MSG, small, sizeof small,
                                      small, PB_FRAME_MAX),
                     PB_EINVAL);
    char c;
    assert_int_equal(read(p[0], &c, 1), -1); /* empty: nothing was written */
    close(p[0]);
    close(p[1]);
}

/*
 * Records (fork's shared channel): a frame of 80 000 bytes from a batch
 * tagged 7 arrives on a SOCK_SEQPACKET socket as records of at most
 * FDIO_RECORD_MAX bytes after the tag, each starting with the tag, whose
 * bytes put together are the frame; a batch of small frames is one
 * record.  A writer that sent one record of everything would fail the
 * size check; one that forgot the tag on a later record, the tag check.
 */
static void test_records(void **state) {
    (void)state;
    int sv[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
    int big = 1 << 20;
    assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big),
                     0);
    static unsigned char body[80000], got[90000], rec[2 * 32768];
    for (size_t i = 0; i < sizeof body; i++)
        body[i] = (unsigned char)(i * 13 + 5);
    unsigned char bbuf[256];
    struct fdio_batch b;
    fdio_batch_init(&b, sv[1], bbuf, sizeof bbuf, 0);
    b.tag = 7;
    /* Larger than the batch: written on its own, as records. */
    assert_int_equal(
        fdio_batch_frame(&b, PB_FRAME_MSG, body, 100, body + 100, 79900), 0);
    size_t used = 0;
    int records = 0;
    for (;;) {
        ssize_t n = recv(sv[0], rec, sizeof rec, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0)
            break;
        assert_true(n > 4 && (size_t)n <= 4 + FDIO_RECORD_MAX);
        uint32_t tag;
        memcpy(&tag, rec, sizeof tag);
        assert_int_equal(tag, 7);
        assert_true(used + (size_t)n - 4 <= sizeof got);
        memcpy(got + used, rec + 4, (size_t)n - 4);
        used += (size_t)n - 4;
        records++;
    }
    assert_int_equal(used, sizeof(struct pb_frame) + sizeof body);
    assert_int_equal(records, 3);
    struct pb_frame f;
    memcpy(&f, got, sizeof f);
    assert_int_equal(f.type, PB_FRAME_MSG);
    assert_int_equal(f.len, sizeof body);
    assert_memory_equal(got + sizeof f, body, sizeof body);

    /* Small frames: one record at the flush. */
    fdio_batch_init(&b, sv[1], bbuf, sizeof bbuf, 1000000000u);
    b.tag = 2;
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_MSG, "ab", 2, NULL, 0), 0);
    assert_int_equal(fdio_batch_frame(&b, PB_FRAME_DONE, NULL, 0, NULL, 0), 0);
    assert_int_equal(fdio_batch_flush(&b), 0);
    ssize_t n = recv(sv[0], rec, sizeof rec, MSG_DONTWAIT);
    assert_int_equal(n, 4 + 2 * sizeof(struct pb_frame) + 2);
    assert_int_equal(rec[0], 2);
    assert_int_equal(recv(sv[0], rec, sizeof rec, MSG_DONTWAIT), -1);
    close(sv[0]);
    close(sv[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_full),
        cmocka_unit_test(test_writev_full),
        cmocka_unit_test(test_write_frame),
        cmocka_unit_test(test_batch),
        cmocka_unit_test(test_batch_copies_every_length),
        cmocka_unit_test(test_batch_interval),
        cmocka_unit_test(test_frame_over_the_cap_is_refused),
        cmocka_unit_test(test_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
