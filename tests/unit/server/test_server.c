/* SPDX-License-Identifier: MIT */
/*
 * test_server.c - the built-in HTTP server (server/server.c) in-process,
 * asked by libcurl (or raw sockets) over 127.0.0.1: bodies and their
 * checksum header, HEAD without a checksum, keep-alive, 404/400/405,
 * malformed request lines, the size bound, stopping while a request waits
 * out its latency.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <xxhash.h>

#include "server/body.h"
#include "server/server.h"
#include "util/clock.h"

/* What one request brought back. */
struct reply {
    long status;
    unsigned char *body;
    size_t len, cap;
    char checksum[64]; /* X-Parbench-Checksum value, "" if none */
    long connects;     /* new connections curl made for it */
    CURLcode rc;
};

static size_t on_body(char *data, size_t size, size_t n, void *userp) {
    struct reply *r = userp;
    size_t len = size * n;
    if (r->len + len > r->cap) {
        r->cap = (r->len + len) * 2;
        r->body = realloc(r->body, r->cap);
        assert_non_null(r->body);
    }
    memcpy(r->body + r->len, data, len);
    r->len += len;
    return len;
}

static size_t on_header(char *data, size_t size, size_t n, void *userp) {
    struct reply *r = userp;
    size_t len = size * n;
    static const char h[] = "X-Parbench-Checksum: ";
    if (len > sizeof h - 1 && strncasecmp(data, h, sizeof h - 1) == 0) {
        snprintf(r->checksum, sizeof r->checksum, "%.*s",
                 (int)(len - (sizeof h - 1)), data + sizeof h - 1);
        r->checksum[strcspn(r->checksum, "\r\n")] = '\0';
    }
    return len;
}

/* GET (or another method) http://127.0.0.1:port + path on handle c. */
static void fetch(CURL *c, unsigned port, const char *method, const char *path,
                  struct reply *r) {
    char url[256];
    snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
    memset(r, 0, sizeof *r);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
    r->rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &r->connects);
}

static struct server *start(uint64_t latency_ns) {
    struct server_options o = {0, latency_ns, 0, 0};
    struct server *s = NULL;
    char err[256] = "";
    if (server_start(&o, &s, err, sizeof err) < 0)
        fail_msg("server_start: %s", err);
    assert_true(server_port(s) > 0);
    return s;
}

static void test_body_and_checksum(void **unused) {
    (void)unused;
    struct server *s = start(0);
    CURL *c = curl_easy_init();
    struct reply r;
    const char *paths[] = {"/bytes/65536?seed=3", "/bytes/64KiB?seed=3",
                           "/bytes/1000", "/bytes/0?seed=9"};
    const uint64_t sizes[] = {65536, 65536, 1000, 0}, seeds[] = {3, 3, 0, 9};
    for (int i = 0; i < 4; i++) {
        fetch(c, server_port(s), "GET", paths[i], &r);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, sizes[i]);
        unsigned char *want = malloc(sizes[i] + 1);
        body_fill(seeds[i], 0, want, (size_t)sizes[i]);
        if (sizes[i])
            assert_memory_equal(r.body, want, (size_t)sizes[i]);
        char hdr[64];
        snprintf(hdr, sizeof hdr, "xxh64:%016" PRIx64,
                 XXH64(want, (size_t)sizes[i], 0));
        assert_string_equal(r.checksum, hdr);
        /* One connection for all four: keep-alive works. */
        assert_int_equal(r.connects, i == 0 ? 1 : 0);
        free(want);
        free(r.body);
    }
    curl_easy_cleanup(c);
    server_stop(s);
}

static void test_errors(void **unused) {
    (void)unused;
    struct server *s = start(0);
    CURL *c = curl_easy_init();
    struct reply r;
    struct {
        const char *method, *path;
        long status;
        const char *text;
    } cases[] = {
        {"GET", "/", 404, "not found"},
        {"GET", "/bytes", 404, "not found"},
        {"GET", "/byte/12", 404, "not found"},
        {"GET", "/bytes/12x", 400, "not a size"},
        {"GET", "/bytes/", 400, "not a size"},
        {"GET", "/bytes/2GiB", 400, "limit of 1GiB"},
        {"GET", "/bytes/1073741825", 400, "limit of 1GiB"},
        {"GET", "/bytes/12?seed=-1", 400, "seed"},
        {"POST", "/bytes/12", 405, "only GET and HEAD"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        fetch(c, server_port(s), cases[i].method, cases[i].path, &r);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, cases[i].status);
        assert_non_null(r.body);
        char *text = strndup((char *)r.body, r.len);
        assert_non_null(strstr(text, cases[i].text));
        assert_string_equal(r.checksum, "");
        free(text);
        free(r.body);
    }
    curl_easy_cleanup(c);
    server_stop(s);
}

/* HEAD: the status and Content-Length of the GET, no body, and no checksum
 * header: the checksum would cost generating the whole body (a gigabyte
 * at the bound), which HEAD never sends.  body_checksum_count() tells
 * whether a checksum was computed. */
static void test_head(void **unused) {
    (void)unused;
    struct server *s = start(0);
    CURL *c = curl_easy_init();
    struct reply r;
    const char *paths[] = {"/bytes/1MiB?seed=4", "/bytes/1GiB"};
    const curl_off_t sizes[] = {1 << 20, 1 << 30};
    for (int i = 0; i < 2; i++) {
        uint64_t before = body_checksum_count();
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        fetch(c, server_port(s), "HEAD", paths[i], &r);
        assert_int_equal(r.rc, CURLE_OK);
        assert_int_equal(r.status, 200);
        assert_int_equal(r.len, 0);
        curl_off_t length = -1;
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
        assert_int_equal(length, sizes[i]);
        assert_string_equal(r.checksum, "");
        assert_int_equal(body_checksum_count(), before);
        free(r.body);
    }
    /* The GET of the same body computes its checksum, once. */
    uint64_t before = body_checksum_count();
    curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    fetch(c, server_port(s), "GET", "/bytes/1MiB?seed=4", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 1 << 20);
    char hdr[64];
    snprintf(hdr, sizeof hdr, "xxh64:%016" PRIx64, XXH64(r.body, 1 << 20, 0));
    assert_string_equal(r.checksum, hdr);
    assert_int_equal(body_checksum_count(), before + 1);
    free(r.body);
    curl_easy_cleanup(c);
    server_stop(s);
}

/* Connects to 127.0.0.1:port; the descriptor. */
static int connect_to(unsigned port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {0};
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    return fd;
}

/* Sends `len` raw bytes to 127.0.0.1:port and reads the answer until the
 * server closes the connection (at most 30 s), into resp. */
static void raw_request(unsigned port, const char *req, size_t len, char *resp,
                        size_t cap) {
    int fd = connect_to(port);
    struct timeval tv = {30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    assert_int_equal(send(fd, req, len, MSG_NOSIGNAL), (ssize_t)len);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < cap && (n = recv(fd, resp + got, cap - 1 - got, 0)) > 0)
        got += (size_t)n;
    resp[got] = '\0';
    close(fd);
}

/* A NUL or another control character in the request line, raw or
 * %-encoded, is a 400: /bytes/1%00abc once answered one byte. */
static void test_malformed(void **unused) {
    (void)unused;
    struct server *s = start(0);
    static const char tail[] =
        " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    struct {
        const char *target; /* sizeof - 1 bytes: raw NULs included */
        size_t len;
        const char *status, *text;
    } cases[] = {
#define T(lit) lit, sizeof lit - 1
        {T("/bytes/1%00abc"), "400", "malformed request"},
        {T("/bytes/1\0abc"), "400", "malformed request"},
        {T("/bytes/1?seed=1%002"), "400", "malformed request"},
        {T("/bytes/1?seed=1\0002"), "400", "malformed request"},
        {T("/bytes/1?x=%7f"), "400", "malformed request"},
        {T("/bytes/1%0a"), "400", "malformed request"},
        {T("/bytes/1\t"), "400", "malformed request"},
        {T("/x\0/bytes/1"), "400", "malformed request"},
        /* Well-formed: decoding still works, and %25 is a plain '%'. */
        {T("/bytes/%34?seed=%31"), "200", ""},
        {T("/bytes/1%2500"), "400", "is not a size"},
        {T("/nothing%20here"), "404", "not found"},
#undef T
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char req[256], resp[4096];
        size_t n = 0;
        memcpy(req, "GET ", 4);
        n += 4;
        memcpy(req + n, cases[i].target, cases[i].len);
        n += cases[i].len;
        memcpy(req + n, tail, sizeof tail - 1);
        n += sizeof tail - 1;
        raw_request(server_port(s), req, n, resp, sizeof resp);
        char status[32];
        snprintf(status, sizeof status, "HTTP/1.1 %s ", cases[i].status);
        if (strncmp(resp, status, strlen(status)) != 0 ||
            !strstr(resp, cases[i].text))
            fail_msg("case %zu: expected %s ... %s, got: %.200s", i,
                     cases[i].status, cases[i].text, resp);
    }
    /* The well-formed one: the body of /bytes/4?seed=1. */
    char req[] = "GET /bytes/%34?seed=%31 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 "Connection: close\r\n\r\n",
         resp[4096];
    raw_request(server_port(s), req, sizeof req - 1, resp, sizeof resp);
    char *body = strstr(resp, "\r\n\r\n");
    assert_non_null(body);
    unsigned char want[4];
    body_fill(1, 0, want, 4);
    assert_memory_equal(body + 4, want, 4);
    server_stop(s);
}

/* Idle connections (nothing sent, or half a request line) hold no place
 * for long: the server closes them after its idle timeout (5 s beyond the
 * latency; it was 120 s, long enough for ~1000 of them to lock every
 * client out), and a fresh client is served meanwhile and afterwards.
 * The wait for the closes is a bound, not a measurement. */
static void test_idle_connections_closed(void **unused) {
    (void)unused;
    enum { IDLE = 200, BOUND_S = 60 };
    struct server *s = start(0);
    int fds[IDLE];
    static const char half[] = "GET /bytes/1 HTTP/1.1\r\nHost:";
    for (int i = 0; i < IDLE; i++) {
        fds[i] = connect_to(server_port(s));
        if (i % 2)
            assert_int_equal(send(fds[i], half, sizeof half - 1, MSG_NOSIGNAL),
                             (ssize_t)(sizeof half - 1));
    }
    CURL *c = curl_easy_init();
    struct reply r;
    fetch(c, server_port(s), "GET", "/bytes/10", &r);
    assert_int_equal(r.status, 200);
    free(r.body);
    uint64_t deadline = clock_mono_ns() + BOUND_S * 1000000000ull;
    for (int i = 0; i < IDLE; i++) {
        uint64_t now = clock_mono_ns();
        struct pollfd p = {fds[i], POLLIN, 0};
        int pr = now < deadline
                     ? poll(&p, 1, (int)((deadline - now) / 1000000u) + 1)
                     : 0;
        if (pr <= 0)
            fail_msg("idle connection %d still open after %d s", i, BOUND_S);
        char b[512];
        ssize_t n = recv(fds[i], b, sizeof b, 0);
        assert_true(n == 0 || (n < 0 && errno == ECONNRESET));
        close(fds[i]);
    }
    fetch(c, server_port(s), "GET", "/bytes/10", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 10);
    free(r.body);
    curl_easy_cleanup(c);
    server_stop(s);
}

/* A port in use: the error sentence.  libmicrohttpd also says why on its
 * own, through the server's logger: on stderr as "parbench serve: ..."
 * unless the server is quiet, then not at all. */
static void test_port_in_use(void **unused) {
    (void)unused;
    struct server *s = start(0);
    for (int quiet = 0; quiet < 2; quiet++) {
        struct server_options o = {server_port(s), 0, 0, quiet};
        struct server *t = NULL;
        char err[256] = "", path[] = "/tmp/pb-test-stderr-XXXXXX";
        int tmp = mkstemp(path), saved = dup(2);
        assert_true(tmp >= 0 && saved >= 0);
        fflush(stderr);
        dup2(tmp, 2);
        int rc = server_start(&o, &t, err, sizeof err);
        fflush(stderr);
        dup2(saved, 2);
        close(saved);
        assert_true(rc < 0);
        assert_null(t);
        assert_non_null(strstr(err, "cannot serve on 127.0.0.1:"));
        char said[1024];
        ssize_t n = pread(tmp, said, sizeof said - 1, 0);
        assert_true(n >= 0);
        said[n] = '\0';
        close(tmp);
        unlink(path);
        if (quiet)
            assert_string_equal(said, "");
        else
            assert_memory_equal(said, "parbench serve: ", 16);
    }
    server_stop(s);
}

/* A request waiting out a long latency does not hold up server_stop. */
struct pending {
    unsigned port;
    struct reply r;
};

static void *ask(void *arg) {
    struct pending *p = arg;
    CURL *c = curl_easy_init();
    fetch(c, p->port, "GET", "/bytes/10", &p->r);
    curl_easy_cleanup(c);
    return NULL;
}

static void test_stop_during_latency(void **unused) {
    (void)unused;
    struct server *s = start(3600ull * 1000000000u); /* an hour */
    struct pending p;
    memset(&p, 0, sizeof p);
    p.port = server_port(s);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, ask, &p), 0);
    /* Whether or not the request has arrived yet, stopping must end it:
     * the client sees a closed connection, never a body. */
    server_stop(s);
    pthread_join(t, NULL);
    assert_int_not_equal(p.r.rc, CURLE_OK);
    assert_int_equal(p.r.len, 0);
    free(p.r.body);
}

static int setup(void **state) {
    (void)state;
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

static int teardown(void **state) {
    (void)state;
    curl_global_cleanup();
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_and_checksum),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_head),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_idle_connections_closed),
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_stop_during_latency),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
