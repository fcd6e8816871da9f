/* SPDX-License-Identifier: MIT */
/* sigsafe.c - see sigsafe.h. */
#include "util/sigsafe.h"

#include <signal.h>

size_t sigsafe_str(char *dst, size_t cap, size_t at, const char *s) {
    while (s && *s && at < cap)
        dst[at++] = *s++;
    return at;
}

size_t sigsafe_u64(char *dst, size_t cap, size_t at, uint64_t v) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n > 0 && at < cap)
        dst[at++] = tmp[--n];
    return at;
}

size_t sigsafe_signal(char *dst, size_t cap, size_t at, int sig) {
    static const struct {
        int sig;
        const char *name;
    } names[] = {{SIGSEGV, "SIGSEGV"}, {SIGBUS, "SIGBUS"},
                 {SIGILL, "SIGILL"},   {SIGFPE, "SIGFPE"},
                 {SIGABRT, "SIGABRT"}, {SIGTRAP, "SIGTRAP"},
                 {SIGSYS, "SIGSYS"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].sig == sig)
            return sigsafe_str(dst, cap, at, names[i].name);
    at = sigsafe_str(dst, cap, at, "signal ");
    return sigsafe_u64(dst, cap, at, (uint64_t)(sig < 0 ? 0 : sig));
}
