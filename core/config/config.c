/* SPDX-License-Identifier: MIT */
/*
 * config.c - the INI configuration, read with the system inih.
 *
 * inih is driven through ini_parse_stream() with our own line reader: the
 * reader counts lines (Debian's inih has no line numbers in the handler),
 * refuses what inih would mangle silently (lines over 199 characters,
 * section names over 49), and tracks [section] headers itself, because
 * inih never tells the handler about a section without keys.  Everything
 * below speaks PB_E* codes; inih's "nonzero is success" stays in handler().
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "config/params.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/names.h"
#include "util/suggest.h"

/* Longest line and section name inih (INI_MAX_LINE 200, MAX_SECTION 50)
 * handles without cutting them. */
#define CFG_MAX_LINE 199
#define CFG_MAX_SECTION 49

/* ------------------------------------------------------------------------ */
/* [run] and [server]                                                       */
/* ------------------------------------------------------------------------ */

/* Indexed by enum pb_schedule; NULL-terminated for run_table. */
static const char *const schedule_choices[] = {"static", "dynamic", NULL};
#define SCHEDULES 2

/* Indexed by enum run_order. */
static const char *const order_choices[] = {"interleaved", "grouped", "random",
                                            NULL};

/* `repetitions = N` as a number (its bounds and messages); the key itself
 * is text because it also takes `auto`. */
static const struct pb_param repetitions_number = {
    "repetitions", PB_PARAM_UINT, "5", "1", "1000000", NULL, NULL};
/* `seed = N` as a number. */
static const struct pb_param seed_number = {"seed", PB_PARAM_UINT, "0", NULL,
                                            NULL,   NULL,          NULL};

static const struct pb_param run_table[] = {
    {"workers", PB_PARAM_STRING, "1", NULL, NULL, NULL,
     "worker counts, e.g. 1, 2, ncpu"},
    {"repetitions", PB_PARAM_STRING, "5", NULL, NULL, NULL,
     "measured repetitions per cell, or auto"},
    {"warmup", PB_PARAM_UINT, "1", "0", "1000000", NULL,
     "unmeasured repetitions before them"},
    {"timeout", PB_PARAM_DURATION, "60s", "1ms", "720h", NULL,
     "per repetition"},
    {"schedule", PB_PARAM_ENUM, "dynamic", NULL, NULL, schedule_choices,
     "how tasks reach workers"},
    {"output", PB_PARAM_STRING, "results.csv", NULL, NULL, NULL,
     "the results CSV"},
    {"plugin_path", PB_PARAM_STRING, "", NULL, NULL, NULL,
     "':'-separated plugin directories"},
    {"order", PB_PARAM_ENUM, "interleaved", NULL, NULL, order_choices,
     "how the repetitions of the cells follow each other"},
    {"seed", PB_PARAM_STRING, "auto", NULL, NULL, NULL,
     "the seed of the order's shuffles, or auto"},
    {"precision", PB_PARAM_STRING, "1%", NULL, NULL, NULL,
     "repetitions = auto: the 95% CI half-width of the median to reach"},
    {"min_repetitions", PB_PARAM_UINT, "5", "1", "1000000", NULL,
     "repetitions = auto: at least this many per cell"},
    {"max_repetitions", PB_PARAM_UINT, "30", "1", "1000000", NULL,
     "repetitions = auto: at most this many per cell"},
    {"budget", PB_PARAM_DURATION, "0", NULL, "720h", NULL,
     "repetitions = auto: wall time of the run after which no round starts"},
    {"counters", PB_PARAM_STRING, "basic", NULL, NULL, NULL,
     "perf counters: off, basic or a list such as cycles,instructions"},
    {"memory", PB_PARAM_BOOL, "on", NULL, NULL, NULL,
     "read PSS and USS while all workers live; off: no sampling, workers "
     "exit as soon as done"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct pb_param server_table[] = {
    {"latency", PB_PARAM_DURATION, "0", NULL, "1h", NULL, "per request"},
    {"rate", PB_PARAM_SIZE, "0", NULL, NULL, NULL,
     "bytes per second per connection, 0 = unlimited"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

static const struct pb_param *table_of(enum cfg_section_kind kind) {
    return kind == CFG_RUN ? run_table : server_table;
}

const struct pb_param *config_section_keys(const char *name,
                                           const char **what) {
    if (strcmp(name, "run") == 0) {
        *what = "how the cells run and what is measured";
        return run_table;
    }
    if (strcmp(name, "server") == 0) {
        *what = "the built-in HTTP server started for ${server} in a URL";
        return server_table;
    }
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* State of one config_load(). */
struct loader {
    struct config *cfg;
    const char *pos, *end; /* the part of cfg->text not read yet         */
    int line;              /* lines handed to inih so far                */
    long cur;              /* index of the current section, -1 before one */
    int rc;                /* first error, 0 while there is none          */
    unsigned ncpu;         /* what "ncpu" in [run] workers means          */
    char *err;
    size_t errlen;
};

/* Records the first error: "WHERE: message". */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
fail_at(struct loader *ld, const char *where, const char *fmt, ...) {
    if (ld->rc)
        return;
    ld->rc = PB_ECONFIG;
    if (!ld->errlen)
        return;
    int n = snprintf(ld->err, ld->errlen, "%s: ", where);
    if (n < 0 || (size_t)n >= ld->errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err + n, ld->errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

static void nomem(struct loader *ld) {
    if (ld->rc)
        return;
    ld->rc = PB_ENOMEM;
    snprintf(ld->err, ld->errlen, "%s: out of memory reading the config",
             ld->cfg->path ? ld->cfg->path : "config");
}

/* "run", "server" or "workload.NAME" / "executor.NAME". */
static void section_label(const struct cfg_section *sec, char *buf,
                          size_t len) {
    if (sec->kind == CFG_WORKLOAD)
        snprintf(buf, len, "workload.%s", sec->name);
    else if (sec->kind == CFG_EXECUTOR)
        snprintf(buf, len, "executor.%s", sec->name);
    else
        snprintf(buf, len, "%s", sec->name);
}

/* Where an entry came from, for messages: "FILE:LINE", or the --set that
 * made it ("--set 'run.repetitions=0'"). */
static void entry_where(const struct config *cfg, const struct cfg_section *sec,
                        const struct cfg_entry *e, char *buf, size_t len) {
    if (e->line > 0) {
        config_where(cfg, e->line, buf, len);
        return;
    }
    char label[128];
    section_label(sec, label, sizeof label);
    snprintf(buf, len, "--set '%s.%s=%s'", label, e->key, e->value);
}

static char *trimmed_copy(const char *s, size_t len) {
    while (len && isspace((unsigned char)*s))
        s++, len--;
    while (len && isspace((unsigned char)s[len - 1]))
        len--;
    return strndup(s, len);
}

static long find_entry(const struct cfg_section *sec, const char *key) {
    for (size_t i = 0; i < sec->count; i++)
        if (strcmp(sec->entries[i].key, key) == 0)
            return (long)i;
    return -1;
}

static int add_entry(struct cfg_section *sec, const char *key,
                     const char *value, int line) {
    struct cfg_entry *e =
        realloc(sec->entries, (sec->count + 1) * sizeof *sec->entries);
    if (!e)
        return PB_ENOMEM;
    sec->entries = e;
    e = &sec->entries[sec->count];
    e->key = strdup(key);
    e->value = strdup(value);
    e->line = line;
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return PB_ENOMEM;
    }
    sec->count++;
    return 0;
}

static struct cfg_section *
find_section(struct config *cfg, enum cfg_section_kind kind, const char *name) {
    for (size_t i = 0; i < cfg->count; i++)
        if (cfg->sections[i].kind == kind &&
            strcmp(cfg->sections[i].name, name) == 0)
            return &cfg->sections[i];
    return NULL;
}

static struct cfg_section *add_section(struct config *cfg,
                                       enum cfg_section_kind kind,
                                       const char *name, int line) {
    struct cfg_section *s =
        realloc(cfg->sections, (cfg->count + 1) * sizeof *cfg->sections);
    if (!s)
        return NULL;
    cfg->sections = s;
    s = &cfg->sections[cfg->count];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->line = line;
    s->name = strdup(name);
    if (!s->name)
        return NULL;
    cfg->count++;
    return s;
}

/*
 * What the header text `name` ("run", "workload.small-primes") names: 0
 * with *kind and *inst (pointing into name), or -1 with why = "[name] what
 * is wrong; what would fix it".
 */
static int classify(const char *name, enum cfg_section_kind *kind,
                    const char **inst, char *why, size_t len) {
    static const char *const kinds[] = {"run", "server", "workload",
                                        "executor"};
    static const char *const examples[] = {"", "", "prime-count", "pthread"};
    const char *dot = strchr(name, '.');
    size_t plen = dot ? (size_t)(dot - name) : strlen(name);
    for (int k = 0; k < 4; k++) {
        if (strlen(kinds[k]) != plen || strncmp(name, kinds[k], plen) != 0)
            continue;
        if (k < 2 && !dot) {
            *kind = k == 0 ? CFG_RUN : CFG_SERVER;
            *inst = name;
            return 0;
        }
        if (k < 2)
            break;
        if (!dot || !dot[1]) {
            snprintf(why, len,
                     "[%s] needs an instance name; write [%s.NAME], e.g. "
                     "[%s.%s]",
                     name, kinds[k], kinds[k], examples[k]);
            return -1;
        }
        if (!name_valid(dot + 1, NAME_DASH)) {
            snprintf(why, len,
                     "[%s] instance name '%s' is not valid; use only a-z, "
                     "0-9, '_' and '-'",
                     name, dot + 1);
            return -1;
        }
        *kind = k == 2 ? CFG_WORKLOAD : CFG_EXECUTOR;
        *inst = dot + 1;
        return 0;
    }
    char prefix[CFG_MAX_LINE + 1];
    snprintf(prefix, sizeof prefix, "%.*s", (int)plen, name);
    const char *sug = suggest_closest(prefix, kinds, 4);
    char fix[CFG_MAX_LINE + 32] = "";
    if (sug && (strcmp(sug, "run") == 0 || strcmp(sug, "server") == 0))
        snprintf(fix, sizeof fix, "did you mean [%s]?", sug);
    else if (sug)
        snprintf(fix, sizeof fix, "did you mean [%s%s]?", sug,
                 dot ? dot : ".NAME");
    snprintf(why, len,
             "[%s] unknown section; %s%ssections are [run], [server], "
             "[workload.NAME] and [executor.NAME]",
             name, fix, fix[0] ? " The " : "");
    return -1;
}

/* Records "[label] unknown key 'x'; did you mean 'y'?" (or "...; valid
 * keys are ..." naming every key of the section) at `where`. */
static void unknown_key(struct loader *ld, const char *where, const char *label,
                        enum cfg_section_kind kind, const char *key) {
    char why[1024];
    if (params_unknown_key(table_of(kind), key, why, sizeof why) == PB_ENOMEM)
        nomem(ld);
    else
        fail_at(ld, where, "[%s] %s", label, why);
}

static int known_key(enum cfg_section_kind kind, const char *key) {
    for (const struct pb_param *t = table_of(kind); t->name; t++)
        if (strcmp(t->name, key) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Reading the file with inih                                               */
/* ------------------------------------------------------------------------ */

static void where_line(const struct loader *ld, int line, char *buf,
                       size_t len) {
    config_where(ld->cfg, line, buf, len);
}

/* A "[...]" line (s, len: without leading blanks) becomes the current
 * section. */
static void section_header(struct loader *ld, const char *s, size_t len) {
    char where[4096], buf[CFG_MAX_LINE + 1], why[1024];
    where_line(ld, ld->line, where, sizeof where);
    memcpy(buf, s, len);
    buf[len] = '\0';
    /* The header ends at ']'; like inih, " ;" starts a comment. */
    char *p = buf + 1;
    int was_space = 0;
    while (*p && *p != ']' && !(was_space && *p == ';')) {
        was_space = isspace((unsigned char)*p);
        p++;
    }
    if (*p != ']') {
        fail_at(ld, where,
                "'%s' has no closing ']'; write a header as [section]", buf);
        return;
    }
    *p = '\0';
    const char *rest = p + 1;
    while (isspace((unsigned char)*rest))
        rest++;
    if (*rest && *rest != ';' && *rest != '#') {
        fail_at(ld, where,
                "[%s] unexpected text '%s' after the header; start a "
                "comment with ';'",
                buf + 1, rest);
        return;
    }
    char *name = buf + 1;
    while (isspace((unsigned char)*name))
        name++;
    size_t nlen = strlen(name);
    while (nlen && isspace((unsigned char)name[nlen - 1]))
        name[--nlen] = '\0';
    if (nlen > CFG_MAX_SECTION) {
        fail_at(ld, where,
                "[%s] section name is %zu characters long; the limit is %d: "
                "use a shorter instance name",
                name, nlen, CFG_MAX_SECTION);
        return;
    }
    enum cfg_section_kind kind;
    const char *inst;
    if (classify(name, &kind, &inst, why, sizeof why) < 0) {
        fail_at(ld, where, "%s", why);
        return;
    }
    const struct cfg_section *old = find_section(ld->cfg, kind, inst);
    if (old) {
        fail_at(ld, where,
                "[%s] duplicate section (first at line %d); merge the two%s",
                name, old->line,
                kind == CFG_WORKLOAD || kind == CFG_EXECUTOR
                    ? ", or name the second instance differently and add "
                      "'plugin = NAME'"
                    : "");
        return;
    }
    if (!add_section(ld->cfg, kind, inst, ld->line)) {
        nomem(ld);
        return;
    }
    ld->cur = (long)ld->cfg->count - 1;
}

/* fgets-style reader for ini_parse_stream: one line of cfg->text per call,
 * checked and with leading blanks removed (so inih never sees an indented
 * line as the continuation of a multi-line value).  NULL ends the parse. */
static char *reader(char *str, int num, void *stream) {
    struct loader *ld = stream;
    if (ld->rc || ld->pos >= ld->end)
        return NULL;
    const char *start = ld->pos;
    const char *nl = memchr(start, '\n', (size_t)(ld->end - start));
    const char *stop = nl ? nl : ld->end;
    ld->pos = nl ? nl + 1 : ld->end;
    ld->line++;
    if (stop > start && stop[-1] == '\r')
        stop--;
    if (ld->line == 1 && stop - start >= 3 &&
        memcmp(start, "\xef\xbb\xbf", 3) == 0)
        start += 3;
    size_t len = (size_t)(stop - start);
    char where[4096];
    where_line(ld, ld->line, where, sizeof where);
    if (memchr(start, '\0', len)) {
        fail_at(ld, where,
                "the line contains a NUL byte; save the config as text");
        return NULL;
    }
    if (memchr(start, '\r', len)) {
        /* A line end of classic Mac OS ("\r" alone) would otherwise run
         * every line into this one. */
        fail_at(ld, where,
                "the line contains a carriage return (CR) that does not end "
                "it; save the config with LF or CRLF line ends (e.g. "
                "tr '\\r' '\\n')");
        return NULL;
    }
    if (len > CFG_MAX_LINE || len + 1 > (size_t)num) {
        fail_at(ld, where,
                "the line is %zu characters long; the limit is %d: shorten "
                "it (a long list of URLs belongs in a file named by 'urls')",
                len, CFG_MAX_LINE);
        return NULL;
    }
    while (len && (*start == ' ' || *start == '\t'))
        start++, len--;
    str[0] = '\0';
    if (len && *start == '[') {
        section_header(ld, start, len);
        return ld->rc ? NULL : str;
    }
    memcpy(str, start, len);
    str[len] = '\0';
    if (len && *start != ';' && *start != '#') {
        /* inih's rule: a key ends at '=' or ':' unless " ;" comes first. */
        const char *p = str;
        int was_space = 0;
        while (*p && *p != '=' && *p != ':' && !(was_space && *p == ';')) {
            was_space = isspace((unsigned char)*p);
            p++;
        }
        if (*p != '=' && *p != ':') {
            char label[128] = "";
            if (ld->cur >= 0) {
                char l[100];
                section_label(&ld->cfg->sections[ld->cur], l, sizeof l);
                snprintf(label, sizeof label, "[%s] ", l);
            }
            fail_at(ld, where,
                    "%scannot read '%s'; write 'key = value', a [section] "
                    "header, or a comment starting with ';' or '#'",
                    label, str);
            return NULL;
        }
    }
    return str;
}

/* inih's callback for each "key = value": 1 keeps inih going; errors are
 * recorded in the loader and stop the reader. */
static int handler(void *user, const char *section, const char *name,
                   const char *value) {
    (void)section; /* the reader tracks sections itself */
    struct loader *ld = user;
    char where[4096], label[100];
    if (ld->rc)
        return 1;
    where_line(ld, ld->line, where, sizeof where);
    if (ld->cur < 0) {
        fail_at(ld, where,
                "'%s' comes before any section; put it under a header such "
                "as [run]",
                name);
        return 1;
    }
    struct cfg_section *sec = &ld->cfg->sections[ld->cur];
    section_label(sec, label, sizeof label);
    if (!*name) {
        fail_at(ld, where, "[%s] a value without a key; write 'key = value'",
                label);
        return 1;
    }
    long old = find_entry(sec, name);
    if (old >= 0) {
        fail_at(ld, where,
                "[%s] duplicate key '%s' (first at line %d); keep only one",
                label, name, sec->entries[old].line);
        return 1;
    }
    if ((sec->kind == CFG_RUN || sec->kind == CFG_SERVER) &&
        !known_key(sec->kind, name)) {
        unknown_key(ld, where, label, sec->kind, name);
        return 1;
    }
    if (add_entry(sec, name, value ? value : "", ld->line) < 0)
        nomem(ld);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */
/* ------------------------------------------------------------------------ */

static void apply_override(struct loader *ld, const char *text) {
    char where[4096], why[1024];
    snprintf(where, sizeof where, "--set '%s'", text);
    const char *eq = strchr(text, '=');
    if (!eq) {
        fail_at(ld, where,
                "there is no '='; write --set SECTION.KEY=VALUE, e.g. "
                "--set run.repetitions=1");
        return;
    }
    char *left = trimmed_copy(text, (size_t)(eq - text));
    char *value = trimmed_copy(eq + 1, strlen(eq + 1));
    if (!left || !value) {
        free(left);
        free(value);
        nomem(ld);
        return;
    }
    char *dot = strrchr(left, '.');
    int bad = !dot || dot == left || !dot[1];
    for (const char *p = left; !bad && *p; p++)
        bad = isspace((unsigned char)*p);
    if (bad) {
        fail_at(ld, where,
                "'%s' is not SECTION.KEY; write e.g. --set "
                "run.repetitions=1 or --set workload.prime-count.limit=1000",
                left);
        goto out;
    }
    *dot = '\0';
    const char *key = dot + 1;
    enum cfg_section_kind kind;
    const char *inst;
    if (strlen(left) > CFG_MAX_SECTION) {
        fail_at(ld, where,
                "[%s] section name is %zu characters long; the limit is %d: "
                "use a shorter instance name",
                left, strlen(left), CFG_MAX_SECTION);
        goto out;
    }
    if (classify(left, &kind, &inst, why, sizeof why) < 0) {
        fail_at(ld, where, "%s", why);
        goto out;
    }
    if ((kind == CFG_RUN || kind == CFG_SERVER) && !known_key(kind, key)) {
        unknown_key(ld, where, left, kind, key);
        goto out;
    }
    struct cfg_section *sec = find_section(ld->cfg, kind, inst);
    if (!sec)
        sec = add_section(ld->cfg, kind, inst, 0);
    if (!sec) {
        nomem(ld);
        goto out;
    }
    long i = find_entry(sec, key);
    if (i >= 0) {
        /* The value is the override's now: messages about it name the
         * --set, not the file line of the value it replaced. */
        free(sec->entries[i].value);
        sec->entries[i].value = value;
        sec->entries[i].line = 0;
        value = NULL;
    } else if (add_entry(sec, key, value, 0) < 0) {
        nomem(ld);
    }
out:
    free(left);
    free(value);
}

/* ------------------------------------------------------------------------ */
/* Checks after the overrides                                               */
/* ------------------------------------------------------------------------ */

/* Moves `plugin = X` of workload/executor sections into sec->plugin. */
static void take_plugins(struct loader *ld) {
    struct config *cfg = ld->cfg;
    for (size_t s = 0; s < cfg->count && !ld->rc; s++) {
        struct cfg_section *sec = &cfg->sections[s];
        if (sec->kind != CFG_WORKLOAD && sec->kind != CFG_EXECUTOR)
            continue;
        long i = find_entry(sec, "plugin");
        if (i < 0) {
            sec->plugin = strdup(sec->name);
            if (!sec->plugin)
                nomem(ld);
            continue;
        }
        struct cfg_entry *e = &sec->entries[i];
        if (!name_valid(e->value, NAME_DASH)) {
            char where[4096], label[100];
            entry_where(cfg, sec, e, where, sizeof where);
            section_label(sec, label, sizeof label);
            fail_at(ld, where,
                    "[%s] plugin: '%s' is not a plugin name; names use only "
                    "a-z, 0-9, '_' and '-' (`parbench list` shows them)",
                    label, e->value);
            return;
        }
        sec->plugin = e->value;
        free(e->key);
        memmove(e, e + 1, (sec->count - (size_t)i - 1) * sizeof *e);
        sec->count--;
    }
}

int config_precision_parse(const char *text, double *out, char *err,
                           size_t errlen) {
    char buf[64];
    size_t n = strlen(text);
    int percent = n > 0 && text[n - 1] == '%';
    double v;
    if (n == 0 || n >= sizeof buf) {
        v = NAN;
    } else {
        memcpy(buf, text, n + 1);
        if (percent)
            buf[n - 1] = '\0';
        size_t m = strlen(buf);
        while (m > 0 && (buf[m - 1] == ' ' || buf[m - 1] == '\t'))
            buf[--m] = '\0';
        if (parse_float(buf, &v) < 0)
            v = NAN;
        else if (percent)
            v /= 100.0;
    }
    if (!(v > 0.0) || v > 0.5) {
        snprintf(err, errlen,
                 "precision: '%s' is not a precision between 0 and 50%%; "
                 "write e.g. precision = 1%% (or 0.01): the half-width of "
                 "the 95%% confidence interval of the median, relative to "
                 "the median",
                 text);
        return PB_EINVAL;
    }
    *out = v;
    return 0;
}

const char *const run_counter_names[RUN_COUNTERS] = {
    "cycles", "instructions", "cache_misses", "task_clock", "cpu_migrations"};

/* One name of a counters list (blanks trimmed, NUL-terminated) into
 * *out; 0, or PB_EINVAL with the message in err. */
static int counter_name(const char *name, const char *text, unsigned *out,
                        char *err, size_t errlen) {
    for (unsigned i = 0; i < RUN_COUNTERS; i++)
        if (strcasecmp(name, run_counter_names[i]) == 0) {
            *out |= 1u << i;
            return 0;
        }
    const char *sug =
        *name ? suggest_closest(name, run_counter_names, RUN_COUNTERS) : NULL;
    char what[160], also[80] = "";
    if (!*name)
        snprintf(what, sizeof what, "'%s' names no counter", text);
    else if (strcmp(name, text) != 0)
        snprintf(what, sizeof what, "'%s' (in '%s') is not a counter", name,
                 text);
    else
        snprintf(what, sizeof what, "'%s' is not a counter", name);
    if (sug)
        snprintf(also, sizeof also, "did you mean '%s'? ", sug);
    char names[160] = ""; /* the table's names, "cycles, instructions, ..." */
    for (unsigned i = 0, used = 0; i < RUN_COUNTERS && used < sizeof names; i++)
        used += (unsigned)snprintf(names + used, sizeof names - used, "%s%s",
                                   i ? ", " : "", run_counter_names[i]);
    snprintf(err, errlen,
             "counters: %s; %swrite off, basic (all of them) or a "
             "comma-separated list of %s, e.g. counters = %s,%s",
             what, also, names, run_counter_names[COUNTER_CYCLES],
             run_counter_names[COUNTER_INSTRUCTIONS]);
    return PB_EINVAL;
}

int config_counters_parse(const char *text, unsigned *out, char *err,
                          size_t errlen) {
    char buf[200];
    snprintf(buf, sizeof buf, "%s", text);
    char *t = buf + strspn(buf, " \t");
    size_t n = strlen(t);
    while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
        t[--n] = '\0';
    if (strcasecmp(t, "off") == 0) {
        *out = 0;
        return 0;
    }
    if (strcasecmp(t, "basic") == 0) {
        *out = COUNTERS_BASIC;
        return 0;
    }
    unsigned mask = 0;
    char *item;
    int items = 0;
    char *rest = t;
    while ((item = strsep(&rest, ",")) != NULL) {
        item += strspn(item, " \t");
        size_t m = strlen(item);
        while (m > 0 && (item[m - 1] == ' ' || item[m - 1] == '\t'))
            item[--m] = '\0';
        items++;
        if (counter_name(item, text, &mask, err, errlen) < 0)
            return PB_EINVAL;
    }
    if (!items || !mask)
        return counter_name("", text, &mask, err, errlen);
    *out = mask;
    return 0;
}

/* Stores one validated [run]/[server] value. */
static int store_value(struct loader *ld, enum cfg_section_kind kind,
                       const char *key, const struct param_value *v, char *why,
                       size_t len) {
    struct config *cfg = ld->cfg;
    if (kind == CFG_SERVER) {
        if (strcmp(key, "latency") == 0)
            cfg->server.latency_ns = v->u;
        else
            cfg->server.rate = v->u;
        return 0;
    }
    if (strcmp(key, "workers") == 0) {
        unsigned *list;
        size_t n;
        char msg[512];
        int rc =
            parse_workers_list(v->text, ld->ncpu, &list, &n, msg, sizeof msg);
        if (rc < 0) {
            snprintf(why, len, "workers: %s", msg);
            return rc;
        }
        free(cfg->run.workers);
        cfg->run.workers = list;
        cfg->run.nworkers = n;
    } else if (strcmp(key, "repetitions") == 0) {
        if (strcasecmp(v->text, "auto") == 0) {
            cfg->run.auto_repetitions = 1;
            return 0;
        }
        struct param_value n;
        char msg[512];
        if (param_parse(&repetitions_number, v->text, &n, msg, sizeof msg) <
            0) {
            snprintf(why, len, "%s; or write repetitions = auto", msg);
            return PB_EINVAL;
        }
        free(n.text);
        cfg->run.auto_repetitions = 0;
        cfg->run.repetitions = (unsigned)n.u;
    } else if (strcmp(key, "order") == 0) {
        cfg->run.order = (enum run_order)v->u;
    } else if (strcmp(key, "seed") == 0) {
        if (strcasecmp(v->text, "auto") == 0) {
            cfg->run.seed_given = 0;
            return 0;
        }
        struct param_value n;
        char msg[512];
        if (param_parse(&seed_number, v->text, &n, msg, sizeof msg) < 0) {
            snprintf(why, len,
                     "%s; or write seed = auto to draw one (the run "
                     "metadata records it)",
                     msg);
            return PB_EINVAL;
        }
        free(n.text);
        cfg->run.seed_given = 1;
        cfg->run.seed = n.u;
    } else if (strcmp(key, "precision") == 0) {
        return config_precision_parse(v->text, &cfg->run.precision, why, len);
    } else if (strcmp(key, "min_repetitions") == 0) {
        cfg->run.min_repetitions = (unsigned)v->u;
    } else if (strcmp(key, "max_repetitions") == 0) {
        cfg->run.max_repetitions = (unsigned)v->u;
    } else if (strcmp(key, "budget") == 0) {
        cfg->run.budget_ns = v->u;
    } else if (strcmp(key, "warmup") == 0) {
        cfg->run.warmup = (unsigned)v->u;
    } else if (strcmp(key, "timeout") == 0) {
        cfg->run.timeout_ns = v->u;
    } else if (strcmp(key, "schedule") == 0) {
        cfg->run.schedule =
            v->u == 0 ? PB_SCHEDULE_STATIC : PB_SCHEDULE_DYNAMIC;
    } else if (strcmp(key, "output") == 0) {
        if (!*v->text) {
            snprintf(why, len,
                     "output: the file name is empty; write e.g. output = "
                     "results.csv");
            return PB_EINVAL;
        }
        char *s = strdup(v->text);
        if (!s)
            return PB_ENOMEM;
        free(cfg->run.output);
        cfg->run.output = s;
    } else if (strcmp(key, "counters") == 0) {
        return config_counters_parse(v->text, &cfg->run.counters, why, len);
    } else if (strcmp(key, "memory") == 0) {
        cfg->run.memory = v->b;
    } else if (strcmp(key, "plugin_path") == 0) {
        char *s = *v->text ? strdup(v->text) : NULL;
        if (*v->text && !s)
            return PB_ENOMEM;
        free(cfg->run.plugin_path);
        cfg->run.plugin_path = s;
    }
    return 0;
}

/* Defaults of [run]/[server], then the values of the section, if any. */
static void check_values(struct loader *ld, enum cfg_section_kind kind) {
    const struct pb_param *t = table_of(kind);
    const char *label = kind == CFG_RUN ? "run" : "server";
    char why[1024], where[4096];
    for (size_t i = 0; t[i].name && !ld->rc; i++) {
        struct param_value v;
        if (param_parse(&t[i], t[i].def, &v, why, sizeof why) < 0 ||
            store_value(ld, kind, t[i].name, &v, why, sizeof why) < 0)
            nomem(ld); /* the defaults are valid: only memory can fail */
        free(v.text);
    }
    const struct cfg_section *sec = find_section(ld->cfg, kind, label);
    for (size_t i = 0; sec && i < sec->count && !ld->rc; i++) {
        const struct cfg_entry *e = &sec->entries[i];
        const struct pb_param *p = t;
        while (p->name && strcmp(p->name, e->key) != 0)
            p++;
        entry_where(ld->cfg, sec, e, where, sizeof where);
        if (!p->name) { /* checked when read; kept for safety */
            unknown_key(ld, where, label, kind, e->key);
            return;
        }
        struct param_value v;
        int rc = param_parse(p, e->value, &v, why, sizeof why);
        if (rc == 0) {
            rc = store_value(ld, kind, p->name, &v, why, sizeof why);
            free(v.text);
        }
        if (rc == PB_ENOMEM)
            nomem(ld);
        else if (rc < 0)
            fail_at(ld, where, "[%s] %s", label, why);
    }
}

/* What the [run] keys say together: min_repetitions <= max_repetitions
 * (under repetitions = auto), and repetitions = the most a cell runs. */
static void check_run_together(struct loader *ld) {
    struct cfg_run *run = &ld->cfg->run;
    if (!run->auto_repetitions)
        return;
    if (run->min_repetitions > run->max_repetitions) {
        const struct cfg_section *sec = find_section(ld->cfg, CFG_RUN, "run");
        char where[4096] = "";
        for (size_t i = 0; sec && i < sec->count; i++)
            if (strcmp(sec->entries[i].key, "min_repetitions") == 0 ||
                strcmp(sec->entries[i].key, "max_repetitions") == 0)
                entry_where(ld->cfg, sec, &sec->entries[i], where,
                            sizeof where);
        if (!where[0])
            config_where(ld->cfg, sec ? sec->line : 1, where, sizeof where);
        fail_at(ld, where,
                "[run] min_repetitions %u is above max_repetitions %u; raise "
                "max_repetitions or lower min_repetitions",
                run->min_repetitions, run->max_repetitions);
        return;
    }
    run->repetitions = run->max_repetitions;
}

static void check_presence(struct loader *ld) {
    static const char *const what[] = {"workload", "executor"};
    static const char *const example[] = {"prime-count", "pthread"};
    int have[2] = {0, 0};
    for (size_t i = 0; i < ld->cfg->count; i++) {
        have[0] |= ld->cfg->sections[i].kind == CFG_WORKLOAD;
        have[1] |= ld->cfg->sections[i].kind == CFG_EXECUTOR;
    }
    /* Nothing to point at: name the end of the file, where one would go. */
    int last = ld->line > 0 ? ld->line : 1;
    char where[4096];
    config_where(ld->cfg, last, where, sizeof where);
    for (int k = 0; k < 2; k++)
        if (!have[k])
            fail_at(ld, where, "no [%s.NAME] section; add one, e.g. [%s.%s]",
                    what[k], what[k], example[k]);
}

/* ------------------------------------------------------------------------ */
/* Public functions                                                         */
/* ------------------------------------------------------------------------ */

int config_load(struct config *cfg, const char *path,
                const struct cfg_override *sets, size_t nsets, unsigned ncpu,
                char *err, size_t errlen) {
    memset(cfg, 0, sizeof *cfg);
    if (errlen)
        err[0] = '\0';
    struct loader ld;
    memset(&ld, 0, sizeof ld);
    ld.cfg = cfg;
    ld.cur = -1;
    ld.err = err;
    ld.errlen = errlen;
    ld.ncpu = ncpu;

    cfg->path = strdup(path);
    if (!cfg->path) {
        nomem(&ld);
        return ld.rc;
    }
    size_t len = 0;
    int rc = fdio_read_file(path, &cfg->text, &len);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot read the config: %s; check the path",
                 path, strerror(-rc));
        config_free(cfg);
        return rc == -ENOMEM ? PB_ENOMEM : PB_ECONFIG;
    }
    ld.pos = cfg->text;
    ld.end = cfg->text + len;
    int ret = ini_parse_stream(reader, &ld, handler, &ld);
    if (!ld.rc && ret == -2)
        nomem(&ld);
    if (!ld.rc && ret != 0) {
        char where[4096];
        config_where(cfg, ret > 0 ? ret : 1, where, sizeof where);
        fail_at(&ld, where,
                "inih cannot parse this line; write 'key = value', a "
                "[section] header, or a comment starting with ';' or '#'");
    }
    for (size_t i = 0; i < nsets && !ld.rc; i++)
        apply_override(&ld, sets[i].text ? sets[i].text : "");
    if (!ld.rc)
        take_plugins(&ld);
    if (!ld.rc)
        check_values(&ld, CFG_RUN);
    if (!ld.rc)
        check_run_together(&ld);
    if (!ld.rc)
        check_values(&ld, CFG_SERVER);
    if (!ld.rc)
        check_presence(&ld);
    if (ld.rc) {
        config_free(cfg);
        return ld.rc;
    }
    return 0;
}

void config_free(struct config *cfg) {
    if (!cfg)
        return;
    for (size_t i = 0; i < cfg->count; i++) {
        struct cfg_section *s = &cfg->sections[i];
        for (size_t j = 0; j < s->count; j++) {
            free(s->entries[j].key);
            free(s->entries[j].value);
        }
        free(s->entries);
        free(s->name);
        free(s->plugin);
    }
    free(cfg->sections);
    free(cfg->path);
    free(cfg->text);
    free(cfg->run.workers);
    free(cfg->run.output);
    free(cfg->run.plugin_path);
    memset(cfg, 0, sizeof *cfg);
}

void config_where(const struct config *cfg, int line, char *buf, size_t len) {
    if (line > 0)
        snprintf(buf, len, "%s:%d", cfg->path ? cfg->path : "config", line);
    else
        snprintf(buf, len, "--set");
}

const char *order_name(enum run_order o) {
    return (unsigned)o < 3 ? order_choices[o] : "unknown";
}

const char *schedule_name(enum pb_schedule s) {
    if ((unsigned)s < SCHEDULES)
        return schedule_choices[s];
    return "unknown";
}

int config_schedule_parse(const char *text, enum pb_schedule *out, char *err,
                          size_t errlen) {
    const struct pb_param *p = run_table;
    while (strcmp(p->name, "schedule") != 0)
        p++;
    struct param_value v;
    if (param_parse(p, text, &v, err, errlen) < 0)
        return PB_EINVAL;
    free(v.text);
    *out = (enum pb_schedule)v.u;
    return 0;
}

int schedule_parse(const char *text, enum pb_schedule *out) {
    for (size_t i = 0; text != NULL && i < SCHEDULES; i++)
        if (strcmp(text, schedule_choices[i]) == 0) {
            *out = (enum pb_schedule)i;
            return 0;
        }
    return PB_EINVAL;
}

/* A NULL name finds the first section of the kind. */
const struct cfg_section *config_find(const struct config *cfg,
                                      enum cfg_section_kind kind,
                                      const char *name) {
    for (size_t i = 0; i < cfg->count; i++)
        if (cfg->sections[i].kind == kind &&
            (!name || strcmp(cfg->sections[i].name, name) == 0))
            return &cfg->sections[i];
    return NULL;
}
