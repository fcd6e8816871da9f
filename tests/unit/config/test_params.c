/* SPDX-License-Identifier: MIT */
/*
 * test_params.c - scalar parsers, canonical texts, worker lists, one
 * parameter against its table entry, and the parameter store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config/params.h"
#include "util/errors.h"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */
/* ------------------------------------------------------------------------ */

static uint64_t size_of(const char *text) {
    uint64_t v = 0;
    assert_int_equal(parse_size(text, &v), 0);
    return v;
}

static uint64_t ns_of(const char *text) {
    uint64_t v = 0;
    assert_int_equal(parse_duration(text, &v), 0);
    return v;
}

static void size_bad(const char *text) {
    uint64_t v = 12345;
    assert_int_equal(parse_size(text, &v), PB_EINVAL);
    assert_int_equal(v, 12345); /* untouched on error */
}

static void duration_bad(const char *text) {
    uint64_t v = 12345;
    assert_int_equal(parse_duration(text, &v), PB_EINVAL);
    assert_int_equal(v, 12345);
}

/* A table exercising every type. */
static const char *const methods[] = {"trial", "sieve", NULL};
static const struct pb_param table[] = {
    {"limit", PB_PARAM_UINT, "1000", "2", "1000000", NULL, "upper limit"},
    {"method", PB_PARAM_ENUM, "trial", NULL, NULL, methods, "algorithm"},
    {"block", PB_PARAM_SIZE, "64KiB", "4KiB", "1MiB", NULL, "block size"},
    {"pause", PB_PARAM_DURATION, "50ms", "1us", "1m", NULL, "a pause"},
    {"verbose", PB_PARAM_BOOL, "no", NULL, NULL, NULL, "chatty"},
    {"ratio", PB_PARAM_FLOAT, "0.25", "0", "1", NULL, "a fraction"},
    {"name", PB_PARAM_STRING, "abc", NULL, NULL, NULL, "a label"},
    {"offset", PB_PARAM_INT, "-3", "-10", "10", NULL, "an offset"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

/* Parses `text` for the entry `name` of `table`, expecting failure with
 * exactly `msg`. */
static void parse_fails(const char *name, const char *text, const char *msg) {
    const struct pb_param *p = table;
    while (p->name && strcmp(p->name, name) != 0)
        p++;
    assert_non_null(p->name);
    struct param_value v;
    char err[512] = "";
    assert_int_equal(param_parse(p, text, &v, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, msg);
}

static char *parse_ok(const struct pb_param *p, const char *text,
                      struct param_value *v) {
    char err[512] = "";
    int rc = param_parse(p, text, v, err, sizeof err);
    if (rc != 0)
        fail_msg("param_parse(%s, '%s'): %s", p->name, text, err);
    assert_int_equal(v->set, 1);
    return v->text;
}

/* ------------------------------------------------------------------------ */
/* Scalars                                                                  */
/* ------------------------------------------------------------------------ */

static void test_sizes(void **state) {
    (void)state;
    assert_int_equal(size_of("4096"), 4096);
    assert_int_equal(size_of("0"), 0);
    assert_int_equal(size_of("64KiB"), 65536);
    assert_int_equal(size_of("64K"), 65536);
    assert_int_equal(size_of("64kib"), 65536);
    assert_int_equal(size_of("1MiB"), 1048576);
    assert_int_equal(size_of("1M"), 1048576);
    assert_int_equal(size_of("2GiB"), UINT64_C(2147483648));
    assert_int_equal(size_of("1TiB"), UINT64_C(1099511627776));
    assert_int_equal(size_of("1kB"), 1000);
    assert_int_equal(size_of("1KB"), 1000);
    assert_int_equal(size_of("1MB"), 1000000);
    assert_int_equal(size_of("1GB"), 1000000000);
    assert_int_equal(size_of("100B"), 100);
    assert_int_equal(size_of("  64 KiB \t"), 65536);
    assert_int_equal(size_of("1.5KiB"), 1536);
    assert_int_equal(size_of("0.5MB"), 500000);
    assert_int_equal(size_of("18446744073709551615"), UINT64_MAX);
    assert_int_equal(size_of("16777215TiB"), UINT64_C(16777215) << 40);
    size_bad("");
    size_bad("   ");
    size_bad("KiB");
    size_bad("-1");
    size_bad("+1");
    size_bad("12xb");
    size_bad("1e3");
    size_bad("1.2.3");
    size_bad("1.");
    size_bad("64 K iB");
    size_bad("0.3KiB");               /* 307.2 bytes */
    size_bad("18446744073709551616"); /* 2^64 */
    size_bad("16777216TiB");          /* 2^64 */
    size_bad("17179869184GiB");       /* 2^64 */
    size_bad("99999999999999999999999KiB");
}

static void test_durations(void **state) {
    (void)state;
    assert_int_equal(ns_of("250ns"), 250);
    assert_int_equal(ns_of("100us"), 100000);
    assert_int_equal(ns_of("100\xc2\xb5s"), 100000);
    assert_int_equal(ns_of("50ms"), 50000000);
    assert_int_equal(ns_of("2s"), UINT64_C(2000000000));
    assert_int_equal(ns_of("2"), UINT64_C(2000000000));
    assert_int_equal(ns_of("1.5s"), UINT64_C(1500000000));
    assert_int_equal(ns_of(".5s"), UINT64_C(500000000));
    assert_int_equal(ns_of("0.5ms"), 500000);
    assert_int_equal(ns_of("1.5m"), UINT64_C(90000000000));
    assert_int_equal(ns_of("1m"), UINT64_C(60000000000));
    assert_int_equal(ns_of("1min"), UINT64_C(60000000000));
    assert_int_equal(ns_of("1h"), UINT64_C(3600000000000));
    assert_int_equal(ns_of("0.000000001s"), 1);
    assert_int_equal(ns_of(" 30 s "), UINT64_C(30000000000));
    assert_int_equal(ns_of("5124095h"), UINT64_C(5124095) * 3600000000000u);
    assert_int_equal(ns_of("18446744073709551615ns"), UINT64_MAX);
    duration_bad("");
    duration_bad("s");
    duration_bad("5y");
    duration_bad("-1s");
    duration_bad("1.5ns");         /* finer than a nanosecond */
    duration_bad("1.0000000005s"); /* likewise */
    duration_bad("5124096h");      /* over 2^64 ns */
    duration_bad("18446744074s");
    duration_bad("18446744073709551616ns");
    duration_bad("1 h 5m");
}

static void test_ints(void **state) {
    (void)state;
    int64_t i = 0;
    assert_int_equal(parse_int("-3", &i), 0);
    assert_int_equal(i, -3);
    assert_int_equal(parse_int("+7", &i), 0);
    assert_int_equal(i, 7);
    assert_int_equal(parse_int(" 42 ", &i), 0);
    assert_int_equal(i, 42);
    assert_int_equal(parse_int("9223372036854775807", &i), 0);
    assert_true(i == INT64_MAX);
    assert_int_equal(parse_int("-9223372036854775808", &i), 0);
    assert_true(i == INT64_MIN);
    i = 5;
    assert_int_equal(parse_int("9223372036854775808", &i), PB_EINVAL);
    assert_int_equal(parse_int("-9223372036854775809", &i), PB_EINVAL);
    assert_int_equal(parse_int("99999999999999999999999", &i), PB_EINVAL);
    assert_int_equal(parse_int("12x", &i), PB_EINVAL);
    assert_int_equal(parse_int("", &i), PB_EINVAL);
    assert_int_equal(parse_int("-", &i), PB_EINVAL);
    assert_int_equal(parse_int("- 3", &i), PB_EINVAL);
    assert_int_equal(parse_int("0x10", &i), PB_EINVAL);
    assert_int_equal(parse_int("1e3", &i), PB_EINVAL);
    assert_int_equal(parse_int("1 2", &i), PB_EINVAL);
    assert_int_equal(i, 5);

    uint64_t u = 0;
    assert_int_equal(parse_uint("18446744073709551615", &u), 0);
    assert_true(u == UINT64_MAX);
    assert_int_equal(parse_uint(" 0 ", &u), 0);
    assert_int_equal(u, 0);
    u = 9;
    assert_int_equal(parse_uint("18446744073709551616", &u), PB_EINVAL);
    assert_int_equal(parse_uint("-1", &u), PB_EINVAL);
    assert_int_equal(parse_uint("+1", &u), PB_EINVAL);
    assert_int_equal(parse_uint("1.0", &u), PB_EINVAL);
    assert_int_equal(parse_uint("", &u), PB_EINVAL);
    assert_int_equal(u, 9);
}

static void test_bools(void **state) {
    (void)state;
    const char *yes[] = {"true", "yes", "on", "1", "TRUE", " Yes ", "ON"};
    const char *no[] = {"false", "no", "off", "0", "False", " NO\t", "Off"};
    for (size_t k = 0; k < 7; k++) {
        int b = -1;
        assert_int_equal(parse_bool(yes[k], &b), 0);
        assert_int_equal(b, 1);
        assert_int_equal(parse_bool(no[k], &b), 0);
        assert_int_equal(b, 0);
    }
    int b = -1;
    assert_int_equal(parse_bool("maybe", &b), PB_EINVAL);
    assert_int_equal(parse_bool("2", &b), PB_EINVAL);
    assert_int_equal(parse_bool("", &b), PB_EINVAL);
    assert_int_equal(parse_bool("truee", &b), PB_EINVAL);
    assert_int_equal(b, -1);
}

static void test_floats(void **state) {
    (void)state;
    double d = 0;
    assert_int_equal(parse_float("0.5", &d), 0);
    assert_true(d == 0.5);
    assert_int_equal(parse_float(" -2.5 ", &d), 0);
    assert_true(d == -2.5);
    assert_int_equal(parse_float("1e-9", &d), 0);
    assert_true(d == 1e-9);
    d = 7;
    const char *bad[] = {"nan",   "NaN", "inf",  "-inf", "infinity",
                         "1e999", "",    "1.5x", "abc",  "0.5 0.5"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++)
        assert_int_equal(parse_float(bad[k], &d), PB_EINVAL);
    assert_true(d == 7);
}

/* ------------------------------------------------------------------------ */
/* Canonical texts                                                          */
/* ------------------------------------------------------------------------ */

static void test_format_size(void **state) {
    (void)state;
    char buf[32];
    struct {
        uint64_t v;
        const char *text;
    } cases[] = {{0, "0"},
                 {1, "1"},
                 {1000, "1000"},
                 {1536, "1536"},
                 {4096, "4KiB"},
                 {65536, "64KiB"},
                 {1048576, "1MiB"},
                 {UINT64_C(3) << 30, "3GiB"},
                 {UINT64_C(1) << 40, "1TiB"},
                 {UINT64_C(1) << 50, "1024TiB"},
                 {UINT64_MAX, "18446744073709551615"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        format_size(cases[k].v, buf, sizeof buf);
        assert_string_equal(buf, cases[k].text);
        assert_true(size_of(buf) == cases[k].v);
    }
    format_size(65536, buf, 3);
    assert_string_equal(buf, "64");
}

static void test_format_duration(void **state) {
    (void)state;
    char buf[32];
    struct {
        uint64_t v;
        const char *text;
    } cases[] = {{0, "0s"},
                 {1, "1ns"},
                 {1500, "1500ns"},
                 {50000000, "50ms"},
                 {UINT64_C(1500000000), "1500ms"},
                 {UINT64_C(2000000000), "2s"},
                 {UINT64_C(90000000000), "90s"},
                 {UINT64_C(120000000000), "2m"},
                 {UINT64_C(3600000000000), "1h"},
                 {UINT64_MAX, "18446744073709551615ns"}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        format_duration(cases[k].v, buf, sizeof buf);
        assert_string_equal(buf, cases[k].text);
        assert_true(ns_of(buf) == cases[k].v);
    }
}

/* ------------------------------------------------------------------------ */
/* Worker lists                                                             */
/* ------------------------------------------------------------------------ */

static void test_workers_list(void **state) {
    (void)state;
    unsigned *w = NULL;
    size_t n = 0;
    char err[256] = "";
    assert_int_equal(
        parse_workers_list("1, 2, ncpu", 8, &w, &n, err, sizeof err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(w[0], 1);
    assert_int_equal(w[1], 2);
    assert_int_equal(w[2], 8);
    free(w);

    /* Duplicates are kept once, in order of first appearance. */
    assert_int_equal(
        parse_workers_list("NCPU,4, 4 ,1", 4, &w, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(w[0], 4);
    assert_int_equal(w[1], 1);
    free(w);

    assert_int_equal(parse_workers_list("ncpu", 0, &w, &n, err, sizeof err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(w[0], 1);
    free(w);
}

static void workers_bad(const char *text, const char *msg) {
    unsigned *w = (unsigned *)1;
    size_t n = 7;
    char err[256] = "";
    assert_int_equal(parse_workers_list(text, 4, &w, &n, err, sizeof err),
                     PB_EINVAL);
    assert_null(w);
    assert_int_equal(n, 0);
    assert_string_equal(err, msg);
}

static void test_workers_list_errors(void **state) {
    (void)state;
    workers_bad("", "the worker list is empty; write worker counts such as "
                    "1, 2, ncpu");
    workers_bad("1,,2", "'1,,2' has an empty item; separate worker counts "
                        "with single commas, e.g. 1, 2, 4");
    workers_bad("1, 2,", "'1, 2,' has an empty item; separate worker counts "
                         "with single commas, e.g. 1, 2, 4");
    workers_bad("1, 0", "0 is not a worker count; every item must be 1 or "
                        "more (or ncpu)");
    workers_bad("2, x", "'x' is not a worker count; write whole numbers >= 1 "
                        "or ncpu, e.g. 1, 2, ncpu");
    workers_bad("-1", "'-1' is not a worker count; write whole numbers >= 1 "
                      "or ncpu, e.g. 1, 2, ncpu");
    workers_bad("4294967296", "'4294967296' is too many workers; the largest "
                              "count is 4096");
    workers_bad("4097", "'4097' is too many workers; the largest count is "
                        "4096");
}

/* ------------------------------------------------------------------------ */
/* One parameter                                                            */
/* ------------------------------------------------------------------------ */

static void test_param_values(void **state) {
    (void)state;
    struct param_value v;
    assert_string_equal(parse_ok(&table[0], " 500 ", &v), "500");
    assert_int_equal(v.u, 500);
    free(v.text);
    assert_string_equal(parse_ok(&table[1], "SIEVE", &v), "sieve");
    assert_int_equal(v.u, 1);
    free(v.text);
    assert_string_equal(parse_ok(&table[2], "65536", &v), "64KiB");
    assert_int_equal(v.u, 65536);
    free(v.text);
    assert_string_equal(parse_ok(&table[3], "0.05", &v), "50ms");
    assert_int_equal(v.u, 50000000);
    free(v.text);
    assert_string_equal(parse_ok(&table[4], "on", &v), "true");
    assert_int_equal(v.b, 1);
    free(v.text);
    assert_string_equal(parse_ok(&table[5], "0.1", &v), "0.1");
    assert_true(v.f == 0.1);
    free(v.text);
    assert_string_equal(parse_ok(&table[6], "a b;c", &v), "a b;c");
    free(v.text);
    assert_string_equal(parse_ok(&table[7], "+10", &v), "10");
    assert_int_equal(v.i, 10);
    free(v.text);
}

static void test_param_errors(void **state) {
    (void)state;
    parse_fails("limit", "12x",
                "limit: '12x' is not an unsigned integer; write a whole "
                "number such as 42");
    parse_fails("limit", "99999999999999999999",
                "limit: '99999999999999999999' is too large; the largest is "
                "18446744073709551615");
    parse_fails("offset", "1.5",
                "offset: '1.5' is not an integer; write a whole number such "
                "as 42 or -3");
    parse_fails("ratio", "nan",
                "ratio: 'nan' is not a finite number; write a number such "
                "as 0.5 or 1e-9");
    parse_fails("verbose", "maybe",
                "verbose: 'maybe' is not a boolean; write true or false "
                "(yes/no, on/off, 1/0)");
    parse_fails("block", "64KB!",
                "block: '64KB!' is not a size; write bytes such as 4096, "
                "64KiB, 1MiB or 1MB");
    parse_fails("pause", "5y",
                "pause: '5y' is not a duration; write a time such as 250ns, "
                "100us, 50ms, 1.5s, 1m or 1h");
    parse_fails("pause", "1.5ns",
                "pause: '1.5ns' is finer than a nanosecond; write e.g. "
                "1500ns or 1.5us");
}

static void test_param_bounds(void **state) {
    (void)state;
    parse_fails("limit", "1",
                "limit: '1' is below the minimum 2; use a value from 2 to "
                "1000000");
    parse_fails("limit", "1000001",
                "limit: '1000001' is above the maximum 1000000; use a value "
                "from 2 to 1000000");
    parse_fails("block", "2MiB",
                "block: '2MiB' is above the maximum 1MiB; use a value from "
                "4KiB to 1MiB");
    parse_fails("block", "4095",
                "block: '4095' is below the minimum 4KiB; use a value from "
                "4KiB to 1MiB");
    parse_fails("pause", "2m",
                "pause: '2m' is above the maximum 1m; use a value from 1us "
                "to 1m");
    parse_fails("ratio", "1.5",
                "ratio: '1.5' is above the maximum 1; use a value from 0 to "
                "1");
    parse_fails("offset", "-11",
                "offset: '-11' is below the minimum -10; use a value from "
                "-10 to 10");
    /* The bounds are inclusive. */
    struct param_value v;
    free(parse_ok(&table[0], "2", &v));
    free(parse_ok(&table[0], "1000000", &v));
    free(parse_ok(&table[2], "1MiB", &v));
    free(parse_ok(&table[7], "-10", &v));

    /* Only a minimum, or only a maximum. */
    const struct pb_param lo = {"n", PB_PARAM_INT, NULL, "1", NULL, NULL, NULL};
    const struct pb_param hi = {"n", PB_PARAM_INT, NULL, NULL, "9", NULL, NULL};
    char err[256];
    assert_int_equal(param_parse(&lo, "0", &v, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "n: '0' is below the minimum 1; use 1 or more");
    assert_int_equal(param_parse(&hi, "10", &v, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "n: '10' is above the maximum 9; use 9 or less");
}

static void test_param_enum(void **state) {
    (void)state;
    parse_fails("method", "trail",
                "method: 'trail' is not one of trial, sieve; did you mean "
                "'trial'?");
    parse_fails("method", "seive",
                "method: 'seive' is not one of trial, sieve; did you mean "
                "'sieve'?");
    parse_fails("method", "xyz", "method: 'xyz' is not one of trial, sieve");
    parse_fails("method", "", "method: '' is not one of trial, sieve");
}

/* ------------------------------------------------------------------------ */
/* The store                                                                */
/* ------------------------------------------------------------------------ */

static void test_defaults_and_canonical(void **state) {
    (void)state;
    struct pb_params *ps = params_new(table);
    assert_non_null(ps);
    assert_int_equal(ps->count, 8);
    char err[256] = "";
    assert_int_equal(params_finish(ps, err, sizeof err), 0);
    char *c = params_canonical(ps);
    assert_string_equal(c, "limit=1000;method=trial;block=64KiB;pause=50ms;"
                           "verbose=false;ratio=0.25;name=abc;offset=-3");
    free(c);
    assert_int_equal(params_index(ps, "limit"), 0);
    assert_int_equal(params_index(ps, "offset"), 7);
    assert_int_equal(params_index(ps, "nope"), -1);
    params_free(ps);
}

/* The core's keys first, then the plugin's, in one format. */
static void test_canonical_with(void **state) {
    (void)state;
    struct pb_params *ps = params_new(table);
    char err[256] = "";
    assert_int_equal(params_set(ps, "limit", "5000", err, sizeof err), 0);
    const char *keys[] = {"schedule", "affinity"};
    const char *values[] = {"static", "0-1"};
    char *c = params_canonical_with(keys, values, 2, ps);
    char *plain = params_canonical(ps);
    char want[512];
    snprintf(want, sizeof want, "schedule=static;affinity=0-1;%s", plain);
    assert_string_equal(c, want);
    free(c);
    c = params_canonical_with(keys, values, 2, NULL);
    assert_string_equal(c, "schedule=static;affinity=0-1");
    free(c);
    free(plain);
    params_free(ps);
}

static void test_canonical_round_trip(void **state) {
    (void)state;
    struct pb_params *ps = params_new(table);
    char err[256] = "";
    assert_int_equal(params_set(ps, "limit", "5000", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "method", "sieve", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "block", "1048576", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "pause", "1.5s", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "verbose", "yes", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "ratio", "0.3", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "name", "x y", err, sizeof err), 0);
    assert_int_equal(params_set(ps, "offset", "+4", err, sizeof err), 0);
    char *c = params_canonical(ps);
    assert_string_equal(c, "limit=5000;method=sieve;block=1MiB;pause=1500ms;"
                           "verbose=true;ratio=0.3;name=x y;offset=4");

    /* Setting the canonical pairs on a fresh set recreates it. */
    struct pb_params *again = params_new(table);
    char *copy = strdup(c);
    char *save = NULL;
    for (char *kv = strtok_r(copy, ";", &save); kv;
         kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        assert_non_null(eq);
        *eq = '\0';
        assert_int_equal(params_set(again, kv, eq + 1, err, sizeof err), 0);
    }
    char *c2 = params_canonical(again);
    assert_string_equal(c2, c);

    /* The getters read the typed values. */
    assert_int_equal(params_get_uint(again, "limit"), 5000);
    assert_int_equal(params_get_uint(again, "block"), 1048576);
    assert_int_equal(params_get_uint(again, "pause"), 1500000000);
    assert_string_equal(params_get_string(again, "method"), "sieve");
    assert_string_equal(params_get_string(again, "name"), "x y");
    assert_int_equal(params_get_bool(again, "verbose"), 1);
    assert_true(params_get_float(again, "ratio") == 0.3);
    assert_int_equal(params_get_int(again, "offset"), 4);
    free(c);
    free(c2);
    free(copy);
    params_free(ps);
    params_free(again);
}

static void test_set_keeps_old_value_on_error(void **state) {
    (void)state;
    struct pb_params *ps = params_new(table);
    char err[256] = "";
    assert_int_equal(params_set(ps, "limit", "1", err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "limit: '1' is below the minimum 2; use a value "
                             "from 2 to 1000000");
    assert_int_equal(params_get_uint(ps, "limit"), 1000);
    params_free(ps);
}

static void test_set_unknown_key(void **state) {
    (void)state;
    struct pb_params *ps = params_new(table);
    char err[256] = "";
    assert_int_equal(params_set(ps, "limt", "5", err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "unknown key 'limt'; did you mean 'limit'?");
    assert_int_equal(params_set(ps, "zzz", "5", err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "unknown key 'zzz'; valid keys are limit, "
                             "method, block, pause, verbose, ratio, name, "
                             "offset");
    params_free(ps);

    struct pb_params *none = params_new(NULL);
    assert_non_null(none);
    assert_int_equal(none->count, 0);
    assert_int_equal(params_set(none, "tasks", "5", err, sizeof err),
                     PB_EINVAL);
    assert_string_equal(err,
                        "unknown key 'tasks'; this plugin takes no parameters");
    char *c = params_canonical(none);
    assert_string_equal(c, "");
    free(c);
    assert_int_equal(params_finish(none, err, sizeof err), 0);
    params_free(none);
}

static void test_required_missing(void **state) {
    (void)state;
    static const struct pb_param req[] = {
        {"tasks", PB_PARAM_UINT, "4", "1", NULL, NULL, "how many tasks"},
        {"url", PB_PARAM_STRING, NULL, NULL, NULL, NULL, "where to fetch"},
        {NULL, 0, NULL, NULL, NULL, NULL, NULL}};
    struct pb_params *ps = params_new(req);
    char err[256] = "";
    assert_int_equal(params_finish(ps, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, "required parameter 'url' (string) is missing; "
                             "add 'url = VALUE': where to fetch");
    char *c = params_canonical(ps);
    assert_string_equal(c, "tasks=4");
    free(c);
    assert_int_equal(params_set(ps, "url", "http://x/{task}", err, sizeof err),
                     0);
    assert_int_equal(params_finish(ps, err, sizeof err), 0);
    c = params_canonical(ps);
    assert_string_equal(c, "tasks=4;url=http://x/{task}");
    free(c);
    params_free(ps);
}

/* ------------------------------------------------------------------------ */
/* Table checks                                                             */
/* ------------------------------------------------------------------------ */

static void table_bad(const struct pb_param *t, const char *msg) {
    char err[512] = "";
    assert_int_equal(params_check_table(t, err, sizeof err), PB_EINVAL);
    assert_string_equal(err, msg);
}

#define END                                                                    \
    { NULL, 0, NULL, NULL, NULL, NULL, NULL }

static void test_check_table(void **state) {
    (void)state;
    char err[256] = "";
    assert_int_equal(params_check_table(table, err, sizeof err), 0);
    assert_int_equal(params_check_table(NULL, err, sizeof err), 0);

    const struct pb_param bad_name[] = {
        {"Limit", PB_PARAM_UINT, "1", NULL, NULL, NULL, NULL}, END};
    table_bad(bad_name,
              "parameter 'Limit': names may use only a-z, 0-9 and '_'");
    const struct pb_param dash_name[] = {
        {"my-limit", PB_PARAM_UINT, "1", NULL, NULL, NULL, NULL}, END};
    table_bad(dash_name,
              "parameter 'my-limit': names may use only a-z, 0-9 and '_'");
    const struct pb_param empty_name[] = {
        {"", PB_PARAM_UINT, "1", NULL, NULL, NULL, NULL}, END};
    table_bad(empty_name, "parameter '': names may use only a-z, 0-9 and '_'");
    const struct pb_param twice[] = {
        {"n", PB_PARAM_UINT, "1", NULL, NULL, NULL, NULL},
        {"n", PB_PARAM_INT, "1", NULL, NULL, NULL, NULL},
        END};
    table_bad(twice, "parameter 'n' appears twice in the table");
    const struct pb_param bad_type[] = {
        {"n", (enum pb_param_type)42, "1", NULL, NULL, NULL, NULL}, END};
    table_bad(bad_type, "parameter 'n': unknown type 42");
    const struct pb_param no_choices[] = {
        {"m", PB_PARAM_ENUM, "a", NULL, NULL, NULL, NULL}, END};
    table_bad(no_choices, "parameter 'm': an enum needs a NULL-terminated, "
                          "non-empty list of choices");
    static const char *const dup_choices[] = {"a", "b", "a", NULL};
    const struct pb_param dup_choice[] = {
        {"m", PB_PARAM_ENUM, "a", NULL, NULL, dup_choices, NULL}, END};
    table_bad(dup_choice, "parameter 'm': choice 'a' appears twice");
    const struct pb_param bad_default[] = {
        {"n", PB_PARAM_UINT, "0", "1", NULL, NULL, NULL}, END};
    table_bad(bad_default, "bad default of parameter n: '0' is below the "
                           "minimum 1; use 1 or more");
    const struct pb_param bad_enum_default[] = {
        {"method", PB_PARAM_ENUM, "trail", NULL, NULL, methods, NULL}, END};
    table_bad(bad_enum_default,
              "bad default of parameter method: 'trail' is not one of "
              "trial, sieve; did you mean 'trial'?");
    const struct pb_param bad_min[] = {
        {"n", PB_PARAM_SIZE, "1", "1x", NULL, NULL, NULL}, END};
    table_bad(bad_min, "parameter 'n': minimum '1x' is not a size; write "
                       "bytes such as 4096, 64KiB, 1MiB or 1MB");
    const struct pb_param bad_max[] = {
        {"n", PB_PARAM_DURATION, "1s", NULL, "forever", NULL, NULL}, END};
    table_bad(bad_max,
              "parameter 'n': maximum 'forever' is not a duration; write a "
              "time such as 250ns, 100us, 50ms, 1.5s, 1m or 1h");
    const struct pb_param crossed[] = {
        {"n", PB_PARAM_INT, "5", "10", "1", NULL, NULL}, END};
    table_bad(crossed, "parameter 'n': minimum 10 is above maximum 1");
    const struct pb_param string_bounds[] = {
        {"s", PB_PARAM_STRING, "x", "a", NULL, NULL, NULL}, END};
    table_bad(string_bounds, "parameter 's': a string takes no min or max "
                             "(only numbers, sizes and durations do)");
}

/* ------------------------------------------------------------------------ */
/* Getters abort on plugin bugs                                             */
/* ------------------------------------------------------------------------ */

enum getter { GET_INT, GET_UINT, GET_STRING, GET_BOOL, GET_FLOAT };

/* Runs a getter in a child; returns what it wrote to stderr and checks
 * that it died of SIGABRT. */
static char *getter_dies(enum getter g, const char *name) {
    int fd[2];
    assert_int_equal(pipe(fd), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(fd[1], 2);
        close(fd[0]);
        struct pb_params *ps = params_new(table);
        switch (g) {
        case GET_INT:
            (void)params_get_int(ps, name);
            break;
        case GET_UINT:
            (void)params_get_uint(ps, name);
            break;
        case GET_STRING:
            (void)params_get_string(ps, name);
            break;
        case GET_BOOL:
            (void)params_get_bool(ps, name);
            break;
        case GET_FLOAT:
            (void)params_get_float(ps, name);
            break;
        }
        _exit(0);
    }
    close(fd[1]);
    static char out[1024];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof out - 1 &&
           (r = read(fd[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)r;
    out[n] = '\0';
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    return out;
}

static void test_getters_abort(void **state) {
    (void)state;
    assert_string_equal(getter_dies(GET_UINT, "limt"),
                        "parbench: plugin bug: param_uint('limt'): no such "
                        "parameter in the plugin's table\n");
    assert_string_equal(getter_dies(GET_INT, "limit"),
                        "parbench: plugin bug: param_int('limit'): the "
                        "parameter is of type unsigned integer; read it with "
                        "param_uint\n");
    assert_string_equal(
        getter_dies(GET_UINT, "method"),
        "parbench: plugin bug: param_uint('method'): the "
        "parameter is of type choice; read it with param_string\n");
    assert_string_equal(getter_dies(GET_STRING, "block"),
                        "parbench: plugin bug: param_string('block'): the "
                        "parameter is of type size; read it with param_uint\n");
    assert_string_equal(
        getter_dies(GET_BOOL, "ratio"),
        "parbench: plugin bug: param_bool('ratio'): the "
        "parameter is of type number; read it with param_float\n");
    assert_string_equal(
        getter_dies(GET_FLOAT, "verbose"),
        "parbench: plugin bug: param_float('verbose'): the "
        "parameter is of type boolean; read it with param_bool\n");
}

static void test_type_names(void **state) {
    (void)state;
    assert_string_equal(param_type_name(PB_PARAM_INT), "integer");
    assert_string_equal(param_type_name(PB_PARAM_UINT), "unsigned integer");
    assert_string_equal(param_type_name(PB_PARAM_FLOAT), "number");
    assert_string_equal(param_type_name(PB_PARAM_BOOL), "boolean");
    assert_string_equal(param_type_name(PB_PARAM_STRING), "string");
    assert_string_equal(param_type_name(PB_PARAM_SIZE), "size");
    assert_string_equal(param_type_name(PB_PARAM_DURATION), "duration");
    assert_string_equal(param_type_name(PB_PARAM_ENUM), "choice");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_ints),
        cmocka_unit_test(test_bools),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_format_size),
        cmocka_unit_test(test_format_duration),
        cmocka_unit_test(test_workers_list),
        cmocka_unit_test(test_workers_list_errors),
        cmocka_unit_test(test_param_values),
        cmocka_unit_test(test_param_errors),
        cmocka_unit_test(test_param_bounds),
        cmocka_unit_test(test_param_enum),
        cmocka_unit_test(test_defaults_and_canonical),
        cmocka_unit_test(test_canonical_round_trip),
        cmocka_unit_test(test_canonical_with),
        cmocka_unit_test(test_set_keeps_old_value_on_error),
        cmocka_unit_test(test_set_unknown_key),
        cmocka_unit_test(test_required_missing),
        cmocka_unit_test(test_check_table),
        cmocka_unit_test(test_getters_abort),
        cmocka_unit_test(test_type_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
