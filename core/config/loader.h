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

struct loader_path {
    char **dirs; /* owned */
    size_t count;
};

/* Build the search path from `config_path` (may be NULL) and the
 * environment.  Returns 0 or PB_ENOMEM. */
int loader_path_init(struct loader_path *sp, const char *config_path);
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

/* Find KIND-NAME.so on the search path and loader_open() it.  Not found:
 * PB_ENOENT with the directories searched and a did-you-mean among the
 * plugins of that kind that exist. */
int loader_find(const struct loader_path *sp, enum pb_kind kind,
                const char *name, struct loaded_plugin *out, char *err,
                size_t errlen);

/* Close the handle and free the path (the descriptor becomes invalid). */
void loader_close(struct loaded_plugin *lp);

/* Every loadable plugin on the path (first of each kind+name wins), sorted
 * by kind then name.  Files that fail to load are reported through `warn`
 * (may be NULL) and skipped.  *out is malloc'd; loader_close each. */
int loader_scan(const struct loader_path *sp, struct loaded_plugin **out,
                size_t *count, void (*warn)(const char *msg));

#endif /* PARBENCH_PLUGIN_LOADER_H */
