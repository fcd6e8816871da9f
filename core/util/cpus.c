/* SPDX-License-Identifier: MIT */
/*
 * cpus.c - CPU lists, topology and affinity (cpus.h).
 */
#include "util/cpus.h"

#include <ctype.h>
#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpus_read_line(const char *root, const char *rel, char *buf, size_t len) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, rel);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(buf, (int)len, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

int cpus_read_int(const char *root, const char *rel, int *out) {
    char buf[64], *end;
    if (cpus_read_line(root, rel, buf, sizeof buf) < 0)
        return -1;
    long v = strtol(buf, &end, 10);
    if (end == buf)
        return -1;
    *out = (int)v;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Lists                                                                    */
/* ------------------------------------------------------------------------ */

/* A CPU number at *p (advanced past it): 0, or -1 with err. */
static int scan_cpu(const char **p, const char *text, unsigned *out, char *err,
                    size_t errlen) {
    if (!isdigit((unsigned char)**p)) {
        snprintf(err, errlen,
                 "'%s' is not a CPU list: expected a CPU number at '%s'; "
                 "write CPUs and ranges like 0-3,6",
                 text, *p);
        return -1;
    }
    unsigned long v = 0;
    while (isdigit((unsigned char)**p)) {
        v = v * 10 + (unsigned long)(**p - '0');
        if (v >= CPUS_MAX) {
            snprintf(err, errlen,
                     "'%s': CPU numbers go up to %d; write CPUs and ranges "
                     "like 0-3,6",
                     text, CPUS_MAX - 1);
            return -1;
        }
        (*p)++;
    }
    *out = (unsigned)v;
    return 0;
}

int cpus_parse_list(const char *text, unsigned char set[CPUS_MAX], char *err,
                    size_t errlen) {
    memset(set, 0, CPUS_MAX);
    const char *p = text;
    int n = 0;
    if (!*p) {
        snprintf(err, errlen,
                 "the CPU list is empty; write CPUs and ranges like 0-3,6");
        return -1;
    }
    for (;;) {
        unsigned lo, hi;
        if (scan_cpu(&p, text, &lo, err, errlen) < 0)
            return -1;
        hi = lo;
        if (*p == '-') {
            p++;
            if (scan_cpu(&p, text, &hi, err, errlen) < 0)
                return -1;
            if (hi < lo) {
                snprintf(err, errlen,
                         "'%s': the range %u-%u runs backwards; write it "
                         "%u-%u",
                         text, lo, hi, hi, lo);
                return -1;
            }
        }
        for (unsigned c = lo; c <= hi; c++) {
            n += !set[c];
            set[c] = 1;
        }
        if (*p == '\0')
            return n;
        if (*p != ',') {
            snprintf(err, errlen,
                     "'%s' is not a CPU list: unexpected '%c'; write CPUs "
                     "and ranges like 0-3,6",
                     text, *p);
            return -1;
        }
        p++;
    }
}

void cpus_format_list(const unsigned char *set, unsigned n, char *buf,
                      size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (unsigned i = 0; i < n; i++) {
        if (!set[i])
            continue;
        unsigned j = i;
        while (j + 1 < n && set[j + 1])
            j++;
        int w = j > i ? snprintf(buf + used, len - used, "%s%u-%u",
                                 used ? "," : "", i, j)
                      : snprintf(buf + used, len - used, "%s%u",
                                 used ? "," : "", i);
        if (w < 0 || (size_t)w >= len - used)
            return;
        used += (size_t)w;
        i = j;
    }
}

/* ------------------------------------------------------------------------ */
/* Topology                                                                 */
/* ------------------------------------------------------------------------ */

/* Caches of cpu into t, each (level, type, shared list) once. */
static void read_caches(const char *root, unsigned cpu,
                        struct cpus_topology *t) {
    for (unsigned k = 0; k < 16 && t->ncaches < CPUS_MAX_CACHES; k++) {
        char rel[160], buf[160];
        struct cpus_cache c;
        memset(&c, 0, sizeof c);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index%u/level", cpu, k);
        if (cpus_read_int(root, rel, &c.level) < 0)
            break;
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index%u/type", cpu, k);
        if (cpus_read_line(root, rel, buf, sizeof buf) == 0)
            snprintf(c.type, sizeof c.type, "%s", buf);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index%u/size", cpu, k);
        if (cpus_read_line(root, rel, buf, sizeof buf) == 0) {
            char *end;
            unsigned long v = strtoul(buf, &end, 10);
            c.size_kib = *end == 'M' ? v * 1024 : v;
        }
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index%u/shared_cpu_list",
                 cpu, k);
        if (cpus_read_line(root, rel, buf, sizeof buf) == 0)
            snprintf(c.shared_cpu_list, sizeof c.shared_cpu_list, "%s", buf);
        else
            snprintf(c.shared_cpu_list, sizeof c.shared_cpu_list, "%u", cpu);
        int seen = 0;
        for (unsigned i = 0; i < t->ncaches && !seen; i++)
            seen = t->cache[i].level == c.level &&
                   strcmp(t->cache[i].type, c.type) == 0 &&
                   strcmp(t->cache[i].shared_cpu_list, c.shared_cpu_list) == 0;
        if (!seen)
            t->cache[t->ncaches++] = c;
    }
}

void cpus_read_topology(const char *root, struct cpus_topology *t) {
    memset(t, 0, sizeof *t);
    char rel[160], buf[1024];
    for (unsigned i = 0; i < CPUS_MAX; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/sys/devices/system/cpu/cpu%u", root, i);
        DIR *d = opendir(path);
        if (!d)
            break;
        closedir(d);
        t->ncpu = i + 1;
        t->package[i] = t->core[i] = -1;
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/physical_package_id",
                 i);
        (void)cpus_read_int(root, rel, &t->package[i]);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/core_id", i);
        (void)cpus_read_int(root, rel, &t->core[i]);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
                 i);
        unsigned char sib[CPUS_MAX];
        char e[8];
        t->smt_rank[i] = 0;
        if (cpus_read_line(root, rel, buf, sizeof buf) == 0 &&
            cpus_parse_list(buf, sib, e, sizeof e) > 0)
            for (unsigned j = 0; j < i; j++)
                t->smt_rank[i] += sib[j];
        read_caches(root, i, t);
    }
    /* `online` ("0-3"); without it, every CPU seen is online. */
    if (cpus_read_line(root, "/sys/devices/system/cpu/online", buf,
                       sizeof buf) != 0 ||
        cpus_parse_list(buf, t->online, rel, sizeof rel) < 0)
        memset(t->online, 1, t->ncpu);
    for (unsigned i = t->ncpu; i < CPUS_MAX; i++)
        t->online[i] = 0;
    /* A CPU without topology files is a core (and package) of its own. */
    for (unsigned i = 0; i < t->ncpu; i++) {
        if (t->core[i] < 0)
            t->core[i] = (int)i + 1000000;
        if (t->package[i] < 0)
            t->package[i] = 0;
    }
    for (unsigned i = 0; i < t->ncpu; i++) {
        int core_new = 1, pkg_new = 1;
        for (unsigned j = 0; j < i; j++) {
            if (t->package[j] == t->package[i]) {
                pkg_new = 0;
                if (t->core[j] == t->core[i])
                    core_new = 0;
            }
        }
        t->ncores += (unsigned)core_new;
        t->npackages += (unsigned)pkg_new;
    }
    for (unsigned i = 0; i < CPUS_MAX_NODES; i++) {
        snprintf(rel, sizeof rel, "/sys/devices/system/node/node%u/cpulist", i);
        if (cpus_read_line(root, rel, buf, sizeof buf) != 0)
            continue;
        struct cpus_node *n = &t->node[t->nnodes++];
        n->id = (int)i;
        snprintf(n->cpulist, sizeof n->cpulist, "%s", buf);
    }
}

void cpus_siblings(const struct cpus_topology *t, unsigned cpu, char *buf,
                   size_t len) {
    unsigned char set[CPUS_MAX];
    memset(set, 0, sizeof set);
    for (unsigned j = 0; j < t->ncpu; j++)
        set[j] = t->package[j] == t->package[cpu] && t->core[j] == t->core[cpu];
    cpus_format_list(set, t->ncpu, buf, len);
}

int cpus_allowed_self(unsigned char set[CPUS_MAX]) {
    cpu_set_t cs;
    memset(set, 0, CPUS_MAX);
    CPU_ZERO(&cs);
    if (sched_getaffinity(0, sizeof cs, &cs) != 0)
        return 0;
    int n = 0;
    for (unsigned i = 0; i < CPUS_MAX && i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &cs)) {
            set[i] = 1;
            n++;
        }
    return n;
}

/* ------------------------------------------------------------------------ */
/* Affinity                                                                 */
/* ------------------------------------------------------------------------ */

/* Sort keys of a CPU under compact and spread. */
struct placed {
    unsigned cpu;
    long key[4];
};

static int cmp_placed(const void *a, const void *b) {
    const struct placed *x = a, *y = b;
    for (int k = 0; k < 4; k++)
        if (x->key[k] != y->key[k])
            return x->key[k] < y->key[k] ? -1 : 1;
    return 0;
}

/* The rank of cpu's core among the cores of its package (0, 1, ...). */
static long core_rank(const struct cpus_topology *t, unsigned cpu) {
    long r = 0;
    for (unsigned j = 0; j < t->ncpu; j++) {
        if (t->package[j] != t->package[cpu] || t->smt_rank[j] != 0)
            continue;
        r += t->core[j] < t->core[cpu];
    }
    return r;
}

/* compact or spread over the usable CPUs. */
static void order_policy(const struct cpus_topology *t,
                         const unsigned char *usable, int spread,
                         struct affinity *out) {
    struct placed *p = calloc(t->ncpu ? t->ncpu : 1, sizeof *p);
    unsigned n = 0;
    if (!p)
        return;
    for (unsigned i = 0; i < t->ncpu; i++) {
        if (!usable[i])
            continue;
        long pkg = t->package[i], core = core_rank(t, i), smt = t->smt_rank[i];
        p[n].cpu = i;
        if (spread) { /* first threads of every core, packages alternating */
            p[n].key[0] = smt;
            p[n].key[1] = core;
            p[n].key[2] = pkg;
        } else { /* siblings together, cores in order, package by package */
            p[n].key[0] = pkg;
            p[n].key[1] = core;
            p[n].key[2] = smt;
        }
        p[n].key[3] = i;
        n++;
    }
    qsort(p, n, sizeof *p, cmp_placed);
    for (unsigned i = 0; i < n; i++)
        out->cpu[i] = (unsigned short)p[i].cpu;
    out->ncpus = n;
    free(p);
}

int affinity_parse(const char *text, const struct cpus_topology *t,
                   const unsigned char *allowed, struct affinity *out,
                   char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    unsigned char usable[CPUS_MAX];
    for (unsigned i = 0; i < CPUS_MAX; i++)
        usable[i] = t->online[i] && (!allowed || allowed[i]);
    if (strcmp(text, "none") == 0) {
        out->policy = AFFINITY_NONE;
        snprintf(out->text, sizeof out->text, "none");
        return 0;
    }
    if (strcmp(text, "compact") == 0 || strcmp(text, "spread") == 0) {
        out->policy = text[0] == 'c' ? AFFINITY_COMPACT : AFFINITY_SPREAD;
        snprintf(out->text, sizeof out->text, "%s", text);
        order_policy(t, usable, out->policy == AFFINITY_SPREAD, out);
        if (out->ncpus == 0) {
            snprintf(err, errlen,
                     "affinity: no online CPU this process may run on was "
                     "found under /sys/devices/system/cpu; write affinity = "
                     "none");
            return -1;
        }
        return 0;
    }
    unsigned char set[CPUS_MAX];
    char why[256];
    if (!isdigit((unsigned char)text[0])) {
        snprintf(err, errlen,
                 "affinity: '%s' is not none, compact, spread or a CPU "
                 "list; write e.g. affinity = compact or affinity = 0-3,6",
                 text);
        return -1;
    }
    if (cpus_parse_list(text, set, why, sizeof why) < 0) {
        snprintf(err, errlen, "affinity: %s", why);
        return -1;
    }
    unsigned char bad[CPUS_MAX];
    int nbad = 0;
    for (unsigned i = 0; i < CPUS_MAX; i++) {
        bad[i] = set[i] && !usable[i];
        nbad += bad[i];
    }
    if (nbad) {
        char b[128], ok[128];
        cpus_format_list(bad, CPUS_MAX, b, sizeof b);
        cpus_format_list(usable, CPUS_MAX, ok, sizeof ok);
        snprintf(err, errlen,
                 "affinity: CPU%s %s of '%s' %s not online or not allowed for "
                 "this process; the CPUs it may use are %s",
                 nbad > 1 ? "s" : "", b, text, nbad > 1 ? "are" : "is", ok);
        return -1;
    }
    out->policy = AFFINITY_LIST;
    cpus_format_list(set, CPUS_MAX, out->text, sizeof out->text);
    for (unsigned i = 0; i < CPUS_MAX; i++)
        if (set[i])
            out->cpu[out->ncpus++] = (unsigned short)i;
    return 0;
}
