/* SPDX-License-Identifier: MIT */
/*
 * fuzz_spec.c - the worker spec parser (core/config/spec.c): what
 * parbench-worker reads from its standard input.
 *
 * Input: the bytes of a spec.  Oracles: spec_parse never reads past the
 * input, and a spec it accepts survives spec_build -> spec_parse
 * unchanged (plugin path, every key and value, in order): the escapes
 * read back to what they were written from.
 */
#include <string.h>

#include "config/params.h"
#include "config/spec.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_verbose = getenv("PB_FUZZ_VERBOSE") != NULL;
    return 0;
}

/* Rebuilds the spec of `s` through spec_build and parses it again. */
static void round_trip(const struct worker_spec *s) {
    size_t n = s->count;
    struct pb_param *table = calloc(n + 1, sizeof *table);
    struct param_value *values = calloc(n + 1, sizeof *values);
    if (!table || !values)
        fuzz_fail("out of memory");
    for (size_t i = 0; i < n; i++) {
        table[i].name = s->params[i].key;
        table[i].type = PB_PARAM_STRING;
        values[i].set = 1;
        values[i].text = s->params[i].value;
    }
    struct pb_params ps = {table, n, values, NULL};
    char *text = NULL, err[512] = "";
    size_t len = 0;
    if (spec_build(s->plugin, &ps, &text, &len) < 0)
        fuzz_fail("spec_build failed");
    if (strlen(text) != len)
        fuzz_fail("spec_build: length %zu, text of %zu bytes", len,
                  strlen(text));
    struct worker_spec again;
    if (spec_parse(text, len, &again, err, sizeof err) < 0)
        fuzz_fail("a built spec does not parse: %s", err);
    if (strcmp(again.plugin, s->plugin) != 0 || again.count != n)
        fuzz_fail("plugin or parameter count changed in the round trip");
    for (size_t i = 0; i < n; i++)
        if (strcmp(again.params[i].key, s->params[i].key) != 0 ||
            strcmp(again.params[i].value, s->params[i].value) != 0)
            fuzz_fail("parameter %zu changed in the round trip", i);
    spec_free(&again);
    free(text);
    free(table);
    free(values);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct worker_spec s;
    char err[512] = "";
    int rc = spec_parse((const char *)data, size, &s, err, sizeof err);
    fuzz_note("spec_parse: %s", rc == 0 ? "ok" : err);
    if (rc == 0)
        round_trip(&s);
    else if (!err[0])
        fuzz_fail("spec_parse refused the spec without a message");
    spec_free(&s);
    return 0;
}
