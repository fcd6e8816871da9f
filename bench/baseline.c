/* SPDX-License-Identifier: MIT */
/*
 * baseline.c - the raw cost of starting and ending W workers, with nothing
 * of parbench around it: pthread_create + pthread_join, fork + waitpid,
 * posix_spawn + waitpid of a minimal program (/bin/true), and a fork
 * server's round trip: a request to a small server process, which forks
 * the worker as a child of the caller (clone(CLONE_PARENT), as parbench's
 * forkserver does) and answers its pid, then waitpid.  parbench's own
 * overhead is judged against these numbers, measured in the same run.
 *
 * Usage: bench-baseline [WORKERS [REPETITIONS]]
 * Prints one line per mechanism: "NAME MEDIAN_SECONDS".
 */
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

/* The fork server: one byte asks for a worker, which is forked as a child
 * of the caller and exits at once; the answer is its pid.  End-of-file
 * ends the server. */
static int server_sock = -1;

static void start_server(void) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        exit(1);
    pid_t pid = fork();
    if (pid < 0)
        exit(1);
    if (pid == 0) {
        close(sv[0]);
        char b;
        while (read(sv[1], &b, 1) == 1) {
            int64_t c =
                syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, NULL, NULL, 0);
            if (c == 0)
                _exit(0);
            if (write(sv[1], &c, sizeof c) != sizeof c)
                _exit(1);
        }
        _exit(0);
    }
    close(sv[1]);
    server_sock = sv[0];
}

/* Requests run up to 16 ahead of their answers, as parbench's
 * forkserver sends them. */
static double run_forkserver(unsigned w) {
    pid_t p[256];
    unsigned sent = 0, got = 0;
    double t0 = now_s();
    while (got < w) {
        for (; sent < w && sent - got < 16; sent++)
            if (write(server_sock, "f", 1) != 1)
                exit(1);
        int64_t c;
        if (read(server_sock, &c, sizeof c) != sizeof c || c <= 0)
            exit(1);
        p[got++] = (pid_t)c;
    }
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
                 {"posix_spawn+waitpid", run_spawns},
                 {"forkserver+waitpid", run_forkserver}};
    /* Each mechanism in a process of its own, forked before any of them
     * ran: a process that has ever created a thread forks slower (here
     * 141 us for a fork+waitpid without, 169-207 us after one
     * pthread_create+join), and parbench's fork executor forks from a
     * cell process that never has. */
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        fflush(stdout);
        pid_t child = fork();
        if (child < 0)
            return 1;
        if (child == 0) {
            double *x = calloc(reps, sizeof *x);
            if (!x)
                _exit(1);
            if (kinds[k].fn == run_forkserver)
                start_server();
            kinds[k].fn(w); /* warm up */
            for (unsigned r = 0; r < reps; r++)
                x[r] = kinds[k].fn(w);
            qsort(x, reps, sizeof *x, cmp_double);
            printf("%s %.9f\n", kinds[k].name, x[reps / 2]);
            exit(0); /* flushes stdout; the server sees end-of-file */
        }
        int st = 0;
        if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
            WEXITSTATUS(st) != 0)
            return 1;
    }
    return 0;
}
