/* SPDX-License-Identifier: MIT */
/*
 * info.c - `parbench list` and `parbench describe`: everything they
 * print comes from the descriptors and parameter tables, no plugin code
 * runs beyond the entry function.
 */
#include "cli/info.h"

#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/params.h"
#include "config/plan.h"
#include "util/errors.h"
#include "util/suggest.h"

/* 1 when the build found Open MPI (cli/CMakeLists.txt). */
#ifndef PB_HAVE_MPI
#define PB_HAVE_MPI 0
#endif

static const char *kind_text(enum pb_kind kind) {
    return kind == PB_KIND_WORKLOAD ? "workload" : "executor";
}

/* ------------------------------------------------------------------------ */
/* Aligned tables                                                           */
/* ------------------------------------------------------------------------ */

#define MAX_COLS 5

/* A table of text cells; every cell is owned.  Columns but the last are
 * padded to their widest cell. */
struct text_table {
    size_t cols;
    char **cells; /* rows * cols, row-major */
    size_t rows;
};

static int table_add(struct text_table *t, const char *const *row) {
    char **cells = realloc(t->cells, (t->rows + 1) * t->cols * sizeof *cells);
    if (!cells)
        return PB_ENOMEM;
    t->cells = cells;
    char **dst = cells + t->rows * t->cols;
    for (size_t c = 0; c < t->cols; c++)
        dst[c] = NULL;
    t->rows++;
    for (size_t c = 0; c < t->cols; c++)
        if (!(dst[c] = strdup(row[c] ? row[c] : "")))
            return PB_ENOMEM;
    return 0;
}

static void table_print(const struct text_table *t, const char *indent,
                        FILE *out) {
    size_t width[MAX_COLS] = {0};
    for (size_t r = 0; r < t->rows; r++)
        for (size_t c = 0; c < t->cols; c++) {
            size_t len = strlen(t->cells[r * t->cols + c]);
            if (len > width[c])
                width[c] = len;
        }
    for (size_t r = 0; r < t->rows; r++) {
        fputs(indent, out);
        for (size_t c = 0; c < t->cols; c++) {
            const char *cell = t->cells[r * t->cols + c];
            if (c + 1 < t->cols)
                fprintf(out, "%-*s  ", (int)width[c], cell);
            else
                fprintf(out, "%s\n", cell);
        }
    }
}

static void table_free(struct text_table *t) {
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->rows = 0;
}

/* ------------------------------------------------------------------------ */
/* parbench list                                                            */
/* ------------------------------------------------------------------------ */

/* The loader's warnings carry no context: the verb and stream live here
 * for the duration of one call of the functions below. */
static const char *warn_verb = "list";
static FILE *warn_errf;

static void cli_warn(const char *msg) {
    if (warn_errf)
        fprintf(warn_errf, "parbench %s: warning: %s\n", warn_verb, msg);
}

/* A copy of sp whose warnings go to errf under `verb`. */
static struct loader_path warn_to(const struct loader_path *sp,
                                  const char *verb, FILE *errf) {
    struct loader_path local = *sp;
    warn_verb = verb;
    warn_errf = errf;
    local.warn = cli_warn;
    return local;
}

int cli_path_init(struct loader_path *sp, const char *verb, FILE *errf) {
    struct loader_path none = {NULL, 0, 0, NULL};
    warn_to(&none, verb, errf);
    return loader_path_init(sp, NULL, NULL, cli_warn);
}

void cli_note_mpi(FILE *errf, int found, int built) {
    if (!found && !built)
        fprintf(errf, "parbench list: executor mpi is not built: Open MPI was "
                      "not found when parbench was built; install openmpi-bin "
                      "and libopenmpi-dev (`make deps`) and rebuild\n");
}

int cli_list(const struct loader_path *sp, FILE *out, FILE *errf,
             size_t *broken) {
    struct loaded_plugin *lps = NULL;
    size_t n = 0;
    struct loader_path local = warn_to(sp, "list", errf);
    int rc = loader_scan(&local, &lps, &n, broken);
    if (rc < 0) {
        fprintf(errf, "parbench list: %s while scanning the plugin path\n",
                pb_strerror(rc));
        return rc;
    }
    struct text_table t = {4, NULL, 0};
    static const char *const head[] = {"KIND", "NAME", "SUMMARY", "FILE"};
    rc = table_add(&t, head);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const char *row[] = {kind_text(lps[i].desc->kind), lps[i].desc->name,
                             lps[i].desc->summary, lps[i].path};
        rc = table_add(&t, row);
    }
    if (rc == 0)
        table_print(&t, "", out);
    table_free(&t);
    if (rc == 0 && n == 0) {
        fprintf(errf, "parbench list: no plugins found in");
        for (size_t i = 0; i < sp->count; i++)
            fprintf(errf, "%s %s", i ? "," : "", sp->dirs[i]);
        fprintf(errf, "; set PARBENCH_PLUGIN_PATH to the directory holding "
                      "the KIND-NAME.so files\n");
    }
    /* The one plugin that is built only when a library is found. */
    int have_mpi = 0;
    for (size_t i = 0; i < n; i++)
        have_mpi |= lps[i].desc->kind == PB_KIND_EXECUTOR &&
                    strcmp(lps[i].desc->name, "mpi") == 0;
    if (rc == 0 && n > 0)
        cli_note_mpi(errf, have_mpi, PB_HAVE_MPI);
    if (rc == 0 && *broken > 0)
        fprintf(errf,
                "parbench list: %zu plugin file%s could not be loaded (each "
                "named above with the reason) and %s not listed; rebuild, "
                "fix or remove %s\n",
                *broken, *broken == 1 ? "" : "s", *broken == 1 ? "is" : "are",
                *broken == 1 ? "it" : "them");
    for (size_t i = 0; i < n; i++)
        loader_close(&lps[i]);
    free(lps);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* parbench describe                                                        */
/* ------------------------------------------------------------------------ */

/* Bounds or choices of `p` as text: "[1, 10]", ">= 1", "trial | sieve". */
static void range_text(const struct pb_param *p, char *buf, size_t len) {
    buf[0] = '\0';
    if (p->type == PB_PARAM_ENUM && p->choices) {
        size_t used = 0;
        for (size_t i = 0; p->choices[i] && used < len; i++) {
            int k = snprintf(buf + used, len - used, "%s%s", i ? " | " : "",
                             p->choices[i]);
            if (k < 0)
                break;
            used += (size_t)k;
        }
    } else if (p->min && p->max) {
        snprintf(buf, len, "[%s, %s]", p->min, p->max);
    } else if (p->min) {
        snprintf(buf, len, ">= %s", p->min);
    } else if (p->max) {
        snprintf(buf, len, "<= %s", p->max);
    }
    if (!buf[0])
        snprintf(buf, len, "-");
}

/* One row per key of `params` into t.  Returns 0 or PB_ENOMEM. */
static int param_rows(struct text_table *t, const struct pb_param *params) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && params && params[i].name; i++) {
        const struct pb_param *p = &params[i];
        char range[512];
        range_text(p, range, sizeof range);
        const char *row[] = {p->name, param_type_name(p->type),
                             p->def ? p->def : "required", range, p->help};
        rc = table_add(t, row);
    }
    return rc;
}

static const char *const param_head[] = {"NAME", "TYPE", "DEFAULT", "RANGE",
                                         "HELP"};

/* `parbench describe run` and `describe server`: the core's own sections. */
static int describe_section(const char *name, const char *what,
                            const struct pb_param *keys, FILE *out) {
    fprintf(out, "[%s]: %s\n\nkeys:\n", name, what);
    struct text_table t = {5, NULL, 0};
    int rc = table_add(&t, param_head);
    if (rc == 0)
        rc = param_rows(&t, keys);
    if (rc == 0)
        table_print(&t, "  ", out);
    table_free(&t);
    return rc;
}

static int describe_one(const struct loaded_plugin *lp, FILE *out) {
    const struct pb_plugin *d = lp->desc;
    fprintf(out, "%s (%s): %s\n", d->name, kind_text(d->kind), d->summary);
    fprintf(out, "file: %s\n\nparameters:\n", lp->path);

    struct text_table t = {5, NULL, 0};
    int rc = table_add(&t, param_head);
    if (rc == 0)
        rc = param_rows(&t, d->params);
    /* Keys the core accepts in every section of this kind (no table may
     * use them: PB_RESERVED_PARAMS). */
    if (rc == 0 && d->kind == PB_KIND_WORKLOAD) {
        const char *const row[] = {
            "plugin", param_type_name(PB_PARAM_STRING), "section name", "-",
            "plugin an instance runs, e.g. [workload.small] plugin = "
            "prime-count (every workload)"};
        rc = table_add(&t, row);
    }
    for (size_t i = 0;
         rc == 0 && d->kind == PB_KIND_EXECUTOR && i < plan_executor_nkeys;
         i++) {
        const struct plan_core_key *k = &plan_executor_keys[i];
        const char *const row[] = {k->name, param_type_name(k->type),
                                   k->default_text, k->values, k->help};
        rc = table_add(&t, row);
    }
    if (rc == 0)
        table_print(&t, "  ", out);
    table_free(&t);
    return rc;
}

/* Did-you-mean among every loadable plugin of either kind, or NULL.  The
 * result is copied into buf. */
static const char *closest_plugin(const struct loader_path *sp,
                                  const char *name, char *buf, size_t len) {
    struct loaded_plugin *lps = NULL;
    size_t n = 0;
    struct loader_path quiet = *sp;
    quiet.warn = NULL;
    if (loader_scan(&quiet, &lps, &n, NULL) < 0)
        return NULL;
    const char **names = calloc(n ? n : 1, sizeof *names);
    const char *best = NULL;
    if (names) {
        for (size_t i = 0; i < n; i++)
            names[i] = lps[i].desc->name;
        best = suggest_closest(name, names, n);
        if (best)
            snprintf(buf, len, "%s", best);
        free(names);
    }
    for (size_t i = 0; i < n; i++)
        loader_close(&lps[i]);
    free(lps);
    return best ? buf : NULL;
}

int cli_describe(const struct loader_path *sp, const char *name, FILE *out,
                 FILE *errf) {
    static const enum pb_kind kinds[] = {PB_KIND_WORKLOAD, PB_KIND_EXECUTOR};
    int found = 0, failure = 0;
    const char *what = NULL;
    const struct pb_param *keys = config_section_keys(name, &what);
    if (keys) {
        int rc = describe_section(name, what, keys, out);
        if (rc < 0)
            fprintf(errf, "parbench describe: %s\n", pb_strerror(rc));
        return rc;
    }
    struct loader_path local = warn_to(sp, "describe", errf);
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        struct loaded_plugin lp;
        char err[2048];
        int rc = loader_find(&local, kinds[k], name, &lp, err, sizeof err);
        if (rc == PB_ENOENT)
            continue;
        if (rc < 0) {
            fprintf(errf, "parbench describe: %s\n", err);
            failure = rc;
            continue;
        }
        if (found)
            fputc('\n', out);
        rc = describe_one(&lp, out);
        loader_close(&lp);
        if (rc < 0) {
            fprintf(errf, "parbench describe: %s\n", pb_strerror(rc));
            return rc;
        }
        found++;
    }
    if (failure)
        return failure;
    if (found)
        return 0;

    char best[256];
    const char *guess = closest_plugin(sp, name, best, sizeof best);
    fprintf(errf,
            "parbench describe: no workload or executor plugin named "
            "'%s' in",
            name);
    for (size_t i = 0; i < sp->count; i++)
        fprintf(errf, "%s %s", i ? "," : "", sp->dirs[i]);
    if (guess)
        fprintf(errf, "; did you mean '%s'?", guess);
    char skipped[1024];
    loader_misnamed(sp, name, skipped, sizeof skipped);
    if (skipped[0])
        fprintf(errf,
                "; skipped, not named workload-%s.so or executor-%s.so: %s "
                "(rename the file)",
                name, name, skipped);
    fprintf(errf, "\n`parbench list` shows every plugin found.\n");
    return PB_ENOENT;
}
