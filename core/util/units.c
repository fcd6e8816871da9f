/* SPDX-License-Identifier: MIT */
/*
 * units.c - scalar values as the INI, the CLI and the server read them:
 * integers, numbers, booleans, sizes and durations, and their canonical
 * text.
 */
#include "util/units.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/errors.h"
/* ------------------------------------------------------------------------ */
/* Scanning                                                                 */
/* ------------------------------------------------------------------------ */

const char *units_skip_blanks(const char *s) {
    while (isspace((unsigned char)*s))
        s++;
    return s;
}

int units_only_blanks(const char *s) { return *units_skip_blanks(s) == '\0'; }

/* Digits at *p into *out; *p moves past every digit.  UNITS_SYNTAX if
 * there is none, UNITS_RANGE if they do not fit. */
static enum units_scan scan_digits(const char **p, uint64_t *out) {
    const char *s = *p;
    uint64_t v = 0;
    int over = 0;
    if (!isdigit((unsigned char)*s))
        return UNITS_SYNTAX;
    for (; isdigit((unsigned char)*s); s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return over ? UNITS_RANGE : UNITS_OK;
}

enum units_scan units_scan_uint(const char *text, uint64_t *out) {
    const char *s = units_skip_blanks(text);
    uint64_t v;
    enum units_scan r = scan_digits(&s, &v);
    if (r == UNITS_SYNTAX || !units_only_blanks(s))
        return UNITS_SYNTAX;
    if (r == UNITS_OK)
        *out = v;
    return r;
}

enum units_scan units_scan_int(const char *text, int64_t *out) {
    const char *s = units_skip_blanks(text);
    int neg = 0;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    uint64_t v;
    enum units_scan r = scan_digits(&s, &v);
    if (r == UNITS_SYNTAX || !units_only_blanks(s))
        return UNITS_SYNTAX;
    if (r == UNITS_RANGE)
        return r;
    if (neg) {
        if (v > (uint64_t)INT64_MAX + 1)
            return UNITS_RANGE;
        *out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
    } else {
        if (v > (uint64_t)INT64_MAX)
            return UNITS_RANGE;
        *out = (int64_t)v;
    }
    return UNITS_OK;
}

struct unit {
    const char *name; /* lower case; "" = no unit written */
    uint64_t mult;
};

#define KIB (UINT64_C(1) << 10)
#define MIB (UINT64_C(1) << 20)
#define GIB (UINT64_C(1) << 30)
#define TIB (UINT64_C(1) << 40)
static const struct unit size_units[] = {
    {"", 1},         {"b", 1},           {"k", KIB},
    {"ki", KIB},     {"kib", KIB},       {"kb", 1000},
    {"m", MIB},      {"mi", MIB},        {"mib", MIB},
    {"mb", 1000000}, {"g", GIB},         {"gi", GIB},
    {"gib", GIB},    {"gb", 1000000000}, {"t", TIB},
    {"ti", TIB},     {"tib", TIB},       {"tb", UINT64_C(1000000000000)},
    {NULL, 0}};

#define NS_S UINT64_C(1000000000)
#define MICRO_SIGN_S "\xc2\xb5s" /* "µs" in UTF-8 */
static const struct unit duration_units[] = {
    {"", NS_S},         {"ns", 1},   {"us", 1000},     {MICRO_SIGN_S, 1000},
    {"ms", 1000000},    {"s", NS_S}, {"m", 60 * NS_S}, {"min", 60 * NS_S},
    {"h", 3600 * NS_S}, {NULL, 0}};

static uint64_t pow10u(int k) {
    uint64_t p = 1;
    while (k-- > 0)
        p *= 10;
    return p;
}

/*
 * "DIGITS[.DIGITS] [UNIT]" scaled exactly by the unit's multiplier.  The
 * result must be a whole number of base units ("0.5KiB" is 512 bytes,
 * "0.5ns" is refused).
 */
static enum units_scan scan_scaled(const char *text, const struct unit *units,
                                   uint64_t *out) {
    const char *s = units_skip_blanks(text);
    uint64_t ipart = 0, frac = 0;
    int have_int = 0, k = 0, fine = 0;
    enum units_scan ir = UNITS_OK;
    if (isdigit((unsigned char)*s)) {
        ir = scan_digits(&s, &ipart);
        have_int = 1;
    }
    if (*s == '.') {
        s++;
        if (!isdigit((unsigned char)*s))
            return UNITS_SYNTAX;
        for (; isdigit((unsigned char)*s); s++) {
            if (k < 19)
                frac = frac * 10 + (uint64_t)(*s - '0'), k++;
            else if (*s != '0')
                fine = 1;
        }
    } else if (!have_int) {
        return UNITS_SYNTAX;
    }
    s = units_skip_blanks(s);
    const char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    size_t ulen = (size_t)(end - s);
    const struct unit *u = NULL;
    for (const struct unit *c = units; c->name; c++)
        if (strlen(c->name) == ulen && strncasecmp(c->name, s, ulen) == 0) {
            u = c;
            break;
        }
    if (!u)
        return UNITS_SYNTAX;
    if (ir == UNITS_RANGE)
        return UNITS_RANGE;
    if (u->mult && ipart > UINT64_MAX / u->mult)
        return UNITS_RANGE;
    uint64_t total = ipart * u->mult;

    while (k > 0 && frac % 10 == 0)
        frac /= 10, k--;
    uint64_t m = u->mult;
    while (k > 0 && m % 10 == 0)
        m /= 10, k--;
    if (fine)
        return UNITS_FRACTION;
    if (frac) {
        if (m && frac > UINT64_MAX / m)
            return k > 0 ? UNITS_FRACTION : UNITS_RANGE;
        uint64_t p = frac * m;
        if (k > 0) {
            uint64_t q = pow10u(k);
            if (p % q != 0)
                return UNITS_FRACTION;
            p /= q;
        }
        if (total > UINT64_MAX - p)
            return UNITS_RANGE;
        total += p;
    }
    *out = total;
    return UNITS_OK;
}

enum units_scan units_scan_float(const char *text, double *out) {
    const char *s = units_skip_blanks(text);
    if (!*s)
        return UNITS_SYNTAX;
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (end == s || !units_only_blanks(end))
        return UNITS_SYNTAX;
    if (isnan(d))
        return UNITS_SYNTAX;
    if (!isfinite(d))
        return UNITS_RANGE;
    *out = d;
    return UNITS_OK;
}

enum units_scan units_scan_bool(const char *text, int *out) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    const char *s = units_skip_blanks(text);
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    for (size_t i = 0; i < 4; i++) {
        if (strlen(yes[i]) == n && strncasecmp(s, yes[i], n) == 0) {
            *out = 1;
            return UNITS_OK;
        }
        if (strlen(no[i]) == n && strncasecmp(s, no[i], n) == 0) {
            *out = 0;
            return UNITS_OK;
        }
    }
    return UNITS_SYNTAX;
}

/* ------------------------------------------------------------------------ */
/* Public scalar parsers                                                    */
/* ------------------------------------------------------------------------ */

int parse_int(const char *text, int64_t *out) {
    return units_scan_int(text, out) == UNITS_OK ? 0 : PB_EINVAL;
}

int parse_uint(const char *text, uint64_t *out) {
    return units_scan_uint(text, out) == UNITS_OK ? 0 : PB_EINVAL;
}

int parse_float(const char *text, double *out) {
    return units_scan_float(text, out) == UNITS_OK ? 0 : PB_EINVAL;
}

int parse_bool(const char *text, int *out) {
    return units_scan_bool(text, out) == UNITS_OK ? 0 : PB_EINVAL;
}

enum units_scan units_scan_size(const char *text, uint64_t *out) {
    return scan_scaled(text, size_units, out);
}

enum units_scan units_scan_duration(const char *text, uint64_t *out_ns) {
    return scan_scaled(text, duration_units, out_ns);
}

int parse_size(const char *text, uint64_t *out) {
    return units_scan_size(text, out) == UNITS_OK ? 0 : PB_EINVAL;
}

int parse_duration(const char *text, uint64_t *out_ns) {
    return units_scan_duration(text, out_ns) == UNITS_OK ? 0 : PB_EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Canonical text                                                           */
/* ------------------------------------------------------------------------ */

void format_size(uint64_t bytes, char *buf, size_t len) {
    static const char *const names[] = {"TiB", "GiB", "MiB", "KiB"};
    if (!len)
        return;
    if (bytes) {
        for (int i = 0; i < 4; i++) {
            uint64_t m = UINT64_C(1) << (10 * (4 - i));
            if (bytes % m == 0) {
                snprintf(buf, len, "%" PRIu64 "%s", bytes / m, names[i]);
                return;
            }
        }
    }
    snprintf(buf, len, "%" PRIu64, bytes);
}

void format_duration(uint64_t ns, char *buf, size_t len) {
    static const struct unit order[] = {{"h", 3600 * NS_S}, {"m", 60 * NS_S},
                                        {"s", NS_S},        {"ms", 1000000},
                                        {"us", 1000},       {"ns", 1}};
    if (!len)
        return;
    if (ns == 0) {
        snprintf(buf, len, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (ns % order[i].mult == 0) {
            snprintf(buf, len, "%" PRIu64 "%s", ns / order[i].mult,
                     order[i].name);
            return;
        }
    }
}
