/* SPDX-License-Identifier: MIT */
/*
 * test_spec.c - the workload spec a spawned worker re-creates the workload
 * from: values that break a "key=value;key=value" list (';', '=',
 * newlines, backslashes, control bytes, UTF-8) survive the round trip, and
 * malformed specs are refused with the line named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "config/params.h"
#include "config/spec.h"
#include "util/errors.h"

static const char *const colours[] = {"red", "green", NULL};

static const struct pb_param table[] = {
    {"url", PB_PARAM_STRING, "", NULL, NULL, NULL, "a URL"},
    {"tasks", PB_PARAM_UINT, "4", "1", NULL, NULL, "tasks"},
    {"delay", PB_PARAM_DURATION, "50ms", NULL, NULL, NULL, "delay"},
    {"ratio", PB_PARAM_FLOAT, "0.1", NULL, NULL, NULL, "ratio"},
    {"colour", PB_PARAM_ENUM, "red", NULL, NULL, colours, "colour"},
    {"name", PB_PARAM_STRING, NULL, NULL, NULL, NULL, "required"},
    {NULL, 0, NULL, NULL, NULL, NULL, NULL}};

/* Builds the spec of `ps`, parses it back into a fresh set and checks that
 * every value came back identical. */
static void round_trip(const struct pb_params *ps) {
    char *text = NULL, err[256] = "";
    size_t len = 0;
    assert_int_equal(spec_build("/p/workload-x.so", ps, &text, &len), 0);
    assert_int_equal(strlen(text), len);
    struct worker_spec spec;
    if (spec_parse(text, len, &spec, err, sizeof err) != 0)
        fail_msg("%s\n%s", err, text);
    assert_string_equal(spec.plugin, "/p/workload-x.so");
    struct pb_params *back = params_new(table);
    assert_non_null(back);
    for (size_t i = 0; i < spec.count; i++)
        if (params_set(back, spec.params[i].key, spec.params[i].value, err,
                       sizeof err) != 0)
            fail_msg("%s", err);
    assert_int_equal(params_finish(back, err, sizeof err), 0);
    for (size_t i = 0; i < ps->count; i++) {
        assert_int_equal(back->values[i].set, ps->values[i].set);
        if (ps->values[i].set)
            assert_string_equal(back->values[i].text, ps->values[i].text);
    }
    params_free(back);
    spec_free(&spec);
    free(text);
}

static void test_round_trip_hard_strings(void **unused) {
    (void)unused;
    static const char *const hard[] = {
        "http://h/x?a=1;b=2&c=3",
        "line one\nline two",
        "back\\slash \\n not a newline",
        "tab\there, bell\a, del\x7f, esc\x1b",
        "caf\xc3\xa9 \xe2\x82\xac",
        " leading and trailing blanks ",
        "param url x\nend\n",
        "",
    };
    char err[256];
    for (size_t i = 0; i < sizeof hard / sizeof *hard; i++) {
        struct pb_params *ps = params_new(table);
        assert_non_null(ps);
        assert_int_equal(params_set(ps, "url", hard[i], err, sizeof err), 0);
        assert_int_equal(params_set(ps, "name", hard[i], err, sizeof err), 0);
        assert_int_equal(params_set(ps, "delay", "1.5s", err, sizeof err), 0);
        assert_int_equal(params_set(ps, "ratio", "0.3", err, sizeof err), 0);
        assert_int_equal(params_set(ps, "colour", "green", err, sizeof err), 0);
        round_trip(ps);
        params_free(ps);
    }
}

/* The escaped text holds no raw control byte, so a line is a record. */
static void test_escaped_form(void **unused) {
    (void)unused;
    char err[256], *text = NULL;
    size_t len = 0;
    struct pb_params *ps = params_new(table);
    assert_int_equal(params_set(ps, "name", "a\nb\\c\x01;d=e", err, sizeof err),
                     0);
    assert_int_equal(spec_build("/x y/w.so", ps, &text, &len), 0);
    assert_non_null(strstr(text, "\nparam name a\\nb\\\\c\\x01;d=e\n"));
    assert_non_null(strstr(text, "\nplugin /x y/w.so\n"));
    assert_int_equal(
        strncmp(text, SPEC_VERSION_LINE "\n", strlen(SPEC_VERSION_LINE) + 1),
        0);
    assert_string_equal(text + len - 4, "end\n");
    free(text);
    params_free(ps);
}

static void expect_error(const char *text, size_t len, const char *words) {
    struct worker_spec spec;
    char err[256] = "";
    assert_int_equal(spec_parse(text, len, &spec, err, sizeof err), PB_EINVAL);
    if (!strstr(err, words))
        fail_msg("error '%s' lacks '%s'", err, words);
    spec_free(&spec);
}

static void test_malformed(void **unused) {
    (void)unused;
#define E(text, words) expect_error(text, sizeof text - 1, words)
    E("", "no 'plugin' line");
    E("parbench-spec 2\nplugin /a\nend\n", "spec line 1");
    E("parbench-spec 1\nplugin /a\n", "no 'end' line");
    E("parbench-spec 1\nplugin /a\nend", "line 3: not terminated");
    E("parbench-spec 1\nplugin /a\nend\nparam a b\n", "line 4: text after");
    E("parbench-spec 1\nplugin /a\nparam a b\\q\nend\n", "line 3: bad escape");
    E("parbench-spec 1\nplugin /a\nparam a \\x0\nend\n", "line 3: bad escape");
    E("parbench-spec 1\nplugin /a\nparam a \\x00\nend\n", "line 3: bad escape");
    E("parbench-spec 1\nplugin /a\nparam a b\\\nend\n", "line 3: bad escape");
    E("parbench-spec 1\nplugin /a\nparam A b\nend\n",
      "line 3: expected 'param");
    E("parbench-spec 1\nplugin /a\nparam novalue\nend\n", "line 3: expected");
    E("parbench-spec 1\nplugin /a\nplugin /b\nend\n", "line 3: expected");
    E("parbench-spec 1\nplugins /a\nend\n", "line 2: expected");
    E("parbench-spec 1\nparam a b\nend\n", "no 'plugin' line");
    E("parbench-spec 1\nplugin /a\0b\nend\n", "NUL byte");
#undef E
}

/* A value may be empty; a parameter may be absent (left to its default). */
static void test_minimal(void **unused) {
    (void)unused;
    static const char text[] = "parbench-spec 1\nplugin /a\nparam url \nend\n";
    struct worker_spec spec;
    char err[256] = "";
    assert_int_equal(spec_parse(text, sizeof text - 1, &spec, err, sizeof err),
                     0);
    assert_int_equal(spec.count, 1);
    assert_string_equal(spec.params[0].key, "url");
    assert_string_equal(spec.params[0].value, "");
    spec_free(&spec);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_hard_strings),
        cmocka_unit_test(test_escaped_form),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_minimal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
