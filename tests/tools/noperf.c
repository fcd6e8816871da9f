/* SPDX-License-Identifier: MIT */
/*
 * noperf.c - runs a command under a seccomp filter that makes every
 * perf_event_open fail with EACCES, as the default seccomp profiles of
 * container runtimes do: a real refusal by the kernel, for the tests of
 * counters that are unavailable.  Every other system call is allowed.
 *
 *   pb-test-noperf COMMAND [ARG...]
 *
 * Exits 77 (a CTest skip) when the kernel will not install the filter.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define NOPERF_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NOPERF_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define NOPERF_ARCH AUDIT_ARCH_I386
#endif

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: pb-test-noperf COMMAND [ARG...]\n");
        return 2;
    }
#ifdef NOPERF_ARCH
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NOPERF_ARCH, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_perf_event_open, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EACCES & 0xffff)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]),
                              code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) {
        fprintf(stderr, "pb-test-noperf: cannot install the filter: %s\n",
                strerror(errno));
        return 77;
    }
#else
    fprintf(stderr, "pb-test-noperf: no filter for this architecture\n");
    return 77;
#endif
    execvp(argv[1], argv + 1);
    fprintf(stderr, "pb-test-noperf: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
