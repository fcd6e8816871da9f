/* SPDX-License-Identifier: MIT */
/*
 * baseline.c - the raw cost of starting and ending W workers, with nothing
 * of parbench around it: pthread_create + pthread_join, fork + waitpid, and
 * posix_spawn + waitpid of a minimal program (/bin/true).  parbench's own
 * overhead is judged against these numbers, measured in the same run.
 *
 * Usage: bench-baseline [WORKERS [REPETITIONS]]
 * Prints one line per mechanism: "NAME MEDIAN_SECONDS".
 */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void *empty_thread(void *arg) { return arg; }

static double run_threads(unsigned w) {
    pthread_t t[256];
    double t0 = now_s();
    for (unsigned i = 0; i < w; i++)
        if (pthread_create(&t[i], NULL, empty_thread, NULL) != 0)
            exit(1);
    for (unsigned i = 0; i < w; i++)
        pthread_join(t[i], NULL);
    return now_s() - t0;
}

static double run_forks(unsigned w) {
    pid_t p[256];
    double t0 = now_s();
    for (unsigned i = 0; i < w; i++) {
        p[i] = fork();
        if (p[i] == 0)
            _exit(0);
        if (p[i] < 0)
            exit(1);
    }
    for (unsigned i = 0; i < w; i++)
        waitpid(p[i], NULL, 0);
    return now_s() - t0;
}

static double run_spawns(unsigned w) {
    pid_t p[256];
    char *argv[] = {(char *)"true", NULL};
    double t0 = now_s();
    for (unsigned i = 0; i < w; i++)
        if (posix_spawn(&p[i], "/bin/true", NULL, NULL, argv, environ) != 0)
            exit(1);
    for (unsigned i = 0; i < w; i++)
        waitpid(p[i], NULL, 0);
    return now_s() - t0;
}

int main(int argc, char **argv) {
    unsigned w = argc > 1 ? (unsigned)atoi(argv[1]) : 8;
    unsigned reps = argc > 2 ? (unsigned)atoi(argv[2]) : 201;
    if (w < 1 || w > 256 || reps < 1) {
        fprintf(stderr,
                "usage: bench-baseline [WORKERS 1-256 [REPETITIONS]]\n");
        return 2;
    }
    static const struct {
        const char *name;
        double (*fn)(unsigned);
    } kinds[] = {{"pthread_create+join", run_threads},
                 {"fork+waitpid", run_forks},
                 {"posix_spawn+waitpid", run_spawns}};
    double *x = calloc(reps, sizeof *x);
    if (!x)
        return 1;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        kinds[k].fn(w); /* warm up */
        for (unsigned r = 0; r < reps; r++)
            x[r] = kinds[k].fn(w);
        qsort(x, reps, sizeof *x, cmp_double);
        printf("%s %.9f\n", kinds[k].name, x[reps / 2]);
    }
    free(x);
    return 0;
}
