/* fdio.c - whole reads and writes on pipes, retried on EINTR. */
#include "util/fdio.h"

#include <errno.h>
#include <unistd.h>

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

int fdio_write_full(int fd, const void *buf, size_t len) {
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return PB_EIO;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}
