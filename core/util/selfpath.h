/* SPDX-License-Identifier: MIT */
/*
 * selfpath.h - where the running program is: the directory of
 * /proc/self/exe, and the programs and files installed beside it
 * (parbench-worker, parbench-server, plugins/, ../share/...).
 */
#ifndef PARBENCH_SELFPATH_H
#define PARBENCH_SELFPATH_H

#include <stddef.h>

/* The directory of the running program (no trailing '/'; /proc/self/exe
 * holds no symbolic link) into buf.  Returns 0, or PB_EIO when it cannot
 * be read, PB_EINVAL when it does not fit in len bytes; buf is then "". */
int selfpath_dir(char *buf, size_t len);

/* "DIR/rel" where DIR is selfpath_dir(): a program or file beside this
 * one.  Same returns as selfpath_dir. */
int selfpath_beside(const char *rel, char *buf, size_t len);

/* A helper program of parbench (parbench-worker, parbench-server): beside
 * this program in a build tree, else in the installed helper directory
 * relative to it (BINDIR/../libexec/parbench, PB_REL_HELPER_DIR of
 * version.h), so that an installed tree works wherever its prefix is
 * moved.  Into buf: the path that exists, or the installed one when
 * neither does (the caller's exec error then names it).  Same returns as
 * selfpath_dir. */
int selfpath_helper(const char *name, char *buf, size_t len);

#endif /* PARBENCH_SELFPATH_H */
