/* SPDX-License-Identifier: MIT */
/*
 * fuzz_http.c - the HTTP request path of the built-in server: the raw
 * bytes of a client's request, parsed by libmicrohttpd and answered by
 * server/server.c's own handler (srv_handle: the /bytes/SIZE?seed=S
 * path, the size and seed parsers, the method check, the body reader).
 *
 * libmicrohttpd is driven in-process, without threads or a listening
 * socket: one daemon (MHD_USE_NO_LISTEN_SOCKET, external polling) is
 * started once with server.c's handler, which this file compiles in; each
 * input becomes one connection over a socketpair (MHD_add_connection),
 * the input is written to it and its write side shut, MHD_run() is called
 * until the server closes the connection, and what it answers is read and
 * dropped, at most FUZZ_HTTP_READ_MAX bytes (after that the client hangs
 * up: bodies can be 1GiB).  The server's options are the defaults of
 * `parbench serve` (no latency, no rate limit).  This is the whole
 * request path of a real connection except the accept() and the thread
 * per connection of server_start().
 *
 * Oracles: the sanitizers; every connection ends (the server closes it,
 * or it is closed after the client hung up) within FUZZ_HTTP_ROUNDS calls
 * of MHD_run; an answer, if any, starts with "HTTP/1.".
 */
#include <errno.h>
#include <sys/socket.h>

#include "fuzz.h"

/*
 * A body's checksum is computed over the whole body before the headers go
 * out (server.c), which costs O(SIZE) up to 1 GiB by design: the target
 * checksums at most FUZZ_HTTP_SUM_MAX bytes (of the real body, with the
 * real function), so that big sizes do not eat the time budget.
 * server/body.c itself is covered by tests/unit/server/test_body.c.
 */
#include "server/body.h"
#define FUZZ_HTTP_SUM_MAX (64u * 1024u)
static int fuzz_body_checksum(uint64_t seed, uint64_t size, uint64_t *sum) {
    return body_checksum(
        seed, size < FUZZ_HTTP_SUM_MAX ? size : FUZZ_HTTP_SUM_MAX, sum);
}
#define body_checksum fuzz_body_checksum

/* The server, statics included. */
#include "../server/server.c"

#define FUZZ_HTTP_READ_MAX (256u * 1024u)
#define FUZZ_HTTP_ROUNDS 100000u

static struct server fz_srv;
static struct MHD_Daemon *fz_daemon;

static void fz_quiet(void *cls, const char *fmt, va_list ap) {
    (void)cls, (void)fmt, (void)ap;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    signal(SIGPIPE, SIG_IGN);
    memset(&fz_srv, 0, sizeof fz_srv);
    pthread_mutex_init(&fz_srv.lock, NULL);
    pthread_cond_init(&fz_srv.wake, NULL);
    fz_daemon =
        MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ERROR_LOG, 0, NULL,
                         NULL, srv_handle, &fz_srv, MHD_OPTION_EXTERNAL_LOGGER,
                         fz_quiet, NULL, MHD_OPTION_URI_LOG_CALLBACK, srv_uri,
                         NULL, MHD_OPTION_CONNECTION_TIMEOUT,
                         srv_idle_timeout_s(&fz_srv.o), MHD_OPTION_END);
    if (!fz_daemon)
        fuzz_fail("MHD_start_daemon failed");
    return 0;
}

static unsigned connections(void) {
    const union MHD_DaemonInfo *i =
        MHD_get_daemon_info(fz_daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i ? i->num_connections : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) <
        0)
        fuzz_fail("socketpair: %s", strerror(errno));
    struct sockaddr_in peer;
    memset(&peer, 0, sizeof peer);
    peer.sin_family = AF_INET;
    peer.sin_port = htons(40000);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (MHD_add_connection(fz_daemon, sv[0], (struct sockaddr *)&peer,
                           sizeof peer) != MHD_YES)
        fuzz_fail("MHD_add_connection failed");

    size_t sent = 0, got = 0;
    int client = sv[1], shut = 0;
    char head[8] = "", buf[16384];
    size_t headlen = 0;
    unsigned round;
    for (round = 0; round < FUZZ_HTTP_ROUNDS; round++) {
        if (sent < size) {
            ssize_t w = send(client, data + sent, size - sent, MSG_NOSIGNAL);
            if (w > 0)
                sent += (size_t)w;
            else if (w < 0 && errno != EAGAIN)
                sent = size; /* the server hung up first */
        }
        if (sent == size && !shut) {
            shutdown(client, SHUT_WR);
            shut = 1;
        }
        MHD_run(fz_daemon);
        if (client >= 0) {
            ssize_t r;
            while ((r = recv(client, buf, sizeof buf, 0)) > 0) {
                if (headlen < sizeof head - 1) {
                    size_t k = sizeof head - 1 - headlen;
                    k = (size_t)r < k ? (size_t)r : k;
                    memcpy(head + headlen, buf, k);
                    headlen += k;
                }
                got += (size_t)r;
            }
            if (r == 0 || got > FUZZ_HTTP_READ_MAX ||
                (r < 0 && errno != EAGAIN)) {
                close(client); /* the server closed, or we hang up */
                client = -1;
            }
        }
        if (client < 0 && connections() == 0)
            break;
    }
    if (round == FUZZ_HTTP_ROUNDS)
        fuzz_fail("the connection did not end after %u rounds (%zu of %zu "
                  "bytes sent, %zu received)",
                  round, sent, size, got);
    if (headlen && strncmp(head, "HTTP/1.", headlen < 7 ? headlen : 7) != 0)
        fuzz_fail("the answer starts with '%s'", head);
    return 0;
}
