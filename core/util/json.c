/* SPDX-License-Identifier: MIT */
/*
 * json.c - JSON strings and numbers (see json.h).
 */
#include "util/json.h"

#include <locale.h>
#include <math.h>
#include <stddef.h>

#include "util/errors.h"

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the bytes at s
 * are not one (overlong forms, surrogates and values past U+10FFFF count
 * as invalid, as RFC 3629 says). */
static size_t utf8_length(const unsigned char *s) {
    unsigned char c = s[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

int json_write_string(FILE *f, const char *text) {
    if (text == NULL)
        return fputs("null", f) < 0 ? PB_EIO : 0;
    int bad = fputc('"', f) == EOF;
    const unsigned char *s = (const unsigned char *)text;
    while (*s && !bad) {
        unsigned char c = *s;
        const char *esc = NULL;
        switch (c) {
        case '"':
            esc = "\\\"";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\b':
            esc = "\\b";
            break;
        case '\f':
            esc = "\\f";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        case '\t':
            esc = "\\t";
            break;
        default:
            break;
        }
        if (esc != NULL) {
            bad = fputs(esc, f) < 0;
            s++;
        } else if (c < 0x20) {
            bad = fprintf(f, "\\u%04x", c) < 0;
            s++;
        } else if (c == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0) {
            /* C1 controls (U+0080..U+009F): valid JSON raw, but a
             * terminal may act on them (U+009B starts an escape). */
            bad = fprintf(f, "\\u%04x", s[1]) < 0;
            s += 2;
        } else {
            size_t len = utf8_length(s);
            if (len == 0) {
                bad = fputs("\\ufffd", f) < 0;
                s++;
            } else {
                bad = fwrite(s, 1, len, f) != len;
                s += len;
            }
        }
    }
    if (!bad)
        bad = fputc('"', f) == EOF;
    return bad ? PB_EIO : 0;
}

int json_write_member(FILE *f, const char *prefix, double v) {
    if (fputs(prefix, f) < 0)
        return PB_EIO;
    return json_write_number(f, v);
}

int json_write_number(FILE *f, double v) {
    if (!isfinite(v))
        return fputs("null", f) < 0 ? PB_EIO : 0;
    if (v == 0.0)
        v = 0.0; /* no "-0" */
    locale_t c_loc = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    locale_t old = c_loc != (locale_t)0 ? uselocale(c_loc) : (locale_t)0;
    int rc = fprintf(f, "%.9g", v) < 0 ? PB_EIO : 0;
    if (c_loc != (locale_t)0) {
        uselocale(old);
        freelocale(c_loc);
    }
    return rc;
}
