/* SPDX-License-Identifier: MIT */
/*
 * loader.c - finding, loading and checking plugins.
 *
 * Every check names the file and what was expected, so that a broken or
 * misplaced plugin is fixed from the message alone.  The loader never
 * writes into plugin memory: the handle and path live in struct
 * loaded_plugin, the descriptor is only read.
 */
#include "config/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/params.h"
#include "util/errors.h"
#include "util/names.h"
#include "util/selfpath.h"
#include "util/suggest.h"
#include "version.h"

#define SO_SUFFIX ".so"

static const char *kind_name(enum pb_kind kind) {
    return kind == PB_KIND_WORKLOAD   ? "workload"
           : kind == PB_KIND_EXECUTOR ? "executor"
                                      : "unknown";
}

/* "a workload", "an executor". */
static const char *article(enum pb_kind kind) {
    return kind == PB_KIND_EXECUTOR ? "an" : "a";
}

/* Kind and name from a file name "KIND-NAME.so"; 0 if it has that form.
 * The name is copied into buf. */
static int parse_file_name(const char *file, enum pb_kind *kind, char *buf,
                           size_t len) {
    static const struct {
        const char *prefix;
        enum pb_kind kind;
    } kinds[] = {{"workload-", PB_KIND_WORKLOAD},
                 {"executor-", PB_KIND_EXECUTOR}};
    size_t flen = strlen(file), slen = strlen(SO_SUFFIX);
    if (flen <= slen || strcmp(file + flen - slen, SO_SUFFIX) != 0)
        return -1;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t plen = strlen(kinds[i].prefix);
        if (strncmp(file, kinds[i].prefix, plen) != 0 || flen <= plen + slen)
            continue;
        size_t nlen = flen - plen - slen;
        if (nlen >= len)
            return -1;
        memcpy(buf, file + plen, nlen);
        buf[nlen] = '\0';
        *kind = kinds[i].kind;
        return 0;
    }
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Search path                                                              */
/* ------------------------------------------------------------------------ */

static int path_add(struct loader_path *sp, const char *dir, size_t len) {
    if (len == 0)
        return 0;
    for (size_t i = 0; i < sp->count; i++)
        if (strlen(sp->dirs[i]) == len && strncmp(sp->dirs[i], dir, len) == 0)
            return 0;
    char **dirs = realloc(sp->dirs, (sp->count + 1) * sizeof *dirs);
    if (!dirs)
        return PB_ENOMEM;
    sp->dirs = dirs;
    char *copy = malloc(len + 1);
    if (!copy)
        return PB_ENOMEM;
    memcpy(copy, dir, len);
    copy[len] = '\0';
    sp->dirs[sp->count++] = copy;
    return 0;
}

static void warn(const struct loader_path *sp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void warn(const struct loader_path *sp, const char *fmt, ...) {
    if (!sp->warn)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sp->warn(msg);
}

/* Adds each non-empty component of a ':'-separated list; a relative one
 * under `base` when base is not NULL.  `origin` names the list in the
 * warning about a directory that does not exist. */
static int path_add_list(struct loader_path *sp, const char *list,
                         const char *base, const char *origin) {
    while (list && *list) {
        const char *colon = strchr(list, ':');
        size_t len = colon ? (size_t)(colon - list) : strlen(list);
        /* Absolute, so that warnings and the run metadata say which
         * directory was meant wherever parbench was started. */
        char prefix[PATH_MAX * 2] = "", cwd[PATH_MAX], dir[PATH_MAX * 3];
        if (list[0] != '/') {
            size_t bl = base ? strlen(base) : 0;
            const char *sep = bl && base[bl - 1] != '/' ? "/" : "";
            if (base && base[0] == '/')
                snprintf(prefix, sizeof prefix, "%s%s", base, sep);
            else if (getcwd(cwd, sizeof cwd))
                snprintf(prefix, sizeof prefix, "%s/%s%s", cwd,
                         base ? base : "", sep);
            else if (base)
                snprintf(prefix, sizeof prefix, "%s%s", base, sep);
        }
        int n = snprintf(dir, sizeof dir, "%s%.*s", prefix, (int)len, list);
        if (len && n > 0 && (size_t)n < sizeof dir) {
            struct stat st;
            if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
                warn(sp,
                     "plugin directory %s (from %s) %s; fix or remove the "
                     "entry",
                     dir, origin,
                     stat(dir, &st) < 0 ? "does not exist"
                                        : "is not a directory");
            int rc = path_add(sp, dir, (size_t)n);
            if (rc < 0)
                return rc;
        }
        list = colon ? colon + 1 : NULL;
    }
    return 0;
}

int loader_path_init(struct loader_path *sp, const char *config_list,
                     const char *config_dir, loader_warn_fn *warn_fn) {
    memset(sp, 0, sizeof *sp);
    sp->warn = warn_fn;
    int rc = path_add_list(sp, config_list, config_dir, "[run] plugin_path");
    if (rc == 0)
        rc = path_add_list(sp, getenv("PARBENCH_PLUGIN_PATH"), NULL,
                           "PARBENCH_PLUGIN_PATH");
    sp->nuser = sp->count;
    char exe[PATH_MAX];
    if (rc == 0 && selfpath_dir(exe, sizeof exe) == 0) {
        /* DIR/plugins, then the installed directory relative to DIR
         * (PB_REL_PLUGIN_DIR, "../lib/parbench/plugins") with each ".."
         * taken off DIR: the program's directory has no symbolic links
         * left. */
        char dir[PATH_MAX + 64];
        int len = snprintf(dir, sizeof dir, "%s/plugins", exe);
        if (len > 0 && (size_t)len < sizeof dir)
            rc = path_add(sp, dir, (size_t)len);
        const char *rel = PB_REL_PLUGIN_DIR;
        char *slash;
        while (strncmp(rel, "../", 3) == 0 && (slash = strrchr(exe, '/'))) {
            *slash = '\0';
            rel += 3;
        }
        len = snprintf(dir, sizeof dir, "%s/%s", exe, rel);
        if (rc == 0 && len > 0 && (size_t)len < sizeof dir)
            rc = path_add(sp, dir, (size_t)len);
    }
    if (rc < 0)
        loader_path_free(sp);
    return rc;
}

void loader_path_free(struct loader_path *sp) {
    for (size_t i = 0; i < sp->count; i++)
        free(sp->dirs[i]);
    free(sp->dirs);
    sp->dirs = NULL;
    sp->count = 0;
    sp->nuser = 0;
}

void loader_file_name(enum pb_kind kind, const char *name, char *buf,
                      size_t len) {
    snprintf(buf, len, "%s-%s%s", kind_name(kind), name, SO_SUFFIX);
}

/* ------------------------------------------------------------------------ */
/* Loading and checking one file                                            */
/* ------------------------------------------------------------------------ */

/* Malloc'd absolute form of `path` (symbolic links kept), or NULL. */
static char *absolute_path(const char *path) {
    if (path[0] == '/')
        return strdup(path);
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd))
        return strdup(path);
    size_t len = strlen(cwd) + 1 + strlen(path) + 1;
    char *abs = malloc(len);
    if (abs)
        snprintf(abs, len, "%s/%s", cwd, path);
    return abs;
}

/* dlerror() text without a leading "PATH: " that would repeat the file. */
static const char *dl_reason(const char *path) {
    const char *msg = dlerror();
    if (!msg)
        return "unknown dynamic loader error";
    size_t len = strlen(path);
    if (strncmp(msg, path, len) == 0 && msg[len] == ':' && msg[len + 1] == ' ')
        return msg + len + 2;
    return msg;
}

/* The bytes of each operations table in ABI version 2.0: a plugin's
 * table is at least this long (its .size), whatever 2.x it was built for. */
#define WORKLOAD_OPS_SIZE_2_0                                                  \
    (offsetof(struct pb_workload_ops, check) +                                 \
     sizeof(((struct pb_workload_ops *)0)->check))
#define EXECUTOR_OPS_SIZE_2_0                                                  \
    (offsetof(struct pb_executor_ops, destroy) +                               \
     sizeof(((struct pb_executor_ops *)0)->destroy))

/* Copies the plugin's operations table of its kind into lp (zero-filled
 * past the table's .size; a longer table's extra operations, optional by
 * the ABI rules, are left out).  0, or PB_EPLUGIN with err when the table
 * is missing or its size is not an ABI 2 size. */
static int copy_ops(const char *path, const struct pb_plugin *d,
                    struct loaded_plugin *lp, char *err, size_t errlen) {
    int wl = d->kind == PB_KIND_WORKLOAD;
    const char *kind = kind_name(d->kind);
    const void *table =
        wl ? (const void *)d->workload : (const void *)d->executor;
    size_t have = wl ? sizeof lp->workload : sizeof lp->executor;
    size_t base = wl ? WORKLOAD_OPS_SIZE_2_0 : EXECUTOR_OPS_SIZE_2_0;
    if (!table) {
        snprintf(err, errlen,
                 "%s: %s '%s' has no operations table; point the "
                 "descriptor's .%s at its struct pb_%s_ops",
                 path, kind, d->name, kind, kind);
        return PB_EPLUGIN;
    }
    size_t size = *(const size_t *)table; /* .size comes first */
    if (size < base) {
        snprintf(err, errlen,
                 "%s: %s '%s': its struct pb_%s_ops has .size %zu, the "
                 "table of ABI 2 has at least %zu bytes; set .size = "
                 "sizeof(struct pb_%s_ops) in the table and rebuild (see the "
                 "migration note in <parbench/plugin.h>)",
                 path, kind, d->name, kind, size, base, kind);
        return PB_EPLUGIN;
    }
    void *dst = wl ? (void *)&lp->workload : (void *)&lp->executor;
    memset(dst, 0, have);
    memcpy(dst, table, size < have ? size : have);
    return 0;
}

/* Required operations (plugin.h lists them): the name of one the copied
 * table lacks, or NULL. */
static const char *missing_op(const struct loaded_plugin *lp) {
    if (lp->desc->kind == PB_KIND_WORKLOAD) {
        const struct pb_workload_ops *w = &lp->workload;
        return !w->create       ? "create"
               : !w->task_count ? "task_count"
               : !w->run_task   ? "run_task"
               : !w->merge      ? "merge"
               : !w->verify     ? "verify"
               : !w->destroy    ? "destroy"
                                : NULL;
    }
    return !lp->executor.run ? "run" : NULL;
}

/* The first parameter of the table named as a key of the core, or NULL. */
static const char *reserved_param(const struct pb_param *params) {
    static const char *const reserved[] = {PB_RESERVED_PARAMS};
    for (size_t i = 0; params && params[i].name; i++)
        for (size_t r = 0; r < sizeof reserved / sizeof reserved[0]; r++)
            if (strcmp(params[i].name, reserved[r]) == 0)
                return reserved[r];
    return NULL;
}

/* Checks the descriptor and copies its operations into lp; 0 or
 * PB_EPLUGIN with err. */
static int check_desc(const char *path, struct loaded_plugin *lp,
                      enum pb_kind want_kind, const char *want_name, char *err,
                      size_t errlen) {
    const struct pb_plugin *d = lp->desc;
    if (d->abi_version == 1) {
        snprintf(err, errlen,
                 "%s: built for plugin ABI 1, this parbench expects %d; "
                 "rebuild the plugin against this parbench's "
                 "<parbench/plugin.h> (cc $(pkg-config --cflags parbench), or "
                 "find_package(parbench) in CMake) after the migration note "
                 "at the top of that header: set .size in each operations "
                 "table, include <parbench/worker.h> for the worker protocol",
                 path, PB_ABI_VERSION);
        return PB_EPLUGIN;
    }
    if (d->abi_version != PB_ABI_VERSION) {
        snprintf(err, errlen,
                 "%s: ABI version %u, this parbench expects %d; rebuild the "
                 "plugin against this parbench's <parbench/plugin.h> "
                 "(pkg-config --cflags parbench)",
                 path, d->abi_version, PB_ABI_VERSION);
        return PB_EPLUGIN;
    }
    if (d->kind != PB_KIND_WORKLOAD && d->kind != PB_KIND_EXECUTOR) {
        snprintf(err, errlen,
                 "%s: unknown plugin kind %d; the descriptor's kind must be "
                 "PB_KIND_WORKLOAD or PB_KIND_EXECUTOR",
                 path, (int)d->kind);
        return PB_EPLUGIN;
    }
    if (want_kind && d->kind != want_kind) {
        snprintf(err, errlen,
                 "%s: declares %s %s plugin, expected %s %s (the file name "
                 "must be KIND-NAME.so); fix the descriptor's kind or rename "
                 "the file",
                 path, article(d->kind), kind_name(d->kind), article(want_kind),
                 kind_name(want_kind));
        return PB_EPLUGIN;
    }
    if (!name_valid(d->name, NAME_DASH)) {
        snprintf(err, errlen,
                 "%s: plugin name '%s' is not valid; use only lowercase "
                 "letters, digits, '_' and '-'",
                 path, d->name ? d->name : "(null)");
        return PB_EPLUGIN;
    }
    if (want_name && strcmp(d->name, want_name) != 0) {
        snprintf(err, errlen,
                 "%s: the descriptor names the plugin '%s', expected '%s' "
                 "(the file name must be KIND-NAME.so); rename the file or "
                 "fix the descriptor's name",
                 path, d->name, want_name);
        return PB_EPLUGIN;
    }
    if (!d->summary || !*d->summary) {
        snprintf(err, errlen,
                 "%s: %s '%s' has no summary; set the descriptor's summary "
                 "to one line for `parbench list`",
                 path, kind_name(d->kind), d->name);
        return PB_EPLUGIN;
    }
    int rc = copy_ops(path, d, lp, err, errlen);
    if (rc < 0)
        return rc;
    const char *op = missing_op(lp);
    if (op) {
        snprintf(err, errlen,
                 "%s: %s '%s' lacks the required operation %s; set it in its "
                 "struct pb_%s_ops",
                 path, kind_name(d->kind), d->name, op, kind_name(d->kind));
        return PB_EPLUGIN;
    }
    if (d->params) {
        char msg[512];
        msg[0] = '\0';
        if (params_check_table(d->params, msg, sizeof msg) < 0) {
            snprintf(err, errlen,
                     "%s: %s '%s' has a bad parameter table: %s; fix the "
                     "table in the plugin's source",
                     path, kind_name(d->kind), d->name, msg);
            return PB_EPLUGIN;
        }
    }
    const char *key = reserved_param(d->params);
    if (key) {
        snprintf(err, errlen,
                 "%s: %s '%s' has a parameter named '%s', a key the core "
                 "reads in every section of its kind (PB_RESERVED_PARAMS); "
                 "rename the parameter in the plugin's source",
                 path, kind_name(d->kind), d->name, key);
        return PB_EPLUGIN;
    }
    return 0;
}

/*
 * 1 (with the sentence in err) if users other than the owner could change
 * the code a plugin file holds: the file is writable by others, or it
 * lies in a directory they can write without the sticky bit (they could
 * put another file in its place).  parbench runs a plugin with the
 * rights of whoever runs parbench (docs/design.md, "Trust").
 */
static int others_can_replace(const char *path, const struct stat *st,
                              char *err, size_t errlen) {
    if (st->st_mode & S_IWOTH) {
        snprintf(err, errlen,
                 "%s: every user can write this plugin file (mode %04o), so "
                 "anyone could change the code parbench runs; refused: "
                 "chmod o-w it",
                 path, (unsigned)(st->st_mode & 07777));
        return 1;
    }
    char real[PATH_MAX];
    if (!realpath(path, real))
        return 0; /* the stat above succeeded: nothing better to say */
    char *slash = strrchr(real, '/');
    if (slash == real)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    struct stat dst;
    if (stat(real, &dst) == 0 && (dst.st_mode & S_IWOTH) &&
        !(dst.st_mode & S_ISVTX)) {
        snprintf(err, errlen,
                 "%s: its directory %s can be written by every user (mode "
                 "%04o), so anyone could put another file in its place; "
                 "refused: chmod o-w the directory, or move the plugin",
                 path, real, (unsigned)(dst.st_mode & 07777));
        return 1;
    }
    return 0;
}

int loader_open(const char *path, enum pb_kind want_kind, const char *want_name,
                struct loaded_plugin *out, char *err, size_t errlen) {
    out->handle = NULL;
    out->path = NULL;
    out->desc = NULL;

    struct stat st, lst;
    if (stat(path, &st) < 0) {
        int e = errno;
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            snprintf(err, errlen,
                     "%s: a symbolic link that leads to no file (%s); fix "
                     "or remove the link",
                     path, strerror(e));
            return PB_EPLUGIN;
        }
        snprintf(err, errlen,
                 "%s: %s; check the plugin name and the plugin path "
                 "([run] plugin_path, PARBENCH_PLUGIN_PATH)",
                 path, e == ENOENT ? "no such plugin file" : strerror(e));
        return e == ENOENT || e == ENOTDIR ? PB_ENOENT : PB_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen,
                 "%s: not a regular file; a plugin is a shared object "
                 "KIND-NAME.so",
                 path);
        return PB_EPLUGIN;
    }
    if (access(path, R_OK) < 0) {
        snprintf(err, errlen, "%s: cannot be read (%s); fix its permissions",
                 path, strerror(errno));
        return PB_EIO;
    }
    if (others_can_replace(path, &st, err, errlen))
        return PB_EPLUGIN;
    return loader_load(path, want_kind, want_name, out, err, errlen);
}

int loader_load(const char *path, enum pb_kind want_kind, const char *want_name,
                struct loaded_plugin *out, char *err, size_t errlen) {
    out->handle = NULL;
    out->path = NULL;
    out->desc = NULL;
    char *abs = absolute_path(path);
    if (!abs) {
        snprintf(err, errlen, "%s: out of memory", path);
        return PB_ENOMEM;
    }
    dlerror();
    /* No RTLD_NODELETE: the runner unloads every plugin after validating
     * the config, so that cell processes forked from it map only their own
     * two (fork copies the page tables of every mapping).  That is safe
     * because none of a plugin's code has run there.  Processes that ran
     * plugin code (cells, spawned workers) never dlclose: libraries such as
     * libcurl register thread-specific keys whose code must outlive the
     * handle. */
    void *h = dlopen(abs, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errlen,
                 "%s: cannot be loaded as a shared object (%s); a plugin "
                 "must be built with -shared -fPIC against "
                 "include/parbench/plugin.h and find all libraries it needs",
                 abs, dl_reason(abs));
        free(abs);
        return PB_EPLUGIN;
    }

    memset(out, 0, sizeof *out);
    pb_entry_fn entry = NULL;
    dlerror();
    *(void **)&entry = dlsym(h, PB_ENTRY_NAME);
    int rc = 0;
    const struct pb_plugin *desc = NULL;
    if (!entry) {
        snprintf(err, errlen,
                 "no entry point '%s' in %s; a plugin must define it with "
                 "PB_DEFINE_PLUGIN",
                 PB_ENTRY_NAME, abs);
        rc = PB_EPLUGIN;
    } else if (!(desc = entry())) {
        snprintf(err, errlen,
                 "%s: %s() returned NULL; it must return the plugin's "
                 "descriptor (use PB_DEFINE_PLUGIN)",
                 abs, PB_ENTRY_NAME);
        rc = PB_EPLUGIN;
    } else {
        out->desc = desc;
        rc = check_desc(abs, out, want_kind, want_name, err, errlen);
    }
    if (rc < 0) {
        dlclose(h);
        free(abs);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->handle = h;
    out->path = abs;
    return 0;
}

void loader_close(struct loaded_plugin *lp) {
    if (lp->handle)
        dlclose(lp->handle);
    free(lp->path);
    memset(lp, 0, sizeof *lp);
}

/* ------------------------------------------------------------------------ */
/* Directory listing                                                        */
/* ------------------------------------------------------------------------ */

struct name_list {
    char **items; /* owned */
    size_t count;
};

static void names_free(struct name_list *nl) {
    for (size_t i = 0; i < nl->count; i++)
        free(nl->items[i]);
    free(nl->items);
    nl->items = NULL;
    nl->count = 0;
}

static int names_add(struct name_list *nl, const char *s) {
    char **items = realloc(nl->items, (nl->count + 1) * sizeof *items);
    if (!items)
        return PB_ENOMEM;
    nl->items = items;
    if (!(items[nl->count] = strdup(s)))
        return PB_ENOMEM;
    nl->count++;
    return 0;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The *.so file names in `dir`, sorted.  A missing directory is empty;
 * another failure to read it returns PB_EIO (names stay empty). */
static int list_so_files(const char *dir, struct name_list *nl) {
    nl->items = NULL;
    nl->count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : PB_EIO;
    struct dirent *de;
    int rc = 0;
    size_t slen = strlen(SO_SUFFIX);
    while (rc == 0 && (de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len > slen && strcmp(de->d_name + len - slen, SO_SUFFIX) == 0)
            rc = names_add(nl, de->d_name);
    }
    closedir(d);
    if (rc < 0)
        names_free(nl);
    else if (nl->count > 1)
        qsort(nl->items, nl->count, sizeof *nl->items, cmp_str);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Finding one plugin                                                       */
/* ------------------------------------------------------------------------ */

/* "d1, d2, d3" into buf. */
static void join_dirs(const struct loader_path *sp, char *buf, size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sp->count && used < len; i++) {
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         sp->dirs[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (sp->count == 0)
        snprintf(buf, len, "(no directories)");
}

/* Warns about each file `file` in the directories after dirs[first]: the
 * plugin `used` shadows them. */
static void warn_shadowed(const struct loader_path *sp, size_t first,
                          const char *file, const char *used) {
    for (size_t j = first + 1; j < sp->count; j++) {
        char path[PATH_MAX * 2];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", sp->dirs[j], file);
        if (stat(path, &st) == 0)
            warn(sp,
                 "%s is shadowed by %s, which comes first on the plugin "
                 "path and is the one used",
                 path, used);
    }
}

void loader_misnamed(const struct loader_path *sp, const char *name, char *buf,
                     size_t len) {
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sp->count && used < len; i++) {
        struct name_list files;
        if (list_so_files(sp->dirs[i], &files) < 0)
            continue;
        for (size_t j = 0; j < files.count && used < len; j++) {
            enum pb_kind k;
            char n[NAME_MAX + 1];
            if (parse_file_name(files.items[j], &k, n, sizeof n) == 0 ||
                !strstr(files.items[j], name))
                continue;
            int w = snprintf(buf + used, len - used, "%s%s/%s",
                             used ? ", " : "", sp->dirs[i], files.items[j]);
            if (w < 0)
                break;
            used += (size_t)w;
        }
        names_free(&files);
    }
}

int loader_find(const struct loader_path *sp, enum pb_kind kind,
                const char *name, struct loaded_plugin *out, char *err,
                size_t errlen) {
    memset(out, 0, sizeof *out);
    char file[NAME_MAX + 1];
    if (name_valid(name, NAME_DASH)) {
        loader_file_name(kind, name, file, sizeof file);
        for (size_t i = 0; i < sp->count; i++) {
            size_t len = strlen(sp->dirs[i]) + 1 + strlen(file) + 1;
            char *path = malloc(len);
            if (!path)
                return PB_ENOMEM;
            snprintf(path, len, "%s/%s", sp->dirs[i], file);
            struct stat st;
            /* The first file of that name is the plugin: a broken one (a
             * dangling or looping link too) is reported, never silently
             * skipped for a later one. */
            if (lstat(path, &st) == 0) {
                int rc = loader_open(path, kind, name, out, err, errlen);
                warn_shadowed(sp, i, file, path);
                free(path);
                return rc;
            }
            free(path);
        }
    } else {
        snprintf(file, sizeof file, "%s-%s%s", kind_name(kind),
                 name ? name : "", SO_SUFFIX);
    }

    /* Not found: collect the names of this kind for a did-you-mean. */
    struct name_list cand = {NULL, 0};
    for (size_t i = 0; i < sp->count; i++) {
        struct name_list files;
        if (list_so_files(sp->dirs[i], &files) < 0)
            continue;
        for (size_t j = 0; j < files.count; j++) {
            enum pb_kind k;
            char n[NAME_MAX + 1];
            if (parse_file_name(files.items[j], &k, n, sizeof n) == 0 &&
                k == kind && names_add(&cand, n) < 0)
                break;
        }
        names_free(&files);
    }
    const char *best = suggest_closest(
        name ? name : "", (const char *const *)cand.items, cand.count);
    if (best && name && strcmp(best, name) == 0)
        best = NULL; /* a file of that very name that is not a plugin */
    char dirs[2048], skipped[1024] = "";
    join_dirs(sp, dirs, sizeof dirs);
    if (name && *name)
        loader_misnamed(sp, name, skipped, sizeof skipped);
    snprintf(err, errlen,
             "no %s plugin '%s'%s%s%s (looked for %s in %s; `parbench list` "
             "shows the plugins found, [run] plugin_path or "
             "PARBENCH_PLUGIN_PATH adds directories)%s%s%s",
             kind_name(kind), name ? name : "", best ? "; did you mean '" : "",
             best ? best : "", best ? "'?" : "", file, dirs,
             skipped[0] ? "; skipped, not named KIND-NAME.so: " : "", skipped,
             skipped[0] ? " (rename the file)" : "");
    names_free(&cand);
    return PB_ENOENT;
}

/* ------------------------------------------------------------------------ */
/* Scanning the whole path                                                  */
/* ------------------------------------------------------------------------ */

static int cmp_plugin(const void *a, const void *b) {
    const struct loaded_plugin *x = a, *y = b;
    if (x->desc->kind != y->desc->kind)
        return x->desc->kind < y->desc->kind ? -1 : 1;
    return strcmp(x->desc->name, y->desc->name);
}

/* What the scan has resolved so far: the plugins loaded, and for every
 * kind+name taken (loaded or broken) the file that took it. */
struct scan {
    struct loaded_plugin *lps;
    size_t n;
    struct name_list keys, paths; /* parallel: "K:name" and its file */
    size_t broken;                /* files that failed to load        */
};

/* The file that took kind+name, or NULL. */
static const char *taken_by(const struct scan *sc, const char *key) {
    for (size_t i = 0; i < sc->keys.count; i++)
        if (strcmp(sc->keys.items[i], key) == 0)
            return sc->paths.items[i];
    return NULL;
}

/* Resolves one plugin file: loaded into sc->lps, or warned about. */
static int scan_file(const struct loader_path *sp, struct scan *sc,
                     const char *dir, const char *file) {
    enum pb_kind kind;
    char name[NAME_MAX + 1], key[NAME_MAX + 8], path[PATH_MAX * 2];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    if (parse_file_name(file, &kind, name, sizeof name) < 0) {
        warn(sp,
             "%s: not a plugin file name (expected workload-NAME.so or "
             "executor-NAME.so); skipped",
             path);
        return 0;
    }
    snprintf(key, sizeof key, "%d:%s", (int)kind, name);
    const char *first = taken_by(sc, key);
    if (first) {
        warn(sp,
             "%s is shadowed by %s, which comes first on the plugin path "
             "and is the one used",
             path, first);
        return 0;
    }
    if (names_add(&sc->keys, key) < 0 || names_add(&sc->paths, path) < 0)
        return PB_ENOMEM;
    struct loaded_plugin *grown = realloc(sc->lps, (sc->n + 1) * sizeof *grown);
    if (!grown)
        return PB_ENOMEM;
    sc->lps = grown;
    char msg[1024];
    int r = loader_open(path, kind, name, &sc->lps[sc->n], msg, sizeof msg);
    if (r == PB_ENOMEM)
        return r;
    if (r < 0) {
        warn(sp, "%s (skipped)", msg);
        sc->broken++;
    } else {
        sc->n++;
    }
    return 0;
}

/* Resolves every plugin file of one directory. */
static int scan_dir(const struct loader_path *sp, struct scan *sc,
                    const char *dir) {
    struct name_list files;
    int lrc = list_so_files(dir, &files);
    if (lrc == PB_ENOMEM)
        return lrc;
    if (lrc < 0) {
        warn(sp, "%s: cannot read the plugin directory (%s); skipped", dir,
             strerror(errno));
        return 0;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < files.count; i++)
        rc = scan_file(sp, sc, dir, files.items[i]);
    names_free(&files);
    return rc;
}

int loader_scan(const struct loader_path *sp, struct loaded_plugin **out,
                size_t *count, size_t *broken) {
    struct scan sc = {NULL, 0, {NULL, 0}, {NULL, 0}, 0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < sp->count; i++)
        rc = scan_dir(sp, &sc, sp->dirs[i]);
    names_free(&sc.keys);
    names_free(&sc.paths);
    if (rc < 0) {
        for (size_t i = 0; i < sc.n; i++)
            loader_close(&sc.lps[i]);
        free(sc.lps);
        *out = NULL;
        *count = 0;
        if (broken != NULL)
            *broken = 0;
        return rc;
    }
    if (sc.n > 1)
        qsort(sc.lps, sc.n, sizeof *sc.lps, cmp_plugin);
    *out = sc.lps;
    *count = sc.n;
    if (broken != NULL)
        *broken = sc.broken;
    return 0;
}
