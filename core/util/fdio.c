/* fdio.c - see fdio.h.  libc and <parbench/plugin.h> only: no other part
 * of the core, since executor plugins compile this file in. */
#include "util/fdio.h"

#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include <parbench/worker.h>

#include "util/errors.h"

int fdio_read_full(int fd, void *buf, size_t len) {
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

int fdio_writev_full(int fd, struct iovec *iov, int n) {
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

int fdio_write_frame(int fd, uint32_t type, const void *a, size_t alen,
                     const void *b, size_t blen) {
    if (alen > PB_FRAME_MAX || blen > PB_FRAME_MAX - alen)
        return PB_EINVAL;
    struct pb_frame f = {type, (uint32_t)(alen + blen)};
    struct iovec iov[3] = {
        {&f, sizeof f}, {(void *)a, alen}, {(void *)b, blen}};
    return fdio_writev_full(fd, iov, 3);
}
