/* SPDX-License-Identifier: MIT */
/*
 * human.c - numbers and text for people (see human.h).
 */
#include "results/human.h"

#include <math.h>
#include <string.h>

/* v (>= 0) with 3 significant digits: "%.2f" below 10, "%.1f" below 100,
 * "%.0f" above.  Returns the value as it was rounded. */
static double sig3(char *buf, size_t len, double v) {
    int decimals = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
    snprintf(buf, len, "%.*f", decimals, v);
    return decimals == 2   ? round(v * 100.0) / 100.0
           : decimals == 1 ? round(v * 10.0) / 10.0
                           : round(v);
}

/* v in the first unit of `units` (each `step` times the previous) that
 * keeps it below `step` after rounding; the last unit takes the rest. */
static void scaled(char *buf, double v, const char *const *units, size_t n,
                   double step) {
    if (!isfinite(v)) {
        snprintf(buf, HUMAN_LEN, "-");
        return;
    }
    double a = fabs(v);
    size_t u = 0;
    char num[HUMAN_LEN];
    while (u + 1 < n && sig3(num, sizeof num, a) >= step) {
        a /= step;
        u++;
    }
    sig3(num, sizeof num, a);
    snprintf(buf, HUMAN_LEN, "%s%s %s", v < 0 ? "-" : "", num, units[u]);
}

/* The length of the UTF-8 sequence at p (1 to 4), or 0 when p does not
 * start a valid one (overlong forms and surrogates included). */
static size_t utf8_length(const unsigned char *p) {
    unsigned char c = p[0];
    size_t n;
    unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */
    if (c >= 0xc2 && c <= 0xdf)
        n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        lo = c == 0xe0 ? 0xa0 : 0x80;
        hi = c == 0xed ? 0x9f : 0xbf;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        lo = c == 0xf0 ? 0x90 : 0x80;
        hi = c == 0xf4 ? 0x8f : 0xbf;
    } else
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xbf)
            return 0;
    return n;
}

const char *human_escape(char *buf, size_t len, const char *text) {
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (len == 0)
        return buf;
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    while (*p) {
        char piece[8];
        size_t k = 0, used = 1;
        if (*p < 0x20 || *p == 0x7f) {
            k = (size_t)snprintf(piece, sizeof piece, "\\x%c%c", hex[*p >> 4],
                                 hex[*p & 15]);
        } else if (*p < 0x80) {
            piece[k++] = (char)*p;
        } else if ((used = utf8_length(p)) == 0) {
            used = 1;
            k = (size_t)snprintf(piece, sizeof piece, "\\x%c%c", hex[*p >> 4],
                                 hex[*p & 15]);
        } else if (used == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
            k = (size_t)snprintf(piece, sizeof piece, "\\u00%c%c",
                                 hex[p[1] >> 4], hex[p[1] & 15]);
        } else {
            memcpy(piece, p, used);
            k = used;
        }
        if (o + k >= len)
            break;
        memcpy(buf + o, piece, k);
        o += k;
        p += used;
    }
    buf[o] = '\0';
    return buf;
}

void human_markdown(FILE *f, const char *text) {
    char esc[HUMAN_NAME_LEN];
    human_escape(esc, sizeof esc, text);
    for (const char *p = esc; *p; p++) {
        if (*p == '|' || *p == '\\')
            fputc('\\', f);
        fputc(*p, f);
    }
}

void human_seconds(char *buf, double seconds) {
    static const char *const units[] = {"ns", "µs", "ms", "s"};
    scaled(buf, seconds * 1e9, units, 4, 1000.0);
}

void human_kib(char *buf, double kib) {
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    scaled(buf, kib, units, 4, 1024.0);
}

static void human_bytes(char *buf, double bytes) {
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    scaled(buf, bytes, units, 5, 1024.0);
}

static void human_count(char *buf, double v, const char *suffix) {
    static const char *const units[] = {"", "k", "M", "G", "T"};
    if (!isfinite(v)) {
        snprintf(buf, HUMAN_LEN, "-");
        return;
    }
    if (fabs(v) < 1000.0 && v == floor(v)) { /* small counts exactly */
        snprintf(buf, HUMAN_LEN, "%.0f%s%s", v, *suffix ? " " : "", suffix);
        return;
    }
    char num[HUMAN_LEN];
    double a = fabs(v);
    size_t u = 0;
    while (u + 1 < 5 && sig3(num, sizeof num, a) >= 1000.0) {
        a /= 1000.0;
        u++;
    }
    sig3(num, sizeof num, a);
    snprintf(buf, HUMAN_LEN, "%s%s%s%s%s", v < 0 ? "-" : "", num,
             *units[u] || *suffix ? " " : "", units[u], suffix);
}

void human_value(char *buf, double v, enum human_unit unit) {
    switch (unit) {
    case HUMAN_SECONDS:
        human_seconds(buf, v);
        break;
    case HUMAN_KIB:
        human_kib(buf, v);
        break;
    case HUMAN_BYTES:
        human_bytes(buf, v);
        break;
    case HUMAN_RATE:
        human_count(buf, v, "/s");
        break;
    case HUMAN_COUNT:
    default:
        human_count(buf, v, "");
        break;
    }
}

void human_sig3(char *buf, double v) {
    if (!isfinite(v)) {
        snprintf(buf, HUMAN_LEN, "-");
        return;
    }
    char num[HUMAN_LEN];
    sig3(num, sizeof num, fabs(v));
    snprintf(buf, HUMAN_LEN, "%s%s", v < 0 ? "-" : "", num);
}

void human_ratio(char *buf, double ratio) {
    human_sig3(buf, ratio);
    if (isfinite(ratio))
        strcat(buf, "×");
}

void human_p(char *buf, double p) {
    if (!isfinite(p))
        snprintf(buf, HUMAN_LEN, "p = -");
    else if (p < 0.001)
        snprintf(buf, HUMAN_LEN, "p < 0.001");
    else if (p < 0.01)
        snprintf(buf, HUMAN_LEN, "p < 0.01");
    else if (p < 0.1)
        snprintf(buf, HUMAN_LEN, "p = %.3f", p);
    else
        snprintf(buf, HUMAN_LEN, "p = %.2f", p);
}

void human_percent(char *buf, double fraction) {
    if (!isfinite(fraction))
        snprintf(buf, HUMAN_LEN, "-");
    else
        snprintf(buf, HUMAN_LEN, "%.1f%%", fraction * 100.0);
}

/* Columns of the first n bytes of text. */
static size_t human_width_n(const char *text, size_t n) {
    size_t w = 0;
    for (size_t i = 0; i < n && text[i]; i++)
        w += ((unsigned char)text[i] & 0xc0) != 0x80; /* continuation bytes
                                                         take no column */
    return w;
}

size_t human_width(const char *text) { return human_width_n(text, (size_t)-1); }

void human_pad(FILE *f, const char *text, size_t width, int right) {
    size_t w = human_width(text);
    if (!right)
        fputs(text, f);
    for (; w < width; w++)
        fputc(' ', f);
    if (right)
        fputs(text, f);
}

void human_wrap(FILE *f, const char *text, size_t width, const char *first,
                const char *rest) {
    const char *prefix = first;
    size_t col = 0;
    int line_has_word = 0;
    const char *p = text;
    fputs(prefix, f);
    col = human_width(prefix);
    while (*p) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        /* "p = 0.10" and "p < 0.01" stay on one line. */
        size_t len = strcspn(p, " ");
        while (p[len] == ' ' && (p[len + 1] == '=' || p[len + 1] == '<') &&
               p[len + 2] == ' ' && p[len + 3] != '\0' && p[len + 3] != ' ')
            len += 3 + strcspn(p + len + 3, " ");
        size_t w = human_width_n(p, len);
        if (line_has_word && col + 1 + w > width) {
            fputc('\n', f);
            fputs(rest, f);
            col = human_width(rest);
            line_has_word = 0;
        }
        if (line_has_word) {
            fputc(' ', f);
            col++;
        }
        /* A word wider than a whole line is cut where lines end. */
        const char *q = p, *end = p + len;
        while (col + human_width_n(q, (size_t)(end - q)) > width &&
               col < width) {
            const char *cut_at = q;
            for (size_t c = col; c < width && cut_at < end; c++)
                do
                    cut_at++;
                while (cut_at < end && ((unsigned char)*cut_at & 0xc0) == 0x80);
            fwrite(q, 1, (size_t)(cut_at - q), f);
            fputc('\n', f);
            fputs(rest, f);
            col = human_width(rest);
            q = cut_at;
        }
        fwrite(q, 1, (size_t)(end - q), f);
        col += human_width_n(q, (size_t)(end - q));
        line_has_word = 1;
        p += len;
    }
    fputc('\n', f);
}

/* Writes text cut to `width` columns, ending in "…" when cut. */
static void put_cut(FILE *f, const char *text, size_t width) {
    if (human_width(text) <= width) {
        fputs(text, f);
        return;
    }
    size_t cols = 0;
    const char *p = text;
    for (; *p; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80) {
            if (cols + 1 == width)
                break;
            cols++;
        }
    }
    fwrite(text, 1, (size_t)(p - text), f);
    fputs("…", f);
}

void human_grid(FILE *f, const char *indent, const char *const *header,
                const int *right, size_t ncol, const char *const *cells,
                size_t nrows, int shrink, size_t width) {
    size_t w[64];
    if (ncol > 64)
        ncol = 64;
    size_t total = human_width(indent);
    for (size_t j = 0; j < ncol; j++) {
        w[j] = human_width(header[j]);
        for (size_t i = 0; i < nrows; i++) {
            size_t cw = human_width(cells[i * ncol + j]);
            w[j] = cw > w[j] ? cw : w[j];
        }
        total += w[j] + (j ? 2 : 0);
    }
    if (width > 0 && total > width && shrink >= 0 && (size_t)shrink < ncol) {
        size_t over = total - width, j = (size_t)shrink;
        w[j] = w[j] > over + 8 ? w[j] - over : (w[j] < 8 ? w[j] : 8);
    }
    for (size_t i = 0; i <= nrows; i++) {
        fputs(indent, f);
        for (size_t j = 0; j < ncol; j++) {
            const char *t = i == 0 ? header[j] : cells[(i - 1) * ncol + j];
            size_t tw = human_width(t);
            if (j)
                fputs("  ", f);
            if (tw > w[j]) {
                put_cut(f, t, w[j]);
                continue;
            }
            if (j == ncol - 1 && !right[j]) {
                fputs(t, f); /* no trailing blanks */
                continue;
            }
            if (j == ncol - 2 && !right[j + 1] && i > 0 &&
                !*cells[(i - 1) * ncol + j + 1]) {
                human_pad(f, t, right[j] ? w[j] : 0, right[j]);
                break; /* the last cell is empty: no trailing blanks */
            }
            human_pad(f, t, w[j], right[j]);
        }
        fputc('\n', f);
    }
}
