/* SPDX-License-Identifier: MIT */
/*
 * meta.c - the run-metadata sidecar (see meta.h).
 */
#include "results/meta.h"

#include <errno.h>
#include <gnu/libc-version.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <nettle/sha2.h>
#include <parbench/plugin.h>

#include "build_info.h"
#include "commit.h"
#include "util/errors.h"
#include "util/fdio.h"
#include "util/json.h"
#include "version.h"

static const char meta_head[] = "{\n"
                                "  \"format\": \"parbench-meta\",\n"
                                "  \"format_version\": 1,\n"
                                "  \"runs\": [\n";
static const char meta_tail[] = "\n  ]\n}\n";

/* ------------------------------------------------------------------------ */
/* The machine and the build                                                 */
/* ------------------------------------------------------------------------ */

/* The CPU model from /proc/cpuinfo ("model name" on x86, "Model" or
 * "Hardware" elsewhere) into buf; "" when there is none. */
void meta_cpu_model(char *buf, size_t len) {
    static const char *const keys[] = {"model name", "Model", "Hardware",
                                       "cpu model"};
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (buf[0] == '\0' && fgets(line, sizeof line, f) != NULL) {
        char *colon = strchr(line, ':');
        if (colon == NULL)
            continue;
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            size_t kl = strlen(keys[k]);
            if (strncmp(line, keys[k], kl) == 0 &&
                strspn(line + kl, " \t") == (size_t)(colon - line) - kl) {
                char *v = colon + 1 + strspn(colon + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                snprintf(buf, len, "%s", v);
                break;
            }
        }
    }
    fclose(f);
}

/*
 * Libraries whose version belongs in the metadata: name and version text.
 * Add a row here when the core links a new library (libcurl:
 * curl_version_info(CURLVERSION_NOW)->version; libmicrohttpd:
 * MHD_get_version()), or capture a pkg-config version in build_info.h.in
 * as for inih, which has no version API.
 */
static const char *glibc_version(void) { return gnu_get_libc_version(); }
static const char *inih_version(void) {
    return PB_INIH_VERSION[0] ? PB_INIH_VERSION : NULL;
}
static const struct {
    const char *name;
    const char *(*version)(void);
} libraries[] = {
    {"glibc", glibc_version},
    {"inih", inih_version},
};

/* ------------------------------------------------------------------------ */
/* The configuration after the overrides                                     */
/* ------------------------------------------------------------------------ */

char *meta_config_text(const struct config *cfg) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (f == NULL)
        return NULL;
    for (size_t i = 0; i < cfg->count; i++) {
        const struct cfg_section *sec = &cfg->sections[i];
        const char *prefix = sec->kind == CFG_WORKLOAD   ? "workload."
                             : sec->kind == CFG_EXECUTOR ? "executor."
                                                         : "";
        fprintf(f, "%s[%s%s]\n", i ? "\n" : "", prefix, sec->name);
        if (sec->plugin != NULL && strcmp(sec->plugin, sec->name) != 0)
            fprintf(f, "plugin = %s\n", sec->plugin);
        for (size_t k = 0; k < sec->count; k++)
            fprintf(f, "%s = %s\n", sec->entries[k].key, sec->entries[k].value);
    }
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ------------------------------------------------------------------------ */
/* The entry                                                                 */
/* ------------------------------------------------------------------------ */

/* `,\n<indent>"key": "value"` (value NULL: null); first: no comma. */
static void kv_str(FILE *f, const char *indent, const char *key,
                   const char *value, int first) {
    fprintf(f, "%s\n%s\"%s\": ", first ? "" : ",", indent, key);
    json_write_string(f, value);
}

static void kv_num(FILE *f, const char *indent, const char *key, double v) {
    fprintf(f, ",\n%s\"%s\": ", indent, key);
    json_write_number(f, v);
}

static void kv_bool(FILE *f, const char *indent, const char *key, int v) {
    fprintf(f, ",\n%s\"%s\": %s", indent, key, v ? "true" : "false");
}

static void string_array(FILE *f, const char *const *items, size_t n) {
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        json_write_string(f, items[i]);
    }
    fputc(']', f);
}

/* "measurement": how the repetitions were ordered and how many: enough
 * to replay the order (docs/reporting.md "Order"). */
static void write_measurement(FILE *f, const struct meta_run *run,
                              const char *in, const char *in2) {
    const struct cfg_run *c = run->cfg ? &run->cfg->run : NULL;
    fprintf(f, ",\n%s\"measurement\": {", in);
    kv_str(f, in2, "order", c ? order_name(c->order) : NULL, 1);
    /* Exactly, as an integer (below 2^53, so a JSON reader keeps it). */
    if (c)
        fprintf(f, ",\n%s\"seed\": %llu", in2, run->seed);
    else
        fprintf(f, ",\n%s\"seed\": null", in2);
    kv_bool(f, in2, "seed_given", c ? c->seed_given : 0);
    if (c && c->auto_repetitions) {
        kv_str(f, in2, "repetitions", "auto", 0);
        kv_num(f, in2, "precision", c->precision);
        kv_num(f, in2, "min_repetitions", c->min_repetitions);
        kv_num(f, in2, "max_repetitions", c->max_repetitions);
        kv_num(f, in2, "budget_s",
               c->budget_ns ? (double)c->budget_ns / 1e9 : NAN);
    } else {
        kv_num(f, in2, "repetitions", c ? c->repetitions : NAN);
    }
    kv_num(f, in2, "warmup", c ? c->warmup : NAN);
    fprintf(f, "\n%s}", in);
}

static void kv_tri(FILE *f, const char *indent, const char *key, int v) {
    fprintf(f, ",\n%s\"%s\": %s", indent, key,
            v < 0 ? "null"
            : v   ? "true"
                  : "false");
}

static void write_load(FILE *f, const char *key, const struct machine_load *l,
                       const char *in2) {
    fprintf(f, ",\n%s\"%s\": ", in2, key);
    if (!l->valid && isnan(l->load1)) {
        fputs("null", f);
        return;
    }
    fputs("{\"load1\": ", f);
    json_write_number(f, l->load1);
    fputs(", \"load5\": ", f);
    json_write_number(f, l->load5);
    fputs(", \"load15\": ", f);
    json_write_number(f, l->load15);
    fputs(", \"others_cpu\": ", f);
    json_write_number(f, l->valid ? l->others_cpu : NAN);
    fputs(", \"busiest\": [", f);
    for (size_t i = 0; i < l->nbusiest; i++) {
        fprintf(f, "%s{\"pid\": %ld, \"comm\": ", i ? ", " : "",
                l->busiest[i].pid);
        json_write_string(f, l->busiest[i].comm);
        fputs(", \"cpu\": ", f);
        json_write_number(f, l->busiest[i].cpu);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* "topology": CPUs (online, package, core, SMT siblings), caches and NUMA
 * nodes from sysfs (util/cpus.h). */
static void write_topology(FILE *f, const struct cpus_topology *t,
                           const char *in) {
    char list[256];
    fprintf(f, ",\n%s\"topology\": {\"cpus\": [", in);
    for (unsigned i = 0; i < t->ncpu; i++) {
        cpus_siblings(t, i, list, sizeof list);
        fprintf(f, "%s{\"cpu\": %u, \"online\": %s, \"package\": %d, ",
                i ? ", " : "", i, t->online[i] ? "true" : "false",
                t->package[i]);
        fprintf(f, "\"core\": %d, \"smt_siblings\": ",
                t->core[i] >= 1000000 ? -1 : t->core[i]);
        json_write_string(f, list);
        fputc('}', f);
    }
    fprintf(f, "], \"cores\": %u, \"packages\": %u, \"caches\": [", t->ncores,
            t->npackages);
    for (unsigned i = 0; i < t->ncaches; i++) {
        const struct cpus_cache *c = &t->cache[i];
        fprintf(f, "%s{\"level\": %d, \"type\": ", i ? ", " : "", c->level);
        json_write_string(f, c->type);
        fprintf(f, ", \"size_kib\": %lu, \"shared_cpu_list\": ", c->size_kib);
        json_write_string(f, c->shared_cpu_list);
        fputc('}', f);
    }
    fputs("], \"numa_nodes\": [", f);
    for (unsigned i = 0; i < t->nnodes; i++) {
        fprintf(f, "%s{\"node\": %d, \"cpulist\": ", i ? ", " : "",
                t->node[i].id);
        json_write_string(f, t->node[i].cpulist);
        fputc('}', f);
    }
    fputs("]}", f);
}

/* "machine": the state machine_read and machine_sample_load found, and
 * the warnings it gave (docs/reporting.md "The machine's state"). */
static void write_machine(FILE *f, const struct machine *m, const char *in,
                          const char *in2) {
    fprintf(f, ",\n%s\"machine\": ", in);
    if (!m) {
        fputs("null", f);
        return;
    }
    fputc('{', f);
    fprintf(f, "\n%s\"governors\": [", in2);
    for (unsigned i = 0; i < m->ncpu; i++) {
        fputs(i ? ", " : "", f);
        json_write_string(f, m->governor[i][0] ? m->governor[i] : NULL);
    }
    fputc(']', f);
    kv_tri(f, in2, "turbo", m->turbo);
    kv_tri(f, in2, "smt", m->smt);
    kv_tri(f, in2, "virtual_machine", m->vm);
    kv_num(f, in2, "perf_event_paranoid",
           m->perf_event_paranoid == -1000 ? NAN : m->perf_event_paranoid);
    kv_num(f, in2, "aslr", m->aslr < 0 ? NAN : m->aslr);
    write_load(f, "at_start", &m->start, in2);
    write_load(f, "at_end", &m->end, in2);
    write_topology(f, &m->topo, in2);
    char w[8][MACHINE_WARN_LEN];
    size_t nw = machine_warnings(m, w, 8);
    const char *wp[8];
    for (size_t i = 0; i < nw; i++)
        wp[i] = w[i];
    fprintf(f, ",\n%s\"warnings\": ", in2);
    string_array(f, wp, nw);
    fprintf(f, "\n%s}", in);
}

/* "counters": per counter of [run] counters, whether the run counted it
 * and, when not, why its cells are empty. */
static void write_counters(FILE *f, const struct meta_run *run, const char *in,
                           const char *in2) {
    fprintf(f, ",\n%s\"counters\": ", in);
    if (!run->counters_probed) {
        fputs("null", f);
        return;
    }
    fputc('{', f);
    for (unsigned i = 0; i < RUN_COUNTERS; i++) {
        const char *why = run->counters_why[i];
        fprintf(f,
                "%s\n%s\"%s\": {\"counted\": %s, \"why_empty\": ", i ? "," : "",
                in2, run_counter_names[i], why ? "false" : "true");
        json_write_string(f, why);
        fputc('}', f);
    }
    fprintf(f, "\n%s}", in);
}

int meta_file_sha256(const char *path, char hex[65]) {
    hex[0] = '\0';
    FILE *in = fopen(path, "rb");
    if (!in)
        return PB_EIO;
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        sha256_update(&ctx, n, buf);
    int bad = ferror(in);
    fclose(in);
    if (bad)
        return PB_EIO;
    unsigned char digest[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof digest, digest);
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    return 0;
}

/* One instance's entry of "plugins": its file and that file's SHA-256. */
static void write_instance(FILE *f, const struct plan_instance *x, int first) {
    static const char in[] = "          ";
    char sha[65];
    fprintf(f, "%s\n        {", first ? "" : ",");
    kv_str(f, in, "instance", x->name, 1);
    kv_str(f, in, "kind", x->kind == PB_KIND_WORKLOAD ? "workload" : "executor",
           0);
    kv_str(f, in, "plugin", x->plugin_name, 0);
    kv_str(f, in, "file", x->file, 0);
    kv_str(f, in, "sha256", meta_file_sha256(x->file, sha) == 0 ? sha : NULL,
           0);
    fputs("\n        }", f);
}

/* "plugins": the search path as the loader built it ([run] plugin_path
 * resolved against the config's directory, PARBENCH_PLUGIN_PATH, the
 * directories beside the program), the environment variable as it was,
 * and each instance's file with its SHA-256: what traces a result to the
 * code that produced it. */
static void write_plugins(FILE *f, const struct plan *p) {
    static const char in[] = "      ";
    if (!p)
        return;
    fprintf(f, ",\n    \"plugins\": {");
    fprintf(f, "\n%s\"search_path\": ", in);
    string_array(f, (const char *const *)p->path.dirs, p->path.count);
    kv_str(f, in, "PARBENCH_PLUGIN_PATH", getenv("PARBENCH_PLUGIN_PATH"), 0);
    fprintf(f, ",\n%s\"loaded\": [", in);
    for (size_t i = 0; i < p->nworkloads; i++)
        write_instance(f, &p->workloads[i], i == 0);
    for (size_t i = 0; i < p->nexecutors; i++)
        write_instance(f, &p->executors[i], i == 0 && p->nworkloads == 0);
    fprintf(f, "\n%s]\n    }", in);
}

/* "process_hosts": the hosts that ran processes of the jobs (MPI ranks),
 * each once, with CPU model and core count; [] when none did. */
static void write_process_hosts(FILE *f, const struct meta_run *run,
                                const char *in) {
    fprintf(f, ",\n%s\"process_hosts\": [", in);
    for (size_t i = 0; i < run->nhosts; i++) {
        const struct meta_host *h = &run->hosts[i];
        fprintf(f, "%s\n%s  {\"name\": ", i ? "," : "", in);
        json_write_string(f, h->name);
        fputs(", \"cpu_model\": ", f);
        json_write_string(f, h->cpu_model[0] ? h->cpu_model : NULL);
        fputs(", \"cores\": ", f);
        json_write_number(f, h->cores ? (double)h->cores : NAN);
        fputc('}', f);
    }
    fprintf(f, "%s]", run->nhosts ? "\n      " : "");
}

int meta_write_entry(FILE *f, const struct meta_run *run) {
    const char *in = "      ", *in2 = "        ";
    const struct meta_invocation *o = run->invocation;

    fputs("    {", f);
    kv_str(f, in, "run_id", run->run_id, 1);
    kv_str(f, in, "started_at", run->started_at, 0);
    kv_str(f, in, "ended_at", run->ended_at, 0);
    kv_num(f, in, "exit_status",
           run->exit_status >= 0 ? run->exit_status : NAN);
    kv_bool(f, in, "interrupted", run->interrupted);
    kv_str(f, in, "output", run->output, 0);
    kv_num(f, in, "cells", (double)run->cells);

    fprintf(f, ",\n%s\"parbench\": {", in);
    kv_str(f, in2, "version", PB_VERSION, 1);
    kv_str(f, in2, "commit", PB_GIT_COMMIT, 0);
    kv_num(f, in2, "plugin_abi", PB_ABI_VERSION);
    fprintf(f, "\n%s}", in);

    fprintf(f, ",\n%s\"invocation\": {", in);
    kv_str(f, in2, "config", o ? o->config_path : NULL, 1);
    kv_str(f, in2, "summary", o ? o->summary : NULL, 0);
    fprintf(f, ",\n%s\"set\": ", in2);
    const char **sets = NULL;
    size_t nsets = o ? o->nsets : 0;
    if (nsets > 0 && (sets = malloc(nsets * sizeof *sets)) == NULL)
        nsets = 0;
    for (size_t i = 0; i < nsets; i++)
        sets[i] = o->sets[i].text;
    string_array(f, sets, nsets);
    free(sets);
    fprintf(f, ",\n%s\"only\": ", in2);
    string_array(f, o ? o->only : NULL, o ? o->nonly : 0);
    kv_bool(f, in2, "resume", o ? o->resume : 0);
    kv_bool(f, in2, "force", o ? o->force : 0);
    fprintf(f, "\n%s}", in);

    fprintf(f, ",\n%s\"config\": {", in);
    kv_str(f, in2, "path", run->cfg ? run->cfg->path : NULL, 1);
    char *effective = run->cfg ? meta_config_text(run->cfg) : NULL;
    kv_str(f, in2, "effective", effective, 0);
    free(effective);
    kv_str(f, in2, "file_text", run->cfg ? run->cfg->text : NULL, 0);
    fprintf(f, "\n%s}", in);

    char host[256] = "", cpu[256];
    if (gethostname(host, sizeof host - 1) < 0)
        host[0] = '\0';
    meta_cpu_model(cpu, sizeof cpu);
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    long configured = sysconf(_SC_NPROCESSORS_CONF);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    struct utsname u;
    int have_uname = uname(&u) == 0;
    write_plugins(f, run->plan);

    fprintf(f, ",\n%s\"host\": {", in);
    kv_str(f, in2, "hostname", host[0] ? host : NULL, 1);
    kv_str(f, in2, "cpu_model", cpu[0] ? cpu : NULL, 0);
    kv_num(f, in2, "cpus_online", online > 0 ? (double)online : NAN);
    kv_num(f, in2, "cpus_configured",
           configured > 0 ? (double)configured : NAN);
    kv_num(f, in2, "memory_kib",
           pages > 0 && page > 0 ? (double)pages * (double)page / 1024.0 : NAN);
    kv_str(f, in2, "kernel_name", have_uname ? u.sysname : NULL, 0);
    kv_str(f, in2, "kernel_release", have_uname ? u.release : NULL, 0);
    kv_str(f, in2, "kernel_version", have_uname ? u.version : NULL, 0);
    kv_str(f, in2, "machine", have_uname ? u.machine : NULL, 0);
    fprintf(f, "\n%s}", in);

    fprintf(f, ",\n%s\"build\": {", in);
    char compiler[256];
    snprintf(compiler, sizeof compiler, "%s %s", PB_C_COMPILER_ID, __VERSION__);
    kv_str(f, in2, "compiler", compiler, 1);
    kv_str(f, in2, "build_type", PB_BUILD_TYPE[0] ? PB_BUILD_TYPE : NULL, 0);
    fprintf(f, ",\n%s\"libraries\": {", in2);
    for (size_t i = 0; i < sizeof libraries / sizeof libraries[0]; i++)
        kv_str(f, "          ", libraries[i].name, libraries[i].version(),
               i == 0);
    fprintf(f, "\n%s}\n%s}", in2, in);

    write_measurement(f, run, in, in2);
    write_machine(f, run->machine, in, in2);
    write_process_hosts(f, run, in);
    write_counters(f, run, in, in2);

    fputs("\n    }", f);
    return ferror(f) ? PB_EIO : 0;
}

/* ------------------------------------------------------------------------ */
/* The sidecar file                                                          */
/* ------------------------------------------------------------------------ */

int meta_prepare(struct meta *m, const char *csv_path, int append, char *err,
                 size_t errlen) {
    memset(m, 0, sizeof *m);
    size_t len = strlen(csv_path) + sizeof ".meta.json";
    m->path = malloc(len);
    if (m->path == NULL) {
        snprintf(err, errlen, "out of memory");
        return PB_ENOMEM;
    }
    snprintf(m->path, len, "%s.meta.json", csv_path);
    if (!append || access(m->path, F_OK) != 0) {
        m->prefix = strdup(meta_head);
        m->prefix_len = sizeof meta_head - 1;
        if (m->prefix == NULL) {
            snprintf(err, errlen, "out of memory");
            return PB_ENOMEM;
        }
        return 0;
    }

    /* Appending: the file must start and end the way we write it.  What
     * comes before the tail is kept, and this run's entry follows it. */
    char *text = NULL;
    size_t size = 0;
    const size_t hl = sizeof meta_head - 1, tl = sizeof meta_tail - 1;
    int ok = fdio_read_file(m->path, &text, &size) == 0 && size >= hl + tl &&
             memcmp(text, meta_head, hl) == 0 &&
             memcmp(text + size - tl, meta_tail, tl) == 0;
    if (!ok) {
        free(text);
        snprintf(err, errlen,
                 "--resume: %s is not a run-metadata file as parbench "
                 "writes it (edited or cut short?); move it away and run "
                 "again to start a new one",
                 m->path);
        return PB_EINVAL;
    }
    m->append = 1;
    /* The old runs, then ",\n" before this one (the text has room: its
     * tail is longer). */
    memcpy(text + size - tl, ",\n", 3);
    m->prefix = text;
    m->prefix_len = size - tl + 2;
    return 0;
}

/* Writes the whole file anew beside it (the prefix, this run's entry, the
 * tail) and renames it over the old one. */
static int write_whole(struct meta *m, const struct meta_run *run, char *err,
                       size_t errlen) {
    size_t len = strlen(m->path) + sizeof ".tmp";
    char *tmp = malloc(len);
    if (tmp == NULL) {
        snprintf(err, errlen, "cannot write the run metadata %s: %s", m->path,
                 strerror(ENOMEM));
        return PB_EIO;
    }
    snprintf(tmp, len, "%s.tmp", m->path);
    FILE *f = fopen(tmp, "w");
    int rc = f == NULL ? PB_EIO : 0;
    int e = errno;
    if (rc == 0) {
        if (fwrite(m->prefix, 1, m->prefix_len, f) != m->prefix_len)
            rc = PB_EIO;
        if (meta_write_entry(f, run) != 0)
            rc = PB_EIO;
        fputs(meta_tail, f);
        if (fflush(f) != 0 || ferror(f))
            rc = PB_EIO;
        e = errno;
        if (fclose(f) != 0 && rc == 0) {
            e = errno;
            rc = PB_EIO;
        }
    }
    if (rc == 0 && rename(tmp, m->path) != 0) {
        e = errno;
        rc = PB_EIO;
    }
    if (rc != 0) {
        if (f != NULL)
            unlink(tmp);
        snprintf(err, errlen, "cannot write the run metadata %s: %s", m->path,
                 strerror(e));
    }
    free(tmp);
    return rc;
}

int meta_begin(struct meta *m, const struct meta_run *run, char *err,
               size_t errlen) {
    int rc = write_whole(m, run, err, errlen);
    m->begun = rc == 0;
    return rc;
}

int meta_end(struct meta *m, const struct meta_run *run, char *err,
             size_t errlen) {
    if (!m->begun)
        return 0;
    return write_whole(m, run, err, errlen);
}

void meta_free(struct meta *m) {
    free(m->path);
    free(m->prefix);
    m->path = NULL;
    m->prefix = NULL;
}
