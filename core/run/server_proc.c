/* SPDX-License-Identifier: MIT */
/*
 * server_proc.c - start, substitute and stop the built-in server for the
 * runner (contract in server_proc.h).
 */
#include "run/server_proc.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/clock.h"
#include "util/errors.h"
#include "util/selfpath.h"

/* How long the server may take to bind and say so, and to stop. */
#define SERVER_PROC_READY_MS 10000
#define SERVER_PROC_STOP_MS 5000

void server_proc_init(struct server_proc *sp) {
    memset(sp, 0, sizeof *sp);
    sp->pidfd = -1;
}

/* Reads "PORT\n" from fd within SERVER_PROC_READY_MS.  Returns the port,
 * 0 at EOF (the server ended), -1 on a timeout or a malformed line. */
static long read_port(int fd) {
    char buf[16];
    size_t got = 0;
    uint64_t deadline = clock_mono_ns() + SERVER_PROC_READY_MS * 1000000ull;
    while (got < sizeof buf - 1) {
        uint64_t now = clock_mono_ns();
        if (now >= deadline)
            return -1;
        struct pollfd pfd = {fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        ssize_t n = read(fd, buf + got, sizeof buf - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
        if (memchr(buf, '\n', got))
            break;
    }
    if (got == 0)
        return 0;
    buf[got] = '\0';
    char *end = NULL;
    long port = strtol(buf, &end, 10);
    return end != buf && *end == '\n' && port > 0 && port <= 65535 ? port : -1;
}

/* Forks and execs parbench-server (what `parbench serve` runs); returns 0 with
 * sp->pid and sp->port set, or PB_EIO with err. */
static int start(struct server_proc *sp, const struct cfg_server *cfg,
                 char *err, size_t errlen) {
    char exe[4096];
    if (selfpath_helper("parbench-server", exe, sizeof exe) < 0) {
        snprintf(err, errlen,
                 "cannot find parbench-server: the parbench program's own "
                 "path cannot be read from /proc/self/exe");
        return PB_EIO;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return PB_EIO;
    }
    char latency[32], rate[32], fd[16];
    snprintf(latency, sizeof latency, "%" PRIu64 "ns", cfg->latency_ns);
    snprintf(rate, sizeof rate, "%" PRIu64, cfg->rate);
    snprintf(fd, sizeof fd, "%d", p[1]);
    /* execv wants char *: writable copies of the fixed words. */
    char a_port[] = "--port", a_zero[] = "0", a_lat[] = "--latency",
         a_rate[] = "--rate", a_fd[] = "--ready-fd";
    char *const argv[] = {exe,    a_port, a_zero, a_lat, latency,
                          a_rate, rate,   a_fd,   fd,    NULL};
    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Its own process group: Ctrl-C in the terminal reaches the runner
         * only, which then stops the server itself.  It dies with the
         * runner if the runner is killed. */
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(PB_EXIT_INTERNAL);
        close(p[0]);
        fcntl(p[1], F_SETFD, 0);  /* the ready fd survives exec */
        signal(SIGPIPE, SIG_DFL); /* the runner ignores it */
        execv(exe, argv);
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        snprintf(err, errlen, "fork: %s", strerror(errno));
        return PB_EIO;
    }
    setpgid(pid, pid);
    sp->pid = pid;
    sp->pidfd = (int)pidfd_open(pid, 0);
    long port = read_port(p[0]);
    close(p[0]);
    if (port > 0) {
        sp->port = (unsigned)port;
        snprintf(sp->url, sizeof sp->url, "http://127.0.0.1:%u", sp->port);
        return 0;
    }
    int status = 0;
    if (port < 0) {
        kill(pid, SIGKILL);
        snprintf(err, errlen,
                 "the built-in server (%.200s serve) did not report its port "
                 "within %d s",
                 exe, SERVER_PROC_READY_MS / 1000);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (port == 0) {
        if (WIFEXITED(status))
            snprintf(err, errlen,
                     "the built-in server (%.200s serve) exited with status %d "
                     "before it was ready; see its message above",
                     exe, WEXITSTATUS(status));
        else
            snprintf(err, errlen,
                     "the built-in server (%.200s serve) was killed by SIG%s "
                     "before it was ready",
                     exe,
                     WIFSIGNALED(status) && sigabbrev_np(WTERMSIG(status))
                         ? sigabbrev_np(WTERMSIG(status))
                         : "?");
    }
    if (sp->pidfd >= 0)
        close(sp->pidfd);
    sp->pidfd = -1;
    sp->pid = 0;
    return PB_EIO;
}

int server_proc_prepare(struct server_proc *sp, struct plan *plan,
                        const struct plan_cell *c, const struct cfg_server *cfg,
                        int quiet, char *err, size_t errlen) {
    if (!plan_cell_uses(plan, c, SERVER_PROC_VAR))
        return 0;
    if (sp->pid)
        return 0;
    if (sp->failed) {
        snprintf(err, errlen, "%s", sp->error);
        return PB_EIO;
    }
    int rc = start(sp, cfg, sp->error, sizeof sp->error);
    if (rc == 0)
        rc = plan_substitute(plan, SERVER_PROC_VAR, sp->url, sp->error,
                             sizeof sp->error);
    if (rc < 0) {
        server_proc_stop(sp);
        sp->failed = 1;
        snprintf(err, errlen, "%s", sp->error);
        return PB_EIO;
    }
    if (!quiet) {
        char lat[32], rate[32];
        format_duration(cfg->latency_ns, lat, sizeof lat);
        format_size(cfg->rate, rate, sizeof rate);
        fprintf(stderr,
                "parbench: ${server} is %s (built-in server, pid %ld, "
                "latency %s, rate %s%s)\n",
                sp->url, (long)sp->pid, lat, cfg->rate ? rate : "unlimited",
                cfg->rate ? "/s" : "");
    }
    return 0;
}

void server_proc_stop(struct server_proc *sp) {
    if (sp->pid <= 0)
        return;
    kill(sp->pid, SIGTERM); /* our unreaped child: the pid cannot be reused */
    int exited = 0;
    if (sp->pidfd >= 0) {
        uint64_t deadline = clock_mono_ns() + SERVER_PROC_STOP_MS * 1000000ull;
        for (;;) {
            uint64_t now = clock_mono_ns();
            if (now >= deadline)
                break;
            struct pollfd pfd = {sp->pidfd, POLLIN, 0};
            int pr = poll(&pfd, 1, (int)((deadline - now) / 1000000u) + 1);
            if (pr > 0) {
                exited = 1;
                break;
            }
            if (pr == 0 || errno != EINTR)
                break;
        }
        close(sp->pidfd);
        sp->pidfd = -1;
    }
    if (!exited)
        kill(sp->pid, SIGKILL);
    while (waitpid(sp->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    sp->pid = 0;
}
