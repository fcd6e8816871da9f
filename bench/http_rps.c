/* SPDX-License-Identifier: MIT */
/*
 * http_rps.c - requests per second of an HTTP server on loopback, the same
 * client for every server: C threads, one libcurl easy handle each (so
 * keep-alive connections), GET the same URL until R requests are done or
 * S seconds have passed.  Every response must be 200 with as many bytes as
 * its Content-Length said.
 *
 * Usage: bench-http_rps URL [CONNECTIONS [REQUESTS [SECONDS]]]
 *        (defaults 4, 20000, 10; URL must be http://127.0.0.1:...)
 * Prints one line: "requests N seconds S rps R MiB/s M".
 */
#include <curl/curl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *url;
static long max_requests;
static double deadline;
static _Atomic long started, done;
static _Atomic unsigned long long bytes;
static _Atomic int failed;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t count(char *data, size_t size, size_t n, void *userp) {
    (void)data;
    *(unsigned long long *)userp += size * n;
    return size * n;
}

static void *client(void *arg) {
    (void)arg;
    CURL *c = curl_easy_init();
    unsigned long long got = 0;
    if (!c) {
        atomic_store(&failed, 1);
        return NULL;
    }
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, count);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &got);
    while (atomic_fetch_add(&started, 1) < max_requests && now_s() < deadline &&
           !atomic_load(&failed)) {
        got = 0;
        long status = 0;
        curl_off_t len = -1;
        CURLcode rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (rc != CURLE_OK || status != 200 || len < 0 ||
            (unsigned long long)len != got) {
            fprintf(stderr, "bench-http_rps: %s: %s, status %ld\n", url,
                    curl_easy_strerror(rc), status);
            atomic_store(&failed, 1);
            break;
        }
        atomic_fetch_add(&bytes, got);
        atomic_fetch_add(&done, 1);
    }
    curl_easy_cleanup(c);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 2 || strncmp(argv[1], "http://127.0.0.1:", 17) != 0) {
        fprintf(stderr, "usage: bench-http_rps http://127.0.0.1:PORT/PATH "
                        "[CONNECTIONS [REQUESTS [SECONDS]]]\n");
        return 2;
    }
    url = argv[1];
    int conns = argc > 2 ? atoi(argv[2]) : 4;
    max_requests = argc > 3 ? atol(argv[3]) : 20000;
    double seconds = argc > 4 ? atof(argv[4]) : 10;
    if (conns < 1 || conns > 256 || max_requests < 1 || seconds <= 0) {
        fprintf(stderr, "bench-http_rps: bad arguments\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_t t[256];
    double t0 = now_s();
    deadline = t0 + seconds;
    for (int i = 0; i < conns; i++)
        pthread_create(&t[i], NULL, client, NULL);
    for (int i = 0; i < conns; i++)
        pthread_join(t[i], NULL);
    double el = now_s() - t0;
    long n = atomic_load(&done);
    printf("requests %ld seconds %.3f rps %.0f MiB/s %.1f\n", n, el,
           (double)n / el, (double)atomic_load(&bytes) / el / 1048576.0);
    curl_global_cleanup();
    return atomic_load(&failed) ? 1 : 0;
}
