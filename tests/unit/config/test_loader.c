/* SPDX-License-Identifier: MIT */
/*
 * test_loader.c - plugin loader (core/config/loader.c) and the `list` and
 * `describe` verbs built on it (cli/info.c).
 *
 * Needs PB_TEST_PLUGIN_DIR (tests/testplugins built, plus
 * workload-notelf.so) and optionally PB_PLUGIN_DIR (the real plugins; the
 * cases using them are skipped while it holds none).  CTest sets both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/info.h"
#include "config/loader.h"
#include "config/params.h"
#include "util/errors.h"

static char tp_dir[PATH_MAX]; /* the test plugins                   */
static char tmp_root[64];     /* made by the group setup            */
static char dir_a[PATH_MAX];  /* symbolic links: other, wrongkind... */
static char dir_b[PATH_MAX];  /* a second workload-tp-sum.so         */
static char err[4096];

#define assert_contains(haystack, needle)                                      \
    do {                                                                       \
        const char *h_ = (haystack), *n_ = (needle);                           \
        if (!strstr(h_, n_))                                                   \
            fail_msg("expected \"%s\" in \"%s\"", n_, h_);                     \
    } while (0)

static void tp_path(char *buf, size_t len, const char *file) {
    snprintf(buf, len, "%s/%s", tp_dir, file);
}

static int link_into(const char *dir, const char *link, const char *target) {
    char from[PATH_MAX + 64], to[PATH_MAX + 64];
    snprintf(from, sizeof from, "%s/%s", dir, link);
    tp_path(to, sizeof to, target);
    return symlink(to, from);
}

static int group_setup(void **state) {
    (void)state;
    const char *d = getenv("PB_TEST_PLUGIN_DIR");
    if (!d || !*d) {
        fprintf(stderr, "PB_TEST_PLUGIN_DIR is not set\n");
        return -1;
    }
    if (!realpath(d, tp_dir)) {
        fprintf(stderr, "PB_TEST_PLUGIN_DIR %s: not found\n", d);
        return -1;
    }
    unsetenv("PARBENCH_PLUGIN_PATH");
    snprintf(tmp_root, sizeof tmp_root, "/tmp/pb-test-loader-XXXXXX");
    if (!mkdtemp(tmp_root))
        return -1;
    snprintf(dir_a, sizeof dir_a, "%s/a", tmp_root);
    snprintf(dir_b, sizeof dir_b, "%s/b", tmp_root);
    if (mkdir(dir_a, 0700) < 0 || mkdir(dir_b, 0700) < 0)
        return -1;
    /* Under the names their descriptors claim, the misnamed and wrong-kind
     * test plugins are valid: a workload "other" and an executor
     * "wrongkind". */
    if (link_into(dir_a, "workload-other.so", "workload-misnamed.so") < 0 ||
        link_into(dir_a, "executor-wrongkind.so", "workload-wrongkind.so") <
            0 ||
        link_into(dir_a, "workload-tp-sum.so", "workload-tp-sum.so") < 0 ||
        link_into(dir_a, "libjunk.so", "workload-tp-sum.so") < 0 ||
        link_into(dir_b, "workload-tp-sum.so", "workload-tp-sum.so") < 0)
        return -1;
    return 0;
}

static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *de;
    char path[PATH_MAX + 300];
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

static int group_teardown(void **state) {
    (void)state;
    if (dir_a[0])
        remove_dir(dir_a);
    if (dir_b[0])
        remove_dir(dir_b);
    if (tmp_root[0])
        rmdir(tmp_root);
    return 0;
}

/* Path of exactly `dirs` (no environment, no binary-relative entries). */
static void path_of(struct loader_path *sp, char **dirs, size_t n) {
    memset(sp, 0, sizeof *sp);
    sp->dirs = dirs;
    sp->count = n;
}

/* Opens test plugin FILE expecting failure; returns the code. */
static int open_tp(const char *file, enum pb_kind kind, const char *name) {
    char path[PATH_MAX + 64];
    struct loaded_plugin lp;
    tp_path(path, sizeof path, file);
    err[0] = '\0';
    int rc = loader_open(path, kind, name, &lp, err, sizeof err);
    if (rc == 0)
        loader_close(&lp);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* loader_open: each check                                                  */
/* ------------------------------------------------------------------------ */

static void test_open_valid(void **state) {
    (void)state;
    char path[PATH_MAX + 64];
    struct loaded_plugin lp;
    tp_path(path, sizeof path, "workload-tp-sum.so");
    assert_int_equal(
        loader_open(path, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    assert_non_null(lp.handle);
    assert_string_equal(lp.path, path);
    assert_string_equal(lp.desc->name, "tp-sum");
    assert_int_equal(lp.desc->kind, PB_KIND_WORKLOAD);
    loader_close(&lp);
    assert_null(lp.handle);
    assert_null(lp.path);
}

static void test_open_relative_path_made_absolute(void **state) {
    (void)state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(tp_dir), 0);
    struct loaded_plugin lp;
    int rc = loader_open("workload-tp-sum.so", PB_KIND_WORKLOAD, NULL, &lp, err,
                         sizeof err);
    assert_int_equal(chdir(cwd), 0);
    assert_int_equal(rc, 0);
    char want[PATH_MAX + 64];
    tp_path(want, sizeof want, "workload-tp-sum.so");
    assert_string_equal(lp.path, want);
    loader_close(&lp);
}

static void test_open_missing_file(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-absent.so", PB_KIND_WORKLOAD, NULL),
                     PB_ENOENT);
    assert_contains(err, "/workload-absent.so: no such plugin file; check "
                         "the plugin name and the plugin path");
}

static void test_open_not_elf(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-notelf.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-notelf.so: cannot be loaded as a shared "
                         "object (");
    /* dlerror's reason follows, without repeating the path. */
    assert_null(strstr(strstr(err, "notelf.so") + 1, "notelf.so"));
    assert_contains(err, "); a plugin must be built with -shared -fPIC");
}

static void test_open_no_symbol(void **state) {
    (void)state;
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "no entry point 'parbench_plugin' in %s/workload-nosymbol.so; a "
             "plugin must define it with PB_DEFINE_PLUGIN",
             tp_dir);
    assert_int_equal(open_tp("workload-nosymbol.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_string_equal(err, want);
}

static void test_open_bad_abi(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-badabi.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-badabi.so: ABI version 999, this "
                         "parbench expects 2; rebuild the plugin against "
                         "this parbench's <parbench/plugin.h>");
}

/* A plugin built against the ABI 1 header is refused before anything
 * else of it is read, with the way to rebuild it. */
static void test_open_abi1_says_how_to_rebuild(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-abi1.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-abi1.so: built for plugin ABI 1, this "
                         "parbench expects 2; rebuild the plugin against "
                         "this parbench's <parbench/plugin.h>");
    assert_contains(err, "pkg-config --cflags parbench");
    assert_contains(err, "migration note");
    assert_contains(err, "set .size in each operations table");
}

static void test_open_ops_without_size(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-nosize.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-nosize.so: workload 'nosize': its struct "
                         "pb_workload_ops has .size 0, the table of ABI 2 "
                         "has at least ");
    assert_contains(err, "set .size = sizeof(struct pb_workload_ops)");
}

static void test_open_reserved_param(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-reserved.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-reserved.so: workload 'reserved' has a "
                         "parameter named 'plugin', a key the core reads");
    assert_contains(err, "rename the parameter");
}

/* The operations the core calls are its own copy of the plugin's table. */
static void test_open_copies_ops(void **state) {
    (void)state;
    char path[PATH_MAX + 64];
    struct loaded_plugin lp;
    tp_path(path, sizeof path, "executor-tp-pool.so");
    assert_int_equal(
        loader_open(path, PB_KIND_EXECUTOR, "tp-pool", &lp, err, sizeof err),
        0);
    assert_ptr_equal(lp.executor.run, lp.desc->executor->run);
    assert_ptr_equal(lp.executor.create, lp.desc->executor->create);
    assert_ptr_not_equal(&lp.executor, lp.desc->executor);
    assert_int_equal(lp.executor.size, sizeof(struct pb_executor_ops));
    loader_close(&lp);
}

static void test_open_wrong_kind(void **state) {
    (void)state;
    assert_int_equal(
        open_tp("workload-wrongkind.so", PB_KIND_WORKLOAD, "wrongkind"),
        PB_EPLUGIN);
    assert_contains(err, "/workload-wrongkind.so: declares an executor "
                         "plugin, expected a workload");
    /* Kind 0 accepts either kind. */
    assert_int_equal(open_tp("workload-wrongkind.so", 0, NULL), 0);
}

static void test_open_misnamed(void **state) {
    (void)state;
    assert_int_equal(
        open_tp("workload-misnamed.so", PB_KIND_WORKLOAD, "misnamed"),
        PB_EPLUGIN);
    assert_contains(err, "/workload-misnamed.so: the descriptor names the "
                         "plugin 'other', expected 'misnamed'");
    assert_int_equal(open_tp("workload-misnamed.so", PB_KIND_WORKLOAD, NULL),
                     0);
}

static void test_open_missing_ops(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-noops.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-noops.so: workload 'noops' lacks the "
                         "required operation run_task; set it in its struct "
                         "pb_workload_ops");
}

static void test_open_bad_param_table(void **state) {
    (void)state;
    assert_int_equal(open_tp("workload-badparam.so", PB_KIND_WORKLOAD, NULL),
                     PB_EPLUGIN);
    assert_contains(err, "/workload-badparam.so: workload 'badparam' has a "
                         "bad parameter table: ");
    /* params_check_table's own sentence names the parameter. */
    assert_contains(err, "tasks");
}

/* ------------------------------------------------------------------------ */
/* Search path and loader_find                                              */
/* ------------------------------------------------------------------------ */

static void test_file_name(void **state) {
    (void)state;
    char buf[64];
    loader_file_name(PB_KIND_WORKLOAD, "prime-count", buf, sizeof buf);
    assert_string_equal(buf, "workload-prime-count.so");
    loader_file_name(PB_KIND_EXECUTOR, "pthread", buf, sizeof buf);
    assert_string_equal(buf, "executor-pthread.so");
}

static void test_path_order(void **state) {
    (void)state;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    char own[PATH_MAX + 32], installed[PATH_MAX + 32];
    snprintf(own, sizeof own, "%s/plugins", exe);
    char *up = strrchr(exe, '/');
    snprintf(installed, sizeof installed, "%.*s/lib/parbench/plugins",
             (int)(up - exe), exe);

    setenv("PARBENCH_PLUGIN_PATH", "/e1::/e2:/c1", 1);
    struct loader_path sp;
    int rc = loader_path_init(&sp, "/c1:/c2:", NULL, NULL);
    unsetenv("PARBENCH_PLUGIN_PATH");
    assert_int_equal(rc, 0);
    /* config first, then the environment, then next to the binary; empty
     * components and repeats dropped. */
    const char *want[] = {"/c1", "/c2", "/e1", "/e2", own, installed};
    assert_int_equal(sp.count, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sp.count; i++)
        assert_string_equal(sp.dirs[i], want[i]);
    loader_path_free(&sp);
    assert_int_equal(sp.count, 0);

    assert_int_equal(loader_path_init(&sp, NULL, NULL, NULL), 0);
    assert_int_equal(sp.count, 2);
    assert_string_equal(sp.dirs[0], own);
    loader_path_free(&sp);
}

static void test_find_config_before_environment(void **state) {
    (void)state;
    struct loader_path sp;
    struct loaded_plugin lp;
    char want[PATH_MAX + 64];

    /* dir_a from the config shadows the test dir from the environment. */
    setenv("PARBENCH_PLUGIN_PATH", tp_dir, 1);
    assert_int_equal(loader_path_init(&sp, dir_a, NULL, NULL), 0);
    unsetenv("PARBENCH_PLUGIN_PATH");
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    snprintf(want, sizeof want, "%s/workload-tp-sum.so", dir_a);
    assert_string_equal(lp.path, want);
    loader_close(&lp);
    loader_path_free(&sp);

    /* With only the environment, the test dir's copy is used. */
    setenv("PARBENCH_PLUGIN_PATH", tp_dir, 1);
    assert_int_equal(loader_path_init(&sp, NULL, NULL, NULL), 0);
    unsetenv("PARBENCH_PLUGIN_PATH");
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    tp_path(want, sizeof want, "workload-tp-sum.so");
    assert_string_equal(lp.path, want);
    loader_close(&lp);
    loader_path_free(&sp);
}

static void test_find_not_found_suggests(void **state) {
    (void)state;
    char *dirs[] = {dir_b, tp_dir};
    struct loader_path sp;
    struct loaded_plugin lp;
    char want[2 * PATH_MAX + 128];
    path_of(&sp, dirs, 2);
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "tp-sun", &lp, err, sizeof err),
        PB_ENOENT);
    assert_null(lp.handle);
    snprintf(want, sizeof want,
             "no workload plugin 'tp-sun'; did you mean 'tp-sum'? (looked "
             "for workload-tp-sun.so in %s, %s; ",
             dir_b, tp_dir);
    assert_contains(err, want);
    assert_contains(err, "`parbench list` shows the plugins found");

    /* Only plugins of the kind asked for are suggested. */
    assert_int_equal(
        loader_find(&sp, PB_KIND_EXECUTOR, "tp-sum", &lp, err, sizeof err),
        PB_ENOENT);
    assert_contains(err, "no executor plugin 'tp-sum' (looked for "
                         "executor-tp-sum.so in ");
    assert_contains(err, "[run] plugin_path or PARBENCH_PLUGIN_PATH adds "
                         "directories)");
    assert_null(strstr(err, "did you mean"));

    /* A name that could escape the directory is never opened. */
    assert_int_equal(loader_find(&sp, PB_KIND_WORKLOAD, "../a/workload-other",
                                 &lp, err, sizeof err),
                     PB_ENOENT);
    assert_contains(err, "no workload plugin '../a/workload-other'");
}

static void test_find_broken_reports_error(void **state) {
    (void)state;
    char *dirs[] = {dir_b, tp_dir};
    struct loader_path sp;
    struct loaded_plugin lp;
    path_of(&sp, dirs, 2);
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "badabi", &lp, err, sizeof err),
        PB_EPLUGIN);
    assert_contains(err, "workload-badabi.so: ABI version 999");
}

/* A link that loops or leads nowhere is the plugin of its name, reported
 * as what it is: never "not found; did you mean <the same name>?". */
static void test_find_bad_link(void **state) {
    (void)state;
    char dir[PATH_MAX], a[PATH_MAX + 32], b[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/links", tmp_root);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(a, sizeof a, "%s/workload-loop.so", dir);
    snprintf(b, sizeof b, "%s/loop", dir);
    assert_int_equal(symlink("loop", a), 0);
    assert_int_equal(symlink("workload-loop.so", b), 0);
    snprintf(b, sizeof b, "%s/workload-gone.so", dir);
    assert_int_equal(symlink("nowhere.so", b), 0);
    char *dirs[] = {dir, tp_dir};
    struct loader_path sp;
    struct loaded_plugin lp;
    path_of(&sp, dirs, 2);
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "loop", &lp, err, sizeof err),
        PB_EPLUGIN);
    assert_contains(err, "workload-loop.so: a symbolic link that leads to no "
                         "file (Too many levels of symbolic links)");
    assert_null(strstr(err, "did you mean"));
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "gone", &lp, err, sizeof err),
        PB_EPLUGIN);
    assert_contains(err, "workload-gone.so: a symbolic link that leads to no "
                         "file (No such file or directory); fix or remove "
                         "the link");
}

/* A plugin others could change is refused: trust is the file's and its
 * directory's (docs/design.md, "Trust"). */
static void test_open_writable_by_others(void **state) {
    (void)state;
    char dir[PATH_MAX], file[PATH_MAX + 32], src[PATH_MAX + 32];
    snprintf(dir, sizeof dir, "%s/open", tmp_root);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(file, sizeof file, "%s/workload-tp-sum.so", dir);
    tp_path(src, sizeof src, "workload-tp-sum.so");
    FILE *in = fopen(src, "rb"), *out = fopen(file, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    fclose(out);
    struct loaded_plugin lp;
    assert_int_equal(chmod(file, 0644), 0);
    assert_int_equal(
        loader_open(file, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    loader_close(&lp);
    assert_int_equal(chmod(file, 0666), 0);
    assert_int_equal(
        loader_open(file, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err),
        PB_EPLUGIN);
    assert_contains(err, "every user can write this plugin file (mode 0666)");
    assert_int_equal(chmod(file, 0644), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(
        loader_open(file, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err),
        PB_EPLUGIN);
    assert_contains(err, "can be written by every user (mode 0777)");
    /* With the sticky bit (as /tmp) others cannot replace the file. */
    assert_int_equal(chmod(dir, 01777), 0);
    assert_int_equal(
        loader_open(file, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    loader_close(&lp);
    assert_int_equal(chmod(dir, 0755), 0);
}

static void test_find_real_plugins(void **state) {
    (void)state;
    const char *dir = getenv("PB_PLUGIN_DIR");
    DIR *d = dir ? opendir(dir) : NULL;
    if (!d)
        skip();
    char *dirs[] = {(char *)dir};
    struct loader_path sp;
    path_of(&sp, dirs, 1);
    struct dirent *de;
    size_t checked = 0;
    while ((de = readdir(d))) {
        enum pb_kind kind;
        size_t len = strlen(de->d_name);
        if (len < 4 || strcmp(de->d_name + len - 3, ".so") != 0)
            continue;
        if (strncmp(de->d_name, "workload-", 9) == 0)
            kind = PB_KIND_WORKLOAD;
        else if (strncmp(de->d_name, "executor-", 9) == 0)
            kind = PB_KIND_EXECUTOR;
        else
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(len - 12), de->d_name + 9);
        struct loaded_plugin lp;
        int rc = loader_find(&sp, kind, name, &lp, err, sizeof err);
        if (rc != 0)
            fail_msg("%s: %s", de->d_name, err);
        assert_string_equal(lp.desc->name, name);
        assert_int_equal(lp.desc->kind, kind);
        loader_close(&lp);
        checked++;
    }
    closedir(d);
    if (checked == 0)
        skip();
}

/* ------------------------------------------------------------------------ */
/* loader_scan                                                              */
/* ------------------------------------------------------------------------ */

static char warnings[16384];

static void collect_warning(const char *msg) {
    size_t used = strlen(warnings);
    snprintf(warnings + used, sizeof warnings - used, "%s\n", msg);
}

static const struct loaded_plugin *find_in(const struct loaded_plugin *lps,
                                           size_t n, enum pb_kind kind,
                                           const char *name) {
    for (size_t i = 0; i < n; i++)
        if (lps[i].desc->kind == kind && strcmp(lps[i].desc->name, name) == 0)
            return &lps[i];
    return NULL;
}

static void assert_sorted(const struct loaded_plugin *lps, size_t n) {
    for (size_t i = 1; i < n; i++) {
        const struct pb_plugin *x = lps[i - 1].desc, *y = lps[i].desc;
        assert_true(x->kind < y->kind ||
                    (x->kind == y->kind && strcmp(x->name, y->name) < 0));
    }
}

static void test_scan_warns_and_skips(void **state) {
    (void)state;
    char *dirs[] = {tp_dir};
    struct loader_path sp;
    struct loaded_plugin *lps;
    size_t n;
    path_of(&sp, dirs, 1);
    warnings[0] = '\0';
    sp.warn = collect_warning;
    size_t nbroken = 0;
    assert_int_equal(loader_scan(&sp, &lps, &n, &nbroken), 0);

    assert_non_null(find_in(lps, n, PB_KIND_WORKLOAD, "tp-sum"));
    /* Every file that failed to load is counted, and only those: one
     * "(skipped)" warning each (misnamed and shadowed files are not). */
    size_t skipped = 0;
    for (const char *w = warnings; (w = strstr(w, "(skipped)")) != NULL; w++)
        skipped++;
    assert_true(nbroken >= 10); /* the ten files named below at least */
    assert_int_equal(nbroken, skipped);
    const char *broken[] = {"badabi",   "wrongkind", "noops",
                            "badparam", "other",     "misnamed",
                            "abi1",     "nosize",    "reserved"};
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        assert_null(find_in(lps, n, PB_KIND_WORKLOAD, broken[i]));
        assert_null(find_in(lps, n, PB_KIND_EXECUTOR, broken[i]));
    }
    assert_sorted(lps, n);

    assert_contains(warnings, "/workload-badabi.so: ABI version 999");
    assert_contains(warnings, "/workload-notelf.so: cannot be loaded as a "
                              "shared object");
    assert_contains(warnings, "no entry point 'parbench_plugin' in ");
    assert_contains(warnings, "/workload-nosymbol.so;");
    assert_contains(warnings, "/workload-wrongkind.so: declares an executor "
                              "plugin, expected a workload");
    assert_contains(warnings, "/workload-misnamed.so: the descriptor names "
                              "the plugin 'other', expected 'misnamed'");
    assert_contains(warnings, "lacks the required operation run_task");
    assert_contains(warnings, "'badparam' has a bad parameter table");
    assert_contains(warnings, "/workload-abi1.so: built for plugin ABI 1");
    assert_contains(warnings, "/workload-nosize.so: workload 'nosize': its "
                              "struct pb_workload_ops has .size 0");
    assert_contains(warnings, "has a parameter named 'plugin'");
    assert_contains(warnings, "(skipped)");
    assert_null(strstr(warnings, "workload-tp-sum.so"));

    for (size_t i = 0; i < n; i++)
        loader_close(&lps[i]);
    free(lps);

    /* No callback: the same result, silently. */
    sp.warn = NULL;
    assert_int_equal(loader_scan(&sp, &lps, &n, NULL), 0);
    assert_non_null(find_in(lps, n, PB_KIND_WORKLOAD, "tp-sum"));
    for (size_t i = 0; i < n; i++)
        loader_close(&lps[i]);
    free(lps);
}

static void test_scan_first_wins_sorted(void **state) {
    (void)state;
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof missing, "%s/none", tmp_root);
    char *dirs[] = {missing, dir_b, dir_a};
    struct loader_path sp;
    struct loaded_plugin *lps;
    size_t n;
    path_of(&sp, dirs, 3);
    warnings[0] = '\0';
    sp.warn = collect_warning;
    assert_int_equal(loader_scan(&sp, &lps, &n, NULL), 0);
    assert_int_equal(n, 3);
    /* workloads first, then executors; names ascending within a kind. */
    assert_int_equal(lps[0].desc->kind, PB_KIND_WORKLOAD);
    assert_string_equal(lps[0].desc->name, "other");
    assert_string_equal(lps[1].desc->name, "tp-sum");
    assert_int_equal(lps[2].desc->kind, PB_KIND_EXECUTOR);
    assert_string_equal(lps[2].desc->name, "wrongkind");
    /* dir_b comes before dir_a: its tp-sum wins. */
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s/workload-tp-sum.so", dir_b);
    assert_string_equal(lps[1].path, want);
    /* A missing directory is not worth a warning; a stray file is. */
    assert_null(strstr(warnings, missing));
    assert_contains(warnings, "/libjunk.so: not a plugin file name (expected "
                              "workload-NAME.so or executor-NAME.so)");
    for (size_t i = 0; i < n; i++)
        loader_close(&lps[i]);
    free(lps);
}

/* ------------------------------------------------------------------------ */
/* parbench list / describe                                                 */
/* ------------------------------------------------------------------------ */

struct capture {
    char *buf;
    size_t len;
    FILE *f;
};

static void capture_open(struct capture *c) {
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
}

static void capture_close(struct capture *c) {
    fclose(c->f);
    c->f = NULL;
}

/* Column where `word` starts in the line of `text` that starts with
 * `line_start`. */
static long column_of(const char *text, const char *line_start,
                      const char *word) {
    const char *line = text;
    while (line && strncmp(line, line_start, strlen(line_start)) != 0) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    if (!line)
        return -1;
    const char *end = strchr(line, '\n');
    const char *w = strstr(line, word);
    if (!w || (end && w > end))
        return -1;
    return w - line;
}

/* The line of `text` starting with `line_start` holds each further
 * NULL-terminated argument, in order, separated by blanks only. */
static void assert_row(const char *text, const char *line_start, ...) {
    const char *line = text;
    size_t ls = strlen(line_start);
    while (line && strncmp(line, line_start, ls) != 0) {
        line = strchr(line, '\n');
        if (line)
            line++;
    }
    if (!line)
        fail_msg("no line starting \"%s\" in \"%s\"", line_start, text);
    const char *p = line + ls;
    va_list ap;
    va_start(ap, line_start);
    for (const char *tok; (tok = va_arg(ap, const char *));) {
        while (*p == ' ')
            p++;
        if (strncmp(p, tok, strlen(tok)) != 0) {
            va_end(ap);
            fail_msg("expected \"%s\" at \"%.60s\"", tok, p);
        }
        p += strlen(tok);
    }
    va_end(ap);
}

static void test_cli_list(void **state) {
    (void)state;
    char *dirs[] = {dir_a};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    size_t nbroken = 1;
    assert_int_equal(cli_list(&sp, out.f, errs.f, &nbroken), 0);
    assert_int_equal(nbroken, 0);
    capture_close(&out);
    capture_close(&errs);

    assert_contains(out.buf, "KIND      NAME       SUMMARY");
    assert_contains(out.buf, "workload  other      test plugin: named other");
    assert_contains(out.buf, "executor  wrongkind  test plugin: an executor");
    char file[PATH_MAX + 64];
    snprintf(file, sizeof file, "%s/workload-tp-sum.so\n", dir_a);
    assert_contains(out.buf, file);
    long col = column_of(out.buf, "KIND", "FILE");
    assert_true(col > 0);
    assert_int_equal(column_of(out.buf, "workload  tp-sum", "/"), col);
    assert_int_equal(column_of(out.buf, "executor", "/"), col);
    /* Order: workloads sorted by name, then executors. */
    assert_true(strstr(out.buf, "other") < strstr(out.buf, "tp-sum"));
    assert_true(strstr(out.buf, "tp-sum") < strstr(out.buf, "wrongkind"));
    assert_contains(errs.buf, "parbench list: warning: ");
    assert_contains(errs.buf, "libjunk.so: not a plugin file name");
    free(out.buf);
    free(errs.buf);
}

/* `parbench list` says why mpi is missing when Open MPI was not found at
 * build time, and says nothing when it was (or when mpi is listed). */
static void test_cli_note_mpi(void **state) {
    (void)state;
    struct capture errs;
    capture_open(&errs);
    cli_note_mpi(errs.f, 1, 0);
    cli_note_mpi(errs.f, 0, 1);
    cli_note_mpi(errs.f, 1, 1);
    capture_close(&errs);
    assert_string_equal(errs.buf, "");
    free(errs.buf);
    capture_open(&errs);
    cli_note_mpi(errs.f, 0, 0);
    capture_close(&errs);
    assert_string_equal(errs.buf,
                        "parbench list: executor mpi is not built: Open MPI "
                        "was not found when parbench was built; install "
                        "openmpi-bin and libopenmpi-dev (`make deps`) and "
                        "rebuild\n");
    free(errs.buf);
}

static void test_cli_list_empty(void **state) {
    (void)state;
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof missing, "%s/none", tmp_root);
    char *dirs[] = {missing};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    size_t nbroken = 1;
    assert_int_equal(cli_list(&sp, out.f, errs.f, &nbroken), 0);
    assert_int_equal(nbroken, 0);
    capture_close(&out);
    capture_close(&errs);
    assert_contains(errs.buf, "parbench list: no plugins found in ");
    assert_contains(errs.buf, missing);
    free(out.buf);
    free(errs.buf);
}

static void test_cli_describe_workload(void **state) {
    (void)state;
    char *dirs[] = {dir_a};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    assert_int_equal(cli_describe(&sp, "other", out.f, errs.f), 0);
    capture_close(&out);
    capture_close(&errs);

    assert_contains(out.buf, "other (workload): test plugin: named other\n");
    char file[PATH_MAX + 64];
    snprintf(file, sizeof file, "file: %s/workload-other.so\n", dir_a);
    assert_contains(out.buf, file);
    assert_row(out.buf, "  NAME ", "TYPE", "DEFAULT", "RANGE", "HELP\n", NULL);
    assert_row(out.buf, "  target ", param_type_name(PB_PARAM_STRING),
               "required", "-", "a required parameter\n", NULL);
    assert_row(out.buf, "  block ", param_type_name(PB_PARAM_SIZE), "64KiB",
               "[1KiB, 1GiB]", "a size with bounds\n", NULL);
    assert_row(out.buf, "  repeat ", param_type_name(PB_PARAM_UINT), "1",
               ">= 1", "a lower bound only\n", NULL);
    /* The common key of every workload. */
    assert_row(out.buf, "  plugin ", param_type_name(PB_PARAM_STRING),
               "section name", "-", "plugin an instance runs", NULL);
    long col = column_of(out.buf, "  NAME", "HELP");
    assert_true(col > 0);
    assert_int_equal(column_of(out.buf, "  block", "a size"), col);
    assert_int_equal(column_of(out.buf, "  plugin", "plugin an"), col);
    assert_null(strstr(out.buf, "schedule"));
    assert_string_equal(errs.buf, "");
    free(out.buf);
    free(errs.buf);
}

static void test_cli_describe_choices_and_executor(void **state) {
    (void)state;
    char *dirs[] = {dir_a};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    assert_int_equal(cli_describe(&sp, "tp-sum", out.f, errs.f), 0);
    assert_int_equal(cli_describe(&sp, "wrongkind", out.f, errs.f), 0);
    capture_close(&out);
    capture_close(&errs);
    assert_row(out.buf, "  mode ", param_type_name(PB_PARAM_ENUM), "plain",
               "plain | fancy", "unused;", NULL);
    assert_row(out.buf, "  tasks ", param_type_name(PB_PARAM_UINT), "8",
               "[1, 1000]", "how many tasks", NULL);
    assert_contains(out.buf, "wrongkind (executor): test plugin: an "
                             "executor in a workload's file\n");
    /* The common key of every executor, and no workload key. */
    assert_row(out.buf, "  schedule ", param_type_name(PB_PARAM_ENUM),
               "[run] schedule", "static | dynamic", "static: task i", NULL);
    assert_null(strstr(strstr(out.buf, "wrongkind (executor)"), "  plugin "));
    free(out.buf);
    free(errs.buf);
}

static void test_cli_describe_unknown(void **state) {
    (void)state;
    char *dirs[] = {dir_a};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    assert_int_equal(cli_describe(&sp, "wrongkin", out.f, errs.f), PB_ENOENT);
    assert_int_equal(cli_describe(&sp, "zzzzzzzz", out.f, errs.f), PB_ENOENT);
    capture_close(&out);
    capture_close(&errs);
    assert_string_equal(out.buf, "");
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "parbench describe: no workload or executor plugin named "
             "'wrongkin' in %s; did you mean 'wrongkind'?\n",
             dir_a);
    assert_contains(errs.buf, want);
    assert_contains(errs.buf, "'zzzzzzzz' in ");
    assert_null(strstr(strstr(errs.buf, "zzzzzzzz"), "did you mean"));
    free(out.buf);
    free(errs.buf);
}

static void test_cli_describe_broken(void **state) {
    (void)state;
    char *dirs[] = {tp_dir};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    assert_int_equal(cli_describe(&sp, "noops", out.f, errs.f), PB_EPLUGIN);
    capture_close(&out);
    capture_close(&errs);
    assert_contains(errs.buf, "parbench describe: ");
    assert_contains(errs.buf, "lacks the required operation run_task");
    free(out.buf);
    free(errs.buf);
}

/* ------------------------------------------------------------------------ */
/* Provenance: relative plugin_path, missing directories, shadowing         */
/* ------------------------------------------------------------------------ */

static void test_path_relative_to_config_dir(void **state) {
    (void)state;
    struct loader_path sp;
    warnings[0] = '\0';
    /* "a" is tmp_root/a (the config's directory), not ./a; "/nope" is
     * absolute and missing: a warning naming where it came from. */
    assert_int_equal(loader_path_init(&sp, "a:/nonexistent-pb-dir", tmp_root,
                                      collect_warning),
                     0);
    assert_string_equal(sp.dirs[0], dir_a);
    assert_string_equal(sp.dirs[1], "/nonexistent-pb-dir");
    assert_int_equal(sp.nuser, 2);
    assert_string_equal(warnings,
                        "plugin directory /nonexistent-pb-dir (from [run] "
                        "plugin_path) does not exist; fix or remove the "
                        "entry\n");
    loader_path_free(&sp);

    warnings[0] = '\0';
    setenv("PARBENCH_PLUGIN_PATH", "/nonexistent-pb-env", 1);
    assert_int_equal(loader_path_init(&sp, NULL, NULL, collect_warning), 0);
    unsetenv("PARBENCH_PLUGIN_PATH");
    assert_contains(warnings, "plugin directory /nonexistent-pb-env (from "
                              "PARBENCH_PLUGIN_PATH) does not exist");
    /* The defaults beside the program are never warned about. */
    assert_null(strstr(warnings, "/plugins"));
    loader_path_free(&sp);
}

static void test_find_warns_shadowed(void **state) {
    (void)state;
    char *dirs[] = {dir_b, dir_a};
    struct loader_path sp;
    struct loaded_plugin lp;
    char want[3 * PATH_MAX];
    path_of(&sp, dirs, 2);
    sp.warn = collect_warning;
    warnings[0] = '\0';
    assert_int_equal(
        loader_find(&sp, PB_KIND_WORKLOAD, "tp-sum", &lp, err, sizeof err), 0);
    loader_close(&lp);
    snprintf(want, sizeof want,
             "%s/workload-tp-sum.so is shadowed by %s/workload-tp-sum.so, "
             "which comes first on the plugin path and is the one used\n",
             dir_a, dir_b);
    assert_string_equal(warnings, want);
}

/* A broken file takes its name in `list` as in `run`: the good file of
 * the same name later on the path is not listed instead. */
static void test_scan_broken_hides_later(void **state) {
    (void)state;
    char dir_c[PATH_MAX + 16];
    snprintf(dir_c, sizeof dir_c, "%s/c", tmp_root);
    assert_int_equal(mkdir(dir_c, 0700), 0);
    assert_int_equal(
        link_into(dir_c, "workload-tp-sum.so", "workload-noops.so"), 0);
    char *dirs[] = {dir_c, dir_b};
    struct loader_path sp;
    struct loaded_plugin *lps;
    size_t n;
    path_of(&sp, dirs, 2);
    sp.warn = collect_warning;
    warnings[0] = '\0';
    assert_int_equal(loader_scan(&sp, &lps, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(lps);
    assert_contains(warnings, "/c/workload-tp-sum.so: the descriptor names "
                              "the plugin 'noops', expected 'tp-sum'");
    assert_contains(warnings, "(skipped)");
    char want[3 * PATH_MAX];
    snprintf(want, sizeof want,
             "%s/workload-tp-sum.so is shadowed by %s/workload-tp-sum.so",
             dir_b, dir_c);
    assert_contains(warnings, want);
    remove_dir(dir_c);
}

static void test_cli_describe_names_misnamed(void **state) {
    (void)state;
    char *dirs[] = {dir_a};
    struct loader_path sp;
    struct capture out, errs;
    path_of(&sp, dirs, 1);
    capture_open(&out);
    capture_open(&errs);
    assert_int_equal(cli_describe(&sp, "junk", out.f, errs.f), PB_ENOENT);
    capture_close(&out);
    capture_close(&errs);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want,
             "; skipped, not named workload-junk.so or executor-junk.so: "
             "%s/libjunk.so (rename the file)\n",
             dir_a);
    assert_contains(errs.buf, want);
    free(out.buf);
    free(errs.buf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_valid),
        cmocka_unit_test(test_open_relative_path_made_absolute),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_open_not_elf),
        cmocka_unit_test(test_open_no_symbol),
        cmocka_unit_test(test_open_bad_abi),
        cmocka_unit_test(test_open_abi1_says_how_to_rebuild),
        cmocka_unit_test(test_open_ops_without_size),
        cmocka_unit_test(test_open_reserved_param),
        cmocka_unit_test(test_open_copies_ops),
        cmocka_unit_test(test_open_wrong_kind),
        cmocka_unit_test(test_open_misnamed),
        cmocka_unit_test(test_open_missing_ops),
        cmocka_unit_test(test_open_bad_param_table),
        cmocka_unit_test(test_file_name),
        cmocka_unit_test(test_path_order),
        cmocka_unit_test(test_find_config_before_environment),
        cmocka_unit_test(test_find_not_found_suggests),
        cmocka_unit_test(test_find_broken_reports_error),
        cmocka_unit_test(test_find_bad_link),
        cmocka_unit_test(test_open_writable_by_others),
        cmocka_unit_test(test_find_real_plugins),
        cmocka_unit_test(test_scan_warns_and_skips),
        cmocka_unit_test(test_scan_first_wins_sorted),
        cmocka_unit_test(test_cli_list),
        cmocka_unit_test(test_cli_list_empty),
        cmocka_unit_test(test_cli_note_mpi),
        cmocka_unit_test(test_cli_describe_workload),
        cmocka_unit_test(test_cli_describe_choices_and_executor),
        cmocka_unit_test(test_cli_describe_unknown),
        cmocka_unit_test(test_cli_describe_broken),
        cmocka_unit_test(test_path_relative_to_config_dir),
        cmocka_unit_test(test_find_warns_shadowed),
        cmocka_unit_test(test_scan_broken_hides_later),
        cmocka_unit_test(test_cli_describe_names_misnamed),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
