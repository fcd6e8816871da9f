/* SPDX-License-Identifier: MIT */
/*
 * fuzz_config.c - the INI loader with parameter validation: config_load
 * (core/config/config.c), then plan_build (core/config/plan.c) against the
 * real plugins of the build, as `parbench check` runs them.
 *
 * Input: an INI file.  Comment lines "; set SECTION.KEY=VALUE" and
 * "; only EXPR" in it are also handed over as --set and --only (at most 8
 * of each), so that the seed corpus stays valid configs.  The plugin
 * search path is forced to the build's plugin directory (PB_PLUGIN_DIR in
 * the environment, else the one compiled in): [run] plugin_path and
 * PARBENCH_PLUGIN_PATH of the input are ignored, so no other shared
 * object is ever opened.  The plugins are opened once at start and kept,
 * so that every run's dlopen is a reference count.
 *
 * Oracles, for a config the plan accepts: every instance's canonical
 * parameters, set again one by one on a fresh set, give the same
 * canonical text (what --resume matches); every workload's spec, built,
 * parsed and applied as parbench-worker applies it, gives the same
 * canonical text; ${server} substitution succeeds.  Every refusal carries
 * a message.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <string.h>

#include "config/config.h"
#include "config/params.h"
#include "config/plan.h"
#include "config/spec.h"
#include "fuzz.h"
#include "run/host.h"
#include "util/errors.h"

#ifndef PB_FUZZ_PLUGIN_DIR
#define PB_FUZZ_PLUGIN_DIR ""
#endif

#define FUZZ_MAX_EXTRA 8

static const char *plugin_dir;

/* Opens every *.so of the plugin directory once and never closes it. */
static void pin_plugins(void) {
    DIR *d = opendir(plugin_dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        size_t n = strlen(e->d_name);
        if (n < 4 || strcmp(e->d_name + n - 3, ".so") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", plugin_dir, e->d_name);
        (void)dlopen(path, RTLD_NOW | RTLD_LOCAL);
    }
    closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    fuzz_verbose = getenv("PB_FUZZ_VERBOSE") != NULL;
    const char *env = getenv("PB_PLUGIN_DIR");
    plugin_dir = env && *env ? env : PB_FUZZ_PLUGIN_DIR;
    unsetenv("PARBENCH_PLUGIN_PATH");
    pin_plugins();
    return 0;
}

/* The canonical text of `table` with every set value of `ps` set again. */
static char *canonical_again(const struct pb_params *ps, const char *what) {
    struct pb_params *fresh = params_new(ps->table);
    char err[512] = "";
    if (!fresh)
        fuzz_fail("out of memory");
    for (size_t i = 0; i < ps->count; i++)
        if (ps->values[i].set &&
            params_set(fresh, ps->table[i].name, ps->values[i].text, err,
                       sizeof err) < 0)
            fuzz_fail("%s: canonical value %s='%s' is refused: %s", what,
                      ps->table[i].name, ps->values[i].text, err);
    if (params_finish(fresh, err, sizeof err) < 0)
        fuzz_fail("%s: %s", what, err);
    char *c = params_canonical(fresh);
    params_free(fresh);
    if (!c)
        fuzz_fail("out of memory");
    return c;
}

/* The spec of workload `w` as parbench-worker applies it. */
static void check_spec(const struct plan_instance *w) {
    char *text = NULL, err[512] = "";
    size_t len = 0;
    if (spec_build(w->file, w->params, &text, &len) < 0)
        fuzz_fail("spec_build failed");
    struct worker_spec s;
    if (spec_parse(text, len, &s, err, sizeof err) < 0)
        fuzz_fail("workload %s: its spec does not parse: %s", w->name, err);
    struct pb_params *ps = params_new(w->params->table);
    if (!ps)
        fuzz_fail("out of memory");
    for (size_t i = 0; i < s.count; i++)
        if (params_set(ps, s.params[i].key, s.params[i].value, err,
                       sizeof err) < 0)
            fuzz_fail("workload %s: spec value %s='%s' is refused: %s", w->name,
                      s.params[i].key, s.params[i].value, err);
    if (params_finish(ps, err, sizeof err) < 0)
        fuzz_fail("workload %s: spec incomplete: %s", w->name, err);
    char *c = params_canonical(ps);
    if (!c || strcmp(c, w->canonical) != 0)
        fuzz_fail("workload %s: '%s' through the spec became '%s'", w->name,
                  w->canonical, c ? c : "(null)");
    free(c);
    params_free(ps);
    spec_free(&s);
    free(text);
}

static void check_instance(const struct plan_instance *x) {
    char *c = canonical_again(x->params, x->name);
    if (strcmp(c, x->canonical) != 0)
        fuzz_fail("%s: canonical '%s' set again became '%s'", x->name,
                  x->canonical, c);
    free(c);
}

/* Collects the "; set X" and "; only X" comment lines of the input. */
static void extras(char *text, struct cfg_override *sets, size_t *nsets,
                   struct only_filter *only) {
    char err[512];
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        size_t n = strlen(line);
        if (n && line[n - 1] == '\r')
            line[n - 1] = '\0';
        if (strncmp(line, "; set ", 6) == 0 && *nsets < FUZZ_MAX_EXTRA)
            sets[(*nsets)++].text = line + 6;
        else if (strncmp(line, "; only ", 7) == 0 &&
                 only->count < FUZZ_MAX_EXTRA)
            (void)only_parse(only, line + 7, err, sizeof err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct cfg_override sets[FUZZ_MAX_EXTRA];
    size_t nsets = 0;
    struct only_filter only = {0};
    extras(text, sets, &nsets, &only);

    struct config cfg;
    char err[1024] = "";
    const char *path = fuzz_as_file(data, size);
    int rc = config_load(&cfg, path, sets, nsets, 2, err, sizeof err);
    if (rc < 0) {
        fuzz_note("config_load: %s", err);
        if (!err[0])
            fuzz_fail("config_load refused the config without a message");
        goto out;
    }
    free(cfg.run.plugin_path);
    cfg.run.plugin_path = strdup(plugin_dir);
    struct plan plan;
    err[0] = '\0';
    rc = plan_build(&plan, &cfg, &only, host_init, NULL, err, sizeof err);
    if (rc < 0)
        fuzz_note("plan_build: %s", err);
    else
        fuzz_note("plan_build: %zu cells", plan.ncells);
    if (rc < 0 && !err[0] && rc != PB_ENOMEM)
        fuzz_fail("plan_build refused the config without a message (%d)", rc);
    if (rc == 0) {
        for (size_t i = 0; i < plan.nworkloads; i++) {
            check_instance(&plan.workloads[i]);
            check_spec(&plan.workloads[i]);
        }
        for (size_t i = 0; i < plan.nexecutors; i++)
            check_instance(&plan.executors[i]);
        for (size_t i = 0; i < plan.ncells; i++)
            (void)plan_cell_uses(&plan, &plan.cells[i], "server");
        err[0] = '\0';
        if (plan_substitute(&plan, "server", "http://127.0.0.1:9", err,
                            sizeof err) < 0)
            fuzz_fail("substituting ${server}: %s", err);
    }
    plan_free(&plan);
    config_free(&cfg);
out:
    only_free(&only);
    free(text);
    return 0;
}
