/* SPDX-License-Identifier: MIT */
/*
 * progress.c - the progress line of `parbench run` (see progress.h).
 */
#include "run/progress.h"

#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "0:07", "12:34", "1:02:03". */
static void fmt_clock(char *buf, size_t len, uint64_t ns) {
    uint64_t s = (ns + 500000000u) / 1000000000u;
    if (s >= 3600)
        snprintf(buf, len, "%llu:%02llu:%02llu", (unsigned long long)(s / 3600),
                 (unsigned long long)(s / 60 % 60),
                 (unsigned long long)(s % 60));
    else
        snprintf(buf, len, "%llu:%02llu", (unsigned long long)(s / 60),
                 (unsigned long long)(s % 60));
}

void progress_format(char *buf, size_t len, unsigned width, size_t cell_no,
                     size_t ncells, const char *label, unsigned rep,
                     unsigned reps, uint64_t elapsed_ns, size_t done,
                     size_t total) {
    char what[48], elapsed[32], left[40];
    if (rep == 0)
        snprintf(what, sizeof what, "warmup");
    else
        snprintf(what, sizeof what, "repetition %u/%u", rep, reps);
    fmt_clock(elapsed, sizeof elapsed, elapsed_ns);
    if (done == 0 || done > total) {
        snprintf(left, sizeof left, "?");
    } else {
        char t[32];
        double ns = (double)elapsed_ns * (double)(total - done) / (double)done;
        fmt_clock(t, sizeof t, (uint64_t)ns);
        snprintf(left, sizeof left, "~%s", t);
    }
    snprintf(buf, len, "[%zu/%zu] %s  %s  elapsed %s  left %s", cell_no, ncells,
             label, what, elapsed, left);
    if (width > 1 && strlen(buf) > width - 1)
        buf[width - 1] = '\0';
}

void progress_init(struct progress *p, FILE *out, int enabled, size_t ncells,
                   size_t total) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->enabled = enabled;
    p->ncells = ncells;
    p->total = total;
    p->start_ns = mono_ns();
    struct winsize ws;
    if (enabled && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        p->width = ws.ws_col;
}

void progress_cell(struct progress *p, size_t cell_no, const char *label,
                   size_t before_cell) {
    p->cell_no = cell_no;
    p->before_cell = before_cell;
    snprintf(p->label, sizeof p->label, "%s", label);
}

void progress_show(struct progress *p, unsigned rep, unsigned reps,
                   size_t done_in_cell) {
    if (!p->enabled)
        return;
    char line[512];
    progress_format(line, sizeof line, p->width, p->cell_no, p->ncells,
                    p->label, rep, reps, mono_ns() - p->start_ns,
                    p->before_cell + done_in_cell, p->total);
    fprintf(p->out, "\r\033[K%s", line);
    fflush(p->out);
}

void progress_finish(struct progress *p) {
    if (!p->enabled)
        return;
    fputs("\r\033[K", p->out);
    fflush(p->out);
}
