/* SPDX-License-Identifier: MIT */
/*
 * replay.c - main() of fuzz-replay-TARGET: runs the target's
 * LLVMFuzzerTestOneInput once on every file named on the command line, or
 * on every regular file of a directory named there (not recursively,
 * hidden files skipped), in name order.  This is how the seed corpus and
 * every kept finding (fuzz/regressions/TARGET) run in every build, without
 * libFuzzer.  Exit 0 when every input ran; a defect aborts the process (or
 * a sanitizer does), which fails the test.  A path that cannot be read is
 * exit 2.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz-replay: cannot open %s\n", path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t got; buf && (got = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            } else {
                buf = nb;
            }
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        fprintf(stderr, "fuzz-replay: cannot read %s\n", path);
        return -1;
    }
    /* A copy of exactly n bytes, so that a read past the input is caught
     * by the sanitizers as it would be under libFuzzer. */
    unsigned char *in = malloc(n ? n : 1);
    if (!in) {
        free(buf);
        return -1;
    }
    memcpy(in, buf, n);
    free(buf);
    fprintf(stderr, "fuzz-replay: %s (%zu bytes)\n", path, n);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int skip_dot(const struct dirent *e) { return e->d_name[0] != '.'; }

int main(int argc, char **argv) {
    LLVMFuzzerInitialize(&argc, &argv);
    int rc = 0;
    size_t ran = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "fuzz-replay: %s: no such file or directory\n",
                    argv[i]);
            rc = 2;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            rc = run_file(argv[i]) < 0 ? 2 : rc;
            ran++;
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(argv[i], &names, skip_dot, by_name);
        if (n < 0) {
            fprintf(stderr, "fuzz-replay: cannot list %s\n", argv[i]);
            rc = 2;
            continue;
        }
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], names[k]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                rc = run_file(path) < 0 ? 2 : rc;
                ran++;
            }
            free(names[k]);
        }
        free(names);
    }
    fprintf(stderr, "fuzz-replay: %zu input%s\n", ran, ran == 1 ? "" : "s");
    return rc;
}
