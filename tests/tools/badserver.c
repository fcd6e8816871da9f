/*
 * badserver.c - a misbehaving HTTP server for the failure tests, on
 * 127.0.0.1 only and bounded in time.
 *
 * Usage: pb-test-badserver [LIFETIME_S]   (default 120; then it exits)
 * Prints "PORT REFUSED_PORT" on stdout once it accepts connections:
 *   GET /short   headers promising 1000 bytes, then 100 bytes and a close
 *   GET /silent  never answers (the connection is held open)
 *   other paths  404 with an empty body
 * REFUSED_PORT is bound but not listening: connecting to it is refused.
 * SIGTERM ends it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
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

/* Answers a complete request in buf; returns 1 to close, 0 to hold. */
static int answer(int fd, const char *buf) {
    if (strncmp(buf, "GET /silent", 11) == 0)
        return 0;
    if (strncmp(buf, "GET /short", 10) == 0) {
        static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: "
                                   "1000\r\nContent-Type: "
                                   "application/octet-stream\r\n\r\n";
        char body[100];
        memset(body, 'x', sizeof body);
        send_all(fd, head, sizeof head - 1);
        send_all(fd, body, sizeof body);
        return 1;
    }
    static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: "
                             "0\r\nConnection: close\r\n\r\n";
    send_all(fd, nf, sizeof nf - 1);
    return 1;
}

int main(int argc, char **argv) {
    unsigned lifetime = argc > 1 ? (unsigned)atoi(argv[1]) : 120;
    unsigned port, refused;
    int lfd = bound_socket(1, &port);
    int rfd = bound_socket(0, &refused); /* held, never listening */
    alarm(lifetime ? lifetime : 120);    /* SIGALRM ends us: bounded */
    printf("%u %u\n", port, refused);
    fflush(stdout);

    struct pollfd p[MAX_CONNS + 1];
    char req[MAX_CONNS + 1][2048];
    size_t got[MAX_CONNS + 1];
    int held[MAX_CONNS + 1];
    size_t n = 1;
    p[0].fd = lfd;
    p[0].events = POLLIN;
    for (;;) {
        if (poll(p, n, -1) < 0)
            continue;
        for (size_t i = n; i-- > 1;) {
            if (!p[i].revents)
                continue;
            ssize_t r = held[i] ? 0
                                : read(p[i].fd, req[i] + got[i],
                                       sizeof req[i] - 1 - got[i]);
            int done = 0;
            if (held[i]) {
                char sink[256];
                done = read(p[i].fd, sink, sizeof sink) <= 0;
            } else if (r <= 0) {
                done = 1;
            } else {
                got[i] += (size_t)r;
                req[i][got[i]] = '\0';
                if (strstr(req[i], "\r\n\r\n")) {
                    if (answer(p[i].fd, req[i]))
                        done = 1;
                    else
                        held[i] = 1;
                } else if (got[i] >= sizeof req[i] - 1) {
                    done = 1;
                }
            }
            if (done) {
                close(p[i].fd);
                p[i] = p[n - 1];
                memcpy(req[i], req[n - 1], got[n - 1] + 1);
                got[i] = got[n - 1];
                held[i] = held[n - 1];
                n--;
            }
        }
        if ((p[0].revents & POLLIN) && n <= MAX_CONNS) {
            int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
            if (c >= 0) {
                p[n].fd = c;
                p[n].events = POLLIN;
                p[n].revents = 0;
                got[n] = 0;
                held[n] = 0;
                req[n][0] = '\0';
                n++;
            }
        }
    }
    close(rfd);
    return 0;
}
