/* SPDX-License-Identifier: MIT */
/*
 * server.c - the built-in HTTP server on libmicrohttpd (contract in
 * server.h, user documentation in docs/http.md).
 *
 * libmicrohttpd runs one thread per connection, so the per-request latency
 * and the pacing of a body are plain waits on that thread.  The waits are
 * on a condition variable that server_stop() broadcasts, so stopping never
 * waits for a latency or a slow body to run out.
 */
#include "server/server.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "server/body.h"
#include "util/clock.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/units.h"

/* A connection that has sent nothing (or nothing since its last answer)
 * for this many seconds beyond the latency is closed, so that idle
 * connections cannot hold the server's places for long. */
#define SERVER_IDLE_GRACE_S 5u
/* Connections at once, and from one client address: the runner's largest
 * job has 4096 workers (PB_MAX_WORKERS), one keep-alive connection each,
 * all from 127.0.0.1.  Both are lowered to fit the descriptors the
 * process may open, less SERVER_FD_RESERVE for everything else. */
#define SERVER_MAX_CONNECTIONS 8192u
#define SERVER_MAX_PER_IP 5120u
#define SERVER_FD_RESERVE 64u
/* Bytes of a request line, at most: libmicrohttpd's whole read buffer. */
#define SERVER_MAX_REQUEST_LINE (64u * 1024u)
/* A paced body is handed over in slices of this many milliseconds. */
#define SERVER_PACE_SLICE_MS 10u

struct server {
    struct server_options o;
    struct MHD_Daemon *daemon;
    unsigned port;
    pthread_mutex_t lock; /* guards stopping                          */
    pthread_cond_t wake;  /* broadcast when stopping is set           */
    int stopping;
};

/* What a body's content reader needs; freed by libmicrohttpd. */
struct body_reader {
    struct server *srv; /* borrowed: the server outlives its responses */
    uint64_t seed, size;
    uint64_t start_ns; /* first slice handed over; 0 = not yet         */
};

/* Waits until CLOCK_MONOTONIC reaches deadline_ns or the server stops.
 * Returns 1 when the deadline came, 0 when the server is stopping. */
static int srv_sleep_until(struct server *s, uint64_t deadline_ns) {
    struct timespec ts = {(time_t)(deadline_ns / 1000000000u),
                          (long)(deadline_ns % 1000000000u)};
    pthread_mutex_lock(&s->lock);
    while (!s->stopping && clock_mono_ns() < deadline_ns)
        pthread_cond_timedwait(&s->wake, &s->lock, &ts);
    int ok = !s->stopping;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Responses                                                                */
/* ------------------------------------------------------------------------ */

static ssize_t srv_read_body(void *cls, uint64_t pos, char *buf, size_t max) {
    struct body_reader *r = cls;
    if (pos >= r->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    uint64_t left = r->size - pos;
    size_t n = left < max ? (size_t)left : max;
    uint64_t rate = r->srv->o.rate;
    if (rate) {
        /* Never ahead of the rate: the slice [pos, pos + n) goes out once
         * (pos + n) / rate seconds have passed since the first one. */
        uint64_t now = clock_mono_ns();
        if (!r->start_ns)
            r->start_ns = now;
        uint64_t slice = rate / (1000u / SERVER_PACE_SLICE_MS);
        if (slice < 1)
            slice = 1;
        if (n > slice)
            n = (size_t)slice;
        /* pos + n <= BODY_MAX_SIZE (2^30), so the product fits. */
        uint64_t due = r->start_ns + (pos + n) * 1000000000u / rate;
        if (!srv_sleep_until(r->srv, due))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    body_fill(r->seed, pos, buf, n);
    return (ssize_t)n;
}

static enum MHD_Result srv_queue_text(struct MHD_Connection *conn,
                                      unsigned status, const char *text) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "text/plain; charset=utf-8");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result rc = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* GET or HEAD /bytes/SIZE?seed=S: the body, or a 400 saying what is
 * wrong.  HEAD gets the headers of the GET but the checksum: computing it
 * means generating the whole body (0.4 s of CPU for 1GiB), which HEAD
 * never sends. */
static enum MHD_Result srv_bytes(struct server *s, struct MHD_Connection *conn,
                                 int head, const char *size_text) {
    char msg[256];
    uint64_t size, seed = 0;
    if (parse_size(size_text, &size) < 0) {
        snprintf(msg, sizeof msg,
                 "'%.64s' is not a size; ask for /bytes/65536 or "
                 "/bytes/64KiB\n",
                 size_text);
        return srv_queue_text(conn, MHD_HTTP_BAD_REQUEST, msg);
    }
    if (size > BODY_MAX_SIZE) {
        snprintf(msg, sizeof msg,
                 "%" PRIu64 " bytes is more than this server's limit of "
                 "1GiB per body\n",
                 size);
        return srv_queue_text(conn, MHD_HTTP_BAD_REQUEST, msg);
    }
    const char *seed_text =
        MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "seed");
    if (seed_text && parse_uint(seed_text, &seed) < 0) {
        snprintf(msg, sizeof msg,
                 "seed '%.64s' is not an unsigned 64-bit integer\n", seed_text);
        return srv_queue_text(conn, MHD_HTTP_BAD_REQUEST, msg);
    }
    uint64_t sum = 0;
    struct body_reader *r = malloc(sizeof *r);
    if (!r || (!head && body_checksum(seed, size, &sum) < 0)) {
        free(r);
        return MHD_NO;
    }
    r->srv = s;
    r->seed = seed;
    r->size = size;
    r->start_ns = 0;
    struct MHD_Response *resp = MHD_create_response_from_callback(
        size, 64 * 1024, srv_read_body, r, free);
    if (!resp) {
        free(r);
        return MHD_NO;
    }
    if (!head) {
        char value[40];
        snprintf(value, sizeof value, BODY_CHECKSUM_PREFIX "%016" PRIx64, sum);
        MHD_add_response_header(resp, BODY_CHECKSUM_HEADER, value);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            "application/octet-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    enum MHD_Result rc = MHD_queue_response(conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Malformed requests                                                       */
/* ------------------------------------------------------------------------ */

/* A request's context (*req_cls): until the handler's first call, what
 * srv_uri returned; from then on one of the two verdicts. */
static char srv_uri_bad, srv_rq_ok, srv_rq_bad;

static unsigned srv_hex(unsigned char c) {
    return c <= '9' ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a') + 10u;
}

/* libmicrohttpd calls this with the raw URI of each request, before it
 * splits off the query and decodes it.  A control character (bytes 0-31
 * and 127), raw or %-encoded (%00 would end the decoded path where the
 * client did not: /bytes/1%00abc asked for /bytes/1), makes the request
 * malformed.  Otherwise the URI's end is returned, for srv_raw_nul. */
static void *srv_uri(void *cls, const char *uri, struct MHD_Connection *conn) {
    (void)cls;
    (void)conn;
    if (!uri)
        return &srv_uri_bad;
    const unsigned char *p = (const unsigned char *)uri;
    for (; *p; p++) {
        unsigned c = *p;
        if (c == '%' && isxdigit(p[1]) && isxdigit(p[2])) {
            c = srv_hex(p[1]) << 4 | srv_hex(p[2]);
            p += 2;
        }
        if (c < 0x20 || c == 0x7f)
            return &srv_uri_bad;
    }
    return (void *)(uintptr_t)p;
}

/* 1 if the request line held a raw NUL inside its URI.  libmicrohttpd
 * (0.9.75) cuts the line at its spaces by length and hands the URI on as
 * a C string, so "GET /bytes/1<NUL>abc HTTP/1.1" would ask for /bytes/1.
 * The URI srv_uri saw is NUL-terminated where the space before the
 * version was, and the version follows it: a version that starts further
 * on within the line has bytes the URI's strlen never reached before it.
 * (A version anywhere else is not judged.) */
static int srv_raw_nul(const void *uri_end, const char *version) {
    uintptr_t e = (uintptr_t)uri_end, v = (uintptr_t)version;
    return v > e + 1 && v - e <= SERVER_MAX_REQUEST_LINE;
}

static enum MHD_Result srv_handle(void *cls, struct MHD_Connection *conn,
                                  const char *url, const char *method,
                                  const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls) {
    struct server *s = cls;
    (void)upload;
    /* The first call comes with the headers: answering then would make
     * libmicrohttpd close the connection (the request might have a body),
     * so judge the request now and answer on the call after the whole
     * request has arrived. */
    if (*req_cls != &srv_rq_ok && *req_cls != &srv_rq_bad) {
        int bad = *req_cls == &srv_uri_bad ||
                  (*req_cls && srv_raw_nul(*req_cls, version));
        *req_cls = bad ? &srv_rq_bad : &srv_rq_ok;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0; /* request bodies are read and dropped */
        return MHD_YES;
    }
    if (s->o.latency_ns &&
        !srv_sleep_until(s, clock_mono_ns() + s->o.latency_ns))
        return MHD_NO;
    if (*req_cls == &srv_rq_bad)
        return srv_queue_text(conn, MHD_HTTP_BAD_REQUEST,
                              "malformed request: a NUL byte or another "
                              "control character in the request line, raw "
                              "or %-encoded (such as %00)\n");
    static const char prefix[] = "/bytes/";
    if (strncmp(url, prefix, sizeof prefix - 1) != 0)
        return srv_queue_text(conn, MHD_HTTP_NOT_FOUND,
                              "not found; this server serves "
                              "/bytes/SIZE?seed=S\n");
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
        strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return srv_queue_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                              "only GET and HEAD are served\n");
    return srv_bytes(s, conn, strcmp(method, MHD_HTTP_METHOD_HEAD) == 0,
                     url + sizeof prefix - 1);
}

/* libmicrohttpd's own messages (a client that went away, a connection
 * beyond a limit...), tagged like the server's other messages, or dropped
 * when the server is quiet. */
static void srv_log(void *cls, const char *fmt, va_list ap) {
    const struct server *s = cls;
    if (s->o.quiet)
        return;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && line[n - 1] == '\n')
        line[--n] = '\0';
    fprintf(stderr, "parbench serve: %s\n", line);
}

/* ------------------------------------------------------------------------ */
/* Life cycle                                                               */
/* ------------------------------------------------------------------------ */

/* The idle timeout for o: the grace beyond the latency, in whole seconds
 * (what libmicrohttpd takes), the latency rounded up. */
static unsigned srv_idle_timeout_s(const struct server_options *o) {
    uint64_t lat_s = (o->latency_ns + 999999999u) / 1000000000u;
    return (unsigned)(lat_s + SERVER_IDLE_GRACE_S);
}

/* SERVER_MAX_CONNECTIONS, or fewer when the descriptors run out first. */
static unsigned srv_max_connections(void) {
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
        rl.rlim_cur >= SERVER_MAX_CONNECTIONS + SERVER_FD_RESERVE)
        return SERVER_MAX_CONNECTIONS;
    if (rl.rlim_cur < 2 * SERVER_FD_RESERVE)
        return (unsigned)rl.rlim_cur / 2;
    return (unsigned)rl.rlim_cur - SERVER_FD_RESERVE;
}

int server_start(const struct server_options *o, struct server **out, char *err,
                 size_t errlen) {
    if (o->port > 65535) {
        snprintf(err, errlen, "port %u is not in 0..65535", o->port);
        return PB_EINVAL;
    }
    struct server *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return PB_ENOMEM;
    }
    s->o = *o;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&s->lock, NULL);

    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)o->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned max_conn = srv_max_connections();
    unsigned per_ip =
        max_conn < SERVER_MAX_PER_IP ? max_conn : SERVER_MAX_PER_IP;
    /* The handler of SIGPIPE does not matter: libmicrohttpd sends with
     * MSG_NOSIGNAL. */
    errno = 0;
    s->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
            MHD_USE_POLL | MHD_USE_ERROR_LOG,
        (uint16_t)o->port, NULL, NULL, srv_handle, s,
        MHD_OPTION_EXTERNAL_LOGGER, srv_log, s, MHD_OPTION_URI_LOG_CALLBACK,
        srv_uri, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_CONNECTION_TIMEOUT, srv_idle_timeout_s(o),
        MHD_OPTION_CONNECTION_LIMIT, max_conn,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_ip,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 256u, MHD_OPTION_END);
    if (!s->daemon) {
        int e = errno;
        snprintf(err, errlen,
                 "cannot serve on 127.0.0.1:%u (%s); choose another --port, "
                 "or 0 for any free one",
                 o->port, e ? strerror(e) : "libmicrohttpd failed to start");
        server_stop(s);
        return PB_EIO;
    }
    const union MHD_DaemonInfo *info =
        MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : o->port;
    *out = s;
    return 0;
}

unsigned server_port(const struct server *s) { return s->port; }

void server_stop(struct server *s) {
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

/* ------------------------------------------------------------------------ */
/* parbench serve                                                           */
/* ------------------------------------------------------------------------ */

int server_serve(const struct server_options *opts, int ready_fd) {
    /* The runner's server (ready_fd) shares the runner's stderr: a worker
     * killed in the middle of a body must not print there, not even
     * without -q (the row says what happened). */
    struct server_options so = *opts;
    so.quiet = opts->quiet || ready_fd >= 0;
    const struct server_options *o = &so;
    /* Blocked before any thread exists, so that every server thread
     * inherits the mask and sigwait() below receives the signals. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Room for SERVER_MAX_CONNECTIONS where the hard limit allows it. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < SERVER_MAX_CONNECTIONS + SERVER_FD_RESERVE) {
        rlim_t want = SERVER_MAX_CONNECTIONS + SERVER_FD_RESERVE;
        rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want
                          ? want
                          : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }

    struct server *s = NULL;
    char err[256];
    if (server_start(o, &s, err, sizeof err) < 0) {
        fprintf(stderr, "parbench serve: %s\n", err);
        if (ready_fd >= 0)
            close(ready_fd);
        return o->port ? PB_EXIT_USAGE : PB_EXIT_INTERNAL;
    }
    char line[32];
    int n = snprintf(line, sizeof line, "%u\n", server_port(s));
    if (ready_fd >= 0) {
        int wrc = fdio_write_full(ready_fd, line, (size_t)n);
        close(ready_fd);
        if (wrc < 0) { /* nobody waits for us: the runner is gone */
            server_stop(s);
            return PB_EXIT_INTERNAL;
        }
    } else {
        char lat[32], rate[32];
        format_duration(o->latency_ns, lat, sizeof lat);
        format_size(o->rate, rate, sizeof rate);
        printf("parbench serve: listening on http://127.0.0.1:%u "
               "(latency %s, rate %s%s); Ctrl-C stops\n",
               server_port(s), lat, o->rate ? rate : "unlimited",
               o->rate ? "/s per connection" : "");
        fflush(stdout);
    }
    int sig = 0;
    while (sigwait(&set, &sig) != 0)
        ;
    server_stop(s);
    if (ready_fd < 0)
        fprintf(stderr, "parbench serve: stopped by SIG%s\n",
                sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
    return PB_EXIT_OK;
}
