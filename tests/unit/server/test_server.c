/*
 * test_server.c - the built-in HTTP server (server/server.c) in-process,
 * asked by libcurl over 127.0.0.1: bodies and their checksum header,
 * keep-alive, 404/400/405, the size bound, stopping while a request
 * waits out its latency.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <curl/curl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "server/body.h"
#include "server/server.h"

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
    struct server_options o = {0, latency_ns, 0};
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
    /* HEAD: the headers of the GET, checksum included, and no body.  (Not
     * at the 1GiB bound: the checksum of a gigabyte takes too long under
     * the sanitizers.) */
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    fetch(c, server_port(s), "HEAD", "/bytes/1MiB?seed=4", &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.len, 0);
    unsigned char *want = malloc(1 << 20);
    assert_non_null(want);
    body_fill(4, 0, want, 1 << 20);
    char hdr[64];
    snprintf(hdr, sizeof hdr, "xxh64:%016" PRIx64, XXH64(want, 1 << 20, 0));
    assert_string_equal(r.checksum, hdr);
    free(want);
    curl_easy_cleanup(c);
    server_stop(s);
}

static void test_port_in_use(void **unused) {
    (void)unused;
    struct server *s = start(0);
    struct server_options o = {server_port(s), 0, 0};
    struct server *t = NULL;
    char err[256] = "";
    assert_true(server_start(&o, &t, err, sizeof err) < 0);
    assert_null(t);
    assert_non_null(strstr(err, "cannot serve on 127.0.0.1:"));
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
        cmocka_unit_test(test_port_in_use),
        cmocka_unit_test(test_stop_during_latency),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
