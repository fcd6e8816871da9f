/* SPDX-License-Identifier: MIT */
/* fdio.c - see fdio.h.  libc and <parbench/plugin.h> only: no other part
 * of the core, since executor plugins compile this file in. */
#include "util/fdio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "util/errors.h"
#include "util/hot.h"

PB_HOT int fdio_read_full(int fd, void *buf, size_t len) {
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, p + got, len - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return PB_EIO;
        if (n == 0)
            return got ? PB_EIO : 0;
        got += (size_t)n;
    }
    return 1;
}

PB_HOT int fdio_writev_full(int fd, struct iovec *iov, int n) {
    while (n > 0 && iov->iov_len == 0) {
        iov++;
        n--;
    }
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return PB_EIO;
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

int fdio_write_full(int fd, const void *buf, size_t len) {
    struct iovec iov = {(void *)buf, len};
    return fdio_writev_full(fd, &iov, 1);
}

int fdio_records_writev(int fd, uint32_t tag, struct iovec *iov, int n) {
    if (tag == 0)
        return fdio_writev_full(fd, iov, n);
    /* Each record: the tag, then slices of iov up to FDIO_RECORD_MAX
     * bytes (at most 8 of them: a record may then be shorter). */
    while (n > 0) {
        struct iovec rec[9];
        int k = 1;
        size_t len = 0;
        rec[0].iov_base = &tag;
        rec[0].iov_len = sizeof tag;
        while (n > 0 && k < 9 && len < FDIO_RECORD_MAX) {
            size_t take = iov->iov_len;
            if (take > FDIO_RECORD_MAX - len)
                take = FDIO_RECORD_MAX - len;
            if (take) {
                rec[k].iov_base = iov->iov_base;
                rec[k].iov_len = take;
                k++;
                len += take;
            }
            iov->iov_base = (char *)iov->iov_base + take;
            iov->iov_len -= take;
            if (iov->iov_len == 0) {
                iov++;
                n--;
            }
        }
        if (len == 0)
            break;
        ssize_t w;
        do
            w = writev(fd, rec, k);
        while (w < 0 && errno == EINTR);
        /* A SOCK_SEQPACKET record is written whole or not at all. */
        if (w != (ssize_t)(sizeof tag + len))
            return PB_EIO;
    }
    return 0;
}

PB_HOT int fdio_write_frame_tagged(int fd, uint32_t tag, uint32_t type,
                                   const void *a, size_t alen, const void *b,
                                   size_t blen) {
    if (alen > PB_FRAME_MAX || blen > PB_FRAME_MAX - alen)
        return PB_EINVAL;
    struct pb_frame f = {type, (uint32_t)(alen + blen)};
    struct iovec iov[3] = {
        {&f, sizeof f}, {(void *)a, alen}, {(void *)b, blen}};
    return fdio_records_writev(fd, tag, iov, 3);
}

int fdio_write_frame(int fd, uint32_t type, const void *a, size_t alen,
                     const void *b, size_t blen) {
    return fdio_write_frame_tagged(fd, 0, type, a, alen, b, blen);
}

/* The batch's clock, read once per frame: CLOCK_MONOTONIC_COARSE, the
 * time of the last clock tick (1-10 ms apart, 4 ms here), which costs 6
 * ns a read where CLOCK_MONOTONIC costs 25 (vDSO, TSC).  A batch's
 * interval is a bound on delay, not a measurement. */
static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

PB_HOT void fdio_batch_init(struct fdio_batch *b, int fd, void *buf, size_t cap,
                            uint64_t interval_ns) {
    b->fd = fd;
    b->tag = 0;
    b->buf = buf;
    b->cap = cap;
    b->used = 0;
    b->interval_ns = interval_ns;
    b->written_ns = interval_ns ? mono_ns() : 0;
}

PB_HOT int fdio_batch_flush(struct fdio_batch *b) {
    if (b->used == 0)
        return 0;
    struct iovec iov = {b->buf, b->used};
    int rc = fdio_records_writev(b->fd, b->tag, &iov, 1);
    b->used = 0;
    if (b->interval_ns)
        b->written_ns = mono_ns();
    return rc;
}

/* Copies n bytes: up to 64 inline, a word at a time, longer ones with
 * memcpy.  A frame's message head is 48 bytes, and a forked worker
 * (fork, forkserver) runs on pages of code it faults in one at a time:
 * libc's memcpy was one more page for each worker whose results carry
 * no payload. */
static void copy_short(unsigned char *d, const unsigned char *s, size_t n) {
    if (n > 64) {
        memcpy(d, s, n);
        return;
    }
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, sizeof w);
        memcpy(d + i, &w, sizeof w);
    }
    for (; i < n; i++)
        d[i] = s[i];
}

PB_HOT int fdio_batch_frame(struct fdio_batch *b, uint32_t type, const void *a,
                            size_t alen, const void *bb, size_t blen) {
    if (alen > PB_FRAME_MAX || blen > PB_FRAME_MAX - alen)
        return PB_EINVAL;
    size_t whole = sizeof(struct pb_frame) + alen + blen;
    if (whole > b->cap - b->used && fdio_batch_flush(b) < 0)
        return PB_EIO;
    if (whole > b->cap)
        return fdio_write_frame_tagged(b->fd, b->tag, type, a, alen, bb, blen);
    struct pb_frame f = {type, (uint32_t)(alen + blen)};
    memcpy(b->buf + b->used, &f, sizeof f);
    if (alen)
        copy_short(b->buf + b->used + sizeof f, a, alen);
    if (blen)
        copy_short(b->buf + b->used + sizeof f + alen, bb, blen);
    b->used += whole;
    if (b->interval_ns == 0 || mono_ns() - b->written_ns >= b->interval_ns)
        return fdio_batch_flush(b);
    return 0;
}

int fdio_read_file(const char *path, char **text, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f)
        return -errno;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int e = 0;
    while (buf) {
        if (n + 1 >= cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                e = errno ? errno : EIO;
            break;
        }
    }
    fclose(f);
    if (!buf)
        return -ENOMEM;
    if (e) {
        free(buf);
        return -e;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}
