/* SPDX-License-Identifier: MIT */
/*
 * test_cpus.c - CPU lists, the topology read from a fake /sys tree, and
 * `affinity`: which CPU each worker gets under compact, spread and a list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/cpus.h"

static char root[64];

/* Writes ROOT/REL, making its directories. */
static void put(const char *rel, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s%s", root, rel);
    for (char *p = path + strlen(root) + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Two packages of two cores of two SMT threads, numbered as Linux does
 * on x86: cpu i and i+4 are siblings; cpus 0,1,4,5 in package 0. */
static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/pb_test_cpus_XXXXXX");
    if (!mkdtemp(root))
        return -1;
    for (unsigned i = 0; i < 8; i++) {
        char rel[128], v[32];
        unsigned first = i % 4;
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/physical_package_id",
                 i);
        snprintf(v, sizeof v, "%u\n", first / 2);
        put(rel, v);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/core_id", i);
        snprintf(v, sizeof v, "%u\n", first % 2);
        put(rel, v);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/topology/thread_siblings_list",
                 i);
        snprintf(v, sizeof v, "%u,%u\n", first, first + 4);
        put(rel, v);
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index0/level", i);
        put(rel, "1\n");
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index0/type", i);
        put(rel, "Data\n");
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index0/size", i);
        put(rel, "32K\n");
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%u/cache/index0/shared_cpu_list",
                 i);
        put(rel, v);
    }
    put("/sys/devices/system/cpu/online", "0-6\n");
    put("/sys/devices/system/node/node0/cpulist", "0-1,4-5\n");
    put("/sys/devices/system/node/node1/cpulist", "2-3,6-7\n");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_list(void **state) {
    (void)state;
    unsigned char set[CPUS_MAX];
    char err[256], text[64];
    assert_int_equal(cpus_parse_list("0-3,6", set, err, sizeof err), 5);
    cpus_format_list(set, CPUS_MAX, text, sizeof text);
    assert_string_equal(text, "0-3,6");
    /* A set: order and repeats do not matter. */
    assert_int_equal(cpus_parse_list("6,2,0-3,2", set, err, sizeof err), 5);
    cpus_format_list(set, CPUS_MAX, text, sizeof text);
    assert_string_equal(text, "0-3,6");
    assert_int_equal(cpus_parse_list("3-1", set, err, sizeof err), -1);
    assert_non_null(strstr(err, "runs backwards; write it 1-3"));
    assert_int_equal(cpus_parse_list("0,,1", set, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a CPU number"));
    assert_int_equal(cpus_parse_list("0-", set, err, sizeof err), -1);
    assert_int_equal(cpus_parse_list("1x", set, err, sizeof err), -1);
    assert_non_null(strstr(err, "unexpected 'x'"));
    assert_int_equal(cpus_parse_list("", set, err, sizeof err), -1);
    assert_int_equal(cpus_parse_list("99999", set, err, sizeof err), -1);
    assert_non_null(strstr(err, "go up to 1023"));
}

static void test_topology(void **state) {
    (void)state;
    struct cpus_topology *t = malloc(sizeof *t);
    assert_non_null(t);
    cpus_read_topology(root, t);
    assert_int_equal(t->ncpu, 8);
    assert_int_equal(t->ncores, 4);
    assert_int_equal(t->npackages, 2);
    assert_int_equal(t->online[6], 1);
    assert_int_equal(t->online[7], 0);
    assert_int_equal(t->smt_rank[4], 1);
    assert_int_equal(t->smt_rank[0], 0);
    /* One L1 per core, not one per CPU. */
    assert_int_equal(t->ncaches, 4);
    assert_int_equal(t->cache[0].size_kib, 32);
    assert_string_equal(t->cache[0].shared_cpu_list, "0,4");
    assert_int_equal(t->nnodes, 2);
    assert_string_equal(t->node[1].cpulist, "2-3,6-7");
    char sib[32];
    cpus_siblings(t, 5, sib, sizeof sib);
    assert_string_equal(sib, "1,5");
    free(t);
}

/* The policy's CPUs in worker order, as text. */
static int order(const char *policy, const unsigned char *allowed, char *out,
                 size_t len, char *err, size_t errlen) {
    struct cpus_topology *t = malloc(sizeof *t);
    struct affinity *a = malloc(sizeof *a);
    assert_non_null(t);
    assert_non_null(a);
    cpus_read_topology(root, t);
    int rc = affinity_parse(policy, t, allowed, a, err, errlen);
    size_t used = 0;
    out[0] = '\0';
    for (unsigned i = 0; rc == 0 && i < a->ncpus; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%u", i ? " " : "",
                                 a->cpu[i]);
    if (rc == 0)
        assert_string_equal(a->text,
                            strcmp(policy, "5,1-2") == 0 ? "1-2,5" : policy);
    free(t);
    free(a);
    return rc;
}

static void test_affinity(void **state) {
    (void)state;
    char o[128], err[512];
    /* cpu7 is offline. */
    assert_int_equal(order("compact", NULL, o, sizeof o, err, sizeof err), 0);
    assert_string_equal(o, "0 4 1 5 2 6 3");
    assert_int_equal(order("spread", NULL, o, sizeof o, err, sizeof err), 0);
    assert_string_equal(o, "0 2 1 3 4 6 5");
    assert_int_equal(order("5,1-2", NULL, o, sizeof o, err, sizeof err), 0);
    assert_string_equal(o, "1 2 5");
    assert_int_equal(order("none", NULL, o, sizeof o, err, sizeof err), 0);
    assert_string_equal(o, "");
    /* Only the CPUs this process may use. */
    unsigned char allowed[CPUS_MAX] = {0};
    allowed[2] = allowed[3] = allowed[6] = 1;
    assert_int_equal(order("compact", allowed, o, sizeof o, err, sizeof err),
                     0);
    assert_string_equal(o, "2 6 3");
    assert_int_equal(order("6-7", NULL, o, sizeof o, err, sizeof err), -1);
    assert_non_null(strstr(err, "CPU 7 of '6-7' is not online"));
    assert_non_null(strstr(err, "may use are 0-6"));
    assert_int_equal(order("1", allowed, o, sizeof o, err, sizeof err), -1);
    assert_non_null(strstr(err, "may use are 2-3,6"));
    assert_int_equal(order("0-3", allowed, o, sizeof o, err, sizeof err), -1);
    assert_non_null(strstr(err, "CPUs 0-1 of '0-3' are not online"));
    assert_int_equal(order("tight", NULL, o, sizeof o, err, sizeof err), -1);
    assert_non_null(strstr(err, "not none, compact, spread or a CPU list"));
    assert_int_equal(order("1-", NULL, o, sizeof o, err, sizeof err), -1);
    assert_non_null(strstr(err, "affinity: '1-' is not a CPU list"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list),
        cmocka_unit_test(test_topology),
        cmocka_unit_test(test_affinity),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
