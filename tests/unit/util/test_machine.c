/* SPDX-License-Identifier: MIT */
/*
 * test_machine.c - the machine's state read from a fake /proc and /sys
 * tree, the busiest processes from two fake snapshots, and the warnings:
 * one per problem.
 */
#include <math.h>
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

#include "util/machine.h"

/* Writes ROOT/REL, making its directories. */
static void put(const char *root, const char *rel, const char *text) {
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

static char root[64], root2[64];

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/pb_test_machine_XXXXXX");
    snprintf(root2, sizeof root2, "/tmp/pb_test_machine2_XXXXXX");
    if (!mkdtemp(root) || !mkdtemp(root2))
        return -1;
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, root2);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_read_and_warn(void **state) {
    (void)state;
    for (int i = 0; i < 4; i++) {
        char rel[128];
        snprintf(rel, sizeof rel,
                 "/sys/devices/system/cpu/cpu%d/cpufreq/scaling_governor", i);
        put(root, rel, i == 2 ? "performance\n" : "powersave\n");
    }
    put(root, "/sys/devices/system/cpu/intel_pstate/no_turbo", "0\n");
    put(root, "/sys/devices/system/cpu/smt/active", "1\n");
    put(root, "/proc/cpuinfo",
        "processor\t: 0\nflags\t\t: fpu vme hypervisor sse\n");
    put(root, "/proc/sys/kernel/perf_event_paranoid", "2\n");
    put(root, "/proc/sys/kernel/randomize_va_space", "2\n");
    struct machine *m = calloc(1, sizeof *m);
    assert_non_null(m);
    machine_read(root, m);
    assert_int_equal(m->ncpu, 4);
    assert_string_equal(m->governor[0], "powersave");
    assert_string_equal(m->governor[2], "performance");
    assert_int_equal(m->turbo, 1);
    assert_int_equal(m->smt, 1);
    assert_int_equal(m->vm, 1);
    assert_int_equal(m->perf_event_paranoid, 2);
    assert_int_equal(m->aslr, 2);

    char w[8][MACHINE_WARN_LEN];
    size_t n = machine_warnings(m, w, 8);
    /* One warning per problem: one governor line for cpu0-1,3, turbo, the
     * virtual machine. */
    assert_int_equal(n, 3);
    assert_non_null(strstr(w[0], "governor 'powersave' on cpu0-1,3: "
                                 "frequencies will drift"));
    assert_non_null(strstr(w[1], "turbo boost is on"));
    assert_non_null(strstr(w[2], "virtual machine"));

    /* A quiet physical machine with steady clocks: nothing to say. */
    put(root, "/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor",
        "performance\n");
    put(root, "/sys/devices/system/cpu/cpu1/cpufreq/scaling_governor",
        "performance\n");
    put(root, "/sys/devices/system/cpu/cpu3/cpufreq/scaling_governor",
        "performance\n");
    put(root, "/sys/devices/system/cpu/intel_pstate/no_turbo", "1\n");
    put(root, "/proc/cpuinfo", "processor\t: 0\nflags\t\t: fpu sse\n");
    machine_read(root, m);
    assert_int_equal(m->turbo, 0);
    assert_int_equal(m->vm, 0);
    assert_int_equal(machine_warnings(m, w, 8), 0);
    free(m);
}

static void test_unknown(void **state) {
    (void)state;
    struct machine *m = calloc(1, sizeof *m);
    assert_non_null(m);
    machine_read("/nonexistent-pb-root", m);
    assert_int_equal(m->ncpu, 0);
    assert_int_equal(m->turbo, -1);
    assert_int_equal(m->smt, -1);
    assert_int_equal(m->vm, -1);
    assert_int_equal(m->aslr, -1);
    char w[8][MACHINE_WARN_LEN];
    assert_int_equal(machine_warnings(m, w, 8), 0);
    free(m);
}

/* Two snapshots one (fake) second apart at 100 ticks/s: the busiest
 * others, not this process nor its children. */
static void test_busiest(void **state) {
    (void)state;
#define STAT "%d (%s) R %d 1 1 0 -1 0 0 0 0 0 %d %d 0 0 20 0 1\n"
    struct {
        int pid, ppid;
        const char *comm;
        int t0, t1;
    } procs[] = {
        {100, 1, "cc1", 1000, 1090},  /* 90% */
        {101, 1, "firefox", 50, 80},  /* 30% */
        {102, 1, "idle thing", 5, 5}, /* 0 */
        {103, 1, "make", 10, 15},     /* 5% */
        {200, 1, "parbench", 0, 100}, /* self */
        {201, 200, "cell", 0, 100},   /* a child of self */
        {104, 1, "ld", 0, 20},        /* 20% */
    };
    for (size_t i = 0; i < sizeof procs / sizeof procs[0]; i++) {
        char rel[64], line[256];
        snprintf(rel, sizeof rel, "/proc/%d/stat", procs[i].pid);
        snprintf(line, sizeof line, STAT, procs[i].pid, procs[i].comm,
                 procs[i].ppid, procs[i].t0, 0);
        put(root, rel, line);
        snprintf(line, sizeof line, STAT, procs[i].pid, procs[i].comm,
                 procs[i].ppid, procs[i].t1, 0);
        put(root2, rel, line);
    }
    put(root2, "/proc/loadavg", "1.52 0.90 0.40 2/94 27550\n");
    struct machine_load l;
    machine_sample_load(root, root2, 200, 0, 100, &l);
    assert_true(l.valid);
    assert_true(fabs(l.load1 - 1.52) < 1e-9);
    assert_true(fabs(l.others_cpu - 1.45) < 1e-9);
    assert_int_equal(l.nbusiest, 3);
    assert_string_equal(l.busiest[0].comm, "cc1");
    assert_int_equal(l.busiest[0].pid, 100);
    assert_true(fabs(l.busiest[0].cpu - 0.9) < 1e-9);
    assert_string_equal(l.busiest[1].comm, "firefox");
    assert_string_equal(l.busiest[2].comm, "ld");

    struct machine *m = calloc(1, sizeof *m);
    assert_non_null(m);
    machine_read("/nonexistent-pb-root", m);
    m->start = l;
    char w[8][MACHINE_WARN_LEN];
    assert_int_equal(machine_warnings(m, w, 8), 1);
    assert_non_null(strstr(w[0], "other processes used 145% of a CPU before "
                                 "the run (load average 1.52; busiest: cc1 "
                                 "(pid 100) 90%, firefox (pid 101) 30%, ld "
                                 "(pid 104) 20%)"));
    /* Below a fifth of a CPU: quiet enough. */
    m->start.others_cpu = 0.1;
    assert_int_equal(machine_warnings(m, w, 8), 0);
    free(m);
}

static void test_cpu_list(void **state) {
    (void)state;
    const unsigned char set[] = {1, 1, 0, 1, 0, 1, 1, 1};
    char buf[64];
    cpus_format_list(set, 8, buf, sizeof buf);
    assert_string_equal(buf, "0-1,3,5-7");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_and_warn),
        cmocka_unit_test(test_unknown),
        cmocka_unit_test(test_busiest),
        cmocka_unit_test(test_cpu_list),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
