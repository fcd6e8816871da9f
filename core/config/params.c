/* SPDX-License-Identifier: MIT */
/*
 * params.c - typed values (integers, sizes, durations, worker lists) and
 * the core-side store of a plugin instance's validated parameters.
 */
#include "config/params.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/errors.h"
#include "util/hot.h"
#include "util/names.h"
#include "util/suggest.h"
#include "util/units.h"

/* The shortest "%g" text that reads back as the same double. */
static void format_float(double d, char *buf, size_t len) {
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* ------------------------------------------------------------------------ */
/* Worker lists                                                             */
/* ------------------------------------------------------------------------ */

int parse_workers_list(const char *text, unsigned ncpu, unsigned **out,
                       size_t *count, char *err, size_t errlen) {
    *out = NULL;
    *count = 0;
    if (units_only_blanks(text)) {
        snprintf(err, errlen,
                 "the worker list is empty; write worker counts such as "
                 "1, 2, ncpu");
        return PB_EINVAL;
    }
    char *copy = strdup(text);
    unsigned *list = malloc((strlen(text) / 2 + 1) * sizeof *list);
    if (!copy || !list) {
        free(copy);
        free(list);
        snprintf(err, errlen, "out of memory");
        return PB_ENOMEM;
    }
    size_t n = 0;
    int rc = 0;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        char *s = (char *)units_skip_blanks(item);
        size_t l = strlen(s);
        while (l > 0 && isspace((unsigned char)s[l - 1]))
            s[--l] = '\0';
        uint64_t v = 0;
        if (l == 0) {
            snprintf(err, errlen,
                     "'%s' has an empty item; separate worker counts with "
                     "single commas, e.g. 1, 2, 4",
                     text);
            rc = PB_EINVAL;
            break;
        }
        if (strcasecmp(s, "ncpu") == 0) {
            v = ncpu ? ncpu : 1;
        } else {
            enum units_scan r = units_scan_uint(s, &v);
            if (r == UNITS_OK && v == 0) {
                snprintf(err, errlen,
                         "0 is not a worker count; every item must be 1 or "
                         "more (or ncpu)");
                rc = PB_EINVAL;
                break;
            }
            if (r == UNITS_RANGE || (r == UNITS_OK && v > PB_MAX_WORKERS)) {
                snprintf(err, errlen,
                         "'%s' is too many workers; the largest count is %u", s,
                         PB_MAX_WORKERS);
                rc = PB_EINVAL;
                break;
            }
            if (r != UNITS_OK) {
                snprintf(err, errlen,
                         "'%s' is not a worker count; write whole numbers "
                         ">= 1 or ncpu, e.g. 1, 2, ncpu",
                         s);
                rc = PB_EINVAL;
                break;
            }
        }
        size_t j;
        for (j = 0; j < n && list[j] != (unsigned)v; j++)
            ;
        if (j == n)
            list[n++] = (unsigned)v;
        if (!comma)
            break;
        item = comma + 1;
    }
    free(copy);
    if (rc < 0) {
        free(list);
        return rc;
    }
    *out = list;
    *count = n;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* One parameter                                                            */
/* ------------------------------------------------------------------------ */

const char *param_type_name(enum pb_param_type type) {
    switch (type) {
    case PB_PARAM_INT:
        return "integer";
    case PB_PARAM_UINT:
        return "unsigned integer";
    case PB_PARAM_FLOAT:
        return "number";
    case PB_PARAM_BOOL:
        return "boolean";
    case PB_PARAM_STRING:
        return "string";
    case PB_PARAM_SIZE:
        return "size";
    case PB_PARAM_DURATION:
        return "duration";
    case PB_PARAM_ENUM:
        return "choice";
    }
    return "unknown type";
}

static int type_known(int t) { return t >= PB_PARAM_INT && t <= PB_PARAM_ENUM; }

static int type_has_bounds(enum pb_param_type t) {
    return t == PB_PARAM_INT || t == PB_PARAM_UINT || t == PB_PARAM_FLOAT ||
           t == PB_PARAM_SIZE || t == PB_PARAM_DURATION;
}

/* Appends printf-style text to the NUL-terminated buf of size len. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
append(char *buf, size_t len, const char *fmt, ...) {
    size_t used = strnlen(buf, len);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* "a, b, c" of a NULL-terminated list, appended to buf. */
static void append_list(char *buf, size_t len, const char *const *items) {
    for (size_t i = 0; items && items[i]; i++)
        append(buf, len, "%s%s", i ? ", " : "", items[i]);
}

/*
 * Parse text as type t (choices for ENUM) into v's numeric fields, without
 * bounds.  On failure writes what is wrong with the text and how to write
 * it ("is not a size; write ...") into why.
 */
static int parse_typed(enum pb_param_type t, const char *const *choices,
                       const char *text, struct param_value *v, char *why,
                       size_t whylen) {
    enum units_scan r = UNITS_SYNTAX;
    switch (t) {
    case PB_PARAM_INT:
        r = units_scan_int(text, &v->i);
        if (r == UNITS_RANGE)
            snprintf(why, whylen,
                     "is out of range; integers go from %" PRId64
                     " to %" PRId64,
                     INT64_MIN, INT64_MAX);
        else if (r)
            snprintf(why, whylen,
                     "is not an integer; write a whole number such as 42 "
                     "or -3");
        break;
    case PB_PARAM_UINT:
        r = units_scan_uint(text, &v->u);
        if (r == UNITS_RANGE)
            snprintf(why, whylen, "is too large; the largest is %" PRIu64,
                     UINT64_MAX);
        else if (r)
            snprintf(why, whylen,
                     "is not an unsigned integer; write a whole number "
                     "such as 42");
        break;
    case PB_PARAM_FLOAT:
        r = units_scan_float(text, &v->f);
        if (r)
            snprintf(why, whylen,
                     "is not a finite number; write a number such as 0.5 "
                     "or 1e-9");
        break;
    case PB_PARAM_BOOL:
        r = units_scan_bool(text, &v->b);
        if (r)
            snprintf(why, whylen,
                     "is not a boolean; write true or false (yes/no, "
                     "on/off, 1/0)");
        break;
    case PB_PARAM_STRING:
        r = UNITS_OK;
        break;
    case PB_PARAM_SIZE:
        r = units_scan_size(text, &v->u);
        if (r == UNITS_RANGE)
            snprintf(why, whylen,
                     "is too large; the largest size is %" PRIu64 " bytes",
                     UINT64_MAX);
        else if (r == UNITS_FRACTION)
            snprintf(why, whylen,
                     "is not a whole number of bytes; write e.g. 1536 or "
                     "1.5KiB");
        else if (r)
            snprintf(why, whylen,
                     "is not a size; write bytes such as 4096, 64KiB, 1MiB "
                     "or 1MB");
        break;
    case PB_PARAM_DURATION:
        r = units_scan_duration(text, &v->u);
        if (r == UNITS_RANGE)
            snprintf(why, whylen,
                     "is too long; durations are limited to about 584 "
                     "years");
        else if (r == UNITS_FRACTION)
            snprintf(why, whylen,
                     "is finer than a nanosecond; write e.g. 1500ns or "
                     "1.5us");
        else if (r)
            snprintf(why, whylen,
                     "is not a duration; write a time such as 250ns, "
                     "100us, 50ms, 1.5s, 1m or 1h");
        break;
    case PB_PARAM_ENUM: {
        const char *s = units_skip_blanks(text);
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        size_t i, folded = SIZE_MAX;
        for (i = 0; choices && choices[i]; i++) {
            if (strlen(choices[i]) != n)
                continue;
            if (strncmp(choices[i], s, n) == 0)
                break;
            if (folded == SIZE_MAX && strncasecmp(choices[i], s, n) == 0)
                folded = i;
        }
        if (!(choices && choices[i]) && folded != SIZE_MAX)
            i = folded;
        if (choices && choices[i]) {
            v->u = i;
            r = UNITS_OK;
            break;
        }
        why[0] = '\0';
        append(why, whylen, "is not one of ");
        append_list(why, whylen, choices);
        size_t nc = 0;
        while (choices && choices[nc])
            nc++;
        const char *sug = suggest_closest(text, choices, nc);
        if (sug)
            append(why, whylen, "; did you mean '%s'?", sug);
        break;
    }
    }
    return r == UNITS_OK ? 0 : PB_EINVAL;
}

/* <0, 0, >0 as a is below, equal to, above b (numeric types). */
static int compare(enum pb_param_type t, const struct param_value *a,
                   const struct param_value *b) {
    switch (t) {
    case PB_PARAM_INT:
        return (a->i > b->i) - (a->i < b->i);
    case PB_PARAM_FLOAT:
        return (a->f > b->f) - (a->f < b->f);
    default:
        return (a->u > b->u) - (a->u < b->u);
    }
}

/* Canonical text of a parsed value (malloc'd), or NULL when out of memory. */
static char *canonical_text(const struct pb_param *p, const char *text,
                            const struct param_value *v) {
    char buf[64];
    switch (p->type) {
    case PB_PARAM_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v->i);
        break;
    case PB_PARAM_UINT:
        snprintf(buf, sizeof buf, "%" PRIu64, v->u);
        break;
    case PB_PARAM_FLOAT:
        format_float(v->f, buf, sizeof buf);
        break;
    case PB_PARAM_BOOL:
        snprintf(buf, sizeof buf, "%s", v->b ? "true" : "false");
        break;
    case PB_PARAM_SIZE:
        format_size(v->u, buf, sizeof buf);
        break;
    case PB_PARAM_DURATION:
        format_duration(v->u, buf, sizeof buf);
        break;
    case PB_PARAM_ENUM:
        return strdup(p->choices[v->u]);
    case PB_PARAM_STRING:
    default:
        return strdup(text);
    }
    return strdup(buf);
}

int param_parse(const struct pb_param *p, const char *text,
                struct param_value *out, char *err, size_t errlen) {
    char why[512];
    struct param_value v;
    memset(&v, 0, sizeof v);
    memset(out, 0, sizeof *out);
    if (!text)
        text = "";
    if (!type_known((int)p->type)) {
        snprintf(err, errlen, "%s: unknown parameter type %d (a plugin bug)",
                 p->name, (int)p->type);
        return PB_EINVAL;
    }
    if (parse_typed(p->type, p->choices, text, &v, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: '%s' %s", p->name, text, why);
        return PB_EINVAL;
    }
    if (type_has_bounds(p->type)) {
        struct param_value lo, hi;
        memset(&lo, 0, sizeof lo);
        memset(&hi, 0, sizeof hi);
        if (p->min &&
            parse_typed(p->type, NULL, p->min, &lo, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: the plugin's minimum '%s' %s", p->name,
                     p->min, why);
            return PB_EINVAL;
        }
        if (p->max &&
            parse_typed(p->type, NULL, p->max, &hi, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s: the plugin's maximum '%s' %s", p->name,
                     p->max, why);
            return PB_EINVAL;
        }
        int below = p->min && compare(p->type, &v, &lo) < 0;
        int above = p->max && compare(p->type, &v, &hi) > 0;
        if (below || above) {
            snprintf(err, errlen, "%s: '%s' is %s the %s %s; ", p->name, text,
                     below ? "below" : "above", below ? "minimum" : "maximum",
                     below ? p->min : p->max);
            if (p->min && p->max)
                append(err, errlen, "use a value from %s to %s", p->min,
                       p->max);
            else if (p->min)
                append(err, errlen, "use %s or more", p->min);
            else
                append(err, errlen, "use %s or less", p->max);
            return PB_EINVAL;
        }
    }
    v.text = canonical_text(p, text, &v);
    if (!v.text) {
        snprintf(err, errlen, "%s: out of memory", p->name);
        return PB_ENOMEM;
    }
    v.set = 1;
    *out = v;
    return 0;
}

int params_check_table(const struct pb_param *table, char *err, size_t errlen) {
    char why[512];
    for (size_t i = 0; table && table[i].name; i++) {
        const struct pb_param *p = &table[i];
        if (!name_valid(p->name, NAME_NO_DASH)) {
            snprintf(err, errlen,
                     "parameter '%s': names may use only a-z, 0-9 and '_'",
                     p->name);
            return PB_EINVAL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(table[j].name, p->name) == 0) {
                snprintf(err, errlen,
                         "parameter '%s' appears twice in the table", p->name);
                return PB_EINVAL;
            }
        if (!type_known((int)p->type)) {
            snprintf(err, errlen, "parameter '%s': unknown type %d", p->name,
                     (int)p->type);
            return PB_EINVAL;
        }
        if (p->type == PB_PARAM_ENUM) {
            if (!p->choices || !p->choices[0]) {
                snprintf(err, errlen,
                         "parameter '%s': an enum needs a NULL-terminated, "
                         "non-empty list of choices",
                         p->name);
                return PB_EINVAL;
            }
            for (size_t c = 0; p->choices[c]; c++) {
                if (!*p->choices[c]) {
                    snprintf(err, errlen, "parameter '%s': choice %zu is empty",
                             p->name, c + 1);
                    return PB_EINVAL;
                }
                for (size_t d = 0; d < c; d++)
                    if (strcmp(p->choices[d], p->choices[c]) == 0) {
                        snprintf(err, errlen,
                                 "parameter '%s': choice '%s' appears twice",
                                 p->name, p->choices[c]);
                        return PB_EINVAL;
                    }
            }
        }
        if (!type_has_bounds(p->type) && (p->min || p->max)) {
            snprintf(err, errlen,
                     "parameter '%s': a %s takes no min or max (only "
                     "numbers, sizes and durations do)",
                     p->name, param_type_name(p->type));
            return PB_EINVAL;
        }
        struct param_value lo, hi;
        memset(&lo, 0, sizeof lo);
        memset(&hi, 0, sizeof hi);
        if (p->min &&
            parse_typed(p->type, NULL, p->min, &lo, why, sizeof why) < 0) {
            snprintf(err, errlen, "parameter '%s': minimum '%s' %s", p->name,
                     p->min, why);
            return PB_EINVAL;
        }
        if (p->max &&
            parse_typed(p->type, NULL, p->max, &hi, why, sizeof why) < 0) {
            snprintf(err, errlen, "parameter '%s': maximum '%s' %s", p->name,
                     p->max, why);
            return PB_EINVAL;
        }
        if (p->min && p->max && compare(p->type, &lo, &hi) > 0) {
            snprintf(err, errlen,
                     "parameter '%s': minimum %s is above maximum %s", p->name,
                     p->min, p->max);
            return PB_EINVAL;
        }
        if (p->def) {
            struct param_value v;
            int rc = param_parse(p, p->def, &v, why, sizeof why);
            if (rc < 0) {
                snprintf(err, errlen, "bad default of parameter %s", why);
                return rc;
            }
            free(v.text);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A plugin instance's parameters                                           */
/* ------------------------------------------------------------------------ */

struct pb_params *params_new(const struct pb_param *table) {
    struct pb_params *ps = calloc(1, sizeof *ps);
    if (!ps)
        return NULL;
    ps->table = table;
    while (table && table[ps->count].name)
        ps->count++;
    ps->values = calloc(ps->count ? ps->count : 1, sizeof *ps->values);
    if (!ps->values) {
        free(ps);
        return NULL;
    }
    for (size_t i = 0; i < ps->count; i++) {
        char err[512];
        if (!table[i].def)
            continue;
        /* A default that does not parse leaves the value unset: the table
         * was checked by params_check_table when the plugin was loaded. */
        if (param_parse(&table[i], table[i].def, &ps->values[i], err,
                        sizeof err) == PB_ENOMEM) {
            params_free(ps);
            return NULL;
        }
    }
    return ps;
}

static void table_free(struct pb_param *t, size_t count) {
    if (!t)
        return;
    for (size_t i = 0; i < count; i++) {
        free((char *)t[i].name);
        free((char *)t[i].def);
        free((char *)t[i].min);
        free((char *)t[i].max);
        free((char *)t[i].help);
        if (t[i].choices) {
            for (size_t k = 0; t[i].choices[k]; k++)
                free((char *)t[i].choices[k]);
            free((char **)t[i].choices);
        }
    }
    free(t);
}

/* strdup that keeps NULL; sets *bad on failure. */
static char *dup_or_null(const char *s, int *bad) {
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *bad = 1;
    return d;
}

int params_own_table(struct pb_params *ps) {
    if (!ps->table || ps->owned_table)
        return 0;
    struct pb_param *t = calloc(ps->count + 1, sizeof *t);
    if (!t)
        return PB_ENOMEM;
    int bad = 0;
    for (size_t i = 0; i < ps->count; i++) {
        const struct pb_param *p = &ps->table[i];
        t[i].type = p->type;
        t[i].name = dup_or_null(p->name, &bad);
        t[i].def = dup_or_null(p->def, &bad);
        t[i].min = dup_or_null(p->min, &bad);
        t[i].max = dup_or_null(p->max, &bad);
        t[i].help = dup_or_null(p->help, &bad);
        if (p->choices) {
            size_t n = 0;
            while (p->choices[n])
                n++;
            char **c = calloc(n + 1, sizeof *c);
            if (!c)
                bad = 1;
            for (size_t k = 0; c && k < n; k++)
                c[k] = dup_or_null(p->choices[k], &bad);
            t[i].choices = (const char *const *)c;
        }
    }
    if (bad) {
        table_free(t, ps->count);
        return PB_ENOMEM;
    }
    ps->owned_table = t;
    ps->table = t;
    return 0;
}

void params_free(struct pb_params *ps) {
    if (!ps)
        return;
    for (size_t i = 0; i < ps->count; i++)
        free(ps->values[i].text);
    free(ps->values);
    table_free(ps->owned_table, ps->count);
    free(ps);
}

PB_HOT int params_index(const struct pb_params *ps, const char *key) {
    if (!ps || !key)
        return -1;
    for (size_t i = 0; i < ps->count; i++)
        if (strcmp(ps->table[i].name, key) == 0)
            return (int)i;
    return -1;
}

int params_unknown_key(const struct pb_param *table, const char *key, char *err,
                       size_t errlen) {
    size_t count = 0;
    while (table && table[count].name)
        count++;
    const char **names = malloc((count + 1) * sizeof *names);
    if (!names) {
        snprintf(err, errlen, "out of memory");
        return PB_ENOMEM;
    }
    for (size_t k = 0; k < count; k++)
        names[k] = table[k].name;
    names[count] = NULL;
    const char *sug = suggest_closest(key, names, count);
    snprintf(err, errlen, "unknown key '%s'; ", key);
    if (sug)
        append(err, errlen, "did you mean '%s'?", sug);
    else if (count == 0)
        append(err, errlen, "this plugin takes no parameters");
    else {
        append(err, errlen, "valid keys are ");
        append_list(err, errlen, names);
    }
    free(names);
    return PB_EINVAL;
}

int params_set(struct pb_params *ps, const char *key, const char *text,
               char *err, size_t errlen) {
    int i = params_index(ps, key);
    if (i < 0)
        return params_unknown_key(ps->table, key, err, errlen);
    struct param_value v;
    int rc = param_parse(&ps->table[i], text, &v, err, errlen);
    if (rc < 0)
        return rc;
    free(ps->values[i].text);
    ps->values[i] = v;
    return 0;
}

int params_finish(const struct pb_params *ps, char *err, size_t errlen) {
    for (size_t i = 0; ps && i < ps->count; i++) {
        if (ps->values[i].set)
            continue;
        const struct pb_param *p = &ps->table[i];
        snprintf(
            err, errlen,
            "required parameter '%s' (%s) is missing; add '%s = VALUE'%s%s",
            p->name, param_type_name(p->type), p->name, p->help ? ": " : "",
            p->help ? p->help : "");
        return PB_EINVAL;
    }
    return 0;
}

char *params_canonical_with(const char *const *keys, const char *const *values,
                            size_t n, const struct pb_params *ps) {
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(keys[i]) + strlen(values[i]) + 2;
    for (size_t i = 0; ps && i < ps->count; i++)
        if (ps->values[i].set)
            len += strlen(ps->table[i].name) + strlen(ps->values[i].text) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    char *w = s;
    for (size_t i = 0; i < n + (ps ? ps->count : 0); i++) {
        const char *k = i < n ? keys[i] : ps->table[i - n].name;
        const char *v = i < n ? values[i] : ps->values[i - n].text;
        if (i >= n && !ps->values[i - n].set)
            continue;
        w += sprintf(w, "%s%s=%s", w == s ? "" : ";", k, v);
    }
    *w = '\0';
    return s;
}

char *params_canonical(const struct pb_params *ps) {
    return params_canonical_with(NULL, NULL, 0, ps);
}

/* ------------------------------------------------------------------------ */
/* Host-table getters                                                       */
/* ------------------------------------------------------------------------ */

static const char *getter_for(enum pb_param_type t) {
    switch (t) {
    case PB_PARAM_INT:
        return "param_int";
    case PB_PARAM_FLOAT:
        return "param_float";
    case PB_PARAM_BOOL:
        return "param_bool";
    case PB_PARAM_STRING:
    case PB_PARAM_ENUM:
        return "param_string";
    default:
        return "param_uint";
    }
}

static params_bug_fn *bug_handler;

void params_on_bug(params_bug_fn *fn) { bug_handler = fn; }

/* A plugin asked for a parameter wrongly: tell the handler, then stop the
 * process (the handler may not return). */
static void plugin_bug(const struct pb_params *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
static void plugin_bug(const struct pb_params *ps, const char *fmt, ...) {
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "parbench: plugin bug: %s\n", msg);
    if (bug_handler)
        bug_handler(ps, msg);
    abort();
}

/* The value of `name` when its type is one `getter` reads; otherwise the
 * plugin has a bug (plugin_bug). */
PB_HOT static const struct param_value *
get_value(const struct pb_params *ps, const char *name, const char *getter) {
    int i = params_index(ps, name);
    if (i < 0)
        plugin_bug(ps, "%s('%s'): no such parameter in the plugin's table",
                   getter, name ? name : "(null)");
    enum pb_param_type t = ps->table[i].type;
    if (strcmp(getter_for(t), getter) != 0)
        plugin_bug(ps, "%s('%s'): the parameter is of type %s; read it with %s",
                   getter, name, param_type_name(t), getter_for(t));
    if (!ps->values[i].set)
        plugin_bug(ps, "%s('%s'): the parameter has no value", getter, name);
    return &ps->values[i];
}

PB_HOT int64_t params_get_int(const struct pb_params *ps, const char *name) {
    return get_value(ps, name, "param_int")->i;
}

PB_HOT uint64_t params_get_uint(const struct pb_params *ps, const char *name) {
    return get_value(ps, name, "param_uint")->u;
}

PB_HOT double params_get_float(const struct pb_params *ps, const char *name) {
    return get_value(ps, name, "param_float")->f;
}

PB_HOT int params_get_bool(const struct pb_params *ps, const char *name) {
    return get_value(ps, name, "param_bool")->b;
}

PB_HOT const char *params_get_string(const struct pb_params *ps,
                                     const char *name) {
    return get_value(ps, name, "param_string")->text;
}
