/* SPDX-License-Identifier: MIT */
/*
 * plan.c - load the plugins a config names, validate their parameters and
 * expand the cells.  Everything that can be wrong with a config is found
 * here, before the first cell runs.
 */
#include "config/plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/errors.h"
#include "util/suggest.h"
#include "util/units.h"

/* ------------------------------------------------------------------------ */
/* --only                                                                   */
/* ------------------------------------------------------------------------ */

static const char *const only_keys[] = {"workload", "executor", "workers",
                                        "schedule"};

int only_parse(struct only_filter *f, const char *expr, char *err,
               size_t errlen) {
    char *copy = strdup(expr);
    if (!copy)
        return PB_ENOMEM;
    int rc = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            snprintf(err, errlen,
                     "--only '%s': '%s' is not KEY=VALUE; write e.g. "
                     "--only workload=prime-count,executor=pthread",
                     expr, tok);
            rc = PB_EINVAL;
            break;
        }
        *eq = '\0';
        size_t k;
        for (k = 0; k < 4 && strcmp(tok, only_keys[k]) != 0; k++)
            ;
        if (k == 4) {
            const char *s = suggest_closest(tok, only_keys, 4);
            snprintf(err, errlen,
                     "--only '%s': unknown key '%s'%s%s%s; keys are "
                     "workload, executor, workers, schedule",
                     expr, tok, s ? "; did you mean '" : "", s ? s : "",
                     s ? "'" : "");
            rc = PB_EINVAL;
            break;
        }
        struct only_term *t =
            realloc(f->terms, (f->count + 1) * sizeof *f->terms);
        if (!t) {
            rc = PB_ENOMEM;
            break;
        }
        f->terms = t;
        t[f->count].key = strdup(tok);
        t[f->count].value = strdup(eq + 1);
        f->count++;
    }
    free(copy);
    return rc;
}

void only_free(struct only_filter *f) {
    for (size_t i = 0; i < f->count; i++) {
        free(f->terms[i].key);
        free(f->terms[i].value);
    }
    free(f->terms);
    f->terms = NULL;
    f->count = 0;
}

/* Value of a cell for an --only key, as text. */
static void cell_value(const struct plan *p, const struct plan_cell *c,
                       const char *key, char *buf, size_t len) {
    if (strcmp(key, "workload") == 0)
        snprintf(buf, len, "%s", p->workloads[c->workload].name);
    else if (strcmp(key, "executor") == 0)
        snprintf(buf, len, "%s", p->executors[c->executor].name);
    else if (strcmp(key, "workers") == 0)
        snprintf(buf, len, "%u", c->workers);
    else
        snprintf(buf, len, "%s", schedule_name(c->schedule));
}

static int only_match(const struct only_filter *f, const struct plan *p,
                      const struct plan_cell *c) {
    for (size_t k = 0; k < 4; k++) {
        int seen = 0, hit = 0;
        char v[128];
        cell_value(p, c, only_keys[k], v, sizeof v);
        for (size_t i = 0; i < f->count; i++) {
            if (strcmp(f->terms[i].key, only_keys[k]) != 0)
                continue;
            seen = 1;
            hit |= strcmp(f->terms[i].value, v) == 0;
        }
        if (seen && !hit)
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Instances                                                                */
/* ------------------------------------------------------------------------ */

/* The first ${var} in text, or NULL. */
static const char *find_var(const char *text, const char *var) {
    size_t vl = strlen(var);
    for (const char *q = text; (q = strstr(q, "${")); q += 2)
        if (strncmp(q + 2, var, vl) == 0 && q[2 + vl] == '}')
            return q;
    return NULL;
}

/* 1 if a ${server} of value runs into more text: it stands for the
 * server's address, "http://127.0.0.1:PORT", which only a path, a query, a
 * fragment or the end of the value may follow.  "${server}${server}"
 * would otherwise only fail when the cell runs. */
static int server_misplaced(const char *value) {
    for (const char *hit = value; (hit = find_var(hit, "server"));) {
        hit += sizeof "${server}" - 1;
        if (*hit && !strchr("/?#&;", *hit))
            return 1;
    }
    return 0;
}

/* An executor's `ballast = SIZE`: a size the machine can hold (at most
 * half its memory, so that the cell cannot push the system into swap).
 * 0, or -1 with a sentence in msg. */
static int parse_ballast(const char *text, uint64_t *out, char *msg,
                         size_t len) {
    if (units_scan_size(text, out) != UNITS_OK) {
        snprintf(msg, len,
                 "ballast: '%s' is not a size; write e.g. ballast = 256MiB "
                 "(0 for none)",
                 text);
        return -1;
    }
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0 && *out > (uint64_t)pages * (uint64_t)page / 2) {
        char have[32], want[32];
        format_size((uint64_t)pages * (uint64_t)page, have, sizeof have);
        format_size(*out, want, sizeof want);
        snprintf(msg, len,
                 "ballast: %s is more than half of this machine's memory "
                 "(%s); choose a smaller size",
                 want, have);
        return -1;
    }
    return 0;
}

/* An executor's `affinity = none | compact | spread | LIST`, checked
 * against the CPUs that are online and that this process may use.  0, or
 * -1 with a sentence in msg. */
static int parse_affinity(const char *text, struct affinity **out, char *msg,
                          size_t len) {
    struct cpus_topology *t = malloc(sizeof *t);
    struct affinity *a = malloc(sizeof *a);
    unsigned char allowed[CPUS_MAX];
    int rc = -1;
    if (!t || !a) {
        snprintf(msg, len, "affinity: out of memory");
    } else {
        cpus_read_topology("", t);
        int nallowed = cpus_allowed_self(allowed);
        rc = affinity_parse(text, t, nallowed ? allowed : NULL, a, msg, len);
    }
    free(t);
    free(*out);
    *out = rc == 0 ? a : NULL;
    if (rc != 0)
        free(a);
    return rc;
}

static int key_schedule_parse(struct plan_instance *inst, const char *text,
                              char *msg, size_t len) {
    return config_schedule_parse(text, &inst->schedule, msg, len) < 0 ? -1 : 0;
}

static void key_schedule_format(const struct plan_instance *inst, char *buf,
                                size_t len) {
    snprintf(buf, len, "%s", schedule_name(inst->schedule));
}

static int key_ballast_parse(struct plan_instance *inst, const char *text,
                             char *msg, size_t len) {
    return parse_ballast(text, &inst->ballast, msg, len);
}

static void key_ballast_format(const struct plan_instance *inst, char *buf,
                               size_t len) {
    format_size(inst->ballast, buf, len);
}

static int key_affinity_parse(struct plan_instance *inst, const char *text,
                              char *msg, size_t len) {
    return parse_affinity(text, &inst->affinity, msg, len);
}

static void key_affinity_format(const struct plan_instance *inst, char *buf,
                                size_t len) {
    snprintf(buf, len, "%s", inst->affinity ? inst->affinity->text : "none");
}

const struct plan_core_key plan_executor_keys[] = {
    {"schedule", PB_PARAM_ENUM, "[run] schedule", "static | dynamic",
     "static: task i on worker i mod W; dynamic: workers claim the next free "
     "task (every executor)",
     key_schedule_parse, key_schedule_format},
    {"ballast", PB_PARAM_SIZE, "0", "-",
     "memory the coordinator allocates and touches before the workers "
     "start, like a big parent process (every executor)",
     key_ballast_parse, key_ballast_format},
    {"affinity", PB_PARAM_STRING, "none", "none | compact | spread | CPU list",
     "pin worker i: compact fills SMT siblings first, spread one CPU per "
     "core first, 0-3,6 round robin (every executor)",
     key_affinity_parse, key_affinity_format},
};
const size_t plan_executor_nkeys =
    sizeof plan_executor_keys / sizeof plan_executor_keys[0];

/* The core key named `key` of a section of this kind, or NULL. */
static const struct plan_core_key *core_key(enum pb_kind kind,
                                            const char *key) {
    for (size_t i = 0; kind == PB_KIND_EXECUTOR && i < plan_executor_nkeys; i++)
        if (strcmp(plan_executor_keys[i].name, key) == 0)
            return &plan_executor_keys[i];
    return NULL;
}

/* The executor's row text: the core's keys, then the plugin's. */
static char *executor_params(const struct plan_instance *inst) {
    enum { NKEYS = sizeof plan_executor_keys / sizeof plan_executor_keys[0] };
    char text[NKEYS][sizeof((struct affinity *)NULL)->text]; /* the longest */
    const char *keys[NKEYS], *values[NKEYS];
    for (size_t i = 0; i < NKEYS; i++) {
        plan_executor_keys[i].format(inst, text[i], sizeof text[i]);
        keys[i] = plan_executor_keys[i].name;
        values[i] = text[i];
    }
    return params_canonical_with(keys, values, NKEYS, inst->params);
}

static int load_instance(struct plan *p, const struct config *cfg,
                         const struct cfg_section *sec, enum pb_kind kind,
                         host_init_fn *host_init, struct plan_instance *inst,
                         char *err, size_t errlen) {
    const char *kname = kind == PB_KIND_WORKLOAD ? "workload" : "executor";
    char where[512], msg[768];
    config_where(cfg, sec->line, where, sizeof where);
    inst->name = sec->name;
    inst->schedule = cfg->run.schedule;
    int rc = loader_find(&p->path, kind, sec->plugin, &inst->plugin, msg,
                         sizeof msg);
    if (rc < 0) {
        snprintf(err, errlen, "%s: [%s.%s] %s", where, kname, sec->name, msg);
        return rc == PB_ENOENT ? PB_ECONFIG : rc;
    }
    inst->kind = kind;
    inst->plugin_name = strdup(inst->plugin.desc->name);
    inst->file = strdup(inst->plugin.path);
    if (!inst->plugin_name || !inst->file)
        return PB_ENOMEM;
    host_init(&inst->host, inst->plugin_name);
    inst->params = params_new(inst->plugin.desc->params);
    if (!inst->params)
        return PB_ENOMEM;
    for (size_t i = 0; i < sec->count; i++) {
        const struct cfg_entry *e = &sec->entries[i];
        if (e->line)
            config_where(cfg, e->line, where, sizeof where);
        else /* name the override that set it */
            snprintf(where, sizeof where, "--set '%s.%s.%s=%s'", kname,
                     sec->name, e->key, e->value);
        /* The loader refused tables that name a core key themselves. */
        const struct plan_core_key *ck = core_key(kind, e->key);
        if (ck != NULL) {
            if (ck->parse(inst, e->value, msg, sizeof msg) < 0) {
                snprintf(err, errlen, "%s: [%s.%s] %s", where, kname, sec->name,
                         msg);
                return PB_ECONFIG;
            }
            continue;
        }
        if (params_set(inst->params, e->key, e->value, msg, sizeof msg) < 0) {
            snprintf(err, errlen, "%s: [%s.%s] %s", where, kname, sec->name,
                     msg);
            return PB_ECONFIG;
        }
        if (server_misplaced(e->value)) {
            snprintf(err, errlen,
                     "%s: [%s.%s] %s: ${server} stands for the built-in "
                     "server's address (http://127.0.0.1:PORT): only '/', "
                     "'?', '#' or the end of the value may follow it; "
                     "write e.g. %s = ${server}/bytes/64KiB",
                     where, kname, sec->name, e->key, e->key);
            return PB_ECONFIG;
        }
    }
    if (params_finish(inst->params, msg, sizeof msg) < 0) {
        config_where(cfg, sec->line, where, sizeof where);
        snprintf(err, errlen, "%s: [%s.%s] %s", where, kname, sec->name, msg);
        return PB_ECONFIG;
    }
    inst->canonical = params_canonical(inst->params);
    if (!inst->canonical)
        return PB_ENOMEM;
    if (kind == PB_KIND_EXECUTOR &&
        !(inst->exec_params = executor_params(inst)))
        return PB_ENOMEM;
    return 0;
}

static void free_instance(struct plan_instance *inst) {
    free(inst->canonical);
    free(inst->exec_params);
    free(inst->affinity);
    params_free(inst->params);
    if (inst->plugin.handle)
        loader_close(&inst->plugin);
    free(inst->plugin_name);
    free(inst->file);
}

static int unload_instance(struct plan_instance *inst) {
    if (!inst->plugin.handle)
        return 0;
    if (params_own_table(inst->params) < 0)
        return PB_ENOMEM;
    loader_close(&inst->plugin);
    memset(&inst->plugin, 0, sizeof inst->plugin);
    return 0;
}

int plan_unload(struct plan *p) {
    int rc = 0;
    for (size_t i = 0; i < p->nworkloads && rc == 0; i++)
        rc = unload_instance(&p->workloads[i]);
    for (size_t i = 0; i < p->nexecutors && rc == 0; i++)
        rc = unload_instance(&p->executors[i]);
    return rc;
}

static int load_again(struct plan_instance *inst, char *err, size_t errlen) {
    if (inst->plugin.handle)
        return 0;
    return loader_open(inst->file, inst->kind, inst->plugin_name, &inst->plugin,
                       err, errlen);
}

int plan_load_cell(struct plan *p, const struct plan_cell *c, char *err,
                   size_t errlen) {
    int rc = load_again(&p->workloads[c->workload], err, errlen);
    return rc < 0 ? rc : load_again(&p->executors[c->executor], err, errlen);
}

/* ------------------------------------------------------------------------ */
/* Plan variables                                                           */
/* ------------------------------------------------------------------------ */

/* The first "${var}" in text, or NULL. */

/* 1 if a string parameter value of inst contains ${var}. */
static int instance_uses(const struct plan_instance *inst, const char *var) {
    const struct pb_params *ps = inst->params;
    for (size_t i = 0; ps && i < ps->count; i++)
        if (ps->table[i].type == PB_PARAM_STRING && ps->values[i].set &&
            find_var(ps->values[i].text, var))
            return 1;
    return 0;
}

int plan_cell_uses(const struct plan *p, const struct plan_cell *c,
                   const char *var) {
    return instance_uses(&p->workloads[c->workload], var) ||
           instance_uses(&p->executors[c->executor], var);
}

/* text with every ${var} replaced by value (malloc'd), or NULL. */
static char *replace_var(const char *text, const char *var, const char *value) {
    size_t pl = strlen(var) + 3, vl = strlen(value), n = 0;
    for (const char *q = text; (q = find_var(q, var)); q += pl)
        n++;
    char *out = malloc(strlen(text) + n * vl + 1), *w = out;
    if (!out)
        return NULL;
    const char *q = text;
    for (const char *hit; (hit = find_var(q, var)); q = hit + pl) {
        memcpy(w, q, (size_t)(hit - q));
        w += hit - q;
        memcpy(w, value, vl);
        w += vl;
    }
    strcpy(w, q);
    return out;
}

/* Substitutes ${var} in every string value of inst. */
static int substitute_instance(struct plan_instance *inst, const char *var,
                               const char *value, char *err, size_t errlen) {
    struct pb_params *ps = inst->params;
    for (size_t i = 0; ps && i < ps->count; i++) {
        if (ps->table[i].type != PB_PARAM_STRING || !ps->values[i].set ||
            !find_var(ps->values[i].text, var))
            continue;
        char *v = replace_var(ps->values[i].text, var, value);
        char msg[256] = "";
        int rc = v ? params_set(ps, ps->table[i].name, v, msg, sizeof msg)
                   : PB_ENOMEM;
        free(v);
        if (rc < 0) {
            snprintf(err, errlen, "substituting ${%s} in %s.%s: %s", var,
                     inst->name, ps->table[i].name,
                     msg[0] ? msg : pb_strerror(rc));
            return rc;
        }
    }
    return 0;
}

int plan_substitute(struct plan *p, const char *var, const char *value,
                    char *err, size_t errlen) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < p->nworkloads; i++)
        rc = substitute_instance(&p->workloads[i], var, value, err, errlen);
    for (size_t i = 0; rc == 0 && i < p->nexecutors; i++)
        rc = substitute_instance(&p->executors[i], var, value, err, errlen);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Cells                                                                    */
/* ------------------------------------------------------------------------ */

static int add_cell(struct plan *p, size_t w, size_t e, unsigned workers) {
    struct plan_cell *c = realloc(p->cells, (p->ncells + 1) * sizeof *c);
    if (!c)
        return PB_ENOMEM;
    p->cells = c;
    c[p->ncells].workload = w;
    c[p->ncells].executor = e;
    c[p->ncells].workers = workers;
    c[p->ncells].schedule = p->executors[e].schedule;
    p->ncells++;
    return 0;
}

/* Loads every workload and executor section into an instance. */
static int load_instances(struct plan *p, const struct config *cfg,
                          host_init_fn *host_init, char *err, size_t errlen) {
    size_t nw = 0, ne = 0;
    for (size_t i = 0; i < cfg->count; i++) {
        nw += cfg->sections[i].kind == CFG_WORKLOAD;
        ne += cfg->sections[i].kind == CFG_EXECUTOR;
    }
    p->workloads = calloc(nw ? nw : 1, sizeof *p->workloads);
    p->executors = calloc(ne ? ne : 1, sizeof *p->executors);
    if (!p->workloads || !p->executors)
        return PB_ENOMEM;
    for (size_t i = 0; i < cfg->count; i++) {
        const struct cfg_section *sec = &cfg->sections[i];
        int rc = 0;
        if (sec->kind == CFG_WORKLOAD)
            rc = load_instance(p, cfg, sec, PB_KIND_WORKLOAD, host_init,
                               &p->workloads[p->nworkloads++], err, errlen);
        else if (sec->kind == CFG_EXECUTOR)
            rc = load_instance(p, cfg, sec, PB_KIND_EXECUTOR, host_init,
                               &p->executors[p->nexecutors++], err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* "FILE:LINE" of instance `name`'s section header, into where. */
static void section_where(const struct config *cfg, enum cfg_section_kind kind,
                          const char *name, char *where, size_t len) {
    const struct cfg_section *sec = config_find(cfg, kind, name);
    config_where(cfg, sec ? sec->line : 0, where, len);
}

/* Workloads check their parameters as a whole. */
static int check_workloads(const struct plan *p, const struct config *cfg,
                           char *err, size_t errlen) {
    for (size_t w = 0; w < p->nworkloads; w++) {
        const struct plan_instance *x = &p->workloads[w];
        const struct pb_workload_ops *ops = &x->plugin.workload;
        char msg[512] = "";
        if (ops->check &&
            ops->check(&x->host.host, x->params, msg, sizeof msg) < 0) {
            char where[512];
            section_where(cfg, CFG_WORKLOAD, x->name, where, sizeof where);
            snprintf(err, errlen, "%s: [workload.%s] %s", where, x->name,
                     msg[0] ? msg : "parameters refused by the workload");
            return PB_ECONFIG;
        }
    }
    return 0;
}

/* Executors check the worker counts they will be asked to serve. */
static int check_executors(const struct plan *p, const struct config *cfg,
                           char *err, size_t errlen) {
    for (size_t e = 0; e < p->nexecutors; e++) {
        const struct plan_instance *x = &p->executors[e];
        const struct pb_executor_ops *ops = &x->plugin.executor;
        int single = (x->plugin.desc->flags & PB_EXEC_SINGLE_WORKER) != 0;
        for (size_t k = 0; k < cfg->run.nworkers && ops->check && !single;
             k++) {
            char msg[512] = "";
            if (ops->check(&x->host.host, x->params, cfg->run.workers[k], msg,
                           sizeof msg) < 0) {
                char where[512];
                section_where(cfg, CFG_EXECUTOR, x->name, where, sizeof where);
                snprintf(err, errlen, "%s: [executor.%s] %u workers: %s", where,
                         x->name, cfg->run.workers[k],
                         msg[0] ? msg : "refused by the executor");
                return PB_ECONFIG;
            }
        }
    }
    return 0;
}

/* Every workload x executor x [run] workers; serial executors at 1 only. */
static int expand_cells(struct plan *p, const struct config *cfg) {
    int rc = 0;
    for (size_t w = 0; w < p->nworkloads && rc == 0; w++) {
        for (size_t e = 0; e < p->nexecutors && rc == 0; e++) {
            if (p->executors[e].plugin.desc->flags & PB_EXEC_SINGLE_WORKER) {
                rc = add_cell(p, w, e, 1);
            } else {
                for (size_t k = 0; k < cfg->run.nworkers && rc == 0; k++)
                    rc = add_cell(p, w, e, cfg->run.workers[k]);
            }
        }
    }
    return rc;
}

/* Keeps the cells `only` (may be NULL or empty: all) matches; none is an
 * error. */
static int keep_only(struct plan *p, const struct config *cfg,
                     const struct only_filter *only, char *err, size_t errlen) {
    if (!only || !only->count)
        return 0;
    size_t kept = 0;
    for (size_t i = 0; i < p->ncells; i++)
        if (only_match(only, p, &p->cells[i]))
            p->cells[kept++] = p->cells[i];
    p->ncells = kept;
    if (!kept) {
        snprintf(err, errlen,
                 "--only matches no cell of %s; `parbench check %s` "
                 "lists the cells",
                 cfg->path, cfg->path);
        return PB_ECONFIG;
    }
    return 0;
}

int plan_build(struct plan *p, const struct config *cfg,
               const struct only_filter *only, host_init_fn *host_init,
               loader_warn_fn *warn, char *err, size_t errlen) {
    memset(p, 0, sizeof *p);
    /* The config file's directory (NULL: the current one). */
    char dir[4096];
    const char *slash = strrchr(cfg->path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - cfg->path + 1),
                 cfg->path);
    int rc = loader_path_init(&p->path, cfg->run.plugin_path,
                              slash ? dir : NULL, warn);
    if (rc == 0)
        rc = load_instances(p, cfg, host_init, err, errlen);
    if (rc == 0)
        rc = check_workloads(p, cfg, err, errlen);
    if (rc == 0)
        rc = check_executors(p, cfg, err, errlen);
    if (rc == 0)
        rc = expand_cells(p, cfg);
    if (rc == 0)
        rc = keep_only(p, cfg, only, err, errlen);
    return rc;
}

void plan_free(struct plan *p) {
    for (size_t i = 0; i < p->nworkloads; i++)
        free_instance(&p->workloads[i]);
    for (size_t i = 0; i < p->nexecutors; i++)
        free_instance(&p->executors[i]);
    free(p->workloads);
    free(p->executors);
    free(p->cells);
    loader_path_free(&p->path);
    memset(p, 0, sizeof *p);
}
