/* SPDX-License-Identifier: MIT */
/*
 * test_workload_http_download.c - the `http-download` workload against the
 * fake host: URL templating, the urls file, parameter checks, and the
 * merged answer (order independence, repetition agreement).  Downloads
 * over real sockets are in tests/e2e/http_*.sh.
 */
/* cmocka needs these first (clang-format keeps the two blocks apart). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_host.h"

#include "../../plugins/workloads/http_download.c"

static void test_expand(void **unused) {
    (void)unused;
    char buf[128];
    assert_int_equal(hd_expand("http://h/f{task}.bin", 7, buf, sizeof buf),
                     strlen("http://h/f7.bin"));
    assert_string_equal(buf, "http://h/f7.bin");
    hd_expand("http://h/{task}/{task}?s={task}", 12345, buf, sizeof buf);
    assert_string_equal(buf, "http://h/12345/12345?s=12345");
    hd_expand("http://h/x", 3, buf, sizeof buf); /* no variable at all */
    assert_string_equal(buf, "http://h/x");
    hd_expand("http://h/{tas}{task", 3, buf, sizeof buf); /* near misses */
    assert_string_equal(buf, "http://h/{tas}{task");
    hd_expand("{task}", UINT64_MAX, buf, sizeof buf);
    assert_string_equal(buf, "18446744073709551615");
    /* Too small a buffer: truncated, terminated, full length returned. */
    char small[8];
    assert_int_equal(hd_expand("http://h/{task}", 100, small, sizeof small),
                     strlen("http://h/100"));
    assert_string_equal(small, "http://");
    assert_int_equal(hd_expand("a{task}", 5, NULL, 0), 2);
}

static void test_scheme(void **unused) {
    (void)unused;
    assert_true(hd_scheme_ok("http://127.0.0.1/"));
    assert_true(hd_scheme_ok("HTTPS://example.org/"));
    assert_false(hd_scheme_ok("ftp://example.org/"));
    assert_false(hd_scheme_ok("file:///etc/passwd"));
    assert_false(hd_scheme_ok("127.0.0.1/x"));
}

static int check_with(const char *url, const char *urls, char *err,
                      size_t len) {
    struct pb_params ps;
    fake_params_init(&ps, &hd_desc);
    fake_params_set_string(&ps, "url", url);
    fake_params_set_string(&ps, "urls", urls);
    err[0] = '\0';
    return hd_check(&fake_host, &ps, err, len);
}

static void test_check(void **unused) {
    (void)unused;
    char err[256];
    assert_int_equal(
        check_with("${server}/bytes/1?seed={task}", "", err, sizeof err), 0);
    assert_int_equal(check_with("http://127.0.0.1:1/x", "", err, sizeof err),
                     0);
    assert_true(check_with("", "", err, sizeof err) < 0);
    assert_non_null(strstr(err, "set url"));
    assert_true(check_with("http://a/", "/etc/hostname", err, sizeof err) < 0);
    assert_non_null(strstr(err, "not both"));
    assert_true(check_with("ftp://a/", "", err, sizeof err) < 0);
    assert_non_null(strstr(err, "only http:// and https://"));
    assert_true(check_with("", "/nonexistent/urls.txt", err, sizeof err) < 0);
    assert_non_null(strstr(err, "cannot be read"));
}

/* A urls file with the given text; returns its path (static buffer). */
static const char *urls_file(const char *text) {
    static char path[64];
    strcpy(path, "/tmp/pb-test-urls-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_urls_file(void **unused) {
    (void)unused;
    char err[256] = "";
    uint64_t n = 0;
    const char *p = urls_file("# a comment\n\n  http://a/1  \r\n"
                              "https://b/2\n\t\nhttp://c/3");
    char **u = hd_read_urls(p, &n, err, sizeof err);
    assert_non_null(u);
    assert_int_equal(n, 3);
    assert_string_equal(u[0], "http://a/1");
    assert_string_equal(u[1], "https://b/2");
    assert_string_equal(u[2], "http://c/3");
    assert_null(u[3]);
    hd_free_urls(u);
    unlink(p);

    p = urls_file("http://a/1\nftp://b/2\n");
    assert_null(hd_read_urls(p, &n, err, sizeof err));
    assert_non_null(strstr(err, ":2: 'ftp://b/2' is not an http"));
    unlink(p);

    p = urls_file("# nothing\n\n");
    assert_null(hd_read_urls(p, &n, err, sizeof err));
    assert_non_null(strstr(err, "lists no URL"));
    unlink(p);
}

/* hd_read_urls(path) in a child process that an alarm ends should the
 * read never return (a FIFO that blocks, /dev/zero read without end), and
 * whose address space is bounded (except under the sanitizers, which
 * reserve terabytes) should it grow without end.  Returns 0 with the URL
 * count, or -1 with the error in err. */
static int read_urls_bounded(const char *path, uint64_t *count, char *err,
                             size_t len) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        alarm(10); /* a bound on a hang, not a measurement */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
        struct rlimit as = {1ul << 31, 1ul << 31};
        setrlimit(RLIMIT_AS, &as);
#endif
        char msg[512] = "";
        uint64_t n = 0;
        char **u = hd_read_urls(path, &n, msg, sizeof msg);
        char out[600];
        int k = u ? snprintf(out, sizeof out, "ok %llu", (unsigned long long)n)
                  : snprintf(out, sizeof out, "error %s", msg);
        hd_free_urls(u);
        _exit(write(p[1], out, (size_t)k) == k ? 0 : 1);
    }
    close(p[1]);
    char out[600];
    size_t got = 0;
    ssize_t r;
    while ((r = read(p[0], out + got, sizeof out - 1 - got)) > 0)
        got += (size_t)r;
    close(p[0]);
    out[got] = '\0';
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        fail_msg("reading urls = %s did not return (killed by signal %d)", path,
                 WTERMSIG(status));
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (strncmp(out, "ok ", 3) == 0) {
        *count = strtoull(out + 3, NULL, 10);
        return 0;
    }
    assert_memory_equal(out, "error ", 6);
    snprintf(err, len, "%s", out + 6);
    return -1;
}

/* A urls file that is not a regular file is refused at once, saying what
 * it is. */
static void test_urls_directory(void **unused) {
    (void)unused;
    char err[512] = "", dir[] = "/tmp/pb-test-urls-dir-XXXXXX";
    uint64_t n = 0;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(read_urls_bounded(dir, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ": is a directory, not a regular file"));
    assert_non_null(strstr(err, "name a text file with one URL per line"));
    rmdir(dir);
}

/* A FIFO with a writer that never closes it: an open without O_NONBLOCK
 * would succeed (there is a writer) and the read would wait forever. */
static void test_urls_fifo(void **unused) {
    (void)unused;
    char err[512] = "", dir[] = "/tmp/pb-test-urls-dir-XXXXXX", fifo[64];
    uint64_t n = 0;
    assert_non_null(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    int w = open(fifo, O_RDWR | O_NONBLOCK);
    assert_true(w >= 0);
    assert_int_equal(write(w, "http://a/1\n", 11), 11);
    assert_int_equal(read_urls_bounded(fifo, &n, err, sizeof err), -1);
    assert_non_null(
        strstr(err, ": is a FIFO (named pipe), not a regular file"));
    close(w);
    unlink(fifo);
    rmdir(dir);
}

/* Endless bytes: refused before a byte is read. */
static void test_urls_dev_zero(void **unused) {
    (void)unused;
    char err[512] = "";
    uint64_t n = 0;
    assert_int_equal(read_urls_bounded("/dev/zero", &n, err, sizeof err), -1);
    assert_string_equal(err, "urls = /dev/zero: is a character device, not a "
                             "regular file; name a text file with one URL "
                             "per line");
}

/* A line of exactly HD_URLS_MAX_LINE bytes is read, one more is not. */
static void test_urls_line_bound(void **unused) {
    (void)unused;
    char err[512] = "";
    uint64_t n = 0;
    size_t max = HD_URLS_MAX_LINE;
    char *text = malloc(2 * max + 16);
    assert_non_null(text);
    memcpy(text, "http://a/", 9);
    memset(text + 9, 'x', max - 9);
    strcpy(text + max, "\n");
    const char *p = urls_file(text);
    assert_int_equal(read_urls_bounded(p, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    unlink(p);
    strcpy(text, "http://a/1\n");
    memcpy(text + 11, "http://a/", 9);
    memset(text + 20, 'x', max - 8); /* line 2: max + 1 bytes */
    strcpy(text + 12 + max, "\n");
    p = urls_file(text);
    assert_int_equal(read_urls_bounded(p, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: a line of more than 8192 bytes; write one "
                                "URL of at most 8192 bytes per line"));
    unlink(p);
    free(text);
}

/* A (sparse) file one byte larger than the bound. */
static void test_urls_size_bound(void **unused) {
    (void)unused;
    char err[512] = "";
    uint64_t n = 0;
    const char *p = urls_file("http://a/1\n");
    assert_int_equal(truncate(p, (off_t)HD_URLS_MAX_BYTES + 1), 0);
    assert_int_equal(read_urls_bounded(p, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ": more than 64MiB, the limit of a urls "
                                "file; split its URLs over several workload "
                                "sections"));
    unlink(p);
}

/* A NUL byte would cut a URL short without a word. */
static void test_urls_nul(void **unused) {
    (void)unused;
    char err[512] = "";
    uint64_t n = 0;
    static const char nul[] = "http://a/1\nhttp://a/2\0x\n";
    const char *p = urls_file("");
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(nul, 1, sizeof nul - 1, f), sizeof nul - 1);
    fclose(f);
    assert_int_equal(read_urls_bounded(p, &n, err, sizeof err), -1);
    assert_non_null(strstr(err, ":2: a NUL byte; a urls file is text"));
    unlink(p);
}

static struct http_download *create(const char *url, uint64_t files) {
    struct pb_params ps;
    fake_params_init(&ps, &hd_desc);
    fake_params_set_string(&ps, "url", url);
    fake_params_set_uint(&ps, "files", files);
    void *state = NULL;
    char err[256] = "";
    if (hd_create(&fake_host, &ps, &state, err, sizeof err) < 0)
        fail_msg("create: %s", err);
    return state;
}

static void test_create(void **unused) {
    (void)unused;
    struct http_download *hd = create("http://127.0.0.1:1/f{task}", 5);
    assert_int_equal(hd_task_count(hd), 5);
    hd_destroy(hd);

    /* ${server} that the runner did not substitute is refused. */
    struct pb_params ps;
    fake_params_init(&ps, &hd_desc);
    fake_params_set_string(&ps, "url", "${server}/bytes/1");
    void *state = NULL;
    char err[256] = "";
    assert_true(hd_create(&fake_host, &ps, &state, err, sizeof err) < 0);
    assert_non_null(strstr(err, "only http:// and https://"));
}

/* Merges results (task, checksum) in the given order and verifies. */
static int merge_all(struct http_download *hd, const uint64_t *order,
                     const uint64_t *sums, uint64_t *answer) {
    char err[256];
    hd_begin(hd);
    for (uint64_t i = 0; i < hd->tasks; i++) {
        struct pb_task_result r = {sums[order[i]], 100 + order[i], NULL, 0};
        if (hd_merge(hd, order[i], &r, err, sizeof err) < 0)
            return -1;
    }
    return hd_verify(hd, answer, err, sizeof err);
}

static void test_merge_order_and_agreement(void **unused) {
    (void)unused;
    struct http_download *hd = create("http://127.0.0.1:1/f{task}", 4);
    const uint64_t sums[] = {11, 22, 33, 44}, swapped[] = {22, 11, 33, 44};
    const uint64_t fwd[] = {0, 1, 2, 3}, rev[] = {3, 2, 1, 0};
    uint64_t a = 0, b = 0, c = 0;
    assert_int_equal(merge_all(hd, fwd, sums, &a), 0);
    /* Another finishing order: the same answer, and it agrees with the
     * first repetition. */
    assert_int_equal(merge_all(hd, rev, sums, &b), 0);
    assert_int_equal(a, b);
    /* The same bodies for other tasks: a different answer, refused
     * because it disagrees with the first repetition. */
    assert_true(merge_all(hd, fwd, swapped, &c) < 0);
    assert_int_not_equal(a, c);
    hd_destroy(hd);
}

static void test_merge_errors(void **unused) {
    (void)unused;
    struct http_download *hd = create("http://127.0.0.1:1/f{task}", 3);
    char err[256];
    struct pb_task_result r = {1, 1, NULL, 0};
    hd_begin(hd);
    assert_int_equal(hd_merge(hd, 0, &r, err, sizeof err), 0);
    assert_true(hd_merge(hd, 3, &r, err, sizeof err) < 0);
    assert_non_null(strstr(err, "there are 3 tasks"));
    hd_destroy(hd);
}

static void test_descriptor(void **unused) {
    (void)unused;
    assert_string_equal(hd_desc.name, "http-download");
    assert_int_equal(hd_desc.kind, PB_KIND_WORKLOAD);
    assert_non_null(hd_desc.workload->worker_init);
    assert_non_null(hd_desc.workload->worker_fini);
    assert_non_null(hd_desc.workload->check);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_scheme),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_urls_file),
        cmocka_unit_test(test_urls_directory),
        cmocka_unit_test(test_urls_fifo),
        cmocka_unit_test(test_urls_dev_zero),
        cmocka_unit_test(test_urls_line_bound),
        cmocka_unit_test(test_urls_size_bound),
        cmocka_unit_test(test_urls_nul),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_merge_order_and_agreement),
        cmocka_unit_test(test_merge_errors),
        cmocka_unit_test(test_descriptor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
