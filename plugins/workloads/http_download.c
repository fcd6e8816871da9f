/* SPDX-License-Identifier: MIT */
/*
 * http_download.c - the `http-download` workload: one HTTP(S) download per
 * task with libcurl, an I/O-bound job (docs/http.md).
 *
 *   url             a template; every "{task}" becomes the task index
 *                   (0 .. files-1), e.g. ${server}/bytes/64KiB?seed={task}
 *   files           tasks when `url` is used (default 16)
 *   urls            instead of url: a file with one URL per line (blank
 *                   lines and lines starting with '#' are skipped), one
 *                   task per URL, read relative to the working directory;
 *                   a regular file of at most 64MiB, lines of at most
 *                   8192 bytes
 *   connect_timeout connecting may take this long (default 10s)
 *   timeout         a whole transfer may take this long (default 60s)
 *
 * Each worker owns one easy handle for all its tasks, so connections are
 * reused (keep-alive).  Only http and https are allowed, also for
 * redirects (at most 5 are followed); TLS peers are verified.
 *
 * Task result: items = body bytes received, checksum = XXH64 (seed 0) of
 * the body.  A task fails on a transfer error (refused, timed out, closed
 * early), an HTTP status outside 2xx, a body shorter or longer than its
 * Content-Length, or a body whose XXH64 differs from the one the server
 * announced in X-Parbench-Checksum (the built-in server does).
 *
 * merge adds mix(checksum + mix(task + 1)) over the tasks (mod 2^64), so
 * the answer does not depend on the order tasks finish in but does on
 * which body came for which task.  verify checks that every repetition in
 * this cell process produced the same answer and byte count as the first
 * one did (the content behind the URLs did not change); that every task
 * was merged exactly once is the core's guarantee.
 */
#include <parbench/plugin.h>

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#define HD_MAX_FILES 1000000u
/* A urls file: at most this many bytes, and lines of at most this many
 * bytes (the newline not counted), so that reading it is bounded. */
#define HD_URLS_MAX_BYTES (64u << 20)
#define HD_URLS_MAX_BYTES_TEXT "64MiB"
#define HD_URLS_MAX_LINE 8192u
#define HD_MAX_REDIRECTS 5L
/* Error bodies are quoted in the task's error up to this many bytes. */
#define HD_SNIPPET 120
/* The announced checksum: header name and value prefix (the server's
 * body.h says the same; a plugin links nothing of the core). */
#define HD_SUM_HEADER "X-Parbench-Checksum:"
#define HD_SUM_PREFIX "xxh64:"

/* `files` unless given; it must stay the default when `urls` is used. */
#define HD_DEFAULT_FILES 16
#define HD_DEFAULT_FILES_TEXT "16"

static const struct pb_param hd_params[] = {
    {"url", PB_PARAM_STRING, "", NULL, NULL, NULL,
     "URL template, {task} becomes the task index; e.g. "
     "${server}/bytes/64KiB?seed={task}"},
    {"files", PB_PARAM_UINT, HD_DEFAULT_FILES_TEXT, "1", "1000000", NULL,
     "tasks (downloads) when url is given"},
    {"urls", PB_PARAM_STRING, "", NULL, NULL, NULL,
     "instead of url: a file with one URL per line, one task each"},
    {"connect_timeout", PB_PARAM_DURATION, "10s", "1ms", "10m", NULL,
     "a connection attempt fails after this long"},
    {"timeout", PB_PARAM_DURATION, "60s", "1ms", "60m", NULL,
     "a whole transfer fails after this long"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

struct http_download {
    const struct pb_host *host; /* borrowed; outlives the state */
    char *tmpl;                 /* url template, or NULL           */
    char **urls;                /* urls file lines, or NULL        */
    uint64_t tasks;
    long connect_ms, timeout_ms;

    /* The merged answer (coordinator only). */
    uint64_t sum, items;
    int have_first; /* a repetition was verified: first_* hold it */
    uint64_t first_sum, first_items;
};

/* One worker's connection and the transfer in progress. */
struct hd_worker {
    const struct http_download *hd;
    CURL *curl;
    char *url; /* expanded template, grown as needed */
    size_t url_cap;
    XXH64_state_t *xxh;
    uint64_t bytes;
    int announced, bad_announce; /* X-Parbench-Checksum seen / unreadable */
    uint64_t announced_sum;
    char status_line[96];
    char snippet[HD_SNIPPET + 1];
    size_t snippet_len;
    char curl_err[CURL_ERROR_SIZE];
};

/* ------------------------------------------------------------------------ */
/* URLs                                                                      */
/* ------------------------------------------------------------------------ */

/* tmpl with every "{task}" replaced by `task` in decimal, into buf (cap
 * bytes, always NUL-terminated when cap > 0).  Returns the length of the
 * full expansion, so a result >= cap means buf was too small. */
static size_t hd_expand(const char *tmpl, uint64_t task, char *buf,
                        size_t cap) {
    static const char var[] = "{task}";
    char digits[24];
    int nd = snprintf(digits, sizeof digits, "%" PRIu64, task);
    size_t n = 0;
    for (const char *p = tmpl; *p;) {
        const char *piece = p;
        size_t len = 1;
        if (strncmp(p, var, sizeof var - 1) == 0) {
            piece = digits;
            len = (size_t)nd;
            p += sizeof var - 1;
        } else {
            p++;
        }
        for (size_t i = 0; i < len; i++, n++)
            if (n + 1 < cap)
                buf[n] = piece[i];
    }
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

/* 1 if url starts with http:// or https:// (any case). */
static int hd_scheme_ok(const char *url) {
    return strncasecmp(url, "http://", 7) == 0 ||
           strncasecmp(url, "https://", 8) == 0;
}

static void hd_free_urls(char **urls) {
    for (size_t i = 0; urls && urls[i]; i++)
        free(urls[i]);
    free(urls);
}

/* What a file that is not a regular one is, for the error sentence. */
static const char *hd_file_kind(mode_t mode) {
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISSOCK(mode))
        return "a socket";
    return "not a regular file";
}

/* The whole urls file into a malloc'd, NUL-terminated buffer (*len bytes
 * before the NUL), or NULL with err.  Only a regular file of at most
 * HD_URLS_MAX_BYTES is read: opened with O_NONBLOCK, so that a FIFO
 * cannot block the open, and refused after fstat unless it is a regular
 * file; a file that grows past the bound while it is read is refused too. */
static char *hd_slurp(const char *path, size_t *len, char *err, size_t errlen) {
    char *buf = NULL;
    size_t n = 0, cap = 0;
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0)
        goto unreadable;
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen,
                 "urls = %s: is %s, not a regular file; name a text file "
                 "with one URL per line",
                 path, hd_file_kind(st.st_mode));
        goto fail;
    }
    if (st.st_size > (off_t)HD_URLS_MAX_BYTES)
        goto too_big;
    for (;;) {
        if (n > HD_URLS_MAX_BYTES)
            goto too_big;
        if (n + 1 >= cap) { /* room for a byte past the bound, and a NUL */
            size_t ncap = cap ? 2 * cap : 64 * 1024;
            if (ncap > HD_URLS_MAX_BYTES + 2)
                ncap = HD_URLS_MAX_BYTES + 2;
            char *nb = realloc(buf, ncap);
            if (!nb) {
                snprintf(err, errlen, "out of memory reading %s", path);
                goto fail;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - 1 - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            goto unreadable;
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
    buf[n] = '\0';
    *len = n;
    return buf;
unreadable:
    snprintf(err, errlen, "urls = %s: cannot be read (%s)", path,
             strerror(errno));
    goto fail;
too_big:
    snprintf(err, errlen,
             "urls = %s: more than %s, the limit of a urls file; split its "
             "URLs over several workload sections",
             path, HD_URLS_MAX_BYTES_TEXT);
fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* Reads the urls file: a NULL-terminated array (owned by the caller) and
 * its length, or NULL with err. */
static char **hd_read_urls(const char *path, uint64_t *count, char *err,
                           size_t errlen) {
    size_t size = 0;
    char *text = hd_slurp(path, &size, err, errlen);
    if (!text)
        return NULL;
    char **urls = NULL;
    size_t n = 0, cap = 0;
    unsigned lineno = 0;
    int bad = 0;
    for (char *line = text, *end = text + size; !bad && line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t len = nl ? (size_t)(nl - line) : (size_t)(end - line);
        char *next = nl ? nl + 1 : end;
        lineno++;
        if (len > HD_URLS_MAX_LINE) {
            snprintf(err, errlen,
                     "%s:%u: a line of more than %u bytes; write one URL of "
                     "at most %u bytes per line",
                     path, lineno, HD_URLS_MAX_LINE, HD_URLS_MAX_LINE);
            bad = 1;
            break;
        }
        if (memchr(line, '\0', len)) {
            snprintf(err, errlen,
                     "%s:%u: a NUL byte; a urls file is text, one URL per "
                     "line",
                     path, lineno);
            bad = 1;
            break;
        }
        line[len] = '\0';
        while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ' ||
                           line[len - 1] == '\t'))
            line[--len] = '\0';
        char *u = line;
        line = next;
        while (*u == ' ' || *u == '\t')
            u++;
        if (!*u || *u == '#')
            continue;
        if (!hd_scheme_ok(u)) {
            snprintf(err, errlen,
                     "%s:%u: '%.80s' is not an http:// or https:// URL", path,
                     lineno, u);
            bad = 1;
        } else if (n >= HD_MAX_FILES) {
            snprintf(err, errlen, "%s: more than %u URLs", path, HD_MAX_FILES);
            bad = 1;
        } else {
            if (n + 2 > cap) {
                size_t ncap = cap ? 2 * cap : 64;
                char **nu = realloc(urls, ncap * sizeof *nu);
                if (!nu) {
                    snprintf(err, errlen, "out of memory reading %s", path);
                    bad = 1;
                    break;
                }
                urls = nu;
                cap = ncap;
            }
            if (!(urls[n] = strdup(u))) {
                snprintf(err, errlen, "out of memory reading %s", path);
                bad = 1;
                break;
            }
            urls[++n] = NULL;
        }
    }
    free(text);
    if (!bad && n == 0) {
        snprintf(err, errlen, "urls = %s: the file lists no URL", path);
        bad = 1;
    }
    if (bad) {
        hd_free_urls(urls);
        return NULL;
    }
    *count = n;
    return urls;
}

/* ------------------------------------------------------------------------ */
/* Checking and creating                                                     */
/* ------------------------------------------------------------------------ */

static int hd_check(const struct pb_host *host, const struct pb_params *params,
                    char *err, size_t errlen) {
    const char *url = host->param_string(params, "url");
    const char *urls = host->param_string(params, "urls");
    if (!*url == !*urls) {
        snprintf(err, errlen,
                 *url ? "set url or urls, not both"
                      : "set url (a template such as "
                        "${server}/bytes/64KiB?seed={task}) or urls (a file "
                        "with one URL per line)");
        return -1;
    }
    /* ${server} becomes http://127.0.0.1:PORT before the cells run. */
    if (*url && strncmp(url, "${server}", 9) != 0 && !hd_scheme_ok(url)) {
        snprintf(err, errlen,
                 "url = %.120s: only http:// and https:// URLs (or "
                 "${server}/...) are downloaded",
                 url);
        return -1;
    }
    if (*urls) {
        /* `files` counts the tasks of `url` only: with `urls` the file's
         * lines are the tasks. */
        if (host->param_uint(params, "files") != HD_DEFAULT_FILES) {
            snprintf(err, errlen,
                     "files applies to url only; with urls = %.120s every "
                     "line of the file is a task: remove files",
                     urls);
            return -1;
        }
        /* Read the whole file now, so that a bad line is a config error
         * before anything runs, not a failed row. */
        uint64_t n = 0;
        char **list = hd_read_urls(urls, &n, err, errlen);
        if (!list)
            return -1;
        hd_free_urls(list);
    }
    return 0;
}

/* curl_global_init once per process, before any worker thread: create()
 * runs in the coordinator before workers exist, and in each fresh worker
 * process.  Never cleaned up: a process that ran this plugin never unloads
 * it (docs/architecture.md). */
static pthread_once_t hd_once = PTHREAD_ONCE_INIT;
static CURLcode hd_init_rc;
static void hd_global_init(void) {
    hd_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void hd_destroy(void *state) {
    struct http_download *hd = state;
    if (!hd)
        return;
    free(hd->tmpl);
    hd_free_urls(hd->urls);
    free(hd);
}

static int hd_create(const struct pb_host *host, const struct pb_params *params,
                     void **state, char *err, size_t errlen) {
    if (hd_check(host, params, err, errlen) < 0)
        return -1;
    const char *url = host->param_string(params, "url");
    const char *urls = host->param_string(params, "urls");
    if (*url && !hd_scheme_ok(url)) { /* e.g. ${server} left unsubstituted */
        snprintf(err, errlen,
                 "url = %.120s: only http:// and https:// URLs are "
                 "downloaded",
                 url);
        return -1;
    }
    pthread_once(&hd_once, hd_global_init);
    if (hd_init_rc != CURLE_OK) {
        snprintf(err, errlen, "curl_global_init failed: %s",
                 curl_easy_strerror(hd_init_rc));
        return -1;
    }
    struct http_download *hd = calloc(1, sizeof *hd);
    if (!hd) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    hd->host = host;
    hd->connect_ms =
        (long)(host->param_uint(params, "connect_timeout") / 1000000u);
    hd->timeout_ms = (long)(host->param_uint(params, "timeout") / 1000000u);
    if (*url) {
        hd->tasks = host->param_uint(params, "files");
        if (!(hd->tmpl = strdup(url))) {
            hd_destroy(hd);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    } else if (!(hd->urls = hd_read_urls(urls, &hd->tasks, err, errlen))) {
        hd_destroy(hd);
        return -1;
    }
    *state = hd;
    return 0;
}

static uint64_t hd_task_count(const void *state) {
    return ((const struct http_download *)state)->tasks;
}

static void hd_begin(void *state) {
    struct http_download *hd = state;
    hd->sum = hd->items = 0;
}

/* ------------------------------------------------------------------------ */
/* Transfers                                                                 */
/* ------------------------------------------------------------------------ */

static size_t hd_on_body(char *data, size_t size, size_t n, void *userp) {
    struct hd_worker *w = userp;
    size_t len = size * n;
    if (w->hd->host->cancelled())
        return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
    XXH64_update(w->xxh, data, len);
    w->bytes += len;
    if (w->snippet_len < HD_SNIPPET) {
        size_t k = HD_SNIPPET - w->snippet_len < len
                       ? HD_SNIPPET - w->snippet_len
                       : len;
        memcpy(w->snippet + w->snippet_len, data, k);
        w->snippet_len += k;
    }
    return len;
}

/* Header lines, one per call, not NUL-terminated. */
static size_t hd_on_header(char *data, size_t size, size_t n, void *userp) {
    struct hd_worker *w = userp;
    size_t len = size * n;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        /* A new response (after a redirect or 100 Continue): forget the
         * previous one's headers and body. */
        size_t k =
            len < sizeof w->status_line ? len : sizeof w->status_line - 1;
        memcpy(w->status_line, data, k);
        w->status_line[k] = '\0';
        w->announced = w->bad_announce = 0;
        w->bytes = 0;
        w->snippet_len = 0;
        XXH64_reset(w->xxh, 0);
        return size * n;
    }
    size_t hl = sizeof HD_SUM_HEADER - 1;
    if (len > hl && strncasecmp(data, HD_SUM_HEADER, hl) == 0) {
        const char *v = data + hl;
        size_t vl = len - hl;
        while (vl && (*v == ' ' || *v == '\t')) {
            v++;
            vl--;
        }
        char hex[17];
        size_t pl = sizeof HD_SUM_PREFIX - 1;
        if (vl == pl + 16 && strncasecmp(v, HD_SUM_PREFIX, pl) == 0) {
            memcpy(hex, v + pl, 16);
            hex[16] = '\0';
            char *end = NULL;
            w->announced_sum = strtoull(hex, &end, 16);
            w->announced = end == hex + 16;
        }
        w->bad_announce = !w->announced;
    }
    return size * n;
}

/* Called about once a second even when nothing arrives: lets a
 * cancelled run end a stalled transfer. */
static int hd_on_progress(void *userp, curl_off_t dt, curl_off_t dn,
                          curl_off_t ut, curl_off_t un) {
    struct hd_worker *w = userp;
    (void)dt;
    (void)dn;
    (void)ut;
    (void)un;
    return w->hd->host->cancelled() ? 1 : 0;
}

static void hd_worker_free(struct hd_worker *w) {
    if (!w)
        return;
    if (w->curl)
        curl_easy_cleanup(w->curl);
    if (w->xxh)
        XXH64_freeState(w->xxh);
    free(w->url);
    free(w);
}

static int hd_worker_init(void *state, unsigned worker, void **wstate,
                          char *err, size_t errlen) {
    const struct http_download *hd = state;
    struct hd_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->xxh = XXH64_createState()) ||
        !(w->curl = curl_easy_init())) {
        hd_worker_free(w);
        snprintf(err, errlen, "worker %u: cannot create a curl handle", worker);
        return -1;
    }
    w->hd = hd;
    CURL *c = w->curl;
    CURLcode rc = CURLE_OK;
#define HD_SET(opt, val)                                                       \
    do {                                                                       \
        if (rc == CURLE_OK)                                                    \
            rc = curl_easy_setopt(c, opt, val);                                \
    } while (0)
    HD_SET(CURLOPT_NOSIGNAL, 1L);
    HD_SET(CURLOPT_PROTOCOLS_STR, "http,https");
    HD_SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    HD_SET(CURLOPT_FOLLOWLOCATION, 1L);
    HD_SET(CURLOPT_MAXREDIRS, HD_MAX_REDIRECTS);
    HD_SET(CURLOPT_SSL_VERIFYPEER, 1L);
    HD_SET(CURLOPT_SSL_VERIFYHOST, 2L);
    HD_SET(CURLOPT_CONNECTTIMEOUT_MS, hd->connect_ms);
    HD_SET(CURLOPT_TIMEOUT_MS, hd->timeout_ms);
    HD_SET(CURLOPT_USERAGENT, "parbench-http-download");
    HD_SET(CURLOPT_ERRORBUFFER, w->curl_err);
    HD_SET(CURLOPT_WRITEFUNCTION, hd_on_body);
    HD_SET(CURLOPT_WRITEDATA, w);
    HD_SET(CURLOPT_HEADERFUNCTION, hd_on_header);
    HD_SET(CURLOPT_HEADERDATA, w);
    HD_SET(CURLOPT_XFERINFOFUNCTION, hd_on_progress);
    HD_SET(CURLOPT_XFERINFODATA, w);
    HD_SET(CURLOPT_NOPROGRESS, 0L);
#undef HD_SET
    if (rc != CURLE_OK) {
        snprintf(err, errlen, "worker %u: setting up curl: %s", worker,
                 curl_easy_strerror(rc));
        hd_worker_free(w);
        return -1;
    }
    *wstate = w;
    return 0;
}

static void hd_worker_fini(void *state, void *wstate) {
    (void)state;
    hd_worker_free(wstate);
}

/* The URL of `task`: a urls line, or the template expanded into w->url. */
static const char *hd_task_url(struct hd_worker *w, uint64_t task) {
    const struct http_download *hd = w->hd;
    if (hd->urls)
        return hd->urls[task];
    size_t need = hd_expand(hd->tmpl, task, w->url, w->url_cap);
    if (need >= w->url_cap) {
        char *u = realloc(w->url, need + 1);
        if (!u)
            return NULL;
        w->url = u;
        w->url_cap = need + 1;
        hd_expand(hd->tmpl, task, w->url, w->url_cap);
    }
    return w->url;
}

/* The printable start of an error body, for the error sentence. */
static void hd_snippet(const struct hd_worker *w, char *buf, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < w->snippet_len && n + 1 < len; i++) {
        char ch = w->snippet[i];
        if (ch == '\n' || ch == '\r' || ch == '\t')
            ch = ' ';
        if (ch < 32 || ch > 126)
            break;
        buf[n++] = ch;
    }
    while (n && buf[n - 1] == ' ')
        n--;
    buf[n] = '\0';
}

static int hd_run_task(void *state, void *wstate, struct pb_task_ctx *ctx,
                       uint64_t task, struct pb_task_result *out, char *err,
                       size_t errlen) {
    const struct http_download *hd = state;
    struct hd_worker *w = wstate;
    if (task >= hd->tasks || !w) {
        snprintf(err, errlen, "task %" PRIu64 " of %" PRIu64 " %s", task,
                 hd->tasks, w ? "does not exist" : "has no curl handle");
        return -1;
    }
    const char *url = hd_task_url(w, task);
    if (!url) {
        snprintf(err, errlen, "out of memory for the URL");
        return -1;
    }
    w->bytes = 0;
    w->announced = w->bad_announce = 0;
    w->status_line[0] = '\0';
    w->snippet_len = 0;
    w->curl_err[0] = '\0';
    XXH64_reset(w->xxh, 0);
    curl_easy_setopt(w->curl, CURLOPT_URL, url);

    hd->host->blocking_begin(ctx);
    CURLcode rc = curl_easy_perform(w->curl);
    hd->host->blocking_end(ctx);

    if (rc != CURLE_OK) {
        long os_errno = 0;
        curl_easy_getinfo(w->curl, CURLINFO_OS_ERRNO, &os_errno);
        snprintf(err, errlen, "%s: %s%s%s%s", url,
                 w->curl_err[0] ? w->curl_err : curl_easy_strerror(rc),
                 os_errno ? " (" : "", os_errno ? strerror((int)os_errno) : "",
                 os_errno ? ")" : "");
        if (rc == CURLE_ABORTED_BY_CALLBACK ||
            (rc == CURLE_WRITE_ERROR && hd->host->cancelled()))
            snprintf(err, errlen, "%s: cancelled", url);
        return -1;
    }
    long status = 0;
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status > 299) {
        char snip[HD_SNIPPET + 1];
        hd_snippet(w, snip, sizeof snip);
        snprintf(err, errlen, "%s: HTTP status %ld (%s)%s%s", url, status,
                 w->status_line[0] ? w->status_line : "no status line",
                 snip[0] ? ": " : "", snip);
        return -1;
    }
    curl_off_t length = -1;
    curl_easy_getinfo(w->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (length >= 0 && (uint64_t)length != w->bytes) {
        snprintf(err, errlen,
                 "%s: body of %" PRIu64 " bytes, but Content-Length said "
                 "%" PRId64,
                 url, w->bytes, (int64_t)length);
        return -1;
    }
    uint64_t sum = XXH64_digest(w->xxh);
    if (w->bad_announce) {
        snprintf(err, errlen,
                 "%s: unreadable %s header (expected %s and 16 hex digits)",
                 url, HD_SUM_HEADER, HD_SUM_PREFIX);
        return -1;
    }
    if (w->announced && sum != w->announced_sum) {
        snprintf(err, errlen,
                 "%s: body's XXH64 is %016" PRIx64 ", the server announced "
                 "%016" PRIx64,
                 url, sum, w->announced_sum);
        return -1;
    }
    out->checksum = sum;
    out->items = w->bytes;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Merging and verifying                                                     */
/* ------------------------------------------------------------------------ */

/* splitmix64's finaliser: a bijection that spreads every input bit. */
static uint64_t hd_mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The task's share of the answer: order-independent under addition, but
 * tied to the task so that swapped bodies change the sum. */
static uint64_t hd_combine(uint64_t task, uint64_t checksum) {
    return hd_mix(checksum + hd_mix(task + 1));
}

static int hd_merge(void *state, uint64_t task,
                    const struct pb_task_result *res, char *err,
                    size_t errlen) {
    struct http_download *hd = state;
    if (task >= hd->tasks) {
        snprintf(err, errlen,
                 "merge of task %" PRIu64 ", but there are %" PRIu64 " tasks",
                 task, hd->tasks);
        return -1;
    }
    hd->sum += hd_combine(task, res->checksum);
    hd->items += res->items;
    return 0;
}

static int hd_verify(void *state, uint64_t *checksum, char *err,
                     size_t errlen) {
    struct http_download *hd = state;
    *checksum = hd->sum;
    if (!hd->have_first) {
        hd->have_first = 1;
        hd->first_sum = hd->sum;
        hd->first_items = hd->items;
        return 0;
    }
    if (hd->sum != hd->first_sum || hd->items != hd->first_items) {
        snprintf(err, errlen,
                 "checksum 0x%" PRIx64 " over %" PRIu64 " bytes differs from "
                 "0x%" PRIx64 " over %" PRIu64 " bytes of the first "
                 "repetition: the content behind the URLs changed",
                 hd->sum, hd->items, hd->first_sum, hd->first_items);
        return -1;
    }
    return 0;
}

static const struct pb_workload_ops hd_ops = {
    .size = sizeof(struct pb_workload_ops),
    .create = hd_create,
    .task_count = hd_task_count,
    .begin = hd_begin,
    .worker_init = hd_worker_init,
    .worker_fini = hd_worker_fini,
    .run_task = hd_run_task,
    .merge = hd_merge,
    .verify = hd_verify,
    .destroy = hd_destroy,
    .check = hd_check,
};

static const struct pb_plugin hd_desc = {
    .abi_version = PB_ABI_VERSION,
    .kind = PB_KIND_WORKLOAD,
    .name = "http-download",
    .summary = "download one URL per task with libcurl (I/O-bound); bodies "
               "checked against sizes and announced checksums",
    .params = hd_params,
    .flags = 0,
    .workload = &hd_ops,
    .executor = NULL,
};

PB_DEFINE_PLUGIN(hd_desc)
