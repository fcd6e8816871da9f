/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every fuzz target (fuzz/fuzz_TARGET.c) defines and shares.
 *
 * A target is one function, LLVMFuzzerTestOneInput, linked either with
 * libFuzzer (the PB_FUZZ=ON build: fuzz-TARGET) or with replay.c (every
 * build: fuzz-replay-TARGET, which feeds it the files of
 * fuzz/corpus/TARGET and fuzz/regressions/TARGET under CTest).  A target
 * returns 0 for every input; a defect is a sanitizer report, a crash, or
 * an abort() from fuzz_fail() when one of its oracles does not hold.
 */
#ifndef PARBENCH_FUZZ_H
#define PARBENCH_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* libFuzzer's entry points.  Every target defines both. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* PB_FUZZ_VERBOSE set: targets say why the code under test refused an
 * input (to check that seeds get as far as they should). */
static int fuzz_verbose __attribute__((unused));

#define fuzz_note(...)                                                         \
    do {                                                                       \
        if (fuzz_verbose) {                                                    \
            fprintf(stderr, __VA_ARGS__);                                      \
            fputc('\n', stderr);                                               \
        }                                                                      \
    } while (0)

/* An oracle failed: say which, then abort (libFuzzer keeps the input). */
#define fuzz_fail(...)                                                         \
    do {                                                                       \
        fprintf(stderr, "fuzz oracle failed (%s:%d): ", __FILE__, __LINE__);   \
        fprintf(stderr, __VA_ARGS__);                                          \
        fputc('\n', stderr);                                                   \
        abort();                                                               \
    } while (0)

/*
 * Code under test that reads a file by name gets the input through one
 * memfd per process: fuzz_as_file() replaces its contents with data and
 * returns "/proc/self/fd/N" (static storage), or aborts when the memfd
 * cannot be made.  No file system is touched.
 */
static inline const char *fuzz_as_file(const void *data, size_t size) {
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("parbench-fuzz", 0);
        if (fd < 0)
            fuzz_fail("memfd_create failed");
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) < 0 ||
        (size && pwrite(fd, data, size, 0) != (ssize_t)size))
        fuzz_fail("cannot write the input to the memfd");
    return path;
}

/* The next part of [*p, end): up to the 4-byte separator `sep`, or to
 * the end when there is none; *p moves past the part and its separator. */
static inline void fuzz_next_part(const uint8_t **p, const uint8_t *end,
                                  const char *sep, const uint8_t **part,
                                  size_t *len) {
    *part = *p;
    const uint8_t *at = memmem(*p, (size_t)(end - *p), sep, 4);
    *len = (size_t)((at ? at : end) - *p);
    *p = at ? at + 4 : end;
}

#endif /* PARBENCH_FUZZ_H */
