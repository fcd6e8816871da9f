/* SPDX-License-Identifier: MIT */
/*
 * loader.h - finding, loading and checking plugins.
 *
 * Plugin files are named KIND-NAME.so (workload-prime-count.so,
 * executor-pthread.so).  The search path is, in order: [run] plugin_path,
 * $PARBENCH_PLUGIN_PATH (both ':'-separated), then the plugin directory
 * next to the running binary: DIR/plugins in the build tree, or
 * DIR/../lib/parbench/plugins once installed (DIR = directory of
 * /proc/self/exe).
 */
#ifndef PARBENCH_PLUGIN_LOADER_H
#define PARBENCH_PLUGIN_LOADER_H

#include <stddef.h>

#include <parbench/plugin.h>

/* A loaded plugin: the core's side, never stored in plugin memory. */
struct loaded_plugin {
    void *handle;                 /* dlopen handle, owned               */
    char *path;                   /* owned, absolute when possible      */
    const struct pb_plugin *desc; /* borrowed from the plugin           */
    /* The operations table of the plugin's kind, copied: the core calls
     * these, never desc->workload or desc->executor.  An operation past
     * the table's .size (a plugin built against an older 2.x header) is
     * NULL here, i.e. absent. */
    struct pb_workload_ops workload;
    struct pb_executor_ops executor;
};

/* Receives one warning (a sentence naming the file or directory); the
 * caller prefixes its verb.  NULL: warnings are dropped. */
typedef void loader_warn_fn(const char *msg);

struct loader_path {
    char **dirs; /* owned */
    size_t count;
    size_t nuser;         /* dirs[0 .. nuser) came from the config or the
                             environment; the rest are the defaults     */
    loader_warn_fn *warn; /* may be NULL                                */
};

/* Build the search path from `config_list` ([run] plugin_path, may be
 * NULL; a relative entry is taken relative to `config_dir` when that is
 * not NULL, i.e. the config file's directory), the environment
 * (PARBENCH_PLUGIN_PATH, relative to the current directory) and the
 * defaults beside the program.  Warns through `warn` about each directory
 * of the config or the environment that does not exist.  Returns 0 or
 * PB_ENOMEM. */
int loader_path_init(struct loader_path *sp, const char *config_list,
                     const char *config_dir, loader_warn_fn *warn);
void loader_path_free(struct loader_path *sp);

/* "KIND-NAME.so" file name of a plugin (into buf). */
void loader_file_name(enum pb_kind kind, const char *name, char *buf,
                      size_t len);

/*
 * dlopen `path` with RTLD_NOW | RTLD_LOCAL, find PB_ENTRY_NAME, call it and
 * check: ABI version (PB_ABI_VERSION; an ABI 1 plugin gets the migration
 * hint), kind (1 or 2, and `want_kind` unless 0), name syntax (and equal
 * to `want_name` unless NULL), summary present, the operations table's
 * size, required operations present for the kind, parameter table valid
 * (params_check_table) and free of the reserved names
 * (PB_RESERVED_PARAMS).  On failure err names the file and what was
 * expected, e.g. "plugins/x.so: ABI version 7, this parbench expects 1;
 * rebuild the plugin against include/parbench/plugin.h".
 */
int loader_open(const char *path, enum pb_kind want_kind, const char *want_name,
                struct loaded_plugin *out, char *err, size_t errlen);

/* loader_open without its checks of the file itself (that it exists, is a
 * regular readable file, and that no other user can replace it): for a
 * worker process loading the plugin its coordinator loaded with
 * loader_open, from the absolute path the coordinator put in the spec.
 * Those checks are system calls per worker (stat, access, a realpath and
 * a stat of its directory: 37 us of a spawned worker's start on a
 * paravirtualised guest, docs/performance.md), for an answer the
 * coordinator had already.  Every check of the descriptor remains. */
int loader_load(const char *path, enum pb_kind want_kind, const char *want_name,
                struct loaded_plugin *out, char *err, size_t errlen);

/* Find KIND-NAME.so on the search path and loader_open() it: the first
 * file of that name is the plugin, a broken one is an error (never
 * skipped for a later one), and a later file of the same name gets a
 * "shadowed" warning.  Not found: PB_ENOENT with the directories
 * searched, a did-you-mean among the plugins of that kind that exist, and
 * the files on the path that mention NAME but are not named KIND-NAME.so
 * (skipped by the loader). */
int loader_find(const struct loader_path *sp, enum pb_kind kind,
                const char *name, struct loaded_plugin *out, char *err,
                size_t errlen);

/* The files on the path whose names contain `name` but are not of the
 * form KIND-NAME.so (the loader skips them), as "dir/file, dir/file" into
 * buf; "" when there is none. */
void loader_misnamed(const struct loader_path *sp, const char *name, char *buf,
                     size_t len);

/* Close the handle and free the path (the descriptor becomes invalid). */
void loader_close(struct loaded_plugin *lp);

/* Every plugin on the path, resolved as loader_find does (the first file
 * of each kind+name is the plugin), sorted by kind then name.  Through
 * sp->warn: files that fail to load (skipped, and the later files of the
 * same name they hide are not used either), files not named KIND-NAME.so,
 * shadowed files.  *broken (may be NULL) is the number of files that
 * failed to load: not a shared object, no entry point, or a descriptor
 * loader_open refuses.  *out is malloc'd; loader_close each. */
int loader_scan(const struct loader_path *sp, struct loaded_plugin **out,
                size_t *count, size_t *broken);

#endif /* PARBENCH_PLUGIN_LOADER_H */
