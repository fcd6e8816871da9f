/* SPDX-License-Identifier: MIT */
/* errors.h - the core's return codes and exit statuses, in one table. */
#ifndef PARBENCH_ERRORS_H
#define PARBENCH_ERRORS_H

/* X(name, value, text) - always add new codes last. */
#define PB_ERRNO_MAP(X)                                                        \
    X(PB_OK, 0, "success")                                                     \
    X(PB_EINVAL, -1, "invalid value")                                          \
    X(PB_ENOMEM, -2, "out of memory")                                          \
    X(PB_EIO, -3, "input/output error")                                        \
    X(PB_ENOENT, -4, "not found")                                              \
    X(PB_EPLUGIN, -5, "bad plugin")                                            \
    X(PB_ECONFIG, -6, "configuration error")                                   \
    X(PB_ETASK, -7, "task failed")                                             \
    X(PB_ECRASH, -8, "worker crashed")                                         \
    X(PB_ETIMEOUT, -9, "timed out")                                            \
    X(PB_EINTR, -10, "interrupted")                                            \
    X(PB_EEXIST, -11, "already exists")

enum pb_error {
#define PB_ERR_ENUM(name, value, text) name = (value),
    PB_ERRNO_MAP(PB_ERR_ENUM)
#undef PB_ERR_ENUM
};

/* Text of a code ("invalid value"); "unknown error" for others. */
const char *pb_strerror(int code);

/* Exit statuses of docs/design.md. */
enum pb_exit {
    PB_EXIT_OK = 0,      /* every row ok                              */
    PB_EXIT_NOT_OK = 1,  /* some rows not ok; all rows still written;
                            list: a plugin file is broken             */
    PB_EXIT_USAGE = 2,   /* usage or config error: nothing run        */
    PB_EXIT_INTERNAL = 3 /* internal error                            */
};

#endif /* PARBENCH_ERRORS_H */
