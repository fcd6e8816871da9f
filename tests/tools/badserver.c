/* SPDX-License-Identifier: MIT */
/*
 * badserver.c - a misbehaving HTTP server for the failure tests, and a
 * barrier for the concurrency tests; on 127.0.0.1 only and bounded in time.
 *
 * Usage: pb-test-badserver [LIFETIME_S]   (default 120; then it exits)
 * Prints "PORT REFUSED_PORT" on stdout once it accepts connections:
 *   GET /short         headers promising 1000 bytes, then 100 bytes and a
 *                      close
 *   GET /silent        never answers (the connection is held open)
 *   GET /barrier/N/S   held until N barrier requests (1 <= N <= 64) are
 *                      held at once, then each of them gets 200 and the
 *                      15-byte body "barrier passed\n"; one held S seconds
 *                      (S >= 1) without that gets 503 and a body saying how
 *                      many were held together.  So a client passes only
 *                      if it has N requests in flight at the same time.
 *   other paths        404 with an empty body
 * Every answer but /silent closes the connection.  REFUSED_PORT is bound
 * but not listening: connecting to it is refused.  SIGTERM ends it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 64

static int bound_socket(int do_listen, unsigned *port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        (do_listen && listen(fd, 64) < 0) ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        perror("pb-test-badserver: socket");
        exit(1);
    }
    *port = ntohs(sa.sin_port);
    return fd;
}

static void send_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* What became of a connection whose request is complete. */
enum { ANSWERED, HELD_SILENT, HELD_BARRIER };

/* One client connection; p[i] in main() is its poll entry. */
struct conn {
    char req[2048];
    size_t got;
    int held;          /* ANSWERED (still reading), HELD_SILENT/BARRIER */
    uint64_t since_ms; /* HELD_BARRIER: when it arrived                 */
    unsigned n, guard_s;
};

static struct pollfd p[MAX_CONNS + 1];
static struct conn c[MAX_CONNS + 1];
static size_t n = 1; /* p[0] is the listening socket */

static uint64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Closes connection i; the last one takes its place. */
static void drop_conn(size_t i) {
    close(p[i].fd);
    p[i] = p[n - 1];
    c[i] = c[n - 1];
    n--;
}

/* Answers connection i's complete request: ANSWERED (close it) or how it
 * is held. */
static int answer(size_t i) {
    const char *buf = c[i].req;
    int fd = p[i].fd;
    unsigned bn = 0, bs = 0;
    if (strncmp(buf, "GET /silent", 11) == 0)
        return HELD_SILENT;
    if (sscanf(buf, "GET /barrier/%u/%u ", &bn, &bs) == 2 && bn >= 1 &&
        bn <= MAX_CONNS && bs >= 1) {
        c[i].since_ms = now_ms();
        c[i].n = bn;
        c[i].guard_s = bs;
        return HELD_BARRIER;
    }
    if (strncmp(buf, "GET /short", 10) == 0) {
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: "
                                   "1000\r\nContent-Type: "
                                   "application/octet-stream\r\n\r\n";
        char body[100];
        memset(body, 'x', sizeof body);
        send_all(fd, head, sizeof head - 1);
        send_all(fd, body, sizeof body);
        return ANSWERED;
    }
    static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: "
                             "0\r\nConnection: close\r\n\r\n";
    send_all(fd, nf, sizeof nf - 1);
    return ANSWERED;
}

/* Sends status and body on connection i and closes it. */
static void answer_and_drop(size_t i, const char *status, const char *body) {
    char head[256];
    int len = snprintf(head, sizeof head,
                       "HTTP/1.1 %s\r\nContent-Length: %zu\r\nContent-Type: "
                       "text/plain\r\nConnection: close\r\n\r\n",
                       status, strlen(body));
    send_all(p[i].fd, head, (size_t)len);
    send_all(p[i].fd, body, strlen(body));
    drop_conn(i);
}

/* Releases the barrier requests once enough are held together, answers
 * those held past their guard with 503, and returns the poll timeout
 * (ms) until the next guard runs out, or -1 when none is held. */
static int barrier_round(void) {
    size_t held = 0;
    for (size_t i = 1; i < n; i++)
        held += c[i].held == HELD_BARRIER;
    /* Downwards: drop_conn moves the last entry, already visited, to i. */
    for (size_t i = n; i-- > 1;)
        if (c[i].held == HELD_BARRIER && held >= c[i].n)
            answer_and_drop(i, "200 OK", "barrier passed\n");
    uint64_t now = now_ms();
    for (size_t i = n; i-- > 1;) {
        if (c[i].held != HELD_BARRIER ||
            now - c[i].since_ms < c[i].guard_s * 1000ull)
            continue;
        char msg[160];
        snprintf(msg, sizeof msg,
                 "barrier: %zu of %u requests held together within %u s\n",
                 held, c[i].n, c[i].guard_s);
        answer_and_drop(i, "503 Service Unavailable", msg);
    }
    int timeout = -1;
    for (size_t i = 1; i < n; i++) {
        if (c[i].held != HELD_BARRIER)
            continue;
        uint64_t end = c[i].since_ms + c[i].guard_s * 1000ull;
        int left = end > now ? (int)(end - now) : 0;
        if (timeout < 0 || left < timeout)
            timeout = left;
    }
    return timeout;
}

int main(int argc, char **argv) {
    unsigned lifetime = argc > 1 ? (unsigned)atoi(argv[1]) : 120;
    unsigned port, refused;
    int lfd = bound_socket(1, &port);
    int rfd = bound_socket(0, &refused); /* held, never listening */
    alarm(lifetime ? lifetime : 120);    /* SIGALRM ends us: bounded */
    printf("%u %u\n", port, refused);
    fflush(stdout);

    p[0].fd = lfd;
    p[0].events = POLLIN;
    int timeout = -1;
    for (;;) {
        if (poll(p, n, timeout) < 0)
            continue;
        for (size_t i = n; i-- > 1;) {
            if (!p[i].revents)
                continue;
            int done = 0;
            if (c[i].held) {
                char sink[256];
                done = read(p[i].fd, sink, sizeof sink) <= 0;
            } else {
                ssize_t r = read(p[i].fd, c[i].req + c[i].got,
                                 sizeof c[i].req - 1 - c[i].got);
                if (r <= 0) {
                    done = 1;
                } else {
                    c[i].got += (size_t)r;
                    c[i].req[c[i].got] = '\0';
                    if (strstr(c[i].req, "\r\n\r\n")) {
                        c[i].held = answer(i);
                        done = c[i].held == ANSWERED;
                    } else if (c[i].got >= sizeof c[i].req - 1) {
                        done = 1;
                    }
                }
            }
            if (done)
                drop_conn(i);
        }
        if ((p[0].revents & POLLIN) && n <= MAX_CONNS) {
            int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (fd >= 0) {
                p[n].fd = fd;
                p[n].events = POLLIN;
                p[n].revents = 0;
                c[n].got = 0;
                c[n].held = ANSWERED;
                c[n].req[0] = '\0';
                n++;
            }
        }
        timeout = barrier_round();
    }
    close(rfd);
    return 0;
}
