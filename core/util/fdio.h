/* fdio.h - whole reads and writes on pipes, retried on EINTR. */
#ifndef PARBENCH_FDIO_H
#define PARBENCH_FDIO_H

#include <stddef.h>

/* Read exactly len bytes.  Returns 1 when done, 0 at end of file before
 * the first byte, PB_EIO on an error or an end of file part-way. */
int fdio_read_full(int fd, void *buf, size_t len);
/* Write all len bytes.  Returns 0 or PB_EIO. */
int fdio_write_full(int fd, const void *buf, size_t len);

#endif /* PARBENCH_FDIO_H */
