/* SPDX-License-Identifier: MIT */
/*
 * test_config.c - reading INI configs: defaults, plugin sections, --set,
 * and every error with its "FILE:LINE: " prefix.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/config.h"
#include "config/params.h"
#include "util/errors.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

/* One config file under test, removed by the teardown. */
struct fixture {
    char path[64];
    struct config cfg;
    char err[1024];
    char expect[1024];
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    if (f->path[0])
        unlink(f->path);
    config_free(&f->cfg);
    free(f);
    return 0;
}

static void write_ini(struct fixture *f, const char *text) {
    if (f->path[0])
        unlink(f->path);
    strcpy(f->path, "/tmp/pbcfg-XXXXXX");
    int fd = mkstemp(f->path);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
}

/* Writes `text` and loads it with the overrides `sets` (NULL-terminated
 * list of texts, or NULL) and ncpu = 4. */
static int load(struct fixture *f, const char *text, const char *const *sets) {
    struct cfg_override ov[8];
    size_t n = 0;
    for (; sets && sets[n]; n++)
        ov[n].text = sets[n];
    write_ini(f, text);
    config_free(&f->cfg);
    f->err[0] = '\0';
    return config_load(&f->cfg, f->path, ov, n, 4, f->err, sizeof f->err);
}

/* Loads `text` and expects PB_ECONFIG with the message "PATH:LINE: MSG"
 * (line > 0), "PATH: MSG" (line == 0) or exactly MSG (line < 0). */
static void load_fails(struct fixture *f, const char *text,
                       const char *const *sets, int line, const char *msg) {
    assert_int_equal(load(f, text, sets), PB_ECONFIG);
    if (line > 0)
        snprintf(f->expect, sizeof f->expect, "%s:%d: %s", f->path, line, msg);
    else if (line == 0)
        snprintf(f->expect, sizeof f->expect, "%s: %s", f->path, msg);
    else
        snprintf(f->expect, sizeof f->expect, "%s", msg);
    assert_string_equal(f->err, f->expect);
    /* A failed load leaves nothing to free. */
    assert_null(f->cfg.sections);
    assert_null(f->cfg.text);
}

static const char minimal[] = "[workload.noop]\n[executor.serial]\n";

static const struct cfg_entry *entry(const struct cfg_section *s,
                                     const char *key) {
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->entries[i].key, key) == 0)
            return &s->entries[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Good configs                                                             */
/* ------------------------------------------------------------------------ */

static void test_defaults(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f, minimal, NULL), 0);
    const struct config *c = &f->cfg;
    assert_string_equal(c->path, f->path);
    assert_string_equal(c->text, minimal);
    assert_int_equal(c->run.nworkers, 1);
    assert_int_equal(c->run.workers[0], 1);
    assert_int_equal(c->run.repetitions, 5);
    assert_int_equal(c->run.warmup, 1);
    assert_int_equal(c->run.timeout_ns, UINT64_C(60000000000));
    assert_int_equal(c->run.schedule, PB_SCHEDULE_DYNAMIC);
    assert_string_equal(c->run.output, "results.csv");
    assert_null(c->run.plugin_path);
    assert_int_equal(c->server.latency_ns, 0);
    assert_int_equal(c->server.rate, 0);
    assert_int_equal(c->count, 2);
    assert_int_equal(c->sections[0].kind, CFG_WORKLOAD);
    assert_string_equal(c->sections[0].name, "noop");
    assert_string_equal(c->sections[0].plugin, "noop");
    assert_int_equal(c->sections[0].line, 1);
    assert_int_equal(c->sections[0].count, 0);
    assert_int_equal(c->sections[1].kind, CFG_EXECUTOR);
    assert_string_equal(c->sections[1].plugin, "serial");
    assert_int_equal(c->sections[1].line, 2);
    assert_ptr_equal(config_find(c, CFG_EXECUTOR, "serial"), &c->sections[1]);
    assert_null(config_find(c, CFG_EXECUTOR, "noop"));
    assert_null(config_find(c, CFG_RUN, "run"));
}

static const char full[] =
    "; a comment\n"                                   /* 1 */
    "[run]\n"                                         /* 2 */
    "workers     = 1, 2, ncpu          ; list\n"      /* 3 */
    "repetitions = 3\n"                               /* 4 */
    "warmup      = 0\n"                               /* 5 */
    "timeout     = 1.5s ; per repetition\n"           /* 6 */
    "schedule    = static\n"                          /* 7 */
    "output      = out;put.csv\n"                     /* 8 */
    "plugin_path = /a:/b\n"                           /* 9 */
    "\n"                                              /* 10 */
    "[server]\n"                                      /* 11 */
    "latency = 50ms\n"                                /* 12 */
    "rate = 1MiB\n"                                   /* 13 */
    "\n"                                              /* 14 */
    "[workload.prime-count]\n"                        /* 15 */
    "limit = 5000000\n"                               /* 16 */
    "  tasks = 32\n"                                  /* 17 */
    "\n"                                              /* 18 */
    "[workload.small-primes]   ; a second instance\n" /* 19 */
    "# another comment\n"                             /* 20 */
    "limit  = 100000\n"                               /* 21 */
    "plugin = prime-count\n"                          /* 22 */
    "method = sieve\n"                                /* 23 */
    "[executor.pthread]\n"                            /* 24 */
    "[executor.fork]\n"                               /* 25 */
    "schedule = static\n";                            /* 26 */

static void test_full_config(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f, full, NULL), 0);
    const struct config *c = &f->cfg;
    assert_string_equal(c->text, full);
    assert_int_equal(c->run.nworkers, 3);
    assert_int_equal(c->run.workers[0], 1);
    assert_int_equal(c->run.workers[1], 2);
    assert_int_equal(c->run.workers[2], 4); /* ncpu */
    assert_int_equal(c->run.repetitions, 3);
    assert_int_equal(c->run.warmup, 0);
    assert_int_equal(c->run.timeout_ns, UINT64_C(1500000000));
    assert_int_equal(c->run.schedule, PB_SCHEDULE_STATIC);
    assert_string_equal(c->run.output, "out;put.csv"); /* ';' w/o blank */
    assert_string_equal(c->run.plugin_path, "/a:/b");
    assert_int_equal(c->server.latency_ns, 50000000);
    assert_int_equal(c->server.rate, 1048576);

    assert_int_equal(c->count, 6);
    const char *names[] = {"run",          "server",  "prime-count",
                           "small-primes", "pthread", "fork"};
    const int lines[] = {2, 11, 15, 19, 24, 25};
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(c->sections[i].name, names[i]);
        assert_int_equal(c->sections[i].line, lines[i]);
    }
    const struct cfg_section *w = &c->sections[2];
    assert_string_equal(w->plugin, "prime-count");
    assert_int_equal(w->count, 2);
    assert_string_equal(w->entries[0].key, "limit");
    assert_string_equal(w->entries[0].value, "5000000");
    assert_int_equal(w->entries[0].line, 16);
    assert_string_equal(w->entries[1].key, "tasks"); /* indented key */
    assert_string_equal(w->entries[1].value, "32");
    assert_int_equal(w->entries[1].line, 17);

    /* The second instance names its plugin; `plugin` leaves the entries. */
    const struct cfg_section *s = config_find(c, CFG_WORKLOAD, "small-primes");
    assert_non_null(s);
    assert_string_equal(s->plugin, "prime-count");
    assert_int_equal(s->count, 2);
    assert_string_equal(s->entries[0].key, "limit");
    assert_int_equal(s->entries[0].line, 21);
    assert_string_equal(s->entries[1].key, "method");
    assert_string_equal(s->entries[1].value, "sieve");
    assert_int_equal(s->entries[1].line, 23);
    assert_null(entry(s, "plugin"));

    const struct cfg_section *x = config_find(c, CFG_EXECUTOR, "fork");
    assert_string_equal(x->plugin, "fork");
    assert_string_equal(entry(x, "schedule")->value, "static");
    assert_int_equal(config_find(c, CFG_EXECUTOR, "pthread")->count, 0);

    char where[256];
    config_where(c, 21, where, sizeof where);
    snprintf(f->expect, sizeof f->expect, "%s:21", f->path);
    assert_string_equal(where, f->expect);
    config_where(c, 0, where, sizeof where);
    assert_string_equal(where, "--set");
}

static void test_inline_comments(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f,
                          "[run]\n"
                          "output = my file.csv ; the results\n"
                          "workers = 2 ;\n"
                          "[workload.noop] ; comment\n"
                          "tasks = 7;8 ; only ' ;' starts a comment\n"
                          "url = http://h/a#b\n"
                          "[executor.serial] # also fine\n",
                          NULL),
                     0);
    assert_string_equal(f->cfg.run.output, "my file.csv");
    assert_int_equal(f->cfg.run.nworkers, 1);
    assert_int_equal(f->cfg.run.workers[0], 2);
    const struct cfg_section *w = config_find(&f->cfg, CFG_WORKLOAD, "noop");
    assert_string_equal(entry(w, "tasks")->value, "7;8");
    assert_string_equal(entry(w, "url")->value, "http://h/a#b");
}

static void test_crlf_bom_and_colon(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f,
                          "\xef\xbb\xbf[run]\r\n"
                          "repetitions: 2\r\n"
                          "[server]\r\n"
                          "rate = 1000\r\n"
                          "[workload.noop]\r\n"
                          "[executor.serial]",
                          NULL),
                     0);
    assert_int_equal(f->cfg.run.repetitions, 2);
    assert_int_equal(f->cfg.server.rate, 1000);
    assert_int_equal(f->cfg.sections[3].line, 6);
    /* CR alone does not end a line: it is named, not read as text after
     * the first header. */
    load_fails(f, "[run]\rrepetitions = 2\r[workload.noop]\r", NULL, 1,
               "the line contains a carriage return (CR) that does not end "
               "it; save the config with LF or CRLF line ends (e.g. tr '\\r' "
               "'\\n')");
}

static void test_line_limits_accepted(void **state) {
    struct fixture *f = *state;
    /* "url = " + 193 characters = 199: the longest line allowed. */
    char text[512], value[200];
    memset(value, 'a', 193);
    value[193] = '\0';
    /* A 49-character instance name: "workload." + 40. */
    char name[41];
    memset(name, 'n', 40);
    name[40] = '\0';
    snprintf(text, sizeof text, "[workload.%s]\nurl = %s\n[executor.serial]\n",
             name, value);
    assert_int_equal(load(f, text, NULL), 0);
    const struct cfg_section *w = &f->cfg.sections[0];
    assert_string_equal(w->name, name);
    assert_string_equal(entry(w, "url")->value, value);
}

/* ------------------------------------------------------------------------ */
/* Errors with file and line                                                */
/* ------------------------------------------------------------------------ */

static void test_long_line(void **state) {
    struct fixture *f = *state;
    char text[512], value[200];
    memset(value, 'a', 194); /* "url = " + 194 = 200 characters */
    value[194] = '\0';
    snprintf(text, sizeof text,
             "[workload.noop]\ntasks = 1\nurl = %s\n[executor.serial]\n",
             value);
    load_fails(f, text, NULL, 3,
               "the line is 200 characters long; the limit is 199: shorten "
               "it (a long list of URLs belongs in a file named by 'urls')");
}

static void test_long_section_name(void **state) {
    struct fixture *f = *state;
    char text[256], name[42];
    memset(name, 'n', 41); /* "workload." + 41 = 50 characters */
    name[41] = '\0';
    snprintf(text, sizeof text, "[run]\n\n[workload.%s]\n[executor.serial]\n",
             name);
    char msg[256];
    snprintf(msg, sizeof msg,
             "[workload.%s] section name is 50 characters long; the limit "
             "is 49: use a shorter instance name",
             name);
    load_fails(f, text, NULL, 3, msg);
}

static void test_unknown_key(void **state) {
    struct fixture *f = *state;
    load_fails(f, "[run]\nworkers = 1\nrepetitons = 3\n", NULL, 3,
               "[run] unknown key 'repetitons'; did you mean "
               "'repetitions'?");
    load_fails(f, "[workload.noop]\n[server]\nport = 80\n", NULL, 3,
               "[server] unknown key 'port'; valid keys are latency, rate");
    load_fails(f, "[run]\nbanana = 1\n", NULL, 2,
               "[run] unknown key 'banana'; valid keys are workers, "
               "repetitions, warmup, timeout, schedule, output, "
               "plugin_path, order, seed, precision, min_repetitions, "
               "max_repetitions, budget, counters, memory");
}

/* The unknown-key sentence of a section with more than eight keys: the
 * ninth is suggested and every key listed (config.c once collected only
 * the first eight names, and the others vanished from both). */
static void test_unknown_key_many_keys(void **state) {
    (void)state;
#define K(n)                                                                   \
    { .name = n, .type = PB_PARAM_STRING, .def = "" }
    static const struct pb_param table[] = {
        K("alpha"), K("bravo"),   K("charlie"),  K("delta"),
        K("echo"),  K("foxtrot"), K("golf"),     K("hotel"),
        K("india"), K("juliett"), {.name = NULL}};
#undef K
    char err[512];
    assert_int_equal(params_unknown_key(table, "indai", err, sizeof err),
                     PB_EINVAL);
    assert_string_equal(err, "unknown key 'indai'; did you mean 'india'?");
    assert_int_equal(params_unknown_key(table, "zzz", err, sizeof err),
                     PB_EINVAL);
    assert_string_equal(err, "unknown key 'zzz'; valid keys are alpha, bravo, "
                             "charlie, delta, echo, foxtrot, golf, hotel, "
                             "india, juliett");
    assert_int_equal(params_unknown_key(NULL, "zzz", err, sizeof err),
                     PB_EINVAL);
    assert_string_equal(err,
                        "unknown key 'zzz'; this plugin takes no parameters");
}

static void test_unknown_section(void **state) {
    struct fixture *f = *state;
    load_fails(f, "[workload.noop]\n\n[runn]\n", NULL, 3,
               "[runn] unknown section; did you mean [run]? The sections "
               "are [run], [server], [workload.NAME] and [executor.NAME]");
    load_fails(f, "[workloads.noop]\n", NULL, 1,
               "[workloads.noop] unknown section; did you mean "
               "[workload.noop]? The sections are [run], [server], "
               "[workload.NAME] and [executor.NAME]");
    load_fails(f, "[run]\n[banana]\n", NULL, 2,
               "[banana] unknown section; sections are [run], [server], "
               "[workload.NAME] and [executor.NAME]");
    load_fails(f, "[executor]\n", NULL, 1,
               "[executor] needs an instance name; write [executor.NAME], "
               "e.g. [executor.pthread]");
    load_fails(f, "[workload.Prime]\n", NULL, 1,
               "[workload.Prime] instance name 'Prime' is not valid; use "
               "only a-z, 0-9, '_' and '-'");
}

/* [run] order, seed and repetitions = auto with its keys. */
static void test_order_and_auto(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f, minimal, NULL), 0);
    const struct cfg_run *r = &f->cfg.run;
    assert_int_equal(r->order, ORDER_INTERLEAVED);
    assert_false(r->seed_given);
    assert_false(r->auto_repetitions);
    assert_int_equal(r->repetitions, 5);
    assert_true(r->precision == 0.01);
    assert_int_equal(r->min_repetitions, 5);
    assert_int_equal(r->max_repetitions, 30);
    assert_int_equal(r->budget_ns, 0);
    assert_string_equal(order_name(r->order), "interleaved");

    assert_int_equal(load(f,
                          "[run]\nrepetitions = AUTO\norder = grouped\n"
                          "seed = 18446744073709551615\nprecision = 2.5%\n"
                          "min_repetitions = 6\nmax_repetitions = 12\n"
                          "budget = 2m\n[workload.noop]\n[executor.serial]\n",
                          NULL),
                     0);
    r = &f->cfg.run;
    assert_true(r->auto_repetitions);
    assert_int_equal(r->repetitions, 12); /* the most a cell takes */
    assert_int_equal(r->order, ORDER_GROUPED);
    assert_true(r->seed_given);
    assert_true(r->seed == UINT64_MAX);
    assert_true(fabs(r->precision - 0.025) < 1e-12);
    assert_int_equal(r->min_repetitions, 6);
    assert_int_equal(r->budget_ns, 120000000000ull);
    /* A fixed count after auto (a --set) is fixed again. */
    const char *fixed[] = {"run.repetitions=3", "run.precision=0.05", NULL};
    assert_int_equal(load(f,
                          "[run]\nrepetitions = auto\n[workload.noop]\n"
                          "[executor.serial]\n",
                          fixed),
                     0);
    assert_false(f->cfg.run.auto_repetitions);
    assert_int_equal(f->cfg.run.repetitions, 3);
    assert_true(f->cfg.run.precision == 0.05);

    load_fails(f, "[run]\norder = interleave\n", NULL, 2,
               "[run] order: 'interleave' is not one of interleaved, "
               "grouped, random; did you mean 'interleaved'?");
    load_fails(f, "[run]\nseed = -3\n", NULL, 2,
               "[run] seed: '-3' is not an unsigned integer; write a whole "
               "number such as 42; or write seed = auto to draw one (the "
               "run metadata records it)");
    load_fails(f, "[run]\nprecision = 0%\n", NULL, 2,
               "[run] precision: '0%' is not a precision between 0 and 50%; "
               "write e.g. precision = 1% (or 0.01): the half-width of the "
               "95% confidence interval of the median, relative to the "
               "median");
    load_fails(f, "[run]\nprecision = 1 percent\n", NULL, 2,
               "[run] precision: '1 percent' is not a precision between 0 "
               "and 50%; write e.g. precision = 1% (or 0.01): the "
               "half-width of the 95% confidence interval of the median, "
               "relative to the median");
    load_fails(f, "[run]\nrepetitions = sometimes\n", NULL, 2,
               "[run] repetitions: 'sometimes' is not an unsigned integer; "
               "write a whole number such as 42; or write repetitions = "
               "auto");
    load_fails(f,
               "[run]\nrepetitions = auto\nmin_repetitions = 8\n"
               "max_repetitions = 4\n[workload.noop]\n[executor.serial]\n",
               NULL, 4,
               "[run] min_repetitions 8 is above max_repetitions 4; raise "
               "max_repetitions or lower min_repetitions");
}

static void test_bad_values(void **state) {
    struct fixture *f = *state;
    load_fails(f,
               "[workload.noop]\n[executor.serial]\n[run]\nrepetitions = 0\n",
               NULL, 4,
               "[run] repetitions: '0' is below the minimum 1; use a value "
               "from 1 to 1000000; or write repetitions = auto");
    load_fails(f, "[run]\nschedule = dynamc\n[workload.noop]\n[executor.x]\n",
               NULL, 2,
               "[run] schedule: 'dynamc' is not one of static, dynamic; did "
               "you mean 'dynamic'?");
    load_fails(f, "[run]\ntimeout = 0\n[workload.noop]\n[executor.x]\n", NULL,
               2,
               "[run] timeout: '0' is below the minimum 1ms; use a value "
               "from 1ms to 720h");
    load_fails(f, "[run]\n\nworkers = 1, x\n[workload.noop]\n[executor.x]\n",
               NULL, 3,
               "[run] workers: 'x' is not a worker count; write whole "
               "numbers >= 1 or ncpu, e.g. 1, 2, ncpu");
    load_fails(f, "[run]\nwarmup = 1000001\n[workload.noop]\n[executor.x]\n",
               NULL, 2,
               "[run] warmup: '1000001' is above the maximum 1000000; use a "
               "value from 0 to 1000000");
    load_fails(f, "[run]\noutput =\n[workload.noop]\n[executor.x]\n", NULL, 2,
               "[run] output: the file name is empty; write e.g. output = "
               "results.csv");
    load_fails(f, "[server]\nrate = fast\n[workload.noop]\n[executor.x]\n",
               NULL, 2,
               "[server] rate: 'fast' is not a size; write bytes such as "
               "4096, 64KiB, 1MiB or 1MB");
    load_fails(f, "[workload.a]\nplugin = Prime Count\n[executor.x]\n", NULL, 2,
               "[workload.a] plugin: 'Prime Count' is not a plugin name; "
               "names use only a-z, 0-9, '_' and '-' (`parbench list` shows "
               "them)");
}

static void test_duplicates(void **state) {
    struct fixture *f = *state;
    load_fails(f, "[run]\nwarmup = 1\nrepetitions = 2\nwarmup = 2\n", NULL, 4,
               "[run] duplicate key 'warmup' (first at line 2); keep only "
               "one");
    load_fails(f, "[workload.a]\nplugin = noop\nplugin = noop\n", NULL, 3,
               "[workload.a] duplicate key 'plugin' (first at line 2); keep "
               "only one");
    load_fails(f, "[run]\n[server]\n[run]\n", NULL, 3,
               "[run] duplicate section (first at line 1); merge the two");
    load_fails(f, "[workload.a]\n[executor.a]\n[workload.a]\n", NULL, 3,
               "[workload.a] duplicate section (first at line 1); merge the "
               "two, or name the second instance differently and add "
               "'plugin = NAME'");
}

static void test_syntax_errors(void **state) {
    struct fixture *f = *state;
    load_fails(f, "repetitions = 3\n[run]\n", NULL, 1,
               "'repetitions' comes before any section; put it under a "
               "header such as [run]");
    load_fails(f, "[run]\n\njust words\n", NULL, 3,
               "[run] cannot read 'just words'; write 'key = value', a "
               "[section] header, or a comment starting with ';' or '#'");
    load_fails(f, "[run]\nx ; = 3\n", NULL, 2,
               "[run] cannot read 'x ; = 3'; write 'key = value', a "
               "[section] header, or a comment starting with ';' or '#'");
    load_fails(f, "[run\n", NULL, 1,
               "'[run' has no closing ']'; write a header as [section]");
    load_fails(f, "[run] warmup = 1\n", NULL, 1,
               "[run] unexpected text 'warmup = 1' after the header; start "
               "a comment with ';'");
    load_fails(f, "[run]\n = 3\n", NULL, 2,
               "[run] a value without a key; write 'key = value'");
}

static void test_missing_sections(void **state) {
    struct fixture *f = *state;
    load_fails(f, "[run]\nwarmup = 0\n[executor.serial]\n", NULL, 3,
               "no [workload.NAME] section; add one, e.g. "
               "[workload.prime-count]");
    load_fails(f, "[workload.noop]\n", NULL, 1,
               "no [executor.NAME] section; add one, e.g. "
               "[executor.pthread]");
}

static void test_missing_file(void **state) {
    struct fixture *f = *state;
    char err[256];
    struct config c;
    assert_int_equal(
        config_load(&c, "/nonexistent/x.ini", NULL, 0, 1, err, sizeof err),
        PB_ECONFIG);
    assert_string_equal(err, "/nonexistent/x.ini: cannot read the config: No "
                             "such file or directory; check the path");
    assert_null(c.path);
    (void)f;
}

/* ------------------------------------------------------------------------ */
/* --set                                                                    */
/* ------------------------------------------------------------------------ */

static void test_set_overrides(void **state) {
    struct fixture *f = *state;
    const char *sets[] = {"run.repetitions=1",
                          " workload.prime-count.limit = 1000 ",
                          "workload.prime-count.method=sieve",
                          "executor.fork.schedule=static",
                          "workload.big.plugin=prime-count",
                          "server.rate=64KiB",
                          NULL};
    assert_int_equal(load(f,
                          "[run]\n"
                          "repetitions = 9\n"
                          "[workload.prime-count]\n"
                          "limit = 5\n"
                          "[executor.pthread]\n",
                          sets),
                     0);
    const struct config *c = &f->cfg;
    assert_int_equal(c->run.repetitions, 1);
    assert_int_equal(c->server.rate, 65536);
    /* An existing entry keeps its place and gets the new value, and line
     * 0: the value is the override's now... */
    const struct cfg_section *w = config_find(c, CFG_WORKLOAD, "prime-count");
    assert_int_equal(w->count, 2);
    assert_string_equal(w->entries[0].value, "1000");
    assert_int_equal(w->entries[0].line, 0);
    /* ...a new one is appended with line 0. */
    assert_string_equal(w->entries[1].key, "method");
    assert_string_equal(w->entries[1].value, "sieve");
    assert_int_equal(w->entries[1].line, 0);
    /* Missing sections are created, in order, with line 0. */
    assert_int_equal(c->count, 6);
    const struct cfg_section *x = &c->sections[3];
    assert_int_equal(x->kind, CFG_EXECUTOR);
    assert_string_equal(x->name, "fork");
    assert_string_equal(x->plugin, "fork");
    assert_int_equal(x->line, 0);
    assert_string_equal(entry(x, "schedule")->value, "static");
    const struct cfg_section *b = &c->sections[4];
    assert_string_equal(b->name, "big");
    assert_string_equal(b->plugin, "prime-count");
    assert_int_equal(b->count, 0);
    assert_int_equal(c->sections[5].kind, CFG_SERVER);
    assert_int_equal(c->sections[5].line, 0);
}

static void test_set_adds_missing_executor(void **state) {
    struct fixture *f = *state;
    const char *sets[] = {"executor.serial.x=1", NULL};
    assert_int_equal(load(f, "[workload.noop]\n", sets), 0);
    assert_non_null(config_find(&f->cfg, CFG_EXECUTOR, "serial"));
}

static void test_set_bad_values(void **state) {
    struct fixture *f = *state;
    /* A value replacing a file entry is the override's: the message names
     * the --set, not the line of the value it replaced. */
    const char *a[] = {"run.repetitions=0", NULL};
    load_fails(f, "[run]\nrepetitions = 9\n[workload.noop]\n[executor.x]\n", a,
               -1,
               "--set 'run.repetitions=0': [run] repetitions: '0' is below "
               "the minimum 1; use a value from 1 to 1000000; or write "
               "repetitions = auto");
    /* A new entry names its --set. */
    const char *b[] = {"run.warmup=x", NULL};
    load_fails(f, minimal, b, -1,
               "--set 'run.warmup=x': [run] warmup: 'x' is not an unsigned "
               "integer; write a whole number such as 42");
    const char *c[] = {"workload.noop.plugin=No Op", NULL};
    load_fails(f, minimal, c, -1,
               "--set 'workload.noop.plugin=No Op': [workload.noop] plugin: "
               "'No Op' is not a plugin name; names use only a-z, 0-9, '_' "
               "and '-' (`parbench list` shows them)");
}

static void test_set_malformed(void **state) {
    struct fixture *f = *state;
    const char *a[] = {"run.repetitions", NULL};
    load_fails(f, minimal, a, -1,
               "--set 'run.repetitions': there is no '='; write --set "
               "SECTION.KEY=VALUE, e.g. --set run.repetitions=1");
    const char *b[] = {"repetitions=1", NULL};
    load_fails(f, minimal, b, -1,
               "--set 'repetitions=1': 'repetitions' is not SECTION.KEY; "
               "write e.g. --set run.repetitions=1 or --set "
               "workload.prime-count.limit=1000");
    const char *c[] = {"run.=1", NULL};
    load_fails(f, minimal, c, -1,
               "--set 'run.=1': 'run.' is not SECTION.KEY; write e.g. --set "
               "run.repetitions=1 or --set workload.prime-count.limit=1000");
    const char *d[] = {"runn.warmup=1", NULL};
    load_fails(f, minimal, d, -1,
               "--set 'runn.warmup=1': [runn] unknown section; did you mean "
               "[run]? The sections are [run], [server], [workload.NAME] "
               "and [executor.NAME]");
    const char *e[] = {"run.warmpu=1", NULL};
    load_fails(f, minimal, e, -1,
               "--set 'run.warmpu=1': [run] unknown key 'warmpu'; did you "
               "mean 'warmup'?");
    const char *g[] = {"workload.Bad.limit=1", NULL};
    load_fails(f, minimal, g, -1,
               "--set 'workload.Bad.limit=1': [workload.Bad] instance name "
               "'Bad' is not valid; use only a-z, 0-9, '_' and '-'");
    /* The first bad --set is reported; the earlier good ones don't hide it. */
    const char *h[] = {"run.warmup=0", "=", NULL};
    load_fails(f, minimal, h, -1,
               "--set '=': '' is not SECTION.KEY; write e.g. --set "
               "run.repetitions=1 or --set workload.prime-count.limit=1000");
}

static void test_schedule_names(void **state) {
    (void)state;
    enum pb_schedule sc = PB_SCHEDULE_DYNAMIC;
    assert_string_equal(schedule_name(PB_SCHEDULE_STATIC), "static");
    assert_string_equal(schedule_name(PB_SCHEDULE_DYNAMIC), "dynamic");
    assert_int_equal(schedule_parse("static", &sc), 0);
    assert_int_equal(sc, PB_SCHEDULE_STATIC);
    assert_int_equal(schedule_parse("dynamic", &sc), 0);
    assert_int_equal(sc, PB_SCHEDULE_DYNAMIC);
    assert_int_equal(schedule_parse("guided", &sc), PB_EINVAL);
}

/* [run] counters: off, basic (the default: every counter), a list in
 * any order with blanks and any case; a wrong name is refused with the
 * valid ones and a suggestion. */
/* [run] memory: on unless told off; anything but a boolean is refused. */
static void test_memory(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f, minimal, NULL), 0);
    assert_int_equal(f->cfg.run.memory, 1);
    assert_int_equal(
        load(f, "[run]\nmemory = off\n[workload.noop]\n[executor.serial]\n",
             NULL),
        0);
    assert_int_equal(f->cfg.run.memory, 0);
    const char *const on[] = {"run.memory=on", NULL};
    assert_int_equal(
        load(f, "[run]\nmemory = off\n[workload.noop]\n[executor.serial]\n",
             on),
        0);
    assert_int_equal(f->cfg.run.memory, 1);
    assert_int_equal(load(f,
                          "[run]\nmemory = sometimes\n[workload.noop]\n"
                          "[executor.serial]\n",
                          NULL),
                     PB_ECONFIG);
    assert_non_null(strstr(f->err, ":2: [run] memory: 'sometimes' is not a "
                                   "boolean"));
}

static void test_counters(void **state) {
    struct fixture *f = *state;
    assert_int_equal(load(f, minimal, NULL), 0);
    assert_int_equal(f->cfg.run.counters, COUNTERS_BASIC);
    assert_int_equal(COUNTERS_BASIC, 0x1f);
    assert_int_equal(load(f,
                          "[run]\ncounters = off\n[workload.noop]\n"
                          "[executor.serial]\n",
                          NULL),
                     0);
    assert_int_equal(f->cfg.run.counters, 0);
    assert_int_equal(load(f,
                          "[run]\ncounters = Instructions , cycles\n"
                          "[workload.noop]\n[executor.serial]\n",
                          NULL),
                     0);
    assert_int_equal(f->cfg.run.counters,
                     (1u << COUNTER_CYCLES) | (1u << COUNTER_INSTRUCTIONS));
    const char *const basic[] = {"run.counters=basic", NULL};
    assert_int_equal(load(f,
                          "[run]\ncounters = off\n[workload.noop]\n"
                          "[executor.serial]\n",
                          basic),
                     0);
    assert_int_equal(f->cfg.run.counters, COUNTERS_BASIC);
    const char *const one[] = {"run.counters=task_clock", NULL};
    assert_int_equal(load(f, minimal, one), 0);
    assert_int_equal(f->cfg.run.counters, 1u << COUNTER_TASK_CLOCK);

    static const char valid[] =
        "write off, basic (all of them) or a comma-separated list of cycles, "
        "instructions, cache_misses, task_clock, cpu_migrations, e.g. "
        "counters = cycles,instructions";
    char msg[600];
    snprintf(msg, sizeof msg,
             "[run] counters: 'cylces' (in 'instructions,cylces') is not a "
             "counter; did you mean 'cycles'? %s",
             valid);
    load_fails(f,
               "[workload.noop]\n[executor.serial]\n[run]\n"
               "counters = instructions,cylces\n",
               NULL, 4, msg);
    snprintf(msg, sizeof msg, "[run] counters: 'flops' is not a counter; %s",
             valid);
    load_fails(f,
               "[run]\ncounters = flops\n[workload.noop]\n"
               "[executor.serial]\n",
               NULL, 2, msg);
    snprintf(msg, sizeof msg, "[run] counters: 'cycles,' names no counter; %s",
             valid);
    load_fails(f,
               "[run]\ncounters = cycles,\n[workload.noop]\n"
               "[executor.serial]\n",
               NULL, 2, msg);
    snprintf(msg, sizeof msg, "[run] counters: '' names no counter; %s", valid);
    load_fails(f, "[run]\ncounters =\n[workload.noop]\n[executor.serial]\n",
               NULL, 2, msg);

    /* One table: each of its names is its counter, and the message of a
     * wrong name offers every one of them. */
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        unsigned mask = 0;
        char err[600] = "";
        assert_int_equal(
            config_counters_parse(run_counter_names[i], &mask, err, sizeof err),
            0);
        assert_int_equal(mask, 1u << i);
        assert_int_equal(config_counters_parse("flops", &mask, err, sizeof err),
                         PB_EINVAL);
        assert_non_null(strstr(err, run_counter_names[i]));
    }
}

int main(void) {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_order_and_auto),
        T(test_defaults),
        T(test_full_config),
        T(test_inline_comments),
        T(test_crlf_bom_and_colon),
        T(test_line_limits_accepted),
        T(test_long_line),
        T(test_long_section_name),
        T(test_unknown_key),
        T(test_unknown_key_many_keys),
        T(test_unknown_section),
        T(test_bad_values),
        T(test_duplicates),
        T(test_syntax_errors),
        T(test_missing_sections),
        T(test_missing_file),
        T(test_set_overrides),
        T(test_set_adds_missing_executor),
        T(test_set_bad_values),
        T(test_set_malformed),
        T(test_schedule_names),
        T(test_counters),
        T(test_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
