/* SPDX-License-Identifier: MIT */
/*
 * server.h - the built-in HTTP server (`parbench serve`, libmicrohttpd).
 *
 * It listens on 127.0.0.1 only and answers
 *   GET /bytes/SIZE[?seed=S]       200, a deterministic body (body.h) of
 *                                  SIZE bytes ("4096", "64KiB", ...; at
 *                                  most BODY_MAX_SIZE), with its checksum
 *                                  in the X-Parbench-Checksum header
 *   HEAD /bytes/SIZE[?seed=S]      the GET's headers but the checksum,
 *                                  which would cost the whole body
 *   a control character in the     400 "malformed request"
 *   request line (%00 included)
 *   anything else under /bytes/    400 with a sentence saying why
 *   any other path                 404; other methods 405
 * Every response waits `latency` before its headers go out; a body is
 * paced so that it never runs ahead of `rate` bytes per second (0 =
 * unlimited) counted from its first byte.  One thread per connection: a
 * connection carries one response at a time, so the pacing is a
 * per-connection rate limit.  docs/http.md has the details.
 */
#ifndef PARBENCH_SERVER_H
#define PARBENCH_SERVER_H

#include <stddef.h>
#include <stdint.h>

struct server_options {
    unsigned port;       /* 0: any free port (see server_port)           */
    uint64_t latency_ns; /* per request, before the response             */
    uint64_t rate;       /* bytes/s per connection; 0 = unlimited        */
    int quiet;           /* drop libmicrohttpd's own messages; otherwise
                            they go to stderr as "parbench serve: ..."   */
};

struct server; /* opaque, owned by the caller of server_start */

/* Start serving on 127.0.0.1:o->port in background threads.  Returns 0
 * and sets *out, or negative with a sentence in err (e.g. the port is in
 * use).  `o` is copied. */
int server_start(const struct server_options *o, struct server **out, char *err,
                 size_t errlen);

/* The port actually bound (the chosen one when o->port was 0). */
unsigned server_port(const struct server *s);

/* Stop accepting, end every connection (latency waits and pacing end at
 * once), join the threads and free s.  Not from a server thread. */
void server_stop(struct server *s);

/*
 * `parbench serve` in the foreground: start, announce, serve until
 * SIGTERM, SIGINT or SIGHUP, stop.  ready_fd >= 0: write the bound port as
 * decimal text and a newline to it once the server accepts connections,
 * then close it (the runner's readiness handshake), and keep quiet but
 * for an error that stops the server from starting: the runner's stderr
 * is the server's; < 0: print "listening on http://127.0.0.1:PORT" on
 * stdout, and libmicrohttpd's messages unless o->quiet.  Returns an exit
 * status (enum pb_exit).
 */
int server_serve(const struct server_options *o, int ready_fd);

#endif /* PARBENCH_SERVER_H */
