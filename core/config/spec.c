/* SPDX-License-Identifier: MIT */
/*
 * spec.c - building and parsing the workload spec of spec.h.
 */
#include "config/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errors.h"

/* ------------------------------------------------------------------------ */
/* Building                                                                 */
/* ------------------------------------------------------------------------ */

/* Bytes `s` takes once escaped. */
static size_t escaped_len(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += *p == '\\' || *p == '\n' ? 2 : *p < 0x20 || *p == 0x7f ? 4 : 1;
    return n;
}

static char *put_escaped(char *w, const char *s) {
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '\\' || *p == '\n') {
            *w++ = '\\';
            *w++ = *p == '\\' ? '\\' : 'n';
        } else if (*p < 0x20 || *p == 0x7f) {
            *w++ = '\\';
            *w++ = 'x';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        } else {
            *w++ = (char)*p;
        }
    }
    return w;
}

static char *put_text(char *w, const char *s) {
    size_t n = strlen(s);
    memcpy(w, s, n);
    return w + n;
}

int spec_build(const char *plugin_path, const struct pb_params *ps, char **out,
               size_t *len) {
    size_t need = sizeof SPEC_VERSION_LINE + sizeof "plugin \n" +
                  escaped_len(plugin_path) + sizeof "end\n";
    for (size_t i = 0; ps && i < ps->count; i++)
        if (ps->values[i].set)
            need += sizeof "param  \n" + strlen(ps->table[i].name) +
                    escaped_len(ps->values[i].text);
    char *s = malloc(need);
    if (!s)
        return PB_ENOMEM;
    char *w = put_text(s, SPEC_VERSION_LINE "\nplugin ");
    w = put_escaped(w, plugin_path);
    *w++ = '\n';
    for (size_t i = 0; ps && i < ps->count; i++) {
        if (!ps->values[i].set)
            continue;
        w = put_text(w, "param ");
        w = put_text(w, ps->table[i].name);
        *w++ = ' ';
        w = put_escaped(w, ps->values[i].text);
        *w++ = '\n';
    }
    w = put_text(w, "end\n");
    *w = '\0';
    *out = s;
    *len = (size_t)(w - s);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */
/* ------------------------------------------------------------------------ */

static int hex_digit(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescapes s[0..n-1] into a new string; NULL with err on a bad escape or
 * out of memory (*oom set). */
static char *unescape(const char *s, size_t n, size_t line, int *oom, char *err,
                      size_t errlen) {
    char *o = malloc(n + 1), *w = o;
    if (!o) {
        *oom = 1;
        snprintf(err, errlen, "spec line %zu: out of memory", line);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            *w++ = s[i];
            continue;
        }
        if (i + 1 < n && (s[i + 1] == '\\' || s[i + 1] == 'n')) {
            *w++ = s[i + 1] == 'n' ? '\n' : '\\';
            i++;
            continue;
        }
        int hi, lo;
        if (i + 3 < n && s[i + 1] == 'x' && (hi = hex_digit(s[i + 2])) >= 0 &&
            (lo = hex_digit(s[i + 3])) >= 0 && (hi | lo) != 0) {
            *w++ = (char)(hi * 16 + lo);
            i += 3;
            continue;
        }
        snprintf(err, errlen,
                 "spec line %zu: bad escape at byte %zu (use \\\\, \\n or "
                 "\\xHH with HH not 00)",
                 line, i + 1);
        free(o);
        return NULL;
    }
    *w = '\0';
    return o;
}

void spec_free(struct worker_spec *s) {
    free(s->plugin);
    for (size_t i = 0; i < s->count; i++) {
        free(s->params[i].key);
        free(s->params[i].value);
    }
    free(s->params);
    memset(s, 0, sizeof *s);
}

int spec_parse(const char *buf, size_t len, struct worker_spec *out, char *err,
               size_t errlen) {
    memset(out, 0, sizeof *out);
    if (memchr(buf, '\0', len)) {
        snprintf(err, errlen, "spec: contains a NUL byte");
        return PB_EINVAL;
    }
    size_t pos = 0, line = 0;
    int ended = 0, oom = 0;
    while (pos < len) {
        const char *l = buf + pos;
        const char *nl = memchr(l, '\n', len - pos);
        line++;
        if (!nl) {
            snprintf(err, errlen, "spec line %zu: not terminated by a newline",
                     line);
            return PB_EINVAL;
        }
        size_t n = (size_t)(nl - l);
        pos += n + 1;
        if (ended) {
            snprintf(err, errlen, "spec line %zu: text after 'end'", line);
            return PB_EINVAL;
        }
        if (line == 1) {
            if (n != strlen(SPEC_VERSION_LINE) ||
                memcmp(l, SPEC_VERSION_LINE, n) != 0) {
                snprintf(err, errlen,
                         "spec line 1: expected '" SPEC_VERSION_LINE
                         "' (parbench and parbench-worker of different "
                         "versions?)");
                return PB_EINVAL;
            }
        } else if (n == 3 && memcmp(l, "end", 3) == 0) {
            ended = 1;
        } else if (n > 7 && memcmp(l, "plugin ", 7) == 0 && !out->plugin) {
            out->plugin = unescape(l + 7, n - 7, line, &oom, err, errlen);
            if (!out->plugin)
                return oom ? PB_ENOMEM : PB_EINVAL;
        } else if (n > 6 && memcmp(l, "param ", 6) == 0) {
            const char *k = l + 6, *sp = memchr(k, ' ', n - 6);
            size_t klen = sp ? (size_t)(sp - k) : 0;
            for (size_t i = 0; i < klen; i++)
                if (!((k[i] >= 'a' && k[i] <= 'z') ||
                      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
                    klen = 0;
            if (!klen) {
                snprintf(err, errlen,
                         "spec line %zu: expected 'param KEY VALUE' with "
                         "KEY of [a-z0-9_]",
                         line);
                return PB_EINVAL;
            }
            struct spec_param *np =
                realloc(out->params, (out->count + 1) * sizeof *np);
            if (!np) {
                snprintf(err, errlen, "spec: out of memory");
                return PB_ENOMEM;
            }
            out->params = np;
            struct spec_param *p = &np[out->count];
            p->key = strndup(k, klen);
            p->value = NULL;
            out->count++;
            if (!p->key) {
                snprintf(err, errlen, "spec: out of memory");
                return PB_ENOMEM;
            }
            const char *v = sp + 1;
            p->value =
                unescape(v, (size_t)(l + n - v), line, &oom, err, errlen);
            if (!p->value)
                return oom ? PB_ENOMEM : PB_EINVAL;
        } else {
            snprintf(err, errlen,
                     "spec line %zu: expected 'plugin PATH' (once), "
                     "'param KEY VALUE' or 'end'",
                     line);
            return PB_EINVAL;
        }
    }
    if (!ended || !out->plugin) {
        snprintf(err, errlen, "spec: %s",
                 !out->plugin ? "no 'plugin' line"
                              : "no 'end' line (cut off?)");
        return PB_EINVAL;
    }
    return 0;
}
